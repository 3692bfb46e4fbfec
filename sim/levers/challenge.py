"""Challenge calls (揭榜挂帅) for comprehensive major scenarios, won by consortia; pulses of major
scenarios from major projects and dated events.

Mechanism, step by step (each a bounded-rational rule with its grounds):

1. *Which scenarios are challenge calls.* A published comprehensive major scenario (综合性重大场景) is
   run as a challenge call with chance ``share``. The Hunan plan defines major scenarios as
   "跨主体、跨领域、跨区域" (§(七)); it names no challenge mechanism for them, but Hunan rewards products
   from challenge (揭榜挂帅) projects in its "five firsts" awards (up to ¥20 m): the share run as calls is
   a setting (0 switches the lever off and major scenarios are single-supplier pilots as before).
   Hubei's plan asks major scenarios to pool regions and actors for integrated validation (§(六)
   "协同不同区域、不同主体资源，系统性开展…综合性验证") and encourages 揭榜挂帅 (§(十五)).
2. *Domains a call spans.* Cross-domain by definition, so a call spans its own domain plus 1 to
   ``domains_max − 1`` other domains, drawn by domain weight (keyed stream ``challenge_domains``).
   "At least two" is the plan's wording; the upper bound is assumed — uncertain.
3. *Entrants (揭榜).* When the call closes, the owner screens the bids on its usual score (perceived
   readiness, track record, risk aversion) and admits at most ``max_entrants``; the rest are not
   admitted. MIIT's AI challenge (2018) admits at most 5 entrants per sub-field (default 5).
4. *Consortia.* Each entrant (the lead) forms a consortium: for every other domain of the call it
   picks, among suppliers it *knows*, the one it perceives as most ready (readiness + noise of
   ``owner.perception_sd``, keyed stream ``partner_pick``) that is alive and has spare pilot capacity.
   A lead knows suppliers on the capability list (registered), suppliers in its own city and its former
   consortium partners; it may cover a domain itself if it holds a capability there. This rule is
   assumed — uncertain (no public data on how consortia form); it follows the plan's "联合上下游企业共同谋划"
   (§(七)) and the capability list's purpose (a lead finds partners on it). An entrant that cannot
   cover every domain is not admitted.
5. *Owner's choice of winners (挂帅).* The owner scores a consortium as its weakest member: the lead's
   score minus how far the least ready member falls below the lead's readiness; at most
   ``max_winners`` consortia win (MIIT: at most 3 winners per sub-field; default 3) — in practice
   ``min(max_winners, race size)``: one unless the racing lever lets several pilot side by side.
6. *Success: the weakest link.* A consortium's pilot succeeds with chance
   ``min(p)^(1−independence) × (Πp)^independence`` over its members' success chances in their domains
   (each the model's success curve at the member's readiness and the scenario's requirement). With
   ``independence`` = 0 (default) this is the weakest link: as in technology readiness assessment,
   where a system is rated no higher than its least mature critical technology element (US GAO,
   Technology Readiness Assessment Guide, GAO-20-48G; Sauser et al. 2006, system readiness levels);
   with 1 the members' failures are independent and multiply (Kremer 1993, "O-ring"). Either way the
   consortium cannot succeed more easily than its weakest member. The consortium uses the same keyed
   outcome draw as the lead's own pilot would (stream ``outcome``), so a twin run without the lever
   shares it: the lever can only turn a success into a failure caused by a weaker partner.
7. *Costs, payments, capacity.* The lead contracts with the owner and pays the pilot's whole cost; its
   partners reimburse their share of the net outlay (cost − owner's payment), ``(1 − lead_share)``
   split equally, at landing, within the cash they hold (account ``consortia``, which nets to zero);
   where the owner pays more than the cost the lead passes the partners their share of the surplus.
   Each partner holds one unit of pilot capacity while the pilot runs; partners learn from the pilot
   like the lead (feedback–optimise). ``lead_share`` is assumed — uncertain.
8. *Pulses.* Major projects and dated events (``[[major_pulses]]`` in the case: month, count,
   source) open that many major scenarios at once, by provincial departments (keyed stream ``pulse``);
   the Hunan plan names the projects and events (§(四): 湘江科学城、"四个十大", 世界计算大会、中非经贸博览会、
   北斗规模应用国际峰会、岳麓峰会、全运会) but dates none of them, so the Hunan case has no pulses (nor
   does Hubei's, whose §(十一) names kinds of projects and events, undated).

No fiscal cost: owners pay as for any pilot; money between members moves through ``model.money``.

Not modelled (limits): bidders do not anticipate the consortium (a lead bids on its own outlay and
success chance, as for any scenario); members need not come from different cities (跨区域 is not
enforced); the plan does not nest tiers (major scenarios are not composed of small-cut ones), so
none are nested here — a major scenario's components are its domains.
"""

