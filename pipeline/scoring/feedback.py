"""Member feedback: each company's scores beside its peers, its percentile and 偏差値, its weakest items.

An operational output of the association: one file per company (rendered by
:mod:`pipeline.report.feedback_doc`), never part of a shared report. Peer groups with fewer than k
scored companies fall back to the whole sector and year; when that too is below k no peer statistic
is shown. The file says which group was used.

Peer statistics follow the disclosure rules of :mod:`pipeline.scoring.disclosure`, because a member
file leaves the association just like a report does: a mean or share rests on at least k companies
besides the member (:func:`peer_group`), a quantile on at least k companies beyond it
(:func:`~pipeline.scoring.disclosure.quantile_shown`), and a peer group whose values are all alike shows
no statistic (:func:`~pipeline.scoring.disclosure.all_alike`). The same rules serve the ★ distance
distribution of :mod:`pipeline.scoring.star_feedback`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.ruleset import min_cell
from pipeline.scoring.disclosure import (
    BANDS,
    MIN_WIDTH,
    QUANTILE_LEVELS,
    all_alike,
    between_shown,
    protect,
    quantile_position,
    quantile_shown,
)
from pipeline.scoring.disclosure_order import printed_top
from pipeline.scoring.disclosure_rounding import ROUNDED, STEP, round_small_not_applicable
from pipeline.scoring.feedback_levels import levels_to_withhold
from pipeline.scoring.rules import complete_items, is_achieved, is_applicable
from pipeline.scoring.statistics import deviation_score, item_shares, percentile_rank, share_threshold

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
QUANTILES = {q: QUANTILE_LEVELS[q] for q in ("p25", "p50", "p75")}
ALL_GROUP = "全体"
NO_PEERS = "比較群なし（k社未満）"
PEER_STATS = ["peer_mean", "p25", "p50", "p75", "percentile", "deviation"]


def feedback_tables(scores: pd.DataFrame, respondents: pd.DataFrame, responses: pd.DataFrame, sector: str,
                    year: int, k: int | None = None, n_weak: int = 10, published: pd.DataFrame | None = None,
                    merges: dict[str, str] | None = None, withheld: set[tuple[str, str]] | None = None,
                    counts: pd.DataFrame | None = None, weak: dict[str, pd.DataFrame] | None = None,
                    ) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
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
    sector : str
        A sector of catalogs/sectors.yaml.
    year : int
    k : int, optional
        Minimum companies behind a peer statistic (default ``min_cell`` of scoring.yaml).
    n_weak : int
        How many items to list per company.
    published : DataFrame, optional
        The report's protected cells of this year (:class:`pipeline.report.published_peers.PublishedPeers`
        ``cells``: framework, node_id, segment, n, mean, band, hidden, rounded). For the nodes it holds, the
        peer group is the member's published segment where the report shows its value, else the sector
        total where that is shown (:func:`published_group`), and the peer mean and count are the report's
        own (rounded where it rounds; the quantiles, percentile and 偏差値 then withheld, as they would tell
        the exact mean). Other nodes keep the rule below for the member's own group, and are never compared
        with the sector total (:func:`_no_total_without_a_table`).
    merges : dict, optional
        Member attribute value → the merged group the report publishes it under.
    withheld : set, optional
        (node_id, segment) of nodes without a table of their own whose nearest report cell is withheld
        (:attr:`pipeline.report.published_peers.PublishedPeers.withheld`): the group's statistics read x there.
    counts : DataFrame, optional
        The counts at or above a threshold the report prints (:attr:`~pipeline.report.published_peers.
        PublishedPeers.counts`: framework, node_id, segment, threshold, reached). A quantile, then a percentile
        rank, is shown only where the companies between it and each printed count's threshold (and, for the
        rank, each quantile shown) are none or at least k (:func:`~pipeline.scoring.disclosure.between_shown`).
    weak : dict, optional
        :func:`weakest_items` of the same tables, ``k`` and ``n_weak``, when already made (``sdw feedback`` makes them
        while the report's cells are still being completed); made here otherwise.

    Returns
    -------
    dict
        Per respondent key: ``headline`` with one row per (framework, node_id) of :func:`headline_nodes`
        and columns score, own_group (the company's attribute value), peer_group, peer_n, peer_mean,
        p25, p50, p75 (NaN unless k companies lie beyond the quantile), percentile, deviation and
        hidden ('' or why the peer statistics are missing: 'primary', 'uniform'); and the weakest
        items (see :func:`_weakest_items`).
    """
    k = min_cell(k)
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
    own_n = sel[[*node, "own_group"]].merge(group_n.rename("n").reset_index(), on=[*node, "own_group"],
                                            how="left")["n"].fillna(0).set_axis(sel.index)
    all_n = sel[node].merge(sector_n.rename("n").reset_index(), on=node, how="left")["n"].fillna(0) \
        .set_axis(sel.index)
    sel["peer_group"] = peer_group(sel["own_group"], own_n, all_n, k)
    merges = merges or {}
    cells = _published_cells(published)
    if cells:
        sel["peer_group"] = published_group(sel, cells, merges, sel["peer_group"])
    pools = {(f, n): g for (f, n), g in scored.groupby(node)}  # one pass, not a filter per peer group
    if cells:  # the report's segments, a company in each of its own
        groups = _segment_pools(scored, resp, sector, peer_col, merges)
    elif merges:  # a merged group's pool is its members'
        groups = {key: g.assign(own_group=g["own_group"].map(lambda v: merges.get(v, v))) for key, g in pools.items()}
    else:
        groups = pools
    printed = _printed_cuts(counts)
    stats = [_peer_stats(block, (pools if group == ALL_GROUP else groups).get((f, n), scored.iloc[:0]), group, k,
                         cells.get((f, n)), printed.get((f, n, merges.get(group, group)), []))
             for (group, f, n), block in sel.groupby(["peer_group", *node])]
    headline = pd.concat(stats).sort_values("order") if stats else sel.assign(**dict.fromkeys(PEER_STATS))
    if cells:  # a node no report table publishes (automotive levels): never compared with the sector total
        headline = _no_total_without_a_table(headline, cells)
    if withheld:
        headline = _withhold_beside_the_report(headline, withheld, merges, cells)
    headline = _levels_together(headline, merges)
    headline = _own_history(headline.drop(columns="order"), scores, respondents, sector, year)
    if weak is None:
        weak = weakest_items(respondents, responses, sector, year, k, n_weak)
    # one split of the table, not a filter per company (which grew with the square of the members)
    by_key = split_by_key(headline, "respondent_key")
    empty, no_gaps = headline.iloc[:0].reset_index(drop=True), pd.DataFrame(columns=WEAK_COLUMNS)
    return {key: (by_key.get(key, empty), weak.get(key, no_gaps)) for key in resp["respondent_key"]}


