"""What a lever is: a module with named parameters and hooks the model calls at fixed points.

A lever subclasses :class:`Lever`, declares its parameters (``PARAMS``), and overrides only the
hooks through which its mechanism acts. Every hook works on whole arrays (all candidate pairs, all
landing pilots, …) and returns arrays, so levers add no Python loops over agents. Adding a lever is
adding one module to ``sim/levers/`` and listing it in ``sim/levers/__init__.py``.

The hooks are declared once, in :data:`HOOKS`, in the order the model calls them within a month
(``ScenarioMarket.step``), each with the rule that combines several levers' answers. The model asks
the levers through :class:`LeverSet` (``model.levers.combine(name, ...)`` for questions,
``model.levers.notify(name, ...)`` for events), which calls only the levers that override the hook, in
the order of ``LEVERS``. A lever reads model state freely but changes it only through the methods
the model offers for it (``add_suppliers``, ``register_suppliers``, ``raise_readiness``,
``scale_owner_payment``, ``serve``, ``adopt``, the fiscal accounts ``fiscal`` and the money ledger
``money``: every yuan a lever moves goes through them, so money is conserved), and never
calls another lever: what one lever tells others (e.g. the public fund's stakes, which investors
observe) goes through a hook (``public_signals``).

Combination rules (``Hook.combine``):

========== =================================================== =====================================
rule       result                                              used for
========== =================================================== =====================================
notify     nothing; every overriding lever is called           events (``on_*``, ``hold_events``,
                                                               ``act``)
product    Π xᵢ, starting from 1                               multipliers
sum        Σ xᵢ, starting from 0                               yuan, hazards, readiness points
relief     1 − Π(1 − xᵢ): shares removed independently          shares of friction, caution or distance removed
any        x₁ ∨ x₂ ∨ …, starting from False                     awareness, incidents
all        x₁ ∧ x₂ ∧ …, starting from True                      whether the list is released now
max        max xᵢ, starting from 1                             race size
least      elementwise min xᵢ, starting from ``start``         caps (winners per challenge call)
min        smallest non-None answer, or None                   months before withdrawal
merge      dict union; a key named twice is OR-ed               signals investors observe
each       a list of (lever, answer), one per lever            public purchases each lever pays for,
                                                               pairs each lever's channel makes aware
========== =================================================== =====================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.params.registry import Param

if TYPE_CHECKING:  # pragma: no cover
    from sim.core.model import ScenarioMarket


@dataclass(frozen=True)
class Hook:
    """A point in the month where levers act: its combination rule and the stage that calls it."""

    name: str
    combine: str
    stage: str


# In the order the model calls them within a month (ScenarioMarket.step).
HOOKS: dict[str, Hook] = {h.name: h for h in [
    Hook("on_year_start", "notify", "begin_month (January, and the first month)"),
    Hook("on_suppliers_added", "notify", "whenever suppliers are created (set-up, entry, attraction)"),
    Hook("opening_multiplier", "product", "open_needs"),
    Hook("extra_needs", "sum", "open_needs: needs opened at once (pulses of major projects and events)"),
    Hook("opening_pressure", "product", "open_needs (needs opened under a duty: lower quality)"),
    Hook("regulatory_relief", "relief", "open_needs, screen_needs"),
    Hook("releases_now", "all", "publish_opportunities"),
    Hook("on_published", "notify", "publish_opportunities"),
    Hook("hold_events", "notify", "hold_matchmaking"),
    Hook("cost_factor", "product", "match: pricing each candidate pair"),
    Hook("readiness_bonus", "sum", "match: pricing each candidate pair"),
    Hook("aware_pairs", "each", "match: pairs a lever's channel makes aware (platform, events, firms attracted)"),
    Hook("on_aware", "notify", "match: after awareness"),
    Hook("bid_relief", "sum", "match: the bid decision"),
    Hook("bid_bonus", "sum", "match: the bid decision"),
    Hook("credit_line", "sum", "match: the bid decision (affordability)"),
    Hook("landing_cash", "sum", "match: the bid decision (affordability)"),
    Hook("risk_aversion_multiplier", "product", "match: owners score bids when a call closes"),
    Hook("award_score", "sum", "match: owners score bids when a call closes (entrant screening, consortia)"),
    Hook("race_size", "max", "match: owners pick winners"),
    Hook("winners_cap", "least", "match: owners pick winners (at most this many per call)"),
    Hook("on_matched", "notify", "match: after pilots are awarded"),
    Hook("at_landing", "sum", "land"),
    Hook("on_landed", "notify", "land"),
    Hook("owner_relief", "sum", "land: what the owner pays"),
    Hook("pilot_incidents", "any", "conclude_pilots"),
    Hook("on_pilots_concluded", "notify", "conclude_pilots (and suppliers' exit)"),
    Hook("on_validated", "notify", "conclude_pilots (and suppliers' exit)"),
    Hook("market_hazard", "sum", "diffuse"),
    Hook("buyer_caution_relief", "relief", "diffuse"),
    Hook("publicity_reach", "relief", "diffuse: contact between adopter groups"),
    Hook("adoption_hazard", "each", "diffuse: public purchases, one lever at a time"),
    Hook("public_signals", "merge", "levers_act (investors read them)"),
    Hook("act", "notify", "levers_act"),
    Hook("on_supplier_exit", "notify", "settle_suppliers"),
    Hook("exit_after_months", "min", "withdraw_stale"),
    Hook("on_month_end", "notify", "end_month"),
]}


class Lever:
    """Base class of a policy lever. Subclasses set ``name``, labels and ``PARAMS``, and override hooks."""

    name: str = ""
    label_zh: str = ""
    label_en: str = ""
    PARAMS: list[Param] = []

    def __init__(self, model: ScenarioMarket):
        self.model = model
        prefix = self.name + "."
        self.p = {k[len(prefix):]: v for k, v in model.params.items() if k.startswith(prefix)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.p.items())})"

    @property
    def has_budget(self) -> bool:
        """Whether the lever spends fiscal money from a yearly budget (it declares ``<name>.budget_cny_per_year``)."""
        return any(p.name == f"{self.name}.budget_cny_per_year" for p in self.PARAMS)

    @property
    def budget_cny_per_year(self) -> float | None:
        """The lever's yearly budget, if it spends fiscal money (None otherwise)."""
        return self.p["budget_cny_per_year"] if self.has_budget else None

    def budget_lines(self) -> dict[str, float]:
        """The lever's budget lines and their shares of its yearly budget: one line, the lever's own, unless
        a lever with several instruments gives each its own line, named ``<lever>.<flow>``."""
        return {self.name: 1.0}

    @property
    def active(self) -> bool:
        """Whether the lever acts at all (a zero budget or an off switch disables it)."""
        b = self.budget_cny_per_year
        return b is None or b > 0

    @classmethod
    def overrides(cls, hook: str) -> bool:
        return getattr(cls, hook) is not getattr(Lever, hook)

    # -- hooks (defaults: no effect), in the order of HOOKS --------------------------------------
    def on_year_start(self, year: int) -> None:
        """A calendar year begins (budgets are renewed by the fiscal accounts)."""

    def on_suppliers_added(self, n_total: int) -> None:
        """Supplier arrays grew to ``n_total`` rows; grow any per-supplier state."""

    def opening_multiplier(self) -> np.ndarray | float:
        """Multiplier on each opener's opening rate (array over openers, or a scalar)."""
        return 1.0

    def extra_needs(self) -> np.ndarray | float:
        """Needs added this month to each opener's Poisson count, per (opener, tier) (array), or 0."""
        return 0.0

    def opening_pressure(self) -> np.ndarray | float:
        """Multiple of openers' own rate they open at under a duty this lever imposes (per opener); the
        part above 1 is pressed, so of lower quality (``needs.pressed_quality``)."""
        return 1.0

    def regulatory_relief(self) -> float:
        """Share (0–1) of regulatory friction in regulated domains this lever removes."""
        return 0.0

    def releases_now(self) -> bool:
        """Whether the opportunity list is released this month (the centre's cadence)."""
        return True

    def on_published(self, scenarios: np.ndarray) -> None:
        """Scenarios released on the opportunity list this month (levers may set their terms)."""

    def hold_events(self) -> None:
        """Run this month's events (matchmaking): mark firms served and aware."""

    def cost_factor(self, suppliers: np.ndarray, scenarios: np.ndarray) -> np.ndarray | float:
        """Multiplier on a supplier's delivery cost for a scenario."""
        return 1.0

    def readiness_bonus(self, suppliers: np.ndarray, scenarios: np.ndarray) -> np.ndarray | float:
        """TRL points added to a supplier's effective readiness for a scenario."""
        return 0.0

    def aware_pairs(self, scenarios: np.ndarray, listed) -> tuple[np.ndarray, np.ndarray] | None:
        """The (scenario, capability) pairs this lever's channel makes aware this month, among the open
        ``scenarios``, as two arrays (None: none). ``listed`` is the capability list (场景能力清单) the
        channels work through: the capabilities of registered suppliers that are alive with spare
        capacity, sorted by domain, with their count and first position per domain
        (``(order, dcount, dstart)``). The model drops pairs outside the list and unites the levers'
        pairs: a lever draws only the pairs it adds (a cost proportional to them, never to list × open)."""
        return None

    def on_aware(self, pairs) -> None:
        """The (supplier, scenario) pairs whose supplier knows of the opportunity this month."""

    def bid_relief(self, pairs) -> np.ndarray | float:
        """Yuan by which this lever lowers a bidder's own outlay for each pair (anticipated)."""
        return 0.0

    def bid_bonus(self, pairs) -> np.ndarray | float:
        """Other value in yuan a bidder anticipates from this lever for each pair."""
        return 0.0

    def credit_line(self, pairs) -> np.ndarray | float:
        """Borrowing (yuan) a bidder can count on to afford its outlay; it must be repaid, so it
        relaxes the cash constraint without adding value."""
        return 0.0

    def landing_cash(self, pairs) -> np.ndarray | float:
        """Cash (yuan) a bidder expects this lever to pay it when the pilot lands (a grant): it helps
        the bidder afford the pilot; its value is counted in ``bid_bonus``."""
        return 0.0

    def risk_aversion_multiplier(self, scenarios: np.ndarray) -> np.ndarray | float:
        """Multiplier on the owners' risk aversion towards unproven suppliers, per scenario."""
        return 1.0

    def award_score(self, bids, score: np.ndarray) -> np.ndarray | float:
        """TRL points added to the owner's score of each bid when a call closes (−inf: not admitted)."""
        return 0.0

    def race_size(self, scenarios: np.ndarray) -> np.ndarray | int:
        """How many suppliers may pilot each scenario at once (racing)."""
        return 1

    def winners_cap(self, scenarios: np.ndarray) -> np.ndarray | int:
        """At most this many winners per scenario (e.g. a challenge call's cap); a large number: no cap."""
        return np.iinfo(np.int64).max

    def on_matched(self, pilots: np.ndarray) -> None:
        """Pilots just awarded (status matched), e.g. to form consortia around their lead suppliers."""

    def at_landing(self, pilots: np.ndarray, need: np.ndarray) -> np.ndarray | float:
        """Cash (yuan) the lever offers towards each landing pilot (negative: a charge, e.g. a premium);
        ``need`` is the supplier's own outlay."""
        return 0.0

    def on_landed(self, pilots: np.ndarray, landed: np.ndarray) -> None:
        """After the funding check: ``landed`` marks which of the ``pilots`` offered to at landing
        actually started. Pay (and record) only for those."""

    def owner_relief(self, pilots: np.ndarray) -> np.ndarray | float:
        """Yuan this lever paid the supplier, in ``on_landed``, on the owner's behalf for each landed pilot
        (a demand-side voucher): the owner pays that much less."""
        return 0.0

    def pilot_incidents(self, pilots: np.ndarray) -> np.ndarray | bool:
        """Which concluding pilots fail by an incident this lever admits (its own keyed draws)."""
        return False

    def on_pilots_concluded(self, pilots: np.ndarray, success: np.ndarray) -> None:
        """Pilots reached their verdict."""

    def on_validated(self, scenarios: np.ndarray) -> None:
        """Scenarios entered the demonstration list this month."""

    def market_hazard(self, scenarios: np.ndarray) -> np.ndarray | float:
        """Extra innovation hazard (per year) for validated scenarios' market adoption (promotion)."""
        return 0.0

    def buyer_caution_relief(self, scenarios: np.ndarray) -> np.ndarray | float:
        """Share (0–1) of buyers' caution towards small suppliers' solutions removed."""
        return 0.0

    def publicity_reach(self, scenarios: np.ndarray) -> np.ndarray | float:
        """Share (0–1) of the gap between local and province-wide contact among potential adopters that
        publicity closes for each validated scenario (e.g. a benchmark case)."""
        return 0.0

    def adoption_hazard(self, scenarios: np.ndarray) -> np.ndarray | float:
        """Extra adoption hazard (per year) among public adopters, for validated scenarios, paid by
        this lever (see ``on_adoptions``)."""
        return 0.0

    def on_adoptions(self, scenarios: np.ndarray, n_extra: np.ndarray) -> np.ndarray:
        """Public adoptions this lever's hazard would cause (``n_extra`` per scenario); buy them and
        return how many were funded (by default none). Called by the model right after
        ``adoption_hazard`` for the same lever."""
        return np.zeros_like(n_extra)

    def public_signals(self, suppliers: np.ndarray) -> dict[str, np.ndarray]:
        """Facts about suppliers this lever makes public (booleans by name), e.g. a public stake."""
        return {}

    def act(self) -> None:
        """The lever's own monthly process (after diffusion): proof-of-concept runs, investors…"""

    def on_supplier_exit(self, suppliers: np.ndarray) -> None:
        """Suppliers left the market (cash ran out)."""

    def exit_after_months(self) -> int | None:
        """Months after which an unmatched opportunity is withdrawn (None: this lever sets no rule)."""
        return None

    def on_month_end(self) -> None:
        """End of the month (expiries, exits, bookkeeping)."""

    def summary(self) -> dict:
        """Lever-specific end-of-run figures (e.g. vouchers issued vs redeemed, portfolio value)."""
        return {}


