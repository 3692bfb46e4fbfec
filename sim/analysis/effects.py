"""What each lever does to the targets and to public cost (``scensim effects``).

For every lever with policy settings (parameters of kind ``lever`` in the registry), the case runs
three ways with the same replicate seeds — common random numbers, so differences are paired:

* **baseline** — the case as it is;
* **off** — the lever switched off (:func:`~sim.analysis.lever_variants.off_setting`: its budget set
  to 0 and/or its on/off switch to false; for the two levers with neither, an explicit rule);
* **double** — its yearly budget doubled (levers without a budget have no such variant: "no budget").

Per lever and variant the result gives the mean paired change, with a paired t 95 % interval, in each
target's value (every evaluated year), in its *units over the horizon* (a cumulative target's value at
its last year; a per-year target's values summed over its years), in P(met) per year, in P(all targets
met) per year and over the horizon, in the lever's own and every other lever's fiscal spending, and in
total public cost. **Public cost** here is what ``scensim run`` reports as total public cost (lever
spending net of receipts + government departments' and city governments' pilot payments as owners)
plus the technology-insurance scheme's loss (its result, premiums and subsidies in − claims out, is
subtracted: the scheme is treated as public, so the premium subsidy, a transfer to it, cancels out).
Where a target's change in units over the horizon has an interval excluding 0, the **cost per
additional unit** = mean Δ public cost ÷ mean Δ units, with a paired percentile bootstrap interval
(as ``scensim compare``); otherwise "no measurable effect".

Flags, flags and not judgements: **inert** — a lever with a budget whose switching off and doubling
change no target (units, last-year value, last-year P(met), P(all targets met)) distinguishably from 0;
**negligible** — a lever with a budget whose measurable target changes are all below
:data:`NEGLIGIBLE_SHARE` of the target's threshold and which moves no P(met); **cheap** — a lever that
adds to a target at a cost per unit below :data:`CHEAP_FACTOR` × the median across the levers that add
to it (same variant and target, at least :data:`MIN_FOR_MEDIAN` of them), negative costs (gains with
savings) included; **budget_not_binding** — doubling the budget raises the lever's own spending by less
than :data:`NOT_BINDING_SHARE` of its yearly budget (something else limits it).

Everything goes through the public API (:class:`~sim.core.model.ScenarioMarket` runs, their target
tables, fiscal accounts and money ledger) and the one executor, so the tables are the same for any
number of workers. Nothing here prints.
"""

from __future__ import annotations

import math
import numpy as np
import pandas as pd

from sim.analysis.compare import _mean_ci, _ratio_ci
from sim.analysis.lever_variants import (BASELINE, OFF_NOTES, OFF_RULES, VARIANTS, Variant,  # noqa: F401
                                         budget_param, doubled_setting, lever_settings, measured_levers,
                                         off_setting, parse_levers, plan_variants, setting_text)
from sim.base.errors import InputError
from sim.base.rng import run_seed
from sim.core.case import Case

ALL_TARGETS = "all_targets"
CHEAP_FACTOR = 0.1  # a cost per unit below this share of the median across levers is flagged
MIN_FOR_MEDIAN = 3  # levers with a measured cost per unit needed before a median is compared against
NEGLIGIBLE_SHARE = 0.01  # measurable target effects all below this share of the target's threshold: negligible
NOT_BINDING_SHARE = 0.01  # doubling raises own spending by less than this share of the yearly budget

COSTS = ("public_cost_cny", "total_public_cost_cny", "lever_spending_cny", "public_owner_spending_cny",
         "insurer_result_cny")


# -- running ----------------------------------------------------------------------------------------
def replicate_outcomes(case: Case, seed: int) -> list[tuple[str, str, str, float]]:
    """One replicate's outcomes as (quantity, name, period, value) rows: target values by year, units
    over the horizon and met by period; all targets met by year and over the horizon; public cost and
    its parts over the horizon; every budgeted lever's net fiscal spending."""
    from sim.core.model import ScenarioMarket

    m = ScenarioMarket(case, seed=seed).run()
    t = m.target_table()
    rows: list[tuple[str, str, str, float]] = []
    kind = {tg.id: tg.kind for tg in case.targets}
    yearly = t[t["year"].notna()]
    for r in t.itertuples(index=False):
        if not pd.isna(r.year):
            rows.append(("value", r.target, str(r.period), float(r.value)))
        rows.append(("met", r.target, str(r.period), float(bool(r.met))))
    for tid, g in yearly.groupby("target", sort=False):
        units = g["value"].sum() if kind[tid] == "per_year" else g.loc[g["year"].idxmax(), "value"]
        rows.append(("units", tid, "horizon", float(units)))
    for y, g in yearly.groupby("year", sort=True):
        rows.append(("met", ALL_TARGETS, str(int(y)), float(g["met"].all())))
    rows.append(("met", ALL_TARGETS, "all", float(yearly["met"].all())))
    pc = m.money.public_cost()
    cost = {c: float(pc[c].sum()) for c in COSTS[1:]}
    cost["public_cost_cny"] = cost["total_public_cost_cny"] - cost["insurer_result_cny"]
    rows += [("cost", c, "horizon", cost[c]) for c in COSTS]
    rows += [("spent", lever, "horizon", float(v)) for lever, v in sorted(m.fiscal.net_spent().items())]
    return rows


