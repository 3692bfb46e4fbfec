"""What a worker does: run a batch of (point, replicate) runs and return their rows as Arrow tables.

The same function runs in-process (``--workers 1``), in local worker processes and on Dask workers,
so a run's row depends only on the case, the point's parameters and the run's seed
``run_seed(experiment_seed, point, replicate)`` — never on where or in which order it ran.

A sweep of a national case runs the whole national model (:class:`~sim.core.national.NationalMarket`)
with that seed — the point's flows set on it, its other parameters on the kept region's case — and
keeps the outcomes of that region (``Job.region``), as they come out of the national run.
"""

from __future__ import annotations

import copyreg
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pyarrow as pa

from sim.core.case import Case
from sim.base.rng import run_seed
from sim.engine.sweep.spec import DUMMY


def _mappingproxy(d: dict) -> MappingProxyType:
    return MappingProxyType(d)


# A Case keeps read-only tables (MappingProxyType), which pickle refuses; teach pickle (and
# cloudpickle, which Dask uses) to send them as their dict. Only makes pickling possible.
copyreg.pickle(MappingProxyType, lambda m: (_mappingproxy, (dict(m),)))


@dataclass(frozen=True)
class Job:
    """Everything a worker needs besides the tasks: the case (with ``[fixed]`` applied), the
    experiment seed, the runs table's schema and, if series are kept, theirs."""

    case: Case
    seed: int
    runs_schema: pa.Schema
    series_schema: pa.Schema | None = None
    common_random_numbers: bool = False
    national: object = None  # a NationalCase: runs are national runs, outcomes those of ``region``
    region: str = ""


Task = tuple  # (point, replicate, {parameter: value})


def run_batch(job: Job, tasks: list[Task]) -> tuple[pa.Table, pa.Table | None]:
    """Run ``tasks`` one after another; one row per run (and its monthly series if kept)."""
    from sim.core.model import ScenarioMarket
    from sim.engine.runner import run_outcomes

    names = job.runs_schema.names
    columns: dict[str, list] = {n: [] for n in names}
    series_parts = []
    last_point, case = None, None
    for point, replicate, params in tasks:
        if point != last_point:  # replicates of a point come together: build its case once
            read = {k: v for k, v in params.items() if k != DUMMY}  # the dummy factor is read by no run
            case = _point_case(job, read)
            last_point = point
        seed = run_seed(job.seed, replicate) if job.common_random_numbers else run_seed(job.seed, point, replicate)
        if job.national is None:
            m = ScenarioMarket(case, seed=seed).run()
        else:
            from sim.core.national import NationalMarket

            m = NationalMarket(case, seed=seed).run().regions[case.region_index(job.region)]
        row = {"point": point, "replicate": replicate, "seed": seed, **params, **run_outcomes(m)}
        for n in names:
            columns[n].append(row[n])  # a KeyError here means the model's outcomes changed under the spec
        if job.series_schema is not None:
            series_parts.append(_series(m, point, replicate, seed, job.series_schema))
    runs = pa.Table.from_pydict(columns, schema=job.runs_schema)
    series = pa.concat_tables(series_parts) if series_parts else None
    return runs, series


def _point_case(job: Job, params: dict):
    """The case a point runs: the job's case with the point's parameters set (a national case: its
    flows, and the kept region's parameters on that region's case)."""
    if job.national is None:
        return job.case.with_params(params, origin="sweep") if params else job.case
    return job.national.with_settings(job.region, params, origin="sweep")


def _series(m, point: int, replicate: int, seed: int, schema: pa.Schema) -> pa.Table:
    df = m.recorder.frame(m.calendar.labels, m.calendar.year_of)
    n = len(df)
    cols = {"point": np.full(n, point, np.int64), "replicate": np.full(n, replicate, np.int64),
            "seed": np.full(n, seed, np.int64)}
    for c in schema.names[3:]:
        cols[c] = df[c].to_numpy()
    return pa.Table.from_pydict(cols, schema=schema)
