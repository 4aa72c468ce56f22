"""The 16:9 briefing deck, read back with python-pptx as PowerPoint would open it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
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


def test_sixteen_by_nine_with_title_headline_one_slide_per_figure_and_sources_last(deck):
    assert deck.slide_width / deck.slide_height == pytest.approx(16 / 9, rel=1e-3)
    assert len(deck.slides) == 2 + 2 + 1
    title, headline, closing = deck.slides[0], deck.slides[1], deck.slides[-1]
    assert "電力分野 自己診断" in texts(title) and "FY2024" in texts(title)
    assert any("回答は797社" in t and "平均は68.6%" in t for t in texts(headline))
    # the closing slide says, in plain words, where the reproduction details are; it does not print them (a WG
    # reader pastes slides as they are: no hash, code version or run parameter on any slide)
    assert closing.shapes.title.text_frame.text == "出典"
    body = " ".join(texts(closing))
    assert "報告書(HTML)の付録" in body
    assert "snap01" not in body and "0.1.0+gabc" not in body and "sector=power" not in body
    sizes = {r.font.size.pt for sh in closing.shapes if sh.has_text_frame for p in sh.text_frame.paragraphs
             for r in p.runs if r.text.strip()}
    assert min(sizes) >= 14


def test_each_figure_slide_has_its_picture_fitted_source_stamp_and_notes(deck):
    width, height = deck.slide_width, deck.slide_height
    for slide, ratio in zip(list(deck.slides)[2:4], (10 / 4, 4 / 6), strict=True):
        pics = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pics) == 1
        pic = pics[0]
        assert pic.width / pic.height == pytest.approx(ratio, rel=0.01)  # aspect ratio kept
        assert pic.left >= 0 and pic.top >= 0
        assert pic.left + pic.width <= width and pic.top + pic.height <= height
        assert not any("snap01" in t for t in texts(slide))  # no snapshot hash on a slide
    first = deck.slides[2]
    # one source line in plain words, as the report wrote it
    assert texts(first) == ["区分別の平均スコア", "出典: テスト n=797社"]
    assert texts(deck.slides[3]) == ["機能別"]  # a figure without a source line gets none made up
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
    # the note takes five lines; with the slide's short headers (columns.yaml ``slide``: "25th pct.", "Change" under
    # "Compared with: FY2025") the segment names have room for two lines at most, and the seven rows fit one slide
    assert titles == ["Power", "Key points", "Before reading the numbers", "Scoring and disclosure rules, marks",
                      "Mean score", "Score distribution by segment (FY2026)", "Sources"]
    assert all(s.shapes.title.is_placeholder and s.shapes.title.placeholder_format.type == 1  # TITLE
               for s in deck.slides)
    for slide in list(deck.slides)[-2:-1]:
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
    # a year column with one value is said once above the table (ten columns at 14 pt do not fit the width),
    # unless the title says it already: the year of the title is not repeated, the year compared with is
    assert cells.cell(0, 0).text_frame.text == "Segment"
    assert "Compared with: FY2025" in texts(slide)  # a year out of its column says it is one
    assert not any("Fiscal year" in t for t in texts(slide))


def test_key_points_shrink_to_fit_the_slide_but_not_below_14pt(tmp_path):
    """Eight key points of two lines each ran off the bottom of the automotive key-points slide at 22 pt."""
    long = ["2024 年度の回答事業者は 520 社(会員 915 社の 56.8%、前年度は 65.9%)。回答者の顔ぶれが変わるため、"
            "両年度に回答した同一事業者(324 社)の変化も見ると、機能別に +1.4 ポイント〜+3.5 ポイントです。"] * 8

    def sizes(points):
        deck = Presentation(str(write_deck(tmp_path / "d.pptx", "t", "s", points, [], PROV, "ja")))
        return {r.font.size.pt for sh in deck.slides[1].shapes if sh.has_text_frame and not sh.is_placeholder
                and sh.text_frame.text != "t"  # the source line (the title where no source is given)
                for p in sh.text_frame.paragraphs for r in p.runs if r.text.strip()}

    assert sizes(["回答は797社", "平均は68.6%"]) == {22.0}
    # each bullet is 190 character widths; the box 11.53 in wide less 0.45 in of indent, 5.2 in high; a character
    # 0.56 of the size wide, a line 1.2 of it high, 0.6 of it after each bullet. 5 bullets at 17 pt: 83 a line,
    # 3 lines each, 15 × 20.4 + 5 × 10.2 = 357 pt = 4.96 in: fits; at 18 pt: 79 a line, 3 lines each,
    # 15 × 21.6 + 5 × 10.8 = 378 pt = 5.25 in: does not
    assert sizes(long[:5]) == {17.0}
    assert sizes(long) == {14.0}  # 8 bullets: never below 14 pt, even when they do not fit


def test_a_long_title_shrinks_until_it_fits_one_line(tmp_path):
    """The movers title wrapped to two lines at 23 pt. Rule, by hand: a wide character (→ included) 1 em, any
    other 0.62 em, 0.25 em at each change between wide and narrow script (not at a space). The title below has
    28 wide characters, 16 narrow and 10 changes: 28 + 9.92 + 2.5 = 40.42 em. The title box is 12.333 in wide
    less 0.2 in of insets = 873.6 pt: at 21 pt the title takes 848.8 pt and fits, at 22 pt 889.2 pt and does not."""
    title = "実施率の変化: 上昇の大きい8項目(低下した項目はない) (2024年度→2026年度)"
    figures = [PublishedFigure("movers", title, png(tmp_path / "m.png", 10, 4), source="出典: テスト"),
               PublishedFigure("short", "区分別の回答率", png(tmp_path / "s.png", 10, 4), source="出典: テスト")]
    deck = Presentation(str(write_deck(tmp_path / "d.pptx", "t", "s", ["a"], figures, PROV, "ja")))
    sizes = [{r.font.size.pt for p in s.shapes.title.text_frame.paragraphs for r in p.runs} for s in deck.slides]
    assert sizes[2] == {21.0} and sizes[3] == {26.0}  # a short title keeps 26 pt


def _table(name, rows, note="", columns=None):
    from pipeline.publish.model import PublishedTable, TableSpec

    frame = pd.DataFrame(rows)
    spec = TableSpec(keys=["requirement_id"], counts={"share_unmet": "n_scored"}, segment=None)
    return PublishedTable(name, f"表 {name}", frame, columns or list(frame.columns), note=note, spec=spec,
                          source="出典: テスト (2024年度)、回答事業者 520社")


def _grid(slide):
    """The table's cells as text; a header broken over lines (a line break, read back as "\\v") reads whole."""
    (shape,) = [s for s in slide.shapes if s.has_table]
    t = shape.table
    return [[t.cell(r, c).text_frame.text.replace("\v", "") for c in range(len(t.columns))] for r in range(len(t.rows))]


