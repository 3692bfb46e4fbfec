"""National case files: regions composed from case files, cross-region flows, shared fields and the
city alliance, validated once at the boundary (the model is :mod:`sim.core.national`; the format is
described in docs/cases.md §5). ``load_national`` turns a file into a :class:`NationalCase` or raises
:class:`~sim.base.errors.InputError` with a one-line message naming file, key, value and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from sim.base.errors import InputError
from sim.base.tomlfile import check_path, confine, read_toml
from sim.core.case import Case, ParamValue, _month, check_keys, load_case

FLOWS = {  # name: (unit, lowest, highest)
    "cross_bid_share": ("share", 0.0, 1.0),
    "alliance_visibility": ("share", 0.0, 1.0),
    "branch_cash_share": ("share", 0.0, 1.0),
    "spillover": ("share", 0.0, 2.0),
}
FLOW_LABELS = {  # name: (label zh, label en), for tables and figures of sweeps that vary the flows
    "cross_bid_share": ("跨省投标意识（占本省企业的比例）", "cross-province bidding (share of a home firm's chance)"),
    "alliance_visibility": ("城市联盟联合清单可见度", "city alliance joint lists' visibility"),
    "branch_cash_share": ("异地分支机构带走的现金比例", "share of cash a firm moves to a branch"),
    "spillover": ("跨省模仿扩散（相对本省模仿）", "cross-province imitation (relative to home)"),
}
MAX_REGIONS = 40
FLOW_PREFIX = "flows."  # how the flows are named beside a region's parameters (sweeps, --set)
REGION_PREFIX = "regions."  # ``regions.<id>.<parameter>``: another region's parameter, in a national sweep


def _flow_params() -> dict:
    from sim.params.registry import Param

    return {FLOW_PREFIX + k: Param(FLOW_PREFIX + k, "uncertainty", float, unit, (lo, hi), FLOW_LABELS[k][1], FLOW_LABELS[k][0],
                                "a cross-region flow of a national case (sim/core/national.py)")
            for k, (unit, lo, hi) in FLOWS.items()}


# The flows as parameters (``flows.<name>``: type, unit, hard bounds, labels), so that a sweep of a
# national case varies them by name like a case's parameters (sim/engine/sweep/spec.py).
FLOW_PARAMS = _flow_params()


def region_setting(name) -> tuple[str, str] | None:
    """``(region id, parameter name)`` of a name ``regions.<id>.<parameter>``; None for any other name."""
    if not isinstance(name, str) or not name.startswith(REGION_PREFIX):
        return None
    rid, _, param = name[len(REGION_PREFIX):].partition(".")
    return (rid, param) if rid and param else None


def setting_param(name):
    """The registry entry (type, unit, bounds, labels) of a name only a national case has: a flow
    (``flows.<name>``), or a parameter of a region other than the one a sweep keeps
    (``regions.<id>.<parameter>``), labelled with its region's id. Another region's parameter is an
    *uncertainty* of the kept region's analysis whatever its kind in its own case: the kept region does
    not choose it (so ``optimise`` never searches it and ``discover`` never draws it as a lever).
    None for any other name, and for a region's parameter the registry does not know."""
    if name in FLOW_PARAMS:
        return FLOW_PARAMS[name]
    rp = region_setting(name)
    if rp is None:
        return None
    from sim.core.registry import REGISTRY

    rid, pname = rp
    if pname not in REGISTRY:
        return None
    p = REGISTRY[pname]
    return replace(p, name=name, kind="uncertainty", label_zh=f"{p.label_zh or pname}（{rid}）",
                   label_en=f"{p.label_en or pname} ({rid})")


@dataclass(frozen=True)
class Region:
    id: str
    case: Case
    alliance_cities: tuple[str, ...] = ()
    zh: str = ""  # the region's short name in tables (湖南); its id if the file gives none
    en: str = ""

    def label(self, lang: str) -> str:
        """The region's short name in ``lang`` (``zh`` or ``en``), else its id."""
        return (self.zh if lang == "zh" else self.en) or self.id


