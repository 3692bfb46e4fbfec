"""``scensim calibrate SPEC``: fit a case's uncertain parameters to the pattern set by ABC-SMC."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from sim.base.files import code_version, file_sha256, folder_lock, write_bundle
from sim.cli.args import add_executor_args, add_path_flag, executor_args, input_path, out_folder, positive_int
from sim.report.console import print_table, stdout_console
from sim.report.escape import term


def _predictive(context, item):
    """One posterior-predictive run: a particle's values, its own seed; every observable."""
    from sim.core.model import ScenarioMarket
    from sim.core.observables import measure

    case, values, seed = context, item[0], item[1]
    return measure(ScenarioMarket(case.with_params(values, origin="posterior particle"), seed=seed).run())


def cmd_calibrate(args) -> int:
    from sim.analysis.calibrate import load_spec

    workers, scheduler = executor_args(args)
    n_predictive = positive_int("--predictive", 10_000)(args.predictive)  # checked before an hour of fitting
    spec = load_spec(input_path(args.spec, "SPEC"), allow_outside=args.allow_outside_paths)
    out = out_folder(args.out, Path("results") / spec.id)
    work = out.parent / f".{out.name}.calibrating"  # pyabc's history database while fitting
    lock = folder_lock(work, ".lock", "another scensim calibrate", can_wait=False)  # one line if one runs:
    lock.__enter__()  # two calibrations into one folder: the second used to delete the first's database
    try:
        return _calibrate(args, spec, out, work, workers, scheduler, n_predictive)
    finally:  # finished, failed or interrupted: the database is not resumable, leave nothing behind
        lock.__exit__(None, None, None)
        shutil.rmtree(work, ignore_errors=True)


def _calibrate(args, spec, out, work, workers, scheduler, n_predictive) -> int:
    from sim.analysis.calibrate import calibrate, case_variant_toml, marginals
    from sim.analysis.patterns import evaluate
    from sim.base.rng import run_seed
    from sim.core.registry import REGISTRY
    from sim.engine.executor import Executor
    from sim.report.calibration_figures import marginals_figure, pairs_figure
    from sim.report.figures import figure_writers
    from sim.report.i18n import pick
    from sim.report.validation_tables import markdown, validation_rows

    db = work / "abc.sqlite"
    if db.exists():  # left by an older version's unfinished calibration: start again (history is per run)
        db.unlink()
    con = stdout_console(200)
    if not args.quiet:
        con.print(pick(f"校准 {spec.id}：{len(spec.priors)} 个参数，{len(spec.patterns)} 个拟合模式，"
                       f"每代 {spec.population} 个粒子，{spec.generations} 代",
                       f"calibrating {spec.id}: {len(spec.priors)} parameters, {len(spec.patterns)} fitted "
                       f"patterns, {spec.population} particles × {spec.generations} generations", args.lang),
                  highlight=False)
    with Executor(workers or 1, scheduler) as ex:
        post, history = calibrate(spec, ex, db)
    marg = marginals(post, spec)
    # posterior predictive: particles drawn by weight, one run each, every observable
    k = min(len(post), n_predictive)
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 7]))
    pick_i = rng.choice(len(post), size=k, replace=True, p=post["weight"] / post["weight"].sum())
    items = []
    for j, i in enumerate(pick_i):
        vals = {n: (int(round(post.at[i, n])) if REGISTRY.params[n].dtype is int else float(post.at[i, n]))
                for n in spec.priors}
        items.append((vals, run_seed(spec.seed, j)))
    with Executor(min(workers or 1, k), scheduler, context=spec.case) as ex:
        pred = pd.DataFrame(ex.map(_predictive, items))
    pred.columns = [f"obs.{c}" for c in pred.columns]
    fit = evaluate(spec.patterns + spec.held_back, pred)
    gens = history.get_all_populations()
    head = [pick("参数", "parameter", args.lang), pick("先验区间", "prior range", args.lang),
            pick("案例原值", "case value", args.lang), pick("后验中位数", "posterior median", args.lang),
            pick("90% 可信区间", "90 % credible interval", args.lang), pick("收缩", "shrinkage", args.lang)]
    rows = [[r.parameter, f"{r.prior_low:.4g}–{r.prior_high:.4g}", f"{float(r.case_value):.4g}",
             f"{r.posterior_median:.4g}", f"{r.posterior_q05:.4g}–{r.posterior_q95:.4g}", f"{r.shrinkage:.2f}"]
            for r in marg.itertuples(index=False)]
    print_table(con, pick(f"{spec.id}：后验", f"{spec.id}: posterior", args.lang), head, rows, left=1)
    fh, fr = validation_rows(fit, args.lang)
    print_table(con, pick("后验预测与公开数据（拟合 = 用于校准；检验 = 留作样本外检验）",
                          "Posterior predictive against the patterns (fit = used; check = held back, out of sample)",
                          args.lang), fh, fr, left={0, 1, 6, 7, 8})
    try:
        base_rel = os.path.relpath(spec.case.path, out.resolve())
    except ValueError:
        base_rel = spec.case.path
    variant = case_variant_toml(spec, marg, base_rel)
    sims = int(gens["samples"].sum()) if "samples" in gens else None
    man = {"command": "calibrate", "lang": args.lang, "spec": spec.id, "spec_file": spec.path,
           "spec_sha256": file_sha256(spec.path), "case": spec.case.id, "case_file": spec.case.path,
           "seed": spec.seed, "population": spec.population, "generations": int(len(gens) - 1),
           "simulations": sims, "fitted_patterns": [p.id for p in spec.patterns],
           "held_back_patterns": [p.id for p in spec.held_back], "code_version": code_version()}
    files = {"case_calibrated.toml": variant, "fit.md": markdown(fit, args.lang),
             "abc.sqlite": db.read_bytes(), "generations.json": json.dumps(
                 gens.reset_index(drop=True).astype(str).to_dict(orient="records"), indent=2)}
    files.update(figure_writers({"posterior_marginals": marginals_figure(post, marg, args.lang),
                                 "posterior_pairs": pairs_figure(post, list(spec.priors), args.lang)}))
    write_bundle(out, {"posterior": post, "marginals": marg, "fit": fit, "predictive": pred}, files, man, csv=True)
    con.print(f"{pick('已写入', 'written', args.lang)} {term(out)}/", highlight=False)
    return 0


def register(sub) -> None:
    p = sub.add_parser("calibrate", help="fit uncertain parameters to the pattern set (ABC-SMC)",
                       description="Fit a case's uncertain parameters to the 'fit' patterns of the pattern set by "
                       "approximate Bayesian computation (ABC-SMC, pyabc), simulations through the project's "
                       "executor; write the posterior, its marginals and pairwise plots, the fit of every pattern "
                       "(held-back ones as out-of-sample checks) and a calibrated case variant.")
    p.add_argument("spec", help="calibration spec (e.g. experiments/hunan_calibrate.toml)")
    p.add_argument("--predictive", default="40",
                   help="posterior-predictive runs for the fit table (default 40)")
    add_executor_args(p, what="simulations")
    p.add_argument("--out", "-o", default=None, help="output folder (default results/<spec id>/)")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of tables and figures")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress line")
    add_path_flag(p)
    p.set_defaults(handler=cmd_calibrate)
