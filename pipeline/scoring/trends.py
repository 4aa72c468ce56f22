"""Year-over-year change on comparable nodes: repeated cross-sections and the panel of companies
present in both years (paired change), plus the items that moved most.

Comparability: automotive v2.0/v2.1/v2.2 keep item numbers and meanings (catalogs/templates), so
items and every node built from them compare across years directly; power scores on CSF 2.0 come
from the same CSF 1.1 items through one fixed crosswalk.
"""

from __future__ import annotations

import pandas as pd

from pipeline.scoring.segments import attach_segment
from pipeline.scoring.stats import wilson


def cross_section_change(scores: pd.DataFrame, respondents: pd.DataFrame, framework: str,
                         by: str | None = None) -> pd.DataFrame:
    """Mean score per year, segment and node, and its change from the previous year in the data."""
    data = attach_segment(scores[scores["framework"].eq(framework)], respondents, by)
    means = (data.groupby(["sector", "framework", "node_id", "segment", "year"], observed=True)
             .agg(n=("respondent_key", "nunique"), mean=("score", "mean")).reset_index()
             .sort_values(["sector", "framework", "node_id", "segment", "year"]))
    grp = means.groupby(["sector", "framework", "node_id", "segment"], observed=True)
    means["previous_year"] = grp["year"].shift()
    means["change"] = means["mean"] - grp["mean"].shift()
    return means


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


def item_movers(responses: pd.DataFrame, year_from: int, year_to: int, sector: str) -> pd.DataFrame:
    """Share implemented per item in two years (applicable answers only), sorted by change.

    The head of the result improved most, the tail least (or fell)."""
    r = responses[responses["sector"].eq(sector) & responses["year"].isin([year_from, year_to])
                  & responses["answer"].ne("not_applicable")]
    g = (r.assign(done=r["answer"].eq("implemented"))
         .groupby(["item_id", "year"]).agg(n=("done", "size"), done=("done", "sum")).reset_index())
    g["share"] = g["done"] / g["n"]
    wide = g.pivot_table(index="item_id", columns="year", values=["share", "n", "done"])
    out = pd.DataFrame({"item_id": wide.index,
                        "share_from": wide[("share", year_from)].to_numpy(),
                        "share_to": wide[("share", year_to)].to_numpy(),
                        "n_to": wide[("n", year_to)].to_numpy()})
    out["change"] = out["share_to"] - out["share_from"]
    out["ci_low_to"], out["ci_high_to"] = wilson(wide[("done", year_to)].to_numpy(), out["n_to"])
    return out.sort_values("change", ascending=False).reset_index(drop=True)
