"""The classroom app: slider-to-redraw time, and how many sessions one machine serves within 2 s.

Run: python bench/bench_app.py [--case PATH] [--moves N] [--sessions 1,2,4,8] [--replicates R] [--workers W]

Starts ``scensim app`` on a free port and drives it with Debian's chromium (Playwright), on the same
machine (so the browsers' own CPU counts against the server — a classroom's browsers run on the
students' machines, which makes these figures conservative).

1. One session moves a slider ``--moves`` times, one step each time (every value new, so nothing comes
   from the cache), waiting for the full redraw in between; prints the time from the key press to the
   first redraw (the quick preview: targets and scoreboard) and to the full set, median and p90.
2. N sessions (separate browser contexts) each move a slider at the same moment, to values no other
   session uses; prints, per N, the median and slowest time to the first redraw and to the full set.
   "Served within 2 s" = every session saw its first redraw within 2 s.
3. The server's CPU time per slider move (all its processes), and from it an estimate — labelled as
   such — of how many simultaneous moves an otherwise idle 2-core machine redraws within 2 s.

The machine's load average is printed before and after: other work on the machine slows everything.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FINAL = "[data-testid=status][data-final='1'][data-busy='0']"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in process group ``pgid``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp ...
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def server_pgid(cli_pid: int) -> int | None:
    """The solara server is the command's child in a session of its own."""
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == cli_pid:
                return int(fields[2])
    return None


def quantile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def open_page(browser, url):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(url)
    page.wait_for_selector(FINAL, timeout=300_000)
    return page


def targets_src(page) -> str:
    return page.locator("img").first.get_attribute("src")


