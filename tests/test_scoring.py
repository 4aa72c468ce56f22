"""Known-answer tests of every scoring rule, on hand-built responses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import catalogs
from pipeline.ingest.vocab import POINTS
from pipeline.scoring.respondent import instrument_scale, level_reached, node_scores, star_scores


def responses(sector: str, answers: dict[str, str], key: str = "a" * 32, year: int = 2024,
              default: str = "implemented") -> pd.DataFrame:
    items = (catalogs.power_items() if sector == "power" else catalogs.auto_items())["item_id"]
    answer = [answers.get(i, default) for i in items]
    return pd.DataFrame({"sector": sector, "year": year, "respondent_key": key, "item_id": items,
                         "answer": answer, "score": [POINTS[a] for a in answer]})


def node(scores: pd.DataFrame, framework: str, node_id: str) -> pd.Series:
    row = scores[scores["framework"].eq(framework) & scores["node_id"].eq(node_id)]
    assert len(row) == 1
    return row.iloc[0]


def test_not_applicable_is_excluded_from_the_denominator():
    r = responses("power", {f"ID.AM-{i}": "not_applicable" for i in (1, 2, 3)} | {"ID.AM-4": "not_implemented"})
    got = node(node_scores(r, "power"), "csf11", "ID.AM")
    assert got["score"] == pytest.approx(2 / 3) and got["n_items"] == 6 and got["n_applicable"] == 3


def test_partial_is_half_and_unanswered_counts_as_zero():
    r = responses("power", {"ID.AM-1": "partial", "ID.AM-2": "unanswered", "ID.AM-3": "invalid"})
    assert node(node_scores(r, "power"), "csf11", "ID.AM")["score"] == pytest.approx((0.5 + 0 + 0 + 3) / 6)


def test_a_node_without_applicable_items_is_nan_not_zero():
    r = responses("power", {f"RC.CO-{i}": "not_applicable" for i in (1, 2, 3)})
    scores = node_scores(r, "power")
    rc_co = node(scores, "csf11", "RC.CO")
    assert np.isnan(rc_co["score"]) and rc_co["n_applicable"] == 0
    orphan = node(scores, "csf2", "GV.OV-01")  # CSF 2.0 subcategory with no CSF 1.1 ancestor
    assert np.isnan(orphan["score"]) and orphan["n_items"] == 0
    assert node(scores, "csf2", "GV")["score"] == 1.0


def test_csf11_answers_reach_csf2_through_the_crosswalk():
    r = responses("power", {"ID.SC-3": "not_implemented"})  # moved_to GV.SC-05
    scores = node_scores(r, "power")
    assert node(scores, "csf2", "GV.SC-05")["score"] == 0.0
    assert node(scores, "csf2", "GV.SC")["score"] < 1.0
    assert node(scores, "cpsf", "CPS.SC")["score"] == pytest.approx(4 / 5)


def _auto_level_answers(share_lv1: float, share_lv2: float) -> dict[str, str]:
    items = catalogs.auto_items()
    out = {}
    for level, share in (("Lv1", share_lv1), ("Lv2", share_lv2)):
        ids = items.loc[items["level"].eq(level), "item_id"].tolist()
        for i in ids[round(share * len(ids)):]:
            out[i] = "not_implemented"
    return out


@pytest.mark.parametrize(("lv1", "lv2", "reached"), [
    (1.0, 1.0, {"Lv1+": 1.0, "Lv2+": 1.0}),
    (0.9, 0.92, {"Lv1+": 1.0, "Lv2+": 1.0}),
    (0.8, 1.0, {"Lv1+": 0.0, "Lv2+": 0.0}),  # Lv2 complete, but the lower level falls short
    (1.0, 0.5, {"Lv1+": 1.0, "Lv2+": 0.0}),
])
def test_level_reached_needs_this_level_and_all_below(lv1, lv2, reached):
    r = responses("auto", _auto_level_answers(lv1, lv2))
    got = level_reached(node_scores(r, "auto")).set_index("node_id")["score"]
    for level, value in reached.items():
        assert got[level] == value


def test_level_share_excludes_not_applicable():
    items = catalogs.auto_items()
    lv3 = items.loc[items["level"].eq("Lv3"), "item_id"].tolist()
    answers = {i: "not_applicable" for i in lv3[:9]} | {i: "not_implemented" for i in lv3[9:11]}
    got = node(node_scores(responses("auto", answers), "auto"), "level", "Lv3")
    assert got["score"] == pytest.approx(18 / 20) and got["n_items"] == 29 and got["n_applicable"] == 20


def test_a_star_requirement_is_met_only_when_every_cited_item_is_achieved():
    everything = star_scores(responses("auto", {}))
    one_gap = star_scores(responses("auto", {"No.15": "not_implemented"}))  # cited by ★3 requirement 1-2-1
    s_all = everything.set_index("node_id")["score"]
    s_gap = one_gap.set_index("node_id")["score"]
    assert s_all["3:1-2-1"] == 1.0 and s_gap["3:1-2-1"] == 0.0
    assert s_gap["3:1-3-1"] == 1.0
    # 3-1-2 (network information) has ★3 criteria citing no item: never counted met
    assert s_all["3:3-1-2"] == 0.0
    star3 = everything.set_index("node_id").loc["★3"]
    n_star3 = int(catalogs.scs_requirements()["star3"].sum())
    assert star3["n_items"] == n_star3 and star3["n_applicable"] < n_star3
    assert star3["score"] == pytest.approx(star3["n_applicable"] / n_star3)
    assert s_gap["★3"] == pytest.approx(s_all["★3"] - 1 / n_star3)


def test_not_applicable_cited_item_is_no_obstacle_but_unanswered_is():
    na = star_scores(responses("auto", {"No.15": "not_applicable"})).set_index("node_id")["score"]
    blank = star_scores(responses("auto", {"No.15": "unanswered"})).set_index("node_id")["score"]
    assert na["3:1-2-1"] == 1.0 and blank["3:1-2-1"] == 0.0


def test_instrument_scales():
    r = pd.concat([responses("auto", {"No.1": "not_implemented", "No.2": "not_applicable"}),
                   responses("power", {"ID.AM-1": "partial", "ID.AM-2": "not_applicable"}, key="b" * 32)])
    got = instrument_scale(r).set_index("sector")
    assert got.loc["auto", "points"] == 2 * 151 and got.loc["auto", "max_points"] == 2 * 152
    assert got.loc["power", "implementation_rate"] == pytest.approx(106.5 / 107)
    assert np.isnan(got.loc["power", "points"])
