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
from sim.report.figures import drawable
from sim.report.i18n import pick

use_cjk_font()
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

KIND_COLOR = {"lever": "#2171b5", "uncertainty": "#cb181d", "dummy": "#737373"}


def _entry(name: str):
    """The registry entry of a factor's name: a case parameter, or a national case's flow or other
    region's parameter (None for the dummy and unknown names)."""
    from sim.core.national_case import setting_param

    return REGISTRY[name] if name in REGISTRY else setting_param(name)


def factor_label(name: str, lang: str) -> str:
    p = _entry(name)
    if p is not None:
        return pick(p.label_zh or name, p.label_en or name, lang)
    if name == "dummy":
        return pick("虚拟参数（模型不读取）", "dummy (read by no run)", lang)
    return name


def _with_unit(name: str, lang: str) -> str:
    from sim.base.vocab import unit_label

    p = _entry(name)
    unit = unit_label(p.unit, lang) if p is not None else ""
    if not unit:
        return factor_label(name, lang)
    return f"{factor_label(name, lang)}（{unit}）" if lang == "zh" else f"{factor_label(name, lang)} ({unit})"


def outcome_label(outcome: str, case, lang: str) -> str:
    parts = outcome.split(".")
    labels = {tg.id: drawable(pick(tg.zh, tg.en, lang)) for tg in case.targets} if case is not None else {}
    if parts[0] == "all_targets":
        if parts[1] == "all":
            return pick("全部目标均达成的概率（全期）", "P(all targets met, every year)", lang)
        return pick(f"{parts[1]}年全部目标均达成的概率", f"P(all targets met in {parts[1]})", lang)
    if outcome == "cost.total_cny":
        return pick("财政总支出（亿元）", "Total fiscal spending, net (CNY 100 m)", lang)
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
    handles = [Patch(color=KIND_COLOR[k], label=names[k]) for k in kinds if k in names]
    ax.figure.legend(handles=handles, loc="outside lower center", ncols=max(len(handles), 1), fontsize=8,
                     frameon=False)  # below the axes: a factor far right and low (linear, important) stays visible


def morris_scatter(morris: pd.DataFrame, outcome: str, case, lang: str = "en") -> Figure:
    """μ* against σ of the elementary effects: far right matters, high up interacts or is non-linear."""
    d = morris[morris["outcome"] == outcome]
    s = scale_of(outcome)
    fig, ax = plt.subplots(figsize=(8.2, 5.6), dpi=110, layout="constrained")
    ax.errorbar(d["mu_star"] / s, d["sigma"] / s, xerr=d["mu_star_conf"] / s, fmt="none", ecolor="#bdbdbd", lw=1)
    ax.scatter(d["mu_star"] / s, d["sigma"] / s, c=[KIND_COLOR.get(k, "k") for k in d["kind"]], s=36, zorder=3)
    top = d.nlargest(8, "mu_star")
    dummy = d[d["kind"] == "dummy"]
    if len(dummy):  # label only factors whose μ* stands above the dummy's (the noise floor)
        floor = float(dummy["mu_star"].iloc[0] + dummy["mu_star_conf"].iloc[0])
        top = top[(top["mu_star"] > floor) | (top["kind"] == "dummy")]
    xlim = max(float((d["mu_star"] + d["mu_star_conf"]).max()), 1e-12) / s * 1.15
    ylim = max(float(d["sigma"].max()), 1e-12) / s * 1.25
    lim = max(xlim, ylim)
    ax.plot([0, lim], [0, lim], ls=":", color="#969696", lw=1)  # σ = μ*: above it, interactions dominate
    ax.set_xlim(0, xlim)
    ax.set_ylim(0, ylim)
    end = min(xlim, ylim) * 0.97  # name the diagonal where it leaves the axes (the scales differ)
    ax.annotate("σ = μ*", (end, end), fontsize=7, color="#737373", xytext=(3, -9), textcoords="offset points")
    place_labels(ax, top["mu_star"] / s, top["sigma"] / s, [factor_label(f, lang) for f in top["factor"]])
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
    fig.legend(fontsize=8, loc="outside lower center", ncols=2 * len(ns), frameon=False)  # below the axes
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
    ax.barh(y - 0.2, d["lo"], height=0.38, color="#9ecae1", label=pick("取区间下端", "factor at its low end", lang),
            xerr=2 * d["low_se"] / s, error_kw={"lw": 0.8, "ecolor": "#636363"})
    ax.barh(y + 0.2, d["hi"], height=0.38, color="#08519c", label=pick("取区间上端", "factor at its high end", lang),
            xerr=2 * d["high_se"] / s, error_kw={"lw": 0.8, "ecolor": "#636363"})
    ax.set_yticks(y, [factor_label(f, lang) for f in d["factor"]], fontsize=8)
    ax.axvline(0, color="k", lw=0.8)
    base = float(d["base"].iloc[0]) / s if len(d) else float("nan")
    ax.set_xlabel(pick(f"相对基准（{base:.3g}）的变化", f"change from the case's values ({base:.3g})", lang))
    ax.set_title(pick("单因素敏感性（龙卷风图）：", "One at a time (tornado): ", lang) + outcome_label(outcome, case, lang),
                 fontsize=10)
    fig.legend(fontsize=8, loc="outside lower center", ncols=2, frameon=False)  # below the axes: never over a bar
    return fig


