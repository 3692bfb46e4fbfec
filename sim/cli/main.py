"""The ``scensim`` command: the parser, ``run`` and ``params``; other commands register themselves
from their own modules (:func:`_extensions`)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from sim.base.errors import EnvironmentFailure, InputError, os_reason, printable
import sim.cli.interrupt as interrupt
from sim.cli.args import (DEFAULT_CASE, Parser, add_executor_args, add_path_flag, default_case, executor_args,
                          input_path, out_folder, positive_int, seed_arg)
from sim.report.console import print_report_written, print_table, print_written, stdout_console
from sim.report.i18n import t


class _Version(argparse.Action):
    """``--version``: the version that results' manifests record (looked up only when asked: it runs git)."""

    def __init__(self, option_strings, dest, **kw):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=kw.get("help"))

    def __call__(self, parser, namespace, values, option_string=None):
        from sim.base.files import code_version

        print(f"scensim {code_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="scensim", description="Simulate scenario-market policy: openers, suppliers and levers "
                "against a province's targets (场景创新政策仿真).")
    p.add_argument("--version", action=_Version, help="print the version (with the git commit in a checkout) and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    r = sub.add_parser("run", help="run a case and print its target table",
                       description="Run replicates of a case; print the target table and write tables, "
                       "figures and a report.")
    r.add_argument("case", nargs="?", default=None, help=f"case file (default: {DEFAULT_CASE})")
    r.add_argument("--seed", type=str, default="0", help="seed of the run; replicate seeds derive from it (default 0)")
    r.add_argument("--replicates", "-r", type=str, default="1", help="number of replicates (default 1)")
    r.add_argument("--out", "-o", default=None, help="output folder (default results/<case id>/)")
    r.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the printed table, figures and report")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                   help="override a parameter, e.g. --set vouchers.share=0.6 (repeatable); for a national case "
                   "its cross-region flows, e.g. --set flows.spillover=0.3, or a region's parameter, e.g. "
                   "--set regions.hubei.vouchers.share=0.6")
    r.add_argument("--csv", action="store_true", help="also write the large per-replicate tables (series, scenarios, "
                   "fiscal_ledger) as CSV; by default they are Parquet only (the other tables are both)")
    r.add_argument("--no-figures", action="store_true", help="skip figures (and the report)")
    r.add_argument("--no-report", action="store_true", help="skip report.html and report.pdf")
    r.add_argument("--no-write", action="store_true", help="print the table only; write nothing")
    r.add_argument("--uncertainty", choices=("none", "prior"), default="none",
                   help="none (default): uncertain parameters at the case's values, so P(met) is the model's own "
                   "chance; prior: each replicate draws them uniformly from their ranges, so P(met) includes what "
                   "is not known")
    r.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_executor_args(r, what="replicates")
    add_path_flag(r)

    for register in _extensions():
        register(sub)

    ps = sub.add_parser("params", help="list the parameters of a case",
                        description="List every parameter: kind, value, unit, range and source.")
    ps.add_argument("case", nargs="?", default=None, help=f"case file (default: {DEFAULT_CASE})")
    ps.add_argument("--markdown", action="store_true", help="print docs/parameters.md")
    ps.add_argument("--kind", choices=("lever", "uncertainty"), default=None)
    ps.add_argument("--region", default=None, metavar="ID",
                    help="for a national case: list this region's parameters (named regions.ID.<parameter>, as a "
                    "sweep of the national case names them); without it, the flows and the regions")
    ps.add_argument("--lang", choices=("zh", "en"), default="en",
                    help="language of the printed table's headers and labels (--markdown is English: docs/parameters.md)")
    add_path_flag(ps)
    return p