def _task(context, item):
    """A task of the executor: replicate ``r`` of one variant."""
    vid, r, case, seed = item
    return vid, r, replicate_outcomes(case, seed)


def distinct_runs(case: Case, variants: list[Variant], reuse: bool = True) -> tuple[dict[str, Case], dict[str, str]]:
    """Each variant's case, and the variant whose runs it uses: the first with the same parameter values
    (identical inputs give identical runs, so e.g. a budget already 0 in the case is not run twice);
    ``reuse=False``: every variant its own runs."""
    cases, same_as, first = {}, {}, {}
    for v in variants:
        c = case.with_params(v.params, origin=f"effects: {v.id}") if v.params else case
        key = tuple(sorted((k, repr(x)) for k, x in c.values.items())) if reuse else v.id
        same_as[v.id] = first.setdefault(key, v.id)
        cases[v.id] = c
    return cases, same_as


def planned_runs(case: Case, variants: list[Variant], replicates: int) -> int:
    """How many model runs :func:`run_variants` makes."""
    same_as = distinct_runs(case, variants)[1]
    return replicates * sum(1 for k, v in same_as.items() if k == v)


def run_variants(case: Case, variants: list[Variant], replicates: int, seed: int, workers: int = 1,
                 scheduler: str | None = None, progress=None, reuse: bool = True
                 ) -> tuple[pd.DataFrame, dict[str, str]]:
    """Run every variant with the same replicate seeds (variants with equal parameters once). Returns one
    row per variant, replicate and outcome — ``variant, lever, replicate, seed, quantity, name, period,
    value`` — and, per variant id, the variant whose runs it used (see :func:`distinct_runs`)."""
    from sim.engine.executor import Executor

    if replicates < 1:
        raise InputError(None, "--replicates", "must be at least 1", replicates)
    seeds = [run_seed(seed, r) for r in range(replicates)]
    cases, same_as = distinct_runs(case, variants, reuse)
    jobs = [(vid, r, cases[vid], s) for vid in cases if same_as[vid] == vid for r, s in enumerate(seeds)]
    with Executor(min(workers, len(jobs)), scheduler) as ex:
        done = ex.map(_task, jobs, progress=progress)
    got = {(vid, r): rows for vid, r, rows in done}
    parts = []
    for v in variants:  # a fixed order, whatever order the runs finished in
        for r, s in enumerate(seeds):
            df = pd.DataFrame(got[(same_as[v.id], r)], columns=["quantity", "name", "period", "value"])
            df.insert(0, "seed", np.int64(s))
            df.insert(0, "replicate", np.int64(r))
            df.insert(0, "lever", v.lever)
            df.insert(0, "variant", v.variant)
            parts.append(df)
    return pd.concat(parts, ignore_index=True), same_as


