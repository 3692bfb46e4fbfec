"""Replicates of a national case (:mod:`sim.core.national`) through the same executor as ``run``:
in this process, on local worker processes or on a Dask scheduler, with the same tables either way.

Replicate ``r`` of a run with seed ``N`` runs the national model with seed ``run_seed(N, r)``; region
``i`` of it with ``run_seed(run_seed(N, r), i)``. Tables: ``targets`` (one row per replicate, region,
target and period, as a region's own target table with a ``region`` column), ``target_summary``
(P(met) with its Wilson interval and value quantiles, per region), ``totals`` (per replicate, year and
flow metric, summed over the regions active that year), ``region_totals`` (the same per region: what the
national totals add up) and ``runs`` (per replicate: branches opened,
cash moved between regions, money problems — must be none — and per region the money check).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.base.rng import run_seed
from sim.core.national import NationalCase, NationalMarket, load_national
from sim.core.targets import summarize

TOTAL_METRICS = ("published", "matched", "landed", "validated", "scaled", "adoptions", "bids")


@dataclass
class NationalResults:
    case: NationalCase
    seed: int
    seeds: list[int]
    targets: pd.DataFrame
    totals: pd.DataFrame
    runs: pd.DataFrame
    region_totals: pd.DataFrame  # replicate, region, metric, year, value: the totals before summing regions
    target_summary: pd.DataFrame = field(init=False)
    totals_summary: pd.DataFrame = field(init=False)

    def __post_init__(self):
        self.target_summary = summarize(self.targets, group_cols=("region",)) if len(self.targets) else self.targets
        g = self.totals.groupby(["metric", "year"], sort=False)["value"]
        self.totals_summary = pd.concat([g.mean().rename("mean"), g.quantile(0.05).rename("q05"),
                                         g.quantile(0.95).rename("q95")], axis=1).reset_index()

    @property
    def replicates(self) -> int:
        return len(self.seeds)


def national_replicate(case: NationalCase, item: tuple) -> dict:
    """A task of the executor: replicate ``r`` with national seed ``seed``."""
    r, seed = item
    m = NationalMarket(case, seed=seed).run()
    targets, totals = [], []
    for rid, reg in zip(m.ids, m.regions):
        t = reg.target_table()
        t.insert(0, "region", rid)
        targets.append(t)
        years = reg.calendar.year_of
        for metric in TOTAL_METRICS:
            monthly = reg.recorder.monthly(metric)
            for y in reg.calendar.years:
                totals.append((rid, metric, int(y), float(monthly[years == y].sum())))
    tt = pd.concat(targets, ignore_index=True)
    tt.insert(0, "seed", np.int64(seed))
    tt.insert(0, "replicate", np.int64(r))
    by_region = pd.DataFrame(totals, columns=["region", "metric", "year", "value"])
    tot = by_region.groupby(["metric", "year"], sort=False, as_index=False)["value"].sum()
    tot.insert(0, "replicate", np.int64(r))
    by_region.insert(0, "replicate", np.int64(r))
    problems = m.money_problems()
    run = {"replicate": r, "seed": seed, "branches": m.branches(), "branches_closed": m.closed,
           "cash_to_branches_cny": float(sum(x[4] for x in m.branch_log)), "money_problems": len(problems),
           "money_problem_text": "; ".join(problems)}
    for rid, reg in zip(m.ids, m.regions):
        run[f"{rid}.suppliers_ever"] = int(len(reg.suppliers))
        run[f"{rid}.scenarios"] = int(len(reg.scenarios))
    return {"replicate": r, "targets": tt, "totals": tot, "region_totals": by_region, "run": run}


def run_national(case: NationalCase | str, replicates: int = 1, seed: int = 0, workers: int = 1,
                 scheduler: str | None = None, progress=None) -> NationalResults:
    """``replicates`` replicates of a national case on ``workers`` local processes or a Dask
    ``scheduler`` (tables identical either way)."""
    from sim.engine.executor import Executor

    if not isinstance(case, NationalCase):
        case = load_national(case)
    if replicates < 1:
        raise ValueError("replicates must be at least 1")
    seeds = [run_seed(seed, r) for r in range(replicates)]
    parts = {}
    with Executor(min(workers, replicates), scheduler, context=case) as ex:
        for done, part in enumerate(ex.stream(national_replicate, list(enumerate(seeds))), 1):
            parts[part["replicate"]] = part
            if progress:
                progress(done)
    ordered = [parts[r] for r in sorted(parts)]
    return NationalResults(case, seed, seeds, pd.concat([p["targets"] for p in ordered], ignore_index=True),
                           pd.concat([p["totals"] for p in ordered], ignore_index=True),
                           pd.DataFrame([p["run"] for p in ordered]),
                           pd.concat([p["region_totals"] for p in ordered], ignore_index=True))


__all__ = ["NationalResults", "national_replicate", "run_national"]
