"""Member feedback PDFs: one member's page (:class:`~pipeline.publish.feedback_model.MemberPage`) on an A4
page, from the same content as the workbook.

The page is designed to fit one sheet; where it does not (English notes run about a third longer than the
Japanese, and a long item text wraps over several lines), the priority items and the notes continue on a
second page, the table's header drawn again there and the footer on each page, at the same type size: a
member reading the printed page gets every sentence at the size it was written for, never a page refused
or text squeezed below legibility.

The page is written with ReportLab's canvas: text in IPAexGothic (the figures' font), embedded as a subset of
the glyphs the page uses, so it reads the same in any viewer; the member figure is the page-sized PNG the
figure module drew (:attr:`MemberPage.page_figure`). ReportLab rather than matplotlib's PDF backend, which
lays out and writes text glyph by glyph: about half a second per member there, a few milliseconds here.
ReportLab's optional C accelerator (rl-accel, a dependency) formats the page's numbers: the same bytes, a PDF
about a sixth cheaper than with its pure-Python fallback.
``invariant`` mode leaves no clock or random id in the file: the same page gives the same bytes.
"""

from __future__ import annotations

import os
import re
import zlib
from functools import cache
from pathlib import Path

import matplotlib_fontja
import numpy as np
import pandas as pd
from PIL import Image
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from pipeline.linebreak import pack, phrases
from pipeline.palette import (
    HEADER_FILL_COLOUR,
    MARK_COLOUR,
    PAGE_NOTE_COLOUR,
    ROW_RULE_COLOUR,
    STAMP_COLOUR,
    TEXT_COLOUR,
)
from pipeline.publish.feedback_model import (
    KIND,
    PAGE_FIGURE,
    SCORE_COLUMNS,
    MemberPage,
    cell_text,
    column_head,
    whole_rows,
)
from pipeline.publish.formats import DASH
from pipeline.xlsx import display_width

NO_LINE_START = "、。，．・：；？！）」』】％ー"
"""Japanese punctuation that must not begin a line (kinsoku): it stays on the line before."""
PDF_WIDTHS = {"node": 0.14, "score": 0.065, "previous": 0.07, "reached": 0.06, "prev_reached": 0.065,
              "p50": 0.055, "p25": 0.07, "p75": 0.07, "peer_mean": 0.065, "peer_n": 0.055, "percentile": 0.065,
              "deviation": 0.05, "peer_group": 0.105}
"""Relative widths of the PDF's score columns (scaled to the text width for the columns shown)."""


def wrap_columns(text: str, width: int) -> str:
    """Wrap at ``width`` display columns (a kanji counts two), keeping existing line breaks; Latin text
    breaks at spaces."""
    lines = []
    for para in text.split("\n"):
        line, used = "", 0
        for token in re.findall(r"[!-~]+ ?| |.", para):  # an ASCII word (and its space) stays together
            size = display_width(token)
            if used + size > width and line and token[0] not in NO_LINE_START:
                lines.append(line.rstrip())
                line = token.lstrip()
                used = display_width(line)
            else:
                line += token
                used += size
        lines.append(line.rstrip())
    return "\n".join(lines)


def _phrase_wrap(text: str, width: int) -> str:
    """A cell's text over lines of at most ``width`` display columns, broken between phrases
    (:mod:`pipeline.linebreak`): a label read 「全項目の達 / 成率」 when broken at the width."""
    return "\n".join(line for para in str(text).split("\n")
                     for line in pack(para, lambda s: display_width(s) <= width))


HEAD_PT = 6.5
"""The table headers' size."""
HEAD_PAD = 0.009
"""A column's padding (page fraction): text starts 0.003 in from its left, a number ends 0.006 short of its right."""


def head_units(width: float) -> float:
    """Display units (a kanji two, :func:`~pipeline.xlsx.display_width`) a header line may take in a column
    ``width`` of the page wide, with a tenth to spare (IPAexGothic's Latin letters run a little over half a kanji)."""
    return (width - HEAD_PAD) * A4[0] / (HEAD_PT / 2) * 0.9


