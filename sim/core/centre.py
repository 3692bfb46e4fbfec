"""The scenario-innovation promotion centre (场景创新促进中心): it solicits needs from openers, screens
them with limited staff and publishes them — and, when behind a published-count target, chases it.

Grounds. Hunan §(十三) "培育组建实体化运作的场景创新促进中心…对全省场景创新工作进行定期调度、跟踪问效和督导落实";
Hunan §(十二) "策划设计和遴选发布一批高价值、小切口的标志性应用场景项目"; Hubei §(二十) "常态化征集、遴选、发布",
"分领域制定场景遴选标准…筛选和优先级排序". No public figure gives a centre's staff, its screening
throughput or its cost: those are assumed — uncertain, with ranges (``centre.*`` parameters).

Decision rules (bounded rational, one month at a time):

* **Quality of a need.** Every need carries a quality ``q`` in [0, 1] (its owner's commitment and how
  clear its requirement is), drawn uniform — ``q`` is the need's rank among needs, so a screening bar
  ``b`` lets through the share ``1 − b``. The standard bar of a tier is ``1 − selection.pass_rate`` of
  that tier, so the pass rates keep their meaning. A need opened under pressure (an SOE filling a quota,
  an opener pressed by the centre) is a marginal one: its quality is scaled by ``needs.pressed_quality``
  (assumed — uncertain; 1 = no cost).
* **Consequence of quality (an outcome, not an effect typed in).** When a matched pilot is due to be
  contracted the owner follows through with probability ``c = m + (1 − m) q`` (``m`` =
  ``needs.min_commitment``); otherwise it walks away and the need is withdrawn. Low-quality needs are
  therefore landed less and withdrawn more — whatever bar or pressure let them in.
* **Capacity.** The centre screens at most ``staff × needs_per_staff_month`` needs a month, with
  ``staff`` cut to what its budget pays (``budget_cny_per_year / 12 / cost_cny_per_staff_month``).
  Needs beyond that wait in a queue (oldest first; needs located in designated pilot-zone cities first:
  Hunan §(十一) 政策集中支持). Its staff cost is public money (from ``treasury:centre`` to the economy).
* **Screening.** The centre assesses each need's quality with an error (``centre.assessment_sd``) and
  selects those whose assessed quality clears the bar.
* **Chasing a target** (``centre.chase``: 0 none, 1 solicit, 2 lower_bar). For each target on the
  ``published`` metric, the centre compares what it has published (plus what it has selected and not
  yet released) with the target's path pro-rated by month. When behind, it works out the monthly rate
  that would still meet the threshold by the period's end and how far its expected throughput at the
  standard bar falls short (a multiple ``k``; the inflow it expects is what openers put forward of
  their own accord over the last three months — an adaptive expectation). Under
  *solicit* it asks openers of the target's tier for more: their rate × min(k, ``centre.solicit_max``)
  (the part above their own propensity is pressed, so lower quality) — unless its queue already holds
  a month's work (it knows its own backlog). Under *lower_bar* it lowers the
  tier's bar so that ``k`` times the standard share passes, but never below ``centre.bar_floor``.

What the targets took is reported per target year (:meth:`PromotionCentre.report`): the count on paper
(published) and in substance (published and later landed), the share landed and withdrawn, the mean
quality published, the staff-months and the yuan spent, and the needs pressed out of openers.
"""

from __future__ import annotations

import numpy as np

from sim.base.sets import among
from sim.base.vocab import TIERS, State
from sim.params.registry import SHARE, Param

L, U = "lever", "uncertainty"
CHASE = ("none", "solicit", "lower_bar")

PARAMS = [
    Param("centre.staff", L, float, "staff", (0.0, 1000.0), "Centre staff screening and publishing", "促进中心遴选发布人员",
          "Full-time staff the centre puts on soliciting, screening and publishing needs."),
    Param("centre.budget_cny_per_year", L, float, "CNY/year", (0.0, 1e10), "Centre budget", "促进中心经费",
          "What the centre may spend on that staff a year; staff beyond it are not employed."),
    Param("centre.chase", L, int, "0 none · 1 solicit · 2 lower_bar", (0, 2), "Centre's behaviour when behind a target",
          "落后于目标时的做法", "0: none (keeps its bar and asks no more); 1: solicits harder (asks openers for more "
          "needs); 2: lowers its screening bar."),
    Param("centre.solicit_max", U, float, "× own propensity", (1.0, 20.0), "Most openers give when pressed",
          "加力征集上限", "How far openers raise their opening rate when the centre asks harder (a multiple)."),
    Param("centre.bar_floor", L, float, "quality", SHARE, "Lowest screening bar", "遴选门槛下限",
          "The lowest quality the centre will still publish when lowering its bar."),
    Param("centre.needs_per_staff_month", U, float, "needs/staff-month", (0.1, 1000.0), "Screening throughput",
          "人均月遴选量", "Needs one staff member solicits, screens and prepares for release in a month."),
    Param("centre.cost_cny_per_staff_month", U, float, "CNY/staff-month", (0.0, 1e7), "Cost of a staff-month",
          "人员月成本", "Salary and overheads of one staff member for a month."),
    Param("centre.assessment_sd", U, float, "quality", (0.0, 1.0), "Screening error", "遴选误差",
          "Standard deviation of the centre's assessment of a need's quality."),
    Param("needs.min_commitment", U, float, "probability", SHARE, "Commitment of the weakest need", "最低需求方承诺",
          "Chance the owner of the lowest-quality need follows through to a contract once matched (the best: 1)."),
    Param("needs.pressed_quality", U, float, "share", SHARE, "Quality of pressed needs", "被动开放需求质量",
          "Quality of a need opened under pressure (a quota or the centre's asking) relative to one opened "
          "of the owner's own accord (1: no difference)."),
]


