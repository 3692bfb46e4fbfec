"""Diffusion (推广): validated solutions spread to further adopters, by the market and by public purchase;
a scenario adopted widely enough reaches large-scale application.

**Two channels, recorded apart.** *Market adoption* (``adoptions_market``): potential adopters buy a
validated solution on their own, by a Bass process of innovation and imitation, or after a promotion
event presented it to them (:mod:`sim.levers.matchmaking`). *Procured adoption*
(``adoptions_procured``): public bodies buy it with a lever's money (procurement, first purchase,
:mod:`sim.levers.procurement`). ``adoptions`` is their sum. The pilot site is the first adopter and
belongs to neither channel.

**Adopters on a network (metapopulation Bass).** A solution's ``market`` potential adopters are placed
in groups by city and sector: the sector is the solution's own domain (a share
``diffusion.home_sector_share`` of them) or another domain; within a sector they are spread over the
cities by the cities' weights (largest remainder; the pilot site sits in the owner's city and domain).
A non-adopter in group g adopts in a month with probability 1 − exp(−(p + q·I_g)·dt), where
I_g = Σ_h W_gh A_h / Σ_h W_gh M_h is the adopter share among its contacts: W is 1 within the group,
``diffusion.contact_same_city`` between sectors of one city, ``diffusion.contact_same_sector`` between
cities of one sector and ``diffusion.contact_other`` otherwise. With every weight 1 each group sees the
province-wide share A/M and the process is exactly the mean-field Bass model (docs/sources.md, "Docking";
``tests/test_bass.py``); with local contact a group's imitation comes from its neighbours, and
adoption is slower (Rand & Rust 2011: on a clustered network diffusion is slower than the fully mixed
curve; the spread of innovation vouchers across Chinese cities along an S-curve from one city, Guo et
al. 2022, is the same kind of neighbourhood process). The weights and the sector split are assumed —
uncertain, with ranges in the case. Publicity (benchmark cases, hook ``publicity_reach``) closes a
share of the gap between local and province-wide contact for the solutions it covers.

**Large-scale application (大规模应用).** A validated scenario reaches it when its adopters, pilot site
included, reach ``diffusion.scale_adopters.<tier>`` (assumed — uncertain, with a range: the plans give no
number). Whether procured adoptions count is a reading of the plan, ``diffusion.scale_counts_procured``:
Hunan §(八) names government procurement first among the ways a validated product is 推广 ("通过政府采购、
'五首'清单、重大工程项目和活动等形式加以推广"), so the Hunan case counts them; a reading that wants
market uptake alone switches it off. ``scaled_market`` records, whatever the setting, the scenarios whose
pilot site and market adopters alone reach the threshold (large scale "in substance").

Buyers' caution towards small suppliers' solutions scales p and q down (``diffusion.small_supplier_factor``).

Part of :class:`~sim.core.model.ScenarioMarket` (a mixin).
"""

from __future__ import annotations

import numpy as np

from sim.base.rng import KeyedDraws, binomial_quantile
from sim.base.sets import among
from sim.base.vocab import State

N_SECTORS = 2  # 0: the solution's own domain, 1: other domains


