"""Excel outputs people open (quarantine report, report tables): written with XlsxWriter, row by row
(pandas.to_excel is several times slower), and text that looks like a formula stays text.

Column widths are fitted to content when the caller gives none: a clerk should not have to drag
every column open. Excel measures width in characters of the default font, and a Japanese (East Asian
wide) character takes about two of those, so :func:`display_width` counts them double.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd
import xlsxwriter

from pipeline.palette import PLAIN_HEADER_FILL_COLOUR

SAFE = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        "nan_inf_to_errors": True}
MIN_WIDTH, MAX_WIDTH = 6, 60
"""Fitted widths stay in this range: a very long cell (a file path, a detail) is cut off visually
rather than making the sheet unreadable; its full text stays in the cell."""
SAMPLE_ROWS = 2000
"""Rows looked at when fitting widths: enough for any real report, bounded for a huge one."""


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as formulas when a clerk opens the CSV in Excel: text that begins
    like a formula (a company name ``=HYPERLINK(…)``, a raw answer ``+1``) gets a leading apostrophe, which
    Excel shows as text. Numbers are left alone; the xlsx beside the CSV keeps every value as written."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v)
    return out


def workbook(path: Path, in_memory: bool = False) -> xlsxwriter.Workbook:
    """A workbook that never turns '=…' text into a live formula.

    ``in_memory`` assembles the parts in memory instead of one temporary file per part: for many small
    workbooks (member feedback) the temporary files cost more than the writing.
    """
    return xlsxwriter.Workbook(str(path), {**SAFE, "in_memory": True} if in_memory else SAFE)


def display_width(text: object) -> int:
    """Width of ``text`` in Excel character units: wide and full-width characters count 2.

    The longest line counts when the text has line breaks (a wrapped header)."""
    text = str(text)
    if text.isascii():  # numbers, codes, English: one column per character
        return max(map(len, text.split("\n")))
    return _wide_width(text)


@lru_cache(maxsize=65536)
def _wide_width(text: str) -> int:
    """display_width of text with non-ASCII characters; cached: the same item texts, labels and notes are
    measured again for every member's workbook (a character lookup each: a tenth of a workbook's time)."""
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in text.split("\n"))


def fit_widths(columns: Iterable[Iterable[object]], padding: int = 2, min_width: int = MIN_WIDTH,
               max_width: int = MAX_WIDTH) -> list[int]:
    """One width per column: its widest value plus ``padding``, within [min_width, max_width].

    Parameters
    ----------
    columns : iterable of iterables
        Each column's display values (the header included when it should count).
    """
    widths = []
    for values in columns:
        widest = max((display_width(v) for v in values if v is not None and v == v), default=0)
        widths.append(min(max(widest + padding, min_width), max_width))
    return widths


LINE_POINTS = 18.0
"""Row height per line of wrapped 11-point text: Japanese faces (Excel's 游ゴシック and Meiryo, LibreOffice's Noto Sans
CJK) set lines about 1.6 em apart; at 15 pt a line a row the last line of 「…依頼してください」 was cut off in print."""
ROW_PAD = 3.0
"""Points above and below a row's text."""
WIDE_UNITS = 2.1
"""Column-width units (the default font's digit, 7 px in Excel's Calibri 11) a full-width character takes: an 11-point
Japanese glyph is 14.7 px. Counting 2 lets a line of 15 characters in a column of 30 overflow onto a line the row has
no room for. Rows are sized for Excel, the clerk's program: LibreOffice fits a little more on a line (with Calibri's
metric twin Carlito, about a character; a minimal install without it sets Calibri in DejaVu Sans, whose wider digit
makes every column about a fifth wider for Japanese text), so there some rows show a spare line. A spare line costs
paper; a row sized to LibreOffice's wrap would cut the last line in Excel."""
BREAK_AFTER = " -"
"""Characters after which Excel and LibreOffice break a run of Latin text ("No.74" and ".xlsx" stay whole); Japanese
breaks between any two characters."""


@lru_cache(maxsize=65536)
def _units(text: str) -> float:
    """Width of ``text`` in column-width units: full-width characters :data:`WIDE_UNITS`, others 1 (cached: a
    piece of a wrapped line is one Japanese character or a short ASCII run, measured again in every cell)."""
    if text.isascii():
        return float(len(text))
    return sum(WIDE_UNITS if unicodedata.east_asian_width(ch) in "WF" else 1.0 for ch in text)


