"""Weighting cells merged onto published response rows (docs/method.md §12.4a): which cells are merged, the weights
that follow, and when the members' totals may stand. Numbers typed by hand from the rule."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.scoring.weights import merge_onto_published_rows

BANDS = ["〜100人", "101〜300人", "301〜1,000人", "1,001〜10,000人", "10,001人〜"]


def _weights(cells: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    """cell → (members on the roster, respondents on the roster, respondents off it); a respondent off the roster
    is a member who answered, so the weight is (members + off) ÷ (on + off)."""
    rows = []
    for cell, (members, on, off) in cells.items():
        for i in range(on + off):
            rows.append({"sector": "auto", "year": 2024, "respondent_key": f"{cell}-{i}", "cell": cell,
                         "weight": (members + off) / (on + off), "cell_members": members + off,
                         "cell_respondents": on + off,
                         "on_roster": i < on, "cell_attributes": "size_band"})
    return pd.DataFrame(rows)


CELLS = {"〜100人": (300, 130, 0), "101〜300人": (218, 112, 0), "301〜1,000人": (180, 100, 0),
         "1,001〜10,000人": (149, 117, 0), "10,001人〜": (68, 60, 1)}


def test_two_withheld_bands_are_merged_with_the_band_between_them():
    """301〜1,000人 and 10,001人〜 withheld, the total published: the span 301〜1,000人 … 10,001人〜 becomes one cell of
    180 + 149 + 68 = 397 members on the roster and 100 + 117 + 60 = 277 respondents on it, and the one respondent
    off the roster, a member who answered: 398 members over 278 respondents, weight 398/278 = 1.4317 for each;
    〜100人 (300/130) and 101〜300人 (218/112) stay."""
    w = _weights(CELLS)
    out, ok = merge_onto_published_rows(w, {}, BANDS, {"301〜1,000人", "10,001人〜"}, total_published=True)
    assert ok
    merged = out[out["cell"].eq("301〜1,000人+1,001〜10,000人+10,001人〜")]
    assert len(merged) == 278 and merged["weight"].unique().tolist() == pytest.approx([398 / 278])
    assert merged["weight"].iloc[0] == pytest.approx(1.4317, abs=5e-5)
    assert merged["cell_members"].unique().tolist() == [398] and merged["cell_respondents"].unique().tolist() == [278]
    assert out.loc[out["cell"].eq("〜100人"), "weight"].unique().tolist() == pytest.approx([300 / 130])
    assert out.loc[out["cell"].eq("101〜300人"), "weight"].unique().tolist() == pytest.approx([218 / 112])
    # the members' total weighs every cell: Σ weights of every respondent is the 915 members and the one off the roster
    assert out["weight"].sum() == pytest.approx(300 + 218 + 180 + 149 + 68 + 1)


def test_nothing_withheld_nothing_merged_and_a_withheld_total_or_one_cell_left_keeps_rule_two():
    w = _weights(CELLS)
    same, ok = merge_onto_published_rows(w, {}, BANDS, set(), total_published=True)
    assert ok and same["cell"].nunique() == 5 and same["weight"].equals(w["weight"])
    # the total withheld (FY2022: one respondent off the roster): the span's row is not the total less the rest
    kept, ok = merge_onto_published_rows(w, {}, BANDS, {"101〜300人", "10,001人〜"}, total_published=False)
    assert not ok and kept["cell"].nunique() == 5
    # 〜100人 and 10,001人〜 withheld: the span is every band, one cell would be the respondents' mean
    kept, ok = merge_onto_published_rows(w, {}, BANDS, {"〜100人", "10,001人〜"}, total_published=True)
    assert not ok and kept["cell"].nunique() == 5


def test_cells_sharing_a_recoded_segment_are_one_group():
    """The report recodes 〜100人 and 101〜300人 into 〜300人 (published); 10,001人〜 withheld. The two cells inside
    〜300人 are weighted as one: their own rows are not published (only 〜300人's is), so 518 members over 242
    respondents on the roster, weight 2.1405. 10,001人〜 alone holds a withheld row, a span of one group: its row is
    the total less the published rows already (the response table's own protection never leaves that: it hides
    a second row), so it is not merged further, and the weights rest on published rows."""
    w = _weights(CELLS)
    out, ok = merge_onto_published_rows(w, {"〜100人": "〜300人", "101〜300人": "〜300人"}, BANDS, {"10,001人〜"},
                                        total_published=True)
    assert ok and sorted(out["cell"].unique()) == sorted(["〜100人+101〜300人", "301〜1,000人", "1,001〜10,000人",
                                                          "10,001人〜"])
    assert out.loc[out["cell"].eq("〜100人+101〜300人"), "weight"].iloc[0] == pytest.approx(2.1405, abs=5e-5)
    # with nothing withheld the two cells inside 〜300人 are still weighted as one
    out, ok = merge_onto_published_rows(w, {"〜100人": "〜300人", "101〜300人": "〜300人"}, BANDS, set(),
                                        total_published=True)
    assert ok and out["cell"].nunique() == 4


def test_the_weighting_note_states_the_merge_where_the_report_made_it():
    from pipeline.report.data import ReportData
    from pipeline.report.style import labels
    from pipeline.report.tables import weighting_note

    w = _weights(CELLS)
    empty = pd.DataFrame()
    merged = ReportData("auto", [2024], empty, empty, empty, None, w, weight_rows_published=frozenset({("auto", 2024)}))
    rule = ("回答状況の行を秘匿した区分も、秘匿した値が重みから分からないよう、定めた順で隣り合う区分と"
            "(秘匿した区分が複数あれば、その間の区分もまとめて)合わせて重み付けします。")
    assert rule in weighting_note(merged, labels("ja"))
    assert "301〜1,000人" not in weighting_note(merged, labels("ja"))  # the rule, never the cells
    # not assessed (power: its segments are not the weighting cells): the note says nothing of it
    assert rule not in weighting_note(ReportData("auto", [2024], empty, empty, empty, None, w), labels("ja"))


def _responses(rows: list[tuple[str, int, int, int]]) -> pd.DataFrame:
    """(segment, respondents, on the roster, members) → a response table as the report protects it."""
    t = pd.DataFrame(rows, columns=["segment", "n", "n_on_roster", "roster_n"]).assign(sector="auto", year=2022)
    t["response_rate"] = t["n_on_roster"] / t["roster_n"]
    from pipeline.scoring.disclosure import protect

    return protect(t, k=5, group=["sector", "year"], n_col="n",
                   stat_columns=["response_rate", "roster_n", "n_on_roster"], uniform_columns=["response_rate"])


def test_the_total_response_row_is_hidden_for_its_own_split_and_a_complement_is_a_segment_first():
    """(a) 101〜300人: 118 respondents, 117 on the roster (one off it); the sector: 402, 401 — the total carries the
    same one respondent off the roster, a split of 1 of its own: hidden as 'split', not as a complement, and no
    segment hidden beside it could protect it. (b) 10,001人〜: 118 of 120 members answered (2 did not): split; the
    total published, so one more cell is hidden: the published segment with the fewest respondents (301〜1,000人,
    125), never the total."""
    a = _responses([("〜100人", 159, 159, 252), ("101〜300人", 118, 117, 182), ("301〜1,000人", 125, 125, 158),
                    ("全体", 402, 401, 592)]).set_index("segment")["suppressed"].fillna("")
    assert a.to_dict() == {"〜100人": "", "101〜300人": "split", "301〜1,000人": "", "全体": "split"}
    b = _responses([("〜100人", 159, 159, 252), ("10,001人〜", 118, 118, 120), ("301〜1,000人", 125, 125, 158),
                    ("全体", 402, 402, 530)]).set_index("segment")["suppressed"].fillna("")
    assert b.to_dict() == {"〜100人": "", "10,001人〜": "split", "301〜1,000人": "complementary", "全体": ""}
