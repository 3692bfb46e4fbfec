"""The repository cites its grounds from inside itself: policy documents by number and public figures in
``docs/sources.md``, never a path outside the repository."""

from __future__ import annotations

import re
import subprocess

from .conftest import ROOT

OUTSIDE = re.compile(r"FACTS\.md|\.\./shared/|shared/seeds/|\bseed 00\d")


def tracked_text_files():
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in names:
        if name.endswith((".py", ".toml", ".md")) and name != "tests/test_sources.py":
            yield name, (ROOT / name).read_text(encoding="utf-8")


def test_no_citation_points_outside_the_repository():
    found = [f"{name}:{text[:m.start()].count(chr(10)) + 1}: {m.group(0)}"
             for name, text in tracked_text_files() for m in OUTSIDE.finditer(text)]
    assert not found, "cite docs/sources.md or a document number instead: " + "; ".join(found[:20])


def test_every_cited_document_number_is_listed_in_sources():
    listed = set(re.findall(r"^\| (\d{3}) \|", (ROOT / "docs" / "sources.md").read_text(encoding="utf-8"), re.M))
    assert {"000", "001", "002", "003", "004"} <= listed
    cited = {m for _, text in tracked_text_files() for m in re.findall(r"\bdocument (\d{3})\b", text)}
    assert cited and cited <= listed, f"cited but not listed in docs/sources.md: {sorted(cited - listed)}"
