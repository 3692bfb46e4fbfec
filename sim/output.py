"""Writing results: tidy tables in Parquet and CSV, figures, a report and a manifest — atomically.

Everything is first written into a hidden folder inside the output folder, then each file is moved
into place with ``os.replace`` (atomic on one file system), the manifest last. A crash or Ctrl-C
therefore never leaves a half-written file under a final name, and files from an earlier run stay
intact until their replacement is complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .i18n import pick, t

TABLE_FORMATS = ("parquet", "csv")


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_synced(path: Path, write) -> None:
    write(path)
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def code_version() -> str:
    """Package version, plus the git commit when running from a checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5)
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--", str(here)],
                               capture_output=True, text=True, timeout=5)
        if out.returncode == 0:
            return f"{__version__}+g{out.stdout.strip()}{'.dirty' if dirty.stdout.strip() else ''}"
    except (OSError, subprocess.SubprocessError):
        pass
    return __version__


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def manifest(results) -> dict:
    case = results.case
    import mesa

    return {
        "case": case.id,
        "case_file": case.path,
        "case_sha256": file_sha256(case.path) if Path(case.path).exists() else None,
        "seed": results.seed,
        "replicates": results.replicates,
        "replicate_seeds": results.seeds,
        "parameters": {k: v.value for k, v in case.params.items()},
        "overridden": {k: v.value for k, v in case.params.items() if v.source.startswith(("--set", "override"))},
        "code_version": code_version(),
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "tables": {name: [f"{name}.{fmt}" for fmt in TABLE_FORMATS] for name in results.tables()},
    }


def write_bundle(out: Path, tables: dict[str, pd.DataFrame], files: dict[str, object] | None = None,
                 manifest_doc: dict | None = None) -> Path:
    """Write tables (Parquet and CSV) and other files atomically into ``out``; the manifest last.

    ``files`` maps a relative name to bytes/str, or to a function ``write(path)``.
    """
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        names: list[str] = []
        for name, df in tables.items():
            write_synced(tmp / f"{name}.parquet", lambda p, df=df: df.to_parquet(p, index=False, engine="pyarrow"))
            write_synced(tmp / f"{name}.csv", lambda p, df=df: df.to_csv(p, index=False))
            names += [f"{name}.parquet", f"{name}.csv"]
        for name, content in (files or {}).items():
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if callable(content):
                writer = content
            elif isinstance(content, bytes):
                writer = lambda p, c=content: p.write_bytes(c)  # noqa: E731
            else:
                writer = lambda p, c=content: p.write_text(c, encoding="utf-8")  # noqa: E731
            write_synced(target, writer)
            names.append(name)
        if manifest_doc is not None:
            write_synced(tmp / "manifest.json",
                        lambda p: p.write_text(json.dumps(manifest_doc, ensure_ascii=False, indent=2) + "\n",
                                               encoding="utf-8"))
            names.append("manifest.json")  # last: its presence means the set is complete
        for sub in sorted({str(Path(n).parent) for n in names} - {"."}):
            (out / sub).mkdir(parents=True, exist_ok=True)
        for n in names:
            os.replace(tmp / n, out / n)
        for d in sorted({out / Path(n).parent for n in names}):
            fsync_dir(d)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def write_results(results, out: Path, lang: str = "en", figures: bool = True) -> Path:
    """Write all of ``results`` into folder ``out`` (created if needed); returns ``out``."""
    files: dict[str, object] = {}
    if figures:
        from .figures import target_figures
        import matplotlib.pyplot as plt

        for tid, fig in target_figures(results.series, results.target_summary, results.case, lang).items():
            def save(p, fig=fig):
                fig.savefig(p, metadata={"Software": None})
                plt.close(fig)
            files[f"figures/{tid}.png"] = save
    files["report.md"] = report_markdown(results, lang, figures)
    return write_bundle(out, results.tables(), files, manifest(results))


