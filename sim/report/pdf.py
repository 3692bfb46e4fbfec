"""The report as PDF, compiled by Typst from the same :class:`~sim.report.document.Document` as the HTML.

The document goes to the template as JSON through ``sys.inputs`` and is read with ``json(bytes(...))``,
so user text (``# * _ $ <b>``) stays literal; figures are SVG (vector in the PDF). Fonts: Typst's own
Libertinus Serif for Latin text and Noto Sans CJK SC, found through ``font_paths`` — the *folder* of
the font file (a path to the file itself is silently ignored). Every Typst warning (an unknown font, a
missing glyph) is returned to the caller, who treats it as an error in tests.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from sim.report.document import Document, Figure, Table
from sim.report.fonts import cjk_font_dir

TEMPLATE = r"""
#let d = json(bytes(sys.inputs.data))
#set document(title: d.title)
#let margin-x = 1.7cm
#set page(paper: "a4", margin: (x: margin-x, y: 1.9cm), numbering: "1")
#set text(font: ("Libertinus Serif", "Noto Sans CJK SC"), size: 9.5pt, lang: d.lang, region: d.region)
#set par(justify: true, leading: 0.7em)
#show heading: set text(stroke: 0.02em)
#show heading.where(level: 1): set block(above: 1.6em, below: 0.9em)
#set heading(numbering: "1.")
#set figure(gap: 0.6em)
#show figure.where(kind: table): set block(breakable: true)
#show figure.caption: set text(size: 8.5pt)
#let bold(s) = text(stroke: 0.015em, s)
// A cell marked with U+001F between its parts may wrap there and nowhere else: each part is a box,
// and lines break between boxes, so the PDF's text is the id as written (no invisible characters).
#let cell(s) = if s.contains("\u{1F}") { s.split("\u{1F}").map(p => box(p)).join() } else { s }
#let grid-of(b) = {
  set par(justify: false)  // narrow cells: justified text left gaps between words
  let n = b.head.len()
  let size = if b.wide { 6pt } else if n > 5 { 7pt } else { 8pt }
  text(size: size, table(
    columns: n,
    align: (x, y) => if y == 0 or b.textcols.contains(x) { left } else { right },
    stroke: (x, y) => if y == 0 { (bottom: 0.6pt) } else { (bottom: 0.2pt + luma(200)) },
    fill: (x, y) => if y == 0 { luma(240) },
    inset: (x: if b.wide { 2.5pt } else { 4pt }, y: 3pt),
    table.header(..b.head.map(h => bold(cell(h)))),
    ..b.rows.flatten().map(cell),
  ))
}
// Whether a table's columns fit a width without a cell running over its neighbour: Typst gives each
// auto column its natural width and, when they overflow, shrinks the widest to a fair share of the rest;
// a column then fits if its longest unbreakable part (a word, or a part between break marks) fits.
// The parts a cell may wrap between: words, parts between break marks, and CJK characters (measured
// two at a time, as punctuation keeps to its neighbour).
#let parts(c) = c.replace(regex("[\u{2E80}-\u{9FFF}\u{FF00}-\u{FFEF}]"), m => " " + m.text + m.text + " ").split(regex("[ \u{1F}]"))
#let fits(b, avail) = {
  let n = b.head.len()
  let size = if b.wide { 6pt } else if n > 5 { 7pt } else { 8pt }
  let pad = 2 * (if b.wide { 2.5pt } else { 4pt }) + 0.5pt
  let w(s, head) = measure(text(size: size, if head { bold(s) } else { s })).width
  let natural = ()
  let least = ()
  for x in range(n) {
    let cells = ((b.head.at(x), true),) + b.rows.map(r => (r.at(x), false))
    natural.push(calc.max(0pt, ..cells.map(((c, h)) => w(c.replace("\u{1F}", ""), h))) + pad)
    least.push(calc.max(0pt, ..cells.map(((c, h)) => parts(c).map(p => w(p, h))).flatten()) + pad)
  }
  if natural.sum() <= avail { return true }
  let rest = avail
  let k = n
  for v in natural.sorted() {
    if v <= rest / k { rest -= v; k -= 1 } else { break }
  }
  let fair = rest / k
  range(n).all(x => least.at(x) <= calc.min(natural.at(x), fair))
}
#let tbl(b) = {
  figure(kind: table, caption: figure.caption(position: top, b.title), grid-of(b))
  if b.note != none { text(size: 8pt, fill: luma(80), b.note) }
}

#text(size: 17pt, stroke: 0.02em, d.title)
#v(0.2em)
#text(fill: luma(90), d.subtitle)
#v(0.6em)
#outline(title: d.contents, depth: 1)

