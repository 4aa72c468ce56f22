"""The report's tables as files: a workbook for people and a CSV copy for machines.

The people's workbook is what an association or the WG secretariat forwards: it must explain itself
(a 説明 sheet first), read in Japanese, and keep numbers as numbers (formatted, so they can be
re-charted without retyping) while hidden and not-assessed cells stay visibly different ("x", "—"). A
Japanese workbook names its sheets in Japanese (catalogs/report_labels.yaml ``sheets``).
The machine copy carries every column at full precision and is byte-identical for the same input, so
a re-run can be diffed and the disclosure audit can compare it with what people saw.
"""

from __future__ import annotations

import math
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from pipeline.method import METHOD_DOC
from pipeline.palette import ACCENT_COLOUR, HEADER_FILL_COLOUR, HEADER_RULE_COLOUR, MARK_COLOUR, SHEET_NOTE_COLOUR
from pipeline.publish.formats import (
    BAND_LABELS,
    DASH,
    NO_PREVIOUS,
    NUMERIC_KINDS,
    STAT_KINDS,
    as_displayed,
    check_lang,
    header,
    hidden_rows,
    hidden_text,
    is_missing,
    kind,
    people_frame,
    rounded_mask,
    whole_points_mask,
    withheld_cells,
)
from pipeline.publish.model import Provenance, PublishedTable
from pipeline.publish.provenance import scheme_shown
from pipeline.xlsx import display_width, fit_widths, workbook

FIXED_CREATED = datetime(2024, 1, 1, tzinfo=UTC)

HEADER_ROW = 3  # zero-based: title in row 1, note in row 2, a blank row, the header in row 4
NUMBER_FORMATS = {
    "percent": {"ja": "0.0%", "en": "0.0%"},
    "score": {"ja": "0.0%", "en": "0.0%"},
    "points": {"ja": '+0.0"ポイント";"−"0.0"ポイント";0.0"ポイント"', "en": '+0.0" pt";"−"0.0" pt";0.0" pt"'},
    "count": {"ja": "#,##0", "en": "#,##0"},
    "year": {"ja": "0", "en": "0"},
    "int": {"ja": "0", "en": "0"},
}
"""Excel number formats per column kind. Points are written as value × 100 (Excel cannot scale by 100
without printing a % sign), so 0.052 is stored as 5.2 and shown as +5.2 pt; a negative change shows the minus sign
(U+2212) as every other output does (formats.MINUS), not Excel's hyphen."""
WHOLE_POINTS = {"ja": '+0"ポイント";"−"0"ポイント";0"ポイント"', "en": '+0" pt";"−"0" pt";0" pt"'}
"""A change between shares published in whole percent: whole points (+26 ポイント, not +26.0)."""
WORDS = {
    "ja": {"about": "説明", "tables": "表の一覧", "sheet": "シート", "title": "表題", "note": "注記",
           "provenance": "出典・再現情報", "snapshot": "データスナップショット", "code": "コードバージョン",
           "parameters": "パラメータ", "generated": "作成日", "symbols": "記号", "method": "手法の版",
           "scheme": "★ 要求事項・評価基準表の版",
           "hidden": "{mark}: 秘匿(該当企業が少ない、又は他の値から算出できるため)",
           "dash": "—: 評価対象外(対応する項目・回答がない)",
           "no_previous": "…: 前年度の値がない(比較できない)",
           "band": "90%以上 / 10%未満: 上位(下位)から外れる企業が少ないため、平均を値ではなく範囲で示す"},
    "en": {"about": "About", "tables": "Tables", "sheet": "Sheet", "title": "Title", "note": "Note",
           "provenance": "Source and reproducibility", "snapshot": "Data snapshot", "code": "Code version",
           "parameters": "Parameters", "generated": "Generated", "symbols": "Symbols", "method": "Method version",
           "scheme": "★ requirements table version",
           "hidden": "{mark}: withheld (too few companies, or derivable from other values)",
           "dash": "—: not assessed (no item or answer reaches it)",
           "no_previous": "…: no previous year to compare with",
           "band": "90% or more / below 10%: few companies fall short of the top (or rise above the bottom), so the "
                   "mean is shown as a range, not a value"},
}
FONT = "Meiryo UI"
"""Windows ships Meiryo UI; other systems substitute their own Japanese font."""
TEXT_WRAP_AT = 50
"""A text column wider than this wraps instead of widening further (item texts are long)."""
LINE_HEIGHT = 15.0
"""Points per line of 10-point Japanese text (kanji need a little more than Latin's 12.75)."""


