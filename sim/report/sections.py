"""Sections of the report made from a ``scensim run`` folder: the question and case, levers and
assumptions with sources, target attainment (per target and all together), fan charts, the funnel,
fiscal cost, and the method notes with run metadata."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.funnel import funnel
from sim.base.errors import InputError
from sim.base.numbers import value
from sim.core.case import Case, load_case
from sim.core.metrics import METRICS
from sim.core.registry import REGISTRY
from sim.core.targets import joint_attainment, threshold_for
from sim.report.document import Figure, Section, Table, figure
from sim.report.i18n import count, money, pick, t
from sim.report.sources import Source


@dataclass
class RunView:
    """What the report needs of a run folder (the attributes ``sim.report.output``'s tables read)."""

    case: Case
    manifest: dict
    seed: int
    replicates: int
    target_summary: pd.DataFrame
    targets: pd.DataFrame
    series: pd.DataFrame
    fiscal: pd.DataFrame
    folder: Path | None = None
    public_cost: pd.DataFrame | None = None  # per replicate and year (sim.core.money); None in older folders


def load_run(src: Source) -> RunView:
    man = src.manifest
    case_file = Path(man.get("case_file") or "")
    if not case_file.exists() and man.get("case_file_abs"):
        case_file = Path(man["case_file_abs"])
    if not case_file.is_file():
        raise InputError(src.folder / "manifest.json", "case_file", "the case file of this run is not found from the "
                         "current folder; run scensim report from where the run was made", str(case_file))
    case = load_case(case_file)
    if man.get("overridden"):
        case = case.with_params(man["overridden"], origin="--set")
    from sim.report.figures import figure_rows  # the series rows the report draws: not the whole table
    return RunView(case, man, int(man.get("seed", 0)), int(man.get("replicates", 1)), src.table("target_summary"),
                   src.table("targets"), src.table_rows("series", lambda s: figure_rows(s, case)), src.table("fiscal"), src.folder,
                   src.table("public_cost") if src.has("public_cost") else None)




def question_section(run: RunView, lang: str) -> Section:
    case = run.case
    name = pick(case.name_zh, case.name_en, lang)
    sec = Section(t("r_question", lang))
    sec.add(t("r_question_text", lang).format(plan=name),
            t("r_case_facts", lang).format(case=case.id, doc=pick(case.document_zh or case.document, case.document, lang), start=f"{case.start[0]}-{case.start[1]:02d}",
                                           end=f"{case.end[0]}-{case.end[1]:02d}", n=run.replicates, seed=run.seed),
            t("r_levers_where", lang))
    rows = []
    for tg in case.targets:
        thr = [threshold_for(case, tg, y) for y in case.years]
        thr_text = " / ".join(f"{y}: {count(v, lang)}" for y, v in zip(case.years, thr) if v is not None)
        rows.append([pick(tg.zh, tg.en, lang), tg.text, t("per_year" if tg.kind == "per_year" else "cumulative_kind", lang),
                     thr_text, ", ".join(str(y) for y in tg.years)])
    sec.add(Table("targets", t("r_targets", lang), list(t("r_target_cols", lang)), rows, left=3))
    return sec


def levers_section(run: RunView, lang: str) -> Section:
    from sim.base.vocab import unit_label

    case = run.case
    sec = Section(t("r_levers", lang)).add(t("r_levers_text", lang))
    for kind, key, name in (("lever", "r_lever_table", "levers"), ("uncertainty", "r_uncertainty_table", "assumptions")):
        rows = []
        for pname in REGISTRY.names(kind):
            if pname not in case.params:
                continue
            p, spec = case.params[pname], REGISTRY[pname]
            rng = "" if p.lo == p.hi or isinstance(p.value, bool) else f"{value(p.lo)} – {value(p.hi)}"
            rows.append([pname, pick(spec.label_zh, spec.label_en, lang) or pname, value(p.value), rng,
                         unit_label(p.unit or spec.unit or "", lang), p.source])
        sec.add(Table(name, t(key, lang), list(t("r_param_cols", lang)), rows, left=(0, 1, 4, 5)))
    return sec


def attainment_section(run: RunView, lang: str) -> Section:
    from sim.report.tables import part_year_note, target_rows

    head, rows = target_rows(run, lang)
    sec = Section(t("r_attainment", lang)).add(t("r_attainment_text", lang))
    notes = [n for n in (part_year_note(run.case, lang),
                         t("all_years_note", lang) if any(not str(r[1]).isdigit() for r in rows) else None) if n]
    sec.add(Table("target_attainment", t("r_attainment", lang), head, rows, note=" ".join(notes) or None, left=2))
    if run.replicates > 1:
        joint = joint_attainment(run.targets)
        jrows = []
        for r in joint.itertuples():
            jrows.append([t("r_joint_all", lang) if r.period == "all" else r.period, count(r.threshold, lang),
                          f"{r.p_met:.2f} [{r.p_low:.2f}, {r.p_high:.2f}]", count(r.median, lang),
                          f"{count(r.q05, lang)}–{count(r.q95, lang)}"])
        sec.add(Table("all_targets", t("r_joint", lang), list(t("r_joint_cols", lang)), jrows))
    return sec


def reuse_or_draw(run: RunView, lang: str, file_stem: str, name: str, caption: str, make) -> Figure:
    """The run's own figure ``figures/<file_stem>.svg/.png`` if it was drawn in this language (``scensim run``
    just drew it with the same function), else ``make()`` drawn now."""
    if run.folder is not None and run.manifest.get("lang") == lang:
        svg, png = run.folder / "figures" / f"{file_stem}.svg", run.folder / "figures" / f"{file_stem}.png"
        if svg.exists() and png.exists():
            return Figure(name, caption, svg.read_bytes(), png.read_bytes())
    return figure(name, caption, make())


def fans_section(run: RunView, lang: str) -> Section:
    from sim.report.figures import overview_figure, target_figure

    def drawn(name, caption, make):
        return reuse_or_draw(run, lang, name, f"target_{name}" if name != "overview" else name, caption, make)

    sec = Section(t("r_fans", lang)).add(t("r_fans_text", lang))
    sec.add(drawn("overview", t("r_overview", lang),
                  lambda: overview_figure(run.series, run.target_summary, run.case, lang)))
    for tg in run.case.targets:
        sec.add(drawn(tg.id, pick(tg.zh, tg.en, lang),
                      lambda tg=tg: target_figure(run.series, run.target_summary, run.case, tg, lang)))
    return sec


def funnel_section(run: RunView, lang: str) -> Section:
    from sim.report.charts import funnel_figure

    fun = funnel(run.series)
    sec = Section(t("r_funnel", lang)).add(t("r_funnel_text", lang))
    sec.add(reuse_or_draw(run, lang, "funnel", "funnel", t("funnel_title", lang), lambda: funnel_figure(fun, lang)))
    label = {s: pick(METRICS[s].label_zh, METRICS[s].label_en, lang) for s in fun["stage"].unique()}
    for year, g in fun.groupby("year", sort=True):
        g = g.reset_index(drop=True)
        shares = g["share_of_previous"]
        if shares.notna().any():
            i = int(shares.idxmin())
            sec.add(t("r_bottleneck", lang).format(year=year, a=label[g.loc[i - 1, "stage"]], b=label[g.loc[i, "stage"]],
                                                   share=f"{shares[i]:.0%}"))
    rows = [[str(r.year), pick(METRICS[r.stage].label_zh, METRICS[r.stage].label_en, lang), f"{r.mean:,.1f}",
             f"{count(r.q05, lang)}–{count(r.q95, lang)}",
             "" if np.isnan(r.share_of_previous) else f"{r.share_of_previous:.0%}"] for r in fun.itertuples()]
    sec.add(Table("funnel", t("r_funnel", lang), list(t("r_funnel_cols", lang)), rows, left=2))
    return sec


def fiscal_section(run: RunView, lang: str) -> Section:
    from sim.report.charts import fiscal_figure
    from sim.report.tables import fiscal_values

    sec = Section(t("r_fiscal", lang))
    f = run.fiscal
    per_rep = f.groupby("replicate")["amount_cny"].sum().reindex(range(run.replicates), fill_value=0.0)
    sec.add(t("r_total_fiscal", lang).format(mean=money(per_rep.mean(), lang), lo=money(per_rep.quantile(0.05), lang),
                                             hi=money(per_rep.quantile(0.95), lang)))
    if len(f) and f["amount_cny"].abs().sum() > 0:
        sec.add(reuse_or_draw(run, lang, "fiscal", "fiscal", t("fiscal_title", lang),
                              lambda: fiscal_figure(f, run.replicates, lang)))
    rows = [[lever, str(y), money(spent, lang), money(budget, lang)] for lever, y, spent, budget in fiscal_values(run, lang)]
    sec.add(Table("fiscal", t("r_fiscal_table", lang), list(t("r_fiscal_cols", lang)), rows, left=2))
    mean_spend = float(per_rep.mean())
    unit_cost = "r_unit_cost"
    if run.public_cost is not None and len(run.public_cost):
        from sim.report.money_tables import public_cost_rows

        title, head, rows = public_cost_rows(run, lang)
        sec.add(t("r_public_cost_text", lang))
        sec.add(Table("public_cost", title, head, rows, left=1))
        total = run.public_cost.groupby("replicate")["total_public_cost_cny"].sum()
        mean_spend, unit_cost = float(total.mean()), "r_unit_public_cost"
    urows = []
    for tg in run.case.targets:
        tt = run.targets[(run.targets["target"] == tg.id) & run.targets["year"].notna()]
        if tg.kind == "per_year":
            attained = tt.groupby("replicate")["value"].sum().mean()
        else:
            attained = tt[tt["year"] == tt["year"].max()]["value"].mean()
        unit = pick(METRICS[tg.metric].unit_zh, METRICS[tg.metric].unit_en, lang)
        urows.append([pick(tg.zh, tg.en, lang), f"{count(round(float(attained), 1), lang)} {unit}", money(mean_spend, lang),
                      money(mean_spend / attained, lang) if attained > 0 else "—"])
    sec.add(t(f"{unit_cost}_text", lang))
    sec.add(Table("cost_per_unit", t(unit_cost, lang), list(t(f"{unit_cost}_cols", lang)), urows))
    return sec


def table_hashes(folder: Path) -> list[tuple[str, str]]:
    """SHA-256 of every table file in ``folder`` (Parquet and CSV), sorted by name."""
    out = []
    for p in sorted(folder.glob("*.parquet")) + sorted(folder.glob("*.csv")):
        out.append((p.name, hashlib.sha256(p.read_bytes()).hexdigest()[:16]))
    return out


META_ZH = {"case": "案例", "experiment": "实验", "seed": "随机种子", "replicates": "重复次数",
           "code_version": "代码版本", "case_sha256": "案例文件 SHA-256", "experiment_sha256": "实验文件 SHA-256",
           "replicate_seeds": "各次重复的随机种子"}


def method_section(sources: list[Source], lang: str) -> Section:
    import platform

    import mesa

    from sim.base.files import code_version

    sec = Section(t("r_method", lang)).add(t("r_method_text", lang))
    rows = [["scensim", code_version()], ["Python", platform.python_version()], ["Mesa", mesa.__version__],
            ["numpy", np.__version__], ["pandas", pd.__version__]]
    def item(folder: str, key: str) -> str:  # in Chinese with the manifest's key, which the files use
        zh = META_ZH.get(key)
        return f"{folder}：{zh}（{key}）" if lang == "zh" and zh else f"{folder}: {key}"

    for s in sources:
        m = s.manifest
        for key in ("case", "experiment", "seed", "replicates", "code_version", "case_sha256", "experiment_sha256"):
            if key in m and not isinstance(m[key], (dict, list)):
                rows.append([item(s.folder.name, key), str(m[key])])
        seeds = m.get("replicate_seeds")
        if isinstance(seeds, list) and seeds:
            shown = ", ".join(str(x) for x in seeds[:3]) + (f", … ({len(seeds)})" if len(seeds) > 3 else "")
            rows.append([item(s.folder.name, "replicate_seeds"), shown])
    sec.add(Table("metadata", t("r_method", lang), list(t("r_meta_cols", lang)), rows))
    hrows = [[s.folder.name, name, h] for s in sources for name, h in table_hashes(s.folder)]
    if hrows:
        sec.add(Table("table_hashes", t("r_hashes", lang), list(t("r_hash_cols", lang)), hrows, left=2))
    return sec


def run_sections(src: Source, lang: str) -> tuple[list[Section], RunView]:
    """A run's sections, results first. Its levers and assumptions (every parameter with its source, ten
    pages for Hunan) are :func:`levers_section`, which the report puts after all results."""
    run = load_run(src)
    return [question_section(run, lang), attainment_section(run, lang),
            fans_section(run, lang), funnel_section(run, lang), fiscal_section(run, lang)], run
