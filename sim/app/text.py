"""The app's words in Chinese and English."""

from __future__ import annotations

TEXT = {
    "title": ("场景创新政策课堂模拟器", "Scenario-policy classroom simulator"),
    "levers": ("政策工具", "Policy levers"),
    "lever_off": ("未启用", "off"),
    "uncertainties": ("不确定性", "Uncertainties"),
    "loading_controls": ("正在载入滑块……", "Loading the controls…"),
    "unc_note": ("这些是假设，不是政策选择：没有人能控制它们。改变它们，看结论是否依赖于假设。",
                 "These are assumptions, not choices: nobody controls them. Move them to see whether a conclusion "
                 "rests on an assumption."),
    "presets": ("预设方案", "Presets"),
    "reset_unc": ("不确定性恢复为案例取值", "Reset uncertainties to the case's values"),
    "p_met_title": ("达标概率 P(met)", "P(target met)"),
    "base_short": ("基准", "base"),
    "all_targets": ("全部目标同时达标", "All targets met"),
    "all_targets_all_years": ("全部目标、全部年份均达标", "All targets, every year"),
    "current": ("当前设置", "Your settings"),
    "baseline": ("基准", "Baseline"),
    "fiscal_cost": ("财政净支出", "Net fiscal spending"),
    "owner_cost": ("公共场景方自付试点费用", "Public owners' own pilot payments"),
    "public_cost": ("公共支出合计", "Total public cost"),
    "cost_whole": ("全期合计，各重复均值。", "Whole horizon, mean over replicates. "),
    "cost_so_far": ("初步：至 {month} 的合计，与基准同期相比。", "Provisional: totals to {month}, against the baseline's same "
                    "months. "),
    "cost_note": ("财政净支出：各政策工具支出和促进中心人员经费，减股权退出收回；公共场景方自付：省直部门和市州政府"
                  "为自己的试点实际支付的金额（成交价中场景方承担的部分，减去政策工具代付的部分），与 scensim run "
                  "的公共成本表同一口径；国企自付的另列，不计入公共支出合计。",
                  "Net fiscal spending: every lever's payments and the "
                  "promotion centre's staff, less equity proceeds. Public owners' own payments: what departments "
                  "and city governments actually paid for their own pilots (their part of the agreed price, less "
                  "what a lever paid for them), as in the public-cost table of scensim run; SOEs' own payments "
                  "are shown apart and not in the total."),
    "soe_cost": ("国企自付试点费用（另列，不计入合计）", "SOEs' own pilot payments (apart, not in the total)"),
    "consortia_moved": ("揭榜联合体成员间分摊（企业资金，非公共支出）",
                        "Moved between consortium members (firms' money, not public)"),
    "computing": ("计算中：{n} 次重复（先给初步结果）…", "Computing: {n} replicates (a provisional answer first)…"),
    "partial": ("初步结果：{n}/{full} 次重复，已算到 {month}；其余月份和重复计算中…",
                "Provisional: {n} of {full} runs, computed to {month}; the rest on its way…"),
    "quick": ("初步结果：{n}/{full} 次重复；完整结果计算中…",
              "Provisional: {n} of {full} runs; the full set on its way…"),
    "stale_note": ("（灰色部分仍是上一次设置的结果）", "(greyed: still your previous settings)"),
    "full": ("{n} 次重复，随机种子 {seed}（与基准使用相同随机数）",
             "{n} replicates, seed {seed} (same random draws as the baseline)"),
    "targets_title": ("各目标随时间变化（实线：当前设置；虚线：基准；点线：目标）",
                      "Targets over time (solid: your settings; dashed: baseline; dotted: target)"),
    "market_title": ("场景市场", "The scenario market"),
    "cost_title": ("成本", "Cost"),
    "case": ("案例", "Case"),
    "error": ("计算出错：{e}", "Computation failed: {e}"),
}


def t(key: str, lang: str) -> str:
    zh, en = TEXT[key]
    return zh if lang == "zh" else en
