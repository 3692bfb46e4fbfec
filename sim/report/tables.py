"""The target and fiscal tables as people read them (printed by ``scensim run``, shown in the report)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.base.numbers import count as num
from sim.report.i18n import pick, t




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
        return head, rows + joint_rows(results, lang)
    head = [t("col_target", lang), t("col_period", lang), t("col_threshold", lang), t("col_p", lang),
            t("col_median", lang), t("col_q", lang)]
    rows = []
    for _, r in results.target_summary.iterrows():
        all_years = pd.isna(r["year"])
        thr = t("all_years", lang).format(n=int(r["threshold"])) if all_years else num(r["threshold"])
        med, q = num(r["median"]), f"{num(r['q05'])}–{num(r['q95'])}"
        if all_years:  # these rows count years met, and say so
            med, q = t("years_met", lang).format(v=med), t("years_met", lang).format(v=q)
        rows.append([label[r["target"]], r["period"], thr, f"{r['p_met']:.2f} [{r['p_low']:.2f}, {r['p_high']:.2f}]",
                     med, q])
    return head, rows + joint_rows(results, lang)


def joint_rows(results, lang: str) -> list[list[str]]:
    """Rows of the target table for all targets met together, per year and over the horizon
    (:func:`sim.core.targets.joint_attainment`), in the target table's columns."""
    from sim.core.targets import joint_attainment

    label = pick("全部目标同时达成", "All targets met together", lang)
    rows = []
    for _, r in joint_attainment(results.targets).iterrows():
        period = pick("全期", "all years", lang) if r["period"] == "all" else r["period"]
        n = int(r["threshold"])  # targets evaluated that year; over the horizon, target-years
        s = "" if n == 1 else "s"
        thr = (pick(f"{n}项", f"{n} target{s}", lang) if r["period"] != "all"
               else pick(f"{n}项（目标×年）", f"{n} target-year{s}", lang))
        if results.replicates == 1:
            rows.append([label, period, thr, f"{num(r['median'])}/{int(r['threshold'])}",
                         t("yes", lang) if r["met"] else t("no", lang)])
        else:
            rows.append([label, period, thr, f"{r['p_met']:.2f} [{r['p_low']:.2f}, {r['p_high']:.2f}]",
                         num(r["median"]), f"{num(r['q05'])}–{num(r['q95'])}"])
    return rows


def part_year_note(case, lang: str) -> str | None:
    for y in case.years:
        months = case.months_in_year(y)
        if months < 12 and case.part_year == "prorate":
            return t("part_year_note", lang).format(year=y, months=months)
    return None


def fiscal_values(results, lang: str) -> list[tuple[str, int, float, float]]:
    """(lever label, year, median spending in CNY over replicates, budget in CNY) per budgeted lever and year."""
    from sim.levers import LEVERS

    label = {L.name: pick(L.label_zh, L.label_en, lang) for L in LEVERS}
    f = results.fiscal
    case = results.case
    out = []
    per = f.groupby(["replicate", "year", "lever"], observed=True)["amount_cny"].sum().reset_index()
    for L in LEVERS:
        key = f"{L.name}.budget_cny_per_year"
        if key not in case.params:
            continue
        annual = case.params[key].value
        for y in case.years:
            v = per[(per["lever"] == L.name) & (per["year"] == y)].set_index("replicate")["amount_cny"]
            v = v.reindex(range(results.replicates), fill_value=0.0)
            out.append((label[L.name], y, float(np.median(v)), annual * case.months_in_year(y) / 12))
    return out


def money_text(cny: float, lang: str, decimals: int | None = None) -> str:
    """An amount as the printed money tables give it: in 万元 in Chinese (no decimals), in CNY million in
    English (one decimal) — the units each reader counts in, the same in every table."""
    if lang == "zh":
        return f"{cny / 1e4:,.{0 if decimals is None else decimals}f}"
    return f"{cny / 1e6:,.{1 if decimals is None else decimals + 1}f}"


def fiscal_rows(results, lang: str) -> tuple[list[str], list[list[str]]]:
    """Median spending per lever and year (万元 or CNY million: :func:`money_text`), against the budget."""
    head = [t("lever", lang), t("col_period", lang), t("spent", lang), t("budget", lang)]
    rows = [[lever, str(y), money_text(spent, lang), money_text(budget, lang)]
            for lever, y, spent, budget in fiscal_values(results, lang)]
    return head, rows
