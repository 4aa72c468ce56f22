"""``sdw score``: recompute the ``scores`` table for everything in the store, atomically."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import config, freshness
from pipeline import store as store_mod
from pipeline.scoring.respondent import score_store_tables
from pipeline.scoring.rules import RulesSource, load_rules


@dataclass
class ScoreResult:
    scores: pd.DataFrame
    seconds: float


def score_store(store: Path, rules: RulesSource = None) -> ScoreResult:
    """Read ``responses``, compute every respondent × node score, validate, and replace ``scores``.

    Points come from each canonical ``answer`` under ``rules`` (default catalogs/scoring.yaml; a
    path to another YAML file or a mapping of overrides, see ``rules.load_rules``). The stored
    ``responses.score`` is not read, so a changed rule takes effect here without re-ingesting.
    """
    t0 = time.perf_counter()
    resolved = load_rules(rules)  # fail on bad rules before reading anything
    path = store / "responses"
    if not path.exists():
        raise FileNotFoundError(f"no responses in {store}: run `sdw ingest` first")
    # only what scoring reads: lineage, raw text and the ingest-time score stay on disk
    responses = pd.read_parquet(path, columns=["sector", "year", "respondent_key", "item_id", "answer"])
    if responses.empty:
        raise FileNotFoundError(f"no responses in {store}: run `sdw ingest` first")
    responses = with_versions(responses, store)
    scores = store_mod.validate("scores", score_store_tables(responses, resolved))
    store_mod.write_tables(store, {"scores": scores})
    freshness.record_score(store, freshness.rules_digest(resolved), config.catalogs_dir())
    return ScoreResult(scores, time.perf_counter() - t0)


def with_versions(responses: pd.DataFrame, store: Path) -> pd.DataFrame:
    """``responses`` with each respondent's ``template_version`` (from ``respondents``): every sheet is
    scored on its own version's catalog, so respondents of two versions in one year each use theirs."""
    key = ["sector", "year", "respondent_key"]
    if not (store / "respondents").exists():  # answers alone: the default catalog of each sector
        return responses
    versions = pd.read_parquet(store / "respondents", columns=[*key, "template_version"])
    return responses.merge(versions.drop_duplicates(key), on=key, how="left", validate="many_to_one")
