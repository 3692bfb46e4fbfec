"""scensim sensitivity: the sample → evaluate → analyse chain recovers analytic Sobol indices
(Ishigami), a factor no run reads gets zero indices through the real model and sweep engine, and the
command writes its tables and figures."""

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.sensitivity import Problem, Settings, analyse, noise_table
from sim.engine.sweep.design import design_table, unit_sample
from sim.engine.sweep.spec import Design, Factor

from .conftest import ROOT
from .sweep_util import scensim

SMALL = ROOT / "scenarios" / "synthetic_small.toml"


def ishigami_evaluator(replicates_noise=0.0):
    """An evaluator of the Ishigami function (a = 7, b = 0.1) on the design's values, optionally with
    noise per replicate (seeded by point and replicate)."""
    def evaluate(problem, design):
        rows = []
        x1, x2, x3 = (design[f"x{i}"].to_numpy() for i in (1, 2, 3))
        y = np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3 ** 4 * np.sin(x1)
        for r in range(problem.replicates):
            noise = np.array([np.random.default_rng([p, r]).normal() for p in design["point"]]) * replicates_noise
            rows.append(pd.DataFrame({"point": design["point"], "replicate": r, "y": y + noise}))
        return pd.concat(rows, ignore_index=True)
    return evaluate


def ishigami_problem(n=1024, replicates=1):
    factors = tuple(Factor(f"x{i}", "uncertainty", float, lo=-math.pi, hi=math.pi) for i in (1, 2, 3))
    return Problem("ishigami", factors, Design("sobol", points=n), seed=3, replicates=replicates)


def test_ishigami_sobol_indices_are_recovered_through_the_chain():
    s, _, info = analyse(ishigami_problem(), ishigami_evaluator(), Settings(bootstrap=200))
    full = s[s["n_base"] == 1024].set_index("factor")
    # analytic: S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244
    assert np.allclose(full["S1"], [0.314, 0.442, 0.0], atol=0.05)
    assert np.allclose(full["ST"], [0.558, 0.442, 0.244], atol=0.05)
    half = s[s["n_base"] == 512]
    assert len(half) == 3  # the convergence check analyses the first half too
    assert (full["ST_conf"] > 0).all()


def test_sobol_sample_at_n_is_the_first_rows_of_the_sample_at_2n():
    a = unit_sample(ishigami_problem(64))
    b = unit_sample(ishigami_problem(128))
    assert np.array_equal(a, b[: len(a)])


def test_noise_share_measures_within_point_variance():
    p = ishigami_problem(64, replicates=4)
    design = design_table(p)
    runs = ishigami_evaluator(replicates_noise=3.0)(p, design)
    n = noise_table(runs, ["y"]).iloc[0]
    assert n["noise_var"] == pytest.approx(9.0, rel=0.2)  # the added noise has variance 9
    assert 0 < n["noise_share"] < 1 and 0 < n["noise_in_mean"] < 1
    assert n["var_within"] + np.var(runs.groupby("point")["y"].mean()) == pytest.approx(n["var_total"])
    quiet = noise_table(ishigami_evaluator(0.0)(p, design), ["y"]).iloc[0]
    assert quiet["var_within"] == 0 and quiet["noise_share"] == 0


def test_no_signal_within_rounding_advises_no_replicate_count():
    """Met indicators whose point means vary exactly as much as noise alone would (signal 0, computed
    as 1.4e-17): no advice, not "about 172,938,225,691,027,040 replicates"."""
    y = [0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1]
    runs = pd.DataFrame({"point": np.repeat(np.arange(5), 3), "y": np.array(y, dtype=float)})
    n = noise_table(runs, ["y"]).iloc[0]
    assert n["noise_in_mean"] == pytest.approx(1.0) and np.isnan(n["replicates_for_10pct"])
    # a real signal still gets its count: the same noise around means 0 and 10
    runs["y"] += np.where(runs["point"] < 2, 10.0, 0.0)
    assert noise_table(runs, ["y"]).iloc[0]["replicates_for_10pct"] >= 1


