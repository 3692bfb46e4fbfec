"""``scensim discover DIR``: scenario discovery (PRIM or CART, and feature scores) on a sweep folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.base.errors import InputError

HELP = """Scenario discovery on a finished sweep: where, in the levers and uncertainties it varied, all
targets are met (or, with --target, where that target fails). PRIM (EMA Workbench) prints the
coverage-density trade-off and the chosen box with quasi-p-values; --method cart uses a classification
tree; feature scores rank the parameters. Writes tables and figures into DIR/discover/. See
docs/analysis.md."""


def register(sub) -> None:
    s = sub.add_parser("discover", help="scenario discovery (PRIM/CART) on a sweep folder", description=HELP)
    s.add_argument("folder", metavar="DIR", help="a sweep's output folder, e.g. results/hunan_discovery")
    s.add_argument("--target", default=None, metavar="ID", help="find where this target fails (default: where "
                   "all targets are met)")
    s.add_argument("--period", default=None, metavar="YEAR", help="this year only (all targets met that year, or "
                   "with --target, the target fails that year)")
    s.add_argument("--method", choices=("prim", "cart"), default="prim")
    s.add_argument("--threshold", default="0.8", metavar="P", help="PRIM: density a box must reach (default 0.8)")
    s.add_argument("--seed", default="0", help="seed of the tree methods (default 0)")
    s.add_argument("--out", "-o", default=None, metavar="DIR", help="output folder (default DIR/discover/)")
    s.add_argument("--heatmap", default=None, metavar="A,B", help="the two parameters of the P(outcome) heatmap "
                   "(default: the two highest-scoring levers, or parameters if fewer than two levers vary)")
    s.add_argument("--lang", choices=("zh", "en"), default="en")
    s.add_argument("--no-figures", action="store_true")
    s.set_defaults(handler=cmd_discover)


def cmd_discover(args) -> int:
    from rich.console import Console

    from sim.analysis.discover import binned_probability, cart_boxes, case_table, feature_scores, prim_boxes
    from sim.analysis.outcomes import add_derived
    from sim.base.files import code_version, write_bundle
    from sim.cli.args import open_share, out_folder, seed_arg
    from sim.engine.sweep.store import read_manifest, read_runs
    from sim.report.analysis_figures import factor_label, figure_files, limits_text
    from sim.report.console import print_table, print_written, stdout_console
    from sim.report.escape import term
    from sim.report.i18n import pick

    L = args.lang

    threshold = open_share(args.threshold, "--threshold")
    seed = seed_arg(args.seed)
    folder = Path(args.folder)
    manifest = read_manifest(folder)
    out = out_folder(args.out, folder / "discover")  # checked before the work, not after it is printed
    runs = read_runs(folder)
    if len(runs) < 2:
        raise InputError(folder, None, "has fewer than 2 runs; run the sweep first (scensim sweep SPEC)")
    targets = manifest["targets"]
    runs = add_derived(runs, targets, where=folder / "manifest.json")
    factors = [f for f in manifest["varied"] if f != "dummy"]
    pair = None
    if args.heatmap:  # checked before the work too (and with --no-figures: the heatmap table is written)
        pair = [p.strip() for p in args.heatmap.split(",")]
        if len(pair) != 2 or any(p not in factors for p in pair):
            raise InputError(None, "--heatmap", f"expected two varied parameters A,B; varied: {', '.join(factors)}",
                             args.heatmap)
    x, y, y_name = case_table(runs, factors, args.target, args.period, targets)
    seeds = runs["seed"].nunique()
    err = Console(stderr=True)
    if manifest.get("design", {}).get("kind") == "oat":  # PRIM looks for boxes in a sampled space
        err.print("[yellow]note:[/] this sweep's design is one at a time (oat): its points lie on lines through the "
                  "case's values, not over the space, so boxes and the heatmap describe those lines only; a Latin "
                  "hypercube (design.kind = \"lhs\"), sobol or grid design is what discover is for",
                  highlight=False, soft_wrap=True)
    if seeds < len(runs):
        err.print(f"[yellow]note:[/] {len(runs)} runs share {seeds} seeds (common random numbers): the boxes describe "
                  "those draws only", highlight=False, soft_wrap=True)
    con = stdout_console(160)
    con.print(pick(f"[bold]{term(manifest['experiment'])}[/]：{len(runs)} 次运行，{len(factors)} 个参数；结果 {y_name}："
                   f"{int(y.sum())} 次运行（{y.mean():.0%}）",
                   f"[bold]{term(manifest['experiment'])}[/]: {len(runs)} run{'s' if len(runs) != 1 else ''}, "
                   f"{len(factors)} parameters; outcome {y_name}: {int(y.sum())} run{'s' if int(y.sum()) != 1 else ''} "
                   f"({y.mean():.0%})", L), highlight=False)
    if y.all() or not y.any():
        # Nothing separates runs with the outcome from runs without: a finding, not an input error.
        n, share = len(y), ("all" if y.all() else "none", "全部" if y.all() else "没有一次")
        con.print(f"没有可发现的区域：{n} 次运行中{share[1]}出现该结果；不写出区域、评分或图。请缩小问题：--period 年份"
                  "（只看一年而非每年）或 --target 目标（某个目标未达成的情形）。" if args.lang == "zh" else
                  f"Nothing to discover: the outcome holds in {share[0]} of the {n} runs; no box, score or figure is "
                  "written. Ask a narrower question: --period YEAR (one year instead of every year) or --target ID "
                  "(where one target fails).", highlight=False)
        return 0
    n_points, with_y = runs["point"].nunique(), runs.loc[np.asarray(y, bool), "point"].nunique()
    if n_points < len(runs):  # replicates: runs of one point share its parameters, so they are not separate cases
        err.print(f"[yellow]note:[/] the {int(y.sum())} runs with the outcome come from {with_y} of the {n_points} "
                  "design points (replicates of a point share its parameters); PRIM's quasi-p-values count runs as "
                  "independent cases, so they overstate the evidence for a box when few points hold the outcome: "
                  "read the box as where those points lie", highlight=False, soft_wrap=True)
    tables, figs = {}, {}
    scores = feature_scores(x, y, seed)
    tables["feature_scores"] = scores
    print_table(con, pick("特征重要性（极端随机树）", "Feature scores (extra trees)", L), [pick("参数", "parameter", L),
                                                                             pick("得分", "score", L)],
                [[factor_label(p, args.lang), f"{s:.3f}"] for p, s in scores.itertuples(index=False)], left=1)
    if args.method == "prim":
        res = prim_boxes(x, y, threshold=threshold)
        tables["prim_trajectory"] = res["trajectory"]
        tables["prim_box"] = res["limits"]
        st = res["stats"]
        rows = [[factor_label(r.parameter, args.lang), limits_text(r.parameter, r.min, r.max, args.lang),
                 limits_text(r.parameter, r.full_min, r.full_max, args.lang), _qp(r.qp_low), _qp(r.qp_high)]
                for r in res["limits"].itertuples(index=False)]  # exact limits: prim_box.csv
        print_table(con, pick(f"PRIM 区域 {res['chosen']}：覆盖率 {st['coverage']:.2f}，密度 {st['density']:.2f}，"
                              f"质量 {st['mass']:.2f}（阈值 {threshold}）",
                              f"PRIM box {res['chosen']}: coverage {st['coverage']:.2f}, density {st['density']:.2f}, "
                              f"mass {st['mass']:.2f} (threshold {threshold})", L),
                    [pick("参数", "parameter", L), pick("区域", "box", L), pick("扫描范围", "swept range", L),
                     "qp (min)", "qp (max)"], rows, left=3)
        if not len(res["limits"]):
            con.print(pick(f"PRIM 没有找到密度 ≥ {threshold} 的区域：该结果太少或太分散（{len(y)} 次运行中 {int(y.sum())} 次）；"
                           "整个扫描空间即区域 0。",
                           f"PRIM found no box with density ≥ {threshold}: the outcome is too rare or spread out "
                           f"({int(y.sum())} of {len(y)} runs); the whole swept space is box 0.", L), highlight=False)
        traj = res["trajectory"]
        show = traj.iloc[:: max(1, len(traj) // 12)]
        print_table(con, pick("剥离轨迹（每隔几个区域）", "Peeling trajectory (every few boxes)", L),
                    [pick("区域", "box", L), pick("覆盖率", "coverage", L), pick("密度", "density", L),
                     pick("质量", "mass", L), pick("受限维数", "restricted", L)],
                    [[str(int(r.id)), f"{r.coverage:.2f}", f"{r.density:.2f}", f"{r.mass:.2f}", str(int(r.res_dim))]
                     for r in show.itertuples(index=False)], left=0)
        if not args.no_figures:
            from sim.report.analysis_figures import box_limits, prim_tradeoff

            figs[f"prim_tradeoff_{y_name}"] = prim_tradeoff(traj, y_name, _case(manifest), args.lang)
            if len(res["limits"]):  # no box: nothing to draw (an empty frame before)
                figs[f"prim_box_{y_name}"] = box_limits(res["limits"], st, y_name, _case(manifest), args.lang)
    else:
        boxes = cart_boxes(x, y, seed=seed)
        tables["cart_leaves"] = boxes
        rows = [[str(r.leaf), f"{r.coverage:.2f}", f"{r.density:.2f}", f"{r.mass:.2f}", factor_label(r.parameter, args.lang),
                 limits_text(r.parameter, r.min, r.max, args.lang)]
                for r in boxes[boxes["predicts_outcome"]].itertuples(index=False)]  # exact limits: cart_leaves.csv
        print_table(con, pick("预测该结果的 CART 叶节点", "CART leaves that predict the outcome", L),
                    [pick("叶节点", "leaf", L), pick("覆盖率", "coverage", L), pick("密度", "density", L),
                     pick("质量", "mass", L), pick("参数", "parameter", L), pick("范围", "limits", L)], rows, left={4, 5})
    if len(scores) >= 2 and (pair or not args.no_figures):
        from sim.core.registry import REGISTRY
        from sim.report.analysis_figures import heatmap

        if pair:
            a, b = pair
        else:
            ranked = list(scores["parameter"])
            levers = [p for p in ranked if p in REGISTRY and REGISTRY[p].kind == "lever"]
            a, b = (levers if len(levers) >= 2 else ranked)[:2]
        binned = binned_probability(x, y, a, b)
        tables["heatmap"] = binned
        if not args.no_figures:
            figs[f"heatmap_{y_name}"] = heatmap(binned, y_name, _case(manifest), args.lang)
    man = {"command": "discover", "lang": args.lang, "sweep": str(folder), "experiment": manifest["experiment"], "outcome": y_name, "method": args.method,
           "threshold": threshold, "seed": seed, "runs": len(runs), "code_version": code_version()}
    write_bundle(out, tables, figure_files(figs), man)
    print_written(con, out, args.lang)
    return 0


def _qp(v) -> str:
    import math

    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2g}"


def _case(manifest):
    """The sweep's case, for target labels (None if its file moved)."""
    from sim.core.case import load_case

    path = manifest.get("region_case_file") or manifest.get("case_file")  # a national sweep: its region's
    try:
        return load_case(path) if path else None
    except InputError:
        return None
