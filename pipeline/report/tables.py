"""Aggregates behind each figure, every one passed through disclosure control before it is drawn.

Functions take :class:`ReportData` and plain parameters and return tidy, protected tables; the
figures module only draws them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.report.data import ReportData, item_texts
from pipeline.scoring.disclosure import protect
from pipeline.scoring.respondent import instrument_scale
from pipeline.scoring.segments import ALL, attach_segment, response_rates, segment_stats, with_segment
from pipeline.scoring.stats import wilson
from pipeline.scoring.trends import cross_section_change, item_movers, panel_change


def _k(k: int | None) -> int:
    return catalogs.scoring_rules()["min_cell"] if k is None else k


def responses_by_segment(data: ReportData, by: str, k: int | None = None) -> pd.DataFrame:
    """Respondents per segment and year, with response rates (Wilson 95%) when a roster exists."""
    if data.roster is not None and len(data.roster):
        rates = response_rates(data.roster, data.respondents, by)
        total = response_rates(data.roster, data.respondents, None)
        table = pd.concat([rates, total], ignore_index=True)
    else:
        seg = with_segment(data.respondents, by)
        table = pd.concat([seg.groupby(["sector", "year", "segment"]).size().rename("n").reset_index(),
                           data.respondents.groupby(["sector", "year"]).size().rename("n").reset_index()
                           .assign(segment=ALL)], ignore_index=True)
    return protect(table, k=_k(k), group=["sector", "year"], stat_columns=["response_rate", "ci_low", "ci_high",
                                                                            "roster_n"])


def overall_scores(data: ReportData) -> pd.DataFrame:
    """One headline score per respondent: the instrument's own rate over all applicable items."""
    scale = instrument_scale(data.responses)
    return scale.rename(columns={"implementation_rate": "score"})[["sector", "year", "respondent_key", "score"]]


def distribution(data: ReportData, by: str, k: int | None = None) -> pd.DataFrame:
    """Quantiles (10/25/50/75/90) of the headline score per segment and year: no minimum or maximum
    is shown, since with few companies those are individual answers."""
    return quantiles(overall_scores(data), data.respondents, by, k)


def quantiles(scores: pd.DataFrame, respondents: pd.DataFrame, by: str | None, k: int | None = None) -> pd.DataFrame:
    """10/25/50/75/90th percentiles and mean of ``score`` per segment (and 全体) and year, protected."""
    seg = pd.concat([attach_segment(scores, respondents, by), scores.assign(segment=ALL)], ignore_index=True)
    q = seg.groupby(["sector", "year", "segment"])["score"].describe(percentiles=[0.1, 0.25, 0.5, 0.75, 0.9])
    q = q.rename(columns={"count": "n", "10%": "p10", "25%": "p25", "50%": "p50", "75%": "p75", "90%": "p90"})
    q = q.reset_index()[["sector", "year", "segment", "n", "mean", "p10", "p25", "p50", "p75", "p90"]]
    return protect(q, k=_k(k), group=["sector", "year"], stat_columns=["mean", "p10", "p25", "p50", "p75", "p90"])


def by_node(data: ReportData, by: str | None, framework: str, level: str, year: int, k: int | None = None
            ) -> pd.DataFrame:
    """Mean score per node (function or category) and segment in one year, protected."""
    nodes = catalogs.csf2() if framework == "csf2" else catalogs.csf11()
    ids = nodes.loc[nodes["level"].eq(level), "node_id"]
    scores = data.scores[data.scores["year"].eq(year) & data.scores["node_id"].isin(ids)]
    stats = segment_stats(scores, data.respondents, by, framework)
    if by is None:
        stats = stats.assign(segment=ALL)
    out = protect(stats, k=_k(k))
    order = dict(zip(nodes["node_id"], range(len(nodes)), strict=True))
    return out.assign(order=out["node_id"].map(order)).sort_values(["order", "segment"]).drop(columns="order")


def level_reached(data: ReportData, by: str, k: int | None = None) -> pd.DataFrame:
    """Share of companies reaching Lv1+/Lv2+/Lv3+ per segment and year, Wilson 95%, protected."""
    scores = data.scores[data.scores["framework"].eq("level") & data.scores["node_id"].str.endswith("+")]
    stats = segment_stats(scores, data.respondents, by, "level", threshold=0.5)  # reached is already 0/1
    return protect(stats, k=_k(k))


def star_readiness(data: ReportData, by: str, k: int | None = None) -> tuple[pd.DataFrame, dict[str, int]]:
    """Mean share of ★3/★4 requirements met per segment and year; and how many cannot be judged."""
    scores = data.scores[data.scores["framework"].eq("star") & data.scores["node_id"].str.startswith("★")]
    stats = protect(segment_stats(scores, data.respondents, by, "star"), k=_k(k))
    first = scores.drop_duplicates("node_id").set_index("node_id")
    unjudged = {n: int(first.at[n, "n_items"] - first.at[n, "n_applicable"]) for n in first.index}
    return stats, unjudged


