"""Results that cannot be mixed up: ``scensim run`` replaces its folder in one step (kill -9 during the
swap leaves the old set or the new one), sweeps refuse a second writer, a changed case or model code,
detect a flipped bit, and Ctrl-C never writes the same runs twice."""

from __future__ import annotations

import io
import json
import random
import signal
import subprocess
import sys
import threading
import time
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.base.errors import InputError
from sim.engine.sweep import load_spec, read_runs, run_sweep

from .conftest import ROOT
from .sweep_util import reference_sweep, write_spec

SMALL = ROOT / "scenarios" / "synthetic_small.toml"

# -- scensim run: one-step replacement ----------------------------------------------------------------
KILLER = """
import os, signal, sys
import sim.base.files as F
where = sys.argv[1]
exchange, rename = F._exchange, os.rename
def killing_exchange(a, b):
    if where == "before-exchange":
        os.kill(os.getpid(), signal.SIGKILL)
    done = exchange(a, b) if where != "no-exchange" else False
    if where == "after-exchange":
        os.kill(os.getpid(), signal.SIGKILL)
    return done
def killing_rename(a, b):
    rename(a, b)
    if where == "no-exchange" and ".old-" in str(b):
        os.kill(os.getpid(), signal.SIGKILL)
F._exchange = killing_exchange
F.os.rename = killing_rename
from sim.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def _run(out: Path, seed: int, kill_at: str | None = None) -> int:
    """``scensim run`` of the small case: in this process, or in a child killed at ``kill_at``."""
    args = ["run", str(SMALL), "--out", str(out), "--no-figures", "--quiet", "--seed", str(seed)]
    if kill_at is None:
        from sim.cli.main import main

        with redirect_stdout(io.StringIO()):
            return main(args)
    return subprocess.run([sys.executable, "-c", KILLER, kill_at, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600).returncode


def _set_seed(out: Path) -> int:
    """The seed of the result set in ``out``, checked to be one consistent set: the manifest's replicate
    seeds are those in the runs table, and every table the manifest lists is there."""
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    runs = pd.read_csv(out / "runs.csv")
    assert runs["seed"].tolist() == man["replicate_seeds"], "manifest and tables from different runs"
    for files in man["tables"].values():
        for f in files:
            assert (out / f).exists(), f
    assert pd.read_parquet(out / "runs.parquet")["seed"].tolist() == man["replicate_seeds"]
    return man["seed"]


def test_kill_during_the_final_swap_leaves_the_old_set_or_the_new_never_a_mix(tmp_path):
    out = tmp_path / "out"
    assert _run(out, 1) == 0
    assert _set_seed(out) == 1
    assert _run(out, 2, "before-exchange") == -signal.SIGKILL
    assert _set_seed(out) == 1  # the old set, whole
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.tmp-")]  # the new set, left behind
    assert _run(out, 3, "after-exchange") == -signal.SIGKILL
    assert _set_seed(out) == 3  # the new set, whole
    # the next run cleans up what the killed ones left
    assert _run(out, 4) == 0
    assert _set_seed(out) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_without_an_atomic_exchange_a_kill_between_renames_is_repaired_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    assert _run(out, 1) == 0
    assert _run(out, 2, "no-exchange") == -signal.SIGKILL
    assert not out.exists()  # set aside, new set not yet in place: no mix, but no folder for now
    from sim.base.files import clean_stale

    notes = clean_stale(tmp_path, "out")
    assert any("restored" in n for n in notes)
    assert _set_seed(out) == 1


# -- sweeps -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return reference_sweep(tmp_path_factory.mktemp("tiny"), 6)


def _keys_per_chunk(out: Path) -> list[tuple[int, int]]:
    keys = []
    for c in sorted((out / "runs").glob("part-*.parquet")):
        t = pq.read_table(c, columns=["point", "replicate"]).to_pandas()
        keys += list(zip(t.point, t.replicate))
    return keys


def test_a_second_sweep_on_the_same_folder_refuses_or_waits(tiny, tmp_path):
    spec, ref = tiny
    out = tmp_path / "o"
    first = subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(spec), "--workers", "1", "--out", str(out),
                              "--chunk-runs", "1", "-q"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    deadline = time.monotonic() + 300
    while not (out / "manifest.json").exists():
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    loaded = load_spec(spec)
    with pytest.raises(InputError) as e:  # the first still runs (24 runs with a chunk each take seconds)
        run_sweep(loaded, out=out, workers=1)
    assert f"another scensim sweep (process {first.pid})" in str(e.value) and "--wait" in str(e.value)
    assert first.poll() is None, "the first sweep ended too soon for the test"
    waiting = run_sweep(loaded, out=out, workers=1, wait=True)
    _, first_err = first.communicate(timeout=300)  # also closes its pipes
    assert first.returncode == 0, first_err
    assert (waiting.reused, waiting.computed) == (24, 0)  # it waited for the first to finish
    keys = _keys_per_chunk(out)
    assert len(keys) == len(set(keys)) == 24
    pd.testing.assert_frame_equal(read_runs(out), ref)


def test_a_changed_case_structure_or_model_code_is_refused_on_resume(tiny, tmp_path, monkeypatch):
    spec, _ = tiny
    d = tmp_path / "d"
    d.mkdir()
    spec = write_spec(d, [("replicates  = 3", "replicates  = 1")])
    out = d / "o"
    run_sweep(load_spec(spec), out=out, workers=1)
    case = d / "tiny_case.toml"
    text = case.read_text(encoding="utf-8")
    # the case's cities change (the plan names one city fewer as a pilot-zone city): same parameters
    from sim.core.case import load_case

    hunan = load_case(case)
    named = [c for c in hunan.cities if c.plan_named]
    assert named
    cities = "".join(f'\n[[cities]]\nid = "{c.id}"\nzh = "{c.zh}"\nen = "{c.en}"\nweight = {c.weight}\n'
                     f'plan_named = {"false" if c.id == named[0].id else str(c.plan_named).lower()}\n'
                     for c in hunan.cities)
    case.write_text(text + cities, encoding="utf-8")
    before = {p.name: p.stat().st_mtime_ns for p in out.rglob("*")}
    with pytest.raises(InputError) as e:
        run_sweep(load_spec(spec), out=out, workers=1)
    assert "different experiment" in str(e.value) and "differs in case cities" in str(e.value), str(e.value)
    assert {p.name: p.stat().st_mtime_ns for p in out.rglob("*")} == before  # nothing touched
    # the model's code changed
    case.write_text(text, encoding="utf-8")
    import sim.base.files as files

    monkeypatch.setattr(files, "model_code_sha256", lambda: "0" * 64)
    with pytest.raises(InputError, match="the model's code"):
        run_sweep(load_spec(spec), out=out, workers=1)


def test_one_flipped_bit_in_a_chunk_is_detected_and_its_runs_recomputed(tiny, tmp_path):
    spec, ref = tiny
    out = tmp_path / "o"
    run_sweep(load_spec(spec), out=out, workers=1, chunk_runs=5)
    victim = out / "runs" / "part-000001.parquet"
    data = bytearray(victim.read_bytes())
    pos = random.Random(1).randrange(8, len(data) - 8)  # past the magic bytes: a silent change
    data[pos] ^= 1 << random.Random(2).randrange(8)
    victim.write_bytes(bytes(data))
    from sim.analysis.sweep_summary import summarize_folder

    _, _, notes = summarize_folder(out, write=False)
    assert any("part-000001.parquet" in n and "checksum" in n for n in notes), notes
    report = run_sweep(load_spec(spec), out=out, workers=1)
    assert report.computed == 5 and any("does not match the checksum" in n for n in report.notes)
    pd.testing.assert_frame_equal(read_runs(out), ref)


def test_ctrl_c_twenty_times_never_writes_a_run_twice(tiny, tmp_path):
    """Ctrl-C (SIGINT to this process) at random moments of a sweep writing a chunk per run, twenty
    times, resuming each time; no run is ever in two chunks and the final table is the reference."""
    spec, ref = tiny
    out = tmp_path / "o"
    rng = random.Random(7)
    loaded = load_spec(spec)
    main = threading.main_thread().ident
    interrupted = 0
    for _ in range(20):
        delay = rng.uniform(0.0, 0.4)
        timer = threading.Timer(delay, lambda: signal.pthread_kill(main, signal.SIGINT))
        try:
            try:
                timer.start()
                run_sweep(loaded, out=out, workers=1, chunk_runs=1)
            finally:
                timer.cancel()
                timer.join()  # a signal sent before this returns is raised here, inside the outer try
        except KeyboardInterrupt:
            interrupted += 1
        keys = _keys_per_chunk(out) if (out / "runs").exists() else []
        assert len(keys) == len(set(keys)), "a run was written into two chunks"
    assert interrupted >= 10
    run_sweep(loaded, out=out, workers=1)
    keys = _keys_per_chunk(out)
    assert len(keys) == len(set(keys)) == 24
    pd.testing.assert_frame_equal(read_runs(out), ref)
