"""Year-over-year change of the same companies (the panel present in both years): paired change.

Changes of repeated cross-sections (all respondents each year) are derived after protection from
published values (``pipeline.report.tables.with_change``), and item movers from the published per-item
shares (``pipeline.report.tables.movers``), so no change ever rests on a hidden value.

Comparability: which items compare between two template versions is data (catalogs/comparability,
written by ``sdw instrument import`` and editable). Item comparisons between years answered on different
versions keep only comparable items (``pipeline.report.tables.incomparable_items``, used by the movers);
the shipped automotive v2.0–v2.3 mappings keep every item, since the real item changes are not public.
Power scores on CSF 2.0 come from the same CSF 1.1 items through one fixed crosswalk.
"""

from __future__ import annotations

import pandas as pd

from pipeline.scoring.segments import attach_segment


def panel_change(scores: pd.DataFrame, respondents: pd.DataFrame, framework: str, year_from: int, year_to: int,
                 by: str | None = None) -> pd.DataFrame:
    """Paired change for companies scored in both years (same respondent_key): n pairs, mean change,
    share improved / worsened. Segments come from the later year's attributes."""
    sel = scores[scores["framework"].eq(framework) & scores["year"].isin([year_from, year_to])]
    wide = sel.pivot_table(index=["sector", "respondent_key", "node_id"], columns="year", values="score",
                           aggfunc="first").dropna()
    if year_from not in wide or year_to not in wide:
        return pd.DataFrame(columns=["sector", "node_id", "segment", "n", "mean_change", "share_improved",
                                     "share_worsened"])
    pairs = (wide[year_to] - wide[year_from]).rename("change").reset_index()
    pairs = pairs.assign(year=year_to, framework=framework)
    data = attach_segment(pairs, respondents, by)
    out = (data.groupby(["sector", "node_id", "segment"], observed=True)
           .agg(n=("respondent_key", "nunique"), mean_change=("change", "mean"),
                improved=("change", lambda c: (c > 0).sum()), worsened=("change", lambda c: (c < 0).sum()))
           .reset_index())
    out["share_improved"] = out["improved"] / out["n"]
    out["share_worsened"] = out["worsened"] / out["n"]
    out["year_from"], out["year_to"] = year_from, year_to
    return out.drop(columns=["improved", "worsened"])