# -- paired comparison ------------------------------------------------------------------------------
def paired_effects(runs: pd.DataFrame, variants: list[Variant], seed: int) -> pd.DataFrame:
    """Per lever, variant and outcome: baseline and variant means, the mean paired difference with a
    t 95 % interval, whether the interval excludes 0, and for target units over the horizon the cost
    per additional unit (Δ public cost ÷ Δ units, paired bootstrap interval) where it does."""
    keys = ["quantity", "name", "period", "replicate"]
    base = runs[runs["variant"] == BASELINE][keys + ["value"]]
    cost_base = base[(base["quantity"] == "cost") & (base["name"] == "public_cost_cny")].set_index("replicate")["value"]
    rows = []
    for v in variants:
        if v.variant == BASELINE:
            continue
        mine = runs[(runs["variant"] == v.variant) & (runs["lever"] == v.lever)]
        j = mine[keys + ["value"]].merge(base, on=keys, suffixes=("", "_base"), how="outer", sort=False)
        cost = mine[(mine["quantity"] == "cost") & (mine["name"] == "public_cost_cny")].set_index("replicate")["value"]
        dcost = (cost - cost_base).sort_index().to_numpy(dtype=float)
        for (q, name, period), g in j.groupby(["quantity", "name", "period"], sort=False):
            g = g.sort_values("replicate")
            a = g["value"].fillna(0.0).to_numpy(dtype=float)  # a lever absent from one run spent nothing there
            b = g["value_base"].fillna(0.0).to_numpy(dtype=float)
            d, lo, hi = _mean_ci(a - b)
            measurable = bool(lo > 0 or hi < 0)
            cpu = (math.nan,) * 3
            if q == "units" and measurable:
                dv = a - b
                sign = 1.0 if dv.mean() > 0 else -1.0  # the ratio is the same; the bootstrap wants a gain
                with np.errstate(divide="ignore", invalid="ignore"):  # resamples without a gain: unbounded
                    cpu = _ratio_ci(sign * dcost, sign * dv, seed)
            rows.append({"lever": v.lever, "variant": v.variant, "setting": setting_text(v.params),
                         "quantity": q, "name": name, "period": period, "replicates": len(a),
                         "baseline_mean": float(b.mean()), "variant_mean": float(a.mean()), "delta": d,
                         "delta_low": lo, "delta_high": hi, "measurable": measurable,
                         "cost_per_unit_cny": cpu[0], "cost_per_unit_low": cpu[1], "cost_per_unit_high": cpu[2]})
    return pd.DataFrame(rows, columns=["lever", "variant", "setting", "quantity", "name", "period", "replicates",
                                       "baseline_mean", "variant_mean", "delta", "delta_low", "delta_high",
                                       "measurable", "cost_per_unit_cny", "cost_per_unit_low",
                                       "cost_per_unit_high"])


def last_years(case: Case) -> dict[str, str]:
    """Each target's last evaluated year, as a period label."""
    from sim.core.targets import threshold_for

    out = {}
    for tg in case.targets:
        years = [y for y in case.years if threshold_for(case, tg, y) is not None]
        if years:
            out[tg.id] = str(years[-1])
    return out


def target_effects(effects: pd.DataFrame, case: Case) -> pd.DataFrame:
    """The rows of ``effects`` that measure targets: units over the horizon, value and P(met) in each
    target's last year, and P(all targets met) (per year and over the horizon)."""
    last = last_years(case)
    e = effects
    at_last = e["period"] == e["name"].map(last)
    keep = (e["quantity"] == "units") | ((e["quantity"] == "value") & at_last) \
        | ((e["quantity"] == "met") & (at_last | (e["name"] == ALL_TARGETS)))
    return e[keep]


def contributes(variant: str, delta: float) -> bool:
    """Whether a change ``delta`` under ``variant`` says the lever *adds* to a target: switching it off
    lowers the target, or doubling its budget raises it."""
    return delta < 0 if variant == "off" else delta > 0


