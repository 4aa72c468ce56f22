"""A sector is data: a made-up fourth sector, written only as catalog files in a project's catalogs/ folder
(its sectors.yaml entry, its items CSV and its template), is ingested and scored with no code change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from pipeline import catalogs, corporate_number
from pipeline.ingest import ingest
from pipeline.scoring import score_store

SHIPPED = catalogs.SHIPPED_DIR

# 水道 (water utilities): four items, each addressing one CSF 2.0 subcategory of our choosing.
ITEMS = """item_id,domain,text_ja,text_en,csf2
No.1,統制,情報セキュリティ方針を定めている,Has a security policy,GV.PO-01
No.2,資産,制御機器の台帳を整備している,Keeps an inventory of control devices,ID.AM-01
No.3,防御,共有アカウントを使っていない,Uses no shared accounts,PR.AA-01
No.4,防御,職員に年1回の教育を行っている,Trains staff once a year,PR.AT-01
"""

SECTOR = {
    "name": {"ja": "水道", "en": "Water"},
    "help": "水道事業者 自己点検表 (made up for this test)",
    "items": "water_items.csv",
    "segment": "size_band",
    "weight_cells": ["size_band"],
    "peer_attribute": "size_band",
    "frameworks": ["csf2"],
    "headline": {"csf2": ["GV", "ID", "PR", "DE", "RS", "RC"]},
    "header_roles": ["no", "answer", "domain"],
    "item_key": "number",
    "synth": {"universe": "generic", "answers": "calibrated", "layout": "form", "default_n": {2025: 10},
              "growth": 0, "first_year": 2025, "seed_code": 9, "survey_opens": [10, 1], "file_stem": "点検表_",
              "ext": ".xlsx", "zip_share": 0.0},
}

TEMPLATE = {
    "template_version": "water-2025", "version": "2025", "sector": "water", "instrument": "自己点検表",
    "items": "water_items.csv", "provisional": True, "published": dt.date(2025, 4, 1), "files": [".xlsx"],
    "answers": {"implemented": "できている", "partial": "一部できている", "not_implemented": "できていない",
                "not_applicable": "該当しない"},
    "cover": {"sheet": "表紙", "labels": {"company_name": "事業者名", "corporate_number": "法人番号",
                                          "employees": "従業員数", "answered_on": "回答日"}},
    "checklist": {"sheet": "点検表", "columns": ["No.", "分類", "点検項目", "回答"]},
}


@pytest.fixture
def water_project(tmp_path, monkeypatch):
    """A project whose catalogs/ adds the water sector: sectors.yaml (the shipped entries plus one), the items
    and the template. Nothing else: no vocabulary entry, no code."""
    folder = tmp_path / "project" / "catalogs"
    (folder / "templates").mkdir(parents=True)
    shipped = yaml.safe_load((SHIPPED / "sectors.yaml").read_text(encoding="utf-8"))
    (folder / "sectors.yaml").write_text(yaml.safe_dump({**shipped, "water": SECTOR}, allow_unicode=True),
                                         encoding="utf-8")
    (folder / "water_items.csv").write_text(ITEMS, encoding="utf-8")
    (folder / "templates" / "water-2025.yaml").write_text(yaml.safe_dump(TEMPLATE, allow_unicode=True),
                                                          encoding="utf-8")
    monkeypatch.setenv("SDW_HOME", str(tmp_path / "project"))
    catalogs.refresh()
    yield tmp_path
    monkeypatch.delenv("SDW_HOME")
    catalogs.refresh()


def checklist(path: Path, company: str, number: str, employees: int, answers: list[str]) -> None:
    """A member's workbook as the template lays it out: a cover and one row per item."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "表紙"
    for row in (["事業者名", company], ["法人番号", number], ["従業員数", employees], ["回答日", "2025-10-15"]):
        cover.append(row)
    sheet = wb.create_sheet("点検表")
    sheet.append(["No.", "分類", "点検項目", "回答"])
    for i, (domain, text, answer) in enumerate(zip(["統制", "資産", "防御", "防御"],
                                                   ["方針", "台帳", "アカウント", "教育"], answers, strict=True), 1):
        sheet.append([i, domain, text, answer])
    wb.save(path)


