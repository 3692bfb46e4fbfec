"""Monthly counts by metric × domain × tier × city, and their tidy tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.metrics import FLOWS, METRICS, STOCKS

BREAKDOWNS = ("total", "domain", "tier", "city")


class Recorder:
    """Counts events (flows) and month-end levels (stocks) in a dense array.

    Axes: month × metric × domain × tier × city, each category axis with one extra "not applicable"
    slot at the end (a supplier metric has no tier or domain).
    """

    def __init__(self, n_months: int, domains: list[str], tiers: list[str], cities: list[str]):
        self.domains, self.tiers, self.cities = list(domains), list(tiers), list(cities)
        shape = (n_months, len(FLOWS), len(domains) + 1, len(tiers) + 1, len(cities) + 1)
        self.flows = np.zeros(shape, dtype=np.int64)
        self.stocks = np.zeros((n_months, len(STOCKS)) + shape[2:], dtype=np.int64)
        self._fi = {m: i for i, m in enumerate(FLOWS)}
        self._si = {m: i for i, m in enumerate(STOCKS)}
        self.na = (len(domains), len(tiers), len(cities))

    def __repr__(self) -> str:
        return f"Recorder({self.flows.shape[0]} months, {len(FLOWS)} flows, {len(STOCKS)} stocks)"

    def cells(self, n, domain=None, tier=None, city=None) -> np.ndarray:
        """Each of ``n`` items' cell in a month's flattened (domain, tier, city) block (None: "not
        applicable"; a negative category counts from the end, as numpy indices do)."""
        flat = 0
        for v, na in zip((domain, tier, city), self.na):
            flat = flat * (na + 1) + (na if v is None else np.asarray(v, dtype=np.int64) % (na + 1))
        if isinstance(flat, np.ndarray) and flat.shape == (n,):
            return flat  # already one cell per item (np.broadcast_to costs microseconds; ~1,000 calls a run)
        return np.broadcast_to(flat, (n,))

    def count(self, t: int, metric: str, n: int, domain=None, tier=None, city=None, weight=None) -> None:
        """Add ``n`` events (or ``weight`` per event) of a flow metric in month ``t``."""
        if n == 0:
            return
        if domain is None and tier is None and city is None:  # one "not applicable" cell: add the total there
            w = n if weight is None else int(np.broadcast_to(np.asarray(weight, dtype=np.int64), (n,)).sum())
            self.flows[(t, self._fi[metric]) + self.na] += w  # integer counts: the same as n additions
            return
        self.count_cells(t, metric, self.cells(n, domain, tier, city), weight)

    def count_cells(self, t: int, metric: str, cells: np.ndarray, weight=None) -> None:
        """Add an event (or ``weight``) of a flow metric in month ``t`` in each of ``cells`` (from :meth:`cells`)."""
        if len(cells) == 0:
            return
        w = 1 if weight is None else np.asarray(weight, dtype=np.int64)
        np.add.at(self.flows[t, self._fi[metric]].reshape(-1), cells, w)

    def level(self, t: int, metric: str, n: int, domain=None, tier=None, city=None) -> None:
        """Set a stock metric's month-end level from ``n`` items with their categories."""
        self.level_cells(t, metric, self.cells(n, domain, tier, city) if n else np.zeros(0, dtype=np.int64))

    def level_cells(self, t: int, metric: str, cells: np.ndarray) -> None:
        """Set a stock metric's month-end level from one item in each of ``cells`` (from :meth:`cells`)."""
        arr = self.stocks[t, self._si[metric]].reshape(-1)  # a view: the block is contiguous
        arr[:] = np.bincount(cells, minlength=len(arr))

    def level_counts(self, t: int, metric: str, counts: np.ndarray, domain=None, tier=None, city=None) -> None:
        """Set a stock metric's month-end level from ``counts[i]`` items in the i-th of ``len(counts)``
        distinct categories (as for :meth:`cells`): for a level counted by one breakdown already."""
        arr = self.stocks[t, self._si[metric]].reshape(-1)
        arr[:] = 0
        arr[self.cells(len(counts), domain, tier, city)] = counts

    def monthly(self, metric: str, tier: int | None = None, domain: int | None = None) -> np.ndarray:
        """Monthly totals of a metric, optionally for one tier or domain."""
        arr = self.flows[:, self._fi[metric]] if metric in self._fi else self.stocks[:, self._si[metric]]
        if domain is not None:
            arr = arr[:, domain : domain + 1]
        if tier is not None:
            arr = arr[:, :, tier : tier + 1]
        return arr.sum(axis=(1, 2, 3))

    def totals(self, metric: str, breakdown: str) -> np.ndarray:
        """A metric's sum over the months by group of ``breakdown`` ("domain", "tier" or "city"): what
        :meth:`frame`'s rows of that breakdown sum to per group (zeros where the metric has no such
        breakdown)."""
        axis = ("domain", "tier", "city").index(breakdown)
        n = len((self.domains, self.tiers, self.cities)[axis])
        if breakdown not in METRICS[metric].dims:
            return np.zeros(n, dtype=np.int64)
        arr = self.flows[:, self._fi[metric]] if metric in self._fi else self.stocks[:, self._si[metric]]
        others = tuple(1 + a for a in range(3) if a != axis)
        return arr.sum(axis=others).sum(axis=0)[:n]

    def frame(self, month_labels, years) -> pd.DataFrame:
        """Tidy table: month, year, metric, kind, breakdown, group, value — one row per
        month × metric × group, for the total and for each breakdown the metric has."""
        df = pd.DataFrame({k: (np.asarray(v[0], dtype=object)[v[1]] if isinstance(v, tuple) else v)
                           for k, v in self._columns(month_labels, years).items()})
        for col in ("metric", "kind", "breakdown", "group", "month"):
            df[col] = df[col].astype(str)
        return df

    def _columns(self, month_labels, years) -> dict:
        """:meth:`frame`'s columns, built whole: each label column as (sorted labels present, code
        per row), year and value as arrays. (One small DataFrame per block and a concat took 0.24 s
        of a Hunan replicate on an idle host; this 0.015 s — ``bench/bench_series.py``; later
        6.6 ms → 4.3 ms in process: the breakdowns from one sum over domains, a breakdown's codes made once.)"""
        T = len(month_labels)
        labels = {"total": ["all"], "domain": self.domains, "tier": self.tiers, "city": self.cities}
        blocks = []  # (metric, kind, breakdown, groups, T × G counts)
        for metric, m in METRICS.items():
            arr = self.flows[:, self._fi[metric]] if m.kind == "flow" else self.stocks[:, self._si[metric]]
            sums = _breakdowns(arr)
            for breakdown in ("total",) + tuple(b for b in ("domain", "tier", "city") if b in m.dims):
                groups = labels[breakdown]
                blocks.append((metric, m.kind, breakdown, groups, sums[breakdown][:, : len(groups)]))
        blocks = [b for b in blocks if T and len(b[3])]  # a block without rows adds no label
        per_block = np.asarray([len(b[3]) for b in blocks], dtype=np.int64)

        def coded(per_item: list, repeat) -> tuple:
            cats = sorted(set(per_item))
            index = {c: i for i, c in enumerate(cats)}
            return cats, np.repeat(np.asarray([index[c] for c in per_item], dtype=np.int64), repeat)

        month_cats, month_codes = np.unique(np.asarray(month_labels).astype(str), return_inverse=True)
        group_cats = sorted({g for b in blocks for g in b[3]})
        gi = {g: i for i, g in enumerate(group_cats)}
        # a block's month, year and group codes depend on its breakdown only: made once per breakdown
        month_of = {b: np.repeat(month_codes.reshape(-1), len(g)) for b, g in labels.items()}
        year_of = {b: np.repeat(np.asarray(years), len(g)) for b, g in labels.items()}
        group_of = {b: np.tile(np.asarray([gi[x] for x in g], dtype=np.int64), T) for b, g in labels.items()
                    if all(x in gi for x in g)}

        def cat(parts: list) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

        return {
            "month": (month_cats.tolist(), cat([month_of[b[2]] for b in blocks])),
            "year": cat([year_of[b[2]] for b in blocks]),
            "metric": coded([b[0] for b in blocks], per_block * T),
            "kind": coded([b[1] for b in blocks], per_block * T),
            "breakdown": coded([b[2] for b in blocks], per_block * T),
            "group": (group_cats, cat([group_of[b[2]] for b in blocks])),
            "value": cat([b[4].reshape(-1) for b in blocks]).astype(np.int64),
        }


def _breakdowns(arr: np.ndarray) -> dict[str, np.ndarray]:
    """A metric's month × category totals, for ``arr`` of shape month × domain × tier × city: overall
    and by domain, tier and city (each with its "not applicable" slot last). The sums by tier and by
    city are taken from the sum over domains (whole tier × city blocks added at once: numpy sums over
    short trailing axes slowly); counts are integers, so any grouping of the additions gives the same."""
    t, n_dom, n_tier, n_city = arr.shape
    flat = arr.reshape(t, n_dom, n_tier * n_city)
    by_tier_city = flat.sum(axis=1).reshape(t, n_tier, n_city)
    by_tier = by_tier_city.sum(axis=2)
    return {"total": by_tier.sum(axis=1)[:, None], "domain": flat.sum(axis=2), "tier": by_tier,
            "city": by_tier_city.sum(axis=1)}


SERIES_CATEGORIES = ("month", "metric", "kind", "breakdown", "group")


def compact_series(df: pd.DataFrame) -> pd.DataFrame:
    """The series table with its repeated labels as categoricals (a few bytes a row instead of a
    Python string each); categories are the sorted labels, so replicates of one case share them and
    concatenate without losing the categorical type. Values and their CSV rendering are unchanged."""
    for col in SERIES_CATEGORIES:
        if col in df.columns:
            df[col] = pd.Categorical(df[col], categories=sorted(df[col].unique()))
    return df


def model_series(m) -> pd.DataFrame:
    """A model's monthly series table so far (what ``sim.run_one`` returns as ``series``), compact:
    the same table as ``compact_series(recorder.frame(...))``, its categoricals made straight from
    the label arrays (no string column in between)."""
    cols = m.recorder._columns(m.calendar.labels, m.calendar.year_of)
    return pd.DataFrame({k: (pd.Categorical.from_codes(v[1], categories=v[0]) if isinstance(v, tuple) else v)
                         for k, v in cols.items()})
