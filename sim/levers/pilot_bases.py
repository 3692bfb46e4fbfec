"""Pilot bases and proof-of-concept centres (中试基地、概念验证中心).

Whom it reaches and which decision it changes. An owner rejects a bid whose perceived readiness
falls short of what the scenario requires (:func:`sim.core.agents.owner_score`), and a pilot run
below the requirement is likely to fail (:func:`sim.core.agents.success_probability`). Measured on
the Hunan case, readiness — not the owner's risk aversion — decides about four in five public calls
that close with bids but no acceptable one. A proof-of-concept run is the instrument that acts on
that gap: it verifies and matures a technology in a realistic setting before a full pilot.

The rule (demand-driven, bounded-rational). A startup, SME or institute that learns of an open
opportunity (the pairs of ``on_aware``) in a domain that a pilot base serves applies for a run when
its readiness there is below the published requirement but within what one run can add
(0 < required − readiness ≤ ``readiness_gain``): it sees that it falls short and that a run could
close the gap. Each base takes ``runs_per_base_per_month`` applicants a month (the fraction as a
chance of one more) from those in its domain, in random order, while the yearly budget pays the
public subsidy ``subsidy_cny`` per run; a capability is in at most one run at a time. A run lasts
``months``; with probability ``success`` it raises the supplier's readiness in that domain by
``readiness_gain`` TRL points, so the supplier — now at or above the requirement — scores higher
with owners and is more likely to pass a pilot. Applicants who are not taken this month may apply
again while they know of an opportunity they fall short of.

Why its effect on the targets stays small (a finding). Runs now reach the suppliers who were bidding
and short of a requirement, but closing the gap to the published requirement is not enough to be
chosen: an owner's bar for an unproven startup or SME lies above the requirement by its minimum
score plus its risk aversion × newness (about 1–1.5 TRL for a government owner and a startup), and
the applicant still competes with better-scored bidders. In a Hunan run (seed 1) 117 runs went to
78 startups, 35 SMEs and 4 institutes, of whom 2 were matched to a pilot afterwards. The readiness
gap is the binding reason for rejections, but one run of ``readiness_gain`` TRL rarely carries an
unproven firm over an owner's bar; the verification report is not modelled as a track record (an
owner still treats the firm as unproven). Measured on the Hunan case (20 replicates, common random
numbers): about 700 applications and 124 runs a run, no target moving beyond noise; the bases'
capacity binds more than the budget (doubling the budget adds about 8 runs). At the top of the ranges
(a gain of 1 TRL, 2 runs per base a month; 10 replicates) 137 runs (275 with the budget doubled)
still move no target beyond noise.

What it does not do: it does not raise the readiness of firms that never bid (the previous design
picked random early-stage capabilities in a base's domain, of which almost none ever piloted: the
money reached firms whose decision was never binding). Bases serve only the domains the case gives
them, so the lever's reach is limited to those domains.

Evidence. Hunan plan §(七) "鼓励中试基地、概念验证中心率先搭建早期应用场景，为新技术新产品提供应用验证机会",
§(十四) "构建场景与概念验证中心、中试基地…协同联动工作机制"; Hubei §(十四) 小试中试基地平台, 概念验证场. Hunan had
20 pilot bases in 2024 (docs/sources.md). EU pre-commercial procurement phases of about 3–6 months for a
solution design/prototype, with a funnel of 8–10 → 6 → 3 suppliers (docs/sources.md, "Pilots, proofs of
concept, pre-commercial procurement"); US SBIR: ≈28 % of Phase I awards lead to Phase II. Run length,
success and gain are assumed — uncertain (ranges in the case file).
"""

from __future__ import annotations

import numpy as np

from sim.params.registry import MONEY, Param, SHARE, TRL
from sim.base.table import Table
from sim.base.vocab import OPENER_KINDS, SUPPLIER_KINDS
from sim.levers.base import Lever

L, U = "lever", "uncertainty"
ELIGIBLE = ("startup", "sme", "institute")


