"""The national case: loading (one-line errors), regions alone when flows are off, flows acting, money
conserved per region and nationally, identical results on 1 or 2 workers."""

import json

import numpy as np
import pandas as pd
import pytest

from sim.base.errors import InputError
from sim.base.rng import run_seed
from sim.core.model import ScenarioMarket
from sim.core.national import NationalMarket, load_national

from .conftest import ROOT

SMALL = ROOT / "tests" / "specs" / "national_small.toml"
ZERO = dict(cross_bid_share=0.0, alliance_visibility=0.0, branch_cash_share=0.0, spillover=0.0)


@pytest.fixture(scope="module")
def small():
    return load_national(SMALL)


def test_flows_off_reproduce_each_region_alone(small):
    m = NationalMarket(small.with_flows(**ZERO), seed=5).run()
    assert m.branches() == 0
    for i, (reg, got) in enumerate(zip(small.regions, m.regions)):
        alone = ScenarioMarket(reg.case, seed=run_seed(5, i)).run()
        pd.testing.assert_frame_equal(alone.target_table(), got.target_table())
        assert np.array_equal(alone.recorder.flows, got.recorder.flows)
        assert np.array_equal(alone.suppliers.cash, got.suppliers.cash)


def test_late_region_is_dormant_before_its_start(small):
    m = NationalMarket(small, seed=1)
    for _ in range(6):
        m.step()
    assert m.regions[2].t == -1 and m.regions[0].t == 5
    m.run()
    assert m.regions[2].t == m.regions[2].calendar.n_months - 1


def test_flows_on_open_branches_and_conserve_money(small):
    m = NationalMarket(small, seed=2)
    while m.running:
        m.step()
        assert m.money_problems() == []
    assert m.branches() > 0
    # branches are suppliers of their host, keyed as such, funded from the other regions' accounts
    for r in m.regions:
        branch = ((r.suppliers.key >> 24) & 0xFF) == 200
        assert branch.any()
        assert np.all(r.supplier_cashflow[branch] == 0.0)
    moved = sum(v for r in m.regions for a, v in r.money.balance.items() if a.startswith("region:"))
    assert abs(moved) < 1e-3
    # idle branches closed (their cash back with the parent: money_problems above checked every month)
    assert m.closed > 0
    closed = [((r.suppliers.key >> 24) & 0xFF == 200) & ~r.suppliers.alive for r in m.regions]
    assert sum(int(c.sum()) for c in closed) >= m.closed
    # at most one branch per firm and host, ever: each host's codes of firms with a branch there are
    # strictly increasing (sorted, no firm twice) and name exactly the parents of its branches
    for h, codes in enumerate(m._branches):
        idx, home, parent = m._branch_of[h]
        assert np.all(np.diff(codes) > 0) and len(codes) == len(idx)
        assert np.array_equal(codes, np.sort(m._code(home, parent)))
    # and they change results: the same seed without flows differs
    off = NationalMarket(small.with_flows(**ZERO), seed=2).run()
    assert any(not a.target_table().equals(b.target_table()) or len(a.suppliers) != len(b.suppliers)
               for a, b in zip(m.regions, off.regions))


def test_spillover_alone_raises_adoption_hazard(small):
    only = small.with_flows(cross_bid_share=0.0, alliance_visibility=0.0, spillover=2.0)
    m = NationalMarket(only, seed=4).run()
    assert m.branches() == 0
    assert any(r.spillover is not None and r.spillover.max() > 0 for r in m.regions)


def test_same_tables_on_one_or_two_workers(small):
    from sim.engine.national import run_national

    a = run_national(small, replicates=2, seed=9, workers=1)
    b = run_national(small, replicates=2, seed=9, workers=2)
    pd.testing.assert_frame_equal(a.targets, b.targets)
    pd.testing.assert_frame_equal(a.totals, b.totals)
    assert (a.runs.money_problems == 0).all()
    assert set(a.targets.region) == {"a", "b", "c"}


def _write(tmp_path, old, new):
    late = (ROOT / "tests" / "specs" / "synthetic_late.toml").read_text(encoding="utf-8")
    (tmp_path / "synthetic_late.toml").write_text(late.replace("../../scenarios/", str(ROOT / "scenarios") + "/"),
                                                  encoding="utf-8")
    text = SMALL.read_text(encoding="utf-8").replace("../../scenarios/", str(ROOT / "scenarios") + "/")
    assert old in text
    p = tmp_path / "national.toml"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p


