"""The pilot market's rules (sim/core/market/pricing.py, matching.py): value-driven bids, prices within their
bounds, the owner's procurement rule, and suppliers' adaptive expectations. Synthetic small case, short runs."""

from pathlib import Path

import numpy as np
import pytest

from sim.base.vocab import SUPPLIER_KINDS, State
from sim.core.agents import bid_probability
from sim.core.case import load_case
from sim.core.market.pricing import (adapt, ask_price, markup_share, price_scores, rank_keys,
                                     reservation_price)
from sim.core.model import ScenarioMarket

SMALL = Path(__file__).resolve().parents[1] / "scenarios" / "synthetic_small.toml"
SEEDS = [1, 2, 3, 4, 5, 6]


@pytest.fixture(scope="module")
def small():
    return load_case(SMALL)


def stepped(case, months=6, seed=1, **params):
    m = ScenarioMarket(case.with_params(params) if params else case, seed=seed)
    for _ in range(months):
        m.step()
    return m


# -- bids driven by value --------------------------------------------------------------------------
def test_the_logit_is_steep_around_the_hurdle_and_apart_from_it():
    hurdle, temp = 0.15, 0.05
    assert bid_probability(hurdle, hurdle, temp) == pytest.approx(0.5)
    assert bid_probability(-0.1, hurdle, temp) < 0.01  # a clear loss: almost never
    assert bid_probability(hurdle + 0.25, hurdle, temp) > 0.99
    # the noise is its own parameter: a larger temperature, a flatter rule, at the same hurdle
    assert bid_probability(-0.1, hurdle, 0.3) > bid_probability(-0.1, hurdle, temp)
    # at the smallest allowed temperature a clear loss is exactly 0, without numpy's overflow warning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bid_probability(np.array([-0.1, hurdle + 0.1]), hurdle, 1e-6).tolist() == [0.0, 1.0]


def test_clearly_negative_value_pairs_almost_never_bid(small):
    m = stepped(small, months=8)
    pairs = m.candidate_pairs(m.open_scenarios())
    value, affordable = m.bid_values(pairs)
    prob = m.bid_probabilities(pairs)
    clear_loss = value < m.params["bid.hurdle"] - 5 * m.params["bid.temperature"]
    assert clear_loss.sum() > 50  # the situation arises
    assert prob[clear_loss].max() < 0.01
    good = (value > m.params["bid.hurdle"] + 5 * m.params["bid.temperature"]) & affordable
    if good.any():
        assert prob[good].min() > 0.99


def test_bids_are_recorded_per_published_need(small):
    m = ScenarioMarket(small, seed=1).run()
    bids, published = m.recorder.monthly("bids").sum(), m.recorder.monthly("published").sum()
    assert bids > 0 and published > 0
    assert bids >= m.recorder.monthly("matched").sum()  # every match needs a bid


# -- prices ----------------------------------------------------------------------------------------
def test_ask_lies_between_reservation_and_ceiling_and_shrinks_with_competition():
    cost, budget = np.array([1.0e6, 1.0e6, 0.3e6, 1.2e6]), np.full(4, 1.0e6)
    r = reservation_price(cost, np.array([0.5, 0.9, 0.8, 0.1]), 1.0, budget)
    ceiling = 0.6 * budget
    for bidders in (1.0, 3.0, 9.0):
        price = ask_price(r, ceiling, markup_share(bidders, np.zeros(4), 0.3))
        assert np.all(price <= ceiling) and np.all(price >= np.minimum(np.maximum(r, 0), ceiling))
    few = ask_price(r, ceiling, markup_share(2.0, np.zeros(4), 0.3))
    many = ask_price(r, ceiling, markup_share(8.0, np.zeros(4), 0.3))
    inside = r < ceiling
    assert np.all(many[inside] <= few[inside]) and np.any(many[inside] < few[inside])
    idle = ask_price(r, ceiling, markup_share(2.0, np.ones(4), 0.3))
    assert np.all(idle[inside] < few[inside])  # a supplier needing the work asks less
    assert many[3] == ceiling[3]  # cost above what the owner will pay: asks the ceiling (and will not bid)


def test_model_prices_within_bounds_and_owners_pay_the_winning_price(small):
    m = stepped(small, months=12)
    pairs = m.candidate_pairs(m.open_scenarios())
    cost = pairs.outlay + m.opener_payment(pairs.scenario, pairs.price)
    floor = np.maximum(reservation_price(cost, pairs.p_success, pairs.followon, pairs.budget), 0.0)
    ceiling = m.price_ceiling(pairs.scenario)
    assert np.all(pairs.price <= ceiling + 1e-6)
    assert np.all(pairs.price >= np.minimum(floor, ceiling) - 1e-6)
    pil = m.pilots
    landed = np.flatnonzero(np.isin(pil.status, (1, 2, 3)) & (pil.month_matched >= 0))
    assert len(landed) > 0
    sc = pil.scenario[landed]
    assert np.allclose(pil.opener_paid[landed], pil.price[landed] * m.scenarios.pay_factor[sc])
    assert np.all(pil.price[landed] <= m.price_ceiling(sc) + 1e-6)


