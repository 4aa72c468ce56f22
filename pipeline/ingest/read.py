"""Bytes → sheets of cell text, with a Rust reader (fastexcel, on calamine) for every workbook format.

Nothing here interprets the content; it only says what the file is (workbook, CSV, encrypted,
something else) and hands back :class:`Sheet` objects whose (row, col) are the sheet's own, so A1
lineage holds even when a sheet starts at C4.

Every cell comes back as text or None (blank): fastexcel turns numbers into their shortest text
('12', '12.5'), dates into ISO text ('2024-11-15 00:00:00') and booleans into 'true'/'false'.
Answers are text anyway, and the few typed attributes (dates, head counts) are parsed from text.
Sheets stay Arrow columns until a caller asks for rows or a column: a checklist is read through
its first rows (headers, cover labels) and two columns (item, answer), not cell by cell.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import fastexcel

from pipeline.ingest import limits
from pipeline.ingest.reasons import Rejected

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
_ENCRYPTED_OLE = "EncryptedPackage".encode("utf-16-le")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
# Errors calamine raises about a workbook's content (bad ZIP, bad XML, bad cell): the file is corrupt.
# Any other exception (parameters, Arrow, a panic, a bug of ours) is a read_error, never blamed on the member.
_FILE_ERRORS = (fastexcel.CalamineError, fastexcel.CalamineCellError)

Cell = str | None
Row = list[Cell]


class Sheet:
    """A sheet's cells as text, addressed by the sheet's own 0-based (row, col).

    ``columns`` holds the used columns from ``first_col`` on (Arrow string arrays or lists, all of
    ``height`` rows); rows are materialised on demand and kept, since the top of a sheet is read
    by several finders.
    """

    def __init__(self, columns: Sequence, first_col: int, height: int) -> None:
        self._columns = columns
        self.first_col = first_col
        self.height = height
        self.width = first_col + len(columns)
        self._rows: list[Row] = []

    def rows(self, stop: int | None = None) -> list[Row]:
        """Rows 0 … stop-1 (all by default), each ``width`` long (None left of the used range)."""
        stop = self.height if stop is None else min(stop, self.height)
        if stop > len(self._rows):
            start = len(self._rows)
            pad = [None] * self.first_col
            if self._columns:
                cols = [_slice(c, start, stop) for c in self._columns]
                self._rows.extend([*pad, *cells] for cells in zip(*cols, strict=True))
            else:
                self._rows.extend([*pad] for _ in range(start, stop))
        return self._rows[:stop]

    def iter_rows(self, stop: int, block: int = 8) -> Iterator[Row]:
        """Rows 0 … stop-1, materialised a few at a time: finders usually stop near the top."""
        for start in range(0, min(stop, self.height), block):
            yield from self.rows(min(start + block, stop))[start:]

    def column(self, col: int, start: int = 0) -> list[Cell]:
        """The cells of one column from row ``start`` down (all None outside the used range)."""
        if not self.first_col <= col < self.width:
            return [None] * max(self.height - start, 0)
        return _slice(self._columns[col - self.first_col], start, self.height)


def _slice(column, start: int, stop: int) -> list[Cell]:
    if isinstance(column, list):
        return column[start:stop]
    return column.slice(start, stop - start).to_pylist()


@dataclass
class Book:
    """A workbook or CSV opened for reading: sheet names, and sheets loaded on demand."""

    sheet_names: list[str]
    load: Callable[[str], Sheet]
    kind: str  # workbook | csv


def open_book(data: bytes, name: str) -> Book:
    """Open bytes as a workbook or CSV, or raise :class:`Rejected` with the reason a clerk can act on."""
    lower = name.lower()
    if not data:
        raise Rejected("corrupt", "the file is empty (0 bytes)")
    if lower.endswith((".csv", ".tsv")) or (lower.endswith(".txt") and _looks_tabular(data)):
        return _csv_book(data)
    if data.startswith(OLE):
        if _ENCRYPTED_OLE in data:
            raise Rejected("encrypted", "an open password protects the workbook")
        return _excel_book(data, None)  # no extent check before reading an .xls: the memory cap (limits.py)
    if data.startswith(ZIP):
        directory = zip_directory(data)  # read once: for what the ZIP holds, then for the guard's limits
        if (other := zip_kind(directory)) is not None:
            raise Rejected("not_a_workbook", f"the file is {other}, not a workbook")
        # an .ods is checked here, before it is opened
        return _excel_book(data, limits.workbook_guard(data, directory))
    if lower.endswith(WORKBOOK_SUFFIXES):
        if not data.strip():
            raise Rejected("corrupt", f"the bytes are not a spreadsheet (they begin {data[:8]!r})")
        if (other := file_kind(data)) is not None:  # what the file is, in words a clerk can pass on
            raise Rejected("not_a_workbook", f"the file is {other}, not a workbook")
        raise Rejected("not_a_workbook", f"the bytes are not a spreadsheet (they begin {data[:8]!r})")
    raise Rejected("not_a_workbook", f"{name.rsplit('/', 1)[-1]} is neither a workbook nor a CSV")


def file_kind(data: bytes) -> str | None:
    """What a file given a workbook's name is instead, from its first bytes: 'a PDF', 'an HTML page' (a web page,
    or Excel's own 'save as web page' under an .xls name), 'CSV text'; None when it is none of these."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "a PDF"
    if head.startswith((b"<!doctype html", b"<html", b"mime-version:")) or (head.startswith(b"<?xml")
                                                                           and b"<html" in head):
        return "an HTML page"
    first = head.split(b"\n", 1)[0]
    if _looks_tabular(data) or (b"," in first and b"\x00" not in head):  # text in columns, as Excel writes CSV
        return "CSV text"
    return None