def weakest_items(respondents: pd.DataFrame, responses: pd.DataFrame, sector: str, year: int, k: int | None = None,
                  n_weak: int = 10) -> dict[str, pd.DataFrame]:
    """respondent_key → the items the company has not achieved that most of its sector has (:func:`_weakest_items`),
    for one sector and year of the store's tables. They rest on the answers alone, not on the report's cells."""
    k = min_cell(k)
    resp = respondents[respondents["sector"].eq(sector) & respondents["year"].eq(year)]
    needed = [c for c in ("sector", "year", "respondent_key", "item_id", "answer", "template_version")
              if c in responses]
    mine = responses.loc[responses["sector"].eq(sector) & responses["year"].eq(year), needed]  # lineage not needed
    if "template_version" not in mine and "template_version" in resp:  # gaps among the company's version's items
        mine = mine.merge(resp[["respondent_key", "template_version"]], on="respondent_key", how="left")
    return _weakest_items(mine, n_weak, k)


def peer_group(own_group: pd.Series, own_n: pd.Series, all_n: pd.Series, k: int) -> np.ndarray:
    """The k rule of every peer statistic in member feedback: per company, its own group (``own_group``)
    when k companies of that group *besides the member* are behind the statistic (``own_n`` ≥ k + 1), else
    the whole sector-year (:data:`ALL_GROUP`) when ``all_n`` ≥ k + 1, else no peers (:data:`NO_PEERS`).
    The counts are of the companies *with a value* for what is compared (a score for the node, a judged ★
    distance), the member included: the member knows its own value, so a group of exactly k would give it
    the mean of the other k − 1."""
    return np.where(own_n.ge(k + 1), own_group.astype(object), np.where(all_n.ge(k + 1), ALL_GROUP, NO_PEERS))