def weakest_items(data: ReportData, year: int, n: int = 10, k: int | None = None) -> pd.DataFrame:
    """Items with the lowest implemented share (applicable answers) in a year, with Wilson 95%."""
    r = data.responses[data.responses["year"].eq(year) & data.responses["answer"].ne("not_applicable")]
    g = r.assign(done=r["answer"].eq("implemented")).groupby("item_id")["done"].agg(["size", "sum"]).reset_index()
    g.columns = ["item_id", "n", "done"]
    g["share"] = g["done"] / g["n"]
    g["ci_low"], g["ci_high"] = wilson(g["done"], g["n"])
    g["text"] = g["item_id"].map(item_texts(data.sector))
    out = g.sort_values(["share", "item_id"]).head(n).assign(sector=data.sector, year=year, segment="item")
    out = protect(out.rename(columns={"share": "share_reached"}), k=_k(k), group=["sector", "year"],
                  stat_columns=["share_reached", "ci_low", "ci_high", "done"])
    return out.drop(columns=["segment"])


def movers(data: ReportData, year_from: int, year_to: int, n: int = 8, k: int | None = None) -> pd.DataFrame:
    """Items whose implemented share rose most and least between two years."""
    m = item_movers(data.responses, year_from, year_to, data.sector)
    m = m[m["n_to"] >= _k(k)]
    picked = pd.concat([m.head(n), m.tail(n)]).drop_duplicates("item_id")
    return picked.assign(text=picked["item_id"].map(item_texts(data.sector))).sort_values("change", ascending=False)


def panel(data: ReportData, year_from: int, year_to: int, k: int | None = None, framework: str = "csf2"
          ) -> pd.DataFrame:
    """Paired change per function for companies present in both years; n < k suppressed."""
    nodes = catalogs.csf2() if framework == "csf2" else catalogs.csf11()
    functions = nodes.loc[nodes["level"].eq("function"), "node_id"].tolist()
    scores = data.scores[data.scores["node_id"].isin(functions)]
    out = panel_change(scores, data.respondents, framework, year_from, year_to).assign(segment=ALL, year=year_to)
    out = protect(out, k=_k(k), group=["sector", "year", "node_id"],
                  stat_columns=["mean_change", "share_improved", "share_worsened"])
    order = {f: i for i, f in enumerate(functions)}
    return out.assign(o=out["node_id"].map(order)).sort_values("o").drop(columns="o")


def trends(data: ReportData, by: str, framework: str, k: int | None = None) -> pd.DataFrame:
    """Mean per function, segment and year with the change from the previous year; cells under k
    hidden (with a complementary cell per year and function)."""
    nodes = catalogs.csf2() if framework == "csf2" else catalogs.csf11()
    functions = nodes.loc[nodes["level"].eq("function"), "node_id"]
    scores = data.scores[data.scores["node_id"].isin(functions)]
    seg = pd.concat([cross_section_change(scores, data.respondents, framework, by),
                     cross_section_change(scores, data.respondents, framework, None)], ignore_index=True)
    return protect(seg, k=_k(k), group=["sector", "year", "node_id"], stat_columns=["mean", "change"])


def not_assessed_subcategories(data: ReportData) -> int:
    """CSF 2.0 subcategories no answer reaches (power: no CSF 1.1 ancestor): shown as such, never 0."""
    sub = data.scores[data.scores["framework"].eq("csf2") & data.scores["node_id"].str.contains("-")]
    return int(sub.groupby("node_id")["n_items"].max().eq(0).sum())


def n_label(n: float) -> str:
    return "" if n is None or (isinstance(n, float) and np.isnan(n)) else f"{int(n)}"


SEGMENT_ORDER = {
    "size_band": ["〜100人", "101〜300人", "301〜1,000人", "1,001〜10,000人", "10,001人〜"],
    "target_level": ["Lv1", "Lv2", "Lv3"],
    "business_types": ["TD_GENERAL", "TRANSMISSION", "DISTRIBUTION", "TD_SPECIFIED", "GENERATION", "RETAIL",
                       "WHOLESALE_SPECIFIED", "PRIVATE_FACILITY"],
}
SEGMENT_ORDER["main_business_type"] = SEGMENT_ORDER["business_types"]


def display(table: pd.DataFrame, names: dict[str, str], all_label: str, by: str | None = None,
            column: str = "segment") -> pd.DataFrame:
    """Segments in their natural order (size bands small to large, 全体 last) and as readers know them
    (power business types by name; 全体 in the chosen language)."""
    if column not in table:
        return table
    known = SEGMENT_ORDER.get(by or "", [])
    rank = {s: i for i, s in enumerate(known)}
    order = table[column].map(lambda s: (2, "") if s == ALL else (0, rank[s]) if s in rank else (1, str(s)))
    out = table.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order")
    return out.assign(**{column: out[column].map(lambda s: all_label if s == ALL else names.get(s, s))})


def with_item_labels(table: pd.DataFrame, limit: int = 24) -> pd.DataFrame:
    """Adds ``label``: the item ID and the start of its text, short enough for a slide."""
    text = table["text"].fillna("").map(lambda t: t if len(t) <= limit else t[: limit - 1] + "…")
    return table.assign(label=table["item_id"] + " " + text)
