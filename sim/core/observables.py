"""Observables: quantities of a finished run that correspond to figures published about real scenario
markets, so that the model can be set against them (the pattern set, ``scenarios/patterns/patterns.toml``;
``scensim validate``).

Each observable is measured over the plan's horizon on scenarios the plan formed (a need put forward
during the run; the warm-start stock of :mod:`sim.core.market.initial` is left out) and is NaN when the
run has nothing to measure it on (e.g. no voucher was redeemed) or the model does not represent it.
Definitions are written next to each function; the pattern set says how each compares with its
public figure (same unit, same window, or why not).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from sim.base.vocab import OPENER_KINDS, SUPPLIER_KINDS


@dataclass(frozen=True)
class Observable:
    name: str
    unit: str
    label_en: str
    label_zh: str
    measure: Callable


OBSERVABLES: dict[str, Observable] = {}


def observable(name: str, unit: str, label_en: str, label_zh: str):
    def register(fn):
        OBSERVABLES[name] = Observable(name, unit, label_en, label_zh, fn)
        return fn
    return register


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else math.nan


def _formed(m) -> np.ndarray:
    """Indices of scenarios the plan formed (put forward during the run)."""
    return np.flatnonzero(m.scenarios.month_solicited >= 0)


def _summary(m, lever: str) -> dict:
    return m.levers[lever].summary()


@observable("needs_government_share", "share", "Share of published needs opened by governments",
            "政府部门提出的发布需求占比")
def needs_government_share(m) -> float:
    """Published needs whose owner is a provincial department or a city government, over all published."""
    s = m.scenarios
    pub = _formed(m)
    pub = pub[s.month_published[pub] >= 0]
    gov = np.isin(m.openers.kind[s.opener[pub]], [OPENER_KINDS.index("gov"), OPENER_KINDS.index("city")])
    return _ratio(gov.sum(), len(pub))


@observable("landed_budget_mean_cny", "CNY", "Mean budget of a landed scenario", "落地场景平均预算")
def landed_budget_mean_cny(m) -> float:
    """Mean budget of scenarios that landed (a pilot started)."""
    s = m.scenarios
    i = _formed(m)
    i = i[s.month_landed[i] >= 0]
    return float(s.budget[i].mean()) if len(i) else math.nan


@observable("bids_per_published_need", "bids/need", "Bids per published need", "每项发布需求收到的方案数")
def bids_per_published_need(m) -> float:
    """Bids (proposals) made over the run per need published (NaN if bids are not recorded)."""
    from sim.core.metrics import METRICS

    if "bids" not in METRICS:
        return math.nan
    return _ratio(m.recorder.monthly("bids").sum(), m.recorder.monthly("published").sum())


@observable("voucher_cny_per_redemption", "CNY", "Voucher amount per redemption", "每次兑付创新券金额")
def voucher_cny_per_redemption(m) -> float:
    v = _summary(m, "vouchers")
    return _ratio(v.get("voucher_value_redeemed_cny", 0.0), v.get("vouchers_redeemed", 0))


@observable("voucher_redeemed_share", "share", "Share of voucher value issued that is redeemed",
            "创新券兑付金额占发放金额比例")
def voucher_redeemed_share(m) -> float:
    v = _summary(m, "vouchers")
    return _ratio(v.get("voucher_value_redeemed_cny", 0.0), v.get("voucher_value_issued_cny", 0.0))


@observable("pilot_success_share", "share", "Share of concluded pilots validated", "试点验证成功率")
def pilot_success_share(m) -> float:
    """Scenarios validated over scenarios whose pilots concluded (validated or failed)."""
    r = m.recorder
    ok, bad = r.monthly("validated").sum(), r.monthly("failed").sum()
    return _ratio(ok, ok + bad)


@observable("validated_deployed_share", "share", "Share of validated solutions adopted beyond the pilot site",
            "验证成功后在试点之外推广的比例")
def validated_deployed_share(m) -> float:
    """Validated scenarios (formed during the plan) with at least one adopter besides the pilot site by
    the end of the run."""
    s = m.scenarios
    i = _formed(m)
    i = i[s.month_validated[i] >= 0]
    return _ratio((s.adopters[i] >= 2).sum(), len(i))


@observable("landed_share_of_published", "share", "Landed scenarios per published need", "落地场景占发布需求比例")
def landed_share_of_published(m) -> float:
    r = m.recorder
    return _ratio(r.monthly("landed").sum(), r.monthly("published").sum())


@observable("small_supplier_share_of_pilots", "share", "Share of pilots run by startups and SMEs",
            "初创企业和中小企业承担试点的比例")
def small_supplier_share_of_pilots(m) -> float:
    """Pilots that started (running or concluded), by the supplier's kind."""
    from sim.core.market.pilots import P_FAILED, P_RUNNING, P_SUCCEEDED

    pil = m.pilots
    started = np.isin(pil.status, (P_RUNNING, P_SUCCEEDED, P_FAILED))
    kind = m.suppliers.kind[pil.supplier[started]]
    small = np.isin(kind, [SUPPLIER_KINDS.index("startup"), SUPPLIER_KINDS.index("sme")])
    return _ratio(small.sum(), started.sum())


@observable("insurance_loss_ratio", "share", "First-of-a-kind insurance claims over premiums", "首台套保险赔付率")
def insurance_loss_ratio(m) -> float:
    f = _summary(m, "finance")
    return _ratio(f.get("insurance_payouts_cny", 0.0), f.get("insurance_premiums_cny", 0.0))


def measure(m) -> dict[str, float]:
    """Every observable of a finished run, by name."""
    return {name: float(o.measure(m)) for name, o in OBSERVABLES.items()}


__all__ = ["OBSERVABLES", "Observable", "measure"]
