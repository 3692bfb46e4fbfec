"""Money that adds up: each bookkeeping bug of the first model has a test here (issue "Money that adds up")."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.model import ScenarioMarket


def flow(m, src, dst=None):
    return m.money.total(src, dst)


def test_try_first_payments_reach_suppliers(hunan):
    """A passed trial's payment leaves the lever's treasury and arrives in the supplier's cash (the first
    model booked ¥30 m of trial payments and moved none)."""
    m = ScenarioMarket(hunan.with_params({"try_first.share": 0.6}), seed=7).run()
    booked = sum(float(a.sum()) for _, _, _, a in m.fiscal.payments("trial_payment"))
    assert booked > 0
    assert flow(m, "treasury:try_first", "suppliers") == pytest.approx(booked)
    assert m.money.check() == []


def test_vouchers_commit_what_they_will_pay_and_lapses_free_the_current_year(hunan):
    """A voucher is committed at what it would pay towards the opportunity it was applied for (at most the
    cap), not at its face-value cap; a commitment lapsing in a later year frees that year's budget (the
    first model released it to the closed year it came from, stranding the money)."""
    m = ScenarioMarket(hunan, seed=5)
    v, f = m.levers["vouchers"], m.fiscal
    saw_carry = False
    while m.running:
        m.step()
        yi = f.years.index(m.year)
        if yi > 0 and f.carried_in["vouchers"][yi] > 0:
            saw_carry = True
            assert f.committed["vouchers"][yi - 1] == 0.0  # nothing is left stranded in a closed year
        held = v.value[v.value > 0]
        assert np.all(held <= v.p["cap_cny"] + 1e-6)
        # open commitments equal the value of vouchers still held
        assert f.committed["vouchers"][yi] == pytest.approx(float(v.value.sum()), abs=1e-3)
    assert v.issued > 0 and v.issued_cny / v.issued < v.p["cap_cny"]
    assert saw_carry


def test_each_finance_instrument_has_its_own_budget_line(hunan):
    """Guidance-fund co-investment cannot use up the money for insurance premiums (the first model's one
    pot was empty by May 2026): once the fund's line is spent in a year, premium subsidies are still
    paid later that year."""
    m = ScenarioMarket(hunan.with_params({"finance.guidance_match": 1.0}), seed=2).run()
    f = m.fiscal
    fund, premium = "finance.guidance_fund", "finance.premium_subsidy"
    assert set(f.budget) >= {fund, premium, "finance.interest_subsidy", "finance.guarantee"}
    share = {k: m.levers["finance"].p[f"line_share.{k.split('.')[1]}"] for k in f.budget if k.startswith("finance.")}
    for line, s in share.items():
        assert f.budget[line].sum() == pytest.approx(
            s / sum(share.values()) * sum(m.params["finance.budget_cny_per_year"] * hunan.months_in_year(y) / 12
                                          for y in f.years))
    deal = m.params["finance.ticket_cny"]  # one co-investment at a match of 1
    year = m.calendar.year_of
    premium_months = [t for t, _, _, a in f.payments("premium_subsidy")]
    found = False
    for yi, y in enumerate(f.years):
        if f.budget[fund][yi] - f.spent[fund][yi] >= deal:
            continue  # the fund's line had room left all year
        spent_out = max(t for t, _, _, a in f.payments("guidance_fund") if year[t] == y)
        found |= any(t > spent_out and year[t] == y for t in premium_months)
    assert found, "premium subsidies should go on after the fund's line is spent"


def test_the_insurer_collects_premiums_and_pays_claims(hunan):
    m = ScenarioMarket(hunan, seed=7).run()
    fin = m.levers["finance"].summary()
    assert fin["insurance_premiums_cny"] > 0 and fin["insurance_payouts_cny"] > 0
    assert m.money.balance["insurer"] == pytest.approx(fin["insurer_result_cny"])
    assert flow(m, "insurer", "suppliers") == pytest.approx(fin["insurance_payouts_cny"])


def test_risk_rated_premiums_charge_riskier_pilots_more(hunan):
    m = ScenarioMarket(hunan.with_params({"finance.premium_rating": 1.0}), seed=1)
    fin = m.levers["finance"]
    budget, own = np.full(3, 1e6), np.full(3, 5e5)
    p = np.array([0.2, 0.5, 0.9])
    prem = fin._premium_of(budget, own, p)
    assert prem[0] > prem[1] > prem[2] > 0
    flat = ScenarioMarket(hunan.with_params({"finance.premium_rating": 0.0}), seed=1).levers["finance"]
    assert np.allclose(flat._premium_of(budget, own, p), flat.p["premium_rate"] * budget)


def test_equity_exits_within_the_horizon_when_the_holding_period_allows(hunan):
    # firms decline equity when their own funds suffice, so stakes are few: take the first of a few seeds
    # whose stakes reach their exit within the horizon, then check the money of those exits
    case = hunan.with_params({"grant_to_equity.holding_months": 12, "grant_to_equity.equity_share": 0.5})
    for seed in range(3, 9):
        m = ScenarioMarket(case, seed=seed).run()
        s = m.levers["grant_to_equity"].summary()
        if s["equity_proceeds_cny"] > 0:
            break
    assert s["equity_invested_cny"] > 0 and s["equity_proceeds_cny"] > 0
    assert flow(m, "stake_buyers", "treasury:grant_to_equity") == pytest.approx(s["equity_proceeds_cny"])
    assert m.fiscal.net_spent()["grant_to_equity"] < flow(m, "treasury:grant_to_equity", "suppliers")


def test_public_owners_spending_is_counted_in_the_public_cost(hunan):
    m = ScenarioMarket(hunan, seed=7).run()
    cost = m.money.public_cost()
    owners = flow(m, "owners:gov", "suppliers") + flow(m, "owners:city", "suppliers")
    assert owners > 0
    assert cost["public_owner_spending_cny"].sum() == pytest.approx(owners)
    assert np.allclose(cost["total_public_cost_cny"], cost["lever_spending_cny"] + cost["public_owner_spending_cny"])
    # lever spending: the levers' ledgers plus the promotion centre's staff (sim.core.centre)
    assert cost["lever_spending_cny"].sum() == pytest.approx(sum(m.fiscal.net_spent().values()) + m.centre.cost.sum())
    assert cost["soe_owner_spending_cny"].sum() == pytest.approx(flow(m, "owners:soe", "suppliers"))


def test_public_cost_by_year_reports_the_insurer_open_commitments_and_the_portfolio(hunan):
    m = ScenarioMarket(hunan.with_params({"grant_to_equity.equity_share": 0.5}), seed=7).run()
    pc = m.money.public_cost().set_index("year")
    fin = m.levers["finance"].summary()
    assert pc["insurer_result_cny"].sum() == pytest.approx(fin["insurer_result_cny"])
    last = m.calendar.years[-1]
    assert pc.loc[last, "open_commitments_cny"] == pytest.approx(sum(m.fiscal.open_commitments().values()))
    assert pc.loc[last, "equity_portfolio_value_cny"] == pytest.approx(
        m.levers["grant_to_equity"].summary()["equity_portfolio_value_cny"])
    assert pc["open_commitments_cny"].notna().all() and (pc["equity_portfolio_value_cny"] > 0).any()


def test_with_the_warm_start_procurement_acts_from_the_first_months(hunan):
    """Solutions proven before the plan can be bought from month 1 (the first model started empty and
    procurement spent ¥2 m of its ¥150 m 2026 budget)."""
    def early_procurement(params):
        m = ScenarioMarket(hunan.with_params(params), seed=3)
        for _ in range(3):
            m.step()
        return sum(float(a.sum()) for _, _, _, a in m.fiscal.payments("procurement")), m

    warm, m = early_procurement({})
    assert (m.scenarios.month_solicited < 0).sum() == sum(hunan.values[f"initial.validated.{t}"]
                                                          for t in ("major", "integrated", "small_cut"))
    cold, m0 = early_procurement({f"initial.validated.{t}": 0 for t in ("major", "integrated", "small_cut")})
    assert warm > 0 and cold == 0
    assert len(m0.scenarios) == 0 or (m0.scenarios.month_solicited >= 0).all()
