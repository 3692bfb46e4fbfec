"""The pattern set and `scensim validate`: the loader refuses bad patterns with one line, the verdict
follows the band, docking holds, and the command writes its table (no particular model numbers)."""

import math
import subprocess
import sys

import pandas as pd
import pytest

from sim.analysis.patterns import DEFAULT_PATTERNS, docking, evaluate, load_patterns, sources_count
from sim.base.errors import InputError
from sim.core.observables import OBSERVABLES, measure

from .conftest import ROOT


def test_shipped_patterns_are_ten_or_more_from_four_or_more_sources():
    pats = load_patterns()
    assert len(pats) >= 10 and sources_count(pats) >= 4
    assert {p.use for p in pats} == {"fit", "check"}  # some held back for out-of-sample checks
    assert all(p.observable in OBSERVABLES for p in pats)


def _write(tmp_path, body):
    f = tmp_path / "p.toml"
    f.write_text(body, encoding="utf-8")
    return f


GOOD = """[[pattern]]
id = "x"
zh = "甲"
en = "X"
observable = "pilot_success_share"
observed = 0.3
band = [0.1, 0.5]
source = "s"
independent = "a"
reliability = "weak"
window = "w"
comparability = "c"
use = "fit"
"""


@pytest.mark.parametrize("old,new,key", [
    ('observable = "pilot_success_share"', 'observable = "pilot_sucess_share"', "pattern[0].observable"),
    ("band = [0.1, 0.5]", "band = [0.5, 0.1]", "pattern[0].band"),
    ('use = "fit"', 'use = "both"', "pattern[0].use"),
    ('source = "s"\n', "", "pattern[0].source"),
])
def test_bad_patterns_are_refused_naming_file_and_key(tmp_path, old, new, key):
    f = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(InputError) as e:
        load_patterns(f)
    assert str(f) in str(e.value) and key in str(e.value) and "\n" not in str(e.value)


def test_verdict_follows_the_band_and_missing_measurements_are_said():
    pats = load_patterns(DEFAULT_PATTERNS)
    p = next(p for p in pats if p.observable == "pilot_success_share")
    lo, hi = p.band
    runs = pd.DataFrame({"obs.pilot_success_share": [lo - 0.05, (lo + hi) / 2, (lo + hi) / 2]})
    row = evaluate([p], runs).iloc[0]
    assert row.verdict == "within" and row.runs == 3
    runs = pd.DataFrame({"obs.pilot_success_share": [hi + 0.01] * 3})
    assert evaluate([p], runs).iloc[0].verdict == "outside"
    runs = pd.DataFrame({"obs.pilot_success_share": [math.nan] * 3})
    row = evaluate([p], runs).iloc[0]
    assert row.verdict == "not measured" and row.runs == 0


def test_docking_row_holds_for_the_fully_mixed_limit():
    assert docking(n_market=1_000_000, months=240)["verdict"] == "within"
    # and the check can fail: a small market is far from the recursion
    assert docking(n_market=50, months=240)["verdict"] == "outside"


def test_observables_are_shares_in_range_on_a_small_run():
    import sim

    m = sim.ScenarioMarket(ROOT / "scenarios" / "synthetic_small.toml", seed=3).run()
    obs = measure(m)
    assert set(obs) == set(OBSERVABLES)
    for name, v in obs.items():
        if OBSERVABLES[name].unit == "share" and not math.isnan(v) and name != "insurance_loss_ratio":
            assert 0.0 <= v <= 1.0, name


def test_validate_command_prints_and_writes(tmp_path):
    out = tmp_path / "v"
    p = subprocess.run([sys.executable, "-m", "sim.cli", "validate", "scenarios/synthetic_small.toml", "-r", "2",
                        "--seed", "1", "-q", "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "Bass docking" in p.stdout and "independent sources" in p.stdout
    table = pd.read_csv(out / "validation.csv")
    assert len(table) == len(load_patterns()) + 1
    assert (out / "validation.md").read_text(encoding="utf-8").startswith("| pattern |")


def test_validate_refuses_a_bad_pattern_file_in_one_line(tmp_path):
    f = _write(tmp_path, GOOD.replace("band = [0.1, 0.5]", "band = 3"))
    out = tmp_path / "v"
    p = subprocess.run([sys.executable, "-m", "sim.cli", "validate", "scenarios/synthetic_small.toml", "-r", "1",
                        "--patterns", str(f), "-q", "--out", str(out), "--allow-outside-paths"],
                       cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "band" in p.stderr and not out.exists()


def test_validation_rows_in_chinese_translate_units_and_reliability(tmp_path):
    """The table in a Chinese report and in ``validate --lang zh``: units (比例, 元, 份/项需求) and the
    reliability (强/中/弱) in Chinese, like the verdict and use columns."""
    from sim.report.validation_tables import validation_rows

    out = tmp_path / "v"
    p = subprocess.run([sys.executable, "-m", "sim.cli", "validate", "scenarios/synthetic_small.toml", "-r", "2",
                        "--seed", "1", "-q", "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    table = pd.read_csv(out / "validation.csv")
    _, zh = validation_rows(table, "zh")
    _, en = validation_rows(table, "en")
    units_zh, rel_zh = {r[1] for r in zh}, {r[-1] for r in zh}
    assert {"比例", "份/项需求"} <= units_zh and not {"share", "bids/need", "CNY"} & units_zh
    assert rel_zh <= {"强", "中", "弱", ""} and rel_zh & {"强", "中", "弱"}
    assert {"share", "bids/need"} <= {r[1] for r in en} and {r[-1] for r in en} & {"strong", "medium", "weak"}
