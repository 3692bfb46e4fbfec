"""Scaling: time and peak memory of one replicate as the Hunan region grows, openers in proportion.

Run: python bench/bench_scaling.py [--sizes 10000 100000 1000000] [--skip-largest] [--months N]

The region grows by a factor f: the initial suppliers of every kind (``population.startups``, ``smes``,
``leaders``, ``institutes``), the startups' base entry (``population.startup_entry_per_month``), the
openers that are firms (``population.soes``, ``chain_leaders``, ``pilot_bases``) all × f, and — since
departments (one per domain) and city governments (one per city) are fixed by the case's structure —
their opening rates (``opening.gov.*``, ``opening.city.*``) × f, so that needs opened grow in proportion
too. Lever budgets and every other parameter stay the case's. f is chosen so that the initial
suppliers number the size asked for (the Hunan case has 5,218). The registry's bounds on these
parameters (200,000 firms of a kind, 1,000 entrants and 50 needs a month) guard case files against
typing errors; the benchmark lifts them for itself only, by setting the values on the case directly.

With ``--baseline DIR`` (an earlier commit's files, e.g. ``mkdir /tmp/before && git archive <commit> | tar -x -C /tmp/before``)
each size is also run on that code, in turns with this one (baseline first), and the ratio printed: the
machine's load then weighs on both alike. A size whose baseline run is expected to be hopeless can be
left out of the baseline with ``--baseline-max``.

Each size runs in a fresh subprocess (so that its peak RSS, from ``resource.getrusage``, is its own);
the subprocess builds the model and steps it to the end (set-up included in the time). The scaling
exponent is the least-squares slope of log(time) on log(suppliers). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

ROOT = Path(__file__).resolve().parent.parent
if "--root" in sys.argv:  # a child measuring another checkout (--baseline)
    sys.path.insert(0, sys.argv[sys.argv.index("--root") + 1])
else:
    sys.path.insert(0, str(ROOT))  # this checkout's sim, not whichever one is installed
CASE = ROOT / "scenarios" / "hunan_2026_2028.toml"
SUPPLIER_KINDS = ("startups", "smes", "leaders", "institutes")
SCALED_COUNTS = ("soes", "chain_leaders", "pilot_bases")
GOAL_EXPONENT, GOAL_SECONDS, GOAL_GB = 1.1, 60.0, 8.0


def scaled_case(n_suppliers: int, months: int | None = None):
    """The Hunan case grown to ``n_suppliers`` initial suppliers, openers in proportion."""
    import sim
    from sim.core.case import ParamValue

    case = sim.load_case(CASE)
    p = dict(case.params)
    base = sum(p[f"population.{k}"].value for k in SUPPLIER_KINDS)
    f = n_suppliers / base

    def put(name, value):
        p[name] = replace(p[name], value=value, lo=min(p[name].lo, value), hi=max(p[name].hi, value))

    for k in SUPPLIER_KINDS + SCALED_COUNTS:
        put(f"population.{k}", int(round(p[f"population.{k}"].value * f)))
    put("population.startup_entry_per_month", p["population.startup_entry_per_month"].value * f)
    for name in [k for k in p if k.startswith(("opening.gov.", "opening.city."))]:
        put(name, p[name].value * f)
    assert all(isinstance(v, ParamValue) for v in p.values())
    case = replace(case, params=MappingProxyType(p))
    if months is not None:
        case = _shorten(case, months)
    return case, f


def _shorten(case, months: int):
    """The case cut to its first ``months`` months (for a quick look; the figures quoted use the full horizon)."""
    y, m = case.start
    end_index = y * 12 + (m - 1) + months - 1
    return replace(case, end=(end_index // 12, end_index % 12 + 1))


def child(n_suppliers: int, months: int | None, seed: int) -> None:
    """One replicate in this process; prints a JSON line with the figures."""
    t0 = time.perf_counter()
    import sim  # noqa: F401
    from sim.core.model import ScenarioMarket

    t_import = time.perf_counter() - t0
    warm, _ = scaled_case(1000, 2)
    ScenarioMarket(warm, seed=seed).run()  # first-call costs (numpy, scipy) out of the timing
    case, f = scaled_case(n_suppliers, months)
    t0 = time.perf_counter()
    m = ScenarioMarket(case, seed=seed)
    t_setup = time.perf_counter() - t0
    supplier_months = 0
    while m.running:
        m.step()
        supplier_months += int(m.suppliers.alive.sum())
    total = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    print(json.dumps({"n": n_suppliers, "factor": f, "months": case.n_months, "seconds": total, "setup": t_setup,
                      "import": t_import, "rss": rss, "supplier_months": supplier_months,
                      "suppliers_end": int(len(m.suppliers)), "openers": int(len(m.openers)),
                      "scenarios": int(len(m.scenarios))}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                    help="initial suppliers of each run")
    ap.add_argument("--skip-largest", action="store_true", help="leave out the largest size (a quick run)")
    ap.add_argument("--months", type=int, default=None, help="cut the horizon (default: the case's 33 months)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed per size")
    ap.add_argument("--baseline", default=None, help="a checkout of earlier code to measure in turns with this one")
    ap.add_argument("--baseline-max", type=int, default=None, help="largest size to run on the baseline")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--root", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.months, args.seed)
        return

    sizes = sorted(args.sizes)
    if args.skip_largest and len(sizes) > 1:
        sizes = sizes[:-1]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; commit {commit}; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    print("case: hunan_2026_2028 grown with openers in proportion (suppliers, entry, firm openers and "
          "department/city opening rates × f); one replicate per size, each in a fresh process")
    def measure(n, root):
        cmd = [sys.executable, __file__, "--child", str(n), "--seed", str(args.seed), "--root", str(root)]
        if args.months is not None:
            cmd += ["--months", str(args.months)]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, cwd=root)
        except subprocess.TimeoutExpired:
            print(f"{n:>9,} suppliers: did not finish within {args.timeout:.0f} s ({root})")
            return None
        if out.returncode != 0:
            print(f"{n:>9,} suppliers: failed (exit {out.returncode}, {root}): {out.stderr.strip().splitlines()[-1:]}")
            return None
        return json.loads(out.stdout.strip().splitlines()[-1])

    def show(r, label):
        print(f"{label}{r['n']:>9,} suppliers (f = {r['factor']:.1f}; {r['openers']:,} openers, {r['scenarios']:,} needs, "
              f"{r['suppliers_end']:,} suppliers at the end), {r['months']} months: "
              f"{r['seconds']:8.1f} s (set-up {r['setup']:.1f} s)  peak RSS {r['rss'] / 1e9:6.2f} GB  "
              f"{r['supplier_months'] / r['seconds']:,.0f} supplier-months/s  (load {os.getloadavg()[0]:.1f})")

    rows, base_rows = [], []
    if args.baseline:
        bcommit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=args.baseline, capture_output=True,
                                 text=True).stdout.strip()
        print(f"baseline: {args.baseline} (commit {bcommit or 'unknown'}), run in turns with this checkout")
    for n in sizes:
        b = None
        if args.baseline and (args.baseline_max is None or n <= args.baseline_max):
            b = measure(n, args.baseline)
            if b:
                base_rows.append(b)
                show(b, "baseline ")
        r = measure(n, ROOT)
        if r is None:
            continue
        rows.append(r)
        show(r, "now      " if args.baseline else "")
        if b:
            print(f"         speed-up {b['seconds'] / r['seconds']:.1f}×, peak memory {r['rss'] / b['rss']:.2f}× the baseline's")
    if len(base_rows) >= 2:
        import numpy as np

        slope = float(np.polyfit(np.log([r["n"] for r in base_rows]), np.log([r["seconds"] for r in base_rows]), 1)[0])
        print(f"baseline scaling exponent ({len(base_rows)} sizes): {slope:.2f}")
    if len(rows) >= 2:
        import numpy as np

        x = np.log([r["n"] for r in rows])
        y = np.log([r["seconds"] for r in rows])
        slope = float(np.polyfit(x, y, 1)[0])
        print(f"scaling exponent (log-log slope of time on suppliers, {len(rows)} sizes): {slope:.2f}   "
              f"(goal ≤ {GOAL_EXPONENT}: {'met' if slope <= GOAL_EXPONENT else 'NOT met'})")
    big = [r for r in rows if r["n"] >= 1_000_000]
    if big:
        r = big[-1]
        ok_t, ok_m = r["seconds"] <= GOAL_SECONDS, r["rss"] / 1e9 <= GOAL_GB
        print(f"1 M suppliers × {r['months']} months: {r['seconds']:.1f} s (goal ≤ {GOAL_SECONDS:.0f} s: "
              f"{'met' if ok_t else 'NOT met'}), {r['rss'] / 1e9:.2f} GB (goal ≤ {GOAL_GB:.0f} GB: {'met' if ok_m else 'NOT met'})")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