def _pieces(line: str) -> list[str]:
    """The unbreakable pieces of a line: each non-ASCII character alone (Japanese breaks anywhere), a run of ASCII
    characters up to and including a :data:`BREAK_AFTER` character."""
    return _PIECE.findall(line)


_PIECE = re.compile(rf"[^\x00-\x7f]|[\x00-\x7f]*?[{re.escape(BREAK_AFTER)}]|[\x00-\x7f]+")


def cell_lines(text: object, width: int) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` characters wide, each of its own lines counted.

    The wrap is laid out piece by piece as the application does (a piece that does not fit starts a line; a piece
    longer than a line is cut), so a row is as tall as its text and no taller: a fixed share of the width per line
    made rows of the 要確認 sheet two and three times their text's height."""
    if text is None or text != text or str(text) == "":
        return 1
    return _text_lines(str(text), width)


@lru_cache(maxsize=1 << 13)
def _text_lines(text: str, width: float) -> int:
    """:func:`cell_lines` of a text (cached: a sheet repeats its status, problem and action texts row after row)."""
    room = max(width - 0.5, 1.0)  # the cell's inner margins take about half a character
    lines = 0
    for line in text.split("\n"):
        lines += 1
        used = 0.0
        for piece in _pieces(line):
            size = _units(piece)
            if used and used + _units(piece.rstrip()) > room:
                lines += 1
                used = 0.0
            while size > room:  # longer than a line: the application cuts it
                lines += 1
                size -= room
            used += size
    return lines


def wrapped_lines(texts: Iterable[object], widths: Iterable[int]) -> int:
    """Lines the tallest cell of a row needs when each text wraps in its column's width (in characters):
    Excel and LibreOffice do not grow a row to fit wrapped text in a file they open."""
    return max((cell_lines(t, w) for t, w in zip(texts, widths, strict=True)), default=1)


def row_height(lines: int) -> float:
    """The height (points) of a row of ``lines`` lines of wrapped text."""
    return LINE_POINTS * lines + ROW_PAD


def write_sheet(wb: xlsxwriter.Workbook, name: str, frame: pd.DataFrame, widths: list[int | None] | None = None,
                autofilter: bool = True, wrap: bool = False, hidden: Iterable[int] = ()) -> None:
    """One table per sheet: bold frozen header, blanks for missing values, column widths.

    ``widths`` gives each column's width; without it (or for a ``None`` entry, or a column past its
    end) the width is fitted to the header and the values. ``wrap``: long text wraps within the
    given widths (rows grow to fit), so a sheet printed one page wide keeps a readable type size.
    ``hidden``: columns kept for scripts but hidden on screen and in print (a row is as tall as its shown text).
    """
    ws = wb.add_worksheet(name)
    head = {"bold": True, "bg_color": PLAIN_HEADER_FILL_COLOUR} | ({"text_wrap": True, "valign": "top"} if wrap else {})
    ws.write_row(0, 0, [str(c) for c in frame.columns], wb.add_format(head))
    rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    body = wb.add_format({"text_wrap": True, "valign": "top"}) if wrap else None
    for r, row in enumerate(rows, start=1):
        ws.write_row(r, 0, row, body)
    if autofilter:
        ws.autofilter(0, 0, max(len(frame), 1), max(len(frame.columns) - 1, 0))
    ws.freeze_panes(1, 0)
    given = list(widths or [])
    given += [None] * (len(frame.columns) - len(given))
    sample = rows[:SAMPLE_ROWS]
    fitted = iter(fit_widths([[str(c), *(row[i] for row in sample)] for i, c in enumerate(frame.columns)
                              if given[i] is None], padding=3))  # only the columns given no width
    final = [given[col] if given[col] is not None else next(fitted) for col in range(len(frame.columns))]
    hidden = set(hidden)
    for col, width in enumerate(final):
        ws.set_column(col, col, width, None, {"hidden": True} if col in hidden else {})
    if wrap:  # every row's height, one-line rows too: left to itself LibreOffice set them two lines high in print
        shown = [col for col in range(len(final)) if col not in hidden]
        for r, row in enumerate([[str(c) for c in frame.columns], *rows]):
            ws.set_row(r, row_height(wrapped_lines([row[c] for c in shown], [final[c] for c in shown])))


def _cell(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value != value:
        return ""
    return value if isinstance(value, int | float | str) else str(value)
