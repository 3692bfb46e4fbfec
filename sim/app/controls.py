"""What the app's controls are: one slider or switch per registry parameter (range from the case), and
the presets — the case as published, no levers (the promotion centre kept), no policy at all (the
centre closed too), and the shipped policy mixes for the case they were written for. Nothing here
draws; ``sim/app/widgets.py`` turns these into Solara widgets.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import sim
from sim import REGISTRY, UNIT_ZH, Case  # UNIT_ZH: the units in Chinese (page.py reads them for its font too)
from sim.app.notes import (  # noqa: F401 — the notes, kept here too for the app's other modules
    CASE_NEEDS, CHOICES, NOTE_WORDS_ZH, OFF_VALUES, RARE, SUB_SWITCHES, SWITCHES, VALUE_NEEDS, Note, control_notes,
    events_affordable_per_month, industry_base_floor, lever_switch)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MIXES = "experiments/hunan_policy_mixes.toml"
# the market's institution, not an instrument: the promotion centre solicits, screens and publishes the
# needs every lever acts on (sim/core/centre.py); "No levers" keeps it as published, "No policy at all"
# closes it (no budget: no staff, nothing published)
INSTITUTION = "centre"


@dataclass(frozen=True)
class Control:
    """One parameter's control: a switch (bool) or a slider from ``lo`` to ``hi`` by ``step``."""

    name: str
    kind: str  # lever | uncertainty
    group: str
    dtype: type
    lo: float
    hi: float
    step: float
    unit: str
    label_zh: str
    label_en: str

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def snap(self, v):
        """A value as the slider holds it (ints as int, floats as float, bools as bool)."""
        if self.dtype is bool:
            return bool(v)
        return int(round(v)) if self.dtype is int else float(v)


@dataclass(frozen=True)
class Preset:
    id: str
    zh: str
    en: str
    values: dict  # every lever parameter's value

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _nice_step(span: float, dtype: type, lo: float = 0.0, anchors=()) -> float:
    """About 20–200 positions over the span, a power of ten; finer (down to a millionth of the span)
    until every value in ``anchors`` — the case's value and every preset's — is a position of the
    slider (``lo`` + k × step). A slider moves only by whole steps and rounds a value it is given to
    one, so a preset off its grid would be changed by the slider itself (e.g. a budget of 123.18
    million held as 120 million)."""
    if span <= 0:
        return 1.0 if dtype is int else 0.01
    step = 10.0 ** math.floor(math.log10(span / 20))
    finest = 1.0 if dtype is int else span * 1e-6
    step = max(step, finest)
    while step / 10.0 >= finest and not all(_on_grid(a, lo, step) for a in anchors):
        step /= 10.0
    return float(int(step)) if dtype is int else step


def _on_grid(v: float, lo: float, step: float) -> bool:
    k = (float(v) - lo) / step
    return abs(k - round(k)) <= 1e-6 * max(1.0, abs(k))


def is_echo(c: Control, old, new) -> bool:
    """Whether a slider's value is only its own rounding of the value it was given (less than half a
    step away) rather than a move — not a change of the setting."""
    if c.dtype is bool or old is None:
        return False
    return new != old and abs(float(new) - float(old)) < c.step / 2


def lever_values(case: Case) -> dict:
    return {p.name: case.values[p.name] for p in REGISTRY if p.kind == "lever"}


def no_levers(case: Case) -> dict:
    """Every instrument off — each lever's budget at zero, its switch off, the duty, racing and challenge
    shares at zero; the promotion centre (the market's institution, not an instrument) and the rest
    (rules that only matter when a lever acts, and the pilot-zone rules) as published."""
    out = lever_values(case)
    for name in out:
        if REGISTRY[name].group == INSTITUTION:
            continue
        if name.endswith(".budget_cny_per_year"):
            out[name] = 0.0
        elif REGISTRY[name].dtype is bool:
            out[name] = False
        elif name in OFF_VALUES:
            out[name] = OFF_VALUES[name]
    return out


def no_policy(case: Case) -> dict:
    """No levers, and the promotion centre closed too (no budget: it screens and publishes nothing, so
    only needs that reach the market without it would — the counterfactual of no plan at all)."""
    return {**no_levers(case), f"{INSTITUTION}.budget_cny_per_year": 0.0}


def find_mixes_file(path: str | None = None) -> Path | None:
    """The policy-mix experiment: ``path``, else ``experiments/hunan_policy_mixes.toml`` in the current
    folder or the source tree."""
    if path:
        return Path(path)
    for base in (Path.cwd(), ROOT):
        p = base / DEFAULT_MIXES
        if p.exists():
            return p
    return None


def presets(case: Case, mixes_file: str | None = None) -> list[Preset]:
    """As published, no levers, no policy at all, and each policy mix of the experiment whose case is
    this case."""
    published = lever_values(case)
    out = [Preset("published", "方案原值（按已发布政策）", "As published", published),
           Preset("no_levers", "不用政策工具（保留促进中心）", "No levers (centre kept)", no_levers(case)),
           Preset("no_policy", "完全不干预（也不设促进中心）", "No policy at all (no centre either)", no_policy(case))]
    path = find_mixes_file(mixes_file)
    if path is None:
        return out
    try:
        cmp = sim.load_comparison(path)
    except sim.InputError as e:  # a broken experiment file must not stop a class: say so and go on
        print(f"scensim app: policy mixes not loaded: {e}", file=sys.stderr)
        return out
    if cmp.case.id != case.id:
        return out
    for mix in cmp.mixes:
        out.append(Preset(f"mix:{mix.id}", mix.zh, mix.en, {**published, **mix.params}))
    return out


