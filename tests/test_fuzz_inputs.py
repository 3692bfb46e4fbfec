"""A seeded fuzz of every input the command line reads: hundreds of mutated case files, sweep specs
and ``--set`` overrides. Each must either load (and a few run end to end) or be refused with one
line, exit status 2 and nothing written — never a traceback.

The commands run in this process (``sim.cli.main.main``) so hundreds of variants take seconds; the
simulation itself is replaced by a stub for most variants ("stop after loading"), and run for real
on a few that loaded, on ``scenarios/synthetic_small.toml``.
"""

from __future__ import annotations

import io
import random
import re
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from .conftest import HUNAN, ROOT
from .sweep_util import write_spec

SMALL = ROOT / "scenarios" / "synthetic_small.toml"
SEED = 20261202
N_CASES, N_SPECS, N_SETS, N_END_TO_END = 250, 120, 120, 3
BUDGET_S = 60  # the whole fuzz, on a loaded 2-core machine

WEIRD = ['"0.5"', '"true"', "true", "false", "inf", "-inf", "nan", "1e308", "-1e308", "1e16", "-1", "0", "1", "2",
         "0.5", "1.5", "-0.0", "1" + "0" * 400, "9223372036854775808", "-9223372036854775809", "[1, 2]", "[]", "{}",
         '""', '"x"', "1979-05-27", "3.0", "12", "1_000_000", "0x10", '"\\u001b[31m"', '"a\\u0000b"',
         "[" * 300 + "]" * 300, "{ a = { b = { c = 1 } } }"]
PATHS = ['"../../../../etc/passwd"', '"/etc/hostname"', '"' + "a" * 5000 + '"', '"x\\u0000y"', '"."', '""',
         '"hunan_2026_2028.toml"', '"../scenarios/hunan_2026_2028.toml"', '"no_such.toml"', "42"]
NAMES = ["vouchers.share", "vouchers.budget_cny_per_year", "population.startups", "population.startup_entry_per_month",
         "procurement.first_purchase", "selection.call_months", "diffusion.q", "vouchers.shar", "nope", "", "a.b.c",
         "population.startups.x", "pilot.duration_months.major", "zones.min_landed"]


class Loaded(Exception):
    """Raised by the stubbed simulation: the input loaded."""


def _cli(args, stub: bool, monkeypatch) -> tuple[int | str, str, str]:
    from sim.cli.main import main
    import sim.engine.runner as runner
    import sim.engine.sweep.execute as execute

    def stop(*a, **k):
        raise Loaded

    with monkeypatch.context() as mp:
        if stub:
            mp.setattr(runner, "run", stop)
            mp.setattr(execute, "run_sweep", stop)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                status = main([str(a) for a in args])
            except Loaded:
                status = "loaded"
            except SystemExit as e:
                status = e.code
    return status, out.getvalue(), err.getvalue()


def _check(status, err, out_dir: Path, what: str) -> None:
    """Loaded or refused with one line, exit 2, nothing written; never a traceback."""
    assert "Traceback" not in err, f"{what}: {err}"
    if status in ("loaded", 0):
        return
    lines = err.strip().splitlines()
    assert status == 2, f"{what}: exit {status}: {err}"
    assert len(lines) == 1 and lines[0].startswith("scensim: error: "), f"{what}: {err!r}"
    assert not out_dir.exists(), f"{what}: refused, but wrote {out_dir}"