def _fold(rule: str, answers, n: int | None, start=None):
    """Combine levers' answers by ``rule`` (see the module docstring); ``n``: length of array answers;
    ``start``: the value a product or sum starts from (default 1 or 0)."""
    if rule == "product":
        acc = start if start is not None else (np.ones(n) if n is not None else 1.0)
        for a in answers:
            acc = acc * a
        return acc
    if rule == "sum":
        acc = start if start is not None else (np.zeros(n) if n is not None else 0.0)
        for a in answers:
            acc = acc + np.asarray(a, dtype=float)
        return acc
    if rule == "relief":
        kept = np.ones(n) if n is not None else 1.0
        for a in answers:
            kept = kept * (1.0 - np.asarray(a, dtype=float))
        return 1.0 - kept
    if rule == "any":
        acc = np.zeros(n, dtype=bool) if n is not None else False
        for a in answers:
            acc = acc | np.asarray(a, dtype=bool)
        return acc
    if rule == "all":
        return all(bool(a) for a in answers)
    if rule == "max":
        acc = np.ones(n, dtype=np.int64) if n is not None else 1
        for a in answers:
            acc = np.maximum(acc, np.asarray(a, dtype=np.int64))
        return acc
    if rule == "least":
        acc = start
        for a in answers:
            acc = np.minimum(acc, a)
        return acc
    if rule == "min":
        found = [a for a in answers if a]
        return min(found) if found else None
    if rule == "merge":
        out: dict = {}
        for a in answers:
            for k, v in a.items():
                out[k] = out[k] | v if k in out else v
        return out
    raise ValueError(f"unknown combination rule {rule!r}")


