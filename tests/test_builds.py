"""A second demo skips ingest and scoring only when the store is what they would write again
(pipeline/builds.py): the same files, roster, code, key and rules, and no other write since."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import builds
from pipeline import ruleset as rules_mod
from pipeline.ingest import ingest
from pipeline.scoring import score_store
from tests.handmade import write_auto

KEY = b"builds-test-key"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("SDW_SECRET_KEY", KEY.decode())
    parts = []
    for year in (2023, 2024):
        raw = tmp_path / "raw" / str(year)
        write_auto(raw / "a.xlsx", cover={"回答日": f"{year}-10-01"})
        write_auto(raw / "b.xlsx", cover={"会社名": "株式会社ビー", "法人番号": "1010001000006",
                                          "回答日": f"{year}-10-02"})
        parts.append(builds.Partition("auto", year, raw))
    return tmp_path / "store", parts, tmp_path / "catalogs"


def run(store, parts, catalogs):
    """One build as the demo runs it; returns what ran, in order."""
    ran = []

    def ingest_one(part):
        ingest(part.sector, part.year, part.raw, store, workers=1, progress=False)
        ran.append(f"ingest {part.name}")

    def score():
        score_store(store)
        ran.append("score")

    builds.build(store, parts, KEY, ingest_one, score, catalogs)
    return ran


def stat(store):
    return {n: (store / n).stat().st_mtime_ns for n in ("manifest", "responses", "scores")}


def test_a_second_build_on_the_same_inputs_writes_nothing(project):
    store, parts, catalogs = project
    assert run(store, parts, catalogs) == ["ingest auto/2023", "ingest auto/2024", "score"]
    before = stat(store)
    assert run(store, parts, catalogs) == []
    assert stat(store) == before
    assert len(pd.read_parquet(store / "manifest")) == 4  # two files in each of two years


def test_a_changed_file_ingests_its_year_again_and_scores(project):
    store, parts, catalogs = project
    run(store, parts, catalogs)
    write_auto(parts[1].raw / "b.xlsx", cover={"会社名": "株式会社ビー", "法人番号": "1010001000006",
                                               "回答日": "2024-10-03"})
    assert run(store, parts, catalogs) == ["ingest auto/2024", "score"]
    got = pd.read_parquet(store / "respondents")
    assert sorted(got.loc[got["year"].eq(2024), "submitted_on"].dt.strftime("%m-%d")) == ["10-01", "10-03"]


def test_a_new_file_or_roster_counts_as_a_changed_input(project):
    store, parts, catalogs = project
    run(store, parts, catalogs)
    write_auto(parts[0].raw / "sub" / "c.xlsx",
               cover={"会社名": "株式会社シー", "法人番号": "", "回答日": "2023-10-05"})
    assert run(store, parts, catalogs) == ["ingest auto/2023", "score"]
    roster = parts[1].raw.parent / "roster.csv"
    roster.write_text("法人番号,会社名\n7000012050002,株式会社テスト精工\n", encoding="utf-8")
    with_roster = [parts[0], builds.Partition("auto", 2024, parts[1].raw, roster)]
    assert run(store, with_roster, catalogs) == ["ingest auto/2024", "score"]


def test_changed_rules_score_again_without_ingesting(project, monkeypatch):
    store, parts, catalogs = project
    run(store, parts, catalogs)
    changed = {**rules_mod._default(), "points": {**rules_mod._default()["points"], "partial": 0.25}}
    monkeypatch.setattr(rules_mod, "_default", lambda: changed)
    assert run(store, parts, catalogs) == ["score"]


def test_changed_code_or_catalogs_or_another_write_rebuild_everything(project):
    store, parts, catalogs = project
    run(store, parts, catalogs)
    (catalogs / "auto_items.csv").parent.mkdir()
    (catalogs / "auto_items.csv").write_text("item_id,level\n", encoding="utf-8")  # an imported instrument
    everything = ["ingest auto/2023", "ingest auto/2024", "score"]
    assert run(store, parts, catalogs) == everything
    score_store(store, rules={"points": {"partial": 0.25}})  # someone re-scored the store by hand
    assert run(store, parts, catalogs) == everything


def test_another_key_is_not_skipped_past(project):
    """With another key the store must not be reported up to date: ingest runs and refuses the key."""
    store, parts, catalogs = project
    run(store, parts, catalogs)
    todo = builds.plan(store, parts, builds.code_digest(catalogs), "another-fingerprint")
    assert todo.ingest == ("auto/2023", "auto/2024") and todo.score


def test_a_renamed_file_is_a_changed_input(project):
    """Same bytes under another name: the manifest's source_path changes, so the year is read again."""
    store, parts, catalogs = project
    run(store, parts, catalogs)
    (parts[1].raw / "a.xlsx").rename(parts[1].raw / "a-resent.xlsx")
    assert run(store, parts, catalogs) == ["ingest auto/2024", "score"]
    m = pd.read_parquet(store / "manifest")
    assert sorted(m.loc[m["year"].eq(2024), "source_path"]) == ["a-resent.xlsx", "b.xlsx"]
