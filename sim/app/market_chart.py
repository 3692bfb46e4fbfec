"""The app's market figure (funnel, domains × stages, cities) and fiscal figure, drawn fast enough to
redraw with every answer.

As the targets figure does (:func:`sim.app.charts.targets_png`), each figure keeps a *static layer* per
drawing process — axes, tick labels, the baseline's bars — drawn once by matplotlib per (case,
language, baseline, axis range), and a redraw paints only what the setting changes over a copy of it:
your bars, the heatmap's colours, the city tiles' colours and frames (matplotlib's ``draw_artist``).

The numbers in the heatmap's cells and on the city tiles (14 domains × 7 stages + 3 per city: about
140 texts in the Hunan case) are written by Pillow with the same Noto Sans CJK face. Matplotlib lays out
each text through FreeType with this 65k-glyph font at 1–3 ms a text (measured), which was most of the
market figure's 0.6 s a redraw; Pillow writes them in a few tens of microseconds each. So are the
titles that name the period — the whole horizon, or a provisional answer's months so far — so that one
static layer serves every period.
"""

from __future__ import annotations

import io
import threading
import textwrap
from collections import OrderedDict
from functools import cache

import numpy as np

import sim
from sim.app.figure_style import BASE, CURRENT, TARGET, kept, nice_top, stage_label, tr, wrap
from sim.app.compute import FUNNEL
from sim.app.controls import LEVER_LABELS

sim.use_cjk_font()  # before any figure: matplotlib's sans-serif is Noto Sans CJK

DPI = 84
CELL_PT = 6.5  # the size of the numbers in the heatmap and on the tiles, points
TITLE_PT = 9  # the titles that name the period (the whole horizon, or the months so far): written by Pillow

# static layers by what fixes them (case, language, baseline, axis range), per drawing process; one
# redraw at a time paints over a layer (sessions' threads draw here when the app runs in one process)
_STATIC: OrderedDict = OrderedDict()
STATIC_KEEP = 16
_DRAWING = threading.Lock()


def _kept(key, make):
    return kept(_STATIC, key, make, STATIC_KEEP)[0]


@cache
def _font(px: float):
    """Noto Sans CJK SC (the face matplotlib uses, :mod:`sim.report.fonts`) at ``px`` pixels."""
    import matplotlib
    from PIL import ImageFont

    path, family = sim.use_cjk_font(), matplotlib.rcParams["font.sans-serif"][0]
    for index in range(32):
        font = ImageFont.truetype(path, size=px, index=index)
        if font.getname()[0] == family:
            return font
    raise LookupError(f"{path}: no face named {family}")


