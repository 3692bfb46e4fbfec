"""Experiment specs: a sweep as data (TOML in ``experiments/``), validated once at the boundary.

A spec names a case, the parameters that vary (registry names, with a range or a list of values),
parameter overrides applied to every run, a design, replicates per design point, the outcomes to
keep and a seed. :func:`load_spec` turns a file into an :class:`ExperimentSpec` or raises
:class:`~sim.base.errors.InputError` with one line naming the file, the key, the value and what is
allowed, e.g.::

    experiments/x.toml: vary.vouchers.share.range = [0, 2]: must be a number between 0 and 1

The full format, with every key, is in ``docs/sweeps.md``.

Why this module is long: it is the whole sweep-spec schema (experiment, vary, fixed, design,
outcomes) with its checks and one-line messages, in the order a spec is written.
"""

from __future__ import annotations

import math
import hashlib
import json
from dataclasses import dataclass, field

from sim.core.case import Case, check_keys, check_spec_kind, load_case
from sim.core.national_case import (FLOW_PARAMS, FLOW_PREFIX, REGION_PREFIX, is_national, load_national, region_setting,
                                    setting_param)
from sim.base.errors import InputError, did_you_mean
from sim.base.tomlfile import check_path, confine, parse_toml, read_text
from sim.core.registry import REGISTRY

DESIGNS = ("grid", "lhs", "sobol", "morris", "crossed", "oat")
SUB_DESIGNS = ("grid", "lhs")  # what each side of a crossed design may be
OUTCOME_GROUPS = {"targets": "target.", "metrics": "metric.", "fiscal": "fiscal.", "levers": "lever."}
TOP_KEYS = ("experiment", "design", "vary", "fixed", "outcomes", "sensitivity", "optimise")
ANALYSIS_KEYS = ("sensitivity", "optimise")  # settings of analysis commands: kept raw, validated there
DUMMY = "dummy"  # a factor sampled with the others that no run reads (design.dummy = true)
EXPERIMENT_KEYS = ("id", "description", "case", "region", "seed", "replicates", "common_random_numbers")
FACTOR_KEYS = ("range", "values", "levels")
DESIGN_KEYS = {
    "grid": ("kind", "levels"),
    "lhs": ("kind", "points", "dummy"),
    "sobol": ("kind", "points", "second_order", "dummy"),
    "morris": ("kind", "trajectories", "levels", "dummy"),
    "oat": ("kind",),
    "crossed": ("kind", "policies", "scenarios"),
}
DEFAULT_GRID_LEVELS = 3
DEFAULT_MORRIS_LEVELS = 4
MAX_RUNS = 10_000_000  # a sweep's runs; checked by arithmetic before any design point exists
MAX_LEVELS = 10_000  # grid levels or listed values of one factor (a list this long is a typo, not a design)
MAX_SEED = 2 ** 63 - 1


@dataclass(frozen=True)
class Factor:
    """A varied parameter: a range ``[lo, hi]`` or an explicit list of ``values``."""

    name: str
    kind: str  # "lever" | "uncertainty" (from the registry) | "dummy" (read by no run)
    dtype: type  # float | int | bool
    lo: object = None
    hi: object = None
    values: tuple | None = None
    levels: int | None = None  # grid levels over the range (None: the design's default)
    base: object = None  # its value when not varied, if not a case parameter (a national case's flow)

    def __repr__(self) -> str:
        what = f"values={list(self.values)}" if self.values is not None else f"range=[{self.lo}, {self.hi}]"
        return f"Factor({self.name!r}, {what})"

    def from_unit(self, u):
        """Map coordinates ``u`` in [0, 1] (an array) to parameter values of this factor's type.

        A list of k values, an integer range of k integers and a bool (k = 2) are cut into k equal
        strata, so each value is equally likely under a uniform ``u``; a float range is linear."""
        import numpy as np

        u = np.asarray(u, dtype=float)
        if self.values is not None:
            k = len(self.values)
            idx = np.minimum((u * k).astype(np.int64), k - 1)
            return np.array(self.values, dtype=object if self.dtype is bool else self.dtype)[idx].astype(self.dtype)
        if self.dtype is bool:
            return u >= 0.5
        if self.dtype is int:
            width = int(self.hi) - int(self.lo)
            return int(self.lo) + np.minimum((u * (width + 1)).astype(np.int64), width)
        return self.lo + u * (self.hi - self.lo)

    def n_grid_values(self, default_levels: int) -> int:
        """How many levels :meth:`grid_values` gives, without making them (a grid's size is checked
        before anything is allocated)."""
        if self.values is not None:
            return len(self.values)
        if self.dtype is bool:
            return 2
        levels = self.levels or default_levels
        if self.dtype is int and levels <= MAX_LEVELS:  # rounding may merge levels: count them
            return len(self.grid_values(default_levels))
        return levels

    def grid_values(self, default_levels: int) -> list:
        """The levels of this factor in a full-factorial grid (rounded and de-duplicated for integers)."""
        import numpy as np

        if self.values is not None:
            return list(self.values)
        if self.dtype is bool:
            return [False, True]
        levels = self.levels or default_levels
        pts = np.linspace(float(self.lo), float(self.hi), levels)
        if self.dtype is int:
            return list(dict.fromkeys(int(round(x)) for x in pts))
        return [float(x) for x in pts]