def write_people_workbook(path: Path, tables: list[PublishedTable], about: list[tuple[str, str]],
                          provenance: Provenance, lang: str) -> Path:
    """Write the people's workbook: a 説明 sheet, then one formatted sheet per table.

    Parameters
    ----------
    path : Path
        Target ``.xlsx``; written to a temporary file beside it and moved into place, so a reader
        never opens a half-written workbook and a failed run leaves the previous one intact.
    tables : list of PublishedTable
        In sheet order; ``table.name`` is the sheet name (≤ 31 characters, unique).
    about : list of (label, value)
        What the caller wants said first: what the tables are, the scoring rules, k, the data.
    provenance : Provenance
        Snapshot, code version and parameters, listed on the 説明 sheet.
    lang : {'ja', 'en'}
        Language of headers, units and the 説明 sheet's own words.

    Returns
    -------
    Path
        ``path``.
    """
    check_lang(lang)
    names = [sheet_name(t.name, lang) for t in tables]
    words = WORDS[lang]
    if len(set(names)) != len(names) or words["about"] in names:
        raise ValueError(f"sheet names must be unique and not {words['about']!r}: {names}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    wb = workbook(tmp)
    # a fixed creation date: the same store and parameters give a byte-identical workbook (the run's date is
    # in the provenance of the HTML and the deck, not here)
    wb.set_properties({"created": FIXED_CREATED, "title": tables[0].title if tables else ""})
    try:
        styles = cell_styles(wb, lang)
        _about_sheet(wb, styles, tables, about, provenance, lang)
        for table in tables:
            _table_sheet(wb, styles, table, lang)
    finally:
        wb.close()
    os.replace(tmp, path)
    return path


def cell_styles(wb: xlsxwriter.Workbook, lang: str) -> dict[str, Any]:
    base = {"font_name": FONT, "font_size": 10, "valign": "top"}

    def fmt(**extra: Any) -> Any:
        return wb.add_format({**base, **extra})

    styles: dict[str, Any] = {
        "title": fmt(bold=True, font_size=14),
        "note": fmt(font_color=SHEET_NOTE_COLOUR),
        "note_wrap": fmt(font_color=SHEET_NOTE_COLOUR, text_wrap=True, valign="top"),
        "section": fmt(bold=True, font_size=11, bottom=1),
        "label": fmt(bold=True, text_wrap=True),
        "value": fmt(text_wrap=True),
        "link": fmt(font_color=ACCENT_COLOUR, underline=1),
        "header": fmt(bold=True, bg_color=HEADER_FILL_COLOUR, text_wrap=True, border=1,
                      border_color=HEADER_RULE_COLOUR),
        "text": fmt(),
        "text_wrap": fmt(text_wrap=True),
        "hidden": fmt(font_color=MARK_COLOUR, align="right"),
        "dash": fmt(font_color=MARK_COLOUR, align="right"),
    }
    for k, by_lang in NUMBER_FORMATS.items():
        styles[k] = fmt(num_format=by_lang[lang])
    styles["whole_percent"] = fmt(num_format="0%")  # a share published rounded to whole percent
    styles["whole_points"] = fmt(num_format=WHOLE_POINTS[lang])  # a change between whole percents
    return styles


def _about_sheet(wb: xlsxwriter.Workbook, styles: dict[str, Any], tables: list[PublishedTable],
                 about: list[tuple[str, str]], provenance: Provenance, lang: str) -> None:
    """説明: the caller's rows, the list of tables (linked to their sheets), what 'x', '—' and '…' mean, and
    the provenance, so a forwarded workbook explains itself without the report."""
    words = WORDS[lang]
    stamp = [(words["snapshot"], provenance.snapshot), (words["code"], provenance.code_version),
             (words["method"], f"{provenance.method} ({METHOD_DOC})")]
    if provenance.scheme:
        stamp.append((words["scheme"], scheme_shown(provenance.scheme, lang)))
    stamp += [(words["parameters"], f"{k}={v}") for k, v in provenance.parameters.items() if v not in ("", None)]
    if provenance.generated:
        stamp.append((words["generated"], provenance.generated))
    symbols = [(words["symbols"], words["hidden"].format(mark=hidden_text(), k=k))
               for k in sorted({t.k for t in tables})]
    symbols = symbols[:1]  # one mark whatever k: the mark says "hidden", never a count
    symbols += [(words["symbols"], words["dash"]), (words["symbols"], words["no_previous"])] if tables else []
    if any(str(v) in ("high", "low") for t in tables for v in t.frame.get("mean_band", [])):
        symbols.append((words["symbols"], words["band"]))
    labels = [words["sheet"], *(str(a) for a, _ in [*about, *symbols, *stamp]), *(t.name for t in tables)]
    widths = [fit_widths([labels], max_width=30)[0], 60, 45]
    ws = wb.add_worksheet(words["about"])
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    ws.write_string(0, 0, words["about"], styles["title"])
    ws.set_row(0, 21)
    row = 2

    def line(cells: list[tuple[str, str]]) -> None:
        """One row, or a long last cell over rows of at most :data:`ABOUT_ROW_LINES` lines, split between
        sentences (the others' cells on its first row only)."""
        nonlocal row
        *lead, (last, last_style) = cells
        parts = paragraph_rows(last, widths[len(cells) - 1]) if last_style == "value" else [last]
        if len(parts) > 1:
            line([*lead, (parts[0], last_style)])
            for part in parts[1:]:
                line([*(("", "value") for _ in lead), (part, last_style)])
            return
        for c, (text, style) in enumerate(cells):
            if not text:  # a continued paragraph's row: its label and title only on the first
                continue
            if style == "link":
                ws.write_url(row, c, f"internal:'{sheet_name(text, lang)}'!A1", styles["link"],
                             string=sheet_name(text, lang))
            else:
                ws.write_string(row, c, text, styles[style])
        height = row_height([t for t, _ in cells], widths[: len(cells)])
        if len(cells) > 1 and height > LINE_HEIGHT:  # a lone section title overflows into empty cells
            ws.set_row(row, height)
        row += 1

    for label, value in about:
        line([(str(label), "label"), (str(value), "value")])
    row += 1
    line([(words["tables"], "section")])
    line([(words["sheet"], "header"), (words["title"], "header"), (words["note"], "header")])
    for table in tables:
        line([(table.name, "link"), (table.title, "value"), (table.note, "value")])
    for label, value in symbols:
        line([(label, "label"), (value, "value")])
    row += 1
    line([(words["provenance"], "section")])
    for label, value in stamp:
        line([(label, "label"), (str(value), "value")])
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.activate()


ABOUT_ROW_LINES = 8
"""The most lines a row of the 説明 sheet holds: a paragraph longer than that continues on the next rows. A rule text of
32 lines in one row did not fit the rest of a printed page, so every page broke before it and printed mostly blank
(the English About sheet: 28 pages for its 33 rows)."""
SENTENCE_END = re.compile(r"。|\.\s+(?=[A-Z\"“(x—…§])")
"""Where a sentence ends: 「。」, or a full stop and a space before a capital, a quote, a bracket or a mark."""


def paragraph_rows(text: str, width: int, most: int = ABOUT_ROW_LINES) -> list[str]:
    """``text`` as consecutive cells of a column ``width`` wide, each at most ``most`` lines (:func:`row_height`'s
    estimate), split between sentences only; one sentence longer than that stays whole in its row."""
    ends = [m.end() for m in SENTENCE_END.finditer(text)]
    sentences = [text[a:b] for a, b in zip([0, *ends], [*ends, len(text)], strict=True) if text[a:b].strip()]
    rows: list[str] = []
    for sentence in sentences:
        joined = (rows[-1] + sentence) if rows else sentence
        if rows and row_height([joined.strip()], [width]) <= most * LINE_HEIGHT:
            rows[-1] = joined
        else:
            rows.append(sentence)
    return [r.strip() for r in rows] or [text]


def sheet_name(table: str, lang: str) -> str:
    """The sheet a table is written to: its name in the workbook's language (catalogs/report_labels.yaml
    ``sheets``), the table's machine name where the catalog has none (the CSV copy keeps machine names)."""
    from pipeline import catalogs

    return str((catalogs.report_labels()[lang].get("sheets") or {}).get(table, table))[:31]


def _table_sheet(wb: xlsxwriter.Workbook, styles: dict[str, Any], table: PublishedTable, lang: str) -> None:
    ws = wb.add_worksheet(sheet_name(table.name, lang))
    cols = table.people_columns()
    shown = people_frame(table, lang)  # the same strings the HTML shows: used for widths
    frame = table.frame.reset_index(drop=True)
    hidden = hidden_rows(table)
    withheld = withheld_cells(table)
    mark = hidden_text()
    open_counts = set(table.spec.open_counts) if table.spec is not None else set()
    ws.write_string(0, 0, table.title, styles["title"])
    ws.set_row(0, 21)
    kinds = [kind(c) for c in cols]
    heads = [header(col, lang, table.name) for col in cols]
    widths = [column_width(head, shown.iloc[:, c].tolist(), kinds[c]) for c, head in enumerate(heads)]
    if table.note and len(cols) > 1:  # wrapped within the table's width: one long line set the printed page's width
        ws.merge_range(1, 0, 1, len(cols) - 1, table.note, styles["note_wrap"])
        ws.set_row(1, row_height([table.note], [sum(widths)]))
    elif table.note:
        ws.write_string(1, 0, table.note, styles["note"])
    for c, head in enumerate(heads):
        ws.write_string(HEADER_ROW, c, head, styles["header"])
        wrap = kinds[c] == "text" and widths[c] >= TEXT_WRAP_AT
        ws.set_column(c, c, widths[c], styles["text_wrap"] if wrap else None)
    ws.set_row(HEADER_ROW, row_height(heads, widths))
    rounded = rounded_mask(frame)
    points_whole = whole_points_mask(frame)
    whole = {**styles, "percent": styles["whole_percent"], "score": styles["whole_percent"]}
    # cells read from column lists: a pandas look-up per cell (.at, .iloc) was a third of the sheets' time, profiled
    shown_columns = [shown.iloc[:, c].tolist() for c in range(len(cols))]
    value_columns = [frame[col].tolist() for col in cols]
    for r in range(len(frame)):
        texts, values = [column[r] for column in shown_columns], [column[r] for column in value_columns]
        row_styles = whole if rounded[r] else styles
        if points_whole[r]:  # changes in whole points, as the page shows them
            row_styles = {**row_styles, "points": styles["whole_points"]}
        for c, col in enumerate(cols):
            open_count = col in open_counts and not is_missing(values[c])  # respondents shown by their own rule
            write_cell(ws, HEADER_ROW + 1 + r, c, values[c], texts[c], kinds[c],
                       (hidden[r] and not open_count) or col in withheld[r],
                       mark, widths[c], row_styles)
        height = row_height(texts, widths)
        if height > LINE_HEIGHT:
            ws.set_row(HEADER_ROW + 1 + r, height)
    if cols:
        ws.autofilter(HEADER_ROW, 0, HEADER_ROW + max(len(frame), 1), len(cols) - 1)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)


