"""A refactor changes no result: the Hunan baseline's tables are byte-identical to a stored hash.

The hashes in ``tests/data/baseline_hashes.json`` are those of the CSV tables written by
``scensim run --replicates 5 --seed 1 --csv`` (``--csv``: the large tables are Parquet-only by default;
the CSV rendering of every table is what is hashed, so a storage change cannot hide a changed result). Each
number is hashed at 8 significant digits: the last bits of a sum of money depend on the order in which a library
version adds floats (numpy/pandas releases between two CI runs changed four tables in the 16th digit while every
count and target stayed identical), and that is not a change of the model; any change of a rule moves values far
above 1e-8. They are updated only on purpose, when a change to the model is meant to change results::

    python -m tests.test_regression --update

and the commit that updates them says why.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from pathlib import Path

from .conftest import HUNAN, ROOT

HASHES = ROOT / "tests" / "data" / "baseline_hashes.json"
TABLES = ("targets", "target_summary", "fiscal", "fiscal_ledger", "runs", "scenarios", "series")


def baseline_hashes(out: Path) -> dict[str, str]:
    from sim.cli.main import main

    status = main(["run", str(HUNAN), "--replicates", "5", "--seed", "1", "--out", str(out), "--no-figures",
                   "--quiet", "--csv"])
    assert status == 0
    return {t: hashlib.sha256(canonical_csv(out / f"{t}.csv").encode()).hexdigest() for t in TABLES}


def _cell(text: str) -> str:
    """An integer as written; a float at 8 significant digits (see the module's docstring); text as written."""
    if not any(c in text for c in ".eE") or text.lower() in ("nan", "inf", "-inf"):
        return text
    try:
        return f"{float(text):.8g}"
    except ValueError:
        return text


def canonical_csv(path: Path) -> str:
    rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8")))
    return "\n".join(",".join(_cell(c) for c in row) for row in rows)


def test_baseline_tables_unchanged(tmp_path):
    stored = json.loads(HASHES.read_text(encoding="utf-8"))
    got = baseline_hashes(tmp_path / "run")
    changed = [t for t in TABLES if got[t] != stored[t]]
    assert not changed, (f"tables changed: {changed}; if the model was meant to change, run "
                         "`python -m tests.test_regression --update` and say why in the commit")


if __name__ == "__main__" and "--update" in sys.argv:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        HASHES.write_text(json.dumps(baseline_hashes(Path(d) / "run"), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {HASHES}")
