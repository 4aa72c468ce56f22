"""Respondent scores: the ``scores`` table, one row per respondent × framework node.

Rules (catalogs/scoring.yaml, docs/architecture.md): item scores implemented 1 / partial 0.5 /
not implemented, unanswered, unknown, invalid 0; not applicable excluded. A node's score is the
mean over its applicable items; a node with none is NaN ("not assessed"), never 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.scoring.maps import all_nodes, item_map

KEY = ["sector", "year", "respondent_key"]
SCORE_COLUMNS = [*KEY, "framework", "node_id", "score", "n_items", "n_applicable"]


def node_scores(responses: pd.DataFrame, sector: str) -> pd.DataFrame:
    """Roll item scores up to every node of every framework the sector's instrument feeds.

    Reads responses' sector, year, respondent_key, item_id, score. Every respondent gets a row for
    every node of ``all_nodes(sector)``; nodes no item reaches are NaN with n_items 0.

    Computed as matrix products (respondents × items) · (items × nodes), so memory stays small at
    thousands of respondents: a node's score is the sum of its applicable items' scores over their count.
    """
    links = item_map(sector).drop_duplicates()
    nodes = all_nodes(sector)
    items = pd.Index(sorted(links["item_id"].unique()))
    node_index = pd.MultiIndex.from_frame(nodes[["framework", "node_id"]])
    member = np.zeros((len(items), len(nodes)))
    member[items.get_indexer(links["item_id"]),
           node_index.get_indexer(pd.MultiIndex.from_frame(links[["framework", "node_id"]]))] = 1.0
    known = responses[responses["item_id"].isin(items)]
    who = pd.MultiIndex.from_frame(known[KEY])
    rows, people = pd.factorize(who)
    cols = items.get_indexer(known["item_id"])
    score = known["score"].to_numpy(dtype=float)
    present = np.zeros((len(people), len(items)))
    applicable = np.zeros_like(present)
    total = np.zeros_like(present)
    present[rows, cols] = 1.0
    applicable[rows, cols] = ~np.isnan(score)
    total[rows, cols] = np.nan_to_num(score)
    n_items, n_applicable, sums = present @ member, applicable @ member, total @ member
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_applicable > 0, sums / n_applicable, np.nan)
    people_frame = pd.DataFrame(list(people), columns=KEY)
    out = pd.DataFrame({col: np.repeat(people_frame[col].to_numpy(), len(nodes)) for col in KEY})
    out["framework"] = np.tile(nodes["framework"].to_numpy(), len(people))
    out["node_id"] = np.tile(nodes["node_id"].to_numpy(), len(people))
    out["score"] = mean.ravel()
    out["n_items"] = n_items.ravel().astype(int)
    out["n_applicable"] = n_applicable.ravel().astype(int)
    return out[SCORE_COLUMNS]


def level_reached(level_scores: pd.DataFrame, threshold: float | None = None) -> pd.DataFrame:
    """Automotive 'level reached' rows (Lv1+, Lv2+, Lv3+): 1 when this level and every lower one
    reach the threshold share of applicable items, 0 when one falls short, NaN when not assessable.
    """
    threshold = catalogs.scoring_rules()["level_threshold"] if threshold is None else threshold
    levels = level_scores[level_scores["framework"].eq("level")]
    wide = levels.set_index([*KEY, "node_id"])["score"].unstack("node_id")
    rows = []
    ok = pd.Series(True, index=wide.index)
    known = pd.Series(True, index=wide.index)
    for level in ("Lv1", "Lv2", "Lv3"):
        s = wide[level] if level in wide else pd.Series(np.nan, index=wide.index)
        ok = ok & s.ge(threshold)
        known = known & s.notna()
        reached = ok.astype(float).where(known | ~ok)
        rows.append(reached.rename("score").reset_index().assign(framework="level", node_id=f"{level}+",
                                                                  n_items=1, n_applicable=known.astype(int).values))
    return pd.concat(rows, ignore_index=True)[SCORE_COLUMNS]


def star_scores(responses: pd.DataFrame) -> pd.DataFrame:
    """★3/★4 readiness from automotive answers, through the items each scheme criterion cites.

    A requirement is met when every criterion of the star level cites items and all of them are
    achieved (not applicable counts as no obstacle). A criterion citing no item cannot be judged, so
    its requirement is never counted met. Rows: one per requirement (``3:1-2-1``) and per star (``★3``);
    the star row's score is met / all requirements of that star, n_applicable the judgeable ones.
    """
    crit = catalogs.scs_criteria()
    req = catalogs.scs_requirements()
    auto = responses[responses["sector"].eq("auto")]
    if auto.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    achieved = auto.assign(ok=auto["answer"].isin(["implemented", "not_applicable"]))
    wide = achieved.set_index([*KEY, "item_id"])["ok"].unstack("item_id", fill_value=False)
    rows = []
    for star, flag in ((3, "star3"), (4, "star4")):
        reqs = req.loc[req[flag], "requirement_id"]
        relevant = crit[crit["requirement_id"].isin(reqs) & crit["star"].le(star)]
        met_cols = {}
        judgeable = {}
        for rid, group in relevant.groupby("requirement_id"):
            items = sorted({i for refs in group["jama_items"] for i in refs.split()})
            judgeable[rid] = bool(group["jama_items"].ne("").all()) and bool(items)
            present = [i for i in items if i in wide.columns]
            all_ok = wide[present].all(axis=1) if present else pd.Series(False, index=wide.index)
            met_cols[rid] = all_ok & judgeable[rid]
        met = pd.DataFrame(met_cols)
        long = met.stack().rename("score").reset_index().rename(columns={"level_3": "node_id"})
        long["node_id"] = f"{star}:" + long["node_id"].astype(str)
        judged = {f"{star}:{rid}": int(ok) for rid, ok in judgeable.items()}
        long = long.assign(framework="star", score=long["score"].astype(float), n_items=1,
                           n_applicable=long["node_id"].map(judged))
        rows.append(long)
        summary = met.sum(axis=1).div(len(met_cols)).rename("score").reset_index()
        rows.append(summary.assign(framework="star", node_id=f"★{star}", n_items=len(met_cols),
                                   n_applicable=sum(judgeable.values())))
    return pd.concat(rows, ignore_index=True)[SCORE_COLUMNS]


def score_store_tables(responses: pd.DataFrame) -> pd.DataFrame:
    """All respondent scores for every sector and year present in ``responses``."""
    parts = []
    for sector, group in responses.groupby("sector"):
        nodes = node_scores(group, str(sector))
        parts.append(nodes)
        if sector == "auto":
            parts.append(level_reached(nodes))
            parts.append(star_scores(group))
    if not parts:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    return pd.concat(parts, ignore_index=True).sort_values([*KEY, "framework", "node_id"]).reset_index(drop=True)


def instrument_scale(responses: pd.DataFrame) -> pd.DataFrame:
    """Each respondent on its instrument's own scale: automotive 2 points per achieved item
    (of 2 × applicable items); power implementation rate (実施 1, 一部実施 0.5) over applicable items.
    """
    r = responses.assign(applicable=responses["answer"].ne("not_applicable"),
                         achieved=responses["answer"].eq("implemented"))
    g = r.groupby(KEY).agg(applicable=("applicable", "sum"), achieved=("achieved", "sum"), total=("score", "sum"))
    points = catalogs.scoring_rules()["instrument_points"]["auto"]["implemented"]
    sector = g.index.get_level_values("sector")
    g["points"] = np.where(sector == "auto", points * g["achieved"], np.nan)
    g["max_points"] = np.where(sector == "auto", points * g["applicable"], np.nan)
    g["implementation_rate"] = (g["total"] / g["applicable"]).where(g["applicable"] > 0)
    return g.reset_index()[[*KEY, "points", "max_points", "implementation_rate"]]
