"""Checklist sheets that are last year's or a copy: what their names and titles say.

A workbook may carry this year's checklist beside last year's (「チェックシート(前年度)」, often placed
first) or a copy Excel named 「チェックシート (2)」. Which one holds this year's answers is read from what
the sheet says about itself, never from the sheets' order (see parse._choose_sheet).
"""

from __future__ import annotations

import re

from pipeline.text import clean_text, label_key

PAST_NAME = re.compile(r"前年|昨年|前回|過去|(?<!復)旧|コピー|copy|複製|控え|バックアップ|backup"
                        r"|(?<![a-z])old(?![a-z])|\(\d{1,2}\)$")
_PAST_TITLE = re.compile(r"前年度|昨年度|前回提出|前回回答|旧様式|旧版|[(【]旧[)】]|コピー|copy")
_FISCAL_YEAR = re.compile(r"(?:fy)?(20\d{2})年度|fy(20\d{2})|(?:令和|r)(\d{1,2}|元)年度")
TITLE_CELL = 40  # characters: a title or a sheet's label, not an instruction ('前回の回答を参考に…')


def stale_mark(name: str, above: list[list[str | None]], year: int) -> str:
    """Why a checklist sheet looks like last year's or a copy, from its name and its title cells above the
    header ('チェックシート(前年度)', 'チェックシート (2)' as Excel names a copy, a title「2023年度」 on a
    FY2024 submission); '' when nothing marks it. A cover-like pair above the table (「前回回答日 |
    2023/10/1」) or an instruction is no title and marks nothing (see :func:`title_cells`)."""
    key = label_key(name)
    if PAST_NAME.search(key):
        return f"シート名「{name}」"
    fiscal = fiscal_years(key) or name_years(key)
    if fiscal and year not in fiscal:
        return f"シート名「{name}」は{min(fiscal)}年度"
    for value in title_cells(above):
        text = label_key(value)
        if _PAST_TITLE.search(text):
            return f"表題「{clean_text(value)}」"
        fiscal = fiscal_years(text)
        if fiscal and year not in fiscal:
            return f"表題「{clean_text(value)}」は{min(fiscal)}年度"
    return ""


_LABEL_END = re.compile(r"(日|日付|日時|年月日|[:：])$")


def title_cells(above: list[list[str | None]]) -> list[str]:
    """The cells above a header that read as the sheet's title: alone on their row (a label with its value
    beside it is a cover pair, not a title), short (a long text is an instruction), and not shaped like a
    label ('前回回答日', '提出日：' name a date, they do not title the sheet)."""
    titles = []
    for row in above:
        filled = [v for v in row if v not in (None, "") and str(v).strip()]
        if len(filled) != 1:
            continue
        text = label_key(filled[0])
        if text and len(text) <= TITLE_CELL and not _LABEL_END.search(text):
            titles.append(str(filled[0]))
    return titles


def fiscal_years(key: str) -> set[int]:
    """The fiscal years a text names: 2023年度, FY2023, 令和5年度, R5年度 → {2023}."""
    years = set()
    for m in _FISCAL_YEAR.finditer(key):
        if m.group(3):
            years.add(2018 + (1 if m.group(3) == "元" else int(m.group(3))))
        else:
            years.add(int(m.group(1) or m.group(2)))
    return years


# in a sheet's name a year often stands without 年度: 'チェックシート2023', 'チェックシートR5', '2023_回答'.
# Only a token that reads as a year: four digits 2000–2099 not inside a longer number, a version (v2.2023)
# or a date (2023/10/1, 2023年10月, 2023-10); 令和/R and one or two digits not part of a longer number.
_NAME_YEAR = re.compile(r"(?<![\d.])(20\d{2})(?![\d.]|\s*[/\-]\s*\d|\s*年\s*\d|\s*月)")
_NAME_REIWA = re.compile(r"(?<![a-z])(?:令和|r)\s*(\d{1,2}|元)(?![\d.])")


def name_years(key: str) -> set[int]:
    """The fiscal years a sheet name names without 年度 ('チェックシート2023' → {2023}, 'チェックシートR6' →
    {2024}); empty when no token reads as a year."""
    years = {int(m.group(1)) for m in _NAME_YEAR.finditer(key)}
    years |= {2018 + (1 if m.group(1) == "元" else int(m.group(1))) for m in _NAME_REIWA.finditer(key)}
    return years
