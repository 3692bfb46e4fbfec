"""Try first, pay later (先试用后付费).

Mechanism. When an opportunity owned by a public body or an SOE (government department, city
government, SOE) is published, it is run as a free trial with probability ``share`` while the
year's budget can cover the payment it may owe. A trial pays the supplier nothing at landing (the
supplier carries the whole pilot cost); if the trial passes, the owner issues a trial report, the
product enters the demonstration list, and the owner pays ``pay_multiple`` × the usual payment
(``pilot.opener_share`` × budget) from this lever's budget. Owners, who risk no money on a failed
trial, discount their risk aversion towards unproven suppliers by ``risk_relief``; suppliers weigh
the later payment by their chance of passing. The potential payment is committed at publication and
released if the trial fails or the opportunity is withdrawn; a commitment still open at a year's end
carries over to the next year's budget (see :mod:`sim.core.fiscal`). Source: Hunan plan §(八)
"探索先试用后付费等机制，征集免费试用的新技术、新产品，支持政府部门、国资平台率先试用并择优出具报告".
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import MONEY, Param, SHARE
from sim.base.vocab import OPENER_KINDS, State
from sim.levers._util import PUBLIC_OWNERS, grow
from sim.levers.base import Lever

L, U = "lever", "uncertainty"


class TryFirst(Lever):
    name = "try_first"
    label_zh = "先试用后付费"
    label_en = "Try first, pay later"
    PARAMS = [
        Param("try_first.budget_cny_per_year", L, float, "CNY/year", MONEY, "Trial payments budget", "试用付费年度预算",
              "Yearly budget for paying suppliers whose trials pass (0 turns the lever off)."),
        Param("try_first.share", L, float, "share", SHARE, "Share of public opportunities run as trials",
              "免费试用比例", "Chance a published opportunity of a public body or SOE is run as a free trial."),
        Param("try_first.pay_multiple", L, float, "× usual payment", (0.0, 5.0), "Payment on passing",
              "通过后付费倍数", "What the owner pays after a passed trial, as a multiple of the usual payment."),
        Param("try_first.risk_relief", U, float, "share", SHARE, "Owners' risk relief on trials", "试用降低风险规避",
              "Share of an owner's risk aversion towards unproven suppliers that falls away for a free trial."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.public_kind = np.array([k in PUBLIC_OWNERS for k in OPENER_KINDS])
        self.trial = np.zeros(0, dtype=bool)
        self.committed = np.zeros(0)
        self.reports = self.trials = 0

    def _grow(self):
        n = len(self.model.scenarios)
        self.trial, self.committed = grow(self.trial, n, False), grow(self.committed, n, 0.0)

    def _payment(self, scenarios):
        m = self.model
        return self.p["pay_multiple"] * m.params["pilot.opener_share"] * m.scenarios.budget[scenarios]

    def on_published(self, scenarios):
        self._grow()
        m = self.model
        if not self.active or len(scenarios) == 0:
            return
        owner_public = self.public_kind[m.openers.kind[m.scenarios.opener[scenarios]]]
        pick = scenarios[owner_public & (m.draws.uniform("try_first", m.scenarios.key[scenarios]) < self.p["share"])]
        pick = pick[~self.trial[pick]]  # a scenario back on the list keeps its terms
        if len(pick) == 0:
            return
        got = m.fiscal.commit(self.name, self._payment(pick))
        pick, amount = pick[got > 0], got[got > 0]
        self.trial[pick], self.committed[pick] = True, amount
        m.scale_owner_payment(pick, 0.0)
        self.trials += len(pick)

    def _is_trial(self, scenarios):
        self._grow()
        return self.trial[scenarios]

    def bid_bonus(self, pairs):
        return self._is_trial(pairs.scenario) * pairs.p_success * self._payment(pairs.scenario)

    def risk_aversion_multiplier(self, scenarios):
        return 1.0 - self.p["risk_relief"] * self._is_trial(scenarios)

    def on_validated(self, scenarios):
        m = self.model
        o = scenarios[self._is_trial(scenarios)]
        if len(o) == 0:
            return
        # the owner's deferred payment, from this lever's budget, into the supplier's cash
        m.fiscal.pay(self.name, "trial_payment", self.committed[o], m.scenarios.supplier[o], o, committed=True)
        self.committed[o] = 0.0
        self.reports += len(o)
        m.count("trial_reports", o)

    def on_month_end(self):
        self._grow()
        m = self.model
        done = np.flatnonzero((self.committed > 0) & np.isin(m.scenarios.state, (State.FAILED, State.WITHDRAWN)))
        if len(done):
            m.fiscal.release(self.name, self.committed[done])
            self.committed[done] = 0.0

    def summary(self):
        return {"trials": self.trials, "trial_reports": self.reports}
