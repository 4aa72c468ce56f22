"""The options of a form's answer dropdown (an Excel list validation), wherever Excel keeps them.

openpyxl reads the validations of the sheet itself; Excel 2010 and later write a list that points at
another sheet ('選択肢'!$A$1:$A$3) as an extension openpyxl drops, so those are read from the sheet's
XML here. The options are what the import maps to canonical answers: a dropdown missed would make
the import say the form has none.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree

import openpyxl
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.text import clean_text

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
X14 = "{http://schemas.microsoft.com/office/spreadsheetml/2009/9/main}"
XM = "{http://schemas.microsoft.com/office/excel/2006/main}"


class DropdownError(ValueError):
    """A list validation whose options cannot be read (it points at cells the workbook does not hold)."""


def answer_options(data: bytes, ws: Worksheet, col: int, header_row: int) -> list[str] | None:
    """The options of the list validation on column ``col`` (0-based) below ``header_row`` (1-based),
    in the form's order; None when the column has no list dropdown."""
    for formula, where in _lists(data, ws):
        if any(r.min_col <= col + 1 <= r.max_col and r.max_row > header_row for r in where.ranges):
            return _options(ws.parent, formula)
    return None


def _lists(data: bytes, ws: Worksheet) -> Iterator[tuple[str, MultiCellRange]]:
    """(formula, cells) of every list validation of the sheet: openpyxl's, then the x14 extension's."""
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list" and dv.formula1:
            yield dv.formula1, dv.sqref
    root = _sheet_xml(data, ws.title)
    for dv in root.iter(f"{X14}dataValidation") if root is not None else ():
        formula, sqref = dv.find(f"{X14}formula1/{XM}f"), dv.find(f"{XM}sqref")
        if dv.get("type") == "list" and formula is not None and sqref is not None and formula.text:
            yield formula.text, MultiCellRange(sqref.text)


def _sheet_xml(data: bytes, title: str) -> ElementTree.Element | None:
    """The worksheet XML of sheet ``title``, found through workbook.xml and its relationships."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            book = ElementTree.fromstring(z.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            rid = next((s.get(f"{REL}id") for s in book.iter(f"{MAIN}sheet") if s.get("name") == title), None)
            target = next((r.get("Target") for r in rels.iter(f"{PKG_REL}Relationship") if r.get("Id") == rid), None)
            if target is None:
                return None
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            return ElementTree.fromstring(z.read(path))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return None


def _options(book: openpyxl.Workbook, formula: str) -> list[str]:
    """'"達成,未達成,対象外"' → its options; 'リスト!$A$1:$A$3' or a defined name → the cells it points at."""
    text = formula.strip()
    if text.startswith('"') and text.endswith('"'):
        return [o.strip() for o in text[1:-1].split(",") if o.strip()]
    text = text.lstrip("=")
    if "!" not in text and text in book.defined_names:  # a named list (回答リスト)
        sheet, text = next(iter(book.defined_names[text].destinations), ("", ""))
    else:
        sheet, _, text = text.rpartition("!")
    sheet = sheet.strip("'")
    try:
        min_col, min_row, max_col, max_row = range_boundaries(text.replace("$", ""))
    except (ValueError, TypeError):
        min_col = None
    if sheet not in book.sheetnames or min_col is None:
        raise DropdownError(f"the answer dropdown refers to {formula!r}, which the workbook does not hold")
    cells = book[sheet].iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col,
                                  values_only=True)
    return [clean_text(v) for row in cells for v in row if v not in (None, "")]
