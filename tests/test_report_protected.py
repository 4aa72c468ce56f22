"""Notebooks say what to show; the protected tables come from pipeline/report/protected.py."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.report import protected as P

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
# the disclosure steps a notebook must not take itself: each has its one call in pipeline/report/protected.py
RULE_CALLS = r"\b(secure|secure_together|hide_with_functions|protect_together|complete|protect|hidden_text)\("


def test_no_notebook_applies_a_disclosure_rule():
    found = {p.name: re.findall(RULE_CALLS, p.read_text(encoding="utf-8")) for p in NOTEBOOKS.glob("*.py")}
    assert {name: calls for name, calls in found.items() if calls} == {}


def test_a_withheld_what_if_count_reads_as_the_mark_never_a_number():
    counts = P.what_if_counts({"n_companies": 1234.0, "n_judged": float("nan"), "n_ready": 0.0})
    assert counts == {"n_companies": "1,234", "n_judged": "x", "n_ready": "0"}


def test_the_rounded_mean_note_is_asked_for_by_a_shown_rounded_star_mean_only():
    """★3 mean rounded and shown → the note; a rounded ★3+ share, or a rounded mean that is hidden → none."""
    def tables(node, rounded, suppressed):
        frame = pd.DataFrame({"node_id": [node], "rounded": [rounded], "suppressed": [suppressed]})
        return P.StarTables(frame, pd.DataFrame(), {})

    assert tables("★3", True, "").rounded_mean
    assert not tables("★3+", True, "").rounded_mean
    assert not tables("★4", True, "primary").rounded_mean
    assert not tables("★4", False, "").rounded_mean
