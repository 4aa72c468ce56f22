"""A 16:9 briefing deck (``--pptx``): the figures of a report as slides policy staff can drop into a
WG briefing without rework, standing alone: a title slide, the key points, the caveats a reader must know
before the numbers, the scoring and disclosure rules with the marks (x, —, …), one slide per figure and
one per headline table.

A figure slide has one title (the slide's; the figure is drawn for the slide without its own, see
``style.slide_mode``), one source line, and the picture placed unscaled at the size it was drawn, so its
text stays at 14 pt or more when projected.

Every slide is built on the template's "Title Only" layout: its title is the slide's title placeholder
(so PowerPoint's outline, the accessibility checker and a screen reader find it when the slide is pasted
into another deck), moved to the 16:9 slide's own title box (python-pptx's default template is 4:3, and the
layout's placeholder would sit in the wrong place); everything else is a text box. Text runs name a Japanese font
for both Latin and East Asian script (PowerPoint picks the East Asian face for kana and kanji from
``<a:ea>``, not from the Latin font name). Each figure slide keeps the picture's aspect ratio, prints
the source line under it and the provenance stamp in the corner, and carries the numbers behind the
figure in its notes, so a presenter can answer "how many companies?" without opening the report.
"""

from __future__ import annotations

import os
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.text.text import TextFrame, _Run
from pptx.util import Emu, Inches, Pt

from pipeline.publish.formats import people_frame
from pipeline.publish.model import Provenance, PublishedFigure, PublishedTable
from pipeline.xlsx import display_width

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
FONT = "Meiryo"
"""Shipped with Windows (where briefing decks are opened); LibreOffice and macOS substitute a Japanese
sans-serif face."""
DARK, GREY, ACCENT = RGBColor(0x1A, 0x1A, 0x1A), RGBColor(0x6E, 0x6E, 0x6E), RGBColor(0x1F, 0x4E, 0x79)
TITLE_ONLY_LAYOUT = 5
"""The default template's "Title Only" layout: one title placeholder and nothing else."""
WORDS = {"ja": {"headline": "要点", "caveats": "数値を読む前に", "rules": "採点と秘匿のルール、記号"},
         "en": {"headline": "Key points", "caveats": "Before reading the numbers",
                "rules": "Scoring and disclosure rules, marks"}}
TABLE_ROWS = 11  # 11 rows of 0.36 in from 1.4 in end at 5.7 in: room for two wrapped rows above the note
"""Rows of a table slide at 14 pt; a longer table continues on the next slide."""
MIN_PT = 14


def write_deck(path: Path, title: str, subtitle: str, headline: list[str], figures: list[PublishedFigure],
               provenance: Provenance, lang: str, caveats: list[str] | None = None, rules: list[str] | None = None,
               tables: list[PublishedTable] | None = None) -> Path:
    """Write the deck: title, key points, caveats, rules and marks, one slide per figure, then the tables.

    Parameters
    ----------
    path : Path
        Target ``.pptx``; written beside it first and moved into place (a half-written deck is never
        left where a reader would open it).
    title, subtitle : str
        For the title slide (e.g. the sector and the fiscal years).
    headline : list of str
        The few sentences the briefing should carry, one bullet each.
    figures : list of PublishedFigure
        One slide each, in order: title, PNG scaled to fit, source line, notes.
    provenance : Provenance
        Stamped small on the title slide and in the corner of every figure slide.
    lang : {'ja', 'en'}
        Language of the deck's own words (the headline slide's title).
    caveats : list of str, optional
        What a reader must know before the numbers (provisional catalog, own mappings, version changes).
    rules : list of str, optional
        The scoring rules, the disclosure rules and what the marks mean, one paragraph each.
    tables : list of PublishedTable, optional
        Headline tables, as the report page shows them: one slide each (continued when long).

    Returns
    -------
    Path
        ``path``.
    """
    if lang not in WORDS:
        raise ValueError(f"lang must be one of {tuple(WORDS)}, not {lang!r}")
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    stamp = provenance.stamp() + (f" · {provenance.generated}" if provenance.generated else "")
    _title_slide(prs, title, subtitle, stamp)
    _headline_slide(prs, WORDS[lang]["headline"], headline, stamp)
    if caveats:
        _headline_slide(prs, WORDS[lang]["caveats"], caveats, stamp, size=20)
    if rules:
        _headline_slide(prs, WORDS[lang]["rules"], rules, stamp, size=16)
    for figure in figures:
        parts = [figure.slide_png, *figure.slide_more] if figure.slide_png else [figure.png]
        for i, png in enumerate(parts):
            _figure_slide(prs, figure, stamp, png, f" ({i + 1}/{len(parts)})" if len(parts) > 1 else "")
    for table in tables or []:
        _table_slides(prs, table, lang, stamp)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    prs.save(str(tmp))
    os.replace(tmp, path)
    return path


