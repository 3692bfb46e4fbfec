"""Region case files: every case loads and runs; Hubei, Shandong and the synthetic case say what their
sources say; the loader messages quoted in docs/cases.md are the ones a region writer gets."""

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from sim.core.case import load_case
from sim.base.errors import InputError
from sim.core.metrics import METRICS
from sim.core.model import ScenarioMarket
from sim.core.registry import REGISTRY
from sim.base.rng import run_seed
from sim.core.national_case import is_national
from sim.engine.runner import run_one

from .conftest import ROOT

SCEN = ROOT / "scenarios"
CASES = sorted(p for p in SCEN.glob("*.toml") if not is_national(p))  # national cases: tests/test_national.py
HUBEI = SCEN / "hubei_2025_2027.toml"
SHANDONG = SCEN / "shandong_2026_2028.toml"
SYNTHETIC = SCEN / "synthetic_small.toml"


@pytest.fixture(scope="module")
def hubei():
    return load_case(HUBEI)


@pytest.fixture(scope="module")
def shandong():
    return load_case(SHANDONG)


@pytest.fixture(scope="module")
def synthetic():
    return load_case(SYNTHETIC)


@pytest.fixture(scope="module")
def hubei_run(hubei):
    return run_one(hubei, run_seed(1, 0))


# -- every case --------------------------------------------------------------------------------
def test_the_region_cases_are_there():
    names = {p.stem for p in CASES}
    assert {"hunan_2026_2028", "hubei_2025_2027", "shandong_2026_2028", "synthetic_small"} <= names


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_every_case_loads_with_every_parameter_sourced_and_in_range(path):
    case = load_case(path)
    assert case.id == path.stem  # the id names the output folder; keep it equal to the file name
    assert set(case.params) == set(REGISTRY.names())
    for name, v in case.params.items():
        spec = REGISTRY[name]
        assert v.unit == spec.unit and v.source.strip(), name
        if spec.dtype is not bool:
            assert v.lo <= v.value <= v.hi, name
    assert case.n_months >= 12
    for t in case.targets:
        assert t.text.strip() and set(t.years) <= set(case.years)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_every_case_runs_one_replicate_and_gives_its_target_rows(path):
    case = load_case(path)
    res = run_one(case, run_seed(1, 0))
    tt = res.targets
    for t in case.targets:
        rows = tt[tt.target == t.id]
        judged = [y for y in t.years if not (t.kind == "per_year" and case.months_in_year(y) < 12
                                             and case.part_year == "skip")]
        assert sorted(rows.year.dropna().astype(int)) == judged, t.id
        assert np.isfinite(rows.value.to_numpy(dtype=float)).all() and (rows.value >= 0).all()
        single = rows[rows.year.notna()]
        assert (single.met == (single.value >= single.threshold)).all()
        if t.kind == "per_year" and len(judged) > 1:  # plus one row for all years together
            assert len(rows) == len(judged) + 1


UNITS = {m.unit_zh for m in METRICS.values()} | {m.unit_en.casefold() for m in METRICS.values()}


def _units_given(label: str, lang: str, unit: str | None = None) -> int:
    """How many items of the brackets in ``label`` give ``unit`` (any metric's unit if None), alone or after
    a number: "为企业提供场景服务（每年，次）\n（次，当年累计）" gives 次 twice, "（累计，约100个）" gives 个 once."""
    text = ("" if lang == "zh" else " ").join(label.split("\n"))  # a wrapped label, joined again
    items = [x.strip().casefold() for g in re.findall(r"[（(]([^（）()]*)[）)]", text)
             for x in re.split(r"[，、；;]|,(?!\d{3})", g)]
    units = UNITS if unit is None else {unit.casefold()}
    return sum(any(x == u or (x.endswith(u) and re.search(r"\d\s*$", x[:-len(u)])) for u in units) for x in items)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_a_target_label_gives_its_unit_once(path):
    """Hubei named its targets with their units ("为企业提供场景服务（每年，次）", "… (per year, services)") and
    the figures added the unit again: the y axis read "为企业提供场景服务（每年，次）（次，当年累计）". A target's
    name gives what is counted and its kind, never a unit or a count (Shandong's "（累计，约100个）"); the
    figures' labels (axis, overview panel) add the metric's unit once, the app its y axis, the report's
    cost table its values."""
    from sim.report.figures import axis_label, panel_title

    case = load_case(path)
    for tg in case.targets:
        m = METRICS[tg.metric]
        for lang, name, unit in (("zh", tg.zh, m.unit_zh), ("en", tg.en, m.unit_en)):
            assert _units_given(name, lang) == 0, (tg.id, name)
            for label in (axis_label(tg, lang), panel_title(tg, lang)):
                assert _units_given(label, lang, unit) == 1, (tg.id, label)


