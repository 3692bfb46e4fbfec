"""Sweeps of a national case: a region's outcomes from national runs, the flows varied or fixed by name
like parameters, one-line errors, the same table on one or two workers."""

import hashlib

import pandas as pd
import pytest

from sim.base.errors import InputError
from sim.base.rng import run_seed
from sim.core.model import ScenarioMarket
from sim.core.national import NationalMarket
from sim.engine.runner import run_outcomes
from sim.engine.sweep import design_table, load_spec, read_runs, run_sweep
from sim.report.analysis_figures import factor_label

from .conftest import ROOT

SPECS = ROOT / "tests" / "specs"
SPEC = SPECS / "national_sweep_small.toml"


def _spec(tmp_path, old="", new="", name="spec.toml"):
    text = SPEC.read_text(encoding="utf-8").replace('case = "national_small.toml"',
                                                    f'case = "{(SPECS / "national_small.toml").as_posix()}"')
    assert old in text
    p = tmp_path / name
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    spec = load_spec(SPEC)
    out = tmp_path_factory.mktemp("national_sweep") / "out"
    run_sweep(spec, out=out, workers=1)
    return spec, out, read_runs(out)


def test_spec_keeps_one_region_and_applies_fixed_flows():
    spec = load_spec(SPEC)
    assert spec.region == "a" and spec.case.id == spec.national.regions[0].case.id
    assert spec.national.values["alliance_visibility"] == 0.0  # [fixed]
    design = design_table(spec)
    # one at a time: point 0 at the national file's flows and region a's own value
    assert design.loc[0, "flows.cross_bid_share"] == 0.5 and design.loc[0, "flows.spillover"] == 0.5
    assert design.loc[0, "vouchers.share"] == spec.case.params["vouchers.share"].value
    assert sorted(design["flows.cross_bid_share"].unique()) == [0.0, 0.5, 1.0]  # the file's range [0, 1]


def test_each_row_is_its_region_in_a_national_run_with_the_points_values(swept):
    spec, _, runs = swept
    assert len(runs) == 7
    for _, row in runs.iloc[[1, 4, 6]].iterrows():
        flows = {k: row[f"flows.{k}"] for k in ("cross_bid_share", "spillover")}
        national = spec.national.with_flows(**flows).with_region_params("a", {"vouchers.share": row["vouchers.share"]})
        m = NationalMarket(national, seed=int(row["seed"])).run().regions[0]
        assert int(row["seed"]) == run_seed(spec.seed, int(row["point"]), int(row["replicate"]))
        for k, v in run_outcomes(m).items():
            if k in runs.columns:
                assert row[k] == pytest.approx(v, rel=0, abs=0), k


def test_with_flows_off_the_region_runs_exactly_as_alone(tmp_path):
    path = _spec(tmp_path, "[vary]\nflows.cross_bid_share = {}                 # the national file's range\n"
                 "flows.spillover = { range = [0.0, 1.0] }\n",
                 "[vary]\n")
    text = path.read_text(encoding="utf-8").replace(
        "flows.alliance_visibility = 0.0",
        "flows.alliance_visibility = 0.0\nflows.cross_bid_share = 0.0\nflows.spillover = 0.0\nflows.branch_cash_share = 0.0")
    path.write_text(text, encoding="utf-8")
    spec = load_spec(path, allow_outside=True)
    run_sweep(spec, out=tmp_path / "out", workers=1)
    runs = read_runs(tmp_path / "out")
    assert len(runs) == 3
    alone_case = spec.national.regions[0].case
    for _, row in runs.iterrows():
        m = ScenarioMarket(alone_case.with_params({"vouchers.share": row["vouchers.share"]}),
                           seed=run_seed(int(row["seed"]), 0)).run()  # region 0's seed in a national run
        for k, v in run_outcomes(m).items():
            if k in runs.columns:
                assert row[k] == v, k


def test_two_workers_give_the_same_table(swept, tmp_path):
    spec, _, runs = swept
    run_sweep(spec, out=tmp_path / "two", workers=2)
    pd.testing.assert_frame_equal(read_runs(tmp_path / "two"), runs)


def test_manifest_names_the_region_and_flows_and_identity_covers_them(swept, tmp_path):
    import json

    spec, out, _ = swept
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["region"] == "a" and man["national_case_id"] == "national_small"
    assert man["flows"]["alliance_visibility"] == 0.0
    assert man["region_case_file"].endswith("synthetic_small.toml")
    assert man["identity"]["national"]["flows"]["alliance_visibility"] == 0.0
    other = load_spec(_spec(tmp_path, "flows.alliance_visibility = 0.0", "flows.alliance_visibility = 0.5"),
                      allow_outside=True)
    assert other.identity_sha256() != spec.identity_sha256()
    b = load_spec(_spec(tmp_path, 'region = "a"', 'region = "b"', name="b.toml"), allow_outside=True)
    assert b.identity_sha256() != spec.identity_sha256()
    assert b.case.params["population.smes"].value == 150  # region b's override in the national file


