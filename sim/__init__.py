"""scensim — agent-based simulator of scenario-market policy (场景创新政策仿真).

Python API (the same tables the command line writes)::

    import sim
    case = sim.load_case("scenarios/hunan_2026_2028.toml")
    res = sim.run(case.with_params({"vouchers.budget_cny_per_year": 6e7}), replicates=20, seed=1)
    res.target_summary   # P(target met) with Wilson 95 % intervals, value quantiles
    res.series           # monthly counts by metric × domain / tier / city
    model = sim.ScenarioMarket(case, seed=7).run()   # one Mesa model, stepped to the end
    sim.write_results(res, "results/more_vouchers")  # the files `scensim run` writes
"""

from sim.base.errors import InputError
from sim.base.rng import run_seed
from sim.base.version import __version__  # noqa: F401  (sim.__version__)
from sim.core.case import Case, load_case
from sim.core.model import ScenarioMarket
from sim.core.registry import REGISTRY
from sim.engine.runner import Results, run, run_one


def write_results(results: Results, out, lang: str = "en", figures: bool = True, report: bool = False,
                  csv: bool | None = None):
    """Write ``results`` into folder ``out``: the tables, figures and manifest ``scensim run`` writes, and
    with ``report=True`` its report.html and report.pdf (``csv=True``: every table also as CSV)."""
    from pathlib import Path

    from sim.report.output import write_results as write

    return write(results, Path(out), lang=lang, figures=figures, report=report, csv=csv)


__all__ = ["Case", "InputError", "REGISTRY", "Results", "ScenarioMarket", "load_case", "run", "run_one", "run_seed",
           "write_results"]
