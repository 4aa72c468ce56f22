"""★ readiness per company (pipeline/scoring/readiness.py): distance, bands, ready-after-fixing, what-if.

Expected numbers are typed from the rules in docs/method.md §3. Catalog facts read by hand: ★3 requirement
1-2-1 cites No.13 and No.15 (★4 adds No.14), 4-1-1 cites No.113, No.117 and No.118; no other ★3/★4
requirement cites No.15 or No.113; ★3 has 21 judgeable requirements, ★4 36.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.scoring.readiness import (
    distance_band,
    ready_after_fixing,
    ready_if_fixed_in_order,
    requirement_outcomes,
    respondent_readiness,
    what_if,
)
from pipeline.scoring.respondent import score_store_tables
from tests.test_scoring import responses


def star_rows(company: str, outcomes: dict[str, float], star: int = 3) -> pd.DataFrame:
    """A company's ``star`` score rows: one per requirement (``3:1-2-1``) plus the ★ summary rows, which
    the readiness functions must skip."""
    ids = [f"{star}:{r}" for r in outcomes] + [f"★{star}", f"★{star}+"]
    return pd.DataFrame({"sector": "auto", "year": 2026, "respondent_key": company, "framework": "star",
                         "node_id": ids, "score": [*outcomes.values(), 0.5, 0.0]})


NAN = np.nan
# six hand-built companies judged on 1-2-1, 1-3-1 and 4-1-1 (F on none)
SIX = pd.concat([
    star_rows("A", {"1-2-1": 1, "1-3-1": 1, "4-1-1": 1}),        # ready
    star_rows("B", {"1-2-1": 0, "1-3-1": 1, "4-1-1": 1}),        # only 1-2-1
    star_rows("C", {"1-2-1": 0, "1-3-1": 1, "4-1-1": NAN}),      # only 1-2-1 (4-1-1 not judged)
    star_rows("D", {"1-2-1": 1, "1-3-1": 1, "4-1-1": 0}),        # only 4-1-1
    star_rows("E", {"1-2-1": 0, "1-3-1": 1, "4-1-1": 0}),        # two short
    star_rows("F", {"1-2-1": NAN, "1-3-1": NAN, "4-1-1": NAN}),  # nothing judged
    star_rows("A", {"1-2-1": 0}, star=4),                         # a ★4 row is no ★3 requirement
    pd.DataFrame({"sector": "auto", "year": 2026, "respondent_key": "A", "framework": "level",
                  "node_id": ["Lv1+"], "score": [0.0]}),
], ignore_index=True)


def test_a_company_failing_exactly_1_2_1_and_4_1_1_is_two_short_of_star3_and_star4():
    scores = score_store_tables(responses("auto", {"No.15": "not_implemented", "No.113": "not_implemented"}))
    for star, judged in ((3, 21), (4, 36)):
        r = respondent_readiness(scores, star).iloc[0]
        assert r["distance"] == 2 and r["unmet"] == ("1-2-1", "4-1-1")
        assert r["n_judged"] == judged and r["n_met"] == judged - 2
    d = respondent_readiness(scores, 3)["distance"]
    assert distance_band(d).tolist() == ["2"]
    assert [ready_after_fixing(d, n).iloc[0] for n in (0, 1, 2, 3)] == [0.0, 0.0, 1.0, 1.0]


def test_outcomes_read_requirement_rows_of_one_star_only():
    out = requirement_outcomes(SIX, 3)
    assert len(out) == 18  # 6 companies × 3 requirements; no ★3/★3+ summary, ★4 or level rows
    assert set(out["requirement_id"]) == {"1-2-1", "1-3-1", "4-1-1"}
    assert out.loc[out["respondent_key"].eq("E") & out["requirement_id"].eq("4-1-1"), "met"].item() == 0.0


def test_distance_counts_judged_unmet_requirements_and_is_nan_when_nothing_is_judged():
    r = respondent_readiness(SIX, 3).set_index("respondent_key")
    assert r["distance"].to_dict() == pytest.approx({"A": 0, "B": 1, "C": 1, "D": 1, "E": 2, "F": NAN}, nan_ok=True)
    assert r.loc["C", "n_judged"] == 2 and r.loc["F", "n_judged"] == 0
    assert r.loc["E", "unmet"] == ("1-2-1", "4-1-1") and r.loc["A", "unmet"] == () and r.loc["F", "unmet"] == ()


def test_distance_bands_are_0_1_2_3_4to5_6plus():
    d = pd.Series([0, 1, 2, 3, 4, 5, 6, 17, NAN])
    assert distance_band(d).tolist() == ["0", "1", "2", "3", "4–5", "4–5", "6+", "6+", None]


def test_ready_after_fixing_at_most_n():
    d = pd.Series([0, 1, 2, 3, 4, NAN])
    assert ready_after_fixing(d, 0).tolist()[:5] == [1, 0, 0, 0, 0]
    assert ready_after_fixing(d, 1).tolist()[:5] == [1, 1, 0, 0, 0]
    assert ready_after_fixing(d, 3).tolist()[:5] == [1, 1, 1, 1, 0]
    assert np.isnan(ready_after_fixing(d, 3).iloc[5])


def test_what_if_over_six_companies():
    summary, table = what_if(respondent_readiness(SIX, 3))
    assert summary == {"n_companies": 6, "n_judged": 5, "n_ready": 1, "n_must_act": 4, "n_not_judged": 1}
    # 1-2-1: failed by B, C, E; alone lifts B and C. 4-1-1: failed by D, E; alone lifts D.
    # fixing 1-2-1 makes A, B, C ready (3); then 4-1-1 too: A–E (5). 1-3-1 nobody fails: not listed.
    assert table.to_dict("records") == [
        {"rank": 1, "requirement_id": "1-2-1", "n_failing": 3, "n_lifted_alone": 2, "n_ready_if_fixed_in_order": 3},
        {"rank": 2, "requirement_id": "4-1-1", "n_failing": 2, "n_lifted_alone": 1, "n_ready_if_fixed_in_order": 5},
    ]


def test_what_if_ties_break_on_failing_then_requirement_id_and_listed_requirements_stay():
    scores = pd.concat([
        star_rows("P", {"2-1-1": 0, "3-1-1": 1, "3-1-2": 1}),
        star_rows("Q", {"2-1-1": 1, "3-1-1": 0, "3-1-2": 1}),
        star_rows("R", {"2-1-1": 1, "3-1-1": 0, "3-1-2": 0}),
        star_rows("S", {"2-1-1": 1, "3-1-1": 1, "3-1-2": 0}),
    ])
    # each of 2-1-1, 3-1-1 and 3-1-2 alone lifts one company; 3-1-1 and 3-1-2 are failed by two, 2-1-1 by one
    summary, table = what_if(respondent_readiness(scores, 3), requirements=["2-1-1", "3-1-1", "3-1-2", "1-3-1"])
    assert summary["n_must_act"] == 4 and summary["n_ready"] == 0
    assert table["requirement_id"].tolist() == ["3-1-1", "3-1-2", "2-1-1", "1-3-1"]
    assert table["n_failing"].tolist() == [2, 2, 1, 0]
    assert table["n_lifted_alone"].tolist() == [1, 1, 1, 0]
    # Q ready after 3-1-1; R and S after 3-1-2; P after 2-1-1
    assert table["n_ready_if_fixed_in_order"].tolist() == [1, 3, 4, 4]


def test_ready_if_fixed_in_another_order():
    # 4-1-1 first lifts D (and A is ready): 2; then 1-2-1 lifts B, C, E: 5
    assert ready_if_fixed_in_order(respondent_readiness(SIX, 3), ["4-1-1", "1-2-1"]).tolist() == [2, 5]
    assert ready_if_fixed_in_order(respondent_readiness(SIX, 3), ["1-3-1"]).tolist() == [1]


def test_what_if_of_no_company_is_empty():
    summary, table = what_if(respondent_readiness(SIX.iloc[:0], 3))
    assert summary == {"n_companies": 0, "n_judged": 0, "n_ready": 0, "n_must_act": 0, "n_not_judged": 0}
    assert table.empty


def test_unmet_requirements_are_sorted_and_kept_per_year():
    # the same company in two years: 2026 fails 4-1-1 and 1-2-1 (rows in that order), 2027 only 1-3-1
    rows = pd.concat([star_rows("A", {"4-1-1": 0, "1-3-1": 1, "1-2-1": 0}),
                      star_rows("A", {"4-1-1": 1, "1-3-1": 0, "1-2-1": 1}).assign(year=2027)], ignore_index=True)
    r = respondent_readiness(rows, 3).set_index("year")
    assert r.loc[2026, "unmet"] == ("1-2-1", "4-1-1") and r.loc[2026, "distance"] == 2
    assert r.loc[2027, "unmet"] == ("1-3-1",) and r.loc[2027, "distance"] == 1
