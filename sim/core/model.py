"""The scenario market: a Mesa model stepping monthly through the scenario lifecycle.

Each month (:meth:`ScenarioMarket.step`, which reads as the table of contents): openers put forward
needs; the promotion centre screens and releases them on the opportunity list; matchmaking events and
the platform make suppliers aware; suppliers bid; owners pick; matched pilots land if the supplier can
fund its share; pilots conclude (validated or failed) and suppliers learn; validated solutions diffuse
to further adopters and reach large-scale application; levers run their own processes; cities become
pilot zones; suppliers' cash moves, some exit and new ones enter; stale opportunities are withdrawn.

The processes live in :mod:`sim.core.market` (one module each, mixed into this class); levers act
through the hooks of :mod:`sim.levers.base`, asked through ``self.levers`` (a :class:`LeverSet`).
State is held in tables of arrays (struct of arrays): ``scenarios``, ``suppliers``, ``capabilities``,
``pilots``, ``openers``; ``Opener`` and ``Supplier`` agents are views of their rows (supplier agents are
made when first read: ``supplier_agents``, ``agents``). All randomness
comes from :class:`~sim.base.rng.KeyedDraws`, addressed by entity keys and month, so twin runs share
their random numbers.
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np

from sim.base.calendar import Calendar
from sim.base.rng import KeyedDraws
from sim.base.sets import among
from sim.base.table import Table
from sim.base.vocab import OPENER_KINDS, State
from sim.core import zones as zones_mod
from sim.core.agents import SupplierAgents, success_probability
from sim.core.case import DEFAULT_CASE, Case, load_case
from sim.core.centre import PromotionCentre
from sim.core.fiscal import FiscalAccounts
from sim.core.money import Money
from sim.core.market.diffusion import Diffusion, bass_adoptions
from sim.core.market.initial import InitialStock
from sim.core.market.matching import Matching, Pairs
from sim.core.market.opening import Opening
from sim.core.market.pilots import P_DROPPED, P_FAILED, P_MATCHED, P_RUNNING, P_SUCCEEDED, Pilots
from sim.core.market.population import Capabilities, Population
from sim.core.market.pricing import MarketBeliefs
from sim.core.recorder import Recorder
from sim.levers import LEVERS
from sim.levers.base import LeverSet

# State.PUBLISHED as a plain int: numpy compares an array with an IntEnum member ~3 µs slower than with
# an int, and the open scenarios are listed ~165 times a run
_PUBLISHED = int(State.PUBLISHED)

__all__ = ["DEFAULT_CASE", "P_DROPPED", "P_FAILED", "P_MATCHED", "P_RUNNING", "P_SUCCEEDED", "Pairs", "ScenarioMarket",
           "bass_adoptions"]


class ScenarioMarket(Population, InitialStock, Opening, Matching, Pilots, Diffusion, mesa.Model):
    """Agent-based model of a province's scenario market under policy levers.

    Args:
        case: a :class:`~sim.core.case.Case`, or the path of a case file (default: the Hunan case).
        seed: the run's seed; every random number is a function of it (None: drawn fresh and kept
            in ``self.seed`` so the run can be repeated).
        lottery: a :class:`~sim.core.lottery_draw.LotteryRule` to allot one lever's awards by lottery
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
        self._kept_by_domain: list[np.ndarray] = []  # per batch of _adoptions: its revenue by domain (opportunity_value)
        self._scenario_cell = np.zeros(0, dtype=np.int64)  # each scenario's recorder cell (_scenario_cells)

        self._setup_categories()
        self._setup_openers()
        self.suppliers = Table({
            "key": (np.int64, -1), "kind": (np.int64, 0), "city": (np.int64, 0), "alive": (np.bool_, True),
            "cash": (np.float64, 0.0), "registered": (np.bool_, False), "n_pilots": (np.int64, 0),
            "n_validated": (np.int64, 0), "load": (np.int64, 0), "served_year": (np.int64, -1),
            "entered": (np.int64, -1), "exited": (np.int64, -1)}, capacity=8192)
        self.capabilities = Capabilities(self.n_domains)
        self.scenarios = Table({
            "key": (np.int64, -1), "opener": (np.int64, -1), "domain": (np.int64, -1), "tier": (np.int64, -1),
            "city": (np.int64, -1), "budget": (np.float64, 0.0), "required": (np.float64, 0.0),
            "duration": (np.int64, 0), "market": (np.int64, 1), "public_share": (np.float64, 0.0),
            "state": (np.int64, int(State.SOLICITED)), "supplier": (np.int64, -1), "pilot": (np.int64, -1),
            "adopters": (np.int64, 0), "month_solicited": (np.int64, -1), "month_selected": (np.int64, -1),
            "month_published": (np.int64, -1), "month_matched": (np.int64, -1), "month_landed": (np.int64, -1),
            "month_validated": (np.int64, -1), "month_failed": (np.int64, -1), "month_withdrawn": (np.int64, -1),
            "month_scaled": (np.int64, -1), "pay_factor": (np.float64, 1.0), "ready_month": (np.int64, -1),
            "adopters_procured": (np.int64, 0), "month_scaled_market": (np.int64, -1),
            "quality": (np.float64, 1.0), "pressed": (np.bool_, False)},
            capacity=2048)
        self.pilots = Table({
            "scenario": (np.int64, -1), "supplier": (np.int64, -1), "cap": (np.int64, -1),
            "month_matched": (np.int64, -1), "month_land": (np.int64, -1), "month_end": (np.int64, -1),
            "p_success": (np.float64, 0.0), "outlay": (np.float64, 0.0), "status": (np.int64, P_MATCHED),
            "opener_paid": (np.float64, 0.0), "price": (np.float64, 0.0)},
            capacity=1024)
        self._setup_adopter_groups()
        self.supplier_agents = SupplierAgents(self)  # agents made when first read
        self._pending = np.zeros(0, dtype=np.int64)  # open bids: supplier * 2**32 + scenario, sorted (searched by bisection)
        self._bid_codes, self._bid_prices = np.zeros(0, dtype=np.int64), np.zeros(0)  # the prices bids were made at
        self.market_beliefs = MarketBeliefs(self.n_domains, len(self.tier_ids), self.params["bid.followon_multiple"],
                                            self.params["bid.expected_bidders"], self.params["bid.belief_rate"])

        self.money = Money(self)
        self.year_end: dict[int, dict] = {}  # per calendar year: what is owed or held at its end
        self.levers = LeverSet([cls(self) for cls in LEVERS])
        self.fiscal = FiscalAccounts(self)
        self.centre = PromotionCentre(self)
        self.add_suppliers(self._initial_supplier_kinds(), entered=-1)
        self._setup_initial_stock()
        self.zones = zones_mod.PilotZones(self)
        self.recorder = Recorder(case.n_months, self.domain_ids, self.tier_ids, self.city_ids)
        self.datacollector = mesa.DataCollector(model_reporters={
            "opportunity_list": lambda m: int((m.scenarios.state == State.PUBLISHED).sum()),
            "running_pilots": lambda m: int((m.scenarios.state == State.LANDED).sum()),
            "demonstration_list": lambda m: int(among(m.scenarios.state, (State.VALIDATED, State.SCALED)).sum()),
            "pilot_zones": lambda m: m.zones.n_designated,
            "active_suppliers": lambda m: int(m.suppliers.alive.sum()),
        })

    def __repr__(self) -> str:
        month = self.calendar.labels[self.t] if self.t >= 0 else "not started"
        return f"ScenarioMarket({self.case.id}, seed={self.seed}, month={month})"

    # ------------------------------------------------------------------------------ Mesa agents
    @property
    def agents(self) -> mesa.agent.AgentSet:
        """All agents (openers and suppliers), as Mesa's AgentSet; supplier agents are made on first read."""
        self.supplier_agents.make_all()
        return super().agents

    @property
    def agents_by_type(self) -> dict:
        self.supplier_agents.make_all()
        return super().agents_by_type

    @property
    def agent_types(self) -> list:
        self.supplier_agents.make_all()
        return super().agent_types

    # --------------------------------------------------------------------------------- helpers
    @property
    def year(self) -> int:
        return self.calendar.year(max(self.t, 0))

    def success_prob(self, readiness, required, tier) -> np.ndarray:
        return success_probability(readiness, required, self.tier_success_max[tier], self.params["pilot.success_slope"])

    def open_scenarios(self) -> np.ndarray:
        return np.flatnonzero(self.scenarios.state == _PUBLISHED)

    @property
    def opened_by_city(self) -> np.ndarray:
        return self.openers.kind[self.scenarios.opener] == OPENER_KINDS.index("city")

    def count(self, metric: str, scenarios: np.ndarray, weight=None) -> None:
        """Record an event of a flow metric for each of ``scenarios`` in its domain, tier and city."""
        self.recorder.count_cells(self.t, metric, self._scenario_cells()[scenarios], weight)

    def _scenario_cells(self) -> np.ndarray:
        """Each scenario's cell in the recorder (its domain, tier and city never change), kept as scenarios
        are added: the month's many counts gather one array instead of three and recompute nothing."""
        s, cells = self.scenarios, self._scenario_cell
        if len(cells) < len(s):
            new = np.arange(len(cells), len(s))
            self._scenario_cell = np.concatenate([cells, self.recorder.cells(len(new), s.domain[new], s.tier[new],
                                                                             s.city[new])])
        return self._scenario_cell

    def public_signals(self, suppliers: np.ndarray) -> dict[str, np.ndarray]:
        """What levers make public about suppliers (e.g. a public stake), for investors to read."""
        return self.levers.combine("public_signals", suppliers)

    def lottery_for(self, name: str):
        """The lottery rule if one governs ``name`` (vouchers, grant, equity, first_purchase), else None."""
        return self.lottery if self.lottery is not None and self.lottery.lever == name else None

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

    def run(self) -> ScenarioMarket:
        """Step to the end of the horizon."""
        while self.running:
            self.step()
        return self

    def target_table(self):
        """Value, threshold and met, per target and year (see :mod:`sim.core.targets`)."""
        from sim.core.targets import evaluate

        return evaluate(self.case, self.recorder.monthly, self.calendar.year_of)

    def begin_month(self) -> None:
        self.t += 1
        if self.t == 0 or self.calendar.month(self.t) == 1:
            self.fiscal.on_year_start(self.year)
            self.levers.notify("on_year_start", self.year)

    def levers_act(self) -> None:
        """Levers' own processes (proof-of-concept runs, investors, investment attraction, …)."""
        self.levers.notify("act")

    def designate_pilot_zones(self) -> None:
        if not self.zones.review_now():
            return
        new = self.zones.designate()
        self.recorder.count(self.t, "zones_designated", len(new), city=self.zones.city[new])

    def end_month(self) -> None:
        self.levers.notify("on_month_end")
        if self.calendar.month(self.t) == 12 or self.t + 1 >= self.calendar.n_months:
            self._close_year()
        self._record_stocks()
        self.datacollector.collect(self)
        if self.t + 1 >= self.calendar.n_months:
            self.running = False

    def _close_year(self) -> None:
        """What is still owed or held at a year's end: open commitments and the public equity portfolio."""
        value = sum(v for lv in self.levers for k, v in lv.summary().items() if k.endswith("portfolio_value_cny"))
        self.year_end[self.year] = {"open_commitments_cny": sum(self.fiscal.open_commitments().values()),
                                    "equity_portfolio_value_cny": float(value)}

    def _record_stocks(self) -> None:
        """Month-end levels: scenarios by state in their recorder cells (kept by ``_scenario_cells``),
        the capability list by domain and active suppliers by city (counted per category, then set)."""
        s, r, t = self.scenarios, self.recorder, self.t
        cells = self._scenario_cells()
        for metric, states in (("opportunity_list", (State.PUBLISHED,)), ("running_pilots", (State.LANDED,)),
                               ("demonstration_list", (State.VALIDATED, State.SCALED))):
            r.level_cells(t, metric, cells[among(s.state, states)])
        sup, cap = self.suppliers, self.capabilities
        listed = (sup.registered & sup.alive)[cap.supplier]  # registered suppliers still in business
        r.level_counts(t, "capability_list", np.bincount(cap.domain[listed], minlength=self.n_domains),
                       domain=np.arange(self.n_domains))
        r.level_counts(t, "active_suppliers", np.bincount(sup.city[sup.alive], minlength=self.n_cities),
                       city=np.arange(self.n_cities))
