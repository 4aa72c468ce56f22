"""Known-answer tests of every scoring rule, on hand-built responses.

Every expected number is typed here from the rule in docs/method.md (§1 points, §2 roll-ups, §3 levels and ★), never
computed by the code under test. Counts used below, read once from the catalogs by hand:
automotive Lv1 50 items (No.1…), Lv2 74, Lv3 29 (153 in all); ★3 has 26 requirements, ★4 43.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import catalogs
from pipeline.scoring.respondent import (
    instrument_scale,
    level_reached,
    node_scores,
    score_store_tables,
    star_scores,
    unjudgeable_requirements,
)

AUTO_ITEMS = catalogs.auto_items()
LV1 = AUTO_ITEMS.loc[AUTO_ITEMS["level"].eq("Lv1"), "item_id"].tolist()
LV2 = AUTO_ITEMS.loc[AUTO_ITEMS["level"].eq("Lv2"), "item_id"].tolist()
LV3 = AUTO_ITEMS.loc[AUTO_ITEMS["level"].eq("Lv3"), "item_id"].tolist()


def responses(sector: str, answers: dict[str, str], key: str = "a" * 32, year: int = 2024,
              default: str = "implemented", drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """One answer sheet: ``default`` everywhere except ``answers``; items in ``drop`` have no row."""
    items = (catalogs.power_items() if sector == "power" else catalogs.auto_items())["item_id"]
    items = items[~items.isin(drop)]
    return pd.DataFrame({"sector": sector, "year": year, "respondent_key": key, "item_id": items,
                         "answer": [answers.get(i, default) for i in items]})


def node(scores: pd.DataFrame, framework: str, node_id: str) -> pd.Series:
    row = scores[scores["framework"].eq(framework) & scores["node_id"].eq(node_id)]
    assert len(row) == 1
    return row.iloc[0]


def auto_scores(answers: dict[str, str], default: str = "implemented", drop: tuple[str, ...] = ()) -> pd.Series:
    """Every score of one automotive respondent, indexed by node_id (level and star frameworks)."""
    s = score_store_tables(responses("auto", answers, default=default, drop=drop))
    return s[s["framework"].isin(["level", "star"])].set_index("node_id")["score"]


# --- item points and CSF roll-ups ---------------------------------------------------------------

def test_not_applicable_is_excluded_from_the_denominator():
    r = responses("power", {f"ID.AM-{i}": "not_applicable" for i in (1, 2, 3)} | {"ID.AM-4": "not_implemented"})
    got = node(node_scores(r, "power"), "csf11", "ID.AM")
    assert got["score"] == pytest.approx(2 / 3) and got["n_items"] == 6 and got["n_applicable"] == 3


def test_partial_is_half_and_unanswered_counts_as_zero():
    r = responses("power", {"ID.AM-1": "partial", "ID.AM-2": "unanswered", "ID.AM-3": "invalid"})
    assert node(node_scores(r, "power"), "csf11", "ID.AM")["score"] == pytest.approx((0.5 + 0 + 0 + 3) / 6)


def test_a_missing_item_counts_like_unanswered_in_csf_nodes():
    blank = node(node_scores(responses("power", {"ID.AM-1": "unanswered"}), "power"), "csf11", "ID.AM")
    gone = node(node_scores(responses("power", {}, drop=("ID.AM-1",)), "power"), "csf11", "ID.AM")
    assert gone["score"] == pytest.approx(5 / 6) and gone["n_items"] == 6 and gone["n_applicable"] == 6
    assert blank["score"] == pytest.approx(5 / 6) and blank["n_applicable"] == 6


def test_scoring_reads_the_answer_not_the_stored_score_column():
    r = responses("power", {"ID.AM-1": "not_implemented"}).assign(score=1.0)  # a stale ingest-time score
    assert node(node_scores(r, "power"), "csf11", "ID.AM")["score"] == pytest.approx(5 / 6)


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


# --- levels ----------------------------------------------------------------------------------

def test_all_implemented_reaches_every_level_and_every_star():
    s = auto_scores({})
    for n in ("Lv1", "Lv2", "Lv3", "All", "Lv1+", "Lv2+", "Lv3+", "★3", "★4", "★3+", "★4+"):
        assert s[n] == 1.0, n


def test_all_not_applicable_is_nan_everywhere():
    s = auto_scores({}, default="not_applicable")
    assert s.isna().all()
    csf = node_scores(responses("auto", {}, default="not_applicable"), "auto")
    assert csf["score"].isna().all() and csf["n_applicable"].eq(0).all()


@pytest.mark.parametrize(("answers", "lv1", "reached"), [
    # 45 of 50 Lv1 items achieved is exactly 90%: the threshold is inclusive
    ({i: "not_implemented" for i in LV1[45:]}, 0.9, {"Lv1+": 1.0, "Lv2+": 1.0, "Lv3+": 1.0}),
    # 44 of 50 falls short; Lv2 and Lv3 complete do not help
    ({i: "not_implemented" for i in LV1[44:]}, 0.88, {"Lv1+": 0.0, "Lv2+": 0.0, "Lv3+": 0.0}),
    # blanks count 0: 5 unanswered is 45/50, 6 is 44/50
    ({i: "unanswered" for i in LV1[45:]}, 0.9, {"Lv1+": 1.0, "Lv2+": 1.0, "Lv3+": 1.0}),
    ({i: "unanswered" for i in LV1[44:]}, 0.88, {"Lv1+": 0.0, "Lv2+": 0.0, "Lv3+": 0.0}),
    # not applicable leaves the denominator: 40 of 45 applicable = 0.888…, short of 90%
    ({i: "not_applicable" for i in LV1[:5]} | {i: "invalid" for i in LV1[5:10]}, 40 / 45,
     {"Lv1+": 0.0, "Lv2+": 0.0, "Lv3+": 0.0}),
    # Lv2 at 66 of 74 (0.8919) fails while Lv1 passes
    ({i: "not_implemented" for i in LV2[66:]}, 1.0, {"Lv1+": 1.0, "Lv2+": 0.0, "Lv3+": 0.0}),
])
def test_level_shares_and_level_reached(answers, lv1, reached):
    s = auto_scores(answers)
    assert s["Lv1"] == pytest.approx(lv1)
    for level, value in reached.items():
        assert s[level] == value, level


def test_a_missing_item_counts_like_unanswered_in_levels():
    gone = auto_scores({}, drop=tuple(LV1[44:]))  # six Lv1 rows absent from the submission
    blank = auto_scores({i: "unanswered" for i in LV1[44:]})
    assert gone["Lv1"] == pytest.approx(0.88) and gone["Lv1+"] == 0.0
    pd.testing.assert_series_equal(gone, blank)
    lv1 = node(node_scores(responses("auto", {}, drop=tuple(LV1[44:])), "auto"), "level", "Lv1")
    assert lv1["n_items"] == 50 and lv1["n_applicable"] == 50


def test_a_level_with_no_applicable_item_is_nan_and_so_is_every_level_reached_above_it():
    s = auto_scores({i: "not_applicable" for i in LV2})
    assert np.isnan(s["Lv2"]) and s["Lv1"] == 1.0 and s["Lv3"] == 1.0
    assert s["Lv1+"] == 1.0 and np.isnan(s["Lv2+"]) and np.isnan(s["Lv3+"])
    # even when a lower level falls short, a NaN level up to N makes LvN+ NaN (the rule, not 0)
    short = auto_scores({i: "not_applicable" for i in LV2} | {i: "not_implemented" for i in LV1[40:]})
    assert short["Lv1+"] == 0.0 and np.isnan(short["Lv2+"]) and np.isnan(short["Lv3+"])


def test_level_share_excludes_not_applicable():
    answers = {i: "not_applicable" for i in LV3[:9]} | {i: "not_implemented" for i in LV3[9:11]}
    got = node(node_scores(responses("auto", answers), "auto"), "level", "Lv3")
    assert got["score"] == pytest.approx(18 / 20) and got["n_items"] == 29 and got["n_applicable"] == 20


def test_level_reached_counts_items_of_every_level_up_to_n():
    got = level_reached(node_scores(responses("auto", {i: "not_applicable" for i in LV1[:3]}), "auto"))
    got = got.set_index("node_id")
    assert got.loc["Lv1+", "n_items"] == 50 and got.loc["Lv1+", "n_applicable"] == 47
    assert got.loc["Lv2+", "n_items"] == 124 and got.loc["Lv3+", "n_items"] == 153


def test_level_threshold_can_be_set():
    lv = level_reached(node_scores(responses("auto", {i: "not_implemented" for i in LV1[40:]}), "auto"),
                       threshold=0.8).set_index("node_id")["score"]
    assert lv["Lv1+"] == 1.0  # 40/50 = 0.8 reaches an 80% threshold (inclusive)


# --- ★ readiness -----------------------------------------------------------------------------

# ★3 requirements some of whose ★3 criteria cite no checklist item (jama_items empty in
# pipeline/catalogs/scs_criteria.csv): 3-1-2, 4-1-2, 4-1-3, 4-1-4, 4-4-1 — five of 26.
UNJUDGEABLE_STAR3 = ["3-1-2", "4-1-2", "4-1-3", "4-1-4", "4-4-1"]
N_STAR3, N_JUDGEABLE_STAR3 = 26, 21
# ★4 adds 3-1-1 and 4-5-1 (★4 criteria citing no item): seven of 43
N_STAR4, N_JUDGEABLE_STAR4 = 43, 36


def test_unjudgeable_requirements_are_the_ones_citing_no_item():
    assert unjudgeable_requirements(3) == UNJUDGEABLE_STAR3
    assert len(unjudgeable_requirements(4)) == 7


def test_all_implemented_meets_star3_in_full():
    # before issue #10 this company scored 21/26 = 0.81: unjudgeable requirements sat in the denominator
    s = star_scores(responses("auto", {})).set_index("node_id")
    assert s.loc["★3", "score"] == 1.0 and s.loc["★4", "score"] == 1.0
    assert s.loc["★3", "n_items"] == N_STAR3 and s.loc["★3", "n_applicable"] == N_JUDGEABLE_STAR3
    assert s.loc["★4", "n_items"] == N_STAR4 and s.loc["★4", "n_applicable"] == N_JUDGEABLE_STAR4
    assert s.loc["★3+", "score"] == 1.0 and s.loc["★3+", "n_applicable"] == N_JUDGEABLE_STAR3
    for rid in UNJUDGEABLE_STAR3:
        assert np.isnan(s.loc[f"3:{rid}", "score"]) and s.loc[f"3:{rid}", "n_applicable"] == 0


def test_a_star_requirement_is_met_only_when_every_cited_item_is_achieved():
    s = auto_scores({"No.15": "not_implemented"})  # cited by ★3 requirement 1-2-1 (with No.13)
    assert s["3:1-2-1"] == 0.0 and s["3:1-3-1"] == 1.0
    assert s["★3"] == pytest.approx(20 / 21) and s["★3+"] == 0.0
    assert s["★4"] == pytest.approx(35 / 36) and s["★4+"] == 0.0


@pytest.mark.parametrize("gap", ["unanswered", "invalid", "unknown", "not_implemented", "missing"])
def test_unanswered_invalid_unknown_and_missing_cited_items_are_not_achieved(gap):
    s = auto_scores({"No.15": gap}) if gap != "missing" else auto_scores({}, drop=("No.15",))
    assert s["3:1-2-1"] == 0.0 and s["★3"] == pytest.approx(20 / 21)


def test_not_applicable_cited_item_is_no_obstacle():
    s = auto_scores({"No.15": "not_applicable"})
    assert s["3:1-2-1"] == 1.0 and s["★3"] == 1.0


def test_a_requirement_whose_cited_items_are_all_not_applicable_is_not_assessable():
    s = star_scores(responses("auto", {"No.13": "not_applicable", "No.15": "not_applicable",
                                       "No.1": "not_implemented"})).set_index("node_id")
    assert np.isnan(s.loc["3:1-2-1", "score"]) and s.loc["3:1-2-1", "n_applicable"] == 0
    # 20 judged ★3 requirements left; 1-3-1 (cites No.1) is not met
    assert s.loc["★3", "n_applicable"] == 20 and s.loc["★3", "score"] == pytest.approx(19 / 20)
    # ★4 adds criterion 1-2-1-4 citing No.14, so 1-2-1 is assessable (and met) there
    assert s.loc["4:1-2-1", "score"] == 1.0 and s.loc["★4", "n_applicable"] == 36


def test_a_company_with_no_applicable_answer_is_never_met():
    s = star_scores(responses("auto", {}, default="not_applicable")).set_index("node_id")
    assert s["score"].isna().all()
    assert s.loc["★3", "n_items"] == N_STAR3 and s.loc["★3", "n_applicable"] == 0


def test_instrument_scales():
    r = pd.concat([responses("auto", {"No.1": "not_implemented", "No.2": "not_applicable"}),
                   responses("power", {"ID.AM-1": "partial", "ID.AM-2": "not_applicable"}, key="b" * 32)])
    got = instrument_scale(r).set_index("sector")
    assert got.loc["auto", "points"] == 2 * 151 and got.loc["auto", "max_points"] == 2 * 152
    assert got.loc["power", "implementation_rate"] == pytest.approx(106.5 / 107)
    assert np.isnan(got.loc["power", "points"])


def test_instrument_scale_counts_a_missing_item_as_applicable_and_not_achieved():
    got = instrument_scale(responses("auto", {}, drop=("No.3",))).iloc[0]
    assert got["points"] == 2 * 152 and got["max_points"] == 2 * 153
