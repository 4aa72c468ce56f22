"""Each respondent is scored on its own template version's catalog: a project's re-levelled v2.3 (written
here, as `sdw instrument import` would) moves the level denominators of v2.3 submissions only."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pipeline import catalogs
from pipeline.ingest import ingest
from pipeline.scoring.run import score_store
from tests.handmade import auto_rows, write_auto

SHIPPED = catalogs.SHIPPED_DIR
NOT_ACHIEVED = {1, 2, 3, 4, 8}  # shipped Lv1 items (No.1 is Lv1 in the shipped catalog)
NOT_APPLICABLE = {9, 11}  # shipped Lv1 items too


def _answer(n: int) -> str:
    return "未達成" if n in NOT_ACHIEVED else "対象外" if n in NOT_APPLICABLE else "達成"  # No.5 達成


def _project_v23(home: Path) -> None:
    """A project catalog for v2.3 where No.5 moves Lv2 → Lv1 and No.1 moves Lv1 → Lv2 (still 50/74/29)."""
    root = home / "catalogs"
    (root / "templates").mkdir(parents=True)
    text = (SHIPPED / "templates" / "auto-v2.3.yaml").read_text(encoding="utf-8")
    (root / "templates" / "auto-v2.3.yaml").write_text(text.replace("provisional: true", "provisional: false"),
                                                       encoding="utf-8")
    with open(SHIPPED / "auto-v2.3_items.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    moved = {"No.5": "Lv1", "No.1": "Lv2"}
    with open(root / "auto-v2.3_items.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=[*rows[0], "condition_ja"])  # an extra column is allowed
        w.writeheader()
        w.writerows({**r, "level": moved.get(r["item_id"], r["level"]), "condition_ja": "条件"} for r in rows)


def test_a_project_v2_3_catalog_scores_v2_3_submissions_on_its_levels_and_v2_2_on_the_shipped(tmp_path, monkeypatch):
    monkeypatch.setenv("SDW_HOME", str(tmp_path / "home"))
    _project_v23(tmp_path / "home")
    raw = tmp_path / "raw"
    for version, number in (("Ver.2.2", "7000012050002"), ("Ver.2.3", "1010001000006")):
        write_auto(raw / f"{version}.xlsx", rows=auto_rows(_answer), version=version,
                   cover={"法人番号": number, "会社名": f"株式会社{version}", "回答日": dt.date(2025, 10, 15)})
    store = tmp_path / "store"
    ingest("auto", 2025, raw, store, workers=1, progress=False)
    score_store(store)

    versions = pd.read_parquet(store / "respondents").set_index("respondent_key")["template_version"]
    scores = pd.read_parquet(store / "scores")
    level = scores[scores["framework"].eq("level")].assign(version=lambda d: d["respondent_key"].map(versions))
    got = level.set_index(["version", "node_id"])
    # v2.3 (project): Lv1 = shipped Lv1 − No.1 + No.5 = 50 items, 48 applicable (No.9, No.11 対象外),
    # not achieved No.2, 3, 4, 8 → 44/48; Lv2 = 74 items with No.1 (未達成) → 73/74.
    assert got.loc[("auto-v2.3", "Lv1"), ["n_items", "n_applicable"]].tolist() == [50, 48]
    assert got.loc[("auto-v2.3", "Lv1"), "score"] == pytest.approx(44 / 48)
    assert got.loc[("auto-v2.3", "Lv2"), "score"] == pytest.approx(73 / 74)
    assert got.loc[("auto-v2.3", "Lv1+"), "score"] == 1.0  # 91.7% ≥ 90%
    # v2.2 (shipped): No.1 is Lv1 and not achieved → 43/48, below 90%; Lv2 all achieved.
    assert got.loc[("auto-v2.2", "Lv1"), ["n_items", "n_applicable"]].tolist() == [50, 48]
    assert got.loc[("auto-v2.2", "Lv1"), "score"] == pytest.approx(43 / 48)
    assert got.loc[("auto-v2.2", "Lv2"), "score"] == 1.0
    assert got.loc[("auto-v2.2", "Lv1+"), "score"] == 0.0


def test_without_the_project_catalog_v2_3_scores_on_the_shipped_levels(tmp_path, monkeypatch):
    monkeypatch.setenv("SDW_HOME", str(tmp_path / "home"))
    write_auto(tmp_path / "raw" / "a.xlsx", rows=auto_rows(_answer), version="Ver.2.3",
               cover={"回答日": dt.date(2025, 10, 15)})
    ingest("auto", 2025, tmp_path / "raw", tmp_path / "store", workers=1, progress=False)
    scores = score_store(tmp_path / "store").scores.set_index(["framework", "node_id"])
    assert scores.loc[("level", "Lv1"), "score"] == pytest.approx(43 / 48)
    assert scores.loc[("level", "Lv2"), "score"] == 1.0


def test_an_item_only_the_project_v2_3_lists_is_kept_for_v2_3_and_flagged_for_v2_2(tmp_path, monkeypatch):
    monkeypatch.setenv("SDW_HOME", str(tmp_path / "home"))
    _project_v23(tmp_path / "home")
    items = tmp_path / "home" / "catalogs" / "auto-v2.3_items.csv"
    with open(items, "a", encoding="utf-8", newline="") as fh:
        fh.write("No.154,Lv3,D24,新しい要求事項,GV.PO-01,ours,条件\n")
    extra = [154, "Lv3", "分類", "要求事項", "条件", "未達成", None, None]
    for version, number in (("Ver.2.2", "7000012050002"), ("Ver.2.3", "1010001000006")):
        write_auto(tmp_path / "raw" / f"{version}.xlsx", rows=[*auto_rows(), extra], version=version,
                   cover={"法人番号": number, "回答日": dt.date(2025, 10, 15)})
    ingest("auto", 2025, tmp_path / "raw", tmp_path / "store", workers=1, progress=False)
    manifest = pd.read_parquet(tmp_path / "store" / "manifest").set_index("template_version")
    responses = pd.read_parquet(tmp_path / "store" / "responses")
    assert manifest.loc["auto-v2.2", "flags"] == "unknown_items"
    assert manifest.loc["auto-v2.3", "flags"] == ""
    assert responses.loc[responses["item_id"].eq("No.154"), "answer"].tolist() == ["not_implemented"]
    scores = score_store(tmp_path / "store").scores
    lv3 = scores[scores["framework"].eq("level") & scores["node_id"].eq("Lv3")].set_index("respondent_key")
    versions = pd.read_parquet(tmp_path / "store" / "respondents").set_index("template_version")["respondent_key"]
    assert lv3.loc[versions["auto-v2.3"], ["score", "n_items"]].tolist() == [pytest.approx(29 / 30), 30]
    assert lv3.loc[versions["auto-v2.2"], ["score", "n_items"]].tolist() == [1.0, 29]


def test_report_item_texts_follow_the_newest_version_the_respondents_used(tmp_path, monkeypatch):
    from pipeline.report.data import ReportData

    monkeypatch.setenv("SDW_HOME", str(tmp_path / "home"))
    _project_v23(tmp_path / "home")
    items = tmp_path / "home" / "catalogs" / "auto-v2.3_items.csv"
    items.write_text(items.read_text(encoding="utf-8").replace(
        "No.1,Lv2,D01,経営層がセキュリティ方針を定め社内に示している", "No.1,Lv2,D01,公式の文言", 1), encoding="utf-8")
    respondents = pd.DataFrame({"sector": "auto", "year": [2024, 2025, 2025], "respondent_key": ["a", "b", "c"],
                                "template_version": ["auto-v2.2", "auto-v2.2", "auto-v2.3"]})
    data = ReportData("auto", [2024, 2025], pd.DataFrame(), respondents, pd.DataFrame(), None)
    assert data.item_texts(2025)["No.1"] == "公式の文言"
    assert data.item_texts(2024)["No.1"] == "経営層がセキュリティ方針を定め社内に示している"
    assert data.item_texts(2025)["No.2"] == "セキュリティ方針を定期的に見直している"


def _add_item(home, number: int) -> None:
    """An item only the project's v2.3 lists."""
    with open(home / "catalogs" / "auto-v2.3_items.csv", "a", encoding="utf-8", newline="") as fh:
        fh.write(f"No.{number},Lv3,D24,新しい要求事項,GV.PO-01,ours,条件\n")


