"""Re-measure the output a document shows: run its blocks as the doc tests do and write what they print
back into the document (for doc authors after a deliberate change of the model's numbers).

    python -m tests.docupdate docs/cases.md [README.md ...] [--run-skipped] [--check]

Each document's blocks run in order in a temporary copy of the repository, exactly as
:mod:`tests.docrun` runs them. Shown output that no longer matches is replaced by what was printed:
``console`` blocks command by command (a command shown without output stays without), and
``<!-- doc: output -->`` blocks after the block they belong to. Output marked ``abridged`` keeps the
author's selection of rows: each shown row is replaced by the printed row with the same label (its
first cells, :func:`reabridge`); where that does not reproduce a match, it is reported for the author to
edit by hand. Blocks
preceded by a Sybil ``<!-- skip: next … -->`` comment are not run unless ``--run-skipped`` is given;
their skip comments are kept (remove them by hand once the shown output is right). ``--check`` writes
nothing and exits 1 if any shown output is stale.

Nothing is written unless every runnable block ran with the exit status the doc expects (stale abridged
output is reported but does not hold the rest back); the file is replaced in one step (write to a
temporary file, then rename).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from sybil import Document

from tests import docrun

SKIP = re.compile(r"<!--\s*skip:\s*next\b.*?-->", re.S)


def _skipped(text: str, start: int) -> bool:
    """Whether a Sybil skip comment stands right before ``start`` (among other comments)."""
    head = text[:start].rstrip()
    while head.endswith("-->"):
        i = head.rfind("<!--")
        if i < 0:
            return False
        if SKIP.fullmatch(head[i:]):
            return True
        head = head[:i].rstrip()
    return False


def _source_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of a fenced block's body (between the opening fence line and the closing fence)."""
    body_start = text.index("\n", start) + 1
    close = text[:end].rstrip()
    body_end = close.rfind("\n") + 1
    return body_start, max(body_end, body_start)


def _with_newline(s: str) -> str:
    return s if s.endswith("\n") else s + "\n"


def _cells(line: str) -> list[str]:
    return [c for c in re.split(r"\s{2,}", docrun.BOX.sub(" ", line).strip()) if c]


def reabridge(shown: str, actual: str) -> str:
    """Stale abridged output re-measured row by row: each shown line is replaced by the printed line whose
    first cells (its label: the first two, else the first) are the same, or failing that the closest printed
    line (similarity ≥ 0.85) — the author's choice of rows is kept, their numbers re-measured; table
    borders are dropped. A shown line with no such printed line is kept as it was (and so
    still reported stale)."""
    printed = [docrun.BOX.sub(" ", ln).rstrip() for ln in docrun._lines(actual)]
    printed_cells = [_cells(ln) for ln in printed]
    out, i = [], 0
    for line in docrun._lines(shown):
        if not line.strip() or line.strip() == "…":
            out.append(line)
            continue
        cells = _cells(line)
        if not cells:  # a table border: the re-measured rows are shown without borders
            continue
        hit = None
        for k in (2, 1):
            if len(cells) < k:
                continue
            key = cells[:k]
            hit = next((j for j in range(i, len(printed)) if printed_cells[j][:k] == key), None)
            if hit is not None:
                break
        if hit is None:  # a label that changed its wording: the closest printed line, if close enough
            want = " ".join(cells)
            scores = [(difflib.SequenceMatcher(None, want, " ".join(c)).ratio(), j)
                      for j, c in enumerate(printed_cells[i:], start=i) if c]
            best = max(scores, default=(0.0, None))
            hit = best[1] if best[0] >= 0.85 else None
        if hit is None:
            out.append(line)
            continue
        out.append(printed[hit])
        i = hit + 1
    return "\n".join(ln.strip() for ln in out)  # table borders gone, every row starts at the margin


