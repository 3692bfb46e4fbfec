"""Each lever moves the quantity it acts on in the intended direction (fixed seeds, common random numbers)."""

import numpy as np
import pytest

from sim.core.model import ScenarioMarket
from sim.base.vocab import SUPPLIER_KINDS, State

SEEDS = [1, 2, 3, 4]
OFF = {"vouchers.budget_cny_per_year": 0.0, "grant_to_equity.budget_cny_per_year": 0.0,
       "procurement.budget_cny_per_year": 0.0}
SMALL = [SUPPLIER_KINDS.index("startup"), SUPPLIER_KINDS.index("sme")]


def runs(case, params, seeds=SEEDS):
    return [ScenarioMarket(case.with_params({**OFF, **params}), seed=s).run() for s in seeds]


def small_supplier_pilots(m):
    landed = m.pilots.month_land[(m.pilots.status >= 1) & (m.pilots.status <= 3)]
    kinds = m.suppliers.kind[m.pilots.supplier[(m.pilots.status >= 1) & (m.pilots.status <= 3)]]
    return int(np.isin(kinds, SMALL).sum()) if len(landed) else 0


def test_vouchers_bring_more_pilots_by_small_suppliers(hunan):
    off = runs(hunan, {})
    on = runs(hunan, {"vouchers.budget_cny_per_year": 1.5e8, "vouchers.share": 0.6, "vouchers.cap_cny": 1e6})
    assert sum(map(small_supplier_pilots, on)) > sum(map(small_supplier_pilots, off))
    assert all(m.levers["vouchers"].redeemed > 0 for m in on)
    assert all(m.levers["vouchers"].issued == 0 for m in off)
    # the lever acts on suppliers' bids: a voucher holder's bid chance is higher than without it
    m = ScenarioMarket(hunan.with_params({"vouchers.budget_cny_per_year": 1.5e8}), seed=1)
    for _ in range(4):
        m.step()
    o = m.open_scenarios()
    sup = np.flatnonzero(m.suppliers.alive & np.isin(m.suppliers.kind, SMALL))
    pairs = m.candidate_pairs(o)
    pairs = pairs.take(np.isin(pairs.supplier, sup) & (pairs.outlay > 0))
    pairs = pairs.take(np.unique(pairs.supplier, return_index=True)[1])  # one pair per supplier: a voucher names one
    before = m.bid_probabilities(pairs)
    m.levers["vouchers"].value[pairs.supplier] = 5e5
    m.levers["vouchers"].target[pairs.supplier] = pairs.scenario  # a voucher is for the contract it names
    after = m.bid_probabilities(pairs)
    assert np.all(after >= before) and np.mean(after > before) > 0.5


def test_grant_support_brings_more_small_supplier_pilots_and_equity_is_selective(hunan):
    off = runs(hunan, {})
    grant = runs(hunan, {"grant_to_equity.budget_cny_per_year": 4e8, "grant_to_equity.equity_share": 0.0,
                         "grant_to_equity.support_share": 0.4})
    assert sum(map(small_supplier_pilots, grant)) > sum(map(small_supplier_pilots, off))
    equity = runs(hunan, {"grant_to_equity.budget_cny_per_year": 4e8, "grant_to_equity.equity_share": 1.0,
                          "grant_to_equity.support_share": 0.4, "grant_to_equity.holding_months": 12})
    g_paid = [m.fiscal.ledger().query("flow == 'grant'").shape[0] for m in grant]
    e_paid = [m.fiscal.ledger().query("flow == 'equity'").shape[0] for m in equity]
    assert sum(e_paid) < sum(g_paid)  # screening and acceptance: fewer pilots supported
    assert all(m.levers["grant_to_equity"].summary()["equity_proceeds_cny"] > 0 for m in equity)
    spent = lambda ms: sum(m.fiscal.spent["grant_to_equity"].sum() for m in ms)  # noqa: E731
    assert spent(equity) < spent(grant)


def test_procurement_and_first_purchase_raise_adoption(hunan):
    off = runs(hunan, {})
    on = runs(hunan, {"procurement.budget_cny_per_year": 8e8, "procurement.hazard_per_year": 0.6})
    adoptions = lambda ms: sum(int(m.recorder.monthly("adoptions").sum()) for m in ms)  # noqa: E731
    assert adoptions(on) > adoptions(off)
    fp = runs(hunan, {"procurement.budget_cny_per_year": 8e8, "procurement.hazard_per_year": 0.0,
                      "procurement.first_purchase": True})
    for m in fp:
        bought = m.fiscal.ledger().query("flow == 'first_purchase'")
        assert len(bought) > 0
        assert len(bought) <= int((m.scenarios.month_validated >= 0).sum())


