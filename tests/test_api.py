"""The Python API gives the same tidy tables as the command line."""

import io
import warnings

import numpy as np
import pandas as pd
import pytest

import sim
from sim.core.model import ScenarioMarket


def test_run_replicates_and_tables(hunan):
    res = sim.run(hunan.with_params({"vouchers.share": 0.6}), replicates=2, seed=4)
    assert res.replicates == 2 and res.seeds == [sim.run_seed(4, 0), sim.run_seed(4, 1)]
    assert set(res.targets.replicate) == {0, 1}
    assert {"target", "period", "p_met", "p_low", "p_high", "median"} <= set(res.target_summary.columns)
    assert set(res.series.metric) >= {"landed", "published", "served", "zones_designated", "opportunity_list"}
    # a replicate can be repeated from its seed alone
    one = sim.run_one(hunan.with_params({"vouchers.share": 0.6}), seed=res.seeds[1])
    again = res.targets[res.targets.replicate == 1].drop(columns="replicate").reset_index(drop=True)
    pd.testing.assert_frame_equal(one.targets.drop(columns="replicate"), again)


def test_model_takes_parameters_by_name_and_exposes_agents(hunan):
    m = ScenarioMarket(hunan, seed=2, **{"population.startups": 300, "population.smes": 200})
    assert m.params["population.startups"] == 300
    assert len(m.supplier_agents) == 300 + 200 + hunan.values["population.leaders"] + hunan.values["population.institutes"]
    m.run()
    assert not m.running and m.t == hunan.n_months - 1
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == hunan.n_months and (df.pilot_zones.diff().dropna() >= 0).all()
    s = next(a for a in m.supplier_agents if a.validated > 0)
    assert s.pilots >= s.validated and s.capabilities and all(1 <= r <= 9 for r in s.capabilities.values())
    assert m.supplier_agents[s.idx] is s  # made once, on first read
    from sim.core.agents import Supplier

    assert sum(isinstance(a, Supplier) for a in m.agents) == len(m.suppliers)  # model.agents holds every supplier
    o = m.opener_agents[0]
    assert o.kind == "gov" and o.domain == "advanced_manufacturing" and len(o.scenarios()) > 0
    assert set(o.opening_rates()) == {"major", "integrated", "small_cut"}


def test_agent_decisions_agree_with_the_vectorised_rules(hunan):
    m = ScenarioMarket(hunan, seed=3)
    for _ in range(3):
        m.step()
    o = m.open_scenarios()[:5]
    pairs = m.candidate_pairs(o)
    idx = np.arange(0, len(pairs), max(1, len(pairs) // 20))
    vec = m.bid_probabilities(pairs)
    for i in idx:
        agent = m.supplier_agents[pairs.supplier[i]]
        assert agent.bid_chance(int(pairs.scenario[i])) == pytest.approx(vec[i])
        assert agent.success_chance(int(pairs.scenario[i])) == pytest.approx(pairs.p_success[i])


def test_seedless_model_records_its_seed(hunan):
    m = ScenarioMarket(hunan)
    again = ScenarioMarket(hunan, seed=m.seed)
    m.run(), again.run()
    assert np.array_equal(m.recorder.flows, again.recorder.flows)


def test_figures_render_chinese_without_missing_glyphs(hunan):
    import matplotlib.pyplot as plt

    from sim.report.figures import target_figures

    res = sim.run(hunan, replicates=3, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a UserWarning at draw time
        for lang in ("zh", "en"):
            for fig in target_figures(res.series, res.target_summary, hunan, lang).values():
                fig.savefig(io.BytesIO(), format="png")
                plt.close(fig)
    from matplotlib import font_manager

    font_manager.findfont(font_manager.FontProperties(family="Noto Sans CJK SC"), fallback_to_default=False)


def test_finished_models_are_freed(hunan):
    """Mesa 3.3.1 keeps every model in a class-level id counter; ours must not, or a process running
    thousands of models (sweeps, comparisons, twin runs) grows without bound."""
    import gc
    import weakref

    refs = []
    for seed in range(3):
        m = ScenarioMarket(hunan, seed=seed)
        for _ in range(2):
            m.step()
        refs.append(weakref.ref(m))
        del m
    gc.collect()
    assert all(r() is None for r in refs)
    m = ScenarioMarket(hunan, seed=9)
    ids = [a.unique_id for a in m.agents]
    assert len(set(ids)) == len(ids)  # agent ids stay unique within a model
