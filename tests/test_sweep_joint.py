"""P(all targets met together) of a crossed sweep by policy pools every scenario and replicate of the
policy — as the per-target tables do — instead of lumping the scenarios of one replicate together."""

import pandas as pd
import pytest

from sim.analysis.sweep_summary import joint_by_point
from sim.core.targets import wilson
from sim.engine.sweep import read_runs
from sim.engine.sweep.store import read_manifest

from .sweep_util import crossed_sweep


def test_all_targets_by_policy_counts_every_run_of_the_policy(tmp_path):
    out = crossed_sweep(tmp_path)
    man = read_manifest(out)
    runs = read_runs(out).merge(pd.read_parquet(out / "design.parquet")[["point", "policy"]], on="point")
    joint = joint_by_point(runs, man, "policy")
    yearly = [t for t in man["targets"] if t.get("year") is not None]
    for (policy, period), row in joint.set_index(["policy", "period"]).iterrows():
        sel = runs[runs.policy == policy]
        cols = [f"target.{t['target']}.{t['period']}.met" for t in yearly
                if period == "all" or str(t["year"]) == period]
        met = sel[cols].all(axis=1)  # each run: every target of the year (or of every year) met
        assert (row.replicates, row.met) == (3 * 2, int(met.sum())), (policy, period)  # 3 scenarios × 2
        lo, hi = wilson(int(met.sum()), len(met))
        assert (row.p_low, row.p_high) == (pytest.approx(lo), pytest.approx(hi))
