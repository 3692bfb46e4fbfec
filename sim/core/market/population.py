"""Who is in the market: the categories of a case, the openers, the suppliers and their capabilities,
and suppliers' cash over time (operating cash flow, exit, entry).

Entry and exit (:meth:`Population.settle_suppliers`), each a decision rule with its grounds:

* **Entry responds to opportunities.** New startups enter domain *d* at Poisson rate
  ``startup_entry_per_month`` × (domain weight) + ``entry_per_100m_opportunity`` × V_d / ¥100 m, where
  V_d is the value visible to a would-be founder in the past 12 months: budgets of the scenarios
  published in *d* plus the follow-on revenue suppliers kept from adoptions in *d*. The base rate is
  the background formation of tech firms (Hunan's high-tech enterprises grew from 8,621 in 2020 to
  16,495 in 2023, ≈24 % a year, docs/sources.md "Populations"; × the startup population / 12); the response to
  opportunities is assumed — uncertain, with a range that includes no response. The month's rate over
  all domains is at most :data:`ENTRY_MAX` (5,000, the base rate's own upper bound): not evidence but a
  bound on memory — every entrant is a row kept for the rest of the run, and allowed but extreme scenario
  budgets (a median of ¥1e12) asked for millions of entrants a month. No case comes near it.
* **Exit through failure to win work.** Each supplier's operating cash flow is its kind's mean plus
  a firm-level spread (``supply.cashflow_sd_cny_per_month.<kind>``, assumed — uncertain), so some SMEs
  burn cash too. A supplier that burns cash, has won nothing (no pilot landed, no follow-on revenue)
  for ``exit_idle_months``, and whose cash covers fewer than ``exit_runway_months`` of its burn gives up:
  it exits and its owners take what cash is left (a bounded-rational founder's stop rule: no recent
  evidence of demand and a short runway; assumed — uncertain). A supplier whose cash turns negative
  exits as before (creditors absorb the deficit). The churn this gives is an outcome; the public
  figure to compare it with: China's yearly firm death rate 6.2–9.3 %, and 1.6 %, 6.3 %,
  9.5 % in a firm's 1st, 2nd, 3rd year, ≥8 % to its 7th (SAIC 《全国内资企业生存时间分析报告》, 2013).

Part of :class:`~sim.core.model.ScenarioMarket` (a mixin: the methods run on the model's state tables).
The methods at the end are those through which levers change suppliers and capabilities.
"""

from __future__ import annotations

import numpy as np

from sim.base.sets import flags
from sim.base.table import Table
from sim.base.vocab import OPENER_KINDS, SUPPLIER_KINDS, TIERS
from sim.core.agents import NEWNESS, Opener
from sim.core.market.pilots import P_DROPPED, P_MATCHED, P_RUNNING
from sim.params.registry import ENTRY_MAX  # most entrants a month over all domains (the base rate's upper bound)

MAX_DOMAINS_PER_SUPPLIER = 4
CAP_KEY = np.int64(1) << np.int64(32)  # keys of (domain, supplier) and (supplier, scenario) pairs