def _extensions():
    """Other modules' subcommands: each ``register(subparsers)`` adds parsers and sets ``handler``
    (a function taking the parsed args and returning an exit status) with ``set_defaults``."""
    from sim.cli.app import register as app
    from sim.cli.calibrate import register as calibrate
    from sim.cli.compare import register as compare
    from sim.cli.lottery import register as lottery
    from sim.cli.discover import register as discover
    from sim.cli.effects import register as effects
    from sim.cli.optimise import register as optimise
    from sim.cli.report import register as report
    from sim.cli.sensitivity import register as sensitivity
    from sim.cli.sweep import register as sweep
    from sim.cli.validate import register as validate

    return [compare, lottery, effects, sweep, sensitivity, discover, optimise, report, app, validate, calibrate]


def cmd_run(args) -> int:
    from sim.core.case import load_case, parse_assignment
    from sim.report.console import progress

    seed = seed_arg(args.seed)
    replicates = positive_int("--replicates")(args.replicates)
    workers, scheduler = executor_args(args)
    from sim.core.national import is_national

    if is_national(input_path(args.case or default_case(), "CASE")):
        return cmd_run_national(args, seed, replicates, workers, scheduler)
    overrides = dict(parse_assignment(a) for a in args.overrides)
    case = load_case(input_path(args.case or default_case(), "CASE"), overrides,
                     allow_outside=args.allow_outside_paths)
    out = Path("results") / case.id
    if not args.no_write:  # checked before the run: a bad --out must not cost an hour of simulation
        out = out_folder(args.out, out)

    from sim.report.output import write_results
    from sim.report.tables import fiscal_rows, part_year_note, target_rows
    from sim.engine.runner import run

    from sim.report.i18n import pick
    from sim.base.files import Bundle
    from sim.engine.runner import Discard

    csv = True if args.csv else None
    rows = None  # the series rows figures draw, kept in memory (matplotlib is not even imported without figures)
    if not (args.no_write or args.no_figures):
        from sim.report.figures import figure_rows

        rows = lambda s: figure_rows(s, case)  # noqa: E731
    # the large per-replicate tables go to disk as each replicate finishes (into the hidden folder that
    # replaces --out at the end), or nowhere with --no-write: memory does not grow with replicates
    with contextlib.nullcontext(Discard()) if args.no_write else Bundle(out, csv=csv) as sink:
        with progress(pick(case.name_zh, case.name_en, args.lang), replicates, args.quiet) as update:
            results = run(case, replicates=replicates, seed=seed, progress=update, workers=workers or 1,
                          scheduler=scheduler, uncertainty=args.uncertainty, sink=sink,
                          series_rows=rows)

        print_tables(results, args.lang, target_rows, fiscal_rows, part_year_note)
        if not args.no_write:
            report = not (args.no_figures or args.no_report)
            rep = write_results(results, out, lang=args.lang, figures=not args.no_figures, csv=csv, report=report,
                                bundle=sink)
            print_written(None, out, args.lang)
            if report:
                for w in rep.warnings:
                    sys.stderr.write(f"scensim: warning: typst: {printable(w)}\n")
                print_report_written(rep, args.lang)
    return 0


