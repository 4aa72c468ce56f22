"""Disclosure control, in one place, for every aggregate that leaves the package.

Rules (k is ``min_cell`` in catalogs/scoring.yaml; docs/method.md §5 "Disclosure control"):

- **Primary**: a cell whose statistic rests on fewer than k companies — counted as the companies *with
  a score* for that node or item (``n_scored``), not the companies in the segment — shows no statistic.
- **Split** (both sides of every published split): a share splits the companies behind it in two
  (reached the level / not, implemented / not, answered / not; and respondents on the member list / not,
  where none off the list is allowed). Each side must hold at least k companies, else the whole cell is
  hidden — a share of 1 of 40 tells about one company as surely as a cell of 1. This includes every share
  of exactly 0% or 100%. ``floors`` do the same for a mean: at least k companies below the top of the
  scale and above zero.
- **Part counts** (an item's unanswered, missing, unknown, invalid answers) are published only where the
  count and the rest of the year's respondents both hold at least k; otherwise that count alone is blank.
- **Uniform**: a mean of exactly 0 or 1 (every company alike) where the table has no split to catch it
  is hidden like a small cell. A cell with no company behind it is *not assessed* (shown "—"), not hidden.
- **Complementary**: where a table publishes a total, the hidden cells of a group together hold at
  least k companies (or none), on each side of every split at least k of them, and the others at least
  MIN_WIDTH × the largest, for any number of hidden cells; more cells are hidden, smallest first, until
  they do (the total minus the published cells gives the hidden cells' pooled count on each side).
- **Quantiles**: a quantile q is published only when min(q, 1 − q) of the cell's companies are at least
  k (p10/p90 from 50 companies, p25/p75 from 20, the median from 10 at k = 5): with fewer, the quantiles
  and the mean together pin down individual scores.

A multi-valued segment (a power company with several licences counts in each business type) does not add
up to the total: differencing recovers only what the companies counted twice leave. A table the interval
solver completes leaves its complementary cells to the solver, which holds that overlap (``completed``);
elsewhere they are chosen as if the segments added up, the safe side.

Beyond these count rules, tables tied by public relations are completed by the interval solver
(:func:`pipeline.publish.intervals.complete`) until no hidden cell can be narrowed below :data:`MIN_WIDTH`
(docs/method.md "Disclosure control").

Derived columns (year-on-year changes) are computed *after* protection from protected values (see
``pipeline.report.tables``), so a change is published only when both years are.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipeline.ruleset import min_cell
from pipeline.scoring.segments import ALL

STAT_COLUMNS = ["mean", "sd", "mean_ci_low", "mean_ci_high", "share_reached", "ci_low", "ci_high", "na_share",
                "reached", "response_rate", "p10", "p25", "p50", "p75", "p90", "change", "mean_change",
                "share_improved", "share_worsened", "share_from", "share_to", "done", "applicable", "roster_n",
                "share_implemented", "n_implemented", "n_on_roster",
                # the members' estimates (pipeline/scoring/weighted.py): hidden exactly where the respondents' are
                "w_mean", "w_mean_ci_low", "w_mean_ci_high", "w_share_reached", "w_ci_low", "w_ci_high", "n_eff",
                "deff", "w_change", "w_share_implemented",
                # ★ readiness (pipeline/report/star_tables.py): companies not meeting a requirement, in a distance band
                "share_unmet", "share_distance"]
UNIFORM_COLUMNS = ["mean", "share_reached", "share_improved", "share_worsened", "share_from", "share_to",
                   "share_implemented", "w_mean", "w_share_reached", "w_share_implemented", "share_unmet",
                   "share_distance"]
HIDDEN_COUNT = "_n_behind"  # the true count behind each cell, for the audit log only: never published
# Other counts a hidden row blanks that still add up across segments (a response rate's members and respondents
# on the list): their true values go to the audit log too, so the interval solver can use the segments' sum the
# total row gives away (the total's roster minus the published segments' is the hidden segments' roster).
HIDDEN_COUNTS = {"roster_n": "_roster_n_behind", "n_on_roster": "_n_on_roster_behind"}
# The roster's members per segment beside a table's members' estimates (working column, never published): the
# weights of its segments in the weighted total, which the response table publishes, for the interval solver
# when a table is completed on its own.
MEMBERS_BEHIND = "_members_behind"
# The narrowest interval (on the 0–1 score and share scale) an intruder may reach for any hidden cell from
# everything a report publishes (pipeline.publish.intervals solves for it; docs/method.md "Disclosure control").
MIN_WIDTH = 0.10
REASONS = ("primary", "split", "complementary", "uniform", "rounding")
# A mean hidden only because fewer than k companies lie below the top of the scale (or above its bottom) is
# published coarsened, as a band (docs/method.md "Disclosure control"): ``mean_band`` holds the band's code and
# the exact mean stays hidden. The band is the interval BANDS[code] an intruder may use like any published value.
BAND_COLUMN = "mean_band"
BAND_EDGE = 0.10
BANDS: dict[str, tuple[float, float]] = {"high": (1.0 - BAND_EDGE, 1.0), "low": (0.0, BAND_EDGE)}
# A share → the count it is a share of (None: the table's count column). count × share companies are on one
# side of the split and count × (1 − share) on the other; each side must hold at least k (0 is fewer than k).
SPLITS: dict[str, str | None] = {"share_reached": None, "share_implemented": None, "share_improved": None,
                                 "share_worsened": None, "response_rate": "roster_n", "share_unmet": None,
                                 "share_distance": None}
# A count published beside a larger count it is part of: respondents on the member list (n_on_roster) and
# those not on it (n − n_on_roster) are two sides of a split too. Here the rest may be 0 (every respondent is
# a member: the normal case, about nobody), else it must hold k.
# Companies for which an item applies (n_applicable) and the rest of the year's respondents (not applicable)
# likewise: the rest 0 or at least k, else the item's whole row is hidden (n_companies − n_applicable
# would count the 1–4 companies that said "not applicable").
COUNT_SPLITS: dict[str, str] = {"n_on_roster": "n", "n_applicable": "n_companies"}
# An item's answers split three ways: implemented (1 point), partial (0.5) and none (0). Its mean points, share
# implemented and applicable count published together give the partial answers, 2 · n · (mean points − share), and
# the rest: each of the two is a side, 0 or at least k (0 partial: a form without the answer, as automotive's).
ANSWER_SPLIT: tuple[str, str] = ("mean_points", "share_implemented")
# Counts printed beside the whole they are part of, but not behind any statistic (an item's unanswered,
# missing, unknown and invalid answers among the year's respondents): each is published only where it and
# the rest of the whole both hold at least k, else that count alone is blanked (the row's share stays).
PART_COUNTS: dict[str, str] = {"n_unanswered": "n_companies", "n_missing": "n_companies",
                               "n_unknown": "n_companies", "n_invalid": "n_companies",
                               # ★ what-if: companies one requirement alone would lift, among those that must act
                               "n_lifted_alone": "n_must_act"}
# Quantile → the share of companies beyond it; p10 is published only when 10% of the cell is ≥ k companies
# (n ≥ 50 at k = 5), so no quantile pins down the score of fewer than k companies.
QUANTILE_TAILS = {"p10": 0.10, "p25": 0.25, "p50": 0.50, "p75": 0.25, "p90": 0.10}


def quantile_shown(quantile: str, n, k: int):
    """The quantile-tail rule: ``quantile`` of ``n`` companies may be published when the companies beyond it
    (``n`` × its tail in :data:`QUANTILE_TAILS`) are at least ``k``. ``n`` is a count or a Series of them;
    the answer is a bool or a bool Series alike. Report tables (:func:`protect`) and member feedback use it."""
    return n * QUANTILE_TAILS[quantile] >= k


def quantile_min_n(quantile: str, k: int) -> int:
    """The fewest companies a cell needs for ``quantile`` to be published under :func:`quantile_shown`
    (p10 from 50, quartiles from 20, the median from 10 at k = 5): what the notes under a table say."""
    n = max(1, math.ceil(k / QUANTILE_TAILS[quantile]))
    while not quantile_shown(quantile, n, k):  # the rule decides, not the division's rounding
        n += 1
    while n > 1 and quantile_shown(quantile, n - 1, k):
        n -= 1
    return n


QUANTILE_LEVELS = {"p10": 0.10, "p25": 0.25, "p50": 0.50, "p75": 0.75, "p90": 0.90}
"""Each printed quantile's level: one table for the solver, the feedback's quartiles and the between rule."""


def quantile_position(quantile: str, n: int) -> int:
    """How many of ``n`` companies a reader knows lie at or below a printed quantile: with the linear interpolation
    every quantile here is computed with (pandas' default), the p-quantile sits at order position (n − 1)·p + 1, so
    the companies up to floor((n − 1)·p) + 1 are at or below it (ties there aside, which only add to them)."""
    return int(math.floor((n - 1) * QUANTILE_LEVELS[quantile])) + 1



def between_shown(values, positions, cuts, k: int | None = None, own: int = 1) -> np.ndarray:
    """The between rule: per point of a peer group whose order position is printed or derivable (a member's score
    with its percentile rank, a quantile), whether it may be shown beside the group's other such points (``cuts``).

    A point at ``value`` with ``position`` companies at or below it (the member itself included: ``own`` = 1; 0
    for a quantile, which is no company) and a cut at ``(value, position)`` — a printed count ``c`` of the group's
    n companies reaching a threshold θ is the cut ``(θ, n − c)``, the companies below θ; a printed quantile is
    ``(q, quantile_position)`` — tell together how many companies lie between them: ``position_cut − position``
    where the point is below the cut, ``position − position_cut − own`` where it is at or above it. A count of 1 to
    k − 1 is a small group's whereabouts (a member at 0.844, 21st of 61, beside 45 of 61 at 90 % or more: exactly 3
    companies between 0.844 and 0.9), so the point is shown only where every such count is 0 or at least k. A
    negative difference arises only where a cut counts a set other than the group's own scores (LvN+ beside the
    LvN share) and counts nobody: it is allowed.

    Returns a bool array over the points."""
    k = min_cell(k)
    values = np.asarray(values, dtype=float)
    positions = np.asarray(positions, dtype=float)
    ok = np.ones(len(values), dtype=bool)
    for value, position in cuts:
        gap = np.where(values < value, position - positions, positions - position - own)
        ok &= (gap <= 0) | (gap >= k)
    return ok


def all_alike(values: pd.Series) -> bool:
    """The uniform rule on the values behind one statistic: True when they are all the same (every one at 0%
    or 100%, or every one in one ★ distance band), so any statistic of them tells each company the others'
    values and is withheld. :func:`protect` reads the same rule from a published mean or share (0 or 1 is
    only reached when every company is alike); member feedback, which holds the values, asks it directly."""
    return values.nunique(dropna=True) <= 1


def count_column(table: pd.DataFrame) -> str:
    """The count behind a table's statistics: companies with a score (``n_scored``) where the table has it."""
    return "n_scored" if "n_scored" in table.columns else "n"


