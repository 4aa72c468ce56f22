"""A rank or quartile in a member's file counts no small group against a count the report prints (docs/method.md,
"Ranks beside printed counts"). Expected values typed by hand from the rule."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pipeline.publish.audit_ranks import rank_findings
from pipeline.report.feedback_doc import write_feedback
from pipeline.scoring.disclosure import between_shown, quantile_position
from pipeline.scoring.feedback import feedback_tables

LOW = [0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80]  # positions 1–11
"""Eleven companies well below 90 %; the member ("m") scores 0.85 and is 12th of 24 in every group below."""


def test_the_rule_on_typed_positions():
    # a group of 10 with 4 printed at 90 % or more: the cut (0.9, 6), six companies below 90 %
    cut = [(0.9, 6)]
    # 0.85 fourth: companies 5 and 6 lie between 0.85 and 0.9 → 2 → withheld; sixth: none between → shown;
    # first at 0.10 with k = 5: five between → shown
    assert between_shown([0.85, 0.85, 0.10], [4, 6, 1], cut, k=5).tolist() == [False, True, True]
    # 0.95, ninth: companies 7 and 8 (others, at 90 % or more and not above it) → 2 → withheld; seventh: none
    assert between_shown([0.95, 0.95], [9, 7], cut, k=5).tolist() == [False, True]
    # a quantile is no company: a median at position 3 below 0.9 leaves companies 4–6 between → 3 → withheld
    assert not between_shown([0.5], [3], cut, k=5, own=0)[0]
    # positions a reader knows for a quantile printed from 24 companies: 6, 12, 18 at or below p25, p50, p75
    assert [quantile_position(q, 24) for q in ("p25", "p50", "p75")] == [6, 12, 18]


def _store(between: list[float], reached: list[float]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Twenty-four 小売 companies on GV: LOW, the member m at 0.85, ``between`` in (0.85, 0.9), ``reached``."""
    values = [*LOW, 0.85, *between, *reached]
    assert len(values) == 24
    keys = [f"c{i:02d}" for i in range(11)] + ["m"] + [f"d{i:02d}" for i in range(12)]
    scores = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": keys, "framework": "csf2",
                           "node_id": "GV", "score": values, "n_items": 10, "n_applicable": 10})
    respondents = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": keys,
                                "main_business_type": "RETAIL"})
    responses = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": keys, "item_id": "ID.AM-1",
                              "answer": "implemented"})
    return scores, respondents, responses


def _printed(reached: int) -> pd.DataFrame:
    """The report's printed count of RETAIL companies at 90 % or more on GV."""
    return pd.DataFrame({"framework": ["csf2"], "node_id": ["GV"], "segment": ["RETAIL"], "threshold": [0.9],
                         "reached": [reached]})


def _member(between: list[float], reached: list[float], printed: bool = True) -> tuple[pd.Series, dict]:
    scores, respondents, responses = _store(between, reached)
    per = feedback_tables(scores, respondents, responses, "power", 2026, k=5,
                          counts=_printed(len(reached)) if printed else None)
    return per["m"][0].set_index("node_id").loc["GV"], per


def test_two_companies_between_the_member_and_90_percent_withhold_its_rank():
    # 10 printed at 90 % or more: 14 below, the member 12th → companies 13 and 14 (0.86, 0.88) between → x.
    # The median (0.855, 12 at or below it) has the same two above it below 0.9 → x; p75 (0.93, 18 at or below)
    # has companies 15–18 in [0.9, 0.93] → 4 → x; p25 (0.5875, 6) has 8 between it and 0.9 → shown
    gv, _ = _member([0.86, 0.88], [0.93] * 5 + [1.0] * 5)
    assert np.isnan(gv["percentile"]) and np.isnan(gv["p50"]) and np.isnan(gv["p75"])
    assert gv["p25"] == pytest.approx(0.5875)
    # 偏差値 has no position: the group's mean and SD (alike for everyone) turn the member's own score into it
    assert not np.isnan(gv["deviation"]) and gv["between_rank"] and gv["between_quantile"]


def test_none_or_five_between_leave_the_rank_shown():
    # nobody between 0.85 and 0.9 (12 printed reached): rank 12 of 24 → 50; median (0.85 + 0.93) / 2 = 0.89, 12
    # at or below it, 12 below 0.9 → none between → shown; p75 0.9475 (18) has 6 in [0.9, 0.9475] → shown
    gv, _ = _member([], [0.93] * 6 + [1.0] * 6)
    assert gv["percentile"] == pytest.approx(50.0) and gv["p50"] == pytest.approx(0.89)
    assert gv["p75"] == pytest.approx(0.9475) and not gv["between_rank"] and not gv["between_quantile"]
    # five between (7 printed reached): rank shown; median 0.855 with 5 to 0.9 shown; p75 0.93 is 18th, one
    # company (the 18th itself) in [0.9, 0.93] → x, and the rank is not held against a quartile withheld
    gv, _ = _member([0.86, 0.87, 0.88, 0.89, 0.895], [0.93] * 3 + [1.0] * 4)
    assert gv["percentile"] == pytest.approx(50.0) and gv["p50"] == pytest.approx(0.855)
    assert np.isnan(gv["p75"])


def test_the_audit_replays_the_pin_the_rule_closes():
    # without the printed count the rank and quartiles are shown as before; the check, from the printed numbers
    # alone, finds the rank (2 between 0.85 and 0.9), the median (2) and p75 (4); with the rule, nothing
    _, before = _member([0.86, 0.88], [0.93] * 5 + [1.0] * 5, printed=False)
    found = rank_findings(before, _printed(10), k=5)
    assert sorted(zip(found["respondent_key"], found["statistic"], found["between"], strict=True))[:1] == [
        ("c00", "p50", 2)]
    mine = found[found["respondent_key"].eq("m")]
    assert sorted(zip(mine["statistic"], mine["between"], strict=True)) == [("p50", 2), ("p75", 4),
                                                                           ("percentile", 2)]
    _, after = _member([0.86, 0.88], [0.93] * 5 + [1.0] * 5)
    assert rank_findings(after, _printed(10), k=5).empty


def test_the_members_workbook_reads_x_where_the_rank_is_withheld(tmp_path):
    _, per = _member([0.86, 0.88], [0.93] * 5 + [1.0] * 5)
    identities = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": list(per),
                               "company_name": ["会員" if key == "m" else f"社{key}" for key in per],
                               "corporate_number": ""})
    files = write_feedback(per, identities, "power", 2026, tmp_path, k=5, only=["m"])
    ws = openpyxl.load_workbook(files.workbooks[0])["スコア"]
    heads = [c.value for c in ws[4]]
    gv = next(dict(zip(heads, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=5)
              if str(r[0].value).startswith("GV"))
    assert gv["パーセンタイル順位"] == "x" and gv["中央値"] == "x" and gv["第3四分位"] == "x"
    assert gv["第1四分位"] == pytest.approx(0.588) and gv["比較群の社数"] == 24  # 0.5875 stored as shown: 58.8%
    text = " ".join(str(c.value) for row in openpyxl.load_workbook(files.workbooks[0]).worksheets[0].iter_rows()
                    for c in row if c.value is not None)
    assert "その間のスコアの事業者が1〜4社と分かる場合は x" in text
