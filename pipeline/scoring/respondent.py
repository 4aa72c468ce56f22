"""Respondent scores: the ``scores`` table, one row per respondent × framework node.

Item points come from the canonical answer at score time, through :mod:`pipeline.scoring.rules`
(the stored ``responses.score`` is never read). Policy, stated once in ``rules``: implemented 1,
partial 0.5, not implemented / unanswered / unknown / invalid / missing 0 (in the denominator,
reported separately), not applicable excluded. A node's score is the mean over its applicable
items; a node with none is NaN ("not assessed"), never 0.

Levels (automotive): LvN is the share of applicable items of level N achieved (NaN when none is
applicable); LvN+ is NaN when any level up to N is NaN, 1 when every level up to N reaches the
threshold (inclusive), else 0.

★ readiness: a requirement is met when every automotive item cited by its criteria (of star ≤ N)
is achieved, cited items answered not applicable being ignored; all cited items not applicable →
not assessable (NaN); a criterion citing no item → the requirement is unjudgeable, excluded from
the denominator (see :func:`unjudgeable_requirements`). ★N = met / judgeable assessable
requirements (NaN when none); ★N+ ("ready") is 1 when all of those are met, 0 when one is not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.catalogs import catalog_cache
from pipeline.ruleset import level_threshold
from pipeline.scoring import rules as rules_mod
from pipeline.scoring.maps import all_nodes, item_map
from pipeline.scoring.rules import (
    Rules,
    RulesSource,
    complete_items,
    is_achieved,
    is_applicable,
    item_points,
    lookup,
    versions,
)

KEY = ["sector", "year", "respondent_key"]
SCORE_COLUMNS = [*KEY, "framework", "node_id", "score", "n_items", "n_applicable"]
LEVELS = catalogs.levels()  # the checklist levels (the items' level column)
STARS = catalogs.stars()  # the scheme's grades (scs_criteria.csv)
# float slack for "reaches the threshold (inclusive)": 45/50 must reach 0.9 however it was summed
_EPS = 1e-9


def _grid(responses: pd.DataFrame, items: pd.Index) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Respondents (KEY frame, in the order they first appear), their row per response and the item column per
    response (-1 if foreign).

    The key's columns are numbered one at a time and the numbers combined into one integer per response: the same
    rows as numbering the key's tuples, without a tuple per response (a third of the time on a year's answers)."""
    codes = np.zeros(len(responses), dtype=np.int64)
    for col in KEY:
        numbered, distinct = pd.factorize(responses[col], use_na_sentinel=False)
        codes = codes * len(distinct) + numbered
    rows, _ = pd.factorize(codes)
    _, first = np.unique(rows, return_index=True)  # each respondent's first response
    people = list(zip(*(responses[col].to_numpy()[first].tolist() for col in KEY), strict=True))
    return pd.DataFrame(people, columns=KEY), rows, items.get_indexer(responses["item_id"])


def _repeated(people: pd.DataFrame, times: int) -> pd.DataFrame:
    """The KEY columns with each respondent's row ``times`` times in a row, taken by position (text stays Arrow
    text: no Python object per row of a table that has a row per respondent and node)."""
    each = np.repeat(np.arange(len(people)), times)
    return pd.DataFrame({col: people[col].array.take(each) for col in KEY})


