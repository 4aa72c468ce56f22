"""The ★ page of a member's feedback: what the supply-chain evaluation scheme (★3, ★4) would ask of it.

One sheet (and PDF pages) per automotive member: its distance to ★3 and ★4 (judged requirements not
met) with its peer group's ★3 distance distribution, then per star every requirement with its
judgement; for a requirement not met, each item it cites with the item's text from the item catalog
and the member's answer as its own form words it (○ / × / － on a v2.0 form, 達成 / 未達成 / 対象外 on
later ones). The numbers come from :func:`pipeline.scoring.star_feedback.star_feedback`; this module only
shows them, and :mod:`pipeline.report.feedback_doc` adds the page to the member's workbook and PDF.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from pipeline import catalogs
from pipeline.publish.render_xlsx import FONT, LINE_HEIGHT, row_height
from pipeline.report.feedback_doc import A4, MemberPage, _group_label, _wrap
from pipeline.scoring.feedback import ALL_GROUP, NO_PEERS
from pipeline.scoring.readiness import DISTANCE_BANDS, distance_band
from pipeline.scoring.respondent import star_requirements
from pipeline.scoring.rules import instrument_items, is_achieved, is_applicable
from pipeline.scoring.star_feedback import PEER_STAR, STARS, StarFeedback

COLUMNS = ["requirement_id", "category", "requirement", "status", "item_id", "item_text", "answer"]
WIDTHS = [7, 24, 30, 15, 8, 40, 14]
"""Excel column widths (characters) of the requirement tables: 138 in all, one landscape A4 page wide."""
PDF_COLUMNS = ["requirement_id", "requirement", "item_id", "item_text", "answer"]
PDF_WIDTHS = [0.06, 0.22, 0.08, 0.44, 0.20]
"""The PDF's table of requirements not met (shares of the text width). The PDF lists the other
requirements by number and name in a paragraph per judgement: matplotlib's PDF writer costs about
0.04 ms per glyph, and the full table of every requirement made a member's PDF three times slower."""
ITEM = COLUMNS.index("item_id")
STATUS_ORDER = ("unmet", "met", "not_applicable", "not_on_form", "not_judged", "unjudgeable")
"""Requirements not met first (what to do), then met, then not judged and not judgeable."""


@dataclass(frozen=True)
class StarRow:
    """One line of a requirement table: a requirement, or one item it cites (``first`` False after the
    requirement's first line, whose number, names and judgement are not repeated)."""

    cells: tuple[str, ...]  # COLUMNS, as shown
    first: bool
    status: str  # the requirement's judgement: a key of the ``status`` words (STATUS_ORDER)
    failing: bool = False  # the answer keeps the requirement from being met
    span: bool = False  # the item column holds a list of items that runs over the item text column too

    @property
    def unmet(self) -> bool:
        return self.status == "unmet"


@dataclass
class StarSection:
    heading: str
    note: str
    rows: list[StarRow]


@dataclass
class StarPage:
    """Everything the ★ page shows, in the member's language."""

    words: dict[str, Any]
    lang: str
    title: str
    addressee: str
    intro: str
    distances: list[str]  # one sentence per star
    bands: list[tuple[str, float | None, float | None, str]]  # label, peer count, peer share, own mark
    peers: str  # how the peer group was chosen, or why no distribution is shown
    sections: list[StarSection]
    footnote: str
    footer: str
    hidden: str = ""  # the mark of a withheld peer value
    band_heads: list[str] = field(default_factory=list)

    def write_sheet(self, wb: Any, styles: dict[str, Any]) -> None:
        write_star_sheet(wb, styles, self)

    def pdf_figures(self) -> list[Figure]:
        return star_pdf_pages(self)


