"""Monthly calendar of a case: step index ↔ (year, month)."""

from __future__ import annotations

import numpy as np


class Calendar:
    """Months from ``start`` (year, month) for ``n_months`` steps; step ``t`` is 0-based."""

    def __init__(self, start: tuple[int, int], n_months: int):
        self.start = start
        self.n_months = n_months
        absolute = start[0] * 12 + (start[1] - 1) + np.arange(n_months)
        self.year_of = absolute // 12
        self.month_of = absolute % 12 + 1
        self.labels = [f"{y}-{m:02d}" for y, m in zip(self.year_of, self.month_of)]
        self.labels_array = np.array(self.labels)
        self.years = sorted(set(int(y) for y in self.year_of))

    def __repr__(self) -> str:
        return f"Calendar({self.labels[0]}..{self.labels[-1]}, {self.n_months} months)"

    def year(self, t: int) -> int:
        return int(self.year_of[t])

    def month(self, t: int) -> int:
        return int(self.month_of[t])
