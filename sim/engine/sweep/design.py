"""Design points of an experiment: which parameter values each point runs with.

Thin over the libraries made for it:

* ``grid`` — full factorial (``itertools.product``) over each factor's values or levels;
* ``lhs`` — Latin hypercube, ``scipy.stats.qmc.LatinHypercube``;
* ``sobol`` — Saltelli's scheme for Sobol indices, SALib ``ProblemSpec.sample_sobol`` (N a power of 2;
  N·(D+2) points, N·(2D+2) with second-order indices);
* ``morris`` — Morris trajectories, SALib ``ProblemSpec.sample_morris`` (r·(D+1) points);
* ``table`` — explicit points given by a program (``Design("table", table=rows)``), not by a spec file;
* ``oat`` — one at a time: the case's own values (point 0), then each factor alone at the low and the
  high end of its range (points 2k+1 and 2k+2), 1 + 2·D points;
* ``crossed`` — EMA Workbench's "policies × scenarios": a grid or LHS over the varied levers crossed
  with a grid or LHS over the varied uncertainties; point = policy × n_scenarios + scenario.

Samplers work in the unit cube; :meth:`Factor.from_unit` maps coordinates to values (linear for a
float range; equal strata for integers, switches and value lists, so they stay integers and booleans).
Every sampler is seeded from the experiment seed, so the design is a function of the spec.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from sim.base.rng import run_seed
from sim.engine.sweep.spec import Design, ExperimentSpec, Factor

# design seeds use one-element paths; run seeds (point, replicate) use two, so they never coincide
_PART_MAIN, _PART_SCENARIOS = 0, 1


def design_seed(seed: int, part: int) -> int:
    """Seed of a sampler (32 bits: SALib's Morris sampler seeds numpy's legacy generator)."""
    return run_seed(seed, part) % 2**32


def design_table(spec: ExperimentSpec) -> pd.DataFrame:
    """One row per design point: ``point``, (``policy``, ``scenario`` for crossed designs) and one
    typed column per varied parameter, in the spec's order."""
    factors = list(spec.factors)
    d = spec.design
    if d.kind == "crossed":
        levers = [f for f in factors if f.kind == "lever"]
        uncertainties = [f for f in factors if f.kind == "uncertainty"]
        pol = _sample(d.policies, levers, design_seed(spec.seed, _PART_MAIN))
        scen = _sample(d.scenarios, uncertainties, design_seed(spec.seed, _PART_SCENARIOS))
        i, j = np.meshgrid(np.arange(len(pol)), np.arange(len(scen)), indexing="ij")
        i, j = i.ravel(), j.ravel()
        cols = {"point": np.arange(len(i), dtype=np.int64), "policy": i.astype(np.int64),
                "scenario": j.astype(np.int64)}
        for f in factors:
            src, idx = (pol, i) if f.kind == "lever" else (scen, j)
            cols[f.name] = src[f.name].to_numpy()[idx]
        out = pd.DataFrame(cols)
    elif d.kind == "table":  # explicit points, in factor order (programs such as scensim optimise)
        out = _typed(pd.DataFrame([list(r) for r in d.table], columns=[f.name for f in factors]), factors)
        out.insert(0, "point", np.arange(len(out), dtype=np.int64))
    elif d.kind == "oat":
        out = _one_at_a_time(factors, spec.case)
        out.insert(0, "point", np.arange(len(out), dtype=np.int64))
    else:
        out = _sample(d, factors, design_seed(spec.seed, _PART_MAIN))
        out.insert(0, "point", np.arange(len(out), dtype=np.int64))
    return _typed(out, factors)


def _sample(d: Design, factors: list[Factor], seed: int) -> pd.DataFrame:
    if d.kind == "grid":
        levels = [f.grid_values(d.levels) for f in factors]
        rows = list(itertools.product(*levels))
        return _typed(pd.DataFrame(rows, columns=[f.name for f in factors]), factors)
    if d.kind == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(factors), rng=seed).random(d.points)
    else:
        unit = _salib(d, factors, seed)
    return _typed(pd.DataFrame({f.name: f.from_unit(unit[:, k]) for k, f in enumerate(factors)}), factors)


def _one_at_a_time(factors: list[Factor], case) -> pd.DataFrame:
    """Point 0: every factor at the case's value (a national case's flow: the national file's); then
    each factor at its low and its high end."""
    def ends(f):
        if f.values is not None:
            return min(f.values), max(f.values)
        return (False, True) if f.dtype is bool else (f.lo, f.hi)

    base = {f.name: (0.5 if f.kind == "dummy" else f.base if f.base is not None else case.params[f.name].value)
            for f in factors}
    rows = [dict(base)]
    for f in factors:
        for end in ends(f):
            rows.append({**base, f.name: end})
    return _typed(pd.DataFrame(rows, columns=[f.name for f in factors]), factors)


def salib_problem(factors) -> "ProblemSpec":  # noqa: F821
    """The SALib problem of a sweep's factors over the unit cube (the engine maps to values)."""
    from SALib import ProblemSpec

    return ProblemSpec({"names": [f.name for f in factors], "bounds": [[0.0, 1.0]] * len(factors),
                        "num_vars": len(factors)})


def unit_sample(spec) -> np.ndarray:
    """The unit-cube sample behind a ``sobol`` or ``morris`` design (rows in point order), as SALib
    drew it: what its analysers take as ``X``."""
    if spec.design.kind not in ("sobol", "morris"):
        raise ValueError(f"unit_sample: a {spec.design.kind} design has no SALib sample")
    return _salib(spec.design, list(spec.factors), design_seed(spec.seed, _PART_MAIN))


def _salib(d: Design, factors: list[Factor], seed: int) -> np.ndarray:
    sp = salib_problem(factors)
    if d.kind == "sobol":
        sp.sample_sobol(d.points, calc_second_order=d.second_order, seed=seed)
    else:
        sp.sample_morris(d.trajectories, num_levels=d.levels, seed=seed)
    return np.asarray(sp.samples, dtype=float)


def _typed(df: pd.DataFrame, factors: list[Factor]) -> pd.DataFrame:
    for f in factors:
        df[f.name] = df[f.name].astype({float: "float64", int: "int64", bool: "bool"}[f.dtype])
    return df


def point_params(design: pd.DataFrame, factors) -> list[dict]:
    """Per point, ``{parameter: value}`` as plain Python values (what ``Case.with_params`` takes)."""
    names = [f.name for f in factors]
    cols = [design[n].tolist() for n in names]
    return [dict(zip(names, vals)) for vals in zip(*cols)]
