"""Segment statistics, Wilson intervals, disclosure control and trends on small hand-built frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.report.tables import movers, with_change
from pipeline.scoring.segments import ALL, response_rates, segment_stats, with_segment
from pipeline.scoring.statistics import deviation_score, percentile_rank, wilson
from pipeline.scoring.trends import panel_change


def _scores(values: dict[str, float], year: int = 2024, node: str = "GV") -> pd.DataFrame:
    return pd.DataFrame({"sector": "power", "year": year, "respondent_key": list(values), "framework": "csf2",
                         "node_id": node, "score": list(values.values()), "n_items": 4, "n_applicable": 4})


def test_wilson_known_values():
    lo, hi = wilson(np.array([0, 5, 10]), np.array([10, 10, 10]))
    assert lo[0] == 0 and hi[0] == pytest.approx(0.2775, abs=1e-4)
    assert lo[1] == pytest.approx(0.2366, abs=1e-4) and hi[1] == pytest.approx(0.7634, abs=1e-4)
    assert hi[2] == pytest.approx(1) and lo[2] == pytest.approx(0.7225, abs=1e-4)
    nan_lo, _ = wilson(np.array([0]), np.array([0]))
    assert np.isnan(nan_lo[0])


def test_a_company_with_several_licences_counts_in_each_business_type():
    scores = _scores({"a": 1.0, "b": 0.5, "c": 0.0})
    resp = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": ["a", "b", "c"],
                         "business_types": ["RETAIL GENERATION", "RETAIL", "GENERATION"]})
    out = segment_stats(scores, resp, "business_types", "csf2", "GV", threshold=0.5).set_index("segment")
    assert out.loc["RETAIL", "n"] == 2 and out.loc["GENERATION", "n"] == 2
    assert out.loc[ALL, "n"] == 3  # the total counts each company once
    assert out.loc["RETAIL", "mean"] == pytest.approx(0.75)
    assert out.loc["GENERATION", "share_reached"] == pytest.approx(0.5)
    assert out["multi_counted"].all()


def test_without_a_threshold_each_node_is_split_by_its_own_rule():
    """scoring.yaml's level threshold is 0.9. Four companies scoring 0.95, 0.9, 0.85 and 1.0: on a CSF 2.0
    node three reach 0.9 (3/4); on ★3 (the share of its requirements met) only the company meeting every
    requirement counts as ready (1/4), as a member's peer group counts it."""
    values = {"a": 0.95, "b": 0.9, "c": 0.85, "d": 1.0}
    resp = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": list(values)})
    csf = segment_stats(_scores(values), resp, None, "csf2").iloc[0]
    star = segment_stats(_scores(values, node="★3").assign(framework="star"), resp, None, "star").iloc[0]
    assert csf["share_reached"] == 0.75 and csf["threshold"] == 0.9
    assert star["share_reached"] == 0.25 and star["threshold"] == 1.0


def test_response_rates_against_the_roster():
    roster = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": list("abcdef"),
                           "size_band": ["〜100人"] * 4 + ["10,001人〜"] * 2})
    resp = pd.DataFrame({"sector": "auto", "year": [2024, 2024, 2024, 2023],
                         "respondent_key": ["a", "e", "f", "b"]})  # b answered another year only
    out = response_rates(roster, resp, "size_band").set_index("segment")
    assert out.loc["〜100人", "response_rate"] == 0.25 and out.loc["10,001人〜", "response_rate"] == 1.0


def test_deviation_scores_and_percentiles():
    x = pd.Series([0.2, 0.4, 0.6, 0.8])
    dev = deviation_score(x)
    assert dev.mean() == pytest.approx(50) and dev.std(ddof=0) == pytest.approx(10)
    assert (deviation_score(pd.Series([0.5, 0.5])) == 50).all()
    assert percentile_rank(x).tolist() == [25, 50, 75, 100]


def test_trends_change_and_panel():
    y1 = _scores({"a": 0.2, "b": 0.4, "c": 0.6}, 2023)
    y2 = _scores({"a": 0.5, "b": 0.4, "d": 1.0}, 2024)
    resp = pd.DataFrame({"sector": "power", "year": [2023] * 3 + [2024] * 3,
                         "respondent_key": ["a", "b", "c", "a", "b", "d"], "main_business_type": "RETAIL"})
    stats = segment_stats(pd.concat([y1, y2]), resp, None, "csf2")
    cs = with_change(stats, ["sector", "framework", "node_id", "segment"]).set_index("year")
    assert cs.loc[2024, "change"] == pytest.approx(1.9 / 3 - 0.4)  # (0.5 + 0.4 + 1.0) / 3 − (0.2 + 0.4 + 0.6) / 3
    assert cs.loc[2024, "previous_year"] == 2023
    panel = panel_change(pd.concat([y1, y2]), resp, "csf2", 2023, 2024).iloc[0]
    assert panel["n"] == 2 and panel["mean_change"] == pytest.approx(0.15)
    assert panel["share_improved"] == 0.5 and panel["share_worsened"] == 0.0