@pytest.mark.parametrize(("name", "ci_head"), [("star3_top", "下限(95%)"), ("star_bottlenecks", "95%信頼区間(下限)")])
def test_no_header_breaks_inside_a_word(tmp_path, name, ci_head):
    """Headers broke mid-word in the deck tables: 「要求事 / 項番号」「95%信 / 頼区間 / (下限)」
    「満たしてい / ない事業者 / の割合」. A header now breaks only between phrases, and its column is wide
    enough for each of its lines at 14 pt bold (the width rule of the deck: a kanji 1 em, a narrow character
    0.56 em, bold 6% wider, 0.2 in of insets)."""
    from pptx.util import Emu

    from pipeline.publish.deck import CELL_NARROW_EM, text_em

    rows = {"requirement_id": [f"{i}-1-1" for i in range(1, 6)], "requirement_name": REQUIREMENTS[:5],
            "cited_items": ["No.54 No.55 No.56"] * 5, "n_scored": [520] * 5,
            "share_unmet": [0.41 - 0.02 * i for i in range(5)], "ci_low": [0.37] * 5, "ci_high": [0.456] * 5,
            "suppressed": [""] * 5}
    table = _table(name, rows, columns=[c for c in rows if c != "suppressed"])
    deck = Presentation(str(write_deck(tmp_path / "d.pptx", "t", "s", ["a"], [], PROV, "ja", tables=[table])))
    (slide,) = [s for s in deck.slides if any(sh.has_table for sh in s.shapes)]
    (shape,) = [s for s in slide.shapes if s.has_table]
    grid = shape.table
    # where each header may break, typed by hand: a line is one of these runs of whole phrases
    allowed = {"番号": [["番号"]], "要求事項番号": [["要求事項番号"]], "要求事項名": [["要求事項名"]],
               "未充足の割合": [["未充足の割合"], ["未充足の", "割合"]],
               "下限(95%)": [["下限(95%)"], ["下限", "(95%)"]], "上限(95%)": [["上限(95%)"], ["上限", "(95%)"]],
               "引用するチェックシート項目": [["引用するチェックシート項目"], ["引用する", "チェックシート項目"]],
               "集計対象事業者数": [["集計対象事業者数"]],
               "満たしていない事業者の割合": [["満たしていない事業者の割合"], ["満たしていない", "事業者の割合"],
                                              ["満たしていない事業者の", "割合"],
                                              ["満たしていない", "事業者の", "割合"]],
               "95%信頼区間(下限)": [["95%信頼区間(下限)"], ["95%信頼区間", "(下限)"]],
               "95%信頼区間(上限)": [["95%信頼区間(上限)"], ["95%信頼区間", "(上限)"]]}
    seen = []
    for c, column in enumerate(grid.columns):
        lines = grid.cell(0, c).text_frame.text.split("\v")
        head = "".join(lines)
        seen.append(head)
        assert lines in allowed[head], (head, lines)
        for line in lines:  # each line fits the column: the renderer has no reason to break it again
            need = text_em(line, CELL_NARROW_EM) * 1.06 * 14 / 72 + 0.2
            assert Emu(column.width).inches >= need, (line, Emu(column.width).inches, need)
    assert ci_head in seen and len(seen) == 7  # the top ten's short CI headers are its own (columns.yaml tables)


