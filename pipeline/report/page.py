"""The sector report page: what each published table is (columns, title, notes, row order), the labels its figures
give nodes, items and years, and the one way a table or figure is published on it, so the notebook only lists what
to show, in what order.

A table is a :class:`PageTable` in :data:`PAGE_TABLES`; :class:`Page` turns it into a call of
:meth:`pipeline.publish.publisher.Publisher.table` (members' columns only in a weighted report, the title and
notes in the report's language, the latest year as the page view) and wraps every figure in the page's
title, source line and scoring rule, in plain words (:meth:`Page.figure`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from pipeline import catalogs
from pipeline.publish.publisher import Publisher
from pipeline.report import figures as F
from pipeline.report import star_tables as S
from pipeline.report import style, version_words
from pipeline.report import tables as T
from pipeline.report.context import ReportContext
from pipeline.report.data import ReportData, segment_names
from pipeline.scoring.disclosure import quantile_min_n

MEMBERS_COLUMNS = frozenset({"w_mean", "w_mean_ci_low", "w_mean_ci_high", "w_change", "n_eff",
                             "w_share_reached", "w_share_implemented", "w_ci_low", "w_ci_high"})
"""The members' estimates (weighted to the roster): published only in a report that makes them."""


def source_body(labels: dict[str, Any], source: str) -> str:
    """A source line without its lead (「出典: 」 / "Source: "): the deck's closing slide, titled 「出典」, lists the
    sources under it and said 「出典」 twice."""
    lead = labels["source"].split("{", 1)[0]
    return source[len(lead):] if lead and source.startswith(lead) else source


@dataclass(frozen=True)
class PageTable:
    """One table the sector report publishes.

    Attributes
    ----------
    protection
        The disclosure spec it is protected and audited by: a key of ``tables.SPECS`` or, for the ★
        readiness tables, ``star_tables.SPECS``.
    title
        Its title's key in the labels (in ``labels``' section where that is set).
    columns
        The columns published, in order; members' columns (:data:`MEMBERS_COLUMNS`) drop out of a report
        that describes the respondents only.
    view_columns
        What the page shows of it (all of ``columns`` when empty); the workbook and machine copy hold all.
    latest
        The page shows the latest year only, under this title key ('' with ``latest_view``: the title).
    latest_view
        The page shows the latest year only (``latest`` names the view's title when it differs).
    notes
        The notes under it, by name: a note given to :meth:`Page.table`, a note of the page ('hidden':
        the hidden mark and any merged segments; 'band': the means shown as a band, where the table has
        one) or a label in ``labels``' section (``{k}`` and the quantiles' ``{n_p10}``… filled in); empty
        ones are left out.
    joiner
        What stands between the notes.
    labels
        The labels' section its title and notes are in ('' for the top level, 'readiness' for ★).
    show
        Shown on the page (False: workbook and machine copy only).
    slide
        Its page view is also a table slide of the deck.
    order
        The columns its rows are published in the order of: years by value, any other column in the order its
        values first appear (functions as the catalog lists them), rows otherwise as given.
    """

    protection: str
    title: str
    columns: tuple[str, ...]
    view_columns: tuple[str, ...] = ()
    latest: str = ""
    latest_view: bool = False
    notes: tuple[str, ...] = ()
    joiner: str = " "
    labels: str = ""
    show: bool = True
    slide: bool = False
    order: tuple[str, ...] = ()

    @property
    def specs(self) -> dict:
        """The disclosure specs its ``protection`` names."""
        return S.SPECS if self.labels == "readiness" else T.SPECS


_RESPONSES = ("year", "segment", "n", "roster_n", "response_rate", "ci_low", "ci_high")
_ITEMS = ("year", "item_id", "text", "n_applicable", "share_implemented", "ci_low", "ci_high",
          "w_share_implemented", "w_ci_low", "w_ci_high", "na_share")
_ITEMS_VIEW = ("year", "item_id", "text", "n_applicable", "share_implemented")
_BOTTLENECKS = ("year", "requirement_id", "requirement_name", "cited_items", "n_scored", "share_unmet", "ci_low",
                "ci_high")

