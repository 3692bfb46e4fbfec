"""Pilots (落地 → verdict): matched pilots land when the supplier can fund its share; pilots conclude,
validated or failed; suppliers learn from every pilot (feedback–optimise); under racing the best
successful racer continues into the demonstration list.

Part of :class:`~sim.core.model.ScenarioMarket` (a mixin).
"""

from __future__ import annotations

import numpy as np

from sim.base.sets import among, flags
from sim.base.vocab import OPENER_KINDS, State

# pilot statuses
P_MATCHED, P_RUNNING, P_SUCCEEDED, P_FAILED, P_DROPPED = range(5)


class Pilots:
    """Landing, concluding and dropping pilots."""

    def land(self) -> None:
        """Matched pilots whose contracting is done start if the supplier can fund its share (落地)."""
        pil, s = self.pilots, self.scenarios
        due = np.flatnonzero((pil.status == P_MATCHED) & (pil.month_land <= self.t))
        due = self.owners_follow_through(due)  # owners of weak needs may walk away (sim.core.centre)
        if len(due) == 0:
            return
        sup_i = pil.supplier[due]
        need = np.maximum(pil.outlay[due], 0.0)
        offers = self.levers.combine("at_landing", due, need, n=len(due))
        # a supplier landing several pilots at once must fund them together
        gap = need - offers
        order = np.lexsort((due, sup_i))
        csum = np.cumsum(gap[order])
        grp_start = np.searchsorted(sup_i[order], sup_i[order], side="left")
        before = np.where(grp_start > 0, csum[np.maximum(grp_start - 1, 0)], 0.0)
        within = np.empty(len(due))
        within[order] = csum - before
        funded = self.suppliers.alive[sup_i] & (within <= self.suppliers.cash[sup_i] + 1e-6)
        self.levers.notify("on_landed", due, funded)
        ok, bad = due[funded], due[~funded]
        full = self.opener_payment(pil.scenario[ok], pil.price[ok])  # the owner's payment, part perhaps paid by a lever
        pil.opener_paid[ok] = full - np.minimum(self.levers.combine("owner_relief", ok, n=len(ok)), full)
        # money: the owner pays its share to the supplier, who pays the pilot's whole cost (the levers'
        # offers were paid by the levers themselves in on_landed)
        owner_kind = self.openers.kind[s.opener[pil.scenario[ok]]]
        for k in np.unique(owner_kind):
            mine = owner_kind == k
            self.money.to_suppliers(f"owners:{OPENER_KINDS[k]}", sup_i[funded][mine], pil.opener_paid[ok][mine])
        self.money.from_suppliers("economy", sup_i[funded], pil.outlay[ok] + full)
        pil.status[ok], pil.month_end[ok] = P_RUNNING, self.t + s.duration[pil.scenario[ok]]
        np.add.at(self.suppliers.n_pilots, sup_i[funded], 1)
        scn = np.unique(pil.scenario[ok])
        newly = scn[s.month_landed[scn] < 0]  # a race lands once, however many pilots start
        s.state[newly], s.month_landed[newly] = State.LANDED, self.t
        self.count("landed", newly)
        self._drop(bad)

    def _active_pilots(self) -> np.ndarray:
        return np.flatnonzero(among(self.pilots.status, (P_MATCHED, P_RUNNING)))

    def _drop(self, pilots: np.ndarray) -> None:
        """Matches that fall through. A scenario with no other pilot matched or running returns to the
        opportunity list; otherwise its lead passes to a remaining pilot."""
        if len(pilots) == 0:
            return
        pil, s = self.pilots, self.scenarios
        pil.status[pilots] = P_DROPPED
        np.add.at(self.suppliers.load, pil.supplier[pilots], -1)
        self.count("match_dropped", pil.scenario[pilots])
        scn = np.unique(pil.scenario[pilots])
        active = self._active_pilots()
        alone = ~flags(pil.scenario[active], len(s))[scn]
        back = scn[alone]
        s.state[back], s.supplier[back], s.pilot[back] = State.PUBLISHED, -1, -1
        lead = s.pilot[scn[~alone]]
        lead_gone = scn[~alone][(lead >= 0) & flags(pilots, len(pil))[lead]]
        if len(lead_gone):
            rows = active[flags(lead_gone, len(s))[pil.scenario[active]]]
            first = rows[np.unique(pil.scenario[rows], return_index=True)[1]]
            s.pilot[pil.scenario[first]], s.supplier[pil.scenario[first]] = first, pil.supplier[first]

    def incidents(self, pilots: np.ndarray) -> np.ndarray:
        """Pilots that fail for reasons a lever admits (e.g. incidents under a sandbox)."""
        return self.levers.combine("pilot_incidents", pilots, n=len(pilots))

    def conclude_pilots(self) -> None:
        """Pilots at their end succeed (validated, demonstration list) or fail; suppliers learn."""
        pil, s = self.pilots, self.scenarios
        due = np.flatnonzero((pil.status == P_RUNNING) & (pil.month_end <= self.t))
        if len(due) == 0:
            return
        scn, sup_i = pil.scenario[due], pil.supplier[due]
        success = (self.draws.uniform("outcome", s.key[scn], self.suppliers.key[sup_i]) < pil.p_success[due]) \
            & ~self.incidents(due)
        self._finish(due, success)

    def _finish(self, pilots: np.ndarray, success: np.ndarray) -> None:
        """Record pilots' verdicts. A scenario is decided once none of its pilots is still running: it
        is validated if any succeeded — the successful racer with the highest readiness continues
        and enters the demonstration list — and failed otherwise."""
        pil, s, p = self.pilots, self.scenarios, self.params
        sup_i, cap = pil.supplier[pilots], pil.cap[pilots]
        pil.status[pilots] = np.where(success, P_SUCCEEDED, P_FAILED)
        np.add.at(self.suppliers.load, sup_i, -1)
        rate = np.where(success, p["pilot.learning_success"], p["pilot.learning_failure"])
        self.capabilities.readiness[cap] += rate * (9.0 - self.capabilities.readiness[cap])  # feedback–optimise
        scn = np.unique(pil.scenario[pilots])
        done = scn[~flags(pil.scenario[self._active_pilots()], len(s))[scn]]
        rows = np.flatnonzero(flags(done, len(s))[pil.scenario] & (pil.status == P_SUCCEEDED))
        rows = rows[np.lexsort((-self.capabilities.readiness[pil.cap[rows]], pil.scenario[rows]))]
        best = rows[np.unique(pil.scenario[rows], return_index=True)[1]]
        won = pil.scenario[best]
        lost = done[~flags(won, len(s))[done]]
        s.state[won], s.month_validated[won], s.adopters[won] = State.VALIDATED, self.t, 1
        s.supplier[won], s.pilot[won] = pil.supplier[best], best
        s.state[lost], s.month_failed[lost] = State.FAILED, self.t
        np.add.at(self.suppliers.n_validated, pil.supplier[best], 1)
        np.add.at(self.openers.n_validated, s.opener[won], 1)
        self.count("validated", won)
        self.count("failed", lost)
        self.levers.notify("on_pilots_concluded", pilots, success)
        self.levers.notify("on_validated", won)