@pytest.mark.parametrize("old, new, key", [
    ('kind = "national"', 'kind = "province"', "case.kind"),
    ('id = "b"', 'id = "a"', "regions[1].id"),
    ('case = "synthetic_late.toml"', 'case = "missing.toml"', "regions[2].case"),
    ('"population.smes" = 150', '"population.smess" = 150', "regions[1].overrides"),
    ("cross_bid_share = { value = 0.5", "cross_bid_share = { value = 1.5", "flows.cross_bid_share.value"),
    ('unit = "share", range = [0.0, 1.0], source = "synthetic: for tests" }',
     'unit = "CNY", range = [0.0, 1.0], source = "synthetic: for tests" }', "flows.branch_cash_share.unit"),
    ('"b.factory", "c.factory"', '"b.factory", "c.nowhere"', "national_domains[0].members[2]"),
    ('"a.big_city"', '"a.no_city"', "alliance.cities[0]"),
    ('end = "2031-12"', 'end = "2031-06"', "regions[0].case"),
    ('[flows]', '[flows]\nteleport = 1', "flows.teleport"),
    ('zh = "合成甲"', 'zh = 3', "regions[0].zh"),  # a region's short name: one line of text
    ('en = "Synthetic A"', 'en = "Synthetic A\\n"', "regions[0].en"),
    ('en = "Synthetic A"', 'name = "Synthetic A"', "regions[0].name"),
])
def test_bad_input_one_line(tmp_path, old, new, key):
    p = _write(tmp_path, old, new)
    with pytest.raises(InputError) as e:
        load_national(p, allow_outside=True)
    msg = str(e.value)
    assert "\n" not in msg and key in msg and str(p.name) in msg


def test_case_without_plan_has_no_targets(tmp_path):
    from sim.core.case import load_case

    p = tmp_path / "noplan.toml"
    p.write_text(f'[case]\nextends = "{ROOT / "scenarios" / "synthetic_small.toml"}"\nid = "x"\nname_zh = "x"\n'
                 'name_en = "x"\ndocument = "x"\nplan = false\n', encoding="utf-8")
    with pytest.raises(InputError, match="targets"):  # inherited targets: not allowed without a plan
        load_case(p, allow_outside=True)
    case = load_case(ROOT / "scenarios" / "rest_of_china_2026_2028.toml")
    assert case.plan is False and case.targets == ()


@pytest.mark.slow
def test_full_national_case_runs_and_conserves_money():
    nc = load_national(ROOT / "scenarios" / "national_2026_2028.toml")
    assert [r.id for r in nc.regions] == ["hunan", "hubei", "shandong", "rest"]
    m = NationalMarket(nc, seed=0).run()
    assert m.money_problems() == []
    assert m.branches() > 0
    assert all(r.t == r.calendar.n_months - 1 for r in m.regions)
    # flows off: every region, the rest of China included, is exactly its own run at the derived seed
    off = NationalMarket(nc.with_flows(**ZERO), seed=0).run()
    for i, (reg, got) in enumerate(zip(nc.regions, off.regions)):
        alone = ScenarioMarket(reg.case, seed=run_seed(0, i)).run()
        pd.testing.assert_frame_equal(alone.target_table(), got.target_table())
        assert np.array_equal(alone.recorder.flows, got.recorder.flows), reg.id


def test_load_case_refuses_a_national_file_in_one_line():
    from sim.core.case import load_case

    with pytest.raises(InputError) as e:
        load_case(SMALL)
    assert "\n" not in str(e.value) and "case.kind" in str(e.value) and "load_national" in str(e.value)


