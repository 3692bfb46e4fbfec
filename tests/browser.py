"""Headless Chromium for browser tests: Debian's ``chromium`` driven by Playwright (no browser download).

The README's test command installs ``chromium`` with apt; Playwright comes from the ``test`` extra.
Use the ``browser_page`` fixture from ``tests/conftest.py``, or :func:`launch` directly::

    with launch() as browser:
        page = browser.new_page()
        page.goto(url)

Screenshots go to :func:`artefact_dir` (``results/test-artefacts/`` by default, or ``$SCENSIM_ARTEFACTS``),
so a CI run keeps them to look at.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    """Debian's chromium; a clear failure (not a skip) if the set-up did not install it."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("chromium not found: the README's test command installs it (apt-get install -y chromium)")
    return path


@contextlib.contextmanager
def launch():
    """A headless Chromium browser (Playwright), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def artefact_dir() -> Path:
    """Where browser tests save screenshots (created on demand; git-ignored)."""
    d = Path(os.environ.get("SCENSIM_ARTEFACTS", ROOT / "results" / "test-artefacts"))
    d.mkdir(parents=True, exist_ok=True)
    return d
