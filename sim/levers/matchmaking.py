"""Matchmaking events, roadshows and the one-stop platform (场景对接会、路演、一站式服务平台).

Mechanism. The promotion centre releases the opportunity list every ``release_every_months``
(Hubei: monthly release). Each month it holds ``events_per_month`` matchmaking events (the fraction
as a chance of one more), each costing ``cost_per_event_cny`` from the yearly budget and themed on
the domain with the most open opportunities (weighted draw); ``firms_per_event`` suppliers with a
capability in that domain attend. Attendees are *served*, register on the capability list, and learn
of every open opportunity in the domain this month. Suppliers registered on the capability list see
each published opportunity in their domains through the platform with probability
``platform_reach`` a month; a bid made through the platform counts as a matchmaking service too.
What counts as an "enterprise served" is thus an outcome of these settings. Sources: Hunan plan
§(五), §(十) and the target "为不少于1000家企业开展场景对接"; Hubei "月度发布、季度推介、年度评选";
Hefei ≥1 event a week (FACTS.md).

Hubei's cadence "月度发布、季度推介、年度评选" (monthly release, quarterly promotion, annual selection) is
a setting of this lever: every ``promotion_every_months`` a promotion event (推介, one event's cost)
presents the demonstration list to potential adopters, adding ``promotion_lift`` to the innovation
hazard of every validated solution that month; every ``selection_every_months`` the centre selects
the ``benchmarks_per_selection`` most-adopted validated scenarios as benchmark cases (标杆案例),
whose innovation hazard is raised by ``benchmark_lift`` from then on. Every event counts towards
Hubei's "≥100 matchmaking and promotion events a year".
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import MONEY, Param, SHARE
from sim.base.vocab import State
from sim.levers._util import grow
from sim.levers.base import Lever

L, U = "lever", "uncertainty"


class Matchmaking(Lever):
    name = "matchmaking"
    label_zh = "场景对接活动与一站式平台"
    label_en = "Matchmaking events and platform"
    PARAMS = [
        Param("matchmaking.budget_cny_per_year", L, float, "CNY/year", MONEY, "Events budget", "对接活动年度预算",
              "Yearly budget for matchmaking events and roadshows."),
        Param("matchmaking.events_per_month", L, float, "events/month", (0.0, 100.0), "Events per month",
              "每月对接活动场次", "Matchmaking events and roadshows held per month."),
        Param("matchmaking.firms_per_event", L, int, "firms/event", (0, 10_000), "Firms per event", "每场参与企业数",
              "Suppliers attending each event."),
        Param("matchmaking.platform_reach", L, float, "probability/month", SHARE, "Platform reach", "平台触达率",
              "Chance a month that a registered supplier sees a given published opportunity in its domains."),
        Param("matchmaking.release_every_months", L, int, "months", (1, 12), "List release cadence", "清单发布周期",
              "Months between releases of the opportunity list (1 = monthly release)."),
        Param("matchmaking.promotion_every_months", L, int, "months", (0, 24), "Promotion cadence", "推介周期",
              "Months between promotion events for the demonstration list (0: none; Hubei: quarterly)."),
        Param("matchmaking.selection_every_months", L, int, "months", (0, 36), "Benchmark selection cadence",
              "评选周期", "Months between selections of benchmark cases (0: none; Hubei: annual)."),
        Param("matchmaking.benchmarks_per_selection", L, int, "scenarios", (0, 1000), "Benchmarks per selection",
              "每次评选标杆数", "Validated scenarios selected as benchmark cases at each selection."),
        Param("matchmaking.cost_per_event_cny", U, float, "CNY/event", MONEY, "Cost per event", "单场活动成本",
              "Fiscal cost of one event."),
        Param("matchmaking.promotion_lift", U, float, "1/year", (0.0, 10.0), "Promotion lift", "推介效应",
              "Extra innovation hazard of demonstration-list solutions in a promotion month."),
        Param("matchmaking.benchmark_lift", U, float, "1/year", (0.0, 10.0), "Benchmark lift", "标杆效应",
              "Extra innovation hazard of a benchmark case from its selection on."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self._event_keys = np.zeros(0, dtype=np.int64)  # supplier * n_domains + domain, this month
        self.events_held = 0
        self.promotions = 0
        self.benchmark = np.zeros(0, dtype=bool)
        self._promoting = False

    def releases_now(self) -> bool:
        return self.model.t % self.p["release_every_months"] == 0

    def _every(self, months: int) -> bool:
        return months > 0 and (self.model.t + 1) % months == 0

    def _pay_event(self) -> bool:
        cost = self.p["cost_per_event_cny"]
        ok = cost <= 0 or self.model.fiscal.pay(self.name, "event", [cost], [-1], to="economy")[0] > 0
        if ok:
            self.model.recorder.count(self.model.t, "events", 1)
        return ok

    def hold_events(self):
        m = self.model
        self._event_keys = np.zeros(0, dtype=np.int64)
        self._promoting = self._every(self.p["promotion_every_months"]) and self._pay_event()
        self.promotions += self._promoting
        if self._every(self.p["selection_every_months"]):
            self._select_benchmarks()
        rate = self.p["events_per_month"]
        n = int(rate) + int(m.draws.uniform("event_extra", m.t) < rate - int(rate))
        if n == 0 or self.p["firms_per_event"] == 0:
            return
        open_by_domain = np.bincount(m.scenarios.domain[m.open_scenarios()], minlength=m.n_domains)
        keys = []
        for e in range(n):
            if not self._pay_event():
                break  # the year's events budget is spent
            w = (open_by_domain + 1.0) / (open_by_domain + 1.0).sum()
            d = int(np.searchsorted(np.cumsum(w), m.draws.uniform("event_domain", m.t, e), side="right"))
            d = min(d, m.n_domains - 1)
            c = m.capabilities.in_domain(d)
            s = m.capabilities.supplier[c]
            s = np.unique(s[m.suppliers.alive[s]])
            if len(s) == 0:
                continue
            order = np.argsort(m.draws.uniform("event_invite", m.t, e, m.suppliers.key[s]))
            came = s[order[: self.p["firms_per_event"]]]
            m.serve(came)
            m.register_suppliers(came)
            keys.append(came.astype(np.int64) * m.n_domains + d)
            self.events_held += 1
        if keys:
            self._event_keys = np.unique(np.concatenate(keys))

    def aware_pairs(self, pairs):
        m = self.model
        via_platform = m.suppliers.registered[pairs.supplier] & (
            m.draws.uniform("platform", m.t, m.suppliers.key[pairs.supplier], m.scenarios.key[pairs.scenario]) < self.p["platform_reach"])
        if len(self._event_keys):
            via_event = np.isin(pairs.supplier.astype(np.int64) * m.n_domains + pairs.domain, self._event_keys)
            return via_platform | via_event
        return via_platform

    def _select_benchmarks(self):
        m = self.model
        s = m.scenarios
        self.benchmark = grow(self.benchmark, len(s), False)
        cand = np.flatnonzero(np.isin(s.state, (State.VALIDATED, State.SCALED)) & ~self.benchmark[: len(s)])
        k = self.p["benchmarks_per_selection"]
        if len(cand) == 0 or k == 0:
            return
        best = cand[np.lexsort((s.key[cand], -s.adopters[cand]))][:k]
        self.benchmark[best] = True

    def market_hazard(self, scenarios):
        self.benchmark = grow(self.benchmark, len(self.model.scenarios), False)
        lift = self.p["benchmark_lift"] * self.benchmark[scenarios]
        if self._promoting:
            lift = lift + self.p["promotion_lift"]
        return lift

    def summary(self):
        return {"events_held": self.events_held, "promotions": self.promotions,
                "benchmarks": int(self.benchmark.sum())}