class Capabilities:
    """The capability list: one entry per (supplier, domain) with readiness and relative cost."""

    def __init__(self, n_domains: int):
        self.n_domains = n_domains
        self.t = Table({"supplier": (np.int64, -1), "domain": (np.int64, -1), "readiness": (np.float64, 0.0),
                        "cost_mult": (np.float64, 1.0)}, capacity=8192)
        # the index: capabilities sorted by (domain, supplier), rows in order of addition among equal keys
        self.order = np.zeros(0, dtype=np.int64)
        self.sorted_key = np.zeros(0, dtype=np.int64)
        self.dcount = np.zeros(n_domains, dtype=np.int64)
        self.dstart = np.zeros(n_domains, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.t)

    supplier = property(lambda self: self.t.supplier)
    domain = property(lambda self: self.t.domain)
    readiness = property(lambda self: self.t.readiness)
    cost_mult = property(lambda self: self.t.cost_mult)

    def add(self, supplier, domain, readiness, cost_mult) -> None:
        idx = self.t.add(supplier=supplier, domain=domain, readiness=readiness, cost_mult=cost_mult)
        if len(idx) == 0:
            return
        key = self.t.domain[idx] * CAP_KEY + self.t.supplier[idx]
        new = np.argsort(key, kind="stable")  # merged into the sorted index, not re-sorted with it
        at = np.searchsorted(self.sorted_key, key[new], side="right")
        self.sorted_key = np.insert(self.sorted_key, at, key[new])
        self.order = np.insert(self.order, at, idx[new])
        self.dcount = self.dcount + np.bincount(self.t.domain[idx], minlength=self.n_domains)
        self.dstart = np.concatenate([[0], np.cumsum(self.dcount)[:-1]])

    def in_domain(self, d: int) -> np.ndarray:
        return self.order[self.dstart[d] : self.dstart[d] + self.dcount[d]]

    def find(self, suppliers: np.ndarray, domains: np.ndarray) -> np.ndarray:
        """Capability index of each (supplier, domain), or −1 where the supplier has none."""
        key = np.asarray(domains, np.int64) * CAP_KEY + np.asarray(suppliers, np.int64)
        pos = np.searchsorted(self.sorted_key, key)
        pos = np.minimum(pos, len(self.sorted_key) - 1)
        hit = self.sorted_key[pos] == key
        return np.where(hit, self.order[pos], -1)

    def of_supplier(self, s: int) -> np.ndarray:
        return np.flatnonzero(self.t.supplier == s)


