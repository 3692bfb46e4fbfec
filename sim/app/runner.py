"""The processes that run the app's replicates, shared by every browser session, and one session's
request for one setting (:class:`Computation`): partials and digests as they arrive, and the runs it
no longer needs cancelled when the student moves on (a queued run is dropped, a running one stops at
its next month). Runs are a function of (settings, seed), so sessions share finished and running
runs; nothing of a session's state is kept here.

Processes (``Runner(workers=W)``, W = the machine's cores by default; ``W <= 1``: everything runs in the
calling thread). Three pools, all shared by every session:
- *front*, ``FRONT_PER_CORE × W`` processes at normal priority: the *previews* of the quick
  replicates (:func:`~sim.app.compute.preview`: a replicate stepped to the end of its first year, the
  first answer) and nothing else, so a student's first answer never waits for the rest of another's
  replicate (the first year is a small part of a replicate's cost; the digest comes at its end). More
  processes than cores on purpose: previews of several students share the cores. While no other
  preview is in its first year and no task waits for a front or a drawing process (a gauge shared with
  the workers), a preview goes on, with partials, to the end of the horizon — its digest completes the
  same replicate's run at the back, which stops — and stops at its next month once another student's
  first answer or a drawing needs the cores.
- *back*, W processes at ``BACK_NICENESS``: every replicate of the full set, the quick ones included
  (their first year is computed again: a small price for keeping the front short). The kernel gives
  them the cores only when the front has nothing to do, so refining one student's answer never delays
  another's first answer.
- *draw*, W processes at normal priority: the figures (matplotlib), so drawing spreads over the cores
  and never holds the server's interpreter (the page stays responsive).

Order (:class:`~sim.app.lanes.Lane`): each pool gets one task per process, the rest wait by priority,
then arrival, and a waiting task nobody needs any more (the student moved on) is dropped. Runs go by
replicate: every session's first replicate before anyone's second. Drawings: a setting's first
drawing, then refinements, then the full set's figures (the market figure is the slowest to draw).
Grounds: a class is a burst of requests, and what a student notices is the wait for a first answer
(issue 14). Why this module is long: the three pools, their order, the workers' side and the shared
gauge are one mechanism, easier to check read together. Drawings are shared (:meth:`Runner.shared`): a drawing is a function of the setting, the
replicates shown, how far they came and the language, so students with the same setting share it.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections import OrderedDict
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

from sim.app.compute import Cancelled, Digest, case_key, preview, run_replicate
from sim.app.computation import Computation, Job
from sim.app.lanes import Lane, Memo
from sim import Case

FRONT_PER_CORE = 2  # front processes per core (see the module docstring)
BACK_NICENESS = 15  # the back pool's niceness: it yields the cores to the front and to the drawing
SLOTS = 1 << 16  # cancellation flags shared with the workers (job id modulo SLOTS)
FRONT_WAITING, DRAW_WAITING, FIRST_YEARS = 0, 1, 2  # the workers' gauge (see the module docstring)
DRAWINGS_KEPT = 256  # drawings kept for sharing (a full drawing is about 0.2 MB of PNG: ~50 MB at most)


# -- in a worker process ---------------------------------------------------------------------------
_CHANNEL = None  # (queue for partials, shared cancellation flags, the gauge), set by _init_worker


def _init_worker(queue, flags, niceness: int, gauge=None):
    global _CHANNEL
    _CHANNEL = (queue, flags, gauge)
    if niceness:
        try:
            os.nice(niceness)
        except OSError:  # not allowed here: the pool still works, without the priority
            pass


def _run_job(job_id: int, case: Case, replicate: int, seed: int):
    queue, flags, _ = _CHANNEL
    slot = job_id % SLOTS
    return run_replicate(case, replicate, seed, emit=lambda p: queue.put((job_id, p)),
                         cancelled=lambda: flags[slot] == job_id)


def _run_preview(job_id: int, case: Case, replicate: int, seed: int):
    queue, flags, gauge = _CHANNEL
    slot = job_id % SLOTS
    counted = True  # this preview counts itself in gauge[FIRST_YEARS] until its first year's end

    def count(by: int) -> None:
        with gauge.get_lock():  # the previews of every front process update it
            gauge[FIRST_YEARS] += by

    def go_on():  # first called at the first year's end (sim.app.compute.preview)
        nonlocal counted
        if counted:
            counted = False
            count(-1)
        return gauge[FRONT_WAITING] == 0 and gauge[DRAW_WAITING] == 0 and gauge[FIRST_YEARS] == 0

    count(1)
    try:
        return preview(case, replicate, seed, cancelled=lambda: flags[slot] == job_id,
                       emit=lambda p: queue.put((job_id, p)), go_on=go_on)
    finally:
        if counted:
            count(-1)


def _ready(case: Case | None = None):
    """A worker's first task: with ``case``, step a model one month and take its partial and digest (what
    they import lazily: once per process, not at a student's first slider move)."""
    if case is not None:
        from sim import ScenarioMarket
        from sim.app.compute import digest_of, partial_of

        m = ScenarioMarket(case, seed=0)
        m.step()
        partial_of(m, case, 0)
        digest_of(m, case, 0)
    return os.getpid()


