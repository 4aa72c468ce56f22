"""Layouts real files use (issue 29): which sheet holds this year's answers, covers laid out label | label |
value or in English, item numbers as people type them, answers marked in one column per option, an export's
totals rows, and clerk messages that name the items. Every file is written here with openpyxl or XlsxWriter
(or pandas for a CSV), the way a person or another program saves it; every expected answer is typed by hand."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from pipeline.ingest import ingest
from tests.handmade import AUTO_HEADER, VALID_NUMBER, auto_rows, write_auto

OTHER_NUMBER = "1010001000006"  # a second valid 法人番号 (check digit 1)
THIRD_NUMBER = "4000020130001"


def run(raw, sector="auto", year=2024):
    store = raw.parent / "store"
    result = ingest(sector, year, raw, store, workers=1, progress=False)
    tables = {n: pd.read_parquet(store / n) for n in ("manifest", "respondents", "responses", "identities")}
    tables["manifest"] = tables["manifest"].set_index("source_path")
    return result, tables


def by_item(tables) -> dict[str, str]:
    return tables["responses"].set_index("item_id")["answer"].to_dict()


def _cover(ws, pairs) -> None:
    for r, row in enumerate(pairs, start=2):
        for c, value in enumerate(row, start=2):
            if value is not None:
                ws.cell(r, c, value)


def _checklist(ws, answer_for, title="自動車産業サイバーセキュリティガイドライン チェックシート Ver.2.2") -> None:
    ws["A1"] = title
    for c, label in enumerate(AUTO_HEADER, start=1):
        ws.cell(3, c, label)
    for r, row in enumerate(auto_rows(answer_for), start=4):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)


def _workbook(path, sheets: list[tuple[str, object, str | None]], cover=None):
    """A cover and checklist sheets in the order given: (name, answer_for, title or None for the usual)."""
    wb = openpyxl.Workbook()
    wb.active.title = "表紙"
    _cover(wb.active, cover or [("会社名", "株式会社テスト精工"), ("法人番号", VALID_NUMBER), ("目標レベル", "Lv2"),
                                ("回答日", dt.date(2024, 10, 15))])
    for name, answer_for, title in sheets:
        ws = wb.create_sheet(name)
        if title is None:
            _checklist(ws, answer_for)
        else:
            _checklist(ws, answer_for, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def this_year(n):  # 3 of 153 not achieved this year
    return "未達成" if n in (5, 6, 7) else "達成"


def last_year(n):  # 67 items differ from this year's answers: last year, items 1–70 were not achieved
    return "未達成" if n <= 70 else "達成"


# --- 1. the sheet, chosen on evidence ----------------------------------------------------------------------

@pytest.mark.parametrize("old_name", ["チェックシート(前年度)", "チェックシート (2)", "昨年度チェックシート",
                                      "旧チェックシート", "チェックシート - コピー"])
def test_last_years_copy_placed_first_loses_to_this_years_sheet(tmp_path, old_name):
    raw = tmp_path / "raw"
    _workbook(raw / "a.xlsx", [(old_name, last_year, None), ("チェックシート", this_year, None)])
    _, t = run(raw)
    got = by_item(t)
    assert len(got) == 153
    assert [k for k, v in got.items() if v == "not_implemented"] == ["No.5", "No.6", "No.7"]
    assert t["manifest"].at["a.xlsx", "sheet"] == "チェックシート"
    assert t["responses"]["sheet"].unique().tolist() == ["チェックシート"]
    assert f"読んでいないシート: 「{old_name}」" in t["manifest"].at["a.xlsx", "warnings"]


def test_a_title_naming_another_fiscal_year_loses(tmp_path):
    raw = tmp_path / "raw"
    _workbook(raw / "a.xlsx", [("回答", last_year, "2023年度 チェックシート Ver.2.2"),
                               ("回答(最新)", this_year, "令和6年度 チェックシート Ver.2.2")])
    _, t = run(raw, year=2024)
    assert t["manifest"].at["a.xlsx", "sheet"] == "回答(最新)"
    assert sum(v == "not_implemented" for v in by_item(t).values()) == 3
    assert "「回答」(表題「2023年度 チェックシート Ver.2.2」は2023年度)" in t["manifest"].at["a.xlsx", "warnings"]


@pytest.mark.parametrize(("old", "new"), [("チェックシート2023", "チェックシート2024"),
                                          ("チェックシートR5", "チェックシートR6")])
def test_a_sheet_named_with_last_years_number_loses_without_nendo(tmp_path, old, new):
    raw = tmp_path / "raw"
    _workbook(raw / "a.xlsx", [(old, last_year, None), (new, this_year, None)])
    _, t = run(raw, year=2024)
    row = t["manifest"].loc["a.xlsx"]
    assert (row["status"], row["sheet"]) == ("ingested", new)
    assert sum(v == "not_implemented" for v in by_item(t).values()) == 3
    assert f"読んでいないシート: 「{old}」(シート名「{old}」は2023年度)" in row["warnings"]


@pytest.mark.parametrize("name", ["チェックシート_20231001", "回答2023-10-01", "チェックシートv2.2023"])
def test_a_date_or_a_longer_number_in_a_sheet_name_is_no_year(tmp_path, name):
    raw = tmp_path / "raw"
    _workbook(raw / "a.xlsx", [(name, this_year, None)])
    _, t = run(raw, year=2024)
    row = t["manifest"].loc["a.xlsx"]
    assert (row["status"], row["sheet"], row["flags"]) == ("ingested", name, "")


def test_two_live_sheets_with_different_answers_are_refused_naming_both(tmp_path):
    raw = tmp_path / "raw"
    _workbook(raw / "a.xlsx", [("チェックシート", this_year, None), ("チェックシート_提出用", last_year, None)])
    _, t = run(raw)
    row = t["manifest"].loc["a.xlsx"]
    assert (row["status"], row["reason"]) == ("quarantined", "ambiguous_sheet")
    assert row["detail"] == "シート「チェックシート」と「チェックシート_提出用」の回答が異なります(67 項目)"
    assert len(t["responses"]) == 0
    report = pd.read_csv(tmp_path / "store" / "quarantine_report.csv", encoding="utf-8-sig").set_index("ファイル")
    assert report.at["a.xlsx", "問題"].startswith("チェックシートのシートが複数あり、回答が異なります")
    assert report.at["a.xlsx", "事業者名"] == "株式会社テスト精工"  # whom to ask


def test_two_sheets_with_the_same_answers_are_read_once(tmp_path):
    raw = tmp_path / "raw"
    _workbook(raw / "a.xlsx", [("チェックシート", this_year, None), ("チェックシート_提出用", this_year, None)])
    _, t = run(raw)
    assert (t["manifest"].at["a.xlsx", "status"], t["manifest"].at["a.xlsx", "sheet"]) == ("ingested", "チェックシート")
    assert len(t["responses"]) == 153


def test_a_sheet_named_as_a_copy_is_read_and_flagged_when_it_is_the_only_one(tmp_path):
    raw = tmp_path / "raw"
    _workbook(raw / "a.xlsx", [("チェックシート (2)", this_year, None)])
    _, t = run(raw)
    row = t["manifest"].loc["a.xlsx"]
    assert (row["status"], row["sheet"], row["flags"]) == ("ingested", "チェックシート (2)", "stale_sheet_only")
    assert row["warnings"] == "読んだシート: 「チェックシート (2)」(シート名「チェックシート (2)」)"


def test_an_empty_current_sheet_is_never_replaced_by_last_years(tmp_path):
    raw = tmp_path / "raw"
    _workbook(raw / "a.xlsx", [("チェックシート(前年度)", last_year, None), ("チェックシート", lambda n: None, None)])
    _, t = run(raw)
    row = t["manifest"].loc["a.xlsx"]
    assert (row["status"], row["reason"]) == ("quarantined", "empty_checklist")
    assert row["detail"] == ("153 items, none answered / "
                             "読んでいないシート: 「チェックシート(前年度)」(シート名「チェックシート(前年度)」)")


def _checklist_with_rows_above(ws, answer_for, above) -> None:
    """The usual checklist with cover-like rows typed between its title (A1) and its header."""
    ws["A1"] = "自動車産業サイバーセキュリティガイドライン チェックシート Ver.2.2"
    for r, row in enumerate(above, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, value)
    header_row = 2 + len(above)
    for c, label in enumerate(AUTO_HEADER, start=1):
        ws.cell(header_row, c, label)
    for r, row in enumerate(auto_rows(answer_for), start=header_row + 1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)


def test_a_previous_answer_date_above_the_table_does_not_make_this_years_sheet_last_years(tmp_path):
    """「前回回答日 | 2023/10/1」 above this year's table is a cover pair, not a title: the sheet is not last
    year's, so it cannot silently lose to an unmarked 'Sheet2' holding last year's answers."""
    raw = tmp_path / "raw"
    wb = openpyxl.Workbook()
    wb.active.title = "表紙"
    _cover(wb.active, [("会社名", "株式会社テスト精工"), ("法人番号", VALID_NUMBER), ("回答日", dt.date(2024, 10, 15))])
    _checklist_with_rows_above(wb.create_sheet("チェックシート"), this_year, [("前回回答日", "2023/10/1")])
    _checklist(wb.create_sheet("Sheet2"), last_year)
    raw.mkdir()
    wb.save(raw / "a.xlsx")
    _, t = run(raw)
    row = t["manifest"].loc["a.xlsx"]
    assert (row["status"], row["reason"]) == ("quarantined", "ambiguous_sheet")
    assert row["detail"] == "シート「チェックシート」と「Sheet2」の回答が異なります(67 項目)"


def test_a_lone_sheet_with_a_previous_answer_date_above_is_read_unflagged(tmp_path):
    raw = tmp_path / "raw"
    wb = openpyxl.Workbook()
    wb.active.title = "表紙"
    _cover(wb.active, [("会社名", "株式会社テスト精工"), ("法人番号", VALID_NUMBER), ("回答日", dt.date(2024, 10, 15))])
    _checklist_with_rows_above(wb.create_sheet("チェックシート"), this_year, [("前回回答日", "2023/10/1")])
    raw.mkdir()
    wb.save(raw / "a.xlsx")
    _, t = run(raw)
    row = t["manifest"].loc["a.xlsx"]
    assert (row["status"], row["sheet"], row["flags"], row["warnings"]) == ("ingested", "チェックシート", "", "")


def test_a_marked_sheet_never_loses_silently_to_a_sheet_that_says_nothing_of_itself(tmp_path):
    """「チェックシート(前年度)」 beside an untitled 'Sheet1': nothing says Sheet1 is this year's — refused."""
    raw = tmp_path / "raw"
    wb = openpyxl.Workbook()
    wb.active.title = "表紙"
    _cover(wb.active, [("会社名", "株式会社テスト精工"), ("法人番号", VALID_NUMBER), ("回答日", dt.date(2024, 10, 15))])
    _checklist(wb.create_sheet("チェックシート(前年度)"), last_year)
    untitled = wb.create_sheet("Sheet1")
    _checklist(untitled, this_year)
    untitled["A1"] = None
    raw.mkdir()
    wb.save(raw / "a.xlsx")
    _, t = run(raw)
    row = t["manifest"].loc["a.xlsx"]
    assert (row["status"], row["reason"]) == ("quarantined", "ambiguous_sheet")
    assert row["detail"] == ("シート「チェックシート(前年度)」はシート名「チェックシート(前年度)」で"
                             "前年度・控えと読めますが、シート「Sheet1」は名前にも表題にも今年度のチェックシートと書かれていません:"
                             " どちらが今年度の回答か確認してください")


