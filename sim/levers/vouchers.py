"""Scenario innovation vouchers (场景创新券), as voucher schemes run them.

The scheme. A holder applies for a named project — the scenario whose pilot contract it has in view —
the agency approves while the year's budget lasts and commits the voucher's face value against that
budget; the voucher is **claimed against the signed contract** for that scenario when the pilot lands
(落地) within the voucher's validity, paying ``share`` of the holder's own cost of that contract, at most
the face value (itself at most ``cap_cny``; one voucher per holder per calendar year: Shandong's cap is
per firm per year). A voucher is used once; the unused face value, and vouchers
that lapse unused at the end of their validity (or when the holder exits), are released to the budget
(:mod:`sim.core.fiscal`: commitments still open at a year's end carry over). Grounds: Chinese vouchers
are claimed against a contract (the firm signs with a provider, then claims the subsidised share);
Shandong 2018: subsidy 40–60 %, cap ¥500k per firm per year, ¥13.18 m used by 422 firms (≈¥31k each);
Wuhan 30–40 %, caps ¥300–400k; Ireland: ≈80 % of applications approved, 12-month validity, value redeemed
well below value issued; Shanghai: many SMEs applied, few used (docs/sources.md "Vouchers").

Who holds them is a case setting, ``vouchers.demand_side`` (the "holder": true = demand, false = supply):

* **Supply side** (Hunan's default). A small supplier (startup or little-giant SME) aware of an open
  opportunity that a voucher would make worth bidding for applies (``apply_prob`` a month, an
  assumption). The voucher's face value is what it would pay there: ``share`` of the supplier's own outlay
  (the pilot's cost less the owner's payment), capped. It changes two decisions of the holder, both
  through the model's ordinary rules: the **bid** (the outlay it counts, net of the voucher, against the
  bid hurdle; and whether that outlay is within the share of its cash it will risk) and the **landing**
  (whether it can fund its share). It changes them only where they were held back: a supplier whose
  outlay was already worth it and within its cash would have bid and landed anyway (deadweight); one
  whose outlay exceeded what it will risk, or whose net value fell short of the hurdle by less than the
  voucher, is the one it moves (additional); if its bid then loses, the voucher lapses unused. Nothing in
  the lever sets these shares.
* **Demand side**. An owner (a department, city, SOE, chain leader or pilot base) applies when it
  publishes a scenario (``apply_prob``), for ``share`` of what it would pay at landing, capped. The
  voucher pays towards a contract with a small supplier the owner has not worked with before (no earlier
  landed pilot between the two): the scheme's purpose, as in the UK Creative Credits trial (a voucher for
  a project with a new supplier). It changes the owner's decision to **accept an unproven supplier's
  bid**: the owner's risk aversion towards an unproven supplier (a penalty on its score, in TRL points)
  is in part about its own money at stake (``owner_money_risk_share`` of it, an assumption); the voucher
  lowers the money at stake by the share it pays, so that part of the penalty falls in proportion. Bids
  of unproven suppliers that cleared the owner's bar anyway are unaffected (deadweight, when the winner
  is new to the owner); bids that fell short by less than the relief are accepted (additional); bids from
  proven suppliers carry no penalty and are not affected at all. At landing the lever pays the voucher
  to the supplier on the owner's behalf and the owner pays the rest (``owner_relief``).

Why Hunan's default is the supply side: the plan's sentence (§(十四) "试点发放'场景创新券'，支持场景对接落地")
names no holder; it sits in a paragraph whose other finance instruments are aimed at small firms building
scenario solutions ("面向中小企业研发场景创新的金融产品"), and Hunan's scenario owners are departments, cities,
SOEs and chain leaders that open scenarios from their own budgets — not the small buyers that innovation
vouchers (and Creative Credits) usually fund. The demand side is the setting to compare.

In an in-silico trial (``scensim lottery --lever vouchers``) the approval step is replaced by the lottery;
the applicants are the holders (suppliers or owners).
"""

from __future__ import annotations

import numpy as np

from sim.base.vocab import SUPPLIER_KINDS
from sim.params.registry import MONEY, Param, SHARE
from sim.levers.base import Lever

L, U = "lever", "uncertainty"
ELIGIBLE = ("startup", "sme")
RAN = (1, 2, 3)  # pilot statuses of a pilot that landed (running, succeeded, failed)
PAIR = 2 ** 32


