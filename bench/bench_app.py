"""The classroom app: slider-to-redraw time, and how many sessions one machine serves within 2 s.

Run: python bench/bench_app.py [--case PATH] [--moves N] [--sessions 1,2,5,10,20,40] [--replicates R]
     [--workers W] [--no-browser] [--classroom 40 --levers A,B --think 2,20 --popular 0.5 --drag 2
     --window 45 --pattern-seed 1] [--compare OTHER_CHECKOUT --repeat 2]

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
   within 2 s. For N <= ``--full-upto`` also: the first drawing to the end of the horizon, the first
   with nothing greyed ("everything redrawn": its market and costs may be the months so far), and the
   first with everything over the whole horizon.

3. A class (``--classroom`` students, 0 skips it), through the same compute layer: each student a
   session moving sliders on an assumed schedule (:func:`classroom_schedule`: the teacher names a
   lever per round, students move it at random moments, many to the same round values, dragging);
   prints the share of moves whose first redraw came within 1 s and 2 s, median, p90, the full sets
   finished within the round, the CPU-seconds the app's processes got, runs and drawings shared.

``--compare OTHER`` runs parts 2 and 3 alternately for another checkout (its directory holding
``sim/``, e.g. a ``git archive`` of an older commit) and this one, each in a fresh process.

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
if "--src" in sys.argv:  # another checkout's app and model (the comparison's "before"; see --compare)
    sys.path.insert(0, sys.argv[sys.argv.index("--src") + 1])
FINAL = "[data-testid=status][data-final='1'][data-busy='0']"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stats():
    """(pid, the fields of /proc/PID/stat after the command name: state ppid pgrp …) of every live process."""
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                yield int(d.name), (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue


def cpu_seconds(fields) -> float:
    """User + system CPU seconds from a process's stat fields."""
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in process group ``pgid``."""
    return sum(cpu_seconds(f) for _, f in proc_stats() if int(f[2]) == pgid)


def server_pgid(cli_pid: int) -> int | None:
    """The solara server is the command's child in a session of its own."""
    return next((int(f[2]) for _, f in proc_stats() if int(f[1]) == cli_pid), None)


def own_cpu_seconds() -> float:
    """User + system CPU seconds of this process and its live children (the app's worker processes)."""
    t = os.times()
    me = os.getpid()
    return t.user + t.system + sum(cpu_seconds(f) for _, f in proc_stats() if int(f[1]) == me)


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
            whole = [None] * n  # the first drawing that reaches the end of the horizon (one replicate or more)
            every = [None] * n  # the first drawing with nothing greyed: targets, scoreboard, costs, market, fiscal
            every_whole = [None] * n  # ... and all of it over the whole horizon (not the months so far)
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
                    if whole[i] is None and o["months"] is None:  # None: the drawing covers the whole horizon
                        whole[i] = now
                    if every[i] is None and not o["stale"]:  # this setting's market and costs too
                        every[i] = now
                    if every_whole[i] is None and not o["stale"] and o["months"] is None and o.get("market_months") is None:
                        every_whole[i] = now
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
                   "whole": whole if full_wanted else None, "every": every if full_wanted else None,
                   "every_whole": every_whole if full_wanted else None,
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


def step_value(ctl, v):
    """``v`` on the slider's steps, inside its range."""
    k = round((min(max(v, ctl.lo), ctl.hi) - ctl.lo) / ctl.step)
    return ctl.snap(round(ctl.lo + k * ctl.step, 10))


