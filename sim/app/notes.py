"""Why a control of the app would change nothing now: greyed out (idle) with the reason — its lever is
off, a switch inside its lever is off, the case has nothing for it to act on, or the current values rule
it out — or a hint saying up to where it acts, or that it acts only through rare events. Nothing here
draws; ``sim/app/controls.py`` holds the controls and presets, ``sim/app/widgets.py`` shows the notes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim import REGISTRY, Case

# levers without a budget, and the value at which they do nothing (challenge.share 0: no major scenario
# is run as a challenge call, sim/levers/challenge.py step 1)
OFF_VALUES = {"soe_duty.min_needs_per_year": 0.0, "racing.share": 0.0, "challenge.share": 0.0}


# -- why a control would change nothing now ---------------------------------------------------------
# A slider that does nothing is a bug: a control whose mechanism cannot act — its lever is off, the case
# has nothing for it to act on, or the current values rule it out — is greyed out and says why
# (``control_notes``); a control that acts only up to a point says where that point is, one that acts
# only through rare events says when. Every control of the shipped cases either changes the results or
# is idle with a reason (``tests/test_app_controls.py``, which shows the rare ones acting where they are common).
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
# they act on and when. Measured (tests/test_app_controls.py): each one changes what the
# app draws in a setting where those events are common.
RARE = {
    "challenge.max_entrants": (
        "仅当一个揭榜项目的投标多于此数、且被挡在外面的投标本会胜出时起作用（多数项目投标较少）",
        "acts only when a challenge call draws more bids than this and an excluded one would have won (most draw fewer)"),
    "challenge.lead_share": (
        "只影响揭榜联合体成员之间的分摊（见成本栏“成员间分摊”）：成员现金紧张时才影响目标",
        "only splits a consortium's outlay among its members (the cost panel's \"moved between consortium members\"): "
        "it changes the targets only when a member runs short of cash"),
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


# the names of a choice-valued control's values (its unit lists them), as its slider shows them
CHOICES = {"0 none · 1 solicit · 2 lower_bar": (("不加力", "none"), ("加力征集", "solicit harder"),
                                               ("降低门槛", "lower the bar"))}


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
                else:  # a choice by its name (e.g. "lower the bar"), not its number
                    names = CHOICES.get(REGISTRY[sub].unit)
                    zh_v, en_v = names[want] if names and 0 <= want < len(names) else (want, want)
                    what_zh, what_en = f"为“{zh_v}”", f"at “{en_v}”"
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
