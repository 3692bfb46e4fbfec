"""A growable struct of numpy arrays: the model's storage for suppliers, scenarios, pilots…

Columns are accessed as attributes and return views of the filled rows, so
``table.cash[idx] += x`` writes through. Capacity doubles as rows are added. The views are kept as
plain attributes, renewed when rows are added (a model reads columns ~25 k times a run).
"""

from __future__ import annotations

import numpy as np


class Table:
    """Columns of equal length, addressed by name; rows are appended with :meth:`add`."""

    def __init__(self, schema: dict[str, tuple[np.dtype, object]], capacity: int = 64):
        reserved = [k for k in schema if k in ("n", "_schema", "_fill", "_cols") or hasattr(Table, k)]
        if reserved:
            raise ValueError(f"column names {reserved} are taken by the table itself")
        self._schema = dict(schema)
        self._fill = {k: f for k, (_, f) in schema.items()}
        self._cols = {k: np.full(max(capacity, 1), f, dtype=d) for k, (d, f) in schema.items()}
        self.n = 0
        self._views()

    def _views(self) -> None:
        """Each column's filled rows as a plain attribute (a view: writes go through)."""
        for k, col in self._cols.items():
            self.__dict__[k] = col[: self.n]

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._cols}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._views()

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
        self._views()
        return idx
