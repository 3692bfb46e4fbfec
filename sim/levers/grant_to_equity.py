"""Fiscal support to suppliers of landed scenarios, as grants or — the reform — as equity (财政资金"补改投").

Mechanism. When a startup's or SME's pilot lands, the province supports it with ``support_share`` of
the pilot budget (at most ``support_cap_cny``), while the year's budget lasts. The fund's due diligence
judges the supplier's readiness with error ``diligence_sd`` and so its success chance (``p_seen``). A
share ``equity_share`` of the support is offered as equity instead of a grant:

* the grant part is paid if ``p_seen`` ≥ ``grant_screen_min_success`` (0, the default: grants are not
  screened beyond the pilot having landed — the plan names no screen for them);
* the equity part is offered if ``p_seen`` ≥ ``screen_min_success``, and **the firm decides whether to
  accept** it against its outside options (:meth:`GrantToEquity.accepts`): it declines if it raised
  private equity in the past year (it has a private lead at a market valuation, and public equity
  brings conditions and dilution) or if its own funds cover its outlay (it keeps a reserve: it risks
  at most ``bid.max_cash_share`` of its cash, the bidders' rule); otherwise it accepts. Grounds: the
  pecking order of finance (Myers & Majluf 1984: internal funds first, outside equity last) and the
  terms of government equity (buy-back and reporting clauses) that make it a last resort — the
  ``equity_discount`` firms place on it is assumed — uncertain.
  The fund takes a stake ``amount / (pre-money + amount)`` with pre-money = ``valuation_multiple`` ×
  max(cash, pilot budget), and sells it after ``holding_months`` at ``valuation_multiple`` × cash then
  (a proxy for firm value); stakes in suppliers that exit are written off. Proceeds are recorded as
  receipts.

Both screens are public rules, so what a grant or a stake tells investors is what the screen lets
through: the lever publishes, per supplier, the readiness a screen demanded (``public_signals``), and
an unscreened grant demands nothing — it carries no information (the Chinese evidence: Innofund
grants, awarded partly on political connections, had no effect on later venture funding, Wang, Li &
Furman 2017, docs/sources.md "Public money and firms in China").

Suppliers anticipate support when they bid: the grant at face value, equity at
(1 − ``equity_discount``) of its amount and only if they pass the screen in their own judgement and
would accept it; the cash they expect at landing also helps them afford the pilot. So grant-only
(``equity_share`` = 0), equity-only (1) and mixes differ in reach, selectivity, suppliers' incentive
and net fiscal cost. Source: Hunan plan §(十四) "探索财政资金'补改投'改革，通过股权直投的方式投向创新场景建设";
magnitudes assumed — uncertain.
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import MONEY, Param, SHARE
from sim.base.sets import flags, isin
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
        Param("grant_to_equity.grant_screen_min_success", L, float, "probability", SHARE, "Grant screen",
              "补助尽调门槛", "Least success chance, as the fund judges it, at which a grant is paid (0: unscreened)."),
        Param("grant_to_equity.holding_months", L, int, "months", (1, 240), "Holding period", "持股期限",
              "Months after which the fund sells a stake."),
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
            "proceeds": (np.float64, 0.0), "bar": (np.float64, -np.inf)})
        self._grant = self._equity = np.zeros(0)
        self.last_grant = np.zeros(0, dtype=np.int64)  # month of each supplier's last grant
        self.grant_bar = np.zeros(0)  # readiness the screen of that grant demanded (−inf: unscreened)
        self.declined = 0  # equity offers declined by firms with better outside options

    def on_suppliers_added(self, n_total):
        self.last_grant = grow(self.last_grant, n_total, -10_000)
        self.grant_bar = grow(self.grant_bar, n_total, -np.inf)

    def holds_stake(self, suppliers: np.ndarray) -> np.ndarray:
        """Whether the public fund holds a stake in each supplier."""
        h = self.holdings
        return isin(suppliers, h.supplier[h.status == HELD])

    def public_signals(self, suppliers: np.ndarray) -> dict[str, np.ndarray]:
        """Investors can see whether the public fund holds a stake in a supplier and whether it had a
        grant in the past year, and — the screens being public rules — the readiness each screen
        demanded (``*_bar``, TRL; −inf where nothing was screened) and the fund's judgement error."""
        h = self.holdings
        held = h.status == HELD
        stake_bar = np.full(len(suppliers), -np.inf)
        if held.any():  # the highest bar of each holder's stakes, read for the suppliers asked about
            holders, which = np.unique(h.supplier[held], return_inverse=True)
            bar = np.full(len(holders), -np.inf)
            np.maximum.at(bar, which, h.bar[held])
            at = np.minimum(np.searchsorted(holders, suppliers), len(holders) - 1)
            stake_bar = np.where(holders[at] == suppliers, bar[at], -np.inf)
        grant = self.last_grant[suppliers] >= self.model.t - 11
        return {"public_stake": self.holds_stake(suppliers), "grant": grant, "public_stake_bar": stake_bar,
                "grant_bar": np.where(grant, self.grant_bar[suppliers], -np.inf),
                "screen_sd": np.full(len(suppliers), self.p["diligence_sd"])}

    def screen_bar(self, p_min: float, scenarios: np.ndarray) -> np.ndarray:
        """The readiness (TRL) at which the fund's judged success chance on each scenario reaches ``p_min``:
        −inf if ``p_min`` ≤ 0 (no screen), +inf if no readiness reaches it."""
        m = self.model
        req, smax = m.scenarios.required[scenarios], m.tier_success_max[m.scenarios.tier[scenarios]]
        with np.errstate(divide="ignore", invalid="ignore"):
            bar = req - np.log(smax / p_min - 1.0) / m.params["pilot.success_slope"]
        return np.where(p_min <= 0, -np.inf, np.where(p_min >= smax, np.inf, bar))

    def accepts(self, suppliers: np.ndarray, need: np.ndarray, grant: np.ndarray) -> np.ndarray:
        """Whether each firm accepts public equity: only if it raised no private equity in the past year
        and its own funds (the share ``bid.max_cash_share`` of its cash it will risk) plus the grant do
        not cover its outlay (grounds in the module docstring)."""
        m = self.model
        # the private round is published by other levers (finance); this lever's own signals (stakes,
        # grants) never include it, so only the others are asked: the same "private_round" as the merged
        # m.public_signals(suppliers) (an "or" over the levers that publish it), without computing
        # this lever's stake bars for every bid pair
        private = np.zeros(len(suppliers), dtype=bool)
        for lv in m.levers.each("public_signals"):
            if lv is not self:
                private = private | lv.public_signals(suppliers).get("private_round", False)
        own = m.params["bid.max_cash_share"] * np.maximum(m.suppliers.cash[suppliers], 0.0)
        return ~private & (need - grant > own)

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
        grant = (1 - e) * amount * (pairs.p_success >= self.p["grant_screen_min_success"])
        passes = pairs.p_success >= self.p["screen_min_success"]
        equity = e * amount * passes * self.accepts(pairs.supplier, np.maximum(pairs.outlay, 0.0), grant)
        return grant, equity

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
        grant = (1 - e) * amount * (p_seen >= self.p["grant_screen_min_success"])
        offered = e * amount * (p_seen >= self.p["screen_min_success"])
        accept = self.accepts(s, need, grant)
        self.declined += int(((offered > 0) & ~accept).sum())
        equity = offered * accept
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
        got = granted > 0
        self.last_grant[s[got]] = m.t
        self.grant_bar[s[got]] = self.screen_bar(self.p["grant_screen_min_success"], o[got])
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
            self.holdings.add(supplier=s[inv], scenario=o[inv], amount=paid[inv], stake=stake, month=m.t,
                              bar=self.screen_bar(self.p["screen_min_success"], o[inv]))

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
        gone = (h.status == HELD) & flags(suppliers, len(self.model.suppliers))[h.supplier]
        h.status[gone] = WRITTEN_OFF

    def summary(self):
        h = self.holdings
        held = np.flatnonzero(h.status == HELD)
        return {"equity_investments": int(h.n), "equity_invested_cny": float(h.amount.sum()),
                "equity_proceeds_cny": float(h.proceeds.sum()),
                "equity_written_off_cny": float(h.amount[h.status == WRITTEN_OFF].sum()),
                "equity_declined": self.declined,
                "equity_portfolio_value_cny": float(self._value(held).sum())}
