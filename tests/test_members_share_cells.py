"""The members' share of an item (docs/method.md §12.4a, "The members' share of an item"): one set of weighting cells
for every report of a store, the share published to whole percent and withheld where it still pins a cell's count.
Numbers typed by hand from the rule."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from pipeline.report import protected as P
from pipeline.report import tables as T
from pipeline.report.data import ReportData
from pipeline.scoring.disclosure_members_share import (
    cell_count_values,
    pins_a_cell,
    printed_band,
    publish_members_shares,
)
from pipeline.scoring.disclosure_rounding import round_small_not_applicable
from pipeline.scoring.weights import roster_weights

# FY2022 automotive, item No.3 as the size report published it: two weighting cells, 〜100人 (250 members, 155
# respondents) and the rest (559 members, 441 respondents); 591 applicable, 496 implemented, 5 not applicable
NO3_CELLS = [(250 / 155, 155), (559 / 441, 441)]


def test_a_share_printed_to_sixteen_digits_pins_the_small_cell():
    """W1·a1 + W2·(496 − a1) = s·(W1·p1 + W2·(591 − p1)) has one whole solution over p1 = 150 … 155, a1 ≤ p1:
    (153, 81), i.e. 2 companies in 〜100人 and 3 in the rest found the item not applicable (the intruder's claim,
    right in the store). A unique count is narrower than any width: withheld."""
    s = Fraction(0.818842399937536)
    ranges = cell_count_values(NO3_CELLS, 591, 496, (s - Fraction(1, 10**12), s + Fraction(1, 10**12)))
    assert ranges == [((81,), (2,)), ((415,), (3,))]
    assert pins_a_cell(ranges, 5)


def test_the_same_share_to_whole_percent_leaves_every_count_its_width():
    """Rounded, 0.82 stands for [0.815, 0.825]. a1 = (s·D − W2·496) / (W1 − W2), W1 − W2 = 1.61290 − 1.26757 =
    0.34533, W2·496 = 628.71. Fewest: p1 = 150, s = 0.815: D = 1.61290·150 + 1.26757·441 = 800.94, (652.77 −
    628.71) / 0.34533 = 69.7 → 70. Most: p1 = 155, s = 0.825: D = 250 + 1.26757·436 = 802.66, (662.19 − 628.71) /
    0.34533 = 96.9 → 96. So 〜100人's implemented count lies in 70 … 96, the rest's in 400 … 426, and each cell's
    not-applicable count in 0 … 5 (all five leave the sums): every width ≥ k − 1 = 4, published."""
    ranges = cell_count_values(NO3_CELLS, 591, 496, printed_band(0.82))
    assert ranges == [(tuple(range(70, 97)), (0, 1, 2, 3, 4, 5)), (tuple(range(400, 427)), (0, 1, 2, 3, 4, 5))]
    assert not pins_a_cell(ranges, 5)


def test_the_counts_alone_are_their_bounds_as_the_enumeration_finds_them():
    """Cells of 10 and 100 respondents, P = 108, A = 60, any share: cell 1 implements 0 … 10 (the other cell holds
    the rest of 60) and finds 0 … 2 not applicable (p1 ≥ 108 − 100 = 8); cell 2 implements 50 … 60 and finds 0 … 2
    not applicable. The same as enumerating every split against a band no share leaves ([0, 3)); none where no split
    fits (P above the respondents, A above P) or P = 0."""
    cells = [(10.0, 10), (1.0, 100)]
    alone = [(tuple(range(0, 11)), (0, 1, 2)), (tuple(range(50, 61)), (0, 1, 2))]
    assert cell_count_values(cells, 108, 60) == alone
    assert cell_count_values(cells, 108, 60, (Fraction(0), Fraction(3))) == alone
    three = [(2.0, 3), (1.5, 4), (1.0, 2)]
    for p, a in [(5, 2), (9, 9), (1, 0), (7, 7)]:
        assert cell_count_values(three, p, a) == cell_count_values(three, p, a, (Fraction(0), Fraction(3)))
    assert cell_count_values(cells, 111, 60) is None and cell_count_values(cells, 50, 51) is None
    assert cell_count_values(cells, 0, 0) is None


def _items(share: float) -> pd.DataFrame:
    return pd.DataFrame({"sector": ["auto"], "year": [2024], "item_id": ["No.1"], "n_applicable": [110],
                         "n_implemented": [60], "n_not_applicable": [0], "share_implemented": [60 / 110],
                         "w_share_implemented": [share], "w_ci_low": [0.4512], "w_ci_high": [0.6049],
                         "suppressed": [""], "rounded": [False]})


def _weights() -> pd.DataFrame:
    """Cell 1: 10 respondents for 100 members (W = 10); cell 2: 100 respondents for 100 members (W = 1)."""
    return pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [f"r{i}" for i in range(110)],
                         "weight": [10.0] * 10 + [1.0] * 100})


def test_two_rows_with_the_same_counts_enumerate_the_cells_once(monkeypatch):
    """Items No.1 and No.2 both 60 of 110 applicable, members' share 0.5467 → 0.55 over the same two cells: the
    splits are enumerated once for the printed band (the counts alone, in closed form, are asked once per row), and
    both rows publish the same rounded share and interval. The interval is the band ends' (0.545, 0.555) over the
    effective base 110 ÷ deff, deff = 110·(50·2·1 + 60·1.8·0.8) / (50·2 + 60·1.8)² = 110·186.4 / 208² = 0.4739, so
    232.1 companies: Wilson's low end at 0.545 is 0.5443 − 0.0636 = 0.4807 → 0.48 and its high end at 0.555 is
    0.5541 + 0.0634 = 0.6175 → 0.62, rounded outward (docs/method.md §5.4, "Intervals beside rounded values")."""
    import pipeline.scoring.disclosure_members_share as M

    calls = []
    enumerate_once = M.cell_count_values
    monkeypatch.setattr(M, "cell_count_values", lambda *a: calls.append(a[1:]) or enumerate_once(*a))
    w = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [f"r{i}" for i in range(110)],
                      "weight": [2.0] * 50 + [1.8] * 60})
    items = pd.concat([_items(0.5467), _items(0.5467).assign(item_id="No.2")], ignore_index=True)
    out = publish_members_shares(items, w, 5)
    band = printed_band(0.55)
    assert calls == [(110, 60, band), (110, 60, M.ANY_SHARE), (110, 60, M.ANY_SHARE)]
    assert out["w_share_implemented"].tolist() == [0.55, 0.55]
    assert out["w_ci_low"].tolist() == [0.48, 0.48] and out["w_ci_high"].tolist() == [0.62, 0.62]


def test_rounding_alone_is_no_guarantee_with_very_different_weights():
    """Every respondent applies (p = 10, 100), 60 implemented: numerator 10·a1 + (60 − a1) = 60 + 9·a1 over D = 200.
    a1 = 5 gives 105 / 200 = 0.525, published 0.53 = [0.525, 0.535] → 60 + 9·a1 ∈ [105, 107] → a1 = 5 only:
    withheld (x), interval too. Where a1 = 10 (150 / 200 = 0.75, band [0.745, 0.755] → 9·a1 ∈ [89, 91] → a1 = 10)
    likewise. With equal weights nothing is pinned (see the next test)."""
    out = publish_members_shares(_items(0.525), _weights(), 5)
    row = out.iloc[0]
    assert np.isnan(row["w_share_implemented"]) and np.isnan(row["w_ci_low"]) and np.isnan(row["w_ci_high"])
    assert set(row["_withheld"].split()) == {"w_share_implemented", "w_ci_low", "w_ci_high"}
    assert row["share_implemented"] == 60 / 110  # the respondents' share stays


def test_a_published_members_share_is_rounded_with_its_interval_from_what_is_printed():
    """Cells of 2 and 1.8 members per respondent: a1 moves the share by 0.2 / D ≈ 0.1 % per company, so 0.5467 →
    0.55 leaves a1 23 … 33: published rounded. Its interval is built from what is printed: the cells' design
    effect n·Σ n_h·W_h·(W_h − 1) / (Σ n_h·W_h)² = 110·(50·2·1 + 60·1.8·0.8) / 208² = 20,504 / 43,264 = 0.4739 (half
    of each cell's members answered: the finite-population correction halves the variance), so an effective base of
    110 / 0.4739 = 232.1; Wilson over it at the band's low end 0.545 reaches down to 0.4807 → 0.48, at its high
    end 0.555 up to 0.6175 → 0.62. The exact interval handed in (0.4512 … 0.6049) plays no part."""
    w = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [f"r{i}" for i in range(110)],
                      "weight": [2.0] * 50 + [1.8] * 60})
    row = publish_members_shares(_items(0.5467), w, 5).iloc[0]
    assert row["w_share_implemented"] == 0.55
    assert (row["w_ci_low"], row["w_ci_high"]) == (0.48, 0.62)


# size band → (members, respondents): 301〜1,000人 has 3 members who did not answer (< 5), so its response row is
# withheld and the weighting cells are merged onto published rows (rule 2 of §12.4a)
BANDS = {"〜100人": (40, 20), "101〜300人": (40, 10), "301〜1,000人": (30, 27), "1,001〜10,000人": (30, 15),
         "10,001人〜": (20, 10)}


def _store() -> ReportData:
    """Company i of a band: industry 完成車 when i is even, else 自動車部品; items not applicable where i mod 5 = 4,
    else No.1 implemented unless i is a multiple of 3, No.2 in 301〜1,000人 and for odd i; every function scores
    0.5 + 0.1·(i mod 5)."""
    scores, respondents, roster, answers = [], [], [], []
    for band, (members, answered) in BANDS.items():
        for i in range(members):
            key = f"{band}-{i}"
            industry = "完成車" if i % 2 == 0 else "自動車部品"
            row = {"sector": "auto", "year": 2024, "respondent_key": key, "size_band": band, "industry": industry}
            roster.append(row)
            if i >= answered:
                continue
            respondents.append(row)
            scores += [{"sector": "auto", "year": 2024, "respondent_key": key, "framework": "csf2", "node_id": f,
                        "score": 0.5 + 0.1 * (i % 5), "n_items": 4, "n_applicable": 4}
                       for f in ["GV", "ID", "PR", "DE", "RS", "RC"]]
            done = {"No.1": i % 3 != 0, "No.2": band == "301〜1,000人" or i % 2 == 1}
            answers += [{"sector": "auto", "year": 2024, "respondent_key": key, "item_id": item,
                         "answer": "not_applicable" if i % 5 == 4 else "implemented" if yes else "not_implemented"}
                        for item, yes in done.items()]
    respondents, roster = pd.DataFrame(respondents), pd.DataFrame(roster)
    weights, _ = roster_weights(roster, respondents, ["size_band"], trim_ratio=None)
    return ReportData("auto", [2024], pd.DataFrame(scores), respondents, pd.DataFrame(answers), roster,
                      weights=weights)


def test_reports_by_size_and_by_industry_publish_the_same_members_shares():
    """301〜1,000人's row is withheld, so the cells 301〜1,000人 … 10,001人〜 are merged: 80 members over 52
    respondents. No.2 (not applicable where i mod 5 = 4) is implemented by 8 of 16 applicable in 〜100人 (W 2), 4 of 8
    in 101〜300人 (W 4), 22 of 22 + 6 of 12 + 4 of 8 = 32 of 42 in the merged cell (W 80/52):
    (16 + 16 + 80/52·32) / (32 + 32 + 80/52·42) = 81.23 / 128.62 = 0.6316 → 0.63 in both reports. Unmerged (the
    industry report before), 301〜1,000人 weighs 30/27 and the two larger bands 2: (32 + 30/27·22 + 12 + 8) /
    (64 + 30/27·22 + 24 + 16) = 76.44 / 128.44 = 0.5952 → 0.60, which beside the size report's 0.63 told the
    merged cells apart. The industry report states the merge rule (its note). Neither report prints these shares:
    no function's members' total is published beside them, so both read x (the items-beneath rule,
    tests/test_members_beneath.py); the share each report's weighting makes is compared here, and it is the one
    both would print."""
    from pipeline.scoring.weighted import weighted_item_shares

    data = _store()
    made, printed = {}, {}
    for by in ("size_band", "industry"):
        rd, merges = data.merge_small_segments(by, 5)
        linked = P.linked_tables(data, rd, by, merges, "csf2", 5)
        items = linked.items.set_index("item_id").loc[["No.1", "No.2"]]
        printed[by] = (items["w_share_implemented"].isna().all(),
                       all("w_share_implemented" in str(m).split() for m in items["_withheld"]))
        made[by] = weighted_item_shares(data.responses, linked.data.weights).set_index("item_id")
        assert linked.data.weight_rows_published == frozenset({("auto", 2024)})
        labels = {"weight_cells": {}, "weighting_text": "", "weighting_merged": "",
                  "weighting_published_rows": "RULE-2", "weighting_unmatched": "{counts}",
                  "weighting_unmatched_count": "{year} {n}", "headline": {"list_separator": "、"},
                  "fy": "{year}年度"}
        assert "RULE-2" in T.weighting_note(linked.data, labels, k=5)
    assert made["size_band"].at["No.2", "w_share_implemented"] == pytest.approx(81.23 / 128.62, abs=1e-4)
    assert made["industry"].at["No.2", "w_share_implemented"] == pytest.approx(81.23 / 128.62, abs=1e-4)
    assert printed["size_band"] == printed["industry"] == (True, True)  # x in both, not "not assessed"


def test_a_share_on_the_upper_band_edge_prints_the_next_percent():
    """Cells W = 3 (15 respondents) and W = 1 (23); 16 applicable, 6 implemented. With p2 = 16 − p1, a2 = 6 − a1 the
    share is (3·a1 + 6 − a1) / (3·p1 + 16 − p1) = (a1 + 3) / (p1 + 8). Cell 1 with 11 applicable (4 not applicable),
    4 implemented, cell 2 with 5 applicable (18 not), 2 implemented: 7 / 19 = 0.368 → 0.37, which stands for
    [0.365, 0.375). Over p1 = 0 … 15, a1 ≥ p1 − 10: 3/8 (p1 = 0, a1 = 0) and 6/16 (p1 = 8, a1 = 3) are 0.375 exactly
    and print 0.38 (half up); 4/11 = 0.364, 5/13 = 0.385, 5/14 = 0.357, 8/21 = 0.381, 8/22 = 0.364 fall outside.
    One split is left: every count pinned, withheld."""
    cells = [(3.0, 15), (1.0, 23)]
    assert cell_count_values(cells, 16, 6, printed_band(0.37)) == [((4,), (4,)), ((2,), (18,))]
    items = _items(14 / 38).assign(n_applicable=16, n_implemented=6, n_not_applicable=22, share_implemented=6 / 16)
    w = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [f"r{i}" for i in range(38)],
                      "weight": [3.0] * 15 + [1.0] * 23})
    row = publish_members_shares(items, w, 5).iloc[0]
    assert np.isnan(row["w_share_implemented"]) and np.isnan(row["w_ci_low"])


def test_a_cell_count_with_gaps_counts_its_values_not_its_span():
    """Cells W = 8 (17 respondents) and W = 1 (60); 44 applicable, 17 implemented, published 0.39 = [0.385, 0.395).
    Share (8·a1 + 17 − a1) / (8·p1 + 44 − p1) = (7·a1 + 17) / (7·p1 + 44). a1 = 0: p1 = 0 gives 17/44 = 0.3864.
    a1 = 1: 24 / (7·p1 + 44) needs 60.8 < 7·p1 + 44 ≤ 62.3, no whole p1. a1 = 2: 31 needs 78.5 < D ≤ 80.5 → D = 79
    (p1 = 5). a1 = 3: 38 needs 96.2 < D ≤ 98.7, D = 44 + 7·p1 is 93 or 100: none. a1 = 4: 45, 113.9 < D ≤ 116.9 →
    D = 114 (p1 = 10). a1 = 5: 52, 131.6 < D ≤ 135.1 → D = 135 (p1 = 13). a1 ≥ 6: D would pass 44 + 7·17 = 163 or
    miss (a1 = 6: 59, 149.4 < D ≤ 153.2, D = 149 or 156). So cell 1's implemented count is one of 0, 2, 4, 5: four
    values, fewer than k = 5, though they span 0 … 5: withheld."""
    cells = [(8.0, 17), (1.0, 60)]
    values = cell_count_values(cells, 44, 17, printed_band(0.39))
    assert values[0][0] == (0, 2, 4, 5)
    assert pins_a_cell(values, 5, cell_count_values(cells, 44, 17))
    items = _items(17 / 44).assign(n_applicable=44, n_implemented=17, n_not_applicable=33, share_implemented=17 / 44)
    w = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [f"r{i}" for i in range(77)],
                      "weight": [8.0] * 17 + [1.0] * 60})
    row = publish_members_shares(items, w, 5).iloc[0]
    assert np.isnan(row["w_share_implemented"])


def _rounded_row(members_share: float) -> pd.DataFrame:
    """An item row published rounded: 110 respondents, its counts withheld, the respondents' share 0.56."""
    return _items(members_share).assign(n_companies=110, share_implemented=0.56, rounded=True, n_applicable=np.nan,
                                        n_implemented=np.nan, n_not_applicable=np.nan, w_ci_low=0.45, w_ci_high=0.61)


def test_a_row_published_rounded_is_checked_over_every_count_it_allows():
    """Cells W = 10 (10 respondents) and W = 1 (100); truly 2 not applicable, 60 implemented, members' share 0.53.
    The intruder reads 110 respondents, 0 … 4 not applicable and 0.56 = [0.555, 0.565): P = 106 → A = 59, 107 → 60,
    108 → 60 or 61, 109 → 61, 110 → 62. Members' share (10·a1 + A − a1) / (10·p1 + P − p1) = (9·a1 + A) / (9·p1 + P)
    in [0.525, 0.535): p1 ≥ 8 (at most 2 of cell 1 not applicable in these splits) gives D ≥ 178 and a1 = 4 or 5
    (e.g. P = 108, A = 60, p1 = 10: (9·a1 + 60) / 198 → 9·a1 ∈ [43.95, 45.93) → a1 = 5); over every pair cell 1's
    implemented count is 4 or 5: two values, withheld."""
    out = publish_members_shares(_rounded_row(0.53), _weights(), 5)
    assert np.isnan(out.iloc[0]["w_share_implemented"]) and np.isnan(out.iloc[0]["w_ci_high"])


def test_a_row_published_rounded_with_four_cells_is_withheld():
    """Four cells are not enumerated: the members' share is withheld on rounded rows as on the others."""
    w = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [f"r{i}" for i in range(110)],
                      "weight": [1.0] * 30 + [1.5] * 30 + [2.0] * 30 + [2.5] * 20})
    assert np.isnan(publish_members_shares(_rounded_row(0.55), w, 5).iloc[0]["w_share_implemented"])


