"""The public-cost table ``scensim run`` prints: lever spending, public owners' spending and their sum by
year, SOEs' pilot payments apart, and what is still owed or held at the end (open commitments, the
insurer's result, the equity portfolio against its cost) — medians over replicates, in 万元 in Chinese
and CNY million in English (the units each reader counts in; the report's other money tables agree)."""

from __future__ import annotations

from sim.report.i18n import pick


def public_cost_rows(results, lang: str) -> tuple[str, list[str], list[list[str]]]:
    """(title, head, rows) of the public-cost table (medians over replicates; 万元 or CNY m)."""
    pc = results.public_cost
    unit, fmt = (1e4, "{:,.0f}") if lang == "zh" else (1e6, "{:,.1f}")
    head = [pick("年份", "Year", lang), pick("政策工具支出", "Lever spending", lang),
            pick("政府业主支付", "Public owners paid", lang), pick("公共总成本", "Total public cost", lang),
            pick("国企业主支付", "SOE owners paid", lang), pick("科技险损益", "Insurer result", lang),
            pick("年末未兑付承诺", "Open commitments (year end)", lang),
            pick("年末股权估值", "Equity value (year end)", lang)]
    cols = ["lever_spending_cny", "public_owner_spending_cny", "total_public_cost_cny", "soe_owner_spending_cny",
            "insurer_result_cny", "open_commitments_cny", "equity_portfolio_value_cny"]
    flows = cols[:5]
    rows = []
    by_year = pc.groupby("year")[cols].median()
    for year, r in by_year.iterrows():
        rows.append([str(year)] + [fmt.format(r[c] / unit) for c in cols])
    total = pc.groupby("replicate")[flows].sum().median()
    rows.append([pick("合计", "All years", lang)] + [fmt.format(total[c] / unit) for c in flows] + ["", ""])
    title = pick("公共成本（万元，各重复中位数；政府业主＝省直部门与市州政府作为场景业主支付的试点费用）",
                 "Public cost (CNY million, median over replicates; public owners = government departments and city "
                 "governments paying for pilots as scenario owners)", lang)
    return title, head, rows


def end_of_run_lines(results, lang: str) -> list[str]:
    """What is still owed or held at the end of the horizon (medians over replicates; 万元 or CNY m)."""
    runs = results.runs
    unit = 1e4 if lang == "zh" else 1e6

    def med(col):
        return float(runs[col].median()) / unit if col in runs.columns else float("nan")

    lines = [pick(f"期末未兑付承诺：{med('open_commitments_cny'):,.0f} 万元（创新券、试用付费等已承诺未支付）",
                  f"Open commitments at the end: CNY {med('open_commitments_cny'):,.1f} m (vouchers and trial "
                  "payments promised, not paid)", lang)]
    if "insurer_result_cny" in runs.columns:
        lines.append(pick(f"科技险方案损益（保费−赔付）：{med('insurer_result_cny'):,.0f} 万元",
                          f"Technology-insurance scheme result (premiums − claims): CNY {med('insurer_result_cny'):,.1f} m",
                          lang))
    if "equity_invested_cny" in runs.columns:
        lines.append(pick(f"股权投资：成本 {med('equity_invested_cny'):,.0f} 万元，期末估值 "
                          f"{med('equity_portfolio_value_cny'):,.0f} 万元，已退出收回 {med('equity_proceeds_cny'):,.0f} 万元",
                          f"Equity (CNY m): cost {med('equity_invested_cny'):,.1f}, value at the horizon "
                          f"{med('equity_portfolio_value_cny'):,.1f}, exits {med('equity_proceeds_cny'):,.1f}",
                          lang))
    return lines
