"""The one executor: the same results here, on local processes and on a Dask cluster, in item order."""

from __future__ import annotations

import pandas as pd
import pytest

import sim
from sim.engine.executor import Executor

from .conftest import ROOT

SMALL = ROOT / "scenarios" / "synthetic_small.toml"


def affine(context, x):
    """A task: uses its context and its item."""
    a, b = context
    return a * x + b


def fails_on_three(context, x):
    if x == 3:
        raise ValueError("three")
    return x


def _ctrl_c_while_starting():
    """Called where a worker process, still starting, unpickles its context: Ctrl-C reaches it there
    (a terminal sends it to the whole process group; workers ignore it only once started)."""
    import os
    import signal
    import time

    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.1)  # the handler, had the worker one, would run here
    return (3, 1)


class CtrlCOnArrival:
    def __reduce__(self):
        return (_ctrl_c_while_starting, ())


def test_ctrl_c_while_worker_processes_start_is_no_traceback(capfd):
    """A Ctrl-C in the second or two a sweep's workers spend importing Mesa and scipy printed their
    tracebacks (then the sweep's own line): 14 of 60 Ctrl-Cs sent 1.5-5 s into a small sweep. They
    start ignoring it now; the parent stops them."""
    with Executor(2, context=CtrlCOnArrival()) as pool:
        assert pool.map(affine, [1, 2, 3]) == [4, 7, 10]
    assert "Traceback" not in capfd.readouterr().err


def test_the_parent_s_own_ctrl_c_while_workers_start_is_held_not_lost():
    import signal
    import threading
    import time

    from sim.engine.executor import _started_ignoring_ctrl_c

    reached = False
    with pytest.raises(KeyboardInterrupt):
        with _started_ignoring_ctrl_c():
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            time.sleep(0.05)
            reached = True  # held while workers start …
    assert reached  # … and raised after


def test_map_keeps_item_order_and_uses_the_context():
    items = list(range(23))
    with Executor(1, context=(3, 1)) as here:
        expected = here.map(affine, items)
    assert expected == [3 * x + 1 for x in items]
    seen = []
    with Executor(2, context=(3, 1)) as pool:
        got = pool.map(affine, items, progress=seen.append)
        streamed = sorted(pool.stream(affine, items))
    assert got == expected and streamed == sorted(expected)
    assert seen == list(range(1, len(items) + 1))


def test_a_failing_task_raises_in_the_caller_and_stops_the_workers():
    ex = Executor(2, context=None)
    with pytest.raises(ValueError, match="three"):
        with ex:
            ex.map(fails_on_three, range(8))
    assert ex._pool is None  # closed


def test_replicates_are_identical_for_any_number_of_workers():
    case = sim.load_case(SMALL)
    one = sim.run(case, replicates=3, seed=5)
    two = sim.run(case, replicates=3, seed=5, workers=2)
    for name, table in one.tables().items():
        pd.testing.assert_frame_equal(table, two.tables()[name], obj=name)


def test_dask_cluster_gives_the_same_results():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        with Executor(scheduler=cluster.scheduler_address, context=(2, 7)) as ex:
            assert ex.workers == 2
            assert ex.map(affine, range(10)) == [2 * x + 7 for x in range(10)]


def allocator_state(context, x):
    """A task: what the worker's environment says and whether the executor set the allocator."""
    import os

    import sim.engine.executor as executor

    return os.environ.get("MALLOC_TRIM_THRESHOLD_"), executor._MALLOC_SET


def test_dask_workers_get_the_allocator_s_usual_thresholds_back():
    """A nanny sets MALLOC_TRIM_THRESHOLD_ in its workers (which made a national replicate 2.6 times as
    costly); each worker's first task sets glibc's thresholds back."""
    import sys

    distributed = pytest.importorskip("distributed")
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc's allocator: Linux only")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        with Executor(scheduler=cluster.scheduler_address, context=None) as ex:
            seen = ex.map(allocator_state, range(3))
    assert all(env for env, _ in seen), "the nanny no longer sets MALLOC_TRIM_THRESHOLD_: is this still needed?"
    assert all(done for _, done in seen)


def test_the_allocator_is_set_once_and_only_where_the_variable_is(monkeypatch):
    import sys

    import sim.engine.executor as executor

    calls = []

    class FakeLibc:
        def mallopt(self, param, value):
            calls.append((param, value))
            return 1

    monkeypatch.setattr(executor.ctypes, "CDLL", lambda name: FakeLibc())
    monkeypatch.setattr(executor, "_MALLOC_SET", False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert not executor.malloc_as_usual({}) and calls == []  # not a nanny's worker: glibc's own dynamic threshold
    assert executor.malloc_as_usual({"MALLOC_TRIM_THRESHOLD_": "65536"})
    assert calls == [(executor.M_MMAP_THRESHOLD, 32 << 20), (executor.M_TRIM_THRESHOLD, 64 << 20)]
    assert not executor.malloc_as_usual({"MALLOC_TRIM_THRESHOLD_": "65536"}) and len(calls) == 2  # once


def test_an_unreachable_scheduler_is_a_one_line_input_error():
    with pytest.raises(sim.InputError, match="--scheduler"):
        Executor(scheduler="tcp://127.0.0.1:9")