def _canvas(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    return fig, FigureCanvasAgg(fig)


def _top(values) -> float:
    return nice_top(max([0.0, *[float(v) for v in values]]))


def _to_png(canvas, texts: list) -> bytes:
    """The canvas as PNG bytes with ``texts`` [(x, y in display pixels from the bottom left, text,
    colour[, size in points[, PIL anchor]])] written over it, centred unless an anchor is given
    (``"lm"``: starting at x; ``"rm"``: ending at x)."""
    from PIL import Image, ImageDraw

    w, h = canvas.get_width_height()
    img = Image.frombuffer("RGBA", (w, h), bytes(canvas.buffer_rgba()), "raw", "RGBA", 0, 1).copy()
    draw = ImageDraw.Draw(img)
    for x, y, text, ink, *rest in texts:
        font = _font((rest[0] if rest else CELL_PT) * DPI / 72)
        anchor = rest[1] if len(rest) > 1 else "mm"
        if "\n" in text:
            draw.multiline_text((x, h - y), text, font=font, fill=ink, anchor=anchor, align="center", spacing=1)
        else:
            draw.text((x, h - y), text, font=font, fill=ink, anchor=anchor)
    out = io.BytesIO()
    img.save(out, format="png", compress_level=1)
    return out.getvalue()


def _centre(text, canvas) -> tuple:
    """Where matplotlib would centre ``text`` (an animated title, left out of the drawing), display pixels."""
    box = text.get_window_extent(canvas.get_renderer())
    return (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2


def domain_label(name: str, lang: str) -> str:
    """A domain's row label in the heatmap: Chinese names cut at 16 characters; English ones on up to two
    lines of 18, the second shortened at a word with "…" (cut at 15 characters, the three domains of the
    small case all read "Synthetic: …")."""
    if lang == "zh":
        return name if len(name) <= 16 else name[:15] + "…"
    lines = textwrap.wrap(name, 18)
    if len(lines) <= 2:
        return "\n".join(lines)
    return lines[0] + "\n" + textwrap.shorten(" ".join(lines[1:]), 18, placeholder=" …")


def _market_static(case, base, lang: str, top: float) -> dict:
    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    n_dom = len(case.domains)
    height = 3.0 + 0.17 * max(n_dom, 6)
    fig, canvas = _canvas(11.5, height)
    gs = fig.add_gridspec(1, 3, width_ratios=[1.0, 1.3, 1.1], left=0.1, right=0.99, top=1 - 0.35 / height,
                          bottom=0.85 / height, wspace=0.55)
    # funnel: the baseline's bars are static, yours are painted over them
    ax0 = fig.add_subplot(gs[0])
    stages = list(FUNNEL)
    y = np.arange(len(stages))[::-1]
    ax0.barh(y + 0.2, [base.funnel[s] for s in stages], height=0.4, color=BASE, alpha=0.55, label=tr("baseline", lang))
    mine = ax0.barh(y - 0.2, np.zeros(len(stages)), height=0.4, color=CURRENT, label=tr("current", lang))
    ax0.set_xlim(0, top)
    ax0.set_yticks(y, [wrap(stage_label(s, lang), 16) for s in stages], fontsize=8)  # "large-scale application"
    ax0.set_xlabel(tr("scenarios", lang), fontsize=8)
    ax0.tick_params(axis="x", labelsize=8)
    ax0.set_title(tr("funnel", lang), fontsize=TITLE_PT)  # its place: the text depends on the period
    legend = ax0.legend(fontsize=7, frameon=False, loc="lower right")
    ax0.spines[["top", "right"]].set_visible(False)
    # domains × stages
    ax1 = fig.add_subplot(gs[1])
    image = ax1.imshow(np.zeros((n_dom, len(stages))), aspect="auto", cmap="Blues")
    ax1.set_xticks(range(len(stages)), [stage_label(s, lang) for s in stages], fontsize=7, rotation=35, ha="right")
    names = [d.zh if lang == "zh" else d.en for d in case.domains]
    ax1.set_yticks(range(n_dom), [domain_label(nm, lang) for nm in names], fontsize=7)
    ax1.set_title(tr("domains", lang), fontsize=TITLE_PT)
    # cities as a grid of tiles
    ax2 = fig.add_subplot(gs[2])
    cities = list(case.cities)
    cols = int(np.ceil(np.sqrt(len(cities))))
    rows_n = int(np.ceil(len(cities) / cols))
    tiles, places = [], []
    for k in range(len(cities)):
        r, q = divmod(k, cols)
        tiles.append(ax2.add_patch(Rectangle((q, rows_n - 1 - r), 0.94, 0.9)))
        places.append((q + 0.47, rows_n - 1 - r))
    ax2.set_xlim(0, cols)
    ax2.set_ylim(0, rows_n)
    ax2.set_axis_off()
    ax2.set_title(tr("cities", lang), fontsize=TITLE_PT)
    for artist in [*mine, legend, image, *tiles, ax0.title, ax1.title, ax2.title]:
        artist.set_animated(True)  # left out of the static layer
    canvas.draw()
    titles = [_centre(ax.title, canvas) for ax in (ax0, ax1, ax2)]
    cells = [[tuple(ax1.transData.transform((j, i))) for j in range(len(stages))] for i in range(n_dom)]
    places = [[tuple(ax2.transData.transform((x, y0 + dy))) for dy in (0.68, 0.38, 0.17)] for x, y0 in places]
    names = [wrap(c.zh if lang == "zh" else c.en, 7 if lang == "zh" else 13) for c in cities]
    return {"canvas": canvas, "background": canvas.copy_from_bbox(fig.bbox), "axes": (ax0, ax1, ax2),
            "mine": list(mine), "legend": legend, "image": image, "tiles": tiles, "cells": cells,
            "places": places, "names": names, "cmap": colormaps["Blues"], "titles": titles}


def market_png(case, view, base, lang: str, so_far: str | None = None) -> bytes:
    """The funnel (yours against the baseline), domains × stages, and the cities as a grid: tiles
    coloured by scenarios landed, framed in red where P(pilot zone) ≥ 50 %. Over the whole horizon, or
    with ``so_far`` (a month) to that month: ``view`` and ``base`` then both hold the same months."""
    with _DRAWING:
        return _market_png(case, view, base, lang, so_far)


def _market_png(case, view, base, lang: str, so_far: str | None) -> bytes:
    stages = list(FUNNEL)
    top = _top([base.funnel[s] for s in stages] + [view.funnel[s] for s in stages])
    key = ("market", case.path, case.id, lang, top, tuple(float(base.funnel[s]) for s in stages))
    st = _kept(key, lambda: _market_static(case, base, lang, top))
    canvas, (ax0, ax1, ax2) = st["canvas"], st["axes"]
    canvas.restore_region(st["background"])
    for bar, s in zip(st["mine"], stages):
        bar.set_width(float(view.funnel[s]))
        ax0.draw_artist(bar)
    ax0.draw_artist(st["legend"])
    m = view.domain_stage.to_numpy(dtype=float)
    logs = np.log1p(m)
    hi = float(logs.max()) if m.size else 1.0
    st["image"].set_data(logs)
    st["image"].set_clim(float(logs.min()) if m.size else 0.0, hi)
    ax1.draw_artist(st["image"])
    texts = [(*st["titles"][0], tr("funnel", lang, so_far), "black", TITLE_PT),
             (*st["titles"][1], tr("domains", lang, so_far), "black", TITLE_PT),
             (*st["titles"][2], tr("cities", lang, so_far), "black", TITLE_PT)]
    texts += [(*st["cells"][i][j], f"{m[i, j]:.0f}", "white" if logs[i, j] > 0.6 * hi else "black")
              for i in range(m.shape[0]) for j in range(m.shape[1])]
    landed = view.cities["landed"].to_numpy(dtype=float)
    zones = view.cities["p_zone"].to_numpy(dtype=float)
    vmax = max(1.0, float(landed.max()))
    for tile, places, name, val, pz in zip(st["tiles"], st["places"], st["names"], landed, zones):
        tile.set_facecolor(st["cmap"](0.15 + 0.75 * val / vmax))
        tile.set_edgecolor(TARGET if pz >= 0.5 else "white")
        tile.set_linewidth(2.2 if pz >= 0.5 else 0.5)
        ax2.draw_artist(tile)
        ink = "white" if val > 0.6 * vmax else "black"
        texts += [(*places[0], name, ink), (*places[1], f"{tr('landed', lang)} {val:.0f}", ink),
                  (*places[2], f"{tr('zone', lang)} {pz:.0%}", ink)]
    return _to_png(canvas, texts)


def _fiscal_static(base, lang: str, levers: tuple, lo: float, hi: float, scale: float) -> dict:
    height = 1.0 + 0.3 * max(len(levers), 3)
    fig, canvas = _canvas(5.6, height)
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=0.42, right=0.97, top=1 - 0.35 / height, bottom=0.5 / height)
    y = np.arange(len(levers))[::-1]
    ax.barh(y + 0.2, [base.fiscal_by_lever.get(lv, 0) / scale for lv in levers], height=0.4, color=BASE, alpha=0.55,
            label=tr("baseline", lang))
    mine = ax.barh(y - 0.2, np.zeros(len(levers)), height=0.4, color=CURRENT, label=tr("current", lang))
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.7, len(levers) - 0.3)
    labels = [LEVER_LABELS.get(lv, (lv, lv))[0 if lang == "zh" else 1] for lv in levers]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(tr("wan", lang), fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(tr("fiscal", lang), fontsize=TITLE_PT)
    legend = ax.legend(fontsize=7, frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    for artist in [*mine, legend, ax.title]:
        artist.set_animated(True)
    canvas.draw()
    return {"canvas": canvas, "background": canvas.copy_from_bbox(fig.bbox), "ax": ax, "mine": list(mine),
            "legend": legend, "title": _centre(ax.title, canvas)}


def fiscal_png(case, view, base, lang: str, so_far: str | None = None) -> bytes:
    """Net fiscal spending by lever over the horizon (or to the month ``so_far``): yours against the
    baseline (万元 in Chinese, CNY m in English; receipts subtracted, so a bar may point left)."""
    with _DRAWING:
        return _fiscal_png(case, view, base, lang, so_far)


def _fiscal_png(case, view, base, lang: str, so_far: str | None) -> bytes:
    levers = sorted(set(view.fiscal_by_lever.index) | set(base.fiscal_by_lever.index))
    levers = tuple(lv for lv in levers
                   if abs(view.fiscal_by_lever.get(lv, 0)) > 0 or abs(base.fiscal_by_lever.get(lv, 0)) > 0)
    scale = 1e4 if lang == "zh" else 1e6
    values = [float(x.fiscal_by_lever.get(lv, 0)) / scale for x in (view, base) for lv in levers]
    hi, lo = _top(values), -_top([-v for v in values]) if min(values, default=0.0) < 0 else 0.0
    key = ("fiscal", case.path, case.id, lang, levers, lo, hi,
           tuple(float(base.fiscal_by_lever.get(lv, 0)) for lv in levers))
    st = _kept(key, lambda: _fiscal_static(base, lang, levers, lo, hi, scale))
    canvas, ax = st["canvas"], st["ax"]
    canvas.restore_region(st["background"])
    texts = [(*st["title"], tr("fiscal", lang, so_far), "black", TITLE_PT)]
    for bar, lv in zip(st["mine"], levers):
        v = float(view.fiscal_by_lever.get(lv, 0)) / scale
        bar.set_width(v)
        ax.draw_artist(bar)
        texts.append(_bar_value(ax, bar, v, lo, hi))
    ax.draw_artist(st["legend"])
    return _to_png(canvas, texts)


def _bar_value(ax, bar, v: float, lo: float, hi: float) -> tuple:
    """Your bar's value written at its end (a lever that spends little has a bar too short to see):
    outside the bar, or inside it in white where it reaches the last fifth of the axis."""
    x_end, y_mid = ax.transData.transform((v, bar.get_y() + bar.get_height() / 2))
    x_zero = ax.transData.transform((0.0, 0.0))[0]
    text = f"{v:,.0f}" if abs(v) >= 10 or v == 0 else f"{v:,.1f}"
    pad = 3
    if v >= 0:
        inside = hi > 0 and v > 0.8 * hi
        return (x_end - pad if inside else x_end + pad, y_mid, text, "white" if inside else "black", 6.5,
                "rm" if inside else "lm")
    inside = lo < 0 and v < 0.8 * lo
    return (x_end + pad if inside else min(x_end, x_zero) - pad, y_mid, text, "white" if inside else "black", 6.5,
            "lm" if inside else "rm")
