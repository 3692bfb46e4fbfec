"""``scensim report`` and the report ``scensim run`` writes: PDF and self-contained HTML in Chinese and
English, no missing glyph (Typst warnings are errors), no broken link or missing figure, user text
shown literally, every table also as CSV and LaTeX; and the figures' promises (SVG, integer ticks)."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess

import pandas as pd
import pytest

from .conftest import ROOT

SMALL = ROOT / "scenarios" / "synthetic_small.toml"
MARKUP = "<b>x</b> #set $y$ _z_ *w*"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A 3-replicate run of the small case whose name carries markup, run in Chinese (writes its report)."""
    from sim.cli.main import main

    d = tmp_path_factory.mktemp("report")
    text = SMALL.read_text(encoding="utf-8")
    text = text.replace('extends = "hunan_2026_2028.toml"', f'extends = "{ROOT / "scenarios" / "hunan_2026_2028.toml"}"')
    text = re.sub(r'name_zh = ".*"', f'name_zh = "合成 {MARKUP}"', text, count=1)
    text = re.sub(r'name_en = ".*"', f'name_en = "Synthetic {MARKUP}"', text, count=1)
    case = d / "case.toml"
    case.write_text(text, encoding="utf-8")
    out = d / "run"
    assert main(["run", str(case), "--replicates", "3", "--seed", "2", "--out", str(out), "--lang", "zh", "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def english(run_dir, tmp_path_factory):
    from sim.report.build import build_report

    out = tmp_path_factory.mktemp("en") / "paper.html"
    return build_report([run_dir], lang="en", out=out)


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_run_writes_the_report_in_chinese_with_every_glyph(run_dir):
    html, pdf = run_dir / "report.html", run_dir / "report.pdf"
    assert html.stat().st_size > 0 and pdf.read_bytes().startswith(b"%PDF")
    assert not (run_dir / "report.md").exists()
    text = pdf_text(pdf)
    assert "情景仿真报告" in text and "各年目标达成情况" in text and "场景在哪个环节流失" in text
    assert "\ufffd" not in text  # no replacement character: every glyph came from a font
    # the levers and assumptions tables give units in Chinese (they printed CNY/year, share, on/off)
    page = html.read_text(encoding="utf-8")
    # short text cells (累计, 每年, units) do not break into a character a line in a narrow column
    targets = page.split('id="table-targets"')[1].split("</table>")[0]
    assert '<td class="s">累计</td>' in targets or '<td class="s">每年</td>' in targets
    levers = page.split('id="table-levers"')[1].split("</table>")[0]
    assert "元/年" in levers and "比例" in levers and "CNY/year" not in levers and ">share<" not in levers


def test_typst_warnings_are_errors(run_dir, english):
    from sim.report.build import make_document
    from sim.report.pdf import render_pdf
    from sim.report.sources import detect

    assert english.warnings == []
    pdf, warnings = render_pdf(make_document([detect(run_dir)], "zh"))
    assert warnings == [] and pdf.startswith(b"%PDF")


def test_english_report_has_every_section(english):
    text = pdf_text(english.pdf)
    headings = ("The question and the case", "Target attainment per year", "Fan charts", "Where the pipeline loses",
                "Fiscal cost", "Levers and assumptions", "Method notes and run metadata")
    for heading in headings + ("Probability that all targets are met together",):
        assert heading in text, heading
    # results first; every parameter with its source (ten pages for Hunan) after them, before the method notes
    numbered = [re.findall(rf"^\s*(\d+)\. {h}", text, flags=re.M) for h in headings]  # the contents, then the heading
    assert [int(n[-1]) for n in numbered] == list(range(1, len(headings) + 1)), numbered
    body = text[text.index("1. The question and the case", text.index("1. The question and the case") + 1):]
    assert 'listed near the end, in "Levers and assumptions"' in re.sub(r"\s+", " ", body)


@pytest.mark.parametrize("which", ["zh", "en"])
def test_user_text_appears_literally(run_dir, english, which):
    html = (run_dir / "report.html" if which == "zh" else english.html).read_text(encoding="utf-8")
    assert "&lt;b&gt;x&lt;/b&gt; #set $y$ _z_ *w*" in html
    assert "<b>x</b>" not in html
    pdf = pdf_text(run_dir / "report.pdf" if which == "zh" else english.pdf)
    assert "<b>x</b> #set $y$ _z_ *w*" in re.sub(r"\s+", " ", pdf)


@pytest.mark.parametrize("which", ["zh", "en"])
def test_html_is_self_contained_with_no_broken_link_or_missing_figure(run_dir, english, which):
    html = (run_dir / "report.html" if which == "zh" else english.html).read_text(encoding="utf-8")
    ids = set(re.findall(r'id="([^"]+)"', html))
    links = re.findall(r'href="([^"]*)"', html)
    assert links and all(h.startswith("#") and h[1:] in ids for h in links), [h for h in links if h[1:] not in ids]
    srcs = re.findall(r'src="([^"]*)"', html)
    n_figures = len(re.findall(r"<figure ", html))
    assert n_figures >= 6 and len(srcs) == n_figures  # the overview, one per target, funnel, fiscal
    for s in srcs:
        head, _, data = s.partition(",")
        assert head in ("data:image/svg+xml;base64", "data:image/png;base64")
        raw = base64.b64decode(data, validate=True)
        assert raw.lstrip().startswith((b"<?xml", b"<svg", b"\x89PNG"))
    assert "@font-face" in html and "data:font/woff2;base64," in html
    # the embedded font has a glyph for every character the page shows: Chinese renders with no font installed
    import io
    from html import unescape

    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(base64.b64decode(re.search(r"data:font/woff2;base64,([A-Za-z0-9+/=]+)", html)[1])))
    shown = set(unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.S))))
    missing = {c for c in shown if not c.isspace() and ord(c) not in font.getBestCmap()}
    assert not missing, sorted(missing)[:20]
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)


