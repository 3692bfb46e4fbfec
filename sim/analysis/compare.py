"""Budget-neutral comparison of policy mixes (``scensim compare``).

An experiment file names a case, a total yearly budget, and mixes: each splits the total across the
budgeted levers and may change other lever settings. Every mix runs with the same replicate seeds —
common random numbers — so per-replicate differences against the baseline are the policy's effect.
For each mix the comparison reports the probability each target is met (Wilson 95 %), the median
value, fiscal spending by lever, and, against the baseline, the mean change in each target's value
and in spending with 95 % intervals and the cost per additional unit (a ratio of mean changes, with a
paired bootstrap interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.core.case import Case, check_keys, check_spec_kind, load_case
from sim.base.errors import InputError
from sim.base.tomlfile import check_path, confine, read_toml
from sim.core.registry import REGISTRY
from sim.levers import LEVERS
from sim.base.rng import run_seed
from sim.core.targets import joint_attainment, summarize

MAX_REPLICATES = 100_000  # replicates of every mix: checked before any run
MAX_TOTAL_CNY = 1e13  # the budget bound of every lever (see sim.params.registry.MONEY)
BUDGETED = [L.name for L in LEVERS if any(p.name == f"{L.name}.budget_cny_per_year" for p in L.PARAMS)]
PUBLIC_OWNERS = "public_owners"  # not a lever: public owners' pilot payments, in the spend table for total public cost


@dataclass(frozen=True)
class Mix:
    id: str
    zh: str
    en: str
    params: dict  # parameter overrides by name (budgets included)


@dataclass(frozen=True)
class Comparison:
    path: str
    id: str
    case: Case
    total_budget: float
    baseline: str
    replicates: int
    seed: int
    mixes: tuple[Mix, ...]

    def mix_case(self, mix: Mix) -> Case:
        return self.case.with_params(mix.params, origin=f"mix {mix.id}")


def load_comparison(path, replicates: int | None = None, seed: int | None = None,
                    allow_outside: bool = False) -> Comparison:
    """Read and validate a policy-mix experiment; ``replicates``/``seed`` override the file's.
    ``allow_outside`` lets ``experiment.case`` name a file outside the experiment's folder tree and
    the project's ``scenarios/``."""
    path = check_path(path, None, None, "the path of an experiment file")
    doc = read_toml(path, "experiment file", "experiments/hunan_policy_mixes.toml")[0]
    f = str(path)
    check_spec_kind(f, doc, "scensim compare", "a policy-mix experiment with [experiment] and [mixes] "
                    "(docs/experiments.md)")
    check_keys(f, doc, ("experiment", "mixes"), "")
    e = doc.get("experiment")
    if not isinstance(e, dict):
        raise InputError(f, "experiment", "missing; expected an [experiment] table")
    check_keys(f, e, ("id", "case", "total_budget_cny_per_year", "baseline", "replicates", "seed", "notes"),
                "experiment.")
    for key in ("id", "case", "baseline"):
        if not isinstance(e.get(key), str) or not e[key]:
            raise InputError(f, f"experiment.{key}", "missing; expected a string", e.get(key, None)) if key not in e \
                else InputError(f, f"experiment.{key}", "expected a non-empty string", e[key])
    check_path(e["case"], f, "experiment.case", "the path of a case file")
    case_path = path.parent / e["case"]
    confine(case_path, path, f, "experiment.case", allow_outside, e["case"])
    if not case_path.is_file():
        raise InputError(f, "experiment.case", "no such case file (the path is relative to the experiment file)",
                         e["case"])
    case = load_case(case_path, allow_outside=allow_outside)
    total = e.get("total_budget_cny_per_year")
    if isinstance(total, bool) or not isinstance(total, (int, float)) or not 0 <= total <= MAX_TOTAL_CNY:
        raise InputError(f, "experiment.total_budget_cny_per_year",
                         f"expected a number between 0 and {MAX_TOTAL_CNY:g} (CNY per year)", total)
    reps = e.get("replicates", 20) if replicates is None else replicates
    if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= MAX_REPLICATES:
        raise InputError(f, "experiment.replicates", f"expected a whole number between 1 and {MAX_REPLICATES:,}", reps)
    sd = e.get("seed", 0) if seed is None else seed
    if isinstance(sd, bool) or not isinstance(sd, int) or not 0 <= sd < 2 ** 63:
        raise InputError(f, "experiment.seed", "expected a whole number >= 0 (64 bits)", sd)
    mixes_doc = doc.get("mixes")
    if not isinstance(mixes_doc, dict) or not mixes_doc:
        raise InputError(f, "mixes", "missing; expected one [mixes.<id>] table per policy mix")
    mixes = []
    for mid, m in mixes_doc.items():
        w = f"mixes.{mid}."
        if not isinstance(m, dict):
            raise InputError(f, f"mixes.{mid}", "expected a table", m)
        check_keys(f, m, ("zh", "en", "budget_cny_per_year", "set"), w)
        split = m.get("budget_cny_per_year")
        if not isinstance(split, dict):
            raise InputError(f, w + "budget_cny_per_year", "missing; expected a table {lever = CNY/year, …}")
        params = {}
        for lever, amount in split.items():
            if lever not in BUDGETED:
                raise InputError(f, f"{w}budget_cny_per_year.{lever}",
                                 f"not a budgeted lever; allowed: {', '.join(BUDGETED)}")
            name = f"{lever}.budget_cny_per_year"
            params[name] = REGISTRY.parse(name, amount, f, f"{w}budget_cny_per_year.{lever}")
        for lever in BUDGETED:
            params.setdefault(f"{lever}.budget_cny_per_year", 0.0)
        got = sum(params[f"{lv}.budget_cny_per_year"] for lv in BUDGETED)
        if abs(got - total) > 1.0:
            raise InputError(f, w + "budget_cny_per_year", f"the split adds up to {got:,.0f} CNY/year, not the "
                             f"experiment's total {total:,.0f}; every mix must spend the same total", split)
        sets = m.get("set") or {}
        if not isinstance(sets, dict):
            raise InputError(f, w + "set", "expected a table {parameter = value, …}", sets)
        for name, value in sets.items():
            spec = REGISTRY.lookup(name, f, f"{w}set.{name}")
            if spec.kind != "lever":
                raise InputError(f, f"{w}set.{name}", "is an uncertainty; a mix may only set levers "
                                 "(uncertainties stay as in the case)")
            if name.endswith(".budget_cny_per_year"):
                raise InputError(f, f"{w}set.{name}", "budgets belong in budget_cny_per_year")
            params[name] = spec.parse(value, f, f"{w}set.{name}")
        for lang in ("zh", "en"):
            if not isinstance(m.get(lang, mid), str):
                raise InputError(f, w + lang, "expected a string (the mix's name)", m[lang])
        mixes.append(Mix(mid, m.get("zh", mid), m.get("en", mid), params))
    ids = [m.id for m in mixes]
    if e["baseline"] not in ids:
        raise InputError(f, "experiment.baseline", f"names no mix; mixes: {', '.join(ids)}", e["baseline"])
    for mix in mixes:  # the overrides must make a valid case
        case.with_params(mix.params, origin=f"{f}: mixes.{mix.id}")
    return Comparison(f, e["id"], case, float(total), e["baseline"], reps, sd, tuple(mixes))


