"""Issue 14, part 3, the other way: a company keyed by its name in an earlier year is re-keyed by its 法人番号
once a later submission (or roster) gives that number with certainty — in every table, flagged, atomically.
Small hand-made workbooks; expected keys typed from the rule (HMAC of ``cn:<法人番号>``)."""

from __future__ import annotations

import hashlib
import hmac

import openpyxl
import pandas as pd
import pytest

from pipeline import store as store_mod
from pipeline.ingest import ingest
from pipeline.scoring import score_store
from pipeline.scoring.trends import panel_change
from tests.handmade import write_auto

NUMBER = "7000012050002"  # a valid 法人番号 (check digit 7)
OTHER = "1010001000006"  # another valid one
SECRET = b"test-secret-key"  # conftest sets SDW_SECRET_KEY to this
BY_NUMBER = hmac.new(SECRET, f"cn:{NUMBER}".encode(), hashlib.sha256).hexdigest()[:32]
BY_NAME = hmac.new(SECRET, "name:株式会社テスト".encode(), hashlib.sha256).hexdigest()[:32]


def _ingest(tmp_path, year, covers, roster=None):
    raw = tmp_path / f"y{year}"
    for i, cover in enumerate(covers):
        write_auto(raw / f"c{i}.xlsx", cover={"回答日": f"{year}/10/01", **cover})
    return ingest("auto", year, raw, tmp_path / "s", workers=1, progress=False, roster=roster)


def _table(tmp_path, name):
    return pd.read_parquet(tmp_path / "s" / name)


