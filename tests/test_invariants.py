"""Lifecycle invariants, checked after every month of seeded runs."""

import numpy as np
import pytest

from sim.core.model import P_DROPPED, P_FAILED, P_MATCHED, P_RUNNING, P_SUCCEEDED, ScenarioMarket
from sim.base.vocab import SUPPLIER_KINDS, State

from .conftest import ROOT

CASE_FOR_CHECK = ROOT / "scenarios" / "synthetic_small.toml"

STAGES = ["month_solicited", "month_selected", "month_published", "month_matched", "month_landed", "month_validated",
          "month_scaled"]

CONFIGS = {
    "baseline": {},
    # generous levers, tight budgets: budgets bind and clipping is exercised
    "tight_budgets": {"vouchers.budget_cny_per_year": 2e6, "vouchers.apply_prob": 0.6,
                      "grant_to_equity.budget_cny_per_year": 5e6, "grant_to_equity.equity_share": 0.5,
                      "grant_to_equity.holding_months": 6, "procurement.budget_cny_per_year": 1e7,
                      "procurement.hazard_per_year": 2.0, "matchmaking.budget_cny_per_year": 1e6},
    # every lever on and strong: races (several pilots per scenario), trials, loans, incidents, entrants
    "all_levers": {"racing.share": 0.8, "racing.entrants": 3, "try_first.share": 0.6,
                   "try_first.budget_cny_per_year": 5e7, "soe_duty.min_needs_per_year": 4.0,
                   "sandbox.incident_rate": 0.1, "finance.budget_cny_per_year": 1e8,
                   "attraction.firms_per_opportunity": 0.3, "pilot_bases.runs_per_base_per_month": 2.0,
                   "supply.net_cashflow_cny_per_month.startup": -150_000},
    # cash-starved suppliers: many exits mid-pilot, dropped matches
    "cash_starved": {"supply.net_cashflow_cny_per_month.startup": -200_000,
                     "supply.net_cashflow_cny_per_month.sme": -100_000, "supply.cash_median_cny.sme": 5e6,
                     "bid.max_cash_share": 0.8, "pilot.contract_months": 2},
}


