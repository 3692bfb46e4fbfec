"""The experiment engine: sweeps of many runs, from a spec in ``experiments/*.toml``.

    >>> from sim.engine.sweep import design_table, load_spec, read_runs, run_sweep
    >>> from sim.analysis.sweep_summary import summarize_folder
    >>> spec = load_spec("experiments/synthetic_sobol.toml")   # 40 short runs
    >>> len(design_table(spec))                         # one row per design point
    40
    >>> report = run_sweep(spec, workers=2)             # or scheduler="tcp://127.0.0.1:8786"
    >>> report.reused, report.computed                  # run it again: (40, 0)
    (0, 40)
    >>> runs = read_runs(report.out)                    # one row per run, sorted by point, replicate
    >>> summary, manifest, notes = summarize_folder(report.out)   # P(target met) per point, Wilson 95 %
    >>> len(runs), summary.point.nunique()
    (40, 40)

Modules: ``spec`` (reading and validating specs), ``design`` (design points), ``worker`` (running
a batch of runs), ``store`` (the output folder and its chunks), ``execute`` (running a sweep),
Summaries are in :mod:`sim.analysis.sweep_summary`, the commands in :mod:`sim.cli.sweep`.
Documentation: ``docs/sweeps.md``.
"""

from sim.engine.sweep.design import design_table, salib_problem, unit_sample
from sim.engine.sweep.execute import SweepReport, run_sweep
from sim.engine.sweep.spec import ExperimentSpec, Factor, load_spec, n_points
from sim.engine.sweep.store import read_manifest, read_runs

__all__ = ["ExperimentSpec", "Factor", "SweepReport", "design_table", "load_spec", "n_points", "read_manifest",
           "read_runs", "run_sweep", "salib_problem", "unit_sample"]
