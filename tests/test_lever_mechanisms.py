"""The decisions try-first, pilot bases, investment attraction and data opening change — and whose.

Small constructed situations and common-random-number comparisons on the synthetic case (and short
Hunan horizons where the synthetic case lacks the setting); no model-wide number is pinned.
"""

from pathlib import Path

import numpy as np
import pytest

from sim.base.vocab import OPENER_KINDS, SUPPLIER_KINDS
from sim.core.case import load_case
from sim.core.model import ScenarioMarket
from sim.levers._util import PUBLIC_OWNERS
from sim.levers.attraction import SOURCE

ROOT = Path(__file__).resolve().parent.parent
SMALL = load_case(ROOT / "scenarios" / "synthetic_small.toml")
SEEDS = [1, 2, 3]


def stepped(case, months, seed=1, **params):
    m = ScenarioMarket(case.with_params(params) if params else case, seed=seed)
    for _ in range(months):
        m.step()
    return m


def first_call_closes(m, o):
    return m.scenarios.month_published[o] + m.params["selection.call_months"] - 1


# --- try first, pay later ---------------------------------------------------------------------
TRY = {"try_first.budget_cny_per_year": 5e7, "try_first.share": 1.0}


def test_trials_are_offered_only_where_a_public_call_closed_without_a_match():
    for seed in SEEDS:
        m = ScenarioMarket(SMALL.with_params(TRY), seed=seed).run()
        tf = m.levers["try_first"]
        trials = np.flatnonzero(tf.trial[:len(m.scenarios)])
        assert len(trials) > 0
        s = m.scenarios
        kinds = np.array(OPENER_KINDS)[m.openers.kind[s.opener[trials]]]
        assert np.all(np.isin(kinds, PUBLIC_OWNERS))  # only public owners run trials
        # none of them was matched in its first call: the lever never pays for a pilot that landed anyway
        matched = s.month_matched[trials]
        assert np.all((matched < 0) | (matched > first_call_closes(m, trials)))
        assert np.all(s.pay_factor[trials] == 0.0)  # the owner pays nothing at landing
        assert tf.trials == len(trials)


def test_a_trial_relieves_the_owners_risk_aversion_for_that_opportunity_only():
    m = stepped(SMALL, 6, **{**TRY, "try_first.budget_cny_per_year": 1e10})
    tf = m.levers["try_first"]
    o = m.open_scenarios()
    public = np.isin(np.array(OPENER_KINDS)[m.openers.kind[m.scenarios.opener[o]]], PUBLIC_OWNERS)
    o = o[public & ~tf._is_trial(o)]
    assert len(o) >= 2
    before = m.risk_aversion(o)
    offered = tf.offer_trials(o[:1])
    assert len(offered) == 1
    after = m.risk_aversion(o)
    assert after[0] == pytest.approx(before[0] * (1 - tf.p["risk_relief"]))
    assert np.array_equal(after[1:], before[1:])
    # suppliers anticipate the deferred payment, weighted by their chance of passing
    pairs = m.pairs_for(m.capabilities.supplier[m.capabilities.in_domain(int(m.scenarios.domain[o[0]]))],
                        np.full(len(m.capabilities.in_domain(int(m.scenarios.domain[o[0]]))), o[0]))
    assert len(pairs)
    bonus = tf.bid_bonus(pairs)
    expected = pairs.p_success * tf.p["pay_multiple"] * m.params["pilot.opener_share"] * pairs.budget
    assert np.allclose(bonus, expected)


def test_trial_offers_are_limited_by_the_budget_and_committed_money_is_conserved():
    m = stepped(SMALL, 6, **TRY)
    tf = m.levers["try_first"]
    o = m.open_scenarios()
    o = o[~tf._is_trial(o)]
    avail = m.fiscal.available("try_first")
    offered = tf.offer_trials(o)
    assert tf.committed[offered].sum() <= avail + 1e-6
    starved = stepped(SMALL, 6, **{**TRY, "try_first.budget_cny_per_year": 1.0})
    assert starved.levers["try_first"].trials == 0


# --- pilot bases --------------------------------------------------------------------------------
POC = {"pilot_bases.budget_cny_per_year": 5e6, "pilot_bases.runs_per_base_per_month": 2.0}


