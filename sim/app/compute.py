"""Runs for the app: a replicate's *digest* (the few small tables the app draws), a cache of digests
shared by every session, the worker processes shared by every session, and the aggregation of
digests across replicates.

A digest is a pure function of (case values, seed, replicate), so sharing the cache between browser
sessions shares no session state: two students with the same settings simply reuse each other's runs
(and a run one session is waiting for is not started twice). Replicate ``r`` uses ``run_seed(seed, r)``
(as ``scensim run`` does), so the quick set (the first few replicates) is a prefix of the full set, and
the baseline and every setting face the same random draws (common random numbers): differences
between them are what the settings change.

Progressive results. A replicate is stepped month by month (``ScenarioMarket.step``, the model's
public Mesa step); at each year's end, and at least every ``PARTIAL_EVERY`` seconds, the worker sends
a :class:`Partial` — the targets' running values so far and the rows of the years completed — so the
page can draw a first, provisional answer long before the replicate ends, whatever a replicate costs.
A :class:`Computation` is one session's request for one setting: it collects partials and digests as
they arrive and, when the session moves on, cancels what nobody else waits for (a queued run is
dropped, a running one stops at its next month).

The processes that run them, shared by every session: :mod:`sim.app.runner`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pandas as pd

import sim
from sim import Case, ScenarioMarket

FUNNEL = ("solicited", "selected", "published", "matched", "landed", "validated", "scaled")
CITY_METRICS = ("landed", "validated", "zones_designated")
PARTIAL_EVERY = 0.4  # seconds: a worker sends a partial at least this often (and at each year's end)


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
    fiscal_by_lever: dict  # lever -> net fiscal spending over the horizon, CNY (receipts subtracted); "centre":
    # the promotion centre's staff cost (paid from its own budget, not a lever's: sim/core/centre.py)
    public_owner_cny: float  # public owners' (departments', city governments') own payments for their pilots, CNY
    consortia_cny: float = 0.0  # firms' money moved between challenge consortia's members (partners and lead), CNY
    soe_owner_cny: float = 0.0  # SOEs' own payments for their pilots (reported apart, as in the public-cost table), CNY


@dataclass
class Partial:
    """A replicate part-way: the targets' running values for the months computed so far, and the
    target rows of the calendar years already complete (none of the whole-period rows)."""

    replicate: int
    months: int  # months computed (the paths' length)
    paths: dict  # target id -> running value per month so far (numpy array of length ``months``)
    targets: pd.DataFrame  # rows of completed years, as in Digest.targets
    market: dict | None = None  # the market and costs so far (Digest's fields from funnel on)


def running_paths(m: ScenarioMarket, case: Case, months: int) -> dict:
    """Each target's running value (year to date, or since the start) for the first ``months`` months."""
    dom_index = {d.id: i for i, d in enumerate(case.domains)}
    years = np.asarray(m.calendar.year_of)[:months]
    out = {}
    for tg in case.targets:
        monthly = m.recorder.monthly(tg.metric, sim.TIERS.index(tg.tier) if tg.tier else None,
                                     dom_index[tg.domain] if tg.domain else None)[:months].astype(float)
        if tg.kind == "per_year":
            run = np.empty_like(monthly)
            for y in np.unique(years):
                idx = years == y
                run[idx] = np.cumsum(monthly[idx])
        else:
            run = np.cumsum(monthly)
        out[tg.id] = run
    return out


def partial_of(m: ScenarioMarket, case: Case, replicate: int) -> Partial:
    """What a model stepped ``m.t + 1`` months can already say."""
    months = m.t + 1
    year_of = np.asarray(m.calendar.year_of)
    done_years = [y for y in case.years if months >= len(year_of) or year_of[months] > y]
    rows = m.target_table()
    rows = rows[rows["year"].isin(done_years)].reset_index(drop=True)
    rows.insert(0, "replicate", np.int64(replicate))
    return Partial(replicate, months, running_paths(m, case, months), rows, market_of(m, case))


def _by_group(m: ScenarioMarket, metrics: tuple, breakdown: str, groups: list) -> pd.DataFrame:
    """Horizon totals of ``metrics`` by group of ``breakdown`` (rows: groups; columns: metrics), floats."""
    table = pd.DataFrame({k: m.recorder.totals(k, breakdown).astype(float) for k in metrics},
                         index=pd.Index(groups, name="group"))
    table.columns.name = "metric"
    return table


def digest_of(m: ScenarioMarket, case: Case, replicate: int) -> Digest:
    """A finished model's digest — the tables ``sim.run_one`` collects, reduced to what the app draws,
    read from the model's recorder and ledgers (the same numbers as those tables, without building them:
    ``tests/test_app.py``)."""
    targets = m.target_table()
    targets.insert(0, "replicate", np.int64(replicate))
    return Digest(targets, running_paths(m, case, m.calendar.n_months), **market_of(m, case))


