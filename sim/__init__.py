"""scensim — agent-based simulator of scenario-market policy (场景创新政策仿真).

Python API (the same tables the command line writes), here on the small teaching case
(``scenarios/hunan_2026_2028.toml`` is the reference case); run from the repository's root folder:

    >>> import sim
    >>> case = sim.load_case("scenarios/synthetic_small.toml")
    >>> res = sim.run(case.with_params({"vouchers.budget_cny_per_year": 6e6}), replicates=2, seed=1)
    >>> list(res.target_summary.columns)   # P(target met) with Wilson 95 % intervals, value quantiles
    ['target', 'period', 'year', 'threshold', 'replicates', 'met', 'p_met', 'p_low', 'p_high', 'median', 'q05', 'q95', 'mean']
    >>> sorted(res.series.breakdown.unique())   # monthly counts by metric × domain / tier / city
    ['city', 'domain', 'tier', 'total']
    >>> model = sim.ScenarioMarket(case, seed=7).run()   # one Mesa model, stepped to the end
    >>> folder = sim.write_results(res, "results/more_vouchers", figures=False)  # what `scensim run` writes
    >>> import os; "target_summary.csv" in os.listdir("results/more_vouchers")
    True
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~10 ms): `scensim` starts with this file

from sim.base.errors import InputError
from sim.base.version import __version__  # noqa: F401  (sim.__version__)

if TYPE_CHECKING:  # pragma: no cover
    from sim.core.case import Case, load_case
    from sim.core.model import ScenarioMarket
    from sim.core.registry import REGISTRY
    from sim.core.national import NationalMarket, load_national  # noqa: F401  (lazy: _LAZY)
    from sim.engine.national import run_national  # noqa: F401  (lazy: _LAZY)
    from sim.base.rng import run_seed  # noqa: F401  (lazy: _LAZY)
    from sim.engine.runner import Results, run, run_one

# imported on first use (PEP 562), so that `import sim` does not load Mesa, scipy and pandas (~2 s);
# "module:name" where the public name differs from the module's
_LAZY = {"run_seed": "sim.base.rng",  # numpy: lazy too, so `scensim` sets its Ctrl-C handler before numpy loads
         "Case": "sim.core.case", "load_case": "sim.core.case", "ScenarioMarket": "sim.core.model",
         "REGISTRY": "sim.core.registry", "Results": "sim.engine.runner", "run": "sim.engine.runner",
         "run_one": "sim.engine.runner", "load_national": "sim.core.national", "NationalMarket": "sim.core.national",
         "run_national": "sim.engine.national",
         # the model's vocabulary and catalogues: lifecycle states, tiers, metrics, levers
         "State": "sim.base.vocab", "STATE_LABELS": "sim.base.vocab", "TIERS": "sim.base.vocab",
         "OPENER_KINDS": "sim.base.vocab", "METRICS": "sim.core.metrics", "LEVERS": "sim.levers",
         # the parameters' units as a reader of each language writes them (元/年 for CNY/year)
         "UNIT_ZH": "sim.base.vocab", "unit_label": "sim.base.vocab",
         # targets: a target's threshold in a year, P(met) of target rows (as Results.target_summary),
         # P(every target met), a target's running value per month from a series table
         "threshold_for": "sim.core.targets", "summarize_targets": "sim.core.targets:summarize",
         "joint_attainment": "sim.core.targets", "target_paths": "sim.report.figures",
         # the tables of a model stepped by hand (as sim.run_one collects them)
         "series_table": "sim.core.recorder:model_series", "scenario_register": "sim.engine.runner",
         # the policy-mix experiment of `scensim compare`; Chinese text in matplotlib figures
         "load_comparison": "sim.analysis.compare", "use_cjk_font": "sim.report.fonts"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    module, _, attr = module.partition(":")
    value = getattr(importlib.import_module(module), attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def write_results(results: Results, out, lang: str = "en", figures: bool = True, report: bool = False,
                  csv: bool | None = None):
    """Write ``results`` into folder ``out``: the tables, figures and manifest ``scensim run`` writes, and
    with ``report=True`` its report.html and report.pdf (``csv=True``: every table also as CSV)."""
    from pathlib import Path

    from sim.report.output import write_results as write

    return write(results, Path(out), lang=lang, figures=figures, report=report, csv=csv)


__all__ = ["Case", "InputError", "LEVERS", "METRICS", "REGISTRY", "Results", "STATE_LABELS", "ScenarioMarket", "State",
           "NationalMarket", "OPENER_KINDS", "TIERS", "joint_attainment", "load_case", "load_comparison", "load_national", "run", "run_national", "run_one", "run_seed", "scenario_register",
           "series_table", "summarize_targets", "target_paths", "threshold_for", "UNIT_ZH", "unit_label", "use_cjk_font",
           "write_results"]
