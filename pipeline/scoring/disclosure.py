"""Disclosure control, in one place, for every aggregate that leaves the package.

Rules (k is ``min_cell`` in catalogs/scoring.yaml; docs/method.md §5 "Disclosure control"):

- **Primary**: a cell whose statistic rests on fewer than k companies — counted as the companies *with
  a score* for that node or item (``n_scored``), not the companies in the segment — shows no statistic.
- **Uniform**: a segment in which every company has the same outcome (a share or mean of exactly 0 or
  1) is never published as an exact 0% / 100%: it is hidden like a small cell. A cell with no company
  behind it is *not assessed* (shown "—"), not hidden.
- **Complementary**: where a table publishes a total, the hidden cells of a group together hold at
  least k companies (or none) and do not all share one extreme outcome, for any number of hidden
  cells; more cells are hidden, smallest first, until they do.
- **Quantiles**: a quantile q is published only when min(q, 1 − q) of the cell's companies are at least
  k (p10/p90 from 50 companies, p25/p75 from 20, the median from 10 at k = 5): with fewer, the quantiles
  and the mean together pin down individual scores.

A multi-valued segment (a power company with several licences counts in each business type) is
treated the same way, although its cells do not add up to the total: differencing then recovers less
than it seems, and suppressing as if it did is the safe side.

Derived columns (year-on-year changes) are computed *after* protection from protected values (see
``pipeline.report.tables``), so a change is published only when both years are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.scoring.segments import ALL

STAT_COLUMNS = ["mean", "sd", "mean_ci_low", "mean_ci_high", "share_reached", "ci_low", "ci_high", "na_share",
                "reached", "response_rate", "p10", "p25", "p50", "p75", "p90", "change", "mean_change",
                "share_improved", "share_worsened", "share_from", "share_to", "done", "applicable", "roster_n",
                "share_implemented", "n_implemented", "n_on_roster"]
UNIFORM_COLUMNS = ["mean", "share_reached", "share_improved", "share_worsened", "share_from", "share_to",
                   "share_implemented"]
HIDDEN_COUNT = "_n_behind"  # the true count behind each cell, for the audit log only: never published
REASONS = ("primary", "complementary", "uniform")
# Quantile → the share of companies beyond it; p10 is published only when 10% of the cell is ≥ k companies
# (n ≥ 50 at k = 5), so no quantile pins down the score of fewer than k companies.
QUANTILE_TAILS = {"p10": 0.10, "p25": 0.25, "p50": 0.50, "p75": 0.25, "p90": 0.10}


def count_column(table: pd.DataFrame) -> str:
    """The count behind a table's statistics: companies with a score (``n_scored``) where the table has it."""
    return "n_scored" if "n_scored" in table.columns else "n"


def protect(table: pd.DataFrame, k: int | None = None, group: list[str] | None = None,
            n_col: str | None = None, stat_columns: list[str] | None = None, total: str = ALL,
            uniform_columns: list[str] | None = None) -> pd.DataFrame:
    """Primary, uniform and complementary suppression; returns a new table.

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

    Returns
    -------
    The table with ``suppressed`` ('' or the reason), ``uniform`` (bool, the cell was hidden for it),
    statistics set to NaN in hidden cells and the count of hidden cells set to NaN (shown as "<k"), and
    ``_n_behind``, the true count, which the publisher moves into the audit log and never publishes.
    """
    k = catalogs.scoring_rules()["min_cell"] if k is None else k
    n_col = n_col or count_column(table)
    group = group or [c for c in ("sector", "year", "framework", "node_id") if c in table.columns]
    stats = [c for c in (stat_columns or STAT_COLUMNS) if c in table.columns and c != n_col]
    extremes = [c for c in (uniform_columns if uniform_columns is not None else UNIFORM_COLUMNS)
                if c in table.columns]
    out = table.copy()
    n = pd.to_numeric(out[n_col], errors="coerce").fillna(0)
    # no company behind the cell: nothing to protect, the cell is "not assessed" (—), not hidden
    reason = pd.Series(np.where((n > 0) & (n < k), "primary", ""), index=out.index, dtype=object)
    edges = out[extremes].apply(lambda s: pd.to_numeric(s, errors="coerce")) if extremes else None
    if edges is not None:
        reason = reason.mask(reason.eq("") & edges.isin([0.0, 1.0]).any(axis=1), "uniform")
    if "segment" in out.columns:
        reason = _complementary(out, reason, n, k, group, total, edges)
    out[HIDDEN_COUNT] = n.to_numpy()
    out["suppressed"] = reason.to_numpy()
    out["uniform"] = reason.eq("uniform").to_numpy()
    hidden = reason.ne("").to_numpy()
    if stats:
        out.loc[hidden, stats] = np.nan
    out[n_col] = pd.to_numeric(out[n_col], errors="coerce").astype(float).where(~hidden)
    for q, tail in QUANTILE_TAILS.items():  # a quantile speaks for the companies beyond it: k of them at least
        if q in out.columns:
            out[q] = out[q].where(n * tail >= k)
    return out


def _complementary(table: pd.DataFrame, reason: pd.Series, n: pd.Series, k: int, group: list[str],
                   total: str, edges: pd.DataFrame | None = None) -> pd.Series:
    """Hide the smallest other cells of a group until its hidden cells hold 0 or ≥ k companies and do not
    all share one extreme outcome (the total minus the published cells gives their pooled value: a
    lone uniform cell of 159 companies would come back as exactly 0%)."""
    reason = reason.copy()
    keys = [table[c] for c in group] if group else [pd.Series(0, index=table.index)]
    for _, idx in table.groupby(keys, observed=True, dropna=False).groups.items():
        segment = table.loc[idx, "segment"]
        if not segment.eq(total).any() or reason.loc[segment.index[segment.eq(total)]].ne("").all():
            continue  # no published total: nothing to difference against
        cells = segment.index[segment.ne(total)]
        while True:
            hidden = cells[reason.loc[cells].ne("").to_numpy()]
            held = n.loc[hidden].sum()
            if len(hidden) == 0 or (held >= k and not _pooled_extreme(edges, hidden)):
                break
            visible = cells[reason.loc[cells].eq("").to_numpy()]
            if len(visible) == 0:  # every cell hidden and still < k: the total itself would reveal them
                for t in segment.index[segment.eq(total)]:
                    reason.loc[t] = reason.loc[t] or "complementary"
                break
            order = pd.DataFrame({"n": n.loc[visible], "segment": segment.loc[visible].astype(str)})
            reason.loc[order.sort_values(["n", "segment"]).index[0]] = "complementary"
    return reason


def _pooled_extreme(edges: pd.DataFrame | None, hidden: pd.Index) -> bool:
    """Whether the hidden cells, pooled, would show 0% or 100% on some share or mean: true exactly when
    every hidden cell with a value sits at the same extreme (values lie in [0, 1])."""
    if edges is None:
        return False
    for column in edges.columns:
        values = edges.loc[hidden, column].dropna()
        if len(values) and (values.eq(0.0).all() or values.eq(1.0).all()):
            return True
    return False
