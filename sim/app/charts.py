"""The app's figures, drawn to PNG bytes: targets over time against their target lines with the
baseline overlaid, the market (funnel, domains × stages, cities), and fiscal cost by lever.

Each function takes the case, the current :class:`~sim.app.compute.View` and the baseline's, and
returns PNG bytes. The figures are kept, not closed: each drawing process keeps every figure's static
layer and paints a redraw over it (the market and fiscal figures: :mod:`sim.app.market_chart`).
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

import numpy as np

import sim
from sim.app.figure_style import BASE, CURRENT, TARGET, kept, neighbour_tops, nice_top, tr, wrap
from sim.app.market_chart import fiscal_png, market_png

sim.use_cjk_font()


def _month_ticks(ax, months: list[str]):
    """A tick each January, labelled with its year, and the first month (labelled with its month) unless a
    January follows too soon for both labels to fit: within an eighth of the horizon, at least three
    months (Hubei's December start drew "2025-12" over "2026")."""
    ticks = [i for i, m in enumerate(months) if m.endswith("-01")]
    if not ticks or ticks[0] >= max(3, len(months) / 8):
        ticks = [0] + ticks
    ax.set_xticks(ticks, [months[i][:4] if months[i].endswith("-01") else months[i] for i in ticks], fontsize=8)
    ax.set_xlim(-0.5, len(months) - 0.5)


# The targets figure's static parts, kept by each drawing process (a redraw only paints the current
# settings' band and median over them: blitting). A *template* per (case, language, baseline): the
# figure with its axes, titles, x ticks, the baseline and target lines and the legend. A *panel* per
# (template, target, y-axis top): that target's cell of the figure, axes drawn with that top, cut out.
# The panels are disjoint cells, so a figure is its template's blank (the legend) with one panel per
# target pasted in: each target's axis is drawn once per top, whatever the other targets' tops.
_TEMPLATES: OrderedDict = OrderedDict()
_PANELS: OrderedDict = OrderedDict()
TEMPLATES_KEEP, PANELS_KEEP = 8, 192  # a panel is about 0.25 MB of pixels
WARM_TOPS = (1, 2)  # prepared per target: the axis tops from 1 step below the baseline's to 2 above
_DRAWING = threading.Lock()  # one redraw at a time over the kept parts (sessions' threads, in one process)


def _target_tops(case, view, base) -> tuple:
    years = np.array([int(m[:4]) for m in case_months(case)])
    tops = []
    for tg in case.targets:
        top = float(max(np.max(np.quantile(view.paths[tg.id], 0.95, axis=0)),
                        np.max(np.quantile(base.paths[tg.id], 0.5, axis=0))))
        for y in case.years:
            thr = sim.threshold_for(case, tg, y)
            if thr is not None and (years == y).any():
                top = max(top, thr)
        tops.append(nice_top(top))
    return tuple(tops)


def _template(case, base, lang: str) -> tuple:
    """The template of (case, base, lang), drawn on first use: (key, its parts)."""
    key = (case.path, case.id, lang, tuple(np.quantile(base.paths[tg.id], 0.5, axis=0).tobytes() for tg in case.targets))
    tpl, dropped = kept(_TEMPLATES, key, lambda: _draw_template(case, base, lang), TEMPLATES_KEEP)
    for gone in dropped:  # its panels go with it
        for k in [k for k in _PANELS if k[0] == gone]:
            del _PANELS[k]
    return key, tpl


def _draw_template(case, base, lang: str) -> dict:
    """Everything but the current settings and the y axes' ranges, and the cells the panels are cut from."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import Bbox

    targets = list(case.targets)
    cols = 3 if len(targets) > 4 else max(1, len(targets))
    rows = int(np.ceil(len(targets) / cols))
    height = 2.45 * rows + 0.5
    fig = Figure(figsize=(3.6 * cols, height), dpi=84)
    canvas = FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False)
    # fixed margins (a constrained layout would double the drawing time); checked on both cases' screenshots
    fig.subplots_adjust(left=0.055 * 3 / cols, right=0.99, top=1 - 0.42 / height, bottom=0.62 / height,
                        wspace=0.28, hspace=0.62 * 2.45 / 2.45)
    months = case_months(case)
    years = np.array([int(m[:4]) for m in months])
    x = np.arange(len(months))
    for ax, tg in zip(axes.flat, targets):
        qb = np.quantile(base.paths[tg.id], 0.5, axis=0)
        segs = [np.flatnonzero(years == y) for y in case.years] if tg.kind == "per_year" else [x]
        for seg in segs:
            ax.plot(x[seg], qb[seg], color=BASE, lw=1.4, ls="--")
        for y in case.years:
            thr = sim.threshold_for(case, tg, y)
            if thr is None:
                continue
            idx = np.flatnonzero(years == y)
            xs = [idx[0] - 0.5, idx[-1] + 0.5] if tg.kind == "per_year" else [-0.5, idx[-1] + 0.5]
            ax.plot(xs, [thr, thr], color=TARGET, ls=":", lw=1.6)
        metric = sim.METRICS[tg.metric]
        unit = metric.unit_zh if lang == "zh" else metric.unit_en
        ax.set_title(wrap(tg.zh if lang == "zh" else tg.en, 22 if lang == "zh" else 44), fontsize=9)
        if lang == "zh":  # a unit of a character or two, upright (个 turned sideways reads as an arrow)
            ax.set_ylabel(unit, fontsize=8, rotation=0, labelpad=10, va="center")
        else:
            ax.set_ylabel(unit, fontsize=8)
        _month_ticks(ax, months)
        ax.tick_params(axis="y", labelsize=8)
        if metric.unit_en not in ("CNY",):
            ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="y", color="0.92")
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(axes.flat)[len(targets):]:
        ax.set_axis_off()
    handles = [Patch(color=CURRENT, alpha=0.18, lw=0), Line2D([], [], color=BASE, lw=1.4, ls="--"),
               Line2D([], [], color=CURRENT, lw=2), Line2D([], [], color=TARGET, ls=":", lw=1.6)]
    labels = [tr("band", lang), tr("baseline", lang), tr("current", lang), tr("target", lang)]
    legend = fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, frameon=False)
    used = list(axes.flat)[:len(targets)]
    for ax in used:
        ax.set_visible(False)
    canvas.draw()  # the blank: the legend alone
    blank = canvas.copy_from_bbox(fig.bbox)
    renderer = canvas.get_renderer()
    # each target's cell: from just right of its left neighbour (nothing of a panel reaches right of its
    # frame but its title: the y tick labels, whose width depends on the top, are on the left) and from
    # halfway to the panels above and below (titles, x tick labels), the bottom row halfway to the legend
    for ax in used:
        ax.set_visible(True)
    boxes = [ax.get_tightbbox(renderer) for ax in used]
    w, h = canvas.get_width_height()
    col_of, row_of = [i % cols for i in range(len(used))], [i // cols for i in range(len(used))]
    xb = [0.0] + [min(max(b.x1 for b, c in zip(boxes, col_of) if c == k) + 2,
                      min(ax.bbox.x0 for ax, c in zip(used, col_of) if c == k + 1) - 1) for k in range(cols - 1)] + [float(w)]
    last = [b.y0 for b, r in zip(boxes, row_of) if r == rows - 1]
    yb = [float(h)] + [(min(b.y0 for b, r in zip(boxes, row_of) if r == k) + max(b.y1 for b, r in zip(boxes, row_of) if r == k + 1)) / 2
                       for k in range(rows - 1)] + [(min(last) + legend.get_window_extent(renderer).y1) / 2]
    cells = [Bbox([[xb[c], yb[r + 1]], [xb[c + 1], yb[r]]]) for c, r in zip(col_of, row_of)]
    return {"fig": fig, "canvas": canvas, "axes": used, "blank": blank, "cells": cells}


def _panel(tkey, tpl: dict, i: int, top: float):
    """Target ``i``'s cell of the template with its y axis from 0 to ``top`` (drawn on first use)."""
    def draw():
        canvas, ax = tpl["canvas"], tpl["axes"][i]
        ax.set_ylim(0, top)
        canvas.restore_region(tpl["blank"])
        ax.draw(canvas.get_renderer())
        return canvas.copy_from_bbox(tpl["cells"][i])

    return kept(_PANELS, (tkey, i, top), draw, PANELS_KEEP)[0]


def _compose(tkey, tpl: dict, tops: tuple) -> None:
    """The template's canvas with each target's panel at its top pasted in, and its axes set to it."""
    panels = [_panel(tkey, tpl, i, top) for i, top in enumerate(tops)]  # all drawn before pasting
    tpl["canvas"].restore_region(tpl["blank"])
    for ax, panel, top in zip(tpl["axes"], panels, tops):
        tpl["canvas"].restore_region(panel)
        ax.set_ylim(0, top)


def targets_png(case, view, base, lang: str) -> bytes:
    """One small panel per target: your settings (median and 5–95 % band), the baseline's median
    (dashed grey) and the target line of each evaluated year. A provisional view (``view.months`` set)
    draws your settings up to the month computed so far.

    Less chart work per redraw: everything but your settings — axes, titles, ticks, the baseline, the
    target lines, the legend — is drawn once per (case, language, baseline) and each target's axes once
    per y-axis top, and kept; a redraw pastes them together and paints the band and the median over
    them. The y-axis tops are rounded up (:func:`nice_top`) so that neighbouring settings share them."""
    with _DRAWING:
        return _targets_png(case, view, base, lang)


def _targets_png(case, view, base, lang: str) -> bytes:
    from PIL import Image

    tops = _target_tops(case, view, base)
    tkey, tpl = _template(case, base, lang)
    _compose(tkey, tpl, tops)
    canvas, axes = tpl["canvas"], tpl["axes"]
    months = case_months(case)
    years = np.array([int(m[:4]) for m in months])
    x = np.arange(len(months))
    for ax, tg in zip(axes, case.targets):
        cur = view.paths[tg.id]
        qc = np.quantile(cur, [0.05, 0.5, 0.95], axis=0)  # months computed so far (all, once final)
        segs = [np.flatnonzero(years == y) for y in case.years] if tg.kind == "per_year" else [x]
        drawn = []
        for seg in segs:
            cs = seg[seg < qc.shape[1]]
            if len(cs) == 0:
                continue
            drawn.append(ax.fill_between(x[cs], qc[0][cs], qc[2][cs], color=CURRENT, alpha=0.18, lw=0))
            drawn += ax.plot(x[cs], qc[1][cs], color=CURRENT, lw=2)
        for artist in drawn:
            ax.draw_artist(artist)
            artist.remove()
    w, h = canvas.get_width_height()
    out = io.BytesIO()
    Image.frombuffer("RGBA", (w, h), bytes(canvas.buffer_rgba()), "raw", "RGBA", 0, 1).save(out, format="png",
                                                                                           compress_level=1)
    return out.getvalue()


def case_months(case) -> list[str]:
    y, m = case.start
    out = []
    for _ in range(case.n_months):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def prepare(case, base, lang: str, previews: list | None = None) -> None:
    """What a drawing process makes once, at the server's start: the targets figure's static layer for
    the baseline and for a first answer (``previews``: the baseline's own, whose y-axis tops students'
    first answers usually share — a first year's values are small beside the baseline's whole horizon),
    each target's axes at the tops near the baseline's (``WARM_TOPS``: a setting's answers mostly need
    one of them), the market and fiscal figures' static layers for the baseline's axes, and the
    scoreboard's imports (the first slider move then finds them ready)."""
    from sim.app.compute import aggregate_partial
    from sim.app.widgets import scoreboard_html

    targets_png(case, base, base, lang)
    with _DRAWING:  # each target's axis at the tops near the baseline's, which most settings' answers share
        tkey, tpl = _template(case, base, lang)
        for i, top in enumerate(_target_tops(case, base, base)):
            for near in neighbour_tops(top, *WARM_TOPS):
                _panel(tkey, tpl, i, near)
    scoreboard_html(case, base, base, lang)
    _market(case, base, base, lang)
    if previews:
        first = aggregate_partial(previews)
        targets_png(case, first, base, lang)
        scoreboard_html(case, first, base, lang)


def drawing(case, items: list, base, lang: str, whole: bool, final: bool, market: bool = False,
            base_so_far=None) -> dict:
    """Everything one redraw shows of ``items`` (digests, or partials part-way when not ``whole``), made
    in a drawing process: the aggregate, the scoreboard, the targets figure, the cost summary (once
    ``whole``) and the market and fiscal figures (once ``final``, or with ``market``). Part-way, with
    ``base_so_far`` (the baseline's view at the same month), the market, fiscal figures and costs so far
    too. A pure function of its arguments, so sessions with the same setting share it
    (``Runner.shared``)."""
    from sim.app.compute import aggregate, aggregate_partial
    from sim.app.widgets import costs_html, scoreboard_html

    view = aggregate(items) if whole else aggregate_partial(items)
    out = {"scoreboard": scoreboard_html(case, view, base, lang), "targets": targets_png(case, view, base, lang)}
    if whole:
        out["costs"] = costs_html(view, base, lang)
    elif view.funnel is not None and base_so_far is not None and base_so_far.months == view.months:
        out.update(_so_far(case, view, base_so_far, lang))
    if final or (market and whole):
        out.update(_market(case, view, base, lang))
    return out


def so_far_drawing(case, items: list, base_so_far, lang: str) -> dict:
    """The market, fiscal figures and costs of partials ``items`` at one month, against the baseline's
    view at the same month (``base_so_far``): drawn beside a provisional answer's targets, in another
    drawing process, so that its first answer does not wait for them."""
    from sim.app.compute import aggregate_partial

    view = aggregate_partial(items)
    return _so_far(case, view, base_so_far, lang)


def _so_far(case, view, base_so_far, lang: str) -> dict:
    if view.funnel is None or base_so_far is None or base_so_far.funnel is None or base_so_far.months != view.months:
        raise ValueError("the market so far needs partials and a baseline at one month")
    from sim.app.widgets import costs_html

    so_far = case_months(case)[view.months - 1]
    return {"costs": costs_html(view, base_so_far, lang, so_far), **_market(case, view, base_so_far, lang, so_far)}


def market_drawing(case, items: list, base, lang: str) -> dict:
    """The market and fiscal figures of finished replicates ``items`` (digests): drawn beside the targets
    of the same replicates, in another drawing process (the page's first answer to the end of the horizon)."""
    from sim.app.compute import aggregate

    return _market(case, aggregate(items), base, lang)


def _market(case, view, base, lang: str, so_far: str | None = None) -> dict:
    return {"market": market_png(case, view, base, lang, so_far), "fiscal": fiscal_png(case, view, base, lang, so_far)}