REQUIREMENTS = ["機密区分に応じた情報の管理", "ネットワーク接続・データの監視", "ユーザIDの管理手続",
                "パスワード設定ルール", "外部記憶媒体の利用制限と持込み管理", "脆弱性情報の収集と修正プログラムの適用",
                "委託先の情報セキュリティ評価", "インシデント対応体制の整備", "ログの取得と保存", "教育・訓練の実施"]


def test_ten_requirements_fit_one_table_slide(tmp_path):
    """The ★3 top ten split 6 + 4 over two slides because requirement names wrapped: ten one-line rows fit one."""
    rows = {"requirement_id": [f"{i}-1-1" for i in range(1, 11)], "requirement_name": REQUIREMENTS,
            "cited_items": ["No.54 No.55 No.56"] * 10, "n_scored": [520] * 10,
            "share_unmet": [0.41 - 0.02 * i for i in range(10)], "suppressed": [""] * 10}
    table = _table("star3_top", rows, note="未充足 = 判定可能な要求事項を満たしていない事業者の割合")
    deck = Presentation(str(write_deck(tmp_path / "d.pptx", "t", "s", ["a"], [], PROV, "ja", tables=[table])))
    slides = [s for s in deck.slides if any(sh.has_table for sh in s.shapes)]
    assert len(slides) == 1 and slides[0].shapes.title.text_frame.text == "表 star3_top"
    grid = _grid(slides[0])
    assert len(grid) == 11 and [r[1] for r in grid[1:]] == REQUIREMENTS  # whole names, none cut
    assert [r[4] for r in grid[1:4]] == ["41.0%", "39.0%", "37.0%"]


def test_a_long_ranked_table_shows_its_first_rows_and_says_where_the_rest_is(tmp_path):
    """The what-if table (one row per requirement, ranked) ran over four slides: the slide shows the first rows
    that fit and a line naming the workbook's sheet that holds all 30."""
    rows = {"rank": list(range(1, 31)), "requirement_id": [f"{i}-1-1" for i in range(1, 31)],
            "requirement_name": (REQUIREMENTS * 3), "n_scored": [112] * 30,
            "share_unmet": [0.5 - 0.01 * i for i in range(30)], "suppressed": [""] * 30}
    table = _table("star_what_if", rows)
    deck = Presentation(str(write_deck(tmp_path / "d.pptx", "t", "s", ["a"], [], PROV, "ja", tables=[table])))
    slides = [s for s in deck.slides if any(sh.has_table for sh in s.shapes)]
    assert len(slides) == 1 and "(1/" not in slides[0].shapes.title.text_frame.text
    shown = len(_grid(slides[0])) - 1
    assert 8 <= shown < 30 and [r[0] for r in _grid(slides[0])[1:4]] == ["1", "2", "3"]
    assert f"上位{shown}行を表示(全30行は集計表(Excel)の「★仮定」シート)" in " ".join(texts(slides[0]))


