"""Figures of a calibration: posterior marginals against the prior range, and pairwise scatter."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from sim.core.registry import REGISTRY
from sim.report.fonts import use_cjk_font
from sim.report.i18n import pick


def _scale(name: str) -> float:
    """Amounts of yuan are drawn in millions."""
    return 1e6 if REGISTRY.params[name].unit.startswith("CNY") else 1.0


def _label(name: str, lang: str) -> str:
    p = REGISTRY.params[name]
    text = pick(p.label_zh or name, p.label_en or name, lang)
    unit = p.unit.replace("CNY", pick("百万元", "CNY m", lang), 1) if _scale(name) != 1 else p.unit
    return f"{text}\n{name} ({unit})"


def marginals_figure(post: pd.DataFrame, marg: pd.DataFrame, lang: str = "en") -> Figure:
    """One panel per parameter: the weighted posterior histogram over the prior's range, the case's
    value and the 90 % credible interval."""
    use_cjk_font()
    n = len(marg)
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), dpi=110, layout="constrained",
                             squeeze=False)
    for ax, r in zip(axes.flat, marg.itertuples(index=False)):
        k = _scale(r.parameter)
        lo, hi = r.prior_low / k, r.prior_high / k
        ax.hist(post[r.parameter] / k, bins=20, range=(lo, hi), weights=post["weight"],
                density=True, color="#4c78a8", alpha=0.8, label=pick("后验", "posterior", lang))
        ax.axhline(1.0 / (hi - lo), color="#999999", ls="--", lw=1,
                   label=pick("先验（均匀）", "prior (uniform)", lang))
        ax.axvspan(r.posterior_q05 / k, r.posterior_q95 / k, color="#f58518", alpha=0.15,
                   label=pick("90% 可信区间", "90 % credible interval", lang))
        ax.axvline(float(r.case_value) / k, color="#e45756", lw=1.5, label=pick("案例原值", "case value", lang))
        ax.set_xlabel(_label(r.parameter, lang), fontsize=8)
        ax.set_ylabel(pick("概率密度（每单位）", "density (per unit)", lang), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, loc="upper right")
    fig.suptitle(pick("后验边际分布", "Posterior marginals", lang), fontsize=10)
    return fig


def pairs_figure(post: pd.DataFrame, names: list[str], lang: str = "en") -> Figure:
    """Pairwise scatter of the posterior particles (size by weight)."""
    use_cjk_font()
    k = len(names)
    fig, axes = plt.subplots(k, k, figsize=(2.3 * k + 1, 2.3 * k + 1), dpi=110, layout="constrained", squeeze=False)
    w = post["weight"].to_numpy()
    size = 6 + 60 * w / max(w.max(), 1e-12)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i, j]
            if i == j:
                ax.hist(post[a] / _scale(a), bins=15, weights=w, color="#4c78a8")
            elif i > j:
                ax.scatter(post[b] / _scale(b), post[a] / _scale(a), s=size, alpha=0.5, color="#4c78a8",
                           linewidths=0)
            else:
                ax.set_visible(False)
            ax.tick_params(labelsize=6)
            if i == k - 1:
                ax.set_xlabel(_label(b, lang), fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(_label(a, lang), fontsize=7)
    fig.suptitle(pick("后验粒子两两散点（点大小 = 权重）", "Posterior particles, pairwise (size = weight)", lang),
                 fontsize=10)
    return fig


