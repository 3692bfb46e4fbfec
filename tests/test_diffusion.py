"""Diffusion on a network of adopter groups, market vs procured adoption, and the promotion centre's
bounded promotion and planned events (issue 10: diffusion and promotion).

Docking: with every contact weight 1 the metapopulation process is the mean-field Bass model that
``tests/test_bass.py`` checks against the closed forms; with local contact it is slower (Rand & Rust 2011).
"""

import numpy as np
import pytest

from sim.base.rng import KeyedDraws
from sim.base.vocab import State
from sim.core.market.diffusion import apportion, imitation_share, network_adoptions
from sim.core.model import ScenarioMarket

P, Q, DT = 0.03, 0.38, 1 / 12
C, K = 14, 2
FULL = {"diffusion.contact_same_city": 1.0, "diffusion.contact_same_sector": 1.0, "diffusion.contact_other": 1.0}


def recursion(f0, months, p=P, q=Q):
    f = [f0]
    for _ in range(months):
        F = f[-1]
        f.append(F + (1 - F) * (1 - np.exp(-(p + q * F) * DT)))
    return np.array(f)


def groups(n, M, seed=0):
    """``n`` scenarios of ``M`` potential adopters in C cities × K sectors, the pilot site in city i mod C."""
    w = np.random.default_rng(seed).dirichlet(np.ones(C))
    W = np.repeat((w[:, None] * np.array([0.7, 0.3])[None, :]).reshape(1, -1), n, axis=0)
    site = np.zeros((n, C, K), dtype=np.int64)
    site[np.arange(n), np.arange(n) % C, 0] = 1
    return site, site + apportion(np.full(n, M - 1), W).reshape(n, C, K)


def path(site, market, weights, months, seed=3):
    d, A = KeyedDraws(seed), site.copy()
    out = [A.sum() / market.sum()]
    for t in range(months):
        A = A + network_adoptions(d, "net", t, np.arange(len(A)), A, market, P, Q, *weights)
        assert np.all(A <= market)
        out.append(A.sum() / market.sum())
    return np.array(out)


