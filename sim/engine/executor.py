"""One executor for every command: tasks run in this process, in local worker processes, or on a
Dask cluster — and give the same results wherever they ran.

    >>> from sim.engine.executor import Executor
    >>> def square(context, x):          # a task: a top-level function of (context, item)
    ...     return context * x * x
    >>> with Executor(workers=1, context=2) as ex:
    ...     ex.map(square, [1, 2, 3])
    [2, 8, 18]

``workers=1`` runs tasks here, one after another; ``workers=N`` starts N local processes (spawned:
Mesa sets that start method for the whole process); ``scheduler="tcp://host:8786"`` sends them to an
existing Dask cluster (``client.submit(..., pure=False)``: identical calls would otherwise share one
cached result). The *context* — what every task needs besides its own item (a case, a sweep's job) —
is sent once per worker: as the pool's initializer argument, or scattered to the cluster.

:meth:`Executor.stream` yields results as tasks finish, with a bounded number in flight (memory stays
bounded however many tasks there are); :meth:`Executor.map` returns them in the order of the items.
Results never depend on the number of workers because every task's randomness comes from its own
item (a seed), never from where or when it ran.

On a Dask worker started by a nanny (``dask worker``, ``LocalCluster``), the first task of each worker
process sets glibc's allocator back to steady-state thresholds (:func:`malloc_as_usual`): the nanny
sets ``MALLOC_TRIM_THRESHOLD_=65536`` in its workers' environment, which turns off glibc's dynamic
mmap threshold, so every numpy array above 128 kB is mapped and unmapped afresh. Measured on one
national replicate: 10.5 s of CPU as usual, 27.6 s with the nanny's variable (13.7 s of it in the
kernel), 12.7 s with the variable and the thresholds set back (docs/benchmarks.md, national case).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from concurrent.futures.process import BrokenProcessPool

from sim.base.errors import EnvironmentFailure, InputError, Note

IN_FLIGHT_PER_WORKER = 2

_CONTEXT = None  # the context of a local worker process (set by its initializer)
_END = object()


def _init_process(context, parent_pid: int) -> None:
    """Initializer of a local worker process: keep the context, leave Ctrl-C to the parent (which
    stops the pool), and exit if the parent dies (a ``kill -9`` must not leave orphans running)."""
    global _CONTEXT
    _CONTEXT = context
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch():
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


@contextmanager
def _started_ignoring_ctrl_c():
    """Worker processes started inside start with Ctrl-C ignored. Ctrl-C in a terminal reaches the
    whole process group, and one that came while a worker was still importing (Mesa, scipy, pandas:
    a second or two, before its initializer ignores SIGINT) printed the worker's traceback. An ignored
    signal stays ignored across exec, and Python then installs no handler of its own. The parent's
    own Ctrl-C meanwhile is held (blocked), not lost: it is raised on the way out."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)  # first the handler, then unblock: a held Ctrl-C reaches it
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _in_process(fn, item):
    return fn(_CONTEXT, item)


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
MMAP_THRESHOLD = 32 << 20  # where glibc's dynamic threshold ends on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX)
_MALLOC_SET = False


def malloc_as_usual(environ=os.environ) -> bool:
    """Once per process, where ``MALLOC_TRIM_THRESHOLD_`` is set (a Dask nanny's workers) on Linux: set
    glibc's mmap threshold to 32 MiB and its trim threshold to twice that — where its dynamic
    threshold, which the variable turns off, ends up with numpy's large temporary arrays — so they are
    reused instead of mapped and unmapped each time (see the module docstring). Returns whether it set
    them. Memory: up to 64 MiB of freed heap may stay with the process instead of going back at once."""
    global _MALLOC_SET
    if _MALLOC_SET or not environ.get("MALLOC_TRIM_THRESHOLD_") or not sys.platform.startswith("linux"):
        return False
    _MALLOC_SET = True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
            bool(libc.mallopt(M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD))
    except (OSError, AttributeError):  # not glibc: nothing to set
        return False


def _on_dask(fn, context, item, indexed: bool):
    malloc_as_usual()
    return _indexed(fn, context, item) if indexed else fn(context, item)


def _indexed(fn, context, pair):
    i, item = pair
    return i, fn(context, item)


def _indexed_in_process(fn, pair):
    i, item = pair
    return i, fn(_CONTEXT, item)


