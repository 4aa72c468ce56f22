"""Drill-down for the interactive gap explorer: function → category → item, by segment.

Every table goes through disclosure control, so what an analyst sees on screen could be pasted
into a briefing as it is. Every selection names a framework as well as a node: CSF 1.1 and CSF 2.0
share node ids (ID.AM, PR, …), and a filter on ``node_id`` alone would pool both frameworks and
count each company twice.

The notebook ``notebooks/explore_gaps.py`` only wires widgets to the functions here, so that the
logic can be tested without a browser.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from pandas.io.formats.style import Styler

from pipeline import catalogs
from pipeline.report import figures as F
from pipeline.report import style
from pipeline.report.context import FRAMEWORK_NAMES, framework_nodes, node_names
from pipeline.report.data import SEGMENTS, ReportData, segment_names
from pipeline.report.tables import display as in_display_order
from pipeline.report.tables import items as protected_items
from pipeline.report.tables import quantiles
from pipeline.scoring.disclosure import protect
from pipeline.scoring.maps import item_map
from pipeline.scoring.segments import segment_stats

UI_LABELS: dict[str, dict[str, str]] = {
    "ja": {"sector": "分野", "year": "年度", "segment": "区分", "framework": "枠組み", "node": "機能・カテゴリ",
           "business_types": "事業区分(複数計上)", "main_business_type": "主たる事業区分", "size_band": "従業員規模",
           "target_level": "目標レベル", "member_org": "所属団体", "industry": "業種",
           "no_items": "この項目に対応するチェック項目はありません"},
    "en": {"sector": "sector", "year": "year", "segment": "segment", "framework": "framework", "node": "node",
           "business_types": "business types (multi-counted)", "main_business_type": "main business type",
           "size_band": "size band", "target_level": "target level", "member_org": "member organisation",
           "industry": "industry", "no_items": "No checklist item feeds this node"},
}

ITEM_HEADERS: dict[str, dict[str, str]] = {
    "ja": {"item_id": "項目", "text": "内容", "n_applicable": "該当事業者数", "share_implemented": "実施率",
           "ci_low": "95%信頼区間(下限)", "ci_high": "95%信頼区間(上限)", "na_share": "該当なしの割合"},
    "en": {"item_id": "Item", "text": "Text", "n_applicable": "Applicable (companies)",
           "share_implemented": "Implemented", "ci_low": "95% CI low", "ci_high": "95% CI high",
           "na_share": "Not applicable"},
}
ITEM_SHARE_COLUMNS = ["share_implemented", "ci_low", "ci_high", "na_share"]


@dataclass(frozen=True)
class Selection:
    """What the explorer shows: one year, one segmentation and one node of one framework."""

    year: int
    by: str | None
    framework: str
    node: str


def ui_labels(lang: str) -> dict[str, str]:
    """Widget captions and segment names in the analyst's language (English for anything but 'ja')."""
    return UI_LABELS["ja" if lang == "ja" else "en"]


def nodes(framework: str = "csf2") -> pd.DataFrame:
    """The node catalog of ``framework`` ('csf2' or 'csf11'), in catalog order."""
    return framework_nodes(framework)


def children(node: str | None, framework: str = "csf2") -> list[str]:
    """Child nodes in catalog order: functions under None, categories under a function, and so on."""
    cat = nodes(framework)
    parent = "" if node is None else node
    return cat.loc[cat["parent_id"].eq(parent), "node_id"].tolist()


def node_choices(framework: str, lang: str) -> list[tuple[str, str]]:
    """Dropdown options (label, node id): each function followed by its categories, indented.

    Functions and categories only: subcategories appear as rows of a category's heatmap, and a
    list of 130 entries is too long to scan.
    """
    names = node_names(framework, lang)
    return [(f"{n} {names[n]}" if n == f else f"\u3000{n} {names[n]}", n)
            for f in children(None, framework) for n in [f, *children(f, framework)]]


def frameworks(sector: str) -> list[str]:
    """Frameworks a sector's scores can be browsed by (csf2 first: it is what briefings use)."""
    scored = catalogs.sector_info(sector)["frameworks"]
    return [f for f in FRAMEWORK_NAMES if f in scored]


