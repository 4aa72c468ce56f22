"""An official *blank* checklist → its items, read by header labels (never by cell position).

The same header finder as ingest (``ingest.locate.find_header``, labels from labels.yaml) finds the
table, so a form that ingest can read is a form the import can read, whatever rows sit above the
header or however the columns are ordered. Anything that cannot be read with certainty (an item
number, a level, a repeated number) refuses the whole form: a catalog built on a guess would score
every later submission on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.ingest.locate import find_header, is_checklist_name, is_derived_name, is_example_name, version_text
from pipeline.ingest.read import Sheet, open_book
from pipeline.ingest.reasons import Rejected
from pipeline.ingest.text import clean_text, label_key

# Roles a blank automotive form must carry (an answer column is not needed: the form is blank).
SHAPES = {"auto": ("no", "level", "requirement")}
ITEM_NO = re.compile(r"^(?:no\.?)?0*(\d{1,3})(?:\.0+)?$")  # 12, No.12, 012, '12.0'
LEVEL = re.compile(r"^(?:lv|level|レベル)?\.?([1-3])(?:\.0+)?$")  # Lv1, LV.1, レベル1, 1
DATE = re.compile(r"(20\d\d)\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})")
DATE_HINT = re.compile(r"版|発行|改訂|改定|公表|公開|制定|施行")


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


def read_form(path: Path, sector: str) -> Form:
    """Read an official blank checklist, or raise :class:`FormRefused` saying why it cannot be read."""
    if sector not in SHAPES:
        raise FormRefused(f"importing a {sector} form is not supported (supported: {', '.join(SHAPES)})")
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
    for name, sheet in sheets.items():
        found = find_header(sheet, SHAPES)
        if found:
            header = found[1]
            items = _items(sheet, header.row, header.columns, name)
            if not items:
                raise FormRefused(f"{path.name}: sheet {name!r} has the checklist header but no item rows under it")
            others = [s for n, s in sheets.items() if n != name]
            row = sheet.rows(header.row + 1)[header.row]
            columns = [clean_text(v) for v in row if v not in (None, "")]
            return Form(path.name, name, header.row + 1, columns, items, version_text([sheet, *others]),
                        _published([sheet, *others]))
    raise FormRefused(f"{path.name} is not a checklist: no sheet has the labels No., レベル and 要求事項")


def _cell(row: list[str | None], col: int | None) -> str:
    return clean_text(row[col]) if col is not None and col < len(row) else ""


def _items(sheet: Sheet, header_row: int, cols: dict[str, int], sheet_name: str) -> list[FormItem]:
    """Item rows under the header. A row with neither number nor level is a heading or a note (its 分類,
    if any, carries down to the items under it); a row with only one of them cannot be read."""
    domain_col = cols.get("domain", cols.get("category"))
    items: list[FormItem] = []
    seen: dict[int, int] = {}
    domain = ""
    for r, row in enumerate(sheet.rows()[header_row + 1:], start=header_row + 2):
        no, level = _cell(row, cols["no"]), _cell(row, cols["level"])
        domain = _cell(row, domain_col) or domain
        if not no and not level:
            continue
        where = f"sheet {sheet_name!r} row {r}"
        m = ITEM_NO.match(label_key(no))
        if not m or int(m.group(1)) == 0:
            raise FormRefused(f"{where}: item number {no!r} cannot be read")
        number = int(m.group(1))
        lv = LEVEL.match(label_key(level))
        if not lv:
            raise FormRefused(f"No.{number} ({where}): level {level!r} cannot be read (expected Lv1, Lv2 or Lv3)")
        if number in seen:
            raise FormRefused(f"No.{number} appears twice (rows {seen[number]} and {r} of sheet {sheet_name!r})")
        requirement = _cell(row, cols["requirement"])
        if not requirement:
            raise FormRefused(f"No.{number} ({where}): the requirement (要求事項) is blank")
        seen[number] = r
        items.append(FormItem(number, f"Lv{lv.group(1)}", domain, requirement, _cell(row, cols.get("condition")), r))
    return items


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