@cache
def form_answers(sector: str, template_version: str) -> dict[str, str]:
    """canonical answer → the words of the form's answer dropdown in ``template_version`` (○ / 達成 …):
    the instrument's native vocabulary, else what the template declares (an instrument added as data,
    an imported form); empty when neither is known."""
    native = catalogs.vocabulary(sector).get("native", {}).get(template_version)
    if native:
        return dict(native)
    if template_version and template_version in catalogs.template_versions(sector):
        t = catalogs.template(template_version)
        return dict(t.get("dropdown") or t.get("answers") or {})
    return {}


@cache
def _requirements(lang: str) -> dict[str, tuple[str, str]]:
    """requirement_id → (category, requirement) as the scheme's table names them."""
    req = catalogs.scs_requirements()
    return {r: (c, n) for r, c, n in zip(req["requirement_id"], req["category_name"], req["requirement_name"],
                                         strict=True)}


@cache
def _cited(star: int) -> tuple[tuple[str, tuple[str, ...], bool], ...]:
    """(requirement_id, cited items in checklist order, judgeable) of ★``star`` in the scheme table's order."""
    reqs = star_requirements(star)
    return tuple((r, tuple(sorted(items, key=_item_order)), bool(j))
                 for r, items, j in zip(reqs["requirement_id"], reqs["items"], reqs["judgeable"], strict=True))


def _item_order(item: str) -> tuple[int, str]:
    """No.9 before No.10, as the checklist runs."""
    digits = re.sub(r"\D", "", item)
    return (int(digits) if digits else 0, item)


@cache
def _answer_kinds() -> tuple[frozenset[str], frozenset[str]]:
    """(canonical answers that achieve an item, canonical answers that make it not applicable)."""
    every = pd.Series(["implemented", "partial", "not_implemented", "not_applicable", "unknown", "unanswered",
                       "invalid", "missing"])
    return frozenset(every[is_achieved(every)]), frozenset(every[~is_applicable(every)])


@cache
def _form_items(sector: str, template_version: str) -> frozenset[str]:
    return frozenset(instrument_items(sector, template_version))


