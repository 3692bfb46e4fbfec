"""The one catalogue of Chinese and English text people read: printed tables, figures, reports; and
numbers formatted as a reader of each language expects them (万/亿 in Chinese, thousands separators and
k/m/bn in English)."""

from __future__ import annotations

import math

LANGS = ("zh", "en")

TEXT = {
    # figures
    "median": ("中位数", "median"),
    "band50": ("50% 区间", "50% band"),
    "band90": ("90% 区间", "90% band"),
    "target": ("目标", "target"),
    "month": ("月份", "Month"),
    "ytd": ("当年累计", "year to date"),
    "cumulative": ("自起始月累计", "cumulative since start"),
    "p_met": ("达标概率", "P(met)"),
    "p_met_axis": ("达标概率（95% Wilson 区间）", "Probability the target is met (Wilson 95 % interval)"),
    "overview_note": ("各年上方数字：达标概率 [95% 区间]", "numbers above each year: P(met) [95 % interval]"),
    "funnel_title": ("场景在各环节的数量（各年，重复均值）", "Scenarios reaching each stage, per year (mean over replicates)"),
    "funnel_axis": ("场景数（项/年）", "Scenarios per year"),
    "funnel_legend": ("年份（须线：5%–95%）", "Year (whiskers: 5 %–95 %)"),
    "fiscal_title": ("各政策工具的财政支出（重复均值，扣除股权退出收回）",
                     "Fiscal spending by lever (mean over replicates, net of equity receipts)"),
    "fiscal_axis": ("财政支出（元/年）", "Fiscal spending (CNY a year)"),
    "fiscal_axis_total": ("整个期间的平均财政支出（元）", "Mean fiscal spending over the horizon (CNY)"),
    # tables and console
    "replicates": ("重复次数", "replicates"),
    "replicate_s": ("次重复", "replicates"),
    "seed": ("随机种子", "seed"),
    "col_target": ("目标", "Target"),
    "col_period": ("年份", "Year"),
    "col_threshold": ("目标值", "Threshold"),
    "col_value": ("模拟值", "Value"),
    "col_median": ("中位数", "Median"),
    "col_q": ("5%–95%", "5%–95%"),
    "col_met": ("是否达标", "Met"),
    "col_p": ("达标概率 [95% 区间]", "P(met) [95% CI]"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "all_years": ("{n}年均达标", "all {n} years"),
    "years_met": ("{v}年达标", "{v} yrs met"),
    "all_years_note": ("“{n}年均达标”一行：中位数与 5%–95% 列为达标的年数。",
                       "Rows “all N years”: the Median and 5%–95% columns count the years met."),
    "fiscal": ("财政支出（万元，各重复中位数）", "Fiscal spending (CNY 10k, median over replicates)"),
    "lever": ("政策工具", "Lever"),
    "budget": ("预算", "Budget"),
    "spent": ("支出", "Spent"),
    "written": ("结果已写入", "Results written to"),
    "run_title": ("{name} — 随机种子 {seed}，{n} 次重复", "{name} — seed {seed}, {n} replicate(s)"),
    "part_year_note": ("注：{year}年为部分年度（{months}个月），每年目标按月份折算（向上取整）。",
                       "Note: {year} is a part year ({months} months); per-year thresholds are prorated (rounded up)."),
    "report_written": ("报告已写入", "Report written to"),
    "report_time": ("报告用时 {s:.1f} 秒", "report took {s:.1f} s"),
}


def t(key: str, lang: str) -> str:
    zh, en = TEXT[key]
    return zh if lang == "zh" else en


def pick(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else en


def _trim(x: float, digits: int) -> str:
    s = f"{x:,.{digits}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def money(x: float, lang: str, digits: int = 1, unit: bool = True) -> str:
    """An amount of yuan: 1.2亿元 / 3,500万元 in Chinese, CNY 120 m / CNY 1.2 bn in English."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, float) and math.isinf(x):
        return pick("无界", "unbounded", lang)
    a = abs(x)
    if lang == "zh":
        if a >= 1e8:
            s = f"{_trim(x / 1e8, max(digits, 2))}亿"
        elif a >= 1e4:
            s = f"{_trim(x / 1e4, digits)}万"
        else:
            s = _trim(x, 0)
        return s + ("元" if unit else "")
    if a >= 1e9:
        s = f"{_trim(x / 1e9, max(digits, 2))} bn"
    elif a >= 1e6:
        s = f"{_trim(x / 1e6, digits)} m"
    elif a >= 1e3:
        s = f"{_trim(x / 1e3, digits)} k"
    else:
        s = _trim(x, 0)
    return ("CNY " if unit else "") + s


def count(x: float, lang: str) -> str:
    """A count for people: whole numbers plainly (1,237), others to one decimal; in Chinese from
    100,000 up in 万 (12.3万) and from 10^8 in 亿."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    x = float(x)
    if lang == "zh" and abs(x) >= 1e8:
        return f"{_trim(x / 1e8, 2)}亿"
    if lang == "zh" and abs(x) >= 1e5:
        return f"{_trim(x / 1e4, 1)}万"
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"
