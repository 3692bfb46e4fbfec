"""Budget-neutral policy-mix comparison: the loader checks the split; common random numbers make a
mix identical to the baseline differ by exactly nothing."""

import subprocess
import sys

import pandas as pd
import pytest

from sim.analysis.compare import load_comparison, run_comparison
from sim.base.errors import InputError

from .conftest import HUNAN, ROOT

BUDGET = ("matchmaking = 6_000_000, vouchers = 30_000_000, grant_to_equity = 100_000_000, procurement = 200_000_000, "
          "try_first = 20_000_000, finance = 30_000_000, pilot_bases = 10_000_000, attraction = 20_000_000, "
          "data_opening = 30_000_000")


def experiment(tmp_path, mixes: str, total=446_000_000, baseline="base", reps=2):
    p = tmp_path / "mixes.toml"
    p.write_text(f'[experiment]\nid = "t"\ncase = "{HUNAN}"\ntotal_budget_cny_per_year = {total}\n'
                 f'baseline = "{baseline}"\nreplicates = {reps}\nseed = 3\n\n{mixes}', encoding="utf-8")
    return p


def test_shipped_mixes_all_spend_the_same_total():
    cmp = load_comparison(ROOT / "experiments" / "hunan_policy_mixes.toml")
    assert {m.id for m in cmp.mixes} == {"baseline", "voucher_led", "procurement_led", "equity_led", "soe_led",
                                         "platform_led", "balanced"}
    for m in cmp.mixes:
        total = sum(v for k, v in m.params.items() if k.endswith(".budget_cny_per_year"))
        assert total == pytest.approx(cmp.total_budget)
    base = next(m for m in cmp.mixes if m.id == "baseline")
    case = cmp.mix_case(base)
    assert all(case.values[k] == cmp.case.values[k] for k in base.params)  # the baseline is the case itself


@pytest.mark.parametrize("mixes,message", [
    ('[mixes.base]\nbudget_cny_per_year = { vouchers = 1 }\n', r"mixes\.base\.budget_cny_per_year = \{…\}: the split adds up to 1 CNY/year, not the experiment's total 446,000,000"),
    (f'[mixes.base]\nbudget_cny_per_year = {{ {BUDGET} }}\nset = {{ "diffusion.p" = 0.2 }}\n', r"mixes\.base\.set\.diffusion\.p: is an uncertainty"),
    (f'[mixes.base]\nbudget_cny_per_year = {{ {BUDGET}, zones = 1 }}\n', r"budget_cny_per_year\.zones: not a budgeted lever"),
    (f'[mixes.other]\nbudget_cny_per_year = {{ {BUDGET} }}\n', r'experiment\.baseline = "base": names no mix'),
    (f'[mixes.base]\nbudget_cny_per_year = {{ {BUDGET} }}\nset = {{ "vouchers.share" = 2 }}\n', r"set\.vouchers\.share = 2: must be a number between 0 and 1"),
])
def test_bad_experiments_are_one_line_errors(tmp_path, mixes, message):
    import re

    with pytest.raises(InputError) as e:
        load_comparison(experiment(tmp_path, mixes))
    assert re.search(message, str(e.value)) and "\n" not in str(e.value), str(e.value)


def test_common_random_numbers_make_identical_mixes_identical(tmp_path):
    mixes = (f'[mixes.base]\nbudget_cny_per_year = {{ {BUDGET} }}\n\n'
             f'[mixes.same]\nbudget_cny_per_year = {{ {BUDGET} }}\n\n'
             f'[mixes.more_events]\nbudget_cny_per_year = {{ {BUDGET} }}\nset = {{ "matchmaking.events_per_month" = 6.0 }}\n')
    res = run_comparison(load_comparison(experiment(tmp_path, mixes)))
    vb = res["versus_baseline"]
    same = vb[vb.mix == "same"]
    assert (same.delta_value == 0).all() and (same.delta_cost_cny == 0).all()
    assert same.cost_per_extra_unit_cny.isna().all()  # no gain, nothing to price
    served = vb[(vb.mix == "more_events") & (vb.target == "enterprises_served") & (vb.period == "2027")].iloc[0]
    assert served.delta_value > 0 and served.delta_value_low > 0  # more events serve more firms, every replicate
    s = res["summary"]
    assert set(s.mix) == {"base", "same", "more_events"} and (s.replicates == 2).all()
    t = res["targets"]
    a = t[t.mix == "base"].drop(columns="mix").reset_index(drop=True)
    b = t[t.mix == "same"].drop(columns="mix").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    # two worker processes give the same tables
    par = run_comparison(load_comparison(experiment(tmp_path, mixes)), workers=2)
    for name in ("targets", "spend", "summary", "versus_baseline"):
        pd.testing.assert_frame_equal(res[name], par[name])


def test_compare_command_prints_and_writes(tmp_path):
    mixes = (f'[mixes.base]\nbudget_cny_per_year = {{ {BUDGET} }}\n\n'
             f'[mixes.vouchers]\nbudget_cny_per_year = {{ matchmaking = 6_000_000, vouchers = 236_000_000, '
             f'grant_to_equity = 50_000_000, procurement = 100_000_000, try_first = 10_000_000, finance = 10_000_000, '
             f'pilot_bases = 10_000_000, attraction = 4_000_000, data_opening = 20_000_000 }}\n')
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "sim.cli", "compare", experiment(tmp_path, mixes), "--out", out,
                        "--quiet", "--replicates", "2"], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "P(target met)" in r.stdout and "Cost per extra unit" in r.stdout
    for name in ("compare_summary", "compare_targets", "compare_spend", "compare_fiscal", "compare_vs_baseline"):
        assert (out / f"{name}.parquet").exists() and (out / f"{name}.csv").exists()
    spend = pd.read_csv(out / "compare_spend.csv")
    assert set(spend.mix) == {"base", "vouchers"}
    zh = subprocess.run([sys.executable, "-m", "sim.cli", "compare", experiment(tmp_path, mixes), "--out",
                         tmp_path / "zh", "--quiet", "--replicates", "2", "--lang", "zh"], capture_output=True,
                        text=True, cwd=tmp_path, timeout=600)
    assert zh.returncode == 0, zh.stderr
    # the spending table's columns are the levers' Chinese names in Chinese (they were their ids)
    head = next(line for line in zh.stdout.splitlines() if "组合" in line and "合计" in line)
    assert "场景创新券" in head and "vouchers" not in head and "procurement" not in head
    bad = subprocess.run([sys.executable, "-m", "sim.cli", "compare", tmp_path / "none.toml"], capture_output=True,
                         text=True, cwd=tmp_path, timeout=120)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "no such experiment file" in bad.stderr
