"""The report as data: sections of paragraphs, tables and figures, rendered alike to HTML and to PDF.

One :class:`Document` is the single source of both outputs (``sim/report/html.py``,
``sim/report/pdf.py``); the section builders (``sim/report/sections.py``, ``sections_more.py``)
fill it from result folders (``sim/report/sources.py``). Text in it is plain text: renderers escape
it, so a case called ``<b>x</b> #set $y$`` appears literally.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Table:
    """A table as shown: header and rows of strings; ``name`` is its file name in the tables folder."""

    name: str
    title: str
    head: list[str]
    rows: list[list[str]]
    note: str | None = None
    left: int | tuple = 1  # the first ``left`` columns (or the columns in a tuple) are text, left-aligned

    def text_columns(self) -> list[int]:
        return list(self.left) if isinstance(self.left, tuple) else list(range(self.left))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=self.head)


@dataclass
class Figure:
    """A figure as SVG (vector, glyphs as paths) and PNG bytes."""

    name: str
    caption: str
    svg: bytes
    png: bytes


@dataclass
class Section:
    title: str
    blocks: list = field(default_factory=list)  # str (a paragraph) | Table | Figure

    def add(self, *blocks) -> "Section":
        self.blocks.extend(b for b in blocks if b is not None)
        return self


@dataclass
class Document:
    title: str
    subtitle: str
    lang: str
    sections: list[Section] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def text(self) -> str:
        """Every character a reader sees (for subsetting the font)."""
        parts = [self.title, self.subtitle]
        for s in self.sections:
            parts.append(s.title)
            for b in s.blocks:
                if isinstance(b, str):
                    parts.append(b)
                elif isinstance(b, Table):
                    parts += [b.title, b.note or ""] + b.head + [c for r in b.rows for c in r]
                elif isinstance(b, Figure):
                    parts.append(b.caption)
        return "\n".join(parts)


def figure(name: str, caption: str, fig) -> Figure:
    """Render a matplotlib figure to SVG and PNG bytes (and close it)."""
    import matplotlib.pyplot as plt

    svg, png = io.BytesIO(), io.BytesIO()
    fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    fig.savefig(png, format="png", metadata={"Software": None}, dpi=fig.dpi)
    plt.close(fig)
    return Figure(name, caption, svg.getvalue(), png.getvalue())


def safe_name(text: str) -> str:
    """A file name from any text: letters, digits, ``_`` and ``-`` only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "x"
