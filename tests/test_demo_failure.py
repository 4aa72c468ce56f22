"""`sdw demo` holds the store (its lock) until every report reading it has ended: when the build of the second
sector or the reports after it fail while the first sector's report still runs, the lock is released only after
that report ends (pipeline/stages.py ``_demo``)."""

from __future__ import annotations

import contextlib
import threading

import pytest

from pipeline import builds, lock
from pipeline.ingest import identity
from pipeline.report import run as report_run
from tests.processes import on_a_thread


@pytest.fixture
def demo_parts(tmp_path, monkeypatch):
    """A demo whose build and reports are stand-ins, recording when the early report ends and the lock goes."""
    (tmp_path / "sdw.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    monkeypatch.setattr(identity, "secret_key", lambda: b"k" * 32)
    monkeypatch.setattr(report_run, "batch_backend", contextlib.nullcontext)
    events: list[str] = []
    failed, released = threading.Event(), threading.Event()
    real_locked = lock.locked

    @contextlib.contextmanager
    def locked(store, command, wait=None):
        try:
            with real_locked(store, command, wait):
                yield
        finally:
            events.append("lock released")
            released.set()

    monkeypatch.setattr(lock, "locked", locked)

    def run_report(sector, *args, **kwargs):
        if sector != "auto":  # the reports after the build
            failed.set()
            raise RuntimeError("power report failed")
        failed.wait()
        released.wait(1.0)  # a lock released before this report ends is released within this second
        events.append(f"{sector} report ended")
        return None

    monkeypatch.setattr(report_run, "run_report", run_report)
    return events, failed, tmp_path / "data" / "processed"


def test_a_failing_build_keeps_the_store_until_the_early_report_ends(demo_parts, monkeypatch):
    from pipeline.stages import demo

    events, failed, store = demo_parts

    def build(store, parts, key, ingest, score, catalogs=None, prepare=None, ready=None):
        ready("auto")  # automotive built and scored: its report starts
        failed.set()
        raise RuntimeError("power ingest failed")

    monkeypatch.setattr(builds, "build", build)
    with pytest.raises(RuntimeError, match="power ingest failed"):
        on_a_thread(demo)
    assert events == ["auto report ended", "lock released"]
    assert lock.lock_owner(store) is None


def test_a_failing_report_after_the_build_keeps_the_store_until_the_early_report_ends(demo_parts, monkeypatch):
    from pipeline.stages import demo

    events, _, store = demo_parts

    def build(store, parts, key, ingest, score, catalogs=None, prepare=None, ready=None):
        ready("auto")
        ready("power")
        return builds.Plan(("auto/2024", "power/2024"), True)

    monkeypatch.setattr(builds, "build", build)
    with pytest.raises(RuntimeError, match="power report failed"):
        on_a_thread(demo)
    assert events == ["auto report ended", "lock released"]
    assert lock.lock_owner(store) is None