# -- scenario discovery ---------------------------------------------------------------------------
def _y_label(y_name: str, case, lang: str) -> str:
    if y_name.startswith("all_targets_met"):
        year = y_name.removeprefix("all_targets_met").strip("_")
        return (pick(f"{year}年全部目标均达成", f"all targets met in {year}", lang) if year
                else pick("全部目标每年均达成", "all targets met every year", lang))
    tid = y_name.split("_fails")[0]
    labels = {tg.id: drawable(pick(tg.zh, tg.en, lang)) for tg in case.targets} if case is not None else {}
    return pick(f"未达成：{labels.get(tid, tid)}", f"fails: {labels.get(tid, tid)}", lang)


def prim_tradeoff(traj: pd.DataFrame, y_name: str, case, lang: str = "en") -> Figure:
    """PRIM's peeling trajectory: coverage against density, coloured by restricted dimensions."""
    fig, ax = plt.subplots(figsize=(7.6, 5.4), dpi=110, layout="constrained")
    sc = ax.scatter(traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=22, zorder=3)
    cb = fig.colorbar(sc, ax=ax)
    cb.set_label(pick("受限参数个数", "restricted parameters", lang))
    cb.locator = __import__("matplotlib").ticker.MaxNLocator(integer=True)
    cb.update_ticks()
    c = traj[traj["chosen"]]
    ax.scatter(c["coverage"], c["density"], s=140, facecolors="none", edgecolors="#cb181d", lw=1.6, zorder=4,
               label=pick("所选区域", "chosen box", lang))
    ax.set_xlabel(pick("覆盖率（结果出现的运行中落在区域内的比例）", "coverage (share of the outcome's runs inside the box)", lang))
    ax.set_ylabel(pick("密度（区域内出现结果的比例）", "density (share of the box's runs with the outcome)", lang))
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(pick("PRIM 覆盖率–密度权衡：", "PRIM coverage–density trade-off: ", lang) + _y_label(y_name, case, lang),
                 fontsize=10)
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    return fig


def _amount(x: float, lang: str, fine: bool = False) -> str:
    """An amount of yuan as people read it: millions (en), 万 or 亿 (zh); ``fine``: three significant
    figures rather than whole millions or 万."""
    if abs(x) >= 1e8 and lang == "zh":
        return f"{x / 1e8:.3g}亿"
    if abs(x) >= 1e6:
        if lang == "zh":
            return f"{x / 1e4:,.3g}万" if fine and abs(x) < 1e7 else f"{x / 1e4:,.0f}万"
        return f"{x / 1e6:,.3g} m" if fine else f"{x / 1e6:,.0f} m"
    return f"{x:.3g}"


def limits_text(name: str, lo: float, hi: float, lang: str) -> str:
    """A box's limits on one parameter in its own terms: a switch as on/off, yuan in millions or 万/亿
    with the unit, shares in per cent, anything else in three significant figures with its unit; an
    open end (±inf, as CART's leaves have) as ≤ or ≥."""
    from sim.base.vocab import unit_label

    p = _entry(name)
    if p is not None and p.dtype is bool:
        on, off = pick("开", "on", lang), pick("关", "off", lang)
        return on if lo > 0 else off if hi < 1 else pick("开或关", "on or off", lang)
    unit = unit_label(p.unit, lang) if p is not None else ""
    if p is not None and p.unit.startswith("CNY"):
        def fmt(x):
            return _amount(x, lang, fine=True)
    elif p is not None and p.unit in ("share", "probability"):
        def fmt(x):
            return f"{100 * x:.3g} %"
        unit = ""
    else:
        def fmt(x):
            return f"{x:.3g}"
    if np.isneginf(lo) and np.isposinf(hi):
        text = pick("不限", "any", lang)
    elif np.isneginf(lo):
        text = f"≤ {fmt(hi)}"
    elif np.isposinf(hi):
        text = f"≥ {fmt(lo)}"
    else:
        text = f"{fmt(lo)} – {fmt(hi)}"
    return f"{text} {unit}".rstrip()