def segment_options(data: ReportData) -> list[str]:
    """Respondent attributes with at least one value in this sector's data, in :data:`SEGMENTS` order.

    An attribute nobody in the sector has (power members have no 業種) would only show one '不明'
    cell, so it is not offered.
    """
    r = data.respondents
    present = []
    for col in SEGMENTS:
        if col not in r:
            continue
        values = r[col].dropna().astype(str).str.strip()
        if values.ne("").any():
            present.append(col)
    return present


def initial_selection(data: ReportData, framework: str | None = None) -> Selection:
    """Where the explorer opens: latest year, the sector's usual segment, the first function of csf2.

    Never blank: a blank node would show nothing until the analyst had guessed what to pick.
    """
    framework = framework or frameworks(data.sector)[0]
    options = segment_options(data)
    default = catalogs.sector_info(data.sector).get("segment")
    by = default if default in options else (options[0] if options else None)
    return Selection(year=data.latest, by=by, framework=framework, node=children(None, framework)[0])


def _scores(data: ReportData, year: int, framework: str, node_ids: list[str]) -> pd.DataFrame:
    """Scores of one year for nodes of one framework: the (framework, node_id) pair is the key."""
    s = data.scores
    return s[s["year"].eq(year) & s["framework"].eq(framework) & s["node_id"].isin(node_ids)]


def node_table(data: ReportData, year: int, by: str | None, node_ids: list[str], framework: str = "csf2",
               k: int | None = None) -> pd.DataFrame:
    """Mean score per node and segment in one year, protected.

    Primary suppression counts ``n_scored`` (companies with a score for the node), since a mean over
    fewer scored companies than k is what would disclose them.

    Parameters
    ----------
    data
        One sector's store tables.
    year
        Fiscal year shown.
    by
        Respondent attribute that defines the segments (None: the total only).
    node_ids
        Nodes of ``framework`` to tabulate (usually the children of the selected node).
    framework
        'csf2' or 'csf11': filtered together with ``node_ids``, because both frameworks use ids such
        as ID.AM and pooling them would count every company twice.
    k
        Minimum scored companies per published cell (default: scoring rules' ``min_cell``).

    Returns
    -------
    pandas.DataFrame
        One row per node and segment (plus 全体) with n, n_scored, mean, share_reached…, and the
        ``suppressed`` reason where disclosure control hid the statistics.
    """
    scores = _scores(data, year, framework, node_ids)
    return protect(segment_stats(scores, data.respondents, by, framework), k=k, n_col="n_scored")


def node_distribution(data: ReportData, year: int, by: str | None, node: str, framework: str = "csf2",
                      k: int | None = None) -> pd.DataFrame:
    """Quantiles (10–90th) of one node's scores per segment (protected; no minimum or maximum).

    ``n`` here is the count of scored companies (missing scores are not counted by the quantiles).

    Parameters
    ----------
    data, year, by, framework, k
        As in :func:`node_table`.
    node
        The one node whose score distribution is drawn.

    Returns
    -------
    pandas.DataFrame
        One row per segment (plus 全体): n, mean, p10, p25, p50, p75, p90, ``suppressed``.
    """
    return quantiles(_scores(data, year, framework, [node]), data.respondents, by, k)


def item_gaps(data: ReportData, year: int, node: str, framework: str = "csf2", k: int | None = None,
              lang: str = "ja") -> pd.DataFrame:
    """The instrument items that feed ``node`` of ``framework``: implemented share among companies
    for which the item applies (Wilson 95%) and the not-applicable share; weakest first.

    The rows are the report's own protected item table (:func:`pipeline.report.tables.items`), so the
    explorer and the report never disagree on an item or on what is hidden. Items with fewer than k
    applicable answers lose their shares (the share is over those companies).

    Parameters
    ----------
    data, year, k
        As in :func:`node_table`.
    node, framework
        The selected node, qualified by its framework: an item feeds CSF 1.1 ID.AM and CSF 2.0 ID.AM
        through different maps.
    lang
        The language of ``text`` (Japanese where the catalog has no English; see catalogs.item_texts).

    Returns
    -------
    pandas.DataFrame
        One row per item: item_id, text, n_applicable, n_implemented, share_implemented, ci_low,
        ci_high, na_share, … and ``suppressed``; lowest share first, hidden items last.
    """
    links = item_map(data.sector)
    items = links.loc[links["framework"].eq(framework) & links["node_id"].eq(node), "item_id"].unique()
    table = protected_items(data, k, lang)
    out = table[table["year"].eq(year) & table["item_id"].isin(items)]
    out = out.assign(text=out["item_id"].map(data.item_texts(year, lang)))  # the year's own wording
    return out.sort_values(["share_implemented", "item_id"]).reset_index(drop=True)


