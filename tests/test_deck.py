"""The 16:9 briefing deck, read back with python-pptx as PowerPoint would open it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from pptx import Presentation  # noqa: E402
from pptx.enum.shapes import MSO_SHAPE_TYPE  # noqa: E402

from pipeline.publish.deck import write_deck  # noqa: E402
from pipeline.publish.model import Provenance, PublishedFigure  # noqa: E402

PROV = Provenance("snap01", "0.1.0+gabc", {"sector": "power"})


def png(path, w, h):
    fig = plt.figure(figsize=(w, h))
    fig.add_subplot().plot([0, 1], [0, 1])
    fig.savefig(path, dpi=50)
    plt.close(fig)
    return path


@pytest.fixture
def deck(tmp_path):
    figures = [
        PublishedFigure("wide", "区分別の平均スコア", png(tmp_path / "wide.png", 10, 4), source="出典: テスト n=797社",
                        notes=["発電 68.6%", "小売 51.2%"]),
        PublishedFigure("tall", "機能別", png(tmp_path / "tall.png", 4, 6)),
    ]
    path = write_deck(tmp_path / "deck.pptx", "電力分野 自己診断", "FY2024", ["回答は797社", "平均は68.6%"], figures,
                      PROV, "ja")
    return Presentation(str(path))


def texts(slide) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text]


def test_sixteen_by_nine_with_title_headline_and_one_slide_per_figure(deck):
    assert deck.slide_width / deck.slide_height == pytest.approx(16 / 9, rel=1e-3)
    assert len(deck.slides) == 2 + 2
    title, headline = deck.slides[0], deck.slides[1]
    assert "電力分野 自己診断" in texts(title) and "FY2024" in texts(title)
    assert any("snap01" in t for t in texts(title))
    assert any("回答は797社" in t and "平均は68.6%" in t for t in texts(headline))


def test_each_figure_slide_has_its_picture_fitted_source_stamp_and_notes(deck):
    width, height = deck.slide_width, deck.slide_height
    for slide, ratio in zip(list(deck.slides)[2:], (10 / 4, 4 / 6), strict=True):
        pics = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pics) == 1
        pic = pics[0]
        assert pic.width / pic.height == pytest.approx(ratio, rel=0.01)  # aspect ratio kept
        assert pic.left >= 0 and pic.top >= 0
        assert pic.left + pic.width <= width and pic.top + pic.height <= height
        assert any("snap01" in t for t in texts(slide))
    first = deck.slides[2]
    assert "区分別の平均スコア" in texts(first) and "出典: テスト n=797社" in texts(first)
    assert first.notes_slide.notes_text_frame.text == "発電 68.6%\n小売 51.2%"


def test_text_runs_name_a_japanese_font(deck):
    run = deck.slides[0].shapes.title.text_frame.paragraphs[0].runs[0]
    rpr = run._r.rPr
    ns = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    assert rpr.find("a:ea", ns).get("typeface") == run.font.name == "Meiryo"


def test_every_slide_title_is_the_title_placeholder_and_a_table_slide_fits(tmp_path):
    """Titles were text boxes (a pasted slide had no title in PowerPoint's outline); table numbers wrapped
    ("31.4 / %"), the English note ran off the slide, and table slides had no source line."""
    import numpy as np
    import pandas as pd
    from pptx.util import Emu

    from pipeline.publish.model import PublishedTable, TableSpec
    from pipeline.xlsx import display_width

    frame = pd.DataFrame({"sector": ["power"] * 7, "year": [2026] * 7, "node_id": ["overall"] * 7,
                          "segment": ["T&D: general, transmission, distribution", "Specified T&D and private "
                                      "facilities", "Generation", "Retail", "Specified wholesale", "Other", "All"],
                          "n": [np.nan, 28, 158, 196, 23, 12, 317], "mean": [np.nan, 0.81, 0.776, 0.741, 0.758,
                                                                            0.7, 0.763],
                          "w_mean": [np.nan, 0.80, 0.771, 0.741, 0.75, 0.69, 0.759], "previous_year": [2025] * 7,
                          "change": [np.nan, 0.088, 0.057, 0.065, 0.037, 0.01, 0.062],
                          "p25": [np.nan, 0.715, 0.647, 0.63, 0.601, 0.6, 0.647],
                          "p50": [np.nan, 0.863, 0.815, 0.786, 0.801, 0.7, 0.815],
                          "p75": [np.nan, 0.927, 0.92, 0.90, 0.919, 0.8, 0.926],
                          "suppressed": ["hidden", "", "", "", "", "", ""]})
    spec = TableSpec(keys=["sector", "year", "node_id"], counts={"mean": "n"}, total="All",
                     changes={"change": ["mean", "previous_year"]})
    note = ("x: withheld (fewer than 5 companies behind the value or on one side of a share, or derivable from "
            "other values). —: not assessed. …: no previous year to compare with. Segments too small to publish "
            "are merged before withholding: T&D: general, transmission, distribution = general T&D + "
            "transmission + distribution. A quantile is shown only with at least 5 companies beyond it "
            "(p10/p90 from 50 companies, quartiles from 20, the median from 10).")
    table = PublishedTable("distribution", "Score distribution by segment (FY2026)", frame,
                           ["year", "segment", "n", "mean", "w_mean", "previous_year", "change", "p25", "p50", "p75"],
                           note=note, spec=spec, source="Source: power self-assessment (FY2026), 317 respondents")
    figures = [PublishedFigure("wide", "Mean score", png(tmp_path / "wide.png", 10, 4), source="Source: test")]
    path = write_deck(tmp_path / "deck.pptx", "Power", "FY2026", ["317 answered"], figures, PROV, "en",
                      caveats=["provisional"], rules=["rules"], tables=[table])
    deck = Presentation(str(path))
    titles = [s.shapes.title.text_frame.text if s.shapes.title is not None else None for s in deck.slides]
    # the note takes five lines, the first two segments two lines each: the rows that do not fit above the note
    # continue on a second slide
    assert titles == ["Power", "Key points", "Before reading the numbers", "Scoring and disclosure rules, marks",
                      "Mean score", "Score distribution by segment (FY2026) (1/2)",
                      "Score distribution by segment (FY2026) (2/2)"]
    assert all(s.shapes.title.is_placeholder and s.shapes.title.placeholder_format.type == 1  # TITLE
               for s in deck.slides)
    for slide in list(deck.slides)[-2:]:
        for shape in slide.shapes:  # nothing runs off the slide, the long note included
            assert shape.top + shape.height <= deck.slide_height and shape.left + shape.width <= deck.slide_width
        texts_here = texts(slide)
        assert "Source: power self-assessment (FY2026), 317 respondents" in texts_here
        assert any(t.startswith("x: withheld") for t in texts_here)
    slide = deck.slides[-2]
    (grid,) = [s for s in slide.shapes if s.has_table]
    cells = grid.table
    for c, column in enumerate(cells.columns):
        head = cells.cell(0, c).text_frame.text
        values = [cells.cell(r, c).text_frame.text for r in range(1, len(cells.rows))]
        if head in ("Segment", "Respondents"):
            continue
        # 14 pt: a Latin character about 0.11 in wide; 0.2 in of cell insets: no number wraps
        widest = max(display_width(v) for v in values)
        assert Emu(column.width).inches >= widest * 14 * 0.55 / 72 + 0.2, (head, values)
    assert [cells.cell(r, 2).text_frame.text for r in range(1, 4)] == ["x", "81.0%", "77.6%"]
    # a year column with one value is said once above the table (ten columns at 14 pt do not fit the width)
    assert cells.cell(0, 0).text_frame.text == "Segment"
    assert "Fiscal year: 2026 / Compared with: 2025" in texts(slide)


def test_key_points_shrink_to_fit_the_slide_but_not_below_14pt(tmp_path):
    """Eight key points of two lines each ran off the bottom of the automotive key-points slide at 22 pt."""
    long = ["2024 年度の回答事業者は 520 社(会員 915 社の 56.8%、前年度は 65.9%)。回答者の顔ぶれが変わるため、"
            "両年度に回答した同一事業者(324 社)の変化も見ると、機能別に +1.4 ポイント〜+3.5 ポイントです。"] * 8

    def sizes(points):
        deck = Presentation(str(write_deck(tmp_path / "d.pptx", "t", "s", points, [], PROV, "ja")))
        return {r.font.size.pt for sh in deck.slides[1].shapes if sh.has_text_frame and not sh.is_placeholder
                for p in sh.text_frame.paragraphs for r in p.runs if r.text.strip()} - {8.0}  # the stamp

    assert sizes(["回答は797社", "平均は68.6%"]) == {22.0}
    # each bullet is 190 character widths; the box 11.53 in wide less 0.45 in of indent, 5.2 in high; a character
    # 0.56 of the size wide, a line 1.2 of it high, 0.6 of it after each bullet. 5 bullets at 17 pt: 83 a line,
    # 3 lines each, 15 × 20.4 + 5 × 10.2 = 357 pt = 4.96 in: fits; at 18 pt: 79 a line, 3 lines each,
    # 15 × 21.6 + 5 × 10.8 = 378 pt = 5.25 in: does not
    assert sizes(long[:5]) == {17.0}
    assert sizes(long) == {14.0}  # 8 bullets: never below 14 pt, even when they do not fit