def test_movers_rank_published_item_shares_and_skip_hidden_ones():
    """X rose 0 → 75%, W fell 50% → 25%, Y stayed at 100% (neither a rise nor a fall: not listed), Z was
    hidden in 2023 (its change is not published)."""
    items = pd.DataFrame({"sector": "auto", "year": [2023] * 4 + [2024] * 4,
                          "item_id": ["X", "Y", "Z", "W"] * 2, "text": "t",
                          "share_implemented": [0.0, 1.0, np.nan, 0.5, 0.75, 1.0, 0.5, 0.25],
                          "n_applicable": [40, 40, np.nan, 40, 40, 40, 40, 40],
                          "suppressed": ["", "", "primary", "", "", "", "", ""]})
    out = movers(items, 2023, 2024, n=2)
    assert out["item_id"].tolist() == ["X", "W"] and out["direction"].tolist() == ["up", "down"]
    assert out.loc[0, "change"] == 0.75 and out.loc[0, "share_previous"] == 0.0
    assert out.loc[1, "change"] == -0.25


def test_small_segments_merge_into_their_documented_group_before_protection():
    """Power: one general utility (10 respondents), two transmission and three distribution licensees. The
    transmission and distribution cells are too small (2 and 3 < k = 5), so all three become the grid group
    一般送配電・送電・配電 (TD_GROUP); a company holding two merged licences counts once in it; generation,
    with 6 respondents, is untouched; and the private facility owners (1 < 5) merge with the specified T&D
    licensees (FACILITY_GROUP)."""
    from pipeline.scoring.segments import recode_segments, segment_groups, small_segment_merges

    types = (["TD_GENERAL"] * 9 + ["TD_GENERAL TRANSMISSION"] + ["TRANSMISSION"] + ["DISTRIBUTION"] * 3
             + ["GENERATION"] * 6 + ["TD_SPECIFIED"] * 5 + ["PRIVATE_FACILITY GENERATION"])
    respondents = pd.DataFrame({"year": 2026, "respondent_key": [f"k{i}" for i in range(len(types))],
                                "business_types": types})
    merges = small_segment_merges(respondents, "business_types", segment_groups("power", "business_types"), 5)
    assert merges == {"TD_GENERAL": "TD_GROUP", "TRANSMISSION": "TD_GROUP", "DISTRIBUTION": "TD_GROUP",
                      "TD_SPECIFIED": "FACILITY_GROUP", "PRIVATE_FACILITY": "FACILITY_GROUP"}
    recoded = recode_segments(respondents, "business_types", merges)
    assert recoded["business_types"].tolist()[9] == "TD_GROUP"  # two merged licences: once in the group
    assert recoded["business_types"].tolist()[-1] == "FACILITY_GROUP GENERATION"
    counts = with_segment(recoded, "business_types").groupby("segment").size().to_dict()
    assert counts == {"TD_GROUP": 14, "GENERATION": 7, "FACILITY_GROUP": 6}


def test_no_group_is_merged_when_every_member_is_large_enough():
    from pipeline.scoring.segments import segment_groups, small_segment_merges

    bands = ["〜100人"] * 5 + ["101〜300人"] * 5 + ["1,001〜10,000人"] * 5 + ["10,001人〜"] * 4
    respondents = pd.DataFrame({"year": [2024] * len(bands), "respondent_key": range(len(bands)),
                                "size_band": bands})
    merges = small_segment_merges(respondents, "size_band", segment_groups("auto", "size_band"), 5)
    assert merges == {"1,001〜10,000人": "1,001人〜", "10,001人〜": "1,001人〜"}  # 4 < 5: the large bands only


