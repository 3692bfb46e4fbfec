"""``scensim effects``: each lever off and with its budget doubled, with common random numbers.

Behaviour only (the model changes in parallel): "off" spends nothing and acts not at all, "double"
doubles the budget, a variant identical to the baseline differs by exactly nothing, the flags follow
their definitions, the files are written, bad input writes nothing, and workers do not matter."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.effects import (BASELINE, CHEAP_FACTOR, Variant, budget_param, cheap_targets, doubled_setting,
                                  lever_flags, measured_levers, off_setting, run_effects)
from sim.core.case import load_case
from sim.core.model import ScenarioMarket

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "scenarios" / "synthetic_small.toml"
FEW = "vouchers,racing"  # one lever with a budget, one without: 4 variants


@pytest.fixture(scope="module")
def small():
    return load_case(SMALL)


BUDGETED = [lv for lv in measured_levers() if budget_param(lv)]
UNBUDGETED = [lv for lv in measured_levers() if not budget_param(lv)]


def test_every_lever_with_settings_has_an_off_rule():
    missing = [lv for lv in measured_levers() if off_setting(lv) is None]
    assert not missing, f"levers with no way to switch them off (add a rule to OFF_RULES): {missing}"


def test_off_spends_nothing_for_every_lever_with_a_budget(small, hunan):
    spent_when_on = set()
    for lever in BUDGETED:
        funded = small.with_params({budget_param(lever): hunan.values[budget_param(lever)] or 5e6})
        on = ScenarioMarket(funded, seed=3).run()
        if on.fiscal.net_spent().get(lever, 0.0) > 0:
            spent_when_on.add(lever)
        off = ScenarioMarket(funded.with_params(off_setting(lever)), seed=3).run()
        assert off.fiscal.net_spent().get(lever, 0.0) == 0.0, lever
        assert off.money.total(f"treasury:{lever}", None) == 0.0, lever  # nothing left its treasury account
        assert off.fiscal.ledger().query("lever == @lever").empty, lever
        assert off.money.check() == []
    # the check has teeth: the same levers with their budget do spend
    assert {"matchmaking", "vouchers", "procurement"} <= spent_when_on


def test_off_switches_off_the_levers_without_a_budget(small):
    for lever in UNBUDGETED:
        m = ScenarioMarket(small.with_params({k: v for k, v in off_setting(lever).items()}), seed=2)
        lv = m.levers[lever]
        if lever == "racing":  # no `active` of its own: no races and no withdrawal rule
            m.run()
            assert lv.summary()["races"] == 0 and lv.exit_after_months() is None
        elif lever == "challenge":  # no `active` of its own: no calls, no consortia
            m.run()
            assert lv.summary()["challenge_calls"] == 0 and lv.summary()["consortia"] == 0
        else:
            assert lv.active is False, lever


def test_doubled_doubles_the_budget_parameter_and_the_budget_lines(small, hunan):
    for lever in BUDGETED:
        name = budget_param(lever)
        case = small.with_params({name: hunan.values[name] or 5e6})
        dbl = doubled_setting(case, lever)
        assert dbl == {name: 2 * case.values[name]}
        base_lines = ScenarioMarket(case, seed=1).fiscal.budget
        new_lines = ScenarioMarket(case.with_params(dbl), seed=1).fiscal.budget
        mine = [k for k in base_lines if k == lever or k.startswith(lever + ".")]
        assert mine
        for k in mine:
            np.testing.assert_allclose(new_lines[k], 2 * base_lines[k])
    assert all(doubled_setting(small, lv) is None for lv in UNBUDGETED)


def test_a_variant_identical_to_the_baseline_differs_by_nothing(small):
    same = small.values["vouchers.share"]
    variants = [Variant("", BASELINE), Variant("vouchers", "off", {"vouchers.share": same})]
    res = run_effects(small, 3, seed=5, levers=["vouchers"], variants=variants, reuse=False)
    reps = res["effects_replicates"]
    assert set(reps["variant"]) == {"baseline", "off"}  # it was run, not copied
    e = res["effects"]
    assert len(e) and (e["delta"] == 0).all() and (e["delta_low"] == 0).all() and (e["delta_high"] == 0).all()
    assert not e["measurable"].any() and e["cost_per_unit_cny"].isna().all()


def _effects_row(lever, variant, target, cost):
    return {"lever": lever, "variant": variant, "setting": "", "quantity": "units", "name": target,
            "period": "horizon", "replicates": 5, "baseline_mean": 0.0, "variant_mean": 1.0, "delta": 1.0,
            "delta_low": 0.5, "delta_high": 1.5, "measurable": not math.isnan(cost), "cost_per_unit_cny": cost,
            "cost_per_unit_low": cost, "cost_per_unit_high": cost}


def test_cheap_flag_marks_costs_below_a_tenth_of_the_median_among_levers_that_add():
    costs = {"a": 1e6, "b": 2e6, "c": 3e6, "d": 9e4, "e": -1e5}  # median 1e6: d and e below 0.1 × median
    e = pd.DataFrame([_effects_row(k, "double", "t", c) for k, c in costs.items()])
    assert cheap_targets(e) == {("d", "double"): ["t"], ("e", "double"): ["t"]}
    assert CHEAP_FACTOR == 0.1
    # fewer than three levers measured: no median to compare against
    assert cheap_targets(e[e["lever"].isin(["a", "d"])]) == {}
    # switching a lever off that *raises* the target: it does not add to it, so it is not priced against others
    lowers = pd.DataFrame([_effects_row(k, "off", "t", c) for k, c in costs.items()])  # delta +1 when off
    assert cheap_targets(lowers) == {}


def _flags(small, rows, levers, same_as, skipped=None):
    return lever_flags(small, pd.DataFrame(rows), levers, skipped or {}, same_as).set_index(["lever", "variant"])


def test_inert_negligible_and_not_binding_flags(small):
    rows = []
    for lever, measurable, delta in (("vouchers", False, 1.0), ("procurement", True, 1.0), ("racing", False, 1.0),
                                     ("matchmaking", True, 0.1)):
        for variant in ("off", "double") if lever != "racing" else ("off",):
            r = _effects_row(lever, variant, "validated_total", math.nan)  # threshold 40 in the small case
            r.update(measurable=measurable, delta=delta, delta_low=delta / 2 if measurable else -1.0)
            rows.append(r)
    spent = _effects_row("matchmaking", "double", "matchmaking", math.nan)
    spent.update(quantity="spent", delta=0.0, measurable=False)  # doubling the budget adds no spending
    rows.append(spent)
    same_as = {"baseline": "baseline", **{f"{lv}:{v}": f"{lv}:{v}" for lv in ("vouchers", "procurement", "matchmaking")
                                          for v in ("off", "double")}, "racing:off": "racing:off"}
    flags = _flags(small, rows, ["vouchers", "procurement", "racing", "matchmaking"], same_as,
                   {"racing:double": "no budget"})
    assert flags.loc[("vouchers", "off"), "flags"] == "inert"  # budget 3 m in the case, nothing measurable
    assert flags.loc[("procurement", "off"), "flags"] == ""  # +1 of a threshold of 40: not negligible
    assert flags.loc[("racing", "off"), "flags"] == ""  # no budget: never "inert"
    assert flags.loc[("racing", "double"), "not_run"] == "no budget"
    assert flags.loc[("matchmaking", "off"), "flags"] == "negligible"  # +0.1 < 1 % of 40
    assert flags.loc[("matchmaking", "double"), "flags"] == "negligible,budget_not_binding"


# -- the command ---------------------------------------------------------------------------------------
def _cli(args):
    from sim.cli.main import main

    return main(["effects", *args, "--quiet"])


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = {}
    for w in ("1", "2"):
        folder = tmp_path_factory.mktemp(f"effects_w{w}") / "out"
        assert _cli([str(SMALL), "-r", "2", "--seed", "3", "--levers", FEW, "--workers", w, "--out", str(folder)]) == 0
        out[w] = folder
    return out


def test_the_command_writes_its_files(written, capsys):
    folder = written["1"]
    names = {p.name for p in folder.iterdir()}
    assert {"effects.csv", "effects.parquet", "effects_levers.csv", "effects.md", "effects_replicates.parquet",
            "manifest.json"} <= names
    assert "effects_replicates.csv" not in names  # only with --csv
    md = (folder / "effects.md").read_text(encoding="utf-8")
    assert "| Lever | Variant |" in md and "no budget" in md and "--replicates 2 --seed 3" in md
    levers = pd.read_csv(folder / "effects_levers.csv")
    assert list(zip(levers["lever"], levers["variant"])) == [("vouchers", "off"), ("vouchers", "double"),
                                                             ("racing", "off"), ("racing", "double")]
    v_off = levers.set_index(["lever", "variant"]).loc[("vouchers", "off")]
    assert v_off["own_spent_variant_cny"] == 0 and v_off["own_spent_baseline_cny"] > 0
    reps = pd.read_parquet(folder / "effects_replicates.parquet")
    assert sorted(set(reps["replicate"])) == [0, 1]
    # the same seeds for every variant: common random numbers
    assert reps.groupby(["variant", "lever"])["seed"].apply(lambda s: tuple(sorted(set(s)))).nunique() == 1


def test_results_do_not_depend_on_workers(written):
    a, b = written["1"], written["2"]
    for name in ("effects.csv", "effects_levers.csv", "effects.md"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    pd.testing.assert_frame_equal(pd.read_parquet(a / "effects_replicates.parquet"),
                                  pd.read_parquet(b / "effects_replicates.parquet"))


@pytest.mark.parametrize("args, message", [
    (["--levers", "vouchers,nonsense"], "--levers"),
    (["--levers", "voucher"], "did you mean"),
    (["-r", "0"], "--replicates"),
    (["-r", "two"], "--replicates"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    assert _cli([str(SMALL), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err and err.startswith("scensim: error:")
    assert not out.exists()