def star_page(fb: StarFeedback, member: MemberPage, sector: str, k: int) -> StarPage:
    """The ★ page of one member: ``fb`` its numbers, ``member`` its main page (company, words, year)."""
    w = member.words
    s = w["star"]
    lang = member.lang
    native = form_answers(sector, fb.template_version)
    general = {**w["answers"], **(w["answers_auto"] if sector == "auto" else {})}
    label = {a: (native.get(a, general.get(a, a)) if lang == "ja" or a not in native
                 else f"{native[a]} ({general.get(a, a)})") for a in general}
    achieved, not_applicable = label.get("implemented", ""), label.get("not_applicable", "")
    say = {"achieved": achieved, "not_applicable": not_applicable}
    texts = catalogs.item_texts(sector, fb.template_version, lang)
    answers = dict(zip(fb.answers["item_id"], zip(fb.answers["answer"], fb.answers["answer_raw"], strict=True),
                       strict=True))
    on_form = _form_items(sector, fb.template_version)
    met = {(int(st), r): m for st, r, m in zip(fb.outcomes["star"], fb.outcomes["requirement_id"],
                                               fb.outcomes["met"], strict=True)}
    good, na = _answer_kinds()

    def shown(item: str) -> tuple[str, bool]:
        """The member's answer to ``item`` in its form's words, and whether it keeps a requirement unmet."""
        if item not in on_form:
            return s["not_on_form"], False
        answer, raw = answers.get(item, ("missing", None))
        if answer == "invalid":
            return s["failing"].format(answer=s["invalid"].format(raw=str(raw or "").strip())), True
        failing = answer not in good and answer not in na
        return (s["failing"] if failing else "{answer}").format(answer=label.get(answer, answer)), failing

    sections = []
    unmet3: dict[str, tuple[str, ...]] = {}
    for star in STARS:
        rows: list[tuple[int, int, list[StarRow]]] = []
        for order, (rid, items, judgeable) in enumerate(_cited(star)):
            category, name = _requirements(lang)[rid]
            outcome = met.get((star, rid), math.nan)
            status = _status(judgeable, outcome, items, on_form, [answers.get(i, ("missing",))[0] for i in items], na)
            head = (rid, category, name, s["status"][status].format(**say))
            if status != "unmet":
                cited = ", ".join(items) if items else "—"
                rows.append((STATUS_ORDER.index(status), order,
                             [StarRow((*head, cited, "", ""), True, status, span=True)]))
                continue
            if star == 3:
                unmet3[rid] = items
            elif unmet3.get(rid) == items:  # nothing new at ★4: say so rather than print the rows again
                rows.append((0, order, [StarRow((*head, ", ".join(items), s["same_as_star3"], ""), True, status)]))
                continue
            lines = []
            for i, item in enumerate(items):
                answer, failing = shown(item)
                lines.append(StarRow((*(head if i == 0 else ("",) * 4), item, texts.get(item, ""), answer), i == 0,
                                     status, failing))
            rows.append((0, order, lines))
        rows.sort(key=lambda r: (r[0], r[1]))
        sections.append(StarSection(heading=s["section"].format(star=star), note=s["section_note"][star],
                                    rows=[row for _, _, block in rows for row in block]))
    return StarPage(words=w, lang=lang, title=s["title"], addressee=f"{w['addressee'].format(company=member.company)}"
                    f" ・ {member.year}", intro=" ".join(s["intro"].split()).format(**say) if lang == "en"
                    else "".join(s["intro"].split()).format(**say),
                    distances=[_distance_sentence(fb, star, s) for star in STARS],
                    bands=_bands(fb, s), peers=_peer_sentence(fb, sector, lang, k, member), sections=sections,
                    footnote=s["footnote"].format(**say),
                    footer=w["footer"].format(company=member.company, sector=member.sector, year=member.year),
                    hidden=str(w["hidden"]), band_heads=[s["band_columns"][c] for c in ("band", "peer_n", "peer_share",
                                                                                         "own")])


def _status(judgeable: bool, outcome: float, items: tuple[str, ...], on_form: frozenset[str], answers: list[str],
            na: frozenset[str]) -> str:
    """The judgement of one requirement for the member (a key of the ``status`` words)."""
    if not judgeable:
        return "unjudgeable"
    if outcome == 1:
        return "met"
    if outcome == 0:
        return "unmet"
    if any(i not in on_form for i in items):
        return "not_on_form"
    return "not_applicable" if all(a in na for a in answers) else "not_judged"


def _distance_sentence(fb: StarFeedback, star: int, s: dict[str, Any]) -> str:
    d, judged = fb.distance[star], fb.n_judged[star]
    if math.isnan(d):
        return s["no_distance"].format(star=star)
    if d == 0:
        return s["ready"].format(star=star, judged=judged)
    return s["distance"].format(star=star, judged=judged, met=judged - int(d), distance=int(d))


def _bands(fb: StarFeedback, s: dict[str, Any]) -> list[tuple[str, float | None, float | None, str]]:
    """The distribution table's rows: band, peers in it, their share (None where withheld), '◀ 貴社'."""
    own = distance_band(pd.Series([fb.distance[PEER_STAR]])).iloc[0]
    peers = fb.peers
    out = []
    for i, band in enumerate(DISTANCE_BANDS):
        count = None if peers.counts is None else float(peers.counts[i])
        share = None if peers.counts is None or not peers.n else peers.counts[i] / peers.n
        out.append((s["bands"][band], count, share, s["own_mark"] if band == own else ""))
    return out


