"""Sheet builders shared by the instruments: a label/value cover and a checklist table.

Both apply the file's :class:`~pipeline.synth.mess.Quirks` (title rows, extra columns, merged
groups, hidden and blank rows, header variants) and report where each answer landed, which is the
ground truth's lineage (sheet, A1 cell).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.a1_notation import a1
from pipeline.synth.mess import Quirks
from pipeline.synth.sheetspec import Sheet

# Header labels as people retype them: width, spaces, line breaks (a correct reader normalises these).
HEADER_VARIANTS = {"点検項目ID": "点検項目ＩＤ", "回答": "回 答", "No.": "No", "レベル": "ﾚﾍﾞﾙ", "備考": "備考\n"}
EXTRA_COLUMNS = ["担当者", "確認日", "チェック欄"]


def cover_sheet(name: str, title: str, pairs: list[tuple[str, object]], quirks: Quirks) -> Sheet:
    """Label in column B, value in column C, under a merged title."""
    sh = Sheet(name, widths={1: 18, 2: 40})
    sh.put(0, 1, title)
    sh.merges.append((0, 1, 0, 3))
    row = 2 + quirks.extra_title_rows
    for label, value in pairs:
        sh.put(row, 1, label)
        sh.put(row, 2, value)
        row += 1
    return sh


@dataclass
class Table:
    sheet: Sheet
    header_row: int
    columns: list[str]  # as written, extra column included
    answer_cells: list[str]  # A1 cell of each item's answer, in item order
    item_rows: list[int]
    answer_col: int


def checklist_sheet(name: str, title_lines: list[str], columns: list[str], rows: list[dict[str, object]],
                    answer_label: str, group_label: str | None, quirks: Quirks,
                    rng: np.random.Generator, dropdown: list[str]) -> Table:
    """A title block above a header row, one row per item, drifting as ``quirks`` says."""
    cols = list(columns)
    if quirks.extra_column:
        cols.insert(int(rng.integers(1, len(cols) + 1)), str(rng.choice(EXTRA_COLUMNS)))
    sh = Sheet(name)
    for i, line in enumerate(title_lines):
        sh.put(i, 0, line)
        sh.merges.append((i, 0, i, min(len(cols), 8) - 1))
    header = len(title_lines) + 1 + quirks.extra_title_rows
    for c, label in enumerate(cols):
        sh.put(header, c, HEADER_VARIANTS.get(label, label) if quirks.header_variant else label)
    answer_col = cols.index(answer_label)
    row = header + 1
    answer_cells, item_rows = [], []
    blank_after = set(rng.choice(len(rows), size=2, replace=False)) if quirks.blank_rows and len(rows) > 2 else set()
    group_start, previous_group = row, None
    for i, item in enumerate(rows):
        group = item.get(group_label) if group_label else None
        if quirks.merged_groups and group_label and group != previous_group and previous_group is not None:
            _merge_group(sh, cols.index(group_label), group_start, row - 1)
            group_start = row
        previous_group = group
        for c, label in enumerate(cols):
            value = item.get(label)
            if value is None:
                continue
            if quirks.merged_groups and label == group_label and row != group_start:
                continue
            sh.put(row, c, value)
            if quirks.numbers_as_text and isinstance(value, int):
                sh.text_cells.add((row, c))
        answer_cells.append(a1(row, answer_col))
        item_rows.append(row)
        row += 1
        if i in blank_after:
            row += 1
    if quirks.merged_groups and group_label:
        _merge_group(sh, cols.index(group_label), group_start, row - 1)
    if quirks.hidden_rows:
        sh.hidden_rows.update(int(r) for r in rng.choice(item_rows, size=3, replace=False))
    sh.dropdowns.append((header + 1, answer_col, row - 1, answer_col, dropdown))
    sh.widths.update({c: 14 for c in range(len(cols))})
    return Table(sh, header, cols, answer_cells, item_rows, answer_col)


def _merge_group(sh: Sheet, col: int, first: int, last: int) -> None:
    if last > first:
        sh.merges.append((first, col, last, col))


def column_letter(col: int) -> str:
    return a1(0, col)[:-1]