def check(m: ScenarioMarket, before: dict) -> dict:
    s, pil, sup = m.scenarios, m.pilots, m.suppliers
    t = m.t
    # stage months are ordered: a later stage is never reached before an earlier one
    for early, late in zip(STAGES[:3], STAGES[1:3]):
        reached = getattr(s, late) >= 0
        assert np.all(getattr(s, early)[reached] >= 0) and np.all(getattr(s, early)[reached] <= getattr(s, late)[reached])
    landed = s.month_landed >= 0
    assert np.all(s.month_matched[landed] >= 0), "a scenario landed that was never matched"
    assert np.all(s.month_published[landed] >= 0)
    assert np.all(s.month_matched[landed] <= s.month_landed[landed])
    val = s.month_validated >= 0
    assert np.all(landed[val]) and np.all(s.month_landed[val] <= s.month_validated[val])
    pre = s.month_solicited < 0  # solutions proven before the plan (the warm start): validated, never solicited
    assert np.all(np.isin(s.state[pre], (State.VALIDATED, State.SCALED)))
    sc = s.month_scaled >= 0
    assert np.all((val | pre)[sc]) and np.all(s.adopters[sc] >= m.tier_scale[s.tier[sc]])
    assert np.all(s.adopters <= s.market)
    # every pilot of the plan that ran was matched first
    ran = np.isin(pil.status, (P_RUNNING, P_SUCCEEDED, P_FAILED)) & ~pre[pil.scenario]
    assert np.all(pil.month_matched[ran] >= 0) and np.all(pil.month_land[ran] >= pil.month_matched[ran])
    # states agree with pilots; a scenario's lead pilot is one of its own
    assert np.all(s.state[pil.scenario[pil.status == P_RUNNING]] == State.LANDED)
    assert np.all(np.isin(s.state[pil.scenario[pil.status == P_MATCHED]], (State.MATCHED, State.LANDED)))
    lead = s.pilot >= 0
    assert np.all(pil.scenario[s.pilot[lead]] == np.flatnonzero(lead))
    assert np.all(pil.supplier[s.pilot[lead]] == s.supplier[lead])
    validated = np.isin(s.state, (State.VALIDATED, State.SCALED))
    assert np.all(pil.status[s.pilot[validated]] == P_SUCCEEDED)
    # cumulative counts never go backwards
    counts = {st: int((getattr(s, st) >= 0).sum()) for st in STAGES}
    for st, n in counts.items():
        assert n >= before.get(st, 0), f"{st} went backwards"
    # the recorder agrees with the register
    for metric, col in (("landed", "month_landed"), ("validated", "month_validated"), ("scaled", "month_scaled"),
                        ("published", "month_published")):
        in_plan = int(((getattr(s, col) >= 0) & (s.month_solicited >= 0)).sum())  # the plan's own scenarios
        assert m.recorder.monthly(metric)[: t + 1].sum() == in_plan, metric
    # suppliers: no negative cash; load equals open pilots; the dead carry none
    assert np.all(sup.cash[sup.alive] >= -1e-6), "negative cash"
    # owners took a leaver's cash at exit, and nothing is paid to a firm that has exited since
    assert np.all(sup.cash[~sup.alive] <= 1e-6), "cash reached a firm that has exited"
    open_pilots = np.bincount(pil.supplier[np.isin(pil.status, (P_MATCHED, P_RUNNING))], minlength=len(sup))
    open_pilots = open_pilots + m.levers["challenge"].partner_load(len(sup))  # consortium partners hold capacity
    assert np.array_equal(sup.load, open_pilots)
    assert np.all(sup.load[~sup.alive] == 0)
    assert_load_within_capacity(m)
    # money is conserved: suppliers' cash is what the ledger says flowed in, all accounts sum to zero, and
    # every yuan a lever's ledger records left its treasury account
    assert m.money.check() == []
    for lever, spent in m.fiscal.net_spent().items():
        moved = m.money.total(f"treasury:{lever}") - m.money.total(None, f"treasury:{lever}")
        assert abs(moved - spent) <= 1e-6 * max(1.0, abs(spent)), (lever, moved, spent)
    # no lever over its budget, ever
    assert m.fiscal.over_budget() == []
    for lever, spent in m.fiscal.spent.items():
        assert np.all(spent >= -1e-6) and np.all(m.fiscal.committed[lever] >= -1e-6)
    return counts


def assert_load_within_capacity(m: ScenarioMarket) -> None:
    """No supplier holds more open pilots (matched or running) than its kind's capacity
    (``supply.capacity.<kind>`` of the case), racing included."""
    capacity = np.array([m.case.values[f"supply.capacity.{k}"] for k in SUPPLIER_KINDS])
    over = m.suppliers.load > capacity[m.suppliers.kind]
    assert not over.any(), (f"{int(over.sum())} suppliers over capacity, e.g. load {m.suppliers.load[over][:3]} "
                            f"> capacity {capacity[m.suppliers.kind[over]][:3]}")


def test_the_capacity_check_can_fail():
    """The check is not vacuous: a supplier given one pilot more than its capacity is caught."""
    m = ScenarioMarket(CASE_FOR_CHECK, seed=1)
    for _ in range(3):
        m.step()
    cap = m.case.values[f"supply.capacity.{SUPPLIER_KINDS[int(m.suppliers.kind[0])]}"]
    m.suppliers.load[0] = cap + 1
    with pytest.raises(AssertionError, match="over capacity"):
        assert_load_within_capacity(m)


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("seed", [1, 2])
def test_invariants_hold_every_month(hunan, config, seed):
    m = ScenarioMarket(hunan.with_params(CONFIGS[config]), seed=seed)
    before = {}
    while m.running:
        m.step()
        if m.t >= 0:
            before = check(m, before)
    assert m.t == hunan.n_months - 1
    # the run did something in every configuration
    assert before["month_landed"] > 50