def protect(table: pd.DataFrame, k: int | None = None, group: list[str] | None = None,
            n_col: str | None = None, stat_columns: list[str] | None = None, total: str = ALL,
            uniform_columns: list[str] | None = None, splits: dict[str, str | None] | None = None,
            count_splits: dict[str, str] | None = None, floors: list[str] | None = None,
            part_counts: dict[str, str] | None = None, completed: bool = False) -> pd.DataFrame:
    """Primary, split, uniform and complementary suppression; returns a new table.

    Parameters
    ----------
    table
        One row per cell, with a ``segment`` column where the table has segments (the total row's
        segment is ``total``) and the count column ``n_col``.
    k
        Minimum companies behind a published statistic (default ``min_cell`` in scoring.yaml).
    group
        Columns that define one set of cells sharing a total; default every column among sector,
        year, framework, node_id that exists.
    n_col
        The count behind each statistic (default ``n_scored`` if present, else ``n``).
    stat_columns
        Columns hidden in a hidden cell (default: every known statistic column present).
    total
        The segment label of the total row.
    uniform_columns
        Shares and means that must not be published as exactly 0 or 1 (default: those present).
    splits, count_splits
        Shares (→ their denominator column, None for ``n_col``) and counts (→ the count they are part of)
        that split a cell's companies in two: both sides must hold at least k (default :data:`SPLITS`,
        :data:`COUNT_SPLITS`, those present).
    floors
        Working count columns that must hold at least k where the cell is published (e.g. the companies
        below the top score and above zero behind a mean: a mean with fewer than k companies off the
        top of the scale pins them); hidden as 'split' otherwise.
    part_counts
        Counts (→ the whole they are part of) published only where the count and the rest of the whole both
        hold at least k; blanked alone otherwise (default :data:`PART_COUNTS`, those present).
    completed
        The caller completes the table with the interval solver (:func:`pipeline.publish.intervals.complete`),
        which holds a multi-valued segmentation's total as it is (its segments add up but for the companies
        counted twice). The count rule's complementary cells assume the segments add up exactly, so with
        ``completed`` they are not chosen in a group flagged ``multi_counted``: the solver chooses them, where
        the overlap leaves a hidden cell too narrow (docs/method.md §5.1 rule 4). Without it (a table no solver
        completes, such as the explorer's) the count rule applies as if the segments added up, the safe side.

    Returns
    -------
    The table with ``suppressed`` ('' or the reason), ``uniform`` (bool, the cell was hidden for it),
    statistics set to NaN in hidden cells and the count of hidden cells set to NaN (shown as the mark "x"), and
    ``_n_behind``, the true count, which the publisher moves into the audit log and never publishes.
    """
    k = min_cell(k)
    n_col = n_col or count_column(table)
    group = group or [c for c in ("sector", "year", "framework", "node_id") if c in table.columns]
    stats = [c for c in (stat_columns or STAT_COLUMNS) if c in table.columns and c != n_col]
    extremes = [c for c in (uniform_columns if uniform_columns is not None else UNIFORM_COLUMNS)
                if c in table.columns]
    out = table.copy()
    n = pd.to_numeric(out[n_col], errors="coerce").fillna(0)
    # no company behind the cell: nothing to protect, the cell is "not assessed" (—), not hidden
    reason = pd.Series(np.where((n > 0) & (n < k), "primary", ""), index=out.index, dtype=object)
    sides = split_sides(out, n_col, splits, count_splits)
    if sides:
        smaller = pd.concat([_smallest_side(*side) for side in sides.values()], axis=1).min(axis=1)
        reason = reason.mask(reason.eq("") & (n > 0) & smaller.lt(k), "split")
    for floor in floors or []:  # one-sided: only the companies counted must reach k (pooled too)
        below = pd.to_numeric(out[floor], errors="coerce")
        reason = reason.mask(reason.eq("") & (n > 0) & below.lt(k), "split")
        sides[floor] = (below, pd.Series(np.inf, index=out.index), False)
    edges = out[extremes].apply(lambda s: pd.to_numeric(s, errors="coerce")) if extremes else None
    if edges is not None:
        reason = reason.mask(reason.eq("") & edges.isin([0.0, 1.0]).any(axis=1), "uniform")
    if "segment" in out.columns and not (completed and multi_counted(out)):
        reason = complementary_suppression(out, reason, n, k, group, total, edges, sides)
    if "mean" in out.columns:
        out[BAND_COLUMN] = band_codes(out, reason, n, k, sides, floors or []).to_numpy()
    out[HIDDEN_COUNT] = n.to_numpy()
    for column, working in HIDDEN_COUNTS.items():
        if column in out.columns:
            out[working] = pd.to_numeric(out[column], errors="coerce").to_numpy()
    out["suppressed"] = reason.to_numpy()
    out["uniform"] = reason.eq("uniform").to_numpy()
    hidden = reason.ne("").to_numpy()
    if stats:
        out.loc[hidden, stats] = np.nan
    out[n_col] = pd.to_numeric(out[n_col], errors="coerce").astype(float).where(~hidden)
    out = blank_part_counts(out, k, part_counts)
    for q in QUANTILE_TAILS:  # a quantile speaks for the companies beyond it: k of them at least
        if q in out.columns:
            out[q] = out[q].where(quantile_shown(q, n, k))
    return out


