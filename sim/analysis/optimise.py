"""The cheapest lever mix that meets chosen targets with probability ≥ p under the uncertainties.

The spec is a ``crossed`` sweep spec (``docs/sweeps.md``): its varied **levers** are the search space
(budgets — so the total and its split —, shares, on/off switches), its varied **uncertainties** are
integrated over by the design's ``scenarios`` (a grid or LHS), and its ``policies`` are the first
candidates tried. ``[optimise]`` sets the rest (``docs/analysis.md``).

Method (Optuna ask-and-tell, seeded TPE sampler):

1. each batch asks ``batch_size`` candidates; the sweep engine runs every candidate × scenario ×
   replicate (a ``table`` design, common random numbers, one resumable folder per batch);
2. a candidate's cost is the mean net fiscal spending (``cost.total_cny``) over its runs; its
   constraint is judged on the **Wilson lower bound** of P(chosen targets met) (``p - low ≤ 0`` is
   feasible, ``trial.set_constraint``);
3. the cheapest feasible candidates (``finalists``) are **re-evaluated** with ``final_replicates`` per
   scenario and fresh seeds (against the winner's curse); the chosen mix is the cheapest finalist
   whose re-evaluated lower bound still meets p — else none is chosen, and the output says so;
4. the hand-made mixes of ``[optimise] compare`` (a ``scensim compare`` file) are evaluated the same
   way as the finalists, and the Pareto front (cost against P(all targets met)) is returned.

Everything is a function of the spec: the same spec gives the same candidates and tables for any
number of workers, and rerunning resumes from the batches already on disk.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from sim.analysis.outcomes import COST, add_derived, joint_column
from sim.base.errors import InputError, printable
from sim.core.targets import wilson
from sim.engine.sweep.spec import Design

KEYS = ("targets", "probability", "batches", "batch_size", "finalists", "final_replicates", "compare")
FINAL_SEED_OFFSET = 1_000_003


@dataclass(frozen=True)
class Settings:
    targets: tuple[str, ...] = ("all",)
    probability: float = 0.8
    batches: int = 6
    batch_size: int = 4
    finalists: int = 3
    final_replicates: int = 8
    compare: str | None = None  # path of a scensim compare file (hand-made mixes)


def settings_of(spec) -> Settings:
    f = spec.path
    t = dict(spec.analysis.get("optimise", {}))
    for k in t:
        if k not in KEYS:
            raise InputError(f, f"optimise.{k}", f"unknown key; allowed: {', '.join(KEYS)}")
    if spec.design.kind != "crossed":
        raise InputError(f, "design.kind", "scensim optimise needs a crossed design: its policies are the first "
                         "candidates, its scenarios the uncertain futures every candidate faces", spec.design.kind)
    known = {tg.id for tg in spec.case.targets} | {"all"}
    years = {str(y) for y in spec.case.years}
    tg = t.get("targets", ["all"])
    if not isinstance(tg, list) or not tg or not all(isinstance(x, str) and x.split(":")[0] in known and
                                                     (":" not in x or x.split(":", 1)[1] in years) for x in tg):
        raise InputError(f, "optimise.targets", f"expected a list of target ids ({', '.join(sorted(known))}), each "
                         f"optionally with one year (e.g. \"all:{max(years)}\")", tg)
    p = t.get("probability", 0.8)
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p < 1:
        raise InputError(f, "optimise.probability", "expected a number strictly between 0 and 1", p)
    ints = {}
    for k, lo in (("batches", 1), ("batch_size", 1), ("finalists", 1), ("final_replicates", 1)):
        v = t.get(k, getattr(Settings, k))
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise InputError(f, f"optimise.{k}", f"expected a whole number >= {lo}", v)
        ints[k] = v
    cmp = t.get("compare")
    if cmp is not None:
        if not isinstance(cmp, str) or not (Path(spec.path).parent / cmp).exists():
            raise InputError(f, "optimise.compare", "expected the path of a policy-mix file, relative to the spec", cmp)
        cmp = str(Path(spec.path).parent / cmp)
    return Settings(tuple(tg), float(p), compare=cmp, **ints)


def met_flag(runs: pd.DataFrame, targets: tuple[str, ...]) -> np.ndarray:
    """Per run: every chosen target met in every year it is evaluated (``all``: every target), or in
    one year (``id:year``, ``all:year``)."""
    ok = np.ones(len(runs), dtype=bool)
    for entry in targets:
        tid, _, year = entry.partition(":")
        if tid == "all":
            ok &= runs[joint_column(year or "all")].to_numpy(dtype=bool)
            continue
        cols = [c for c in runs.columns if c.startswith(f"target.{tid}.") and c.endswith(".met")
                and c.split(".")[2].isdigit() and (not year or c.split(".")[2] == year)]
        ok &= runs[cols].to_numpy(dtype=bool).all(axis=1)
    return ok


def judge(runs: pd.DataFrame, group: np.ndarray, targets: tuple[str, ...]) -> pd.DataFrame:
    """Per candidate (``group`` per run): runs, P(chosen) with Wilson 95 %, P(all targets) and cost."""
    ok = met_flag(runs, targets)
    every = runs[joint_column("all")].to_numpy(dtype=bool)
    cost = runs[COST].to_numpy(dtype=float)
    rows = []
    for g in np.unique(group):
        sel = group == g
        n, k = int(sel.sum()), int(ok[sel].sum())
        lo, hi = wilson(k, n)
        ka = int(every[sel].sum())
        alo, ahi = wilson(ka, n)
        c = cost[sel]
        half = 1.96 * c.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        rows.append({"candidate": int(g), "runs": n, "met": k, "p_met": k / n, "p_low": lo, "p_high": hi,
                     "p_all": ka / n, "p_all_low": alo, "p_all_high": ahi, "cost_cny": float(c.mean()), "cost_low": float(c.mean() - half),
                     "cost_high": float(c.mean() + half)})
    return pd.DataFrame(rows)


def pareto(table: pd.DataFrame, cost: str = "cost_cny", p: str = "p_met") -> pd.Series:
    """True for rows no other row beats on both (lower cost, higher probability)."""
    c, q = table[cost].to_numpy(), table[p].to_numpy()
    return pd.Series([not np.any(((c <= c[i]) & (q >= q[i])) & ((c < c[i]) | (q > q[i]))) for i in range(len(c))],
                     index=table.index)


Evaluate = Callable[[str, list[dict], int, int], pd.DataFrame]  # (stage, candidates, replicates, seed) -> runs


def sweep_evaluate(spec, out, workers=None, scheduler=None, console=None, case=None, progress=True) -> Evaluate:
    """Evaluate candidates through the sweep engine: every candidate × scenario of the spec's crossed
    design × replicates, common random numbers, into ``out/<stage>/``; returns runs with ``candidate``
    (``progress``: a progress bar per stage)."""
    from sim.engine.sweep.design import design_table
    from sim.engine.sweep.execute import run_sweep
    from sim.engine.sweep.spec import target_rows
    from sim.engine.sweep.store import read_runs

    unc = [f for f in spec.model_factors if f.kind == "uncertainty"]
    scen = design_table(spec).drop_duplicates("scenario").sort_values("scenario")[[f.name for f in unc]]
    scenarios = [tuple(r) for r in scen.itertuples(index=False)]

    def evaluate(stage: str, candidates: list[dict], replicates: int, seed: int, base_case=None) -> pd.DataFrame:
        levers = list(candidates[0]) if candidates and candidates[0] else []
        factors = [f for f in spec.model_factors if f.name in levers] + unc
        rows = [tuple(c[n] for n in levers) + s for c in candidates for s in scenarios]
        s = dataclasses.replace(spec, id=f"{spec.id}_{stage}", design=Design("table", table=tuple(rows)),
                                factors=tuple(factors), replicates=replicates, seed=seed, common_random_numbers=True,
                                case=base_case or spec.case)
        folder = Path(out) / stage
        report = run_sweep(s, out=folder, workers=workers, scheduler=scheduler, console=console, progress=progress)
        if console is not None:
            console.print(printable(f"{stage}: {report}"), highlight=False, soft_wrap=True, markup=False)  # holds a path
        runs = add_derived(read_runs(folder), target_rows(spec.case), where=spec.path)
        runs["candidate"] = runs["point"].to_numpy() // len(scenarios)
        return runs

    evaluate.n_scenarios = len(scenarios)
    return evaluate


def _suggest(trial, f):
    if f.values is not None:
        return trial.suggest_categorical(f.name, list(f.values))
    if f.dtype is bool:
        return trial.suggest_categorical(f.name, [False, True])
    if f.dtype is int:
        return trial.suggest_int(f.name, int(f.lo), int(f.hi))
    return trial.suggest_float(f.name, float(f.lo), float(f.hi))


@dataclass
class OptimiseResult:
    trials: pd.DataFrame
    finals: pd.DataFrame
    mixes: pd.DataFrame
    chosen: dict | None
    settings: Settings
    levers: list[str]

    def tables(self) -> dict[str, pd.DataFrame]:
        t = self.trials.copy()
        t["pareto"] = pareto(t)
        return {"optimise_trials": t, "optimise_finalists": self.finals, "optimise_mixes": self.mixes,
                "optimise_pareto": t[t["pareto"]].sort_values("cost_cny").reset_index(drop=True)}


def optimise(spec, evaluate: Evaluate, settings: Settings | None = None) -> OptimiseResult:
    """Run the search, re-evaluate the finalists and the hand-made mixes (see the module docstring)."""
    import optuna

    from sim.engine.sweep.design import design_table

    st = settings or settings_of(spec)
    levers = [f for f in spec.model_factors if f.kind == "lever"]
    names = [f.name for f in levers]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=spec.seed % 2**32))
    start = design_table(spec).drop_duplicates("policy").sort_values("policy")
    for r in start[names].itertuples(index=False):
        study.enqueue_trial({n: (v.item() if hasattr(v, "item") else v) for n, v in zip(names, r)})
    rows = []
    for b in range(st.batches):
        trials = [study.ask() for _ in range(st.batch_size)]
        cands = [{f.name: _suggest(t, f) for f in levers} for t in trials]
        runs = evaluate(f"batch-{b:03d}", cands, spec.replicates, spec.seed)
        j = judge(runs, runs["candidate"].to_numpy(), st.targets)
        for t, c, (_, r) in zip(trials, cands, j.iterrows()):
            t.set_constraint("p_met_low_bound", st.probability - r["p_low"])
            study.tell(t, r["cost_cny"])
            rows.append({"trial": t.number, "batch": b, **c, **r.drop("candidate").to_dict(),
                         "feasible": bool(r["p_low"] >= st.probability)})
    trials_df = pd.DataFrame(rows)
    feas = trials_df[trials_df["feasible"]].sort_values(["cost_cny", "trial"])
    if len(feas) < st.finalists:  # too few judged feasible: add the closest to feasibility
        rest = trials_df[~trials_df["feasible"]].sort_values(["p_low", "cost_cny"], ascending=[False, True])
        feas = pd.concat([feas, rest.head(st.finalists - len(feas))])
    fin = feas.head(st.finalists)
    final_seed = spec.seed + FINAL_SEED_OFFSET
    cands = [{n: (v.item() if hasattr(v, "item") else v) for n, v in r.items()} for r in fin[names].to_dict("records")]
    runs = evaluate("finalists", cands, st.final_replicates, final_seed)
    finals = judge(runs, runs["candidate"].to_numpy(), st.targets)
    finals.insert(0, "trial", fin["trial"].to_numpy())
    for n in names:
        finals[n] = fin[n].to_numpy()
    finals["search_p_low"] = fin["p_low"].to_numpy()
    finals["meets"] = finals["p_low"] >= st.probability
    ok = finals[finals["meets"]].sort_values("cost_cny")
    chosen = ok.iloc[0].to_dict() if len(ok) else None
    mixes = _mixes(spec, evaluate, st, final_seed)
    return OptimiseResult(trials_df, finals, mixes, chosen, st, names)


def _mixes(spec, evaluate, st: Settings, seed: int) -> pd.DataFrame:
    """The hand-made mixes of ``st.compare``, each over the same scenarios and seeds as the finalists."""
    if st.compare is None:
        return pd.DataFrame()
    from sim.analysis.compare import load_comparison

    cmp = load_comparison(st.compare)
    if cmp.case.id != spec.case.id:
        raise InputError(spec.path, "optimise.compare", f"its mixes are of case {cmp.case.id}, the spec's case is "
                         f"{spec.case.id}", st.compare)
    parts = []
    for mix in cmp.mixes:
        case = cmp.mix_case(mix)
        fixed = {k: v for k, v in spec.fixed.items() if k not in mix.params}
        case = case.with_params(fixed, origin=f"{spec.path} [fixed]") if fixed else case
        runs = evaluate(f"mix-{mix.id}", [{}], st.final_replicates, seed, base_case=case)
        j = judge(runs, np.zeros(len(runs), dtype=int), st.targets).drop(columns="candidate")
        j.insert(0, "mix", mix.id)
        j["meets"] = j["p_low"] >= st.probability
        parts.append(j)
    return pd.concat(parts, ignore_index=True)
