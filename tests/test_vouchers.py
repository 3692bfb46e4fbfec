"""Scenario innovation vouchers: claimed against a contract, held by suppliers or owners, changing the decision
only of those held back by cash or risk; the lottery's shares and the Creative-Credits-style measure."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.lottery import relative_increase, run_lottery
from sim.base.vocab import SUPPLIER_KINDS
from sim.core.agents import owner_score
from sim.core.case import load_case
from sim.core.model import P_MATCHED, ScenarioMarket

from .conftest import ROOT

SMALL_CASE = ROOT / "scenarios" / "synthetic_small.toml"
RAN = (1, 2, 3)


@pytest.fixture(scope="module")
def small():
    return load_case(SMALL_CASE)


def warm(case, seed=3, months=4, **params):  # params: {"name": value}
    m = ScenarioMarket(case.with_params(params) if params else case, seed=seed)
    for _ in range(months):
        m.step()
    return m


def small_suppliers_with_capability(m, domain, n):
    caps = np.flatnonzero(m.capabilities.domain == domain)
    sup = m.capabilities.supplier[caps]
    ok = m.suppliers.alive[sup] & (m.suppliers.kind[sup] == SUPPLIER_KINDS.index("startup"))
    sup, caps = sup[ok], caps[ok]
    _, first = np.unique(sup, return_index=True)
    assert len(first) >= n
    return sup[first][:n], caps[first][:n]


# -- supply side -------------------------------------------------------------------------------------
def landing_with(case, voucher: bool):
    """A poor and a rich startup each about to land a pilot with an own outlay of ¥1 m; the poor one has
    ¥0.8 m. With ``voucher`` both hold one worth ¥300k (committed against the budget)."""
    m = warm(case)
    o = m.open_scenarios()[0]
    s, c = small_suppliers_with_capability(m, m.scenarios.domain[o], 2)
    m.suppliers.cash[s] = [8e5, 5e7]
    pil = m.pilots.add(scenario=[o, o], supplier=s, cap=c, month_matched=m.t, month_land=m.t + 1,
                       p_success=[0.5, 0.5], outlay=[1e6, 1e6], status=P_MATCHED)
    v = m.levers["vouchers"]
    if voucher:
        v.value[s] = m.fiscal.commit("vouchers", np.array([3e5, 3e5]))
        v.target[s] = o
        v.expiry[s] = m.t + 6
    m.t += 1
    m.land()
    return m, pil, s


def test_supply_voucher_lands_the_cash_constrained_pilot_and_not_more(small):
    without, pil, _ = landing_with(small, voucher=False)
    with_, pil2, s = landing_with(small, voucher=True)
    assert np.array_equal(pil, pil2)
    ran0 = np.isin(without.pilots.status[pil], RAN)
    ran1 = np.isin(with_.pilots.status[pil], RAN)
    assert list(ran0) == [False, True]  # the poor startup cannot fund ¥1 m from ¥0.8 m; the rich one can
    assert list(ran1) == [True, True]  # the voucher moves only the poor one (for the rich one: deadweight)
    paid = [a for t, sup, _, amount in with_.fiscal.payments("voucher") if t == with_.t
            for x, a in zip(sup, amount) if x in s]
    assert paid == [3e5, 3e5]  # both claim against their signed, landed contracts
    assert with_.levers["vouchers"].value[s].sum() == 0


def test_supply_voucher_lifts_the_bid_only_where_cash_held_it_back(small):
    m = warm(small)
    o = m.open_scenarios()
    pairs = m.candidate_pairs(o)
    small_kind = np.isin(m.suppliers.kind[pairs.supplier], [SUPPLIER_KINDS.index(k) for k in ("startup", "sme")])
    pairs = pairs.take(small_kind & (pairs.outlay > 2e5))
    _, first = np.unique(pairs.supplier, return_index=True)
    pairs = pairs.take(first[:6])
    assert len(pairs) >= 2
    share = m.params["bid.max_cash_share"]
    cover = np.minimum(3e5, 0.5 * pairs.outlay)
    # poor: the outlay exceeds the cash it will risk, the outlay net of the voucher does not
    m.suppliers.cash[pairs.supplier] = (pairs.outlay - cover / 2) / share
    before = m.bid_probabilities(pairs)
    v = m.levers["vouchers"]
    v.value[pairs.supplier], v.target[pairs.supplier] = 3e5, pairs.scenario
    after = m.bid_probabilities(pairs)
    assert np.all(before == 0) and np.all(after > 0)
    # rich: affordable either way; the voucher adds only its value to the bid's expected net value
    m.suppliers.cash[pairs.supplier] = 1e9
    rich_with = m.bid_probabilities(pairs)
    v.value[pairs.supplier] = 0.0
    rich_without = m.bid_probabilities(pairs)
    assert np.all(rich_without > 0) and np.all(rich_with >= rich_without)


# -- demand side -------------------------------------------------------------------------------------
def award_with(case, readiness_gap: float, validated: int, voucher: bool):
    """One unproven (or proven) startup bids for a scenario; its perceived score is ``readiness_gap`` TRL
    from the owner's bar before the owner's risk penalty. Returns whether the owner accepted."""
    m = warm(case, months=3, **{"vouchers.demand_side": True, "vouchers.budget_cny_per_year": 1e8})
    v = m.levers["vouchers"]
    m.fiscal.release("vouchers", v.value.sum())
    v.value[:] = 0.0
    o = m.open_scenarios()
    o = o[v._expected_payment(o) > 0][0]
    s, c = small_suppliers_with_capability(m, m.scenarios.domain[o], 1)
    m.suppliers.n_validated[s] = validated
    skey, okey = m.suppliers.key[s], m.scenarios.key[[o]]
    noise = m.draws.normal("perceive", m.t, skey, okey, scale=m.params["owner.perception_sd"])
    p = m.params
    record = p["owner.record_bonus"] * min(validated, 3)
    m.capabilities.readiness[c] = m.scenarios.required[o] + p["owner.min_score"] - noise - record + readiness_gap
    if voucher:
        owner = m.scenarios.opener[o]
        v.value[owner] = m.fiscal.commit("vouchers", np.array([v.p["share"] * v._expected_payment(np.array([o]))[0]]))[0]
        assert v.value[owner] > 0
        v.target[owner] = o
        v.expiry[owner] = m.t + 6
    ra = m.risk_aversion(np.array([o]))[0]
    newness = m.kind_newness[m.suppliers.kind[s]][0] * (validated == 0)
    m.suppliers.load[s] = 0
    bids = m.pairs_for(s, np.array([o]))
    before = len(m.pilots)
    m._award(bids)
    accepted = len(m.pilots) > before
    score = owner_score(m.capabilities.readiness[c] + noise, m.scenarios.required[o], validated,
                        p["owner.record_bonus"], ra, newness)[0]
    assert accepted == (score >= p["owner.min_score"])
    return accepted, ra


def test_demand_voucher_moves_only_the_owner_held_back_by_risk(small):
    # a startup (newness 1) whose score before the risk penalty is ``gap`` above the owner's bar is accepted
    # when gap >= the owner's risk aversion; the voucher lowers that aversion from ra0 to ra1
    acc0, ra0 = award_with(small, readiness_gap=0.0, validated=0, voucher=False)
    _, ra1 = award_with(small, readiness_gap=0.0, validated=0, voucher=True)
    assert not acc0 and 0 < ra1 < ra0
    between = (ra0 + ra1) / 2  # held back by risk, by less than the voucher's relief: moved
    assert not award_with(small, between, 0, False)[0] and award_with(small, between, 0, True)[0]
    above = ra0 + 0.2  # clears the bar anyway: accepted either way (deadweight when the voucher pays)
    assert award_with(small, above, 0, False)[0] and award_with(small, above, 0, True)[0]
    below = ra1 - 0.2  # held back by more than the relief: not moved
    assert not award_with(small, below, 0, False)[0] and not award_with(small, below, 0, True)[0]
    for gap in (-0.05, 0.05):  # a proven supplier carries no risk penalty: the voucher changes nothing
        assert award_with(small, gap, 1, False)[0] == award_with(small, gap, 1, True)[0] == (gap >= 0)


# -- the scheme's rules over whole runs --------------------------------------------------------------
@pytest.mark.parametrize("demand", [False, True])
def test_vouchers_are_paid_only_against_a_landed_contract_and_money_is_conserved(small, demand):
    case = small.with_params({"vouchers.demand_side": demand, "vouchers.budget_cny_per_year": 2e7})
    m = ScenarioMarket(case, seed=2)
    v = m.levers["vouchers"]
    while m.running:
        m.step()
        # open commitments are exactly the value of vouchers still held (unused ones lapse and release)
        assert sum(m.fiscal.open_commitments().values()) == pytest.approx(v.value.sum() + _other_commitments(m), abs=1)
    pays = m.fiscal.payments("voucher")
    assert pays and v.redeemed > 0 and v.expired > 0
    pil = m.pilots
    for t, sup, scn, amount in pays:
        for s_, o_, a in zip(sup, scn, amount):
            landed = (pil.supplier == s_) & (pil.scenario == o_) & (pil.month_land == t) & np.isin(pil.status, RAN)
            assert landed.any()  # claimed against a pilot contract that landed that month
            assert a <= v.p["cap_cny"] + 1e-6
    assert m.money.check() == []
    assert m.fiscal.over_budget() == []
    if demand:  # the owner paid less by exactly what the vouchers paid
        assert v.redeemed_cny == pytest.approx(float(sum(a.sum() for *_, a in pays)))


def _other_commitments(m):
    return sum(val for k, val in m.fiscal.open_commitments().items() if k != "vouchers")


def test_a_voucher_unused_at_its_expiry_lapses_and_frees_the_budget(small):
    m = warm(small, months=2)
    v = m.levers["vouchers"]
    s = np.flatnonzero(m.suppliers.alive & ~v.holds())[:1]
    before_avail = m.fiscal.available("vouchers")
    v.value[s] = m.fiscal.commit("vouchers", np.array([2e5]))
    v.expiry[s] = m.t
    assert m.fiscal.available("vouchers") == pytest.approx(before_avail - 2e5)
    expired = v.expired
    v.on_month_end()
    assert v.expired == expired + 1 and v.value[s][0] == 0
    assert m.fiscal.available("vouchers") == pytest.approx(before_avail)


# -- the lottery -------------------------------------------------------------------------------------
@pytest.mark.parametrize("demand", [False, True])
def test_lottery_reports_shares_summing_to_one_and_the_new_partner_measure(small, demand):
    case = small.with_params({"vouchers.demand_side": demand, "vouchers.budget_cny_per_year": 2e7})
    res = run_lottery(case, "vouchers", seed=1, max_twins=3)
    s = res["lottery_summary"]
    shares = s[s.measure.isin(["awards_additional", "awards_deadweight", "awards_unused"])]
    assert len(shares) == 3 and shares.estimate.sum() == pytest.approx(1.0)
    assert set(shares.n) == {3}
    np_ = s[s.measure.str.startswith("new_partner_") & (s.horizon_months == 6)].set_index("measure")
    assert {"new_partner_winners", "new_partner_losers", "new_partner_difference"} <= set(np_.index)
    w, lo = np_.loc["new_partner_winners", "estimate"], np_.loc["new_partner_losers", "estimate"]
    assert 0 <= w <= 1 and 0 <= lo <= 1
    assert np_.loc["new_partner_difference", "estimate"] == pytest.approx(w - lo)
    who = "owner" if demand else "supplier"
    assert f"{who}_id" in res["lottery_applicants"] and f"{who}_id" in res["lottery_awards"]


def test_relative_increase_interval():
    rr, lo, hi = relative_increase(40, 75, 20, 75)
    assert rr == pytest.approx(1.0) and lo < 1.0 < hi and lo > 0
    assert np.isnan(relative_increase(3, 10, 0, 10)[0])
