"""Reading input files safely: the one TOML reader, and the checks on paths named by users and files.

Every case file, sweep spec and comparison is read by :func:`read_toml`, which refuses — with one
:class:`~sim.base.errors.InputError` line, never a traceback — what could hurt the process or make
nonsense: files over ``MAX_FILE_BYTES``, nesting deeper than ``MAX_DEPTH`` (``RecursionError``
otherwise, in the parser or in the loaders' own walks), whole numbers outside 64 bits (400-digit
numbers overflow later), and ``inf``/``nan`` anywhere (no input needs them; they turn weights and
sums into NaN). Paths given by a user or written in a file go through :func:`check_path` (length,
NUL and control characters) and, when one file names another (``extends``, ``experiment.case``),
:func:`confine` (inside the naming file's folder tree or the project's ``scenarios/``, unless the
user allows paths outside with ``--allow-outside-paths``).
"""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path

from sim.base.errors import InputError

MAX_DEPTH = 32  # tables and arrays inside each other; the deepest real case file uses 5
MAX_FILE_BYTES = 16 * 1024 * 1024  # a case file is ~60 KB
MAX_PATH_CHARS = 1024  # Linux allows 4096 bytes; no project path is near 1024 characters
MAX_NAME_CHARS = 255  # one path component (file systems' limit)
INT64 = 2 ** 63
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROJECT_SCENARIOS = PROJECT_ROOT / "scenarios"


def check_path(text, file=None, key: str | None = None, what: str = "a path") -> Path:
    """``text`` as a :class:`Path`, or InputError if it is not a string, is empty, too long, or holds
    NUL or control characters (which no file name of this project needs)."""
    if isinstance(text, Path):
        text = str(text)
    if not isinstance(text, str) or not text.strip():
        raise InputError(file, key, f"expected {what} (a non-empty string)", text)
    if len(text) > MAX_PATH_CHARS:
        raise InputError(file, key, f"a path may have at most {MAX_PATH_CHARS} characters, this has {len(text):,}",
                         text[:40] + "…")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise InputError(file, key, "a path must not contain NUL or control characters", text)
    if any(len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_CHARS for part in Path(text).parts):
        raise InputError(file, key, f"each part of a path may have at most {MAX_NAME_CHARS} bytes", text[:40] + "…")
    return Path(text)


def confine(target: Path, naming_file: Path, file, key: str, allow_outside: bool, shown=None) -> Path:
    """``target`` resolved; InputError unless it lies in ``naming_file``'s folder tree, the project's
    ``scenarios/`` or ``./scenarios`` — or ``allow_outside`` is set."""
    resolved = target.resolve()
    if allow_outside:
        return resolved
    roots = [naming_file.resolve().parent, PROJECT_SCENARIOS.resolve(), (Path.cwd() / "scenarios").resolve()]
    if any(resolved.is_relative_to(r) for r in roots):
        return resolved
    raise InputError(file, key, "must name a file in this file's folder (or below it) or in the project's "
                     "scenarios/ folder; pass --allow-outside-paths to read files elsewhere",
                     str(target) if shown is None else shown)


def read_text(path: Path, what: str, example: str) -> str:
    """The UTF-8 text of the input file ``path`` (``what``: "case file"…; ``example``: a path to suggest)."""
    check_path(str(path), None, None, f"the path of {what}")
    try:
        if not path.exists():
            raise InputError(path, None, f"no such {what} (give the path of a .toml {what}, e.g. {example})")
        if path.is_dir():
            raise InputError(path, None, f"is a folder, not a {what} (.toml)")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(path, None, f"is {size:,} bytes; a {what} may have at most {MAX_FILE_BYTES:,}")
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise InputError(path, None, f"cannot read: {e.strerror or e}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(path, None, f"a {what} may have at most {MAX_FILE_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(path, None, "not a UTF-8 text file") from None


def parse_toml(text: str, file) -> dict:
    """Parse TOML text and check it against the limits above."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(file, None, f"TOML syntax error: {e}") from None
    except RecursionError:
        raise InputError(file, None, f"nested too deeply (at most {MAX_DEPTH} levels of tables and arrays)") from None
    except ValueError as e:  # e.g. an integer of more than 4300 digits
        raise InputError(file, None, f"unreadable value: {e}") from None
    check_tree(doc, file)
    return doc


def read_toml(path: Path, what: str, example: str) -> tuple[dict, str]:
    """(document, text) of a TOML input file, checked against the limits above."""
    text = read_text(path, what, example)
    return parse_toml(text, path), text


def check_tree(doc, file) -> None:
    """Walk the parsed document without recursion: depth, 64-bit integers, finite floats."""
    stack = [(doc, "", 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(file, where or None, f"nested too deeply (at most {MAX_DEPTH} levels of tables and "
                             "arrays)")
        if isinstance(node, dict):
            items = [(f"{where}.{k}" if where else str(k), v) for k, v in node.items()]
        elif isinstance(node, list):
            items = [(f"{where}[{i}]", v) for i, v in enumerate(node)]
        else:
            continue
        for key, v in items:
            if isinstance(v, bool):
                continue
            if isinstance(v, int) and not -INT64 <= v < INT64:
                raise InputError(file, key, "whole numbers must fit in 64 bits (at most 9.2e18 in size)", v)
            if isinstance(v, float) and not math.isfinite(v):
                raise InputError(file, key, "must be a finite number (inf and nan are not allowed)", v)
            if isinstance(v, (dict, list)):
                stack.append((v, key, depth + 1))


def output_folder(text, key: str = "--out") -> Path:
    """A folder to write into, checked before any work is done: a sane path whose nearest existing
    ancestor is a writable folder (``/dev/null/x`` is refused here, not after an hour's run)."""
    out = check_path(str(text), None, key, "a folder")
    if out.exists() and not out.is_dir():
        raise InputError(None, key, "must be a folder, and this is a file", str(out))
    probe = out.absolute()
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(None, key, f"cannot be created: {probe} is not a folder", str(out))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(None, key, f"cannot be written: no permission to write in {probe}", str(out))
    return out