def previous_year(respondents: pd.DataFrame, sector: str, year: int) -> int | None:
    """The survey year before ``year`` in the store for ``sector`` (the latest earlier one), if any."""
    years = respondents.loc[respondents["sector"].eq(sector) & respondents["year"].lt(year), "year"]
    return int(years.max()) if len(years) else None


def _own_history(headline: pd.DataFrame, scores: pd.DataFrame, respondents: pd.DataFrame, sector: str,
                 year: int) -> pd.DataFrame:
    """Add the company's own previous-year score and, for automotive levels, whether each level was reached.

    These are the member's own numbers, shown back to it alone, so no peer rule applies. Columns added:
    prev_year (the previous survey year in the store, NaN when there is none), prev_score (the company's
    score on the node that year; NaN when it did not answer or the node was not assessed), reached and
    prev_reached (for a level node ``LvN``: the store's ``LvN+``, 1 when every level up to N reaches the
    threshold, 0 when one falls short, NaN when not assessed; NaN for other nodes).
    """
    prev = previous_year(respondents, sector, year)
    keys = ["respondent_key", "framework", "node_id"]
    mine = scores[scores["sector"].eq(sector) & scores["year"].isin([year] if prev is None else [year, prev])]
    mine = mine[mine["framework"].isin(headline["framework"].unique())][["year", *keys, "score"]]
    plus = mine[mine["framework"].eq("level") & mine["node_id"].str.endswith("+")]
    plus = plus.assign(node_id=plus["node_id"].str[:-1])  # LvN+ says whether level N is reached
    out = headline.assign(prev_year=np.nan if prev is None else float(prev))

    def column(frame: pd.DataFrame, in_year: int | None, name: str) -> pd.Series:
        if in_year is None:
            return pd.Series(np.nan, index=out.index)
        got = frame[frame["year"].eq(in_year)].drop(columns="year").rename(columns={"score": name})
        return out[keys].merge(got, on=keys, how="left")[name].set_axis(out.index).astype(float)

    return out.assign(prev_score=column(mine, prev, "prev_score"), reached=column(plus, year, "reached"),
                      prev_reached=column(plus, prev, "prev_reached"))


def _published_cells(published: pd.DataFrame | None) -> dict[tuple[str, str], dict[object, dict]]:
    """(framework, node_id) → segment → the report's cell (n, mean, band, hidden, rounded)."""
    if published is None or published.empty:
        return {}
    out: dict[tuple[str, str], dict[object, dict]] = {}
    for row in published.to_dict("records"):
        out.setdefault((str(row["framework"]), str(row["node_id"])), {})[row["segment"]] = row
    return out


def published_group(sel: pd.DataFrame, cells: dict[tuple[str, str], dict[object, dict]], merges: dict[str, str],
                    default: pd.Series) -> np.ndarray:
    """Per row of ``sel`` (framework, node_id, own_group), the group whose published value it is compared with:
    its own segment as the report publishes it (merged where the report merges it) when the report shows that
    cell's value, else the sector total when shown, else :data:`NO_PEERS`. Rows of nodes the report has no table
    for keep ``default``."""
    out = default.to_numpy(dtype=object).copy()
    for i, (f, n, own) in enumerate(zip(sel["framework"], sel["node_id"], sel["own_group"], strict=True)):
        node = cells.get((str(f), str(n)))
        if node is None:
            continue
        segment = merges.get(own, own) if isinstance(own, str) else None
        if segment is not None and _shown(node.get(segment)):
            out[i] = segment
        elif _shown(node.get(ALL_GROUP)):
            out[i] = ALL_GROUP
        else:
            out[i] = NO_PEERS
    return out


