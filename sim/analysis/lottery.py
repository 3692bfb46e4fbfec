"""An in-silico randomised trial of a lever (``scensim lottery``).

The experiment a policy evaluator would run: one lever's awards — vouchers, grants, equity or first
purchase — are allotted by lottery among eligible applicants (see :mod:`sim.core.lottery_draw`). From the
main run it reports, for every applicant, winners-versus-losers differences in pilots landed,
validations, private investment raised and adoption revenue at 6, 12 and 24 months after the
applicant's lottery (an intention-to-treat comparison; Welch 95 % intervals). For every award it runs
a **twin**: the same run with that single award withheld, same random numbers (the model's keyed draws
make the twin identical up to the award). Comparing the awardee in both gives whether the funded
project would have happened anyway (the voucher's, grant's or equity's pilot still landed; the first
purchase's solution still found a first buyer within six months), whether the award went unused (a
voucher that lapsed), and the award's effect on the awardee's outcomes. Every award with a twin is then
one of three: **unused** (never paid out), **deadweight** (paid, and the funded project happened in the
twin anyway) or **additional** (paid, and the project did not happen without it); the three shares sum
to 1. Nothing is set to produce a particular answer: the shares come from the model's mechanisms.

The Creative-Credits-style measure (Bakhshi et al. 2015: the likelihood of a project with a new
supplier, winners versus losers). A **new-partner project** is a pilot that lands between the applicant
and a counterpart it had not worked with before — no earlier landed pilot between the two, the plan's
starting stock of validated pilots included. For demand-side vouchers (held by owners) the counterpart
is the supplier: exactly the trial's measure. For supply-side vouchers (held by small suppliers) it is
the owner: a project with a new client, which includes the supplier's first pilot. Reported per
horizon: the share of winners and of losers with at least one such project within the horizon, their
difference (Welch 95 % interval) and the relative increase, winners over losers − 1 (the trial's "84 %";
Katz log interval).

Applicants are the lever's applicants: suppliers, or owners for demand-side vouchers. For owners the
outcomes are pilots landed and validations in the owner's scenarios (private investment and revenue are
suppliers' outcomes and are left empty).
"""

from __future__ import annotations

import contextlib
import gc
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.core.case import Case
from sim.base.errors import InputError
from sim.core.lottery_draw import LOTTERY_LEVERS, LotteryRule
from sim.core.model import P_FAILED, P_RUNNING, P_SUCCEEDED, ScenarioMarket
from sim.base.rng import run_seed
from sim.core.targets import wilson
from sim.engine.executor import Executor
from sim.base.vocab import OPENER_KINDS, SUPPLIER_KINDS

HORIZONS = (6, 12, 24)
OUTCOMES = ("pilots", "validations", "private_cny", "revenue_cny", "new_partner")
ANYWAY_WINDOW = 6  # months within which a first buyer would have come anyway (first purchase)
BUDGET_PARAM = {"vouchers": "vouchers.budget_cny_per_year", "grant": "grant_to_equity.budget_cny_per_year",
                "equity": "grant_to_equity.budget_cny_per_year", "first_purchase": "procurement.budget_cny_per_year"}


def trial_case(case: Case, lever: str) -> Case:
    """The case as the trial runs it: grants as grants only, equity as equity only, first purchase on."""
    if case.values[BUDGET_PARAM[lever]] <= 0:
        raise InputError(case.path, BUDGET_PARAM[lever], f"must be above 0 for a lottery of {lever} (there is no "
                         "budget to allot): give it one with --set or in a case that extends this file", 0)
    fixed = {"grant": {"grant_to_equity.equity_share": 0.0}, "equity": {"grant_to_equity.equity_share": 1.0},
             "first_purchase": {"procurement.first_purchase": True}}.get(lever, {})
    return case.with_params(fixed, origin=f"lottery of {lever}") if fixed else case


