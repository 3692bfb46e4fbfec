"""Pilot zones (sim.core.zones): candidates apply by the plan's criteria, the province designates at most
the planned number, and designation changes what happens afterwards in zone cities."""

from __future__ import annotations

import numpy as np
import pytest

from sim.base.vocab import OPENER_KINDS
from sim.core.case import load_case
from sim.core.model import ScenarioMarket

from .conftest import ROOT


@pytest.fixture(scope="module")
def hunan():
    return load_case(ROOT / "scenarios" / "hunan_2026_2028.toml")


def run_checking(case, seed=1, **params):
    """Run, checking at every review that each candidate designated then met the criteria then."""
    m = ScenarioMarket(case, seed=seed, **params)
    while m.running:
        m.step()
        if m.t >= 0 and m.zones.review_now():
            now = np.flatnonzero(m.zones.designated_month == m.t)
            assert np.isin(now, m.zones.applicants()).all()
    return m


def test_zones_designated_only_for_candidates_meeting_the_criteria_at_most_the_planned_number(hunan):
    m = run_checking(hunan, **{"zones.max_designated": 4})
    z = m.zones
    d = z.designated_month >= 0
    assert 0 < d.sum() <= 4
    assert (z.applied_month[d] >= 0).all() and (z.applied_month[d] <= z.designated_month[d]).all()
    if z.n_applied > 4:  # more applied than the plan's number: the plan-named go first
        assert z.plan_named[d].sum() >= min(4, int((z.plan_named & (z.applied_month >= 0)).sum()))
    # the province's number is a decision: a larger one designates more of the same applicants
    more = run_checking(hunan, **{"zones.max_designated": 20})
    assert more.zones.n_designated >= m.zones.n_designated
    assert more.zones.n_designated == more.zones.n_applied  # with room, every applicant is designated


def test_no_zone_without_meeting_the_criteria(hunan):
    m = run_checking(hunan, **{"zones.min_landed": 10_000, "zones.industry_min_landed": 10_000})
    assert m.zones.n_designated == 0 and m.zones.n_applied == 0
    m = run_checking(hunan, **{"zones.industry_min_suppliers": 100_000, "zones.min_landed": 10_000})
    assert m.zones.n_designated == 0  # an industry base the city lacks: no industry zone either


def test_designation_concentrates_needs_in_zone_cities(hunan):
    """集中布局: needs of openers with no home city land in a zone city more often (same random numbers)."""
    m = ScenarioMarket(hunan, seed=1, **{"zones.placement_weight": 3.0})
    gov = np.flatnonzero((m.openers.kind == OPENER_KINDS.index("gov")) & (m.openers.city < 0))
    assert len(gov)
    opener = np.repeat(gov, 400)
    key = np.arange(len(opener), dtype=np.int64) + 10**9
    city = np.argsort(-m.city_weight)[3]  # a middling city
    _, before = m.place_needs(opener, key, "probe")
    m.zones.zone_city[city] = True
    _, after = m.place_needs(opener, key, "probe")
    assert (after == city).mean() > 1.8 * (before == city).mean()
    others = np.arange(m.n_cities) != city
    assert (np.bincount(after, minlength=m.n_cities)[others] <= np.bincount(before, minlength=m.n_cities)[others] + 40).all()
    m.params["zones.placement_weight"] = 1.0
    m.zones.p["placement_weight"] = 1.0
    _, none = m.place_needs(opener, key, "probe")
    assert (none == before).all()  # weight 1: designation concentrates nothing


def test_designation_changes_what_happens_in_zone_cities_afterwards(hunan):
    """CRN: with concentration on, zone cities get more of the needs opened after designation."""
    def share_in_zones(w):
        m = ScenarioMarket(hunan, seed=2, **{"zones.placement_weight": w}).run()
        z = m.zones
        s = m.scenarios
        first = z.designated_month[z.designated_month >= 0].min()
        later = (s.month_solicited > first) & (m.openers.city[s.opener] < 0)
        return z.zone_city[s.city[later]].mean(), z.zone_city.copy()
    flat, zones_flat = share_in_zones(1.0)
    conc, zones_conc = share_in_zones(3.0)
    assert zones_flat.any() and zones_conc.any()
    assert conc > flat
