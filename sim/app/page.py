"""The classroom app's page (Solara): ``solara run sim.app.page`` — started by ``scensim app``.

Each browser session renders its own ``Page``: its settings, results and language live in component
state (``solara.use_reactive``), never at module level, so two students never see each other's
settings. What the module keeps is read-only or pure: the case, the controls and presets, and a cache
of replicate digests keyed by the parameter values (:mod:`sim.app.compute`).

A change of any control starts a background computation (``solara.use_thread``) that asks the shared
runner (:mod:`sim.app.runner`) for the full set of replicates and redraws progressively: first the
targets and the scoreboard from the quick replicate part-way (the months computed so far, the years
completed), and right after them, while a drawing process is free, its market and costs so far
(against the baseline's quick replicate at the same month, titled "provisional: to" that month), then
from the quick replicate finished, refined as more replicates finish, and finally everything from the
full set. The status line says how far the
answer has come; a part not yet redrawn keeps the previous drawing, greyed out. A newer change
cancels the computation: the runs nobody else waits for are dropped or stopped at their next month,
so a student dragging a slider does not queue full computations. The baseline (the case as published)
is computed once per server and shared. Each drawing (aggregate, scoreboard, figures) is made in the
runner's drawing processes, a setting's first drawing before refinements and full sets, and shared
with the sessions that chose the same setting (:mod:`sim.app.runner`).
"""

from __future__ import annotations

import functools
import os
import threading
import time

import solara

from sim.app import charts
from sim.app.compute import Cancelled, aggregate, aggregate_partial, case_key, partials_by_month, preview
from sim.app.controls import control_notes, controls, env_settings, is_echo, presets
from sim.app.runner import Runner
from sim.app.text import t
from sim.app.webfont import font_css
from sim.app.widgets import ControlsColumn
from sim import load_case

SETTINGS = env_settings()
# replicates run at the front for the first answer: one per session (more would only delay other
# sessions' first answers when many move at once; an idle core starts the full set at the back anyway).
# Its preview goes on to the end of the horizon while nothing else needs the cores (sim/app/runner.py).
QUICK = 1
REFINE_EVERY = 1.5  # seconds between provisional redraws once the quick replicate is drawn
# slider labels above their sliders (long labels would squeeze the slider), a switch's beside it; the
# controls column scrolls
CSS = """
.scensim-controls .v-input__slot { flex-wrap: wrap; }
.scensim-controls .v-input__slot > .v-label { flex: 1 0 100%; white-space: normal; font-size: 14px;
  margin: 0 0 -4px 0 !important; max-width: 100%; }
.scensim-controls .v-input { margin-top: 2px; }
.scensim-controls .v-input--switch .v-input__slot { flex-wrap: nowrap; }
.scensim-controls .v-input--switch .v-input__slot > .v-label { flex: 1 1 auto; margin: 0 !important; }
.scensim-stale { opacity: 0.35; transition: opacity 0.2s; }
/* a narrow column (1024 px, English) must not scroll sideways: long buttons wrap instead */
.scensim-controls { overflow-x: hidden; }
.scensim-controls .v-btn { max-width: 100%; height: auto !important; min-height: 28px; }
.scensim-controls .v-btn__content { white-space: normal; flex: 1 1 auto; }
"""


