"""The documentation runner (tests/docrun.py): it rejects a doc whose shown output, flag or file name no
longer matches the code, names the file and block, and shows a diff; the docs cite only what exists."""

import re
import shlex
from unittest import SkipTest

import pytest
from sybil import Sybil
from sybil.example import SybilFailure
from sybil.parsers.markdown import SkipParser

from tests import docrun

from .conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def run_doc(tmp_path, text: str, name: str = "guide.md"):
    """Evaluate every example of a Markdown text as the test suite does; returns per block
    ("ok" | "skip: reason" | the failure message)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    sybil = Sybil(parsers=[SkipParser(), docrun.DocBlockParser()], setup=docrun.setup, teardown=docrun.teardown)
    doc = sybil.parse(path)
    sybil.setup(doc.namespace)
    results = []
    try:
        for example in doc.examples():
            try:
                example.evaluate()
                results.append("ok")
            except SybilFailure as e:
                results.append(str(e))
            except (SkipTest, pytest.skip.Exception) as e:
                results.append(f"skip: {e}")
    finally:
        sybil.teardown(doc.namespace)
    return results


STALE = """# A guide

The synthetic case's parameters, the first few:

```console
$ scensim params scenarios/synthetic_small.toml --kind lever | head -3
this is not what it prints
```
"""


def test_a_stale_output_fails_naming_file_and_block_with_a_diff(tmp_path):
    [result] = run_doc(tmp_path, STALE)
    assert "guide.md, block at line 5" in result
    assert "scensim params scenarios/synthetic_small.toml --kind lever" in result
    assert "-this is not what it prints" in result and "+" in result  # a unified diff, shown vs run
    assert "stale" in result


def test_a_removed_flag_or_a_missing_file_fails(tmp_path):
    doc = """```bash
scensim run scenarios/synthetic_small.toml --no-such-flag
```

```bash
scensim run scenarios/no_such_case.toml --no-write
```
"""
    flag, missing = run_doc(tmp_path, doc)
    assert "block at line 1" in flag and "exited with status 2, the doc expects 0" in flag
    assert "--no-such-flag" in flag
    assert "block at line 5" in missing and "no_such_case.toml" in missing


def test_exact_output_exit_status_and_ellipsis(tmp_path):
    doc = """<!-- doc: exit 2 -->
```console
$ sh -c 'echo "tool: error: --seed = -1: must be a whole number" >&2; exit 2'
tool: error: --seed = -1: …
```

```console
$ printf 'a\\nb\\nc\\n'
a
…
c
$ printf 'x  \\n\\n'
x
```
"""
    assert run_doc(tmp_path, doc) == ["ok", "ok"]
    wrong = doc.replace("doc: exit 2", "doc: exit 1")
    [result, _] = run_doc(tmp_path, wrong)
    assert "exited with status 2, the doc expects 1" in result


def test_abridged_output_compares_only_the_lines_shown_in_order(tmp_path):
    table = "printf '┃ Target ┃ Year ┃\\n│ a      │ 2026 │\\n│ b      │ 2027 │\\n│ c      │ 2028 │\\n'"
    ok = f"""<!-- doc: abridged -->
```console
$ {table}
Target  Year
a       2026
…
c   2028
```
"""
    assert run_doc(tmp_path, ok) == ["ok"]
    out_of_order = ok.replace("a       2026\n…\nc   2028", "c 2028\na 2026")
    [result] = run_doc(tmp_path, out_of_order)
    assert "is not in the output" in result and "a 2026" in result
    not_abridged = ok.replace("<!-- doc: abridged -->\n", "")
    assert "printed something else" in run_doc(tmp_path, not_abridged)[0]


def test_output_blocks_files_and_python(tmp_path):
    doc = """<!-- doc: file data/note.txt -->
```text
first
```

<!-- doc: file data/note.txt append -->
```text
second
```

<!-- doc: file data/note.txt replace-last -->
```text
third
```

