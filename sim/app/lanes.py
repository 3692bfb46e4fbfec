"""A process pool fed in order of priority (:class:`Lane`): the app's runner (:mod:`sim.app.runner`) gives
each of its pools at most one task per process and keeps the others waiting here, so that it — not the
pool's first-in-first-out queue — decides what runs next, and a task nobody needs any more is dropped
before it starts; and the results kept by key (:class:`Memo`), so that callers asking for the same
result share one task."""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import OrderedDict
from concurrent.futures import CancelledError, Future

_SEQ = itertools.count()  # arrival order of everything given to a lane


class Lane:
    """A process pool fed in order of priority: at most ``size`` tasks in the pool at once (one per
    process), the others waiting here by ``(priority, arrival)``. :meth:`submit` returns a
    :class:`~concurrent.futures.Future` at once; cancelling it while it waits drops the task (it never
    starts); once started it runs to its end (or until its job's flag stops it)."""

    def __init__(self, pool, size: int, gauge=None, slot: int = 0):
        self.pool, self.size = pool, size
        self.busy = 0
        self.waiting: list = []  # heap of (priority, arrival, future, fn, args)
        self.gauge, self.slot = gauge, slot  # shared with the workers: gauge[slot] = tasks waiting (cancelled included)
        self._lock = threading.Lock()

    def _gauge(self) -> None:
        if self.gauge is not None:  # under the lock
            self.gauge[self.slot] = len(self.waiting)

    def submit(self, priority, fn, *args) -> Future:
        f = Future()
        with self._lock:
            heapq.heappush(self.waiting, (priority, next(_SEQ), f, fn, args))
            self._gauge()
        self._feed()
        return f

    def free(self) -> bool:
        """Whether a process is free and no task waits."""
        with self._lock:
            return self.busy < self.size and not self.waiting

    def queued(self) -> int:
        """Tasks waiting (cancelled ones included until their turn comes)."""
        with self._lock:
            return len(self.waiting)

    def _feed(self) -> None:
        while True:
            with self._lock:
                if self.busy >= self.size or not self.waiting:
                    return
                _, _, f, fn, args = heapq.heappop(self.waiting)
                self._gauge()
                self.busy += 1  # reserved; given back below if the task was cancelled while waiting
            if not f.set_running_or_notify_cancel():  # outside the lock: its callbacks take the runner's
                with self._lock:
                    self.busy -= 1
                continue
            try:
                inner = self.pool.submit(fn, *args)
            except BaseException as e:  # the pool is shut down
                with self._lock:
                    self.busy -= 1
                f.set_exception(e)
                continue
            inner.add_done_callback(lambda i, f=f: self._done(i, f))

    def _done(self, inner, f: Future) -> None:
        with self._lock:
            self.busy -= 1
        if inner.cancelled():
            f.set_exception(CancelledError())
        elif inner.exception() is not None:
            f.set_exception(inner.exception())
        else:
            f.set_result(inner.result())
        self._feed()

    def drop_waiting(self) -> list:
        """Empty the queue (the runner is closing): the waiting futures, cancelled."""
        with self._lock:
            items, self.waiting = self.waiting, []
            self._gauge()
        for _, _, f, _, _ in items:
            f.cancel()
        return items


class Memo:
    """The results of tasks by key, the last ``size`` keys: asking for a key whose task is waiting or
    running joins it instead of starting another. The task is dropped before it starts only when every
    caller that asked for it has given up (``cancel``); a failed task is started afresh next time."""

    def __init__(self, size: int):
        self.size = size
        self.made = self.joined = 0  # tasks started; asks that joined one
        self._items: OrderedDict = OrderedDict()  # key -> [future for the callers, callers waiting, task]
        self._lock = threading.Lock()

    def get(self, key, start, cancel: threading.Event | None = None, cancelled=CancelledError):
        """The result for ``key``: ``start()`` (which returns a Future) if nobody asked for it yet. Raises
        ``cancelled()`` once ``cancel`` is set."""
        with self._lock:
            entry = self._items.get(key)
            if entry is not None and entry[0].cancelled():  # everyone who asked gave up before it started
                entry = None
            mine = entry is None
            if mine:
                entry = self._items[key] = [Future(), 1, None]
                self.made += 1
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            else:
                self._items.move_to_end(key)
                entry[1] += 1
                self.joined += 1
        f = entry[0]
        if mine:
            try:
                task = start()
            except BaseException as e:
                task = Future()
                task.set_exception(e)
            entry[2] = task
            task.add_done_callback(lambda t: _copy(t, f))

        def give_up():
            with self._lock:
                entry[1] -= 1
                if entry[1] == 0:
                    entry[2].cancel()  # dropped if still waiting; nobody else wants it

        try:
            out = wait(f, cancel, cancelled, give_up)
        except cancelled:
            raise
        except BaseException:
            with self._lock:  # failed: started afresh next time
                entry[1] -= 1
                if self._items.get(key) is entry:
                    del self._items[key]
            raise
        with self._lock:
            entry[1] -= 1
        return out


def wait(f: Future, cancel: threading.Event | None, cancelled, give_up=None):
    """``f.result()``; once ``cancel`` is set: ``give_up()`` and raise ``cancelled()``."""
    if cancel is None:
        return f.result()
    while True:
        if cancel.is_set():
            if give_up is not None:
                give_up()
            raise cancelled()
        try:
            return f.result(timeout=0.05)
        except TimeoutError:
            continue


def _copy(task: Future, f: Future) -> None:
    if task.cancelled():
        f.cancel()
    elif task.exception() is not None:
        f.set_exception(task.exception())
    else:
        f.set_result(task.result())
