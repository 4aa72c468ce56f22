"""The ★ readiness tables of a report: bottlenecks, distance to ★3/★4, ready after fixing N, trend, what-if.

Each table is built from :mod:`pipeline.scoring.readiness` (one function per statistic) and protected before
anything draws it. Cells are named by their own framework so none is mistaken for another table's:

- ``star_unmet`` / ``3:1-2-1``: the share of companies judged on the requirement that do not meet it;
- ``star_distance`` / ``★3:2``: the share of companies with a judged requirement that are exactly 2 short
  (bands 0, 1, 2, 3, 4–5, 6+). The bands of a segment add up to all of it, so besides the segments ⊂ total
  rule the hidden bands of a segment must pool k companies too (:func:`distance`); band 0 is the ★3+ share
  of the ★ table, and is hidden exactly where that table hides it;
- ``star_within`` / ``★3≤1``: ready after fixing at most 1 (2, 3) requirements, the sum of bands 0…N,
  published only where every band it sums is;
- the trend reuses the ★ table's ``★3+`` / ``★4+`` where every requirement compares across the report's
  form versions, and otherwise scores readiness again without the requirements citing an item that does not
  compare (``star_comparable``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.publish.formats import WITHHELD_CELLS
from pipeline.publish.model import TableSpec
from pipeline.report.data import ReportData
from pipeline.report.scheme_names import scheme_names
from pipeline.ruleset import min_cell
from pipeline.scoring.disclosure import complementary_suppression, split_sides
from pipeline.scoring.disclosure_order import printed_order, printed_top
from pipeline.scoring.disclosure_rounding import (
    ROUNDED,
    ROUNDING,
    keeps_every_base,
    round_small_base,
    small_base,
    to_step,
)
from pipeline.scoring.readiness import (
    DISTANCE_BANDS,
    KEY,
    distance_band,
    readiness_from_outcomes,
    ready_if_fixed_in_order,
    requirement_outcomes,
    respondent_readiness,
    what_if,
)
from pipeline.scoring.respondent import STARS, star_requirements
from pipeline.scoring.segments import ALL, segment_stats

UNMET, DISTANCE, WITHIN, COMPARABLE = "star_unmet", "star_distance", "star_within", "star_comparable"
NODE_KEYS = ["sector", "year", "framework", "node_id"]
INTERVAL = ["ci_low", "ci_high"]


def _spec(share: str, total: str | None = ALL, parts: dict[str, list[list[str]]] | None = None,
          equal_by: str | None = None) -> TableSpec:
    return TableSpec(keys=NODE_KEYS, total=total, counts={s: "n_scored" for s in [share, *INTERVAL]},
                     parts=parts or {}, equal_by=equal_by)


# the bands of one star split its segment's companies: their shares add up to 1 (the audit's solver uses it)
BAND_PARTS = {"node_id": [[f"★{star}:{band}" for band in DISTANCE_BANDS] for star in STARS]}
# a requirement is not met exactly where one of its cited items is neither achieved nor not applicable: two rows of
# one segment and year citing the same items (★3 and ★4 of 4-1-1, or 4-1-5 and 4-1-6) are twins, one share
SPECS: dict[str, TableSpec] = {"star_bottlenecks": _spec("share_unmet", equal_by="cited_items"),
                               "star_distance": _spec("share_distance", parts=BAND_PARTS),
                               "star_within": _spec("share_reached"), "star_trend": _spec("share_reached"),
                               "star_what_if": _spec("share_unmet", None)}
FIXES = (1, 2, 3)  # ready after fixing at most N; N = 0 is ★N+ of the ★ table
STAT_DROP = ["threshold", "mean", "sd", "mean_ci_low", "mean_ci_high", "na_share", "multi_counted"]


def _k(k: int | None) -> int:
    return min_cell(k)


def _rows(frame: pd.DataFrame, framework: str, node: pd.Series, score: pd.Series) -> pd.DataFrame:
    """Score-shaped rows (what :func:`segment_stats` reads): one company's 0/1 outcome per node."""
    return frame[KEY].assign(framework=framework, node_id=node.to_numpy(), score=score.astype(float).to_numpy(),
                             n_items=1, n_applicable=1)


def _shares(rows: pd.DataFrame, data: ReportData, by: str, framework: str, share: str) -> pd.DataFrame:
    """Per year, node and segment (and 全体): companies behind (n_scored), the share scoring 1 (Wilson 95%)."""
    stats = segment_stats(rows, data.respondents, by, framework, threshold=1.0)
    return stats.drop(columns=[c for c in STAT_DROP if c in stats]).rename(columns={"share_reached": share})


def _protect(table: pd.DataFrame, share: str, k: int) -> pd.DataFrame:
    from pipeline.report.tables import protect

    return protect(table, k=k, stat_columns=[share, "reached", *INTERVAL], uniform_columns=[share])


