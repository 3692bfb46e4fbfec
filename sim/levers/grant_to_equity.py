"""Fiscal support to suppliers of landed scenarios, as grants or — the reform — as equity (财政资金"补改投").

Mechanism. When a startup's or SME's pilot lands, the province supports it with ``support_share`` of
the pilot budget (at most ``support_cap_cny``), while the year's budget lasts. A share
``equity_share`` of that support is offered as equity instead of a grant:

* the grant part is paid to every eligible landing pilot;
* the equity part is invested only if the fund's due diligence (the supplier's readiness judged with
  error ``diligence_sd``) puts the pilot's success chance at ``screen_min_success`` or more, and the
  supplier accepts dilution (probability ``equity_acceptance``). The fund takes a stake
  ``amount / (pre-money + amount)`` with pre-money = ``valuation_multiple`` × max(cash, pilot budget),
  and sells it after ``holding_months`` at ``valuation_multiple`` × cash then (a proxy for firm
  value); stakes in suppliers that exit are written off. Proceeds are recorded as receipts.

Suppliers anticipate support when they bid: the grant at face value, equity at
(1 − ``equity_discount``) of its amount, weighted by acceptance, and only if they pass the screen in
their own judgement; the cash they expect at landing also helps them afford the pilot. So grant-only (``equity_share`` = 0), equity-only (1) and mixes differ in
reach, selectivity, suppliers' incentive and net fiscal cost. Source: Hunan plan §(十四)
"探索财政资金'补改投'改革，通过股权直投的方式投向创新场景建设"; magnitudes assumed — uncertain.
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import MONEY, Param, SHARE
from sim.base.table import Table
from sim.levers._util import grow
from sim.levers.base import Lever

L, U = "lever", "uncertainty"
ELIGIBLE = ("startup", "sme")
HELD, SOLD, WRITTEN_OFF = 0, 1, 2


class GrantToEquity(Lever):
    name = "grant_to_equity"
    label_zh = "财政资金补改投"
    label_en = "Grant-to-equity"
    PARAMS = [
        Param("grant_to_equity.budget_cny_per_year", L, float, "CNY/year", MONEY, "Support budget", "支持资金年度预算",
              "Yearly budget for support to suppliers of landed pilots (grants plus equity; 0 turns it off)."),
        Param("grant_to_equity.support_share", L, float, "share", SHARE, "Support as share of budget", "支持比例",
              "Support per landed pilot as a share of its budget."),
        Param("grant_to_equity.support_cap_cny", L, float, "CNY", MONEY, "Support cap per pilot", "单项支持上限",
              "Most support one pilot receives."),
        Param("grant_to_equity.equity_share", L, float, "share", SHARE, "Share given as equity", "股权投资占比",
              "Share of support offered as equity instead of a grant (0 grant-only, 1 equity-only)."),
        Param("grant_to_equity.screen_min_success", L, float, "probability", SHARE, "Equity screen", "股投尽调门槛",
              "Least success chance, as the fund judges it, at which it invests."),
        Param("grant_to_equity.holding_months", L, int, "months", (1, 240), "Holding period", "持股期限",
              "Months after which the fund sells a stake."),
        Param("grant_to_equity.equity_acceptance", U, float, "share", SHARE, "Acceptance of equity", "企业接受股投比例",
              "Chance a supplier accepts an equity offer (dilution)."),
        Param("grant_to_equity.equity_discount", U, float, "share", SHARE, "Perceived cost of equity",
              "股权资金折价", "Share of an equity amount a supplier discounts, relative to a grant, when deciding to bid."),
        Param("grant_to_equity.valuation_multiple", U, float, "× cash", (0.0, 1000.0), "Valuation multiple", "估值倍数",
              "Firm value as a multiple of its cash (proxy used to price stakes and exits)."),
        Param("grant_to_equity.diligence_sd", U, float, "TRL", (0.0, 5.0), "Due-diligence error", "尽调误差",
              "Standard deviation of the fund's error in judging a supplier's readiness."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.eligible_kind = np.array([k in ELIGIBLE for k in model.supplier_kind_names])
        self.holdings = Table({
            "supplier": (np.int64, -1), "scenario": (np.int64, -1), "amount": (np.float64, 0.0),
            "stake": (np.float64, 0.0), "month": (np.int32, -1), "status": (np.int8, HELD),
            "proceeds": (np.float64, 0.0)})
        self._grant = self._equity = np.zeros(0)
        self.last_grant = np.zeros(0, dtype=np.int64)  # month of each supplier's last grant

    def on_suppliers_added(self, n_total):
        self.last_grant = grow(self.last_grant, n_total, -10_000)

    def holds_stake(self, suppliers: np.ndarray) -> np.ndarray:
        """Whether the public fund holds a stake in each supplier."""
        h = self.holdings
        return np.isin(suppliers, h.supplier[h.status == HELD])

    def public_signals(self, suppliers: np.ndarray) -> dict[str, np.ndarray]:
        """Investors can see whether the public fund holds a stake in a supplier and whether it had a
        grant in the past year."""
        return {"public_stake": self.holds_stake(suppliers), "grant": self.last_grant[suppliers] >= self.model.t - 11}

    def _support(self, budget: np.ndarray) -> np.ndarray:
        return np.minimum(self.p["support_share"] * budget, self.p["support_cap_cny"])

    def _anticipated(self, pairs):
        """(grant, equity) a bidder expects at landing: equity weighted by acceptance and only if it
        passes the screen by its own judgement; nothing once the year's budget is spent."""
        m = self.model
        if not self.active or m.fiscal.available(self.name) <= 0:
            return 0.0, 0.0
        amount = self._support(pairs.budget) * self.eligible_kind[m.suppliers.kind[pairs.supplier]]
        lottery = m.lottery_for("grant") or m.lottery_for("equity")
        if lottery is not None:
            amount = amount * lottery.expected(m, pairs.supplier)
        e = self.p["equity_share"]
        equity = (e * amount * self.p["equity_acceptance"] * (pairs.p_success >= self.p["screen_min_success"]))
        return (1 - e) * amount, equity

    def bid_bonus(self, pairs):
        grant, equity = self._anticipated(pairs)
        return grant + equity * (1 - self.p["equity_discount"])

    def landing_cash(self, pairs):
        grant, equity = self._anticipated(pairs)
        return grant + equity

    def at_landing(self, pilots, need):
        m = self.model
        n = len(pilots)
        self._grant = self._equity = np.zeros(n)
        if not self.active or n == 0:
            return np.zeros(n)
        s = m.pilots.supplier[pilots]
        o = m.pilots.scenario[pilots]
        amount = self._support(m.scenarios.budget[o]) * self.eligible_kind[m.suppliers.kind[s]]
        e = self.p["equity_share"]
        readiness_seen = m.capabilities.readiness[m.pilots.cap[pilots]] + m.draws.normal(
            "diligence", m.scenarios.key[o], m.suppliers.key[s], scale=self.p["diligence_sd"])
        p_seen = m.success_prob(readiness_seen, m.scenarios.required[o], m.scenarios.tier[o])
        accept = m.draws.uniform("equity_accept", m.scenarios.key[o], m.suppliers.key[s]) < self.p["equity_acceptance"]
        grant = (1 - e) * amount
        equity = e * amount * ((p_seen >= self.p["screen_min_success"]) & accept)
        lottery = m.lottery_for("grant") or m.lottery_for("equity")
        if lottery is not None:  # an in-silico trial: eligible applicants are allotted by lottery
            applying = (grant + equity) > 0
            win = np.zeros(n, dtype=bool)
            if applying.any():
                win[applying] = lottery.draw(m, s[applying])
            grant, equity = grant * win, equity * win
        # offers that fit what is left of this year's budget, in order
        total = grant + equity
        fits = np.cumsum(total) <= m.fiscal.available(self.name) + 1e-6
        self._grant, self._equity = grant * fits, equity * fits
        return self._grant + self._equity

    def on_landed(self, pilots, landed):
        m = self.model
        if not landed.any():
            return
        p = pilots[landed]
        s, o = m.pilots.supplier[p], m.pilots.scenario[p]
        granted = m.fiscal.pay(self.name, "grant", self._grant[landed], s, o)
        self.last_grant[s[granted > 0]] = m.t
        eq = self._equity[landed]
        paid = m.fiscal.pay(self.name, "equity", eq, s, o)
        lottery = m.lottery_for("grant") or m.lottery_for("equity")
        if lottery is not None:
            got = (granted + paid) > 0
            lottery.record(m, s[got], o[got], (granted + paid)[got])
        inv = paid > 0
        if inv.any():
            pre = self.p["valuation_multiple"] * np.maximum(m.suppliers.cash[s[inv]], m.scenarios.budget[o[inv]])
            stake = paid[inv] / np.maximum(pre + paid[inv], 1.0)
            self.holdings.add(supplier=s[inv], scenario=o[inv], amount=paid[inv], stake=stake, month=m.t)

    def _value(self, rows: np.ndarray) -> np.ndarray:
        m = self.model
        s = self.holdings.supplier[rows]
        return self.holdings.stake[rows] * self.p["valuation_multiple"] * np.maximum(m.suppliers.cash[s], 0.0)

    def on_month_end(self):
        h = self.holdings
        due = np.flatnonzero((h.status == HELD) & (self.model.t - h.month >= self.p["holding_months"]))
        if len(due):
            proceeds = self._value(due)
            h.status[due] = SOLD
            h.proceeds[due] = proceeds
            self.model.fiscal.receive(self.name, "equity_return", proceeds, h.supplier[due], h.scenario[due])

    def on_supplier_exit(self, suppliers):
        h = self.holdings
        gone = (h.status == HELD) & np.isin(h.supplier, suppliers)
        h.status[gone] = WRITTEN_OFF

    def summary(self):
        h = self.holdings
        held = np.flatnonzero(h.status == HELD)
        return {"equity_investments": int(h.n), "equity_invested_cny": float(h.amount.sum()),
                "equity_proceeds_cny": float(h.proceeds.sum()),
                "equity_written_off_cny": float(h.amount[h.status == WRITTEN_OFF].sum()),
                "equity_portfolio_value_cny": float(self._value(held).sum())}
