"""A national run's tables as people read them, in Chinese or English (``scensim run`` of a national
case and the report): each region's targets, the national totals, the branches line."""

from __future__ import annotations

import pandas as pd

from sim.base.numbers import count as num
from sim.core.metrics import METRICS
from sim.report.i18n import pick, t


def target_head(lang: str) -> list[str]:
    """The columns of a region's target table: those of ``scensim run`` of the region alone."""
    return [t("col_target", lang), t("col_period", lang), t("col_threshold", lang), t("col_p", lang),
            t("col_median", lang), t("col_q", lang)]


def target_rows(summary: pd.DataFrame, names: dict, lang: str = "en") -> list[list[str]]:
    """One region's target summary: a row per target and period (``names``: target id → its name), in the
    columns of the single-region table (median and 5 %–95 % over replicates). A per-year target's row
    over all its years counts years, and says so."""
    rows = []
    for r in summary.itertuples(index=False):
        thr, med, q = num(r.threshold), num(r.median), f"{num(r.q05)}–{num(r.q95)}"
        if pd.isna(r.year):  # threshold: the years evaluated; median and range: the years met
            thr = t("all_years", lang).format(n=int(r.threshold))
            med, q = t("years_met", lang).format(v=med), t("years_met", lang).format(v=q)
        rows.append([names.get(str(r.target), str(r.target)), str(r.period), thr,
                     f"{r.p_met:.2f} [{r.p_low:.2f}, {r.p_high:.2f}]", med, q])
    return rows


def totals_table(totals_summary: pd.DataFrame, lang: str) -> tuple[str, list[str], list[list[str]]]:
    """Title, head and rows of the national totals: a row per flow (its name), a column per year."""
    tot = totals_summary.pivot(index="metric", columns="year", values="mean")
    tot = tot.reindex(list(dict.fromkeys(totals_summary["metric"])))  # the flows in their recorded order
    rows = [[pick(METRICS[m].label_zh, METRICS[m].label_en, lang) if m in METRICS else str(m)]
            + [f"{v:,.0f}" if pd.notna(v) else "—" for v in tot.loc[m]] for m in tot.index]
    title = pick("全国合计（当年运行的各地区之和；各次重复的均值）",
                 "National totals (sum over the regions active that year; mean over replicates)", lang)
    return title, [pick("流量", "flow", lang)] + [str(y) for y in tot.columns], rows


def region_totals_table(region_totals: pd.DataFrame, label: dict, lang: str) -> tuple[str, list[str], list[list[str]]]:
    """Title, head and rows of each region's flows (``label``: region id → its name), a row per region and
    flow, a column per year (— where the region was not running): the national totals are their sums."""
    mean = region_totals.groupby(["region", "metric", "year"], sort=False)["value"].mean().reset_index()
    years = sorted(mean["year"].unique())
    rows = []
    for (region, metric), g in mean.groupby(["region", "metric"], sort=False):
        by_year = dict(zip(g["year"], g["value"]))
        rows.append([label.get(str(region), str(region)),
                     pick(METRICS[metric].label_zh, METRICS[metric].label_en, lang) if metric in METRICS else str(metric)]
                    + [f"{by_year[y]:,.0f}" if y in by_year else "—" for y in years])
    title = pick("各地区流量（各次重复的均值；全国合计为其之和）",
                 "Flows by region (mean over replicates; the national totals are their sums)", lang)
    return title, [pick("地区", "region", lang), pick("流量", "flow", lang)] + [str(y) for y in years], rows


def branches_text(runs: pd.DataFrame, lang: str) -> str:
    """What crossed regions, per replicate on average, and the money check."""
    problems = int(runs.money_problems.sum())
    return pick(f"跨地区设立的分支机构：每次重复平均 {runs.branches.mean():,.0f} 家，其中 {runs.branches_closed.mean():,.0f} "
                f"家因无业务而关闭；转入分支机构的资金平均 {runs.cash_to_branches_cny.mean() / 1e8:,.2f} 亿元；"
                f"资金守恒问题：{problems} 个。",
                f"Branches opened across regions: {runs.branches.mean():,.0f} a replicate (mean), "
                f"{runs.branches_closed.mean():,.0f} closed idle; cash moved to them CNY "
                f"{runs.cash_to_branches_cny.mean() / 1e6:,.1f} m (mean); money problems: {problems}.", lang)
