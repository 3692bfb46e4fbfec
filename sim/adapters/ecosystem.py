"""The model driven by other tools: Mesa's ``batch_run`` and EMA Workbench.

Both tools pass parameters as Python keywords, so registry names take a plain keyword form: dots
become underscores (``vouchers.share`` → ``vouchers_share``; :data:`KEYWORDS` maps them back).

**Mesa batch_run** — :class:`BatchScenarioMarket` takes a case, a seed and plain keyword parameters,
and reports the run's outcomes (``sim.engine.runner.run_outcomes`` columns) through its DataCollector at
the last month, which is where ``batch_run`` reads them (here on the small teaching case; the
default is the Hunan case):

    >>> from mesa.batchrunner import batch_run
    >>> from sim.adapters.ecosystem import BatchScenarioMarket
    >>> rows = batch_run(BatchScenarioMarket,
    ...                  {"case": "scenarios/synthetic_small.toml", "vouchers_share": [0.3, 0.6], "seed": [1, 2]},
    ...                  number_processes=1, iterations=1, display_progress=False)
    >>> len(rows), sorted({r["vouchers_share"] for r in rows}), "target.validated_total.2031.met" in rows[0]
    (4, [0.3, 0.6], True)

Give seeds explicitly (``iterations`` would rerun identical keywords with fresh random seeds).

**EMA Workbench** — :func:`ema_model` declares the model with levers and uncertainties generated
from the registry (types) and the case (ranges), and ``ScalarOutcome``s from ``run_outcomes``:

    >>> from ema_workbench import perform_experiments
    >>> model = ema_model("scenarios/synthetic_small.toml", levers=["vouchers.share"],
    ...                   uncertainties=["diffusion.q"], seed=1)
    >>> experiments, outcomes = perform_experiments(model, scenarios=2, policies=2)
    >>> len(experiments), "target_validated_total_2031_met" in outcomes
    (4, True)

``ema_workbench`` is imported only inside :func:`ema_model` (it is slow to import and noisy).
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache
from pathlib import Path

from sim.core.case import Case, load_case
from sim.base.errors import InputError, did_you_mean
from sim.core.model import DEFAULT_CASE, ScenarioMarket
from sim.core.registry import REGISTRY
from sim.base.rng import run_seed
from sim.engine.runner import run_outcomes
from sim.engine.sweep.spec import outcome_names


def keyword(name: str) -> str:
    """The plain keyword of a registry parameter: ``vouchers.share`` → ``vouchers_share``."""
    return name.replace(".", "_")


KEYWORDS: dict[str, str] = {keyword(n): n for n in REGISTRY.names()}
if len(KEYWORDS) != len(REGISTRY):  # a registry that breaks the keyword convention is a bug in the package
    raise RuntimeError("two parameters share a keyword form: " + ", ".join(
        sorted(n for n in REGISTRY.names() if sum(keyword(m) == keyword(n) for m in REGISTRY.names()) > 1)))


def outcome_identifier(column: str) -> str:
    """A ``run_outcomes`` column as a Python identifier (EMA needs them): non-word characters → ``_``."""
    return re.sub(r"\W", "_", column)




@lru_cache(maxsize=8)
def _case(path: str) -> Case:
    return load_case(path)


def _registry_params(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        if k not in KEYWORDS:
            raise InputError("model argument", k, "unknown parameter keyword; use a registry name with dots as "
                             f"underscores, e.g. vouchers_share{did_you_mean(k, KEYWORDS)} (see `scensim params`)")
        if hasattr(v, "item") and not isinstance(v, (list, tuple, dict)):
            v = v.item()  # numpy scalars (EMA Workbench hands them over) as Python numbers
        out[KEYWORDS[k]] = REGISTRY[KEYWORDS[k]].parse(v, "model argument", k)
    return out


# -- Mesa batch_run -------------------------------------------------------------------------------
class BatchScenarioMarket(ScenarioMarket):
    """:class:`~sim.core.model.ScenarioMarket` for ``mesa.batch_run``: plain keyword parameters and the
    run's outcomes in the DataCollector.

    Args:
        case: path of a case file (default: the Hunan case); loaded once per process.
        seed: the run's seed (give it: batch_run's ``iterations`` do not vary seeds).
        outcomes: ``run_outcomes`` columns to report (default: every target's value and met flag).
        **params: parameters as plain keywords, e.g. ``vouchers_share=0.6``.
    """

    def __init__(self, case: str | Path | None = None, seed: int | None = None, outcomes=None, **params):
        super().__init__(_case(str(case or DEFAULT_CASE)), seed=seed, **_registry_params(params))
        self._final: dict | None = None
        self.outcome_columns = tuple(outcomes) if outcomes is not None else tuple(
            c for c in outcome_names(self.case) if c.startswith("target."))
        reporters = dict(self.datacollector.model_reporters)
        for col in self.outcome_columns:
            reporters[col] = _final_outcome(col)
        import mesa

        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    def final_outcomes(self) -> dict:
        """``run_outcomes`` of this run, computed once at its last month."""
        if self._final is None:
            self._final = run_outcomes(self)
        return self._final


def _final_outcome(column: str):
    """A model reporter (a function of the model, as DataCollector wants) giving ``column`` at the
    last month, None before (it is not known yet)."""

    def report(m: BatchScenarioMarket):
        if m.t + 1 < m.calendar.n_months:
            return None
        return m.final_outcomes()[column]

    return report


# -- EMA Workbench ---------------------------------------------------------------------------------
def ema_run(case: str, seed: int, **params) -> dict:
    """One run for EMA Workbench: plain keyword parameters in, ``{outcome identifier: value}`` out."""
    m = ScenarioMarket(_case(case), seed=int(seed), **_registry_params(params)).run()
    out = {outcome_identifier(k): float(v) for k, v in run_outcomes(m).items()}
    return out


def _mean(values) -> float:
    return float(sum(values) / len(values))


def ema_model(case: str | Path | None = None, levers=None, uncertainties=None, outcomes=None, fixed=None,
              seed: int = 0, replicates: int = 1, name: str = "scensim"):
    """The model as an ``ema_workbench.Model`` (``ReplicatorModel`` if ``replicates`` > 1).

    Args:
        case: case file (default: the Hunan case); ranges come from it.
        levers, uncertainties: registry names (default: every parameter of that kind whose case
            range is not a single value). Floats become ``RealParameter``, integers
            ``IntegerParameter``, switches ``BooleanParameter``; names in keyword form.
        outcomes: ``run_outcomes`` columns (default: every target's value and met flag), as
            ``ScalarOutcome``s named by :func:`outcome_identifier`.
        fixed: ``{registry name: value}`` held constant (EMA ``Constant``s).
        seed: the run seed (one model) or the seed replicate seeds derive from
            (``run_seed(seed, r)``); every experiment uses the same seeds (common random numbers).
        replicates: more than 1 makes a ``ReplicatorModel``; each outcome is then the mean over the
            replications (for a met flag: the share of replications meeting the target).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import (BooleanParameter, Constant, IntegerParameter, Model, RealParameter,
                                   ReplicatorModel, ScalarOutcome)

    case_path = str(case or DEFAULT_CASE)
    c = _case(case_path)

    def params(names, kind):
        if names is None:
            names = [n for n in REGISTRY.names(kind) if REGISTRY[n].dtype is bool or c.params[n].lo != c.params[n].hi]
        out = []
        for n in names:
            p, v = REGISTRY.lookup(n, "ema_model"), c.params[n]
            if p.dtype is bool:
                out.append(BooleanParameter(keyword(n)))
            elif p.dtype is int:
                out.append(IntegerParameter(keyword(n), int(v.lo), int(v.hi)))
            else:
                out.append(RealParameter(keyword(n), float(v.lo), float(v.hi)))
        return out

    model_cls = ReplicatorModel if replicates > 1 else Model
    model = model_cls(name, function=ema_run)
    model.levers = params(levers, "lever")
    model.uncertainties = params(uncertainties, "uncertainty")
    columns = list(outcomes) if outcomes is not None else [c_ for c_ in outcome_names(c) if c_.startswith("target.")]
    # with replications EMA hands each outcome a list: report its mean (for a met flag, the share of
    # replications meeting the target)
    reduce = {"function": _mean} if replicates > 1 else {}
    model.outcomes = [ScalarOutcome(outcome_identifier(col), **reduce) for col in columns]
    constants = [Constant("case", case_path)]
    constants += [Constant(keyword(k), REGISTRY.parse(k, v, "ema_model", f"fixed.{k}")) for k, v in (fixed or {}).items()]
    if replicates > 1:
        model.replications = [{"seed": run_seed(seed, r)} for r in range(replicates)]
    else:
        constants.append(Constant("seed", int(seed)))
    model.constants = constants
    return model