def classroom_schedule(args, S, rng) -> list:
    """Per student, the moves of each round: (seconds after the start, parameter, values passed while
    dragging, the value the student stops at). Assumed — uncertain (see docs/benchmarks.md): the teacher
    says "try raising X" at the start of each round (one lever per round, ``--levers``); each student
    moves within ``--think`` seconds (uniform); a share ``--popular`` of students picks one of four
    round values (a quarter, half, three quarters or all of the way from where the slider is to its
    top), the others stop at any step above; a drag passes ``--drag`` values on the way, 0.15 s apart."""
    ctls = {c.name: c for c in S.levers + S.uncertainties}
    lo_t, hi_t = (float(x) for x in args.think.split(","))
    names = args.levers.split(",")
    plan = []
    for _ in range(args.classroom):
        value = {}
        moves = []
        for k, name in enumerate(names):
            c = ctls[name]
            v0 = value.get(name, S.initial[name])
            if rng.random() < args.popular:
                v = step_value(c, v0 + (c.hi - v0) * rng.choice([0.25, 0.5, 0.75, 1.0]))
            else:
                steps = max(1, int(round((c.hi - v0) / c.step)))
                v = step_value(c, v0 + c.step * rng.integers(1, steps + 1))
            on_way = [step_value(c, v0 + (v - v0) * (j + 1) / (args.drag + 1)) for j in range(args.drag)]
            at = k * args.window + rng.uniform(lo_t, hi_t)
            moves.append((at, name, [x for x in on_way if x not in (v0, v)], v))
            value[name] = v
        plan.append(moves)
    return plan


def classroom_part(args) -> dict:
    """``--classroom`` students, each a session as the server has it (one redraw thread per setting, a
    new value cancelling the previous one's thread and starting after it ends, as ``solara.use_thread``
    does), moving sliders on the schedule of :func:`classroom_schedule`."""
    import threading

    import numpy as np

    import sim.app.page as page
    from sim.app.compute import Cancelled

    S = page.Shared({**page.SETTINGS, "case": args.case, "replicates": args.replicates, "quick": 0,
                     "workers": args.workers, "mixes": None})
    plan = classroom_schedule(args, S, np.random.default_rng(args.pattern_seed))
    t0 = time.perf_counter()
    S.warm_up()
    out = {"start": time.perf_counter() - t0, "load_before": os.getloadavg()[0]}
    counts0 = dict(getattr(S.runner, "counts", {}))  # the baseline's runs and the warm-up's drawings
    records = []  # per move the student stopped at: first redraw, full redraw (seconds), months shown
    lock = threading.Lock()
    stop = threading.Event()

    def student(moves):
        values = dict(S.initial)
        latest = {"thread": None, "cancel": None}

        def session_thread(prev, vals, cancel, rec):
            if prev is not None:
                prev.join()
            if latest["thread"] is not threading.current_thread():
                return  # a newer value came while the previous redraw stopped: skipped, as solara does
            start = rec["at"] if rec is not None else None

            def publish(o):
                if rec is None:
                    return
                now = time.perf_counter() - start
                if rec["first"] is None:
                    rec["first"], rec["months"] = now, o["months"]
                if o["final"]:
                    rec["full"] = now

            try:
                page.redraw(S, vals, "en", cancel, publish)
            except Cancelled:
                pass

        def set_value(name, v, record):
            values[name] = v
            if latest["cancel"] is not None:
                latest["cancel"].set()
            cancel = threading.Event()
            rec = None
            if record:
                rec = {"at": time.perf_counter(), "first": None, "full": None, "months": None,
                       "setting": tuple(sorted(values.items()))}
                with lock:
                    records.append(rec)
            th = threading.Thread(target=session_thread, args=(latest["thread"], dict(values), cancel, rec))
            latest["thread"], latest["cancel"] = th, cancel
            th.start()

        for at, name, on_way, v in moves:
            for j, x in enumerate(on_way + [v]):
                delay = go + at + 0.15 * j - time.perf_counter()
                if stop.wait(max(0.0, delay)):
                    break
                set_value(name, x, x == v and j == len(on_way))
        stop.wait(go + len(args.levers.split(",")) * args.window - time.perf_counter())
        if latest["cancel"] is not None:
            latest["cancel"].set()
        if latest["thread"] is not None:
            latest["thread"].join()

    go = time.perf_counter() + 1.0
    cpu0 = own_cpu_seconds()
    threads = [threading.Thread(target=student, args=(m,)) for m in plan]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    out["cpu"], out["wall"] = own_cpu_seconds() - cpu0, time.perf_counter() - go + 1.0
    S.runner.close()
    counts = {k: v - counts0[k] for k, v in S.runner.counts.items()} if counts0 else None
    out.update(records=records, load_after=os.getloadavg()[0], counts=counts,
               distinct=len({r["setting"] for r in records}), moves=len(records), n_months=S.case.n_months)
    return out


