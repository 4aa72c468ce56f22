"""Drill-down for the interactive gap explorer: function → category → item, by segment.

Every table goes through disclosure control, so what an analyst sees on screen could be pasted
into a briefing as it is.
"""

from __future__ import annotations

import pandas as pd

from pipeline import catalogs
from pipeline.report.data import ReportData, item_texts
from pipeline.report.tables import quantiles
from pipeline.scoring.disclosure import protect
from pipeline.scoring.maps import item_map
from pipeline.scoring.segments import segment_stats
from pipeline.scoring.stats import wilson


def children(node: str | None, framework: str = "csf2") -> list[str]:
    """Child nodes in catalog order: functions under None, categories under a function, and so on."""
    nodes = catalogs.csf2() if framework == "csf2" else catalogs.csf11()
    parent = "" if node is None else node
    return nodes.loc[nodes["parent_id"].eq(parent), "node_id"].tolist()


def node_table(data: ReportData, year: int, by: str | None, nodes: list[str], framework: str = "csf2",
               k: int | None = None) -> pd.DataFrame:
    """Mean score per node and segment in one year (protected)."""
    scores = data.scores[data.scores["year"].eq(year) & data.scores["node_id"].isin(nodes)]
    return protect(segment_stats(scores, data.respondents, by, framework), k=k)


def item_gaps(data: ReportData, year: int, node: str, framework: str = "csf2", k: int | None = None) -> pd.DataFrame:
    """The instrument items that feed ``node``: implemented share (Wilson 95%) and not-applicable share."""
    links = item_map(data.sector)
    items = links.loc[links["framework"].eq(framework) & links["node_id"].eq(node), "item_id"].unique()
    r = data.responses[data.responses["year"].eq(year) & data.responses["item_id"].isin(items)]
    g = r.assign(applicable=r["answer"].ne("not_applicable"), done=r["answer"].eq("implemented"))
    t = g.groupby("item_id").agg(n=("respondent_key", "nunique"), applicable=("applicable", "sum"),
                                 done=("done", "sum")).reset_index()
    t["share_reached"] = t["done"] / t["applicable"].where(t["applicable"] > 0)
    t["ci_low"], t["ci_high"] = wilson(t["done"], t["applicable"])
    t["na_share"] = 1 - t["applicable"] / t["n"]
    t["text"] = t["item_id"].map(item_texts(data.sector))
    t = t.assign(sector=data.sector, year=year, segment="item")
    out = protect(t, k=k, group=["sector", "year"], stat_columns=["share_reached", "ci_low", "ci_high", "na_share",
                                                                  "done", "applicable"])
    return out.drop(columns="segment").sort_values("share_reached")


def node_distribution(data: ReportData, year: int, by: str | None, node: str, k: int | None = None) -> pd.DataFrame:
    """Quantiles (10–90th) of one node's scores per segment (protected; no minimum or maximum)."""
    scores = data.scores[data.scores["year"].eq(year) & data.scores["node_id"].eq(node)]
    return quantiles(scores, data.respondents, by, k)
