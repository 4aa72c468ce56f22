"""pipeline.progress: a bar on a terminal, one summary line otherwise, nothing when quiet."""

from __future__ import annotations

import io
import re

import pytest

from pipeline import progress as progress_mod
from pipeline.progress import progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_not_a_terminal_prints_one_summary_line(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr(progress_mod.sys, "stderr", err)
    with progress(total=3, desc="ingest auto FY2024") as bar:
        for _ in range(3):
            bar.update()
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"ingest auto FY2024: 3 done in \d+\.\d s \(\d+\.\d/s\)", lines[0])


def test_update_counts_n(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr(progress_mod.sys, "stderr", err)
    with progress(total=10, desc="report") as bar:
        bar.update(n=4)
        bar.update()
    assert err.getvalue().startswith("report: 5 done in ")


def test_quiet_prints_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    err = _Tty()
    monkeypatch.setattr(progress_mod.sys, "stderr", err)
    with progress(total=2, desc="feedback", quiet=True) as bar:
        bar.update(2)
    assert err.getvalue() == ""


def test_terminal_draws_a_bar_with_done_of_total(monkeypatch: pytest.MonkeyPatch) -> None:
    err = _Tty()
    monkeypatch.setattr(progress_mod.sys, "stderr", err)
    with progress(total=4, desc="ingest power FY2025") as bar:
        for _ in range(4):
            bar.update()
    shown = err.getvalue()
    assert "ingest power FY2025" in shown
    assert "4/4" in shown
    assert " done in " not in shown  # the bar replaces the summary line
