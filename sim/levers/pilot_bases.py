"""Pilot bases and proof-of-concept centres (中试基地、概念验证中心).

Mechanism. Each pilot base (an opener of kind ``base``) runs early, low-stakes trials: every month it
starts ``runs_per_base_per_month`` proof-of-concept runs (the fraction as a chance of one more) with
startups, SMEs or institutes whose readiness in the base's domain is below ``max_readiness``, each
subsidised ``subsidy_cny`` from the yearly budget. A run lasts ``months``; with probability
``success`` it raises the supplier's readiness in that domain by ``readiness_gain`` TRL points, so the
supplier is a stronger bidder — and more likely to succeed — in full pilots. Source: Hunan plan §(七)
"鼓励中试基地、概念验证中心率先搭建早期应用场景，为新技术新产品提供应用验证机会"; Hubei §(十四).
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import MONEY, Param, SHARE, TRL
from sim.base.table import Table
from sim.base.vocab import OPENER_KINDS, SUPPLIER_KINDS
from sim.levers.base import Lever

L, U = "lever", "uncertainty"
ELIGIBLE = ("startup", "sme", "institute")


class PilotBases(Lever):
    name = "pilot_bases"
    label_zh = "中试基地与概念验证"
    label_en = "Pilot bases and proof of concept"
    PARAMS = [
        Param("pilot_bases.budget_cny_per_year", L, float, "CNY/year", MONEY, "Proof-of-concept budget",
              "概念验证年度预算", "Yearly budget for subsidising proof-of-concept runs (0 turns it off)."),
        Param("pilot_bases.runs_per_base_per_month", L, float, "runs/base/month", (0.0, 100.0), "Runs per base",
              "每基地月均验证项目", "Proof-of-concept runs each base starts per month."),
        Param("pilot_bases.subsidy_cny", L, float, "CNY/run", MONEY, "Subsidy per run", "单项补贴",
              "Public subsidy per proof-of-concept run."),
        Param("pilot_bases.months", U, int, "months", (1, 24), "Run length", "验证周期", "Months a run lasts."),
        Param("pilot_bases.success", U, float, "probability", SHARE, "Run success", "验证成功率",
              "Chance a run raises the supplier's readiness."),
        Param("pilot_bases.readiness_gain", U, float, "TRL", (0.0, 5.0), "Readiness gain", "成熟度提升",
              "TRL points a successful run adds in its domain."),
        Param("pilot_bases.max_readiness", U, float, "TRL", TRL, "Serves readiness below", "服务成熟度上限",
              "Runs serve capabilities below this readiness (early-stage technology)."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.bases = np.flatnonzero(model.openers.kind == OPENER_KINDS.index("base"))
        self.eligible_kind = np.array([k in ELIGIBLE for k in SUPPLIER_KINDS])
        self.runs = Table({"supplier": (np.int64, -1), "cap": (np.int64, -1), "base": (np.int64, -1),
                           "end": (np.int64, -1), "done": (np.bool_, False)}, capacity=256)
        self.succeeded = 0

    def act(self):
        m = self.model
        self._conclude()
        if not self.active or self.p["runs_per_base_per_month"] <= 0:
            return
        busy = self.runs.cap[~self.runs.done]
        rate = self.p["runs_per_base_per_month"]
        for b in self.bases:
            k = int(rate) + int(m.draws.uniform("poc_extra", m.t, m.openers.key[b]) < rate - int(rate))
            if k == 0:
                continue
            c = m.capabilities.in_domain(int(m.openers.domain[b]))
            s = m.capabilities.supplier[c]
            ok = (m.suppliers.alive[s] & self.eligible_kind[m.suppliers.kind[s]]
                  & (m.capabilities.readiness[c] < self.p["max_readiness"]) & ~np.isin(c, busy))
            c, s = c[ok], s[ok]
            if len(c) == 0:
                continue
            pick = np.argsort(m.draws.uniform("poc_pick", m.t, m.openers.key[b], m.suppliers.key[s]))[:k]
            c, s = c[pick], s[pick]
            if self.p["subsidy_cny"] > 0:
                paid = m.fiscal.pay(self.name, "poc_subsidy", np.full(len(s), self.p["subsidy_cny"]), s, to="economy")
                c, s = c[paid > 0], s[paid > 0]
            self.runs.add(supplier=s, cap=c, base=b, end=m.t + self.p["months"])
            busy = np.concatenate([busy, c])

    def _conclude(self):
        m = self.model
        r = self.runs
        due = np.flatnonzero(~r.done & (r.end <= m.t))
        if len(due) == 0:
            return
        r.done[due] = True
        alive = m.suppliers.alive[r.supplier[due]]
        ok = alive & (m.draws.uniform("poc_result", m.t, m.suppliers.key[r.supplier[due]], r.cap[due]) < self.p["success"])
        c = r.cap[due][ok]
        m.raise_readiness(c, self.p["readiness_gain"])
        self.succeeded += int(ok.sum())
        s = r.supplier[due][alive]
        m.recorder.count(m.t, "poc_runs", len(s), city=m.suppliers.city[s])

    def summary(self):
        return {"poc_runs": int(self.runs.n), "poc_succeeded": self.succeeded}
