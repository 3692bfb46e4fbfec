"""Investors weigh return and risk on beliefs that only informative signals move; firms decide whether to
accept public equity and loans against their outside options (decision-level tests, synthetic case)."""

import numpy as np
import pytest

from sim.core.model import ScenarioMarket
from sim.levers._investors import GRID, invest_decision, pass_likelihood, posterior

SMALL = "scenarios/synthetic_small.toml"
ON = {"finance.budget_cny_per_year": 1e7, "grant_to_equity.budget_cny_per_year": 1e8}


@pytest.fixture(scope="module")
def model():
    m = ScenarioMarket(SMALL, seed=3, **ON)
    for _ in range(6):
        m.step()
    return m


def small_firms(m):
    fin = m.levers["finance"]
    return np.flatnonzero(m.suppliers.alive & fin.eligible_kind[m.suppliers.kind])


def test_an_unscreened_award_has_likelihood_one_and_a_stricter_screen_moves_beliefs_more():
    assert np.all(pass_likelihood(np.array([-np.inf]), 0.7) == 1.0)
    prior = posterior(np.array([5.5]), 1.0, np.zeros((1, len(GRID))))
    mean = lambda w: float((w @ GRID)[0])  # noqa: E731
    loose = posterior(np.array([5.5]), 1.0, np.log(pass_likelihood(np.array([5.0]), 0.7)))
    strict = posterior(np.array([5.5]), 1.0, np.log(pass_likelihood(np.array([6.5]), 0.7)))
    noisy = posterior(np.array([5.5]), 1.0, np.log(pass_likelihood(np.array([6.5]), 5.0)))
    assert mean(prior) < mean(noisy) < mean(strict)
    assert mean(prior) < mean(loose) < mean(strict)


def test_risk_averse_investors_need_a_higher_success_chance():
    pi = np.linspace(0.01, 0.99, 99)
    neutral = invest_decision(pi, 10.0, 0.0, 3.0)
    averse = invest_decision(pi, 10.0, 0.5, 3.0)
    assert neutral.any() and averse.any()
    assert pi[averse].min() > pi[neutral].min()  # a higher bar
    assert np.all(neutral[averse])  # whoever the averse investor funds, the neutral one funds too


def test_investors_fund_more_after_a_screened_grant_and_not_after_an_unscreened_one(model):
    m = model
    g, fin = m.levers["grant_to_equity"], m.levers["finance"]
    firms = small_firms(m)
    firms = firms[g.last_grant[firms] < m.t - 11]  # no grant yet
    o = np.full(len(firms), m.open_scenarios()[0] if len(m.open_scenarios()) else 0)
    p = fin.p
    before = fin.success_belief(firms)
    g.last_grant[firms] = m.t
    g.grant_bar[firms] = g.screen_bar(0.0, o)  # unscreened: the grant is noise
    unscreened = fin.success_belief(firms)
    g.grant_bar[firms] = g.screen_bar(0.6, o)  # screened at a 60 % judged success chance
    screened = fin.success_belief(firms)
    g.last_grant[firms] = -10_000
    np.testing.assert_allclose(unscreened, before)  # no certification effect
    assert np.all(screened > before)
    fund = lambda pi: int(invest_decision(pi, p["win_multiple"], p["risk_aversion"], p["hurdle_multiple"]).sum())  # noqa: E731
    assert fund(screened) > fund(unscreened) == fund(before)


def test_validated_pilots_raise_beliefs_and_failed_ones_lower_them(model):
    m = model
    fin = m.levers["finance"]
    pil = m.pilots
    landed = np.flatnonzero(np.isin(pil.status, (1, 2, 3)))
    assert len(landed) > 0
    i = landed[:1]
    s = pil.supplier[i]
    status = pil.status[i].copy()
    pil.status[i] = 2
    won = fin.success_belief(s)
    pil.status[i] = 3
    lost = fin.success_belief(s)
    pil.status[i] = status
    assert won[0] > lost[0]


