"""``sdw score``: recompute the ``scores`` table for everything in the store, atomically."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import catalogs
from pipeline import store as store_mod
from pipeline.scoring.respondent import score_store_tables
from pipeline.scoring.rules import RulesSource, load_rules


@dataclass
class ScoreResult:
    scores: pd.DataFrame
    seconds: float


SHIPPED_ITEMS = "auto_items.csv"  # the item list scoring uses when no version says otherwise


def with_versions(responses: pd.DataFrame, store: Path) -> pd.DataFrame:
    """``responses`` with each respondent's automotive template version when some version in the store has
    its own item file (an imported form may re-level items); else unchanged, sparing a copy of the largest
    table. A version the project does not know stops scoring: its levels would be a guess."""
    path = store / "respondents"
    if not path.exists():
        return responses
    versions = pd.read_parquet(path, columns=["sector", "year", "respondent_key", "template_version"])
    auto = versions.loc[versions["sector"].eq("auto"), "template_version"].dropna().unique()
    unknown = sorted(set(auto) - set(catalogs.template_versions("auto")) - {""})
    if unknown:
        raise ValueError(f"the store holds answers on template version(s) {', '.join(unknown)} that this project "
                         "does not know: import the official form with `sdw instrument import`")
    if {catalogs.template(v)["items"] for v in auto if v} <= {SHIPPED_ITEMS}:
        return responses
    versions["template_version"] = versions["template_version"].astype("category")
    return responses.merge(versions, on=["sector", "year", "respondent_key"], how="left")


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
    return ScoreResult(scores, time.perf_counter() - t0)