class PilotBases(Lever):
    name = "pilot_bases"
    label_zh = "中试基地与概念验证"
    label_en = "Pilot bases and proof of concept"
    PARAMS = [
        Param("pilot_bases.budget_cny_per_year", L, float, "CNY/year", MONEY, "Proof-of-concept budget",
              "概念验证年度预算", "Yearly budget for subsidising proof-of-concept runs (0 turns it off)."),
        Param("pilot_bases.runs_per_base_per_month", L, float, "runs/base/month", (0.0, 100.0), "Runs per base",
              "每基地月均验证项目", "Proof-of-concept runs each base can start per month (its capacity)."),
        Param("pilot_bases.subsidy_cny", L, float, "CNY/run", MONEY, "Subsidy per run", "单项补贴",
              "Public subsidy per proof-of-concept run."),
        Param("pilot_bases.months", U, int, "months", (1, 24), "Run length", "验证周期", "Months a run lasts."),
        Param("pilot_bases.success", U, float, "probability", SHARE, "Run success", "验证成功率",
              "Chance a run raises the supplier's readiness."),
        Param("pilot_bases.readiness_gain", U, float, "TRL", (0.0, 5.0), "Readiness gain", "成熟度提升",
              "TRL points a successful run adds in its domain (also the largest gap a supplier applies to close)."),
        Param("pilot_bases.max_readiness", U, float, "TRL", TRL, "Serves readiness below", "服务成熟度上限",
              "Runs serve capabilities below this readiness (early-stage technology)."),
    ]

    def __init__(self, model):
        super().__init__(model)
        self.bases = np.flatnonzero(model.openers.kind == OPENER_KINDS.index("base"))
        self.base_domains = np.unique(model.openers.domain[self.bases]) if len(self.bases) else np.zeros(0, np.int64)
        self.served_domain = np.zeros(model.n_domains, dtype=bool)
        self.served_domain[self.base_domains] = True
        self.eligible_kind = np.array([k in ELIGIBLE for k in SUPPLIER_KINDS])
        self.runs = Table({"supplier": (np.int64, -1), "cap": (np.int64, -1), "base": (np.int64, -1),
                           "end": (np.int64, -1), "done": (np.bool_, False)}, capacity=256)
        self.applicants = np.zeros(0, dtype=np.int64)  # capabilities applying this month
        self.succeeded = 0
        self.applied = 0

    def wants_run(self, pairs) -> np.ndarray:
        """Which aware (supplier, opportunity) pairs make the supplier apply: an eligible kind, a domain
        a base serves, readiness below the requirement by at most one run's gain, and below the bases'
        ceiling."""
        m = self.model
        ready = m.capabilities.readiness[pairs.capability]
        gap = m.scenarios.required[pairs.scenario] - ready
        return (self.eligible_kind[m.suppliers.kind[pairs.supplier]] & self.served_domain[pairs.domain]
                & (gap > 0) & (gap <= self.p["readiness_gain"]) & (ready < self.p["max_readiness"]))

    def on_aware(self, pairs):
        if not self.active or self.p["runs_per_base_per_month"] <= 0 or len(self.bases) == 0:
            return
        c = np.unique(pairs.capability[self.wants_run(pairs)])
        busy = self.runs.cap[~self.runs.done]
        self.applicants = c[~np.isin(c, busy)]

    def act(self):
        m = self.model
        self._conclude()
        c_all, self.applicants = self.applicants, np.zeros(0, dtype=np.int64)
        if not self.active or self.p["runs_per_base_per_month"] <= 0 or len(c_all) == 0:
            return
        c_all = c_all[m.suppliers.alive[m.capabilities.supplier[c_all]]]
        self.applied += len(c_all)
        rate = self.p["runs_per_base_per_month"]
        # each base takes int(rate) applicants, or one more with chance frac(rate), in its base order
        k = int(rate) + (m.draws.uniform("poc_extra", m.t, m.openers.key[self.bases]) < rate - int(rate))
        domain = m.capabilities.domain[c_all]
        free = np.ones(len(c_all), dtype=bool)  # not yet taken by an earlier base this month
        # applicants grouped by domain (in their order), and how many of each domain are still free: a
        # base looks only at its own domain's applicants, and not at all once none is left there
        by_domain = np.argsort(domain, kind="stable")
        bounds = np.searchsorted(domain[by_domain], np.arange(m.n_domains + 1))
        left = np.diff(bounds)
        base_domain = m.openers.domain[self.bases]
        go = (k > 0) & (left[base_domain] > 0)  # bases that may take applicants this month
        bases, k, base_domain = self.bases[go], k[go], base_domain[go]
        # each such base's draws ("poc_pick", month, base, supplier) for all its domain's applicants in one
        # call; a base ranks those still free by theirs (a keyed draw is a function of its address: the
        # same numbers as drawing for the free ones alone, base by base)
        size = left[base_domain]
        first = np.cumsum(size) - size
        pools = by_domain[np.repeat(bounds[base_domain] - first, size) + np.arange(size.sum())]
        u_all = m.draws.uniform("poc_pick", m.t, np.repeat(m.openers.key[bases], size),
                                m.suppliers.key[m.capabilities.supplier[c_all[pools]]])
        taken, by_base = [], []
        for b, kb, d, a, n in zip(bases, k, base_domain, first, size):
            if left[d] == 0:
                continue
            pool = pools[a:a + n]
            f = free[pool]
            cand = pool[f][np.argsort(u_all[a:a + n][f])[:kb]]
            taken.append(cand)
            by_base.append(np.full(len(cand), b))
            free[cand] = False
            left[d] -= len(cand)
        if not taken:
            return
        cand, base = np.concatenate(taken), np.concatenate(by_base)
        s = m.capabilities.supplier[c_all[cand]]
        if self.p["subsidy_cny"] > 0:
            # one payment for the month, in the bases' order: with one subsidy per run, once the budget
            # cannot pay a run it pays none after it, so this takes the runs base by base paying would
            paid = m.fiscal.pay(self.name, "poc_subsidy", np.full(len(s), self.p["subsidy_cny"]), s, to="economy")
            cand, base, s = cand[paid > 0], base[paid > 0], s[paid > 0]
        self.runs.add(supplier=s, cap=c_all[cand], base=base, end=m.t + self.p["months"])

    def _conclude(self):
        m = self.model
        r = self.runs
        due = np.flatnonzero(~r.done & (r.end <= m.t))
        if len(due) == 0:
            return
        r.done[due] = True
        alive = m.suppliers.alive[r.supplier[due]]
        ok = alive & (m.draws.uniform("poc_result", m.t, m.suppliers.key[r.supplier[due]], r.cap[due]) < self.p["success"])
        c = r.cap[due][ok]
        m.raise_readiness(c, self.p["readiness_gain"])
        self.succeeded += int(ok.sum())
        s = r.supplier[due][alive]
        m.recorder.count(m.t, "poc_runs", len(s), city=m.suppliers.city[s])

    def summary(self):
        return {"poc_runs": int(self.runs.n), "poc_succeeded": self.succeeded, "poc_applications": self.applied}