def test_dask_cluster_gives_the_same_tables(small):
    distributed = pytest.importorskip("distributed")
    from sim.engine.national import run_national

    here = run_national(small, replicates=2, seed=4, workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        there = run_national(small, replicates=2, seed=4, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(here.targets, there.targets)
    pd.testing.assert_frame_equal(here.totals, there.totals)
    pd.testing.assert_frame_equal(here.runs, there.runs)


def test_cli_run_prints_every_region_and_the_totals(capsys):
    from sim.cli.main import main

    assert main(["run", str(SMALL), "--replicates", "2", "--no-write", "--quiet"]) == 0
    out = capsys.readouterr().out
    for region in ("Synthetic A (a):", "b:", "c:", "National totals", "money problems: 0"):
        assert region in out
    # the totals' year columns are numbers, right-aligned like the rest (the first year's was left-aligned)
    totals = out[out.index("National totals"):]
    row = next(ln for ln in totals.splitlines() if ln.startswith("│ Scenarios published"))
    cells = row.strip("│").split("│")[1:]
    assert len(cells) >= 2 and all(len(c.rstrip()) == len(c) - 1 for c in cells), row  # one space of padding, after the number
    assert any(c.startswith("  ") for c in cells), row  # a number narrower than its column: the test has a case to judge
    assert main(["run", str(SMALL), "--replicates", "1", "--no-write", "--quiet", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    for words in ("合成甲（a）：", "全国合计", "资金守恒问题：0", "达标概率", load_national(SMALL).regions[0].case.targets[0].zh):
        assert words in out, words


def test_alliance_lists_alone_reach_only_alliance_cities(small):
    only = small.with_flows(cross_bid_share=0.0, alliance_visibility=1.0, spillover=0.0)
    m = NationalMarket(only, seed=3).run()
    assert m.branches() > 0
    for h, host in enumerate(m.regions):
        idx, home, parent = m._branch_of[h]
        # a branch sits in the city of the opportunity that drew it: an alliance city of its host ...
        assert np.all(m.alliance[h][host.suppliers.city[idx]])
        # ... and its parent is a firm of an alliance city at home
        for r in np.unique(home):
            assert np.all(m.alliance[r][m.regions[r].suppliers.city[parent[home == r]]])


def test_home_bias_share_scales_the_branches(small):
    few = NationalMarket(small.with_flows(cross_bid_share=0.05, alliance_visibility=0.0, spillover=0.0), seed=3).run()
    many = NationalMarket(small.with_flows(cross_bid_share=0.5, alliance_visibility=0.0, spillover=0.0), seed=3).run()
    assert 0 < few.branches() < many.branches()


def test_cli_sets_flows_and_records_them(tmp_path):
    """``--set flows.NAME=VALUE`` sets a cross-region flow of a national case: all four at zero, no
    branch opens (the regions apart); the manifest records what was set; the tables are one set."""
    import json

    from sim.cli.main import main

    args = ["run", str(SMALL), "--replicates", "1", "--seed", "2", "--quiet"]
    zero = [a for k in ZERO for a in ("--set", f"flows.{k}=0")]
    assert main(args + zero + ["--out", str(tmp_path / "off")]) == 0
    assert main(args + ["--out", str(tmp_path / "on")]) == 0
    off, on = (pd.read_csv(tmp_path / d / "runs.csv") for d in ("off", "on"))
    assert off.branches.sum() == 0 and on.branches.sum() > 0
    man = json.loads((tmp_path / "off" / "manifest.json").read_text(encoding="utf-8"))
    assert man["flows_set"] == ZERO and man["flows"] == ZERO and man["replicates"] == 1
    assert (tmp_path / "off" / "targets.parquet").exists()


def test_cli_sets_a_regions_parameter_as_the_file_would(tmp_path):
    """``--set regions.<id>.<parameter>=VALUE`` runs exactly as the national file with that override
    written in it, and the manifest records it."""
    import json

    from sim.cli.main import main

    edited = tmp_path / "national_small.toml"  # the same file with region b's override changed, beside its cases
    text = SMALL.read_text(encoding="utf-8").replace('"population.smes" = 150', '"population.smes" = 120')
    text = text.replace('case = "../../scenarios/', f'case = "{(ROOT / "scenarios").as_posix()}/')
    text = text.replace('case = "synthetic_late.toml"', f'case = "{(SMALL.parent / "synthetic_late.toml").as_posix()}"')
    edited.write_text(text, encoding="utf-8")
    args = ["run", "--replicates", "2", "--seed", "4", "--quiet", "--no-report", "--allow-outside-paths"]
    assert main(args + [str(SMALL), "--set", "regions.b.population.smes=120", "--out", str(tmp_path / "set")]) == 0
    assert main(args + [str(edited), "--out", str(tmp_path / "file")]) == 0
    assert main(args + [str(SMALL), "--out", str(tmp_path / "base")]) == 0
    set_, file_, base = (pd.read_csv(tmp_path / d / "targets.csv") for d in ("set", "file", "base"))
    pd.testing.assert_frame_equal(set_, file_)
    assert not set_.equals(base)  # the setting reached the run
    man = json.loads((tmp_path / "set" / "manifest.json").read_text(encoding="utf-8"))
    assert man["regions_set"] == {"regions.b.population.smes": 120} and man["flows_set"] == {}


@pytest.mark.parametrize("assignment, words", [
    ("population.smes=5", ["--set", "population.smes", "flows.cross_bid_share"]),
    ("flows.cross_bid_share=2", ["--set", "flows.cross_bid_share", "between 0 and 1"]),
    ("flows.spillover=lots", ["flows.spillover", "between 0 and 2"]),
    ("flows.teleport=1", ["flows.teleport", "flows.spillover"]),
    ("regions.z.vouchers.share=0.5", ["regions.z.vouchers.share", "unknown region 'z'", "a, b, c"]),
    ("regions.b.vouchers.share=1.5", ["regions.b.vouchers.share", "between 0 and 1"]),
    ("regions.b.vouchers.shar=0.5", ["regions.b.vouchers.shar", "did you mean 'vouchers.share'"]),
    ("regions.b.vouchers.share", ["regions.<id>.<parameter>=VALUE", "regions.a.vouchers.share"]),
])
def test_cli_bad_flow_is_one_line_and_writes_nothing(tmp_path, capsys, assignment, words):
    from sim.cli.main import main

    out = tmp_path / "out"
    assert main(["run", str(SMALL), "--set", assignment, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and all(w in err for w in words), err
    assert not out.exists()


def test_run_writes_a_report_with_every_regions_targets_and_report_reads_the_folder(tmp_path):
    """``scensim run NATIONAL`` writes its report (each region's P(met) under the target's name, the
    national totals, the branches); ``scensim report`` makes one from the folder too (it used to stop
    with an error about the case's kind)."""
    import subprocess

    from sim.cli.main import main

    out = tmp_path / "nat"
    assert main(["run", str(SMALL), "--replicates", "1", "--seed", "2", "--quiet", "--lang", "zh", "--out", str(out)]) == 0
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF") and (out / "report.html").exists()
    text = subprocess.run(["pdftotext", "-layout", str(out / "report.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    text = "".join(text.split())  # lines wrap anywhere in Chinese
    nc = load_national(SMALL)
    assert "全国案例（national_small）" in text and "各地区达标概率" in text and "资金守恒问题：0" in text
    assert text.startswith("".join(nc.name_zh.split()) + "：情景仿真报告")  # titled by the case's name, not its id
    for r in nc.regions:
        assert r.case.targets and all("".join(tg.zh.split()) in text for tg in r.case.targets), r.id
    assert "跨省模仿扩散" in text  # the flows it ran at, by name
    assert main(["report", str(out), "--lang", "en", "--out", str(tmp_path / "again" / "r.html")]) == 0
    html = (tmp_path / "again" / "r.html").read_text(encoding="utf-8")
    assert "National case (national_small)" in html and "Scenarios published" in html
    assert f"<title>{nc.name_en}: simulation report</title>" in html


def test_params_lists_a_national_cases_flows_regions_and_a_regions_parameters(capsys):
    """``scensim params NATIONAL``: the four flows by the names a sweep takes, and each region with the
    parameters the national file overrides; ``--region ID``: that region's parameters as the national
    case sets them, named ``regions.ID.<parameter>``; one-line errors otherwise."""
    from sim.cli.main import main

    assert main(["params", str(SMALL)]) == 0
    out = capsys.readouterr().out
    assert all(f"flows.{k}" in out for k in ZERO)
    assert "population.smes, vouchers.share" in out  # region b's overrides in the national file
    assert main(["params", str(SMALL), "--region", "b", "--kind", "lever"]) == 0
    out = capsys.readouterr().out
    assert "regions.b.vouchers.share" in out and "0.6" in out and "regions.b.diffusion.q" not in out
    for argv, words in ((["--region", "z"], "must be one of the national case's regions: a, b, c"),
                        (["--markdown"], "--markdown: docs/parameters.md lists a single region's case")):
        assert main(["params", str(SMALL), *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and words in err, err
    assert main(["params", str(ROOT / "scenarios" / "synthetic_small.toml"), "--region", "a"]) == 2
    assert "--region = \"a\": only for a national case" in capsys.readouterr().err


def test_regions_are_named_and_all_years_rows_say_they_count_years(tmp_path, capsys):
    """The national table and report named the regions by their ids only ("hunan", "rest": English in a
    Chinese report), and a per-year target's row over all its years showed the number of years as its
    threshold and the years met as its mean ("2026–2028 │ 3 │ 1.0"), unlabelled. Now a region's short
    name (``zh``/``en`` in [[regions]]; the id when it has none) and "all N years" / "years met: x"."""
    import subprocess

    from sim.cli.main import main

    assert main(["run", str(SMALL), "--replicates", "1", "--seed", "2", "--quiet", "--no-write"]) == 0
    out = capsys.readouterr().out
    assert "Synthetic A (a):" in out
    row = next(ln for ln in out.splitlines() if "2030–2031" in ln)
    assert "all 2 years" in row and "years met: " in row, row
    nat = tmp_path / "nat"
    assert main(["run", str(SMALL), "--replicates", "1", "--seed", "2", "--quiet", "--lang", "zh",
                 "--out", str(nat)]) == 0
    out = capsys.readouterr().out
    assert "合成甲（a）：" in out and "2年均达标" in out
    assert json.loads((nat / "manifest.json").read_text(encoding="utf-8"))["region_names"]["a"] == {
        "zh": "合成甲", "en": "Synthetic A"}
    text = subprocess.run(["pdftotext", "-layout", str(nat / "report.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = "".join(text.split())
    assert "地区：合成甲、b、c；" in flat and "2年均达标" in flat
    table = [ln.split() for ln in text.splitlines() if "2030" in ln]
    assert any(cells[0] == "合成甲" for cells in table) and not any(cells[0] == "a" for cells in table)



def test_region_totals_are_written_add_up_to_the_national_totals_and_are_in_the_report(tmp_path):
    """The national totals were summed over the regions and the regions' own flows thrown away: nobody
    could see a province's published, landed or scaled scenarios in a national run, nor check the totals.
    Now ``region_totals`` (written, and a table of the report) holds them, and they add up."""
    import subprocess

    from sim.cli.main import main

    out = tmp_path / "nat"
    assert main(["run", str(SMALL), "--replicates", "2", "--seed", "2", "--quiet", "--lang", "zh", "--out", str(out)]) == 0
    by_region = pd.read_parquet(out / "region_totals.parquet")
    totals = pd.read_parquet(out / "totals.parquet")
    assert set(by_region["region"]) == {"a", "b", "c"}
    summed = by_region.groupby(["replicate", "metric", "year"], as_index=False)["value"].sum()
    merged = totals.merge(summed, on=["replicate", "metric", "year"], suffixes=("", "_sum"))
    assert len(merged) == len(totals) > 0 and (merged["value"] == merged["value_sum"]).all()
    assert by_region.groupby(["region", "metric", "year"]).size().eq(2).all()  # every replicate, every region-year
    text = subprocess.run(["pdftotext", "-layout", str(out / "report.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "各地区流量" in "".join(text.split())
    rows = [ln.split() for ln in text.splitlines() if ln.split()[:2] == ["合成甲", "发布场景"]]
    mean = by_region[(by_region.region == "a") & (by_region.metric == "published")].groupby("year")["value"].mean()
    assert len(rows) == 1 and rows[0][2:] == [f"{v:,.0f}" for v in mean], rows


def test_a_regions_table_has_the_columns_of_its_single_region_table():
    """The national run printed each region's targets with a mean and no range (headers "target",
    "period", "threshold", "mean"), so Hubei in the national run could not be read against Hubei alone
    (median, 5 %–95 %). Now the same columns, the median and range from the region's summary."""
    from sim.engine.national import run_national
    from sim.report.national_tables import target_head, target_rows

    res = run_national(load_national(SMALL), replicates=3, seed=2)
    ts = res.target_summary[res.target_summary.region == "a"]
    assert target_head("en") == ["Target", "Year", "Threshold", "P(met) [95% CI]", "Median", "5%–95%"]
    rows = target_rows(ts, {}, "en")
    r = ts[ts.year.notna()].iloc[0]
    row = next(x for x in rows if x[0] == r.target and x[1] == str(r.period))
    lo, hi = (float(v) for v in row[5].replace(",", "").split("–"))
    assert float(row[4].replace(",", "")) == pytest.approx(r["median"], abs=0.05), row
    assert (lo, hi) == (pytest.approx(r.q05, abs=0.05), pytest.approx(r.q95, abs=0.05)), row
