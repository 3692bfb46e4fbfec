"""Awareness sampled without enumerating pairs has the per-pair probability of the enumerated rule.

The old rule (up to issue 15): every (capability holder, open scenario) pair in the same domain, supplier
alive with spare capacity, was aware with probability ``supply.network_awareness`` a month,
independently, or through a lever's channel (platform, events, attraction: until then hook ``aware_pairs``
marked enumerated pairs; now it adds the pairs it makes aware). The sampled rules must give each pair
the same probability, independently, and the same lever channels. Frequencies are checked against
tolerances of four binomial standard errors, with fixed seeds (deterministic: cannot flicker).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.base.rng import KeyedDraws
from sim.core.case import load_case
from sim.core.market.matching import bernoulli_positions
from sim.core.market.population import CAP_KEY
from sim.core.model import ScenarioMarket

from .conftest import HUNAN, ROOT

SMALL = ROOT / "scenarios" / "synthetic_small.toml"


@pytest.mark.parametrize("p", [0.005, 0.06, 0.5, 0.97])
def test_each_position_is_kept_with_probability_p_independently(p):
    n = np.array([0, 1, 7, 50, 400, 3000])
    keys = np.arange(len(n)) * 7919 + 11
    draws = KeyedDraws(12345)
    trials = 400
    hits = [np.zeros(k) for k in n]
    counts = np.zeros((trials, len(n)))
    for t in range(trials):
        g, pos = bernoulli_positions(draws, "test", t, keys, n, p)
        assert np.all((pos >= 0) & (pos < n[g]))
        code = g * 10**6 + pos
        assert len(np.unique(code)) == len(code)  # no position twice
        assert np.all(np.diff(code) > 0)  # by group, then position
        for i in range(len(n)):
            hits[i][pos[g == i]] += 1
        counts[t] = np.bincount(g, minlength=len(n))
    for i, k in enumerate(n):
        if k == 0:
            assert counts[:, i].sum() == 0
            continue
        freq = hits[i] / trials
        se = np.sqrt(p * (1 - p) / trials)
        # every position's frequency (a few beyond 4 SE among thousands would be chance: allow 0.1 %)
        assert np.mean(np.abs(freq - p) > 4 * se) <= max(0.001, 1.5 / k), (k, freq)
        # the mean over positions, far tighter
        assert abs(freq.mean() - p) <= 4 * se / np.sqrt(k)
        # independence: the count per trial has the binomial variance n p (1 − p)
        assert abs(counts[:, i].var(ddof=1) - k * p * (1 - p)) <= 4 * _se_variance(k, p, trials), k


def _se_variance(n, p, trials):
    """Standard error of the sample variance of ``trials`` binomial(n, p) counts (from the binomial's
    fourth central moment n p q (1 + 3 (n − 2) p q))."""
    q = 1 - p
    var, mu4 = n * p * q, n * p * q * (1 + 3 * (n - 2) * p * q)
    return np.sqrt((mu4 - var**2 * (trials - 3) / (trials - 1)) / trials)


def test_extreme_probabilities():
    draws = KeyedDraws(1)
    n = np.array([3, 0, 5])
    g, pos = bernoulli_positions(draws, "x", 0, np.arange(3), n, 0.0)
    assert len(g) == 0
    g, pos = bernoulli_positions(draws, "x", 0, np.arange(3), n, 1.0)
    assert list(zip(g, pos)) == [(0, 0), (0, 1), (0, 2), (2, 0), (2, 1), (2, 2), (2, 3), (2, 4)]


def _codes(pairs):
    return pairs.scenario.astype(np.int64) * CAP_KEY + pairs.supplier


def _assert_independent_bernoulli(hits, per_month, p: float, months: int) -> None:
    """Each of ``len(hits)`` pairs was aware ``hits[i]`` times in ``months`` months and ``per_month[t]``
    pairs were aware in month t: as if each pair drew its own uniform with probability p each month —
    the mean frequency, the share of pairs outside 4 standard errors, and the monthly count's variance."""
    freq = hits / months
    se = np.sqrt(p * (1 - p) / months)
    assert abs(freq.mean() - p) <= 4 * se / np.sqrt(len(hits))
    assert np.mean(np.abs(freq - p) > 4 * se) <= 0.002
    n = len(hits)
    assert abs(per_month.var(ddof=1) - n * p * (1 - p)) <= 4 * _se_variance(n, p, months)