def test_command_on_the_model_gives_a_dummy_factor_zero_indices(tmp_path):
    """Through the real model and the sweep engine: with common random numbers, the runs at two points
    that differ only in the dummy are identical, so its Morris and Sobol indices are exactly zero; the
    command writes its tables and figures and resumes without recomputing."""
    spec = ROOT / "tests" / "specs" / "sensitivity_small.toml"
    out = tmp_path / "sens[/b]"  # brackets in a path are text, not console markup (they crashed the command)
    r = scensim("sensitivity", spec, "--workers", "1", "--out", out, "--quiet")
    assert "Convergence" in r.stdout and f"Results written to {out}/" in r.stdout
    # the printed Morris table of cost is in the unit its title names (CNY 100 m), as the figure draws it
    morris = pd.read_parquet(out / "morris_indices.parquet")
    top = morris[morris["outcome"] == "cost.total_cny"]["mu_star"].max()
    assert top > 1e4 and f"{top / 1e8:.3g}" in r.stdout and f"{top:.3g}" not in r.stdout
    sobol = pd.read_parquet(out / "sobol_indices.parquet")
    dummy = sobol[sobol["factor"] == "dummy"]
    assert len(dummy) and (dummy["S1"].abs() < 1e-12).all() and (dummy["ST"].abs() < 1e-12).all()
    real = sobol[(sobol["factor"] != "dummy") & (sobol["n_base"] == 8)]
    assert (real["ST"] > 0.01).any()  # the levers do move some outcome
    morris = pd.read_parquet(out / "morris_indices.parquet")
    assert (morris.loc[morris["factor"] == "dummy", "mu_star"] == 0).all()
    oat = pd.read_parquet(out / "oat_effects.parquet")
    assert set(oat["factor"]) == {"vouchers.budget_cny_per_year", "opening.gov.small_cut"}
    noise = pd.read_parquet(out / "noise.parquet")
    assert noise["noise_share"].dropna().between(0, 1).all()
    for stem in ("sobol_cost_total_cny", "morris_cost_total_cny", "tornado_cost_total_cny"):
        assert (out / "figures" / f"{stem}.png").stat().st_size > 5000
        assert (out / "figures" / f"{stem}.svg").exists()
    again = scensim("sensitivity", spec, "--workers", "1", "--out", out, "--quiet", "--no-figures", "--lang", "zh")
    assert "80 runs: 80 reused, 0 computed" in again.stdout + again.stderr
    assert "收敛性" in again.stdout and "┃ 因素" in again.stdout and "Convergence" not in again.stdout  # printed in Chinese
    # the one-at-a-time effects are printed too (only their files and the tornado had them): the largest swing first
    assert "One at a time: " in r.stdout and "单因素 " in again.stdout
    cost = oat[oat["outcome"] == "cost.total_cny"].assign(swing=lambda d: (d["high"] - d["low"]).abs())
    first = cost.sort_values("swing", ascending=False).iloc[0]
    block = r.stdout[r.stdout.index("One at a time: Total fiscal spending"):]
    assert f"{(first['high'] - first['base']) / 1e8:+.3g}" in block.split("└")[0]
    assert pd.read_parquet(out / "sobol_indices.parquet").equals(sobol)