# --- bottlenecks --------------------------------------------------------------------------------------------


def requirement_texts(lang: str = "ja") -> pd.DataFrame:
    """Per ★ and requirement: its name in ``lang`` (English where the table gives it, else Japanese:
    :func:`pipeline.report.scheme_names.scheme_names`), group and the checklist items its criteria of that
    star cite (space-separated), and whether the checklist can judge it."""
    req = catalogs.scs_requirements().set_index("requirement_id")
    names = scheme_names(lang)
    parts = []
    for star in STARS:
        r = star_requirements(star)
        parts.append(pd.DataFrame({"star": star, "requirement_id": r["requirement_id"],
                                   "requirement_name": r["requirement_id"].map(names["requirement_name"]),
                                   "group_name": r["requirement_id"].map(req["group_name"]),
                                   "cited_items": [" ".join(sorted(i, key=_item_key)) for i in r["items"]],
                                   "judgeable": r["judgeable"]}))
    return pd.concat(parts, ignore_index=True)


def _item_key(item: str) -> tuple:
    return tuple(int(t) if t.isdigit() else 0 for t in re.findall(r"\d+", item)) or (0,)


def bottlenecks(data: ReportData, by: str, k: int | None = None, lang: str = "ja") -> pd.DataFrame:
    """Per ★3/★4 judgeable requirement, year and segment: the share of companies judged on it that do not
    meet it (``share_unmet``, Wilson 95%), protected; with the requirement's name (in ``lang``) and cited
    items."""
    table = with_keys(_protect(unmet_shares(data, by), "share_unmet", _k(k)))
    texts = requirement_texts(lang).drop(columns=["judgeable", "group_name"])
    table = table.merge(texts, on=["star", "requirement_id"], how="left")
    # 1–4 companies not judged (n − n_scored), or a requirement citing one item (that item's row seen again):
    # the share rounded and the base withheld (docs/method.md §5.4)
    single = table["cited_items"].fillna("").str.split().str.len().eq(1)
    return round_small_base(table, _k(k), single=single).drop(columns="reached")


def unmet_shares(data: ReportData, by: str) -> pd.DataFrame:
    """Per ★3/★4 judgeable requirement, year and segment, the share not meeting it before any protection: what
    :func:`bottlenecks` protects, and what a check compares its published rows with."""
    parts = []
    for star in STARS:
        o = requirement_outcomes(data.scores, star)
        # the companies not judged stay, unscored: the row's n is then the segment's respondents and n_scored those
        # judged, so the base rule sees their difference. Dropped, n would be the judged count itself and the
        # respondents printed elsewhere (the response table, the requirement's siblings) would give the
        # difference back (127 respondents beside 126 judged names the one not judged). A requirement nobody
        # judged in a year has no row.
        o = o[o.groupby(["sector", "year", "requirement_id"])["met"].transform("count").gt(0)]
        parts.append(_rows(o, UNMET, f"{star}:" + o["requirement_id"], 1.0 - o["met"]))
    return _shares(pd.concat(parts, ignore_index=True), data, by, UNMET, "share_unmet")


def with_keys(table: pd.DataFrame) -> pd.DataFrame:
    """``star`` and ``requirement_id`` read again from ``node_id`` (``3:1-2-1``): they name the row, they are no
    value, so a hidden row keeps them even where completing the table (``secure``) blanked its numbers."""
    star_and_id = table["node_id"].str.split(":", n=1, expand=True)
    return table.assign(star=star_and_id[0].astype(int), requirement_id=star_and_id[1])


def top_bottlenecks(table: pd.DataFrame, star: int, year: int, n: int = 10, *, total: str) -> pd.DataFrame:
    """The ``n`` requirements of ★``star`` that most companies of the sector (``total``: 全体, or the name a
    report in another language displays it by, "All") fail in ``year``, among those published, by the share as
    printed; ties by requirement id (``disclosure_order``). ``total`` has no default: a default of 全体 matched
    nothing in an English report, whose by-segment bottleneck heatmaps were then skipped without a word."""
    t = table[table["star"].eq(star) & table["year"].eq(year) & table["segment"].eq(total)
              & table["share_unmet"].notna()]
    # by the share as printed; equal printed shares, and a cut among them, by requirement id (disclosure_order)
    return printed_top(t, n, ["share_unmet"], "requirement_id", descending=True).reset_index(drop=True)


