"""The classroom app without a browser: controls and presets from the registry, the two-pass redraw,
the shared digest cache, the web font, and the ``scensim app`` command's checks."""

from __future__ import annotations

import contextlib
import math
import threading

import pytest
import sim

from .conftest import ROOT

SMALL = ROOT / "scenarios" / "synthetic_small.toml"
MIXES = ROOT / "experiments" / "hunan_policy_mixes.toml"


@pytest.fixture(scope="module")
def small():
    from sim.core.case import load_case

    return load_case(SMALL)


def test_every_registry_parameter_has_one_control_in_its_panel(small):
    from sim.app.controls import controls
    from sim.core.registry import REGISTRY

    levers, unc = controls(small, "lever"), controls(small, "uncertainty")
    assert [c.name for c in levers] == REGISTRY.names("lever")
    assert [c.name for c in unc] == REGISTRY.names("uncertainty")
    for c in levers + unc:
        p = small.params[c.name]
        if c.dtype is not bool:
            assert c.lo <= p.value <= c.hi and c.lo <= p.lo and p.hi <= c.hi, c
            assert c.step > 0 and (c.dtype is not int or float(c.step).is_integer())
        assert c.label("zh") and c.label("en") and c.label("zh") != c.label("en")


def test_no_levers_preset_turns_every_instrument_off_and_keeps_the_centre(small):
    from sim.app.controls import OFF_VALUES, lever_switch, presets
    from sim.core.registry import REGISTRY

    ps = {p.id: p for p in presets(small, mixes_file=str(MIXES))}
    assert set(ps) == {"published", "no_levers", "no_policy"}  # the Hunan mixes are not offered for another case
    off = ps["no_levers"].values
    for name, v in off.items():
        if name.startswith("centre."):  # the market's institution: as published
            assert v == small.values[name]
        elif name.endswith(".budget_cny_per_year"):
            assert v == 0
        elif REGISTRY[name].dtype is bool:
            assert v is False
        elif name in OFF_VALUES:
            assert v == OFF_VALUES[name]
        else:
            assert v == small.values[name]
    import sim

    for lever in sim.LEVERS:  # every named instrument has a switch, and it is off
        switch = lever_switch(lever.name, off)
        assert switch is not None and not off[switch], lever.name
    assert off["centre.budget_cny_per_year"] > 0
    assert ps["no_policy"].values == {**off, "centre.budget_cny_per_year": 0.0}
    assert ps["published"].values == {n: small.values[n] for n in REGISTRY.names("lever")}
    assert len({p.en for p in ps.values()}) == len({p.zh for p in ps.values()}) == len(ps)  # told apart


def test_no_levers_still_publishes_needs_and_no_policy_publishes_none(small):
    """"No levers" keeps the promotion centre: it publishes needs, suppliers pilot them, and public money
    goes only to the centre; "No policy at all" closes it too: nothing is published."""
    from sim.app.compute import digest
    from sim.app.controls import presets

    ps = {p.id: p for p in presets(small)}
    bare = digest(small.with_params(ps["no_levers"].values, origin="test"), 0, 1)
    assert bare.funnel["published"] > 0 and bare.funnel["landed"] > 0
    assert set(bare.fiscal_by_lever) == {"centre"} and bare.fiscal_by_lever["centre"] > 0
    none = digest(small.with_params(ps["no_policy"].values, origin="test"), 0, 1)
    assert none.funnel["published"] == 0 and none.fiscal_by_lever == {}


def test_policy_mix_presets_are_the_experiment_mixes_and_fit_the_sliders(hunan):
    from sim.analysis.compare import load_comparison
    from sim.app.controls import controls, presets

    ps = presets(hunan, mixes_file=str(MIXES))
    cmp = load_comparison(MIXES)
    mixes = {p.id[4:]: p for p in ps if p.id.startswith("mix:")}
    assert list(mixes) == [m.id for m in cmp.mixes]
    for m in cmp.mixes:
        for name, v in m.params.items():
            assert mixes[m.id].values[name] == v
    for c in controls(hunan, "lever", ps):  # a preset never sets a slider outside its range
        if c.dtype is not bool:
            assert all(c.lo <= p.values[c.name] <= c.hi for p in ps), c.name


def test_values_are_shown_with_units():
    from sim.app.controls import Control, fmt_value

    budget = Control("x.budget_cny_per_year", "lever", "x", float, 0, 1e8, 1e6, "CNY/year", "预算", "Budget")
    share = Control("x.share", "lever", "x", float, 0, 1, 0.01, "share", "比例", "Share")
    switch = Control("x.on", "lever", "x", bool, 0, 1, 1, "on/off", "开关", "On")
    assert fmt_value(budget, 3e7, "zh") == "3,000 万元/年"
    assert fmt_value(budget, 3e7, "en") == "CNY 30.00 m/yr"
    assert fmt_value(share, 0.25, "en") == "25%"
    assert fmt_value(switch, True, "zh") == "开" and fmt_value(switch, False, "en") == "off"
    hurdle = Control("bid.hurdle", "uncertainty", "bid", float, 0, 0.3, 0.01, "share of budget", "门槛", "Hurdle")
    assert fmt_value(hurdle, 0.15, "zh") == "15%（占预算）" and fmt_value(hurdle, 0.025, "en") == "2.5% of budget"
    chase = Control("centre.chase", "lever", "centre", int, 0, 2, 1, "0 none · 1 solicit · 2 lower_bar", "做法", "Chase")
    assert fmt_value(chase, 2, "zh") == "降低门槛" and fmt_value(chase, 0, "en") == "none"


def test_every_preset_value_is_a_position_of_its_slider():
    """A slider rounds a value it is given to its own steps; a preset (or the case's value) off that grid
    would be changed by the slider (Hunan's balanced mix: procurement 123.18 m held as 120 m)."""
    from sim.app.controls import _on_grid, controls, presets

    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        if "national" in path.name:
            continue
        case = sim.load_case(path)
        ps = presets(case)
        for c in controls(case, "lever", ps):
            if c.dtype is bool:
                continue
            for v in [case.params[c.name].value] + [p.values[c.name] for p in ps]:
                assert _on_grid(v, c.lo, c.step), (path.name, c.name, v, c.lo, c.step)
            assert (c.hi - c.lo) / c.step <= 1e6


def test_a_sliders_rounding_of_its_value_is_not_a_change():
    from sim.app.controls import Control, is_echo

    budget = Control("x.budget_cny_per_year", "lever", "x", float, 0, 2e8, 1e7, "CNY/year", "预算", "Budget")
    assert is_echo(budget, 13_180_000.0, 10_000_000.0)  # the knob's nearest position
    assert not is_echo(budget, 13_180_000.0, 20_000_000.0) and not is_echo(budget, 10_000_000.0, 20_000_000.0)
    assert not is_echo(budget, 1e7, 1e7) and not is_echo(budget, None, 1e7)


def test_every_control_of_every_shipped_case_shows_its_unit_in_chinese():
    """A Chinese page shows no English unit: every control's unit is translated or formatted."""
    import re

    from sim.app.controls import controls, fmt_value

    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        if "national" in path.name:
            continue  # a national case is not an app case
        case = sim.load_case(path)
        for kind in ("lever", "uncertainty"):
            for c in controls(case, kind):
                shown = fmt_value(c, case.params[c.name].value, "zh")
                assert not re.search(r"[A-Za-z]", shown.replace("TRL", "")), (path.name, c.name, c.unit, shown)


