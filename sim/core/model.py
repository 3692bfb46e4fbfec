"""The scenario market: a Mesa model stepping monthly through the scenario lifecycle.

Each month (``ScenarioMarket.step``): openers put forward needs; the promotion centre screens and
releases them on the opportunity list; matchmaking events and the platform make suppliers aware;
suppliers bid; owners pick; matched pilots land if the supplier can fund its share; pilots conclude
(validated or failed) and suppliers learn; validated solutions diffuse to further adopters and reach
large-scale application; cities become pilot zones; suppliers' cash moves, some exit and new ones
enter; stale opportunities are withdrawn. Levers (``sim/levers``) act through hooks at each stage.

State is held in arrays (struct of arrays) so that matching thousands of suppliers to open scenarios,
drawing outcomes and diffusion are numpy operations; ``Opener`` and ``Supplier`` agents are views.
All randomness comes from :class:`~sim.rng.KeyedDraws`, addressed by entity keys and month, so twin
runs share their random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mesa
import numpy as np

from sim.core import zones as zones_mod
from sim.core.agents import NEWNESS, Opener, Supplier, bid_probability, expected_net_value, owner_score, success_probability
from sim.base.calendar import Calendar
from sim.core.case import Case, load_case
from sim.core.fiscal import FiscalAccounts
from sim.levers import LEVERS
from sim.core.recorder import Recorder
from sim.base.rng import KeyedDraws
from sim.base.table import Table
from sim.base.vocab import OPENER_KINDS, SUPPLIER_KINDS, TIERS, State

DEFAULT_CASE = Path(__file__).resolve().parent.parent / "scenarios" / "hunan_2026_2028.toml"

# pilot statuses
P_MATCHED, P_RUNNING, P_SUCCEEDED, P_FAILED, P_DROPPED = range(5)
MAX_DOMAINS_PER_SUPPLIER = 4
_CAP_KEY = np.int64(1) << np.int64(32)


@dataclass
class Pairs:
    """Candidate (supplier, scenario) pairs with what a bid decision needs, as parallel arrays."""

    s: np.ndarray  # supplier index
    o: np.ndarray  # scenario index
    c: np.ndarray  # capability index (supplier's capability in the scenario's domain)
    domain: np.ndarray
    budget: np.ndarray  # pilot budget, CNY
    p_success: np.ndarray
    outlay: np.ndarray  # supplier's own outlay if it lands: cost − opener's payment, CNY

    def __len__(self) -> int:
        return len(self.s)

    def take(self, mask) -> Pairs:
        return Pairs(*(getattr(self, f)[mask] for f in ("s", "o", "c", "domain", "budget", "p_success", "outlay")))


class Capabilities:
    """The capability list: one entry per (supplier, domain) with readiness and relative cost."""

    def __init__(self, n_domains: int):
        self.n_domains = n_domains
        self.t = Table({"supplier": (np.int64, -1), "domain": (np.int64, -1), "readiness": (np.float64, 0.0),
                        "cost_mult": (np.float64, 1.0)}, capacity=8192)
        self._reindex()

    def __len__(self) -> int:
        return len(self.t)

    def __getattr__(self, name):
        if name in ("supplier", "domain", "readiness", "cost_mult"):
            return getattr(self.t, name)
        raise AttributeError(name)

    def add(self, supplier, domain, readiness, cost_mult) -> None:
        self.t.add(supplier=supplier, domain=domain, readiness=readiness, cost_mult=cost_mult)
        self._reindex()

    def _reindex(self) -> None:
        key = self.t.domain * _CAP_KEY + self.t.supplier
        self.order = np.argsort(key, kind="stable")
        self.sorted_key = key[self.order]
        counts = np.bincount(self.t.domain, minlength=self.n_domains) if len(self.t) else np.zeros(self.n_domains, int)
        self.dcount = counts
        self.dstart = np.concatenate([[0], np.cumsum(counts)[:-1]])

    def in_domain(self, d: int) -> np.ndarray:
        return self.order[self.dstart[d] : self.dstart[d] + self.dcount[d]]

    def find(self, suppliers: np.ndarray, domains: np.ndarray) -> np.ndarray:
        """Capability index of each (supplier, domain), or −1 where the supplier has none."""
        key = np.asarray(domains, np.int64) * _CAP_KEY + np.asarray(suppliers, np.int64)
        pos = np.searchsorted(self.sorted_key, key)
        pos = np.minimum(pos, len(self.sorted_key) - 1)
        hit = self.sorted_key[pos] == key
        return np.where(hit, self.order[pos], -1)

    def of_supplier(self, s: int) -> np.ndarray:
        return np.flatnonzero(self.t.supplier == s)


class ScenarioMarket(mesa.Model):
    """Agent-based model of a province's scenario market under policy levers.

    Args:
        case: a :class:`~sim.case.Case`, or the path of a case file (default: the Hunan case).
        seed: the run's seed; every random number is a function of it (None: drawn fresh and kept
            in ``self.seed`` so the run can be repeated).
        lottery: a :class:`~sim.lottery_draw.LotteryRule` to allot one lever's awards by lottery
            (``scensim lottery``); None for the levers' usual rules.
        **params: parameter overrides by name, e.g. ``**{"vouchers.share": 0.6}``.
    """

    def __init__(self, case: Case | str | Path | None = None, seed: int | None = None, lottery=None, **params):
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
        super().__init__(seed=int(seed))
        if case is None:
            case = DEFAULT_CASE
        if not isinstance(case, Case):
            case = load_case(case)
        if params:
            case = case.with_params(params, origin="model argument")
        self.case = case
        self.params = case.values
        self.seed = int(seed)
        self.draws = KeyedDraws(self.seed)
        self.calendar = Calendar(case.start, case.n_months)
        self.t = -1
        self.running = True
        self.lottery = lottery
        self._adoptions: list[tuple] = []  # (month, scenario indices, adopters added, supplier revenue CNY)

        self._setup_categories()
        self._setup_openers()
        self.sup = Table({
            "key": (np.int64, -1), "kind": (np.int64, 0), "city": (np.int64, 0), "alive": (np.bool_, True),
            "cash": (np.float64, 0.0), "registered": (np.bool_, False), "n_pilots": (np.int64, 0),
            "n_validated": (np.int64, 0), "load": (np.int64, 0), "served_year": (np.int64, -1),
            "entered": (np.int64, -1), "exited": (np.int64, -1)}, capacity=8192)
        self.caps = Capabilities(self.n_domains)
        self.scen = Table({
            "key": (np.int64, -1), "opener": (np.int64, -1), "domain": (np.int64, -1), "tier": (np.int64, -1),
            "city": (np.int64, -1), "budget": (np.float64, 0.0), "required": (np.float64, 0.0),
            "duration": (np.int64, 0), "market": (np.int64, 1), "public_share": (np.float64, 0.0),
            "state": (np.int64, int(State.SOLICITED)), "supplier": (np.int64, -1), "pilot": (np.int64, -1),
            "adopters": (np.int64, 0), "month_solicited": (np.int64, -1), "month_selected": (np.int64, -1),
            "month_published": (np.int64, -1), "month_matched": (np.int64, -1), "month_landed": (np.int64, -1),
            "month_validated": (np.int64, -1), "month_failed": (np.int64, -1), "month_withdrawn": (np.int64, -1),
            "month_scaled": (np.int64, -1), "pay_factor": (np.float64, 1.0), "ready_month": (np.int64, -1)},
            capacity=2048)
        self.pil = Table({
            "scenario": (np.int64, -1), "supplier": (np.int64, -1), "cap": (np.int64, -1),
            "month_matched": (np.int64, -1), "month_land": (np.int64, -1), "month_end": (np.int64, -1),
            "p_success": (np.float64, 0.0), "outlay": (np.float64, 0.0), "status": (np.int64, P_MATCHED),
            "opener_paid": (np.float64, 0.0)},
            capacity=1024)
        self.supplier_agents: list[Supplier] = []
        self._pending = np.zeros(0, dtype=np.int64)  # open bids: supplier * 2**32 + scenario

        self.levers = [cls(self) for cls in LEVERS]
        self.lever = {lv.name: lv for lv in self.levers}
        self.fiscal = FiscalAccounts(self)
        self._add_suppliers(self._initial_supplier_kinds(), entered=-1)
        self.zones = zones_mod.PilotZones(self)
        self.recorder = Recorder(case.n_months, self.domain_ids, self.tier_ids, self.city_ids)
        self.datacollector = mesa.DataCollector(model_reporters={
            "opportunity_list": lambda m: int((m.scen.state == State.PUBLISHED).sum()),
            "running_pilots": lambda m: int((m.scen.state == State.LANDED).sum()),
            "demonstration_list": lambda m: int(np.isin(m.scen.state, (State.VALIDATED, State.SCALED)).sum()),
            "pilot_zones": lambda m: m.zones.n_designated,
            "active_suppliers": lambda m: int(m.sup.alive.sum()),
        })

    def __repr__(self) -> str:
        month = self.calendar.labels[self.t] if self.t >= 0 else "not started"
        return f"ScenarioMarket({self.case.id}, seed={self.seed}, month={month})"

    # ------------------------------------------------------------------------------------ set-up
    def _setup_categories(self) -> None:
        c = self.case
        self.domain_ids = [d.id for d in c.domains]
        self.city_ids = [x.id for x in c.cities]
        self.tier_ids = list(TIERS)
        self.supplier_kind_names = list(SUPPLIER_KINDS)
        self.n_domains, self.n_cities = len(self.domain_ids), len(self.city_ids)
        w = np.array([d.weight for d in c.domains])
        self.domain_weight = w / w.sum()
        self.domain_public_share = np.array([d.public_share for d in c.domains])
        self.domain_regulated = np.array([d.regulated for d in c.domains])
        self.domain_data = np.array([d.data_dependent for d in c.domains])
        cw = np.array([x.weight for x in c.cities])
        self.city_weight = cw / cw.sum()
        self.case_city_plan_named = np.array([x.plan_named for x in c.cities])
        p = self.params
        per_tier = lambda name: np.array([p[f"{name}.{t}"] for t in TIERS])  # noqa: E731
        per_kind = lambda name: np.array([p[f"{name}.{k}"] for k in SUPPLIER_KINDS])  # noqa: E731
        self.tier_pass_rate = per_tier("selection.pass_rate")
        self.tier_budget_median = per_tier("scenario.budget_median_cny")
        self.tier_required = per_tier("scenario.required_readiness")
        self.tier_duration = per_tier("pilot.duration_months").astype(np.int64)
        self.tier_success_max = per_tier("pilot.success_max")
        self.tier_market = per_tier("diffusion.market_size").astype(np.int64)
        self.tier_scale = per_tier("diffusion.scale_adopters").astype(np.int64)
        self.kind_capacity = per_kind("supply.capacity").astype(np.int64)
        self.kind_cashflow = per_kind("supply.net_cashflow_cny_per_month")
        self.kind_newness = np.array([NEWNESS[k] for k in SUPPLIER_KINDS])
        self.opener_risk = np.array([p[f"owner.risk_aversion.{k}"] for k in OPENER_KINDS])
        self.opening_base = np.array([[p[f"opening.{k}.{t}"] for t in TIERS] for k in OPENER_KINDS])

    def _setup_openers(self) -> None:
        c, p = self.case, self.params
        kind, domain, city = [], [], []
        dom_index = {d: i for i, d in enumerate(self.domain_ids)}
        for d in range(self.n_domains):  # one provincial department per domain
            kind.append(0), domain.append(d), city.append(-1)
        for x in range(self.n_cities):  # one government per city, any domain
            kind.append(1), domain.append(-1), city.append(x)
        for k, count in (("soe", p["population.soes"]), ("leader", p["population.chain_leaders"]),
                         ("base", p["population.pilot_bases"])):
            doms = [dom_index[d] for d in c.opener_domains[k]]
            ki = OPENER_KINDS.index(k)
            for i in range(count):  # main business spread evenly over the kind's domains
                kind.append(ki), domain.append(doms[i % len(doms)]), city.append(-2)
        n = len(kind)
        self.openers = Table({"key": (np.int64, -1), "kind": (np.int64, 0), "domain": (np.int64, -1),
                              "city": (np.int64, -1), "n_validated": (np.int64, 0)}, capacity=n)
        idx = self.openers.add(key=np.arange(n), kind=np.array(kind), domain=np.array(domain), city=np.array(city))
        located = np.flatnonzero(self.openers.city == -2)  # firms: a home city drawn by city weight
        self.openers.city[located] = self._pick(self.city_weight, self.draws.uniform("opener_city", located))
        self.opener_agents = [Opener(self, int(i)) for i in idx]

    def _initial_supplier_kinds(self) -> np.ndarray:
        p = self.params
        counts = [p["population.startups"], p["population.smes"], p["population.leaders"], p["population.institutes"]]
        return np.repeat(np.arange(len(SUPPLIER_KINDS)), counts)

    @staticmethod
    def _pick(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Categorical draw by inverse CDF: index i with probability weights[i]."""
        cum = np.cumsum(weights)
        return np.minimum(np.searchsorted(cum, u * cum[-1], side="right"), len(weights) - 1)

    def _add_suppliers(self, kinds: np.ndarray, entered: int, first_domain: np.ndarray | None = None,
                       source: int = 0) -> np.ndarray:
        """Create suppliers of the given kinds with cash, a home city and capabilities.

        ``first_domain`` forces each new supplier's first capability domain (entrants drawn by a
        published opportunity); ``source`` tells apart entrants of the same month from different
        processes (0: ordinary entry; levers use their own numbers), so their keys never collide."""
        n = len(kinds)
        if n == 0:
            return np.arange(0)
        p, d = self.params, self.draws
        first = len(self.sup)
        if entered < 0:
            keys = np.arange(first, first + n, dtype=np.int64)
        else:  # entrants: keyed by month and order of entry, stable across twin runs
            keys = ((np.int64(entered + 1) << np.int64(32)) + (np.int64(source) << np.int64(24))
                    + np.arange(n, dtype=np.int64))
        med = np.array([p[f"supply.cash_median_cny.{k}"] for k in SUPPLIER_KINDS])[kinds]
        cash = d.lognormal("cash", keys, median=med, sigma=p["supply.cash_sigma"])
        city = self._pick(self.city_weight, d.uniform("supplier_city", keys))
        registered = d.uniform("registered", keys) < p["supply.registration_share"]
        idx = self.sup.add(key=keys, kind=kinds, city=city, cash=cash, registered=registered, entered=entered)
        # capabilities: 1 + Poisson(mean − 1) domains, chosen by domain weight without replacement
        extra = d.poisson("n_domains", keys, lam=max(p["population.domains_per_supplier"] - 1.0, 0.0))
        n_dom = np.minimum(1 + extra, min(MAX_DOMAINS_PER_SUPPLIER, self.n_domains))
        u = d.uniform("domain_pick", keys[:, None], np.arange(self.n_domains)[None, :])
        score = np.log(u) / np.maximum(self.domain_weight, 1e-12)[None, :]  # Efraimidis–Spirakis
        if first_domain is not None:
            score[np.arange(n), first_domain] = np.inf
        ranked = np.argsort(-score, axis=1)
        take = np.arange(self.n_domains)[None, :] < n_dom[:, None]
        rows, cols = np.nonzero(take)
        cap_sup = idx[rows]
        cap_dom = ranked[rows, cols]
        mean = np.array([p[f"supply.readiness_mean.{k}"] for k in SUPPLIER_KINDS])[kinds[rows]]
        readiness = np.clip(d.normal("readiness", keys[rows], cap_dom, loc=mean, scale=p["supply.readiness_sd"]), 1, 9)
        cost = d.lognormal("cost", keys[rows], cap_dom, median=1.0, sigma=p["supply.cost_sigma"])
        self.caps.add(cap_sup, cap_dom, readiness, cost)
        self.supplier_agents += [Supplier(self, int(i)) for i in idx]
        for lever in self.levers:
            lever.on_suppliers_added(len(self.sup))
        return idx

    # --------------------------------------------------------------------------------- helpers
    @property
    def year(self) -> int:
        return self.calendar.year(max(self.t, 0))

    def success_prob(self, readiness, required, tier) -> np.ndarray:
        return success_probability(readiness, required, self.tier_success_max[tier], self.params["pilot.success_slope"])

    def price(self, budget) -> np.ndarray:
        """Price one adopter pays for a validated solution (CNY)."""
        return self.params["diffusion.price_share"] * np.asarray(budget)

    def public_remaining(self, scenarios: np.ndarray) -> np.ndarray:
        """Public bodies among the potential adopters who have not adopted yet (approximately)."""
        left = self.scen.market[scenarios] - self.scen.adopters[scenarios]
        return np.floor(self.scen.public_share[scenarios] * left).astype(np.int64)

    def open_scenarios(self) -> np.ndarray:
        return np.flatnonzero(self.scen.state == State.PUBLISHED)

    @property
    def scen_opened_by_city(self) -> np.ndarray:
        return self.openers.kind[self.scen.opener] == OPENER_KINDS.index("city")

    def serve(self, suppliers: np.ndarray) -> None:
        """Record matchmaking services to suppliers (each one a service); count each firm as served
        once per calendar year."""
        self.recorder.count(self.t, "services", len(suppliers), city=self.sup.city[suppliers])
        s = np.unique(suppliers)
        s = s[self.sup.served_year[s] != self.year]
        self.sup.served_year[s] = self.year
        self.recorder.count(self.t, "served", len(s), city=self.sup.city[s])

    def count(self, metric: str, scenarios: np.ndarray, weight=None) -> None:
        s = self.scen
        self.recorder.count(self.t, metric, len(scenarios), s.domain[scenarios], s.tier[scenarios], s.city[scenarios],
                            weight=weight)

    def opening_rates(self) -> np.ndarray:
        """Expected needs per opener and tier this month (levers may scale them)."""
        o = self.openers
        mult = 1.0 + self.params["opening.feedback"] * o.n_validated
        for lever in self.levers:
            mult = mult * lever.opening_multiplier()
        return self.opening_base[o.kind] * np.asarray(mult, dtype=float)[:, None]

    # ----------------------------------------------------------------------------------- step
    def step(self) -> None:
        """One month of the scenario market."""
        if self.t + 1 >= self.calendar.n_months:
            self.running = False
            return
        self.begin_month()
        self.open_needs()
        self.screen_needs()
        self.publish_opportunities()
        self.hold_matchmaking()
        self.match()
        self.land()
        self.conclude_pilots()
        self.diffuse()
        self.levers_act()
        self.designate_pilot_zones()
        self.settle_suppliers()
        self.withdraw_stale()
        self.end_month()

    def target_table(self):
        """Value, threshold and met, per target and year (see :mod:`sim.targets`)."""
        from sim.core.targets import evaluate

        return evaluate(self.case, self.recorder.monthly, self.calendar.year_of)

    def run(self) -> ScenarioMarket:
        """Step to the end of the horizon."""
        while self.running:
            self.step()
        return self

    def begin_month(self) -> None:
        self.t += 1
        if self.t == 0 or self.calendar.month(self.t) == 1:
            for lever in self.levers:
                lever.on_year_start(self.year)

    def open_needs(self) -> None:
        """Openers put forward scenario needs (征集): Poisson counts per opener and tier."""
        rates = self.opening_rates()
        o = self.openers
        counts = self.draws.poisson("open", self.t, o.key[:, None], np.arange(len(TIERS))[None, :], lam=rates)
        opener, tier = np.nonzero(counts)
        reps = counts[opener, tier]
        opener, tier = np.repeat(opener, reps), np.repeat(tier, reps)
        n = len(opener)
        if n == 0:
            return
        j = np.arange(n) - np.repeat(np.cumsum(reps) - reps, reps)
        key = ((np.int64(self.t) * (1 << 20) + opener) * 4 + tier) * 1024 + np.minimum(j, 1023)
        d, p = self.draws, self.params
        domain = o.domain[opener].copy()
        anyd = domain < 0
        domain[anyd] = self._pick(self.domain_weight, d.uniform("need_domain", key[anyd]))
        city = o.city[opener].copy()
        prov = city < 0
        city[prov] = self._pick(self.city_weight, d.uniform("need_city", key[prov]))
        # regulatory friction: in regulated domains only some needs go ahead (levers may relieve it)
        go = ~self.domain_regulated[domain] | (d.uniform("regulation", key) < self.regulated_keep_share())
        opener, tier, key, domain, city = opener[go], tier[go], key[go], domain[go], city[go]
        if len(key) == 0:
            return
        budget = d.lognormal("budget", key, median=self.tier_budget_median[tier], sigma=p["scenario.budget_sigma"])
        required = np.clip(d.normal("required", key, loc=self.tier_required[tier], scale=p["scenario.required_sd"]), 1, 9)
        idx = self.scen.add(key=key, opener=opener, domain=domain, tier=tier, city=city, budget=budget,
                            required=required, duration=self.tier_duration[tier], market=self.tier_market[tier],
                            public_share=self.domain_public_share[domain], state=int(State.SOLICITED),
                            month_solicited=self.t)
        self.count("solicited", idx)

    def regulatory_relief(self) -> float:
        """Share of regulatory friction levers remove (sandbox, observation period): 0 none, 1 all."""
        kept = 1.0
        for lever in self.levers:
            kept *= 1.0 - float(lever.regulatory_relief())
        return 1.0 - kept

    def regulated_keep_share(self) -> float:
        """Chance a need in a regulated domain is put forward at all."""
        return 1.0 - (1.0 - self.params["regulation.keep_share"]) * (1.0 - self.regulatory_relief())

    def screen_needs(self) -> None:
        """The promotion centre screens this month's needs (遴选)."""
        s = self.scen
        new = np.flatnonzero(s.state == State.SOLICITED)
        if len(new) == 0:
            return
        ok = self.draws.uniform("screen", s.key[new]) < self.tier_pass_rate[s.tier[new]]
        sel, rej = new[ok], new[~ok]
        s.state[sel], s.month_selected[sel] = State.SELECTED, self.t
        review = int(round(self.params["regulation.review_months"] * (1.0 - self.regulatory_relief())))
        s.ready_month[sel] = self.t + np.where(self.domain_regulated[s.domain[sel]], review, 0)
        s.state[rej] = State.REJECTED
        self.count("selected", sel)
        self.count("rejected", rej)

    def publish_opportunities(self) -> None:
        """Selected needs are released on the opportunity list at each release (发布)."""
        if not self.lever["matchmaking"].releases_now():
            return
        s = self.scen
        sel = np.flatnonzero((s.state == State.SELECTED) & (s.ready_month <= self.t))
        s.state[sel], s.month_published[sel] = State.PUBLISHED, self.t
        for lever in self.levers:
            lever.on_published(sel)
        self.count("published", sel)

    def hold_matchmaking(self) -> None:
        for lever in self.levers:
            lever.hold_events()

    # -- matching -------------------------------------------------------------------------------
    def opener_payment(self, scenarios: np.ndarray) -> np.ndarray:
        """What the owner pays a supplier at landing (CNY): its share of the budget times the scenario's
        payment factor, which levers set at publication (0 for a free trial, less for each racer)."""
        return self.params["pilot.opener_share"] * self.scen.budget[scenarios] * self.scen.pay_factor[scenarios]

    def _make_pairs(self, s: np.ndarray, o: np.ndarray, c: np.ndarray) -> Pairs:
        budget = self.scen.budget[o]
        factor = np.ones(len(s))
        bonus = np.zeros(len(s))
        for lever in self.levers:
            factor = factor * lever.cost_factor(s, o)
            bonus = bonus + lever.readiness_bonus(s, o)
        cost = budget * self.caps.cost_mult[c] * factor
        outlay = cost - self.opener_payment(o)
        p_succ = self.success_prob(np.minimum(self.caps.readiness[c] + bonus, 9.0), self.scen.required[o],
                                   self.scen.tier[o])
        return Pairs(s, o, c, self.scen.domain[o], budget, p_succ, outlay)

    def candidate_pairs(self, scenarios: np.ndarray) -> Pairs:
        """Every (capability holder, open scenario) in the same domain, supplier alive with spare capacity."""
        dom = self.scen.domain[scenarios]
        counts = self.caps.dcount[dom]
        total = int(counts.sum())
        o = np.repeat(scenarios, counts)
        offs = np.repeat(self.caps.dstart[dom] - (np.cumsum(counts) - counts), counts) + np.arange(total)
        c = self.caps.order[offs]
        s = self.caps.supplier[c]
        ok = self.sup.alive[s] & (self.sup.load[s] < self.kind_capacity[self.sup.kind[s]])
        return self._make_pairs(s[ok], o[ok], c[ok])

    def pairs_for(self, suppliers: np.ndarray, scenarios: np.ndarray) -> Pairs:
        """Pairs for given suppliers and scenarios (dropping those without a capability)."""
        c = self.caps.find(suppliers, self.scen.domain[scenarios])
        ok = c >= 0
        return self._make_pairs(suppliers[ok], scenarios[ok], c[ok])

    def bid_probabilities(self, pairs: Pairs) -> np.ndarray:
        """Chance each supplier bids, given its expected net value with the levers' relief and support,
        and provided its own outlay (net of relief) is within the share of cash it will risk."""
        p = self.params
        relief = sum((np.asarray(lv.bid_relief(pairs), dtype=float) for lv in self.levers), np.zeros(len(pairs)))
        bonus = sum((np.asarray(lv.bid_bonus(pairs), dtype=float) for lv in self.levers), np.zeros(len(pairs)))
        relief = np.minimum(relief, np.maximum(pairs.outlay, 0.0))
        ev = expected_net_value(pairs.outlay, relief, bonus, pairs.p_success, p["bid.followon_multiple"], pairs.budget)
        prob = bid_probability(ev / pairs.budget, p["bid.hurdle"], p["bid.temperature"])
        credit = sum((np.asarray(lv.credit_line(pairs), dtype=float) + np.asarray(lv.landing_cash(pairs), dtype=float)
                      for lv in self.levers), np.zeros(len(pairs)))
        affordable = np.maximum(pairs.outlay - relief - credit, 0.0) <= p["bid.max_cash_share"] * self.sup.cash[pairs.s]
        return prob * affordable

    def match(self) -> None:
        """Suppliers learn of open opportunities and bid; each owner picks its best acceptable bid (对接)."""
        open_ = self.open_scenarios()
        if len(open_) == 0:
            return
        d, p, t = self.draws, self.params, self.t
        pairs = self.candidate_pairs(open_)
        skey, okey = self.sup.key[pairs.s], self.scen.key[pairs.o]
        via_matchmaking = np.zeros(len(pairs), dtype=bool)
        for lever in self.levers:
            extra = lever.aware_pairs(pairs)
            if extra is not None:
                via_matchmaking |= extra
        aware = via_matchmaking | (d.uniform("network", t, skey, okey) < p["supply.network_awareness"])
        pairs, via_matchmaking = pairs.take(aware), via_matchmaking[aware]
        if len(pairs) == 0:
            return
        for lever in self.levers:
            lever.on_aware(pairs)
        skey, okey = self.sup.key[pairs.s], self.scen.key[pairs.o]
        fresh = ~np.isin(pairs.s * _CAP_KEY + pairs.o, self._pending)  # one bid per supplier and call
        bids = fresh & (d.uniform("bid", t, skey, okey) < self.bid_probabilities(pairs))
        self.serve(pairs.s[bids & via_matchmaking])  # a bid through the list or an event is a matchmaking service
        self._pending = np.union1d(self._pending, pairs.s[bids] * _CAP_KEY + pairs.o[bids])
        self._close_calls()

    def _close_calls(self) -> None:
        """Calls whose window ends this month: the owner picks among all bids received."""
        s = self.scen
        call = self.params["selection.call_months"]
        open_ = self.open_scenarios()
        closing = open_[(self.t - s.month_published[open_]) % call == call - 1]
        if len(closing) == 0 or len(self._pending) == 0:
            return
        bid_o = self._pending % _CAP_KEY
        due = np.isin(bid_o, closing)
        bid_s = self._pending[due] // _CAP_KEY
        self._pending = self._pending[~due]
        bids = self.pairs_for(bid_s, bid_o[due])
        ok = self.sup.alive[bids.s] & (self.sup.load[bids.s] < self.kind_capacity[self.sup.kind[bids.s]])
        if ok.any():
            self._award(bids.take(ok))

    def risk_aversion(self, scenarios: np.ndarray) -> np.ndarray:
        """Owners' risk aversion towards unproven small suppliers, per scenario (levers may lower it)."""
        ra = self.opener_risk[self.openers.kind[self.scen.opener[scenarios]]]
        for lever in self.levers:
            ra = ra * lever.risk_aversion_multiplier(scenarios)
        return ra

    def race_size(self, scenarios: np.ndarray) -> np.ndarray:
        """How many suppliers each scenario's owner lets pilot it (1, or more under racing)."""
        k = np.ones(len(scenarios), dtype=np.int64)
        for lever in self.levers:
            k = np.maximum(k, np.asarray(lever.race_size(scenarios), dtype=np.int64))
        return k

    def _award(self, bids: Pairs) -> None:
        """Owners score bids and pick the best (several under racing); suppliers keep within capacity."""
        p, t = self.params, self.t
        skey, okey = self.sup.key[bids.s], self.scen.key[bids.o]
        seen = self.caps.readiness[bids.c] + self.draws.normal("perceive", t, skey, okey, scale=p["owner.perception_sd"])
        newness = self.kind_newness[self.sup.kind[bids.s]] * (self.sup.n_validated[bids.s] == 0)
        score = owner_score(seen, self.scen.required[bids.o], self.sup.n_validated[bids.s], p["owner.record_bonus"],
                            self.risk_aversion(bids.o), newness)
        ok = score >= p["owner.min_score"]
        bids, score = bids.take(ok), score[ok]
        if len(bids) == 0:
            return
        order = np.lexsort((-score, bids.o))  # by scenario, best first
        so = bids.o[order]
        rank_in_scenario = np.arange(len(order)) - np.searchsorted(so, so, side="left")
        win = order[rank_in_scenario < self.race_size(so)]
        # capacity: a supplier chosen by several owners takes its best-scored ones
        win = win[np.argsort(-score[win], kind="stable")]
        ws = bids.s[win]
        rank_order = np.argsort(ws, kind="stable")
        sorted_s = ws[rank_order]
        starts = np.searchsorted(sorted_s, sorted_s, side="left")
        rank = np.empty(len(win), dtype=np.int64)
        rank[rank_order] = np.arange(len(win)) - starts
        free = self.kind_capacity[self.sup.kind[ws]] - self.sup.load[ws]
        win = win[rank < free]
        win = win[np.lexsort((-score[win], bids.o[win]))]  # by scenario, best first
        w = bids.take(win)
        pil = self.pil.add(scenario=w.o, supplier=w.s, cap=w.c, month_matched=t,
                           month_land=t + p["pilot.contract_months"], p_success=w.p_success, outlay=w.outlay,
                           status=P_MATCHED)
        s = self.scen
        first = np.unique(w.o, return_index=True)[1]  # the best-scored winner leads the scenario
        o1 = w.o[first]
        s.state[o1], s.month_matched[o1], s.supplier[o1], s.pilot[o1] = State.MATCHED, t, w.s[first], pil[first]
        np.add.at(self.sup.load, w.s, 1)
        self.count("matched", o1)

    # -- pilots -------------------------------------------------------------------------------
    def land(self) -> None:
        """Matched pilots whose contracting is done start if the supplier can fund its share (落地)."""
        pil, s = self.pil, self.scen
        due = np.flatnonzero((pil.status == P_MATCHED) & (pil.month_land <= self.t))
        if len(due) == 0:
            return
        sup_i = pil.supplier[due]
        need = np.maximum(pil.outlay[due], 0.0)
        offers = np.zeros(len(due))
        for lever in self.levers:
            offers += lever.at_landing(due, need)
        # a supplier landing several pilots at once must fund them together
        gap = need - offers
        order = np.lexsort((due, sup_i))
        csum = np.cumsum(gap[order])
        grp_start = np.searchsorted(sup_i[order], sup_i[order], side="left")
        before = np.where(grp_start > 0, csum[np.maximum(grp_start - 1, 0)], 0.0)
        within = np.empty(len(due))
        within[order] = csum - before
        funded = self.sup.alive[sup_i] & (within <= self.sup.cash[sup_i] + 1e-6)
        for lever in self.levers:
            lever.on_landed(due, funded)
        ok, bad = due[funded], due[~funded]
        pil.opener_paid[ok] = self.opener_payment(pil.scenario[ok])
        np.add.at(self.sup.cash, sup_i[funded], offers[funded] - pil.outlay[ok])
        pil.status[ok], pil.month_end[ok] = P_RUNNING, self.t + s.duration[pil.scenario[ok]]
        np.add.at(self.sup.n_pilots, sup_i[funded], 1)
        scn = np.unique(pil.scenario[ok])
        newly = scn[s.month_landed[scn] < 0]  # a race lands once, however many pilots start
        s.state[newly], s.month_landed[newly] = State.LANDED, self.t
        self.count("landed", newly)
        self._drop(bad)

    def _active_pilots(self) -> np.ndarray:
        return np.flatnonzero(np.isin(self.pil.status, (P_MATCHED, P_RUNNING)))

    def _drop(self, pilots: np.ndarray) -> None:
        """Matches that fall through. A scenario with no other pilot matched or running returns to the
        opportunity list; otherwise its lead passes to a remaining pilot."""
        if len(pilots) == 0:
            return
        pil, s = self.pil, self.scen
        pil.status[pilots] = P_DROPPED
        np.add.at(self.sup.load, pil.supplier[pilots], -1)
        self.count("match_dropped", pil.scenario[pilots])
        scn = np.unique(pil.scenario[pilots])
        active = self._active_pilots()
        alone = ~np.isin(scn, pil.scenario[active])
        back = scn[alone]
        s.state[back], s.supplier[back], s.pilot[back] = State.PUBLISHED, -1, -1
        lead_gone = scn[~alone][np.isin(s.pilot[scn[~alone]], pilots)]
        if len(lead_gone):
            rows = active[np.isin(pil.scenario[active], lead_gone)]
            first = rows[np.unique(pil.scenario[rows], return_index=True)[1]]
            s.pilot[pil.scenario[first]], s.supplier[pil.scenario[first]] = first, pil.supplier[first]

    def incidents(self, pilots: np.ndarray) -> np.ndarray:
        """Pilots that fail for reasons a lever admits (e.g. incidents under a sandbox)."""
        hit = np.zeros(len(pilots), dtype=bool)
        for lever in self.levers:
            hit |= np.asarray(lever.pilot_incidents(pilots), dtype=bool)
        return hit

    def conclude_pilots(self) -> None:
        """Pilots at their end succeed (validated, demonstration list) or fail; suppliers learn."""
        pil, s = self.pil, self.scen
        due = np.flatnonzero((pil.status == P_RUNNING) & (pil.month_end <= self.t))
        if len(due) == 0:
            return
        scn, sup_i = pil.scenario[due], pil.supplier[due]
        success = (self.draws.uniform("outcome", s.key[scn], self.sup.key[sup_i]) < pil.p_success[due]) \
            & ~self.incidents(due)
        self._finish(due, success)

    def _finish(self, pilots: np.ndarray, success: np.ndarray) -> None:
        """Record pilots' verdicts. A scenario is decided once none of its pilots is still running: it
        is validated if any succeeded — the successful racer with the highest readiness continues
        and enters the demonstration list — and failed otherwise."""
        pil, s, p = self.pil, self.scen, self.params
        sup_i, cap = pil.supplier[pilots], pil.cap[pilots]
        pil.status[pilots] = np.where(success, P_SUCCEEDED, P_FAILED)
        np.add.at(self.sup.load, sup_i, -1)
        rate = np.where(success, p["pilot.learning_success"], p["pilot.learning_failure"])
        self.caps.readiness[cap] += rate * (9.0 - self.caps.readiness[cap])  # feedback–optimise
        scn = np.unique(pil.scenario[pilots])
        done = scn[~np.isin(scn, pil.scenario[self._active_pilots()])]
        rows = np.flatnonzero(np.isin(pil.scenario, done) & (pil.status == P_SUCCEEDED))
        rows = rows[np.lexsort((-self.caps.readiness[pil.cap[rows]], pil.scenario[rows]))]
        best = rows[np.unique(pil.scenario[rows], return_index=True)[1]]
        won = pil.scenario[best]
        lost = done[~np.isin(done, won)]
        s.state[won], s.month_validated[won], s.adopters[won] = State.VALIDATED, self.t, 1
        s.supplier[won], s.pilot[won] = pil.supplier[best], best
        s.state[lost], s.month_failed[lost] = State.FAILED, self.t
        np.add.at(self.sup.n_validated, pil.supplier[best], 1)
        np.add.at(self.openers.n_validated, s.opener[won], 1)
        self.count("validated", won)
        self.count("failed", lost)
        for lever in self.levers:
            lever.on_pilots_concluded(pilots, success)
        for lever in self.levers:
            lever.on_validated(won)

    # -- diffusion ----------------------------------------------------------------------------
    def adopt(self, scenarios: np.ndarray, n: np.ndarray) -> None:
        """Add ``n`` adopters to each validated scenario; its supplier earns the margin on each."""
        n = np.minimum(n, self.scen.market[scenarios] - self.scen.adopters[scenarios])
        keep = n > 0
        scenarios, n = scenarios[keep], n[keep]
        if len(scenarios) == 0:
            return
        self.scen.adopters[scenarios] += n
        earn = self.params["diffusion.margin"] * self.price(self.scen.budget[scenarios]) * n
        paid = earn * self.sup.alive[self.scen.supplier[scenarios]]
        np.add.at(self.sup.cash, self.scen.supplier[scenarios], paid)
        self._adoptions.append((self.t, scenarios.copy(), n.copy(), paid))
        self.count("adoptions", scenarios, weight=n)

    def adoption_log(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every adoption batch: (month, scenario index, adopters added, revenue kept by its supplier, CNY)."""
        if not self._adoptions:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        log = self._adoptions
        return (np.concatenate([np.full(len(r[1]), r[0]) for r in log]), np.concatenate([r[1] for r in log]),
                np.concatenate([r[2] for r in log]), np.concatenate([r[3] for r in log]))

    def lottery_for(self, name: str):
        """The lottery rule if one governs ``name`` (vouchers, grant, equity, first_purchase), else None."""
        return self.lottery if self.lottery is not None and self.lottery.lever == name else None

    def adoption_hazards(self, scenarios: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bass coefficients (per year) for each validated scenario: p plus levers' promotion, and q;
        both scaled down for a small supplier's solution by buyers' caution, which levers may relieve."""
        s, p = self.scen, self.params
        extra_p = sum((np.asarray(lv.market_hazard(scenarios), dtype=float) for lv in self.levers),
                      np.zeros(len(scenarios)))
        small = self.kind_newness[self.sup.kind[s.supplier[scenarios]]] > 0
        relief = np.zeros(len(scenarios))
        for lever in self.levers:
            relief = 1.0 - (1.0 - relief) * (1.0 - np.asarray(lever.buyer_caution_relief(scenarios), dtype=float))
        caution = 1.0 - p["diffusion.small_supplier_factor"]
        factor = 1.0 - small * caution * (1.0 - relief)
        return (p["diffusion.p"] + extra_p) * factor, p["diffusion.q"] * factor

    def diffuse(self) -> None:
        """Validated solutions spread: Bass hazard p + q·A/M per potential adopter, plus procurement."""
        s = self.scen
        v = np.flatnonzero(np.isin(s.state, (State.VALIDATED, State.SCALED)) & (s.adopters < s.market))
        if len(v):
            p_eff, q_eff = self.adoption_hazards(v)
            n_market = bass_adoptions(self.draws, "adopt", self.t, s.key[v], s.adopters[v], s.market[v], p_eff, q_eff)
            self.adopt(v, n_market)
            for lever in self.levers:  # levers that buy for public adopters (procurement)
                extra = np.broadcast_to(np.asarray(lever.adoption_hazard(v), dtype=float), v.shape)
                if np.any(extra > 0):
                    n_pub = self.public_remaining(v)
                    want = self.draws.binomial(f"adopt_{lever.name}", self.t, s.key[v], n=n_pub,
                                               p=1 - np.exp(-extra / 12.0))
                    self.adopt(v, lever.on_adoptions(v, want))
        up = np.flatnonzero((s.state == State.VALIDATED) & (s.adopters >= self.tier_scale[s.tier]))
        s.state[up], s.month_scaled[up] = State.SCALED, self.t
        self.count("scaled", up)

    def levers_act(self) -> None:
        """Levers' own processes (proof-of-concept runs, investors, investment attraction, …)."""
        for lever in self.levers:
            lever.act()

    # -- zones, suppliers, lists ---------------------------------------------------------------
    def designate_pilot_zones(self) -> None:
        if not self.zones.review_now():
            return
        new = self.zones.designate()
        self.recorder.count(self.t, "zones_designated", len(new), city=self.zones.city[new])

    def settle_suppliers(self) -> None:
        """Operating cash flow; suppliers out of cash exit (their pilots fail); new startups enter."""
        sup = self.sup
        alive = np.flatnonzero(sup.alive)
        sup.cash[alive] += self.kind_cashflow[sup.kind[alive]]
        broke = alive[sup.cash[alive] < 0]
        if len(broke):
            sup.alive[broke], sup.cash[broke], sup.exited[broke] = False, 0.0, self.t
            mine = np.isin(self.pil.supplier, broke)
            self._drop(np.flatnonzero(mine & (self.pil.status == P_MATCHED)))
            running = np.flatnonzero(mine & (self.pil.status == P_RUNNING))
            if len(running):
                self._finish(running, np.zeros(len(running), dtype=bool))
            sup.load[broke] = 0
            for lever in self.levers:
                lever.on_supplier_exit(broke)
            self.recorder.count(self.t, "supplier_exits", len(broke), city=sup.city[broke])
        n_new = int(self.draws.poisson("entry", self.t, lam=self.params["population.startup_entry_per_month"]))
        if n_new:
            new = self._add_suppliers(np.zeros(n_new, dtype=np.int64), entered=self.t)
            self.recorder.count(self.t, "supplier_entries", n_new, city=sup.city[new])

    def withdraw_stale(self) -> None:
        """Opportunities unmatched for too long leave the list (exit mechanism, 退出机制)."""
        s = self.scen
        limits = [m for m in (lv.exit_after_months() for lv in self.levers) if m]
        if not limits:
            return
        stale = np.flatnonzero((s.state == State.PUBLISHED) & (self.t - s.month_published >= min(limits)))
        s.state[stale], s.month_withdrawn[stale] = State.WITHDRAWN, self.t
        if len(stale) and len(self._pending):
            self._pending = self._pending[~np.isin(self._pending % _CAP_KEY, stale)]
        self.count("withdrawn", stale)

    def end_month(self) -> None:
        for lever in self.levers:
            lever.on_month_end()
        self._record_stocks()
        self.datacollector.collect(self)
        if self.t + 1 >= self.calendar.n_months:
            self.running = False

    def _record_stocks(self) -> None:
        s, r, t = self.scen, self.recorder, self.t
        for metric, states in (("opportunity_list", (State.PUBLISHED,)), ("running_pilots", (State.LANDED,)),
                               ("demonstration_list", (State.VALIDATED, State.SCALED))):
            i = np.flatnonzero(np.isin(s.state, states))
            r.level(t, metric, len(i), s.domain[i], s.tier[i], s.city[i])
        reg = self.sup.registered[self.caps.supplier] & self.sup.alive[self.caps.supplier]
        r.level(t, "capability_list", int(reg.sum()), domain=self.caps.domain[reg])
        alive = np.flatnonzero(self.sup.alive)
        r.level(t, "active_suppliers", len(alive), city=self.sup.city[alive])


def bass_adoptions(draws: KeyedDraws, stream: str, t: int, keys, adopters, market, p: float, q: float,
                   dt_years: float = 1 / 12) -> np.ndarray:
    """New adopters in one step of the mean-field Bass process: each non-adopter adopts with
    probability 1 − exp(−(p + q·A/M)·dt) (FACTS.md, "Docking")."""
    adopters = np.asarray(adopters)
    market = np.asarray(market)
    hazard = p + q * adopters / market
    return draws.binomial(stream, t, keys, n=market - adopters, p=1.0 - np.exp(-hazard * dt_years))
