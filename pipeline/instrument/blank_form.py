"""An official *blank* checklist → its items, read by header labels (never by cell position).

The same header finder as ingest (``ingest.locate.find_header``, labels from labels.yaml) finds the
table, so a form that ingest can read is a form the import can read, whatever rows sit above the
header or however the columns are ordered. Anything that cannot be read with certainty (an item
number, a level, a repeated number, two visible columns for one role, an answer option no vocabulary
knows) refuses the whole form: a catalog built on a guess would score every later submission on it.

What the cell text alone does not say is read with openpyxl: hidden columns and rows (an old レベル
column kept hidden beside the new one is not the form's), and the answer column's dropdown. Hidden
rows and items marked 欠番 / 削除 are skipped and listed, not refused: a retired item is a fact of the
new version (it shows as removed), not a flaw of the form.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import catalogs
from pipeline.header_roles import column_role
from pipeline.ingest.locate import (
    find_header,
    is_checklist_name,
    is_cover_name,
    is_derived_name,
    is_example_name,
    versions_written,
)
from pipeline.ingest.read import Sheet, open_book
from pipeline.ingest.reasons import Rejected
from pipeline.ingest.version import one_written
from pipeline.instrument.dropdown import DropdownError, answer_options
from pipeline.itemno import item_number
from pipeline.text import clean_text, label_key

LEVEL = re.compile(r"^(?:lv|level|レベル)?\.?([1-3])(?:\.0+)?$")  # Lv1, LV.1, レベル1, 1
DATE = re.compile(r"(20\d\d)\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})")
DATE_HINT = re.compile(r"版|発行|改訂|改定|公表|公開|制定|施行")
RETIRED = re.compile(r"欠番|削除|廃止")  # in the No. or レベル cell: 旧No.153（v2.3で削除）
# A requirement that is only the mark — 欠番, 【削除】, （v2.3で削除） — not one that mentions deleting data.
RETIRED_TEXT = re.compile(r"^(?:[(（【\[][^)）】\]]*(欠番|削除|廃止)[^)）】\]]*[)）】\]]|(欠番|削除|廃止)(?:済み?)?)$")


class FormRefused(ValueError):
    """A form the import will not turn into a catalog; the message is one line a user can act on."""


@dataclass(frozen=True)
class FormItem:
    number: int
    level: str  # Lv1 … Lv3
    domain: str  # the form's 分類 text ('' when the form has none), carried down merged cells
    requirement: str
    condition: str
    row: int  # 1-based, as Excel numbers rows

    @property
    def item_id(self) -> str:
        return f"No.{self.number}"


@dataclass
class Form:
    """What a blank form holds: its checklist sheet, header labels in order, items and what it says of itself."""

    name: str
    sheet: str
    header_row: int  # 1-based
    columns: list[str]
    items: list[FormItem]
    version: str | None  # as written on the form ('2.3'), None when it does not say
    published: str | None  # ISO date written near 版/発行/改訂 at the top, None when absent
    skipped: list[str] = field(default_factory=list)  # 'No.153 (削除)', 'row 160 (hidden)'
    dropdown: list[str] | None = None  # the answer column's list validation, None when the form has none
    roles: dict[str, str] = field(default_factory=dict)  # role → the form's label of that column


@dataclass
class _Hidden:
    """What openpyxl sees and the cell text does not: hidden columns (0-based), hidden rows (1-based)."""

    columns: set[int] = field(default_factory=set)
    rows: set[int] = field(default_factory=set)


def read_form(path: Path, sector: str) -> Form:
    """Read an official blank checklist, or raise :class:`FormRefused` saying why it cannot be read."""
    shapes = catalogs.form_roles()  # the roles a blank form carries (no answer column: it is blank)
    if sector not in shapes:
        raise FormRefused(f"importing a {sector} form is not supported (supported: {', '.join(shapes)})")
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise FormRefused(f"{path.name} cannot be opened ({e.strerror or e})") from None
    try:
        book = open_book(data, path.name)
        if book.kind != "workbook":
            raise FormRefused(f"{path.name} is not a workbook: import the official blank checklist (.xlsx)")
        names = sorted(book.sheet_names, key=lambda n: not is_checklist_name(n))
        sheets = {n: book.load(n) for n in names if not (is_derived_name(n) or is_example_name(n))}
    except Rejected as r:
        raise FormRefused(f"{path.name} cannot be read as a checklist ({r.code}: {r.detail})") from None
    book_xl = _openpyxl(data)
    for name, sheet in sheets.items():
        found = find_header(sheet, shapes)
        if found:
            ws = book_xl[name] if book_xl is not None and name in book_xl.sheetnames else None
            hidden = _hidden(ws)
            row = found[1].row
            upper = row - 1 if row > 0 and not _carries(sheet.rows(row + 1)[row], shapes[sector], hidden) else None
            labels = header_labels(sheet, row, upper)
            cols = resolve_roles(labels, hidden.columns, name)
            skipped: list[str] = []
            items = _items(sheet, row, cols, name, hidden.rows, skipped)
            if not items:
                raise FormRefused(f"{path.name}: sheet {name!r} has the checklist header but no item rows under it")
            others = [s for n, s in sheets.items() if n != name]
            columns = [label for c, label in sorted(labels.items()) if c not in hidden.columns]
            dropdown = None
            if ws is not None and "answer" in cols:
                try:
                    dropdown = answer_options(data, ws, cols["answer"], row + 1)
                except DropdownError as e:
                    raise FormRefused(f"{path.name}: {e}") from None
            return Form(path.name, name, row + 1, columns, items, _version(path.name, name, row, sheets),
                        _published([sheet, *others]), skipped, dropdown,
                        {role: labels[c] for role, c in cols.items()})
    raise FormRefused(f"{path.name} is not a checklist: no sheet has the labels No., レベル and 要求事項")


def header_labels(sheet: Sheet, row: int, upper: int | None) -> dict[int, str]:
    """Column → its label, as the form has it: a header over two rows (No. and レベル merged down,
    回答 under a group label) takes each column's label from whichever row names it, the lower first."""
    grid = sheet.rows(row + 1)
    lower = grid[row]
    above = grid[upper] if upper is not None else []
    out: dict[int, str] = {}
    for c in range(max(len(lower), len(above))):
        for cells in (lower, above):
            text = clean_text(cells[c]) if c < len(cells) and cells[c] not in (None, "") else ""
            if text:
                out[c] = text
                break
    return out


