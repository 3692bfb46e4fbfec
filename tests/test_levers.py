"""Each lever moves the quantity it acts on in the intended direction (fixed seeds, common random numbers)."""

import numpy as np
import pytest

from sim.model import ScenarioMarket
from sim.vocab import SUPPLIER_KINDS

SEEDS = [1, 2, 3, 4]
OFF = {"vouchers.budget_cny_per_year": 0.0, "grant_to_equity.budget_cny_per_year": 0.0,
       "procurement.budget_cny_per_year": 0.0}
SMALL = [SUPPLIER_KINDS.index("startup"), SUPPLIER_KINDS.index("sme")]


def runs(case, params):
    return [ScenarioMarket(case.with_params({**OFF, **params}), seed=s).run() for s in SEEDS]


def small_supplier_pilots(m):
    landed = m.pil.month_land[(m.pil.status >= 1) & (m.pil.status <= 3)]
    kinds = m.sup.kind[m.pil.supplier[(m.pil.status >= 1) & (m.pil.status <= 3)]]
    return int(np.isin(kinds, SMALL).sum()) if len(landed) else 0


def test_vouchers_bring_more_pilots_by_small_suppliers(hunan):
    off = runs(hunan, {})
    on = runs(hunan, {"vouchers.budget_cny_per_year": 1.5e8, "vouchers.share": 0.6, "vouchers.cap_cny": 1e6})
    assert sum(map(small_supplier_pilots, on)) > sum(map(small_supplier_pilots, off))
    assert all(m.lever["vouchers"].redeemed > 0 for m in on)
    assert all(m.lever["vouchers"].issued == 0 for m in off)
    # the lever acts on suppliers' bids: a voucher holder's bid chance is higher than without it
    m = ScenarioMarket(hunan.with_params({"vouchers.budget_cny_per_year": 1.5e8}), seed=1)
    for _ in range(4):
        m.step()
    o = m.open_scenarios()
    sup = np.flatnonzero(m.sup.alive & np.isin(m.sup.kind, SMALL))
    pairs = m.candidate_pairs(o)
    pairs = pairs.take(np.isin(pairs.s, sup) & (pairs.outlay > 0))
    before = m.bid_probabilities(pairs)
    m.lever["vouchers"].value[pairs.s] = 5e5
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
    assert all(m.lever["grant_to_equity"].summary()["equity_proceeds_cny"] > 0 for m in equity)
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
        assert len(bought) <= int((m.scen.month_validated >= 0).sum())


def test_matchmaking_events_serve_more_firms(hunan):
    served = lambda ms: sum(int(m.recorder.monthly("served").sum()) for m in ms)  # noqa: E731
    few = runs(hunan, {"matchmaking.events_per_month": 0.5})
    many = runs(hunan, {"matchmaking.events_per_month": 4.0})
    assert served(many) > served(few)
    reach_lo = runs(hunan, {"matchmaking.platform_reach": 0.02})
    reach_hi = runs(hunan, {"matchmaking.platform_reach": 0.2})
    assert served(reach_hi) > served(reach_lo)


@pytest.mark.parametrize("name", ["vouchers", "grant_to_equity", "procurement"])
def test_zero_budget_spends_nothing(hunan, name):
    m = ScenarioMarket(hunan.with_params({f"{name}.budget_cny_per_year": 0.0}), seed=1).run()
    assert m.fiscal.spent[name].sum() == 0
    assert m.fiscal.ledger().query("lever == @name").empty
