"""What a sweep user sees when the machine fails under a sweep: a worker process killed, a full disk,
a second sweep started on the same new folder at once — one line, finished runs kept — and the
Chinese summary of an unfinished sweep."""

import errno
import io
import os

import pytest
from rich.console import Console

from sim.base.errors import EnvironmentFailure, InputError
from sim.cli.main import main
from sim.engine.executor import Executor
from sim.engine.sweep import execute, load_spec, read_runs, run_sweep
from sim.engine.sweep.store import SweepFolder

from .sweep_util import disk_full_for_run_chunks, write_spec


def dies(context, x):
    """A task whose worker process ends abruptly (as under the out-of-memory killer or kill -9)."""
    if x == 1:
        os._exit(9)
    return x


def test_a_worker_process_that_dies_is_a_one_line_environment_failure():
    with pytest.raises(EnvironmentFailure, match="worker process: ended abruptly"):
        with Executor(2) as ex:
            ex.map(dies, range(4))


def test_a_sweep_whose_tasks_fail_part_way_keeps_its_finished_runs_and_says_how_many(tmp_path, monkeypatch):
    spec = load_spec(write_spec(tmp_path))  # 4 points × 3 replicates, one run per batch with workers=1
    real, calls = execute.run_batch, []

    def second_batch_fails(job, batch):
        calls.append(batch)
        if len(calls) == 3:
            raise EnvironmentFailure("a local worker process", "ended abruptly")
        return real(job, batch)

    monkeypatch.setattr(execute, "run_batch", second_batch_fails)
    buf = io.StringIO()
    with pytest.raises(EnvironmentFailure):
        run_sweep(spec, out=tmp_path / "o", workers=1, console=Console(file=buf, width=300))
    kept = read_runs(tmp_path / "o")
    assert len(kept) == 2 * len(calls[0])  # the two batches that finished are on disk
    assert f"{len(kept)} of 12 runs are in" in buf.getvalue() and "run the same command again" in buf.getvalue()