def wait_redraw(page, before_src, timeout=300.0):
    """Wait until the targets chart differs from ``before_src`` and the full set is drawn."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if targets_src(page) != before_src and page.locator(FINAL).count():
            return
        time.sleep(0.1)
    raise SystemExit("no redraw within the timeout")


def move_and_time(jobs, timeout=300.0):
    """Press ``key`` on each page's slider, one page right after the other; return per page the seconds
    from its key press to the first redraw (targets chart changed) and to the full set."""
    before = [targets_src(p) for p, _, _ in jobs]
    for _, slider, _ in jobs:
        slider.focus()
    starts = []
    for p, slider, key in jobs:
        slider.press(key)
        starts.append(time.perf_counter())
    pages_and_steps = jobs
    first = [None] * len(pages_and_steps)
    full = [None] * len(pages_and_steps)
    deadline = time.perf_counter() + timeout
    while any(f is None for f in full) and time.perf_counter() < deadline:
        for i, (p, _, _) in enumerate(pages_and_steps):
            if full[i] is not None:
                continue
            src = targets_src(p)
            now = time.perf_counter()
            if first[i] is None and src != before[i]:
                first[i] = now - starts[i]
            if first[i] is not None and p.locator(FINAL).count():
                full[i] = now - starts[i]
        time.sleep(0.05)
    return first, full


def cpu_costs(case_path: str, replicates: int) -> dict:
    """CPU seconds (``time.process_time``, this process only — less sensitive to other load than wall
    time) of one replicate's digest, of drawing the three figures, and of drawing the targets alone."""
    from sim.app import charts
    from sim.app.compute import aggregate, digest
    from sim.core.case import load_case

    case = load_case(case_path)
    digest(case, 0, 1)  # warm-up
    t = time.process_time()
    ds = [digest(case, r, 1) for r in range(replicates)]
    per_rep = (time.process_time() - t) / replicates
    view = aggregate(ds)
    charts.targets_png(case, view, view, "zh")  # warm-up (fonts)
    t = time.process_time()
    for _ in range(3):
        charts.targets_png(case, view, view, "zh")
    targets = (time.process_time() - t) / 3
    t = time.process_time()
    for _ in range(3):
        charts.market_png(case, view, view, "zh")
        charts.fiscal_png(case, view, view, "zh")
    rest = (time.process_time() - t) / 3
    return {"replicate": per_rep, "targets": targets, "all_figures": targets + rest}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", default=str(ROOT / "scenarios" / "synthetic_small.toml"))
    ap.add_argument("--slider", default="Events per month", help="English label of the slider to move")
    ap.add_argument("--moves", type=int, default=10)
    ap.add_argument("--sessions", default="1,2,4,8")
    ap.add_argument("--replicates", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from tests.browser import launch

    cpu = cpu_costs(args.case, args.replicates)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    load0 = os.getloadavg()
    cli = subprocess.Popen([sys.executable, "-m", "sim.cli", "app", "--case", args.case, "--port", str(port),
                            "--lang", "en", "--replicates", str(args.replicates), "--workers", str(args.workers)],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    t0 = time.perf_counter()
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
            if cli.poll() is not None:
                raise SystemExit("scensim app did not start")
        t_start = time.perf_counter() - t0
        pgid = server_pgid(cli.pid)
        with launch() as browser:
            t0 = time.perf_counter()
            page = open_page(browser, url)
            t_first_page = time.perf_counter() - t0
            slider = page.get_by_role("slider", name=args.slider, exact=True)
            src = targets_src(page)
            slider.focus()
            slider.press("Home")
            wait_redraw(page, src)
            cpu0 = group_cpu_seconds(pgid) if pgid else float("nan")
            firsts, fulls = [], []
            for _ in range(args.moves):
                f, g = move_and_time([(page, slider, "ArrowRight")])
                firsts.append(f[0])
                fulls.append(g[0])
                print(f"move: first {f[0]}, full {g[0]}", file=sys.stderr, flush=True)
            cpu_per_move = (group_cpu_seconds(pgid) - cpu0) / args.moves if pgid else float("nan")
            page.context.close()

            rows = []
            used = 0  # concurrent rounds step down from the top, each value used once
            for n in [int(x) for x in args.sessions.split(",")]:
                pages = [open_page(browser, url) for _ in range(n)]
                sliders = [p.get_by_role("slider", name=args.slider, exact=True) for p in pages]
                # untimed: put session i at top - used - 2i (each computes its own), and wait for it
                for i, (p, s) in enumerate(zip(pages, sliders)):
                    src, v0 = targets_src(p), s.get_attribute("aria-valuenow")
                    s.focus()
                    s.press("End")
                    for _ in range(used + 2 * i):
                        s.press("ArrowLeft")
                    if s.get_attribute("aria-valuenow") != v0:
                        wait_redraw(p, src)
                # timed: all sessions one step down at once, to values nobody computed
                jobs = [(p, s, "ArrowLeft") for p, s in zip(pages, sliders)]
                first, fin = move_and_time(jobs)
                used += 2 * n + 1
                rows.append((n, first, fin))
                print(f"{n} sessions: first {first}, full {fin}", file=sys.stderr, flush=True)
                for p in pages:
                    p.context.close()
    finally:
        os.killpg(cli.pid, signal.SIGINT)
        try:
            cli.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(cli.pid, signal.SIGKILL)
    load1 = os.getloadavg()

    from sim.core.case import load_case

    case = load_case(args.case)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average before {load0[0]:.1f}, after {load1[0]:.1f} (other work on the machine slows all figures)")
    print(f"case: {case.id}; full set {args.replicates} replicates; worker processes {args.workers}; "
          f"browsers on the same machine")
    print(f"server start to HTTP 200: {t_start:.1f} s; first page (baseline computed): {t_first_page:.1f} s")
    ok = [x for x in firsts if x is not None]
    okf = [x for x in fulls if x is not None]
    print(f"slider to first redraw (quick preview), {len(ok)} moves: median {statistics.median(ok):.2f} s, "
          f"p90 {quantile(ok, 0.9):.2f} s")
    print(f"slider to full redraw ({args.replicates} replicates): median {statistics.median(okf):.2f} s, "
          f"p90 {quantile(okf, 0.9):.2f} s")
    print(f"server CPU per slider move (all server processes): {cpu_per_move:.2f} s")
    print(f"CPU in one process: a replicate {cpu['replicate']:.2f} s; drawing the targets {cpu['targets']:.2f} s, "
          f"all three figures {cpu['all_figures']:.2f} s")
    quick_cpu = 2 * cpu["replicate"] + cpu["targets"]
    full_cpu = args.replicates * cpu["replicate"] + cpu["all_figures"]
    print(f"so a quick preview (2 replicates + targets) costs about {quick_cpu:.2f} CPU-s and a full redraw "
          f"({args.replicates} replicates + figures) about {full_cpu:.2f} CPU-s")
    served = 0
    for n, first, fin in rows:
        f = [x if x is not None else float("inf") for x in first]
        g = [x if x is not None else float("inf") for x in fin]
        within = all(x <= 2.0 for x in f)
        if within:
            served = max(served, n)
        print(f"{n:3d} sessions moving at once: first redraw median {statistics.median(f):.2f} s, slowest "
              f"{max(f):.2f} s; full redraw median {statistics.median(g):.2f} s, slowest {max(g):.2f} s"
              f"{'  (all within 2 s)' if within else ''}")
    print(f"sessions served within 2 s (first redraw), measured here: {served}")
    print(f"estimate for an otherwise idle 2-core machine (derived, not measured): about "
          f"{int(2 * 2.0 / quick_cpu)} slider moves at the same moment get their quick preview within 2 s "
          f"(2 cores × 2 s / {quick_cpu:.2f} CPU-s), and it completes about {2 * 60 / full_cpu:.0f} full redraws a "
          f"minute (2 cores × 60 s / {full_cpu:.2f} CPU-s); assumes the work spreads over both cores (--workers 2)")


if __name__ == "__main__":
    main()
