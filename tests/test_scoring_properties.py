"""Invariants of the roll-ups, checked on random answer sheets (hypothesis)."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import catalogs
from pipeline.ingest.vocab import POINTS
from pipeline.scoring.respondent import node_scores, star_scores

AUTO_ITEMS = catalogs.auto_items()["item_id"].tolist()
POWER_ITEMS = catalogs.power_items()["item_id"].tolist()
ANSWERS = ["implemented", "partial", "not_implemented", "not_applicable", "unanswered", "invalid"]
ORDER = {"not_implemented": 0, "unanswered": 0, "invalid": 0, "partial": 1, "implemented": 2}

sheets = st.lists(st.sampled_from(ANSWERS), min_size=len(POWER_ITEMS), max_size=len(POWER_ITEMS))
auto_sheets = st.lists(st.sampled_from([a for a in ANSWERS if a != "partial"]), min_size=len(AUTO_ITEMS),
                       max_size=len(AUTO_ITEMS))
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def frame(sector: str, answers: list[str], key: str = "k" * 32) -> pd.DataFrame:
    items = POWER_ITEMS if sector == "power" else AUTO_ITEMS
    return pd.DataFrame({"sector": sector, "year": 2024, "respondent_key": key, "item_id": items,
                         "answer": answers, "score": [POINTS[a] for a in answers]})


@FAST
@given(sheets)
def test_scores_lie_in_the_unit_interval(answers):
    s = node_scores(frame("power", answers), "power")["score"].dropna()
    assert ((s >= 0) & (s <= 1)).all()


@FAST
@given(sheets, st.integers(0, len(POWER_ITEMS) - 1))
def test_improving_one_answer_never_lowers_a_score(answers, i):
    if answers[i] not in ORDER or answers[i] == "implemented":
        return
    better = list(answers)
    better[i] = "implemented"
    before = node_scores(frame("power", answers), "power").set_index(["framework", "node_id"])["score"]
    after = node_scores(frame("power", better), "power").set_index(["framework", "node_id"])["score"]
    both = before.notna() & after.notna()
    assert (after[both] >= before[both] - 1e-12).all()


@FAST
@given(auto_sheets, st.randoms(use_true_random=False))
def test_scores_do_not_depend_on_row_order(answers, rnd):
    data = pd.concat([frame("auto", answers), frame("auto", list(reversed(answers)), key="j" * 32)])
    shuffled = data.sample(frac=1, random_state=rnd.randint(0, 10**6))
    for fn in (lambda d: node_scores(d, "auto"), star_scores):
        a = fn(data).sort_values(["respondent_key", "framework", "node_id"]).reset_index(drop=True)
        b = fn(shuffled).sort_values(["respondent_key", "framework", "node_id"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
