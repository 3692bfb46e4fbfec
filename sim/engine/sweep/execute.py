"""Running a sweep: design points × replicates, in batches, on local processes or a Dask cluster,
written in chunks as runs finish, resumable.

    from sim.engine.sweep import load_spec, run_sweep      # (a doctest in sim/engine/sweep/__init__.py)
    report = run_sweep(load_spec("experiments/voucher_sweep.toml"), workers=2)
    report.reused, report.computed

Batches run on the project's one executor (:class:`~sim.engine.executor.Executor`): ``workers=1``
in this process, ``workers=N`` on N local worker processes, ``scheduler="tcp://host:8786"`` on an
existing Dask cluster.
Whatever runs them, run ``(point, replicate)`` uses ``run_seed(seed, point, replicate)``, so the
runs table is the same. At most a few batches per worker are in flight and finished rows are
written every ``chunk_runs`` runs or ``flush_seconds`` seconds (5 by default: the main loop wakes up to
write even when no batch arrives), so memory stays bounded and ``kill -9`` loses only the runs in
flight and those finished in the last few seconds. A chunk is written with Ctrl-C held back, so an
interrupt never writes the same runs twice. One process at a time writes a folder (``.lock``).
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from sim.base.errors import Note, in_lang, printable
from sim.engine.sweep.design import design_table
from sim.engine.sweep.spec import n_points
from sim.engine.sweep.spec import ExperimentSpec
from sim.engine.sweep.store import SweepFolder
from sim.engine.executor import Executor
from sim.engine.sweep.worker import Job, run_batch

DEFAULT_CHUNK_RUNS = 500
DEFAULT_FLUSH_SECONDS = 5.0  # finished runs reach the disk within this (docs/sweeps.md: what a kill loses)
SERIES_ROWS_PER_CHUNK = 500_000
MAX_BATCH_RUNS = 16
TASKS_PER_WORKER = 32

# what a sweep prints on its console, in both languages (run_sweep's lang picks)
NOTE = Note("note:", "注：")
KEPT_INTERRUPTED = Note("interrupted: {kept} of {total} runs are in {out}/; run the same command again to resume",
                        "已中断：{total} 次运行中已有 {kept} 次保存在 {out}/；再次运行同一命令即可接着完成")
KEPT_STOPPED = Note("stopped: {kept} of {total} runs are in {out}/; run the same command again to resume",
                    "已停止：{total} 次运行中已有 {kept} 次保存在 {out}/；再次运行同一命令即可接着完成")
BAR_RUNS = Note("runs", "次运行")
BAR_RATE = Note("{r} runs/s", "每秒 {r} 次")
BAR_ETA = Note("ETA", "剩余")
BAR_REUSED = Note(" ({n} reused)", "（复用 {n}）")


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
              flush_seconds: float = DEFAULT_FLUSH_SECONDS, console=None, wait: bool = False,
              lang: str = "en") -> SweepReport:
    """Run (or resume) the sweep of ``spec`` into ``out`` (default ``results/<id>/``).

    Raises :class:`~sim.base.errors.InputError` before writing anything if ``out`` holds another
    experiment, and if another process is writing into ``out`` (unless ``wait``: then it waits).
    On Ctrl-C, finished runs are written and ``KeyboardInterrupt`` propagates. ``lang`` ("zh" or
    "en") is the language of what it prints on ``console``: notes, the progress bar, how many runs
    an interrupted sweep kept (the report's notes and errors' lines carry both: :class:`Note`)."""
    out = Path(out) if out is not None else default_out(spec)
    folder = SweepFolder(out, spec, n_points(spec))
    folder.check()  # refuses another experiment's folder before anything is written
    existed = out.exists()
    with folder.lock(wait=wait, console=console, lang=lang):
        try:
            return _run_locked(folder, spec, workers, scheduler, progress, chunk_runs, flush_seconds, console, lang)
        except BaseException:
            if not existed and not (out / "manifest.json").exists():  # only our lock file: leave no trace
                shutil.rmtree(out, ignore_errors=True)
            raise


def _run_locked(folder, spec, workers, scheduler, progress, chunk_runs, flush_seconds, console,
                lang="en") -> SweepReport:
    t0 = time.perf_counter()
    out, P = folder.out, folder.n_points
    existing = folder.check()  # again, now that no other process can be writing
    design = design_table(spec)
    scan = folder.scan()
    notes = list(scan.notes)
    if console is not None:
        for n in notes:
            console.print(f"[yellow]{in_lang(NOTE, lang)}[/] {_term(in_lang(n, lang))}", highlight=False,
                          soft_wrap=True)

    total = P * spec.replicates
    reused = scan.n_done
    n_todo = total - reused
    job = Job(spec.case, spec.seed, folder.schema, folder.series_schema, spec.common_random_numbers,
              spec.national, spec.region)
    n_workers = workers or os.cpu_count() or 1
    executor = None
    if n_todo:  # connect or start workers before creating the folder: a bad --scheduler writes nothing
        executor = Executor(n_workers, scheduler, context=job)
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
    bar = _Bar(spec.id, total, reused, console, lang) if progress and console is not None else None
    try:
        if executor is not None:
            with executor:
                batches = _batches(design, spec.factors, scan.done, batch_size(n_todo, executor.workers))
                for item in executor.stream(run_batch, batches, tick=max(0.05, min(1.0, flush_seconds / 5))):
                    if item is None:  # no batch finished lately: write what waits if it is due
                        writer.flush_if_due()
                        continue
                    runs, series = item
                    writer.add(runs, series)
                    computed += runs.num_rows
                    if bar:
                        bar.advance(runs.num_rows)
        writer.flush()
    except BaseException as e:
        try:  # keep what finished (a second Ctrl-C while saving is ignored, never half-done), then report
            writer.flush(interruptible=False)
        finally:  # even if that failed too (a full disk): say what is kept before the error's own line
            if bar:
                bar.close()
                bar = None
            if console is not None:
                kept = KEPT_INTERRUPTED if isinstance(e, KeyboardInterrupt) else KEPT_STOPPED
                console.print(in_lang(kept, lang).format(kept=reused + writer.written, total=total, out=_term(out)),
                              highlight=False, soft_wrap=True)
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
        if self.n_runs >= self.chunk_runs or self.n_series >= SERIES_ROWS_PER_CHUNK:
            self.flush()
        else:
            self.flush_if_due()

    def flush_if_due(self) -> None:
        if self.runs and time.monotonic() - self.since >= self.flush_seconds:
            self.flush()

    def flush(self, interruptible: bool = True) -> None:
        """Write the buffered runs as one chunk. Ctrl-C is held back until the chunk is on disk and
        the buffer emptied (then raised, if ``interruptible``): an interrupt half-way used to leave
        the runs both in a chunk and in the buffer, and the handler wrote them a second time."""
        if not self.runs:
            return
        with _sigint_held(reraise=interruptible):
            series = pa.concat_tables(self.series) if self.series else None
            self.folder.write_chunk(pa.concat_tables(self.runs), series)
            self.written += self.n_runs
            self.runs, self.series, self.n_runs, self.n_series = [], [], 0, 0


@contextmanager
def _sigint_held(reraise: bool = True):
    """Hold back SIGINT (Ctrl-C) — and SIGTERM where a handler makes it an interrupt (``scensim
    sweep`` does) — inside the block; raise KeyboardInterrupt after it if one came."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got = []
    held = [signal.SIGINT] + [signal.SIGTERM] * callable(signal.getsignal(signal.SIGTERM))
    previous = {s: signal.signal(s, lambda *_: got.append(True)) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if got and reraise:
        raise KeyboardInterrupt


class _Bar:
    """A rich progress bar on stderr: runs done / total, runs per second, elapsed and ETA."""

    def __init__(self, name: str, total: int, reused: int, console, lang: str = "en"):
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)
        from rich.text import Text

        rate = in_lang(BAR_RATE, lang)

        class RateColumn(ProgressColumn):
            def render(self, task):
                return Text(rate.format(r=f"{task.speed:.1f}" if task.speed else "–"))

        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn(in_lang(BAR_RUNS, lang)), RateColumn(), TimeElapsedColumn(),
                                 TextColumn(in_lang(BAR_ETA, lang)), TimeRemainingColumn(), console=console)
        self.progress.start()
        label = f"{name}" + (in_lang(BAR_REUSED, lang).format(n=reused) if reused else "")
        self.task = self.progress.add_task(label, total=total, completed=reused)

    def advance(self, n: int) -> None:
        self.progress.advance(self.task, n)

    def close(self) -> None:
        self.progress.stop()


def _term(text: str) -> str:
    """A note for the rich console: control characters shown, markup brackets escaped."""
    return printable(text).replace("[", "\\[")
