"""The scensim command, run as a user would: outputs, errors, reproducibility."""

import os
import subprocess
import sys

import pandas as pd
import pytest

from .conftest import HUNAN, ROOT

TABLES = ["target_summary", "targets", "series", "fiscal", "fiscal_ledger", "scenarios", "runs"]


def scensim(*args, cwd=None, check=True):
    env = {**os.environ, "COLUMNS": "160"}
    r = subprocess.run([sys.executable, "-m", "sim.cli", *map(str, args)], capture_output=True, text=True,
                       cwd=cwd or ROOT, env=env, timeout=600)
    if check and r.returncode != 0:
        raise AssertionError(f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


@pytest.fixture(scope="module")
def one_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    r = scensim("run", HUNAN, "--seed", 3, "--out", out, "--quiet")
    return r, out


def test_run_prints_target_table_and_writes_every_output(one_run):
    r, out = one_run
    for label in ("Scenario-innovation pilot zones", "Enterprises served", "2027", "Threshold", "Met"):
        assert label in r.stdout
    from sim.base.files import LARGE_TABLES

    for name in TABLES:
        assert (out / f"{name}.parquet").stat().st_size > 0
        assert (out / f"{name}.csv").exists() == (name not in LARGE_TABLES)  # large tables: CSV only with --csv
    assert sorted(p.name for p in (out / "figures").iterdir()) == sorted(
        f"{t}.{ext}" for t in ["pilot_zones", "large_scale_scenarios", "major_landed", "integrated_built",
                               "small_cut_published", "enterprises_served", "overview", "funnel", "fiscal"]
        for ext in ("png", "svg"))
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_paths_printed_at_the_end_are_never_wrapped(tmp_path):
    """A path broken over two lines cannot be copied or clicked: the closing lines are printed whole,
    however narrow the terminal (rich wrapped them at 80 columns in a pipe)."""
    out = tmp_path / ("a_long_folder_name_" * 4) / "out"
    env = {**os.environ, "COLUMNS": "60"}
    r = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(ROOT / "scenarios" / "synthetic_small.toml"), "--out", str(out), "--quiet"],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=True)
    lines = r.stdout.splitlines()
    assert f"Results written to {out}/" in lines
    assert any(ln.startswith(f"Report written to {out / 'report.html'} , {out / 'report.pdf'} (report took ")
               and ln.endswith(" s)") for ln in lines), lines[-3:]


def test_tables_are_tidy_and_consistent(one_run):
    _, out = one_run
    series = pd.read_parquet(out / "series.parquet")
    assert list(series.columns) == ["replicate", "seed", "month", "year", "metric", "kind", "breakdown", "group", "value"]
    assert set(series.breakdown) == {"total", "domain", "tier", "city"}
    landed = series[(series.metric == "landed")]
    by = landed.groupby("breakdown")["value"].sum()
    assert by["total"] == by["domain"] == by["tier"] == by["city"] > 0
    targets = pd.read_csv(out / "targets.csv")
    assert set(targets.target) == {"pilot_zones", "large_scale_scenarios", "major_landed", "integrated_built",
                                   "small_cut_published", "enterprises_served"}
    scen = pd.read_parquet(out / "scenarios.parquet")
    assert (scen.month_landed.notna().sum()) == by["total"]
    ledger = pd.read_parquet(out / "fiscal_ledger.parquet")
    fiscal = pd.read_parquet(out / "fiscal.parquet")
    assert ledger.amount_cny.sum() == pytest.approx(fiscal.amount_cny.sum())
    from sim.levers import LEVERS

    assert set(fiscal.lever) <= {lv.name for lv in LEVERS}
    assert {"vouchers", "grant_to_equity", "procurement", "matchmaking"} <= set(fiscal.lever)


def test_replicates_print_probabilities_with_intervals(tmp_path):
    r = scensim("run", HUNAN, "--replicates", 4, "--seed", 1, "--out", tmp_path / "o", "--no-figures", "--quiet",
                "--lang", "zh")
    assert "达标概率 [95% 区间]" in r.stdout and "场景创新试验区" in r.stdout
    s = pd.read_csv(tmp_path / "o" / "target_summary.csv")
    assert (s.replicates == 4).all()
    assert ((s.p_low <= s.p_met) & (s.p_met <= s.p_high)).all()
    runs = pd.read_csv(tmp_path / "o" / "runs.csv")
    assert runs.seed.nunique() == 4


