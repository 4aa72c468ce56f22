"""Paths and defaults in one place; stages take these as arguments, never reach for them."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = ROOT / "data" / "raw"
STORE_DIR = ROOT / "data" / "processed"
FIGURES_DIR = ROOT / "figures"
REPORTS_DIR = ROOT / "reports"
NOTEBOOKS_DIR = ROOT / "notebooks"

SECTORS = ("power", "auto")
# Thresholds live in catalogs/scoring.yaml (MIN_CELL k, LEVEL_THRESHOLD) so they are data, not code.

SECRET_KEY_ENV = "SDW_SECRET_KEY"
SECRET_KEY_FILE_ENV = "SDW_SECRET_KEY_FILE"


def secret_key_path() -> Path:
    """Where the pseudonymisation key lives: outside the repository, in the user's config folder."""
    if os.environ.get(SECRET_KEY_FILE_ENV):
        return Path(os.environ[SECRET_KEY_FILE_ENV])
    base = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    return base / "sdw" / "secret.key"


def workers(requested: int | None = None) -> int:
    """Processes for parallel work: as asked, else every core this process may use."""
    return requested or max(1, len(os.sched_getaffinity(0)))


def year_span(text: str | None) -> tuple[int, int] | None:
    """'2022-2024' → (2022, 2024), '2024' → (2024, 2024), empty → None (every year)."""
    if not text:
        return None
    first, _, last = str(text).partition("-")
    try:
        return int(first), int(last or first)
    except ValueError:
        raise ValueError(f"years must look like 2022-2024 or 2024, not {text!r}") from None