def multi_counted(table: pd.DataFrame) -> bool:
    """Whether ``table``'s segmentation counts a company in each of its values (power business types: a company
    holding several licences), as :func:`pipeline.scoring.segments.segment_stats` flags it: its segments do not
    add up to its total, so the total less the published segments gives no hidden segment's value."""
    if "multi_counted" not in table.columns:
        return False
    return bool(table["multi_counted"].astype(str).str.lower().eq("true").any())


def protect_distribution(counts: list[int] | tuple[int, ...], k: int | None = None) -> tuple[tuple[str, ...], str]:
    """Which categories of one group's distribution a reader may see, by the rules of :func:`protect`.

    A distribution (companies per category, the categories adding up to the group, whose total is shown
    beside them) is one published table: each category a share of the group, split in two (in it / not) —
    so a category of 1 to k − 1 companies, of none (0 %: a statement about every company) or of all but
    fewer than k is hidden (primary, uniform, split) — and the group's total published, so the hidden
    categories together must hold k companies and keep their width (complementary: more are hidden,
    smallest first). This is the protection of a published table's cells within its total, applied to the
    one group, not a rule of its own.

    Returns
    -------
    Per category '' (shown) or why hidden, and '' or why the group's total itself must go (every category
    hidden and still fewer than k in all).
    """
    total = int(sum(counts))
    labels = [str(i) for i in range(len(counts))]
    share = [c / total if total else np.nan for c in counts]
    table = pd.DataFrame({"segment": [*labels, ALL], "n": [*counts, total], "share": [*share, np.nan],
                          "whole": total})
    out = protect(table, k=k, n_col="n", stat_columns=["share"], uniform_columns=["share"],
                  splits={"share": "whole"}, count_splits={}, part_counts={})
    reasons = out["suppressed"].astype(str).tolist()
    return tuple(reasons[:-1]), reasons[-1]


