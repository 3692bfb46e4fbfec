"""The experiment engine: sweeps of many runs, from a spec in ``experiments/*.toml``.

    >>> from sim.sweep import load_spec, run_sweep, read_runs, summarize_runs
    >>> spec = load_spec("experiments/voucher_sweep.toml")
    >>> report = run_sweep(spec, workers=2)             # or scheduler="tcp://127.0.0.1:8786"
    >>> runs = read_runs(report.out)                    # one row per run, sorted by point, replicate
    >>> summary = summarize_folder(report.out)          # P(target met) per design point, Wilson 95 %

Modules: ``spec`` (reading and validating specs), ``design`` (design points), ``worker`` (running
a batch of runs), ``store`` (the output folder and its chunks), ``execute`` (running a sweep),
``summary`` (per-point summaries), ``cli`` (``scensim sweep`` and ``scensim summarize``).
Documentation: ``docs/sweeps.md``.
"""

from .design import design_table, n_points, salib_problem
from .execute import SweepReport, run_sweep
from .spec import ExperimentSpec, Factor, load_spec
from .store import read_manifest, read_runs
from .summary import summarize_folder, summarize_runs

__all__ = ["ExperimentSpec", "Factor", "SweepReport", "design_table", "load_spec", "n_points", "read_manifest",
           "read_runs", "run_sweep", "salib_problem", "summarize_folder", "summarize_runs"]
