"""Small synthetic stores for end-to-end tests: synthesise, ingest (with the roster) and score."""

from __future__ import annotations

from pathlib import Path

from pipeline.ingest import ingest
from pipeline.scoring import score_store
from pipeline.synth import synthesise

# (sector, year, form, respondents): two years of each sector, both delivery forms
TWO_YEARS = [("power", 2024, "workbooks", 40), ("power", 2025, "workbooks", 42),
             ("auto", 2023, "export", 80), ("auto", 2024, "export", 80)]


def build_store(root: Path, plan: list[tuple[str, int, str, int]] = TWO_YEARS, workers: int = 2) -> Path:
    """A scored store under ``root / 'store'`` with the raw files beside it; returns the store folder."""
    store = root / "store"
    for sector, year, form, n in plan:
        raw = root / f"{sector}{year}"
        synth = synthesise(sector, year, raw, n=n, seed=1, form=form, workers=workers)
        ingest(sector, year, raw, store, progress=False, roster=synth.truth / "roster.csv")
    score_store(store)
    return store
