"""The stress store's roster (tools/stress_store.py): one company that answered is left off it, so the ingest finds a
respondent off the roster in every year, as a real roster misses a newcomer (docs/method.md §5.5)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.scripts import script


def _tool():
    return script("tools/stress_store.py")


def test_one_respondent_is_left_off_the_roster_by_seed():
    roster = pd.DataFrame({"company_id": [3, 1, 2, 5], "name": ["c", "a", "b", "e"],
                           "responded": [True, False, True, True]})
    # those that answered, by id: 2, 3, 5; seed 4 → the second (4 mod 3 = 1): company 3
    short, gone = _tool().without_one_respondent(roster, 4)
    assert gone == "3"
    assert short["company_id"].tolist() == [1, 2, 5]
    assert short["name"].tolist() == ["a", "b", "e"]
    # the same seed leaves the same company off: the store is rebuilt the same
    assert _tool().without_one_respondent(roster, 4)[1] == "3"
    assert _tool().without_one_respondent(roster, 6)[1] == "2"


def test_a_roster_nobody_answered_is_refused():
    roster = pd.DataFrame({"company_id": [1, 2], "responded": [False, False]})
    with pytest.raises(ValueError, match="the roster lists no company that answered: no respondent can be left off"):
        _tool().without_one_respondent(roster, 0)
