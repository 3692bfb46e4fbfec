"""Supplier-months per second of the Hunan model against agent-steps per second of an efficient Mesa
Boltzmann wealth model, side by side in one process.

Run: python bench/bench_boltzmann.py [--repeats N]

The Hunan figure is one replicate (set-up and the 33 months) of the baseline: active suppliers summed
over the months, divided by the wall time (as ``bench/bench_baseline.py``). The Boltzmann figure is
agents × steps divided by the wall time of the steps (set-up excluded, which favours it). The two are
measured in turns, ``--repeats`` times each, and the medians compared, so that the machine's load
weighs on both alike. Goal (issue 15): supplier-months per second ≥ 5 × the Boltzmann agent-steps per
second. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import mesa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's sim, not whichever one is installed
GOAL = 5.0


class MoneyAgent(mesa.Agent):
    """An agent with one unit of wealth to start; each step it gives one unit to a random agent."""

    def __init__(self, model):
        super().__init__(model)
        self.wealth = 1

    def exchange(self):
        if self.wealth > 0:
            other = self.random.choice(self.model.agent_list)
            other.wealth += 1
            self.wealth -= 1


class BoltzmannWealth(mesa.Model):
    """Mesa's Boltzmann wealth model (the introductory tutorial's, without space), written efficiently
    in Mesa 3's style: the agents live in the model's ``AgentSet`` and are activated by
    ``agents.shuffle_do("exchange")`` (Mesa 3's fast path: one shuffle of the set and a method call by
    name per agent, no scheduler); the recipient is drawn from a plain list of the agents kept at set-up
    (indexing an ``AgentSet`` copies its keys, which would make each draw cost O(n)); wealth is a plain
    attribute. The exchange is sequential, as in the tutorial — an agent may pass on a unit received
    earlier in the same step — so it is not vectorised over agents (a simultaneous numpy version would
    be a different model). The Gini coefficient is computed at the end only (no DataCollector each
    step), so the loop is the model's own work."""

    def __init__(self, n: int, seed: int = 0):
        super().__init__(seed=seed)
        MoneyAgent.create_agents(self, n)
        self.agent_list = list(self.agents)

    def step(self):
        self.agents.shuffle_do("exchange")

    def gini(self) -> float:
        w = sorted(a.wealth for a in self.agent_list)
        n, total = len(w), sum(w)
        return 1 + 1 / n - 2 * sum((n - i) * x for i, x in enumerate(w)) / (n * total)


def boltzmann_rate(n: int, steps: int, seed: int) -> float:
    m = BoltzmannWealth(n, seed=seed)
    t0 = time.perf_counter()
    for _ in range(steps):
        m.step()
    dt = time.perf_counter() - t0
    assert 0.0 <= m.gini() < 1.0 and sum(a.wealth for a in m.agent_list) == n  # the model did its work
    return n * steps / dt


def hunan_rate(case, seed: int) -> tuple[float, float, int]:
    from sim.core.model import ScenarioMarket

    t0 = time.perf_counter()
    m = ScenarioMarket(case, seed=seed)
    supplier_months = 0
    while m.running:
        m.step()
        supplier_months += int(m.suppliers.alive.sum())
    dt = time.perf_counter() - t0
    return supplier_months / dt, dt, supplier_months


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--case", default=str(ROOT / "scenarios" / "hunan_2026_2028.toml"))
    args = ap.parse_args()
    import sim

    case = sim.load_case(args.case)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, Mesa {mesa.__version__}; "
          f"commit {commit}; load average before: {os.getloadavg()[0]:.2f}")
    hunan_rate(case, 0)  # warm-up (first-call costs)
    boltzmann_rate(1000, 5, 0)
    sizes = {1000: 200, 10_000: 20}  # agents: steps (200,000 agent-steps each)
    hunan, secs, rates = [], [], {n: [] for n in sizes}
    for r in range(args.repeats):
        h, dt, sm = hunan_rate(case, sim.run_seed(1, r))
        hunan.append(h)
        secs.append(dt)
        for n, steps in sizes.items():
            rates[n].append(boltzmann_rate(n, steps, r))
    h = statistics.median(hunan)
    print(f"Hunan baseline ({case.id}), one replicate incl. set-up, median of {args.repeats}: {statistics.median(secs):.3f} s, "
          f"{h:,.0f} supplier-months/s  (≈{sm:,} supplier-months a replicate)")
    for n, steps in sizes.items():
        b = statistics.median(rates[n])
        ratio = h / b
        print(f"Mesa Boltzmann wealth, {n:>6,} agents × {steps} steps, median: {b:>12,.0f} agent-steps/s   "
              f"ratio Hunan / Boltzmann: {ratio:.2f}×  (goal ≥ {GOAL:.0f}×: {'met' if ratio >= GOAL else 'NOT met'})")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