def head_widths(widths: list[float], heads: list[str], flexible: list[bool]) -> list[float]:
    """Column widths (page fractions) at which every header's widest phrase fits one line (:mod:`pipeline.linebreak`):
    「パーセンタイル順位」 would break 「パーセン / タイル順 / 位」 in a column of four kanji. A column widened so
    takes the room from the ``flexible`` ones (the label columns, whose text wraps), the total width unchanged."""
    least = [max(display_width(p.strip()) for p in phrases(h) or ("",)) / head_units(1.0) * 1.0001 + HEAD_PAD
             for h in heads]
    need = [max(w, m) for w, m in zip(widths, least, strict=True)]
    excess = sum(need) - sum(widths)
    room = [max(n - 0.08, 0.0) if f else 0.0 for n, f in zip(need, flexible, strict=True)]  # a label keeps 8 %
    if excess > 0 and sum(room) > 0:
        taken = min(excess, sum(room))
        need = [n - taken * r / sum(room) for n, r in zip(need, room, strict=True)]
    # still too wide (many long English headers): every column gives way alike, the table never runs off the page
    return [n * min(1.0, sum(widths) / sum(need)) for n in need]


FONT = "IPAexGothic"
ASCENT = 0.88
"""IPAexGothic's ascent and descent as a share of the font size: text placed by its top (or bottom), as the
page's coordinates give it, sits this far above (below) its baseline."""
DESCENT = 0.12
IMAGE_NAME, IMAGE_LEVEL = "memberfigure", 1
"""The page figure's XObject name and zlib level."""
PAGE_FIGURE_TOP = 0.888
"""Top of the member figure on the page (fraction of the page height), clear of its title's descenders."""
PAGE_TOP = 0.915
"""Where text starts on a continuation page (fraction of the page height from the bottom), under its heading."""
NOTE_SPACING, NOTE_SPACING_TIGHT = 1.35, 1.15
"""Line spacing of the notes under the tables, and the closer one they take where that keeps them on the member's
first page (the automotive page's last note, the scoring rules, ran alone onto a second sheet): the type stays 7 pt."""
NOTE_LINE = 0.0115
"""Height of a note's line at :data:`NOTE_SPACING` (page fraction: 7 pt × 1.35 of 842 pt, rounded up)."""
PAGE_BOTTOM = 0.045
"""Nothing is drawn below this but the footer (at 0.02): a block that would cross it starts the next page."""


@cache
def _colour(hex_code: str) -> colors.Color:
    return colors.HexColor(hex_code)  # parsing a colour per call was a tenth of the page's time


@cache
def _font() -> str:
    """Register the Japanese font with ReportLab once per process (parsing the TrueType file takes ~0.1 s).

    Streams are written as binary Flate, not ASCII85 on top: ReportLab's ASCII85 encoder is pure Python
    without its optional accelerator and took most of the page's time on the figure's pixels."""
    rl_config.useA85 = 0
    pdfmetrics.registerFont(TTFont(FONT, str(Path(matplotlib_fontja.__file__).parent / "fonts" / "ipaexg.ttf")))
    return FONT


class _Page:
    """A ReportLab canvas addressed as the page was designed: x and y as fractions of A4 from the bottom left,
    text placed by its top (``va='top'``) or its bottom, lines ``linespacing`` × the size apart."""

    def __init__(self, path: Path, title: str) -> None:
        self.width, self.height = A4
        self.c = Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1)
        self.c.setTitle(title)
        self.c.setCreator("sdw")
        self.c.setProducer("sdw")
        self.font = _font()

    def text(self, x: float, y: float, text: str, size: float, va: str = "top", ha: str = "left",
             color: str = TEXT_COLOUR, linespacing: float = 1.2) -> None:
        lines = text.split("\n")
        step = size * linespacing
        if va == "top":
            base = y * self.height - ASCENT * size
        else:  # bottom: the last line's descent on y
            base = y * self.height + DESCENT * size + step * (len(lines) - 1)
        self.c.setFillColor(_colour(color))
        self.c.setFont(self.font, size)
        for i, line in enumerate(lines):
            if ha == "right":
                self.c.drawRightString(x * self.width, base - i * step, line)
            else:
                self.c.drawString(x * self.width, base - i * step, line)

    def rect(self, x: float, y: float, w: float, h: float, color: str) -> None:
        self.c.setFillColor(_colour(color))
        self.c.rect(x * self.width, y * self.height, w * self.width, h * self.height, stroke=0, fill=1)

    def line(self, x0: float, x1: float, y: float, color: str, width: float) -> None:
        self.c.setStrokeColor(_colour(color))
        self.c.setLineWidth(width)
        self.c.line(x0 * self.width, y * self.height, x1 * self.width, y * self.height)

    def image(self, image: Image.Image, x: float, y: float, w: float, h: float) -> None:
        """An RGB image as an XObject with its pixels deflated at zlib level 1 (``drawImage`` deflates at the
        default level and hashes the pixels to name the image: three times the time for a 12 % smaller
        stream). One image per file, so a fixed name."""
        rgb = image.convert("RGB") if image.mode != "RGB" else image
        xobject = pdfdoc.PDFImageXObject(IMAGE_NAME)
        xobject.width, xobject.height = rgb.size
        xobject.colorSpace, xobject.bitsPerComponent = "DeviceRGB", 8
        xobject.streamContent = zlib.compress(rgb.tobytes(), IMAGE_LEVEL)
        xobject._filters = ("FlateDecode",)
        c = self.c
        reg = c._doc.getXObjectName(IMAGE_NAME)
        c._setXObjects(xobject)
        c._doc.Reference(xobject, reg)
        c._doc.addForm(IMAGE_NAME, xobject)
        c.saveState()
        c.translate(x * self.width, y * self.height)
        c.scale(w * self.width, h * self.height)
        c._code.append(f"/{reg} Do")
        c.restoreState()
        c._formsinuse.append(IMAGE_NAME)

    def new_page(self) -> None:
        """End this page and start the next (what follows is drawn on it)."""
        self.c.showPage()

    def save(self) -> None:
        self.c.showPage()
        self.c.save()


