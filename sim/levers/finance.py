"""Scenario finance: scenario loans, technology insurance, and private investors with a guidance fund
(场景贷、科技险、"政府引导基金 + 市场化风险投资 + 专项信贷").

Mechanism.

* **Scenario loans** (``loans`` on): a startup or SME may borrow ``loan_share`` of its own outlay when
  a pilot lands; bidders count this credit when judging whether they can afford a pilot. Interest
  ``loan_rate_per_year`` is paid monthly, the government paying ``interest_subsidy`` of it. The loan is
  repaid when the pilot ends, as far as the supplier's cash allows; a shortfall, or an exit, is a
  default of which the government's guarantee pays ``guarantee_share`` to the bank.
* **Technology insurance** (``insurance`` on): a startup's or SME's pilot is insured by a scheme (the
  ``insurer`` account) that collects a premium and pays claims: a failed pilot gets
  ``insurance_cover`` × the supplier's own outlay back. The premium mixes a flat rate and a rate on
  the risk the insurer can observe: (1 − ``premium_rating``) × ``premium_rate`` × budget +
  ``premium_rating`` × (1 + ``premium_loading``) × expected claim (the pilot's failure chance from its
  readiness, × the cover); ``premium_rating`` = 0 is the flat premium of most schemes. The government
  pays ``premium_subsidy`` of the premium to the insurer. Bidders count the expected payout net of
  their premium. The insurer's profit or loss (premiums − claims) is reported.
* **Firms decide whether to borrow** (:meth:`Finance.loan_terms`): a firm borrows only what its own
  funds do not cover (it risks at most ``bid.max_cash_share`` of its cash, the bidders' rule; internal
  funds first — the pecking order, Myers & Majluf 1984), at most ``loan_share`` of its outlay, and only
  if the pilot's expected value to it (chance of success × the follow-on it expects − its outlay)
  covers the interest it would pay. A cash-rich firm or a poor pilot takes no loan.
* **Private investors** are agents (:class:`Investor`), ``investors`` of them, each with
  ``investor_capital_cny`` a year, sharing one decision rule (vectorised over firms). Each month they
  look at startups and SMEs whose cash is below ``raise_below_cny`` and that raised nothing in the past
  year, and form a **Bayesian posterior** of each firm's readiness q (:func:`posterior`): the prior is
  the population's (the kind's mean readiness, spread ``supply.readiness_sd``); each observation
  multiplies it by its likelihood — a landed pilot by P(an owner judging with error
  ``owner_judgement_sd`` picks it | q), a validated or failed pilot by the success chance or its
  complement, the investor's own due diligence by a normal error ``investor_diligence_sd``, and a
  public grant or stake by P(the public screen lets it through | q) — the screen being a public rule
  (the readiness it demanded and the fund's judgement error, published by grant-to-equity). An
  unscreened grant has likelihood 1 whatever q: it tells investors nothing. From the posterior they
  take the chance π that the firm's next small-cut pilot succeeds and invest ``ticket_cny`` when the
  risk-adjusted multiple π·M − ``risk_aversion`` · M·√(π(1−π)) reaches ``hurdle_multiple``, with M =
  ``win_multiple`` the return of a success and nothing back otherwise (a mean–standard-deviation rule;
  multiples and risk aversion assumed — uncertain, VC hurdle rates of 25–30 % a year over ~5 years give
  a multiple near 3). A public **guidance fund** co-invests ``guidance_match`` × the ticket from this
  lever's budget. Whether public money crowds private money in (an informative signal) or out (a
  supported firm no longer needs to raise) is an outcome.

Fiscal costs — interest subsidies, guarantee payouts, premium subsidies, guidance co-investment —
come from ``budget_cny_per_year``, split into a budget line per instrument by the shares
``line_share.*`` (normalised to sum to 1), so one instrument cannot use up another's money; no new
loans, policies or co-investments once their line is spent. Every yuan moves between accounts
(:mod:`sim.core.money`): loans from and repayments, interest and guarantees to the ``lenders``,
premiums to and claims from the ``insurer``, private tickets from the ``investors``.
Sources: Hunan plan §(十四) "鼓励银行、保险等金融机构面向中小企业研发场景创新的金融产品"; Hubei §(十三)
"政府引导基金+市场化风险投资+专项信贷支持…'场景贷''科技险'"; Shandong first-of-a-kind insurance: premium
subsidy 80 %, premium rate capped at 3 % (docs/sources.md).
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import MONEY, Param, SHARE
from sim.base.sets import among, flags
from sim.base.table import Table
from sim.base.vocab import SUPPLIER_KINDS
from sim.levers._investors import RUNNING_OR_DONE, Investor, invest_decision, success_belief
from sim.levers._util import grow
from sim.levers.base import Lever

L, U = "lever", "uncertainty"
ELIGIBLE = ("startup", "sme")
OPEN, REPAID, DEFAULTED = 0, 1, 2
BELIEF_BATCH = 2048  # firms whose beliefs are formed at once (a province the size of Hunan has ~1,500 candidates); doubles while more deals are wanted
INSTRUMENTS = ("interest_subsidy", "guarantee", "premium_subsidy", "guidance_fund")  # one budget line each
class Finance(Lever):
    name = "finance"
    label_zh = "场景金融"
    label_en = "Scenario finance"
    PARAMS = [
        Param("finance.budget_cny_per_year", L, float, "CNY/year", MONEY, "Finance budget", "场景金融年度预算",
              "Yearly budget for interest subsidies, guarantees, premium subsidies and guidance co-investment."),
        *[Param(f"finance.line_share.{k}", L, float, "share", SHARE, f"Budget share: {lab_en}", f"预算占比：{lab_zh}",
                f"Share of the finance budget on the line for {lab_en.lower()} (shares are normalised to sum to 1).")
          for k, lab_en, lab_zh in (("interest_subsidy", "Interest subsidies", "贴息"),
                                    ("guarantee", "Loan guarantees", "担保代偿"),
                                    ("premium_subsidy", "Premium subsidies", "保费补贴"),
                                    ("guidance_fund", "Guidance-fund co-investment", "引导基金跟投"))],
        Param("finance.loans", L, bool, "on/off", (False, True), "Scenario loans", "场景贷", "Whether scenario loans are offered."),
        Param("finance.loan_share", L, float, "share", SHARE, "Loan as share of outlay", "贷款比例",
              "Share of its own outlay a supplier may borrow when its pilot lands."),
        Param("finance.guarantee_share", L, float, "share", SHARE, "Guarantee", "政府担保比例",
              "Share of a defaulted loan the government repays the bank."),
        Param("finance.interest_subsidy", L, float, "share", SHARE, "Interest subsidy", "贴息比例",
              "Share of loan interest the government pays."),
        Param("finance.insurance", L, bool, "on/off", (False, True), "Technology insurance", "科技险",
              "Whether pilots of startups and SMEs are insured."),
        Param("finance.premium_subsidy", L, float, "share", SHARE, "Premium subsidy", "保费补贴",
              "Share of the premium the government pays."),
        Param("finance.insurance_cover", L, float, "share", SHARE, "Cover", "保险赔付比例",
              "Share of the supplier's own outlay a failed insured pilot pays back."),
        Param("finance.guidance_match", L, float, "CNY per CNY", (0.0, 10.0), "Guidance-fund match", "引导基金跟投比例",
              "Guidance-fund co-investment per yuan of private investment."),
        Param("finance.loan_rate_per_year", U, float, "1/year", (0.0, 1.0), "Loan rate", "贷款利率", "Interest rate of scenario loans."),
        Param("finance.premium_rate", U, float, "share of budget", SHARE, "Premium rate", "保险费率",
              "Premium as a share of the pilot budget."),
        Param("finance.premium_rating", U, float, "share", SHARE, "Risk rating of premiums", "保费风险定价程度",
              "0: a flat premium (premium_rate × budget); 1: premiums priced on the failure risk the insurer "
              "observes; between: a mix."),
        Param("finance.premium_loading", U, float, "share", (0.0, 5.0), "Insurer's loading", "保险附加费率",
              "What a risk-rated premium adds to the expected claim (costs and profit)."),
        Param("finance.investors", U, int, "investors", (0, 10_000), "Private investors", "社会投资机构数",
              "Venture investors active in the province."),
        Param("finance.investor_capital_cny", U, float, "CNY/investor/year", MONEY, "Capital per investor",
              "单机构年投资额度", "Capital each investor places in the province per year."),
        Param("finance.ticket_cny", U, float, "CNY", MONEY, "Ticket", "单笔投资额", "Size of one investment."),
        Param("finance.raise_below_cny", U, float, "CNY", MONEY, "Raises when cash below", "融资需求阈值",
              "A supplier seeks investment when its cash is below this."),
        Param("finance.investor_diligence_sd", U, float, "TRL", (0.01, 10.0), "Investors' diligence error",
              "投资机构尽调误差", "Standard deviation of an investor's own error in judging a firm's readiness."),
        Param("finance.owner_judgement_sd", U, float, "TRL", (0.01, 10.0), "Owners' judgement error (investors' view)",
              "业主选择误差(投资者看法)", "Investors' belief about how well owners judge readiness when they pick a "
              "supplier: the error of a landed pilot as a signal."),
        Param("finance.win_multiple", U, float, "× ticket", (1.0, 1000.0), "Return of a success", "成功回报倍数",
              "What a ticket returns if the firm succeeds (nothing otherwise)."),
        Param("finance.hurdle_multiple", U, float, "× ticket", (1.0, 100.0), "Investors' hurdle", "投资门槛倍数",
              "Risk-adjusted multiple an investor needs over the holding period to invest."),
        Param("finance.risk_aversion", U, float, "per SD", (0.0, 10.0), "Investors' risk aversion", "投资风险厌恶",
              "Multiples subtracted per standard deviation of the ticket's return."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.eligible_kind = np.array([k in ELIGIBLE for k in SUPPLIER_KINDS])
        self.loans = Table({"supplier": (np.int64, -1), "pilot": (np.int64, -1), "principal": (np.float64, 0.0),
                            "status": (np.int64, OPEN)}, capacity=256)
        self.cover = np.zeros(0)  # insured payout per pilot if it fails
        self.last_raised = np.zeros(0, dtype=np.int64)
        self.investors = [Investor(model, self.p["investor_capital_cny"]) for _ in range(self.p["investors"])]
        self._loan = self._premium = np.zeros(0)
        self.defaults_cny = self.payouts_cny = self.premiums_cny = 0.0
        self.deals: list[tuple] = []  # (month, supplier indices, CNY) of private investment

    @property
    def active(self) -> bool:
        return self.p["budget_cny_per_year"] > 0

    def _open(self, instrument: str) -> bool:
        return self.active and self.model.fiscal.available(self.name, flow=instrument) > 0

    def budget_lines(self) -> dict[str, float]:
        return {f"{self.name}.{k}": self.p[f"line_share.{k}"] for k in INSTRUMENTS}

    def _premium_of(self, budget, own, p_success):
        """The premium of insuring a pilot: flat, risk-rated on the failure chance, or a mix."""
        flat = self.p["premium_rate"] * budget
        rated = (1 + self.p["premium_loading"]) * (1 - p_success) * self.p["insurance_cover"] * own
        return (1 - self.p["premium_rating"]) * flat + self.p["premium_rating"] * rated

    def on_suppliers_added(self, n_total):
        self.last_raised = grow(self.last_raised, n_total, -10_000)

    def on_year_start(self, year):
        for inv in self.investors:
            inv.capital_left = inv.capital_per_year

    # -- bidding -------------------------------------------------------------------------------
    def _eligible(self, suppliers):
        return self.eligible_kind[self.model.suppliers.kind[suppliers]]

    def loan_terms(self, suppliers, need, p_success, budget, months, followon):
        """The loan each firm takes for a pilot, and the interest it pays on it (grounds in the module
        docstring): what its own funds do not cover, at most ``loan_share`` of its outlay, and only if
        the pilot's expected value (at the follow-on the firm expects, × budget) covers the interest."""
        m = self.model
        n = len(suppliers)
        if not (self.p["loans"] and self._open("interest_subsidy")):
            return np.zeros(n), np.zeros(n)
        need = np.maximum(need, 0.0)
        own = m.params["bid.max_cash_share"] * np.maximum(m.suppliers.cash[suppliers], 0.0)
        amount = np.minimum(self.p["loan_share"] * need, np.maximum(need - own, 0.0)) * self._eligible(suppliers)
        interest = amount * self.p["loan_rate_per_year"] * months / 12 * (1 - self.p["interest_subsidy"])
        value = p_success * followon * budget - need
        take = (amount > 0) & (value >= interest)
        return amount * take, interest * take

    def credit_line(self, pairs):
        months = self.model.scenarios.duration[pairs.scenario]
        return self.loan_terms(pairs.supplier, pairs.outlay, pairs.p_success, pairs.budget, months, pairs.followon)[0]

    def bid_bonus(self, pairs):
        if not self.active:
            return 0.0
        m = self.model
        el = self._eligible(pairs.supplier)
        own = np.maximum(pairs.outlay, 0.0)
        value = np.zeros(len(pairs))
        if self.p["insurance"] and self._open("premium_subsidy"):
            premium = self._premium_of(pairs.budget, own, pairs.p_success) * (1 - self.p["premium_subsidy"])
            value += ((1 - pairs.p_success) * self.p["insurance_cover"] * own - premium) * el
        months = m.scenarios.duration[pairs.scenario]
        value -= self.loan_terms(pairs.supplier, pairs.outlay, pairs.p_success, pairs.budget, months,
                                 pairs.followon)[1]
        return value

    # -- landing, interest, repayment ----------------------------------------------------------
    def at_landing(self, pilots, need):
        m = self.model
        n = len(pilots)
        self._loan = self._premium = np.zeros(n)
        if not self.active or n == 0:
            return np.zeros(n)
        s = m.pilots.supplier[pilots]
        el = self._eligible(s)
        o = m.pilots.scenario[pilots]
        self._loan = self.loan_terms(s, need, m.pilots.p_success[pilots], m.scenarios.budget[o],
                                     m.scenarios.duration[o], m.followon_expected(o))[0]
        if self.p["insurance"] and self._open("premium_subsidy"):
            budget = m.scenarios.budget[m.pilots.scenario[pilots]]
            self._premium = self._premium_of(budget, need, m.pilots.p_success[pilots]) * el
        return self._loan - (1 - self.p["premium_subsidy"]) * self._premium

    def on_landed(self, pilots, landed):
        m = self.model
        self.cover = grow(self.cover, len(m.pilots), 0.0)
        p, s = pilots[landed], m.pilots.supplier[pilots[landed]]
        loan, premium = self._loan[landed], self._premium[landed]
        has = loan > 0
        if has.any():
            self.loans.add(supplier=s[has], pilot=p[has], principal=loan[has])
            m.money.to_suppliers("lenders", s[has], loan[has])
        ins = premium > 0
        if ins.any():
            m.money.from_suppliers("insurer", s[ins], (1 - self.p["premium_subsidy"]) * premium[ins])
            due = self.p["premium_subsidy"] * premium[ins]
            paid = m.fiscal.pay(self.name, "premium_subsidy", due, s[ins], m.pilots.scenario[p[ins]], to="insurer")
            m.money.from_suppliers("insurer", s[ins], due - paid)  # a subsidy the line cannot pay: the firm pays
            self.premiums_cny += float(premium[ins].sum())
            self.cover[p[ins]] = self.p["insurance_cover"] * np.maximum(m.pilots.outlay[p[ins]], 0.0)

    def _charge_interest(self):
        m = self.model
        lo = self.loans
        open_ = np.flatnonzero(lo.status == OPEN)
        if len(open_) == 0:
            return
        interest = lo.principal[open_] * self.p["loan_rate_per_year"] / 12
        s = lo.supplier[open_]
        m.money.from_suppliers("lenders", s, (1 - self.p["interest_subsidy"]) * interest)
        if self.p["interest_subsidy"] > 0:  # the subsidy is owed on open loans even once its line is spent
            paid = m.fiscal.pay(self.name, "interest_subsidy", self.p["interest_subsidy"] * interest, s, to="lenders")
            m.money.from_suppliers("lenders", s, self.p["interest_subsidy"] * interest - paid)

    def _settle_loans(self, rows, can_pay):
        """Repay loans ``rows`` as far as ``can_pay`` allows; the government guarantees defaults."""
        m = self.model
        lo = self.loans
        repay = np.minimum(lo.principal[rows], np.maximum(can_pay, 0.0))
        m.money.from_suppliers("lenders", lo.supplier[rows], repay)
        short = lo.principal[rows] - repay
        lo.status[rows] = np.where(short > 1e-6, DEFAULTED, REPAID)
        bad = short > 1e-6
        if bad.any():
            self.defaults_cny += float(short[bad].sum())
            m.fiscal.pay(self.name, "guarantee", self.p["guarantee_share"] * short[bad], lo.supplier[rows][bad],
                         to="lenders")

    def on_pilots_concluded(self, pilots, success):
        m = self.model
        self.cover = grow(self.cover, len(m.pilots), 0.0)
        failed = pilots[~success]
        pay = self.cover[failed]
        if (pay > 0).any():
            claim = pay * m.suppliers.alive[m.pilots.supplier[failed]]
            m.money.to_suppliers("insurer", m.pilots.supplier[failed], claim)
            self.payouts_cny += float(claim.sum())
            self.cover[failed] = 0.0
        self.cover[pilots] = 0.0
        lo = self.loans
        self._repay(np.flatnonzero((lo.status == OPEN) & flags(pilots, len(m.pilots))[lo.pilot]))

    def _repay(self, rows):
        """Repay loans ``rows`` from their suppliers' cash; a supplier with several loans due repays them in turn."""
        if len(rows) == 0:
            return
        lo = self.loans
        order = rows[np.lexsort((rows, lo.supplier[rows]))]
        sup = lo.supplier[order]
        total = np.cumsum(lo.principal[order])
        start = np.searchsorted(sup, sup, side="left")
        group_before = np.where(start > 0, total[np.maximum(start - 1, 0)], 0.0)
        earlier = total - lo.principal[order] - group_before  # same supplier's loans repaid first
        self._settle_loans(order, self.model.suppliers.cash[sup] - earlier)

    def on_supplier_exit(self, suppliers):
        """A supplier that leaves repays its open loans from the cash it still holds; the rest defaults."""
        self._repay(np.flatnonzero((self.loans.status == OPEN) & flags(suppliers, len(self.model.suppliers))[self.loans.supplier]))

    # -- private investors ------------------------------------------------------------------------
    def public_signals(self, suppliers):
        """Whether each firm raised private equity in the past year (its outside option to public equity)."""
        return {"private_round": self.last_raised[suppliers] >= self.model.t - 11}

    def signals(self, suppliers: np.ndarray) -> dict[str, np.ndarray]:
        """What investors observe about each supplier over the past year (booleans)."""
        m = self.model
        pil, t = m.pilots, m.t
        n = len(m.suppliers)
        recent = (pil.month_land >= t - 11) & among(pil.status, RUNNING_OR_DONE) & (pil.month_land <= t)
        landed = flags(pil.supplier[recent], n)[suppliers]
        won = (m.scenarios.month_validated >= t - 11) & (m.scenarios.month_validated >= 0)
        validated = flags(m.scenarios.supplier[won], n)[suppliers]
        public = m.public_signals(suppliers)  # what other levers make public (grant-to-equity: stakes, grants)
        none = np.zeros(len(suppliers), dtype=bool)
        return {"landed": landed, "validated": validated, "public_stake": public.get("public_stake", none),
                "grant": public.get("grant", none)}

    def success_belief(self, suppliers: np.ndarray) -> np.ndarray:
        """Investors' posterior chance that each firm's next small-cut pilot succeeds (:mod:`._investors`)."""
        return success_belief(self.model, self.p, suppliers)

    def _wanted(self, cand: np.ndarray):
        """The candidates (in the order given) whose belief passes the investors' rule, judged a batch
        at a time as the deals need them: capital runs out after a few dozen deals a month, so most
        candidates' beliefs are never formed (each firm's belief is its own row, whatever the batch)."""
        start, size = 0, BELIEF_BATCH
        while start < len(cand):
            part = cand[start:start + size]
            pi = self.success_belief(part)
            yield from part[invest_decision(pi, self.p["win_multiple"], self.p["risk_aversion"], self.p["hurdle_multiple"])]
            start, size = start + size, 2 * size

    def _invest(self):
        m = self.model
        ticket = self.p["ticket_cny"]
        if ticket <= 0 or all(inv.capital_left < ticket for inv in self.investors):
            return  # no investor (or none with capital left this year): no deal, so no belief to form
        sup = m.suppliers
        cand = np.flatnonzero(sup.alive & self.eligible_kind[sup.kind] & (sup.cash < self.p["raise_below_cny"])
                              & (self.last_raised[: len(sup)] < m.t - 11))
        if len(cand) == 0:
            return
        cand = cand[np.argsort(m.draws.uniform("invest_order", m.t, sup.key[cand]))]
        deals, who = [], []
        j = 0
        for s in self._wanted(cand):  # investors take deals in turn while they have capital
            for _ in range(len(self.investors)):
                inv = self.investors[j % len(self.investors)]
                j += 1
                if inv.capital_left >= ticket:
                    inv.capital_left -= ticket
                    inv.deals += 1
                    inv.invested_cny += ticket
                    deals.append(s)
                    who.append(inv)
                    break
            else:
                break  # no investor has capital left
        if not deals:
            return
        s = np.array(deals)
        m.money.to_suppliers("investors", s, np.full(len(s), float(ticket)))
        self.last_raised[s] = m.t
        self.deals.append((m.t, s, np.full(len(s), float(ticket))))
        m.recorder.count(m.t, "private_investment", len(s), city=sup.city[s], weight=np.full(len(s), int(ticket)))
        if self.p["guidance_match"] > 0 and self._open("guidance_fund"):
            co = m.fiscal.pay(self.name, "guidance_fund", np.full(len(s), self.p["guidance_match"] * ticket), s)
            m.recorder.count(m.t, "guidance_investment", len(s), city=sup.city[s], weight=co.astype(np.int64))

    def act(self):
        self._charge_interest()
        self._invest()

    def summary(self):
        lo = self.loans
        return {"loans": int(lo.n), "loans_cny": float(lo.principal.sum()), "loan_defaults_cny": self.defaults_cny,
                "insurance_payouts_cny": self.payouts_cny, "insurance_premiums_cny": self.premiums_cny,
                "insurer_result_cny": self.premiums_cny - self.payouts_cny,
                "private_deals": sum(i.deals for i in self.investors),
                "private_investment_cny": float(sum(i.invested_cny for i in self.investors))}