@dataclass(frozen=True)
class NationalCase:
    """A validated national case: its regions (each a validated case), flows and shared fields."""

    path: str
    id: str
    name_zh: str
    name_en: str
    document: str
    start: tuple[int, int]
    end: tuple[int, int]
    regions: tuple[Region, ...]
    flows: dict  # name -> ParamValue
    domains: tuple  # (national id, ((region id, domain id), ...)), ...
    alliance_source: str = ""

    def __repr__(self) -> str:
        return f"NationalCase({self.id!r}, {len(self.regions)} regions)"

    @property
    def n_months(self) -> int:
        return (self.end[0] - self.start[0]) * 12 + self.end[1] - self.start[1] + 1

    @property
    def values(self) -> dict:
        return {k: v.value for k, v in self.flows.items()}

    def offset(self, region: Region) -> int:
        """National month index of the region's first month."""
        return (region.case.start[0] - self.start[0]) * 12 + region.case.start[1] - self.start[1]

    def with_flows(self, **values) -> NationalCase:
        """A copy with flow parameters set (e.g. all zero: regions as if alone)."""
        flows = dict(self.flows)
        for k, v in values.items():
            if k not in FLOWS:
                raise InputError("with_flows", f"flows.{k}", f"unknown flow; allowed: {', '.join(FLOWS)}", v)
            old = flows[k]
            flows[k] = ParamValue(float(v), min(old.lo, v), max(old.hi, v), f"override (case: {old.source})", old.unit)
        return replace(self, flows=flows)

    def region_index(self, region_id: str) -> int:
        """Position of a region in the file (its seed index)."""
        return [r.id for r in self.regions].index(region_id)

    def with_region_params(self, region_id: str, overrides: dict, origin: str = "override") -> NationalCase:
        """A copy with one region's case parameters set by name (validated as ``Case.with_params``)."""
        i = self.region_index(region_id)
        r = self.regions[i]
        regions = list(self.regions)
        regions[i] = replace(r, case=r.case.with_params(overrides, origin=origin))
        return replace(self, regions=tuple(regions))

    def with_settings(self, region_id: str, settings: dict, origin: str = "override") -> NationalCase:
        """A copy with ``settings`` by name: ``flows.<name>`` sets a flow, ``regions.<id>.<parameter>`` a
        parameter of region ``<id>``, any other name a parameter of region ``region_id`` (what a sweep of
        a national case varies or fixes)."""
        flows = {k[len(FLOW_PREFIX):]: v for k, v in settings.items() if k.startswith(FLOW_PREFIX)}
        by_region: dict[str, dict] = {region_id: {}}
        for k, v in settings.items():
            if k.startswith(FLOW_PREFIX):
                continue
            rid, name = region_setting(k) or (region_id, k)
            by_region.setdefault(rid, {})[name] = v
        out = self.with_flows(**flows)
        for rid, params in by_region.items():
            out = out.with_region_params(rid, params, origin=origin)
        return out


def parse_flow_assignment(text: str, region: str = "hunan") -> tuple[str, float]:
    """``flows.NAME=VALUE`` from the command line (``scensim run NATIONAL --set``): the flow's name and
    its value, a number within the flow's bounds (a one-line error otherwise, its example naming
    ``region``)."""
    from sim.base.tomlfile import parse_toml

    allowed = ", ".join(f"flows.{k}" for k in FLOWS)
    if "=" not in text:
        raise InputError("--set", None, f"expected flows.NAME=VALUE, e.g. flows.cross_bid_share=0.2 ({allowed})", text)
    name, raw = (part.strip() for part in text.split("=", 1))
    if not name.startswith(FLOW_PREFIX) or name[len(FLOW_PREFIX):] not in FLOWS:
        raise InputError("--set", name, f"a national case's --set takes its flows ({allowed}) or a region's "
                         f"parameter as regions.<id>.<parameter>, e.g. regions.{region}.vouchers.share=0.6", raw)
    unit, lo, hi = FLOWS[name[len(FLOW_PREFIX):]]
    try:
        value = parse_toml(f"v = {raw}", "--set")["v"]
    except InputError:
        value = None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise InputError("--set", name, f"a number between {lo:g} and {hi:g} ({unit})", raw)
    return name[len(FLOW_PREFIX):], float(value)


def parse_national_assignment(text: str, national: NationalCase) -> tuple[str, object]:
    """``--set`` of ``scensim run NATIONAL``: ``flows.NAME=VALUE`` (a flow; its short name returned
    with the prefix) or ``regions.<id>.<parameter>=VALUE`` (a region's parameter, checked like a
    single case's ``--set``); the full name and the parsed value, or a one-line error."""
    from sim.core.case import parse_assignment

    name = text.split("=", 1)[0].strip()
    rp = region_setting(name)
    if rp is None:
        k, v = parse_flow_assignment(text, region=national.regions[0].id)
        return FLOW_PREFIX + k, v
    ids = [r.id for r in national.regions]
    if "=" not in text:
        raise InputError("--set", None, f"expected regions.<id>.<parameter>=VALUE, e.g. regions.{ids[0]}."
                         "vouchers.share=0.6", text)
    if rp[0] not in ids:
        raise InputError("--set", name, f"unknown region {rp[0]!r}; the national case's regions: {', '.join(ids)}",
                         text.split("=", 1)[1].strip())
    try:
        pname, value = parse_assignment(rp[1] + "=" + text.split("=", 1)[1])
    except InputError as e:  # name the whole setting, as written
        raise InputError("--set", name if e.key in (None, rp[1]) else e.key, e.allowed, e.value) from None
    return REGION_PREFIX + f"{rp[0]}.{pname}", value


