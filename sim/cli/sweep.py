"""``scensim sweep`` and ``scensim summarize``: registered in ``sim.cli.main._extensions``."""

from __future__ import annotations

import contextlib
import signal

from sim.base.errors import InputError, in_lang, printable
from sim.base.numbers import value
import sim.cli.interrupt as interrupt
from sim.cli.args import add_executor_args, add_path_flag, executor_args, input_path, out_folder, positive_int
from sim.report.escape import term

SWEEP_HELP = """Run the sweep an experiment spec describes (experiments/*.toml): every design point × replicate,
on local worker processes or a Dask cluster, written as Parquet chunks as runs finish. Running the
same command again resumes: finished runs are reused, the rest computed. See docs/sweeps.md."""


MAX_FACTOR_COLUMNS = 4  # more varied parameters than this: the printed tables show point numbers only


def register(sub) -> None:
    s = sub.add_parser("sweep", help="run (or resume) an experiment spec's sweep", description=SWEEP_HELP)
    s.add_argument("spec", help="experiment spec, e.g. experiments/voucher_sweep.toml")
    add_executor_args(s, workers_default=None, what="sweep's runs")
    s.add_argument("--out", "-o", default=None, metavar="DIR", help="output folder (default results/<experiment id>/)")
    s.add_argument("--chunk-runs", default=None, metavar="N",
                   help="runs per Parquet chunk (default 500; finished runs are also written every 5 s)")
    s.add_argument("--lang", choices=("zh", "en"), default="en",
                   help="language of every line the command prints: the progress bar, notes, the summary line, "
                   "the runs kept when it is interrupted or stopped, and its errors (a bad spec or argument is "
                   "described in English)")
    s.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    s.add_argument("--wait", action="store_true",
                   help="if another process is running a sweep into the same folder, wait for it to finish "
                   "(default: refuse)")
    add_path_flag(s)
    s.set_defaults(handler=cmd_sweep)

    m = sub.add_parser("summarize", help="summarize a sweep: P(target met) per design point",
                       description="Print and write (summary.parquet, summary.csv in DIR), per design point, the "
                       "probability each target is met with a Wilson 95 % interval and quantiles of every outcome.")
    m.add_argument("folder", metavar="DIR", help="a sweep's output folder, e.g. results/voucher_sweep")
    m.add_argument("--target", default=None, metavar="ID", help="print only this target")
    m.add_argument("--by", choices=("point", "policy"), default="point",
                   help="point (default), or policy for a crossed design: every scenario and replicate of a "
                   "policy pooled (writes summary_by_policy.parquet/.csv)")
    m.add_argument("--no-write", action="store_true", help="print only; write no summary files")
    m.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the printed tables")
    m.set_defaults(handler=cmd_summarize)


def cmd_sweep(args) -> int:
    from rich.console import Console

    from sim.engine.sweep.execute import DEFAULT_CHUNK_RUNS, run_sweep
    from sim.engine.sweep.spec import load_spec

    workers, scheduler = executor_args(args)
    chunk_runs = positive_int("--chunk-runs")(args.chunk_runs) if args.chunk_runs is not None else DEFAULT_CHUNK_RUNS
    spec = load_spec(input_path(args.spec, "SPEC"), allow_outside=args.allow_outside_paths)
    from sim.engine.sweep.execute import default_out

    out = out_folder(args.out, default_out(spec), replaced=False)
    err = Console(stderr=True)
    interrupt.check()  # a Ctrl-C while the modules above were imported, if it was lost on the way
    with _sigterm_as_ctrl_c():
        report = run_sweep(spec, out=out, workers=workers, scheduler=scheduler,
                           progress=not args.quiet, chunk_runs=chunk_runs, console=err, wait=args.wait,
                           lang=args.lang)
    from sim.report.i18n import t

    rate = t("sweep_rate", args.lang).format(r=report.computed / report.seconds) \
        if report.computed and report.seconds > 0 else ""
    print(printable(t("sweep_done", args.lang).format(id=spec.id, total=report.total, reused=report.reused,
                                                      computed=report.computed, seconds=report.seconds, rate=rate,
                                                      out=report.out)))
    return 0