def test_case_names_its_targets_alike():
    """Every case gives a target's kind the way Hunan does: its name ends in "（每年）"/"(per year)" or
    "（累计）"/"(cumulative)", or the kind is said in the name ("每年发布场景", "Scenarios validated, cumulative")."""
    said = {"per_year": ("每年", "per year"), "cumulative": ("累计", "cumulative")}
    for path in CASES:
        for tg in load_case(path).targets:
            zh, en = said[tg.kind]
            assert zh in tg.zh and en in tg.en.casefold(), (path.stem, tg.id, tg.zh, tg.en)


def test_region_cases_give_their_own_source_for_every_value_they_change(hubei, shandong, hunan):
    """A value (or range) that differs from the Hunan case it extends must not carry Hunan's source."""
    for case in (hubei, shandong):
        for name, v in case.params.items():
            h = hunan.params[name]
            if (v.value, v.lo, v.hi) != (h.value, h.lo, h.hi):
                assert v.source != h.source, f"{case.id}: {name}"
        for name, v in case.params.items():  # every lever entry is the region's own
            if REGISTRY[name].kind == "lever":
                assert v.source != hunan.params[name].source, f"{case.id}: {name}"
        assert "湘政办发" not in case.document
        assert case.notes["population"] != hunan.notes["population"]  # notes merge: Hunan's must be replaced


# -- Hubei ---------------------------------------------------------------------------------------
HUBEI_CATEGORIES = {
    "新领域新赛道": {"数字经济", "人工智能", "全空间无人体系", "生物医药", "清洁能源"},
    "产业转型升级": {"制造业", "交通运输", "智慧物流", "现代农业"},
    "行业领域深度应用": {"应急管理", "安全生产", "智慧水利", "林业"},
    "创新社会治理": {"政务服务", "智慧城市", "乡村建设"},
    "民生": {"医疗卫生", "养老助残托育", "文化和旅游", "跨界融合消费"},
}


def test_hubei_horizon_document_and_part_year(hubei):
    assert hubei.id == "hubei_2025_2027"
    assert hubei.start == (2025, 12) and hubei.end == (2027, 12) and hubei.n_months == 25
    assert hubei.months_in_year(2025) == 1 and hubei.part_year == "skip"
    assert "鄂政办发〔2025〕43号" in hubei.document and "2025-12-01" in hubei.document
    assert hubei.name_zh == "湖北省加快场景培育与应用实施方案"


def test_hubei_has_20_domains_in_5_categories(hubei):
    assert len(hubei.domains) == 20
    got: dict[str, set] = {}
    for d in hubei.domains:
        got.setdefault(d.category, set()).add(d.zh)
    assert got == HUBEI_CATEGORIES
    by = {d.zh: d for d in hubei.domains}
    assert by["政务服务"].public_share == 1.0 and by["制造业"].public_share <= 0.2
    assert by["全空间无人体系"].regulated and by["医疗卫生"].regulated and not by["制造业"].regulated
    assert by["智慧水利"].data_dependent and by["政务服务"].data_dependent and not by["跨界融合消费"].data_dependent


def test_hubei_has_its_17_prefecture_level_divisions_none_plan_named(hubei):
    zh = [c.zh for c in hubei.cities]
    assert len(zh) == 17 and len(set(zh)) == 17
    assert set(zh) == {"武汉", "黄石", "十堰", "宜昌", "襄阳", "鄂州", "荆门", "孝感", "荆州", "黄冈", "咸宁", "随州",
                       "恩施州", "仙桃", "潜江", "天门", "神农架林区"}
    assert not any(c.plan_named for c in hubei.cities)  # the plan names no city
    w = {c.zh: c.weight for c in hubei.cities}
    assert max(w, key=w.get) == "武汉" and min(w, key=w.get) == "神农架林区"
    assert hubei.industry_zones == ()  # the top-level `industry_zones = []` cleared Hunan's zones


