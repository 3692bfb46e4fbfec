"""What a lever is: a module with named parameters and hooks the model calls at fixed points.

A lever subclasses :class:`Lever`, declares its parameters (``PARAMS``), and overrides only the
hooks through which its mechanism acts. Every hook works on whole arrays (all candidate pairs, all
landing pilots, …) and returns arrays, so levers add no Python loops over agents. Adding a lever is
adding one module to ``sim/levers/`` and listing it in ``sim/levers/__init__.py``.

Hook order within a month (see ``ScenarioMarket.step``)::

    on_year_start → opening_multiplier, regulatory_relief (opening, screening) → on_published
    → hold_events → aware_pairs → on_aware → cost_factor / readiness_bonus / bid_relief / bid_bonus /
    credit_line / landing_cash (bids) → risk_aversion_multiplier / race_size (owners' choice) → at_landing → on_landed
    → pilot_incidents → on_pilots_concluded → on_validated → market_hazard / buyer_caution_relief /
    adoption_hazard → on_adoptions → act → on_supplier_exit → exit_after_months → on_month_end
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.params.registry import Param

if TYPE_CHECKING:  # pragma: no cover
    from sim.core.model import ScenarioMarket


class Lever:
    """Base class of a policy lever. Subclasses set ``name``, labels and ``PARAMS``."""

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

    # -- budget ---------------------------------------------------------------------------------
    @property
    def budget_cny_per_year(self) -> float | None:
        """The lever's yearly budget, if it spends fiscal money (None otherwise)."""
        return self.p.get("budget_cny_per_year")

    @property
    def active(self) -> bool:
        """Whether the lever acts at all (a zero budget or an off switch disables it)."""
        b = self.budget_cny_per_year
        return b is None or b > 0

    # -- hooks (defaults: no effect) ------------------------------------------------------------
    def on_year_start(self, year: int) -> None:
        """A calendar year begins (budgets are renewed by the fiscal accounts)."""

    def on_suppliers_added(self, n_total: int) -> None:
        """Supplier arrays grew to ``n_total`` rows; grow any per-supplier state."""

    def opening_multiplier(self) -> np.ndarray | float:
        """Multiplier on each opener's opening rate (array over openers, or a scalar)."""
        return 1.0

    def regulatory_relief(self) -> float:
        """Share (0–1) of regulatory friction in regulated domains this lever removes."""
        return 0.0

    def on_published(self, scenarios: np.ndarray) -> None:
        """Scenarios released on the opportunity list this month (levers may set their terms)."""

    def hold_events(self) -> None:
        """Run this month's events (matchmaking): mark firms served and aware."""

    def aware_pairs(self, pairs) -> np.ndarray | None:
        """Extra awareness of (supplier, scenario) candidate pairs: a boolean array, or None."""
        return None

    def on_aware(self, pairs) -> None:
        """The (supplier, scenario) pairs whose supplier knows of the opportunity this month."""

    def cost_factor(self, suppliers: np.ndarray, scenarios: np.ndarray) -> np.ndarray | float:
        """Multiplier on a supplier's delivery cost for a scenario."""
        return 1.0

    def readiness_bonus(self, suppliers: np.ndarray, scenarios: np.ndarray) -> np.ndarray | float:
        """TRL points added to a supplier's effective readiness for a scenario."""
        return 0.0

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

    def race_size(self, scenarios: np.ndarray) -> np.ndarray | int:
        """How many suppliers may pilot each scenario at once (racing)."""
        return 1

    def at_landing(self, pilots: np.ndarray, need: np.ndarray) -> np.ndarray:
        """Cash (yuan) the lever offers towards each landing pilot (negative: a charge, e.g. a premium);
        ``need`` is the supplier's own outlay. Return an array over ``pilots``."""
        return np.zeros(len(pilots))

    def on_landed(self, pilots: np.ndarray, landed: np.ndarray) -> None:
        """After the funding check: ``landed`` marks which of the ``pilots`` offered to at landing
        actually started. Pay (and record) only for those."""

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

    def adoption_hazard(self, scenarios: np.ndarray) -> np.ndarray | float:
        """Extra adoption hazard (per year) among public adopters, for validated scenarios, paid by
        this lever (see ``on_adoptions``)."""
        return 0.0

    def on_adoptions(self, scenarios: np.ndarray, n_extra: np.ndarray) -> np.ndarray:
        """Public adoptions this lever's hazard would cause (``n_extra`` per scenario); buy them and
        return how many were funded (by default none)."""
        return np.zeros_like(n_extra)

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
