import signal
from pathlib import Path

import pytest

# pytest-xdist starts its test processes with Ctrl-C (SIGINT) ignored, and an ignored signal stays ignored
# in every program they start: the tests that stop a sweep or the app with Ctrl-C need it as a terminal
# gives it (a KeyboardInterrupt here, the default in the programs started)
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parent.parent
HUNAN = ROOT / "scenarios" / "hunan_2026_2028.toml"


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test left open: pyplot keeps them, and a later test in the same
    process that opens more than 20 (``target_figures``) then warned about them, which tests that turn
    every warning into an error failed on (whether it happened depended on how files were shared out)."""
    yield
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


@pytest.fixture(scope="session")
def hunan():
    from sim.core.case import load_case

    return load_case(HUNAN)


@pytest.fixture(scope="session")
def hunan_text():
    return HUNAN.read_text(encoding="utf-8")


@pytest.fixture
def write_case(tmp_path):
    """Write a case file from text (default: the Hunan case) with replacements applied."""

    def make(text=None, replace=(), name="case.toml"):
        text = HUNAN.read_text(encoding="utf-8") if text is None else text
        for old, new in replace:
            assert old in text, f"fixture: {old!r} not in case text"
            text = text.replace(old, new, 1)
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return make


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (see ``tests/browser.py``)."""
    from .browser import launch

    with launch() as b:
        yield b


@pytest.fixture
def browser_page(browser):
    """A fresh page in its own context (own cookies and storage); console errors collected in
    ``page.console_errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()
