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
from pipeline.check import check_store
from pipeline.ingest import ingest, linking
from pipeline.scoring import score_store
from pipeline.scoring.trends import panel_change
from tests.handmade import write_auto, write_power

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
    assert ("name_fallback ambiguous_name_link", "法人番号 (空欄) は無効\n事業者名「株式会社テスト」に法人番号が 2 件: "
            "1010001000006, 7000012050002") in check  # one row for the file, each detail once, one a line


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
        [("roster.csv(2行目)", NUMBER, "事業者名「株式会社テスト」→ 法人番号 7000012050002")]


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


TWO_NAMES = [{"会社名": "株式会社テスト", "法人番号": ""}, {"会社名": "テスト株式会社", "法人番号": ""}]


def _name_key(name):
    return hmac.new(SECRET, f"name:{name}".encode(), hashlib.sha256).hexdigest()[:32]


def test_two_names_of_one_year_reaching_one_number_are_both_flagged_and_neither_linked(tmp_path):
    """FY2023 has 株式会社テスト and テスト株式会社, both by name; FY2024 gives both names the one number (one by
    the roster, one by a submission). Linking both would make two respondents one key in FY2023."""
    roster = tmp_path / "roster.csv"
    roster.write_text(f"法人番号,会社名\n{NUMBER},テスト株式会社\n", encoding="utf-8")
    _ingest(tmp_path, 2023, TWO_NAMES)
    result = _ingest(tmp_path, 2024, [{"会社名": "株式会社テスト", "法人番号": NUMBER}], roster=roster)
    assert result.linked == 0
    resp = _table(tmp_path, "respondents")
    assert sorted(resp.loc[resp["year"].eq(2023), ["respondent_key", "identity_basis"]].values.tolist()) == \
        sorted([[BY_NAME, "name"], [_name_key("テスト株式会社"), "name"]])
    m = _table(tmp_path, "manifest").set_index(["year", "source_path"])
    assert m.at[(2023, "c0.xlsx"), "flags"] == "name_fallback ambiguous_name_link"
    assert m.at[(2023, "c1.xlsx"), "flags"] == "name_fallback ambiguous_name_link"
    check = {r["ファイル"]: r["詳細"] for r in _check_sheet(tmp_path) if r["年度"] == 2023}
    assert check["c0.xlsx"].endswith("事業者名「株式会社テスト」の法人番号 7000012050002 は 2023 年度の別の事業者名"
                                     "(「テスト株式会社」)にも当たります")
    assert check["c1.xlsx"].endswith("事業者名「テスト株式会社」の法人番号 7000012050002 は 2023 年度の別の事業者名"
                                     "(「株式会社テスト」)にも当たります")
    assert check_store(tmp_path / "s", SECRET).lines() == []


def test_other_years_rows_that_would_break_the_schema_refuse_the_ingest_and_leave_the_store(tmp_path, monkeypatch):
    """Should a plan ever re-key two rows of one year to one key, the write is refused, not made."""
    _ingest(tmp_path, 2023, TWO_NAMES)
    before = {n: _table(tmp_path, n) for n in ("manifest", "respondents", "responses", "identities")}
    both = linking.Links({("auto", 2023): {BY_NAME: (BY_NUMBER, NUMBER),
                                           _name_key("テスト株式会社"): (BY_NUMBER, NUMBER)}})
    monkeypatch.setattr(linking, "plan", lambda *a, **kw: both)
    with pytest.raises(store_mod.StoreError) as refused:
        _ingest(tmp_path, 2024, [{"会社名": "株式会社テスト", "法人番号": NUMBER}])
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("ingesting auto 2024 would change other years' rows of table ")
    assert message.endswith("; nothing was written")
    for name, table in before.items():
        pd.testing.assert_frame_equal(_table(tmp_path, name), table)


def test_a_name_in_another_sector_is_not_linked(tmp_path):
    """Power FY2024 lists 株式会社テスト by name; auto FY2025 gives 株式会社テスト a number: another sector's
    company of that name may be another company, so the power row keeps its name key."""
    raw = tmp_path / "power2024"
    write_power(raw / "c0.xlsx", cover={"事業者名": "株式会社テスト", "法人番号": "", "回答日": "2024/10/01"})
    ingest("power", 2024, raw, tmp_path / "s", workers=1, progress=False)
    result = _ingest(tmp_path, 2025, [{"会社名": "株式会社テスト", "法人番号": NUMBER}])
    assert result.linked == 0
    ident = _table(tmp_path, "identities").sort_values("sector")
    assert ident[["sector", "year", "respondent_key", "identity_basis", "corporate_number"]].values.tolist() == [
        ["auto", 2025, BY_NUMBER, "corporate_number", NUMBER], ["power", 2024, BY_NAME, "name", ""]]
    m = _table(tmp_path, "manifest").set_index(["sector", "source_path"])
    assert m.at[("power", "c0.xlsx"), "flags"] == "name_fallback"


def test_a_link_whose_number_a_corrected_year_no_longer_carries_is_flagged(tmp_path):
    """FY2023 by name; FY2024 gives the number NUMBER (typed wrong) and links FY2023 to it; FY2024 corrected to
    OTHER and ingested again: no year carries NUMBER now. FY2023 keeps its key (only a clerk can say which
    company it is) and is flagged stale_name_link."""
    _ingest(tmp_path, 2023, [{"会社名": "株式会社テスト", "法人番号": ""}])
    _ingest(tmp_path, 2024, [{"会社名": "株式会社テスト", "法人番号": NUMBER}])
    corrected = {"回答日": "2024/10/01", "会社名": "株式会社テスト", "法人番号": OTHER}
    write_auto(tmp_path / "y2024" / "c0.xlsx", cover=corrected)
    ingest("auto", 2024, tmp_path / "y2024", tmp_path / "s", workers=1, progress=False)
    ident = _table(tmp_path, "identities").sort_values("year")
    assert ident[["year", "identity_basis", "corporate_number"]].values.tolist() == [
        [2023, "name_linked", NUMBER], [2024, "corporate_number", OTHER]]
    m = _table(tmp_path, "manifest").set_index(["year", "source_path"])
    assert m.at[(2023, "c0.xlsx"), "flags"] == "linked_by_name stale_name_link"
    check = [(r["理由コード"], r["法人番号"], r["詳細"]) for r in _check_sheet(tmp_path) if r["年度"] == 2023]
    assert [(code, number) for code, number, _ in check] == [("linked_by_name stale_name_link", NUMBER)]
    assert check[0][2].endswith("結び付けた法人番号 7000012050002 はどの年度の提出・名簿にももうありません"
                                "(auto 2024 年度の取込で)")

    ingest("auto", 2024, tmp_path / "y2024", tmp_path / "s", workers=1, progress=False)  # once more: no second flag
    m = _table(tmp_path, "manifest").set_index(["year", "source_path"])
    assert m.at[(2023, "c0.xlsx"), "flags"] == "linked_by_name stale_name_link"
