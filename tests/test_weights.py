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
    # neighbour: 20 members, 7 respondents, weight 20/7 = 2.857 for all. A respondent missing from the
    # roster (its sheet says 〜100人) takes that weight and is counted as unmatched.
    roster, respondents = _two_cells()
    stranger = pd.DataFrame({"sector": ["auto"], "year": [2024], "respondent_key": [_key(99)],
                             "size_band": ["〜100人"]})
    weights, notes = roster_weights(roster, pd.concat([respondents, stranger]), ["size_band"], trim_ratio=None)
    assert weights["cell"].unique().tolist() == ["〜100人+10,001人〜"]
    assert weights["weight"].round(3).unique().tolist() == [2.857]
    assert notes[0].unmatched == 1 and notes[0].collapsed == ["〜100人+10,001人〜"]
    assert weights.loc[~weights["on_roster"], "respondent_key"].tolist() == [_key(99)]


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
