"""Every control of the classroom app either changes what the app draws or is greyed out with its
reason (or, for controls that act only through rare events, is shown acting where they are common).
Its own file so that the test runner can run this long check beside the rest of the app's tests."""

from __future__ import annotations

import pytest

from .conftest import ROOT

MIXES = ROOT / "experiments" / "hunan_policy_mixes.toml"


# -- every control acts, or says why it cannot ------------------------------------------------------
# Controls that act only through events few replicates contain carry a hint saying so
# (``sim.app.notes.RARE``, not greyed out); each is checked at a setting of other controls (within
# their sliders' ranges) where those events are common — the teacher's way to show it acting. Measured
# on the model of 2026-12-03, seed 1: at the case's own values none of these changed what the app draws
# in replicates 0–2 (most not in 0–11: docs/teaching.md, "Controls that act only through rare events");
# at these settings each one does within replicates 0–2.
# the small case's challenge calls are few and draw one or two bids: more major scenarios, concluded
# within the horizon, cheaper, and more leads that know of them
_BUSY_CALLS = {"opening.gov.major": 0.1, "opening.city.major": 0.1, "pilot.duration_months.major": 9,
               "scenario.budget_median_cny.major": 1e7, "population.leaders": 50, "supply.registration_share": 0.6,
               "matchmaking.platform_reach": 0.3}
WHERE = {
    "synthetic_small": {
        "diffusion.scale_counts_procured": {"diffusion.scale_adopters.small_cut": 8, "procurement.hazard_per_year": 0.6},
        "matchmaking.benchmark_reach": {"matchmaking.benchmarks_per_selection": 10},
        "matchmaking.selection_every_months": {"matchmaking.benchmarks_per_selection": 10},
        "owner.risk_aversion.leader": {"opening.leader.small_cut": 0.3, "opening.leader.integrated": 0.1},
        "supply.net_cashflow_cny_per_month.institute": {"supply.cash_median_cny.institute": 5e6},
        "supply.cashflow_sd_cny_per_month.institute": {"supply.cash_median_cny.institute": 5e6},
        "supply.net_cashflow_cny_per_month.leader": {"supply.cash_median_cny.leader": 1e8},
        "zones.min_city_opened": {"opening.city.small_cut": 0.3},
        "zones.min_domains": {"zones.min_landed": 3},
        "challenge.independence": _BUSY_CALLS,
        "challenge.max_entrants": _BUSY_CALLS,
    },
    "hunan_2026_2028": {
        "challenge.lead_share": {"supply.cash_median_cny.sme": 5e6, "supply.cash_median_cny.startup": 1e6},
        # the lowest price wins among the admitted entrants: who is admitted decides more often
        "challenge.max_entrants": {"selection.lowest_price": True},
        "matchmaking.selection_every_months": {"matchmaking.benchmarks_per_selection": 20},
        "supply.net_cashflow_cny_per_month.leader": {"supply.cash_median_cny.leader": 1e8},
    },
}
# Controls that change nothing the app draws here although they are not idle (a slider that does nothing
# is a bug: this list holds only what was measured and could not be made to show; it must not grow).
# (Empty now. challenge.lead_share in the small case was here: it moves money between consortium members
# but no member's cash then decided anything drawn within 24 months; the cost panel now draws that money.)
NO_EFFECT_FOUND = {"synthetic_small": set(), "hunan_2026_2028": set()}


def _signature(d) -> tuple:
    """Everything the app draws from one replicate, rounded (so that float noise is no change)."""
    import numpy as np

    return (tuple(d.targets["value"].round(9)), tuple((k, tuple(np.round(v, 9))) for k, v in sorted(d.paths.items())),
            tuple(sorted(d.funnel.items())), tuple(d.domain_stage.round(9).to_numpy().ravel()),
            tuple(d.cities.round(9).to_numpy().ravel()), tuple(sorted((k, round(v, 3)) for k, v in d.fiscal_by_lever.items())),
            round(d.public_owner_cny, 3), round(d.consortia_cny, 3))


def _acts(case, name, values, replicate, bases) -> bool:
    """Whether setting control ``name`` to any of ``values`` changes what the app draws from ``replicate``."""
    from sim.app.compute import digest

    if replicate not in bases:
        bases[replicate] = _signature(digest(case, replicate, 1))
    return any(_signature(digest(case.with_params({name: v}, origin="app"), replicate, 1)) != bases[replicate]
               for v in values)


