"""The ★ page of a member's feedback as data, and its sheet and PDF pages.

:func:`pipeline.report.star_page.star_page` fills a :class:`StarPage` in the member's words; the
member's workbook (:mod:`pipeline.publish.feedback_xlsx`) and PDF (:mod:`pipeline.publish.feedback_pdf`)
add it after their own pages through ``MemberPage.extra``: :meth:`StarPage.write_sheet` and
:meth:`StarPage.draw_pdf` lay it out here, so both files say the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.palette import (
    GROUP_RULE_COLOUR,
    HEADER_FILL_COLOUR,
    HEADER_RULE_COLOUR,
    PAGE_NOTE_COLOUR,
    SHEET_NOTE_COLOUR,
    STAMP_COLOUR,
    TEXT_COLOUR,
)
from pipeline.publish.feedback_pdf import wrap_columns
from pipeline.publish.render_xlsx import FONT, LINE_HEIGHT, row_height

COLUMNS = ["requirement_id", "category", "requirement", "status", "item_id", "item_text", "answer"]
WIDTHS = [7, 24, 30, 15, 10, 38, 14]
"""Excel column widths (characters) of the requirement tables: 138 in all, one landscape A4 page wide."""
PDF_COLUMNS = ["requirement_id", "requirement", "item_id", "item_text", "answer"]
PDF_WIDTHS = [0.06, 0.22, 0.08, 0.44, 0.20]
"""The PDF's table of requirements not met (shares of the text width). The PDF lists the other
requirements by number and name in a paragraph per judgement, which keeps the ★ page to two A4 pages
for most members (the workbook has them as table rows)."""
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
    # label, peer count, peer share (None: not shown), own mark, what a value not shown reads (x)
    bands: list[tuple[str, float | None, float | None, str, str]]
    peers: str  # how the peer group was chosen, or why no distribution is shown
    sections: list[StarSection]
    footnote: str
    footer: str
    hidden: str = ""  # the mark of a withheld peer value
    band_heads: list[str] = field(default_factory=list)
    band_note: str = ""  # the legend of the hidden-band mark x, when a band reads it

    def write_sheet(self, wb: Any, styles: dict[str, Any]) -> None:
        write_star_sheet(wb, styles, self)

    def draw_pdf(self, pdf: Any) -> None:
        draw_star_pdf(self, pdf)




# --- the sheet ---------------------------------------------------------------------------------------

def _formats(wb: Any, styles: dict[str, Any]) -> dict[str, Any]:
    """The page's own cell formats (the workbook's font and sizes; borders that group a requirement's
    lines, bold for what must change)."""
    base = {"font_name": FONT, "font_size": 10, "valign": "top", "text_wrap": True}
    top = {"top": 1, "top_color": HEADER_RULE_COLOUR}
    return {"cell": wb.add_format(base), "cell_top": wb.add_format({**base, **top}),
            "bold": wb.add_format({**base, "bold": True}), "bold_top": wb.add_format({**base, **top, "bold": True}),
            "count": wb.add_format({**base, "num_format": "#,##0", "text_wrap": False}),
            "share": wb.add_format({**base, "num_format": "0.0%", "text_wrap": False}),
            "hidden": styles["hidden"], "header": styles["header"], "title": styles["title"],
            "note": styles["note"], "section": styles["section"],
            "para": wb.add_format({**base, "font_color": SHEET_NOTE_COLOUR})}


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
    for band, count, share, own, mark in page.bands:
        fmt = f["bold"] if own else f["cell"]
        _cell(ws, r, 0, 2, band, fmt)
        for c, value, kind in ((3, count, "count"), (4, share, "share")):
            if value is None:
                ws.write_string(r, c, mark, f["hidden"])
            else:
                ws.write_number(r, c, value, f[kind])
        ws.write_string(r, 5, own, f["bold"])
        r += 1
    if page.band_note:
        paragraph(page.band_note)
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
    """A4 pages filled from the top on the member's PDF (:class:`pipeline.publish.feedback_pdf._Page`:
    ``text``, ``rect``, ``line``, ``new_page``); a new page starts when the next block does not fit."""

    def __init__(self, pdf: Any, footer: str) -> None:
        self.pdf = pdf
        self.footer = footer
        self.y = 0.0
        self.new()

    def new(self) -> None:
        self.pdf.new_page()
        self.pdf.text(LEFT, 0.02, self.footer, 6.5, va="bottom", color=STAMP_COLOUR)
        self.y = TOP

    def room(self, height: float) -> bool:
        return self.y - height >= BOTTOM

    def text(self, text: str, size: float = 7.0, width: float = RIGHT - LEFT, color: str = TEXT_COLOUR) -> None:
        wrapped = wrap_columns(text, int(width * WRAP_PER_WIDTH * 7.0 / size))
        height = ROW * size / 7.0 * (wrapped.count("\n") + 1) + 0.004
        if not self.room(height):
            self.new()
        self.pdf.text(LEFT, self.y, wrapped, size, color=color, linespacing=1.3)
        self.y -= height


def draw_star_pdf(page: StarPage, pdf: Any) -> None:
    """The ★ page on pages of its own after the member's main page (as many as it takes)."""
    pages = _Pages(pdf, page.footer)
    pages.text(page.title, size=13)
    pages.text(page.addressee, size=9)
    pages.y -= 0.005
    pages.text(page.intro, color=PAGE_NOTE_COLOUR)
    pages.y -= 0.008
    pages.text(page.words["star"]["distance_title"], size=10)
    for sentence in page.distances:
        pages.text(sentence, size=8)
    pages.y -= 0.004
    widths = [0.34, 0.12, 0.12, 0.12]
    rows = [(band, _number(count, "count", mark), _number(share, "share", mark), own)
            for band, count, share, own, mark in page.bands]
    _pdf_rows(pages, page.band_heads, rows, widths, right={1, 2})
    if page.band_note:
        pages.text(page.band_note, color=PAGE_NOTE_COLOUR)
    pages.text(page.peers, color=PAGE_NOTE_COLOUR)
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
        pages.text(section.note, color=PAGE_NOTE_COLOUR)
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
    pages.text(page.footnote, color=PAGE_NOTE_COLOUR)