def node_scores(responses: pd.DataFrame, sector: str, rules: RulesSource = None) -> pd.DataFrame:
    """Roll item points up to every node of every framework the sector's instrument feeds.

    Reads responses' sector, year, respondent_key, item_id, answer (not ``score``) and, when present,
    ``template_version``: each respondent is scored on its own version's catalog (levels, items), so a
    version that re-levels items scores on its own levels. Items of the
    instrument a respondent lacks are added as ``missing`` (:func:`rules.complete_items`). Every
    respondent gets a row for every node of ``all_nodes(sector)``; nodes no item reaches are NaN
    with n_items 0. n_items counts the node's instrument items, n_applicable those not answered
    not applicable.

    Computed as matrix products (respondents × items) · (items × nodes), so memory stays small at
    thousands of respondents: a node's score is the sum of its applicable items' points over their count.
    """
    parts = [_node_scores(group, sector, version, rules) for version, group in versions(responses)]
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def _node_scores(responses: pd.DataFrame, sector: str, template_version: str, rules: RulesSource) -> pd.DataFrame:
    links = item_map(sector, template_version).drop_duplicates()
    nodes = all_nodes(sector)
    items = pd.Index(sorted(links["item_id"].unique()))
    node_index = pd.MultiIndex.from_frame(nodes[["framework", "node_id"]])
    member = np.zeros((len(items), len(nodes)))
    member[items.get_indexer(links["item_id"]),
           node_index.get_indexer(pd.MultiIndex.from_frame(links[["framework", "node_id"]]))] = 1.0
    full = complete_items(responses, sector)  # by the template_version column, as links are
    known = full[full["item_id"].isin(items)]
    people, rows, cols = _grid(known, items)
    score = item_points(known["answer"], rules).to_numpy(dtype=float)
    present = np.zeros((len(people), len(items)))
    applicable = np.zeros_like(present)
    total = np.zeros_like(present)
    present[rows, cols] = 1.0
    applicable[rows, cols] = ~np.isnan(score)
    total[rows, cols] = np.nan_to_num(score)
    n_items, n_applicable, sums = present @ member, applicable @ member, total @ member
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_applicable > 0, sums / n_applicable, np.nan)
    out = _repeated(people, len(nodes))
    each_node = np.tile(np.arange(len(nodes)), len(people))
    out["framework"] = pd.array(nodes["framework"], dtype="str").take(each_node)
    out["node_id"] = pd.array(nodes["node_id"], dtype="str").take(each_node)
    out["score"] = mean.ravel()
    out["n_items"] = n_items.ravel().astype(int)
    out["n_applicable"] = n_applicable.ravel().astype(int)
    return out[SCORE_COLUMNS]


def level_reached(level_scores: pd.DataFrame, threshold: float | None = None,
                  rules: RulesSource = None) -> pd.DataFrame:
    """Automotive 'level reached' rows Lv1+, Lv2+, Lv3+ from the Lv1–Lv3 node rows.

    LvN+ is NaN when any of Lv1..LvN is NaN (a level with no applicable item cannot be said to be
    reached or missed, so nothing built on it can either), 1 when every one reaches ``threshold``
    (inclusive; default ``level_threshold`` of the rules), else 0. n_items / n_applicable sum
    those of Lv1..LvN, so the not-applicable share stays readable.
    """
    threshold = level_threshold(rules, threshold)
    levels = level_scores[level_scores["framework"].eq("level")].set_index([*KEY, "node_id"])
    wide = levels["score"].unstack("node_id")
    n_items = levels["n_items"].unstack("node_id")
    n_app = levels["n_applicable"].unstack("node_id")
    rows = []
    reached = pd.Series(True, index=wide.index)
    unknown = pd.Series(False, index=wide.index)
    items_so_far = pd.Series(0, index=wide.index)
    app_so_far = pd.Series(0, index=wide.index)
    for level in LEVELS:
        s = wide[level] if level in wide else pd.Series(np.nan, index=wide.index)
        unknown = unknown | s.isna()
        reached = reached & s.ge(threshold - _EPS)
        items_so_far = items_so_far + (n_items[level].fillna(0).astype(int) if level in n_items else 0)
        app_so_far = app_so_far + (n_app[level].fillna(0).astype(int) if level in n_app else 0)
        score = reached.astype(float).mask(unknown)
        rows.append(pd.DataFrame({"score": score, "n_items": items_so_far, "n_applicable": app_so_far})
                    .reset_index().assign(framework="level", node_id=f"{level}+"))
    if not rows or wide.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    return pd.concat(rows, ignore_index=True)[SCORE_COLUMNS]