def test_a_supplier_applies_for_a_run_only_when_just_short_of_a_published_requirement():
    m = stepped(SMALL, 4, **POC)
    pb = m.levers["pilot_bases"]
    o = m.open_scenarios()
    o = o[np.isin(m.scenarios.domain[o], pb.base_domains)]
    assert len(o)
    pairs = m.candidate_pairs(o)
    want = pb.wants_run(pairs)
    gap = m.scenarios.required[pairs.scenario] - m.capabilities.readiness[pairs.capability]
    kind = np.array(SUPPLIER_KINDS)[m.suppliers.kind[pairs.supplier]]
    assert not np.any(want & np.isin(kind, ["leader"]))           # leaders do not use it
    assert not np.any(want & (gap <= 0))                          # already meets the requirement
    assert not np.any(want & (gap > pb.p["readiness_gain"]))      # a run could not close the gap
    # and every eligible one just short of the bar does apply
    eligible = np.isin(kind, ["startup", "sme", "institute"]) & (gap > 0) & (gap <= pb.p["readiness_gain"]) \
        & (m.capabilities.readiness[pairs.capability] < pb.p["max_readiness"])
    assert np.array_equal(want, eligible)
    # a pair in a domain no base serves never applies
    other = m.open_scenarios()
    other = other[~np.isin(m.scenarios.domain[other], pb.base_domains)]
    if len(other):
        assert not pb.wants_run(m.candidate_pairs(other)).any()


def test_runs_go_to_applicants_and_raise_their_readiness():
    off = ScenarioMarket(SMALL, seed=2).run()
    on = ScenarioMarket(SMALL.with_params(POC), seed=2).run()
    pb = on.levers["pilot_bases"]
    r = pb.runs
    assert r.n > 0 and off.levers["pilot_bases"].runs.n == 0
    assert pb.applied >= r.n
    caps = r.cap[:r.n]
    assert np.all(np.isin(on.capabilities.domain[caps], pb.base_domains))
    assert np.all(np.isin(np.array(SUPPLIER_KINDS)[on.suppliers.kind[r.supplier[:r.n]]], ["startup", "sme", "institute"]))
    c = np.unique(caps)
    c = c[c < len(off.capabilities)]  # capabilities that exist in both runs
    assert on.capabilities.readiness[c].mean() > off.capabilities.readiness[c].mean()
    spent = on.fiscal.ledger().query("flow == 'poc_subsidy'")["amount_cny"].sum()
    assert spent == pytest.approx(r.n * on.params["pilot_bases.subsidy_cny"])


# --- investment attraction ---------------------------------------------------------------------
ATTR = {"attraction.budget_cny_per_year": 5e7, "attraction.firms_per_opportunity": 3.0}


def attracted(m):
    k = m.suppliers.key
    return np.flatnonzero((k >= (1 << 32)) & (((k >> 24) & 0xFF) == SOURCE))


def test_outside_firms_move_in_when_incentive_and_value_cover_their_relocation_cost():
    cheap = ScenarioMarket(SMALL.with_params({**ATTR, "attraction.relocation_cost_cny": 1.0}), seed=1).run()
    costly = ScenarioMarket(SMALL.with_params({**ATTR, "attraction.relocation_cost_cny": 1e12}), seed=1).run()
    a = cheap.levers["attraction"]
    assert a.considered > 0 and a.attracted > 0
    assert costly.levers["attraction"].attracted == 0 and costly.levers["attraction"].considered > 0
    # the incentive tips firms whose cost lies between the opportunity's value and value + incentive (CRN)
    lo = ScenarioMarket(SMALL.with_params({**ATTR, "attraction.incentive_cny": 1e5}), seed=1).run()
    hi = ScenarioMarket(SMALL.with_params({**ATTR, "attraction.incentive_cny": 1e7}), seed=1).run()
    assert hi.levers["attraction"].attracted > lo.levers["attraction"].attracted


def test_only_locally_unserved_opportunities_are_advertised_and_movers_know_theirs():
    m = ScenarioMarket(SMALL.with_params({**ATTR, "attraction.relocation_cost_cny": 1.0}), seed=2).run()
    a = m.levers["attraction"]
    assert len(a.came_for)
    sup, scn = a.came_for // (1 << 32), a.came_for % (1 << 32)
    matched = m.scenarios.month_matched[scn]
    assert np.all((matched < 0) | (matched > first_call_closes(m, scn)))  # none was served in its first call
    assert set(sup) <= set(attracted(m))
    assert np.all(m.suppliers.registered[sup])
    assert np.all(m.capabilities.find(sup, m.scenarios.domain[scn]) >= 0)  # a capability where it came
    o, c = a.aware_pairs(np.unique(scn), None)  # were every one of them still open
    assert np.all(np.isin(a.came_for, m.capabilities.supplier[c].astype(np.int64) * (1 << 32) + o))


def test_a_firm_weighs_the_opportunity_at_its_own_readiness():
    m = stepped(SMALL, 6, **ATTR)
    a = m.levers["attraction"]
    o = m.open_scenarios()[:1]
    assert len(o)
    req = m.scenarios.required[o]
    v_low, v_high = a.opportunity_value(o, req - 3.0), a.opportunity_value(o, req + 1.0)
    assert v_high > v_low