# -- running ----------------------------------------------------------------------------------------
def run_mix_replicate(case: Case, seed: int) -> tuple[pd.DataFrame, dict]:
    """One replicate: its target rows and its spending (CNY): net fiscal spending by lever (receipts
    subtracted) and, under ``public_owners``, what government departments and city governments paid
    for pilots as owners (so that the total public cost can be compared too)."""
    from sim.core.model import ScenarioMarket

    m = ScenarioMarket(case, seed=seed).run()
    return m.target_table(), {**m.fiscal.net_spent(), PUBLIC_OWNERS: float(m.money.public_cost()
                                                                           ["public_owner_spending_cny"].sum())}


def _mix_replicate(context, item):
    """A task of the executor: replicate ``r`` of one mix."""
    mix_id, r, case, seed = item
    t, spend = run_mix_replicate(case, seed)
    return mix_id, r, t, spend


def run_comparison(cmp: Comparison, progress=None, workers: int = 1, scheduler: str | None = None
                   ) -> dict[str, pd.DataFrame]:
    """Run every mix with the same replicate seeds (on ``workers`` processes or a Dask ``scheduler``;
    results do not depend on how many); returns the tables (see the module docstring)."""
    from sim.engine.executor import Executor

    seeds = [run_seed(cmp.seed, r) for r in range(cmp.replicates)]
    cases = {mix.id: cmp.mix_case(mix) for mix in cmp.mixes}  # one case per mix, shared by its replicates
    jobs = [(mix.id, r, cases[mix.id], s) for mix in cmp.mixes for r, s in enumerate(seeds)]
    kept: dict[tuple[str, int], tuple[pd.DataFrame, dict]] = {}
    with Executor(workers, scheduler) as ex:  # as each replicate arrives, keep its target rows and spending only
        for done, (mix_id, r, t, spend) in enumerate(ex.stream(_mix_replicate, jobs), 1):
            t.insert(0, "replicate", r)
            t.insert(0, "mix", mix_id)
            kept[(mix_id, r)] = (t, spend)
            if progress:
                progress(done)
    target_rows, spend_rows = [], []
    for mix in cmp.mixes:  # assemble in a fixed order, whatever order the runs finished in
        for r in range(cmp.replicates):
            t, spend = kept.pop((mix.id, r))
            target_rows.append(t)
            for lever, amount in spend.items():
                spend_rows.append({"mix": mix.id, "replicate": r, "lever": lever, "spent_cny": amount})
    targets = pd.concat(target_rows, ignore_index=True)
    spend = pd.DataFrame(spend_rows)
    summary = summarize(targets, group_cols=["mix"])
    joint = joint_attainment(targets, group_cols=["mix"])
    fiscal = (spend.groupby(["mix", "lever"], sort=False)["spent_cny"]
              .agg(mean_cny="mean", median_cny="median").reset_index())
    return {"targets": targets, "spend": spend, "summary": summary, "joint": joint, "fiscal": fiscal,
            "versus_baseline": versus_baseline(cmp, targets, spend)}


