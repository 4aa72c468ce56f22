"""A second demo skips ingest and scoring only when the store is what they would write again
(pipeline/builds.py): the same files, roster, code, key and rules, and no other write since."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import builds
from pipeline import ruleset as rules_mod
from pipeline.ingest import ingest
from pipeline.scoring import score_store
from tests.handmade import write_auto, write_power

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


def steps(store, ran):
    """The demo's ingest and score steps for ``builds.build``, each noting in ``ran`` that it ran."""

    def ingest_one(part):
        ingest(part.sector, part.year, part.raw, store, workers=1, progress=False)
        ran.append(f"ingest {part.name}")

    def score():
        score_store(store)
        ran.append("score")

    return ingest_one, score


def run(store, parts, catalogs):
    """One build as the demo runs it; returns what ran, in order."""
    ran = []
    builds.build(store, parts, KEY, *steps(store, ran), catalogs)
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


def run_in_order(store, parts, catalogs, prepare_files=None):
    """A build as the demo runs it, sector by sector: what ran, in order, and each sector's rows of the tables a
    report reads as they were when its report could start (``ready``)."""
    ran, seen = [], {}

    def prepare(sector):
        ran.append(f"prepare {sector}")
        return (prepare_files or {}).get(sector, lambda: [])()

    def ready(sector):
        ran.append(f"ready {sector}")
        seen[sector] = report_rows(store, sector)

    builds.build(store, parts, KEY, *steps(store, ran), catalogs, prepare=prepare, ready=ready)
    return ran, seen


def report_rows(store, sector):
    """A sector's rows of every table its report reads (pipeline/report/data.py), in a fixed order."""
    got = {}
    for name in ("respondents", "responses", "scores", "manifest"):
        frame = pd.read_parquet(store / name, filters=[("sector", "==", sector)])
        got[name] = frame.sort_values(list(frame.columns[:6])).reset_index(drop=True)
    return got


@pytest.fixture
def two_sectors(project, tmp_path):
    store, auto_parts, catalogs = project
    power = tmp_path / "raw" / "power" / "2024"
    # the same 法人番号 as an automotive member: names and numbers are linked within a sector only
    write_power(power / "p.xlsx", cover={"法人番号": "1010001000006", "回答日": "2024-09-30"})
    return store, [*auto_parts, builds.Partition("power", 2024, power)], catalogs


def test_the_first_sector_is_built_and_scored_before_the_next_and_later_writes_leave_its_rows(two_sectors):
    """The demo starts the first sector's report at ``ready``: by then that sector is ingested and scored, and the
    next sector's ingest and scoring write its rows back as they were (what the running report reads)."""
    store, parts, catalogs = two_sectors
    ran, seen = run_in_order(store, parts, catalogs)
    assert ran == ["prepare auto", "ingest auto/2023", "ingest auto/2024", "score", "ready auto",
                   "prepare power", "ingest power/2024", "score", "ready power"]
    assert len(seen["auto"]["respondents"]) == 4 and len(seen["auto"]["scores"]) > 0  # two files in each year
    after = report_rows(store, "auto")
    for name, frame in seen["auto"].items():
        # the same values; a column only the other sector fills (power's 対象システム) is empty in every automotive
        # row and may come back typed as text once power rows are beside them: the only difference allowed
        retyped = [c for c in frame.columns if after[name][c].dtype != frame[c].dtype]
        assert all(frame[c].isna().all() and after[name][c].isna().all() for c in retyped), (name, retyped)
        pd.testing.assert_frame_equal(after[name].drop(columns=retyped), frame.drop(columns=retyped),
                                      check_categorical=False)
    # and the stamp is honest: a second build on the same inputs runs nothing but the callbacks
    assert run_in_order(store, parts, catalogs)[0] == ["prepare auto", "ready auto", "prepare power", "ready power"]


def test_a_partition_rewritten_by_prepare_is_ingested_though_the_plan_was_made_before(two_sectors):
    """The plan is made before anything is written; a year the demo synthesises afterwards (``prepare``) must be
    read again even though its files, at planning time, matched the stamp."""
    store, parts, catalogs = two_sectors
    run_in_order(store, parts, catalogs)

    def resend():
        write_power(parts[2].raw / "p.xlsx", cover={"法人番号": "1010001000006", "回答日": "2024-10-01"})
        return ["power/2024"]

    ran, _ = run_in_order(store, parts, catalogs, {"power": resend})
    assert ran == ["prepare auto", "ready auto", "prepare power", "ingest power/2024", "score", "ready power"]
    got = pd.read_parquet(store / "respondents", filters=[("sector", "==", "power")])
    assert list(got["submitted_on"].dt.strftime("%m-%d")) == ["10-01"]