# -- what happened to a supplier, from a finished run ---------------------------------------------
@dataclass
class Events:
    """Per-supplier dated events of a finished run, addressed by supplier key."""

    landed: tuple  # (supplier keys, months)
    validated: tuple
    private: tuple  # (supplier keys, months, CNY)
    revenue: tuple
    new_partner: tuple = ((), ())  # (applicant keys, months) of pilots landed with a new counterpart

    def outcomes(self, key: int, t0: int, h: int) -> dict:
        """Counts and sums in months (t0, t0 + h] for one supplier."""
        out = {}
        for name, ev in (("pilots", self.landed), ("validations", self.validated), ("new_partner", self.new_partner)):
            sel = (ev[0] == key) & (ev[1] > t0) & (ev[1] <= t0 + h)
            out[name] = float(sel.sum())
        for name, ev in (("private_cny", self.private), ("revenue_cny", self.revenue)):
            if ev is None:
                out[name] = math.nan
                continue
            sel = (ev[0] == key) & (ev[1] > t0) & (ev[1] <= t0 + h)
            out[name] = float(ev[2][sel].sum())
        return out


def demand_side(m_or_case, lever: str) -> bool:
    """Whether the lottery's applicants are owners (demand-side vouchers) rather than suppliers."""
    values = m_or_case.values if isinstance(m_or_case, Case) else m_or_case.params
    return lever == "vouchers" and bool(values["vouchers.demand_side"])


def _funded_scenario(m: ScenarioMarket, lever: str, month: int, holder: int, scen: int) -> tuple[bool, int, int]:
    """(used, scenario key of the project the award funded or −1, supplier key of that project or −1)."""
    if lever != "vouchers":
        return True, int(m.scenarios.key[scen]), int(m.suppliers.key[holder])
    owners = demand_side(m, lever)
    # a voucher is used when it pays towards a pilot: the holder's first voucher payment after issue
    for t, suppliers, scenarios, _ in m.fiscal.payments("voucher"):
        if t < month:
            continue
        hit = np.flatnonzero((m.scenarios.opener[scenarios] if owners else suppliers) == holder)
        if len(hit):
            return True, int(m.scenarios.key[scenarios[hit[0]]]), int(m.suppliers.key[suppliers[hit[0]]])
    return False, -1, -1


def adopters_by(m: ScenarioMarket, o: int, month: int) -> int:
    """Adopters of validated scenario ``o`` (pilot site included) by the end of ``month``."""
    if m.scenarios.month_validated[o] < 0 or m.scenarios.month_validated[o] > month:
        return 0
    t, scn, n, _ = m.adoption_log()
    return 1 + int(n[(scn == o) & (t <= month)].sum())


def project_happened(m: ScenarioMarket, lever: str, sup_key: int, scen_key: int, month: int) -> bool:
    """In run ``m``: did the funded project happen? For vouchers, grants and equity: the awardee's pilot
    of that scenario landed. For first purchase: the solution had a first buyer besides the pilot site
    within ``ANYWAY_WINDOW`` months of validation."""
    idx = np.flatnonzero(m.scenarios.key == scen_key)
    if len(idx) == 0:
        return False
    o = int(idx[0])
    if lever == "first_purchase":
        return adopters_by(m, o, month + ANYWAY_WINDOW) >= 2
    pil = m.pilots
    ran = np.isin(pil.status, (P_RUNNING, P_SUCCEEDED, P_FAILED))
    return bool(((pil.scenario == o) & (m.suppliers.key[pil.supplier] == sup_key) & ran).any())


def new_partner_pilots(m: ScenarioMarket) -> np.ndarray:
    """Landed pilots between an owner and a supplier with no earlier landed pilot between the two (the
    starting stock of validated pilots counts as earlier)."""
    pil = m.pilots
    ran = np.flatnonzero(np.isin(pil.status, (P_RUNNING, P_SUCCEEDED, P_FAILED)))
    ran = ran[np.lexsort((ran, pil.month_land[ran]))]  # in the order they landed
    pair = m.scenarios.opener[pil.scenario[ran]] * 2 ** 32 + pil.supplier[ran]
    return ran[np.unique(pair, return_index=True)[1]]