def market_of(m: ScenarioMarket, case: Case) -> dict:
    """The market and costs of the months ``m`` has stepped (Digest's fields from ``funnel`` on)."""
    funnel = {st: float(m.recorder.monthly(st).sum()) for st in FUNNEL}
    dom = _by_group(m, FUNNEL, "domain", [d.id for d in case.domains])
    cit = _by_group(m, CITY_METRICS, "city", [c.id for c in case.cities])
    ledger = m.fiscal.ledger()
    fiscal = {str(k): float(v) for k, v in ledger.groupby("lever", observed=True)["amount_cny"].sum().items()}
    centre = float(m.centre.cost.sum())  # the promotion centre's staff: public money too (sim/core/centre.py)
    if centre:
        fiscal["centre"] = centre
    # what owners paid for their own pilots, from the money ledger — the agreed prices less what levers paid
    # in their place — by the definitions of the public-cost table `scensim run` writes (departments and
    # city governments are public owners; SOEs are reported apart)
    cost = m.money.public_cost()
    public, soe = float(cost["public_owner_spending_cny"].sum()), float(cost["soe_owner_spending_cny"].sum())
    consortia = m.money.total(None, "consortia")  # each transfer passes this account once (sim/levers/challenge.py)
    return {"funnel": funnel, "domain_stage": dom, "cities": cit, "fiscal_by_lever": fiscal, "public_owner_cny": public,
            "consortia_cny": consortia, "soe_owner_cny": soe}


def run_replicate(case: Case, replicate: int, seed: int, emit=None, cancelled=None) -> Digest | None:
    """Run one replicate (model seed ``run_seed(seed, replicate)``) month by month; ``emit(Partial)`` at
    each year's end and at least every ``PARTIAL_EVERY`` seconds; None once ``cancelled()`` is true."""
    m = ScenarioMarket(case, seed=sim.run_seed(seed, replicate))
    year_of = np.asarray(m.calendar.year_of)
    n = len(year_of)
    last = time.perf_counter()
    while m.running:
        m.step()
        if cancelled is not None and cancelled():
            return None
        k = m.t + 1
        if emit is not None and 0 < k < n:
            now = time.perf_counter()
            if year_of[k] != year_of[k - 1] or now - last >= PARTIAL_EVERY:
                emit(partial_of(m, case, replicate))
                last = now
    return digest_of(m, case, replicate)


def preview(case: Case, replicate: int, seed: int, cancelled=None, emit=None, go_on=None) -> Partial | Digest | None:
    """The first answer of a replicate: stepped to the end of its first calendar year (or, if the horizon
    has no year's end before its last month, to the month before it) — the :class:`Partial` that
    ``run_replicate`` emits there (same seed, same stream). None once ``cancelled()`` is true.

    With ``go_on``: past the first year, while ``go_on()`` is true (the app's front processes: while
    nothing else needs the cores, :mod:`sim.app.runner`), the same replicate goes on month by month, with
    ``emit(Partial)`` as in ``run_replicate`` (the first year's included); it returns the
    :class:`Digest` if it reaches the end (the same as ``run_replicate``'s: same model, same draws),
    else the latest :class:`Partial` once ``go_on()`` turns false."""
    m = ScenarioMarket(case, seed=sim.run_seed(seed, replicate))
    year_of = np.asarray(m.calendar.year_of)
    n = len(year_of)
    first, last = False, time.perf_counter()
    while m.running:
        m.step()
        if cancelled is not None and cancelled():
            return None
        k = m.t + 1
        if k >= n:
            break
        boundary = year_of[k] != year_of[k - 1]
        if not first:
            if k < n - 1 and not boundary:
                continue
            first = True
            if go_on is None or not go_on():
                return partial_of(m, case, replicate)
        elif not go_on():
            return partial_of(m, case, replicate)
        now = time.perf_counter()
        if emit is not None and (boundary or now - last >= PARTIAL_EVERY or k == n - 1):
            emit(partial_of(m, case, replicate))
            last = now
    return digest_of(m, case, replicate)


def partials_by_month(case: Case, replicate: int, seed: int) -> list[Partial]:
    """A replicate's partial at every month before its last (index ``k``: ``k + 1`` months stepped): what a
    provisional answer of the same replicate, at any month, is compared with."""
    m = ScenarioMarket(case, seed=sim.run_seed(seed, replicate))
    out = []
    for _ in range(m.calendar.n_months - 1):
        m.step()
        out.append(partial_of(m, case, replicate))
    return out


def digest(case: Case, replicate: int, seed: int) -> Digest:
    """Run one replicate and keep what the app draws."""
    return run_replicate(case, replicate, seed)


