"""Weights from the roster and the members' estimates: numbers typed by hand from the rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.scoring.weighted import weighted_mean, weighted_segment_stats, weighted_share
from pipeline.scoring.weights import collapse, kish, rake, roster_weights, trim


def _key(i: int) -> str:
    return f"{i:032d}"


def _two_cells(n_small: int = 5, n_large: int = 2):
    """Two size bands of 10 members each; n_small of the first and n_large of the second answered."""
    roster = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [_key(i) for i in range(20)],
                           "size_band": ["〜100人"] * 10 + ["10,001人〜"] * 10})
    answered = list(range(n_small)) + list(range(10, 10 + n_large))
    respondents = roster.iloc[answered].reset_index(drop=True)
    return roster, respondents


def test_two_cells_known_answer():
    # 5 of 10 answer with mean 0.4, 2 of 10 with mean 0.8:
    # respondents' mean (5·0.4 + 2·0.8)/7 = 3.6/7 = 0.514; members' (10·0.4 + 10·0.8)/20 = 0.600
    roster, respondents = _two_cells()
    weights, notes = roster_weights(roster, respondents, ["size_band"], min_respondents=2, trim_ratio=None)
    assert sorted(weights["weight"].round(6).tolist()) == [2.0] * 5 + [5.0] * 2
    scores = [0.4] * 5 + [0.8] * 2
    f = weights.assign(score=scores)
    assert np.mean(scores) == pytest.approx(0.514, abs=5e-4)
    est, lo, hi = weighted_mean(f)
    assert est == pytest.approx(0.600, abs=1e-9)
    # every answer in a cell equal: no spread within cells, so the interval is the point itself
    assert lo == pytest.approx(0.6) and hi == pytest.approx(0.6)
    assert notes[0].members == 20 and notes[0].respondents == 7 and notes[0].unmatched == 0


def test_interval_narrows_with_the_finite_population_correction():
    # cell a: 5 of 10 answered, scores 0.2 0.4 0.4 0.4 0.6 (mean 0.4, s² = 0.02); cell b: all 10 of 10 at 0.8.
    # Cell b is known exactly. Var = W_a² (1 − 5/10) s²/5 = 0.25 · 0.5 · 0.004 = 0.0005, se 0.02236;
    # svy's t interval (df = 15 − 2 = 13, t = 2.1604): 0.6 ± 0.0483
    f = pd.DataFrame({"cell": ["a"] * 5 + ["b"] * 10, "weight": [2.0] * 5 + [1.0] * 10,
                      "cell_members": [10] * 15, "score": [0.2, 0.4, 0.4, 0.4, 0.6] + [0.8] * 10})
    est, lo, hi = weighted_mean(f)
    assert est == pytest.approx(0.6)
    assert hi - est == pytest.approx(2.1604 * 0.02236, abs=2e-4)
    assert est - lo == pytest.approx(hi - est, abs=1e-9)


def test_share_and_domain():
    # reached: cell a (weight 2) 1 of 4; cell b (weight 1) 3 of 4 → members' share (2·1 + 3)/(2·4 + 4) = 5/12
    f = pd.DataFrame({"cell": ["a"] * 4 + ["b"] * 4, "weight": [2.0] * 4 + [1.0] * 4, "cell_members": [8] * 4 + [4] * 4,
                      "reached": [1, 0, 0, 0, 1, 1, 1, 0], "seg": list("xxyyxxyy")})
    est, lo, hi = weighted_share(f, "reached")
    assert est == pytest.approx(5 / 12)
    assert 0 < lo < est < hi < 1
    # domain x: a's 1 of 2 (weight 2) and b's 2 of 2 (weight 1) → (2 + 2)/(4 + 2) = 0.667
    est_x, _, _ = weighted_share(f, "reached", f["seg"].eq("x"))
    assert est_x == pytest.approx(4 / 6)


def test_a_cell_below_three_respondents_joins_its_smaller_neighbour():
    counts = pd.DataFrame({"cell": ["s", "m", "l", "xl"], "members": [50, 40, 30, 20], "respondents": [10, 2, 6, 9]})
    # m (2) < 3: neighbours s (10) and l (6) → the one with fewer respondents, l
    assert collapse(counts, ["s", "m", "l", "xl"], 3) == {"s": "s", "m": "m+l", "l": "m+l", "xl": "xl"}
    # a cell nobody answered is merged too; at the end of the order the only neighbour is taken
    counts = pd.DataFrame({"cell": ["s", "m", "l"], "members": [5, 5, 5], "respondents": [4, 4, 0]})
    assert collapse(counts, ["s", "m", "l"], 3) == {"s": "s", "m": "m+l", "l": "m+l"}
    with pytest.raises(ValueError, match="at least 2"):
        collapse(counts, ["s", "m", "l"], 1)


def test_collapsed_cells_and_unmatched_respondents_in_the_weights():
    # band 〜100人: 10 members, 5 answered; 10,001人〜: 10 members, 2 answered (< 3) → merged with its only
    # neighbour: 20 members, 7 respondents. A respondent missing from the roster (its sheet says 〜100人) is a
    # member who answered: 21 members, 8 respondents, weight 21/8 = 2.625 for all, and it is counted as unmatched
    # (the roster alone, 20/7 = 2.857, would tell an intruder holding the published rows that one is off it).
    roster, respondents = _two_cells()
    stranger = pd.DataFrame({"sector": ["auto"], "year": [2024], "respondent_key": [_key(99)],
                             "size_band": ["〜100人"]})
    weights, notes = roster_weights(roster, pd.concat([respondents, stranger]), ["size_band"], trim_ratio=None)
    assert weights["cell"].unique().tolist() == ["〜100人+10,001人〜"]
    assert weights["weight"].round(3).unique().tolist() == [2.625]
    assert weights["cell_members"].unique().tolist() == [21]
    assert notes[0].unmatched == 1 and notes[0].collapsed == ["〜100人+10,001人〜"]
    assert weights.loc[~weights["on_roster"], "respondent_key"].tolist() == [_key(99)]


def test_the_response_table_and_the_weights_count_the_same_members():
    # one band, the roster lists 10 members, 4 of them answered, and one respondent the roster lacks (its sheet
    # says 〜100人) is a member who answered: 11 members, 5 respondents, in the response table and in the weight
    # alike (weight 11/5 = 2.2; the roster alone would give 10/5 = 2.0 beside a published 5 of 11)
    from pipeline.scoring.segments import response_rates

    roster = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [_key(i) for i in range(10)],
                           "size_band": "〜100人"})
    respondents = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [_key(i) for i in (0, 1, 2, 3, 99)],
                                "size_band": "〜100人"})
    rates = response_rates(roster, respondents, "size_band").set_index("segment")
    assert (rates.loc["〜100人", "roster_n"], rates.loc["〜100人", "n"]) == (11, 5)
    weights, notes = roster_weights(roster, respondents, ["size_band"], trim_ratio=None)
    assert weights["cell_members"].unique().tolist() == [11]
    assert weights["weight"].round(6).unique().tolist() == [2.2]


def test_kish_design_effect():
    # weights 1, 1, 4: Σw = 6, Σw² = 18 → n_eff = 36/18 = 2, deff = 3/2 = 1.5
    deff, n_eff = kish([1, 1, 4])
    assert n_eff == pytest.approx(2.0) and deff == pytest.approx(1.5)


def test_trimming_keeps_the_total_and_reports_what_moved():
    # median 1; the cap 3.5 × 1 cuts 10 to 3.5: 6.5 of the total 14 moved (46.4%), spread over the others
    w = pd.Series([1.0, 1.0, 1.0, 1.0, 10.0])
    new, moved = trim(w, 3.5)
    assert new.sum() == pytest.approx(14.0)
    assert moved == pytest.approx(6.5 / 14, abs=0.02)
    assert new.max() < 10.0


def test_raking_matches_both_margins():
    # 4 respondents; margins size {s: 30, l: 10}, industry {a: 20, b: 20}
    f = pd.DataFrame({"size_band": ["s", "s", "l", "l"], "industry": ["a", "b", "a", "b"]})
    w = rake(f, {"size_band": {"s": 30, "l": 10}, "industry": {"a": 20, "b": 20}})
    assert w[f["size_band"].eq("s")].sum() == pytest.approx(30, rel=1e-4)
    assert w[f["industry"].eq("a")].sum() == pytest.approx(20, rel=1e-4)


def test_segment_stats_weighted_beside_respondents():
    roster, respondents = _two_cells()
    weights, _ = roster_weights(roster, respondents, ["size_band"], min_respondents=2, trim_ratio=None)
    scores = respondents[["sector", "year", "respondent_key"]].assign(
        framework="csf2", node_id="GV", score=[0.4] * 5 + [0.8] * 2, n_items=10, n_applicable=10)
    out = weighted_segment_stats(scores, respondents, weights, "size_band", "csf2", threshold=0.5)
    total = out[out["segment"].eq("全体")].iloc[0]
    assert total["w_mean"] == pytest.approx(0.6)
    assert total["w_share_reached"] == pytest.approx(0.5)  # 10 of 20 members' cells reach 0.5
    # Kish: weights 2 ×5 and 5 ×2 → Σw 20, Σw² 70 → n_eff 400/70 = 5.71
    assert total["n_eff"] == pytest.approx(5.714, abs=1e-3)
    small = out[out["segment"].eq("〜100人")].iloc[0]
    assert small["w_mean"] == pytest.approx(0.4)


def test_weighted_segment_stats_split_each_node_by_its_own_rule():
    """No threshold given: 5 respondents of the first cell (weight 2) score 0.95, 2 of the second (weight 5)
    1.0. On a CSF 2.0 node all reach the level threshold 0.9 (members' share 1); on ★3 only a score of 1
    counts as ready: the second cell's 10 of 20 members (0.5)."""
    roster, respondents = _two_cells()
    weights, _ = roster_weights(roster, respondents, ["size_band"], min_respondents=2, trim_ratio=None)
    scores = respondents[["sector", "year", "respondent_key"]].assign(
        score=[0.95] * 5 + [1.0] * 2, n_items=10, n_applicable=10)
    csf = weighted_segment_stats(scores.assign(framework="csf2", node_id="GV"), respondents, weights, None, "csf2")
    star = weighted_segment_stats(scores.assign(framework="star", node_id="★3"), respondents, weights, None, "star")
    assert csf.iloc[0]["w_share_reached"] == pytest.approx(1.0)
    assert star.iloc[0]["w_share_reached"] == pytest.approx(0.5)


def _facts(cells: dict[tuple[str, str], tuple[bool, float, float]], members: dict[str, float]) -> dict:
    """The audit's map for one node of auto FY2024: (segment, statistic) → (visible, count, value)."""
    base = (("sector", "auto"), ("year", 2024), ("framework", "csf2"), ("node_id", "GV"))
    facts: dict = {}
    for (segment, stat), (visible, count, value) in cells.items():
        facts[(base + (("segment", segment),), stat)] = [("functions", visible, value, count)]
    for segment, n in members.items():
        facts[((("sector", "auto"), ("year", 2024), ("segment", segment)), "roster_n")] = [("responses", True, n, 9)]
    return facts


def test_audit_two_totals_solve_two_hidden_cells():
    # segments a (3 respondents of 30 members) and b (6 of 10) hidden, c published; both totals published.
    # n: 3, 6 and N: 30, 10 are not in proportion (3·10 ≠ 6·30): two equations, two unknowns → found.
    from pipeline.publish.audit_weights import two_totals

    cells = {("a", "mean"): (False, 3, np.nan), ("b", "mean"): (False, 6, np.nan), ("c", "mean"): (True, 50, 0.7),
             ("全体", "mean"): (True, 59, 0.6), ("全体", "w_mean"): (True, 59, 0.55)}
    found = two_totals(_facts(cells, {"a": 30, "b": 10, "c": 60, "全体": 100}), 5, "全体")
    assert len(found) == 1 and "(a, b)" in found[0][2] and "3 and 6" in found[0][2]
    # members in proportion to respondents (N = 10·n): the two equations are one, nothing is solved
    assert two_totals(_facts(cells, {"a": 30, "b": 60, "c": 10, "全体": 100}), 5, "全体") == []
    # without the members' total there is one equation only
    del cells[("全体", "w_mean")]
    assert two_totals(_facts(cells, {"a": 30, "b": 10, "c": 60, "全体": 100}), 5, "全体") == []


def test_audit_weighted_pooled_value_and_single_respondent():
    from pipeline.publish.audit_weights import single_respondent, weighted_pooled

    # members 40 + 60 = 100; total 0.6, a published 1.0 → hidden b: (0.6·100 − 1.0·40)/60 = 0.333, safe;
    # total 0.4 with a at 1.0 → b: (40 − 40)/60 = 0 exactly → found
    safe = {("a", "w_mean"): (True, 20, 1.0), ("b", "w_mean"): (False, 4, np.nan), ("全体", "w_mean"): (True, 24, 0.6)}
    assert weighted_pooled(_facts(safe, {"a": 40, "b": 60, "全体": 100}), "全体") == []
    zero = {**safe, ("全体", "w_mean"): (True, 24, 0.4)}
    found = weighted_pooled(_facts(zero, {"a": 40, "b": 60, "全体": 100}), "全体")
    assert len(found) == 1 and "exactly 0%" in found[0][2]
    one = {("a", "w_mean"): (True, 1, 0.7)}
    assert [f[1] for f in single_respondent(_facts(one, {}))] == ["w_mean"]


def test_two_attributes_are_raked_to_the_roster_margins():
    # 40 members: size s 30 / l 10, industry a 20 / b 20; respondents 3 of each size × industry
    roster = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [_key(i) for i in range(40)],
                           "size_band": ["〜100人"] * 30 + ["10,001人〜"] * 10,
                           "industry": ["a"] * 15 + ["b"] * 15 + ["a"] * 5 + ["b"] * 5})
    answered = [0, 1, 2, 15, 16, 17, 30, 31, 32, 35, 36, 37]
    weights, notes = roster_weights(roster, roster.iloc[answered].reset_index(drop=True), ["size_band", "industry"],
                                    trim_ratio=None)
    small = weights["cell"].str.startswith("〜100人")
    assert weights.loc[small, "weight"].sum() == pytest.approx(30, rel=1e-4)
    assert weights.loc[weights["cell"].str.endswith("× a"), "weight"].sum() == pytest.approx(20, rel=1e-4)
    assert weights["cell_attributes"].unique().tolist() == ["size_band industry"]


