"""``sdw check``: a hand-built store that keeps the contract passes; each hand-broken invariant is refused.

The store below is typed by hand (one power company of FY2024 answering two items, one ZIP it came in,
an earlier submission it superseded, a corrupt file, a roster of two members), written straight to
Parquet without the store's own validation, so a test can break exactly one rule. Every expected
message is typed here from the rule, not produced by running the checker first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import cli
from pipeline.check import check_store

SECRET = b"test-secret-key"  # conftest sets SDW_SECRET_KEY to this
NUMBER = "7000012050002"  # a valid 法人番号
# HMAC-SHA256 of "cn:7000012050002" under SECRET, first 32 hex digits (the respondent key rule)
K1 = "73e0d7cbb2f36c0cf535579e16d78270"
K2 = "4bd145474928feae51fc77e1e7819ab5"  # the same rule for 2000012010019: a member who did not answer
# HMAC-SHA256 of "sdw store key fingerprint v1" under SECRET, first 32 hex digits
FINGERPRINT = "7a7d8b16629e0996302186641d0563ad"
SHA = "ab" * 32
MEMBER = "提出.zip!診断票.xlsm"


def _manifest() -> pd.DataFrame:
    base = dict(sector="power", year=2024, sha256=SHA, detail="", flags="", n_items=0, n_invalid=0,
                n_unanswered=0, warnings="", sheet="")
    rows = [
        dict(base, source_path="提出.zip", status="ingested", reason="", respondent_key="", template_version="",
             kind="archive"),
        dict(base, source_path=MEMBER, status="ingested", reason="", respondent_key=K1,
             template_version="power-2024", kind="member", n_items=2, flags="missing_items",
             sheet="チェックシート"),  # 2 of power-2024's 108 items
        dict(base, source_path="旧版.xlsm", status="superseded", reason="superseded", respondent_key=K1,
             template_version="power-2024", kind="file", n_items=2, detail=f"superseded by {MEMBER}"),
        dict(base, source_path="壊れた.xlsx", status="quarantined", reason="corrupt", respondent_key="",
             template_version="", kind="file"),
    ]
    return pd.DataFrame(rows)


def _tables() -> dict[str, pd.DataFrame]:
    respondents = pd.DataFrame([dict(
        sector="power", year=2024, respondent_key=K1, identity_basis="corporate_number",
        template_version="power-2024", submitted_on=pd.Timestamp("2024-10-01"), source_path=MEMBER,
        size_band="〜100人", business_types="GENERATION", main_business_type="GENERATION", employees=80.0,
        member_org=None, industry=None, target_level=None)])
    responses = pd.DataFrame([
        dict(sector="power", year=2024, respondent_key=K1, item_id="ID.AM-1", answer_raw="実施している",
             answer="implemented", score=1.0, source_path=MEMBER, sheet="チェックシート", cell="H6"),
        dict(sector="power", year=2024, respondent_key=K1, item_id="ID.AM-2", answer_raw="該当しない",
             answer="not_applicable", score=np.nan, source_path=MEMBER, sheet="チェックシート", cell="H7"),
    ])
    identities = pd.DataFrame([dict(sector="power", year=2024, respondent_key=K1,
                                    identity_basis="corporate_number", company_name="テスト電力株式会社",
                                    corporate_number=NUMBER)])
    quarantine = pd.DataFrame([
        dict(sector="power", year=2024, source_path="旧版.xlsm", status="superseded", reason="superseded",
             company_name="テスト電力株式会社", corporate_number=NUMBER, problem_ja="", action_ja="", detail=""),
        dict(sector="power", year=2024, source_path="壊れた.xlsx", status="quarantined", reason="corrupt",
             company_name="", corporate_number="", problem_ja="", action_ja="", detail=""),
    ])
    roster = pd.DataFrame([
        dict(sector="power", year=2024, respondent_key=K1, identity_basis="corporate_number",
             company_name="テスト電力株式会社", corporate_number=NUMBER, business_types="GENERATION",
             main_business_type="GENERATION", size_band="〜100人", member_org=None, industry=None,
             target_level=None, responded=True),
        dict(sector="power", year=2024, respondent_key=K2, identity_basis="corporate_number",
             company_name="未回答電力株式会社", corporate_number="2000012010019", business_types="RETAIL",
             main_business_type="RETAIL", size_band="〜100人", member_org=None, industry=None,
             target_level=None, responded=False),
    ])
    scores = pd.DataFrame([
        dict(sector="power", year=2024, respondent_key=K1, framework="csf11", node_id="ID.AM-1", score=1.0,
             n_items=1, n_applicable=1),
        dict(sector="power", year=2024, respondent_key=K1, framework="csf11", node_id="ID.AM-2", score=np.nan,
             n_items=1, n_applicable=0),
        dict(sector="power", year=2024, respondent_key=K1, framework="csf2", node_id="ID", score=1.0,
             n_items=2, n_applicable=1),
        dict(sector="power", year=2024, respondent_key=K1, framework="cpsf", node_id="CPS.AM", score=1.0,
             n_items=1, n_applicable=1),
    ])
    return {"manifest": _manifest(), "respondents": respondents, "responses": responses,
            "identities": identities, "quarantine": quarantine, "roster": roster, "scores": scores}


def _write(store: Path, tables: dict[str, pd.DataFrame], fingerprint: str | None = FINGERPRINT) -> Path:
    store.mkdir(parents=True)
    for name, frame in tables.items():
        frame.to_parquet(store / name, index=False)
    if fingerprint is not None:
        (store / "key_fingerprint.json").write_text(json.dumps(
            {"fingerprint": fingerprint, "algorithm": "hmac-sha256", "label": "sdw store key fingerprint v1"}))
    return store


def test_a_hand_built_store_that_keeps_the_contract_passes_with_its_key(tmp_path, capsys):
    store = _write(tmp_path / "s", _tables())
    result = check_store(store, SECRET)
    assert result.lines() == []
    assert result.sizes == {"manifest": 4, "respondents": 1, "responses": 2, "identities": 1, "quarantine": 2,
                            "roster": 2, "scores": 4}
    assert cli.main(["check", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith("keeps its contract (manifest 4, respondents 1, responses 2, identities 1, "
                                "quarantine 2, roster 2, scores 4)")
    assert "breach" not in out


def _set(table: str, row: int, column: str | list[str], value: object) -> Callable[[dict], None]:
    def change(t: dict[str, pd.DataFrame]) -> None:
        t[table].loc[row, column] = value
    return change


def _drop(table: str, row: int | None = None, column: str | None = None) -> Callable[[dict], None]:
    def change(t: dict[str, pd.DataFrame]) -> None:
        if column is not None:
            t[table] = t[table].drop(columns=[column])
        elif row is not None:
            t[table] = t[table].drop(index=row).reset_index(drop=True)
        else:
            del t[table]
    return change


def _repeat(table: str, row: int) -> Callable[[dict], None]:
    def change(t: dict[str, pd.DataFrame]) -> None:
        t[table] = pd.concat([t[table], t[table].iloc[[row]]], ignore_index=True)
    return change


def _add_column(table: str, column: str) -> Callable[[dict], None]:
    def change(t: dict[str, pd.DataFrame]) -> None:
        t[table][column] = "x"
    return change


# (rule, what is broken, the change, the breach expected (and what it entails, where it must), typed from the rule)
BROKEN = [
    ("tables", "a table is missing", _drop("identities"), "identities: missing (every ingest writes it)"),
    ("tables", "a column is missing", _drop("responses", column="cell"), "responses: missing columns cell"),
    ("tables", "a column outside a strict table", _add_column("manifest", "company_name"),
     "manifest: columns outside the contract: company_name"),
    ("values", "an answer that is not canonical", _set("responses", 0, "answer", "done"),
     "responses: 1 rows with an answer outside the contract: 'done'"),
    ("values", "an unregistered sector", _set("quarantine", 1, "sector", "gas"),
     ["quarantine: 1 rows with a sector (catalogs/sectors.yaml) outside the contract: 'gas'",
      # the corrupt file's row of the clerk's list is now another sector's
      "quarantine: 1 quarantined or superseded files of the manifest are not in the quarantine table: '壊れた.xlsx'"]),
    ("values", "a status outside the three", _set("manifest", 3, "status", "failed"),
     "manifest: 1 rows with a status outside the contract: 'failed'"),
    ("values", "a flag that is no code", _set("manifest", 1, "flags", "missing_items odd_flag"),
     "manifest: 1 flags that are not codes of catalogs/reasons.yaml: 'odd_flag'"),
    ("values", "a cell not in A1 notation", _set("responses", 1, "cell", "R7C8"),
     "responses: 1 rows with a cell not in A1 notation: 'R7C8'"),
    ("values", "an item the template version does not have", _set("responses", 1, "item_id", "GV.OC-01"),
     "responses: 1 answers to items that power-2024 does not have: 'GV.OC-01'"),
    ("values", "a respondent key that is not 32 hex digits", _set("scores", 0, "respondent_key", "ABC"),
     ["scores: 1 rows whose respondent_key is not 32 hex digits: 'ABC'",
      "scores: 1 respondent keys with scores but not in respondents"]),
    ("values", "a score above 1", _set("scores", 0, "score", 1.5),
     "scores: 1 rows with a score outside [0, 1]: '1.5'"),
    ("values", "a score for a node with nothing applicable", _set("scores", 1, "score", 0.0),
     "scores: 1 rows with a score but no applicable item (a node with none is not assessed: NaN)"),
    ("values", "more applicable items than items", _set("scores", 2, "n_applicable", 3),
     "scores: 1 rows with more applicable items than items (n_applicable > n_items)"),
    ("values", "a node the framework lacks", _set("scores", 2, "node_id", "XX"),
     "scores: 1 csf2 scores at nodes csf2 does not have: 'XX'"),
    ("values", "a framework the sector is not scored on",
     _set("scores", 0, ["framework", "node_id"], ["level", "Lv1"]),
     "scores: 1 power scores in frameworks the sector is not scored on: 'level'"),
    ("manifest", "a file listed twice", _repeat("manifest", 3),
     "manifest: 1 files listed more than once in one sector and year: '壊れた.xlsx'"),
    ("manifest", "a quarantined file without a reason", _set("manifest", 3, "reason", " "),
     ["manifest: 1 quarantined or superseded files without a reason: '壊れた.xlsx'",
      "quarantine: 1 rows whose reason is not the manifest's: 'corrupt'"]),
    ("manifest", "a reason that is no code", _set("manifest", 3, "reason", "broken"),
     ["manifest: 1 quarantined files whose reason is not a code of catalogs/reasons.yaml: 'broken'",
      "quarantine: 1 rows whose reason is not the manifest's: 'corrupt'"]),
    ("manifest", "an ingested file with a reason", _set("manifest", 1, "reason", "corrupt"),
     "manifest: 1 ingested files with a quarantine reason (flags go in the flags column): 'corrupt'"),
    ("manifest", "a member without its archive", _drop("manifest", row=0),
     "manifest: 1 archive members or export rows whose archive or export is not in the manifest: "
     "'提出.zip!診断票.xlsm'"),
    ("manifest", "a member under a row that is not an archive", _set("manifest", 0, "kind", "file"),
     "manifest: 1 archive members or export rows under a row that is not an opened archive or export: "
     "'提出.zip!診断票.xlsm'"),
    ("manifest", "an archive with a respondent key", _set("manifest", 0, "respondent_key", K1),
     "manifest: 1 archives or exports with a respondent_key: '提出.zip'"),
    ("manifest", "an ingested submission without a template version", _set("manifest", 1, "template_version", ""),
     ["manifest: 1 ingested submissions without a template_version: '提出.zip!診断票.xlsm'",
      "respondents: 1 respondents whose template_version differs from their file's in the manifest"]),
    ("manifest", "a quarantined file missing from the clerk's list", _drop("quarantine", row=1),
     "quarantine: 1 quarantined or superseded files of the manifest are not in the quarantine table: '壊れた.xlsx'"),
    ("keys", "answers of nobody", _set("responses", 1, "respondent_key", K2),
     ["responses: 1 respondent keys with answers but not in respondents",
      # the respondent's file counted 2 answers; 1 is left
      "responses: 1 respondents whose answers in responses are not their file's n_items in the manifest: '1 of 2'"]),
    ("keys", "a respondent without answers", lambda t: t.update(responses=t["responses"].iloc[0:0]),
     "respondents: 1 respondents without a single answer in responses"),
    ("keys", "a respondent answering twice to one item", _repeat("responses", 0),
     ["responses: 1 rows repeat (sector, year, respondent_key, item_id)",
      "responses: 1 respondents whose answers in responses are not their file's n_items in the manifest: '3 of 2'"]),
    ("keys", "answers from another file than the respondent's", _set("responses", 0, "source_path", "旧版.xlsm"),
     "responses: 1 answers' source_path is not their respondent's"),
    ("keys", "a respondent's version unlike its file's", _set("manifest", 1, "template_version", "power-2025"),
     "respondents: 1 respondents whose template_version differs from their file's in the manifest"),
    ("keys", "an identity of nobody", _set("identities", 0, "year", 2023),
     ["identities: 1 respondents without an identity row", "identities: 1 identity rows of no respondent"]),
    ("keys", "a roster that says a member answered who did not", _set("roster", 1, "responded", True),
     "roster: 1 members whose responded flag disagrees with respondents"),
    ("keys", "scores of nobody", _set("scores", 0, "respondent_key", K2),
     "scores: 1 respondent keys with scores but not in respondents"),
    ("keys", "a score repeated", _repeat("scores", 0),
     "scores: 1 rows repeat (sector, year, respondent_key, framework, node_id)"),
    ("values", "an ingested file without its sha256", _set("manifest", 1, "sha256", ""),
     "manifest: 1 ingested files without a sha256: '提出.zip!診断票.xlsm'"),
    ("values", "a size band no form has", _set("respondents", 0, "size_band", "中堅"),
     "respondents: 1 rows with a size band (catalogs/size_bands.yaml) outside the contract: '中堅'"),
    ("values", "a business type that is no code", _set("respondents", 0, "business_types", "GENERATION GAS"),
     "respondents: 1 business types that are not codes of power_business_types.csv: 'GAS'"),
    ("values", "a node with applicable items but no score", _set("scores", 0, "score", np.nan),
     "scores: 1 rows with applicable items but no score (NaN only where n_applicable is 0)"),
    ("manifest", "the clerk's list giving another reason", _set("quarantine", 1, "reason", "encrypted"),
     "quarantine: 1 rows whose reason is not the manifest's: 'encrypted'"),
    ("answers", "a respondent that lost an answer", _drop("responses", row=1),
     "responses: 1 respondents whose answers in responses are not their file's n_items in the manifest: '1 of 2'"),
    ("answers", "an invalid answer the manifest did not count", _set("responses", 0, ["answer", "score"],
                                                                     ["invalid", 0.0]),
     "responses: 1 respondents whose invalid answers in responses are not their file's n_invalid in the "
     "manifest: '1 of 0'"),
    ("answers", "an unanswered count the answers do not show", _set("manifest", 1, "n_unanswered", 1),
     "responses: 1 respondents whose unanswered items in responses are not their file's n_unanswered in the "
     "manifest: '0 of 1'"),
    ("answers", "fewer items than the form without missing_items", _set("manifest", 1, "flags", ""),
     "manifest: 1 ingested submissions whose n_items is not their form's item count (nor flagged "
     "missing_items): '2 of 108'"),
    ("answers", "an answer's score unlike its points", _set("responses", 0, "score", 0.5),
     "responses: 1 answers whose score is not the points of their answer (catalogs/scoring.yaml): "
     "'implemented scored 0.5'"),
    ("answers", "a not-applicable answer with a score", _set("responses", 1, "score", 0.0),
     "responses: 1 answers whose score is not the points of their answer (catalogs/scoring.yaml): "
     "'not_applicable scored 0'"),
    ("answers", "answers from another sheet than the file's", _set("responses", 0, "sheet", "前年度"),
     "responses: 1 respondents whose answers' sheet is not their file's sheet in the manifest: '前年度'"),
    ("answers", "a respondent missing a framework of its sector", _drop("scores", row=3),
     "scores: 1 respondents of scored sector-years without a framework their sector is scored on: 'cpsf'"),
]


@pytest.mark.parametrize(("rule", "broken", "change", "expected"), BROKEN, ids=[b[1] for b in BROKEN])
def test_one_hand_broken_invariant_is_refused_with_its_message(tmp_path, rule, broken, change, expected):
    tables = _tables()
    change(tables)
    result = check_store(_write(tmp_path / "s", tables), SECRET)
    assert result.lines() == ([expected] if isinstance(expected, str) else expected), broken
    assert result.breaches[0].rule == rule


def test_a_superseded_file_whose_respondent_is_gone_is_refused_with_every_consequence(tmp_path):
    """Removing the one respondent breaks four joins at once: each is said, none hides another."""
    tables = _tables()
    tables["respondents"] = tables["respondents"].iloc[0:0]
    result = check_store(_write(tmp_path / "s", tables), SECRET)
    assert result.lines() == [
        "manifest: 1 ingested submissions whose respondent is not in respondents",
        "manifest: 1 superseded files whose respondent has no ingested submission",
        "responses: 1 respondent keys with answers but not in respondents",
        "identities: 1 identity rows of no respondent",
        "roster: 1 members whose responded flag disagrees with respondents",
        "scores: 1 respondent keys with scores but not in respondents",
    ]


def test_the_store_must_name_its_key_and_the_key_must_be_the_one_at_hand(tmp_path):
    missing = check_store(_write(tmp_path / "a", _tables(), fingerprint=None), SECRET)
    assert missing.lines() == ["key_fingerprint.json: missing: the store holds respondent keys but does not name "
                               "the key they were made with"]
    other = check_store(_write(tmp_path / "b", _tables()), b"another-key")
    # another-key's fingerprint begins 13f1c0e60e6a; the store's 7a7d8b16629e
    assert other.lines() == ["key_fingerprint.json: names another key than the one at hand (store 7a7d8b16629e…, "
                             "key 13f1c0e60e6a…)"]
    malformed = check_store(_write(tmp_path / "c", _tables(), fingerprint="not-a-digest"), SECRET)
    assert malformed.lines() == ["key_fingerprint.json: fingerprint is not 32 hex digits: 'not-a-digest'"]
    without_key = check_store(_write(tmp_path / "d", _tables()), None)
    assert without_key.lines() == []


def test_a_key_that_does_not_give_the_stored_respondent_key_is_refused(tmp_path):
    tables = _tables()
    tables["identities"].loc[0, "corporate_number"] = "1000011000005"  # another valid 法人番号
    result = check_store(_write(tmp_path / "s", tables), SECRET)
    assert result.lines() == ["identities: 1 respondent keys are not what the store's key gives for their 法人番号 "
                              "or name"]


def test_the_command_lists_each_breach_and_exits_1(tmp_path, capsys):
    tables = _tables()
    tables["responses"].loc[0, "answer"] = "done"
    tables["manifest"].loc[3, "reason"] = ""
    store = _write(tmp_path / "s", tables)
    assert cli.main(["check", "--store", str(store)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["breach: responses: 1 rows with an answer outside the contract: 'done'",
                       "breach: manifest: 1 quarantined or superseded files without a reason: '壊れた.xlsx'",
                       "breach: quarantine: 1 rows whose reason is not the manifest's: 'corrupt'"]
    assert out[-1].startswith(f"sdw check: {store}: 3 breach(es)")


def test_an_unscored_store_is_a_note_not_a_breach(tmp_path):
    tables = _tables()
    del tables["scores"]
    result = check_store(_write(tmp_path / "s", tables), SECRET)
    assert result.lines() == []
    assert result.notes == ["no scores table yet (run `sdw score`)"]


def test_an_empty_store_folder_says_run_ingest_in_one_line(tmp_path, capsys):
    store = tmp_path / "processed"
    store.mkdir()
    assert cli.main(["check", "--store", str(store)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [f"breach: store: {store} holds no store yet: run `sdw ingest` first",
                   f"sdw check: {store}: 1 breach(es)"]