def test_an_entrant_keeps_the_readiness_it_weighed():
    m = stepped(SMALL, 1)
    idx = m.add_suppliers(np.array([SUPPLIER_KINDS.index("sme")] * 2), entered=m.t, first_domain=np.array([0, 1]),
                          source=SOURCE, first_readiness=np.array([8.25, 3.5]))
    c = m.capabilities.find(idx, np.array([0, 1]))
    assert np.allclose(m.capabilities.readiness[c], [8.25, 3.5])


# --- data opening ---------------------------------------------------------------------------------
def test_data_opening_level_is_the_aim_as_far_as_the_budget_pays():
    full = 1e8
    base = {"data_opening.cost_cny_per_year_full": full, "data_opening.level": 0.3}
    at = stepped(SMALL, 1, **base, **{"data_opening.budget_cny_per_year": 0.3 * full})
    doubled = stepped(SMALL, 1, **base, **{"data_opening.budget_cny_per_year": 0.6 * full})
    short = stepped(SMALL, 1, **base, **{"data_opening.budget_cny_per_year": 0.1 * full})
    assert at.levers["data_opening"].level == pytest.approx(0.3)
    assert doubled.levers["data_opening"].level == pytest.approx(0.3)  # the aim binds: more money buys nothing
    assert short.levers["data_opening"].level == pytest.approx(0.1)    # the budget binds
    assert at.fiscal.spent["data_opening"].sum() == pytest.approx(doubled.fiscal.spent["data_opening"].sum())


# --- pilot bases: the month's choice, base by base ------------------------------------------------
def _act_base_by_base(self):
    """The bases' monthly choice as first written (each base scans every applicant and pays its own runs
    while the budget lasts): the specification the lever's grouped version must follow."""
    m = self.model
    self._conclude()
    c_all, self.applicants = self.applicants, np.zeros(0, dtype=np.int64)
    if not self.active or self.p["runs_per_base_per_month"] <= 0 or len(c_all) == 0:
        return
    c_all = c_all[m.suppliers.alive[m.capabilities.supplier[c_all]]]
    self.applied += len(c_all)
    rate = self.p["runs_per_base_per_month"]
    k = int(rate) + (m.draws.uniform("poc_extra", m.t, m.openers.key[self.bases]) < rate - int(rate))
    domain = m.capabilities.domain[c_all]
    free = np.ones(len(c_all), dtype=bool)
    for b, kb in zip(self.bases[k > 0], k[k > 0]):
        cand = np.flatnonzero(free & (domain == m.openers.domain[b]))
        if len(cand) == 0:
            continue
        s = m.capabilities.supplier[c_all[cand]]
        pick = np.argsort(m.draws.uniform("poc_pick", m.t, m.openers.key[b], m.suppliers.key[s]))[:kb]
        cand, s = cand[pick], s[pick]
        if self.p["subsidy_cny"] > 0:
            paid = m.fiscal.pay(self.name, "poc_subsidy", np.full(len(s), self.p["subsidy_cny"]), s, to="economy")
            cand, s = cand[paid > 0], s[paid > 0]
        if len(cand) == 0:
            continue
        self.runs.add(supplier=s, cap=c_all[cand], base=b, end=m.t + self.p["months"])
        free[cand] = False


@pytest.mark.parametrize("budget_runs", [1e6, 7.5])  # budget for plenty of runs; for 7.5 runs a year
def test_pilot_bases_pick_the_runs_base_by_base_paying_would(monkeypatch, budget_runs):
    from sim.levers.pilot_bases import PilotBases

    case = load_case(ROOT / "scenarios" / "hunan_2026_2028.toml")
    subsidy = case.params["pilot_bases.subsidy_cny"].value
    params = {"pilot_bases.budget_cny_per_year": budget_runs * subsidy, "pilot_bases.runs_per_base_per_month": 0.6}
    grouped = stepped(case, 14, seed=3, **params)
    monkeypatch.setattr(PilotBases, "act", _act_base_by_base)
    reference = stepped(case, 14, seed=3, **params)
    a, b = grouped.levers["pilot_bases"].runs, reference.levers["pilot_bases"].runs
    assert a.n > 10
    for col in ("supplier", "cap", "base", "end"):
        np.testing.assert_array_equal(getattr(a, col), getattr(b, col))
    spent = grouped.fiscal.ledger().query("flow == 'poc_subsidy'")
    assert spent.equals(reference.fiscal.ledger().query("flow == 'poc_subsidy'"))
    if budget_runs < 10:  # the budget ran out: fewer runs than applicants the bases could take
        assert len(spent) <= 2 * int(budget_runs) and grouped.levers["pilot_bases"].applied > len(spent)
