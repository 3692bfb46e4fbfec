"""Peak memory of ``scensim run``, ``compare`` and ``lottery`` as the number of replicates grows.

Run: python bench/bench_memory.py [--sizes 4,16,64] [--case PATH] [--compare-sizes 2,8] [--twins 4,16]
                                  [--code DIR] [--skip run,compare,lottery]

Each measurement is a fresh Python process (one worker, so everything runs in it) that calls
``sim.cli.main.main`` and prints its own peak resident set size (``getrusage(RUSAGE_SELF).ru_maxrss``).
First, in one process, the Python memory
that ``scensim run``'s collector keeps per replicate (``tracemalloc``: what stays, not the allocator's
RSS). Then, measured for ``scensim run`` without writing (``--no-write``) and writing (tables, figures and the
HTML/PDF report, as a user runs it), for ``scensim compare`` of the Hunan policy mixes at a few
replicate counts, and for ``scensim lottery`` at a few numbers of twin runs (``--max-twins``). For each
series it prints the growth per replicate (or twin): the least-squares slope of peak RSS over the count.

``--code DIR`` runs the ``sim`` package of another checkout (e.g. a copy of an earlier commit made with
``git archive``) — the "before" figures of a change. The machine's load average is printed before and
after: other work on the machine slows runs but hardly changes memory. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
sys.argv = ["scensim"] + json.loads(sys.argv[1])
t = time.perf_counter()
from sim.cli.main import main
status = main(sys.argv[1:])
print("@@" + json.dumps({"status": status, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                        "seconds": time.perf_counter() - t}), flush=True)
"""


def measure(code: Path, argv: list[str]) -> dict:
    """Peak RSS (MB), exit status and seconds of one fresh process running ``scensim argv``."""
    env = {**os.environ, "PYTHONPATH": str(code), "MPLBACKEND": "Agg"}
    p = subprocess.run([sys.executable, "-c", CHILD, json.dumps(argv)], cwd=code, env=env, capture_output=True,
                       text=True)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("@@")]
    if p.returncode != 0 or not lines:
        raise SystemExit(f"failed: scensim {' '.join(argv)}\n{p.stderr[-2000:]}")
    return json.loads(lines[-1][2:])


def slope(xs, ys) -> float:
    return float(np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)[0]) if len(xs) > 1 else float("nan")


def series(title: str, unit: str, sizes, argv_of, code: Path) -> None:
    print(f"\n{title}")
    print(f"  {unit:>10} {'peak RSS MB':>12} {'seconds':>8}")
    peaks = []
    for n in sizes:
        r = measure(code, argv_of(n))
        peaks.append(r["peak_mb"])
        print(f"  {n:>10} {r['peak_mb']:>12.0f} {r['seconds']:>8.1f}", flush=True)
    print(f"  growth: {slope(sizes, peaks):.2f} MB per {unit.rstrip('s')} "
          f"({sizes[0]} → {sizes[-1]}: {peaks[0]:.0f} → {peaks[-1]:.0f} MB)", flush=True)


HELD = r"""
import gc, json, sys, tracemalloc
from sim.core.case import load_case
from sim.engine.runner import Collector, Discard, run_one
from sim.report.figures import figure_rows
case, n = load_case(sys.argv[1]), int(sys.argv[2])
col = Collector(Discard(), lambda s: figure_rows(s, case))
for r in range(2):  # warm-up: caches and first-use allocations
    col.add(run_one(case, 100 + r, r))
gc.collect()
tracemalloc.start()
before = tracemalloc.get_traced_memory()[0]
for r in range(2, 2 + n):
    col.add(run_one(case, 100 + r, r))
gc.collect()
print("@@" + json.dumps({"kb_per_replicate": (tracemalloc.get_traced_memory()[0] - before) / 1024 / n,
                         "rows_per_replicate": col.held_rows() / (2 + n)}))
"""


def held(code: Path, case: str, n: int) -> None:
    """Python memory the run's collector keeps per replicate (tracemalloc, after warm-up), in one process."""
    env = {**os.environ, "PYTHONPATH": str(code), "MPLBACKEND": "Agg"}
    p = subprocess.run([sys.executable, "-c", HELD, case, str(n)], cwd=code, env=env, capture_output=True, text=True)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("@@")]
    if p.returncode != 0 or not lines:
        print(f"\nheld per replicate: not measured ({p.stderr.strip().splitlines()[-1] if p.stderr.strip() else 'failed'})")
        return
    r = json.loads(lines[-1][2:])
    print(f"\nheld per replicate by scensim run's collector (Python objects, tracemalloc, {n} replicates after 2 "
          f"of warm-up): {r['kb_per_replicate']:.0f} KB; table rows kept: {r['rows_per_replicate']:.0f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="4,16,64", help="replicates of scensim run")
    ap.add_argument("--case", default="scenarios/hunan_2026_2028.toml")
    ap.add_argument("--compare-sizes", default="2,8,32", help="replicates per mix of scensim compare")
    ap.add_argument("--experiment", default="experiments/hunan_policy_mixes.toml")
    ap.add_argument("--twins", default="4,16,64", help="twin runs of scensim lottery (--max-twins)")
    ap.add_argument("--code", default=str(ROOT), help="checkout whose sim package is measured")
    ap.add_argument("--skip", default="", help="comma-separated: run, write, compare, lottery, held")
    ap.add_argument("--held", type=int, default=6, help="replicates for the held-memory measurement")
    a = ap.parse_args()
    code = Path(a.code).resolve()
    skip = set(filter(None, a.skip.split(",")))
    ints = lambda s: [int(x) for x in s.split(",")]  # noqa: E731
    commit = subprocess.run(["git", "-C", str(code), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "(not a git checkout)"
    print(f"code: {code} (commit {commit}); python {sys.version.split()[0]}; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    start = time.perf_counter()
    if "held" not in skip:
        held(code, a.case, a.held)
    with tempfile.TemporaryDirectory() as tmp:
        if "run" not in skip:
            series(f"scensim run {a.case} --no-write", "replicates", ints(a.sizes),
                   lambda n: ["run", a.case, "-r", str(n), "--seed", "1", "-q", "--no-write"], code)
        if "write" not in skip:
            series(f"scensim run {a.case} (writing tables, figures and the report)", "replicates", ints(a.sizes),
                   lambda n: ["run", a.case, "-r", str(n), "--seed", "1", "-q", "--out", f"{tmp}/run{n}"], code)
        if "compare" not in skip:
            series(f"scensim compare {a.experiment}", "replicates", ints(a.compare_sizes),
                   lambda n: ["compare", a.experiment, "-r", str(n), "-q", "--out", f"{tmp}/cmp{n}"], code)
        if "lottery" not in skip:
            series(f"scensim lottery {a.case} --lever vouchers", "twins", ints(a.twins),
                   lambda n: ["lottery", a.case, "--max-twins", str(n), "-q", "--out", f"{tmp}/lot{n}"], code)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