def is_national(path) -> bool:
    """Whether a case file is a national case (``[case] kind = "national"``)."""
    try:
        doc = read_toml(Path(path), "case file", "scenarios/national_2026_2028.toml")[0]
    except InputError:
        return False
    c = doc.get("case")
    return isinstance(c, dict) and c.get("kind") == "national"


# ------------------------------------------------------------------------------------------ loading
def load_national(path, allow_outside: bool = False) -> NationalCase:
    """Read and validate a national case file (see the module docstring)."""
    path = check_path(path, None, None, "the path of a national case file")
    file = str(path)
    doc = read_toml(path, "national case file", "scenarios/national_2026_2028.toml")[0]
    check_keys(file, doc, ("case", "regions", "flows", "national_domains", "alliance"), "")
    c = doc.get("case")
    if not isinstance(c, dict):
        raise InputError(file, "case", "missing; expected a [case] table")
    check_keys(file, c, ("kind", "id", "name_zh", "name_en", "document", "start", "end", "notes"), "case.")
    if c.get("kind") != "national":
        raise InputError(file, "case.kind", 'must be "national" for a national case', c.get("kind"))
    for k in ("id", "name_zh", "name_en", "document", "start", "end"):
        if not isinstance(c.get(k), str) or not c[k].strip():
            raise InputError(file, f"case.{k}", "missing or empty; expected a string", c.get(k))
    if not c["id"].replace("_", "").isalnum():
        raise InputError(file, "case.id", "must be letters, digits and underscores", c["id"])
    start, end = _month(file, "case.start", c["start"]), _month(file, "case.end", c["end"])

    rows = doc.get("regions")
    if not isinstance(rows, list) or not rows:
        raise InputError(file, "regions", "expected an array of tables [[regions]] (at least one)", rows)
    if len(rows) > MAX_REGIONS:
        raise InputError(file, "regions", f"at most {MAX_REGIONS} regions", len(rows))
    regions, seen = [], set()
    for i, r in enumerate(rows):
        w = f"regions[{i}]."
        if not isinstance(r, dict):
            raise InputError(file, f"regions[{i}]", "expected a table", r)
        check_keys(file, r, ("id", "zh", "en", "case", "overrides"), w)
        rid = r.get("id")
        if not isinstance(rid, str) or not rid or not rid.replace("_", "").isalnum():
            raise InputError(file, w + "id", "expected an identifier (letters, digits, underscores)", rid)
        if rid in seen:
            raise InputError(file, w + "id", "duplicate region id", rid)
        seen.add(rid)
        names = {k: r.get(k, "") for k in ("zh", "en")}
        for k, v in names.items():
            if not isinstance(v, str) or v != v.strip() or "\n" in v:
                raise InputError(file, w + k, "expected the region's short name, one line of text (optional)", v)
        ref = r.get("case")
        if not isinstance(ref, str) or not ref:
            raise InputError(file, w + "case", "expected the path of a case file (relative to this file)", ref)
        check_path(ref, path, w + "case", "the path of a case file")
        case_path = confine(path.parent / ref, path, path, w + "case", allow_outside, ref)
        if not case_path.is_file():
            raise InputError(file, w + "case", "no such case file (the path is relative to this file)", ref)
        over = r.get("overrides", {})
        if not isinstance(over, dict):
            raise InputError(file, w + "overrides", "expected a table {parameter name = value}", over)
        try:
            case = load_case(case_path, allow_outside=allow_outside)
            if over:
                case = case.with_params(over, origin=f"{path.name} {w}overrides")
        except InputError as e:
            if e.file == "--set" or str(e.file).startswith(path.name) or e.file == f"{path.name} {w}overrides":
                raise InputError(file, f"{w}overrides.{e.key}", e.allowed, e.value) from None
            raise
        if not (start <= case.start and case.end <= end):
            raise InputError(file, w + "case", f"the region's horizon {case.start[0]}-{case.start[1]:02d}.."
                             f"{case.end[0]}-{case.end[1]:02d} must lie inside the national horizon "
                             f"{c['start']}..{c['end']}", ref)
        regions.append(Region(rid, case, zh=names["zh"], en=names["en"]))

    flows = _flows(file, doc.get("flows"))
    domains = _national_domains(file, doc.get("national_domains", []), regions)
    regions, alliance_source = _alliance(file, doc.get("alliance", {}), regions)
    return NationalCase(path=file, id=c["id"], name_zh=c["name_zh"], name_en=c["name_en"], document=c["document"],
                        start=start, end=end, regions=tuple(regions), flows=flows, domains=domains,
                        alliance_source=alliance_source)


