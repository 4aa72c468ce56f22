"""Drill-down for the interactive gap explorer: function → category → item, by segment.

Every table goes through disclosure control, so what an analyst sees on screen could be pasted
into a briefing as it is. Every selection names a framework as well as a node: CSF 1.1 and CSF 2.0
share node ids (ID.AM, PR, …), and a filter on ``node_id`` alone would pool both frameworks and
count each company twice.

The notebook ``notebooks/explore_gaps.py`` is one call, :func:`app`; the drill-down functions it wires to
widgets can be tested without a browser.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from pandas.io.formats.style import Styler

from pipeline import catalogs, ruleset
from pipeline.publish.formats import BAND_LABELS, people_frame
from pipeline.publish.model import PublishedTable
from pipeline.report import figures as F
from pipeline.report import style
from pipeline.report.context import DRAWN, framework_names, framework_nodes, node_names
from pipeline.report.data import SEGMENTS, ReportData, load, sector_choices, segment_names
from pipeline.report.tables import SPECS, node_stats, quantiles
from pipeline.report.tables import display as in_display_order
from pipeline.report.tables import items as protected_items
from pipeline.scoring.disclosure_order import printed_order
from pipeline.scoring.disclosure_rounding import ROUNDED
from pipeline.scoring.maps import item_map

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

# the item columns the explorer shows, in the report's own headers and formats (pipeline.publish.formats)
ITEM_COLUMNS = ["item_id", "text", "n_applicable", "share_implemented", "ci_low", "ci_high", "na_share"]


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
    return [f for f in DRAWN if f in scored]


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
    """Mean score per node and segment in one year, protected exactly as the report's node tables are
    (:func:`pipeline.report.tables.node_stats`: one function for both).

    Primary suppression counts ``n_scored`` (companies with a score for the node), since a mean over
    fewer scored companies than k is what would disclose them; a row whose respondents exceed its scored
    companies by 1 … k − 1, or a node resting on one item, is published rounded with its base withheld.

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
    return node_stats(data, _scores(data, year, framework, node_ids), by, framework, ruleset.min_cell(k))


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
        ci_high, na_share, … and ``suppressed``; lowest printed share first, hidden items last, ties by item
        number.
    """
    links = item_map(data.sector)
    items = links.loc[links["framework"].eq(framework) & links["node_id"].eq(node), "item_id"].unique()
    table = protected_items(data, k, lang)
    out = table[table["year"].eq(year) & table["item_id"].isin(items)]
    out = out.assign(text=out["item_id"].map(data.item_texts(year, lang)))  # the year's own wording
    # lowest printed share first; equal printed shares and hidden items (last) by item number (disclosure_order)
    return printed_order(out, ["share_implemented"], "item_id").reset_index(drop=True)


def item_table(gaps: pd.DataFrame, lang: str, rows: int = 15, k: int | None = None) -> Styler:
    """The weakest ``rows`` items for the screen, as the report's item tables print them: the same
    formatter (:func:`pipeline.publish.formats.people_frame`), so a hidden value reads x, a rounded row's
    shares read whole percent with its withheld base x, and '—' means only "not assessed"; a note under
    the table says why a share is whole percent where one is."""
    k = ruleset.min_cell(k)
    shown = gaps.head(rows).reset_index(drop=True)
    table = PublishedTable(name="items", title="", frame=shown, columns=ITEM_COLUMNS, k=k, spec=SPECS["items"])
    styler = people_frame(table, "ja" if lang == "ja" else "en").style.hide(axis="index")
    if ROUNDED in shown and shown[ROUNDED].fillna(False).astype(bool).any():
        note = str(catalogs.report_labels()["ja" if lang == "ja" else "en"].get("rounded_note", "")).format(k=k)
        styler = styler.set_caption(note)
    return styler


def _source(data: ReportData, sel: Selection, lang: str, k: int) -> tuple[str, str]:
    labels = style.labels(lang)
    source = labels["source"].format(sector=labels["sector"][data.sector], years=sel.year,
                                     n=labels["n_year"].format(n=f"{data.n(sel.year):,}"))
    return source, style.rule_line(labels, [data.sector], k)


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
    fy = labels["fy"].format(year=sel.year)  # 2024年度 on a Japanese page, FY2024 on an English one
    out: list[Figure] = []
    below = children(sel.node, sel.framework)
    if below:
        table = in_display_order(node_table(data, sel.year, sel.by, below, sel.framework, k=k), seg_names,
                                 labels["segment_all"], sel.by)
        fig, ax = style.new_figure(left=0.27)
        F.heatmap(table, "node_id", "segment", "mean", ax=ax,
                  row_labels={n: style.short(f"{n} {names[n]}", 40) for n in below})
        style.finish(fig, f"{framework_names()[sel.framework]} {sel.node} {names[sel.node]} — {fy}", source, rule)
        out.append(fig)
    dist = in_display_order(node_distribution(data, sel.year, sel.by, sel.node, sel.framework, k=k), seg_names,
                            labels["segment_all"], sel.by)
    fig, ax = style.new_figure()
    F.quantile_boxes(dist.assign(series=sel.node), "segment", "series", ax=ax,  # a band as the report draws it
                     band_text=BAND_LABELS["ja" if lang == "ja" else "en"], band_label=labels["band_bar"])
    ax.set_ylabel(labels["axes"]["score"])
    style.finish(fig, f"{framework_names()[sel.framework]} {sel.node} {names[sel.node]} — {fy}", source, rule)
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


def first_sector(sector: str, choices: list[tuple[str, str]]) -> str:
    """The sector the explorer opens on: ``sector``, or the first the store holds where none is named (the
    dropdown shows it and offers the others). A named sector the store does not hold is refused with the ones
    it does, rather than opening on another sector under the reader's nose."""
    held = [code for _, code in choices]
    if not held:
        raise ValueError("the store holds no scored sector: run sdw ingest and sdw score first")
    if not sector:
        return held[0]
    if sector not in held:
        raise ValueError(f"the store holds no scores of sector {sector!r}; it holds: {', '.join(held)}")
    return sector


