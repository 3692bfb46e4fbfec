"""Targets: value, threshold and whether met — per target and per year — and across replicates.

A ``per_year`` target sums its metric over each calendar year; a ``cumulative`` one sums it from the
plan's start to the end of the year. A year the horizon covers only in part is treated by the case's
``part_year`` rule: ``prorate`` (threshold × months covered / 12, rounded up), ``full`` (the whole
threshold) or ``skip`` (not evaluated). For per-year targets there is also a row for the whole
period: its value is the number of years met, its threshold the number of years evaluated.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.core.case import Case, Target
from sim.base.vocab import TIERS

TARGET_COLUMNS = ["target", "period", "year", "value", "threshold", "met"]


def threshold_for(case: Case, target: Target, year: int) -> float | None:
    """The threshold that applies to ``target`` in ``year`` (None: not evaluated that year)."""
    if year not in target.years:
        return None
    months = case.months_in_year(year)
    if target.kind == "per_year" and months < 12:
        if case.part_year == "skip":
            return None
        if case.part_year == "prorate":
            return float(math.ceil(target.threshold * months / 12 - 1e-9))
    return float(target.threshold)


def yearly_values(case: Case, target: Target, monthly: np.ndarray, year_of_month: np.ndarray) -> dict[int, float]:
    """The target's value at each year of the horizon from its metric's monthly totals."""
    out = {}
    for y in case.years:
        in_year = year_of_month == y
        if target.kind == "per_year":
            out[y] = float(monthly[in_year].sum())
        else:
            out[y] = float(monthly[year_of_month <= y].sum())
    return out


def evaluate(case: Case, monthly_of, year_of_month: np.ndarray) -> pd.DataFrame:
    """Target table of one run. ``monthly_of(metric, tier, domain)`` returns a metric's monthly totals."""
    rows = []
    dom_index = {d.id: i for i, d in enumerate(case.domains)}
    for tg in case.targets:
        tier = TIERS.index(tg.tier) if tg.tier else None
        dom = dom_index[tg.domain] if tg.domain else None
        values = yearly_values(case, tg, monthly_of(tg.metric, tier, dom), year_of_month)
        evaluated = []
        for y in case.years:
            thr = threshold_for(case, tg, y)
            if thr is None:
                continue
            met = values[y] >= thr
            evaluated.append(met)
            rows.append((tg.id, str(y), y, values[y], thr, met))
        if tg.kind == "per_year" and len(evaluated) > 1:
            ys = [y for y in case.years if threshold_for(case, tg, y) is not None]
            rows.append((tg.id, f"{ys[0]}–{ys[-1]}", None, float(sum(evaluated)), float(len(evaluated)),
                         all(evaluated)))
    df = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    df["year"] = df["year"].astype("Int64")
    df["met"] = df["met"].astype(bool)
    return df


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n (scipy's implementation; kept per (k, n, confidence):
    a summary asks for the same few pairs again and again)."""
    return _wilson(int(k), int(n), float(confidence))


@functools.lru_cache(maxsize=4096)
def _wilson(k: int, n: int, confidence: float) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def summarize(targets: pd.DataFrame, group_cols=()) -> pd.DataFrame:
    """Across replicates: probability each target is met (Wilson 95 %) and value quantiles.

    ``targets`` has one row per replicate × target × period (as from :func:`evaluate`, with a
    ``replicate`` column); ``group_cols`` are extra columns to keep apart (design points, mixes).
    Groups come in the order of their first row."""
    keys = list(group_cols) + ["target", "period"]
    codes = targets.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")  # each group's rows in their order in ``targets``
    met, value = targets["met"].to_numpy(dtype=bool), targets["value"].to_numpy(dtype=float)
    rows = []
    for idx in np.split(order, np.flatnonzero(np.diff(codes[order])) + 1) if len(order) else []:
        first = targets.iloc[idx[0]]
        n, k = len(idx), int(met[idx].sum())
        lo, hi = wilson(k, n)
        v = value[idx]
        rows.append({**{c: first[c] for c in keys}, "year": first["year"], "threshold": first["threshold"],
                     "replicates": n, "met": k, "p_met": k / n, "p_low": lo, "p_high": hi,
                     "median": float(np.median(v)), "q05": float(np.quantile(v, 0.05)),
                     "q95": float(np.quantile(v, 0.95)), "mean": float(v.mean())})
    out = pd.DataFrame(rows)
    out["year"] = out["year"].astype("Int64")
    return out


ALL_TARGETS = "all_targets"


def joint_attainment(targets: pd.DataFrame, group_cols=()) -> pd.DataFrame:
    """P(all targets met together), per year and over the whole horizon, across replicates.

    A replicate meets "all targets" in a year when every target evaluated that year is met there;
    over the horizon (period ``"all"``) when every target is met in every year it is evaluated. Returns
    rows shaped like :func:`summarize`'s: ``target`` is ``"all_targets"``, the value quantiles count the
    (target, year) rows met, ``threshold`` is the number evaluated; ``p_met`` with its Wilson
    95 % interval. ``targets`` has one row per replicate × target × period, as from :func:`evaluate`."""
    keys = list(group_cols) + ["replicate"]
    yearly = targets[targets["year"].notna()]
    parts = []
    for period, rows in [(str(int(y)), yearly[yearly["year"] == y]) for y in sorted(yearly["year"].unique())] \
            + [("all", yearly)]:
        g = rows.groupby(keys, sort=True)["met"].agg(["sum", "size", "all"]).reset_index()
        g["period"] = period
        g["year"] = int(period) if period != "all" else None
        parts.append(g)
    per_rep = pd.concat(parts, ignore_index=True)
    out_rows = []
    for key, g in per_rep.groupby(list(group_cols) + ["period"], sort=False):
        key = key if isinstance(key, tuple) else (key,)
        n, k = len(g), int(g["all"].sum())
        lo, hi = wilson(k, n)
        v = g["sum"].to_numpy(dtype=float)
        out_rows.append({**dict(zip(list(group_cols) + ["period"], key)), "target": ALL_TARGETS,
                         "year": g["year"].iloc[0], "threshold": float(g["size"].iloc[0]), "replicates": n, "met": k,
                         "p_met": k / n, "p_low": lo, "p_high": hi, "median": float(np.median(v)),
                         "q05": float(np.quantile(v, 0.05)), "q95": float(np.quantile(v, 0.95)),
                         "mean": float(v.mean())})
    out = pd.DataFrame(out_rows)
    out["year"] = out["year"].astype("Int64")
    return out
