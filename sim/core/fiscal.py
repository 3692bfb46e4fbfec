"""Fiscal accounts: every yuan of lever money by lever, budget year, flow and recipient.

Each lever with a ``budget_cny_per_year`` parameter has a budget per calendar year (prorated by the
months of that year the horizon covers), on one budget line or — a lever with several instruments
(finance) — split over a line per instrument (``Lever.budget_lines``), so that one instrument cannot
starve the others. Money is either paid at once or first *committed* (a voucher issued, a trial
payment promised) and paid later. Commitments still open at the end of a year carry over to the next
year's budget, whose room they take up, and are released to it when they lapse (a calendar year's
unspent budget lapses at its end). Spending plus open commitments never exceed a year's budget.
Receipts (equity exits) are recorded as negative flows and do not refill the budget. Every payment
moves money (:mod:`sim.core.money`): from the lever's treasury account to suppliers' cash or to the
account it is for (the insurer, lenders, the economy).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# every kind of fiscal flow a lever may record (receipts, such as equity_return, are negative)
FLOWS = ("voucher", "grant", "equity", "equity_return", "procurement", "first_purchase", "event", "trial_payment",
         "premium_subsidy", "interest_subsidy", "guarantee", "guidance_fund", "poc_subsidy", "incentive",
         "data_platform")


class FiscalAccounts:
    """Budgets by line and year, commitments, a ledger of every payment, and the money it moves."""

    def __init__(self, model):
        self.model = model
        cal = model.calendar
        self.years = cal.years
        self.budget: dict[str, np.ndarray] = {}  # by budget line: a lever, or one of its instruments
        self.line_of: dict[tuple[str, str], str] = {}  # (lever, flow) → line, where a lever has several
        for lever in model.levers:
            annual = lever.budget_cny_per_year
            if annual is None:
                continue
            lines = lever.budget_lines()
            total_share = sum(lines.values()) or 1.0
            for line, share in lines.items():
                self.budget[line] = np.array([annual * share / total_share * model.case.months_in_year(y) / 12.0
                                              for y in self.years], dtype=float)
                if line != lever.name:
                    self.line_of[(lever.name, line.split(".", 1)[1])] = line
        self.spent = {k: np.zeros(len(self.years)) for k in self.budget}
        self.committed = {k: np.zeros(len(self.years)) for k in self.budget}
        self.carried_in = {k: np.zeros(len(self.years)) for k in self.budget}  # commitments from the year before
        self._rows: list[tuple] = []  # (month, budget_year_idx, lever, flow, suppliers, scenarios, amounts)

    def __repr__(self) -> str:
        return f"FiscalAccounts({', '.join(f'{k}: {self.spent[k].sum():,.0f} CNY' for k in self.budget)})"

    def _yi(self, year: int | None) -> int:
        return self.years.index(self.model.year if year is None else year)

    def line(self, lever: str, flow: str | None = None) -> str:
        """The budget line a lever's flow is paid from: its own line for an instrument with one, else the lever's."""
        return self.line_of.get((lever, flow), lever) if flow is not None else lever

    def available(self, lever: str, year: int | None = None, flow: str | None = None) -> float:
        """Budget left for new payments or commitments in ``year`` (default: the current year) on the
        line of ``lever`` (and of ``flow``, for a lever with a line per instrument)."""
        yi = self._yi(year)
        line = self.line(lever, flow)
        return float(self.budget[line][yi] - self.spent[line][yi] - self.committed[line][yi])

    def _fit(self, line: str, amounts: np.ndarray, yi: int) -> np.ndarray:
        """Amounts that fit the remaining budget, taken in the given order (all or nothing each)."""
        room = self.budget[line][yi] - self.spent[line][yi] - self.committed[line][yi]
        amounts = np.asarray(amounts, dtype=float)
        fits = np.cumsum(amounts) <= room + 1e-6
        # once one item does not fit, later smaller ones may; take them greedily in order (in Python
        # floats: the same double arithmetic as numpy's, without a numpy scalar per item)
        if not fits.all():
            fits = np.zeros(len(amounts), dtype=bool)
            room = float(room)
            for i, a in enumerate(amounts.tolist()):
                if a <= room + 1e-6:
                    fits[i] = True
                    room -= a
        return np.where(fits, amounts, 0.0)

    def on_year_start(self, year: int) -> None:
        """Open commitments carry over: those still open at the end of last year are charged to this
        year's budget (last year's unspent budget lapses, as budgets do)."""
        yi = self._yi(year)
        if yi == 0:
            return
        for line in self.committed:
            self.carried_in[line][yi] = self.committed[line][yi - 1]
            self.committed[line][yi] += self.committed[line][yi - 1]
            self.committed[line][yi - 1] = 0.0

    def commit(self, lever: str, amounts) -> np.ndarray:
        """Reserve amounts against this year's budget; returns what was reserved (0 where it did not fit)."""
        yi = self._yi(None)
        ok = self._fit(lever, amounts, yi)
        self.committed[lever][yi] += ok.sum()
        return ok

    def release(self, lever: str, amounts) -> None:
        """Release unused commitments (they are always booked in the current year: see ``on_year_start``)."""
        self.committed[lever][self._yi(None)] -= float(np.sum(amounts))

    def open_commitments(self) -> dict[str, float]:
        """Commitments still open (CNY) per budget line: at the end of a run, money promised but not paid."""
        return {k: float(v.sum()) for k, v in self.committed.items()}

    def pay(self, lever: str, flow: str, amounts, suppliers, scenarios=None, committed: bool = False,
            to: str | None = None) -> np.ndarray:
        """Pay amounts from the lever's budget line: to suppliers' cash (``to`` None) or to another
        account (``to``: ``"insurer"``, ``"lenders"``, ``"economy"``…; ``suppliers`` then only names whom
        the payment benefits, −1 for none). Uncommitted payments are cut to what is left of the current
        year's budget (all or nothing per payment, in order); ``committed`` ones draw on the current
        year's commitments. Returns the amounts paid."""
        amounts = np.asarray(amounts, dtype=float)
        suppliers = np.asarray(suppliers, dtype=np.int64)
        scenarios = np.full(len(amounts), -1, np.int64) if scenarios is None else np.asarray(scenarios, np.int64)
        if len(amounts) == 0:
            return amounts
        line = self.line(lever, flow)
        yi = self._yi(None)
        if committed:
            paid = amounts
            self.committed[line][yi] -= paid.sum()
        else:
            paid = self._fit(line, amounts, yi)
        self.spent[line][yi] += paid.sum()
        self._record(flow, lever, np.full(len(paid), yi), suppliers, scenarios, paid)
        source = f"treasury:{lever}"
        if to is None:
            self.model.money.to_suppliers(source, suppliers, paid)
        else:
            self.model.money.move(source, to, paid)
        return paid

    def receive(self, lever: str, flow: str, amounts, suppliers, scenarios=None, source: str = "stake_buyers") -> None:
        """Money returned to the treasury (e.g. equity sold): a negative flow, not added to budgets."""
        amounts = np.asarray(amounts, dtype=float)
        scenarios = np.full(len(amounts), -1, np.int64) if scenarios is None else np.asarray(scenarios, np.int64)
        self._record(flow, lever, np.full(len(amounts), self._yi(None)), np.asarray(suppliers, np.int64),
                     scenarios, -amounts)
        self.model.money.move(source, f"treasury:{lever}", amounts)

    def _record(self, flow, lever, yis, suppliers, scenarios, amounts):
        if flow not in FLOWS:
            raise ValueError(f"unknown fiscal flow {flow!r}; add it to sim.core.fiscal.FLOWS")
        keep = amounts != 0
        if keep.any():
            self._rows.append((self.model.t, yis[keep], lever, flow, suppliers[keep], scenarios[keep], amounts[keep]))

    def net_spent(self) -> dict[str, float]:
        """Net fiscal spending per lever over the run (CNY; receipts such as equity exits subtracted)."""
        out = {lever.name: 0.0 for lever in self.model.levers if lever.budget_cny_per_year is not None}
        for row in self._rows:
            out[row[2]] += float(row[6].sum())
        return out

    def payments(self, flow: str):
        """Every payment of one flow: (month, suppliers, scenarios, amounts) per recorded batch."""
        return [(r[0], r[4], r[5], r[6]) for r in self._rows if r[3] == flow]

    def over_budget(self) -> list[str]:
        """Budget lines whose spending plus commitments exceed a year's budget, or the commitments carried
        into it if those were larger (must always be empty)."""
        bad = []
        for k in self.budget:
            if np.any(self.spent[k] + self.committed[k] > np.maximum(self.budget[k], self.carried_in[k]) + 1e-3):
                bad.append(k)
        return bad

    def ledger(self) -> pd.DataFrame:
        """Every payment: month, budget year, lever, flow, recipient supplier and scenario, amount."""
        m = self.model
        if not self._rows:
            return pd.DataFrame({c: pd.Series(dtype=t) for c, t in LEDGER_DTYPES.items()})
        months = np.concatenate([np.full(len(r[6]), r[0]) for r in self._rows])
        yis = np.concatenate([r[1] for r in self._rows])
        sup = np.concatenate([r[4] for r in self._rows])
        scn = np.concatenate([r[5] for r in self._rows])
        amt = np.concatenate([r[6] for r in self._rows])
        lever = np.concatenate([np.full(len(r[6]), r[2], dtype=object) for r in self._rows])
        flow = np.concatenate([np.full(len(r[6]), r[3], dtype=object) for r in self._rows])
        kinds = np.array(list(m.supplier_kind_names) + ["none"], dtype=object)
        has = sup >= 0
        # a payment to no supplier or scenario (-1) is read at row 0 and masked: pad each column with a
        # row, so that a run with no supplier or no scenario at all (populations or openings of 0) works
        sup_key, sup_kind = np.append(m.suppliers.key, -1), np.append(m.suppliers.kind, -1)
        scn_key = np.append(m.scenarios.key, -1)
        return pd.DataFrame({
            "month": m.calendar.labels_array[months],
            "budget_year": np.array(self.years)[yis],
            "lever": lever.astype(str),
            "flow": flow.astype(str),
            "supplier_id": np.where(has, sup_key[sup], -1).astype(np.int64),
            "supplier_kind": kinds[np.where(has, sup_kind[sup], -1)].astype(str),
            "scenario_id": np.where(scn >= 0, scn_key[scn], -1).astype(np.int64),
            "amount_cny": amt,
        })


LEDGER_DTYPES = {"month": "str", "budget_year": "int64", "lever": "str", "flow": "str", "supplier_id": "int64",
                 "supplier_kind": "str", "scenario_id": "int64", "amount_cny": "float64"}
