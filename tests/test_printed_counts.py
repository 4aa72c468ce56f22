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
