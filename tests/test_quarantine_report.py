"""The quarantine report a clerk works from: Japanese headers, one row per problem file, no formulas."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

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


def test_the_clerk_can_act_on_every_row(tmp_path):
    """Unanswered items are named in 詳細; an unreadable file is explained in Japanese and named after the
    company its file name carries (said to come from the file name); a name link says which number was
    written; every sheet prints landscape, one page wide, its header on every page; no two sheet names
    read alike (未回答 was both a sheet of members and a flag about items)."""
    from tests.handmade import auto_rows

    raw = tmp_path / "raw"
    write_auto(raw / "チェックシート_株式会社空欄工業.xlsx",
               rows=auto_rows(lambda n: None if n in (3, 10, 120) else "検討中" if n == 5 else "達成"))
    (raw / "チェックシート_有限会社破損製作所.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    ingest("auto", 2024, raw, tmp_path / "s", workers=1, progress=False)
    wb = openpyxl.load_workbook(tmp_path / "s" / "quarantine_report.xlsx")
    ws = wb["隔離・要確認"]
    header = [c.value for c in ws[1]]
    rows = {r[header.index("ファイル")]: dict(zip(header, r, strict=True))
            for r in ws.iter_rows(min_row=2, values_only=True)}
    blank = rows["チェックシート_株式会社空欄工業.xlsx"]
    assert "未回答: No.3, No.10, No.120" in blank["詳細"]
    broken = rows["チェックシート_有限会社破損製作所.xlsx"]
    assert broken["状態"] == "隔離" and broken["事業者名"] == "有限会社破損製作所(ファイル名から)"
    assert broken["詳細"].startswith("ブックを開けません")  # Japanese first; the reader's words kept after it
    assert "未回答" not in wb.sheetnames and "要確認" in wb.sheetnames
    # its two problems on one 要確認 row, each said once
    check = [r for r in wb["要確認"].iter_rows(min_row=2, values_only=True)
             if r[2] == "チェックシート_株式会社空欄工業.xlsx"]
    assert len(check) == 1 and check[0][5] == "・判読できない回答があります\n・未回答の項目があります"
    assert check[0][7].split("\n") == ["判読できない回答: No.5「検討中」(行9)", "未回答: No.3, No.10, No.120"]
    for sheet in wb.worksheets:
        assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0  # 1 is the default
        assert sheet.print_title_rows == "$1:$1"


def test_a_name_link_says_which_number_was_written():
    from pipeline.ingest.reasons import FLAGS

    problem, action = FLAGS["linked_by_name"]
    assert "空欄か正しくない" in problem and "法人番号がないため" not in problem


def test_the_report_prints_readably_and_names_each_sectors_attributes(tmp_path):
    """It printed at about 4 pt (284 characters of columns squeezed onto one page width); the export's 詳細 was
    English; automotive members to chase had an empty 事業区分 and no 業種."""
    from pipeline.ingest.quarantine import detail_ja, write_report

    assert detail_ja("consolidated export, 175 rows") == "一括出力ファイル(175行)"
    assert detail_ja("row 12") == "一括出力ファイルの12行目"
    # the newer row that replaced an export row, in the words the ファイル column uses (it read '…csv#row=84')
    assert detail_ja("superseded by 回答一覧_FY2024_第2回.csv#row=84") == \
        "より新しい提出「回答一覧_FY2024_第2回.csv(84行目)」に置き換えました"
    assert detail_ja("the workbook cannot be opened (calamine error: Cannot detect file format)") == \
        "ブックを開けません: ファイル形式を判別できません(壊れているか、Excel 以外の形式です)"
    table = pd.DataFrame([{"sector": "auto", "year": 2024, "source_path": "a/チェックシート_株式会社長い名前.xlsx",
                           "status": "ingested", "reason": "unanswered", "company_name": "株式会社長い名前の部品工業",
                           "corporate_number": "1010001000006", "problem_ja": "未回答の項目があります",
                           "action_ja": "未回答項目の記入を依頼してください",
                           "detail": "未回答: " + ", ".join(f"No.{n}" for n in range(1, 40))}])
    roster = pd.DataFrame({"sector": ["auto", "auto", "power"], "year": [2024, 2024, 2024],
                           "company_name": ["株式会社甲", "株式会社乙", "丙電力株式会社"],
                           "corporate_number": ["1", "2", "3"], "business_types": ["", "", "RETAIL GENERATION"],
                           "industry": ["自動車部品", "物流", ""], "size_band": ["〜100人", "10,001人〜", ""],
                           "responded": [False, True, False]})
    xlsx, _ = write_report(table, tmp_path, roster)
    wb = openpyxl.load_workbook(xlsx)
    for ws in wb.worksheets:
        widths = [ws.column_dimensions[c].width for c in "ABCDEFGHIJ"[: ws.max_column]
                  if not ws.column_dimensions[c].hidden]  # 理由コード is hidden, never printed
        # one A4 landscape page (about 150 characters at 100%) at 80% or more: about 9 pt of 11
        assert sum(widths) <= 200, (ws.title, sum(widths))  # was 290
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$1:$1" and ws.print_options.gridLines
    main = wb["隔離・要確認"]
    assert main["I2"].alignment.wrap_text  # the long 詳細 wraps, and its row is tall enough for it
    # 詳細 "未回答: No.1, …, No.39" is 7 + 38 × 6 + 5 = 240 characters in a column of 30 (24 a line): 10 lines of 18 pt
    assert main.row_dimensions[2].height >= 10 * 18
    # 要確認 says it repeats the flagged rows of 隔離・要確認 (printed at the top of every page)
    assert "「取込済み(要確認)」の行を、1ファイル1行で再掲" in wb["要確認"].oddHeader.left.text
    members = wb["回答待ちの会員"]
    assert [c.value for c in members[1]] == ["分野", "年度", "事業者名", "法人番号", "事業区分", "業種", "従業員規模"]
    rows = [[c.value for c in r] for r in members.iter_rows(min_row=2)]
    assert rows == [["自動車", 2024, "株式会社甲", "1", None, "自動車部品", "〜100人"],
                    ["電力", 2024, "丙電力株式会社", "3", "小売電気事業者、発電事業者", None, None]]


def test_a_row_of_an_export_reads_as_a_file_and_a_row_number(tmp_path):
    """The store's locator 「回答一覧_FY2024_第1回.xlsx#row=96」 reads 「回答一覧_FY2024_第1回.xlsx(96行目)」 in both
    sheets; a file inside an archive keeps its 「!」 path."""
    from pipeline.ingest.quarantine import write_report

    base = {"sector": "auto", "year": 2024, "status": "ingested", "reason": "unanswered", "company_name": "株式会社甲",
            "corporate_number": "1010001000006", "problem_ja": "未回答の項目があります",
            "action_ja": "未回答項目の記入を依頼してください", "detail": "未回答: No.74"}
    table = pd.DataFrame([{**base, "source_path": "回答一覧_FY2024_第1回.xlsx#row=96"},
                          {**base, "source_path": "提出物.zip!a/チェックシート_株式会社乙.xlsx"}])
    xlsx, csv = write_report(table, tmp_path)
    wb = openpyxl.load_workbook(xlsx)
    for name in ("隔離・要確認", "要確認"):
        column = [c.value for c in wb[name][1]].index("ファイル")
        files = [row[column] for row in wb[name].iter_rows(min_row=2, values_only=True)]
        assert sorted(files) == ["回答一覧_FY2024_第1回.xlsx(96行目)", "提出物.zip!a/チェックシート_株式会社乙.xlsx"]
    assert "回答一覧_FY2024_第1回.xlsx(96行目)" in csv.read_text(encoding="utf-8-sig")


def test_each_case_prints_once_and_without_the_reason_codes(tmp_path):
    """要確認 was printed twice (its rows on 隔離・要確認 again) with the scripts' reason codes: 隔離・要確認 keeps
    every row on screen but prints only its quarantined and superseded rows; neither prints 理由コード."""
    from pipeline.ingest.quarantine import write_report

    base = {"sector": "auto", "year": 2024, "company_name": "株式会社甲", "corporate_number": "1010001000006"}
    table = pd.DataFrame([
        {**base, "source_path": "a.xlsx", "status": "ingested", "reason": "unanswered invalid_answers",
         "problem_ja": "p", "action_ja": "a", "detail": "未回答: No.74"},
        {**base, "source_path": "b.xlsx", "status": "quarantined", "reason": "not_a_workbook", "problem_ja": "p",
         "action_ja": "a", "detail": "PDF ファイルです。Excel(.xlsx)で提出してください。"},
        {**base, "source_path": "c.xlsx", "status": "superseded", "reason": "superseded", "problem_ja": "p",
         "action_ja": "a", "detail": ""}])
    xlsx, _ = write_report(table, tmp_path)
    wb = openpyxl.load_workbook(xlsx)
    main, check = wb["隔離・要確認"], wb["要確認"]
    # on screen: all three files, the flagged one last; printed: the header row and the two others, A to I
    assert [r[0].value for r in main.iter_rows(min_row=2, min_col=4, max_col=4)] == ["b.xlsx", "c.xlsx", "a.xlsx"]
    assert main.print_area == "'隔離・要確認'!$A$1:$I$3"
    assert "「要確認」シートに1ファイル1行で印刷します" in main.oddHeader.left.text
    # 要確認: the flagged file once (its two problems in one row), printed A to H (理由コード is its ninth column)
    assert check.max_row == 2 and check.print_area == "'要確認'!$A$1:$H$2"
    for ws in (main, check):
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth in (None, 1)
        assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows == "$1:$1"


@pytest.mark.parametrize(("data", "name", "said"), [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "回答書_印刷用.xlsx", "PDF ファイルです。Excel(.xlsx)で提出してください。"),
    (b"<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><body><table>", "回答.xls",
     "Web ページ(HTML)のファイルです(Excel の「Web ページとして保存」など)。Excel(.xlsx)で提出してください。"),
    (b"No,\xe5\x9b\x9e\xe7\xad\x94\r\n1,2\r\n", "回答.xlsx",
     "CSV(テキスト)ファイルです。Excel(.xlsx)で提出してください。"),
])
def test_a_file_that_is_not_excel_says_what_it_is(tmp_path, data, name, said):
    """詳細 showed b'%PDF-1.4' for a PDF sent as .xlsx: it says, in Japanese, what the file is and what to send."""
    from pipeline.ingest.quarantine import detail_ja
    from pipeline.ingest.read import Rejected, open_book

    with pytest.raises(Rejected) as refused:
        open_book(data, name)
    assert refused.value.code == "not_a_workbook" and detail_ja(refused.value.detail) == said


def test_a_zip_that_is_not_a_workbook_says_so():
    import io
    import zipfile

    from pipeline.ingest.quarantine import detail_ja
    from pipeline.ingest.read import Rejected, open_book

    for member, said in (("word/document.xml", "Word 文書です。Excel(.xlsx)で提出してください。"),
                         ("写真.jpg",
                          "ZIP 圧縮ファイルで、Excel ブックではありません。Excel(.xlsx)で提出してください。")):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr(member, "x")
        with pytest.raises(Rejected) as refused:
            open_book(buffer.getvalue(), "回答.xlsx")
        assert detail_ja(refused.value.detail) == said


def _check_rows(xlsx) -> tuple[list[str], list[dict]]:
    ws = openpyxl.load_workbook(xlsx)["要確認"]
    header = [c.value for c in ws[1]]
    return header, [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_a_file_with_two_problems_is_one_row_each_problem_said_once(tmp_path):
    """A file both unanswered and unreadable was two 要確認 rows, each repeating the file, the company and both
    details: it is one row, each problem, request and detail once, one a line."""
    from pipeline.ingest.quarantine import write_report

    base = {"sector": "auto", "year": 2024, "status": "ingested", "company_name": "株式会社甲",
            "corporate_number": "1010001000006", "problem_ja": "p", "action_ja": "a"}
    table = pd.DataFrame([
        {**base, "source_path": "a.xlsx", "reason": "invalid_answers unanswered",
         "detail": "判読できない回答: No.5「○×」(行9)\n未回答: No.43, No.72\n未回答: No.43, No.72"},
        {**base, "source_path": "b.xlsx", "reason": "unanswered", "detail": "未回答: No.74"}])
    xlsx, csv = write_report(table, tmp_path)
    header, rows = _check_rows(xlsx)
    assert [r["ファイル"] for r in rows] == ["a.xlsx", "b.xlsx"]
    a, b = rows
    assert a["確認事項"] == "・判読できない回答があります\n・未回答の項目があります"
    assert a["依頼事項"] == ("・該当項目の回答を選択肢から選び直すよう依頼してください\n"
                         "・未回答項目の記入を依頼してください")
    assert a["詳細"] == "判読できない回答: No.5「○×」(行9)\n未回答: No.43, No.72"
    assert (b["確認事項"], b["依頼事項"], b["詳細"]) == ("未回答の項目があります", "未回答項目の記入を依頼してください",
                                                  "未回答: No.74")
    # the codes stay for scripts: in the sheet's last column and in the CSV, as the store writes them
    codes = ["invalid_answers unanswered", "unanswered"]
    assert header[-1] == "理由コード" and [r["理由コード"] for r in rows] == codes
    assert pd.read_csv(csv, encoding="utf-8-sig")["理由コード"].tolist() == codes


def test_a_version_list_in_a_detail_stays_on_its_line(tmp_path):
    """Details are one a line; a detail's own ' / ' (the versions that fit) is not a line break."""
    from pipeline.ingest.quarantine import write_report

    table = pd.DataFrame([{"sector": "auto", "year": 2024, "status": "ingested", "company_name": "株式会社甲",
                           "corporate_number": "1010001000006", "problem_ja": "p", "action_ja": "a",
                           "source_path": "a.xlsx", "reason": "version_not_written unanswered",
                           "detail": "版の記載なし: auto-v2.1 / auto-v2.2 が該当\n未回答: No.3"}])
    _, rows = _check_rows(write_report(table, tmp_path)[0])
    assert rows[0]["詳細"] == "版の記載なし: auto-v2.1 / auto-v2.2 が該当\n未回答: No.3"


