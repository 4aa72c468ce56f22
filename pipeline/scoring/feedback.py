"""Member feedback: each company's scores beside its peers, its percentile and 偏差値, its weakest items.

An operational output of the association: one file per company (rendered by
:mod:`pipeline.report.feedback_doc`), never part of a shared report. Peer groups with fewer than k
scored companies fall back to the whole sector and year; when that too is below k no peer statistic
is shown. The file says which group was used.

Peer statistics follow the disclosure rules of :mod:`pipeline.scoring.disclosure`, because a member
file leaves the association just like a report does: a mean or share rests on at least k companies,
a quantile on at least k companies beyond it (``QUANTILE_TAILS``), and a peer group in which every
company scored exactly 0% or 100% shows no statistic (it would tell each member every peer's score).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.scoring.disclosure import QUANTILE_TAILS
from pipeline.scoring.rules import complete_items, is_achieved, is_applicable
from pipeline.scoring.statistics import deviation_score, item_shares, percentile_rank

FUNCTIONS = ["GV", "ID", "PR", "DE", "RS", "RC"]


def peer_attribute(sector: str) -> str:
    """The attribute that defines a company's peers: what the association already segments its reports by
    (``peer_attribute`` in catalogs/sectors.yaml)."""
    return str(catalogs.sector_info(sector)["peer_attribute"])


def headline_nodes(sector: str) -> list[tuple[str, list[str]]]:
    """The (framework, nodes) a member sees (``headline`` in catalogs/sectors.yaml): CSF 2.0 functions
    everywhere, so members of every sector read the same six lines; automotive adds its own level
    achievement and the ★3 share it is assessed against."""
    return [(f, list(nodes)) for f, nodes in catalogs.sector_info(sector)["headline"].items()]
QUANTILES = {"p25": 0.25, "p50": 0.50, "p75": 0.75}
ALL_GROUP = "全体"
NO_PEERS = "比較群なし（k社未満）"
PEER_STATS = ["peer_mean", "p25", "p50", "p75", "percentile", "deviation"]


def feedback_tables(scores: pd.DataFrame, respondents: pd.DataFrame, responses: pd.DataFrame, sector: str,
                    year: int, k: int | None = None, n_weak: int = 10) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """respondent_key → (headline scores vs peers, weakest items) for one sector and year.

    A peer group is the companies sharing the company's peer attribute (power: main business type,
    automotive: size band) *with a score for that node*: those are the companies behind the peer
    mean, quantiles, percentile and 偏差値, so k applies to them. Fewer than k → the whole sector-year
    (``ALL_GROUP``, again counting companies with a score); if that is also below k, every peer
    statistic is NaN and the group is named ``NO_PEERS``.

    Parameters
    ----------
    scores, respondents, responses : DataFrame
        The store's tables (any sectors and years; filtered here).
    sector : {'power', 'auto'}
    year : int
    k : int, optional
        Minimum companies behind a peer statistic (default ``min_cell`` of scoring.yaml).
    n_weak : int
        How many items to list per company.

    Returns
    -------
    dict
        Per respondent key: ``headline`` with one row per (framework, node_id) of :func:`headline_nodes`
        and columns score, own_group (the company's attribute value), peer_group, peer_n, peer_mean,
        p25, p50, p75 (NaN unless k companies lie beyond the quantile), percentile, deviation and
        hidden ('' or why the peer statistics are missing: 'primary', 'uniform'); and the weakest
        items (see :func:`_weakest_items`).
    """
    k = catalogs.scoring_rules()["min_cell"] if k is None else k
    peer_col = peer_attribute(sector)
    resp = respondents[respondents["sector"].eq(sector) & respondents["year"].eq(year)]
    wanted = pd.concat([pd.DataFrame({"framework": f, "node_id": nodes, "order": range(len(nodes))})
                        for f, nodes in headline_nodes(sector)], ignore_index=True)
    wanted["order"] = np.arange(len(wanted))
    sel = scores[scores["sector"].eq(sector) & scores["year"].eq(year)].merge(
        wanted, on=["framework", "node_id"])
    sel = sel.merge(resp[["respondent_key", peer_col]], on="respondent_key").rename(columns={peer_col: "own_group"})
    scored = sel[sel["score"].notna()]
    node = ["framework", "node_id"]
    group_n = scored.groupby([*node, "own_group"])["respondent_key"].nunique()
    sector_n = scored.groupby(node)["respondent_key"].nunique()
    own_n = pd.Series([group_n.get((f, n, g), 0) if pd.notna(g) else 0
                       for f, n, g in zip(sel["framework"], sel["node_id"], sel["own_group"], strict=True)],
                      index=sel.index)
    all_n = pd.Series([sector_n.get((f, n), 0) for f, n in zip(sel["framework"], sel["node_id"], strict=True)],
                      index=sel.index)
    sel["peer_group"] = np.where(own_n.ge(k), sel["own_group"].astype(object),
                                 np.where(all_n.ge(k), ALL_GROUP, NO_PEERS))
    stats = [_peer_stats(block, scored, group, f, n, k)
             for (group, f, n), block in sel.groupby(["peer_group", *node])]
    headline = pd.concat(stats).sort_values("order") if stats else sel.assign(**dict.fromkeys(PEER_STATS))
    headline = headline.drop(columns="order")
    mine = responses[responses["sector"].eq(sector) & responses["year"].eq(year)]
    if "template_version" not in mine and "template_version" in resp:  # gaps among the company's version's items
        mine = mine.merge(resp[["respondent_key", "template_version"]], on="respondent_key", how="left")
    weak = _weakest_items(mine, n_weak, k)
    return {key: (headline[headline["respondent_key"].eq(key)].reset_index(drop=True),
                  weak.get(key, pd.DataFrame(columns=WEAK_COLUMNS)))
            for key in resp["respondent_key"]}


def _peer_stats(block: pd.DataFrame, scored: pd.DataFrame, group: str, framework: str, node_id: str,
                k: int) -> pd.DataFrame:
    """The peer statistics of one node for the companies of ``block`` (all in peer group ``group``)."""
    if group == NO_PEERS:
        return block.assign(peer_n=np.nan, **dict.fromkeys(PEER_STATS, np.nan), hidden="primary")
    pool = scored[scored["framework"].eq(framework) & scored["node_id"].eq(node_id)]
    if group != ALL_GROUP:
        pool = pool[pool["own_group"].eq(group)]
    n = pool["respondent_key"].nunique()
    mean = pool["score"].mean()
    if mean in (0.0, 1.0):  # every peer at the same extreme: any statistic would tell each one's score
        return block.assign(peer_n=n, **dict.fromkeys(PEER_STATS, np.nan), hidden="uniform")
    quantiles = {q: float(pool["score"].quantile(p)) if n * QUANTILE_TAILS[q] >= k else np.nan
                 for q, p in QUANTILES.items()}
    # every scored company of the block is in its pool; an unscored one gets no rank (NaN)
    return block.assign(peer_n=n, peer_mean=mean, **quantiles,
                        percentile=percentile_rank(pool["score"]).reindex(block.index),
                        deviation=deviation_score(pool["score"]).reindex(block.index), hidden="")


WEAK_COLUMNS = ["rank", "item_id", "answer", "peer_rate", "n_applicable", "template_version"]


def _weakest_items(responses: pd.DataFrame, n_weak: int, k: int) -> dict[str, pd.DataFrame]:
    """Items a company has not achieved that most of its sector has: the gaps worth closing first.

    The sector rate is ``statistics.item_shares`` (the one per-item share), hidden (NaN, listed last)
    when fewer than k companies are behind it, or when it is exactly 0% (every company failed the
    item: a published 0% would tell each member every peer's answer). Gaps are applicable, not
    achieved answers, instrument items missing from the submission included, as every score counts
    them. Columns: rank (1 = first to work on), item_id, answer (canonical), peer_rate, n_applicable,
    template_version (the company's, for the item texts; '' when ``responses`` do not say).
    """
    if responses.empty:
        return {}
    shares = item_shares(responses).set_index("item_id")
    rate = shares["share_implemented"].where(shares["n_applicable"].ge(k) & shares["share_implemented"].gt(0))
    full = pd.concat([complete_items(g, str(s)) for s, g in responses.groupby("sector")], ignore_index=True)
    gaps = full[is_applicable(full["answer"]) & ~is_achieved(full["answer"])]
    gaps = gaps.assign(peer_rate=gaps["item_id"].map(rate), n_applicable=gaps["item_id"].map(shares["n_applicable"]))
    gaps = gaps.sort_values(["peer_rate", "item_id"], ascending=[False, True], na_position="last")
    out = {}
    for key, g in gaps.groupby("respondent_key"):
        top = g.head(n_weak).reset_index(drop=True)
        top["template_version"] = top["template_version"].fillna("") if "template_version" in top else ""
        out[key] = top.assign(rank=np.arange(1, len(top) + 1))[WEAK_COLUMNS]
    return out