def test_a_store_written_before_the_sheet_column_still_reads(tmp_path):
    from pipeline import store as store_mod

    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx")
    run(raw, year=2023)
    old = pd.read_parquet(tmp_path / "store" / "manifest").drop(columns="sheet")  # as an older version wrote it
    old.to_parquet(tmp_path / "store" / "manifest", index=False)
    assert store_mod.read_table(tmp_path / "store", "manifest")["sheet"].tolist() == [""]
    from pipeline.check import check_store

    assert not [b for b in check_store(tmp_path / "store").breaches if b.table == "manifest"]
    run(raw, year=2024)  # a new partition beside the old one
    m = store_mod.read_table(tmp_path / "store", "manifest").set_index("year")
    assert m.at[2023, "sheet"] == "" and m.at[2024, "sheet"] == "チェックシート"
    assert pd.read_parquet(tmp_path / "store" / "manifest")["sheet"].tolist() == ["", "チェックシート"]


# --- 2. covers read as a reader does ------------------------------------------------------------------------

def _english_cover_workbook(path, pairs, cover_name="Cover"):
    wb = openpyxl.Workbook()
    wb.active.title = cover_name
    _cover(wb.active, pairs)
    _checklist(wb.create_sheet("チェックシート"), this_year)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def test_japanese_label_then_english_label_then_value(tmp_path):
    raw = tmp_path / "raw"
    _english_cover_workbook(raw / "a.xlsx", [
        ("会社名", "Company name", "株式会社ならび精機"), ("法人番号", "Corporate number", OTHER_NUMBER),
        ("従業員数", "Number of employees", "301〜1,000人"), ("目標レベル", "Target level", "Lv3"),
        ("回答日", "Date", "2024/10/03")], cover_name="表紙")
    _, t = run(raw)
    ident = t["identities"].iloc[0]
    assert (ident["company_name"], ident["corporate_number"], ident["identity_basis"]) == \
        ("株式会社ならび精機", OTHER_NUMBER, "corporate_number")
    resp = t["respondents"].iloc[0]
    assert (resp["size_band"], resp["target_level"], resp["submitted_on"]) == \
        ("301〜1,000人", "Lv3", pd.Timestamp("2024-10-03"))


