"""Level means shown together (docs/method.md, "Level means shown together"): automotive 全項目の達成率 (All) is the
item-weighted mean of Lv1, Lv2, Lv3 (50, 74, 29 items), so a member's file may not print three of the four exactly
while the fourth is withheld. Hand-typed scores, k = 2.

Group M, four companies: Lv1 0.95 0.9 0.7 0.65 (mean 0.8, two on each side of 90 %), Lv2 0.95 0.9 0.3 0.25 (mean
0.6), Lv3 0.95 0.9 0.1 0.05 (mean 0.5, withheld: the report's levels table withholds M's Lv3+), All as the report's
distribution table prints it, 0.65 of 4. With Lv1 0.8 and Lv2 0.6 printed beside it, Lv3 would be
(153 × 0.65 − 50 × 0.8 − 74 × 0.6) / 29 = 15.05 / 29 = 0.519 (the true 0.5 within 0.02, inside the width 0.10).
With Lv2 withheld as well (the level of the most items), 74·Lv2 + 29·Lv3 = 99.45 − 40 = 59.45 leaves Lv3 anywhere
in 0…1 (59.45 − 74 < 0, 59.45 / 29 > 1) and Lv2 in 30.45/74 … 59.45/74 = 0.411 … 0.803: Lv1 may stay.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.scoring.feedback import feedback_tables

KEYS = ["M1", "M2", "M3", "M4"]
LEVELS = {"Lv1": [0.95, 0.9, 0.7, 0.65], "Lv2": [0.95, 0.9, 0.3, 0.25], "Lv3": [0.95, 0.9, 0.1, 0.05],
          "All": [0.95, 0.9, 0.4, 0.35]}
ITEMS = {"Lv1": 50, "Lv2": 74, "Lv3": 29, "All": 153}  # the form's items per level


def _case() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    scores = pd.DataFrame([{"sector": "auto", "year": 2024, "respondent_key": key, "framework": "level",
                            "node_id": node, "score": values[i], "n_items": ITEMS[node],
                            "n_applicable": ITEMS[node]}
                           for node, values in LEVELS.items() for i, key in enumerate(KEYS)])
    respondents = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": KEYS, "size_band": "M"})
    responses = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": KEYS, "item_id": "No.1",
                              "answer": "implemented"})
    return scores, respondents, responses


def _published(all_hidden: bool = False, rounded: bool = False) -> pd.DataFrame:
    """The report's cell of All for M (0.65 of 4) and the total (the same four companies)."""
    return pd.DataFrame([{"framework": "level", "node_id": "All", "segment": seg, "n": 4.0,
                          "mean": np.nan if all_hidden and seg == "M" else 0.65, "band": "",
                          "hidden": "complementary" if all_hidden and seg == "M" else "", "rounded": rounded,
                          "w_mean": np.nan} for seg in ("M", "全体")])


def _page(published: pd.DataFrame, withheld: set[tuple[str, str]]) -> pd.DataFrame:
    scores, respondents, responses = _case()
    per = feedback_tables(scores, respondents, responses, "auto", 2024, k=2, n_weak=1, published=published,
                          withheld=withheld)
    return per["M1"][0].set_index("node_id")


def test_a_withheld_lv3_beside_a_printed_all_takes_the_level_of_most_items_with_it():
    page = _page(_published(), {("Lv3", "M")})
    assert page.loc["All", "peer_mean"] == pytest.approx(0.65) and page.loc["All", "peer_n"] == 4
    for level in ("Lv2", "Lv3"):
        assert page.loc[level, "hidden"] == "withheld", level
        assert page.loc[level, ["peer_mean", "peer_n", "p50", "deviation"]].isna().all(), level
        assert page.loc[level, "peer_group"] == "M"
    assert page.loc["Lv1", "hidden"] == "" and page.loc["Lv1", "peer_mean"] == pytest.approx(0.8)
    # the member's own scores stay
    assert page.loc[["Lv1", "Lv2", "Lv3"], "score"].tolist() == pytest.approx([0.95, 0.95, 0.95])


def test_a_rounded_all_beside_two_exact_levels_still_pins_a_withheld_lv3():
    """The report prints M's All rounded (0.65: 0.645…0.655). Lv1 0.8 and Lv2 0.6 beside it leave Lv3 in
    (153 × 0.645 − 84.4) / 29 … (153 × 0.655 − 84.4) / 29 = 0.4926 … 0.5453, 0.053 wide where 0.10 is required:
    Lv2 goes too (74·Lv2 + 29·Lv3 in 58.685 … 60.215: Lv3 0…1, Lv2 0.401…0.814)."""
    page = _page(_published(rounded=True), {("Lv3", "M")})
    assert page.loc[["Lv1", "Lv2", "Lv3"], "hidden"].tolist() == ["", "withheld", "withheld"]
    assert page.loc["Lv1", "peer_mean"] == pytest.approx(0.8)


def test_all_four_printed_where_nothing_is_withheld():
    page = _page(_published(), set())
    assert page.loc[["Lv1", "Lv2", "Lv3", "All"], "peer_mean"].tolist() == pytest.approx([0.8, 0.6, 0.5, 0.65])
    assert page.loc[["Lv1", "Lv2", "Lv3", "All"], "hidden"].tolist() == ["", "", "", ""]


