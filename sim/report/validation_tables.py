"""The validation table as people read it (printed by ``scensim validate``, quoted in docs/validation.md)."""

from __future__ import annotations

import math

import pandas as pd

from sim.base.numbers import value
from sim.base.vocab import unit_label
from sim.report.i18n import pick

VERDICT = {"within": ("符合", "within"), "outside": ("不符", "outside"), "not measured": ("未测量", "not measured")}
USE = {"fit": ("拟合", "fit"), "check": ("检验", "check")}
RELIABILITY = {"strong": ("强", "strong"), "medium": ("中", "medium"), "weak": ("弱", "weak")}


def _v(x, unit: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if unit == "share":
        return f"{x:.2f}" if x == 0 or abs(x) >= 0.01 else f"{x:.1g}"
    x = float(f"{x:.3g}")
    return f"{x:,.0f}" if abs(x) >= 1000 else value(x)


def validation_rows(table: pd.DataFrame, lang: str) -> tuple[list[str], list[list[str]]]:
    head = [pick("模式", "pattern", lang), pick("单位", "unit", lang), pick("公开数据", "observed", lang),
            pick("可接受区间", "band", lang), pick("模型中位数", "model median", lang),
            pick("模型 5–95%", "model 5–95 %", lang), pick("判定", "verdict", lang), pick("用途", "use", lang),
            pick("可靠性", "reliability", lang)]
    rows = []
    for r in table.itertuples(index=False):
        u = r.unit
        rows.append([pick(r.zh, r.en, lang), unit_label(u, lang), _v(r.observed, u), f"{_v(r.band_low, u)}–{_v(r.band_high, u)}",
                     _v(r.model_median, u),
                     "—" if r.runs == 0 else f"{_v(r.model_q05, u)}–{_v(r.model_q95, u)}",
                     pick(*VERDICT[r.verdict], lang), pick(*USE[r.use], lang),
                     pick(*RELIABILITY[r.reliability], lang) if r.reliability in RELIABILITY else r.reliability])
    return head, rows


def markdown(table: pd.DataFrame, lang: str) -> str:
    head, rows = validation_rows(table, lang)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
