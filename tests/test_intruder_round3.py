"""Issue 28, third round: what an outside intruder still rebuilt from the published tables, and the rules that
close it (docs/method.md §5.4). Expected values are typed by hand from the rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.publish.audit import hidden_cells, intruder_check
from pipeline.publish.model import PublishedTable, TableSpec
from pipeline.publish.publisher import published_frame
from pipeline.scoring.disclosure import HIDDEN_COUNT
from pipeline.scoring.disclosure_rounding import withhold_na_share

# --- F1: a node's exact not-applicable share gives back its rounded items' withheld counts -----------------


def _nodes() -> pd.DataFrame:
    """Two nodes of one year, two segments and the total each. Node A has items a1 and a2: 40 respondents, a1 with
    2 "not applicable" (rounded in the item table: its count withheld), a2 with 6 (exact), so A's share is
    (2 + 6) / (40 × 2) = 0.1 and 0.1 × 40 × 2 − 6 = 2 would give a1's count back. Node B has items b1 (5 not
    applicable) and b2 (7), both exact: (5 + 7) / 80 = 0.15, which says nothing the items do not."""
    return pd.DataFrame({"sector": "auto", "year": 2024, "framework": "csf2",
                         "node_id": ["A", "A", "A", "B", "B", "B"],
                         "segment": ["全体", "s1", "s2", "全体", "s1", "s2"],
                         "n": [40, 25, 15, 40, 25, 15],
                         "na_share": [0.1, 0.08, 0.1333, 0.15, 0.14, 0.1667],
                         "mean": [0.5, 0.4, 0.6, 0.7, 0.7, 0.7], "suppressed": ""})


def _items(rounded_a1: bool = True) -> pd.DataFrame:
    return pd.DataFrame({"sector": "auto", "year": 2024, "item_id": ["a1", "a2", "b1", "b2"],
                         "n_not_applicable": [np.nan if rounded_a1 else 2, 6, 5, 7],
                         "suppressed": "", "rounded": [rounded_a1, False, False, False]})


LINKS = pd.DataFrame({"year": 2024, "item_id": ["a1", "a2", "b1", "b2"], "node_id": ["A", "A", "B", "B"]})


def test_a_node_over_a_rounded_item_withholds_its_not_applicable_share_in_every_segment():
    out = withhold_na_share(_nodes(), _items(), LINKS)
    a, b = out[out["node_id"].eq("A")], out[out["node_id"].eq("B")]
    assert a["na_share"].isna().all()  # 全体, s1, s2: the segments add up to the total
    assert b["na_share"].tolist() == [0.15, 0.14, 0.1667]  # every item exact: the share stays
    assert out["mean"].tolist() == [0.5, 0.4, 0.6, 0.7, 0.7, 0.7]  # nothing else touched


def test_a_hidden_item_withholds_its_nodes_share_too_and_an_exact_one_does_not():
    hidden = _items(rounded_a1=False)
    hidden.loc[hidden["item_id"].eq("b2"), ["n_not_applicable", "suppressed"]] = [np.nan, "split"]
    out = withhold_na_share(_nodes(), hidden, LINKS)
    assert out.loc[out["node_id"].eq("A"), "na_share"].tolist() == [0.1, 0.08, 0.1333]
    assert out.loc[out["node_id"].eq("B"), "na_share"].isna().all()


def test_another_years_rounded_item_leaves_this_year_alone():
    items = _items().assign(year=2023)
    out = withhold_na_share(_nodes(), items, LINKS.assign(year=2023))
    assert out["na_share"].notna().all()


# --- the solver: a ★ row hidden for its ready share keeps the split on the share, not on its mean ----------

STAR = TableSpec(keys=["sector", "year", "framework", "node_id"], total="全体",
                 counts={"mean": "n_scored", "share_reached": "n_scored"})


def _star() -> pd.DataFrame:
    """★3 in one year: 〜100人 40 companies, 2 ready (split: fewer than 5), mean 0.35; 101〜300人 60 companies,
    48 ready, mean 0.9 (hidden as complementary); 全体 100 companies, 50 ready, mean (14 + 54) / 100 = 0.68. The ★
    table carries no threshold column (every requirement met is ready), so nothing ties a row's mean to its
    ready share: they fall in different groups of the solver."""
    t = pd.DataFrame({"sector": "auto", "year": 2024, "framework": "star", "node_id": "★3",
                      "segment": ["〜100人", "101〜300人", "全体"], "n_scored": [40.0, 60.0, 100.0],
                      "mean": [0.35, 0.9, 0.68], "share_reached": [2 / 40, 48 / 60, 50 / 100],
                      "suppressed": ["split", "complementary", ""]})
    t[HIDDEN_COUNT] = t["n_scored"]
    shut = t["suppressed"].ne("")
    t.loc[shut, ["mean", "share_reached", "n_scored"]] = np.nan
    return t


def test_a_star_rows_split_is_on_its_ready_share_so_its_mean_is_not_pinned_near_one():
    """The total gives 40 a + 60 b = 68 for the two hidden means, so a ∈ [(68 − 60) / 40, 1] = [0.2, 1]. Put on the
    mean, the split (within 4/40 = 0.1 of 0 or 1) read a ∈ [0.9, 1], which excludes the true 0.35; on the ready
    share it reads 40 s + 60 t = 50 with s ≤ 0.1 or s ≥ 0.9: s ∈ [(50 − 60)/40 → 0, 0.1] ∪ [0.9, 1]."""
    frame = _star()
    table = PublishedTable("star", "star", frame, list(frame.columns), spec=STAR)
    log = hidden_cells([table])
    shown = PublishedTable("star", "star", published_frame(frame, STAR.keys), list(frame.columns), spec=STAR)
    intervals: list = []
    intruder_check([shown], log, 5, [], intervals)
    got = {(iv.cell.split("segment=")[1], iv.statistic): (iv.low, iv.high) for iv in intervals}
    assert got[("〜100人", "mean")] == pytest.approx((0.2, 1.0), abs=1e-6)
    low, high = got[("〜100人", "share_reached")]
    assert low == pytest.approx(0.0, abs=1e-6) and high == pytest.approx(1.0, abs=1e-6)  # the hull of both ends


# --- F2: the ★ mean and its segment's bottleneck rows rebuild each other ---------------------------------------

def _star_table() -> pd.DataFrame:
    """★3 rows of FY2022 and FY2023: 〜100人 hidden (split) in FY2022; 1,001〜10,000人 127 companies, mean
    0.9032620922 (interval 0.8812–0.9235); 101〜300人 30 companies, mean 0.8; 全体 300, mean 0.85. ★3+ is the
    ready share's row, not a mean over requirements: left alone."""
    t = pd.DataFrame({"sector": "auto", "year": [2022] * 5 + [2023],
                      "node_id": ["★3", "★3", "★3", "★3", "★3+", "★3"],
                      "segment": ["〜100人", "1,001〜10,000人", "101〜300人", "全体", "1,001〜10,000人",
                                  "1,001〜10,000人"],
                      "n_scored": [159.0, 127.0, 30.0, 300.0, 127.0, 127.0],
                      "mean": [np.nan, 0.9032620922, 0.8, 0.85, 0.3, 0.9032620922],
                      "mean_ci_low": [np.nan, 0.8812, 0.75, 0.83, 0.2, 0.8812],
                      "mean_ci_high": [np.nan, 0.9235, 0.85, 0.87, 0.4, 0.9235],
                      "share_reached": [np.nan, 0.3, 0.2, 0.25, 0.3, 0.3],
                      "sd": [np.nan, 0.186653, 0.12, 0.2, np.nan, 0.186653],
                      "suppressed": ["split", "", "", "", "", ""]})
    return t