def test_bad_sensitivity_settings_are_one_line_errors(tmp_path):
    text = (ROOT / "tests" / "specs" / "sensitivity_small.toml").read_text(encoding="utf-8")
    text = text.replace('"../../scenarios/synthetic_small.toml"', f'"{SMALL.as_posix()}"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("bootstrap = 50", "bootstrap = 3"), encoding="utf-8")
    r = scensim("sensitivity", bad, check=False)
    assert r.returncode == 2 and "sensitivity.bootstrap = 3" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    bad.write_text(text.replace("bootstrap = 50", "colour = 1"), encoding="utf-8")
    r = scensim("sensitivity", bad, check=False)
    assert r.returncode == 2 and "sensitivity.colour" in r.stderr


def test_sensitivity_legends_lie_outside_the_plots():
    """The legends of the tornado, the Sobol bars and the Morris plot sit below the axes, so nothing
    drawn in a corner is hidden under them (they sat inside, lower right: over the smallest factor's
    bars, or over a linear factor far right and low in the Morris plot)."""
    from sim.report.analysis_figures import tornado

    oat = pd.DataFrame({"outcome": "cost.total_cny", "factor": ["vouchers.share", "diffusion.q"],
                        "base": 0.0, "low": [-1e8, 2e8], "high": [3e8, 4e8], "low_se": 0.0, "high_se": 0.0})
    fig = tornado(oat, "cost.total_cny", None, "en")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (legend,) = fig.legends
    box, axes = legend.get_window_extent(renderer), fig.axes[0].get_window_extent(renderer)
    assert box.y1 <= axes.y0  # wholly below the axes
    # so do the Sobol bars' and the Morris plot's
    from sim.report.analysis_figures import morris_scatter, sobol_bars

    sobol = pd.DataFrame({"outcome": "cost.total_cny", "factor": ["vouchers.share", "diffusion.q"], "n_base": 8,
                          "S1": [0.1, 0.8], "ST": [0.1, 0.9], "S1_conf": 0.05, "ST_conf": 0.05})
    morris = pd.DataFrame({"outcome": "cost.total_cny", "factor": ["vouchers.share", "diffusion.q"],
                           "kind": ["lever", "uncertainty"], "mu_star": [1e8, 5e8], "mu_star_conf": 1e7,
                           "sigma": [1e7, 2e7]})
    for fig in (sobol_bars(sobol, "cost.total_cny", None, "en"), morris_scatter(morris, "cost.total_cny", None, "en")):
        fig.canvas.draw()
        (legend,) = fig.legends
        assert legend.get_window_extent(renderer).y1 <= fig.axes[0].get_window_extent(fig.canvas.get_renderer()).y0


def test_morris_and_pareto_labels_never_overlap():
    """Factors close together in the Morris plot, and mixes close in cost and P in the Pareto plot,
    get names that do not overlap (Morris names were drawn at a fixed offset, one over the other when
    two factors had nearly the same μ* and σ)."""
    from matplotlib.text import Annotation, Text

    from sim.report.analysis_figures import morris_scatter, place_labels

    factors = ["vouchers.share", "diffusion.q", "diffusion.p", "bid.hurdle", "procurement.budget_cny", "dummy"]
    morris = pd.DataFrame({"outcome": "target.x.2028.value", "factor": factors,
                           "kind": ["lever", "uncertainty", "uncertainty", "uncertainty", "lever", "dummy"],
                           "mu_star": [10.0, 10.2, 10.1, 9.9, 30.0, 1.0], "mu_star_conf": 0.5,
                           "sigma": [5.0, 5.1, 4.9, 5.05, 6.0, 0.5]})
    import matplotlib.pyplot as plt

    mixes_fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 1)
    place_labels(ax, [1.0, 1.05, 1.1, 9.9], [0.5, 0.51, 0.49, 0.5], ["mix one", "mix two", "混合三", "far right mix"])
    for lang in ("en", "zh"):
        for fig in (morris_scatter(morris, "target.x.2028.value", None, lang), mixes_fig):
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            ax = fig.axes[0]
            names = [c for c in ax.get_children() if isinstance(c, Annotation) and c.get_text() != "σ = μ*"]
            assert len(names) >= 4
            boxes = [Text.get_window_extent(n, renderer) for n in names]  # the text, not its leader line
            for i in range(len(boxes)):
                for j in range(i):
                    assert not boxes[i].overlaps(boxes[j]), (names[i].get_text(), names[j].get_text())
            right = ax.get_window_extent(renderer).x1
            assert all(b.x1 <= right + 1 for b in boxes)  # a name near the right edge turns left