PAGE_TABLES: dict[str, PageTable] = {
    "responses": PageTable(
        "responses", "tables.responses", _RESPONSES, ("year", "segment", "n", "roster_n", "response_rate"),
        notes=("hidden", "rate_note")),
    "responses_breakdown": PageTable(  # another breakdown's responses (automotive: by industry), latest year
        "responses", "tables.responses_by", _RESPONSES, ("year", "segment", "n", "roster_n", "response_rate"),
        latest="tables.responses_by_latest", notes=("hidden", "rate_note")),
    "functions": PageTable(
        "nodes", "tables.functions",
        ("year", "node_id", "node_name", "segment", "n_scored", "mean", "mean_ci_low", "mean_ci_high",
         "w_mean", "w_mean_ci_low", "w_mean_ci_high", "n_eff", "previous_year", "change", "na_share"),
        # every segment beside 全体, as the title promises (the radar and heatmap draw the segments too)
        ("year", "node_id", "node_name", "segment", "n_scored", "mean", "w_mean", "mean_ci_low", "mean_ci_high",
         "change"),
        # by year, then function, then the segments in their order (全体 last): a reader compares segments side by side
        notes=("hidden", "band", "trend", "n_eff_note"), order=("year", "node_id")),
    "panel": PageTable(
        "panel", "tables.panel",
        ("year", "node_id", "node_name", "n", "mean_change", "share_improved", "share_worsened")),
    "distribution": PageTable(
        "distribution", "tables.distribution",
        ("year", "segment", "n", "mean", "previous_year", "change", "w_mean", "w_mean_ci_low", "w_mean_ci_high",
         "w_change", "n_eff", "p10", "p25", "p50", "p75", "p90"),
        ("year", "segment", "n", "mean", "w_mean", "previous_year", "change", "p25", "p50", "p75"),
        latest="tables.distribution_latest", notes=("hidden", "band", "quantile_note", "n_eff_note"), slide=True),
    "categories": PageTable(
        "nodes", "titles.csf2_heatmap", ("node_id", "node_name", "segment", "n_scored", "mean", "na_share"),
        notes=("hidden", "band", "withheld"), show=False),
    "levels": PageTable(
        "levels", "tables.levels",
        ("year", "node_id", "segment", "n_scored", "share_reached", "ci_low", "ci_high", "w_share_reached",
         "w_ci_low", "w_ci_high"),
        latest="tables.levels_latest", notes=("hidden", "relevelled")),
    "star": PageTable(
        "star", "tables.star",
        ("year", "node_id", "node_name", "segment", "n_scored", "mean", "mean_ci_low", "mean_ci_high", "w_mean",
         "w_mean_ci_low", "w_mean_ci_high"),
        # on the page as the functions table: the members' estimate beside the respondents', its interval in the
        # workbook (eleven columns squeezed the names to 「★3 / 準備完了 / (判定可能な / …」 five lines a row)
        ("year", "node_id", "node_name", "segment", "n_scored", "mean", "w_mean", "mean_ci_low", "mean_ci_high"),
        latest="tables.star_latest", notes=("star", "star_rounded", "hidden"), joiner=" / "),
    "star_top": PageTable(
        "star_bottlenecks", "top_table", _BOTTLENECKS,
        ("requirement_id", "requirement_name", "cited_items", "share_unmet", "ci_low", "ci_high"),
        notes=("unmet_note",), labels="readiness"),
    "star_bottlenecks": PageTable(
        "star_bottlenecks", "bottlenecks_table", ("year", "star", "requirement_id", "requirement_name",
                                                  "cited_items", "segment", "n_scored", "share_unmet", "ci_low",
                                                  "ci_high"),
        ("star", "requirement_id", "requirement_name", "segment", "n_scored", "share_unmet"),
        latest="bottlenecks_latest", notes=("unmet_note", "unjudged", "hidden"), joiner=" / ", labels="readiness",
        show=False),
    "star_distance": PageTable(
        "star_distance", "distance_table",
        ("year", "node_id", "node_name", "segment", "n_scored", "share_distance", "ci_low", "ci_high"),
        ("year", "node_name", "segment", "n_scored", "share_distance"),
        latest="distance_latest", notes=("distance_note", "hidden"), joiner=" / ", labels="readiness"),
    "star_within": PageTable(
        "star_within", "within_table",
        ("year", "node_id", "node_name", "segment", "n_scored", "share_reached", "ci_low", "ci_high"),
        notes=("within_note", "hidden"), joiner=" / ", labels="readiness", show=False),
    "star_comparable": PageTable(
        "star_trend", "trend_table", ("year", "node_id", "segment", "n_scored", "share_reached", "ci_low", "ci_high"),
        notes=("trend_basis", "hidden"), joiner=" / ", labels="readiness", show=False),
    "star_what_if": PageTable(
        "star_what_if", "what_if_title",
        ("rank", "requirement_id", "requirement_name", "cited_items", "n_scored", "share_unmet", "ci_low", "ci_high",
         "n_must_act", "n_lifted_alone", "n_ready_if_fixed_in_order"),
        ("rank", "requirement_id", "requirement_name", "share_unmet", "n_lifted_alone", "n_ready_if_fixed_in_order"),
        notes=("what_if_note",), labels="readiness", slide=True),
    "weakest_items": PageTable("items", "tables.weakest_items", _ITEMS, _ITEMS_VIEW, notes=("members_share_note",)),
    "movers": PageTable(
        "movers", "tables.movers",
        ("item_id", "text", "previous_year", "share_previous", "year", "share_implemented", "change"),
        ("item_id", "text", "previous_year", "share_previous", "year", "share_implemented", "change"),
        notes=("excluded",)),
    "items": PageTable("items", "tables.items", _ITEMS, notes=("hidden", "members_share_note"), show=False),
    "bands": PageTable(
        "bands", "tables.bands", ("year", "segment", "n", "share_band", "ci_low", "ci_high"),
        ("year", "segment", "n", "share_band"), latest="tables.bands_latest",
        notes=("hidden", "scale", "bands_meaning")),
    "item_profile": PageTable("items", "tables.profile", _ITEMS, _ITEMS_VIEW, notes=("hidden", "members_share_note")),
    # the cross-sector page: each sector's functions or categories at its latest year, side by side
    "cross_sector": PageTable(
        "nodes", "titles.cross_sector_functions",
        ("sector_name", "year", "node_id", "node_name", "n_scored", "mean", "na_share"), notes=("hidden",)),
}
"""Every table of the sector report, by the name its machine copy (tables/NAME.csv) takes by default."""


