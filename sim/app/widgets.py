"""Solara components of the app: a control (slider or switch) per parameter, grouped panels, the
scoreboard and the cost summary. Components hold no model; the page passes values and callbacks."""

from __future__ import annotations

import html
import math
import time

import solara

from sim.app.controls import Control, Note, fmt_value, group_label, lever_switch
from sim.app.text import t

LABEL_STYLE = {"font-size": "12px", "color": "#555", "margin": "-6px 0 6px 0"}


NOTE_STYLE = {"font-size": "11px", "color": "#8c6d1f", "margin": "-4px 0 6px 0", "display": "block",
              "line-height": "1.25"}


@solara.component
def ControlRow(c: Control, value, lang: str, on_change, note: Note | None = None):
    """One slider or switch with its value and unit underneath; with a ``note``, its text under the
    control, and the control greyed out (disabled) when the note says it changes nothing now."""
    label = c.label(lang)
    idle = note is not None and note.idle
    if c.dtype is bool:
        solara.Switch(label=label, value=bool(value), on_value=lambda v: on_change(c.name, bool(v)), disabled=idle)
    else:
        if c.dtype is int:
            solara.SliderInt(label, value=int(value), min=int(c.lo), max=int(c.hi), step=int(c.step),
                             on_value=lambda v: on_change(c.name, int(v)), thumb_label=False, disabled=idle)
        else:
            solara.SliderFloat(label, value=float(value), min=c.lo, max=c.hi, step=c.step,
                               on_value=lambda v: on_change(c.name, float(v)), thumb_label=False, disabled=idle)
        solara.Text(fmt_value(c, value, lang), style=LABEL_STYLE)
    if note is not None:
        solara.HTML(tag="span", unsafe_innerHTML=html.escape(note.text(lang)), style=NOTE_STYLE,
                    attributes={"data-testid": f"note-{c.name}", "data-idle": str(int(idle))})


@solara.component
def ControlPanel(controls: list, values: dict, lang: str, on_change, notes: dict):
    """Controls grouped under their lever's (or mechanism's) name; a control that changes nothing now
    (its lever off, nothing in the case for it to act on) is greyed out with the reason underneath
    (``notes``: :func:`sim.app.controls.control_notes`)."""
    group = None
    for c in controls:
        if c.group != group:
            group = c.group
            switch = lever_switch(group, values)
            off = switch is not None and not values[switch]
            title = group_label(group, lang) + (f" · {t('lever_off', lang)}" if off else "")
            solara.Text(title, style={"font-weight": "bold", "margin-top": "10px", "display": "block",
                                      "color": "#888" if off else "#08306b"})
        ControlRow(c, values[c.name], lang, on_change, notes.get(c.name))


LOADING = "loading:"  # the panel's state while its controls are being built


@solara.component
def ControlsColumn(levers: list, uncertainties: list, values: dict, lang: str, on_change, notes: dict,
                   reset_uncertainties):
    """The two panels of controls, levers and uncertainties, one shown at a time. Switching builds every
    slider of the new panel (Hunan's 66 uncertainties: 2–5 s on a busy server), so it is made in two
    steps that put a sign of it on the page first: the click shows "loading" at once, and a thread then
    asks for the panel itself."""
    panel = solara.use_reactive("levers")

    def show(name):
        if panel.value != name:
            panel.set(LOADING + name)

    def finish_switch():
        if panel.value.startswith(LOADING):
            time.sleep(0.05)  # the sign is sent before the slow render starts
            panel.set(panel.value[len(LOADING):])

    solara.use_thread(finish_switch, dependencies=[panel.value], intrusive_cancel=False)
    shown = panel.value[len(LOADING):] if panel.value.startswith(LOADING) else panel.value
    with solara.Row(style={"gap": "4px", "flex-wrap": "wrap"}):
        solara.Button(t("levers", lang), on_click=lambda: show("levers"), small=True,
                      outlined=shown != "levers", color="primary")
        solara.Button(t("uncertainties", lang), on_click=lambda: show("uncertainties"), small=True,
                      outlined=shown != "uncertainties", color="primary")
    if panel.value.startswith(LOADING):
        with solara.Div(attributes={"data-testid": "panel-loading"}):
            solara.ProgressLinear(True)
            solara.Text(t("loading_controls", lang), style={"font-size": "12px", "color": "#555"})
    elif panel.value == "levers":
        ControlPanel(levers, values, lang, on_change, notes)
    else:
        solara.Text(t("unc_note", lang), style={"font-size": "12px", "color": "#555"})
        solara.Button(t("reset_unc", lang), on_click=reset_uncertainties, small=True, text=True)
        ControlPanel(uncertainties, values, lang, on_change, notes)