def test_hubei_openers_follow_the_six_supply_modes(hubei):
    od = {k: set(v) for k, v in hubei.opener_domains.items()}
    assert {"clean_energy", "digital_economy", "manufacturing"} <= od["soe"]  # §(八) 能源、通信、制造
    assert "manufacturing" in od["leader"]  # §(七) 链主 whole-chain opening
    assert {"artificial_intelligence", "healthcare"} <= od["base"]  # §(十四) 具身智能, 脑机接口
    notes = hubei.notes["supply_modes"]
    for mode in ("§(六)", "§(七)", "§(八)", "§(九)", "§(十)", "§(十一)"):
        assert mode in notes


def test_hubei_targets_are_the_plans_three(hubei):
    t = {x.id: x for x in hubei.targets}
    assert set(t) == {"scenario_services", "matchmaking_events", "demands_published"}
    s, e, p = t["scenario_services"], t["matchmaking_events"], t["demands_published"]
    assert (s.metric, s.kind, s.threshold, s.years) == ("services", "per_year", 1000, (2026, 2027))
    assert (e.metric, e.kind, e.threshold, e.years) == ("events", "per_year", 100, (2026, 2027))
    assert (p.metric, p.kind, p.threshold, p.years) == ("published", "cumulative", 1000, (2027,))
    assert p.tier is None  # all demands, whatever their tier
    assert "每年为企业提供1000次以上场景服务" in s.text and "100场以上对接推广活动" in e.text
    assert "挖掘、征集、发布1000个以上高质量场景需求" in p.text
    assert all(x.text.startswith("到2027年") for x in t.values())


def test_hubei_levers_as_the_plan_sets_them(hubei):
    v = hubei.values
    assert (v["matchmaking.release_every_months"], v["matchmaking.promotion_every_months"],
            v["matchmaking.selection_every_months"]) == (1, 3, 12)  # 月度发布、季度推介、年度评选
    assert v["racing.share"] > 0 and v["racing.exit_after_months"] > 0  # §(十九) 赛马机制, 退出机制
    assert v["sandbox.on"] and v["procurement.first_purchase"] and v["procurement.budget_cny_per_year"] > 0
    assert v["finance.loans"] and v["finance.insurance"] and v["finance.interest_subsidy"] > 0
    assert v["finance.guidance_match"] > 0 and v["finance.budget_cny_per_year"] > 0
    assert v["data_opening.budget_cny_per_year"] > 0 and v["data_opening.level"] > 0
    assert v["population.soes"] > 0
    for off in ("vouchers.budget_cny_per_year", "try_first.budget_cny_per_year", "attraction.budget_cny_per_year"):
        assert v[off] == 0 and "names no" in hubei.params[off].source, off
    assert not v["diligence_exemption.on"]
    # the centre plans the plan's own 100 events a year (a decision), within a budget that pays for them
    assert v["matchmaking.plan_events_target"]
    assert v["matchmaking.budget_cny_per_year"] >= 100 * v["matchmaking.cost_per_event_cny"]


def test_hubei_per_year_targets_skip_the_one_month_of_2025(hubei_run):
    tt = hubei_run.targets
    assert set(tt[tt.target == "scenario_services"].period) == {"2026", "2027", "2026–2027"}
    assert set(tt[tt.target == "matchmaking_events"].period) == {"2026", "2027", "2026–2027"}
    assert set(tt[tt.target == "demands_published"].period) == {"2027"}


