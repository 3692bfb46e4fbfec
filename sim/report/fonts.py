"""Chinese-capable fonts for figures: Noto Sans CJK, installed by pip (package noto-cjk-sans-otc).

The font is registered by path (never through the system font cache, which may predate the install),
and a missing family raises instead of silently drawing empty boxes.
"""

from __future__ import annotations

from functools import cache

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402

CJK_FAMILY = "Noto Sans CJK SC"


@cache
def use_cjk_font() -> str:
    """Register Noto Sans CJK and make it matplotlib's sans-serif font; returns the font file."""
    import noto_cjk_sans_otc

    path = str(noto_cjk_sans_otc.FONT_PATH)
    font_manager.fontManager.addfont(path)
    found = font_manager.findfont(font_manager.FontProperties(family=CJK_FAMILY), fallback_to_default=False)
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [CJK_FAMILY, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return found