Sides = dict[str, tuple[pd.Series, pd.Series, bool]]


def respondent_counts(table: pd.DataFrame, k: int | None = None, group: list[str] | None = None,
                      n_col: str = "n", total: str = ALL) -> pd.Series:
    """The respondents per cell as every table may publish them: hidden only by the count's own rules
    (primary below k, and complementary cells so that a hidden count cannot be got back from the total).

    A row hidden for a statistic's split (e.g. 1–4 respondents off the member list, 1–4 members who did
    not answer) keeps its count of respondents: the count is published beside the scores anyway, and the
    split's small side is protected by hiding the statistics that carry it (docs/method.md §11)."""
    counts = table[[c for c in [*(group or []), "segment", n_col] if c in table.columns]].copy()
    shown = protect(counts, k=k, group=group, n_col=n_col, stat_columns=[], total=total, uniform_columns=[],
                    splits={}, count_splits={}, part_counts={})
    return shown[n_col]


def band_codes(table: pd.DataFrame, reason: pd.Series, n: pd.Series, k: int, sides: Sides,
               floors: list[str]) -> pd.Series:
    """Per cell, the band its mean may be published as ('high', 'low' or ''): hidden as 'split' with at
    least k companies, and every small side of every split is the side off the top (for 'high', mean at
    least 1 − BAND_EDGE) or off the bottom (for 'low', mean below BAND_EDGE).

    Such a cell is hidden only because 1–4 companies fall short of the rest; "90% or more" then says what
    the group is like without pinning them (completion checks that it pins nobody through the relations).
    A cell hidden as primary (n < k) or as complementary never gets a band."""
    mean = pd.to_numeric(table["mean"], errors="coerce")
    high_ok = mean.ge(BANDS["high"][0])
    low_ok = mean.lt(BANDS["low"][1])
    for name, (top, rest, rest_may_be_empty) in sides.items():
        if name in floors:
            continue
        if rest_may_be_empty:  # a count split (on the roster / applicable) has no top or bottom: it must hold
            small = _smallest_side(top, rest, True).lt(k)
            high_ok &= ~small
            low_ok &= ~small
            continue
        high_ok &= ~top.lt(k)  # the reached side is large; only the side below may be small
        low_ok &= ~rest.lt(k)
    for floor in floors:  # "_below_top" counts off the top, anything else ("_above_zero") off the bottom
        count = pd.to_numeric(table[floor], errors="coerce")
        if "top" in floor:
            low_ok &= ~count.lt(k)
        else:
            high_ok &= ~count.lt(k)
    eligible = reason.eq("split") & n.ge(k)
    return pd.Series(np.where(eligible & high_ok, "high", np.where(eligible & low_ok, "low", "")),
                     index=table.index, dtype=object)


