"""Scenario innovation vouchers (场景创新券).

Mechanism. A small supplier (startup or SME) without a voucher that learns of an open opportunity
which a voucher would make worth bidding for (expected net value with the voucher at or above the
bid hurdle) applies with probability ``apply_prob``; the agency approves with probability ``approval_rate`` while
the year's budget allows, issuing a voucher valid ``validity_months`` whose face value is what it
would pay towards the opportunity it was applied for — ``share`` of the supplier's own outlay there,
at most ``cap_cny`` (Chinese vouchers are claimed against a contract) — and committing that amount
against the year's budget. A voucher lowers the holder's own outlay for a pilot by ``share`` of that
outlay, up to its face value: suppliers count this when they decide to bid, and it is redeemed (paid
into the supplier's cash) when a pilot lands. A voucher is used once; the unused face value, and
vouchers that expire unused, are released to the current year's budget (commitments still open at a
year's end carry over to the next year: :mod:`sim.core.fiscal`). Sources: Hunan plan §(十四)
"试点发放场景创新券"; Shandong 2018 subsidy rate 40–60 %, cap ¥500k per firm per year; Ireland: ~80 %
approval, 12-month validity, value redeemed well below value issued; vouchers claimed against a
contract in most Chinese schemes (public evaluations and scheme rules).
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import MONEY, Param, SHARE
from sim.levers.base import Lever

L, U = "lever", "uncertainty"
ELIGIBLE = ("startup", "sme")


class Vouchers(Lever):
    name = "vouchers"
    label_zh = "场景创新券"
    label_en = "Scenario innovation vouchers"
    PARAMS = [
        Param("vouchers.budget_cny_per_year", L, float, "CNY/year", MONEY, "Voucher budget", "创新券年度预算",
              "Yearly budget for vouchers (face value committed at issue; 0 turns vouchers off)."),
        Param("vouchers.share", L, float, "share", SHARE, "Share of outlay covered", "创新券补贴比例",
              "Share of the holder's own pilot outlay a voucher pays, up to its face value."),
        Param("vouchers.cap_cny", L, float, "CNY", MONEY, "Face value (cap per firm)", "单张面额(每企业上限)",
              "Face value of one voucher: the most it pays towards one pilot."),
        Param("vouchers.validity_months", L, int, "months", (1, 60), "Validity", "有效期",
              "Months a voucher stays valid after issue."),
        Param("vouchers.approval_rate", L, float, "share", SHARE, "Approval rate", "审批通过率",
              "Share of applications approved (while the budget lasts)."),
        Param("vouchers.apply_prob", U, float, "probability/month", SHARE, "Application propensity", "申领倾向",
              "Chance per month that an eligible supplier aware of an open opportunity applies."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.value = np.zeros(0)  # face value still held, per supplier
        self.expiry = np.zeros(0, dtype=np.int32)  # last month index the voucher is valid
        self.eligible_kind = np.array([k in ELIGIBLE for k in model.supplier_kind_names])
        self.issued = self.redeemed = self.expired = 0
        self.issued_cny = self.redeemed_cny = 0.0
        self._offer = np.zeros(0)

    def on_suppliers_added(self, n_total: int) -> None:
        grow = n_total - len(self.value)
        if grow > 0:
            self.value = np.concatenate([self.value, np.zeros(grow)])
            self.expiry = np.concatenate([self.expiry, np.full(grow, -1, np.int32)])

    def holds(self) -> np.ndarray:
        return self.value > 0

    def on_aware(self, pairs) -> None:
        """Eligible suppliers without a voucher, aware of an opportunity that a voucher would make
        worth bidding for, apply; approved ones get a voucher while the year's budget lasts."""
        if not self.active or len(pairs) == 0:
            return
        m = self.model
        p = m.params
        relief = np.minimum(self.p["cap_cny"], self.p["share"] * np.maximum(pairs.outlay, 0.0))
        worth = (-(pairs.outlay - relief) + pairs.p_success * p["bid.followon_multiple"] * pairs.budget
                 >= p["bid.hurdle"] * pairs.budget)
        want = worth & self.eligible_kind[m.suppliers.kind[pairs.supplier]] & ~self.holds()[pairs.supplier]
        s, first = np.unique(pairs.supplier[want], return_index=True)
        claim = relief[want][first]  # what the voucher would pay towards the opportunity it is claimed for
        if len(s) == 0:
            return
        d = m.draws
        keep = d.uniform("voucher_apply", m.t, m.suppliers.key[s]) < self.p["apply_prob"]
        s, claim = s[keep], claim[keep]
        lottery = m.lottery_for("vouchers")
        if lottery is not None and len(s):  # an in-silico trial: applicants are allotted by lottery
            keep = lottery.draw(m, s)
        else:
            keep = d.uniform("voucher_approve", m.t, m.suppliers.key[s]) < self.p["approval_rate"]
        s, claim = s[keep], claim[keep]
        if len(s) == 0:
            return
        order = np.argsort(d.uniform("voucher_queue", m.t, m.suppliers.key[s]))  # first come, first served
        s, claim = s[order], claim[order]
        got = m.fiscal.commit(self.name, claim)
        s, claim = s[got > 0], got[got > 0]
        self.value[s] = claim
        self.expiry[s] = m.t + self.p["validity_months"] - 1
        self.issued += len(s)
        self.issued_cny += float(claim.sum())
        if lottery is not None:
            lottery.record(m, s, np.full(len(s), -1), claim)

    def _cover(self, suppliers: np.ndarray, outlay: np.ndarray) -> np.ndarray:
        return np.minimum(self.value[suppliers], self.p["share"] * np.maximum(outlay, 0.0))

    def bid_relief(self, pairs):
        return self._cover(pairs.supplier, pairs.outlay)

    def at_landing(self, pilots, need):
        s = self.model.pilots.supplier[pilots]
        self._offer = self._cover(s, need)
        once = np.zeros(len(pilots), dtype=bool)  # a voucher pays towards one pilot only
        once[np.unique(s, return_index=True)[1]] = True
        self._offer[~once] = 0.0
        return self._offer

    def on_landed(self, pilots, landed):
        m = self.model
        use = landed & (self._offer > 0)
        if not use.any():
            return
        s = m.pilots.supplier[pilots[use]]
        amount = self._offer[use]
        m.fiscal.pay(self.name, "voucher", amount, s, m.pilots.scenario[pilots[use]], committed=True)
        m.fiscal.release(self.name, self.value[s] - amount)
        self.value[s] = 0.0
        self.redeemed += len(s)
        self.redeemed_cny += float(amount.sum())

    def _lapse(self, s: np.ndarray) -> None:
        s = s[self.value[s] > 0]
        if len(s):
            self.model.fiscal.release(self.name, self.value[s])
            self.value[s] = 0.0
            self.expired += len(s)

    def on_month_end(self):
        self._lapse(np.flatnonzero((self.value > 0) & (self.expiry <= self.model.t)))

    def on_supplier_exit(self, suppliers):
        self._lapse(suppliers)

    def summary(self):
        return {"vouchers_issued": self.issued, "vouchers_redeemed": self.redeemed, "vouchers_expired": self.expired,
                "voucher_value_issued_cny": self.issued_cny, "voucher_value_redeemed_cny": self.redeemed_cny}