def controls(case: Case, kind: str, preset_list: list[Preset] = ()) -> list[Control]:
    """Controls for every parameter of ``kind``, ranging over the case's range and every preset's value."""
    out = []
    for p in REGISTRY:
        if p.kind != kind:
            continue
        pv = case.params[p.name]
        if p.dtype is bool:
            out.append(Control(p.name, kind, p.group, bool, 0, 1, 1, p.unit, p.label_zh, p.label_en))
            continue
        values = [pv.value, pv.lo, pv.hi] + [pr.values[p.name] for pr in preset_list if p.name in pr.values]
        lo, hi = float(min(values)), float(max(values))
        if hi == lo:  # a point range: let the slider move around it, inside the hard bounds
            lo, hi = max(p.bounds[0], lo * 0.5 if lo else 0.0), min(p.bounds[1], hi * 1.5 if hi else 1.0)
        step = _nice_step(hi - lo, p.dtype, lo, [pv.value] + values[3:])
        out.append(Control(p.name, kind, p.group, p.dtype, lo, hi, step, p.unit, p.label_zh, p.label_en))
    return out


LEVER_LABELS = {L.name: (L.label_zh, L.label_en) for L in sim.LEVERS}
LEVER_LABELS["zones"] = ("场景创新试验区认定规则", "Pilot-zone rules")
LEVER_LABELS["centre"] = ("场景创新促进中心", "Promotion centre")
GROUP_LABELS = {
    "population": ("主体数量", "Population"), "supply": ("供给方", "Suppliers"),
    "opening": ("场景开放", "Opening of needs"), "selection": ("遴选与发布", "Screening and listing"),
    "regulation": ("监管", "Regulation"), "scenario": ("场景属性", "Scenarios"),
    "pilot": ("试点", "Pilots"), "bid": ("投标", "Bidding"), "owner": ("场景方选择", "Owners' choice"),
    "diffusion": ("推广扩散", "Diffusion"), "needs": ("需求质量", "Quality of needs"),
}


def group_label(group: str, lang: str) -> str:
    zh, en = LEVER_LABELS.get(group) or GROUP_LABELS.get(group) or (group, group)
    return zh if lang == "zh" else en


# -- values as people read them -------------------------------------------------------------------
# Units that are shares of something: shown in per cent, then what they are a share of (zh, en).
SHARE_UNITS = {"share of budget": ("（占预算）", " of budget"), "share/month": ("/月", "/month")}
# Integer settings that choose among named behaviours: each value's name (zh, en) is in CHOICES (notes.py).


def fmt_value(c: Control, v, lang: str) -> str:
    """A control's value with its unit: yuan in 万元 (zh) or CNY m (en), shares in per cent."""
    if c.dtype is bool:
        return ("开" if v else "关") if lang == "zh" else ("on" if v else "off")
    if c.unit == "CNY per CNY":  # a ratio (e.g. private money a guidance fund matches per yuan), not an amount
        return f"{v:,.3g} 元/元" if lang == "zh" else f"{v:,.3g} CNY per CNY"
    if c.unit.startswith("CNY"):
        rest = c.unit[3:]  # "/year", "/run", "" …
        per = {"/year": ("/年", "/yr"), "/month": ("/月", "/mo"), "/run": ("/项", "/run"),
               "/firm": ("/家", "/firm"), "/event": ("/场", "/event"), "/investor/year": ("/家机构/年", "/investor/yr"),
               "/staff-month": ("/人·月", "/staff-month")}.get(rest, (rest, rest))
        if lang == "zh":
            return f"{v / 1e4:,.0f} 万元{per[0]}"
        return f"CNY {v / 1e6:,.2f} m{per[1]}"
    if c.unit in ("share", "probability"):
        return f"{100 * v:.0f}%"
    if c.unit in SHARE_UNITS:
        return f"{100 * v:.3g}%" + SHARE_UNITS[c.unit][0 if lang == "zh" else 1]
    if c.unit in CHOICES and 0 <= int(v) < len(CHOICES[c.unit]):
        return CHOICES[c.unit][int(v)][0 if lang == "zh" else 1]
    if c.dtype is int:
        text = f"{int(v):,}"
    else:
        text = f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    unit = UNIT_ZH.get(c.unit, c.unit) if lang == "zh" else c.unit
    return f"{text} {unit}"


def env_settings() -> dict:
    """The server's settings, passed by ``scensim app`` through the environment."""
    return {"case": os.environ.get("SCENSIM_APP_CASE") or str(ROOT / "scenarios" / "hunan_2026_2028.toml"),
            "lang": os.environ.get("SCENSIM_APP_LANG", "zh"),
            "replicates": int(os.environ.get("SCENSIM_APP_REPLICATES", "8")),
            "quick": int(os.environ.get("SCENSIM_APP_QUICK", "0")),  # 0: chosen from the measured run time
            "workers": int(os.environ.get("SCENSIM_APP_WORKERS", "1")),  # `scensim app`: the machine's cores
            "seed": int(os.environ.get("SCENSIM_APP_SEED", "1")),
            "mixes": os.environ.get("SCENSIM_APP_MIXES") or None}
