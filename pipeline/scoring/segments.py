"""Segment statistics of respondent scores by any respondent attribute, and the response rates beside them.

A company with several power licences (事業区分) counts in each of its business types; such tables
carry ``multi_counted=True`` and reports say so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.scoring.rules import lookup
from pipeline.scoring.statistics import mean_interval, share_threshold, wilson
from pipeline.scoring.weights import with_members

MULTI_VALUED = {"business_types"}
ALL = "全体"
# working column of a node's rows: the segment's not-applicable answers on the node's items (never published: the
# interval solver's bound on how far a node's mean may miss its item-weighted children, pipeline/publish/intervals.py)
NA_BEHIND = "_na_behind"


def attach_segment(scores: pd.DataFrame, respondents: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """scores + a ``segment`` column (exploded for multi-valued attributes; '全体' when by is None)."""
    if by is None:
        return scores.assign(segment=ALL)
    attrs = with_segment(respondents[["sector", "year", "respondent_key", by]], by).drop(columns=by)
    return scores.merge(attrs, on=["sector", "year", "respondent_key"], how="inner")


def with_segment(frame: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """``frame`` with a ``segment`` column from attribute ``by`` ('全体' when None): multi-valued
    attributes give one row per value, missing values the segment '不明'."""
    if by is None:
        return frame.assign(segment=ALL)
    out = frame.assign(segment=frame[by])
    if by in MULTI_VALUED:
        out = out.assign(segment=out["segment"].fillna("").str.split()).explode("segment")
    return out.assign(segment=out["segment"].fillna("不明").replace("", "不明"))


def segment_stats(scores: pd.DataFrame, respondents: pd.DataFrame, by: str | None, framework: str,
                  node_id: str | None = None, threshold: float | None = None,
                  roster: pd.DataFrame | None = None, with_total: bool = True) -> pd.DataFrame:
    """n, mean (95% interval), share reaching ``threshold`` (Wilson 95%), not-applicable share and response rate.

    Reads scores (sector, year, respondent_key, framework, node_id, score, n_items, n_applicable) and
    respondents[by]. One row per sector × year × node × segment, plus a '全体' row per group. ``threshold``
    None: each node's own, :func:`~pipeline.scoring.statistics.share_threshold`.
    """
    sel = scores[scores["framework"].eq(framework)]
    if node_id is not None:
        sel = sel[sel["node_id"].eq(node_id)]
    parts = [attach_segment(sel, respondents, by)]
    if with_total and by is not None:
        parts.append(sel.assign(segment=ALL))
    data = pd.concat(parts, ignore_index=True)
    theta = node_thresholds(data["node_id"], framework, threshold)
    data = data.assign(reached=np.where(data["score"].notna(), data["score"].ge(theta), np.nan).astype(float),
                       not_applicable=data["n_items"] - data["n_applicable"])
    keys = ["sector", "year", "framework", "node_id", "segment"]
    g = data.groupby(keys, observed=True)
    out = g.agg(n=("respondent_key", "nunique"), n_scored=("score", "count"), mean=("score", "mean"),
                sd=("score", "std"), reached=("reached", "sum"), na_items=("not_applicable", "sum"),
                items=("n_items", "sum")).reset_index()
    out["reached"] = out["reached"].where(out["n_scored"] > 0)  # nobody scored: not assessed, not "0 reached"
    out["mean_ci_low"], out["mean_ci_high"] = mean_interval(out["mean"], out["sd"], out["n_scored"])
    out["share_reached"] = out["reached"] / out["n_scored"].where(out["n_scored"] > 0)
    out["ci_low"], out["ci_high"] = wilson(out["reached"], out["n_scored"])
    out["na_share"] = (out["na_items"] / out["items"]).where(out["items"] > 0)
    out["threshold"] = node_thresholds(out["node_id"], framework, threshold)
    out["multi_counted"] = by in MULTI_VALUED
    if roster is not None and by is not None:
        base = response_base(with_members(roster, respondents, [by]), by)
        out = out.merge(base, on=["sector", "year", "segment"], how="left")
        out["response_rate"] = out["n"] / out["roster_n"]
    return out.rename(columns={"na_items": NA_BEHIND}).drop(columns=["items"])


def node_thresholds(node_ids: pd.Series, framework: str, threshold: float | None = None) -> pd.Series:
    """Per row, the score at which a respondent reaches its node: ``threshold`` when given, else the node's
    :func:`~pipeline.scoring.statistics.share_threshold`, so a table and a member's peer group split alike."""
    if threshold is not None:
        return pd.Series(float(threshold), index=node_ids.index)
    theta = {node: share_threshold(framework, node) for node in node_ids.unique()}
    return lookup(node_ids, theta)