def _peer_sentence(fb: StarFeedback, sector: str, lang: str, k: int, member: MemberPage) -> str:
    """Which peers the distribution is of, or why it is not shown (the sentences of the other peer values)."""
    w = member.words
    s = w["star"]
    peers = fb.peers
    all_label = w["all_group"].format(sector=member.sector)
    attribute = w["attribute"][sector]
    if peers.hidden == "primary":
        return s["peers_none"].format(k=k)
    if peers.hidden:
        return s["peers_hidden"]
    if peers.group == ALL_GROUP:
        unknown = fb.own_group is None or (isinstance(fb.own_group, float) and math.isnan(fb.own_group))
        key = "peers_unknown" if unknown else "peers_fallback"
        return s[key].format(attribute=attribute, all=all_label, k=k, n=peers.n)
    assert peers.group != NO_PEERS
    return s["peers_own"].format(attribute=attribute, group=_group_label(peers.group, sector, lang, all_label),
                                 n=peers.n)


# --- the sheet ---------------------------------------------------------------------------------------

def _formats(wb: Any, styles: dict[str, Any]) -> dict[str, Any]:
    """The page's own cell formats (the workbook's font and sizes; borders that group a requirement's
    lines, bold for what must change)."""
    base = {"font_name": FONT, "font_size": 10, "valign": "top", "text_wrap": True}
    top = {"top": 1, "top_color": "#A6A6A6"}
    return {"cell": wb.add_format(base), "cell_top": wb.add_format({**base, **top}),
            "bold": wb.add_format({**base, "bold": True}), "bold_top": wb.add_format({**base, **top, "bold": True}),
            "count": wb.add_format({**base, "num_format": "#,##0", "text_wrap": False}),
            "share": wb.add_format({**base, "num_format": "0.0%", "text_wrap": False}),
            "hidden": styles["hidden"], "header": styles["header"], "title": styles["title"],
            "note": styles["note"], "section": styles["section"],
            "para": wb.add_format({**base, "font_color": "#404040"})}


def write_star_sheet(wb: Any, styles: dict[str, Any], page: StarPage) -> None:
    """The ★ sheet: title, how to read, distances with the peers' distribution, one table per star.

    Printed landscape on A4, one page wide (as many tall as it takes), the page number in the footer;
    long texts wrap and rows are as tall as their wrapped text."""
    f = _formats(wb, styles)
    ws = wb.add_worksheet(page.words["star"]["sheet"])
    last = len(COLUMNS) - 1
    full = sum(WIDTHS)
    for c, width in enumerate(WIDTHS):
        ws.set_column(c, c, width)
    ws.write_string(0, 0, page.title, f["title"])
    ws.set_row(0, 21)
    ws.write_string(1, 0, page.addressee, f["note"])
    r = 3

    def paragraph(text: str, fmt: str = "para") -> None:
        nonlocal r
        ws.merge_range(r, 0, r, last, text, f[fmt])
        ws.set_row(r, row_height([text], [full]))
        r += 1

    paragraph(page.intro)
    r += 1
    ws.write_string(r, 0, page.words["star"]["distance_title"], f["section"])
    r += 1
    for sentence in page.distances:
        paragraph(sentence, "cell")
    r += 1
    # the distribution: band over the first three columns, then count, share and the member's mark
    spans = [(0, 2), (3, 3), (4, 4), (5, 5)]
    heads = page.band_heads
    for (a, b), head in zip(spans, heads, strict=True):
        _cell(ws, r, a, b, head, f["header"])
    ws.set_row(r, row_height(heads, [sum(WIDTHS[a:b + 1]) for a, b in spans]))
    r += 1
    for band, count, share, own in page.bands:
        fmt = f["bold"] if own else f["cell"]
        _cell(ws, r, 0, 2, band, fmt)
        for c, value, kind in ((3, count, "count"), (4, share, "share")):
            if value is None:
                ws.write_string(r, c, page.hidden, f["hidden"])
            else:
                ws.write_number(r, c, value, f[kind])
        ws.write_string(r, 5, own, f["bold"])
        r += 1
    paragraph(page.peers)
    for section in page.sections:
        r += 1
        ws.write_string(r, 0, section.heading, f["section"])
        r += 1
        paragraph(section.note)
        heads = [page.words["star"]["columns"][c] for c in COLUMNS]
        for c, head in enumerate(heads):
            ws.write_string(r, c, head, f["header"])
        ws.set_row(r, row_height(heads, WIDTHS))
        r += 1
        for row in section.rows:
            for c, text in enumerate(row.cells):
                bold = (c == COLUMNS.index("answer") and row.failing) or (c == COLUMNS.index("status") and row.unmet
                                                                          and row.first)
                fmt = f[("bold" if bold else "cell") + ("_top" if row.first else "")]
                if row.span and c == ITEM:
                    ws.merge_range(r, c, r, c + 1, text, fmt)
                elif not (row.span and c == ITEM + 1):
                    ws.write_string(r, c, text, fmt)
            height = row_height(*_spanned(row, WIDTHS))
            if height > LINE_HEIGHT:
                ws.set_row(r, height)
            r += 1
    r += 1
    paragraph(page.footnote)
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C&P / &N")