class CountingRunner:
    """Counts replicates run (wraps ``sim.app.runner.run_replicate``)."""

    def __init__(self, monkeypatch):
        import sim.app.runner as runner

        self.calls = []
        real = runner.run_replicate

        def counted(case, replicate, seed, **kw):
            self.calls.append(replicate)
            return real(case, replicate, seed, **kw)

        monkeypatch.setattr(runner, "run_replicate", counted)


def test_digests_are_cached_and_the_quick_set_is_a_prefix_of_the_full_set(small, monkeypatch):
    from sim.app.compute import aggregate
    from sim.app.runner import Runner

    count = CountingRunner(monkeypatch)
    r = Runner()
    quick = r.digests(small, 1, seed=3)
    full = r.digests(small, 3, seed=3)
    assert count.calls == [0, 1, 2]  # replicate 0 computed once
    assert full[0] is quick[0]
    again = r.digests(small, 3, seed=3)
    assert count.calls == [0, 1, 2] and all(a is b for a, b in zip(again, full))
    view = aggregate(full)
    assert view.replicates == 3
    assert set(view.summary["target"]) == {t.id for t in small.targets}
    assert set(view.joint["period"]) == {str(y) for y in small.years} | {"all"}
    assert math.isclose(view.total_public_cny, view.fiscal_cny + view.public_owner_cny)
    for tid, paths in view.paths.items():
        assert paths.shape == (3, small.n_months)


def test_a_digest_is_what_the_public_api_s_run_gives(small):
    """The app steps the model itself (to show partial answers); its digest is the same as one made
    from ``sim.run_one``'s tables."""
    import sim.app.compute as compute
    from sim.app.compute import digest
    from sim.engine.runner import run_one
    from sim.report.figures import target_paths

    from sim.base.rng import run_seed

    d = digest(small, 1, seed=4)
    rr = run_one(small, seed=run_seed(4, 1), replicate=1)
    assert d.targets.equals(rr.targets.drop(columns=["seed"]))
    for tg in small.targets:
        assert (d.paths[tg.id] == target_paths(rr.series, small, tg)["value"].to_numpy(dtype=float)).all()
    s = rr.series
    for stage in compute.FUNNEL:
        assert d.funnel[stage] == float(s[(s["metric"] == stage) & (s["breakdown"] == "total")]["value"].sum())
    for table, metrics, breakdown, groups in ((d.domain_stage, compute.FUNNEL, "domain", small.domains),
                                              (d.cities, compute.CITY_METRICS, "city", small.cities)):
        rows = s[(s["breakdown"] == breakdown) & s["metric"].isin(metrics)]
        want = rows.pivot_table(index="group", columns="metric", values="value", aggfunc="sum", fill_value=0.0,
                                observed=True).reindex(index=[g.id for g in groups], columns=list(metrics),
                                                       fill_value=0.0)
        assert table.to_numpy().tolist() == want.to_numpy(dtype=float).tolist()
        assert list(table.index) == list(want.index) and list(table.columns) == list(metrics)
    assert d.domain_stage.to_numpy().sum() > 0 and d.cities["landed"].sum() > 0
    # owners' own pilot payments by the public-cost table's definitions (what they paid, from the money
    # ledger; SOEs apart), not a price ceiling: the app's total public cost is the one `scensim run` reports
    cost = rr.public_cost
    assert d.public_owner_cny == pytest.approx(float(cost["public_owner_spending_cny"].sum())) and d.public_owner_cny > 0
    assert d.soe_owner_cny == pytest.approx(float(cost["soe_owner_spending_cny"].sum()))
    paid = rr.accounts[rr.accounts["source"].isin(["owners:gov", "owners:city"])]["amount_cny"].sum()
    assert d.public_owner_cny == pytest.approx(float(paid))
    assert sum(d.fiscal_by_lever.values()) + d.public_owner_cny == pytest.approx(float(cost["total_public_cost_cny"].sum()))
    fiscal = rr.fiscal_ledger.groupby("lever", observed=True)["amount_cny"].sum()
    # and the promotion centre's staff, paid from its own budget (the money ledger's treasury:centre)
    centre = rr.accounts.query("source == 'treasury:centre'")["amount_cny"].sum()
    assert centre > 0
    assert d.fiscal_by_lever == {**{str(k): float(v) for k, v in fiscal.items()}, "centre": pytest.approx(centre)}


def test_partials_are_prefixes_of_the_finished_replicate(small, monkeypatch):
    import sim.app.compute as compute

    monkeypatch.setattr(compute, "PARTIAL_EVERY", 0.0)  # a partial after every month
    parts = []
    d = compute.run_replicate(small, 0, 2, emit=parts.append)
    assert [p.months for p in parts] == list(range(1, small.n_months))
    for p in parts:
        for tid, path in p.paths.items():
            assert len(path) == p.months and (path == d.paths[tid][: p.months]).all()
        done = [y for y in small.years if p.months >= 12 * (small.years.index(y) + 1) - (small.start[1] - 1)]
        assert sorted(set(p.targets["year"].dropna())) == done  # only completed years
        full = d.targets[d.targets["year"].isin(done)].reset_index(drop=True)
        assert p.targets.reset_index(drop=True).equals(full)
    view = compute.aggregate_partial([parts[-1], d])
    assert view.months == small.n_months - 1 and "all" not in set(view.joint["period"])
    assert set(view.paths) == {t.id for t in small.targets}
    stopped = compute.run_replicate(small, 0, 2, cancelled=lambda: True)
    assert stopped is None


