"""Documentation generated from the code is current, and the ODD description covers the model."""

import re

from sim.report.params_doc import parameters_markdown
from sim.levers import LEVERS
from sim.core.metrics import METRICS
from sim.core.registry import REGISTRY
from sim.base.vocab import OPENER_KINDS, SUPPLIER_KINDS, TIERS

from .conftest import ROOT


def test_parameters_md_is_generated_from_the_registry(hunan):
    committed = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert committed == parameters_markdown(hunan), "regenerate: scensim params --markdown > docs/parameters.md"


def test_odd_covers_every_lever_parameter_group_and_metric():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    for part in ("Purpose and patterns", "Entities, state variables and scales", "Process overview and scheduling",
                 "Design concepts", "Initialisation", "Input data", "Submodels"):
        assert re.search(rf"^## \d\. {part}", odd, re.M), part
    for lever in LEVERS:
        assert f"`{lever.name}`" in odd, lever.name
    for p in REGISTRY:  # every parameter is described, by name or as a family (<tier>, <kind>)
        parts = p.name.split(".")
        forms = {p.name}
        for i, part in enumerate(parts):
            for cats, tag in ((TIERS, "<tier>"), (SUPPLIER_KINDS, "<kind>"), (OPENER_KINDS, "<kind>"),
                              (OPENER_KINDS, "<opener kind>")):
                if part in cats:
                    forms |= {".".join(parts[:i] + [tag] + parts[i + 1:]) for _ in [0]}
        if parts[0] == "opening" and len(parts) == 3:
            forms.add("opening.<kind>.<tier>")
        assert any(f"`{f}`" in odd for f in forms), p.name
    for metric in METRICS:
        assert f"`{metric}`" in odd, metric


def test_every_experiment_spec_is_listed_in_the_experiments_readme():
    """experiments/README.md is where a user looks for what each spec asks: a spec missing from it (nine
    were) is found only by reading the folder."""
    listed = set(re.findall(r"^\| `([^`]+\.toml)` \|", (ROOT / "experiments" / "README.md").read_text(encoding="utf-8"), re.M))
    shipped = {p.name for p in (ROOT / "experiments").glob("*.toml")}
    assert shipped - listed == set(), "not listed"
    assert listed - shipped == set(), "listed, no such file"