def test_hubei_events_are_near_but_not_above_100_a_year(hubei, hubei_run):
    """Each full year: 12 months of 7 or 8 events plus 4 quarterly promotions — between 88 and 100."""
    tt = hubei_run.targets
    ev = tt[(tt.target == "matchmaking_events") & tt.year.notna()]
    assert ((ev.value >= 88) & (ev.value <= 100)).all()
    assert (ev.threshold == 100).all()
    m = ScenarioMarket(hubei, seed=run_seed(1, 0)).run()
    events = m.recorder.monthly("events")
    assert events[0] in (7, 8)  # December 2025: no promotion yet (the first falls in February)
    assert m.levers["matchmaking"].promotions == 8  # quarterly, over 2026–2027


def test_hubei_centre_chases_the_1000_demands_within_its_capacity(hubei):
    """The 1000 demands are the centre's decision, not a rate sized to them: it solicits towards the
    target (Hubei §(二十)); with more staff it publishes more; the report says what quality it took."""
    v = hubei.values
    assert v["centre.chase"] == 1 and v["opening.gov.small_cut"] == v["opening.city.small_cut"]
    assert "calibrated so" not in hubei.params["opening.gov.small_cut"].source
    m = ScenarioMarket(hubei, seed=run_seed(1, 0)).run()
    more = ScenarioMarket(hubei, seed=run_seed(1, 0), **{"centre.staff": 12.0, "centre.budget_cny_per_year": 6e6,
                                                         "centre.solicit_max": 4.0}).run()
    (r,), (r2,) = m.centre.report(), more.centre.report()
    assert r["target"] == "demands_published" and r["threshold"] == 1000
    assert r["published"] == int(m.recorder.monthly("published").sum())
    assert r2["published"] > r["published"] and r2["pressed_share"] > 0
    assert 0 < r["landed_share"] < 1 and 0 < r["mean_quality"] < 1


# -- Shandong ------------------------------------------------------------------------------------
def test_shandong_case(shandong):
    assert shandong.id == "shandong_2026_2028"
    assert shandong.start == (2026, 1) and shandong.end == (2028, 12) and shandong.n_months == 36
    assert shandong.notes["horizon"].startswith("Assumed") and "no issue date" in shandong.document
    assert [d.zh for d in shandong.domains] == ["研发设计", "生产制造", "供销服务", "运维售后", "经营管理", "产业协同"]
    assert len(shandong.cities) == 16 and {"济南", "青岛", "菏泽"} <= {c.zh for c in shandong.cities}
    assert not any(c.plan_named for c in shandong.cities) and shandong.industry_zones == ()
    (t,) = shandong.targets
    assert (t.metric, t.kind, t.threshold, t.years, t.tier) == ("scaled", "cumulative", 100, (2028,), None)
    assert "推广100个左右战略性、高价值人工智能应用场景" in t.text
    assert "推广" in shandong.notes["target"] and "scaled" in shandong.notes["target"]
    v = shandong.values
    assert v["vouchers.budget_cny_per_year"] > 0 and "场景券" in shandong.params["vouchers.budget_cny_per_year"].source
    assert v["population.chain_leaders"] == 57  # 19 标志性产业链 × about 3
    for off in ("grant_to_equity.budget_cny_per_year", "procurement.budget_cny_per_year",
                "finance.budget_cny_per_year", "data_opening.budget_cny_per_year"):
        assert v[off] == 0, off


def test_shandong_vouchers_are_used_in_a_run(shandong):
    m = ScenarioMarket(shandong, seed=run_seed(1, 0)).run()
    s = m.levers["vouchers"].summary()
    assert s["vouchers_issued"] > 0 and 0 < s["voucher_value_redeemed_cny"] < s["voucher_value_issued_cny"]


# -- synthetic -----------------------------------------------------------------------------------
def test_synthetic_case_is_small_and_labelled(synthetic):
    c = synthetic
    assert "synthetic" in c.name_en.lower() and "合成" in c.name_zh and "synthetic" in c.notes
    assert 3 <= len(c.domains) <= 4 and 3 <= len(c.cities) <= 4 and c.n_months == 24
    assert all(d.en.startswith("Synthetic") for d in c.domains) and all(x.en.startswith("Synthetic") for x in c.cities)
    v = c.values
    n_sup = sum(v[f"population.{k}"] for k in ("startups", "smes", "leaders", "institutes"))
    assert 200 <= n_sup <= 500
    kinds = {t.kind for t in c.targets}
    assert 2 <= len(c.targets) <= 4 and kinds == {"per_year", "cumulative"}