class Explorer:
    """The explorer's widgets wired to the functions above: sector, year, segment, framework and node
    dropdowns over one output that redraws on every change. Built and shown by :func:`app`.

    The widgets are attributes (``year``, ``by``, ``framework``, ``node``, ``sector``, ``out``) so a test,
    or an analyst in a cell, can set them as a frontend would.
    """

    def __init__(self, store: Path | str, sector: str, lang: str = "ja", k: int | None = None) -> None:
        import ipywidgets as widgets

        self.store, self.lang, self.k = store, lang, ruleset.min_cell(k)
        self.labels = ui_labels(lang)
        self._cache: dict[str, ReportData] = {}
        self._holding = False  # True while choices are being replaced: one redraw at the end, not one per widget
        wide = {"description_width": "initial"}  # Japanese captions are not cut to '機能・カテ…'
        choices = sector_choices(store, lang)  # the registered sectors the store holds
        U = self.labels
        self.sector = widgets.Dropdown(options=choices, value=first_sector(sector, choices),
                                       description=U["sector"], style=wide)
        self.year = widgets.Dropdown(description=U["year"], style=wide)
        self.by = widgets.Dropdown(description=U["segment"], style=wide)
        self.framework = widgets.Dropdown(description=U["framework"], style=wide)
        self.node = widgets.Dropdown(description=U["node"], style=wide, layout=widgets.Layout(width="32em"))
        self.out = widgets.Output()
        self.reset_choices()
        for w in (self.year, self.by, self.node):
            w.observe(self.draw, names="value")
        self.framework.observe(self._change_framework, names="value")
        self.sector.observe(self._change_sector, names="value")
        self.view = widgets.VBox([widgets.HBox([self.sector, self.year, self.by]),
                                  widgets.HBox([self.framework, self.node])])

    def data(self, sector: str) -> ReportData:
        """A sector's report data, read once per session (a redraw only filters it)."""
        if sector not in self._cache:
            self._cache[sector] = load(self.store, sector)
        return self._cache[sector]

    def selection(self) -> Selection:
        """What the widgets show now."""
        return Selection(self.year.value, self.by.value, self.framework.value, self.node.value)

    def _set_nodes(self, framework: str, node: str | None = None) -> None:
        self.node.options = node_choices(framework, self.lang)
        self.node.value = node or children(None, framework)[0]

    def reset_choices(self, *_) -> None:
        """Years, segments, frameworks and nodes of the chosen sector, opened where :func:`initial_selection`
        says."""
        self._holding = True
        try:
            rd = self.data(self.sector.value)
            sel = initial_selection(rd)
            self.year.options = rd.years
            self.year.value = sel.year
            self.by.options = [(self.labels.get(c, c), c) for c in segment_options(rd)]
            self.by.value = sel.by
            self.framework.options = [(framework_names()[f], f) for f in frameworks(rd.sector)]
            self.framework.value = sel.framework
            self.framework.layout.display = None if len(self.framework.options) > 1 else "none"
            self._set_nodes(sel.framework, sel.node)
        finally:
            self._holding = False

    def _change_framework(self, *_) -> None:
        if self._holding:  # reset_choices sets the nodes itself
            return
        self._holding = True
        try:
            self._set_nodes(self.framework.value)
        finally:
            self._holding = False
        self.draw()

    def _change_sector(self, *_) -> None:
        self.reset_choices()
        self.draw()

    def draw(self, *_) -> None:
        """Redraw the figures and the item table of the current selection into the output."""
        from IPython.display import clear_output, display

        if self._holding or self.node.value is None:
            return
        rd = self.data(self.sector.value)
        sel = self.selection()
        with self.out:
            clear_output(wait=True)
            for fig in figures(rd, sel, self.lang, self.k):
                show(fig)  # displays, then closes: no figure outlives its redraw
            gaps = item_gaps(rd, sel.year, sel.node, sel.framework, k=self.k, lang=self.lang)
            display(item_table(gaps, self.lang, k=self.k) if len(gaps) else self.labels["no_items"])


def app(store: Path | str, sector: str, lang: str = "ja", k: int | None = None) -> Explorer:
    """Show the explorer for ``sector`` (any sector the store holds can be chosen in it) and return it.

    ``k`` None reads the disclosure threshold from the rules (catalogs/scoring.yaml).
    """
    from IPython.display import display

    explorer = Explorer(store, sector, lang, k)
    display(explorer.view, explorer.out)
    explorer.draw()
    return explorer
