"""Challenge calls (揭榜挂帅) and consortia for comprehensive major scenarios, and pulses of major scenarios.

Tests on the decisions the lever changes: which bidders an owner admits (entrant cap), how many win
(winner cap), whom a lead takes as partners (a capability in each domain the call spans, capacity
kept), when a consortium succeeds (never more easily than its weakest member), and when pulses open
major scenarios; plus money conserved.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.base.errors import InputError
from sim.base.vocab import TIERS, State
from sim.core.case import load_case
from sim.core.model import P_MATCHED, P_RUNNING, ScenarioMarket
from tests.test_invariants import assert_load_within_capacity

CASE = Path(__file__).resolve().parents[1] / "scenarios" / "synthetic_small.toml"
MAJOR = TIERS.index("major")


def _call_with_bids(n_bids=10, **params):
    """A model two months in, with one freshly published major scenario (a challenge call, raced by
    up to 5 so the winner cap binds) and ``n_bids`` bids from suppliers of its domain."""
    base = {"racing.share": 1.0, "racing.entrants": 5, "owner.min_score": -9.0, "challenge.share": 1.0}
    base.update(params)
    m = ScenarioMarket(CASE, seed=3, **base)
    m.step(), m.step()
    m.suppliers.registered[:] = True  # every supplier is on the capability list: leads know partners
    d = int(np.argmax(m.capabilities.dcount))  # the domain with most capability holders
    idx = m.scenarios.add(key=[10**12], opener=[0], domain=[d], tier=[MAJOR], city=[0], budget=[3e7], required=[7.0],
                          duration=[12], market=[1], public_share=[0.5], state=[int(State.PUBLISHED)],
                          month_solicited=[m.t], month_published=[m.t])
    m.levers.notify("on_published", idx)
    caps = m.capabilities.in_domain(d)
    sup = m.capabilities.supplier[caps]
    free = m.suppliers.alive[sup] & (m.suppliers.load[sup] < m.kind_capacity[m.suppliers.kind[sup]])
    sup = sup[free][:n_bids]
    assert len(sup) == n_bids, "the test needs enough bidders"
    bids = m.pairs_for(sup, np.full(len(sup), idx[0]))
    return m, int(idx[0]), bids


@pytest.mark.parametrize("max_entrants,max_winners", [(5, 3), (3, 2), (2, 1)])
def test_entrant_and_winner_caps(max_entrants, max_winners):
    """Of ten bidders, the owner admits at most ``max_entrants`` (its best-scored) and at most
    ``max_winners`` consortia win, although racing would let five pilot."""
    m, scn, bids = _call_with_bids(**{"challenge.max_entrants": max_entrants, "challenge.max_winners": max_winners})
    ch = m.levers["challenge"]
    assert ch.is_call(np.array([scn]))[0] and len(ch.domains_of(scn)) >= 1
    score = np.linspace(5.0, 0.5, len(bids))  # a given screening score: bid 0 best
    adj = ch.award_score(bids, score)
    admitted = np.flatnonzero(np.isfinite(adj))
    assert len(admitted) <= max_entrants
    assert set(admitted) <= set(range(max_entrants)), "the owner admits its best-scored bidders"
    assert m.race_size(np.array([scn]))[0] == min(5, max_winners)
    m._award(bids)
    won = np.flatnonzero((m.pilots.scenario == scn) & (m.pilots.status == P_MATCHED))
    assert 1 <= len(won) <= max_winners
    assert ch.winners_max <= max_winners and ch.entrants_max <= max_entrants
    ch.award_score(bids.take(np.arange(4)), score[:4])  # the call scored again (still open next month, fewer bids): it counts once
    s = ch.summary()
    assert s["calls_with_bids"] == 1 and s["mean_bids_per_call"] == 4
    assert s["calls_over_entrant_cap"] == int(4 > max_entrants)


def test_without_challenge_racing_is_not_capped():
    """The cap is the lever's: with challenge calls off, racing lets five pilot side by side."""
    m, scn, bids = _call_with_bids(**{"challenge.share": 0.0})
    assert not m.levers["challenge"].is_call(np.array([scn]))[0]
    m._award(bids)
    assert ((m.pilots.scenario == scn) & (m.pilots.status == P_MATCHED)).sum() == 5


