"""Runs for the app: a replicate's *digest* (the few small tables the app draws), a cache of digests
shared by every session, an optional process pool, and the aggregation of digests across replicates.

A digest is a pure function of (case values, seed, replicate), so sharing the cache between browser
sessions shares no session state: two students with the same settings simply reuse each other's runs.
Replicate ``r`` uses ``run_seed(seed, r)`` (as ``scensim run`` does), so the quick set (the first few
replicates) is a prefix of the full set, and the baseline and every setting face the same random
draws (common random numbers): differences between them are what the settings change.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.base.rng import run_seed
from sim.core.case import Case
from sim.core.targets import joint_attainment, summarize
from sim.engine.runner import run_one
from sim.report.figures import target_paths

FUNNEL = ("solicited", "selected", "published", "matched", "landed", "validated", "scaled")
CITY_METRICS = ("landed", "validated", "zones_designated")
PUBLIC_OWNERS = ("gov", "city", "soe")  # openers that spend public money on their own pilots


class Cancelled(Exception):
    """A newer setting superseded this computation."""


@dataclass
class Digest:
    """What the app needs from one replicate (small: a few kB)."""

    targets: pd.DataFrame  # target rows of the run (replicate, target, period, year, value, threshold, met)
    paths: dict  # target id -> running value per month (numpy array)
    funnel: dict  # stage -> count over the horizon
    domain_stage: pd.DataFrame  # domain × stage counts over the horizon
    cities: pd.DataFrame  # city × (landed, validated, zones_designated)
    fiscal_by_lever: dict  # lever -> net fiscal spending over the horizon, CNY (receipts subtracted)
    public_owner_cny: float  # public owners' own payments for pilots that landed, CNY


def digest(case: Case, replicate: int, seed: int) -> Digest:
    """Run one replicate (model seed ``run_seed(seed, replicate)``) and keep what the app draws."""
    rr = run_one(case, seed=run_seed(seed, replicate), replicate=replicate)
    s = rr.series
    paths = {tg.id: target_paths(s, case, tg)["value"].to_numpy(dtype=float) for tg in case.targets}
    flows = s[s["metric"].isin(FUNNEL)]
    total = flows[flows["breakdown"] == "total"].groupby("metric")["value"].sum()
    funnel = {st: float(total.get(st, 0.0)) for st in FUNNEL}
    dom = flows[flows["breakdown"] == "domain"].pivot_table(index="group", columns="metric", values="value",
                                                             aggfunc="sum", fill_value=0.0)
    dom = dom.reindex(index=[d.id for d in case.domains], columns=list(FUNNEL), fill_value=0.0)
    cit = s[(s["breakdown"] == "city") & s["metric"].isin(CITY_METRICS)]
    cit = cit.pivot_table(index="group", columns="metric", values="value", aggfunc="sum", fill_value=0.0)
    cit = cit.reindex(index=[c.id for c in case.cities], columns=list(CITY_METRICS), fill_value=0.0)
    ledger = rr.fiscal_ledger
    fiscal = {str(k): float(v) for k, v in ledger.groupby("lever", observed=True)["amount_cny"].sum().items()}
    sc = rr.scenarios
    landed = sc["month_landed"].notna().to_numpy() & sc["opener_kind"].isin(PUBLIC_OWNERS).to_numpy()
    public = float(sc.loc[landed, "budget_cny"].sum()) * float(case.values["pilot.opener_share"])
    return Digest(rr.targets.drop(columns=["seed"]), paths, funnel, dom, cit, fiscal, public)


def case_key(case: Case) -> tuple:
    """A hashable key of a case's parameter values (the structure comes from its file)."""
    return (case.path, case.id) + tuple(sorted((k, repr(v)) for k, v in case.values.items()))


def _digest_job(args):
    case, replicate, seed = args
    return digest(case, replicate, seed)


