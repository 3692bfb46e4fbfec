"""Needs and the opportunity list: openers put forward needs (征集), the promotion centre screens them
(遴选) within its capacity and releases them at each release (发布); matchmaking events run; stale
opportunities leave the list (退出机制). Regulatory friction in regulated domains holds needs back
(levers may relieve it). Each need has a quality (its owner's commitment, the clarity of its
requirement); needs opened under pressure — an SOE quota, the centre asking harder — are of lower
quality, and at contracting an owner of a low-quality need may walk away (see :mod:`sim.core.centre`).

Part of :class:`~sim.core.model.ScenarioMarket` (a mixin).
"""

from __future__ import annotations

import numpy as np

from sim.base.sets import flags
from sim.base.vocab import TIERS, State
from sim.core.market.pilots import P_DROPPED, P_MATCHED
from sim.core.market.population import CAP_KEY


class Opening:
    """From needs to published opportunities, and their withdrawal."""

    def own_opening_rates(self) -> np.ndarray:
        """Needs per opener and tier a month that openers put forward of their own accord (their
        propensity, raised by validated scenarios and by levers that make opening more attractive)."""
        o = self.openers
        mult = 1.0 + self.params["opening.feedback"] * o.n_validated
        mult = self.levers.combine("opening_multiplier", start=mult)
        return self.opening_base[o.kind] * np.asarray(mult, dtype=float)[:, None]

    def opening_pressure(self) -> np.ndarray:
        """Multiple of their own rate at which openers open under pressure, per opener and tier: levers
        that impose a duty (SOE quota) times the promotion centre's asking (≥ 1)."""
        duty = np.broadcast_to(np.asarray(self.levers.combine("opening_pressure"), dtype=float), (len(self.openers),))
        return np.maximum(duty[:, None] * self.centre.pressure[None, :], 1.0)

    def opening_rates(self) -> np.ndarray:
        """Expected needs per opener and tier this month: own rate × pressure."""
        return self.own_opening_rates() * self.opening_pressure()

    def open_needs(self) -> None:
        """Openers put forward scenario needs (征集): Poisson counts per opener and tier. The part above an
        opener's own rate is pressed (a need opened for a quota or on the centre's asking): each need is
        pressed with chance 1 − 1/pressure, and a pressed need's quality is scaled by
        ``needs.pressed_quality``."""
        self.centre.plan_month()
        pressure = self.opening_pressure()
        rates = self.own_opening_rates() * pressure
        o = self.openers
        counts = self.draws.poisson("open", self.t, o.key[:, None], np.arange(len(TIERS))[None, :], lam=rates)
        counts = np.asarray(self.levers.combine("extra_needs", start=counts), dtype=np.int64)  # pulses
        opener, tier = np.nonzero(counts)
        reps = counts[opener, tier]
        opener, tier = np.repeat(opener, reps), np.repeat(tier, reps)
        n = len(opener)
        if n == 0:
            return
        j = np.arange(n) - np.repeat(np.cumsum(reps) - reps, reps)
        key = ((np.int64(self.t) * (1 << 20) + opener) * 4 + tier) * 1024 + np.minimum(j, 1023)
        d, p = self.draws, self.params
        domain, city = self.place_needs(opener, key, "need")
        # regulatory friction: in regulated domains only some needs go ahead (levers may relieve it)
        go = ~self.domain_regulated[domain] | (d.uniform("regulation", key) < self.regulated_keep_share())
        opener, tier, key, domain, city = opener[go], tier[go], key[go], domain[go], city[go]
        if len(key) == 0:
            return
        pressed = d.uniform("pressed", key) < 1.0 - 1.0 / pressure[opener, tier]
        quality = d.uniform("quality", key) * np.where(pressed, p["needs.pressed_quality"], 1.0)
        budget = d.lognormal("budget", key, median=self.tier_budget_median[tier], sigma=p["scenario.budget_sigma"])
        required = np.clip(d.normal("required", key, loc=self.tier_required[tier], scale=p["scenario.required_sd"]), 1, 9)
        idx = self.scenarios.add(key=key, opener=opener, domain=domain, tier=tier, city=city, budget=budget,
                            required=required, duration=self.tier_duration[tier], market=self.tier_market[tier],
                            public_share=self.domain_public_share[domain], state=int(State.SOLICITED),
                            month_solicited=self.t, quality=quality, pressed=pressed)
        self.count("solicited", idx)
        self.count("pressed", idx[pressed])

    def place_needs(self, opener: np.ndarray, key: np.ndarray, stream: str) -> tuple[np.ndarray, np.ndarray]:
        """Domain and city of needs: the opener's own, or — for an opener of any domain (a city) or of no
        home city (the province, firms) — drawn by domain or city weight (keyed streams ``<stream>_domain``
        and ``<stream>_city``); designated pilot-zone cities weigh more (:mod:`sim.core.zones`)."""
        o, d = self.openers, self.draws
        domain = o.domain[opener].copy()
        anyd = domain < 0
        domain[anyd] = self._pick(self.domain_weight, d.uniform(f"{stream}_domain", key[anyd]))
        city = o.city[opener].copy()
        prov = city < 0
        zones = getattr(self, "zones", None)  # designated pilot zones weigh more (集中布局; none at the warm start)
        weight = self.city_weight if zones is None else zones.city_weight(self.city_weight)
        city[prov] = self._pick(weight, d.uniform(f"{stream}_city", key[prov]))
        return domain, city

    def regulatory_relief(self) -> float:
        """Share of regulatory friction levers remove (sandbox, observation period): 0 none, 1 all."""
        return float(self.levers.combine("regulatory_relief"))

    def regulated_keep_share(self) -> float:
        """Chance a need in a regulated domain is put forward at all."""
        return 1.0 - (1.0 - self.params["regulation.keep_share"]) * (1.0 - self.regulatory_relief())

    def screen_needs(self) -> None:
        """The promotion centre screens waiting needs within its capacity, against its bar (遴选)."""
        s = self.scenarios
        sel, rej = self.centre.screen()
        s.state[sel], s.month_selected[sel] = State.SELECTED, self.t
        review = int(round(self.params["regulation.review_months"] * (1.0 - self.regulatory_relief())))
        s.ready_month[sel] = self.t + np.where(self.domain_regulated[s.domain[sel]], review, 0)
        s.state[rej] = State.REJECTED
        self.count("selected", sel)
        self.count("rejected", rej)

    def publish_opportunities(self) -> None:
        """Selected needs are released on the opportunity list at each release (发布)."""
        if not self.levers.combine("releases_now"):
            return
        s = self.scenarios
        sel = np.flatnonzero((s.state == State.SELECTED) & (s.ready_month <= self.t))
        s.state[sel], s.month_published[sel] = State.PUBLISHED, self.t
        self.levers.notify("on_published", sel)
        self.count("published", sel)

    def hold_matchmaking(self) -> None:
        """This month's matchmaking events and roadshows (对接会、路演), run by the levers that hold them."""
        self.levers.notify("hold_events")

    def owners_follow_through(self, pilots: np.ndarray) -> np.ndarray:
        """Owners of matched needs due for contracting decide whether to go ahead: with probability
        ``m + (1 − m) × quality`` (``m`` = ``needs.min_commitment``; one draw per scenario, so all racers
        of a scenario share it). Those who walk away withdraw the need and its matches are dropped.
        Returns the pilots that go ahead."""
        if len(pilots) == 0:
            return pilots
        pil, s = self.pilots, self.scenarios
        scn = pil.scenario[pilots]
        m = self.params["needs.min_commitment"]
        go = self.draws.uniform("commit", s.key[scn]) < m + (1.0 - m) * s.quality[scn]
        if go.all():
            return pilots
        gone = pilots[~go]
        pil.status[gone] = P_DROPPED
        np.add.at(self.suppliers.load, pil.supplier[gone], -1)
        others = flags(scn[~go], len(s))[pil.scenario] & (pil.status == P_MATCHED)  # racers not yet due
        np.add.at(self.suppliers.load, pil.supplier[others], -1)
        pil.status[others] = P_DROPPED
        self.count("match_dropped", pil.scenario[np.concatenate([gone, np.flatnonzero(others)])])
        w = np.unique(scn[~go])
        w = w[s.month_landed[w] < 0]
        s.state[w], s.month_withdrawn[w], s.supplier[w], s.pilot[w] = State.WITHDRAWN, self.t, -1, -1
        self.count("owner_withdrawn", w)
        self.count("withdrawn", w)
        return pilots[go]

    def withdraw_stale(self) -> None:
        """Opportunities unmatched for too long leave the list (exit mechanism, 退出机制)."""
        s = self.scenarios
        limit = self.levers.combine("exit_after_months")
        if limit is None:
            return
        stale = np.flatnonzero((s.state == State.PUBLISHED) & (self.t - s.month_published >= limit))
        s.state[stale], s.month_withdrawn[stale] = State.WITHDRAWN, self.t
        if len(stale) and len(self._pending):
            self._pending = self._pending[~flags(stale, len(s))[self._pending % CAP_KEY]]
        self.count("withdrawn", stale)

    def scale_owner_payment(self, scenarios: np.ndarray, factor: float) -> None:
        """Scale what owners pay at landing for ``scenarios`` (a free trial pays 0, each racer a share)."""
        self.scenarios.pay_factor[scenarios] *= factor