from __future__ import annotations

import numpy as np

from sim.base.sets import among, in_sorted, isin
from sim.base.vocab import OPENER_KINDS, TIERS
from sim.levers._util import grow
from sim.levers.base import Lever
from sim.params.registry import SHARE, Param

L, U = "lever", "uncertainty"
MAJOR = TIERS.index("major")
_BIG = np.iinfo(np.int64).max
_PAIR = np.int64(1) << np.int64(32)  # keys of (lead, partner) pairs
PARTNER_CELLS = 1 << 21  # (lead × candidate) cells judged at once when entrants look for partners
_DONE = (2, 3, 4)  # pilot statuses succeeded, failed, dropped (sim.core.market.pilots)


class Challenge(Lever):
    name = "challenge"
    label_zh = "揭榜挂帅与联合体"
    label_en = "Challenge calls and consortia"
    PARAMS = [
        Param("challenge.share", L, float, "share", SHARE, "Major scenarios run as challenge calls",
              "揭榜挂帅比例", "Chance a published comprehensive major scenario is run as a challenge call "
              "won by consortia (0: the lever is off)."),
        Param("challenge.max_entrants", L, int, "entrants", (1, 20), "Entrants per call", "揭榜单位上限",
              "At most this many bidders are admitted to a challenge call (MIIT: 5)."),
        Param("challenge.max_winners", L, int, "winners", (1, 10), "Winners per call", "挂帅单位上限",
              "At most this many consortia win a challenge call (MIIT: 3)."),
        Param("challenge.domains_max", U, int, "domains", (2, 5), "Domains a major scenario spans (max)",
              "重大场景跨领域数上限", "A call spans its own domain and 1 to this − 1 others."),
        Param("challenge.lead_share", U, float, "share", (0.0, 1.0), "Lead's share of a consortium's outlay",
              "牵头单位分担比例", "Share of the net outlay the lead bears; partners split the rest."),
        Param("challenge.independence", U, float, "share", SHARE, "Independence of members' failures",
              "成员失败独立程度", "0: weakest link (min of members' chances); 1: independent (product)."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.call = np.zeros(0, dtype=bool)  # per scenario: a challenge call
        self.doms = np.full((0, 4), -1, dtype=np.int64)  # per scenario: the other domains it spans
        # consortium members (partners only; the lead is the pilot's supplier), one row each
        self.m_pilot = np.zeros(0, np.int64)
        self.m_supplier = np.zeros(0, np.int64)
        self.m_cap = np.zeros(0, np.int64)  # the capability the member brings (−1: a domain nobody covers)
        self.m_held = np.zeros(0, bool)  # holds pilot capacity now
        self.known = np.zeros(0, np.int64)  # lead * 2**32 + partner, former partners
        self._contrib = {}  # pilot -> partners' contributions offered at landing
        self.calls = self.consortia = self.pulse_needs = 0
        self.entrants_max = self.winners_max = 0
        # bids each challenge call had when last scored (a call still open is scored again next month:
        # its later count replaces the earlier, so each call counts once)
        self.bids_per_call: dict[int, int] = {}

    # ------------------------------------------------------------------------------ helpers
    def _grow(self):
        n = len(self.model.scenarios)
        self.call = grow(self.call, n, False)
        if len(self.doms) < n:
            self.doms = np.vstack([self.doms, np.full((n - len(self.doms), 4), -1, np.int64)])

    def is_call(self, scenarios: np.ndarray) -> np.ndarray:
        self._grow()
        return self.call[scenarios]

    def domains_of(self, scenario: int) -> np.ndarray:
        """The other domains a challenge call spans (besides its own)."""
        self._grow()
        d = self.doms[scenario]
        return d[d >= 0]

    def _candidates(self, lead: int, domain: int, exclude=()) -> tuple[np.ndarray, np.ndarray]:
        """Capabilities in ``domain`` of suppliers ``lead`` knows, alive, with spare capacity (and the
        lead's own capability there, if any), with the suppliers holding them."""
        m = self.model
        sup = m.suppliers
        caps = m.capabilities.in_domain(domain)
        s = m.capabilities.supplier[caps]
        knows = sup.registered[s] | (sup.city[s] == sup.city[lead]) | in_sorted(lead * _PAIR + s, self.known)
        ok = sup.alive[s] & knows & (sup.load[s] < m.kind_capacity[sup.kind[s]])  # alive, known, with spare capacity
        for x in exclude:
            ok &= s != x
        ok |= s == lead
        return caps[ok], s[ok]

    def _pick_partner(self, lead: int, scenario: int, domain: int, exclude=()) -> tuple[int, int]:
        """The partner (supplier, capability) a lead picks for a domain: the one it perceives most ready."""
        m = self.model
        caps, s = self._candidates(lead, domain, exclude)
        if len(caps) == 0:
            return -1, -1
        seen = m.capabilities.readiness[caps] + m.draws.normal(
            "partner_pick", m.t, m.suppliers.key[lead], m.scenarios.key[scenario], m.suppliers.key[s],
            scale=m.params["owner.perception_sd"])
        i = int(np.argmax(seen))
        return int(s[i]), int(caps[i])

    def joint_success(self, p_members: list[np.ndarray]) -> np.ndarray:
        """A consortium's success chance from its members' chances (see rule 6)."""
        p = np.vstack(p_members)
        w = self.p["independence"]
        return p.min(axis=0) ** (1.0 - w) * p.prod(axis=0) ** w

    # -------------------------------------------------------------------------------- hooks
    def extra_needs(self):
        m = self.model
        y, mo = m.calendar.year(m.t), m.calendar.month(m.t)
        n = sum(c for month, c, _src in m.case.major_pulses if month == (y, mo))
        if n == 0:
            return 0.0
        gov = np.flatnonzero(m.openers.kind == OPENER_KINDS.index("gov"))
        if len(gov) == 0:
            gov = np.arange(len(m.openers))
        who = gov[np.minimum((m.draws.uniform("pulse", m.t, np.arange(n)) * len(gov)).astype(np.int64), len(gov) - 1)]
        extra = np.zeros((len(m.openers), len(TIERS)))
        np.add.at(extra[:, MAJOR], who, 1)
        self.pulse_needs += n
        return extra

    def on_published(self, scenarios):
        m = self.model
        self._grow()
        if self.p["share"] <= 0 or len(scenarios) == 0:
            return
        s = m.scenarios
        new = scenarios[~self.call[scenarios] & (s.tier[scenarios] == MAJOR) & (s.month_matched[scenarios] < 0)]
        pick = new[m.draws.uniform("challenge", s.key[new]) < self.p["share"]]
        kmax = max(int(self.p["domains_max"]) - 1, 1)
        nd = len(m.domain_weight)
        for i in pick:
            k = 1 + min(int(m.draws.uniform("challenge_n", s.key[i]) * kmax), kmax - 1)
            w = m.domain_weight.copy()
            w[s.domain[i]] = 0.0
            # k distinct other domains drawn by weight (Efraimidis–Spirakis keys)
            keys = np.log(m.draws.uniform("challenge_domains", s.key[i], np.arange(nd))) / np.maximum(w, 1e-300)
            keys[w <= 0] = -np.inf
            chosen = [d for d in np.argsort(-keys, kind="stable")[:k] if w[d] > 0]
            self.doms[i, :len(chosen)] = chosen
        self.call[pick] = True
        self.calls += len(pick)

    def award_score(self, bids, score):
        m = self.model
        adj = np.zeros(len(bids))
        c = self.is_call(bids.scenario)
        if not c.any():
            return adj
        idx = np.flatnonzero(c)
        order = idx[np.lexsort((-score[idx], bids.scenario[idx]))]  # by call, best first
        so = bids.scenario[order]
        rank = np.arange(len(order)) - np.searchsorted(so, so, side="left")
        adj[order[rank >= self.p["max_entrants"]]] = -np.inf  # not admitted (entrant cap)
        entrants = order[rank < self.p["max_entrants"]]
        calls, counts = np.unique(so, return_counts=True)
        self.bids_per_call.update(zip(calls.tolist(), counts.tolist()))
        if len(entrants):
            self.entrants_max = max(self.entrants_max, int(np.bincount(np.unique(bids.scenario[entrants], return_inverse=True)[1]).max()))
        r = m.capabilities.readiness
        own = r[bids.capability[entrants]]
        lead, scn = bids.supplier[entrants], bids.scenario[entrants]
        weakest = own.copy()
        doms = self.doms[scn]
        # each (lead, call)'s bits of the draws ("partner_pick", month, lead, call, candidate) once for all
        # domains (the candidate's key extends them, whatever its domain)
        prefix = m.draws.bits("partner_pick", m.t, m.suppliers.key[lead], m.scenarios.key[scn])
        for d in np.unique(doms[doms >= 0]):  # the partner each entrant would pick, domain by domain
            e = np.flatnonzero((doms == d).any(axis=1))
            weakest[e] = np.minimum(weakest[e], self._partner_readiness(lead[e], scn[e], int(d), prefix[e]))
        adj[entrants] = np.where(weakest == -np.inf, -np.inf, np.minimum(0.0, weakest - own))
        return adj

    def _partner_readiness(self, leads: np.ndarray, scenarios: np.ndarray, domain: int,
                           prefix: np.ndarray | None = None) -> np.ndarray:
        """For many (lead, call) at once, the readiness of the partner :meth:`_pick_partner` would pick
        in ``domain`` (−inf where there is none): the same candidates and draws, rows of leads at a time.
        ``prefix``: each (lead, call)'s ``draws.bits("partner_pick", month, lead key, call key)``, if the
        caller has them already (computed here otherwise)."""
        m = self.model
        sup = m.suppliers
        caps = m.capabilities.in_domain(domain)
        out = np.full(len(leads), -np.inf)
        if len(caps) == 0 or len(leads) == 0:
            return out
        s = m.capabilities.supplier[caps]
        spare = sup.alive[s] & (sup.load[s] < m.kind_capacity[sup.kind[s]])
        reg, city, key, r = sup.registered[s], sup.city[s], sup.key[s], m.capabilities.readiness[caps]
        rows = max(1, PARTNER_CELLS // len(caps))
        # the draws ("partner_pick", month, lead, call, candidate) of the candidates a lead can pick only:
        # each (lead, call)'s bits once, extended by the candidate's key (the same numbers as the whole grid)
        if prefix is None:
            prefix = m.draws.bits("partner_pick", m.t, sup.key[leads], m.scenarios.key[scenarios])
        sd = m.params["owner.perception_sd"]
        for a in range(0, len(leads), rows):
            lead = leads[a:a + rows, None]
            knows = reg | (city == sup.city[lead]) | in_sorted(lead * _PAIR + s, self.known)
            ok = (spare & knows) | (s == lead)
            li, ci = np.nonzero(ok)
            seen = np.full(ok.shape, -np.inf)
            seen[li, ci] = r[ci] + m.draws.normal_at(prefix[a + li], key[ci], scale=sd)
            i = np.argmax(seen, axis=1)
            out[a:a + rows] = np.where(ok[np.arange(len(i)), i], r[i], -np.inf)
        return out

    def winners_cap(self, scenarios):
        return np.where(self.is_call(scenarios), self.p["max_winners"], _BIG)

    def on_matched(self, pilots):
        m = self.model
        pil = m.pilots
        c = pilots[self.is_call(pil.scenario[pilots])]
        if len(c) == 0:
            return
        self.winners_max = max(self.winners_max, int(np.bincount(np.unique(pil.scenario[c], return_inverse=True)[1]).max()))
        rows_p, rows_s, rows_c = [], [], []
        for q in c:
            lead, scn = int(pil.supplier[q]), int(pil.scenario[q])
            taken: list[int] = []
            for d in self.domains_of(scn):
                s, cap = self._pick_partner(lead, scn, int(d), exclude=taken)
                rows_p.append(q), rows_s.append(s), rows_c.append(cap)
                if s >= 0 and s != lead:
                    taken.append(s)
                    m.hold_capacity(np.array([s]), 1)  # at once: the next winner sees it taken
        self.m_pilot = np.concatenate([self.m_pilot, rows_p]).astype(np.int64)
        self.m_supplier = np.concatenate([self.m_supplier, rows_s]).astype(np.int64)
        self.m_cap = np.concatenate([self.m_cap, rows_c]).astype(np.int64)
        sup = np.asarray(rows_s)
        self.m_held = np.concatenate([self.m_held, (sup >= 0) & (sup != pil.supplier[rows_p])])
        self.consortia += len(c)

    def _partners(self, pilots: np.ndarray) -> np.ndarray:
        """Member rows of these pilots' consortia that are partners other than the lead."""
        rows = np.flatnonzero(isin(self.m_pilot, pilots))
        lead = self.model.pilots.supplier[self.m_pilot[rows]]
        return rows[(self.m_supplier[rows] >= 0) & (self.m_supplier[rows] != lead)]

    def at_landing(self, pilots, need):
        if len(self.m_pilot) == 0:
            return 0.0
        m = self.model
        out = np.zeros(len(pilots))
        self._contrib = {}
        for j in np.flatnonzero(isin(pilots, self.m_pilot)):
            q = pilots[j]
            rows = self._partners(np.array([q]))
            if len(rows) == 0:
                continue
            share = (1.0 - self.p["lead_share"]) / len(rows)
            owe = share * m.pilots.outlay[q]
            give = np.where(owe > 0, np.minimum(owe, np.maximum(m.suppliers.cash[self.m_supplier[rows]], 0.0)), owe)
            self._contrib[int(q)] = (rows, give)
            out[j] = np.maximum(give, 0.0).sum()
        return out

    def on_landed(self, pilots, landed):
        m = self.model
        lead_of = m.pilots.supplier
        for q in pilots[landed]:
            if int(q) not in self._contrib:
                continue
            rows, give = self._contrib[int(q)]
            partners, lead = self.m_supplier[rows], np.full(len(rows), lead_of[q])
            pay, get = give > 0, give < 0  # partners reimburse the lead / the lead passes on a surplus
            m.money.from_suppliers("consortia", partners[pay], give[pay])
            m.money.to_suppliers("consortia", lead[pay], give[pay])
            m.money.from_suppliers("consortia", lead[get], -give[get])
            m.money.to_suppliers("consortia", partners[get], -give[get])
        self._contrib = {}
        self._release(pilots[~landed])

    def pilot_incidents(self, pilots):
        m = self.model
        out = np.zeros(len(pilots), dtype=bool)
        if len(self.m_pilot) == 0:
            return out
        pil, s = m.pilots, m.scenarios
        for j in np.flatnonzero(isin(pilots, self.m_pilot)):
            q = pilots[j]
            rows = np.flatnonzero(self.m_pilot == q)
            scn = pil.scenario[q]
            cap = self.m_cap[rows]
            ready = np.where(cap >= 0, m.capabilities.readiness[np.maximum(cap, 0)], 1.0)
            p_members = m.success_prob(ready, s.required[scn], s.tier[scn])
            p = self.joint_success([np.array([pil.p_success[q]]), *[np.array([x]) for x in p_members]])[0]
            u = m.draws.uniform("outcome", s.key[scn], m.suppliers.key[pil.supplier[q]])  # the pilot's own draw
            out[j] = (u < pil.p_success[q]) & (u >= p)  # the lead's part would succeed, a weaker member's not
        return out

    def on_pilots_concluded(self, pilots, success):
        m = self.model
        rows = self._partners(pilots)
        if len(rows) == 0:
            return
        ok = dict(zip(pilots.tolist(), success.tolist()))
        win = np.array([ok[int(q)] for q in self.m_pilot[rows]])
        cap = self.m_cap[rows]
        rate = np.where(win, m.params["pilot.learning_success"], m.params["pilot.learning_failure"])
        m.raise_readiness(cap[cap >= 0], (rate * (9.0 - m.capabilities.readiness[np.maximum(cap, 0)]))[cap >= 0])
        self.known = np.union1d(self.known, m.pilots.supplier[self.m_pilot[rows]] * _PAIR + self.m_supplier[rows])

    def on_supplier_exit(self, suppliers):
        # an exiting supplier's load is cleared by the model; its consortium places are no longer held
        # (what it paid in at landing stays paid; the pilot goes on with the lead — assumed)
        self.m_held &= ~isin(self.m_supplier, suppliers)

    def partner_load(self, n: int) -> np.ndarray:
        """Pilot capacity each supplier holds as a consortium partner (length ``n``)."""
        return np.bincount(self.m_supplier[self.m_held], minlength=n)

    def on_month_end(self):
        if len(self.m_pilot):
            done = among(self.model.pilots.status[self.m_pilot], _DONE)
            self._release(np.unique(self.m_pilot[done & self.m_held]))

    def _release(self, pilots):
        rows = np.flatnonzero(isin(self.m_pilot, pilots) & self.m_held)
        if len(rows):
            self.model.hold_capacity(self.m_supplier[rows], -1)
            self.m_held[rows] = False

    def summary(self):
        n = len(self.m_pilot)
        return {"challenge_calls": self.calls, "consortia": self.consortia,
                "consortium_partners": int((self.m_supplier >= 0).sum()) if n else 0,
                "calls_with_bids": len(self.bids_per_call),
                "mean_bids_per_call": float(np.mean(list(self.bids_per_call.values()))) if self.bids_per_call else 0.0,
                "calls_over_entrant_cap": sum(n > self.p["max_entrants"] for n in self.bids_per_call.values()),
                "max_entrants_seen": self.entrants_max, "max_winners_seen": self.winners_max,
                "pulse_needs": self.pulse_needs}
