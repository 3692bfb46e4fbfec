"""Per design point: the probability each target is met (Wilson 95 % interval) and outcome quantiles.

``summarize_runs(runs, manifest)`` returns one row per design point and outcome:

    point, <varied parameters>, outcome, target, period, year, threshold,
    replicates, met, p_met, p_low, p_high, mean, q05, median, q95

For a target (``outcome = "target.<id>.<period>"``) ``met`` counts replicates meeting it, ``p_met``
is ``met / replicates`` with the Wilson 95 % interval ``[p_low, p_high]`` (``sim.core.targets.wilson``),
and the quantiles are of the target's value. For every other kept outcome (metrics, fiscal, levers)
only the quantiles and mean are filled. Quantiles use numpy's default (linear) method.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.base.errors import EnvironmentFailure, InputError, Note
from sim.base.files import lock_holder
from sim.core.registry import REGISTRY
from sim.core.targets import wilson
from sim.engine.sweep.store import LOCK, read_manifest, read_runs, valid_chunks, write_atomic

SUMMARY_COLUMNS = ["outcome", "target", "period", "year", "threshold", "replicates", "met", "p_met", "p_low",
                   "p_high", "mean", "q05", "median", "q95"]


@lru_cache(maxsize=None)
def _wilson(k: int, n: int) -> tuple[float, float]:
    return wilson(k, n)


def summarize_runs(runs: pd.DataFrame, manifest: dict, by: str = "point", factors=None) -> pd.DataFrame:
    """Summary per design point of a runs table (see the module docstring).

    ``by="policy"`` (crossed designs, with the design's ``policy`` column joined to the runs) pools
    every scenario and replicate of a policy instead; ``factors`` are then the varied levers."""
    factors = list(manifest["varied"]) if factors is None else list(factors)
    g = runs.groupby(by, sort=True)
    n = g.size()
    points = n.index.to_numpy()
    params = g[factors].first() if factors else pd.DataFrame(index=n.index)
    parts = []

    def block(outcome, values_col, met_col=None, target=None):
        df = pd.DataFrame({by: points})
        for f in factors:
            df[f] = params[f].to_numpy()
        df["outcome"] = outcome
        df["target"] = target["target"] if target else None
        df["period"] = target["period"] if target else None
        df["year"] = pd.array([target["year"] if target else None] * len(points), dtype="Int64")
        df["threshold"] = float(target["threshold"]) if target else np.nan
        df["replicates"] = n.to_numpy().astype(np.int64)
        if met_col is not None:
            k = g[met_col].sum().to_numpy().astype(np.int64)
            ci = np.array([_wilson(int(a), int(b)) for a, b in zip(k, df["replicates"])])
            df["met"] = pd.array(k, dtype="Int64")
            df["p_met"] = k / df["replicates"].to_numpy()
            df["p_low"], df["p_high"] = ci[:, 0], ci[:, 1]
        else:
            df["met"] = pd.array([None] * len(points), dtype="Int64")
            df["p_met"] = df["p_low"] = df["p_high"] = np.nan
        if values_col is not None:
            q = g[values_col].quantile([0.05, 0.5, 0.95]).unstack()
            df["mean"] = g[values_col].mean().to_numpy()
            df["q05"], df["median"], df["q95"] = q[0.05].to_numpy(), q[0.5].to_numpy(), q[0.95].to_numpy()
        else:
            df["mean"] = df["q05"] = df["median"] = df["q95"] = np.nan
        parts.append(df)

    for t in manifest["targets"]:
        prefix = f"target.{t['target']}.{t['period']}"
        met_col, val_col = f"{prefix}.met", f"{prefix}.value"
        if met_col in runs or val_col in runs:
            block(prefix, val_col if val_col in runs else None, met_col if met_col in runs else None, t)
    for c in manifest["outcome_columns"]:
        if c.startswith("target.") or c not in runs:
            continue
        block(c, c)
    if not parts:
        return pd.DataFrame(columns=[by, *factors, *SUMMARY_COLUMNS])
    out = pd.concat(parts, ignore_index=True)
    order = {o: i for i, o in enumerate(dict.fromkeys(out["outcome"]))}
    out["_o"] = out["outcome"].map(order)
    out = out.sort_values([by, "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
    return out[[by, *factors, *SUMMARY_COLUMNS]]


def summarize_folder(folder, write: bool = True, by: str = "point") -> tuple[pd.DataFrame, dict, list[str]]:
    """Summarize a sweep folder; write ``summary.parquet`` and ``summary.csv`` into it (atomically;
    ``summary_by_policy.*`` with ``by="policy"``). Returns the summary, the manifest and notes
    (unreadable chunks skipped, runs missing)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    _, notes = valid_chunks(folder)
    runs = read_runs(folder)
    dup = runs.duplicated(["point", "replicate"])
    if dup.any():  # two processes wrote this folder (older versions had no lock): count each run once
        notes.append(Note(f"{int(dup.sum())} runs appear in more than one chunk (the folder was written twice at "
                          "once); each is counted once", f"{int(dup.sum())} 次运行出现在多个数据块中（该文件夹曾被同时写入两次）；"
                          "每次运行只计一次"))
        runs = runs[~dup].reset_index(drop=True)
    if len(runs) < manifest["runs"]:
        writer = lock_holder(folder, LOCK)
        if writer is not None:  # "run it again" would be refused while it runs
            notes.append(Note(f"{len(runs)} of {manifest['runs']} runs are present (a sweep, process {writer}, is "
                              "still writing this folder)", f"{manifest['runs']} 次运行中有 {len(runs)} 次已完成"
                              f"（sweep 仍在写入该文件夹，进程 {writer}）"))
        else:
            notes.append(Note(f"{len(runs)} of {manifest['runs']} runs are present (the sweep is unfinished; "
                              "run it again to complete it)", f"{manifest['runs']} 次运行中有 {len(runs)} 次已完成"
                              "（该 sweep 尚未完成；再次运行即可补全）"))
    factors = None
    if by == "policy":
        if manifest["design"]["kind"] != "crossed":
            raise InputError(None, "--by", "policies exist only in a crossed design (design.kind = \"crossed\"); "
                             f"this sweep's design is {manifest['design']['kind']}", by)
        design = pd.read_parquet(folder / "design.parquet", columns=["point", "policy"])
        runs = runs.merge(design, on="point", how="left", validate="many_to_one")
        factors = [n for n in manifest["varied"] if n in REGISTRY and REGISTRY[n].kind == "lever"]
    summary = summarize_runs(runs, manifest, by=by, factors=factors)
    if write:
        write_summary(folder, summary, by)
    return summary, manifest, notes


def write_summary(folder, summary: pd.DataFrame, by: str = "point") -> None:
    """Write ``summary.parquet`` and ``summary.csv`` (``summary_by_<by>.*``) into a sweep folder,
    atomically; a folder that cannot be written is one line naming the files."""
    folder = Path(folder)
    stem = "summary" if by == "point" else f"summary_by_{by}"
    try:
        write_atomic(folder / f"{stem}.parquet", lambda p: summary.to_parquet(p, index=False))
        write_atomic(folder / f"{stem}.csv", lambda p: summary.to_csv(p, index=False))
    except OSError as e:  # a read-only folder, a full disk: not the hidden temporary name it failed on
        raise EnvironmentFailure(folder, f"cannot write {stem}.parquet and {stem}.csv here (pass --no-write to "
                                 "print only)", e) from None



def joint_by_point(runs: pd.DataFrame, manifest: dict, by: str = "point") -> pd.DataFrame:
    """P(all targets met together) per design point (or ``by``), per year and over the horizon:
    :func:`sim.core.targets.joint_attainment` on the runs' per-year met columns."""
    from sim.core.targets import joint_attainment

    # joint_attainment counts "replicates" within a group: here every run is one — by point, its
    # replicate; by policy, each (point, replicate), so that a policy's scenarios are not lumped together
    run_id = (runs["replicate"].to_numpy() if by == "point"
              else runs["point"].to_numpy() * (int(runs["replicate"].max()) + 1) + runs["replicate"].to_numpy())
    parts = []
    for t in manifest["targets"]:
        col = f"target.{t['target']}.{t['period']}.met"
        if t.get("year") is None or col not in runs:
            continue
        parts.append(pd.DataFrame({by: runs[by].to_numpy(), "replicate": run_id,
                                   "target": t["target"], "period": t["period"],
                                   "year": pd.array([int(t["year"])] * len(runs), dtype="Int64"),
                                   "met": runs[col].to_numpy(dtype=bool)}))
    if not parts:
        return pd.DataFrame()
    return joint_attainment(pd.concat(parts, ignore_index=True), group_cols=[by])