def _events_of(m: ScenarioMarket, owners: bool = False) -> Events:
    pil = m.pilots
    ran = np.isin(pil.status, (P_RUNNING, P_SUCCEEDED, P_FAILED))
    new = new_partner_pilots(m)
    new = new[pil.month_land[new] >= 0]  # the starting stock is history, not an event
    val = m.scenarios.month_validated >= 0
    if owners:  # applicants are owners: what happened in their scenarios
        okey = m.openers.key
        return Events((okey[m.scenarios.opener[pil.scenario[ran]]], pil.month_land[ran]),
                      (okey[m.scenarios.opener[val]], m.scenarios.month_validated[val]), None, None,
                      (okey[m.scenarios.opener[pil.scenario[new]]], pil.month_land[new]))
    landed = (m.suppliers.key[pil.supplier[ran]], pil.month_land[ran])
    validated = (m.suppliers.key[m.scenarios.supplier[val]], m.scenarios.month_validated[val])
    fin = m.levers["finance"] if "finance" in m.levers else None
    if fin is not None and fin.deals:
        private = (m.suppliers.key[np.concatenate([d[1] for d in fin.deals])],
                   np.concatenate([np.full(len(d[1]), d[0]) for d in fin.deals]),
                   np.concatenate([d[2] for d in fin.deals]))
    else:
        private = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    t, scn, _, paid = m.adoption_log()
    revenue = (m.suppliers.key[m.scenarios.supplier[scn]], t, paid)
    return Events(landed, validated, private, revenue, (m.suppliers.key[pil.supplier[new]], pil.month_land[new]))


# -- twins -----------------------------------------------------------------------------------------------
def _twin(context, args) -> dict:
    """A task of the executor: run the twin of one award and measure the awardee."""
    case, seed, lever, share, holder_key, month, scen_key, sup_key, last_month = args
    # a finished model is freed only by the cyclic collector, whose full passes are rare while the main run
    # stays alive: collect the previous twin now, or dead twins pile up (measured: bench/bench_memory.py)
    gc.collect()
    # a voucher holder denied its voucher would apply again: the twin treats it as a loser from then on
    rule = LotteryRule(lever, share, vetoes=frozenset({(holder_key, month)}), veto_onwards=lever == "vouchers")
    m = ScenarioMarket(case, seed=seed, lottery=rule)
    while m.running and m.t < last_month:
        m.step()
    # only the awardee's outcomes come back, not the twin's events: memory does not grow with the twins
    events = _events_of(m, demand_side(case, lever))
    return {"anyway": project_happened(m, lever, sup_key, scen_key, month) if scen_key >= 0 else None,
            "outcomes": {h: events.outcomes(holder_key, month, h) for h in HORIZONS}}


@contextlib.contextmanager
def _constant_group_ok():
    """scipy warns of "precision loss" when a group's values are all equal (its variance is then 0 up to
    rounding, e.g. an outcome no twin changed): the interval is still right (Welch's, from the other
    group's spread), so the warning, which users saw in such a ``scensim lottery``, is not shown."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Precision loss occurred in moment calculation", category=RuntimeWarning)
        yield


def _interval_diff(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Difference of means a − b with a Welch 95 % interval (NaN when a group has fewer than 2)."""
    if len(a) < 2 or len(b) < 2:
        return (float(a.mean() - b.mean()) if len(a) and len(b) else math.nan), math.nan, math.nan
    d = float(a.mean() - b.mean())
    if np.allclose(a, a[0]) and np.allclose(b, b[0]):
        return d, d, d
    with _constant_group_ok():
        ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    return d, float(ci.low), float(ci.high)


def _interval_mean(x: np.ndarray) -> tuple[float, float, float]:
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if len(x) < 2 or np.allclose(x, x[0]):
        return m, (m if len(x) > 1 else math.nan), (m if len(x) > 1 else math.nan)
    ci = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
    return m, float(ci.low), float(ci.high)