def test_a_firm_with_a_better_outside_option_declines_public_equity(model):
    m = model
    g, fin = m.levers["grant_to_equity"], m.levers["finance"]
    firms = small_firms(m)
    firms = firms[fin.last_raised[firms] < m.t - 11][:20]  # no private round in the past year
    assert len(firms) == 20
    cash = m.suppliers.cash[firms].copy()
    need = np.full(len(firms), 2e6)
    none = np.zeros(len(firms))
    m.suppliers.cash[firms] = 1e5  # short of cash: its own funds do not cover the outlay
    assert g.accepts(firms, need, none).all()
    m.suppliers.cash[firms] = 1e8  # enough cash: dilution for nothing
    assert not g.accepts(firms, need, none).any()
    m.suppliers.cash[firms] = 1e5
    saved = fin.last_raised[firms].copy()
    fin.last_raised[firms[:10]] = m.t  # a private round this year: a private lead on better terms
    ok = g.accepts(firms, need, none)
    fin.last_raised[firms] = saved
    m.suppliers.cash[firms] = cash
    assert not ok[:10].any() and ok[10:].all()


def test_a_firm_borrows_only_what_it_lacks_and_only_for_a_pilot_worth_the_interest(model):
    m = model
    fin = m.levers["finance"]
    fin.p.update(loans=True, loan_share=0.8, loan_rate_per_year=0.05)
    firms = small_firms(m)[:3]
    cash = m.suppliers.cash[firms].copy()
    m.suppliers.cash[firms] = [1e5, 1e5, 1e8]
    need, budget, months = np.full(3, 1e6), np.full(3, 4e6), np.full(3, 6)
    p_success = np.array([0.8, 0.0, 0.8])  # a good pilot, a hopeless one, a good one by a cash-rich firm
    amount, interest = fin.loan_terms(firms, need, p_success, budget, months, np.full(3, 0.5))
    m.suppliers.cash[firms] = cash
    assert amount[0] > 0 and interest[0] > 0
    assert amount[1] == 0 and amount[2] == 0
    assert amount[0] <= 0.8 * need[0]


def test_money_is_conserved_with_investors_loans_and_equity():
    m = ScenarioMarket(SMALL, seed=5, **ON, **{"grant_to_equity.equity_share": 1.0,
                                              "grant_to_equity.grant_screen_min_success": 0.5}).run()
    assert m.money.check() == []


def test_beliefs_formed_a_batch_at_a_time_select_the_same_firms_in_the_same_order(model):
    """The lever forms beliefs only as its deals need them (``_wanted``): the firms it yields, in order,
    are those that forming every candidate's belief at once would let through."""
    from sim.levers.finance import BELIEF_BATCH

    fin = model.levers["finance"]
    firms = small_firms(model)
    cand = np.random.default_rng(1).permutation(np.tile(firms, 1 + 3 * BELIEF_BATCH // len(firms)))
    assert len(cand) > 2 * BELIEF_BATCH  # at least three batches
    p = fin.p
    at_once = cand[invest_decision(fin.success_belief(cand), p["win_multiple"], p["risk_aversion"], p["hurdle_multiple"])]
    assert 0 < len(at_once) < len(cand)
    np.testing.assert_array_equal(np.fromiter(fin._wanted(cand), dtype=np.int64), at_once)


def test_a_firms_belief_is_the_same_bits_whatever_batch_it_is_formed_in(model):
    """A belief is a function of the firm alone: formed on its own, at any place in a batch, or in a batch of
    another size, it is the same float (``w @ ps`` through BLAS was not: a row's rounding depended on its
    place in the matrix, so batches — and a machine's thread count — could change a firm's belief)."""
    fin = model.levers["finance"]
    firms = small_firms(model)
    cand = np.random.default_rng(2).permutation(firms)  # distinct firms, as the lever's candidates are
    assert len(cand) > 50
    whole = fin.success_belief(cand)
    alone = np.array([fin.success_belief(cand[i:i + 1])[0] for i in range(len(cand))])
    shifted = fin.success_belief(cand[3:])
    np.testing.assert_array_equal(alone, whole)
    np.testing.assert_array_equal(shifted, whole[3:])