def _segment_pools(scored: pd.DataFrame, resp: pd.DataFrame, sector: str, peer_col: str,
                   merges: dict[str, str]) -> dict[tuple[str, str], pd.DataFrame]:
    """Per node, the companies of each segment as the report counts them, for the quantiles, percentile and 偏差値
    beside the report's published mean. Where the report segments by another attribute than the peers (power:
    every business type a company holds, the member by its main one), a company sits in each of its segments, so
    the pool of the member's segment is the report's segment and not a finer group the report never publishes.
    The index is the scored rows' own, so a member's rank is read back by its row."""
    from pipeline.scoring.segments import with_segment

    by = str(catalogs.sector_info(sector).get("segment") or peer_col)
    source = by if by in resp else peer_col
    member = with_segment(resp[["respondent_key", source]], source)[["respondent_key", "segment"]]
    member = member.assign(segment=member["segment"].map(lambda v: merges.get(v, v))).drop_duplicates()
    rows = scored.drop(columns="own_group").reset_index().merge(
        member.rename(columns={"segment": "own_group"}), on="respondent_key").set_index("index")
    rows.index.name = None
    return {(f, n): g for (f, n), g in rows.groupby(["framework", "node_id"])}


def _withhold_beside_the_report(headline: pd.DataFrame, withheld: set[tuple[str, str]], merges: dict[str, str],
                                cells: dict[tuple[str, str], dict] | None = None) -> pd.DataFrame:
    """The group's statistics read x on the rows whose nearest report cell is withheld (``withheld``: node, segment).
    Where the report publishes the row's own value (``cells``: automotive 全項目の達成率 in the distribution table
    beside a withheld Lv3+ count), the published mean, count and quartiles stay, as the report prints them; only the
    member's rank reads x (its position would count the companies at 90 % or more, which bound the withheld count),
    and the sentence on positions says why."""
    segment = headline["peer_group"].map(lambda v: merges.get(v, v) if isinstance(v, str) else v)
    shut = pd.Series([(str(n), str(g)) in withheld for n, g in zip(headline["node_id"], segment, strict=True)],
                     index=headline.index)
    own = pd.Series([(str(f), str(n)) in cells for f, n in zip(headline["framework"], headline["node_id"],
                                                                strict=True)] if cells else False,
                    index=headline.index, dtype=bool)
    printed = shut & own & headline["hidden"].eq("") & ~_flag_of(headline, "peer_rounded")
    out = _withhold_peers(headline, shut & ~printed)
    if printed.any():
        out.loc[printed & out["percentile"].notna(), "between_rank"] = True
        out.loc[printed, "percentile"] = np.nan
    return out


# automotive 全項目の達成率 (level All) is the item-weighted mean of the level shares Lv1, Lv2, Lv3 (50, 74, 29 items)
LEVEL_PARTS, LEVEL_WHOLE = ("Lv1", "Lv2", "Lv3"), "All"


