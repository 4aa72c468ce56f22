"""``sdw score``: recompute the ``scores`` table for everything in the store, atomically."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import store as store_mod
from pipeline.scoring.respondent import score_store_tables


@dataclass
class ScoreResult:
    scores: pd.DataFrame
    seconds: float


def score_store(store: Path) -> ScoreResult:
    """Read ``responses``, compute every respondent × node score, validate, and replace ``scores``."""
    t0 = time.perf_counter()
    path = store / "responses"
    if not path.exists():
        raise FileNotFoundError(f"no responses in {store}: run `sdw ingest` first")
    # only what scoring reads: lineage and raw text stay on disk (a third of the memory)
    responses = pd.read_parquet(path, columns=["sector", "year", "respondent_key", "item_id", "answer", "score"])
    if responses.empty:
        raise FileNotFoundError(f"no responses in {store}: run `sdw ingest` first")
    scores = store_mod.validate("scores", score_store_tables(responses))
    store_mod.write_tables(store, {"scores": scores})
    return ScoreResult(scores, time.perf_counter() - t0)
