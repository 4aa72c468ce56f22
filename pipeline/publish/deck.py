"""A 16:9 briefing deck (``--pptx``): the figures of a report as slides policy staff can drop into a
WG briefing without rework, standing alone: a title slide, the key points, the caveats a reader must know
before the numbers, the scoring and disclosure rules with the marks (x, —, …), one slide per figure and
one per headline table, and a closing slide with the sources in plain words.

A figure slide has one title (the slide's; the figure is drawn for the slide without its own, see
``style.slide_mode``), one source line, and the picture placed unscaled at the size it was drawn, so its
text stays at 14 pt or more when projected.

Every slide is built on the template's "Title Only" layout: its title is the slide's title placeholder
(so PowerPoint's outline, the accessibility checker and a screen reader find it when the slide is pasted
into another deck), moved to the 16:9 slide's own title box (python-pptx's default template is 4:3, and the
layout's placeholder would sit in the wrong place), at the largest size from 26 pt down to 20 pt at which it
fits one line (:func:`fits_one_line`); everything else is a text box. Text runs name a Japanese font
for both Latin and East Asian script (PowerPoint picks the East Asian face for kana and kanji from
``<a:ea>``, not from the Latin font name).

Provenance: a WG reader pastes a slide into a briefing as it is, so no slide carries plumbing (catalog ids,
file paths, content hashes, run parameters): each slide has one source line in plain words (the survey, its
years, its respondents) at 14 pt, and the closing slide says the date and where the reproduction details are (the
report's appendix, the machine files). A figure slide carries the numbers behind the figure in its notes, so a
presenter can answer "how many companies?" without opening the report.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from functools import cache
from pathlib import Path

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.text.text import TextFrame, _Run
from pptx.util import Emu, Inches, Pt

from pipeline.linebreak import narrowest, pack, phrases
from pipeline.palette import ACCENT_COLOUR, PAGE_TEXT_COLOUR, SLIDE_MUTED_COLOUR
from pipeline.publish.formats import BAND_LABELS, people_frame, said_once
from pipeline.publish.model import Provenance, PublishedFigure, PublishedTable
from pipeline.xlsx import display_width

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
FONT = "Meiryo"
"""Shipped with Windows (where briefing decks are opened); LibreOffice and macOS substitute a Japanese
sans-serif face."""
DARK, GREY, ACCENT = (RGBColor.from_string(c.lstrip("#"))
                      for c in (PAGE_TEXT_COLOUR, SLIDE_MUTED_COLOUR, ACCENT_COLOUR))
TITLE_ONLY_LAYOUT = 5
"""The default template's "Title Only" layout: one title placeholder and nothing else."""
WORDS = {"ja": {"headline": "要点", "caveats": "数値を読む前に", "rules": "採点と秘匿のルール、記号",
                "sources": "出典", "generated": "作成日: {date}",
                "replay": "集計を再現するための情報(データと集計コードの版、条件)は、報告書(HTML)の付録にあります。",
                "more": "上位{shown}行を表示(全{total}行は集計表(Excel)の「{sheet}」シート)"},
         "en": {"headline": "Key points", "caveats": "Before reading the numbers",
                "rules": "Scoring and disclosure rules, marks", "sources": "Sources", "generated": "Prepared: {date}",
                "replay": "What it takes to reproduce these numbers (data and code versions, parameters) is in the "
                          "report's appendix (HTML).",
                "more": "First {shown} rows shown (all {total} in the tables workbook (Excel), sheet \"{sheet}\")"}}
"""The deck's own words. A WG briefing slide carries no internal ids (catalog versions, file paths, content hashes,
run parameters): those stay in the HTML's appendix and the machine files (tables/*.csv, disclosure_audit.csv)."""
MIN_PT = 14
"""The smallest text on a slide, the source line included (a projected 12-pt line was unreadable)."""
TITLE_PT, TITLE_MIN_PT = 26, 20
"""A slide title's size, and the smallest it shrinks to in order to fit one line."""
NARROW_EM, SCRIPT_GAP_EM = 0.62, 0.25
"""Width estimate of a line of text: a wide (kanji, kana, full-width, and the ambiguous ★, →, – a Japanese face
draws full width) character takes 1 em, any other 0.62 em
(Meiryo's and Noto Sans CJK's Latin letters and digits average under 0.6), and each change between wide and
narrow script 0.25 em more (PowerPoint and LibreOffice space Latin text and numbers apart from Japanese:
「(2026 年度 )」). Measured on the LibreOffice rendering of the demo decks, this overestimates by about 5%."""
TEXT_INSETS = Inches(0.2)
"""A text box's left and right insets together."""


