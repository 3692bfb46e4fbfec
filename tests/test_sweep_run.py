"""Running sweeps: the same table whatever runs it, resume after Ctrl-C or kill -9, corrupt chunks,
refusing another experiment's folder, the manifest and the storage layout."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim
from sim.engine.runner import run_outcomes
from sim.engine.sweep import load_spec, read_runs, run_sweep

from .conftest import ROOT
from .sweep_util import scensim, write_spec, write_tiny_case

POINTS, REPLICATES = 4, 3


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory):
    return write_spec(tmp_path_factory.mktemp("spec"))


@pytest.fixture(scope="module")
def reference(spec_path, tmp_path_factory):
    """The tiny sweep run in this process (``workers=1``)."""
    out = tmp_path_factory.mktemp("ref") / "out"
    report = run_sweep(load_spec(spec_path), out=out, workers=1)
    assert (report.total, report.reused, report.computed) == (POINTS * REPLICATES, 0, POINTS * REPLICATES)
    return out, read_runs(out)


def test_rows_are_model_runs_with_seeds_derived_from_point_and_replicate(reference, spec_path):
    _, runs = reference
    spec = load_spec(spec_path)
    assert len(runs) == POINTS * REPLICATES
    assert list(zip(runs.point, runs.replicate)) == [(p, r) for p in range(POINTS) for r in range(REPLICATES)]
    assert runs.seed.tolist() == [sim.run_seed(42, p, r) for p in range(POINTS) for r in range(REPLICATES)]
    assert runs["target.published.2026.value"].nunique() > 3  # outcomes differ between runs
    for i in (0, 7):
        row = runs.iloc[i]
        params = {"vouchers.budget_cny_per_year": float(row["vouchers.budget_cny_per_year"]),
                  "selection.pass_rate.small_cut": float(row["selection.pass_rate.small_cut"])}
        m = sim.ScenarioMarket(spec.case.with_params(params), seed=int(row.seed)).run()
        expected = run_outcomes(m)
        for col in spec.outcome_columns:
            assert row[col] == expected[col], col


def test_two_workers_and_a_dask_cluster_give_the_identical_table(reference, spec_path, tmp_path):
    from distributed import LocalCluster

    _, ref = reference
    spec = load_spec(spec_path)
    two = run_sweep(spec, out=tmp_path / "two", workers=2, chunk_runs=2)
    assert two.computed == POINTS * REPLICATES
    assert len(list((tmp_path / "two" / "runs").glob("part-*.parquet"))) >= 2  # several chunks
    pd.testing.assert_frame_equal(read_runs(tmp_path / "two"), ref)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        dask = run_sweep(spec, out=tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert dask.computed == POINTS * REPLICATES
    pd.testing.assert_frame_equal(read_runs(tmp_path / "dask"), ref)


def test_chunks_share_one_schema_and_load_with_pandas(reference, spec_path, tmp_path):
    run_sweep(load_spec(spec_path), out=tmp_path / "o", workers=1, chunk_runs=5)
    chunks = sorted((tmp_path / "o" / "runs").glob("part-*.parquet"))
    assert len(chunks) >= 2 and [c.name for c in chunks] == [f"part-{i:06d}.parquet" for i in range(len(chunks))]
    schemas = {str(pq.read_schema(c)) for c in chunks}
    assert len(schemas) == 1
    df = pd.read_parquet(tmp_path / "o" / "runs")  # the README's one-liner
    assert len(df) == POINTS * REPLICATES
    assert df["target.published.2026.met"].dtype == bool and df["point"].dtype == "int64"
    pd.testing.assert_frame_equal(df.sort_values(["point", "replicate"]).reset_index(drop=True), reference[1])


def test_manifest_records_spec_case_code_and_parameters(reference, spec_path):
    out, _ = reference
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    spec = load_spec(spec_path)
    assert man["spec_text"] == Path(spec_path).read_text(encoding="utf-8")
    assert man["spec_sha256"] == spec.text_sha256 and man["identity_sha256"] == spec.identity_sha256()
    from sim.base.files import code_version, file_sha256

    assert man["case_sha256"] == file_sha256(spec.case_path)
    assert man["code_version"] == code_version()
    assert man["parameters"]["population.startups"] == 20
    assert man["varied"] == ["vouchers.budget_cny_per_year", "selection.pass_rate.small_cut"]
    assert (man["points"], man["replicates"], man["runs"]) == (POINTS, REPLICATES, POINTS * REPLICATES)
    assert {"target": "landed", "period": "2027", "year": 2027, "threshold": 14.0} in man["targets"]
    design = pd.read_parquet(out / "design.parquet")
    assert list(design.columns) == ["point", "vouchers.budget_cny_per_year", "selection.pass_rate.small_cut"]
    assert len(design) == POINTS


def test_running_again_reuses_every_run_and_says_so(reference, spec_path, tmp_path):
    out = tmp_path / "o"
    first = scensim("sweep", spec_path, "--workers", 1, "--out", out)
    assert f"{POINTS * REPLICATES} runs: 0 reused, {POINTS * REPLICATES} computed" in first.stdout
    before = sorted(p.name for p in (out / "runs").iterdir())
    again = scensim("sweep", spec_path, "--workers", 1, "--out", out)
    assert f"{POINTS * REPLICATES} runs: {POINTS * REPLICATES} reused, 0 computed" in again.stdout
    assert sorted(p.name for p in (out / "runs").iterdir()) == before
    pd.testing.assert_frame_equal(read_runs(out), reference[1])


def test_a_different_spec_on_the_same_folder_is_refused(reference, spec_path, tmp_path):
    out = tmp_path / "o"
    scensim("sweep", spec_path, "--workers", 1, "--out", out, "-q")
    state = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    other = write_spec(tmp_path, [("seed        = 42", "seed        = 43")], name="other.toml")
    r = scensim("sweep", other, "--workers", 1, "--out", out, check=False)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "holds the results of a different experiment" in lines[0], r.stderr
    assert "seed" in lines[0]  # says what differs
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == state  # nothing touched
    (tmp_path / "stuff").mkdir()
    (tmp_path / "stuff" / "notes.txt").write_text("mine")
    r = scensim("sweep", spec_path, "--out", tmp_path / "stuff", check=False)
    assert r.returncode == 2 and "holds no sweep manifest.json" in r.stderr
    assert sorted(p.name for p in (tmp_path / "stuff").iterdir()) == ["notes.txt"]


def test_a_truncated_chunk_is_set_aside_and_its_runs_recomputed(reference, spec_path, tmp_path):
    out = tmp_path / "o"
    run_sweep(load_spec(spec_path), out=out, workers=1, chunk_runs=3)
    victim = out / "runs" / "part-000001.parquet"
    lost = pq.read_metadata(victim).num_rows
    assert 0 < lost < POINTS * REPLICATES
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    (out / "runs" / ".part-000009.parquet.999.tmp").write_bytes(b"half a chunk")
    r = scensim("sweep", spec_path, "--workers", 1, "--out", out)
    assert f"{POINTS * REPLICATES} runs: {POINTS * REPLICATES - lost} reused, {lost} computed" in r.stdout
    assert "set aside runs/part-000001.parquet" in r.stderr and "does not match the checksum" in r.stderr
    assert "removed runs/.part-000009.parquet.999.tmp" in r.stderr
    assert (out / "runs" / ".set-aside-part-000001.parquet").read_bytes() == data[: len(data) // 2]
    pd.testing.assert_frame_equal(read_runs(out), reference[1])
    assert len(pd.read_parquet(out / "runs")) == POINTS * REPLICATES  # the hidden file is skipped


def _start(args, out):
    return subprocess.Popen([sys.executable, "-m", "sim.cli", *map(str, args)], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_chunk(out: Path, proc, timeout_s=300):
    deadline = time.monotonic() + timeout_s
    while not list((out / "runs").glob("part-*.parquet")) if (out / "runs").exists() else True:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no chunk was written"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def bigger(tmp_path_factory):
    """A 40-run version of the tiny sweep, and its table run without interruption."""
    d = tmp_path_factory.mktemp("bigger")
    spec = write_spec(d, [("replicates  = 3", "replicates  = 10")])
    run_sweep(load_spec(spec), out=d / "ref", workers=1)
    return spec, read_runs(d / "ref")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill -9", "Ctrl-C"])
def test_an_interrupted_sweep_resumes_to_the_uninterrupted_table(bigger, tmp_path, sig):
    spec, ref = bigger
    out = tmp_path / "o"
    proc = _start(["sweep", spec, "--workers", 2, "--out", out, "--chunk-runs", 2, "-q"], out)
    _wait_for_chunk(out, proc)
    os.killpg(proc.pid, sig)  # the whole process group: the sweep and its workers
    _, err = proc.communicate(timeout=120)
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 130 and "run the same command again to resume" in err, err
    kept = read_runs(out)
    assert 0 < len(kept) < 40, "the sweep should have been stopped part-way"
    for c in (out / "runs").glob("part-*.parquet"):
        pq.read_metadata(c)  # every chunk under a final name is complete
    r = scensim("sweep", spec, "--workers", 2, "--out", out, "-q")
    assert f"40 runs: {len(kept)} reused, {40 - len(kept)} computed" in r.stdout
    final = read_runs(out)
    assert not final.duplicated(["point", "replicate"]).any()
    pd.testing.assert_frame_equal(final, ref)


def test_series_are_kept_in_their_own_chunked_table_when_asked(tmp_path):
    spec = write_spec(tmp_path, [("replicates  = 3", "replicates  = 1"),
                                 ('keep = ["targets", "fiscal", "metric.landed"]',
                                  'keep = ["metric.landed"]\nseries = true')])
    out = tmp_path / "o"
    run_sweep(load_spec(spec), out=out, workers=1, chunk_runs=2)
    runs = read_runs(out)
    series = pd.read_parquet(out / "series")
    assert sorted(p.name for p in (out / "series").iterdir()) == sorted(p.name for p in (out / "runs").iterdir())
    assert set(zip(series.point, series.replicate)) == set(zip(runs.point, runs.replicate))
    landed = series[(series.metric == "landed") & (series.breakdown == "total")]
    per_run = landed.groupby(["point", "replicate"])["value"].sum().reset_index()
    assert per_run["value"].tolist() == runs["metric.landed"].astype(int).tolist()
    # a series chunk whose runs chunk never landed (an interrupted write) is set aside on resume
    (out / "series" / "part-000001.parquet").rename(out / "series" / "keep.parquet")
    (out / "runs" / "part-000001.parquet").unlink()
    (out / "series" / "keep.parquet").rename(out / "series" / "part-000001.parquet")
    report = run_sweep(load_spec(spec), out=out, workers=1)
    assert (report.reused, report.computed) == (2, 2)
    assert any("set aside series/part-000001.parquet" in n for n in report.notes)
    again = pd.read_parquet(out / "series")
    assert len(again) == len(series) and not again.duplicated().any()


def test_a_worker_lets_finished_models_be_freed(spec_path):
    """Mesa 3.3.1 keeps every model in ``Agent._ids`` (keyed by model); the model's agents count ids
    in a weak mapping instead (sim/agents.py), so a worker's memory does not grow with every run
    (1.7 MB a run was measured on a tiny population before the fix)."""
    import gc

    from mesa import Agent

    from sim.engine.sweep.store import runs_schema
    from sim.engine.sweep.worker import Job, run_batch

    spec = load_spec(spec_path)
    job = Job(spec.case, spec.seed, runs_schema(spec))
    before = len(Agent._ids)
    params = {"vouchers.budget_cny_per_year": 0.0, "selection.pass_rate.small_cut": 0.3}
    runs, _ = run_batch(job, [(0, 0, params), (0, 1, params)])
    gc.collect()
    assert runs.num_rows == 2 and len(Agent._ids) == before
    assert not [o for o in gc.get_objects() if isinstance(o, sim.ScenarioMarket)]

def test_common_random_numbers_give_every_point_the_same_draws(tmp_path):
    """With common random numbers, points that differ only in a parameter that does nothing here (the
    voucher share, with no voucher budget) give identical outcomes; with independent seeds they do not."""
    write_tiny_case(tmp_path)
    text = ('[experiment]\nid = "crn"\ncase = "tiny_case.toml"\nseed = 3\nreplicates = 2\n'
            'common_random_numbers = true\n\n[design]\nkind = "grid"\n\n[vary]\n'
            '"vouchers.share" = { values = [0.3, 0.6] }\n\n[fixed]\n"vouchers.budget_cny_per_year" = 0.0\n'
            '"population.startups" = 150\n"population.smes" = 80\n"population.leaders" = 15\n"population.institutes" = 15\n'
            '\n[outcomes]\nkeep = ["targets"]\n')
    crn = tmp_path / "crn.toml"
    crn.write_text(text, encoding="utf-8")
    ind = tmp_path / "ind.toml"
    ind.write_text(text.replace("common_random_numbers = true", "common_random_numbers = false").replace('"crn"', '"ind"'),
                   encoding="utf-8")
    for path, same in ((crn, True), (ind, False)):
        out = tmp_path / path.stem
        run_sweep(load_spec(path), out=out, workers=1)
        runs = read_runs(out).sort_values(["point", "replicate"])
        cols = [c for c in runs.columns if c.startswith("target.")]
        a = runs[runs.point == 0][cols].reset_index(drop=True)
        b = runs[runs.point == 1][cols].reset_index(drop=True)
        assert a.equals(b) == same
        assert (runs[runs.point == 0].seed.to_numpy() == runs[runs.point == 1].seed.to_numpy()).all() == same
