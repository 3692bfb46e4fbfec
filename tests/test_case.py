"""Case files: the Hunan case loads completely; every kind of bad input is one clear line."""

import pytest

from sim.core.case import load_case, parse_assignment
from sim.base.errors import InputError
from sim.core.registry import REGISTRY


def test_hunan_case_gives_every_parameter_with_unit_range_and_source(hunan):
    assert set(hunan.params) == set(REGISTRY.names())
    for name, v in hunan.params.items():
        spec = REGISTRY[name]
        assert v.unit == spec.unit
        assert v.source
        if spec.dtype is not bool:
            assert v.lo <= v.value <= v.hi, name
            assert spec.bounds[0] <= v.lo and v.hi <= spec.bounds[1], name


def test_hunan_structure_follows_the_plan(hunan):
    assert hunan.start == (2026, 4) and hunan.end == (2028, 12) and hunan.n_months == 33
    assert len(hunan.domains) == 14 and len(hunan.cities) == 14
    assert {d.zh for d in hunan.domains} >= {"先进制造", "低空经济", "养老托育", "重大活动和项目"}
    named = {c.zh for c in hunan.cities if c.plan_named}
    assert named == {"长沙", "株洲", "湘潭", "岳阳", "衡阳"}
    t = {x.id: x for x in hunan.targets}
    assert (t["pilot_zones"].kind, t["pilot_zones"].threshold, t["pilot_zones"].years) == ("cumulative", 10, (2028,))
    assert (t["large_scale_scenarios"].kind, t["large_scale_scenarios"].threshold) == ("cumulative", 50)
    for tid, thr in (("major_landed", 10), ("integrated_built", 10), ("small_cut_published", 100),
                     ("enterprises_served", 1000)):
        assert t[tid].kind == "per_year" and t[tid].threshold == thr and t[tid].years == (2026, 2027, 2028)
    assert "每年" in t["enterprises_served"].text and "累计" in t["pilot_zones"].text


def test_overrides_are_validated_and_recorded(hunan):
    c = hunan.with_params({"vouchers.share": 0.6, "population.startups": 100})
    assert c.values["vouchers.share"] == 0.6 and c.values["population.startups"] == 100
    assert hunan.values["vouchers.share"] == 0.5  # the original is untouched
    with pytest.raises(InputError, match=r"vouchers\.share = 1\.5: must be a number between 0 and 1"):
        hunan.with_params({"vouchers.share": 1.5})
    with pytest.raises(InputError, match="did you mean 'vouchers.share'"):
        hunan.with_params({"vouchers.shares": 0.5})
    with pytest.raises(InputError, match="expected an integer"):
        hunan.with_params({"population.startups": 10.5})


def test_parse_assignment():
    assert parse_assignment("vouchers.budget_cny_per_year=1e8") == ("vouchers.budget_cny_per_year", 1e8)
    assert parse_assignment("procurement.first_purchase=false") == ("procurement.first_purchase", False)
    with pytest.raises(InputError, match="expected NAME=VALUE"):
        parse_assignment("vouchers.share")
    with pytest.raises(InputError, match="expected a number"):
        parse_assignment("vouchers.share=half")


