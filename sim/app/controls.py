"""What the app's controls are: one slider or switch per registry parameter (range from the case), and
the presets — the case as published, no levers (the promotion centre kept), no policy at all (the
centre closed too), and the shipped policy mixes for the case they were written for. Nothing here
draws; ``sim/app/widgets.py`` turns these into Solara widgets.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import sim
from sim import REGISTRY, Case

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MIXES = "experiments/hunan_policy_mixes.toml"
# levers without a budget, and the value at which they do nothing (challenge.share 0: no major scenario
# is run as a challenge call, sim/levers/challenge.py step 1)
OFF_VALUES = {"soe_duty.min_needs_per_year": 0.0, "racing.share": 0.0, "challenge.share": 0.0}
# the market's institution, not an instrument: the promotion centre solicits, screens and publishes the
# needs every lever acts on (sim/core/centre.py); "No levers" keeps it as published, "No policy at all"
# closes it (no budget: no staff, nothing published)
INSTITUTION = "centre"


@dataclass(frozen=True)
class Control:
    """One parameter's control: a switch (bool) or a slider from ``lo`` to ``hi`` by ``step``."""

    name: str
    kind: str  # lever | uncertainty
    group: str
    dtype: type
    lo: float
    hi: float
    step: float
    unit: str
    label_zh: str
    label_en: str

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def snap(self, v):
        """A value as the slider holds it (ints as int, floats as float, bools as bool)."""
        if self.dtype is bool:
            return bool(v)
        return int(round(v)) if self.dtype is int else float(v)


@dataclass(frozen=True)
class Preset:
    id: str
    zh: str
    en: str
    values: dict  # every lever parameter's value

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _nice_step(span: float, dtype: type) -> float:
    if span <= 0:
        return 1.0 if dtype is int else 0.01
    step = 10.0 ** math.floor(math.log10(span / 20))
    if dtype is int:
        return float(max(1, int(step)))
    return step


def lever_values(case: Case) -> dict:
    return {p.name: case.values[p.name] for p in REGISTRY if p.kind == "lever"}


def no_levers(case: Case) -> dict:
    """Every instrument off — each lever's budget at zero, its switch off, the duty, racing and challenge
    shares at zero; the promotion centre (the market's institution, not an instrument) and the rest
    (rules that only matter when a lever acts, and the pilot-zone rules) as published."""
    out = lever_values(case)
    for name in out:
        if REGISTRY[name].group == INSTITUTION:
            continue
        if name.endswith(".budget_cny_per_year"):
            out[name] = 0.0
        elif REGISTRY[name].dtype is bool:
            out[name] = False
        elif name in OFF_VALUES:
            out[name] = OFF_VALUES[name]
    return out


def no_policy(case: Case) -> dict:
    """No levers, and the promotion centre closed too (no budget: it screens and publishes nothing, so
    only needs that reach the market without it would — the counterfactual of no plan at all)."""
    return {**no_levers(case), f"{INSTITUTION}.budget_cny_per_year": 0.0}


def find_mixes_file(path: str | None = None) -> Path | None:
    """The policy-mix experiment: ``path``, else ``experiments/hunan_policy_mixes.toml`` in the current
    folder or the source tree."""
    if path:
        return Path(path)
    for base in (Path.cwd(), ROOT):
        p = base / DEFAULT_MIXES
        if p.exists():
            return p
    return None


def presets(case: Case, mixes_file: str | None = None) -> list[Preset]:
    """As published, no levers, no policy at all, and each policy mix of the experiment whose case is
    this case."""
    published = lever_values(case)
    out = [Preset("published", "方案原值（按已发布政策）", "As published", published),
           Preset("no_levers", "不用政策工具（保留促进中心）", "No levers (centre kept)", no_levers(case)),
           Preset("no_policy", "完全不干预（也不设促进中心）", "No policy at all (no centre either)", no_policy(case))]
    path = find_mixes_file(mixes_file)
    if path is None:
        return out
    try:
        cmp = sim.load_comparison(path)
    except sim.InputError as e:  # a broken experiment file must not stop a class: say so and go on
        print(f"scensim app: policy mixes not loaded: {e}", file=sys.stderr)
        return out
    if cmp.case.id != case.id:
        return out
    for mix in cmp.mixes:
        out.append(Preset(f"mix:{mix.id}", mix.zh, mix.en, {**published, **mix.params}))
    return out


