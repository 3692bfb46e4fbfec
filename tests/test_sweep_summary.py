"""Summaries of a sweep, checked against hand computations."""

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.sweep_summary import summarize_runs
from sim.engine.sweep import load_spec, read_runs, run_sweep

from .sweep_util import crossed_sweep, scensim, write_spec

Z = 1.959963984540054  # the 97.5 % normal quantile


def wilson_by_hand(k, n):
    p = k / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return centre - half, centre + half


def test_summary_of_a_hand_made_runs_table():
    runs = pd.DataFrame({
        "point": [0] * 5 + [1] * 4,
        "replicate": list(range(5)) + list(range(4)),
        "seed": range(9),
        "vouchers.share": [0.3] * 5 + [0.6] * 4,
        "target.t.2027.value": [12.0, 8.0, 15.0, 10.0, 3.0, 20.0, 21.0, 22.0, 30.0],
        "target.t.2027.met": [True, False, True, True, False, True, True, True, True],
        "metric.landed": [1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 0.0, 10.0, 0.0],
    })
    manifest = {"varied": ["vouchers.share"], "outcome_columns": ["target.t.2027.value", "target.t.2027.met",
                                                                  "metric.landed"],
                "targets": [{"target": "t", "period": "2027", "year": 2027, "threshold": 10.0}]}
    s = summarize_runs(runs, manifest).set_index(["point", "outcome"])
    t0 = s.loc[(0, "target.t.2027")]
    assert (t0["replicates"], t0["met"], t0["threshold"], t0["vouchers.share"]) == (5, 3, 10.0, 0.3)
    assert t0["p_met"] == pytest.approx(0.6)
    lo, hi = wilson_by_hand(3, 5)
    assert (t0["p_low"], t0["p_high"]) == (pytest.approx(lo), pytest.approx(hi))
    assert t0["median"] == 10.0 and t0["mean"] == pytest.approx(9.6)
    assert t0["q05"] == pytest.approx(3.0 + 0.2 * (8.0 - 3.0))  # linear: position 0.05 × 4 = 0.2
    assert t0["q95"] == pytest.approx(12.0 + 0.8 * (15.0 - 12.0))
    t1 = s.loc[(1, "target.t.2027")]
    assert (t1["met"], t1["p_met"], t1["p_high"]) == (4, 1.0, pytest.approx(1.0))
    assert t1["p_low"] == pytest.approx(wilson_by_hand(4, 4)[0])
    m1 = s.loc[(1, "metric.landed")]
    assert pd.isna(m1["p_met"]) and pd.isna(m1["target"]) and m1["replicates"] == 4
    assert (m1["median"], m1["mean"]) == (5.0, 5.0)
    assert m1["q05"] == pytest.approx(0.0) and m1["q95"] == pytest.approx(10.0)


def test_summarize_command_prints_and_writes_what_the_runs_say(tmp_path):
    spec = write_spec(tmp_path)
    out = tmp_path / "o"
    run_sweep(load_spec(spec), out=out, workers=1)
    r = scensim("summarize", out)
    runs = read_runs(out)
    summary = pd.read_csv(out / "summary.csv")
    assert pd.read_parquet(out / "summary.parquet").shape == summary.shape
    targets = summary[summary["target"].notna()]
    assert set(targets["outcome"]) == {"target.published.2026", "target.published.2027",
                                       "target.published.2026–2027", "target.landed.2027"}
    assert len(targets) == 4 * 4  # 4 points × 4 target periods
    ps = []
    for _, row in targets.iterrows():
        sel = runs[runs.point == row.point]
        met = sel[f"{row.outcome}.met"].to_numpy()
        k, n = int(met.sum()), len(met)
        assert (row.met, row.replicates) == (k, n)
        assert row.p_met == pytest.approx(k / n)
        lo, hi = wilson_by_hand(k, n)
        assert row.p_low == pytest.approx(lo, abs=1e-12) and row.p_high == pytest.approx(hi, abs=1e-12)
        v = sel[f"{row.outcome}.value"].to_numpy()
        assert row["median"] == pytest.approx(np.median(v)) and row.q95 == pytest.approx(np.quantile(v, 0.95))
        assert f"{k / n:.2f} [{lo:.2f}, {hi:.2f}]" in r.stdout
        ps.append(k / n)
    assert 0 < np.mean(ps) < 1  # the test targets are met in some runs, not all
    fiscal = summary[summary["outcome"] == "fiscal.vouchers.spent_cny"].set_index("point")
    by_hand = runs.groupby("point")["fiscal.vouchers.spent_cny"].mean()
    assert fiscal["mean"].to_numpy() == pytest.approx(by_hand.to_numpy())
    assert "(published)" in r.stdout and "2027 (≥20)" in r.stdout  # 40 a year, prorated to 6 months


def test_crossed_design_summarized_by_policy_pools_its_scenarios(tmp_path):
    out = crossed_sweep(tmp_path)
    r = scensim("summarize", out, "--by", "policy")
    s = pd.read_csv(out / "summary_by_policy.csv")
    assert list(s.columns[:2]) == ["policy", "vouchers.budget_cny_per_year"]  # the levers only
    runs = read_runs(out).merge(pd.read_parquet(out / "design.parquet")[["point", "policy"]], on="point")
    row = s[(s.policy == 1) & (s.outcome == "target.published.2027")].iloc[0]
    pooled = runs[runs.policy == 1]["target.published.2027.met"]
    assert (row.replicates, row.met) == (3 * 2, int(pooled.sum()))
    lo, hi = wilson_by_hand(int(pooled.sum()), 6)
    assert row.p_low == pytest.approx(lo) and f"{pooled.mean():.2f} [{lo:.2f}, {hi:.2f}]" in r.stdout
    assert "2 policies, runs per policy: 6–6" in r.stdout
    write_spec(tmp_path, name="grid.toml")
    run_sweep(load_spec(tmp_path / "grid.toml"), out=tmp_path / "g", workers=1)
    refused = scensim("summarize", tmp_path / "g", "--by", "policy", check=False)
    assert refused.returncode == 2 and "policies exist only in a crossed design" in refused.stderr