class Runner:
    """Computes digests — in ``workers`` processes shared by all sessions, or in the calling thread —
    and keeps the last ``cache_size`` of them."""

    def __init__(self, workers: int = 1, cache_size: int = 2000):
        self.workers = workers
        self.cache_size = cache_size
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._pool = None
        self.seconds_per_replicate: float | None = None  # measured on the first computed replicate

    def _executor(self):
        if self._pool is None and self.workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        return self._pool

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _get(self, key):
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        return None

    def _put(self, key, value):
        with self._lock:
            self._cache[key] = value
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def digests(self, case: Case, replicates: int, seed: int, cancel: threading.Event | None = None) -> list[Digest]:
        """Digests of replicates ``0..replicates-1``; raises :class:`Cancelled` once ``cancel`` is set."""
        ck = case_key(case)
        out: dict[int, Digest] = {}
        todo = []
        for r in range(replicates):
            got = self._get((ck, seed, r))
            if got is None:
                todo.append(r)
            else:
                out[r] = got
        pool = self._executor() if len(todo) > 0 else None
        if pool is None:
            for r in todo:
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                t0 = time.perf_counter()
                out[r] = digest(case, r, seed)
                self._note_time(time.perf_counter() - t0)
                self._put((ck, seed, r), out[r])
        else:
            from concurrent.futures import FIRST_COMPLETED, wait

            # at most `workers` jobs of this call in the queue at a time: a session's full set does not
            # hold up another session's quick preview behind a long queue (first come, first served per job)
            t0 = time.perf_counter()
            queue = list(todo)
            futures, pending = {}, set()
            while queue or pending:
                while queue and len(pending) < self.workers:
                    r = queue.pop(0)
                    f = pool.submit(_digest_job, (case, r, seed))
                    futures[f] = r
                    pending.add(f)
                done, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
                for f in done:
                    r = futures[f]
                    out[r] = f.result()
                    self._put((ck, seed, r), out[r])
                if cancel is not None and cancel.is_set() and (pending or queue):
                    for f in pending:
                        f.cancel()
                    raise Cancelled()
            if todo:
                self._note_time((time.perf_counter() - t0) * min(self.workers, len(todo)) / len(todo))
        return [out[r] for r in range(replicates)]

    def _note_time(self, seconds: float):
        if self.seconds_per_replicate is None:
            self.seconds_per_replicate = seconds


@dataclass
class View:
    """Digests of a set of replicates, aggregated for drawing."""

    replicates: int
    summary: pd.DataFrame  # summarize(): P(met) per target and period
    joint: pd.DataFrame  # joint_attainment(): P(all targets met) per year and overall
    paths: dict  # target id -> array (replicates × months)
    funnel: pd.Series  # mean count per stage
    domain_stage: pd.DataFrame  # mean counts, domain × stage
    cities: pd.DataFrame  # mean landed / validated per city, and P(designated a pilot zone)
    fiscal_by_lever: pd.Series  # mean net fiscal spending per lever over the horizon, CNY
    fiscal_cny: float  # mean total net fiscal spending over the horizon
    public_owner_cny: float  # mean public owners' own pilot payments over the horizon
    extra: dict = field(default_factory=dict)

    @property
    def total_public_cny(self) -> float:
        return self.fiscal_cny + self.public_owner_cny


def aggregate(digests: list[Digest]) -> View:
    """Means, quantiles and probabilities across replicates."""
    n = len(digests)
    targets = pd.concat([d.targets for d in digests], ignore_index=True)
    paths = {tid: np.vstack([d.paths[tid] for d in digests]) for tid in digests[0].paths}
    funnel = pd.DataFrame([d.funnel for d in digests]).mean()
    dom = sum(d.domain_stage for d in digests) / n
    cities = sum(d.cities[["landed", "validated"]] for d in digests) / n
    cities["p_zone"] = sum((d.cities["zones_designated"] > 0).astype(float) for d in digests) / n
    cities["zones"] = sum(d.cities["zones_designated"] for d in digests) / n
    fiscal = pd.DataFrame([d.fiscal_by_lever for d in digests]).fillna(0.0)
    fiscal_by_lever = fiscal.mean() if len(fiscal.columns) else pd.Series(dtype=float)
    return View(replicates=n, summary=summarize(targets), joint=joint_attainment(targets), paths=paths,
                funnel=funnel, domain_stage=dom, cities=cities, fiscal_by_lever=fiscal_by_lever,
                fiscal_cny=float(fiscal.sum(axis=1).mean()) if len(fiscal.columns) else 0.0,
                public_owner_cny=float(np.mean([d.public_owner_cny for d in digests])))
