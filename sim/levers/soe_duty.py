"""SOEs' duty to open main-business scenarios (国有企业开放主业领域场景).

Mechanism. Each SOE must put forward at least ``min_needs_per_year`` scenario needs in its main
business each year (prorated for a part year). An SOE behind the pace needed to meet its duty by
December raises its opening rate to catch up, making good a share ``compliance`` of the gap. It costs
no fiscal money. Sources: 国办发〔2025〕37号 (seed 004) "国有企业特别是中央企业要主动开放主业领域场景";
Hubei §(八); Hunan §(七).
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import SHARE, Param
from sim.base.vocab import OPENER_KINDS
from sim.levers.base import Lever

L, U = "lever", "uncertainty"


class SoeDuty(Lever):
    name = "soe_duty"
    label_zh = "国企开放主业场景"
    label_en = "SOE opening duty"
    PARAMS = [
        Param("soe_duty.min_needs_per_year", L, float, "needs/SOE/year", (0.0, 100.0), "Duty per SOE",
              "国企年度开放任务", "Scenario needs each SOE must put forward each year (0: no duty)."),
        Param("soe_duty.compliance", U, float, "share", SHARE, "Compliance", "任务完成度",
              "Share of the gap to its duty an SOE behind the pace makes good."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.soe = model.openers.kind == OPENER_KINDS.index("soe")

    @property
    def active(self) -> bool:
        return self.p["min_needs_per_year"] > 0

    def opening_multiplier(self):
        m = self.model
        if not self.active or not self.soe.any():
            return 1.0
        cal = m.calendar
        year = m.year
        months_left = int(((cal.year_of == year) & (np.arange(cal.n_months) >= m.t)).sum())
        duty = self.p["min_needs_per_year"] * m.case.months_in_year(year) / 12.0
        s = m.scenarios
        this_year = (s.month_solicited >= 0) & (cal.year_of[np.maximum(s.month_solicited, 0)] == year)
        opened = np.bincount(s.opener[this_year], minlength=len(self.soe))
        base = m.opening_base[m.openers.kind].sum(axis=1)  # needs per month at base rates
        need_rate = np.maximum(duty - opened, 0.0) / max(months_left, 1)
        mult = np.where(base > 0, need_rate / np.maximum(base, 1e-12), 1.0)
        catch_up = 1.0 + self.p["compliance"] * np.maximum(mult - 1.0, 0.0)
        return np.where(self.soe, catch_up, 1.0)
