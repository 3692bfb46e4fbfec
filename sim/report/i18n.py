"""The one catalogue of Chinese and English text people read: printed tables, figures, reports; and
numbers formatted as a reader of each language expects them (万/亿 in Chinese, thousands separators and
k/m/bn in English)."""

from __future__ import annotations

import math

from sim.base import numbers

LANGS = ("zh", "en")

TEXT = {
    # figures
    "median": ("中位数", "median"),
    "band50": ("50% 区间", "50% band"),
    "band90": ("90% 区间", "90% band"),
    "target": ("目标", "target"),
    "month": ("月份", "Month"),
    "ytd": ("当年累计", "year to date"),
    "cumulative": ("自起始月累计", "cumulative since start"),
    "p_met": ("达标概率", "P(met)"),
    "p_met_axis": ("达标概率（95% Wilson 区间）", "Probability the target is met (Wilson 95 % interval)"),
    "overview_note": ("各年上方数字：达标概率 [95% 区间]", "numbers above each year: P(met) [95 % interval]"),
    "funnel_title": ("场景在各环节的数量（各年，重复均值）", "Scenarios reaching each stage, per year (mean over replicates)"),
    "funnel_axis": ("场景数（项/年）", "Scenarios per year"),
    "funnel_legend": ("年份（须线：5%–95%）", "Year (whiskers: 5 %–95 %)"),
    "fiscal_title": ("各政策工具的财政支出（重复均值，扣除股权退出收回）",
                     "Fiscal spending by lever (mean over replicates, net of equity receipts)"),
    "fiscal_axis": ("财政支出（元/年）", "Fiscal spending (CNY a year)"),
    "fiscal_axis_total": ("整个期间的平均财政支出（元）", "Mean fiscal spending over the horizon (CNY)"),
    # tables and console
    "replicates": ("重复次数", "replicates"),
    "replicate_s": ("次重复", "replicates"),
    "seed": ("随机种子", "seed"),
    "col_target": ("目标", "Target"),
    "col_period": ("年份", "Year"),
    "col_threshold": ("目标值", "Threshold"),
    "col_value": ("模拟值", "Value"),
    "col_median": ("中位数", "Median"),
    "col_q": ("5%–95%", "5%–95%"),
    "col_met": ("是否达标", "Met"),
    "col_p": ("达标概率 [95% 区间]", "P(met) [95% CI]"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "all_years": ("{n}年均达标", "all {n} years"),
    "years_met": ("{v}年达标", "years met: {v}"),
    "uncertainty_none": ("P(达标) 只含模型自身的随机性：不确定参数取案例值（--uncertainty prior 在其区间内抽取）。",
                         "P(met) is the model's own chance only: uncertain parameters at the case's values "
                         "(--uncertainty prior draws them from their ranges)."),
    "uncertainty_prior": ("P(达标) 含参数不确定性：每次重复在区间内均匀抽取不确定参数。",
                          "P(met) includes parameter uncertainty: each replicate draws the uncertain parameters "
                          "uniformly from their ranges."),
    "all_years_note": ("“N年均达标”各行：中位数与 5%–95% 列为达标的年数。",
                       "Rows “all N years”: the Median and 5%–95% columns count the years met."),
    "fiscal": ("财政支出（万元，各重复中位数）", "Fiscal spending (CNY million, median over replicates)"),
    "lever": ("政策工具", "Lever"),
    "budget": ("预算", "Budget"),
    "spent": ("支出", "Spent"),
    "written": ("结果已写入", "Results written to"),
    "run_title": ("{name} — 随机种子 {seed}，{n} 次重复", "{name} — seed {seed}, {n} replicate(s)"),
    "part_year_note": ("注：{year}年为部分年度（{months}个月），每年目标按月份折算（向上取整）。",
                       "Note: {year} is a part year ({months} months); per-year thresholds are prorated (rounded up)."),
    "report_written": ("报告已写入", "Report written to"),
    "report_time": ("报告用时 {s:.1f} 秒", "report took {s:.1f} s"),
    "compare_progress": ("{id}：{mixes} 个组合 × {n} 次重复", "{id}: {mixes} mixes × {n} replicates"),
    "compare_header": ("每个组合 {n} 次重复，随机种子 {seed}，案例 {case}", "{n} replicates per mix, seed {seed}, case {case}"),
    "lottery_progress": ("{lever} 抽签试验：孪生模拟", "lottery of {lever}: twin runs"),
    "lottery_holder_supply": ("创新券由中小供给方持有（供给侧）；“新伙伴”项目：与此前未合作过的场景方落地的试点（含首个试点）。",
                              "Vouchers held by small suppliers (supply side); a new-partner project: a pilot landed with an "
                              "owner the supplier had not worked with (its first pilot included)."),
    "lottery_holder_demand": ("创新券由场景方持有（需求侧）；“新伙伴”项目：与此前未合作过的供给方落地的试点。",
                              "Vouchers held by owners (demand side); a new-partner project: a pilot landed with a supplier "
                              "the owner had not worked with."),
    "lottery_title": ("{lever}的模拟抽签试验 — {case}，随机种子 {seed}，中签率 {share}",
                      "In-silico lottery of {lever} — {case}, seed {seed}, share {share}"),
    "sweep_done": ("{id}：共 {total} 次运行：复用 {reused}，新算 {computed}（{seconds:.1f} 秒{rate}）→ {out}/",
                   "{id}: {total} runs: {reused} reused, {computed} computed ({seconds:.1f} s{rate}) → {out}/"),
    "sweep_rate": ("，每秒 {r:.1f} 次", ", {r:.1f} runs/s"),
    # the command's own lines (in the language of the commands in sim.cli.interrupt.MESSAGES_IN_LANG)
    "cli_error": ("scensim：错误：", "scensim: error: "),
    "cli_interrupted": ("scensim：已中断；已写入的文件完好无损", "scensim: interrupted; files already written are intact"),
    "sum_title": ("{exp} — {n} 个{unit}，每个{by}的运行次数：{lo}–{hi}；达标概率 [Wilson 95% 区间]",
                  "{exp} — {n} {unit}, runs per {by}: {lo}–{hi}; P(met) [Wilson 95 % interval]"),
    "sum_points": ("设计点", "design points"),
    "sum_policies": ("政策", "policies"),
    "sum_many": ("{n} 个变化参数：各设计点的取值见 {folder}/design.parquet 与汇总文件",
                 "{n} varied parameters: their values at each point are in {folder}/design.parquet and in the summary files"),
    "sum_target": ("目标：{name}（{id}）", "target: {name} ({id})"),
    "sum_target_id": ("目标 {id}", "target {id}"),
    "sum_point_col": ("设计点", "point"),
    "sum_policy_col": ("政策", "policy"),
    "sum_written": ("已写入 {folder}/{stem}.parquet 与 {stem}.csv", "written {folder}/{stem}.parquet and {stem}.csv"),
    "sum_note": ("注：", "note:"),
    "sum_joint": ("所有目标同时达成", "all targets met together"),
    "sum_all_years": ("全部年份", "all years"),
    # the report (scensim report)
    "r_title": ("{name}：情景仿真报告", "{name}: simulation report"),
    "r_generated": ("由 scensim {version} 生成", "Generated by scensim {version}"),
    "r_question": ("问题与案例", "The question and the case"),
    "r_question_text": ("在所述假设下，{plan}的各项目标逐年达成的可能性有多大？财政成本是多少？本报告给出模型在各参数取值与区间下的结果；多数参数无公开数据可依，标为“假设”，应通过参数扫描检验其影响。",
                        "How likely is each target of {plan} to be met, year by year, and at what fiscal cost? This report gives what the model implies under the stated assumptions; most parameters are not pinned down by a public figure and are marked as assumed, so sweeps over their ranges should test what drives the results."),
    "r_case_facts": ("案例：{case}；依据文件：{doc}；模拟期：{start} 至 {end}；重复次数：{n}；随机种子：{seed}。",
                     "Case: {case}; document: {doc}; horizon: {start} to {end}; replicates: {n}; seed: {seed}."),
    "r_targets": ("目标", "Targets"),
    "r_target_cols": (("目标", "依据", "口径", "目标值", "考核年份"), ("Target", "Stated as", "Kind", "Threshold", "Years")),
    "per_year": ("每年", "per year"),
    "cumulative_kind": ("累计", "cumulative"),
    "r_levers": ("政策工具与假设", "Levers and assumptions"),
    "r_levers_text": ("政策工具是政府可以选择的参数；不确定参数是无人能控制的量。取值、合理区间（参数扫描所用）与来源如下。",
                      "Levers are what government chooses; uncertainties are what nobody controls. Their values, plausible ranges (what sweeps vary) and sources:"),
    "r_levers_where": ("每个政策工具参数与不确定参数的取值、合理区间与来源列于报告末尾“政策工具与假设”一节。",
                       "The value, plausible range and source of every lever and uncertain parameter are listed near the end, in \"Levers and assumptions\"."),
    "r_lever_table": ("政策工具参数", "Lever parameters"),
    "r_uncertainty_table": ("不确定参数", "Uncertain parameters"),
    "r_param_cols": (("参数", "名称", "取值", "区间", "单位", "来源"), ("Parameter", "Name", "Value", "Range", "Unit", "Source")),
    "r_attainment": ("各年目标达成情况", "Target attainment per year"),
    "r_attainment_text": ("达标概率为达标的重复所占比例，附 Wilson 95% 区间；中位数与 5%–95% 为目标口径下的模拟值。",
                          "P(met) is the share of replicates meeting the target, with a Wilson 95 % interval; the median and 5 %–95 % range are the simulated values in the target's terms."),
    "r_joint": ("全部目标同时达成的概率", "Probability that all targets are met together"),
    "r_joint_cols": (("年份", "考核目标数", "达标概率 [95% 区间]", "达标目标数中位数", "5%–95%"),
                     ("Period", "Targets evaluated", "P(all met) [95% CI]", "Median targets met", "5%–95%")),
    "r_joint_all": ("整个期间", "whole horizon"),
    "r_fans": ("扇形图：模拟路径与目标线", "Fan charts against the target lines"),
    "r_fans_text": ("深色线为中位数，阴影为 50% 与 90% 区间，红色虚线为各年目标值。",
                    "The dark line is the median, the shaded bands hold 50 % and 90 % of replicates, the red dashed lines are each year's threshold."),
    "r_overview": ("全部目标一览", "All targets at a glance"),
    "r_funnel": ("场景在哪个环节流失", "Where the pipeline loses scenarios"),
    "r_funnel_text": ("每年到达各环节的场景数（征集 → 发布 → 对接 → 落地 → 验证 → 规模化应用）；比例为该环节当年数量与上一环节当年数量之比（按年计数，并非同一批场景的跟踪；后续环节滞后于前面环节）。比值最小处提示制约目标的瓶颈。",
                      "Scenarios reaching each stage per year (solicited → published → matched → landed → validated → scaled); the share is the stage's yearly count over the previous stage's (counts per year, not a tracked cohort: later stages lag earlier ones). The smallest ratio points to the bottleneck behind a missed target."),
    "r_bottleneck": ("{year}年相邻环节之比最小处：{a} → {b}（{share}）。",
                     "{year}: the smallest ratio between consecutive stages is {a} → {b} ({share})."),
    "r_funnel_cols": (("年份", "环节", "均值", "5%–95%", "占上一环节"), ("Year", "Stage", "Mean", "5%–95%", "Share of previous")),
    "r_fiscal": ("财政成本", "Fiscal cost"),
    "r_fiscal_table": ("各政策工具各年的财政支出（各重复中位数）与预算", "Fiscal spending by lever and year (median over replicates) against the budget"),
    "r_fiscal_cols": (("政策工具", "年份", "支出（中位数）", "预算"), ("Lever", "Year", "Spent (median)", "Budget")),
    "r_unit_cost": ("单位目标的平均财政成本", "Fiscal cost per unit of target"),
    "r_unit_cost_text": ("整个期间的平均财政净支出除以该目标在整个期间的平均达成量（每年目标按各年相加）。这是平均成本，不是政策的边际效果；边际成本见政策组合比较。",
                         "Mean net fiscal spending over the horizon divided by the target's mean attained quantity over the horizon (per-year targets summed over years). An average, not the policy's marginal effect: for marginal cost see the comparison of mixes."),
    "r_unit_cost_cols": (("目标", "平均达成量（整个期间）", "平均财政支出（整个期间）", "每单位平均成本"),
                         ("Target", "Mean attained (horizon)", "Mean fiscal spending (horizon)", "Average cost per unit")),
    "r_public_cost_text": ("公共总成本＝政策工具净支出＋政府业主（省直部门、市州政府）为试点支付的费用；科技险的损益与国企业主的支付单列，不计入。",
                           "Total public cost = levers' net spending + what government owners (provincial departments, city governments) paid for pilots; the technology-insurance scheme's result and SOE owners' payments are shown apart and not included."),
    "r_unit_public_cost": ("单位目标的平均公共总成本", "Total public cost per unit of target"),
    "r_unit_public_cost_text": ("整个期间的平均公共总成本除以该目标在整个期间的平均达成量（每年目标按各年相加）。这是平均成本，不是政策的边际效果；边际成本见政策组合比较与政策工具效果。",
                                "Mean total public cost over the horizon divided by the target's mean attained quantity over the horizon (per-year targets summed over years). An average, not the policy's marginal effect: for marginal cost see the comparison of mixes and the lever effects."),
    "r_unit_public_cost_cols": (("目标", "平均达成量（整个期间）", "平均公共总成本（整个期间）", "每单位平均成本"),
                                ("Target", "Mean attained (horizon)", "Mean total public cost (horizon)", "Average cost per unit")),
    "r_total_fiscal": ("整个期间的财政净支出：均值 {mean}，5%–95% 区间 {lo} – {hi}。",
                       "Net fiscal spending over the horizon: mean {mean}, 5 %–95 % range {lo} – {hi}."),
    "r_compare": ("政策组合比较（{id}）", "Comparison of policy mixes ({id})"),
    "r_compare_text": ("各组合总预算相同，使用相同的重复随机种子（共同随机数）；每组合 {n} 次重复。",
                       "Every mix has the same total budget and the same replicate seeds (common random numbers); {n} replicates per mix."),
    "r_compare_p_fig": ("各组合的达标概率（最后考核年）", "P(target met) by mix (last evaluated year)"),
    "r_compare_spend_fig": ("各组合的财政支出构成", "Fiscal spending by lever in each mix"),
    "r_lottery": ("抽签试验：政策的额外性（{lever}）", "The lottery: additionality of {lever}"),
    "r_lottery_text": ("在符合条件的申请者中以抽签分配该政策的资助；比较中签者与未中签者，并对每项资助运行一次不给予该资助的孪生模拟，判断项目在没有资助时是否也会发生。案例 {case}，随机种子 {seed}，中签率 {share}。",
                       "The lever's awards are allotted by lottery among eligible applicants; winners are compared with losers, and a twin run per award withholds it to see whether the project would have happened anyway. Case {case}, seed {seed}, share {share}."),
    "r_lottery_cols": (("指标", "时长", "估计", "95% 区间", "样本数", "说明"), ("Measure", "Horizon", "Estimate", "95% interval", "n", "Note")),
    "r_sweep": ("参数扫描（{id}）", "Sweep ({id})"),
    "r_sweep_text": ("设计：{kind}；{points} 个设计点 × {reps} 次重复；变化的参数：{varied}。下表为每个设计点在各目标最后考核年的达标概率（最多显示 {cap} 个点；完整结果见 summary 表）。",
                     "Design: {kind}; {points} points × {reps} replicates; varied: {varied}. The table gives P(met) in each target's last evaluated year per design point (at most {cap} points shown; the summary table has all)."),
    "r_generic": ("{command}结果（{folder}）", "Results of {command} ({folder})"),
    "r_generic_figs_lang": ("以下图形是 scensim {command} 运行时以{drawn}绘制的；以 --lang zh 重新运行该命令可得中文图形。",
                            "The figures below were drawn in {drawn} when scensim {command} ran; run it again with "
                            "--lang en to draw them in English."),
    "r_generic_text": ("该文件夹由 scensim {command} 写出；以下列出其表格与图。", "This folder was written by scensim {command}; its tables and figures follow."),
    "r_generic_rows": ("（共 {n} 行，显示前 {k} 行）", "({n} rows; the first {k} shown)"),
    "r_pdf_too_wide": ("表“{title}”有 {n} 列，无法排入 PDF 页面：{rows} 行完整内容见 {file} 和 HTML 报告。",
                       "Table “{title}” has {n} columns, too many for a PDF page: its {rows} rows are in {file} and "
                       "the HTML report."),
    "r_pdf_cut": ("（本 PDF 中超过 {n} 个字符的文字已截断，完整内容见 {file} 和 HTML 报告。）",
                  "(Text longer than {n} characters is cut in this PDF; every character is in {file} and the HTML "
                  "report.)"),
    "r_method": ("方法说明与运行信息", "Method notes and run metadata"),
    "r_method_text": ("基于主体的模型（Mesa）按月模拟：开放方提出需求，推进中心遴选发布，供给方投标、试点、验证与推广；政策工具通过文档化的机制作用于各决策。第 r 次重复的随机种子为 SeedSequence(N, spawn_key=(r,))，相同输入与种子给出完全相同的表格。区间为 Wilson 95% 区间（概率）或重复的分位数（数值）。",
                      "An agent-based model (Mesa) steps monthly: openers put forward needs, the promotion centre screens and publishes them, suppliers bid, pilot, are validated and diffuse; levers act on these decisions through documented mechanisms. Replicate r uses the seed SeedSequence(N, spawn_key=(r,)); the same inputs and seed give identical tables. Intervals are Wilson 95 % intervals (probabilities) or quantiles over replicates (values)."),
    "r_meta_cols": (("项目", "值"), ("Item", "Value")),
    "r_hash_cols": (("文件夹", "表", "SHA-256（前 16 位）"), ("Folder", "Table", "SHA-256 (first 16 hex)")),
    "r_hashes": ("数据表校验值", "Table hashes"),
    "r_tables_note": ("本报告的每张表另存为 CSV 与 LaTeX：{folder}", "Every table in this report is also saved as CSV and LaTeX: {folder}"),
    "r_contents": ("目录", "Contents"),
    "r_figure": ("图", "Figure"),
    "r_table": ("表", "Table"),
    # scensim params
    "params_title": ("{case} 的参数", "Parameters of {case}"),
    "params_cols": (("参数", "名称", "类别", "取值", "单位", "范围", "来源"),
                    ("name", "label", "kind", "value", "unit", "range", "source")),
    "params_lever": ("政策工具", "lever"),
    "params_uncertainty": ("不确定性", "uncertainty"),
}


def t(key: str, lang: str) -> str:
    zh, en = TEXT[key]
    return zh if lang == "zh" else en


LOTTERY_LEVERS = {"vouchers": ("场景创新券", "Scenario innovation vouchers"),
                  "grant": ("补改投：财政补助", "Grant-to-equity: grants"),
                  "equity": ("补改投：股权投资", "Grant-to-equity: equity"),
                  "first_purchase": ("首购首用", "First purchase")}


def lottery_lever(lever: str, lang: str) -> str:
    """The name of a ``scensim lottery --lever`` choice as a reader of ``lang`` writes it."""
    zh, en = LOTTERY_LEVERS.get(lever, (lever, lever))
    return pick(zh, en, lang)


def pick(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else en


def _trim(x: float, digits: int) -> str:
    s = f"{x:,.{digits}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def money(x: float, lang: str, digits: int = 1, unit: bool = True) -> str:
    """An amount of yuan: 1.2亿元 / 3,500万元 in Chinese, CNY 120 m / CNY 1.2 bn in English."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, float) and math.isinf(x):
        return pick("无界", "unbounded", lang)
    a = abs(x)
    if lang == "zh":
        if a >= 1e8:
            s = f"{_trim(x / 1e8, max(digits, 2))}亿"
        elif a >= 1e4:
            s = f"{_trim(x / 1e4, digits)}万"
        else:
            s = _trim(x, 0)
        return s + ("元" if unit else "")
    if a >= 1e9:
        s = f"{_trim(x / 1e9, max(digits, 2))} bn"
    elif a >= 1e6:
        s = f"{_trim(x / 1e6, digits)} m"
    elif a >= 1e3:
        s = f"{_trim(x / 1e3, digits)} k"
    else:
        s = _trim(x, 0)
    return ("CNY " if unit else "") + s


def count(x: float, lang: str) -> str:
    """A count for people: whole numbers plainly (1,237), others to one decimal; in Chinese from
    100,000 up in 万 (12.3万) and from 10^8 in 亿."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    x = float(x)
    if lang == "zh" and abs(x) >= 1e8:
        return f"{_trim(x / 1e8, 2)}亿"
    if lang == "zh" and abs(x) >= 1e5:
        return f"{_trim(x / 1e4, 1)}万"
    return numbers.count(x)