@dataclass(frozen=True)
class Design:
    """How design points are drawn: ``kind`` and its settings (see ``DESIGN_KEYS``)."""

    kind: str
    levels: int | None = None  # grid: default levels; morris: number of levels
    points: int | None = None  # lhs: points; sobol: base sample N (a power of 2)
    second_order: bool = False  # sobol
    trajectories: int | None = None  # morris
    policies: Design | None = None  # crossed: the design over the levers
    scenarios: Design | None = None  # crossed: the design over the uncertainties
    dummy: bool = False  # lhs, sobol, morris: sample one more factor, "dummy", that no run reads
    table: tuple | None = None  # "table" (made by programs, e.g. scensim optimise): the points' values

    def as_dict(self) -> dict:
        out = {"kind": self.kind}
        if self.dummy:
            out["dummy"] = True
        if self.table is not None:
            out["table"] = [list(r) for r in self.table]
        for k in ("levels", "points", "trajectories"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        if self.kind == "sobol":
            out["second_order"] = self.second_order
        if self.kind == "crossed":
            out["policies"] = self.policies.as_dict()
            out["scenarios"] = self.scenarios.as_dict()
        return out


@dataclass(frozen=True)
class ExperimentSpec:
    """A validated experiment spec. ``case`` already has the ``fixed`` overrides applied."""

    path: str
    text: str
    id: str
    description: str
    case_path: str
    case: Case = field(repr=False)
    seed: int
    replicates: int
    design: Design
    factors: tuple[Factor, ...]
    fixed: dict
    outcome_columns: tuple[str, ...]  # scalar outcomes kept, in run_outcomes order
    series: bool
    common_random_numbers: bool = False  # every point's replicate r uses the same seed
    analysis: dict = field(default_factory=dict, repr=False, compare=False)  # raw [sensitivity], [optimise]
    # A sweep of a national case (docs/sweeps.md "A national case"): the whole national case, with the
    # ``fixed`` flows and region parameters applied, and the region whose outcomes the runs keep;
    # ``case`` is then that region's case as it runs inside the national one.
    national: object = field(default=None, repr=False)
    region: str = ""

    @property
    def model_factors(self) -> tuple[Factor, ...]:
        """The factors runs read (every factor but the dummy)."""
        return tuple(f for f in self.factors if f.kind != "dummy")

    def __repr__(self) -> str:
        return (f"ExperimentSpec({self.id!r}, {self.design.kind}, factors={[f.name for f in self.factors]}, "
                f"replicates={self.replicates}, seed={self.seed})")

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def identity(self) -> dict:
        """What determines the runs — the whole resolved case (every section, every parameter value), the
        spec's settings and the model's code (:func:`~sim.base.files.model_code_sha256`): two specs with
        the same identity give the same runs table, and a resume with another identity is refused."""
        from sim.base.files import model_code_sha256

        out = {
            "case": case_identity(self.case),
            "model_code": model_code_sha256(),
            "seed": self.seed,
            "common_random_numbers": self.common_random_numbers,
            "replicates": self.replicates,
            "design": self.design.as_dict(),
            "factors": [{"name": f.name, "lo": f.lo, "hi": f.hi,
                         "values": list(f.values) if f.values is not None else None, "levels": f.levels}
                        for f in self.factors],
            "outcomes": list(self.outcome_columns),
            "series": self.series,
        }
        if self.national is not None:
            out["national"] = national_identity(self.national, self.region)
        return out

    def identity_sha256(self) -> str:
        text = json.dumps(self.identity(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def case_identity(case: Case) -> dict:
    """Every part of a case that can change a run, section by section (names and sources too: a
    different case is a different experiment)."""
    import dataclasses

    def rows(items):
        return [dataclasses.asdict(x) for x in items]

    return {
        "id": case.id,
        "horizon": [list(case.start), list(case.end), case.part_year],
        "domains": rows(case.domains),
        "cities": rows(case.cities),
        "openers": {k: list(v) for k, v in case.opener_domains.items()},
        "industry_zones": rows(case.industry_zones),
        "targets": rows(case.targets),
        "parameters": {k: v.value for k, v in case.params.items()},
        "notes": dict(case.notes),
    }


def national_identity(national, region: str) -> dict:
    """Every part of a national case that can change a region's runs: each region's case, the flows,
    the shared fields and the alliance, and the region kept."""
    return {
        "id": national.id,
        "horizon": [list(national.start), list(national.end)],
        "region": region,
        "regions": [{"id": r.id, "case": case_identity(r.case), "alliance_cities": list(r.alliance_cities)}
                    for r in national.regions],
        "flows": {k: v.value for k, v in national.flows.items()},
        "domains": [[d, [list(m) for m in members]] for d, members in national.domains],
    }


# ------------------------------------------------------------------------------------------------
def load_spec(path, allow_outside: bool = False) -> ExperimentSpec:
    """Read and validate an experiment spec (the case it names is loaded and checked too).
    ``allow_outside`` lets ``experiment.case`` name a file outside the spec's folder tree and the
    project's ``scenarios/``. The number of runs is checked before anything is allocated."""
    path = check_path(path, None, None, "the path of an experiment spec")
    file = str(path)
    text = read_text(path, "experiment spec", "experiments/voucher_sweep.toml")
    doc = parse_toml(text, file)

    check_spec_kind(file, doc, "scensim sweep", "an experiment spec with [experiment], [design] and [vary] "
                    "(docs/sweeps.md)")
    check_keys(file, doc, TOP_KEYS, "")
    ex = _table(file, doc, "experiment", required=True)
    check_keys(file, ex, EXPERIMENT_KEYS, "experiment.")
    exp_id = _string(file, ex, "id", "experiment.")
    if not exp_id.replace("_", "").replace("-", "").isalnum():
        raise InputError(file, "experiment.id", "must be letters, digits, '-' and '_' (it names the output folder)", exp_id)
    description = _string(file, ex, "description", "experiment.", optional=True)
    case_rel = _string(file, ex, "case", "experiment.")
    check_path(case_rel, file, "experiment.case", "the path of a case file")
    case_path = path.parent / case_rel
    confine(case_path, path, file, "experiment.case", allow_outside, case_rel)
    if not case_path.is_file():
        raise InputError(file, "experiment.case", "no such case file (the path is relative to the spec)", case_rel)
    seed = _int(file, ex, "seed", "experiment.", lo=0, hi=MAX_SEED)
    replicates = _int(file, ex, "replicates", "experiment.", lo=1, default=1, hi=MAX_RUNS)
    crn = ex.get("common_random_numbers", False)
    if not isinstance(crn, bool):
        raise InputError(file, "experiment.common_random_numbers", "expected true or false", crn)

    national, region = _national(file, ex, case_path, allow_outside)
    case = national.regions[national.region_index(region)].case if national else load_case(case_path, allow_outside=allow_outside)
    fixed = _fixed(file, _table(file, doc, "fixed"), national, region)
    if fixed:
        try:
            if national is not None:
                national = national.with_settings(region, fixed, origin=f"{file} [fixed]")
                case = national.regions[national.region_index(region)].case
            else:
                case = case.with_params(fixed, origin=f"{file} [fixed]")
        except InputError as e:  # with_params names the origin, not the key: re-point it at the spec
            raise InputError(file, f"fixed.{e.key}", e.allowed, e.value) from None

    factors = _factors(file, _table(file, doc, "vary", required=True), case, fixed, national, region)
    design = _design(file, _table(file, doc, "design", required=True), "design.", factors, top=True)
    if design.dummy:
        if any(f.name == DUMMY for f in factors):
            raise InputError(file, "design.dummy", f"a factor is already named {DUMMY!r}", True)
        factors.append(Factor(DUMMY, "dummy", float, lo=0.0, hi=1.0))
    total = _count(design, factors) * replicates  # arithmetic only: nothing the size of the sweep exists yet
    if total > MAX_RUNS:
        raise InputError(file, "experiment.replicates", f"the sweep would have {total:,} runs; at most "
                         f"{MAX_RUNS:,} are allowed (fewer points or replicates)", replicates)
    outcome_columns, series = _outcomes(file, _table(file, doc, "outcomes"), case)
    analysis = {k: _table(file, doc, k) for k in ANALYSIS_KEYS if k in doc}
    return ExperimentSpec(path=file, text=text, id=exp_id, description=description, case_path=str(case_path),
                          case=case, seed=seed, replicates=replicates, design=design, factors=tuple(factors),
                          fixed=fixed, outcome_columns=tuple(outcome_columns), series=series,
                          common_random_numbers=crn, analysis=analysis, national=national, region=region or "")


def _national(file, ex: dict, case_path, allow_outside: bool):
    """The national case and the region kept, if ``experiment.case`` is a national case file; else
    (None, None), and ``experiment.region`` must be absent."""
    region = ex.get("region")
    if not is_national(case_path):
        if region is not None:
            raise InputError(file, "experiment.region", "only for a national case (a case file with [case] "
                             'kind = "national"); this spec\'s case is a single region', region)
        return None, None
    national = load_national(case_path, allow_outside=allow_outside)
    ids = [r.id for r in national.regions]
    if region is None:
        raise InputError(file, "experiment.region", "missing; a sweep of a national case keeps one region's "
                         f"outcomes: one of {', '.join(ids)}")
    if region not in ids:
        raise InputError(file, "experiment.region", f"must be one of the national case's regions: {', '.join(ids)}",
                         region)
    return national, region


def n_points(spec: ExperimentSpec) -> int:
    """Number of design points, without drawing them."""
    return _count(spec.design, list(spec.factors))


def _count(d: Design, factors: list[Factor]) -> int:
    D = len(factors)
    if d.kind == "grid":
        return math.prod(f.n_grid_values(d.levels) for f in factors)
    if d.kind == "lhs":
        return d.points
    if d.kind == "sobol":
        return d.points * (2 * D + 2 if d.second_order else D + 2)
    if d.kind == "morris":
        return d.trajectories * (D + 1)
    if d.kind == "oat":
        return 1 + 2 * D
    if d.kind == "table":
        return len(d.table)
    levers = [f for f in factors if f.kind == "lever"]
    uncertainties = [f for f in factors if f.kind == "uncertainty"]
    return _count(d.policies, levers) * _count(d.scenarios, uncertainties)



# -- small readers ---------------------------------------------------------------------------------
def _table(file, doc: dict, key: str, required: bool = False, where: str = "") -> dict:
    if key not in doc:
        if required:
            raise InputError(file, f"{where}{key}", f"missing; expected a [{where}{key}] table (see docs/sweeps.md)")
        return {}
    v = doc[key]
    if not isinstance(v, dict):
        raise InputError(file, f"{where}{key}", "expected a table", v)
    return v


def _string(file, doc, key, where, optional=False) -> str:
    if key not in doc:
        if optional:
            return ""
        raise InputError(file, f"{where}{key}", "missing; expected a string")
    v = doc[key]
    if not isinstance(v, str) or (not v.strip() and not optional):
        raise InputError(file, f"{where}{key}", "expected a non-empty string", v)
    return v


def _int(file, doc, key, where, lo=None, default=None, hi=None) -> int:
    what = "a whole number" + (f" >= {lo}" if lo is not None else "") + (f" and <= {hi:,}" if hi is not None else "")
    if key not in doc:
        if default is not None:
            return default
        raise InputError(file, f"{where}{key}", f"missing; expected {what}")
    v = doc[key]
    if isinstance(v, bool) or not isinstance(v, int):
        raise InputError(file, f"{where}{key}", f"expected {what}", v)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise InputError(file, f"{where}{key}", f"must be {what}", v)
    return v


def _param(file, key: str, name: str, national=None, region: str | None = None):
    """The registry entry for ``name`` (or, in a sweep of a national case, a flow ``flows.<name>`` or
    another region's parameter ``regions.<id>.<parameter>``), or an error with a did-you-mean suggestion."""
    if isinstance(name, str) and name.startswith(FLOW_PREFIX):
        if national is None:
            raise InputError(file, key, "the cross-region flows belong to a national case; this spec's case is a "
                             "single region (name a national case file in experiment.case)")
        if name not in FLOW_PARAMS:
            raise InputError(file, key, f"unknown flow{did_you_mean(name, list(FLOW_PARAMS))}; allowed: "
                             f"{', '.join(FLOW_PARAMS)}")
        return FLOW_PARAMS[name]
    if isinstance(name, str) and name.startswith(REGION_PREFIX):
        if national is None:
            raise InputError(file, key, "regions.<id>.<parameter> names another region of a national case; this "
                             "spec's case is a single region (name a national case file in experiment.case)")
        ids = [r.id for r in national.regions]
        rid, pname = region_setting(name) or (name[len(REGION_PREFIX):], "")
        if rid not in ids:
            raise InputError(file, key, f"unknown region{did_you_mean(rid, ids)}; the national case's regions: "
                             f"{', '.join(ids)}", rid)
        if rid == region:
            raise InputError(file, key, f"{rid} is the region this sweep keeps (experiment.region): name its "
                             f"parameters without the prefix, e.g. {pname or 'vouchers.share'}")
        if not pname:
            raise InputError(file, key, f"expected regions.{rid}.<parameter>, e.g. regions.{rid}.vouchers.share")
        REGISTRY.lookup(pname, file, key)  # an unknown parameter: the registry's did-you-mean
        return setting_param(name)
    return REGISTRY.lookup(name, file, key)


def _current(name: str, case: Case, national):
    """The value and range a parameter has in the spec's case (a flow: in the national case; another
    region's parameter: in that region's case)."""
    if name.startswith(FLOW_PREFIX):
        return national.flows[name[len(FLOW_PREFIX):]]
    rp = region_setting(name)
    if rp is not None:
        return national.regions[national.region_index(rp[0])].case.params[rp[1]]
    return case.params[name]


def _national_only(name: str) -> bool:
    """Whether a name exists only in a national case (a flow, another region's parameter), so that a
    factor's base value comes from there rather than from the kept region's case."""
    return name.startswith(FLOW_PREFIX) or region_setting(name) is not None


def _leaves(t: dict, is_leaf, path=()) -> list[tuple[str, object]]:
    """(dotted name, value) for every leaf of a nested table: ``vouchers.share = …`` and
    ``"vouchers.share" = …`` both name ``vouchers.share``."""
    out = []
    for k, v in t.items():
        p = path + (k,)
        if is_leaf(v):
            out.append((".".join(p), v))
        else:
            out += _leaves(v, is_leaf, p)
    return out


# -- sections ------------------------------------------------------------------------------------
def _fixed(file, t: dict, national=None, region: str | None = None) -> dict:
    """``[fixed]``: parameter overrides for every run (validated against the registry, or the flows and
    other regions' parameters of a national case)."""
    out = {}
    for name, v in _leaves(t, lambda v: not isinstance(v, dict)):
        key = f"fixed.{name}"
        out[name] = _param(file, key, name, national, region).parse(v, file, key)
    return out


def _is_factor(v) -> bool:
    return not isinstance(v, dict) or not v or any(k in v for k in FACTOR_KEYS)


def _factors(file, t: dict, case: Case, fixed: dict, national=None, region: str | None = None) -> list[Factor]:
    """``[vary]``: each entry ``name = { range = [lo, hi] }``, ``{ values = [...] }`` or ``{}``
    (the case's range); ``levels`` sets grid levels for a range."""
    out = []
    for name, e in _leaves(t, _is_factor):
        key = f"vary.{name}"
        p = _param(file, key, name, national, region)
        base = _current(name, case, national).value if _national_only(name) else None
        if not isinstance(e, dict):
            raise InputError(file, key, "expected a table { range = [low, high] } or { values = [...] } "
                             "(or {} for the case's range)", e)
        check_keys(file, e, FACTOR_KEYS, key + ".")
        if name in fixed:
            raise InputError(file, key, "is also set under [fixed]; a parameter either varies or is fixed")
        if "range" in e and "values" in e:
            raise InputError(file, key, "give either range or values, not both")
        levels = None
        if "levels" in e:
            if "values" in e or p.dtype is bool:
                raise InputError(file, f"{key}.levels", "only applies to a range of numbers", e["levels"])
            levels = _int(file, e, "levels", key + ".", lo=2, hi=MAX_LEVELS)
        if "values" in e:
            vals = e["values"]
            if not isinstance(vals, list) or not vals:
                raise InputError(file, f"{key}.values", f"expected a non-empty list of values, each {p.allowed()}", vals)
            if len(vals) > MAX_LEVELS:
                raise InputError(file, f"{key}.values", f"at most {MAX_LEVELS:,} values", f"{len(vals):,} values")
            coerced = [p.parse(v, file, f"{key}.values[{i}]") for i, v in enumerate(vals)]
            if len(set(coerced)) != len(coerced):
                raise InputError(file, f"{key}.values", "values must not repeat", vals)
            out.append(Factor(name, p.kind, p.dtype, values=tuple(coerced), base=base))
            continue
        if p.dtype is bool:
            rng = e.get("range", [False, True])
            if not (isinstance(rng, list) and len(rng) == 2 and all(isinstance(x, bool) for x in rng)
                    and set(rng) == {False, True}):
                raise InputError(file, f"{key}.range", "a switch varies over [false, true]; use values = [true] "
                                 "or [fixed] to hold it", rng)
            out.append(Factor(name, p.kind, bool, values=(False, True), base=base))
            continue
        if "range" in e:
            rng = e["range"]
            if not isinstance(rng, list) or len(rng) != 2:
                raise InputError(file, f"{key}.range", "expected [low, high]", rng)
            try:
                lo = p.parse(rng[0], file, f"{key}.range")
                hi = p.parse(rng[1], file, f"{key}.range")
            except InputError:  # show the whole range, as written
                raise InputError(file, f"{key}.range", f"must be {p.allowed()}", rng) from None
            if lo > hi:
                raise InputError(file, f"{key}.range", "low must not exceed high", rng)
        else:
            lo, hi = _current(name, case, national).lo, _current(name, case, national).hi
        if lo == hi:
            raise InputError(file, key, f"the range [{lo}, {hi}] is a single value; put it under [fixed] instead")
        out.append(Factor(name, p.kind, p.dtype, lo=lo, hi=hi, levels=levels, base=base))
    if not out:
        raise InputError(file, "vary", "needs at least one parameter, e.g. vouchers.share = { range = [0.3, 0.6] }")
    return out


def _design(file, t: dict, where: str, factors: list[Factor], top: bool) -> Design:
    allowed = DESIGNS if top else SUB_DESIGNS
    if "kind" not in t:
        raise InputError(file, f"{where}kind", f"missing; one of {', '.join(allowed)}")
    kind = t["kind"]
    if kind not in allowed:
        raise InputError(file, f"{where}kind", f"must be one of {', '.join(allowed)}", kind)
    check_keys(file, t, DESIGN_KEYS[kind], where)
    if kind == "grid":
        return Design("grid", levels=_int(file, t, "levels", where, lo=2, default=DEFAULT_GRID_LEVELS, hi=MAX_LEVELS))
    ranges_only = [f for f in factors if f.levels is not None]
    if ranges_only:
        raise InputError(file, f"vary.{ranges_only[0].name}.levels", f"only applies to a grid design "
                         f"({where}kind is \"{kind}\")", ranges_only[0].levels)
    if kind == "oat":
        return Design("oat")
    dummy = t.get("dummy", False)
    if not isinstance(dummy, bool):
        raise InputError(file, f"{where}dummy", "expected true or false", dummy)
    if kind == "lhs":
        return Design("lhs", points=_int(file, t, "points", where, lo=1, hi=MAX_RUNS), dummy=dummy)
    if kind == "sobol":
        n = _int(file, t, "points", where, lo=1, hi=MAX_RUNS)
        if n & (n - 1):
            raise InputError(file, f"{where}points", "must be a power of 2 (the base sample N of Saltelli's "
                             f"scheme; e.g. {1 << max(0, n.bit_length() - 1)} or {1 << n.bit_length()})", n)
        so = t.get("second_order", False)
        if not isinstance(so, bool):
            raise InputError(file, f"{where}second_order", "expected true or false", so)
        return Design("sobol", points=n, second_order=so, dummy=dummy)
    if kind == "morris":
        return Design("morris", trajectories=_int(file, t, "trajectories", where, lo=2, hi=MAX_RUNS),
                      levels=_int(file, t, "levels", where, lo=2, default=DEFAULT_MORRIS_LEVELS, hi=MAX_LEVELS),
                      dummy=dummy)
    # crossed: policies (levers) × scenarios (uncertainties)
    for side, kind_ in (("policies", "lever"), ("scenarios", "uncertainty")):
        if not [f for f in factors if f.kind == kind_]:
            raise InputError(file, f"{where}kind", f"a crossed design needs at least one {kind_} under [vary] "
                             f"for its {side}", kind)
    pol = _design(file, _table(file, t, "policies", required=True, where=where), f"{where}policies.",
                  [f for f in factors if f.kind == "lever"], top=False)
    scen = _design(file, _table(file, t, "scenarios", required=True, where=where), f"{where}scenarios.",
                   [f for f in factors if f.kind == "uncertainty"], top=False)
    return Design("crossed", policies=pol, scenarios=scen)


def _outcomes(file, t: dict, case: Case) -> tuple[list[str], bool]:
    """``[outcomes]``: ``keep`` lists groups (targets, metrics, fiscal, levers) and/or column names;
    ``series = true`` keeps the monthly series too."""
    check_keys(file, t, ("keep", "series"), "outcomes.")
    keep = t.get("keep", list(OUTCOME_GROUPS))
    if not isinstance(keep, list) or not keep or not all(isinstance(k, str) for k in keep):
        raise InputError(file, "outcomes.keep", f"expected a non-empty list of groups ({', '.join(OUTCOME_GROUPS)}) "
                         "or outcome columns", keep)
    series = t.get("series", False)
    if not isinstance(series, bool):
        raise InputError(file, "outcomes.series", "expected true or false", series)
    columns = outcome_names(case)
    chosen = set()
    for i, k in enumerate(keep):
        if k in OUTCOME_GROUPS:
            chosen.update(c for c in columns if c.startswith(OUTCOME_GROUPS[k]))
        elif k in columns:
            chosen.add(k)
        else:
            hint = did_you_mean(k, list(OUTCOME_GROUPS) + columns)
            raise InputError(file, f"outcomes.keep[{i}]", f"unknown outcome{hint}; allowed: the groups "
                             f"{', '.join(OUTCOME_GROUPS)} or a column of `run_outcomes` (see docs/sweeps.md)", k)
    return [c for c in columns if c in chosen], series


_PROBES: dict = {}


def _probe(case: Case) -> tuple[list[str], list[dict]]:
    """The scalar outcome names of a case, in ``run_outcomes`` order, and its target rows (target,
    period, year, threshold) — read off a model not yet run: both depend only on the case's
    structure, never on a run's values."""
    import pandas as pd

    from sim.core.model import ScenarioMarket
    from sim.engine.runner import run_outcomes

    key = (case.path, case.id, tuple(t.id for t in case.targets), case.start, case.end, case.part_year)
    if key not in _PROBES:
        m = ScenarioMarket(case, seed=0)
        rows = [{"target": r.target, "period": r.period, "year": None if pd.isna(r.year) else int(r.year),
                 "threshold": float(r.threshold)} for r in m.target_table().itertuples(index=False)]
        _PROBES[key] = (list(run_outcomes(m)), rows)
    return _PROBES[key]


def outcome_names(case: Case) -> list[str]:
    """The scalar outcome columns of a case, in ``run_outcomes`` order."""
    return _probe(case)[0]


def target_rows(case: Case) -> list[dict]:
    """The case's evaluated targets: ``{target, period, year, threshold}`` per target and period."""
    return _probe(case)[1]


def is_met_column(name: str) -> bool:
    return name.startswith("target.") and name.endswith(".met")

