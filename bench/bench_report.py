"""Time of the report and size of a run's outputs.

Run: python bench/bench_report.py [--replicates 50] [--case PATH] [--repeats 3] [--lang zh]
Runs the case once (``scensim run --no-report``), then makes its report ``--repeats`` times, and prints the
report's wall and CPU time (median), the run folder's size by file kind, and the same tables' size as CSV.
Prints figures; asserts nothing (the machine may be loaded; this measures).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def size_mb(paths) -> float:
    return sum(p.stat().st_size for p in paths) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=50)
    ap.add_argument("--case", default=str(ROOT / "scenarios" / "hunan_2026_2028.toml"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--lang", default="zh")
    args = ap.parse_args()

    from sim.cli.main import main as scensim
    from sim.report.build import build_report

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        scensim(["run", args.case, "--replicates", str(args.replicates), "--seed", "1", "--out", str(out), "--quiet",
                 "--lang", args.lang, "--no-report"])
        walls, cpus = [], []
        for _ in range(args.repeats):
            w0, c0 = time.perf_counter(), time.process_time()
            rep = build_report([out], lang=args.lang, out=out / "report.html")
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        files = [p for p in out.rglob("*") if p.is_file()]
        print(f"report ({args.lang}, {args.replicates} replicates): wall {statistics.median(walls):.2f} s, "
              f"CPU {statistics.median(cpus):.2f} s (median of {args.repeats}); load average {os.getloadavg()[0]:.1f}")
        print(f"  report.html {rep.html.stat().st_size / 1e6:.2f} MB, report.pdf {rep.pdf.stat().st_size / 1e6:.2f} MB, "
              f"warnings {len(rep.warnings)}")
        print(f"run folder: {size_mb(files):.1f} MB in {len(files)} files")
        for kind in (".parquet", ".csv", ".png", ".svg", ".html", ".pdf", ".tex"):
            sel = [p for p in files if p.suffix == kind]
            if sel:
                print(f"  {kind:9s} {size_mb(sel):7.2f} MB  ({len(sel)} files)")
        import pandas as pd

        series = pd.read_parquet(out / "series.parquet")
        csv = Path(tmp) / "series.csv"
        series.to_csv(csv, index=False)
        print(f"series: {len(series):,} rows; Parquet {size_mb([out / 'series.parquet']):.2f} MB, "
              f"as CSV it would be {size_mb([csv]):.1f} MB; in memory {series.memory_usage(deep=True).sum() / 1e6:.1f} MB "
              f"(categoricals)")


if __name__ == "__main__":
    main()
