"""Experiment specs and designs: validation with one-line messages; what each design draws."""

import itertools

import numpy as np
import pytest

from sim.base.errors import InputError
from sim.engine.sweep import design_table, load_spec, n_points
from sim.engine.sweep.spec import outcome_names

from .conftest import ROOT
from .sweep_util import write_tiny_case, TINY, scensim, write_spec


def test_shipped_specs_load_and_have_the_documented_sizes():
    sizes = {"voucher_sweep": (12, 20), "hunan_lhs": (64, 4), "policies_x_scenarios": (128, 2), "national_flows": (9, 20),
             "national_neighbours": (9, 20), "hunan_major_check": (5, 40),
             "national_neighbours_spillover": (4, 20)}
    for name, (points, reps) in sizes.items():
        spec = load_spec(ROOT / "experiments" / f"{name}.toml")
        assert spec.id == name
        assert (n_points(spec), spec.replicates) == (points, reps)
        assert len(design_table(spec)) == points
    tiny = load_spec(TINY)
    assert tiny.case.params["population.startups"].value == 20  # [fixed] applied
    assert "target.published.2026.met" in tiny.outcome_columns
    assert "metric.landed" in tiny.outcome_columns and "metric.matched" not in tiny.outcome_columns


# -- errors: one line naming file, key, value and what is allowed ----------------------------------
SPEC_ERRORS = [
    (('selection.pass_rate.small_cut     = { range = [0.3, 0.7] }',
      'selection.pass_rate.small_cut     = { range = [0, 2] }'),
     "vary.selection.pass_rate.small_cut.range = [0, 2]: must be a number between 0 and 1"),
    (('selection.pass_rate.small_cut     = { range = [0.3, 0.7] }',
      'selection.pass_rate.small_cut     = { range = [0.7, 0.3] }'),
     "vary.selection.pass_rate.small_cut.range = [0.7, 0.3]: low must not exceed high"),
    (("vouchers.budget_cny_per_year      =", "vouchers.budget_cny_per_yr      ="),
     "vary.vouchers.budget_cny_per_yr: unknown parameter (did you mean 'vouchers.budget_cny_per_year'?)"),
    (('kind   = "grid"', 'kind   = "random"'),
     'design.kind = "random": must be one of grid, lhs, sobol, morris, crossed'),
    (('kind   = "grid"\nlevels = 2', 'kind   = "sobol"\npoints = 100'),
     "design.points = 100: must be a power of 2"),
    (('kind   = "grid"\nlevels = 2', 'kind   = "lhs"'), "design.points: missing; expected a whole number >= 1"),
    (("levels = 2", "levels = 1"), "design.levels = 1: must be a whole number >= 2"),
    (("replicates  = 3", "replicates  = 0"), "experiment.replicates = 0: must be a whole number >= 1"),
    (("seed        = 42", "sed         = 42"), "experiment.sed: unknown key (did you mean 'seed'?)"),
    (("seed        = 42", 'seed        = "x"'), 'experiment.seed = "x": expected a whole number >= 0'),
    (('keep = ["targets", "fiscal", "metric.landed"]', 'keep = ["targets", "metric.landd"]'),
     "outcomes.keep[1] = \"metric.landd\": unknown outcome (did you mean 'metric.landed'?)"),
    (("population.startups                = 20", "population.startups                = -5"),
     "fixed.population.startups = -5: must be an integer between 0 and 200,000"),
    (("population.startups                = 20", "population.startups                = 2.5"),
     "fixed.population.startups = 2.5: expected an integer between 0 and 200,000"),
    (("population.startups                = 20", "vouchers.share = 0.5"),
     "vary.vouchers.budget_cny_per_year: is also set under [fixed]"),
    ([('kind   = "grid"\nlevels = 2', 'kind = "crossed"\npolicies = { kind = "grid" }\nscenarios = { kind = "lhs", points = 4 }'),
      ("selection.pass_rate.small_cut     = { range = [0.3, 0.7] }", "vouchers.share = {}")],
     "design.kind = \"crossed\": a crossed design needs at least one uncertainty under [vary]"),
    (('{ range = [0.3, 0.7] }', '{ range = [0.3, 0.7], levels = 3 }\n[design.x]'), "design.x: unknown key"),
    (('[experiment]', '[experiment\n'), "TOML syntax error"),
    (('case        = "', 'case        = "no/such/'), "experiment.case"),
]


