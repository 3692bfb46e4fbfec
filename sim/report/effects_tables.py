"""The tables ``scensim effects`` prints and writes (``effects.md``, ready to paste into docs/levers.md),
in Chinese or English: per lever switched off and with its budget doubled, the paired change in each
target and in public cost with 95 % intervals, the cost per additional unit, and the flags."""

from __future__ import annotations

import math

from sim.analysis.effects import ALL_TARGETS, OFF_NOTES, last_years
from sim.levers import LEVERS
from sim.report.i18n import count, money, pick

VARIANT_LABEL = {"off": ("关闭", "off"), "double": ("预算翻倍", "budget ×2")}


def _signed(s: str, x: float) -> str:
    return f"+{s}" if x > 0 and not s.startswith("+") else s


def _interval(d: float, lo: float, hi: float, fmt) -> str:
    """``Δ [low, high]``, the change signed."""
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return "—"
    return f"{_signed(fmt(d), d)} [{fmt(lo)}, {fmt(hi)}]"


def _p(x: float) -> str:
    x = min(1.0, max(-1.0, x))  # a difference of probabilities (t intervals may overshoot)
    return f"{x:+.2f}".replace("+0.00", "0.00").replace("-0.00", "0.00")


def _labels(case, lang: str) -> tuple[dict, dict]:
    lever = {L.name: pick(L.label_zh, L.label_en, lang) for L in LEVERS}
    target = {tg.id: pick(tg.zh, tg.en, lang) for tg in case.targets}
    return lever, target


def _rows_by_variant(res: dict):
    """(lever, variant, that variant's effect rows or None, its row of effects_levers), in table order."""
    e = res["effects"]
    for r in res["effects_levers"].itertuples(index=False):
        g = e[(e["lever"] == r.lever) & (e["variant"] == r.variant)]
        yield r.lever, r.variant, (g.set_index(["quantity", "name", "period"]) if len(g) else None), r


def _status(r, lang: str) -> str | None:
    """Why a row has no numbers: not run (no budget, no off rule), or the case already has that setting."""
    if r.not_run:
        return {"no budget": pick("无预算", "no budget", lang),
                "no off rule": pick("无关闭规则", "no off rule", lang)}.get(r.not_run, r.not_run)
    if bool(r.same_as_baseline):
        return pick("与基准相同（案例中已是此设置）", "same as baseline (the case already has this setting)", lang)
    return None


def _flags(r, target_label: dict, lang: str) -> str:
    out = []
    for f in (r.flags.split(",") if r.flags else []):
        if f == "inert":
            out.append(pick("无可测效果（有预算）", "inert (budget, no measurable target effect)", lang))
        elif f == "negligible":
            out.append(pick("效果可忽略（不足目标值的 1%）", "negligible (effects below 1 % of the targets)", lang))
        elif f == "budget_not_binding":
            out.append(pick("预算不受约束（翻倍几乎不增加支出）", "budget not binding (doubling adds almost no spending)",
                            lang))
        elif f.startswith("cheap:"):
            tid = f.split(":", 1)[1]
            out.append(pick(f"单位成本异常低：{target_label.get(tid, tid)}",
                            f"cost per unit implausibly low: {target_label.get(tid, tid)}", lang))
    return "; ".join(out)


def effect_table(case, res: dict, lang: str):
    """(title, head, rows, left): per lever and variant, Δ own spending, Δ public cost, Δ each target's
    value in its last year and Δ P(all targets met) in the last year, with 95 % intervals; flags."""
    lever_label, target_label = _labels(case, lang)
    last = last_years(case)
    final = max(last.values()) if last else ""

    def cny(x):
        return money(x, lang, unit=False)

    head = [pick("政策工具", "Lever", lang), pick("变体", "Variant", lang),
            pick("本工具支出变化（元）", "Δ own spending (CNY)", lang),
            pick("公共成本变化（元）[95%]", "Δ public cost (CNY) [95%]", lang)]
    head += [f"{target_label[t]} {y}" for t, y in last.items()]
    head += [pick(f"全部目标同时达成概率 {final}", f"P(all targets met) {final}", lang), pick("提示", "Flags", lang)]
    rows = []
    for lever, variant, g, r in _rows_by_variant(res):
        row = [lever_label.get(lever, lever), pick(*VARIANT_LABEL[variant], lang)]
        status = _status(r, lang)
        if status or g is None:
            rows.append(row + [status or "—"] + [""] * (len(head) - 3))
            continue
        own = g.loc[("spent", lever, "horizon")] if ("spent", lever, "horizon") in g.index else None
        row.append(_signed(cny(own["delta"]), own["delta"]) if own is not None else "—")
        c = g.loc[("cost", "public_cost_cny", "horizon")]
        row.append(_interval(c["delta"], c["delta_low"], c["delta_high"], cny))
        for t, y in last.items():
            v = g.loc[("value", t, y)]
            row.append(_interval(v["delta"], v["delta_low"], v["delta_high"], lambda x: count(round(x, 1), lang)))
        j = g.loc[("met", ALL_TARGETS, final)] if ("met", ALL_TARGETS, final) in g.index else None
        row.append(_interval(j["delta"], j["delta_low"], j["delta_high"], _p) if j is not None else "—")
        row.append(_flags(r, target_label, lang))
        rows.append(row)
    title = pick("关闭或预算翻倍时各目标与公共成本的变化（相对基准，共同随机数配对差的均值 [95% t 区间]；目标为各自最后一年的值）",
                 "Change against the baseline when the lever is switched off or its budget doubled (mean paired "
                 "difference, common random numbers [95 % t interval]; targets: value in their last year)", lang)
    return title, head, rows, 2