def _forms_with_item(raw, number: int) -> None:
    """Two Ver.2.3 submissions answering item ``number`` as well (未達成)."""
    extra = [number, "Lv3", "分類", "要求事項", "条件", "未達成", None, None]
    for name, corporate in (("a", "7000012050002"), ("b", "1010001000006")):
        write_auto(raw / f"{name}.xlsx", rows=[*auto_rows(), extra], version="Ver.2.3",
                   cover={"法人番号": corporate, "回答日": dt.date(2025, 10, 15)})


def test_worker_processes_read_the_project_catalog_the_main_process_reads(tmp_path, monkeypatch):
    """Two chunks in two forked workers: the item only the project's v2.3 lists survives packing, so the
    workers checked items and coded them with the same catalogs as the main process."""
    from pipeline.ingest import run as run_mod

    monkeypatch.setattr(run_mod, "CHUNK", 1)
    monkeypatch.setenv("SDW_HOME", str(tmp_path / "home"))
    _project_v23(tmp_path / "home")
    _add_item(tmp_path / "home", 154)
    _forms_with_item(tmp_path / "raw", 154)
    ingest("auto", 2025, tmp_path / "raw", tmp_path / "store", workers=2, progress=False)
    responses = pd.read_parquet(tmp_path / "store" / "responses")
    assert responses.loc[responses["item_id"].eq("No.154"), "answer"].tolist() == ["not_implemented"] * 2
    assert pd.read_parquet(tmp_path / "store" / "manifest")["flags"].tolist() == ["", ""]