def test_an_attribute_the_roster_lacks_is_refused_by_name():
    roster, respondents = _two_cells()
    with pytest.raises(ValueError, match="the auto FY2024 roster has no industry to weight by"):
        roster_weights(roster, respondents, ["industry"])


def test_a_third_cell_is_hidden_where_two_totals_would_solve_two():
    from pipeline.scoring.disclosure import protect
    from pipeline.scoring.disclosure_weights import hide_for_two_totals

    # segments a (2 companies) and b (3) are hidden as primary, c (40) and d (60) published, total 105:
    # k = 5 holds for the respondents' total (a + b = 5 ≥ 5), but the members' total is a second equation,
    # so the smaller published cell, c, is hidden too
    t = pd.DataFrame({"sector": "auto", "year": 2024, "framework": "csf2", "node_id": "GV",
                      "segment": ["a", "b", "c", "d", "全体"], "n_scored": [2, 3, 40, 60, 105],
                      "mean": [0.3, 0.4, 0.5, 0.6, 0.55], "w_mean": [0.3, 0.4, 0.5, 0.6, 0.52]})
    once = protect(t, k=5)
    assert once["suppressed"].tolist() == ["primary", "primary", "", "", ""]
    twice = hide_for_two_totals(once)
    assert twice["suppressed"].tolist() == ["primary", "primary", "complementary", "", ""]
    assert np.isnan(twice.loc[2, "w_mean"]) and np.isnan(twice.loc[2, "mean"])
    # the respondents' table alone (no members' column) is left as it was
    assert hide_for_two_totals(once.drop(columns="w_mean"))["suppressed"].tolist() == once["suppressed"].tolist()