def cheap_targets(effects: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """``{(lever, variant): [targets]}`` on which the lever's cost per unit is below ``CHEAP_FACTOR`` ×
    the median across levers (same variant and target, levers that add to the target only; at least
    ``MIN_FOR_MEDIAN`` of them; a median that is not positive compares nothing)."""
    out: dict[tuple[str, str], list[str]] = {}
    u = effects[(effects["quantity"] == "units") & effects["cost_per_unit_cny"].notna()]
    u = u[np.array([contributes(v, d) for v, d in zip(u["variant"], u["delta"])], dtype=bool)]
    for (variant, target), g in u.groupby(["variant", "name"], sort=False):
        if len(g) < MIN_FOR_MEDIAN:
            continue
        median = float(np.median(g["cost_per_unit_cny"]))
        if median <= 0:
            continue
        for r in g.itertuples(index=False):
            if r.cost_per_unit_cny < CHEAP_FACTOR * median:
                out.setdefault((r.lever, variant), []).append(target)
    return out


def negligible(case: Case, rows: pd.DataFrame) -> bool:
    """Whether every measurable target change among ``rows`` (:func:`target_effects` of one lever) is
    below ``NEGLIGIBLE_SHARE`` of the target's threshold — for a last-year value, that year's threshold;
    for units over the horizon, the thresholds of the years summed (per-year targets) or the last
    year's (cumulative) — and no P(met) changes measurably. False when nothing is measurable (inert)."""
    from sim.core.targets import threshold_for

    thr_value, thr_units = {}, {}
    for tg in case.targets:
        years = [y for y in case.years if threshold_for(case, tg, y) is not None]
        if years:
            thr_value[tg.id] = threshold_for(case, tg, years[-1])
            thr_units[tg.id] = (sum(threshold_for(case, tg, y) for y in years) if tg.kind == "per_year"
                                else thr_value[tg.id])
    hit = rows[rows["measurable"]]
    if hit.empty or (hit["quantity"] == "met").any():
        return False
    for q, t, d in zip(hit["quantity"], hit["name"], hit["delta"]):
        ref = (thr_value if q == "value" else thr_units).get(t) or math.inf
        if abs(d) >= NEGLIGIBLE_SHARE * ref:
            return False
    return True


def lever_flags(case: Case, effects: pd.DataFrame, levers: list[str], skipped: dict[str, str],
                same_as: dict[str, str]) -> pd.DataFrame:
    """One row per lever and variant: its setting, the lever's budget and own spending in baseline and
    variant, whether the variant's runs are the baseline's (the case already has that setting), why a
    variant was not run, and the flags (``inert``: a lever with a budget above 0 whose variants change
    no target measurably — see :func:`target_effects`; ``cheap:<target>``: see :func:`cheap_targets`)."""
    measured = target_effects(effects, case)
    cheap = cheap_targets(effects)
    rows = []
    for lever in levers:
        bp = budget_param(lever)
        budget = float(case.values[bp]) if bp else math.nan
        mine = measured[measured["lever"] == lever]
        inert = bool(bp) and budget > 0 and len(mine) > 0 and not mine["measurable"].any()
        small = bool(bp) and budget > 0 and not inert and negligible(case, mine)
        for variant in VARIANTS:
            vid = f"{lever}:{variant}"
            g = effects[(effects["lever"] == lever) & (effects["variant"] == variant)]
            own = g[(g["quantity"] == "spent") & (g["name"] == lever)]
            ran = vid in same_as
            flags = (["inert"] if inert else []) + (["negligible"] if small else []) + \
                [f"cheap:{t}" for t in cheap.get((lever, variant), [])]
            if variant == "double" and len(own) and budget > 0 and own["delta"].iloc[0] < NOT_BINDING_SHARE * budget:
                flags.append("budget_not_binding")
            rows.append({"lever": lever, "variant": variant, "setting": g["setting"].iloc[0] if len(g) else "",
                         "budget_cny_per_year": budget,
                         "own_spent_baseline_cny": float(own["baseline_mean"].iloc[0]) if len(own) else
                         (0.0 if ran else math.nan),
                         "own_spent_variant_cny": float(own["variant_mean"].iloc[0]) if len(own) else
                         (0.0 if ran else math.nan),
                         "same_as_baseline": (same_as[vid] == BASELINE) if ran else None,
                         "not_run": skipped.get(vid, ""), "flags": ",".join(flags)})
    df = pd.DataFrame(rows, columns=["lever", "variant", "setting", "budget_cny_per_year", "own_spent_baseline_cny",
                                     "own_spent_variant_cny", "same_as_baseline", "not_run", "flags"])
    df["same_as_baseline"] = df["same_as_baseline"].astype("boolean")
    return df


def run_effects(case: Case, replicates: int, seed: int = 0, levers: list[str] | None = None, workers: int = 1,
                scheduler: str | None = None, progress=None, variants: list[Variant] | None = None,
                reuse: bool = True) -> dict[str, pd.DataFrame]:
    """Run the baseline and every lever's variants with common random numbers and compare them.

    ``levers``: names (default: every lever with policy settings); ``variants``: instead of the planned
    ones, any list starting with the baseline (tests use this); ``reuse=False``: run even variants
    equal to another (see :func:`distinct_runs`). Returns the tables ``effects`` (see
    :func:`paired_effects`), ``effects_levers`` (see :func:`lever_flags`) and ``effects_replicates``
    (see :func:`run_variants`)."""
    levers = measured_levers() if levers is None else list(levers)
    skipped: dict[str, str] = {}
    if variants is None:
        variants, skipped = plan_variants(case, levers)
    if not variants or variants[0].variant != BASELINE:
        raise ValueError("the first variant must be the baseline")
    runs, same_as = run_variants(case, variants, replicates, seed, workers, scheduler, progress, reuse)
    effects = paired_effects(runs, variants, seed)
    return {"effects": effects, "effects_levers": lever_flags(case, effects, levers, skipped, same_as),
            "effects_replicates": runs}
