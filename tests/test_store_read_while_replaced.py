"""A report reads a table file while the demo's build renames a new one into place (pipeline/builds.py): the read
must come whole from one file, the one it opened, even when the new file types a column differently."""

from __future__ import annotations

import os

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline.report import data as D


def _respondents(rows: list[tuple[str, str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame({"sector": [r[0] for r in rows], "year": [2024] * len(rows),
                         "respondent_key": [r[1] for r in rows], "power_only": [r[2] for r in rows]})


@pytest.fixture
def store(tmp_path):
    """Automotive's two respondents, the power-only column empty (typed null in the file); the replacement, as
    power's ingest writes it: the same automotive rows and a power respondent with text in that column."""
    store = tmp_path / "store"
    store.mkdir()
    _respondents([("automotive", "a1", None), ("automotive", "a2", None)]).to_parquet(store / "respondents")
    pd.DataFrame({"sector": ["automotive"] * 2, "year": [2024] * 2, "respondent_key": ["a1", "a2"],
                  "framework": ["csf2"] * 2, "score": [2.0, 3.0]}).to_parquet(store / "scores")
    _respondents([("automotive", "a1", None), ("automotive", "a2", None), ("power", "p1", "送電")]).to_parquet(
        tmp_path / "respondents.new")
    assert pq.read_schema(store / "respondents").field("power_only").type == "null"
    return store


def _replaced_at_read(monkeypatch, store, call: int) -> None:
    """The respondents file renamed over at the ``call``-th data read, after that read's schema was taken."""
    real, calls = pq.ParquetDataset.read, []

    def read(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            os.replace(store.parent / "respondents.new", store / "respondents")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetDataset, "read", read)


def test_load_reads_the_respondents_file_it_opened(store, monkeypatch):
    _replaced_at_read(monkeypatch, store, call=2)  # load reads scores, then respondents
    got = D.load(store, "automotive", (2024, 2024), responses=False, weights="none")
    assert sorted(got.respondents["respondent_key"]) == ["a1", "a2"]
    assert got.respondents["power_only"].isna().all()
    assert pq.read_table(store / "respondents").num_rows == 3


def test_respondents_in_reads_the_file_it_opened(store, monkeypatch):
    _replaced_at_read(monkeypatch, store, call=1)
    got = D.respondents_in(store, "automotive", (2024, 2024))
    assert sorted(got["respondent_key"]) == ["a1", "a2"]
    assert pq.read_table(store / "respondents").num_rows == 3  # the file was replaced meanwhile
