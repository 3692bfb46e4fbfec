"""Scenario-innovation pilot zones (场景创新试验区): who applies, whom the province designates, and what
designation changes.

Grounds: Hunan plan §(十一) "支持长沙、株洲、湘潭、岳阳、衡阳等有条件的地区，在供需对接、场景培育开放、数据流通使用等
方面先行先试，推动应用场景集中布局、集中展示体验和政策集中支持，打造一批'综合性重大场景试验区'。鼓励湘江科学城、马栏山
视频文创产业园、中国（湖南）自由贸易试验区等创新和产业集聚区，聚焦特色优势领域，打造一批'行业领域集成式场景试验区'";
Hunan §一 "到2028年，累计建成…场景创新试验区不少于10个"; Hubei §(十)/(十四) "打造一批场景创新试验区，集中配套政策措施"
(no number, no criterion).

Candidates are every city (a comprehensive zone, 综合性重大场景试验区) and the case's industry zones
(行业领域集成式场景试验区). Every ``review_every_months`` the province reviews applications.

* **Who applies** — a candidate "有条件" by the plan's criteria. A city applies when, since the plan's
  start, at least ``min_landed`` scenarios located in it have landed (供需对接) across at least
  ``min_domains`` domains (a *comprehensive* zone), and it opens scenarios itself (场景培育开放): it is
  named in the plan, or its government has published at least ``min_city_opened`` scenarios. An
  industry zone applies when at least ``industry_min_landed`` scenarios in its focus domains have
  landed in its city, its city has an industry base in those domains — at least
  ``industry_min_suppliers`` active suppliers located there with a capability in them (创新和产业集聚区) —
  and it is named in the plan or its city opens scenarios itself. The plan gives no numbers: every
  threshold is assumed — uncertain, with a range. (Data circulation, the third field the plan names,
  is not modelled per city.)
* **Whom the province designates** — a decision: applicants in order (named in the plan first, then by
  landed scenarios in their focus, then in the case's order) until ``max_designated`` zones are
  designated in all (Hunan: the plan's 10). Designation is permanent.
* **What designation changes** — the plan's 集中布局 and 政策集中支持: needs of openers with no home
  city (provincial departments, and firms) are located in a designated city with ``placement_weight``
  times its usual weight (assumed — uncertain; 1 = no concentration), and the promotion centre screens
  needs located in designated cities first when its capacity binds (:mod:`sim.core.centre`).
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import Param

L = "lever"

PARAMS = [
    Param("zones.min_landed", L, int, "scenarios", (0, 10_000), "Landed scenarios for a city zone",
          "试验区落地场景门槛", "Scenarios landed in a city, since the start, for it to qualify as a pilot zone."),
    Param("zones.min_domains", L, int, "domains", (0, 100), "Domains for a city zone", "试验区领域门槛",
          "Distinct domains among those landed scenarios."),
    Param("zones.min_city_opened", L, int, "scenarios", (0, 10_000), "City's own opened scenarios",
          "市州自主开放门槛", "Scenarios a city government must itself have published to count as giving policy "
          "support (cities named in the plan have it from the start)."),
    Param("zones.industry_min_landed", L, int, "scenarios", (0, 10_000), "Landed scenarios for an industry zone",
          "行业试验区落地门槛", "Scenarios landed in an industry zone's focus domains and city."),
    Param("zones.review_every_months", L, int, "months", (1, 36), "Review cadence", "评定周期",
          "Months between reviews of candidates."),
    Param("zones.industry_min_suppliers", L, int, "firms", (0, 100_000), "Industry base for an industry zone",
          "行业试验区产业基础门槛", "Active suppliers in the zone's city with a capability in its focus domains."),
    Param("zones.max_designated", L, int, "zones", (0, 1000), "Zones the province designates", "试验区认定数量",
          "The most zones the province designates in all (comprehensive and industry together)."),
    Param("zones.placement_weight", L, float, "× city weight", (1.0, 100.0), "Concentrated placement",
          "应用场景集中布局", "Weight of a designated city, relative to its usual weight, when needs of openers "
          "with no home city are located (1: designation concentrates nothing)."),
]


class PilotZones:
    """Candidates, their state and the designation rule."""

    def __init__(self, model):
        case = model.case
        self.model = model
        self.p = {k.split(".", 1)[1]: v for k, v in model.params.items() if k.startswith("zones.")}
        cities = list(case.cities)
        self.ids = [c.id for c in cities] + [z.id for z in case.industry_zones]
        self.labels_zh = [c.zh for c in cities] + [z.zh for z in case.industry_zones]
        self.labels_en = [c.en for c in cities] + [z.en for z in case.industry_zones]
        self.kind = np.array(["comprehensive"] * len(cities) + ["industry"] * len(case.industry_zones))
        city_index = {c.id: i for i, c in enumerate(cities)}
        self.city = np.array(list(range(len(cities))) + [city_index[z.city] for z in case.industry_zones], dtype=np.int64)
        self.plan_named = np.array([c.plan_named for c in cities] + [z.plan_named for z in case.industry_zones])
        dom_index = {d.id: i for i, d in enumerate(case.domains)}
        self.focus = np.zeros((len(self.ids), len(case.domains)), dtype=bool)
        self.focus[: len(cities)] = True
        for j, z in enumerate(case.industry_zones):
            self.focus[len(cities) + j, [dom_index[d] for d in z.domains]] = True
        self.designated_month = np.full(len(self.ids), -1, dtype=np.int32)
        self.applied_month = np.full(len(self.ids), -1, dtype=np.int32)  # first review at which it applied
        self.zone_city = np.zeros(len(cities), dtype=bool)  # cities with a designated zone of either kind

    def __repr__(self) -> str:
        return f"PilotZones({self.n_designated} of {len(self.ids)} designated)"

    @property
    def n_designated(self) -> int:
        return int((self.designated_month >= 0).sum())

    def review_now(self) -> bool:
        return (self.model.t + 1) % self.p["review_every_months"] == 0

    def applicants(self) -> np.ndarray:
        """Candidates meeting the criteria now (see the module docstring), designated or not."""
        m = self.model
        n_cities, n_dom = m.n_cities, m.n_domains
        landed = m.scenarios.month_landed >= 0
        lc, ld = m.scenarios.city[landed], m.scenarios.domain[landed]
        counts = np.zeros((n_cities, n_dom), dtype=np.int64)
        np.add.at(counts, (lc, ld), 1)
        opened_by_city = np.bincount(m.scenarios.city[(m.scenarios.month_published >= 0) & m.opened_by_city],
                                     minlength=n_cities)
        support_city = m.case_city_plan_named | (opened_by_city >= self.p["min_city_opened"])
        self.in_focus = (counts[self.city] * self.focus).sum(axis=1)
        domains = ((counts[self.city] > 0) & self.focus).sum(axis=1)
        caps = m.capabilities
        sup = caps.supplier
        alive = m.suppliers.alive[sup]
        base = np.zeros((n_cities, n_dom), dtype=np.int64)
        np.add.at(base, (m.suppliers.city[sup[alive]], caps.domain[alive]), 1)
        industry_base = (base[self.city] * self.focus).sum(axis=1)  # supplier × focus-domain capabilities
        comprehensive = self.kind == "comprehensive"
        return np.flatnonzero(np.where(
            comprehensive,
            (self.in_focus >= self.p["min_landed"]) & (domains >= self.p["min_domains"]) & support_city[self.city],
            (self.in_focus >= self.p["industry_min_landed"]) & (industry_base >= self.p["industry_min_suppliers"])
            & (self.plan_named | support_city[self.city]),
        ))

    def designate(self) -> np.ndarray:
        """Review applications and designate up to the planned number; returns the candidates designated now."""
        m = self.model
        app = self.applicants()
        self.applied_month[app[self.applied_month[app] < 0]] = m.t
        app = app[self.designated_month[app] < 0]
        room = max(int(self.p["max_designated"]) - self.n_designated, 0)
        order = np.lexsort((app, -self.in_focus[app], ~self.plan_named[app]))
        new = app[order[:room]]
        self.designated_month[new] = m.t
        self.zone_city[self.city[new]] = True
        return new

    @property
    def n_applied(self) -> int:
        return int((self.applied_month >= 0).sum())

    def city_weight(self, weight: np.ndarray) -> np.ndarray:
        """Cities' weights for locating needs with no home city: designated cities weigh more (集中布局)."""
        return weight * np.where(self.zone_city, self.p["placement_weight"], 1.0)
