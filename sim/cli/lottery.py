"""``scensim lottery``: an in-silico randomised trial of one lever's awards."""

from __future__ import annotations

from pathlib import Path

from sim.analysis.lottery import run_lottery
from sim.base.files import code_version, file_sha256, write_bundle
from sim.base.rng import run_seed
from sim.cli.args import add_executor_args, add_path_flag, default_case, executor_args, input_path, open_share, out_folder, positive_int, seed_arg
from sim.core.case import load_case
from sim.core.lottery_draw import LOTTERY_LEVERS
from sim.report.console import print_table, print_written, progress, stdout_console


def cmd_lottery(args) -> int:

    seed = seed_arg(args.seed)
    workers, scheduler = executor_args(args)
    max_twins = positive_int("--max-twins")(args.max_twins) if args.max_twins is not None else None
    share = open_share(args.share)
    from sim.core.case import parse_assignment

    overrides = dict(parse_assignment(a) for a in args.overrides)
    case = load_case(input_path(args.case or default_case(), "CASE"), overrides or None,
                     allow_outside=args.allow_outside_paths)
    out = out_folder(args.out, Path("results") / f"{case.id}_lottery_{args.lever}")
    from sim.report.i18n import lottery_lever, t

    with progress(t("lottery_progress", args.lang).format(lever=args.lever), None, args.quiet) as update:
        res = run_lottery(case, args.lever, seed, share, max_twins, workers or 1, progress=update,
                          scheduler=scheduler)
    from sim.report.lottery_tables import lottery_rows

    con = stdout_console(160)
    head, rows = lottery_rows(res["lottery_summary"], args.lang)
    print_table(con, t("lottery_title", args.lang).format(lever=lottery_lever(args.lever, "zh") if args.lang == "zh" else args.lever, case=case.id, seed=seed, share=share),
                head, rows, left={0, 5})
    if args.lever == "vouchers":
        con.print(t("lottery_holder_demand" if case.values["vouchers.demand_side"] else "lottery_holder_supply", args.lang),
                  highlight=False)
    man = {"command": "lottery", "lang": args.lang, "case": case.id, "case_file": case.path,
           "case_sha256": file_sha256(case.path), "set": overrides, "lever": args.lever,
           "share": share, "seed": seed, "run_seed": run_seed(seed, 0), "max_twins": max_twins,
           "code_version": code_version()}
    write_bundle(out, res, {}, man)
    print_written(con, out, args.lang)
    return 0


def register(sub) -> None:
    p = sub.add_parser("lottery", help="an in-silico randomised trial of a lever",
                       description="Allot one lever's awards by lottery among eligible applicants; report winners "
                       "versus losers at 6, 12 and 24 months, and — from a twin run per award with the same random "
                       "numbers — whether each funded project would have happened anyway and whether awards went unused.")
    p.add_argument("case", nargs="?", default=None, help="case file (default: the Hunan case)")
    p.add_argument("--lever", choices=LOTTERY_LEVERS, default="vouchers", help="the lever allotted by lottery")
    p.add_argument("--share", default="0.5", help="chance an applicant wins (default 0.5)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                   help="override a parameter of the case, as for scensim run, e.g. --set "
                   "vouchers.budget_cny_per_year=5e7 (repeatable)")
    p.add_argument("--seed", default="0", help="seed of the trial (default 0)")
    p.add_argument("--max-twins", default=None, help="twin runs for at most this many awards, chosen at random "
                   "(default: every award)")
    add_executor_args(p, what="twin runs")
    p.add_argument("--out", "-o", default=None, help="output folder (default results/<case>_lottery_<lever>/)")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the printed table")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_path_flag(p)
    p.set_defaults(handler=cmd_lottery)