def small_part_counts(table: pd.DataFrame, k: int, part_counts: dict[str, str] | None = None
                      ) -> dict[str, pd.Series]:
    """For each part count the table carries, True where it is shown but it or the rest of its whole holds
    fewer than k companies (0 included: "none unanswered" is a statement about every company)."""
    out = {}
    for part_col, whole_col in (PART_COUNTS if part_counts is None else part_counts).items():
        if part_col in table.columns and whole_col in table.columns:
            part = pd.to_numeric(table[part_col], errors="coerce")
            rest = pd.to_numeric(table[whole_col], errors="coerce") - part
            out[part_col] = part.notna() & ((part < k) | ~(rest >= k))
    return out


def blank_part_counts(table: pd.DataFrame, k: int, part_counts: dict[str, str] | None = None) -> pd.DataFrame:
    """The table with every part count that :func:`small_part_counts` flags blanked (NaN), the rest kept."""
    out = table.copy()
    for column, few in small_part_counts(out, k, part_counts).items():
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float).mask(few)
    return out


def split_sides(table: pd.DataFrame, n_col: str, splits: dict[str, str | None] | None = None,
                count_splits: dict[str, str] | None = None) -> Sides:
    """For each split the table publishes, the companies on either side of it per cell (NaN where the
    share is not assessed) and whether the second side may be empty: a share times its denominator and
    the rest (both ≥ k), or a count and the rest of its whole (the rest 0 or ≥ k)."""
    out: Sides = {}
    for share, base in (SPLITS if splits is None else splits).items():
        base = base or n_col
        if share in table.columns and base in table.columns:
            whole = pd.to_numeric(table[base], errors="coerce")
            part = (pd.to_numeric(table[share], errors="coerce") * whole).round()
            out[share] = (part, whole - part, False)
    for part_col, whole_col in (COUNT_SPLITS if count_splits is None else count_splits).items():
        if part_col in table.columns and whole_col in table.columns:
            part = pd.to_numeric(table[part_col], errors="coerce")
            out[part_col] = (part, pd.to_numeric(table[whole_col], errors="coerce") - part, True)
    if splits is None and all(c in table.columns for c in (*ANSWER_SPLIT, n_col)):
        out[ANSWER_SPLIT[0]] = answer_sides(table, n_col)
    return out


