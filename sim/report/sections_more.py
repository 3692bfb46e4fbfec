"""Report sections from the folders of ``compare``, ``lottery`` and ``sweep``, and a generic section
for any other command's folder (its tables and figures), so new commands appear without changes here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.base.errors import in_lang
from sim.report.document import Figure, Section, Table, figure, safe_name
from sim.report.i18n import pick, t
from sim.report.sources import Source

MAX_ROWS = 40  # rows of a generic or sweep table shown in the report (all rows are in the folder's files)


def compare_section(src: Source, lang: str) -> Section:
    from sim.analysis.compare import load_comparison
    from sim.report.charts import compare_p_figure, compare_spend_figure
    from sim.report.compare_tables import _key_periods, tables_for_print

    man = src.manifest
    cmp = load_comparison(man["experiment_file"], replicates=int(man["replicates"]), seed=int(man["seed"]))
    res = {"summary": src.table("compare_summary"), "targets": src.table("compare_targets"),
           "spend": src.table("compare_spend"), "fiscal": src.table("compare_fiscal"),
           "versus_baseline": src.table("compare_vs_baseline")}
    from sim.core.targets import joint_attainment

    res["joint"] = joint_attainment(res["targets"], group_cols=["mix"])  # P(all targets met together) per mix
    sec = Section(t("r_compare", lang).format(id=cmp.id)).add(t("r_compare_text", lang).format(n=cmp.replicates))
    mixes = [(m.id, pick(m.zh, m.en, lang)) for m in cmp.mixes]
    labels = {tg.id: pick(tg.zh, tg.en, lang) for tg in cmp.case.targets}
    last = [(tid, p) for tid, p in _key_periods(cmp) if p.isdigit()]
    sec.add(figure(f"compare_p_{safe_name(cmp.id)}", t("r_compare_p_fig", lang),
                   compare_p_figure(res["summary"], last, mixes, labels, lang)))
    sec.add(figure(f"compare_spend_{safe_name(cmp.id)}", t("r_compare_spend_fig", lang),
                   compare_spend_figure(res["fiscal"], mixes, lang)))
    for i, (title, head, rows, left) in enumerate(tables_for_print(cmp, res, lang)):
        sec.add(Table(f"compare_{safe_name(cmp.id)}_{i + 1}", title, head, rows, left=left))
    return sec


def lottery_section(src: Source, lang: str) -> Section:
    from sim.report.i18n import lottery_lever
    from sim.report.lottery_tables import lottery_rows

    man = src.manifest
    lever = str(man.get("lever", "?"))
    sec = Section(t("r_lottery", lang).format(lever=lottery_lever(lever, lang)))
    sec.add(t("r_lottery_text", lang).format(case=man.get("case", "?"), seed=man.get("seed", "?"),
                                             share=man.get("share", "?")))
    head, rows = lottery_rows(src.table("lottery_summary"), lang)
    sec.add(Table(f"lottery_{safe_name(lever)}", sec.title, head, rows, left=2))
    return sec


def sweep_section(src: Source, lang: str) -> Section:
    from sim.analysis.sweep_summary import summarize_folder
    from sim.report.analysis_figures import factor_label

    summary, man, notes = summarize_folder(src.folder, write=False)
    varied = list(man.get("varied", []))
    reps = man.get("replicates", "?")
    sec = Section(t("r_sweep", lang).format(id=man.get("experiment", src.folder.name)))
    sec.add(t("r_sweep_text", lang).format(kind=man.get("design", {}).get("kind", "?"),
                                           points=summary["point"].nunique(), reps=reps,
                                           varied=", ".join(varied) or "—", cap=MAX_ROWS))
    sec.add(*[in_lang(n, lang) for n in notes])
    tg = summary[summary["target"].notna()]
    if len(tg):
        last = tg.groupby("target")["period"].apply(lambda p: max(x for x in p if str(x).isdigit()) if any(
            str(x).isdigit() for x in p) else p.iloc[0])
        cols = [(tid, per) for tid, per in last.items()]
        names = target_names(man, lang)
        head = ([pick("设计点", "point", lang)] + [factor_label(v, lang) for v in varied[:4]]
                + [f"{names.get(tid, tid)} {per}" for tid, per in cols])
        rows = []
        for point, g in tg.groupby("point", sort=True):
            if len(rows) >= MAX_ROWS:
                break
            g = g.set_index(["target", "period"])
            first = g.iloc[0]
            cells = [str(point)] + [_short(first[v]) for v in varied[:4] if v in g.columns]
            for tid, per in cols:
                r = g.loc[(tid, per)]
                cells.append(f"{r['p_met']:.2f} [{r['p_low']:.2f}, {r['p_high']:.2f}]")
            rows.append(cells)
        sec.add(Table(f"sweep_{safe_name(src.folder.name)}", sec.title, head, rows, left=1))
    return sec


def national_section(src: Source, lang: str) -> Section:
    """A national run (``scensim run`` of a national case): each region's P(met) per target and period,
    the national totals per year and what crossed regions (branches, cash), with the flows it ran at."""
    from sim.core.national_case import FLOW_PARAMS
    from sim.report.national_tables import (branches_text, region_totals_table, target_head, target_rows,
                                            totals_table)

    man = src.manifest
    case_id = str(man.get("case", src.folder.name))
    sec = Section(pick(f"全国案例（{case_id}）", f"National case ({case_id})", lang))
    flows = man.get("flows", {})
    shown = "；".join if lang == "zh" else "; ".join
    flow_text = shown(f"{pick(FLOW_PARAMS[f'flows.{k}'].label_zh, FLOW_PARAMS[f'flows.{k}'].label_en, lang)} = {v:g}"
                      for k, v in flows.items() if f"flows.{k}" in FLOW_PARAMS)
    ids = [str(r) for r in man.get("regions", [])]
    named = man.get("region_names", {}) if isinstance(man.get("region_names"), dict) else {}
    label = {r: str((named.get(r) or {}).get(lang) or r) for r in ids}  # short names (folders before them: ids)
    regions = [label[r] for r in ids]
    sec.add(pick(f"各地区按各自的方案与考核期逐月同步运行，并有跨地区流动（{flow_text}）。地区：{'、'.join(regions)}；"
                 f"随机种子 {man.get('seed', '?')}，{man.get('replicates', '?')} 次重复。达标概率附 Wilson 95% 区间。",
                 f"The regions run month by month together, each on its own plan and horizon, with cross-region "
                 f"flows ({flow_text}). Regions: {', '.join(regions)}; seed {man.get('seed', '?')}, "
                 f"{man.get('replicates', '?')} replicate(s). P(met) with its Wilson 95 % interval.", lang))
    names = _national_target_names(src, lang)
    ts = src.table("target_summary")
    if len(ts):
        rows = [[label.get(str(region), str(region))] + row for region, g in ts.groupby("region", sort=False)
                for row in target_rows(g, names.get(str(region), {}), lang)]
        sec.add(Table(f"national_{safe_name(case_id)}_targets", pick("各地区达标概率", "P(met) by region", lang),
                      [pick("地区", "region", lang)] + target_head(lang), rows, left=3))
    no_plan = [label[r] for r in ids if r not in set(ts["region"].astype(str))] if len(ts) else regions
    if no_plan:
        sec.add(pick(f"没有自身方案（无考核目标）的地区：{'、'.join(no_plan)}。",
                     f"Regions without a plan of their own (no targets): {', '.join(no_plan)}.", lang))
    tot = src.table("totals_summary")
    if len(tot):
        title, head, rows = totals_table(tot, lang)
        sec.add(Table(f"national_{safe_name(case_id)}_totals", title, head, rows))
    by_region = src.table("region_totals") if "region_totals" in man.get("tables", {}) else None
    if by_region is not None and len(by_region):
        title, head, rows = region_totals_table(by_region, label, lang)
        sec.add(Table(f"national_{safe_name(case_id)}_region_totals", title, head, rows, left=2))
    runs = src.table("runs")
    if len(runs):
        sec.add(branches_text(runs, lang))
    return sec


def _national_target_names(src: Source, lang: str) -> dict:
    """Region → {target id → the target's name in ``lang``}, from the national case file named in the
    manifest; empty if it is not found (the table then shows ids)."""
    from sim.base.errors import InputError
    from sim.core.national_case import load_national

    path = next((p for p in (src.manifest.get("case_file"), src.manifest.get("case_file_abs"))
                 if p and Path(p).is_file()), None)
    if path is None:
        return {}
    try:
        nc = load_national(path)
    except InputError:
        return {}
    return {r.id: {tg.id: pick(tg.zh, tg.en, lang) for tg in r.case.targets} for r in nc.regions}


def target_names(man: dict, lang: str) -> dict:
    """Target id → its name in ``lang``, from the sweep's case file (a national sweep: its region's), else
    from the case recorded in its manifest; empty if neither has them (the table then shows ids)."""
    from sim.base.errors import InputError
    from sim.core.case import load_case

    for key in ("region_case_file", "region_case_file_abs", "case_file"):
        path = man.get(key)
        if path and Path(path).is_file():
            try:
                case = load_case(path)
            except InputError:  # a national case file: its targets are its regions'
                continue
            return {tg.id: pick(tg.zh, tg.en, lang) for tg in case.targets}
    # else the case as the sweep recorded it (its identity holds every target's wording): a folder read
    # from another directory than the one the sweep ran in, or moved to another machine
    case = man.get("identity", {}).get("case", {}) if isinstance(man.get("identity"), dict) else {}
    return {tg["id"]: pick(tg["zh"], tg["en"], lang) for tg in case.get("targets", []) or []
            if isinstance(tg, dict) and {"id", "zh", "en"} <= set(tg)}


def _short(x) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return f"{v:,.0f}" if abs(v) >= 1e5 else f"{v:.4g}"


def generic_section(src: Source, lang: str) -> Section:
    """Every table (CSV, else Parquet; first rows) and figure (SVG, else PNG) found in the folder."""
    command = src.command
    sec = Section(t("r_generic", lang).format(command=command, folder=src.folder.name))
    sec.add(t("r_generic_text", lang).format(command=command))
    names = sorted({p.stem for p in src.folder.glob("*.csv")} | {p.stem for p in src.folder.glob("*.parquet")})
    for name in names:
        df = src.table(name)
        shown = df.head(MAX_ROWS)
        note = t("r_generic_rows", lang).format(n=len(df), k=len(shown)) if len(df) > len(shown) else None
        rows = [[_cell(v) for v in r] for r in shown.itertuples(index=False)]
        text_cols = tuple(i for i, c in enumerate(df.columns)  # left-aligned: columns of names, not numbers
                          if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))
        sec.add(Table(f"{safe_name(command)}_{safe_name(name)}", name, [str(c) for c in df.columns], rows, note=note,
                      left=text_cols))
    figures = sorted(_figure_files(src.folder))
    drawn = src.manifest.get("lang")
    if figures and drawn in ("zh", "en") and drawn != lang:  # figures are copied as the command drew them
        sec.add(t("r_generic_figs_lang", lang).format(command=command, drawn=pick(
            {"zh": "中文", "en": "英文"}[drawn], {"zh": "Chinese", "en": "English"}[drawn], lang)))
    for p in figures:
        svg = p.with_suffix(".svg")
        png = p.with_suffix(".png")
        sec.add(Figure(f"{safe_name(command)}_{safe_name(p.stem)}", p.stem,
                       svg.read_bytes() if svg.exists() else b"", png.read_bytes() if png.exists() else b""))
    return sec


def _figure_files(folder: Path) -> set[Path]:
    files = [p for p in folder.rglob("*") if p.suffix in (".svg", ".png") and not p.name.startswith(".")
             and "report_files" not in p.parts]
    return {p.with_suffix("") for p in files}


def _cell(v) -> str:
    if isinstance(v, float):
        if pd.isna(v):
            return "—"
        return f"{v:,.4g}" if abs(v) < 1e5 else f"{v:,.0f}"
    return str(v)