def test_a_table_that_needs_two_slides_splits_evenly(tmp_path):
    """Power's distribution table split 4 + 2: when two slides are needed (twenty rows do not fit one even set
    close), the halves are even and say (1/2)."""
    rows = {"requirement_id": [f"{i}-1-1" for i in range(1, 21)], "requirement_name": (REQUIREMENTS * 2)[:20],
            "n_scored": [520] * 20, "share_unmet": [0.3] * 20, "suppressed": [""] * 20}
    table = _table("star_bottlenecks", rows, note="注記 " * 20)
    deck = Presentation(str(write_deck(tmp_path / "d.pptx", "t", "s", ["a"], [], PROV, "ja", tables=[table])))
    slides = [s for s in deck.slides if any(sh.has_table for sh in s.shapes)]
    titles = [s.shapes.title.text_frame.text for s in slides]
    assert titles == ["表 star_bottlenecks (1/2)", "表 star_bottlenecks (2/2)"]
    assert [len(_grid(s)) - 1 for s in slides] == [10, 10]


def test_a_long_table_of_bands_reads_across_on_its_slide(tmp_path):
    """The ★ distance table (a row per star, band and segment) is pivoted on its slide: a row per star and
    segment, a column per band, the page's strings kept (x for a withheld band)."""
    from pipeline.publish.model import PublishedTable, SlidePivot, TableSpec

    bands = ["0", "1", "2", "3", "4–5", "6+"]
    frame = pd.DataFrame({"node_id": [f"★{s}:{b}" for s in (3, 4) for _ in ("A", "B") for b in bands],
                          "node_name": [f"★{s} あと{b}件" for s in (3, 4) for _ in ("A", "B") for b in bands],
                          "segment": [g for _ in (3, 4) for g in ("〜100人", "全体") for _ in bands],
                          "n_scored": [130.0] * 24, "share_distance": [0.1] * 24, "suppressed": [""] * 24})
    frame.loc[2, ["share_distance", "n_scored"]] = float("nan")
    frame.loc[2, "suppressed"] = "hidden"
    spec = TableSpec(keys=["node_id"], counts={"share_distance": "n_scored"})
    table = PublishedTable("star_distance", "★3/★4 まであと何件の分布(2024年度)", frame,
                           ["node_name", "segment", "n_scored", "share_distance"], spec=spec, source="出典: テスト",
                           pivot=SlidePivot(["segment"], "node_name", "share_distance", split=" ", split_name="★"))
    deck = Presentation(str(write_deck(tmp_path / "d.pptx", "t", "s", ["a"], [], PROV, "ja", tables=[table])))
    (slide,) = [s for s in deck.slides if any(sh.has_table for sh in s.shapes)]
    grid = _grid(slide)
    assert grid[0][0] == "★" and grid[0][2:] == ["あと0件", "あと1件", "あと2件", "あと3件", "あと4–5件", "あと6+件"]
    assert [r[:2] for r in grid[1:]] == [["★3", "〜100人"], ["★3", "全体"], ["★4", "〜100人"], ["★4", "全体"]]
    assert grid[1][2:5] == ["10.0%", "10.0%", "x"]


