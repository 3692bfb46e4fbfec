"""A web font for the page's Chinese text, so it renders on a machine without CJK fonts (a fresh
Debian, a classroom's locked-down PCs): the Simplified-Chinese face of Noto Sans CJK (installed with
the package, ``sim/report/fonts.py``) subset to the characters the app shows, as a data: URI.

Subsetting the 15 MB collection takes several seconds, so the result is kept in a cache folder
(``$XDG_CACHE_HOME/scensim`` or ``~/.cache/scensim``) under the hash of the characters.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path

FAMILY = "ScensimCJK"
SC_FACE = 2  # index of the Simplified-Chinese face in the Noto Sans CJK collection


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scensim"


def subset_woff(chars: str) -> bytes:
    """Noto Sans CJK SC reduced to ``chars`` (WOFF, zlib)."""
    import noto_cjk_sans_otc
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(noto_cjk_sans_otc.FONT_PATH), fontNumber=SC_FACE, lazy=True)
    opts = subset.Options()
    opts.flavor = "woff"
    sub = subset.Subsetter(opts)
    sub.populate(text=chars)
    sub.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    return buf.getvalue()


def font_css(text: str) -> str:
    """CSS declaring the font for every non-ASCII character of ``text`` and using it after Roboto."""
    chars = "".join(sorted({c for c in text if ord(c) > 127}))
    key = hashlib.sha256(chars.encode("utf-8")).hexdigest()[:16]
    path = cache_dir() / f"app-font-{key}.woff"
    if path.exists():
        data = path.read_bytes()
    else:
        data = subset_woff(chars)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    uri = "data:font/woff;base64," + base64.b64encode(data).decode("ascii")
    return (f"@font-face {{ font-family: '{FAMILY}'; src: url({uri}) format('woff'); }}\n"
            f".v-application, .v-application *:not(.v-icon):not(.mdi) {{ font-family: Roboto, '{FAMILY}', sans-serif !important; }}\n")