def _check_sheet(tmp_path):
    wb = openpyxl.load_workbook(tmp_path / "s" / "quarantine_report.xlsx")
    rows = list(wb["要確認"].iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_a_name_keyed_year_is_re_keyed_when_a_later_year_gives_the_number(tmp_path):
    _ingest(tmp_path, 2023, [{"会社名": "株式会社テスト", "法人番号": ""}])
    score_store(tmp_path / "s")
    assert set(_table(tmp_path, "respondents")["respondent_key"]) == {BY_NAME}

    result = _ingest(tmp_path, 2024, [{"会社名": "株式会社 テスト", "法人番号": NUMBER}])
    assert result.linked == 1
    resp = _table(tmp_path, "respondents").set_index("year")
    assert resp.at[2023, "respondent_key"] == BY_NUMBER
    assert resp.at[2024, "respondent_key"] == BY_NUMBER
    assert resp.at[2023, "identity_basis"] == "name_linked"
    assert resp.at[2024, "identity_basis"] == "corporate_number"
    for name in ("responses", "manifest", "identities", "scores"):  # scores of 2023 were there already
        t = _table(tmp_path, name)
        assert set(t.loc[t["year"].eq(2023), "respondent_key"]) == {BY_NUMBER}, name
    ident = _table(tmp_path, "identities").set_index("year")
    assert ident.at[2023, "corporate_number"] == NUMBER
    m = _table(tmp_path, "manifest").set_index(["year", "source_path"])
    assert m.at[(2023, "c0.xlsx"), "flags"] == "linked_by_name"  # name_fallback gave way to the link
    assert "事業者名「株式会社テスト」→ 法人番号 7000012050002(auto 2024 年度の取込で付け替え)" \
        in m.at[(2023, "c0.xlsx"), "warnings"]

    check = [r for r in _check_sheet(tmp_path) if r["年度"] == 2023]
    assert [(r["ファイル"], r["理由コード"], r["法人番号"]) for r in check] == [("c0.xlsx", "linked_by_name", NUMBER)]
    assert "→ 法人番号 7000012050002" in check[0]["詳細"]

    # the panel of the two years holds the company once (before linking it held none)
    score_store(tmp_path / "s")
    scores, respondents = _table(tmp_path, "scores"), _table(tmp_path, "respondents")
    panel = panel_change(scores, respondents, "level", 2023, 2024)
    assert panel.loc[panel["node_id"].eq("Lv1"), "n"].tolist() == [1]
    assert respondents["respondent_key"].nunique() == 1


def test_running_the_later_ingest_again_gives_the_same_store(tmp_path):
    _ingest(tmp_path, 2023, [{"会社名": "株式会社テスト", "法人番号": ""}])
    _ingest(tmp_path, 2024, [{"会社名": "株式会社テスト", "法人番号": NUMBER}])
    first = {n: _table(tmp_path, n) for n in ("manifest", "quarantine", "respondents", "identities")}
    again = ingest("auto", 2024, tmp_path / "y2024", tmp_path / "s", workers=1, progress=False)  # same files
    assert again.linked == 0
    for name, table in first.items():
        pd.testing.assert_frame_equal(_table(tmp_path, name), table, check_like=True)


def test_two_companies_of_one_name_later_leave_the_earlier_year_unlinked_and_flagged(tmp_path):
    _ingest(tmp_path, 2023, [{"会社名": "株式会社テスト", "法人番号": ""}])
    result = _ingest(tmp_path, 2024, [{"会社名": "株式会社テスト", "法人番号": NUMBER},
                                      {"会社名": "株式会社テスト", "法人番号": OTHER}])
    assert result.linked == 0
    resp = _table(tmp_path, "respondents")
    assert resp.loc[resp["year"].eq(2023), ["respondent_key", "identity_basis"]].values.tolist() == \
        [[BY_NAME, "name"]]
    assert resp.loc[resp["year"].eq(2024), "respondent_key"].nunique() == 2
    m = _table(tmp_path, "manifest").set_index(["year", "source_path"])
    assert m.at[(2023, "c0.xlsx"), "flags"] == "name_fallback ambiguous_name_link"
    check = [(r["理由コード"], r["詳細"]) for r in _check_sheet(tmp_path) if r["年度"] == 2023]
    assert ("ambiguous_name_link", "法人番号 (空欄) は無効 / 事業者名「株式会社テスト」に法人番号が 2 件: "
            "1010001000006, 7000012050002") in check


def test_a_member_listed_by_name_whose_submission_has_the_number_is_a_respondent(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("法人番号,会社名\n,株式会社テスト\n", encoding="utf-8")
    _ingest(tmp_path, 2024, [{"会社名": "株式会社テスト", "法人番号": NUMBER}], roster=roster)
    members = _table(tmp_path, "roster")
    assert members[["respondent_key", "identity_basis", "responded"]].values.tolist() == \
        [[BY_NUMBER, "name_linked", True]]
    wb = openpyxl.load_workbook(tmp_path / "s" / "quarantine_report.xlsx")
    rows = list(wb["名簿"].iter_rows(values_only=True))
    listed = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [(r["名簿の行"], r["法人番号"], r["詳細"]) for r in listed] == \
        [("roster.csv#row=2", NUMBER, "事業者名「株式会社テスト」→ 法人番号 7000012050002")]


def test_an_earlier_roster_listed_by_name_is_re_keyed_so_its_non_respondents_stay_right(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("法人番号,会社名\n,株式会社テスト\n,株式会社ほか\n", encoding="utf-8")
    _ingest(tmp_path, 2023, [{"会社名": "株式会社テスト", "法人番号": ""}], roster=roster)
    _ingest(tmp_path, 2024, [{"会社名": "株式会社テスト", "法人番号": NUMBER}])
    members = _table(tmp_path, "roster").sort_values("company_name")
    assert members[["company_name", "respondent_key", "responded"]].values.tolist() == [
        ["株式会社ほか", hmac.new(SECRET, "name:株式会社ほか".encode(), hashlib.sha256).hexdigest()[:32], False],
        ["株式会社テスト", BY_NUMBER, True]]


def test_a_number_already_answering_in_the_earlier_year_is_not_linked_twice(tmp_path):
    """FY2023 has the name-only file and, under another name, a file with the same 法人番号: linking would make
    one company two respondents of one year. Flagged, not linked."""
    _ingest(tmp_path, 2023, [{"会社名": "株式会社テスト", "法人番号": ""},
                             {"会社名": "テスト旧商号株式会社", "法人番号": NUMBER}])
    _ingest(tmp_path, 2024, [{"会社名": "株式会社テスト", "法人番号": NUMBER}])
    resp = _table(tmp_path, "respondents")
    assert sorted(resp.loc[resp["year"].eq(2023), "respondent_key"]) == sorted([BY_NAME, BY_NUMBER])
    m = _table(tmp_path, "manifest").set_index(["year", "source_path"])
    assert m.at[(2023, "c0.xlsx"), "flags"].split()[-1] == "ambiguous_name_link"


def test_a_failure_while_writing_leaves_the_previous_store_intact(tmp_path, monkeypatch):
    _ingest(tmp_path, 2023, [{"会社名": "株式会社テスト", "法人番号": ""}])
    score_store(tmp_path / "s")
    before = {n: _table(tmp_path, n) for n in ("manifest", "respondents", "responses", "identities", "scores")}
    real = pd.DataFrame.to_parquet

    def fail_on_scores(self, path, *a, **kw):
        if str(path).endswith("scores"):
            raise OSError("disk full")
        return real(self, path, *a, **kw)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_on_scores)
    with pytest.raises(OSError, match="disk full"):
        _ingest(tmp_path, 2024, [{"会社名": "株式会社テスト", "法人番号": NUMBER}])
    monkeypatch.undo()
    for name, table in before.items():
        pd.testing.assert_frame_equal(_table(tmp_path, name), table)
    assert not list((tmp_path / "s").glob(".staging-*"))
    assert store_mod.read_table(tmp_path / "s", "respondents")["respondent_key"].tolist() == [BY_NAME]