def summarise_class(c: dict, window: float) -> list[str]:
    firsts = [r["first"] if r["first"] is not None else float("inf") for r in c["records"]]
    fulls = [r["full"] for r in c["records"] if r["full"] is not None]
    n = len(firsts)
    fin = [x for x in firsts if x != float("inf")]
    lines = [f"{n} moves by {c['students']} students to {c['distinct']} distinct settings "
             f"(load average {c['load_before']:.1f} before, {c['load_after']:.1f} after)",
             f"first redraw: within 1 s {sum(x <= 1 for x in firsts) / n:.0%}, within 2 s "
             f"{sum(x <= 2 for x in firsts) / n:.0%}; median {statistics.median(firsts):.2f} s, p90 "
             f"{quantile(firsts, 0.9):.2f} s, slowest {max(firsts):.2f} s"
             + (f" ({n - len(fin)} never, the round ended first)" if len(fin) < n else ""),
             f"full set within the round ({window:.0f} s): {len(fulls)} of {n} moves"
             + (f", median {statistics.median(fulls):.1f} s, p90 {quantile(fulls, 0.9):.1f} s" if fulls else "")]
    if c.get("cpu") is not None:
        lines.append(f"the app's processes used {c['cpu']:.0f} CPU-seconds in {c['wall']:.0f} s "
                     f"({c['cpu'] / c['wall']:.2f} cores on average; the rest of the machine went to other work)")
    if c.get("counts"):
        k = c["counts"]
        lines.append(f"runs started {k['runs']}; drawings made {k['drawings']}, shared {k['drawings_shared']}")
    return lines


def burst_lines(c: dict) -> list[str]:
    lines = [f"sessions moving at once (load average {c['load_before']:.1f} before, {c['load_after']:.1f} after; "
             f"workers and baseline started in {c['start']:.1f} s)"]
    served = 0
    for row in c["rows"]:
        f = row["first"]
        within = all(x <= 2.0 for x in f)
        if within and row["n"] > served:
            served = row["n"]
        months = [m if m is not None else c["n_months"] for m in row["months"]]
        full = (f"; full redraw median {statistics.median(row['full']):.2f} s, slowest {max(row['full']):.2f} s"
                if row["full"] else "")
        if row.get("every_whole") and all(x is not None for x in row["every_whole"]):
            full = (f"; everything to the end of the horizon median {statistics.median(row['every_whole']):.2f} s, "
                    f"slowest {max(row['every_whole']):.2f} s" + full)
        if row.get("every") and all(x is not None for x in row["every"]):
            full = (f"; everything redrawn (market and costs too, nothing greyed) median "
                    f"{statistics.median(row['every']):.2f} s, slowest {max(row['every']):.2f} s" + full)
        if row.get("whole") and all(x is not None for x in row["whole"]):
            full = (f"; first drawing to the end of the horizon median {statistics.median(row['whole']):.2f} s, "
                    f"slowest {max(row['whole']):.2f} s" + full)
        lines.append(f"  {row['n']:3d} sessions: first redraw median {statistics.median(f):.2f} s, slowest {max(f):.2f} s, "
                     f"within 2 s {sum(x <= 2 for x in f)} (median {statistics.median(months):.0f} months shown){full}; "
                     f"load {row['load'][0]:.1f}{'  (all within 2 s)' if within else ''}")
    lines.append(f"  sessions served with a first redraw within 2 s, measured here: {served}")
    return lines


