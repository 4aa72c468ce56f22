"""benchmarks/ingest.py times `sdw ingest` into a fresh store per run: the store is a temporary folder it removes
after the run, and after a failed run too (a benchmark repeated all day must not fill /tmp)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.handmade import write_auto
from tests.scripts import script


def _bench():
    return script("benchmarks/ingest.py")


@pytest.fixture
def temp_dir(tmp_path, monkeypatch) -> Path:
    """Where the benchmark's temporary stores go (tempfile's folder, pointed at this test's own)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _env() -> dict[str, str]:
    return {**os.environ, "SDW_SECRET_KEY": "test-key"}


def test_the_store_of_a_run_is_removed_after_it(tmp_path, temp_dir):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_auto(raw / "a.xlsx")
    done, seconds, cpu, _ = _bench().timed_ingest(raw, _env())
    assert "1 ingested" in done.stdout
    assert seconds > 0 and cpu > 0
    assert list(temp_dir.iterdir()) == []


def test_the_store_of_a_failed_run_is_removed_too(tmp_path, temp_dir):
    raw = tmp_path / "empty"
    raw.mkdir()  # no files: sdw ingest refuses the folder
    with pytest.raises(SystemExit, match="sdw ingest failed: .*holds no files"):
        _bench().timed_ingest(raw, _env())
    assert list(temp_dir.iterdir()) == []
