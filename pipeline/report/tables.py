"""The tables a report publishes, each protected before any figure draws it.

Functions take :class:`ReportData` and plain parameters and return tidy, protected tables; the figures
module only draws them, and :data:`SPECS` tells the intruder check what each table's cells are. Rules:

- k applies to the companies *behind* each statistic (``n_scored``: companies with a score for that
  node; ``n_applicable``: companies for which an item applies), never to the segment's size;
- changes between years are derived *after* protection, from protected values, so a change is
  published only when both years are (and the previous year's value is in the same table);
- cells are named by framework *and* node id (CSF 1.1 and 2.0 share ids such as ``ID.AM``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.publish.formats import HIDDEN_MARK, WITHHELD_CELLS
from pipeline.publish.intervals import Relation, hide_row, hierarchy, shortfalls
from pipeline.publish.model import TableSpec
from pipeline.report.data import ReportData
from pipeline.ruleset import RulesSource, load_rules, min_cell
from pipeline.scoring.disclosure import BAND_COLUMN, MEMBERS_BEHIND, respondent_counts
from pipeline.scoring.disclosure import BANDS as MEAN_BANDS
from pipeline.scoring.disclosure import protect as protect_respondents
from pipeline.scoring.disclosure_members_share import cells_design_effect, publish_members_shares
from pipeline.scoring.disclosure_order import as_printed, printed_order, printed_top, public_key
from pipeline.scoring.disclosure_rounding import (
    ROUNDED,
    round_small_base,
    round_small_not_applicable,
    withhold_na_share,
)
from pipeline.scoring.disclosure_weights import (
    hide_for_two_totals,
    name_withheld,
    withhold_cells,
    withhold_shared_totals,
    withhold_shares_beneath,
    withhold_total_estimates,
    withhold_year_estimates,
)
from pipeline.scoring.respondent import instrument_scale, unjudgeable_requirements
from pipeline.scoring.segments import (
    ALL,
    MULTI_VALUED,
    attach_segment,
    response_rates,
    segment_stats,
    with_segment,
)
from pipeline.scoring.statistics import item_shares, score_bands
from pipeline.scoring.trends import panel_change
from pipeline.scoring.weighted import ITEM_COLUMNS, WEIGHTED_COLUMNS, weighted_item_shares, weighted_segment_stats

T = TypeVar("T")

NODE_KEYS = ["sector", "year", "framework", "node_id"]
NODE_STATS = ["mean", "sd", "mean_ci_low", "mean_ci_high", "share_reached", "reached", "ci_low", "ci_high",
              "na_share"]
OVERALL = ("instrument", "overall")  # framework and node id of the instrument's own headline score
BANDS = ("instrument", "band")  # framework and node id of the result bands of the instrument's own total


def _k(k: int | None) -> int:
    return min_cell(k)


def _node_spec(stats: list[str] = NODE_STATS, changes: bool = True) -> TableSpec:
    counts: dict[str, str | list[str]] = {s: "n_scored" for s in [*stats, *WEIGHTED_COLUMNS]}
    if changes:
        counts["change"] = "n_scored"
    return TableSpec(keys=NODE_KEYS, counts=counts, total=ALL,
                     changes={"change": ["mean", "previous_year"]} if changes else {})


SPECS: dict[str, TableSpec] = {
    "responses": TableSpec(keys=["sector", "year"], total=ALL,
                           counts={s: "n" for s in ("response_rate", "ci_low", "ci_high", "roster_n", "n_on_roster")},
                           open_counts=["n"]),
    "distribution": TableSpec(keys=NODE_KEYS, counts={s: "n" for s in ("mean", "p10", "p25", "p50", "p75", "p90",
                                                                        "change", "w_change", *WEIGHTED_COLUMNS)},
                              total=ALL, changes={"change": ["mean", "previous_year"],
                                                  "w_change": ["w_mean", "previous_year"]},
                              open_counts=["n"]),
    "nodes": _node_spec(),
    "levels": _node_spec(changes=False),
    "star": _node_spec(changes=False),
    "items": TableSpec(keys=["sector", "year", "item_id"], segment=None,
                       counts={s: "n_applicable" for s in ("share_implemented", "n_implemented", "ci_low", "ci_high",
                                                            "na_share", "mean_points", *ITEM_COLUMNS)}),
    "movers": TableSpec(keys=["sector", "year", "item_id"], segment=None,
                        counts={"share_implemented": "n_applicable", "share_previous": "n_previous",
                                "change": ["n_applicable", "n_previous"]},
                        changes={"change": ["share_implemented", "previous_year"]}),
    "bands": TableSpec(keys=NODE_KEYS, total=ALL, counts={s: "n" for s in ("share_band", "ci_low", "ci_high")}),
    "panel": TableSpec(keys=NODE_KEYS, segment=None,
                       counts={"mean_change": "n", "share_improved": "n", "share_worsened": "n"}),
}


def with_change(table: pd.DataFrame, keys: list[str], value: str = "mean", name: str = "change") -> pd.DataFrame:
    """Adds ``previous_year`` (the previous year in the table for the same cell) and ``name`` (value − previous
    value), from protected values: NaN unless both years are published.

    Where the previous year's cell is hidden and this year's is published, the change is *withheld*, not "not
    assessed": it is listed in the row's :data:`~pipeline.publish.formats.WITHHELD_CELLS`, so it reads x (a '—'
    there said no answer reaches the node, of a segment that answered both years)."""
    t = table.sort_values([*keys, "year"])
    grp = t.groupby(keys, observed=True, dropna=False)
    prev_year = grp["year"].shift()
    prev_value = grp[value].shift()
    t = t.assign(previous_year=prev_year, **{name: t[value] - prev_value})
    return change_withheld_after_hidden(t.sort_index(), keys, value, name)


def change_withheld_after_hidden(table: pd.DataFrame, keys: list[str], value: str = "mean",
                                 name: str = "change") -> pd.DataFrame:
    """``table`` with the change ``name`` named withheld (x) in each published row with a ``value`` whose previous
    year's row of the same cell is hidden. Run again after anything that hides more rows: the completion of the
    score distribution hid automotive 301〜1,000人 FY2023 after its changes were taken, and FY2024's change read
    '—' (not assessed) of a segment that answered both years. Named in the row, it reads x also in a view of the
    latest year alone, where the year compared is not there to look at."""
    if "suppressed" not in table or name not in table:
        return table
    t = table.sort_values([*keys, "year"])
    hidden = t["suppressed"].fillna("").astype(str).ne("")
    withheld = hidden.groupby([t[k] for k in keys], observed=True, dropna=False).shift(fill_value=False) \
        .astype(bool) & ~hidden & t[value].notna()
    already = t[WITHHELD_CELLS].fillna("").astype(str).str.split().map(lambda c: name in c) \
        if WITHHELD_CELLS in t else pd.Series(False, index=t.index)
    return name_withheld(t, withheld & ~already, name, WITHHELD_CELLS).sort_index()


def withheld_response_years(data: ReportData, by: str | None, k: int | None = None) -> set[tuple[str, int]]:
    """(sector, year) whose response table (:func:`responses_by_segment`) withholds a row: there the totals'
    members' estimates are withheld too (:func:`~pipeline.scoring.disclosure_weights.withhold_total_estimates`).
    Kept on the object: every weighted table of a report asks."""
    if not by or not data.weighted or data.roster is None or not len(data.roster):
        return set()

    def shut_years() -> set[tuple[str, int]]:
        r = _responses_kept(data, by, k)
        shut = r[r["suppressed"].fillna("").astype(str).ne("")]
        return {(str(s), int(y)) for s, y in zip(shut["sector"], shut["year"], strict=True)}

    # where the weighting cells were merged onto published rows, their weights tell nothing the response table
    # does not: the members' totals of those years stand (docs/method.md §12.4a)
    return _kept(data, "_withheld_response_years", (by, _k(k)), shut_years) - set(data.weight_rows_published or ())


def _kept(data: ReportData, name: str, key: Hashable, make: Callable[[], T]) -> T:
    """``make()`` computed once per report data object and ``key``, and kept on the object under ``name``: its
    tables are not changed after loading, and every table of a report asks again. Callers do not change the value."""
    kept = data.__dict__.setdefault(name, {})
    if key not in kept:
        kept[key] = make()
    return kept[key]


def _shared(data: ReportData, name: str, frames: tuple[object, ...], key: Hashable, make: Callable[[], T]) -> T:
    """``make()`` computed once for ``key`` and the very ``frames`` it reads (compared by identity), and kept in
    ``data.shared``: the report's data, its recoded breakdowns and the data weighted on published rows share that
    dict (``dataclasses.replace`` carries it) and, where they hold the same frames, the value. The frames are kept
    with it, so no other frame can take their place. Callers do not change the value."""
    kept = data.shared.setdefault(name, {})
    slot = (key, *map(id, frames))
    if slot not in kept or any(a is not b for a, b in zip(kept[slot][0], frames, strict=True)):
        kept[slot] = (frames, make())
    return kept[slot][1]


def _responses_kept(data: ReportData, by: str, k: int | None = None) -> pd.DataFrame:
    """:func:`responses_by_segment` of ``data`` (protected, not completed), kept on the object: every weighted table
    of a report reads it twice (:func:`withheld_response_years`, :func:`withhold_segment_intervals`), and each
    reading protects the response table again."""
    return _kept(data, "_responses_kept", (by, _k(k)), lambda: responses_by_segment(data, by, k))


def _members(data: ReportData, by: str | None) -> pd.DataFrame:
    """sector, year, segment and the segment's members (roster_n) by ``by`` and in total, kept on the object:
    :func:`members_behind` reads it for every node table of a report."""
    def members() -> pd.DataFrame:
        rates = _rates_by_and_in_total(data, by)
        return rates[["sector", "year", "segment", "roster_n"]].rename(columns={"roster_n": MEMBERS_BEHIND})

    return _kept(data, "_members", by, members)


def _rates_by_and_in_total(data: ReportData, by: str | None) -> pd.DataFrame:
    """:func:`response_rates` by ``by`` and for the sector as a whole, one row per sector, year and segment: computed
    once for the roster and respondents it reads (the response tables, and the members behind every node table of
    the data weighted on them, read it)."""
    def rates() -> pd.DataFrame:
        return pd.concat([response_rates(data.roster, data.respondents, by) if by else None,
                          response_rates(data.roster, data.respondents, None)],
                         ignore_index=True).drop_duplicates(["sector", "year", "segment"])

    return _shared(data, "_rates", (data.roster, data.respondents), by, rates)


def weights_on_published_rows(data: ReportData, responses: pd.DataFrame, by: str | None,
                              merges: dict[str, str] | None = None) -> ReportData:
    """``data`` with its weighting cells merged, year by year, until every cell's response row rests on rows the
    protected ``responses`` table (by ``by``) publishes (:func:`pipeline.scoring.weights.merge_onto_published_rows`),
    and the years where they do in ``weight_rows_published``. Only where the segments are the weighting
    cells' attribute (automotive size bands); elsewhere ``data`` is returned as it is and the members' totals
    follow the response table (rule 2 of docs/method.md §12.4a). ``merges``: the report's recode of small
    segments (attribute value → group)."""
    from dataclasses import replace

    from pipeline.scoring.weights import merge_onto_published_rows, natural_order

    if not data.weighted or not by or not weighting_cells_are(data, by) or "suppressed" not in responses:
        return data
    hidden = responses["suppressed"].fillna("").astype(str).ne("")
    parts, done = [], set()
    for (sector, year), w in data.weights.groupby(["sector", "year"], sort=True):
        rows = responses[responses["sector"].astype(str).eq(str(sector)) & responses["year"].eq(year)]
        shut = hidden.loc[rows.index]
        withheld = set(rows.loc[shut & rows["segment"].ne(ALL), "segment"].astype(str))
        total_published = bool(len(rows[rows["segment"].eq(ALL)])) and not shut[rows["segment"].eq(ALL)].any()
        values = [p for c in w["cell"].unique() for p in str(c).split("+")]
        order = natural_order(by, values, str(sector))
        merged, ok = merge_onto_published_rows(w, merges or {}, order, withheld, total_published)
        parts.append(merged)
        if ok:
            done.add((str(sector), int(year)))
    return replace(data, weights=pd.concat(parts, ignore_index=True), weight_rows_published=frozenset(done))


def members_behind(data: ReportData, by: str | None) -> pd.DataFrame:
    """sector, year, segment and the members each segment's respondents stand for in a members' total (the
    solver's weight of the segment): the segment's members where it is one weighting cell; where its cell was
    merged with others, its respondents × the merged cell's members per respondent. A respondent the roster does
    not list is a member who answered (docs/method.md §11) and carries its cell's weight like any other."""
    return _kept(data, "_members_behind", by, lambda: _members_behind(data, by)).copy()


def _members_behind(data: ReportData, by: str | None) -> pd.DataFrame:
    """:func:`members_behind`, computed (every node table of a report asks again)."""
    members = _members(data, by)
    if not data.weight_rows_published or not by:
        return members.copy()
    w = data.weights
    seg = with_segment(data.respondents[["sector", "year", "respondent_key", by]], by)
    stood = seg.merge(w[["sector", "year", "respondent_key", "weight"]], on=["sector", "year", "respondent_key"])
    sums = stood.groupby(["sector", "year", "segment"])["weight"].sum().rename("_stood").reset_index()
    out = members.merge(sums, on=["sector", "year", "segment"], how="left")
    differs = out["_stood"].notna() & (out["_stood"] - out[MEMBERS_BEHIND]).abs().gt(1e-9)
    out[MEMBERS_BEHIND] = out[MEMBERS_BEHIND].where(~differs, out["_stood"])
    return out.drop(columns="_stood")


def members_total(table: pd.DataFrame, data: ReportData | None, by: str | None, k: int | None = None,
                  group: list[str] | None = None) -> pd.DataFrame:
    """The protected ``table`` with the total's members' estimates withheld where a segment is hidden or the
    year's response table withholds a row (docs/method.md §12)."""
    if data is None or not data.weighted:
        return table
    out = withhold_total_estimates(table, withheld_response_years(data, by, k), group=group,
                                   withheld_col=WITHHELD_CELLS)
    return withhold_segment_intervals(out, data, by, k)


# a members' interval carries the finite-population correction of its weighting cell: (1 − respondents ÷ members)
MEMBERS_INTERVALS = ("w_mean_ci_low", "w_mean_ci_high", "w_ci_low", "w_ci_high")


def withhold_segment_intervals(table: pd.DataFrame, data: ReportData, by: str | None,
                               k: int | None = None) -> pd.DataFrame:
    """``table`` with the members' intervals of a segment withheld (x) where its response row is withheld and
    its year's weights do not rest on published rows.

    A segment that is one weighting cell has its members' estimate equal to its respondents', but its interval
    is narrower by the finite-population correction: (members' width ÷ respondents' width)² = 1 − n ÷ N, so the
    two intervals side by side give the cell's members N, the value its withheld response row hides
    (10,001人〜 FY2022: 0.0585 → 67 of 71 members answered, 4 did not). Where the cells were merged onto published
    rows (:func:`weights_on_published_rows`) the correction is the merged cell's, read from published rows."""
    cols = [c for c in MEMBERS_INTERVALS if c in table]
    if not cols or not by or "segment" not in table or data.roster is None or not len(data.roster):
        return table
    r = _responses_kept(data, by, k)
    shut = r[r["suppressed"].fillna("").astype(str).ne("") & r["segment"].ne(ALL)]
    safe = set(data.weight_rows_published or ())
    rows = {(str(s), int(y), str(g)) for s, y, g in zip(shut["sector"], shut["year"], shut["segment"], strict=True)
            if (str(s), int(y)) not in safe}
    if not rows:
        return table
    hit = pd.Series([(str(s), int(y), str(g)) in rows for s, y, g in
                     zip(table["sector"], table["year"], table["segment"], strict=True)], index=table.index)
    hit &= table["suppressed"].fillna("").astype(str).eq("") if "suppressed" in table else True
    return withhold_cells(table, hit, cols, WITHHELD_CELLS)


def protect(table: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """:func:`pipeline.scoring.disclosure.protect`, then, where the table carries the members' estimates, the
    third hidden cell their second total needs (:func:`~pipeline.scoring.disclosure_weights.hide_for_two_totals`)."""
    out = protect_respondents(table, **kwargs)
    return hide_for_two_totals(out, kwargs.get("group"))


def with_weighted(stats: pd.DataFrame, data: ReportData, scores: pd.DataFrame, by: str | None, framework: str
                  ) -> pd.DataFrame:
    """``stats`` (rows of ``segment_stats``) with the members' estimates beside the respondents' (columns
    :data:`~pipeline.scoring.weighted.WEIGHTED_COLUMNS`) where the report is weighted; unchanged otherwise.
    Added before protection, so a members' value is hidden exactly where the respondents' is."""
    if not data.weighted:
        return stats
    w = weighted_segment_stats(scores, data.respondents, data.weights, by, framework)
    keys = ["sector", "year", "framework", "node_id", "segment"]
    out = stats.merge(w, on=keys, how="left")
    if not weighting_cells_are(data, by):  # segments across the cells: every members' value reads x
        out = withhold_cells(out, pd.Series(True, index=out.index), [c for c in WEIGHTED_COLUMNS if c in out],
                             WITHHELD_CELLS)
    if data.roster is not None and len(data.roster):  # the segments' weights in the members' total (working)
        out = out.merge(members_behind(data, by), on=["sector", "year", "segment"], how="left")
    return out


def weighting_attribute(data: ReportData) -> str | None:
    """The roster attribute whose values are the weighting cells (automotive: size_band), or None where the report
    is not weighted or its weights are raked to several attributes."""
    attrs = cell_attributes(data) if data.weighted else []
    return attrs[0] if len(attrs) == 1 else None


def cell_attributes(data: ReportData) -> list[str]:
    """The roster attributes the store's weighting cells are made of (``weights.cell_attributes``; none without
    weights)."""
    return str(data.weights["cell_attributes"].iloc[0]).split() if len(data.weights) else []


def weighting_cells_are(data: ReportData, by: str | None) -> bool:
    """Whether the segments of ``by`` are the weighting cells (or there are none: the total only). Only there are
    the members' estimates published by segment: a segment that cuts across the cells (industry across size
    bands, business types across the main type) publishes in its design effect and members' value how its
    respondents fall into the cells and, with its counts, the count reached in each cross-cell — facts about
    1 to k − 1 companies the report never shows (docs/method.md §12.4a)."""
    if not by:
        return True
    return cell_attributes(data) == [by]


def weighting_note(data: ReportData, labels: dict, names: dict[str, str] | None = None,
                   k: int | None = None) -> str:
    """The paragraph on the members' estimates: what the cells are, what the weighting assumes and cannot fix,
    the rule for merging small cells (never which were merged: ``names`` is kept for callers) and the
    respondents the roster does not
    list (per year; a count of 0 to k − 1 reads x: a 0 printed beside an x would say the x is 1 to k − 1).
    '' when the report is not weighted."""
    if not data.weighted:
        return ""
    w = data.weights
    cells = "・".join(labels["weight_cells"].get(c, c) for c in str(w["cell_attributes"].iloc[0]).split())
    text = labels["weighting_text"].format(cells=cells)
    # the collapsing rule, stated whether or not it merged any cell: naming a merged cell (or saying that one was
    # merged) tells that it had fewer respondents on the roster than the rule's minimum (docs/method.md §12)
    text += " " + labels["weighting_merged"]
    if getattr(data, "weight_rows_published", None) is not None:  # cells merged onto published rows (§12.4a)
        text += " " + labels["weighting_published_rows"]
    # every year is named, and every count below k reads x, 0 included: the response table counts these
    # respondents among its members and respondents, so nothing else prints how many there are, and a 0 printed
    # beside an x would turn the x into "1 to k − 1" (docs/method.md §12)
    unmatched = w[~w["on_roster"]].groupby("year").size().reindex(sorted(w["year"].unique()), fill_value=0)
    text += " " + labels["weighting_unmatched"].format(
        counts=labels["headline"]["list_separator"].join(
            labels["weighting_unmatched_count"].format(year=labels["fy"].format(year=y),  # 2022年度 / FY2022
                                                       n=n if n >= min_cell(k) else HIDDEN_MARK)
            for y, n in unmatched.items()))
    return text


def segment_design_effects(data: ReportData, by: str | None) -> dict[tuple[int, str], float]:
    """(year, segment) → the design effect of a members' mean over the segment's respondents with the variance taken
    equal in every weighting cell (:func:`~pipeline.scoring.disclosure_members_share.cells_design_effect`): from the
    cells' weights and the segment's respondents in each, which the published response rows give. The members'
    interval beside a rounded ★N mean is built over companies judged ÷ it (docs/method.md §5.4, "Intervals beside
    rounded values"). Empty without weights."""
    if data.weights is None or data.weights.empty:
        return {}
    cols = ["sector", "year", "respondent_key", *([by] if by else [])]
    seg = with_segment(data.respondents[cols], by)[["sector", "year", "respondent_key", "segment"]]
    w = data.weights[["sector", "year", "respondent_key", "weight"]].merge(seg, on=["sector", "year", "respondent_key"])
    out: dict[tuple[int, str], float] = {}
    for year, g in w.groupby("year"):
        groups = {ALL: g.drop_duplicates("respondent_key"), **dict(iter(g.groupby("segment")))}
        for name, part in groups.items():
            counts = part["weight"].astype(float).round(9).value_counts()
            out[(int(year), str(name))] = cells_design_effect([(float(v), int(c)) for v, c in counts.items()])
    return out


def responses_by_segment(data: ReportData, by: str, k: int | None = None, completed: bool = False) -> pd.DataFrame:
    """Respondents per segment and year (``n``: everyone who answered, as in every other table) and, with
    a roster, the response rate among its members (Wilson 95%): the respondents counted among the members
    (``n_on_roster``) over the members (``roster_n``). The members are the roster and every respondent it does
    not list (a member who joined after it was drawn), so ``n_on_roster`` equals ``n`` and no row tells how many
    respondents the roster lacks (docs/method.md §11, "Respondents not on the roster"). ``completed``: the caller
    completes the table with the interval solver (:func:`pipeline.scoring.disclosure.protect`)."""
    keys = ["sector", "year", "segment"]
    seg = with_segment(data.respondents, by)
    table = pd.concat([seg.groupby(keys).size().rename("n").reset_index(),
                       data.respondents.groupby(["sector", "year"]).size().rename("n").reset_index()
                       .assign(segment=ALL)], ignore_index=True)
    if data.roster is not None and len(data.roster):
        rates = _rates_by_and_in_total(data, by).rename(columns={"n": "n_on_roster"})
        table = table.merge(rates[[*keys, "n_on_roster", "roster_n", "response_rate", "ci_low", "ci_high"]],
                            on=keys, how="outer")
        table["n"] = table["n"].fillna(0)
    # Participation is protected like answers, 100% and 0% rates included: a 0% rate names the members of a
    # small group who did not answer, and withholding 0% alone would let a withheld rate read as 0%
    # (docs/method.md "Participation is protected like answers").
    out = protect(table.assign(multi_counted=by in MULTI_VALUED), k=_k(k), group=["sector", "year"], n_col="n",
                  stat_columns=["response_rate", "ci_low", "ci_high", "roster_n", "n_on_roster"],
                  uniform_columns=["response_rate"], completed=completed).drop(columns="multi_counted")
    # the respondents' count is the one the score tables print: hidden only by its own rule, not by the
    # roster's split (docs/method.md §11)
    return printed_counts(out, table, _k(k), SPECS["responses"])


def printed_counts(out: pd.DataFrame, counted: pd.DataFrame, k: int, spec: TableSpec) -> pd.DataFrame:
    """``out`` with its respondents (``n``) as every table prints them (:func:`respondent_counts` of ``counted``).
    A row whose statistics the protection publishes but whose count the count's own rule hides (a complementary
    count beside a small segment) is hidden too: a mean never stands beside a withheld count of the companies
    behind it (the audit refuses it as "published with nan companies")."""
    out = out.assign(n=respondent_counts(counted, k=k, group=["sector", "year"]).to_numpy())
    lost = out["n"].isna() & out["suppressed"].fillna("").astype(str).eq("")
    return hide_row(out, list(out.index[lost]), spec)


def overall_scores(data: ReportData) -> pd.DataFrame:
    """One headline score per respondent: the instrument's own rate over all applicable items."""
    scale = instrument_scale(data.responses)
    return scale.rename(columns={"implementation_rate": "score"})[["sector", "year", "respondent_key", "score"]]


def distribution(data: ReportData, by: str, k: int | None = None) -> pd.DataFrame:
    """Quantiles (10/25/50/75/90) and mean of the headline score per segment and year, with the mean's
    change from the previous year: no minimum or maximum, since with few companies those are answers.
    Completed by the interval solver in :func:`pipeline.report.protected.distribution`."""
    scores = overall_scores(data)
    q = quantiles(scores, data.respondents, by, k, data if data.weighted else None, completed=True)
    q = q.assign(framework=OVERALL[0], node_id=OVERALL[1])
    keys = ["sector", "framework", "node_id", "segment"]
    q = with_change(q, keys)
    if "w_mean" in q:  # the members' change, from published members' estimates of both years
        q = withhold_members_change(with_change(q, keys, "w_mean", name="w_change"), keys)
    return q


def withhold_members_change(q: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``q`` with the members' change withheld (x) wherever this year's or the previous year's members' estimate
    of the same cell is withheld or its row hidden: current − change would give the withheld one back. Run again
    after anything that withholds more (completion may hide a segment, and with it a total's members' estimate)."""
    if "w_change" not in q or WITHHELD_CELLS not in q:
        return q
    gone = q["suppressed"].fillna("").astype(str).ne("") | q["w_mean"].isna()
    shut = q[WITHHELD_CELLS].fillna("").astype(str).str.split().map(lambda c: "w_mean" in c) | gone
    order = q.sort_values([*keys, "year"]).index  # the previous year's row of the same cell
    before = shut.loc[order].groupby([q.loc[order, c] for c in keys], observed=True,
                                     dropna=False).shift(fill_value=False)
    mark = (shut | before.reindex(shut.index).astype(bool)) & q["suppressed"].fillna("").astype(str).eq("")
    return withhold_cells(q, mark, ["w_change"], WITHHELD_CELLS)


def quantiles(scores: pd.DataFrame, respondents: pd.DataFrame, by: str | None, k: int | None = None,
              weighted: ReportData | None = None, completed: bool = False) -> pd.DataFrame:
    """10/25/50/75/90th percentiles and mean of ``score`` per segment (and 全体) and year, protected; with
    ``weighted`` (a weighted report's data) also the members' mean (:func:`with_weighted`). ``completed``: the
    caller completes the table with the interval solver (:func:`pipeline.scoring.disclosure.protect`)."""
    parts = [attach_segment(scores, respondents, by)] if by else []
    seg = pd.concat([*parts, scores.assign(segment=ALL)], ignore_index=True)
    g = seg.groupby(["sector", "year", "segment"])["score"]
    q = g.describe(percentiles=[0.1, 0.25, 0.5, 0.75, 0.9])
    q = q.rename(columns={"count": "n", "10%": "p10", "25%": "p25", "50%": "p50", "75%": "p75", "90%": "p90"})
    # companies off either end of the scale: a mean with fewer than k below the top (or above zero) pins them
    q = q.assign(_below_top=g.apply(lambda x: int((x < 1).sum())), _above_zero=g.apply(lambda x: int((x > 0).sum())))
    q = q.reset_index()[["sector", "year", "segment", "n", "mean", "p10", "p25", "p50", "p75", "p90", "_below_top",
                         "_above_zero"]]
    extra: list[str] = []
    if weighted is not None:
        node = scores.assign(framework=OVERALL[0], node_id=OVERALL[1])
        q = with_weighted(q.assign(framework=OVERALL[0], node_id=OVERALL[1]), weighted, node, by, OVERALL[0])
        q = q.drop(columns=["framework", "node_id", "w_share_reached", "w_ci_low", "w_ci_high"])
        extra = ["w_mean", "w_mean_ci_low", "w_mean_ci_high", "n_eff", "deff"]
    out = protect(q.assign(multi_counted=by in MULTI_VALUED), k=_k(k), group=["sector", "year"], n_col="n",
                  stat_columns=["mean", "p10", "p25", "p50", "p75", "p90", *extra],
                  floors=["_below_top", "_above_zero"], completed=completed).drop(columns="multi_counted")
    # the respondents are printed as every table prints them, by their own rule: a withheld row keeps its n where
    # the response table prints it (docs/method.md §11, "Participation is protected like answers")
    out = printed_counts(out, q, _k(k), SPECS["distribution"])
    out = members_total(out, weighted, by, k, group=["sector", "year"])
    return _mark_quantiles_withheld(out.drop(columns=["_below_top", "_above_zero"]))


QUANTILE_COLUMNS = ("p10", "p25", "p50", "p75", "p90")


def _mark_quantiles_withheld(table: pd.DataFrame) -> pd.DataFrame:
    """Name in the row's withheld cells each quantile the quantile rule left out of a published row with companies:
    it reads x (withheld), never '—', which says 'not assessed'."""
    shown = table["suppressed"].fillna("").astype(str).eq("") & pd.to_numeric(table["n"], errors="coerce").gt(0)
    for c in QUANTILE_COLUMNS:
        table = name_withheld(table, shown & table[c].isna(), c, WITHHELD_CELLS)
    return table


def relations(data: ReportData, framework: str = "csf2") -> list[Relation]:
    """The exact relations the public item map gives an intruder between the published node means of the
    report's latest year (category = mean of its items' points, function = item-weighted mean of its
    categories, where they split its items), for every template version used that year alike. Where a
    table's values do not follow one (a trend scored without the items that do not compare), the interval
    solver finds the contradiction and does without it. With them, the headline score's shortfall against
    each function (:func:`~pipeline.publish.intervals.shortfalls`; the form's items: every item answered
    that year, the most any company's score can rest on)."""
    from pipeline.scoring.maps import item_map

    nodes = catalogs.csf2() if framework == "csf2" else catalogs.csf11()
    level_of = {(framework, n): lv for n, lv in zip(nodes["node_id"], nodes["level"], strict=True)}
    found: list[list[Relation]] = []
    for version in sorted(versions_used(data, data.latest)) or [""]:
        links = item_map(data.sector, version)
        found.append(hierarchy(links[links["framework"].eq(framework)], level_of, data.sector))
    common = [r for r in found[0] if all(r in other for other in found[1:])]
    form_items = int(data.responses.loc[data.responses["year"].eq(data.latest), "item_id"].nunique())
    weakest: dict[tuple, Relation] = {}  # per function, the form version giving it the fewest items (valid for all)
    for version in sorted(versions_used(data, data.latest)) or [""]:
        links = item_map(data.sector, version)
        for r in shortfalls(links[links["framework"].eq(framework)], level_of, form_items, data.sector):
            child = next(iter(r.children))
            if child not in weakest or r.children[child] < weakest[child].children[child]:
                weakest[child] = r
    return common + list(weakest.values())


def linked(data: ReportData, by: str | None, framework: str, k: int | None = None, lang: str = "ja",
           links: list[Relation] | None = None, extra: list[pd.DataFrame] | None = None) -> tuple[pd.DataFrame, ...]:
    """The function trend, the latest year's categories and the items, protected together: the public
    item map ties them (a category is the mean of its items' points, a function the item-weighted mean of
    its categories), so a hidden category must not come back from its function and its siblings. Cells
    are hidden beyond :func:`protect`'s until the interval solver leaves every hidden cell its width.
    ``extra``: the latest year's categories by the sector's other breakdowns (automotive by industry),
    returned after the three: they publish the same totals, so they are protected with them."""
    from pipeline.publish.intervals import complete

    k = _k(k)
    functions = by_node(data, by, framework, "function", None, k)
    categories = by_node(data, by, framework, "category", data.latest, k)
    shares = _item_table(data, k, lang)  # the table by_node read for the not-applicable shares: computed once
    links = relations(data, framework) if links is None else links
    frames = [("functions", functions, SPECS["nodes"]), ("categories", categories, SPECS["nodes"]),
              ("items", shares, SPECS["items"]),
              *[(f"categories_{i}", frame, SPECS["nodes"]) for i, frame in enumerate(extra or [])]]
    done = list(complete(frames, k, links))
    if not data.weighted:
        return tuple(done)
    # completion may hide more segments; the breakdowns share their totals: the members' total rule once more,
    # over all of them together (docs/method.md §12.4a)
    years = withheld_response_years(data, by, k)
    done[2] = withhold_year_estimates(done[2], years, withheld_col=WITHHELD_CELLS)  # the items: every row a total
    # the members' share to whole percent, withheld where it still pins a weighting cell's counts (§12.4a)
    done[2] = publish_members_shares(done[2], data.weights, k)
    done = withhold_shared_totals(done, years, withheld_col=WITHHELD_CELLS)
    # an item's members' share under a withheld members' total averages back to it (§12.4a)
    beneath = node_items(data, framework, done[2]["year"].unique())
    nodes = [d for i, d in enumerate(done) if i != 2]
    done[2] = withhold_shares_beneath(done[2], nodes, beneath, withheld_col=WITHHELD_CELLS)
    return tuple(done)


def secure_together(tables: list[pd.DataFrame], spec: TableSpec, k: int | None = None) -> list[pd.DataFrame]:
    """Tables that publish the same cells (a sector's breakdowns share their total rows) protected as one:
    a cell hidden in one is hidden in all, and each is completed against the others."""
    from pipeline.publish.intervals import complete

    done = complete([(f"t{i}", t, spec) for i, t in enumerate(tables)], _k(k))
    # a segment completion hid withholds its total's members' estimates (docs/method.md §12.4a)
    return withhold_shared_totals(done, withheld_col=WITHHELD_CELLS)


def secure(table: pd.DataFrame, spec: TableSpec, k: int | None = None) -> pd.DataFrame:
    """One protected table completed until the interval solver leaves each hidden cell its width (a total
    near the top of the scale can pin hidden segments that the count rules alone let through)."""
    return secure_together([table], spec, k)[0]


def hide_with_functions(overall: pd.DataFrame, functions: pd.DataFrame, spec: TableSpec,
                        k: int | None = None) -> pd.DataFrame:
    """The headline score table (:func:`distribution`) with every row hidden ('complementary') whose mean
    could pin a hidden function of the same segment and year, then completed again (:func:`secure`).

    The overall mean bounds every function of the same companies: their total shortfall from the top,
    n · items · (1 − mean), is all a function can lack, so a function of I_f items keeps
    mean_f ≥ 1 − (items / I_f)(1 − mean) (10 companies, 8 items split 4 / 4, mean 0.95 → each function
    ≥ 0.90), and at most n · (items / I_f)(1 − mean) / (1 − θ) companies fall below θ in it; likewise from
    the bottom, mean_f ≤ (items / I_f) · mean. Since items ≥ I_f, an overall mean with 1 − mean and mean
    both at least ``max(MIN_WIDTH, 1 − θ)`` leaves every function its width whatever the item counts; a
    row nearer an end of the scale is withheld where some function of its segment and year is hidden
    (the members' estimate ``w_mean`` is read the same way). A function hidden by the split rule must keep
    k − 1 companies of width, so a row of n companies uses the margin (k − 1)/n where that is larger."""
    from pipeline.scoring.disclosure import MIN_WIDTH

    keys = [c for c in ("sector", "year", "segment") if c in overall.columns and c in functions.columns]

    def cells(t: pd.DataFrame) -> list[tuple]:  # a year read as 2026 or 2026.0 is one year
        return list(map(tuple, t[keys].assign(**({"year": pd.to_numeric(t["year"]).astype(int)} if "year" in keys
                                                  else {})).astype(str).to_numpy()))

    theta = pd.to_numeric(functions.get("threshold", pd.Series(dtype=float)), errors="coerce").dropna()
    margin = max(MIN_WIDTH, 1 - float(theta.min())) if len(theta) else MIN_WIDTH
    hidden_keys = set(cells(functions[functions["suppressed"].fillna("").ne("")]))
    out = overall.copy()
    means = out[[c for c in ("mean", "w_mean") if c in out.columns]].apply(pd.to_numeric, errors="coerce")
    # a function hidden by the split rule keeps k − 1 companies of width (method §5.2): (k − 1)/n of a small row
    n = pd.to_numeric(out.get("n", pd.Series(np.nan, index=out.index)), errors="coerce")
    row_margin = np.maximum(margin, ((min_cell(k) - 1) / n).where(n.ge(min_cell(k)), 0.0).clip(upper=1.0))
    near_end = means.lt(row_margin, axis=0).any(axis=1) | means.gt(1 - row_margin, axis=0).any(axis=1)
    shown = out[out["suppressed"].fillna("").eq("") & near_end]
    bands = _function_bands(functions, cells)
    for index, key in zip(shown.index, cells(shown), strict=True):
        if key in hidden_keys:
            out = hide_row(out, index, spec)
            if (band := _band_beside(means.at[index, "mean"], n.at[index], bands.get(key), min_cell(k))):
                out.loc[index, BAND_COLUMN] = band
    keys = [c for c in ("sector", "framework", "node_id", "segment") if c in out.columns]
    return withhold_members_change(change_withheld_after_hidden(secure(out, spec, k), keys), keys)


def _function_bands(functions: pd.DataFrame, cells: Callable[[pd.DataFrame], list[tuple]]) -> dict[tuple, str]:
    """(sector, year, segment) → the one band every hidden function of it is published as ('high' or 'low'),
    '' where some hidden function has no band or two bands differ."""
    if BAND_COLUMN not in functions:
        return {}
    shut = functions[functions["suppressed"].fillna("").astype(str).ne("")]
    codes = shut[BAND_COLUMN].fillna("").astype(str).tolist()
    out: dict[tuple, set[str]] = {}
    for key, code in zip(cells(shut), codes, strict=True):
        out.setdefault(key, set()).add(code)
    return {key: next(iter(c)) if len(c) == 1 and c <= set(MEAN_BANDS) else "" for key, c in out.items()}


def _band_beside(mean: float, n: float, function_band: str | None, k: int) -> str:
    """The band a headline score withheld beside its segment's functions is published as: the band every hidden
    function of the segment and year reads (docs/method.md §5.1a, "The headline score beside banded functions"),
    where its own mean lies in it and at least k companies stand behind it; '' otherwise."""
    if not function_band or not (n >= k) or mean != mean:
        return ""
    low, high = MEAN_BANDS[function_band]
    return function_band if (low <= mean <= high if function_band == "high" else low <= mean < high) else ""


def _node_ids(framework: str, level: str) -> list[str]:
    nodes = catalogs.csf2() if framework == "csf2" else catalogs.csf11()
    return nodes.loc[nodes["level"].eq(level), "node_id"].tolist()


def by_node(data: ReportData, by: str | None, framework: str, level: str, year: int | None = None,
            k: int | None = None) -> pd.DataFrame:
    """Mean score per node (function or category) and segment, in one year or every year (``year=None``),
    protected, with the change from the previous year where both are published."""
    ids = _node_ids(framework, level)
    s = data.scores if year is not None else comparable_scores(data)  # a trend compares like with like
    sel = s[s["framework"].eq(framework) & s["node_id"].isin(ids)]
    if year is None:
        out = with_change(node_stats(data, sel, by, framework, k, completed=True),
                          ["sector", "framework", "node_id", "segment"])
    else:  # one year alone, from its own scores: every rule of node_stats reads a year's rows apart from the other
        # years' (the counts, the members' estimates and protection per sector, year and node; the not-applicable
        # share against the same year's items); no change, which would point at a value this table does not publish
        out = node_stats(data, sel[sel["year"].eq(year)], by, framework, k, completed=True)
    order = {n: i for i, n in enumerate(ids)}
    return (out.assign(_order=out["node_id"].map(order)).sort_values(["year", "_order", "segment"])
            .drop(columns="_order").reset_index(drop=True))


def node_stats(data: ReportData, scores: pd.DataFrame, by: str | None, framework: str,
               k: int | None = None, completed: bool = False) -> pd.DataFrame:
    """Mean score per node of ``scores`` (one framework) and segment, protected: the one node statistic of the
    report's tables (:func:`by_node`) and of the explorer's heatmap, so both publish a node the same way.

    Protection: :func:`protect` (primary, split, uniform, complementary), then the base rule — a row whose
    respondents exceed its scored companies by 1 … k − 1, or a node resting on one item, published rounded
    with its base withheld, or hidden where the rounding would rule out a base (docs/method.md §5.4).
    ``completed``: the caller completes the table with the interval solver (:func:`by_node`'s callers do; the
    explorer does not): :func:`pipeline.scoring.disclosure.protect`."""
    stats = segment_stats(scores, data.respondents, by, framework)
    if by is None:
        stats = stats.assign(segment=ALL)
    stats = with_weighted(stats, data, scores, by, framework)
    # nobody scored (every company of the segment found the node not applicable): its not-applicable share would
    # speak for companies the count n_scored = 0 does not show — a segment of one company read 100% (not assessed)
    stats["na_share"] = stats["na_share"].where(stats["n_scored"] > 0)
    # 1–4 companies that found the node not applicable (n − n_scored), or a node of one item (its item's row,
    # rounded, seen again): the row rounded and its base withheld (docs/method.md §5.4)
    single = stats["node_id"].isin(single_item_nodes(data, framework))
    out = members_total(round_small_base(protect(stats, k=_k(k), completed=completed), _k(k), single=single),
                        data, by, k)
    return na_shares_withheld(out, data, framework, k)


def na_shares_withheld(table: pd.DataFrame, data: ReportData, framework: str, k: int | None = None) -> pd.DataFrame:
    """A protected node table (CSF nodes, or the levels' LvN+) with its not-applicable share withheld wherever an
    item under the node has its base withheld or is hidden: the node's not-applicable answers less its exact items'
    leave the other items' total (docs/method.md §5.4, "not-applicable share"). A withheld share reads x."""
    if "na_share" not in table:
        return table
    shown = table["na_share"].notna()
    if data.responses is None or data.responses.empty:  # loaded without item answers (the cross-sector page):
        # which items the sector's own report rounds cannot be told here, so the share is withheld on every row
        kept = table.assign(na_share=np.nan)
    else:
        kept = withhold_na_share(table, _item_table(data, _k(k)), node_items(data, framework, table["year"].unique()))
    # a withheld share reads x, not the not-assessed dash: listed among the row's withheld cells
    kept = name_withheld(kept, shown & kept["na_share"].isna(), "na_share", WITHHELD_CELLS)
    return kept if WITHHELD_CELLS in kept else kept.assign(**{WITHHELD_CELLS: ""})


def _item_table(data: ReportData, k: int, lang: str = "ja") -> pd.DataFrame:
    """:func:`items` of ``data``, computed once for the answers and weights it reads and the template versions its
    texts come from: every node table of a report and of its other breakdowns (one item table: items have no
    segment), each click of the explorer, and :func:`linked`, which protects it, read it, and it costs seconds on a
    large store (completion works on a copy)."""
    versions = (frozenset(data.respondents["template_version"].dropna().unique())
                if "template_version" in data.respondents else frozenset())
    return _shared(data, "_item_tables", (data.responses, data.weights), (data.sector, k, lang, versions),
                   lambda: items(data, k, lang))


def node_items(data: ReportData, framework: str, years: Collection[object]) -> pd.DataFrame:
    """(year, item_id, node_id) for every node an item of the year's forms lies under, at every level
    (subcategory, category, function; for ``framework`` 'level' each LvN+, whose items are those of Lv1 … LvN): the
    public item map, as an intruder reads it."""
    from pipeline.scoring.maps import item_map

    if framework == "level":
        return _level_items(data, years)
    nodes = (catalogs.csf2() if framework == "csf2" else catalogs.csf11()).set_index("node_id")
    parts = []
    for year in years:
        for version in sorted(versions_used(data, int(year))) or [""]:
            links = item_map(data.sector, version)
            links = links[links["framework"].eq(framework) & links["node_id"].isin(nodes.index)]
            for column in ("node_id", "parent_id", "function_id"):
                owner = links["node_id"] if column == "node_id" else links["node_id"].map(nodes[column])
                parts.append(pd.DataFrame({"year": int(year), "item_id": links["item_id"], "node_id": owner}))
    if not parts:
        return pd.DataFrame(columns=["year", "item_id", "node_id"])
    out = pd.concat(parts, ignore_index=True)
    return out[out["node_id"].notna() & out["node_id"].ne("")].drop_duplicates()


def _level_items(data: ReportData, years: Collection[object]) -> pd.DataFrame:
    """(year, item_id, LvN+) for the items of Lv1 … LvN in the year's forms (a company reaching LvN+ is scored on
    them: :func:`pipeline.scoring.respondent.level_reached`)."""
    from pipeline.scoring.maps import item_map

    order = list(catalogs.levels())
    parts = []
    for year in years:
        for version in sorted(versions_used(data, int(year))) or [""]:
            links = item_map(data.sector, version)
            links = links[links["framework"].eq("level") & links["node_id"].isin(order)]
            for i, level in enumerate(order):
                below = links[links["node_id"].isin(order[: i + 1])]
                parts.append(pd.DataFrame({"year": int(year), "item_id": below["item_id"], "node_id": f"{level}+"}))
    if not parts:
        return pd.DataFrame(columns=["year", "item_id", "node_id"])
    return pd.concat(parts, ignore_index=True).drop_duplicates()


def single_item_nodes(data: ReportData, framework: str) -> set[str]:
    """Nodes (subcategories, categories, functions) that rest on exactly one item in some template version the
    data uses: their rows publish that item again, so they are protected with it (:func:`round_small_base`)."""
    from pipeline.scoring.maps import item_map

    nodes = (catalogs.csf2() if framework == "csf2" else catalogs.csf11()).set_index("node_id")
    out: set[str] = set()
    for version in sorted({v for y in data.years for v in versions_used(data, y)}) or [""]:
        links = item_map(data.sector, version)
        links = links[links["framework"].eq(framework) & links["node_id"].isin(nodes.index)]
        for column in ("node_id", "parent_id", "function_id"):
            owner = links["node_id"] if column == "node_id" else links["node_id"].map(nodes[column])
            counts = links.assign(owner=owner).dropna(subset=["owner"]).groupby("owner")["item_id"].nunique()
            out |= set(counts.index[counts.eq(1)])
    return out


def level_reached(data: ReportData, by: str, k: int | None = None) -> pd.DataFrame:
    """Share of companies reaching Lv1+/Lv2+/Lv3+ per segment and year, Wilson 95%, protected."""
    s = data.scores
    scores = s[s["framework"].eq("level") & s["node_id"].str.endswith("+")]
    stats = segment_stats(scores, data.respondents, by, "level")  # reached (LvN+) is already 0/1
    stats = with_weighted(stats, data, scores, by, "level")
    # with 0/1 scores the mean, its SD and interval are the share
    # published twice under other names (and a mean would be held to a score's width, not a count's)
    out = members_total(protect(stats.drop(columns=["threshold", "mean", "sd", "mean_ci_low", "mean_ci_high",
                                                    "w_mean", "w_mean_ci_low", "w_mean_ci_high"], errors="ignore"),
                                k=_k(k)), data, by, k)
    return na_shares_withheld(out, data, "level", k)  # as every node table: LvN+ holds the items of Lv1 … LvN


def star_readiness(data: ReportData, by: str, k: int | None = None) -> tuple[pd.DataFrame, dict[str, int]]:
    """Mean share of judgeable ★3/★4 requirements met, and the share of companies ready (every judgeable
    requirement met), per segment and year; and how many requirements the checklist cannot judge."""
    s = data.scores
    scores = s[s["framework"].eq("star") & s["node_id"].str.startswith("★")]
    stats = segment_stats(scores, data.respondents, by, "star").drop(columns=["threshold", "na_share"])
    stats = with_weighted(stats, data, scores, by, "star")
    # its ★N+ share is band 0 of the distance table: the same base rule (1–4 respondents not judged), so both
    # publish the same rounded share or hide it alike (docs/method.md §5.4); and it is never published as a band
    # (「10%未満」): the distance table's published bands narrow it inside any band (docs/method.md §11)
    shown = round_small_base(without_ready_bands(protect(stats, k=_k(k))), _k(k))
    return members_total(shown, data, by, k), unjudgeable()


def without_ready_bands(star: pd.DataFrame) -> pd.DataFrame:
    """The ★ table with no ★N+ share published as a band: band 0 of the distance partition is the same share, and
    the partition's published bands narrow it inside any band (FY2024 〜100人 ★4 ready: [0, 3.1%] inside
    「10%未満」), so the cell reads x in the ★ table, its figure and the distance table alike (docs/method.md §11)."""
    if BAND_COLUMN not in star:
        return star
    out = star.copy()
    out.loc[out["node_id"].astype(str).str.endswith("+"), BAND_COLUMN] = ""
    return out


def unjudgeable() -> dict[str, list[str]]:
    """★ level → the requirements the checklist cannot judge (a criterion cites no item): excluded, reported."""
    return {f"★{star}": list(unjudgeable_requirements(star)) for star in (3, 4)}


def by_item_number(table: pd.DataFrame, first: list[str] | None = None) -> pd.DataFrame:
    """``table`` sorted by ``first`` columns, then by item number (``disclosure_order.public_key``)."""
    keys = [*(first or []), "_item"]
    return (table.assign(_item=table["item_id"].map(public_key)).sort_values(keys, kind="stable")
            .drop(columns="_item").reset_index(drop=True))


def items(data: ReportData, k: int | None = None, lang: str = "ja") -> pd.DataFrame:
    """Share implemented per item and year among the companies it applies to (Wilson 95%), protected;
    ``text`` in the report's language where the catalog has it."""
    shares = item_shares(data.responses)
    shares = by_item_number(shares.assign(text=shares["item_id"].map(data.item_texts(lang=lang))), ["sector", "year"])
    extra: list[str] = []
    if data.weighted:  # the members' share beside the respondents', hidden where theirs is
        shares = shares.merge(weighted_item_shares(data.responses, data.weights), on=["sector", "year", "item_id"],
                              how="left")
        extra = ITEM_COLUMNS
    out = protect(shares, k=_k(k), group=["sector", "year"], n_col="n_applicable",
                  stat_columns=["share_implemented", "ci_low", "ci_high", "na_share", "n_implemented", "mean_points",
                                "n_unanswered", "n_missing", "n_unknown", "n_invalid", "n_not_applicable", *extra])
    # fewer than k not applicable (0 included): the share rounded and its base withheld, not the row hidden
    return round_small_not_applicable(out, shares, _k(k))


def own_scale(sector: str, rules: RulesSource = None) -> dict:
    """The sector's own scale in the rules' ``instrument_points`` (points, max, bands), or {}: read by the loader
    scoring uses, so an override (``rules``) that scores on another scale reports its bands too."""
    return dict((load_rules(rules).get("instrument_points") or {}).get(sector) or {})


def bands(data: ReportData, k: int | None = None) -> pd.DataFrame:
    """Companies per result band of the instrument's own total, per year, with the year's total row
    (``segment`` 全体, its ``n``), protected: a band of fewer than k companies is hidden, and the hidden
    bands of a year together hold at least k. ``segment`` is the band id of scoring.yaml."""
    spec = own_scale(data.sector).get("bands") or []
    counted = score_bands(instrument_scale(data.responses), spec)
    total = counted.drop_duplicates(["sector", "year"]).assign(band=ALL, n=lambda d: d["n_companies"],
                                                                share=np.nan, ci_low=np.nan, ci_high=np.nan)
    table = (pd.concat([counted, total], ignore_index=True)
             .rename(columns={"band": "segment", "share": "share_band"})
             .assign(framework=BANDS[0], node_id=BANDS[1]))
    return protect(table, k=_k(k), group=["sector", "year"], n_col="n",
                   stat_columns=["share_band", "ci_low", "ci_high"], uniform_columns=["share_band"])


def item_profile(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """Every item of ``year`` from :func:`items`, in the checklist's order (the instrument's own profile)."""
    order = {item: k for k, item in enumerate(catalogs.sector_items(table["sector"].iloc[0])["item_id"])} \
        if len(table) else {}
    rows = table[table["year"].eq(year)]
    return rows.assign(_o=rows["item_id"].map(order)).sort_values("_o").drop(columns="_o").reset_index(drop=True)


def weakest_items(table: pd.DataFrame, year: int, n: int = 10) -> pd.DataFrame:
    """The ``n`` published items with the lowest share implemented in ``year`` (from :func:`items`), lowest printed
    share first: items printing the same share, and a cut among them, by item number (``disclosure_order``)."""
    t = table[table["year"].eq(year) & table["share_implemented"].notna()]
    return printed_top(t, n, ["share_implemented"], "item_id").reset_index(drop=True)


def versions_used(data: ReportData, year: int) -> set[str]:
    """The template versions the respondents of ``year`` answered on."""
    r = data.respondents
    if "template_version" not in r:  # a store without the column: the sector's default form
        return set()
    used = r.loc[r["year"].eq(year), "template_version"].dropna()
    return set(used[used.ne("")])


def incomparable_items(data: ReportData, year_from: int, year_to: int) -> list[str]:
    """Items whose answers do not compare between the versions used in two years (catalogs/comparability):
    left out of every item comparison between them, and counted on the figure."""
    return catalogs.incomparable_items(data.sector, versions_used(data, year_from), versions_used(data, year_to))


def trend_excluded_items(data: ReportData) -> list[str]:
    """Items that do not compare between any two of the versions the report's years answered on: left out
    of the function trends (:func:`comparable_scores`) and counted on them."""
    used = sorted(set().union(*(versions_used(data, y) for y in data.years))) if data.years else []
    return catalogs.incomparable_items(data.sector, used, used) if len(used) > 1 else []


def comparable_scores(data: ReportData) -> pd.DataFrame:
    """The respondents' node scores for a trend: ``data.scores`` when every item compares across the versions
    the report's years answered on; otherwise scored again with the items that do not compare left out of
    every respondent's denominator (as if not applicable), so that each year's score rests on the same items."""
    excluded = trend_excluded_items(data)
    if not excluded or data.responses.empty:
        return data.scores
    from pipeline.scoring.maps import item_map
    from pipeline.scoring.respondent import node_scores

    versions = data.respondents[["sector", "year", "respondent_key", "template_version"]]
    # every respondent answers each excluded item "not applicable", present or not on its form (an item left
    # off a form would otherwise be completed as missing and score 0)
    kept = data.responses[~data.responses["item_id"].isin(excluded)]
    fill = versions[["sector", "year", "respondent_key"]].merge(pd.DataFrame({"item_id": excluded}), how="cross")
    r = pd.concat([kept, fill.assign(answer="not_applicable")], ignore_index=True)
    scores = node_scores(r.merge(versions, on=["sector", "year", "respondent_key"], how="left"), data.sector)
    # and they are no item of the node either: its not-applicable share stays what the members answered
    links = pd.concat([item_map(data.sector, v).assign(template_version=v)
                       for v in versions["template_version"].dropna().unique()], ignore_index=True)
    gone = (links[links["item_id"].isin(excluded)].drop_duplicates()
            .groupby(["template_version", "framework", "node_id"]).size().rename("n_excluded").reset_index())
    scores = (scores.merge(versions, on=["sector", "year", "respondent_key"], how="left")
              .merge(gone, on=["template_version", "framework", "node_id"], how="left"))
    n_items = scores["n_items"] - scores["n_excluded"].fillna(0).astype(int)
    return scores.assign(n_items=n_items).drop(columns=["template_version", "n_excluded"])


def relevelled_items(data: ReportData) -> list[str]:
    """Items whose level differs between versions used in the report's years: a caveat on level trends."""
    used = set().union(*(versions_used(data, y) for y in data.years)) if data.years else set()
    return catalogs.relevelled_items(data.sector, used) if len(used) > 1 else []


def movers(table: pd.DataFrame, year_from: int, year_to: int, n: int = 8, exclude: Collection[str] = ()
           ) -> pd.DataFrame:
    """The ``n`` items whose published share implemented rose most between two years and the ``n`` that
    fell most (from :func:`items`), ``direction`` 'up' or 'down', largest change first: only items
    published in both years, not items in ``exclude`` (see :func:`incomparable_items`). Fewer than ``n``
    items fell, fewer are listed: the smallest rises are never shown as if they were falls."""
    cols = ["sector", "item_id", "share_implemented", "n_applicable"]
    table = table[~table["item_id"].isin(list(exclude))]
    rounded = [c for c in (ROUNDED, "n_companies") if c in table]  # a share rounded, its base withheld (either year)
    before = table[table["year"].eq(year_from)][[*cols, *rounded[:1]]].rename(
        columns={"share_implemented": "share_previous", "n_applicable": "n_previous", ROUNDED: f"{ROUNDED}_previous"})
    after = table[table["year"].eq(year_to)][[*cols, *rounded, "text", "year", "suppressed"]]
    m = after.merge(before, on=["sector", "item_id"]).assign(previous_year=year_from)
    if ROUNDED in m:  # the count behind a rounded share is withheld: the audit reads the year's respondents instead
        m[[ROUNDED, f"{ROUNDED}_previous"]] = m[[ROUNDED, f"{ROUNDED}_previous"]].astype(bool)
    m = m[m["share_implemented"].notna() & m["share_previous"].notna()]
    m = by_item_number(m.assign(change=m["share_implemented"] - m["share_previous"]))
    if ROUNDED in m and m[[ROUNDED, f"{ROUNDED}_previous"]].any().any():
        # one precision in the table: whole points where some row is rounded, stored as shown (no 0.5700000000000001)
        m["change"] = m["change"].round(2)
        for share, flag in (("share_implemented", ROUNDED), ("share_previous", f"{ROUNDED}_previous")):
            m[share] = m[share].where(~m[flag], m[share].round(2))
    # a rise or a fall as the change prints (+0.0 points is neither), ordered and cut by the printed change, equal
    # ones by item number (disclosure_order): never by the digits the page does not print
    printed = as_printed(m["change"])
    up = printed_top(m[printed.gt(0)], n, ["change"], "item_id", descending=True)
    down = printed_order(printed_top(m[printed.lt(0)], n, ["change"], "item_id"), ["change"], "item_id",
                         descending=True)
    return pd.concat([up.assign(direction="up"), down.assign(direction="down")]).reset_index(drop=True)


def panel(data: ReportData, year_from: int, year_to: int, k: int | None = None, framework: str = "csf2"
          ) -> pd.DataFrame:
    """Paired change per function for companies scored in both years; fewer than k pairs hidden."""
    functions = _node_ids(framework, "function")
    s = comparable_scores(data)  # the same items as the function trend it is drawn beside
    scores = s[s["framework"].eq(framework) & s["node_id"].isin(functions)]
    out = panel_change(scores, data.respondents, framework, year_from, year_to).assign(year=year_to,
                                                                                       framework=framework)
    out = protect(out.drop(columns="segment", errors="ignore"), k=_k(k), group=NODE_KEYS, n_col="n",
                  stat_columns=["mean_change", "share_improved", "share_worsened"])
    order = {f: i for i, f in enumerate(functions)}
    return out.assign(o=out["node_id"].map(order)).sort_values("o").drop(columns="o").reset_index(drop=True)


def panel_vs_all(panel_table: pd.DataFrame, nodes: pd.DataFrame, year_to: int, total: str = ALL) -> pd.DataFrame:
    """Per function, long: the change of all respondents (``basis`` 'all', from the published node table's
    total row, with its ``rounded`` flag) and of the same-company panel (``basis`` 'panel', the panel table's mean
    change, never rounded)."""
    everyone = nodes[nodes["year"].eq(year_to) & nodes["segment"].eq(total)]
    # ``rounded`` kept: a change whose share was published in whole percent reads in whole points, in the chart as
    # in the table (docs/method.md §11, precision as shown)
    everyone = everyone[["node_id", "change", "suppressed", *(["rounded"] if "rounded" in everyone else [])]]
    pairs = panel_table[["node_id", "mean_change", "suppressed"]].rename(columns={"mean_change": "change"})
    return pd.concat([everyone.assign(basis="all"), pairs.assign(basis="panel", rounded=False)], ignore_index=True)


def not_assessed_subcategories(data: ReportData) -> int:
    """CSF 2.0 subcategories no answer reaches (power: no CSF 1.1 ancestor): shown as such, never 0."""
    sub = data.scores[data.scores["framework"].eq("csf2") & data.scores["node_id"].str.contains("-")]
    return int(sub.groupby("node_id")["n_items"].max().eq(0).sum())


def segment_order() -> dict[str, list[str]]:
    """Each segment attribute's values in the order a report lists them, from the catalogs.

    Size bands small to large (size_bands.yaml), a merged group (:func:`pipeline.catalogs.segment_groups`) right
    after the band it ends with, as a range reads; each sector's business types in its own catalog's order
    (sectors.yaml ``business_types``), a merged group heading its members; other attributes as sectors.yaml
    ``segment_order`` lists them."""
    groups: dict[str, dict[str, Any]] = {}
    for sector in catalogs.sectors():
        for attr, found in catalogs.segment_groups(sector).items():
            groups.setdefault(attr, {}).update(found)
    bands = catalogs.size_band_names()
    place = {b: i for i, b in enumerate(bands)}
    size: list[str] = []
    for band in bands:
        size += [band, *(g for g, spec in groups.get("size_band", {}).items()
                         if max(spec["members"], key=place.__getitem__) == band)]
    business: list[str] = []
    for sector in catalogs.sectors():  # each sector's business types in its own catalog's order
        codes = catalogs.business_type_codes(sector)
        rank = {c: i for i, c in enumerate(codes)}
        own = catalogs.segment_groups(sector).get("business_types", {})
        for code in codes:
            business += [*(g for g, spec in own.items() if min(spec["members"], key=rank.__getitem__) == code), code]
    order: dict[str, list[str]] = {}
    for info in catalogs.sectors().values():
        for attr, values in (info.get("segment_order") or {}).items():
            order[attr] = list(dict.fromkeys([*order.get(attr, []), *values]))
    return {**order, "size_band": size, "business_types": business, "main_business_type": business}


def display(table: pd.DataFrame, names: dict[str, str], all_label: str, by: str | None = None,
            column: str = "segment") -> pd.DataFrame:
    """Segments in their natural order (size bands small to large, 全体 last) and as readers know them
    (power business types by name; 全体 in the chosen language)."""
    if column not in table:
        return table
    known = segment_order().get(by or "", [])
    rank = {s: i for i, s in enumerate(known)}
    order = table[column].map(lambda s: (2, "") if s == ALL else (0, rank[s]) if s in rank else (1, str(s)))
    out = table.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order")
    return out.assign(**{column: out[column].map(lambda s: all_label if s == ALL else names.get(s, s))})


def withheld_segments(table: pd.DataFrame, segments: Collection[str], column: str = "segment") -> list[str]:
    """Those of ``segments`` (e.g. merged groups, as displayed) of which a protected table hides every cell that
    has a company behind it: the report says so under the table rather than leave a column of x unexplained. A
    mean published as a band (「90%以上」) is shown, not withheld."""
    hidden = table["suppressed"].fillna("").astype(str).ne("")
    behind = pd.to_numeric(table.get("n_scored", table.get("n", pd.Series(1, index=table.index))), errors="coerce")
    assessed = hidden | behind.gt(0)  # a node no company answers (GV.OV for power) is not assessed, not shown
    if "mean_band" in table:
        hidden &= ~table["mean_band"].isin(["high", "low"])
    return [s for s in segments
            if (mine := table[column].eq(s) & assessed).any() and hidden[mine].all()]


def with_item_labels(table: pd.DataFrame) -> pd.DataFrame:
    """Adds ``label``: the item ID and its whole text, on the page as on a slide. The chart wraps a long label over
    lines (``figures._row_labels``); a label cut with "…" could not tell the reader which item a bar is (two items
    can start alike)."""
    return table.assign(label=table["item_id"] + " " + table["text"].fillna(""))
