"""The allotment rule of an in-silico randomised trial, as the model applies it.

When a :class:`LotteryRule` is set on a model, the named lever no longer awards by its usual rule:
each supplier, at its first application, is assigned by lottery — a winner with probability
``share``. Winners receive the lever's award at this and later applications (while the budget
lasts); losers never do and cannot re-enter. ``vetoes`` withholds single awards (supplier key,
month): the twin runs that measure what an award changed.

Applications are what the lever sees as eligible applicants: an eligible supplier (or, for demand-side
vouchers, an owner) applying for a voucher; an eligible startup's or SME's landing pilot for a grant (or, for equity, one that passes
the fund's screen and accepts); a newly validated solution with public adopters for first purchase.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LOTTERY_LEVERS = ("vouchers", "grant", "equity", "first_purchase")


@dataclass
class LotteryRule:
    lever: str  # one of LOTTERY_LEVERS
    share: float = 0.5
    vetoes: frozenset = frozenset()  # {(applicant key, month)} awards withheld (twin runs)
    veto_onwards: bool = False  # a veto also withholds the applicant's later awards (it is treated as a loser)
    # filled as the model runs
    assigned: dict = field(default_factory=dict)  # supplier_key -> (month of first application, winner)
    awards: list = field(default_factory=list)  # (month, supplier index, scenario index, amount)

    def __post_init__(self):
        if self.lever not in LOTTERY_LEVERS:
            raise ValueError(f"lottery lever must be one of {LOTTERY_LEVERS}, not {self.lever!r}")

    def draw(self, model, suppliers: np.ndarray) -> np.ndarray:
        """Which of these applicants (supplier indices) may receive the award now."""
        return self.draw_keys(model, model.suppliers.key[suppliers])

    def draw_keys(self, model, keys: np.ndarray) -> np.ndarray:
        """Which of these applicants (by key: suppliers', or owners' for demand-side vouchers) may receive
        the award now."""
        u = model.draws.uniform("lottery", keys)  # one draw per applicant, whenever it first applies
        out = np.zeros(len(keys), dtype=bool)
        for i, k in enumerate(keys.tolist()):
            if k not in self.assigned:
                self.assigned[k] = (model.t, bool(u[i] < self.share))
            out[i] = self.assigned[k][1] and not self.vetoed(k, model.t)
        return out

    def vetoed(self, key: int, month: int) -> bool:
        if (key, month) in self.vetoes:
            return True
        return self.veto_onwards and any(k == key and t0 <= month for k, t0 in self.vetoes)

    def expected(self, model, suppliers: np.ndarray) -> np.ndarray:
        """Chance each supplier expects to receive the award: 1 for a winner, 0 for a loser, ``share``
        before its first application."""
        out = np.full(len(suppliers), float(self.share))
        for i, k in enumerate(model.suppliers.key[suppliers].tolist()):
            if k in self.assigned:
                out[i] = float(self.assigned[k][1])
        return out

    def record(self, model, suppliers: np.ndarray, scenarios: np.ndarray, amounts: np.ndarray) -> None:
        for s, o, a in zip(suppliers.tolist(), scenarios.tolist(), np.asarray(amounts, float).tolist()):
            self.awards.append((model.t, s, o, a))
