"""Observation period and regulatory sandbox (观察期、包容期、沙盒监管).

Mechanism. In regulated domains (low-altitude flight, healthcare, intelligent connected vehicles…;
the case marks them) regulatory uncertainty deters openers — only ``regulation.keep_share`` of needs
are put forward — and selected needs wait ``regulation.review_months`` for approval before
publication. With the sandbox on, ``relief`` of that friction falls away (more needs go ahead, the
wait shortens). The risk it admits: each pilot concluding in a regulated domain fails by an incident
with probability ``incident_rate``. It costs no fiscal money. Sources: Hunan plan §(十四)
"对新技术新产品实施'观察期'管理和柔性监管"; Hubei 保障措施 "建立'沙盒监管'机制…实施'包容期'管理".
"""

from __future__ import annotations


from sim.params.registry import SHARE, Param
from sim.levers.base import Lever

L, U = "lever", "uncertainty"


class Sandbox(Lever):
    name = "sandbox"
    label_zh = "观察期与沙盒监管"
    label_en = "Observation period and sandbox"
    PARAMS = [
        Param("sandbox.on", L, bool, "on/off", (False, True), "Sandbox in force", "实施沙盒监管",
              "Whether regulated domains are supervised through an observation period / sandbox."),
        Param("sandbox.relief", L, float, "share", SHARE, "Friction removed", "监管摩擦缓解",
              "Share of regulatory friction (needs held back, approval wait) the sandbox removes."),
        Param("sandbox.incident_rate", U, float, "probability", SHARE, "Incident rate", "事故率",
              "Chance a pilot in a regulated domain fails by an incident the sandbox admits."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.incidents = 0

    @property
    def active(self) -> bool:
        return bool(self.p["on"])

    def regulatory_relief(self):
        return self.p["relief"] if self.active else 0.0

    def pilot_incidents(self, pilots):
        if not self.active or len(pilots) == 0:
            return False
        m = self.model
        o = m.pilots.scenario[pilots]
        hit = m.domain_regulated[m.scenarios.domain[o]] & (
            m.draws.uniform("incident", m.scenarios.key[o], m.suppliers.key[m.pilots.supplier[pilots]]) < self.p["incident_rate"])
        if hit.any():
            self.incidents += int(hit.sum())
            m.count("incidents", o[hit])
        return hit

    def summary(self):
        return {"incidents": self.incidents}
