"""Small helpers shared by lever modules."""

from __future__ import annotations

import numpy as np


def grow(arr: np.ndarray, n: int, fill) -> np.ndarray:
    """``arr`` extended with ``fill`` to length at least ``n`` (per-entity lever state)."""
    if len(arr) >= n:
        return arr
    return np.concatenate([arr, np.full(n - len(arr), fill, dtype=arr.dtype)])


PUBLIC_OWNERS = ("gov", "city", "soe")  # 政府部门、国资平台/国有企业
