"""`sdw instrument import`: an official blank checklist becomes catalog files of the project, compared
item by item with the previous version; comparability mappings as data; movers keep comparable items.

Forms are written here with openpyxl (not by our generator), with the header lower than ingest's
fixtures and the columns in another order. Expected counts are typed from the form each test writes:
the shipped catalog has 50 Lv1 / 74 Lv2 / 29 Lv3 items, No.5 is Lv2 there (docs/instruments.md §3).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline import catalogs
from pipeline.catalogs.comparability import comparability, incomparable_items
from pipeline.cli import main
from pipeline.report import tables as T
from pipeline.report.data import ReportData
from pipeline.report.style import labels
from pipeline.scoring.maps import item_map

# Another order than the shipped template's (No., レベル, 分類, 要求事項, 達成条件, 回答 …)
COLUMNS = ["レベル", "要求事項", "No.", "分類", "達成条件", "回答", "備考"]
NO7_V23 = "機密情報の扱いと返却・廃棄の方法について取引先と取り決めを交わしている"


@pytest.fixture()
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SDW_HOME", str(tmp_path / "project"))
    (tmp_path / "project").mkdir()
    return tmp_path / "project"


def write_form(path: Path, version: str, levels: dict[str, str] | None = None, texts: dict[str, str] | None = None,
               header_row: int = 6, rows: list[list[object]] | None = None) -> Path:
    """A blank automotive checklist: title and instructions above a header at ``header_row`` (1-based), a
    heading row inside the table, shipped items unless ``rows`` says otherwise, answers left blank."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "チェックシート"
    ws["A1"] = f"自動車産業サイバーセキュリティガイドライン チェックシート Ver.{version}"
    ws["A2"] = "2025年9月1日 改訂" if version == "2.3" else "2024年8月1日 改訂"
    ws["A3"] = "回答欄から選択してください。"
    for c, label in enumerate(COLUMNS, start=1):
        ws.cell(header_row, c, label)
    ws.cell(header_row + 1, 4, "【組織的対策】")  # a heading: 分類 only, no number, no level
    if rows is None:
        items = catalogs.auto_items()
        rows = [[(levels or {}).get(i, lvl), (texts or {}).get(i, text), int(i[3:]), f"分類{d}", "記録で確認できること"]
                for i, lvl, text, d in zip(items["item_id"], items["level"], items["text_ja"], items["domain_id"],
                                           strict=True)]
    for r, row in enumerate(rows, start=header_row + 2):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, value)
    wb.create_sheet("集計")["A1"] = "レベル"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["instrument", "import", "--sector", "auto", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_import_writes_the_version_into_the_project_and_prints_what_changed(home, tmp_path, capsys):
    """Two official forms: v2.2 (the shipped items, so wording can be compared from then on), then v2.3
    with No.5 moved Lv2 → Lv1 and No.7 reworded."""
    v22 = write_form(tmp_path / "forms" / "checklist_v2.2.xlsx", "2.2")
    v23 = write_form(tmp_path / "forms" / "checklist_v2.3.xlsx", "2.3", levels={"No.5": "Lv1"},
                     texts={"No.7": NO7_V23})
    code, out, err = run(capsys, "--version", "2.2", "--file", str(v22))
    assert code == 0, err
    assert "Lv1 50 / Lv2 74 / Lv3 29" in out
    assert "same 153" in out and "wording not compared" in out  # the shipped v2.1 texts are ours
    assert "auto-v2.3 follows: its mapping from auto-v2.2 was not re-derived" in out  # the shipped v2.3

    code, out, err = run(capsys, "--version", "2.3", "--file", str(v23))
    assert code == 0, err
    assert "153 items: Lv1 51 / Lv2 73 / Lv3 29" in out
    assert "header row 6" in out
    assert "against auto-v2.2:" in out
    assert "re-levelled 1 (No.5)" in out
    assert "reworded 1 (No.7)" in out
    assert "new 0" in out and "removed 0" in out and "same 151" in out
    assert "wording not compared" not in out
    assert "published: 2025-09-01" in out

    cat = home / "catalogs"
    tmpl = yaml.safe_load((cat / "templates" / "auto-v2.3.yaml").read_text(encoding="utf-8"))
    assert tmpl["version"] == "2.3" and tmpl["provisional"] is False and tmpl["published"] == dt.date(2025, 9, 1)
    assert tmpl["source"] == f"checklist_v2.3.xlsx sha256:{hashlib.sha256(v23.read_bytes()).hexdigest()}"
    assert tmpl["checklist"]["columns"] == COLUMNS
    assert tmpl["points"] == {"implemented": 2, "not_implemented": 0, "unanswered": 0}  # carried from v2.2
    items = pd.read_csv(cat / tmpl["items"], dtype=str, keep_default_na=False).set_index("item_id")
    assert len(items) == 153
    assert items.loc["No.5", "level"] == "Lv1" and items.loc["No.7", "text_ja"] == NO7_V23
    assert items.loc["No.7", "csf2"] == "GV.SC-05 PR.DS-01" and items.loc["No.7", "domain_id"] == "D02"  # carried
    assert items.loc["No.1", "domain_ja"] == "分類D01" and items.loc["No.1", "condition_ja"] == "記録で確認できること"
    mapping = pd.read_csv(cat / "comparability" / "auto-v2.2__auto-v2.3.csv", dtype=str,
                          keep_default_na=False).set_index("item_id")
    assert mapping.loc["No.7", ["change", "comparable"]].tolist() == ["reworded", "false"]
    assert mapping.loc["No.5", ["change", "level_from", "level_to", "comparable"]].tolist() == \
        ["relevelled", "Lv2", "Lv1", "true"]
    assert mapping.loc["No.6", ["change", "comparable"]].tolist() == ["same", "true"]
    shipped = Path(catalogs.__file__).parent
    assert "provisional: true" in (shipped / "templates" / "auto-v2.3.yaml").read_text(encoding="utf-8")  # untouched
    # the version is known now, with the imported levels
    assert "auto-v2.3" in catalogs.template_versions("auto")
    assert catalogs.items_for("auto-v2.3")["level"].value_counts().to_dict() == {"Lv1": 51, "Lv2": 73, "Lv3": 29}


def test_against_the_shipped_texts_wording_is_not_compared(home, tmp_path, capsys):
    """Our own v2.2 texts are no official wording: a differing text is not called reworded against them."""
    v23 = write_form(tmp_path / "v23.xlsx", "2.3", levels={"No.5": "Lv1"}, texts={"No.7": NO7_V23})
    code, out, err = run(capsys, "--version", "2.3", "--file", str(v23))
    assert code == 0, err
    assert "re-levelled 1 (No.5)" in out and "reworded 0" in out
    assert "wording not compared: the texts of auto-v2.2 are this project's own" in out


def _rows_with(number: int, column: int, value: object) -> list[list[object]]:
    rows = [["Lv1", f"要求事項{n}", n, "分類", "条件"] for n in range(1, 21)]
    rows[number - 1][column] = value
    return rows


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: write_form(p, "2.3", rows=_rows_with(12, 0, "Lv?")),
     "No.12 (sheet 'チェックシート' row 19): level 'Lv?' cannot be read (expected Lv1, Lv2 or Lv3)"),
    (lambda p: write_form(p, "2.3", rows=_rows_with(12, 0, None)),
     "No.12 (sheet 'チェックシート' row 19): level '' cannot be read"),
    (lambda p: write_form(p, "2.3", rows=_rows_with(12, 2, "12a")),
     "sheet 'チェックシート' row 19: item number '12a' cannot be read"),
    (lambda p: write_form(p, "2.3", rows=_rows_with(12, 2, 11)), "No.11 appears twice (rows 18 and 19"),
    (lambda p: write_form(p, "2.2"), "form.xlsx says v2.2 on the form, not v2.3"),
    # two versions on one form: refused as ingest refuses a submission on it (the title says 2.3, the cover 2.2)
    (lambda p: _with_cover(write_form(p, "2.3"), "様式 Ver.2.2"),
     "form.xlsx: the form writes two versions: v2.2 (表紙!A1), v2.3 (チェックシート!A1) — ask the member"),
    (lambda p: _table(p, ["社名", "売上", "従業員数"]), "form.xlsx is not a checklist: no sheet has the labels"),
    (lambda p: p.write_bytes(b"not a workbook at all"), "form.xlsx cannot be read as a checklist (not_a_workbook"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") * 4),
     "form.xlsx cannot be read as a checklist (encrypted"),
])
def test_a_form_that_cannot_be_read_is_refused_in_one_line_and_nothing_is_written(home, tmp_path, capsys, make,
                                                                                   message):
    form = tmp_path / "form.xlsx"
    make(form)
    code, out, err = run(capsys, "--version", "2.3", "--file", str(form))
    assert code == 1
    said = err.strip().splitlines()
    assert said[0].startswith("sdw: project folder ")  # where it would have written
    assert len(said) == 2 and said[1].startswith("sdw instrument import: refused: ") and message in said[1]
    assert not (home / "catalogs").exists() or not list((home / "catalogs").rglob("*v2.3*"))