class Executor:
    """Runs ``fn(context, item)`` for many items here, on local processes or on a Dask cluster.

    Args:
        workers: local processes (1: run here). Ignored with ``scheduler``.
        scheduler: address of a Dask scheduler (``tcp://127.0.0.1:8786``); its workers' threads count.
        context: what every task receives as its first argument (sent once per worker).
    """

    def __init__(self, workers: int = 1, scheduler: str | None = None, context=None):
        self.context = context
        self.scheduler = scheduler
        self._pool = self._client = None
        self._pending: set = set()
        if scheduler:
            from distributed import Client

            try:
                self._client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError) as e:
                raise InputError(None, "--scheduler", f"cannot reach a Dask scheduler there ({type(e).__name__}); "
                                 "is `dask scheduler` running at this address?", scheduler) from None
            self.workers = max(1, sum(self._client.nthreads().values()))
            self._context_future = self._client.scatter(context, broadcast=True, hash=False)
        else:
            self.workers = max(1, int(workers))
            if self.workers > 1:
                import multiprocessing

                from multiprocessing import resource_tracker

                resource_tracker.ensure_running()  # now: starting it unblocks SIGINT (_started_ignoring_ctrl_c)
                self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                                 mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_init_process, initargs=(context, os.getpid()))

    def __repr__(self) -> str:
        where = f"Dask at {self.scheduler}" if self.scheduler else "local processes" if self._pool else "this process"
        return f"Executor({self.workers} worker{'s' if self.workers > 1 else ''}, {where})"

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(cancel=exc_type is not None)
        return False

    def close(self, cancel: bool = False) -> None:
        """Stop the workers. ``cancel``: drop queued tasks and stop at once (Ctrl-C, an error)."""
        if self._pool is not None:
            if not cancel:
                self._pool.shutdown(wait=True)
            else:  # running tasks are lost; queued ones never start
                procs = list((getattr(self._pool, "_processes", None) or {}).values())
                self._pool.shutdown(wait=False, cancel_futures=True)
                for p in procs:
                    p.terminate()
            self._pool = None
        if self._client is not None:
            try:
                if cancel and self._pending:
                    self._client.cancel(list(self._pending), force=True)
            finally:
                self._client.close()
                self._client = None

    def stream(self, fn: Callable, items: Iterable, tick: float | None = None) -> Iterator:
        """``fn(context, item)`` for each item, yielded as tasks finish (in any order), with at most a
        few tasks per worker in flight. With ``tick`` (local processes or Dask), ``None`` is yielded whenever
        ``tick`` seconds pass without a result, so the caller can do its housekeeping (flush a buffer)."""
        it = iter(items)
        if self._client is not None:
            yield from self._stream_dask(fn, it, tick=tick)
        elif self._pool is not None:
            yield from self._stream_pool(fn, it, tick=tick)
        else:
            for item in it:
                yield fn(self.context, item)

    def map(self, fn: Callable, items: Iterable, progress: Callable[[int], None] | None = None) -> list:
        """``[fn(context, item) for item in items]``, computed by the workers; ``progress(k)`` is called
        with the number of finished tasks."""
        items = list(items)
        out: list = [None] * len(items)
        if self._client is None and self._pool is None:
            for i, item in enumerate(items):
                out[i] = fn(self.context, item)
                if progress:
                    progress(i + 1)
            return out
        done = 0
        for i, result in self._stream_indexed(fn, enumerate(items)):
            out[i] = result
            done += 1
            if progress:
                progress(done)
        return out

    # -- back ends ----------------------------------------------------------------------------------
    def _stream_indexed(self, fn, pairs):
        if self._client is not None:
            yield from self._stream_dask(fn, pairs, indexed=True)
        else:
            yield from self._stream_pool(fn, pairs, indexed=True)

    def _submit(self, call, fn, item):
        """Submit to the pool; while it may start worker processes (it starts them as tasks come), they
        start ignoring Ctrl-C (:func:`_started_ignoring_ctrl_c`)."""
        if len(getattr(self._pool, "_processes", None) or {}) >= self.workers:
            return self._pool.submit(call, fn, item)
        with _started_ignoring_ctrl_c():
            return self._pool.submit(call, fn, item)

    def _stream_pool(self, fn, it, indexed: bool = False, tick: float | None = None):
        call = _indexed_in_process if indexed else _in_process
        window = self.workers * IN_FLIGHT_PER_WORKER
        pending = set()
        for item in it:
            pending.add(self._submit(call, fn, item))
            if len(pending) >= window:
                break
        while pending:
            finished, pending = wait(pending, timeout=tick, return_when=FIRST_COMPLETED)
            if not finished:
                yield None
                continue
            for f in finished:
                try:
                    result = f.result()
                except BrokenProcessPool:  # a worker was killed (out of memory, kill -9) or crashed
                    raise EnvironmentFailure(
                        Note("a local worker process", "一个本地工作进程"),
                        Note("ended abruptly (killed, e.g. by the out-of-memory killer or kill -9, or crashed); the "
                             "tasks it was running are lost", "意外退出（例如内存不足时被 OOM killer 结束、被 "
                             "kill -9 结束，或崩溃）；它正在运行的任务已丢失")) from None
                yield result
                nxt = next(it, _END)
                if nxt is not _END:
                    pending.add(self._submit(call, fn, nxt))

    def _stream_dask(self, fn, it, indexed: bool = False, tick: float | None = None):
        from distributed import wait as wait_some

        def submit(item):
            f = self._client.submit(_on_dask, fn, self._context_future, item, indexed, pure=False)
            self._pending.add(f)
            return f

        window = self.workers * IN_FLIGHT_PER_WORKER
        pending = set()
        for item in it:
            pending.add(submit(item))
            if len(pending) >= window:
                break
        while pending:
            try:  # like the local pool: None every ``tick`` seconds without a result
                finished, _ = wait_some(list(pending), timeout=tick, return_when="FIRST_COMPLETED")
            except TimeoutError:
                yield None
                continue
            for f in finished:
                pending.discard(f)
                self._pending.discard(f)
                result = f.result()
                f.release()
                yield result
                nxt = next(it, _END)
                if nxt is not _END:
                    pending.add(submit(nxt))