def answer_sides(table: pd.DataFrame, n_col: str) -> tuple[pd.Series, pd.Series, bool]:
    """The answers not implemented split into partial (half a point each) and none, from what an item row publishes:
    partial = 2 · n · (mean points − share implemented), none = n − implemented − partial. Each may be 0 (a side
    that is not there says nothing a form without the answer does not), else it must hold k: as (the smaller
    side present, the other or 0, the rest may be empty)."""
    n = pd.to_numeric(table[n_col], errors="coerce")
    share = pd.to_numeric(table[ANSWER_SPLIT[1]], errors="coerce")
    partial = (2 * n * (pd.to_numeric(table[ANSWER_SPLIT[0]], errors="coerce") - share)).round()
    none = (n - (share * n).round() - partial).round()
    one = partial.eq(0) | none.eq(0)
    first = pd.concat([partial, none], axis=1).min(axis=1, skipna=False).mask(one, partial + none)
    second = pd.concat([partial, none], axis=1).max(axis=1, skipna=False).mask(one, 0.0)
    return first, second, True


def _smallest_side(a: pd.Series, b: pd.Series, rest_may_be_empty: bool) -> pd.Series:
    """:func:`_fewer` for every row of a table's two sides."""
    return pd.Series(_fewer(a.to_numpy(dtype=float, na_value=np.nan), b.to_numpy(dtype=float, na_value=np.nan),
                            rest_may_be_empty), index=a.index)


def _fewer(a: np.ndarray | float, b: np.ndarray | float, rest_may_be_empty: bool) -> np.ndarray | float:
    """The fewer companies of a split's two sides, numbers or arrays (an empty rest that may be empty counts as no
    side; a side not known is passed over)."""
    if rest_may_be_empty:
        b = np.where(np.equal(b, 0), np.inf, b)
    return np.fmin(a, b)


def fewest_companies(positions: np.ndarray, counts: np.ndarray, names: np.ndarray) -> int:
    """The position (of ``positions``) of the cell with the fewest companies, then the first by name: the cell hidden
    next where one more must be. A cell whose count is not known comes last."""
    return min(positions, key=lambda i: (counts[i] != counts[i], counts[i] if counts[i] == counts[i] else 0.0,
                                         str(names[i])))