def test_matchmaking_events_serve_more_firms(hunan):
    served = lambda ms: sum(int(m.recorder.monthly("served").sum()) for m in ms)  # noqa: E731
    few = runs(hunan, {"matchmaking.events_per_month": 0.5})
    many = runs(hunan, {"matchmaking.events_per_month": 4.0})
    assert served(many) > served(few)
    reach_lo = runs(hunan, {"matchmaking.platform_reach": 0.02})
    reach_hi = runs(hunan, {"matchmaking.platform_reach": 0.2})
    assert served(reach_hi) > served(reach_lo)


def test_an_event_in_a_domain_without_live_suppliers_invites_no_one(hunan):
    """Every supplier gone (exit): an event's domain has no one to invite, and the event is skipped (it
    failed once on the tiny sweep spec: deduplicating an empty list of attendees)."""
    m = ScenarioMarket(hunan.with_params({"matchmaking.events_per_month": 4.0}), seed=1)
    m.step()
    m.suppliers.alive[:] = False
    served = int(m.recorder.monthly("served").sum())
    m.step()
    assert int(m.recorder.monthly("served").sum()) == served


@pytest.mark.parametrize("name", ["vouchers", "grant_to_equity", "procurement"])
def test_zero_budget_spends_nothing(hunan, name):
    m = ScenarioMarket(hunan.with_params({f"{name}.budget_cny_per_year": 0.0}), seed=1).run()
    assert m.fiscal.spent[name].sum() == 0
    assert m.fiscal.ledger().query("lever == @name").empty


# -- levers of the provincial plans beyond the first three (issue 3) -------------------------------
PUBLIC = ("gov", "city", "soe")


def unproven_small_wins_in_public(m):
    """Pilots landed by startups/SMEs without a validated pilot at the time, in public owners' scenarios."""
    from sim.base.vocab import OPENER_KINDS

    pil = m.pilots
    landed = np.flatnonzero(np.isin(pil.status, (1, 2, 3)))
    owner_kind = np.array(OPENER_KINDS)[m.openers.kind[m.scenarios.opener[pil.scenario[landed]]]]
    small = np.isin(m.suppliers.kind[pil.supplier[landed]], SMALL)
    return int((small & np.isin(owner_kind, PUBLIC)).sum())


def test_try_first_shifts_risk_from_owners_to_suppliers(hunan):
    # public money lost on failed pilots varies much from run to run (by a factor of two between twin runs
    # of one seed), so this compares 8 seeds: on the 4 of SEEDS the sum went the other way after a change
    # of random stream (matchmaking's platform, issue 15) although over 16 seeds it fell by 14 % (12 of 16)
    seeds = range(1, 9)
    off = runs(hunan, {"try_first.budget_cny_per_year": 0.0}, seeds)
    on = runs(hunan, {"try_first.budget_cny_per_year": 1e8, "try_first.share": 0.8}, seeds)
    # owners pay nothing for trials that fail: public money lost on failed pilots falls
    lost = lambda ms: sum(float(m.pilots.opener_paid[m.pilots.status == 3].sum()) for m in ms)  # noqa: E731
    assert lost(on) < lost(off)
    assert all(m.levers["try_first"].trials > 0 for m in on)
    assert sum(m.levers["try_first"].reports for m in on) > 0
    for m in on:  # a passed trial is paid from the lever's budget, once
        paid = m.fiscal.ledger().query("flow == 'trial_payment'")
        assert len(paid) == m.levers["try_first"].reports
    # whom trials reach and the owner's decision they change: tests/test_lever_mechanisms.py (trial terms
    # also move the whole pilot cost onto the supplier, so more unproven wins overall is not implied)


