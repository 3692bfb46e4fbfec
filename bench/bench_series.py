"""Time of a replicate's series table (``sim.run_one``'s ``series``), this checkout against an earlier one.

Run: python bench/bench_series.py [--baseline DIR] [--replicates N] [--case PATH]
Prints figures; asserts nothing but that both give the same table. ``--baseline DIR``: an earlier
commit's files (``mkdir /tmp/before && git archive <commit> | tar -x -C /tmp/before``); its
``sim/core/recorder.py`` is loaded beside this checkout's and both build the table from the same
finished models, in one process, in turns (the machine's load weighs on both alike).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout, not whichever one is installed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default=None, help="an earlier checkout whose recorder to time beside this one")
    ap.add_argument("--replicates", type=int, default=6)
    ap.add_argument("--case", default=str(ROOT / "scenarios" / "hunan_2026_2028.toml"))
    args = ap.parse_args()

    import pandas as pd

    import sim
    from sim.core.model import ScenarioMarket
    from sim.core.recorder import model_series

    old = None
    if args.baseline:
        spec = importlib.util.spec_from_file_location("baseline_recorder", Path(args.baseline) / "sim/core/recorder.py")
        old = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(old)
    case = sim.load_case(args.case)
    load = os.getloadavg()[0]
    before, now, rows = [], [], 0
    for r in range(args.replicates):
        m = ScenarioMarket(case, seed=sim.run_seed(1, r)).run()
        for _ in range(2):
            if old is not None:
                t = time.perf_counter()
                a = old.compact_series(old.Recorder.frame(m.recorder, m.calendar.labels, m.calendar.year_of))
                before.append(time.perf_counter() - t)
            t = time.perf_counter()
            b = model_series(m)
            now.append(time.perf_counter() - t)
            rows = len(b)
        if old is not None:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
    print(f"case {case.id}, {args.replicates} replicates, {rows:,} rows a table; load average before "
          f"{load:.2f}, after {os.getloadavg()[0]:.2f}")
    show = lambda xs: f"median {statistics.median(xs):.4f} s (min {min(xs):.4f}, max {max(xs):.4f})"  # noqa: E731
    if old is not None:
        print(f"baseline {args.baseline}: {show(before)}")
    print(f"this checkout: {show(now)}" + ("; the same tables" if old is not None else ""))


if __name__ == "__main__":
    main()
