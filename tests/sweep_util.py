"""Helpers shared by the sweep tests: the tiny test spec, spec variants, running the CLI."""

import errno
import os
import re
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

SPECS = ROOT / "tests" / "specs"
TINY = SPECS / "tiny.toml"
TINY_CASE = SPECS / "tiny_case.toml"


def tiny_text() -> str:
    return TINY.read_text(encoding="utf-8")


def write_spec(folder: Path, replace=(), text=None, name="spec.toml") -> Path:
    """Write the tiny spec (or ``text``) into ``folder`` with replacements, and the tiny case beside it
    (a spec may only name a case in its own folder tree or the project's scenarios/)."""
    text = tiny_text() if text is None else text
    write_tiny_case(folder)
    for old, new in replace:
        assert old in text, f"helper: {old!r} not in spec text"
        text = text.replace(old, new, 1)
    path = Path(folder) / name
    path.write_text(text, encoding="utf-8")
    return path


def scensim(*args, cwd=None, check=True, timeout=600):
    env = {**os.environ, "COLUMNS": "200"}
    r = subprocess.run([sys.executable, "-m", "sim.cli", *map(str, args)], capture_output=True, text=True,
                       cwd=cwd or ROOT, env=env, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def write_tiny_case(folder: Path) -> Path:
    """The tiny case, copied into ``folder``; its ``extends`` points at the project's Hunan case."""
    hunan = (ROOT / "scenarios" / "hunan_2026_2028.toml").as_posix()
    text = TINY_CASE.read_text(encoding="utf-8").replace('extends = "../../scenarios/hunan_2026_2028.toml"',
                                                         f'extends = "{hunan}"')
    path = Path(folder) / "tiny_case.toml"
    path.write_text(text, encoding="utf-8")
    return path


def reference_sweep(folder: Path, replicates: int):
    """The tiny spec with ``replicates`` replicates written into ``folder``, and its runs table run
    without interruption (in this process): (spec path, runs DataFrame)."""
    from sim.engine.sweep import load_spec, read_runs, run_sweep

    spec = write_spec(folder, [("replicates  = 3", f"replicates  = {replicates}")])
    run_sweep(load_spec(spec), out=Path(folder) / "ref", workers=1)
    return spec, read_runs(Path(folder) / "ref")


def crossed_sweep(folder: Path) -> Path:
    """Run the tiny spec as a crossed design (a grid of policies × 3 LHS scenarios, 2 replicates) into
    ``folder/o``; returns that folder."""
    from sim.engine.sweep import load_spec, run_sweep

    spec = write_spec(folder, [('kind   = "grid"\nlevels = 2',
                                'kind = "crossed"\npolicies = { kind = "grid" }\nscenarios = { kind = "lhs", points = 3 }'),
                               ("replicates  = 3", "replicates  = 2")])
    out = folder / "o"
    run_sweep(load_spec(spec), out=out, workers=1)
    return out


_PATH = re.compile(r"[A-Za-z0-9_.\-]*/[A-Za-z0-9_.\-/]*")  # a path: its words are names, not English
_OPTION = re.compile(r"--[a-z][a-z-]*")
_WORD = re.compile(r"[A-Za-z]{2,}")


def english_words(text: str, allowed=()) -> list[str]:
    """The English words in ``text`` (a command's output in Chinese should have none): words of two or
    more Latin letters outside paths and --options, but for ``allowed`` (ids, the command's name)."""
    text = _OPTION.sub(" ", _PATH.sub(" ", text))
    return [w for w in _WORD.findall(text) if w not in set(allowed)]


def disk_full_for_run_chunks(monkeypatch, message="No space left on device") -> None:
    """Make every write of a runs chunk (``runs/part-*``) fail as a full disk does; other files are written."""
    from sim.engine.sweep import store

    real = store.write_atomic

    def full(path, write, checksum=False):
        if path.parent.name == "runs" and path.name.startswith("part-"):
            raise OSError(errno.ENOSPC, message)
        return real(path, write, checksum)

    monkeypatch.setattr(store, "write_atomic", full)