def test_every_table_also_as_csv_and_latex(english):
    tables = english.files / "tables"
    csvs = sorted(tables.glob("*.csv"))
    assert {p.stem for p in csvs} == {p.stem for p in tables.glob("*.tex")}
    html = english.html.read_text(encoding="utf-8")
    assert len(csvs) == html.count("<table ")
    att = pd.read_csv(tables / "target_attainment.csv")
    assert list(att.columns) == ["Target", "Year", "Threshold", "P(met) [95% CI]", "Median", "5%–95%"]
    tex = (tables / "target_attainment.tex").read_text(encoding="utf-8")
    assert "\\begin{tabular}" in tex and "\\caption{" in tex
    figs = english.files / "figures"
    assert (figs / "funnel.svg").exists() and (figs / "overview.svg").exists()


def test_all_years_rows_say_what_the_median_counts(english):
    att = pd.read_csv(english.files / "tables" / "target_attainment.csv")
    joint = att["Target"] == "All targets met together"  # counts target-years, and its threshold says so
    all_rows = att[~att["Year"].astype(str).str.fullmatch(r"\d{4}") & ~joint]
    assert len(all_rows) and all_rows["Median"].str.startswith("years met: ").all()
    assert att.loc[joint & (att["Year"] == "all years"), "Threshold"].str.endswith("target-years").all()


def test_not_a_results_folder_is_one_line_exit_2(tmp_path, capsys):
    from sim.cli.main import main

    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "manifest.json" in err
    assert not list(tmp_path.glob("empty/*"))


