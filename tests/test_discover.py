"""scensim discover: PRIM and CART find a known box in a synthetic table; the command runs on a sweep."""

import numpy as np
import pandas as pd
import pytest

from sim.analysis.discover import binned_probability, cart_boxes, feature_scores, prim_boxes

from .conftest import ROOT
from .sweep_util import scensim


@pytest.fixture(scope="module")
def known_box():
    """y = 1 inside a ≥ 0.6 and b ≤ 0.5 (c irrelevant), with 5 % of labels flipped."""
    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.random((1500, 3)), columns=["a", "b", "c"])
    y = ((x["a"] >= 0.6) & (x["b"] <= 0.5)).to_numpy()
    flip = rng.random(len(y)) < 0.05
    return x, y ^ flip


def test_prim_finds_the_known_box(known_box):
    x, y = known_box
    res = prim_boxes(x, y, threshold=0.93)  # the true box has density 0.95 (5 % flipped)
    lims = res["limits"].set_index("parameter")
    assert set(lims.index) == {"a", "b"}  # c is not restricted
    assert lims.at["a", "min"] == pytest.approx(0.6, abs=0.05)
    assert lims.at["b", "max"] == pytest.approx(0.5, abs=0.05)
    assert res["stats"]["density"] >= 0.93 and res["stats"]["coverage"] > 0.7
    assert (lims[["qp_low", "qp_high"]].min(axis=1) < 1e-6).all()  # both restrictions are significant
    traj = res["trajectory"]
    assert traj["chosen"].sum() == 1 and traj.loc[traj["chosen"], "density"].iloc[0] >= 0.93


def test_cart_and_feature_scores_find_the_known_box(known_box):
    x, y = known_box
    boxes = cart_boxes(x, y, max_depth=2, seed=0)
    best = boxes[boxes["predicts_outcome"]]
    assert set(best["parameter"]) == {"a", "b"}
    lims = best.set_index("parameter")
    assert lims.at["a", "min"] == pytest.approx(0.6, abs=0.05) and lims.at["b", "max"] == pytest.approx(0.5, abs=0.05)
    scores = feature_scores(x, y, seed=0)
    assert list(scores["parameter"][:2]) in (["a", "b"], ["b", "a"]) and scores["score"].iloc[2] < 0.1
    assert scores.equals(feature_scores(x, y, seed=0))  # seeded: the same again
    binned = binned_probability(x, y, "a", "b", bins=5)
    assert binned["n"].sum() == len(y)
    inside = binned[(binned["a_lo"] >= 0.59) & (binned["b_hi"] <= 0.41)]  # cells wholly inside the box
    outside = binned[binned["a_hi"] <= 0.41]  # cells wholly outside
    assert len(inside) == 4 and inside["p"].min() > 0.8 and outside["p"].max() < 0.2