def test_a_full_disk_is_one_line_naming_the_folder_and_the_runs_kept(tmp_path, monkeypatch, capsys):
    spec = write_spec(tmp_path)
    out = tmp_path / "o"
    disk_full_for_run_chunks(monkeypatch, "Error writing bytes to file. Detail: [errno 28] No space left on device")
    assert main(["sweep", str(spec), "--workers", "1", "--quiet", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("scensim: error: ") and str(out / "runs") in last and "No space left" in last, err
    assert "0 of 12 runs are in" in err, err
    assert not list((out / "runs").iterdir())  # nothing half-written


def test_a_second_sweep_started_at_once_on_a_new_folder_is_told_another_sweep_is_writing(tmp_path, monkeypatch):
    """The first sweep takes its lock, then (spawning workers, reading git for the code version)
    creates the folder; a second one started meanwhile used to be refused as "not a sweep folder" —
    even with --wait — instead of hearing that another sweep is writing there."""
    spec = load_spec(write_spec(tmp_path))
    out = tmp_path / "o"
    real, seen = SweepFolder.manifest, []

    def manifest_with_a_second_sweep_arriving(self, extra):
        with pytest.raises(InputError) as e:
            run_sweep(spec, out=out, workers=1)
        seen.append(str(e.value))
        return real(self, extra)

    monkeypatch.setattr(SweepFolder, "manifest", manifest_with_a_second_sweep_arriving)
    run_sweep(spec, out=out, workers=1)
    assert seen and "another scensim sweep (process" in seen[0], seen


def test_the_chinese_summary_of_an_unfinished_sweep_has_no_english_left(tmp_path, capsys):
    spec = load_spec(write_spec(tmp_path))
    out = tmp_path / "o"
    run_sweep(spec, out=out, workers=1, chunk_runs=4)
    (out / "runs" / "part-000002.parquet").unlink()  # an unfinished sweep: 8 of 12 runs
    assert main(["summarize", str(out), "--lang", "zh", "--no-write"]) == 0
    cap = capsys.readouterr()
    text = cap.out + cap.err
    for english in ("runs are present", "all targets met together", "all years", "point", "note"):
        assert english not in text, (english, text)
    assert "12 次运行中有 8 次" in text


def test_summarize_into_a_read_only_folder_prints_its_tables_then_one_line_naming_the_files(tmp_path, monkeypatch,
                                                                                          capsys):
    """A sweep folder the user may read but not write (another user's results, a read-only mount):
    the tables are printed, then one line naming the summary files and --no-write — not the hidden
    temporary file the write failed on, and not nothing at all."""
    from sim.analysis import sweep_summary

    spec = load_spec(write_spec(tmp_path))
    out = tmp_path / "o"
    run_sweep(spec, out=out, workers=1)

    def read_only(path, write, checksum=False):
        raise OSError(errno.EROFS, "Read-only file system", str(path.parent / f".{path.name}.123.tmp"))

    monkeypatch.setattr(sweep_summary, "write_atomic", read_only)
    assert main(["summarize", str(out)]) == 1
    cap = capsys.readouterr()
    assert "P(met)" in cap.out and "(published)" in cap.out  # the tables came first
    last = cap.err.strip().splitlines()[-1]
    assert last.startswith("scensim: error: ") and str(out) in last and "summary.parquet" in last, cap.err
    assert "--no-write" in last and ".tmp" not in last and "Read-only file system" in last, cap.err
    assert not (out / "summary.csv").exists()


def test_sigterm_stops_a_sweep_like_ctrl_c_keeping_its_finished_runs(tmp_path):
    """``timeout``, ``kill PID``, a batch scheduler at the end of a job's time and ``docker stop`` send
    SIGTERM: the sweep writes the runs it has finished, says how many it kept and exits 130 — it used
    to die silently (status 143), losing the runs finished since its last chunk."""
    import signal
    import subprocess
    import sys
    import time

    from .conftest import ROOT

    spec = write_spec(tmp_path, [("replicates  = 3", "replicates  = 30")])  # 120 runs: seconds to go
    out = tmp_path / "o"
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(spec), "--workers", "1", "--out", str(out),
                             "--chunk-runs", "4", "-q"], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not ((out / "runs").exists() and list((out / "runs").glob("part-*.parquet"))):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no chunk was written"
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "run the same command again to resume" in err, (proc.returncode, err)
    kept = read_runs(out)
    assert f"interrupted: {len(kept)} of 120 runs are in" in err, err
    assert not kept.duplicated(["point", "replicate"]).any()


def test_ctrl_c_while_the_command_starts_is_no_traceback():
    """Ctrl-C in the first second or two, while ``scensim`` imports Mesa and pandas, printed a
    traceback of the import machinery; it is the usual one line and status 130."""
    import subprocess
    import sys

    from .conftest import ROOT

    code = ("import builtins, runpy, sys\n"
            "real = builtins.__import__\n"
            "def imp(name, *a, **k):\n"
            "    if name == 'mesa':\n"
            "        raise KeyboardInterrupt\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = imp\n"
            "sys.argv = ['scensim', 'sweep', 'experiments/synthetic_sobol.toml']\n"
            "runpy.run_module('sim.cli', run_name='__main__', alter_sys=True)\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 130 and "Traceback" not in r.stderr, (r.returncode, r.stderr)
    assert r.stderr.strip() == "scensim: interrupted", r.stderr


# A real SIGINT (os.kill) that arrives while one module is being imported — what Ctrl-C at start-up
# does: scipy.stats is imported while the parser is built, pandas while the command's modules load.
# ``presses`` Ctrl-Cs, 0.2 s apart; with ``as_import_error`` a KeyboardInterrupt raised inside the
# import becomes an ImportError, as numpy's C code turns one into "PyCapsule_Import could not import".
_CTRL_C_IN_IMPORT = """\
import os, runpy, signal, sys, time

class CtrlCWhileImporting:
    done = False

    def find_spec(self, name, path=None, target=None):
        if name != {module!r} or self.done:
            return None
        self.done = True
        try:
            for _ in range({presses}):
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.2)
        except KeyboardInterrupt:
            if {as_import_error}:
                raise ImportError("cannot import {module} (interrupted)") from None
            raise
        return None

sys.meta_path.insert(0, CtrlCWhileImporting())
sys.argv = ["scensim", "sweep", {spec!r}, "--out", {out!r}, "--workers", "1", "-q", *{extra!r}]
runpy.run_module("sim.cli", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("module, presses, as_import_error, lang", [
    ("scipy.stats", 1, False, "en"),   # used to be a traceback: the parser is built outside any handler
    ("scipy.stats", 1, False, "zh"),
    ("pandas", 1, True, "en"),         # used to be an ImportError traceback
    ("pandas", 2, True, "en"),         # a second Ctrl-C is not deferred: its ImportError is told apart
    ("scipy.stats", 2, True, "en"),
], ids=["interrupt-en", "interrupt-zh", "import-error", "import-error-twice-at-start", "import-error-twice-parsing"])
def test_ctrl_c_inside_an_import_at_start_up_is_one_line_and_status_130(tmp_path, module, presses,
                                                                        as_import_error, lang):
    """About one Ctrl-C in eight in the first 1.5 s of ``scensim sweep`` printed a traceback (measured
    by sending SIGINT at random moments): Python raised KeyboardInterrupt inside scipy's or pandas'
    import, before the command's handler was there to catch it, or as an ImportError. Now Ctrl-C
    waits for the import to end (sim/cli/interrupt.py) and the command ends with its one line."""
    import subprocess
    import sys

    from .conftest import ROOT

    spec = write_spec(tmp_path)
    code = _CTRL_C_IN_IMPORT.format(module=module, presses=presses, as_import_error=as_import_error,
                                    spec=str(spec), out=str(tmp_path / "o"),
                                    extra=["--lang", "zh"] if lang == "zh" else [])
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    expected = "scensim：已中断" if lang == "zh" else "scensim: interrupted"
    assert r.returncode == 130 and r.stderr.strip() == expected, (r.returncode, r.stderr)
    assert not (tmp_path / "o").exists()  # stopped before the sweep began


def test_a_command_run_in_process_leaves_ctrl_c_as_it_found_it(tmp_path):
    """``main()`` puts its Ctrl-C handler in place while it runs and takes it away after: a process
    that calls it (these tests) keeps Python's own."""
    import signal

    before = signal.getsignal(signal.SIGINT)
    assert main(["sweep", str(tmp_path / "missing.toml")]) == 2
    assert signal.getsignal(signal.SIGINT) is before


def slow(context, x):
    import time

    time.sleep(1.5)
    return x


def test_on_a_dask_cluster_the_stream_ticks_so_finished_runs_reach_the_disk_on_time():
    """The sweep writes buffered runs when ``stream`` yields None (no batch finished lately); on a Dask
    cluster it never did, so with slow batches finished runs waited in memory for the next batch —
    more than the 5 s docs/sweeps.md promises a ``kill -9`` loses."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                  dashboard_address=None, host="127.0.0.1") as cluster:
        with Executor(scheduler=cluster.scheduler_address) as ex:
            got = list(ex.stream(slow, [1, 2], tick=0.2))
    assert sorted(x for x in got if x is not None) == [1, 2]
    assert got[0] is None and got.count(None) >= 3, got  # ticks while the first batch runs


def test_summarize_while_the_sweep_runs_says_it_is_still_running_not_to_run_it_again(tmp_path, capsys):
    """``summarize`` of a folder a sweep is still writing said "the sweep is unfinished; run it again to
    complete it" — and running it again is refused while the first one runs."""
    from sim.base.files import folder_lock

    spec = load_spec(write_spec(tmp_path))
    out = tmp_path / "o"
    run_sweep(spec, out=out, workers=1, chunk_runs=4)
    (out / "runs" / "part-000002.parquet").unlink()
    with folder_lock(out, ".lock", "another scensim sweep"):  # a sweep writing it right now
        assert main(["summarize", str(out), "--no-write"]) == 0
    err = capsys.readouterr().err
    assert f"8 of 12 runs are present (a sweep, process {os.getpid()}, is still writing this folder)" in err, err
    assert "run it again" not in err
