"""Global sensitivity analysis of a sweep spec: Morris screening, Sobol indices, one-at-a-time effects.

The chain is *sample → evaluate → analyse*:

* **sample** — the sweep engine's own design (:func:`sim.engine.sweep.design_table`): Saltelli's
  scheme for ``sobol``, Morris trajectories for ``morris``, ``oat`` for one-at-a-time effects;
* **evaluate** — an *evaluator* ``f(problem, design) -> runs`` returning one row per run (``point``,
  ``replicate`` and outcome columns). :func:`sweep_evaluator` runs the model through
  :func:`sim.engine.sweep.run_sweep` (resumable, local workers or Dask, the same table for any
  number of workers); a test passes the Ishigami function through the same chain;
* **analyse** — SALib's ``ProblemSpec`` (``analyze_sobol``, ``analyze_morris``) on the **replicate
  mean** of each outcome per design point, in the unit cube the sampler used.

Replicates are explicit: next to the indices, :func:`noise_table` reports the share of an outcome's
variance over all runs that is the model's own noise (mean within-point variance / total variance),
and the share of the variance of the replicate means it still makes up (within / R / var of means).
Sobol confidence intervals are SALib's bootstrap (``num_resamples``); convergence is checked by
analysing the first half of the Saltelli sample (base N/2 — SALib's Sobol sample at N/2 is exactly
the first rows of the one at N, checked in the tests) next to the whole (base N).

Settings come from the spec's ``[sensitivity]`` table (see ``docs/analysis.md``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from sim.analysis.outcomes import add_derived, default_outcomes
from sim.base.errors import InputError, printable
from sim.engine.sweep.design import design_table, salib_problem, unit_sample
from sim.engine.sweep.spec import DESIGN_KEYS, Design, Factor

SETTINGS_KEYS = ("outcomes", "bootstrap", "confidence", "morris", "oat", "figures")
DEFAULT_FIGURES = ("all_targets.all.met", "cost.total_cny")


@dataclass(frozen=True)
class Settings:
    """``[sensitivity]``: outcomes to analyse (None: the defaults), SALib bootstrap resamples and
    confidence, an optional Morris screening design, one-at-a-time effects, outcomes to draw."""

    outcomes: tuple[str, ...] | None = None
    bootstrap: int = 1000
    confidence: float = 0.95
    morris: Design | None = None
    oat: bool = False
    figures: tuple[str, ...] = DEFAULT_FIGURES


def settings_of(spec) -> Settings:
    """Validate the spec's ``[sensitivity]`` table (one-line errors naming the spec file and key)."""
    t = dict(spec.analysis.get("sensitivity", {}))
    f = spec.path
    for k in t:
        if k not in SETTINGS_KEYS:
            raise InputError(f, f"sensitivity.{k}", f"unknown key; allowed: {', '.join(SETTINGS_KEYS)}")

    def names(key):
        v = t.get(key)
        if v is None:
            return None
        if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
            raise InputError(f, f"sensitivity.{key}", "expected a non-empty list of outcome names", v)
        return tuple(v)

    boot = t.get("bootstrap", 1000)
    if isinstance(boot, bool) or not isinstance(boot, int) or boot < 10:
        raise InputError(f, "sensitivity.bootstrap", "expected a whole number >= 10 (bootstrap resamples)", boot)
    conf = t.get("confidence", 0.95)
    if isinstance(conf, bool) or not isinstance(conf, (int, float)) or not 0 < conf < 1:
        raise InputError(f, "sensitivity.confidence", "expected a number strictly between 0 and 1", conf)
    morris = None
    if "morris" in t:
        m = t["morris"]
        if not isinstance(m, dict):
            raise InputError(f, "sensitivity.morris", "expected a table { trajectories = R, levels = 4 }", m)
        for k in m:
            if k not in ("trajectories", "levels"):
                raise InputError(f, f"sensitivity.morris.{k}", "unknown key; allowed: trajectories, levels")
        r, lv = m.get("trajectories"), m.get("levels", 4)
        for k, v in (("trajectories", r), ("levels", lv)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 2:
                raise InputError(f, f"sensitivity.morris.{k}", "expected a whole number >= 2", v)
        morris = Design("morris", trajectories=r, levels=lv, dummy=spec.design.dummy)
    oat = t.get("oat", False)
    if not isinstance(oat, bool):
        raise InputError(f, "sensitivity.oat", "expected true or false", oat)
    if spec.design.kind not in ("sobol", "morris"):
        raise InputError(f, "design.kind", "scensim sensitivity analyses a sobol or morris design", spec.design.kind)
    return Settings(names("outcomes"), boot, float(conf), morris, oat, names("figures") or DEFAULT_FIGURES)


@dataclass(frozen=True)
class Problem:
    """What the sampler and the analysers need: the factors (in the unit cube), the design, the seed
    and the replicates per point. ``case`` is needed only by one-at-a-time designs (its values)."""

    id: str
    factors: tuple[Factor, ...]
    design: Design
    seed: int
    replicates: int = 1
    case: object = None

    @classmethod
    def from_spec(cls, spec, design: Design | None = None, stage: str | None = None) -> Problem:
        design = design or spec.design
        factors = spec.model_factors if design.kind == "oat" else spec.factors
        return cls(f"{spec.id}_{stage}" if stage else spec.id, tuple(factors), design, spec.seed,
                   spec.replicates, spec.case)

    @property
    def n_base(self) -> int:
        return self.design.points


Evaluator = Callable[[Problem, pd.DataFrame], pd.DataFrame]


def sweep_evaluator(spec, out, workers=None, scheduler=None, console=None, progress=False) -> Evaluator:
    """An evaluator that runs each problem as a sweep of ``spec`` (its design replaced by the
    problem's) into ``out/<stage>``, and returns the runs with the joint and cost columns added."""
    from sim.engine.sweep.execute import run_sweep
    from sim.engine.sweep.spec import target_rows
    from sim.engine.sweep.store import read_runs

    def evaluate(problem: Problem, design: pd.DataFrame) -> pd.DataFrame:
        s = dataclasses.replace(spec, id=problem.id, design=problem.design, factors=problem.factors)
        folder = Path(out) / problem.id.removeprefix(f"{spec.id}_")
        report = run_sweep(s, out=folder, workers=workers, scheduler=scheduler, progress=progress, console=console)
        if console is not None:
            console.print(printable(f"{problem.id}: {report}"), highlight=False, soft_wrap=True, markup=False)  # holds a path
        stored = pd.read_parquet(folder / "design.parquet")
        if not stored[list(design.columns)].equals(design):  # the engine drew the same points
            raise RuntimeError(f"{folder}: design differs from the sampler's")
        return add_derived(read_runs(folder), target_rows(spec.case), where=spec.path)

    return evaluate


# -- analysis ----------------------------------------------------------------------------------------
def point_means(runs: pd.DataFrame, outcomes: list[str], n_points: int) -> pd.DataFrame:
    """The replicate mean of each outcome per design point, in point order (every point needed)."""
    m = runs.groupby("point", sort=True)[outcomes].mean()
    if len(m) != n_points or not np.array_equal(m.index.to_numpy(), np.arange(n_points)):
        raise ValueError(f"runs cover {len(m)} of {n_points} design points; the analysis needs all of them")
    return m.astype(float)


def noise_table(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Per outcome, the analysis of variance of the runs table by design point: ``var_total`` (over
    all runs), ``var_within`` (mean within-point variance: the model's own noise), ``noise_share`` =
    within / total (in [0, 1]); ``noise_var`` the unbiased estimate of the noise variance; and
    ``noise_in_mean`` = noise_var / R / the variance of the R-replicate point means — the share of
    what the indices are computed on that is still noise (independent seeds assumed); and
    ``replicates_for_10pct`` = 9 · noise_var / signal, the replicates per point that would bring it to
    10 %, where signal = variance of the means − noise_var / R (NaN when no signal is measurable)."""
    g = runs.groupby("point", sort=True)
    reps = int(g.size().min())
    rows = []
    for o in outcomes:
        y = runs[o].to_numpy(dtype=float)
        total = float(np.var(y))
        within = float(g[o].var(ddof=0).mean())
        noise_var = within * reps / (reps - 1) if reps > 1 else np.nan
        means = float(np.var(g[o].mean().to_numpy(dtype=float), ddof=1))
        signal = means - noise_var / reps if reps > 1 else np.nan  # variance of the point means without noise
        rows.append({"outcome": o, "replicates": reps, "var_total": total, "var_within": within,
                     "noise_share": within / total if total > 0 else np.nan, "noise_var": noise_var,
                     "noise_in_mean": noise_var / reps / means if means > 0 else np.nan,
                     # signal within rounding error of 0 (all of the means' variance is noise) is no signal:
                     # 9 · noise / 1e-17 printed "about 38,450,716,820,228,232 replicates"
                     "replicates_for_10pct": (int(np.ceil(9 * noise_var / signal))
                                              if signal > 1e-9 * means else np.nan)})
    return pd.DataFrame(rows)


def sobol_indices(problem: Problem, X: np.ndarray, means: pd.DataFrame, settings: Settings,
                  halves: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """S1, ST (and S2) with bootstrap intervals per outcome, at base N and (``halves``) N/2."""
    d = problem.design
    D = len(problem.factors)
    per_base = 2 * D + 2 if d.second_order else D + 2
    first, second, notes = [], [], []
    bases = [d.points // 2, d.points] if halves and d.points >= 2 else [d.points]
    for o in means.columns:
        y = means[o].to_numpy()
        if not np.nanvar(y) > 0:
            notes.append(f"{o}: the same at every design point; no indices")
            continue
        for n in bases:
            rows = n * per_base
            sp = salib_problem(problem.factors)
            sp.set_samples(X[:rows])
            sp.set_results(y[:rows])
            sp.analyze_sobol(calc_second_order=d.second_order, num_resamples=settings.bootstrap,
                             conf_level=settings.confidence, seed=problem.seed % 2**32)
            a = sp.analysis
            for k, f in enumerate(problem.factors):
                first.append({"outcome": o, "n_base": n, "factor": f.name, "kind": f.kind,
                              "S1": a["S1"][k], "S1_conf": a["S1_conf"][k], "ST": a["ST"][k],
                              "ST_conf": a["ST_conf"][k]})
            if d.second_order:
                for i in range(D):
                    for j in range(i + 1, D):
                        second.append({"outcome": o, "n_base": n, "factor_i": problem.factors[i].name,
                                       "factor_j": problem.factors[j].name, "S2": a["S2"][i, j],
                                       "S2_conf": a["S2_conf"][i, j]})
    return pd.DataFrame(first), pd.DataFrame(second), notes


def morris_indices(problem: Problem, X: np.ndarray, means: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, list[str]]:
    """μ, μ*, σ and the bootstrap interval of μ* per outcome and factor (elementary effects in the
    unit cube: the change of the outcome per full range of the factor)."""
    rows, notes = [], []
    for o in means.columns:
        y = means[o].to_numpy()
        if not np.nanvar(y) > 0:
            notes.append(f"{o}: the same at every design point; no effects")
            continue
        sp = salib_problem(problem.factors)
        sp.set_samples(X)
        sp.set_results(y)
        sp.analyze_morris(num_resamples=settings.bootstrap, conf_level=settings.confidence,
                          num_levels=problem.design.levels, seed=problem.seed % 2**32)
        a = sp.analysis
        for k, f in enumerate(problem.factors):
            rows.append({"outcome": o, "factor": f.name, "kind": f.kind, "mu": float(a["mu"][k]),
                         "mu_star": float(a["mu_star"][k]), "sigma": float(a["sigma"][k]),
                         "mu_star_conf": float(a["mu_star_conf"][k])})
    return pd.DataFrame(rows), notes


def oat_effects(problem: Problem, design: pd.DataFrame, runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """One at a time: per factor and outcome, the replicate mean at the case's values and with the
    factor alone at its low and high end, with standard errors of the means."""
    g = runs.groupby("point", sort=True)[outcomes]
    mean, se = g.mean(), g.std(ddof=1) / np.sqrt(g.size().to_numpy()[:, None])
    rows = []
    for k, f in enumerate(problem.factors):
        lo, hi = 2 * k + 1, 2 * k + 2
        for o in outcomes:
            rows.append({"outcome": o, "factor": f.name, "kind": f.kind,
                         "value_base": design.at[0, f.name], "value_low": design.at[lo, f.name],
                         "value_high": design.at[hi, f.name], "base": mean.at[0, o], "low": mean.at[lo, o],
                         "high": mean.at[hi, o], "base_se": se.at[0, o], "low_se": se.at[lo, o],
                         "high_se": se.at[hi, o]})
    out = pd.DataFrame(rows)
    for c in ("value_base", "value_low", "value_high"):
        out[c] = out[c].astype(float)
    return out


def convergence(sobol: pd.DataFrame) -> pd.DataFrame:
    """Per outcome, indices at base N/2 against N: the largest change in S1 and ST over the factors,
    the Spearman rank correlation of ST, and whether the top three factors by ST are the same."""
    from scipy.stats import spearmanr

    rows = []
    if sobol is None or not len(sobol) or sobol["n_base"].nunique() < 2:
        return pd.DataFrame(rows)
    n_half, n = sorted(sobol["n_base"].unique())[-2:]
    for o, g in sobol.groupby("outcome", sort=False):
        a = g[g["n_base"] == n_half].set_index("factor")
        b = g[g["n_base"] == n].set_index("factor").reindex(a.index)
        varied = len(a) > 2 and a["ST"].nunique() > 1 and b["ST"].nunique() > 1
        rho = spearmanr(a["ST"], b["ST"]).statistic if varied else np.nan
        rows.append({"outcome": o, "n_half": int(n_half), "n": int(n),
                     "max_change_S1": float((a["S1"] - b["S1"]).abs().max()),
                     "max_change_ST": float((a["ST"] - b["ST"]).abs().max()),
                     "spearman_ST": float(rho),
                     "top3_same": set(a["ST"].nlargest(3).index) == set(b["ST"].nlargest(3).index),
                     "max_ST_conf": float(b["ST_conf"].max())})
    return pd.DataFrame(rows)


@dataclass
class SensitivityResult:
    sobol: pd.DataFrame | None = None
    sobol2: pd.DataFrame | None = None
    morris: pd.DataFrame | None = None
    oat: pd.DataFrame | None = None
    noise: pd.DataFrame | None = None
    notes: list = dataclasses.field(default_factory=list)
    runs: dict = dataclasses.field(default_factory=dict)  # stage -> runs table

    def tables(self) -> dict[str, pd.DataFrame]:
        named = {"sobol_indices": self.sobol, "sobol_second_order": self.sobol2, "morris_indices": self.morris,
                 "oat_effects": self.oat, "noise": self.noise, "convergence": convergence(self.sobol)}
        return {k: v for k, v in named.items() if v is not None and len(v)}


def analyse(problem: Problem, evaluator: Evaluator, settings: Settings, outcomes: list[str] | None = None,
            targets: list[dict] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Sample, evaluate and analyse one ``sobol`` or ``morris`` problem. Returns (indices, second
    order or None, {"runs", "noise", "notes", "outcomes"})."""
    design = design_table(problem)
    X = unit_sample(problem)
    runs = evaluator(problem, design)
    if outcomes is None:
        outcomes = default_outcomes(runs, targets or []) if targets is not None else \
            [c for c in runs.columns if c not in ("point", "replicate", "seed", *[f.name for f in problem.factors])]
    unknown = [o for o in outcomes if o not in runs]
    if unknown:
        raise InputError(None, "sensitivity.outcomes", "not an outcome of these runs (see docs/analysis.md)", unknown[0])
    means = point_means(runs, outcomes, len(design))
    noise = noise_table(runs, outcomes)
    if problem.design.kind == "sobol":
        s, s2, notes = sobol_indices(problem, X, means, settings)
    else:
        s, notes = morris_indices(problem, X, means, settings)
        s2 = None
    return s, s2, {"runs": runs, "noise": noise, "notes": notes, "outcomes": outcomes}


def run_sensitivity(spec, evaluator: Evaluator, stages=("morris", "sobol", "oat")) -> SensitivityResult:
    """Every stage the spec asks for: the Morris screening (``[sensitivity] morris``, or the spec's own
    design if it is ``morris``), Sobol (the spec's design if ``sobol``) and one-at-a-time effects."""
    from sim.engine.sweep.spec import target_rows

    st = settings_of(spec)
    targets = target_rows(spec.case)
    res = SensitivityResult()
    outcomes = list(st.outcomes) if st.outcomes else None
    morris_design = spec.design if spec.design.kind == "morris" else st.morris
    if "morris" in stages and morris_design is not None:
        p = Problem.from_spec(spec, morris_design, "morris")
        res.morris, _, info = analyse(p, evaluator, st, outcomes, targets)
        res.notes += [f"morris: {n}" for n in info["notes"]]
        res.runs["morris"] = info["runs"]
        outcomes = info["outcomes"]
        res.noise = info["noise"].assign(stage="morris")
    if "sobol" in stages and spec.design.kind == "sobol":
        p = Problem.from_spec(spec, spec.design, "sobol")
        res.sobol, res.sobol2, info = analyse(p, evaluator, st, outcomes, targets)
        res.notes += [f"sobol: {n}" for n in info["notes"]]
        res.runs["sobol"] = info["runs"]
        outcomes = info["outcomes"]
        res.noise = info["noise"].assign(stage="sobol")  # Sobol's noise table replaces Morris's
    if "oat" in stages and st.oat:
        p = Problem.from_spec(spec, Design("oat"), "oat")
        design = design_table(p)
        runs = evaluator(p, design)
        outs = outcomes or default_outcomes(runs, targets)
        res.oat = oat_effects(p, design, runs, outs)
        res.runs["oat"] = runs
    return res


assert "oat" in DESIGN_KEYS  # the engine knows the one-at-a-time design this module asks it for
