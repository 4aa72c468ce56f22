"""Respondents not on the roster (docs/method.md §11, "Respondents not on the roster"): a member who answered,
counted among the members and the respondents of its segment alike, so no published row tells how many there
are and no rate is withheld for them. Numbers typed by hand from the rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.report.data import ReportData
from pipeline.report.tables import responses_by_segment


def _data(off_small: int = 1) -> ReportData:
    """〜100人: 20 on the roster, 10 of them answered, and ``off_small`` respondents the roster does not list whose
    sheet says 〜100人; 101〜300人: 30 on the roster, 20 answered."""
    roster = pd.DataFrame({"sector": "auto", "year": 2022,
                           "respondent_key": [f"a{i}" for i in range(20)] + [f"b{i}" for i in range(30)],
                           "size_band": ["〜100人"] * 20 + ["101〜300人"] * 30})
    keys = [f"a{i}" for i in range(10)] + [f"new{i}" for i in range(off_small)] + [f"b{i}" for i in range(20)]
    respondents = pd.DataFrame({"sector": "auto", "year": 2022, "respondent_key": keys,
                                "size_band": ["〜100人"] * (10 + off_small) + ["101〜300人"] * 20})
    return ReportData("auto", [2022], pd.DataFrame(), respondents, pd.DataFrame(), roster)


def test_one_respondent_off_the_roster_is_a_member_who_answered_and_every_row_is_published():
    # 〜100人: 11 respondents (10 on the roster and the newcomer) among 20 + 1 = 21 members: 11/21 = 52.4 %, 10 did
    # not answer (≥ 5 both sides). 101〜300人: 20 of 30 = 66.7 %. Total: 31 of 51 = 60.8 %. Before, the newcomer
    # was a split of 1 on 〜100人 and on the total, both withheld, and the withheld pair pointed at it.
    out = responses_by_segment(_data(), "size_band", 5).set_index("segment")
    assert out["suppressed"].fillna("").eq("").all()
    assert out.loc["〜100人", ["n", "n_on_roster", "roster_n"]].tolist() == [11, 11, 21]
    assert out.loc["〜100人", "response_rate"] == pytest.approx(11 / 21)
    assert out.loc["101〜300人", ["n", "n_on_roster", "roster_n"]].tolist() == [20, 20, 30]
    assert out.loc["全体", ["n", "n_on_roster", "roster_n"]].tolist() == [31, 31, 51]
    assert out.loc["全体", "response_rate"] == pytest.approx(0.6078, abs=5e-5)


def test_no_published_row_gives_the_count_off_the_roster_back():
    # The intruder's difference n − n_on_roster on every published row, and the members less the roster the
    # association holds are not published anywhere: 0 on every row whatever the true count (1, 3 or 7).
    for off in (1, 3, 7):
        out = responses_by_segment(_data(off), "size_band", 5)
        shown = out[out["suppressed"].fillna("").eq("")]
        assert len(shown) == 3
        assert (shown["n"] - shown["n_on_roster"]).eq(0).all()
        # the members of 〜100人 are 20 + off: the rate reads (10 + off) / (20 + off)
        row = shown[shown["segment"].eq("〜100人")].iloc[0]
        assert row["roster_n"] == 20 + off and row["response_rate"] == pytest.approx((10 + off) / (20 + off))


def test_a_small_side_of_the_members_is_still_withheld():
    # The members' own split still counts: 18 of 〜100人's 20 on the roster and the newcomer answered, 19 of 21
    # members; the 2 who did not are fewer than 5, so the rate is withheld as before, its 19 respondents printed.
    data = _data(1)
    data.respondents = pd.concat([data.respondents, pd.DataFrame(
        {"sector": "auto", "year": 2022, "respondent_key": [f"a{i}" for i in range(10, 18)], "size_band": "〜100人"})],
        ignore_index=True)
    out = responses_by_segment(data, "size_band", 5).set_index("segment")
    assert out.loc["〜100人", "suppressed"] == "split"
    assert out.loc["〜100人", "n"] == 19 and np.isnan(out.loc["〜100人", "response_rate"])