@catalog_cache
def star_requirements(star: int) -> pd.DataFrame:
    """The requirements of ★``star``: requirement_id, cited items (tuple) and whether it is judgeable.

    A requirement belongs to ★``star`` when one of its criteria is graded ``star`` or lower in scs_criteria.csv
    (the one place a grade is written: ★4 includes the ★3 criteria), in scs_requirements.csv's order. A
    requirement some of whose criteria cite no checklist item cannot be judged from the checklist: judgeable
    False.
    """
    crit = catalogs.scs_criteria()
    relevant = crit[crit["star"].le(star)]
    req = catalogs.scs_requirements()
    reqs = req.loc[req["requirement_id"].isin(relevant["requirement_id"]), "requirement_id"]
    out = []
    for rid in reqs:
        group = relevant[relevant["requirement_id"].eq(rid)]
        cited = group["jama_items"].fillna("")
        items = tuple(sorted({i for refs in cited for i in refs.split()}))
        out.append({"requirement_id": rid, "items": items,
                    "judgeable": bool(len(group)) and bool(cited.str.strip().ne("").all()) and bool(items)})
    return pd.DataFrame(out, columns=["requirement_id", "items", "judgeable"])


def unjudgeable_requirements(star: int) -> list[str]:
    """Requirement ids of ★``star`` that the checklist cannot judge (reported, never in a denominator)."""
    reqs = star_requirements(star)
    return reqs.loc[~reqs["judgeable"], "requirement_id"].tolist()


