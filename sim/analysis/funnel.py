"""Where the pipeline loses scenarios: the funnel solicited → published → matched → landed →
validated → scaled, per year, from the monthly flow metrics of a run's ``series`` table."""

from __future__ import annotations

import pandas as pd

STAGES = ("solicited", "published", "matched", "landed", "validated", "scaled")


def funnel(series: pd.DataFrame) -> pd.DataFrame:
    """Per year and stage: mean, median, 5 % and 95 % over replicates of the scenarios reaching that
    stage in the year, and each stage's share of the previous one (of the means). Columns: year,
    stage, mean, median, q05, q95, share_of_previous."""
    s = series[(series["breakdown"] == "total") & (series["metric"].isin(STAGES))]
    per = s.groupby(["replicate", "year", "metric"], observed=True)["value"].sum().unstack("metric")
    per = per.reindex(columns=list(STAGES), fill_value=0).fillna(0)
    rows = []
    for year, g in per.groupby(level="year", sort=True):
        prev = None
        for stage in STAGES:
            v = g[stage].astype(float)
            mean = float(v.mean())
            rows.append({"year": int(year), "stage": stage, "mean": mean, "median": float(v.median()),
                         "q05": float(v.quantile(0.05)), "q95": float(v.quantile(0.95)),
                         "share_of_previous": (mean / prev) if prev else float("nan")})
            prev = mean
    return pd.DataFrame(rows)
