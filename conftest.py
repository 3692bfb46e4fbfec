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


def pytest_addoption(parser):
    group = parser.getgroup("scensim", "the project's test selection (docs/contributing.md)")
    group.addoption("--slow", action="store_true",
                    help="run only the slow tests (long end-to-end examples, mostly the Hunan case at full size) "
                         "and every block of the documents that hold one; the default run leaves them out")
    group.addoption("--with-slow", action="store_true", help="run everything, the slow tests included")


def pytest_configure(config):
    """``-m slow``, pytest's usual idiom, is ``--slow``: alone, the expression would select the slow
    document blocks without the blocks before them that make their files, and they would fail."""
    if (config.getoption("markexpr") or "").strip() == "slow":
        config.option.markexpr = ""
        config.option.slow = True


def _doc_block(item):
    block = getattr(getattr(item, "example", None), "parsed", None)
    return block if isinstance(block, docrun.Block) else None


def _in_doc(item) -> bool:
    """A region of a document: a block, or a directive Sybil evaluates in turn (``skip: next``)."""
    return getattr(item, "example", None) is not None


def pytest_collection_modifyitems(config, items):
    """Marks slow doc blocks ``slow``; then the selection: by default the slow tests are left out (the
    suite CI runs first, within its budget); ``--slow`` keeps only them, with every region of a document
    that holds one (a document's blocks run in order and use each other's files); ``--with-slow``, an
    ``-m`` expression or a test named with ``::`` keep what they select."""
    previous = {}  # document → whether its last block was slow
    for item in items:
        block = _doc_block(item)
        if block is None:
            continue
        # an output block shows what the block above it printed: slow with it
        if "slow" in block.flags or ("output" in block.flags and previous.get(item.path)):
            item.add_marker(pytest.mark.slow)
        previous[item.path] = item.get_closest_marker("slow") is not None
    # a directive (Sybil's `skip: next`) acts on the next region evaluated: it goes where that region goes
    for item, after in zip(reversed(items[:-1]), reversed(items[1:])):
        if _in_doc(item) and _doc_block(item) is None and after.path == item.path and after.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
    slow = config.getoption("slow")
    if config.getoption("with_slow") or (not slow and (config.getoption("markexpr")
                                                        or any("::" in str(a) for a in config.args))):
        return
    if slow:
        docs = {item.path for item in items if _doc_block(item) is not None and item.get_closest_marker("slow")}
        keep = [item for item in items if item.get_closest_marker("slow") or (item.path in docs and _in_doc(item))]
    else:
        keep = [item for item in items if not item.get_closest_marker("slow")]
    if len(keep) < len(items):
        kept = set(map(id, keep))
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in kept])
        items[:] = keep
