"""★ readiness for member feedback: per company the ★3/★4 requirements it meets and not, its answers to
the items they cite, and its distance to ★3 beside its peer group's distribution.

The requirement outcomes and distances are those of :mod:`pipeline.scoring.readiness` (one function per
statistic); the peer group and its protection are those of every other peer statistic in the feedback
(:func:`pipeline.scoring.feedback.peer_group`, :func:`pipeline.scoring.disclosure.all_alike`):

- the peers are the companies of the company's peer attribute (automotive: size band) with a judged ★3
  distance; fewer than k of them → the whole sector-year; fewer than k there too → no distribution;
- a distribution in which every peer lies in the same band is withheld (it would tell each member every
  peer's band), like a peer group all at 0% or 100%;
- within a distribution shown, each band is protected as the published tables protect a cell within its
  total (:func:`pipeline.scoring.disclosure.protect_distribution`): a band of 1 to k − 1 peers, of none, or
  of all but fewer than k is hidden, and further bands, smallest first, until the hidden ones pool k peers
  (the group's size is shown, so one hidden band would be its size minus the others). The members of a
  group are outsiders to each other's answers.

The company's own outcomes and answers are shown back to it alone, so no peer rule applies to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.ruleset import min_cell
from pipeline.scoring.disclosure import all_alike, protect_distribution
from pipeline.scoring.feedback import ALL_GROUP, NO_PEERS, peer_attribute, peer_group, split_by_key
from pipeline.scoring.readiness import DISTANCE_BANDS, distance_band, readiness_from_outcomes, requirement_outcomes
from pipeline.scoring.respondent import STARS, star_requirements

PEER_STAR = 3
"""The star whose distance is shown beside the peers' distribution (the one the scheme asks first)."""


@dataclass(frozen=True)
class PeerDistances:
    """The peer group's ★3 distance distribution as one member sees it.

    ``group`` is the company's own peer attribute value, :data:`ALL_GROUP` or :data:`NO_PEERS`;
    ``n`` the peers with a judged distance (None when withheld); ``counts`` the peers per band of
    :data:`DISTANCE_BANDS` as a member may see them (None when withheld: the whole distribution, or
    one band hidden by the disclosure rules); ``hidden`` '' or why the whole distribution is not shown
    ('primary': fewer than k peers anywhere, 'uniform': every peer in the same band); ``hidden_bands``
    per band '' or why that band is hidden (``suppressed`` reasons of :mod:`pipeline.scoring.disclosure`).
    """

    group: object
    n: int | None
    counts: tuple[int | None, ...] | None
    hidden: str
    hidden_bands: tuple[str, ...] = ()
    published: bool = False
    """Whether the counts are the report's published ones (a sector total then stands in for a group whose
    distribution the report withholds in part, not for a group of fewer than k)."""


@dataclass
class StarFeedback:
    """One company's ★ page numbers (see :func:`star_feedback`)."""

    template_version: str
    outcomes: pd.DataFrame  # star, requirement_id, met (1.0 met, 0.0 not, NaN not judged), catalog order
    answers: pd.DataFrame  # item_id, answer (canonical), answer_raw: the company's rows for cited items
    distance: dict[int, float]  # per star: judged requirements not met (NaN: none judged)
    n_judged: dict[int, int]
    peers: PeerDistances
    own_group: object


def cited_items() -> list[str]:
    """Every checklist item some ★3 or ★4 requirement cites, sorted."""
    return sorted({i for star in STARS for items in star_requirements(star)["items"] for i in items})


def star_feedback(scores: pd.DataFrame, respondents: pd.DataFrame, responses: pd.DataFrame, sector: str,
                  year: int, k: int | None = None, published: pd.DataFrame | None = None,
                  merges: dict[str, str] | None = None) -> dict[str, StarFeedback]:
    """respondent_key → :class:`StarFeedback` for every respondent of ``sector`` and ``year``.

    Parameters
    ----------
    scores, respondents, responses : DataFrame
        The store's tables (any sectors and years; filtered here). ``responses`` needs item_id and
        answer, and answer_raw to show an unreadable answer as the company wrote it.
    sector : str
        A sector scored on the ★ scheme (automotive).
    year : int
    k : int, optional
        Minimum peers behind the distribution (default ``min_cell`` of scoring.yaml).
    published : DataFrame, optional
        The report's ★3 distance bands of this year (:class:`pipeline.report.published_peers.PublishedPeers`
        ``bands``: segment, band, n, total, hidden). Given, a member's distribution is its published segment's
        when the report shows every band of it, else the sector total's when that shows every band, else its own
        segment's with the report's hidden bands read x (:func:`published_distances`).
    merges : dict, optional
        Member attribute value → the merged group the report publishes it under.
    """
    k = min_cell(k)
    resp = respondents[respondents["sector"].eq(sector) & respondents["year"].eq(year)]
    mine = scores[scores["sector"].eq(sector) & scores["year"].eq(year)]
    outcomes = {star: requirement_outcomes(mine, star) for star in STARS}
    ready = {star: readiness_from_outcomes(outcomes[star]).set_index("respondent_key") for star in STARS}
    peers = _peer_distances(ready[PEER_STAR], resp, sector, k) if published is None \
        else published_distances(published, resp, sector, merges or {})
    both = pd.concat([o.assign(star=star) for star, o in outcomes.items()], ignore_index=True)
    by_key = split_by_key(both[["respondent_key", "star", "requirement_id", "met"]], "respondent_key", drop=True)
    cols = [c for c in ("respondent_key", "item_id", "answer", "answer_raw") if c in responses]
    cited = responses.loc[responses["sector"].eq(sector) & responses["year"].eq(year)
                          & responses["item_id"].isin(cited_items()), cols]
    if "answer_raw" not in cited:
        cited = cited.assign(answer_raw=None)
    answers = split_by_key(cited, "respondent_key", drop=True)
    versions = resp.set_index("respondent_key")["template_version"].fillna("").astype(str) \
        if "template_version" in resp else pd.Series("", index=resp["respondent_key"])
    nothing = pd.DataFrame(columns=["star", "requirement_id", "met"])
    no_answers = pd.DataFrame(columns=["item_id", "answer", "answer_raw"])
    own = resp.drop_duplicates("respondent_key").set_index("respondent_key")[peer_attribute(sector)]
    distance = {star: ready[star]["distance"].to_dict() for star in STARS}  # dicts: not a lookup per company
    judged = {star: ready[star]["n_judged"].to_dict() for star in STARS}
    return {key: StarFeedback(template_version=str(versions.get(key, "")), outcomes=by_key.get(key, nothing),
                              answers=answers.get(key, no_answers),
                              distance={s: float(distance[s].get(key, np.nan)) for s in STARS},
                              n_judged={s: int(judged[s].get(key, 0)) for s in STARS},
                              peers=peers[key], own_group=own.get(key))
            for key in resp["respondent_key"]}