def test_diligence_exemption_lowers_public_owners_risk_aversion(hunan):
    alone = {"try_first.budget_cny_per_year": 0.0}  # free trials also cut owners' risk aversion
    off = runs(hunan, {**alone, "diligence_exemption.on": False})
    on = runs(hunan, {**alone, "diligence_exemption.on": True, "diligence_exemption.risk_cut": 0.8})
    assert sum(map(unproven_small_wins_in_public, on)) > sum(map(unproven_small_wins_in_public, off))
    m = on[0]
    o = np.arange(len(m.scenarios))
    public = np.isin(np.array(["gov", "city", "soe", "leader", "base"])[m.openers.kind[m.scenarios.opener[o]]], PUBLIC)
    base = m.opener_risk[m.openers.kind[m.scenarios.opener[o]]]
    ra_on = m.risk_aversion(o)
    assert public.any() and (~public).any()
    assert np.all(ra_on[public] < base[public]) and np.all(ra_on[~public] == base[~public])
    m_off = off[0]
    o_off = np.arange(len(m_off.scenarios))
    assert np.array_equal(m_off.risk_aversion(o_off), m_off.opener_risk[m_off.openers.kind[m_off.scenarios.opener[o_off]]])


def test_sandbox_opens_regulated_domains_earlier_and_admits_incidents(hunan):
    off = runs(hunan, {"sandbox.on": False})
    on = runs(hunan, {"sandbox.on": True, "sandbox.relief": 0.9, "sandbox.incident_rate": 0.1})

    def regulated(ms):
        n, wait = 0, []
        for m in ms:
            reg = m.domain_regulated[m.scenarios.domain]
            n += int((reg & (m.scenarios.month_solicited >= 0)).sum())
            pub = reg & (m.scenarios.month_published >= 0)
            wait += list(m.scenarios.month_published[pub] - m.scenarios.month_selected[pub])
        return n, np.mean(wait)

    (n_off, wait_off), (n_on, wait_on) = regulated(off), regulated(on)
    assert n_on > n_off and wait_on < wait_off
    assert sum(m.levers["sandbox"].incidents for m in on) > 0
    assert sum(int(m.recorder.monthly("incidents").sum()) for m in off) == 0


def test_soe_duty_makes_soes_open_more(hunan):
    from sim.base.vocab import OPENER_KINDS

    soe = OPENER_KINDS.index("soe")
    opened = lambda ms: sum(int((m.openers.kind[m.scenarios.opener] == soe).sum()) for m in ms)  # noqa: E731
    off = runs(hunan, {"soe_duty.min_needs_per_year": 0.0})
    on = runs(hunan, {"soe_duty.min_needs_per_year": 6.0, "soe_duty.compliance": 1.0})
    assert opened(on) > 1.5 * opened(off)


def test_scenario_loans_relax_the_cash_constraint(hunan):
    starved = {"supply.cash_median_cny.sme": 2e6, "supply.cash_median_cny.startup": 1e6, "bid.max_cash_share": 0.9,
               "finance.budget_cny_per_year": 1e8, "finance.insurance": False, "finance.guidance_match": 0.0,
               "finance.investors": 0}
    off = runs(hunan, {**starved, "finance.loans": False})
    on = runs(hunan, {**starved, "finance.loans": True, "finance.loan_share": 0.8})
    assert sum(map(small_supplier_pilots, on)) > sum(map(small_supplier_pilots, off))
    assert all(m.levers["finance"].summary()["loans"] > 0 for m in on)
    assert all(m.levers["finance"].summary()["loans"] == 0 for m in off)


def test_insurance_pays_failed_pilots_and_raises_bids(hunan):
    base = {"finance.budget_cny_per_year": 1e8, "finance.loans": False, "finance.guidance_match": 0.0,
            "finance.investors": 0}
    on = ScenarioMarket(hunan.with_params({**base, "finance.insurance": True, "finance.insurance_cover": 0.8}), seed=1)
    for _ in range(4):
        on.step()
    pairs = on.candidate_pairs(on.open_scenarios())
    fin = on.levers["finance"].p
    payout = (1 - pairs.p_success) * fin["insurance_cover"] * np.maximum(pairs.outlay, 0)
    premium = (1 - fin["premium_subsidy"]) * fin["premium_rate"] * pairs.budget
    pairs = pairs.take(np.isin(on.suppliers.kind[pairs.supplier], SMALL) & (payout > premium))  # insurance worth having
    with_ins = on.bid_probabilities(pairs)
    on.levers["finance"].p["insurance"] = False
    without = on.bid_probabilities(pairs)
    live = without > 0  # (pairs a supplier cannot afford stay at zero either way)
    assert live.sum() > 20 and np.all(with_ins >= without)
    assert np.mean(with_ins[live] > without[live]) > 0.9
    ms = runs(hunan, {**base, "finance.insurance": True})
    assert all(m.levers["finance"].summary()["insurance_payouts_cny"] > 0 for m in ms)
    assert all(len(m.fiscal.ledger().query("flow == 'premium_subsidy'")) > 0 for m in ms)