def test_a_sector_added_as_catalog_files_is_ingested_and_scored(water_project):
    assert "water" in catalogs.sectors()
    raw = water_project / "raw"
    raw.mkdir()
    # 東和水道: 方針 できている (1), 台帳 一部できている (0.5), アカウント できていない (0), 教育 できている (1)
    checklist(raw / "点検表_東和水道.xlsx", "東和水道株式会社", corporate_number.make("100000000001"), 40,
              ["できている", "一部できている", "できていない", "できている"])
    # 北辰水道: every item できている, 教育 該当しない (not applicable: left out of its node)
    checklist(raw / "点検表_北辰水道.xlsx", "北辰水道株式会社", corporate_number.make("100000000002"), 250,
              ["できている", "できている", "できている", "該当しない"])
    store = water_project / "store"
    got = ingest("water", 2025, raw, store, workers=1, progress=False)
    assert got.counts.get("ingested") == 2, got.counts

    answers = pd.read_parquet(store / "responses")
    assert sorted(answers["answer"]) == sorted(["implemented"] * 5 + ["partial", "not_implemented",
                                                                       "not_applicable"])
    respondents = pd.read_parquet(store / "respondents")
    file_of = dict(zip(respondents["respondent_key"], respondents["source_path"].str.removeprefix("点検表_")
                       .str.removesuffix(".xlsx"), strict=True))
    by_file = respondents.set_index(respondents["respondent_key"].map(file_of))
    assert by_file.loc["東和水道", "size_band"] == "〜100人"  # 40 employees
    assert by_file.loc["北辰水道", "size_band"] == "101〜300人"  # 250
    assert set(respondents["template_version"]) == {"water-2025"}

    score_store(store)
    scores = pd.read_parquet(store / "scores")
    csf2 = scores[scores["framework"].eq("csf2")].assign(member=lambda s: s["respondent_key"].map(file_of))
    functions = csf2[csf2["node_id"].isin(["GV", "ID", "PR", "DE"])].pivot(
        index="member", columns="node_id", values="score")
    # 東和: GV 1, ID 0.5, PR (0 + 1) / 2 = 0.5; no item reaches DE: not assessed
    assert functions.loc["東和水道", ["GV", "ID", "PR"]].tolist() == [1.0, 0.5, 0.5]
    # 北辰: PR.AT-01 not applicable, so PR is its one applicable item: 1
    assert functions.loc["北辰水道", ["GV", "ID", "PR"]].tolist() == [1.0, 1.0, 1.0]
    assert functions["DE"].isna().all()
    assert set(scores["framework"]) == {"csf2"}  # its sectors.yaml frameworks: no level, ★ or CSF 1.1


def test_a_file_of_the_new_sector_in_another_sectors_folder_is_refused_as_wrong_sector(water_project):
    raw = water_project / "raw"
    raw.mkdir()
    checklist(raw / "点検表_東和水道.xlsx", "東和水道株式会社", corporate_number.make("100000000001"), 40,
              ["できている"] * 4)
    got = ingest("auto", 2025, raw, water_project / "store", workers=1, progress=False)
    assert got.counts.get("quarantined") == 1
    manifest = pd.read_parquet(water_project / "store" / "manifest")
    assert manifest["reason"].tolist() == ["wrong_sector"]


def test_the_new_sectors_report_words_come_from_its_catalog_files(water_project):
    """The report's name of the sector, its scoring rule in its own form's words and its notes need no label."""
    from pipeline.report import style
    from pipeline.report.context import ReportContext, mapping_note
    from pipeline.report.data import segment_names

    ja = style.labels("ja")
    assert ja["sector"]["water"] == "水道"
    assert style.rules_text(ja, ["water"], "90%").startswith(
        "回答は「できている」=1、「一部できている」=0.5、「できていない」・未回答・判読不能・記載なし=0 として採点し、"
        "「該当しない」は分母から除きます。")
    assert style.rule_line(ja, ["water"], 5).startswith(
        "採点: 実施=1、一部実施=0.5、未実施・未回答=0、該当なしは除外。")
    assert mapping_note("water", ja) == ""  # no mapping note written for it: none shown
    ctx = ReportContext.build("water", "csf11", "en")
    assert (ctx.framework, ctx.framework_label, ctx.requested) == ("csf2", "NIST CSF 2.0", "csf11")
    assert segment_names("water", "en")["〜100人"] == "1–100"  # size bands in English, as size_bands.yaml names them