def top_bottleneck_segments(table: pd.DataFrame, star: int, year: int, n: int = 10, *, total: str) -> pd.DataFrame:
    """Every segment's row of the :func:`top_bottlenecks` of ★``star`` in ``year``, in their order: the rows of the
    by-segment heatmap (``table`` as displayed, ``total`` its name for the whole sector)."""
    top = top_bottlenecks(table, star, year, n, total=total)["node_id"].tolist()
    rows = table[table["year"].eq(year) & table["node_id"].isin(top)]
    place = {node: i for i, node in enumerate(top)}
    return rows.sort_values("node_id", key=lambda s: s.map(place), kind="stable")


# --- distance and ready after fixing N ----------------------------------------------------------------------


def _distance_rows(data: ReportData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score-shaped rows per respondent: one per band (1 in its band) and one per N of :data:`FIXES` (1 when at
    most N short); a respondent with no judged requirement stays, unscored, so that a row's n is the segment's
    respondents and n_scored those judged — the base rule (docs/method.md §5.4) then sees their difference."""
    bands, within = [], []
    people = data.respondents[KEY].drop_duplicates()
    for star in STARS:
        r = people.merge(respondent_readiness(data.scores, star), on=KEY, how="left")
        # a year in which no company is judged on this star has no rows, as before
        r = r[r.groupby(["sector", "year"])["distance"].transform("count").gt(0)].reset_index(drop=True)
        judged = r["distance"].notna()
        band = distance_band(r["distance"])
        for b in DISTANCE_BANDS:
            bands.append(_rows(r, DISTANCE, pd.Series(f"★{star}:{b}", index=r.index), band.eq(b).where(judged)))
        for n in FIXES:
            within.append(_rows(r, WITHIN, pd.Series(f"★{star}≤{n}", index=r.index),
                                r["distance"].le(n).where(judged)))
    return pd.concat(bands, ignore_index=True), pd.concat(within, ignore_index=True)


def distance(data: ReportData, by: str, star_table: pd.DataFrame, k: int | None = None,
             bottlenecks: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The distance distribution (bands by segment) and the share ready after fixing at most 1, 2, 3
    requirements, both protected.

    ``star_table`` is the protected ★ table (:func:`pipeline.report.tables.star_readiness`): band 0 is its
    ★N+ share, so band 0 is hidden exactly where that is. Then, until nothing changes: the segments of each
    band are completed against the band's total (the usual rule), and the bands of each segment against the
    segment (they add up to it): the hidden bands of a segment pool at least k companies on each side and
    keep their width; band 0 is never picked there (its status is the ★ table's).

    ``bottlenecks``, the protected ★ bottleneck table (:func:`pipeline.report.star_disclosure.protect_together`),
    is read beside the bands when they are completed: the companies failing each requirement, summed, are the
    distances summed, which bounds the hidden bands (docs/method.md §5.3a). Its rows are never hidden here (they
    are protected with the ★ table already); the bands give way instead.
    """
    k = _k(k)
    band_rows, within_rows = _distance_rows(data)
    raw = _shares(band_rows, data, by, DISTANCE, "share_distance").reset_index(drop=True)
    n_band = pd.to_numeric(raw["reached"], errors="coerce").fillna(0)
    n_scored = pd.to_numeric(raw["n_scored"], errors="coerce").fillna(0)
    bands = _protect(raw, "share_distance", k)
    # 1–4 respondents not judged (n − n_scored): a band is published rounded with its base withheld (below), or,
    # where its rounded share would rule out one of the bases n − (k − 1) … n, hidden before the bands are
    # completed, so that the partition rule pools it with others (a band hidden afterwards would be the segment
    # minus its rounded siblings)
    unroundable = small_base(raw, k) & pd.Series(
        [not keeps_every_base(float(to_step(v)), int(n), k) if v == v else False
         for v, n in zip(raw["share_distance"], pd.to_numeric(raw["n"], errors="coerce").fillna(0), strict=True)],
        index=raw.index)
    bands.loc[unroundable & bands["suppressed"].fillna("").eq(""), "suppressed"] = ROUNDING
    ready_hidden = _star_hidden(star_table)
    fixed = bands["node_id"].str.endswith(":0")
    star_of = bands["node_id"].str.split(":").str[0]

    def pin(reason: pd.Series) -> pd.Series:  # band 0 is the ★ table's ★N+: hidden exactly where it is
        out = reason.fillna("").astype(object).copy()
        for i in bands.index[fixed]:
            cell = (int(bands.at[i, "year"]), star_of.at[i] + "+", bands.at[i, "segment"])
            out.at[i] = ready_hidden.get(cell, "complementary")
        return out

    sides = split_sides(raw.assign(share_distance=n_band / n_scored.where(n_scored > 0)), "n_scored",
                        {"share_distance": None}, {})
    reason = pin(bands["suppressed"])
    for _ in range(5):
        start = reason.copy()
        for _ in range(50):
            before = reason.copy()
            reason = pin(complementary_suppression(bands, reason, n_scored, k,
                                                   ["sector", "year", "framework", "node_id"], ALL, None, sides))
            reason = _partition(bands, reason, n_band, k, star_of, fixed)
            if reason.equals(before):
                break

        bands = _complete_bands(_apply(bands, reason, ["share_distance", "reached", *INTERVAL], raw), bottlenecks, k,
                                star_table)
        reason = pin(bands["suppressed"])
        if reason.equals(start):
            break
    bands = round_small_base(_apply(bands, reason, ["share_distance", "reached", *INTERVAL], raw), k)
    within = round_small_base(_within(_shares(within_rows, data, by, WITHIN, "share_reached"), bands, k), k)
    # the count in a band is one side of its share: the share and n_scored say it, no column of its own
    return bands.drop(columns="reached"), within.drop(columns="reached")


def _complete_bands(bands: pd.DataFrame, bottlenecks: pd.DataFrame | None, k: int,
                    star_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The bands completed by the interval solver, with the bottleneck rows and the ★ table (if any) read as
    published context: neither is ever chosen to hide (both are protected already, together), and band 0 (the ★
    table's ★N+, whose status :func:`distance` pins to that table's) only where no other band shares a relation
    with the narrow cell. The ★ table's ready share is band 0 and bounds the requirement rows (§5.3b)."""
    from pipeline.publish.intervals import complete
    from pipeline.report.tables import SPECS as TABLE_SPECS

    frames = [(DISTANCE, bands, SPECS["star_distance"])]
    if bottlenecks is not None:
        frames.append((UNMET, bottlenecks, SPECS["star_bottlenecks"]))
    star_spec = TABLE_SPECS["star"]
    if star_table is not None and all(c in star_table for c in [*star_spec.keys, "segment", "suppressed"]):
        frames.append(("star", star_table, star_spec))

    def keep(name: str, row: pd.Series) -> int:
        return 2 if name in (UNMET, "star") else int(str(row["node_id"]).endswith(":0"))

    return complete(frames, k, keep=keep)[0]


def band_words(nodes: pd.Series, band: str, within: str, bands: dict[str, str] | None = None) -> pd.Series:
    """A distance band or "within N" row in words, without its star: ``★3:6+`` → ``あと6件以上`` with ``band``
    ``"あと{band}"`` and ``bands`` the bands' words (report_labels.yaml ``distance_bands``), ``★3≤2`` →
    ``あと2件以内`` with ``within`` ``"あと{n}件以内"``."""
    def word(node: str) -> str:
        if ":" in node:
            b = node.split(":", 1)[1]
            return band.format(band=(bands or {}).get(b, b))
        return within.format(n=node.split("≤", 1)[1])

    return nodes.map(word)


def with_names(table: pd.DataFrame, band: str, within: str, bands: dict[str, str] | None = None) -> pd.DataFrame:
    """Adds ``node_name``, a band or "within N" row in words for the reader, after its star (``★3:6+`` →
    ``★3 あと6件以上``; :func:`band_words`)."""
    stars = table["node_id"].str.split(r"[:≤]", regex=True).str[0]
    return table.assign(node_name=stars + " " + band_words(table["node_id"], band, within, bands))


def _star_hidden(star_table: pd.DataFrame) -> dict[tuple, str]:
    """(year, '★3+', segment) → '' or why the ★ table hides it (its segment column as protection wrote it)."""
    t = star_table[star_table["node_id"].isin([f"★{s}+" for s in STARS])]
    return {(int(r.year), r.node_id, r.segment): str(r.suppressed or "") for r in t.itertuples()}


def _partition(bands: pd.DataFrame, reason: pd.Series, n_band: pd.Series, k: int, star_of: pd.Series,
               fixed: pd.Series) -> pd.Series:
    """Within each segment (year, ★) the bands add up to all of it: hide the smallest published band (never a
    ``fixed`` one) until the hidden bands pool 0 or ≥ k companies, the rest of the segment ≥ k, and no hidden
    band is pinned to fewer than k − 1 companies of room by the others (a band is a share: docs/method.md
    §3.3, §5.2 ask k − 1 companies of width, not the 0.10 of a mean)."""
    reason = reason.copy()
    for _, idx in bands.groupby([bands["sector"], bands["year"], star_of, bands["segment"]]).groups.items():
        total = n_band.loc[idx].sum()
        while True:
            hidden = [i for i in idx if reason.at[i] != ""]
            counts = n_band.loc[hidden]
            held = counts.sum()
            # one hidden band is the segment minus the others; several must pool k on each side, and the
            # largest must have k − 1 companies of room: the others hold at least that many between them
            if not hidden or (len(hidden) >= 2 and held >= k and total - held >= k
                              and counts.sum() - counts.max() >= k - 1):
                break
            visible = [i for i in idx if reason.at[i] == "" and not fixed.at[i]]
            if not visible:
                break  # every band hidden but the fixed one: nothing left to difference with
            pick = min(visible, key=lambda i: (n_band.at[i], bands.at[i, "node_id"]))
            reason.at[pick] = "complementary"
    return reason


def _apply(table: pd.DataFrame, reason: pd.Series, stats: list[str], raw: pd.DataFrame | None = None
           ) -> pd.DataFrame:
    """``table`` with ``reason`` as its suppression: hidden cells blanked, published ones (from ``raw``, the
    unprotected values, where given) filled."""
    out = table.copy()
    hidden = reason.fillna("").ne("")
    out["suppressed"] = reason.fillna("").to_numpy()
    present = [c for c in stats if c in out]
    if raw is not None:
        out[present] = raw[present].to_numpy()
    out.loc[hidden, present] = np.nan
    out["n_scored"] = pd.to_numeric(out["_n_behind"], errors="coerce").where(~hidden)
    return out


def _within(raw: pd.DataFrame, bands: pd.DataFrame, k: int) -> pd.DataFrame:
    """Ready after fixing at most N: the sum of bands 0…N, so published only where each of them is (then it
    tells nothing the bands do not), with k on both sides of it."""
    raw = raw.reset_index(drop=True)
    hidden_band = {(int(r.year), r.node_id, r.segment) for r in bands.itertuples() if r.suppressed}
    reason = []
    for r in raw.itertuples():
        star, n = r.node_id.split("≤")
        below = [f"{star}:{b}" for b in DISTANCE_BANDS[: int(n) + 1]]
        sums_hidden = any((int(r.year), b, r.segment) in hidden_band for b in below)
        few = r.n_scored < k or r.reached < k or r.n_scored - r.reached < k
        reason.append("complementary" if sums_hidden else "split" if r.n_scored > 0 and few else "")
    out = raw.assign(_n_behind=raw["n_scored"].astype(float))
    return _apply(out, pd.Series(reason, index=raw.index, dtype=object), ["share_reached", "reached", *INTERVAL])


# --- trend ----------------------------------------------------------------------------------------------


def excluded_requirements(excluded_items: list[str]) -> dict[int, list[str]]:
    """★ → the judgeable requirements citing an item that does not compare across the report's versions."""
    gone = set(excluded_items)
    out = {}
    for star in STARS:
        r = star_requirements(star)
        out[star] = [rid for rid, items, ok in r[["requirement_id", "items", "judgeable"]].itertuples(index=False)
                     if ok and gone & set(items)]
    return out


def comparable_ready(scores: pd.DataFrame, excluded: dict[int, list[str]]) -> pd.DataFrame:
    """Score-shaped ``star_comparable`` rows ``★3+`` / ``★4+``: ready on the requirements left once those in
    ``excluded`` are dropped (NaN when none of them is judged)."""
    parts = []
    for star in STARS:
        o = requirement_outcomes(scores, star)
        r = readiness_from_outcomes(o[~o["requirement_id"].isin(excluded.get(star, []))])
        parts.append(_rows(r, COMPARABLE, pd.Series(f"★{star}+", index=r.index), r["distance"].eq(0)
                           .astype(float).where(r["distance"].notna())))
    return pd.concat(parts, ignore_index=True)


def trend(data: ReportData, by: str, star_table: pd.DataFrame, excluded_items: list[str], k: int | None = None
          ) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """Share of companies ready for ★3/★4 per year (segments and 全体, Wilson 95%) on comparable items.

    Where no requirement cites an excluded item the ★ table's own ``★N+`` rows are the trend (one number,
    published once: ``share_reached`` from its mean of 0/1); else readiness is scored again without those
    requirements and protected as its own table. Returns the table and the requirements left out."""
    excluded = excluded_requirements(excluded_items)
    if not any(excluded.values()):
        t = star_table[star_table["node_id"].isin([f"★{s}+" for s in STARS])]
        return t, excluded
    from pipeline.report.tables import secure

    rows = comparable_ready(data.scores, excluded)
    rows = rows[rows["score"].notna()]
    table = _protect(_shares(rows, data, by, COMPARABLE, "share_reached"), "share_reached", _k(k))
    # completed by the interval solver like every other ★ table: the count rules alone let a pooled pair of split
    # segments through whose split reasons, beside the total and a published sibling, pin them (docs/method.md §3.3)
    return secure(table.drop(columns="reached"), SPECS["star_trend"], _k(k)), excluded


# --- what-if --------------------------------------------------------------------------------------------


class WhatIf(Protocol):
    """A what-if scope as ``pipeline.arguments.read_what_if`` reads it (``star3:size_band=101〜300人``)."""

    star: int
    attribute: str
    value: str
    text: str


def check_scope(what: WhatIf, respondents: pd.DataFrame, year: int, sector: str | None = None,
                k: int | None = None) -> None:
    """Refuse a what-if scope the report cannot publish: no respondent of ``year`` in it, or a segment merged
    into a larger one before withholding — the merged segment minus the scope would describe the small one
    the merge protects. The report's own segmentation is merged already in ``respondents``; another
    attribute (industry when the report is by size) is merged here as a report segmented by it would be
    (``sector`` names its documented groups)."""
    from pipeline.scoring.segments import segment_groups, small_segment_merges

    values = respondents.loc[respondents["year"].eq(year), what.attribute].dropna().astype(str)
    if what.value not in set(values):
        raise ValueError(f"--what-if: no FY{year} respondent has {what.attribute}={what.value!r} in this report "
                      f"(small segments are merged before withholding): expected one of "
                      f"{', '.join(sorted(set(values)))}")
    if sector is None:
        return
    merges = small_segment_merges(respondents, what.attribute, segment_groups(sector, what.attribute), _k(k))
    if what.value in merges:
        raise ValueError(f"--what-if: {what.attribute}={what.value!r} has fewer than {_k(k)} respondents in some "
                         f"year and is merged into {merges[what.value]!r} before withholding: ask about "
                         f"{what.attribute}={merges[what.value]!r}")


WHAT_IF_COLUMNS = ["rank", "requirement_id", "requirement_name", "cited_items", "n_scored", "share_unmet",
                   "ci_low", "ci_high", "n_must_act", "n_lifted_alone", "n_ready_if_fixed_in_order"]


def what_if_table(data: ReportData, what: WhatIf, year: int, bottleneck_table: pd.DataFrame, star_table: pd.DataFrame,
                  by: str, k: int | None = None, lang: str = "ja") -> tuple[pd.DataFrame, dict[str, float]]:
    """The what-if for ``year``: per requirement failed in scope, the companies judged on it (n_scored), the
    share failing (Wilson 95%), how many it alone would lift to ready and how many would be ready were it
    and every one ranked above it met; and the scope's summary (companies, judged, ready, must act). The
    requirements are named in ``lang``.

    Disclosure (docs/method.md §3): a share is published with k companies failing and k not, and the same
    of the rest of the year's companies (the sector's total minus the scope is another group a reader can
    compute); where the scope is a segment of the report (the same attribute) every cell the bottleneck
    table hides is hidden here too. A count lifted alone is published when it and the rest of those that
    must act hold k; a cumulative ready count when it grew by k since the last one shown and the rows'
    failing companies less that rise hold k, read backwards from the last two counts, which the judged count
    and the last row's share give anyway (:func:`shown_cumulative`). The summary's ready and must-act counts are
    published when each holds k, in the scope and in the rest, the ★ table does not hide the scope's ★N+, and
    beside the rows' failing counts k companies stay on each side (:func:`must_act_splits`)."""
    from pipeline.scoring.statistics import wilson

    k = _k(k)
    r = data.respondents
    year_rows = r[r["year"].eq(year)]
    scope = year_rows[year_rows[what.attribute].astype(str).eq(what.value)][KEY]
    rest = year_rows[~year_rows["respondent_key"].isin(scope["respondent_key"])][KEY]
    readiness = respondent_readiness(data.scores, what.star)
    outcomes = requirement_outcomes(data.scores, what.star)
    judged = outcomes[outcomes["met"].notna()]

    def counts(people: pd.DataFrame) -> pd.DataFrame:
        g = judged.merge(people, on=KEY).groupby("requirement_id")["met"]
        return pd.DataFrame({"n": g.size(), "failing": g.size() - g.sum()})

    mine, theirs = counts(scope), counts(rest)
    # every requirement judged in scope gets a row, those no company fails too: a missing row would say
    # "0 of n fail", a number the split rule must be able to hide (as the bottleneck table does)
    summary, ranking = what_if(readiness.merge(scope, on=KEY), requirements=sorted(mine.index))
    others, _ = what_if(readiness.merge(rest, on=KEY))
    t = ranking.assign(n_scored=ranking["requirement_id"].map(mine["n"]).astype(float))
    t["share_unmet"] = t["n_failing"] / t["n_scored"]
    t["ci_low"], t["ci_high"] = wilson(t["n_failing"], t["n_scored"])
    label = what.value if what.attribute == by else what.text
    t = t.assign(sector=data.sector, year=year, framework=UNMET, node_id=f"{what.star}:" + t["requirement_id"],
                 segment=label)
    rest_n = t["requirement_id"].map(theirs["n"]).fillna(0)
    rest_failing = t["requirement_id"].map(theirs["failing"]).fillna(0)
    few = ((t["n_failing"] < k) | (t["n_scored"] - t["n_failing"] < k)
           | ((rest_n > 0) & ((rest_failing < k) | (rest_n - rest_failing < k))))
    same = bottleneck_table[bottleneck_table["year"].eq(year) & bottleneck_table["segment"].eq(label)]
    hidden_there = set(same.loc[same["suppressed"].fillna("").ne(""), "node_id"])
    t["suppressed"] = np.where(t["node_id"].isin(hidden_there), "complementary", np.where(few, "split", ""))
    t["_n_behind"] = t["n_scored"]
    hidden = t["suppressed"].ne("")
    t.loc[hidden, ["share_unmet", "ci_low", "ci_high", "n_scored"]] = np.nan
    # the base rule (docs/method.md §5.4): a requirement judged on 1–4 fewer than the scope's companies, or citing
    # one item, is published rounded with n_scored withheld, as the bottleneck table does — before anything is
    # ordered by its share
    texts = requirement_texts(lang)
    texts = texts[texts["star"].eq(what.star)].set_index("requirement_id")
    single = t["requirement_id"].map(texts["cited_items"]).fillna("").str.split().str.len().eq(1)
    # n, the scope's companies, stays in the machine copy: the audit reads a withheld base against it
    scope_n = float(summary["n_companies"]) if summary["n_companies"] >= k else np.nan
    t = round_small_base(t.assign(n=scope_n), k, single=single)
    hidden = t["suppressed"].ne("")
    # 1–4 of the scope's companies not judged: the judged count is withheld, and with it the ready count and
    # the cumulative ready counts (ready + must act = judged; the first cumulative count minus the first lifted
    # count = ready); the must-act and lifted counts stay
    few_unjudged = 0 < summary["n_companies"] - summary["n_judged"] < k
    must = summary["n_must_act"]
    # whether the scope's ready and must-act counts are published is settled before anything is ordered:
    # an order of counts that are then blanked would still bound them
    ready_hidden = _star_hidden(star_table).get((year, f"★{what.star}+", label), "") if what.attribute == by else ""
    open_ = (min(summary["n_ready"], summary["n_must_act"]) >= k and not ready_hidden
             and (others["n_judged"] == 0 or min(others["n_ready"], others["n_must_act"]) >= k)
             and must_act_splits(t["n_failing"], must, k, published=~hidden))
    # closed, a lifted count would give the rest of those that must act back
    # and beside the row's share failing, the companies failing it that fail something else too are the other side
    # of the lifted count (lifted ≤ failing): both hold k
    t["n_lifted_alone"] = t["n_lifted_alone"].astype(float).where(
        (t["n_lifted_alone"] >= k) & (must - t["n_lifted_alone"] >= k)
        & (t["n_failing"] - t["n_lifted_alone"] >= k) & ~hidden & open_)
    # the published order may rest only on published numbers as printed (an order of hidden counts bounds them, an
    # order of equal printed shares tells their digits): lifted alone where shown, then the share failing where
    # shown, ties and hidden rows by requirement id (disclosure_order)
    t = printed_order(t, ["n_lifted_alone", "share_unmet"], "requirement_id", descending=True,
                      counts=["n_lifted_alone"]).reset_index(drop=True)
    hidden = t["suppressed"].ne("")
    # a hidden row comes last and carries no number at all, its rank neither
    t["rank"] = pd.Series(np.arange(1, len(t) + 1), dtype=float).where(~hidden)
    cumulative = ready_if_fixed_in_order(readiness.merge(scope, on=KEY), t["requirement_id"])
    t["n_ready_if_fixed_in_order"] = shown_cumulative(cumulative, t["n_failing"], summary["n_ready"],
                                                      summary["n_judged"], k, published=~hidden)
    t.loc[hidden, ["n_lifted_alone", "n_ready_if_fixed_in_order"]] = np.nan
    t["requirement_name"] = t["requirement_id"].map(texts["requirement_name"])
    t["cited_items"] = t["requirement_id"].map(texts["cited_items"])
    t["n_must_act"] = float(must) if open_ else np.nan
    t.loc[hidden, "n_must_act"] = np.nan
    # the scope's ready count as the summary above the table publishes it, in the machine copy too: the audit
    # reads the first cumulative count's rise from it (pipeline.publish.audit_what_if)
    t["n_ready"] = float(summary["n_ready"]) if open_ and not few_unjudged else np.nan
    t.loc[hidden, "n_ready"] = np.nan
    if not open_ or few_unjudged:  # the first cumulative count would give the ready count back
        t["n_ready_if_fixed_in_order"] = np.nan
    out_summary = {"n_companies": float(summary["n_companies"]) if summary["n_companies"] >= k else np.nan,
                   "n_judged": float(summary["n_judged"]) if summary["n_judged"] >= k and not few_unjudged
                   else np.nan,
                   "n_ready": float(summary["n_ready"]) if open_ and not few_unjudged else np.nan,
                   "n_must_act": float(summary["n_must_act"]) if open_ else np.nan}
    counts = ["n_must_act", "n_lifted_alone", "n_ready_if_fixed_in_order", "n_ready"]
    t[WITHHELD_CELLS] = [" ".join(c for c in counts if row[c] != row[c]) if not hid else ""
                   for (_, row), hid in zip(t[counts].iterrows(), hidden, strict=True)]
    cols = ["sector", "year", "framework", "node_id", "segment", "n", *WHAT_IF_COLUMNS, "n_ready", "suppressed",
            ROUNDED, "_n_behind", WITHHELD_CELLS]
    return t[cols], out_summary


def must_act_splits(failing: Sequence[int], must_act: int, k: int, published: Sequence[bool] | None = None) -> bool:
    """Whether the scope's must-act count may stand beside the rows' failing counts (docs/method.md §3.3).

    Every company failing a requirement must act, so beside the must-act count each row's failing companies split
    those that must act in two: the must-act companies meeting it are ``must_act − failing`` (and, the row being
    the last, the count ready before it: judged − failing − ready). And every company that must act fails at least
    one row, so the rows' failing companies summed less the must-act count is the number of second and further
    unmet requirements, ``Σ failing − must_act``: below k, fewer than k companies fail more than one. Both must
    hold k, whatever the order; else the counts of the ranking are withheld. Only the rows whose share is published
    (``published``) count: a hidden row's failing companies are unknown to a reader, and with one hidden the sum
    is open. Must act 20, a row failing 17: 3 must act and meet it, withheld."""
    shown = [True] * len(failing) if published is None else [bool(p) for p in published]
    f = [int(x) for x, p in zip(failing, shown, strict=True) if p]
    if not f:
        return True
    return must_act - max(f) >= k and (not all(shown) or sum(f) - must_act >= k)


def shown_cumulative(cumulative: Sequence[int], failing: Sequence[int], ready: int, judged: int, k: int,
                     published: Sequence[bool] | None = None) -> list[float]:
    """The cumulative ready counts a what-if table may publish (NaN: withheld), in rank order.

    The companies a count adds since the last one shown (its rise; from the ready count for the first) all fail one
    of the rows in between: each company made ready at row j has that row's requirement among its unmet ones, so
    rise ≤ the rows' failing companies, whose shares the table publishes. So a count is shown only when both sides
    hold k — the rise, and the rows' failing companies less the rise (docs/method.md §3.3, §12.4a).

    Two counts are known whatever is printed, and count as shown. The rows are every
    requirement judged in the scope, so the count at the last row is the judged count the summary prints; and those
    not ready until the last row's requirement is met are exactly those failing it, so the count before it is the
    judged count less the last row's failing companies, wherever that row's share is published (``published``:
    the rows whose share is; a rounded share over a scope of about a hundred is a whole count all the same). From
    them the rule is applied backwards: the last count shown before them is withheld until the rows between hold k
    on each side. The last row's count, the judged count, is printed: the summary prints it too. The count before it
    stays x: it is known only to a reader who takes the last row's share as a count, and printing it would need
    :func:`must_act_splits` to have passed first. (The rise from the ready count to the count before the last
    row, must act less the last row's failing, is :func:`must_act_splits`' to guarantee.)

    Scope of 7, ready 0, one row failing 5, ready if fixed 3: rise 3 < 5 and 5 − 3 = 2 < 5, withheld."""
    n = len(cumulative)
    if n and int(cumulative[-1]) != int(judged):
        raise ValueError(f"the rows must be every requirement judged in the scope: the last cumulative count is "
                         f"{int(cumulative[-1])}, not the {int(judged)} judged")
    f = [int(x) for x in failing]
    published = [True] * n if published is None else [bool(p) for p in published]
    points: list[tuple[int, int]] = [(-1, int(ready))]  # (row, count) an intruder holds, in order; -1: the summary

    def holds(a: tuple[int, int], b: tuple[int, int]) -> bool:
        rise = b[1] - a[1]
        return rise >= k and sum(f[a[0] + 1: b[0] + 1]) - rise >= k

    for i, c in enumerate(cumulative):
        if published[i] and holds(points[-1], (i, int(c))):
            points.append((i, int(c)))
    if n == 0:
        return []
    fixed = (n - 1, int(judged))
    if published[-1] and n >= 2:  # the count before the last row: judged less its failing companies
        fixed = (n - 2, int(judged) - f[-1])
    points = [p for p in points if p[0] < fixed[0]]
    while len(points) > 1 and not holds(points[-1], fixed):
        points.pop()
    shown = [np.nan] * n
    for i, c in points[1:]:
        shown[i] = float(c)
    if published[-1]:
        shown[-1] = float(judged)
    return shown