def resolve_roles(labels: dict[int, str], hidden: set[int], sheet_name: str) -> dict[str, int]:
    """Role → column among the visible columns; two visible columns naming one role are refused
    (which one the publisher meant cannot be told from the form)."""
    seen: dict[str, int] = {}
    for c, label in sorted(labels.items()):
        role = column_role(label)
        if role is None or c in hidden:
            continue
        if role in seen:
            first = seen[role]
            raise FormRefused(f"sheet {sheet_name!r}: columns {get_column_letter(first + 1)} ({labels[first]}) and "
                              f"{get_column_letter(c + 1)} ({label}) both read as {role}: hide or delete the one "
                              "that is not the form's")
        seen[role] = c
    return seen


def _carries(row: list[str | None], required: tuple[str, ...], hidden: _Hidden) -> bool:
    """Whether one header row alone names every required role (else the header spans the row above)."""
    roles = {column_role(v) for c, v in enumerate(row) if v and c not in hidden.columns}
    return all(r in roles for r in required)


def _openpyxl(data: bytes) -> openpyxl.Workbook | None:
    """The workbook as openpyxl reads it, for what fastexcel does not report; None for .xls and the like."""
    try:
        with warnings.catch_warnings():  # 'extension is not supported': the dropdowns it drops are read by dropdown.py
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # noqa: BLE001 — not an OOXML workbook: hidden state and dropdowns are unknown
        return None


