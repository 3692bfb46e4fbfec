"""Speed of the Hunan baseline: wall time per replicate and supplier-months per second.

Run: python bench/bench_baseline.py [--repeats N] [--case PATH] [--stages] [--baseline DIR --rounds K [--together]]
Prints figures; asserts nothing (tests must pass on a loaded machine; this measures).

With ``--baseline DIR`` (an earlier commit's files, e.g. ``mkdir /tmp/before && git archive <commit> | tar -x
-C /tmp/before``) it then measures that code and this checkout in turns, ``--rounds`` times (baseline first),
each in a fresh process with ``--repeats`` replicates, and prints both medians (wall and CPU time of a
replicate incl. set-up) and their ratio per round: the machine's load weighs on both alike (with
``--together`` the two processes of a round run at the same time, so that they meet the same load). With
``--stages`` it prints where a replicate's CPU time goes, stage by stage of a month.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if "--child-root" in sys.argv:  # a child measuring a checkout in turns (--baseline)
    sys.path.insert(0, sys.argv[sys.argv.index("--child-root") + 1])
else:
    sys.path.insert(0, str(ROOT))  # measure this checkout, not whichever one is installed


def replicates(case, repeats: int) -> dict:
    """Set-up and run ``repeats`` seed-derived replicates; medians of wall and CPU time (after a warm-up),
    and of ``sim.run_one``'s wall time (the same replicate with its tables)."""
    import sim
    from sim.core.model import ScenarioMarket

    ScenarioMarket(case, seed=0).run()  # warm-up (numpy/scipy first-call costs)
    wall, cpu, tables = [], [], []
    for r in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        ScenarioMarket(case, seed=sim.run_seed(1, r)).run()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        t0 = time.perf_counter()
        sim.run_one(case, sim.run_seed(1, r))
        tables.append(time.perf_counter() - t0)
    return {"wall": statistics.median(wall), "cpu": statistics.median(cpu), "tables": statistics.median(tables)}


STAGES = ("begin_month", "open_needs", "screen_needs", "publish_opportunities", "hold_matchmaking", "match", "land",
          "conclude_pilots", "diffuse", "levers_act", "designate_pilot_zones", "settle_suppliers", "withdraw_stale",
          "end_month")  # ScenarioMarket.step, in order


def stages(case, repeats: int) -> None:
    """CPU time per replicate of each stage of a month (``ScenarioMarket.step``), stepped stage by stage."""
    import sim
    from sim.core.model import ScenarioMarket

    assert ScenarioMarket.step.__code__.co_names[-len(STAGES):] == STAGES, "ScenarioMarket.step changed its stages"
    spent = dict.fromkeys(("set-up",) + STAGES, 0.0)
    for r in range(repeats):
        c0 = time.process_time()
        m = ScenarioMarket(case, seed=sim.run_seed(1, r))
        spent["set-up"] += time.process_time() - c0
        while m.t + 1 < m.calendar.n_months:
            for name in STAGES:
                c0 = time.process_time()
                getattr(m, name)()
                spent[name] += time.process_time() - c0
    total = sum(spent.values())
    print(f"CPU time by stage of a month, per replicate (mean of {repeats}; total {total / repeats * 1000:.0f} ms):")
    for name, v in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {name:24s} {v / repeats * 1000:6.1f} ms  {v / total * 100:4.1f} %")


def child(case_path: str, repeats: int) -> None:
    import sim

    print(json.dumps(replicates(sim.load_case(case_path), repeats)))


