"""The deck's own words: the rules slide in short bullets with every mark explained, and the cross-sector deck's
key points with findings (its key-points slide carried none)."""

from __future__ import annotations

import pandas as pd

from pipeline.report import style
from pipeline.report.headline import cross_headline


def test_rules_slide_is_short_bullets_with_every_mark_and_each_sector_named():
    """Slide 4 was one 14-pt block of ~900 characters whose legend left out 「90%以上/10%未満」; the cross-sector
    slide ran power's and automotive's rules together without saying which was which."""
    ja = style.labels("ja")
    one = style.rules_bullets(ja, ["auto"], "80%", 5)
    assert one[0] == "採点: 達成=1、未達成・未回答=0、対象外は除外。項目の平均がサブカテゴリ・カテゴリ・機能のスコア"
    assert "レベル到達: そのレベルまでの各レベルで該当項目の80%以上を達成" in one
    assert "x: 秘匿 ・ —: 評価対象外 ・ …: 比較する前年度の値がない" in one
    assert "90%以上 / 10%未満: 上位(下位)から外れる事業者が5社未満のため、平均を値ではなく範囲で示す" in one
    assert "回答状況: 回答者又は未回答者が5社未満(回答率100%・0%を含む)の区分は、回答率と会員数を秘匿" in one
    assert max(len(b) for b in one) <= 60 and sum(len(b) for b in one) < 600
    cross = style.rules_bullets(ja, ["power", "auto"], "80%", 5, mapping_only=True)
    assert cross[:4] == [
        "採点(電力): 実施=1、一部実施=0.5、未実施・未回答=0、該当なしは除外。"
        "項目の平均がサブカテゴリ・カテゴリ・機能のスコア",
        "CSF 2.0(電力): 各項目は NIST CSF 1.1 のサブカテゴリ。CSF 2.0 へは NIST の対応表で集計(対応のないものは —)",
        "採点(自動車): 達成=1、未達成・未回答=0、対象外は除外。項目の平均がサブカテゴリ・カテゴリ・機能のスコア",
        "CSF 2.0 への対応付け(自動車): 本プロジェクト独自"]
    assert not any("★" in b or "レベル到達" in b for b in cross)  # no levels or ★ on the cross-sector page
    en = style.rules_bullets(style.labels("en"), ["power", "auto"], "80%", 5, mapping_only=True)
    assert en[0].startswith("Scoring (") and en[0].endswith(
        "): implemented 1, partial 0.5, not implemented or unanswered 0, not applicable excluded; a subcategory's, "
        "category's or function's score is its items' mean")
    assert "x: withheld · —: not assessed · …: no previous year to compare with" in en


def test_cross_sector_key_points_name_each_sectors_strongest_and_weakest_function_and_the_widest_gap():
    """Power FY2026 (317 respondents) GV 0.70, PR 0.80, DE hidden; automotive FY2024 (520) GV 0.55, PR 0.60,
    DE 0.50: power's best PR (80.0%), worst GV (70.0%); automotive's best PR (60.0%), worst DE (50.0%); the widest
    gap over functions both show is PR (0.80 − 0.60 = 0.20 against GV's 0.15); DE, hidden for power, is never read."""
    f = pd.DataFrame({"sector": ["power"] * 3 + ["auto"] * 3, "node_id": ["GV", "PR", "DE"] * 2,
                      "node_name": ["統治", "防御", "検知"] * 2, "mean": [0.70, 0.80, None, 0.55, 0.60, 0.50],
                      "suppressed": ["", "", "primary", "", "", ""]})
    got = [s.text for s in cross_headline(f, style.labels("ja"), "ja", {"power": (2026, 317), "auto": (2024, 520)})]
    assert got == [
        "電力(2026年度、回答事業者 317社): 機能別の回答者平均は「防御」が最も高く(80.0%)、「統治」が最も低い(70.0%)。",
        "自動車(2024年度、回答事業者 520社): 機能別の回答者平均は「防御」が最も高く(60.0%)、"
        "「検知」が最も低い(50.0%)。",
        "分野間の差が最も大きい機能は「防御」(電力 80.0%、自動車 60.0%)。"]
