"""Parameter uncertainty in a run: each replicate may draw the case's uncertain parameters instead of
using their point values, so that P(met) includes what is not known about the region, not only the
model's own chance.

``prior``: each parameter of kind "uncertainty" whose case range is not a single value is drawn
uniformly within that range (integers uniformly among the whole numbers in it); switches are left as
they are. The range is the case's statement of what is plausible (docs/parameters.md), so the uniform
draw is the least committal reading of it — an assumption, written here. The draw is a function of
the replicate's seed only (its own stream), so the same replicate draws the same values in every run
and under any number of workers. A calibrated posterior (``scensim calibrate``) replaces it when
one exists.
"""

from __future__ import annotations

import numpy as np

from sim.core.case import Case
from sim.core.registry import REGISTRY

MODES = ("none", "prior")
_STREAM = 0x5052494F52  # "PRIOR": the draw's own stream, apart from the model's


def uncertain_names(case: Case) -> list[str]:
    """The uncertain parameters a prior draw varies: kind "uncertainty", not a switch, range wider than a point."""
    out = []
    for name, pv in case.params.items():
        spec = REGISTRY.params.get(name)
        if spec is None or spec.kind != "uncertainty" or spec.dtype is bool or pv.lo == pv.hi:
            continue
        out.append(name)
    return sorted(out)


def prior_draw(case: Case, seed: int) -> dict:
    """Values of the uncertain parameters for the replicate with ``seed``, drawn from their ranges."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), _STREAM]))
    values = {}
    for name in uncertain_names(case):
        pv, spec = case.params[name], REGISTRY.params[name]
        if spec.dtype is int:
            values[name] = int(rng.integers(int(pv.lo), int(pv.hi) + 1))
        else:
            values[name] = float(rng.uniform(float(pv.lo), float(pv.hi)))
    return values
