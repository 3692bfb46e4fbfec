"""Which levers ``scensim effects`` measures, and how each is switched off or has its budget doubled —
decided here, in one place.

"Off" is read from the registry where it can be: a lever with a yearly budget gets budget 0, a lever
with an on/off switch (``<lever>.on``) gets false; the levers with neither have an explicit rule in
:data:`OFF_RULES`. "Doubled" doubles the yearly budget; a lever without one has no doubled variant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.base.errors import InputError, did_you_mean
from sim.core.case import Case
from sim.core.registry import REGISTRY
from sim.levers import LEVERS

BASELINE = "baseline"
VARIANTS = ("off", "double")
# Levers with neither a yearly budget nor an ``on`` switch: what "off" means for each, explicitly.
# A lever in LEVERS with policy settings but no rule here, no budget and no switch has no off variant
# (tests/test_effects.py fails until one is added, so a new lever cannot slip through unmeasured).
OFF_RULES: dict[str, dict[str, object]] = {
    "soe_duty": {"soe_duty.min_needs_per_year": 0.0},  # no opening duty
    "racing": {"racing.share": 0.0, "racing.exit_after_months": 0},  # no races, no withdrawal of stale needs
    "challenge": {"challenge.share": 0.0},  # major scenarios as single-supplier pilots, no consortia
}
# What switching off leaves running, where a budget of 0 does not stop everything the lever names.
OFF_NOTES: dict[str, tuple[str, str]] = {
    "matchmaking": ("活动与推介停止；平台触达、清单发布节奏与标杆评选（模型中不花钱）照常",
                    ("events and promotions stop; the platform, the list's release cadence and benchmark "
                     "selection (costless in the model) continue")),
    "finance": ("财政工具（贴息、担保、保费补贴、引导基金）停止；私人投资者照常",
                ("the fiscal instruments (interest subsidy, guarantee, premium subsidy, guidance fund) stop; "
                 "private investors continue")),
}


# -- which levers, and how each is switched off or doubled ----------------------------------------
def lever_settings(lever: str) -> list[str]:
    """The names of ``lever``'s parameters of kind ``lever`` (its policy settings), from the registry."""
    return [p.name for p in REGISTRY if p.group == lever and p.kind == "lever"]


def budget_param(lever: str) -> str | None:
    """``<lever>.budget_cny_per_year`` if the lever has a yearly budget, else None."""
    name = f"{lever}.budget_cny_per_year"
    return name if name in REGISTRY else None


def measured_levers() -> list[str]:
    """Levers with policy settings, in the order of ``LEVERS``."""
    return [L.name for L in LEVERS if lever_settings(L.name)]


def off_setting(lever: str) -> dict[str, object] | None:
    """The parameter values that switch ``lever`` off: its budget to 0 and its ``on`` switch to false
    (from the registry), plus its explicit rule in :data:`OFF_RULES`; None if none is known."""
    out: dict[str, object] = {}
    if budget_param(lever):
        out[budget_param(lever)] = 0.0
    on = f"{lever}.on"
    if on in REGISTRY and REGISTRY[on].dtype is bool:
        out[on] = False
    out.update(OFF_RULES.get(lever, {}))
    return out or None


def doubled_setting(case: Case, lever: str) -> dict[str, object] | None:
    """``lever``'s yearly budget doubled (None: the lever has no budget)."""
    name = budget_param(lever)
    return None if name is None else {name: 2.0 * float(case.values[name])}


@dataclass(frozen=True)
class Variant:
    """One way of running the case: the baseline, or one lever off or with its budget doubled."""

    lever: str  # "" for the baseline
    variant: str  # baseline | off | double
    params: dict = field(default_factory=dict)
    note: str = ""

    @property
    def id(self) -> str:
        return BASELINE if self.variant == BASELINE else f"{self.lever}:{self.variant}"


def parse_levers(text: str | None) -> list[str]:
    """``--levers a,b``: known levers with policy settings, in the order given (None: all of them)."""
    known = measured_levers()
    if text is None:
        return known
    names = [s.strip() for s in str(text).split(",") if s.strip()]
    if not names:
        raise InputError(None, "--levers", f"expected lever names separated by commas; levers: {', '.join(known)}",
                         text)
    for n in names:
        if n not in known:
            raise InputError(None, "--levers", f"unknown lever{did_you_mean(n, known)}; levers: {', '.join(known)}", n)
    return list(dict.fromkeys(names))


def plan_variants(case: Case, levers: list[str]) -> tuple[list[Variant], dict[str, str]]:
    """The baseline and each lever's off and doubled variants; and, per lever and variant not run, why
    (``{"<lever>:<variant>": reason}``: no budget, no off rule)."""
    out = [Variant("", BASELINE)]
    skipped = {}
    for lever in levers:
        off = off_setting(lever)
        if off is None:
            skipped[f"{lever}:off"] = "no off rule"
        else:
            out.append(Variant(lever, "off", off))
        dbl = doubled_setting(case, lever)
        if dbl is None:
            skipped[f"{lever}:double"] = "no budget"
        else:
            out.append(Variant(lever, "double", dbl))
    return out, skipped


def setting_text(params: dict) -> str:
    """``name=value, …`` as a person reads it (budgets with thousands separators)."""
    def fmt(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and v.is_integer():
            return f"{int(v):,}"
        return f"{v:g}" if isinstance(v, float) else str(v)

    return ", ".join(f"{k}={fmt(v)}" for k, v in params.items())
