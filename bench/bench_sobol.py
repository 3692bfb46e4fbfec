"""Time of a Sobol analysis of 8 parameters at N = 1024 on 2 cores (issue 15): prints figures, asserts nothing.

Run: python bench/bench_sobol.py [--base K] [--workers 2]

The analysis is ``bench/specs/sobol_8x1024.toml``: 8 parameters of the Hunan case, Saltelli's scheme at
base N = 1024 without second order, one replicate a point — 1024 × (8 + 2) = 10,240 runs — analysed
as ``scensim sensitivity`` does (:mod:`sim.analysis.sensitivity`: the sweep engine's design, the runs
through :func:`~sim.analysis.sensitivity.sweep_evaluator`, SALib's ``analyze_sobol`` with 1,000
bootstrap resamples at N/2 and N).

Running all 10,240 runs takes most of an hour on this machine, so by default the script runs the chain
whole on the first K base points (``--base``, default 16: K × 10 runs) — SALib's Sobol sample at base K
is exactly the first K × 10 rows of the one at 1024 (checked below), so these are the first runs of the
N = 1024 analysis — and derives the total from its parts:

* sampling: the N = 1024 design, drawn and timed in full;
* runs: starting the worker processes (timed on their own), plus the measured time of the K × 10 runs
  less that start-up, scaled by 10,240 / (K × 10) (the runs are independent and the early points of a
  scrambled Sobol sequence spread over the whole cube, so their mean cost stands for the rest);
* analysis: ``sobol_indices`` on the whole N = 1024 sample, timed in full, with the measured runs'
  point means repeated as stand-in results (its cost depends on N, the factors, the outcomes and the
  resamples, not on the values).

With ``--base 1024`` everything is measured and nothing extrapolated. Wall time on a shared machine
grows with its load, so the script also prints the CPU time per run (of this process and its finished
workers, less the workers' start-up) and what the analysis would take on otherwise idle cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's sim, not whichever one is installed
SPEC = ROOT / "bench" / "specs" / "sobol_8x1024.toml"
GOAL_SECONDS = 600.0


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished child processes."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_run_of(cpu_part: float, cpu_start: float, runs: int) -> float:
    """CPU seconds a run: this process and its workers, less the workers' start-up."""
    return (cpu_part - cpu_start) / runs