def test_investors_respond_to_signals_and_the_guidance_fund_adds_money(hunan):
    base = {"finance.budget_cny_per_year": 1e8, "finance.loans": False, "finance.insurance": False}
    raised = lambda ms: sum(int(m.recorder.monthly("private_investment").sum()) for m in ms)  # noqa: E731
    # investors who need a higher risk-adjusted multiple fund fewer firms (signals: tests/test_investors.py)
    picky = runs(hunan, {**base, "finance.hurdle_multiple": 4.0, "finance.risk_aversion": 0.5})
    keen = runs(hunan, {**base, "finance.hurdle_multiple": 2.0, "finance.risk_aversion": 0.0})
    assert raised(keen) > raised(picky)
    no_match = runs(hunan, {**base, "finance.guidance_match": 0.0})
    match = runs(hunan, {**base, "finance.guidance_match": 1.0})
    co = lambda ms: sum(int(m.recorder.monthly("guidance_investment").sum()) for m in ms)  # noqa: E731
    assert co(no_match) == 0 and co(match) > 0
    assert all(len(m.levers["finance"].investors) == 20 for m in match)


def test_pilot_bases_raise_readiness_of_early_stage_suppliers(hunan):
    off = ScenarioMarket(hunan.with_params({"pilot_bases.budget_cny_per_year": 0.0}), seed=2).run()
    on = ScenarioMarket(hunan.with_params({"pilot_bases.budget_cny_per_year": 5e7,
                                           "pilot_bases.runs_per_base_per_month": 2.0}), seed=2).run()
    runs_ = on.levers["pilot_bases"].runs
    assert runs_.n > 0 and off.levers["pilot_bases"].runs.n == 0
    c = np.unique(runs_.cap)
    c = c[c < len(off.capabilities)]  # capabilities that exist in both runs (the initial suppliers')
    assert on.capabilities.readiness[c].mean() > off.capabilities.readiness[c].mean()


def test_racing_validates_a_scenario_when_any_racer_succeeds(hunan):
    """The decision racing changes: the owner lets several suppliers pilot side by side and keeps the
    scenario if any of them succeeds. (Whether racing raises validations overall depends on whether
    bidders still come when each racer is paid only ``contract_share``: with priced, value-driven bids
    fewer do — docs/levers.md.)"""
    from sim.core.market.pilots import P_FAILED, P_SUCCEEDED

    on = runs(hunan, {"racing.share": 1.0, "racing.entrants": 3})
    races = 0
    for m in on:
        pil, s = m.pilots, m.scenarios
        done = np.isin(pil.status, (P_SUCCEEDED, P_FAILED))
        per = np.bincount(pil.scenario[done], minlength=len(s))
        won = np.bincount(pil.scenario[pil.status == P_SUCCEEDED], minlength=len(s))
        raced = np.flatnonzero((per >= 2) & ((s.month_validated >= 0) | (s.month_failed >= 0)))
        races += len(raced)
        assert ((s.month_validated[raced] >= 0) == (won[raced] > 0)).all()
        started = np.bincount(pil.scenario[np.isin(pil.status, (1, 2, 3))], minlength=len(s))
        assert started.max() <= 3  # never beyond the entrants allowed
    assert races > 0


def test_exit_withdraws_stalled_opportunities(hunan):
    withdrawn = lambda ms: sum(int(m.recorder.monthly("withdrawn").sum() - m.recorder.monthly("owner_withdrawn").sum())
                               for m in ms)  # noqa: E731 (owners walking away from weak needs is not the exit rule)
    never = runs(hunan, {"racing.exit_after_months": 0})
    soon = runs(hunan, {"racing.exit_after_months": 6})
    assert withdrawn(never) == 0 and withdrawn(soon) > 0


