"""Where a header or a legend entry may break: between phrases, never inside a word (「回答事業 / 者数」 was)."""

from __future__ import annotations

from pipeline.linebreak import narrowest, pack, phrases
from pipeline.xlsx import display_width


def test_phrases_join_back_and_cut_where_a_reader_would():
    assert phrases("95%信頼区間(下限)") == ("95%信頼区間", "(下限)")
    assert phrases("平均スコア(会員推計)") == ("平均スコア", "(会員推計)")  # a parenthesis opens a phrase
    assert phrases("満たしていない事業者の割合") == ("満たしていない", "事業者の", "割合")
    assert phrases("回答事業者数") == ("回答事業者数",) and phrases("25パーセンタイル") == ("25パーセンタイル",)
    assert phrases("★3・★4") == ("★3・", "★4")  # ★ never ends a line; a list may break after its 「・」
    assert phrases("一般送配電・送電・配電")[-2:] == ("送電・", "配電")
    assert phrases("1,001〜10,000人") == ("1,001〜", "10,000人")
    assert "10・90パーセンタイルを" in phrases("ひげなし: 10・90パーセンタイルを秘匿")  # one number pair
    assert phrases("95% CI (lower)") == ("95% ", "CI ", "(lower)")
    assert phrases("") == ()
    # a character alone on a line is no phrase: BudouX's 「比較年度との / 差」 is kept whole
    assert phrases("比較年度との差") == ("比較年度との差",) and phrases("前年度との差") == ("前年度との差",)
    for text in ("実効標本サイズ(重み付け後)", "Mean score (members, estimated)", "会員推計の95%信頼区間(下限)"):
        assert "".join(phrases(text)) == text


def test_pack_fills_lines_with_whole_phrases_and_prefers_a_comma():
    def fits(width):
        return lambda s: display_width(s) <= width

    assert pack("95%信頼区間(下限)", fits(12)) == ["95%信頼区間", "(下限)"]
    assert pack("95%信頼区間(下限)", fits(40)) == ["95%信頼区間(下限)"]
    assert pack("回答事業者数", fits(4)) == ["回答事業者数"]  # too wide for any line: whole on its own, not cut
    # 「秘匿(社数が少ない、又は」 would fit 26 but leaves 「他の値から…」: the break goes after the comma
    assert pack("秘匿(社数が少ない、又は他の値から算出できる)", fits(26)) == [
        "秘匿(社数が少ない、", "又は他の値から算出できる)"]


def test_narrowest_is_never_below_the_widest_phrase():
    assert narrowest("満たしていない事業者の割合", 2, display_width) == display_width("満たしていない")  # 14
    assert narrowest("満たしていない事業者の割合", 3, display_width) == 14
    assert narrowest("95%信頼区間(下限)", 1, display_width) == display_width("95%信頼区間(下限)")  # 17
    assert narrowest("Requirement No.", 2, display_width) == 11