```python
import sys
print(open("data/note.txt").read().split(), __name__, sys.executable == "{python}")
```

<!-- doc: output -->
```
['first', 'third'] __main__ True
```

<!-- skip: next "shows the syntax only" -->
```bash
exit 1
```

<!-- doc: output -->
```
anything
```
"""
    import sys

    results = run_doc(tmp_path, doc.replace("{python}", sys.executable))
    assert results[:6] == ["ok"] * 6  # the skip directive itself is the sixth
    assert results[6] == "skip: shows the syntax only"
    assert results[7].startswith("skip: the block at line 27")  # its command did not run


def test_examples_run_in_a_copy_and_leave_the_working_tree_alone(tmp_path):
    doc = """```bash
test -f README.md && test -d scenarios && ! test -e .venv
echo x > results/doc_example_marker.txt
command -v scensim | grep -q "$(dirname "$(command -v python)")"
```
"""
    assert run_doc(tmp_path, doc) == ["ok"]
    assert not (ROOT / "results" / "doc_example_marker.txt").exists()


def test_directive_mistakes_are_reported_at_collection(tmp_path):
    for bad in ("<!-- doc: abridgd -->\n```console\n$ true\n```\n",
                "<!-- doc: output -->\n```\nx\n```\n",
                "<!-- doc: exit -->\n```bash\ntrue\n```\n"):
        with pytest.raises(ValueError, match=r"guide\.md:\d+"):
            run_doc(tmp_path, bad)


def test_every_document_is_collected_and_has_no_doc_mistakes():
    sybil = Sybil(parsers=[SkipParser(), docrun.DocBlockParser()])
    counts = {p.name: len(list(sybil.parse(p).examples())) for p in DOCS}
    assert counts["README.md"] >= 5 and counts["cases.md"] >= 10, counts


# -- references: files, modules and flags the docs name --------------------------------------------
PATH = re.compile(r"`((?:sim|docs|scenarios|experiments|tests|bench|\.ci)/[^`\s]*)`|\]\(((?!https?:|#)[^)\s]+)\)")
MODULE = re.compile(r"`(sim(?:\.\w+)+)")


def doc_texts():
    for p in DOCS:
        yield p, p.read_text(encoding="utf-8")
    yield ROOT / "experiments" / "README.md", (ROOT / "experiments" / "README.md").read_text(encoding="utf-8")


def test_docs_name_only_files_that_exist_and_no_paths_outside_the_repository():
    missing = []
    for p, text in doc_texts():
        written = set(re.findall(r"<!--\s*doc:.*?\bfile\s+(\S+)", text))  # files the doc itself writes
        for m in PATH.finditer(text):
            ref = m.group(1) or m.group(2)
            ref = ref.split("#")[0].split("::")[0]
            if any(c in ref for c in "<*{…") or not ref or ref in written:
                continue  # a pattern (`scenarios/<case>.toml`, `tests/test_sweep_*.py`), not a file
            base = ROOT if m.group(1) else p.parent
            if not (base / ref).exists():
                missing.append(f"{p.relative_to(ROOT)}: {ref}")
        for outside in re.findall(r"(?:\.\./shared|/work/)[^\s`)]*", text):
            missing.append(f"{p.relative_to(ROOT)}: {outside} (outside the repository: cite the source instead)")
    assert not missing, "\n".join(missing)


def test_python_names_the_docs_give_exist():
    import importlib

    wrong = []
    for p, text in doc_texts():
        for name in set(MODULE.findall(text)):
            parts = name.split(".")
            for i in range(len(parts), 0, -1):  # the longest importable prefix, then attributes
                try:
                    obj = importlib.import_module(".".join(parts[:i]))
                    break
                except ImportError:
                    continue
            try:
                for attr in parts[i:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                wrong.append(f"{p.relative_to(ROOT)}: {name}")
    assert not wrong, "\n".join(wrong)


def scensim_commands():
    """Every scensim command in a shell or console block of the docs (skipped blocks too) and in
    inline code."""
    fence = re.compile(r"```(bash|sh|shell|console)\n(.*?)```", re.S)
    for p, text in doc_texts():
        for lang, body in fence.findall(text):
            body = re.sub(r"\\\n\s*", " ", body)
            for line in body.splitlines():
                line = line[2:] if lang == "console" and line.startswith("$ ") else line
                for part in re.split(r"&&|;|\|", line):
                    part = part.split("#")[0].strip().rstrip("&").strip()
                    if part.startswith("scensim "):
                        yield p, part
        for inline in re.findall(r"`(scensim [^`]+)`", text):
            if len(inline.split()) > 2 and not re.search(r"[\[<…]|\bSPEC\b|\bEXPERIMENT\b", inline):
                yield p, inline  # not a mere mention of a command, nor a syntax summary


def test_every_scensim_command_in_the_docs_parses():
    from sim.cli.main import build_parser

    parser = build_parser()
    bad, seen = [], 0
    for p, command in scensim_commands():
        seen += 1
        try:
            parser.parse_args(shlex.split(re.split(r"\s\d?>", command)[0])[1:])  # without redirections
        except SystemExit:
            bad.append(f"{p.relative_to(ROOT)}: {command}")
    assert seen > 20
    assert not bad, "commands the CLI rejects:\n" + "\n".join(bad)


def test_the_flag_check_rejects_a_flag_that_does_not_exist(capsys):
    from sim.cli.main import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--replicatess", "5"])


def test_the_readme_test_command_collects_the_doc_examples():
    """CI runs `python -m pytest` with no arguments: pytest's testpaths must include the docs and sim."""
    import tomllib

    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    paths = cfg["tool"]["pytest"]["ini_options"]["testpaths"]
    assert {"tests", "README.md", "docs", "sim"} <= set(paths)
    assert any(d.startswith("sybil") for d in cfg["project"]["optional-dependencies"]["test"])


