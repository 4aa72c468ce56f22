"""What the fifth reader review (a WG officer and an analyst, issue 23) still found in the decks, the headline, the
figures and the tables, each checked on what the reader gets. Expected strings are typed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.publish.model import PublishedTable
from pipeline.report import style
from pipeline.report.headline import headline

# --- the headline: whose mean, and why the members' estimate is missing ------------------------------------------


def _headline_tables(w_mean: float, response_withheld: bool) -> dict[str, PublishedTable]:
    """One year of an automotive-like report: 520 respondents of 915 members (56.8 %), respondents' mean 71.6 %
    (+3.0 points on the year before); the members' estimate 70.0 % (68.0–72.0 %, effective n 480) or withheld
    (NaN); a segment's response row withheld or not."""
    dist = pd.DataFrame({"year": [2024], "segment": ["全体"], "n": [520], "mean": [0.716], "change": [0.030],
                         "w_mean": [w_mean], "w_mean_ci_low": [0.68 if w_mean == w_mean else np.nan],
                         "w_mean_ci_high": [0.72 if w_mean == w_mean else np.nan],
                         "n_eff": [480.0 if w_mean == w_mean else np.nan], "w_change": [np.nan],
                         "suppressed": [""]})
    responses = pd.DataFrame({"year": [2024, 2024, 2024], "segment": ["〜100人", "10,001人〜", "全体"],
                              "n": [130, np.nan, 520], "response_rate": [0.43, np.nan if response_withheld else 0.8,
                                                                         0.568],
                              "roster_n": [302, np.nan if response_withheld else 76, 915],
                              "suppressed": ["", "withheld" if response_withheld else "", ""]})
    return {"distribution": PublishedTable("distribution", "t", dist, ["segment", "mean"]),
            "responses": PublishedTable("responses", "t", responses, ["segment", "n"])}


def _sentences(tables: dict[str, PublishedTable], lang: str) -> list[str]:
    return [s.text for s in headline(tables, style.labels(lang), lang, 2024, "全体", {}, 0, 5,
                                     framework_label="NIST CSF 2.0")]


def test_a_withheld_members_estimate_is_said_so_and_the_mean_says_it_is_the_respondents():
    """The headline read 「平均スコアは 71.6%」 then 「会員全体の推計は示していません…回答者の平均は 71.6%」: the
    respondents' mean stood where the sector's figure is expected."""
    tables = _headline_tables(np.nan, response_withheld=True)
    assert _sentences(tables, "ja") == ["2024年度の回答事業者は 520社(会員 915社の 56.8%)。",
                                        "回答者の平均スコアは 71.6%(前年度比 +3.0ポイント)。",
                                        "会員全体の推計は、一部区分の回答状況を秘匿しているため示していません。"]
    assert _sentences(tables, "en") == [
        "520 companies answered in FY2024 (56.8% of 915 members).",
        "The respondents' mean score is 71.6% (+3.0 pt on the previous year).",
        "The estimate for all members is not shown, because the response status of some segments is withheld."]


def test_a_members_estimate_withheld_for_a_segments_value_names_that_reason():
    tables = _headline_tables(np.nan, response_withheld=False)
    assert _sentences(tables, "ja")[-1] == "会員全体の推計は、一部区分の値を秘匿しているため示していません。"
    assert _sentences(tables, "en")[-1] == ("The estimate for all members is not shown, because some segments' "
                                            "values are withheld.")


def test_a_published_members_estimate_gives_its_interval_beside_the_respondents_mean():
    tables = _headline_tables(0.70, response_withheld=False)
    ja = _sentences(tables, "ja")
    assert ja[1] == "回答者の平均スコアは 71.6%(前年度比 +3.0ポイント)。"
    assert ja[2] == ("会員全体の推計は 70.0%(95%信頼区間 68.0%〜72.0%)、回答者の平均は 71.6%。回答率 56.8%、"
                     "実効標本サイズ(重み付け後) 480社(重みのばらつきによる精度の低下を、同じ精度の無作為標本の"
                     "社数に換算した値)。")
    en = _sentences(tables, "en")
    assert en[2].startswith("Estimated for all members: 70.0% (95% CI 68.0%–72.0%); respondents' mean 71.6%.")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_no_headline_sentence_prints_the_respondents_mean_as_the_members(lang):
    """Withheld: the members' sentence carries no number at all (nothing a reader could take for the sector's)."""
    text = _sentences(_headline_tables(np.nan, response_withheld=True), lang)[-1]
    assert not any(ch.isdigit() for ch in text)