def run_lottery(case: Case, lever: str, seed: int = 0, share: float = 0.5, max_twins: int | None = None,
                workers: int = 1, progress=None, scheduler: str | None = None) -> dict[str, pd.DataFrame]:
    """Run the trial: the main run, then one twin per award (or ``max_twins`` of them, chosen at
    random). Returns the tables ``lottery_applicants``, ``lottery_awards`` and ``lottery_summary``."""
    if lever not in LOTTERY_LEVERS:
        raise InputError(None, "--lever", f"must be one of {', '.join(LOTTERY_LEVERS)}", lever)
    case = trial_case(case, lever)
    seed_run = run_seed(seed, 0)
    rule = LotteryRule(lever, share)
    m = ScenarioMarket(case, seed=seed_run, lottery=rule).run()
    T = m.calendar.n_months
    labels = m.calendar.labels
    owners = demand_side(case, lever)
    events = _events_of(m, owners)
    keys, kinds, names = (m.openers.key, m.openers.kind, OPENER_KINDS) if owners else \
        (m.suppliers.key, m.suppliers.kind, SUPPLIER_KINDS)
    who = "owner" if owners else "supplier"
    index = {int(k): i for i, k in enumerate(keys.tolist())}

    app_rows = []
    for key, (t0, win) in rule.assigned.items():
        row = {f"{who}_id": key, f"{who}_kind": names[kinds[index[key]]],
               "lottery_month": labels[t0], "winner": win}
        for h in HORIZONS:
            o = events.outcomes(key, t0, h)
            for k in OUTCOMES:
                row[f"{k}_{h}m"] = o[k] if t0 + h <= T - 1 else math.nan
        app_rows.append(row)
    applicants = pd.DataFrame(app_rows)

    awards = []
    for t0, s, o, amount in rule.awards:
        used, funded, funded_sup = _funded_scenario(m, lever, t0, s, o)
        awards.append({"month": labels[t0], "t": t0, f"{who}_id": int(keys[s]), f"{who}_kind": names[kinds[s]],
                       "funded_scenario_id": funded, "funded_supplier_id": funded_sup, "amount_cny": amount,
                       "used": used})
    order = np.argsort(m.draws.uniform("twin_pick", np.array([a[f"{who}_id"] for a in awards], dtype=np.int64),
                                       np.array([a["t"] for a in awards], dtype=np.int64))) if awards else []
    chosen = set(order[: (len(awards) if max_twins is None else max_twins)].tolist()) if awards else set()
    jobs = [(case, seed_run, lever, share, a[f"{who}_id"], a["t"], a["funded_scenario_id"], a["funded_supplier_id"],
             min(T - 1, a["t"] + max(HORIZONS))) for i, a in enumerate(awards) if i in chosen]
    which = [i for i in range(len(awards)) if i in chosen]
    with Executor(workers if len(jobs) > 1 else 1, scheduler) as ex:
        results = ex.map(_twin, jobs, progress=progress)
    for a in awards:
        a["twin"] = False
        a["happened_anyway"] = None
    for i, r in zip(which, results):
        a = awards[i]
        a["twin"] = True
        a["happened_anyway"] = r["anyway"] if a["used"] else None
        for h in HORIZONS:
            if a["t"] + h > T - 1:
                continue
            got = events.outcomes(a[f"{who}_id"], a["t"], h)
            twin = r["outcomes"][h]  # the twin's outcomes of this awardee (holder_key, month) = (id, t)
            for k in OUTCOMES:
                a[f"effect_{k}_{h}m"] = got[k] - twin[k]
    award_df = pd.DataFrame(awards).drop(columns="t") if awards else pd.DataFrame(
        columns=["month", f"{who}_id", f"{who}_kind", "funded_scenario_id", "funded_supplier_id", "amount_cny", "used",
                 "twin", "happened_anyway"])
    if len(award_df):
        award_df["happened_anyway"] = award_df["happened_anyway"].astype("boolean")
    return {"lottery_applicants": applicants, "lottery_awards": award_df,
            "lottery_summary": summarize_lottery(lever, applicants, award_df)}


