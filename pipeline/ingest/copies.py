"""Checklist sheets that are last year's or a copy: what their names and titles say.

A workbook may carry this year's checklist beside last year's (「チェックシート(前年度)」, often placed
first) or a copy Excel named 「チェックシート (2)」. Which one holds this year's answers is read from what
the sheet says about itself, never from the sheets' order (see parse._choose_sheet).
"""

from __future__ import annotations

import re

from pipeline.ingest.text import clean_text, label_key

PAST_NAME = re.compile(r"前年|昨年|前回|過去|(?<!復)旧|コピー|copy|複製|控え|バックアップ|backup"
                        r"|(?<![a-z])old(?![a-z])|\(\d{1,2}\)$")
_PAST_TITLE = re.compile(r"前年度|昨年度|前回提出|前回回答|旧様式|旧版|[(【]旧[)】]|コピー|copy")
_FISCAL_YEAR = re.compile(r"(?:fy)?(20\d{2})年度|fy(20\d{2})|(?:令和|r)(\d{1,2}|元)年度")
TITLE_CELL = 40  # characters: a title or a sheet's label, not an instruction ('前回の回答を参考に…')


def stale_mark(name: str, above: list[list[str | None]], year: int) -> str:
    """Why a checklist sheet looks like last year's or a copy, from its name and the short cells above its
    header ('チェックシート(前年度)', 'チェックシート (2)' as Excel names a copy, a title「2023年度」 on a
    FY2024 submission); '' when nothing marks it."""
    key = label_key(name)
    if PAST_NAME.search(key):
        return f"シート名「{name}」"
    fiscal = fiscal_years(key)
    if fiscal and year not in fiscal:
        return f"シート名「{name}」は{min(fiscal)}年度"
    for row in above:
        for value in row:
            text = label_key(value) if value else ""
            if not text or len(text) > TITLE_CELL:
                continue
            if _PAST_TITLE.search(text):
                return f"表題「{clean_text(value)}」"
            fiscal = fiscal_years(text)
            if fiscal and year not in fiscal:
                return f"表題「{clean_text(value)}」は{min(fiscal)}年度"
    return ""


def fiscal_years(key: str) -> set[int]:
    """The fiscal years a text names: 2023年度, FY2023, 令和5年度, R5年度 → {2023}."""
    years = set()
    for m in _FISCAL_YEAR.finditer(key):
        if m.group(3):
            years.add(2018 + (1 if m.group(3) == "元" else int(m.group(3))))
        else:
            years.add(int(m.group(1) or m.group(2)))
    return years