def controls(case: Case, kind: str, preset_list: list[Preset] = ()) -> list[Control]:
    """Controls for every parameter of ``kind``, ranging over the case's range and every preset's value."""
    out = []
    for p in REGISTRY:
        if p.kind != kind:
            continue
        pv = case.params[p.name]
        if p.dtype is bool:
            out.append(Control(p.name, kind, p.group, bool, 0, 1, 1, p.unit, p.label_zh, p.label_en))
            continue
        values = [pv.value, pv.lo, pv.hi] + [pr.values[p.name] for pr in preset_list if p.name in pr.values]
        lo, hi = float(min(values)), float(max(values))
        if hi == lo:  # a point range: let the slider move around it, inside the hard bounds
            lo, hi = max(p.bounds[0], lo * 0.5 if lo else 0.0), min(p.bounds[1], hi * 1.5 if hi else 1.0)
        step = _nice_step(hi - lo, p.dtype)
        out.append(Control(p.name, kind, p.group, p.dtype, lo, hi, step, p.unit, p.label_zh, p.label_en))
    return out


# -- why a control would change nothing now ---------------------------------------------------------
# A slider that does nothing is a bug: a control whose mechanism cannot act — its lever is off, or the
# case has nothing for it to act on — is greyed out and says why (``control_notes``); a control that
# acts only up to a point says where that point is. Every control of the shipped cases either changes
# the results or is idle with a reason (``tests/test_app.py``).
SWITCHES = ("budget_cny_per_year", "on")  # the control that switches a lever on (besides OFF_VALUES)
# switches inside a lever: these controls act only while another control has a value (None: is on);
# a list: while every one of them has. Grounds: sim/levers/finance.py (loans and insurance are offered
# only when switched on; the loading is part of the risk-rated premium only, weighted by premium_rating),
# sim/levers/vouchers.py (the owner's money-risk share matters only for vouchers held by owners),
# sim/core/centre.py (solicit_max bounds chasing by soliciting, bar_floor chasing by lowering the bar)
SUB_SWITCHES = {
    **{n: ("finance.loans", None) for n in ("finance.loan_share", "finance.guarantee_share",
                                            "finance.interest_subsidy", "finance.loan_rate_per_year")},
    **{n: ("finance.insurance", None) for n in ("finance.premium_subsidy", "finance.insurance_cover",
                                                "finance.premium_rate", "finance.premium_rating")},
    "finance.premium_loading": [("finance.insurance", None), ("finance.premium_rating", None)],
    "vouchers.owner_money_risk_share": ("vouchers.demand_side", None),
    "centre.solicit_max": ("centre.chase", 1), "centre.bar_floor": ("centre.chase", 2),
    # sim/levers/challenge.py step 5: a call has min(max_winners, race size) winners, and the race size
    # is one unless the racing lever lets several pilot side by side
    "challenge.max_winners": ("racing.share", None),
    # sim/levers/matchmaking.py: benchmarks only with selections, promotion settings only with promotions
    **{n: ("matchmaking.selection_every_months", None) for n in ("matchmaking.benchmarks_per_selection",
                                                                  "matchmaking.benchmark_reach")},
    **{n: ("matchmaking.promotion_every_months", None) for n in ("matchmaking.promotion_solutions",
                                                                  "matchmaking.promotion_attendees",
                                                                  "matchmaking.promotion_conversion")},
}
# what in the case a mechanism acts on: (name prefixes, test of the case, reason zh, reason en)
CASE_NEEDS = [
    (("regulation.", "sandbox."), lambda case: any(d.regulated for d in case.domains),
     "本案例没有受监管领域，此项不起作用", "no domain of this case is regulated: this changes nothing here"),
    (("data_opening.",), lambda case: any(d.data_dependent for d in case.domains),
     "本案例没有依赖公共数据的领域，此项不起作用", "no domain of this case depends on public data: this changes nothing here"),
    (("zones.industry_",), lambda case: bool(case.industry_zones),
     "本案例没有产业类试验区，此项不起作用", "this case names no industry pilot zones: this changes nothing here"),
    (("matchmaking.plan_events_target",),
     lambda case: any(t.metric == "events" and t.kind == "per_year" for t in case.targets),
     "本案例的方案没有规定每年活动场次，此开关不起作用（由“每月对接活动场次”决定）",
     "this case's plan sets no yearly number of events: the switch changes nothing here (events per month decides)"),
]


