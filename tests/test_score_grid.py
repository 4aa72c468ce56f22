"""The scoring grid: each response's respondent row, respondents in the order they first appear."""

from __future__ import annotations

import pandas as pd

from pipeline.scoring.respondent import _grid


def test_respondents_numbered_in_the_order_they_first_appear():
    # company b answers first, then a; b again in another year is another respondent (the key holds the year)
    responses = pd.DataFrame({
        "sector": ["auto"] * 6,
        "year": [2024, 2024, 2024, 2023, 2024, 2023],
        "respondent_key": ["b", "a", "b", "b", "a", "b"],
        "item_id": ["i2", "i1", "i1", "i1", "i3", "i9"],
    })
    people, rows, cols = _grid(responses, pd.Index(["i1", "i2", "i3"]))
    assert people.to_dict("list") == {"sector": ["auto"] * 3, "year": [2024, 2024, 2023],
                                      "respondent_key": ["b", "a", "b"]}
    assert rows.tolist() == [0, 1, 0, 2, 1, 2]
    assert cols.tolist() == [1, 0, 0, 0, 2, -1]  # i9 is not on the instrument


def test_no_responses_no_respondents():
    empty = pd.DataFrame({"sector": [], "year": [], "respondent_key": [], "item_id": []})
    people, rows, cols = _grid(empty, pd.Index(["i1"]))
    assert people.empty and list(people.columns) == ["sector", "year", "respondent_key"]
    assert len(rows) == 0 and len(cols) == 0
