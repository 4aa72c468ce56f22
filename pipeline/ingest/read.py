"""Bytes → sheets of raw cell values, with a Rust reader (python-calamine) for every workbook format.

Nothing here interprets the content; it only says what the file is (workbook, CSV, encrypted,
something else) and hands back grids whose (row, col) are the sheet's own, so A1 lineage holds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from python_calamine import CalamineWorkbook

from pipeline.ingest.reasons import Rejected

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
_ENCRYPTED_OLE = "EncryptedPackage".encode("utf-16-le")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")

Grid = list[list[object]]


@dataclass
class Book:
    """A workbook or CSV opened for reading: sheet names, and grids loaded on demand."""

    sheet_names: list[str]
    load: Callable[[str], Grid]
    kind: str  # workbook | csv


def open_book(data: bytes, name: str) -> Book:
    """Open bytes as a workbook or CSV, or raise :class:`Rejected` with the reason a clerk can act on."""
    lower = name.lower()
    if lower.endswith(".csv"):
        return _csv_book(data)
    if data.startswith(OLE):
        if _ENCRYPTED_OLE in data:
            raise Rejected("encrypted", "an open password protects the workbook")
        return _calamine_book(data)
    if data.startswith(ZIP):
        return _calamine_book(data)
    if lower.endswith(WORKBOOK_SUFFIXES):
        kind = "corrupt" if not data.strip() else "not_a_workbook"
        raise Rejected(kind, f"the bytes are not a spreadsheet (they begin {data[:8]!r})")
    raise Rejected("not_a_workbook", f"{name.rsplit('/', 1)[-1]} is neither a workbook nor a CSV")


def _calamine_book(data: bytes) -> Book:
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
    except Exception as e:  # noqa: BLE001 - calamine raises several types; all mean the same to a clerk
        text = str(e).lower()
        if "password" in text or "encrypt" in text:
            raise Rejected("encrypted", str(e)) from None
        raise Rejected("corrupt", f"the workbook cannot be opened ({type(e).__name__}: {e})") from None

    def load(sheet: str) -> Grid:
        try:
            return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as e:  # noqa: BLE001
            raise Rejected("corrupt", f"sheet {sheet!r} cannot be read ({e})") from None

    return Book(names, load, "workbook")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, else cp932 (Shift_JIS as Windows writes it)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise Rejected("unreadable_text", "the CSV is neither UTF-8 nor Shift_JIS (cp932)") from None


def _csv_book(data: bytes) -> Book:
    text = decode_text(data)
    if "\x00" in text:
        raise Rejected("not_a_workbook", "binary content in a CSV file")
    rows: Grid = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    width = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (width - len(r)) for r in rows]  # rectangular, like the workbook grids
    return Book(["csv"], lambda _sheet: rows, "csv")
