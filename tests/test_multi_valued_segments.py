"""A multi-valued segmentation (power business types: a company holding several licences is in each of their
segments) against its total (docs/method.md §5.1 rule 4, §5.3): the intruder holds that the segments add up but for
the companies counted twice, and protection leaves the choice of complementary cells to the interval solver, which
knows how much the overlap leaves. Numbers typed by hand from the rule (k = 5, width 0.10 for a mean)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.publish.intervals import complete
from pipeline.publish.model import TableSpec
from pipeline.scoring.disclosure import HIDDEN_COUNT, protect
from pipeline.scoring.disclosure_weights import hide_for_two_totals
from pipeline.scoring.segments import ALL
from tests.intruder import attack

KEYS = ["sector", "year", "framework", "node_id"]
MEANS = TableSpec(keys=KEYS, total=ALL, counts={"mean": "n_scored"})
NODES = TableSpec(keys=KEYS, total=ALL, counts={"mean": "n_scored", "share_reached": "n_scored"})


def _means(total: int, total_mean: float) -> pd.DataFrame:
    """Segments A (10 companies, mean 0.40), B (10, 0.50) and C (12, hidden to protect another cell) beside a total
    of ``total`` distinct companies: the segments count 32, so 32 − ``total`` companies are counted twice."""
    t = pd.DataFrame({"segment": ["A", "B", "C", ALL], "n_scored": [10, 10, 12, total],
                      "mean": [0.40, 0.50, 0.60, total_mean], "suppressed": ["", "", "complementary", ""]})
    t = t.assign(sector="power", year=2026, framework="csf2", node_id="GV", multi_counted=True)
    t[HIDDEN_COUNT] = t["n_scored"]
    t.loc[2, ["mean", "n_scored"]] = np.nan
    return t


def _interval(intervals: list) -> tuple[float, float]:
    (iv,) = [iv for iv in intervals if iv.statistic == "mean"]
    return round(iv.low, 4), round(iv.high, 4)


def test_one_company_counted_twice_leaves_a_hidden_segment_too_narrow():
    # 31 distinct companies, mean 0.50: they score 15.5 in all; A and B score 4 + 5 = 9, and the one company counted
    # twice adds 0 … 1 to the segments' sum, so C's 12 companies score 15.5 − 9 + (0 … 1) = 6.5 … 7.5:
    # C's mean lies in [6.5/12, 7.5/12] = [0.5417, 0.6250], 0.0833 wide where 0.10 must stay. Before the overlap was
    # held the solver dropped the relation for a multi-valued segmentation and left C the whole [0, 1].
    findings, intervals = attack({"categories": (_means(31, 0.50), MEANS)})
    assert _interval(intervals) == (0.5417, 0.625)
    assert [f.check for f in findings if "segment=C" in f.cell] == ["interval"]


def test_many_companies_counted_twice_leave_it_wide():
    # 21 distinct companies, mean 0.50 (10.5 in all), 11 of them counted twice: C scores 10.5 − 9 + (0 … 11),
    # i.e. 1.5 … 12.5 of at most 12: C's mean lies in [1.5/12, 1] = [0.125, 1.0], no finding.
    findings, intervals = attack({"categories": (_means(21, 0.50), MEANS)})
    assert _interval(intervals) == (0.125, 1.0)
    assert findings == []


def _grid_table() -> pd.DataFrame:
    """A category as the demo's power report has it: the grid group (15 companies, 13 reaching 90 %, 2 not:
    hidden for its split), 特定卸 (23, 6 reaching), 特定送配電・自家用 (28, 12), 発電 (156, 49), 小売 (200, 57) and
    the total of 317 distinct companies (104 reaching): the segments count 422, so 105 are counted twice or more."""
    segments = ["一般送配電・送電・配電", "特定卸", "特定送配電・自家用", "発電", "小売", ALL]
    n = [15, 23, 28, 156, 200, 317]
    reached = [13, 6, 12, 49, 57, 104]
    mean = [0.9833, 0.7163, 0.8326, 0.7488, 0.7025, 0.7312]
    return pd.DataFrame({"sector": "power", "year": 2026, "framework": "csf2", "node_id": "GV.OC",
                         "segment": segments, "n_scored": n, "reached": reached, "mean": mean,
                         "share_reached": [r / c for r, c in zip(reached, n, strict=True)], "threshold": 0.9,
                         "multi_counted": True})


def test_the_count_rule_alone_hides_a_neighbour_of_the_grid_group():
    # Without the solver the count rule treats the segments as adding up: the grid group's 2 companies below 90 %
    # would come back from the total less the published segments, so the smallest published segment, 特定卸, goes.
    out = protect(_grid_table(), k=5).set_index("segment")["suppressed"]
    assert out.to_dict() == {"一般送配電・送電・配電": "split", "特定卸": "complementary", "特定送配電・自家用": "",
                             "発電": "", "小売": "", ALL: ""}


def test_with_the_solver_the_neighbours_of_the_grid_group_stay_published():
    # Completed by the solver, no complementary cell is chosen by the count rule: with 105 companies counted twice the
    # total less the published segments leaves the grid group anywhere in its split's two ranges, so completion hides
    # nothing more and 特定卸 and 特定送配電・自家用 are published.
    out = protect(_grid_table(), k=5, completed=True)
    (done,) = complete([("categories", out, NODES)], 5)
    assert done.set_index("segment")["suppressed"].to_dict() == {
        "一般送配電・送電・配電": "split", "特定卸": "", "特定送配電・自家用": "", "発電": "", "小売": "", ALL: ""}


def test_no_third_cell_for_a_second_total_that_is_not_published():
    # Two hidden cells and a published total: a third is hidden only where the table publishes a members' value (the
    # second total); where every members' value is withheld (segments across the weighting cells) none is.
    base = pd.DataFrame({"sector": "power", "year": 2026, "framework": "csf2", "node_id": "GV",
                         "segment": ["A", "B", "C", "D", ALL], "n_scored": [10, 12, 30, 40, 92],
                         "mean": [np.nan, np.nan, 0.5, 0.6, 0.55], "suppressed": ["split", "complementary", "", "", ""],
                         HIDDEN_COUNT: [10, 12, 30, 40, 92]})
    without = hide_for_two_totals(base.assign(w_mean=np.nan)).set_index("segment")["suppressed"]
    assert without.to_dict() == {"A": "split", "B": "complementary", "C": "", "D": "", ALL: ""}
    with_members = hide_for_two_totals(base.assign(w_mean=[np.nan, np.nan, 0.5, 0.6, 0.56]))
    assert with_members.set_index("segment")["suppressed"].to_dict() == {
        "A": "split", "B": "complementary", "C": "complementary", "D": "", ALL: ""}
