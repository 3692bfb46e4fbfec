"""Running replicates of a case and collecting their tidy tables.

    >>> import sim
    >>> case = sim.load_case("scenarios/synthetic_small.toml")
    >>> res = sim.run(case.with_params({"vouchers.share": 0.6}), replicates=2, seed=1)
    >>> res.target_summary[["target", "period", "threshold"]]   # P(met) and its interval: more columns
                   target     period  threshold
    0  published_per_year       2030       50.0
    1  published_per_year       2031       50.0
    2  published_per_year  2030–2031        2.0
    3     served_per_year       2030      180.0
    4     served_per_year       2031      180.0
    5     served_per_year  2030–2031        2.0
    6     validated_total       2031       40.0
    >>> sorted(set(res.runs.seed)) == sorted(sim.run_seed(1, r) for r in range(2))
    True
    >>> res.series, res.targets, res.fiscal, res.fiscal_ledger, res.scenarios, res.runs   # doctest: +ELLIPSIS
    (...)

Replicate ``r`` of a run with seed ``N`` uses the model seed ``run_seed(N, r)`` (numpy SeedSequence),
recorded in every table's ``seed`` column; ``run_one(case, seed=that)`` repeats it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from sim.core.case import Case, load_case
from sim.core.model import ScenarioMarket
from sim.core.observables import measure
from sim.core.recorder import model_series
from sim.base.errors import InputError
from sim.base.rng import run_seed
from sim.core.targets import summarize
from sim.base.vocab import OPENER_KINDS, STATE_LABELS, SUPPLIER_KINDS, TIERS, State


@dataclass
class RunResult:
    """Tables of one replicate."""

    replicate: int
    seed: int
    series: pd.DataFrame
    targets: pd.DataFrame
    fiscal_ledger: pd.DataFrame
    scenarios: pd.DataFrame
    run: dict
    accounts: pd.DataFrame
    public_cost: pd.DataFrame


def scenario_register(m: ScenarioMarket) -> pd.DataFrame:
    """One row per scenario: its attributes, owner, lifecycle months, winner and adopters."""
    s = m.scenarios
    labels = np.array(m.calendar.labels + [""], dtype=object)

    def month(col):
        v = getattr(s, col)
        return pd.array(np.where(v >= 0, labels[np.maximum(v, 0)], None), dtype="string")

    sup = s.supplier
    has = sup >= 0
    sup_key, sup_kind = np.append(m.suppliers.key, -1), np.append(m.suppliers.kind, -1)  # -1: no supplier (row -1)
    states = np.array([STATE_LABELS[State(i)][1] for i in range(len(State))], dtype=object)
    return pd.DataFrame({
        "scenario_id": s.key.astype(np.int64),
        "domain": np.array(m.domain_ids, dtype=object)[s.domain].astype(str),
        "tier": np.array(TIERS, dtype=object)[s.tier].astype(str),
        "city": np.array(m.city_ids, dtype=object)[s.city].astype(str),
        "opener_id": s.opener.astype(np.int64),
        "opener_kind": np.array(OPENER_KINDS, dtype=object)[m.openers.kind[s.opener]].astype(str),
        "budget_cny": s.budget,
        "required_trl": s.required,
        "state": states[s.state].astype(str),
        "month_solicited": month("month_solicited"),
        "month_published": month("month_published"),
        "month_matched": month("month_matched"),
        "month_landed": month("month_landed"),
        "month_validated": month("month_validated"),
        "month_failed": month("month_failed"),
        "month_withdrawn": month("month_withdrawn"),
        "month_scaled": month("month_scaled"),
        "supplier_id": np.where(has, sup_key[sup], -1).astype(np.int64),
        "supplier_kind": np.where(has, np.array(SUPPLIER_KINDS + ("",), dtype=object)[sup_kind[sup]], "").astype(str),
        "adopters": s.adopters.astype(np.int64),
        "adopters_procured": s.adopters_procured.astype(np.int64),
        "market_size": s.market.astype(np.int64),
    })


def run_one(case: Case, seed: int, replicate: int = 0, uncertainty: str = "none") -> RunResult:
    """Run one replicate to the end of the horizon and collect its tables. ``uncertainty="prior"``
    draws the case's uncertain parameters from their ranges first (:mod:`sim.engine.uncertainty`);
    the values drawn are recorded in the runs table as ``param.<name>``."""
    drawn = {}
    if uncertainty == "prior":
        from sim.engine.uncertainty import prior_draw

        drawn = prior_draw(case, seed)
        case = case.with_params(drawn, origin="prior draw")
    m = ScenarioMarket(case, seed=seed).run()

    def tag(df):
        df.insert(0, "seed", np.int64(seed))
        df.insert(0, "replicate", np.int64(replicate))
        return df

    run = {"replicate": replicate, "seed": seed, "months": m.calendar.n_months,
           "suppliers_ever": int(len(m.suppliers)), "scenarios": int(len(m.scenarios))}
    for lever in m.levers:
        run.update(lever.summary())
    run.update(m.centre.summary())  # administrative targets: on paper and in substance, and the effort
    run.update(money_summary(m))
    run.update({f"obs.{k}": v for k, v in measure(m).items()})
    run.update({f"param.{k}": v for k, v in drawn.items()})
    return RunResult(replicate, seed, tag(model_series(m)),
                     tag(m.target_table()), tag(m.fiscal.ledger()), tag(scenario_register(m)), run,
                     tag(m.money.frame()), tag(m.money.public_cost()))


def money_summary(m: ScenarioMarket) -> dict:
    """End-of-run money figures (CNY): public cost over the horizon (lever spending net of receipts,
    public owners' pilot payments, their sum; SOEs' apart), commitments still open, the insurer's result."""
    cost = m.money.public_cost()
    out = {"lever_spending_cny": float(cost["lever_spending_cny"].sum()),
           "public_owner_spending_cny": float(cost["public_owner_spending_cny"].sum()),
           "total_public_cost_cny": float(cost["total_public_cost_cny"].sum()),
           "soe_owner_spending_cny": float(cost["soe_owner_spending_cny"].sum()),
           "open_commitments_cny": float(sum(m.fiscal.open_commitments().values())),
           "insurer_balance_cny": float(m.money.balance["insurer"])}
    return out