def test_other_regions_parameters_vary_and_fix_by_name(tmp_path, capsys):
    """``regions.<id>.<parameter>``: another region's parameter, varied (the base point at that region's
    value, an uncertainty of the kept region's analysis) or fixed; each row is region a in a national run
    with every setting applied to its region."""
    path = _spec(tmp_path, "vouchers.share = { range = [0.2, 0.8] }    # region a's own parameter\n",
                 "regions.b.vouchers.share = { range = [0.1, 0.9] }\nregions.b.procurement.first_purchase = {}\n")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "flows.alliance_visibility = 0.0", "flows.alliance_visibility = 0.0\nregions.c.procurement.first_purchase = false"),
        encoding="utf-8")
    spec = load_spec(path, allow_outside=True)
    b, c = (spec.national.regions[spec.national.region_index(r)].case for r in ("b", "c"))
    assert c.params["procurement.first_purchase"].value is False  # [fixed], on region c
    factor = {f.name: f for f in spec.factors}["regions.b.vouchers.share"]
    assert factor.kind == "uncertainty" and (factor.lo, factor.hi) == (0.1, 0.9)
    design = design_table(spec)
    assert design.loc[0, "regions.b.vouchers.share"] == b.params["vouchers.share"].value  # region b's own value
    assert design.loc[0, "regions.b.procurement.first_purchase"] == b.params["procurement.first_purchase"].value
    run_sweep(spec, out=tmp_path / "out", workers=1)
    runs = read_runs(tmp_path / "out")
    moved = ((runs["regions.b.vouchers.share"] != design.loc[0, "regions.b.vouchers.share"])
             | (runs["regions.b.procurement.first_purchase"] != design.loc[0, "regions.b.procurement.first_purchase"]))
    assert moved.sum() >= 3
    for _, row in runs[moved].iterrows():
        national = (spec.national.with_flows(**{k: row[f"flows.{k}"] for k in ("cross_bid_share", "spillover")})
                    .with_region_params("b", {"vouchers.share": row["regions.b.vouchers.share"],
                                              "procurement.first_purchase": bool(row["regions.b.procurement.first_purchase"])}))
        m = NationalMarket(national, seed=int(row["seed"])).run().regions[0]
        for k, v in run_outcomes(m).items():
            if k in runs.columns:
                assert row[k] == v, k
    from sim.cli.main import main

    capsys.readouterr()
    assert main(["summarize", str(tmp_path / "out"), "--no-write", "--target", "published_per_year"]) == 0
    out = capsys.readouterr().out
    assert "…" not in out and "first_purchase" in out  # long names folded over lines, not cut
    assert factor_label("regions.b.vouchers.share", "en").endswith("(b)")
    assert factor_label("regions.b.vouchers.share", "zh").endswith("（b）")


def test_flows_have_labels_in_both_languages():
    assert factor_label("flows.spillover", "zh").startswith("跨省模仿")
    assert factor_label("flows.spillover", "en").startswith("cross-province imitation")


ERRORS = [
    ('region = "a"\n', "", "experiment.region: missing; a sweep of a national case keeps one region's outcomes: one of a, b, c"),
    ('region = "a"', 'region = "z"', 'experiment.region = "z": must be one of the national case\'s regions: a, b, c'),
    ("flows.spillover = { range = [0.0, 1.0] }", "flows.spillover = { range = [0.0, 3.0] }",
     "vary.flows.spillover.range = [0.0, 3.0]: must be a number between 0 and 2"),
    ("flows.spillover = { range = [0.0, 1.0] }", "flows.spilover = { range = [0.0, 1.0] }",
     "vary.flows.spilover: unknown flow (did you mean 'flows.spillover'?)"),
    ("flows.alliance_visibility = 0.0", "flows.alliance_visibility = 1.5",
     "fixed.flows.alliance_visibility = 1.5: must be a number between 0 and 1"),
    ("flows.alliance_visibility = 0.0", "flows.spillover = 0.2",
     "vary.flows.spillover: is also set under [fixed]"),
    ("vouchers.share = { range", "regions.bb.vouchers.share = { range",
     "vary.regions.bb.vouchers.share = \"bb\": unknown region (did you mean 'b'?); the national case's regions: a, b, c"),
    ("vouchers.share = { range", "regions.a.vouchers.share = { range",
     "vary.regions.a.vouchers.share: a is the region this sweep keeps (experiment.region): name its parameters "
     "without the prefix, e.g. vouchers.share"),
    ("vouchers.share = { range", "regions.b.vouchers.shares = { range", "vary.regions.b.vouchers.shares: unknown"),
    ("flows.alliance_visibility = 0.0", "regions.b.vouchers.share = 1.5",
     "fixed.regions.b.vouchers.share = 1.5: must be"),
    ("flows.alliance_visibility = 0.0", "regions.b = 0.5", "fixed.regions.b: expected regions.b.<parameter>"),
]


@pytest.mark.parametrize("old,new,message", ERRORS, ids=[hashlib.md5(m.encode()).hexdigest()[:6] for *_, m in ERRORS])
def test_bad_national_spec_is_one_line(tmp_path, old, new, message):
    path = _spec(tmp_path, old, new)
    with pytest.raises(InputError) as e:
        load_spec(path, allow_outside=True)
    text = str(e.value)
    assert "\n" not in text and text.startswith(str(path)), text
    assert message in text, text


def test_region_and_flows_are_refused_for_a_single_region_case(tmp_path):
    single = (ROOT / "scenarios" / "synthetic_small.toml").as_posix()
    path = _spec(tmp_path, f'case = "{(SPECS / "national_small.toml").as_posix()}"', f'case = "{single}"')
    with pytest.raises(InputError, match=r"experiment.region = \"a\": only for a national case"):
        load_spec(path, allow_outside=True)
    path.write_text(path.read_text(encoding="utf-8").replace('region = "a"\n', ""), encoding="utf-8")
    with pytest.raises(InputError, match=r"the cross-region flows belong to a national case"):
        load_spec(path, allow_outside=True)
    path.write_text(path.read_text(encoding="utf-8").replace("flows.", "regions.b.vouchers.x"), encoding="utf-8")
    with pytest.raises(InputError, match=r"regions.<id>.<parameter> names another region of a national case"):
        load_spec(path, allow_outside=True)
