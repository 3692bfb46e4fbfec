"""``scensim effects``: what each lever does — switched off and with its budget doubled, against the case
as it is, with common random numbers."""

from __future__ import annotations

import time
from pathlib import Path

from sim.analysis.effects import parse_levers, plan_variants, planned_runs, run_effects
from sim.base.errors import printable
from sim.base.files import code_version, file_sha256, model_code_sha256, write_bundle
from sim.base.rng import run_seed
from sim.cli.args import (add_executor_args, add_path_flag, default_case, executor_args, input_path, out_folder,
                          positive_int, seed_arg)
from sim.report.console import print_table, print_written, progress, stdout_console
from sim.report.escape import md


def cmd_effects(args) -> int:
    from sim.core.case import load_case
    from sim.report.compare_tables import markdown_table
    from sim.report.effects_tables import notes, tables
    from sim.report.i18n import pick

    reps = positive_int("--replicates")(args.replicates)
    seed = seed_arg(args.seed)
    workers, scheduler = executor_args(args)
    levers = parse_levers(args.levers)
    case = load_case(input_path(args.case or default_case(), "CASE"), allow_outside=args.allow_outside_paths)
    out = out_folder(args.out, Path("results") / f"{case.id}_effects")
    variants, _ = plan_variants(case, levers)
    runs = planned_runs(case, variants, reps)  # builds every variant's case: a bad one fails before any run
    label = pick(f"{case.id}：{len(levers)} 个政策工具，{runs} 次运行", f"{case.id}: {len(levers)} levers, {runs} runs",
                 args.lang)
    start = time.monotonic()
    with progress(label, runs, args.quiet) as update:
        res = run_effects(case, reps, seed, levers, workers=workers or 1, scheduler=scheduler, progress=update)
    seconds = time.monotonic() - start

    con = stdout_console(220)
    printed = tables(case, res, args.lang)
    for title, head, rows, left in printed:
        print_table(con, title, head, rows, left=left)
    lines = notes(res, args.lang)
    for line in lines:
        con.print(line, highlight=False)

    command = f"scensim effects {case.path} --replicates {reps} --seed {seed}" + \
        (f" --levers {','.join(levers)}" if args.levers else "")
    name = pick(case.name_zh, case.name_en, args.lang)
    code = "`" + printable(command).replace("`", "'") + "`"  # a code span: the command as typed
    header = pick(f"由 {code} 测得（代码版本 {md(code_version())}）；每个变体 {reps} 次重复，随机种子 {seed}，各变体使用相同的"
                  "重复种子（共同随机数）。",
                  f"Measured with {code} (code version {md(code_version())}); {reps} replicates per variant, seed "
                  f"{seed}, the same replicate seeds for every variant (common random numbers).", args.lang)
    # headings one level down (## title, ### tables): the file pastes as a section of docs/levers.md
    report = f"## {md(pick('政策工具效果', 'Lever effects', args.lang))} — {md(name)}\n\n{header}\n\n" + \
        "\n".join("#" + markdown_table(*tb) for tb in printed) + "\n" + "".join(f"- {md(x)}\n" for x in lines)
    replicate_rows = res["effects_replicates"]
    files = {"effects.md": report,
             "effects_replicates.parquet": lambda p: replicate_rows.to_parquet(p, index=False, engine="pyarrow")}
    if args.csv:
        files["effects_replicates.csv"] = lambda p: replicate_rows.to_csv(p, index=False)
    man = {"command": "effects", "lang": args.lang, "case": case.id, "case_file": case.path,
           "case_sha256": file_sha256(case.path), "seed": seed, "replicates": reps,
           "replicate_seeds": [run_seed(seed, r) for r in range(reps)], "levers": levers,
           "variants": {v.id: v.params for v in variants}, "runs": runs, "code_version": code_version(),
           "model_code_sha256": model_code_sha256()}
    write_bundle(out, {"effects": res["effects"], "effects_levers": res["effects_levers"]}, files, man)
    print_written(con, out, args.lang, " " + pick(f"（{runs} 次运行，{seconds:.0f} 秒）", f"({runs} runs, {seconds:.0f} s)", args.lang))
    return 0


def register(sub) -> None:
    p = sub.add_parser("effects", help="each lever switched off and with its budget doubled",
                       description="Run the case as it is, with each lever switched off and with its budget doubled, "
                       "all with the same replicate seeds; print and write the paired change in each target and in "
                       "total public cost with 95 % intervals, the cost per additional unit, and flags for inert or "
                       "implausibly cheap levers (effects.md is a Markdown table for docs/levers.md).")
    p.add_argument("case", nargs="?", default=None, help="case file (default: the Hunan case)")
    p.add_argument("--replicates", "-r", default="10", help="replicates per variant (default 10)")
    p.add_argument("--seed", default="0", help="seed; replicate seeds derive from it (default 0)")
    p.add_argument("--levers", default=None, metavar="A,B",
                   help="only these levers, comma-separated (default: every lever with policy settings)")
    p.add_argument("--out", "-o", default=None, help="output folder (default results/<case id>_effects/)")
    p.add_argument("--csv", action="store_true",
                   help="also write the per-replicate table effects_replicates as CSV (by default Parquet only)")
    add_executor_args(p, what="runs")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the printed tables and effects.md")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_path_flag(p)
    p.set_defaults(handler=cmd_effects)