def test_a_new_sectors_words_about_its_scoring_are_read_from_its_own_entry(water_project):
    """What a report says of one sector's scoring (the rules sentence, the deck's bullet, the caveat under its
    figures) is written in the sector's sectors.yaml entry: adding the sector touches no labels file."""
    from pipeline.report import style
    from pipeline.report.context import mapping_note

    folder = water_project / "project" / "catalogs"
    entries = yaml.safe_load((folder / "sectors.yaml").read_text(encoding="utf-8"))
    entries["water"]["report_words"] = {
        "ja": {"rules_sector": "水道の点検項目の CSF 2.0 への対応付けは本プロジェクト独自です。",
               "rules_slide": ["CSF 2.0 への対応付け{at}: 本プロジェクト独自"],
               "mapping_note": "水道の CSF 2.0 対応付けは本プロジェクト独自"},
        "en": {"rules_sector": "Water items are mapped to CSF 2.0 by this project.",
               "rules_slide": ["CSF 2.0 mapping{at}: this project's own"],
               "mapping_note": "Water items are mapped to CSF 2.0 by this project"}}
    (folder / "sectors.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    catalogs.refresh()

    ja, en = style.labels("ja"), style.labels("en")
    assert style.rules_text(ja, ["water"], "90%").endswith(
        " 水道の点検項目の CSF 2.0 への対応付けは本プロジェクト独自です。")
    assert mapping_note("water", ja) == "水道の CSF 2.0 対応付けは本プロジェクト独自"
    assert mapping_note("water", en) == "Water items are mapped to CSF 2.0 by this project"
    assert en["rules_slide"]["sector"]["water"] == ["CSF 2.0 mapping{at}: this project's own"]
    # the shipped sectors keep theirs
    assert mapping_note("auto", en) == "Automotive items are mapped to CSF 2.0 by this project"


WATER_TYPES = """code,name_ja,name_en,has_facilities,short_ja
BULK,水道用水供給事業者,Bulk water supply,true,用水供給
SUPPLY,水道事業者,Water supply,true,上水道
"""


def test_each_sector_reads_business_types_from_its_own_catalog(water_project):
    """A sector's 事業区分 vocabulary is the file its sectors.yaml entry names: water's names read as water's
    codes, power's words mean nothing to water, and a sector without a file (automotive) knows none."""
    from pipeline.ingest.attributes import business_types
    from pipeline.ingest.quarantine import business_types_ja
    from pipeline.report.tables import segment_order

    folder = water_project / "project" / "catalogs"
    (folder / "water_business_types.csv").write_text(WATER_TYPES, encoding="utf-8")
    shipped = yaml.safe_load((folder / "sectors.yaml").read_text(encoding="utf-8"))
    shipped["water"]["business_types"] = "water_business_types.csv"
    (folder / "sectors.yaml").write_text(yaml.safe_dump(shipped, allow_unicode=True), encoding="utf-8")
    catalogs.refresh()

    assert business_types("水道用水供給事業者、上水道", "water") == (["BULK", "SUPPLY"], [])
    assert business_types("発電事業者", "water") == ([], ["発電事業者"])
    assert business_types("発電事業者", "power") == (["GENERATION"], [])
    assert business_types("発電事業者", "auto") == ([], ["発電事業者"])
    assert catalogs.business_type_codes("auto") == []
    assert business_types_ja("SUPPLY BULK", "water") == "水道事業者、水道用水供給事業者"
    assert business_types_ja("GENERATION", "power") == "発電事業者"
    assert segment_order()["business_types"][-2:] == ["BULK", "SUPPLY"]  # after power's, in water's file order


def test_every_shipped_sector_has_the_words_its_report_prints_about_its_scoring():
    """A report prints, per sector, how its items reach CSF 2.0 and what its scoring adds (its sectors.yaml entry's
    ``report_words``: ``rules_sector``, the deck's ``rules_slide``; for a sector mapped to CSF 2.0 by the project,
    not through NIST's CSF 1.1 crosswalk, the caveat ``mapping_note``). A shipped sector without them would print a
    page with no caveat and no rules line, silently: this fails instead, naming what is missing."""
    from pipeline.report.style import labels

    missing = []
    for lang in ("ja", "en"):
        words = labels(lang)
        for sector, info in catalogs.sectors().items():
            if sector not in words["rules_sector"]:
                missing.append(f"{lang} rules_sector.{sector}")
            if sector not in words["rules_slide"]["sector"]:
                missing.append(f"{lang} rules_slide.sector.{sector}")
            if "csf2" in info["frameworks"] and "csf11" not in info["frameworks"] and sector not in words[
                    "mapping_note"]:
                missing.append(f"{lang} mapping_note.{sector}")
    assert missing == []
