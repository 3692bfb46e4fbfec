"""``scensim report``: result folders → one :class:`Document` → a self-contained HTML file, a PDF, and
every table as CSV and LaTeX (for papers) and every figure as SVG and PNG.

    build_report(["results/hunan_2026_2028", "results/hunan_policy_mixes"], lang="zh",
                 out="results/hunan_2026_2028/report.html")

writes ``report.html``, ``report.pdf`` and ``report_files/{tables,figures}/`` next to it, each file
atomically (a temporary name, then renamed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sim.base.files import code_version, write_bundle, write_file_atomic
from sim.report.document import Document, Section
from sim.report.i18n import pick, t
from sim.report.sources import Source, detect


@dataclass
class Report:
    html: Path
    pdf: Path
    files: Path
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def make_document(sources: list[Source], lang: str) -> Document:
    """The report's content from result folders, in order: run sections first, then national, compare,
    lottery, sweep and other commands' folders, then each run's levers and assumptions (its parameters,
    the longest tables), then the method notes."""
    from sim.report.sections import levers_section, method_section, run_sections
    from sim.report.sections_more import (compare_section, generic_section, lottery_section, national_section,
                                          sweep_section)

    sections: list[Section] = []
    appendix: list[Section] = []  # each run's levers and assumptions: after every result, before the method notes
    title = None
    runs = [s for s in sources if s.kind == "run"]
    for src in runs:
        secs, run = run_sections(src, lang)
        lev = levers_section(run, lang)
        if len(runs) > 1:  # several runs: each section says whose it is (the headings were the same)
            for sec in (*secs, lev):
                sec.title += pick(f"（{src.folder.name}）", f" ({src.folder.name})", lang)
        sections += secs
        appendix.append(lev)
        title = title or t("r_title", lang).format(name=pick(run.case.name_zh, run.case.name_en, lang))
    builders = {"compare": compare_section, "lottery": lottery_section, "sweep": sweep_section,
                "national": national_section, "generic": generic_section}
    for kind in ("national", "compare", "lottery", "sweep", "generic"):
        for src in [s for s in sources if s.kind == kind]:
            sections.append(builders[kind](src, lang))
    sections += appendix
    sections.append(method_section(sources, lang))
    if title is None:
        m = sources[0].manifest
        named = pick(m.get("name_zh"), m.get("name_en"), lang) if m.get("name_zh") and m.get("name_en") else None
        title = t("r_title", lang).format(name=str(named or m.get("experiment") or m.get("case") or sources[0].folder.name))
    return Document(title, t("r_generated", lang).format(version=code_version()), lang, sections)


def report_paths(folders: list, out=None) -> tuple[Path, Path, Path]:
    """(html, pdf, files folder) for ``--out`` (a .html or .pdf name, or a stem; an existing folder: its
    ``report``), default ``<first folder>/report``."""
    stem = Path(out) if out else Path(folders[0]) / "report"
    if out and stem.is_dir():  # "--out results/reports": into the folder, as one would expect, not beside it
        stem = stem / "report"
    if stem.suffix.lower() in (".html", ".htm", ".pdf"):
        stem = stem.with_suffix("")
    # append, never replace: "hunan_v1.2" or "plan.2026" must not lose what follows the last dot
    return stem.parent / f"{stem.name}.html", stem.parent / f"{stem.name}.pdf", stem.parent / f"{stem.name}_files"


def table_files(doc: Document) -> dict[str, object]:
    """Each table the report shows as ``tables/<name>.csv`` and ``tables/<name>.tex`` (pandas ``to_latex``)."""
    files: dict[str, object] = {}
    seen: dict[str, int] = {}
    for tab in doc.tables():
        k = seen[tab.name] = seen.get(tab.name, 0) + 1
        name = tab.name if k == 1 else f"{tab.name}_{k}"
        df = tab.frame()
        files[f"tables/{name}.csv"] = df.to_csv(index=False)
        align = "".join("l" if i in tab.text_columns() else "r" for i in range(len(tab.head)))
        files[f"tables/{name}.tex"] = df.to_latex(index=False, caption=tab.title, label=f"tab:{name}", escape=True,
                                                   column_format=align)
    seen_figs: dict[str, int] = {}
    for fig in doc.figures():  # two run folders draw figures of the same names: keep both, as for tables
        k = seen_figs[fig.name] = seen_figs.get(fig.name, 0) + 1
        name = fig.name if k == 1 else f"{fig.name}_{k}"
        if fig.svg:
            files[f"figures/{name}.svg"] = fig.svg
        if fig.png:
            files[f"figures/{name}.png"] = fig.png
    return files


def build_report(folders: list, lang: str = "en", out=None) -> Report:
    """Write the report of ``folders`` (see the module docstring); returns the paths and Typst's warnings."""
    from sim.report.html import render_html
    from sim.report.pdf import render_pdf

    start = time.perf_counter()
    # a folder named twice is reported once (its sections twice over, under the same headings, said nothing more)
    folders = list({Path(f).resolve(): f for f in reversed(list(folders))}.values())[::-1]
    sources = [detect(f) for f in folders]
    doc = make_document(sources, lang)
    html_path, pdf_path, files_dir = report_paths(folders, out)
    pdf, warnings = render_pdf(doc)
    html = render_html(doc)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    # the report's tables are a set of their own; the HTML and PDF are added to the folder they report on
    # (replacing an earlier report), each written atomically, never replacing the folder's results
    write_bundle(files_dir, {}, table_files(doc), {"command": "report tables", "code_version": code_version()})
    write_file_atomic(html_path, html)
    write_file_atomic(pdf_path, pdf)
    return Report(html_path, pdf_path, files_dir, warnings, time.perf_counter() - start)
