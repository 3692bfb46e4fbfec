"""The agents: openers (who publish scenario needs) and suppliers (who pilot solutions).

Their state lives in the model's arrays (``model.openers``, ``model.suppliers``, ``model.capabilities``) so that
decisions over thousands of supplier–scenario pairs are taken in one numpy pass; these classes are
readable views onto that state. The decision rules are the functions below, named after what they
decide; the model applies them to whole arrays, and the agents' methods apply them to one pair. The
market's price rules (a supplier's ask, the owner's procurement rule, suppliers' adaptive expectations)
are in :mod:`sim.core.market.pricing`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from sim.base.agent import ScenarioAgent
from sim.base.vocab import OPENER_KINDS, SUPPLIER_KINDS


# -- decision rules (vectorised) -------------------------------------------------------------------
def success_probability(readiness, required, success_max, slope):
    """Chance a pilot succeeds: ``success_max`` × logistic(slope × (readiness − required))."""
    return success_max / (1.0 + np.exp(-slope * (np.asarray(readiness) - np.asarray(required))))


def expected_net_value(outlay, relief, bonus, p_success, followon_multiple, budget):
    """A bidder's expected net value of a pilot if it wins at its asked price (yuan): −own outlay (cost −
    the owner's payment at that price) + lever relief and support + chance of success × the follow-on
    profit it now expects (``followon_multiple`` × budget, a belief updated from what validated
    solutions earn)."""
    return -(np.asarray(outlay) - relief) + bonus + p_success * followon_multiple * np.asarray(budget)


def bid_probability(net_value_share, hurdle, temperature):
    """Chance a supplier bids, logistic in its expected net value as a share of the pilot budget. At a small
    temperature exp overflows to inf for clearly loss-making bids, whose chance is then exactly 0, as it
    should be: not a warning."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-(np.asarray(net_value_share) - hurdle) / temperature))


def owner_score(perceived_readiness, required, validated_pilots, record_bonus, risk_aversion, newness):
    """How an owner ranks a bid (TRL points): perceived readiness over what the scenario requires,
    plus a track-record bonus (at most three validated pilots count), minus the owner's risk aversion
    towards an unproven supplier (``newness`` 1 for a startup, ½ for an SME, 0 once it has a validated
    pilot or for leaders and institutes)."""
    return (np.asarray(perceived_readiness) - required + record_bonus * np.minimum(validated_pilots, 3)
            - risk_aversion * newness)


NEWNESS = {"startup": 1.0, "sme": 0.5, "leader": 0.0, "institute": 0.0}


# -- agents ----------------------------------------------------------------------------------------
class Opener(ScenarioAgent):
    """A government department, city government, SOE, chain-leader firm or pilot base that opens scenarios."""

    def __init__(self, model, idx: int):
        super().__init__(model)
        self.idx = idx

    def __repr__(self) -> str:
        return f"Opener({self.kind}, domain={self.domain}, city={self.city})"

    @property
    def kind(self) -> str:
        return OPENER_KINDS[self.model.openers.kind[self.idx]]

    @property
    def domain(self) -> str | None:
        d = self.model.openers.domain[self.idx]
        return self.model.domain_ids[d] if d >= 0 else None

    @property
    def city(self) -> str | None:
        c = self.model.openers.city[self.idx]
        return self.model.city_ids[c] if c >= 0 else None

    @property
    def validated(self) -> int:
        """Scenarios of this opener that were validated (they raise its propensity to open more)."""
        return int(self.model.openers.n_validated[self.idx])

    def opening_rates(self) -> dict[str, float]:
        """Expected needs per month by tier, as the model would draw them now."""
        rates = self.model.opening_rates()[self.idx]
        return dict(zip(self.model.tier_ids, map(float, rates)))

    def scenarios(self) -> np.ndarray:
        """Indices of the scenarios this opener owns."""
        return np.flatnonzero(self.model.scenarios.opener == self.idx)


class Supplier(ScenarioAgent):
    """A startup, little-giant SME, leading firm or institute that bids for and pilots scenarios."""

    def __init__(self, model, idx: int):
        super().__init__(model)
        self.idx = idx

    def __repr__(self) -> str:
        return f"Supplier({self.kind}, cash={self.cash:,.0f} CNY, pilots={self.pilots}, alive={self.alive})"

    @property
    def kind(self) -> str:
        return SUPPLIER_KINDS[self.model.suppliers.kind[self.idx]]

    @property
    def cash(self) -> float:
        return float(self.model.suppliers.cash[self.idx])

    @property
    def alive(self) -> bool:
        return bool(self.model.suppliers.alive[self.idx])

    @property
    def pilots(self) -> int:
        return int(self.model.suppliers.n_pilots[self.idx])

    @property
    def validated(self) -> int:
        return int(self.model.suppliers.n_validated[self.idx])

    @property
    def capabilities(self) -> dict[str, float]:
        """Readiness (TRL) by domain."""
        c = self.model.capabilities.of_supplier(self.idx)
        return {self.model.domain_ids[d]: float(r) for d, r in zip(self.model.capabilities.domain[c], self.model.capabilities.readiness[c])}

    def success_chance(self, scenario: int) -> float:
        """Chance this supplier's pilot of ``scenario`` would succeed (0 without a capability in its
        domain); levers that raise effective readiness (data opening) included."""
        pairs = self.model.pairs_for(np.array([self.idx]), np.array([scenario]))
        return float(pairs.p_success[0]) if len(pairs) else 0.0

    def asked_price(self, scenario: int) -> float:
        """The price (CNY) this supplier would ask for ``scenario`` now (0 without a capability in its domain)."""
        pairs = self.model.pairs_for(np.array([self.idx]), np.array([scenario]))
        return float(pairs.price[0]) if len(pairs) else 0.0

    def bid_chance(self, scenario: int) -> float:
        """Chance this supplier would bid for ``scenario`` if aware of it now (levers included)."""
        m = self.model
        pairs = m.pairs_for(np.array([self.idx]), np.array([scenario]))
        if len(pairs) == 0:
            return 0.0
        return float(m.bid_probabilities(pairs)[0])


class SupplierAgents(Sequence):
    """The suppliers as :class:`Supplier` agents, ``model.supplier_agents[i]`` for row ``i`` of ``model.suppliers``.

    An agent is only a view of its row, so it is made (and registered with the Mesa model) when first
    read rather than when the supplier enters: a run creates tens of thousands of suppliers and reads
    few of them as agents. Reading ``model.agents`` makes them all (see ``ScenarioMarket.agents``).
    """

    def __init__(self, model):
        self.model = model
        self._made: dict[int, Supplier] = {}

    def __len__(self) -> int:
        return len(self.model.suppliers)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"supplier {i} out of range ({n} suppliers)")
        agent = self._made.get(i)
        if agent is None:
            agent = self._made[i] = Supplier(self.model, i)
        return agent

    def __iter__(self) -> Iterator[Supplier]:
        return (self[i] for i in range(len(self)))

    def make_all(self) -> None:
        """Make (and register) every supplier's agent, in row order."""
        for i in range(len(self)):
            self[i]