class Vouchers(Lever):
    name = "vouchers"
    label_zh = "场景创新券"
    label_en = "Scenario innovation vouchers"
    PARAMS = [
        Param("vouchers.budget_cny_per_year", L, float, "CNY/year", MONEY, "Voucher budget", "创新券年度预算",
              "Yearly budget for vouchers (face value committed at issue; 0 turns vouchers off)."),
        Param("vouchers.share", L, float, "share", SHARE, "Share of cost covered", "创新券补贴比例",
              "Share of the holder's own cost of the contract a voucher pays, up to its face value."),
        Param("vouchers.cap_cny", L, float, "CNY", MONEY, "Cap per holder per year", "每家每年补贴上限",
              "The most one voucher pays; one voucher per holder per calendar year."),
        Param("vouchers.validity_months", L, int, "months", (1, 60), "Validity", "有效期",
              "Months a voucher stays valid after issue."),
        Param("vouchers.approval_rate", L, float, "share", SHARE, "Approval rate", "审批通过率",
              "Share of applications approved (while the budget lasts)."),
        Param("vouchers.demand_side", L, bool, "on/off", (False, True), "Held by owners (demand side)",
              "由场景方持有（需求侧）",
              "Who holds vouchers: true = scenario owners, towards a contract with a new small supplier; "
              "false = small suppliers, towards their own outlay."),
        Param("vouchers.apply_prob", U, float, "probability/month", SHARE, "Application propensity", "申领倾向",
              "Chance per month that an eligible holder with a use in view applies."),
        Param("vouchers.owner_money_risk_share", U, float, "share", SHARE, "Money share of owners' risk aversion",
              "场景方风险厌恶中资金部分的占比",
              "Share of an owner's aversion to an unproven supplier that is about its own money at stake "
              "(the part a demand-side voucher lowers)."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.demand = bool(self.p["demand_side"])
        n_holders = len(model.openers) if self.demand else 0
        self.value = np.zeros(n_holders)  # face value still held, per holder (supplier or owner)
        self.expiry = np.full(n_holders, -1, dtype=np.int32)  # last month index the voucher is valid
        self.year_got = np.full(n_holders, -1, dtype=np.int32)  # calendar year of the holder's last voucher
        self.target = np.full(n_holders, -1, dtype=np.int64)  # the scenario whose contract the voucher is for
        self.eligible_kind = np.array([k in ELIGIBLE for k in SUPPLIER_KINDS])
        self.issued = self.redeemed = self.expired = 0
        self.issued_cny = self.redeemed_cny = 0.0
        self._offer = np.zeros(0)
        self._owner_paid = (np.zeros(0, np.int64), np.zeros(0))  # (pilots, voucher paid for the owner)

    # -- holders --------------------------------------------------------------------------------
    def on_suppliers_added(self, n_total: int) -> None:
        grow = n_total - len(self.value)
        if grow > 0 and not self.demand:
            self.value = np.concatenate([self.value, np.zeros(grow)])
            self.expiry = np.concatenate([self.expiry, np.full(grow, -1, np.int32)])
            self.year_got = np.concatenate([self.year_got, np.full(grow, -1, np.int32)])
            self.target = np.concatenate([self.target, np.full(grow, -1, np.int64)])

    def holds(self) -> np.ndarray:
        return self.value > 0

    def holder_keys(self, idx: np.ndarray) -> np.ndarray:
        m = self.model
        return (m.openers.key if self.demand else m.suppliers.key)[idx]

    def _issue(self, holders: np.ndarray, scenarios: np.ndarray, claim: np.ndarray, stream: str) -> None:
        """Application (naming the scenario whose contract it is for) → approval (or the trial's lottery) →
        budget commitment, for distinct holders."""
        m, d = self.model, self.model.draws
        can = ~self.holds()[holders] & (self.year_got[holders] != m.year)  # one voucher per holder per year
        holders, scenarios, claim = holders[can], scenarios[can], claim[can]
        if len(holders) == 0:
            return
        keys = self.holder_keys(holders)
        keep = d.uniform(stream, m.t, keys) < self.p["apply_prob"]
        holders, scenarios, claim, keys = holders[keep], scenarios[keep], claim[keep], keys[keep]
        lottery = m.lottery_for("vouchers")
        if lottery is not None and len(holders):  # an in-silico trial: applicants are allotted by lottery
            keep = lottery.draw_keys(m, keys)
        else:
            keep = d.uniform("voucher_approve", m.t, keys) < self.p["approval_rate"]
        holders, scenarios, claim, keys = holders[keep], scenarios[keep], claim[keep], keys[keep]
        if len(holders) == 0:
            return
        order = np.argsort(d.uniform("voucher_queue", m.t, keys))  # first come, first served
        holders, scenarios, claim = holders[order], scenarios[order], claim[order]
        got = m.fiscal.commit(self.name, claim)
        ok = got > 0
        holders, scenarios, claim = holders[ok], scenarios[ok], got[ok]
        self.value[holders] = claim
        self.target[holders] = scenarios
        self.expiry[holders] = m.t + self.p["validity_months"] - 1
        self.year_got[holders] = m.year
        self.issued += len(holders)
        self.issued_cny += float(claim.sum())
        if lottery is not None:
            lottery.record(m, holders, scenarios, claim)

    # -- supply side: applications, bids, landing -------------------------------------------------
    def on_aware(self, pairs) -> None:
        """Eligible suppliers aware of an opportunity that a voucher would make worth bidding for apply."""
        if not self.active or self.demand or len(pairs) == 0:
            return
        m = self.model
        p = m.params
        relief = np.minimum(self.p["cap_cny"], self.p["share"] * np.maximum(pairs.outlay, 0.0))
        worth = (-(pairs.outlay - relief) + pairs.p_success * pairs.followon * pairs.budget
                 >= p["bid.hurdle"] * pairs.budget)  # at the follow-on the supplier now expects
        want = worth & self.eligible_kind[m.suppliers.kind[pairs.supplier]] & (relief > 0)
        s, first = np.unique(pairs.supplier[want], return_index=True)
        self._issue(s, pairs.scenario[want][first], relief[want][first], "voucher_apply")

    def _cover(self, suppliers: np.ndarray, scenarios: np.ndarray, outlay: np.ndarray) -> np.ndarray:
        """What the suppliers' vouchers pay towards a contract for ``scenarios`` (0 for another contract)."""
        held = np.where(self.target[suppliers] == scenarios, self.value[suppliers], 0.0)
        return np.minimum(held, self.p["share"] * np.maximum(outlay, 0.0))

    def bid_relief(self, pairs):
        if self.demand:
            return 0.0
        return self._cover(pairs.supplier, pairs.scenario, pairs.outlay)

    def at_landing(self, pilots, need):
        if self.demand:
            return 0.0
        s = self.model.pilots.supplier[pilots]
        self._offer = self._cover(s, self.model.pilots.scenario[pilots], need)
        once = np.zeros(len(pilots), dtype=bool)  # a voucher pays towards one pilot only
        once[np.unique(s, return_index=True)[1]] = True
        self._offer[~once] = 0.0
        return self._offer

    def on_landed(self, pilots, landed):
        if self.demand:
            self._owner_landed(pilots, landed)
            return
        m = self.model
        use = landed & (self._offer > 0)
        if not use.any():
            return
        s = m.pilots.supplier[pilots[use]]
        amount = self._offer[use]
        m.fiscal.pay(self.name, "voucher", amount, s, m.pilots.scenario[pilots[use]], committed=True)
        self._spent(s, amount)

    def _spent(self, holders: np.ndarray, amount: np.ndarray) -> None:
        self.model.fiscal.release(self.name, self.value[holders] - amount)
        self.value[holders] = 0.0
        self.redeemed += len(holders)
        self.redeemed_cny += float(amount.sum())

    # -- demand side: applications, owners' choice, landing ---------------------------------------
    def on_published(self, scenarios: np.ndarray) -> None:
        """Owners publishing a scenario apply for a voucher towards what they would pay for it."""
        if not self.active or not self.demand or len(scenarios) == 0:
            return
        m = self.model
        pay = self._expected_payment(scenarios)
        ok = pay > 0
        owners, first = np.unique(m.scenarios.opener[scenarios[ok]], return_index=True)
        claim = np.minimum(self.p["cap_cny"], self.p["share"] * pay[ok][first])
        self._issue(owners, scenarios[ok][first], claim, "voucher_apply_owner")

    def _expected_payment(self, scenarios: np.ndarray) -> np.ndarray:
        """What an owner expects to pay for a scenario before bids are in: its price ceiling (最高限价)
        times the scenario's payment factor."""
        m = self.model
        return m.opener_payment(scenarios, m.price_ceiling(scenarios))

    def owner_cover(self, scenarios: np.ndarray, pay: np.ndarray | None = None) -> np.ndarray:
        """What the owner's voucher would pay towards a contract for each scenario (0 without one, or for
        a scenario other than the one it was applied for), at payment ``pay`` (default: the expected one)."""
        m = self.model
        pay = self._expected_payment(scenarios) if pay is None else pay
        owner = m.scenarios.opener[scenarios]
        held = np.where(self.target[owner] == scenarios, self.value[owner], 0.0)
        return np.minimum(held, self.p["share"] * pay)

    def risk_aversion_multiplier(self, scenarios):
        """Demand side: the part of the owner's aversion that is about its money falls with the share of
        its payment the voucher would cover (risk aversion only weighs on unproven suppliers' bids)."""
        if not self.demand or not self.active:
            return 1.0
        pay = self._expected_payment(scenarios)
        covered = np.divide(self.owner_cover(scenarios), pay, out=np.zeros(len(scenarios)), where=pay > 0)
        return 1.0 - self.p["owner_money_risk_share"] * covered

    def new_to_owner(self, pilots: np.ndarray) -> np.ndarray:
        """Whether each pilot's supplier is new to the scenario's owner: no earlier landed pilot between them."""
        m = self.model
        pil = m.pilots
        ran = np.flatnonzero(np.isin(pil.status, RAN))
        before = m.scenarios.opener[pil.scenario[ran]] * PAIR + pil.supplier[ran]
        now = m.scenarios.opener[pil.scenario[pilots]] * PAIR + pil.supplier[pilots]
        return ~np.isin(now, before)

    def _owner_landed(self, pilots, landed):
        m = self.model
        self._owner_paid = (np.zeros(0, np.int64), np.zeros(0))
        o = pilots[landed]
        if len(o) == 0:
            return
        scn = m.pilots.scenario[o]
        owner = m.scenarios.opener[scn]
        use = (self.value[owner] > 0) & self.eligible_kind[m.suppliers.kind[m.pilots.supplier[o]]] \
            & self.new_to_owner(o)
        o, scn, owner = o[use], scn[use], owner[use]
        first = np.unique(owner, return_index=True)[1]  # a voucher pays towards one contract only
        o, scn, owner = o[first], scn[first], owner[first]
        amount = self.owner_cover(scn, m.opener_payment(scn, m.pilots.price[o]))  # at the agreed price
        pos = amount > 0
        o, scn, owner, amount = o[pos], scn[pos], owner[pos], amount[pos]
        if len(o) == 0:
            return
        m.fiscal.pay(self.name, "voucher", amount, m.pilots.supplier[o], scn, committed=True)
        self._spent(owner, amount)
        self._owner_paid = (o, amount)

    def owner_relief(self, pilots):
        """Demand side: what the voucher paid the supplier on the owner's behalf, per landed pilot."""
        out = np.zeros(len(pilots))
        o, amount = self._owner_paid
        if len(o):
            by = np.argsort(o)
            hit = np.isin(pilots, o)
            out[hit] = amount[by][np.searchsorted(o[by], pilots[hit])]
        return out

    # -- lapses ------------------------------------------------------------------------------------
    def _lapse(self, holders: np.ndarray) -> None:
        holders = holders[self.value[holders] > 0]
        if len(holders):
            self.model.fiscal.release(self.name, self.value[holders])
            self.value[holders] = 0.0
            self.expired += len(holders)

    def on_month_end(self):
        self._lapse(np.flatnonzero((self.value > 0) & (self.expiry <= self.model.t)))

    def on_supplier_exit(self, suppliers):
        if not self.demand:
            self._lapse(suppliers)

    def summary(self):
        return {"vouchers_issued": self.issued, "vouchers_redeemed": self.redeemed, "vouchers_expired": self.expired,
                "voucher_value_issued_cny": self.issued_cny, "voucher_value_redeemed_cny": self.redeemed_cny}