def _flows(file, t) -> dict:
    if not isinstance(t, dict):
        raise InputError(file, "flows", "missing; expected a [flows] table with " + ", ".join(FLOWS), t)
    check_keys(file, t, tuple(FLOWS), "flows.")
    out = {}
    for name, (unit, lo_ok, hi_ok) in FLOWS.items():
        key = f"flows.{name}"
        e = t.get(name)
        if not isinstance(e, dict):
            raise InputError(file, key, "missing; expected {value = …, unit = …, range = […], source = …}", e)
        check_keys(file, e, ("value", "unit", "range", "source"), key + ".")
        for req in ("value", "unit", "range", "source"):
            if req not in e:
                raise InputError(file, f"{key}.{req}", "missing; every flow needs value, unit, range, source")
        if e["unit"] != unit:
            raise InputError(file, f"{key}.unit", f'must be "{unit}"', e["unit"])

        def num(v, k):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v) or not lo_ok <= v <= hi_ok:
                raise InputError(file, k, f"expected a number between {lo_ok:g} and {hi_ok:g}", v)
            return float(v)

        v = num(e["value"], f"{key}.value")
        rng = e["range"]
        if not isinstance(rng, list) or len(rng) != 2:
            raise InputError(file, f"{key}.range", "expected [low, high]", rng)
        lo, hi = num(rng[0], f"{key}.range[0]"), num(rng[1], f"{key}.range[1]")
        if lo > hi:
            raise InputError(file, f"{key}.range", "low must not exceed high", rng)
        if not lo <= v <= hi:
            raise InputError(file, f"{key}.value", f"must lie inside its range [{rng[0]}, {rng[1]}]", e["value"])
        if not isinstance(e["source"], str) or not e["source"].strip():
            raise InputError(file, f"{key}.source", 'expected a non-empty string (a document, or "assumed — uncertain")',
                             e["source"])
        out[name] = ParamValue(v, lo, hi, e["source"].strip(), unit)
    return out


def _national_domains(file, rows, regions) -> tuple:
    if not isinstance(rows, list):
        raise InputError(file, "national_domains", "expected an array of tables [[national_domains]]", rows)
    by_id = {r.id: r for r in regions}
    out, used, ids = [], set(), set()
    for i, r in enumerate(rows):
        w = f"national_domains[{i}]."
        if not isinstance(r, dict):
            raise InputError(file, f"national_domains[{i}]", "expected a table", r)
        check_keys(file, r, ("id", "members"), w)
        nid = r.get("id")
        if not isinstance(nid, str) or not nid or nid in ids:
            raise InputError(file, w + "id", "expected a unique identifier", nid)
        ids.add(nid)
        mem = r.get("members")
        if not isinstance(mem, list) or not mem:
            raise InputError(file, w + "members", 'expected a non-empty list of "region.domain"', mem)
        pairs = []
        for j, m in enumerate(mem):
            key = f"{w}members[{j}]"
            rid, dom = _region_member(file, key, m, by_id, "domain")
            if (rid, dom) in used:
                raise InputError(file, key, "a region's domain may belong to one national domain only", m)
            used.add((rid, dom))
            pairs.append((rid, dom))
        out.append((nid, tuple(pairs)))
    return tuple(out)


def _region_member(file, key, m, by_id, what: str) -> tuple[str, str]:
    """``"region.<what>"`` (what: ``domain`` or ``city``) checked against the regions' cases: the pair,
    or a one-line error naming the key, the value and what is allowed."""
    if not isinstance(m, str) or m.count(".") != 1:
        raise InputError(file, key, f'expected "region.{what}"', m)
    rid, item = m.split(".")
    if rid not in by_id:
        raise InputError(file, key, f"unknown region; allowed: {', '.join(by_id)}", m)
    case = by_id[rid].case
    ok = [x.id for x in (case.domains if what == "domain" else case.cities)]
    if item not in ok:
        raise InputError(file, key, f"unknown {what} of region {rid}; allowed: {', '.join(ok)}", m)
    return rid, item


def _alliance(file, t, regions):
    if not isinstance(t, dict):
        raise InputError(file, "alliance", "expected an [alliance] table {cities = [...], source = ...}", t)
    if not t:
        return regions, ""
    check_keys(file, t, ("cities", "source"), "alliance.")
    src = t.get("source")
    if not isinstance(src, str) or not src.strip():
        raise InputError(file, "alliance.source", "expected a non-empty string (the document naming the members)", src)
    cities = t.get("cities")
    if not isinstance(cities, list):
        raise InputError(file, "alliance.cities", 'expected a list of "region.city"', cities)
    by_id = {r.id: r for r in regions}
    members: dict[str, list[str]] = {}
    for j, m in enumerate(cities):
        rid, city = _region_member(file, f"alliance.cities[{j}]", m, by_id, "city")
        members.setdefault(rid, []).append(city)
    return [replace(r, alliance_cities=tuple(members.get(r.id, ()))) for r in regions], src.strip()