def test_input_errors_cross_process_boundaries():
    """A worker's InputError must unpickle in the parent (else a multiprocessing pool hangs: found by
    the batch_run example of docs/sweeps.md)."""
    import pickle

    from sim.base.errors import InputError

    for err in (InputError("x.toml", "a.b", "must be 1", 2), InputError(None, None, "no such case file")):
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is InputError and str(back) == str(err)


def test_the_adapters_default_case_exists():
    from sim.adapters.ecosystem import DEFAULT_CASE

    assert DEFAULT_CASE.is_file()


def test_docupdate_rewrites_stale_output_and_leaves_abridged_and_skipped_blocks(tmp_path):
    from tests import docupdate

    doc = tmp_path / "guide.md"
    doc.write_text("```console\n$ echo hi\nbye\n$ echo quiet\n```\n\n```bash\necho three\n```\n\n"
                   "<!-- doc: output -->\n```\nfour\n```\n\n<!-- doc: abridged -->\n```console\n$ echo a; echo b\nc\n```\n\n"
                   "<!-- skip: next \"not now\" -->\n```console\n$ echo five\nsix\n```\n", encoding="utf-8")
    new, problems = docupdate.update(doc)
    assert "$ echo hi\nhi\n$ echo quiet\n```" in new  # a command shown without output stays without
    assert "<!-- doc: output -->\n```\nthree\n```" in new
    assert "$ echo a; echo b\nc\n" in new and any("abridged" in p for p in problems)  # never rewritten
    assert "$ echo five\nsix\n" in new  # skipped: not run
    assert docupdate.main([str(doc)]) == 1  # the stale abridged block is reported ...
    assert doc.read_text(encoding="utf-8") == new  # ... and the rest written
    doc.write_text(new.replace("\nc\n", "\nb\n"), encoding="utf-8")
    assert docupdate.main([str(doc), "--check"]) == 0