def test_english_only_cover(tmp_path):
    raw = tmp_path / "raw"
    _english_cover_workbook(raw / "a.xlsx", [("Company name", "Sample Parts Co., Ltd."),
                                             ("Corporate number", "4000-0201-30001"), ("Industry", "自動車部品"),
                                             ("Number of employees", "〜100人"), ("Target level", "Lv1"),
                                             ("Date", "2024-10-21")])
    _, t = run(raw)
    assert t["identities"][["company_name", "corporate_number"]].iloc[0].tolist() == \
        ["Sample Parts Co., Ltd.", THIRD_NUMBER]
    resp = t["respondents"].iloc[0]
    assert (resp["industry"], resp["size_band"], resp["target_level"], resp["submitted_on"]) == \
        ("自動車部品", "〜100人", "Lv1", pd.Timestamp("2024-10-21"))


def test_bilingual_labels_in_one_cell(tmp_path):
    raw = tmp_path / "raw"
    _english_cover_workbook(raw / "a.xlsx", [("会社名 / Company name", "株式会社にか国語"),
                                             ("法人番号\nCorporate number", OTHER_NUMBER),
                                             ("目標レベル Target level", "Lv2")])
    _, t = run(raw)
    assert t["identities"][["company_name", "corporate_number"]].iloc[0].tolist() == ["株式会社にか国語", OTHER_NUMBER]
    assert t["respondents"]["target_level"].iloc[0] == "Lv2"