def child_args(args, src: str | None) -> list[str]:
    """The command line of one measurement in a process of its own (``--compare``)."""
    out = [sys.executable, str(Path(__file__).resolve()), "--no-browser", "--json", "--case", args.case,
           "--sessions", args.sessions, "--full-upto", str(args.full_upto), "--replicates", str(args.replicates),
           "--workers", str(args.workers), "--slider-param", args.slider_param, "--classroom", str(args.classroom),
           "--think", args.think, "--levers", args.levers, "--popular", str(args.popular), "--drag", str(args.drag),
           "--window", str(args.window), "--pattern-seed", str(args.pattern_seed)]
    return out + (["--src", src] if src else [])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", default=str(ROOT / "scenarios" / "hunan_2026_2028.toml"))
    ap.add_argument("--slider", default="Firms per event", help="English label of the slider to move (browser)")
    ap.add_argument("--slider-param", default="matchmaking.firms_per_event", help="the same slider's parameter")
    ap.add_argument("--moves", type=int, default=8)
    ap.add_argument("--sessions", default="1,2,5,10,20,40", help="part 2's rounds ('' skips part 2)")
    ap.add_argument("--full-upto", type=int, default=5, help="rounds up to this many sessions also wait for the full set")
    ap.add_argument("--replicates", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2, help="cores the app's workers use (2: the target machine)")
    ap.add_argument("--no-browser", action="store_true", help="skip part 1 (the real server and browser)")
    ap.add_argument("--classroom", type=int, default=40, help="part 3: students (0 skips part 3)")
    ap.add_argument("--levers", default="matchmaking.firms_per_event,vouchers.budget_cny_per_year",
                    help="part 3: the lever the teacher names in each round")
    ap.add_argument("--think", default="2,20", help="part 3: seconds after the teacher's prompt within which students move")
    ap.add_argument("--popular", type=float, default=0.5, help="part 3: share of students choosing a round value")
    ap.add_argument("--drag", type=int, default=2, help="part 3: values a drag passes before it stops")
    ap.add_argument("--window", type=float, default=45.0, help="part 3: seconds per round")
    ap.add_argument("--pattern-seed", type=int, default=1, help="part 3: the schedule's random seed")
    ap.add_argument("--src", help="measure another checkout's app (its sim package directory's parent)")
    ap.add_argument("--compare", metavar="SRC", help="parts 2 and 3, alternately for checkout SRC and this one, "
                    "each in a process of its own")
    ap.add_argument("--repeat", type=int, default=2, help="with --compare: alternations")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.compare:
        return compare(args)
    from sim.core.case import load_case

    case = load_case(args.case)
    import subprocess as sp

    src = Path(args.src) if args.src else ROOT
    commit = sp.run(["git", "rev-parse", "--short", "HEAD"], cwd=src, capture_output=True, text=True).stdout.strip()
    if args.src and not (src / ".git").exists():  # an exported tree (git archive): its directory's name
        commit = src.name
    if args.json:
        import json

        res = {"commit": commit}
        if args.sessions:
            res["burst"] = compute_part(args)
        if args.classroom:
            res["class"] = {**classroom_part(args), "students": args.classroom}
        print(json.dumps(res, default=str))
        return
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
    if args.sessions:
        c = compute_part(args)
        print("2. compute layer, " + "\n   ".join(burst_lines(c)))
    if args.classroom:
        c = {**classroom_part(args), "students": args.classroom}
        print(f"3. compute layer, a class: {args.classroom} students, {len(args.levers.split(','))} rounds of "
              f"{args.window:.0f} s, moves {args.think} s after each prompt, {args.popular:.0%} to round values, "
              f"{args.drag} values passed per drag")
        print("   " + "\n   ".join(summarise_class(c, args.window)))


def compare(args) -> None:
    """Parts 2 and 3 for checkout ``args.compare`` ("before") and this one ("after"), alternately, each
    measurement in a fresh process (the same schedule: ``--pattern-seed``)."""
    import json

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for k in range(args.repeat):
        for label, src in (("before", args.compare), ("after", None)):
            r = subprocess.run(child_args(args, src), cwd=ROOT, capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"{label}: {r.stderr[-2000:]}")
            res = json.loads(r.stdout.strip().splitlines()[-1])
            print(f"[{k + 1}] {label} (commit {res['commit']}):")
            if "burst" in res:
                print("   " + "\n   ".join(burst_lines(res["burst"])))
            if "class" in res:
                print("   class: " + "\n          ".join(summarise_class(res["class"], args.window)))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
