"""Due-diligence exemption (尽职免责) for officials and SOE managers who buy innovative solutions.

Mechanism. With the exemption on, public owners (government departments, city governments, SOEs)
no longer fear blame for a failed pilot with an unproven supplier: their risk aversion towards
startups and SMEs falls by ``risk_cut``; they open more scenarios (``opening_uplift``); and public
buyers' caution towards small suppliers' validated solutions falls by ``buyer_relief`` (weighted by
the public share of adopters). It costs no fiscal money. Source: Hunan plan §(十四)
"对负责场景创新解决方案采购的相关责任人，依法依规采取'尽职免责'监管模式".
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import SHARE, Param
from sim.base.vocab import OPENER_KINDS
from sim.levers._util import PUBLIC_OWNERS
from sim.levers.base import Lever

L, U = "lever", "uncertainty"


class DiligenceExemption(Lever):
    name = "diligence_exemption"
    label_zh = "尽职免责"
    label_en = "Due-diligence exemption"
    PARAMS = [
        Param("diligence_exemption.on", L, bool, "on/off", (False, True), "Exemption in force", "实施尽职免责",
              "Whether officials and SOE managers are exempt from blame for diligent innovative purchases."),
        Param("diligence_exemption.risk_cut", U, float, "share", SHARE, "Cut in owners' risk aversion",
              "风险规避下降", "Share of public owners' risk aversion towards unproven suppliers that falls away."),
        Param("diligence_exemption.opening_uplift", U, float, "share", (0.0, 5.0), "Rise in public opening",
              "公共开放增加", "Relative rise in public openers' opening rates."),
        Param("diligence_exemption.buyer_relief", U, float, "share", SHARE, "Relief of public buyers' caution",
              "采购方顾虑缓解", "Share of public buyers' caution towards small suppliers' solutions that falls away."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.public_kind = np.array([k in PUBLIC_OWNERS for k in OPENER_KINDS])

    @property
    def active(self) -> bool:
        return bool(self.p["on"])

    def _public(self, scenarios):
        m = self.model
        return self.public_kind[m.openers.kind[m.scenarios.opener[scenarios]]]

    def risk_aversion_multiplier(self, scenarios):
        if not self.active:
            return 1.0
        return 1.0 - self.p["risk_cut"] * self._public(scenarios)

    def opening_multiplier(self):
        if not self.active:
            return 1.0
        return 1.0 + self.p["opening_uplift"] * self.public_kind[self.model.openers.kind]

    def buyer_caution_relief(self, scenarios):
        if not self.active:
            return 0.0
        return self.p["buyer_relief"] * self.model.scenarios.public_share[scenarios]
