"""Target arithmetic on hand-built cases, and the Wilson interval."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sim.core.case import Target
from sim.core.targets import evaluate, summarize, threshold_for, wilson


def case_with(hunan, targets, part_year="prorate"):
    return replace(hunan, targets=tuple(targets), part_year=part_year)


PER_YEAR = Target("t_year", "每年不少于10项", "每年", "per year", "landed", "per_year", 10, (2026, 2027, 2028), tier="major")
CUMUL = Target("t_cum", "累计不少于30项", "累计", "cumulative", "landed", "cumulative", 30, (2028,))


def months(hunan):
    return np.array([2026] * 9 + [2027] * 12 + [2028] * 12)


def test_per_year_and_cumulative_values_with_prorated_part_year(hunan):
    case = case_with(hunan, [PER_YEAR, CUMUL])
    calls = []

    def monthly(metric, tier, domain):
        calls.append((metric, tier, domain))
        return np.ones(33)  # one event a month

    df = evaluate(case, monthly, months(hunan))
    assert ("landed", 0, None) in calls  # tier "major" is index 0
    rows = {(r.target, r.period): r for r in df.itertuples()}
    assert (rows["t_year", "2026"].value, rows["t_year", "2026"].threshold) == (9, 8)  # ceil(10 × 9/12)
    assert rows["t_year", "2026"].met
    assert (rows["t_year", "2027"].value, rows["t_year", "2027"].threshold) == (12, 10)
    assert rows["t_year", "2028"].met
    whole = rows["t_year", "2026–2028"]
    assert (whole.value, whole.threshold, whole.met) == (3, 3, True)
    assert (rows["t_cum", "2028"].value, rows["t_cum", "2028"].threshold, rows["t_cum", "2028"].met) == (33, 30, True)
    assert ("t_cum", "2027") not in rows  # cumulative target evaluated only in its year


def test_part_year_rules(hunan):
    monthly = lambda *a: np.r_[np.zeros(8), [9], np.zeros(11), [10], np.full(12, 1.0)]  # noqa: E731
    full = evaluate(case_with(hunan, [PER_YEAR], "full"), monthly, months(hunan))
    r26 = full[full.period == "2026"].iloc[0]
    assert (r26.value, r26.threshold, r26.met) == (9, 10, False)
    whole = full[full.period == "2026–2028"].iloc[0]
    assert (whole.value, whole.threshold, whole.met) == (2, 3, False)
    skip = evaluate(case_with(hunan, [PER_YEAR], "skip"), monthly, months(hunan))
    assert list(skip.period) == ["2027", "2028", "2027–2028"]
    assert skip.met.all()
    assert threshold_for(case_with(hunan, [PER_YEAR]), PER_YEAR, 2026) == 8
    assert threshold_for(case_with(hunan, [CUMUL]), CUMUL, 2027) is None


def test_cumulative_counts_from_the_start_and_thresholds_are_at_least(hunan):
    monthly = lambda *a: np.r_[np.full(9, 2.0), np.zeros(12), np.full(12, 1.0)]  # noqa: E731
    df = evaluate(case_with(hunan, [CUMUL]), monthly, months(hunan))
    assert (df.iloc[0].value, df.iloc[0].met) == (30, True)  # 18 + 0 + 12 ≥ 30: "不少于" is at least
    df = evaluate(case_with(hunan, [replace(CUMUL, threshold=31.0)]), monthly, months(hunan))
    assert not df.iloc[0].met


def test_wilson_interval_matches_known_values():
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(0, 50) == pytest.approx((0.0, 0.0713), abs=1e-4)
    assert wilson(50, 50) == pytest.approx((0.9287, 1.0), abs=1e-4)


def test_summary_across_replicates():
    t = pd.DataFrame({"replicate": [0, 1, 2, 3], "target": "a", "period": "2027", "year": 2027,
                      "value": [12.0, 11.0, 8.0, 15.0], "threshold": 10.0, "met": [True, True, False, True]})
    s = summarize(t).iloc[0]
    assert (s.replicates, s.met, s.p_met, s["median"]) == (4, 3, 0.75, 11.5)
    assert (s.p_low, s.p_high) == pytest.approx(wilson(3, 4))


def test_joint_attainment_against_a_hand_computation():
    """P(all targets) per year and overall, computed by hand on a small table."""
    import pandas as pd

    from sim.core.targets import joint_attainment

    rows = []
    # replicate 0: everything met; 1: target b fails in 2027 only; 2: a fails in 2028
    met = {(0, "a", 2027): True, (0, "a", 2028): True, (0, "b", 2027): True, (0, "b", 2028): True,
           (1, "a", 2027): True, (1, "a", 2028): True, (1, "b", 2027): False, (1, "b", 2028): True,
           (2, "a", 2027): True, (2, "a", 2028): False, (2, "b", 2027): True, (2, "b", 2028): True}
    for (r, t, y), m in met.items():
        rows.append({"replicate": r, "target": t, "period": str(y), "year": y, "value": 1.0, "threshold": 1.0,
                     "met": m})
    rows.append({"replicate": 0, "target": "a", "period": "2027–2028", "year": None, "value": 2.0,
                 "threshold": 2.0, "met": True})  # whole-period rows are not counted twice
    df = pd.DataFrame(rows)
    df["year"] = df["year"].astype("Int64")
    j = joint_attainment(df).set_index("period")
    assert j.loc["2027", "met"] == 2 and j.loc["2028", "met"] == 2 and j.loc["all", "met"] == 1
    assert j.loc["all", "p_met"] == 1 / 3 and j.loc["all", "threshold"] == 4
    assert (j["target"] == "all_targets").all() and (j["replicates"] == 3).all()
    assert j.loc["all", "p_low"] < 1 / 3 < j.loc["all", "p_high"]
