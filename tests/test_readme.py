"""The README's promises: its test command is what CI runs. (Its examples run as doc tests: README.md
is collected by conftest.py, see docs/contributing.md.)"""

import re

from .conftest import ROOT


def readme():
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```bash\n(.*?)\n```", readme(), re.S)
    test_cmd = [c for c in commands if "pytest" in c]
    assert len(test_cmd) == 1
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd[0].strip() in ci.splitlines()