BAD = [
    # (replacements, pattern of the message after the file name)
    ([('id = "hunan_2026_2028"', 'id = "hunan_2026_2028"\nid2 = 3')], r"case\.id2: unknown key"),
    ([("[levers.vouchers]\nbudget_cny_per_year", "[levers.vouchers]\nbudget_cny_per_yer")],
     r"levers\.vouchers\.budget_cny_per_yer: unknown parameter \(did you mean 'levers\.vouchers\.budget_cny_per_year'\?\)"),
    ([("share               = { value = 0.5,", 'share               = { value = "half",')],
     r'levers\.vouchers\.share\.value = "half": expected a number between 0 and 1'),
    ([("share               = { value = 0.5, unit = \"share\", range = [0.3, 0.6]",
       "share               = { value = 1.5, unit = \"share\", range = [0.3, 0.6]")],
     r"levers\.vouchers\.share\.value = 1\.5: must be a number between 0 and 1"),
    ([("budget_cny_per_year = { value = 13_180_000", "budget_cny_per_year = { value = -5")],
     r"levers\.vouchers\.budget_cny_per_year\.value = -5: must be a number between 0 and 1e\+13"),
    ([("share               = { value = 0.5,", "share               = { value = 0.7,")],
     r"levers\.vouchers\.share\.value = 0\.7: must lie inside its range \[0\.3, 0\.6\]"),
    ([("validity_months     = { value = 12, unit = \"months\", range = [6, 24]",
       "validity_months     = { value = 12, unit = \"months\", range = [24, 6]")],
     r"levers\.vouchers\.validity_months\.range = \[24, 6\]: low must not exceed high"),
    ([("validity_months     = { value = 12, unit = \"months\"", "validity_months     = { value = 12, unit = \"days\"")],
     r'levers\.vouchers\.validity_months\.unit = "days": does not match the parameter\'s unit "months"'),
    ([("validity_months     = { value = 12,", "validity_months     = { value = 12.5,")],
     r"levers\.vouchers\.validity_months\.value = 12\.5: expected an integer"),
    ([("first_purchase      = { value = true", "first_purchase      = { value = 1")],
     r"levers\.procurement\.first_purchase\.value = 1: expected true or false"),
    ([("years = [2026, 2027, 2028]", "years = [2026, 2027, 2030]")],
     r"targets\[2\]\.years\[2\] = 2030: outside the case horizon 2026–2028"),
    ([('end = "2028-12"', 'end = "2025-12"')], r'case\.end = "2025-12": must not be before case\.start'),
    ([('end = "2028-12"', 'end = "2028-13"')], r'case\.end = "2028-13": expected a month "YYYY-MM"'),
    ([('part_year = "prorate"', 'part_year = "half"')], r'case\.part_year = "half": must be one of prorate, full, skip'),
    ([('metric = "zones_designated"', 'metric = "zones"')], r'targets\[0\]\.metric = "zones": unknown metric'),
    ([('city = "changsha"\ndomains = ["culture_tech"]', 'city = "paris"\ndomains = ["culture_tech"]')],
     r'industry_zones\[1\]\.city = "paris": unknown city'),
    ([('domains = ["future_industries", "advanced_manufacturing", "healthcare"]', 'domains = ["space"]')],
     r'openers\.base\.domains\[0\] = "space": unknown domain'),
    ([("call_months     = { value = 2,", "call_months     = { valu = 2,")],
     r"uncertainties\.selection\.call_months\.valu: unknown key \(did you mean 'value'\?\)"),
    ([("call_months     = { value = 2, ", "call_months     = { ")], r"uncertainties\.selection\.call_months\.value: missing"),
    ([("startups                 = { value = 2000, unit = \"firms\", range = [1000, 4000], source = \"assumed — uncertain: no public count of startups active in scenario innovation; the pool is far larger (Hunan registers tech-based SMEs in batches of 2,748 (2023) and 10,074 (2024), docs/sources.md)\" }\n", "")],
     r"uncertainties\.population\.startups: missing"),
    ([("threshold = 1000", "threshold = -1")], r"targets\[5\]\.threshold = -1: must be a number between 0"),
    ([("[levers.zones]", "[uncertainties.zones]")], r"uncertainties\.zones\.min_landed: zones\.min_landed is a lever"),
    ([('zh = "场景创新试验区（累计）"', 'zh = "场景创新试验区（累计，个）"')],
     r'targets\[0\]\.zh = "场景创新试验区（累计，个）": ends in the unit 个, which figures and tables add to a '
     r'target\'s name themselves \(metric zones_designated\); write "场景创新试验区（累计）"$'),
    ([('en = "Enterprises served with scenario matchmaking (per year)"',
       'en = "Enterprises served with scenario matchmaking (per year, about 1,000 firms)"')],
     r'targets\[5\]\.en = "Enterprises served .*": ends in the unit firms, .* \(metric served\); '
     r'write "Enterprises served with scenario matchmaking \(per year\)"$'),
    ([('source = "assumed — uncertain: a provincial centre\'s events budget"', 'source = ""')],
     r"levers\.matchmaking\.budget_cny_per_year\.source = \"\": expected a non-empty string"),
]