def _levels_together(headline: pd.DataFrame, merges: dict[str, str]) -> pd.DataFrame:
    """The level peer means of one group withheld where the level relation would give one back (docs/method.md,
    "Level means shown together"). All is their item-weighted mean (153·All ≈ 50·Lv1 + 74·Lv2 + 29·Lv3, N/A aside),
    so three exact means of a group give the fourth: the report's printed All beside the file's Lv1 and Lv2 gave a
    withheld Lv3 (101〜300人 FY2024: 0.4035 for 0.3985). Per member, the fewest level means still shown are
    withheld (they read x) that leave every value the member does not read exactly — withheld, hidden, a band,
    rounded, shown for another group — its width (:func:`~pipeline.scoring.feedback_levels.levels_to_withhold`);
    All keeps what the report prints. The weights are the levels' items in the year's forms (the most any member
    has), the same for every member: two members of one group withhold the same means, so their files read
    together show nothing that either alone does not."""
    node = headline["node_id"].astype(str)
    level = headline["framework"].eq("level")
    parts, whole = level & node.isin(LEVEL_PARTS), level & node.eq(LEVEL_WHOLE)
    if not whole.any() or not parts.any():
        return headline
    mine = headline["own_group"].map(lambda v: merges.get(v, v) if isinstance(v, str) else None)
    group = headline["peer_group"].map(lambda v: merges.get(v, v) if isinstance(v, str) else v)
    hidden = headline["hidden"].fillna("").astype(str)
    ours = group.eq(mine) & mine.notna()
    shown = ours & hidden.eq("") & headline["peer_mean"].notna()
    rounded = _flag_of(headline, "peer_rounded")
    band = headline["peer_band"].fillna("").astype(str) if "peer_band" in headline else pd.Series("", headline.index)
    items = pd.to_numeric(headline.get("n_items", pd.Series(np.nan, headline.index)), errors="coerce")
    year_items = items[parts].groupby(node[parts]).max()
    weights = {p: float(year_items.get(p, np.nan)) for p in LEVEL_PARTS}
    weighed = all(w > 0 for w in weights.values())
    # the level rows' columns read once as plain values: a pandas look-up per cell, over 3,100 members' rows, cost
    # more than the rule itself
    rows = np.flatnonzero((parts | whole).to_numpy())
    keys = headline["respondent_key"].to_numpy()[rows].tolist()
    columns = zip(keys, node.to_numpy()[rows].tolist(), shown.to_numpy()[rows].tolist(),
                  rounded.to_numpy()[rows].tolist(), ours.to_numpy()[rows].tolist(), band.to_numpy()[rows].tolist(),
                  pd.to_numeric(headline["peer_mean"], errors="coerce").to_numpy()[rows].tolist(),
                  parts.to_numpy()[rows].tolist(), rows.tolist(), strict=True)
    members: dict[object, list[tuple]] = {}
    for row in columns:
        members.setdefault(row[0], []).append(row)
    drop = np.zeros(len(headline), dtype=bool)
    for block in members.values():
        known: dict[str, tuple[float, float]] = {}
        required: dict[str, float] = {}
        candidates, ids = [], {}
        for _, name, is_shown, is_rounded, is_ours, printed, mean, is_part, i in block:
            ids[name] = i
            if is_shown and not is_rounded:
                known[name] = (float(mean),) * 2
            elif is_shown:  # the report's rounded mean: within its half-step, and not to be narrowed
                known[name], required[name] = (mean - STEP / 2, mean + STEP / 2), STEP
            elif is_ours and printed in BANDS:  # printed as its band: nothing inside it to be learned
                known[name], required[name] = BANDS[printed], BANDS[printed][1] - BANDS[printed][0]
            else:  # read as x, or shown for another group: the group's own value must keep the method's width
                required[name] = MIN_WIDTH
            if is_part and is_shown:
                candidates.append(name)
        if not weighed:
            chosen = candidates  # the weights unknown: every level mean shown goes (the relation unchecked)
        else:
            chosen = levels_to_withhold(known, required, candidates, weights, LEVEL_WHOLE, MIN_WIDTH)
        drop[[ids[c] for c in chosen]] = True
    return _withhold_peers(headline, pd.Series(drop, index=headline.index))


def _flag_of(headline: pd.DataFrame, column: str) -> pd.Series:
    """A boolean column of the headline table, False where absent or blank."""
    if column not in headline:
        return pd.Series(False, index=headline.index)
    return headline[column].fillna(False).astype(bool)


def _withhold_peers(headline: pd.DataFrame, rows: pd.Series) -> pd.DataFrame:
    """``headline`` with the peer count and statistics of ``rows`` blanked and marked 'withheld' (they read x).
    Their band goes too: 「90%以上」 beside a level the report withholds says the group's small side is the
    companies below 90 %, the reason the report keeps to itself (say, 3 of 61 short of Lv1)."""
    if not rows.any():
        return headline
    out = headline.copy()
    out.loc[rows, [c for c in ("peer_n", *PEER_STATS) if c in out]] = np.nan
    out.loc[rows, "hidden"] = "withheld"
    if "peer_band" in out:
        out.loc[rows, "peer_band"] = ""
    return out


