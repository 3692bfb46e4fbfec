"""The model's monthly metrics: what is counted, with labels, units and breakdowns.

Flows count events in a month (scenarios landed, firms served…); stocks are levels at the month's
end (opportunities on the list…). Targets are sums of flows over a calendar year ("per_year") or
since the start ("cumulative"); see ``sim/targets.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

SCEN = ("domain", "tier", "city")  # breakdowns of scenario metrics
SUPP = ("city",)  # breakdowns of supplier metrics (the supplier's home city)


@dataclass(frozen=True)
class Metric:
    id: str
    kind: str  # "flow" | "stock"
    dims: tuple
    unit_en: str
    unit_zh: str
    label_en: str
    label_zh: str
    doc: str


METRICS: dict[str, Metric] = {}


def _m(*args):
    m = Metric(*args)
    METRICS[m.id] = m


_m("solicited", "flow", SCEN, "scenarios", "项", "Needs solicited", "征集场景需求", "Needs put forward by openers (征集).")
_m("selected", "flow", SCEN, "scenarios", "项", "Needs selected", "遴选入库", "Needs that passed the centre's screening (遴选).")
_m("rejected", "flow", SCEN, "scenarios", "项", "Needs not selected", "未通过遴选", "Needs the screening turned down.")
_m("published", "flow", SCEN, "scenarios", "项", "Scenarios published", "发布场景",
   "Opportunities released on the opportunity list (发布; 场景机会清单).")
_m("bids", "flow", SCEN, "bids", "份", "Bids made", "投标(解决方案)数",
   "Bids (proposed solutions) suppliers made for published scenarios; a call's bids per published need "
   "compare with Shanghai's first AI scenario batch (≈9 a need).")
_m("matched", "flow", SCEN, "scenarios", "项", "Scenarios matched", "对接成功",
   "Published scenarios whose owner chose a supplier (对接).")
_m("match_dropped", "flow", SCEN, "scenarios", "项", "Matches dropped", "对接后未落地",
   "Matches that fell through at landing: the supplier could not fund its share, or the owner walked away.")
_m("landed", "flow", SCEN, "scenarios", "项", "Scenarios landed", "落地场景", "Pilots that started (落地).")
_m("validated", "flow", SCEN, "scenarios", "项", "Scenarios validated", "验证成功",
   "Pilots that succeeded; the solution enters the demonstration list (场景示范清单).")
_m("failed", "flow", SCEN, "scenarios", "项", "Pilots failed", "试点失败", "Pilots that failed.")
_m("withdrawn", "flow", SCEN, "scenarios", "项", "Scenarios withdrawn", "退出清单",
   "Opportunities withdrawn: unmatched after the longest listing time (exit mechanism), or by an owner who "
   "walked away before contracting.")
_m("owner_withdrawn", "flow", SCEN, "scenarios", "项", "Needs withdrawn by their owner", "需求方撤回",
   "Matched needs whose owner walked away before contracting (low commitment; see the promotion centre).")
_m("pressed", "flow", SCEN, "scenarios", "项", "Needs opened under pressure", "被动开放需求",
   "Needs opened beyond the owner's own propensity: to fill a quota or on the promotion centre's asking.")
_m("adoptions", "flow", SCEN, "adopters", "家", "Adoptions", "推广应用",
   "Further adopters of validated solutions (replication and scale-up): market plus procured adoptions.")
_m("adoptions_market", "flow", SCEN, "adopters", "家", "Market adoptions", "市场推广应用",
   "Adopters who bought a validated solution on their own (imitation, innovation, or after a promotion event).")
_m("adoptions_procured", "flow", SCEN, "adopters", "家", "Procured adoptions", "采购推广应用",
   "Public bodies that adopted a validated solution bought with a lever's money (procurement, first purchase).")
_m("scaled", "flow", SCEN, "scenarios", "项", "Scenarios in large-scale application", "形成大规模应用场景",
   "Validated scenarios whose adopters reached the large-scale threshold (procured adoptions counted or not: "
   "diffusion.scale_counts_procured).")
_m("scaled_market", "flow", SCEN, "scenarios", "项", "Scenarios at large scale by market adoption", "市场采用达到大规模应用",
   "Validated scenarios whose pilot site and market adopters alone reached the large-scale threshold.")
_m("served", "flow", SUPP, "firms", "家", "Enterprises served", "场景对接服务企业",
   "Firms receiving a matchmaking service (an event, or a bid through the opportunity list) for the first "
   "time in the calendar year; a year's sum is the number of distinct firms served that year.")
_m("supplier_entries", "flow", SUPP, "firms", "家", "Supplier entries", "新进入供给方", "New suppliers entering.")
_m("supplier_exits", "flow", SUPP, "firms", "家", "Supplier exits", "退出供给方", "Suppliers that left: cash ran out, or idle while burning cash with a short runway.")
_m("zones_designated", "flow", ("city",), "zones", "个", "Pilot zones designated", "建成场景创新试验区",
   "Scenario-innovation pilot zones designated (场景创新试验区).")
_m("services", "flow", SUPP, "services", "次", "Scenario services to firms", "场景服务企业次数",
   "Matchmaking services delivered: each event attendance and each bid through the platform or an event "
   "(Hubei's target counts services, not distinct firms).")
_m("events", "flow", (), "events", "场", "Matchmaking and promotion events", "对接推广活动",
   "Matchmaking events and roadshows, and promotion events for demonstration-list solutions.")
_m("trial_reports", "flow", SCEN, "reports", "份", "Trial reports", "试用报告",
   "Try-first trials that passed: the public trial user issues a report and pays (先试用后付费).")
_m("incidents", "flow", SCEN, "pilots", "项", "Sandbox incidents", "沙盒试点事故",
   "Pilots failed by an incident admitted under sandbox supervision.")
_m("poc_runs", "flow", SUPP, "runs", "次", "Proof-of-concept runs", "概念验证/中试",
   "Early, low-stakes trials at pilot bases and proof-of-concept centres that ended this month.")
_m("private_investment", "flow", SUPP, "CNY", "元", "Private investment raised", "社会资本投资",
   "Venture investment by private investors into suppliers.")
_m("guidance_investment", "flow", SUPP, "CNY", "元", "Guidance-fund co-investment", "政府引导基金跟投",
   "Public guidance-fund money invested alongside private investors.")
_m("attracted_suppliers", "flow", SUPP, "firms", "家", "Suppliers attracted", "场景招商引进企业",
   "Firms from outside the province drawn in by published opportunities (场景招商).")
_m("opportunity_list", "stock", SCEN, "scenarios", "项", "Opportunity list", "场景机会清单",
   "Published scenarios open for matching at the month's end.")
_m("running_pilots", "stock", SCEN, "scenarios", "项", "Pilots running", "试点中", "Landed pilots not yet concluded.")
_m("demonstration_list", "stock", SCEN, "scenarios", "项", "Demonstration list", "场景示范清单",
   "Validated scenarios (including those in large-scale application).")
_m("capability_list", "stock", ("domain",), "entries", "条", "Capability list", "场景能力清单",
   "Registered capabilities (supplier × domain) of active suppliers.")
_m("active_suppliers", "stock", SUPP, "firms", "家", "Active suppliers", "活跃供给方", "Suppliers in the market.")

FLOWS = [m.id for m in METRICS.values() if m.kind == "flow"]
STOCKS = [m.id for m in METRICS.values() if m.kind == "stock"]