def test_network_awareness_has_the_old_per_pair_probability():
    """Levers' channels shut: each eligible pair is aware with probability p a month, independently."""
    p = 0.03
    case = load_case(SMALL).with_params({"supply.network_awareness": p, "matchmaking.platform_reach": 0.0,
                                         "matchmaking.firms_per_event": 0})
    m = ScenarioMarket(case, seed=3)
    for _ in range(4):
        m.step()
    o = m.open_scenarios()
    eligible = _codes(m.candidate_pairs(o))
    assert len(eligible) > 200
    months = 300
    hits = np.zeros(len(eligible))
    per_month = np.zeros(months)
    for t in range(months):
        m.t = t  # awareness is a function of the month's draws and the state, which is left as it is
        aware, via = m.sample_awareness(o)
        code = _codes(aware)
        assert not via.any()
        assert np.all(np.isin(code, eligible))  # only eligible pairs (alive, spare capacity, same domain)
        hits += np.isin(eligible, code)
        per_month[t] = len(code)
    _assert_independent_bernoulli(hits, per_month, p, months)


def test_events_and_attraction_make_aware_the_pairs_of_the_enumerated_rule():
    """With the network route and the platform shut, the aware pairs are exactly those the enumerated
    rule gave: every eligible pair (alive, spare capacity, same domain) of a supplier on the capability
    list that attended an event in the scenario's domain this month, or that moved in for the scenario."""
    case = load_case(HUNAN).with_params({"supply.network_awareness": 0.0, "matchmaking.platform_reach": 0.0,
                                         "attraction.budget_cny_per_year": 5e7,
                                         "attraction.firms_per_opportunity": 3.0,
                                         "attraction.relocation_cost_cny": 1.0})
    m = ScenarioMarket(case, seed=2)
    checked_events = checked_attraction = 0
    for _ in range(8):
        m.step()
        o = m.open_scenarios()
        full = m.candidate_pairs(o)
        events, came_for = m.levers["matchmaking"]._event_keys, m.levers["attraction"].came_for
        want = m.suppliers.registered[full.supplier] & (
            np.isin(full.supplier.astype(np.int64) * m.n_domains + full.domain, events)
            | np.isin(full.supplier.astype(np.int64) * (1 << 32) + full.scenario, came_for))
        aware, via = m.sample_awareness(o)
        assert np.array_equal(_codes(aware), np.sort(_codes(full)[want]))
        assert via.all()
        checked_events += len(events) > 0
        checked_attraction += len(came_for) > 0
    assert checked_events and checked_attraction  # the channels were open in some of the months checked


def test_the_platform_shows_each_listed_pair_with_probability_platform_reach():
    """Network and events shut: each eligible pair of a supplier on the capability list is aware through
    the platform with probability ``platform_reach`` a month, independently (as when every such pair drew
    its own uniform, up to issue 15), and no pair of an unlisted supplier is."""
    p = 0.04
    case = load_case(SMALL).with_params({"supply.network_awareness": 0.0, "matchmaking.platform_reach": p,
                                         "matchmaking.firms_per_event": 0})
    m = ScenarioMarket(case, seed=3)
    for _ in range(4):
        m.step()
    m.suppliers.registered[:] = False
    m.register_suppliers(np.arange(0, len(m.suppliers), 2))
    o = m.open_scenarios()
    full = m.candidate_pairs(o)
    eligible = _codes(full)[m.suppliers.registered[full.supplier]]
    assert len(eligible) > 200 and len(eligible) < len(full)
    months = 300
    hits = np.zeros(len(eligible))
    per_month = np.zeros(months)
    for t in range(months):
        m.t = t
        aware, via = m.sample_awareness(o)
        code = _codes(aware)
        assert via.all()
        assert np.all(np.isin(code, eligible))
        hits += np.isin(eligible, code)
        per_month[t] = len(code)
    _assert_independent_bernoulli(hits, per_month, p, months)


def test_calls_close_in_a_month_when_no_one_new_becomes_aware(monkeypatch):
    """A call whose window ends closes on the bids already made even if no pair becomes aware that month
    (until 2026-12 the month returned before closing calls, and due bids waited a whole further window)."""
    m = ScenarioMarket(load_case(SMALL), seed=5)
    while len(m._pending) == 0:
        m.step()
    pending_before = m._pending.copy()
    nothing = m.sample_awareness(m.open_scenarios()[:0])
    monkeypatch.setattr(m, "sample_awareness", lambda scenarios: nothing)
    call = m.params["selection.call_months"]
    for _ in range(call):  # every call open now reaches the end of its window within `call` months
        m.step()
    assert len(pending_before) > 0
    assert not np.isin(pending_before, m._pending).any(), "bids of calls whose window ended are still pending"