def test_a_row_rounded_for_few_not_applicable_builds_its_members_interval_from_what_is_printed():
    """The item row of 110 respondents, 2 not applicable (108 applicable, 60 implemented), is published rounded:
    the members' share 0.5567 → 0.56, and the exact members' interval is dropped (NaN) until the members' share is
    published. With cells of 2 and 1.8 members per respondent one company moves the share by about 0.1 %, so the
    rounded share leaves every cell wide and publish_members_shares keeps 0.56; its interval rests on the fewest
    applicable companies the row allows, 110 − 4 = 106, over the design effect 0.4739 (previous test): 223.66;
    Wilson at 0.555 reaches down to 0.4895 → 0.48, at 0.565 up to 0.6283 → 0.63."""
    raw = _items(0.5567).assign(n_applicable=108, n_not_applicable=2, n_companies=110, share_implemented=60 / 108,
                                w_ci_low=0.5151, w_ci_high=0.5949, ci_low=0.46, ci_high=0.65)
    rounded = round_small_not_applicable(raw.copy(), raw, 5)
    row = rounded.iloc[0]
    assert bool(row["rounded"]) and np.isnan(row["n_applicable"])
    assert (row["share_implemented"], row["w_share_implemented"]) == (0.56, 0.56)
    assert np.isnan(row["w_ci_low"]) and np.isnan(row["w_ci_high"])
    w = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [f"r{i}" for i in range(110)],
                      "weight": [2.0] * 50 + [1.8] * 60})
    out = publish_members_shares(rounded, w, 5).iloc[0]
    assert (out["w_share_implemented"], out["w_ci_low"], out["w_ci_high"]) == (0.56, 0.48, 0.63)


def test_the_enumeration_in_runs_of_one_split_finds_the_same_counts(monkeypatch):
    """The splits are enumerated in runs of at most SPLIT_ROWS rows (memory bounded on a full year): one split a run
    finds cell 1's implemented counts 0, 2, 4, 5 of the case above (W = 8 with 17 respondents, W = 1 with 60; 44
    applicable, 17 implemented, 0.39 printed) and the not-applicable counts of p1 = 0, 5, 10, 13: 17, 12, 7, 4."""
    import pipeline.scoring.disclosure_members_share as M

    monkeypatch.setattr(M, "SPLIT_ROWS", 1)
    values = cell_count_values([(8.0, 17), (1.0, 60)], 44, 17, printed_band(0.39))
    assert values[0] == ((0, 2, 4, 5), (4, 7, 12, 17))