def test_attraction_draws_suppliers_in(hunan):
    off = runs(hunan, {"attraction.budget_cny_per_year": 0.0})
    on = runs(hunan, {"attraction.budget_cny_per_year": 1e8, "attraction.firms_per_opportunity": 0.3})
    drawn = lambda ms: sum(int(m.recorder.monthly("attracted_suppliers").sum()) for m in ms)  # noqa: E731
    assert drawn(off) == 0 and drawn(on) > 0
    m = on[0]
    new = np.flatnonzero(m.suppliers.key >= (1 << 32))
    assert len(new) and all(m.suppliers.registered[i] for i in new if (m.suppliers.key[i] >> 24) & 0xFF == 1)


def test_data_opening_lowers_cost_and_raises_success_in_data_domains(hunan):
    m0 = ScenarioMarket(hunan.with_params({"data_opening.budget_cny_per_year": 0.0}), seed=1)
    m1 = ScenarioMarket(hunan.with_params({"data_opening.budget_cny_per_year": 1e8, "data_opening.level": 1.0,
                                           "data_opening.cost_cny_per_year_full": 1e8}), seed=1)
    for m in (m0, m1):
        for _ in range(3):
            m.step()
    p0 = m0.candidate_pairs(m0.open_scenarios())
    p1 = m1.pairs_for(p0.supplier, p0.scenario)  # the same pairs under data opening (readiness is still the same)
    assert np.array_equal(m0.capabilities.readiness[p0.capability], m1.capabilities.readiness[p1.capability])
    data = m0.domain_data[p0.domain]
    assert data.any() and (~data).any()
    below_cap = m0.capabilities.readiness[p0.capability] < 8.0
    assert np.all(p1.p_success[data & below_cap] > p0.p_success[data & below_cap])
    # the supplier's cost (its outlay plus what the owner pays at its asked price; the ask itself adapts)
    c0 = p0.outlay + m0.opener_payment(p0.scenario, p0.price)
    c1 = p1.outlay + m1.opener_payment(p1.scenario, p1.price)
    assert np.all(c1[data] < c0[data])
    assert np.allclose(p1.p_success[~data], p0.p_success[~data]) and np.allclose(c1[~data], c0[~data])
    assert m1.fiscal.spent["data_opening"].sum() > 0 == m0.fiscal.spent["data_opening"].sum()


def test_promotion_and_benchmarks_raise_adoption(hunan):
    adoptions = lambda ms: sum(int(m.recorder.monthly("adoptions").sum()) for m in ms)  # noqa: E731
    off = runs(hunan, {"matchmaking.promotion_every_months": 0, "matchmaking.selection_every_months": 0})
    on = runs(hunan, {"matchmaking.promotion_every_months": 3, "matchmaking.selection_every_months": 12,
                      "matchmaking.promotion_conversion": 0.1, "matchmaking.benchmark_reach": 1.0})
    assert adoptions(on) > adoptions(off)
    events = lambda ms: sum(int(m.recorder.monthly("events").sum()) for m in ms)  # noqa: E731
    assert events(on) > events(off)


def test_procurement_never_buys_from_a_firm_that_has_exited(hunan):
    """A public body cannot contract a firm that has exited (or a national branch that has closed): its
    validated solution gets no first purchase and no procured adoption, and no public money reaches it
    (in the national case, closed branches were paid ¥3.6 m for two procured adoptions). A firm in
    business is still bought from."""
    m = ScenarioMarket(hunan.with_params({"procurement.budget_cny_per_year": 8e8, "procurement.first_purchase": True}),
                       seed=1)
    s, lever = m.scenarios, m.levers["procurement"]
    while True:
        m.step()
        listed = np.flatnonzero(np.isin(s.state, (State.VALIDATED, State.SCALED)) & (s.month_solicited >= 0) & (m.public_remaining(
            np.arange(len(s))) > 1) & m.suppliers.alive[s.supplier])
        if len(listed) >= 2:
            break
    gone, kept = listed[:1], listed[1:2]
    m._exit(s.supplier[gone])
    cash_before, paid_before = m.suppliers.cash[s.supplier[gone]].copy(), len(m.fiscal.ledger())
    assert lever.on_adoptions(gone, np.array([2])).tolist() == [0]
    lever.on_validated(gone)
    assert len(m.fiscal.ledger()) == paid_before and m.suppliers.cash[s.supplier[gone]].tolist() == cash_before.tolist()
    assert m.suppliers.cash[s.supplier[gone]][0] <= 0  # its owners took what was left at exit
    assert lever.on_adoptions(kept, np.array([2])).tolist() == [2]  # a firm in business is bought from