def test_synthetic_sets_its_values_with_synthetic_sources_and_inherits_the_rest(synthetic, hunan):
    raw = tomllib.loads(SYNTHETIC.read_text(encoding="utf-8"))
    set_here = []

    def walk(t, path):
        for k, x in t.items():
            if isinstance(x, dict) and "source" in x:
                set_here.append(".".join(path + [k]))
            elif isinstance(x, dict):
                walk(x, path + [k])

    walk(raw["levers"], []), walk(raw["uncertainties"], [])
    assert len(set_here) >= 40
    for name in set_here:
        assert synthetic.params[name].source.startswith("synthetic: chosen for teaching"), name
    for name, p in synthetic.params.items():  # everything else is Hunan's entry, unchanged
        if name not in set_here:
            h = hunan.params[name]
            assert (p.value, p.lo, p.hi, p.source) == (h.value, h.lo, h.hi, h.source), name
    for col in ("weight", "public_share", "regulated", "data_dependent"):
        assert raw["domain_columns"][col]["source"].startswith("synthetic")


def test_synthetic_runs_small(synthetic):
    m = ScenarioMarket(synthetic, seed=run_seed(1, 0))
    assert len(m.suppliers) == 300 and m.n_domains == 3 and m.n_cities == 3
    m.run()
    assert m.t == 23 and 0 < len(m.scenarios) < 1000
    assert m.recorder.monthly("published").sum() > 0 and m.recorder.monthly("validated").sum() > 0


# -- the loader messages docs/cases.md quotes ------------------------------------------------------
def _region(tmp_path, body: str) -> Path:
    p = tmp_path / "my_region.toml"
    p.write_text(f'[case]\nextends = "{(SCEN / "hunan_2026_2028.toml").as_posix()}"\n' + body, encoding="utf-8")
    return p


DOMAINS = """id = "my_region"
name_zh = "示例省"
name_en = "Example province"
document = "an example plan"
start = "2025-12"
end = "2027-12"

[[domains]]
id = "manufacturing"
zh = "制造业"
en = "Manufacturing"
weight = 0.6
public_share = 0.1

[[domains]]
id = "healthcare"
zh = "医疗卫生"
en = "Healthcare"
weight = 0.4
public_share = 0.8

[[cities]]
id = "wuhan"
zh = "武汉"
en = "Wuhan"
weight = 0.7

[[cities]]
id = "yichang"
zh = "宜昌"
en = "Yichang"
weight = 0.3
"""

OPENERS = """
[openers.soe]
domains = ["manufacturing"]
source = "example"

[openers.leader]
domains = ["manufacturing"]
source = "example"

[openers.base]
domains = ["healthcare"]
source = "example"
"""


def _message(path) -> str:
    with pytest.raises(InputError) as e:
        load_case(path)
    return str(e.value)