def column_width(head: str, shown: list[str], k: str) -> int:
    """Fit the widest value; a long header wraps onto two lines rather than widening a numeric column;
    a long text column stops at :data:`TEXT_WRAP_AT` and wraps."""
    cells = max((display_width(v) for v in shown), default=0) + 2
    head_w = display_width(head) + 2
    # an English word must not break in the middle ("Respondent/s"); Japanese may break anywhere
    word = max((display_width(w) + 3 for w in head.split() if w.isascii()), default=0)
    width = max(cells, min(head_w, max(-(-head_w // 2) + 1, 10)), word, 8)
    return min(width, TEXT_WRAP_AT) if k == "text" else min(width, 30)


def row_height(texts: list[str], widths: list[int]) -> float:
    """Points needed for the row's wrapped text: Excel and LibreOffice do not grow a row to fit text
    wrapped in a file they open, so a long item text would show one cut-off line."""
    lines = max((math.ceil(display_width(t) / max(w - 1, 1)) for t, w in zip(texts, widths, strict=True)),
                default=1)
    return LINE_HEIGHT * max(lines, 1)


BANDS_SHOWN = {label for labels in BAND_LABELS.values() for label in labels.values()}


def write_cell(ws: Any, row: int, col: int, value: object, shown: str, k: str, hidden: bool, mark: str,
                width: int, styles: dict[str, Any]) -> None:
    if shown == NO_PREVIOUS and is_missing(value):  # no previous year, hidden row or not: the page's mark, not '—'
        ws.write_string(row, col, NO_PREVIOUS, styles["dash"])  # (not assessed) nor 'x' (hidden)
        return
    if hidden and (k in STAT_KINDS or is_missing(value)):  # a band (「90%以上」) is text in a hidden row
        ws.write_string(row, col, shown if shown in BANDS_SHOWN else mark, styles["hidden"])
        return
    if shown == DASH and k == "count":  # a not-assessed row's count of companies scored (0): '—', as its mean
        ws.write_string(row, col, DASH, styles["dash"])
        return
    if k in NUMERIC_KINDS:
        number = None if is_missing(value) else float(value)  # type: ignore[arg-type]
        if number is None and shown == mark:  # withheld in a published row (a rounded row's base): the mark
            ws.write_string(row, col, mark, styles["hidden"])
            return
        if number is None or not math.isfinite(number):
            ws.write_string(row, col, DASH, styles["dash"])
            return
        # stored as shown (one place for every sheet): no 159.00000000000003 or 0.8200000000000001 for a reader to
        # copy, and a cell never differs from the page by a digit; the machine copy keeps full precision
        whole = styles[k] is styles.get("whole_percent") or styles[k] is styles.get("whole_points")
        ws.write_number(row, col, as_displayed(number, k, whole_percent=whole), styles[k])
        return
    style = styles["text_wrap"] if display_width(shown) > width - 2 else styles["text"]
    ws.write_string(row, col, shown, style)


def write_machine_copy(folder: Path, tables: list[PublishedTable]) -> list[Path]:
    """Each table's full frame as ``folder/<name>.csv`` (UTF-8, machine headers, every column).

    Columns whose name starts with an underscore are working columns (the true count behind a hidden
    cell) and are left out. Floats keep full precision (the shortest text that reads back to the same
    double), whole-number count and year columns that NaN turned into floats are written as integers,
    missing values are empty, line endings are ``\\n``: the same input gives byte-identical files,
    with no timestamp.

    Returns
    -------
    list of Path
        The files written, in table order.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for table in tables:
        path = folder / f"{table.name}.csv"
        tmp = path.with_name(path.name + ".tmp")
        _machine_frame(table.frame).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
        os.replace(tmp, path)
        out.append(path)
    return out


def _machine_frame(frame: pd.DataFrame) -> pd.DataFrame:
    # a leading underscore marks a working column (e.g. disclosure's true count behind a hidden cell,
    # kept for the audit log): never published, not even to machines
    frame = frame[[c for c in frame.columns if not str(c).startswith("_")]].reset_index(drop=True).copy()
    for col in frame.columns:
        s = frame[col]
        if kind(str(col)) in ("count", "year", "int") and pd.api.types.is_float_dtype(s):
            whole = s.dropna()
            if (whole == whole.round()).all():
                frame[col] = s.astype("Int64")
    return frame