def _no_total_without_a_table(headline: pd.DataFrame, cells: dict[tuple[str, str], dict]) -> pd.DataFrame:
    """Withhold the sector total on the nodes the report publishes no table for. The other groups' members see
    their own groups' means there, so a total beside them gives back a group that is hidden or too small (say, a
    total of 520 less the four size bands shown gives the fifth band's withheld mean exactly). The
    member reads x, with the protected-value sentence, and keeps its own score and history."""
    table = pd.Series([(str(f), str(n)) in cells for f, n in zip(headline["framework"], headline["node_id"],
                                                                  strict=True)], index=headline.index)
    total = ~table & headline["peer_group"].eq(ALL_GROUP)
    if not total.any():
        return headline
    out = _withhold_peers(headline, total)
    if "fallback" in out:
        out.loc[total, "fallback"] = False
    own = out["own_group"].map(lambda v: isinstance(v, str)).astype(bool)
    out.loc[total & own, "peer_group"] = out.loc[total & own, "own_group"]
    return out


def _printed_cuts(counts: pd.DataFrame | None) -> dict[tuple[str, str, object], list[tuple[float, float]]]:
    """(framework, node_id, segment) → the (threshold, companies at or above it) the report prints there."""
    if counts is None or counts.empty:
        return {}
    out: dict[tuple[str, str, object], list[tuple[float, float]]] = {}
    for f, n, g, theta, c in counts[["framework", "node_id", "segment", "threshold", "reached"]].itertuples(
            index=False):
        if c == c:
            out.setdefault((str(f), str(n), g), []).append((float(theta), float(c)))
    return out


def _shown(cell: dict | None) -> bool:
    """Whether the report prints a cell's value (not hidden, not only as a band)."""
    return cell is not None and not cell["hidden"] and cell["mean"] == cell["mean"]


def _peer_stats(block: pd.DataFrame, pool: pd.DataFrame, group: str, k: int, cells: dict[object, dict] | None = None,
                printed: list[tuple[float, float]] | None = None) -> pd.DataFrame:
    """The peer statistics of one node for the companies of ``block`` (all in peer group ``group``);
    ``pool`` holds every company with a score for that node in the sector-year. With ``cells`` (the report's
    cells of the node) the mean and count are the published ones. Without them (a node no report table
    publishes: automotive levels), a group the report's rule would hide reads x: the sector total in its place
    would give the group's mean back from the total and the other groups' means that their members see.
    Column ``fallback``: compared with the sector total because the own group's value is not published;
    ``peer_rounded``: the mean is the report's rounded one. ``printed``: the (threshold, count reaching it) the
    report prints for the group and node; a quantile or rank that would count 1 … k − 1 companies between itself
    and one of them is withheld (:func:`_between_rule`)."""
    if group == NO_PEERS:
        return block.assign(peer_n=np.nan, **dict.fromkeys(PEER_STATS, np.nan), hidden="primary")
    # compared with the sector total because the report does not publish the member's own group (per member: a
    # block of the sector total holds members of several groups, and those of unknown group are not 'fallen back')
    known = block["own_group"].map(lambda v: isinstance(v, str)).astype(bool)
    fallback = known & (cells is not None and group == ALL_GROUP)
    if cells is not None:
        cell = cells[group]
    if group != ALL_GROUP:
        pool = pool[pool["own_group"].eq(group)]
    n = pool["respondent_key"].nunique()
    mean = pool["score"].mean()

    if cells is not None and cell["rounded"]:  # the report prints it rounded: nothing that tells it exactly
        return block.assign(peer_n=cell["n"], **{**dict.fromkeys(PEER_STATS, np.nan), "peer_mean": cell["mean"]},
                            hidden="", peer_rounded=True, fallback=fallback)
    if cells is not None:
        n, mean = cell["n"], cell["mean"]
    elif all_alike(pool["score"]):
        return block.assign(peer_n=n, **dict.fromkeys(PEER_STATS, np.nan), hidden="uniform")
    else:
        reason, band = peer_protection(pool["score"], str(block["framework"].iloc[0]), k,
                                       str(block["node_id"].iloc[0]))
        if reason:  # the report's rule hides this group's statistics: none shown, the mean at most as its band
            return block.assign(peer_n=n, **dict.fromkeys(PEER_STATS, np.nan), hidden=reason, peer_band=band)
    quantiles = {q: float(pool["score"].quantile(p)) if quantile_shown(q, n, k) else np.nan
                 for q, p in QUANTILES.items()}
    # every scored company of the block is in its pool; an unscored one gets no rank (NaN)
    percentile = percentile_rank(pool["score"], k).reindex(block.index)
    shown, kept = _between_rule(pool["score"], block, quantiles, percentile, printed or [], k)
    # what the between rule withheld, for the sentence that says why: a quantile (the group's, alike for its
    # members, so the sentences stay shared) and a rank (the member's own)
    return block.assign(peer_n=n, peer_mean=mean, **shown, percentile=kept,
                        deviation=deviation_score(pool["score"]).reindex(block.index), hidden="",
                        fallback=fallback, peer_rounded=False,
                        between_quantile=any(v == v and shown[q] != shown[q] for q, v in quantiles.items()),
                        between_rank=kept.isna() & percentile.notna())


