"""Writing results: tidy tables in Parquet and CSV, figures, a report and a manifest — atomically.

Everything is first written into a hidden sibling folder, then swapped with the output folder in one
step (``sim.base.files.write_bundle``). A crash, ``kill -9`` or Ctrl-C therefore leaves the earlier set
or the new one, never a mix, and the next run removes what a killed run left behind.
"""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
import pandas as pd

from sim.base.files import code_version, file_sha256, table_formats



def manifest(results, csv: bool | None = None, lang: str = "en") -> dict:
    case = results.case
    import mesa

    return {
        "command": "run",
        "lang": lang,
        "case": case.id,
        "case_file": case.path,
        "case_file_abs": str(Path(case.path).resolve()) if case.path else None,
        "case_sha256": file_sha256(case.path) if Path(case.path).exists() else None,
        "seed": results.seed,
        "replicates": results.replicates,
        "replicate_seeds": results.seeds,
        "parameters": {k: v.value for k, v in case.params.items()},
        "overridden": {k: v.value for k, v in case.params.items() if v.source.startswith(("--set", "override"))},
        "code_version": code_version(),
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "tables": {name: [f"{name}.{fmt}" for fmt in table_formats(name, csv)] for name in results.table_names()},
    }


def write_results(results, out: Path, lang: str = "en", figures: bool = True, csv: bool | None = None,
                  report: bool = False, bundle=None):
    """Write all of ``results`` into folder ``out`` (created if needed): tables (Parquet; CSV for all
    but the large per-replicate tables unless ``csv`` says otherwise), figures as PNG and SVG, the
    manifest, and with ``report`` the HTML and PDF report. ``bundle``: the :class:`sim.base.files.Bundle`
    the run already streamed its large tables into (``results.streamed``); it is committed here.
    Returns ``out``, or with ``report`` the :class:`sim.report.build.Report`."""
    from sim.base.files import Bundle

    files: dict[str, object] = {}
    with bundle if bundle is not None else Bundle(out, csv=csv) as b:
        if figures:
            from sim.analysis.funnel import funnel
            from sim.report.charts import fiscal_figure, funnel_figure
            from sim.report.figures import figure_writers, target_figures

            series = results.figure_series
            if series is None:
                raise ValueError("the run kept no series rows to draw figures from (run it with series_rows)")
            figs = target_figures(series, results.target_summary, results.case, lang)
            figs["funnel"] = funnel_figure(funnel(series), lang)
            if len(results.fiscal) and results.fiscal["amount_cny"].abs().sum() > 0:
                figs["fiscal"] = fiscal_figure(results.fiscal, results.replicates, lang)
            files.update(figure_writers(figs))
        b.commit(results.tables(), files, manifest(results, csv, lang))
    if report:
        from sim.report.build import build_report

        return build_report([out], lang=lang, out=Path(out) / "report.html")
    return out


from sim.report.tables import fiscal_rows, fiscal_values, num, part_year_note, target_rows  # noqa: E402,F401  (re-exported)
