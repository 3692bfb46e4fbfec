"""``scensim compare``: policy mixes at the same total budget, with common random numbers."""

from __future__ import annotations

from pathlib import Path

from sim.analysis.compare import load_comparison, run_comparison
from sim.base.files import code_version, file_sha256, write_bundle
from sim.base.rng import run_seed
from sim.cli.args import add_executor_args, add_path_flag, executor_args, input_path, out_folder, positive_int, seed_arg
from sim.report.compare_tables import markdown_table, tables_for_print
from sim.report.console import print_table, print_written, progress, stdout_console
from sim.report.escape import md


def cmd_compare(args) -> int:

    reps = positive_int("--replicates")(args.replicates) if args.replicates is not None else None
    workers, scheduler = executor_args(args)
    seed = seed_arg(args.seed) if args.seed is not None else None
    cmp = load_comparison(input_path(args.experiment, "EXPERIMENT"), replicates=reps, seed=seed,
                          allow_outside=args.allow_outside_paths)
    out = out_folder(args.out, Path("results") / cmp.id)
    total = len(cmp.mixes) * cmp.replicates
    from sim.report.i18n import t

    label = t("compare_progress", args.lang).format(id=cmp.id, mixes=len(cmp.mixes), n=cmp.replicates)
    with progress(label, total, args.quiet) as update:
        res = run_comparison(cmp, progress=update, workers=workers or 1, scheduler=scheduler)
    con = stdout_console(200)
    printed = tables_for_print(cmp, res, args.lang)
    for title, head, rows, left in printed:
        print_table(con, title, head, rows, left=left)
    tables = {"compare_summary": res["summary"], "compare_joint": res["joint"], "compare_targets": res["targets"], "compare_spend": res["spend"],
              "compare_fiscal": res["fiscal"], "compare_vs_baseline": res["versus_baseline"]}
    report = f"# {md(cmp.id)}\n\n" + t("compare_header", args.lang).format(n=cmp.replicates, seed=cmp.seed, case=cmp.case.id) + \
        "\n\n" + \
        "\n".join(markdown_table(*t) for t in printed)
    man = {"command": "compare", "lang": args.lang, "experiment": cmp.id, "experiment_file": cmp.path, "experiment_sha256": file_sha256(cmp.path),
           "case": cmp.case.id, "case_file": cmp.case.path, "seed": cmp.seed, "replicates": cmp.replicates,
           "replicate_seeds": [run_seed(cmp.seed, r) for r in range(cmp.replicates)],
           "mixes": {m.id: m.params for m in cmp.mixes}, "code_version": code_version()}
    write_bundle(out, tables, {"report.md": report, **compare_figures(cmp, res, args.lang)}, man)
    print_written(con, out, args.lang)
    return 0


def compare_figures(cmp, res, lang: str) -> dict:
    """P(met) by mix and spending by lever per mix, as ``figures/*.png`` and ``.svg`` (the report's figures)."""
    from sim.report.charts import compare_p_figure, compare_spend_figure
    from sim.report.compare_tables import _key_periods
    from sim.report.figures import figure_writers
    from sim.report.i18n import pick

    mixes = [(m.id, pick(m.zh, m.en, lang)) for m in cmp.mixes]
    labels = {tg.id: pick(tg.zh, tg.en, lang) for tg in cmp.case.targets}
    last = [(tid, p) for tid, p in _key_periods(cmp) if p.isdigit()]
    return figure_writers({"compare_p_met": compare_p_figure(res["summary"], last, mixes, labels, lang),
                           "compare_spend": compare_spend_figure(res["fiscal"], mixes, lang)})


def register(sub) -> None:
    p = sub.add_parser("compare", help="compare policy mixes at the same total budget",
                       description="Run every policy mix of an experiment with the same replicate seeds; print and "
                       "write P(target met), fiscal cost by lever and the cost per additional unit against the "
                       "baseline.")
    p.add_argument("experiment", help="experiment file, e.g. experiments/hunan_policy_mixes.toml")
    p.add_argument("--replicates", "-r", default=None, help="replicates per mix (default: the file's)")
    p.add_argument("--seed", default=None, help="seed (default: the file's)")
    p.add_argument("--out", "-o", default=None, help="output folder (default results/<experiment id>/)")
    add_executor_args(p, what="replicates")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the printed tables and report.md")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_path_flag(p)
    p.set_defaults(handler=cmd_compare)