def update(path: Path, run_skipped: bool = False) -> tuple[str, list[str]]:
    """The document with re-measured output, and the problems found (stale abridged output, failures)."""
    text = path.read_text(encoding="utf-8")
    doc = Document(text, str(path.resolve()))
    regions = list(docrun.DocBlockParser()(doc))
    edits: list[tuple[int, int, str]] = []
    problems: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="scensim-docupdate-"))
    try:
        docrun.copy_repository(work)
        previous = None  # (line of the runnable block, output)
        appended: dict[str, str] = {}
        for region in regions:
            block: docrun.Block = region.parsed
            if _skipped(text, region.start) and not run_skipped:
                previous = None
                continue
            if block.kind == "file":
                ns = {"workdir": work, "appended": appended}
                failure = docrun.evaluate(type("Example", (), {"parsed": block, "namespace": ns})())
                if failure:
                    problems.append(failure)
                continue
            if block.kind == "output":
                if previous is None or previous[0] != block.after:
                    continue
                if docrun.compare(block, "the block above", block.source, previous[1]) is None:
                    continue
                s, e = _source_span(text, region.start, region.end)
                if "abridged" in block.flags:
                    new = reabridge(block.source, previous[1])
                    if docrun.compare(block, "the block above", new, previous[1]) is not None:
                        problems.append(f"{block.where}: abridged output is stale; edit it by hand")
                        continue
                    edits.append((s, e, _with_newline(new)))
                    continue
                edits.append((s, e, _with_newline("\n".join(docrun._lines(previous[1])))))
                continue
            previous = None
            if block.kind in ("commands", "python"):
                if block.kind == "python":
                    script = work / f".doc-example-{Path(block.path).stem}-{block.line}.py"
                    script.write_text(block.source, encoding="utf-8")
                    status, out = docrun.shell(f'python "{script.name}"', work)
                else:
                    status, out = docrun.shell(block.source, work)
                if status != block.exit:
                    problems.append(docrun._status_message(block, "the block", status, block.exit, out))
                    continue
                previous = (block.line, out)
                continue
            # a console session: re-measure each command's shown output
            pieces, stale = [], False
            session = docrun.session_commands(block.source)
            for i, (command, shown) in enumerate(session):
                status, out = docrun.shell(command, work)
                expected = block.exit if i == len(session) - 1 else 0
                if status != expected:
                    problems.append(docrun._status_message(block, f"`{command.strip()}`", status, expected, out))
                    stale = False
                    break
                new = shown
                if shown.strip() and docrun.compare(block, command, shown, out) is not None:
                    if "abridged" in block.flags:
                        new = reabridge(shown, out)
                        if docrun.compare(block, command, new, out) is not None:
                            problems.append(f"{block.where}: abridged output of `{command.strip()}` is stale; "
                                            "edit by hand")
                            new = shown
                        else:
                            stale = True
                    else:
                        new, stale = "\n".join(docrun._lines(out)), True
                pieces.append("$ " + command + ("\n" + new if new.strip() else ""))
                previous = (block.line, out)
            if stale:
                s, e = _source_span(text, region.start, region.end)
                edits.append((s, e, _with_newline("\n".join(p.rstrip("\n") for p in pieces))))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for s, e, new in sorted(edits, reverse=True):
        fence = text.rfind("\n", 0, s - 1) + 1  # the opening fence line: a block indented in a list keeps it
        indent = text[fence:s - 1][: len(text[fence:s - 1]) - len(text[fence:s - 1].lstrip(" "))]
        if indent:
            new = "".join(indent + ln if ln.strip() else ln for ln in new.splitlines(keepends=True))
        text = text[:s] + new + text[e:]
    return text, problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.docupdate", description=__doc__.split("\n\n")[0])
    ap.add_argument("docs", nargs="+", type=Path)
    ap.add_argument("--run-skipped", action="store_true", help="also run blocks behind a skip comment")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if any shown output is stale")
    a = ap.parse_args(argv)
    status = 0
    for path in a.docs:
        old = path.read_text(encoding="utf-8")
        new, problems = update(path, a.run_skipped)
        for p in problems:
            print(p, file=sys.stderr)
        if new != old:
            print(f"{path}: shown output is stale" + ("" if a.check else "; re-measured"))
            status = 1 if a.check else status
            failed = [p for p in problems if "abridged" not in p]
            if not a.check and not failed:
                tmp = path.with_name(f".{path.name}.tmp")
                tmp.write_text(new, encoding="utf-8")
                os.replace(tmp, path)
            elif not a.check:
                print(f"{path}: not written, because a block failed (above)", file=sys.stderr)
        if problems:
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