@pytest.mark.parametrize("replace,pattern", BAD, ids=[p for _, p in BAD])
def test_bad_case_gives_one_line_naming_file_key_value_and_allowed(write_case, replace, pattern):
    path = write_case(replace=replace)
    with pytest.raises(InputError) as err:
        load_case(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(str(path) + ": ")
    import re

    assert re.search(pattern, msg), msg


def test_a_target_name_may_not_give_the_unit_the_figures_add():
    """Only the last bracket's items that are the metric's unit, alone or after a number, are taken out;
    a kind, a note or another word is the writer's."""
    from sim.core.case import name_without_unit

    assert name_without_unit("为企业提供场景服务（每年，次）", "次") == "为企业提供场景服务（每年）"
    assert name_without_unit("Scenario services to firms (per year, services)", "services") == \
        "Scenario services to firms (per year)"
    assert name_without_unit("Firms served (Firms)", "firms") == "Firms served"
    assert name_without_unit("Services (about 10,000 services)", "services") == "Services"
    assert name_without_unit("发布场景（累计，约1000项）", "项") == "发布场景（累计）"
    for name, unit in (("每年发布场景（合成）", "项"), ("Scenarios validated, cumulative (synthetic)", "scenarios"),
                       ("Matchmaking and promotion events (per year)", "events"), ("落地场景（每年）", "项"),
                       ("Services to firms (services per year)", "services"), ("Scenarios (bids)", "scenarios"),
                       ("场景（次）需求", "次"), ("No bracket", "scenarios")):
        assert name_without_unit(name, unit) is None, name


def test_missing_file_and_syntax_error(tmp_path, write_case):
    with pytest.raises(InputError, match=r"nope\.toml: no such case file"):
        load_case(tmp_path / "nope.toml")
    bad = write_case(replace=[("[case]", "[case\n")])
    with pytest.raises(InputError, match=r"case\.toml: TOML syntax error"):
        load_case(bad)
    with pytest.raises(InputError, match="is a folder"):
        load_case(tmp_path)


def test_extends_merges_a_base_case(write_case, tmp_path):
    child = tmp_path / "child.toml"
    base = write_case(name="base.toml")
    child.write_text(
        '[case]\nextends = "base.toml"\nid = "child"\nname_zh = "子"\nname_en = "child"\ndocument = "test"\n\n[levers.vouchers]\n'
        'share = { value = 0.4, unit = "share", range = [0.3, 0.6], source = "test" }\n', encoding="utf-8")
    c = load_case(child)
    assert c.id == "child" and c.values["vouchers.share"] == 0.4
    assert c.values["vouchers.cap_cny"] == 500_000 and len(c.targets) == 6
    base.write_text(base.read_text(encoding="utf-8").replace('[case]\n', '[case]\nextends = "child.toml"\n', 1),
                    encoding="utf-8")
    with pytest.raises(InputError, match="extend each other in a loop"):
        load_case(child)


def test_errors_in_inherited_parts_say_so(write_case, tmp_path):
    write_case(name="base.toml")
    child = tmp_path / "child.toml"
    child.write_text('[case]\nextends = "base.toml"\nid = "c"\nname_zh = "子"\nname_en = "child"\ndocument = "test"\n\n'
                     '[[domains]]\nid = "only"\nzh = "唯一"\nen = "Only"\nweight = 1.0\npublic_share = 0.5\n',
                     encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_case(child)
    msg = str(e.value)
    assert 'openers.soe.domains[0] = "new_infrastructure": unknown domain' in msg
    assert "(inherited from base.toml: this file does not set it; give your own)" in msg
    # an error in the file's own part does not claim inheritance
    child.write_text(child.read_text(encoding="utf-8").replace("weight = 1.0", "weight = -1.0"), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_case(child)
    assert "domains[0].weight = -1" in str(e.value) and "(inherited from" not in str(e.value)


def test_extending_case_must_name_itself(write_case, tmp_path):
    write_case(name="base.toml")
    child = tmp_path / "child.toml"
    child.write_text('[case]\nextends = "base.toml"\nid = "c"\nname_zh = "子"\nname_en = "child"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"case\.document: missing: a case that extends base\.toml must give its own"):
        load_case(child)


def test_misspelt_metric_gets_a_suggestion(write_case):
    path = write_case(replace=[('metric = "zones_designated"', 'metric = "zone_designated"')])
    with pytest.raises(InputError, match="did you mean 'zones_designated'"):
        load_case(path)


def test_a_loop_of_bases_names_every_file_in_it(tmp_path):
    """a.toml extends b.toml extends a.toml: the message named only the file where the loop closed (by its
    absolute path); now it lists the loop."""
    head = '[case]\nextends = "{}"\nid = "{}"\nname_zh = "x"\nname_en = "x"\ndocument = "x"\n'
    (tmp_path / "a.toml").write_text(head.format("b.toml", "a"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(head.format("a.toml", "b"), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_case(tmp_path / "a.toml")
    assert str(e.value).endswith('case.extends = "a.toml": cases extend each other in a loop: '
                                 "a.toml → b.toml → a.toml")
    (tmp_path / "c.toml").write_text(head.format("c.toml", "c"), encoding="utf-8")
    with pytest.raises(InputError, match="in a loop: c.toml → c.toml$"):
        load_case(tmp_path / "c.toml")