def test_consortium_members_hold_a_capability_in_their_domain():
    """Each winner's consortium covers every other domain the call spans, each member with a
    capability there; partners differ from the lead and hold capacity within their limits."""
    m, scn, bids = _call_with_bids()
    ch = m.levers["challenge"]
    m._award(bids)
    won = np.flatnonzero((m.pilots.scenario == scn) & (m.pilots.status == P_MATCHED))
    doms = set(ch.domains_of(scn).tolist())
    assert len(won) >= 1 and len(doms) >= 1
    for q in won:
        rows = np.flatnonzero(ch.m_pilot == q)
        assert len(rows) == len(doms)
        caps, sup = ch.m_cap[rows], ch.m_supplier[rows]
        assert np.all(caps >= 0)
        assert set(m.capabilities.domain[caps].tolist()) == doms  # one member per other domain
        assert np.array_equal(m.capabilities.supplier[caps], sup)  # the capability is the member's own
    assert_load_within_capacity(m)
    open_pilots = np.bincount(m.pilots.supplier[np.isin(m.pilots.status, (P_MATCHED, P_RUNNING))], minlength=len(m.suppliers))
    assert np.array_equal(m.suppliers.load, open_pilots + ch.partner_load(len(m.suppliers)))


def test_joint_success_never_above_the_weakest_member():
    """Analytic: weakest link (independence 0) is the minimum, independent failures the product,
    and anything between lies at or below the weakest member's chance."""
    m = ScenarioMarket(CASE, seed=1)
    ch = m.levers["challenge"]
    p = [np.array([0.8, 0.5]), np.array([0.4, 0.9]), np.array([0.7, 0.6])]
    ch.p["independence"] = 0.0
    assert np.allclose(ch.joint_success(p), [0.4, 0.5])
    ch.p["independence"] = 1.0
    assert np.allclose(ch.joint_success(p), [0.8 * 0.4 * 0.7, 0.5 * 0.9 * 0.6])
    ch.p["independence"] = 0.5
    assert np.all(ch.joint_success(p) <= np.minimum.reduce(p) + 1e-12)


@pytest.mark.parametrize("partner_readiness,can_fail", [(1.0, True), (9.0, False)])
def test_a_weak_partner_fails_the_consortium(partner_readiness, can_fail):
    """Constructed case: a consortium whose partner is far from ready fails every time its lead would
    have succeeded (the partner's chance is ≈0); a partner readier than the lead changes nothing
    (weakest link: the lead's own draw decides)."""
    m, scn, bids = _call_with_bids()
    ch = m.levers["challenge"]
    m._award(bids)
    won = np.flatnonzero((m.pilots.scenario == scn) & (m.pilots.status == P_MATCHED))
    rows = np.flatnonzero(np.isin(ch.m_pilot, won))
    m.capabilities.readiness[ch.m_cap[rows]] = partner_readiness
    m.capabilities.readiness[m.pilots.cap[won]] = 7.5  # the leads: a fair chance of their own
    m.pilots.p_success[won] = m.success_prob(7.5, 7.0, MAJOR)
    # the outcome draw of each lead's own pilot, as conclude_pilots draws it
    u = m.draws.uniform("outcome", m.scenarios.key[m.pilots.scenario[won]], m.suppliers.key[m.pilots.supplier[won]])
    lead_ok = u < m.pilots.p_success[won]
    incident = ch.pilot_incidents(won)
    if can_fail:
        assert np.all(incident[lead_ok]), "a partner at TRL 1 leaves no chance"
    else:
        assert not incident.any(), "a partner readier than the lead does not lower the chance"


def _with_pulses(pulses, seed=5, **params):
    case = load_case(CASE)
    case = dataclasses.replace(case, major_pulses=tuple(pulses))
    return ScenarioMarket(case, seed=seed, **{"regulation.keep_share": 1.0, **params})


def test_pulses_open_the_stated_numbers_in_the_stated_months():
    """Twin runs with common random numbers: the months before the first pulse are identical, and in
    each pulse month exactly the stated number of extra major needs is solicited."""
    pulses = [((2030, 4), 4, "test"), ((2030, 9), 7, "test")]
    a, b = _with_pulses([]), _with_pulses(pulses)
    for _ in range(8):
        a.step(), b.step()
    sa, sb = a.recorder.monthly("solicited", tier=MAJOR), b.recorder.monthly("solicited", tier=MAJOR)
    # month index 3 is 2030-04, 8 is 2030-09; before April the runs are identical
    assert np.array_equal(sa[:3], sb[:3])
    # each pulse month: the pulse's needs on top of the Poisson needs, whose keyed draws the pulse does not move
    base_a = (a.scenarios.month_solicited == 3) & (a.scenarios.tier == MAJOR)
    base_b = (b.scenarios.month_solicited == 3) & (b.scenarios.tier == MAJOR)
    assert base_b.sum() - base_a.sum() == 4
    assert np.isin(a.scenarios.key[base_a], b.scenarios.key[base_b]).all()
    assert b.levers["challenge"].pulse_needs == 4  # September not reached yet (steps 0–8 done: it is month 8)