def test_loader_messages_quoted_in_the_guide(tmp_path):
    # replaced domains, inherited openers
    msg = _message(_region(tmp_path, DOMAINS))
    assert re.search(r'openers\.soe\.domains\[0\] = "new_infrastructure": unknown domain; allowed: manufacturing, healthcare'
                     r' \(inherited from [^:]*hunan_2026_2028\.toml: this file does not set it; give your own\)$', msg)
    # replaced cities, inherited industry zones
    msg = _message(_region(tmp_path, DOMAINS + OPENERS))
    assert re.search(r'industry_zones\[0\]\.city = "changsha": unknown city; allowed: wuhan, yichang'
                     r' \(inherited from [^:]*hunan_2026_2028\.toml: this file does not set it; give your own\)$', msg)
    # `industry_zones = []` written under a table header belongs to that table
    msg = _message(_region(tmp_path, DOMAINS + OPENERS + "industry_zones = []\n"))
    assert msg.endswith("openers.base.industry_zones: unknown key; allowed: domains, source")
    # new horizon, inherited targets
    body = "industry_zones = []\n" + _region(tmp_path, DOMAINS + OPENERS).read_text(encoding="utf-8")
    (tmp_path / "my_region.toml").write_text(body, encoding="utf-8")
    msg = _message(tmp_path / "my_region.toml")
    assert re.search(r"targets\[0\]\.years\[0\] = 2028: outside the case horizon 2025–2027"
                     r" \(inherited from [^:]*hunan_2026_2028\.toml: this file does not set it; give your own\)$", msg)
    # a parameter entry is replaced whole, not merged with the base's
    body += '\n[[targets]]\nid = "t"\ntext = "x"\nzh = "x"\nen = "x"\nmetric = "published"\nkind = "cumulative"\n' \
            'threshold = 1000\nyears = [2027]\n\n[levers.vouchers]\nbudget_cny_per_year = { value = 0 }\n'
    (tmp_path / "my_region.toml").write_text(body, encoding="utf-8")
    msg = _message(tmp_path / "my_region.toml")
    assert msg.endswith("levers.vouchers.budget_cny_per_year.unit: missing; every parameter needs value, unit, range, source")
    body = body.replace("{ value = 0 }", '{ value = 0, unit = "CNY/year", range = [5_000_000, 150_000_000], source = "x" }')
    (tmp_path / "my_region.toml").write_text(body, encoding="utf-8")
    msg = _message(tmp_path / "my_region.toml")
    assert msg.endswith("levers.vouchers.budget_cny_per_year.value = 0: must lie inside its range [5000000, 150000000]")
    body = body.replace("[5_000_000, 150_000_000]", "[0, 150_000_000]")
    (tmp_path / "my_region.toml").write_text(body, encoding="utf-8")
    case = load_case(tmp_path / "my_region.toml")  # now it loads, with its own document
    assert case.document == "an example plan"
    no_doc = body.replace('document = "an example plan"\n', "")
    (tmp_path / "my_region.toml").write_text(no_doc, encoding="utf-8")
    msg = _message(tmp_path / "my_region.toml")
    assert re.search(r"case\.document: missing: a case that extends .*hunan_2026_2028\.toml must give its own", msg)
    # the two more messages the guide quotes: a misspelt metric (with a suggestion) and a misspelt tier
    (tmp_path / "my_region.toml").write_text(body.replace('metric = "published"', 'metric = "publish"'),
                                             encoding="utf-8")
    msg = _message(tmp_path / "my_region.toml")
    assert msg.endswith("targets[0].metric = \"publish\": unknown metric (did you mean 'published'?); allowed: "
                        + ", ".join(m for m in METRICS if METRICS[m].kind == "flow"))
    guide = " ".join((ROOT / "docs" / "cases.md").read_text(encoding="utf-8").split())
    assert "(`targets[0].metric = \"publish\": unknown metric (did you mean 'published'?); allowed: solicited," in guide


def test_the_guide_lists_every_metric_a_target_may_count():
    """docs/cases.md §1.3 lists the flow metrics a target's `metric` takes; five the loader accepts
    (owner_withdrawn, pressed, adoptions_market, adoptions_procured, scaled_market) were missing."""
    guide = (ROOT / "docs" / "cases.md").read_text(encoding="utf-8")
    part = guide[guide.index("**`[[targets]]`**"):guide.index("`kind` (`per_year`")]
    listed = re.findall(r"`([a-z_]+)`", part.split("`metric` (a")[1])
    assert listed == [m for m in METRICS if METRICS[m].kind == "flow"]


def test_a_case_cannot_extend_a_national_case(tmp_path):
    """`extends` naming the national file gave "regions: unknown key; allowed: case, domains, …
    (inherited from …national_2026_2028.toml …)" — true but no help; now it says what the base is."""
    p = tmp_path / "my_region.toml"
    p.write_text(f'[case]\nextends = "{(SCEN / "national_2026_2028.toml").as_posix()}"\nid = "x"\nname_zh = "x"\n'
                 'name_en = "x"\ndocument = "x"\n', encoding="utf-8")
    msg = _message(p)
    assert msg == (f'{p}: case.extends = "{(SCEN / "national_2026_2028.toml").as_posix()}": a national case '
                   '(kind = "national") cannot be a base: extend one of its regions\' case files, e.g. '
                   'hunan_2026_2028.toml')