def test_reabridge_keeps_the_rows_shown_and_re_measures_them():
    from tests.docupdate import reabridge

    shown = "Target  Year  P(met)\nLarge scale (cumulative)  2028  0.04\n…\nResults written to results/x/"
    printed = ("┃ Target ┃ Year ┃ P(met) ┃\n│ Large scale (cumulative) │ 2027 │ 0.50 │\n"
               "│ Large scale (cumulative) │ 2028 │ 0.90 │\nResults written to results/x/")
    new = reabridge(shown, printed)
    assert new.splitlines()[1].split() == ["Large", "scale", "(cumulative)", "2028", "0.90"]
    assert new.splitlines()[2:] == ["…", "Results written to results/x/"]
    assert docrun.first_missing_line(new, printed) is None


def test_docupdate_keeps_the_indentation_of_a_block_in_a_list(tmp_path):
    from tests import docupdate

    doc = tmp_path / "guide.md"
    doc.write_text("* item\n\n  ```bash\n  echo one; echo two\n  ```\n\n  <!-- doc: output -->\n  ```\n  three\n  ```\n",
                   encoding="utf-8")
    new, problems = docupdate.update(doc)
    assert not problems and "  ```\n  one\n  two\n  ```" in new


def test_slow_tests_leave_the_default_run_and_come_back_with_their_documents():
    """The default run leaves the slow tests out (and the output blocks that show what a slow block
    printed); ``--slow`` runs exactly them plus every block of a document that holds one (its setup
    blocks), and so does ``-m slow``; ``--with-slow`` runs all. (Collection only, in a subprocess, on two documents and one test file.)"""
    import subprocess
    import sys

    def collected(*opts) -> set:
        out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider",
                              "docs/cases.md", "README.md", "tests/test_app_controls.py", *opts],
                             cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stdout + out.stderr
        return {line for line in out.stdout.splitlines() if "::" in line}

    def at(item: str) -> int:  # a doc region's line, from its test id `…::sybil:docs,line:N,column:1`
        return int(item.split("line:")[1].split(",")[0])

    everything, default, slow = collected("--with-slow"), collected(), collected("--slow")
    hunan = "tests/test_app_controls.py::test_every_control_changes_the_results_or_is_idle_with_its_reason[hunan_2026_2028.toml]"
    small = hunan.replace("hunan_2026_2028", "synthetic_small")
    text = (ROOT / "docs" / "cases.md").read_text(encoding="utf-8").splitlines()
    blocks = {i for i in everything if i.startswith("docs/cases.md")}
    line = {i: at(i) for i in blocks}
    marked = {i for i in blocks if "slow" in text[line[i] - 2]}  # `<!-- doc: slow -->` just above the block
    before = {i: max((j for j in blocks if line[j] < line[i]), key=line.get, default=None) for i in blocks}
    shown = {i for i in blocks if "doc: output" in text[line[i] - 2] and before[i] in marked}
    assert marked and shown and len(blocks - marked - shown) > 0
    assert {hunan, small} <= everything
    assert hunan not in default and small in default and not (marked | shown) & default
    assert hunan in slow and small not in slow and blocks <= slow  # the slow blocks' document comes whole
    assert default | slow == everything
    assert {i for i in default & slow if i.startswith("docs/cases.md")} == blocks - marked - shown
    # Sybil's `skip: next` skips the next region evaluated: it goes wherever that region goes (else a
    # selection would run what it skips — the README's own CI command — and skip another block instead)
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    skips = [i for i in everything if i.startswith("README.md") and readme[at(i) - 1].startswith("<!-- skip: next")]
    assert len(skips) >= 3
    for chosen in (default, slow):
        for i in skips:
            nxt = i.replace(f"line:{at(i)},", f"line:{at(i) + 1},")
            assert nxt in everything and (i in chosen) == (nxt in chosen), (i, nxt)
    # `-m slow`, pytest's usual idiom, selects what `--slow` does (alone it dropped the setup blocks)
    assert collected("-m", "slow") == slow