def test_tight_budgets_bind_and_cash_starved_runs_drop_matches(hunan):
    m = ScenarioMarket(hunan.with_params(CONFIGS["tight_budgets"]), seed=3)
    peak = {}
    while m.running:
        m.step()
        for lever in ("vouchers", "grant_to_equity", "procurement"):
            used = (m.fiscal.spent[lever] + m.fiscal.committed[lever]) / m.fiscal.budget[lever]
            peak[lever] = max(peak.get(lever, 0.0), used.max())
    for lever, used in peak.items():
        assert 0.75 <= used <= 1.0 + 1e-9, (lever, used)
    m = ScenarioMarket(hunan.with_params(CONFIGS["cash_starved"]), seed=3).run()
    assert m.recorder.monthly("match_dropped").sum() > 0
    assert m.recorder.monthly("supplier_exits").sum() > 500
    assert (m.pilots.status == P_DROPPED).sum() == m.recorder.monthly("match_dropped").sum()


def _lever_switches(case) -> list[tuple[str, dict]]:
    """Every lever switched off (budget 0, or its on/off switches false) and on at twice its budget."""
    from sim.levers import LEVERS

    out = []
    for cls in LEVERS:
        names = [p.name for p in cls.PARAMS]
        budget = f"{cls.name}.budget_cny_per_year"
        switches = [p.name for p in cls.PARAMS if p.dtype is bool]
        off = {budget: 0.0} if budget in names else {n: False for n in switches}
        if not off:
            continue
        on = {budget: 2 * case.values[budget]} if budget in names else {n: True for n in switches}
        out += [(f"{cls.name}-off", off), (f"{cls.name}-on", on)]
    return out


@pytest.mark.parametrize("case_name", ["synthetic_small", "hubei_2025_2027", "shandong_2026_2028"])
def test_money_is_conserved_every_month_in_every_case_with_every_lever_on_and_off(case_name):
    """The accounts balance after every month, for each case, each lever off and on (synthetic case), and
    every lever's ledger equals what left its treasury."""
    from sim.core.case import load_case

    from .conftest import ROOT

    case = load_case(ROOT / "scenarios" / f"{case_name}.toml")
    settings = _lever_switches(case) if case_name == "synthetic_small" else [("as published", {})]
    for label, params in settings:
        m = ScenarioMarket(case.with_params(params), seed=4)
        while m.running:
            m.step()
            if m.t >= 0:
                assert m.money.check() == [], (label, m.t)
        for lever, spent in m.fiscal.net_spent().items():
            moved = m.money.total(f"treasury:{lever}") - m.money.total(None, f"treasury:{lever}")
            assert abs(moved - spent) <= 1e-6 * max(1.0, abs(spent)), (label, lever)
        assert m.fiscal.over_budget() == [], label


def test_invariants_and_money_hold_every_month_in_a_national_run():
    """The national case (regions with branches, alliance lists and spill-over): every region's lifecycle
    invariants and accounts after every month, and the inter-region accounts summing to zero."""
    from sim.core.national import NationalMarket, load_national

    from .conftest import ROOT

    nm = NationalMarket(load_national(ROOT / "tests" / "specs" / "national_small.toml"), seed=6)
    before = [{} for _ in nm.regions]
    while nm.running:
        nm.step()
        for i, m in enumerate(nm.regions):
            if m.t >= 0:
                before[i] = check(m, before[i])
        assert nm.money_problems() == [], nm.t
    assert nm.branches() > 0
    assert all(b["month_landed"] > 0 for b in before)


def test_series_table_rows_are_the_recorders_counts():
    """Each row of the tidy series table is the recorder's count for its month, metric and group
    (checked cell by cell against the dense arrays, whatever way the table is assembled)."""
    import pandas as pd

    import sim
    from sim.core.metrics import METRICS

    m = ScenarioMarket(sim.load_case(CASE_FOR_CHECK), seed=4).run()
    r = m.recorder
    df = r.frame(m.calendar.labels, m.calendar.year_of)
    assert list(df.columns) == ["month", "year", "metric", "kind", "breakdown", "group", "value"]
    axes = {"domain": (1, r.domains), "tier": (2, r.tiers), "city": (3, r.cities)}
    expected = 0
    for metric, spec in METRICS.items():
        arr = r.flows[:, r._fi[metric]] if spec.kind == "flow" else r.stocks[:, r._si[metric]]
        rows = df[df["metric"] == metric]
        assert set(rows["kind"]) == {spec.kind}
        total = rows[rows["breakdown"] == "total"]
        assert list(total["month"]) == list(m.calendar.labels) and list(total["year"]) == list(m.calendar.year_of)
        assert np.array_equal(total["value"].to_numpy(), arr.sum(axis=(1, 2, 3)))
        expected += len(total)
        for bd in spec.dims:
            ax, groups = axes[bd]
            sub = rows[rows["breakdown"] == bd]
            for gi, g in enumerate(groups):
                got = sub[sub["group"] == g]["value"].to_numpy()
                want = np.take(arr, gi, axis=ax).sum(axis=(1, 2))
                assert np.array_equal(got, want), (metric, bd, g)
            expected += len(sub)
    assert expected == len(df)
    # the compact table run_one returns is this table with categorical labels, built without it
    from sim.core.recorder import compact_series, model_series

    pd.testing.assert_frame_equal(model_series(m), compact_series(df.copy()), check_exact=True)


