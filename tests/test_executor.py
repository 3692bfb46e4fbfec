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


def test_an_unreachable_scheduler_is_a_one_line_input_error():
    with pytest.raises(sim.InputError, match="--scheduler"):
        Executor(scheduler="tcp://127.0.0.1:9")
