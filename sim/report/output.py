"""Writing results: tidy tables in Parquet and CSV, figures, a report and a manifest — atomically.

Everything is first written into a hidden sibling folder, then swapped with the output folder in one
step (``sim.base.files.write_bundle``). A crash, ``kill -9`` or Ctrl-C therefore leaves the earlier set
or the new one, never a mix, and the next run removes what a killed run left behind.
"""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
import pandas as pd

from sim.base.files import TABLE_FORMATS, code_version, file_sha256, write_bundle
from sim.report.escape import md
from sim.report.i18n import pick, t


def manifest(results) -> dict:
    case = results.case
    import mesa

    return {
        "case": case.id,
        "case_file": case.path,
        "case_sha256": file_sha256(case.path) if Path(case.path).exists() else None,
        "seed": results.seed,
        "replicates": results.replicates,
        "replicate_seeds": results.seeds,
        "parameters": {k: v.value for k, v in case.params.items()},
        "overridden": {k: v.value for k, v in case.params.items() if v.source.startswith(("--set", "override"))},
        "code_version": code_version(),
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "tables": {name: [f"{name}.{fmt}" for fmt in TABLE_FORMATS] for name in results.tables()},
    }


def write_results(results, out: Path, lang: str = "en", figures: bool = True) -> Path:
    """Write all of ``results`` into folder ``out`` (created if needed); returns ``out``."""
    files: dict[str, object] = {}
    if figures:
        from sim.report.figures import target_figures
        import matplotlib.pyplot as plt

        for tid, fig in target_figures(results.series, results.target_summary, results.case, lang).items():
            def save(p, fig=fig):
                fig.savefig(p, metadata={"Software": None})
                plt.close(fig)
            files[f"figures/{tid}.png"] = save
    files["report.md"] = report_markdown(results, lang, figures)
    return write_bundle(out, results.tables(), files, manifest(results))


# -- printed and written summaries ---------------------------------------------------------------
def num(x) -> str:
    """A count or quantile for people: whole numbers plainly, others to one decimal."""
    x = float(x)
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"


def target_rows(results, lang: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the target table: one replicate shows values, several show probabilities."""
    case = results.case
    label = {tg.id: pick(tg.zh, tg.en, lang) for tg in case.targets}
    if results.replicates == 1:
        head = [t("col_target", lang), t("col_period", lang), t("col_threshold", lang), t("col_value", lang),
                t("col_met", lang)]
        rows = []
        for _, r in results.targets.iterrows():
            all_years = pd.isna(r["year"])
            thr = t("all_years", lang).format(n=int(r["threshold"])) if all_years else num(r["threshold"])
            value = f"{num(r['value'])}/{num(r['threshold'])}" if all_years else num(r["value"])
            rows.append([label[r["target"]], r["period"], thr, value,
                         t("yes", lang) if r["met"] else t("no", lang)])
        return head, rows
    head = [t("col_target", lang), t("col_period", lang), t("col_threshold", lang), t("col_p", lang),
            t("col_median", lang), t("col_q", lang)]
    rows = []
    for _, r in results.target_summary.iterrows():
        all_years = pd.isna(r["year"])
        thr = t("all_years", lang).format(n=int(r["threshold"])) if all_years else num(r["threshold"])
        rows.append([label[r["target"]], r["period"], thr, f"{r['p_met']:.2f} [{r['p_low']:.2f}, {r['p_high']:.2f}]",
                     num(r["median"]), f"{num(r['q05'])}–{num(r['q95'])}"])
    return head, rows


def part_year_note(case, lang: str) -> str | None:
    for y in case.years:
        months = case.months_in_year(y)
        if months < 12 and case.part_year == "prorate":
            return t("part_year_note", lang).format(year=y, months=months)
    return None


def fiscal_rows(results, lang: str) -> tuple[list[str], list[list[str]]]:
    """Median spending per lever and year (CNY 10k), against the budget."""
    from sim.core.model import ScenarioMarket  # noqa: F401  (levers' labels)
    from sim.levers import LEVERS

    label = {L.name: pick(L.label_zh, L.label_en, lang) for L in LEVERS}
    f = results.fiscal
    case = results.case
    head = [t("lever", lang), t("col_period", lang), t("spent", lang), t("budget", lang)]
    rows = []
    per = f.groupby(["replicate", "year", "lever"], observed=True)["amount_cny"].sum().reset_index()
    for L in LEVERS:
        key = f"{L.name}.budget_cny_per_year"
        if key not in case.params:
            continue
        annual = case.params[key].value
        for y in case.years:
            v = per[(per["lever"] == L.name) & (per["year"] == y)].set_index("replicate")["amount_cny"]
            v = v.reindex(range(results.replicates), fill_value=0.0)
            budget = annual * case.months_in_year(y) / 12
            rows.append([label[L.name], str(y), f"{np.median(v) / 1e4:,.0f}", f"{budget / 1e4:,.0f}"])
    return head, rows


def _md_table(head, rows) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def report_markdown(results, lang: str, figures: bool) -> str:
    case = results.case
    head, rows = target_rows(results, lang)
    rows = [[md(r[0]), *r[1:]] for r in rows]  # target labels come from the case file
    parts = [f"# {md(pick(case.name_zh, case.name_en, lang))}", "",
             f"{t('replicates', lang)}: {results.replicates} · {t('seed', lang)}: {results.seed} · "
             f"{case.start[0]}-{case.start[1]:02d} – {case.end[0]}-{case.end[1]:02d}", "",
             _md_table(head, rows), ""]
    note = part_year_note(case, lang)
    if note:
        parts += [note, ""]
    fh, fr = fiscal_rows(results, lang)
    parts += [f"## {t('fiscal', lang)}", "", _md_table(fh, fr), ""]
    if figures:
        for tg in case.targets:
            parts += [f"![{md(pick(tg.zh, tg.en, lang))}](figures/{tg.id}.png)", ""]
    return "\n".join(parts)