# -- printed and written summaries ---------------------------------------------------------------
def num(x) -> str:
    """A count or quantile for people: whole numbers plainly, others to one decimal."""
    x = float(x)
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"


def target_rows(results, lang: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the target table: one replicate shows values, several show probabilities."""
    case = results.case
    label = {tg.id: pick(tg.zh, tg.en, lang) for tg in case.targets}
    if results.replicates == 1:
        head = [t("col_target", lang), t("col_period", lang), t("col_threshold", lang), t("col_value", lang),
                t("col_met", lang)]
        rows = []
        for _, r in results.targets.iterrows():
            all_years = pd.isna(r["year"])
            thr = t("all_years", lang).format(n=int(r["threshold"])) if all_years else num(r["threshold"])
            value = f"{num(r['value'])}/{num(r['threshold'])}" if all_years else num(r["value"])
            rows.append([label[r["target"]], r["period"], thr, value,
                         t("yes", lang) if r["met"] else t("no", lang)])
        return head, rows
    head = [t("col_target", lang), t("col_period", lang), t("col_threshold", lang), t("col_p", lang),
            t("col_median", lang), t("col_q", lang)]
    rows = []
    for _, r in results.target_summary.iterrows():
        all_years = pd.isna(r["year"])
        thr = t("all_years", lang).format(n=int(r["threshold"])) if all_years else num(r["threshold"])
        rows.append([label[r["target"]], r["period"], thr, f"{r['p_met']:.2f} [{r['p_low']:.2f}, {r['p_high']:.2f}]",
                     num(r["median"]), f"{num(r['q05'])}–{num(r['q95'])}"])
    return head, rows


def part_year_note(case, lang: str) -> str | None:
    for y in case.years:
        months = case.months_in_year(y)
        if months < 12 and case.part_year == "prorate":
            return t("part_year_note", lang).format(year=y, months=months)
    return None


def fiscal_rows(results, lang: str) -> tuple[list[str], list[list[str]]]:
    """Median spending per lever and year (CNY 10k), against the budget."""
    from .model import ScenarioMarket  # noqa: F401  (levers' labels)
    from .levers import LEVERS

    label = {L.name: pick(L.label_zh, L.label_en, lang) for L in LEVERS}
    f = results.fiscal
    case = results.case
    head = [t("lever", lang), t("col_period", lang), t("spent", lang), t("budget", lang)]
    rows = []
    per = f.groupby(["replicate", "year", "lever"], observed=True)["amount_cny"].sum().reset_index()
    for L in LEVERS:
        key = f"{L.name}.budget_cny_per_year"
        if key not in case.params:
            continue
        annual = case.params[key].value
        for y in case.years:
            v = per[(per["lever"] == L.name) & (per["year"] == y)].set_index("replicate")["amount_cny"]
            v = v.reindex(range(results.replicates), fill_value=0.0)
            budget = annual * case.months_in_year(y) / 12
            rows.append([label[L.name], str(y), f"{np.median(v) / 1e4:,.0f}", f"{budget / 1e4:,.0f}"])
    return head, rows


def _md_table(head, rows) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def report_markdown(results, lang: str, figures: bool) -> str:
    case = results.case
    head, rows = target_rows(results, lang)
    parts = [f"# {pick(case.name_zh, case.name_en, lang)}", "",
             f"{t('replicates', lang)}: {results.replicates} · {t('seed', lang)}: {results.seed} · "
             f"{case.start[0]}-{case.start[1]:02d} – {case.end[0]}-{case.end[1]:02d}", "",
             _md_table(head, rows), ""]
    note = part_year_note(case, lang)
    if note:
        parts += [note, ""]
    fh, fr = fiscal_rows(results, lang)
    parts += [f"## {t('fiscal', lang)}", "", _md_table(fh, fr), ""]
    if figures:
        for tg in case.targets:
            parts += [f"![{pick(tg.zh, tg.en, lang)}](figures/{tg.id}.png)", ""]
    return "\n".join(parts)
