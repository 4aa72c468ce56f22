"""A what-if ranking's counts beside the failing companies they are part of (rise ≤ failing, lifted ≤ failing): the
rule that publishes them and the audit that models it. Expected values typed by hand from the rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.publish.audit import intruder_check
from pipeline.publish.cells import AUDIT_COLUMNS
from pipeline.publish.model import PublishedTable
from pipeline.report.star_tables import SPECS, must_act_splits, shown_cumulative


def test_a_rise_of_three_beside_five_failing_is_withheld():
    """Judged 12, ready 0. Row 1 failing 5, ready if fixed 3: rise 3 < 5 and 5 − 3 = 2 < 5, withheld. Row 2
    failing 9, the last: ready if fixed 12, the judged count, printed (it is known: every judged company is ready
    once every requirement is met)."""
    out = shown_cumulative([3, 12], [5, 9], ready=0, judged=12, k=5)
    assert math.isnan(out[0]) and out[1] == 12.0


def test_each_side_of_a_rise_holds_k_counted_from_the_last_count_shown():
    """Judged 40, ready 10, k 5; the fifth row is the last (its count is the judged count, 40; the count before it
    is 40 less its 6 failing, 34).
    Row 1: failing 12, cumulative 15 → rise 5, 12 − 5 = 7: shown.
    Row 2: failing 6, cumulative 18 → rise 3: withheld.
    Row 3: failing 4, cumulative 23 → rise since row 1 is 8, failing since row 1 is 6 + 4 = 10, 10 − 8 = 2: withheld.
    Row 4: failing 20, cumulative 34: known anyway (40 less the last row's 6), so it is not the last count shown
    and stays x (only the judged count is printed).
    Row 5: failing 6, cumulative 40: printed, the judged count."""
    out = shown_cumulative([15, 18, 23, 34, 40], [12, 6, 4, 20, 6], ready=10, judged=40, k=5)
    assert out[0] == 15.0 and math.isnan(out[1]) and math.isnan(out[2]) and math.isnan(out[3]) and out[4] == 40.0
    # the rise alone over a row failing exactly the rise: 12 of 12 become ready → the other side is 0, withheld
    assert math.isnan(shown_cumulative([17, 40], [12, 23], ready=5, judged=40, k=5)[0])


def test_the_last_count_is_the_judged_count_and_the_count_before_it_follows_from_the_last_share():
    """The demo's route in miniature (issue 28, round seven). Judged 40, ready 10 (30 must act), k 5:
    row 1 failing 20, cumulative 20 (rise 10, 20 − 10 = 10: shown);
    row 2 failing 14, cumulative 27 (rise 7, 14 − 7 = 7, 40 − 27 = 13: the old rule showed it);
    row 3 failing 9, cumulative 33 — withheld, but known: row 4, the last, fails 7, so 40 − 7 = 33;
    row 4 failing 7, cumulative 40, the judged count.
    From 27 to 33 the rise is 6 beside row 3's 9 failing: 3 companies fail row 3 and row 4. So 27 is withheld too,
    and from 20 to 33 the rise is 13 beside 14 + 9 = 23 failing: 13 and 10, safe."""
    out = shown_cumulative([20, 27, 33, 40], [20, 14, 9, 7], ready=10, judged=40, k=5)
    assert out[0] == 20.0 and math.isnan(out[1]) and math.isnan(out[2]) and out[3] == 40.0


def test_a_hidden_last_row_keeps_the_count_before_it_withheld():
    """Judged 32, ready 10 (22 must act). Row 1 failing 17, cumulative 22 (rise 12, 17 − 12 = 5): the old rule
    showed it. Row 2 is hidden and last: 32 − 22 = 10 would be its failing companies, so 22 is withheld
    (counted with row 2's true 10 failing: a rise of 10 beside 10, the other side 0)."""
    out = shown_cumulative([22, 32], [17, 10], ready=10, judged=32, k=5, published=[True, False])
    assert math.isnan(out[0]) and math.isnan(out[1])


def test_the_last_count_must_be_the_judged_count():
    with pytest.raises(ValueError, match="the last cumulative count is 22, not the 30 judged"):
        shown_cumulative([10, 22], [12, 9], ready=5, judged=30, k=5)


def test_must_act_beside_the_rows_failing_holds_k_on_each_side():
    """Must act 20: a row failing 17 leaves 3 must act and meet it (withheld); rows failing 15 and 10 leave 5 and
    10, and 15 + 10 − 20 = 5 second unmet requirements (published); rows failing 12 and 10: 22 − 20 = 2, withheld."""
    assert not must_act_splits([17, 8], 20, 5)
    assert must_act_splits([15, 10], 20, 5)
    assert not must_act_splits([12, 10], 20, 5)
    # the 10 hidden: a reader holds 12 of the sum only, and 20 − 12 = 8 must act and meet the row shown
    assert must_act_splits([12, 10], 20, 5, published=[True, False])


def _what_if(rows: list[dict], ready: float, must: float, n: float = 100.0) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame = frame.assign(sector="auto", year=2024, framework="star_unmet", segment="101〜300人", n=n,
                         n_ready=ready, n_must_act=must)
    for c in ("suppressed", "n_lifted_alone", "n_ready_if_fixed_in_order"):
        if c not in frame:
            frame[c] = "" if c == "suppressed" else np.nan
    frame["suppressed"] = frame["suppressed"].fillna("")
    frame["node_id"] = "3:" + frame["requirement_id"]
    frame["ci_low"] = frame["share_unmet"] - 0.05
    frame["ci_high"] = frame["share_unmet"] + 0.05
    return frame


def _check(frame: pd.DataFrame) -> list:
    table = PublishedTable("star_what_if", "star_what_if", frame, list(frame.columns), spec=SPECS["star_what_if"], k=5)
    hidden = pd.DataFrame(columns=AUDIT_COLUMNS)
    return [f for f in intruder_check([table], hidden, 5) if f.check == "split"]


CELL = "sector=auto; year=2024; framework=star_unmet; node_id=3:{}; segment=101〜300人"


def _rows(first: float, second: float, third: float = 80.0) -> list[dict]:
    """Ready 20, must act 60, judged 80, of 100. Row 1 (1-1-1): 30 failing, 20 lifted alone; row 2 (2-1-2): 8
    failing, 5 lifted alone; row 3 (3-1-1), the last: 35 failing, so the count before it is 80 − 35 = 45."""
    return [{"rank": 1.0, "requirement_id": "1-1-1", "n_scored": 100.0, "share_unmet": 0.30, "n_lifted_alone": 20.0,
             "n_ready_if_fixed_in_order": first},
            {"rank": 2.0, "requirement_id": "2-1-2", "n_scored": 100.0, "share_unmet": 0.08, "n_lifted_alone": 5.0,
             "n_ready_if_fixed_in_order": second},
            {"rank": 3.0, "requirement_id": "3-1-1", "n_scored": 100.0, "share_unmet": 0.35,
             "n_ready_if_fixed_in_order": third}]


def test_the_audit_finds_a_rise_and_a_lifted_count_with_few_failing_beside_them():
    """Row 1: cumulative 40 → rise 20, 30 − 20 = 10: safe. Row 2: cumulative 45 → rise 5, 8 − 5 = 3 failing but
    not made ready: a split of 5 and 3; lifted 5 beside 8 failing: 3 fail something else too."""
    found = _check(_what_if(_rows(40.0, 45.0), ready=20.0, must=60.0))
    assert [(f.cell, f.statistic, f.detail) for f in found] == [
        (CELL.format("2-1-2"), "n_lifted_alone", "5 lifted alone of 8 failing: 3 fail something else too (k=5)"),
        (CELL.format("2-1-2"), "n_ready_if_fixed_in_order",
         "a rise of 5 beside 8 failing the rows since the last count shown: 5 and 3 companies (k=5)")]


def test_the_audit_reads_the_count_before_the_last_row_from_the_judged_count():
    """Row 2's counts withheld: its cumulative count is still 80 − 35 = 45, so the rise from row 1's 40 is 5 beside
    8 failing, as above. With row 1's count withheld too: from ready 20 to 45, a rise of 25 beside 30 + 8 = 38
    failing, 13 on the other side: no finding."""
    rows = _rows(40.0, np.nan)
    rows[1]["n_lifted_alone"] = np.nan
    found = _check(_what_if(rows, ready=20.0, must=60.0))
    assert [(f.cell, f.statistic, f.detail) for f in found] == [
        (CELL.format("2-1-2"), "n_ready_if_fixed_in_order",
         "a rise of 5 beside 8 failing the rows since the last count shown: 5 and 3 companies (k=5) "
         "(the count here is known: judged less the last row's failing)")]
    rows[0]["n_ready_if_fixed_in_order"] = np.nan
    assert _check(_what_if(rows, ready=20.0, must=60.0)) == []


def test_the_audit_takes_a_rounded_share_over_a_known_base_as_the_count_it_must_be():
    """The demo's route (FY2024 101〜300人 ★3, shortened to three rows): 112 companies, ready 30, must act 82,
    judged 112. Row 1 (5-1-1): 75 of 112 failing, cumulative 95. Row 2 (2-1-2) and row 3 (4-1-7) cite one item
    each: shares rounded to 10 % and 8 %, base withheld (108 … 112). 10 % of 108 … 112 is 11 companies and no
    other count (10/108 = 9 %, 12/112 = 11 %); 8 % is 9 (8/108 = 7 %, 10/112 = 9 %). So the count before the last
    row is 112 − 9 = 103, and from 95 the rise is 8 beside row 2's 11 failing: 3 companies fail 2-1-2 and 4-1-7.
    With 95 withheld: from 30 to 103, a rise of 73 beside 75 + 11 = 86, 13: no finding."""
    rows = [{"rank": 1.0, "requirement_id": "5-1-1", "n_scored": 112.0, "share_unmet": 75 / 112,
             "n_ready_if_fixed_in_order": 95.0},
            {"rank": 2.0, "requirement_id": "2-1-2", "n_scored": np.nan, "share_unmet": 0.10, "rounded": True},
            {"rank": 3.0, "requirement_id": "4-1-7", "n_scored": np.nan, "share_unmet": 0.08, "rounded": True}]
    found = _check(_what_if(rows, ready=30.0, must=82.0, n=112.0))
    assert [(f.cell, f.statistic, f.detail) for f in found] == [
        (CELL.format("2-1-2"), "n_ready_if_fixed_in_order",
         "a rise of 8 beside 11 failing the rows since the last count shown: 8 and 3 companies (k=5) "
         "(the count here is known: judged less the last row's failing)")]
    rows[0]["n_ready_if_fixed_in_order"] = np.nan
    assert _check(_what_if(rows, ready=30.0, must=82.0, n=112.0)) == []


def test_the_audit_finds_a_hidden_last_row_and_must_act_beside_a_row():
    """32 companies, ready 10, must act 22, judged 32. Row 1 (1-2-1): 17 of 32 failing, cumulative 22; row 2
    (1-2-3) hidden, the last: the count before it is 22, so it fails 32 − 22 = 10. Then, the cumulative count
    withheld and the summary reading ready 12 and must act 20 (judged 32 still): 20 − 17 = 3 must act and meet
    1-2-1."""
    rows = [{"rank": 1.0, "requirement_id": "1-2-1", "n_scored": 32.0, "share_unmet": 17 / 32,
             "n_ready_if_fixed_in_order": 22.0},
            {"rank": np.nan, "requirement_id": "1-2-3", "n_scored": np.nan, "share_unmet": np.nan,
             "suppressed": "complementary"}]
    found = _check(_what_if(rows, ready=10.0, must=22.0, n=32.0))
    assert [(f.cell, f.statistic, f.detail) for f in found] == [
        (CELL.format("1-2-3"), "share_unmet",
         "a hidden row's failing companies are the judged count less the count before it: 10 (k=5)")]
    rows[0]["n_ready_if_fixed_in_order"] = np.nan
    found = _check(_what_if(rows, ready=12.0, must=20.0, n=32.0))
    assert [(f.cell, f.statistic, f.detail) for f in found] == [
        (CELL.format("1-2-1"), "n_must_act", "20 must act beside 17 failing the row: 3 must act and meet it (k=5)")]