def box_limits(limits: pd.DataFrame, stats: dict, y_name: str, case, lang: str = "en") -> Figure:
    """The chosen box: each restricted parameter's range within its full sweep range, with limits
    and the quasi-p-value of each restriction."""
    d = limits.iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8.4, 0.6 * len(d) + 2.0), dpi=110, layout="constrained")
    for k, r in d.iterrows():
        span = (r["full_max"] - r["full_min"]) or 1.0
        lo, hi = (r["min"] - r["full_min"]) / span, (r["max"] - r["full_min"]) / span
        ax.barh(k, 1.0, color="#f0f0f0", edgecolor="#bdbdbd", height=0.5)
        ax.barh(k, hi - lo, left=lo, color="#2171b5", height=0.5)
        qp = np.nanmin([r["qp_low"], r["qp_high"]])
        ax.text(1.02, k, f"{limits_text(r['parameter'], r['min'], r['max'], lang)}  (qp {qp:.1g})", va="center",
                fontsize=8)
    ax.set_yticks(range(len(d)), [factor_label(p, lang) for p in d["parameter"]], fontsize=8)
    ax.set_xlim(0, 1.6)
    ax.set_xticks([0, 0.5, 1], ["0", "0.5", "1"])
    ax.set_xlabel(pick("在扫描范围内的位置（0 = 下端，1 = 上端）", "position within the swept range (0 = low end, 1 = high end)", lang))
    ax.set_title(pick("PRIM 区域：", "PRIM box: ", lang) + _y_label(y_name, case, lang) +
                 pick(f"（覆盖率 {stats['coverage']:.2f}，密度 {stats['density']:.2f}）",
                      f" (coverage {stats['coverage']:.2f}, density {stats['density']:.2f})", lang), fontsize=10)
    return fig


def heatmap(binned: pd.DataFrame, y_name: str, case, lang: str = "en") -> Figure:
    """P(outcome) over two parameters (binned), with the number of runs in each cell."""
    a, b = binned["a"].iloc[0], binned["b"].iloc[0]
    P = binned.pivot(index="j", columns="i", values="p").to_numpy()
    N = binned.pivot(index="j", columns="i", values="n").to_numpy()

    def fmt(x):
        return _amount(x, lang)

    def labels(lo, hi):
        return [fmt(x) if x == y else f"{fmt(x)}–{fmt(y)}" for x, y in zip(lo, hi)]

    la = labels(*binned.drop_duplicates("i").sort_values("i")[["a_lo", "a_hi"]].to_numpy().T)
    lb = labels(*binned.drop_duplicates("j").sort_values("j")[["b_lo", "b_hi"]].to_numpy().T)
    fig, ax = plt.subplots(figsize=(8.0, 5.8), dpi=110, layout="constrained")
    im = ax.imshow(P, origin="lower", cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    for j in range(P.shape[0]):
        for i in range(P.shape[1]):
            if N[j, i] > 0:
                ax.text(i, j, f"{P[j, i]:.2f}\nn={int(N[j, i])}", ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(la)), la, fontsize=7, rotation=20)
    ax.set_yticks(range(len(lb)), lb, fontsize=7)
    ax.set_xlabel(_with_unit(a, lang))
    ax.set_ylabel(_with_unit(b, lang))
    fig.colorbar(im, ax=ax).set_label(pick("概率：", "P: ", lang) + _y_label(y_name, case, lang))
    ax.set_title(pick("按两个参数分组的概率：", "Probability over two parameters: ", lang) + _y_label(y_name, case, lang),
                 fontsize=10)
    return fig


