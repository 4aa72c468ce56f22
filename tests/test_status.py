"""``sdw status`` on a store built by hand: two years of automotive, the second ingested again after scoring."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline import cli
from pipeline.freshness import rules_digest, scoring_code_digest

FP = "0123456789abcdef0123456789abcdef"


def _key(year: int, i: int) -> str:
    return f"{year}{i:028d}"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    (tmp_path / "sdw.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SDW_HOME", raising=False)
    store = tmp_path / "data" / "processed"
    store.mkdir(parents=True)
    # FY2023: 4 files — 2 ingested, 1 corrupt, 1 superseded; FY2024: 3 files (a ZIP opened, its 2 members
    # ingested, counted as 2) and 1 encrypted
    manifest = [("2023", "a.xlsx", "ingested", "", "file"), ("2023", "b.xlsx", "ingested", "", "file"),
                ("2023", "c.xlsx", "quarantined", "corrupt", "file"), ("2023", "a_old.xlsx", "superseded", "", "file"),
                ("2024", "p.zip", "ingested", "", "archive"), ("2024", "p.zip!d.xlsx", "ingested", "", "member"),
                ("2024", "p.zip!e.xlsx", "ingested", "", "member"),
                ("2024", "f.xlsx", "quarantined", "encrypted", "file")]
    pd.DataFrame([{"sector": "auto", "year": int(y), "source_path": p, "sha256": p, "status": s, "reason": r,
                   "kind": k} for y, p, s, r, k in manifest]).to_parquet(store / "manifest", index=False)
    respondents = [(2023, 0, "auto-v2.2"), (2023, 1, "auto-v2.2"), (2024, 0, "auto-v2.2"), (2024, 1, "auto-v2.3")]
    pd.DataFrame([{"sector": "auto", "year": y, "respondent_key": _key(y, i), "template_version": v,
                   "size_band": "〜100人"} for y, i, v in respondents]).to_parquet(store / "respondents", index=False)
    # FY2023 roster: 4 members (respondent 1 is not among them: a roster row keyed otherwise), 1 answered;
    # FY2024: no roster
    pd.DataFrame([{"sector": "auto", "year": 2023, "respondent_key": _key(2023, i), "responded": i == 0}
                  for i in (0, 2, 3, 4)]).to_parquet(store / "roster", index=False)
    pd.DataFrame([{"sector": "auto", "year": y, "respondent_key": _key(y, i), "framework": "csf2", "node_id": "GV",
                   "score": 0.5, "n_items": 1, "n_applicable": 1} for y, i, _ in respondents]
                 ).to_parquet(store / "scores", index=False)
    (store / "key_fingerprint.json").write_text(json.dumps({"fingerprint": FP}), encoding="utf-8")
    (store / "history.json").write_text(json.dumps({
        "ingested": {"auto/2023": "2026-04-01T09:00:00+00:00", "auto/2024": "2026-04-03T08:00:00+00:00"},
        "scored": {"at": "2026-04-02T10:00:00+00:00", "rules": rules_digest(), "code": scoring_code_digest()}}),
        encoding="utf-8")
    return tmp_path


def _reports(project: Path) -> str:
    """Two reports: FY2023 stamped with the id its data has now (as `sdw report` stamps it), FY2023-2024
    stamped with an id the store no longer gives. Returns the first id."""
    from pipeline.publish.provenance import snapshot_id

    store = project / "data" / "processed"
    current = snapshot_id(store, ["auto"], [2023])
    for span, snapshot in (("2023", current), ("2023-2024", "000000000000")):
        folder = project / "reports" / "auto" / span
        folder.mkdir(parents=True)
        (folder / "sector_trend_report.html").write_text(
            f'<p class="sdw-provenance">データ版 {snapshot} ・ sdw 0.1.0+abc1234</p>', encoding="utf-8")
    return current


def test_status_text_on_two_years_one_stale(project, capsys):
    current = _reports(project)
    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out.splitlines()
    store, reports = project / "data" / "processed", project / "reports"
    assert out[:9] == [
        f"store {store}: key fingerprint {FP}",
        "auto FY2023: ingested 2026-04-01 09:00:00 UTC, scored 2026-04-02 10:00:00 UTC; scores up to date",
        "  files 4: 2 ingested, 1 quarantined (corrupt 1), 1 superseded",
        "  respondents 2; roster 4 members, 1 answered (25.0%), 1 not on it",
        "  forms auto-v2.2 (2); provisional catalog: auto-v2.2",
        "auto FY2024: ingested 2026-04-03 08:00:00 UTC, scored 2026-04-02 10:00:00 UTC; "
        "scores stale: ingested again since scoring",
        "  files 3: 2 ingested, 1 quarantined (encrypted 1), 0 superseded",
        "  respondents 2; no roster",
        "  forms auto-v2.2 (1), auto-v2.3 (1); provisional catalog: auto-v2.2, auto-v2.3",
    ]
    assert out[9] == f"reports under {reports}:"
    assert out[10] == f"  auto/2023: data {current}, up to date"
    assert out[11].startswith("  auto/2023-2024: data 000000000000, out of date (store now ")
    assert len(out) == 12


def test_status_json_keys(project, capsys):
    assert cli.main(["status", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert set(got) == {"store", "key_fingerprint", "scored_at", "partitions", "reports", "reports_dir"}
    assert got["key_fingerprint"] == FP and got["reports"] == []
    first, second = got["partitions"]
    assert set(first) == {"sector", "year", "files", "ingested", "quarantined", "quarantined_by_reason", "superseded",
                          "respondents", "form_versions", "provisional_versions", "roster_members", "roster_responded",
                          "response_rate", "respondents_not_on_roster", "ingested_at", "scored_at", "scores",
                          "stale_reasons"}
    assert (first["year"], first["response_rate"], first["scores"]) == (2023, 0.25, "up to date")
    assert first["respondents_not_on_roster"] == 1
    assert (second["year"], second["scores"], second["stale_reasons"]) == (2024, "stale",
                                                                           ["ingested again since scoring"])
    assert second["roster_members"] is None and second["quarantined_by_reason"] == {"encrypted": 1}


def test_status_of_an_empty_store_says_what_to_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sdw.toml").write_text("", encoding="utf-8")
    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "  empty — run: sdw ingest --sector SECTOR --year YYYY --raw DIR, then sdw score"
    assert out[2] == f"reports under {tmp_path / 'reports'}: none"


def test_ingest_and_score_keep_the_history_status_reads(tmp_path):
    """A real ingest and score leave their times; after scoring, the scores are up to date."""
    from pipeline.freshness import read_history, staleness
    from pipeline.ingest import ingest
    from pipeline.scoring import score_store
    from tests.handmade import write_auto

    write_auto(tmp_path / "raw" / "a.xlsx")
    store = tmp_path / "store"
    ingest("auto", 2024, tmp_path / "raw", store, workers=1, progress=False)
    assert set(read_history(store)["ingested"]) == {"auto/2024"}
    assert staleness(store, False, "auto", 2024).reasons == ("not scored since its last ingest",)
    score_store(store)
    fresh = staleness(store, True, "auto", 2024)
    assert fresh.known and not fresh.stale and fresh.scored_at >= fresh.ingested_at


def test_the_cross_sector_folder_is_checked_against_the_sectors_the_page_compares(project, capsys):
    """The store scores automotive only: the page under reports/all compared that one sector and is up to
    date, not measured against a power-and-automotive id no page of this store could carry."""
    from pipeline.publish.provenance import snapshot_id

    current = snapshot_id(project / "data" / "processed", ["auto"], [2023])
    folder = project / "reports" / "all" / "2023"
    folder.mkdir(parents=True)
    (folder / "cross_sector.html").write_text(f'<p class="sdw-provenance">データ版 {current} ・ sdw 0.1.0</p>',
                                              encoding="utf-8")
    assert cli.main(["status", "--json"]) == 0
    (page,) = json.loads(capsys.readouterr().out)["reports"]
    assert (page["report"], page["sectors"], page["years"]) == ("all/2023", ["auto"], [2023])
    assert page["state"] == "up to date"


def test_status_reads_each_table_from_the_file_whose_schema_it_read(project, monkeypatch, capsys):
    """The respondents file renamed over while status reads it (a build writing the store), by one without the
    form-version column: the columns chosen by the schema are read from that same file, the two 2024 respondents."""
    import os

    import pyarrow.parquet as pq

    store = project / "data" / "processed"
    pd.DataFrame([{"sector": "auto", "year": 2024, "respondent_key": _key(2024, i), "size_band": "〜100人"}
                  for i in range(3)]).to_parquet(project / "respondents.new", index=False)
    real, calls = pq.ParquetDataset.read, []

    def read(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # manifest, then respondents
            os.replace(project / "respondents.new", store / "respondents")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetDataset, "read", read)
    assert cli.main(["status", "--json"]) == 0
    first, second = json.loads(capsys.readouterr().out)["partitions"]
    assert (second["year"], second["respondents"], second["form_versions"]) == (2024, 2, {"auto-v2.2": 1,
                                                                                         "auto-v2.3": 1})
    assert pq.read_table(store / "respondents").num_rows == 3  # the file was replaced meanwhile