def _cell_color(p: float) -> str:
    if math.isnan(p):
        return "#ffffff"
    # red (unlikely) → yellow → green (likely)
    if p < 0.5:
        r, g = 230, int(120 + 220 * p)
    else:
        r, g = int(230 - 300 * (p - 0.5)), 230
    return f"rgb({r},{g},140)"


def scoreboard_html(case, view, base, lang: str) -> str:
    """P(met) per target and year (yours; the baseline's underneath), and P(all targets met)."""
    years = [str(y) for y in case.years]
    s, b = view.summary, base.summary

    def cell(df_cur, df_base, tid, period, testid, span=1):
        cur = df_cur[(df_cur["target"] == tid) & (df_cur["period"] == period)]
        if cur.empty:
            return "<td style='background:#f4f4f4;text-align:center;color:#aaa'>—</td>"
        bas = df_base[(df_base["target"] == tid) & (df_base["period"] == period)]
        p = float(cur["p_met"].iloc[0])
        pb = float(bas["p_met"].iloc[0]) if len(bas) else float("nan")
        return (f"<td data-testid='{testid}' data-p='{p:.4f}' colspan='{span}' style='background:{_cell_color(p)};"
                f"text-align:center;padding:3px 8px'><b>{p:.2f}</b><br><span style='font-size:11px;color:#444'>"
                f"{t('base_short', lang)} {pb:.2f}</span></td>")

    head = "".join(f"<th style='padding:3px 8px'>{y}</th>" for y in years)
    rows = []
    for tg in case.targets:
        name = html.escape(tg.zh if lang == "zh" else tg.en)
        cells = "".join(cell(s, b, tg.id, y, f"p-{tg.id}-{y}") for y in years)
        rows.append(f"<tr><td style='padding:3px 8px'>{name}</td>{cells}</tr>")
    jc = "".join(cell(view.joint, base.joint, "all_targets", y, f"p-all-{y}") for y in years)
    rows.append(f"<tr style='border-top:2px solid #333'><td style='padding:3px 8px'><b>{t('all_targets', lang)}</b>"
                f"</td>{jc}</tr>")
    overall = cell(view.joint, base.joint, "all_targets", "all", "p-all-all", span=len(years))  # the whole horizon, not a year
    rows.append(f"<tr><td style='padding:3px 8px'><b>{t('all_targets_all_years', lang)}</b></td>{overall}</tr>")
    return ("<table data-testid='scoreboard' style='border-collapse:collapse;font-size:13px'>"
            f"<tr><th style='text-align:left;padding:3px 8px'>{t('p_met_title', lang)}</th>{head}</tr>"
            + "".join(rows) + "</table>")


def money(cny: float, lang: str) -> str:
    return f"{cny / 1e8:,.2f} 亿元" if lang == "zh" else f"CNY {cny / 1e6:,.0f} m"


def costs_html(view, base, lang: str, so_far: str | None = None) -> str:
    """Net fiscal spending, public owners' own pilot payments and their sum (whole horizon, mean; or
    with ``so_far``, a month, to that month: ``view`` and ``base`` then both hold the same months)."""
    rows = [("fiscal_cost", view.fiscal_cny, base.fiscal_cny),
            ("owner_cost", view.public_owner_cny, base.public_owner_cny),
            ("public_cost", view.total_public_cny, base.total_public_cny)]
    body = "".join(
        f"<tr><td style='padding:2px 8px'>{t(k, lang)}</td><td data-testid='cost-{k}' style='padding:2px 8px;"
        f"text-align:right'><b>{money(v, lang)}</b></td><td style='padding:2px 8px;text-align:right;color:#555'>"
        f"{money(bv, lang)}</td></tr>" for k, v, bv in rows)
    apart = [("soe_cost", "cost-soe", view.soe_owner_cny, base.soe_owner_cny),
             # firms' money: who bears a consortium's outlay
             ("consortia_moved", "cost-consortia", view.consortia_cny, base.consortia_cny)]
    for k, testid, v, bv in apart:  # shown apart, in grey, when there is any
        if v or bv:
            body += (f"<tr><td style='padding:6px 8px 2px;color:#555'>{t(k, lang)}</td>"
                     f"<td data-testid='{testid}' style='padding:6px 8px 2px;text-align:right;color:#555'>"
                     f"{money(v, lang)}</td><td style='padding:6px 8px 2px;text-align:right;color:#555'>"
                     f"{money(bv, lang)}</td></tr>")
    return ("<table style='border-collapse:collapse;font-size:13px'>"
            f"<tr><th></th><th style='padding:2px 8px'>{t('current', lang)}</th><th style='padding:2px 8px'>"
            f"{t('baseline', lang)}</th></tr>{body}</table>"
            f"<div style='font-size:11px;color:#555;max-width:420px'>"
            f"{t('cost_whole', lang) if so_far is None else t('cost_so_far', lang).format(month=so_far)}"
            f"{t('cost_note', lang)}</div>")
