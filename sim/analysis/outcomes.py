"""Outcomes the analysis commands share, derived from a sweep's runs table.

Per run (one row of ``runs``):

* ``all_targets.<year>.met`` — every target evaluated in that year is met there;
* ``all_targets.all.met`` — every target is met in every year it is evaluated;
* ``cost.total_cny`` — total public cost: the sum of ``fiscal.<lever>.spent_cny`` (net of receipts).

These follow :func:`sim.core.targets.joint_attainment`: only the per-year rows count (a per-year
target's row for the whole span, e.g. ``2026–2028``, is a summary of them). Per design point, the mean
of a ``.met`` column over the replicates is the probability the target is met.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.base.errors import InputError

JOINT = "all_targets"
COST = "cost.total_cny"


def joint_column(period: str) -> str:
    return f"{JOINT}.{period}.met"


def yearly_targets(targets: list[dict]) -> list[dict]:
    """The per-year rows of a case's evaluated targets (``{target, period, year, threshold}``)."""
    return [t for t in targets if t.get("year") is not None and not pd.isna(t.get("year"))]


def add_derived(runs: pd.DataFrame, targets: list[dict], where=None) -> pd.DataFrame:
    """``runs`` with the joint-attainment and total-cost columns added (see the module docstring).

    Raises :class:`InputError` (naming ``where``) if a target's met column is missing: the joint
    probability needs every target."""
    out = runs.copy()
    rows = yearly_targets(targets)
    cols = {}
    missing = [f"target.{t['target']}.{t['period']}.met" for t in rows
               if f"target.{t['target']}.{t['period']}.met" not in runs]
    if missing:
        raise InputError(where, "outcomes.keep", "P(all targets met) needs every target's met column; keep the "
                         "\"targets\" group", missing[0])
    years = sorted({int(t["year"]) for t in rows})
    every = np.ones(len(runs), dtype=bool)
    for y in years:
        met = np.ones(len(runs), dtype=bool)
        for t in rows:
            if int(t["year"]) == y:
                met &= runs[f"target.{t['target']}.{t['period']}.met"].to_numpy(dtype=bool)
        cols[joint_column(str(y))] = met
        every &= met
    cols[joint_column("all")] = every
    fiscal = [c for c in runs.columns if c.startswith("fiscal.") and c.endswith(".spent_cny")]
    if fiscal:
        cols[COST] = runs[fiscal].to_numpy(dtype=float).sum(axis=1)
    for k, v in cols.items():
        out[k] = v
    return out


def default_outcomes(runs: pd.DataFrame, targets: list[dict]) -> list[str]:
    """What the analyses look at by default: P(all targets met) overall and per year, total cost, and
    each target's value and P(met) per year."""
    out = [joint_column("all")] + sorted(c for c in runs.columns if c.startswith(f"{JOINT}.") and c != joint_column("all"))
    if COST in runs:
        out.append(COST)
    for t in yearly_targets(targets):
        for kind in ("met", "value"):
            c = f"target.{t['target']}.{t['period']}.{kind}"
            if c in runs:
                out.append(c)
    return out


def is_probability(outcome: str) -> bool:
    """A ``.met`` flag: its mean over replicates is a probability."""
    return outcome.endswith(".met")
