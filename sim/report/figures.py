"""Figures: functions that take tidy DataFrames and return matplotlib Figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.case import Case, Target
from sim.report.fonts import use_cjk_font
from sim.report.i18n import pick, t
from sim.core.metrics import METRICS
from sim.core.targets import threshold_for

use_cjk_font()
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def target_paths(series: pd.DataFrame, case: Case, target: Target) -> pd.DataFrame:
    """Each replicate's running value of a target by month: year-to-date for per-year targets,
    since the start for cumulative ones. Columns: replicate, month, year, value."""
    s = series[series["metric"] == target.metric]
    if target.tier is not None:
        s = s[(s["breakdown"] == "tier") & (s["group"] == target.tier)]
    elif target.domain is not None:
        s = s[(s["breakdown"] == "domain") & (s["group"] == target.domain)]
    else:
        s = s[s["breakdown"] == "total"]
    s = s.sort_values(["replicate", "month"])[["replicate", "month", "year", "value"]].copy()
    keys = ["replicate", "year"] if target.kind == "per_year" else ["replicate"]
    s["value"] = s.groupby(keys, sort=False)["value"].cumsum()
    return s.reset_index(drop=True)


def target_figure(series: pd.DataFrame, summary: pd.DataFrame, case: Case, target: Target, lang: str = "en") -> Figure:
    """Median and 50 %/90 % bands of a target's running value over time, the threshold per evaluated
    year, and the probability it is met with its Wilson interval."""
    paths = target_paths(series, case, target)
    months = sorted(paths["month"].unique())
    wide = paths.pivot(index="month", columns="replicate", values="value").reindex(months).to_numpy(dtype=float)
    q = np.quantile(wide, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    x = np.arange(len(months))
    years = [int(m[:4]) for m in months]

    fig, ax = plt.subplots(figsize=(8.0, 4.6), dpi=110, layout="constrained")
    # per-year targets restart each January: draw each year as its own segment
    if target.kind == "per_year":
        segments = [np.flatnonzero(np.array(years) == y) for y in sorted(set(years))]
    else:
        segments = [x]
    for i, seg in enumerate(segments):
        first = i == 0
        ax.fill_between(x[seg], q[0][seg], q[4][seg], color="#9ecae1", alpha=0.55, lw=0,
                        label=t("band90", lang) if first else None)
        ax.fill_between(x[seg], q[1][seg], q[3][seg], color="#4292c6", alpha=0.6, lw=0,
                        label=t("band50", lang) if first else None)
        ax.plot(x[seg], q[2][seg], color="#08306b", lw=2, marker="o" if len(seg) == 1 else None,
                label=t("median", lang) if first else None)

    first_target_line = True
    for y in case.years:
        thr = threshold_for(case, target, y)
        if thr is None:
            continue
        in_year = [i for i, yy in enumerate(years) if yy == y]
        if target.kind == "per_year":
            xs = [in_year[0] - 0.5, in_year[-1] + 0.5]
        else:
            xs = [-0.5, in_year[-1] + 0.5]
        ax.plot(xs, [thr, thr], color="#cb181d", ls="--", lw=1.6,
                label=t("target", lang) if first_target_line else None)
        first_target_line = False
        row = summary[(summary["target"] == target.id) & (summary["period"] == str(y))]
        if len(row):
            r = row.iloc[0]
            ax.annotate(f"{t('p_met', lang)} {r['p_met']:.2f}\n[{r['p_low']:.2f}, {r['p_high']:.2f}]",
                        xy=(in_year[-1], thr), xytext=(0, 6), textcoords="offset points", ha="right",
                        va="bottom", fontsize=8, color="#67000d",
                        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85))
        if target.kind == "per_year" and in_year[-1] < len(x) - 1:
            ax.axvline(in_year[-1] + 0.5, color="0.8", lw=0.8)

    tick = [i for i, m in enumerate(months) if m.endswith("-01") or i == 0 or m.endswith("-07")]
    ax.set_xticks(tick, [months[i] for i in tick], rotation=0, fontsize=8)
    ax.set_xlim(-0.5, len(x) - 0.5)
    thresholds = [threshold_for(case, target, y) for y in case.years]
    top = max([float(np.nanmax(q[4]))] + [th for th in thresholds if th is not None])
    ax.set_ylim(0, top * 1.22 if top > 0 else 1.0)  # room above the target line for its P(met) label
    metric = METRICS[target.metric]
    unit = pick(metric.unit_zh, metric.unit_en, lang)
    mode = t("ytd", lang) if target.kind == "per_year" else t("cumulative", lang)
    ax.set_ylabel(f"{pick(metric.label_zh, metric.label_en, lang)}（{unit}，{mode}）" if lang == "zh"
                  else f"{metric.label_en} ({unit}, {mode})")
    ax.set_xlabel(t("month", lang))
    n = int(paths["replicate"].nunique())
    title = pick(target.zh, target.en, lang)
    ax.set_title(f"{title}\n{target.text}" if lang == "zh" else title, fontsize=11)
    handles, labels = ax.get_legend_handles_labels()  # below the axes, so it never hides a curve or target
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=8, frameon=False,
               title=f"{t('replicates', lang)}: {n}", title_fontsize=8)
    ax.grid(axis="y", color="0.92")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def target_figures(series: pd.DataFrame, summary: pd.DataFrame, case: Case, lang: str = "en") -> dict[str, Figure]:
    """One figure per target."""
    return {tg.id: target_figure(series, summary, case, tg, lang) for tg in case.targets}