def cost_table(case, res: dict, lang: str):
    """(title, head, rows, left): per lever and variant, the cost per additional unit of each target over
    the horizon (Δ public cost ÷ Δ units, paired bootstrap 95 %), or "no measurable effect"."""
    lever_label, target_label = _labels(case, lang)
    targets = list(last_years(case))
    head = [pick("政策工具", "Lever", lang), pick("变体", "Variant", lang)] + \
        [pick(f"{target_label[t]}（元/单位）", f"{target_label[t]} (CNY/unit)", lang) for t in targets]
    none = pick("无可测效果", "no measurable effect", lang)
    rows = []
    for lever, variant, g, r in _rows_by_variant(res):
        row = [lever_label.get(lever, lever), pick(*VARIANT_LABEL[variant], lang)]
        status = _status(r, lang)
        if status or g is None:
            rows.append(row + [status or "—"] + [""] * (len(head) - 3))
            continue
        for t in targets:
            u = g.loc[("units", t, "horizon")]
            if not u["measurable"]:
                row.append(none)
            elif math.isnan(u["cost_per_unit_cny"]):
                row.append("—")
            else:
                row.append(_interval(u["cost_per_unit_cny"], u["cost_per_unit_low"], u["cost_per_unit_high"],
                                     lambda x: money(x, lang, unit=False)).lstrip("+"))
        rows.append(row)
    title = pick("每增加一个目标单位的公共成本（整个期间：累计目标为末年值，年度目标为各年之和；配对自助法 95% 区间）",
                 "Public cost per additional unit of each target over the horizon (cumulative targets: value in "
                 "the last year; per-year targets: summed over their years; paired bootstrap 95 %)", lang)
    return title, head, rows, 2


def p_met_table(case, res: dict, lang: str):
    """(title, head, rows, left): Δ P(met) of each target in its last year and of all targets together
    over the horizon, per lever and variant (paired, 95 % t interval)."""
    lever_label, target_label = _labels(case, lang)
    last = last_years(case)
    head = [pick("政策工具", "Lever", lang), pick("变体", "Variant", lang)] + \
        [f"{target_label[t]} {y}" for t, y in last.items()] + [pick("全部目标（全期）", "All targets (all years)", lang)]
    rows = []
    for lever, variant, g, r in _rows_by_variant(res):
        row = [lever_label.get(lever, lever), pick(*VARIANT_LABEL[variant], lang)]
        status = _status(r, lang)
        if status or g is None:
            rows.append(row + [status or "—"] + [""] * (len(head) - 3))
            continue
        for key in [("met", t, y) for t, y in last.items()] + [("met", ALL_TARGETS, "all")]:
            m = g.loc[key]
            row.append(_interval(m["delta"], m["delta_low"], m["delta_high"], _p))
        rows.append(row)
    title = pick("达标概率的变化（相对基准，配对 [95% t 区间]）", "Change in P(target met) against the baseline (paired [95 % t interval])",
                 lang)
    return title, head, rows, 2


def tables(case, res: dict, lang: str) -> list:
    return [effect_table(case, res, lang), cost_table(case, res, lang), p_met_table(case, res, lang)]


def notes(res: dict, lang: str) -> list[str]:
    """What "off" leaves running for the levers run here, and how the flags and public cost are defined."""
    from sim.analysis.effects import CHEAP_FACTOR, NEGLIGIBLE_SHARE, NOT_BINDING_SHARE

    ran = set(res["effects_levers"]["lever"])
    out = [pick("公共成本＝政策工具支出（扣除收回）＋政府部门与市州政府作为业主支付的试点费用＋科技险方案亏损（其盈余抵减）。",
                "Public cost = lever spending (net of receipts) + government departments' and city governments' "
                "pilot payments as owners + the technology-insurance scheme's loss (its surplus subtracted).", lang),
           pick(f"提示仅为标记而非结论：“无可测效果”指有预算的工具关闭与翻倍均未使任何目标出现区间不含 0 的变化；"
                f"“效果可忽略”指可测的变化均不足目标值的 {NEGLIGIBLE_SHARE:.0%} 且不改变达标概率；"
                f"“单位成本异常低”指增加目标的单位成本低于同样增加该目标的各工具中位数的 {CHEAP_FACTOR:g} 倍（至少 3 个工具时）；"
                f"“预算不受约束”指预算翻倍后本工具支出增加不足年度预算的 {NOT_BINDING_SHARE:.0%}。",
                f"Flags are flags, not judgements: \"inert\" — a lever with a budget whose switching off and doubling "
                f"move no target by an interval excluding 0; \"negligible\" — its measurable changes are all below "
                f"{NEGLIGIBLE_SHARE:.0%} of the targets' thresholds and no P(met) moves; \"cost per unit implausibly "
                f"low\" — it adds to a target at below {CHEAP_FACTOR:g} × the median cost per unit of the levers that add "
                f"to it (when there are at least 3); \"budget not binding\" — doubling the budget raises its own "
                f"spending by less than {NOT_BINDING_SHARE:.0%} of the yearly budget.", lang)]
    for lever in [lv for lv in OFF_NOTES if lv in ran]:
        label = {L.name: pick(L.label_zh, L.label_en, lang) for L in LEVERS}[lever]
        out.append(pick(f"{label}关闭时：{OFF_NOTES[lever][0]}。", f"{label} off: {OFF_NOTES[lever][1]}.", lang))
    return out

