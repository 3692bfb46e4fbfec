"""``scensim report``: result folders → a self-contained HTML report and a PDF (see ``docs/report.md``)."""

from __future__ import annotations

import sys


def cmd_report(args) -> int:
    from sim.report.build import build_report
    from sim.report.i18n import t

    rep = build_report(args.folders, lang=args.lang, out=args.out)
    for w in rep.warnings:
        sys.stderr.write(f"scensim: warning: typst: {w}\n")
    print(f"{t('report_written', args.lang)} {rep.html} , {rep.pdf} ({t('report_time', args.lang).format(s=rep.seconds)}); "
          f"{rep.files}/tables, {rep.files}/figures")
    return 0


def register(sub) -> None:
    p = sub.add_parser("report", help="a self-contained HTML and PDF report from result folders",
                       description="Make one report — HTML (self-contained: figures inline, font embedded, no network) "
                       "and PDF (Typst) — from folders written by scensim run (and compare, lottery, sweep, or any "
                       "command whose manifest names it). Every table is also written as CSV and LaTeX, every figure "
                       "as SVG and PNG, under <report>_files/.")
    p.add_argument("folders", nargs="+", metavar="DIR", help="result folders, e.g. results/hunan_2026_2028")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the report (default en)")
    p.add_argument("--out", "-o", default=None, metavar="FILE",
                   help="the report's HTML file (the PDF gets the same name with .pdf; an existing folder: "
                   "report.html in it; default DIR/report.html in the first folder)")
    p.set_defaults(handler=cmd_report)
