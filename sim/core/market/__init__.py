"""The market's processes, one module each, as mixins of :class:`~sim.core.model.ScenarioMarket`:
``population`` (openers, suppliers, capabilities; cash, exit, entry), ``initial`` (the
market at the plan's start: solutions already proven), ``opening`` (needs, screening,
the opportunity list), ``matching`` (awareness, bids, owners' choice), ``pilots`` (landing, verdicts,
learning), ``diffusion`` (adoption and large-scale application)."""
