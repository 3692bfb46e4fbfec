"""Public data opening with graded authorisation (公共数据开放、授权运营).

Mechanism. The province opens a share ``level`` of its public data to authorised users, as far as
the yearly budget allows (opening everything costs ``cost_cny_per_year_full`` a year; the level
reached is min(``level``, budget ÷ that cost)), paid monthly. In data-dependent domains (marked in
the case) suppliers' delivery costs fall by level × ``cost_cut`` and their effective readiness rises
by level × ``readiness_gain`` TRL points, raising pilots' success chance. Sources: Hunan plan §(十四)
"规范推进公共数据资源授权运营…探索建立分级分类授权使用机制"; Hubei §(十二) 公共数据分级分类开放.
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