def _number(value: float | None, kind: str, mark: str) -> str:
    if value is None:
        return mark
    return f"{value:.1%}" if kind == "share" else f"{int(value):,}"


def _pdf_rows(pages: _Pages, heads: list[str], rows: list[tuple[str, ...]], widths: list[float], right: set[int],
              rules: list[bool] | None = None) -> None:
    """A table at fixed column positions; its header is drawn again on every page it continues on; a rule
    above each row (or above the rows ``rules`` marks: a requirement's first line)."""
    x = [LEFT + sum(widths[:i]) for i in range(len(widths))]

    def wrap(text: str, width: float) -> str:
        return wrap_columns(text, max(int(width * WRAP_PER_WIDTH) - 1, 4))

    def header() -> None:
        cells = [wrap(h, w) for h, w in zip(heads, widths, strict=True)]
        height = ROW * max(c.count("\n") + 1 for c in cells) + 0.003
        pages.pdf.rect(LEFT, pages.y - height, sum(widths), height, HEADER_FILL_COLOUR)
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
            pages.pdf.line(LEFT, LEFT + sum(widths), pages.y + 0.001, GROUP_RULE_COLOUR, 0.5)
        for i, cell in enumerate(wrapped):
            _put(pages, x[i], widths[i], cell, i in right, 7.0)
        pages.y -= height
    pages.y -= 0.006


def _put(pages: _Pages, x: float, width: float, text: str, right: bool, size: float) -> None:
    """One cell's text (▶ marks what must change: the font has no bold)."""
    if text:
        pages.pdf.text(x + (width - 0.006 if right else 0.003), pages.y - 0.002, text, size,
                       ha="right" if right else "left", linespacing=1.2)
