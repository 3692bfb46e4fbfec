"""Membership tests on the model's index arrays, cheaper than ``np.isin`` on the small arrays of one month
(``np.isin`` costs tens of microseconds per call whatever the size; a month calls such tests hundreds of
times)."""

from __future__ import annotations

import numpy as np


def among(values: np.ndarray, choices) -> np.ndarray:
    """Whether each of ``values`` equals one of a few constant integer ``choices`` (states, statuses, kinds)."""
    values = np.asarray(values)
    out = np.zeros(values.shape, dtype=bool)
    for c in choices:
        out |= values == int(c)  # a plain int: numpy compares with an IntEnum member (State…) microseconds slower
    return out


def flags(indices: np.ndarray, n: int) -> np.ndarray:
    """A boolean array of length ``n``, True at ``indices`` (non-negative integers below ``n``)."""
    out = np.zeros(n, dtype=bool)
    out[indices] = True
    return out


def in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is in ``sorted_values`` (sorted ascending), by binary search."""
    values = np.asarray(values)
    if len(sorted_values) == 0:
        return np.zeros(values.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[pos] == values


def isin(values: np.ndarray, of: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is in ``of`` (as ``np.isin``), by sorting ``of`` and bisection."""
    return in_sorted(values, np.sort(np.asarray(of)))