def cmd_run_national(args, seed, replicates, workers, scheduler) -> int:
    """``scensim run`` of a national case: every region's target table (P(met) over the replicates) and
    the national totals; with writing, the tables (Parquet and CSV) in the output folder and, unless
    ``--no-report``, its report (each region's P(met), the totals, the branches; no figures).
    ``--set flows.NAME=VALUE`` sets a cross-region flow, ``--set regions.<id>.<parameter>=VALUE`` a
    region's parameter (over the national file's value)."""
    from sim.core.national import load_national
    from sim.engine.national import run_national
    from sim.report.console import progress

    from sim.core.national_case import FLOW_PREFIX, parse_national_assignment

    if args.uncertainty != "none":
        raise InputError(None, "--uncertainty", "a national case runs at its regions' values only (none)",
                         args.uncertainty)
    case = load_national(input_path(args.case, "CASE"), allow_outside=args.allow_outside_paths)
    settings = dict(parse_national_assignment(a, case) for a in args.overrides)
    flows = {k[len(FLOW_PREFIX):]: v for k, v in settings.items() if k.startswith(FLOW_PREFIX)}
    regions_set = {k: v for k, v in settings.items() if not k.startswith(FLOW_PREFIX)}
    case = case.with_settings(case.regions[0].id, settings, origin="--set")
    out = Path("results") / case.id
    if not args.no_write:
        out = out_folder(args.out, out)
    with progress(case.name_en if args.lang == "en" else case.name_zh, replicates, args.quiet) as update:
        res = run_national(case, replicates=replicates, seed=seed, workers=workers or 1, scheduler=scheduler,
                           progress=update)
    from sim.report.i18n import pick
    from sim.report.national_tables import branches_text, target_head, target_rows, totals_table

    con = stdout_console(150)
    ts = res.target_summary
    for region in case.regions:
        names = {tg.id: pick(tg.zh, tg.en, args.lang) for tg in region.case.targets}
        rows = target_rows(ts[ts.region == region.id], names, args.lang) if len(ts) else []
        name = region.label(args.lang)  # its short name and the id --set regions.<id>.… takes
        name = name if name == region.id else pick(f"{name}（{region.id}）", f"{name} ({region.id})", args.lang)
        title = pick(f"{name}：{region.case.name_zh} — 随机种子 {seed}，{replicates} 次重复",
                     f"{name}: {region.case.name_en} — seed {seed}, {replicates} replicate(s)", args.lang)
        if not rows:
            con.print(title + pick("：无考核目标（该地区没有自身方案）", ": no targets (the region has no plan of its own)",
                                   args.lang), highlight=False)
            continue
        print_table(con, title, target_head(args.lang), rows)
    print_table(con, *totals_table(res.totals_summary, args.lang), left=1)  # a flow, then years (numbers)
    con.print(branches_text(res.runs, args.lang), highlight=False)
    if not args.no_write:  # one set, swapped in whole (a crash leaves the earlier set), with its manifest
        from sim.base.files import code_version, file_sha256, write_bundle

        names = ("targets", "target_summary", "totals", "totals_summary", "region_totals", "runs")
        write_bundle(out, {name: getattr(res, name) for name in names}, manifest_doc={
            "command": "run", "case": case.id, "name_zh": case.name_zh, "name_en": case.name_en,
            "case_file": str(args.case), "case_file_abs": str(Path(args.case).resolve()),
            "case_sha256": file_sha256(args.case), "seed": seed, "replicates": replicates,
            "flows": case.values, "flows_set": flows, "regions_set": regions_set,
            "regions": [r.id for r in case.regions],
            "region_names": {r.id: {"zh": r.label("zh"), "en": r.label("en")} for r in case.regions},
            "code_version": code_version(),
            "tables": {name: [f"{name}.parquet", f"{name}.csv"] for name in names}}, csv=True)
        print_written(None, out, args.lang)
        if not args.no_report:
            from sim.report.build import build_report

            rep = build_report([out], lang=args.lang, out=out / "report.html")
            for w in rep.warnings:
                sys.stderr.write(f"scensim: warning: typst: {printable(w)}\n")
            print_report_written(rep, args.lang)
    return 0


def print_tables(results, lang, target_rows, fiscal_rows, part_year_note) -> None:
    from sim.report.i18n import pick, t

    con = stdout_console(150)
    case = results.case
    head, rows = target_rows(results, lang)
    print_table(con, t("run_title", lang).format(name=pick(case.name_zh, case.name_en, lang), seed=results.seed,
                                                n=results.replicates), head, rows)
    note = part_year_note(case, lang)
    if note:
        con.print(note)
    if any(not str(r[1]).isdigit() for r in rows) and results.replicates > 1:
        con.print(t("all_years_note", lang))
    if results.replicates > 1:
        con.print(t("uncertainty_prior" if results.uncertainty == "prior" else "uncertainty_none", lang))
    fh, fr = fiscal_rows(results, lang)
    print_table(con, t("fiscal", lang), fh, fr)
    from sim.report.money_tables import end_of_run_lines, public_cost_rows

    title, ch, cr = public_cost_rows(results, lang)
    print_table(con, title, ch, cr, left=1)
    for line in end_of_run_lines(results, lang):
        con.print(line, highlight=False)