class Shared:
    """Read-only things every session uses: the case, its controls and presets, the runner and the
    baseline (computed once)."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.case = load_case(settings["case"])
        self.presets = presets(self.case, settings["mixes"])
        self.levers = controls(self.case, "lever", self.presets)
        self.uncertainties = controls(self.case, "uncertainty")
        self.by_name = {c.name: c for c in self.levers + self.uncertainties}
        self.initial = {c.name: c.snap(self.case.values[c.name]) for c in self.levers + self.uncertainties}
        self.labels = {c.name: (c.label_zh, c.label_en) for c in self.levers + self.uncertainties}
        self.runner = Runner(workers=settings["workers"])
        self.full = max(1, settings["replicates"])
        self.seed = settings["seed"]
        self._base = None
        self._by_month, self._at = None, {}  # the baseline's quick replicates at every month, views by month
        self._base_lock = threading.Lock()
        self.css = CSS + font_css(self.page_text())

    def page_text(self) -> str:
        """Every Chinese word the page may show (for the web font)."""
        from sim.app.controls import CASE_NEEDS, GROUP_LABELS, LEVER_LABELS, NOTE_WORDS_ZH, UNIT_ZH
        from sim.app.text import TEXT

        c = self.case
        parts = [zh for zh, _ in TEXT.values()] + [zh for zh, _ in GROUP_LABELS.values()]
        parts += [zh for zh, _ in LEVER_LABELS.values()] + list(UNIT_ZH.values())
        parts += [x.label_zh for x in self.levers + self.uncertainties] + [p.zh for p in self.presets]
        parts += [c.name_zh, "中文开关万元亿：，（）—…“”", NOTE_WORDS_ZH] + [tg.zh for tg in c.targets]
        parts += [zh for _, _, zh, _ in CASE_NEEDS]
        return "".join(parts)

    def baseline(self):
        """The case as published, full set of replicates (computed by the first session that asks)."""
        with self._base_lock:
            if self._base is None:
                self._base = aggregate(self.runner.digests(self.case, self.full, self.seed))
            return self._base

    def base_at(self, months: int):
        """The baseline's quick replicates stepped ``months`` months, as a provisional view: what a setting's
        provisional answer at that month is compared with (its market and costs so far), month for month."""
        with self._base_lock:
            if self._by_month is None:
                self._by_month = [partials_by_month(self.case, r, self.seed) for r in range(self.quick())]
            if months not in self._at:
                self._at[months] = aggregate_partial([ps[months - 1] for ps in self._by_month])
            return self._at[months]

    def warm_up(self) -> None:
        """Start the worker processes (each run process steps a model one month: its lazy imports), compute
        the baseline, and draw the targets figure's static layers in each drawing process (both languages;
        the baseline's and its first answer's: ``charts.prepare``), so that the first slider move finds
        all of it ready."""
        self.runner.warm_up(self.case)
        base = self.baseline()
        self.base_at(1)
        first = [preview(self.case, r, self.seed) for r in range(self.quick())]  # the baseline's first answer
        for lang in ("zh", "en"):
            self.runner.call_each(charts.prepare, self.case, base, lang, first)

    def quick(self) -> int:
        return min(self.settings["quick"] if self.settings["quick"] > 0 else QUICK, self.full)

    def case_for(self, values: dict):
        changed = {k: v for k, v in values.items() if v != self.initial[k]}
        return self.case.with_params(changed, origin="app") if changed else self.case


@functools.cache
def shared() -> Shared:
    return Shared(SETTINGS)


def _warm_up():
    from concurrent.futures.process import BrokenProcessPool

    S = shared()
    try:
        S.warm_up()
    except BrokenProcessPool:  # the server is stopping (its workers got the signal first): nothing to warm
        pass


if os.environ.get("SCENSIM_APP_WARMUP") == "1":  # set by `scensim app`: the first visitor waits less
    threading.Thread(target=_warm_up, name="scensim-baseline", daemon=True).start()


def _provisional(S: Shared, done: dict, partial: dict):
    """What can be drawn before the full set: the finished replicates, else the quick ones part-way.
    Returns (stage, replicates, items): stages compare by how far they have come."""
    if done:
        return (len(done), S.case.n_months), tuple(sorted(done)), [done[r] for r in sorted(done)]
    ids = tuple(r for r in sorted(partial) if r < S.quick()) or tuple(sorted(partial))
    if not ids:
        return None, (), []
    quick = [partial[r] for r in ids]
    return (0, min(p.months for p in quick)), ids, quick


# drawing priorities (``Runner.shared``): a setting's first drawing, then refinements, then the full set's
FIRST, REFINE, FULL = 0, 1, 2


def redraw(S: Shared, values: dict, lang: str, cancel: threading.Event, publish, previous: dict | None = None) -> dict:
    """Compute and draw progressively (see the module docstring), ``publish`` each drawing and return
    the final one (``market_months``: the months the market and fiscal figures cover, None for the whole
    horizon); ``previous``: the drawing shown now, whose market and cost stay (greyed) until this
    setting's are drawn — so far, with a provisional answer part-way; from its first finished replicates
    (beside their targets, in another drawing process: published again when they come); then from the
    full set. The drawings are made in the drawing processes and shared with sessions that chose the
    same setting (:meth:`sim.app.runner.Runner.shared`)."""
    base = S.baseline()
    case = S.case_for(values)
    comp = S.runner.request(case, S.seed, S.full, S.quick(), cancel=cancel)
    key = (case_key(case), S.seed, lang)
    keep = previous or {}
    shown, shown_at, last = None, 0.0, None
    market: dict = {}  # this setting's market and fiscal figures from its first finished replicates
    so_far = [None, False]  # before those: its market, fiscal figures and costs to a month (a dict); drawing one?
    aside = not S.runner.in_thread  # drawn in another drawing process at once (in-thread: with the targets)
    started = False  # the market's drawing aside

    def draw_market(items, ids):
        try:
            market.update(S.runner.shared(key + ("market", ids), charts.market_drawing, S.case, items, base, lang,
                                          priority=REFINE, cancel=cancel))
        except Cancelled:
            return
        except Exception:  # the full set's drawing draws the same figures and shows the error
            return
        comp.changed.set()

    def draw_so_far(items, ids, months):
        try:
            d = S.runner.shared(key + ("so far", ids, months), charts.so_far_drawing, S.case, items, S.base_at(months),
                                lang, priority=REFINE, cancel=cancel)
            so_far[0] = {**d, "months": months}  # one assignment: the loop reads it whole
        except Exception:  # cancelled, or the full set's drawing draws the same figures and shows the error
            pass
        finally:
            so_far[1] = False
        comp.changed.set()

    def with_market(out: dict) -> dict:
        if "market" in market:  # the whole horizon's
            return {**out, "market": market["market"], "fiscal": market["fiscal"], "market_months": None, "stale": False}
        now = so_far[0]
        if now is None:
            return out
        out = {**out, "market": now["market"], "fiscal": now["fiscal"], "market_months": now["months"], "stale": False}
        if out["months"] is not None:  # part-way: the costs so far too (once whole, the drawing's own)
            out["costs"] = now["costs"]
        return out

    try:
        while True:
            if cancel.is_set():
                raise Cancelled()
            done, partial = comp.state()
            if len(done) == S.full:
                d = S.runner.shared(key + ("full", S.full), charts.drawing, S.case, [done[r] for r in range(S.full)],
                                    base, lang, True, True, priority=FIRST if shown is None else FULL, cancel=cancel)
                out = {"n": S.full, "final": True, "months": None, **d, "market_months": None, "stale": False}
                if cancel.is_set():
                    raise Cancelled()
                publish(out)
                return out
            stage, ids, items = _provisional(S, done, partial)
            first_full = stage is not None and stage[0] >= S.quick() and (shown is None or shown[0] < S.quick())
            if stage is not None and (shown is None or stage > shown) and \
                    (shown is None or first_full or time.monotonic() - shown_at >= REFINE_EVERY):
                whole = stage[1] == S.case.n_months
                here = whole and not aside and not market  # in-thread: the first whole drawing has them
                if whole and aside and not started:
                    started = True
                    threading.Thread(target=draw_market, args=(items, ids), daemon=True,
                                     name="scensim-market").start()
                d = S.runner.shared(key + ("part", ids, stage[1], here), charts.drawing, S.case, items, base, lang,
                                    whole, False, here, None if whole or aside else S.base_at(stage[1]),
                                    priority=FIRST if shown is None else REFINE, cancel=cancel)
                if here:
                    market.update(market=d["market"], fiscal=d["fiscal"])
                if not whole and "market" in d:  # in-thread: the market and costs so far with the targets
                    so_far[0] = {"market": d["market"], "fiscal": d["fiscal"], "costs": d["costs"], "months": stage[1]}
                out = with_market({"n": len(items), "final": False, "months": None if whole else stage[1],
                                   "runs_done": len(done), "costs": keep.get("costs"), **d, "market": keep.get("market"),
                                   "fiscal": keep.get("fiscal"), "stale": True})
                if cancel.is_set():
                    raise Cancelled()
                publish(out)
                shown, shown_at, last = stage, time.monotonic(), out
                if not whole and aside and not market and not so_far[1] and S.runner.drawing_free() and \
                        (so_far[0] is None or so_far[0]["months"] < stage[1]):
                    # its market and costs so far: drawn aside after its first answer, while a drawing process is
                    # free (a class's first answers come first: these wait for the whole horizon's instead)
                    so_far[1] = True
                    threading.Thread(target=draw_so_far, args=(items, ids, stage[1]), daemon=True,
                                     name="scensim-so-far").start()
                continue  # more may have arrived while drawing
            if last is not None and with_market(last)["market"] is not last["market"]:
                last = with_market(last)  # this setting's market came: so far, or the whole horizon's
                publish(last)
                continue
            comp.wait(0.1)  # also how soon a newer setting (cancel) is noticed
    finally:
        comp.close()


@solara.component
def Page():
    S = shared()
    lang = solara.use_reactive(SETTINGS["lang"] if SETTINGS["lang"] in ("zh", "en") else "zh")
    values = solara.use_reactive(dict(S.initial))
    active = solara.use_reactive("published")
    L = lang.value
    notes = control_notes(S.case, values.value, S.labels)

    def on_change(name, v):
        if is_echo(S.by_name[name], values.value.get(name), v):  # the slider rounding what it was given
            return
        values.set({**values.value, name: v})
        if name in {c.name for c in S.levers}:
            active.set("")

    def apply(preset):
        values.set({**values.value, **{c.name: c.snap(preset.values[c.name]) for c in S.levers}})
        active.set(preset.id)

    def reset_uncertainties():
        values.set({**values.value, **{c.name: S.initial[c.name] for c in S.uncertainties}})

    solara.Title(t("title", L))
    solara.Style(S.css)
    with solara.Column(style={"padding": "6px 14px", "gap": "6px"}):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "6px"}):
            solara.Text(t("title", L), style={"font-size": "20px", "font-weight": "bold", "margin-right": "12px"})
            solara.Text(f"{t('case', L)}: {S.case.name_zh if L == 'zh' else S.case.name_en}",
                        style={"font-size": "13px", "color": "#555"})
            solara.v.Spacer()
            solara.Button("中文", on_click=lambda: lang.set("zh"), outlined=L != "zh", color="primary", small=True)
            solara.Button("English", on_click=lambda: lang.set("en"), outlined=L != "en", color="primary", small=True)
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "4px"}):
            solara.Text(t("presets", L) + ":", style={"font-weight": "bold"})
            for p in S.presets:
                solara.Button(p.label(L), on_click=functools.partial(apply, p), small=True,
                              outlined=active.value != p.id, color="primary")
        with solara.Columns([1, 3], style={"align-items": "flex-start"}):
            with solara.Column(classes=["scensim-controls"],
                               style={"max-height": "calc(100vh - 130px)", "overflow-y": "auto",
                                      "padding-right": "10px"}):
                ControlsColumn(S.levers, S.uncertainties, values.value, L, on_change, notes, reset_uncertainties)
            with solara.Column():
                ResultsPane(S, values.value, L)


@solara.component
def ResultsPane(S: Shared, values: dict, lang: str):
    """Owns the computation and its drawings: a new drawing re-renders this pane, not the controls."""
    shown = solara.use_reactive(None)  # the last drawing: dict from redraw()
    error = solara.use_reactive("")
    key = tuple(sorted(values.items()))

    def work(cancel: threading.Event):
        try:
            redraw(S, dict(values), lang, cancel, shown.set, shown.value)
            error.set("")
        except Cancelled:
            pass
        except Exception as e:  # shown on the page; the student can move on
            error.set(t("error", lang).format(e=e))

    result = solara.use_thread(work, dependencies=[key, lang], intrusive_cancel=False)
    Results(shown.value, error.value, result.state, lang, S)


def status_text(out: dict, S: Shared, lang: str) -> str:
    if out["final"]:
        return t("full", lang).format(n=out["n"], seed=S.seed)
    if out["months"] is not None:
        month = charts.case_months(S.case)[out["months"] - 1]
        return t("partial", lang).format(n=out["n"], full=S.full, month=month)
    return t("quick", lang).format(n=out["n"], full=S.full)


@solara.component
def Results(out, error: str, state, lang: str, S: Shared):
    running = state in (solara.ResultState.RUNNING, solara.ResultState.STARTING, solara.ResultState.WAITING)
    if error:
        solara.Error(error)
    if out is None:
        solara.Text(t("computing", lang).format(n=S.full), style={"color": "#555"})
        solara.ProgressLinear(True)
        return
    stale = ["scensim-stale"] if out["stale"] else []
    months = "" if out["months"] is None else out["months"]
    solara.HTML(tag="div", unsafe_innerHTML=f"<span data-testid='status' data-final='{int(out['final'])}' "
                f"data-busy='{int(running)}' data-runs='{out['n']}' data-months='{months}'>"
                f"{status_text(out, S, lang)}</span>"
                + (f" <span style='color:#999'>{t('stale_note', lang)}</span>" if out["stale"] else ""),
                style={"font-size": "12px", "color": "#555"})
    solara.ProgressLinear(running)
    with solara.Row(style={"gap": "24px", "flex-wrap": "wrap", "align-items": "flex-start"}):
        solara.HTML(tag="div", unsafe_innerHTML=out["scoreboard"])
        with solara.Column(style={"gap": "4px"}):
            solara.Text(t("cost_title", lang), style={"font-weight": "bold"})
            if out["costs"] is not None:
                solara.HTML(tag="div", unsafe_innerHTML=out["costs"], classes=stale if out["months"] else [])
            if out["fiscal"] is not None:
                solara.Image(out["fiscal"], width="470px", classes=stale)
    solara.Text(t("targets_title", lang), style={"font-weight": "bold"})
    solara.Image(out["targets"], width="100%")
    solara.Text(t("market_title", lang), style={"font-weight": "bold"})
    if out["market"] is not None:
        solara.Image(out["market"], width="100%", classes=stale)
    else:
        solara.Text(t("computing", lang).format(n=S.full), style={"color": "#555"})
