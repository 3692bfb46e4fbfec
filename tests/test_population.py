"""Entry responds to opportunities; suppliers that win nothing while burning cash exit (SMEs too); the churn
this gives on the small case lies in the range public figures give; money is conserved through exits."""

import numpy as np
import pytest

from sim.base.vocab import SUPPLIER_KINDS
from sim.core.model import ScenarioMarket

SMALL = "scenarios/synthetic_small.toml"
STARTUP, SME = SUPPLIER_KINDS.index("startup"), SUPPLIER_KINDS.index("sme")
# China's yearly death rate of young firms: 1.6 % in their first year up to 9.5 % in their third (SAIC,
# 全国内资企业生存时间分析报告, 2013); all firms 6.2 % (2012) – 9.3 % (2008)
CHURN_RANGE = (0.016, 0.095)


@pytest.fixture(scope="module")
def model():
    m = ScenarioMarket(SMALL, seed=2)
    for _ in range(8):
        m.step()
    return m


def test_entry_rises_with_opportunities_in_a_domain(model):
    m = model
    base = m.entry_rate()
    s = m.scenarios
    d = 0
    recent = np.flatnonzero((s.month_published > m.t - 12) & (s.month_published >= 0) & (s.domain == d))
    assert len(recent) > 0
    saved = s.budget[recent].copy()
    s.budget[recent] *= 3  # the same scenarios, worth three times as much
    more = m.entry_rate()
    s.budget[recent] = saved
    assert more[d] > base[d]
    np.testing.assert_allclose(np.delete(more, d), np.delete(base, d))


def test_entry_over_a_run_rises_with_the_response_to_opportunities():
    entries = lambda r: int((ScenarioMarket(SMALL, seed=4, **{"population.entry_per_100m_opportunity": r}).run()  # noqa: E731
                             .suppliers.entered >= 0).sum())
    assert entries(3.0) > entries(0.0)


def test_a_firm_that_never_wins_and_burns_cash_exits_sme_too(model):
    m = model
    sup = m.suppliers
    alive = np.flatnonzero(sup.alive)
    startup = alive[sup.kind[alive] == STARTUP][:3]
    sme = alive[sup.kind[alive] == SME][:3]
    firms = np.concatenate([startup, sme])
    idle = m.params["population.exit_idle_months"]
    saved = (m.supplier_cashflow[firms].copy(), m.last_win[firms].copy(), sup.cash[firms].copy())
    m.supplier_cashflow[firms] = -100_000.0
    sup.cash[firms] = 200_000.0  # two months of burn left
    m.last_win[firms] = m.t - idle  # nothing won for the idle window
    quitting = set(m.quitting().tolist())
    assert set(firms.tolist()) <= quitting
    m.last_win[firms] = m.t - 1  # a recent win: it carries on
    assert not set(firms.tolist()) & set(m.quitting().tolist())
    m.last_win[firms] = m.t - idle
    m.supplier_cashflow[firms] = 100_000.0  # earning: it carries on
    assert not set(firms.tolist()) & set(m.quitting().tolist())
    m.supplier_cashflow[firms], m.last_win[firms], sup.cash[firms] = saved


def test_idle_firms_exit_through_the_model_and_owners_take_the_cash_left():
    m = ScenarioMarket(SMALL, seed=2, **{"finance.investors": 0})  # (an investor's ticket would rescue them)
    for _ in range(3):
        m.step()
    sup = m.suppliers
    firms = np.flatnonzero(sup.alive & (sup.kind == SME))[:2]
    m.supplier_cashflow[firms] = -100_000.0
    m.last_win[firms] = -100
    # cash for a month and a half of burn: short of the runway, not yet negative after this month's flow
    m.money.from_suppliers("founders", firms, sup.cash[firms] - 150_000.0)
    m.step()
    assert not sup.alive[firms].any() and np.all(sup.exited[firms] == m.t)
    assert m.money.check() == []


def test_churn_on_the_small_case_lies_in_the_public_range():
    rates = []
    for seed in (1, 2, 3):
        m = ScenarioMarket(SMALL, seed=seed).run()
        s = m.suppliers
        start = np.maximum(s.entered, 0)
        end = np.where(s.exited >= 0, s.exited, m.calendar.n_months)
        rates.append((s.exited >= 0).sum() / ((end - start).sum() / 12))
        assert m.money.check() == []
    assert CHURN_RANGE[0] <= np.mean(rates) <= CHURN_RANGE[1]
