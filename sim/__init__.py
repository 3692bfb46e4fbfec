"""scensim — agent-based simulator of scenario-market policy (场景创新政策仿真).

Python API (the same tables the command line writes)::

    import sim
    case = sim.load_case("scenarios/hunan_2026_2028.toml")
    res = sim.run(case.with_params({"vouchers.budget_cny_per_year": 6e7}), replicates=20, seed=1)
    res.target_summary   # P(target met) with Wilson 95 % intervals, value quantiles
    res.series           # monthly counts by metric × domain / tier / city
    model = sim.ScenarioMarket(case, seed=7).run()   # one Mesa model, stepped to the end
"""

__version__ = "0.1.0"

from .case import Case, load_case  # noqa: E402
from .errors import InputError  # noqa: E402
from .model import ScenarioMarket  # noqa: E402
from .registry import REGISTRY  # noqa: E402
from .runner import Results, run, run_one  # noqa: E402
from .rng import run_seed  # noqa: E402

__all__ = ["Case", "InputError", "REGISTRY", "Results", "ScenarioMarket", "load_case", "run", "run_one", "run_seed"]
