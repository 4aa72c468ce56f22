"""The ★ scheme table as data: a revised table in the project's catalogs/ folder changes the scores, is named in
the provenance, and is checked by ``sdw instrument scheme`` (docs/scheme.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipeline import catalogs
from pipeline.cli import main
from pipeline.freshness import scoring_code_digest
from pipeline.publish.provenance import scheme_stamp
from pipeline.report.scheme_names import scheme_names
from pipeline.scoring.readiness import respondent_readiness
from pipeline.scoring.respondent import score_store_tables
from pipeline.scoring.scheme import check_scheme
from tests.test_scoring import responses

SHIPPED = catalogs.SHIPPED_DIR


def _copy_csv(name: str, to: Path, change=lambda row: row) -> None:
    rows = [change(dict(r)) for r in catalogs.read_records(name)]
    to.mkdir(parents=True, exist_ok=True)
    with open(to / name, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(r for r in rows if r is not None)


def _revised(folder: Path, cite: str = "No.12") -> None:
    """The shipped table, revised: criterion 1-2-1-3 cites ``cite`` instead of No.15, dated 2026-04-21 (No.15 and
    No.12 are cited by no other criterion)."""
    _copy_csv("scs_criteria.csv", folder,
              lambda r: {**r, "jama_items": cite} if r["criterion_id"] == "1-2-1-3" else r)
    _copy_csv("scs_requirements.csv", folder)
    meta = (SHIPPED / "scs_scheme.yaml").read_text(encoding="utf-8")
    (folder / "scs_scheme.yaml").write_text(
        meta.replace("source_table_date: 2026-03", "version: 2026-04-21\nsource_table_date: 2026-04"), "utf-8")


def _star3(answers: dict[str, str]):
    scores = score_store_tables(responses("auto", answers))
    return scores.set_index("node_id")["score"], respondent_readiness(scores, 3).iloc[0]


def test_a_revised_table_in_the_project_changes_the_scores_and_the_provenance(tmp_path, monkeypatch):
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    answers = {"No.15": "not_implemented"}  # cited by ★3 requirement 1-2-1 in the shipped table only
    score, ready = _star3(answers)
    assert score["3:1-2-1"] == 0.0 and score["★3+"] == 0.0 and ready["distance"] == 1
    assert scheme_stamp(["auto"]) == "2026-03 (shipped)" and scheme_stamp(["power"]) == ""

    _revised(tmp_path / "catalogs")
    score, ready = _star3(answers)
    assert score["3:1-2-1"] == 1.0 and score["★3+"] == 1.0 and ready["distance"] == 0
    score, ready = _star3({"No.12": "not_implemented"})  # now cited by 1-2-1 instead
    assert score["3:1-2-1"] == 0.0 and ready["unmet"] == ("1-2-1",)
    assert scheme_stamp(["auto"]) == "2026-04-21, 2026-04 (project)"
    report = check_scheme()
    assert report.problems == [] and report.info["origin"] == "project"
    # ★3 criteria cite 43 items in the shipped table: No.12 replaces No.15, still 43
    assert report.counts[3] == {"requirements": 26, "judgeable": 21, "unjudgeable": 5, "criteria": 81, "items": 43}


def test_the_shipped_table_passes_the_check_with_its_counts(capsys):
    assert main(["instrument", "scheme"]) == 0
    out = capsys.readouterr().out
    assert "table 2026-03 (shipped)" in out
    assert "★3: 26 requirements (21 judgeable from the checklist, 5 not: 3-1-2, 4-1-2, 4-1-3, 4-1-4, 4-4-1)" in out
    assert "★4: 43 requirements (36 judgeable" in out


def test_a_criterion_citing_an_unknown_item_is_a_problem_and_exit_status_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    _revised(tmp_path / "catalogs", cite="No.999")
    assert main(["instrument", "scheme"]) == 1
    err = capsys.readouterr().err
    assert "problem: scs: criterion 1-2-1-3 cites unknown item No.999" in err


def test_a_truncated_table_is_caught_by_its_declared_counts(tmp_path, monkeypatch):
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    _revised(tmp_path / "catalogs")
    _copy_csv("scs_criteria.csv", tmp_path / "catalogs", lambda r: None if r["criterion_id"] == "7-1-1-1" else r)
    problems = check_scheme().problems
    assert "scs: criteria 152, the 2026-04 table has 153" in problems


@pytest.mark.parametrize("missing", ["jama_items"])
def test_a_table_without_a_documented_column_is_refused_before_it_is_read(tmp_path, monkeypatch, missing):
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    _revised(tmp_path / "catalogs")
    _copy_csv("scs_criteria.csv", tmp_path / "catalogs", lambda r: {k: v for k, v in r.items() if k != missing})
    problems = check_scheme().problems
    assert len(problems) == 1 and problems[0].startswith(f"scs_criteria.csv: no column {missing} (")


def test_a_half_replaced_table_is_refused_and_its_stamp_names_each_origin(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    _copy_csv("scs_criteria.csv", tmp_path / "catalogs",
              lambda r: {**r, "jama_items": "No.12"} if r["criterion_id"] == "1-2-1-3" else r)
    assert main(["instrument", "scheme"]) == 1
    err = capsys.readouterr().err
    assert "problem: scs: the table mixes the project's and the shipped files (scs_scheme.yaml shipped (" in err
    assert f"scs_criteria.csv project ({tmp_path / 'catalogs' / 'scs_criteria.csv'})" in err
    assert ("put all three of scs_scheme.yaml, scs_requirements.csv, scs_criteria.csv in the project's catalogs/ "
            "folder together, or none") in err
    # the stamp no longer says "(project)" of a table two thirds shipped
    assert scheme_stamp(["auto"]) == ("2026-03 (project: scs_criteria.csv; "
                                      "shipped: scs_requirements.csv, scs_scheme.yaml)")


def _without_english(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.endswith("_en")}


def test_a_table_without_english_names_is_valid_and_english_outputs_fall_back_to_japanese(tmp_path, monkeypatch):
    """An association's revised table has only the documented columns: it passes the check, and an English
    report prints the Japanese names rather than blanks; the shipped table's English names are ours."""
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    assert scheme_names("en").loc["1-2-1"].tolist() == ["Roles, responsibilities and authorities",
                                                         "Security promotion function"]
    _revised(tmp_path / "catalogs")
    _copy_csv("scs_requirements.csv", tmp_path / "catalogs", _without_english)
    assert "requirement_name_en" not in (tmp_path / "catalogs" / "scs_requirements.csv").read_text("utf-8")
    assert check_scheme().problems == []
    assert scheme_names("en").loc["1-2-1"].tolist() == ["役割、責任、権限", "セキュリティ推進活動部門"]
    # one English name given, the other cell empty: that one in English, the rest in Japanese
    _copy_csv("scs_requirements.csv", tmp_path / "catalogs",
              lambda r: {**r, "requirement_name_en": "Security office" if r["requirement_id"] == "1-2-1" else ""})
    names = scheme_names("en")
    assert names.at["1-2-1", "requirement_name"] == "Security office"
    assert names.at["1-2-3", "requirement_name"] == "守秘義務のルール"
    assert scheme_names("ja").at["1-2-1", "requirement_name"] == "セキュリティ推進活動部門"


def test_english_names_leave_the_scores_fresh_a_japanese_name_does_not(tmp_path):
    """The English columns only name things: adding or rewording them keeps the scoring digest (sdw report does
    not ask for sdw score); the same table's Japanese name is still part of it (the check can fail)."""
    folder = tmp_path / "catalogs"
    _copy_csv("scs_requirements.csv", folder, _without_english)
    bare = scoring_code_digest(folder)
    _copy_csv("scs_requirements.csv", folder)
    assert scoring_code_digest(folder) == bare
    _copy_csv("scs_requirements.csv", folder,
              lambda r: {**r, "requirement_name_en": "Reworded"} if r["requirement_id"] == "1-1-1" else r)
    assert scoring_code_digest(folder) == bare
    _copy_csv("scs_requirements.csv", folder,
              lambda r: {**r, "requirement_name": "社内規程"} if r["requirement_id"] == "1-1-1" else r)
    assert scoring_code_digest(folder) != bare
