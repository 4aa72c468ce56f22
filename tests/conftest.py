"""Shared fixtures: deterministic randomness, and where the repository's reference data lives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "reference"  # the published facts, with provenance


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20241)


@pytest.fixture
def reference_dir() -> Path:
    """reference/ of this checkout: part of the repository, so a test that needs it always runs."""
    return REFERENCE


@pytest.fixture(scope="session", autouse=True)
def _secret_key_for_shared_fixtures():
    """Module- and session-scoped fixtures (stores built once per module) are set up before any
    function-scoped fixture: without this they would read, or on a fresh machine create, the user's
    key file, and their stores would carry another key than the tests that check them."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SDW_SECRET_KEY", "test-secret-key")
        yield


@pytest.fixture(scope="session", autouse=True)
def _glyph_strict_reports():
    """Every report a test builds is glyph-strict (pipeline/report/style.py STRICT_GLYPHS): a glyph missing from
    the figure fonts fails the report, Japanese or English, power or automotive ("≤" printed as an empty box in every
    English figure; only the Japanese reports and the English power report were built strict)."""
    from pipeline.report.style import STRICT_GLYPHS

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(STRICT_GLYPHS, "1")
        yield


@pytest.fixture(autouse=True)
def _secret_key(monkeypatch):
    """Tests never touch the user's real key file."""
    monkeypatch.setenv("SDW_SECRET_KEY", "test-secret-key")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
