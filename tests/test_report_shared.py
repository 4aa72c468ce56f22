"""A report computes once what its tables and breakdowns share (the item table, the response rates), and never
reads a value computed from other answers or another roster: the shared values follow the frames they came from.
Numbers typed by hand from the rules."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from pipeline import catalogs
from pipeline.publish.formats import WITHHELD_CELLS
from pipeline.report import tables as T
from pipeline.report.data import ReportData

KEYS = [f"c{i:03d}" for i in range(100)]


def _hundred(not_applicable: int) -> ReportData:
    """100 power companies (FY2025, form power-2024, business type 電気 for the first 50, ガス for the others). Item
    ID.AM-1: the first ``not_applicable`` found it not applicable, the next 40 have not implemented it, the rest
    have; every other item: the first 80 have implemented it, 10 have not, the last 10 found it not applicable.
    Their CSF 1.1 category ID.AM (ID.AM-1 among its items) scores 0.8 for the first 40 and 1.0 for the others,
    every company scored."""
    first = ["not_applicable"] * not_applicable + ["not_implemented"] * 40
    answer = first + ["implemented"] * (100 - len(first))
    other = ["implemented"] * 80 + ["not_implemented"] * 10 + ["not_applicable"] * 10
    responses = pd.DataFrame([{"sector": "power", "year": 2025, "respondent_key": key, "item_id": item,
                               "answer": answer[i] if item == "ID.AM-1" else other[i]}
                              for i, key in enumerate(KEYS) for item in catalogs.power_items()["item_id"]])
    scores = pd.DataFrame({"sector": "power", "year": 2025, "respondent_key": KEYS, "framework": "csf11",
                           "node_id": "ID.AM", "score": [0.8] * 40 + [1.0] * 60, "n_items": 6, "n_applicable": 6})
    respondents = pd.DataFrame({"sector": "power", "year": 2025, "respondent_key": KEYS,
                                "template_version": "power-2024", "business_types": ["電気"] * 50 + ["ガス"] * 50})
    return ReportData("power", [2025], scores, respondents, responses, None)


def _na_share(data: ReportData) -> tuple[float, bool]:
    """The published not-applicable share of the total's ID.AM row, and whether it reads x (withheld)."""
    row = T.node_stats(data, data.scores, None, "csf11", 5).set_index("segment").loc["全体"]
    return row["na_share"], "na_share" in str(row.get(WITHHELD_CELLS, "")).split()


def test_the_node_tables_read_the_item_table_of_their_own_answers():
    # 2 of 100 found ID.AM-1 not applicable (fewer than 5): the item's base is withheld, so its category's
    # not-applicable share (0%: every company scored on ID.AM) reads x. The same companies with 10 not applicable:
    # the item's base published, the category's share 0% published. Read after the first, from data made by
    # dataclasses.replace (sharing what the first computed), the second must still read its own answers.
    few = _hundred(2)
    assert np.isnan(_na_share(few)[0]) and _na_share(few)[1]
    ten = replace(few, scores=_hundred(10).scores, responses=_hundred(10).responses)
    assert _na_share(ten) == (0.0, False)
    assert np.isnan(_na_share(few)[0]) and _na_share(few)[1]  # and the first its own


def test_the_item_table_is_computed_once_for_a_report_and_its_breakdowns(monkeypatch):
    # items have no segment: the report's data and its breakdown by business type (the same answers, recoded
    # respondents) publish one item table, computed once; other answers compute their own
    made = []
    items = T.items
    monkeypatch.setattr(T, "items", lambda data, k=None, lang="ja": made.append(1) or items(data, k, lang))
    data = _hundred(2)
    by_type = replace(data, respondents=data.respondents.assign(business_types="電気・ガス"))
    first = T.node_stats(data, data.scores, "business_types", "csf11", 5)
    second = T.node_stats(by_type, by_type.scores, "business_types", "csf11", 5)
    assert len(made) == 1
    assert first[first["segment"].eq("全体")]["na_share"].isna().all()
    assert second[second["segment"].eq("全体")]["na_share"].isna().all()
    T.node_stats(replace(data, responses=_hundred(10).responses), data.scores, None, "csf11", 5)
    assert len(made) == 2