def _bottlenecks() -> pd.DataFrame:
    """Two ★3 requirements per segment of FY2022 and one of FY2023; 2-1-2 hidden (split) in 1,001〜10,000人 and
    101〜300人 of FY2022, nothing hidden in FY2023."""
    segs = ["〜100人", "1,001〜10,000人", "101〜300人", "全体"]
    t = pd.DataFrame({"sector": "auto", "year": [2022] * 8 + [2023], "star": 3,
                      "requirement_id": ["1-2-1", "2-1-2"] * 4 + ["2-1-2"],
                      "segment": [s for s in segs for _ in (0, 1)] + ["1,001〜10,000人"],
                      "share_unmet": [0.6, 0.1, 0.1, np.nan, 0.2, np.nan, 0.15, 0.05, 0.03],
                      "suppressed": ["", "", "", "split", "", "split", "", "", ""]})
    return t


def _hide(t: pd.DataFrame, i: object) -> pd.DataFrame:
    out = t.copy()
    out.loc[i, ["share_unmet", "suppressed"]] = [np.nan, "complementary"]
    return out


def test_a_hidden_star_row_hides_its_segments_bottleneck_rows():
    from pipeline.report.star_disclosure import hide_bottlenecks_of_hidden_stars

    out = hide_bottlenecks_of_hidden_stars(_bottlenecks(), _star_table(), _hide)
    small = out[out["segment"].eq("〜100人")]
    assert small["suppressed"].tolist() == ["complementary", "complementary"]
    assert small["share_unmet"].isna().all()
    # the other segments keep what they had
    assert out.loc[out["segment"].ne("〜100人"), "suppressed"].tolist() == ["", "split", "", "split", "", "", ""]


