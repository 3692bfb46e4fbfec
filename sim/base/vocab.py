"""Fixed vocabulary of the model (DESIGN.md §2): tiers, kinds of opener and supplier, lifecycle states.

Domains and cities are case data (TOML); these are the categories the national opinions
(国办发〔2025〕37号) and the source plans define for every region alike.
"""

from __future__ import annotations

from enum import IntEnum

# Scenario tiers: 综合性重大场景 / 行业领域集成式场景 / 高价值小切口场景
TIERS = ("major", "integrated", "small_cut")
TIER_LABELS = {
    "major": ("综合性重大场景", "Comprehensive major"),
    "integrated": ("行业领域集成式场景", "Industry-integrated"),
    "small_cut": ("高价值小切口场景", "High-value small-cut"),
}

# Openers: government departments (one per domain), city governments, SOEs, chain leaders, pilot bases
OPENER_KINDS = ("gov", "city", "soe", "leader", "base")
OPENER_LABELS = {
    "gov": ("省直行业部门", "Provincial department"),
    "city": ("市州政府", "City government"),
    "soe": ("国有企业", "State-owned enterprise"),
    "leader": ("链主企业", "Chain-leader firm"),
    "base": ("中试基地/概念验证中心", "Pilot base / proof-of-concept centre"),
}

# Suppliers: startups, little-giant SMEs, leaders, universities and institutes
SUPPLIER_KINDS = ("startup", "sme", "leader", "institute")
SUPPLIER_LABELS = {
    "startup": ("初创企业", "Startup"),
    "sme": ("专精特新中小企业", "Little-giant SME"),
    "leader": ("龙头企业", "Leading firm"),
    "institute": ("高校/科研院所", "University / institute"),
}


class State(IntEnum):
    """Lifecycle of a scenario: 征集 → 遴选 → 发布 → 对接 → 落地 → 验证(示范) → 大规模应用; or 失败 / 退出."""

    SOLICITED = 0
    SELECTED = 1
    PUBLISHED = 2
    MATCHED = 3
    LANDED = 4
    VALIDATED = 5
    SCALED = 6
    FAILED = 7
    WITHDRAWN = 8
    REJECTED = 9


STATE_LABELS = {
    State.SOLICITED: ("征集", "solicited"),
    State.SELECTED: ("遴选", "selected"),
    State.PUBLISHED: ("发布(机会清单)", "published"),
    State.MATCHED: ("对接", "matched"),
    State.LANDED: ("落地(试点中)", "landed"),
    State.VALIDATED: ("验证(示范清单)", "validated"),
    State.SCALED: ("大规模应用", "large-scale application"),
    State.FAILED: ("失败", "failed"),
    State.WITHDRAWN: ("退出", "withdrawn"),
    State.REJECTED: ("未入选", "not selected"),
}
