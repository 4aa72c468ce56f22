"""Each tolerated variation and each kind of bad file, on small files written in tmp_path by other
programs than our generator (openpyxl, xlwt, csv, zipfile) so ingestion is not tuned to one writer."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlwt

from pipeline.ingest import ingest
from pipeline.synth.archive import write_zip
from pipeline.synth.badfiles import encrypted
from tests.handmade import (
    AUTO_HEADER,
    VALID_NUMBER,
    auto_rows,
    power_rows,
    with_phonetic_readings,
    write_auto,
    write_auto_xlsxwriter,
    write_power,
)
from tools import make_libreoffice_fixtures as lo


def run(raw, sector="auto", year=2024, store=None):
    store = store or raw.parent / "store"
    result = ingest(sector, year, raw, store, workers=1, progress=False)
    tables = {n: pd.read_parquet(store / n) for n in ("manifest", "respondents", "responses", "identities")}
    return result, tables


def status(tables, suffix):
    m = tables["manifest"]
    row = m[m["source_path"].str.endswith(suffix)]
    assert len(row) == 1, (suffix, m["source_path"].tolist())
    return row["status"].iloc[0], row["reason"].iloc[0]


def answers(tables, path_suffix=""):
    r = tables["responses"]
    return r[r["source_path"].str.endswith(path_suffix)].set_index("item_id")["answer"]


# --- layout drift ---------------------------------------------------------------------------------

def test_header_moved_columns_reordered_and_extra_sheets_renamed(tmp_path):
    order = [7, 5, 0, 2, 1, 3, 4, 6]  # 回答 and No. far apart, 備考 first
    header = [AUTO_HEADER[i] for i in order] + ["担当者"]
    rows = [[row[i] for i in order] + ["山田"] for row in auto_rows(lambda n: "未達成" if n % 3 else "達成")]
    write_auto(tmp_path / "raw" / "a.xlsx", rows=rows, header=header, title_rows=6, checklist_name="チェックシート ",
               cover_name=" 表紙", checklist_first=True)
    _, t = run(tmp_path / "raw")
    got = answers(t)
    assert len(got) == 153
    assert got["No.3"] == "implemented" and got["No.4"] == "not_implemented"
    assert t["responses"]["sheet"].iloc[0] == "チェックシート "


def test_hidden_rows_merged_cells_blank_rows_and_numbers_as_text(tmp_path):
    path = write_auto(tmp_path / "raw" / "a.xlsx", rows=[[str(r[0]), *r[1:]] for r in auto_rows()])
    wb = openpyxl.load_workbook(path)
    ws = wb["チェックシート"]
    ws.row_dimensions[10].hidden = True
    ws.merge_cells("C5:C9")
    ws.insert_rows(30, amount=2)  # blank rows inside the table
    ws["F40"] = "未達成"
    wb.save(path)
    _, t = run(tmp_path / "raw")
    got = t["responses"].set_index("cell")["answer"]
    assert len(got) == 153
    assert got["F40"] == "not_implemented"
    assert "F30" not in got.index and "F31" not in got.index


@pytest.mark.parametrize(("raw", "expected"), [
    ("達成", "implemented"), ("  達成\n", "implemented"), ("\u3000達成", "implemented"), ("○", "implemented"),
    ("〇", "implemented"), ("◯", "implemented"), ("×", "not_implemented"), ("✕", "not_implemented"),
    ("✖", "not_implemented"), ("未達成", "not_implemented"), ("－", "not_applicable"), ("-", "not_applicable"),
    ("ー", "not_applicable"), ("―", "not_applicable"), ("対象外", "not_applicable"), ("N/A", "not_applicable"),
    ("達成済", "implemented"), ("非該当", "not_applicable"),
    ("Ｎ／Ａ", "not_applicable"), ("該当なし", "not_applicable"), (None, "unanswered"), ("   ", "unanswered"),
    ("検討中", "invalid"), ("?", "invalid"), ("済", "invalid"), ("○×", "invalid"), (1, "invalid"),
])
def test_auto_answer_variants(tmp_path, raw, expected):
    write_auto(tmp_path / "raw" / "a.xlsx", rows=auto_rows(lambda n: raw if n == 7 else "達成"))
    _, t = run(tmp_path / "raw")
    got = t["responses"].set_index("item_id")
    assert got.at["No.7", "answer"] == expected
    if expected == "invalid":  # kept raw, counted, reported
        assert got.at["No.7", "answer_raw"] == str(raw)
        assert t["manifest"]["n_invalid"].max() == 1
        assert "invalid_answers" in t["manifest"]["flags"].iloc[0]


@pytest.mark.parametrize(("raw", "expected"), [
    ("実施している", "implemented"), ("実施済み", "implemented"), ("一部実施している", "partial"),
    ("一部実施", "partial"), ("未実施", "not_implemented"), ("実施していない", "not_implemented"),
    ("該当しない", "not_applicable"), ("該当なし", "not_applicable"), ("対象外", "not_applicable"),
    ("一部", "invalid"), ("実施予定", "invalid"),
])
def test_power_answer_variants(tmp_path, raw, expected):
    write_power(tmp_path / "raw" / "p.xlsx", rows=power_rows(lambda i: raw if i == "PR.AC-1" else "実施している"))
    _, t = run(tmp_path / "raw", sector="power")
    assert answers(t)["PR.AC-1"] == expected


@pytest.mark.parametrize("number", [VALID_NUMBER, "７００００１２０５０００２", "7-0000-1205-0002", int(VALID_NUMBER),
                                    " 7000012050002\u3000"])
def test_corporate_number_spellings_give_one_key(tmp_path, number):
    write_auto(tmp_path / "raw" / "a.xlsx", cover={"法人番号": number})
    _, t = run(tmp_path / "raw")
    assert t["identities"]["corporate_number"].tolist() == [VALID_NUMBER]
    assert t["respondents"]["identity_basis"].tolist() == ["corporate_number"]
    write_auto(tmp_path / "raw2" / "b.xlsx")
    _, t2 = run(tmp_path / "raw2", store=tmp_path / "store2")
    assert t2["respondents"]["respondent_key"].tolist() == t["respondents"]["respondent_key"].tolist()


@pytest.mark.parametrize("value", [dt.date(2024, 10, 15), "2024年10月15日", "2024/10/15", 45580, "R6.10.15",
                                   "令和6年10月15日", dt.datetime(2024, 10, 15, 9, 30), "2024-10-15"])
def test_dates_as_dates_text_serials_and_era(tmp_path, value):
    write_auto(tmp_path / "raw" / "a.xlsx", cover={"回答日": value})
    _, t = run(tmp_path / "raw")
    assert t["respondents"]["submitted_on"].iloc[0] == pd.Timestamp(2024, 10, 15)


def test_attributes_are_normalised(tmp_path):
    write_auto(tmp_path / "raw" / "a.xlsx", cover={"従業員数": "１０１～３００人", "目標レベル": "ＬＶ３"})
    write_power(tmp_path / "rawp" / "p.xlsx", cover={"事業区分": "小売電気事業者・発電事業者", "従業員数": "1,234名"})
    _, t = run(tmp_path / "raw")
    assert t["respondents"][["size_band", "target_level"]].iloc[0].tolist() == ["101〜300人", "Lv3"]
    _, p = run(tmp_path / "rawp", sector="power", store=tmp_path / "sp")
    row = p["respondents"].iloc[0]
    assert row["business_types"] == "RETAIL GENERATION" and row["employees"] == 1234
    assert row["size_band"] == "1,001〜10,000人"


def test_v20_vocabulary_and_version_from_the_title(tmp_path):
    header = [h for h in AUTO_HEADER if h != "未達成時の対応予定"]
    rows = [r[:6] + r[7:] for r in auto_rows(lambda n: "×" if n == 1 else "○")]
    write_auto(tmp_path / "raw" / "a.xlsx", rows=rows, header=header, version="Ver.2.0")
    _, t = run(tmp_path / "raw", year=2022)
    assert t["respondents"]["template_version"].iloc[0] == "auto-v2.0"
    assert answers(t)["No.1"] == "not_implemented" and answers(t)["No.2"] == "implemented"


# --- file formats and containers ------------------------------------------------------------------

LIBREOFFICE = Path(__file__).parent / "fixtures" / "libreoffice"  # made by tools/make_libreoffice_fixtures.py


@pytest.mark.parametrize("suffix", ["xlsx", "ods", "xls"])
def test_automotive_checklist_saved_by_libreoffice(tmp_path, suffix):
    shutil.copy(LIBREOFFICE / f"auto_libreoffice.{suffix}", _raw(tmp_path))
    _, t = run(tmp_path / "raw")
    assert status(t, suffix) == ("ingested", "")
    got = t["responses"].set_index("item_id")
    expected = {f"No.{n}": lo.auto_answer(n) for n in range(1, 154)}
    assert got["answer_raw"].to_dict() == expected
    assert got.at["No.7", "answer"] == "not_implemented" and got.at["No.11", "answer"] == "not_applicable"
    assert got.at["No.5", "answer"] == "implemented"  # '達成' with a full-width space
    assert got.at["No.1", "cell"] == "F5" and got.at["No.153", "cell"] == "F157"
    who = t["identities"].iloc[0]
    assert (who["company_name"], who["corporate_number"]) == (lo.COMPANY_AUTO, str(lo.NUMBER_AUTO))
    assert t["respondents"]["submitted_on"].iloc[0] == pd.Timestamp("2024-11-05")


def test_power_checklist_saved_by_libreoffice_as_xlsm(tmp_path):
    shutil.copy(LIBREOFFICE / "power_libreoffice.xlsm", _raw(tmp_path))
    _, t = run(tmp_path / "raw", sector="power")
    got = t["responses"].set_index("item_id")
    assert len(got) == 108
    assert (got["answer_raw"] == [lo.power_answer(i) for i in got.index]).all()
    assert got["answer"].value_counts().to_dict() == {"implemented": 90, "partial": 18}
    assert t["identities"]["company_name"].tolist() == [lo.COMPANY_POWER]
    assert t["respondents"]["business_types"].tolist() == ["RETAIL GENERATION"]


def _raw(tmp_path):
    (tmp_path / "raw").mkdir()
    return tmp_path / "raw"


def test_protected_sheets_and_a_password_to_modify_are_still_read(tmp_path):
    """Only an open password encrypts a workbook; sheet protection, a locked structure and Excel's
    書き込みパスワード (password to modify) leave it readable, and it must be ingested."""
    path = write_auto(tmp_path / "raw" / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["チェックシート"].protection.sheet = True
    wb["チェックシート"].protection.password = "member"
    wb.security = openpyxl.workbook.protection.WorkbookProtection(workbookPassword="member", lockStructure=True)
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {i: zf.read(i.filename) for i in zf.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members.items():
            if info.filename == "xl/workbook.xml":  # what Excel writes for a password to modify
                sharing = b'<fileSharing readOnlyRecommended="1" userName="member" reservationPassword="CC1A"/>'
                data = data.replace(b"<workbookPr", sharing + b"<workbookPr", 1)
                assert sharing in data
            zf.writestr(info, data)
    _, t = run(tmp_path / "raw")
    assert status(t, "a.xlsx") == ("ingested", "")
    assert len(answers(t)) == 153


def test_formula_errors_are_kept_as_invalid_answers_not_blanks(tmp_path):
    formulas = {7: ("=VLOOKUP(X1,Y:Z,2,FALSE)", "#N/A"), 9: ('="達"&"成"', "達成")}
    write_auto_xlsxwriter(tmp_path / "raw" / "a.xlsx", formulas=formulas)
    result, t = run(tmp_path / "raw")
    got = t["responses"].set_index("item_id")
    assert got.at["No.7", "answer"] == "invalid" and got.at["No.7", "answer_raw"] == "#N/A"
    assert got.at["No.7", "cell"] == "F11"
    assert got.at["No.9", "answer"] == "implemented"  # a formula's cached text is its answer
    assert result.invalid_by_item.to_dict() == {"No.7": 1}
    assert "No.7「#N/A」" in t["manifest"]["warnings"].iloc[0]


def test_furigana_runs_do_not_leak_into_names_or_answers(tmp_path):
    path = write_auto_xlsxwriter(tmp_path / "raw" / "a.xlsx", answer_for=lambda n: "未達成" if n == 3 else "達成")
    with_phonetic_readings(path, {"株式会社テスト精工": "カブシキガイシャテストセイコウ", "未達成": "ミタッセイ"})
    assert zipfile.ZipFile(path).read("xl/sharedStrings.xml").count(b"<rPh") == 2
    _, t = run(tmp_path / "raw")
    assert t["identities"]["company_name"].tolist() == ["株式会社テスト精工"]
    assert answers(t)["No.3"] == "not_implemented"
    assert t["responses"].set_index("item_id").at["No.3", "answer_raw"] == "未達成"


def test_old_xls_from_xlwt(tmp_path):
    wb = xlwt.Workbook(encoding="utf-8")
    cover = wb.add_sheet("表紙")
    for r, (k, v) in enumerate({"会社名": "テスト工業株式会社", "法人番号": VALID_NUMBER, "目標レベル": "Lv1"}.items()):
        cover.write(r, 0, k)
        cover.write(r, 1, v)
    ws = wb.add_sheet("チェックシート")
    for c, label in enumerate(AUTO_HEADER):
        ws.write(1, c, label)
    for r, row in enumerate(auto_rows(lambda n: "未達成" if n == 2 else "達成"), start=2):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    (tmp_path / "raw").mkdir()
    wb.save(str(tmp_path / "raw" / "old.xls"))
    _, t = run(tmp_path / "raw")
    assert status(t, "old.xls") == ("ingested", "")
    assert answers(t)["No.2"] == "not_implemented"


def _export_frame(n_rows=3):
    head = ["受付番号", "会社名", "法人番号", "所属団体", "業種", "従業員数", "目標レベル", "提出日時"]
    numbers = ["7000012050002", "1010001000006", "4000020130001"]
    rows = [[f"R-{k}", f"会社{k}", numbers[k], "その他", "物流", "〜100人", "Lv1", f"2024-10-0{k + 1} 10:00:00"]
            + ["達成"] * 152 + ["未達成"] for k in range(n_rows)]
    return pd.DataFrame(rows, columns=head + [f"No.{n}" for n in range(1, 154)])


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig", "utf-8"])
def test_export_csv_encodings(tmp_path, encoding):
    (tmp_path / "raw").mkdir()
    _export_frame().to_csv(tmp_path / "raw" / "回答一覧.csv", index=False, encoding=encoding)
    _, t = run(tmp_path / "raw")
    assert len(t["respondents"]) == 3
    assert answers(t).groupby(level=0).first()["No.153"] == "not_implemented"
    assert set(t["manifest"]["kind"]) == {"export", "export_row"}
    assert t["responses"]["cell"].str.match(r"^[A-Z]+[2-4]$").all()


@pytest.mark.parametrize(("name", "encoding"), [("回答一覧.txt", "utf-16"), ("回答一覧.csv", "utf-16"),
                                              ("回答一覧.tsv", "utf-8")])
def test_export_saved_as_unicode_text_tab_separated(tmp_path, name, encoding):
    """Excel's 「Unicode テキスト」: UTF-16 with a BOM, tabs between cells, often still named .txt."""
    (tmp_path / "raw").mkdir()
    _export_frame().to_csv(tmp_path / "raw" / name, index=False, sep="\t", encoding=encoding)
    (tmp_path / "raw" / "メモ.txt").write_text("提出状況のメモです\n", encoding="utf-8")
    _, t = run(tmp_path / "raw")
    assert len(t["respondents"]) == 3
    assert answers(t).groupby(level=0).first()["No.153"] == "not_implemented"
    assert status(t, "メモ.txt") == ("quarantined", "not_a_workbook")


