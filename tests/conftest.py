from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HUNAN = ROOT / "scenarios" / "hunan_2026_2028.toml"


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