def _hidden(ws: Worksheet | None) -> _Hidden:
    if ws is None:
        return _Hidden()
    cols: set[int] = set()
    for key, dim in ws.column_dimensions.items():
        if dim.hidden:
            first = dim.min or openpyxl.utils.column_index_from_string(key)
            cols.update(range(first - 1, (dim.max or first)))
    rows = {r for r, dim in ws.row_dimensions.items() if dim.hidden}
    return _Hidden(cols, rows)


def _cell(row: list[str | None], col: int | None) -> str:
    return clean_text(row[col]) if col is not None and col < len(row) else ""


def _items(sheet: Sheet, header_row: int, cols: dict[str, int], sheet_name: str, hidden: set[int],
           skipped: list[str]) -> list[FormItem]:
    """Item rows under the header. A row with neither number nor level is a heading or a note (its 分類,
    if any, carries down to the items under it); a row with only one of them cannot be read. Hidden rows
    and rows marked 欠番 / 削除 are left out and listed in ``skipped``."""
    domain_col = cols.get("domain", cols.get("category"))
    items: list[FormItem] = []
    seen: dict[int, int] = {}
    domain = ""
    for r, row in enumerate(sheet.rows()[header_row + 1:], start=header_row + 2):
        no, level = _cell(row, cols["no"]), _cell(row, cols["level"])
        requirement = _cell(row, cols["requirement"])
        if r in hidden:
            if no or level:
                skipped.append(f"row {r} (hidden)")
            continue
        domain = _cell(row, domain_col) or domain
        if not no and not level:
            continue
        mark = RETIRED.search(no) or RETIRED.search(level) or RETIRED_TEXT.match(requirement)
        if mark:
            number = re.search(r"\d{1,3}", label_key(no))
            what = f"No.{int(number.group())}" if number else f"row {r}"
            skipped.append(f"{what} ({mark.group(mark.lastindex or 0)})")
            continue
        where = f"sheet {sheet_name!r} row {r}"
        number = item_number(label_key(no))  # the same reading as ingest's (pipeline/itemno.py)
        if number is None:
            raise FormRefused(f"{where}: item number {no!r} cannot be read")
        lv = LEVEL.match(label_key(level))
        if not lv:
            raise FormRefused(f"No.{number} ({where}): level {level!r} cannot be read (expected Lv1, Lv2 or Lv3)")
        if number in seen:
            raise FormRefused(f"No.{number} appears twice (rows {seen[number]} and {r} of sheet {sheet_name!r})")
        if not requirement:
            raise FormRefused(f"No.{number} ({where}): the requirement (要求事項) is blank")
        seen[number] = r
        items.append(FormItem(number, f"Lv{lv.group(1)}", domain, requirement, _cell(row, cols.get("condition")), r))
    return items


def _version(file: str, checklist: str, header_row: int, sheets: dict[str, Sheet]) -> str | None:
    """The one version the form writes, read as ingest reads a submission's (the checklist above its
    header, cover sheets whole, the sheet names); two different versions refuse the form as ingest
    would refuse a submission on it."""
    where = [(checklist, sheets[checklist], header_row),
             *((n, s, None) for n, s in sheets.items() if n != checklist and is_cover_name(n))]
    try:
        return one_written(versions_written(where, list(sheets)))
    except Rejected as r:
        raise FormRefused(f"{file}: {r.detail}") from None


def _published(sheets: list[Sheet]) -> str | None:
    """A date written beside 版 / 発行 / 改訂 … in the first rows ('2025年9月1日 改訂'), as YYYY-MM-DD."""
    for sheet in sheets:
        for row in sheet.rows(8):
            for value in row:
                text = clean_text(value)
                m = DATE.search(text) if DATE_HINT.search(text) else None
                if m:
                    year, month, day = (int(g) for g in m.groups())
                    if 1 <= month <= 12 and 1 <= day <= 31:
                        return f"{year:04d}-{month:02d}-{day:02d}"
    return None
