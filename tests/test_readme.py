"""The README's promises: its Python example runs, its commands are what CI runs."""

import re

from .conftest import ROOT


def readme():
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_python_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", readme(), re.S)
    assert blocks
    code = blocks[0].replace('"scenarios/', f'"{ROOT}/scenarios/').replace('"results/', f'"{tmp_path}/')
    exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "more_vouchers" / "target_summary.csv").exists()


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```bash\n(.*?)\n```", readme(), re.S)
    test_cmd = [c for c in commands if "pytest" in c]
    assert len(test_cmd) == 1
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd[0].strip() in ci.splitlines()