def _mean_ci(x: np.ndarray) -> tuple[float, float, float]:
    m = float(np.mean(x))
    if len(x) < 2 or np.allclose(x, x[0]):
        return m, m, m
    ci = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
    return m, float(ci.low), float(ci.high)


def _ratio_ci(dc: np.ndarray, dv: np.ndarray, seed: int) -> tuple[float, float, float]:
    """Cost per additional unit: mean Δcost / mean Δvalue, with a paired percentile bootstrap interval.
    NaN when the mean gain is not positive (no additional units to price)."""
    if dv.mean() <= 0:
        return (math.nan,) * 3
    ratio = float(dc.mean() / dv.mean())
    if len(dv) < 3 or np.allclose(dv, dv[0]):
        return ratio, ratio, ratio
    with np.errstate(divide="ignore", invalid="ignore"):  # resamples with no gain give ±inf: the interval says so
        res = stats.bootstrap((dc, dv), lambda a, b, axis=-1: np.mean(a, axis=axis) / np.mean(b, axis=axis),
                              paired=True, vectorized=True, n_resamples=2000, method="percentile",
                              random_state=np.random.default_rng(seed))
    lo, hi = res.confidence_interval
    return ratio, float(lo), float(hi)


def versus_baseline(cmp: Comparison, targets: pd.DataFrame, spend: pd.DataFrame) -> pd.DataFrame:
    """Per mix and target period: paired changes against the baseline and the cost per extra unit, on
    lever spending and on the total public cost (lever spending + public owners' pilot payments)."""
    levers = spend[spend["lever"] != PUBLIC_OWNERS]
    cost = levers.groupby(["mix", "replicate"])["spent_cny"].sum()
    public = spend.groupby(["mix", "replicate"])["spent_cny"].sum()
    keys = ["target", "period", "replicate"]
    base = targets[targets["mix"] == cmp.baseline][keys + ["value"]]
    rows = []
    for mix in cmp.mixes:
        if mix.id == cmp.baseline:
            continue
        j = targets[targets["mix"] == mix.id][keys + ["value"]].merge(base, on=keys, suffixes=("", "_base"))
        j["dc"] = (j["replicate"].map(cost.loc[mix.id]) - j["replicate"].map(cost.loc[cmp.baseline])).astype(float)
        j["dp"] = (j["replicate"].map(public.loc[mix.id]) - j["replicate"].map(public.loc[cmp.baseline])).astype(float)
        for (tid, period), g in j.groupby(["target", "period"], sort=False):
            dv = (g["value"] - g["value_base"]).to_numpy(dtype=float)
            dc = g["dc"].to_numpy(dtype=float)
            d_mean, d_lo, d_hi = _mean_ci(dv)
            c_mean, c_lo, c_hi = _mean_ci(dc)
            r, r_lo, r_hi = _ratio_ci(dc, dv, cmp.seed)
            dp = g["dp"].to_numpy(dtype=float)
            pr, pr_lo, pr_hi = _ratio_ci(dp, dv, cmp.seed)
            rows.append({"mix": mix.id, "target": tid, "period": period, "delta_value": d_mean,
                         "delta_value_low": d_lo, "delta_value_high": d_hi, "delta_cost_cny": c_mean,
                         "delta_cost_low": c_lo, "delta_cost_high": c_hi, "cost_per_extra_unit_cny": r,
                         "cost_per_extra_unit_low": r_lo, "cost_per_extra_unit_high": r_hi,
                         "delta_public_cost_cny": float(dp.mean()), "public_cost_per_extra_unit_cny": pr,
                         "public_cost_per_extra_unit_low": pr_lo, "public_cost_per_extra_unit_high": pr_hi})
    return pd.DataFrame(rows)
