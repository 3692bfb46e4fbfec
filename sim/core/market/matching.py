"""Matching (对接): suppliers learn of open opportunities (network, platform, events), decide whether to
bid (expected net value against a hurdle, within the cash they will risk), and owners pick among the
bids when a call closes (score with risk aversion towards unproven suppliers; several winners under
racing; suppliers within capacity).

Part of :class:`~sim.core.model.ScenarioMarket` (a mixin).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.base.vocab import State
from sim.core.agents import bid_probability, expected_net_value, owner_score
from sim.core.market.pilots import P_MATCHED
from sim.core.market.population import CAP_KEY


@dataclass
@dataclass
class Pairs:
    """Candidate (supplier, scenario) pairs with what a bid decision needs, as parallel arrays."""

    supplier: np.ndarray  # supplier index
    scenario: np.ndarray  # scenario index
    capability: np.ndarray  # capability index (the supplier's capability in the scenario's domain)
    domain: np.ndarray
    budget: np.ndarray  # pilot budget, CNY
    p_success: np.ndarray
    outlay: np.ndarray  # supplier's own outlay if it lands: cost − opener's payment, CNY

    def __len__(self) -> int:
        return len(self.supplier)

    def take(self, mask) -> Pairs:
        return Pairs(*(getattr(self, f)[mask] for f in ("supplier", "scenario", "capability", "domain", "budget", "p_success", "outlay")))


class Matching:
    """Awareness, bids and owners' choice."""

    def opener_payment(self, scenarios: np.ndarray) -> np.ndarray:
        """What the owner pays a supplier at landing (CNY): its share of the budget times the scenario's
        payment factor, which levers set at publication (0 for a free trial, less for each racer)."""
        return self.params["pilot.opener_share"] * self.scenarios.budget[scenarios] * self.scenarios.pay_factor[scenarios]

    def _make_pairs(self, supplier: np.ndarray, scenario: np.ndarray, capability: np.ndarray) -> Pairs:
        budget = self.scenarios.budget[scenario]
        factor = self.levers.combine("cost_factor", supplier, scenario, n=len(supplier))
        bonus = self.levers.combine("readiness_bonus", supplier, scenario, n=len(supplier))
        cost = budget * self.capabilities.cost_mult[capability] * factor
        outlay = cost - self.opener_payment(scenario)
        p_succ = self.success_prob(np.minimum(self.capabilities.readiness[capability] + bonus, 9.0),
                                   self.scenarios.required[scenario], self.scenarios.tier[scenario])
        return Pairs(supplier, scenario, capability, self.scenarios.domain[scenario], budget, p_succ, outlay)

    def candidate_pairs(self, scenarios: np.ndarray) -> Pairs:
        """Every (capability holder, open scenario) in the same domain, supplier alive with spare capacity."""
        dom = self.scenarios.domain[scenarios]
        counts = self.capabilities.dcount[dom]
        total = int(counts.sum())
        o = np.repeat(scenarios, counts)
        offs = np.repeat(self.capabilities.dstart[dom] - (np.cumsum(counts) - counts), counts) + np.arange(total)
        c = self.capabilities.order[offs]
        s = self.capabilities.supplier[c]
        ok = self.suppliers.alive[s] & (self.suppliers.load[s] < self.kind_capacity[self.suppliers.kind[s]])
        return self._make_pairs(s[ok], o[ok], c[ok])

    def pairs_for(self, suppliers: np.ndarray, scenarios: np.ndarray) -> Pairs:
        """Pairs for given suppliers and scenarios (dropping those without a capability)."""
        c = self.capabilities.find(suppliers, self.scenarios.domain[scenarios])
        ok = c >= 0
        return self._make_pairs(suppliers[ok], scenarios[ok], c[ok])

    def bid_probabilities(self, pairs: Pairs) -> np.ndarray:
        """Chance each supplier bids, given its expected net value with the levers' relief and support,
        and provided its own outlay (net of relief) is within the share of cash it will risk."""
        p = self.params
        n = len(pairs)
        relief = self.levers.combine("bid_relief", pairs, n=n)
        bonus = self.levers.combine("bid_bonus", pairs, n=n)
        relief = np.minimum(relief, np.maximum(pairs.outlay, 0.0))
        ev = expected_net_value(pairs.outlay, relief, bonus, pairs.p_success, p["bid.followon_multiple"], pairs.budget)
        prob = bid_probability(ev / pairs.budget, p["bid.hurdle"], p["bid.temperature"])
        credit = self.levers.combine("credit_line", pairs, n=n) + self.levers.combine("landing_cash", pairs, n=n)
        affordable = np.maximum(pairs.outlay - relief - credit, 0.0) <= p["bid.max_cash_share"] * self.suppliers.cash[pairs.supplier]
        return prob * affordable

    def match(self) -> None:
        """Suppliers learn of open opportunities and bid; each owner picks its best acceptable bid (对接)."""
        open_ = self.open_scenarios()
        if len(open_) == 0:
            return
        d, p, t = self.draws, self.params, self.t
        pairs = self.candidate_pairs(open_)
        skey, okey = self.suppliers.key[pairs.supplier], self.scenarios.key[pairs.scenario]
        via_matchmaking = self.levers.combine("aware_pairs", pairs, n=len(pairs))
        aware = via_matchmaking | (d.uniform("network", t, skey, okey) < p["supply.network_awareness"])
        pairs, via_matchmaking = pairs.take(aware), via_matchmaking[aware]
        if len(pairs) == 0:
            return
        self.levers.notify("on_aware", pairs)
        skey, okey = self.suppliers.key[pairs.supplier], self.scenarios.key[pairs.scenario]
        fresh = ~np.isin(pairs.supplier * CAP_KEY + pairs.scenario, self._pending)  # one bid per supplier and call
        bids = fresh & (d.uniform("bid", t, skey, okey) < self.bid_probabilities(pairs))
        self.serve(pairs.supplier[bids & via_matchmaking])  # a bid through the list or an event is a matchmaking service
        self._pending = np.union1d(self._pending, pairs.supplier[bids] * CAP_KEY + pairs.scenario[bids])
        self._close_calls()

    def _close_calls(self) -> None:
        """Calls whose window ends this month: the owner picks among all bids received."""
        s = self.scenarios
        call = self.params["selection.call_months"]
        open_ = self.open_scenarios()
        closing = open_[(self.t - s.month_published[open_]) % call == call - 1]
        if len(closing) == 0 or len(self._pending) == 0:
            return
        bid_o = self._pending % CAP_KEY
        due = np.isin(bid_o, closing)
        bid_s = self._pending[due] // CAP_KEY
        self._pending = self._pending[~due]
        bids = self.pairs_for(bid_s, bid_o[due])
        ok = self.suppliers.alive[bids.supplier] & (self.suppliers.load[bids.supplier] < self.kind_capacity[self.suppliers.kind[bids.supplier]])
        if ok.any():
            self._award(bids.take(ok))

    def risk_aversion(self, scenarios: np.ndarray) -> np.ndarray:
        """Owners' risk aversion towards unproven small suppliers, per scenario (levers may lower it)."""
        ra = self.opener_risk[self.openers.kind[self.scenarios.opener[scenarios]]]
        return self.levers.combine("risk_aversion_multiplier", scenarios, start=ra)

    def race_size(self, scenarios: np.ndarray) -> np.ndarray:
        """How many suppliers each scenario's owner lets pilot it (1, or more under racing; at most a
        challenge call's cap on winners)."""
        size = self.levers.combine("race_size", scenarios, n=len(scenarios))
        return self.levers.combine("winners_cap", scenarios, start=size)

    def _award(self, bids: Pairs) -> None:
        """Owners score bids and pick the best (several under racing); suppliers keep within capacity."""
        p, t = self.params, self.t
        skey, okey = self.suppliers.key[bids.supplier], self.scenarios.key[bids.scenario]
        seen = self.capabilities.readiness[bids.capability] + self.draws.normal("perceive", t, skey, okey, scale=p["owner.perception_sd"])
        newness = self.kind_newness[self.suppliers.kind[bids.supplier]] * (self.suppliers.n_validated[bids.supplier] == 0)
        score = owner_score(seen, self.scenarios.required[bids.scenario], self.suppliers.n_validated[bids.supplier], p["owner.record_bonus"],
                            self.risk_aversion(bids.scenario), newness)
        score = score + self.levers.combine("award_score", bids, score, n=len(bids))  # challenge calls: entrants, consortia
        ok = score >= p["owner.min_score"]
        bids, score = bids.take(ok), score[ok]
        if len(bids) == 0:
            return
        order = np.lexsort((-score, bids.scenario))  # by scenario, best first
        so = bids.scenario[order]
        rank_in_scenario = np.arange(len(order)) - np.searchsorted(so, so, side="left")
        win = order[rank_in_scenario < self.race_size(so)]
        # capacity: a supplier chosen by several owners takes its best-scored ones
        win = win[np.argsort(-score[win], kind="stable")]
        ws = bids.supplier[win]
        rank_order = np.argsort(ws, kind="stable")
        sorted_s = ws[rank_order]
        starts = np.searchsorted(sorted_s, sorted_s, side="left")
        rank = np.empty(len(win), dtype=np.int64)
        rank[rank_order] = np.arange(len(win)) - starts
        free = self.kind_capacity[self.suppliers.kind[ws]] - self.suppliers.load[ws]
        win = win[rank < free]
        win = win[np.lexsort((-score[win], bids.scenario[win]))]  # by scenario, best first
        w = bids.take(win)
        pil = self.pilots.add(scenario=w.scenario, supplier=w.supplier, cap=w.capability, month_matched=t,
                           month_land=t + p["pilot.contract_months"], p_success=w.p_success, outlay=w.outlay,
                           status=P_MATCHED)
        s = self.scenarios
        first = np.unique(w.scenario, return_index=True)[1]  # the best-scored winner leads the scenario
        o1 = w.scenario[first]
        s.state[o1], s.month_matched[o1], s.supplier[o1], s.pilot[o1] = State.MATCHED, t, w.supplier[first], pil[first]
        np.add.at(self.suppliers.load, w.supplier, 1)
        self.count("matched", o1)
        self.levers.notify("on_matched", pil)

    def serve(self, suppliers: np.ndarray) -> None:
        """Record matchmaking services to suppliers (each one a service); count each firm as served
        once per calendar year."""
        self.recorder.count(self.t, "services", len(suppliers), city=self.suppliers.city[suppliers])
        s = np.unique(suppliers)
        s = s[self.suppliers.served_year[s] != self.year]
        self.suppliers.served_year[s] = self.year
        self.recorder.count(self.t, "served", len(s), city=self.suppliers.city[s])
