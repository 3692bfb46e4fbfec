"""The national case: one replicate's time and peak memory, and N replicates on 1 local worker against 2
local worker processes and a Dask LocalCluster of 2 workers (the tables must be identical).

Run: python bench/bench_national.py [--replicates N] [--case scenarios/national_2026_2028.toml]

Prints figures with the machine's load average (1, 5, 15 min) before and after; asserts only that the
two ways of running give identical tables. Peak memory is this process's peak RSS after the single
replicate (``resource.getrusage``), so it includes the interpreter and imports.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's sim


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=2)
    ap.add_argument("--case", default=str(ROOT / "scenarios" / "national_2026_2028.toml"))
    args = ap.parse_args()
    import pandas as pd

    from sim.core.national import NationalMarket, load_national
    from sim.engine.national import run_national

    case = load_national(args.case)
    print(f"case: {case.id} ({', '.join(r.id for r in case.regions)}), {case.n_months} months; "
          f"{os.cpu_count()} cores; load average before: {load()}")
    t0 = time.perf_counter()
    m = NationalMarket(case, seed=0)
    built = time.perf_counter() - t0
    m.run()
    one = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB on Linux -> GB
    sizes = ", ".join(f"{rid} {len(r.suppliers):,}" for rid, r in zip(m.ids, m.regions))
    print(f"one replicate: {one:.1f} s (set-up {built:.1f} s), peak RSS {rss:.2f} GB; suppliers at the end: {sizes}; "
          f"branches across regions {m.branches():,} ({m.closed:,} closed idle); money problems {len(m.money_problems())}  (load {load()})")

    n = args.replicates
    t0 = time.perf_counter()
    local = run_national(case, replicates=n, seed=0, workers=1)
    t_local = time.perf_counter() - t0
    print(f"{n} replicates, 1 local worker:        {t_local:.1f} s  (load {load()})")
    t0 = time.perf_counter()
    two = run_national(case, replicates=n, seed=0, workers=2)
    t_two = time.perf_counter() - t0
    pd.testing.assert_frame_equal(local.targets, two.targets)
    print(f"{n} replicates, 2 local workers:       {t_two:.1f} s  ratio {t_local / t_two:.2f}×  (load {load()})")
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster, \
            Client(cluster) as client:
        t0 = time.perf_counter()
        dask = run_national(case, replicates=n, seed=0, scheduler=cluster.scheduler_address)
        t_dask = time.perf_counter() - t0
        client.close()
    same = local.targets.equals(dask.targets) and local.totals.equals(dask.totals)
    pd.testing.assert_frame_equal(local.targets, dask.targets)
    pd.testing.assert_frame_equal(local.totals, dask.totals)
    print(f"{n} replicates, Dask LocalCluster 2 workers: {t_dask:.1f} s (cluster start not counted)  "
          f"ratio {t_local / t_dask:.2f}×  tables identical: {same}  (load {load()})")


if __name__ == "__main__":
    main()