@contextlib.contextmanager
def _sigterm_as_ctrl_c():
    """SIGTERM (``kill PID``, ``timeout``, a batch scheduler ending a job, ``docker stop``) stops the
    sweep as Ctrl-C does: finished runs written, how many are kept said, exit status 130."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_summarize(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from sim.analysis.sweep_summary import summarize_folder, write_summary
    from sim.report.i18n import t

    lang = args.lang
    by = args.by
    folder = input_path(args.folder, "DIR")
    summary, manifest, notes = summarize_folder(folder, write=False, by=by)  # written after the tables
    err = Console(stderr=True)
    for n in notes:
        err.print(f"[yellow]{t('sum_note', lang)}[/] {term(in_lang(n, lang))}", highlight=False, soft_wrap=True)
    probe = Console()
    con = Console(width=probe.width if probe.is_terminal else 160)
    factors = [c for c in summary.columns[1:summary.columns.get_loc("outcome")]]
    shown = factors if len(factors) <= MAX_FACTOR_COLUMNS else []
    targets = summary[summary["target"].notna()]
    if args.target is not None:
        known = list(dict.fromkeys(targets["target"]))
        if args.target not in known:
            raise InputError(None, "--target", f"not a target of this sweep; one of {', '.join(known)}", args.target)
        targets = targets[targets["target"] == args.target]
    n_points = summary[by].nunique()
    unit = t("sum_points" if by == "point" else "sum_policies", lang)
    con.print(t("sum_title", lang).format(exp=f"[bold]{term(manifest['experiment'])}[/]", n=n_points, unit=unit,
                                          by=unit if lang == "zh" else by, lo=int(summary['replicates'].min()),
                                          hi=int(summary['replicates'].max())), highlight=False)
    if not shown:
        con.print(t("sum_many", lang).format(n=len(factors), folder=term(args.folder)), highlight=False)
    from sim.report.sections_more import target_names

    names = target_names(manifest, lang)  # the case's wording (ids alone if its file is gone)
    for tid, tg in targets.groupby("target", sort=False):
        title = (t("sum_target", lang).format(id=term(tid), name=term(names[tid])) if tid in names
                 else t("sum_target_id", lang).format(id=term(tid)))
        tab = Table(title=title, title_justify="left")
        tab.add_column(t("sum_point_col" if by == "point" else "sum_policy_col", lang), justify="right")
        for f in shown:
            tab.add_column(f, justify="right", overflow="fold")  # a long name (regions.<id>.…) whole, over lines
        periods = list(dict.fromkeys(tg["period"]))
        thresholds = tg.drop_duplicates("period").set_index("period")["threshold"]
        for per in periods:
            tab.add_column(f"{per} (≥{value(thresholds[per])})", justify="right", no_wrap=True)
        for point, rows in tg.groupby(by, sort=True):
            cells = [str(point)] + [value(rows[f].iloc[0]) for f in shown]
            per_period = rows.set_index("period")
            for per in periods:
                r = per_period.loc[per]
                cells.append(f"{r['p_met']:.2f} [{r['p_low']:.2f}, {r['p_high']:.2f}]")
            tab.add_row(*cells)
        con.print(tab)
    if args.target is None:
        _print_joint(con, args.folder, manifest, by, summary, lang)
    if not args.no_write:
        write_summary(folder, summary, by)
        stem = "summary" if by == "point" else f"summary_by_{by}"
        con.print(t("sum_written", lang).format(folder=term(args.folder), stem=stem), highlight=False)
    return 0


def _print_joint(con, folder, manifest, by, summary, lang: str = "en") -> None:
    """P(all targets met together) per point (or policy), per year and over the horizon."""
    from rich.table import Table

    from sim.analysis.sweep_summary import joint_by_point
    from sim.engine.sweep.store import read_runs
    from sim.report.i18n import t

    runs = read_runs(folder)
    if by == "policy":
        import pandas as pd

        design = pd.read_parquet(f"{folder}/design.parquet", columns=["point", "policy"])
        runs = runs.merge(design, on="point", how="left", validate="many_to_one")
    joint = joint_by_point(runs, manifest, by)
    if not len(joint):
        return
    tab = Table(title=t("sum_joint", lang), title_justify="left")
    tab.add_column(t("sum_point_col" if by == "point" else "sum_policy_col", lang), justify="right")
    periods = list(dict.fromkeys(joint["period"]))
    for per in periods:
        tab.add_column(t("sum_all_years", lang) if per == "all" else per, justify="right", no_wrap=True)
    for point, rows in joint.groupby(by, sort=True):
        r = rows.set_index("period")
        tab.add_row(str(point), *[f"{r.at[p, 'p_met']:.2f} [{r.at[p, 'p_low']:.2f}, {r.at[p, 'p_high']:.2f}]"
                                  for p in periods])
    con.print(tab)