def _moves(c, v0) -> list:
    """Where the test moves a control from ``v0``: the end farther from it first, the other end, the
    middle of the range (a cadence longer than the horizon does nothing)."""
    if c.dtype is bool:
        return [not v0]
    ends = sorted({c.snap(c.lo), c.snap(c.hi)} - {v0}, key=lambda v: -abs(v - v0))
    mid = c.snap(c.lo + (c.hi - c.lo) / 2)
    return ends + ([mid] if mid not in ends and mid != v0 else [])


@pytest.mark.parametrize("case_file", ["synthetic_small.toml",
                                       pytest.param("hunan_2026_2028.toml", marks=pytest.mark.slow)])
def test_every_control_changes_the_results_or_is_idle_with_its_reason(case_file):
    """Each slider and switch of the case, as the app shows it (range from the case and the presets):
    either it is idle — greyed out with a reason in both languages — or moving it to an end of its
    range changes what the app draws (common random numbers: any difference is the control's). One
    replicate first, two more if that showed nothing (many controls act through rare events: a major
    scenario, a designated zone, a default). A control whose hint says it acts only through rare events
    (``RARE``) is checked where those events are common (``WHERE``: other controls moved, within their
    ranges), three replicates."""
    import sim
    from sim.app.compute import digest
    from sim.app.controls import RARE, control_notes, controls, presets

    case = sim.load_case(ROOT / "scenarios" / case_file)
    ps = presets(case, mixes_file=str(MIXES))
    cs = controls(case, "lever", ps) + controls(case, "uncertainty")
    values = {c.name: c.snap(case.values[c.name]) for c in cs}
    labels = {c.name: (c.label_zh, c.label_en) for c in cs}
    notes = control_notes(case, values, labels)
    bases = {0: _signature(digest(case, 0, 1))}
    where_bases = {}
    inert, idle, unused = set(), 0, set(WHERE[case.id])
    for c in cs:
        note = notes.get(c.name)
        if note is not None and note.idle:
            assert note.zh.strip() and note.en.strip() and note.zh != note.en, c.name
            idle += 1
            continue
        ends = _moves(c, values[c.name])
        assert ends, f"{c.name}: its slider cannot move (range {c.lo}..{c.hi})"
        where = WHERE[case.id].get(c.name)
        if where is not None and c.name in RARE:  # its hint says when it acts: check it there
            assert note is not None and note.text("en") == RARE[c.name][1], c.name
            unused.discard(c.name)
            there = case.with_params(where, origin="test")
            wb = where_bases.setdefault(tuple(sorted(where.items())), {})
            acts = any(_acts(there, c.name, ends, r, wb) for r in range(3))
        else:
            acts = any(_acts(case, c.name, ends, r, bases) for r in range(3))
        if not acts:
            inert.add(c.name)
    assert idle > 0  # the cases ship with levers off: their controls say so
    assert not unused, f"settings for controls that are idle or have no hint here: {sorted(unused)}"
    known = NO_EFFECT_FOUND[case.id]
    assert inert <= known, f"controls that change nothing in 3 replicates and do not say why: {sorted(inert - known)}"


def test_the_settings_that_show_rare_controls_acting_are_on_the_sliders():
    """Each setting of ``WHERE`` is one a student can make: controls of the app, within their ranges,
    and the controls it shows are hinted as rare (with a note in both languages)."""
    import sim
    from sim.app.controls import RARE, controls, presets

    for case_id, settings in WHERE.items():
        case = sim.load_case(ROOT / "scenarios" / f"{case_id}.toml")
        ps = presets(case, mixes_file=str(MIXES))
        cs = {c.name: c for c in controls(case, "lever", ps) + controls(case, "uncertainty")}
        for name, where in settings.items():
            assert name in RARE and RARE[name][0] != RARE[name][1], name
            assert where is not None and name not in where, (case_id, name)
            for k, v in where.items():
                c = cs[k]
                assert (v in (True, False)) if c.dtype is bool else c.lo <= v <= c.hi, (case_id, name, k, v)
