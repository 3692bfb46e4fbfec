"""``scensim optimise SPEC``: the cheapest lever mix meeting chosen targets with probability ≥ p."""

from __future__ import annotations

from pathlib import Path

from sim.cli.args import add_executor_args, add_path_flag, executor_args, input_path

HELP = """Search the levers a crossed experiment spec varies for the cheapest mix (mean total public
spending) whose probability of meeting the chosen targets, over the spec's scenarios of the
uncertainties, is at least p on the Wilson 95 % lower bound ([optimise] in the spec). Optuna
ask-and-tell, batches run by the sweep engine (resumable); finalists and the hand-made mixes are
re-evaluated with many replicates. See docs/analysis.md."""


def register(sub) -> None:
    s = sub.add_parser("optimise", aliases=["optimize"], help="cheapest lever mix meeting targets with probability >= p",
                       description=HELP)
    s.add_argument("spec", help="crossed experiment spec with an [optimise] table, e.g. experiments/hunan_optimise.toml")
    add_executor_args(s, workers_default=None, what="runs")
    s.add_argument("--out", "-o", default=None, metavar="DIR", help="output folder (default results/<id>/optimise/)")
    s.add_argument("--lang", choices=("zh", "en"), default="en")
    s.add_argument("--no-figures", action="store_true")
    s.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    add_path_flag(s)
    s.set_defaults(handler=cmd_optimise)


def cmd_optimise(args) -> int:
    from rich.console import Console

    from sim.analysis.optimise import optimise, settings_of, sweep_evaluate
    from sim.base.files import code_version, write_into
    from sim.engine.sweep.spec import load_spec
    from sim.report.analysis_figures import factor_label, figure_files, pareto_front
    from sim.report.console import print_table, print_written, stdout_console
    from sim.report.escape import term

    workers, scheduler = executor_args(args)
    spec = load_spec(input_path(args.spec, "SPEC"), allow_outside=args.allow_outside_paths)
    st = settings_of(spec)
    out = Path(args.out) if args.out else Path("results") / spec.id / "optimise"
    err = Console(stderr=True)
    ev = sweep_evaluate(spec, out, workers=workers, scheduler=scheduler, console=err, progress=not args.quiet)
    res = optimise(spec, ev, st)
    con = stdout_console(170)
    L = args.lang
    from sim.report.i18n import pick

    what = ", ".join(pick("全部目标", "all targets", L) + (pick(f"（{x[4:]} 年）", f" in {x[4:]}", L) if x.startswith("all:") else "")
                     if x.startswith("all") else x for x in st.targets)
    con.print(pick(f"[bold]{term(spec.id)}[/]：P（{what}达标）≥ {st.probability}（Wilson 95% 下界）的最省组合；搜索中每个候选"
                   f" {ev.n_scenarios} 个情景 × {spec.replicates} 次重复，决选组合和人工组合 × {st.final_replicates}",
                   f"[bold]{term(spec.id)}[/]: cheapest mix with P({what} met) ≥ {st.probability} (Wilson 95 % lower bound), "
                   f"{ev.n_scenarios} scenario{'s' if ev.n_scenarios != 1 else ''} × {spec.replicates} "
                   f"replicate{'s' if spec.replicates != 1 else ''} per candidate in the search, "
                   f"× {st.final_replicates} for finalists and hand-made mixes", L), highlight=False)
    yes, no = pick("是", "yes", L), pick("否", "no", L)
    spend = pick("财政净支出（亿元）[95%]", "net fiscal spending (CNY 100 m) [95%]", L)

    def cny(x):
        return f"{x / 1e8:,.2f}"

    lev = res.levers
    head = [pick("试验", "trial", L), "P(met) [95%]", pick("搜索下界", "search low", L), spend, pick("达到", "meets", L)] \
        + [factor_label(n, L) for n in lev]
    rows = [[str(int(r["trial"])), f"{r['p_met']:.2f} [{r['p_low']:.2f}, {r['p_high']:.2f}]", f"{r['search_p_low']:.2f}",
             f"{cny(r['cost_cny'])} [{cny(r['cost_low'])}, {cny(r['cost_high'])}]", yes if r["meets"] else no]
            + [_v(r[n], L) for n in lev] for _, r in res.finals.iterrows()]
    print_table(con, pick("决选组合（重新评估）", "Finalists re-evaluated", L), head, rows, left=0)
    if len(res.mixes):
        rows = [[r["mix"], f"{r['p_met']:.2f} [{r['p_low']:.2f}, {r['p_high']:.2f}]",
                 f"{cny(r['cost_cny'])} [{cny(r['cost_low'])}, {cny(r['cost_high'])}]", yes if r["meets"] else no]
                for _, r in res.mixes.iterrows()]
        print_table(con, pick("人工组合（相同情景和随机种子）", "Hand-made mixes, same scenarios and seeds", L),
                    [pick("组合", "mix", L), "P(met) [95%]", spend, pick("达到", "meets", L)], rows, left=1)
    con.print(verdict(res, L), highlight=False)
    files = {}
    if not args.no_figures:
        files = figure_files({"pareto_front": pareto_front(res.trials, res.finals, res.mixes, st.probability, args.lang,
                                                                   st.targets)})
    man = {"command": "optimise", "lang": args.lang, "experiment": spec.id, "spec_file": spec.path, "spec_sha256": spec.text_sha256, "settings": repr(st),
           "chosen": res.chosen, "verdict": verdict(res), "code_version": code_version()}
    write_into(out, res.tables(), files, man)  # beside the sweeps it ran (kept for resuming)
    print_written(con, out, args.lang)
    return 0


