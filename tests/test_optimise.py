"""scensim optimise: on a cheap evaluator the chosen mix meets its judged constraint and the search is
deterministic with a seed; on the synthetic case the command runs end to end through the engine."""

import json

import numpy as np
import pandas as pd

from sim.analysis.optimise import Settings, optimise, pareto
from sim.engine.sweep.spec import load_spec

from .conftest import ROOT
from .sweep_util import scensim

SPEC = ROOT / "tests" / "specs" / "optimise_small.toml"


def cheap_evaluate(stage, candidates, replicates, seed, base_case=None):
    """P(met) rises with the voucher budget (0 → 0, 60 m → 1), minus 0.3 without first purchase; cost is
    the budget plus 10 m with first purchase. 40 Bernoulli runs per candidate, seeded."""
    rows = []
    for i, c in enumerate(candidates):
        b = c.get("vouchers.budget_cny_per_year", 40e6)
        fp = c.get("procurement.first_purchase", True)
        p = float(np.clip(b / 60e6 - (0 if fp else 0.3), 0, 1))
        rng = np.random.default_rng([seed, i, int(b)])
        met = rng.random(40 * replicates) < p
        rows.append(pd.DataFrame({"candidate": i, "all_targets.all.met": met,
                                  "target.published_per_year.2030.met": met, "target.published_per_year.2031.met": met,
                                  "cost.total_cny": b + (10e6 if fp else 0) + rng.normal(0, 1e5, len(met))}))
    return pd.concat(rows, ignore_index=True)


def test_chosen_mix_meets_its_judged_constraint_and_is_deterministic():
    spec = load_spec(SPEC)
    st = Settings(targets=("published_per_year:2031",), probability=0.6, batches=5, batch_size=4, finalists=3,
                  final_replicates=5, compare=None)
    a = optimise(spec, cheap_evaluate, st)
    b = optimise(spec, cheap_evaluate, st)
    assert a.trials.equals(b.trials) and a.finals.equals(b.finals) and a.chosen == b.chosen
    assert a.chosen is not None
    assert a.chosen["p_low"] >= 0.6  # judged on the re-evaluated Wilson lower bound
    meeting = a.finals[a.finals["meets"]]
    assert a.chosen["cost_cny"] == meeting["cost_cny"].min()  # the cheapest finalist that meets it
    assert (a.trials.loc[a.trials["feasible"], "p_low"] >= 0.6).all()
    assert len(a.trials) == 20 and a.trials["trial"].tolist() == list(range(20))
    front = a.trials[pareto(a.trials)]
    for _, r in front.iterrows():  # nothing on the front is beaten on both cost and P(all)
        assert not ((a.trials["cost_cny"] < r["cost_cny"]) & (a.trials["p_met"] > r["p_met"])).any()


def test_impossible_constraint_says_no_mix():
    spec = load_spec(SPEC)
    st = Settings(targets=("all",), probability=0.99, batches=2, batch_size=2, finalists=1, final_replicates=1)

    def never(stage, candidates, replicates, seed, base_case=None):
        out = cheap_evaluate(stage, candidates, replicates, seed)
        out["all_targets.all.met"] = False
        return out

    res = optimise(spec, never, st)
    assert res.chosen is None and not res.finals["meets"].any()


def test_optimise_command_on_the_synthetic_case(tmp_path):
    out = tmp_path / "opt[/b]"  # brackets in a path are text, not console markup (they crashed the command)
    r = scensim("optimise", SPEC, "--workers", "1", "--out", out)
    assert "Finalists re-evaluated" in r.stdout and "Hand-made mixes" in r.stdout
    assert f"Results written to {out}/" in r.stdout
    assert ("Chosen: trial" in r.stdout) or ("No mix found" in r.stdout)
    trials = pd.read_parquet(out / "optimise_trials.parquet")
    assert len(trials) == 4 and {"cost_cny", "p_low", "feasible", "pareto"} <= set(trials.columns)
    mixes = pd.read_parquet(out / "optimise_mixes.parquet")
    assert list(mixes["mix"]) == ["vouchers", "split"] and (mixes["runs"] == 4).all()
    assert (out / "figures" / "pareto_front.png").exists() and (out / "figures" / "pareto_front.svg").exists()
    again = scensim("optimise", SPEC, "--workers", "1", "--out", out, "--no-figures", "--quiet")  # resumes: nothing recomputed
    assert "0 computed" in again.stderr and pd.read_parquet(out / "optimise_trials.parquet").equals(trials)
    zh = scensim("optimise", SPEC, "--workers", "1", "--out", out, "--no-figures", "--quiet", "--lang", "zh")
    assert "决选组合（重新评估）" in zh.stdout and "人工组合" in zh.stdout and "财政净支出（亿元）" in zh.stdout
    assert ("选定：试验" in zh.stdout) or ("未找到组合" in zh.stdout)
    assert "Finalists" not in zh.stdout and "Chosen" not in zh.stdout
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["verdict"].startswith(("Chosen", "No mix"))


def test_pareto_front_names_of_close_mixes_do_not_overlap():
    """Hand-made mixes close in cost and P (as Hunan's are: five within 1.2 × 100 million CNY at P ≈ 0)
    get names that do not overlap each other once drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from matplotlib.text import Text

    from sim.report.analysis_figures import pareto_front

    trials = pd.DataFrame({"cost_cny": [3e8, 9e8, 14e8], "p_met": [0.0, 0.25, 0.5]})
    costs = [3.7e8, 7.2e8, 7.8e8, 8.2e8, 8.4e8, 10.2e8]
    ps = [0.0, 0.0, 0.0, 0.04, 0.0, 0.12]
    mixes = pd.DataFrame({"mix": ["equity_led", "balanced", "platform_led", "soe_led", "baseline", "procurement_led"],
                          "cost_cny": costs, "p_met": ps, "p_low": ps, "p_high": [p + 0.14 for p in ps],
                          "cost_low": [c * 0.99 for c in costs], "cost_high": [c * 1.01 for c in costs]})
    fig = pareto_front(trials, None, mixes, 0.5, "en", ["all:2028"])
    fig.canvas.draw()
    names = [t for t in fig.axes[0].texts if t.get_text() in set(mixes["mix"])]
    assert len(names) == len(mixes)
    boxes = [Text.get_window_extent(t) for t in names]  # the names, not their leader lines
    overlapping = [(names[i].get_text(), names[j].get_text()) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
                   if boxes[i].overlaps(boxes[j])]
    assert not overlapping