def _mutate(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    op = rng.randrange(10)
    i = rng.randrange(len(lines))
    if op <= 3:  # a value replaced by something strange
        cand = [k for k, l in enumerate(lines) if re.search(r"=\s*\S", l)]
        k = rng.choice(cand)
        if "value =" in lines[k] and rng.random() < 0.7:
            repl = "value = " + rng.choice(WEIRD)
            lines[k] = re.sub(r"value\s*=\s*[^,}]+", lambda _: repl, lines[k], count=1)
        else:
            key = lines[k].split("=", 1)[0]
            lines[k] = f"{key}= {rng.choice(WEIRD + PATHS)}"
    elif op == 4:
        del lines[i]
    elif op == 5:
        lines.insert(i, lines[rng.randrange(len(lines))])
    elif op == 6:  # extends elsewhere
        k = next((k for k, l in enumerate(lines) if l.startswith("extends") or l.startswith("case ")), 0)
        key = "extends" if lines[k].startswith("extends") else "case"
        lines[k] = f"{key} = {rng.choice(PATHS)}"
    elif op == 7:  # a byte flipped
        s = "\n".join(lines)
        j = rng.randrange(len(s))
        return s[:j] + chr(rng.choice([0, 7, 27, 34, 39, 61, 91, 93, 123, 125, 0x202E, ord("x")])) + s[j + 1:]
    elif op == 8:  # truncated
        return "\n".join(lines)[: rng.randrange(len(text))]
    else:  # deep nesting or many headers
        lines.append(rng.choice(["[fuzz]\nx = " + "[" * 600 + "]" * 600,
                                 "[" + ".".join(f"t{j}" for j in range(1200)) + "]\nx = 1",
                                 "[case.notes.fuzz]\nx = " + "7" * 450]))
    return "\n".join(lines)


def test_fuzzed_inputs_load_or_are_refused_in_one_line(tmp_path, monkeypatch):
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    case_text = SMALL.read_text(encoding="utf-8").replace('extends = "hunan_2026_2028.toml"',
                                                          f'extends = "{HUNAN.as_posix()}"')
    spec_dir = tmp_path / "spec_base"
    spec_dir.mkdir()
    spec_text = write_spec(spec_dir).read_text(encoding="utf-8")
    outcomes = {"loaded": 0, "refused": 0}
    runnable: list[Path] = []

    for n in range(N_CASES):
        d = tmp_path / f"c{n}"
        d.mkdir()
        p = d / "case.toml"
        text = case_text
        for _ in range(rng.choice([1, 1, 2, 3])):
            text = _mutate(text, rng)
        p.write_text(text, encoding="utf-8", errors="surrogatepass")
        status, _, err = _cli(["run", p, "--out", d / "out", "--quiet", "--no-figures"], True, monkeypatch)
        _check(status, err, d / "out", f"case variant {n}")
        outcomes["loaded" if status == "loaded" else "refused"] += 1
        if status == "loaded" and len(runnable) < N_END_TO_END:
            runnable.append(p)

    for n in range(N_SPECS):
        d = tmp_path / f"s{n}"
        d.mkdir()
        (d / "tiny_case.toml").write_text((spec_dir / "tiny_case.toml").read_text(encoding="utf-8"), encoding="utf-8")
        p = d / "spec.toml"
        text = spec_text
        for _ in range(rng.choice([1, 2])):
            text = _mutate(text, rng)
        if rng.random() < 0.1:
            text = text.replace("levels = 2", f"levels = {rng.choice([1000000000, 10001, 0, -3])}")
        p.write_text(text, encoding="utf-8", errors="surrogatepass")
        status, _, err = _cli(["sweep", p, "--out", d / "out", "--quiet", "--workers", "1"], True, monkeypatch)
        _check(status, err, d / "out", f"spec variant {n}")
        outcomes["loaded" if status == "loaded" else "refused"] += 1

    for n in range(N_SETS):
        d = tmp_path / f"o{n}"
        sets = []
        for _ in range(rng.choice([1, 2])):
            value = rng.choice(WEIRD + ["0.3", "10", "true", "2e8", "x y", "1e12"])
            sets += ["--set", f"{rng.choice(NAMES)}={value}"]
        if rng.random() < 0.1:
            sets += ["--set", "novalue"]
        status, _, err = _cli(["run", SMALL, "--out", d / "out", "--quiet", "--no-figures", *sets], True, monkeypatch)
        _check(status, err, d / "out", f"overrides {sets}")
        outcomes["loaded" if status == "loaded" else "refused"] += 1

    for p in runnable:  # a few variants that loaded run end to end and write their results
        out = p.parent / "out"
        status, _, err = _cli(["run", p, "--out", out, "--quiet", "--no-figures", "--replicates", "1"], False,
                              monkeypatch)
        assert status == 0 and (out / "manifest.json").exists(), err

    elapsed = time.perf_counter() - t0
    print(f"fuzz: {outcomes}, {len(runnable)} end to end, {elapsed:.1f} s")
    assert outcomes["loaded"] >= 20 and outcomes["refused"] >= 150, outcomes  # both sides exercised
    assert len(runnable) == N_END_TO_END
    assert elapsed < BUDGET_S * 3, f"the fuzz took {elapsed:.0f} s; keep it near {BUDGET_S} s"


@pytest.mark.parametrize("what", ["case", "spec"])
def test_every_key_given_a_value_of_the_wrong_shape_is_a_one_line_error(tmp_path, what):
    """Systematic, not random: every ``key = value`` line of the synthetic case (and of the tiny spec)
    gets a list and a string in turn (the spec's: a table) (this found ``metric = [1, 2]`` raising
    ``TypeError: unhashable type``)."""
    from sim.base.errors import InputError
    from sim.core.case import load_case
    from sim.engine.sweep import load_spec

    if what == "case":
        text = SMALL.read_text(encoding="utf-8").replace('extends = "hunan_2026_2028.toml"',
                                                         f'extends = "{HUNAN.as_posix()}"')
        path, load, values = tmp_path / "case.toml", load_case, ["[1, 2]", '"x"']
    else:
        path = write_spec(tmp_path)
        text, load, values = path.read_text(encoding="utf-8"), load_spec, ["{}"]
    lines = text.split("\n")
    tried = 0
    for i, line in enumerate(lines):
        m = re.match(r'^\s*([\w."]+)\s*=', line)
        if not m:
            continue
        for v in values:
            path.write_text("\n".join(lines[:i] + [f"{m.group(1)} = {v}"] + lines[i + 1:]), encoding="utf-8")
            tried += 1
            try:
                load(path)
            except InputError as e:
                assert "\n" not in str(e)
    assert tried >= 18