def industry_base_floor(case: Case, values: dict) -> float:
    """The fewest suppliers any industry zone's city can expect at the start with a capability in the
    zone's focus domains (inf without industry zones): a lower bound of the expectation — each supplier
    is located by city weight and its first domain is drawn by domain weight (sim/core/market/population.py),
    so N × (city's weight) × (focus domains' weight) have their first capability there, more with their others."""
    if not case.industry_zones:
        return float("inf")
    n = sum(values[f"population.{k}"] for k in ("startups", "smes", "leaders", "institutes"))
    cw = {c.id: c.weight for c in case.cities}
    dw = {d.id: d.weight for d in case.domains}
    tc, td = sum(cw.values()), sum(dw.values())
    return min(n * cw[z.city] / tc * sum(dw[d] for d in z.domains) / td for z in case.industry_zones)


# what the case and the current values rule out: (control names, idle(case, values), reason(case, values)
# -> (zh, en)); each condition is the mechanism's own rule, so the control cannot act while it holds
VALUE_NEEDS = [
    # sim/core/zones.py: the province designates at most max_designated of the candidates (every city
    # and the case's industry zones): at or above their number the cap cannot bind
    (("zones.max_designated",),
     lambda case, v: v["zones.max_designated"] >= len(case.cities) + len(case.industry_zones),
     lambda case, v: (f"本案例只有 {len(case.cities) + len(case.industry_zones)} 个候选试验区（每个市州一个综合性试验区，加上产业类试验区），"
                      f"认定数量不少于此数时不起作用",
                      f"this case has only {len(case.cities) + len(case.industry_zones)} candidate zones (one per city, plus "
                      f"its industry zones): a number at or above that changes nothing")),
    # sim/core/zones.py: an industry zone needs industry_min_suppliers firms with a capability in its focus
    # domains in its city; where even the expected floor of that base (industry_base_floor) is twice the
    # threshold, the threshold cannot bind (the count of firms varies far less than that: it is a sum of
    # hundreds of independent draws, and entry adds firms)
    (("zones.industry_min_suppliers",),
     lambda case, v: v["zones.industry_min_suppliers"] <= industry_base_floor(case, v) / 2,
     lambda case, v: (f"各产业类试验区所在市州在其聚焦领域的供给方预计至少约 {industry_base_floor(case, v):,.0f} 家，远高于此门槛：不起作用",
                      f"each industry zone's city can expect at least about {industry_base_floor(case, v):,.0f} suppliers in "
                      f"its focus domains, far above this threshold: it changes nothing")),
    # sim/levers/grant_to_equity.py: a stake is valued only when it is sold, holding_months after it was
    # bought (its portfolio value at the end is not drawn): a holding period as long as the horizon
    # sells nothing within it
    (("grant_to_equity.valuation_multiple",),
     lambda case, v: v["grant_to_equity.holding_months"] >= case.n_months,
     lambda case, v: (f"股权持有 {v['grant_to_equity.holding_months']} 个月，不短于本案例的 {case.n_months} 个月：期内不退出，估值不起作用",
                      f"stakes are held {v['grant_to_equity.holding_months']} months, no shorter than this case's "
                      f"{case.n_months}: none is sold within it, so their valuation changes nothing")),
]