class _Flow:
    """The member's page(s) as a column filled downwards: :meth:`fit` starts a continuation page (footer
    written on the page left) when the next block would run into the footer."""

    def __init__(self, pdf: _Page, footer: str, heading: tuple[str, str] = ("", "")) -> None:
        self.pdf = pdf
        self.footer = footer
        self.heading = heading  # a continuation sheet's title (「…(続き)」) and the member line under it
        self.pages = 1

    def fit(self, y: float, height: float) -> float:
        """``y`` if a block ``height`` tall fits under it on this page, else the top of a new page, under the
        page's heading: a sheet separated from the first still says whose it is and what it continues."""
        if y - height >= PAGE_BOTTOM:
            return y
        self.close()
        self.pdf.new_page()
        self.pages += 1
        title, member = self.heading
        if title:
            self.pdf.text(0.06, 0.965, title, 12)
            self.pdf.text(0.06, 0.94, member, 9)
        return PAGE_TOP

    def close(self) -> None:
        self.pdf.text(0.06, 0.02, self.footer, 6.5, va="bottom", color=STAMP_COLOUR)


def write_member_pdf(path: Path, page: MemberPage) -> Path:
    """An A4 PDF of the same content: heading, figure, score table, priority items, peers, rules; on one
    page where they fit, else the items and notes continue on the next (see the module docstring)."""
    w = page.words
    tmp = path.with_name(path.name + ".tmp")
    pdf = _Page(tmp, w["title"])
    member = f"{page.company} ・ {page.sector} ・ {page.year}"
    flow = _Flow(pdf, w["footer"].format(company=page.company, sector=page.sector, year=page.year),
                 (w["continued"].format(title=w["title"]), member))
    n = len(page.scores)
    box = PAGE_FIGURE
    fig_h = box["ticks"] + box["pad"] + box["row"] * n + box["legend"]
    pdf.image(page.page_figure, box["left"], PAGE_FIGURE_TOP - fig_h, box["width"], fig_h)  # first: opaque
    pdf.text(0.06, 0.965, w["title"], 15)
    pdf.text(0.06, 0.935, member, 11)
    pdf.text(0.06, 0.905, w["figure_title"], 10)
    y = PAGE_FIGURE_TOP - fig_h - 0.015
    cols = page.score_columns
    share = {c: PDF_WIDTHS[c] for c in cols}
    scale = 0.88 / sum(share.values())  # the columns shown fill the text width
    marks = [[row[SCORE_COLUMNS.index(c)] for c in cols] for row in page.score_marks]
    widths = head_widths([share[c] * scale for c in cols], [column_head(c, page) for c in cols],
                         [c in ("node", "peer_group") for c in cols])
    y = _pdf_table(pdf, page, page.scores, cols, w["scores_title"], y, widths=widths,
                   marks=marks, flow=flow,
                   # a label wraps in its column at the column's width (7-point text: 6.5/7 of a header's units)
                   wrap={c: max(int(head_units(wd) * HEAD_PT / 7), 6) for c, wd in zip(cols, widths, strict=True)
                         if c in ("node", "peer_group", "reached", "prev_reached")})
    item_cols = ["rank", "item_id", "text", "answer", "peer_rate"]
    hidden = page.items["peer_rate"].isna().tolist()
    y = _pdf_table(pdf, page, page.items, item_cols, w["items_title"], y - 0.015,
                   widths=[0.05, 0.09, 0.50, 0.14, 0.10], wrap={"text": 80, "answer": 22}, flow=flow,
                   marks=[[w["hidden"] if c == "peer_rate" and h else "" for c in item_cols] for h in hidden],
                   whole=whole_rows(page.items))
    cover = w["cover"]
    previous = [(cover["previous"], page.previous_note)] if page.previous_year else []
    notes = [(label, wrap_columns(text, 128 if page.lang == "ja" else 122))
             for label, text in [*previous, (cover["peers"], "\n".join(page.peers)), (cover["reading"], page.reading),
                                 (cover["rules"], page.rules)]]

    def heights(spacing: float, gap: float) -> list[float]:
        return [NOTE_LINE * spacing / NOTE_SPACING * (wrapped.count("\n") + 1) + gap for _, wrapped in notes]

    spacing, tall = NOTE_SPACING, heights(NOTE_SPACING, 0.008)
    # the notes set closer where that alone keeps them all on the member's page (a note moved whole to the next sheet)
    if flow.pages == 1 and y - sum(tall) < PAGE_BOTTOM <= y - sum(heights(NOTE_SPACING_TIGHT, 0.005)):
        spacing, tall = NOTE_SPACING_TIGHT, heights(NOTE_SPACING_TIGHT, 0.005)
    for (label, wrapped), height in zip(notes, tall, strict=True):
        y = flow.fit(y, height)  # a note is never split: it moves whole to the next page
        pdf.text(0.06, y, label, 8)
        pdf.text(0.16, y, wrapped, 7, color=PAGE_NOTE_COLOUR, linespacing=spacing)
        y -= height
    flow.close()
    for extra in page.extra:  # further pages (the ★ page), each on pages of its own
        extra.draw_pdf(pdf)
    pdf.save()
    os.replace(tmp, path)
    return path