def star_scores(responses: pd.DataFrame, rules: RulesSource = None) -> pd.DataFrame:
    """★3/★4 readiness from the answers of the sectors scored on ★ (``star`` among their frameworks in
    catalogs/sectors.yaml: the automotive checklist), through the items each scheme criterion cites.

    Rows per respondent: one per requirement (``3:1-2-1``: 1 met, 0 not met, NaN not assessable or
    unjudgeable; n_items 1, n_applicable 1 when judged), one per star (``★3``: met / judged, NaN when
    none is judged; n_items = requirements of the star, n_applicable = judged ones) and one
    "ready" row per star (``★3+``: 1 when every judged requirement is met, 0 when one is not, NaN
    when none is judged). Missing, unanswered, unknown and invalid cited items are not achieved;
    not applicable ones are ignored.
    """
    starred = [s for s, info in catalogs.sectors().items() if "star" in info["frameworks"]]
    cited = responses[responses["sector"].isin(starred)]
    if cited.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    parts = [_star_scores(group, str(sector), version, rules)
             for sector, rows in cited.groupby("sector", sort=False) for version, group in versions(rows)]
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def _star_scores(answers: pd.DataFrame, sector: str, template_version: str, rules: RulesSource) -> pd.DataFrame:
    """★ rows of one sector's respondents of one template version (its items are the ones the criteria can
    cite)."""
    items = rules_mod.instrument_items(sector, template_version)
    full = complete_items(answers, sector)
    full = full[full["item_id"].isin(items)]
    people, rows, cols = _grid(full, items)
    applicable = np.zeros((len(people), len(items)), dtype=bool)
    achieved = np.zeros_like(applicable)
    applicable[rows, cols] = is_applicable(full["answer"], rules).to_numpy()
    achieved[rows, cols] = is_achieved(full["answer"], rules).to_numpy()
    fine = achieved | ~applicable  # no obstacle: achieved, or not applicable
    parts = []
    for star in STARS:
        reqs = star_requirements(star)
        met = np.full((len(people), len(reqs)), np.nan)
        for j, req in enumerate(reqs.itertuples()):
            if not req.judgeable:
                continue
            idx = items.get_indexer(list(req.items))
            if (idx < 0).any():
                if template_version:  # a version without a cited item cannot judge the requirement
                    continue
                raise ValueError(f"★{star} requirement {req.requirement_id} cites items outside the checklist")
            assessable = applicable[:, idx].any(axis=1)
            met[:, j] = np.where(assessable, fine[:, idx].all(axis=1), np.nan)
        judged = ~np.isnan(met)
        per_req = _repeated(people, len(reqs))
        per_req = per_req.assign(framework="star",
                                 node_id=np.tile((f"{star}:" + reqs["requirement_id"]).to_numpy(), len(people)),
                                 score=met.ravel(), n_items=1, n_applicable=judged.ravel().astype(int))
        n_judged = judged.sum(axis=1)
        n_met = np.nansum(met, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(n_judged > 0, n_met / n_judged, np.nan)
        ready = np.where(n_judged > 0, (n_met == n_judged).astype(float), np.nan)
        summary = people.assign(framework="star", n_items=len(reqs), n_applicable=n_judged)
        parts += [per_req, summary.assign(node_id=f"★{star}", score=share),
                  summary.assign(node_id=f"★{star}+", score=ready)]
    return pd.concat(parts, ignore_index=True)[SCORE_COLUMNS]


def score_store_tables(responses: pd.DataFrame, rules: RulesSource = None) -> pd.DataFrame:
    """All respondent scores for every sector and year present in ``responses``, under ``rules``."""
    parts = []
    for sector, group in responses.groupby("sector"):
        nodes = node_scores(group, str(sector), rules)
        parts.append(nodes)
        frameworks = catalogs.sector_info(str(sector))["frameworks"]  # catalogs/sectors.yaml
        if "level" in frameworks:
            parts.append(level_reached(nodes, rules=rules))
        if "star" in frameworks:
            parts.append(star_scores(group, rules))
    if not parts:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    return pd.concat(parts, ignore_index=True).sort_values([*KEY, "framework", "node_id"]).reset_index(drop=True)


def instrument_scale(responses: pd.DataFrame, rules: RulesSource = None) -> pd.DataFrame:
    """Each respondent on its instrument's own scale, under the same answer policy as every score.

    A sector whose ``instrument_points`` (scoring.yaml) declares ``points`` per canonical answer gets
    their sum over its applicable items (an answer not listed there scores 0; missing items are
    applicable, like unanswered), of the highest point per applicable item: automotive 2 per 達成 of
    2 per item. Every sector: implementation rate, the mean item points over applicable items
    (実施 1, 一部実施 0.5). ``points`` and ``max_points`` are NaN where the sector declares no points.
    """
    rules = rules_mod.load_rules(rules)
    parts = [complete_items(group, str(sector)) for sector, group in responses.groupby("sector")]
    r = pd.concat(parts, ignore_index=True) if parts else responses
    own = _own_points(r, rules)
    r = r.assign(applicable=is_applicable(r["answer"], rules), points=item_points(r["answer"], rules),
                 own=own, own_max=own.notna() * _own_max(r["sector"], rules))
    r["own"] = r["own"].where(r["applicable"])
    r["own_max"] = r["own_max"].where(r["applicable"] & r["own"].notna())
    by = r.groupby(KEY)
    g = by.agg(applicable=("applicable", "sum"), total=("points", "sum"))
    # a respondent with no applicable item on its own scale has no total (NaN), not 0: min_count=1
    g[["own", "own_max"]] = by[["own", "own_max"]].sum(min_count=1)
    g["points"], g["max_points"] = g["own"], g["own_max"]
    g["implementation_rate"] = (g["total"] / g["applicable"]).where(g["applicable"] > 0)
    return g.reset_index()[[*KEY, "points", "max_points", "implementation_rate"]]


def _declared(rules: Rules) -> dict[str, dict[str, float]]:
    """sector → its instrument's points per canonical answer, for the sectors that declare them."""
    scales = rules.get("instrument_points", {}) or {}
    return {s: {a: float(p) for a, p in v["points"].items()} for s, v in scales.items() if v and "points" in v}


def _own_points(r: pd.DataFrame, rules: Rules) -> pd.Series:
    """Each answer on its sector's own scale (0 for an answer the scale does not list); NaN for a sector
    with no scale of its own."""
    out = pd.Series(np.nan, index=r.index)
    for sector, points in _declared(rules).items():
        here = r["sector"].eq(sector)
        out[here] = lookup(r.loc[here, "answer"], points).fillna(0.0)
    return out


def _own_max(sector: pd.Series, rules: Rules) -> pd.Series:
    """The most an applicable item can score on its sector's own scale."""
    best = {s: max(points.values()) for s, points in _declared(rules).items()}
    return lookup(sector, best)