def test_a_published_star_mean_beside_a_hidden_bottleneck_is_rounded_or_withheld():
    """R = 21. 1,001〜10,000人: 0.005 × 21 × 127 = 13.3 companies of slack ≥ 4 → mean 0.90, sd 0.19, and the
    interval from what is printed: 1.96 × 0.195 / √127 = 0.0339 from the band's ends, 0.895 − 0.0339 = 0.8611 →
    0.86 and 0.905 + 0.0339 = 0.9389 → 0.94 (rounded outward). 101〜300人: 0.005 × 21 × 30 = 3.15 < 4 → its mean
    withheld (x). 全体 (no hidden row of its own, but the segments add up to it): rounded, 0.85, sd 0.20:
    1.96 × 0.205 / √300 = 0.0232, 0.8218 → 0.82 and 0.8782 → 0.88. FY2023 (no hidden bottleneck row) and the ★3+
    row stay exact."""
    from pipeline.publish.formats import WITHHELD_CELLS
    from pipeline.report.star_disclosure import round_star_means

    out = round_star_means(_star_table(), _bottlenecks(), {3: 21, 4: 36}, 5).set_index(["year", "node_id", "segment"])
    big = out.loc[(2022, "★3", "1,001〜10,000人")]
    assert (big["mean"], big["mean_ci_low"], big["mean_ci_high"]) == pytest.approx((0.90, 0.86, 0.94))
    assert bool(big["rounded"]) is True and big["share_reached"] == 0.3
    small = out.loc[(2022, "★3", "101〜300人")]
    assert np.isnan(small["mean"]) and np.isnan(small["mean_ci_low"])
    assert {"mean", "mean_ci_low", "mean_ci_high"} <= set(small[WITHHELD_CELLS].split())
    total = out.loc[(2022, "★3", "全体")]
    assert (total["mean"], total["mean_ci_low"], total["mean_ci_high"]) == pytest.approx((0.85, 0.82, 0.88))
    assert out.loc[(2023, "★3", "1,001〜10,000人"), "mean"] == 0.9032620922
    assert out.loc[(2022, "★3+", "1,001〜10,000人"), "mean"] == 0.3
    # the spread goes with the mean (round six: sd 0.186653 beside 0.90 left one sum of squares on the 1/21 grid,
    # and with it 0.903262): rounded to 0.19 where the mean is rounded, withheld where it is withheld, exact in 2023
    assert big["sd"] == pytest.approx(0.19) and np.isnan(small["sd"]) and "sd" in small[WITHHELD_CELLS].split()
    assert out.loc[(2023, "★3", "1,001〜10,000人"), "sd"] == 0.186653


# --- F3: a response row hidden for its roster's split prints its respondents: not called hidden -----------------

def test_a_response_row_that_prints_its_respondents_is_marked_withheld_not_hidden():
    """Power 一般送配電・送電・配電 FY2024: 15 respondents, all 15 on the roster answered (100%: uniform) → the rate,
    its interval, the roster and the respondents found on it withheld, n = 15 printed, the row marked 'withheld';
    特定卸 below it hidden with its respondents withheld too (n blank) stays 'hidden'; a published row ''."""
    from pipeline.publish.publisher import published_frame

    frame = pd.DataFrame({"sector": "power", "year": 2024, "segment": ["一般送配電・送電・配電", "特定卸", "発電"],
                          "n": [15.0, np.nan, 120.0], "n_on_roster": [15.0, 19.0, 118.0],
                          "roster_n": [15.0, 30.0, 200.0], "response_rate": [1.0, 19 / 30, 0.59],
                          "suppressed": ["uniform", "complementary", ""]})
    out = published_frame(frame, ["sector", "year", "segment"], ["n"])
    assert out["suppressed"].tolist() == ["withheld", "hidden", ""]
    assert out["n"].tolist()[0] == 15.0 and np.isnan(out["n"].tolist()[1])
    assert out.loc[0, ["n_on_roster", "roster_n", "response_rate"]].isna().all()
    assert out.loc[1, ["n_on_roster", "roster_n", "response_rate"]].isna().all()
    assert out.loc[2, "response_rate"] == 0.59


def test_node_rows_built_without_item_answers_withhold_their_not_applicable_share():
    """The cross-sector page loads scores without item answers: it cannot tell which items the sector's report
    rounds, so no node row of it prints a not-applicable share (five companies scored on ID.AM, none not
    applicable: the share would read 0.0)."""
    from pipeline.report import explore as X
    from tests.test_explore import _handmade

    t = X.node_table(_handmade(), 2025, None, ["ID.AM"], framework="csf2", k=2)
    assert t["n_scored"].tolist() == [5] and t["na_share"].isna().all()
    assert t["_withheld"].tolist() == ["na_share"]  # read as x (withheld), not as the not-assessed dash


def test_a_star_row_whose_base_is_withheld_takes_the_fewest_companies_for_its_slack():
    """1,001〜10,000人 with its base withheld by the base rule (n = 127 respondents, 1–4 not judged): at least
    127 − 4 = 123 judged, 0.005 × 21 × 123 = 12.9 ≥ 4 → rounded (0.90); 101〜300人 likewise at 30 respondents:
    26 judged at least, 0.005 × 21 × 26 = 2.73 < 4 → withheld."""
    from pipeline.report.star_disclosure import round_star_means

    star = _star_table().assign(n=[159.0, 127.0, 30.0, 300.0, 127.0, 127.0])
    star.loc[star["segment"].isin(["1,001〜10,000人", "101〜300人"]), "n_scored"] = np.nan
    out = round_star_means(star, _bottlenecks(), {3: 21, 4: 36}, 5).set_index(["year", "node_id", "segment"])
    assert out.loc[(2022, "★3", "1,001〜10,000人"), "mean"] == pytest.approx(0.90)
    assert np.isnan(out.loc[(2022, "★3", "101〜300人"), "mean"])