# controls that act only through events a few replicates may not contain (a hint, not greyed out): what
# they act on and when. Measured (tests/test_app.py, every-control test): each one changes what the
# app draws in a setting where those events are common.
RARE = {
    "challenge.max_entrants": (
        "仅当一个揭榜项目的投标多于此数、且被挡在外面的投标本会胜出时起作用（多数项目投标较少）",
        "acts only when a challenge call draws more bids than this and an excluded one would have won (most draw fewer)"),
    "challenge.lead_share": (
        "只影响揭榜联合体成员之间的分摊：成员现金紧张时才显出差别",
        "only splits a consortium's outlay among its members: it shows only when a member runs short of cash"),
    "challenge.independence": (
        "只影响揭榜联合体，且仅当较弱成员决定试点成败、试点在模拟期内完成时起作用",
        "acts only on challenge consortia, when a weaker member decides the outcome of a pilot that ends within the horizon"),
    "matchmaking.selection_every_months": (
        "标杆案例加快其方案的推广（推广采用数未单独画出）：只有推动方案达到大规模应用或影响企业经营时才显出差别",
        "benchmark cases speed their solutions' adoption (not drawn itself): it shows only when that tips a "
        "solution to large scale or a supplier's fortunes"),
    "matchmaking.benchmark_reach": (
        "标杆案例加快其方案的推广（推广采用数未单独画出）：只有推动方案达到大规模应用或影响企业经营时才显出差别",
        "benchmark cases speed their solutions' adoption (not drawn itself): it shows only when that tips a "
        "solution to large scale or a supplier's fortunes"),
    "diffusion.scale_counts_procured": (
        "仅当有方案靠政府采购的采用数达到大规模应用门槛时起作用",
        "acts only when procured adopters carry a solution to the large-scale threshold"),
    "owner.risk_aversion.leader": (
        "只影响链主企业开放的场景，且仅当它改变对初创企业的取舍时起作用",
        "acts only on scenarios opened by leading firms, when it changes their choice of an unproven supplier"),
    "supply.net_cashflow_cny_per_month.leader": (
        "仅当某家龙头企业的现金不足以承担试点或维持经营时起作用（现金充裕时很少见）",
        "acts only when a leading firm runs short of cash for a pilot or to stay in business (rare while its cash is large)"),
    "supply.net_cashflow_cny_per_month.institute": (
        "仅当某家高校/科研院所的现金不足以承担试点或维持经营时起作用（现金充裕时很少见）",
        "acts only when an institute runs short of cash for a pilot or to stay in business (rare while its cash is large)"),
    "supply.cashflow_sd_cny_per_month.institute": (
        "仅当某家高校/科研院所的现金不足以承担试点或维持经营时起作用（现金充裕时很少见）",
        "acts only when an institute runs short of cash for a pilot or to stay in business (rare while its cash is large)"),
    "zones.min_city_opened": (
        "仅当某市州落地场景已够、但自身开放的场景尚未达到此数时起作用",
        "acts only while a city has landed enough scenarios but opened fewer than this itself"),
    "zones.min_domains": (
        "仅当某市州落地场景数已够、但领域数不足时起作用",
        "acts only while a city has landed enough scenarios but in too few domains"),
    "zones.industry_min_suppliers": (
        "仅当产业类试验区的落地场景已够、但当地供给方不足此数时起作用",
        "acts only while an industry zone has landed enough scenarios but its city has fewer suppliers than this"),
}


