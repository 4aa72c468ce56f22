"""The one place that turns canonical answers into item points (catalogs/scoring.yaml).

Every framework, the level and ★ rules, the instrument's own scale, per-item shares and ingest's
``responses.score`` column go through these functions, so a rule is stated once and applied the
same way everywhere.

Policy (docs/method.md §1, "Points per answer")
-----------------------------------------------
- implemented 1, partial 0.5, not_implemented 0 (points from ``scoring.yaml``).
- not_applicable is excluded: no points, not in the denominator, never an obstacle.
- unanswered, unknown, invalid and *missing* (an item of the instrument absent from a
  submission) score 0 and stay in the denominator; each is counted and reported separately and
  none is ever "achieved". They are applied identically in CSF node scores, level shares, LvN+,
  ★ requirements and per-item shares, because every one of those asks :func:`item_points`,
  :func:`is_applicable` and :func:`is_achieved`.
- An item is *achieved* (automotive 達成, and "implemented" in per-item shares) only when its
  answer is listed under ``achieved`` in scoring.yaml (implemented).

Points are applied at score time from the answer. ``responses.score`` in the store is filled by
ingest through :func:`item_points` as well, but it is informational as of ingest: scoring never
reads it, so changing scoring.yaml and re-running ``sdw score`` changes scores without re-ingest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pipeline.ruleset import (  # noqa: F401 — scoring's rule vocabulary, re-exported for its callers
    ANSWERS,
    MISSING,
    NOT_APPLICABLE,
    Rules,
    RulesSource,
    level_threshold,
    load_rules,
    min_cell,
    point_table,
)
from pipeline.scoring.maps import item_map

KEY = ["sector", "year", "respondent_key"]
ITEM_LEVEL = ("answer_raw", "score", "cell")  # emptied on rows complete_items adds



def lookup(values: pd.Series, table: Mapping[Any, float]) -> pd.Series:
    """``values.map(table)`` as floats, each distinct value looked up once: a ``Series.map`` of Arrow-backed strings
    (pandas' default) looks up every row in Python, 0.1 s for a full automotive year's 471,087 answers, asked many
    times per report. A value not in ``table``, or missing, gives NaN; the index and name are kept."""
    codes, distinct = pd.factorize(values)
    found = np.array([table.get(v, np.nan) for v in distinct] + [np.nan], dtype=float)  # code -1 (missing): NaN
    return pd.Series(found[codes], index=values.index, name=values.name)


def item_points(answer: pd.Series, rules: RulesSource = None) -> pd.Series:
    """Each answer's item points under the rules; NaN for excluded (not applicable) answers.

    Raises ``ValueError`` on an answer outside :data:`ANSWERS`: the store validates answers, so an
    unknown one means a bug upstream, and scoring it silently as 0 or NaN would hide it.
    """
    table = point_table(rules)
    unknown = [a for a in answer.dropna().unique() if a not in table]
    if unknown:
        raise ValueError(f"answers without a scoring rule: {sorted(set(unknown))[:5]}")
    return lookup(answer, table)


def is_applicable(answer: pd.Series, rules: RulesSource = None) -> pd.Series:
    """True where the answer counts in the denominator: every answer with a point, so unanswered,
    unknown, invalid and missing are applicable (scored 0) and only not applicable is not."""
    return item_points(answer, rules).notna()


def is_achieved(answer: pd.Series, rules: RulesSource = None) -> pd.Series:
    """True where the item is achieved (automotive 達成; 'implemented' in per-item shares)."""
    return answer.isin(list(load_rules(rules)["achieved"]))


def instrument_items(sector: str, template_version: str = "") -> pd.Index:
    """Every item of the sector's instrument in one template version (the items its map links to any
    node; '' = the default catalog), sorted."""
    return pd.Index(sorted(item_map(sector, template_version)["item_id"].unique()))


VERSION = "template_version"  # a responses column (joined from respondents) naming each sheet's version


def complete_items(responses: pd.DataFrame, sector: str, unit: list[str] | None = None) -> pd.DataFrame:
    """``responses`` plus one row with answer ``missing`` for every instrument item a respondent lacks.

    A submission that drops rows must not score better than one that leaves them blank, so absent
    items are made explicit here and then follow the unanswered policy. ``unit`` names the columns
    identifying one respondent's answer sheet (default sector, year, respondent_key; add e.g. a
    segment column when a respondent appears once per segment). New rows copy every other column
    from the respondent's first row, except item-level ones (answer_raw, score, cell: empty).
    Rows of items outside the instrument are kept as they are. Idempotent. With a ``template_version``
    column, each respondent is completed with the items of its own version.
    """
    unit = unit or KEY
    if responses.empty:
        return responses
    if VERSION not in responses:
        return _complete(responses, sector, unit, "")
    parts = [_complete(g, sector, unit, v) for v, g in versions(responses)]
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def versions(responses: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """(template_version, rows) of ``responses`` per version; a missing version is '' (the default catalog)."""
    if VERSION not in responses:
        return [("", responses)]
    return [(str(v), g) for v, g in responses.groupby(responses[VERSION].fillna("").astype(str), sort=True)]


def _complete(responses: pd.DataFrame, sector: str, unit: list[str], template_version: str) -> pd.DataFrame:
    items = instrument_items(sector, template_version)
    # respondents numbered in order of first appearance; a groupby's codes, not a MultiIndex of tuples
    # (building the tuples took seconds for a full automotive year)
    who = responses.groupby(unit, sort=False, dropna=False).ngroup().to_numpy()
    first_row = np.unique(who, return_index=True)[1]  # each respondent's first row, by its number
    cols = items.get_indexer(responses["item_id"])
    known = cols >= 0
    present = np.zeros((len(first_row), len(items)), dtype=bool)
    present[who[known], cols[known]] = True
    rows, absent = np.nonzero(~present)
    if len(rows) == 0:
        return responses
    base = responses.iloc[first_row[rows]].reset_index(drop=True)
    base = base.assign(item_id=items.to_numpy()[absent], answer=MISSING)
    for col in ITEM_LEVEL:
        if col in base:
            base[col] = np.nan if col == "score" else None
    return pd.concat([responses, base], ignore_index=True)