def test_discover_command_on_a_small_sweep(tmp_path):
    spec = ROOT / "tests" / "specs" / "discover_small.toml"
    out = tmp_path / "sweep[/b]"  # brackets in a path are text, not console markup
    scensim("sweep", spec, "--workers", "1", "--out", out, "--quiet")
    r = scensim("discover", out, "--target", "published_per_year", "--threshold", "0.6")
    assert "PRIM box" in r.stdout and "Feature scores" in r.stdout
    assert f"Results written to {out / 'discover'}/" in r.stdout
    assert "one at a time" not in r.stderr  # a Latin hypercube: no note about the design
    # 20 points × 2 replicates: the note counts the design points that hold the outcome
    runs = pd.read_parquet(out / "runs")
    fails = runs[runs[[c for c in runs.columns if c.startswith("target.published_per_year.")
                       and c.endswith(".met") and "–" not in c]].eq(False).any(axis=1)]
    note = " ".join(r.stderr.split())
    assert f"the {len(fails)} runs with the outcome come from {fails['point'].nunique()} of the 20 design points" in note
    # one run of 40 fails: PRIM finds no box at this density, says so and draws no (empty) box figure
    assert "PRIM found no box with density ≥ 0.6" in r.stdout
    for stem in ("prim_tradeoff_published_per_year_fails", "heatmap_published_per_year_fails"):
        assert (out / "discover" / "figures" / f"{stem}.png").exists()
        assert (out / "discover" / "figures" / f"{stem}.svg").exists()
    assert not list((out / "discover" / "figures").glob("prim_box*"))
    # ten of 40 fail validated_total: a box at density 0.3, drawn, its limits printed as the table holds them
    r = scensim("discover", out, "--target", "validated_total", "--threshold", "0.3", "--out", tmp_path / "box")
    box = pd.read_parquet(tmp_path / "box" / "prim_box.parquet")
    assert {"parameter", "min", "max", "qp_low", "qp_high"} <= set(box.columns) and len(box) >= 1
    for ext in ("png", "svg"):
        assert (tmp_path / "box" / "figures" / f"prim_box_validated_total_fails.{ext}").stat().st_size > 1000
    # the printed box in the parameters' own terms (the table keeps the exact limits)
    from sim.report.analysis_figures import factor_label, limits_text

    flat = " ".join(r.stdout.split())
    for row in box.itertuples(index=False):
        assert " ".join(limits_text(row.parameter, row.min, row.max, "en").split()) in flat, row.parameter
        assert factor_label(row.parameter, "en") in flat
    r = scensim("discover", out, "--method", "cart", "--target", "published_per_year", "--no-figures")
    assert "CART leaves" in r.stdout
    zh = scensim("discover", out, "--target", "validated_total", "--threshold", "0.3", "--no-figures", "--lang", "zh",
                 "--out", tmp_path / "zh")
    assert "特征重要性（极端随机树）" in zh.stdout and "PRIM 区域" in zh.stdout and "剥离轨迹" in zh.stdout
    assert "Feature scores" not in zh.stdout and "Peeling" not in zh.stdout
    none = scensim("discover", out, "--out", tmp_path / "none")  # all targets in every year: met in no run here
    assert "outcome all_targets_met: 0 runs" in none.stdout and "Nothing to discover" in none.stdout
    assert not (tmp_path / "none").exists()  # nothing half-written
    bad = scensim("discover", out, "--target", "nonesuch", check=False)
    assert bad.returncode == 2 and "--target = 'nonesuch'" in bad.stderr or "nonesuch" in bad.stderr
    # a bad --heatmap or --out is refused before the analysis, not after printing all of it
    bad = scensim("discover", out, "--target", "published_per_year", "--heatmap", "a,b", check=False)
    assert bad.returncode == 2 and "--heatmap" in bad.stderr and bad.stdout == ""
    keep = tmp_path / "notes"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine", encoding="utf-8")
    bad = scensim("discover", out, "--target", "published_per_year", "--out", keep, check=False)
    assert bad.returncode == 2 and "--out" in bad.stderr and bad.stdout == ""
    assert (keep / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_discover_says_when_the_design_is_one_at_a_time(tmp_path):
    """PRIM and the heatmap look for regions of a sampled space; a one-at-a-time design has points on
    lines only, and the command says so (it still runs)."""
    text = (ROOT / "tests" / "specs" / "discover_small.toml").read_text(encoding="utf-8")
    text = text.replace('kind   = "lhs"\npoints = 20', 'kind   = "oat"').replace(
        'case        = "../../scenarios/', f'case        = "{(ROOT / "scenarios").as_posix()}/')
    spec = tmp_path / "oat.toml"
    spec.write_text(text, encoding="utf-8")
    out = tmp_path / "sweep"
    scensim("sweep", spec, "--workers", "1", "--out", out, "--quiet", "--allow-outside-paths")
    r = scensim("discover", out, "--target", "published_per_year", "--no-figures")
    assert "design is one at a time (oat)" in " ".join(r.stderr.split())


def test_figures_write_limits_and_units_as_readers_do():
    """A box's limits in the parameter's own terms (a switch as on/off, yuan in millions or 万) and the
    axis units in the figure's language (元/年 on a Chinese figure, not CNY/year)."""
    from sim.base.vocab import unit_label
    from sim.report.analysis_figures import _with_unit, limits_text as _limits_text

    assert unit_label("CNY/year", "zh") == "元/年" and unit_label("on/off", "zh") == "开/关"
    assert unit_label("CNY/run", "zh") == "元/项" and unit_label("CNY/year", "en") == "CNY/year"
    assert unit_label("no such unit", "zh") == "no such unit"
    assert _limits_text("procurement.first_purchase", 0.5, 1.0, "en") == "on"
    assert _limits_text("procurement.first_purchase", 0.0, 0.4, "zh") == "关"
    assert _limits_text("vouchers.budget_cny_per_year", 4.243e7, 4.963e7, "en") == "42.4 m – 49.6 m CNY/year"
    assert _limits_text("vouchers.budget_cny_per_year", 4.243e7, 4.963e7, "zh") == "4,243万 – 4,963万 元/年"
    assert _limits_text("diffusion.q", 0.4, 0.8, "en") == "0.4 – 0.8 1/year"
    assert _limits_text("vouchers.share", 0.4, 0.8, "zh") == "40 % – 80 %"
    assert _limits_text("diffusion.q", float("-inf"), 0.7998, "en") == "≤ 0.8 1/year"  # CART's open ends
    assert _limits_text("procurement.budget_cny_per_year", 4.347e8, float("inf"), "en") == "≥ 435 m CNY/year"
    assert _limits_text("procurement.first_purchase", float("-inf"), 0.5, "en") == "off"
    assert _with_unit("procurement.budget_cny_per_year", "zh").endswith("（元/年）")
    assert _with_unit("procurement.first_purchase", "en").endswith("(on/off)")
