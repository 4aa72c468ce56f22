"""Invariants of the roll-ups, checked on random answer sheets (hypothesis)."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipeline import catalogs
from pipeline.scoring.respondent import level_reached, node_scores, score_store_tables, star_scores

AUTO_ITEMS = catalogs.auto_items()["item_id"].tolist()
POWER_ITEMS = catalogs.power_items()["item_id"].tolist()
ANSWERS = ["implemented", "partial", "not_implemented", "not_applicable", "unanswered", "invalid", "unknown"]
ORDER = {"not_implemented": 0, "unanswered": 0, "invalid": 0, "unknown": 0, "partial": 1, "implemented": 2}

sheets = st.lists(st.sampled_from(ANSWERS), min_size=len(POWER_ITEMS), max_size=len(POWER_ITEMS))
auto_sheets = st.lists(st.sampled_from([a for a in ANSWERS if a != "partial"]), min_size=len(AUTO_ITEMS),
                       max_size=len(AUTO_ITEMS))
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def frame(sector: str, answers: list[str], key: str = "k" * 32) -> pd.DataFrame:
    """One answer sheet; answers 'missing' become absent rows, as in a submission that drops them."""
    items = POWER_ITEMS if sector == "power" else AUTO_ITEMS
    out = pd.DataFrame({"sector": sector, "year": 2024, "respondent_key": key, "item_id": items, "answer": answers})
    return out[out["answer"].ne("missing")]


def by_node(scores: pd.DataFrame) -> pd.Series:
    return scores.set_index(["framework", "node_id"])["score"]


@FAST
@given(sheets)
def test_scores_lie_in_the_unit_interval(answers):
    s = node_scores(frame("power", answers), "power")["score"].dropna()
    assert ((s >= 0) & (s <= 1)).all()


@FAST
@given(sheets, st.integers(0, len(POWER_ITEMS) - 1))
def test_improving_one_answer_never_lowers_a_score(answers, i):
    assume(answers[i] in ORDER and answers[i] != "implemented")
    better = list(answers)
    better[i] = "implemented"
    before = by_node(node_scores(frame("power", answers), "power"))
    after = by_node(node_scores(frame("power", better), "power"))
    both = before.notna() & after.notna()
    assert (after[both] >= before[both] - 1e-12).all()


@FAST
@given(auto_sheets, st.integers(0, len(AUTO_ITEMS) - 1))
def test_achieving_one_item_never_lowers_a_level_or_star(answers, i):
    assume(answers[i] not in ("implemented", "not_applicable"))
    better = list(answers)
    better[i] = "implemented"
    before = by_node(score_store_tables(frame("auto", answers)))
    after = by_node(score_store_tables(frame("auto", better)))
    both = before.notna() & after.notna()
    assert (after[both] >= before[both] - 1e-12).all()


@FAST
@given(auto_sheets, st.sets(st.integers(0, len(AUTO_ITEMS) - 1), min_size=1, max_size=20))
def test_a_missing_item_scores_exactly_like_an_unanswered_one(answers, gone):
    dropped = ["missing" if j in gone else a for j, a in enumerate(answers)]
    blank = ["unanswered" if j in gone else a for j, a in enumerate(answers)]
    pd.testing.assert_frame_equal(score_store_tables(frame("auto", dropped)),
                                  score_store_tables(frame("auto", blank)))


@FAST
@given(auto_sheets)
def test_level_reached_is_nan_exactly_when_a_level_up_to_it_is_nan(answers):
    nodes = node_scores(frame("auto", answers), "auto")
    levels = by_node(nodes).loc["level"]
    reached = by_node(level_reached(nodes)).loc["level"]
    for n in (1, 2, 3):
        any_nan = levels[[f"Lv{m}" for m in range(1, n + 1)]].isna().any()
        assert reached[f"Lv{n}+"] != reached[f"Lv{n}+"] if any_nan else reached[f"Lv{n}+"] in (0.0, 1.0)


@FAST
@given(auto_sheets, st.randoms(use_true_random=False))
def test_scores_do_not_depend_on_row_order(answers, rnd):
    data = pd.concat([frame("auto", answers), frame("auto", list(reversed(answers)), key="j" * 32)])
    shuffled = data.sample(frac=1, random_state=rnd.randint(0, 10**6))
    for fn in (lambda d: node_scores(d, "auto"), star_scores):
        a = fn(data).sort_values(["respondent_key", "framework", "node_id"]).reset_index(drop=True)
        b = fn(shuffled).sort_values(["respondent_key", "framework", "node_id"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