def test_two_companies_with_label_like_covers_are_two_respondents_never_one_superseded(tmp_path):
    """Both covers: 会社名 | Company name | (name), 法人番号 | Corporate number | (blank). Read naively, both are
    「Company name」 and one supersedes the other."""
    raw = tmp_path / "raw"
    for name, company, when in [("a.xlsx", "株式会社あさひ部品", dt.date(2024, 10, 1)),
                                ("b.xlsx", "株式会社ゆうひ工業", dt.date(2024, 10, 9))]:
        _english_cover_workbook(raw / name, [("会社名", "Company name", company),
                                             ("法人番号", "Corporate number", None), ("回答日", "Date", when)])
    _, t = run(raw)
    m = t["manifest"]
    assert m.loc[["a.xlsx", "b.xlsx"], "status"].tolist() == ["ingested", "ingested"]
    assert sorted(t["identities"]["company_name"]) == ["株式会社あさひ部品", "株式会社ゆうひ工業"]
    assert set(t["identities"]["identity_basis"]) == {"name"}


def test_covers_with_labels_only_are_no_identity_not_a_company_called_company_name(tmp_path):
    raw = tmp_path / "raw"
    for name in ("a.xlsx", "b.xlsx"):
        _english_cover_workbook(raw / name, [("会社名", "Company name", None), ("法人番号", "Corporate number", None),
                                             ("目標レベル", "Target level", None)])
    _, t = run(raw)
    m = t["manifest"]
    assert m.loc[["a.xlsx", "b.xlsx"], "reason"].tolist() == ["no_identity", "no_identity"]
    assert "superseded" not in set(m["status"])


def test_covers_with_two_pairs_a_row_never_take_the_next_label_as_a_value(tmp_path):
    """「会社名 | (空欄) | 代表者名 | 山田太郎」: the company name is blank, not 「代表者名」; nor is the 法人番号
    「所在地」, nor the target level 「電話番号」."""
    raw = tmp_path / "raw"
    _workbook(raw / "a.xlsx", [("チェックシート", this_year, None)],
              cover=[("会社名", None, "代表者名", "山田太郎"), ("法人番号", None, "所在地", "東京都港区"),
                     ("回答日", None, "担当者", "鈴木"), ("目標レベル", None, "電話番号", "03-1234-5678")])
    _workbook(raw / "b.xlsx", [("チェックシート", this_year, None)],
              cover=[("会社名", "株式会社びー", "代表者名", "佐藤花子"), ("法人番号", VALID_NUMBER, "所在地", "大阪府"),
                     ("目標レベル", "Lv3", "メールアドレス", "info@example.jp"), ("回答日", dt.date(2024, 10, 20))])
    _, t = run(raw)
    m = t["manifest"]
    assert (m.at["a.xlsx", "status"], m.at["a.xlsx", "reason"]) == ("quarantined", "no_identity")
    assert m.at["b.xlsx", "status"] == "ingested"
    assert t["identities"][["company_name", "corporate_number"]].values.tolist() == [["株式会社びー", VALID_NUMBER]]
    assert t["respondents"]["target_level"].tolist() == ["Lv3"]


def test_a_cover_value_that_fails_its_fields_check_is_blank_and_flagged(tmp_path):
    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx", cover={"会社名": "株式会社えー", "法人番号": "東京都港区", "回答日": "未記入"})
    _, t = run(raw)
    row = t["manifest"].loc["a.xlsx"]
    assert row["status"] == "ingested"
    assert row["flags"].split() == ["unreadable_cover_value", "no_date", "name_fallback"]
    assert "法人番号「東京都港区」" in row["warnings"] and "回答日「未記入」" in row["warnings"]
    assert t["identities"][["company_name", "corporate_number"]].values.tolist() == [["株式会社えー", ""]]