# -- in the server ---------------------------------------------------------------------------------
class Runner:
    """Computes digests — in worker processes shared by all sessions (see the module docstring), or in
    the calling thread (``workers <= 1``) — and keeps the last ``cache_size`` of them."""

    def __init__(self, workers: int = 1, cache_size: int = 2000, front: int | None = None,
                 drawings: int = DRAWINGS_KEPT):
        self.workers = workers
        self.in_thread = workers <= 1
        self.front_size = front or FRONT_PER_CORE * max(1, workers)
        self.cache_size = cache_size
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.RLock()
        self._jobs: dict[tuple, Job] = {}  # run key -> job in flight
        self._by_id: dict[int, Job] = {}
        self._next_id = 1
        self._pools = None
        self._lanes: dict[str, Lane] | None = None
        self._drawn = Memo(drawings)  # drawings by key (see the module docstring)
        self._runs = 0  # runs started

    # -- pools --------------------------------------------------------------------------------------
    def _start(self):
        with self._lock:
            if self._pools is not None:
                return self._pools
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            ctx = multiprocessing.get_context("spawn")  # what Mesa sets anyway
            self._queue, self._flags = ctx.Queue(), ctx.RawArray("q", SLOTS)
            self._gauge = ctx.Array("q", 3)  # FRONT_WAITING, DRAW_WAITING (the lanes'), FIRST_YEARS (the previews')

            def pool(n, niceness):
                return ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init_worker,
                                           initargs=(self._queue, self._flags, niceness, self._gauge))

            self._pools = {"front": pool(self.front_size, 0), "back": pool(self.workers, BACK_NICENESS),
                           "draw": pool(self.workers, 0)}
            slots = {"front": FRONT_WAITING, "draw": DRAW_WAITING}
            self._lanes = {name: Lane(p, p._max_workers, self._gauge if name in slots else None, slots.get(name, 0))
                           for name, p in self._pools.items()}
            self._reader = threading.Thread(target=self._read_partials, name="scensim-partials", daemon=True)
            self._reader.start()
            atexit.register(self.close)
            return self._pools

    def warm_up(self, case: Case | None = None) -> None:
        """Start every worker process now (each imports the model once, and with ``case`` steps a model
        one month in each run process), not at the first slider move."""
        if self.in_thread:
            return
        pools = self._start()
        futures = [p.submit(_ready, case if name != "draw" else None)
                   for name, p in pools.items() for _ in range(p._max_workers)]
        for f in futures:
            f.result()

    def close(self, wait: bool = True):
        """Stop the worker processes: queued runs dropped, running ones told to stop at their next month;
        with ``wait``, until they are gone and the queues closed (their semaphores released: nothing
        left for multiprocessing's resource tracker). Registered to run at exit when the pools start."""
        with self._lock:
            pools, self._pools = self._pools, None
            lanes, self._lanes = self._lanes, None
            for job in self._by_id.values():
                self._flags[job.id % SLOTS] = job.id
        if pools is None:
            return
        for lane in lanes.values():
            lane.drop_waiting()
        atexit.unregister(self.close)
        for p in pools.values():
            p.shutdown(wait=False, cancel_futures=True)
        if wait:
            for p in pools.values():
                p.shutdown(wait=True)
        self._queue.put(None)
        if wait:
            self._reader.join(timeout=5)
            self._queue.close()
            self._queue.join_thread()

    def _read_partials(self):
        queue = self._queue
        while True:
            try:
                msg = queue.get()
            except (EOFError, OSError):
                return
            if msg is None:
                return
            job_id, part = msg
            with self._lock:
                job = self._by_id.get(job_id)
                if job is None or job.finished:
                    continue
                job.partial = part
                listeners = list(job.listeners)
            for c in listeners:
                c.changed.set()

    def _lane(self, name: str) -> Lane:
        self._start()
        with self._lock:
            if self._lanes is None:
                raise BrokenProcessPool("the runner is closed")
            return self._lanes[name]

    def drawing_free(self) -> bool:
        """Whether a drawing process is free and no drawing waits (in the calling thread: always)."""
        return self.in_thread or self._lane("draw").free()

    def shared(self, key, fn, *args, priority=0, cancel: threading.Event | None = None):
        """``fn(*args)`` in the drawing processes (``workers <= 1``: here), after waiting drawings of a lower
        ``priority``, made once per ``key`` among the last ``drawings`` keys (the constructor's): a session
        asking for a drawing another is making waits for that one (see the module docstring). A
        drawing still waiting is dropped only when every session that asked for it has moved on."""
        def start() -> Future:
            if not self.in_thread:
                return self._lane("draw").submit(priority, fn, *args)
            f = Future()
            f.set_result(fn(*args))
            return f

        return self._drawn.get(key, start, cancel, Cancelled)

    @property
    def counts(self) -> dict:
        """Runs started, drawings made and drawings shared, since the start (for the bench)."""
        return {"runs": self._runs, "drawings": self._drawn.made, "drawings_shared": self._drawn.joined}

    def call_each(self, fn, *args) -> None:
        """``fn(*args)`` once per drawing process (as many tasks as processes at once: each takes one
        while the others are busy), to prepare what each keeps (``charts.prepare``: the targets figure's
        static layer and the scoreboard's imports)."""
        if self.in_thread:
            fn(*args)
            return
        pool = self._start()["draw"]
        for f in [pool.submit(fn, *args) for _ in range(self.workers)]:
            f.result()

    # -- cache --------------------------------------------------------------------------------------
    def _get(self, key):
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        return None

    def _put(self, key, value):
        with self._lock:
            self._cache[key] = value
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    # -- computations -------------------------------------------------------------------------------
    def request(self, case: Case, seed: int, n: int, quick: int | None = None,
                cancel: threading.Event | None = None, front: bool = False) -> Computation:
        """Start (or join) the runs of replicates ``0..n-1`` at the back, by replicate, then arrival, and
        with worker processes the previews of the first ``quick`` at the front (see the module
        docstring). Cached digests and previews are there at once. ``cancel``: in-thread mode stops at
        the next month once it is set. ``front``: the runs themselves at the front, no previews."""
        quick = n if quick is None else quick
        comp = Computation(self, case, seed, n, quick, cancel)
        ck = case_key(case)
        with self._lock:
            for r in range(n):
                got = self._get((ck, seed, r))
                if got is not None:
                    comp.done[r] = got
                    continue
                comp.jobs[r] = self._join((ck, seed, r), comp, "front" if front else "back", _run_job, case, seed)
                if r < quick and not front and not self.in_thread and case.n_months > 2:
                    seen = self._get((ck, seed, r, "preview"))
                    if seen is not None:
                        comp.previewed[r] = seen
                    else:
                        comp.previews[r] = self._join((ck, seed, r, "preview"), comp, "front", _run_preview, case, seed)
        comp.changed.set()
        return comp

    def _join(self, key: tuple, comp: Computation, lane: str, fn, case: Case, seed: int) -> Job:
        """The job of ``key`` (replicate ``key[2]``), started in ``lane`` if nobody has; ``comp`` listens."""
        job = self._jobs.get(key)
        if job is None:
            r = key[2]
            job = Job(self._next_id, key, r)
            self._next_id += 1
            self._jobs[key] = job
            self._by_id[job.id] = job
            self._runs += fn is _run_job
            if not self.in_thread:  # by replicate, then arrival (see the module docstring)
                job.future = self._lane(lane).submit(r, fn, job.id, case, r, seed)
                job.future.add_done_callback(lambda f, job=job: self._finish(job, f))
        job.listeners.add(comp)
        return job

    def _finish(self, job: Job, future) -> None:
        d, err = None, None
        if not future.cancelled():
            try:
                d = future.result()
            except BaseException as e:  # shown to the sessions that wait for it
                err = e
        with self._lock:
            if job.finished:  # a run its preview completed (below): what it returns now is not needed
                return
            run = None
            if isinstance(d, Digest) and len(job.key) == 4:  # a preview that went on to the end
                self._put(job.key[:3], d)
                run = self._jobs.get(job.key[:3])
            elif d is not None:
                self._put(job.key, d)
                going = self._jobs.get(job.key + ("preview",)) if len(job.key) == 3 else None
                if going is not None and going.future is not None and not going.future.cancel():
                    self._flags[going.id % SLOTS] = going.id  # its run is done: the preview stops too
            job.digest, job.finished = d, True
            job.error = err if d is None and err is not None else None
            if self._jobs.get(job.key) is job:
                del self._jobs[job.key]
            self._by_id.pop(job.id, None)
            listeners = list(job.listeners)
            if run is not None:  # the same replicate's run: done (the same digest), stopped wherever it is
                run.digest, run.finished = d, True
                del self._jobs[run.key]
                self._by_id.pop(run.id, None)
                if run.future is not None and not run.future.cancel():
                    self._flags[run.id % SLOTS] = run.id  # running: stops at its next month
                listeners += list(run.listeners)
        if d is None and err is None:  # cancelled for everyone who asked: nobody listens any more
            return
        for c in listeners:
            c.changed.set()

    def release(self, comp: Computation) -> None:
        """A session no longer needs ``comp``: cancel its runs nobody else waits for."""
        comp._released.set()
        with self._lock:
            for job in list(comp.jobs.values()) + list(comp.previews.values()):
                job.listeners.discard(comp)
                if job.listeners or job.finished:
                    continue
                if self._jobs.get(job.key) is job:  # a new request starts afresh
                    del self._jobs[job.key]
                if job.future is not None and not job.future.cancel():
                    self._flags[job.id % SLOTS] = job.id  # running: stops at its next month
                if job.future is None:
                    self._by_id.pop(job.id, None)

    def step_in_thread(self, comp: Computation) -> None:
        """In-thread mode: run ``comp``'s next missing replicate here (partials go to its job)."""
        pending = sorted(r for r, job in comp.jobs.items() if not job.finished)
        if not pending:
            return
        job = comp.jobs[pending[0]]

        def emit(p):
            job.partial = p
            comp.changed.set()

        d = run_replicate(comp.case, job.replicate, comp.seed, emit=emit, cancelled=comp.stopped)
        with self._lock:
            if d is not None:
                self._put(job.key, d)
            job.digest, job.finished = d, d is not None
            if d is not None and self._jobs.get(job.key) is job:
                del self._jobs[job.key]
                self._by_id.pop(job.id, None)
        if d is None:
            raise Cancelled()
        comp.changed.set()

    def digests(self, case: Case, replicates: int, seed: int, cancel: threading.Event | None = None) -> list[Digest]:
        """Digests of replicates ``0..replicates-1`` (all at the front); raises :class:`Cancelled` once
        ``cancel`` is set."""
        comp = self.request(case, seed, replicates, quick=0, cancel=cancel, front=True)
        try:
            while True:
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                done, _ = comp.state()
                if len(done) == replicates:
                    return [done[r] for r in range(replicates)]
                comp.wait(0.05)
        finally:
            comp.close()