def in_turns(baseline: str, case_path: str, repeats: int, rounds: int, together: bool = False) -> None:
    """This checkout and ``baseline`` in turns, each round a fresh process for each; ``together``: the
    two processes of a round at the same time (on a shared machine both then meet the same load)."""
    commit = lambda d: subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=d, capture_output=True,  # noqa: E731
                                      text=True).stdout.strip() or "unknown"
    print(f"{'together' if together else 'in turns'}: baseline {baseline} (commit {commit(baseline)}) and this "
          f"checkout (commit {commit(ROOT)}), {rounds} rounds of {repeats} replicates each, medians")
    print("round  load   baseline wall / CPU / with tables    now wall / CPU / with tables    "
          "ratio wall / CPU / with tables (baseline / now)")
    for i in range(rounds):
        cmd = lambda root: [sys.executable, __file__, "--child-root", root, "--case", case_path,  # noqa: E731
                            "--repeats", str(repeats)]
        got = {}
        if together:
            procs = {label: subprocess.Popen(cmd(root), stdout=subprocess.PIPE, text=True)
                     for label, root in (("baseline", baseline), ("now", str(ROOT)))}
            for label, proc in procs.items():
                out, _ = proc.communicate()
                if proc.returncode:
                    raise subprocess.CalledProcessError(proc.returncode, proc.args)
                got[label] = json.loads(out.strip().splitlines()[-1])
        else:
            for label, root in (("baseline", baseline), ("now", str(ROOT))):
                out = subprocess.run(cmd(root), capture_output=True, text=True, check=True)
                got[label] = json.loads(out.stdout.strip().splitlines()[-1])
        b, n = got["baseline"], got["now"]
        print(f"{i + 1:5d}  {os.getloadavg()[0]:5.2f}   {b['wall']:.3f} s / {b['cpu']:.3f} s / {b['tables']:.3f} s     "
              f"{n['wall']:.3f} s / {n['cpu']:.3f} s / {n['tables']:.3f} s    "
              f"{b['wall'] / n['wall']:.2f}× / {b['cpu'] / n['cpu']:.2f}× / {b['tables'] / n['tables']:.2f}×")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--case", default=str(ROOT / "scenarios" / "hunan_2026_2028.toml"))
    ap.add_argument("--baseline", default=None, help="a checkout of earlier code to measure in turns with this one")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the in-turns comparison (--baseline)")
    ap.add_argument("--together", action="store_true",
                    help="with --baseline: run the two processes of a round at the same time, not in turns")
    ap.add_argument("--child-root", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--stages", action="store_true", help="also print the CPU time of each stage of a month")
    args = ap.parse_args()
    if args.child_root:
        child(args.case, args.repeats)
        return

    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    import sim

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    from sim.core.model import ScenarioMarket

    case = sim.load_case(args.case)
    t_model = time.perf_counter() - t0

    ScenarioMarket(case, seed=0).run()  # warm-up (scipy/numpy first-call costs)
    init, step, total, cpu, sm, tables = [], [], [], [], [], []
    for r in range(args.repeats):
        seed = sim.run_seed(1, r)
        c0 = time.process_time()
        t0 = time.perf_counter()
        m = ScenarioMarket(case, seed=seed)
        t1 = time.perf_counter()
        supplier_months = 0
        while m.running:
            m.step()
            supplier_months += int(m.suppliers.alive.sum())
        t2 = time.perf_counter()
        cpu.append(time.process_time() - c0)
        init.append(t1 - t0)
        step.append(t2 - t1)
        total.append(t2 - t0)
        sm.append(supplier_months / (t2 - t0))
        t3 = time.perf_counter()
        sim.run_one(case, seed)
        tables.append(time.perf_counter() - t3)

    rep = statistics.median(total)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average before: {load:.2f}, after: {os.getloadavg()[0]:.2f} (> 0: other processes share the cores)")
    print(f"case: {case.id}, {case.n_months} months, seed-derived replicates: {args.repeats}")
    print(f"import sim:                        {t_import:.2f} s")
    print(f"then the model and the case (incl. mesa, scipy): {t_model:.2f} s")
    print(f"model set-up, median:              {statistics.median(init) * 1000:.0f} ms")
    print(f"stepping to the end, median:       {statistics.median(step) * 1000:.0f} ms")
    print(f"one replicate (set-up + run), median: {rep:.3f} s  (min {min(total):.3f}, max {max(total):.3f})")
    print(f"one replicate, CPU time of this process, median: {statistics.median(cpu):.3f} s  (less sensitive to load)")
    print(f"one replicate with its tables, median: {statistics.median(tables):.3f} s")
    print(f"supplier-months per second, median: {statistics.median(sm):,.0f}")
    print(f"goal (issue 15): one replicate <= 0.1 s -> {'met' if rep <= 0.1 else 'NOT met'}; "
          f"import sim <= 0.5 s -> {'met' if t_import <= 0.5 else 'NOT met'}")
    if args.stages:
        stages(case, args.repeats)
    if args.baseline:
        in_turns(args.baseline, args.case, args.repeats, args.rounds, args.together)


if __name__ == "__main__":
    main()
