"""Disclosure control, in one place, for every aggregate that leaves the package.

- Primary suppression: a cell with fewer than k respondents shows no statistic.
- Complementary suppression: in any group whose total is published, a lone suppressed cell could
  be recovered from the total and the others, so the next smallest cell is suppressed as well.
- A segment in which everyone gave the same answer (share 0 or 1) is flagged: publishing it
  discloses each member's answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.scoring.segments import ALL

STAT_COLUMNS = ["mean", "sd", "share_reached", "ci_low", "ci_high", "na_share", "reached", "response_rate",
                "n_scored"]


def protect(table: pd.DataFrame, k: int | None = None, group: list[str] | None = None,
            n_col: str = "n", stat_columns: list[str] | None = None) -> pd.DataFrame:
    """Apply primary and complementary suppression and the uniformity flag; returns a new table.

    ``group`` names the columns that define one published table with its total ('全体' segment);
    defaults to every column before ``segment`` that exists among sector, year, framework, node_id.
    Adds ``suppressed`` ('', 'primary', 'complementary') and ``uniform`` (bool); suppressed cells
    lose their statistics and their n (shown as '<k' by reports).
    """
    k = catalogs.scoring_rules()["min_cell"] if k is None else k
    group = group or [c for c in ("sector", "year", "framework", "node_id") if c in table.columns]
    stats = [c for c in (stat_columns or STAT_COLUMNS) if c in table.columns]
    out = table.copy()
    out["suppressed"] = np.where(out[n_col] < k, "primary", "")
    for _, idx in out.groupby(group, observed=True).groups.items():
        block = out.loc[idx]
        cells = block[block["segment"].ne(ALL)] if "segment" in block else block
        has_total = "segment" in block and block["segment"].eq(ALL).any()
        primary = cells["suppressed"].eq("primary")
        if has_total and primary.sum() == 1:
            others = cells[~primary].sort_values(n_col)
            if len(others):
                out.loc[others.index[0], "suppressed"] = "complementary"
    share = out["share_reached"] if "share_reached" in out else pd.Series(np.nan, index=out.index)
    out["uniform"] = share.isin([0.0, 1.0]) & out["suppressed"].eq("")
    hidden = out["suppressed"].ne("")
    out.loc[hidden, stats] = np.nan
    out[n_col] = out[n_col].astype(float).where(~hidden)
    return out