@pytest.mark.parametrize("replace,message", SPEC_ERRORS, ids=[m[:60] for _, m in SPEC_ERRORS])
def test_spec_errors_are_one_line_naming_file_key_value(tmp_path, replace, message):
    if "vouchers.share = 0.5" in replace[1]:  # a parameter both varied and fixed
        replace = ("population.startups                = 20",
                   "population.startups                = 20\nvouchers.budget_cny_per_year = 0")
    path = write_spec(tmp_path, replace if isinstance(replace, list) else [replace])
    with pytest.raises(InputError) as e:
        load_spec(path)
    text = str(e.value)
    assert "\n" not in text
    assert text.startswith(str(path)), text
    assert message in text, text


def test_lhs_with_grid_levels_and_switch_ranges_are_refused(tmp_path):
    path = write_spec(tmp_path, [('{ range = [0.3, 0.7] }', '{ range = [0.3, 0.7], levels = 3 }'),
                                 ('kind   = "grid"\nlevels = 2', 'kind   = "lhs"\npoints = 4')])
    with pytest.raises(InputError, match=r'vary.selection.pass_rate.small_cut.levels = 3: only applies to a grid'):
        load_spec(path)
    path = write_spec(tmp_path, [("vouchers.budget_cny_per_year      = { values = [0, 60_000_000] }",
                                  "procurement.first_purchase = { range = [0, 1] }")])
    with pytest.raises(InputError, match=r"vary.procurement.first_purchase.range = \[0, 1\]: a switch varies over"):
        load_spec(path)