def test_the_english_top_ten_names_the_requirement_number_and_the_requirement_apart(tmp_path):
    """Both columns read "Requirement" in English: the people's frame had two columns of one name and the English
    automotive report failed (「'DataFrame' object has no attribute 'tolist'」)."""
    rows = {"requirement_id": ["3-1-4"], "requirement_name": ["Classified information handled by its class"],
            "share_unmet": [0.41], "suppressed": [""]}
    table = _table("star3_top", rows, columns=["requirement_id", "requirement_name", "share_unmet"])
    deck = Presentation(str(write_deck(tmp_path / "d.pptx", "t", "s", ["a"], [], PROV, "en", tables=[table])))
    (slide,) = [s for s in deck.slides if any(sh.has_table for sh in s.shapes)]
    assert _grid(slide) == [["No.", "Requirement", "Not met"],  # short headers: ten rows fit a slide
                            ["3-1-4", "Classified information handled by its class", "41.0%"]]


def test_a_multi_year_source_line_stays_at_14pt(tmp_path):
    """Multi-year slides' source lines fell to 12 pt: 「…延べ1,672社(各年度の回答事業者の合計)」 is too long for
    one line at 14 pt; its explanation in parentheses goes (the years and the count stay) and the line is 14 pt."""
    source = ("出典: 自動車分野 サイバーセキュリティ自己診断(2022–2024年度)、回答事業者 延べ1,672社"
              "(各年度の回答事業者を合計した数で、同じ事業者を年度ごとに数えたもの)")
    figures = [PublishedFigure("rate", "区分別の回答率", png(tmp_path / "r.png", 10, 4), source=source)]
    deck = Presentation(str(write_deck(tmp_path / "d.pptx", "t", "s", ["a"], figures, PROV, "ja")))
    slide = deck.slides[2]
    (line,) = [s for s in slide.shapes if s.has_text_frame and s.text_frame.text.startswith("出典")]
    assert line.text_frame.text == ("出典: 自動車分野 サイバーセキュリティ自己診断(2022–2024年度)、"
                                    "回答事業者 延べ1,672社")
    assert {r.font.size.pt for p in line.text_frame.paragraphs for r in p.runs} == {14.0}


def test_a_change_in_points_keeps_its_line_beside_long_japanese_headers(tmp_path):
    """Headers sized to their widest phrase (「25パーセンタイル」 whole) left 「+9.7ポイント」 a column exactly its
    estimated width, and LibreOffice wrapped it 「+9.7ポイン / ト」: a value mixing scripts gets 5% to spare
    (6.49 em: four narrow characters 2.24 em, one script change 0.25 em, four kana 4 em)."""
    from pptx.util import Emu

    from pipeline.publish.model import PublishedTable, TableSpec

    frame = pd.DataFrame({"sector": "power", "year": 2026, "node_id": "overall",
                          "segment": ["一般送配電・送電・配電", "特定送配電・自家用", "全体"], "n": [28, 156, 317],
                          "mean": [0.835, 0.779, 0.771], "w_mean": [0.816, 0.78, 0.767],
                          "previous_year": 2025, "change": [0.097, 0.049, 0.056], "p25": [0.725, 0.662, 0.662],
                          "p50": [0.884, 0.829, 0.815], "p75": [0.932, 0.912, 0.926], "suppressed": ""})
    spec = TableSpec(keys=["sector", "year", "node_id"], counts={"mean": "n"}, total="全体",
                     changes={"change": ["mean", "previous_year"]})
    table = PublishedTable("distribution", "区分別のスコア分布", frame,
                           ["year", "segment", "n", "mean", "w_mean", "previous_year", "change", "p25", "p50", "p75"],
                           spec=spec, source="出典: テスト")
    deck = Presentation(str(write_deck(tmp_path / "d.pptx", "t", "s", ["a"], [], PROV, "ja", tables=[table])))
    (slide,) = [s for s in deck.slides if any(sh.has_table for sh in s.shapes)]
    (shape,) = [s for s in slide.shapes if s.has_table]
    heads = [shape.table.cell(0, c).text_frame.text.replace("\v", "") for c in range(len(shape.table.columns))]
    column = shape.table.columns[heads.index("比較年度との差")]
    assert _grid(slide)[1][heads.index("比較年度との差")] == "+9.7ポイント"
    assert Emu(column.width).inches >= 6.49 * 14 / 72 * 1.05 + 0.2  # 1.53 in


