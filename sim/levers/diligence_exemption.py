"""Due-diligence exemption (尽职免责) for officials and SOE managers who buy innovative solutions.

Mechanism. With the exemption on, public owners (government departments, city governments, SOEs)
fear blame for a failed pilot less: the share ``risk_cut`` of that fear falls away, in each decision
where it acts.

* **Choosing a supplier**: their risk aversion towards startups and SMEs falls by ``risk_cut``.
* **Putting a need forward**: a public owner withholds a candidate need with probability
  ``blame_aversion`` × the chance that a pilot of its tier fails — the chance for a supplier just as
  ready as the need requires, 1 − ``pilot.success_max.<tier>``/2 (:func:`withheld_share`). The case's
  opening rates are owners' rates today, fear of blame included; the exemption cuts the fear by
  ``risk_cut`` and releases part of what was withheld, so public openers' rates rise by
  (1 − b(1 − c)f) / (1 − bf) for blame aversion b, cut c and failure chance f. Riskier tiers gain
  more. This replaces a typed-in rise of public opening rates (``opening_uplift``, +10 %).
* **Buying a validated solution**: public buyers' caution towards small suppliers' solutions falls by
  ``buyer_relief`` (weighted by the public share of adopters).

It costs no fiscal money. Source: Hunan plan §(十四)
"对负责场景创新解决方案采购的相关责任人，依法依规采取'尽职免责'监管模式". No public figure gives how many needs
fear of blame holds back: ``blame_aversion`` and ``risk_cut`` are assumed — uncertain, with ranges.
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
        Param("diligence_exemption.blame_aversion", U, float, "share", SHARE, "Public owners' fear of blame",
              "公共业主问责顾虑", "Chance a public owner withholds a need whose pilot would surely fail; a need is "
              "withheld with this chance × its tier's failure chance (without the exemption: today's rates)."),
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
        """Public openers' rates per tier, relative to today's: the needs fear of blame withheld that the
        exemption releases (module docstring)."""
        if not self.active:
            return 1.0
        m = self.model
        now = withheld_share(self.p["blame_aversion"], m.tier_success_max)
        exempt = withheld_share(self.p["blame_aversion"] * (1.0 - self.p["risk_cut"]), m.tier_success_max)
        rise = (1.0 - exempt) / (1.0 - now)  # per tier
        return np.where(self.public_kind[m.openers.kind][:, None], rise[None, :], 1.0)


def withheld_share(blame_aversion, success_max) -> np.ndarray:
    """Share of candidate needs a public owner withholds for fear of blame, per tier: ``blame_aversion`` ×
    the chance a pilot by a supplier exactly as ready as the need requires fails (1 − success_max / 2,
    :func:`~sim.core.agents.success_probability` at readiness = requirement)."""
    return blame_aversion * (1.0 - 0.5 * np.asarray(success_max, dtype=float))

    def buyer_caution_relief(self, scenarios):
        if not self.active:
            return 0.0
        return self.p["buyer_relief"] * self.model.scenarios.public_share[scenarios]
