"""Test helper: small checklist workbooks written directly with openpyxl/xlwt, the way another program
or a person would, independent of the project's own generator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from pipeline import catalogs

AUTO_HEADER = ["No.", "レベル", "分類", "要求事項", "達成条件", "回答", "未達成時の対応予定", "備考"]
POWER_HEADER = ["No.", "機能", "カテゴリ", "点検項目ID", "点検項目", "対象事業", "経営層報告推奨", "回答",
                "未実施の理由・対応予定", "対応予定時期", "社内文書参照先等", "備考"]
VALID_NUMBER = "7000012050002"


def auto_rows(answer_for=lambda n: "達成") -> list[list[object]]:
    items = catalogs.auto_items()
    return [[int(i[3:]), lvl, "分類", "要求事項", "条件", answer_for(int(i[3:])), None, None]
            for i, lvl in zip(items["item_id"], items["level"], strict=True)]


def power_rows(answer_for=lambda item: "実施している") -> list[list[object]]:
    items = catalogs.power_items()
    return [[k + 1, "識別", "資産管理", i, "点検項目", "全事業", None, answer_for(i), None, None, None, None]
            for k, i in enumerate(items["item_id"])]


def _fill(ws, first_row: int, first_col: int, rows) -> None:
    """Write rows of values from (first_row, first_col), 1-based, leaving None cells empty."""
    for r, row in enumerate(rows, start=first_row):
        for c, value in enumerate(row, start=first_col):
            if value is not None:
                ws.cell(r, c, value)


def write_auto(path: Path, rows: list[list[object]] | None = None, header: list[str] | None = None,
               cover: dict[str, object] | None = None, title_rows: int = 2, checklist_name: str = "チェックシート",
               cover_name: str = "表紙", checklist_first: bool = False, version: str = "Ver.2.2") -> Path:
    """An automotive checklist workbook; every layout choice is a parameter."""
    wb = openpyxl.Workbook()
    cover_ws = wb.active
    cover_ws.title = cover_name
    values = {"会社名": "株式会社テスト精工", "法人番号": VALID_NUMBER, "所属団体": "部工会", "業種": "自動車部品",
              "従業員数": "101〜300人", "資本金": "1億円", "目標レベル": "Lv2", "回答日": dt.date(2024, 10, 15)}
    values.update(cover or {})
    cover_ws["B1"] = f"チェックシート 表紙 ({version})"
    _fill(cover_ws, 3, 2, values.items())
    ws = wb.create_sheet(checklist_name, 0 if checklist_first else None)
    ws["A1"] = f"自動車産業サイバーセキュリティガイドライン チェックシート {version}"
    header_row = title_rows + 2
    _fill(ws, header_row, 1, [header or AUTO_HEADER, *(rows if rows is not None else auto_rows())])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_power(path: Path, rows: list[list[object]] | None = None, cover: dict[str, object] | None = None) -> Path:
    wb = openpyxl.Workbook()
    cover_ws = wb.active
    cover_ws.title = "表紙"
    values = {"事業者名": "株式会社テスト電力", "法人番号": VALID_NUMBER, "事業区分": "小売電気事業者、発電事業者",
              "主たる事業区分": "小売電気事業者", "従業員数": 120, "回答日": dt.date(2024, 9, 30)}
    values.update(cover or {})
    _fill(cover_ws, 3, 2, values.items())
    ws = wb.create_sheet("チェックシート")
    ws["A1"] = "情報セキュリティ対策自己診断票 チェックシート"
    _fill(ws, 3, 1, [POWER_HEADER, *(rows if rows is not None else power_rows())])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_auto_xlsxwriter(path: Path, answer_for=lambda n: "達成", formulas: dict[int, tuple[str, str]] | None = None,
                          cover: dict[str, object] | None = None) -> Path:
    """The automotive checklist as XlsxWriter writes it (shared strings, cached formula values):
    ``formulas`` puts, for item n, a formula and the value Excel last showed (e.g. '#N/A')."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(path)
    cover_ws = wb.add_worksheet("表紙")
    values = {"会社名": "株式会社テスト精工", "法人番号": VALID_NUMBER, "目標レベル": "Lv2", "回答日": "2024/10/15"}
    values.update(cover or {})
    for r, (label, value) in enumerate(values.items(), start=2):
        cover_ws.write(r, 1, label)
        cover_ws.write(r, 2, value)
    ws = wb.add_worksheet("チェックシート")
    ws.write(0, 0, "自動車産業サイバーセキュリティガイドライン チェックシート Ver.2.2")
    ws.write_row(3, 0, AUTO_HEADER)
    for r, row in enumerate(auto_rows(answer_for), start=4):
        n = row[0]
        if formulas and n in formulas:
            formula, shown = formulas[n]
            ws.write_formula(r, 5, formula, None, shown)
            row = [*row[:5], None, *row[6:]]
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    wb.close()
    return path


def with_phonetic_readings(path: Path, readings: dict[str, str]) -> Path:
    """Add furigana runs (<rPh>) to shared strings, as Excel does for text typed through a Japanese
    IME; a reader must not append them to the text ('株式会社テスト精工テストセイコウ')."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        members = {info: zf.read(info.filename) for info in zf.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members.items():
            if info.filename == "xl/sharedStrings.xml":
                text = data.decode("utf-8")
                for word, reading in readings.items():
                    run = f'<rPh sb="0" eb="{len(word)}"><t>{reading}</t></rPh><phoneticPr fontId="1"/>'
                    text = text.replace(f"<t>{word}</t></si>", f"<t>{word}</t>{run}</si>")
                data = text.encode("utf-8")
            zf.writestr(info, data)
    return path
