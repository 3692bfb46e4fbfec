"""A growable struct of numpy arrays: the model's storage for suppliers, scenarios, pilots…

Columns are accessed as attributes and return views of the filled rows, so
``table.cash[idx] += x`` writes through. Capacity doubles as rows are added.
"""

from __future__ import annotations

import numpy as np


class Table:
    """Columns of equal length, addressed by name; rows are appended with :meth:`add`."""

    def __init__(self, schema: dict[str, tuple[np.dtype, object]], capacity: int = 64):
        self._schema = dict(schema)
        self._fill = {k: f for k, (_, f) in schema.items()}
        self._cols = {k: np.full(max(capacity, 1), f, dtype=d) for k, (d, f) in schema.items()}
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"Table({self.n} rows: {', '.join(self._schema)})"

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("_cols")
        if cols is not None and name in cols:
            return cols[name][: self.n]
        raise AttributeError(name)

    @property
    def columns(self) -> list[str]:
        return list(self._schema)

    def add(self, n: int | None = None, **values) -> np.ndarray:
        """Append rows; ``values`` give columns (scalars broadcast). Returns the new rows' indices."""
        if n is None:
            n = len(next(iter(values.values())))
        if n <= 0:
            return np.arange(0)
        need = self.n + n
        cap = len(next(iter(self._cols.values())))
        if need > cap:
            new_cap = max(need, 2 * cap)
            for k, arr in self._cols.items():
                grown = np.full(new_cap, self._fill[k], dtype=arr.dtype)
                grown[: self.n] = arr[: self.n]
                self._cols[k] = grown
        for k, v in values.items():
            if k not in self._cols:
                raise KeyError(f"unknown column {k!r}")
            self._cols[k][self.n : need] = v
        idx = np.arange(self.n, need)
        self.n = need
        return idx
