"""``scensim app``: serve the classroom app (Solara) on this machine.

Starts ``solara run sim.app.page`` (through :mod:`sim.app.server`) as a child process (its own process group) with the settings in
its environment, and stops it — the whole group — on Ctrl-C or SIGTERM. Serves on 127.0.0.1 unless
``--host`` says otherwise, with a warning: the app has no login, anyone who can reach the port can use it.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

from sim.base.errors import InputError
from sim.cli.args import default_case, positive_int

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def solara_command(host: str, port: int) -> list[str]:
    """Solara's ``run`` through :mod:`sim.app.server` (SIGTERM ends it cleanly: see there)."""
    return [sys.executable, "-m", "sim.app.server", "run", "sim.app.page", "--host", host, "--port", str(port),
            "--production", "--no-open"]


def app_environment(case: str, lang: str, replicates: int, workers: int, quick: int = 0,
                    mixes: str | None = None) -> dict:
    env = dict(os.environ)
    env.update({"SCENSIM_APP_CASE": str(Path(case).resolve()), "SCENSIM_APP_LANG": lang,
                "SCENSIM_APP_REPLICATES": str(replicates), "SCENSIM_APP_WORKERS": str(workers),
                "SCENSIM_APP_QUICK": str(quick), "SCENSIM_APP_WARMUP": "1",
                # Solara's "This website runs on Solara" badge sits over the page's lower right corner (the
                # market's city tiles): not shown
                "SOLARA_THEME_SHOW_BANNER": "False"})
    if mixes:
        env["SCENSIM_APP_MIXES"] = str(Path(mixes).resolve())
    return env


def machine_cores() -> int:
    """The cores this process may use (a container's or taskset's limit, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def check_port_free(host: str, port: int) -> None:
    """A one-line error now rather than a server that fails after printing its address."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        try:
            s.bind((host, port))
        except OSError as e:
            raise InputError(None, "--port", f"cannot listen on {host}:{port} ({e.strerror}); choose another port",
                             port) from None


def _die_with_parent():  # pragma: no cover - runs in the child between fork and exec
    """Linux: the server gets SIGTERM if this command dies without stopping it (e.g. SIGKILL)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop the server's process group: TERM, then KILL if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def cmd_app(args) -> int:
    port = positive_int("--port")(args.port)
    if port > 65535:
        raise InputError(None, "--port", "must be a port number between 1 and 65535", port)
    replicates = positive_int("--replicates")(args.replicates)
    workers = positive_int("--workers")(args.workers) if args.workers is not None else machine_cores()
    if importlib.util.find_spec("solara") is None:
        raise InputError(None, "scensim app", "needs the app's libraries: pip install -e \".[app]\"")
    from sim.core.case import load_case

    case_path = args.case or default_case()
    case = load_case(case_path)  # a bad case is a one-line error here, not a broken page
    if args.mixes and not Path(args.mixes).exists():
        raise InputError(args.mixes, None, "no such experiment file (e.g. experiments/hunan_policy_mixes.toml)")
    if args.host not in LOOPBACK:
        sys.stderr.write(f"scensim app: warning: serving on {args.host}: anyone who can reach port {port} on this "
                         "address can use the app (there is no login); use the default 127.0.0.1 on a shared "
                         "network unless you mean it\n")
    check_port_free(args.host, port)
    env = app_environment(case_path, args.lang, replicates, workers, mixes=args.mixes)
    proc = subprocess.Popen(solara_command(args.host, port), env=env, start_new_session=True,
                            preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"scensim app: {case.id} on http://{shown}:{port}/ ({replicates} replicates on {workers} core"
          f"{'s' if workers > 1 else ''}; Ctrl-C stops it)", flush=True)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        stop(proc)
        print("scensim app: stopped", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop(proc)


def register(sub) -> None:
    p = sub.add_parser("app", help="serve the classroom app in a browser",
                       description="Serve the classroom app: sliders for the levers, targets over time against "
                       "their lines and the baseline, P(met) per target and year, the market and the cost.")
    p.add_argument("--port", default="8765", help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; another address prints a warning)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language the page opens in (default zh)")
    p.add_argument("--case", default=None, help="case file (default scenarios/hunan_2026_2028.toml)")
    p.add_argument("--replicates", "-r", default="8", help="replicates of the full set (default 8)")
    p.add_argument("--workers", default=None,
                   help="cores to run the simulations on, shared by all sessions (default: every core of this "
                   "machine; 1 runs them in the server process)")
    p.add_argument("--mixes", default=None,
                   help="policy-mix experiment for the presets (default experiments/hunan_policy_mixes.toml)")
    p.set_defaults(handler=cmd_app)
