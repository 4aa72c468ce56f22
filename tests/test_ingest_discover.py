"""ingest.discover lists what is under the raw folder in one stable order, and only what is under it."""

from __future__ import annotations

import os

from pipeline.ingest.discover import discover


def test_files_in_order_of_their_folders_links_to_folders_not_entered(tmp_path):
    raw = tmp_path / "raw"
    for name in ("ab.xlsx", "a-b/c.xlsx", "a/b.xlsx", "a/z/d.xlsx", "~$ab.xlsx"):
        (raw / name).parent.mkdir(parents=True, exist_ok=True)
        (raw / name).write_bytes(b"x" * 10)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "other.xlsx").write_bytes(b"x")
    os.symlink(tmp_path / "elsewhere", raw / "link")  # a link to a folder: its files are not this folder's
    os.symlink(tmp_path / "gone.xlsx", raw / "gone.xlsx")  # a link to nothing: listed, reading it says why
    os.symlink(raw / "ab.xlsx", raw / "same.xlsx")  # a link to a file: a file
    entries = discover(raw)
    # folder by folder ("a" before "a-b" before "ab.xlsx"), not character by character ("a-b/…" before "a/…")
    assert [e.source_path for e in entries] == ["a/b.xlsx", "a/z/d.xlsx", "a-b/c.xlsx", "ab.xlsx", "gone.xlsx",
                                                 "same.xlsx", "~$ab.xlsx"]
    assert [e.fs_path for e in entries][:2] == [f"{raw}/a/b.xlsx", f"{raw}/a/z/d.xlsx"]
    assert entries[-1].rejected == ("system_file", "~$ab.xlsx")
    assert [e.rejected for e in entries[:-1]] == [None] * 6


def test_a_relative_raw_folder_gives_paths_relative_as_given(tmp_path, monkeypatch):
    (tmp_path / "raw" / "sub").mkdir(parents=True)
    (tmp_path / "raw" / "sub" / "a.xlsx").write_bytes(b"x")
    monkeypatch.chdir(tmp_path / "raw")
    from pathlib import Path

    assert [(e.source_path, e.fs_path) for e in discover(Path("."))] == [("sub/a.xlsx", "sub/a.xlsx")]
    monkeypatch.chdir(tmp_path)
    assert [(e.source_path, e.fs_path) for e in discover(Path("raw"))] == [("sub/a.xlsx", "raw/sub/a.xlsx")]