class Diffusion:
    """Adoption of validated solutions, by market and by procurement, on a network of adopter groups."""

    spillover = None  # per domain, extra innovation hazard (per year) set by a national case's exchange; None alone

    # ------------------------------------------------------------------------------- adopter groups
    def _setup_adopter_groups(self) -> None:
        n = 0
        self.group_market = np.zeros((n, self.n_cities, N_SECTORS), dtype=np.int64)
        self.group_adopters = np.zeros((n, self.n_cities, N_SECTORS), dtype=np.int64)
        self._grouped = np.zeros(n, dtype=bool)
        self._kept, self._kept_batches = np.zeros(0), 0  # kept_so_far: the sums, and the log's batches in them

    def _groups_for(self, scenarios: np.ndarray) -> None:
        """Place the potential adopters (and the adopters so far) of ``scenarios`` in groups, once."""
        s = self.scenarios
        if len(self._grouped) < len(s):
            extra = max(len(s), 2 * len(self._grouped)) - len(self._grouped)
            shape = (extra, self.n_cities, N_SECTORS)
            self.group_market = np.concatenate([self.group_market, np.zeros(shape, np.int64)])
            self.group_adopters = np.concatenate([self.group_adopters, np.zeros(shape, np.int64)])
            self._grouped = np.concatenate([self._grouped, np.zeros(extra, bool)])
        new = scenarios[~self._grouped[scenarios]]
        if len(new) == 0:
            return
        k = len(new)
        home = self.params["diffusion.home_sector_share"]
        w = self.city_weight[None, :, None] * np.array([home, 1.0 - home])[None, None, :]
        site = np.zeros((k, self.n_cities, N_SECTORS), np.int64)
        site[np.arange(k), s.city[new], 0] = 1  # the pilot site: the owner's city, the solution's domain
        market = site + apportion(np.maximum(s.market[new] - 1, 0), np.broadcast_to(w, site.shape).reshape(k, -1)
                                  ).reshape(site.shape)
        room = (market - site).reshape(k, -1)
        extra = np.clip(s.adopters[new] - 1, 0, None)  # adopters beyond the site (solutions from before the plan)
        adopters = site + apportion(extra, room).reshape(site.shape)
        self.group_market[new], self.group_adopters[new] = market, adopters
        self._grouped[new] = True

    def contact_weights(self, scenarios: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Contact weights (same city, same sector, neither) per scenario; publicity closes a share of
        the gap to province-wide contact (weight 1)."""
        p = self.params
        reach = np.asarray(self.levers.combine("publicity_reach", scenarios, n=len(scenarios)), dtype=float)
        return tuple(w + reach * (1.0 - w) for w in (np.full(len(scenarios), p["diffusion.contact_same_city"]),
                                                    np.full(len(scenarios), p["diffusion.contact_same_sector"]),
                                                    np.full(len(scenarios), p["diffusion.contact_other"])))

    # ------------------------------------------------------------------------------------ adoption
    def price(self, budget) -> np.ndarray:
        """Price one adopter pays for a validated solution (CNY)."""
        return self.params["diffusion.price_share"] * np.asarray(budget)

    def public_remaining(self, scenarios: np.ndarray) -> np.ndarray:
        """Public bodies among the potential adopters who have not adopted yet (approximately)."""
        left = self.scenarios.market[scenarios] - self.scenarios.adopters[scenarios]
        return np.floor(self.scenarios.public_share[scenarios] * left).astype(np.int64)

    def adopt(self, scenarios: np.ndarray, n: np.ndarray, lever_paid: bool = False, groups: np.ndarray | None = None,
              channel: str | None = None) -> None:
        """Add ``n`` adopters to each validated scenario. Each adopter pays the price to the scenario's
        supplier (``lever_paid``: a lever has already paid it — a procured adoption), who pays the cost
        of delivering it and keeps the margin. ``groups`` (scenarios × cities × sectors) says where the
        new adopters are; without it they are drawn among each scenario's non-adopters (stream
        ``spread_<channel>``)."""
        scenarios = np.asarray(scenarios, dtype=np.int64)
        self._groups_for(scenarios)
        n = np.minimum(n, self.scenarios.market[scenarios] - self.scenarios.adopters[scenarios])
        keep = n > 0
        scenarios, n = scenarios[keep], n[keep]
        if len(scenarios) == 0:
            return
        if groups is None:
            groups = self._spread(scenarios, n, f"spread_{channel or ('procured' if lever_paid else 'market')}")
        else:
            groups = groups[keep]
        self.group_adopters[scenarios] += groups
        self.scenarios.adopters[scenarios] += n
        if lever_paid:
            self.scenarios.adopters_procured[scenarios] += n
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
        self.count("adoptions_procured" if lever_paid else "adoptions_market", scenarios, weight=n)

    def present_solutions(self, scenarios: np.ndarray, attendees: int, conversion: float) -> np.ndarray:
        """A promotion event: ``attendees`` potential adopters, invited among the non-adopters of the presented
        ``scenarios`` in proportion to their number (largest remainder), each adopt the solution they came
        for with probability ``conversion`` (stream ``promotion``; market adoptions, paid by the adopters).
        Returns the adoptions per scenario."""
        scenarios = np.asarray(scenarios, dtype=np.int64)
        s = self.scenarios
        left = s.market[scenarios] - s.adopters[scenarios]
        seats = apportion(np.array([min(int(attendees), int(left.sum()))]), left[None, :].astype(float))[0]
        n = self.draws.binomial("promotion", self.t, s.key[scenarios], n=seats, p=conversion)
        self.adopt(scenarios, n, channel="promotion")
        return n

    def _spread(self, scenarios: np.ndarray, n: np.ndarray, stream: str) -> np.ndarray:
        """Where ``n`` new adopters of each scenario are: a multinomial draw over the groups in proportion
        to their non-adopters, as a chain of binomials — group g gets Binomial(adopters not yet placed,
        room_g / room left from g on), at most room_g (stream ``stream`` keyed by month, scenario and
        group). A group's draw changes only after an earlier group got adopters, so the chain is drawn
        for all groups at once and redrawn after each row's first hit: as many passes as adopters, not
        one per group."""
        room = (self.group_market[scenarios] - self.group_adopters[scenarios]).reshape(len(scenarios), -1)
        n_groups = room.shape[1]
        u = self.draws.uniform(stream, self.t, self.scenarios.key[scenarios][:, None], np.arange(n_groups))
        room_left = room.sum(axis=1, keepdims=True) - np.cumsum(room, axis=1) + room  # from group g on
        share = np.divide(room, room_left, out=np.zeros(room.shape), where=room_left > 0)
        out = np.zeros_like(room)
        n_left = n.astype(np.int64).copy()
        start = np.zeros(len(scenarios), dtype=np.int64)  # each row's first group not yet drawn
        rows = np.flatnonzero(n_left > 0)
        while len(rows):
            # each row's adopters not yet placed, repeated over its groups: arguments of one shape spare
            # binomial_quantile a broadcast (np.broadcast_arrays costs microseconds every pass)
            n_row = np.repeat(n_left[rows, None], n_groups, axis=1)
            # a group with all the room left from it on (share 1: a row's last group with room) takes
            # all the adopters not yet placed, Binomial(n, 1) = n — what binomial_quantile returns there,
            # set here so that it sums the mass only, without its slower path for p = 1
            whole = share[rows] >= 1.0
            k = binomial_quantile(u[rows], n_row, np.where(whole, 0.0, share[rows]))
            k = np.minimum(np.where(whole, n_row, k), room[rows])
            k[np.arange(n_groups)[None, :] < start[rows, None]] = 0  # drawn already
            hit = k > 0
            first = np.where(hit.any(axis=1), hit.argmax(axis=1), n_groups)
            got = first < n_groups
            rows, first, k = rows[got], first[got], k[got]
            placed = k[np.arange(len(rows)), first]
            out[rows, first] = placed
            n_left[rows] -= placed
            start[rows] = first + 1
            rows = rows[(n_left[rows] > 0) & (start[rows] < n_groups)]
        return out.reshape(self.group_market[scenarios].shape)

    def adoption_log(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every adoption batch: (month, scenario index, adopters added, revenue kept by its supplier, CNY)."""
        if not self._adoptions:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        log = self._adoptions
        return (np.concatenate([np.full(len(r[1]), r[0]) for r in log]), np.concatenate([r[1] for r in log]),
                np.concatenate([r[2] for r in log]), np.concatenate([r[3] for r in log]))

    def kept_so_far(self) -> np.ndarray:
        """Revenue each scenario's supplier has kept from adoptions so far (CNY, by scenario index): the
        adoption log's batches added on in the log's order as they come (the same sums, addition by
        addition, as a bincount over the whole log, without concatenating it every month)."""
        n = len(self.scenarios)
        if len(self._kept) < n:
            self._kept = np.concatenate([self._kept, np.zeros(n - len(self._kept))])
        for _month, scn, _n, paid in self._adoptions[self._kept_batches:]:
            np.add.at(self._kept, scn, paid)
        self._kept_batches = len(self._adoptions)
        return self._kept

    def adoption_hazards(self, scenarios: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bass coefficients (per year) for each validated scenario: p (plus any lever's ``market_hazard``)
        and q, both scaled down for a small supplier's solution by buyers' caution, which levers may relieve."""
        s, p = self.scenarios, self.params
        extra_p = self.levers.combine("market_hazard", scenarios, n=len(scenarios))
        if self.spillover is not None:  # a national case: adoptions of the domain in other regions (sim.core.national)
            extra_p = extra_p + self.spillover[s.domain[scenarios]]
        small = self.kind_newness[self.suppliers.kind[s.supplier[scenarios]]] > 0
        relief = self.levers.combine("buyer_caution_relief", scenarios, n=len(scenarios))
        caution = 1.0 - p["diffusion.small_supplier_factor"]
        factor = 1.0 - small * caution * (1.0 - relief)
        return (p["diffusion.p"] + extra_p) * factor, p["diffusion.q"] * factor

    def diffuse(self) -> None:
        """Validated solutions spread: market adoption on the network of adopter groups, then each
        lever's public purchases; scenarios reaching the threshold enter large-scale application."""
        s = self.scenarios
        listed = among(s.state, (State.VALIDATED, State.SCALED))  # on the demonstration list
        v = np.flatnonzero(listed & (s.adopters < s.market))
        if len(v):
            self._groups_for(v)
            p_eff, q_eff = self.adoption_hazards(v)
            new = network_adoptions(self.draws, "adopt_net", self.t, s.key[v], self.group_adopters[v],
                                    self.group_market[v], p_eff, q_eff, *self.contact_weights(v))
            self.adopt(v, new.sum(axis=(1, 2)), groups=new)
            for lever in self.levers.each("adoption_hazard"):  # levers that buy for public adopters (procurement)
                extra = np.broadcast_to(np.asarray(lever.adoption_hazard(v), dtype=float), v.shape)
                if np.any(extra > 0):
                    n_pub = self.public_remaining(v)
                    want = self.draws.binomial(f"adopt_{lever.name}", self.t, s.key[v], n=n_pub,
                                               p=1 - np.exp(-extra / 12.0))
                    self.adopt(v, lever.on_adoptions(v, want), lever_paid=True, channel=lever.name)
        scale = self.tier_scale[s.tier]
        by_market = s.adopters - s.adopters_procured  # the pilot site and market adopters
        counted = s.adopters if self.params["diffusion.scale_counts_procured"] else by_market
        up = np.flatnonzero((s.state == State.VALIDATED) & (counted >= scale))
        s.state[up], s.month_scaled[up] = State.SCALED, self.t
        # a solution proven before the plan may reach large-scale application during it, but the plan did
        # not form it: it is not counted towards the plan's targets (see sim/core/market/initial.py)
        self.count("scaled", up[s.month_solicited[up] >= 0])
        sub = np.flatnonzero((s.month_scaled_market < 0) & listed
                             & (by_market >= scale))
        s.month_scaled_market[sub] = self.t
        self.count("scaled_market", sub[s.month_solicited[sub] >= 0])


def apportion(total: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split each row's ``total`` over its columns in proportion to ``weights`` (largest remainder; ties
    to the lower column): integers that sum to ``total`` row by row. A column of weight 0 gets nothing."""
    total = np.asarray(total, dtype=np.int64)
    weights = np.asarray(weights, dtype=float)
    s = weights.sum(axis=1, keepdims=True)
    raw = total[:, None] * np.divide(weights, s, out=np.zeros_like(weights), where=s > 0)
    base = np.floor(raw + 1e-9).astype(np.int64)
    short = total - base.sum(axis=1)
    order = np.argsort(-(raw - base), axis=1, kind="stable")
    rank = np.argsort(order, axis=1)  # each column's place in that order (the inverse permutation)
    return base + (rank < short[:, None])


def imitation_share(adopters: np.ndarray, market: np.ndarray, same_city, same_sector, other) -> np.ndarray:
    """The adopter share among each group's contacts, I_g = Σ_h W_gh A_h / Σ_h W_gh M_h, for arrays of
    shape (scenarios, cities, sectors) and contact weights per scenario (within a group: 1). Computed from
    the totals by city, by sector and overall, so it costs O(groups), not O(groups²).

    The totals by city and by sector are products with vectors of ones rather than ``x.sum(axis=…)``
    (numpy's sum over these short trailing axes costs ~25 µs an array, the product ~7): adopters and
    market are counts, whole numbers far below 2**53, so every partial sum is exact and the totals are
    the same numbers whatever the order of addition."""
    wc, ws, wo = (np.asarray(w, dtype=float).reshape(-1, 1, 1) for w in (same_city, same_sector, other))

    def contacts(x):
        x = x.astype(float)
        total = x.sum(axis=(1, 2), keepdims=True)
        by_city = (x @ np.ones(x.shape[2]))[:, :, None]  # = x.sum(axis=2, keepdims=True) (counts: exact)
        by_sector = (np.ones(x.shape[1]) @ x)[:, None, :]  # = x.sum(axis=1, keepdims=True) (counts: exact)
        return wo * total + (wc - wo) * by_city + (ws - wo) * by_sector + (1.0 - wc - ws + wo) * x

    num, den = contacts(adopters), contacts(market)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def network_adoptions(draws: KeyedDraws, stream: str, t: int, keys, adopters, market, p, q, same_city=1.0,
                      same_sector=1.0, other=1.0, dt_years: float = 1 / 12) -> np.ndarray:
    """New adopters per group in one step of the metapopulation Bass process: each non-adopter in group
    g adopts with probability 1 − exp(−(p + q·I_g)·dt) (see :func:`imitation_share`). With every contact
    weight 1, I_g = A/M for every group and the step is the mean-field Bass step of :func:`bass_adoptions`."""
    adopters, market = np.asarray(adopters), np.asarray(market)
    n = len(keys)
    p = np.broadcast_to(np.asarray(p, dtype=float), (n,)).reshape(-1, 1, 1)
    q = np.broadcast_to(np.asarray(q, dtype=float), (n,)).reshape(-1, 1, 1)
    w = [np.broadcast_to(np.asarray(x, dtype=float), (n,)) for x in (same_city, same_sector, other)]
    hazard = p + q * imitation_share(adopters, market, *w)
    g = np.arange(adopters.shape[1] * adopters.shape[2]).reshape(1, adopters.shape[1], adopters.shape[2])
    return draws.binomial(stream, t, np.asarray(keys).reshape(-1, 1, 1), g, n=market - adopters,
                          p=1.0 - np.exp(-hazard * dt_years))


def bass_adoptions(draws: KeyedDraws, stream: str, t: int, keys, adopters, market, p: float, q: float,
                   dt_years: float = 1 / 12) -> np.ndarray:
    """New adopters in one step of the mean-field Bass process: each non-adopter adopts with
    probability 1 − exp(−(p + q·A/M)·dt) (docs/sources.md, "Docking")."""
    adopters = np.asarray(adopters)
    market = np.asarray(market)
    hazard = p + q * adopters / market
    return draws.binomial(stream, t, keys, n=market - adopters, p=1.0 - np.exp(-hazard * dt_years))
