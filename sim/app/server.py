"""The app's server process: ``python -m sim.app.server [solara run arguments]`` — what ``scensim app``
starts. Solara's own command line, with one difference: SIGTERM ends the process like Ctrl-C does
(an exception that unwinds, so exit handlers run), not by the signal's default action.

Why: uvicorn handles SIGTERM by shutting down gracefully and then raises the signal again with the
previous handler restored; with Python's default handler the process then dies at once, before its
exit handlers run — the app's worker pools are not shut down and their queues' semaphores are left to
multiprocessing's resource tracker ("There appear to be N leaked semaphore objects"). With this
handler the process exits normally: :meth:`sim.app.runner.Runner.close` runs at exit and the queues
are finalised.
"""

from __future__ import annotations

import signal
import sys
import warnings


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, _terminate)
    # Solara warns at every page load from a host other than "localhost" (127.0.0.1, a classroom's LAN
    # address) that its session cookie falls back to SameSite=Lax over plain http: 15 lines a student,
    # which scroll the server's own messages away. The fallback is what a page served directly needs.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)
    from solara.__main__ import main as solara_main

    sys.argv = ["solara"] + list(sys.argv[1:] if argv is None else argv)
    solara_main()


if __name__ == "__main__":  # pragma: no cover - run as a process
    main()