def test_size_band_groups_are_named_in_the_size_band_catalog_and_chosen_by_key(tmp_path, monkeypatch):
    """sectors.yaml names automotive's size-band groups by key ("1-300", "1001+"); their bands, store value and
    English name come from size_bands.yaml. A project's size_bands.yaml renaming the group's English name is read
    by the report's segment names; a group naming a band that does not exist, or bands that are not adjacent,
    is refused with its key."""
    from pipeline import catalogs
    from pipeline.report.data import segment_names

    assert catalogs.segment_groups("auto")["size_band"]["〜300人"] == {
        "ja": "〜300人", "en": "up to 300 employees", "members": ["〜100人", "101〜300人"]}
    assert segment_names("auto", "en")["〜300人"] == "up to 300 employees"
    shipped = (catalogs.SHIPPED_DIR / "size_bands.yaml").read_text(encoding="utf-8")
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    (tmp_path / "catalogs").mkdir()
    own = tmp_path / "catalogs" / "size_bands.yaml"
    own.write_text(shipped.replace('en: "up to 300 employees"', 'en: "300 or fewer"'), encoding="utf-8")
    assert segment_names("auto", "en")["〜300人"] == "300 or fewer"
    own.write_text(shipped.replace('members: ["1-100", "101-300"]', 'members: ["1-100", "101-299"]'), "utf-8")
    with pytest.raises(ValueError, match=r"group '1-300' names \['101-299'\], which no band has as its key"):
        catalogs.segment_groups("auto")
    own.write_text(shipped.replace('members: ["1-100", "101-300"]', 'members: ["1-100", "301-1000"]'), "utf-8")
    with pytest.raises(ValueError, match=r"group '1-300' joins \['1-100', '301-1000'\], which are not adjacent"):
        catalogs.segment_groups("auto")


def test_a_segment_nobody_scored_publishes_no_not_applicable_share():
    """One TRANSMISSION company found every item of ID.AM not applicable: n_scored 0, so its segment is not
    assessed, and its not-applicable share (100%, about one company) is not published either. (ID.AM, not
    RC.RP: RC.RP rests on one item of the power form, so its rows are rounded like that item's, method §5.4.)"""
    from pipeline.report.data import ReportData
    from pipeline.report.tables import by_node

    # ten RETAIL companies, five on each side of the 90 % threshold (the split rule needs k on both sides)
    keys = [f"{i:032d}" for i in range(11)]
    respondents = pd.DataFrame({"sector": "power", "year": 2025, "respondent_key": keys,
                                "business_types": ["RETAIL"] * 10 + ["TRANSMISSION"]})
    scores = pd.DataFrame({"sector": "power", "year": 2025, "respondent_key": keys, "framework": "csf2",
                           "node_id": "ID.AM", "score": [0.5] * 5 + [0.95] * 4 + [1.0, float("nan")],
                           "n_items": 2, "n_applicable": [2] * 9 + [1, 0]})
    data = ReportData("power", [2025], scores, respondents, pd.DataFrame(), None)
    out = by_node(data, "business_types", "csf2", "category", 2025, k=5).set_index("segment")
    assert out.loc["TRANSMISSION", "n_scored"] == 0 and pd.isna(out.loc["TRANSMISSION", "na_share"])
    # RETAIL's share (1 of 20 item answers) is withheld too: built without item answers, the report cannot
    # tell whether an item under ID.AM is rounded, and an exact node share would give that item's base back
    assert out.loc["RETAIL", "n_scored"] == 10 and pd.isna(out.loc["RETAIL", "na_share"])


def test_the_cross_sector_page_merges_segments_as_the_sector_report_does(tmp_path):
    """Power over FY2024–2025: 2 respondents licensed TRANSMISSION in FY2024 (fewer than k = 5), 6 in FY2025.
    The sector report over both years merges the grid group (TD_GENERAL, TRANSMISSION, DISTRIBUTION → TD_GROUP)
    for every year; the cross-sector page reads FY2025 alone, where TRANSMISSION holds 6, and must merge it too,
    so its totals are protected against the segments the sector report publishes."""
    from pipeline.report.data import latest_as_reported, load

    types = {2024: ["TRANSMISSION"] * 2 + ["TD_GENERAL"] * 10 + ["RETAIL"] * 10,
             2025: ["TRANSMISSION"] * 6 + ["TD_GENERAL"] * 10 + ["RETAIL"] * 10}
    respondents = pd.DataFrame([{"sector": "power", "year": y, "respondent_key": f"{y}-{i}", "business_types": t}
                                for y, ts in types.items() for i, t in enumerate(ts)])
    scores = respondents[["sector", "year", "respondent_key"]].assign(framework="csf2", node_id="GV", score=0.5,
                                                                      n_items=1, n_applicable=1)
    store = tmp_path / "store"
    store.mkdir()
    respondents.to_parquet(store / "respondents")
    scores.to_parquet(store / "scores")

    _, report_merges = load(store, "power").merge_small_segments("business_types", 5)
    assert report_merges == {"TD_GENERAL": "TD_GROUP", "TRANSMISSION": "TD_GROUP", "DISTRIBUTION": "TD_GROUP"}
    page = latest_as_reported(store, "power", None, 5)
    assert page.years == [2025]
    assert page.respondents["business_types"].value_counts().to_dict() == {"TD_GROUP": 16, "RETAIL": 10}