class PromotionCentre:
    """The centre's capacity, budget, bar and behaviour towards published-count targets."""

    def __init__(self, model):
        self.model = model
        p = model.params
        self.p = {k.split(".", 1)[1]: v for k, v in p.items() if k.startswith("centre.")}
        self.chase = CHASE[int(self.p["chase"])]
        self.std_bar = 1.0 - model.tier_pass_rate  # per tier: the standard bar
        self.bar = self.std_bar.copy()
        self.pressure = np.ones(len(TIERS))  # per tier: the centre's asking, a multiple of openers' own rate
        self.targets = [tg for tg in model.case.targets if tg.metric == "published"]
        n = model.calendar.n_months
        self.staff_months = np.zeros(n)  # staff-months worked each month
        self.screened = np.zeros(n, dtype=np.int64)
        self.backlog = np.zeros(n, dtype=np.int64)  # needs waiting to be screened at the month's end
        self.cost = np.zeros(n)
        self.behind = np.zeros(n, dtype=bool)

    def __repr__(self) -> str:
        return f"PromotionCentre(chase={self.chase}, staff={self.staff:g}, capacity={self.capacity:g}/month)"

    # -- capacity ------------------------------------------------------------------------------------
    @property
    def staff(self) -> float:
        """Staff employed: as planned, cut to what the budget pays."""
        cost = self.p["cost_cny_per_staff_month"]
        affordable = self.p["budget_cny_per_year"] / 12.0 / cost if cost > 0 else float("inf")
        return float(min(self.p["staff"], affordable))

    @property
    def capacity(self) -> float:
        """Needs the centre can screen a month."""
        return self.staff * self.p["needs_per_staff_month"]

    # -- chasing a target ----------------------------------------------------------------------------
    def plan_month(self) -> None:
        """Set this month's asking (``pressure``) and screening bar (``bar``) from where the centre stands
        against its published-count targets."""
        m = self.model
        self.pressure[:] = 1.0
        self.bar[:] = self.std_bar
        if self.chase == "none" or not self.targets:
            return
        expected = self.expected_inflow() * (1.0 - self.std_bar)  # selections a month at the standard bar
        for tg in self.targets:
            tiers = np.array([TIERS.index(tg.tier)]) if tg.tier else np.arange(len(TIERS))
            need_rate = self._shortfall(tg, tiers)
            if need_rate is None:
                continue
            exp = float(expected[tiers].sum())
            k = need_rate / exp if exp > 0 else float("inf")
            if k <= 1.0:
                continue
            self.behind[m.t] = True
            if self.chase == "solicit":
                if m.t > 0 and self.backlog[m.t - 1] >= self.capacity:
                    continue  # its queue already holds a month's work: asking for more would not publish more
                self.pressure[tiers] = np.maximum(self.pressure[tiers], min(k, self.p["solicit_max"]))
            else:
                share = np.minimum(1.0, (1.0 - self.std_bar[tiers]) * k)
                self.bar[tiers] = np.minimum(self.bar[tiers], np.maximum(1.0 - share, self.p["bar_floor"]))

    def expected_inflow(self, window: int = 3) -> np.ndarray:
        """Needs a month, per tier, the centre expects openers to put forward of their own accord: what
        reached it unpressed over the last ``window`` months (adaptive expectation), or — in the first
        month — openers' own propensities."""
        m = self.model
        if m.t < 1:
            return m.own_opening_rates().sum(axis=0)
        s = m.scenarios
        lo = max(m.t - window, 0)
        recent = (s.month_solicited >= lo) & (s.month_solicited < m.t) & ~s.pressed
        return np.bincount(s.tier[recent], minlength=len(TIERS)) / float(m.t - lo)

    def _shortfall(self, tg, tiers) -> float | None:
        """(selections needed a month from now on to meet the threshold) when behind the pro-rated path;
        None when on or ahead of it, or when no year of the target is still ahead."""
        from sim.core.targets import threshold_for

        m = self.model
        cal, t = m.calendar, m.t
        year = cal.year(t)
        if tg.kind == "per_year":
            thr = threshold_for(m.case, tg, year)
            if thr is None:
                return None
            months = np.flatnonzero(cal.year_of == year)
        else:
            later = [y for y in tg.years if y >= year]
            if not later:
                return None
            thr = threshold_for(m.case, tg, later[0])
            months = np.flatnonzero(cal.year_of <= later[0])
        start, end = int(months[0]), int(months[-1])
        s = m.scenarios
        in_tier = among(s.tier, tiers)
        published = in_tier & (s.month_published >= start)
        pipeline = in_tier & (s.state == State.SELECTED) & (s.ready_month <= end)  # released in time
        done = int(published.sum() + pipeline.sum())
        path = thr * (t - start) / (end - start + 1)  # pro-rated path at the start of this month
        if done >= path or done >= thr:
            return None
        return float(thr - done) / (end - t + 1)

    # -- screening -----------------------------------------------------------------------------------
    def screen(self) -> tuple[np.ndarray, np.ndarray]:
        """Screen the queue within capacity; returns (selected, rejected) scenario indices."""
        m = self.model
        s = m.scenarios
        queue = np.flatnonzero(s.state == State.SOLICITED)
        staff = self.staff
        cap = int(np.floor(self.capacity + 1e-9))
        zone = m.zones.zone_city[s.city[queue]] if len(queue) else np.zeros(0, dtype=bool)
        order = np.lexsort((s.key[queue], s.month_solicited[queue], ~zone))  # zone cities first, then oldest
        take = queue[order[:cap]]
        self.staff_months[m.t] = staff
        self.screened[m.t] = len(take)
        self.backlog[m.t] = len(queue) - len(take)
        cost = staff * self.p["cost_cny_per_staff_month"]
        self.cost[m.t] = cost
        m.money.move("treasury:centre", "economy", cost)
        if len(take) == 0:
            return take, take
        seen = s.quality[take] + m.draws.normal("assess", s.key[take], scale=self.p["assessment_sd"])
        ok = seen >= self.bar[s.tier[take]]
        return take[ok], take[~ok]

    # -- reporting -----------------------------------------------------------------------------------
    def report(self) -> list[dict]:
        """Per published-count target and year: met on paper versus met in substance, and the effort.

        Columns: ``target``, ``year``, ``threshold``, ``published`` (on paper), ``landed`` (of those, landed
        by the run's end — in substance), ``landed_share``, ``withdrawn_share``, ``mean_quality``,
        ``pressed_share`` (needs pressed out of openers), ``staff_months``, ``centre_cost_cny``,
        ``months_behind``."""
        from sim.core.targets import threshold_for

        m = self.model
        s, cal = m.scenarios, m.calendar
        rows = []
        for tg in self.targets:
            tiers = np.array([TIERS.index(tg.tier)]) if tg.tier else np.arange(len(TIERS))
            for y in m.case.years:
                thr = threshold_for(m.case, tg, y)
                if thr is None:
                    continue
                months = np.flatnonzero(cal.year_of == y) if tg.kind == "per_year" else np.flatnonzero(cal.year_of <= y)
                lo, hi = int(months[0]), int(months[-1])
                pub = np.flatnonzero(np.isin(s.tier, tiers) & (s.month_published >= lo) & (s.month_published <= hi))
                n = len(pub)
                landed = int((s.month_landed[pub] >= 0).sum())
                withdrawn = int((s.month_withdrawn[pub] >= 0).sum())
                rows.append({"target": tg.id, "year": y, "threshold": thr, "published": n, "landed": landed,
                             "landed_share": landed / n if n else float("nan"),
                             "withdrawn_share": withdrawn / n if n else float("nan"),
                             "mean_quality": float(s.quality[pub].mean()) if n else float("nan"),
                             "pressed_share": float(s.pressed[pub].mean()) if n else float("nan"),
                             "staff_months": float(self.staff_months[months].sum()),
                             "centre_cost_cny": float(self.cost[months].sum()),
                             "months_behind": int(self.behind[months].sum())})
        return rows

    def summary(self) -> dict:
        """For the run's summary: totals (``centre_*``) and, per published-count target and year, paper
        versus substance (``centre.<target>.<year>.<column of report()>``)."""
        out = {f"centre.{r['target']}.{r['year']}.{k}": v for r in self.report() for k, v in r.items()
               if k not in ("target", "year", "threshold")}
        return out | {"centre_staff_months": float(self.staff_months.sum()), "centre_cost_cny": float(self.cost.sum()),
                "centre_screened": int(self.screened.sum()), "centre_backlog_end": int(self.backlog[-1]),
                "centre_months_behind": int(self.behind.sum())}
