"""Progress of long runs: a bar on a terminal, one summary line otherwise, nothing when quiet."""

from __future__ import annotations

import io
import re

from pipeline.progress import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_not_a_terminal_gets_one_summary_line(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    with progress(total=7, desc="feedback auto 2024") as bar:
        for _ in range(7):
            bar.update()
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"feedback auto 2024: 7 done in \d+\.\d s \((\d+\.\d|inf)/s\)", lines[0]), lines[0]


def test_quiet_writes_nothing(monkeypatch):
    err = _Terminal()
    monkeypatch.setattr("sys.stderr", err)
    with progress(total=3, desc="x", quiet=True) as bar:
        bar.update(3)
    assert err.getvalue() == ""


def test_a_terminal_gets_a_bar_with_count_and_total(monkeypatch):
    err = _Terminal()
    monkeypatch.setattr("sys.stderr", err)
    with progress(total=4, desc="members") as bar:
        bar.update(n=2)
        bar.update(n=2)
    text = err.getvalue()
    assert "\r" in text and "members" in text and "4/4" in text