def _between_rule(pool: pd.Series, block: pd.DataFrame, quantiles: dict[str, float], percentile: pd.Series,
                  printed: list[tuple[float, float]], k: int) -> tuple[dict[str, float], pd.Series]:
    """The quantiles and ranks that may stand beside the report's printed counts (docs/method.md, "Ranks
    beside printed counts"). A printed count c of the group's n reaching θ says n − c companies lie
    below θ; a quantile sits at a known order position; a rank is the member's own position. Any two of them count
    the companies between: first each quantile is held against the printed counts, then each member's rank
    against the printed counts and the quantiles left shown (:func:`~pipeline.scoring.disclosure.between_shown`).
    偏差値 has no position (the group's mean and SD, alike for every member, turn the member's own score into it)
    and is left alone."""
    values = pool.dropna()
    n = len(values)
    cuts = [(theta, n - c) for theta, c in printed]
    shown = dict(quantiles)
    for q, v in quantiles.items():
        if v == v and not between_shown([v], [quantile_position(q, n)], cuts, k, own=0)[0]:
            shown[q] = np.nan
    cuts += [(v, quantile_position(q, n)) for q, v in shown.items() if v == v]
    ranked = percentile.notna()
    if cuts and ranked.any():
        at_or_below = values.rank(method="max").reindex(block.index)[ranked]
        keep = between_shown(block.loc[ranked, "score"], at_or_below, cuts, k)
        percentile = percentile.copy()
        percentile.loc[at_or_below.index[~keep]] = np.nan
    return shown, percentile


def peer_protection(scores: pd.Series, framework: str, k: int, node_id: str = "") -> tuple[str, str]:
    """Why the report's rule would hide a peer group's statistics of one node, and the band its mean may be
    shown as: ('', '') where they may be shown; ('split', 'high') where fewer than k peers fall short of the
    threshold but the mean is at least 90 % (the report prints 「90%以上」); ('split', '') otherwise hidden.

    The same :func:`~pipeline.scoring.disclosure.protect` the report's node tables run, on the group as one
    cell (its mean and its share reaching the threshold, both sides of which must hold k), so a member's file
    shows no peer value the published report withholds (a group of 10 with one company below 90 %: the report
    shows 「90%以上」, the file no exact mean, percentile or 偏差値 either)."""
    values = scores.dropna().astype(float)
    theta = share_threshold(framework, node_id)
    cell = pd.DataFrame({"n": [len(values)], "mean": [values.mean()], "share_reached": [values.ge(theta).mean()]})
    out = protect(cell, k=k, n_col="n", stat_columns=["mean", "share_reached"], group=[])
    return str(out["suppressed"].iloc[0]), str(out["mean_band"].iloc[0] or "")


