"""The tables ``scensim compare`` prints and writes, in Chinese or English."""

from __future__ import annotations

import math

from sim.analysis.compare import BUDGETED, PUBLIC_OWNERS, Comparison
from sim.core.targets import threshold_for
from sim.report.i18n import pick
from sim.report.tables import money_text
from sim.base.numbers import count as num


def _key_periods(cmp: Comparison) -> list[tuple[str, str]]:
    """For each target: its last evaluated year, and its all-years row if it has one."""
    out = []
    for tg in cmp.case.targets:
        years = [y for y in cmp.case.years if threshold_for(cmp.case, tg, y) is not None]
        out.append((tg.id, str(years[-1])))
        if tg.kind == "per_year" and len(years) > 1:
            out.append((tg.id, f"{years[0]}–{years[-1]}"))
    return out


def tables_for_print(cmp: Comparison, res: dict, lang: str):
    label = {tg.id: pick(tg.zh, tg.en, lang) for tg in cmp.case.targets}
    mixname = {m.id: pick(m.zh, m.en, lang) for m in cmp.mixes}
    s = res["summary"].set_index(["mix", "target", "period"])
    head = [pick("目标", "Target", lang), pick("年份", "Year", lang)] + [mixname[m.id] for m in cmp.mixes]
    rows = []
    for tid, period in _key_periods(cmp):
        row = [label[tid], period]
        for m in cmp.mixes:
            r = s.loc[(m.id, tid, period)]
            row.append(f"{r['p_met']:.2f} [{r['p_low']:.2f},{r['p_high']:.2f}]")
        rows.append(row)
    j = res["joint"].set_index(["mix", "period"])  # all targets met together (joint_attainment)
    for period in dict.fromkeys(res["joint"]["period"]):
        rows.append([pick("全部目标同时达成", "All targets met together", lang),
                     pick("全期", "all years", lang) if period == "all" else period]
                    + [f"{j.loc[(m.id, period), 'p_met']:.2f} [{j.loc[(m.id, period), 'p_low']:.2f},"
                       f"{j.loc[(m.id, period), 'p_high']:.2f}]" for m in cmp.mixes])
    p_table = (pick("达标概率 [95% 区间]；每个目标列出最后考核年份及全期（其余年份见 compare_summary）",
                    "P(target met) [95% CI]; each target's last year and all its years (the other years: "
                    "compare_summary)", lang), head, rows, 2)
    med_rows = []
    for tid, period in _key_periods(cmp):
        if not period.isdigit():
            continue
        row = [label[tid], period]
        for m in cmp.mixes:
            r = s.loc[(m.id, tid, period)]
            row.append(f"{num(r['median'])} ({num(r['q05'])}–{num(r['q95'])})")
        med_rows.append(row)
    m_table = (pick("目标值中位数（5%–95%）", "Median target value (5%–95%)", lang), head, med_rows, 2)

    fiscal = res["fiscal"].pivot(index="mix", columns="lever", values="mean_cny")
    owners = fiscal[PUBLIC_OWNERS] if PUBLIC_OWNERS in fiscal.columns else None
    levers = [lv for lv in BUDGETED if lv in fiscal.columns]
    from sim.levers import LEVERS

    zh_name = {lever.name: lever.label_zh for lever in LEVERS}  # in Chinese the levers' names; in English their ids
    fhead = ([pick("组合", "Mix", lang)] + [pick(zh_name.get(lv, lv), lv, lang) for lv in levers]
             + [pick("合计", "Total", lang), pick("预算使用率", "Budget used", lang),
                pick("公共业主支付", "Public owners paid", lang), pick("公共总成本", "Total public cost", lang)])
    frows = []
    budget = cmp.total_budget * sum(cmp.case.months_in_year(y) for y in cmp.case.years) / 12
    for m in cmp.mixes:
        vals = fiscal.loc[m.id, levers]
        own = float(owners.loc[m.id]) if owners is not None else 0.0
        frows.append([mixname[m.id]] + [money_text(v, lang) for v in vals]
                     + [money_text(vals.sum(), lang), f"{vals.sum() / budget:.0%}", money_text(own, lang),
                        money_text(vals.sum() + own, lang)])
    f_table = (pick("平均财政支出（万元，整个期间，扣除股权退出收回）",
                    "Mean fiscal spending (CNY million, whole horizon, net of equity receipts)", lang),
               fhead, frows, 1)

    vb = res["versus_baseline"].set_index(["mix", "target", "period"])
    vhead = [pick("组合", "Mix", lang), pick("目标", "Target", lang), pick("年份", "Year", lang),
             pick("相对基准的变化 [95%]", "Δ value vs baseline [95%]", lang),
             pick("支出变化（万元）", "Δ spending (CNY million)", lang),
             pick("每增加一个单位的成本（万元）[95%]", "Cost per extra unit (CNY million) [95%]", lang),
             pick("按公共总成本（万元）[95%]", "On total public cost (CNY million) [95%]", lang)]
    vrows = []

    def money(x):  # a cost per unit: one decimal more than the totals
        return money_text(x, lang, decimals=1) if math.isfinite(x) else pick("无界", "unbounded", lang)

    for m in cmp.mixes:
        if m.id == cmp.baseline:
            continue
        for tid, period in _key_periods(cmp):
            if not period.isdigit():
                continue  # the all-years rows count years met; a cost per year met is not meaningful
            r = vb.loc[(m.id, tid, period)]
            def per_unit(prefix):
                return ("—" if math.isnan(r[f"{prefix}_cny"]) else
                        f"{money(r[f'{prefix}_cny'])} [{money(r[f'{prefix}_low'])}, {money(r[f'{prefix}_high'])}]")

            cost, public = per_unit("cost_per_extra_unit"), per_unit("public_cost_per_extra_unit")
            vrows.append([mixname[m.id], label[tid], period,
                          f"{num(round(r['delta_value'], 1))} [{num(round(r['delta_value_low'], 1))}, "
                          f"{num(round(r['delta_value_high'], 1))}]",
                          money_text(r["delta_cost_cny"], lang), cost, public])
    v_table = (pick("相对基准（共同随机数，配对比较；成本为负表示以更少支出获得增量；— 表示无增量）",
                    "Against the baseline (common random numbers, paired; a negative cost means the gain came "
                    "with less spending; — means no gain)", lang),
               vhead, vrows, 3)
    return [p_table, m_table, f_table, v_table]


def markdown_table(title, head, rows, left=None) -> str:
    from sim.report.escape import md

    lines = [f"## {md(title)}", "", "| " + " | ".join(md(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(md(c) for c in r) + " |" for r in rows]  # mix names come from the file
    return "\n".join(lines) + "\n"
