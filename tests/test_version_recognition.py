"""Template recognition from the file, never from the fiscal year: the written version wins, an unknown
one is quarantined, an unwritten one is decided by layout and the submission's own date, and flagged."""

from __future__ import annotations

import datetime as dt

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
    ("チェックシート rev2.3", None), ("資本金 2.3億円", None), ("No.12", None)])
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