def item_table(gaps: pd.DataFrame, lang: str, rows: int = 15) -> Styler:
    """The weakest ``rows`` items for the screen: shares as percentages, headers in ``lang``, '—'
    where disclosure control hid a value."""
    headers = ITEM_HEADERS["ja" if lang == "ja" else "en"]
    shown = gaps[list(headers)].head(rows).rename(columns=headers)
    percent = [headers[c] for c in ITEM_SHARE_COLUMNS]
    return (shown.style.hide(axis="index")
            .format("{:.0%}", subset=percent, na_rep="—")
            .format("{:.0f}", subset=[headers["n_applicable"]], na_rep="—"))


def _source(data: ReportData, sel: Selection, lang: str, k: int) -> tuple[str, str]:
    labels = style.labels(lang)
    source = labels["source"].format(sector=labels["sector"][data.sector], years=sel.year,
                                     n=labels["n_year"].format(n=f"{data.n(sel.year):,}"))
    return source, labels["rule"].format(k=k)


def figures(data: ReportData, sel: Selection, lang: str, k: int) -> list[Figure]:
    """The charts for one selection: a heatmap of the node's children by segment, then the spread of
    the node's score per segment.

    Parameters
    ----------
    data
        One sector's store tables.
    sel
        Year, segment attribute, framework and node.
    lang
        'ja' or 'en' for titles, segment names and source lines.
    k
        Minimum companies per published cell.

    Returns
    -------
    list of matplotlib.figure.Figure
        Open figures: the caller displays and closes them (see :func:`show`), or they leak.
    """
    labels = style.labels(lang)
    names = node_names(sel.framework, lang)
    seg_names = segment_names(data.sector, lang)
    source, rule = _source(data, sel, lang, k)
    out: list[Figure] = []
    below = children(sel.node, sel.framework)
    if below:
        table = in_display_order(node_table(data, sel.year, sel.by, below, sel.framework, k=k), seg_names,
                                 labels["segment_all"], sel.by)
        fig, ax = style.new_figure(left=0.27)
        F.heatmap(table, "node_id", "segment", "mean", ax=ax,
                  row_labels={n: style.short(f"{n} {names[n]}", 40) for n in below})
        style.finish(fig, f"{FRAMEWORK_NAMES[sel.framework]} {sel.node} {names[sel.node]} — FY{sel.year}",
                     source, rule)
        out.append(fig)
    dist = in_display_order(node_distribution(data, sel.year, sel.by, sel.node, sel.framework, k=k), seg_names,
                            labels["segment_all"], sel.by)
    fig, ax = style.new_figure()
    F.quantile_boxes(dist.assign(series=sel.node), "segment", "series", ax=ax)
    ax.set_ylabel(labels["axes"]["score"])
    style.finish(fig, f"{FRAMEWORK_NAMES[sel.framework]} {sel.node} {names[sel.node]} — FY{sel.year}", source, rule)
    out.append(fig)
    return out


def png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes at screen resolution (the briefing style saves at 300 dpi, which is
    ten times the bytes an analyst's screen needs)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def show(fig: Figure) -> None:
    """Display a figure as a PNG image in the current output (e.g. a widget's Output) and close it.

    The image is rendered here rather than left to pyplot's backend, so charts appear whatever the
    backend (Agg forced by a library or by ``MPLBACKEND``, inline, …). Closing matters: the explorer
    draws on every selection change, and figures left open pile up in pyplot and all reappear the
    next time the inline backend flushes them.
    """
    from IPython.display import Image, display

    try:
        display(Image(data=png(fig), format="png"))
    finally:
        plt.close(fig)