def response_base(roster: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Members per segment (the denominator of response rates), from :func:`~pipeline.scoring.weights.with_members`."""
    r = with_segment(roster, by)
    base = r.groupby(["sector", "year", "segment"]).size().rename("roster_n").reset_index()
    total = roster.groupby(["sector", "year"]).size().rename("roster_n").reset_index().assign(segment=ALL)
    return pd.concat([base, total], ignore_index=True).drop_duplicates(["sector", "year", "segment"])


def response_rates(roster: pd.DataFrame, respondents: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Who answered, per segment of the members: members, respondents, rate (Wilson 95%).

    The members are the roster and every respondent the roster does not list (joined after it was drawn, or
    spelt otherwise), placed by its own sheet: such a respondent is a member who answered. So ``n`` is every
    respondent of the segment, the same count every score table prints, and ``roster_n`` the members the rate
    is over. Counting them apart (respondents on the roster over the roster) would make the respondents not on the
    roster a split of their own, which the score tables' n would give back row by row (docs/method.md §11,
    "Respondents not on the roster")."""
    key = ["sector", "year", "respondent_key"]
    members = with_members(roster, respondents, [by] if by else [])
    answered = members.merge(respondents[key].drop_duplicates().assign(responded=True), on=key, how="left")
    r = with_segment(answered.assign(responded=answered["responded"].fillna(False).astype(bool)), by)
    g = r.groupby(["sector", "year", "segment"]).agg(roster_n=("respondent_key", "size"),
                                                     n=("responded", "sum")).reset_index()
    g["response_rate"] = g["n"] / g["roster_n"]
    g["ci_low"], g["ci_high"] = wilson(g["n"], g["roster_n"])
    g["multi_counted"] = by in MULTI_VALUED
    return g


def segment_groups(sector: str, by: str | None) -> dict[str, dict]:
    """The documented neighbour groups of attribute ``by`` (:func:`pipeline.catalogs.segment_groups`)."""
    if by is None:
        return {}
    return catalogs.segment_groups(sector).get(by, {})


def small_segment_merges(respondents: pd.DataFrame, by: str | None, groups: dict[str, dict], k: int
                         ) -> dict[str, str]:
    """Member code → group code for every group one of whose members has fewer than ``k`` respondents
    (but at least one) in some year of ``respondents``: recode before you hide. A group is merged for
    every year of the report, so a trend compares the same segment throughout."""
    if by is None or not groups or by not in respondents:
        return {}
    counts = with_segment(respondents[["year", "respondent_key", by]], by).groupby(["year", "segment"]).size()
    merges: dict[str, str] = {}
    for code, group in groups.items():
        members = list(group.get("members") or [])
        n = counts[counts.index.get_level_values("segment").isin(members)]
        if len(n) and n.lt(k).any():
            merges.update({m: code for m in members})
    return merges


def recode_segments(frame: pd.DataFrame, by: str, merges: dict[str, str]) -> pd.DataFrame:
    """``frame`` with attribute ``by`` recoded by ``merges`` (member → group); a multi-valued attribute keeps
    each group once (a grid company holding two of the merged licences counts once in the group)."""
    if not merges or by not in frame:
        return frame
    if by in MULTI_VALUED:
        def recode(value: object) -> object:
            if not isinstance(value, str):
                return value
            return " ".join(dict.fromkeys(merges.get(v, v) for v in value.split()))
        return frame.assign(**{by: frame[by].map(recode)})
    return frame.assign(**{by: frame[by].map(lambda v: merges.get(v, v) if isinstance(v, str) else v)})