def test_browser_opens_the_report_without_errors(run_dir, browser_page):
    from .browser import artefact_dir

    page = browser_page
    page.goto((run_dir / "report.html").as_uri())
    page.wait_for_load_state("load")
    assert page.console_errors == []
    broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).length")
    assert broken == 0 and page.evaluate("document.images.length") >= 6
    loaded = page.evaluate("document.fonts.load('16px ReportCJK', '情景仿真报告').then(f => f.map(x => x.status))")
    assert loaded == ["loaded"]  # the embedded face, not a system font
    page.screenshot(path=str(artefact_dir() / "report_zh_top.png"))
    page.locator("#sec-5").scroll_into_view_if_needed()
    page.screenshot(path=str(artefact_dir() / "report_zh_funnel.png"))
    page.goto((run_dir / "report.html").as_uri() + "#sec-3")
    assert page.evaluate("document.getElementById('sec-3').getBoundingClientRect().top") < 100


def test_figures_have_integer_count_ticks_svg_and_agreeing_labels(tmp_path):
    import sim
    from sim.report.figures import save_figure, target_figure

    case = sim.load_case(SMALL)
    res = sim.run(case, replicates=2, seed=3)
    tg = case.targets[0]
    fig = target_figure(res.series, res.target_summary, case, tg, "en")
    ax = fig.axes[0]
    assert tg.en.split(" (")[0] in ax.get_ylabel().replace("\n", " ")
    assert all(float(v).is_integer() for v in ax.get_yticks())
    png, svg = save_figure(fig, tmp_path / "f")
    assert png.stat().st_size > 0 and svg.read_text(encoding="utf-8").count("<path") > 10
    top = ax.get_ylim()[1]
    import numpy as np

    assert max(np.max(line.get_ydata()) for line in ax.get_lines()) < top / 1.3  # headroom for P(met) labels


def test_report_of_run_lottery_sweep_and_other_commands_folders(tmp_path, run_dir, capsys):
    """Folders of lottery and sweep are recognised from their manifests and get their own sections; a
    folder whose manifest names another command (here sensitivity) appears with its tables and figures."""
    from sim.cli.main import main

    from .sweep_util import write_spec

    spec = write_spec(tmp_path)
    assert main(["sweep", str(spec), "--workers", "1", "--out", str(tmp_path / "sweep"), "--quiet"]) == 0
    assert main(["lottery", str(SMALL), "--max-twins", "2", "--out", str(tmp_path / "lot"), "--quiet",
                 "--lang", "zh"]) == 0
    printed = capsys.readouterr().out
    assert "中签者减未中签者" in printed  # the printed table is in Chinese too
    assert "场景创新券的模拟抽签试验" in printed  # and its title names the lever in Chinese (was "vouchers 的")
    assert main(["summarize", str(tmp_path / "sweep"), "--lang", "zh", "--no-write"]) == 0
    printed = capsys.readouterr().out
    assert "个设计点" in printed
    # each table is titled by the target's wording in the case (it was the id alone), its rows headed 设计点
    assert "目标：发布小切口场景（每年，测试）" in printed and "┃ 设计点 ┃" in printed
    other = tmp_path / "sens"
    other.mkdir()
    (other / "manifest.json").write_text(json.dumps({"command": "sensitivity", "seed": 1}), encoding="utf-8")
    pd.DataFrame({"parameter": ["vouchers.share", "<i>p</i>"], "ST": [0.4, 0.1]}).to_csv(other / "indices.csv", index=False)
    shutil.copy(run_dir / "figures" / "overview.svg", other / "morris.svg")
    out = tmp_path / "all" / "r.html"
    assert main(["report", str(run_dir), str(tmp_path / "lot"), str(tmp_path / "sweep"), str(other), "--lang", "zh",
                 "--out", str(out)]) == 0
    text = pdf_text(out.with_suffix(".pdf"))
    assert "抽签试验：政策的额外性" in text and "参数扫描（tiny）" in text and "中签者减未中签者" in text
    html = out.read_text(encoding="utf-8")
    assert html.count("<section>") == 10  # six of the run, lottery, sweep, sensitivity, method notes
    assert "sensitivity结果（sens）" in html and "vouchers.share" in html and "&lt;i&gt;p&lt;/i&gt;" in html
    assert 'id="figure-sensitivity_morris"' in html
    # the sweep's table names its parameters and targets in the report's language (long ids overflowed)
    from sim.core.registry import REGISTRY

    sweep_html = html[html.index("参数扫描（tiny）"):]
    assert REGISTRY["vouchers.budget_cny_per_year"].label_zh in sweep_html
    assert "发布小切口场景（每年，测试）" in sweep_html
    assert (tmp_path / "all" / "r_files" / "tables" / "sensitivity_indices.csv").exists()


