"""A national case: several regions' scenario markets stepped in lockstep, with cross-region flows.

A national case file (``[case] kind = "national"``) composes regions rather than copying them: each
``[[regions]]`` entry names an existing case file and may override its parameters; ``[flows]`` gives
the cross-region parameters (value, unit, range, source, as a case's parameters); ``[[national_domains]]``
says which regions' domains are the same field (the cases name their domains differently), and
``[alliance]`` lists the cities of the Scenario-Innovation City Alliance (场景创新城市联盟) by region.
``load_national`` validates the file with one-line errors (file, key, value, what is allowed).

**Horizon.** The national run spans the union of the regions' horizons, month by month. Each region
keeps its own calendar and plan: it is dormant before its own start and after its own end, and its
targets are read on its own horizon exactly as when it runs alone.

**Seeds.** Region ``i`` (in file order) runs with the model seed ``run_seed(seed, i)``; the exchange
draws its own keyed numbers from ``seed`` (streams ``national_*``). A region's run is a function of
its case, its seed and what the exchange does to it; with every flow at zero the exchange does
nothing, and each region gives exactly its single-region results at that seed
(``tests/test_national.py``).

**The monthly exchange** runs after every active region has stepped its month (the flows, each a
decision rule with its grounds):

1. *Suppliers bid for other regions' open scenarios* (home bias). A firm of region R learns of an
   opportunity open in region H, in a field where it holds a capability, through its network with
   probability ``supply.network_awareness`` of H × ``flows.cross_bid_share`` a month (a share of a
   home firm's chance: distance and home bias, assumed — uncertain with a range that includes 0). A
   firm that learns of one opens a *branch* in H — a supplier of H, in the opportunity's city, on H's
   capability list (a firm entering a province registers with its platform, assumed), with its
   parent's capabilities in the fields H has, and a share ``flows.branch_cash_share`` of the parent's
   cash moved from parent to branch (money leaves R's account ``region:H`` and enters H's account
   ``region:R``: conserved per region and nationally). The branch then bids, wins and is paid like any
   supplier of H; it has no operating cash flow of its own (the parent's stays at home). A branch that
   has won nothing for H's ``population.exit_idle_months`` and holds no pilot closes, and its cash goes
   back to the parent (to the parent's owners if the parent has exited) through the same accounts — the
   home firms' stop rule (:mod:`sim.core.market.population`) applied to the branch. At most one branch
   per firm and region, ever.
2. *City alliances publish joint lists*: an opportunity opened in an alliance city is visible to firms
   in the other regions' alliance cities with the higher probability ``flows.alliance_visibility`` ×
   ``supply.network_awareness`` (the alliance's charter: 跨区域场景开放对接, joint matchmaking events
   of member cities; docs/sources.md "National"). Members: Hefei and the 19 cities and districts at the
   founding meeting (2025-05-27), among them Wuhan (Hubei), Changsha (Hunan) and Qingdao (Shandong).
   The Chang-Zhu-Tan joint list lies inside one region (Hunan): a single region is one market already
   (every firm in a field may learn of every opportunity in it, whatever its city), so it adds nothing
   at this resolution.
3. *Solutions diffuse across regions*: adopters of a field's validated solutions in other regions add
   to the innovation hazard of the same field's solutions in region H: extra p = ``flows.spillover`` ×
   q of H × (adopters / potential adopters of the field's listed solutions in the other regions) —
   cross-region imitation at a weight relative to imitation at home (assumed — uncertain), on from the
   month after.

Money: every region's accounts sum to zero as alone, and the inter-region accounts ``region:<id>`` sum
to zero over the regions (:meth:`NationalMarket.money_problems`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.base.rng import KeyedDraws, run_seed
from sim.base.sets import among
from sim.base.vocab import State
from sim.core.market.matching import bernoulli_positions
from sim.core.model import ScenarioMarket
from sim.core.national_case import FLOWS, NationalCase, Region, is_national, load_national

__all__ = ["FLOWS", "NationalCase", "NationalMarket", "Region", "is_national", "load_national"]

BRANCH_SOURCE = 200  # key tag of branches among a month's entrants (ordinary entry 0, attraction 1)
REGION_ACCOUNT = "region:"


# ------------------------------------------------------------------------------------------- model
class NationalMarket:
    """The regions' markets stepped in lockstep, one month at a time, with the monthly exchange.

    Args:
        case: a :class:`NationalCase` (or the path of a national case file).
        seed: the national seed; region ``i`` runs with ``run_seed(seed, i)``.
    """

    def __init__(self, case: NationalCase | str | Path, seed: int = 0):
        if not isinstance(case, NationalCase):
            case = load_national(case)
        self.case, self.seed = case, int(seed)
        self.draws = KeyedDraws(self.seed)
        self.flows = case.values
        self.regions = [ScenarioMarket(r.case, seed=run_seed(self.seed, i)) for i, r in enumerate(case.regions)]
        self.ids = [r.id for r in case.regions]
        self.offsets = [case.offset(r) for r in case.regions]
        self.t = -1
        self.running = True
        # national field of each region's domains (-1: not shared with any other region)
        nat = {pair: k for k, (_, members) in enumerate(case.domains) for pair in members}
        self.n_national = len(case.domains)
        self.national_of = [np.array([nat.get((r.id, d.id), -1) for d in r.case.domains], dtype=np.int64)
                            for r in case.regions]
        self.alliance = [np.isin(np.array(m.city_ids), list(r.alliance_cities)) for m, r in zip(self.regions, case.regions)]
        # per host region, the (home region, parent supplier) codes of the firms with a branch there
        self._branches = [np.zeros(0, dtype=np.int64) for _ in self.regions]
        # per host region, its branches: (supplier index there, home region, parent supplier index at home)
        self._branch_of = [[np.zeros(0, dtype=np.int64)] * 3 for _ in self.regions]
        self.closed = 0  # branches closed idle (their cash sent back)
        self._fields = None  # the month's index of capabilities in national fields, during the exchange
        self.branch_log: list[tuple] = []  # (national month, host, home, branches opened, cash moved CNY)

    def __repr__(self) -> str:
        return f"NationalMarket({self.case.id}, seed={self.seed}, month={self.t})"

    def active(self, i: int) -> bool:
        """Whether region ``i`` steps in the coming national month."""
        m = self.regions[i]
        return self.offsets[i] <= self.t + 1 and m.running and m.t + 1 < m.calendar.n_months

    def step(self) -> None:
        if self.t + 1 >= self.case.n_months:
            self.running = False
            return
        stepping = [i for i in range(len(self.regions)) if self.active(i)]
        for i in stepping:
            self.regions[i].step()
        self.t += 1
        self.exchange(stepping)
        if self.t + 1 >= self.case.n_months:
            self.running = False

    def run(self) -> NationalMarket:
        while self.running:
            self.step()
        return self

    # ---------------------------------------------------------------------------------- exchange
    def exchange(self, live: list[int]) -> None:
        """The month's cross-region flows among the regions that stepped (see the module docstring)."""
        if len(live) < 2 and self.flows["spillover"] <= 0:
            return
        f = self.flows
        for h in live:
            self._close_idle(h)
        if (f["cross_bid_share"] > 0 or f["alliance_visibility"] > 0) and len(live) > 1:
            self._fields = self._field_index(live)
            for h in live:
                self._branch_into(h, [r for r in live if r != h])
            self._fields = None
        self._spill(live)

    def _field_index(self, regions: list[int]) -> tuple[np.ndarray, ...]:
        """The month's capabilities of ``regions`` (ascending) in national fields, of firms alive and not
        branches: arrays (national field, home region, supplier, alliance city, the firm's place in
        ``regions``' firms laid end to end), sorted by national field, then home region and the home's
        capability order (numpy's stable radix sort on the field, a small integer). Built once a month for
        every host: branches opened in one host during the exchange are branches, so never in it, and
        nothing else in it changes before the month's last host."""
        parts, offset = [], 0
        for r in regions:
            m = self.regions[r]
            cap, sup = m.capabilities, m.suppliers
            nat = np.repeat(self.national_of[r], cap.dcount)  # cap.order runs domain by domain
            s = cap.supplier[cap.order]
            firm_ok = sup.alive & ~self._is_branch(r, np.arange(len(sup)))
            ok = (nat >= 0) & firm_ok[s]
            s, nat = s[ok], nat[ok]
            parts.append((nat, np.full(len(s), r), s, self.alliance[r][sup.city[s]], s + offset))
            offset += len(sup)
        cols = [np.concatenate([p[k] for p in parts]) for k in range(5)]
        field = cols[0].astype(np.int16) if self.n_national < 2 ** 15 else cols[0]  # radix sort: 16 bits or less
        order = np.argsort(field, kind="stable")
        return (*(x[order] for x in cols), np.cumsum([0] + [len(self.regions[r].suppliers) for r in regions]),
                np.asarray(regions))

    def _foreign_capabilities(self, h: int, homes: list[int]):
        """Capabilities of firms in ``homes`` (alive, not branches, no branch in region ``h`` yet) in fields
        shared with region ``h``: arrays (national field, home region, supplier, alliance city), one entry per
        capability, sorted by national field, then home region and the home's capability order.

        Read from the month's index (:meth:`_field_index`, built once for every host; the rest of China
        alone has some 400,000 capabilities): its rows of ``homes``, less the firms with a branch in ``h``,
        judged per firm and read at each capability — the same arrays as building them for ``h`` alone."""
        index = self._fields
        if index is None or not np.isin(homes, index[6]).all():  # outside the exchange
            index = self._field_index(sorted(homes))
        nat, home, sup, ally, firm, starts, regions = index
        firm_ok = np.zeros(starts[-1], dtype=bool)
        for k, r in enumerate(regions.tolist()):
            if r not in homes:
                continue
            firm_ok[starts[k]:starts[k + 1]] = True
            # firms of r with a branch in h: their codes are one run of h's sorted codes (one branch per firm and region)
            codes = self._branches[h]
            lo, hi = np.searchsorted(codes, self._code(np.array([r, r + 1]), np.zeros(2, dtype=np.int64)))
            firm_ok[starts[k] + codes[lo:hi] - self._code(r, 0)] = False
        ok = firm_ok[firm]
        return [nat[ok], home[ok], sup[ok], ally[ok]]

    def _is_branch(self, r: int, s: np.ndarray) -> np.ndarray:
        key = self.regions[r].suppliers.key[s]
        return ((key >> 24) & 0xFF) == BRANCH_SOURCE

    def _branch_into(self, h: int, homes: list[int]) -> None:
        host, f = self.regions[h], self.flows
        open_ = host.open_scenarios()
        if len(open_) == 0:
            return
        nat_o = self.national_of[h][host.scenarios.domain[open_]]
        open_ = open_[nat_o >= 0]
        nat_o = nat_o[nat_o >= 0]
        if len(open_) == 0:
            return
        nat, home, sup, ally = self._foreign_capabilities(h, homes)
        if len(nat) == 0:
            return
        p_net = host.params["supply.network_awareness"]
        keys = host.scenarios.key[open_]
        found = []
        # (1) every foreign firm in the field, at the home-biased share of the host's network probability
        cnt = np.bincount(nat, minlength=self.n_national)
        start = np.cumsum(cnt) - cnt
        g, pos = bernoulli_positions(self.draws, f"national_aware_{self.ids[h]}", self.t, keys, cnt[nat_o],
                                     p_net * f["cross_bid_share"])
        found.append((g, start[nat_o[g]] + pos))
        # (2) alliance lists: firms in alliance cities, for opportunities of alliance cities, up to the
        # alliance's visibility (an extra chance q with 1 − (1 − a)(1 − q) = the alliance probability)
        a, b = p_net * f["cross_bid_share"], p_net * f["alliance_visibility"]
        in_ally = self.alliance[h][host.scenarios.city[open_]]
        if b > a and in_ally.any():
            sel = np.flatnonzero(ally)
            acnt = np.bincount(nat[sel], minlength=self.n_national)
            astart = np.cumsum(acnt) - acnt
            og = np.flatnonzero(in_ally)
            g2, pos2 = bernoulli_positions(self.draws, f"national_alliance_{self.ids[h]}", self.t, keys[og],
                                           acnt[nat_o[og]], (b - a) / (1.0 - a))
            found.append((og[g2], sel[astart[nat_o[og[g2]]] + pos2]))
        g = np.concatenate([x[0] for x in found])
        row = np.concatenate([x[1] for x in found])
        if len(g) == 0:
            return
        # one branch per firm: the first opportunity (in the host's order) that made it aware
        code = self._code(home[row], sup[row])
        order = np.lexsort((g, code))
        first = order[np.r_[True, code[order][1:] != code[order][:-1]]]
        first = first[np.argsort(g[first], kind="stable")]
        self._open_branches(h, open_[g[first]], home[row[first]], sup[row[first]])

    def _open_branches(self, h: int, scen: np.ndarray, home: np.ndarray, sup: np.ndarray) -> None:
        """Branches in region ``h`` of firms ``sup`` of regions ``home``, each in the city of the
        opportunity ``scen`` that made it aware, with the parent's capabilities in fields ``h`` has."""
        host, share, n = self.regions[h], self.flows["branch_cash_share"], len(home)
        kinds, cash = np.zeros(n, dtype=np.int64), np.zeros(n)
        accounts = np.empty(n, dtype=object)
        owner, dom, ready, cost = [], [], [], []
        for r in np.unique(home):
            m = self.regions[r]
            rows = np.flatnonzero(home == r)
            s = sup[rows]
            kinds[rows] = m.suppliers.kind[s]
            cash[rows] = share * np.maximum(m.suppliers.cash[s], 0.0)
            accounts[rows] = REGION_ACCOUNT + self.ids[r]
            m.money.from_suppliers(REGION_ACCOUNT + self.ids[h], s, cash[rows])  # parent to branch
            self.branch_log.append((self.t, self.ids[h], self.ids[r], len(s), float(cash[rows].sum())))
            shared = np.flatnonzero(self.national_of[r] >= 0)  # the home's domains in a national field
            found = m.capabilities.find(np.tile(s, len(shared)), np.repeat(shared, len(s))).reshape(len(shared), len(s))
            for d_home, c in zip(shared, found):
                has = c >= 0
                for d_host in np.flatnonzero(self.national_of[h] == self.national_of[r][d_home]):
                    owner.append(rows[has]), dom.append(np.full(int(has.sum()), d_host))
                    ready.append(m.capabilities.readiness[c[has]]), cost.append(m.capabilities.cost_mult[c[has]])
            # the firms' codes join h's sorted codes: new ones (no firm has a branch in h yet, and each comes
            # once), so a sorted insert gives what np.union1d gave, without sorting everything again
            new = np.sort(self._code(np.full(len(s), r), s))
            self._branches[h] = np.insert(self._branches[h], np.searchsorted(self._branches[h], new), new)
        cat = lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt)  # noqa: E731
        idx = host.add_branches(kinds, host.scenarios.city[scen], np.ones(n, dtype=bool), cat(owner, np.int64),
                          cat(dom, np.int64), cat(ready, float), cat(cost, float), cash, accounts, BRANCH_SOURCE)
        b = self._branch_of[h]
        self._branch_of[h] = [np.concatenate([b[0], idx]), np.concatenate([b[1], home]), np.concatenate([b[2], sup])]

    def _close_idle(self, h: int) -> None:
        """Branches in region ``h`` that have won nothing for ``population.exit_idle_months`` of the host and
        hold no pilot close: their cash goes back to the parent (or to its owners if the parent has exited),
        through the same inter-region accounts — the home firm's stop rule applied to its branch."""
        host = self.regions[h]
        idx, home, parent = self._branch_of[h]
        if len(idx) == 0:
            return
        sup = host.suppliers
        idle = (sup.alive[idx] & (sup.load[idx] == 0)
                & (host.t - host.last_win[idx] >= host.params["population.exit_idle_months"]))
        if not idle.any():
            return
        idx, home, parent = idx[idle], home[idle], parent[idle]
        cash = np.maximum(sup.cash[idx], 0.0)
        for r in np.unique(home):
            mine = home == r
            m = self.regions[r]
            host.money.from_suppliers(REGION_ACCOUNT + self.ids[r], idx[mine], cash[mine])
            alive = m.suppliers.alive[parent[mine]]
            m.money.to_suppliers(REGION_ACCOUNT + self.ids[h], parent[mine][alive], cash[mine][alive])
            m.money.move(REGION_ACCOUNT + self.ids[h], "founders", cash[mine][~alive])
        host._exit(idx)
        self.closed += len(idx)

    @staticmethod
    def _code(region: np.ndarray, supplier: np.ndarray) -> np.ndarray:
        return np.asarray(region, dtype=np.int64) * (np.int64(1) << np.int64(40)) + np.asarray(supplier, dtype=np.int64)

    def _spill(self, live: list[int]) -> None:
        """Per active region, the extra innovation hazard of each domain from adoptions of the field in the
        other regions that have started (a region past its end still counts, as it stands at its end)."""
        k = self.flows["spillover"]
        if k <= 0:
            return
        adopters = np.zeros((len(self.regions), self.n_national))
        market = np.zeros((len(self.regions), self.n_national))
        for r in [i for i, m in enumerate(self.regions) if m.t >= 0]:
            m = self.regions[r]
            s = m.scenarios
            listed = np.flatnonzero(among(s.state, (State.VALIDATED, State.SCALED)))
            nat = self.national_of[r][s.domain[listed]]
            ok = nat >= 0
            adopters[r] = np.bincount(nat[ok], weights=s.adopters[listed][ok], minlength=self.n_national)
            market[r] = np.bincount(nat[ok], weights=s.market[listed][ok], minlength=self.n_national)
        for h in live:
            a, mk = adopters.sum(0) - adopters[h], market.sum(0) - market[h]
            share = np.divide(a, mk, out=np.zeros(self.n_national), where=mk > 0)
            nat = self.national_of[h]
            m = self.regions[h]
            m.spillover = np.where(nat >= 0, k * m.params["diffusion.q"] * share[np.maximum(nat, 0)], 0.0)

    # ----------------------------------------------------------------------------------- reading
    def money_problems(self) -> list[str]:
        """Problems with the accounts (must be empty): each region's own check, and the inter-region
        accounts summing to zero over the regions."""
        out = [f"{rid}: {p}" for rid, m in zip(self.ids, self.regions) for p in m.money.check()]
        total = sum(v for m in self.regions for a, v in m.money.balance.items() if a.startswith(REGION_ACCOUNT))
        scale = max([abs(v) for m in self.regions for a, v in m.money.balance.items()] + [1.0])
        if abs(total) > 1e-6 * scale:
            out.append(f"the inter-region accounts sum to {total:,.2f} CNY, not 0")
        return out

    def branches(self) -> int:
        return int(sum(len(b) for b in self._branches))
