"""The market at the plan's start (warm start): solutions already proven before the plan.

A province does not start from nothing: before its plan it has scenario lists and products on its
demonstration and first-of-a-kind ("five firsts", 五首) lists, with suppliers that have a track record.
``initial.validated.<tier>`` such solutions are created at set-up (before the first month, so they
count in no flow of the plan): each belongs to an owner drawn in proportion to the owners' opening
rates for the tier, has a domain, city, budget and required readiness drawn as for a new need, and is
supplied by the most ready capability holder in its domain (ties broken by a keyed draw) — who gets
the track record of one validation, as does the owner. Each already has adopters: the pilot site plus
a uniform draw up to ``initial.scale_progress`` × the tier's large-scale threshold; a solution at the
threshold starts in large-scale application. From month 1 these solutions can be bought (procurement)
and spread like any validated one; one that reaches large-scale application during the plan is in
large-scale application from then on, but does not count towards the plan's target (the plan did not
form it) — otherwise an unpublished, assumed stock would decide that target. The counts are uncertain (no public figure for Hunan):
sweep them.

Part of :class:`~sim.core.model.ScenarioMarket` (a mixin).
"""

from __future__ import annotations

import numpy as np

from sim.base.vocab import TIERS, State
from sim.core.market.pilots import P_SUCCEEDED


class InitialStock:
    """Validated solutions, their suppliers and owners, at the plan's start."""

    def _setup_initial_stock(self) -> None:
        p, d = self.params, self.draws
        counts = np.array([p[f"initial.validated.{t}"] for t in TIERS], dtype=np.int64)
        n = int(counts.sum())
        if n == 0:
            return
        tier = np.repeat(np.arange(len(TIERS)), counts)
        key = -(1 + np.arange(n, dtype=np.int64))  # before the plan: negative keys, apart from every need's
        o = self.openers
        weight = self.opening_base[o.kind]  # openers × tiers: who opens such scenarios
        opener = np.array([self._pick(weight[:, k], u) for k, u in zip(tier, d.uniform("init_opener", key))])
        domain, city = self.place_needs(opener, key, "init")
        budget = d.lognormal("init_budget", key, median=self.tier_budget_median[tier], sigma=p["scenario.budget_sigma"])
        required = np.clip(d.normal("init_required", key, loc=self.tier_required[tier], scale=p["scenario.required_sd"]),
                           1, 9)
        # the supplier: the most ready capability holder in the domain (a keyed draw breaks ties)
        caps = self.capabilities
        cap = np.full(n, -1, dtype=np.int64)
        for i in range(n):
            c = caps.in_domain(int(domain[i]))
            if len(c):
                score = caps.readiness[c] + 1e-3 * d.uniform("init_supplier", key[i], caps.supplier[c])
                cap[i] = c[np.argmax(score)]
        has = cap >= 0
        tier, key, opener, domain, city, budget, required, cap = (
            a[has] for a in (tier, key, opener, domain, city, budget, required, cap))
        if len(key) == 0:
            return
        supplier = caps.supplier[cap]
        scale = self.tier_scale[tier]
        extra = np.floor(d.uniform("init_adopters", key) * p["initial.scale_progress"] * scale).astype(np.int64)
        adopters = np.minimum(1 + extra, self.tier_market[tier])
        state = np.where(adopters >= scale, int(State.SCALED), int(State.VALIDATED))
        pil = self.pilots.add(scenario=np.zeros(len(key), np.int64), supplier=supplier, cap=cap,
                              p_success=np.ones(len(key)), status=P_SUCCEEDED)
        idx = self.scenarios.add(key=key, opener=opener, domain=domain, tier=tier, city=city, budget=budget,
                                 required=required, duration=self.tier_duration[tier], market=self.tier_market[tier],
                                 public_share=self.domain_public_share[domain], state=state, supplier=supplier,
                                 pilot=pil, adopters=adopters)
        self.pilots.scenario[pil] = idx
        np.add.at(self.suppliers.n_validated, supplier, 1)
        np.add.at(self.suppliers.n_pilots, supplier, 1)
        np.add.at(self.openers.n_validated, opener, 1)