def test_numbers_in_chinese_use_wan_and_yi():
    from sim.report.i18n import count, money

    assert money(35e6, "zh") == "3,500万元" and money(1.23e8, "zh") == "1.23亿元" and money(35e6, "en") == "CNY 35 m"
    assert count(1237, "zh") == "1,237" and count(123456, "zh") == "12.3万" and count(2.5e8, "zh") == "2.5亿"


def test_long_identifiers_may_wrap_in_pdf_tables_and_numbers_do_not(tmp_path):
    """Typst breaks lines only at spaces (and between CJK characters): a column of ids such as
    ``vouchers.budget_cny_per_year`` ran over its neighbour in sensitivity and discover reports. They
    now wrap after ``.`` and ``_``, and the PDF's text is the id itself (a zero-width space used to
    come along when one was copied out of the PDF)."""
    from sim.report.document import Document, Section, Table
    from sim.report.pdf import BREAK, breakable, render_pdf

    assert breakable("vouchers.budget_cny_per_year") == f"vouchers.{BREAK}budget_{BREAK}cny_{BREAK}per_{BREAK}year"
    assert breakable("target.x.2028.met").replace(BREAK, "") == "target.x.2028.met"
    for kept in ("1.556e+04", "24,060,164", "0.25", "lever", "cost.total_cny", "0.1.0+g0058ed9", "跨省投标意识（占本省企业的比例）",
                 "a b.c_d e_f_g_h"):
        assert breakable(kept) == kept
    ids = ["regions.hubei.grant_to_equity.budget_cny_per_year", "regions.shandong.procurement.budget_cny_per_year",
           "regions.rest_of_china.vouchers.budget_cny_per_year"]  # three such columns are wider than the page
    pdf, warnings = render_pdf(Document("t", "s", "en", [Section("One", [Table("ids", "Ids", ["a", "b", "c"], [ids], left=3)])]))
    assert warnings == []
    (tmp_path / "t.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "\u200b" not in text and BREAK not in text
    for i in ids:
        head, sep, tail = text.partition(i[: i.index("budget")])  # the part before the wrap is on one line
        assert sep, i
        # each id wrapped, after a "_", and reads as itself once the line break is taken out
        line, rest = tail.split("\n", 1)
        assert line.endswith("_") and (line + rest.split("\n", 1)[0]) == i[len(sep):], (line, i)


def test_two_runs_keep_both_sets_of_figures_and_a_dotted_name_keeps_its_dot(tmp_path, run_dir):
    """A report of two run folders writes each run's figures (the second's numbered, as its tables are),
    not the second over the first; ``--out name_v1.2`` writes name_v1.2.html/.pdf beside name_v1.2_files
    (not name_v1.html: a v1.1 and a v1.2 report would overwrite each other)."""
    from sim.cli.main import main

    out = tmp_path / "hunan_v1.2"
    other = tmp_path / "second_run"
    shutil.copytree(run_dir, other)
    assert main(["report", str(run_dir), str(other), str(other), "--lang", "en", "--out", str(out)]) == 0
    # each run's sections say whose they are; a folder named twice is reported once
    html = (tmp_path / "hunan_v1.2.html").read_text(encoding="utf-8")
    assert "The question and the case (run)" in html and "The question and the case (second_run)" in html
    assert html.count("<section>") == 2 * 6 + 1  # two runs' six sections (results and levers), the method notes
    assert (tmp_path / "hunan_v1.2.html").exists() and (tmp_path / "hunan_v1.2.pdf").exists()
    assert not (tmp_path / "hunan_v1.html").exists()
    figures = tmp_path / "hunan_v1.2_files" / "figures"
    assert (figures / "overview.svg").exists() and (figures / "overview_2.svg").exists()
    assert (figures / "overview.png").exists() and (figures / "overview_2.png").exists()
    from sim.report.build import report_paths

    for name in ("plan.2026", "plan.2026.html", "plan.2026.PDF"):
        html, pdf, files = report_paths([run_dir], tmp_path / name)
        assert (html.name, pdf.name, files.name) == ("plan.2026.html", "plan.2026.pdf", "plan.2026_files")
    # an existing folder: the report goes into it (it was written beside it, as <folder>.html)
    (tmp_path / "reports").mkdir()
    html, pdf, files = report_paths([run_dir], tmp_path / "reports")
    assert (html, pdf, files) == (tmp_path / "reports" / "report.html", tmp_path / "reports" / "report.pdf",
                                  tmp_path / "reports" / "report_files")


def _pdf_pages(tmp_path, doc):
    """Render ``doc`` (no Typst warnings allowed) to ``tmp_path/t.pdf``: the path and the (width, height)
    of its first nine pages."""
    from sim.report.pdf import render_pdf

    pdf, warnings = render_pdf(doc)
    assert warnings == []
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9", str(path)], capture_output=True, text=True).stdout
    sizes = [tuple(float(v) for v in re.search(r"size:\s+([\d.]+) x ([\d.]+)", ln).groups())
             for ln in info.splitlines() if re.match(r"Page\s+\d+ size", ln)]
    return path, sizes


def test_wide_tables_get_landscape_pages_and_the_widest_a_pointer(tmp_path):
    """Tables of other commands' folders (validate: 19 columns, effects, optimise) ran into each other on an
    upright A4 page. In the PDF a table of more than 9 columns is set small on a landscape page — two in
    a row share one — with long text cut (the note says where the whole of it is), and one of more than
    20 columns (a sweep's runs) is replaced by a sentence naming its file. The HTML keeps everything."""
    from sim.report.document import Document, Section, Table
    from sim.report.pdf import LONG

    long_text = "Chengdu city opportunity list, 2021 batch: 86 of 101 items were opened by government departments"
    wide = [f"col_{i}_name" for i in range(12)]
    row = ["876,722,128,000.5"] * 11 + [long_text]  # numbers too wide for 11 columns upright
    tables = [Table("narrow", "Narrow", ["a", "b"], [["x", "1"]]),
              Table("wide_one", "Wide one", wide, [row] * 3, left=(11,)),
              Table("wide_two", "Wide two", wide, [row], left=(11,)),
              Table("runs", "Runs", [f"c{i}" for i in range(25)], [["1"] * 25] * 4)]
    path, sizes = _pdf_pages(tmp_path, Document("t", "s", "en", [Section("One", tables)]))
    assert sum(w > h for w, h in sizes) == 1 and sizes[0][0] < sizes[0][1], sizes  # one landscape page, shared
    text = " ".join(pdf_text(path).split())
    assert "876,722,128,000.5" in text and long_text[:40] in text and long_text[LONG:] not in text
    assert "Text longer than 60 characters is cut in this PDF" in text and "tables/wide_one.csv" in text
    assert "Table “Runs” has 25 columns, too many for a PDF page: its 4 rows are in tables/runs.csv" in text


def test_a_wide_table_that_fits_upright_gets_no_landscape_page(tmp_path):
    """A table of more than 9 short columns (compare's spending by lever: 7 rows, 14 columns) took a
    landscape page of its own, mostly empty. It stays in the upright text when its cells fit the page's
    width, and only the tables that do not fit share landscape pages, in the order they come."""
    from sim.report.document import Document, Section, Table

    short = Table("spend", "Spending by lever", ["lever"] + [f"m{i}" for i in range(13)],
                  [["vouchers"] + ["1.2"] * 13] * 7)
    wide = Table("wide", "Wide", [f"column_{i}_name" for i in range(12)], [["876,722,128,000"] * 12] * 3)
    for blocks, landscape in (([short], 0), ([short, wide], 1), ([wide, short, wide], 2)):
        path, sizes = _pdf_pages(tmp_path, Document("t", "s", "en", [Section("One", blocks)]))
        assert sum(w > h for w, h in sizes) == landscape, (len(blocks), sizes)
        assert "Spending by lever" in pdf_text(path)


def test_target_names_come_from_the_recorded_case_when_its_file_is_not_found(tmp_path):
    """A sweep folder read from another directory (its manifest's case path is relative to where the
    sweep ran) still names its targets: from the case the manifest records."""
    from sim.report.sections_more import target_names

    man = {"case_file": str(tmp_path / "gone.toml"),
           "identity": {"case": {"targets": [{"id": "a", "zh": "甲目标", "en": "Target A"}, {"id": "b"}]}}}
    assert target_names(man, "zh") == {"a": "甲目标"} and target_names(man, "en") == {"a": "Target A"}
    assert target_names({"case_file": "gone.toml"}, "en") == {}


def test_a_chinese_report_cites_the_document_in_chinese_and_a_region_never_inherits_it(tmp_path):
    """Hunan's document in a Chinese report: 2026年4月3日印发, not "issued 2026-04-03"; a case that extends
    another cites its own document (or none), in either language."""
    from sim.core.case import load_case
    from sim.report.sections import question_section

    hunan = load_case(ROOT / "scenarios" / "hunan_2026_2028.toml")
    assert "2026年4月3日印发" in hunan.document_zh and "issued" not in hunan.document_zh
    f = tmp_path / "region.toml"
    f.write_text(f'[case]\nextends = "{(ROOT / "scenarios" / "hunan_2026_2028.toml").as_posix()}"\nid = "region"\n'
                 'name_zh = "区"\nname_en = "region"\ndocument = "its own"\n', encoding="utf-8")
    region = load_case(f)
    assert region.document == "its own" and region.document_zh == ""

    class Run:  # what question_section reads of a run
        pass

    for case, lang, want, not_want in ((hunan, "zh", "2026年4月3日印发", "issued"), (hunan, "en", "issued 2026-04-03", "印发"),
                                       (region, "zh", "its own", "印发")):
        run = Run()
        run.case, run.replicates, run.seed, run.manifest = case, 2, 1, {}
        text = " ".join(str(b) for b in question_section(run, lang).blocks)
        assert want in text and not_want not in text, (lang, text[:300])


def test_another_commands_figures_drawn_in_the_other_language_are_said_to_be(tmp_path):
    """A report copies other commands' figures as they were drawn. A Chinese report of a sensitivity
    folder drawn in English said nothing of it; now a sentence says in which language they were drawn
    and how to redraw them (nothing is said when the languages agree or no figure is copied)."""
    from sim.report.sections_more import generic_section
    from sim.report.sources import Source

    folder = tmp_path / "sens"
    (folder / "figures").mkdir(parents=True)
    (folder / "figures" / "morris_x.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    pd.DataFrame({"a": [1]}).to_csv(folder / "t.csv", index=False)

    def texts(drawn, lang, with_figure=True):
        if not with_figure:
            (folder / "figures" / "morris_x.png").unlink(missing_ok=True)
        sec = generic_section(Source("other", folder, {"command": "sensitivity", "lang": drawn}), lang)
        return " ".join(b for b in sec.blocks if isinstance(b, str))

    assert "drawn in Chinese when scensim sensitivity ran" in texts("zh", "en")
    assert "以英文绘制" in texts("en", "zh") and "--lang zh" in texts("en", "zh")
    assert "drawn in" not in texts("en", "en") and "绘制" not in texts("zh", "zh")
    assert "drawn in" not in texts(None, "en")  # an older manifest: unknown, nothing claimed
    assert "drawn in" not in texts("zh", "en", with_figure=False)


def test_month_ticks_never_overlap_when_the_horizon_starts_in_december(tmp_path):
    """Hubei's horizon starts in 2025-12: the first month's tick and January's, one month apart, were
    printed on top of each other ("2025-2026-01") in every fan chart and in the overview."""
    import sim
    from sim.report.figures import overview_figure, target_figure

    p = tmp_path / "december.toml"
    p.write_text(f'[case]\nextends = "{SMALL}"\nid = "december"\nname_zh = "十二月"\nname_en = "December"\n'
                 'document = "x"\nstart = "2029-12"\nend = "2031-12"\n', encoding="utf-8")
    case = sim.load_case(p, allow_outside=True)
    res = sim.run(case, replicates=2, seed=3)
    figs = [target_figure(res.series, res.target_summary, case, tg, lang) for tg in case.targets
            for lang in ("en", "zh")] + [overview_figure(res.series, res.target_summary, case, "zh")]
    for fig in figs:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            labels = [t for t in ax.get_xticklabels() if t.get_text()]
            boxes = [t.get_window_extent(renderer) for t in labels]
            assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:])), [t.get_text() for t in labels]


