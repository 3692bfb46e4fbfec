"""Public data opening with graded authorisation (公共数据开放、授权运营).

Mechanism. The province opens a share ``level`` of its public data to authorised users, as far as
the yearly budget allows (opening everything costs ``cost_cny_per_year_full`` a year; the level
reached is min(``level``, budget ÷ that cost)), paid monthly. In data-dependent domains (marked in
the case) every supplier's delivery cost falls by level × ``cost_cut`` and its effective readiness
rises by level × ``readiness_gain`` TRL points. The decisions it changes are all of them a little:
each bid decision in those domains (a lower outlay, a higher chance of passing), the owner's choice
only through the success chance, and each pilot's verdict.

Whom it reaches, and why its effect is small (measured, Hunan, 20 replicates with common random
numbers: see the effects table). Data is a public good once open: the lever reaches every supplier
in data-dependent domains, most of whose bids and verdicts would go the same way without it — at the
case values (level 0.3, cost cut 0.1, gain 0.3 TRL) a pair's readiness rises by 0.09 TRL and its cost
falls by 3 %, against owners' bars and requirement spreads of about a TRL. Its measured effect on the
targets is within noise while it costs the full operating bill. Doubling the budget buys nothing at
the case values: the level is set by the policy aim (``level``), and the budget already pays for it;
only a higher aim (or a cheaper platform) changes the outcome. This is a finding about the
instrument as modelled — data opening acts on a stage (broad delivery cost and readiness) that is not
the bottleneck of the targets — not a reason to change its sizes, which are assumed — uncertain.

Sources: Hunan plan §(十四) "规范推进公共数据资源授权运营…探索建立分级分类授权使用机制"; Hubei §(十二)
公共数据分级分类开放. No public figure for the cost of opening a province's data or for its effect on
firms' costs was found: all sizes are assumed — uncertain (ranges in the case file).
"""

from __future__ import annotations


from sim.params.registry import MONEY, Param, SHARE
from sim.levers.base import Lever

L, U = "lever", "uncertainty"


class DataOpening(Lever):
    name = "data_opening"
    label_zh = "公共数据开放"
    label_en = "Public data opening"
    PARAMS = [
        Param("data_opening.budget_cny_per_year", L, float, "CNY/year", MONEY, "Data opening budget",
              "数据开放年度预算", "Yearly budget for opening and operating public data (0 turns it off)."),
        Param("data_opening.level", L, float, "share", SHARE, "Share of public data opened", "数据开放程度",
              "Share of public data the province aims to open to authorised users."),
        Param("data_opening.cost_cny_per_year_full", U, float, "CNY/year", (1.0, MONEY[1]),
              "Cost of opening all data", "全面开放年成本", "Yearly cost of opening and operating all public data."),
        Param("data_opening.cost_cut", U, float, "share", SHARE, "Cost saved at full opening", "成本下降",
              "Share of delivery cost saved in data-dependent domains when all data is open."),
        Param("data_opening.readiness_gain", U, float, "TRL", (0.0, 5.0), "Readiness gain at full opening",
              "成熟度提升", "Effective readiness gained in data-dependent domains when all data is open."),
    ]

    @property
    def level(self) -> float:
        """The share of data actually open: the aim, as far as the budget pays for it."""
        budget = self.p["budget_cny_per_year"]
        return float(min(self.p["level"], budget / self.p["cost_cny_per_year_full"]))

    def _data(self, scenarios):
        m = self.model
        return m.domain_data[m.scenarios.domain[scenarios]]

    def cost_factor(self, suppliers, scenarios):
        return 1.0 - self.level * self.p["cost_cut"] * self._data(scenarios)

    def readiness_bonus(self, suppliers, scenarios):
        return self.level * self.p["readiness_gain"] * self._data(scenarios)

    def act(self):
        cost = self.level * self.p["cost_cny_per_year_full"] / 12.0
        if cost > 0:
            self.model.fiscal.pay(self.name, "data_platform", [cost], [-1], to="economy")

    def summary(self):
        return {"data_level": self.level}