def test_the_reason_codes_are_hidden_and_the_clerk_reads_japanese(tmp_path):
    """理由コード showed English codes (encrypted, unanswered) beside the Japanese: the column is kept for scripts but
    hidden on both sheets (and never printed), with a note saying what it is."""
    from pipeline.ingest.quarantine import write_report

    base = {"sector": "auto", "year": 2024, "company_name": "株式会社甲", "corporate_number": "1010001000006",
            "problem_ja": "パスワードで保護されていて開けません", "action_ja": "a", "detail": ""}
    table = pd.DataFrame([{**base, "source_path": "a.xlsx", "status": "quarantined", "reason": "encrypted"},
                          {**base, "source_path": "b.xlsx", "status": "ingested", "reason": "unanswered"}])
    xlsx, _ = write_report(table, tmp_path)
    wb = openpyxl.load_workbook(xlsx)
    for name, column, printed in (("隔離・要確認", "J", "$A$1:$I$2"), ("要確認", "I", "$A$1:$H$2")):
        ws = wb[name]
        assert ws[f"{column}1"].value == "理由コード" and ws.column_dimensions[column].hidden
        assert "英字の記号" in ws[f"{column}1"].comment.text
        assert ws.print_area.endswith(printed)
        shown = {c.value for row in ws.iter_rows(max_col=ws.max_column - 1) for c in row}
        assert not shown & {"encrypted", "unanswered"}
    assert wb["隔離・要確認"]["G2"].value == "パスワードで保護されていて開けません"
    assert wb["要確認"]["F2"].value == "未回答の項目があります"


