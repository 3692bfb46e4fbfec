"""``scensim sensitivity SPEC``: Morris screening, Sobol indices and one-at-a-time effects of a sweep spec.

The runs go through the sweep engine (``results/<id>/sensitivity/{morris,sobol,oat}/``, resumable,
local workers or ``--scheduler``); the tables and figures are written next to them.
"""

from __future__ import annotations

from pathlib import Path

from sim.cli.args import add_executor_args, add_path_flag, executor_args, input_path

HELP = """Global sensitivity analysis of an experiment spec whose design is sobol (or morris): Morris
screening ([sensitivity] morris), Sobol first-order and total indices with bootstrap intervals at base
N/2 and N, one-at-a-time effects ([sensitivity] oat = true), the share of variance that is the model's
own noise. Runs go through the sweep engine (resumable). See docs/analysis.md."""

STAGES = ("morris", "sobol", "oat")


def register(sub) -> None:
    s = sub.add_parser("sensitivity", help="Morris and Sobol sensitivity of an experiment spec", description=HELP)
    s.add_argument("spec", help="experiment spec with design.kind = \"sobol\" or \"morris\", e.g. "
                   "experiments/hunan_sensitivity_quick.toml")
    add_executor_args(s, workers_default=None, what="runs")
    s.add_argument("--out", "-o", default=None, metavar="DIR", help="output folder (default results/<id>/sensitivity/)")
    s.add_argument("--stage", action="append", choices=STAGES, default=None,
                   help="run only this stage (repeatable; default: every stage the spec asks for)")
    s.add_argument("--lang", choices=("zh", "en"), default="en")
    s.add_argument("--no-figures", action="store_true")
    s.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_path_flag(s)
    s.set_defaults(handler=cmd_sensitivity)


def cmd_sensitivity(args) -> int:
    from rich.console import Console

    from sim.analysis.sensitivity import run_sensitivity, settings_of, sweep_evaluator
    from sim.base.files import code_version, write_into
    from sim.engine.sweep.spec import load_spec
    from sim.report.console import print_written, stdout_console

    workers, scheduler = executor_args(args)
    spec = load_spec(input_path(args.spec, "SPEC"), allow_outside=args.allow_outside_paths)
    st = settings_of(spec)
    out = Path(args.out) if args.out else Path("results") / spec.id / "sensitivity"
    err = Console(stderr=True)
    ev = sweep_evaluator(spec, out, workers=workers, scheduler=scheduler, console=err, progress=not args.quiet)
    res = run_sensitivity(spec, ev, stages=tuple(args.stage or STAGES))
    con = stdout_console(160)
    for n in res.notes:
        err.print(f"[yellow]note:[/] {n}", highlight=False, soft_wrap=True)
    print_results(con, res, spec, st, args.lang)
    files = {}
    if not args.no_figures:
        files = figures(res, spec, st, args.lang)
    man = {"command": "sensitivity", "lang": args.lang, "experiment": spec.id, "spec_file": spec.path, "spec_sha256": spec.text_sha256,
           "identity_sha256": spec.identity_sha256(), "settings": repr(st), "stages": sorted(res.runs),
           "runs": {k: len(v) for k, v in res.runs.items()}, "code_version": code_version()}
    write_into(out, res.tables(), files, man)  # beside the sweeps it ran (kept for resuming)
    print_written(con, out, args.lang)
    return 0


def figures(res, spec, st, lang) -> dict:
    from sim.report.analysis_figures import figure_files, morris_scatter, sobol_bars, tornado

    figs = {}
    for o in st.figures:
        stem = o.replace(".", "_")
        if res.morris is not None and (res.morris["outcome"] == o).any():
            figs[f"morris_{stem}"] = morris_scatter(res.morris, o, spec.case, lang)
        if res.sobol is not None and (res.sobol["outcome"] == o).any():
            figs[f"sobol_{stem}"] = sobol_bars(res.sobol, o, spec.case, lang)
        if res.oat is not None and (res.oat["outcome"] == o).any():
            figs[f"tornado_{stem}"] = tornado(res.oat, o, spec.case, lang)
    return figure_files(figs)


