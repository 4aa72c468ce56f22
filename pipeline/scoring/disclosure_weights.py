"""Disclosure control a table needs once it publishes the members' estimates beside the respondents'.

Run after :func:`pipeline.scoring.disclosure.protect`, on tables with ``w_mean`` or ``w_share_reached``.
A total published both ways gives two equations in the hidden cells' values (weights: the respondents per
segment, and the members per segment that the response-rate table publishes): two hidden cells would be
solved. So where a group of cells has exactly two hidden ones, a published total and a members' value published
in it, the smallest published cell is hidden too ('complementary'); with none left, the total is hidden. The audit's
counterpart is :func:`pipeline.publish.audit_weights.two_totals`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.scoring.disclosure import HIDDEN_COUNT, STAT_COLUMNS, count_column, fewest_companies
from pipeline.scoring.segments import ALL

WEIGHTED = ("w_mean", "w_share_reached")


def hide_for_two_totals(table: pd.DataFrame, group: list[str] | None = None, total: str = ALL) -> pd.DataFrame:
    """A protected table with a third cell hidden wherever two hidden cells would be solved by its two totals."""
    if "segment" not in table or not any(c in table for c in WEIGHTED):
        return table
    out = table.copy()
    n_col = count_column(out)
    group = group or [c for c in ("sector", "year", "framework", "node_id") if c in out.columns]
    stats = [c for c in STAT_COLUMNS if c in out.columns and c != n_col]
    # every column read as an array once; only a group with exactly two hidden segment cells is read further. A group
    # changes only its own rows, so what is read here before the loop holds for every group not yet visited
    shown = out["suppressed"].eq("").to_numpy()
    names = out["segment"].to_numpy(dtype=object)
    is_total = names == total
    behind = (pd.to_numeric(out[HIDDEN_COUNT], errors="coerce").to_numpy(dtype=float) if HIDDEN_COUNT in out
              else np.full(len(out), np.nan))
    members = _members_published_by_row(out)
    targets = []
    for idx in out.groupby(group, observed=True, dropna=False).indices.values():
        totals, cells = idx[is_total[idx]], idx[~is_total[idx]]
        if (~shown[cells]).sum() != 2 or len(totals) == 0 or not shown[totals].any() or not members[idx].any():
            continue
        visible = cells[shown[cells]]
        if len(visible):
            targets.append(fewest_companies(visible, behind, names))
        else:
            targets.extend(totals)
    if targets:
        rows = out.index[targets]
        out.loc[rows, "suppressed"] = "complementary"
        out.loc[rows, stats] = np.nan
        out.loc[rows, n_col] = np.nan
    return out


def _members_published_by_row(table: pd.DataFrame) -> np.ndarray:
    """Per row, whether it publishes a members' value: a group of cells without one anywhere has no second total (a
    segmentation across the weighting cells withholds every members' value, power business types and the
    automotive industries: docs/method.md §12.4a round four), and two hidden cells are no more exposed than the
    count rules and the interval solver already see."""
    values = table[[c for c in WEIGHTED if c in table]].apply(pd.to_numeric, errors="coerce")
    return values.notna().to_numpy().any(axis=1)


# The total's members' estimate and everything computed from it (interval, effective n, design effect, change)
TOTAL_ESTIMATES = ("w_mean", "w_mean_ci_low", "w_mean_ci_high", "w_share_reached", "w_ci_low", "w_ci_high",
                   "n_eff", "deff", "w_share_implemented", "w_change")


def name_withheld(frame: pd.DataFrame, mask: pd.Series, column: str,
                  withheld_col: str = "_withheld") -> pd.DataFrame:
    """``frame`` with ``column`` named in the row's ``withheld_col`` where ``mask`` holds, the value left as it is:
    a blank there reads x (withheld), not '—' (not assessed)."""
    if not mask.any():
        return frame
    out = frame.copy()
    own = out[withheld_col].fillna("").astype(str) if withheld_col in out else pd.Series("", index=out.index)
    out[withheld_col] = own.where(~mask, (own + f" {column}").str.strip())
    return out


def withhold_cells(frame: pd.DataFrame, mask: pd.Series, columns: list[str],
                   withheld_col: str = "_withheld") -> pd.DataFrame:
    """``frame`` with each of ``columns`` blanked where ``mask`` holds a value, and named in the row's
    ``withheld_col`` (:func:`name_withheld`)."""
    out = frame.copy()
    for c in columns:
        hit = mask & out[c].notna()
        if hit.any():
            out = name_withheld(out, hit, c, withheld_col)
            out.loc[hit, c] = np.nan
    return out


def withhold_total_estimates(table: pd.DataFrame, withheld_years: set[tuple[str, int]] | None = None,
                             group: list[str] | None = None, total: str = ALL,
                             withheld_col: str = "_withheld") -> pd.DataFrame:
    """The table with the total row's members' estimates withheld wherever they would solve a hidden cell.

    A total published both ways is one equation more than the respondents' tables give: with each segment's
    weight per respondent (members ÷ respondents on the roster) it reads Σ n_s·w_s·(x_s − w_total) = 0. Where a
    segment of the row group is hidden, that equation, with the respondents' total, pins the hidden segments'
    counts and means (docs/method.md §12, "The members' total beside hidden segments"); where the response table
    withholds a row of the year (its members or its on-roster respondents), the many totals of the year, each
    one such equation, solve the withheld segments' weights, so the row's members and respondents. So in either
    case the total's members' estimate (:data:`TOTAL_ESTIMATES`) is withheld in the group: blank, and named in
    ``withheld_col`` so it reads x, not "not assessed".

    ``withheld_years``: (sector, year) whose response table withholds any row. Tables without members'
    estimates or without segments are returned unchanged.
    """
    cols = [c for c in TOTAL_ESTIMATES if c in table]
    if "segment" not in table or not any(c in table for c in WEIGHTED) or not cols:
        return table
    out = table.copy()
    group = group or [c for c in ("sector", "year", "framework", "node_id") if c in out.columns]
    hidden = out["suppressed"].fillna("").astype(str).ne("") if "suppressed" in out else pd.Series(False, out.index)
    is_total = out["segment"].astype(str).eq(total)
    years = {(str(s), int(y)) for s, y in (withheld_years or set())}
    shut = pd.Series(False, index=out.index)
    for _, idx in out.groupby(group, observed=True, dropna=False).groups.items():
        totals = idx[is_total.loc[idx].to_numpy()]
        if len(totals) == 0:
            continue
        first = out.loc[idx[0]]
        year_withheld = "sector" in out and "year" in out and (str(first["sector"]), int(first["year"])) in years
        if hidden.loc[idx[~is_total.loc[idx].to_numpy()]].any() or year_withheld:
            shut.loc[totals] = ~hidden.loc[totals]
    if not shut.any():
        return out
    return withhold_cells(out, shut, cols, withheld_col)


def withhold_year_estimates(table: pd.DataFrame, withheld_years: set[tuple[str, int]] | None,
                            withheld_col: str = "_withheld") -> pd.DataFrame:
    """A table whose every row is a sector total (the items) with its members' estimates withheld in the years
    whose response table withholds a row: each such share is one more equation Σ_s W_s·I_s = w·Σ_s W_s·A_s in
    the segments' weights, and with an item's segment rows published elsewhere (a ★ requirement citing that one
    item, by segment) it gives back the withheld rows' members and the hidden segments' counts
    (docs/method.md §12.4a)."""
    cols = [c for c in TOTAL_ESTIMATES if c in table]
    years = {(str(s), int(y)) for s, y in (withheld_years or set())}
    if not cols or not years or not {"sector", "year"} <= set(table.columns):
        return table
    shut = pd.Series([(str(s), int(y)) in years for s, y in zip(table["sector"], table["year"], strict=True)],
                     index=table.index)
    return withhold_cells(table, shut, cols, withheld_col)


def withhold_shared_totals(frames: list[pd.DataFrame], withheld_years: set[tuple[str, int]] | None = None,
                           total: str = ALL, withheld_col: str = "_withheld") -> list[pd.DataFrame]:
    """:func:`withhold_total_estimates` over tables that publish the same total rows (a sector's breakdowns: the
    total by size band is the total by industry), run after completion hid more segments: a total's members'
    estimates withheld in one are withheld in all, or the other would publish the value this one withholds."""
    out = [withhold_total_estimates(f, withheld_years, total=total, withheld_col=withheld_col) for f in frames]
    keys = ["sector", "year", "framework", "node_id"]
    shut: set[tuple] = set()
    for f in out:
        if withheld_col not in f or "segment" not in f or not all(c in f for c in keys):
            continue
        marked = f[withheld_col].fillna("").astype(str).str.split().map(lambda c: any(x in TOTAL_ESTIMATES for x in c))
        rows = f[marked & f["segment"].astype(str).eq(total)]
        shut |= {tuple(str(v) for v in r) for r in rows[keys].itertuples(index=False)}
    if not shut:
        return out
    done = []
    for f in out:
        cols = [c for c in TOTAL_ESTIMATES if c in f]
        if not cols or "segment" not in f or not all(c in f for c in keys):
            done.append(f)
            continue
        hit = f["segment"].astype(str).eq(total) & pd.Series(
            [tuple(str(v) for v in r) in shut for r in f[keys].itertuples(index=False)], index=f.index)
        done.append(withhold_cells(f, hit, cols, withheld_col))
    return done


def withhold_shares_beneath(items: pd.DataFrame, nodes: list[pd.DataFrame], beneath: pd.DataFrame,
                            total: str = ALL, withheld_col: str = "_withheld") -> pd.DataFrame:
    """The items' table with an item's members' share withheld in every year where a node it lies under does not
    publish its members' total in any of ``nodes`` (withheld, its row hidden, or a breakdown that is not the
    weighting cells and publishes the respondents only: a report by industry).

    A node's members' mean is, up to its companies' items not applicable, the item-weighted mean of its items'
    members' shares: whole percents averaged over 17 items give a withheld function total back within ±0.005, and
    beside the published segments it solves the hidden ones (docs/method.md §12.4a, "The items beneath a withheld
    total"). Every item of such a node is withheld, not only enough to widen the mean: one item's share of 17
    left free moves the mean by 1/17, narrower than a hidden segment needs.

    ``nodes``: the protected node tables (functions, categories, …); ``beneath``: (year, item_id, node_id) for
    every node an item lies under (:func:`pipeline.report.tables.node_items`).
    """
    cols = [c for c in TOTAL_ESTIMATES if c in items]
    if not cols or beneath.empty or not {"year", "item_id"} <= set(items.columns):
        return items
    shut: set[tuple[int, str]] = set()  # (year, node_id) of every node total the tables show
    shown: set[tuple[int, str]] = set()  # … and of those publishing their members' mean in some table
    for frame in nodes:
        if not {"segment", "year", "node_id"} <= set(frame.columns):
            continue
        totals = frame[frame["segment"].astype(str).eq(total)]
        shut |= {(int(y), str(n)) for y, n in zip(totals["year"], totals["node_id"], strict=True)}
        if "w_mean" in totals:
            totals = totals[totals["w_mean"].notna()]
            shown |= {(int(y), str(n)) for y, n in zip(totals["year"], totals["node_id"], strict=True)}
    shut -= shown
    if not shut:
        return items
    under = beneath[[(int(y), str(n)) in shut for y, n in zip(beneath["year"], beneath["node_id"], strict=True)]]
    hit_keys = {(int(y), str(i)) for y, i in zip(under["year"], under["item_id"], strict=True)}
    hit = pd.Series([(int(y), str(i)) in hit_keys for y, i in zip(items["year"], items["item_id"], strict=True)],
                    index=items.index)
    return withhold_cells(items, hit, cols, withheld_col)
