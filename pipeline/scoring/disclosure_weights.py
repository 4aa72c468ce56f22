"""Disclosure control a table needs once it publishes the members' estimates beside the respondents'.

Run after :func:`pipeline.scoring.disclosure.protect`, on tables with ``w_mean`` or ``w_share_reached``.
A total published both ways gives two equations in the hidden cells' values (weights: the respondents per
segment, and the members per segment that the response-rate table publishes): two hidden cells would be
solved. So where a group of cells has exactly two hidden ones and a published total, the smallest
published cell is hidden too ('complementary'); with none left, the total is hidden. The audit's
counterpart is :func:`pipeline.publish.audit_weights.two_totals`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.scoring.disclosure import HIDDEN_COUNT, STAT_COLUMNS, count_column
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
    for _, idx in out.groupby(group, observed=True, dropna=False).groups.items():
        seg = out.loc[idx, "segment"]
        totals = seg.index[seg.eq(total)]
        if len(totals) == 0 or out.loc[totals, "suppressed"].ne("").all():
            continue
        cells = seg.index[seg.ne(total)]
        hidden = cells[out.loc[cells, "suppressed"].ne("").to_numpy()]
        if len(hidden) != 2:
            continue
        visible = cells[out.loc[cells, "suppressed"].eq("").to_numpy()]
        if len(visible):
            order = pd.DataFrame({"n": out.loc[visible, HIDDEN_COUNT], "segment": seg.loc[visible].astype(str)})
            target = [order.sort_values(["n", "segment"]).index[0]]
        else:
            target = list(totals)
        out.loc[target, "suppressed"] = "complementary"
        out.loc[target, stats] = np.nan
        out.loc[target, n_col] = np.nan
    return out
