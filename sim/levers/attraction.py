"""Scenario-based investment attraction (场景招商).

Mechanism. Published opportunities are advertised to firms outside the province ("市场+资源+应用场景"
招商). Each month, for every domain, Poisson(``firms_per_opportunity`` × opportunities published in
that domain this month) firms move in — little-giant SMEs, or leading firms with probability
``leader_share`` — each with its first capability in that domain, registered on the capability list,
while the budget pays the incentive ``incentive_cny`` per firm. Attracted firms then bid like any
other. Sources: Hunan plan §(九) "推广应用场景招商新模式"; Chengdu and Wuxi opportunity lists (FACTS.md).
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import MONEY, Param, SHARE
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
        Param("attraction.firms_per_opportunity", U, float, "firms/opportunity", (0.0, 10.0),
              "Firms drawn per opportunity", "单个机会吸引企业数", "Expected outside firms drawn in per published opportunity."),
        Param("attraction.leader_share", U, float, "share", SHARE, "Share of leaders among them", "龙头企业占比",
              "Chance an attracted firm is a leading firm rather than an SME."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.attracted = 0

    def act(self):
        m = self.model
        if not self.active or self.p["firms_per_opportunity"] <= 0:
            return
        new = np.flatnonzero(m.scenarios.month_published == m.t)
        if len(new) == 0:
            return
        per_domain = np.bincount(m.scenarios.domain[new], minlength=m.n_domains)
        n = m.draws.poisson("attract", m.t, np.arange(m.n_domains), lam=self.p["firms_per_opportunity"] * per_domain)
        domains = np.repeat(np.arange(m.n_domains), n)
        if len(domains) == 0:
            return
        incentive = self.p["incentive_cny"]
        if incentive > 0:  # only as many firms as the year's budget can reward
            domains = domains[: int(m.fiscal.available(self.name) // incentive)]
        if len(domains) == 0:
            return
        leader = m.draws.uniform("attract_kind", m.t, np.arange(len(domains))) < self.p["leader_share"]
        kinds = np.where(leader, SUPPLIER_KINDS.index("leader"), SUPPLIER_KINDS.index("sme"))
        idx = m.add_suppliers(kinds, entered=m.t, first_domain=domains, source=SOURCE)
        m.register_suppliers(idx)
        if incentive > 0:
            m.fiscal.pay(self.name, "incentive", np.full(len(idx), incentive), idx)
        self.attracted += len(idx)
        m.recorder.count(m.t, "attracted_suppliers", len(idx), city=m.suppliers.city[idx])
        m.recorder.count(m.t, "supplier_entries", len(idx), city=m.suppliers.city[idx])

    def summary(self):
        return {"attracted": self.attracted}