def complementary_suppression(table: pd.DataFrame, reason: pd.Series, n: pd.Series, k: int, group: list[str],
                              total: str, edges: pd.DataFrame | None = None,
                              sides: Sides | None = None) -> pd.Series:
    """Hide the smallest other cells of a group until its hidden cells hold 0 or ≥ k companies, hold at
    least k on each side of every split, and do not all share one extreme outcome (the total minus the
    published cells gives their pooled value: a lone uniform cell of 159 companies would come back as
    exactly 0%, and a cell of 10 beside one of 125 as "31 reached")."""
    # every column read as an array in the table's row order once; a group reads its rows by position
    rows = table.index
    status = _by_row(reason, rows).astype(object)
    counts = _by_row(n, rows).astype(float)
    names = table["segment"].to_numpy(dtype=object)
    is_total = names == total
    extremes = [_by_row(edges[c], rows).astype(float) for c in edges.columns] if edges is not None else []
    split_sides_ = [(_by_row(a, rows).astype(float), _by_row(b, rows).astype(float), empty)
                    for a, b, empty in (sides or {}).values()]
    changed = []
    keys = [table[c] for c in group] if group else [pd.Series(0, index=rows)]
    by = keys if len(keys) > 1 else keys[0]  # one key: grouped by the Series itself (pandas warns on a list of one)
    for idx in table.groupby(by, observed=True, dropna=False).indices.values():
        totals, cells = idx[is_total[idx]], idx[~is_total[idx]]
        # a group none of whose segment cells is hidden has nothing to pool; without a published total nothing to
        # difference against
        if not (status[cells] != "").any() or len(totals) == 0 or (status[totals] != "").all():
            continue
        while True:
            hidden = cells[status[cells] != ""]
            if len(hidden) == 0 or (np.nansum(counts[hidden]) >= k and not _pooled_extreme(extremes, hidden)
                                    and not _pooled_split(split_sides_, hidden, k) and _wide(counts[hidden])):
                break
            visible = cells[status[cells] == ""]
            if len(visible) == 0:  # every cell hidden and still < k: the total itself would reveal them
                for t in totals:
                    if not status[t]:
                        status[t] = "complementary"
                        changed.append(t)
                break
            pick = fewest_companies(visible, counts, names)
            status[pick] = "complementary"
            changed.append(pick)
    out = reason.copy()
    if changed:
        out.loc[rows[changed]] = "complementary"
    return out


def _by_row(values: pd.Series, rows: pd.Index) -> np.ndarray:
    """``values`` as an array in the order of ``rows`` (their labels)."""
    return values.to_numpy() if values.index.equals(rows) else values.loc[rows].to_numpy()


def _wide(counts: np.ndarray) -> bool:
    """Whether every hidden cell of a group keeps an interval of MIN_WIDTH: the total fixes the count-weighted
    sum of the hidden cells, so cell c ranges over (Σ other hidden n) / n_c of the scale — a cell of 159
    hidden beside one of 3 would be pinned to within 0.02."""
    return len(counts) < 2 or np.nansum(counts) - np.nanmax(counts) >= MIN_WIDTH * np.nanmax(counts)


def _pooled_split(sides: list[tuple[np.ndarray, np.ndarray, bool]], hidden: np.ndarray, k: int) -> bool:
    """Whether the hidden cells (positions), pooled, hold fewer than k companies on one side of some split."""
    for a, b, rest_may_be_empty in sides:
        pa, pb = a[hidden], b[hidden]
        pa, pb = pa[~np.isnan(pa)], pb[~np.isnan(pb)]
        if len(pa) and _fewer(pa.sum(), pb.sum(), rest_may_be_empty) < k:
            return True
    return False


def _pooled_extreme(edges: list[np.ndarray], hidden: np.ndarray) -> bool:
    """Whether the hidden cells (positions), pooled, would show 0% or 100% on some share or mean: true exactly when
    every hidden cell with a value sits at the same extreme (values lie in [0, 1])."""
    for column in edges:
        values = column[hidden]
        values = values[~np.isnan(values)]
        if len(values) and ((values == 0.0).all() or (values == 1.0).all()):
            return True
    return False
