"""``scensim run`` keeps in memory only what its summaries need (issue 15): the large per-replicate tables
go to part files in the staging folder as each replicate arrives, and the written set is the same as
writing the concatenated tables (same bytes of every CSV, same Parquet schema and content)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from .conftest import ROOT

SMALL = ROOT / "scenarios" / "synthetic_small.toml"


@pytest.fixture(scope="module")
def small():
    from sim.core.case import load_case

    return load_case(SMALL)


def test_large_tables_are_written_as_replicates_arrive_and_not_held(small, tmp_path):
    from sim.base.files import Bundle
    from sim.engine.runner import STREAMED, Collector, run, run_one
    from sim.report.figures import figure_rows

    one_series = len(run_one(small, seed=1).series)
    seen = []
    with Bundle(tmp_path / "out", csv=True) as b:
        def progress(k):  # after the k-th replicate: its parts are on disk already
            seen.append(k)
            for name in STREAMED:
                assert len(b.parts(name)) == k
                assert all(p.exists() for p in (b.tmp / ".parts" / name).glob("*.parquet"))
            assert len(list((b.tmp / ".parts" / "series").glob("*.parquet"))) == k

        res = run(small, replicates=4, seed=3, progress=progress, sink=b, series_rows=lambda s: figure_rows(s, small))
    assert seen == [1, 2, 3, 4]
    assert res.series is None and res.scenarios is None and res.fiscal_ledger is None and res.accounts is None
    assert set(res.streamed) == set(STREAMED)
    # what stays in memory: the figure rows of the series (a small part of it), targets, public cost, fiscal
    assert res.series_rows["replicate"].nunique() == 4
    assert len(res.series_rows) < one_series  # four replicates' kept rows are fewer than one whole series
    assert not (tmp_path / "out").exists()  # never committed: nothing written, the staging folder deleted
    assert not list(tmp_path.glob(".out.tmp-*"))

    from sim.engine.runner import Discard

    c = Collector(Discard(), lambda s: figure_rows(s, small))
    for r in range(3):
        c.add(run_one(small, seed=10 + r, replicate=r))
    assert c.held_rows() < one_series


def test_the_streamed_set_equals_the_concatenated_one(small, tmp_path):
    from sim.base.files import Bundle, write_bundle
    from sim.engine.runner import run
    from sim.report.figures import figure_rows

    whole = run(small, replicates=3, seed=5)
    write_bundle(tmp_path / "a", whole.tables(), csv=True)
    with Bundle(tmp_path / "b", csv=True) as b:
        parts = run(small, replicates=3, seed=5, sink=b, series_rows=lambda s: figure_rows(s, small))
        b.commit(parts.tables())
    for name in ("target_summary", "targets", "fiscal", "runs", "public_cost"):
        pd.testing.assert_frame_equal(getattr(parts, name), getattr(whole, name))
    pd.testing.assert_frame_equal(parts.series_rows, figure_rows(whole.series, small))
    assert parts.table_names() == whole.table_names()
    a, b = tmp_path / "a", tmp_path / "b"
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    for p in sorted(a.glob("*.csv")):
        assert (b / p.name).read_bytes() == p.read_bytes(), p.name
    for p in sorted(a.glob("*.parquet")):
        assert pq.read_schema(b / p.name).equals(pq.read_schema(p), check_metadata=True), p.name
        pd.testing.assert_frame_equal(pd.read_parquet(b / p.name), pd.read_parquet(p))
    assert pq.ParquetFile(b / "series.parquet").num_row_groups == 3  # one row group per replicate


def test_parts_of_differing_types_are_merged_as_concat_would(tmp_path):
    from sim.base.files import Bundle, write_bundle

    p0 = pd.DataFrame({"a": [1, 2], "b": pd.Categorical(["x", "y"])})
    p1 = pd.DataFrame({"a": [3.5], "b": pd.Categorical(["z"])})  # other types: concat gives float and object
    write_bundle(tmp_path / "a", {"t": pd.concat([p0, p1], ignore_index=True)}, csv=True)
    with Bundle(tmp_path / "b", csv=True) as b:
        b.add_part("t", 1, p1)
        b.add_part("t", 0, p0)  # arrival order does not matter: index order does
        b.commit({})
    assert (tmp_path / "b" / "t.csv").read_bytes() == (tmp_path / "a" / "t.csv").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "b" / "t.parquet"), pd.read_parquet(tmp_path / "a" / "t.parquet"))


def test_an_interrupted_run_leaves_the_earlier_set_and_no_parts(small, tmp_path, monkeypatch):
    from sim.cli.main import main

    out = tmp_path / "out"
    assert main(["run", str(SMALL), "-r", "1", "--out", str(out), "--no-figures", "-q"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    import sim.engine.runner as runner

    real = runner.Collector.add

    def add(self, part):
        real(self, part)
        if part.replicate == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(runner.Collector, "add", add)
    assert main(["run", str(SMALL), "-r", "3", "--seed", "9", "--out", str(out), "--no-figures", "-q"]) == 130
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # the staging folder with its parts is gone


def test_the_report_reads_only_the_series_rows_it_draws(small, tmp_path):
    from sim.cli.main import main
    from sim.report.sections import load_run
    from sim.report.sources import detect

    out = tmp_path / "run"
    assert main(["run", str(SMALL), "-r", "2", "--out", str(out), "--no-figures", "-q"]) == 0
    view = load_run(detect(out))
    whole = pd.read_parquet(out / "series.parquet")
    assert len(view.series) < len(whole) / 10
    from sim.report.figures import figure_rows

    kept = figure_rows(whole, small)
    assert view.series[["replicate", "month", "metric", "breakdown", "group", "value"]].astype(str).equals(
        kept[["replicate", "month", "metric", "breakdown", "group", "value"]].astype(str))
    Path(out / "series.parquet").unlink()  # older folders may hold only series.csv
    whole.to_csv(out / "series.csv", index=False)
    assert len(detect(out).table_rows("series", lambda s: figure_rows(s, small))) == len(kept)


def test_streamed_tables_are_the_same_for_any_number_of_workers(tmp_path):
    """Replicates finish in any order on two workers; the parts are merged in replicate order."""
    from sim.cli.main import main

    for w in ("1", "2"):
        assert main(["run", str(SMALL), "-r", "4", "--seed", "4", "--workers", w, "--out", str(tmp_path / w),
                     "--no-figures", "--csv", "-q"]) == 0
    names = sorted(p.name for p in (tmp_path / "1").glob("*.csv"))
    assert "series.csv" in names and "scenarios.csv" in names
    for n in names:
        assert (tmp_path / "2" / n).read_bytes() == (tmp_path / "1" / n).read_bytes(), n
