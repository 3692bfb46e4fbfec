"""Speed and memory of the sweep engine (issue 4): prints figures, asserts nothing.

Run: python bench/bench_sweep.py [--replicates R] [--skip-memory]

1. Throughput on the Hunan case (full population): the voucher-sweep grid (12 points) × R replicates,
   run (a) bare — the same runs in a plain loop, no engine; (b) by the engine with 1 worker
   (in-process); (c) by the engine with 2 worker processes; (d) by ``mesa.batch_run`` with 1 and 2
   processes on the same model (``sim.adapters.ecosystem.BatchScenarioMarket``), design and outcomes.
2. Memory: a 20,000-run sweep (``bench/specs/memory_20k.toml``: a three-month case with a tiny
   population, so that 20,000 runs take minutes) with 2 workers; the resident memory (RSS) of the
   parent and its worker processes is sampled every 0.1 s with psutil.

Goals (issue 4): 2 workers ≥ 1.8× one worker; engine overhead ≤ 5 % of run time; peak memory under
1 GB; throughput ≥ 1.2× that of ``mesa.batch_run``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def spec_copy(src: Path, folder: Path, replicates: int | None = None) -> Path:
    """The spec at ``src`` written into ``folder`` with an absolute case path (and other replicates)."""
    text = src.read_text(encoding="utf-8")
    case = re.search(r'^case\s*=\s*"([^"]+)"', text, re.M).group(1)
    text = text.replace(f'"{case}"', f'"{(src.parent / case).resolve().as_posix()}"', 1)
    if replicates is not None:
        text = re.sub(r"^replicates\s*=\s*\d+", f"replicates = {replicates}", text, count=1, flags=re.M)
    out = folder / src.name
    out.write_text(text, encoding="utf-8")
    return out


class RssSampler:
    """Samples the RSS of this process and all its descendants every ``period_s`` seconds."""

    def __init__(self, period_s: float = 0.1):
        import psutil

        self.me = psutil.Process()
        self.period_s = period_s
        self.peak_total = self.peak_parent = self.peak_worker = 0
        self.timeline: list[tuple[float, int]] = []  # (seconds since start, parent + workers RSS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psutil

        while not self._stop.is_set():
            try:
                parent = self.me.memory_info().rss
                kids = []
                for c in self.me.children(recursive=True):
                    try:
                        kids.append(c.memory_info().rss)
                    except psutil.Error:
                        pass
                self.peak_parent = max(self.peak_parent, parent)
                self.peak_worker = max([self.peak_worker, *kids])
                self.peak_total = max(self.peak_total, parent + sum(kids))
                self.timeline.append((time.perf_counter() - self.t0, parent + sum(kids)))
            except psutil.Error:
                pass
            self._stop.wait(self.period_s)

    def quarter_peaks(self) -> tuple[int, int]:
        """Peak total RSS in the second and in the last quarter of the time sampled (flat if bounded)."""
        end = self.timeline[-1][0]
        second = [v for t, v in self.timeline if end / 4 <= t < end / 2]
        last = [v for t, v in self.timeline if t >= 3 * end / 4]
        return max(second, default=0), max(last, default=0)

    def __enter__(self):
        self.t0 = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def mb(x: float) -> str:
    return f"{x / 2**20:,.0f} MB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=10, help="replicates per point of the throughput grid")
    ap.add_argument("--skip-memory", action="store_true", help="skip the 20,000-run memory sweep")
    ap.add_argument("--memory-only", action="store_true",
                    help="only the memory sweep (the full benchmark runs it this way, in a fresh process)")
    args = ap.parse_args()
    if args.memory_only:
        memory_sweep()
        return

    import sim
    from mesa.batchrunner import batch_run

    from sim.adapters.ecosystem import BatchScenarioMarket, keyword
    from sim.engine.sweep import design_table, load_spec, n_points, read_runs, run_sweep
    from sim.engine.sweep.design import point_params

    tmp = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    try:
        spec = load_spec(spec_copy(ROOT / "experiments" / "voucher_sweep.toml", tmp, args.replicates))
        P, R = n_points(spec), spec.replicates
        runs = P * R
        params = point_params(design_table(spec), spec.factors)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"load average before: {os.getloadavg()[0]:.2f} (other processes compete for the cores if > 0)")
        print(f"throughput design: {spec.id} grid, {P} points × {R} replicates = {runs} runs, Hunan case "
              f"(full population), {len(spec.outcome_columns)} outcome columns kept")

        sim.ScenarioMarket(spec.case, seed=0).run()  # warm-up: first-call costs of numpy/scipy

        def bare():
            t0 = time.perf_counter()
            for p in range(P):
                case = spec.case.with_params(params[p])
                for r in range(R):
                    sim.ScenarioMarket(case, seed=sim.run_seed(spec.seed, p, r)).run()
            return time.perf_counter() - t0

        def engine(workers, name):
            out = tmp / name
            shutil.rmtree(out, ignore_errors=True)
            rep = run_sweep(spec, out=out, workers=workers)
            assert rep.computed == runs
            return rep.seconds, out

        t_bare = bare()
        t_one = engine(1, "one")[0]
        t_two, out_two = engine(2, "two")
        t_start = worker_start_up(2)
        same = read_runs(tmp / "one").equals(read_runs(out_two))

        def br(processes):
            parameters = {"case": spec.case_path, "outcomes": [list(spec.outcome_columns)],
                          **{keyword(k): v for k, v in spec.fixed.items()},
                          **{keyword(f.name): f.grid_values(spec.design.levels) for f in spec.factors},
                          "seed": [sim.run_seed(spec.seed, 0, r) for r in range(R)]}
            t0 = time.perf_counter()
            rows = batch_run(BatchScenarioMarket, parameters, number_processes=processes, iterations=1,
                             display_progress=False)
            assert len(rows) == runs
            return time.perf_counter() - t0

        t_br1 = br(1)
        t_br2 = br(2)

        overhead = (t_one - t_bare) / t_bare
        print(f"bare model runs (no engine), 1 process:  {t_bare:6.1f} s  {runs / t_bare:5.2f} runs/s  "
              f"({t_bare / runs * 1000:.0f} ms a run)")
        print(f"engine, --workers 1 (in-process):        {t_one:6.1f} s  {runs / t_one:5.2f} runs/s")
        print(f"engine, --workers 2 (incl. start-up):    {t_two:6.1f} s  {runs / t_two:5.2f} runs/s  "
              f"(tables identical to 1 worker: {same})")
        print(f"  of which starting 2 worker processes (spawn + import sim): {t_start:.1f} s")
        print(f"mesa.batch_run, 1 process:               {t_br1:6.1f} s  {runs / t_br1:5.2f} runs/s")
        print(f"mesa.batch_run, 2 processes:             {t_br2:6.1f} s  {runs / t_br2:5.2f} runs/s")
        speedup = t_one / t_two
        steady = t_one / (t_two - t_start)
        print(f"2 workers vs 1:      {speedup:.2f}× including start-up, {steady:.2f}× once started   "
              f"(goal ≥ 1.8×: {'met' if speedup >= 1.8 else 'NOT met'} including start-up)")
        print(f"engine overhead:     {overhead * 100:+.1f} % of bare run time   "
              f"(goal ≤ 5 %: {'met' if overhead <= 0.05 else 'NOT met'})")
        vs1, vs2 = t_br1 / t_one, t_br2 / t_two
        print(f"vs mesa.batch_run:   {vs1:.2f}× with 1 process, {vs2:.2f}× with 2   "
              f"(goal ≥ 1.2×: {'met' if min(vs1, vs2) >= 1.2 else 'NOT met'})")

        if not args.skip_memory:  # in a fresh process: this one holds the runs above
            import subprocess
            import sys

            subprocess.run([sys.executable, __file__, "--memory-only"], check=True)
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def worker_start_up(n: int) -> float:
    """Seconds to start ``n`` spawned worker processes that import the sweep worker (as the engine's do)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_import_worker, range(n)))
    return time.perf_counter() - t0 - 0.2  # less the hold below


def memory_sweep() -> None:
    """The 20,000-run sweep with 2 workers, RSS of this process and its workers sampled throughout."""
    from sim.engine.sweep import load_spec, n_points, run_sweep

    tmp = Path(tempfile.mkdtemp(prefix="bench_sweep_memory_"))
    try:
        mspec = load_spec(spec_copy(ROOT / "bench" / "specs" / "memory_20k.toml", tmp), allow_outside=True)
        total = n_points(mspec) * mspec.replicates
        print(f"memory sweep: {mspec.id}, {total:,} runs on a three-month case with a tiny population "
              f"(benchmark only: short runs make 20,000 feasible), {len(mspec.outcome_columns)} outcome "
              "columns kept, 2 workers, in a fresh process", flush=True)
        out = tmp / "memory"
        with RssSampler() as rss:
            rep = run_sweep(mspec, out=out, workers=2)
        chunks = sorted((out / "runs").glob("part-*.parquet"))
        size = sum(c.stat().st_size for c in chunks)
        print(f"  {rep.computed:,} runs in {rep.seconds:.0f} s ({rep.computed / rep.seconds:.0f} runs/s), "
              f"{len(chunks)} chunks, {size / 2**20:.1f} MB on disk")
        print(f"  peak RSS: parent {mb(rss.peak_parent)}, largest worker {mb(rss.peak_worker)}, "
              f"parent + workers together {mb(rss.peak_total)}   "
              f"(goal < 1 GB: {'met' if rss.peak_total < 2**30 else 'NOT met'})", flush=True)
        q2, q4 = rss.quarter_peaks()
        print(f"  parent + workers, peak in the 2nd quarter of the sweep {mb(q2)}, in the last quarter {mb(q4)} "
              "(memory does not grow with the runs done)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _import_worker(_):
    import sim.engine.sweep.worker  # noqa: F401

    time.sleep(0.2)  # hold the process so that each of the n calls gets its own
    return os.getpid()


if __name__ == "__main__":
    main()