def test_pulses_month_by_month():
    """Over the whole horizon the lever adds the stated number of major needs in the stated months
    (spread over provincial departments), and none in any other month or tier."""
    pulses = [((2030, 4), 4, "a"), ((2030, 9), 7, "b"), ((2030, 9), 2, "c"), ((2031, 12), 1, "d")]
    m = _with_pulses(pulses)
    ch = m.levers["challenge"]
    want = {3: 4, 8: 9, 23: 1}
    gov = m.openers.kind == 0
    for t in range(m.calendar.n_months):
        m.t = t
        extra = np.asarray(ch.extra_needs(), dtype=float)
        assert extra.sum() == want.get(t, 0)
        if extra.ndim == 2:
            assert extra[:, [k for k in range(len(TIERS)) if k != MAJOR]].sum() == 0
            assert extra[~gov].sum() == 0


def test_hunan_has_no_dated_pulses():
    assert load_case(CASE.parent / "hunan_2026_2028.toml").major_pulses == ()


def test_pulse_outside_the_horizon_is_an_input_error(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text(f'[case]\nextends = "{CASE.as_posix()}"\nid = "x"\nname_zh = "x"\nname_en = "x"\n'
                 f'[[major_pulses]]\nmonth = "2040-01"\ncount = 3\nsource = "test"\n', encoding="utf-8")
    with pytest.raises(InputError, match="horizon"):
        load_case(f, allow_outside=True)


def test_money_conserved_and_partners_pay_their_share():
    """A run with challenge calls and a pulse: money conserved, the consortium account nets to zero,
    partners did pay into consortia."""
    m = _with_pulses([((2030, 3), 6, "test")], seed=2)
    m.run()
    ch = m.levers["challenge"]
    assert ch.consortia > 0 and ch.calls > 0
    assert m.money.check() == []
    assert abs(m.money.balance["consortia"]) < 1e-6
    assert m.money.total("suppliers", "consortia") > 0
    assert ch.entrants_max <= m.params["challenge.max_entrants"]
    assert ch.winners_max <= m.params["challenge.max_winners"]
    # partners' capacity is given back when pilots end: load is open pilots plus places still held
    sup = m.suppliers
    open_pilots = np.bincount(m.pilots.supplier[np.isin(m.pilots.status, (P_MATCHED, P_RUNNING))], minlength=len(sup))
    assert np.array_equal(sup.load, open_pilots + ch.partner_load(len(sup)))
    ended = np.isin(m.pilots.status[ch.m_pilot], (2, 3, 4))
    assert not (ch.m_held & ended).any()


def test_only_major_scenarios_become_calls_and_only_their_pilots_have_consortia():
    """The lever reaches comprehensive major scenarios only: other tiers' calls, bids and pilots are
    untouched (no consortium, no entrant screening)."""
    m = ScenarioMarket(CASE, seed=4)
    for _ in range(14):
        m.step()
    ch = m.levers["challenge"]
    n = len(m.scenarios)
    flagged = np.flatnonzero(ch.is_call(np.arange(n)))
    assert len(flagged) > 0 and np.all(m.scenarios.tier[flagged] == MAJOR)
    published_other = (m.scenarios.month_published >= 0) & (m.scenarios.tier != MAJOR)
    assert published_other.any()
    assert len(ch.m_pilot) > 0 and np.all(ch.is_call(m.pilots.scenario[ch.m_pilot]))
    others = np.flatnonzero(m.scenarios.tier[m.pilots.scenario[: len(m.pilots)]] != MAJOR)
    assert not np.isin(others, ch.m_pilot).any()


def test_partners_judged_for_many_entrants_at_once_are_those_each_lead_picks(monkeypatch):
    """The entrant screen judges all leads of a domain at once (``_partner_readiness``, in blocks of
    rows): each lead's partner readiness is that of the partner :meth:`_pick_partner` picks alone."""
    import sim.levers.challenge as challenge

    m = ScenarioMarket(load_case(CASE).with_params({"challenge.share": 1.0}), seed=4)
    for _ in range(6):
        m.step()
    ch = m.levers["challenge"]
    m.suppliers.registered[: len(m.suppliers) // 2] = False  # some partners known only by city or not at all
    m.suppliers.load[::5] = 10**6  # and some without spare capacity
    leads = np.arange(0, len(m.suppliers), 3)
    calls = np.resize(np.flatnonzero(ch.is_call(np.arange(len(m.scenarios)))), len(leads))
    assert len(leads) > 20 and len(calls)
    r = m.capabilities.readiness
    for d in range(m.n_domains):
        one_by_one = []
        for lead, o in zip(leads, calls):
            _s, cap = ch._pick_partner(int(lead), int(o), d)
            one_by_one.append(r[cap] if cap >= 0 else -np.inf)
        monkeypatch.setattr(challenge, "PARTNER_CELLS", 7 * len(m.capabilities.in_domain(d)) + 1)  # blocks of 7 rows
        np.testing.assert_array_equal(ch._partner_readiness(leads, calls, d), one_by_one)
