"""The lottery's summary table as people read it, in Chinese or English (``scensim lottery`` and the report)."""

from __future__ import annotations

import re

import pandas as pd

from sim.base.numbers import estimate
from sim.report.i18n import pick

MEASURES = {
    "applicants": ("申请者", "applicants"),
    "winners": ("中签者", "winners"),
    "awards": ("资助项数", "awards"),
    "share_unused": ("未使用的资助占比", "share of awards unused"),
    "share_happened_anyway": ("没有资助也会发生的占比", "share that happened anyway"),
    "additionality": ("额外性（没有资助就不会发生）", "additionality (would not have happened)"),
    "winners_minus_losers": ("中签者减未中签者", "winners minus losers"),
    "award_effect_twin": ("资助效果（相对孪生模拟）", "award effect (vs twin run)"),
    "awards_additional": ("额外的资助占比", "share of awards additional"),
    "awards_deadweight": ("无谓的资助占比（没有也会发生）", "share of awards deadweight (would have happened)"),
    "awards_unused": ("未使用的资助占比（有孪生模拟者）", "share of awards unused (of those twinned)"),
    "new_partner_winners": ("中签者与新伙伴开展项目的概率", "likelihood of a project with a new partner: winners"),
    "new_partner_losers": ("未中签者与新伙伴开展项目的概率", "likelihood of a project with a new partner: losers"),
    "new_partner_difference": ("与新伙伴开展项目的概率差（中签减未中签）", "new-partner likelihood, winners minus losers"),
    "new_partner_relative": ("与新伙伴开展项目的概率相对提高", "new-partner likelihood, relative increase"),
}
OUTCOMES = {"pilots": ("试点", "pilots"), "validations": ("验证", "validations"),
            "private_cny": ("社会投资（元）", "private investment (CNY)"), "revenue_cny": ("收入（元）", "revenue (CNY)"),
            "new_partner": ("与新伙伴的项目", "projects with a new partner")}
NOTES = {
    "awards that were never used": "从未使用的资助",
    "funded project happened in the twin run without the award": "孪生模拟中没有资助时项目也发生了",
    "funded project did not happen without the award": "没有资助时项目没有发生",
    "awardee's outcome minus its twin's": "获资助者结果减去其孪生模拟结果",
    "share of awards with a twin run (the three sum to 1)": "占有孪生模拟的资助的比例（三者之和为 1）",
    "share with a project with a new partner": "与此前未合作过的一方开展试点项目的比例",
    "winners' likelihood over losers' − 1": "中签者概率除以未中签者概率减 1",
}


def measure_label(measure: str, lang: str) -> str:
    head, _, tail = measure.partition(".")
    zh, en = MEASURES.get(head, (head, head))
    if tail:
        ozh, oen = OUTCOMES.get(tail, (tail, tail))
        return pick(f"{zh}：{ozh}", f"{en}: {oen}", lang)
    return pick(zh, en, lang)


def note_label(note: str, lang: str) -> str:
    if lang != "zh" or not note:
        return note
    m = re.fullmatch(r"(\d+) winners, (\d+) losers", note)
    if m:
        return f"中签 {m[1]}，未中签 {m[2]}"
    return NOTES.get(note, note)




def lottery_rows(summary: pd.DataFrame, lang: str) -> tuple[list[str], list[list[str]]]:
    head = [pick("指标", "measure", lang), pick("时长", "horizon", lang), pick("估计", "estimate", lang),
            pick("95% 区间", "95% interval", lang), "n", pick("说明", "note", lang)]
    rows = []
    for r in summary.itertuples():
        hz = "" if pd.isna(r.horizon_months) else pick(f"{int(r.horizon_months)} 个月", f"{int(r.horizon_months)} m", lang)
        ci = "" if pd.isna(r.low) else f"[{estimate(r.low)}, {estimate(r.high)}]"
        rows.append([measure_label(r.measure, lang), hz, estimate(r.estimate), ci, str(r.n),
                     note_label(r.note if isinstance(r.note, str) else "", lang)])
    return head, rows