NOTE_WORDS_ZH = ("政策工具未启用：先调高仅当时起作用打开为大于预算只够每月约场：超过这个数不再增加活动，需同时提高活动预算"
                 "本案例只有个候选试验区（每个市州一个综合性试验区，加上产业类试验区），认定数量不少于此数时不起作用"
                 "股权持有个月，不短于本案例的：期内不退出，估值不起作用"
                 "各产业类试验区所在市州在其聚焦领域的供给方预计至少约家，远高于此门槛" + "".join(zh for zh, _ in RARE.values()))  # for the web font


@dataclass(frozen=True)
class Note:
    """Why a control changes nothing now (``idle``: greyed out), or up to where it acts (a hint)."""

    zh: str
    en: str
    idle: bool

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def lever_switch(group: str, values: dict) -> str | None:
    """The control that switches lever ``group`` on: its budget, its on/off switch, or the control whose
    value in ``OFF_VALUES`` means "off" (racing's share, the SOE duty's number of needs)."""
    for name in [f"{group}.{key}" for key in SWITCHES] + [n for n in OFF_VALUES if n.startswith(group + ".")]:
        if name in values:
            return name
    return None


def events_affordable_per_month(values: dict) -> float | None:
    """Ordinary matchmaking events a month the yearly events budget pays for, after the promotion events
    its cadence calls for (``Matchmaking.on_year_start`` plans within the budget in this order); None
    when events cost nothing."""
    cost = values["matchmaking.cost_per_event_cny"]
    if cost <= 0:
        return None
    every = values["matchmaking.promotion_every_months"]
    promotions = 12 // every if every > 0 else 0
    return max(0.0, math.floor(values["matchmaking.budget_cny_per_year"] / cost + 1e-9) - promotions) / 12


def control_notes(case: Case, values: dict, labels: dict | None = None) -> dict:
    """``{control name: Note}`` for the controls that change nothing at ``values`` (idle, with the reason)
    or act only up to a point, or only through rare events (a hint). ``labels``: control name -> (zh, en) label, for naming the switch."""
    labels = labels or {}
    values = {**case.values, **values}  # controls not given are at the case's values
    notes = {}
    for p in REGISTRY:
        name, group = p.name, p.group
        switch = lever_switch(group, values)
        if switch is not None and switch != name and not values[switch]:
            zh, en = labels.get(switch, (switch, switch))
            verb_zh, verb_en = ("打开", "turn on") if isinstance(values[switch], bool) else ("调高", "raise")
            notes[name] = Note(f"政策工具未启用：先{verb_zh}“{zh}”", f"lever off: {verb_en} “{en}” first", True)
            continue
        if name in SUB_SWITCHES:
            conds = SUB_SWITCHES[name]
            unmet = [(sub, want) for sub, want in (conds if isinstance(conds, list) else [conds])
                     if ((not values[sub]) if want is None else values[sub] != want)]
            if unmet:
                sub, want = unmet[0]
                zh, en = labels.get(sub, (sub, sub))
                if want is None:
                    what_zh, what_en = ("打开", "on") if isinstance(values[sub], bool) else ("大于 0", "above 0")
                else:
                    what_zh, what_en = f"为 {want}", f"at {want}"
                notes[name] = Note(f"仅当“{zh}”{what_zh}时起作用", f"acts only with “{en}” {what_en}", True)
                continue
        for prefixes, present, zh, en in CASE_NEEDS:
            if name.startswith(prefixes) and not present(case):
                notes[name] = Note(zh, en, True)
    for names, idle, reason in VALUE_NEEDS:
        for name in names:
            if name in values and name not in notes and idle(case, values):
                notes[name] = Note(*reason(case, values), True)
    for name, (zh, en) in RARE.items():
        if name in values and name not in notes:
            notes[name] = Note(zh, en, False)
    if "matchmaking.events_per_month" in values and not notes.get("matchmaking.events_per_month"):
        cap = events_affordable_per_month(values)
        if cap is not None and values["matchmaking.events_per_month"] > cap:
            notes["matchmaking.events_per_month"] = Note(
                f"预算只够每月约 {cap:.2f} 场：超过这个数不再增加活动，需同时提高活动预算",
                f"the events budget pays for about {cap:.2f} a month: more needs a larger events budget", False)
    return notes


