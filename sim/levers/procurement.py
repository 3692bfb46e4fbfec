"""Public procurement of demonstration-list solutions, with first purchase (政府采购、首购首用、"五首"清单).

Mechanism. Once a solution is validated (on the demonstration list):

* **first purchase** (``first_purchase`` on): a public body buys the first unit at once — a
  guaranteed first adoption at the solution's price, paid from the procurement budget — for
  solutions in domains with public adopters. Suppliers anticipate it when they bid (their success
  chance × the margin on one sale).
* **procurement**: public bodies among the potential adopters adopt at an extra hazard
  ``hazard_per_year`` on top of the market's Bass hazard; each such adoption is bought with
  procurement money while the year's budget lasts.

Only a supplier still in business is bought from: a public body cannot contract a firm that has exited
(or a branch that has closed); its solution may still spread among market adopters, who pay nobody
(:meth:`sim.core.market.diffusion.Diffusion.adopt`).

Both are *procured adoptions*: recorded apart from market adoptions (``adoptions_procured``), placed
among the non-adopters of the diffusion network (where, as public adopters, they are seen by their
neighbours and feed imitation), and counted towards large-scale application only if the case reads the
plan so (``diffusion.scale_counts_procured``; Hunan §(八) names procurement among the ways to 推广, so
Hunan counts them; ``scaled_market`` shows what the market alone carried). A procured adoption costs the
lever the whole price; a promotion (:mod:`sim.levers.matchmaking`) pays only for persuading.

Sources: Hunan plan §(八) "将验证成功的创新产品纳入'场景示范清单'，通过政府采购、'五首'清单…加以推广";
Hubei plan 保障措施 "推动政府机构、事业单位首购首用". Innovation-directed procurement raises sales of
products new to the firm (Czarnitzki et al. 2020, docs/sources.md). Magnitudes assumed — uncertain.
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import MONEY, Param
from sim.levers.base import Lever

L = "lever"


class Procurement(Lever):
    name = "procurement"
    label_zh = "政府采购与首购首用"
    label_en = "Public procurement and first purchase"
    PARAMS = [
        Param("procurement.budget_cny_per_year", L, float, "CNY/year", MONEY, "Procurement budget", "采购年度预算",
              "Yearly budget for buying validated solutions (0 turns procurement and first purchase off)."),
        Param("procurement.hazard_per_year", L, float, "1/year", (0.0, 10.0), "Procurement adoption hazard",
              "采购推广强度", "Extra adoption hazard per year among public potential adopters of a validated solution."),
        Param("procurement.first_purchase", L, bool, "on/off", (False, True), "First purchase", "首购首用",
              "Whether a public body buys the first unit of each newly validated solution."),
    ]

    def _on(self) -> bool:
        return self.active and self.model.fiscal.available(self.name) > 0

    def bid_bonus(self, pairs):
        m = self.model
        if not (self.p["first_purchase"] and self._on()):
            return 0.0
        public = m.domain_public_share[pairs.domain] > 0
        value = public * pairs.p_success * m.params["diffusion.margin"] * m.price(pairs.budget)
        lottery = m.lottery_for("first_purchase")
        return value * lottery.expected(m, pairs.supplier) if lottery is not None else value

    def on_validated(self, scenarios):
        m = self.model
        if not (self.p["first_purchase"] and self.active) or len(scenarios) == 0:
            return
        o = scenarios[(m.public_remaining(scenarios) > 0) & m.suppliers.alive[m.scenarios.supplier[scenarios]]]
        lottery = m.lottery_for("first_purchase")
        if lottery is not None and len(o):  # an in-silico trial: eligible solutions allotted by lottery
            o = o[lottery.draw(m, m.scenarios.supplier[o])]
        if len(o) == 0:
            return
        paid = m.fiscal.pay(self.name, "first_purchase", m.price(m.scenarios.budget[o]), m.scenarios.supplier[o], o)
        m.adopt(o[paid > 0], np.ones(int((paid > 0).sum()), dtype=np.int64), lever_paid=True)
        if lottery is not None:
            lottery.record(m, m.scenarios.supplier[o[paid > 0]], o[paid > 0], paid[paid > 0])

    def adoption_hazard(self, scenarios):
        return self.p["hazard_per_year"] if self.active else 0.0

    def on_adoptions(self, scenarios, n_extra):
        m = self.model
        want = (n_extra > 0) & m.suppliers.alive[m.scenarios.supplier[scenarios]]  # from firms in business
        funded = np.zeros_like(n_extra)
        if want.any():
            o = scenarios[want]
            paid = m.fiscal.pay(self.name, "procurement", m.price(m.scenarios.budget[o]) * n_extra[want],
                                m.scenarios.supplier[o], o)
            funded[want] = np.where(paid > 0, n_extra[want], 0)
        return funded