def run_outcomes(m: ScenarioMarket) -> dict:
    """A finished run's scalar outcomes as one flat dict (one row of a sweep's runs table).

    Keys: ``target.<id>.<period>.value`` / ``.met`` for every target row; ``metric.<flow>`` (total over
    the horizon) and ``metric.<flow>.<year>`` for every flow metric; ``fiscal.<lever>.spent_cny`` (net of
    receipts); the levers' own summaries (``lever.<name>.<key>``); and the observables that the pattern
    set compares with public figures (``obs.<name>``, :mod:`sim.core.observables`). Column names are stable for a
    given case, so rows of different runs line up.
    """
    from sim.core.metrics import FLOWS

    out: dict = {}
    for r in m.target_table().itertuples(index=False):
        out[f"target.{r.target}.{r.period}.value"] = float(r.value)
        out[f"target.{r.target}.{r.period}.met"] = bool(r.met)
    years = m.calendar.year_of
    for metric in FLOWS:
        monthly = m.recorder.monthly(metric)
        out[f"metric.{metric}"] = float(monthly.sum())
        for y in m.calendar.years:
            out[f"metric.{metric}.{y}"] = float(monthly[years == y].sum())
    for lever, spent in m.fiscal.net_spent().items():
        out[f"fiscal.{lever}.spent_cny"] = spent
    for k, v in money_summary(m).items():
        out[f"cost.{k}"] = v
    for lever in m.levers:
        for k, v in lever.summary().items():
            out[f"lever.{lever.name}.{k}"] = float(v)
    for k, v in measure(m).items():
        out[f"obs.{k}"] = v
    for k, v in m.centre.summary().items():
        out[k if k.startswith("centre.") else f"centre.{k}"] = float(v)
    return out


