"""Figures beyond the targets: the pipeline funnel, fiscal spending by lever, comparison of mixes.

Levers keep one colour in every figure (:data:`LEVER_COLORS`), so a reader who learnt that vouchers
are orange in one chart finds them orange in the next.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from sim.analysis.funnel import STAGES
from sim.core.metrics import METRICS
from sim.levers import LEVERS
from sim.report.figures import count_axis
from sim.report.i18n import money, pick, t

import matplotlib.pyplot as plt  # noqa: E402  (fonts registered by sim.report.figures)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

_PALETTE = plt.get_cmap("tab20").colors
LEVER_COLORS: dict[str, tuple] = {L.name: _PALETTE[(2 * i) % 20 if i < 10 else (2 * i - 19) % 20]
                                  for i, L in enumerate(LEVERS)}
LEVER_LABELS = {L.name: (L.label_zh, L.label_en) for L in LEVERS}


def lever_label(name: str, lang: str) -> str:
    zh, en = LEVER_LABELS.get(name, (name, name))
    return pick(zh, en, lang)


def funnel_figure(fun: pd.DataFrame, lang: str = "en") -> Figure:
    """Grouped bars: mean scenarios reaching each stage, one bar per year, with the 5–95 % range as
    a whisker; where the bars drop most is the bottleneck."""
    years = sorted(fun["year"].unique())
    fig, ax = plt.subplots(figsize=(8.0, 4.4), dpi=110, layout="constrained")
    width = 0.8 / len(years)
    x = np.arange(len(STAGES))
    colors = plt.get_cmap("Blues")(np.linspace(0.35, 0.95, len(years)) if len(years) > 1 else [0.7])
    for i, y in enumerate(years):
        g = fun[fun["year"] == y].set_index("stage").reindex(list(STAGES))
        pos = x - 0.4 + width * (i + 0.5)
        ax.bar(pos, g["mean"], width * 0.92, color=colors[i], label=str(y))
        ax.errorbar(pos, g["mean"], yerr=[g["mean"] - g["q05"], g["q95"] - g["mean"]], fmt="none",
                    ecolor="0.35", elinewidth=0.8, capsize=2)
    ax.set_xticks(x, ["\n".join(textwrap.wrap(pick(METRICS[s].label_zh, METRICS[s].label_en, lang),
                                                  14 if lang != "zh" else 6)) for s in STAGES], fontsize=8,
                  linespacing=1.5)
    ax.set_ylabel(t("funnel_axis", lang))
    ax.set_title(t("funnel_title", lang), fontsize=11)
    count_axis(ax, "scenarios")
    ax.set_ylim(0, float(np.nanmax(fun["q95"])) * 1.08 + 1)
    ax.grid(axis="y", color="0.92")
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncol=len(years), fontsize=8, frameon=False,
               title=t("funnel_legend", lang), title_fontsize=8)
    return fig


def fiscal_figure(fiscal: pd.DataFrame, replicates: int, lang: str = "en") -> Figure:
    """Stacked bars: mean net fiscal spending per year by lever (receipts from equity exits netted)."""
    per = fiscal.groupby(["year", "lever"], observed=True)["amount_cny"].sum().unstack("lever").fillna(0) / replicates
    per = per[[L.name for L in LEVERS if L.name in per.columns and per[L.name].abs().sum() > 0]]
    fig, ax = plt.subplots(figsize=(8.0, 4.2), dpi=110, layout="constrained")
    bottom = np.zeros(len(per))
    xs = np.arange(len(per))
    for lever in per.columns:
        v = per[lever].to_numpy()
        ax.bar(xs, v, 0.6, bottom=bottom, color=LEVER_COLORS[lever], label=lever_label(lever, lang))
        bottom += v
    ax.set_xticks(xs, [str(y) for y in per.index])
    ax.set_ylabel(t("fiscal_axis", lang))
    money_axis(ax, lang)
    ax.set_title(t("fiscal_title", lang), fontsize=11)
    ax.grid(axis="y", color="0.92")
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside right upper", fontsize=8, frameon=False)
    return fig


def compare_p_figure(summary: pd.DataFrame, periods: list[tuple[str, str]], mixes: list[tuple[str, str]],
                     target_labels: dict[str, str], lang: str = "en") -> Figure:
    """P(target met) with Wilson 95 % intervals, one row per (target, period), one marker per mix."""
    s = summary.set_index(["mix", "target", "period"])
    fig, ax = plt.subplots(figsize=(8.0, 0.3 * len(periods) * max(1, len(mixes)) ** 0.5 + 1.8), dpi=110,
                           layout="constrained")
    cmap = plt.get_cmap("tab10")
    offsets = np.linspace(-0.3, 0.3, len(mixes)) if len(mixes) > 1 else [0.0]
    for j, (mid, mname) in enumerate(mixes):
        ys, ps, lo, hi = [], [], [], []
        for i, (tid, period) in enumerate(periods):
            r = s.loc[(mid, tid, period)]
            ys.append(i + offsets[j])
            ps.append(r["p_met"])
            lo.append(r["p_met"] - r["p_low"])
            hi.append(r["p_high"] - r["p_met"])
        ax.errorbar(ps, ys, xerr=[lo, hi], fmt="o", ms=4, color=cmap(j % 10), elinewidth=1, capsize=2, label=mname)
    ax.set_yticks(range(len(periods)), ["\n".join(textwrap.wrap(f"{target_labels[tid]} {p}", 40 if lang != "zh" else 20))
                                        for tid, p in periods], fontsize=8, linespacing=1.5)
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel(t("p_met_axis", lang))
    ax.grid(axis="x", color="0.92")
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncol=min(4, len(mixes)), fontsize=8, frameon=False)
    return fig


def compare_spend_figure(fiscal: pd.DataFrame, mixes: list[tuple[str, str]], lang: str = "en") -> Figure:
    """Mean spending over the horizon by lever, one stacked bar per mix (lever colours as everywhere)."""
    piv = fiscal.pivot_table(index="mix", columns="lever", values="mean_cny", aggfunc="sum").fillna(0)
    piv = piv.reindex([m for m, _ in mixes])
    levers = [L.name for L in LEVERS if L.name in piv.columns and piv[L.name].abs().sum() > 0]
    fig, ax = plt.subplots(figsize=(8.0, 0.42 * len(mixes) + 1.8), dpi=110, layout="constrained")
    left = np.zeros(len(piv))
    for lever in levers:
        v = piv[lever].to_numpy()
        ax.barh(np.arange(len(piv)), v, left=left, color=LEVER_COLORS[lever], label=lever_label(lever, lang))
        left += v
    ax.set_yticks(range(len(piv)), [name for _, name in mixes], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(t("fiscal_axis_total", lang))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: money_tick(v, lang)))
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    return fig


def money_tick(v: float, lang: str) -> str:
    return "0" if v == 0 else money(v, lang, digits=1, unit=False)


def money_axis(ax, lang: str) -> None:
    """Money on the y axis in 万/亿 (Chinese) or thousands/millions (English)."""
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: money_tick(v, lang)))
