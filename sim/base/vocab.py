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


# Units of the parameter registry in Chinese (the app's controls, figures' axis labels)
UNIT_ZH = {"firms": "家", "months": "个月", "scenarios": "项", "events/month": "场/月", "firms/event": "家/场",
           "probability/month": "/月", "suppliers": "家", "domains": "个", "openers": "个", "investors": "家",
           "needs/SOE/year": "项/家/年", "runs/base/month": "项/基地/月", "1/year": "/年", "TRL": "级",
           "adopters": "家", "pilots": "项", "firms/month": "家/月", "needs/opener/month": "项/个/月",
           "1/TRL": "/级", "1/validated scenario": "/个已验证场景", "TRL/validated pilot": "级/项已验证试点",
           "adopters/event": "家/场", "bidders/call": "家/次征集", "entrants": "家", "firms/month per ¥100 m": "家/月·每亿元",
           "firms/opportunity": "家/个机会", "log-units": "（对数标准差）", "needs/staff-month": "项/人·月",
           "per SD": "/个标准差", "quality": "（质量分）", "solutions": "项", "solutions/event": "项/场", "staff": "人",
           "weight": "（权重）", "winners": "家", "zones": "个", "× budget": "× 预算", "× cash": "× 现金",
           "× city weight": "× 城市权重", "× own propensity": "× 自身意愿", "× ticket": "× 单笔投资额",
           "× usual payment": "× 常规付款", "CNY": "元", "share": "比例", "probability": "概率", "on/off": "开/关",
           "yes/no": "是/否", "share of budget": "占预算比例", "share/month": "比例/月", "CNY per CNY": "元/元",
           "bids/need": "份/项需求"}
CNY_PER_ZH = {"/year": "/年", "/month": "/月", "/run": "/项", "/firm": "/家", "/event": "/场",
              "/investor/year": "/家机构/年", "/staff-month": "/人·月"}


def unit_label(unit: str, lang: str) -> str:
    """A registry unit as a reader of ``lang`` writes it (``CNY/year`` → 元/年; unknown units as given)."""
    if lang != "zh":
        return unit
    if unit in UNIT_ZH:
        return UNIT_ZH[unit]
    if unit.startswith("CNY/") and unit[3:] in CNY_PER_ZH:
        return "元" + CNY_PER_ZH[unit[3:]]
    return unit
