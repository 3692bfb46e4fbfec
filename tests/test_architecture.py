"""The package's folders are its layers, and imports only go downward.

Layers, lowest first (``docs/architecture.md``)::

    base → params → levers → core → engine → analysis → report → {cli, adapters, app}

A module may import from its own layer and from lower ones, never from a higher one; the three top
folders do not import each other (``cli`` may start the app). The package root ``sim/__init__.py`` is the
public facade above every layer; the app imports only it (its public names), no layer's module. Every import counts — at module level or inside a function — except
those under ``if TYPE_CHECKING:``. A module over ~400 lines says why at its top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

LAYERS = ["base", "params", "levers", "core", "engine", "analysis", "report", "top"]
TOP = {"cli", "adapters", "app"}
ALLOWED_ACROSS_TOP = {("cli", "app")}  # `scensim app` starts the app
SIM = ROOT / "sim"
MAX_LINES = 400


def folder_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "sim" or len(parts) < 2:
        return None
    return parts[1]


def rank(folder: str) -> int:
    return LAYERS.index("top") if folder in TOP else LAYERS.index(folder)


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                skip.update(id(n) for n in ast.walk(sub))
    out = []
    pkg = module_name(path).split(".")
    if path.name != "__init__.py":
        pkg = pkg[:-1]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((node.lineno, mod))
            if node.module is None or mod in ("sim",):  # `from sim import x`: x may be a subpackage
                out += [(node.lineno, f"{mod}.{a.name}") for a in node.names]
    return out


def modules():
    return sorted(p for p in SIM.rglob("*.py") if p != SIM / "__init__.py")


def test_every_module_is_in_a_layer():
    loose = [str(p.relative_to(ROOT)) for p in modules() if p.parent == SIM]
    assert not loose, f"modules outside the layer folders: {loose}"
    unknown = {p.relative_to(SIM).parts[0] for p in modules()} - set(LAYERS) - TOP
    assert not unknown, f"folders that are not layers: {unknown} (add them to LAYERS in this test and to docs/architecture.md)"


def public_names() -> set[str]:
    import sim

    return set(sim.__all__)


def internal_imports(folder: str = "app") -> list[str]:
    """Imports in ``sim/<folder>`` of anything but the package root's public names (``import sim``,
    ``from sim import X``) and the folder's own modules: the model's internals."""
    public = public_names()
    bad = []
    for path in modules():
        if path.relative_to(SIM).parts[0] != folder:
            continue
        for line, mod in imports(path):
            parts = mod.split(".")
            if mod == "sim" or (len(parts) == 2 and parts[0] == "sim" and parts[1] in public) or \
                    parts[0] != "sim" or parts[1] == folder:
                continue
            bad.append(f"{path.relative_to(ROOT)}:{line} imports {mod} (not the public API: sim.__all__)")
    return bad


def violations() -> list[str]:
    bad = []
    for path in modules():
        here = path.relative_to(SIM).parts[0]
        for line, mod in imports(path):
            if here == "app" and (mod == "sim" or (mod.startswith("sim.") and folder_of(mod) in public_names())):
                continue  # the app uses the public API (test_the_app_uses_the_model_only_through_the_public_api)
            there = folder_of(mod)
            if mod == "sim":
                bad.append(f"{path.relative_to(ROOT)}:{line} imports the package root")
                continue
            if there is None or there == here:
                continue
            if here in TOP and there in TOP and (here, there) not in ALLOWED_ACROSS_TOP:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {mod} (a sibling top layer)")
            elif rank(there) > rank(here):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {mod} (upward: {here} → {there})")
    return bad


def test_imports_only_go_downward():
    bad = violations()
    assert not bad, "\n".join(bad)


def test_the_app_uses_the_model_only_through_the_public_api():
    """Issue 14: the classroom app uses the model through ``sim``'s public names only (``sim.__all__``,
    documented in the README's Python API section), never a module of the model's layers."""
    bad = internal_imports("app")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("snippet", ["from sim.core.model import ScenarioMarket\n",
                                     "def f():\n    import sim.engine.runner\n"])
def test_the_public_api_check_catches_an_internal_import(monkeypatch, snippet):
    fake = SIM / "app" / "_api_probe.py"
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "modules", lambda: [fake])
    fake.write_text(snippet, encoding="utf-8")
    try:
        assert internal_imports("app") and not violations()  # allowed by the layers, not by the API rule
    finally:
        fake.unlink()


def test_no_import_cycles_between_modules():
    graph: dict[str, set[str]] = {}
    names = {module_name(p): p for p in modules()}
    for name, path in names.items():
        graph[name] = {m for _, m in imports(path) if m in names and m != name}
    seen, stack, cycles = set(), [], []

    def visit(n):
        if n in stack:
            cycles.append(stack[stack.index(n):] + [n])
            return
        if n in seen:
            return
        seen.add(n)
        stack.append(n)
        for m in sorted(graph[n]):
            visit(m)
        stack.pop()

    for n in sorted(graph):
        visit(n)
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles[:5])


def test_long_modules_say_why():
    long = []
    for path in modules():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_LINES and "Why this module is long" not in text[:3000]:
            long.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert not long, f"modules over {MAX_LINES} lines without a reason at their top: {long}"


@pytest.mark.parametrize("snippet, expect", [
    ("from sim.report.output import num\n", "upward: core → report"),
    ("def f():\n    from sim.cli.main import main\n", "upward: core → cli"),
])
def test_the_checker_catches_an_upward_import(tmp_path, monkeypatch, snippet, expect):
    """The layer check is not vacuous: a core module importing the report layer is caught."""
    fake = SIM / "core" / "_layer_probe.py"
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "modules", lambda: [fake])
    fake.write_text(snippet, encoding="utf-8")
    try:
        assert any(expect in v for v in violations())
    finally:
        fake.unlink()


def hooks_defined_outside_a_lever(source: str) -> list[str]:
    """Functions named after a lever hook that are not methods of a class: a hook indented under a
    module-level function (or written at module level) is never called, and the lever silently stops
    acting through it (``Lever.overrides`` finds only class attributes)."""
    from sim.levers.base import HOOKS

    found = []

    def walk(node, in_class: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if child.name in HOOKS and not in_class:
                    found.append(f"{child.name} (line {child.lineno})")
                walk(child, False)
            elif isinstance(child, ast.ClassDef):
                walk(child, True)
            else:
                walk(child, in_class)

    walk(ast.parse(source), False)
    return found


def test_every_lever_hook_is_a_method_of_its_lever():
    """A hook written where no lever has it does nothing, silently. This happened once: a module-level
    helper inserted between two methods left the next method, buyer_caution_relief, in the helper's body."""
    for path in sorted((ROOT / "sim" / "levers").glob("*.py")):
        assert hooks_defined_outside_a_lever(path.read_text(encoding="utf-8")) == [], path.name


def test_the_hook_check_catches_a_hook_left_in_a_function():
    stray = ("class L:\n    def act(self):\n        pass\n\n\ndef helper():\n    return 1\n\n"
             "    def buyer_caution_relief(self, scenarios):\n        return 0.0\n")
    assert hooks_defined_outside_a_lever(stray) == ["buyer_caution_relief (line 9)"]
    assert hooks_defined_outside_a_lever("class L:\n    def act(self):\n        pass\n") == []