def fiscal_summary(ledger: pd.DataFrame) -> pd.DataFrame:
    """Spending by replicate, budget year, lever, flow and recipient kind (receipts are negative)."""
    keys = ["replicate", "seed", "budget_year", "lever", "flow", "supplier_kind"]
    if ledger.empty:
        return pd.DataFrame({**{k: pd.Series(dtype=ledger[k].dtype) for k in keys},
                             "payments": pd.Series(dtype="int64"), "amount_cny": pd.Series(dtype="float64")})
    g = ledger.groupby(keys, sort=True, observed=True)["amount_cny"]
    out = pd.concat([g.size().rename("payments"), g.sum().rename("amount_cny")], axis=1).reset_index()
    return out.rename(columns={"budget_year": "year", "supplier_kind": "recipient_kind"})


# The per-replicate tables that grow with replicates: with a ``sink`` (:func:`run`) they leave memory as each
# replicate arrives; the rest (targets, runs, public cost, the fiscal summary) are what summaries need.
STREAMED = ("series", "scenarios", "fiscal_ledger", "accounts")
TABLE_ORDER = ("target_summary", "targets", "series", "fiscal", "fiscal_ledger", "scenarios", "runs", "accounts",
               "public_cost")


@dataclass
class Results:
    """Tables of a set of replicates of one case (see the module docstring).

    A run given a ``sink`` (:func:`run`) sent the large per-replicate tables (``STREAMED``) there as they
    arrived: those attributes are then ``None``, ``streamed`` names them, and ``series_rows`` holds the
    rows of the series the run kept (e.g. the rows figures draw: :func:`sim.report.figures.figure_rows`)."""

    case: Case
    seed: int
    seeds: list[int]
    series: pd.DataFrame | None
    targets: pd.DataFrame
    fiscal_ledger: pd.DataFrame | None
    scenarios: pd.DataFrame | None
    runs: pd.DataFrame
    accounts: pd.DataFrame = None
    public_cost: pd.DataFrame = None
    uncertainty: str = "none"  # "prior": uncertain parameters drawn per replicate (sim.engine.uncertainty)
    fiscal: pd.DataFrame = None  # computed from fiscal_ledger if not given
    streamed: tuple[str, ...] = ()
    series_rows: pd.DataFrame | None = None
    target_summary: pd.DataFrame = field(init=False)

    def __post_init__(self):
        self.target_summary = summarize(self.targets)
        if self.fiscal is None:
            self.fiscal = fiscal_summary(self.fiscal_ledger)

    def __repr__(self) -> str:
        return f"Results({self.case.id}, seed={self.seed}, replicates={len(self.seeds)})"

    @property
    def replicates(self) -> int:
        return len(self.seeds)

    @property
    def figure_series(self) -> pd.DataFrame:
        """The series rows figures draw from: the whole series if it is in memory, else the kept rows."""
        return self.series if self.series is not None else self.series_rows

    def table_names(self) -> list[str]:
        """Every table of the result set, in memory or streamed, in the order they are listed."""
        return [n for n in TABLE_ORDER if n in self.streamed or getattr(self, n) is not None]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables held in memory (streamed ones are not)."""
        return {n: getattr(self, n) for n in TABLE_ORDER if n not in self.streamed and getattr(self, n) is not None}


def _replicate(case: Case, item: tuple) -> RunResult:
    """A task of the executor: replicate ``r`` with seed ``seed`` of ``case`` (and the uncertainty mode)."""
    r, seed, uncertainty = item
    return run_one(case, seed, r, uncertainty)


class Discard:
    """A sink that keeps nothing (``scensim run --no-write``: only the summaries are needed)."""

    def add_part(self, table: str, index: int, df: pd.DataFrame) -> None:
        pass


class Collector:
    """What a run keeps of each replicate as it arrives, in any order.

    Without a sink every table is kept (and concatenated in replicate order at the end, as
    :func:`run` always did). With a sink — an object with ``add_part(table, index, df)``, such as a
    :class:`sim.base.files.Bundle` being written, or :class:`Discard` — the large tables (``STREAMED``)
    go there at once and only what the summaries need stays: targets, the runs table, public cost, the
    fiscal summary of each replicate, and ``series_rows(series)`` of the series (nothing if not given).
    """

    def __init__(self, sink=None, series_rows: Callable[[pd.DataFrame], pd.DataFrame] | None = None):
        self.sink, self.series_rows = sink, series_rows
        self.parts: dict[int, dict] = {}

    def add(self, p: RunResult) -> None:
        keep = {"targets": p.targets, "run": p.run, "public_cost": p.public_cost}
        if self.sink is None:
            keep.update(series=p.series, fiscal_ledger=p.fiscal_ledger, scenarios=p.scenarios, accounts=p.accounts)
        else:
            for name in STREAMED:
                self.sink.add_part(name, p.replicate, getattr(p, name))
            keep["fiscal"] = fiscal_summary(p.fiscal_ledger)
            if self.series_rows is not None:
                keep["series_rows"] = self.series_rows(p.series)
        self.parts[p.replicate] = keep

    def held_rows(self) -> int:
        """Rows of the tables held in memory so far (what grows with replicates)."""
        return sum(len(v) for part in self.parts.values() for k, v in part.items() if k != "run")

    def results(self, case: Case, seed: int, seeds: list[int], uncertainty: str) -> Results:
        parts = [self.parts[r] for r in sorted(self.parts)]

        def cat(name):
            return pd.concat([p[name] for p in parts], ignore_index=True) if name in parts[0] else None

        fiscal = None
        if self.sink is not None:  # per-replicate summaries, in replicate order: the summary of the whole ledger
            nonempty = [p["fiscal"] for p in parts if len(p["fiscal"])]
            fiscal = pd.concat(nonempty, ignore_index=True) if nonempty else parts[0]["fiscal"]
        return Results(case=case, seed=seed, seeds=seeds, series=cat("series"), targets=cat("targets"),
                       fiscal_ledger=cat("fiscal_ledger"), scenarios=cat("scenarios"),
                       runs=pd.DataFrame([p["run"] for p in parts]), accounts=cat("accounts"),
                       public_cost=cat("public_cost"), uncertainty=uncertainty, fiscal=fiscal,
                       streamed=STREAMED if self.sink is not None else (), series_rows=cat("series_rows"))


def run(case: Case | str | Path, replicates: int = 1, seed: int = 0,
        progress: Callable[[int], None] | None = None, workers: int = 1, scheduler: str | None = None,
        uncertainty: str = "none", sink=None,
        series_rows: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> Results:
    """Run ``replicates`` independent replicates of ``case`` (seeds derived from ``seed``), on
    ``workers`` local processes or a Dask ``scheduler`` (the tables are the same either way).
    ``uncertainty``: "none" — every replicate uses the case's values, so probabilities are the model's
    own chance only; "prior" — each replicate draws the uncertain parameters from their ranges too.

    ``sink``: where the large per-replicate tables go as each replicate finishes, instead of memory — a
    :class:`sim.base.files.Bundle` (``scensim run``: written to disk as they arrive) or :class:`Discard`;
    memory then does not grow with replicates beyond the summaries and ``series_rows(series)`` of each
    replicate's series (see :class:`Collector`)."""
    from sim.engine.executor import Executor
    from sim.engine.uncertainty import MODES

    if not isinstance(case, Case):
        case = load_case(case)
    if not case.plan:  # checked before the run: its target tables would have no rows to summarize
        raise InputError(case.path, "case.plan", "a region without a plan of its own has no targets to judge "
                         "alone; run it as a region of a national case (e.g. scenarios/national_2026_2028.toml)",
                         False)
    if replicates < 1:
        raise ValueError("replicates must be at least 1")
    if uncertainty not in MODES:
        raise ValueError(f"uncertainty must be one of {MODES}")
    seeds = [run_seed(seed, r) for r in range(replicates)]
    collect = Collector(sink, series_rows)
    with Executor(min(workers, replicates), scheduler, context=case) as ex:
        for done, part in enumerate(ex.stream(_replicate, [(r, s, uncertainty) for r, s in enumerate(seeds)]), 1):
            collect.add(part)
            if progress:
                progress(done)
    return collect.results(case, seed, seeds, uncertainty)