def _ingest_cli(tmp_path, monkeypatch, capsys) -> list[str]:
    """`sdw ingest` on two v2.3 forms and one v2.2 form; the summary's lines."""
    from pipeline.cli import main

    monkeypatch.setenv("SDW_SECRET_KEY", "provisional-test")
    for name, version, number in (("a", "Ver.2.3", "7000012050002"), ("b", "Ver.2.3", "1010001000006"),
                                  ("c", "Ver.2.2", "2000012010019")):
        write_auto(tmp_path / "raw" / f"{name}.xlsx", version=version, cover={"法人番号": number})
    code = main(["ingest", "--sector", "auto", "--year", "2025", "--raw", str(tmp_path / "raw"),
                 "--store", str(tmp_path / "store")])
    assert code == 0
    return capsys.readouterr().out.splitlines()


def test_ingest_says_which_submissions_sit_on_a_provisional_catalog(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SDW_HOME", str(tmp_path / "home"))
    out = _ingest_cli(tmp_path, monkeypatch, capsys)
    assert "3 ingested, 0 quarantined, 0 superseded" in out[0]
    assert "  2 submissions on auto-v2.3, a provisional catalog: import the official form with `sdw instrument " \
           "import`" in out
    assert "  1 submission on auto-v2.2, a provisional catalog: import the official form with `sdw instrument " \
           "import`" in out


def test_an_imported_catalog_is_no_longer_called_provisional(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SDW_HOME", str(tmp_path / "home"))
    _project_v23(tmp_path / "home")  # provisional: false, as an import writes it
    out = _ingest_cli(tmp_path, monkeypatch, capsys)
    assert [line for line in out if "provisional" in line] == [
        "  1 submission on auto-v2.2, a provisional catalog: import the official form with `sdw instrument import`"]


@pytest.mark.parametrize(("versions", "lang", "caveat"), [
    # the form's version as it prints it (Ver.2.2), not the catalog's id (auto-v2.2): the caveat is on the deck
    (["auto-v2.2", "auto-v2.3"], "ja", "項目の文言・レベルの一部は、協会の公式様式を取り込むまでの"
                                       "本プロジェクトによる暫定版です(Ver.2.2の回答)。"),
    (["auto-v2.3", "auto-v2.3"], "en", ""),
    (["auto-v2.1"], "en", "Some item texts and levels are this project's provisional versions until the "
                          "association's official form is imported (answers on: Ver.2.1).")])
def test_the_report_says_when_answers_were_scored_on_a_provisional_catalog(tmp_path, monkeypatch, versions, lang,
                                                                           caveat):
    from pipeline.report.data import ReportData
    from pipeline.report.style import labels

    monkeypatch.setenv("SDW_HOME", str(tmp_path / "home"))
    _project_v23(tmp_path / "home")  # v2.3 imported (not provisional); the shipped v2.1 and v2.2 are
    respondents = pd.DataFrame({"sector": "auto", "year": 2025, "respondent_key": list("abc"[:len(versions)]),
                                "template_version": versions})
    data = ReportData("auto", [2025], pd.DataFrame(), respondents, pd.DataFrame(), None)
    assert data.provisional_caveat(labels(lang)) == caveat


@pytest.mark.parametrize(("lang", "caveat"), [
    ("ja", "項目の文言の一部は、協会の公式様式を取り込むまでの本プロジェクトによる暫定版です(2024年版の回答)。"),
    ("en", "Some item texts are this project's provisional versions until the association's official form is "
           "imported (answers on: 2024 edition).")])
def test_the_power_caveat_does_not_mention_levels_power_has_none(lang, caveat):
    from pipeline.report.data import ReportData
    from pipeline.report.style import labels

    respondents = pd.DataFrame({"sector": "power", "year": 2025, "respondent_key": ["a"],
                                "template_version": ["power-2024"]})
    data = ReportData("power", [2025], pd.DataFrame(), respondents, pd.DataFrame(), None)
    assert data.provisional_caveat(labels(lang)) == caveat


def test_a_catalog_changed_between_two_ingests_of_one_process_reaches_the_second_ones_workers(tmp_path, monkeypatch):
    """Reader processes stop looking at the catalog files (they cannot change during one ingest), but each ingest
    forks new ones after looking: an item added to the project's v2.3 between two ingests is read by the second."""
    from pipeline.ingest import run as run_mod

    monkeypatch.setattr(run_mod, "CHUNK", 1)
    monkeypatch.setenv("SDW_HOME", str(tmp_path / "home"))
    _project_v23(tmp_path / "home")
    _forms_with_item(tmp_path / "raw", 155)
    ingest("auto", 2025, tmp_path / "raw", tmp_path / "store", workers=2, progress=False)
    manifest = pd.read_parquet(tmp_path / "store" / "manifest")
    assert all("No.155" in w for w in manifest["warnings"]), manifest["warnings"].tolist()  # not in v2.3 yet
    _add_item(tmp_path / "home", 155)
    ingest("auto", 2025, tmp_path / "raw", tmp_path / "store", workers=2, progress=False)
    responses = pd.read_parquet(tmp_path / "store" / "responses")
    assert responses.loc[responses["item_id"].eq("No.155"), "answer"].tolist() == ["not_implemented"] * 2
