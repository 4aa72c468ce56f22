"""The header search passes over rows that carry no label of any column role (titles, notes, blank rows, a cover's
rows): a header far down the sheet, or split over two rows under a merged 「No.」, is still found, and the cover is
never read as a checklist."""
from __future__ import annotations

import openpyxl

from tests.handmade import AUTO_HEADER, auto_rows, write_auto
from tests.test_ingest_layouts import by_item, run

NOTES = ["記入上の注意", "該当する回答を選んでください。", "不明な点は事務局までお問い合わせください。"]


def _notes_above(path, first: int, last: int) -> None:
    """Instructions in prose over rows first..last of the checklist sheet, none of them a column's label."""
    wb = openpyxl.load_workbook(path)
    ws = wb["チェックシート"]
    for r in range(first, last + 1, 4):
        ws.cell(r, 2, NOTES[r % len(NOTES)])
    wb.save(path)


def test_a_header_on_row_40_under_notes_and_blank_rows_is_found(tmp_path):
    raw = tmp_path / "raw"
    rows = auto_rows(lambda n: "達成" if n % 2 else "未達成")
    path = write_auto(raw / "a.xlsx", rows=rows, title_rows=38)  # the header on row 40
    _notes_above(path, 3, 37)
    _, t = run(raw)
    assert len(t["respondents"]) == 1
    answers = by_item(t)
    assert len(answers) == len(rows)
    assert set(answers.values()) == {"implemented", "not_implemented"}  # 達成 on odd numbers, 未達成 on even


def test_a_header_split_over_two_rows_under_a_merged_no_is_found(tmp_path):
    raw = tmp_path / "raw"
    rows = auto_rows()
    path = write_auto(raw / "a.xlsx", rows=rows, title_rows=20)  # the header on row 22, the rows from 23
    wb = openpyxl.load_workbook(path)
    ws = wb["チェックシート"]
    ws.insert_rows(22)  # the header's first row: 「No.」 merged over both, the rest on the second row
    ws.cell(22, 1, AUTO_HEADER[0])
    ws.cell(23, 1, None)
    ws.merge_cells("A22:A23")
    ws.cell(22, 5, "回答欄")
    wb.save(path)
    _, t = run(raw)
    assert len(by_item(t)) == len(rows)
