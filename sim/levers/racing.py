"""Racing and exit (赛马机制、退出机制).

Mechanism. *Racing*: a published comprehensive major or industry-integrated opportunity is run as a
race with probability ``share``: its owner lets the ``entrants`` best bidders pilot it side by side,
paying each ``contract_share`` of the usual payment; when the pilots end, the successful racer with
the highest readiness continues (validated, on the demonstration list), the others learn. *Exit*:
an opportunity not matched within ``exit_after_months`` of publication leaves the list (0: never).
No fiscal cost (owners pay racers from their own budgets). Source: Hubei plan §(十九)
"通过'赛马机制'，培育更多高价值场景，完善场景退出机制".
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import SHARE, Param
from sim.base.vocab import TIERS
from sim.levers._util import grow
from sim.levers.base import Lever

L = "lever"
RACE_TIERS = ("major", "integrated")


class Racing(Lever):
    name = "racing"
    label_zh = "赛马与退出机制"
    label_en = "Racing and exit"
    PARAMS = [
        Param("racing.share", L, float, "share", SHARE, "Share of opportunities raced", "赛马比例",
              "Chance a comprehensive major or industry-integrated opportunity is run as a race."),
        Param("racing.entrants", L, int, "suppliers", (1, 10), "Racers", "赛马参与方数",
              "Suppliers that pilot a raced scenario side by side."),
        Param("racing.contract_share", L, float, "share", (0.0, 1.0), "Payment per racer", "每方支付比例",
              "Share of the usual payment the owner pays each racer."),
        Param("racing.exit_after_months", L, int, "months", (0, 120), "Exit after", "退出期限",
              "Months after publication when an unmatched opportunity is withdrawn (0: never)."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.race = np.zeros(0, dtype=bool)
        self.eligible_tier = np.array([t in RACE_TIERS for t in TIERS])
        self.races = 0

    def _is_race(self, scenarios):
        self.race = grow(self.race, len(self.model.scenarios), False)
        return self.race[scenarios]

    def on_published(self, scenarios):
        m = self.model
        self.race = grow(self.race, len(m.scenarios), False)
        if self.p["share"] <= 0 or self.p["entrants"] < 2 or len(scenarios) == 0:
            return
        new = scenarios[~self.race[scenarios] & (m.scenarios.month_matched[scenarios] < 0)]
        pick = new[self.eligible_tier[m.scenarios.tier[new]] & (m.draws.uniform("race", m.scenarios.key[new]) < self.p["share"])]
        self.race[pick] = True
        m.scale_owner_payment(pick, self.p["contract_share"])
        self.races += len(pick)

    def race_size(self, scenarios):
        return np.where(self._is_race(scenarios), self.p["entrants"], 1)

    def exit_after_months(self):
        return self.p["exit_after_months"] or None

    def summary(self):
        return {"races": self.races}