def print_results(con, res, spec, st, lang) -> None:
    from rich.table import Table

    from sim.analysis.sensitivity import convergence
    from sim.report.analysis_figures import factor_label, outcome_label, scale_of
    from sim.report.i18n import pick

    noise = res.noise.set_index("outcome") if res.noise is not None else None
    for o in st.figures:
        title = outcome_label(o, spec.case, lang)
        if noise is not None and o in noise.index:
            r = noise.loc[o]
            title += pick(f" — 噪声：占各次运行方差的 {r['noise_share']:.0%}，占 {int(r['replicates'])} 次重复均值方差的 "
                          f"{r['noise_in_mean']:.0%}",
                          f" — noise: {r['noise_share']:.0%} of the variance over runs, {r['noise_in_mean']:.0%} of the "
                          f"variance of the {int(r['replicates'])}-replicate means", lang)
            n10 = r["replicates_for_10pct"]
            if n10 == n10 and r["noise_in_mean"] > 0.10:  # not NaN, and not already below 10 %
                title += pick(f"（约 {int(n10)} 次重复可降到 10%）",
                              f" (about {int(n10)} replicate{'s' if int(n10) != 1 else ''} would bring it to 10 %)", lang)
        if res.sobol is not None and (res.sobol["outcome"] == o).any():
            d = res.sobol[res.sobol["outcome"] == o]
            ns = sorted(d["n_base"].unique())
            tab = Table(title="Sobol " + title, title_justify="left")
            tab.add_column(pick("因素", "factor", lang))
            for n in ns:
                tab.add_column(f"S1 (N={n})", justify="right")
                tab.add_column(f"ST (N={n})", justify="right")
            full = d[d["n_base"] == ns[-1]].sort_values("ST", ascending=False)
            for f in full["factor"]:
                cells = [factor_label(f, lang)]
                for n in ns:
                    r = d[(d["n_base"] == n) & (d["factor"] == f)].iloc[0]
                    cells += [f"{r['S1']:.2f} ±{r['S1_conf']:.2f}", f"{r['ST']:.2f} ±{r['ST_conf']:.2f}"]
                tab.add_row(*cells)
            con.print(tab)
        if res.morris is not None and (res.morris["outcome"] == o).any():
            d = res.morris[res.morris["outcome"] == o].sort_values("mu_star", ascending=False)
            tab = Table(title="Morris " + title, title_justify="left")
            for i, c in enumerate((pick("因素", "factor", lang), "μ*", "±", "μ", "σ")):
                tab.add_column(c, justify="left" if i == 0 else "right")
            k = scale_of(o)  # the title gives cost in CNY 100 m (亿元), as the figures draw it
            for _, r in d.iterrows():
                tab.add_row(factor_label(r["factor"], lang), f"{r['mu_star'] / k:.3g}", f"{r['mu_star_conf'] / k:.2g}",
                            f"{r['mu'] / k:.3g}", f"{r['sigma'] / k:.3g}")
            con.print(tab)
        if res.oat is not None and (res.oat["outcome"] == o).any():  # the tornado's numbers
            d = res.oat[res.oat["outcome"] == o].copy()
            k = scale_of(o)
            d["lo"], d["hi"] = (d["low"] - d["base"]) / k, (d["high"] - d["base"]) / k
            d = d.assign(swing=(d["hi"] - d["lo"]).abs()).sort_values("swing", ascending=False)
            v = f"{float(d['base'].iloc[0]) / k:.3g}"
            tab = Table(title=pick("单因素 ", "One at a time: ", lang) + title
                        + pick(f"（相对基准值 {v} 的变化）", f" (change from the case's value, {v})", lang), title_justify="left")
            for i, c in enumerate((pick("因素", "factor", lang), pick("取下端", "at its low end", lang),
                                   pick("取上端", "at its high end", lang), "± 2 SE")):
                tab.add_column(c, justify="left" if i == 0 else "right")
            for _, r in d.iterrows():
                se = 2 * max(r["low_se"], r["high_se"]) / k
                tab.add_row(factor_label(r["factor"], lang), f"{r['lo']:+.3g}", f"{r['hi']:+.3g}", f"{se:.2g}")
            con.print(tab)
    conv = convergence(res.sobol)
    if len(conv):
        tab = Table(title=pick("收敛性：基数 N/2 与 N 的 Sobol 指数", "Convergence: Sobol indices at base N/2 against N", lang),
                    title_justify="left")
        for i, c in enumerate((pick("结果", "outcome", lang), "N/2", "N", "max |ΔS1|", "max |ΔST|", "Spearman ST",
                               pick("前三相同", "top 3 same", lang), "max ST ±")):
            tab.add_column(c, justify="left" if i == 0 else "right")
        for _, r in conv.iterrows():
            tab.add_row(outcome_label(r["outcome"], spec.case, lang), str(r["n_half"]), str(r["n"]),
                        f"{r['max_change_S1']:.2f}", f"{r['max_change_ST']:.2f}", f"{r['spearman_ST']:.2f}",
                        pick("是", "yes", lang) if r["top3_same"] else pick("否", "no", lang), f"{r['max_ST_conf']:.2f}")
        con.print(tab)
