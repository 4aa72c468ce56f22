"""Excel outputs people open (quarantine report, report tables): written with XlsxWriter, row by row
(pandas.to_excel is several times slower), and text that looks like a formula stays text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter

SAFE = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        "nan_inf_to_errors": True}


def workbook(path: Path) -> xlsxwriter.Workbook:
    """A workbook that never turns '=…' text into a live formula."""
    return xlsxwriter.Workbook(str(path), SAFE)


def write_sheet(wb: xlsxwriter.Workbook, name: str, frame: pd.DataFrame, widths: list[int] | None = None,
                autofilter: bool = True) -> None:
    """One table per sheet: bold frozen header, blanks for missing values, optional column widths."""
    ws = wb.add_worksheet(name)
    ws.write_row(0, 0, [str(c) for c in frame.columns], wb.add_format({"bold": True, "bg_color": "#DDDDDD"}))
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        ws.write_row(r, 0, [_cell(v) for v in row])
    if autofilter:
        ws.autofilter(0, 0, max(len(frame), 1), max(len(frame.columns) - 1, 0))
    ws.freeze_panes(1, 0)
    for col, width in enumerate(widths or []):
        ws.set_column(col, col, width)


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value if isinstance(value, int | float | str) else str(value)
