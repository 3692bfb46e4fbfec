"""The classroom app: slider-to-redraw time, and how many sessions one machine serves within 2 s.

Run: python bench/bench_app.py [--case PATH] [--moves N] [--sessions 1,2,5,10,20,40] [--replicates R]
     [--workers W] [--no-browser]

1. Through the real server and a real browser: starts ``scensim app`` on a free port and drives it
   with Debian's chromium (Playwright) on the same machine (the browser's CPU counts against the
   server: conservative). One session moves a slider ``--moves`` times, one step each (every value
   new, so nothing comes from the cache), waiting for the full redraw in between; prints the time
   from the key press to the first redraw (the first drawing of the new setting, provisional) and to
   the full set, median and p90, and how far the first drawing had come (months, runs).
2. Through the app's compute layer (``sim.app.page.redraw`` with the server's shared runner and its
   worker processes, one thread per session as the server has; no browser — 40 browsers on the
   serving machine would measure the browsers): N sessions each move a slider at the same moment, to
   values nobody computed; per N the median and slowest time to the first redraw (and to the full
   set for N <= ``--full-upto``; larger rounds are cancelled once every session has its first
   drawing, as students moving on would). "Served within 2 s" = every session saw its first redraw
   within 2 s.

The machine's load average is printed with each part: other work on the machine slows everything.
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


def status(page) -> dict:
    st = page.locator("[data-testid=status]")
    return {"months": st.get_attribute("data-months"), "runs": st.get_attribute("data-runs")} if st.count() else {}


def move_and_time_browser(page, slider, key, timeout=600.0):
    """Press ``key``; seconds to the first redraw (targets chart changed) and to the full set, and the
    status the first redraw showed."""
    before = targets_src(page)
    slider.press(key)
    start = time.perf_counter()
    first = seen = None
    deadline = start + timeout
    while time.perf_counter() < deadline:
        src = targets_src(page)
        now = time.perf_counter()
        if first is None and src != before:
            first, seen = now - start, status(page)
        if first is not None and page.locator(FINAL).count():
            return first, now - start, seen
        time.sleep(0.03)
    raise SystemExit("no redraw within the timeout")


def browser_part(args) -> dict:
    from tests.browser import launch

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    cli = subprocess.Popen([sys.executable, "-m", "sim.cli", "app", "--case", args.case, "--port", str(port),
                            "--lang", "en", "--replicates", str(args.replicates), "--workers", str(args.workers)],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    out = {"load_before": os.getloadavg()[0]}
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
        with launch() as browser:
            page = open_page(browser, url)
            out["first_page"] = time.perf_counter() - t0
            slider = page.get_by_role("slider", name=args.slider, exact=True)
            slider.focus()
            if slider.get_attribute("aria-valuenow") != slider.get_attribute("aria-valuemin"):
                move_and_time_browser(page, slider, "Home")  # untimed: start from the bottom of the range
            firsts, fulls, seen = [], [], []
            for _ in range(args.moves):
                f, g, st = move_and_time_browser(page, slider, "ArrowRight")
                firsts.append(f)
                fulls.append(g)
                seen.append(st)
                print(f"move: first {f:.2f} s {st}, full {g:.2f} s", file=sys.stderr, flush=True)
            page.context.close()
    finally:
        os.killpg(cli.pid, signal.SIGINT)
        try:
            cli.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(cli.pid, signal.SIGKILL)
    out.update(firsts=firsts, fulls=fulls, seen=seen, load_after=os.getloadavg()[0])
    return out


def compute_part(args) -> dict:
    """N sessions moving at once, through ``sim.app.page.redraw`` and the shared runner."""
    import threading

    import sim.app.page as page
    from sim.app.compute import Cancelled

    S = page.Shared({**page.SETTINGS, "case": args.case, "replicates": args.replicates, "quick": 0,
                     "workers": args.workers, "mixes": None})
    name = args.slider_param
    ctl = next(c for c in S.levers + S.uncertainties if c.name == name)
    t0 = time.perf_counter()
    S.warm_up()  # as the server does when it starts
    out = {"start": time.perf_counter() - t0, "rows": [], "load_before": os.getloadavg()[0]}
    used = [0]

    def fresh():  # a value nobody computed: the slider's range, stepped finely, each value once
        used[0] += 1
        return ctl.snap(ctl.lo + (ctl.hi - ctl.lo) * ((used[0] * 0.6180339887) % 1.0))

    try:
        for n in [int(x) for x in args.sessions.split(",")]:
            full_wanted = n <= args.full_upto
            first, full, months = [None] * n, [None] * n, [None] * n
            cancels = [threading.Event() for _ in range(n)]
            go = threading.Barrier(n + 1)

            settings = [{**S.initial, name: fresh()} for _ in range(n)]

            def session(i):
                values = settings[i]
                go.wait()
                start = time.perf_counter()

                def publish(o):
                    now = time.perf_counter() - start
                    if first[i] is None:
                        first[i], months[i] = now, o["months"]
                    if o["final"]:
                        full[i] = now
                    if not full_wanted and all(x is not None for x in first):
                        for c in cancels:
                            c.set()

                try:
                    page.redraw(S, values, "en", cancels[i], publish)
                except Cancelled:
                    pass

            threads = [threading.Thread(target=session, args=(i,)) for i in range(n)]
            for th in threads:
                th.start()
            load0 = os.getloadavg()[0]
            go.wait()
            for th in threads:
                th.join()
            row = {"n": n, "first": first, "full": full if full_wanted else None, "months": months,
                   "load": (load0, os.getloadavg()[0])}
            out["rows"].append(row)
            print(f"{n} sessions: first {[round(x, 2) for x in first]}, full {full if full_wanted else '-'}",
                  file=sys.stderr, flush=True)
            time.sleep(2)  # cancelled runs stop at their next month
    finally:
        S.runner.close()
    out["load_after"] = os.getloadavg()[0]
    out["n_months"] = S.case.n_months
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", default=str(ROOT / "scenarios" / "hunan_2026_2028.toml"))
    ap.add_argument("--slider", default="Firms per event", help="English label of the slider to move (browser)")
    ap.add_argument("--slider-param", default="matchmaking.firms_per_event", help="the same slider's parameter")
    ap.add_argument("--moves", type=int, default=8)
    ap.add_argument("--sessions", default="1,2,5,10,20,40")
    ap.add_argument("--full-upto", type=int, default=5, help="rounds up to this many sessions also wait for the full set")
    ap.add_argument("--replicates", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2, help="cores the app's workers use (2: the target machine)")
    ap.add_argument("--no-browser", action="store_true", help="skip part 1 (the real server and browser)")
    args = ap.parse_args()
    from sim.core.case import load_case

    case = load_case(args.case)
    import subprocess as sp

    commit = sp.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; commit {commit}")
    print(f"case: {case.id} ({case.n_months} months); full set {args.replicates} replicates; app workers on "
          f"{args.workers} cores")
    if not args.no_browser:
        b = browser_part(args)
        print(f"1. real server and chromium on this machine (load average {b['load_before']:.1f} before, "
              f"{b['load_after']:.1f} after); first page with the baseline after {b['first_page']:.1f} s")
        print(f"   slider to first redraw, {len(b['firsts'])} moves: median {statistics.median(b['firsts']):.2f} s, "
              f"p90 {quantile(b['firsts'], 0.9):.2f} s")
        months = [int(s["months"]) if s.get("months") else case.n_months for s in b["seen"]]
        print(f"   the first redraw covered a median {statistics.median(months):.0f} of {case.n_months} months "
              f"(provisional: the quick replicate part-way or finished)")
        print(f"   slider to full redraw ({args.replicates} replicates): median {statistics.median(b['fulls']):.2f} s, "
              f"p90 {quantile(b['fulls'], 0.9):.2f} s")
    c = compute_part(args)
    print(f"2. compute layer, sessions moving at once (load average {c['load_before']:.1f} before, "
          f"{c['load_after']:.1f} after; workers and baseline started in {c['start']:.1f} s)")
    served = 0
    for row in c["rows"]:
        f = row["first"]
        within = all(x <= 2.0 for x in f)
        if within and row["n"] > served:
            served = row["n"]
        months = [m if m is not None else c["n_months"] for m in row["months"]]
        full = (f"; full redraw median {statistics.median(row['full']):.2f} s, slowest {max(row['full']):.2f} s"
                if row["full"] else "")
        print(f"   {row['n']:3d} sessions: first redraw median {statistics.median(f):.2f} s, slowest {max(f):.2f} s "
              f"(median {statistics.median(months):.0f} months shown){full}; load {row['load'][0]:.1f}"
              f"{'  (all within 2 s)' if within else ''}")
    print(f"   sessions served with a first redraw within 2 s, measured here: {served}")


if __name__ == "__main__":
    main()
