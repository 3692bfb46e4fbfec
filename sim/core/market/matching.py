"""Matching (对接): suppliers learn of open opportunities (network, platform, events), price their bid
and decide whether to make it (expected net value at that price against a hurdle, within the cash they
will risk), and owners pick among the bids when a call closes by the case's procurement rule (lowest
price, or comprehensive scoring of price, readiness and track record with risk aversion towards unproven
suppliers; several winners under racing; suppliers within capacity). Prices, rules and suppliers'
expectations are in :mod:`sim.core.market.pricing`.

**Awareness, sampled rather than enumerated.** A supplier can learn of an open opportunity in a domain
where it holds a capability, while it is alive with spare capacity, by two routes: its own network, with
probability ``supply.network_awareness`` a month for each such pair, independently (assumed —
uncertain); and the levers' channels (hook ``aware_pairs``: the platform, events, attraction), which all
work through the capability list (场景能力清单) — the platform shows opportunities to registered
suppliers, events register their attendees, attracted firms are registered — so only pairs of
registered suppliers count through them. Neither route is enumerated pair by pair (a region with S
capabilities and O open opportunities has S × O pairs a month, of which a few per cent become aware):
per open opportunity, the aware positions in its domain's capability list are drawn by geometric skips
(:func:`~sim.base.rng.bernoulli_positions`), each pair kept independently with the network
probability, at a cost proportional to the pairs kept; each lever's channel *adds* the (scenario,
capability) pairs it makes aware — the platform by the same skips over the registered part of the list
with probability ``matchmaking.platform_reach``, an event's attendees with the open opportunities of its
domain, an attracted firm with the one it came for. Only aware pairs are priced.

The random stream changed with this, route by route (issue 15): network draws are keyed by (month,
opportunity, skip number) instead of (month, supplier, opportunity), and so, later, are the platform's
(stream ``platform``, over the registered capabilities); every pair's probability of awareness is
unchanged (``tests/test_matching.py``), and so is the distribution of every outcome
(``tests/test_stream_equivalence.py``). A supplier's awareness is still a function of the seed and its
position in its domain's capability list (for the platform: the registered part of it), which entrants
extend at the end: twin runs share it for every supplier they share up to the first entrant (or, for
the platform, registration) that differs.

Part of :class:`~sim.core.model.ScenarioMarket` (a mixin).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.base.rng import bernoulli_positions
from sim.base.sets import in_sorted
from sim.base.vocab import State
from sim.core.agents import bid_probability, expected_net_value, owner_score
from sim.core.market.pilots import P_MATCHED
from sim.core.market.population import CAP_KEY
from sim.core.market.pricing import ask_price, markup_share, rank_keys, reservation_price

CapList = tuple[np.ndarray, np.ndarray, np.ndarray]  # capability indices by domain, counts, starts
CANDIDATE_FIELDS = ("supplier", "scenario", "capability", "domain")
FIELDS = ("supplier", "scenario", "capability", "domain", "budget", "p_success", "outlay", "price", "followon")


@dataclass
class Candidates:
    """(supplier, open scenario) pairs not yet priced: the aware pairs of a month, before pricing."""

    supplier: np.ndarray
    scenario: np.ndarray
    capability: np.ndarray
    domain: np.ndarray

    def __len__(self) -> int:
        return len(self.supplier)

    def take(self, mask) -> Candidates:
        return Candidates(self.supplier[mask], self.scenario[mask], self.capability[mask], self.domain[mask])


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
    price: np.ndarray  # the price the supplier asks the owner, CNY (the owner pays it × the pay factor)
    followon: np.ndarray  # follow-on value the supplier expects from a validated pilot, × budget

    def __len__(self) -> int:
        return len(self.supplier)

    def take(self, mask) -> Pairs:
        return Pairs(*(getattr(self, f)[mask] for f in FIELDS))


class Matching:
    """Awareness, bids and owners' choice."""

    def price_ceiling(self, scenarios: np.ndarray) -> np.ndarray:
        """The most an owner will pay for a scenario's pilot (最高限价, CNY): its share of the budget."""
        return self.params["pilot.opener_share"] * self.scenarios.budget[scenarios]

    def opener_payment(self, scenarios: np.ndarray, price: np.ndarray) -> np.ndarray:
        """What the owner pays a supplier at landing (CNY): the agreed price times the scenario's payment
        factor, which levers set at publication (0 for a free trial, less for each racer)."""
        return np.asarray(price) * self.scenarios.pay_factor[scenarios]

    def followon_expected(self, scenarios: np.ndarray) -> np.ndarray:
        """Follow-on value (× budget) suppliers now expect from a validated pilot of each scenario."""
        s = self.scenarios
        return self.market_beliefs.followon[s.domain[scenarios], s.tier[scenarios]]

    def _make_pairs(self, supplier: np.ndarray, scenario: np.ndarray, capability: np.ndarray) -> Pairs:
        budget = self.scenarios.budget[scenario]
        factor = self.levers.combine("cost_factor", supplier, scenario, n=len(supplier))
        bonus = self.levers.combine("readiness_bonus", supplier, scenario, n=len(supplier))
        cost = budget * self.capabilities.cost_mult[capability] * factor
        p_succ = self.success_prob(np.minimum(self.capabilities.readiness[capability] + bonus, 9.0),
                                   self.scenarios.required[scenario], self.scenarios.tier[scenario])
        followon = self.followon_expected(scenario)
        price = self.ask(supplier, scenario, cost, p_succ, followon)
        outlay = cost - self.opener_payment(scenario, price)
        return Pairs(supplier, scenario, capability, self.scenarios.domain[scenario], budget, p_succ, outlay, price,
                     followon)

    def ask(self, supplier, scenario, cost, p_success, followon) -> np.ndarray:
        """The price each supplier asks (see :mod:`sim.core.market.pricing`): its reservation price plus
        a margin that shrinks with the bidders it expects and with its idle capacity, within the ceiling."""
        kind = self.suppliers.kind[supplier]
        idle = 1.0 - self.suppliers.load[supplier] / np.maximum(self.kind_capacity[kind], 1)
        markup = markup_share(self.market_beliefs.bidders[self.scenarios.domain[scenario]], idle,
                              self.params["bid.need_discount"])
        reserve = reservation_price(cost, p_success, followon, self.scenarios.budget[scenario])
        return ask_price(reserve, self.price_ceiling(scenario), markup)

    def available(self, suppliers: np.ndarray) -> np.ndarray:
        """Whether each supplier can take on a pilot: alive, with spare capacity."""
        sup = self.suppliers
        return sup.alive[suppliers] & (sup.load[suppliers] < self.kind_capacity[sup.kind[suppliers]])

    def _enumerate(self, scenarios: np.ndarray, caps: CapList) -> Candidates:
        """Every (capability in ``caps``, scenario) in the same domain; ``caps``: capability indices
        sorted by domain, with their per-domain counts and starts."""
        order, dcount, dstart = caps
        dom = self.scenarios.domain[scenarios]
        counts = dcount[dom]
        total = int(counts.sum())
        o = np.repeat(scenarios, counts)
        offs = np.repeat(dstart[dom] - (np.cumsum(counts) - counts), counts) + np.arange(total)
        c = order[offs]
        return Candidates(self.capabilities.supplier[c], o, c, np.repeat(dom, counts))

    def _capability_list(self, keep: np.ndarray | None = None) -> CapList:
        """The capabilities sorted by domain (those where ``keep``, a mask over that order, if given)."""
        cap = self.capabilities
        if keep is None:
            return cap.order, cap.dcount, cap.dstart
        order = cap.order[keep]
        dcount = np.bincount(cap.domain[order], minlength=self.n_domains)
        return order, dcount, np.cumsum(dcount) - dcount

    def candidate_pairs(self, scenarios: np.ndarray) -> Pairs:
        """Every (capability holder, open scenario) in the same domain, supplier alive with spare capacity,
        priced (enumerated: for tests and analyses of the whole set; :meth:`match` samples instead)."""
        pairs = self._enumerate(scenarios, self._capability_list())
        pairs = pairs.take(self.available(pairs.supplier))
        return self._make_pairs(pairs.supplier, pairs.scenario, pairs.capability)

    def sample_awareness(self, scenarios: np.ndarray) -> tuple[Candidates, np.ndarray]:
        """This month's aware (supplier, open scenario) pairs, unpriced, by scenario then supplier, and
        whether each came through a lever's channel (a matchmaking service). See the module docstring."""
        d, cap = self.draws, self.capabilities
        dom = self.scenarios.domain[scenarios]
        g, pos = bernoulli_positions(d, "network", self.t, self.scenarios.key[scenarios], cap.dcount[dom],
                                     self.params["supply.network_awareness"])
        c = cap.order[cap.dstart[dom[g]] + pos]
        net = Candidates(cap.supplier[c], scenarios[g], c, dom[g])
        net = net.take(self.available(net.supplier))
        listed = [net.take(np.zeros(len(net), dtype=bool))]
        channels = self.levers.each("aware_pairs")
        if channels:
            sup = self.suppliers
            # the list: registered suppliers available (as ``available``), judged once per supplier and
            # read at each capability (not judged capability by capability: ~10,000 of them a month)
            on_list = sup.registered & self.available(np.arange(len(sup)))
            caps = self._capability_list(on_list[cap.supplier[cap.order]])
            for lever in channels:  # each channel adds the pairs it makes aware (never list × open)
                got = lever.aware_pairs(scenarios, caps)
                if got is None:
                    continue
                o, c = got
                sup = cap.supplier[c]
                ok = self.suppliers.registered[sup] & self.available(sup)  # only the capability list
                listed.append(Candidates(sup[ok], o[ok], c[ok], self.scenarios.domain[o[ok]]))
        listed = Candidates(*(np.concatenate([getattr(x, f) for x in listed]) for f in CANDIDATE_FIELDS))
        both = Candidates(*(np.concatenate([getattr(net, f), getattr(listed, f)]) for f in CANDIDATE_FIELDS))
        code = both.scenario.astype(np.int64) * CAP_KEY + both.supplier
        _, first, pair_of = np.unique(code, return_index=True, return_inverse=True)  # by scenario, then supplier
        via_list = np.zeros(len(first), dtype=bool)  # a pair any channel made aware (an entry past the network's)
        via_list[pair_of[len(net):]] = True
        return both.take(first), via_list

    def pairs_for(self, suppliers: np.ndarray, scenarios: np.ndarray) -> Pairs:
        """Pairs for given suppliers and scenarios (dropping those without a capability)."""
        c = self.capabilities.find(suppliers, self.scenarios.domain[scenarios])
        ok = c >= 0
        return self._make_pairs(suppliers[ok], scenarios[ok], c[ok])

    def bid_values(self, pairs: Pairs) -> tuple[np.ndarray, np.ndarray]:
        """Each pair's expected net value of winning at its asked price, as a share of the budget (the
        levers' relief and support included, follow-on at the supplier's current expectation), and
        whether its own outlay (net of relief and credit) is within the share of cash it will risk."""
        p = self.params
        n = len(pairs)
        relief = self.levers.combine("bid_relief", pairs, n=n)
        bonus = self.levers.combine("bid_bonus", pairs, n=n)
        relief = np.minimum(relief, np.maximum(pairs.outlay, 0.0))
        ev = expected_net_value(pairs.outlay, relief, bonus, pairs.p_success, pairs.followon, pairs.budget)
        credit = self.levers.combine("credit_line", pairs, n=n) + self.levers.combine("landing_cash", pairs, n=n)
        affordable = np.maximum(pairs.outlay - relief - credit, 0.0) <= p["bid.max_cash_share"] * self.suppliers.cash[pairs.supplier]
        return ev / pairs.budget, affordable

    def bid_probabilities(self, pairs: Pairs) -> np.ndarray:
        """Chance each supplier bids: logistic in its expected net value (share of budget) around the
        hurdle, with its own temperature (noise apart from the hurdle, so that a clearly loss-making bid
        is almost never made), provided it can afford its outlay."""
        value, affordable = self.bid_values(pairs)
        return bid_probability(value, self.params["bid.hurdle"], self.params["bid.temperature"]) * affordable

    def match(self) -> None:
        """Suppliers learn of open opportunities and bid; each owner picks its best acceptable bid (对接)."""
        self.market_beliefs.update_followon(self)
        open_ = self.open_scenarios()
        if len(open_) == 0:
            return
        d, t = self.draws, self.t
        aware, via_matchmaking = self.sample_awareness(open_)
        pairs = self._make_pairs(aware.supplier, aware.scenario, aware.capability)
        if len(pairs) == 0:
            self._close_calls()  # calls due this month close on the bids already made
            return
        self.levers.notify("on_aware", pairs)
        skey, okey = self.suppliers.key[pairs.supplier], self.scenarios.key[pairs.scenario]
        fresh = ~in_sorted(pairs.supplier * CAP_KEY + pairs.scenario, self._pending)  # one bid per supplier and call
        bids = fresh & (d.uniform("bid", t, skey, okey) < self.bid_probabilities(pairs))
        self.serve(pairs.supplier[bids & via_matchmaking])  # a bid through the list or an event is a matchmaking service
        self.count("bids", pairs.scenario[bids])
        self._remember_prices(pairs.supplier[bids] * CAP_KEY + pairs.scenario[bids], pairs.price[bids])
        self._pending = np.union1d(self._pending, pairs.supplier[bids] * CAP_KEY + pairs.scenario[bids])  # kept sorted
        self._close_calls()

    def _remember_prices(self, codes: np.ndarray, prices: np.ndarray) -> None:
        """Keep the price of each bid made (a bid is not re-priced before its call closes)."""
        keep = in_sorted(self._bid_codes, self._pending)  # forget bids no longer pending
        codes, prices = np.concatenate([self._bid_codes[keep], codes]), np.concatenate([self._bid_prices[keep], prices])
        order = np.argsort(codes, kind="stable")
        self._bid_codes, self._bid_prices = codes[order], prices[order]

    def _bid_pairs(self, suppliers: np.ndarray, scenarios: np.ndarray) -> Pairs:
        """The pending bids of ``suppliers`` for ``scenarios`` at the prices they were made at."""
        bids = self.pairs_for(suppliers, scenarios)
        if len(self._bid_codes) == 0 or len(bids) == 0:
            return bids
        codes = bids.supplier * CAP_KEY + bids.scenario
        i = np.minimum(np.searchsorted(self._bid_codes, codes), len(self._bid_codes) - 1)
        known = self._bid_codes[i] == codes
        cost = bids.outlay + self.opener_payment(bids.scenario, bids.price)
        bids.price = np.where(known, self._bid_prices[i], bids.price)
        bids.outlay = cost - self.opener_payment(bids.scenario, bids.price)
        return bids

    def _close_calls(self) -> None:
        """Calls whose window ends this month: the owner picks among all bids received."""
        s = self.scenarios
        call = self.params["selection.call_months"]
        open_ = self.open_scenarios()
        closing = open_[(self.t - s.month_published[open_]) % call == call - 1]
        if len(closing) == 0:
            return
        bid_o = self._pending % CAP_KEY
        due = in_sorted(bid_o, closing)  # closing: sorted (a subset of open_scenarios)
        self._observe_competition(closing, bid_o[due])
        if not due.any():
            return
        bid_s = self._pending[due] // CAP_KEY
        self._pending = self._pending[~due]
        bids = self._bid_pairs(bid_s, bid_o[due])
        ok = self.suppliers.alive[bids.supplier] & (self.suppliers.load[bids.supplier] < self.kind_capacity[self.suppliers.kind[bids.supplier]])
        if ok.any():
            self._award(bids.take(ok))

    def _observe_competition(self, closing: np.ndarray, bid_scenarios: np.ndarray) -> None:
        """Suppliers see how many bids each closing call drew (calls without bids included) and update
        the bidders they expect per call in its domain."""
        dom = self.scenarios.domain
        calls = np.bincount(dom[closing], minlength=self.n_domains).astype(float)
        bids = np.bincount(dom[bid_scenarios], minlength=self.n_domains).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.market_beliefs.update_bidders(np.where(calls > 0, bids / calls, np.nan))

    def risk_aversion(self, scenarios: np.ndarray) -> np.ndarray:
        """Owners' risk aversion towards unproven small suppliers, per scenario (levers may lower it)."""
        ra = self.opener_risk[self.openers.kind[self.scenarios.opener[scenarios]]]
        return self.levers.combine("risk_aversion_multiplier", scenarios, start=ra)

    def race_size(self, scenarios: np.ndarray) -> np.ndarray:
        """How many suppliers each scenario's owner lets pilot it (1, or more under racing; at most a
        challenge call's cap on winners)."""
        size = self.levers.combine("race_size", scenarios, n=len(scenarios))
        return self.levers.combine("winners_cap", scenarios, start=size)

    def owner_choice(self, bids: Pairs) -> tuple[Pairs, np.ndarray]:
        """The qualified bids and what their owners maximise, by the case's procurement rule.

        Each owner judges a bid's readiness with error, adds the track record and subtracts its risk
        aversion towards an unproven supplier (:func:`~sim.core.agents.owner_score`); bids below the
        owner's reservation score do not qualify (under either rule: the substantive requirements).
        Among the qualified, the lowest price wins under ``selection.lowest_price`` (最低评标价法), else the
        highest comprehensive score with price weight ``selection.price_weight`` (综合评分法; see
        :func:`~sim.core.market.pricing.rank_keys`)."""
        p, t = self.params, self.t
        skey, okey = self.suppliers.key[bids.supplier], self.scenarios.key[bids.scenario]
        seen = self.capabilities.readiness[bids.capability] + self.draws.normal("perceive", t, skey, okey, scale=p["owner.perception_sd"])
        newness = self.kind_newness[self.suppliers.kind[bids.supplier]] * (self.suppliers.n_validated[bids.supplier] == 0)
        score = owner_score(seen, self.scenarios.required[bids.scenario], self.suppliers.n_validated[bids.supplier], p["owner.record_bonus"],
                            self.risk_aversion(bids.scenario), newness)
        score = score + self.levers.combine("award_score", bids, score, n=len(bids))  # challenge calls: entrants, consortia
        ok = score >= p["owner.min_score"]
        bids, score = bids.take(ok), score[ok]
        key = rank_keys(bids.price, score, bids.scenario, bool(p["selection.lowest_price"]), p["selection.price_weight"],
                        p["pilot.success_slope"])
        return bids, key

    def _award(self, bids: Pairs) -> None:
        """Owners pick the best bids by their rule (several under racing); suppliers keep within capacity."""
        p, t = self.params, self.t
        bids, score = self.owner_choice(bids)
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
                           status=P_MATCHED, price=w.price)
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