def test_the_english_score_distribution_fits_one_slide_in_whole_words(tmp_path):
    """The English power deck's distribution slide showed one row of six ("First 1 rows shown…") with headers and
    names broken inside words ("Segmen / t", "Respon / dents", "transmis / sion"), where the Japanese slide showed all
    six. With the slide's short headers, a band's words allowed to wrap and the note the page gives a slide (the marks
    in one line), every row is on one slide and every line of every cell is whole words that fit its column (the
    deck's width rule, Latin letters measured, bold 6% wider, 0.2 in of insets)."""
    import numpy as np
    from pptx.util import Emu

    from pipeline.publish.deck import CELL_NARROW_EM, text_em
    from pipeline.publish.model import PublishedTable, TableSpec

    names = ["T&D: general, transmission, distribution", "Specified T&D and private facilities", "Generation",
             "Retail", "Specified wholesale supply (aggregator)", "All"]
    frame = pd.DataFrame({"sector": ["power"] * 6, "year": [2026] * 6, "node_id": ["overall"] * 6, "segment": names,
                          "n": [np.nan, 28, 156, 200, 23, 317],
                          "mean": [np.nan, 0.835, 0.779, 0.749, 0.762, 0.771],
                          "mean_band": ["high", "", "", "", "", ""],
                          "w_mean": [np.nan, 0.83, 0.775, 0.745, 0.76, 0.768], "previous_year": [2025] * 6,
                          "change": [np.nan, 0.097, 0.049, 0.061, 0.022, 0.056],
                          "p25": [np.nan, 0.725, 0.662, 0.651, 0.667, 0.662],
                          "p50": [np.nan, 0.884, 0.829, 0.796, 0.801, 0.815],
                          "p75": [np.nan, 0.932, 0.912, 0.898, 0.90, 0.926],
                          "suppressed": ["hidden", "", "", "", "", ""]})
    spec = TableSpec(keys=["sector", "year", "node_id"], counts={"mean": "n"}, total="All",
                     changes={"change": ["mean", "previous_year"]})
    note = ("x: withheld · —: not assessed · …: no previous year to compare with. Small segments merged before "
            "withholding: T&D: general, transmission, distribution = General transmission and distribution+"
            "Transmission+Distribution; Specified T&D and private facilities = Specified transmission and "
            "distribution+Private electrical facility owner. 90% or more / below 10%: fewer than 5 companies fall "
            "short of the top (or rise above the bottom), so the mean is shown as a range. A quantile is shown only "
            "when at least 5 companies lie beyond it (10th/90th from 50 companies, quartiles from 20, the median "
            "from 10).")
    table = PublishedTable("distribution", "Score distribution by segment, FY2026", frame,
                           ["year", "segment", "n", "mean", "w_mean", "previous_year", "change", "p25", "p50", "p75"],
                           note=note, spec=spec, source="Source: Power cybersecurity self-assessment (FY2026)")
    deck = Presentation(str(write_deck(tmp_path / "d.pptx", "t", "s", ["a"], [], PROV, "en", tables=[table])))
    (slide,) = [s for s in deck.slides if any(sh.has_table for sh in s.shapes)]
    assert slide.shapes.title.text_frame.text == "Score distribution by segment, FY2026"
    assert not any(t.startswith("First") for t in texts(slide))
    (shape,) = [s for s in slide.shapes if s.has_table]
    grid = shape.table
    cells = [[grid.cell(r, c).text_frame.text for c in range(len(grid.columns))] for r in range(len(grid.rows))]
    assert [c.replace("\v", " ") for c in cells[0]] == ["Segment", "Respondents", "Mean score", "Mean (members, est.)",
                                                        "Change", "25th pct.", "Median", "75th pct."]
    assert [r[0].replace("\v", " ") for r in cells[1:]] == names  # all six rows
    assert [r[2] for r in cells[1:3]] == ["90% or more", "83.5%"] and cells[2][4] == "+9.7 pt"
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            inches = Emu(grid.columns[c].width).inches
            for line in text.split("\v"):
                for word in (line.split() if c else [line]):  # a name's line whole; elsewhere each word whole
                    need = text_em(word, CELL_NARROW_EM, r == 0) * (1.06 if r == 0 else 1) * 14 / 72 + 0.2
                    assert inches >= need, (text, word, inches, need)
