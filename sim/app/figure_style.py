"""The app's figures' common style: colours, words in Chinese and English, axis tops and label
wrapping, shared by the targets figure (:mod:`sim.app.charts`) and the market and fiscal figures
(:mod:`sim.app.market_chart`)."""

from __future__ import annotations

import numpy as np

import sim

CURRENT, BASE, TARGET = "#08519c", "#737373", "#cb181d"
STAGE_STATE = {"solicited": sim.State.SOLICITED, "selected": sim.State.SELECTED, "published": sim.State.PUBLISHED,
               "matched": sim.State.MATCHED, "landed": sim.State.LANDED, "validated": sim.State.VALIDATED,
               "scaled": sim.State.SCALED}
TEXT = {
    "current": ("当前设置", "your settings"), "baseline": ("基准（方案原值）", "baseline (as published)"),
    "band": ("当前设置 5–95% 区间", "your settings, 5–95% band"), "target": ("目标线", "target"),
    "funnel": ("场景漏斗（全期合计，各重复均值）", "Scenario funnel (whole horizon, mean)"),
    "domains": ("各领域 × 阶段（全期合计，当前设置）", "Domains × stages (whole horizon, your settings)"),
    # the first answer's market and costs: the months computed so far, against the baseline's same months
    "funnel_so_far": ("场景漏斗（初步：至 {month}）", "Scenario funnel (provisional: to {month})"),
    "domains_so_far": ("各领域 × 阶段（初步：至 {month}）", "Domains × stages (provisional: to {month})"),
    "cities_so_far": ("市州（初步：至 {month}）：落地场景数与\n试验区认定概率（红框：概率≥50%）",
                      "Cities (provisional: to {month}): landed\nand P(pilot zone) (red frame: P ≥ 50%)"),
    "fiscal_so_far": ("财政净支出（初步：至 {month}）", "Net fiscal spending (provisional: to {month})"),
    "cities": ("市州：落地场景数与试验区认定概率\n（红框：概率≥50%）",
               "Cities: scenarios landed and P(pilot zone)\n(red frame: P ≥ 50%)"),
    "scenarios": ("场景（项）", "scenarios"), "fiscal": ("财政净支出（全期，各重复均值）",
                                                         "Net fiscal spending (whole horizon, mean)"),
    "wan": ("万元", "CNY m"), "landed": ("落地", "landed"), "zone": ("试验区", "zone"),
}


def tr(key: str, lang: str, so_far: str | None = None) -> str:
    """The words of ``key``; with ``so_far`` (a month, "2026-12"), its provisional variant to that month."""
    if so_far is not None:
        zh, en = TEXT[key + "_so_far"]
        return (zh if lang == "zh" else en).format(month=so_far)
    zh, en = TEXT[key]
    return zh if lang == "zh" else en


def nice_top(x: float) -> float:
    """The y-axis top for a largest value ``x``: 12 % headroom, rounded up to 1, 1.2, 1.5, 2, 2.5, 3, 4,
    5, 6, 8 × 10^k (so that neighbouring settings share an axis and its drawing, see ``targets_png``)."""
    if not x > 0:
        return 1.0
    x *= 1.12
    e = 10.0 ** np.floor(np.log10(x))
    for m in NICE + (10,):
        if m * e >= x * (1 - 1e-12):
            return float(m * e)
    return float(10 * e)


NICE = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8)  # the mantissas of the axis tops (nice_top)


def neighbour_tops(top: float, down: int, up: int) -> list[float]:
    """The axis tops ``nice_top`` gives, from ``down`` steps below ``top`` (one of them) to ``up`` steps above."""
    k = int(np.floor(np.log10(top) + 1e-9))
    i = min(range(len(NICE)), key=lambda j: abs(NICE[j] * 10.0 ** k - top))
    out = []
    for step in range(-down, up + 1):
        kk, j = divmod(i + step, len(NICE))
        out.append(float(NICE[j] * 10.0 ** (k + kk)))
    return out


def wrap(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    if " " in text:
        import textwrap

        return "\n".join(textwrap.wrap(text, width)[:2])
    return text[:width] + "\n" + text[width:2 * width]


def stage_label(stage: str, lang: str) -> str:
    zh, en = sim.STATE_LABELS[STAGE_STATE[stage]]
    return zh if lang == "zh" else en


def kept(cache, key, make, keep: int):
    """``cache[key]``, made by ``make()`` on first use; ``cache`` (an OrderedDict) keeps the last ``keep``
    keys used. Returns (value, the keys it dropped)."""
    dropped = []
    if key in cache:
        cache.move_to_end(key)
    else:
        cache[key] = make()
        while len(cache) > keep:
            dropped.append(cache.popitem(last=False)[0])
    return cache[key], dropped