@pytest.mark.parametrize("lowest", [False, True])
def test_money_is_conserved_under_either_rule(small, lowest):
    m = ScenarioMarket(small.with_params({"selection.lowest_price": lowest}), seed=2).run()
    assert m.money.check() == []


# -- the owner's rule ------------------------------------------------------------------------------
def test_price_marks_follow_the_lowest_price_rule():
    marks = price_scores(np.array([100.0, 200.0, 50.0, 80.0]), np.array([0, 0, 1, 1]))
    assert marks == pytest.approx([100.0, 50.0, 100.0, 62.5])


def _two_bids(case, **params):
    """One open scenario, a cheap unproven startup bid and a dear proven leader bid."""
    m = stepped(case, months=6, seed=3, **{"owner.perception_sd": 0.0, "owner.min_score": -9.0, **params})
    pairs = m.candidate_pairs(m.open_scenarios())
    kind = m.suppliers.kind[pairs.supplier]
    for o in np.unique(pairs.scenario):
        st = np.flatnonzero((pairs.scenario == o) & (kind == SUPPLIER_KINDS.index("startup")))
        ld = np.flatnonzero((pairs.scenario == o) & (kind == SUPPLIER_KINDS.index("leader")))
        if len(st) and len(ld):
            break
    else:
        pytest.skip("no scenario with both a startup and a leader among candidates")
    bids = pairs.take(np.array([st[0], ld[0]]))
    req = m.scenarios.required[o]
    m.capabilities.readiness[bids.capability] = [req + 0.5, req + 2.0]
    m.suppliers.n_validated[bids.supplier] = [0, 2]
    ceiling = m.price_ceiling(bids.scenario)
    bids.price = np.array([0.2, 1.0]) * ceiling
    kept, key = m.owner_choice(bids)
    assert len(kept) == 2
    return kept.supplier[np.argmax(key)], bids.supplier


def test_raising_the_price_weight_changes_which_bid_wins(small):
    win, (cheap_unproven, dear_proven) = _two_bids(small, **{"selection.price_weight": 0.1})
    assert win == dear_proven
    win, _ = _two_bids(small, **{"selection.price_weight": 0.9})
    assert win == cheap_unproven
    win, _ = _two_bids(small, **{"selection.lowest_price": True})
    assert win == cheap_unproven


def test_rank_keys_lowest_price_ignores_technical_marks_except_for_ties():
    keys = rank_keys(np.array([10.0, 20.0, 10.0]), np.array([-1.0, 3.0, 1.0]), np.zeros(3), True, 0.3, 1.5)
    assert np.argmax(keys) == 2 and keys[0] > keys[1]


def test_lowest_price_picks_less_ready_winners_than_scoring(small):
    def matched_success(lowest):
        out = []
        for s in SEEDS:
            m = ScenarioMarket(small.with_params({"selection.lowest_price": lowest}), seed=s).run()
            pil = m.pilots
            out.append(pil.p_success[pil.month_matched >= 0])
        return np.concatenate(out)

    lowest, scoring = matched_success(True), matched_success(False)
    assert len(lowest) > 50 and len(scoring) > 50
    assert lowest.mean() < scoring.mean()


# -- expectations ----------------------------------------------------------------------------------
def test_adaptive_expectations_move_towards_what_is_observed():
    belief = np.array([0.5, 0.5, 2.0])
    new = adapt(belief, np.array([1.5, np.nan, 1.0]), 0.25)
    assert new == pytest.approx([0.75, 0.5, 1.75])
    assert adapt(belief, np.array([1.5, np.nan, 1.0]), 1.0) == pytest.approx([1.5, 0.5, 1.0])


def test_followon_beliefs_move_towards_what_validated_solutions_earn(small):
    m = stepped(small, months=18, **{"bid.followon_multiple": 0.0, "bid.belief_rate": 0.3})
    b = m.market_beliefs
    seen = b.observe_followon(m)
    cells = ~np.isnan(seen) & (np.abs(seen - b.followon) > 1e-9)
    assert cells.any()
    before = b.followon.copy()
    b.update_followon(m)
    assert np.all(np.abs(b.followon - seen)[cells] < np.abs(before - seen)[cells])
    assert np.array_equal(b.followon[np.isnan(seen)], before[np.isnan(seen)])  # nothing seen, nothing learnt
    # from a prior of zero, expectations rose where validated solutions earned something
    listed = np.isin(m.scenarios.state, (State.VALIDATED, State.SCALED))
    assert listed.any() and b.followon.max() > 0


def test_expected_bidders_follow_the_calls_that_closed(small):
    m = stepped(small, months=10, **{"bid.expected_bidders": 1.0, "bid.belief_rate": 0.5})
    assert np.any(m.market_beliefs.bidders != 1.0)
    bids, published = m.recorder.monthly("bids").sum(), m.recorder.monthly("published").sum()
    if bids > 2 * published:  # competition seen: expectations rise above the prior of a lone bidder
        assert m.market_beliefs.bidders.max() > 1.0
