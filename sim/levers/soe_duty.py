"""SOEs' duty to open main-business scenarios (国有企业开放主业领域场景).

Mechanism. Each SOE must put forward at least ``min_needs_per_year`` scenario needs in its main
business each year (prorated for a part year). Whether an SOE complies is its own decision: a share
``compliance`` of SOEs do (drawn once per SOE for the run, keyed by the SOE: assumed — uncertain, no
public figure on SOEs' follow-through on opening duties). A complying SOE behind the pace needed to
meet its duty by December raises its opening rate to that pace; the others open at their own rate.
Needs opened to fill the quota — the part above the SOE's own rate — are *pressed* needs: marginal ones,
of lower quality (``needs.pressed_quality``), whose owners are less committed and so more often walk
away before contracting (the quality mechanism of :mod:`sim.core.centre`). The quota therefore raises
the count opened and lowers the share that lands — the quota-filling cost is an outcome. It costs no
fiscal money. Sources: 国办发〔2025〕37号 (document 004) "国有企业特别是中央企业要主动开放主业领域场景";
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
              "Share of SOEs that comply with the duty (each complying SOE behind the pace catches up)."),
    ]

    def __init__(self, model):
        super().__init__(model)
        o = model.openers
        self.soe = o.kind == OPENER_KINDS.index("soe")
        self.complies = self.soe & (model.draws.uniform("soe_complies", o.key) < self.p["compliance"])

    @property
    def active(self) -> bool:
        return self.p["min_needs_per_year"] > 0

    def opening_pressure(self):
        """Per opener: the multiple of its own rate a complying SOE behind the pace opens at (≥ 1)."""
        m = self.model
        if not self.active or not self.complies.any():
            return 1.0
        cal = m.calendar
        year = m.year
        months_left = int(((cal.year_of == year) & (np.arange(cal.n_months) >= m.t)).sum())
        duty = self.p["min_needs_per_year"] * m.case.months_in_year(year) / 12.0
        s = m.scenarios
        this_year = (s.month_solicited >= 0) & (cal.year_of[np.maximum(s.month_solicited, 0)] == year)
        opened = np.bincount(s.opener[this_year], minlength=len(self.soe))
        own = m.own_opening_rates().sum(axis=1)  # needs per month of the SOE's own accord
        need_rate = np.maximum(duty - opened, 0.0) / max(months_left, 1)
        mult = np.where(own > 0, need_rate / np.maximum(own, 1e-12), 1.0)
        return np.where(self.complies, np.maximum(mult, 1.0), 1.0)

    def summary(self) -> dict:
        return {"soe_duty_complying_soes": int(self.complies.sum()), "soe_duty_soes": int(self.soe.sum())}
