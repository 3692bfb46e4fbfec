"""The report as one self-contained HTML file: figures inline as SVG data URIs, the Chinese font
subset to the characters used and embedded as WOFF2, no request to the network (a Content Security
Policy forbids any). All text is escaped: a case name with markup shows literally."""

from __future__ import annotations

import base64
import html as _html
import unicodedata

from sim.report.document import Document, Figure, Table
from sim.report.fonts import subset_woff2
from sim.report.i18n import t


def escape(value) -> str:
    """User text for HTML: markup escaped, and control characters (invalid in HTML) dropped."""
    text = "".join(ch for ch in str(value) if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf"))
    return _html.escape(text)

CSS = """
@font-face { font-family: "ReportCJK"; src: url(data:font/woff2;base64,%FONT%) format("woff2"); }
body { font-family: "ReportCJK", sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222;
       line-height: 1.55; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem;
     border-bottom: 1px solid #ddd; } .subtitle { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: .6rem 0 1.4rem; font-size: .82rem; }
caption { text-align: left; font-weight: bold; padding: .3rem 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: .25rem .5rem; vertical-align: top; }
th { background: #f4f6f8; text-align: left; } td.n { text-align: right; white-space: nowrap; }
td.s { white-space: nowrap; }
.note { color: #555; font-size: .8rem; margin-top: -1rem; } figure { margin: 1rem 0 1.6rem; }
figure img { max-width: 100%; height: auto; } figcaption { font-size: .85rem; color: #444; }
nav ol { columns: 2; font-size: .9rem; }
"""


def _table(tab: Table, n: int, lang: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in tab.head)
    body, text_cols = [], set(tab.text_columns())
    for row in tab.rows:
        cells = "".join((f'<td class="s">{escape(str(c))}</td>' if len(str(c)) <= 6 else f"<td>{escape(str(c))}</td>")
                        if i in text_cols else f'<td class="n">{escape(str(c))}</td>'
                        for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    note = f'<p class="note">{escape(tab.note)}</p>' if tab.note else ""
    return (f'<table id="table-{escape(tab.name)}"><caption>{escape(t("r_table", lang))} {n}. {escape(tab.title)}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}")


def _figure(fig: Figure, n: int, lang: str) -> str:
    if fig.svg:
        src = "data:image/svg+xml;base64," + base64.b64encode(fig.svg).decode("ascii")
    else:
        src = "data:image/png;base64," + base64.b64encode(fig.png).decode("ascii")
    caption = f"{t('r_figure', lang)} {n}. {fig.caption}"
    return (f'<figure id="figure-{escape(fig.name)}"><img src="{src}" alt="{escape(caption)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def render_html(doc: Document) -> str:
    lang = doc.lang
    parts, toc = [], []
    n_tab = n_fig = 0
    for i, sec in enumerate(doc.sections, 1):
        toc.append(f'<li><a href="#sec-{i}">{escape(sec.title)}</a></li>')
        parts.append(f'<section><h2 id="sec-{i}">{i}. {escape(sec.title)}</h2>')
        for b in sec.blocks:
            if isinstance(b, Table):
                n_tab += 1
                parts.append(_table(b, n_tab, lang))
            elif isinstance(b, Figure):
                n_fig += 1
                parts.append(_figure(b, n_fig, lang))
            else:
                parts.append(f"<p>{escape(str(b))}</p>")
        parts.append("</section>")
    font = base64.b64encode(subset_woff2(doc.text() + t("r_contents", lang))).decode("ascii")
    csp = "default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'"
    return ("<!DOCTYPE html>\n"
            f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(doc.title)}</title><style>{CSS.replace('%FONT%', font)}</style></head><body>"
            f'<h1>{escape(doc.title)}</h1><p class="subtitle">{escape(doc.subtitle)}</p>'
            f"<nav><h2>{escape(t('r_contents', lang))}</h2><ol>{''.join(toc)}</ol></nav>"
            + "".join(parts) + "</body></html>\n")