def test_a_name_alone_never_supersedes(tmp_path):
    """One name, no valid 法人番号, two files: two companies of one name, or one twice — the clerk asks; the
    earlier file is quarantined with that question, not marked superseded."""
    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx", cover={"会社名": "山田製作所", "法人番号": None, "回答日": dt.date(2024, 10, 1)})
    write_auto(raw / "b.xlsx", cover={"会社名": "山田製作所", "法人番号": "1234567890123",  # fails its check
                                      "回答日": dt.date(2024, 10, 5)})
    _, t = run(raw)
    m = t["manifest"]
    assert (m.at["b.xlsx", "status"], m.at["b.xlsx", "flags"]) == ("ingested", "name_fallback")
    assert (m.at["a.xlsx", "status"], m.at["a.xlsx", "reason"]) == ("quarantined", "same_name_unverified")
    assert m.at["a.xlsx", "detail"] == \
        "事業者名「山田製作所」が同じで法人番号のない提出: b.xlsx を取り込み、この提出は取り込んでいません"
    assert "superseded" not in set(m["status"])


def test_a_later_numberless_file_never_supersedes_a_numbered_one_it_matches_only_by_name(tmp_path):
    """a.xlsx 株式会社山田製作所 with its 法人番号 (10/01); b.xlsx the same name, no number (10/20). Only a.xlsx
    says the number, so b may be another company of that name: a is kept, b goes to the clerk."""
    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx", cover={"会社名": "株式会社山田製作所", "法人番号": VALID_NUMBER,
                                      "回答日": dt.date(2024, 10, 1)})
    write_auto(raw / "b.xlsx", cover={"会社名": "株式会社山田製作所", "法人番号": None,
                                      "回答日": dt.date(2024, 10, 20)})
    _, t = run(raw)
    m = t["manifest"]
    assert (m.at["a.xlsx", "status"], m.at["a.xlsx", "reason"]) == ("ingested", "")
    assert (m.at["b.xlsx", "status"], m.at["b.xlsx", "reason"]) == ("quarantined", "same_name_unverified")
    assert m.at["b.xlsx", "detail"] == (
        "事業者名「株式会社山田製作所」が同じ a.xlsx には法人番号 7000012050002 がありますが、この提出には法人番号が"
        "ありません。同じ事業者の提出か確かめられないため、a.xlsx を取り込み、この提出は取り込んでいません")
    assert "superseded" not in set(m["status"])
    assert t["identities"][["company_name", "corporate_number", "identity_basis"]].values.tolist() == \
        [["株式会社山田製作所", VALID_NUMBER, "corporate_number"]]
    report = pd.read_csv(tmp_path / "store" / "quarantine_report.csv", encoding="utf-8-sig").set_index("ファイル")
    assert report.at["b.xlsx", "問題"].startswith("法人番号がなく、事業者名だけが同じ提出が複数あります")
    assert report.at["b.xlsx", "事業者名"] == "株式会社山田製作所"


def test_a_valid_number_still_supersedes_and_a_failed_check_digit_is_never_the_key(tmp_path):
    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx", cover={"回答日": dt.date(2024, 10, 1)})
    write_auto(raw / "b.xlsx", cover={"回答日": dt.date(2024, 10, 5)})
    # two other companies writing the same mistyped number (check digit off by one): two respondents
    write_auto(raw / "c.xlsx", cover={"会社名": "株式会社しー", "法人番号": "1010001000007"})
    write_auto(raw / "d.xlsx", cover={"会社名": "株式会社でぃー", "法人番号": "1010001000007"})
    _, t = run(raw)
    m = t["manifest"]
    assert m["status"].to_dict() == {"a.xlsx": "superseded", "b.xlsx": "ingested", "c.xlsx": "ingested",
                                     "d.xlsx": "ingested"}
    assert len(t["respondents"]) == 3


# --- 3. item numbers in every form a person types -----------------------------------------------------------

@pytest.mark.parametrize("form", ["{n}.", "{n})", "({n})", "No.{n}", "Ｎｏ．{wide}", "{n}番", "項番{n}", "No {n}",
                                  "No.{n} (Lv1)", "{wide}", "#{n}"])
def test_item_numbers_as_people_type_them(tmp_path, form):
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    rows = [[form.format(n=row[0], wide=str(row[0]).translate(wide)), *row[1:]] for row in auto_rows(this_year)]
    write_auto(tmp_path / "raw" / "a.xlsx", rows=rows)
    _, t = run(tmp_path / "raw")
    got = by_item(t)
    assert len(got) == 153
    assert (got["No.1"], got["No.5"], got["No.77"], got["No.153"]) == \
        ("implemented", "not_implemented", "implemented", "implemented")
    assert "missing_items" not in t["manifest"].at["a.xlsx", "flags"]


