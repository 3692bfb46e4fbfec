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


def test_the_readme_command_line_section_names_every_command_and_its_flags():
    """The README's "Command line" block is the reference a user reads first: every command of the
    parser is in it (sensitivity, discover and optimise were not), with every flag it takes."""
    import argparse
    import re

    from sim.cli.main import build_parser

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index("## Command line"):]
    block = block[block.index("```") + 3:]
    block = block[:block.index("```")]
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, cmd in sub.choices.items():
        if name == "optimize":  # an alias of optimise
            assert "also: optimize" in block
            continue
        usage = re.search(rf"^scensim {name}\b(.*?)(?=^scensim |\Z)", block, re.M | re.S)
        if usage is None:
            missing.append(name)
            continue
        for action in cmd._actions:
            flags = [o for o in action.option_strings if o.startswith("--")]
            if flags and "--help" not in flags and "--allow-outside-paths" not in flags and not any(f in usage.group(1) for f in flags):
                missing.append(f"{name} {flags[0]}")
    assert "scensim --version" in block
    assert "takes `--allow-outside-paths`" in text[text.index("## Command line"):]  # once for every command
    assert not missing, missing