def _font(run: _Run, size: float, bold: bool = False, color: RGBColor = DARK) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = color
    run.font.name = FONT  # <a:latin>
    rpr = run._r.get_or_add_rPr()
    previous = rpr.find(qn("a:latin"))  # schema order: latin, ea, cs
    for tag in ("a:ea", "a:cs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = rpr.makeelement(qn(tag), {})
            previous.addnext(el)
        el.set("typeface", FONT)
        previous = el


def _textbox(slide, left: int, top: int, width: int, height: int, text: str, size: float, bold: bool = False,
             color: RGBColor = DARK, align: PP_ALIGN = PP_ALIGN.LEFT, anchor: MSO_ANCHOR = MSO_ANCHOR.TOP
             ) -> TextFrame:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    for i, line in enumerate(text.split("\n")):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        run = para.add_run()
        run.text = line
        _font(run, size, bold, color)
    return frame


def _stamp(slide, stamp: str) -> None:
    _textbox(slide, MARGIN, HEIGHT - Inches(0.32), WIDTH - 2 * MARGIN, Inches(0.25), stamp, 8, color=GREY,
             align=PP_ALIGN.RIGHT, anchor=MSO_ANCHOR.BOTTOM)


def _title_slide(prs: Presentation, title: str, subtitle: str, stamp: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    band = slide.shapes.add_shape(1, 0, Inches(2.6), WIDTH, Emu(Inches(0.08)))  # 1 = rectangle
    band.fill.solid()
    band.fill.fore_color.rgb = ACCENT
    band.line.fill.background()
    _title(slide, Inches(0.9), Inches(2.8), WIDTH - Inches(1.8), Inches(1.6), title,
           _title_size(title, 36, fits=54, smallest=26), MSO_ANCHOR.TOP)
    _textbox(slide, Inches(0.9), Inches(4.4), WIDTH - Inches(1.8), Inches(1.2), subtitle, 20, color=GREY)
    _stamp(slide, stamp)


def _bullets_size(lines: list[str], width: int, height: int, size: float) -> float:
    """The largest size from ``size`` down to :data:`MIN_PT` at which the bullets fit the box: eight key points
    at 22 pt ran off the bottom of the automotive deck's key-points slide."""
    for pt in range(int(size), MIN_PT - 1, -1):
        per_line = max(int((width - Inches(0.45)) / Inches(pt * 0.56 / 72)), 1)  # after the bullet's indent
        rows = sum(max(-(-display_width(line) // per_line), 1) for line in lines)
        if Inches(rows * pt * 1.2 / 72 + len(lines) * pt * 0.6 / 72) <= height:
            return float(pt)
    return float(MIN_PT)


def _headline_slide(prs: Presentation, heading: str, headline: list[str], stamp: str, size: float = 22) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    _slide_title(slide, heading)
    size = _bullets_size(headline, WIDTH - Inches(1.8), Inches(5.2), size)
    frame = slide.shapes.add_textbox(Inches(0.9), Inches(1.5), WIDTH - Inches(1.8), Inches(5.2)).text_frame
    frame.word_wrap = True
    for i, line in enumerate(headline):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        _bullet(para)
        para.space_after = Pt(size * 0.6)
        run = para.add_run()
        run.text = line
        _font(run, size)
    _stamp(slide, stamp)


def _bullet(para) -> None:
    """A real bullet (not a typed '•'), hanging indent so wrapped lines align with the text."""
    ppr = para._p.get_or_add_pPr()
    ppr.set("marL", str(Inches(0.35)))
    ppr.set("indent", str(-Inches(0.35)))
    for tag in ("a:buFont", "a:buChar"):
        old = ppr.find(qn(tag))
        if old is not None:
            ppr.remove(old)
    font = ppr.makeelement(qn("a:buFont"), {"typeface": "Arial"})
    char = ppr.makeelement(qn("a:buChar"), {"char": "•"})
    ppr.append(font)
    ppr.append(char)


def _title_size(text: str, size: float = 26, fits: int = 64, smallest: float = 18) -> float:
    """A long figure title shrinks (down to ``smallest``) instead of spilling over the rule: about
    ``fits`` character widths (a kanji counts 2) fit on one line at ``size`` points."""
    width = display_width(text)
    return size if width <= fits else max(smallest, round(size * fits / width))


def _title(slide, left: int, top: int, width: int, height: int, text: str, size: float,
           anchor: MSO_ANCHOR = MSO_ANCHOR.MIDDLE) -> TextFrame:
    """The slide's title placeholder, moved to the given box and filled like a text box (left-aligned, bold)."""
    holder = slide.shapes.title
    holder.left, holder.top, holder.width, holder.height = left, top, width, height
    frame = holder.text_frame
    frame.clear()
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    body = frame._txBody.find(qn("a:bodyPr"))
    body.set("lIns", str(Inches(0.1)))  # a text box's insets, so the title lines up with the text below it
    body.set("rIns", str(Inches(0.1)))
    for i, line in enumerate(text.split("\n")):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = PP_ALIGN.LEFT
        run = para.add_run()
        run.text = line
        _font(run, size, True)
    return frame


def _slide_title(slide, text: str) -> None:
    _title(slide, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.9), text, _title_size(text))
    rule = slide.shapes.add_shape(1, MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, Emu(Inches(0.03)))
    rule.fill.solid()
    rule.fill.fore_color.rgb = ACCENT
    rule.line.fill.background()


def _figure_slide(prs: Presentation, figure: PublishedFigure, stamp: str, png: Path | None = None,
                  part: str = "") -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    _slide_title(slide, figure.title + part)
    box_top, box_bottom = Inches(1.3), HEIGHT - Inches(0.6)
    box_w, box_h = WIDTH - 2 * MARGIN, box_bottom - box_top
    png = png or figure.slide_png or figure.png  # the slide's own drawing; the page's only when none was made
    pic = slide.shapes.add_picture(str(png), MARGIN, box_top)  # native size (the PNG's dpi) first
    # a slide drawing is placed unscaled (its text was drawn at 14 pt or more); only a page figure shrinks
    scale = min(box_w / pic.width, box_h / pic.height, 1.0 if figure.slide_png else float("inf"))
    pic.width, pic.height = int(pic.width * scale), int(pic.height * scale)
    pic.left = int(MARGIN + (box_w - pic.width) / 2)
    pic.top = int(box_top)
    if figure.source:
        _textbox(slide, MARGIN, SOURCE_TOP, WIDTH - 2 * MARGIN, Inches(0.3), figure.source, MIN_PT, color=GREY)
    _stamp(slide, stamp)
    if figure.notes:
        slide.notes_slide.notes_text_frame.text = "\n".join(figure.notes)


CHAR = Inches(14 * 0.64 / 72)
"""One display-width unit at 14 pt (a Latin character; a kanji counts two): what a column needs per character
(digits and the wide faces LibreOffice substitutes for Meiryo run to about 0.64 em)."""
CELL_PAD = Inches(0.2)
"""A table cell's left and right insets together (PowerPoint's default 0.1 in each)."""
ROW_HEIGHT, LINE = Inches(0.4), Inches(14 * 1.25 / 72)
SOURCE_TOP = HEIGHT - Inches(0.62)
"""Where a slide's source line starts (figure and table slides alike), above the provenance stamp."""
TABLE_TOP = Inches(1.4)


def _lines(text: str, width: int) -> int:
    """Lines ``text`` takes at 14 pt in a box ``width`` wide (EMU)."""
    per_line = max(int((width - CELL_PAD) / CHAR), 1)
    return sum(max(-(-display_width(part) // per_line), 1) for part in str(text).split("\n"))


def _column_widths(chunk, numeric: list[bool], available: int) -> list[int]:
    """Widths (EMU) at which no number, year or percentage wraps ("31.4 / %"): each numeric column at least as
    wide as its widest value at 14 pt; a header may take two lines; text (a segment's name) wraps only when the
    table would not fit otherwise. Space left over goes to the columns in proportion to their need."""
    values = [max((display_width(v) for v in chunk[h].astype(str)), default=1) for h in chunk.columns]
    # a header on up to three lines, never broken inside a word ("Respo/ndent/s")
    heads = [max(-(-display_width(h) // 3), *(display_width(w) + 1 for w in str(h).split()))  # bold runs wider
             for h in chunk.columns]
    need = [max(v, h) * CHAR + CELL_PAD for v, h in zip(values, heads, strict=True)]
    if sum(need) > available:  # text columns give way first: half their widest value, never below 10 units
        need = [n if num else max(min(n, max(v // 2, 10) * CHAR + CELL_PAD), h * CHAR + CELL_PAD)
                for n, num, v, h in zip(need, numeric, values, heads, strict=True)]
    # what still does not fit shrinks alike (a table never runs off the slide); spare room goes by need
    return [int(n * available / sum(need)) for n in need]


def _table_slides(prs: Presentation, table: PublishedTable, lang: str, stamp: str) -> None:
    """A table as the report page shows it (the same strings: x, —, …), 14 pt, its numbers never wrapped;
    under it its note (what the marks mean, any merged segment) and the source line, all on the slide: rows
    that do not fit above the note continue on the next slide."""
    from pipeline.publish.formats import NUMERIC_KINDS, kind

    shown = people_frame(table, lang)
    kinds = [kind(c) for c in table.people_columns()]
    # a year column with one value throughout (the latest year, the year it is compared with) is said once above
    # the table instead: ten columns at 14 pt do not fit a slide's width
    constant = [h for h, k in zip(shown.columns, kinds, strict=True) if k == "year" and shown[h].nunique() == 1
                and len(shown) > 1]
    caption = " / ".join(f"{h}: {shown[h].iloc[0]}" for h in constant)
    numeric = [k in NUMERIC_KINDS for h, k in zip(shown.columns, kinds, strict=True) if h not in constant]
    shown = shown.drop(columns=constant)
    top = TABLE_TOP + (LINE + Inches(0.1) if caption else 0)
    inner = WIDTH - 2 * MARGIN
    note_h = _lines(table.note, inner) * LINE + Inches(0.1) if table.note else 0
    note_top = SOURCE_TOP - note_h
    widths = _column_widths(shown, numeric, inner)
    head_h = max(_lines(h, w) for h, w in zip(shown.columns, widths, strict=True)) * LINE + Inches(0.15)
    # each row as tall as its most wrapped cell; rows that do not fit above the note go to the next slide
    row_hs = [max(ROW_HEIGHT, max(_lines(v, w) for v, w in zip(row, widths, strict=True)) * LINE + Inches(0.15))
              for row in shown.astype(str).itertuples(index=False)]
    room = note_top - Inches(0.1) - top - head_h
    chunks, heights, used = [], [], 0
    for i, h in enumerate(row_hs):
        if not chunks or used + h > room or len(chunks[-1]) >= TABLE_ROWS:
            chunks.append([])
            heights.append([])
            used = 0
        chunks[-1].append(i)
        heights[-1].append(h)
        used += h
    chunks, heights = chunks or [[]], heights or [[]]
    for part, (rows_here, hs) in enumerate(zip(chunks, heights, strict=True)):
        chunk = shown.iloc[rows_here]
        slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
        _slide_title(slide, table.title + (f" ({part + 1}/{len(chunks)})" if len(chunks) > 1 else ""))
        rows, cols = len(chunk) + 1, len(chunk.columns)
        if caption:
            _textbox(slide, MARGIN, TABLE_TOP - Inches(0.05), inner, LINE + Inches(0.1), caption, MIN_PT)
        shape = slide.shapes.add_table(rows, cols, MARGIN, top, inner, int(head_h + sum(hs)))
        frame = shape.table
        frame.rows[0].height = int(head_h)
        for r, h in enumerate(hs, start=1):
            frame.rows[r].height = int(h)
        for c, (head, w, num) in enumerate(zip(chunk.columns, widths, numeric, strict=True)):
            frame.columns[c].width = w
            _cell(frame.cell(0, c), str(head), bold=True)
            for r, value in enumerate(chunk[head].tolist(), start=1):
                _cell(frame.cell(r, c), str(value), align=PP_ALIGN.RIGHT if num else PP_ALIGN.LEFT)
        if table.note:
            _textbox(slide, MARGIN, note_top, inner, note_h, table.note, MIN_PT, color=GREY)
        if table.source:
            _textbox(slide, MARGIN, SOURCE_TOP, inner, Inches(0.3), table.source, MIN_PT, color=GREY)
        _stamp(slide, stamp)


def _cell(cell, text: str, bold: bool = False, align: PP_ALIGN = PP_ALIGN.LEFT) -> None:
    frame = cell.text_frame
    frame.word_wrap = True
    para = frame.paragraphs[0]
    para.alignment = align
    run = para.add_run()
    run.text = text
    _font(run, MIN_PT, bold)
