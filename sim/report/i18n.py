"""Chinese and English labels for printed tables and figures."""

from __future__ import annotations

LANGS = ("zh", "en")

TEXT = {
    "median": ("中位数", "median"),
    "band50": ("50% 区间", "50% band"),
    "band90": ("90% 区间", "90% band"),
    "target": ("目标", "target"),
    "month": ("月份", "Month"),
    "ytd": ("当年累计", "year to date"),
    "cumulative": ("自2026年4月起累计", "cumulative since start"),
    "p_met": ("达标概率", "P(met)"),
    "replicates": ("重复次数", "replicates"),
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
    "fiscal": ("财政支出（万元，各重复中位数）", "Fiscal spending (CNY 10k, median over replicates)"),
    "lever": ("政策工具", "Lever"),
    "budget": ("预算", "Budget"),
    "spent": ("支出", "Spent"),
    "written": ("结果已写入", "Results written to"),
    "part_year_note": ("注：{year}年为部分年度（{months}个月），每年目标按月份折算（向上取整）。",
                       "Note: {year} is a part year ({months} months); per-year thresholds are prorated (rounded up)."),
}


def t(key: str, lang: str) -> str:
    zh, en = TEXT[key]
    return zh if lang == "zh" else en


def pick(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else en
