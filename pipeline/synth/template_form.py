"""A checklist workbook written from its template alone: for an instrument added as data.

The template YAML says everything the form holds: the cover labels (by role), the checklist's sheet,
columns, which item-catalog column fills which column (``checklist.fill``), the answer column and its
dropdown. Power and automotive keep their own writers (summary sheets, version titles).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from pipeline import catalogs
from pipeline.synth.layout import checklist_sheet, cover_sheet
from pipeline.synth.mess import Quirks, corp_number_cell, date_cell, native_answers
from pipeline.synth.sheetspec import Sheet, Workbook


def _cover_value(role: str, company: dict, answered_on: dt.date, quirks: Quirks) -> object:
    """What a member writes beside a cover label of this role."""
    if role == "company_name":
        return company["name"]
    if role == "corporate_number":
        return corp_number_cell(company["corporate_number"], quirks.corp_number_style)
    if role == "answered_on":
        return date_cell(answered_on, quirks.date_style)
    if role in ("employees", "size_band"):
        return company["employees"] if quirks.employees_style == "number" else f"{company['employees']:,}名"
    return company.get(role, "")


def _cell(item: dict, source: str) -> object:
    """A checklist cell from the item catalog: a column of it, or ``number`` (No.12 → 12)."""
    return int(str(item["item_id"]).split(".")[-1]) if source == "number" else item[source]


def build(company: dict, written: list[str | None], template_version: str, answered_on: dt.date,
          quirks: Quirks, rng: np.random.Generator) -> tuple[Workbook, str, list[str]]:
    """Workbook, checklist sheet name and answer cells for one company's answers on this form."""
    t = catalogs.template(template_version)
    items = catalogs.items_for(template_version).to_dict("records")
    title = t["instrument"]
    pairs = [(label, _cover_value(role, company, answered_on, quirks)) for role, label in t["cover"]["labels"].items()]
    cover = cover_sheet(quirks.cover_sheet_name or t["cover"]["sheet"], f"{title} 表紙", pairs, quirks)
    spec = t["checklist"]
    rows = [{**{col: _cell(item, src) for col, src in spec["fill"].items()}, spec["answer_column"]: answer}
            for item, answer in zip(items, written, strict=True)]
    table = checklist_sheet(quirks.checklist_sheet_name or spec["sheet"], [title, t.get("instructions", "")],
                            spec["columns"], rows, spec["answer_column"], spec.get("group_column"), quirks, rng,
                            list(native_answers(template_version).values()))
    sheets: list[Sheet] = [table.sheet, cover] if quirks.sheets_reordered else [cover, table.sheet]
    if quirks.notes_sheet:
        notes = Sheet("記入上の注意")
        notes.put(0, 0, "記入上の注意：回答はプルダウンから選択してください。")
        sheets.insert(0, notes)
    return Workbook(sheets), table.sheet.name, table.answer_cells