def case_key(case: Case) -> tuple:
    """A hashable key of a case's parameter values (the structure comes from its file)."""
    return (case.path, case.id) + tuple(sorted((k, repr(v)) for k, v in case.values.items()))


@dataclass
class View:
    """Digests (or partials) of a set of replicates, aggregated for drawing. A provisional view of
    partials has ``months`` < the horizon and only ``summary``, ``joint`` and ``paths`` — and, when its
    partials are at the same month, the market and costs so far (``funnel`` to ``consortia_cny``)."""

    replicates: int
    summary: pd.DataFrame  # summarize(): P(met) per target and period
    joint: pd.DataFrame  # joint_attainment(): P(all targets met) per year and overall
    paths: dict  # target id -> array (replicates × months)
    funnel: pd.Series | None = None  # mean count per stage
    domain_stage: pd.DataFrame | None = None  # mean counts, domain × stage
    cities: pd.DataFrame | None = None  # mean landed / validated per city, and P(designated a pilot zone)
    fiscal_by_lever: pd.Series | None = None  # mean net fiscal spending per lever over the horizon, CNY
    fiscal_cny: float = float("nan")  # mean total net fiscal spending over the horizon
    public_owner_cny: float = float("nan")  # mean public owners' own pilot payments over the horizon
    consortia_cny: float = float("nan")  # mean firms' money moved between consortium members over the horizon
    soe_owner_cny: float = float("nan")  # mean SOEs' own pilot payments over the horizon (not in the public total)
    months: int | None = None  # months computed (None: the whole horizon)
    extra: dict = field(default_factory=dict)

    @property
    def total_public_cny(self) -> float:
        return self.fiscal_cny + self.public_owner_cny


def aggregate(digests: list[Digest]) -> View:
    """Means, quantiles and probabilities across replicates."""
    targets = pd.concat([d.targets for d in digests], ignore_index=True)
    paths = {tid: np.vstack([d.paths[tid] for d in digests]) for tid in digests[0].paths}
    return View(replicates=len(digests), summary=sim.summarize_targets(targets), joint=sim.joint_attainment(targets),
                paths=paths, **_market_means(digests))


def _market_means(digests: list) -> dict:
    """The market and costs of ``digests`` (anything with Digest's fields from ``funnel`` on): means across
    replicates, and P(designated a pilot zone) per city."""
    n = len(digests)
    funnel = pd.DataFrame([d.funnel for d in digests]).mean()
    dom = sum(d.domain_stage for d in digests) / n
    cities = sum(d.cities[["landed", "validated"]] for d in digests) / n
    cities["p_zone"] = sum((d.cities["zones_designated"] > 0).astype(float) for d in digests) / n
    cities["zones"] = sum(d.cities["zones_designated"] for d in digests) / n
    fiscal = pd.DataFrame([d.fiscal_by_lever for d in digests]).fillna(0.0)
    fiscal_by_lever = fiscal.mean() if len(fiscal.columns) else pd.Series(dtype=float)
    return {"funnel": funnel, "domain_stage": dom, "cities": cities, "fiscal_by_lever": fiscal_by_lever,
            "fiscal_cny": float(fiscal.sum(axis=1).mean()) if len(fiscal.columns) else 0.0,
            "public_owner_cny": float(np.mean([d.public_owner_cny for d in digests])),
            "consortia_cny": float(np.mean([d.consortia_cny for d in digests])),
            "soe_owner_cny": float(np.mean([d.soe_owner_cny for d in digests]))}


def aggregate_partial(items: list) -> View:
    """A provisional view of replicates part-way (:class:`Partial`) or finished (:class:`Digest`): the
    targets' paths up to the month every one of them has reached, and P(met) for the years all of them
    have completed (no whole-horizon figures: those need every year); when every one is a partial at the
    same month, the market and costs so far too."""
    months = min(len(next(iter(p.paths.values()))) if isinstance(p, Digest) else p.months for p in items)
    paths = {tid: np.vstack([p.paths[tid][:months] for p in items]) for tid in items[0].paths}
    years = None
    for p in items:
        y = set(p.targets["year"].dropna().astype(int))
        years = y if years is None else years & y
    targets = pd.concat([p.targets for p in items], ignore_index=True)
    targets = targets[targets["year"].isin(sorted(years or ()))].reset_index(drop=True)
    so_far = {}
    if all(isinstance(p, Partial) and p.market is not None and p.months == months for p in items):
        so_far = _market_means([SimpleNamespace(**p.market) for p in items])
    if targets.empty:
        empty = pd.DataFrame(columns=["target", "period", "p_met"])
        return View(replicates=len(items), summary=empty, joint=empty, paths=paths, months=months, **so_far)
    joint = sim.joint_attainment(targets)
    return View(replicates=len(items), summary=sim.summarize_targets(targets), joint=joint[joint["period"] != "all"],
                paths=paths, months=months, **so_far)
