"""Case files: a region's scenario market as data (TOML), validated once at the boundary.

A case gives the horizon, the domains, the cities, the openers' domains, candidate pilot zones,
the targets in the plan's own words, and — for every parameter in the registry — a value with its
unit, plausible range and source. ``load_case`` turns a file into a :class:`Case` or raises
:class:`~sim.base.errors.InputError` with a one-line message naming file, key, value and what is allowed.

A case may start from another with ``[case] extends = "other.toml"`` (path relative to the file, inside
its folder tree or the project's ``scenarios/`` unless ``allow_outside``):
tables merge key by key, but a parameter entry ``{value, unit, range, source}`` is replaced whole and
arrays of tables (domains, cities, targets, …) replace the base's. A case that extends another must
give its own id, names and document; an error in a part it inherits says so.

Why this module is long: it is the whole case-file schema — every section, its checks and its
one-line messages — read top to bottom in the order a case file is written; split, a reader would
have to chase one file format across several modules.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from sim.base.errors import InputError, did_you_mean
from sim.base.tomlfile import check_path, confine, parse_toml, read_toml
from sim.core.metrics import METRICS
from sim.params.registry import SECTION
from sim.core.registry import REGISTRY
from sim.base.vocab import TIERS

DEFAULT_CASE = Path(__file__).resolve().parents[2] / "scenarios" / "hunan_2026_2028.toml"  # the Hunan case
PART_YEAR_RULES = ("prorate", "full", "skip")
TARGET_KINDS = ("per_year", "cumulative")
MAX_MONTHS = 240
MAX_EXTENDS = 8  # cases extending cases, at most this deep


@dataclass(frozen=True)
class Domain:
    id: str
    zh: str
    en: str
    weight: float  # share of needs (city governments) and of supplier capabilities
    public_share: float  # share of potential adopters that are public bodies
    regulated: bool = False  # regulatory friction applies (the sandbox lever relieves it)
    data_dependent: bool = False  # public data opening acts here
    category: str = ""  # a plan's grouping of domains (Hubei: 5 categories), for reports


@dataclass(frozen=True)
class City:
    id: str
    zh: str
    en: str
    weight: float  # share of openers and suppliers located here
    plan_named: bool  # named in the plan as a pilot-zone city (policy support from the start)


@dataclass(frozen=True)
class IndustryZone:
    id: str
    zh: str
    en: str
    city: str
    domains: tuple[str, ...]
    plan_named: bool


@dataclass(frozen=True)
class Target:
    id: str
    text: str  # the plan's words
    zh: str
    en: str
    metric: str
    kind: str  # per_year | cumulative
    threshold: float
    years: tuple[int, ...]
    tier: str | None = None
    domain: str | None = None


@dataclass(frozen=True)
class ParamValue:
    value: object
    lo: object
    hi: object
    source: str
    unit: str


@dataclass(frozen=True)
class Case:
    """A validated case: structure, targets and a value for every registered parameter."""

    path: str
    id: str
    name_zh: str
    name_en: str
    document: str
    start: tuple[int, int]  # (year, month)
    end: tuple[int, int]
    part_year: str
    domains: tuple[Domain, ...]
    cities: tuple[City, ...]
    opener_domains: MappingProxyType  # kind -> tuple of domain ids (soe, leader, base)
    industry_zones: tuple[IndustryZone, ...]
    targets: tuple[Target, ...]
    params: MappingProxyType  # name -> ParamValue
    notes: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    # pulses of major scenarios opened at once by major projects and dated events: ((year, month), count, source)
    major_pulses: tuple = ()
    plan: bool = True  # False: a region without a plan of its own (no targets; the national case's rest of China)
    document_zh: str = ""  # the document as a Chinese reader cites it (reports in Chinese; else ``document``)

    def __repr__(self) -> str:
        return f"Case({self.id!r}, {self.start[0]}-{self.start[1]:02d}..{self.end[0]}-{self.end[1]:02d})"

    def __reduce__(self):
        # mapping proxies cannot be pickled: rebuild from plain dicts (worker processes receive cases)
        state = {f: getattr(self, f) for f in self.__dataclass_fields__}
        for f in ("opener_domains", "params", "notes"):
            state[f] = dict(state[f])
        return _rebuild_case, (state,)

    @property
    def values(self) -> dict:
        """Parameter values by name."""
        return {k: v.value for k, v in self.params.items()}

    @property
    def n_months(self) -> int:
        return (self.end[0] - self.start[0]) * 12 + self.end[1] - self.start[1] + 1

    @property
    def years(self) -> list[int]:
        return list(range(self.start[0], self.end[0] + 1))

    def months_in_year(self, year: int) -> int:
        """Months of ``year`` the horizon covers."""
        first = self.start[1] if year == self.start[0] else 1
        last = self.end[1] if year == self.end[0] else 12
        return max(0, last - first + 1)

    def with_params(self, overrides: dict, origin: str = "override") -> Case:
        """A copy with parameters set by name (validated like the case file; ``origin`` names them)."""
        params = dict(self.params)
        for name, value in overrides.items():
            spec = REGISTRY.lookup(name, origin)
            v = spec.parse(value, origin, name)
            old = params[name]
            lo, hi = old.lo, old.hi
            if spec.dtype is not bool:
                lo, hi = min(lo, v), max(hi, v)
            params[name] = ParamValue(v, lo, hi, f"{origin} (case: {old.source})", old.unit)
        check_relations(params, origin)
        return replace(self, params=MappingProxyType(params))


def _rebuild_case(state: dict) -> Case:
    for f in ("opener_domains", "params", "notes"):
        state[f] = MappingProxyType(state[f])
    return Case(**state)


# ------------------------------------------------------------------------------------------------
def load_case(path, overrides: dict | None = None, allow_outside: bool = False) -> Case:
    """Read and validate a case file; apply ``overrides`` ({name: value}) if given. ``allow_outside``
    lets ``extends`` name a file outside the case's folder tree and the project's ``scenarios/``."""
    path = check_path(path, None, None, "the path of a case file")
    own = _read_toml(path)
    if isinstance(own.get("case"), dict) and own["case"].get("kind") == "national":
        raise InputError(path, "case.kind", "a national case composes regions: scensim run, params and sweep "
                         "(experiment.region) take it, other commands one of its regions' case files "
                         "(in Python: sim.core.national.load_national)", "national")
    doc = _read_with_base(path, seen=(path.resolve(),), allow_outside=allow_outside, chain=(path.name,))
    base = own.get("case", {}).get("extends") if isinstance(own.get("case"), dict) else None
    if base is not None:
        for key in ("id", "name_zh", "name_en", "document"):
            if key not in own.get("case", {}):
                raise InputError(path, f"case.{key}", f"missing: a case that extends {base} must give its own "
                                 f"(it would otherwise carry the base case's)")
    try:
        case = _build(str(path), doc)
    except InputError as e:
        if base is not None and e.key and not _defined_in(own, e.key):
            raise InputError(e.file, e.key, f"{e.allowed} (inherited from {base}: this file does not set it; "
                             "give your own)", e.value) from None
        raise
    check_relations(case.params, str(path))
    if base is not None and "document_zh" not in own.get("case", {}):
        case = replace(case, document_zh="")  # a case's document is its own: not the base case's (in either language)
    if overrides:
        case = case.with_params(overrides, origin="--set")
    return case


def check_relations(params, file) -> None:
    """Relations among parameters that no single range expresses: :class:`InputError` naming ``file``
    (a case file, or the flag or spec that set them) if one fails.

    * ``finance.line_share.*``: the finance budget is split in these shares, normalised to sum to 1; all
      four at 0 left the budget unspent without a word."""
    shares = [k for k in params if k.startswith("finance.line_share.")]
    if shares and all(params[k].value == 0 for k in shares):
        raise InputError(file, "finance.line_share.*", "must not all be 0: the finance budget is split in these "
                         "shares (normalised to sum to 1)", 0)


def _defined_in(doc: dict, key: str) -> bool:
    """Whether dotted ``key`` (array indexes allowed, e.g. ``targets[0].years[2]``) lies in a part of
    ``doc`` the file sets itself (a parameter entry or an array counts as a whole)."""
    node = doc
    for part in key.replace("]", "").replace("[", ".").split("."):
        if isinstance(node, list):
            return True  # arrays replace the base's: anything inside one is the file's own
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
        if _is_entry(node):
            return True
    return True


def _read_toml(path: Path) -> dict:
    return read_toml(path, "case file", "scenarios/hunan_2026_2028.toml")[0]


def _read_with_base(path: Path, seen: tuple, allow_outside: bool = False, chain: tuple = ()) -> dict:
    """``path``'s document laid over its bases'; ``seen``: the bases read so far (resolved), ``chain``: the
    names of the files from the one loaded to ``path``, for the message of a loop."""
    doc = _read_toml(path)
    base = doc.get("case", {}).get("extends") if isinstance(doc.get("case"), dict) else None
    if base is None:
        return doc
    check_path(base, path, "case.extends", "the path of another case file")
    base_path = confine(path.parent / base, path, path, "case.extends", allow_outside, base)
    if base_path in seen or base_path == path.resolve():
        raise InputError(path, "case.extends", "cases extend each other in a loop: "
                         + " → ".join(chain + (base_path.name,)), base)
    if len(seen) > MAX_EXTENDS:  # ``seen`` holds the file loaded and the bases read so far
        raise InputError(path, "case.extends", f"cases may extend each other at most {MAX_EXTENDS} deep", base)
    if not base_path.is_file():
        raise InputError(path, "case.extends", "no such case file (the path is relative to this file)", base)
    base_doc = _read_with_base(base_path, seen + (base_path,), allow_outside, chain + (base_path.name,))
    if isinstance(base_doc.get("case"), dict) and base_doc["case"].get("kind") == "national":
        regions = base_doc.get("regions")
        first = regions[0].get("case") if isinstance(regions, list) and regions and isinstance(regions[0], dict) else None
        raise InputError(path, "case.extends", "a national case (kind = \"national\") cannot be a base: extend one of "
                         "its regions' case files" + (f", e.g. {first}" if isinstance(first, str) else ""), base)
    merged = _merge(base_doc, doc)
    merged["case"].pop("extends", None)
    return merged


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and not _is_entry(v):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


# ------------------------------------------------------------------------------------------------
TOP_KEYS = ("case", "domains", "domain_columns", "cities", "city_columns", "openers", "industry_zones",
            "targets", "levers", "uncertainties", "major_pulses")
ENTRY_KEYS = ("value", "unit", "range", "source")


def _is_entry(t) -> bool:
    """A parameter entry is a table with any of value/unit/range/source (missing ones are reported)."""
    return isinstance(t, dict) and any(k in t for k in ENTRY_KEYS)


def unknown_key(file, key, allowed):
    leaf = key.rsplit(".", 1)[-1]
    hint = did_you_mean(leaf, allowed)
    return InputError(file, key, f"unknown key{hint}; allowed: {', '.join(allowed)}")


def _need(file, doc: dict, key: str, types, what: str, where: str = ""):
    full = f"{where}{key}"
    if key not in doc:
        raise InputError(file, full, f"missing; expected {what}")
    v = doc[key]
    if not isinstance(v, types) or (isinstance(v, bool) and bool not in _as_tuple(types)):
        raise InputError(file, full, f"expected {what}", v)
    return v


def _as_tuple(t):
    return t if isinstance(t, tuple) else (t,)


def _str(file, doc, key, where="", optional=False, default=""):
    if optional and key not in doc:
        return default
    v = _need(file, doc, key, str, "a string", where)
    if not v.strip():
        raise InputError(file, f"{where}{key}", "must not be empty", v)
    return v


def _num(file, doc, key, where, lo=-math.inf, hi=math.inf):
    v = _need(file, doc, key, (int, float), "a number", where)
    if not (lo <= v <= hi) or (isinstance(v, float) and math.isnan(v)):
        raise InputError(file, f"{where}{key}", f"must be a number between {lo:g} and {hi:g}", v)
    return float(v)


# The experiment files of the commands, by the table only that kind has: (table, command, what it is)
SPEC_KINDS = (("mixes", "scensim compare", "a policy-mix experiment"),
              ("calibration", "scensim calibrate", "a calibration spec"),
              ("design", "scensim sweep", "a sweep's experiment spec"),
              ("vary", "scensim sweep", "a sweep's experiment spec"))


def check_spec_kind(file, doc: dict, command: str, expected: str) -> None:
    """Refuse in one line a file meant for another command than ``command`` (a policy-mix experiment
    given to ``scensim sweep``, …), naming what it is and the command that reads it; ``expected`` says
    what this command takes."""
    for table, cmd, what in SPEC_KINDS:
        if table in doc and cmd != command:
            raise InputError(file, None, f"is {what} (it has [{table}]): run `{cmd} {file}`; this command "
                             f"takes {expected}")


def check_keys(file, doc: dict, allowed, where: str):
    for k in doc:
        if k not in allowed:
            raise unknown_key(file, f"{where}{k}", list(allowed))


def _month(file, key, v) -> tuple[int, int]:
    if not isinstance(v, str):
        raise InputError(file, key, 'expected a month "YYYY-MM"', v)
    y = m = 0
    if len(v) == 7 and v[4] == "-" and v[:4].isdigit() and v[5:].isdigit() and v.isascii():
        y, m = int(v[:4]), int(v[5:])
    if not (1900 <= y <= 2200 and 1 <= m <= 12):
        raise InputError(file, key, 'expected a month "YYYY-MM" (years 1900–2200)', v)
    return y, m


def _build(file: str, doc: dict) -> Case:
    check_keys(file, doc, TOP_KEYS, "")
    c = _need(file, doc, "case", dict, "a [case] table")
    check_keys(file, c, ("id", "name_zh", "name_en", "document", "document_zh", "start", "end", "part_year", "notes",
                         "extends", "plan"),
               "case.")
    cid = _str(file, c, "id", "case.")
    if not cid.replace("_", "").isalnum():
        raise InputError(file, "case.id", "must be letters, digits and underscores (it names the output folder)", cid)
    start = _month(file, "case.start", _need(file, c, "start", str, 'a month "YYYY-MM"', "case."))
    end = _month(file, "case.end", _need(file, c, "end", str, 'a month "YYYY-MM"', "case."))
    n_months = (end[0] - start[0]) * 12 + end[1] - start[1] + 1
    if n_months < 1:
        raise InputError(file, "case.end", f"must not be before case.start ({c['start']})", c["end"])
    if n_months > MAX_MONTHS:
        raise InputError(file, "case.end", f"the horizon may be at most {MAX_MONTHS} months", c["end"])
    part_year = c.get("part_year", "prorate")
    if part_year not in PART_YEAR_RULES:
        raise InputError(file, "case.part_year", f"must be one of {', '.join(PART_YEAR_RULES)}", part_year)
    notes = c.get("notes", {})
    if not isinstance(notes, dict):
        raise InputError(file, "case.notes", "expected a table of notes", notes)

    domains = _domains(file, doc)
    dom_ids = [d.id for d in domains]
    cities = _cities(file, doc)
    city_ids = [x.id for x in cities]
    opener_domains = _openers(file, doc, dom_ids)
    zones = _zones(file, doc, dom_ids, city_ids)
    years = list(range(start[0], end[0] + 1))
    plan = c.get("plan", True)
    if not isinstance(plan, bool):
        raise InputError(file, "case.plan", "expected true or false (false: a region without a plan of its own, "
                         "with no targets)", plan)
    if plan:
        targets = _targets(file, doc, years, dom_ids)
    elif doc.get("targets", []) != []:
        raise InputError(file, "targets", "a case without a plan (case.plan = false) has no targets: give "
                         "targets = [] or none", "[[targets]]")
    else:
        targets = []
    params = _params(file, doc)
    pulses = _pulses(file, doc, start, end)

    return Case(
        path=file, id=cid, name_zh=_str(file, c, "name_zh", "case."), name_en=_str(file, c, "name_en", "case."),
        document=_str(file, c, "document", "case.", optional=True), start=start, end=end, part_year=part_year,
        domains=tuple(domains), cities=tuple(cities), opener_domains=MappingProxyType(opener_domains),
        industry_zones=tuple(zones), targets=tuple(targets), params=MappingProxyType(params),
        notes=MappingProxyType(dict(notes)), major_pulses=pulses, plan=plan,
        document_zh=_str(file, c, "document_zh", "case.", optional=True),
    )


def _pulses(file, doc, start, end) -> tuple:
    """``[[major_pulses]]`` (optional): months when major projects or dated events open a number of
    comprehensive major scenarios at once, each with its source."""
    rows = doc.get("major_pulses", [])
    if not isinstance(rows, list):
        raise InputError(file, "major_pulses", "expected an array of tables [[major_pulses]]", rows)
    out = []
    for i, r in enumerate(rows):
        where = f"major_pulses[{i}]."
        if not isinstance(r, dict):
            raise InputError(file, f"major_pulses[{i}]", "expected a table", r)
        check_keys(file, r, ("month", "count", "source"), where)
        month = _month(file, where + "month", _need(file, r, "month", str, 'a month "YYYY-MM"', where))
        if not (start <= month <= end):
            raise InputError(file, where + "month", "must lie within the case's horizon", r["month"])
        count = _need(file, r, "count", int, "a whole number of scenarios", where)
        if not 0 <= count <= 1000:
            raise InputError(file, where + "count", "must be between 0 and 1000", count)
        out.append((month, int(count), _str(file, r, "source", where)))
    return tuple(out)


def _table_list(file, doc, key, what):
    rows = _need(file, doc, key, list, f"an array of tables [[{key}]] ({what})")
    if not rows:
        raise InputError(file, key, f"needs at least one entry ({what})")
    for i, r in enumerate(rows):
        if not isinstance(r, dict):
            raise InputError(file, f"{key}[{i}]", "expected a table", r)
    return rows


def _ident(file, where, v):
    if not isinstance(v, str) or not v or not v.replace("_", "").isalnum():
        raise InputError(file, where, "expected an identifier (letters, digits, underscores)", v)
    return v


def _unique(file, key, ids):
    seen = set()
    for i, x in enumerate(ids):
        if x in seen:
            raise InputError(file, f"{key}[{i}].id", "duplicate id", x)
        seen.add(x)


def _weights_sum(file, key, rows, col):
    total = sum(r[col] for r in rows)
    if total <= 0:
        raise InputError(file, f"{key}[*].{col}", "weights must not all be zero", total)


def _columns_table(file, doc, key, cols):
    t = _need(file, doc, key, dict, f"a [{key}] table giving unit and source of {', '.join(cols)}")
    check_keys(file, t, cols, f"{key}.")
    for col in cols:
        e = _need(file, t, col, dict, "a table {unit = …, source = …}", f"{key}.")
        check_keys(file, e, ("unit", "source"), f"{key}.{col}.")
        _str(file, e, "unit", f"{key}.{col}.")
        _str(file, e, "source", f"{key}.{col}.")
    return t


def _domains(file, doc) -> list[Domain]:
    rows = _table_list(file, doc, "domains", "the key domains")
    _columns_table(file, doc, "domain_columns", ("weight", "public_share", "regulated", "data_dependent"))
    out = []
    for i, r in enumerate(rows):
        w = f"domains[{i}]."
        check_keys(file, r, ("id", "zh", "en", "weight", "public_share", "regulated", "data_dependent", "category"), w)
        flags = {}
        for flag in ("regulated", "data_dependent"):
            flags[flag] = r.get(flag, False)
            if not isinstance(flags[flag], bool):
                raise InputError(file, w + flag, "expected true or false", flags[flag])
        out.append(Domain(
            id=_ident(file, w + "id", r.get("id")), zh=_str(file, r, "zh", w), en=_str(file, r, "en", w),
            weight=_num(file, r, "weight", w, 0.0), public_share=_num(file, r, "public_share", w, 0.0, 1.0),
            category=_str(file, r, "category", w, optional=True), **flags))
    _unique(file, "domains", [d.id for d in out])
    _weights_sum(file, "domains", [d.__dict__ for d in out], "weight")
    return out


def _cities(file, doc) -> list[City]:
    rows = _table_list(file, doc, "cities", "the prefecture-level cities")
    _columns_table(file, doc, "city_columns", ("weight",))
    out = []
    for i, r in enumerate(rows):
        w = f"cities[{i}]."
        check_keys(file, r, ("id", "zh", "en", "weight", "plan_named"), w)
        pn = r.get("plan_named", False)
        if not isinstance(pn, bool):
            raise InputError(file, w + "plan_named", "expected true or false", pn)
        out.append(City(id=_ident(file, w + "id", r.get("id")), zh=_str(file, r, "zh", w), en=_str(file, r, "en", w),
                        weight=_num(file, r, "weight", w, 0.0), plan_named=pn))
    _unique(file, "cities", [x.id for x in out])
    _weights_sum(file, "cities", [x.__dict__ for x in out], "weight")
    return out


def _domain_list(file, key, v, dom_ids) -> tuple[str, ...]:
    if not isinstance(v, list) or not v:
        raise InputError(file, key, "expected a non-empty list of domain ids", v)
    for j, d in enumerate(v):
        if d not in dom_ids:
            raise InputError(file, f"{key}[{j}]", f"unknown domain; allowed: {', '.join(dom_ids)}", d)
    return tuple(v)


def _openers(file, doc, dom_ids) -> dict:
    t = _need(file, doc, "openers", dict, "an [openers] table giving the domains of soe, leader and base openers")
    kinds = ("soe", "leader", "base")
    check_keys(file, t, kinds, "openers.")
    out = {}
    for k in kinds:
        e = _need(file, t, k, dict, "a table {domains = [...], source = ...}", "openers.")
        check_keys(file, e, ("domains", "source"), f"openers.{k}.")
        out[k] = _domain_list(file, f"openers.{k}.domains", e.get("domains"), dom_ids)
        _str(file, e, "source", f"openers.{k}.")
    return out


def _zones(file, doc, dom_ids, city_ids) -> list[IndustryZone]:
    rows = doc.get("industry_zones", [])
    if not isinstance(rows, list):
        raise InputError(file, "industry_zones", "expected an array of tables [[industry_zones]]", rows)
    out = []
    for i, r in enumerate(rows):
        w = f"industry_zones[{i}]."
        if not isinstance(r, dict):
            raise InputError(file, f"industry_zones[{i}]", "expected a table", r)
        check_keys(file, r, ("id", "zh", "en", "city", "domains", "plan_named"), w)
        city = r.get("city")
        if city not in city_ids:
            raise InputError(file, w + "city", f"unknown city; allowed: {', '.join(city_ids)}", city)
        pn = r.get("plan_named", False)
        if not isinstance(pn, bool):
            raise InputError(file, w + "plan_named", "expected true or false", pn)
        out.append(IndustryZone(id=_ident(file, w + "id", r.get("id")), zh=_str(file, r, "zh", w),
                                en=_str(file, r, "en", w), city=city,
                                domains=_domain_list(file, w + "domains", r.get("domains"), dom_ids), plan_named=pn))
    _unique(file, "industry_zones", [z.id for z in out])
    clash = set(z.id for z in out) & set(city_ids)
    if clash:
        raise InputError(file, "industry_zones", "zone ids must differ from city ids (each city is a comprehensive zone candidate)", sorted(clash)[0])
    return out


_LAST_BRACKET = re.compile(r"[（(]([^（）()]*)[）)]\s*$")


def name_without_unit(name: str, unit: str) -> str | None:
    """A target's name without the unit its metric is counted in, if its last bracket gives it — the unit
    itself or a number in it, e.g. "为企业提供场景服务（每年，次）" → "为企业提供场景服务（每年）" and
    "Scenario services to firms (per year, services)" → "Scenario services to firms (per year)" for a
    metric counted in 次/services — else None. Figures and tables add the unit to the name themselves
    (:func:`sim.report.figures.axis_label`), so a name that gives it shows it twice."""
    m = _LAST_BRACKET.search(name)
    if m is None:
        return None
    u = unit.casefold()

    def gives(item: str) -> bool:
        item = item.strip().casefold()
        return item == u or (item.endswith(u) and re.search(r"\d\s*$", item[:-len(u)]) is not None)

    items = re.split(r"[，、；;]|,(?!\d{3})", m.group(1))  # not the comma of "1,000"
    keep = [x.strip() for x in items if not gives(x)]
    if len(keep) == len(items):
        return None
    head = name[:m.start()].rstrip()
    if not keep:
        return head
    return head + (f"（{'，'.join(keep)}）" if m.group(0)[0] == "（" else f" ({', '.join(keep)})")


def _targets(file, doc, years, dom_ids) -> list[Target]:
    rows = _table_list(file, doc, "targets", "the plan's targets")
    out = []
    for i, r in enumerate(rows):
        w = f"targets[{i}]."
        check_keys(file, r, ("id", "text", "zh", "en", "metric", "kind", "threshold", "years", "tier", "domain"), w)
        metric = r.get("metric")
        if not isinstance(metric, str) or metric not in METRICS or METRICS[metric].kind != "flow":
            flows = [m for m in METRICS if METRICS[m].kind == "flow"]
            hint = did_you_mean(metric, flows)
            raise InputError(file, w + "metric", f"unknown metric{hint}; allowed: {', '.join(flows)}", metric)
        kind = r.get("kind")
        if kind not in TARGET_KINDS:
            raise InputError(file, w + "kind", f"must be one of {', '.join(TARGET_KINDS)}", kind)
        ys = r.get("years")
        if not isinstance(ys, list) or not ys or not all(isinstance(y, int) and not isinstance(y, bool) for y in ys):
            raise InputError(file, w + "years", "expected a non-empty list of years", ys)
        for j, y in enumerate(ys):
            if y not in years:
                raise InputError(file, f"{w}years[{j}]", f"outside the case horizon {years[0]}–{years[-1]}", y)
        tier = r.get("tier")
        if tier is not None and tier not in TIERS:
            raise InputError(file, w + "tier", f"must be one of {', '.join(TIERS)}", tier)
        dom = r.get("domain")
        if dom is not None and dom not in dom_ids:
            raise InputError(file, w + "domain", f"unknown domain; allowed: {', '.join(dom_ids)}", dom)
        if tier is not None and "tier" not in METRICS[metric].dims:
            raise InputError(file, w + "tier", f"metric {metric} has no tier breakdown", tier)
        if dom is not None and "domain" not in METRICS[metric].dims:
            raise InputError(file, w + "domain", f"metric {metric} has no domain breakdown", dom)
        tid, text, names = _ident(file, w + "id", r.get("id")), _str(file, r, "text", w), {}
        for lang, unit in (("zh", METRICS[metric].unit_zh), ("en", METRICS[metric].unit_en)):
            names[lang] = _str(file, r, lang, w)
            bare = name_without_unit(names[lang], unit)
            if bare is not None:
                raise InputError(file, w + lang, f"ends in the unit {unit}, which figures and tables add to a target's "
                                 f"name themselves (metric {metric}); write \"{bare}\"", names[lang])
        out.append(Target(id=tid, text=text, zh=names["zh"], en=names["en"], metric=metric, kind=kind,
                          threshold=_num(file, r, "threshold", w, 0.0), years=tuple(sorted(ys)), tier=tier,
                          domain=dom))
    _unique(file, "targets", [t.id for t in out])
    return out


# -- parameters ----------------------------------------------------------------------------------
def _params(file, doc) -> dict:
    found: dict[str, tuple[str, dict]] = {}

    def walk(t: dict, path: list[str], kind: str):
        for k, v in t.items():
            p = path + [k]
            if _is_entry(v):
                found[".".join(p)] = (kind, v)
            elif isinstance(v, dict):
                walk(v, p, kind)
            else:
                raise InputError(file, f"{SECTION[kind]}." + ".".join(p),
                                 "expected a parameter {value = …, unit = …, range = […], source = …}", v)

    for kind in ("lever", "uncertainty"):
        t = doc.get(SECTION[kind], {})
        if not isinstance(t, dict):
            raise InputError(file, SECTION[kind], "expected a table", t)
        walk(t, [], kind)

    out = {}
    for name, (kind, e) in found.items():
        key = f"{SECTION[kind]}.{name}"
        spec = REGISTRY.lookup(name, file, key, kind=kind, show=spec_path)
        if spec.kind != kind:
            raise InputError(file, key, f"{name} is a{'n' if spec.kind[0] in 'aeiou' else ''} {spec.kind}; "
                             f"put it under [{SECTION[spec.kind]}.{name.rsplit('.', 1)[0]}]")
        check_keys(file, e, ENTRY_KEYS, key + ".")
        for req in ENTRY_KEYS:
            if req not in e:
                raise InputError(file, f"{key}.{req}", f"missing; every parameter needs {', '.join(ENTRY_KEYS)}")
        v = spec.parse(e["value"], file, f"{key}.value")
        unit = e["unit"]
        if unit != spec.unit:
            raise InputError(file, f"{key}.unit", f'does not match the parameter\'s unit "{spec.unit}"', unit)
        rng = e["range"]
        if not isinstance(rng, list) or len(rng) != 2:
            raise InputError(file, f"{key}.range", "expected [low, high]", rng)
        lo = spec.parse(rng[0], file, f"{key}.range[0]")
        hi = spec.parse(rng[1], file, f"{key}.range[1]")
        if spec.dtype is not bool:
            if lo > hi:
                raise InputError(file, f"{key}.range", "low must not exceed high", rng)
            if not (lo <= v <= hi):
                raise InputError(file, f"{key}.value", f"must lie inside its range [{rng[0]}, {rng[1]}]", e["value"])
        src = e["source"]
        if not isinstance(src, str) or not src.strip():
            raise InputError(file, f"{key}.source", "expected a non-empty string: a document, a figure of docs/sources.md, "
                             "or \"assumed — uncertain\"", src)
        out[name] = ParamValue(v, lo, hi, src.strip(), unit)

    for spec in REGISTRY:
        if spec.name not in out:
            raise InputError(file, spec.toml_path, "missing; every parameter needs a value, unit, range and source "
                             "(see docs/parameters.md)")
    return {p.name: out[p.name] for p in REGISTRY}  # registry order


def spec_path(name: str) -> str:
    return REGISTRY[name].toml_path


def parse_assignment(text: str) -> tuple[str, object]:
    """Parse ``name=value`` from the command line (value as TOML: 1e8, 0.5, true)."""
    if "=" not in text:
        raise InputError("--set", None, "expected NAME=VALUE, e.g. vouchers.share=0.6", text)
    name, raw = text.split("=", 1)
    name, raw = name.strip(), raw.strip()
    spec = REGISTRY.lookup(name, "--set")
    if "\n" in raw or "\r" in raw:
        raise InputError("--set", name, "a value is one line", raw)
    try:
        value = parse_toml(f"v = {raw}", "--set")["v"]
    except InputError:
        raise InputError("--set", name, f"expected {spec.allowed()}, written as in TOML (e.g. 0.6, 1e8, "
                         "60_000_000, true)", raw) from None
    return name, spec.parse(value, "--set", name)
