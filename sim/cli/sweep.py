"""``scensim sweep`` and ``scensim summarize``: registered in ``sim.cli.main._extensions``."""

from __future__ import annotations

from sim.base.errors import InputError, printable
from sim.report.escape import term
from sim.cli.args import add_path_flag, input_path, out_folder, positive_int

SWEEP_HELP = """Run the sweep an experiment spec describes (experiments/*.toml): every design point × replicate,
on local worker processes or a Dask cluster, written as Parquet chunks as runs finish. Running the
same command again resumes: finished runs are reused, the rest computed. See docs/sweeps.md."""


MAX_FACTOR_COLUMNS = 4  # more varied parameters than this: the printed tables show point numbers only


def register(sub) -> None:
    s = sub.add_parser("sweep", help="run (or resume) an experiment spec's sweep", description=SWEEP_HELP)
    s.add_argument("spec", help="experiment spec, e.g. experiments/voucher_sweep.toml")
    s.add_argument("--workers", "-w", default=None, metavar="N",
                   help="local worker processes (default: all cores; 1 runs in this process)")
    s.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786 (instead of local workers)")
    s.add_argument("--out", "-o", default=None, metavar="DIR", help="output folder (default results/<experiment id>/)")
    s.add_argument("--chunk-runs", default=None, metavar="N",
                   help="runs per Parquet chunk (default 500; finished runs are also written every 5 s)")
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
    m.set_defaults(handler=cmd_summarize)


def cmd_sweep(args) -> int:
    from rich.console import Console

    from sim.engine.sweep.execute import DEFAULT_CHUNK_RUNS, run_sweep
    from sim.engine.sweep.spec import load_spec

    workers = positive_int("--workers")(args.workers) if args.workers is not None else None
    chunk_runs = positive_int("--chunk-runs")(args.chunk_runs) if args.chunk_runs is not None else DEFAULT_CHUNK_RUNS
    if args.scheduler is not None and workers is not None:
        raise InputError(None, "--workers", "the Dask cluster's workers run the sweep; give --workers or "
                         "--scheduler, not both", workers)
    spec = load_spec(input_path(args.spec, "SPEC"), allow_outside=args.allow_outside_paths)
    from sim.engine.sweep.execute import default_out

    out = out_folder(args.out, default_out(spec), replaced=False)
    err = Console(stderr=True)
    report = run_sweep(spec, out=out, workers=workers, scheduler=args.scheduler,
                       progress=not args.quiet, chunk_runs=chunk_runs, console=err, wait=args.wait)
    print(printable(f"{spec.id}: {report}"))
    return 0


def cmd_summarize(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from sim.analysis.sweep_summary import summarize_folder

    by = args.by
    summary, manifest, notes = summarize_folder(input_path(args.folder, "DIR"), write=not args.no_write, by=by)
    err = Console(stderr=True)
    for n in notes:
        err.print(f"[yellow]note:[/] {term(n)}", highlight=False, soft_wrap=True)
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
    unit = "design points" if by == "point" else "policies"
    con.print(f"[bold]{term(manifest['experiment'])}[/] — {n_points} {unit}, runs per {by}: "
              f"{int(summary['replicates'].min())}–{int(summary['replicates'].max())}; P(met) [Wilson 95 % interval]",
              highlight=False)
    if not shown:
        con.print(f"{len(factors)} varied parameters: their values at each point are in {term(args.folder)}/design.parquet "
                  "and in the summary files", highlight=False)
    for tid, tg in targets.groupby("target", sort=False):
        tab = Table(title=f"target {term(tid)}", title_justify="left")
        tab.add_column(by, justify="right")
        for f in shown:
            tab.add_column(f, justify="right")
        periods = list(dict.fromkeys(tg["period"]))
        thresholds = tg.drop_duplicates("period").set_index("period")["threshold"]
        for per in periods:
            tab.add_column(f"{per} (≥{_num(thresholds[per])})", justify="right", no_wrap=True)
        for point, rows in tg.groupby(by, sort=True):
            cells = [str(point)] + [_num(rows[f].iloc[0]) for f in shown]
            per_period = rows.set_index("period")
            for per in periods:
                r = per_period.loc[per]
                cells.append(f"{r['p_met']:.2f} [{r['p_low']:.2f}, {r['p_high']:.2f}]")
            tab.add_row(*cells)
        con.print(tab)
    if not args.no_write:
        stem = "summary" if by == "point" else f"summary_by_{by}"
        con.print(f"written {term(args.folder)}/{stem}.parquet and {stem}.csv", highlight=False)
    return 0


def _num(x) -> str:
    """A parameter value or threshold for people: switches as true/false, large numbers with
    thousands separators, others to 4 significant digits."""
    import numpy as np

    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    x = float(x)
    if abs(x) >= 1e5:
        return f"{x:,.0f}"
    return f"{x:.4g}"