# -- optimisation ----------------------------------------------------------------------------------
def pareto_front(trials: pd.DataFrame, finals: pd.DataFrame, mixes: pd.DataFrame, probability: float | None,
                 lang: str = "en", targets=("all",)) -> Figure:
    """Cost against P(chosen targets met) — by default all targets in every year: every candidate tried
    (search estimate), the Pareto front,
    the finalists and the hand-made mixes re-evaluated with many replicates (Wilson 95 % intervals)."""
    from sim.analysis.optimise import pareto

    fig, ax = plt.subplots(figsize=(8.6, 5.6), dpi=110, layout="constrained")
    s = 1e8
    ax.scatter(trials["cost_cny"] / s, trials["p_met"], s=18, color="#bdbdbd", label=pick("候选（搜索估计）", "candidates (search estimate)", lang))
    front = trials[pareto(trials)].sort_values("cost_cny")
    ax.step(front["cost_cny"] / s, front["p_met"], where="post", color="#636363", lw=1.2,
            label=pick("帕累托前沿（搜索）", "Pareto front (search)", lang))
    ax.set_ylim(-0.02, 1.08)
    for d, color, marker, lab in ((finals, "#08519c", "o", pick("入围方案（复算）", "finalists (re-evaluated)", lang)),
                                  (mixes, "#cb181d", "s", pick("人工组合（复算）", "hand-made mixes (re-evaluated)", lang))):
        if d is None or not len(d):
            continue
        ax.errorbar(d["cost_cny"] / s, d["p_met"], yerr=[d["p_met"] - d["p_low"], d["p_high"] - d["p_met"]],
                    xerr=[(d["cost_cny"] - d["cost_low"]) / s, (d["cost_high"] - d["cost_cny"]) / s], fmt=marker,
                    color=color, ms=6, lw=1, capsize=2, label=lab)
        if "mix" in d:
            _label_mixes(ax, d, s)
    if probability is not None:
        ax.axhline(probability, ls="--", color="#cb181d", lw=0.8)
        ax.text(ax.get_xlim()[0], probability, pick(f" 要求 p = {probability:g}", f" required p = {probability:g}", lang),
                va="bottom", fontsize=8, color="#cb181d")
    ax.set_xlabel(pick("财政总支出（亿元，各次运行均值）", "total fiscal spending, net (CNY 100 m, mean over runs)", lang))
    what = "; ".join(_targets_label(x, lang) for x in targets)
    ax.set_ylabel(pick("达标概率：", "P(met): ", lang) + what)
    ax.set_title(pick("成本与达标概率：帕累托前沿", "Cost against the probability of meeting the targets: Pareto front", lang),
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    return fig


def _label_mixes(ax, mixes: pd.DataFrame, scale: float) -> None:
    """Name each hand-made mix beside its marker (:func:`place_labels`, sorted by cost).
    The axes' y limits must be set before (the positions are read from them)."""
    m = mixes.sort_values("cost_cny")
    place_labels(ax, m["cost_cny"] / scale, m["p_met"], [str(x) for x in m["mix"]], fontsize=7)


def _text_width_pt(text: str, fontsize: float) -> float:
    """A label's width in points: about 0.6 em a Latin character, 1 em a CJK one."""
    wide = sum(1 for ch in text if ord(ch) > 0x2E7F)
    return fontsize * (0.6 * (len(text) - wide) + 1.0 * wide)


def place_labels(ax, xs, ys, texts, fontsize: float = 8) -> None:
    """Name points beside their markers without two names overlapping. Each name goes up and to the
    right of its point, lifted line by line until it clears every name already placed (judged in points
    on the drawn axes; below, a name at 0 would fall on the axis); a lifted name gets a thin leader
    line to its point. Earlier points are placed first, so pass the most important first.
    The axes' limits must be set before (the positions are read from them)."""
    ax.autoscale_view()  # apply pending autoscaling, so that data-to-points is final
    to_pt = 72.0 / ax.figure.dpi
    line = fontsize * 1.3
    right_edge = ax.get_window_extent().x1 * to_pt
    placed: list[tuple[float, float, float]] = []  # left, right, baseline of each name, in points
    for x, y, text in zip(xs, ys, texts):
        px, py = (v * to_pt for v in ax.transData.transform((x, y)))
        width = _text_width_pt(text, fontsize)
        dx = 5.0 if px + 5 + width <= right_edge else -5.0 - width  # left of a point near the right edge
        left = px + dx
        dy = 0.6 * fontsize
        while any(left < r and l < left + width and abs(py + dy - base) < line for l, r, base in placed):
            dy += line
        placed.append((left, left + width, py + dy))
        lifted = dy > 0.6 * fontsize
        ax.annotate(text, (x, y), fontsize=fontsize, xytext=(dx, dy), textcoords="offset points",
                    bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
                    arrowprops={"arrowstyle": "-", "color": "#969696", "lw": 0.6, "shrinkA": 0, "shrinkB": 3}
                    if lifted else None)


def _targets_label(entry: str, lang: str) -> str:
    tid, _, year = entry.partition(":")
    if tid == "all":
        return pick(f"{year}年全部目标", f"all targets in {year}", lang) if year else pick("全部目标（每年）", "all targets, every year", lang)
    return f"{tid} {year}".strip()
