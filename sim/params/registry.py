"""The one registry of named model parameters.

Each parameter is declared once, here (core mechanisms) or in its lever's module (``sim/levers/``):
its name, whether it is a *lever* (what government chooses) or an *uncertainty* (what nobody
controls), its type, unit, hard bounds, and Chinese and English labels. The case file supplies, for
every parameter, a value, a plausible range and a source; the loader checks them against this
registry. The CLI's ``--set``, the sweeps, the report and the app read the same registry.

Every value from outside — a case file, ``--set``, a sweep spec, a comparison, EMA Workbench —
goes through :meth:`Param.parse` (type-exact: no strings for numbers or switches, a switch is not a
number, finite, inside the hard bounds; an integer parameter accepts a whole float such as ``3.0``)
and names through :meth:`Registry.lookup` (an unknown name gets the closest known one suggested).
Counts, rates of arrival and money carry finite upper bounds: a value is a promise of memory (a
population of 10¹² firms would ask for terabytes) and, past a point, of nonsense.

Parameter names are dotted: ``vouchers.share``. In a case file a parameter lives at
``<kind>s.<name>``, e.g. ``[levers.vouchers] share = {...}`` or
``[uncertainties.pilot.duration_months] major = {...}``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.base import numbers
from sim.base.errors import InputError, did_you_mean
from sim.base.vocab import OPENER_KINDS, OPENER_LABELS, SUPPLIER_KINDS, SUPPLIER_LABELS, TIER_LABELS, TIERS

KINDS = ("lever", "uncertainty")
SECTION = {"lever": "levers", "uncertainty": "uncertainties"}  # where each kind lives in a case file
INF = float("inf")
# No number from outside is larger in size than this, whatever a parameter's own bounds (1e15 CNY is
# about 200 times China's GDP): a bound that keeps every sum and product of the model finite.
MAX_ABS = 1e15


@dataclass(frozen=True)
class Param:
    """A named model parameter: its type, unit, hard bounds and labels (values come from a case)."""

    name: str
    kind: str  # "lever" | "uncertainty"
    dtype: type  # float | int | bool
    unit: str
    bounds: tuple = (-INF, INF)  # inclusive hard bounds; any case value must lie inside (see limits)
    label_en: str = ""
    label_zh: str = ""
    doc: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind must be one of {KINDS}")

    @property
    def limits(self) -> tuple:
        """The bounds a value must lie inside: ``bounds`` cut to ±``MAX_ABS``."""
        lo, hi = self.bounds
        return max(lo, -MAX_ABS), min(hi, MAX_ABS)

    @property
    def toml_path(self) -> str:
        return f"{SECTION[self.kind]}.{self.name}"

    @property
    def group(self) -> str:
        return self.name.split(".", 1)[0]

    def allowed(self) -> str:
        """What values are allowed, in words (for error messages)."""
        if self.dtype is bool:
            return "true or false"
        what = "an integer" if self.dtype is int else "a number"
        lo, hi = self.limits
        if self.bounds[1] == INF and self.bounds[0] != -INF:  # the cap is a safety limit, not a meaning
            return f"{what} >= {numbers.value(lo)} and <= {numbers.value(hi)}"
        return f"{what} between {numbers.value(lo)} and {numbers.value(hi)}"

    def parse(self, value, file=None, key: str | None = None):
        """``value`` checked and converted to this parameter's type, or :class:`InputError` naming
        ``file`` and ``key`` (default: the parameter's name)."""
        key = self.name if key is None else key
        if self.dtype is bool:
            if isinstance(value, bool):
                return value
            raise InputError(file, key, "expected true or false", value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(file, key, f"expected {self.allowed()}", value)
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(file, key, f"expected {self.allowed()} (a finite number)", value)
        lo, hi = self.limits
        if not (lo <= value <= hi):  # exact for any int, however large
            raise InputError(file, key, f"must be {self.allowed()}", value)
        if self.dtype is int:
            if isinstance(value, float):
                if not value.is_integer():
                    raise InputError(file, key, f"expected {self.allowed()}", value)
                return int(value)
            return value
        return float(value)

    def __repr__(self) -> str:
        return f"Param({self.name!r}, {self.kind}, {self.dtype.__name__}, unit={self.unit!r})"




@dataclass
class Registry:
    """All parameters by name, in declaration order."""

    params: dict[str, Param] = field(default_factory=dict)

    def add(self, *params: Param) -> None:
        for p in params:
            if p.name in self.params:
                raise ValueError(f"parameter {p.name} declared twice")
            self.params[p.name] = p

    def __getitem__(self, name: str) -> Param:
        return self.params[name]

    def __contains__(self, name: str) -> bool:
        return name in self.params

    def __iter__(self):
        return iter(self.params.values())

    def __len__(self) -> int:
        return len(self.params)

    def names(self, kind: str | None = None) -> list[str]:
        return [p.name for p in self if kind is None or p.kind == kind]

    def lookup(self, name, file=None, key: str | None = None, kind: str | None = None, show=None) -> Param:
        """The parameter called ``name``, or :class:`InputError` at ``file``/``key`` suggesting the
        closest name (of ``kind`` if given; ``show`` maps a name to how the file writes it)."""
        if isinstance(name, str) and name in self.params:
            return self.params[name]
        hint = did_you_mean(name, self.names(kind), show)
        raise InputError(file, name if key is None else key,
                         f"unknown parameter{hint}; see docs/parameters.md or `scensim params`")

    def parse(self, name, value, file=None, key: str | None = None):
        """Look up ``name`` and parse ``value`` for it: the one path a named value takes."""
        return self.lookup(name, file, key).parse(value, file, name if key is None else key)


def per(values, make):
    """One parameter per item of ``values`` (tiers, kinds): ``make(item) -> Param``."""
    return [make(v) for v in values]


U, L = "uncertainty", "lever"
SHARE = (0.0, 1.0)
NONNEG = (0.0, INF)
# Money, in CNY: 1e13 (10 trillion) is above the yearly GDP of any province (Hunan ~5e12), so no budget,
# cash or price of a case is meaningfully larger.
MONEY = (0.0, 1e13)
# Monthly arrival rates (Poisson means) of needs per opener and of entering firms: each arrival is a row
# the model keeps for the rest of the horizon, so the rate bounds memory. 500 needs per opener per month
# is far above any plan's figures for one city, and leaves room for an opener that stands for many
# (the national case's rest of China: two city openers for every city outside the three provinces).
RATE = (0.0, 500.0)
# Entrants a month: the base rate's upper bound, and the most a region's entry may reach over all domains
# with its response to opportunities (sim/core/market/population.py: a bound on memory, not evidence)
ENTRY_MAX = 5000.0
TRL = (1.0, 9.0)

# Chinese names of tiers and kinds: the vocabulary's, declared once (sim/base/vocab.py)
_TIER_ZH = {k: zh for k, (zh, _en) in TIER_LABELS.items()}
_SUP_ZH = {k: zh for k, (zh, _en) in SUPPLIER_LABELS.items()}
_OPN_ZH = {k: zh for k, (zh, _en) in OPENER_LABELS.items()}
# and their English names inside a label ("Risk aversion, state-owned enterprise"), not the ids
_TIER_EN, _SUP_EN, _OPN_EN = ({k: en[0].lower() + en[1:] for k, (_zh, en) in labels.items()}
                              for labels in (TIER_LABELS, SUPPLIER_LABELS, OPENER_LABELS))


def core_params() -> list[Param]:
    """Parameters of the core mechanisms (levers declare their own in ``sim/levers``)."""
    P = Param
    ps: list[Param] = []
    # -- population ---------------------------------------------------------------------------
    for k, zh, en in [
        ("startups", "初创企业数", "Startups"),
        ("smes", "专精特新中小企业数", "Little-giant SMEs"),
        ("leaders", "龙头企业(供给方)数", "Leading firms (suppliers)"),
        ("institutes", "高校院所数", "Universities and institutes"),
    ]:
        ps.append(P(f"population.{k}", U, int, "firms", (0, 200_000), en, zh,
                    f"Suppliers of kind {k} at the start, active in scenario innovation."))
    for k, zh, en in [
        ("soes", "开放场景的国有企业数", "SOEs opening scenarios"),
        ("chain_leaders", "开放场景的链主企业数", "Chain-leader firms opening scenarios"),
        ("pilot_bases", "中试基地/概念验证中心数", "Pilot bases and proof-of-concept centres"),
    ]:
        ps.append(P(f"population.{k}", U, int, "openers", (0, 10_000), en, zh,
                    "Openers of this kind (government departments are one per domain, city governments one per city)."))
    ps.append(P("population.domains_per_supplier", U, float, "domains", (1.0, 6.0),
                "Mean domains per supplier", "供给方平均能力领域数",
                "Mean number of domains in which a supplier holds a capability (1 + Poisson, at most 4)."))
    # at most 5,000 a month: over the longest horizon (240 months) 1.2 M entrants, the scale of the
    # 1 M-supplier benchmark (bench/bench_scaling.py) and room for the national case's rest-of-China
    # region (about 1,500 a month); 1e12 would ask for terabytes
    ps.append(P("population.startup_entry_per_month", U, float, "firms/month", (0.0, ENTRY_MAX),
                "Startup entry (base)", "新创企业进入(基础)",
                "New startups entering the province's supplier pool each month whatever the opportunities "
                "(Poisson mean, spread over domains by weight)."))
    ps.append(P("population.entry_per_100m_opportunity", U, float, "firms/month per ¥100 m", (0.0, 1000.0),
                "Entry response to opportunities", "新创企业进入对场景机会的响应",
                "Further entrants a month into a domain per ¥100 m of opportunity value there in the past 12 "
                "months (published scenario budgets plus follow-on revenue kept by suppliers)."))
    ps.append(P("population.exit_idle_months", U, int, "months", (1, 240), "Exit: months without a win",
                "退出：未获项目月数", "A supplier burning cash that has won nothing (no pilot landed, no follow-on "
                "revenue) for this many months gives up if its runway is short."))
    ps.append(P("population.exit_runway_months", U, float, "months", (0.0, 240.0), "Exit: runway",
                "退出：现金可支撑月数", "An idle supplier burning cash gives up when its cash covers fewer than this "
                "many months of its burn."))
    # -- suppliers ------------------------------------------------------------------------------
    ps += per(SUPPLIER_KINDS, lambda k: P(
        f"supply.readiness_mean.{k}", U, float, "TRL", TRL,
        f"Mean readiness, {_SUP_EN[k]}", f"平均技术成熟度({_SUP_ZH[k]})",
        "Mean technology-readiness level (1–9) of a supplier of this kind in each of its domains."))
    ps.append(P("supply.readiness_sd", U, float, "TRL", (0.0, 4.0), "Readiness spread", "成熟度离散度",
                "Standard deviation of readiness across capabilities."))
    ps.append(P("supply.cost_sigma", U, float, "log-units", (0.0, 2.0), "Cost spread", "成本离散度",
                "Log-sd of a capability's delivery cost relative to a scenario's budget (median 1)."))
    ps += per(SUPPLIER_KINDS, lambda k: P(
        f"supply.cash_median_cny.{k}", U, float, "CNY", MONEY,
        f"Median cash, {_SUP_EN[k]}", f"现金中位数({_SUP_ZH[k]})", "Median cash at the start (lognormal)."))
    ps.append(P("supply.cash_sigma", U, float, "log-units", (0.0, 3.0), "Cash spread", "现金离散度",
                "Log-sd of starting cash."))
    ps += per(SUPPLIER_KINDS, lambda k: P(
        f"supply.net_cashflow_cny_per_month.{k}", U, float, "CNY/month", (-1e10, 1e10),  # ±10 bn a month: any firm
        f"Operating cash flow, {_SUP_EN[k]}", f"月经营现金流({_SUP_ZH[k]})",
        "Mean net monthly cash flow from business outside scenario pilots (negative: burn rate). "
        "A supplier whose cash would fall below zero exits."))
    ps += per(SUPPLIER_KINDS, lambda k: P(
        f"supply.cashflow_sd_cny_per_month.{k}", U, float, "CNY/month", (0.0, 1e10),
        f"Cash-flow spread, {_SUP_EN[k]}", f"月经营现金流离散度({_SUP_ZH[k]})",
        "Standard deviation across firms of the monthly operating cash flow (some firms of a kind burn cash, "
        "others earn)."))
    ps += per(SUPPLIER_KINDS, lambda k: P(
        f"supply.capacity.{k}", U, int, "pilots", (1, 100),
        f"Pilot capacity, {_SUP_EN[k]}", f"并行试点能力({_SUP_ZH[k]})",
        "Most pilots (matched or running) a supplier of this kind handles at once."))
    ps.append(P("supply.registration_share", U, float, "share", SHARE, "Registered on capability list",
                "能力清单登记比例", "Share of suppliers registered on the capability list at the start; "
                "firms served at a matchmaking event register too."))
    ps.append(P("supply.network_awareness", U, float, "probability/month", SHARE, "Awareness by networks",
                "非平台渠道知晓率", "Chance per month that a supplier learns of a given published opportunity in "
                "its domain through its own network (outside the platform and events)."))
    # -- openers --------------------------------------------------------------------------------
    for ok in OPENER_KINDS:
        ps += per(TIERS, lambda t, ok=ok: P(
            f"opening.{ok}.{t}", U, float, "needs/opener/month", RATE,
            f"Opening rate, {_OPN_EN[ok]}, {_TIER_EN[t]}", f"场景征集率({_OPN_ZH[ok]}, {_TIER_ZH[t]})",
            f"Scenario needs of tier {t} an opener of kind {ok} puts forward per month (Poisson mean)."))
    ps.append(P("opening.feedback", U, float, "1/validated scenario", (0.0, 5.0),
                "Opening feedback", "开放反馈效应",
                "Relative rise of an opener's opening rate per scenario of its own that was validated "
                "(publish–apply–feedback–optimise)."))
    # -- centre screening and lists -------------------------------------------------------------
    ps += per(TIERS, lambda t: P(
        f"selection.pass_rate.{t}", U, float, "share", SHARE,
        f"Screening pass rate, {_TIER_EN[t]}", f"遴选通过率({_TIER_ZH[t]})",
        "Share of solicited needs that pass the centre's quality screening (遴选)."))
    ps.append(P("selection.lowest_price", L, bool, "on/off", (False, True), "Lowest-price rule", "最低评标价法",
                "Owners award pilots to the lowest-priced qualified bid (on) instead of by comprehensive "
                "scoring of price, readiness and track record (off, 综合评分法)."))
    ps.append(P("selection.price_weight", L, float, "share", SHARE, "Price weight in scoring", "价格分权重",
                "Share of the comprehensive score given to price (the rest to technical marks: perceived "
                "readiness, track record, risk)."))
    ps.append(P("selection.call_months", U, int, "months", (1, 24), "Call window", "征集响应期",
                "Months a published opportunity collects bids before its owner chooses; an unmatched "
                "opportunity opens a new call, until it is withdrawn."))
    # -- regulation (friction in regulated domains; the sandbox lever relieves it) ----------------
    ps.append(P("regulation.keep_share", U, float, "share", SHARE, "Needs going ahead in regulated domains",
                "受监管领域需求提出比例", "Share of needs in regulated domains (low altitude, healthcare…) that openers "
                "put forward at all, given regulatory uncertainty."))
    ps.append(P("regulation.review_months", U, int, "months", (0, 36), "Regulatory review", "监管审查期",
                "Extra months a selected need in a regulated domain waits for approval before publication."))
    # -- scenario attributes --------------------------------------------------------------------
    ps += per(TIERS, lambda t: P(  # from ¥10,000: a budget of 0 made every bid's value 0/0 (no bid in the tier)
        f"scenario.budget_median_cny.{t}", U, float, "CNY", (1e4, MONEY[1]),
        f"Median pilot budget, {_TIER_EN[t]}", f"试点预算中位数({_TIER_ZH[t]})",
        "Median budget of a scenario's pilot (lognormal)."))
    ps.append(P("scenario.budget_sigma", U, float, "log-units", (0.0, 3.0), "Budget spread", "预算离散度",
                "Log-sd of pilot budgets."))
    ps += per(TIERS, lambda t: P(
        f"scenario.required_readiness.{t}", U, float, "TRL", TRL,
        f"Required readiness, {_TIER_EN[t]}", f"所需成熟度({_TIER_ZH[t]})",
        "Mean technology-readiness a scenario of this tier requires."))
    ps.append(P("scenario.required_sd", U, float, "TRL", (0.0, 4.0), "Required readiness spread",
                "所需成熟度离散度", "Standard deviation of required readiness."))
    # -- pilots -----------------------------------------------------------------------------------
    ps += per(TIERS, lambda t: P(
        f"pilot.duration_months.{t}", U, int, "months", (1, 60),
        f"Pilot duration, {_TIER_EN[t]}", f"试点周期({_TIER_ZH[t]})", "Months from landing to the pilot's verdict."))
    ps.append(P("pilot.contract_months", U, int, "months", (0, 12), "Contracting time", "签约周期",
                "Months from a match to the pilot landing."))
    ps.append(P("pilot.opener_share", U, float, "share", SHARE, "Opener's payment share", "场景方出资比例",
                "Share of a pilot's budget the opener pays the supplier at landing."))
    ps += per(TIERS, lambda t: P(
        f"pilot.success_max.{t}", U, float, "probability", SHARE,
        f"Best-case success, {_TIER_EN[t]}", f"最高成功率({_TIER_ZH[t]})",
        "Success probability of a pilot by a supplier far above the required readiness."))
    ps.append(P("pilot.success_slope", U, float, "1/TRL", (0.0, 10.0), "Success slope", "成功率斜率",
                "Logistic slope of success probability in (supplier readiness − required readiness)."))
    ps.append(P("pilot.learning_success", U, float, "share", SHARE, "Learning from success", "成功学习率",
                "Share of the gap to TRL 9 a supplier closes in a domain after a validated pilot."))
    ps.append(P("pilot.learning_failure", U, float, "share", SHARE, "Learning from failure", "失败学习率",
                "Share of the gap to TRL 9 a supplier closes in a domain after a failed pilot."))
    # -- bidding ----------------------------------------------------------------------------------
    ps.append(P("bid.hurdle", U, float, "share of budget", (-5.0, 5.0), "Bid hurdle", "投标门槛",
                "Expected net value, as a share of the pilot budget, at which a supplier is indifferent to bidding."))
    ps.append(P("bid.temperature", U, float, "share of budget", (1e-6, 5.0), "Bid noise", "投标随机性",
                "Logit scale of the bid decision, apart from the hurdle: larger means bids depend less on "
                "expected value (at a value one temperature below the hurdle, about 27 % of suppliers bid)."))
    ps.append(P("bid.expected_bidders", U, float, "bidders/call", (1.0, 100.0), "Expected bidders (prior)",
                "预期投标人数(先验)", "Bidders per call (the supplier included) suppliers expect before they have "
                "seen any call close; they shade their price towards cost as this rises."))
    ps.append(P("bid.need_discount", U, float, "share", SHARE, "Discount for needing the work", "缺活让利",
                "Share of its margin a supplier gives up when its capacity stands idle (in proportion to the idle share)."))
    ps.append(P("bid.belief_rate", U, float, "share/month", SHARE, "Learning rate of expectations", "预期调整速度",
                "Share of the gap between expectation and observation (follow-on value, bidders per call) "
                "suppliers close each month (adaptive expectations)."))
    ps.append(P("bid.followon_multiple", U, float, "× budget", (0.0, 50.0), "Expected follow-on value (prior)",
                "预期后续收益倍数(先验)", "Follow-on profit a supplier expects from a validated pilot, as a multiple "
                "of its budget, before it has observed any; then updated from what validated solutions earn."))
    ps.append(P("bid.max_cash_share", U, float, "share", SHARE, "Most cash put at stake", "最大现金投入比例",
                "Largest share of its cash a supplier commits to one pilot's own outlay."))
    # -- owners' choice ---------------------------------------------------------------------------
    ps += per(OPENER_KINDS, lambda k: P(
        f"owner.risk_aversion.{k}", U, float, "TRL", (0.0, 9.0),
        f"Risk aversion, {_OPN_EN[k]}", f"风险规避({_OPN_ZH[k]})",
        "Penalty (in TRL points) an owner of this kind puts on an unproven startup (half on an SME)."))
    ps.append(P("owner.perception_sd", U, float, "TRL", (0.0, 5.0), "Owner's perception noise",
                "场景方评估误差", "Standard deviation of an owner's error in judging a bidder's readiness."))
    ps.append(P("owner.min_score", U, float, "TRL", (-9.0, 9.0), "Owner's reservation score", "最低接受分",
                "Lowest score (perceived readiness − required − risk penalty) an owner accepts."))
    ps.append(P("owner.record_bonus", U, float, "TRL/validated pilot", (0.0, 5.0), "Track-record bonus",
                "业绩加分", "Score an owner adds per pilot the bidder has had validated (at most 3 counted)."))
    # -- diffusion --------------------------------------------------------------------------------
    ps.append(P("diffusion.p", U, float, "1/year", (0.0, 5.0), "Innovation coefficient p", "创新系数 p",
                "Bass innovation coefficient: adoption hazard per potential adopter independent of others."))
    ps.append(P("diffusion.q", U, float, "1/year", (0.0, 10.0), "Imitation coefficient q", "模仿系数 q",
                "Bass imitation coefficient: adoption hazard per unit share of adopters."))
    ps += per(TIERS, lambda t: P(
        f"diffusion.market_size.{t}", U, int, "adopters", (1, 100_000),
        f"Potential adopters, {_TIER_EN[t]}", f"潜在采用方数({_TIER_ZH[t]})",
        "Potential adopters of a validated solution of this tier in the province (the pilot site is one)."))
    ps.append(P("diffusion.price_share", U, float, "share of budget", (0.0, 10.0), "Price per adoption",
                "单次推广价格", "Price an adopter pays for a validated solution, as a share of its pilot budget."))
    ps.append(P("diffusion.margin", U, float, "share", SHARE, "Supplier's margin", "供给方毛利率",
                "Share of each adoption's price the supplier keeps as cash."))
    ps.append(P("diffusion.small_supplier_factor", U, float, "share", SHARE, "Buyers' trust in small suppliers",
                "采用方对中小企业的信任", "Multiplier on the adoption hazard of a solution whose supplier is a startup "
                "or SME (buyers' caution; 1 = none)."))
    ps += per(TIERS, lambda t: P(
        f"diffusion.scale_adopters.{t}", U, int, "adopters", (1, 100_000),
        f"Adopters for large-scale application, {_TIER_EN[t]}", f"大规模应用门槛({_TIER_ZH[t]})",
        "Adopters (pilot site included) at which a validated scenario counts as in large-scale application."))
    ps.append(P("diffusion.scale_counts_procured", U, bool, "yes/no", (False, True),
                "Procured adoptions count towards large scale", "采购计入大规模应用",
                "Whether adoptions bought with public money (procurement, first purchase) count towards the "
                "large-scale threshold (a reading of the plan's 推广)."))
    ps.append(P("diffusion.home_sector_share", U, float, "share", SHARE, "Adopters in the solution's own sector",
                "本领域潜在采用方占比", "Share of a solution's potential adopters in its own domain; the rest are "
                "in other domains. Within a sector they are spread over cities by the cities' weights."))
    ps.append(P("diffusion.contact_same_city", U, float, "weight", SHARE, "Contact within a city, across sectors",
                "同城跨领域联系强度", "Weight of adopters in the same city but another sector in a potential "
                "adopter's imitation, relative to its own group (1 = as close as its own group)."))
    ps.append(P("diffusion.contact_same_sector", U, float, "weight", SHARE, "Contact within a sector, across cities",
                "同领域跨城市联系强度", "Weight of adopters in the same sector but another city in a potential "
                "adopter's imitation, relative to its own group."))
    ps.append(P("diffusion.contact_other", U, float, "weight", SHARE, "Contact across city and sector",
                "跨城跨领域联系强度", "Weight of adopters in another city and another sector (all three weights "
                "1: fully mixed, the Bass model)."))
    # -- the market at the plan's start (warm start) ----------------------------------------------
    ps += per(TIERS, lambda t: P(
        f"initial.validated.{t}", U, int, "solutions", (0, 10_000),
        f"Validated solutions at the start, {_TIER_EN[t]}", f"期初示范清单({_TIER_ZH[t]})",
        "Solutions already proven in a scenario of this tier before the plan starts (demonstration and "
        "first-of-a-kind lists), with their suppliers' track records; they can be bought and spread from month 1."))
    ps.append(P("initial.scale_progress", U, float, "share", SHARE, "Progress towards scale at the start",
                "期初推广进度", "Adopters an initial solution already has, as a share of the large-scale threshold "
                "(each drawn uniformly up to this share; at least the pilot site)."))
    return ps
