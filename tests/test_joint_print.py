"""P(all targets met together) is printed wherever P(met) is: run, compare, summarize — and agrees
with sim.core.targets.joint_attainment."""

import re

import sim
from sim.engine.sweep import read_runs
from sim.core.targets import joint_attainment

from .conftest import ROOT
from .sweep_util import TINY, scensim

SMALL = ROOT / "scenarios" / "synthetic_small.toml"


def _joint_lines(text):
    return [ln for ln in text.splitlines() if "All targets met together" in ln or "all targets met together" in ln]


def test_run_prints_joint_attainment_per_year_and_overall():
    r = scensim("run", SMALL, "--replicates", "3", "--seed", "2", "--no-write", "--quiet")
    lines = _joint_lines(r.stdout)
    assert len(lines) == 3 and "all years" in lines[-1]
    want = joint_attainment(sim.run(sim.load_case(SMALL), replicates=3, seed=2).targets)
    for line, (_, row) in zip(lines, want.iterrows()):
        assert f"{row['p_met']:.2f} [{row['p_low']:.2f}, {row['p_high']:.2f}]" in line


def test_summarize_and_compare_print_joint_attainment(tmp_path):
    out = tmp_path / "tiny"
    scensim("sweep", TINY, "--workers", "1", "--out", out, "--quiet")
    r = scensim("summarize", out, "--no-write")
    text = r.stdout[r.stdout.index("all targets met together"):]
    runs = read_runs(out)
    met = runs[[c for c in runs.columns if re.match(r"target\.\w+\.\d{4}\.met$", c)]].all(axis=1)
    p0 = met[runs["point"] == 0].mean()
    assert re.search(rf"│\s+0 │.*{p0:.2f} \[", text)
    c = scensim("compare", ROOT / "tests" / "specs" / "mixes_small.toml", "-r", "2", "--out", tmp_path / "cmp", "--quiet")
    assert len(_joint_lines(c.stdout)) == 3
    assert (tmp_path / "cmp" / "compare_joint.csv").exists()


def test_a_single_evaluated_target_is_not_plural(tmp_path):
    """Shandong's one target printed "1 targets" and "1 target-years" in the joint rows."""
    p = tmp_path / "one.toml"
    text = SMALL.read_text(encoding="utf-8")
    first = text.index("[[targets]]")
    target = text[first:text.index("[[targets]]", first + 1)]  # the small case's first target alone
    p.write_text(f'[case]\nextends = "{SMALL.as_posix()}"\nid = "one"\nname_zh = "一"\nname_en = "one"\n'
                 f'document = "x"\n\n{target}', encoding="utf-8")
    r = scensim("run", p, "--replicates", "2", "--seed", "2", "--no-write", "--quiet")
    lines = _joint_lines(r.stdout)
    assert re.search(r"│\s+1 target │", lines[0]) and re.search(r"│\s+2 target-years │", lines[-1]), lines