def _with_cover(path: Path, title: str) -> Path:
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("表紙", 0)["A1"] = title
    wb.save(path)
    return path


def _table(path: Path, header: list[str]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    ws.append(["株式会社A", 100, 20])
    wb.save(path)


def test_shipped_mappings_chain_every_item_as_comparable():
    """v2.0 → v2.2 through two shipped mappings: 153 items, all same, all comparable (our mapping)."""
    m = comparability("auto", "auto-v2.0", "auto-v2.2")
    assert len(m) == 153
    assert set(m["change"]) == {"same"} and m["comparable"].all()
    assert "not public" in m.loc[0, "note"]


def test_mapping_is_read_as_the_user_edited_it_and_chains_and_reverses(home, tmp_path, capsys):
    run(capsys, "--version", "2.2", "--file", str(write_form(tmp_path / "a.xlsx", "2.2")))
    run(capsys, "--version", "2.3", "--file", str(write_form(tmp_path / "b.xlsx", "2.3", levels={"No.5": "Lv1"},
                                                               texts={"No.7": NO7_V23})))
    chained = comparability("auto", "auto-v2.1", "auto-v2.3").set_index("item_id")
    assert chained.loc["No.7", "change"] == "reworded" and not chained.loc["No.7", "comparable"]
    assert chained.loc["No.5", ["change", "level_from", "level_to"]].tolist() == ["relevelled", "Lv2", "Lv1"]
    back = comparability("auto", "auto-v2.3", "auto-v2.2").set_index("item_id")
    assert back.loc["No.5", ["level_from", "level_to"]].tolist() == ["Lv1", "Lv2"]
    assert incomparable_items("auto", {"auto-v2.2"}, {"auto-v2.3"}) == ["No.7"]

    path = home / "catalogs" / "comparability" / "auto-v2.2__auto-v2.3.csv"
    edited = path.read_text(encoding="utf-8").replace("No.7,auto-v2.2,auto-v2.3,reworded,Lv2,Lv2,false",
                                                      "No.7,auto-v2.2,auto-v2.3,reworded,Lv2,Lv2,true")
    assert edited != path.read_text(encoding="utf-8")
    path.write_text(edited, encoding="utf-8")
    assert incomparable_items("auto", {"auto-v2.2"}, {"auto-v2.3"}) == []


def test_movers_between_a_v22_year_and_a_v23_year_leave_out_the_reworded_item(home, tmp_path, capsys):
    run(capsys, "--version", "2.2", "--file", str(write_form(tmp_path / "a.xlsx", "2.2")))
    run(capsys, "--version", "2.3", "--file", str(write_form(tmp_path / "b.xlsx", "2.3", texts={"No.7": NO7_V23})))
    respondents = pd.DataFrame({"sector": "auto", "year": [2024] * 6 + [2025] * 6,
                                "respondent_key": [f"k{i}" for i in range(12)],
                                "template_version": ["auto-v2.2"] * 6 + ["auto-v2.3"] * 6})
    data = ReportData("auto", [2024, 2025], pd.DataFrame(), respondents, pd.DataFrame(), None)
    # shares typed by hand: No.7 moves most (+0.5) but does not compare; No.5 +0.2, No.8 −0.1
    items = pd.DataFrame({"sector": "auto", "year": [2024] * 3 + [2025] * 3,
                          "item_id": ["No.5", "No.7", "No.8"] * 2,
                          "share_implemented": [0.4, 0.2, 0.6, 0.6, 0.7, 0.5], "n_applicable": 6,
                          "text": "t", "suppressed": ""})
    excluded = T.incomparable_items(data, 2024, 2025)
    assert excluded == ["No.7"]
    mv = T.movers(items, 2024, 2025, 8, exclude=excluded)
    assert mv["item_id"].tolist() == ["No.5", "No.8"]
    assert mv["change"].round(3).tolist() == [0.2, -0.1]
    assert labels("ja")["incomparable"].format(n=len(excluded)).startswith("比較できない項目 1 件を除外")
    assert labels("en")["incomparable"].format(n=len(excluded)).startswith("1 items that do not compare")
    assert T.movers(items, 2024, 2025, 8)["item_id"].tolist()[0] == "No.7"  # what it would have shown


def test_level_trends_across_a_relevelled_item_get_a_caveat(home, tmp_path, capsys):
    run(capsys, "--version", "2.3", "--file", str(write_form(tmp_path / "b.xlsx", "2.3", levels={"No.5": "Lv1"})))
    respondents = pd.DataFrame({"sector": "auto", "year": [2024, 2025], "respondent_key": ["a", "b"],
                                "template_version": ["auto-v2.2", "auto-v2.3"]})
    data = ReportData("auto", [2024, 2025], pd.DataFrame(), respondents, pd.DataFrame(), None)
    assert T.relevelled_items(data) == ["No.5"]
    same = ReportData("auto", [2024], pd.DataFrame(), respondents.iloc[:1], pd.DataFrame(), None)
    assert T.relevelled_items(same) == []


def test_submissions_on_an_imported_version_score_on_its_levels(home, tmp_path, capsys):
    """The issue's done-when: import v2.3 with No.5 moved Lv2 → Lv1, ingest a submission whose title says
    Ver.2.3, score. The company achieved every item but No.5, so on v2.3's levels Lv1 is 50 of 51 items
    and Lv2 73 of 73 (on v2.2's it would be Lv1 50/50 and Lv2 73/74)."""
    from tests.handmade import auto_rows, write_auto

    form = write_form(tmp_path / "v23.xlsx", "2.3", levels={"No.5": "Lv1"})
    assert run(capsys, "--version", "2.3", "--file", str(form))[0] == 0
    raw = tmp_path / "raw"
    write_auto(raw / "company.xlsx", rows=auto_rows(lambda n: "未達成" if n == 5 else "達成"), version="Ver.2.3")
    store = home / "data" / "processed"
    assert main(["ingest", "--sector", "auto", "--year", "2025", "--raw", str(raw), "--store", str(store)]) == 0
    assert main(["score", "--store", str(store)]) == 0
    respondents = pd.read_parquet(store / "respondents")
    assert respondents["template_version"].tolist() == ["auto-v2.3"]
    s = pd.read_parquet(store / "scores")
    levels = s[s["framework"].eq("level")].set_index("node_id")
    assert levels.loc["Lv1", "n_items"] == 51 and levels.loc["Lv2", "n_items"] == 73
    assert levels.loc["Lv1", "score"] == pytest.approx(50 / 51)
    assert levels.loc["Lv2", "score"] == 1.0
    assert levels.loc["Lv1+", "score"] == 1.0  # 50/51 = 98% reaches the 90% threshold


def test_each_respondent_is_scored_on_the_levels_of_the_version_it_answered(home, tmp_path, capsys):
    """One answer sheet (every item achieved but No.5), once on v2.2 and once on the imported v2.3 where No.5
    is Lv1: v2.2 gives Lv1 50/50 and Lv2 73/74, v2.3 gives Lv1 50/51 and Lv2 73/73."""
    from pipeline.scoring.respondent import score_store_tables

    assert run(capsys, "--version", "2.3", "--file", str(write_form(tmp_path / "v23.xlsx", "2.3",
                                                                     levels={"No.5": "Lv1"})))[0] == 0
    ids = [f"No.{n}" for n in range(1, 154)]
    sheet = pd.DataFrame({"sector": "auto", "year": 2025, "item_id": ids,
                          "answer": ["not_implemented" if i == "No.5" else "implemented" for i in ids]})
    responses = pd.concat([sheet.assign(respondent_key="old", template_version="auto-v2.2"),
                           sheet.assign(respondent_key="new", template_version="auto-v2.3")], ignore_index=True)
    s = score_store_tables(responses)
    lv = s[s["framework"].eq("level")].set_index(["respondent_key", "node_id"])
    assert lv.loc[("old", "Lv1"), "score"] == 1.0 and lv.loc[("old", "Lv2"), "score"] == pytest.approx(73 / 74)
    assert lv.loc[("new", "Lv1"), "score"] == pytest.approx(50 / 51) and lv.loc[("new", "Lv2"), "score"] == 1.0
    assert lv.loc[("new", "Lv1"), "n_items"] == 51 and lv.loc[("old", "Lv1"), "n_items"] == 50
    # CSF 2.0 is unaffected by a level: both score the same on GV.RR (No.5 feeds GV.RR-04 in both)
    csf = s[s["framework"].eq("csf2") & s["node_id"].eq("GV.RR")].set_index("respondent_key")["score"]
    assert csf["old"] == csf["new"]



def test_a_new_item_without_csf2_targets_counts_for_its_level_only(home, tmp_path, capsys):
    """v2.3 drops No.153 (Lv2) and adds No.154 (Lv3): the import lists both, leaves No.154's CSF 2.0 targets
    empty and says so; a sheet on v2.3 then has 73 Lv2 and 30 Lv3 items, No.154 reaching no CSF 2.0 node."""
    from pipeline.scoring.respondent import score_store_tables

    items = catalogs.auto_items()
    rows = [[lvl, text, int(i[3:]), "分類", "条件"] for i, lvl, text in
            zip(items["item_id"], items["level"], items["text_ja"], strict=True) if i != "No.153"]
    rows.append(["Lv3", "新しい要求事項", 154, "分類", "条件"])
    code, out, err = run(capsys, "--version", "2.3", "--file", str(write_form(tmp_path / "f.xlsx", "2.3", rows=rows)))
    assert code == 0, err
    assert "153 items: Lv1 50 / Lv2 73 / Lv3 30" in out
    assert "new 1 (No.154)" in out and "removed 1 (No.153)" in out
    assert "no CSF 2.0 targets or domain for new items No.154" in out
    mapping = comparability("auto", "auto-v2.2", "auto-v2.3").set_index("item_id")
    sides = ["change", "level_from", "level_to", "comparable"]
    assert mapping.loc["No.154", sides].tolist() == ["new", "", "Lv3", False]
    assert mapping.loc["No.153", sides].tolist() == ["removed", "Lv2", "", False]

    ids = [f"No.{n}" for n in range(1, 153)] + ["No.154"]
    answers = ["not_implemented" if i == "No.154" else "implemented" for i in ids]
    sheet = pd.DataFrame({"sector": "auto", "year": 2025, "respondent_key": "k", "template_version": "auto-v2.3",
                          "item_id": ids, "answer": answers})
    s = score_store_tables(sheet).set_index(["framework", "node_id"])
    assert s.loc[("level", "Lv3"), "n_items"] == 30 and s.loc[("level", "Lv3"), "score"] == pytest.approx(29 / 30)
    assert s.loc[("level", "Lv2"), "n_items"] == 73 and s.loc[("level", "Lv2"), "score"] == 1.0
    assert s.loc[("level", "All"), "n_items"] == 153
    assert (s.loc["csf2", "score"].dropna() == 1.0).all()  # No.154, the one gap, feeds no CSF 2.0 node
    links = item_map("auto", "auto-v2.3")
    assert sorted(map(tuple, links.loc[links["item_id"].eq("No.154"), ["framework", "node_id"]].to_numpy())) == \
        [("level", "All"), ("level", "Lv3")]


def test_a_report_across_an_imported_version_says_what_it_left_out(home, tmp_path, capsys):
    """End to end as an association would: import the official v2.2 and v2.3 forms (No.7 reworded, No.5
    re-levelled), synthesise FY2024 (v2.2) and FY2025 (v2.3), ingest, score, report. The movers figure and
    table say one item was excluded, and the level trend carries the re-levelling caveat."""
    import re

    from pipeline.report.run import run_report
    from tests.stores import build_store

    run(capsys, "--version", "2.2", "--file", str(write_form(tmp_path / "a.xlsx", "2.2")))
    run(capsys, "--version", "2.3", "--file", str(write_form(tmp_path / "b.xlsx", "2.3", levels={"No.5": "Lv1"},
                                                               texts={"No.7": NO7_V23})))
    store = build_store(tmp_path / "e2e", [("auto", 2024, "workbooks", 30), ("auto", 2025, "workbooks", 30)])
    versions = pd.read_parquet(store / "respondents").groupby("year")["template_version"].unique()
    assert list(versions[2024]) == ["auto-v2.2"] and "auto-v2.3" in versions[2025]  # (a few late forms stay v2.2)
    result = run_report("auto", None, store, out=tmp_path / "reports", figures=tmp_path / "figures")
    page = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", result.html[0].read_text(encoding="utf-8"))
    assert "比較できない項目 1 件を除外" in page
    assert "版の間でレベルが変わった項目 1 件を含む" in page
    assert "スコアは各版の全項目から計算" not in page  # function trends no longer include what does not compare
    functions = pd.read_excel(result.tables[0], sheet_name="機能別", header=None, engine="openpyxl")
    assert "比較できない項目 1 件を除外" in functions.iloc[1, 0]  # function trends score on comparable items
    movers = pd.read_excel(result.tables[0], sheet_name="変化の大きい項目", header=None, engine="openpyxl")
    assert movers.iloc[1, 0].startswith("比較できない項目 1 件を除外")  # the note under the title, as Excel shows it
    listed = movers.iloc[4:, 0].dropna().tolist()  # 項目番号, under the header row
    assert movers.iloc[3, 0] == "項目番号" and listed and "No.7" not in listed
    levels = pd.read_excel(result.tables[0], sheet_name="レベル到達", header=None, engine="openpyxl")
    assert "版の間でレベルが変わった項目 1 件を含む" in levels.iloc[1, 0]


def test_a_version_imported_in_between_later_does_not_break_the_direct_mapping(home, tmp_path, capsys):
    """v2.5 imported first (mapped from v2.3), then v2.4: v2.3 → v2.5 still reads the import's own mapping,
    and the v2.4 import says v2.5 follows without a mapping from it."""
    code, _, err = run(capsys, "--version", "2.5", "--file", str(write_form(tmp_path / "e.xlsx", "2.5")))
    assert code == 0, err
    code, out, err = run(capsys, "--version", "2.4", "--file", str(write_form(tmp_path / "d.xlsx", "2.4")))
    assert code == 0, err
    assert "auto-v2.5 follows: its mapping from auto-v2.4 was not re-derived" in out
    assert len(comparability("auto", "auto-v2.3", "auto-v2.5")) == 153
    with pytest.raises(KeyError, match="no comparability mapping comparability/auto-v2.4__auto-v2.5.csv"):
        comparability("auto", "auto-v2.4", "auto-v2.5")


# ---- the reviewer's faults (issue #13): forms with hidden parts, retired items, dropdowns, two-row headers ----

def shipped_rows(levels: dict[int, str] | None = None) -> list[tuple[int, str, str, str]]:
    """(number, level, text, domain_id) of the shipped catalog, with ``levels`` changed by number."""
    items = catalogs.auto_items()
    return [(int(i[3:]), (levels or {}).get(int(i[3:]), lvl), text, d)
            for i, lvl, text, d in zip(items["item_id"], items["level"], items["text_ja"], items["domain_id"],
                                       strict=True)]


def write_book(path: Path, version: str, header: list[str | None], rows: list[list[object]], *,
               upper: list[str | None] | None = None, hidden_columns: tuple[str, ...] = (),
               hidden_rows: tuple[int, ...] = (), dropdown: tuple[str, str] | None = None,
               lists: dict[str, list[str]] | None = None, dated: str | None = "2025年9月1日 改訂",
               example_first: list[list[object]] | None = None) -> Path:
    """A blank form with the header at row 6 (over rows 6 and 7 when ``upper`` is given), items under it;
    ``dropdown`` = (answer column letter, list formula), ``lists`` = other sheets holding option lists."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "チェックシート"
    ws["A1"] = f"自動車産業サイバーセキュリティガイドライン チェックシート Ver.{version}"
    if dated:
        ws["A2"] = dated
    top = 6
    if upper:
        for c, label in enumerate(upper, start=1):
            if label:
                ws.cell(top, c, label)
        top += 1
    for c, label in enumerate(header, start=1):
        if label:
            ws.cell(top, c, label)
    for r, row in enumerate(rows, start=top + 1):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, value)
    for letter in hidden_columns:
        ws.column_dimensions[letter].hidden = True
    for r in hidden_rows:
        ws.row_dimensions[r].hidden = True
    if dropdown:
        dv = DataValidation(type="list", formula1=dropdown[1], allow_blank=True)
        dv.add(f"{dropdown[0]}{top + 1}:{dropdown[0]}{top + len(rows)}")
        ws.add_data_validation(dv)
    for name, options in (lists or {}).items():
        sheet = wb.create_sheet(name)
        for r, option in enumerate(options, start=1):
            sheet.cell(r, 1, option)
    if example_first:
        example = wb.create_sheet("チェックシート(記入例)", 0)
        for c, label in enumerate(header, start=1):
            example.cell(6, c, label)
        for r, row in enumerate(example_first, start=7):
            for c, value in enumerate(row, start=1):
                example.cell(r, c, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def test_a_hidden_level_column_left_of_the_visible_one_is_not_read(home, tmp_path, capsys):
    """Old levels kept in a hidden column B, the form's levels in C (No.5 Lv2 → Lv1): C is read."""
    rows = [[n, old, new, text] for (n, old, text, _), (_, new, _, _) in
            zip(shipped_rows(), shipped_rows({5: "Lv1"}), strict=True)]
    form = write_book(tmp_path / "f.xlsx", "2.3", ["No.", "レベル", "レベル", "要求事項"], rows, hidden_columns=("B",))
    code, out, err = run(capsys, "--version", "2.3", "--file", str(form))
    assert code == 0, err
    assert "153 items: Lv1 51 / Lv2 73 / Lv3 29" in out and "re-levelled 1 (No.5)" in out
    tmpl = yaml.safe_load((home / "catalogs" / "templates" / "auto-v2.3.yaml").read_text(encoding="utf-8"))
    assert tmpl["checklist"]["columns"] == ["No.", "レベル", "要求事項"]  # the hidden column is not the form's


@pytest.mark.parametrize(("header", "row", "message"), [
    (["No.", "レベル", "レベル", "要求事項"], lambda n, lvl, text: [n, lvl, lvl, text],
     "sheet 'チェックシート': columns B (レベル) and C (レベル) both read as level"),
    (["No.", "項目", "要求事項", "レベル"], lambda n, lvl, text: [n, 1, text, lvl],
     "sheet 'チェックシート': columns B (項目) and C (要求事項) both read as requirement"),
])
def test_two_visible_columns_for_one_role_are_refused_naming_both(home, tmp_path, capsys, header, row, message):
    rows = [row(n, lvl, text) for n, lvl, text, _ in shipped_rows()]
    code, _, err = run(capsys, "--version", "2.3", "--file", str(write_book(tmp_path / "f.xlsx", "2.3", header, rows)))
    assert code == 1
    assert err.strip().splitlines()[-1] == f"sdw instrument import: refused: {message}: hide or delete the one " \
        "that is not the form's"
    assert not (home / "catalogs").exists() or not list((home / "catalogs").rglob("*v2.3*"))


def test_hidden_rows_and_retired_items_are_skipped_listed_and_removed(home, tmp_path, capsys):
    """No.153 retired on the form (旧No.153（v2.3で削除）, level -) and a hidden row under it: 152 live items
    (No.153 was Lv2), the summary lists both rows, and the mapping shows No.153 removed."""
    rows = [[n, lvl, text] for n, lvl, text, _ in shipped_rows() if n != 153]
    rows[0][2] = "削除したデータを復元できる手順を定めている"  # a live item that speaks of deleting
    rows.append(["旧No.153（v2.3で削除）", "-", "(v2.3で削除)"])  # header row 6, 152 items in rows 7-158: row 159
    rows.append([154, "Lv1", "非表示のままの下書き項目"])  # row 160, hidden
    form = write_book(tmp_path / "f.xlsx", "2.3", ["No.", "レベル", "要求事項"], rows, hidden_rows=(160,))
    code, out, err = run(capsys, "--version", "2.3", "--file", str(form))
    assert code == 0, err
    assert "152 items: Lv1 50 / Lv2 73 / Lv3 29" in out
    assert "skipped 2 rows: No.153 (削除), row 160 (hidden)" in out
    assert "removed 1 (No.153)" in out and "new 0" in out
    mapping = comparability("auto", "auto-v2.2", "auto-v2.3").set_index("item_id")
    assert mapping.loc["No.153", ["change", "level_from", "level_to", "comparable"]].tolist() == \
        ["removed", "Lv2", "", False]
    assert "No.154" not in mapping.index
    assert mapping.loc["No.1", "change"] == "same"  # wording not compared against the shipped texts


@pytest.mark.parametrize(("dropdown", "lists", "answers"), [
    (('"達成,未達成,対象外"'), None, {"implemented": "達成", "not_implemented": "未達成", "not_applicable": "対象外"}),
    ("選択肢!$A$1:$A$3", {"選択肢": ["〇", "✕", "該当なし"]},
     {"implemented": "〇", "not_implemented": "✕", "not_applicable": "該当なし"}),
])
def test_the_answer_dropdown_becomes_the_versions_answers(home, tmp_path, capsys, dropdown, lists, answers):
    rows = [[n, lvl, text, None] for n, lvl, text, _ in shipped_rows()]
    form = write_book(tmp_path / "f.xlsx", "2.4", ["No.", "レベル", "要求事項", "回答"], rows,
                      dropdown=("D", dropdown), lists=lists, dated="2026年4月1日 改訂")
    code, out, err = run(capsys, "--version", "2.4", "--file", str(form))
    assert code == 0, err
    said = ", ".join(f"{text} → {canonical}" for canonical, text in answers.items())
    assert f"answers from the form's dropdown: {said}" in out
    tmpl = yaml.safe_load((home / "catalogs" / "templates" / "auto-v2.4.yaml").read_text(encoding="utf-8"))
    assert tmpl["answers"] == answers
    assert tmpl["checklist"]["answer_column"] == "回答"


def add_x14_list(path: Path, formula: str, sqref: str) -> None:
    """Add a list validation as Excel 2010+ writes one that points at another sheet: in the sheet's extLst
    (openpyxl neither writes nor reads it)."""
    ext = ('<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
           '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
           f'<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>{formula}</xm:f></x14:formula1>'
           f'<xm:sqref>{sqref}</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>')
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"</worksheet>", ext.encode("utf-8") + b"</worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_a_dropdown_on_another_sheet_kept_where_excel_2010_writes_it_is_read(home, tmp_path, capsys):
    rows = [[n, lvl, text, None] for n, lvl, text, _ in shipped_rows()]
    form = write_book(tmp_path / "f.xlsx", "2.4", ["No.", "レベル", "要求事項", "回答"], rows,
                      lists={"選択肢": ["達成済み", "未達", "非該当"]}, dated="2026年4月1日 改訂")
    add_x14_list(form, "選択肢!$A$1:$A$3", "D7:D159")  # header row 6, 153 items in rows 7-159
    code, out, err = run(capsys, "--version", "2.4", "--file", str(form))
    assert code == 0, err
    assert "answers from the form's dropdown: 達成済み → implemented, 未達 → not_implemented, 非該当 → not_applicable" \
        in out
    tmpl = yaml.safe_load((home / "catalogs" / "templates" / "auto-v2.4.yaml").read_text(encoding="utf-8"))
    assert tmpl["answers"] == {"implemented": "達成済み", "not_implemented": "未達", "not_applicable": "非該当"}


def test_a_dropdown_option_the_vocabulary_does_not_know_is_refused(home, tmp_path, capsys):
    rows = [[n, lvl, text, None] for n, lvl, text, _ in shipped_rows()]
    form = write_book(tmp_path / "f.xlsx", "2.4", ["No.", "レベル", "要求事項", "回答"], rows,
                      dropdown=("D", '"達成,一部達成,未達成"'), dated="2026年4月1日 改訂")
    code, _, err = run(capsys, "--version", "2.4", "--file", str(form))
    assert code == 1
    assert "refused: answer option '一部達成' of the form's dropdown is not in the auto vocabulary" in err
    assert not (home / "catalogs").exists() or not list((home / "catalogs").rglob("*v2.4*"))


def test_without_a_dropdown_the_previous_versions_answers_are_kept_and_said(home, tmp_path, capsys):
    rows = [[n, lvl, text, None] for n, lvl, text, _ in shipped_rows()]
    form = write_book(tmp_path / "f.xlsx", "2.4", ["No.", "レベル", "要求事項", "回答"], rows,
                      dated="2026年4月1日 改訂")
    code, out, err = run(capsys, "--version", "2.4", "--file", str(form))
    assert code == 0, err
    assert "answers from auto-v2.3 (the form has no dropdown): 達成 → implemented, 未達成 → not_implemented, " \
        "対象外 → not_applicable" in out
    tmpl = yaml.safe_load((home / "catalogs" / "templates" / "auto-v2.4.yaml").read_text(encoding="utf-8"))
    assert tmpl["answers"] == {"implemented": "達成", "not_implemented": "未達成", "not_applicable": "対象外"}


def test_synth_and_ingest_run_on_an_imported_version_with_a_two_row_header_and_a_new_item(home, tmp_path, capsys):
    """v2.4 (published 2026-04-01): 項番, レベル区分 and 分類 over two header rows (labels synth must place by
    their role), 回答 under 自己評価, No.153 replaced by a new No.154 that has no domain yet. FY2026
    synthesises on v2.4 and ingests as v2.4."""
    rows = [[n, lvl, "", text, "記録で確認できること", None, None] for n, lvl, text, _ in shipped_rows() if n != 153]
    rows.append([154, "Lv3", "", "新しい要求事項", "記録で確認できること", None, None])
    lower = [None, None, None, "要求事項", "達成条件", "回答", "未達成時の対応予定"]
    form = write_book(tmp_path / "f.xlsx", "2.4", lower, rows,
                      upper=["項番", "レベル区分", "分類", "チェック項目", None, "自己評価", None],
                      dropdown=("F", '"達成,未達成,対象外"'), dated="2026年4月1日 改訂")
    code, out, err = run(capsys, "--version", "2.4", "--file", str(form))
    assert code == 0, err
    assert "header row 7" in out and "new 1 (No.154)" in out
    tmpl = yaml.safe_load((home / "catalogs" / "templates" / "auto-v2.4.yaml").read_text(encoding="utf-8"))
    assert tmpl["checklist"]["columns"] == \
        ["項番", "レベル区分", "分類", "要求事項", "達成条件", "回答", "未達成時の対応予定"]
    items = pd.read_csv(home / "catalogs" / tmpl["items"], dtype=str, keep_default_na=False).set_index("item_id")
    assert items.loc["No.154", "domain_id"] == ""

    raw, store = tmp_path / "raw", tmp_path / "store"
    assert main(["synth", "--sector", "auto", "--year", "2026", "--n", "20", "--out", str(raw), "--clean",
                 "--workers", "1"]) == 0
    assert main(["ingest", "--sector", "auto", "--year", "2026", "--raw", str(raw), "--store", str(store)]) == 0
    respondents = pd.read_parquet(store / "respondents")
    assert len(respondents) == 20 and set(respondents["template_version"]) == {"auto-v2.4"}
    responses = pd.read_parquet(store / "responses")
    assert "No.154" in set(responses["item_id"]) and "No.153" not in set(responses["item_id"])
    assert responses.groupby("respondent_key").size().eq(153).all()

    messy = tmp_path / "messy"  # layout drift, answer variants and bad files on the imported layout too
    assert main(["synth", "--sector", "auto", "--year", "2026", "--n", "20", "--out", str(messy),
                 "--workers", "1"]) == 0
    assert main(["ingest", "--sector", "auto", "--year", "2026", "--raw", str(messy), "--store",
                 str(tmp_path / "store2")]) == 0
    assert "auto-v2.4" in set(pd.read_parquet(tmp_path / "store2" / "respondents")["template_version"])


def test_a_form_without_a_date_keeps_the_known_publication_date(home, tmp_path, capsys):
    """The shipped provisional v2.3 says published 2025-09-01; an undated v2.3 form keeps it, so FY2025 still
    synthesises on v2.3."""
    from pipeline.synth.auto import template_for_year

    rows = [[n, lvl, text] for n, lvl, text, _ in shipped_rows()]
    form = write_book(tmp_path / "f.xlsx", "2.3", ["No.", "レベル", "要求事項"], rows, dated=None)
    code, out, err = run(capsys, "--version", "2.3", "--file", str(form))
    assert code == 0, err
    assert "published: 2025-09-01 (from the known auto-v2.3 template)" in out
    tmpl = yaml.safe_load((home / "catalogs" / "templates" / "auto-v2.3.yaml").read_text(encoding="utf-8"))
    assert tmpl["published"] == dt.date(2025, 9, 1)
    assert template_for_year(2025) == "auto-v2.3"


def test_a_new_version_without_any_date_is_refused_until_given_one(home, tmp_path, capsys):
    rows = [[n, lvl, text] for n, lvl, text, _ in shipped_rows()]
    form = write_book(tmp_path / "f.xlsx", "2.4", ["No.", "レベル", "要求事項"], rows, dated=None)
    code, _, err = run(capsys, "--version", "2.4", "--file", str(form))
    assert code == 1
    assert err.strip().splitlines()[-1] == "sdw instrument import: refused: auto-v2.4: the form writes no " \
        "publication date and none is known: give --published YYYY-MM-DD"
    assert not (home / "catalogs").exists() or not list((home / "catalogs").rglob("*v2.4*"))
    code, out, err = run(capsys, "--version", "2.4", "--file", str(form), "--published", "2026-04-01")
    assert code == 0, err
    assert "published: 2026-04-01 (from --published)" in out


def test_a_sample_sheet_placed_first_is_not_read(home, tmp_path, capsys):
    """「チェックシート(記入例)」 comes first and has every item at Lv3: the real sheet's levels are read."""
    rows = [[n, lvl, text] for n, lvl, text, _ in shipped_rows()]
    example = [[n, "Lv3", text] for n, _, text, _ in shipped_rows()]
    form = write_book(tmp_path / "f.xlsx", "2.3", ["No.", "レベル", "要求事項"], rows, example_first=example)
    code, out, err = run(capsys, "--version", "2.3", "--file", str(form))
    assert code == 0, err
    assert "(sheet 'チェックシート', header row 6): 153 items: Lv1 50 / Lv2 74 / Lv3 29" in out


def test_function_trends_score_every_year_on_the_items_that_compare(home, tmp_path, capsys):
    """GV.SC-05 has 7 automotive items (No.6, No.7, No.37, No.44, No.76, No.79, No.135). A company that
    achieved every item but No.7 scores 6/7 on it; across a v2.2 and a v2.3 year where No.7 was reworded,
    the trend leaves No.7 out of both years: 6/6 = 1.0, with 6 applicable items."""
    run(capsys, "--version", "2.2", "--file", str(write_form(tmp_path / "a.xlsx", "2.2")))
    run(capsys, "--version", "2.3", "--file", str(write_form(tmp_path / "b.xlsx", "2.3", texts={"No.7": NO7_V23})))
    items = [f"No.{n}" for n in range(1, 154)]
    respondents = pd.DataFrame({"sector": "auto", "year": [2024, 2025], "respondent_key": ["a", "b"],
                                "template_version": ["auto-v2.2", "auto-v2.3"]})
    responses = pd.DataFrame({"sector": "auto", "year": [2024] * 153 + [2025] * 153,
                              "respondent_key": ["a"] * 153 + ["b"] * 153, "item_id": items * 2,
                              "answer": ["not_implemented" if i == "No.7" else "implemented" for i in items] * 2})
    scores = pd.DataFrame({"sector": "auto", "year": [2024, 2025], "respondent_key": ["a", "b"], "framework": "csf2",
                           "node_id": "GV.SC-05", "score": 6 / 7, "n_items": 7, "n_applicable": 7})
    responses = responses[~(responses["respondent_key"].eq("b") & responses["item_id"].eq("No.7"))]  # b's form lacks it
    data = ReportData("auto", [2024, 2025], scores, respondents, responses, None)
    assert T.trend_excluded_items(data) == ["No.7"]
    got = T.comparable_scores(data)
    sc05 = got[got["framework"].eq("csf2") & got["node_id"].eq("GV.SC-05")].set_index("respondent_key")
    assert sc05["score"].tolist() == [1.0, 1.0]  # not 6/7 for b: a row left off is not completed as missing
    assert sc05["n_applicable"].tolist() == [6, 6] and sc05["n_items"].tolist() == [6, 6]  # no N/A share added
    same = ReportData("auto", [2024], scores.iloc[:1], respondents.iloc[:1], responses.iloc[:153], None)
    assert T.comparable_scores(same) is same.scores  # one version: the stored scores as they are
