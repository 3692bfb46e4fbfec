"""The model driven by Mesa's batch_run and by EMA Workbench gives the model's own outcomes."""

import warnings

import numpy as np
import pytest

import sim
from sim.adapters.ecosystem import KEYWORDS, BatchScenarioMarket, ema_model, keyword, outcome_identifier
from sim.engine.runner import run_outcomes

from .sweep_util import TINY_CASE

TINY = {"population.startups": 20, "population.smes": 10, "population.leaders": 2, "population.institutes": 2,
        "population.soes": 2, "population.chain_leaders": 2, "population.pilot_bases": 1,
        "population.startup_entry_per_month": 0.5}


@pytest.fixture(scope="module")
def tiny_case():
    return sim.load_case(TINY_CASE).with_params(TINY)


def test_a_keyword_sets_its_registry_parameter_on_the_model(tiny_case):
    """Plain keywords reach the model as the registry parameters they name, and nothing else."""
    m = BatchScenarioMarket(case=str(TINY_CASE), seed=1, vouchers_share=0.37, pilot_success_slope=1.23,
                            **{keyword(k): v for k, v in TINY.items()})
    assert m.params["vouchers.share"] == 0.37 and m.levers["vouchers"].p["share"] == 0.37
    assert m.params["pilot.success_slope"] == 1.23
    assert m.params["population.startups"] == 20
    base = sim.load_case(TINY_CASE).values
    changed = {k for k in base if m.params[k] != base[k]}
    assert changed == {"vouchers.share", "pilot.success_slope", *TINY}
    assert len(KEYWORDS) == len(sim.REGISTRY)  # one keyword per parameter, so none is unreachable
    with pytest.raises(sim.InputError, match="vouchers_shares"):
        BatchScenarioMarket(case=str(TINY_CASE), seed=1, vouchers_shares=0.5)
    assert outcome_identifier("target.major_landed.2026–2028.met") == "target_major_landed_2026_2028_met"


def test_batch_run_drives_the_model_and_reports_its_outcomes(tiny_case):
    from mesa.batchrunner import batch_run

    rows = batch_run(BatchScenarioMarket,
                     {"case": str(TINY_CASE), "vouchers_share": [0.3, 0.6], "seed": [1, 2],
                      **{keyword(k): v for k, v in TINY.items()}},
                     number_processes=1, iterations=1, display_progress=False)
    assert len(rows) == 4
    assert {(r["vouchers_share"], r["seed"]) for r in rows} == {(0.3, 1), (0.3, 2), (0.6, 1), (0.6, 2)}
    for r in rows:
        m = sim.ScenarioMarket(tiny_case.with_params({"vouchers.share": r["vouchers_share"]}), seed=r["seed"]).run()
        expected = {k: v for k, v in run_outcomes(m).items() if k.startswith("target.")}
        assert expected and {k: r[k] for k in expected} == expected
        assert r["Step"] == m.calendar.n_months - 1


def test_batch_run_model_rejects_unknown_keywords():
    with pytest.raises(sim.InputError, match="vouchers_shar: unknown parameter keyword"):
        BatchScenarioMarket(case=str(TINY_CASE), seed=1, vouchers_shar=0.5)


def test_ema_workbench_model_from_the_registry_runs_the_model(tiny_case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ema_workbench's import-time warnings (see TRAPS.md)
        from ema_workbench import (BooleanParameter, IntegerParameter, RealParameter, SequentialEvaluator,
                                   perform_experiments)

    fixed = {k: v for k, v in TINY.items() if k != "population.smes"}
    model = ema_model(case=TINY_CASE, levers=["vouchers.share", "procurement.first_purchase"],
                      uncertainties=["diffusion.q", "population.smes"], fixed=fixed,
                      outcomes=["target.landed.2027.value", "metric.landed"], seed=3)
    levers = {p.name: p for p in model.levers}
    assert isinstance(levers["vouchers_share"], RealParameter)
    assert (levers["vouchers_share"].lower_bound, levers["vouchers_share"].upper_bound) == (
        tiny_case.params["vouchers.share"].lo, tiny_case.params["vouchers.share"].hi)
    assert isinstance(levers["procurement_first_purchase"], BooleanParameter)
    assert isinstance({p.name: p for p in model.uncertainties}["population_smes"], IntegerParameter)
    # EMA's Latin hypercube sampler draws from numpy's global generator (np.random.shuffle, scipy's rvs
    # without a random_state): seeded here, so that the design — and whether its 4 experiments land
    # different counts on the tiny case — is the same on every run, whatever ran before in the process
    state = np.random.get_state()
    np.random.seed(20261204)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with SequentialEvaluator(model) as ev:
                experiments, outcomes = perform_experiments(model, scenarios=2, policies=2, evaluator=ev)
    finally:
        np.random.set_state(state)
    assert len(experiments) == 4
    for i, e in experiments.iterrows():
        params = {"vouchers.share": float(e["vouchers_share"]),
                  "procurement.first_purchase": bool(e["procurement_first_purchase"]),
                  "diffusion.q": float(e["diffusion_q"]), "population.smes": int(e["population_smes"])}
        o = run_outcomes(sim.ScenarioMarket(tiny_case.with_params(params), seed=3).run())
        assert outcomes["target_landed_2027_value"][i] == o["target.landed.2027.value"]
        assert outcomes["metric_landed"][i] == o["metric.landed"]
    assert len(set(outcomes["metric_landed"])) > 1  # different experiments, different outcomes


def test_ema_replicator_model_averages_replications_with_derived_seeds(tiny_case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import SequentialEvaluator, perform_experiments

    model = ema_model(case=TINY_CASE, levers=["vouchers.share"], uncertainties=["diffusion.q"], fixed=TINY,
                      outcomes=["metric.landed", "target.published.2026.met"], seed=5, replicates=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with SequentialEvaluator(model) as ev:
            experiments, outcomes = perform_experiments(model, scenarios=1, policies=1, evaluator=ev)
    e = experiments.iloc[0]
    case = tiny_case.with_params({"vouchers.share": float(e["vouchers_share"]), "diffusion.q": float(e["diffusion_q"])})
    runs = [run_outcomes(sim.ScenarioMarket(case, seed=sim.run_seed(5, r)).run()) for r in range(3)]
    assert outcomes["metric_landed"][0] == pytest.approx(sum(o["metric.landed"] for o in runs) / 3)
    assert outcomes["target_published_2026_met"][0] == pytest.approx(
        sum(o["target.published.2026.met"] for o in runs) / 3)
