"""Ctrl-C at any moment of a command — its start-up included — ends it with one line and exit status
130, never a traceback.

Python raises KeyboardInterrupt wherever the main thread is when SIGINT arrives, and during start-up
that is mostly inside an import (Mesa, scipy, pandas: a second or two). An interrupt raised there
went wrong three ways (seen by sending SIGINT to ``scensim sweep`` after a random 0.05–1.5 s):

* a traceback of the import machinery, where no handler of the command was there to catch it;
* an ImportError instead of the interrupt: C code importing a module (numpy's ``PyCapsule_Import``
  of ``datetime``) turns the interrupt into "could not import";
* nothing: an interrupt raised in one of importlib's weakref callbacks is printed as "Exception
  ignored … KeyboardInterrupt" and dropped, and the command ran on to the end (as would one turned
  into an ImportError inside a library's ``try: import x`` / ``except ImportError``).

So the handler :func:`install` puts in place defers Ctrl-C while an import is under way: it notes
the press and raises KeyboardInterrupt once the import is over — at the next :func:`check`, or when
it looks again every 50 ms — in the command's own code, where the command's handler catches it. A
second Ctrl-C during the same import raises at once (an import that hangs, on a network file
system, can still be stopped); an ImportError it becomes is told from a real one by
:func:`pressed`, and if it is lost on the way, :func:`check` raises the interrupt again.

Light (the standard library and :mod:`sim.base.errors`): ``sim.cli`` installs the handler before it
imports anything else.
"""

from __future__ import annotations

import _thread
import signal
import threading

from sim.base.errors import Note

RETRY_SECONDS = 0.05

# the line of an interrupt before the command runs (importing, parsing the arguments)
STARTING = Note("scensim: interrupted", "scensim：已中断")
# commands whose every line (interrupt and error lines included) follows --lang
MESSAGES_IN_LANG = ("sweep",)

_pressed = False      # Ctrl-C came since install()
_deferred = False     # … and waits for an import to end
_retrying = False     # the next call of the handler is our own retry, not a key press
_timer: threading.Timer | None = None


def _in_import(frame) -> bool:
    while frame is not None:
        name = frame.f_code.co_filename
        if "importlib" in name and "_bootstrap" in name:  # "<frozen importlib._bootstrap>", or its .py
            return True
        frame = frame.f_back
    return False


def _retry() -> None:
    global _retrying
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # worker processes starting (sim.engine.executor)
        _schedule_retry()  # would be dropped: look again later
        return
    _retrying = True
    _thread.interrupt_main(signal.SIGINT)  # calls the handler in the main thread, as a key press would


def _schedule_retry() -> None:
    global _timer
    _timer = threading.Timer(RETRY_SECONDS, _retry)
    _timer.daemon = True
    _timer.start()


def _cancel_retry() -> None:
    global _timer
    if _timer is not None:
        _timer.cancel()
        _timer = None


def _on_sigint(signum, frame) -> None:
    global _pressed, _deferred, _retrying
    retry, _retrying = _retrying, False
    if _in_import(frame) and (retry or not _deferred):
        _pressed = _deferred = True
        _schedule_retry()
        return
    _cancel_retry()
    _pressed = True
    _deferred = False
    raise KeyboardInterrupt


def install():
    """Put the handler in place of Python's default one (a SIGINT that is ignored — a job started in
    the background — or someone else's handler is left alone; so is a thread other than the main one).
    Returns what :func:`restore` needs."""
    global _pressed, _deferred
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.getsignal(signal.SIGINT)
    if previous is _on_sigint:
        return previous
    if previous is not signal.default_int_handler:
        return None
    _pressed = _deferred = False
    signal.signal(signal.SIGINT, _on_sigint)
    return previous


def restore(previous) -> None:
    """Undo :func:`install` (a no-op if it was already in place when that was called): a command called
    in-process (the tests) leaves the process's Ctrl-C as it found it."""
    global _pressed, _deferred
    if previous is None or previous is _on_sigint:
        return
    _cancel_retry()
    if signal.getsignal(signal.SIGINT) is _on_sigint:
        signal.signal(signal.SIGINT, previous)
    _pressed = _deferred = False


def check() -> None:
    """Raise now the Ctrl-C that came since :func:`install` — one still waiting for an import to end,
    or one raised that never reached the command's handler (a library's ``try: import x`` took the
    ImportError it became for a missing optional module). Called where start-up's imports are over."""
    global _deferred
    if _pressed:
        _cancel_retry()
        _deferred = False
        raise KeyboardInterrupt


def pressed() -> bool:
    """Whether Ctrl-C came since :func:`install` (then an ImportError is the interrupt's doing)."""
    return _pressed


def argv_lang(argv) -> str:
    """The language of the command's lines, from its arguments before they are parsed: ``--lang zh``
    of a command in :data:`MESSAGES_IN_LANG`, else English."""
    argv = list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    if command not in MESSAGES_IN_LANG:
        return "en"
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return "zh" if argv[i + 1] == "zh" else "en"
        if a.startswith("--lang="):
            return "zh" if a == "--lang=zh" else "en"
    return "en"
