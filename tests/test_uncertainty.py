"""Parameter uncertainty in runs (``--uncertainty prior``): draws stay in the case's ranges, are a function of
the replicate's seed, and are recorded with the run."""

import sim
from sim.core.registry import REGISTRY
from sim.engine.uncertainty import prior_draw, uncertain_names

from .conftest import ROOT

SMALL = ROOT / "scenarios" / "synthetic_small.toml"


def test_prior_draws_only_uncertainties_within_their_ranges_and_repeat_by_seed():
    case = sim.load_case(SMALL)
    names = uncertain_names(case)
    assert names and all(REGISTRY.params[n].kind == "uncertainty" for n in names)
    a, b, c = prior_draw(case, 11), prior_draw(case, 11), prior_draw(case, 12)
    assert a == b and a != c
    for n, v in a.items():
        pv = case.params[n]
        assert pv.lo <= v <= pv.hi, n
        assert isinstance(v, REGISTRY.params[n].dtype), n


def test_run_with_prior_records_the_draws_and_differs_from_point_values():
    case = sim.load_case(SMALL)
    r1 = sim.run(case, replicates=2, seed=5, uncertainty="prior")
    r2 = sim.run(case, replicates=2, seed=5, uncertainty="prior")
    r0 = sim.run(case, replicates=2, seed=5)
    cols = [c for c in r1.runs.columns if c.startswith("param.")]
    assert cols and r1.runs[cols].equals(r2.runs[cols])
    assert not any(c.startswith("param.") for c in r0.runs.columns)
    assert r1.uncertainty == "prior" and r0.uncertainty == "none"
    assert not r1.targets["value"].equals(r0.targets["value"])