def test_same_case_and_seed_give_byte_identical_tables(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    scensim("run", HUNAN, "--seed", 5, "--replicates", 2, "--out", a, "--no-figures", "--quiet")
    scensim("run", HUNAN, "--seed", 5, "--replicates", 2, "--out", b, "--no-figures", "--quiet")
    scensim("run", HUNAN, "--seed", 6, "--replicates", 2, "--out", c, "--no-figures", "--quiet")
    for name in TABLES:
        for ext in ("parquet", "csv"):
            if (a / f"{name}.{ext}").exists() or (b / f"{name}.{ext}").exists():
                assert (a / f"{name}.{ext}").read_bytes() == (b / f"{name}.{ext}").read_bytes(), f"{name}.{ext}"
    assert (a / "series.parquet").read_bytes() != (c / "series.parquet").read_bytes()


def test_set_overrides_a_parameter(tmp_path):
    scensim("run", HUNAN, "--set", "matchmaking.events_per_month=0", "--set", "matchmaking.platform_reach=0",
            "--out", tmp_path / "o", "--no-figures", "--quiet")
    runs = pd.read_csv(tmp_path / "o" / "runs.csv")
    assert runs["events_held"].iloc[0] == 0  # Hunan's plan sets no events number: the rate decides
    import json

    man = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert man["overridden"] == {"matchmaking.events_per_month": 0.0, "matchmaking.platform_reach": 0.0}


BAD_INPUTS = [
    (["run", "no/such/case.toml"], "no/such/case.toml: no such case file"),
    (["run", HUNAN, "--set", "vouchers.share=1.5"], "--set: vouchers.share = 1.5: must be a number between 0 and 1"),
    (["run", HUNAN, "--set", "vouchers.nope=1"], "--set: vouchers.nope: unknown parameter"),
    (["run", HUNAN, "--replicates", "0"], "--replicates = 0: must be at least 1"),
    (["run", HUNAN, "--seed", "x"], '--seed = "x": expected a whole number >= 0'),
    (["run", HUNAN, "--lang", "fr"], "invalid choice: 'fr'"),
    # a region without a plan of its own (the national case's rest of China) has no targets to judge
    # alone: one line pointing to the national case, not a KeyError after the simulation
    (["run", ROOT / "scenarios" / "rest_of_china_2026_2028.toml"],
     "rest_of_china_2026_2028.toml: case.plan = false: a region without a plan of its own"),
    (["validate", ROOT / "scenarios" / "rest_of_china_2026_2028.toml"], "case.plan = false"),
]


@pytest.mark.parametrize("args,message", BAD_INPUTS, ids=[m for _, m in BAD_INPUTS])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    r = scensim(*args, "--out", out, check=False, cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists() and not (tmp_path / "results").exists()


@pytest.mark.parametrize("replace,message", [
    (("[case]", "[case\n"), "TOML syntax error"),
    (("[levers.vouchers]\nbudget_cny_per_year", "[levers.vouchers]\nbudget"), "levers.vouchers.budget: unknown parameter"),
    (("value = 0.5, unit = \"share\", range = [0.3, 0.6]", "value = \"x\", unit = \"share\", range = [0.3, 0.6]"),
     "expected a number"),
    (("budget_cny_per_year = { value = 30_000_000", "budget_cny_per_year = { value = -1"), "must be a number between 0 and 1e+13"),
    (("years = [2026, 2027, 2028]", "years = [2029]"), "outside the case horizon"),
])
def test_bad_case_file_from_the_command_line(tmp_path, write_case, replace, message):
    path = write_case(replace=[replace])
    r = scensim("run", path, "--out", tmp_path / "out", check=False, cwd=tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert str(path) in r.stderr and message in r.stderr
    assert not (tmp_path / "out").exists()


def test_earlier_results_survive_a_failed_run(tmp_path, write_case):
    out = tmp_path / "out"
    scensim("run", HUNAN, "--out", out, "--no-figures", "--quiet")
    before = (out / "targets.csv").read_bytes()
    bad = write_case(replace=[("threshold = 1000", "threshold = -3")])
    assert scensim("run", bad, "--out", out, check=False).returncode == 2
    assert (out / "targets.csv").read_bytes() == before


def test_params_command_lists_every_parameter():
    from sim.core.registry import REGISTRY

    r = scensim("params", HUNAN, "--markdown")
    for name in REGISTRY.names():
        assert f"`{name}`" in r.stdout


def test_params_command_prints_labels_in_either_language():
    zh = scensim("params", HUNAN, "--kind", "lever", "--lang", "zh").stdout
    en = scensim("params", HUNAN, "--kind", "lever", "--lang", "en").stdout
    assert "hunan_2026_2028 的参数" in zh and "政策工具" in zh and "创新券年度预算" in zh
    assert "Parameters of hunan_2026_2028" in en and "Voucher budget" in en and "政策工具" not in en
    assert "vouchers.budget_cny_per_year" in zh and "vouchers.budget_cny_per_year" in en
    # units too: 元/年, 开/关 in Chinese (they printed CNY/year, on/off)
    assert "元/年" in zh and "开/关" in zh and "CNY/year" not in zh and "on/off" not in zh
    assert "CNY/year" in en and "on/off" in en


def test_version_flag_prints_the_version_results_record():
    from sim.base.files import code_version

    r = scensim("--version")
    assert r.stdout.strip() == f"scensim {code_version()}" and r.stderr == ""


def test_code_version_is_dirty_when_any_file_of_the_package_changed(tmp_path):
    """The version in every manifest says ``.dirty`` when the package differs from its commit — any file
    of it, not only those beside ``sim/base/files.py`` (a changed model was once recorded as clean)."""
    from sim.base.files import code_version
    from sim.base.version import __version__

    pkg = tmp_path / "sim"
    (pkg / "base").mkdir(parents=True)
    (pkg / "core").mkdir()
    (pkg / "base" / "files.py").write_text("x = 1\n")
    (pkg / "core" / "model.py").write_text("y = 1\n")

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    clean = code_version(pkg)
    assert clean.startswith(f"{__version__}+g") and not clean.endswith(".dirty")
    (pkg / "core" / "model.py").write_text("y = 2\n")
    assert code_version(pkg) == clean + ".dirty"


def test_printed_tables_wrap_chinese_cells_rather_than_cut_them():
    """Chinese has no spaces to wrap at: a long target name in a narrow column folds onto a second line
    instead of losing its end (often the part that says 累计 or 每年) to an ellipsis."""
    import io

    from rich.console import Console

    from sim.report.console import print_table

    buf = io.StringIO()
    con = Console(file=buf, width=40, color_system=None)
    name = "形成大规模应用价值的场景（累计）"
    print_table(con, "目标", ["目标", "年份", "达标概率", "中位数"], [[name, "2028", "0.00 [0.00, 0.07]", "21.5"]])
    out = buf.getvalue()
    assert "…" not in out and all(ch in out for ch in name) and "累计" in out


def test_the_public_cost_table_right_aligns_every_amount(capsys):
    """Its amounts are numbers, right-aligned; the first one (lever spending) was left-aligned."""
    from sim.cli.main import main

    assert main(["run", str(ROOT / "scenarios" / "synthetic_small.toml"), "--replicates", "1", "--no-write",
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    table = out[out.index("Lever spending") - 400:]
    head = next(ln for ln in table.splitlines() if "Lever spending" in ln)
    row = next(ln for ln in table[table.index(head):].splitlines() if ln.startswith("│ 20"))
    cells = row.strip("│").split("│")[1:]
    assert len(cells) >= 5 and all(len(c.rstrip()) == len(c) - 1 for c in cells if c.strip()), row
    assert any(c.startswith("  ") for c in cells), row  # a number narrower than its column
    # in CNY million in English, as the report's other money tables (it was CNY 10k, a Chinese unit)
    assert "Public cost (CNY million" in out and all(c.strip()[-2] == "." for c in cells if c.strip()), row
    assert "Open commitments at the end: CNY " in out


def test_every_printed_money_table_counts_in_one_unit_per_language():
    """`scensim run`'s lever-spending table was in CNY 10k in English while the public-cost table beside it
    was in CNY million (compare's tables too): in English every money table is in CNY million, in Chinese
    in 万元, and the same amount reads the same in both tables."""
    import sim
    from sim.report.compare_tables import money_text
    from sim.report.i18n import t
    from sim.report.money_tables import public_cost_rows
    from sim.report.tables import fiscal_rows, fiscal_values

    res = sim.run(ROOT / "scenarios" / "synthetic_small.toml", replicates=1, seed=2)
    for lang, unit in (("en", 1e6), ("zh", 1e4)):
        head, rows = fiscal_rows(res, lang)
        values = fiscal_values(res, lang)
        spent = [float(r[2].replace(",", "")) for r in rows]
        assert spent == [round(v[2] / unit, 1 if lang == "en" else 0) for v in values]
        title, _, cost_rows = public_cost_rows(res, lang)
        assert ("CNY million" in title) == (lang == "en") and ("万元" in title) == (lang == "zh")
        assert ("CNY million" in t("fiscal", lang)) == (lang == "en") and ("万元" in t("fiscal", lang)) == (lang == "zh")
    assert money_text(12_345_678, "en") == "12.3" and money_text(12_345_678, "zh") == "1,235"
    assert money_text(12_345_678, "en", decimals=1) == "12.35"