def _members(on_roster: int) -> ReportData:
    """〜100人: ``on_roster`` members on the roster, the first 10 of them answered; 101〜300人: 30 members, 20
    answered."""
    roster = pd.DataFrame({"sector": "auto", "year": 2022,
                           "respondent_key": [f"a{i}" for i in range(on_roster)] + [f"b{i}" for i in range(30)],
                           "size_band": ["〜100人"] * on_roster + ["101〜300人"] * 30})
    respondents = pd.DataFrame({"sector": "auto", "year": 2022,
                                "respondent_key": [f"a{i}" for i in range(10)] + [f"b{i}" for i in range(20)],
                                "size_band": ["〜100人"] * 10 + ["101〜300人"] * 20})
    return ReportData("auto", [2022], pd.DataFrame(), respondents, pd.DataFrame(), roster)


def test_the_response_rates_follow_their_own_roster():
    # 〜100人: 10 of 20 members answered, 50%; with 40 on the roster, 10 of 40, 25% (30 did not answer). The total:
    # 30 of 50, 60%, then 30 of 70, 42.9%. The second data is made from the first by dataclasses.replace.
    twenty = _members(20)
    rates = T.responses_by_segment(twenty, "size_band", 5).set_index("segment")
    assert rates.loc["〜100人", ["roster_n", "response_rate"]].tolist() == [20, pytest.approx(0.5)]
    assert rates.loc["全体", ["roster_n", "response_rate"]].tolist() == [50, pytest.approx(0.6)]
    forty = replace(twenty, roster=_members(40).roster)
    rates = T.responses_by_segment(forty, "size_band", 5).set_index("segment")
    assert rates.loc["〜100人", ["roster_n", "response_rate"]].tolist() == [40, pytest.approx(0.25)]
    assert rates.loc["全体", ["roster_n", "response_rate"]].tolist() == [70, pytest.approx(30 / 70)]
    assert T.members_behind(forty, "size_band").set_index("segment").loc["〜100人", "_members_behind"] == 40
    assert T.members_behind(twenty, "size_band").set_index("segment").loc["〜100人", "_members_behind"] == 20


def _two_years() -> ReportData:
    """Power, CSF 1.1 category ID.AM. FY2024: 電気 3 companies at 1.0, ガス 10 (5 at 0.6, 5 at 1.0). FY2025: 電気
    10 (5 at 0.5, 5 at 1.0), ガス 10 (5 at 0.6, 5 at 1.0). Every company scored on the category's 6 items."""
    rows = [(2024, "電気", [1.0] * 3), (2024, "ガス", [0.6] * 5 + [1.0] * 5),
            (2025, "電気", [0.5] * 5 + [1.0] * 5), (2025, "ガス", [0.6] * 5 + [1.0] * 5)]
    scores, respondents = [], []
    for year, kind, values in rows:
        for i, v in enumerate(values):
            key = f"{kind}{i}"
            respondents.append({"sector": "power", "year": year, "respondent_key": key, "business_types": kind,
                                "template_version": "power-2024"})
            scores.append({"sector": "power", "year": year, "respondent_key": key, "framework": "csf11",
                           "node_id": "ID.AM", "score": v, "n_items": 6, "n_applicable": 6})
    return ReportData("power", [2024, 2025], pd.DataFrame(scores), pd.DataFrame(respondents), pd.DataFrame(), None)


def test_the_latest_years_categories_read_as_in_the_table_of_every_year():
    # FY2025 alone: 全体 20 companies, mean (5·0.5 + 5·1.0 + 5·0.6 + 5·1.0) / 20 = 0.775; ガス 10, 0.8; 電気 10, 0.75;
    # every row published (5 and 5 on each side of the category's threshold), no change column. FY2024's 電気 (3
    # companies) is hidden and its ガス with it; FY2025's rows read the same in the table of every year.
    data = _two_years()
    latest = T.by_node(data, "business_types", "csf11", "category", 2025, 5)
    latest = latest[latest["node_id"].eq("ID.AM")]
    assert latest["year"].tolist() == [2025] * 3 and "change" not in latest
    assert latest["segment"].tolist() == ["ガス", "全体", "電気"]
    assert latest["n"].tolist() == [10, 20, 10]
    assert latest["mean"].tolist() == pytest.approx([0.8, 0.775, 0.75])
    assert latest["suppressed"].fillna("").eq("").all()
    every = T.by_node(data, "business_types", "csf11", "category", None, 5)
    every = every[every["node_id"].eq("ID.AM")].set_index(["year", "segment"])
    assert every.loc[(2024, "電気"), "suppressed"] != ""
    for segment, mean in zip(["ガス", "全体", "電気"], [0.8, 0.775, 0.75], strict=True):
        assert every.loc[(2025, segment), "mean"] == pytest.approx(mean)
        assert every.loc[(2025, segment), "suppressed"] == ""
