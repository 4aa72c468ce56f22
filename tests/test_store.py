"""The store: atomic replacement, one (sector, year) at a time, validated before anything is written."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import store
from pipeline.ingest import ingest
from tests.handmade import auto_rows, write_auto, write_power


def _read_all(store_dir):
    return {n: pd.read_parquet(store_dir / n) for n in ("manifest", "respondents", "responses", "identities")}


def test_reingesting_the_same_input_gives_the_same_store(tmp_path):
    write_auto(tmp_path / "raw" / "a.xlsx")
    write_auto(tmp_path / "raw" / "b.xlsx", cover={"法人番号": "1010001000006", "会社名": "B社"})
    ingest("auto", 2024, tmp_path / "raw", tmp_path / "s", workers=1, progress=False)
    first = _read_all(tmp_path / "s")
    ingest("auto", 2024, tmp_path / "raw", tmp_path / "s", workers=1, progress=False)
    second = _read_all(tmp_path / "s")
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])
    assert len(second["respondents"]) == 2


def test_ingest_replaces_only_its_sector_and_year(tmp_path):
    write_power(tmp_path / "power" / "p.xlsx")
    write_auto(tmp_path / "auto" / "a.xlsx")
    write_auto(tmp_path / "auto" / "b.xlsx", cover={"法人番号": "1010001000006", "会社名": "B社"})
    s = tmp_path / "s"
    ingest("power", 2024, tmp_path / "power", s, workers=1, progress=False)
    ingest("auto", 2024, tmp_path / "auto", s, workers=1, progress=False)
    ingest("auto", 2023, tmp_path / "auto", s, workers=1, progress=False)
    (tmp_path / "auto" / "b.xlsx").unlink()
    ingest("auto", 2024, tmp_path / "auto", s, workers=1, progress=False)
    resp = pd.read_parquet(s / "respondents")
    assert resp.groupby(["sector", "year"]).size().to_dict() == {("auto", 2023): 2, ("auto", 2024): 1,
                                                                 ("power", 2024): 1}


def test_a_crash_while_writing_leaves_the_previous_store(tmp_path, monkeypatch):
    write_auto(tmp_path / "raw" / "a.xlsx")
    s = tmp_path / "s"
    ingest("auto", 2024, tmp_path / "raw", s, workers=1, progress=False)
    before = _read_all(s)
    write_auto(tmp_path / "raw" / "b.xlsx", cover={"法人番号": "1010001000006", "会社名": "B社"},
               rows=auto_rows(lambda n: "未達成"))
    real = pd.DataFrame.to_parquet
    calls = {"n": 0}

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", flaky)
    with pytest.raises(OSError, match="disk full"):
        ingest("auto", 2024, tmp_path / "raw", s, workers=1, progress=False)
    monkeypatch.undo()
    after = _read_all(s)
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name])
    assert not [p for p in s.iterdir() if p.name.startswith(".staging")]


def test_schema_breach_is_reported_by_column_and_nothing_is_written(tmp_path):
    write_auto(tmp_path / "raw" / "a.xlsx")
    s = tmp_path / "s"
    ingest("auto", 2024, tmp_path / "raw", s, workers=1, progress=False)
    before = pd.read_parquet(s / "responses")
    bad = before.assign(answer="maybe", year=2025)
    with pytest.raises(store.StoreError, match="answer"):
        store.replace_partition(s, {"responses": bad}, "auto", 2025)
    pd.testing.assert_frame_equal(pd.read_parquet(s / "responses"), before)


def test_reingesting_a_year_drops_only_its_stale_scores(tmp_path):
    from pipeline.scoring import score_store

    write_auto(tmp_path / "raw" / "a.xlsx")
    s = tmp_path / "s"
    for year in (2023, 2024):
        ingest("auto", year, tmp_path / "raw", s, workers=1, progress=False)
    score_store(s)
    ingest("auto", 2024, tmp_path / "raw", s, workers=1, progress=False)
    scores = pd.read_parquet(s / "scores")
    assert set(scores["year"]) == {2023}  # 2024 must be rescored; 2023 is untouched


def _scores_row(**values) -> pd.DataFrame:
    row = {"sector": "power", "year": 2024, "respondent_key": "a" * 32, "framework": "csf2", "node_id": "GV",
           "score": 0.5, "n_items": 2, "n_applicable": 2} | values
    return pd.DataFrame({k: [v] for k, v in row.items()})


@pytest.mark.parametrize("parts", [
    [_scores_row(score=1.0), _scores_row(respondent_key="b" * 32)],  # 2024 in two parts
    [pd.concat([_scores_row(), _scores_row(year=2025)], ignore_index=True)],  # two years in one part
])
def test_a_table_written_in_parts_takes_each_sector_year_once_or_keeps_the_old_table(tmp_path, parts):
    """A part is validated alone, which proves the table valid only when no sector-year is split over parts."""
    s = tmp_path / "s"
    s.mkdir()
    old = _scores_row()
    old.to_parquet(s / "scores", index=False)
    with pytest.raises(store.StoreError, match="a part must hold one sector-year no other part holds"):
        store.write_tables(s, {"weights": pd.DataFrame()}, parts=("scores", iter(parts)))
    pd.testing.assert_frame_equal(pd.read_parquet(s / "scores"), old)
    assert sorted(p.name for p in s.iterdir()) == ["scores"]


def test_a_table_written_in_parts_reads_as_one_table(tmp_path):
    s = tmp_path / "s"
    parts = [_scores_row(), _scores_row(year=2025, score=None, n_applicable=0)]
    assert store.write_tables(s, {}, parts=("scores", iter(parts))) == 2
    got = pd.read_parquet(s / "scores")
    assert got["year"].tolist() == [2024, 2025] and got["n_applicable"].tolist() == [2, 0]
    assert got["score"].iloc[0] == 0.5 and pd.isna(got["score"].iloc[1])  # not assessed stays empty
    assert pd.read_parquet(s / "scores", filters=[("year", "==", 2025)])["n_applicable"].tolist() == [0]
