"""User strings made harmless where people read them.

Case names, target labels, mix names and parameter sources come from files anyone may write. In
``report.md`` they must not become HTML, links, headings or extra table columns (:func:`md`); on the
terminal they must not carry escape sequences or rich markup (:func:`term`, :func:`text`).
"""

from __future__ import annotations

import html

from sim.base.errors import printable

_MD_SPECIAL = "\\`*_{}[]()#+!|~>"


def md(value) -> str:
    """``value`` as literal Markdown text on one line: HTML escaped (``<`` → ``&lt;``), Markdown
    punctuation backslash-escaped (so ``|`` cannot open a table column nor ``[x](y)`` make a link),
    control characters shown as ``\\xNN``."""
    s = html.escape(printable(str(value)), quote=False)
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in s)


def term(value) -> str:
    """``value`` for a rich console string: control characters shown, markup escaped."""
    from rich.markup import escape

    return escape(printable(str(value)))


def text(value):
    """``value`` as a rich ``Text`` (never read as markup), control characters shown."""
    from rich.text import Text

    return Text(printable(str(value)))
