"""Numbers for people: the one place that decides how a count, a parameter value or an estimate is
written in tables, messages and docs (amounts of yuan in a language: :func:`sim.report.i18n.money`)."""

from __future__ import annotations

import math

import numpy as np


def count(x) -> str:
    """A count or a quantile of counts: whole numbers plainly (with thousands separators), others to one
    decimal."""
    x = float(x)
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"


def value(v) -> str:
    """A parameter value, bound or threshold: switches as true/false, large numbers with thousands
    separators (beyond 10^12, as powers of ten), the rest to 6 significant digits."""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}" if abs(v) >= 1e5 else str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if abs(v) >= 1e12:
            return f"{v:.4g}"
        if abs(v) >= 1e5:
            return f"{v:,.0f}"
        return f"{v:g}"
    return str(v)


def estimate(x) -> str:
    """An estimate or interval bound: "—" when missing, whole numbers plainly, small ones to three
    decimals."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    x = float(x)
    if x.is_integer():
        return f"{x:,.0f}"
    return f"{x:,.3f}" if abs(x) < 100 else f"{x:,.0f}"
