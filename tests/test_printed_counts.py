"""A mean never stands beside a withheld count: where the respondents' own rule hides a count the statistics'
protection published (a complementary count beside a small segment), the row's statistics are hidden too. Typed by
hand: segments A (3 respondents), B (20), C (30), total 53; k = 5."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.report.tables import SPECS, printed_counts
from pipeline.scoring.segments import ALL


def test_a_count_hidden_by_its_own_rule_takes_the_row_with_it():
    counted = pd.DataFrame({"sector": "power", "year": 2026, "segment": ["A", "B", "C", ALL], "n": [3, 20, 30, 53]})
    # the statistics' protection (completed by the solver later) hid A alone and published B, C and the total
    out = counted.assign(mean=[np.nan, 0.70, 0.60, 0.63], p50=[np.nan, 0.72, 0.61, 0.64],
                         suppressed=["primary", "", "", ""])
    got = printed_counts(out, counted, 5, SPECS["distribution"]).set_index("segment")
    # A (3) is below k; B, the smallest other count, is hidden with it so the pair holds 23 together
    assert np.isnan(got.loc["A", "n"]) and np.isnan(got.loc["B", "n"])
    assert got.loc["B", "suppressed"] == "complementary"
    assert np.isnan(got.loc["B", "mean"]) and np.isnan(got.loc["B", "p50"])
    assert got.loc["C", "n"] == 30 and got.loc["C", "mean"] == 0.60 and got.loc["C", "suppressed"] == ""
    assert got.loc[ALL, "n"] == 53 and got.loc[ALL, "mean"] == 0.63


def test_every_row_whose_count_is_hidden_goes_at_once_with_the_changes_that_read_it():
    """Two years; segments A (3 respondents) and B (4) are below k both years, C (20) and D (30) are not, total 57.
    The statistics' protection published every row: A and B lose their counts to the count's own rule (3 + 4 = 7
    together, so C and D stay), so both rows are hidden, and FY2026's change of A and B (it reads FY2025's hidden
    mean) goes with them. C, D and the total keep their means and changes."""
    segs = ["A", "B", "C", "D", ALL]
    counted = pd.DataFrame({"sector": "power", "year": [2025] * 5 + [2026] * 5, "segment": segs * 2,
                            "n": [3, 4, 20, 30, 57] * 2})
    out = counted.assign(framework="instrument", node_id="overall",
                         mean=[0.5, 0.6, 0.7, 0.8, 0.72, 0.55, 0.65, 0.75, 0.85, 0.77],
                         previous_year=[np.nan] * 5 + [2025.0] * 5,
                         change=[np.nan] * 5 + [0.05] * 5, suppressed="")
    got = printed_counts(out, counted, 5, SPECS["distribution"]).set_index(["year", "segment"])
    for year in (2025, 2026):
        for seg in ("A", "B"):
            assert got.loc[(year, seg), "suppressed"] == "complementary"
            assert np.isnan(got.loc[(year, seg), "n"]) and np.isnan(got.loc[(year, seg), "mean"])
            assert np.isnan(got.loc[(year, seg), "change"])
    assert got.loc[(2026, "C"), "mean"] == 0.75 and got.loc[(2026, "C"), "change"] == 0.05
    assert got.loc[(2026, ALL), "n"] == 57 and got.loc[(2026, ALL), "change"] == 0.05
    assert got.loc[(2025, "D"), "suppressed"] == ""


def test_hide_row_takes_a_list_and_hides_as_one_row_at_a_time_does():
    """FY2025's rows of nodes A and B hidden at once, or one after the other: the same frame, and FY2026's changes
    of both nodes (each reads its hidden FY2025 mean) withheld while FY2026's means stay."""
    from pipeline.publish.intervals import hide_row

    frame = pd.DataFrame({"sector": "power", "year": [2025, 2025, 2026, 2026], "framework": "csf2",
                          "node_id": ["A", "B", "A", "B"], "segment": "S", "n": [10.0] * 4,
                          "n_scored": [10.0] * 4, "mean": [0.4, 0.5, 0.6, 0.7],
                          "previous_year": [np.nan, np.nan, 2025.0, 2025.0], "change": [np.nan, np.nan, 0.2, 0.2],
                          "suppressed": ""})
    spec = SPECS["nodes"]
    at_once = hide_row(frame, [0, 1], spec)
    assert at_once["suppressed"].tolist() == ["complementary", "complementary", "", ""]
    assert at_once["mean"].isna().tolist() == [True, True, False, False]
    assert at_once["change"].isna().tolist() == [True, True, True, True]
    one_by_one = hide_row(hide_row(frame, 0, spec), 1, spec)
    pd.testing.assert_frame_equal(at_once, one_by_one)
    assert hide_row(frame, [], spec).equals(frame)


def test_hide_row_withholds_only_the_changes_that_read_a_hidden_row():
    """FY2025's row of node A hidden (and then FY2025's of B in segment T, which FY2026 of S does not read): FY2026's
    change of A in S goes, B's in S (0.2, reading B's published FY2025 mean) stays, and so does A's in T."""
    from pipeline.publish.intervals import hide_row

    frame = pd.DataFrame({"sector": "power", "year": [2025, 2025, 2026, 2026, 2025, 2026], "framework": "csf2",
                          "node_id": ["A", "B", "A", "B", "A", "A"], "segment": ["S", "S", "S", "S", "T", "T"],
                          "n": [10.0] * 6, "n_scored": [10.0] * 6, "mean": [0.4, 0.5, 0.6, 0.7, 0.3, 0.35],
                          "previous_year": [np.nan, np.nan, 2025.0, 2025.0, np.nan, 2025.0],
                          "change": [np.nan, np.nan, 0.2, 0.2, np.nan, 0.05], "suppressed": ""})
    got = hide_row(frame, [0], SPECS["nodes"])
    assert got["change"].tolist()[3] == 0.2 and got["change"].tolist()[5] == 0.05
    assert np.isnan(got.loc[2, "change"]) and got.loc[2, "mean"] == 0.6
