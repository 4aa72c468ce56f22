"""A writer-neutral description of a workbook, rendered by XlsxWriter, openpyxl or xlwt.

Submissions reach associations from many spreadsheet programs. Building each layout once as a
spec and rendering it with different writers gives files that differ the way real ones do
(shared vs inline strings, cached formula values or none, BIFF8 for old ``.xls``), while the
ground truth (which cell holds which answer) comes from the one spec.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pipeline.a1_notation import a1

FIXED_TIME = dt.datetime(2024, 1, 1, 9, 0, 0)
"""The time every synthetic package says it was written (document properties, ZIP entries): never the clock,
so the same seed gives the same bytes, and the same data snapshot id."""

_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def _macro_enabled(content_types: str) -> str:
    """``[Content_Types].xml`` with the workbook part labelled macro-enabled, as Excel labels an ``.xlsm``."""
    return content_types.replace(_XLSX_MAIN, _XLSM_MAIN)


@dataclass(frozen=True)
class Formula:
    """A formula with the value Excel would have cached for it."""

    text: str  # without the leading "="
    cached: Any = None


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)  # (row, col) zero-based
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2 inclusive
    hidden_rows: set[int] = field(default_factory=set)
    dropdowns: list[tuple[int, int, int, int, list[str]]] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    radar: tuple[str, int, int, int] | None = None  # title, first row, last row, value column
    text_cells: set[tuple[int, int]] = field(default_factory=set)  # numbers forced to text format

    def put(self, row: int, col: int, value: Any) -> None:
        if value is not None and value != "":
            self.cells[(row, col)] = value


@dataclass
class Workbook:
    sheets: list[Sheet]

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self.sheets if s.name == name)


_FORMULAS: dict[tuple[str, bool, bool], str] = {}


@cache
def _worksheet_class() -> type:
    """xlsxwriter's Worksheet, remembering each formula it has prepared.

    ``Worksheet._prepare_formula`` runs some thirty regular expressions over every formula (to prefix
    Excel's newer functions), a fifth of the time spent writing a workbook without this cache; the summary
    sheets write the same few hundred formulas into every file. The result depends only on the
    formula and two flags, so the cache changes nothing in the file written.
    """
    from xlsxwriter.worksheet import Worksheet

    class CachedFormulas(Worksheet):
        def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
            key = (formula, bool(expand_future_functions), bool(self.use_future_functions))
            got = _FORMULAS.get(key)
            if got is None:
                if len(_FORMULAS) > 50_000:
                    _FORMULAS.clear()
                got = _FORMULAS[key] = super()._prepare_formula(formula, expand_future_functions)
            return got

    return CachedFormulas


@cache
def _xlsxwriter_workbook(macro_enabled: bool) -> type:
    """xlsxwriter's Workbook, or one whose package is labelled macro-enabled (``.xlsm``).

    The label is one content type in ``[Content_Types].xml``, set as the package is assembled (through
    xlsxwriter's ``_get_packager`` hook, there to replace its packager), instead of unzipping the written
    package and deflating every part of it a second time.
    """
    import xlsxwriter
    from xlsxwriter.packager import Packager

    if not macro_enabled:
        return xlsxwriter.Workbook

    class MacroEnabledPackager(Packager):
        def _create_package(self) -> list:
            files = super()._create_package()
            for k, (text, name, binary) in enumerate(files):
                if name == "[Content_Types].xml":
                    files[k] = (io.StringIO(_macro_enabled(text.getvalue())), name, binary)
            return files

    class MacroEnabledWorkbook(xlsxwriter.Workbook):
        def _get_packager(self) -> Packager:
            return MacroEnabledPackager()

    return MacroEnabledWorkbook


def render_xlsxwriter(book: Workbook, macro_enabled: bool = False) -> bytes:
    """XlsxWriter writes shared strings and caches every formula's value, as Excel does.

    ``macro_enabled``: an ``.xlsm`` package, the way Excel saves the template; the VBA project itself is
    left out (the visualisation macros are not needed to read answers).
    """
    buf = io.BytesIO()
    wb = _xlsxwriter_workbook(macro_enabled)(buf, {"in_memory": True, "strings_to_numbers": False,
                                                   "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": FIXED_TIME, "author": "", "company": ""})
    fmt_date = wb.add_format({"num_format": "yyyy/mm/dd"})
    fmt_text = wb.add_format({"num_format": "@"})
    fmt_wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    for sh in book.sheets:
        ws = wb.add_worksheet(sh.name, worksheet_class=_worksheet_class())
        for col, width in sh.widths.items():
            ws.set_column(col, col, width)
        for row in sh.hidden_rows:
            ws.set_row(row, None, None, {"hidden": True})
        merged_tl = {(m[0], m[1]): m for m in sh.merges}
        for (r, c), v in sh.cells.items():
            if (r, c) in merged_tl:
                continue
            if isinstance(v, Formula):
                ws.write_formula(r, c, "=" + v.text, None, v.cached if v.cached is not None else 0)
            elif isinstance(v, dt.date | dt.datetime):
                ws.write_datetime(r, c, v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day),
                                  fmt_date)
            elif (r, c) in sh.text_cells:
                ws.write_string(r, c, str(v), fmt_text)
            elif isinstance(v, str):
                ws.write_string(r, c, v, fmt_wrap if "\n" in v else None)
            else:
                ws.write_number(r, c, v)
        for r1, c1, r2, c2 in sh.merges:
            ws.merge_range(r1, c1, r2, c2, sh.cells.get((r1, c1), ""))
        for r1, c1, r2, c2, options in sh.dropdowns:
            ws.data_validation(r1, c1, r2, c2, {"validate": "list", "source": options, "ignore_blank": True,
                                                "error_type": "warning"})
        if sh.radar:
            title, first, last, col = sh.radar
            chart = wb.add_chart({"type": "radar", "subtype": "filled"})
            chart.add_series({"categories": [sh.name, first, 0, last, 0], "values": [sh.name, first, col, last, col],
                              "name": title})
            chart.set_title({"name": title})
            chart.set_legend({"none": True})
            ws.insert_chart(first, col + 2, chart)
    wb.close()
    return buf.getvalue()


class _FixedTimeZip(zipfile.ZipFile):
    """A ZIP whose members carry :data:`FIXED_TIME` instead of the clock (openpyxl names members by their
    path, and zipfile stamps such a member with the time it is written), optionally labelled macro-enabled."""

    def __init__(self, file: io.BytesIO, macro_enabled: bool) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.macro_enabled = macro_enabled

    def writestr(self, zinfo_or_arcname: str | zipfile.ZipInfo, data: bytes | str,
                 compress_type: int | None = None, compresslevel: int | None = None) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        if self.macro_enabled and zinfo_or_arcname.filename == "[Content_Types].xml":
            data = _macro_enabled(data.decode() if isinstance(data, bytes) else data).encode()
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)


@cache
def _openpyxl_writer() -> type:
    """openpyxl's ExcelWriter, each worksheet's XML kept in memory.

    openpyxl writes every worksheet to a temporary file, copies it into the package and deletes it: a file
    made, read back and removed per sheet (file-system work that shows in the wall time more than in the
    CPU). Its ``WorksheetWriter`` takes a buffer instead; the XML it writes is the same.
    """
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    class InMemoryWriter(ExcelWriter):
        def write_worksheet(self, ws: Any) -> None:
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            writer = WorksheetWriter(ws, out=io.BytesIO())
            writer.write()
            ws._rels = writer._rels
            self._archive.writestr(ws.path[1:], writer.read())
            self.manifest.append(ws)

    return InMemoryWriter


def render_openpyxl(book: Workbook, macro_enabled: bool = False) -> bytes:
    """openpyxl writes formulas without cached values, as files from scripts usually are.

    Saved without ``Workbook.save``, which stamps the document's modified date with the clock: the
    properties say :data:`FIXED_TIME`, as the ZIP entries do.
    """
    from openpyxl import Workbook as OWorkbook
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = OWorkbook()
    wb.remove(wb.active)
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = ""
    for sh in book.sheets:
        ws = wb.create_sheet(sh.name)
        for col, width in sh.widths.items():
            ws.column_dimensions[a1(0, col)[:-1]].width = width
        for (r, c), v in sh.cells.items():
            cell = ws.cell(row=r + 1, column=c + 1, value=("=" + v.text) if isinstance(v, Formula) else
                           (str(v) if (r, c) in sh.text_cells else v))
            if isinstance(v, dt.date | dt.datetime):
                cell.number_format = "yyyy/mm/dd"
            elif (r, c) in sh.text_cells:
                cell.number_format = "@"
        for row in sh.hidden_rows:
            ws.row_dimensions[row + 1].hidden = True
        for r1, c1, r2, c2 in sh.merges:
            ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
        for r1, c1, r2, c2, options in sh.dropdowns:
            dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
            dv.add(f"{a1(r1, c1)}:{a1(r2, c2)}")
            ws.add_data_validation(dv)
    buf = io.BytesIO()
    _openpyxl_writer()(wb, _FixedTimeZip(buf, macro_enabled)).save()
    return buf.getvalue()


def render_xlwt(book: Workbook, macro_enabled: bool = False) -> bytes:
    """An old-format ``.xls`` (BIFF8), as some companies still return (never macro-enabled: that is
    ``.xlsm``)."""
    if macro_enabled:
        raise ValueError("a BIFF8 .xls cannot be labelled macro-enabled")
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="yyyy/mm/dd")
    for sh in book.sheets:
        ws = wb.add_sheet(sh.name[:31], cell_overwrite_ok=True)
        merged_tl = {(m[0], m[1]) for m in sh.merges}
        for (r, c), v in sh.cells.items():
            if (r, c) in merged_tl:
                continue
            if isinstance(v, Formula):  # xlwt cannot parse COUNTIFS: keep the value, like a paste-values copy
                ws.write(r, c, v.cached if v.cached is not None else "")
            elif isinstance(v, dt.date | dt.datetime):
                ws.write(r, c, v, date_style)
            else:
                ws.write(r, c, str(v) if (r, c) in sh.text_cells else v)
        for r1, c1, r2, c2 in sh.merges:
            ws.write_merge(r1, r2, c1, c2, sh.cells.get((r1, c1), ""))
        for row in sh.hidden_rows:
            ws.row(row).hidden = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


RENDERERS = {"xlsxwriter": render_xlsxwriter, "openpyxl": render_openpyxl, "xlwt": render_xlwt}