def test_a_row_is_as_tall_as_its_wrapped_text(tmp_path):
    """Rows of 要確認 were two and three times their text's height (a share of each column counted as lost, a
    full-width character as 2). Laid out as Excel wraps (full-width 2.1 units, Latin 1, breaking at spaces, half a unit
    of margin): a row whose texts each fit a line is one line (18 pt and 3 of padding); 20 items "No.100, …, No.119"
    (8 units each with their comma and space) in 詳細 (32 wide, 31.5 of room) are 4 a line, 5 lines."""
    from pipeline.ingest.quarantine import write_report

    base = {"sector": "auto", "year": 2024, "status": "ingested", "reason": "unanswered", "company_name": "株式会社甲",
            "corporate_number": "1010001000006", "problem_ja": "p", "action_ja": "a"}
    table = pd.DataFrame([
        # 自動車 6.3 units in 7; 未回答の項目があります 23.1 in 24; 未回答項目の記入を依頼してください 35.7 in 38
        {**base, "source_path": "a.xlsx", "detail": "未回答: No.74"},
        {**base, "source_path": "b.xlsx", "detail": "未回答: No.1\n" + ", ".join(f"No.{n}" for n in range(100, 120))}])
    xlsx, _ = write_report(table, tmp_path)
    ws = openpyxl.load_workbook(xlsx)["要確認"]
    assert [ws.column_dimensions[c].width for c in "AFGH"] == pytest.approx([7.71, 24.71, 38.71, 32.71], abs=0.01)
    assert ws.row_dimensions[2].height == 21  # one line
    assert ws.row_dimensions[3].height == 6 * 18 + 3  # 未回答: No.1, then the 20 items on 5 lines