def test_missing_items_are_named(tmp_path):
    rows = [row for row in auto_rows() if row[0] not in (12, 40)]
    write_auto(tmp_path / "raw" / "a.xlsx", rows=rows)
    _, t = run(tmp_path / "raw")
    assert t["manifest"].at["a.xlsx", "warnings"] == "No.12, No.40 が見つかりません"


def test_many_missing_items_are_named_then_counted(tmp_path):
    rows = [row for row in auto_rows() if row[0] <= 140]
    write_auto(tmp_path / "raw" / "a.xlsx", rows=rows)
    _, t = run(tmp_path / "raw")
    assert t["manifest"].at["a.xlsx", "warnings"] == \
        "No.141, No.142, No.143, No.144, No.145, No.146, No.147, No.148, No.149, No.150 ほか 3 項目 が見つかりません"


def test_a_blank_form_numbered_77_dot_is_imported_like_ingest_reads_it():
    from pipeline.ingest.parse import _auto_no
    from pipeline.instrument.blank_form import item_number as form_reads
    from pipeline.text import label_key

    for text, n in [("77.", 77), ("(77)", 77), ("項番77", 77), ("Ｎｏ．７７", 77), ("1.2", None),
                    ("1. 注意事項", None)]:
        assert form_reads(label_key(text)) == n
        assert _auto_no(text) == (f"No.{n}" if n else None)


# --- 4. answers marked in one column per option ------------------------------------------------------------

SME_OPTIONS = ["実施している", "一部実施している", "実施していない", "わからない"]
# row → (the option column marked, the mark) for IPA's 25 questions: typed by hand
SME_MARKS = {1: ("実施している", "○"), 2: ("実施している", "●"), 3: ("一部実施している", "☑"),
             4: ("実施していない", "✓"), 5: ("わからない", "✔"), 6: ("実施している", "レ"), 7: ("一部実施している", 1),
             8: ("実施していない", "x"), 9: ("実施している", "X"), 10: ("実施している", "〇")}