class Population:
    """Set-up of categories, openers and suppliers; suppliers' cash, exit and entry."""

    # per-supplier state kept here (grown by add_suppliers): monthly operating cash flow, month of last win
    supplier_cashflow = np.zeros(0)
    last_win = np.zeros(0, dtype=np.int64)

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
        self.kind_cashflow_sd = per_kind("supply.cashflow_sd_cny_per_month")
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

    def add_suppliers(self, kinds: np.ndarray, entered: int, first_domain: np.ndarray | None = None,
                       source: int = 0, first_readiness: np.ndarray | None = None) -> np.ndarray:
        """Create suppliers of the given kinds with cash, a home city and capabilities.

        ``first_domain`` forces each new supplier's first capability domain (entrants drawn by a
        published opportunity); ``source`` tells apart entrants of the same month from different
        processes (0: ordinary entry; levers use their own numbers), so their keys never collide;
        ``first_readiness`` (with ``first_domain``) sets the readiness of that first capability (a firm
        drawn in by an opportunity it knows it can serve)."""
        n = len(kinds)
        if n == 0:
            return np.arange(0)
        p, d = self.params, self.draws
        first = len(self.suppliers)
        if entered < 0:
            keys = np.arange(first, first + n, dtype=np.int64)
        else:  # entrants: keyed by month and order of entry, stable across twin runs
            keys = ((np.int64(entered + 1) << np.int64(32)) + (np.int64(source) << np.int64(24))
                    + np.arange(n, dtype=np.int64))
        med = np.array([p[f"supply.cash_median_cny.{k}"] for k in SUPPLIER_KINDS])[kinds]
        cash = d.lognormal("cash", keys, median=med, sigma=p["supply.cash_sigma"])
        city = self._pick(self.city_weight, d.uniform("supplier_city", keys))
        registered = d.uniform("registered", keys) < p["supply.registration_share"]
        idx = self.suppliers.add(key=keys, kind=kinds, city=city, cash=0.0, registered=registered, entered=entered)
        self.money.to_suppliers("founders", idx, cash)
        flow = self.kind_cashflow[kinds] + self.kind_cashflow_sd[kinds] * d.normal("cashflow_spread", keys)
        self.supplier_cashflow = np.concatenate([self.supplier_cashflow, flow])
        idle = p["population.exit_idle_months"]
        if entered < 0:  # the initial population: months since its last win spread over the idle window
            won = -np.floor(d.uniform("last_win", keys) * idle).astype(np.int64) - 1
        else:  # an entrant starts its grace period on entry
            won = np.full(n, entered, dtype=np.int64)
        self.last_win = np.concatenate([self.last_win, won])
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
        if first_domain is not None and first_readiness is not None:
            own = cap_dom == np.asarray(first_domain)[rows]
            readiness[own] = np.clip(np.asarray(first_readiness, dtype=float)[rows[own]], 1, 9)
        cost = d.lognormal("cost", keys[rows], cap_dom, median=1.0, sigma=p["supply.cost_sigma"])
        self.capabilities.add(cap_sup, cap_dom, readiness, cost)
        self.levers.notify("on_suppliers_added", len(self.suppliers))
        return idx

    # ------------------------------------------------------------------------------ each month
    def settle_suppliers(self) -> None:
        """Operating cash flow; suppliers out of cash or out of work exit; entrants respond to opportunities."""
        sup = self.suppliers
        alive = np.flatnonzero(sup.alive)
        self.money.to_suppliers("operations", alive, self.supplier_cashflow[alive])  # either sign
        self._note_wins()
        broke = alive[sup.cash[alive] < 0]
        if len(broke):
            self.money.to_suppliers("write_offs", broke, -sup.cash[broke])  # creditors absorb what is owed
        self._exit(np.union1d(broke, self.quitting()))
        self._enter()

    def _note_wins(self) -> None:
        """Month of each supplier's last win: a pilot that landed, or follow-on revenue it kept."""
        pil = self.pilots
        landed = np.flatnonzero((pil.month_land == self.t) & (pil.status != P_MATCHED) & (pil.status != P_DROPPED))
        self.last_win[pil.supplier[landed]] = self.t
        for month, scen, _n, paid in reversed(self._adoptions):
            if month != self.t:
                break
            self.last_win[self.scenarios.supplier[scen[paid > 0]]] = self.t

    def quitting(self) -> np.ndarray:
        """Suppliers that give up this month: burning cash, nothing won for ``exit_idle_months``, and cash
        for fewer than ``exit_runway_months`` of burn (grounds in the module docstring)."""
        sup, p = self.suppliers, self.params
        alive = np.flatnonzero(sup.alive)
        burn = -self.supplier_cashflow[alive]
        idle = self.t - self.last_win[alive] >= p["population.exit_idle_months"]
        short = sup.cash[alive] < p["population.exit_runway_months"] * burn
        return alive[(burn > 0) & idle & short]

    def _exit(self, gone: np.ndarray) -> None:
        """Suppliers leave: owners take what cash is left, matched pilots are dropped, running ones fail."""
        if len(gone) == 0:
            return
        sup = self.suppliers
        sup.alive[gone], sup.exited[gone] = False, self.t
        mine = flags(gone, len(sup))[self.pilots.supplier]
        self._drop(np.flatnonzero(mine & (self.pilots.status == P_MATCHED)))
        running = np.flatnonzero(mine & (self.pilots.status == P_RUNNING))
        if len(running):
            self._finish(running, np.zeros(len(running), dtype=bool))
        sup.load[gone] = 0
        self.levers.notify("on_supplier_exit", gone)  # loans are settled from the cash still held
        left = np.maximum(sup.cash[gone], 0.0)
        if (left > 0).any():
            self.money.from_suppliers("founders", gone, left)  # owners take what is left
        self.recorder.count(self.t, "supplier_exits", len(gone), city=sup.city[gone])

    def opportunity_value(self) -> np.ndarray:
        """Per domain, yuan visible to a would-be founder over the past 12 months: budgets of scenarios
        published there plus follow-on revenue suppliers kept from adoptions there."""
        s = self.scenarios
        recent = (s.month_published >= 0) & (s.month_published > self.t - 12)
        value = np.bincount(s.domain[recent], weights=s.budget[recent], minlength=self.n_domains).astype(float)
        # each adoption batch's revenue by domain, made once: a batch in the log never changes, nor does a
        # scenario's domain, so it is the same array every month (added on in the same order as before)
        by_domain = self._kept_by_domain
        for _month, scen, _n, paid in self._adoptions[len(by_domain):]:
            by_domain.append(np.bincount(s.domain[scen], weights=paid, minlength=self.n_domains))
        for i in range(len(self._adoptions) - 1, -1, -1):
            if self._adoptions[i][0] <= self.t - 12:
                break
            value += by_domain[i]
        return value

    def entry_rate(self) -> np.ndarray:
        """Expected startup entrants this month per domain: a base rate spread by domain weight plus a
        response to the opportunity value of the past year (grounds in the module docstring)."""
        p = self.params
        rate = (p["population.startup_entry_per_month"] * self.domain_weight
                + p["population.entry_per_100m_opportunity"] * self.opportunity_value() / 1e8)
        total = float(rate.sum())
        return rate * (ENTRY_MAX / total) if total > ENTRY_MAX else rate  # a bound on memory (module docstring)

    def _enter(self) -> None:
        n = self.draws.poisson("entry_by_domain", self.t, np.arange(self.n_domains), lam=self.entry_rate())
        if n.sum() == 0:
            return
        first = np.repeat(np.arange(self.n_domains), n)
        new = self.add_suppliers(np.zeros(len(first), dtype=np.int64), entered=self.t, first_domain=first)
        self.recorder.count(self.t, "supplier_entries", len(new), city=self.suppliers.city[new])

    def add_branches(self, kinds: np.ndarray, cities: np.ndarray, registered: np.ndarray, cap_owner: np.ndarray,
                     cap_domain: np.ndarray, cap_readiness: np.ndarray, cap_cost: np.ndarray, cash: np.ndarray,
                     account: np.ndarray, source: int) -> np.ndarray:
        """Branches of firms from other regions (a national case, :mod:`sim.core.national`): suppliers
        of the given kinds, cities and registration, keyed as entrants of this month with ``source``,
        with the capabilities given (``cap_owner`` indexes the new branches), no operating cash flow of
        their own (the parent firm's operations stay at home) and the grace period of an entrant; their
        cash comes from the named accounts (``account[i]``, e.g. ``region:hunan``), i.e. from the parent."""
        n = len(kinds)
        if n == 0:
            return np.arange(0)
        t = self.t
        keys = ((np.int64(t + 1) << np.int64(32)) + (np.int64(source) << np.int64(24)) + np.arange(n, dtype=np.int64))
        idx = self.suppliers.add(key=keys, kind=kinds, city=cities, cash=0.0, registered=registered, entered=t)
        for acc in np.unique(account):
            mine = account == acc
            self.money.to_suppliers(str(acc), idx[mine], cash[mine])
        self.supplier_cashflow = np.concatenate([self.supplier_cashflow, np.zeros(n)])
        self.last_win = np.concatenate([self.last_win, np.full(n, t, dtype=np.int64)])
        self.capabilities.add(idx[cap_owner], cap_domain, cap_readiness, cap_cost)
        self.levers.notify("on_suppliers_added", len(self.suppliers))
        return idx

    # ---------------------------------------------------------- how levers change suppliers
    def register_suppliers(self, suppliers: np.ndarray) -> None:
        """Put suppliers on the capability list (an event's attendees, firms drawn in by attraction)."""
        self.suppliers.registered[suppliers] = True

    def hold_capacity(self, suppliers: np.ndarray, n: int) -> None:
        """Take (n > 0) or give back (n < 0) pilot capacity of suppliers, e.g. a consortium partner's."""
        np.add.at(self.suppliers.load, suppliers, n)

    def raise_readiness(self, capabilities: np.ndarray, gain: float) -> None:
        """Raise the readiness (TRL) of capabilities by ``gain``, capped at 9 (a proof-of-concept run)."""
        r = self.capabilities.readiness
        r[capabilities] = np.minimum(r[capabilities] + gain, 9.0)
