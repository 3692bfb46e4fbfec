"""Calibration (ABC-SMC through the project's executor): the wiring recovers a known parameter of a toy
simulator and repeats exactly on any number of workers; a calibration of the synthetic case recovers the
parameter used to make synthetic "observations"; bad specs are refused in one line."""

import json
import subprocess
import sys
from functools import partial

import numpy as np
import pandas as pd
import pytest

from sim.analysis.calibrate import abc_smc, load_spec, weighted_quantiles
from sim.base.errors import InputError
from sim.engine.executor import Executor

from .conftest import ROOT


def toy(scale, params):
    return {"x": params["theta"] + scale * np.random.normal()}


def toy_distance(x, x0):
    return abs(x["x"] - x0["x"])


def test_abc_recovers_a_toy_parameter_and_repeats_on_any_number_of_workers(tmp_path):
    runs = []
    for workers in (1, 2):
        with Executor(workers) as ex:
            post, _ = abc_smc(partial(toy, 0.05), {"theta": (0.0, 1.0)}, {"x": 0.3}, toy_distance, population=30,
                              generations=3, seed=4, executor=ex, db=tmp_path / f"toy{workers}.sqlite")
        runs.append(post)
    lo, hi = weighted_quantiles(runs[0]["theta"].to_numpy(), runs[0]["weight"].to_numpy(), [0.05, 0.95])
    assert lo < 0.3 < hi and hi - lo < 0.5  # contains the truth and learnt something (prior width 1)
    pd.testing.assert_frame_equal(runs[0], runs[1])


SPEC = """[calibration]
id = "t"
case = "{case}"
patterns = "patterns.toml"
population = 12
generations = 2
seed = 2

[parameters]
"scenario.budget_median_cny.small_cut" = {{ range = [500000, 5000000] }}
"""


def _pattern(observed: float) -> str:
    return f"""[[pattern]]
id = "synthetic_budget"
zh = "合成"
en = "synthetic"
observable = "landed_budget_mean_cny"
observed = {observed}
band = [{observed * 0.85}, {observed * 1.15}]
source = "made by the model at a known parameter value"
independent = "synthetic"
reliability = "strong"
window = "run"
comparability = "same"
use = "fit"
"""


@pytest.mark.slow
def test_calibrating_the_synthetic_case_recovers_the_value_that_made_the_observations(tmp_path):
    import sim
    from sim.core.observables import measure

    truth = 3_000_000.0
    case = sim.load_case(ROOT / "scenarios" / "synthetic_small.toml").with_params(
        {"scenario.budget_median_cny.small_cut": truth})
    obs = np.mean([measure(sim.ScenarioMarket(case, seed=s).run())["landed_budget_mean_cny"] for s in range(3)])
    (tmp_path / "patterns.toml").write_text(_pattern(float(obs)), encoding="utf-8")
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.format(case=(ROOT / "scenarios" / "synthetic_small.toml").as_posix()), encoding="utf-8")
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "sim.cli", "calibrate", str(spec), "--out", str(out), "-q",
                        "--predictive", "4", "--allow-outside-paths"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    marg = pd.read_csv(out / "marginals.csv").iloc[0]
    assert marg.posterior_q05 <= truth <= marg.posterior_q95
    assert marg.posterior_q95 - marg.posterior_q05 < 0.9 * (5_000_000 - 500_000)  # narrower than the prior
    man = json.loads((out / "manifest.json").read_text())
    assert man["fitted_patterns"] == ["synthetic_budget"]
    for f in ("posterior.csv", "fit.csv", "case_calibrated.toml", "figures/posterior_marginals.png",
              "figures/posterior_pairs.svg"):
        assert (out / f).exists(), f
    variant = sim.load_case(out / "case_calibrated.toml", allow_outside=True)
    v = variant.params["scenario.budget_median_cny.small_cut"]
    assert v.lo <= v.value <= v.hi and "calibrated" in v.source


@pytest.mark.parametrize("edit,key", [
    (lambda s: s.replace('"scenario.budget_median_cny.small_cut"', '"vouchers.share"'), "parameters.vouchers.share"),
    (lambda s: s.replace("population = 12", "population = 1"), "calibration.population"),
    (lambda s: s.replace("seed = 2", 'seed = 2\nfit = ["no_such_pattern"]'), "calibration.fit"),
    (lambda s: s.replace("range = [500000, 5000000]", "range = [5000000, 500000]"), "range"),
])
def test_bad_specs_are_refused_in_one_line(tmp_path, edit, key):
    (tmp_path / "patterns.toml").write_text(_pattern(1e6), encoding="utf-8")
    spec = tmp_path / "spec.toml"
    spec.write_text(edit(SPEC.format(case=(ROOT / "scenarios" / "synthetic_small.toml").as_posix())), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_spec(spec, allow_outside=True)
    assert key in str(e.value) and "\n" not in str(e.value)


def test_the_shipped_hunan_spec_loads():
    spec = load_spec(ROOT / "experiments" / "hunan_calibrate.toml")
    assert spec.patterns and spec.held_back and spec.priors
