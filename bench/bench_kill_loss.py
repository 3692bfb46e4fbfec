"""How many finished runs can ``kill -9`` lose in a sweep with default settings? Prints figures,
asserts nothing.

Run: python bench/bench_kill_loss.py [--replicates R] [--workers N]

A kill loses (a) the runs in flight — batches handed to workers and not yet back, at most
``workers × BATCHES_IN_FLIGHT_PER_WORKER × batch size`` runs — and (b) finished runs still buffered in
the parent, not yet in a chunk on disk. (b) is measured here: the voucher sweep on the Hunan case
(``experiments/voucher_sweep.toml``, 12 points × R replicates) runs with the default chunk size and
flush interval, and every time the writer receives a batch the number of finished-but-unwritten runs
and the age of the oldest are recorded; a kill at the worst moment loses the maximum of the first.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--workers", type=int, default=None, help="default: all cores (the sweep's default)")
    args = ap.parse_args()

    import sim.engine.sweep.execute as ex
    from sim.engine.sweep import load_spec, n_points

    seen = {"max_buffered": 0, "max_age": 0.0, "chunks": 0, "sizes": []}
    add, flush = ex._ChunkWriter.add, ex._ChunkWriter.flush

    def recording_add(self, runs, series):
        if not self.runs:
            self._first = time.monotonic()
        add(self, runs, series)

    def recording_flush(self, interruptible=True):
        if self.runs:  # what a kill just before this flush would have lost
            seen["max_buffered"] = max(seen["max_buffered"], self.n_runs)
            seen["max_age"] = max(seen["max_age"], time.monotonic() - getattr(self, "_first", time.monotonic()))
            seen["chunks"] += 1
            seen["sizes"].append(self.n_runs)
        flush(self, interruptible)

    ex._ChunkWriter.add, ex._ChunkWriter.flush = recording_add, recording_flush
    import dataclasses

    tmp = Path(tempfile.mkdtemp(prefix="killloss-"))
    try:
        spec = dataclasses.replace(load_spec(ROOT / "experiments" / "voucher_sweep.toml"), replicates=args.replicates)
        workers = args.workers or os.cpu_count() or 1
        total = n_points(spec) * spec.replicates
        batch = ex.batch_size(total, workers)
        t0 = time.perf_counter()
        report = ex.run_sweep(spec, out=tmp / "out", workers=args.workers)
        dt = time.perf_counter() - t0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    in_flight = workers * ex.BATCHES_IN_FLIGHT_PER_WORKER * batch
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}")
    print(f"voucher sweep, {total} runs, {workers} workers, batch {batch} runs, chunk_runs "
          f"{ex.DEFAULT_CHUNK_RUNS}, flush every {ex.DEFAULT_FLUSH_SECONDS:g} s: {dt:.1f} s "
          f"({report.computed / dt:.1f} runs/s), {seen['chunks']} chunks of {min(seen['sizes'])}–"
          f"{max(seen['sizes'])} runs")
    print(f"finished but not yet on disk, at most: {seen['max_buffered']} runs (oldest {seen['max_age']:.1f} s)")
    print(f"in flight, at most: {in_flight} runs ({workers} workers × {ex.BATCHES_IN_FLIGHT_PER_WORKER} batches × "
          f"{batch})")
    print(f"a kill -9 loses at most {seen['max_buffered'] + in_flight} runs here")


if __name__ == "__main__":
    main()
