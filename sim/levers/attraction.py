"""Scenario-based investment attraction (场景招商).

Whom it reaches and which decision it changes. The decision is an outside firm's choice of location:
whether to set up in the province to pursue an opportunity there. The province uses its
opportunities as the offer ("市场+资源+应用场景"招商): it advertises those that local supply could not
serve — each month, every opportunity whose call closed **without a match** (no local bidder the
owner accepted) — to firms outside the province, with an incentive ``incentive_cny`` per firm that
moves in. Opportunities that local firms win in their first call are not advertised: attracting a
rival for them would add no scenario.

The rule. For each advertised opportunity, Poisson(``firms_per_opportunity``) outside firms consider
it (little-giant SMEs, or leading firms with probability ``leader_share``), each knowing its own
readiness in the domain (drawn like any firm of its kind: outside firms are not assumed better). Each
weighs its cost of setting up in the province — lognormal with median ``relocation_cost_cny`` and
log-sd ``relocation_sigma``, drawn per firm — against the incentive plus the opportunity's value to
it, computed as a bidder would (:func:`sim.core.agents.expected_net_value`: its own chance of
passing × the expected follow-on, less its outlay of cost minus the owner's payment, at a typical
cost). It moves in when incentive + value ≥ cost, while the year's budget can pay the incentive, so
firms that can deliver self-select. A firm that moves in gets its first capability in the
opportunity's domain at the readiness it weighed, is registered on the capability list and knows of
the opportunity it came for; it then bids, and is chosen, by the same rules as everyone else. So the
incentive changes the location decision of firms whose relocation cost lies between the
opportunity's value and that value plus the incentive; the lever adds scenarios only where an
attracted firm wins an opportunity local supply left open.

Why its effect on the targets is small (a finding). Measured on the Hunan case (20 replicates, common
random numbers): about 230 outside firms a run consider an advertised opportunity and about 1.3 move
in; the budget is never reached, so doubling it changes nothing. Under suppliers' expectations (a
follow-on of ``bid.followon_multiple`` × budget) a pilot is worth about nothing net of the supplier's
outlay, so the ¥1 m incentive rarely covers a relocation cost (median ¥5 m). Even at the generous
ends of the ranges (relocation cost ¥1 m, incentive ¥3 m, 5 firms per opportunity; 10 replicates)
17 firms a run move in (36 with the budget doubled) and no target moves beyond noise: a newcomer is
an unproven SME (or, one time in five, a leader) who must still clear the owner's bar against local
bidders, and local supply already serves most opportunities. The lever acts at the supply stage,
which is not what holds the targets back.

Evidence. Hunan plan §(九) "推广应用场景招商新模式…发展'市场+资源+应用场景'招商新模式…长株潭共同发布城市场景机会
清单"; Shanghai's 引凤场景 attraction (document 003); Chengdu and Wuxi opportunity lists (docs/sources.md). Shanghai's
first AI batch drew ≈9 proposed solutions a need, later batches far fewer (docs/sources.md): how many of them
come from outside a province and would move is not published, nor is a relocation cost — both are
assumed — uncertain (ranges in the case file).
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import MONEY, Param, SHARE
from sim.base.sets import flags
from sim.base.vocab import SUPPLIER_KINDS
from sim.levers.base import Lever

L, U = "lever", "uncertainty"
SOURCE = 1  # key tag of attracted entrants (ordinary entry is 0)


class Attraction(Lever):
    name = "attraction"
    label_zh = "场景招商"
    label_en = "Scenario-based investment attraction"
    PARAMS = [
        Param("attraction.budget_cny_per_year", L, float, "CNY/year", MONEY, "Attraction budget", "场景招商年度预算",
              "Yearly budget for incentives to firms that move in (0 turns it off)."),
        Param("attraction.incentive_cny", L, float, "CNY/firm", MONEY, "Incentive per firm", "单家企业奖励",
              "Incentive paid to each firm that moves in."),
        Param("attraction.firms_per_opportunity", U, float, "firms/opportunity", (0.0, 20.0),
              "Outside firms considering an advertised opportunity", "单个招商机会的外地意向企业数",
              "Expected outside firms that consider moving in for each advertised (locally unserved) opportunity."),
        Param("attraction.leader_share", U, float, "share", SHARE, "Share of leaders among them", "龙头企业占比",
              "Chance an outside firm considering a move is a leading firm rather than an SME."),
        Param("attraction.relocation_cost_cny", U, float, "CNY", MONEY, "Median relocation cost", "落地成本中位数",
              "Median cost to an outside firm of setting up in the province (lognormal across firms)."),
        Param("attraction.relocation_sigma", U, float, "log-units", (0.0, 3.0), "Spread of relocation costs",
              "落地成本离散度", "Log-standard deviation of relocation costs across firms."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.attracted = 0
        self.considered = 0
        self.came_for = np.zeros(0, dtype=np.int64)  # attracted supplier * 2**32 + the opportunity it came for

    def advertised(self) -> np.ndarray:
        """Opportunities whose call closed this month without a match (local supply did not serve them)."""
        m = self.model
        s = m.scenarios
        call = m.params["selection.call_months"]
        o = m.open_scenarios()
        return o[(m.t - s.month_published[o]) % call == call - 1]

    def opportunity_value(self, scenarios, readiness) -> np.ndarray:
        """What an opportunity is worth (CNY) to an outside firm of the given readiness, as a bidder values
        it: its chance of passing × the expected follow-on, less its outlay at a typical cost."""
        m = self.model
        s = m.scenarios
        outlay = s.budget[scenarios] - m.opener_payment(scenarios, m.price_ceiling(scenarios))  # paid at the ceiling
        p_success = m.success_prob(readiness, s.required[scenarios], s.tier[scenarios])
        # the bidder's rule (sim.core.agents.expected_net_value) without levers' relief or bonus, at the
        # follow-on local suppliers have learnt to expect
        return -outlay + p_success * m.followon_expected(scenarios) * s.budget[scenarios]

    def act(self):
        m = self.model
        if not self.active or self.p["firms_per_opportunity"] <= 0:
            return
        adv = self.advertised()
        if len(adv) == 0:
            return
        key = m.scenarios.key[adv]
        n = m.draws.poisson("attract", m.t, key, lam=self.p["firms_per_opportunity"])
        o = np.repeat(adv, n)
        if len(o) == 0:
            return
        j = np.arange(len(o)) - np.repeat(np.cumsum(n) - n, n)  # the j-th firm considering opportunity o
        okey, self.considered = m.scenarios.key[o], self.considered + len(o)
        leader = m.draws.uniform("attract_kind", m.t, okey, j) < self.p["leader_share"]
        kinds = np.where(leader, SUPPLIER_KINDS.index("leader"), SUPPLIER_KINDS.index("sme"))
        mean = np.array([m.params[f"supply.readiness_mean.{k}"] for k in SUPPLIER_KINDS])[kinds]
        ready = m.draws.normal("attract_readiness", m.t, okey, j, loc=mean, scale=m.params["supply.readiness_sd"])
        ready = np.clip(ready, 1, 9)
        cost = m.draws.lognormal("relocation_cost", m.t, okey, j, median=self.p["relocation_cost_cny"],
                                 sigma=self.p["relocation_sigma"])
        incentive = self.p["incentive_cny"]
        move = incentive + self.opportunity_value(o, ready) >= cost
        o, kinds, ready = o[move], kinds[move], ready[move]
        if incentive > 0:  # only as many firms as the year's budget can reward
            k = int(m.fiscal.available(self.name) // incentive)
            o, kinds, ready = o[:k], kinds[:k], ready[:k]
        if len(o) == 0:
            return
        idx = m.add_suppliers(kinds, entered=m.t, first_domain=m.scenarios.domain[o], source=SOURCE,
                              first_readiness=ready)
        m.register_suppliers(idx)
        if incentive > 0:
            m.fiscal.pay(self.name, "incentive", np.full(len(idx), incentive), idx)
        self.came_for = np.union1d(self.came_for, idx.astype(np.int64) * (1 << 32) + o)
        self.attracted += len(idx)
        m.recorder.count(m.t, "attracted_suppliers", len(idx), city=m.suppliers.city[idx])
        m.recorder.count(m.t, "supplier_entries", len(idx), city=m.suppliers.city[idx])

    def aware_pairs(self, scenarios, listed):
        """A firm that moved in knows of the opportunity it came for, while that is open."""
        if len(self.came_for) == 0:
            return None
        m = self.model
        sup, o = self.came_for // (1 << 32), self.came_for % (1 << 32)
        open_now = flags(scenarios, len(m.scenarios))[o]
        sup, o = sup[open_now], o[open_now]
        c = m.capabilities.find(sup, m.scenarios.domain[o])
        return o[c >= 0], c[c >= 0]

    def summary(self):
        return {"attracted": self.attracted, "attraction_considered": self.considered}
