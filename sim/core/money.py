"""Money: every yuan that moves in the model, between named accounts, by calendar year.

Suppliers' cash is one account per supplier (the ``cash`` column of ``model.suppliers``); every other
holder of money is one named account:

================== =====================================================================================
account            what it is
================== =====================================================================================
``treasury:<lever>`` a lever's fiscal budget (what it pays out; equity exits flow back in)
``treasury:centre`` the promotion centre's budget (its staff; :mod:`sim.core.centre`)
``owners:<kind>``  owners of scenarios paying suppliers for pilots (``gov``, ``city``, ``soe``, ``leader``,
                   ``base``); ``gov`` and ``city`` are public budgets, ``soe`` state-owned enterprises
``adopters``       buyers who adopt a validated solution on the market and pay its price
``economy``        what suppliers and levers pay for inputs: the cost of delivering pilots and adoptions,
                   events, platforms, proof-of-concept services
``operations``     suppliers' operating cash flow outside the scenario market (net, either sign)
``founders``       money founders put into new suppliers (initial cash)
``consortia``      challenge consortia's settlements between members (partners reimburse the lead's outlay,
                   or the lead passes on a surplus; :mod:`sim.levers.challenge`): what comes in goes out
``lenders``        banks lending scenario loans (principal out, interest and repayments in, guarantees in)
``insurer``        the technology-insurance scheme (premiums in, claims out): its balance is its profit
``investors``      private venture investors
``stake_buyers``   those who buy the public fund's equity stakes at exit
``write_offs``     creditors absorbing the negative cash of suppliers that exit
================== =====================================================================================

The only ways to change a supplier's cash are :meth:`Money.to_suppliers` and
:meth:`Money.from_suppliers`; between other accounts, :meth:`Money.move`. Every call records the
amount by (source, destination, calendar year), so the sum over all accounts (suppliers included) is
always zero: money is conserved by construction, and :meth:`Money.check` finds any code that changes
cash behind the ledger's back (suppliers' cash no longer equals what the ledger says flowed in).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

SUPPLIERS = "suppliers"
PUBLIC_OWNERS = ("gov", "city")  # owners whose payments are public spending (SOEs are reported apart)


def _aligned(suppliers, amounts) -> tuple[np.ndarray, np.ndarray]:
    """Suppliers as int64 and amounts as floats of the same shape (a scalar amount broadcast)."""
    suppliers = np.asarray(suppliers, dtype=np.int64)
    amounts = np.asarray(amounts, dtype=float)
    if amounts.shape != suppliers.shape:  # np.broadcast_to costs microseconds; most calls pass one amount each
        amounts = np.broadcast_to(amounts, suppliers.shape)
    return suppliers, amounts


class Money:
    """Accounts and the record of every flow between them (see the module docstring)."""

    def __init__(self, model):
        self.model = model
        self.years = list(model.calendar.years)
        self.flows: dict[tuple[str, str], np.ndarray] = defaultdict(lambda: np.zeros(len(self.years)))
        self.balance: dict[str, float] = defaultdict(float)

    def __repr__(self) -> str:
        return f"Money({len(self.balance)} accounts, suppliers {self.balance[SUPPLIERS]:,.0f} CNY)"

    def _yi(self) -> int:
        return self.years.index(self.model.year)

    def _record(self, src: str, dst: str, total: float) -> None:
        if total == 0.0:
            return
        self.flows[(src, dst)][self._yi()] += total
        self.balance[src] -= total
        self.balance[dst] += total

    def move(self, src: str, dst: str, amount) -> None:
        """Move ``amount`` (CNY, summed if an array) from account ``src`` to account ``dst``."""
        self._record(src, dst, float(np.sum(amount)))

    def to_suppliers(self, src: str, suppliers, amounts) -> None:
        """Pay ``amounts`` from account ``src`` into suppliers' cash (a supplier listed twice gets both)."""
        suppliers, amounts = _aligned(suppliers, amounts)
        if len(suppliers) == 0:
            return
        np.add.at(self.model.suppliers.cash, suppliers, amounts)
        self._record(src, SUPPLIERS, float(amounts.sum()))

    def from_suppliers(self, dst: str, suppliers, amounts) -> None:
        """Take ``amounts`` out of suppliers' cash into account ``dst``."""
        suppliers, amounts = _aligned(suppliers, amounts)
        if len(suppliers) == 0:
            return
        np.subtract.at(self.model.suppliers.cash, suppliers, amounts)
        self._record(SUPPLIERS, dst, float(amounts.sum()))

    # -- reading -----------------------------------------------------------------------------------
    def total(self, src: str | None = None, dst: str | None = None, year: int | None = None) -> float:
        """Sum of flows from ``src`` (an account or a prefix ending in ``:``) to ``dst``, in ``year`` or all."""
        def match(name, want):
            return want is None or name == want or (want.endswith(":") and name.startswith(want))

        out = 0.0
        for (a, b), v in self.flows.items():
            if match(a, src) and match(b, dst):
                out += float(v.sum() if year is None else v[self.years.index(year)])
        return out

    def check(self, tol: float = 1e-6) -> list[str]:
        """Problems with the accounts (must be empty): suppliers' cash differs from what the ledger says
        flowed into it, or the accounts do not sum to zero."""
        problems = []
        cash = float(self.model.suppliers.cash.sum())
        booked = self.balance[SUPPLIERS]
        if abs(cash - booked) > tol * max(1.0, abs(cash)):
            problems.append(f"suppliers' cash {cash:,.2f} CNY but the ledger says {booked:,.2f} CNY flowed in")
        total = sum(self.balance.values())
        if abs(total) > tol * max(1.0, max((abs(v) for v in self.balance.values()), default=1.0)):
            problems.append(f"the accounts sum to {total:,.2f} CNY, not 0")
        return problems

    def frame(self) -> pd.DataFrame:
        """Every flow by year: ``year, source, destination, amount_cny`` (rows with money only)."""
        rows = [(y, a, b, float(v[i])) for (a, b), v in sorted(self.flows.items())
                for i, y in enumerate(self.years) if v[i] != 0.0]
        return pd.DataFrame(rows, columns=["year", "source", "destination", "amount_cny"]).astype(
            {"year": "int64", "source": "str", "destination": "str", "amount_cny": "float64"})

    def public_cost(self) -> pd.DataFrame:
        """Public cost by year: lever spending (net of receipts; with the promotion centre's staff), public owners' pilot payments (government
        departments and city governments), their sum, and SOEs' pilot payments (reported apart); with the
        insurance scheme's result that year (premiums and subsidies in − claims out), and at the year's end
        (as recorded by the model then) the commitments still open and the public equity portfolio's value."""
        rows = []
        ends = getattr(self.model, "year_end", {})
        for y in self.years:
            lever = (self.total("treasury:", None, y) - self.total(None, "treasury:", y))
            owners = sum(self.total(f"owners:{k}", None, y) for k in PUBLIC_OWNERS)
            end = ends.get(y, {})
            rows.append({"year": y, "lever_spending_cny": lever, "public_owner_spending_cny": owners,
                         "total_public_cost_cny": lever + owners,
                         "soe_owner_spending_cny": self.total("owners:soe", None, y),
                         "insurer_result_cny": self.total(None, "insurer", y) - self.total("insurer", None, y),
                         "open_commitments_cny": end.get("open_commitments_cny", float("nan")),
                         "equity_portfolio_value_cny": end.get("equity_portfolio_value_cny", float("nan"))})
        return pd.DataFrame(rows)
