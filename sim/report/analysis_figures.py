"""Figures of the analysis commands (sensitivity, discover, optimise), from their tidy tables, zh/en.

Each function returns a matplotlib Figure; :func:`figure_files` turns figures into the PNG and SVG
writers :func:`sim.base.files.write_bundle` takes. Labels come from the registry (factors) and the
case (targets) via :func:`factor_label` and :func:`outcome_label`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.registry import REGISTRY
from sim.report.fonts import use_cjk_font
from sim.report.i18n import pick

use_cjk_font()
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

KIND_COLOR = {"lever": "#2171b5", "uncertainty": "#cb181d", "dummy": "#737373"}


def factor_label(name: str, lang: str) -> str:
    if name in REGISTRY:
        p = REGISTRY[name]
        return pick(p.label_zh or name, p.label_en or name, lang)
    if name == "dummy":
        return pick("虚拟参数（模型不读取）", "dummy (read by no run)", lang)
    return name


def outcome_label(outcome: str, case, lang: str) -> str:
    parts = outcome.split(".")
    labels = {tg.id: pick(tg.zh, tg.en, lang) for tg in case.targets} if case is not None else {}
    if parts[0] == "all_targets":
        if parts[1] == "all":
            return pick("全部目标均达成的概率（全期）", "P(all targets met, every year)", lang)
        return pick(f"{parts[1]}年全部目标均达成的概率", f"P(all targets met in {parts[1]})", lang)
    if outcome == "cost.total_cny":
        return pick("财政总支出（亿元）", "Total public cost (CNY 100 m)", lang)
    if parts[0] == "target" and len(parts) >= 4:
        name = labels.get(parts[1], parts[1])
        if parts[-1] == "met":
            return pick(f"达标概率：{name}（{parts[2]}）", f"P(met): {name}, {parts[2]}", lang)
        return f"{name}（{parts[2]}）" if lang == "zh" else f"{name}, {parts[2]}"
    return outcome


def scale_of(outcome: str) -> float:
    """Cost is drawn in CNY 100 million (亿元)."""
    return 1e8 if outcome == "cost.total_cny" else 1.0


def figure_files(figs: dict[str, Figure]) -> dict[str, object]:
    """``{stem: figure}`` → ``{"figures/<stem>.png": writer, "figures/<stem>.svg": writer}``."""
    files = {}
    for stem, fig in figs.items():
        def png(p, fig=fig):
            fig.savefig(p, format="png", metadata={"Software": None})

        def svg(p, fig=fig):
            fig.savefig(p, format="svg", metadata={"Date": None})
            plt.close(fig)
        files[f"figures/{stem}.png"] = png
        files[f"figures/{stem}.svg"] = svg
    return files


def _legend_kinds(ax, kinds, lang):
    from matplotlib.patches import Patch

    names = {"lever": pick("政策工具", "lever", lang), "uncertainty": pick("不确定参数", "uncertainty", lang),
             "dummy": pick("虚拟参数", "dummy", lang)}
    ax.legend(handles=[Patch(color=KIND_COLOR[k], label=names[k]) for k in kinds if k in names],
              loc="lower right", fontsize=8, frameon=False)


def morris_scatter(morris: pd.DataFrame, outcome: str, case, lang: str = "en") -> Figure:
    """μ* against σ of the elementary effects: far right matters, high up interacts or is non-linear."""
    d = morris[morris["outcome"] == outcome]
    s = scale_of(outcome)
    fig, ax = plt.subplots(figsize=(8.2, 5.6), dpi=110, layout="constrained")
    ax.errorbar(d["mu_star"] / s, d["sigma"] / s, xerr=d["mu_star_conf"] / s, fmt="none", ecolor="#bdbdbd", lw=1)
    ax.scatter(d["mu_star"] / s, d["sigma"] / s, c=[KIND_COLOR.get(k, "k") for k in d["kind"]], s=36, zorder=3)
    top = d.nlargest(8, "mu_star")
    for _, r in top.iterrows():
        ax.annotate(factor_label(r["factor"], lang), (r["mu_star"] / s, r["sigma"] / s), fontsize=8,
                    xytext=(4, 3), textcoords="offset points")
    lim = max(float((d["mu_star"] + d["mu_star_conf"]).max()), float(d["sigma"].max()), 1e-12) / s * 1.15
    ax.plot([0, lim], [0, lim], ls=":", color="#969696", lw=1)
    ax.set_xlim(0, lim)
    ax.set_ylim(0, lim)
    unit = pick("（每跨越全区间的变化）", " (change over the full range)", lang)
    ax.set_xlabel(pick("μ*：基本效应绝对值均值", "μ*: mean |elementary effect|", lang) + unit)
    ax.set_ylabel(pick("σ：基本效应标准差", "σ: std. dev. of elementary effects", lang))
    ax.set_title(pick("Morris 筛选：", "Morris screening: ", lang) + outcome_label(outcome, case, lang), fontsize=10)
    _legend_kinds(ax, list(dict.fromkeys(d["kind"])), lang)
    return fig


def sobol_bars(sobol: pd.DataFrame, outcome: str, case, lang: str = "en") -> Figure:
    """First-order and total Sobol indices with their bootstrap intervals, at base N and N/2."""
    d = sobol[sobol["outcome"] == outcome]
    ns = sorted(d["n_base"].unique())
    full = d[d["n_base"] == ns[-1]].sort_values("ST", ascending=True)
    order = list(full["factor"])
    fig, ax = plt.subplots(figsize=(8.4, 0.42 * len(order) + 1.9), dpi=110, layout="constrained")
    y = np.arange(len(order))
    styles = [("S1", "#6baed6"), ("ST", "#08519c")]
    h = 0.8 / (2 * len(ns))
    k = 0
    for n in ns:
        g = d[d["n_base"] == n].set_index("factor").reindex(order)
        for idx, color in styles:
            alpha = 1.0 if n == ns[-1] else 0.45
            ax.barh(y + (k - (2 * len(ns) - 1) / 2) * h, g[idx], height=h, color=color, alpha=alpha,
                    xerr=g[f"{idx}_conf"], error_kw={"lw": 0.8, "ecolor": "#252525"},
                    label=f"{idx} (N = {n})")
            k += 1
    ax.set_yticks(y, [factor_label(f, lang) for f in order], fontsize=8)
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlabel(pick("Sobol 指数（方差占比，误差线为自助法95%区间）",
                       "Sobol index (share of variance; bars: bootstrap 95 % interval)", lang))
    ax.set_title(pick("Sobol 指数：", "Sobol indices: ", lang) + outcome_label(outcome, case, lang), fontsize=10)
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    return fig


def tornado(oat: pd.DataFrame, outcome: str, case, lang: str = "en", top: int = 15) -> Figure:
    """One at a time: the change from the case's values when each factor alone goes to its low
    (light) or high (dark) end, largest swing on top; whiskers ± 2 standard errors."""
    d = oat[oat["outcome"] == outcome].copy()
    s = scale_of(outcome)
    d["lo"] = (d["low"] - d["base"]) / s
    d["hi"] = (d["high"] - d["base"]) / s
    d["swing"] = (d["hi"] - d["lo"]).abs()
    d = d.nlargest(top, "swing").iloc[::-1]
    fig, ax = plt.subplots(figsize=(8.4, 0.42 * len(d) + 1.9), dpi=110, layout="constrained")
    y = np.arange(len(d))
    ax.barh(y, d["lo"], color="#9ecae1", label=pick("取区间下端", "factor at its low end", lang),
            xerr=2 * d["low_se"] / s, error_kw={"lw": 0.8})
    ax.barh(y, d["hi"], color="#08519c", label=pick("取区间上端", "factor at its high end", lang),
            xerr=2 * d["high_se"] / s, error_kw={"lw": 0.8}, alpha=0.85)
    ax.set_yticks(y, [factor_label(f, lang) for f in d["factor"]], fontsize=8)
    ax.axvline(0, color="k", lw=0.8)
    base = float(d["base"].iloc[0]) / s if len(d) else float("nan")
    ax.set_xlabel(pick(f"相对基准（{base:.3g}）的变化", f"change from the case's values ({base:.3g})", lang))
    ax.set_title(pick("单因素敏感性（龙卷风图）：", "One at a time (tornado): ", lang) + outcome_label(outcome, case, lang),
                 fontsize=10)
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    return fig
