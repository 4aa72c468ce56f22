"""The members' estimates and the instrument's own scale read each respondent's own rows, whatever order the
tables hold them in: numbers typed by hand from the rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import catalogs
from pipeline.scoring.respondent import instrument_scale
from pipeline.scoring.weighted import weighted_item_shares, weighted_segment_stats


def _key(i: int) -> str:
    return f"{i:032d}"


def _one_cell(n: int, members: int = 10, sector: str = "auto") -> pd.DataFrame:
    """n respondents of one weighting cell of ``members`` members, each of weight members / n."""
    return pd.DataFrame({"sector": sector, "year": 2024, "respondent_key": [_key(i) for i in range(n)],
                         "cell": "c", "weight": members / n, "cell_members": members})


def test_members_estimates_per_node_and_segment_read_each_respondents_score():
    """4 respondents of one cell (equal weights, so the members' mean is the respondents'): 0 and 1 are 〜100人,
    2 and 3 are 101〜300人. Node PR (listed first) is scored for 3, 2, 1 (1.0, 0.5, 0.0; respondent 0 has no row);
    node GV for 3, 2, 1, 0 (0.8, 0.6, 0.4, 0.2), respondent 0's score listed twice (0.2 first, then 0.9: the
    first counts). Rows: GV before PR (node order), 全体 then the segments in the respondents' order."""
    respondents = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [_key(i) for i in range(4)],
                                "size_band": ["〜100人", "〜100人", "101〜300人", "101〜300人"]})
    rows = [("PR", 3, 1.0), ("PR", 2, 0.5), ("PR", 1, 0.0), ("GV", 3, 0.8), ("GV", 2, 0.6), ("GV", 1, 0.4),
            ("GV", 0, 0.2), ("GV", 0, 0.9)]
    scores = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [_key(i) for _, i, _ in rows],
                           "framework": "csf2", "node_id": [n for n, _, _ in rows], "score": [s for _, _, s in rows],
                           "n_items": 10, "n_applicable": 10})
    out = weighted_segment_stats(scores, respondents, _one_cell(4), "size_band", "csf2", threshold=0.5)
    assert list(zip(out["node_id"], out["segment"], strict=True)) == [
        ("GV", "全体"), ("GV", "〜100人"), ("GV", "101〜300人"),
        ("PR", "全体"), ("PR", "〜100人"), ("PR", "101〜300人")]
    assert out["w_mean"].tolist() == pytest.approx([0.5, 0.3, 0.7, 0.5, 0.0, 0.75])
    # reaching 0.5: GV 2 of 4 (0.6, 0.8), none of 〜100人; PR 2 of 3 (1.0, 0.5), 0 of 1, 2 of 2
    assert out["w_share_reached"].tolist() == pytest.approx([0.5, 0.0, 1.0, 2 / 3, 0.0, 1.0])
    # equal weights: the effective n is the scored respondents (4, 2, 2; 3, 1, 2)
    assert out["n_eff"].tolist() == pytest.approx([4, 2, 2, 3, 1, 2])


def test_members_item_share_counts_only_the_weighted_respondents_who_answered():
    """Two weighted respondents of one cell (10 members): implemented and not implemented on ID.AM-1 → 0.5. A
    third company answered implemented but has no weight (not on the roster): not counted. Items come out in
    the items' order (DE.AE-1 … before ID.AM-1), whatever order the sheets hold them in."""
    weights = _one_cell(2, sector="power")
    answers = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": [_key(2), _key(1), _key(0)],
                            "item_id": "ID.AM-1", "answer": ["implemented", "not_implemented", "implemented"]})
    out = weighted_item_shares(answers.iloc[::-1], weights)
    assert out["item_id"].tolist() == sorted(catalogs.power_items()["item_id"])
    assert out.set_index("item_id").loc["ID.AM-1", "w_share_implemented"] == pytest.approx(0.5)



def test_members_item_share_keeps_a_sheet_without_a_key_apart_from_the_others():
    """A sheet with no respondent key (listed first, implemented on ID.AM-1) is nobody's. Of the two weighted
    respondents one answered not implemented and the other not applicable, so the share is 0 of 1 applicable: 0.0,
    not the keyless sheet's answer taken as the last respondent's (which would make it 1 of 2: 0.5)."""
    weights = _one_cell(2, sector="power")
    answers = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": [None, _key(0), _key(1)],
                            "item_id": "ID.AM-1", "answer": ["implemented", "not_implemented", "not_applicable"]})
    out = weighted_item_shares(answers, weights)
    assert out.set_index("item_id").loc["ID.AM-1", "w_share_implemented"] == pytest.approx(0.0)


def test_own_scale_of_a_sheet_with_nothing_applicable_is_no_total_not_zero():
    """Automotive 達成 scores 2 of 2 per applicable item. Company a: every item not applicable → no points, no
    maximum, no rate (NaN, not 0). Company b: every item achieved but No.1 not implemented → 2 × 152 of
    2 × 153, rate 152/153."""
    items = catalogs.auto_items()["item_id"]
    a = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": "a" * 32, "item_id": items,
                      "answer": "not_applicable"})
    b = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": "b" * 32, "item_id": items,
                      "answer": np.where(items.eq("No.1"), "not_implemented", "implemented")})
    got = instrument_scale(pd.concat([b, a], ignore_index=True)).set_index("respondent_key")
    assert len(items) == 153
    assert got.loc["a" * 32, ["points", "max_points", "implementation_rate"]].isna().all()
    assert (got.loc["b" * 32, "points"], got.loc["b" * 32, "max_points"]) == (2 * 152, 2 * 153)
    assert got.loc["b" * 32, "implementation_rate"] == pytest.approx(152 / 153)