def _sme_matrix(path, marks, extra=None, two_row_header=False):
    """IPA's self-check sheet as an association hands it out: No. | 診断項目 | a column per answer, marked."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "表紙"
    _cover(cover, [("会社名", "有限会社まとりくす"), ("法人番号", VALID_NUMBER), ("業種", "製造業"), ("従業員数", 12),
                   ("回答日", dt.date(2024, 11, 2))])
    ws = wb.create_sheet("自社診断")
    ws["A1"] = "5分でできる！情報セキュリティ自社診断"
    if two_row_header:
        ws.append([])
        ws.append(["No.", "診断項目", "回答"])
        ws.merge_cells("C3:F3")
        ws.merge_cells("A3:A4")
        ws.append([None, None, *SME_OPTIONS])
    else:
        ws.append([])
        ws.append(["No.", "診断項目", *SME_OPTIONS])
    for n in range(1, 26):
        row = [n, f"設問{n}の文", "☐", "☐", "☐", "☐"]
        for option, mark in ([marks[n]] if n in marks else []) + (extra or {}).get(n, []):
            row[2 + SME_OPTIONS.index(option)] = mark
        ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


@pytest.mark.parametrize("two_row_header", [False, True])
def test_ipa_self_check_matrix_is_read_as_the_marked_option(tmp_path, two_row_header):
    raw = tmp_path / "raw"
    _sme_matrix(raw / "a.xlsx", SME_MARKS, extra={11: [("実施している", "○"), ("わからない", "○")]},
                two_row_header=two_row_header)
    _, t = run(raw, sector="sme")
    got = by_item(t)
    assert [got[f"No.{n}"] for n in range(1, 12)] == [
        "implemented", "implemented", "partial", "not_implemented", "unknown", "implemented", "partial",
        "not_implemented", "implemented", "implemented", "invalid"]
    assert all(got[f"No.{n}"] == "unanswered" for n in range(12, 26))  # ☐ in every column: no mark
    m = t["manifest"].loc["a.xlsx"]
    first = 4 if two_row_header else 3  # the (last) header row: title on row 1, a blank row 2; No.1 under it
    assert m["warnings"] == (f"判読できない回答: No.11「複数に印: 実施している / わからない」(行{first + 11}) / "
                             "未回答: No.12, No.13, No.14, No.15, No.16, No.17, No.18, No.19, No.20, No.21 ほか 4 項目")
    cells = t["responses"].set_index("item_id")["cell"]
    assert (cells["No.1"], cells["No.3"], cells["No.5"]) == (f"C{first + 1}", f"D{first + 3}", f"F{first + 5}")


def test_the_docs_list_every_mark_the_matrix_reader_accepts():
    """docs/instruments.md and docs/method.md §10 name the marks a member may use; the reader accepts exactly
    those (typed here from the docs): a mark the code takes but the docs omit, or the reverse, fails."""
    from pathlib import Path

    from pipeline.ingest.matrix import MARKS

    documented = ["○", "●", "◯", "〇", "◎", "☑", "☒", "✓", "✔", "✅", "■", "レ", "x", "X", "v", "V", "1"]
    assert set(documented) | {"true"} == MARKS
    docs = Path(__file__).resolve().parent.parent / "docs"
    guide = " ".join((docs / "instruments.md").read_text(encoding="utf-8").split())
    in_guide = guide[guide.index("the chosen one marked ") + 22:guide.index(" or TRUE")].split()
    method = " ".join((docs / "method.md").read_text(encoding="utf-8").split())
    grid = method[method.index("**Answers marked in a grid.**"):]
    in_method = grid[grid.index("holding a mark (") + 16:grid.index(" TRUE)")].split()
    assert in_guide == documented
    assert in_method == documented


def test_automotive_matrix_with_ticks_and_circle_cross_headers(tmp_path):
    import xlsxwriter

    raw = tmp_path / "raw"
    raw.mkdir()
    for name, options, marks, number in [("v22.xlsx", ["達成", "未達成", "対象外"], "✓", VALID_NUMBER),
                                         ("v20.xlsx", ["○", "×", "－"], "1", OTHER_NUMBER)]:
        wb = xlsxwriter.Workbook(raw / name)
        cover = wb.add_worksheet("表紙")
        for r, pair in enumerate([("会社名", f"株式会社{name}"), ("法人番号", number), ("回答日", "2024/10/15")]):
            cover.write_row(r, 0, pair)
        ws = wb.add_worksheet("チェックシート")
        ws.write_row(2, 0, ["No.", "レベル", "要求事項", *options, "備考"])
        for r, row in enumerate(auto_rows(), start=3):
            n, level = row[0], row[1]
            pick = 1 if n in (2, 3) else 2 if n == 4 else 0  # No.2, No.3 not achieved, No.4 not applicable
            cells = [marks if k == pick else "" for k in range(3)]
            ws.write_row(r, 0, [n, level, "要求事項", *cells])
        wb.close()
    _, t = run(raw)
    r = t["responses"]
    for name, version in [("v22.xlsx", "auto-v2.2"), ("v20.xlsx", "auto-v2.0")]:
        got = r[r["source_path"].eq(name)].set_index("item_id")["answer"]
        assert (got["No.1"], got["No.2"], got["No.3"], got["No.4"], got["No.153"]) == \
            ("implemented", "not_implemented", "not_implemented", "not_applicable", "implemented"), name
        assert t["manifest"].at[name, "template_version"] == version


def test_power_matrix_with_check_marks(tmp_path):
    from tests.handmade import power_rows

    raw = tmp_path / "raw"
    wb = openpyxl.Workbook()
    wb.active.title = "表紙"
    _cover(wb.active, [("事業者名", "株式会社ます電力"), ("法人番号", VALID_NUMBER), ("事業区分", "小売電気事業者"),
                       ("回答日", dt.date(2024, 9, 30))])
    ws = wb.create_sheet("チェックシート")
    ws.append(["点検項目ID", "点検項目", "実施している", "一部実施している", "実施していない", "該当しない"])
    for k, row in enumerate(power_rows()):
        marks = ["", "", "", ""]
        marks[{0: 0, 1: 1, 2: 2}.get(k, 3 if k == 3 else 0)] = "✔"
        ws.append([row[3], "点検項目", *marks])
    raw.mkdir()
    wb.save(raw / "p.xlsx")
    _, t = run(raw, sector="power")
    got = t["responses"].sort_values("cell", key=lambda c: c.str[1:].astype(int))["answer"].tolist()
    assert got[:5] == ["implemented", "partial", "not_implemented", "not_applicable", "implemented"]
    assert len(got) == 108


# --- 5. an export's totals rows ---------------------------------------------------------------------------

def _export_rows():
    head = ["受付番号", "会社名", "法人番号", "目標レベル", "提出日時"] + [f"No.{n}" for n in range(1, 154)]
    rows = [["R-1", "株式会社いち", VALID_NUMBER, "Lv1", "2024-10-01 10:00"] + ["達成"] * 153,
            ["R-2", "株式会社に", OTHER_NUMBER, "Lv2", "2024-10-02 10:00"] + ["未達成"] + ["達成"] * 152,
            [None, "合計", None, None, None] + ["2"] * 153,
            ["平均", None, None, None, None] + ["1.0"] * 153,
            [None, "達成率(%)", None, None, None] + ["100"] + ["50"] * 152,
            [None, "件数", None, None, None] + ["2"] * 153,
            ["受付番号", "会社名", "法人番号", "目標レベル", "提出日時"] + [f"No.{n}" for n in range(1, 154)]]
    return pd.DataFrame(rows, columns=head)


@pytest.mark.parametrize(("name", "save"), [
    ("回答一覧.csv", lambda f, p: f.to_csv(p, index=False, encoding="cp932")),
    ("回答一覧.xlsx", lambda f, p: f.to_excel(p, index=False, sheet_name="回答一覧")),
])
def test_export_totals_rows_are_totals_not_members(tmp_path, name, save):
    raw = tmp_path / "raw"
    raw.mkdir()
    save(_export_rows(), raw / name)
    result, t = run(raw)
    m = t["manifest"]
    assert m["status"].to_dict() == {name: "ingested", f"{name}#row=2": "ingested", f"{name}#row=3": "ingested"}
    assert len(t["respondents"]) == 2
    assert m.at[name, "detail"] == ("consolidated export, 2 rows; 集計行 5 (会員の回答ではないため読んでいません): "
                                    "行4「合計」, 行5「平均」, 行6「達成率(%)」, 行7「件数」, 行8「会社名(見出し行)」")
    assert result.totals == [f"{name} 行4「合計」", f"{name} 行5「平均」", f"{name} 行6「達成率(%)」",
                             f"{name} 行7「件数」", f"{name} 行8「会社名(見出し行)」"]
    quarantine = pd.read_parquet(tmp_path / "store" / "quarantine")
    assert "no_identity" not in set(quarantine["reason"])


def test_more_totals_words_and_dressed_totals_are_totals(tmp_path):
    head = ["受付番号", "会社名", "法人番号", "目標レベル", "提出日時"] + [f"No.{n}" for n in range(1, 154)]
    words = ["合計点", "平均達成率", "回答率", "標準偏差", "総数", "集計結果", "全体", "≪合計≫", "〈合計〉", "※合計"]
    rows = [["R-1", "株式会社計測", VALID_NUMBER, "Lv1", "2024-10-01 10:00"] + ["達成"] * 153,
            # a member whose name is a totals word but whose 法人番号 is valid is a member
            ["R-2", "全体", OTHER_NUMBER, "Lv2", "2024-10-02 10:00"] + ["達成"] * 153]
    rows += [[None, w, None, None, None] + ["1"] * 153 for w in words]
    raw = tmp_path / "raw"
    raw.mkdir()
    pd.DataFrame(rows, columns=head).to_csv(raw / "回答一覧.csv", index=False, encoding="utf-8-sig")
    result, t = run(raw)
    assert len(t["respondents"]) == 2
    assert result.totals == ["回答一覧.csv 行4「合計点」", "回答一覧.csv 行5「平均達成率」",
                             "回答一覧.csv 行6「回答率」", "回答一覧.csv 行7「標準偏差」", "回答一覧.csv 行8「総数」",
                             "回答一覧.csv 行9「集計結果」", "回答一覧.csv 行10「全体」", "回答一覧.csv 行11「≪合計≫」",
                             "回答一覧.csv 行12「〈合計〉」", "回答一覧.csv 行13「※合計」"]
    assert "no_identity" not in set(pd.read_parquet(tmp_path / "store" / "quarantine")["reason"])


def test_the_ingest_summary_lists_totals_rows(tmp_path, monkeypatch, capsys):
    import argparse

    from pipeline import stages

    raw = tmp_path / "raw"
    raw.mkdir()
    _export_rows().to_csv(raw / "回答一覧.csv", index=False, encoding="cp932")
    stages.ingest(argparse.Namespace(sector="auto", year=2024, raw=raw, store=tmp_path / "store", roster=None))
    out = capsys.readouterr().out
    assert ("totals rows: 5 in exports, read as totals, not members (回答一覧.csv 行4「合計」, "
            "回答一覧.csv 行5「平均」, 回答一覧.csv 行6「達成率(%)」, 回答一覧.csv 行7「件数」, "
            "回答一覧.csv 行8「会社名(見出し行)」)") in out


# --- 6. clerk messages name the items ----------------------------------------------------------------------

def test_the_quarantine_report_names_missing_unanswered_and_unreadable_items(tmp_path):
    def answer(n):
        return {3: None, 8: None, 21: "たぶん達成"}.get(n, "達成")

    rows = [row for row in auto_rows(answer) if row[0] != 99]
    write_auto(tmp_path / "raw" / "a.xlsx", rows=rows)
    run(tmp_path / "raw")
    report = pd.read_csv(tmp_path / "store" / "quarantine_report.csv", encoding="utf-8-sig").set_index("ファイル")
    detail = report.at["a.xlsx", "詳細"]
    # rows: header on row 4, No.n on row 4 + n (No.99 left out shifts nothing before it)
    assert detail == "No.99 が見つかりません / 判読できない回答: No.21「たぶん達成」(行25) / 未回答: No.3, No.8"