@pytest.mark.parametrize("args,message", [
    (["sweep", "no/such.toml"], "no/such.toml: no such experiment spec"),
    (["sweep", "SPEC", "--workers", "0"], "--workers = 0: must be at least 1"),
    (["sweep", "BAD"], "vary.selection.pass_rate.small_cut.range = [0, 2]: must be a number between 0 and 1"),
    (["summarize", "no/such/folder"], "no/such/folder: no such sweep folder"),
])
def test_cli_bad_input_one_line_exit_2_nothing_written(tmp_path, args, message):
    good = write_spec(tmp_path, name="good.toml")
    bad = write_spec(tmp_path, [("range = [0.3, 0.7]", "range = [0, 2]")], name="bad.toml")
    args = [str(good) if a == "SPEC" else str(bad) if a == "BAD" else a for a in args]
    out = tmp_path / "out"
    extra = ["--out", out] if args[0] == "sweep" else []
    r = scensim(*args, *extra, check=False, cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scensim: error: ") and message in lines[0], r.stderr
    assert not out.exists() and not (tmp_path / "results").exists()


# -- designs -----------------------------------------------------------------------------------------
def _spec(tmp_path, design: str, vary: str, replicates=1, fixed="population.startups = 20"):
    text = f"""
[experiment]
id = "d"
case = "{write_tiny_case(tmp_path).name}"
seed = 5
replicates = {replicates}
[design]
{design}
[vary]
{vary}
[fixed]
{fixed}
"""
    p = tmp_path / "d.toml"
    p.write_text(text, encoding="utf-8")
    return load_spec(p)


def test_grid_is_the_full_factorial_with_integer_and_switch_levels(tmp_path):
    spec = _spec(tmp_path, 'kind = "grid"\nlevels = 3', """
vouchers.share = { range = [0.3, 0.6] }
pilot.contract_months = { range = [0, 3], levels = 4 }
procurement.first_purchase = {}
diffusion.q = { values = [0.2, 0.9] }""")
    d = design_table(spec)
    assert len(d) == n_points(spec) == 3 * 4 * 2 * 2
    assert sorted(set(d["vouchers.share"])) == pytest.approx([0.3, 0.45, 0.6])
    assert sorted(set(d["pilot.contract_months"])) == [0, 1, 2, 3] and d["pilot.contract_months"].dtype == "int64"
    assert set(d["procurement.first_purchase"]) == {False, True} and d["procurement.first_purchase"].dtype == bool
    combos = set(map(tuple, d.drop(columns="point").itertuples(index=False)))
    assert len(combos) == len(d)  # every combination exactly once
    assert list(d["point"]) == list(range(len(d)))


def test_lhs_hits_every_stratum_once_and_is_seeded(tmp_path):
    vary = """
vouchers.share = { range = [0.3, 0.6] }
population.smes = { range = [10, 29] }
procurement.first_purchase = {}"""
    spec = _spec(tmp_path, 'kind = "lhs"\npoints = 20', vary)
    d = design_table(spec)
    assert len(d) == 20
    strata = np.floor((d["vouchers.share"] - 0.3) / 0.3 * 20).astype(int)
    assert sorted(strata) == list(range(20))
    assert sorted(d["population.smes"]) == list(range(10, 30))  # 20 integers, one per stratum
    assert d["procurement.first_purchase"].sum() == 10  # a switch: half and half
    again = design_table(_spec(tmp_path, 'kind = "lhs"\npoints = 20', vary))
    assert d.equals(again)
    other = tmp_path / "other"
    other.mkdir()
    moved = _spec(other, 'kind = "lhs"\npoints = 20', vary)
    assert design_table(moved).equals(d)  # a function of the spec, not of where it lies
    reseeded = load_spec(write_spec(tmp_path, [("seed        = 42", "seed        = 43"),
                                               ('kind   = "grid"\nlevels = 2', 'kind   = "lhs"\npoints = 8')]))
    base = load_spec(write_spec(tmp_path, [('kind   = "grid"\nlevels = 2', 'kind   = "lhs"\npoints = 8')],
                                name="b.toml"))
    assert not design_table(reseeded).equals(design_table(base))


def test_sobol_and_morris_sizes_and_structure(tmp_path):
    vary = "vouchers.share = {}\ndiffusion.q = {}\npilot.contract_months = {}"
    s1 = _spec(tmp_path, 'kind = "sobol"\npoints = 8', vary)
    assert len(design_table(s1)) == n_points(s1) == 8 * (3 + 2)
    s2 = _spec(tmp_path, 'kind = "sobol"\npoints = 8\nsecond_order = true', vary)
    d2 = design_table(s2)
    assert len(d2) == 8 * (2 * 3 + 2)
    lo, hi = s2.case.params["diffusion.q"].lo, s2.case.params["diffusion.q"].hi
    assert d2["diffusion.q"].between(lo, hi).all() and d2["pilot.contract_months"].dtype == "int64"
    m = _spec(tmp_path, 'kind = "morris"\ntrajectories = 5\nlevels = 4', vary)
    dm = design_table(m)
    assert len(dm) == n_points(m) == 5 * (3 + 1)
    values = dm.drop(columns="point").to_numpy(dtype=float)
    for t in range(5):  # within a trajectory, each step moves exactly one factor
        traj = values[t * 4:(t + 1) * 4]
        changed = (np.abs(np.diff(traj, axis=0)) > 0).sum(axis=1)
        assert list(changed) == [1, 1, 1]
    assert len(set(dm["vouchers.share"].round(9))) <= 4  # four Morris levels


def test_crossed_design_tries_every_policy_against_the_same_scenarios(tmp_path):
    spec = _spec(tmp_path, 'kind = "crossed"\npolicies = { kind = "grid", levels = 2 }\n'
                 'scenarios = { kind = "lhs", points = 5 }',
                 "vouchers.share = {}\nprocurement.first_purchase = {}\ndiffusion.q = {}\npilot.success_slope = {}")
    d = design_table(spec)
    assert len(d) == n_points(spec) == 4 * 5
    assert list(d["point"]) == list(d["policy"] * 5 + d["scenario"])
    scen_cols = ["diffusion.q", "pilot.success_slope"]
    per_policy = [g[scen_cols].reset_index(drop=True) for _, g in d.groupby("policy")]
    assert all(p.equals(per_policy[0]) for p in per_policy)  # the same scenarios for every policy
    assert d.groupby("policy")[["vouchers.share", "procurement.first_purchase"]].nunique().max().max() == 1
    assert len(d[["vouchers.share", "procurement.first_purchase"]].drop_duplicates()) == 4


def test_outcome_names_are_those_of_a_finished_run(hunan):
    import sim
    from sim.engine.runner import run_outcomes

    m = sim.ScenarioMarket(hunan.with_params({"population.startups": 30, "population.smes": 10}), seed=3).run()
    assert outcome_names(hunan) == list(run_outcomes(m))


def test_grid_levels_of_an_integer_range_are_rounded_and_unique(tmp_path):
    spec = _spec(tmp_path, 'kind = "grid"\nlevels = 5', "pilot.contract_months = { range = [0, 2] }")
    assert list(design_table(spec)["pilot.contract_months"]) == [0, 1, 2]
    assert list(itertools.chain(design_table(spec)["point"])) == [0, 1, 2]
