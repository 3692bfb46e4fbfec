"""Runs the examples of the documentation as tests (README.md, docs/*.md, and the docstring examples of
``sim/``) — see ``tests/docrun.py`` for how, and ``docs/contributing.md`` for the conventions."""

from doctest import ELLIPSIS, NORMALIZE_WHITESPACE

import pytest
from sybil import Sybil
from sybil.parsers.markdown import SkipParser
from sybil.parsers.rest import DocTestParser

from tests import docrun

markdown = Sybil(parsers=[SkipParser(), docrun.DocBlockParser()], patterns=["README.md", "docs/*.md"],
                 setup=docrun.setup, teardown=docrun.teardown, name="docs")
docstrings = Sybil(parsers=[DocTestParser(optionflags=ELLIPSIS | NORMALIZE_WHITESPACE)],
                   patterns=["sim/*.py", "sim/*/*.py", "sim/*/*/*.py"],
                   setup=docrun.docstring_setup, teardown=docrun.docstring_teardown, name="docstrings")

pytest_collect_file = (markdown + docstrings).pytest()


def pytest_collection_modifyitems(items):
    for item in items:
        block = getattr(getattr(item, "example", None), "parsed", None)
        if isinstance(block, docrun.Block) and "slow" in block.flags:
            item.add_marker(pytest.mark.slow)
