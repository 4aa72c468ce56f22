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
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import fastexcel

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
    if lower.endswith((".csv", ".tsv")) or (lower.endswith(".txt") and _looks_tabular(data)):
        return _csv_book(data)
    if data.startswith(OLE):
        if _ENCRYPTED_OLE in data:
            raise Rejected("encrypted", "an open password protects the workbook")
        return _excel_book(data)
    if data.startswith(ZIP):
        _check_extent(data)
        return _excel_book(data)
    if lower.endswith(WORKBOOK_SUFFIXES):
        kind = "corrupt" if not data.strip() else "not_a_workbook"
        raise Rejected(kind, f"the bytes are not a spreadsheet (they begin {data[:8]!r})")
    raise Rejected("not_a_workbook", f"{name.rsplit('/', 1)[-1]} is neither a workbook nor a CSV")


MAX_CELLS = 5_000_000  # a checklist is ~200 × 20 cells, a year's export ~3,100 × 170
MAX_PART_BYTES = 200 * 1024 * 1024
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
# A reference with a three-letter column (≥ AAA = 703) or a row of four digits (≥ 1000). A sheet with
# none spans at most 999 rows × 702 columns (701,298 cells < MAX_CELLS), so it needs no exact count:
# one search in C instead of a Python int per cell (the exact count cost 0.8 ms per checklist). It may
# also match another attribute ending in r (then the exact count runs): its literal start `r="` is what
# makes it fast (about 40 µs for a checklist sheet; with a leading \b or a group, 3-5 times that).
_FAR_REF = re.compile(rb'r="[A-Z]{3}|r="[A-Z]{1,2}[0-9]{4}')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _check_extent(data: bytes) -> None:
    """Refuse, before the reader sees it, a workbook whose sheets span an absurd range (one value typed
    in XFD1048576 makes the reader allocate every cell in between and abort the process) or whose
    XML parts inflate absurdly. About 0.1 ms for a checklist: the sheets are small and no cell is far."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return  # the reader will say it is corrupt
    for info in infos:
        if info.file_size > MAX_PART_BYTES:
            raise Rejected("sheet_too_large", f"part {info.filename} inflates to {info.file_size:,} bytes")
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        try:
            xml = zf.read(info)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error, NotImplementedError):
            return  # likewise
        if not _FAR_REF.search(xml):
            continue
        refs = _CELL_REF.findall(xml)
        if not refs:
            continue
        rows = max(int(r) for _, r in refs)
        cols = max(_column_number(c) for c in {c for c, _ in refs})
        if rows * cols > MAX_CELLS:
            raise Rejected("sheet_too_large", f"{info.filename} has cells as far as row {rows:,}, column {cols:,} "
                           f"({rows * cols:,} cells)")


def _excel_book(data: bytes) -> Book:
    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
    except _FILE_ERRORS as e:  # what the file's bytes cause; anything else is ours (read_error, in parse)
        text = str(e).lower()
        if "password" in text or "encrypt" in text:
            raise Rejected("encrypted", _first_line(e)) from None
        raise Rejected("corrupt", f"the workbook cannot be opened ({_first_line(e)})") from None

    def load(sheet: str) -> Sheet:
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
        return data[3:].decode("utf-8")
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
    if separators > MAX_CELLS:  # every cell would become a Python string: refuse before decoding
        raise Rejected("sheet_too_large", f"the text has about {separators:,} cells")
    text = decode_text(data)
    if "\x00" in text:
        raise Rejected("not_a_workbook", "binary content in a CSV file")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max((len(r) for r in rows), default=0)
    columns = [[(r[c] or None) if c < len(r) else None for r in rows] for c in range(width)]
    sheet = Sheet(columns, 0, len(rows))
    return Book(["csv"], lambda _sheet: sheet, "csv")
