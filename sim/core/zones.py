"""Scenario-innovation pilot zones (场景创新试验区) and the rule by which a candidate is designated.

Candidates are every city (a "comprehensive major scenario pilot zone", 综合性重大场景试验区) and the
case's industry zones (行业领域集成式场景试验区, e.g. 湘江科学城, 马栏山). Every
``review_every_months`` the province reviews candidates; designation is permanent.

* A city is designated when, since the plan's start, at least ``min_landed`` scenarios located in it
  have landed, across at least ``min_domains`` domains, and it has policy support: it is named in the
  plan, or its government has itself opened (published) at least ``min_city_opened`` scenarios.
* An industry zone is designated when at least ``industry_min_landed`` scenarios in its focus domains
  have landed in its city, and it is named in the plan or its city has policy support.

Source: Hunan plan §(十一); the rule's thresholds are assumed — uncertain (levers a province sets).
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

    def __repr__(self) -> str:
        return f"PilotZones({self.n_designated} of {len(self.ids)} designated)"

    @property
    def n_designated(self) -> int:
        return int((self.designated_month >= 0).sum())

    def review_now(self) -> bool:
        return (self.model.t + 1) % self.p["review_every_months"] == 0

    def designate(self) -> np.ndarray:
        """Apply the rule; returns the indices of candidates designated now."""
        m = self.model
        n_cities, n_dom = m.n_cities, m.n_domains
        landed = m.scenarios.month_landed >= 0
        lc, ld = m.scenarios.city[landed], m.scenarios.domain[landed]
        counts = np.zeros((n_cities, n_dom), dtype=np.int64)
        np.add.at(counts, (lc, ld), 1)
        opened_by_city = np.bincount(m.scenarios.city[(m.scenarios.month_published >= 0) & m.opened_by_city],
                                     minlength=n_cities)
        support_city = m.case_city_plan_named | (opened_by_city >= self.p["min_city_opened"])
        in_focus = (counts[self.city] * self.focus).sum(axis=1)
        domains = ((counts[self.city] > 0) & self.focus).sum(axis=1)
        comprehensive = self.kind == "comprehensive"
        qualifies = np.where(
            comprehensive,
            (in_focus >= self.p["min_landed"]) & (domains >= self.p["min_domains"]) & support_city[self.city],
            (in_focus >= self.p["industry_min_landed"]) & (self.plan_named | support_city[self.city]),
        )
        new = np.flatnonzero(qualifies & (self.designated_month < 0))
        self.designated_month[new] = m.t
        return new