def zip_directory(data: bytes) -> list[zipfile.ZipInfo] | None:
    """A ZIP's directory (its members), or None when it cannot be listed."""
    try:
        return zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def zip_kind(directory: list[zipfile.ZipInfo] | None) -> str | None:
    """What a ZIP given a workbook's name holds instead of a workbook ('a Word document', 'a ZIP archive'), from its
    ``directory`` (:func:`zip_directory`), or None when it holds a workbook (or cannot be listed: the reader says
    what is wrong then)."""
    if directory is None:
        return None
    names = [i.filename for i in directory]
    if any(n.startswith("xl/") for n in names) or "mimetype" in names or "content.xml" in names:
        return None  # an .xlsx/.xlsm/.xlsb, or an OpenDocument spreadsheet
    if any(n.startswith("word/") for n in names):
        return "a Word document"
    if any(n.startswith("ppt/") for n in names):
        return "a PowerPoint presentation"
    return "a ZIP archive"


def _excel_book(data: bytes, guard: limits.SheetGuard | None) -> Book:
    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
    except _FILE_ERRORS as e:  # what the file's bytes cause; anything else is ours (read_error, in parse)
        text = str(e).lower()
        if "password" in text or "encrypt" in text:
            raise Rejected("encrypted", _first_line(e)) from None
        raise Rejected("corrupt", f"the workbook cannot be opened ({_first_line(e)})") from None

    def load(sheet: str) -> Sheet:
        if guard is not None:
            guard.check(sheet, names)  # before the reader builds the sheet's cells
        try:
            # skip_rows=0 keeps the blank rows above the used range, so row numbers are the sheet's
            loaded = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string")
            used = loaded.available_columns()
            table, errors = loaded.to_arrow_with_errors()
        except _FILE_ERRORS as e:
            raise Rejected("corrupt", f"sheet {sheet!r} cannot be read ({_first_line(e)})") from None
        columns: list = list(table.columns)
        for error in errors.errors if errors else ():
            row, col = error.position  # row as in the sheet, column within the used range
            if not isinstance(columns[col], list):
                columns[col] = columns[col].to_pylist()
            columns[col][row] = error_text(error.detail)
        return Sheet(columns, used[0].absolute_index if used else 0, table.num_rows)

    return Book(names, load, "workbook")


_ERROR_VALUES = {"NA": "#N/A", "Div0": "#DIV/0!", "Name": "#NAME?", "Ref": "#REF!", "Value": "#VALUE!",
                 "Num": "#NUM!", "Null": "#NULL!", "GettingData": "#GETTING_DATA"}


def error_text(detail: str) -> str:
    """A cell the reader could not give as text, as Excel shows it: a formula error ('#N/A') or the
    value itself. Kept rather than blanked, so an answer cell showing #N/A is reported, not 'unanswered'."""
    m = re.search(r"Error\((\w+)\)", detail)
    if m:
        return _ERROR_VALUES.get(m.group(1), f"#{m.group(1).upper()}")
    m = re.search(r"got '(.+)'", detail)
    return m.group(1) if m else "#ERROR"


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _looks_tabular(data: bytes) -> bool:
    """A .txt that Excel wrote as 'Unicode テキスト' (UTF-16, tab-separated) or any tab-separated text."""
    return data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\t" in data.split(b"\n", 1)[0]


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, UTF-16 when it starts with a BOM (Excel's
    'Unicode テキスト'), else cp932 (Shift_JIS as Windows writes it)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as e:  # a cp932 file appended to a UTF-8 one: which text is meant is unknown
            line = data[: e.start + 3].count(b"\n") + 1
            raise Rejected("unreadable_text", f"the text starts as UTF-8 (with a BOM) but line {line} is not UTF-8 "
                           "(two encodings mixed in one file)") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise Rejected("unreadable_text", "the text starts like UTF-16 but does not decode") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise Rejected("unreadable_text", "the CSV is neither UTF-8 nor Shift_JIS (cp932)") from None


def _csv_book(data: bytes) -> Book:
    separators = data.count(b",") + data.count(b"\t") + data.count(b"\n")
    # every cell would become a Python string: refuse before decoding
    limits.check_cells(separators, f"the text has about {separators:,} cells")
    text = decode_text(data)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise Rejected("not_a_workbook", f"binary content in a CSV file (a NUL byte on line {line})")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as e:  # a cell past the csv module's field limit (131,072 characters): no export has one
        if "field limit" in str(e):
            raise Rejected("too_large", f"line {reader.line_num} has a cell longer than {csv.field_size_limit():,} "
                           "characters (the limit per cell)") from None
        raise Rejected("corrupt", f"the CSV cannot be read at line {reader.line_num} ({e})") from None
    width = max((len(r) for r in rows), default=0)
    # the table is as wide as its widest row for every row: 1,000 commas on one line and a million blank lines
    # are a few separators but a billion cells
    limits.check_cells(len(rows) * width, f"the table has {len(rows):,} rows and up to {width:,} cells in a row "
                       f"({len(rows) * width:,} cells)")
    columns = [[(r[c] or None) if c < len(r) else None for r in rows] for c in range(width)]
    sheet = Sheet(columns, 0, len(rows))
    return Book(["csv"], lambda _sheet: sheet, "csv")
