"""Try first, pay later (先试用后付费).

Whom it reaches and which decision it changes. A public owner (government department, city
government, SOE) scores the bids for its opportunity when the call closes and rejects every bidder
whose perceived readiness, less its risk aversion towards an unproven supplier, falls short of its
bar (:func:`sim.core.agents.owner_score`): paying public money for an unproven product that may
fail is what officials fear (the reason for 尽职免责, Hunan plan §(十四)). Measured on the Hunan case
(before this design), about 140 public calls per run close with bids but no acceptable one, while
most public opportunities land in their first call anyway. The lever therefore acts where the
owner's decision binds: when a call of a public owner closes **without a match**, the owner offers the
opportunity again as a free trial, with probability ``share`` (the owner's willingness to take part,
assumed — uncertain) and while the year's budget can cover the payment it may owe. An opportunity
that lands in its first call is never turned into a trial, so the lever does not pay for pilots
that would have happened anyway.

Terms of a trial. The supplier carries the whole pilot cost at landing (the owner pays nothing); if
the trial passes, the owner issues a trial report, the product enters the demonstration list, and
the supplier is paid ``pay_multiple`` × the usual payment (``pilot.opener_share`` × budget) from this
lever's budget. Because the owner risks no money on a failed trial, its risk aversion towards
unproven suppliers falls by ``risk_relief`` for that opportunity — this is the decision the lever
changes: the owner now accepts a bidder it rejected. Suppliers, in turn, weigh the later payment by
their chance of passing, and must be able to fund the whole cost at landing, so the trial reaches
unproven suppliers with cash and a good product, not every rejected bidder. The potential payment is
committed when the trial is offered and released if the trial fails or the opportunity is withdrawn;
a commitment still open at a year's end carries over (see :mod:`sim.core.fiscal`).

Why its effect on the targets is small (a finding, not a tuning question). In the Hunan case most
public calls that close without a match fail on readiness, not on the owner's risk aversion:
measured over 5 replicates (seeds 0–4, lever off), about 154 public calls a run closed with every bid
rejected; removing half of the owners' risk aversion would have made some bid acceptable in about 14
of them, removing all of it in about 30. Most re-offered opportunities would also land in a later
call anyway, and the trial terms move the whole pilot cost onto the supplier at landing, which
deters some bidders. The lever speeds up a few landings of unproven suppliers in public scenarios;
the stage it acts on (owners' risk aversion) is not what holds the targets back.

Evidence. Hunan plan §(八) "探索先试用后付费等机制，征集免费试用的新技术、新产品，支持政府部门、国资平台率先试用
并择优出具报告"; EU pre-commercial procurement: buyers share the risk of testing, 71–74 % of contracts go
to SMEs (docs/sources.md, "Pilots, proofs of concept, pre-commercial procurement"). The size of the relief
and the owners' willingness are assumed — uncertain (ranges in the case file).
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import MONEY, Param, SHARE
from sim.base.sets import among
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
        Param("try_first.share", L, float, "share", SHARE, "Share of unmatched public calls re-offered as trials",
              "未成交公共场景转试用比例",
              "Chance a public owner whose call closed without an acceptable bid offers the opportunity as a free trial."),
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

    def unmatched_public_calls(self):
        """Public owners' opportunities whose call closed this month without a match (still on the list)."""
        m = self.model
        s = m.scenarios
        call = m.params["selection.call_months"]
        o = m.open_scenarios()
        o = o[(m.t - s.month_published[o]) % call == call - 1]
        return o[self.public_kind[m.openers.kind[s.opener[o]]]]

    def offer_trials(self, scenarios):
        """Turn ``scenarios`` into free trials as far as the year's budget can cover what they may owe."""
        self._grow()
        m = self.model
        pick = scenarios[~self.trial[scenarios]]
        if len(pick) == 0:
            return pick
        got = m.fiscal.commit(self.name, self._payment(pick))
        pick, amount = pick[got > 0], got[got > 0]
        self.trial[pick], self.committed[pick] = True, amount
        m.scale_owner_payment(pick, 0.0)
        self.trials += len(pick)
        return pick

    def act(self):
        """After this month's calls closed (matching runs before the levers act): re-offer unmatched
        public opportunities as trials (keyed draw ``try_first_offer`` per scenario and month)."""
        self._grow()
        if not self.active:
            return
        m = self.model
        o = self.unmatched_public_calls()
        if len(o) == 0:
            return
        o = o[m.draws.uniform("try_first_offer", m.t, m.scenarios.key[o]) < self.p["share"]]
        self.offer_trials(o)

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
        done = np.flatnonzero((self.committed > 0) & among(m.scenarios.state, (State.FAILED, State.WITHDRAWN)))
        if len(done):
            m.fiscal.release(self.name, self.committed[done])
            self.committed[done] = 0.0

    def summary(self):
        return {"trials": self.trials, "trial_reports": self.reports}