def test_the_chinese_reports_run_metadata_names_its_items_in_chinese(run_dir):
    """The metadata table of a --lang zh report listed "run: seed", "run: replicates", "run: case" … in
    English; now 随机种子（seed） etc. (the manifest's key kept in brackets), and still in English in en."""
    from sim.report.document import Table
    from sim.report.sections import method_section
    from sim.report.sources import detect

    src = detect(run_dir)
    zh = next(b for b in method_section([src], "zh").blocks if isinstance(b, Table) and b.name == "metadata")
    items = [r[0] for r in zh.rows]
    assert "run：随机种子（seed）" in items and "run：重复次数（replicates）" in items and "run：案例（case）" in items
    assert not any(re.fullmatch(r"run: \w+", i) for i in items), items
    en = next(b for b in method_section([src], "en").blocks if isinstance(b, Table) and b.name == "metadata")
    assert "run: seed" in [r[0] for r in en.rows]


def test_chinese_titles_never_start_a_line_with_closing_punctuation(tmp_path):
    """Shandong's overview panel was titled "推广战略性、高价值人工智能应用场景（累计，约100个" / "）（项）": the
    wrap at 26 characters put the closing bracket at the start of the second line."""
    import sim
    from sim.report.figures import overview_figure, target_figure

    closing = "）)】」』，。、；：！？"
    p = tmp_path / "long.toml"
    text = SMALL.read_text(encoding="utf-8")
    first = text.index("[[targets]]")
    target = text[first:text.index("[[targets]]", first + 1)]
    target = re.sub(r'zh = ".*"', 'zh = "推广战略性、高价值人工智能应用场景（累计，约100个）"', target, count=1)
    p.write_text(f'[case]\nextends = "{SMALL.as_posix()}"\nid = "long"\nname_zh = "长"\nname_en = "long"\n'
                 f'document = "x"\n\n{target}', encoding="utf-8")
    case = sim.load_case(p, allow_outside=True)
    res = sim.run(case, replicates=1, seed=3)
    fig = overview_figure(res.series, res.target_summary, case, "zh")
    title = fig.axes[0].get_title()
    assert "\n" in title and "".join(title.split("\n")) == "推广战略性、高价值人工智能应用场景（累计，约100个）（项）"
    single = target_figure(res.series, res.target_summary, case, case.targets[0], "zh")
    for text in (title, single.axes[0].get_ylabel()):
        assert not any(line[:1] and line[0] in closing for line in text.split("\n")), text