LEVER_LABELS = {L.name: (L.label_zh, L.label_en) for L in sim.LEVERS}
LEVER_LABELS["zones"] = ("场景创新试验区认定规则", "Pilot-zone rules")
LEVER_LABELS["centre"] = ("场景创新促进中心", "Promotion centre")
GROUP_LABELS = {
    "population": ("主体数量", "Population"), "supply": ("供给方", "Suppliers"),
    "opening": ("场景开放", "Opening of needs"), "selection": ("遴选与发布", "Screening and listing"),
    "regulation": ("监管", "Regulation"), "scenario": ("场景属性", "Scenarios"),
    "pilot": ("试点", "Pilots"), "bid": ("投标", "Bidding"), "owner": ("场景方选择", "Owners' choice"),
    "diffusion": ("推广扩散", "Diffusion"), "needs": ("需求质量", "Quality of needs"),
}


def group_label(group: str, lang: str) -> str:
    zh, en = LEVER_LABELS.get(group) or GROUP_LABELS.get(group) or (group, group)
    return zh if lang == "zh" else en


# -- values as people read them -------------------------------------------------------------------
UNIT_ZH = {"firms": "家", "months": "个月", "scenarios": "项", "events/month": "场/月", "firms/event": "家/场",
           "probability/month": "/月", "suppliers": "家", "domains": "个", "openers": "个", "investors": "家",
           "needs/SOE/year": "项/家/年", "runs/base/month": "项/基地/月", "1/year": "/年", "TRL": "级",
           "adopters": "家", "pilots": "项", "firms/month": "家/月", "needs/opener/month": "项/个/月"}


def fmt_value(c: Control, v, lang: str) -> str:
    """A control's value with its unit: yuan in 万元 (zh) or CNY m (en), shares in per cent."""
    if c.dtype is bool:
        return ("开" if v else "关") if lang == "zh" else ("on" if v else "off")
    if c.unit.startswith("CNY"):
        rest = c.unit[3:]  # "/year", "/run", "" …
        per = {"/year": ("/年", "/yr"), "/month": ("/月", "/mo"), "/run": ("/项", "/run"),
               "/firm": ("/家", "/firm")}.get(rest, (rest, rest))
        if lang == "zh":
            return f"{v / 1e4:,.0f} 万元{per[0]}"
        return f"CNY {v / 1e6:,.2f} m{per[1]}"
    if c.unit in ("share", "probability"):
        return f"{100 * v:.0f}%"
    if c.dtype is int:
        text = f"{int(v):,}"
    else:
        text = f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    unit = UNIT_ZH.get(c.unit, c.unit) if lang == "zh" else c.unit
    return f"{text} {unit}"


def env_settings() -> dict:
    """The server's settings, passed by ``scensim app`` through the environment."""
    return {"case": os.environ.get("SCENSIM_APP_CASE") or str(ROOT / "scenarios" / "hunan_2026_2028.toml"),
            "lang": os.environ.get("SCENSIM_APP_LANG", "zh"),
            "replicates": int(os.environ.get("SCENSIM_APP_REPLICATES", "8")),
            "quick": int(os.environ.get("SCENSIM_APP_QUICK", "0")),  # 0: chosen from the measured run time
            "workers": int(os.environ.get("SCENSIM_APP_WORKERS", "1")),  # `scensim app`: the machine's cores
            "seed": int(os.environ.get("SCENSIM_APP_SEED", "1")),
            "mixes": os.environ.get("SCENSIM_APP_MIXES") or None}