class LeverSet:
    """The levers of one model, asked through :data:`HOOKS`: each hook goes only to the levers that
    override it, in the order of ``LEVERS``, and their answers are combined by the hook's rule."""

    def __init__(self, levers: list[Lever]):
        self.all = list(levers)
        self.by_name = {lv.name: lv for lv in self.all}
        self._callers = {h: [lv for lv in self.all if type(lv).overrides(h)] for h in HOOKS}

    def __iter__(self):
        return iter(self.all)

    def __len__(self) -> int:
        return len(self.all)

    def __getitem__(self, name: str) -> Lever:
        return self.by_name[name]

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    def notify(self, hook: str, *args) -> None:
        """Tell every lever that overrides ``hook`` (an event: nothing is returned)."""
        for lv in self._callers[hook]:
            getattr(lv, hook)(*args)

    def combine(self, hook: str, *args, n: int | None = None, start=None):
        """Ask every lever that overrides ``hook`` and combine the answers by the hook's rule;
        ``n``: the length of array answers (None for scalar hooks); ``start``: what a product or a
        sum starts from (the model's own value, which the levers' answers then scale or add to)."""
        rule = HOOKS[hook].combine
        return _fold(rule, (getattr(lv, hook)(*args) for lv in self._callers[hook]), n, start)

    def each(self, hook: str) -> list[Lever]:
        """The levers that override ``hook``, for hooks combined lever by lever (``each``)."""
        return self._callers[hook]
