"""``scensim validate``: the model against the outside world — the Bass docking check and every pattern
of the pattern set, with the model's median and interval over replicates."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.patterns import DEFAULT_PATTERNS, docking, evaluate, load_patterns, sources_count
from sim.base.files import code_version, file_sha256, write_bundle
from sim.cli.args import (add_executor_args, add_path_flag, default_case, executor_args, input_path, out_folder,
                          positive_int, seed_arg)
from sim.core.case import load_case
from sim.report.console import print_table, progress, stdout_console
from sim.report.escape import term


def cmd_validate(args) -> int:
    reps = positive_int("--replicates", 100_000)(args.replicates)
    seed = seed_arg(args.seed)
    workers, scheduler = executor_args(args)
    patterns = load_patterns(input_path(args.patterns, "--patterns") if args.patterns else None)
    case = load_case(input_path(args.case or default_case(), "CASE"), allow_outside=args.allow_outside_paths)
    out = out_folder(args.out, Path("results") / f"{case.id}_validate")
    from sim.engine.runner import run

    with progress(f"validate {case.id}", reps, args.quiet) as update:
        res = run(case, reps, seed, progress=update, workers=workers or 1, scheduler=scheduler)
    table = pd.concat([pd.DataFrame([docking()]), evaluate(patterns, res.runs)], ignore_index=True)
    from sim.report.i18n import pick
    from sim.report.validation_tables import markdown, validation_rows

    con = stdout_console(200)
    head, rows = validation_rows(table, args.lang)
    n_in = int((table.verdict == "within").sum())
    title = pick(f"{case.id}：模型与公开数据（{reps} 次重复，种子 {seed}）",
                 f"{case.id}: the model against public figures ({reps} replicates, seed {seed})", args.lang)
    print_table(con, title, head, rows, left={0, 1, 6, 7, 8})
    con.print(pick(f"{len(table)} 项中 {n_in} 项符合；模式来自 {sources_count(patterns)} 个独立来源。",
                   f"{n_in} of {len(table)} within their band; patterns from {sources_count(patterns)} independent "
                   "sources.", args.lang), highlight=False)
    pfile = Path(args.patterns) if args.patterns else DEFAULT_PATTERNS
    man = {"command": "validate", "lang": args.lang, "case": case.id, "case_file": case.path,
           "case_sha256": file_sha256(case.path), "patterns_sha256": file_sha256(pfile), "seed": seed,
           "replicates": reps, "code_version": code_version()}
    write_bundle(out, {"validation": table, "runs": res.runs}, {"validation.md": markdown(table, args.lang)}, man,
                 csv=True)
    con.print(f"{pick('已写入', 'written', args.lang)} {term(out)}/", highlight=False)
    return 0


def register(sub) -> None:
    p = sub.add_parser("validate", help="the model against public figures (docking and the pattern set)",
                       description="Run a case and set its observables against every public figure of the pattern "
                       "set (scenarios/patterns/patterns.toml): the figure, its band, the model's median and 5–95 %% range, "
                       "and whether the median falls in the band; first the Bass docking check.")
    p.add_argument("case", nargs="?", default=None, help="case file (default: the Hunan case)")
    p.add_argument("--patterns", default=None, help="pattern file (default: scenarios/patterns/patterns.toml)")
    p.add_argument("--replicates", "-r", default="20", help="replicates (default 20)")
    p.add_argument("--seed", default="0", help="seed (default 0)")
    add_executor_args(p)
    p.add_argument("--out", "-o", default=None, help="output folder (default results/<case>_validate/)")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the printed table")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_path_flag(p)
    p.set_defaults(handler=cmd_validate)
