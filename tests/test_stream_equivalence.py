"""A change of random stream changes no distribution: the statistical yardstick for speed work.

Issue 15 allows the random stream to change once (awareness sampled per scenario, draws without
scipy's distribution machinery, …) on condition that the statistical outputs are shown unchanged.
``tests/data/stream_reference.json`` holds, for 40 replicates of the Hunan baseline run on the model
*before* such a change (the commit is recorded in the file), every target's value per year and every
numeric summary of a run (lever summaries, money, observables). This test runs 40 replicates of the
model as it is now, with *different* seeds (a changed stream must be compared as a sample, not
draw by draw), and compares each quantity's two samples:

* a two-sample Kolmogorov–Smirnov test per quantity, the family of p-values judged at a false
  alarm rate of 1 % for the whole family (Holm's step-down correction), and
* the medians of the targets' values within three standard errors of a difference of two medians
  (for 40 draws from a normal distribution that is 0.63 of the interquartile range) plus one unit
  for integer counts — a guard that names the target a policy reader would see move.

The seeds are fixed, so the test is deterministic: it cannot flicker; if it fails, a distribution
moved. Regenerate the reference only when the model is *meant* to change results (a mechanism, not
a speed-up), in the commit that says so::

    python -m tests.test_stream_equivalence --update
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from .conftest import HUNAN, ROOT

REFERENCE = ROOT / "tests" / "data" / "stream_reference.json"
N_REPLICATES = 40
REFERENCE_SEED = 77  # the reference's experiment seed
CHECK_SEED = 78  # the check's: a different sample from the same distribution
FAMILY_ALPHA = 0.01
# three standard errors of the difference of two medians of 40: 3 · 1.2533 · σ · √(2/40) / (1.349 σ)
MEDIAN_TOLERANCE_IQR = 3 * 1.2533 * (2 / N_REPLICATES) ** 0.5 / 1.349


def sample(seed: int, n: int = N_REPLICATES) -> dict[str, list[float]]:
    """Every target value (per year) and every numeric run summary, for ``n`` replicates."""
    import sim
    from sim.engine.executor import Executor

    case = sim.load_case(HUNAN)
    out: dict[str, list[float]] = {}
    with Executor(workers=min(2, n), context=case) as ex:
        results = ex.map(_one, [(sim.run_seed(seed, r), r) for r in range(n)])
    for res in results:
        for key, value in res.items():
            out.setdefault(key, []).append(value)
    return out


def _one(case, item) -> dict[str, float]:
    from sim.engine.runner import run_one

    seed, r = item
    res = run_one(case, seed, r)
    row = {f"target.{t.target}.{t.year}": float(t.value) for t in res.targets.itertuples()}
    for key, value in res.run.items():
        if key in ("replicate", "seed") or isinstance(value, (str, bool)) or value is None:
            continue
        if isinstance(value, (int, float, np.integer, np.floating)) and np.isfinite(value):
            row[f"run.{key}"] = float(value)
    return row


def _holm(pvalues: dict[str, float], alpha: float) -> list[str]:
    """Names rejected by Holm's step-down procedure at family-wise rate ``alpha``."""
    order = sorted(pvalues, key=pvalues.get)
    rejected = []
    for i, name in enumerate(order):
        if pvalues[name] > alpha / (len(order) - i):
            break
        rejected.append(name)
    return rejected


def compare(ref: dict[str, list[float]], new: dict[str, list[float]]) -> tuple[list[str], list[str], list[str]]:
    """(quantities whose distribution differs by KS, targets whose median moved, quantities missing)."""
    from scipy import stats

    missing = sorted(set(ref) - set(new))
    pvalues, moved = {}, []
    for name in sorted(set(ref) & set(new)):
        a, b = np.asarray(ref[name]), np.asarray(new[name])
        if np.ptp(np.concatenate([a, b])) == 0:
            continue  # a constant (a cap, a budget): nothing to compare
        pvalues[name] = float(stats.ks_2samp(a, b).pvalue)
        if name.startswith("target."):
            iqr = np.subtract(*np.percentile(np.concatenate([a, b]), [75, 25]))
            if abs(np.median(a) - np.median(b)) > MEDIAN_TOLERANCE_IQR * iqr + 1.0:
                moved.append(f"{name}: median {np.median(a):g} -> {np.median(b):g} (pooled IQR {iqr:g})")
    return _holm(pvalues, FAMILY_ALPHA), moved, missing


def test_reference_is_a_real_sample():
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert ref["replicates"] == N_REPLICATES and ref["seed"] == REFERENCE_SEED
    values = ref["values"]
    assert sum(k.startswith("target.") for k in values) >= 14
    assert all(len(v) == N_REPLICATES for v in values.values())


def test_compare_detects_a_shift():
    """The yardstick can fail: KS catches a shift of one standard deviation, the median guard one of two."""
    rng = np.random.default_rng(0)
    ref = {"target.x.2027": list(5 * rng.normal(size=40)), "run.y": list(rng.normal(size=40))}
    same = {"target.x.2027": list(5 * rng.normal(size=40)), "run.y": list(rng.normal(size=40))}
    assert compare(ref, same) == ([], [], [])
    one_sd = dict(same, **{"target.x.2027": list(5 * rng.normal(size=40) + 5)})
    assert compare(ref, one_sd)[0] == ["target.x.2027"]
    two_sd = dict(same, **{"target.x.2027": list(5 * rng.normal(size=40) + 10)})
    assert compare(ref, two_sd)[1] and compare(ref, {"run.y": same["run.y"]})[2] == ["target.x.2027"]


@pytest.mark.slow
def test_statistical_outputs_unchanged():
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
    rejected, moved, missing = compare(ref["values"], sample(CHECK_SEED))
    assert not missing, f"quantities no longer reported: {missing}"
    assert not rejected, (f"distributions changed (KS, Holm at {FAMILY_ALPHA}): {rejected}; reference "
                          f"from commit {ref['commit']}")
    assert not moved, f"target medians moved: {moved}"


if __name__ == "__main__" and "--update" in sys.argv:
    import subprocess

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    data = {"commit": commit, "case": HUNAN.name, "replicates": N_REPLICATES, "seed": REFERENCE_SEED,
            "values": sample(REFERENCE_SEED)}
    REFERENCE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {REFERENCE} ({len(data['values'])} quantities)")