def cmd_params(args) -> int:
    from sim.core.case import load_case
    from sim.report.params_doc import parameters_markdown, parameters_table

    from sim.core.national_case import is_national

    path = input_path(args.case or default_case(), "CASE")
    if is_national(path):
        return _params_national(args, path)
    if args.region is not None:
        raise InputError(None, "--region", f"only for a national case; {path} is a single region", args.region)
    case = load_case(path, allow_outside=args.allow_outside_paths)
    if args.markdown:
        sys.stdout.write(parameters_markdown(case))
    else:
        from rich.console import Console

        Console(width=200).print(parameters_table(case, kind=args.kind, lang=args.lang))
    return 0


def _params_national(args, path) -> int:
    """``scensim params NATIONAL [--region ID]``: the flows and regions, or one region's parameters."""
    from rich.console import Console

    from sim.core.national import load_national
    from sim.report.params_doc import national_tables

    national = load_national(path, allow_outside=args.allow_outside_paths)
    if args.markdown:
        raise InputError(None, "--markdown", "docs/parameters.md lists a single region's case; give one of the "
                         f"national case's case files, e.g. {national.regions[0].case.path}")
    ids = [r.id for r in national.regions]
    if args.region is not None and args.region not in ids:
        raise InputError(None, "--region", f"must be one of the national case's regions: {', '.join(ids)}", args.region)
    con = Console(width=200)
    for tab in national_tables(national, kind=args.kind, lang=args.lang, region=args.region):
        con.print(tab)
    return 0


def main(argv=None) -> int:
    previous = interrupt.install()  # Ctrl-C from here on: one line, status 130 (sim/cli/interrupt.py)
    try:
        return _main(argv)
    finally:
        interrupt.restore(previous)


def _main(argv) -> int:
    lang = interrupt.argv_lang(sys.argv[1:] if argv is None else argv)  # the command's lines, before parsing
    args = None
    try:
        interrupt.check()  # a Ctrl-C while `scensim` imported its modules
        parser = build_parser()
        interrupt.check()  # … or the commands' modules
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        if args.command in interrupt.MESSAGES_IN_LANG:
            lang = args.lang
        if args.command == "run":
            return cmd_run(args)
        if args.command == "params":
            return cmd_params(args)
        if hasattr(args, "handler"):
            return args.handler(args)
    except InputError as e:
        sys.stderr.write(f"{t('cli_error', lang)}{e.text(lang)}\n")
        return 2
    except EnvironmentFailure as e:  # the machine failed (disk full, …): not the user's input
        sys.stderr.write(f"{t('cli_error', lang)}{printable(e.text(lang))}\n")
        return 1
    except (OSError, MemoryError) as e:  # any other failure of the machine: one line, never a traceback
        what = os_reason(e, lang, getattr(e, "strerror", None) or type(e).__name__)
        where = getattr(e, "filename", None)
        sep = "：" if lang == "zh" else ": "
        sys.stderr.write(f"{t('cli_error', lang)}{printable(f'{where}{sep}{what}' if where else what)}\n")
        return 1
    except KeyboardInterrupt:
        return _interrupted(args, lang)
    except ImportError:  # a Ctrl-C while a module was imported can surface as an ImportError
        if not interrupt.pressed():
            raise
        return _interrupted(args, lang)
    return 0


def _interrupted(args, lang: str) -> int:
    """The one line of Ctrl-C (or SIGTERM where a command makes it one): before the command ran, while
    the arguments were read, as at start-up; once it ran, saying that what it wrote is intact."""
    line = t("cli_interrupted", lang) if args is not None else interrupt.STARTING.text(lang)
    sys.stderr.write(line + "\n")
    return 130
