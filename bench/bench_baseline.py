"""Speed of the Hunan baseline: wall time per replicate and supplier-months per second.

Run: python bench/bench_baseline.py [--repeats N] [--case PATH]
Prints figures; asserts nothing (tests must pass on a loaded machine; this measures).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout, not whichever one is installed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--case", default=str(ROOT / "scenarios" / "hunan_2026_2028.toml"))
    args = ap.parse_args()

    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    import sim

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    from sim.core.model import ScenarioMarket

    case = sim.load_case(args.case)
    t_model = time.perf_counter() - t0

    ScenarioMarket(case, seed=0).run()  # warm-up (scipy/numpy first-call costs)
    init, step, total, cpu, sm, tables = [], [], [], [], [], []
    for r in range(args.repeats):
        seed = sim.run_seed(1, r)
        c0 = time.process_time()
        t0 = time.perf_counter()
        m = ScenarioMarket(case, seed=seed)
        t1 = time.perf_counter()
        supplier_months = 0
        while m.running:
            m.step()
            supplier_months += int(m.suppliers.alive.sum())
        t2 = time.perf_counter()
        cpu.append(time.process_time() - c0)
        init.append(t1 - t0)
        step.append(t2 - t1)
        total.append(t2 - t0)
        sm.append(supplier_months / (t2 - t0))
        t3 = time.perf_counter()
        sim.run_one(case, seed)
        tables.append(time.perf_counter() - t3)

    rep = statistics.median(total)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average before: {load:.2f}, after: {os.getloadavg()[0]:.2f} (> 0: other processes share the cores)")
    print(f"case: {case.id}, {case.n_months} months, seed-derived replicates: {args.repeats}")
    print(f"import sim:                        {t_import:.2f} s")
    print(f"then the model and the case (incl. mesa, scipy): {t_model:.2f} s")
    print(f"model set-up, median:              {statistics.median(init) * 1000:.0f} ms")
    print(f"stepping to the end, median:       {statistics.median(step) * 1000:.0f} ms")
    print(f"one replicate (set-up + run), median: {rep:.3f} s  (min {min(total):.3f}, max {max(total):.3f})")
    print(f"one replicate, CPU time of this process, median: {statistics.median(cpu):.3f} s  (less sensitive to load)")
    print(f"one replicate with its tables, median: {statistics.median(tables):.3f} s")
    print(f"supplier-months per second, median: {statistics.median(sm):,.0f}")
    print(f"goal (issue 15): one replicate <= 0.1 s -> {'met' if rep <= 0.1 else 'NOT met'}; "
          f"import sim <= 0.5 s -> {'met' if t_import <= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
