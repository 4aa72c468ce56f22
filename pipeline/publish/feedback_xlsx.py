"""Member feedback workbooks: one member's page (:class:`~pipeline.publish.feedback_model.MemberPage`) as
概要 / スコア / 優先して取り組む項目 sheets, and the clerk's index of files.

The layout follows the people's workbook of :mod:`pipeline.publish.render_xlsx` (same styles, number formats
and width fitting): numbers stay numbers, with percent formats. Workbooks are assembled in memory and moved
into place, and carry no clock, so the same page gives the same bytes.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.publish.feedback_model import (
    ITEM_COLUMNS,
    KIND,
    SCORE_COLUMNS,
    MemberPage,
    cell_text,
    column_head,
    whole_rows,
)
from pipeline.publish.render_xlsx import (
    FIXED_CREATED,
    HEADER_ROW,
    LINE_HEIGHT,
    TEXT_WRAP_AT,
    cell_styles,
    column_width,
    row_height,
    write_cell,
)
from pipeline.xlsx import display_width, workbook, write_sheet


def write_member_workbook(path: Path, page: MemberPage) -> Path:
    """The member's workbook: 概要 (who, what, peers, rules, the figure), スコア, 優先して取り組む項目.

    Written beside ``path`` and moved into place, so a clerk never attaches a half-written file.
    """
    tmp = path.with_name(path.name + ".tmp")
    wb = workbook(tmp, in_memory=True)
    wb.set_properties({"created": FIXED_CREATED, "title": page.words["title"], "company": ""})
    try:
        styles = cell_styles(wb, page.lang)
        _cover_sheet(wb, styles, page)
        cols = page.score_columns
        keep = [SCORE_COLUMNS.index(c) for c in cols]
        score_marks = [[row[i] for i in keep] for row in page.score_marks]
        _table_sheet(wb, styles, page, page.words["sheets"]["scores"], page.words["scores_title"],
                     page.scores, cols, score_marks)
        # a blank rate or count is withheld, never "not assessed": every listed item applies to the member, and
        # the count is withheld alone where the rate is printed rounded (1…k−1 companies not applicable)
        withheld = page.items[["peer_rate", "n_applicable"]].isna()
        item_marks = [[page.words["hidden"] if c in withheld and withheld.at[i, c] else "" for c in ITEM_COLUMNS]
                      for i in page.items.index]
        _table_sheet(wb, styles, page, page.words["sheets"]["items"], page.words["items_title"], page.items,
                     ITEM_COLUMNS, item_marks, empty=page.words["items_none"], whole=whole_rows(page.items))
        for extra in page.extra:
            extra.write_sheet(wb, styles)
    finally:
        wb.close()
    os.replace(tmp, path)
    return path


def _cover_sheet(wb: Any, styles: dict[str, Any], page: MemberPage) -> None:
    w = page.words
    ws = wb.add_worksheet(w["sheets"]["cover"])
    label_w, value_w = 16, 96
    ws.set_column(0, 0, label_w)
    ws.set_column(1, 1, value_w)
    ws.write_string(0, 0, w["title"], styles["title"])
    ws.set_row(0, 21)
    ws.write_string(1, 0, w["addressee"].format(company=page.company), styles["note"])
    cover = w["cover"]
    rows = [(cover["company"], page.company), (cover["sector"], page.sector), (cover["year"], page.year),
            *([(cover["previous"], page.previous_note)] if page.previous_year else []),
            (cover["peers"], "\n".join(page.peers)), (cover["reading"], page.reading),
            (cover["rules"], page.rules), (cover["symbols"], page.symbols),
            *([(cover["scheme"], page.scheme)] if page.scheme else [])]
    r = 3
    for label, value in rows:
        ws.write_string(r, 0, label, styles["label"])
        ws.write_string(r, 1, value, styles["value"])
        lines = sum(max(1, math.ceil(display_width(part) / (value_w - 2))) for part in value.split("\n"))
        if lines > 1:
            ws.set_row(r, LINE_HEIGHT * lines)
        r += 1
    r += 1
    ws.write_string(r, 0, cover["figure"], styles["label"])
    ws.write_string(r, 1, w["figure_title"], styles["label"])
    ws.insert_image(r + 1, 1, "peers.png", {"image_data": io.BytesIO(page.figure_png), "object_position": 3})
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    ws.activate()


def _table_sheet(wb: Any, styles: dict[str, Any], page: MemberPage, name: str, title: str, frame: pd.DataFrame,
                 cols: list[str], marks: list[list[str]], empty: str = "", whole: list[bool] | None = None) -> None:
    """A table in the people's-workbook layout (title, header on row 4, frozen, fitted widths); a cell
    with a mark shows it instead of its value (a hidden peer value 'x'), a not-assessed one '—'; a row of
    ``whole`` shows its shares in whole percent (stored so, formatted 0%)."""
    whole = whole or [False] * len(frame)
    whole_styles = {**styles, "percent": styles["whole_percent"]}
    ws = wb.add_worksheet(name)
    lang = page.lang
    values = list(zip(*(frame[c].tolist() for c in cols), strict=True)) if len(frame) else []  # not .at per cell
    ws.write_string(0, 0, title, styles["title"])
    ws.set_row(0, 21)
    ws.write_string(1, 0, page.words["addressee"].format(company=page.company) + " ・ " + page.year, styles["note"])
    heads = [column_head(c, page) for c in cols]
    shown = [[marks[r][c] or cell_text(value, col, lang, whole[r])
              for c, (col, value) in enumerate(zip(cols, row, strict=True))] for r, row in enumerate(values)]
    widths = [column_width(head, [row[c] for row in shown], KIND[col]) for c, (head, col)
              in enumerate(zip(heads, cols, strict=True))]
    for c, head in enumerate(heads):
        ws.write_string(HEADER_ROW, c, head, styles["header"])
        wrap = KIND[cols[c]] == "text" and widths[c] >= TEXT_WRAP_AT
        ws.set_column(c, c, widths[c], styles["text_wrap"] if wrap else None)
    ws.set_row(HEADER_ROW, row_height(heads, widths))
    for r, row in enumerate(values):
        for c, col in enumerate(cols):
            mark = marks[r][c]
            write_cell(ws, HEADER_ROW + 1 + r, c, row[c], shown[r][c], KIND[col], bool(mark), mark, widths[c],
                       whole_styles if whole[r] else styles)
        height = row_height(shown[r], widths)
        if height > LINE_HEIGHT:
            ws.set_row(HEADER_ROW + 1 + r, height)
    if frame.empty and empty:
        ws.write_string(HEADER_ROW + 1, 0, empty, styles["text"])
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)


def write_index(path: Path, frame: pd.DataFrame, w: dict[str, Any]) -> None:
    """The clerk's list: file ↔ company ↔ 法人番号 ↔ written in this run, 法人番号 kept as text (leading zeros).

    It prints as the clerk ticks it off: A4 portrait, every column on one page width (the 法人番号 and 今回作成 columns
    printed on pages of their own), the header on every page, gridlines, page numbers."""
    tmp = path.with_name(path.name + ".tmp")
    wb = workbook(tmp)
    wb.set_properties({"created": FIXED_CREATED})  # no clock in the file: the same members give the same bytes
    try:
        write_sheet(wb, w["index"]["title"], frame, widths=[None, None, 16, None])
        ws = wb.worksheets()[-1]
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.hide_gridlines(0)  # 0: shown on screen and printed
        ws.set_footer("&L&A&R&P / &N")
    finally:
        wb.close()
    os.replace(tmp, path)