def test_the_weighting_paragraph_states_the_merging_rule_without_naming_cells_and_counts_unlisted_respondents():
    from pipeline.report.data import ReportData
    from pipeline.report.style import labels
    from pipeline.report.tables import weighting_note

    w = pd.DataFrame({"sector": "power", "year": [2024, 2024, 2025], "respondent_key": [_key(1), _key(2), _key(3)],
                      "cell": ["TRANSMISSION+DISTRIBUTION", "RETAIL", "RETAIL"], "weight": 1.0, "cell_members": 5,
                      "cell_respondents": 3, "on_roster": [True, False, True],
                      "cell_attributes": "main_business_type"})
    empty = pd.DataFrame()
    data = ReportData("power", [2024, 2025], empty, empty, empty, None, w)
    text = weighting_note(data, labels("ja"), {"TRANSMISSION": "送電", "DISTRIBUTION": "配電"})
    assert text.startswith("会員推計は、会員名簿の主たる事業区分ごとに「会員数 ÷ 回答事業者数」の重み")
    # a merged cell had fewer than 3 respondents: the paragraph states the rule, never the cells,
    # and reads the same where nothing was merged
    rule = ("回答者が少なすぎる区分は、定めた順で隣の区分と合わせて重み付けします"
            "(どの区分を合わせたかは示しません)。")
    assert rule in text and "送電" not in text and "配電" not in text and "TRANSMISSION" not in text
    unmerged = ReportData("power", [2024, 2025], empty, empty, empty, None, w.assign(cell="RETAIL"))
    assert rule in weighting_note(unmerged, labels("ja"), {"TRANSMISSION": "送電", "DISTRIBUTION": "配電"})
    # one unlisted respondent: with the respondents published, its count would give the members who answered
    # 1 is x, and 0 is x too (a 0 beside an x would make the x 1 to 4)
    assert "会員名簿で照合できなかった回答者(2024年度 x社、2025年度 x社)は" in text
    assert "(2024年度 1社、2025年度 x社)" in weighting_note(data, labels("ja"), k=1)  # 0 … k − 1: 0 is x at k = 1
    assert weighting_note(ReportData("power", [2024], empty, empty, empty, None, None), labels("ja")) == ""


def test_item_share_weighted_among_the_members_it_applies_to():
    from pipeline.scoring.weighted import weighted_item_shares

    # cell a: weight 2 (4 members, 2 answered): implemented, not implemented; cell b: weight 1 (2 of 2):
    # implemented, not applicable → members' share (2·1 + 2·0 + 1·1)/(2 + 2 + 1) = 0.600 (respondents' 2/3)
    keys = [_key(i) for i in range(4)]
    weights = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": keys, "cell": ["a", "a", "b", "b"],
                            "weight": [2.0, 2.0, 1.0, 1.0], "cell_members": [4, 4, 2, 2]})
    responses = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": keys, "item_id": "ID.AM-1",
                              "answer": ["implemented", "not_implemented", "implemented", "not_applicable"]})
    out = weighted_item_shares(responses, weights).set_index("item_id")
    assert out.loc["ID.AM-1", "w_share_implemented"] == pytest.approx(0.6)
    assert 0 < out.loc["ID.AM-1", "w_ci_low"] < 0.6 < out.loc["ID.AM-1", "w_ci_high"] < 1
    # an item nobody's sheet holds counts as missing (applicable, not achieved): 0 of everyone
    assert out.loc["ID.AM-2", "w_share_implemented"] == pytest.approx(0.0)