def summarize_lottery(lever: str, applicants: pd.DataFrame, awards: pd.DataFrame) -> pd.DataFrame:
    rows = []

    def add(measure, horizon, est, low, high, n, note=""):
        rows.append({"lever": lever, "measure": measure, "horizon_months": horizon, "estimate": est, "low": low,
                     "high": high, "n": n, "note": note})

    win = applicants["winner"].to_numpy(dtype=bool) if len(applicants) else np.zeros(0, bool)
    add("applicants", None, float(len(applicants)), math.nan, math.nan, len(applicants))
    add("winners", None, float(win.sum()), math.nan, math.nan, len(applicants))
    add("awards", None, float(len(awards)), math.nan, math.nan, len(awards))
    if len(awards):
        used = awards["used"].to_numpy(dtype=bool)
        lo, hi = wilson(int((~used).sum()), len(used))
        add("share_unused", None, float((~used).mean()), lo, hi, len(used), "awards that were never used")
        measured = awards[awards["twin"] & awards["used"]]
        if len(measured):
            k = int(measured["happened_anyway"].astype(bool).sum())
            lo, hi = wilson(k, len(measured))
            add("share_happened_anyway", None, k / len(measured), lo, hi, len(measured),
                "funded project happened in the twin run without the award")
            add("additionality", None, 1 - k / len(measured), 1 - hi, 1 - lo, len(measured),
                "funded project did not happen without the award")
        twinned = awards[awards["twin"].astype(bool)]
        if len(twinned):
            used = twinned["used"].to_numpy(dtype=bool)
            anyway = twinned["happened_anyway"].fillna(False).to_numpy(dtype=bool)
            for name, k in (("awards_additional", int((used & ~anyway).sum())),
                            ("awards_deadweight", int((used & anyway).sum())), ("awards_unused", int((~used).sum()))):
                lo, hi = wilson(k, len(twinned))
                add(name, None, k / len(twinned), lo, hi, len(twinned), "share of awards with a twin run (the three sum to 1)")
    for h in HORIZONS:
        add_new_partner(add, applicants, win, h)
        for k in OUTCOMES:
            col = f"{k}_{h}m"
            if col not in applicants:
                continue
            a = applicants.loc[win, col].dropna().to_numpy(dtype=float)
            b = applicants.loc[~win, col].dropna().to_numpy(dtype=float)
            d, lo, hi = _interval_diff(a, b)
            add(f"winners_minus_losers.{k}", h, d, lo, hi, len(a) + len(b), f"{len(a)} winners, {len(b)} losers")
            col = f"effect_{k}_{h}m"
            if col in awards:
                x = awards[col].dropna().to_numpy(dtype=float)
                m, lo, hi = _interval_mean(x)
                add(f"award_effect_twin.{k}", h, m, lo, hi, len(x), "awardee's outcome minus its twin's")
    return pd.DataFrame(rows)


def add_new_partner(add, applicants: pd.DataFrame, win: np.ndarray, h: int) -> None:
    """The Creative-Credits-style measure at horizon ``h``: the likelihood of at least one new-partner
    project among winners and among losers, their difference and the relative increase."""
    col = f"new_partner_{h}m"
    if col not in applicants:
        return
    a = (applicants.loc[win, col].dropna().to_numpy(dtype=float) > 0).astype(float)
    b = (applicants.loc[~win, col].dropna().to_numpy(dtype=float) > 0).astype(float)
    if len(a) == 0 or len(b) == 0:
        return
    for name, x in (("new_partner_winners", a), ("new_partner_losers", b)):
        lo, hi = wilson(int(x.sum()), len(x))
        add(name, h, float(x.mean()), lo, hi, len(x), "share with a project with a new partner")
    d, lo, hi = _interval_diff(a, b)
    add("new_partner_difference", h, d, lo, hi, len(a) + len(b), f"{len(a)} winners, {len(b)} losers")
    rel, lo, hi = relative_increase(int(a.sum()), len(a), int(b.sum()), len(b))
    add("new_partner_relative", h, rel, lo, hi, len(a) + len(b), "winners' likelihood over losers' − 1")


def relative_increase(k1: int, n1: int, k0: int, n0: int) -> tuple[float, float, float]:
    """Risk ratio − 1 with a Katz log 95 % interval (NaN where a group has no event)."""
    if k1 == 0 or k0 == 0 or n1 == 0 or n0 == 0:
        return (math.nan if k0 == 0 else -1.0), math.nan, math.nan
    rr = (k1 / n1) / (k0 / n0)
    se = math.sqrt(1 / k1 - 1 / n1 + 1 / k0 - 1 / n0)
    return rr - 1, rr * math.exp(-1.96 * se) - 1, rr * math.exp(1.96 * se) - 1