WEAK_COLUMNS = ["rank", "item_id", "answer", "peer_rate", "n_applicable", "n_companies", "template_version", ROUNDED]


def _weakest_items(responses: pd.DataFrame, n_weak: int, k: int) -> dict[str, pd.DataFrame]:
    """Items a company has not achieved that most of its sector has: the gaps worth closing first.

    The sector rate is ``statistics.item_shares`` (the one per-item share) protected as the report's
    item table is (``disclosure.protect`` on n_applicable, then ``round_small_not_applicable``): hidden
    (NaN, listed last) when fewer than k companies are behind it, fewer than k on either side of it or
    it is exactly 0% or 100%; rounded, with n_applicable withheld, when 1…k−1 found it not applicable.
    Gaps are applicable, not achieved answers, instrument items missing from the submission included, as
    every score counts them, listed highest printed rate first (``disclosure_order.printed_top``: equal printed
    rates, and hidden ones last, by item number; never by the exact rate the page does not print). Columns: rank
    (1 = first to work on), item_id, answer (canonical), peer_rate, n_applicable, template_version (the company's,
    for the item texts; '' when ``responses`` do not say), rounded (the rate is published in whole percent, its
    applicable count withheld).
    """
    if responses.empty:
        return {}
    raw = item_shares(responses)
    # the report's protection of the same shares (primary, split, uniform; a few not applicable: rounded, base
    # withheld), so a member reads no rate the published item table would hide
    shares = round_small_not_applicable(
        protect(raw, k=k, n_col="n_applicable", stat_columns=["share_implemented", "n_implemented"]), raw, k
    ).set_index("item_id")
    rate = shares["share_implemented"]
    full = pd.concat([complete_items(g, str(s)) for s, g in responses.groupby("sector")], ignore_index=True)
    gaps = full[is_applicable(full["answer"]) & ~is_achieved(full["answer"])]
    gaps = gaps.assign(peer_rate=gaps["item_id"].map(rate), n_applicable=gaps["item_id"].map(shares["n_applicable"]),
                       n_companies=gaps["item_id"].map(raw.set_index("item_id")["n_companies"]),
                       # printed in whole percent as the report's item table prints it (the rate's own flag)
                       **{ROUNDED: gaps["item_id"].map(shares[ROUNDED]).fillna(False).astype(bool)})
    # in the order the rates print (docs/method.md §5, orderings): equal printed rates and withheld ones by item number
    top = printed_top(gaps, n_weak, ["peer_rate"], "item_id", descending=True, per="respondent_key")
    top = top.assign(rank=top.groupby("respondent_key", sort=False).cumcount() + 1,
                     template_version=top["template_version"].fillna("").astype(object)
                     if "template_version" in top else "")
    return split_by_key(top[["respondent_key", *WEAK_COLUMNS]], "respondent_key", drop=True)


def split_by_key(frame: pd.DataFrame, key: str, drop: bool = False) -> dict[str, pd.DataFrame]:
    """``frame`` cut into one frame per value of ``key`` (rows in their order), each indexed from 0.

    One stable sort and a slice per key: a boolean filter per key, or a groupby iteration, costs a
    full pass or a copy per company, which at a full automotive year (3,100 companies) took seconds.
    """
    if frame.empty:
        return {}
    order = np.argsort(frame[key].to_numpy(), kind="stable")
    keys = frame[key].to_numpy()[order]
    ordered = frame.iloc[order].drop(columns=key) if drop else frame.iloc[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    out = {}
    for a, b in zip(starts, ends, strict=True):
        block = ordered.iloc[a:b]
        block.index = pd.RangeIndex(b - a)  # a slice's own index: no copy of the data
        out[keys[a]] = block
    return out
