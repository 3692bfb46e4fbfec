"""Inputs that cannot hurt: the registry parses every value, the loaders refuse what would crash or
exhaust the process, paths stay inside the project unless allowed, and user strings are escaped."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from sim.base.errors import InputError, printable
from sim.core.case import load_case, parse_assignment
from sim.core.registry import REGISTRY
from sim.engine.sweep import load_spec

from .conftest import HUNAN, ROOT
from .sweep_util import write_spec

SMALL = ROOT / "scenarios" / "synthetic_small.toml"


def small_text() -> str:
    """The synthetic case, to be written elsewhere: its ``extends`` made absolute (still in scenarios/)."""
    return SMALL.read_text(encoding="utf-8").replace('extends = "hunan_2026_2028.toml"',
                                                     f'extends = "{HUNAN.as_posix()}"')


def cli(*args) -> tuple[int, str, str]:
    """``scensim ARGS`` in this process: (status, stdout, stderr); any exception is a test failure."""
    from sim.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main([str(a) for a in args])
        except SystemExit as e:
            status = e.code
    return status, out.getvalue(), err.getvalue()


def one_line_error(status, err, *, code=2):
    lines = err.strip().splitlines()
    assert status == code and len(lines) == 1 and lines[0].startswith("scensim: error: "), (status, err)
    assert "Traceback" not in err
    return lines[0]


# -- the registry --------------------------------------------------------------------------------
@pytest.mark.parametrize("name,value,ok", [
    ("vouchers.share", 0.5, 0.5),
    ("vouchers.share", 1, 1.0),  # an int for a float parameter is a number
    ("population.startups", 20, 20),
    ("population.startups", 20.0, 20),  # a whole float for an integer, as the loader always allowed
    ("procurement.first_purchase", True, True),
])
def test_parse_accepts_values_of_the_declared_type(name, value, ok):
    got = REGISTRY[name].parse(value, "f.toml", "k")
    assert got == ok and type(got) is type(ok)


@pytest.mark.parametrize("name,value,message", [
    ("vouchers.share", "0.5", 'k = "0.5": expected a number between 0 and 1'),
    ("vouchers.share", True, "k = true: expected a number"),  # a switch is not a number
    ("population.startups", 2.5, "expected an integer"),
    ("procurement.first_purchase", 1, "k = 1: expected true or false"),
    ("procurement.first_purchase", "true", 'expected true or false'),
    ("vouchers.share", float("inf"), "a finite number"),
    ("vouchers.share", float("nan"), "a finite number"),
    ("vouchers.share", 1.5, "k = 1.5: must be a number between 0 and 1"),
    ("population.startup_entry_per_month", 1e12, "must be a number between 0 and 5000"),
    ("population.startups", 10 ** 400, "whole number of about 401 digits: must be an integer between 0 and 200,000"),
    ("vouchers.budget_cny_per_year", 10 ** 400, "must be a number between 0 and 1e+13"),
    ("supply.net_cashflow_cny_per_month.sme", -1e300, "between -10,000,000,000 and 10,000,000,000"),
    ("scenario.budget_median_cny.small_cut", 0, "must be a number between 10000 and 1e+13"),  # 0: every bid 0/0
])
def test_parse_refuses_with_one_line_naming_file_key_value_and_allowed(name, value, message):
    with pytest.raises(InputError) as e:
        REGISTRY[name].parse(value, "f.toml", "k")
    text = str(e.value)
    assert text.startswith("f.toml: k") and "\n" not in text and message in text, text


def test_finance_line_shares_may_not_all_be_zero_wherever_they_are_set(tmp_path):
    """All four at 0 left the finance budget unspent without a word: refused in a case file, by --set (all
    overrides applied first: setting them one by one through 0 is fine) and by Case.with_params."""
    from sim.core.case import load_case

    names = [f"finance.line_share.{k}" for k in ("interest_subsidy", "guarantee", "premium_subsidy", "guidance_fund")]
    status, out, err = cli("run", str(SMALL), "--no-write", *[a for n in names for a in ("--set", f"{n}=0")])
    assert status == 2 and out == "" and err.strip() == ("scensim: error: --set: finance.line_share.* = 0: must not "
                                                        "all be 0: the finance budget is split in these shares "
                                                        "(normalised to sum to 1)")
    case = load_case(SMALL, {n: 0 for n in names[:3]})  # three at 0: the fourth takes the whole budget
    with pytest.raises(InputError, match="must not all be 0"):
        case.with_params({names[3]: 0.0}, origin="sweep point")
    lines = "\n".join(f'{n.split(".", 1)[1]} = {{ value = 0.0, unit = "share", range = [0.0, 1.0], source = "t" }}'
                      for n in names)
    f = tmp_path / "zero.toml"
    f.write_text(f'[case]\nextends = "{SMALL.as_posix()}"\nid = "zero"\nname_zh = "零"\nname_en = "zero"\n'
                 f'document = "t"\n\n[levers.finance]\n{lines}\n', encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_case(f)
    assert str(e.value).startswith(f"{f}: finance.line_share.* = 0: must not all be 0"), str(e.value)


def test_every_count_rate_and_amount_has_a_finite_upper_bound():
    for p in REGISTRY:
        if p.dtype is not bool:
            assert p.limits[1] <= 1e15, p.name
        if p.dtype is int or p.unit.startswith(("firms", "needs", "CNY", "months", "openers")):
            assert p.bounds[1] < float("inf"), f"{p.name}: give an upper bound (memory or meaning)"


def test_lookup_suggests_the_closest_name():
    with pytest.raises(InputError, match=r"unknown parameter \(did you mean 'vouchers.share'\?\)"):
        REGISTRY.lookup("vouchers.shares", "f.toml")
    with pytest.raises(InputError, match="did you mean 'vouchers.share'"):
        parse_assignment("vouchers.shar=0.5")


def test_set_takes_toml_values_only():
    assert parse_assignment("vouchers.budget_cny_per_year=60_000_000") == ("vouchers.budget_cny_per_year", 6e7)
    for bad, msg in (("vouchers.share=inf", "vouchers.share"), ("vouchers.share=\"0.5\"", "expected a number"),
                     ("procurement.first_purchase=True", "true or false"), ("vouchers.share=0.5\nx=1", "one line"),
                     ("population.startups=" + "9" * 5000, "population.startups")):
        with pytest.raises(InputError, match=re.escape(msg)):
            parse_assignment(bad)


# -- loader limits -----------------------------------------------------------------------------------
def _case_with(tmp_path, extra: str = "", replace=(), name="case.toml", text=None) -> Path:
    text = small_text() if text is None else text
    for a, b in replace:
        assert a in text, a
        text = text.replace(a, b, 1)
    p = tmp_path / name
    p.write_text(text + extra, encoding="utf-8")
    return p


@pytest.mark.parametrize("extra,message", [
    ("\n[case.notes.extra]\nx = " + "[" * 500 + "]" * 500 + "\n", "nested too deeply"),
    ("\n[case.notes." + ".".join(f"a{i}" for i in range(1000)) + "]\nx = 1\n", "nested too deeply"),
    ("\n[case.notes.extra]\nx = " + "1" * 400 + "\n", "whole numbers must fit in 64 bits"),
    ("\n[case.notes.extra]\nx = " + "1" * 5000 + "\n", "case.toml"),
    ("\n[case.notes.extra]\nx = inf\n", "case.notes.extra.x = inf: must be a finite number"),
    ("\n[case.notes.extra]\nx = nan\n", "must be a finite number"),
])
def test_loader_limits_are_one_line_errors(tmp_path, extra, message):
    p = _case_with(tmp_path, extra)
    with pytest.raises(InputError) as e:
        load_case(p)
    assert message in str(e.value) and "\n" not in str(e.value)
    status, _, err = cli("run", p, "--out", tmp_path / "out", "--quiet")
    assert message in one_line_error(status, err)
    assert not (tmp_path / "out").exists()


def test_strings_for_numbers_and_switches_are_refused(tmp_path):
    text = small_text()
    m = re.search(r"^(share\s*=\s*\{\s*value\s*=\s*)([0-9.]+)", text, re.M)
    assert m, "synthetic_small has a share"
    p = _case_with(tmp_path, text=text[:m.start(2)] + f'"{m.group(2)}"' + text[m.end(2):])
    with pytest.raises(InputError, match=r'\.share\.value = "[0-9.]+": expected a number'):
        load_case(p)


@pytest.mark.parametrize("extends,message", [
    ("../../../../../../etc/passwd", "must name a file in this file's folder"),
    ("/etc/hostname", "must name a file in this file's folder"),
    ("a" * 5000, "a path may have at most 1024 characters"),
    ("x\\u0000y", "must not contain NUL or control characters"),
])
def test_extends_stays_inside_the_case_folder_or_scenarios(tmp_path, extends, message):
    p = tmp_path / "region" / "x.toml"
    p.parent.mkdir()
    p.write_text(f'[case]\nextends = "{extends}"\nid = "x"\nname_zh = "x"\nname_en = "x"\ndocument = "d"\n',
                 encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_case(p)
    assert message in str(e.value) and "root:" not in str(e.value)
    status, _, err = cli("run", p, "--out", tmp_path / "out", "--quiet")
    assert message in one_line_error(status, err)


def test_extends_outside_is_allowed_with_the_flag(tmp_path):
    base = tmp_path / "elsewhere" / "base.toml"
    base.parent.mkdir()
    base.write_text(small_text(), encoding="utf-8")
    p = tmp_path / "region" / "x.toml"
    p.parent.mkdir()
    p.write_text('[case]\nextends = "../elsewhere/base.toml"\nid = "x"\nname_zh = "x"\nname_en = "x"\n'
                 'document = "d"\n', encoding="utf-8")
    with pytest.raises(InputError, match="--allow-outside-paths"):
        load_case(p)
    assert load_case(p, allow_outside=True).id == "x"
    # inside the project's scenarios/ is always allowed, from anywhere
    p.write_text(f'[case]\nextends = "{HUNAN.as_posix()}"\nid = "x"\nname_zh = "x"\nname_en = "x"\ndocument = "d"\n',
                 encoding="utf-8")
    assert load_case(p).id == "x"


def test_spec_case_path_is_confined_and_run_counts_are_checked_before_allocating(tmp_path):
    spec = write_spec(tmp_path, [('case        = "tiny_case.toml"', 'case        = "../../../etc/passwd"')])
    with pytest.raises(InputError, match="experiment.case.*must name a file in this file's folder"):
        load_spec(spec)
    spec = write_spec(tmp_path, [("levels = 2", "levels = 1000000000")])
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=r"design.levels = 1000000000: must be a whole number >= 2 and <= 10,000"):
        load_spec(spec)
    assert time.perf_counter() - t0 < 30
    spec = write_spec(tmp_path, [("levels = 2", "levels = 10000"),
                                 ("vouchers.budget_cny_per_year      = { values = [0, 60_000_000] }",
                                  "vouchers.budget_cny_per_year      = { range = [0, 60_000_000] }\n"
                                  "vouchers.share = { range = [0.1, 0.9] }")])
    with pytest.raises(InputError, match=r"the sweep would have 3,000,000,000,000 runs"):
        load_spec(spec)


# -- writing -----------------------------------------------------------------------------------------
def test_an_unwritable_out_is_refused_before_running(tmp_path):
    status, out, err = cli("run", SMALL, "--out", "/dev/null/x", "--quiet")
    assert "/dev/null is not a folder" in one_line_error(status, err)
    assert out == ""  # refused before the run: no table printed
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    status, _, err = cli("run", SMALL, "--out", tmp_path / "mine", "--quiet")
    assert "not a result set" in one_line_error(status, err)
    assert os.listdir(tmp_path / "mine") == ["notes.txt"]


def test_a_full_disk_while_writing_is_one_line_exit_1_and_the_old_set_stays(tmp_path):
    out = tmp_path / "out"
    first = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(SMALL), "--out", str(out), "--no-figures",
                            "--quiet", "--seed", "1"], capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # a file-size limit makes the second run's writes fail with EFBIG ("File too large"), as a full disk would
    r = subprocess.run(f"ulimit -f 4; exec {sys.executable} -m sim.cli run {SMALL} --out {out} --no-figures "
                       "--quiet --seed 2", shell=True, capture_output=True, text=True, cwd=ROOT)
    line = one_line_error(r.returncode, r.stderr, code=1)
    assert "could not write the results" in line and "File too large" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left


# -- escaping ---------------------------------------------------------------------------------------
def test_user_strings_are_escaped_in_the_report_and_on_the_terminal(tmp_path):
    evil = '<img src=x onerror=alert(1)> | [link](http://x) \\u001b[31mRED'
    text = small_text()
    text = re.sub(r'^name_en\s*=.*$', lambda _: f'name_en = "{evil}"', text, count=1, flags=re.M)
    text = re.sub(r'^en\s*=.*$', lambda _: f'en = "{evil}"', text, count=0, flags=re.M)
    p = _case_with(tmp_path, text=text)
    status, out, err = cli("run", p, "--out", tmp_path / "o", "--quiet", "--replicates", "2")
    assert status == 0, err
    assert "\x1b" not in out and "\\x1b[31mRED" in out
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "<img src=x onerror" not in html and "&lt;img src=x onerror" in html
    assert "\x1b" not in html
    assert printable("a\x1b[2Jb\x00c") == "a\\x1b[2Jb\\x00c"