def test_apportion_splits_totals_exactly_and_in_proportion():
    w = np.array([[1.0, 2.0, 3.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    out = apportion(np.array([12, 5]), w)
    assert out.sum(axis=1).tolist() == [12, 5]
    assert out[0].tolist() == [2, 4, 6, 0] and out[1, :2].tolist() == [0, 0]


def test_full_mixing_sees_the_province_wide_share_in_every_group():
    rng = np.random.default_rng(1)
    M = rng.integers(1, 20, size=(50, C, K))
    A = rng.integers(0, 20, size=(50, C, K)) % (M + 1)
    I = imitation_share(A, M, np.ones(50), np.ones(50), np.ones(50))
    assert np.allclose(I, (A.sum(axis=(1, 2)) / M.sum(axis=(1, 2)))[:, None, None])
    # isolated groups see only their own share
    I0 = imitation_share(A, M, np.zeros(50), np.zeros(50), np.zeros(50))
    assert np.allclose(I0, A / M)


def test_full_mixing_docks_to_the_bass_recursion():
    """One large market spread over the groups, every weight 1: the mean-field Bass path (as test_bass)."""
    site, market = groups(1, 1_000_000)
    site[:] = 0  # no pilot site: the recursion from F = 0
    F = path(site, market, (1.0, 1.0, 1.0), 240)
    assert np.max(np.abs(F - recursion(0.0, 240))) < 0.003


def test_local_mixing_is_slower_than_full_mixing():
    """Same p, q and M; adopters imitate mostly their own city and sector: cumulative adoption lags the
    fully mixed path throughout, and more local contact lags more (Rand & Rust 2011)."""
    site, market = groups(400, 200)
    full = path(site, market, (1.0, 1.0, 1.0), 180)
    local = path(site, market, (0.05, 0.05, 0.0), 180)
    isolated = path(site, market, (0.0, 0.0, 0.0), 180)
    assert np.all(local <= full + 0.003) and np.all(isolated <= local + 0.003)
    assert local[120] < full[120] - 0.03 and isolated[120] < local[120] - 0.03


def inject(m, n=20, market=60, tier=2, adopters=1):
    sup = np.zeros(n, dtype=np.int64)
    return m.scenarios.add(key=10**12 + np.arange(n), opener=0, domain=0, tier=tier, city=np.arange(n) % m.n_cities,
                           budget=1e6, required=6.0, duration=6, market=market, public_share=0.5,
                           state=int(State.VALIDATED), supplier=sup, adopters=adopters, month_solicited=0)


def test_market_and_procured_adoptions_are_recorded_apart_and_sum_to_the_total(hunan):
    m = ScenarioMarket(hunan, seed=4)
    for _ in range(20):
        m.step()
    r = m.recorder.monthly
    assert r("adoptions_procured").sum() > 0 and r("adoptions_market").sum() > 0
    assert np.array_equal(r("adoptions"), r("adoptions_market") + r("adoptions_procured"))
    s = m.scenarios
    g = np.flatnonzero(m._grouped[: len(s)])
    assert np.array_equal(m.group_adopters[g].sum(axis=(1, 2)), s.adopters[g])  # groups hold every adopter
    assert np.all(m.group_adopters[g] <= m.group_market[g])
    assert np.array_equal(m.group_market[g].sum(axis=(1, 2)), s.market[g])
    assert np.all(s.adopters_procured <= s.adopters)
    assert m.money.check() == []


@pytest.mark.parametrize("counts", [True, False])
def test_procured_adoptions_count_towards_large_scale_only_when_the_case_says_so(hunan, counts):
    m = ScenarioMarket(hunan.with_params({"diffusion.scale_counts_procured": counts,
                                          "procurement.budget_cny_per_year": 0.0, "diffusion.p": 0.0,
                                          "diffusion.q": 0.0}), seed=2)
    m.t = 0
    idx = inject(m, n=5)
    scale = int(m.tier_scale[2])
    m.adopt(idx, np.full(5, scale), lever_paid=True)  # bought by public bodies: enough for scale with the site
    m.diffuse()
    assert np.all((m.scenarios.state[idx] == State.SCALED) == counts)
    assert m.recorder.monthly("scaled").sum() == (5 if counts else 0)
    assert m.recorder.monthly("scaled_market").sum() == 0  # the market alone has not carried them
    m.adopt(idx, np.full(5, scale), channel="test")  # now the market does
    m.t = 1
    m.diffuse()
    assert np.all(m.scenarios.state[idx] == State.SCALED) and m.recorder.monthly("scaled_market").sum() == 5


# -- promotion: bounded by whom it reaches ------------------------------------------------------------
def promoted_model(hunan, **params):
    none_before = {f"initial.validated.{t}": 0 for t in ("major", "integrated", "small_cut")}
    m = ScenarioMarket(hunan.with_params({"procurement.budget_cny_per_year": 0.0, **none_before, **params}), seed=6)
    m.t = 0
    inject(m, n=30)
    return m


def test_a_promotion_raises_adoption_only_of_the_solutions_it_presents_and_within_its_attendees(hunan):
    m = promoted_model(hunan, **{"matchmaking.promotion_conversion": 1.0, "matchmaking.promotion_solutions": 8,
                                 "matchmaking.promotion_attendees": 40})
    lever = m.levers["matchmaking"]
    before = m.scenarios.adopters.copy()
    shown = lever.presentable()
    n = lever.promote()
    gain = m.scenarios.adopters - before
    assert len(shown) == 8 and n.sum() == 40 == gain.sum()  # every attendee converts: exactly the seats
    assert np.all(gain[np.setdiff1d(np.arange(len(gain)), shown)] == 0)
    # a second promotion presents other solutions first, and never more than its attendees
    before = m.scenarios.adopters.copy()
    shown2 = lever.presentable()
    lever.promote()
    assert not set(shown2) & set(shown)
    gain = m.scenarios.adopters - before
    assert gain.sum() <= 40 and np.all(gain[np.setdiff1d(np.arange(len(gain)), shown2)] == 0)
    assert m.recorder.monthly("adoptions_market").sum() == 80 and m.money.check() == []


def test_ordinary_events_do_not_touch_adopters_and_promotion_effect_is_bounded_by_conversion(hunan):
    """Doubling the events of a month (ordinary ones) changes no adoption; a promotion's adoptions are
    at most its attendees × a draw at the conversion rate, so each costs at least the event's cost over
    its attendees (cost per additional adoption cannot fall towards zero)."""
    twins = []
    for n_events in (2, 4):
        m = promoted_model(hunan, **{"matchmaking.promotion_every_months": 0})
        m.levers["matchmaking"]._ordinary = {0: n_events}
        before = m.scenarios.adopters.copy()
        m.hold_matchmaking()
        assert np.array_equal(m.scenarios.adopters, before)
        twins.append(m.recorder.monthly("events").sum())
    assert twins[1] == 2 * twins[0]
    m = promoted_model(hunan, **{"matchmaking.promotion_conversion": 0.05})
    lever = m.levers["matchmaking"]
    got = sum(int(lever.promote().sum()) for _ in range(4))
    assert got <= 4 * lever.p["promotion_attendees"]
    attendees, conv = lever.p["promotion_attendees"], lever.p["promotion_conversion"]
    assert 4 * attendees * conv / 3 <= got + 1 <= 4 * attendees * conv * 3  # a binomial around seats × conversion


def test_benchmark_publicity_widens_contact_for_benchmarks_only(hunan):
    m = promoted_model(hunan, **{"matchmaking.benchmark_reach": 1.0, "matchmaking.benchmarks_per_selection": 3})
    idx = np.flatnonzero(m.scenarios.state == State.VALIDATED)
    m.scenarios.adopters[idx[:3]] += 5  # the three most adopted are selected
    lever = m.levers["matchmaking"]
    lever._select_benchmarks()
    wc, ws, wo = m.contact_weights(idx)
    assert np.all(wc[:3] == 1) and np.all(wo[:3] == 1)
    assert np.all(wc[3:] == m.params["diffusion.contact_same_city"]) and np.all(wo[3:] == m.params["diffusion.contact_other"])


# -- the events plan: promotions are never starved ----------------------------------------------------
def year_of_events(case, **params):
    m = ScenarioMarket(case.with_params(params), seed=1)
    while m.calendar.year(m.t + 1) == m.calendar.year(0):  # the first year of the plan, to its December
        m.step()
    return m


@pytest.mark.parametrize("rate", [2.0, 6.0, 20.0])
def test_more_events_never_starve_the_promotions(hunan, rate):
    base = year_of_events(hunan)
    more = year_of_events(hunan, **{"matchmaking.events_per_month": rate})
    lv0, lv = base.levers["matchmaking"], more.levers["matchmaking"]
    assert lv.promotions == lv0.promotions > 0  # every promotion the cadence calls for is held
    year = base.calendar.year(0)
    assert lv.plans[year]["ordinary"] >= lv0.plans[year]["ordinary"]
    assert lv.events_held == lv.plans[year]["ordinary"]
    assert more.fiscal.over_budget() == [] and more.money.check() == []


def test_the_centre_plans_the_plans_own_events_number_within_budget(hunan):
    hubei = __import__("sim.core.case", fromlist=["load_case"]).load_case("scenarios/hubei_2025_2027.toml")
    m = ScenarioMarket(hubei.with_params({"matchmaking.events_per_month": 1.0}), seed=1)
    m.t = 1  # January 2026: the first full year
    m.fiscal.on_year_start(2026)
    lever = m.levers["matchmaking"]
    lever.on_year_start(2026)
    plan = lever.plans[2026]
    assert plan["target"] == 100 and plan["ordinary"] + plan["promotions"] == 100  # met by decision
    lever.p["plan_events_target"] = False
    lever.on_year_start(2026)
    assert lever.plans[2026]["ordinary"] == 12  # one a month, its own rate
    # a budget for 50 events: the promotions keep their place, the ordinary events are cut
    lever.p["plan_events_target"] = True
    lever.p["cost_per_event_cny"] = m.fiscal.available("matchmaking") / 50
    lever.on_year_start(2026)
    assert lever.plans[2026]["promotions"] == 4 and lever.plans[2026]["ordinary"] == 46
