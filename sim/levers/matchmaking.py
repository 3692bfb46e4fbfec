"""Matchmaking events, roadshows, promotion and the one-stop platform (场景对接会、路演、推介、一站式服务平台).

**Matchmaking (supply side).** The promotion centre releases the opportunity list every
``release_every_months`` (Hubei: monthly release). Its ordinary events are themed on a domain (a draw
weighted by open opportunities), each costing ``cost_per_event_cny``; ``firms_per_event`` suppliers
with a capability in that domain attend. Attendees are *served*, register on the capability list, and
learn of every open opportunity in the domain this month. Suppliers registered on the capability list
see each published opportunity in their domains through the platform with probability
``platform_reach`` a month; a bid made through the platform counts as a matchmaking service too. What
counts as an "enterprise served" is thus an outcome of these settings. Sources: Hunan plan §(五), §(十)
and the target "为不少于1000家企业开展场景对接"; Hubei "月度发布、季度推介、年度评选"; Hefei ≥1 event a
week (docs/sources.md).

**The events plan (a decision, not luck).** At the start of each year the centre plans its events
within the year's budget: first the promotion events its cadence calls for (``promotion_every_months``,
Hubei: quarterly 推介), then ordinary events — ``events_per_month`` for each month of the year in the
horizon, or, where the plan itself sets a yearly number of events (a per-year target on the metric
``events``, e.g. Hubei's "每年…举办100场以上对接推广活动") and ``plan_events_target`` is on, at least that
number less the promotions — as many as the rest of the budget pays for, spread evenly over the months.
Promotions are budgeted first, so holding more ordinary events can never starve a promotion late in
the year. An events target the plan sets is then met by decision whenever the budget allows: it is an
administrative target, reported with its cost (the ``event`` flow of the fiscal ledger), not evidence
of market success.

**Promotion (demand side, bounded by whom it reaches).** A promotion event (one event's cost) presents
at most ``promotion_solutions`` demonstration-list solutions — those not yet presented first, newest
first — to at most ``promotion_attendees`` potential adopters, invited among each presented solution's
non-adopters in proportion to their number. Each attendee decides on the spot: it adopts the solution it
came for with probability ``promotion_conversion`` (a market adoption: it pays the price). The effect is
thus bounded per event (attendees × conversion) and per solution (only the presented ones gain).
Grounds: roadshows present about 10–15 projects to 60-odd attendees and yield a few matches (Hunan 金芙蓉
Xiangxi roadshow: 15 projects → 7 intended cooperations; Shaanxi/Zhongguancun-type roadshows: 10–13
projects, 60+ attendees → about 2 matches; Sichuan ≈10 projects an event; docs/sources.md); the conversion is
assumed — uncertain within that order of magnitude.

**Benchmark cases (标杆案例).** Every ``selection_every_months`` the centre selects the
``benchmarks_per_selection`` most-adopted validated scenarios not yet selected. Publicising a benchmark
(Hunan §(十三) 及时总结、提炼和宣传推广典型经验做法; Hubei 年度评选) makes its adopters visible beyond their
own city and sector: it closes a share ``benchmark_reach`` of the gap between local and province-wide
contact in the diffusion network (hook ``publicity_reach``). Its effect is bounded by the benchmark's
own adopters and by how local contact is: under full mixing it has none. Every event counts towards
Hubei's "≥100 matchmaking and promotion events a year".
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import MONEY, Param, SHARE
from sim.base.rng import bernoulli_positions
from sim.base.sets import among
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
              "Yearly budget for matchmaking events, roadshows and promotion events."),
        Param("matchmaking.events_per_month", L, float, "events/month", (0.0, 100.0), "Events per month",
              "每月对接活动场次", "Ordinary matchmaking events and roadshows the centre plans per month (the year's "
              "plan rounds the year's total; promotion events come on top)."),
        Param("matchmaking.plan_events_target", L, bool, "on/off", (False, True), "Plan the plan's events number",
              "按方案目标安排活动", "Whether the centre plans at least the yearly number of events the plan sets "
              "(where it sets one), within the budget."),
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
        Param("matchmaking.promotion_solutions", U, int, "solutions/event", (0, 1000), "Solutions per promotion",
              "每场推介方案数", "Demonstration-list solutions one promotion event presents."),
        Param("matchmaking.promotion_attendees", U, int, "adopters/event", (0, 100_000), "Attendees per promotion",
              "每场推介采用方数", "Potential adopters one promotion event reaches."),
        Param("matchmaking.promotion_conversion", U, float, "probability", SHARE, "Promotion conversion",
              "推介转化率", "Chance that an attendee adopts the presented solution it came for."),
        Param("matchmaking.benchmark_reach", U, float, "share", SHARE, "Benchmark publicity reach", "标杆宣传覆盖",
              "Share of the gap between local and province-wide contact among potential adopters that a "
              "benchmark case's publicity closes (0: none; 1: its adopters are seen province-wide)."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self._event_keys = np.zeros(0, dtype=np.int64)  # supplier * n_domains + domain, this month
        self.events_held = 0
        self.promotions = 0
        self.promotion_adoptions = 0
        self.benchmark = np.zeros(0, dtype=bool)
        self.presented = np.zeros(0, dtype=bool)
        self._ordinary: dict[int, int] = {}  # month → ordinary events planned
        self._promotion_months: set[int] = set()
        self.plans: dict[int, dict] = {}  # year → the centre's plan

    def releases_now(self) -> bool:
        return self.model.t % self.p["release_every_months"] == 0

    def _every(self, months: int, t: int | None = None) -> bool:
        t = self.model.t if t is None else t
        return months > 0 and (t + 1) % months == 0

    # ------------------------------------------------------------------------------ the year's plan
    def events_target(self, year: int) -> float:
        """The yearly number of events the plan itself sets for ``year`` (0 if none)."""
        return max((t.threshold for t in self.model.case.targets
                    if t.metric == "events" and t.kind == "per_year" and year in t.years), default=0.0)

    def on_year_start(self, year: int) -> None:
        """Plan the year's events within its budget: promotions first, then ordinary events."""
        m = self.model
        months = [t for t in range(m.t, m.calendar.n_months) if m.calendar.year(t) == year]
        promo = [t for t in months if self._every(self.p["promotion_every_months"], t)]
        wanted = int(np.floor(self.p["events_per_month"] * len(months) + 0.5))
        target = self.events_target(year) if self.p["plan_events_target"] else 0.0
        wanted = max(wanted, int(np.ceil(target)) - len(promo))
        if self.p["firms_per_event"] == 0:
            wanted = 0
        cost = self.p["cost_per_event_cny"]
        if cost > 0:
            affordable = int(np.floor(m.fiscal.available(self.name) / cost + 1e-9))
            promo = promo[:affordable]
            wanted = min(wanted, affordable - len(promo))
        self._promotion_months = set(promo)
        n = len(months)
        per = [(i + 1) * wanted // n - i * wanted // n for i in range(n)] if n else []
        self._ordinary = dict(zip(months, per))
        self.plans[year] = {"ordinary": wanted, "promotions": len(promo), "target": target,
                            "cost_cny": (wanted + len(promo)) * cost}

    def _pay_event(self) -> bool:
        cost = self.p["cost_per_event_cny"]
        ok = cost <= 0 or self.model.fiscal.pay(self.name, "event", [cost], [-1], to="economy")[0] > 0
        if ok:
            self.model.recorder.count(self.model.t, "events", 1)
        return ok

    # ------------------------------------------------------------------------------------ events
    def hold_events(self):
        m = self.model
        self._event_keys = np.zeros(0, dtype=np.int64)
        if m.t in self._promotion_months and self._pay_event():
            self.promotions += 1
            self.promote()
        if self._every(self.p["selection_every_months"]):
            self._select_benchmarks()
        n = self._ordinary.get(m.t, 0)
        if n == 0:
            return
        open_by_domain = np.bincount(m.scenarios.domain[m.open_scenarios()], minlength=m.n_domains)
        keys = []
        for e in range(n):
            if not self._pay_event():
                break  # cannot happen within the plan; kept as a guard on the budget
            w = (open_by_domain + 1.0) / (open_by_domain + 1.0).sum()
            d = int(np.searchsorted(np.cumsum(w), m.draws.uniform("event_domain", m.t, e), side="right"))
            d = min(d, m.n_domains - 1)
            c = m.capabilities.in_domain(d)
            s = m.capabilities.supplier[c]
            s = s[m.suppliers.alive[s]]  # sorted (the capability list is by domain, then supplier) …
            if len(s) == 0:
                continue
            s = s[np.concatenate([[True], s[1:] != s[:-1]])]  # … so np.unique's result without its sort
            # the invited: the firms_per_event lowest draws (a set: who comes, not in what order)
            u, k = m.draws.uniform("event_invite", m.t, e, m.suppliers.key[s]), int(self.p["firms_per_event"])
            came = s if len(s) <= k else s[np.argpartition(u, k - 1)[:k]]
            m.serve(came)
            m.register_suppliers(came)
            keys.append(came.astype(np.int64) * m.n_domains + d)
            self.events_held += 1
        if keys:
            self._event_keys = np.unique(np.concatenate(keys))

    def aware_pairs(self, scenarios, listed):
        """The platform: each supplier on the capability list sees each open opportunity in its domain with
        probability ``platform_reach`` this month, independently — drawn per opportunity by geometric
        skips over its domain's part of the list (:func:`~sim.base.rng.bernoulli_positions`), at a cost
        proportional to the pairs seen. An event: its attendees learn of every open opportunity in the
        event's domain."""
        m = self.model
        order, dcount, dstart = listed
        dom = m.scenarios.domain[scenarios]
        g, pos = bernoulli_positions(m.draws, "platform", m.t, m.scenarios.key[scenarios], dcount[dom],
                                     self.p["platform_reach"])
        o, c = scenarios[g], order[dstart[dom[g]] + pos]
        if len(self._event_keys):
            s_ev, d_ev = self._event_keys // m.n_domains, self._event_keys % m.n_domains
            by_domain = np.argsort(dom, kind="stable")
            n_open = np.bincount(dom, minlength=m.n_domains)
            k = n_open[d_ev]  # open opportunities in each attendee's event domain
            at = np.repeat(np.cumsum(n_open)[d_ev] - k - (np.cumsum(k) - k), k) + np.arange(k.sum())
            ev_o = scenarios[by_domain[at]]
            ev_c = m.capabilities.find(np.repeat(s_ev, k), np.repeat(d_ev, k))
            o, c = np.concatenate([o, ev_o[ev_c >= 0]]), np.concatenate([c, ev_c[ev_c >= 0]])
        return o, c

    # ------------------------------------------------------------------------- promotion, benchmarks
    def presentable(self) -> np.ndarray:
        """Demonstration-list solutions a promotion would present, in order: not yet presented first,
        then the newest on the list, then by key; at most ``promotion_solutions``."""
        s = self.model.scenarios
        self.presented = grow(self.presented, len(s), False)
        cand = np.flatnonzero(among(s.state, (State.VALIDATED, State.SCALED)) & (s.adopters < s.market))
        order = np.lexsort((s.key[cand], -s.month_validated[cand], self.presented[cand]))
        return cand[order][: self.p["promotion_solutions"]]

    def promote(self) -> np.ndarray:
        """One promotion event: present solutions to invited potential adopters, who decide on the spot.
        Returns the adoptions per presented solution."""
        shown = self.presentable()
        if len(shown) == 0 or self.p["promotion_attendees"] == 0:
            return np.zeros(0, dtype=np.int64)
        n = self.model.present_solutions(shown, self.p["promotion_attendees"], self.p["promotion_conversion"])
        self.presented[shown] = True
        self.promotion_adoptions += int(n.sum())
        return n

    def _select_benchmarks(self):
        m = self.model
        s = m.scenarios
        self.benchmark = grow(self.benchmark, len(s), False)
        cand = np.flatnonzero(among(s.state, (State.VALIDATED, State.SCALED)) & ~self.benchmark[: len(s)])
        k = self.p["benchmarks_per_selection"]
        if len(cand) == 0 or k == 0:
            return
        best = cand[np.lexsort((s.key[cand], -s.adopters[cand]))][:k]
        self.benchmark[best] = True

    def publicity_reach(self, scenarios):
        self.benchmark = grow(self.benchmark, len(self.model.scenarios), False)
        return self.p["benchmark_reach"] * self.benchmark[scenarios]

    def summary(self):
        return {"events_held": self.events_held, "promotions": self.promotions,
                "promotion_adoptions": self.promotion_adoptions, "benchmarks": int(self.benchmark.sum())}