def run_parts(spec, design, n: int) -> dict[str, float]:
    """CPU time of a sweep run's parts, run in this process as a worker runs them (``run_batch``):
    the case with the point's parameters, the model's set-up, stepping it to the end, and its outcomes
    (the run's row); medians over the first ``n`` points of ``design``."""
    import statistics

    from sim.base.rng import run_seed
    from sim.core.model import ScenarioMarket
    from sim.engine.runner import run_outcomes

    factors = [c for c in design.columns if c != "point"]
    kinds = {name: type(spec.case.values[name]) for name in factors}
    got: dict[str, list[float]] = {"case with the point's parameters": [], "set-up": [], "stepping": [],
                                   "outcomes": []}
    for _, row in design.head(n).iterrows():
        c = [time.process_time()]
        case = spec.case.with_params({f: kinds[f](row[f]) for f in factors}, origin="sweep")
        c.append(time.process_time())
        m = ScenarioMarket(case, seed=run_seed(spec.seed, int(row["point"]), 0))
        c.append(time.process_time())
        m.run()
        c.append(time.process_time())
        run_outcomes(m)
        c.append(time.process_time())
        for k, (a, b) in zip(got, zip(c, c[1:])):
            got[k].append(b - a)
    return {k: statistics.median(v) for k, v in got.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=int, default=16, help="base points measured (a power of 2, ≤ 1024)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    warnings.filterwarnings("ignore", module="SALib")  # constant outcomes at some points: SALib warns per outcome

    import numpy as np

    from bench_sweep import worker_start_up
    from sim.analysis.sensitivity import Problem, run_sensitivity, settings_of, sobol_indices, sweep_evaluator
    from sim.engine.sweep.design import design_table, unit_sample
    from sim.engine.sweep.spec import load_spec, n_points

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average before: {os.getloadavg()[0]:.2f} (> 0: other processes share the cores)")
    spec = load_spec(SPEC, allow_outside=True)
    settings = settings_of(spec)
    total_runs = n_points(spec) * spec.replicates
    D = len(spec.factors)
    print(f"analysis: {spec.id}, {D} parameters, Sobol base N = {spec.design.points}, "
          f"{spec.replicates} replicate a point: {total_runs:,} runs of {Path(spec.case_path).stem}; "
          f"{settings.bootstrap} bootstrap resamples; {args.workers} workers")

    full = Problem.from_spec(spec, stage="sobol")
    t0 = time.perf_counter()
    design = design_table(full)
    X = unit_sample(full)
    t_sample = time.perf_counter() - t0

    part_spec = dataclasses.replace(spec, design=dataclasses.replace(spec.design, points=args.base))
    part_runs = n_points(part_spec) * spec.replicates
    part_design = design_table(Problem.from_spec(part_spec, stage="sobol"))
    prefix = part_design.equals(design.iloc[:len(part_design)])
    print(f"measured part: base {args.base} = {part_runs:,} runs, the first rows of the N = {spec.design.points} "
          f"design: {prefix}")

    c0 = _children_cpu()
    t_start = worker_start_up(args.workers) if args.workers > 1 else 0.0
    cpu_start = _children_cpu() - c0  # CPU of starting the workers (spawn + import), all of them
    tmp = Path(tempfile.mkdtemp(prefix="bench_sobol_"))
    try:
        inner = sweep_evaluator(part_spec, tmp, workers=args.workers)
        timed = {}

        def evaluate(problem, d):
            t = time.perf_counter()
            runs = inner(problem, d)
            timed["runs"] = time.perf_counter() - t
            return runs

        t0, c0 = time.perf_counter(), _children_cpu() + time.process_time()
        res = run_sensitivity(part_spec, evaluate, stages=("sobol",))
        t_part = time.perf_counter() - t0
        cpu_part = _children_cpu() + time.process_time() - c0  # this process and its finished workers
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t_runs = timed["runs"]
    t_part_analysis = t_part - t_runs
    runs = res.runs["sobol"]
    outcomes = sorted(set(res.sobol["outcome"])) if res.sobol is not None and len(res.sobol) else []
    per_run = (t_runs - t_start) / part_runs
    print(f"  the whole chain at base {args.base}: {t_part:.1f} s — runs {t_runs:.1f} s "
          f"(of which starting {args.workers} workers {t_start:.1f} s, timed apart; "
          f"{part_runs / (t_runs - t_start):.2f} runs/s once started, {per_run * args.workers:.2f} s of a worker a run, wall time), "
          f"analysis {t_part_analysis:.1f} s ({len(outcomes)} outcomes with indices)")

    parts = run_parts(spec, part_design, min(part_runs, 20))
    print(f"  a run's parts in this process (CPU time, medians over the first {min(part_runs, 20)} points): "
          + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in parts.items())
          + f" (sum {sum(parts.values()) * 1000:.0f} ms; the sweep above: "
          f"{cpu_run_of(cpu_part, cpu_start, part_runs) * 1000:.0f} ms of CPU a run, its workers included)")

    means = runs.groupby("point", sort=True)[outcomes].mean().to_numpy(dtype=float)
    reps = -(-len(design) // len(means))
    import pandas as pd

    stand_in = pd.DataFrame(np.tile(means, (reps, 1))[:len(design)], columns=outcomes)
    t0 = time.perf_counter()
    sobol_indices(full, X, stand_in, settings)
    t_analysis = time.perf_counter() - t0

    if args.base == spec.design.points:
        t_eval = t_runs
        how = "measured"
    else:
        t_eval = t_start + per_run * total_runs
        how = f"derived: {t_start:.1f} s start-up + {per_run:.3f} s × {total_runs:,} runs"
    total = t_sample + t_eval + t_analysis
    print(f"sampling the N = {spec.design.points} design (measured): {t_sample:6.1f} s")
    print(f"{total_runs:,} runs on {args.workers} workers ({how}): {t_eval:6.1f} s")
    print(f"analysis at N/2 and N, {len(outcomes)} outcomes (measured, stand-in results): {t_analysis:6.1f} s")
    cpu_run = cpu_run_of(cpu_part, cpu_start, part_runs)
    free = t_sample + t_start + cpu_run * total_runs / args.workers + t_analysis
    print(f"CPU time (this process and its workers, less the workers' start-up {cpu_start:.1f} s): {cpu_run:.3f} s a run; "
          f"on {args.workers} otherwise idle cores the {total_runs:,} runs would take {cpu_run * total_runs / args.workers:.0f} s "
          f"and the whole analysis {free:.0f} s = {free / 60:.1f} min (derived from CPU time, which load inflates less)")
    print(f"Sobol analysis of {D} parameters at N = {spec.design.points}: {total:.0f} s = {total / 60:.1f} min "
          f"on {args.workers} workers (goal ≤ {GOAL_SECONDS / 60:.0f} min: {'met' if total <= GOAL_SECONDS else 'NOT met'}"
          f"{'' if how == 'measured' else '; runs extrapolated from ' + f'{part_runs:,}'})")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
