"""Documentation that runs: the examples of README.md and docs/*.md as tests (Sybil parsers and evaluators).

The conventions (written for doc authors in ``docs/contributing.md``):

* ```` ```bash ```` / ```` ```sh ```` — commands, run with bash in a temporary copy of the repository; the
  block must exit with status 0.
* ```` ```console ```` — ``$ command`` lines, each followed by what it prints (stdout and stderr as a terminal
  shows them); the printed lines are compared with the run's.
* ```` ```python ```` — a script, run with the project's Python in the temporary copy (``__name__`` is
  ``"__main__"``, so ``if __name__ == "__main__":`` blocks run too).
* ``<!-- doc: output -->`` before a plain block: what the runnable block above it printed (compared).
* ``<!-- doc: file PATH -->`` before any block: write its text to PATH in the copy (``append`` or
  ``prepend`` after PATH to add to the file instead; ``replace-last`` to replace what the last
  ``append`` to it added) — the file the next commands use is the doc's own.
* ``<!-- doc: abridged -->``: compare only the lines shown, in order, ignoring table borders and spacing.
* ``<!-- doc: exit N -->``: the block's (last) command must exit with status N (e.g. 2 for an input
  error); the others in a console block with 0.
* ``<!-- doc: slow -->``: marks the block's test ``slow``: the default run leaves it out, ``--slow`` runs it
  with every block of its document (``conftest.py``).
* In compared output, ``…`` matches any text within a line; a line of only ``…`` matches any lines.
* ``<!-- skip: next "reason" -->`` (Sybil's own directive) skips the next block, giving the reason.

Words of one ``doc:`` comment may be combined (``<!-- doc: output abridged -->``); several comments may
stand before one block. Every document gets its own copy of the repository's files (``git ls-files``),
so its blocks see each other's files (a sweep, then its summary) and nothing they write reaches the
working tree.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sybil import Document, Region
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer

ROOT = Path(__file__).resolve().parent.parent

RUNNABLE = {"bash": "commands", "sh": "commands", "shell": "commands", "console": "session", "python": "python",
            "py": "python"}
FLAGS = {"output", "abridged", "slow", "append", "prepend", "replace-last"}
DIRECTIVE = re.compile(r"<!--\s*doc:(?P<words>.*?)-->\s*\Z", re.S)
BOX = re.compile(r"[\u2500-\u257f]")  # rich's table borders
COMMAND_TIMEOUT_S = 600  # a hung example fails instead of stalling CI


# -- parsing --------------------------------------------------------------------------------------
@dataclass
class Block:
    """One fenced block and the ``doc:`` words before it."""

    kind: str                  # commands | session | python | output | file
    source: str
    path: str                  # the document, relative to the repository
    line: int
    language: str = ""
    flags: set = field(default_factory=set)
    file: str | None = None
    exit: int = 0
    after: int | None = None   # output blocks: the line of the runnable block they belong to

    @property
    def where(self) -> str:
        return f"{self.path}, block at line {self.line}"


def directives_before(text: str, start: int) -> list[str]:
    """The words of the ``<!-- doc: … -->`` comments standing right before ``start`` (other comments,
    such as Sybil's ``skip``, may stand between them)."""
    words: list[str] = []
    head = text[:start].rstrip()
    while head.endswith("-->"):
        i = head.rfind("<!--")
        if i < 0:
            break
        d = DIRECTIVE.match(head, i)
        if d:
            words = d.group("words").split() + words
        head = head[:i].rstrip()
    return words


def block_from(words: list[str], language: str, source: str, path: str, line: int) -> Block | None:
    flags, file, exit_status = set(), None, 0
    it = iter(words)
    for w in it:
        if w in FLAGS:
            flags.add(w)
        elif w == "file":
            file = next(it, None)
            if file is None:
                raise ValueError(f"{path}:{line}: 'doc: file' needs a path")
        elif w == "exit":
            status = next(it, "")
            if not status.isdigit():
                raise ValueError(f"{path}:{line}: 'doc: exit' needs a status, e.g. 'doc: exit 2'")
            exit_status = int(status)
        else:
            raise ValueError(f"{path}:{line}: unknown word {w!r} in a 'doc:' comment; allowed: output, abridged, "
                             "slow, file PATH [append|prepend|replace-last], exit N (see docs/contributing.md)")
    if file is not None:
        kind = "file"
    elif "output" in flags:
        kind = "output"
    elif language in RUNNABLE:
        kind = RUNNABLE[language]
    elif words:
        raise ValueError(f"{path}:{line}: 'doc:' comment before a ```{language or '(plain)'} block that is neither "
                         "runnable nor marked output or file")
    else:
        return None
    if {"append", "prepend", "replace-last"} & flags and kind != "file":
        raise ValueError(f"{path}:{line}: append, prepend and replace-last only go with 'doc: file PATH'")
    if "abridged" in flags and kind not in ("session", "output"):
        raise ValueError(f"{path}:{line}: 'doc: abridged' only applies to ```console and output blocks")
    return Block(kind, source, path, line, language, flags, file, exit_status)


class DocBlockParser:
    """Yields a region for every runnable, output or file block of a Markdown document."""

    lexer = RawFencedCodeBlockLexer(info_pattern=re.compile(r"(?P<info>[^\n]*)\n"),
                                    mapping={"info": "info", "source": "source"})

    def __call__(self, document: Document):
        path = Path(document.path).resolve()
        rel = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
        last_runnable = None
        regions = list(self.lexer(document))
        outer = [(r.start, r.end) for r in regions]
        for region in regions:
            if any(s < region.start and region.end <= e for s, e in outer):
                continue  # a block shown inside another (a longer fence): an example of Markdown, not run
            info = region.lexemes["info"].strip()
            language = info.split()[0].lower() if info else ""
            line = document.text.count("\n", 0, region.start) + 1
            words = directives_before(document.text, region.start)
            block = block_from(words, language, str(region.lexemes["source"]), rel, line)
            if block is None:
                continue
            if block.kind in ("commands", "session", "python"):
                last_runnable = line
            elif block.kind == "output":
                if last_runnable is None:
                    raise ValueError(f"{rel}:{line}: 'doc: output' block with no runnable block above it")
                block.after = last_runnable
            yield Region(region.start, region.end, block, evaluate)


# -- the copy each document runs in ----------------------------------------------------------------
def repository_files(root: Path = ROOT) -> list[str]:
    """Tracked files, and new files not ignored (so a doc being written is tested before its commit)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                             capture_output=True, check=True).stdout.decode()
        return [f for f in out.split("\0") if f and (root / f).is_file()]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: everything but the usual litter
        skip = {".git", ".venv", "venv", "results", "__pycache__", ".pytest_cache", "build", "dist"}
        return [str(p.relative_to(root)) for p in root.rglob("*")
                if p.is_file() and not skip & set(p.relative_to(root).parts)]


def copy_repository(dest: Path, root: Path = ROOT) -> Path:
    for f in repository_files(root):
        target = dest / f
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / f, target)
    (dest / "results").mkdir(exist_ok=True)
    return dest


def setup(namespace: dict) -> None:
    work = Path(tempfile.mkdtemp(prefix="scensim-doc-"))
    namespace["workdir"] = copy_repository(work)
    namespace["previous"] = None


def teardown(namespace: dict) -> None:
    shutil.rmtree(namespace["workdir"], ignore_errors=True)


def environment() -> dict:
    """The environment commands run in: the project's Python and ``scensim`` first on PATH, no terminal
    settings that would change how tables are laid out."""
    env = dict(os.environ)
    for var in ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "PYTHONPATH",
                "PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS"):
        env.pop(var, None)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["MPLBACKEND"] = "Agg"
    return env


def shell(command: str, cwd: Path) -> tuple[int, str]:
    """Run ``command`` with bash (``set -e``, pipefail); returns the exit status and what it printed
    (stdout and stderr interleaved, as a terminal shows them)."""
    import signal

    p = subprocess.Popen(["bash", "-c", "set -eo pipefail\n" + command], cwd=cwd, env=environment(),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=COMMAND_TIMEOUT_S)
    except subprocess.TimeoutExpired:  # end the whole group: worker processes too
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return -9, out.decode("utf-8", "replace") + f"\n[stopped after {COMMAND_TIMEOUT_S} s]"
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # nothing a block started outlives it
        except ProcessLookupError:
            pass
    return p.returncode, out.decode("utf-8", "replace")


# -- comparing output ------------------------------------------------------------------------------
def _lines(text: str) -> list[str]:
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _line_pattern(line: str) -> str:
    return ".*?".join(re.escape(part) for part in line.split("…"))


def matches_exactly(shown: str, actual: str) -> bool:
    """Every line as shown (trailing spaces and blank lines at either end ignored); ``…`` matches any text
    within a line, a line of only ``…`` any number of lines."""
    pattern = "".join(r"(?:[^\n]*\n)*?" if ln.strip() == "…" else _line_pattern(ln) + r"\n" for ln in _lines(shown))
    return re.fullmatch(pattern, "\n".join(_lines(actual)) + "\n") is not None


def _squeeze(line: str) -> str:
    return " ".join(BOX.sub(" ", line).split())


def first_missing_line(shown: str, actual: str) -> str | None:
    """For abridged output: the first shown line (borders and runs of spaces ignored) that does not occur,
    in order, in the actual output; None if all do."""
    remaining = [s for s in (_squeeze(a) for a in _lines(actual)) if s]
    i = 0
    for ln in _lines(shown):
        want = _squeeze(ln)
        if not want or want == "…":
            continue
        pat = re.compile(_line_pattern(want))
        while i < len(remaining) and not pat.fullmatch(remaining[i]):
            i += 1
        if i == len(remaining):
            return ln
        i += 1
    return None


def compare(block: Block, what: str, shown: str, actual: str) -> str | None:
    """None if ``actual`` agrees with the output the doc shows; else a message naming the file and block,
    with a diff."""
    if "abridged" in block.flags:
        missing = first_missing_line(shown, actual)
        if missing is None:
            return None
        reason = f"this line, shown (abridged), is not in the output (in order):\n  {missing.strip()}\n"
    else:
        if matches_exactly(shown, actual):
            return None
        reason = ""
    diff = "\n".join(difflib.unified_diff(_lines(shown), _lines(actual), f"{block.path} (as shown)",
                                          f"{what} (as run)", lineterm="", n=2))
    return (f"{block.where}: {what} printed something else than the doc shows — the doc is stale, or the code "
            f"changed by mistake. {reason}\n{diff}\n")


# -- evaluating a block ----------------------------------------------------------------------------
def session_commands(source: str) -> list[tuple[str, str]]:
    """A console block as (command, output shown) pairs; a command continues over lines ending in ``\\``."""
    pairs: list[tuple[str, list[str]]] = []
    lines = source.split("\n")
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.startswith("$ "):
            cmd = [ln[2:]]
            while cmd[-1].rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd.append(lines[i])
            pairs.append(("\n".join(cmd), []))
        elif pairs:
            pairs[-1][1].append(ln)
        elif ln.strip():
            raise ValueError(f"text before the first '$ ' command of a console block: {ln!r}")
        i += 1
    return [(c, "\n".join(out)) for c, out in pairs]


def _status_message(block: Block, what: str, status: int, expected: int, output: str) -> str:
    return (f"{block.where}: {what} exited with status {status}, the doc expects {expected}. It printed:\n"
            f"{output[-6000:]}")


def evaluate(example) -> str | None:
    block: Block = example.parsed
    ns = example.namespace
    work: Path = ns["workdir"]
    if block.kind == "file":
        target = work / block.file
        target.parent.mkdir(parents=True, exist_ok=True)
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        appended = ns.setdefault("appended", {})
        if "append" in block.flags:
            text = old + ("" if not old or old.endswith("\n") else "\n") + block.source
            appended[block.file] = block.source
        elif "replace-last" in block.flags:
            last = appended.get(block.file)
            if last is None or not old.endswith(last):
                return f"{block.where}: 'doc: file {block.file} replace-last' but no block was appended to it last"
            text = old[:len(old) - len(last)] + block.source
            appended[block.file] = block.source
        elif "prepend" in block.flags:
            text = block.source + old
        else:
            text = block.source
        target.write_text(text, encoding="utf-8")
        return None
    if block.kind == "output":
        previous = ns.get("previous")
        if previous is None or previous[0] != block.after:
            import pytest

            pytest.skip(f"the block at line {block.after} this output belongs to did not run (skipped or failed)")
        _, what, output = previous
        return compare(block, what, block.source, output)
    ns["previous"] = None
    if block.kind == "commands":
        what = f"the ```{block.language} block"
        status, output = shell(block.source, work)
        if status != block.exit:
            return _status_message(block, what, status, block.exit, output)
        ns["previous"] = (block.line, what, output)
        return None
    if block.kind == "python":
        script = work / f".doc-example-{Path(block.path).stem}-{block.line}.py"
        script.write_text(block.source, encoding="utf-8")
        what = "the ```python block"
        status, output = shell(f'python "{script.name}"', work)
        if status != block.exit:
            return _status_message(block, what, status, block.exit, output)
        ns["previous"] = (block.line, what, output)
        return None
    # a console session: each command and what it prints
    session = session_commands(block.source)
    for i, (command, shown) in enumerate(session):
        what = f"`{command.strip()}`"
        status, output = shell(command, work)
        expected = block.exit if i == len(session) - 1 else 0
        if status != expected:
            return _status_message(block, what, status, expected, output)
        if shown.strip():
            failure = compare(block, what, shown, output)
            if failure:
                return failure
        ns["previous"] = (block.line, what, output)
    return None


# -- docstrings of the package ---------------------------------------------------------------------
def docstring_setup(namespace: dict) -> None:
    """Docstring examples run with the working directory in a copy of the repository (they read
    ``scenarios/`` and may write ``results/``)."""
    setup(namespace)
    namespace["_cwd"] = os.getcwd()
    os.chdir(namespace["workdir"])


def docstring_teardown(namespace: dict) -> None:
    os.chdir(namespace["_cwd"])
    teardown(namespace)
