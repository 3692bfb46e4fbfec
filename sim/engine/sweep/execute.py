"""Running a sweep: design points × replicates, in batches, on local processes or a Dask cluster,
written in chunks as runs finish, resumable.

    from sim.engine.sweep import load_spec, run_sweep      # (a doctest in sim/engine/sweep/__init__.py)
    report = run_sweep(load_spec("experiments/voucher_sweep.toml"), workers=2)
    report.reused, report.computed

``workers=1`` runs in this process; ``workers=N`` starts N local worker processes (spawned: Mesa
sets the start method); ``scheduler="tcp://host:8786"`` sends batches to an existing Dask cluster
with ``client.submit(..., pure=False)`` (identical calls would otherwise share one cached result).
Whatever runs them, run ``(point, replicate)`` uses ``run_seed(seed, point, replicate)``, so the
runs table is the same. At most a few batches per worker are in flight and finished rows are
written every ``chunk_runs`` runs (or ``flush_seconds``), so memory stays bounded.
"""

from __future__ import annotations

import math
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from sim.base.errors import InputError
from sim.engine.sweep.design import design_table
from sim.engine.sweep.spec import n_points
from sim.engine.sweep.spec import ExperimentSpec
from sim.engine.sweep.store import SweepFolder
from sim.engine.sweep.worker import Job, init_process, run_batch, run_batch_in_process

DEFAULT_CHUNK_RUNS = 500
DEFAULT_FLUSH_SECONDS = 30.0
SERIES_ROWS_PER_CHUNK = 500_000
MAX_BATCH_RUNS = 16
TASKS_PER_WORKER = 32
BATCHES_IN_FLIGHT_PER_WORKER = 2


@dataclass
class SweepReport:
    """What a sweep did: runs in total, reused from earlier chunks, computed now, and notes."""

    out: Path
    total: int
    reused: int
    computed: int
    seconds: float
    notes: list[str]

    def __str__(self) -> str:
        rate = f", {self.computed / self.seconds:.1f} runs/s" if self.computed and self.seconds > 0 else ""
        return (f"{self.total} runs: {self.reused} reused, {self.computed} computed "
                f"({self.seconds:.1f} s{rate}) → {self.out}/")


def default_out(spec: ExperimentSpec) -> Path:
    return Path("results") / spec.id


def batch_size(n_runs: int, workers: int) -> int:
    """Runs per task: many tasks per worker (about ``TASKS_PER_WORKER``) so that workers finish
    together, at most ``MAX_BATCH_RUNS`` so progress and Ctrl-C stay responsive; batching only
    pays for short runs, where the cost of a task would otherwise show."""
    return max(1, min(MAX_BATCH_RUNS, math.ceil(n_runs / (workers * TASKS_PER_WORKER))))


def run_sweep(spec: ExperimentSpec, out=None, workers: int | None = None, scheduler: str | None = None,
              progress: bool = False, chunk_runs: int = DEFAULT_CHUNK_RUNS,
              flush_seconds: float = DEFAULT_FLUSH_SECONDS, console=None) -> SweepReport:
    """Run (or resume) the sweep of ``spec`` into ``out`` (default ``results/<id>/``).

    Raises :class:`~sim.errors.InputError` before writing anything if ``out`` holds another
    experiment. On Ctrl-C, finished runs are written and ``KeyboardInterrupt`` propagates."""
    t0 = time.perf_counter()
    out = Path(out) if out is not None else default_out(spec)
    P = n_points(spec)
    folder = SweepFolder(out, spec, P)
    existing = folder.check()  # refuses another experiment's folder before anything is written
    design = design_table(spec)
    scan = folder.scan()
    notes = list(scan.notes)
    if console is not None:
        for n in notes:
            console.print(f"[yellow]note:[/] {n}", highlight=False, soft_wrap=True)

    total = P * spec.replicates
    reused = scan.n_done
    n_todo = total - reused
    job = Job(spec.case, spec.seed, folder.schema, folder.series_schema, spec.common_random_numbers)
    n_workers = workers or os.cpu_count() or 1
    executor = None
    if n_todo:  # connect or start workers before creating the folder: a bad --scheduler writes nothing
        executor = (_DaskExecutor(scheduler, job) if scheduler else
                    _InProcess(job) if n_workers == 1 else _LocalProcesses(n_workers, job))
    try:
        if existing is None:
            folder.create(design, {})
        elif not (out / "design.parquet").exists():  # interrupted between manifest and design
            folder.write_design(design)
    except BaseException:
        if executor is not None:
            executor.__exit__(*sys.exc_info())
        raise

    computed = 0
    writer = _ChunkWriter(folder, chunk_runs, flush_seconds)
    bar = _Bar(spec.id, total, reused, console) if progress and console is not None else None
    try:
        if executor is not None:
            with executor:
                batches = _batches(design, spec.factors, scan.done, batch_size(n_todo, executor.workers))
                for runs, series in executor.results(batches):
                    writer.add(runs, series)
                    computed += runs.num_rows
                    if bar:
                        bar.advance(runs.num_rows)
        writer.flush()
    except KeyboardInterrupt:
        writer.flush()
        if bar:
            bar.close()
            bar = None
        if console is not None:
            console.print(f"interrupted: {reused + writer.written} of {total} runs are in {out}/; "
                          "run the same command again to resume", highlight=False, soft_wrap=True)
        raise
    except BaseException:
        writer.flush()  # keep what finished, then report the error
        raise
    finally:
        if bar:
            bar.close()
    return SweepReport(out, total, reused, computed, time.perf_counter() - t0, notes)