CELL_NARROW_EM = 0.56
"""The narrow character's width in a table cell: digits and "No.54" run about 0.5 em in both faces; a title keeps the
more cautious :data:`NARROW_EM` (a title that wraps breaks the slide, a cell one line taller does not)."""


@cache
def _letter_em(ch: str, bold: bool) -> float:
    """A Latin letter's advance in em in DejaVu Sans (bold where ``bold``): the face LibreOffice puts in Meiryo's
    place, whose letters share Verdana's wide proportions with Meiryo's own Latin. A bold header "Respondents" runs
    7.3 em there, not the 6.2 em of the narrow rule: a column of 6.4 em would break it 「Responden / ts」."""
    from matplotlib.font_manager import FontProperties, findfont
    from PIL import ImageFont

    face = ImageFont.truetype(findfont(FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")),
                              1000)
    return face.getlength(ch) / 1000


def text_em(text: str, narrow: float = NARROW_EM, letters: bool | None = None) -> float:
    """Width of one line of ``text`` in em by the rule of :data:`NARROW_EM` (the widest line, when several).
    ``letters`` (``False`` regular, ``True`` bold): a Latin letter takes its measured width (:func:`_letter_em`) when
    that is wider than ``narrow``; digits and signs keep ``narrow``."""
    widths = []
    for line in str(text).split("\n"):
        em, previous, prev_space = 0.0, None, False
        for ch in line:
            wide = unicodedata.east_asian_width(ch) in "WFA"  # ambiguous (★, →, –) is wide in a Japanese face
            em += 1.0 if wide else max(narrow, _letter_em(ch, letters)) if letters is not None and ch.isascii() \
                and ch.isalpha() else narrow
            if previous is not None and wide != previous and not ch.isspace() and not prev_space:
                em += SCRIPT_GAP_EM
            previous, prev_space = wide, ch.isspace()
        widths.append(em)
    return max(widths, default=0.0)


def fits_one_line(text: str, size: float, width: int) -> bool:
    """Whether ``text`` at ``size`` points fits one line of a text box ``width`` wide (EMU, insets included)."""
    return Inches(text_em(text) * size / 72) <= width - TEXT_INSETS


def write_deck(path: Path, title: str, subtitle: str, headline: list[str], figures: list[PublishedFigure],
               provenance: Provenance, lang: str, caveats: list[str] | None = None, rules: list[str] | None = None,
               tables: list[PublishedTable] | None = None, sources: list[str] | None = None,
               source: str = "") -> Path:
    """Write the deck: title, key points, caveats, rules and marks, one slide per figure, the tables, provenance.

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
        One slide each, in order: title, PNG placed at its size, source line, notes.
    provenance : Provenance
        In full on the closing slide; its snapshot id ends every slide's source line.
    lang : {'ja', 'en'}
        Language of the deck's own words (the headline slide's title).
    caveats : list of str, optional
        What a reader must know before the numbers (provisional catalog, own mappings, version changes).
    rules : list of str, optional
        The scoring rules, the disclosure rules and what the marks mean, one paragraph each.
    tables : list of PublishedTable, optional
        Headline tables, as the report page shows them (or pivoted, :class:`SlidePivot`): one slide each, two
        halves when one slide cannot hold them, else the first rows and a line naming the workbook's sheet.
    sources : list of str, optional
        The closing slide's lines in plain words (the survey and its respondents, the ★ table's version).
    source : str, optional
        The source line of the key-points, caveats and rules slides (else the deck's title).

    Returns
    -------
    Path
        ``path``.
    """
    if lang not in WORDS:
        raise ValueError(f"lang must be one of {tuple(WORDS)}, not {lang!r}")
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    _title_slide(prs, title, subtitle)
    deck_source = source or title  # the survey line the report wrote, else the deck's title
    _headline_slide(prs, WORDS[lang]["headline"], headline, deck_source)
    if caveats:
        _headline_slide(prs, WORDS[lang]["caveats"], caveats, deck_source, size=20)
    if rules:
        _headline_slide(prs, WORDS[lang]["rules"], rules, deck_source, size=16)
    for figure in figures:
        parts = [figure.slide_png, *figure.slide_more] if figure.slide_png else [figure.png]
        for i, png in enumerate(parts):
            _figure_slide(prs, figure, png, f" ({i + 1}/{len(parts)})" if len(parts) > 1 else "")
    for table in tables or []:
        _table_slides(prs, table, lang)
    _sources_slide(prs, sources or [], provenance, lang)
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


GLOSS = re.compile(r"[(（][^()（）\d]*[)）]")
"""A parenthetical without a number: an explanation (「(各年度の回答事業者の合計)」), not a year or a count."""


def _source_line(slide, source: str) -> None:
    """The slide's one source line in plain words (the survey, its years, its respondents), at 14 pt, never smaller
    (English at 12–13 pt is unreadable when projected). A line too long for one line first drops its
    explanations in parentheses (「延べ1,672社(各年度の回答事業者の合計)」: 「延べ」 says it, and the report's footer
    keeps the explanation); one still too long wraps to a second line, its box grown upwards."""
    if not source:
        return
    width = WIDTH - 2 * MARGIN
    text = _source_text(source)
    lines = _source_lines(source)
    height = Inches(0.35) + (lines - 1) * LINE
    _textbox(slide, MARGIN, SOURCE_TOP + Inches(0.35) - height, width, height, text, MIN_PT, color=GREY,
             anchor=MSO_ANCHOR.BOTTOM)


def _source_text(source: str) -> str:
    """The source line as a slide prints it: whole where it fits one line, else without its explanations."""
    return source if fits_one_line(source, MIN_PT, WIDTH - 2 * MARGIN) else GLOSS.sub("", source)


def _source_lines(source: str) -> int:
    """Lines the source line takes on a slide (one, or two where even its short form is too long); none if empty."""
    if not source:
        return 0
    return 1 if fits_one_line(_source_text(source), MIN_PT, WIDTH - 2 * MARGIN) else 2


def _title_slide(prs: Presentation, title: str, subtitle: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    band = slide.shapes.add_shape(1, 0, Inches(2.6), WIDTH, Emu(Inches(0.08)))  # 1 = rectangle
    band.fill.solid()
    band.fill.fore_color.rgb = ACCENT
    band.line.fill.background()
    # the slides' own margins: at 0.9 in the English title ("Power sector cybersecurity self-assessment: trend
    # report") was too wide for one line even at 24 pt
    width = WIDTH - 2 * MARGIN
    _title(slide, MARGIN, Inches(2.8), width, Inches(1.2), title, _title_size(title, width, 36, TITLE_MIN_PT),
           MSO_ANCHOR.TOP)
    _textbox(slide, MARGIN, Inches(4.2), width, Inches(1.2), subtitle, 20, color=GREY)


def _bullets_size(lines: list[str], width: int, height: int, size: float) -> float:
    """The largest size from ``size`` down to :data:`MIN_PT` at which the bullets fit the box (eight key
    points at 22 pt overflow the automotive deck's key-points slide)."""
    for pt in range(int(size), MIN_PT - 1, -1):
        per_line = max(int((width - Inches(0.45)) / Inches(pt * 0.56 / 72)), 1)  # after the bullet's indent
        rows = sum(max(-(-display_width(line) // per_line), 1) for line in lines)
        if Inches(rows * pt * 1.2 / 72 + len(lines) * pt * 0.6 / 72) <= height:
            return float(pt)
    return float(MIN_PT)


def _headline_slide(prs: Presentation, heading: str, headline: list[str], source: str, size: float = 22) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    _slide_title(slide, heading)
    _bullet_box(slide, headline, size)
    _textbox(slide, MARGIN, SOURCE_TOP, WIDTH - 2 * MARGIN, Inches(0.35), source, MIN_PT, color=GREY)


def _bullet_box(slide, lines: list[str], size: float) -> None:
    size = _bullets_size(lines, WIDTH - Inches(1.8), Inches(5.2), size)
    frame = slide.shapes.add_textbox(Inches(0.9), Inches(1.5), WIDTH - Inches(1.8), Inches(5.2)).text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        _bullet(para)
        para.space_after = Pt(size * 0.6)
        run = para.add_run()
        run.text = line
        _font(run, size)


def _sources_slide(prs: Presentation, sources: list[str], provenance: Provenance, lang: str) -> None:
    """The closing slide, in plain words: the survey and the tables the deck rests on (``sources``, written by the
    report), the date it was prepared, and where the reproduction details are. The snapshot's hash, the code
    version and the run's parameters are not a briefing's words: they stay in the report's appendix."""
    words = WORDS[lang]
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    _slide_title(slide, words["sources"])
    lines = [*sources, *([words["generated"].format(date=provenance.generated)] if provenance.generated else []),
             words["replay"]]
    _bullet_box(slide, lines, 18)


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


def _title_size(text: str, width: int, size: float = TITLE_PT, smallest: float = TITLE_MIN_PT) -> float:
    """The largest whole size from ``size`` down to ``smallest`` at which the title fits one line of a box
    ``width`` wide (:func:`fits_one_line`): the movers and ★ titles wrapped to two lines at 23 pt. A title that
    does not fit at ``smallest`` either is too long for a slide: the caller's words must be shortened."""
    return float(next((pt for pt in range(int(size), int(smallest) - 1, -1) if fits_one_line(text, pt, width)),
                      smallest))


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
    body.set("lIns", str(TEXT_INSETS // 2))  # a text box's insets, so the title lines up with the text below it
    body.set("rIns", str(TEXT_INSETS // 2))
    for i, line in enumerate(text.split("\n")):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = PP_ALIGN.LEFT
        run = para.add_run()
        run.text = line
        _font(run, size, True)
    return frame


def _slide_title(slide, text: str) -> None:
    width = WIDTH - 2 * MARGIN
    _title(slide, MARGIN, Inches(0.3), width, Inches(0.9), text, _title_size(text, width))
    rule = slide.shapes.add_shape(1, MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, Emu(Inches(0.03)))
    rule.fill.solid()
    rule.fill.fore_color.rgb = ACCENT
    rule.line.fill.background()


def _figure_slide(prs: Presentation, figure: PublishedFigure, png: Path | None = None, part: str = "") -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    _slide_title(slide, figure.title + part)
    box_top, box_bottom = Inches(1.3), SOURCE_TOP
    box_w, box_h = WIDTH - 2 * MARGIN, box_bottom - box_top
    png = png or figure.slide_png or figure.png  # the slide's own drawing; the page's only when none was made
    pic = slide.shapes.add_picture(str(png), MARGIN, box_top)  # native size (the PNG's dpi) first
    # a slide drawing is placed unscaled (its text was drawn at 14 pt or more); only a page figure shrinks
    scale = min(box_w / pic.width, box_h / pic.height, 1.0 if figure.slide_png else float("inf"))
    pic.width, pic.height = int(pic.width * scale), int(pic.height * scale)
    pic.left = int(MARGIN + (box_w - pic.width) / 2)
    pic.top = int(box_top)
    extra = max(_source_lines(figure.source) - 1, 0)  # a source line of two lines takes a line of the footnote's
    line = footnote(figure.slide_note, box_w, FOOTNOTE_LINES - extra)
    if line:  # above the source line, under the picture (drawn SLIDE_FIGURE high: it ends above these lines)
        rows = _cell_lines(line, box_w, narrow=NARROW_EM)
        top = SOURCE_TOP - (extra + rows) * LINE - Inches(0.03)
        _textbox(slide, MARGIN, top, box_w, rows * LINE, line, MIN_PT, color=GREY, anchor=MSO_ANCHOR.BOTTOM)
    _source_line(slide, figure.source)
    # the whole note where the footnote carries only its first parts, the caveats every slide shares, the numbers
    notes = [*([figure.slide_note] if figure.slide_note and figure.slide_note != line else []),
             *([figure.slide_shared] if figure.slide_shared else []), *figure.notes]
    if notes:
        slide.notes_slide.notes_text_frame.text = "\n".join(notes)


NOTE_PARTS = re.compile(r" / |(?<=[.。])\s+")
"""Where a figure's note may be cut for a slide's footnote: between its notes (joined by " / ") and its sentences, never
inside a list (half a key of merged segments would misname the other half)."""


FOOTNOTE_LINES = 2
"""Lines a figure slide's footnote may take at 14 pt between the picture and the source line."""


def footnote(note: str, width: int, lines: int = FOOTNOTE_LINES) -> str:
    """A figure's note as a slide's footnote at 14 pt in a box ``width`` wide, on at most ``lines`` lines: the note
    whole where it fits, else its leading parts (notes, sentences) that fit together, else nothing (the slide's notes
    carry it all). The figure's own words come first (a short label's key, what 「—」 means); the caveats every slide
    shares (a company in several business types, the merged segments) come after them and are on the caveats slide
    already."""
    note = " ".join(str(note).split())

    def fits(text: str) -> bool:
        return lines > 0 and _cell_lines(text, width, narrow=NARROW_EM) <= lines

    if not note or fits(note):
        return note if lines > 0 else ""
    line = ""
    for part in (p for p in NOTE_PARTS.split(note) if p):
        glue = "" if not line or line.endswith("。") else " " if line.endswith(".") else " / "
        if not fits(line + glue + part):
            break
        line += glue + part
    return line


CELL_PAD = Inches(0.2)
"""A table cell's left and right insets together (PowerPoint's default 0.1 in each)."""
LINE = Inches(MIN_PT * 1.45 / 72)
"""A line of 14-point text in a cell (Meiryo and Noto Sans CJK set lines about 1.45 em apart)."""
CELL_V = Inches(0.08)
"""A cell's top and bottom insets together."""
SOURCE_TOP = HEIGHT - Inches(0.6)
"""Where a slide's source line starts (every slide but the title and the closing one)."""
COMPACT_SPACING = 1.2
"""Line spacing of a compact table (in em): twelve rows of the ★ distance table fit one slide at 14 pt."""
LINE_COMPACT = Inches(MIN_PT * COMPACT_SPACING / 72)
CELL_V_COMPACT = Inches(0.04)
TABLE_TOP = Inches(1.3)
"""Where a table starts: as high as a figure's picture area (ten ★ requirements fit one slide)."""
BOLD = 1.06
"""Bold text runs about 6% wider."""


def _cell_lines(text: str, width: int, bold: bool = False, narrow: float = CELL_NARROW_EM) -> int:
    """Lines ``text`` takes at 14 pt in a box ``width`` wide (EMU, its insets included), wrapped as PowerPoint and
    LibreOffice wrap it: a Japanese character may start a line, a Latin word moves whole to the next line (a header
    of 13 kanji in 4.9 em takes four lines of four, not 13 / 4.9 → three)."""
    room = (width - CELL_PAD) / Inches(MIN_PT / 72)  # em per line
    scale = BOLD if bold else 1.0
    total = 0
    for part in str(text).split("\n"):
        tokens = re.findall(r"[\x00-\x7f]+?(?=\s|[^\x00-\x7f]|$)\s*|[^\x00-\x7f]", part)  # words, single kanji
        lines, line = 1, ""
        for token in tokens:
            if line and text_em((line + token).rstrip(), narrow, bold) * scale > room:
                lines, line = lines + 1, token.lstrip()
            else:
                line += token
        total += lines
    return total


def _one_line(text: str, bold: bool = False, narrow: float = CELL_NARROW_EM) -> int:
    """The width (EMU) a cell needs to hold ``text`` on one line at 14 pt, its Latin letters measured."""
    return int(Inches(text_em(text, narrow, bold) * (BOLD if bold else 1.0) * MIN_PT / 72) + CELL_PAD) + 1


def _header_width(text: str, lines: int) -> int:
    """The width a header needs on at most ``lines`` lines broken between phrases (:mod:`pipeline.linebreak`):
    never less than its widest phrase, so no word is broken (「回答事業 / 者数」, 「95%信 / 頼区間」)."""
    return int(narrowest(str(text), lines, lambda s: _value_width(s, True))) if str(text) else int(CELL_PAD)


def _header_lines(text: str, width: int) -> list[str]:
    """A header's lines in a column ``width`` wide: whole phrases, as many on a line as fit. The cell is written
    with these breaks, so PowerPoint and LibreOffice never break it where they would (inside a word)."""
    return pack(str(text), lambda s: _value_width(s, True) <= width)


def _header_height_lines(text: str, width: int) -> int:
    """Lines a header takes: its phrase lines, each wrapped further only if a phrase is wider than the column
    (a squeezed table)."""
    return sum(_cell_lines(line, width, True) for line in _header_lines(text, width))


def _widest_phrase(text: str) -> int:
    """The width (EMU) of a text cell's widest phrase at 14 pt: the least its column may be."""
    return max((_value_width(p.strip()) for p in phrases(str(text))), default=int(CELL_PAD))


def _value_lines(text: str, width: int) -> list[str]:
    """A text cell's lines in a column ``width`` wide: whole phrases, as many on a line as fit, written with these
    breaks so the renderer never breaks a name where it would (「特定送配電・自 / 家用」)."""
    return pack(str(text), lambda s: _value_width(s) <= width)


VALUE_SPARE = 1.05
"""A value mixing scripts takes its width estimate times this: the gap between Latin and Japanese is the uncertain part
of :func:`text_em` (「+9.7ポイント」 measured exactly its column's width and LibreOffice wrapped it)."""


def _value_width(text: str, bold: bool = False) -> int:
    """The width (EMU) a cell needs to hold ``text`` on one line at 14 pt, with :data:`VALUE_SPARE` where it mixes
    scripts (「95%信頼区間」 too: LibreOffice breaks it 「95%信頼区 / 間」 in a column of exactly its estimate)."""
    mixed = len({unicodedata.east_asian_width(ch) in "WFA" for ch in text if not ch.isspace()}) > 1
    return int(_one_line(text, bold) * (VALUE_SPARE if mixed else 1.0))


def _column_widths(chunk: pd.DataFrame, numeric: list[bool], available: int, lines: int) -> list[int]:
    """Widths (EMU) at which no number, year or percentage wraps ("31.4 / %"): each numeric column as wide as its
    widest value at 14 pt and its header on ``lines`` lines; text (a segment's or a requirement's name) on one line
    where the slide's width allows, else the text columns share what the numbers leave. Space left over goes to
    the columns in proportion to their need."""
    # a number is measured at the cautious width and a "%" as a wide character: "65.2%" took 0.76 in by the cell's
    # 0.56 em, and 0.82 in by 0.62 em, and wrapped to "65.2 / %" in LibreOffice; text keeps the cell's estimate
    # a band's words (「90% or more」) are words, not a number: they may break between them, in a row that other
    # cells make two lines high anyway, and leave the width to the segment names
    bands = {str(v) for words in BAND_LABELS.values() for v in words.values() if " " in v}
    values = [max((max(_one_line(p.replace("%", "％"), narrow=NARROW_EM) for p in (v.split() if v in bands else [v]))
                   if num else _value_width(v) for v in chunk[h].astype(str)), default=int(CELL_PAD))
              for h, num in zip(chunk.columns, numeric, strict=True)]
    # a text column never narrower than its header's narrowest or its values' widest phrase: its cells break
    # between phrases only (never 「特定送配電・自 / 家用」, inside a word)
    heads = [max(_header_width(h, lines), *(_widest_phrase(v) for v in chunk[h].astype(str))) if not num
             else _header_width(h, lines) for h, num in zip(chunk.columns, numeric, strict=True)]
    need = [max(v, h) for v, h in zip(values, heads, strict=True)]
    if sum(need) > available:  # text gives way first, down to its header's narrowest
        fixed = sum(n for n, num in zip(need, numeric, strict=True) if num)
        texts = sum(n for n, num in zip(need, numeric, strict=True) if not num)
        room = max(available - fixed, 0)
        need = [n if num else max(int(n * room / texts), h) for n, num, h in zip(need, numeric, heads, strict=True)]
        # a text column held at its header's width leaves the excess to the text columns still above theirs
        excess = sum(need) - available
        flex = [n - h if not num else 0 for n, num, h in zip(need, numeric, heads, strict=True)]
        if excess > 0 and sum(flex) > 0:
            need = [n - int(min(excess, sum(flex)) * f / sum(flex)) for n, f in zip(need, flex, strict=True)]
    # what still does not fit shrinks alike (a table never runs off the slide); spare room goes by need
    return [int(n * available / sum(need)) for n in need]


def _pivoted(shown: pd.DataFrame, table: PublishedTable, lang: str) -> pd.DataFrame:
    """The people's frame read across (:class:`SlidePivot`): the same strings, rows by ``rows``, columns by
    ``column`` in the order they first appear."""
    from pipeline.publish.formats import header

    pivot = table.pivot
    rows = [header(c, lang, table.name, slide=True) for c in pivot.rows]
    column, value = (header(c, lang, table.name, slide=True) for c in (pivot.column, pivot.value))
    frame = shown.copy()
    if pivot.split:
        parts = frame[column].astype(str).str.split(pivot.split, n=1)
        lead = pivot.split_name or " "  # the row part ("★3") under its own header
        frame.insert(0, lead, parts.str[0])
        frame[column] = parts.str[1].fillna("")
        rows = [lead, *rows]
    order = list(dict.fromkeys(frame[column]))
    wide = frame.pivot_table(index=rows, columns=column, values=value, aggfunc="first", sort=False)
    wide = wide.reindex(columns=order).reset_index()
    wide.columns = [str(c) for c in wide.columns]
    return wide.fillna("").astype(str)


def _table_slides(prs: Presentation, table: PublishedTable, lang: str) -> None:
    """A table as the report page shows it (the same strings: x, —, …), 14 pt, its numbers never wrapped, under
    it its note (what the marks mean, any merged segment) and the source line. All of it on one slide where it
    fits; else in two even halves 「(1/2)」「(2/2)」; else (a ranked what-if of thirty requirements) the first
    rows that fit one slide, with a line saying where the rest is (the workbook's sheet)."""
    from pipeline.publish.formats import NUMERIC_KINDS, header, kind
    from pipeline.publish.render_xlsx import sheet_name

    columns = table.people_columns()
    # the slide's short headers where the catalog has them (columns.yaml ``slide``): eight English headers at 14 pt
    # left a row of six room, broken inside words ("Respon / dents")
    shown = people_frame(table, lang).set_axis([header(c, lang, table.name, slide=True) for c in columns], axis=1)
    kinds = dict(zip(shown.columns, (kind(c) for c in columns), strict=True))
    # a year the same on every row, a column withheld on every row: said once above the table (formats.said_once)
    dropped, captions = said_once(shown, kinds, table.title, lang, withheld=table.pivot is None)
    shown = shown.drop(columns=dropped)
    if table.pivot is not None:
        shown = _pivoted(shown, table, lang)
    # a pivot's new columns hold the value's strings (shares): numbers, but for the row part of a split ("★3")
    lead = table.pivot.split_name or " " if table.pivot is not None and table.pivot.split else None
    numeric = [kinds.get(h) in NUMERIC_KINDS or (h not in kinds and table.pivot is not None and h != lead)
               for h in shown.columns]
    top = TABLE_TOP + len(captions) * LINE + (Inches(0.1) if captions else 0)
    inner = WIDTH - 2 * MARGIN

    def layout(lines: int, compact: bool = False) -> tuple[list[int], int, list[int]]:  # widths, header, rows
        line, pad = (LINE_COMPACT, CELL_V_COMPACT) if compact else (LINE, CELL_V)
        widths = _column_widths(shown, numeric, inner, lines)
        head_h = max(_header_height_lines(h, w) for h, w in zip(shown.columns, widths, strict=True)) * line + pad
        row_hs = [max(len(_value_lines(v, w)) if not num else _cell_lines(v, w)
                      for v, w, num in zip(row, widths, numeric, strict=True)) * line + pad
                  for row in shown.astype(str).itertuples(index=False)]
        return widths, head_h, row_hs

    # headers on one, two or three lines: whichever makes the table shortest (a three-line header row cost the ★
    # top ten its tenth row; two-line headers would have wrapped two requirement names instead)
    # a layout that leaves a column narrower than a header's widest phrase (the table squeezed to the slide) breaks
    # a word: the last resort
    # a value broken inside a word ("transmis / sion") as much as a header
    def broken(widths: list[int]) -> bool:
        return any(w < _header_width(h, len(phrases(str(h)))) or (not num and w < max(
            (_widest_phrase(v) for v in shown[h].astype(str)), default=0))
            for h, w, num in zip(shown.columns, widths, numeric, strict=True))

    # each header layout computed once (three calls per candidate had tripled the deck's table time)
    layouts = {n: layout(n) for n in (1, 2, 3)}
    best_lines = min(layouts, key=lambda n: (broken(layouts[n][0]), layouts[n][1] + sum(layouts[n][2])))
    widths, head_h, row_hs = layouts[best_lines]
    more = WORDS[lang]["more"]

    def note_height(note: str) -> int:  # a text box's lines, by the cautious rule of a title
        return _cell_lines(note, inner + CELL_PAD - TEXT_INSETS, narrow=NARROW_EM) * LINE + Inches(0.1) if note else 0

    def room(note: str) -> int:  # the rows' height between the header and the note above the source line
        note_h = note_height(note)
        return SOURCE_TOP - Inches(0.1) - note_h - top - head_h

    def fit(hs: list[int], note: str) -> bool:
        return sum(hs) <= room(note)

    n = len(row_hs)
    half = math.ceil(n / 2)
    compact = False
    if not fit(row_hs, table.note):  # tighter lines, still 14 pt, before a second slide: one table, one title
        _, c_head, c_rows = layout(best_lines, compact=True)
        if sum(c_rows) <= SOURCE_TOP - Inches(0.1) - note_height(table.note) - top - c_head:
            compact, head_h, row_hs = True, c_head, c_rows
    if fit(row_hs, table.note):
        chunks, note_more = [list(range(n))], ""
    elif fit(row_hs[:half], table.note) and fit(row_hs[half:], table.note):
        chunks, note_more = [list(range(half)), list(range(half, n))], ""
    else:  # the first rows that fit, with a line saying so (the table is in the workbook in full)
        shown_n = n
        while shown_n > 1:
            note_more = more.format(shown=shown_n, total=n, sheet=sheet_name(table.name, lang))
            if fit(row_hs[:shown_n], f"{table.note}\n{note_more}" if table.note else note_more):
                break
            shown_n -= 1
        note_more = more.format(shown=shown_n, total=n, sheet=sheet_name(table.name, lang))
        chunks = [list(range(shown_n))]
    for part, rows_here in enumerate(chunks):
        chunk = shown.iloc[rows_here]
        hs = [row_hs[i] for i in rows_here]
        note = "\n".join(x for x in (note_more, table.note) if x)
        slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
        _slide_title(slide, table.title + (f" ({part + 1}/{len(chunks)})" if len(chunks) > 1 else ""))
        for i, words in enumerate(captions):
            _textbox(slide, MARGIN, TABLE_TOP - Inches(0.05) + i * LINE, inner, LINE + Inches(0.1), words, MIN_PT)
        shape = slide.shapes.add_table(len(chunk) + 1, len(chunk.columns), MARGIN, top, inner, int(head_h + sum(hs)))
        frame = shape.table
        frame.rows[0].height = int(head_h)
        for r, h in enumerate(hs, start=1):
            frame.rows[r].height = int(h)
        for c, (head, w, num) in enumerate(zip(chunk.columns, widths, numeric, strict=True)):
            frame.columns[c].width = w
            _cell(frame.cell(0, c), "\n".join(_header_lines(str(head), w)), bold=True, compact=compact)
            for r, value in enumerate(chunk[head].tolist(), start=1):
                text = str(value) if num else "\n".join(_value_lines(str(value), w))
                _cell(frame.cell(r, c), text, align=PP_ALIGN.RIGHT if num else PP_ALIGN.LEFT, compact=compact)
        if note:  # anchored at its foot: were it a line longer than reckoned, it would grow up, not over the source
            note_h = note_height(note)
            _textbox(slide, MARGIN, SOURCE_TOP - note_h, inner, note_h, note, MIN_PT, color=GREY,
                     anchor=MSO_ANCHOR.BOTTOM)
        _source_line(slide, table.source)


def _cell(cell, text: str, bold: bool = False, align: PP_ALIGN = PP_ALIGN.LEFT, compact: bool = False) -> None:
    """A table cell at 14 pt; a "\\n" in ``text`` is a line break (a header broken between phrases). ``compact``:
    lines set exactly :data:`LINE_COMPACT` apart with :data:`CELL_V_COMPACT` insets (the face's own line height
    would grow the row past what the slide was laid out for)."""
    frame = cell.text_frame
    frame.word_wrap = True
    cell.margin_top = cell.margin_bottom = (CELL_V_COMPACT if compact else CELL_V) // 2
    para = frame.paragraphs[0]
    para.alignment = align
    if compact:
        para.line_spacing = Pt(MIN_PT * COMPACT_SPACING)
    for i, line in enumerate(text.split("\n")):
        if i:
            para.add_line_break()
        run = para.add_run()
        run.text = line
        _font(run, MIN_PT, bold)
