"""Figures of targets: functions that take tidy DataFrames and return matplotlib Figures.

Every figure is saved both as PNG (for a quick look) and as SVG (vector, glyphs drawn as paths so
Chinese renders without fonts installed) by :func:`save_figure`. One drawing function per panel,
:func:`draw_target`, serves the per-target figures and the multi-panel overview alike.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.case import Case, Target
from sim.core.metrics import METRICS
from sim.core.targets import threshold_for
from sim.report.fonts import use_cjk_font
from sim.report.i18n import pick, t

use_cjk_font()
import matplotlib  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

matplotlib.rcParams["svg.fonttype"] = "path"  # glyphs as paths: the SVG needs no font to render
matplotlib.rcParams["svg.hashsalt"] = "scensim"  # stable element ids: same data, same SVG bytes

BAND90, BAND50, MEDIAN, TARGET = "#9ecae1", "#4292c6", "#08306b", "#cb181d"
COUNT_UNITS = {"scenarios", "firms", "zones", "services", "events", "reports", "pilots", "runs", "adopters", "entries", "bids"}
HEADROOM = 1.38  # the top of the y axis over the highest band or target: the P(met) labels live above the data



def drawable(text: str) -> str:
    """User text for a figure: control characters (no font draws them) removed."""
    import unicodedata

    return "".join(ch for ch in str(text) if unicodedata.category(ch) not in ("Cc", "Cf"))

def save_figure(fig: Figure, stem: Path) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg``; close the figure. Returns the two paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    fig.savefig(paths[0], metadata={"Software": None}, dpi=fig.dpi)
    fig.savefig(paths[1], metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return paths


def figure_writers(figs: dict[str, Figure], folder: str = "figures") -> dict[str, object]:
    """``{relative path: write(path)}`` for :func:`sim.base.files.write_bundle`: each figure as PNG and SVG."""
    files = {}
    for name, fig in figs.items():
        def png(p, fig=fig):
            fig.savefig(p, metadata={"Software": None}, dpi=fig.dpi)

        def svg(p, fig=fig):
            fig.savefig(p, format="svg", metadata={"Date": None, "Creator": None})
            plt.close(fig)
        files[f"{folder}/{name}.png"] = png
        files[f"{folder}/{name}.svg"] = svg
    return files


def count_axis(ax, unit_en: str) -> None:
    """Integer ticks (and thousands separators) on a y axis that counts things."""
    if unit_en in COUNT_UNITS:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=3))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def target_mask(series: pd.DataFrame, target: Target) -> pd.Series:
    """The rows of ``series`` a target counts: its metric, in its tier or domain or in total."""
    if target.tier is not None:
        where = (series["breakdown"] == "tier") & (series["group"] == target.tier)
    elif target.domain is not None:
        where = (series["breakdown"] == "domain") & (series["group"] == target.domain)
    else:
        where = series["breakdown"] == "total"
    return (series["metric"] == target.metric) & where


def figure_rows(series: pd.DataFrame, case: Case) -> pd.DataFrame:
    """The rows of a run's series that its figures and the report draw from — every target's rows
    (:func:`target_mask`) and the funnel's totals (:data:`sim.analysis.funnel.STAGES`) — a few hundred
    rows a replicate instead of tens of thousands: what ``scensim run`` keeps in memory per replicate."""
    from sim.analysis.funnel import STAGES

    keep = (series["breakdown"] == "total") & series["metric"].isin(STAGES)
    for tg in case.targets:
        keep |= target_mask(series, tg)
    return series[keep].reset_index(drop=True)


def target_paths(series: pd.DataFrame, case: Case, target: Target) -> pd.DataFrame:
    """Each replicate's running value of a target by month: year-to-date for per-year targets,
    since the start for cumulative ones. Columns: replicate, month, year, value."""
    s = series[target_mask(series, target)]
    s = s.sort_values(["replicate", "month"])[["replicate", "month", "year", "value"]].copy()
    s["month"] = s["month"].astype(str)
    keys = ["replicate", "year"] if target.kind == "per_year" else ["replicate"]
    s["value"] = s.groupby(keys, sort=False)["value"].cumsum()
    return s.reset_index(drop=True)


CLOSING = "）)】」』，。、；：！？%"  # never at the start of a line (Chinese line-breaking rules)


def wrap(text: str, width: int) -> list[str]:
    """``textwrap.wrap``, but a line never starts with closing punctuation: it stays on the line before
    (a title wrapped at 26 characters left "）（项）" alone on its second line)."""
    lines = textwrap.wrap(text, width)
    for i in range(1, len(lines)):
        while lines[i] and lines[i][0] in CLOSING:
            lines[i - 1], lines[i] = lines[i - 1] + lines[i][0], lines[i][1:]
    return [ln for ln in lines if ln]


def axis_label(target: Target, lang: str, width: int = 44) -> str:
    """The y-axis label: what the target counts, in which unit, over which span."""
    metric = METRICS[target.metric]
    unit = pick(metric.unit_zh, metric.unit_en, lang)
    mode = t("ytd", lang) if target.kind == "per_year" else t("cumulative", lang)
    name = drawable(pick(target.zh, target.en, lang))
    if lang == "zh":
        return "\n".join(wrap(name, width // 2) + [f"（{unit}，{mode}）"])
    return "\n".join(textwrap.wrap(name, width) + [f"({unit}, {mode})"])


def panel_title(target: Target, lang: str) -> str:
    """An overview panel's title: the target's name and the unit it is counted in, wrapped."""
    metric = METRICS[target.metric]
    unit = pick(metric.unit_zh, metric.unit_en, lang)
    title = drawable(pick(target.zh, target.en, lang))
    return "\n".join(wrap(f"{title} ({unit})" if lang != "zh" else f"{title}（{unit}）", 52 if lang != "zh" else 26))


def draw_target(ax, series: pd.DataFrame, summary: pd.DataFrame, case: Case, target: Target, lang: str = "en",
                compact: bool = False) -> None:
    """One target on ``ax``: median and 50 %/90 % bands of its running value, the threshold per
    evaluated year, and above the data the probability it is met with its Wilson interval."""
    paths = target_paths(series, case, target)
    months = sorted(paths["month"].unique())
    wide = paths.pivot(index="month", columns="replicate", values="value").reindex(months).to_numpy(dtype=float)
    q = np.quantile(wide, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    x = np.arange(len(months))
    years = np.array([int(m[:4]) for m in months])
    segments = [np.flatnonzero(years == y) for y in sorted(set(years))] if target.kind == "per_year" else [x]
    for i, seg in enumerate(segments):  # per-year targets restart each January: one segment a year
        first = i == 0
        ax.fill_between(x[seg], q[0][seg], q[4][seg], color=BAND90, alpha=0.55, lw=0,
                        label=t("band90", lang) if first else None)
        ax.fill_between(x[seg], q[1][seg], q[3][seg], color=BAND50, alpha=0.6, lw=0,
                        label=t("band50", lang) if first else None)
        ax.plot(x[seg], q[2][seg], color=MEDIAN, lw=2, marker="o" if len(seg) == 1 else None,
                label=t("median", lang) if first else None)

    thresholds = [threshold_for(case, target, y) for y in case.years]
    top = max([float(np.nanmax(q[4]))] + [th for th in thresholds if th is not None])
    ax.set_ylim(0, top * HEADROOM if top > 0 else 1.0)
    first_line = True
    for y, thr in zip(case.years, thresholds):
        in_year = np.flatnonzero(years == y)
        if thr is None or not len(in_year):
            continue
        x0 = in_year[0] - 0.5 if target.kind == "per_year" else -0.5
        x1 = in_year[-1] + 0.5
        ax.plot([x0, x1], [thr, thr], color=TARGET, ls="--", lw=1.6, label=t("target", lang) if first_line else None)
        first_line = False
        row = summary[(summary["target"] == target.id) & (summary["period"].astype(str) == str(y))]
        if len(row):
            r = row.iloc[0]
            text = (f"{r['p_met']:.2f}\n[{r['p_low']:.2f}, {r['p_high']:.2f}]" if compact else
                    f"{t('p_met', lang)} {r['p_met']:.2f}\n[{r['p_low']:.2f}, {r['p_high']:.2f}]")
            # in the headroom band above every band and target line: never on the data
            ax.text((x0 + x1) / 2 if target.kind == "per_year" else x1 - 0.3, 0.975, text,
                    transform=ax.get_xaxis_transform(), ha="center" if target.kind == "per_year" else "right",
                    va="top", fontsize=7 if compact else 8, color="#67000d", linespacing=1.1)
        if target.kind == "per_year" and in_year[-1] < len(x) - 1:
            ax.axvline(in_year[-1] + 0.5, color="0.8", lw=0.8)

    step = 6 if not compact else 12
    tick = [i for i, m in enumerate(months) if (int(m[5:7]) - 1) % step == 0]
    if not tick or tick[0] >= (3 if not compact else 4):  # the first month too, unless its label would
        tick = [0] + [i for i in tick if i]                # run into the next one (a December start)
    ax.set_xticks(tick, [months[i] for i in tick], fontsize=7 if compact else 8)
    ax.set_xlim(-0.5, len(x) - 0.5)
    count_axis(ax, METRICS[target.metric].unit_en)
    ax.grid(axis="y", color="0.92")
    ax.spines[["top", "right"]].set_visible(False)


def target_figure(series: pd.DataFrame, summary: pd.DataFrame, case: Case, target: Target, lang: str = "en") -> Figure:
    """A target's fan chart against its target lines, with P(met) per year (see :func:`draw_target`)."""
    fig, ax = plt.subplots(figsize=(8.0, 4.8), dpi=110, layout="constrained")
    draw_target(ax, series, summary, case, target, lang)
    ax.set_ylabel(axis_label(target, lang), fontsize=9, linespacing=1.6 if lang == "zh" else 1.25)
    ax.set_xlabel(t("month", lang))
    title = drawable(pick(target.zh, target.en, lang))
    ax.set_title("\n".join(wrap(title, 70 if lang != "zh" else 36)), fontsize=11, linespacing=1.5)
    n = int(series["replicate"].nunique())
    handles, labels = ax.get_legend_handles_labels()  # below the axes, so it never hides a curve or target
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=8, frameon=False,
               title=f"{t('replicates', lang)}: {n}", title_fontsize=8)
    return fig


def overview_figure(series: pd.DataFrame, summary: pd.DataFrame, case: Case, lang: str = "en") -> Figure:
    """All targets in one figure, a panel each (two columns), sharing one legend."""
    n = len(case.targets)
    cols = 1 if n == 1 else 2
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(9.0, 2.7 * rows + 0.8), dpi=110, layout="constrained",
                             squeeze=False)
    for ax, tg in zip(axes.flat, case.targets):
        draw_target(ax, series, summary, case, tg, lang, compact=True)
        ax.set_title(panel_title(tg, lang), fontsize=9, linespacing=1.5)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=8, frameon=False,
               title=f"{t('overview_note', lang)} · {t('replicates', lang)}: {int(series['replicate'].nunique())}",
               title_fontsize=8)
    return fig


def target_figures(series: pd.DataFrame, summary: pd.DataFrame, case: Case, lang: str = "en") -> dict[str, Figure]:
    """One figure per target, and the overview of all of them (key ``overview``)."""
    figs = {tg.id: target_figure(series, summary, case, tg, lang) for tg in case.targets}
    figs["overview"] = overview_figure(series, summary, case, lang)
    return figs