def test_a_roster_link_says_the_number_was_blank_or_invalid():
    """A roster row whose 法人番号 was written but invalid was linked 「法人番号がないため」."""
    from pipeline.ingest.reasons import REASONS

    for code in ("roster_linked_by_name", "roster_ambiguous_name_link"):
        assert "空欄か無効" in REASONS[code][0] and "法人番号がない" not in REASONS[code][0]


def test_the_print_area_holds_every_years_quarantined_rows_and_no_flagged_one(tmp_path):
    """With two years in the store, 2022's flagged rows sorted between 2022's and 2023's quarantined ones, so the
    print area (the rows above the flagged ones) printed 2022's flagged rows and left 2023's quarantined ones out."""
    from pipeline.ingest.quarantine import write_report

    base = {"sector": "auto", "company_name": "株式会社甲", "corporate_number": "1010001000006", "problem_ja": "p",
            "action_ja": "a", "detail": ""}
    table = pd.DataFrame([
        {**base, "year": 2022, "source_path": "flag22.xlsx", "status": "ingested", "reason": "unanswered"},
        {**base, "year": 2022, "source_path": "bad22.xlsx", "status": "quarantined", "reason": "corrupt"},
        {**base, "year": 2023, "source_path": "flag23.xlsx", "status": "ingested", "reason": "unanswered"},
        {**base, "year": 2023, "source_path": "bad23.xlsx", "status": "quarantined", "reason": "corrupt"}])
    ws = openpyxl.load_workbook(write_report(table, tmp_path)[0])["隔離・要確認"]
    files = [r[0] for r in ws.iter_rows(min_row=2, min_col=4, max_col=4, values_only=True)]
    assert files == ["bad22.xlsx", "bad23.xlsx", "flag22.xlsx", "flag23.xlsx"]
    assert ws.print_area == "'隔離・要確認'!$A$1:$I$3"  # the header and the two quarantined files
