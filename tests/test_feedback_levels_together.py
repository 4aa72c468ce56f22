"""Level means shown together (docs/method.md, "Level means shown together"): automotive 全項目の達成率 (All) is the
item-weighted mean of Lv1, Lv2, Lv3 (50, 74, 29 items), so a member's file may not print three of the four exactly
while the fourth is withheld. Hand-typed scores, k = 2.

Group M, four companies: Lv1 0.95 0.9 0.7 0.65 (mean 0.8, two on each side of 90 %), Lv2 0.95 0.9 0.3 0.25 (mean
0.6), Lv3 0.95 0.9 0.1 0.05 (mean 0.5, withheld: the report's levels table withholds M's Lv3+), All as the report's
distribution table prints it, 0.65 of 4. With Lv1 0.8 and Lv2 0.6 printed beside it, Lv3 would be
(153 × 0.65 − 50 × 0.8 − 74 × 0.6) / 29 = 15.05 / 29 = 0.519 (the true 0.5 within 0.02, inside the width 0.10).
With Lv1 and Lv2 withheld as well, All alone leaves Lv3 anywhere in 0…1 (50·Lv1 + 74·Lv2 spans 0…124 ≥ 99.45).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.scoring.feedback import feedback_tables

KEYS = ["M1", "M2", "M3", "M4"]
LEVELS = {"Lv1": [0.95, 0.9, 0.7, 0.65], "Lv2": [0.95, 0.9, 0.3, 0.25], "Lv3": [0.95, 0.9, 0.1, 0.05],
          "All": [0.95, 0.9, 0.4, 0.35]}


def _case() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    scores = pd.DataFrame([{"sector": "auto", "year": 2024, "respondent_key": key, "framework": "level",
                            "node_id": node, "score": values[i], "n_items": 1, "n_applicable": 1}
                           for node, values in LEVELS.items() for i, key in enumerate(KEYS)])
    respondents = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": KEYS, "size_band": "M"})
    responses = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": KEYS, "item_id": "No.1",
                              "answer": "implemented"})
    return scores, respondents, responses


def _published(all_hidden: bool = False) -> pd.DataFrame:
    """The report's cell of All for M (0.65 of 4) and the total (the same four companies)."""
    return pd.DataFrame([{"framework": "level", "node_id": "All", "segment": seg, "n": 4.0,
                          "mean": np.nan if all_hidden and seg == "M" else 0.65, "band": "",
                          "hidden": "complementary" if all_hidden and seg == "M" else "", "rounded": False,
                          "w_mean": np.nan} for seg in ("M", "全体")])


def _page(published: pd.DataFrame, withheld: set[tuple[str, str]]) -> pd.DataFrame:
    scores, respondents, responses = _case()
    per = feedback_tables(scores, respondents, responses, "auto", 2024, k=2, n_weak=1, published=published,
                          withheld=withheld)
    return per["M1"][0].set_index("node_id")


def test_a_withheld_lv3_beside_a_printed_all_takes_lv1_and_lv2_with_it():
    page = _page(_published(), {("Lv3", "M")})
    assert page.loc["All", "peer_mean"] == pytest.approx(0.65) and page.loc["All", "peer_n"] == 4
    for level in ("Lv1", "Lv2", "Lv3"):
        assert page.loc[level, "hidden"] == "withheld", level
        assert page.loc[level, ["peer_mean", "peer_n", "p50", "deviation"]].isna().all(), level
        assert page.loc[level, "peer_group"] == "M"
    # the member's own scores stay
    assert page.loc[["Lv1", "Lv2", "Lv3"], "score"].tolist() == pytest.approx([0.95, 0.95, 0.95])


def test_all_four_printed_where_nothing_is_withheld():
    page = _page(_published(), set())
    assert page.loc[["Lv1", "Lv2", "Lv3", "All"], "peer_mean"].tolist() == pytest.approx([0.8, 0.6, 0.5, 0.65])
    assert page.loc[["Lv1", "Lv2", "Lv3", "All"], "hidden"].tolist() == ["", "", "", ""]


def test_three_level_means_go_where_the_report_hides_the_groups_all():
    """M's All hidden by the report (compared with the total instead): Lv1 0.8, Lv2 0.6, Lv3 0.5 of M would give it
    back, (50 × 0.8 + 74 × 0.6 + 29 × 0.5) / 153 = 98.9 / 153 = 0.646."""
    page = _page(_published(all_hidden=True), set())
    assert page.loc[["Lv1", "Lv2", "Lv3"], "hidden"].tolist() == ["withheld"] * 3
    assert page.loc[["Lv1", "Lv2", "Lv3"], "peer_mean"].isna().all()
    assert page.loc["All", "peer_group"] == "全体"