def verdict(res, lang: str = "en") -> str:
    """One sentence: the chosen mix against the cheapest hand-made mix meeting the same bound (in ``lang``;
    the manifest keeps the English)."""
    from sim.report.i18n import pick

    p, L = res.settings.probability, lang
    if res.chosen is None:
        return pick(f"未找到组合：在搜索空间中（{len(res.trials)} 个候选），没有决选组合重新评估后的 Wilson 下界达到 {p}。",
                    f"No mix found: no finalist's re-evaluated Wilson lower bound reached {p} in the searched space "
                    f"({len(res.trials)} candidates).", L)
    c = res.chosen
    cost, ci = f"{c['cost_cny'] / 1e8:,.2f}", f"P(met) {c['p_met']:.2f} [{c['p_low']:.2f}, {c['p_high']:.2f}]"
    s = pick(f"选定：试验 {int(c['trial'])}，平均财政净支出 {cost} 亿元，{ci}。",
             f"Chosen: trial {int(c['trial'])}, mean net fiscal spending {cost} (CNY 100 m), {ci}.", L)
    ok = res.mixes[res.mixes["meets"]] if len(res.mixes) else None
    if ok is not None and not len(ok):
        s += pick(f"没有人工组合达到下界 {p}。", f" No hand-made mix meets the bound {p}.", L)
    elif ok is not None:
        best = ok.sort_values("cost_cny").iloc[0]
        cheaper, other = c["cost_cny"] < best["cost_cny"], f"{best['cost_cny'] / 1e8:,.2f}"
        s += pick(f"其成本{'低于' if cheaper else '不低于'}达到下界的最省人工组合 {best['mix']}（{other} 亿元）。",
                  f" It is {'cheaper than' if cheaper else 'not cheaper than'} the cheapest hand-made mix meeting "
                  f"the bound, {best['mix']} ({other}).", L)
    return s


def _v(x, lang: str = "en") -> str:
    if isinstance(x, bool) or type(x).__name__ == "bool_":
        return ("开" if x else "关") if lang == "zh" else ("on" if x else "off")
    x = float(x)
    if abs(x) >= 1e5:
        return f"{x / 1e4:,.0f} 万" if lang == "zh" else f"{x / 1e6:,.1f} m"
    return f"{x:.3g}"
