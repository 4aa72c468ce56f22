"""A what-if ranking's counts beside the failing companies they are part of (rise ≤ failing, lifted ≤ failing): the
rule that publishes them and the audit that models it. Expected values typed by hand from the rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipeline.publish.audit import intruder_check
from pipeline.publish.cells import AUDIT_COLUMNS
from pipeline.publish.model import PublishedTable
from pipeline.report.star_tables import SPECS, shown_cumulative


def test_a_rise_of_three_beside_five_failing_is_withheld():
    """Segment of 7, none ready, one requirement failing 5, ready if fixed 3: the rise 3 < 5 and 5 − 3 = 2 < 5."""
    out = shown_cumulative([3], [5], ready=0, judged=7, k=5)
    assert len(out) == 1 and math.isnan(out[0])


def test_each_side_of_a_rise_holds_k_counted_from_the_last_count_shown():
    """Judged 30, ready 5, k 5.
    Row 1: failing 12, cumulative 10 → rise 5, 12 − 5 = 7, 30 − 10 = 20: shown.
    Row 2: failing 6, cumulative 13 → rise 3: withheld.
    Row 3: failing 4, cumulative 18 → rise since row 1 is 8, failing since row 1 is 6 + 4 = 10, 10 − 8 = 2: withheld.
    Row 4: failing 9, cumulative 22 → rise 12, failing 19, 19 − 12 = 7, 30 − 22 = 8: shown."""
    out = shown_cumulative([10, 13, 18, 22], [12, 6, 4, 9], ready=5, judged=30, k=5)
    assert out[0] == 10.0 and math.isnan(out[1]) and math.isnan(out[2]) and out[3] == 22.0
    # the old rule (rise ≥ k and k judged short of it) would have shown row 3: 18 − 10 = 8 ≥ 5 and 30 − 18 = 12
    # the rise alone over a row failing exactly the rise: 12 of 12 become ready → the other side is 0, withheld
    assert math.isnan(shown_cumulative([17], [12], ready=5, judged=30, k=5)[0])


def _what_if(rows: list[dict], ready: float) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame = frame.assign(sector="auto", year=2024, framework="star_unmet", segment="101〜300人", n=100.0,
                         n_ready=ready, suppressed="")
    frame["node_id"] = "3:" + frame["requirement_id"]
    frame["ci_low"] = frame["share_unmet"] - 0.05
    frame["ci_high"] = frame["share_unmet"] + 0.05
    return frame


def _check(frame: pd.DataFrame) -> list:
    table = PublishedTable("star_what_if", "star_what_if", frame, list(frame.columns), spec=SPECS["star_what_if"], k=5)
    hidden = pd.DataFrame(columns=AUDIT_COLUMNS)
    return [f for f in intruder_check([table], hidden, 5) if f.check == "split"]


def test_the_audit_finds_a_rise_and_a_lifted_count_with_few_failing_beside_them():
    """Ready 20. Row 1 (1-1-1): 30 of 100 failing, 20 lifted alone, cumulative 40 → rise 20, 30 − 20 = 10: safe.
    Row 2 (2-1-2): 8 of 100 failing, 5 lifted alone, cumulative 45 → rise 5, 8 − 5 = 3 failing but not made
    ready: a split of 5 and 3; lifted 5 beside 8 failing: 3 fail something else too."""
    frame = _what_if([
        {"rank": 1.0, "requirement_id": "1-1-1", "n_scored": 100.0, "share_unmet": 0.30, "n_lifted_alone": 20.0,
         "n_must_act": 60.0, "n_ready_if_fixed_in_order": 40.0},
        {"rank": 2.0, "requirement_id": "2-1-2", "n_scored": 100.0, "share_unmet": 0.08, "n_lifted_alone": 5.0,
         "n_must_act": 60.0, "n_ready_if_fixed_in_order": 45.0}], ready=20.0)
    found = _check(frame)
    cell = "sector=auto; year=2024; framework=star_unmet; node_id=3:2-1-2; segment=101〜300人"
    assert [(f.cell, f.statistic, f.detail) for f in found] == [
        (cell, "n_lifted_alone", "5 lifted alone of 8 failing: 3 fail something else too (k=5)"),
        (cell, "n_ready_if_fixed_in_order",
         "a rise of 5 beside 8 failing the rows since the last count shown: 5 and 3 companies (k=5)")]


def test_the_audit_passes_the_same_table_once_the_counts_are_withheld_and_reads_the_first_rise_from_ready():
    """Row 2's lifted and cumulative counts withheld (NaN): no finding. With ready 38 instead of 20, row 1's rise is
    2: a finding on row 1 (a rise of 2 companies, and 30 − 2 = 28 on the other side)."""
    rows = [{"rank": 1.0, "requirement_id": "1-1-1", "n_scored": 100.0, "share_unmet": 0.30, "n_lifted_alone": 20.0,
             "n_must_act": 60.0, "n_ready_if_fixed_in_order": 40.0},
            {"rank": 2.0, "requirement_id": "2-1-2", "n_scored": 100.0, "share_unmet": 0.08,
             "n_lifted_alone": np.nan, "n_must_act": 60.0, "n_ready_if_fixed_in_order": np.nan}]
    assert _check(_what_if(rows, ready=20.0)) == []
    found = _check(_what_if(rows, ready=38.0))
    assert [(f.statistic, f.detail) for f in found] == [
        ("n_ready_if_fixed_in_order",
         "a rise of 2 beside 30 failing the rows since the last count shown: 2 and 28 companies (k=5)")]
