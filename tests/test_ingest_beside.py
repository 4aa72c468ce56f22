"""ingest.beside: a job drafted by a forked copy gives what the job gives here, or is run here."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pandas as pd
import pytest

from pipeline.ingest.beside import Beside
from pipeline.ingest.quarantine import write_report


def _write_pid(path: Path) -> None:
    path.write_text(str(os.getpid()))


def test_the_job_runs_in_another_process_and_wait_returns_once_it_is_done(tmp_path):
    out = tmp_path / "pid"
    job = Beside(lambda: _write_pid(out))
    job.wait()
    assert out.read_text() != str(os.getpid())  # written by the copy, finished by the time wait returned


def test_a_job_that_fails_in_the_copy_is_run_here_and_its_error_raised_here(tmp_path):
    calls = []

    def job() -> None:
        calls.append(os.getpid())  # the copy's list is its own: only the run here shows
        raise ValueError("the drafts could not be written")

    beside = Beside(job)
    with pytest.raises(ValueError, match="could not be written"):
        beside.wait()
    assert calls == [os.getpid()]


def test_with_another_thread_running_nothing_is_forked_and_wait_runs_the_job_here(tmp_path):
    out = tmp_path / "pid"
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        job = Beside(lambda: _write_pid(out))
        assert not out.exists()  # not run yet: no copy was made
        job.wait()
    finally:
        release.set()
        other.join()
    assert out.read_text() == str(os.getpid())


def test_a_stopped_job_leaves_nothing(tmp_path):
    out = tmp_path / "pid"
    job = Beside(lambda: (threading.Event().wait(30), _write_pid(out)))
    job.stop()
    assert not out.exists()


def _quarantine(n: int) -> pd.DataFrame:
    return pd.DataFrame({"sector": ["auto"] * n, "year": [2024] * n,
                         "source_path": [f"会社{i}.xlsx" for i in range(n)], "status": ["quarantined"] * n,
                         "reason": ["read_error"] * n, "company_name": [""] * n, "corporate_number": [""] * n,
                         "problem_ja": ["読めません"] * n, "action_ja": ["再提出を依頼"] * n, "detail": [""] * n})


def test_the_report_drafted_by_a_copy_is_the_report_written_here(tmp_path):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    table = _quarantine(3)
    write_report(table, here)
    from pipeline.ingest.quarantine import draft_report, publish_report

    drafting = Beside(lambda: draft_report(table, there))
    assert not (there / "quarantine_report.csv").exists()  # a draft is not the report
    drafting.wait()
    publish_report(there)
    assert (there / "quarantine_report.csv").read_bytes() == (here / "quarantine_report.csv").read_bytes()
    assert sorted(p.name for p in there.iterdir()) == ["quarantine_report.csv", "quarantine_report.xlsx"]


def test_an_ingest_whose_store_write_fails_leaves_neither_report_nor_drafts(tmp_path, monkeypatch):
    from pipeline import store as store_mod
    from pipeline.ingest import ingest
    from pipeline.synth import synthesise

    synthesise("auto", 2024, tmp_path / "raw", n=12, seed=3, workers=1)
    monkeypatch.setenv("SDW_SECRET_KEY", "test-key")

    def refuse(store, tables, parts=None):
        raise store_mod.StoreError("disk full")

    monkeypatch.setattr(store_mod, "write_tables", refuse)
    with pytest.raises(store_mod.StoreError, match="disk full"):
        ingest("auto", 2024, tmp_path / "raw", tmp_path / "store", workers=1, progress=False)
    assert not [p.name for p in (tmp_path / "store").glob("quarantine_report*")]


def test_an_ingest_writes_the_report_of_what_it_stored(tmp_path, monkeypatch):
    from pipeline.ingest import ingest
    from pipeline.synth import synthesise

    synthesise("auto", 2024, tmp_path / "raw", n=12, seed=3, workers=1)
    monkeypatch.setenv("SDW_SECRET_KEY", "test-key")
    ingest("auto", 2024, tmp_path / "raw", tmp_path / "store", workers=1, progress=False)
    stored = pd.read_parquet(tmp_path / "store" / "quarantine")
    report = pd.read_csv(tmp_path / "store" / "quarantine_report.csv", encoding="utf-8-sig", dtype=str)
    assert len(report) == len(stored)
    assert not [p.name for p in (tmp_path / "store").glob("*.tmp")]
