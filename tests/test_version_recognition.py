"""Template recognition from the file, never from the fiscal year: the written version wins, an unknown
one is quarantined, an unwritten one is decided by layout and the submission's own date, and flagged."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from pipeline.ingest import ingest
from pipeline.ingest.version import written_version
from tests.handmade import AUTO_HEADER, auto_rows, write_auto


def run(raw, year, store=None):
    store = store or raw.parent / "store"
    ingest("auto", year, raw, store, workers=1, progress=False)
    return {n: pd.read_parquet(store / n) for n in ("manifest", "respondents", "responses")}, store


def check_sheet(store) -> pd.DataFrame:
    return pd.read_excel(store / "quarantine_report.xlsx", sheet_name="要確認", dtype=str, engine="openpyxl")


@pytest.mark.parametrize(("text", "version"), [
    ("自動車産業サイバーセキュリティガイドライン チェックシート Ver.2.3", "2.3"),
    ("チェックシート ver2.3", "2.3"), ("チェックシート v2.3", "2.3"), ("チェックシート(第2.3版)", "2.3"),
    ("チェックシート Ｖｅｒ．２．３", "2.3"), ("チェックシート Version 2.4", "2.4"), ("バージョン2.10", "2.10"),
    ("チェックシート rev2.3", "2.3"), ("資本金 2.3億円", None), ("No.12", None)])
def test_the_version_as_forms_write_it(text, version):
    assert written_version([None, "", text]) == version


@pytest.mark.parametrize("title", ["Ver.2.3", "v2.3", "第2.3版", "Ｖｅｒ．２．３"])
def test_a_form_titled_v2_3_is_stored_as_v2_3_whatever_the_fiscal_year(tmp_path, title):
    write_auto(tmp_path / "raw" / "a.xlsx", version=title, cover={"回答日": dt.date(2024, 10, 15)})
    t, store = run(tmp_path / "raw", year=2024)  # before: FY2024 → auto-v2.2, the title ignored
    assert t["respondents"]["template_version"].tolist() == ["auto-v2.3"]
    assert t["manifest"]["flags"].iloc[0] == ""  # written on the form: nothing to confirm
    assert check_sheet(store).empty


def test_a_version_written_only_in_the_sheet_name_counts(tmp_path):
    write_auto(tmp_path / "raw" / "a.xlsx", version="", checklist_name="チェックシート_v2.0",
               header=[h for h in AUTO_HEADER if h != "未達成時の対応予定"],
               rows=[r[:6] + r[7:] for r in auto_rows(lambda n: "達成")])
    t, _ = run(tmp_path / "raw", year=2025)
    assert t["respondents"]["template_version"].tolist() == ["auto-v2.0"]


def test_an_unknown_written_version_is_quarantined_never_scored_as_another(tmp_path):
    write_auto(tmp_path / "raw" / "a.xlsx", version="Ver.2.4")
    t, store = run(tmp_path / "raw", year=2025)
    row = t["manifest"].iloc[0]
    assert (row["status"], row["reason"]) == ("quarantined", "unknown_version")
    assert row["detail"] == "unknown template version v2.4 — import the official form with `sdw instrument import`"
    assert t["respondents"].empty and t["responses"].empty
    report = pd.read_excel(store / "quarantine_report.xlsx", sheet_name="隔離・要確認", dtype=str, engine="openpyxl")
    assert report["理由コード"].tolist() == ["unknown_version"]
    assert report["問題"].iloc[0].startswith("登録されていない版のチェックシートです")
    assert report["事業者名"].tolist() == ["株式会社テスト精工"]


@pytest.mark.parametrize(("answered", "version"), [(dt.date(2023, 10, 1), "auto-v2.1"),
                                                   (dt.date(2024, 8, 1), "auto-v2.2"),
                                                   (dt.date(2025, 8, 31), "auto-v2.2"),
                                                   (dt.date(2025, 10, 1), "auto-v2.3")])
def test_an_unversioned_v2_1_layout_takes_the_newest_version_published_by_its_answer_date(tmp_path, answered,
                                                                                          version):
    write_auto(tmp_path / "raw" / "a.xlsx", version="", cover={"回答日": answered})  # 未達成時の対応予定, 達成
    t, store = run(tmp_path / "raw", year=2025)  # the fiscal year says nothing: the date does
    assert t["respondents"]["template_version"].tolist() == [version]
    assert t["manifest"]["flags"].iloc[0] == "version_not_written"
    checks = check_sheet(store)
    assert checks["理由コード"].tolist() == ["version_not_written"]
    assert "auto-v2.1 / auto-v2.2 / auto-v2.3 が該当" in checks["詳細"].iloc[0]
    assert f"{answered.isoformat()} 時点で公開済みの最新の {version} と判断" in checks["詳細"].iloc[0]


def test_an_unversioned_v2_0_layout_fits_only_v2_0_and_needs_no_flag(tmp_path):
    write_auto(tmp_path / "raw" / "a.xlsx", version="", header=[h for h in AUTO_HEADER if h != "未達成時の対応予定"],
               rows=[r[:6] + r[7:] for r in auto_rows(lambda n: "×" if n == 1 else "○")],
               cover={"回答日": dt.date(2025, 10, 1)})
    t, _ = run(tmp_path / "raw", year=2025)
    assert t["respondents"]["template_version"].tolist() == ["auto-v2.0"]
    assert t["manifest"]["flags"].iloc[0] == ""


def test_an_export_decides_each_row_by_its_submission_date_and_is_flagged_once(tmp_path):
    head = ["受付番号", "会社名", "法人番号", "所属団体", "業種", "従業員数", "目標レベル", "提出日時"]
    rows = [["R-1", "会社A", "7000012050002", "その他", "物流", "〜100人", "Lv1", "2024-10-01 10:00:00"],
            ["R-2", "会社B", "1010001000006", "その他", "物流", "〜100人", "Lv1", "2025-09-01 09:00:00"]]
    frame = pd.DataFrame([r + ["達成"] * 153 for r in rows], columns=head + [f"No.{n}" for n in range(1, 154)])
    (tmp_path / "raw").mkdir()
    frame.to_csv(tmp_path / "raw" / "回答一覧.csv", index=False, encoding="cp932")
    t, store = run(tmp_path / "raw", year=2024)
    by_row = t["manifest"].set_index("source_path")["template_version"]
    assert (by_row["回答一覧.csv#row=2"], by_row["回答一覧.csv#row=3"]) == ("auto-v2.2", "auto-v2.3")
    checks = check_sheet(store)
    assert checks["ファイル"].tolist() == ["回答一覧.csv"]
    assert checks["詳細"].iloc[0].endswith("(auto-v2.2 1行, auto-v2.3 1行)")


def _edit(path, cells: dict[str, dict[str, object]]) -> None:
    """Rewrite cells of a written workbook ({sheet: {'A1': text}}), adding a sheet that does not exist."""
    wb = openpyxl.load_workbook(path)
    for name, values in cells.items():
        ws = wb[name] if name in wb.sheetnames else wb.create_sheet(name)
        for ref, value in values.items():
            ws[ref] = value
    wb.save(path)


@pytest.mark.parametrize(("text", "version"), [
    ("チェックシート 2.4版", "2.4"), ("チェックシート Rev.2.4", "2.4"), ("チェックシート rev2.3", "2.3"),
    ("チェックシート_Ver2_4", "2.4"), ("チェックシート Ｖｅｒ２＿４", "2.4"), ("ver 2.4", "2.4"),
    ("資本金 2.3億円", None), ("回答日 2024.10.15", None), ("2024.10.15版", None), ("12.5.3版", None)])
def test_common_spellings_of_a_version_are_read_and_capital_or_dates_are_not(text, version):
    assert written_version([text]) == version


@pytest.mark.parametrize("text", ["改訂履歴(v2.2→v2.3)", "※Ver.2.2から変更のあった項目は黄色で示しています",
                                  "旧Ver.2.2の回答は使えません", "v2.2 -> v2.3 の変更点", "前版(Ver.2.2)との差分",
                                  "前回(Ver.2.2)の回答を転記済み", "NIST CSF Ver.2.0 との対応表",
                                  "ISO/IEC 27001 Ver.2.2 参照"])
def test_a_text_about_a_change_or_another_document_writes_no_version(text):
    assert written_version([text]) is None


def _unwritten_v2_3_answer_date(tmp_path):
    """A form with no version on it, answered after v2.3 was published: v2.3, flagged (see the test above)."""
    return write_auto(tmp_path / "raw" / "a.xlsx", version="", cover={"回答日": dt.date(2025, 10, 1)})


def test_a_change_history_sheet_does_not_name_the_version(tmp_path):
    path = _unwritten_v2_3_answer_date(tmp_path)
    _edit(path, {"改訂履歴(v2.2→v2.3)": {"A1": "改訂履歴", "A2": "Ver.2.2 → Ver.2.3: 項目の文言を変更"}})
    t, _ = run(tmp_path / "raw", year=2025)  # before: the sheet's name decided auto-v2.2, no flag
    assert t["respondents"]["template_version"].tolist() == ["auto-v2.3"]
    assert t["manifest"]["flags"].iloc[0] == "version_not_written"


def test_an_instruction_about_the_previous_version_does_not_name_the_version(tmp_path):
    path = _unwritten_v2_3_answer_date(tmp_path)
    _edit(path, {"チェックシート": {"A2": "※Ver.2.2から変更のあった項目は黄色で示しています"}})
    t, _ = run(tmp_path / "raw", year=2025)  # before: auto-v2.2, no flag
    assert t["respondents"]["template_version"].tolist() == ["auto-v2.3"]
    assert t["manifest"]["flags"].iloc[0] == "version_not_written"


def test_two_versions_written_on_one_form_are_quarantined_naming_both(tmp_path):
    path = write_auto(tmp_path / "raw" / "a.xlsx", version="Ver.2.2")
    _edit(path, {"表紙": {"B1": "チェックシート 表紙 (Ver.2.3)"}})
    t, store = run(tmp_path / "raw", year=2025)  # before: auto-v2.2 (the checklist's title), no flag
    row = t["manifest"].iloc[0]
    assert (row["status"], row["reason"]) == ("quarantined", "version_conflict")
    assert row["detail"] == ("the form writes two versions: v2.2 (チェックシート!A1), v2.3 (表紙!B1) — "
                             "ask the member which form they used")
    assert t["respondents"].empty
    report = pd.read_excel(store / "quarantine_report.xlsx", sheet_name="隔離・要確認", dtype=str, engine="openpyxl")
    assert report["理由コード"].tolist() == ["version_conflict"]
    assert report["事業者名"].tolist() == ["株式会社テスト精工"]
    assert report["依頼事項"].iloc[0].startswith("提出者にどの版の様式で回答したか確認し")


def test_a_version_written_on_the_cover_only_counts(tmp_path):
    path = write_auto(tmp_path / "raw" / "a.xlsx", version="Ver.2.3", cover={"回答日": dt.date(2024, 10, 15)})
    _edit(path, {"チェックシート": {"A1": "自動車産業サイバーセキュリティガイドライン チェックシート"}})
    t, _ = run(tmp_path / "raw", year=2024)  # without the cover: auto-v2.2 by the answer date, flagged
    assert t["respondents"]["template_version"].tolist() == ["auto-v2.3"]
    assert t["manifest"]["flags"].iloc[0] == ""


@pytest.mark.parametrize("cells", [
    {"チェックシート": {"A1": "自動車産業サイバーセキュリティガイドライン チェックシート 2.4版"}},
    {"チェックシート": {"A1": "チェックシート Rev.2.4"}},
    {"表紙": {"B12": "様式の版", "C12": "Ver.2.4"}},
    {"表紙": {"B12": "版", "C12": "2.4"}},
    {"表紙": {"B20": "バージョン", "C20": 2.4}}])
def test_an_unknown_version_in_a_common_spelling_is_quarantined(tmp_path, cells):
    path = write_auto(tmp_path / "raw" / "a.xlsx", version="", cover={"回答日": dt.date(2025, 10, 1)})
    _edit(path, cells)
    t, _ = run(tmp_path / "raw", year=2025)  # before: auto-v2.3 or v2.2 by the layout, flagged 版の記載なし
    row = t["manifest"].iloc[0]
    assert (row["status"], row["reason"]) == ("quarantined", "unknown_version")
    assert row["detail"] == "unknown template version v2.4 — import the official form with `sdw instrument import`"


def test_an_unknown_version_in_the_sheet_name_with_underscores_is_quarantined(tmp_path):
    write_auto(tmp_path / "raw" / "a.xlsx", version="", checklist_name="チェックシート_Ver2_4")
    t, _ = run(tmp_path / "raw", year=2025)
    assert t["manifest"][["status", "reason"]].values.tolist() == [["quarantined", "unknown_version"]]


def test_capital_and_dates_on_the_cover_are_no_version(tmp_path):
    write_auto(tmp_path / "raw" / "a.xlsx", version="",
               cover={"資本金": "2.3億円", "回答日": "2025.10.01", "備考": "2.2版の様式から移行済み"})
    t, _ = run(tmp_path / "raw", year=2025)
    assert t["respondents"]["template_version"].tolist() == ["auto-v2.3"]
    assert t["manifest"]["flags"].iloc[0] == "version_not_written"


def _export(path, title: str) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "回答一覧"
    ws["A1"] = title
    ws.append([])
    ws.append(["受付番号", "会社名", "法人番号", "提出日時", *[f"No.{n}" for n in range(1, 154)]])
    ws.append(["R-1", "会社A", "7000012050002", "2025-10-01 10:00:00", *["達成"] * 153])
    ws.append(["R-2", "会社B", "1010001000006", "2025-10-02 09:00:00", *["達成"] * 153])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def test_an_export_titled_with_an_unknown_version_quarantines_every_row(tmp_path):
    _export(tmp_path / "raw" / "回答一覧.xlsx", "チェックシート回答一覧 Ver.2.4")
    t, store = run(tmp_path / "raw", year=2025)  # ignoring the title: both rows on auto-v2.3, flagged
    rows = t["manifest"][t["manifest"]["kind"].eq("export_row")]
    assert rows[["status", "reason"]].values.tolist() == [["quarantined", "unknown_version"]] * 2
    assert t["respondents"].empty and t["responses"].empty
    report = pd.read_excel(store / "quarantine_report.xlsx", sheet_name="隔離・要確認", dtype=str, engine="openpyxl")
    assert sorted(report["事業者名"]) == ["会社A", "会社B"]


def test_an_export_titled_with_a_known_version_takes_it_without_a_flag(tmp_path):
    _export(tmp_path / "raw" / "回答一覧.xlsx", "チェックシート回答一覧 Ver.2.2")
    t, _ = run(tmp_path / "raw", year=2025)
    rows = t["manifest"][t["manifest"]["kind"].eq("export_row")]
    assert rows["template_version"].tolist() == ["auto-v2.2"] * 2
    assert t["manifest"]["flags"].tolist() == ["", "", ""]


def test_a_cover_version_field_that_differs_from_the_title_is_a_conflict_named_by_its_cell(tmp_path):
    path = write_auto(tmp_path / "raw" / "a.xlsx", version="Ver.2.3")
    _edit(path, {"表紙": {"B12": "様式の版", "B13": "2.2"}})  # the value below its label
    t, _ = run(tmp_path / "raw", year=2025)
    assert t["manifest"]["detail"].iloc[0] == ("the form writes two versions: v2.2 (表紙!B13), v2.3 "
                                               "(チェックシート!A1, 表紙!B1) — ask the member which form they used")
