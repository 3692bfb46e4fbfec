"""One session's request for one setting (:class:`Computation`) and one replicate being computed for one
or more of them (:class:`Job`); the runner that makes them: :mod:`sim.app.runner`."""

from __future__ import annotations

import threading

from sim.app.compute import Digest, Partial
from sim import Case


class Job:
    """One replicate being computed, for one or more computations (sessions) that wait for it."""

    def __init__(self, job_id: int, key: tuple, replicate: int):
        self.id, self.key, self.replicate = job_id, key, replicate
        self.listeners: set = set()
        self.partial: Partial | None = None
        self.digest: Digest | None = None
        self.error: BaseException | None = None
        self.finished = False
        self.future = None


class Computation:
    """One session's request: replicates ``0..n-1`` of one setting. Read :meth:`state` and
    :meth:`wait` for news; :meth:`close` when done with it (cancels what nobody else waits for)."""

    def __init__(self, runner, case: Case, seed: int, n: int, quick: int,
                 cancel: threading.Event | None = None):
        self.runner, self.case, self.seed, self.n, self.quick = runner, case, seed, n, quick
        self.changed = threading.Event()
        self.jobs: dict[int, Job] = {}
        self.done: dict[int, Digest] = {}
        self.previews: dict[int, Job] = {}  # preview jobs of the quick replicates (worker processes only)
        self.previewed: dict[int, Partial] = {}
        self._released, self._cancel = threading.Event(), cancel
        self.closed = False

    def state(self) -> tuple[dict, dict]:
        """(digests by replicate, latest partial by replicate for those not finished); raises a job's error."""
        self.changed.clear()
        for jobs, out in ((self.jobs, self.done), (self.previews, self.previewed)):
            for r, job in list(jobs.items()):
                if job.finished:
                    if job.error is not None:
                        raise job.error
                    if job.digest is not None:
                        if out is self.done or isinstance(job.digest, Partial):  # a preview that reached
                            out[r] = job.digest  # the end is a Digest: it completed its run (in self.jobs)
                        del jobs[r]
        partial = {r: job.partial for r, job in self.jobs.items() if job.partial is not None}
        going = {r: job.partial for r, job in self.previews.items() if job.partial is not None}
        for r, p in list(self.previewed.items()) + list(going.items()):  # a preview, unless the run has come further
            if r in self.jobs and (r not in partial or partial[r].months < p.months):
                partial[r] = p
        return dict(self.done), partial

    def stopped(self) -> bool:
        """Released, or its session's cancel event set (in-thread mode stops its replicate then)."""
        return self._released.is_set() or (self._cancel is not None and self._cancel.is_set())

    @property
    def complete(self) -> bool:
        return len(self.done) == self.n

    def wait(self, timeout: float) -> None:
        """Until something new arrived (or ``timeout``); in-thread mode: compute the next replicate."""
        if self.runner.in_thread:
            self.runner.step_in_thread(self)
        else:
            self.changed.wait(timeout)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.runner.release(self)