#for s in d.sections {
  heading(level: 1, s.title)
  for b in s.blocks {
    if b.type == "p" {
      par(b.text)
    } else if b.type == "table" {
      tbl(b)
    } else if b.type == "landscape" {
      // Tables of many columns, one after the other: each that fits the upright page's width (wrapping
      // its cells at spaces) stays in the text; the others share landscape pages (upright their cells
      // ran into each other).
      context {
        let upright = page.width - 2 * margin-x
        let run = ()
        for t in b.tables {
          if fits(t, upright) {
            if run.len() > 0 { page(flipped: true, run.join()); run = () }
            tbl(t)
          } else { run.push(tbl(t)) }
        }
        if run.len() > 0 { page(flipped: true, run.join()) }
      }
    } else if b.type == "figure" {
      figure(image(b.file, width: 100%), caption: b.caption)
    }
  }
}
"""


BREAK = "\x1f"  # a break point in a cell (a control character, not text); the template splits there


def breakable(cell: str) -> str:
    """A table cell that may wrap after ``.`` and ``_`` if it is a long identifier (``target.x.2028.met``,
    ``vouchers.budget_cny_per_year``): Typst breaks lines only at spaces and between CJK characters, so
    such a cell ran over its neighbours. :data:`BREAK` after each ``.`` and ``_`` marks where it may wrap;
    the template sets each part in a box, and lines may break between boxes. Nothing is inserted into
    the PDF's text, so an id copied out of it is the id (a zero-width space, used before, came along in
    a copy). Numbers, short ids (a version, a file name) and text with spaces are left as they are."""
    if len(cell) <= 16 or " " in cell or not any(c.isalpha() for c in cell) or not any(c in "._" for c in cell):
        return cell
    try:
        float(cell)
        return cell  # a number such as 1.5e+04
    except ValueError:
        return cell.replace(".", "." + BREAK).replace("_", "_" + BREAK)


WIDE = 9  # a table of more columns than this is set smaller, on a landscape page unless it fits upright
WIDEST = 20  # one of more columns than this (a sweep's runs: every target, year and fiscal flow) is not set at all
LONG = 60  # in a table of more than 5 columns, text cells are cut at this many characters in the PDF


def header_cell(cell: str) -> str:
    """A column head that may wrap after ``.`` and ``_`` whatever its length (``band_high``,
    ``model_median``: a head wider than its numbers pushed the column into the next)."""
    if " " in cell or not any(c in "._" for c in cell):
        return cell
    return cell.replace(".", "." + BREAK).replace("_", "_" + BREAK).rstrip(BREAK)


def pdf_rows(table: Table, lang: str) -> tuple[list[list[str]], str | None]:
    """A table's rows as the PDF sets them, and its note: in a table of more than 5 columns, text cells
    longer than :data:`LONG` characters (sources, comments) are cut with "…" and the note says where the
    whole table is (its CSV, and the HTML report); the HTML and the table files keep every character."""
    from sim.report.i18n import t

    rows = [[str(c) for c in r] + [""] * (len(table.head) - len(r)) for r in table.rows]
    note = table.note
    if len(table.head) > 5 and any(len(c) > LONG for r in rows for c in r):
        rows = [[c if len(c) <= LONG else c[:LONG - 1].rstrip() + "…" for c in r] for r in rows]
        cut = t("r_pdf_cut", lang).format(n=LONG, file=f"tables/{table.name}.csv")
        note = f"{note} {cut}" if note else cut
    return rows, note


def _landscape(blocks: list[dict]) -> list[dict]:
    """Consecutive wide tables grouped into one landscape block (the pages they share)."""
    out = []
    for b in blocks:
        if b["type"] == "table" and b["wide"]:
            if out and out[-1]["type"] == "landscape":
                out[-1]["tables"].append(b)
            else:
                out.append({"type": "landscape", "tables": [b]})
        else:
            out.append(b)
    return out


def _blocks(doc: Document, folder: Path) -> dict:
    sections = []
    for i, sec in enumerate(doc.sections):
        blocks = []
        for j, b in enumerate(sec.blocks):
            if isinstance(b, Table) and len(b.head) > WIDEST:  # no page holds it: say where it is
                from sim.report.i18n import t

                blocks.append({"type": "p", "text": t("r_pdf_too_wide", doc.lang).format(
                    title=b.title, n=len(b.head), rows=len(b.rows), file=f"tables/{b.name}.csv")})
            elif isinstance(b, Table):
                rows, note = pdf_rows(b, doc.lang)
                blocks.append({"type": "table", "title": b.title, "head": [header_cell(str(h)) for h in b.head],
                               "rows": [[breakable(c) for c in r] for r in rows], "note": note,
                               "textcols": b.text_columns(), "wide": len(b.head) > WIDE})
            elif isinstance(b, Figure):
                ext = "svg" if b.svg else "png"
                name = f"fig-{i}-{j}.{ext}"
                (folder / name).write_bytes(b.svg if b.svg else b.png)
                blocks.append({"type": "figure", "file": name, "caption": b.caption})
            else:
                blocks.append({"type": "p", "text": str(b)})
        sections.append({"title": sec.title, "blocks": _landscape(blocks)})
    from sim.report.i18n import t

    return {"title": doc.title, "subtitle": doc.subtitle, "lang": doc.lang, "region": "cn" if doc.lang == "zh" else "gb",
            "contents": t("r_contents", doc.lang), "sections": sections}


def render_pdf(doc: Document) -> tuple[bytes, list[str]]:
    """The PDF's bytes and Typst's warnings (as text; empty when all is well)."""
    import typst

    with tempfile.TemporaryDirectory(prefix="scensim-report-") as tmp:
        folder = Path(tmp)
        data = _blocks(doc, folder)
        (folder / "report.typ").write_text(TEMPLATE, encoding="utf-8")
        pdf, warnings = typst.compile_with_warnings(str(folder / "report.typ"), root=str(folder),
                                                    font_paths=[cjk_font_dir()], ignore_system_fonts=True,
                                                    sys_inputs={"data": json.dumps(data, ensure_ascii=False)})
    return pdf, [str(w) for w in warnings]
