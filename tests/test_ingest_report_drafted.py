"""The quarantine report is drafted beside the store write (on a thread) and becomes the report only after it:
what a clerk finds in the store folder is the report of what the store holds, or the previous one, never a draft."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import store as store_mod
from pipeline.ingest import ingest
from pipeline.ingest import quarantine as quarantine_mod
from tests.handmade import write_auto

PDF = b"%PDF-1.4\n%%EOF\n"


def _raw(tmp_path, bad: list[str]):
    raw = tmp_path / "raw"
    write_auto(raw / "good.xlsx")
    for name in bad:
        (raw / name).write_bytes(PDF)
    return raw


def _report_files(store):
    return sorted(p.name for p in store.iterdir() if p.name.startswith("quarantine_report"))


def _files_in_report(store) -> list[str]:
    return sorted(pd.read_csv(store / "quarantine_report.csv", encoding="utf-8-sig", dtype=str)["ファイル"])


def test_the_report_names_the_files_the_store_quarantined(tmp_path, monkeypatch):
    monkeypatch.setenv("SDW_SECRET_KEY", "test-key")
    store = tmp_path / "store"
    ingest("auto", 2024, _raw(tmp_path, ["print.xlsx", "scan.xlsx"]), store, workers=1, progress=False)
    assert _files_in_report(store) == ["print.xlsx", "scan.xlsx"]
    assert sorted(pd.read_parquet(store / "quarantine")["source_path"]) == ["print.xlsx", "scan.xlsx"]
    assert _report_files(store) == ["quarantine_report.csv", "quarantine_report.xlsx"]  # no draft left beside them


def test_a_failed_store_write_keeps_the_previous_report_and_leaves_no_draft(tmp_path, monkeypatch):
    monkeypatch.setenv("SDW_SECRET_KEY", "test-key")
    store = tmp_path / "store"
    ingest("auto", 2024, _raw(tmp_path, ["print.xlsx"]), store, workers=1, progress=False)
    before = {n: (store / n).read_bytes() for n in _report_files(store)}
    (tmp_path / "raw" / "scan.xlsx").write_bytes(PDF)  # a second bad file: the next report would name two

    def disk_full(*_args, **_kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(store_mod, "write_tables", disk_full)
    with pytest.raises(OSError, match="No space left"):
        ingest("auto", 2024, tmp_path / "raw", store, workers=1, progress=False)
    assert _report_files(store) == ["quarantine_report.csv", "quarantine_report.xlsx"]
    assert {n: (store / n).read_bytes() for n in _report_files(store)} == before
    assert _files_in_report(store) == ["print.xlsx"]


def test_a_failed_draft_is_raised_after_the_store_is_written_and_leaves_no_draft(tmp_path, monkeypatch):
    monkeypatch.setenv("SDW_SECRET_KEY", "test-key")
    store = tmp_path / "store"
    draft = quarantine_mod.draft_report

    def half_written(table, store, roster=None):
        draft(table, store, roster)  # the drafts are on disk
        raise RuntimeError("the report's font table is broken")

    monkeypatch.setattr(quarantine_mod, "draft_report", half_written)
    with pytest.raises(RuntimeError, match="font table"):
        ingest("auto", 2024, _raw(tmp_path, ["print.xlsx"]), store, workers=1, progress=False)
    assert sorted(pd.read_parquet(store / "quarantine")["source_path"]) == ["print.xlsx"]  # the store was written
    assert _report_files(store) == []  # neither a report nor its drafts