def test_one_level_mean_goes_where_the_report_hides_the_groups_all():
    """M's All hidden by the report (compared with the total instead): Lv1 0.8, Lv2 0.6, Lv3 0.5 of M would give it
    back, (50 × 0.8 + 74 × 0.6 + 29 × 0.5) / 153 = 98.9 / 153 = 0.646. Lv2 withheld leaves All in
    (40 + 14.5) / 153 … (40 + 74 + 14.5) / 153 = 0.356 … 0.840; Lv1 and Lv3 stay."""
    page = _page(_published(all_hidden=True), set())
    assert page.loc[["Lv1", "Lv2", "Lv3"], "hidden"].tolist() == ["", "withheld", ""]
    assert page.loc[["Lv1", "Lv3"], "peer_mean"].tolist() == pytest.approx([0.8, 0.5])
    assert np.isnan(page.loc["Lv2", "peer_mean"])
    assert page.loc["All", "peer_group"] == "全体"


def test_the_level_to_withhold_is_the_one_that_leaves_the_width_not_the_heaviest():
    """All 0.3 printed, Lv1 0.9 and Lv2 0.0 printed, Lv3 withheld: 29·Lv3 = 45.9 − 45 = 0.9 gives Lv3 = 0.031.
    Withholding Lv2 (74 items) leaves 74·Lv2 + 29·Lv3 = 0.9: Lv3 0 … 0.031, still pinned. Withholding Lv1 leaves
    50·Lv1 + 29·Lv3 = 45.9: Lv3 0 … 1 and Lv1 (45.9 − 29)/50 … 45.9/50 = 0.338 … 0.918: Lv1 goes, Lv2 stays."""
    from pipeline.scoring.feedback_levels import levels_to_withhold, relation_interval

    weights = {"Lv1": 50.0, "Lv2": 74.0, "Lv3": 29.0}
    known = {"All": (0.3, 0.3), "Lv1": (0.9, 0.9), "Lv2": (0.0, 0.0)}
    assert relation_interval("Lv3", known, weights, "All") == pytest.approx((0.9 / 29, 0.9 / 29))
    assert levels_to_withhold(known, {"Lv3": 0.1}, ["Lv1", "Lv2"], weights, "All", 0.1) == ["Lv1"]
    assert relation_interval("Lv1", {"All": (0.3, 0.3), "Lv2": (0.0, 0.0)}, weights, "All") == pytest.approx(
        (16.9 / 50, 45.9 / 50))
    # nothing withheld: nothing to protect
    assert levels_to_withhold({**known, "Lv3": (0.031, 0.031)}, {}, ["Lv2", "Lv3"], weights, "All", 0.1) == []


def test_a_band_is_protected_whole_and_the_means_withheld_for_it_keep_the_width():
    """Lv1 printed as its band 「90%以上」 (0.9 … 1), Lv2 0.6 and Lv3 0.5 printed, All 106.4 / 153 printed (the true
    Lv1 0.95): the three give Lv1 = (106.4 − 44.4 − 14.5) / 50 = 0.95 inside the band. Withholding Lv2 keeps the band
    whole but pins Lv2 to (91.9 − 50) / 74 … (91.9 − 45) / 74 = 0.566 … 0.634 (0.068 < 0.10); withholding Lv3
    leaves 50·Lv1 + 29·Lv3 = 62: Lv1 the whole band, Lv3 (62 − 50) / 29 … (62 − 45) / 29 = 0.414 … 0.586."""
    from pipeline.scoring.feedback_levels import levels_to_withhold

    weights = {"Lv1": 50.0, "Lv2": 74.0, "Lv3": 29.0}
    known = {"All": (106.4 / 153,) * 2, "Lv1": (0.9, 1.0), "Lv2": (0.6, 0.6), "Lv3": (0.5, 0.5)}
    assert levels_to_withhold(known, {"Lv1": 0.1}, ["Lv2", "Lv3"], weights, "All", 0.1) == ["Lv3"]


def test_two_members_of_one_group_withhold_the_same_level_means():
    """M4 answered an older form with 10 Lv2 items (the others 74). Weighted by its own items, M4's file would keep
    Lv2 and withhold Lv1 (the heavier level then), M1's the reverse: the two files together would print Lv1 and Lv2
    beside All and give Lv3 back. Every member is weighed with the year's form (Lv2: 74): M1 and M4 withhold the same
    two means, Lv2 and Lv3."""
    scores, respondents, responses = _case()
    scores.loc[scores["respondent_key"].eq("M4") & scores["node_id"].eq("Lv2"), ["n_items", "n_applicable"]] = 10
    per = feedback_tables(scores, respondents, responses, "auto", 2024, k=2, n_weak=1, published=_published(),
                          withheld={("Lv3", "M")})
    hidden = {key: per[key][0].set_index("node_id").loc[["Lv1", "Lv2", "Lv3"], "hidden"].tolist()
              for key in ("M1", "M4")}
    assert hidden == {"M1": ["", "withheld", "withheld"], "M4": ["", "withheld", "withheld"]}
