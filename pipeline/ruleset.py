"""The rules of catalogs/scoring.yaml read in one place: points per answer, the level threshold, k, z.

A leaf below every stage: ingest writes ``responses.score`` with the same points scoring uses, and
reports, feedback and the explorer read k and the threshold here, honouring the same override
(a path to another scoring.yaml, or a mapping of keys to replace) wherever a function accepts one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from pipeline import catalogs
from pipeline.catalogs import catalog_cache

MISSING = "missing"
NOT_APPLICABLE = "not_applicable"
# the store's canonical answers (schemas.CANONICAL) plus the score-time-only "missing"
ANSWERS = ("implemented", "partial", "not_implemented", "not_applicable", "unknown", "unanswered", "invalid",
           MISSING)

Rules = Mapping[str, Any]
RulesSource = Mapping[str, Any] | Path | str | None


@catalog_cache
def _default() -> dict[str, Any]:
    return _checked(dict(catalogs.scoring_rules()))


def load_rules(rules: RulesSource = None) -> dict[str, Any]:
    """The scoring rules: scoring.yaml, or scoring.yaml overridden by ``rules``.

    ``rules`` may be a path to another scoring.yaml, or a mapping of top-level keys to replace;
    a ``points`` mapping is merged answer by answer, so ``{"points": {"partial": 0.25}}`` changes
    one point and keeps the rest. A file must give a point for every answer; its other keys
    (level_threshold, achieved …) default to scoring.yaml's. The returned mapping is shared: do
    not mutate it. Overrides exist so a test (or an analyst's what-if) can re-score
    the same store under another rule without re-ingesting.
    """
    if rules is None:
        return _default()
    if isinstance(rules, (str, Path)):
        with open(rules, encoding="utf-8") as fh:
            other = yaml.safe_load(fh) or {}
        # another file must state every point itself; thresholds etc. default to scoring.yaml's
        return _checked({**_default(), "points": {}, **other})
    merged = dict(_default())
    for key, value in rules.items():
        if key == "points":
            merged["points"] = {**merged["points"], **value}
        else:
            merged[key] = value
    return _checked(merged)


def _checked(rules: dict[str, Any]) -> dict[str, Any]:
    """Refuse rules that leave an answer without a point or put a point outside [0, 1]: scores
    must stay in [0, 1] (store contract) and no answer may be scored by accident."""
    points = rules.get("points", {})
    absent = [a for a in ANSWERS if a not in points]
    if absent:
        raise ValueError(f"scoring rules give no point for {absent}")
    for answer, value in points.items():
        if value is not None and not 0 <= float(value) <= 1:
            raise ValueError(f"point for {answer!r} outside [0, 1]: {value}")
    rules.setdefault("achieved", ["implemented"])
    return rules


def point_table(rules: RulesSource = None) -> dict[str, float]:
    """answer → point, NaN for answers excluded from the denominator (not applicable)."""
    points = load_rules(rules)["points"]
    return {a: (np.nan if points[a] is None else float(points[a])) for a in ANSWERS}


def level_threshold(rules: RulesSource = None, threshold: float | None = None) -> float:
    """The share of a level's applicable items a respondent must reach (``threshold`` when given)."""
    return float(load_rules(rules)["level_threshold"]) if threshold is None else threshold


def min_cell(k: int | None = None, rules: RulesSource = None) -> int:
    """k, the fewest respondents a published cell may describe (``k`` when given, else the rules')."""
    return int(load_rules(rules)["min_cell"]) if k is None else k


def wilson_z(z: float | None = None) -> float:
    """The normal quantile of the published intervals (``z`` when given, else the rules' ``wilson_z``)."""
    return float(load_rules()["wilson_z"]) if z is None else z
