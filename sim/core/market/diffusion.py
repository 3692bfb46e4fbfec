"""Diffusion (推广): validated solutions spread to further adopters by a Bass process (innovation and
imitation), plus purchases by public adopters that levers pay for; a scenario adopted widely enough
reaches large-scale application. Buyers' caution towards small suppliers' solutions slows both.

Part of :class:`~sim.core.model.ScenarioMarket` (a mixin).
"""

from __future__ import annotations

import numpy as np

from sim.base.rng import KeyedDraws
from sim.base.vocab import State


class Diffusion:
    """Adoption of validated solutions."""

    def price(self, budget) -> np.ndarray:
        """Price one adopter pays for a validated solution (CNY)."""
        return self.params["diffusion.price_share"] * np.asarray(budget)

    def public_remaining(self, scenarios: np.ndarray) -> np.ndarray:
        """Public bodies among the potential adopters who have not adopted yet (approximately)."""
        left = self.scenarios.market[scenarios] - self.scenarios.adopters[scenarios]
        return np.floor(self.scenarios.public_share[scenarios] * left).astype(np.int64)

    def adopt(self, scenarios: np.ndarray, n: np.ndarray, lever_paid: bool = False) -> None:
        """Add ``n`` adopters to each validated scenario. Each adopter pays the price to the scenario's
        supplier (``lever_paid``: a lever has already paid it, e.g. public procurement), who pays the cost
        of delivering it and keeps the margin."""
        n = np.minimum(n, self.scenarios.market[scenarios] - self.scenarios.adopters[scenarios])
        keep = n > 0
        scenarios, n = scenarios[keep], n[keep]
        if len(scenarios) == 0:
            return
        self.scenarios.adopters[scenarios] += n
        margin = self.params["diffusion.margin"]
        revenue = self.price(self.scenarios.budget[scenarios]) * n
        sup = self.scenarios.supplier[scenarios]
        alive = self.suppliers.alive[sup]
        if not lever_paid:  # market buyers pay a supplier still in business
            self.money.to_suppliers("adopters", sup, revenue * alive)
            self.money.from_suppliers("economy", sup, (1.0 - margin) * revenue * alive)
        else:
            self.money.from_suppliers("economy", sup, (1.0 - margin) * revenue)
        paid = margin * revenue * alive
        self._adoptions.append((self.t, scenarios.copy(), n.copy(), paid))
        self.count("adoptions", scenarios, weight=n)

    def adoption_log(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every adoption batch: (month, scenario index, adopters added, revenue kept by its supplier, CNY)."""
        if not self._adoptions:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        log = self._adoptions
        return (np.concatenate([np.full(len(r[1]), r[0]) for r in log]), np.concatenate([r[1] for r in log]),
                np.concatenate([r[2] for r in log]), np.concatenate([r[3] for r in log]))

    def adoption_hazards(self, scenarios: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bass coefficients (per year) for each validated scenario: p plus levers' promotion, and q;
        both scaled down for a small supplier's solution by buyers' caution, which levers may relieve."""
        s, p = self.scenarios, self.params
        extra_p = self.levers.combine("market_hazard", scenarios, n=len(scenarios))
        small = self.kind_newness[self.suppliers.kind[s.supplier[scenarios]]] > 0
        relief = self.levers.combine("buyer_caution_relief", scenarios, n=len(scenarios))
        caution = 1.0 - p["diffusion.small_supplier_factor"]
        factor = 1.0 - small * caution * (1.0 - relief)
        return (p["diffusion.p"] + extra_p) * factor, p["diffusion.q"] * factor

    def diffuse(self) -> None:
        """Validated solutions spread: Bass hazard p + q·A/M per potential adopter, plus procurement."""
        s = self.scenarios
        v = np.flatnonzero(np.isin(s.state, (State.VALIDATED, State.SCALED)) & (s.adopters < s.market))
        if len(v):
            p_eff, q_eff = self.adoption_hazards(v)
            n_market = bass_adoptions(self.draws, "adopt", self.t, s.key[v], s.adopters[v], s.market[v], p_eff, q_eff)
            self.adopt(v, n_market)
            for lever in self.levers.each("adoption_hazard"):  # levers that buy for public adopters (procurement)
                extra = np.broadcast_to(np.asarray(lever.adoption_hazard(v), dtype=float), v.shape)
                if np.any(extra > 0):
                    n_pub = self.public_remaining(v)
                    want = self.draws.binomial(f"adopt_{lever.name}", self.t, s.key[v], n=n_pub,
                                               p=1 - np.exp(-extra / 12.0))
                    self.adopt(v, lever.on_adoptions(v, want), lever_paid=True)
        up = np.flatnonzero((s.state == State.VALIDATED) & (s.adopters >= self.tier_scale[s.tier]))
        s.state[up], s.month_scaled[up] = State.SCALED, self.t
        # a solution proven before the plan may reach large-scale application during it, but the plan did
        # not form it: it is not counted towards the plan's targets (see sim/core/market/initial.py)
        self.count("scaled", up[s.month_solicited[up] >= 0])


def bass_adoptions(draws: KeyedDraws, stream: str, t: int, keys, adopters, market, p: float, q: float,
                   dt_years: float = 1 / 12) -> np.ndarray:
    """New adopters in one step of the mean-field Bass process: each non-adopter adopts with
    probability 1 − exp(−(p + q·A/M)·dt) (FACTS.md, "Docking")."""
    adopters = np.asarray(adopters)
    market = np.asarray(market)
    hazard = p + q * adopters / market
    return draws.binomial(stream, t, keys, n=market - adopters, p=1.0 - np.exp(-hazard * dt_years))
