"""The quarantine report a clerk works from: Japanese headers, one row per problem file, no formulas."""

from __future__ import annotations

import openpyxl
import pandas as pd

from pipeline.ingest import ingest
from tests.handmade import write_auto


def test_report_lists_each_problem_with_company_and_action(tmp_path):
    raw = tmp_path / "raw"
    write_auto(raw / "ok.xlsx")
    path = write_auto(raw / "formula.xlsx", cover={"法人番号": "1010001000006"},
                      rows=[[1, "Lv1", "", "", "", "検討中", None, None]])
    wb = openpyxl.load_workbook(path)
    name = wb["表紙"]["C3"]
    name.value, name.data_type = '=HYPERLINK("http://x")', "s"  # text that looks like a formula
    wb.save(path)
    (raw / "locked.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"))
    ingest("auto", 2024, raw, tmp_path / "s", workers=1, progress=False)
    wb = openpyxl.load_workbook(tmp_path / "s" / "quarantine_report.xlsx")
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header[:6] == ["分野", "年度", "状態", "ファイル", "事業者名", "法人番号"]
    rows = {r[3]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["locked.xlsx"][2] == "隔離" and "パスワード" in rows["locked.xlsx"][6]
    flagged = rows["formula.xlsx"]
    assert flagged[2] == "取込済み(要確認)" and "判読できない回答" in flagged[6]
    cell = next(c for c in ws["E"] if c.value and str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"  # text, never a live formula
    csv = pd.read_csv(tmp_path / "s" / "quarantine_report.csv", encoding="utf-8-sig")
    assert len(csv) == 2 and "ok.xlsx" not in set(csv["ファイル"])
    # the CSV copy: Excel would run '=HYPERLINK(…)' when the clerk opens it; a leading apostrophe keeps it text
    assert csv.loc[csv["ファイル"].eq("formula.xlsx"), "事業者名"].item() == "'=HYPERLINK(\"http://x\")"
    assert csv.loc[csv["ファイル"].eq("locked.xlsx"), "年度"].item() == 2024  # numbers untouched


def test_csv_safe_prefixes_only_text_that_starts_like_a_formula():
    from pipeline.xlsx import csv_safe

    frame = pd.DataFrame({"name": ["=1+1", "+81 3", "-x", "@SUM(A1)", "株式会社テスト", "a=b", None],
                          "n": [-1, 2, 3, 4, 5, 6, 7]})
    out = csv_safe(frame)
    assert out["name"].tolist()[:6] == ["'=1+1", "'+81 3", "'-x", "'@SUM(A1)", "株式会社テスト", "a=b"]
    assert pd.isna(out["name"].iloc[6])
    assert out["n"].tolist() == [-1, 2, 3, 4, 5, 6, 7]
    assert frame["name"].iloc[0] == "=1+1"  # the caller's frame is not changed