def test_export_item_columns_named_q1_or_bare_numbers(tmp_path):
    frame = _export_frame()
    frame.columns = [c if not c.startswith("No.") else ("Q" if int(c[3:]) % 2 else "") + c[3:] for c in frame.columns]
    (tmp_path / "raw").mkdir()
    frame.to_csv(tmp_path / "raw" / "回答一覧.csv", index=False, encoding="utf-8-sig")
    _, t = run(tmp_path / "raw")
    assert len(t["respondents"]) == 3 and len(t["responses"]) == 3 * 153
    assert answers(t).groupby(level=0).first()["No.153"] == "not_implemented"


def test_export_duplicate_rows_keep_the_latest(tmp_path):
    frame = _export_frame()
    again = frame.iloc[[0]].assign(提出日時="2024-11-20 08:00:00", **{"No.1": "未達成"})
    (tmp_path / "raw").mkdir()
    pd.concat([frame, again]).to_excel(tmp_path / "raw" / "回答一覧.xlsx", sheet_name="回答一覧", index=False)
    _, t = run(tmp_path / "raw")
    m = t["manifest"].set_index("source_path")
    assert m.at["回答一覧.xlsx#row=2", "status"] == "superseded"
    assert m.at["回答一覧.xlsx#row=5", "status"] == "ingested"
    key = m.at["回答一覧.xlsx#row=5", "respondent_key"]
    r = t["responses"]
    assert r[(r["respondent_key"] == key) & (r["item_id"] == "No.1")]["answer"].item() == "not_implemented"