def _peer_distances(ready: pd.DataFrame, resp: pd.DataFrame, sector: str, k: int) -> dict[str, PeerDistances]:
    """Each respondent's peer distribution of the ★ distance, made once per peer group."""
    col = peer_attribute(sector)
    people = resp[["respondent_key", col]].drop_duplicates("respondent_key").set_index("respondent_key")[col]
    distance = ready["distance"].reindex(people.index)
    judged = distance.notna()
    bands = distance_band(distance[judged])
    own_n = people[judged].value_counts(dropna=True)  # companies with a judged distance per group
    counts_own = people.map(own_n).fillna(0)
    groups = pd.Series(peer_group(people, counts_own, pd.Series(int(judged.sum()), index=people.index), k),
                       index=people.index)
    made: dict[object, PeerDistances] = {}
    for g in pd.unique(groups):
        if g == NO_PEERS:
            made[g] = PeerDistances(group=g, n=None, counts=None, hidden="primary")
            continue
        in_group = bands if g == ALL_GROUP else bands[people[judged].eq(g)]
        if all_alike(in_group):
            made[g] = PeerDistances(group=g, n=None, counts=None, hidden="uniform")
            continue
        counts = [int(in_group.eq(b).sum()) for b in DISTANCE_BANDS]
        why, total_hidden = protect_distribution(counts, k)
        if total_hidden:  # cannot happen with k peers in the group; kept so no count goes out unprotected
            made[g] = PeerDistances(group=g, n=None, counts=None, hidden=total_hidden)
            continue
        made[g] = PeerDistances(group=g, n=len(in_group), hidden="", hidden_bands=why,
                                counts=tuple(None if w else c for c, w in zip(counts, why, strict=True)))
    return {key: made[g] for key, g in groups.items()}


def published_distances(bands: pd.DataFrame, resp: pd.DataFrame, sector: str, merges: dict[str, str]
                        ) -> dict[str, PeerDistances]:
    """Each respondent's peer distribution as the report publishes it (see :func:`star_feedback`): no count the
    report hides, and a wider group where the report shows the member's own in full nowhere else."""
    col = peer_attribute(sector)
    people = resp[["respondent_key", col]].drop_duplicates("respondent_key").set_index("respondent_key")[col]
    made: dict[object, PeerDistances] = {}
    for segment, rows in bands.groupby("segment", sort=False):
        rows = rows.set_index("band").reindex(range(len(DISTANCE_BANDS)))
        # a band the table lacks or prints no count for is hidden too: no count goes out that the report withholds
        why = tuple(str(w) if w or c == c else "complementary"
                    for w, c in zip(rows["hidden"].fillna(""), rows["n"], strict=True))
        total = rows["total"].dropna()
        made[segment] = PeerDistances(
            group=segment, n=int(total.iloc[0]) if len(total) else None, hidden="" if len(total) else "primary",
            hidden_bands=why, published=True,
            counts=tuple(None if w else int(c) for c, w in zip(rows["n"], why, strict=True)))
    nothing = PeerDistances(group=NO_PEERS, n=None, counts=None, hidden="primary")

    def full(d: PeerDistances | None) -> bool:
        return d is not None and not d.hidden and not any(d.hidden_bands)

    out = {}
    for key, own in people.items():
        own_d = made.get(merges.get(own, own)) if isinstance(own, str) else None
        everyone = made.get(ALL_GROUP)
        out[key] = (own_d if full(own_d) else everyone if full(everyone)
                    else own_d if own_d is not None and not own_d.hidden else everyone or nothing)
    return out
