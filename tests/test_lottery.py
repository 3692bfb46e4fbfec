"""The in-silico lottery: allotment by lottery, twin runs with common random numbers, and measures that
come from the mechanisms (additionality is higher where firms are short of cash)."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd

from sim.analysis.lottery import run_lottery
from sim.core.lottery_draw import LotteryRule
from sim.core.model import ScenarioMarket

from .conftest import HUNAN, ROOT


def test_lottery_assigns_each_applicant_once_and_only_winners_get_awards(hunan):
    rule = LotteryRule("vouchers", share=0.5)
    m = ScenarioMarket(hunan, seed=4, lottery=rule).run()
    assert len(rule.assigned) > 100
    wins = np.array([w for _, w in rule.assigned.values()])
    assert 0.4 < wins.mean() < 0.6
    winners = {k for k, (_, w) in rule.assigned.items() if w}
    awarded = {int(m.suppliers.key[s]) for _, s, _, _ in rule.awards}
    assert awarded and awarded <= winners
    assert m.levers["vouchers"].issued == len(rule.awards)


def test_twin_is_identical_until_the_withheld_award(hunan):
    rule = LotteryRule("grant", share=0.5)
    case = hunan.with_params({"grant_to_equity.equity_share": 0.0})
    main = ScenarioMarket(case, seed=5, lottery=rule).run()
    t0, s, o, amount = rule.awards[len(rule.awards) // 2]
    key = int(main.suppliers.key[s])
    twin = ScenarioMarket(case, seed=5, lottery=LotteryRule("grant", 0.5, vetoes=frozenset({(key, t0)}))).run()
    assert np.array_equal(main.recorder.flows[:t0], twin.recorder.flows[:t0])
    paid_main = main.fiscal.ledger().query("flow == 'grant' and supplier_id == @key")
    paid_twin = twin.fiscal.ledger().query("flow == 'grant' and supplier_id == @key")
    assert len(paid_twin) == len(paid_main) - 1


def additionality(case, seed=2):
    res = run_lottery(case, "grant", seed=seed, max_twins=12)
    s = res["lottery_summary"].set_index("measure")
    return res, s.loc["share_happened_anyway", "estimate"], s.loc["share_happened_anyway", "n"]


def test_grants_are_additional_only_where_cash_binds(hunan):
    rich = hunan.with_params({"supply.cash_median_cny.startup": 5e8, "supply.cash_median_cny.sme": 5e8,
                              "grant_to_equity.support_share": 0.4})
    poor = hunan.with_params({"supply.cash_median_cny.startup": 3e5, "supply.cash_median_cny.sme": 1e6,
                              "bid.max_cash_share": 1.0, "grant_to_equity.support_share": 0.4,
                              "grant_to_equity.support_cap_cny": 1e7, "finance.loans": False})
    res, anyway_rich, n_rich = additionality(rich)
    _, anyway_poor, n_poor = additionality(poor)
    assert n_rich >= 5 and n_poor >= 5
    assert anyway_rich == 1.0  # rich firms land their pilots with or without the grant
    assert anyway_poor < anyway_rich
    aw = res["lottery_awards"]
    assert aw["used"].all() and aw["twin"].sum() == 12
    app = res["lottery_applicants"]
    assert set(app.columns) >= {"winner", "pilots_6m", "validations_12m", "private_cny_24m", "revenue_cny_12m"}
    assert app.loc[app.lottery_month > "2027-01", "pilots_24m"].isna().all()  # beyond the horizon


def test_lottery_command_writes_its_tables(tmp_path):
    out = tmp_path / "lot"
    r = subprocess.run([sys.executable, "-m", "sim.cli", "lottery", HUNAN, "--lever", "first_purchase",
                        "--max-twins", "2", "--out", out, "--quiet"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "share that happened anyway" in r.stdout and "winners minus losers" in r.stdout
    for name in ("lottery_applicants", "lottery_awards", "lottery_summary"):
        assert (out / f"{name}.csv").exists()
    aw = pd.read_csv(out / "lottery_awards.csv")
    assert aw.twin.sum() == 2 and (aw.amount_cny > 0).all()
    bad = subprocess.run([sys.executable, "-m", "sim.cli", "lottery", HUNAN, "--share", "1.5"], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and "--share" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_difference_against_a_group_that_did_not_vary_is_welchs_interval_without_a_warning():
    """An outcome no twin changed gives a group of equal values; scipy then warned of "precision loss"
    in every such ``scensim lottery``, though Welch's interval is right: it comes from the other
    group's spread alone (t with n − 1 degrees of freedom)."""
    import warnings

    from scipy import stats

    from sim.analysis.lottery import _interval_diff

    a, b = np.full(6, 1 / 3), np.array([0.1, 0.2, 0.4, 0.3, 0.5, 0.2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d, low, high = _interval_diff(a, b)
    half = stats.t.ppf(0.975, len(b) - 1) * b.std(ddof=1) / np.sqrt(len(b))
    assert d == a.mean() - b.mean()
    assert np.isclose(low, d - half, rtol=1e-12) and np.isclose(high, d + half, rtol=1e-12)


def test_a_lottery_of_a_lever_without_budget_says_what_to_do():
    """Hubei has no vouchers: `scensim lottery hubei --lever vouchers` said "vouchers.budget_cny_per_year = 0:
    is 0: a lottery of vouchers needs a budget to allot" — now what is needed and how to give it."""
    r = subprocess.run([sys.executable, "-m", "sim.cli", "lottery", str(ROOT / "scenarios" / "hubei_2025_2027.toml"),
                        "--lever", "vouchers", "--quiet"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.strip().endswith("hubei_2025_2027.toml: vouchers.budget_cny_per_year = 0: must be above 0 for a "
                                     "lottery of vouchers (there is no budget to allot): give it one with --set or in "
                                     "a case that extends this file")


def test_lottery_takes_set_like_run(tmp_path):
    """`scensim lottery` takes --set as `scensim run` does (a lottery of Hubei's vouchers needed a case file
    of its own to give them a budget): the override reaches the trial, bad ones are one-line errors, and
    the manifest records them."""
    small = str(ROOT / "scenarios" / "synthetic_small.toml")
    base = [sys.executable, "-m", "sim.cli", "lottery", small, "--lever", "vouchers", "--quiet"]
    r = subprocess.run(base + ["--set", "vouchers.budget_cny_per_year=0"], capture_output=True, text=True, cwd=ROOT,
                       timeout=300)
    assert r.returncode == 2 and "vouchers.budget_cny_per_year = 0: must be above 0" in r.stderr, r.stderr
    r = subprocess.run(base + ["--set", "vouchers.nonsense=1"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "vouchers.nonsense" in r.stderr, r.stderr
    out = tmp_path / "lot"
    r = subprocess.run(base + ["--set", "vouchers.budget_cny_per_year=3e6", "--max-twins", "1", "--out", str(out)],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "manifest.json").read_text())["set"] == {"vouchers.budget_cny_per_year": 3e6}
