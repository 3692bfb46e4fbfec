"""Scenario discovery on a sweep: where in the space of levers and uncertainties the targets are met
(or a chosen target fails).

Every run of the sweep is one case: its varied parameters are ``x``, and ``y`` is whether all
targets were met in every year (:mod:`sim.analysis.outcomes`, the semantics of
``joint_attainment``) — or, with a target, whether that target failed in some year it is evaluated
(or in one chosen period). Replicates with distinct seeds are separate cases, so a box's density is
the probability of the outcome inside it, noise included.

* **PRIM** — EMA Workbench's ``Prim`` (imported lazily, its three known warnings filtered by name):
  the peeling trajectory (coverage, density, mass, restricted dimensions per box), the chosen box
  (the largest coverage with density ≥ the threshold; else the densest) with its limits and
  quasi-p-values (``box.inspect(i, style="data")``).
* **CART** — scikit-learn's ``DecisionTreeClassifier`` (seeded): each leaf predicting the outcome
  is a box with its limits, coverage, density and mass.
* **Feature scores** — scikit-learn's ``ExtraTreesClassifier`` impurity importances (seeded).
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd

from sim.base.errors import InputError


@contextmanager
def _quiet_ema():
    """EMA Workbench 2.5's known warnings under pandas 3: a Pandas4Warning, an ImportWarning (altair)
    and 'ipyparallel not installed'. Filtered by name; anything else still shows."""
    with warnings.catch_warnings():
        try:
            from pandas.errors import Pandas4Warning
            warnings.filterwarnings("ignore", category=Pandas4Warning)
        except ImportError:  # pandas < 3
            pass
        warnings.filterwarnings("ignore", category=ImportWarning)
        warnings.filterwarnings("ignore", message=".*ipyparallel not installed.*", category=UserWarning)
        yield


def case_table(runs: pd.DataFrame, factors: list[str], target: str | None = None, period: str | None = None,
               targets: list[dict] | None = None) -> tuple[pd.DataFrame, np.ndarray, str]:
    """``x`` (the varied parameters, switches as 0/1), ``y`` and a name for ``y``."""
    x = runs[factors].copy()
    for c in x.columns:
        if x[c].dtype == bool:
            x[c] = x[c].astype(np.int64)
    if target is None:
        col = f"all_targets.{period or 'all'}.met"
        if col not in runs:
            raise InputError(None, "--period", "not a year the targets are evaluated in", period)
        return x, runs[col].to_numpy(dtype=bool), "all_targets_met" + (f"_{period}" if period else "")
    rows = [t for t in (targets or []) if t["target"] == target and t.get("year") is not None
            and not pd.isna(t.get("year"))]
    if not rows:
        known = sorted({t["target"] for t in targets or []})
        raise InputError(None, "--target", f"not a target of this sweep; one of {', '.join(known)}", target)
    if period is not None:
        rows = [t for t in rows if str(t["period"]) == str(period)]
        if not rows:
            raise InputError(None, "--period", f"{target} is not evaluated then", period)
    cols = [f"target.{target}.{t['period']}.met" for t in rows]
    met = runs[cols].to_numpy(dtype=bool).all(axis=1)
    return x, ~met, f"{target}_fails" + (f"_{period}" if period else "")


def prim_boxes(x: pd.DataFrame, y: np.ndarray, threshold: float = 0.8, peel_alpha: float = 0.05,
               mass_min: float = 0.05) -> dict:
    """Run PRIM; returns ``trajectory`` (one row per box), ``chosen`` (its id), ``limits`` (per
    restricted parameter: min, max, quasi-p-values of the chosen box) and ``stats``."""
    if y.sum() == 0:
        raise InputError(None, "y", "no run has the outcome; PRIM has nothing to find", 0)
    x = x.astype("float64")  # EMA's pasting writes float limits into the box table: int64 columns refuse them
    with _quiet_ema():
        from ema_workbench.analysis import prim

        p = prim.Prim(x, y, threshold=threshold, peel_alpha=peel_alpha, mass_min=mass_min)
        box = p.find_box()
        traj = box.peeling_trajectory.copy()
        ok = traj[traj["density"] >= threshold]
        chosen = int(ok.sort_values(["coverage", "density"], ascending=False)["id"].iloc[0]) if len(ok) \
            else int(traj.sort_values(["density", "coverage"], ascending=False)["id"].iloc[0])
        stats, lims = box.inspect(chosen, style="data")[0]
    lims = lims.copy()
    lims.columns = ["min", "max", "qp_low", "qp_high"]
    lims.index.name = "parameter"
    full = pd.DataFrame({"full_min": x.min(), "full_max": x.max()})
    lims = lims.join(full).reset_index()
    traj = traj.reset_index(drop=True)
    traj["chosen"] = traj["id"] == chosen
    return {"trajectory": traj, "chosen": chosen, "limits": lims,
            "stats": {k: float(v) for k, v in stats.items()}}


def cart_boxes(x: pd.DataFrame, y: np.ndarray, max_depth: int = 3, min_share: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """A classification tree (scikit-learn); one row per leaf and parameter it restricts: the leaf's
    coverage, density, mass and whether it predicts the outcome, and the limits ``[min, max]``."""
    from sklearn.tree import DecisionTreeClassifier

    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(1, int(min_share * len(y))),
                                  random_state=seed).fit(x.to_numpy(dtype=float), y)
    t = tree.tree_
    leaves = tree.apply(x.to_numpy(dtype=float))
    total = max(int(y.sum()), 1)
    rows = []

    def walk(node, lims):
        if t.children_left[node] == -1:
            inside = leaves == node
            n, k = int(inside.sum()), int(y[inside].sum())
            box = {"leaf": int(node), "n": n, "coverage": k / total, "density": k / n if n else np.nan,
                   "mass": n / len(y), "predicts_outcome": bool(k / n > 0.5) if n else False}
            restricted = {c: v for c, v in lims.items() if v != (-np.inf, np.inf)} or {"(none)": (-np.inf, np.inf)}
            for c, (lo, hi) in restricted.items():
                rows.append({**box, "parameter": c, "min": lo, "max": hi})
            return
        c, thr = x.columns[t.feature[node]], t.threshold[node]
        lo, hi = lims[c]
        walk(t.children_left[node], {**lims, c: (lo, min(hi, thr))})
        walk(t.children_right[node], {**lims, c: (max(lo, thr), hi)})

    walk(0, {c: (-np.inf, np.inf) for c in x.columns})
    out = pd.DataFrame(rows)
    return out.sort_values(["predicts_outcome", "density", "coverage"], ascending=[False, False, False],
                           kind="stable").reset_index(drop=True)


def feature_scores(x: pd.DataFrame, y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Extra-trees impurity importances (scikit-learn, seeded), highest first."""
    from sklearn.ensemble import ExtraTreesClassifier

    m = ExtraTreesClassifier(n_estimators=200, min_samples_leaf=max(1, len(y) // 100), random_state=seed,
                             n_jobs=1).fit(x.to_numpy(dtype=float), y)
    return (pd.DataFrame({"parameter": x.columns, "score": m.feature_importances_})
            .sort_values("score", ascending=False, kind="stable").reset_index(drop=True))


def binned_probability(x: pd.DataFrame, y: np.ndarray, a: str, b: str, bins: int = 5) -> pd.DataFrame:
    """P(outcome) over two parameters: ``bins`` equal-width bins of each (a parameter with at most
    ``bins`` distinct values, e.g. a switch, keeps its values). Columns: a, b, i, j, a_lo, a_hi, b_lo,
    b_hi (a kept value has lo = hi), n, p."""
    def cut(c):
        v = x[c].to_numpy(dtype=float)
        u = np.unique(v)
        if len(u) <= bins:
            return [(float(w), float(w)) for w in u], np.searchsorted(u, v)
        e = np.linspace(v.min(), v.max(), bins + 1)
        return [(float(e[k]), float(e[k + 1])) for k in range(bins)], np.clip(np.searchsorted(e, v, side="right") - 1, 0, bins - 1)

    ca, ia = cut(a)
    cb, ib = cut(b)
    rows = []
    for i, (alo, ahi) in enumerate(ca):
        for j, (blo, bhi) in enumerate(cb):
            sel = (ia == i) & (ib == j)
            n = int(sel.sum())
            rows.append({"a": a, "b": b, "i": i, "j": j, "a_lo": alo, "a_hi": ahi, "b_lo": blo, "b_hi": bhi,
                         "n": n, "p": float(y[sel].mean()) if n else np.nan})
    return pd.DataFrame(rows)