def test_a_partial_s_market_is_the_run_s_tables_to_its_month(small, monkeypatch):
    """Part-way, a replicate's market and costs so far: the same counts as ``sim.run_one``'s series over
    the months computed. A provisional view carries them when its replicates are at the same month."""
    import sim.app.compute as compute
    from sim.app.charts import case_months
    from sim.base.rng import run_seed
    from sim.engine.runner import run_one

    monkeypatch.setattr(compute, "PARTIAL_EVERY", 0.0)  # a partial after every month
    parts = []
    d = compute.run_replicate(small, 1, 4, emit=parts.append)
    s = run_one(small, seed=run_seed(4, 1), replicate=1).series
    labels = case_months(small)
    for p in (parts[0], parts[len(parts) // 2], parts[-1]):
        upto = s[s["month"].astype(str).isin(labels[:p.months])]
        for stage in compute.FUNNEL:
            total = upto[(upto["metric"] == stage) & (upto["breakdown"] == "total")]["value"].sum()
            assert p.market["funnel"][stage] == float(total), (p.months, stage)
        rows = upto[(upto["breakdown"] == "city") & (upto["metric"] == "landed")]
        assert p.market["cities"]["landed"].tolist() == [float(rows[rows["group"] == c.id]["value"].sum())
                                                          for c in small.cities]
    assert sum(parts[0].market["funnel"].values()) < sum(d.funnel.values())
    assert compute.partials_by_month(small, 1, 4)[6].market["funnel"] == parts[6].market["funnel"]
    view = compute.aggregate_partial([parts[5]])
    assert view.months == 6 and view.funnel is not None and view.domain_stage is not None
    for mixed in ([parts[5], parts[7]], [parts[5], d]):  # not one month: no market so far
        assert compute.aggregate_partial(mixed).funnel is None


def test_a_provisional_drawing_shows_the_market_and_costs_so_far_against_the_baseline_s_same_months(small):
    """A provisional answer part-way draws the market, fiscal figure and costs of its months so far,
    against the baseline's quick replicate at the same month, titled with that month; with the baseline
    at another month it draws none of them. One static layer serves every period (titles are text)."""
    from sim.app import charts
    from sim.app import market_chart as mc
    from sim.app.compute import aggregate, aggregate_partial, digest, partials_by_month

    base = aggregate([digest(small, r, 1) for r in range(2)])
    base_parts = partials_by_month(small, 0, 1)
    mine = partials_by_month(small.with_params({"vouchers.share": 0.6}), 0, 1)
    k = 12
    month = charts.case_months(small)[k - 1]
    outs = {}
    for lang, words in (("en", f"to {month}"), ("zh", f"至 {month}")):
        out = outs[lang] = charts.drawing(small, [mine[k - 1]], base, lang, False, False, False,
                                          aggregate_partial([base_parts[k - 1]]))
        assert out["market"][:4] == b"\x89PNG" and out["fiscal"][:4] == b"\x89PNG" and words in out["costs"]
    other = charts.drawing(small, [mine[k - 1]], base, "en", False, False, False, aggregate_partial([base_parts[k]]))
    assert "market" not in other and "costs" not in other
    aside = charts.so_far_drawing(small, [mine[k - 1]], aggregate_partial([base_parts[k - 1]]), "en")
    assert aside == {key: outs["en"][key] for key in ("market", "fiscal", "costs")}  # drawn aside: the same
    with pytest.raises(ValueError):
        charts.so_far_drawing(small, [mine[k - 1]], aggregate_partial([base_parts[k]]), "en")
    mc._STATIC.clear()
    view, at = aggregate_partial([mine[k - 1]]), aggregate_partial([base_parts[k - 1]])
    provisional = mc.market_png(small, view, at, "en", month)
    layers = len(mc._STATIC)
    assert mc.market_png(small, view, at, "en") != provisional and len(mc._STATIC) == layers


def test_a_cancelled_computation_stops(small):
    from sim.app.compute import Cancelled
    from sim.app.runner import Runner

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        Runner().digests(small, 2, seed=1, cancel=cancel)


def test_worker_processes_give_the_same_digests_and_drop_what_nobody_waits_for(small):
    from sim.app.compute import aggregate
    from sim.app.runner import SLOTS, Runner

    pool = Runner(workers=2, front=1)
    try:
        comp = pool.request(small, seed=6, n=4, quick=1)
        jobs = list(comp.jobs.values())
        other = pool.request(small, seed=6, n=1)  # another session waiting for replicate 0
        assert other.jobs[0] is comp.jobs[0]  # not started twice
        comp.close()
        for job in jobs[1:]:  # nobody else waits: dropped from the queue, or told to stop
            assert job.future.cancelled() or pool._flags[job.id % SLOTS] == job.id
        assert pool._flags[jobs[0].id % SLOTS] != jobs[0].id and not jobs[0].future.cancelled()
        other.close()
        a = aggregate(pool.digests(small, 2, seed=5))
        assert pool.shared(("max",), max, 3, 4) == 4  # the drawing processes
    finally:
        pool.close()
    b = aggregate(Runner().digests(small, 2, seed=5))
    assert a.summary.equals(b.summary)
    assert all((a.paths[k] == b.paths[k]).all() for k in a.paths)


@pytest.fixture(scope="module")
def shared_small():
    """The page's shared state for the small case (its web font comes from the user's cache, as the
    server's does, so the slow subsetting happens once per machine)."""
    import sim.app.page as page

    settings = {**page.SETTINGS, "case": str(SMALL), "replicates": 2, "quick": 1, "workers": 1, "mixes": None}
    return page.Shared(settings)


def test_redraw_publishes_a_quick_preview_then_the_full_set(shared_small):
    import sim.app.page as page

    S = shared_small
    values = dict(S.initial)
    values["matchmaking.events_per_month"] = 3.0
    shown = []
    page.redraw(S, values, "zh", threading.Event(), shown.append)
    assert [(o["n"], o["final"]) for o in shown] == [(1, False), (2, True)]
    for o in shown:
        assert o["targets"][:8] == b"\x89PNG\r\n\x1a\n"
        assert "data-testid='scoreboard'" in o["scoreboard"] and "全部目标同时达标" in o["scoreboard"]
    quick, final = shown
    # the first finished replicate: everything drawn from it (in-thread: the market with its targets)
    assert not quick["stale"] and quick["market"][:4] == b"\x89PNG" and quick["fiscal"][:4] == b"\x89PNG"
    assert not final["stale"] and final["market"][:4] == b"\x89PNG" and final["fiscal"][:4] == b"\x89PNG"
    assert "1/2" in page.status_text(quick, S, "zh") and "2" in page.status_text(final, S, "zh")
    # the next change: its own market from its first replicate, not the previous setting's
    values["matchmaking.events_per_month"] = 4.0
    again = []
    page.redraw(S, values, "en", threading.Event(), again.append, final)
    assert again[0]["market"] is not final["market"] and not again[0]["stale"]
    assert again[-1]["final"] and again[-1]["market"] != final["market"]
    assert S.case_for(values).values["matchmaking.events_per_month"] == 4.0
    assert S.case_for(dict(S.initial)) is S.case  # unchanged settings reuse the baseline's runs


def test_redraw_with_worker_processes_draws_provisional_answers_first(monkeypatch):
    """Worker processes: partial answers (part of the horizon, with the market and costs so far) may come
    first, each provisional drawing no less far than the one before, the full set last; a cancelled
    redraw publishes nothing."""
    import sim.app.compute as compute
    import sim.app.page as page
    from sim.app import charts

    settings = {**page.SETTINGS, "case": str(SMALL), "replicates": 3, "quick": 1, "workers": 2, "mixes": None}
    S = page.Shared(settings)
    try:
        S.runner.warm_up()
        S.baseline()
        values = {**S.initial, "matchmaking.events_per_month": 5.0}
        shown = []
        page.redraw(S, values, "en", threading.Event(), shown.append)
        assert shown[-1]["final"] and shown[-1]["n"] == 3 and not any(o["final"] for o in shown[:-1])
        assert shown[-1]["market_months"] is None  # the full set's market: the whole horizon
        stages = [(o.get("runs_done", 3), o["months"] or S.case.n_months) for o in shown]
        assert stages == sorted(stages)
        for o in shown[:-1]:
            assert o["months"] is None or 0 < o["months"] < S.case.n_months
            assert len(o["targets"]) > 0 and "scoreboard" in o["scoreboard"]
            if o["months"] is not None and o["stale"]:  # part-way, before its market so far came
                assert o["market"] is None  # the previous drawing's (none here), greyed
            elif o["months"] is not None:  # part-way: this setting's market and costs so far (drawn aside)
                month = charts.case_months(S.case)[o["market_months"] - 1]
                assert o["market"][:4] == b"\x89PNG" and f"to {month}" in o["costs"] and o["market_months"] <= o["months"]
            elif not o["stale"]:  # finished replicates: their own market, drawn aside
                assert o["market"][:4] == b"\x89PNG" and o["fiscal"][:4] == b"\x89PNG"
        cancel = threading.Event()
        cancel.set()
        nothing = []
        with pytest.raises(compute.Cancelled):
            page.redraw(S, {**values, "matchmaking.events_per_month": 6.0}, "en", cancel, nothing.append)
        assert nothing == []
    finally:
        S.runner.close()


def test_web_font_covers_every_chinese_character_of_the_page(shared_small):
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    from sim.app.webfont import cache_dir, font_css

    S = shared_small
    data = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", S.css).group(1))
    cmap = TTFont(io.BytesIO(data)).getBestCmap()
    text = S.page_text()
    assert "场景创新" in text and "全部目标同时达标" in text
    assert all(ord(c) in cmap for c in text if ord(c) > 127)
    assert ord("A") not in cmap  # Latin text keeps the page's own font
    assert list(cache_dir().glob("app-font-*.woff"))  # cached for the next start
    assert font_css(text) in S.css


def test_web_font_covers_the_controls_notes(shared_small):
    """The reasons shown under idle controls are in the page's web font too (every lever off: the most
    notes at once, and the events budget note)."""
    from sim.app.controls import control_notes, no_levers

    S = shared_small
    text = set(S.page_text())
    values = {**S.initial, **no_levers(S.case)}
    notes = list(control_notes(S.case, values, S.labels).values())
    notes += list(control_notes(S.case, {**S.initial, "matchmaking.events_per_month": 4.0}, S.labels).values())
    notes += list(control_notes(S.case, {**S.initial, "finance.budget_cny_per_year": 1e6, "finance.loans": False,
                                         "centre.chase": 0}, S.labels).values())
    from sim.core.case import load_case

    hunan = load_case(ROOT / "scenarios" / "hunan_2026_2028.toml")  # the notes only the Hunan case shows
    notes += list(control_notes(hunan, dict(hunan.values), S.labels).values())
    missing = {c for n in notes for c in n.zh if ord(c) > 127} - text
    assert not missing, "".join(sorted(missing))


def test_a_note_names_the_choice_a_control_waits_for(shared_small):
    """A control that acts only at one choice of another (the centre's lowest bar: only when it lowers the
    bar) names that choice as its slider shows it, not by its number."""
    from sim.app.controls import control_notes

    S = shared_small
    for chase, want_zh, want_en in ((1, "降低门槛", "lower the bar"), (0, "加力征集", "solicit harder")):
        notes = control_notes(S.case, {**S.initial, "centre.chase": chase}, S.labels)
        name = "centre.bar_floor" if chase == 1 else "centre.solicit_max"
        assert notes[name].idle and f"“{want_en}”" in notes[name].en and f"“{want_zh}”" in notes[name].zh
        assert not any(ch.isdigit() for ch in notes[name].en), notes[name].en


def test_app_command_checks_its_arguments(capsys, monkeypatch):
    import sim.cli.app as app_cli
    from sim.cli.main import main

    assert main(["app", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
    assert main(["app", "--case", "no/such.toml"]) == 2
    assert "no/such.toml" in capsys.readouterr().err

    import socket

    with socket.socket() as busy:  # a port in use is a one-line error, not a server that fails later
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert main(["app", "--case", str(SMALL), "--port", str(busy.getsockname()[1])]) == 2
        assert "cannot listen" in capsys.readouterr().err

    started = []

    class FakeServer:
        pid = -1

        def __init__(self, cmd, env, **kw):
            started.append((cmd, env, kw))

        def wait(self, timeout=None):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr(app_cli.subprocess, "Popen", FakeServer)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    assert main(["app", "--case", str(SMALL), "--port", port, "--lang", "en"]) == 0
    cmd, env, kw = started[-1]
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and cmd[cmd.index("--port") + 1] == port
    assert env["SCENSIM_APP_CASE"] == str(SMALL) and env["SCENSIM_APP_LANG"] == "en"
    assert kw["start_new_session"] is True
    assert "warning" not in capsys.readouterr().err
    assert main(["app", "--case", str(SMALL), "--host", "0.0.0.0", "--port", port]) == 0
    assert "warning: serving on 0.0.0.0" in capsys.readouterr().err


def test_a_lever_s_other_controls_are_idle_while_its_budget_or_switch_is_off(small):
    from sim.app.controls import control_notes, lever_switch, no_levers

    off = no_levers(small)
    assert lever_switch("vouchers", off) == "vouchers.budget_cny_per_year" and not off["vouchers.budget_cny_per_year"]
    assert lever_switch("sandbox", off) == "sandbox.on" and off["sandbox.on"] is False
    assert lever_switch("racing", off) == "racing.share" and off["racing.share"] == 0
    assert lever_switch("soe_duty", off) == "soe_duty.min_needs_per_year" and off["soe_duty.min_needs_per_year"] == 0
    assert lever_switch("zones", off) is None  # the pilot-zone rules are always live
    assert lever_switch("try_first", off) == "try_first.budget_cny_per_year"  # its share is not the switch
    notes = control_notes(small, off)
    for name in ("vouchers.share", "vouchers.apply_prob", "soe_duty.compliance", "try_first.risk_relief"):
        assert notes[name].idle, name  # its lever's controls and its uncertainties
    assert "vouchers.budget_cny_per_year" not in notes and "zones.min_landed" not in notes
    on = {**off, "finance.budget_cny_per_year": 1e7}
    notes = control_notes(small, on)
    assert "finance.line_share.guarantee" not in notes and notes["finance.guarantee_share"].idle  # loans are off
    assert "finance.guarantee_share" not in control_notes(small, {**on, "finance.loans": True})


def test_challenge_winners_are_idle_while_racing_is_off(small):
    """A challenge call has min(max_winners, race size) winners (sim/levers/challenge.py step 5): with
    racing off the race size is one, so the winners slider says so; with racing on it acts."""
    from sim.app.controls import control_notes

    v = dict(small.values)
    v.update({"challenge.share": 1.0, "racing.share": 0.0})
    assert control_notes(small, v)["challenge.max_winners"].idle
    assert "challenge.max_winners" not in control_notes(small, {**v, "racing.share": 0.3})


def test_the_insurer_s_loading_is_idle_while_premiums_are_flat(hunan):
    """The loading is part of the risk-rated premium only (sim/levers/finance.py ``_premium_of``, weighted
    by premium_rating): with a flat premium (Hunan: premium_rating 0) it is idle, and says which switch."""
    from sim.app.controls import control_notes

    v = dict(hunan.values)
    assert v["finance.insurance"] and v["finance.premium_rating"] == 0
    note = control_notes(hunan, v, {"finance.premium_rating": ("风险定价比重", "Risk-rated share")})["finance.premium_loading"]
    assert note.idle and "Risk-rated share" in note.en and "风险定价比重" in note.zh
    assert "finance.premium_loading" not in control_notes(hunan, {**v, "finance.premium_rating": 0.5})
    off = control_notes(hunan, {**v, "finance.premium_rating": 0.5, "finance.insurance": False})["finance.premium_loading"]
    assert off.idle and "finance.insurance" in off.en  # the first switch that is off is named


def test_value_conditions_grey_out_what_cannot_act(small, hunan):
    """Conditions computed from the case and the values: a cap on zones at or above the number of
    candidates, a valuation of stakes none of which is sold within the horizon, an industry-base
    threshold far below every industry zone's expected base — each idle with its reason, and live
    when the condition fails."""
    from sim.app.controls import control_notes, industry_base_floor

    v = dict(small.values)
    n = len(small.cities) + len(small.industry_zones)
    assert v["zones.max_designated"] >= n and control_notes(small, v)["zones.max_designated"].idle
    assert str(n) in control_notes(small, v)["zones.max_designated"].zh
    assert "zones.max_designated" not in control_notes(small, {**v, "zones.max_designated": n - 1})
    h = dict(hunan.values)
    assert h["grant_to_equity.holding_months"] >= hunan.n_months
    assert control_notes(hunan, h)["grant_to_equity.valuation_multiple"].idle
    assert "grant_to_equity.valuation_multiple" not in control_notes(hunan, {**h, "grant_to_equity.holding_months": 12})
    floor = industry_base_floor(hunan, h)
    assert 60 < floor < 500  # a lower bound of the base measured in replicate 0 at the start (212 to 708)
    assert control_notes(hunan, h)["zones.industry_min_suppliers"].idle
    assert not control_notes(hunan, {**h, "zones.industry_min_suppliers": int(floor)})["zones.industry_min_suppliers"].idle
    assert industry_base_floor(small, v) == float("inf")  # no industry zones: CASE_NEEDS greys it out instead


def test_the_events_slider_says_where_the_budget_stops_it(small):
    """The small case's events budget pays for 11 ordinary events a year (2 M CNY / 150 k per event,
    less 2 promotions): above that the events slider holds no more events (``Matchmaking.on_year_start``),
    and says so; below it, no note. The plan-events switch is idle: the case's plan sets no number."""
    from sim.app.compute import digest
    from sim.app.controls import control_notes, events_affordable_per_month

    v = dict(small.values)
    assert events_affordable_per_month(v) == pytest.approx(11 / 12)
    v["matchmaking.events_per_month"] = 2.0
    note = control_notes(small, v)["matchmaking.events_per_month"]
    assert not note.idle and "0.92" in note.en and "0.92" in note.zh
    assert "matchmaking.events_per_month" not in control_notes(small, {**v, "matchmaking.events_per_month": 0.5})
    more = {**v, "matchmaking.budget_cny_per_year": 5e6}
    assert "matchmaking.events_per_month" not in control_notes(small, more)
    assert control_notes(small, v)["matchmaking.plan_events_target"].idle

    def events(values):
        d = digest(small.with_params({k: values[k] for k in ("matchmaking.events_per_month",
                                                               "matchmaking.budget_cny_per_year")}), 0, 1)
        return d.funnel, d.targets["value"].tolist()

    assert events(v) == events({**v, "matchmaking.events_per_month": 4.0})  # the budget binds: what the note says
    assert events(more) != events({**more, "matchmaking.events_per_month": 4.0})  # a larger budget: it acts


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the live processes whose parent is ``pid``."""
    from pathlib import Path

    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            out.append((int(d.name), cmd))
    return out


def test_stopping_the_app_leaves_no_semaphores_behind(tmp_path):
    """``scensim app`` with worker processes, stopped with SIGTERM once every worker runs (as a service
    manager or ``scensim app``'s own Ctrl-C handling stops the server): it exits cleanly and
    multiprocessing's resource tracker finds nothing leaked. Before the fix the server died by the
    signal uvicorn re-raises and the tracker warned of 18 leaked semaphores (the pools' queues)."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "app.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "app", "--case", str(SMALL), "--port", str(port),
                                 "--replicates", "2", "--workers", "2"], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while True:  # the server started its 8 workers (front 4, back 2, drawing 2) when it started
            servers = [p for p, cmd in _children(proc.pid) if "sim.app.server" in cmd]
            workers = [p for s in servers for p, cmd in _children(s) if "spawn_main" in cmd]
            if len(workers) >= 8:
                break
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-2000:]
            time.sleep(0.5)
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        time.sleep(2.0)  # the resource tracker reports when the last process holding it has gone
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    text = log.read_text(errors="replace")
    assert "scensim app: stopped" in text
    assert "leaked" not in text and "Traceback" not in text, text[-3000:]


def test_a_redraw_over_the_kept_static_layer_is_the_same_picture(small):
    """The targets figure keeps its static parts per drawing process — a template (axes, baseline,
    target lines, legend) and each target's axes per y-axis top — and paints only the current settings
    over them: the picture is the same as one drawn afresh, and the current settings do show (a
    different setting, a different picture)."""
    from sim.app import charts
    from sim.app.compute import aggregate, digest

    def clear():
        charts._TEMPLATES.clear()
        charts._PANELS.clear()

    base = aggregate([digest(small, r, 1) for r in range(2)])
    a = aggregate([digest(small.with_params({"vouchers.share": 0.6}), r, 1) for r in range(2)])
    b = aggregate([digest(small.with_params({"vouchers.share": 0.35}), r, 1) for r in range(2)])
    clear()
    first_a = charts.targets_png(small, a, base, "en")
    kept_b = charts.targets_png(small, b, base, "en")
    again_a = charts.targets_png(small, a, base, "en")
    panels = len(charts._PANELS)
    clear()
    fresh_b = charts.targets_png(small, b, base, "en")
    assert kept_b == fresh_b and again_a == first_a and first_a != kept_b
    # one template, and one panel per target and y-axis top: settings whose tops agree on a target share it
    tops = [charts._target_tops(small, x, base) for x in (a, b)]
    assert panels == len({(i, t) for ts in tops for i, t in enumerate(ts)}) and len(charts._TEMPLATES) == 1
    assert charts.nice_top(9.0) == 12.0 and charts.nice_top(0) == 1.0 and charts.nice_top(100) == 120.0


def test_the_targets_figure_pasted_from_panels_is_the_figure_drawn_whole(small):
    """Each target's panel is cut from its cell of the figure and pasted back: nothing is cut off, even
    where wide tick labels (large numbers) reach far from the axes — the pasted figure is, pixel for
    pixel, the figure matplotlib draws whole at the same y-axis tops."""
    import numpy as np

    from sim.app import charts
    from sim.app.compute import aggregate, digest

    base = aggregate([digest(small, r, 1) for r in range(2)])
    big = aggregate([digest(small, r, 1) for r in range(2)])
    big.paths = {k: v * 12345.0 for k, v in big.paths.items()}
    for view in (base, big):
        tops = charts._target_tops(small, view, base)
        tkey, tpl = charts._template(small, base, "zh")
        charts._compose(tkey, tpl, tops)
        pasted = np.asarray(tpl["canvas"].buffer_rgba()).copy()
        tpl["canvas"].draw()  # the whole figure at once, every axis at its top (the axes set by _compose)
        whole = np.asarray(tpl["canvas"].buffer_rgba()).copy()
        assert pasted.shape == whole.shape and (pasted != whole).any(axis=2).sum() == 0, tops
    assert max(charts._target_tops(small, big, base)) >= 1e4  # the wide labels were drawn


def test_each_fiscal_bar_has_its_value_written_where_it_can_be_read(small):
    """A lever that spends little has a bar too short to see: every one of your bars carries its value
    (in the axis's unit) at its end — outside it, in black; inside it, in white, where the bar reaches the
    last fifth of the axis; left of a negative bar's end. Changing only a small lever's spending changes
    the picture (its number) although its bar barely moves."""
    import numpy as np
    from io import BytesIO

    from PIL import Image

    from sim.app import market_chart as mc
    from sim.app.compute import aggregate, digest

    base = aggregate([digest(small, r, 1) for r in range(2)])
    small_lever = base.fiscal_by_lever.abs().idxmin()
    mc._STATIC.clear()
    before = mc.fiscal_png(small, base, base, "en")
    layer = next(v for k, v in mc._STATIC.items() if k[0] == "fiscal")
    ax, bars, (lo, hi) = layer["ax"], layer["mine"], layer["ax"].get_xlim()
    x0 = ax.transData.transform((0.0, 0.0))[0]
    x, _, text, ink, _, anchor = mc._bar_value(ax, bars[0], 0.05 * hi, lo, hi)
    assert text == (f"{0.05 * hi:,.1f}" if 0.05 * hi < 10 else f"{0.05 * hi:,.0f}")
    assert ink == "black" and anchor == "lm" and x > ax.transData.transform((0.05 * hi, 0))[0]
    x, _, _, ink, _, anchor = mc._bar_value(ax, bars[0], 0.95 * hi, lo, hi)
    assert ink == "white" and anchor == "rm" and x0 < x < ax.transData.transform((0.95 * hi, 0))[0]
    x, _, text, ink, _, anchor = mc._bar_value(ax, bars[0], -2.0, lo, hi)
    assert text == "-2.0" and anchor == "rm" and x < ax.transData.transform((-2.0, 0))[0]
    more = aggregate([digest(small, r, 1) for r in range(2)])
    more.fiscal_by_lever[small_lever] *= 1.5  # a bar a few pixels longer, a different number
    after = mc.fiscal_png(small, more, base, "en")
    pa, pb = (np.asarray(Image.open(BytesIO(p))) for p in (before, after))
    changed_x = np.nonzero((pa != pb).any(axis=2))[1]
    assert len(changed_x) and changed_x.max() - changed_x.min() > 5  # the number, not a pixel of bar


def test_the_market_and_fiscal_figures_redrawn_over_their_kept_layers_are_the_same_pictures(small):
    """The market and fiscal figures keep their static layers too, paint the setting's bars, colours and
    tiles over them, and write the numbers with Pillow: a redraw over a kept layer is the same picture
    as one drawn afresh, a different setting gives a different picture, and the numbers are there."""
    from io import BytesIO

    import numpy as np

    from PIL import Image

    from sim.app import market_chart as mc
    from sim.app.compute import aggregate, digest

    base = aggregate([digest(small, r, 1) for r in range(2)])
    a = aggregate([digest(small.with_params({"vouchers.share": 0.6}), r, 1) for r in range(2)])
    b = aggregate([digest(small.with_params({"vouchers.share": 0.35}), r, 1) for r in range(2)])
    for draw in (mc.market_png, mc.fiscal_png):
        mc._STATIC.clear()
        first_a = draw(small, a, base, "zh")
        kept_b = draw(small, b, base, "zh")
        again_a = draw(small, a, base, "zh")
        mc._STATIC.clear()
        fresh_b = draw(small, b, base, "zh")
        assert kept_b == fresh_b and again_a == first_a, draw.__name__
    assert mc.market_png(small, a, base, "zh") != mc.market_png(small, b, base, "zh") or \
        (a.domain_stage.equals(b.domain_stage) and a.cities.equals(b.cities) and a.funnel.equals(b.funnel))
    # the numbers: one heatmap cell changed by hand changes the picture inside that cell only
    c = aggregate([digest(small.with_params({"vouchers.share": 0.6}), r, 1) for r in range(2)])
    grid = np.arange(a.domain_stage.size, dtype=float).reshape(a.domain_stage.shape) * 3 + 1
    a.domain_stage.iloc[:, :] = grid
    c.domain_stage.iloc[:, :] = grid
    c.domain_stage.iloc[1, 2] += 1  # neither the smallest nor the largest: the colour scale stays
    pa, pc = (np.asarray(Image.open(BytesIO(mc.market_png(small, v, base, "en")))) for v in (a, c))
    ys, xs = np.nonzero((pa != pc).any(axis=2))
    layer = next(v for k, v in mc._STATIC.items() if k[0] == "market" and k[3] == "en")
    cells = layer["cells"]
    (cx, cy), half_w, half_h = cells[1][2], abs(cells[1][3][0] - cells[1][2][0]) / 2, abs(cells[2][2][1] - cells[1][2][1]) / 2
    assert len(xs) and np.all(np.abs(xs - cx) <= half_w) and np.all(np.abs(ys - (pa.shape[0] - cy)) <= half_h)
    # the number itself: white ink (a dark cell: 29 against a largest of 61) on the cell's blue
    top, left = int(pa.shape[0] - cy - half_h) + 2, int(cx - half_w) + 2
    cell = pc[top:top + int(2 * half_h) - 4, left:left + int(2 * half_w) - 4, :3]
    light = cell.astype(int).sum(axis=2) > cell[0, 0].astype(int).sum() + 150  # the corner: the cell's blue
    assert light.sum() > 5 and c.domain_stage.iloc[1, 2] == 29
    # a negative net spending (receipts above payments) gets an axis of its own, left of zero
    neg = aggregate([digest(small, r, 1) for r in range(2)])
    lever = neg.fiscal_by_lever.index[0]
    neg.fiscal_by_lever[lever] = -abs(neg.fiscal_by_lever[lever]) - 3e6
    assert mc.fiscal_png(small, neg, base, "en") != mc.fiscal_png(small, base, base, "en")
    assert any(k[0] == "fiscal" and k[5] < 0 for k in mc._STATIC)
    assert mc._font(9.0).getname()[0] == "Noto Sans CJK SC"


class FakePool:
    """Stands for a process pool: records what it is given and runs nothing until the test says."""

    def __init__(self, size: int):
        from concurrent.futures import Future

        self._max_workers, self.given, self.fns, self._Future = size, [], [], Future

    def submit(self, fn, *args):
        f = self._Future()
        f.set_running_or_notify_cancel()
        self.given.append((args, f))
        self.fns.append(fn)
        return f


@contextlib.contextmanager
def fake_runner():
    """A runner whose pools are :class:`FakePool` s of one process each (nothing runs until the test
    says): yields (runner, pools by name)."""
    from sim.app.lanes import Lane
    from sim.app.runner import SLOTS, Runner

    r = Runner(workers=2)
    pools = {"front": FakePool(1), "back": FakePool(1), "draw": FakePool(1)}
    r._pools, r._lanes = pools, {k: Lane(p, 1) for k, p in pools.items()}
    r._flags = [0] * SLOTS
    try:
        yield r, pools
    finally:
        r._pools = r._lanes = None


def test_a_lane_gives_its_pool_one_task_per_process_by_priority_then_arrival_and_drops_what_is_cancelled():
    from sim.app.lanes import Lane

    pool = FakePool(1)
    lane = Lane(pool, 1)
    assert lane.free()
    futures = {name: lane.submit(prio, str, name) for name, prio in [("a", 1), ("b", 1), ("c", 0), ("d", 0), ("e", 1)]}
    assert [args for args, _ in pool.given] == [("a",)]  # the pool's only process took the first; the rest wait
    assert not lane.free()
    assert futures["d"].cancel() and not futures["a"].cancel()  # waiting: dropped; started: runs to its end
    order = []
    while len(order) < len(pool.given):
        args, f = pool.given[len(order)]
        order.append(args[0])
        f.set_result(args[0].upper())
    assert order == ["a", "c", "b", "e"]  # priority 0 before 1, then first come first served; "d" never ran
    assert futures["c"].result() == "C" and futures["d"].cancelled() and lane.busy == 0 and lane.free()


def test_runs_go_by_replicate_so_every_session_s_first_comes_before_anyone_s_second(small):
    """The front gets only the previews (first year) of the quick replicates; the back every replicate,
    by replicate then arrival: two sessions' replicates alternate instead of one's whole set first."""
    from sim.app.runner import _run_job, _run_preview

    with fake_runner() as (r, pools):  # no processes: see what is given
        a = r.request(small, seed=1, n=3, quick=1)  # session A asks first, for 3 replicates
        b = r.request(small.with_params({"vouchers.share": 0.6}), seed=1, n=3, quick=1)  # then B, another setting
        same = r.request(small, seed=1, n=3, quick=1)  # C chose A's setting: shares A's runs and preview
        assert all(same.jobs[k] is a.jobs[k] for k in range(3)) and same.previews[0] is a.previews[0]
        assert r.counts["runs"] == 6

        def given(pool):  # (session, replicate) of each run the pool was given
            return [("A" if args[1] is small else "B", args[2]) for args, _ in pool.given]

        front, back = pools["front"], pools["back"]
        for k in range(6):  # finish each run as the test goes (None stands in for its digest)
            back.given[k][1].set_result(None)
        assert given(back) == [("A", 0), ("B", 0), ("A", 1), ("B", 1), ("A", 2), ("B", 2)]
        assert given(front) == [("A", 0)]  # B's preview waits for the front's one process
        assert set(front.fns) == {_run_preview} and set(back.fns) == {_run_job}
        b.close()  # B moves on: its preview, still waiting, is dropped
        front.given[0][1].set_result(None)
        assert given(front) == [("A", 0)] and b.previews[0].future.cancelled()


def test_a_preview_is_the_replicate_at_the_end_of_its_first_year(small, monkeypatch):
    import sim.app.compute as compute

    monkeypatch.setattr(compute, "PARTIAL_EVERY", 1e9)  # partials only at each year's end
    parts = []
    d = compute.run_replicate(small, 1, 7, emit=parts.append)
    p = compute.preview(small, 1, 7)
    assert p.months == parts[0].months < small.n_months and p.targets.equals(parts[0].targets)
    assert sorted(set(p.targets["year"])) == [small.years[0]]
    for tid, path in p.paths.items():
        assert (path == d.paths[tid][: p.months]).all()
    assert compute.preview(small, 1, 7, cancelled=lambda: True) is None


def test_a_preview_goes_on_to_the_replicate_s_digest_while_the_front_is_free(small, monkeypatch):
    """Past the first year a preview goes on while ``go_on()``: partials as the run emits them (same
    months, same values), then the run's digest; stopped part-way, the latest partial."""
    import sim.app.compute as compute

    monkeypatch.setattr(compute, "PARTIAL_EVERY", 1e9)  # partials only at each year's end (and the last month)
    parts, seen = [], []
    d = compute.run_replicate(small, 1, 7, emit=parts.append)
    got = compute.preview(small, 1, 7, emit=seen.append, go_on=lambda: True)
    assert isinstance(got, compute.Digest)
    assert got.targets.equals(d.targets) and got.funnel == d.funnel and got.fiscal_by_lever == d.fiscal_by_lever
    assert all((got.paths[k] == d.paths[k]).all() for k in d.paths)
    assert [p.months for p in seen][: len(parts)] == [p.months for p in parts] and seen[-1].months == small.n_months - 1
    budget = iter([True] * 3 + [False] * 100)  # the front fills up three months past the first year
    stopped = compute.preview(small, 1, 7, go_on=lambda: next(budget))
    assert isinstance(stopped, compute.Partial) and stopped.months == parts[0].months + 3
    assert compute.preview(small, 1, 7, go_on=lambda: False).months == parts[0].months


def test_a_preview_that_reaches_the_end_completes_its_run_at_the_back(small):
    """The digest of a preview that went on to the end is the run's: the run's job is done (its waiting
    task dropped, the back's running one told to stop), the sessions see it among the finished."""
    from sim.app.compute import digest
    from sim.app.runner import SLOTS

    with fake_runner() as (r, pools):
        a = r.request(small, seed=1, n=2, quick=1)
        run0, run1 = a.jobs[0], a.jobs[1]
        assert run0.future.running() and not run1.future.running()  # the back's one process runs replicate 0
        d0 = digest(small, 0, 1)
        pools["front"].given[0][1].set_result(d0)  # the preview of replicate 0 reached the end
        assert run0.finished and run0.digest is d0 and r._flags[run0.id % SLOTS] == run0.id
        done, _ = a.state()
        assert list(done) == [0] and done[0] is d0 and a.previewed == {}
        pools["back"].given[0][1].set_result(None)  # the stopped run returns nothing: nothing changes
        assert a.state()[0][0] is d0 and r._get(run0.key) is d0
        b = r.request(small, seed=1, n=1, quick=1)  # a later session with the same setting: there at once
        assert b.done[0] is d0 and not b.jobs and not b.previews


def test_a_run_done_at_the_back_stops_its_preview(small):
    from sim.app.runner import SLOTS

    with fake_runner() as (r, pools):
        a = r.request(small, seed=1, n=1, quick=1)
        preview = a.previews[0]
        pools["back"].given[0][1].set_result("digest")  # the back finished replicate 0 first
        assert r._flags[preview.id % SLOTS] == preview.id  # the preview, running, is told to stop
        assert a.state()[0] == {0: "digest"}
        b = r.request(small.with_params({"vouchers.share": 0.6}), seed=1, n=1, quick=1)  # its preview waits
        c = r.request(small.with_params({"vouchers.share": 0.7}), seed=1, n=1, quick=1)
        waiting = c.previews[0]
        assert not waiting.future.running()
        pools["back"].given[1][1].set_result("digest b")
        pools["back"].given[2][1].set_result("digest c")  # c's run done before its preview started: dropped
        assert waiting.future.cancelled() and b.state()[0] == {0: "digest b"}


def test_a_lane_shares_how_many_tasks_wait():
    from sim.app.lanes import Lane

    gauge = [7, 0, 7]  # the lane writes its own slot only
    lane = Lane(FakePool(1), 1, gauge, 1)
    lane.submit(0, str, "a")
    assert gauge == [7, 0, 7]  # taken by the free process
    waiting = [lane.submit(0, str, x) for x in "bc"]
    assert gauge[1] == 2
    lane.pool.given[0][1].set_result("A")  # a process frees: the next task starts
    assert gauge[1] == 1
    lane.drop_waiting()
    assert gauge == [7, 0, 7] and waiting[1].cancelled()


def test_sessions_with_the_same_setting_share_a_drawing_until_all_have_moved_on():
    from sim.app.compute import Cancelled
    from sim.app.lanes import Lane
    from sim.app.runner import Runner

    calls = []
    r = Runner()  # in-thread: made at once, once per key
    assert r.shared("k", calls.append, 1) is None and r.shared("k", calls.append, 2) is None
    assert calls == [1] and r.counts == {"runs": 0, "drawings": 1, "drawings_shared": 1}
    r.shared("other", calls.append, 3)
    assert calls == [1, 3]

    p = Runner(workers=2)
    pools = {"front": FakePool(1), "back": FakePool(1), "draw": FakePool(1)}
    p._pools, p._lanes = pools, {k: Lane(x, 1) for k, x in pools.items()}
    draw = pools["draw"]
    results = {}

    def session(name, key, cancel):
        try:
            results[name] = p.shared(key, str.upper, key, cancel=cancel)
        except Cancelled:
            results[name] = "cancelled"

    def until(condition):
        for _ in range(1000):
            if condition():
                return
            threading.Event().wait(0.01)
        raise AssertionError("timed out")

    try:
        p._lanes["draw"].submit(0, str, "busy")  # the one drawing process is busy
        gone_a = threading.Event()
        a = threading.Thread(target=session, args=("A", "picture", gone_a))
        b = threading.Thread(target=session, args=("B", "picture", threading.Event()))
        a.start()
        until(lambda: p.counts["drawings"] == 1)
        b.start()
        until(lambda: p.counts["drawings_shared"] == 1)  # both wait for the same drawing
        gone_a.set()  # A moves on; B still waits: the drawing stays queued
        a.join()
        draw.given[0][1].set_result("busy")
        assert [args for args, _ in draw.given] == [("busy",), ("picture",)]
        draw.given[1][1].set_result("PICTURE")
        b.join()
        assert results == {"A": "cancelled", "B": "PICTURE"} and p.counts["drawings"] == 1  # made once

        # the only session that asked moves on before it starts: dropped; the next to ask has it made afresh
        p._lanes["draw"].submit(0, str, "busy")
        gone = threading.Event()
        c = threading.Thread(target=session, args=("C", "late", gone))
        c.start()
        until(lambda: p.counts["drawings"] == 2)
        gone.set()
        c.join()
        draw.given[2][1].set_result("busy")
        assert len(draw.given) == 3 and results["C"] == "cancelled"  # "late" never given to the pool
        d = threading.Thread(target=session, args=("D", "late", threading.Event()))
        d.start()
        until(lambda: len(draw.given) == 4)
        assert draw.given[3][0] == ("late",) and p.counts["drawings"] == 3
        draw.given[3][1].set_result("LATE")
        d.join()
        assert results["D"] == "LATE"
    finally:
        p._pools = p._lanes = None


def test_a_second_session_with_the_same_setting_reuses_runs_and_drawings(shared_small):
    import sim.app.page as page

    S = shared_small
    values = {**S.initial, "matchmaking.events_per_month": 2.7}
    first, second, other = [], [], []
    page.redraw(S, values, "en", threading.Event(), first.append)
    before = S.runner.counts
    page.redraw(S, values, "en", threading.Event(), second.append)  # another student, the same setting
    after = S.runner.counts
    assert after["runs"] == before["runs"] and after["drawings"] == before["drawings"]
    assert after["drawings_shared"] == before["drawings_shared"] + 1
    assert second[-1]["final"] and second[-1]["targets"] is first[-1]["targets"]
    page.redraw(S, values, "zh", threading.Event(), other.append)  # another language: its own drawing
    assert S.runner.counts["drawings"] == after["drawings"] + 1 and other[-1]["targets"] != first[-1]["targets"]


def test_the_warm_up_draws_the_static_layer_first_answers_use(small):
    """The drawing processes prepare the targets figure's template, the baseline's and the first
    answer's panels (a preview: one replicate's first year, whose tops are its own), and each target's
    axes at the tops near the baseline's: a redraw at any of those tops draws nothing new."""
    from sim.app import charts
    from sim.app.compute import aggregate, aggregate_partial, digest, preview
    from sim.app.figure_style import neighbour_tops

    base = aggregate([digest(small, r, 1) for r in range(2)])
    charts._TEMPLATES.clear()
    charts._PANELS.clear()
    charts.prepare(small, base, "en", [preview(small, 0, 1)])
    kept = set(charts._PANELS)
    first = aggregate_partial([preview(small, 0, 1)])
    base_tops, first_tops = charts._target_tops(small, base, base), charts._target_tops(small, first, base)
    near = [neighbour_tops(top, *charts.WARM_TOPS) for top in base_tops]
    assert {(i, t) for _, i, t in kept} == {(i, t) for i, ts in enumerate(near) for t in ts} | set(enumerate(first_tops))
    tkey, tpl = charts._template(small, base, "en")
    for pick in (0, -1):  # every target one step below the baseline's top, then two above
        charts._compose(tkey, tpl, tuple(ts[pick] for ts in near))
    charts.targets_png(small, first, base, "en")
    assert set(charts._PANELS) == kept and len(charts._TEMPLATES) == 1  # nothing new drawn


def test_the_cost_panel_draws_money_moved_inside_consortia_apart_from_public_cost():
    """Firms' money moved between consortium members (``challenge.lead_share`` decides how much) is drawn
    on a row of its own, only when some moved; the public-cost rows do not include it."""
    from types import SimpleNamespace

    from sim.app.widgets import costs_html

    def view(consortia, soe=0.0):
        return SimpleNamespace(fiscal_cny=2e6, public_owner_cny=1e6, total_public_cny=3e6, consortia_cny=consortia,
                               soe_owner_cny=soe)

    html = costs_html(view(4.0e6), view(1.2e6), "en")
    assert "cost-consortia" in html and "not public" in html
    assert costs_html(view(4.0e6), view(1.2e6), "en") != costs_html(view(1.2e6), view(1.2e6), "en")
    assert "cost-consortia" not in costs_html(view(0.0), view(0.0), "zh")
    assert "成员间分摊" in costs_html(view(0.0), view(5.0), "zh")
    # SOEs' own pilot payments likewise: a grey row apart, only when there are any, never in the total
    assert "cost-soe" not in costs_html(view(0.0), view(0.0), "en")
    html = costs_html(view(0.0, soe=7e6), view(0.0), "en")
    assert "cost-soe" in html and "not in the total" in html and "CNY 7 m" in html and "CNY 3 m" in html
    assert "国企自付" in costs_html(view(0.0, soe=7e6), view(0.0), "zh")


def test_a_preview_goes_on_only_while_nothing_else_needs_the_cores(small, monkeypatch):
    """The worker's rule: past its first year a preview goes on only while no other preview is in its
    first year and no task waits for a front or a drawing process; it counts itself among the first
    years until its first year's end, and not after, whatever happens."""
    import sim.app.runner as runner

    class Gauge(list):
        def get_lock(self):
            return threading.Lock()

    asked = []

    def fake_preview(case, replicate, seed, cancelled, emit, go_on):
        asked.append(list(gauge))  # while in the first year: counted
        for other in ([0, 0, 0], [1, 0, 0], [0, 2, 0], [0, 0, 1]):  # the gauge at each month past it
            gauge[:] = [other[0], other[1], other[2] + gauge[2]]
            asked.append(go_on())
            gauge[:] = [0, 0, gauge[2] - other[2]]
        return "partial"

    gauge = Gauge([0, 0, 0])
    monkeypatch.setattr(runner, "preview", fake_preview)
    monkeypatch.setattr(runner, "_CHANNEL", (None, [0] * runner.SLOTS, gauge))
    assert runner._run_preview(5, small, 0, 1) == "partial"
    assert asked == [[0, 0, 1], True, False, False, False] and gauge == [0, 0, 0]

    def failing(*args, **kwargs):
        raise RuntimeError("model error")

    monkeypatch.setattr(runner, "preview", failing)
    with pytest.raises(RuntimeError):
        runner._run_preview(6, small, 0, 1)
    assert gauge == [0, 0, 0]  # a preview that fails in its first year is no longer counted


def test_scoreboard_puts_the_whole_horizon_across_every_year(small):
    """The "all targets, every year" probability is one number for the whole horizon: its cell spans
    the year columns (under the first year alone it read as that year's)."""
    import re

    from sim.app.compute import aggregate, digest
    from sim.app.widgets import scoreboard_html

    view = aggregate([digest(small, r, seed=2) for r in range(2)])
    page = scoreboard_html(small, view, view, "en")
    years = len(small.years)
    assert years > 1
    rows = re.findall(r"<tr.*?</tr>", page, flags=re.S)
    overall = next(r for r in rows if "p-all-all" in r)
    assert f"colspan='{years}'" in overall and overall.count("<td") == 2  # its label and one cell across the years
    for r in rows[1:-1]:  # every other row: its label and a cell per year
        assert r.count("<td") == 1 + years, r


@pytest.mark.parametrize("n", [13, 25, 37, 61])
@pytest.mark.parametrize("start", ["2025-07", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01"])
def test_month_labels_of_a_target_panel_do_not_overlap(start, n):
    """Hubei's horizon starts in December 2025: the panels labelled the first month "2025-12" and the
    next January "2026" one month apart, drawn over each other. Drawn at the panel's size, no two x tick
    labels overlap; the first month is labelled when the horizon starts in January or far from one."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sim.app import charts

    y, m = int(start[:4]), int(start[5:])
    months = [f"{y + (m - 1 + i) // 12}-{(m - 1 + i) % 12 + 1:02d}" for i in range(n)]
    fig = Figure(figsize=(3.6, 2.45), dpi=84)  # one panel of the app's targets figure, three abreast
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.165, right=0.96)
    charts._month_ticks(ax, months)
    canvas.draw()
    boxes = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
    assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:])), [t.get_text() for t in ax.get_xticklabels()]
    first_january = next(i for i, x in enumerate(months) if x.endswith("-01"))
    if first_january == 0 or first_january >= n / 4:
        assert ax.get_xticks()[0] == 0