def test_a_count_without_categories_adds_to_the_not_applicable_cell_as_cell_by_cell():
    """The recorder's shortcut for events with no domain, tier or city (one cell: add the total) counts what
    adding them one cell at a time counts, with and without weights."""
    from sim.core.recorder import Recorder

    fast, slow = (Recorder(3, ["a", "b"], ["x"], ["c1", "c2", "c3"]) for _ in range(2))
    for t, n, weight in ((0, 1, None), (1, 4, None), (1, 3, [2, 5, 7]), (2, 2, 9)):
        fast.count(t, "events", n, weight=weight)
        w = None if weight is None else np.broadcast_to(np.asarray(weight, dtype=np.int64), (n,))
        slow.count_cells(t, "events", slow.cells(n), w)
    np.testing.assert_array_equal(fast.flows, slow.flows)
    assert fast.monthly("events").tolist() == [1, 4 + 14, 18]


@pytest.fixture(scope="module")
def small():
    from sim.core.case import load_case

    return load_case(ROOT / "scenarios" / "synthetic_small.toml")


def test_entry_is_bounded_however_large_the_budgets(small):
    """Scenario budgets at the top of their allowed range (a median of ¥1e13) asked for millions of entrants
    a month until the run ran out of memory: the month's entry rate over all domains is at most ENTRY_MAX
    (a bound on memory, documented), and it is the bound that holds it there."""
    from sim.core.market.population import ENTRY_MAX

    m = ScenarioMarket(small.with_params({"scenario.budget_median_cny.integrated": 1e13,
                                          "scenario.budget_median_cny.small_cut": 1e13}), seed=3)
    bound = 0
    for _ in range(6):
        m.step()
        p = m.params
        uncapped = (p["population.startup_entry_per_month"] * m.domain_weight
                    + p["population.entry_per_100m_opportunity"] * m.opportunity_value() / 1e8).sum()
        assert m.entry_rate().sum() <= ENTRY_MAX * (1 + 1e-12)
        bound += uncapped > ENTRY_MAX
    assert bound > 0  # the budgets asked for more: the test judges the bound, not a quiet month
    assert len(m.suppliers) < 6 * ENTRY_MAX * 1.2 + 10_000


def test_a_market_with_no_suppliers_or_no_scenarios_runs_and_writes_its_tables(small):
    """Populations and openings of 0 are allowed: the run has nothing to match, and its tables (a ledger of
    payments to no supplier, an empty register) are written rather than failing on an empty table."""
    import sim

    none = {f"population.{k}": 0 for k in ("startups", "smes", "leaders", "institutes")}
    none |= {"population.startup_entry_per_month": 0.0, "population.entry_per_100m_opportunity": 0.0}
    r = sim.run_one(small.with_params(none), seed=1)
    assert len(r.fiscal_ledger) and (r.fiscal_ledger["supplier_id"] == -1).all()
    assert r.scenarios["supplier_id"].eq(-1).all() and len(r.targets)
    no_openings = {k: 0.0 for k in small.values if k.startswith("opening.")}  # and no solution from before the plan
    no_openings |= {k: 0 for k in small.values if k.startswith("initial.validated.")}
    r = sim.run_one(small.with_params(no_openings), seed=1)
    assert len(r.scenarios) == 0 and len(r.targets)