def _batches(design, factors, done, size: int):
    """Batches of pending runs ``(point, replicate, {parameter: value})``, point by point, made as
    they are needed (never the whole list: a sweep may have millions of runs)."""
    cols = [design[f.name].to_numpy() for f in factors]
    batch = []
    for p in range(len(design)):
        pending = np.flatnonzero(~done[p])
        if not len(pending):
            continue
        params = {f.name: cols[k][p].item() for k, f in enumerate(factors)}
        for r in pending:
            batch.append((p, int(r), params))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


class _ChunkWriter:
    """Buffers finished rows; writes a chunk every ``chunk_runs`` runs, ``SERIES_ROWS_PER_CHUNK``
    series rows or ``flush_seconds`` seconds."""

    def __init__(self, folder: SweepFolder, chunk_runs: int, flush_seconds: float):
        self.folder, self.chunk_runs, self.flush_seconds = folder, chunk_runs, flush_seconds
        self.runs: list[pa.Table] = []
        self.series: list[pa.Table] = []
        self.n_runs = self.n_series = 0
        self.written = 0
        self.since = time.monotonic()

    def add(self, runs: pa.Table, series: pa.Table | None) -> None:
        if not self.runs:
            self.since = time.monotonic()
        self.runs.append(runs)
        self.n_runs += runs.num_rows
        if series is not None:
            self.series.append(series)
            self.n_series += series.num_rows
        if (self.n_runs >= self.chunk_runs or self.n_series >= SERIES_ROWS_PER_CHUNK
                or time.monotonic() - self.since >= self.flush_seconds):
            self.flush()

    def flush(self) -> None:
        if not self.runs:
            return
        series = pa.concat_tables(self.series) if self.series else None
        self.folder.write_chunk(pa.concat_tables(self.runs), series)
        self.written += self.n_runs
        self.runs, self.series, self.n_runs, self.n_series = [], [], 0, 0


# -- executors: each yields (runs, series) per batch as batches finish ------------------------------
class _InProcess:
    workers = 1

    def __init__(self, job: Job):
        self.job = job

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def results(self, batches):
        for b in batches:
            yield run_batch(self.job, b)


class _LocalProcesses:
    """Local worker processes (``concurrent.futures`` with the spawn start method Mesa sets)."""

    def __init__(self, workers: int, job: Job):
        import multiprocessing

        self.workers = workers
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=init_process, initargs=(job, os.getpid()))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.pool.shutdown(wait=True)
        else:  # Ctrl-C or an error: drop queued batches and stop the workers now (their runs are lost)
            procs = list((getattr(self.pool, "_processes", None) or {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for p in procs:
                p.terminate()
        return False

    def results(self, batches):
        pending = set()
        it = iter(batches)
        window = self.workers * BATCHES_IN_FLIGHT_PER_WORKER
        for b in it:
            pending.add(self.pool.submit(run_batch_in_process, b))
            if len(pending) >= window:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in finished:
                yield f.result()
                nxt = next(it, None)
                if nxt is not None:
                    pending.add(self.pool.submit(run_batch_in_process, nxt))


class _DaskExecutor:
    """Batches on an existing Dask distributed cluster (``dask scheduler`` + ``dask worker``)."""

    def __init__(self, address: str, job: Job):
        from distributed import Client

        try:
            self.client = Client(address, timeout="20s")
        except (OSError, TimeoutError, ValueError) as e:
            raise InputError(None, "--scheduler", f"cannot reach a Dask scheduler there ({type(e).__name__}); "
                             "is `dask scheduler` running at this address?", address) from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.job = self.client.scatter(job, broadcast=True, hash=False)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None:
                self.client.cancel(list(self._pending), force=True)
        finally:
            self.client.close()
        return False

    _pending: set = set()

    def results(self, batches):
        from distributed import as_completed

        it = iter(batches)
        window = self.workers * BATCHES_IN_FLIGHT_PER_WORKER
        first = [self.client.submit(run_batch, self.job, b, pure=False) for b in _take(it, window)]
        self._pending = set(first)
        ac = as_completed(first)
        for f in ac:
            self._pending.discard(f)
            result = f.result()
            f.release()
            yield result
            nxt = next(it, None)
            if nxt is not None:
                nf = self.client.submit(run_batch, self.job, nxt, pure=False)
                self._pending.add(nf)
                ac.add(nf)


def _take(it, n):
    out = []
    for x in it:
        out.append(x)
        if len(out) >= n:
            break
    return out


class _Bar:
    """A rich progress bar on stderr: runs done / total, runs per second, elapsed and ETA."""

    def __init__(self, name: str, total: int, reused: int, console):
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task):
                return Text(f"{task.speed:.1f} runs/s" if task.speed else "– runs/s")

        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("runs"), RateColumn(), TimeElapsedColumn(), TextColumn("ETA"),
                                 TimeRemainingColumn(), console=console)
        self.progress.start()
        label = f"{name}" + (f" ({reused} reused)" if reused else "")
        self.task = self.progress.add_task(label, total=total, completed=reused)

    def advance(self, n: int) -> None:
        self.progress.advance(self.task, n)

    def close(self) -> None:
        self.progress.stop()