def test_zip_with_cp932_names_nested_folders_and_a_zip_inside(tmp_path):
    wb_bytes = write_auto(tmp_path / "x.xlsx").read_bytes()
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("内側/チェックシート_B.xlsx", write_auto(tmp_path / "y.xlsx", cover={
            "法人番号": "1010001000006", "会社名": "B社"}).read_bytes())
    write_zip(tmp_path / "raw" / "提出/一括.zip", [("回答/チェックシート_A社.xlsx", wb_bytes),
                                                  ("まとめ.zip", inner.getvalue())], cp932_names=True)
    _, t = run(tmp_path / "raw")
    paths = set(t["manifest"]["source_path"])
    assert "提出/一括.zip!回答/チェックシート_A社.xlsx" in paths
    assert "提出/一括.zip!まとめ.zip!内側/チェックシート_B.xlsx" in paths
    assert len(t["respondents"]) == 2


# --- bad files ----------------------------------------------------------------------------------

def test_each_kind_of_bad_file_is_quarantined_with_its_reason(tmp_path):
    raw = tmp_path / "raw"
    good = write_auto(raw / "good.xlsx").read_bytes()
    (raw / "truncated.xlsx").write_bytes(good[: len(good) // 2])
    (raw / "locked.xlsx").write_bytes(encrypted(good))
    (raw / "print.xlsx").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (raw / "notes.txt").write_text("メモ", encoding="utf-8")
    (raw / "empty.xlsx").write_bytes(b"")
    write_auto(raw / "blank.xlsx", rows=auto_rows(lambda n: None), cover={"法人番号": "1010001000006"})
    write_power(raw / "power.xlsx", cover={"法人番号": "4000020130001"})
    other = openpyxl.Workbook()
    other.active["A1"] = "5分でできる！情報セキュリティ自社診断"
    other.save(raw / "ipa.xlsx")
    write_auto(raw / "anon.xlsx", cover={"法人番号": "", "会社名": ""})
    write_zip(raw / "tricks.zip", [("../../evil.xlsx", good), ("big.xlsx", bytes(30 * 1024 * 1024))], False)
    (raw / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    result, t = run(raw)
    expected = {"good.xlsx": ("ingested", ""), "truncated.xlsx": ("quarantined", "corrupt"),
                "locked.xlsx": ("quarantined", "encrypted"), "print.xlsx": ("quarantined", "not_a_workbook"),
                "notes.txt": ("quarantined", "not_a_workbook"), "empty.xlsx": ("quarantined", "corrupt"),
                "blank.xlsx": ("quarantined", "empty_checklist"), "power.xlsx": ("quarantined", "wrong_sector"),
                "ipa.xlsx": ("quarantined", "unknown_template"), "anon.xlsx": ("quarantined", "no_identity"),
                "tricks.zip!../../evil.xlsx": ("quarantined", "unsafe_path"),
                "tricks.zip!big.xlsx": ("quarantined", "archive_bomb"),
                "broken.zip": ("quarantined", "archive_corrupt")}
    for path, want in expected.items():
        assert status(t, path) == want, path
    assert len(t["manifest"]) == len(expected) + 1  # + the tricks.zip archive itself
    assert result.counts == {"ingested": 1, "quarantined": 12}
    report = pd.read_csv(tmp_path / "store" / "quarantine_report.csv", dtype=str).set_index("ファイル")
    assert report.at["blank.xlsx", "法人番号"] == "1010001000006"  # the clerk knows whom to ask


def test_duplicate_submissions_keep_the_latest_answer_date(tmp_path):
    raw = tmp_path / "raw"
    write_auto(raw / "first.xlsx", cover={"回答日": dt.date(2024, 10, 1)}, rows=auto_rows(lambda n: "未達成"))
    write_auto(raw / "later/again.xlsx", cover={"回答日": "2024年10月20日"})
    _, t = run(raw)
    assert status(t, "first.xlsx") == ("superseded", "superseded")
    assert status(t, "again.xlsx") == ("ingested", "")
    assert set(answers(t)) == {"implemented"}


def _set_saved_time(path, iso: str) -> None:
    """Rewrite docProps/core.xml's last-saved time, as Excel records it (openpyxl writes 'now')."""
    with zipfile.ZipFile(path) as zf:
        members = {i: zf.read(i.filename) for i in zf.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members.items():
            if info.filename == "docProps/core.xml":
                head, rest = data.split(b"<dcterms:modified", 1)
                data = head + f'<dcterms:modified xsi:type="dcterms:W3CDTF">{iso}</dcterms:modified>'.encode() \
                    + rest.split(b"</dcterms:modified>", 1)[1]
            zf.writestr(info, data)


def test_same_answer_date_keeps_the_workbook_saved_last_whatever_its_name(tmp_path):
    raw = tmp_path / "raw"
    same_day = {"回答日": dt.date(2024, 10, 20)}
    write_auto(raw / "回答.xlsx", cover=same_day, rows=auto_rows(lambda n: "未達成"))
    write_auto(raw / "回答 (2).xlsx", cover=same_day)  # sorts first, but was saved later
    _set_saved_time(raw / "回答.xlsx", "2024-10-20T01:00:00Z")
    _set_saved_time(raw / "回答 (2).xlsx", "2024-10-20T06:30:00Z")
    _, t = run(raw)
    assert status(t, "回答 (2).xlsx") == ("ingested", "")
    assert status(t, "回答.xlsx") == ("superseded", "superseded")
    assert set(answers(t)) == {"implemented"}


def test_invalid_check_digit_falls_back_to_the_name_and_is_flagged(tmp_path):
    write_auto(tmp_path / "raw" / "a.xlsx", cover={"法人番号": "7000012050003"})
    result, t = run(tmp_path / "raw")
    assert t["respondents"]["identity_basis"].tolist() == ["name"]
    assert "name_fallback" in t["manifest"]["flags"].iloc[0]
    report = pd.read_csv(tmp_path / "store" / "quarantine_report.csv", dtype=str)
    assert "法人番号" in report["問題"].iloc[0] and report["事業者名"].iloc[0] == "株式会社テスト精工"


def test_summary_sheet_mismatch_is_a_warning_not_a_rejection(tmp_path):
    path = write_power(tmp_path / "raw" / "p.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("可視化結果(広域機関用)")
    ws.append(["カテゴリ", "対象項目数", "実施", "一部実施", "未実施", "該当なし", "実施率"])
    ws.append(["資産管理 (ID.AM)", 6, 2, 0, 0, 0, 0.33])  # the checklist says 6 implemented
    wb.save(path)
    _, t = run(tmp_path / "raw", sector="power")
    assert status(t, "p.xlsx") == ("ingested", "")
    assert "summary_mismatch" in t["manifest"]["flags"].iloc[0]


# --- files written by other hands ---------------------------------------------------------------

def test_header_labels_with_hints_and_cover_labels_with_colons(tmp_path):
    header = ["No", "レベル", "分類", "要求事項", "達成条件", "回答(選択してください)", "未達成時の対応予定",
              "【備考】"]
    path = write_auto(tmp_path / "raw" / "a.xlsx", header=header, cover={"目標レベル": "Lv3"})
    wb = openpyxl.load_workbook(path)
    ws = wb["表紙"]
    ws["B3"], ws["C3"] = "会社名：株式会社コロン精工", None  # label and value in one cell
    ws["B4"] = "法人番号："  # label with a colon, value to its right
    wb.save(path)
    _, t = run(tmp_path / "raw")
    assert len(answers(t)) == 153
    assert t["identities"]["company_name"].tolist() == ["株式会社コロン精工"]
    assert t["identities"]["corporate_number"].tolist() == [VALID_NUMBER]
    assert t["respondents"]["target_level"].tolist() == ["Lv3"]


def test_header_over_two_rows_with_group_labels_and_merged_cells(tmp_path):
    path = write_auto(tmp_path / "raw" / "a.xlsx", rows=auto_rows(lambda n: "未達成" if n == 2 else "達成"))
    wb = openpyxl.load_workbook(path)
    ws = wb["チェックシート"]
    ws.insert_rows(5)  # the header is rows 4 and 5; items start at row 6
    ws["F4"], ws["G4"] = "自己評価", None  # a group label over 回答 and 未達成時の対応予定
    ws["F5"], ws["G5"] = "回答", "未達成時の対応予定"
    for col in "ABCDE":
        ws.merge_cells(f"{col}4:{col}5")  # No., レベル … span both rows
    ws.merge_cells("F4:G4")
    wb.save(path)
    _, t = run(tmp_path / "raw")
    got = t["responses"].set_index("item_id")
    assert len(got) == 153
    assert got.at["No.1", "cell"] == "F6" and got.at["No.2", "answer"] == "not_implemented"
    assert t["manifest"]["flags"].iloc[0] == ""


def test_corporate_number_written_one_digit_per_cell(tmp_path):
    path = write_auto(tmp_path / "raw" / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["表紙"]
    digits = list("１０１０００１０００００６")  # full-width, as typed into a form's digit boxes
    for k, digit in enumerate(digits):
        ws.cell(4, 3 + k, int(digit) if k % 2 else digit)  # some boxes hold numbers, some text
    ws.cell(4, 3 + len(digits) + 1, "(13桁)")  # a note after the boxes
    wb.save(path)
    _, t = run(tmp_path / "raw")
    assert t["identities"]["corporate_number"].tolist() == ["1010001000006"]
    assert t["respondents"]["identity_basis"].tolist() == ["corporate_number"]


def test_other_common_labels_for_item_number_answer_and_cover(tmp_path):
    header = ["項番", "レベル", "分類", "要求事項", "達成条件", "自己評価", "未達成時の対応予定", "備考"]
    path = write_auto(tmp_path / "raw" / "a.xlsx", header=header)
    wb = openpyxl.load_workbook(path)
    labels = {cell.value: cell for cell in wb["表紙"]["B"] if cell.value}
    labels["会社名"].value, labels["回答日"].value = "貴社名", "回答年月日"
    wb.save(path)
    _, t = run(tmp_path / "raw")
    assert len(answers(t)) == 153
    assert t["identities"]["company_name"].tolist() == ["株式会社テスト精工"]
    assert t["respondents"]["submitted_on"].tolist() == [pd.Timestamp("2024-10-15")]


@pytest.mark.parametrize("cover_name", ["基本情報", "回答者"])  # a cover-like name; any other name
def test_cover_sheet_under_another_name_and_an_example_sheet_beside_it(tmp_path, cover_name):
    path = write_auto(tmp_path / "raw" / "a.xlsx", cover_name=cover_name)
    wb = openpyxl.load_workbook(path)
    example = wb.create_sheet("記入例", 0)  # how to fill the form in, with a made-up company
    example["B3"], example["C3"] = "会社名", "株式会社記入例"
    example["B4"], example["C4"] = "法人番号", "1010001000006"
    wb.save(path)
    _, t = run(tmp_path / "raw")
    who = t["identities"].iloc[0]
    assert (who["company_name"], who["corporate_number"]) == ("株式会社テスト精工", VALID_NUMBER)
    assert len(answers(t)) == 153


def test_a_filled_in_example_checklist_is_never_taken_for_the_answers(tmp_path):
    path = write_auto(tmp_path / "raw" / "a.xlsx", rows=auto_rows(lambda n: "未達成" if n < 10 else "達成"))
    wb = openpyxl.load_workbook(path)
    example = wb.copy_worksheet(wb["チェックシート"])
    example.title = "記入例(チェックシート)"
    for row in example.iter_rows(min_row=5, min_col=6, max_col=6):
        row[0].value = "達成"
    wb.move_sheet(example, offset=-wb.index(example))  # first in the workbook
    wb.save(path)
    _, t = run(tmp_path / "raw")
    assert answers(t).value_counts().to_dict() == {"implemented": 144, "not_implemented": 9}
    assert t["responses"]["sheet"].unique().tolist() == ["チェックシート"]


def test_last_years_answer_column_beside_this_years_is_not_read(tmp_path):
    header = ["No.", "レベル", "分類", "要求事項", "回答(前年度)", "回答(選択してください)", "未達成時の対応予定"]
    rows = [[*row[:4], "達成", row[5], None] for row in auto_rows(lambda n: "未達成" if n == 1 else "達成")]
    write_auto(tmp_path / "raw" / "a.xlsx", header=header, rows=rows)
    _, t = run(tmp_path / "raw")
    got = t["responses"].set_index("item_id")
    assert got.at["No.1", "answer"] == "not_implemented" and got.at["No.1", "cell"] == "F5"


def test_business_types_ticked_across_cells_and_head_counts_with_notes(tmp_path):
    path = write_power(tmp_path / "raw" / "p.xlsx", cover={"従業員数": "1,200人(連結)"})
    wb = openpyxl.load_workbook(path)
    ws = wb["表紙"]
    assert ws["B5"].value == "事業区分"
    ws["C5"], ws["D5"], ws["E5"] = "☑発電事業者", "□送配電事業者", "☑小売電気事業者"  # one box per cell
    wb.save(path)
    _, t = run(tmp_path / "raw", sector="power")
    r = t["respondents"].iloc[0]
    assert r["business_types"] == "GENERATION RETAIL"
    assert (r["employees"], r["size_band"]) == (1200, "1,001〜10,000人")


def test_cover_value_below_its_label(tmp_path):
    path = write_auto(tmp_path / "raw" / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["表紙"]
    ws["C4"] = None
    ws["B4"], ws["B5"] = "法人番号", "1010001000006"  # vertical layout: the value under the label
    ws["B6"], ws["C6"] = "所属団体", "部工会"
    wb.save(path)
    _, t = run(tmp_path / "raw")
    assert t["identities"]["corporate_number"].tolist() == ["1010001000006"]


def test_macos_zip_names_and_system_files(tmp_path):
    good = write_auto(tmp_path / "x.xlsx").read_bytes()
    raw = tmp_path / "raw"
    raw.mkdir()
    with zipfile.ZipFile(raw / "mac.zip", "w") as zf:
        zf.writestr("チェックシート.xlsx", good)
    # macOS writes UTF-8 names without the UTF-8 flag; Python always sets it, so clear it by hand
    data = bytearray((raw / "mac.zip").read_bytes())
    data[7] &= ~0x08  # local header flag bit 11 (0x800) lives in byte 7
    cd = data.rfind(b"PK\x01\x02")  # the outer directory entry (the xlsx inside has its own)
    data[cd + 9] &= ~0x08  # central directory flag bit 11
    (raw / "mac.zip").write_bytes(bytes(data))
    with zipfile.ZipFile(raw / "withjunk.zip", "w") as zf:
        zf.writestr("__MACOSX/._チェックシート.xlsx", b"\x00\x05\x16\x07")
    (raw / "~$a.xlsx").write_bytes(b"lock")
    (raw / ".DS_Store").write_bytes(b"\x00\x00")
    _, t = run(raw)
    assert status(t, "mac.zip!チェックシート.xlsx") == ("ingested", "")
    for junk in ("withjunk.zip!__MACOSX/._チェックシート.xlsx", "~$a.xlsx", ".DS_Store"):
        assert status(t, junk) == ("quarantined", "system_file")


@pytest.mark.parametrize("value", ["R6/10/15", "R6-10-15", "令和6年10月15日", "2024.10.15"])
def test_more_date_spellings(tmp_path, value):
    write_auto(tmp_path / "raw" / "a.xlsx", cover={"回答日": value})
    _, t = run(tmp_path / "raw")
    assert t["respondents"]["submitted_on"].iloc[0] == pd.Timestamp(2024, 10, 15)


@pytest.mark.parametrize(("value", "band"), [("100人以下", "〜100人"), ("10,001人以上", "10,001人〜"),
                                             ("10000人超", "10,001人〜"), ("101人未満", "〜100人"),
                                             ("50人以下", "〜100人"), ("300人以下", None),
                                             ("1,001人以上", None)])
def test_size_bands_from_bounds_only_when_certain(value, band):
    from pipeline.ingest.attributes import size_band

    assert size_band(value) == band


def test_item_ids_with_other_dashes_and_numbers_saved_as_text(tmp_path):
    rows = power_rows()
    rows[0][3] = "ID.AM–1"  # an en dash, as word processors write
    rows[1][3], rows[2][3], rows[3][3] = "【ID.AM-2】", "(ID.AM-3)", "ID.AM-4 組織内の通信・データの流れ"
    rows[4][3] = "ID.AM-5.1"  # a sub-item the template lacks: not ID.AM-5
    write_power(tmp_path / "rawp" / "p.xlsx", rows=rows, cover={"事業区分": "■小売電気事業者 □発電事業者"})
    _, p = run(tmp_path / "rawp", sector="power", store=tmp_path / "sp")
    assert {"ID.AM-1", "ID.AM-2", "ID.AM-3", "ID.AM-4"} <= set(p["responses"]["item_id"])
    assert len(p["responses"]) == 107 and "ID.AM-5" not in set(p["responses"]["item_id"])
    assert p["respondents"]["business_types"].tolist() == ["RETAIL"]  # the ticked box only
    rows = [[f"{r[0]}.0" if r[0] % 2 else f"No.{r[0]} ({r[1]})", *r[1:]] for r in auto_rows()]
    footnote = "1. 「対象外」は理由を備考欄に記入してください"
    rows.append([footnote, None, None, None, None, "注", None, None])
    write_auto(tmp_path / "rawa" / "a.xlsx", rows=rows)
    _, a = run(tmp_path / "rawa", store=tmp_path / "sa")
    assert len(a["responses"]) == 153 and a["manifest"]["warnings"].iloc[0] == ""


def test_cover_details_above_the_table_when_there_is_no_cover_sheet(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "チェックシート"
    ws.append(["自動車産業サイバーセキュリティガイドライン チェックシート Ver.2.2"])
    ws.append(["会社名", "株式会社ひとつ工業"])
    ws.append(["法人番号", "T1010001000006"])  # the invoice number: T + 法人番号
    ws.append(["目標レベル", "Lv2"])
    ws.append([])
    ws.append(AUTO_HEADER)
    for row in auto_rows():
        ws.append(row)
    (tmp_path / "raw").mkdir()
    wb.save(tmp_path / "raw" / "one_sheet.xlsx")
    _, t = run(tmp_path / "raw")
    assert t["identities"][["company_name", "corporate_number"]].iloc[0].tolist() == ["株式会社ひとつ工業",
                                                                                     "1010001000006"]
    assert len(t["responses"]) == 153 and t["respondents"]["target_level"].iloc[0] == "Lv2"


def test_suspended_licence_and_plant_under_construction(tmp_path):
    write_power(tmp_path / "raw" / "p.xlsx", cover={"事業区分": "発電事業者(休止中)・小売電気事業者",
                                                  "診断対象システム": "建設中の発電所の制御システム"})
    _, t = run(tmp_path / "raw", sector="power")
    row = t["respondents"].iloc[0]
    assert row["business_types"] == "GENERATION RETAIL"
    assert bool(row["suspended"]) and bool(row["under_construction"])
    assert "unknown_business_type" not in t["manifest"]["flags"].iloc[0]