def _spanned(row: StarRow, widths: list[Any]) -> tuple[list[str], list[Any]]:
    """The row's texts and widths with a list of items spanning the item and item text columns as one."""
    if not row.span:
        return list(row.cells), list(widths)
    cells = [*row.cells[:ITEM], row.cells[ITEM], *row.cells[ITEM + 2:]]
    return cells, [*widths[:ITEM], widths[ITEM] + widths[ITEM + 1], *widths[ITEM + 2:]]


def _cell(ws: Any, row: int, first: int, last: int, text: str, fmt: Any) -> None:
    if first == last:
        ws.write_string(row, first, text, fmt)
    else:
        ws.merge_range(row, first, row, last, text, fmt)


# --- the PDF -----------------------------------------------------------------------------------------

LEFT, RIGHT, TOP, BOTTOM = 0.06, 0.94, 0.955, 0.05
ROW = 0.0118  # one line of 7-point text, as a share of the A4 height
WRAP_PER_WIDTH = 168  # display columns of 7-point text per page width (8.27 in ÷ 7 pt ≈ 85 kanji)


class _Pages:
    """A4 pages filled from the top; a new page starts when the next block does not fit."""

    def __init__(self, footer: str) -> None:
        self.footer = footer
        self.figures: list[Figure] = []
        self.y = 0.0
        self.new()

    def new(self) -> Figure:
        fig = Figure(figsize=A4)
        fig.text(LEFT, 0.02, self.footer, fontsize=6.5, color="#888888")
        self.figures.append(fig)
        self.y = TOP
        return fig

    @property
    def fig(self) -> Figure:
        return self.figures[-1]

    def room(self, height: float) -> bool:
        return self.y - height >= BOTTOM

    def text(self, text: str, size: float = 7.0, width: float = RIGHT - LEFT, **kw: Any) -> None:
        wrapped = _wrap(text, int(width * WRAP_PER_WIDTH * 7.0 / size))
        height = ROW * size / 7.0 * (wrapped.count("\n") + 1) + 0.004
        if not self.room(height):
            self.new()
        self.fig.text(LEFT, self.y, wrapped, fontsize=size, va="top", linespacing=1.3, **kw)
        self.y -= height