def _sentence(text: str, lang: str) -> str:
    """``text`` ended as a sentence (a slide's bullet has no full stop; beside other notes it needs one)."""
    text = text.strip()
    return text if not text or text[-1] in "。.．" else text + ("。" if lang == "ja" else ".")


def in_order(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` sorted by ``columns`` (stable): years by value, any other column in the order its values first
    appear (:attr:`PageTable.order`)."""
    if not columns:
        return frame
    first = {c: {v: i for i, v in enumerate(dict.fromkeys(frame[c]))} for c in columns if c != "year"}
    return frame.sort_values(list(columns), key=lambda s: s.map(first[s.name]) if s.name in first else s,
                             kind="stable")


def _label(words: dict[str, Any], key: str) -> Any:
    """A label by its dotted key ('tables.responses')."""
    for part in key.split("."):
        words = words[part]
    return words


def _on_page_or_slide(value: Any, key: str = "") -> Any:
    """A layout value given as (page, slide): the one for where the figure is drawn. A ``size`` is itself a
    pair (width, height), so only a pair of sizes is read as (page, slide)."""
    if key == "size" and not isinstance(value[0], tuple):
        return value
    return (value[1] if style.on_slide() else value[0]) if isinstance(value, tuple) else value


class Page:
    """One sector report page: its labels, segments, notes and publisher, and the two verbs it is made of.

    Parameters
    ----------
    ctx
        The report's framework, node names and k.
    data
        The report's data (segments already merged where too small).
    by
        The attribute the page segments by.
    merges
        Segment → the group it was merged into before withholding.
    publisher
        Where tables and figures go.
    span
        The years of the page as the source line writes them ('2022–2024').
    """

    def __init__(self, ctx: ReportContext, data: ReportData, by: str, merges: dict[str, str], publisher: Publisher,
                 span: str) -> None:
        self.ctx, self.data, self.by, self.pub, self.span = ctx, data, by, publisher, span
        self.labels = L = style.labels(ctx.lang)
        self.k = ctx.k
        self.names = segment_names(ctx.sector, ctx.lang)
        self.merges = merges
        self.total = L["segment_all"]
        self.hidden_mark = L["suppressed"]  # legend text beside the mark x
        self.rule = style.rule_line(L, [ctx.sector], ctx.k)  # the sector's own answers
        self.multi_note = L["multi_counted"] if by == "business_types" else ""
        groups: dict[str, list[str]] = {}
        for member, group in merges.items():
            groups.setdefault(group, []).append(self.names.get(member, member))
        self.merge_note = L["merged"].format(groups="; ".join(
            L["merged_group"].format(group=self.names.get(g, g), members="+".join(m)) for g, m in groups.items())) \
            if merges else ""
        self.hidden_note = " ".join(x for x in (L["hidden_note"].format(k=ctx.k), self.merge_note) if x)
        # what a label's fields stand for: k, and the fewest companies behind a published quantile
        self.label_args = {"k": ctx.k, **{f"n_{q}": quantile_min_n(q, ctx.k) for q in ("p10", "p25", "p50")}}

    # --- what the source line counts -------------------------------------------------------------------
    def source(self, n: str, years: str | None = None) -> str:
        """The one source line; ``n`` says what it counts (n_all / n_year / n_pairs), as the text does."""
        return self.labels["source"].format(sector=self.labels["sector"][self.ctx.sector], years=years or self.span,
                                            n=n)

    @property
    def n_all(self) -> str:
        """Respondent-years, the subtitle's 延べ."""
        return self.labels["n_all"].format(n=f"{len(self.data.respondents):,}")

    def n_year(self, year: int) -> str:
        """The respondents of one year."""
        return self.labels["n_year"].format(n=f"{self.data.n(year):,}")

    def n_pairs(self, panel: pd.DataFrame) -> str:
        """The companies that answered both years a panel table compares (its largest n)."""
        n = int(panel["n"].max()) if panel["n"].notna().any() else 0
        return self.labels["n_pairs"].format(n=f"{n:,}")

    def deck_sources(self) -> list[str]:
        """The deck's closing slide in plain words: the survey with its years and respondents, and where ★ is
        reported the requirements table by its name and version (「2026年3月版」), not a catalog stamp."""
        lines = [source_body(self.labels, self.source(self.n_all))]
        if "star" in catalogs.sectors()[self.ctx.sector]["frameworks"]:
            from pipeline.report.scheme_names import scheme_version

            meta = catalogs.scheme_meta()
            name = meta.get("name_ja" if self.ctx.lang == "ja" else "name_en", "")
            lines.append(self.labels["deck_scheme"].format(name=name, version=scheme_version(self.ctx.lang)))
        return lines

    # --- notes on the forms answered -------------------------------------------------------------------
    @property
    def version_note(self) -> str:
        """The form's versions by year as the form names them (「2022年度 Ver.2.0、…」), where the years of the page
        were answered on more than one: a note under figures and on the deck, so no catalog id."""
        return version_words.by_year(self.data.respondents, self.labels)

    def _version_and(self, key: str) -> str:
        excluded = len(T.trend_excluded_items(self.data))
        return " / ".join(x for x in (self.version_note, self.labels[key].format(n=excluded) if excluded else "")
                          if x)

    @property
    def trend_note(self) -> str:
        """Under function trends and the panel, which score every year on the items that compare across its
        versions (:func:`tables.comparable_scores`): the versions and how many items they leave out."""
        return self._version_and("incomparable")

    @property
    def score_note(self) -> str:
        """Under scores that use every item of each version (levels): the versions and how many of those
        items do not compare."""
        return self._version_and("incomparable_included")

    # --- tables ----------------------------------------------------------------------------------------
    def show(self, table: pd.DataFrame, names: dict[str, str] | None = None, by: str | None = None) -> pd.DataFrame:
        """Segments in their natural order and as readers know them (``names``/``by``: another breakdown)."""
        return T.display(table, self.names if names is None else names, self.total, by or self.by)

    def named(self, table: pd.DataFrame) -> pd.DataFrame:
        """The node names beside the node ids, in the report's framework and language."""
        return table.assign(node_name=table["node_id"].map(self.ctx.node_names))

    def node_labels(self, node_ids: Any, sep: str = " ") -> dict[str, str]:
        """Node id → its name and id as figures label it ('ガバナンス (GV)'; ``sep`` '\\n' on the radar's axes)."""
        return {n: f"{self.ctx.node_names[n]}{sep}({n})" for n in node_ids}

    def fy(self, year: int) -> str:
        """A year as the page names it (2024年度 / FY2024)."""
        return self.labels["fy"].format(year=year)

    def by_year(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` with ``fy``, its years as the figures name them (2024年度 / FY2024)."""
        return table.assign(fy=table["year"].map(self.fy))

    def item_labels(self, table: pd.DataFrame) -> pd.DataFrame:
        """Items as bar labels (``label``): id and whole text (the chart wraps it, never cuts it)."""
        return T.with_item_labels(table)

    def requirement_labels(self, rows: pd.DataFrame) -> dict[str, str]:
        """★ requirement (node id) → its id and its whole name: a heatmap's row labels (the heatmap wraps them)."""
        return {r.node_id: f"{r.requirement_id} {r.requirement_name}" for r in rows.itertuples()}

    def star_named(self, table: pd.DataFrame) -> pd.DataFrame:
        """The ★ readiness rows each named (``node_name``) for what its value is: a mean share of requirements met
        (★3) or the share of companies ready (★3+)."""
        return table.assign(node_name=table["node_id"].map(self.labels["star_series"]))

    def band_names(self, bands: list[dict[str, Any]]) -> dict[str, str]:
        """An instrument's own result bands (:func:`tables.own_scale` ``bands``) by id → their names on the page."""
        return {b["id"]: self.labels["bands"][b["id"]] for b in bands}

    def withheld_note(self, table: pd.DataFrame, by: str) -> str:
        """Under a table by ``by`` (and its figure): the merged groups it still withholds in every cell, by name and
        never why ('' when none is); a breakdown other than the page's own merged none."""
        merged = list(dict.fromkeys(self.names.get(g, g) for g in (self.merges if by == self.by else {}).values()))
        still = T.withheld_segments(table, merged)
        if not still:
            return ""
        return self.labels["group_withheld"].format(groups=("、" if self.ctx.lang == "ja" else "; ").join(still))

    def band_note(self, table: pd.DataFrame) -> str:
        """The note on means published as a band (「90%以上」), where the table has one."""
        has = "mean_band" in table and table["mean_band"].isin(["high", "low"]).any()
        return self.labels["band_note"].format(k=self.k) if has else ""

    def columns(self, columns: tuple[str, ...]) -> list[str]:
        """``columns`` without the members' estimates unless the report makes them."""
        return [c for c in columns if self.data.weighted or c not in MEMBERS_COLUMNS]

    def table(self, key: str, frame: pd.DataFrame, *, name: str = "", title: str = "", suffix: str = "",
              title_args: dict[str, Any] | None = None, slide: bool | None = None, source: str = "",
              slide_pivot: Any = None, **notes: str) -> None:
        """Publish ``frame`` as the page table ``key`` of :data:`PAGE_TABLES`.

        ``name`` (the machine copy's name) and ``title`` replace the spec's where one spec serves several
        tables (a breakdown's responses, each star's top ten); ``suffix`` follows the title (' (FY2024)');
        ``title_args`` fill its fields; ``notes`` give the notes the spec names that only the notebook knows.
        """
        spec = PAGE_TABLES[key]
        frame = in_order(frame, spec.order)
        words = self.labels[spec.labels] if spec.labels else self.labels
        args = {"year": self.data.latest, **(title_args or {})}
        title = (title or _label(words, spec.title).format(**args)) + suffix
        page_notes = {"hidden": self.hidden_note, "band": self.band_note(frame), **notes}
        if "n_eff" not in frame:  # respondents only: no weighting, no effective sample size to explain
            page_notes.setdefault("n_eff_note", "")
        if "w_share_implemented" not in frame:  # no members' share: nothing rounded or withheld to explain
            page_notes.setdefault("members_share_note", "")

        def note(name: str, notes: dict[str, str] = page_notes) -> str:
            return notes[name] if name in notes else str(words.get(name, "")).format(**self.label_args)

        shown = self.columns(spec.view_columns) or self.columns(spec.columns)
        # a table slide's note: the marks in one line (the deck's rules slide explains them), the merged segments in
        # full, no note on a column the slide does not show (the English distribution's eleven lines of note left
        # one row of six room)
        marks = self.labels["rules_slide"]["marks"]
        slide_notes = {**page_notes, "hidden": " ".join(x for x in (_sentence(marks[0], self.ctx.lang),
                                                                     self.merge_note) if x),
                       "band": _sentence(marks[1].format(k=self.k), self.ctx.lang) if page_notes["band"] else "",
                       **({} if "n_eff" in shown else {"n_eff_note": ""})}
        latest = frame["year"].eq(self.data.latest) if spec.latest or spec.latest_view else None
        self.pub.table(name or key, frame, spec.specs[spec.protection], title, self.columns(spec.columns),
                       spec.joiner.join(x for x in map(note, spec.notes) if x), show=spec.show, view=latest,
                       view_columns=self.columns(spec.view_columns) or None,
                       view_title=_label(words, spec.latest).format(**args) if spec.latest else None,
                       slide=spec.slide if slide is None else slide, source=source, slide_pivot=slide_pivot,
                       slide_note=spec.joiner.join(x for x in (note(n, slide_notes) for n in spec.notes) if x))

    # --- figures ---------------------------------------------------------------------------------------
    def figure(self, name: str, title: str, n: str, plot: Callable[..., Any] | None = None, *,
               draw: Callable[..., Figure] | None = None, note: str | tuple[str, str] = "", years: str | None = None,
               alt: list[str] | None = None, ylabel: str = "", xlabel: str = "", caveat: str = "",
               slide_parts: int = 1, **layout: Any) -> None:
        """Draw, finish and publish one figure: title, source line (``n``, ``years``), scoring rule, notes.

        ``plot(ax)`` draws on a 16:9 figure laid out by ``layout`` (:func:`style.new_figure`'s arguments; a
        pair (page, slide) for a value that differs on a slide); with ``slide_parts`` it is called
        ``plot(ax, part)`` for each part of the slide. ``draw()`` instead makes the whole figure (small
        multiples). ``note`` goes under the rule (a pair: on the page, on a slide); ``alt``: the figure's values
        in words, for the page's text alternative.
        """
        L = self.labels
        # the axes a chart names when its call names none (catalogs/report_labels.yaml ``figure_axes``)
        axes = {k: L["axes"][v] for k, v in (L["figure_axes"].get(name) or {}).items()}
        y_title, x_title = ylabel or axes.get("y", ""), xlabel or axes.get("x", "")

        def make(part: int | None = None) -> Figure:
            with F.interval_legend(L["interval_legend"]), style.short_labels(L.get("slide_segments") or {}):
                if draw is not None:
                    fig = draw()
                    ax = fig.axes[0] if fig.axes else None
                else:
                    fig, ax = style.new_figure(**{k: _on_page_or_slide(v, k) for k, v in layout.items()})
                    plot(ax) if slide_parts == 1 else plot(ax, part)
                    if caveat:
                        style.caveat(ax, caveat)
                if ax is not None:  # the caller's words; the catalog's only where the figure named the axis not
                    if ylabel or (y_title and not ax.get_ylabel()):
                        ax.set_ylabel(y_title)
                    if xlabel or (x_title and not ax.get_xlabel()):
                        ax.set_xlabel(x_title)
                key = style.short_key(L["slide_key"])  # the short segment names a slide gave, first in its footnote
            style.finish(fig, title, self.source(n, years), self.rule,
                         " / ".join(x for x in (key, _on_page_or_slide(note)) if x),
                         " / ".join(x for x in (self.multi_note, self.merge_note) if x))
            return fig

        self.pub.figure(make, name, title, self.source(n, years), alt, slide_parts)
