"""Small synthetic stores for end-to-end tests: synthesise, ingest (with the roster) and score."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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


def two_sector_store(tmp_path: Path) -> Path:
    """A store holding one respondent's scores of power and automotive, two years each: what ``run_report`` checks
    before it starts a kernel, for tests that stub the notebooks out."""
    store = tmp_path / "store"
    store.mkdir()
    keys = [("power", 2024, "p1"), ("power", 2025, "p1"), ("auto", 2024, "a1"), ("auto", 2025, "a1")]
    rows = pd.DataFrame(keys, columns=["sector", "year", "respondent_key"])
    rows.to_parquet(store / "respondents", index=False)
    rows.assign(framework="csf2", node_id="GV", score=0.5).to_parquet(store / "scores", index=False)
    return store


def levels_store(store: Path) -> pd.DataFrame:
    """A levels-only FY2024 automotive store in ``store``: 101〜300人 has 7 companies (5 at Lv1 1.0, 2 at 0.8),
    301〜1,000人 12 (6 and 6). The report's levels table prints the total's Lv1+ count, 11 of 19, and withholds both
    segments'. Returns the respondents written."""
    rows, people = [], []
    for band, lv1 in (("101〜300人", [1.0] * 5 + [0.8] * 2), ("301〜1,000人", [1.0] * 6 + [0.8] * 6)):
        for i, score in enumerate(lv1):
            key = f"{band}-{i}"
            people.append({"sector": "auto", "year": 2024, "respondent_key": key, "size_band": band})
            rows += [{"node_id": "Lv1", "score": score, "key": key},
                     {"node_id": "Lv1+", "score": 1.0 if score >= 0.9 else 0.0, "key": key}]
    store.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(people).to_parquet(store / "respondents")
    pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [r["key"] for r in rows], "framework": "level",
                  "node_id": [r["node_id"] for r in rows], "score": [r["score"] for r in rows], "n_items": 10,
                  "n_applicable": 10}).to_parquet(store / "scores")
    return pd.DataFrame(people)