def star_pdf_pages(page: StarPage) -> list[Figure]:
    """The ★ page as A4 figures (as many as it takes), for the member's PDF after its main page."""
    pages = _Pages(page.footer)
    pages.text(page.title, size=13)
    pages.text(page.addressee, size=9)
    pages.y -= 0.005
    pages.text(page.intro, color="#333333")
    pages.y -= 0.008
    pages.text(page.words["star"]["distance_title"], size=10)
    for sentence in page.distances:
        pages.text(sentence, size=8)
    pages.y -= 0.004
    widths = [0.34, 0.12, 0.12, 0.12]
    rows = [(band, _number(count, "count", page), _number(share, "share", page), own)
            for band, count, share, own in page.bands]
    _pdf_rows(pages, page.band_heads, rows, widths, right={1, 2})
    pages.text(page.peers, color="#333333")
    s = page.words["star"]
    total = sum(PDF_WIDTHS)
    widths = [w * (RIGHT - LEFT) / total for w in PDF_WIDTHS]
    heads = [s["columns"][c] for c in PDF_COLUMNS]
    keep = [COLUMNS.index(c) for c in PDF_COLUMNS]
    for section in page.sections:
        pages.y -= 0.01
        if not pages.room(4 * ROW):
            pages.new()
        pages.text(section.heading, size=10)
        pages.text(section.note, color="#333333")
        unmet = [row for row in section.rows if row.unmet]
        if unmet:
            _pdf_rows(pages, heads, [tuple(row.cells[i] for i in keep) for row in unmet], widths, right=set(),
                      rules=[row.first for row in unmet])
        else:
            pages.text(s["none_unmet"], size=8)
        for status in STATUS_ORDER[1:]:
            group = [row for row in section.rows if row.first and row.status == status]
            if group:
                listed = s["list_join"].join(f"{row.cells[0]} {row.cells[2]}" for row in group)
                pages.text(s["list_line"].format(status=group[0].cells[3], n=len(group), items=listed))
                pages.y -= 0.002
    pages.y -= 0.006
    pages.text(page.footnote, color="#333333")
    return pages.figures


def _number(value: float | None, kind: str, page: StarPage) -> str:
    if value is None:
        return page.hidden
    return f"{value:.1%}" if kind == "share" else f"{int(value):,}"


def _pdf_rows(pages: _Pages, heads: list[str], rows: list[tuple[str, ...]], widths: list[float], right: set[int],
              rules: list[bool] | None = None) -> None:
    """A table at fixed column positions; its header is drawn again on every page it continues on; a rule
    above each row (or above the rows ``rules`` marks: a requirement's first line)."""
    x = [LEFT + sum(widths[:i]) for i in range(len(widths))]

    def wrap(text: str, width: float) -> str:
        return _wrap(text, max(int(width * WRAP_PER_WIDTH) - 1, 4))

    def header() -> None:
        cells = [wrap(h, w) for h, w in zip(heads, widths, strict=True)]
        height = ROW * max(c.count("\n") + 1 for c in cells) + 0.003
        pages.fig.patches.append(Rectangle((LEFT, pages.y - height), sum(widths), height,
                                           transform=pages.fig.transFigure, facecolor="#D9D9D9", edgecolor="none"))
        for i, cell in enumerate(cells):
            _put(pages, x[i], widths[i], cell, i in right, 6.5)
        pages.y -= height

    if not pages.room(3 * ROW):
        pages.new()
    header()
    for r, cells in enumerate(rows):
        wrapped = [wrap(c, w) for c, w in zip(cells, widths, strict=True)]
        height = ROW * max(c.count("\n") + 1 for c in wrapped) + 0.002
        if not pages.room(height):
            pages.new()
            header()
        elif rules is None or rules[r]:
            pages.fig.add_artist(Line2D([LEFT, LEFT + sum(widths)], [pages.y + 0.001] * 2,
                                        transform=pages.fig.transFigure, color="#BBBBBB", lw=0.5))
        for i, cell in enumerate(wrapped):
            _put(pages, x[i], widths[i], cell, i in right, 7.0)
        pages.y -= height
    pages.y -= 0.006


def _put(pages: _Pages, x: float, width: float, text: str, right: bool, size: float) -> None:
    """One cell's text (no bold: the Japanese figure font has none; ▶ marks what must change)."""
    pages.fig.text(x + (width - 0.006 if right else 0.003), pages.y - 0.002, text, fontsize=size, va="top",
                   ha="right" if right else "left", linespacing=1.2)