def _pdf_table(pdf: _Page, page: MemberPage, frame: pd.DataFrame, cols: list[str], title: str, y: float,
               widths: list[float], marks: list[list[str]], wrap: dict[str, int] | None = None,
               flow: _Flow | None = None, whole: list[bool] | None = None) -> float:
    """A table drawn with text at fixed column positions; returns the y under it. A cell with a mark
    ('x', '回答なし') shows it in grey instead of its value. With ``flow``, a row that would run into
    the footer starts the next page, under the table's header drawn again (the title and header never
    stay alone at the foot of a page)."""
    x = 0.06 + np.concatenate([[0], np.cumsum(widths)[:-1]])
    row_h = 0.0125
    heads = ["\n".join(pack(column_head(c, page), lambda s, wd=wd: display_width(s) <= head_units(wd)))
             for c, wd in zip(cols, widths, strict=True)]
    head_lines = max(h.count("\n") + 1 for h in heads)
    head_h = row_h * head_lines + 0.002

    def header(y: float) -> float:
        pdf.rect(0.06, y - row_h * head_lines, sum(widths), row_h * head_lines, HEADER_FILL_COLOUR)
        for xi, head, col, wd in zip(x, heads, cols, widths, strict=True):
            right = KIND[col] != "text"
            pdf.text(xi + (wd - 0.006 if right else 0.003), y - 0.002, head, HEAD_PT, ha="right" if right else "left")
        return y - head_h

    values = list(zip(*(frame[c].tolist() for c in cols), strict=True))
    whole = whole or [False] * len(frame)  # rows whose shares are published in whole percent
    rows = [[_phrase_wrap(marks[r][c] or cell_text(v, col, page.lang, whole[r]), (wrap or {}).get(col, 200))
             for c, (col, v) in enumerate(zip(cols, row, strict=True))] for r, row in enumerate(values)]
    heights = [row_h * max(t.count("\n") + 1 for t in cells) for cells in rows]
    if flow is not None:  # the title, the header and the first row together
        y = flow.fit(y, 0.03 + 0.006 + head_h + (heights[0] if heights else row_h))
    pdf.text(0.06, y, title, 10, va="bottom")
    y = header(y - 0.006)
    if frame.empty:
        pdf.text(0.063, y - 0.002, page.words["items_none"], 7)
        return y - row_h
    for r, cells in enumerate(rows):
        if flow is not None:
            top = flow.fit(y, heights[r])
            if top != y:
                y = header(top)
        for xi, text, col, wd in zip(x, cells, cols, widths, strict=True):
            right = KIND[col] != "text"
            pdf.text(xi + (wd - 0.006 if right else 0.003), y - 0.002, text, 7, ha="right" if right else "left",
                     color=MARK_COLOUR if text in marks[r] or text == DASH else TEXT_COLOUR)
        y -= heights[r]
        pdf.line(0.06, 0.06 + sum(widths), y + 0.001, ROW_RULE_COLOUR, 0.5)
    return y - 0.01
