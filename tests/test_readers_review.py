"""What a fresh-eyes review of the demo reports (Japanese and English) still found (issue 23): a hidden first-year
row read 'x' where there is simply no previous year; the distribution chart drew a cell as hidden whose mean and
median the table prints; the distribution table ran wider than the page; item names cut with "…" in the charts;
the English workbook named its sheets by internal ids. Each checked on what the reader gets; expected strings typed
by hand."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline.publish import formats  # noqa: E402
from pipeline.publish.model import PublishedTable, TableSpec  # noqa: E402
from pipeline.publish.provenance import Provenance  # noqa: E402
from pipeline.publish.render_xlsx import write_people_workbook  # noqa: E402

PROV = Provenance("snap01", "0.1.0+gabc", {"sector": "power", "k": 5}, "2026-06-01")


def _distribution() -> PublishedTable:
    """A merged group hidden in every year of three, and a published segment: the first year (2024) has no previous
    year in either."""
    frame = pd.DataFrame({
        "sector": ["power"] * 6, "year": [2024, 2025, 2026] * 2,
        "segment": ["一般送配電・送電・配電"] * 3 + ["発電"] * 3, "node_id": ["overall"] * 6,
        "n": [15, 16, 15, 139, 154, 156], "mean": [np.nan] * 3 + [0.64, 0.73, 0.78],
        "previous_year": [np.nan, 2024.0, 2025.0] * 2, "change": [np.nan] * 4 + [0.09, 0.05],
        "suppressed": ["withheld"] * 3 + [""] * 3})
    spec = TableSpec(keys=["sector", "year", "segment", "node_id"], counts={"mean": "n", "change": "n"},
                     total="全体", changes={"change": ["mean", "previous_year"]}, open_counts=["n"])
    return PublishedTable("distribution", "区分別のスコア分布", frame,
                          ["year", "segment", "n", "mean", "previous_year", "change"], k=5, spec=spec)


def test_a_hidden_first_year_row_reads_no_previous_year_not_x(tmp_path):
    """The first year of a hidden (merged) group: its year compared and change read '…' (no previous year) on the
    page and in the workbook, as a published row's do; its mean reads x; its later years read x in the change."""
    table = _distribution()
    page = formats.people_frame(table, "ja")
    assert page.iloc[0].tolist() == ["2024", "一般送配電・送電・配電", "15", "x", "…", "…"]
    assert page.iloc[1].tolist()[3:] == ["x", "2024", "x"]  # a later year: the change of a hidden row is hidden
    assert page.iloc[3].tolist()[4:] == ["…", "…"]  # the published segment's first year, the same mark
    path = write_people_workbook(tmp_path / "t.xlsx", [table], [("k", "5")], PROV, "ja")
    ws = openpyxl.load_workbook(path).worksheets[1]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5, max_row=10)]
    assert rows[0][3:] == ["x", "…", "…"]  # the mean hidden, no previous year
    assert rows[1][3:] == ["x", 2024, "x"]
    assert rows[3][4:] == ["…", "…"]


def test_the_english_workbook_names_its_sheets_in_english_the_machine_copy_keeps_ids(tmp_path):
    """Every table the reports publish is a sheet named in words in the English workbook (≤ 31 characters, Excel's
    limit), as in the Japanese one; tables/<id>.csv keeps the id (a contract)."""
    import re

    from pipeline import catalogs
    from pipeline.publish.render_xlsx import sheet_name

    ids = list(catalogs.report_labels()["ja"]["sheets"])  # every table the Japanese workbook names
    assert {"responses", "functions", "distribution", "weakest_items", "movers", "items", "star3_top"} <= set(ids)
    english = [sheet_name(t, "en") for t in ids]
    assert not [n for n in english if n in ids or re.search(r"[a-z]_[a-z]", n)]  # no id, no snake_case
    assert all(len(n) <= 31 for n in english) and len(set(english)) == len(english)
    assert sheet_name("distribution", "en") == "Score distribution"
    assert sheet_name("weakest_items", "en") == "Least implemented items"
    frame = pd.DataFrame({"year": [2026], "segment": ["All"], "n": [317], "suppressed": [""]})
    tables = [PublishedTable(t, t, frame, ["year", "segment", "n"], k=5) for t in ("responses", "weakest_items")]
    book = openpyxl.load_workbook(write_people_workbook(tmp_path / "en.xlsx", tables, [("k", "5")], PROV, "en"))
    assert book.sheetnames == ["About", "Responses", "Least implemented items"]


def test_the_weakest_items_chart_names_every_item_whole_the_longest_included():
    """The page's item chart (not only the slide's): each bar's label is the id and whole text, wrapped where long,
    never ending in "…"; the longest texts of the power and automotive catalogs fit the picture and no two labels'
    lines run into each other."""
    from pipeline.report import figures as F
    from pipeline.report import style
    from pipeline.report import tables as T

    longest = {"ja": [("ID.BE-4", "重要業務が依存する設備・システム・外部サービスを洗い出している"),
                      ("No.123", "サポートの切れたOSやソフトウェアを使わないようにしている")],
               "en": [("ID.GV-3", "Knows and meets the Electricity Business Act and other legal and regulatory "
                                  "requirements"),
                      ("No.20", "Includes government agencies and similar bodies among those it reports incidents to")]}
    for lang, pairs in longest.items():
        ids = [i for i, _ in pairs] + [f"PR.PT-{n}" for n in range(1, 9)]
        texts = [t for _, t in pairs] + [pairs[0][1]] * 8  # ten bars, as the report draws
        items = pd.DataFrame({"item_id": ids, "text": texts, "share": np.linspace(0.2, 0.5, 10),
                              "suppressed": [""] * 10})
        fig, ax = style.new_figure(left=0.36)
        F.item_bars(T.with_item_labels(items), "label", "share", ax=ax)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ticks = ax.get_yticklabels()
        drawn = [t.get_text() for t in ticks]
        assert [d.replace("\n", "").replace(" ", "") for d in drawn] == \
            [f"{i}{t}".replace(" ", "") for i, t in zip(ids, texts, strict=True)], lang
        assert not [d for d in drawn if d.rstrip().endswith("…")]
        boxes = [t.get_window_extent(renderer) for t in ticks]
        assert all(b.x0 >= 0 and b.y0 >= 0 and b.y1 <= fig.bbox.y1 for b in boxes), lang  # inside the picture
        assert all(upper.y0 >= lower.y1 - 0.5 for upper, lower in zip(boxes, boxes[1:], strict=False)), lang
        plt.close(fig)


def test_the_distribution_chart_hides_exactly_the_cells_its_table_hides():
    """One rule for the box chart and the table beside it: a cell is the mark x in the chart if and only if the table
    prints x for its mean; a mean and median the table prints are drawn (特定卸 FY2024: 17 companies, quartiles
    withheld, was an x in the chart beside 65.8% in the table)."""
    from matplotlib.patches import Rectangle

    from pipeline.report import figures as F
    from pipeline.report import style

    frame = pd.DataFrame({
        "sector": ["power"] * 4, "year": [2024, 2025, 2024, 2025], "segment": ["特定卸", "特定卸", "小売", "小売"],
        "node_id": ["overall"] * 4, "n": [17, 22, 3, 185], "mean": [0.658, 0.740, np.nan, 0.688],
        "p10": [np.nan, np.nan, np.nan, 0.39], "p25": [np.nan, 0.631, np.nan, 0.547],
        "p50": [0.662, 0.799, np.nan, 0.731], "p75": [np.nan, 0.900, np.nan, 0.856],
        "p90": [np.nan, np.nan, np.nan, 0.92],
        "suppressed": ["", "", "primary", ""]})
    spec = TableSpec(keys=["sector", "year", "segment", "node_id"], counts={"mean": "n"}, total="全体")
    table = PublishedTable("distribution", "区分別のスコア分布", frame,
                           ["year", "segment", "n", "mean", "p25", "p50", "p75"], k=5, spec=spec)
    printed = formats.people_frame(table, "ja")
    assert printed["平均スコア"].tolist() == ["65.8%", "74.0%", "x", "68.8%"]
    assert printed["中央値"].tolist() == ["66.2%", "79.9%", "x", "73.1%"]
    fig, ax = style.new_figure()
    F.quantile_boxes(frame.assign(fy=frame["year"].astype(str)), "segment", "fy", ax=ax, suppressed_label="秘匿")
    # groups 特定卸 (0) and 小売 (1), two years 0.4 wide each: 2024 at g - 0.2, 2025 at g + 0.2
    marks = [round(t.xy[0], 3) for t in ax.texts if t.get_gid() == F.HIDDEN_GID]
    assert marks == [0.8]  # 小売 2024 only, the row the table prints x
    (means,) = [c for c in ax.collections if c.get_gid() == "mean"]
    assert sorted(round(x, 3) for x, _ in means.get_offsets().tolist()) == [-0.2, 0.2, 1.2]  # every printed mean
    medians = sorted(round(float(np.mean(line.get_xdata())), 3) for line in ax.get_lines()
                     if len(set(line.get_ydata())) == 1)
    assert medians == [-0.2, 0.2, 1.2]  # every printed median
    boxes = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_gid() not in ("hidden", "band")]
    assert len(boxes) == 2  # 特定卸 FY2025 and 小売 FY2025: the quartiles the table would print
    plt.close(fig)


def _width_em(table_html: str) -> float:
    """A table's width in the page's em, by a rule typed for the test: each column as wide as its widest unbreakable
    piece (header phrases and text cells break only at <wbr>; a numeral or Latin letter half an em, any other
    character one em) plus 1.2 em of padding, at the tables' 9.5 pt in the page's 10.5 pt."""
    import re
    from html import unescape

    def em(piece: str) -> float:
        return sum(0.5 if ch.isascii() else 1.0 for ch in unescape(piece))

    heads = re.findall(r"<th[^>]*>(.*?)</th>", table_html)
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", table_html, re.S)[1:]]
    widths = [max(em(p) for text in [h, *(r[i] for r in rows)] for p in re.split(r"<wbr\s*/?>", text))
              for i, h in enumerate(heads)]
    return sum(w + 1.2 for w in widths) * 9.5 / 10.5


def test_the_distribution_table_fits_the_page_its_compared_year_said_once():
    """The page's score distribution (one year, every segment, as the power report shows it) ran 869 px in an
    845 px text column: the year compared (2025 on every row) is said once under the caption, 「比較年度: 2025年度」,
    and the table fits the page's 60 em less the scroll box's edge (58.5 em); the workbook keeps the column."""
    from pipeline.publish.render_html import table_html
    from pipeline.report.page import PAGE_TABLES

    segments = ["一般送配電・送電・配電", "特定送配電・自家用", "発電", "小売", "特定卸", "全体"]
    frame = pd.DataFrame({
        "sector": ["power"] * 6, "year": [2026] * 6, "segment": segments, "node_id": ["overall"] * 6,
        "n": [15, 28, 156, 200, 23, 317], "mean": [np.nan, 0.835, 0.779, 0.749, 0.762, 0.771],
        "w_mean": [np.nan] * 6, "previous_year": [2025.0] * 6,
        "change": [np.nan, 0.097, 0.049, 0.061, 0.022, 0.056], "p25": [np.nan, 0.725, 0.662, 0.651, 0.667, 0.662],
        "p50": [np.nan, 0.884, 0.829, 0.796, 0.801, 0.815], "p75": [np.nan, 0.932, 0.912, 0.898, 0.900, 0.926],
        "suppressed": ["withheld", "", "", "", "", ""]})
    spec = TableSpec(keys=["sector", "year", "segment", "node_id"], counts={c: "n" for c in
                     ("mean", "w_mean", "change", "p25", "p50", "p75")}, total="全体",
                     changes={"change": ["mean", "previous_year"]}, open_counts=["n"])
    view = list(PAGE_TABLES["distribution"].view_columns)
    for lang, title, compared in (("ja", "区分別のスコア分布(2026年度)", "比較年度: 2025年度"),
                                  ("en", "Score distribution by segment, FY2026", "Compared with: FY2025")):
        table = PublishedTable("distribution", title, frame, view, k=5, spec=spec)
        page = table_html(table, lang)
        assert f'<span class="sdw-caption-note">{compared}</span>' in page
        assert ">比較年度<" not in page and ">Compared with<" not in page
        assert _width_em(page) <= 58.5, (lang, _width_em(page))
    # a title that names the years compared (movers: 2025年度→2026年度) says them: no column and no note repeats them
    movers = table_html(PublishedTable("movers", "実施率の上昇が大きい項目 (2025年度→2026年度)", frame, view, k=5,
                                       spec=spec), "ja")
    assert ">比較年度<" not in movers and "比較年度: 2025年度" not in movers and ">年度<" not in movers


def test_a_column_withheld_on_every_row_is_said_once_on_the_page_as_on_the_slide():
    """Power's distribution printed 平均スコア(会員推計) as a column of x on every row of the page while the deck said
    it once above the table: one rule for both (formats.said_once), the page says it under the caption."""
    from pipeline.publish.formats import WITHHELD_CELLS
    from pipeline.publish.render_html import table_html

    frame = pd.DataFrame({"sector": ["power"] * 3, "year": [2026] * 3, "node_id": ["overall"] * 3,
                          "segment": ["発電", "小売", "全体"], "n": [156, 200, 317],
                          "mean": [0.779, 0.749, 0.771], "w_mean": [0.775, 0.745, 0.768],
                          "suppressed": [""] * 3, WITHHELD_CELLS: ["w_mean"] * 3})
    spec = TableSpec(keys=["sector", "year", "node_id"], counts={"mean": "n"}, total="全体")
    page = table_html(PublishedTable("distribution", "区分別のスコア分布(2026年度)", frame,
                                     ["segment", "n", "mean", "w_mean"], spec=spec), "ja")
    heads = re.findall(r"<th[^>]*>(.*?)</th>", page)
    assert [h.replace("<wbr>", "") for h in heads] == ["区分", "回答事業者数", "平均スコア"]
    assert '<span class="sdw-caption-note">平均スコア(会員推計): すべての行で秘匿(x)</span>' in page


def test_a_change_of_a_withheld_value_reads_x_not_not_assessed(tmp_path):
    """Automotive 301〜1,000人: FY2023 hidden by the distribution's completion after the changes were taken, FY2024
    published; its change from FY2023 read '—' (not assessed) of a segment that answered both years, on the page's
    view of FY2024 too: it reads x. Power's members' change read '—' beside a members' estimate read x: x. A first
    year keeps '…', a change of two published values its value, a change of a value not assessed '—'."""
    frame = pd.DataFrame({
        "sector": ["auto"] * 9, "framework": ["instrument"] * 9, "node_id": ["overall"] * 9,
        "year": [2022, 2023, 2024] * 3, "segment": ["301〜1,000人"] * 3 + ["〜100人"] * 3 + ["物流"] * 3,
        "n": [122, 111, 96, 155, 141, 131, 50, 48, 47], "mean": [0.784, np.nan, 0.820, 0.322, 0.368, 0.447,
                                                                  np.nan, 0.5, 0.55],
        "w_mean": [0.79, np.nan, np.nan, 0.33, 0.37, 0.45, np.nan, 0.51, 0.56],
        "previous_year": [np.nan, 2022.0, 2023.0] * 3,
        "change": [np.nan, np.nan, np.nan, np.nan, 0.046, 0.079, np.nan, np.nan, 0.05],
        "w_change": [np.nan, np.nan, np.nan, np.nan, 0.04, 0.08, np.nan, np.nan, 0.05],
        "suppressed": ["", "withheld", "", "", "", "", "", "", ""],
        "_withheld": ["", "", "w_mean", "", "", "", "", "", ""]})
    spec = TableSpec(keys=["sector", "year", "framework", "node_id"], counts={"mean": "n", "change": "n"},
                     total="全体", open_counts=["n"],
                     changes={"change": ["mean", "previous_year"], "w_change": ["w_mean", "previous_year"]})
    table = PublishedTable("distribution", "区分別のスコア分布(年度別)", frame,
                           ["year", "segment", "n", "mean", "previous_year", "change", "w_mean", "w_change"], k=5,
                           spec=spec)
    page = formats.people_frame(table, "ja")
    # the members' change beside its withheld members' estimate: x at the page, from the row alone
    assert page.iloc[2].tolist() == ["2024", "301〜1,000人", "96", "82.0%", "2023", "—", "x", "x"]
    # the change from a year hidden after the changes were taken: named where the table is made, so that it reads x
    # in the workbook and in the page's view of the latest year alone, where FY2023 is not there to look at
    from pipeline.report import tables as T

    marked = T.change_withheld_after_hidden(frame, ["sector", "framework", "node_id", "segment"])
    table = PublishedTable("distribution", "区分別のスコア分布(年度別)", marked, table.columns, k=5, spec=spec)
    page = formats.people_frame(table, "ja")
    assert page.iloc[2].tolist() == ["2024", "301〜1,000人", "96", "82.0%", "2023", "x", "x", "x"]
    latest = PublishedTable("distribution", "区分別のスコア分布(2024年度)", marked[marked["year"].eq(2024)],
                            table.columns, k=5, spec=spec)
    assert formats.people_frame(latest, "ja")["比較年度との差"].tolist() == ["x", "+7.9ポイント", "+5.0ポイント"]
    assert page.iloc[1].tolist()[3:] == ["x", "2022", "x", "x", "x"]  # the hidden row itself
    assert page.iloc[0].tolist()[4:6] == ["…", "…"]
    assert page.iloc[5].tolist()[4:] == ["2023", "+7.9ポイント", "45.0%", "+8.0ポイント"]
    # 物流 FY2022 not assessed (no answer reaches it): FY2023's change from it stays '—'
    assert page.iloc[7].tolist()[5] == "—" and page.iloc[7].tolist()[7] == "—"
    book = openpyxl.load_workbook(write_people_workbook(tmp_path / "t.xlsx", [table], [("k", "5")], PROV, "ja"))
    rows = [[c.value for c in r] for r in book.worksheets[1].iter_rows(min_row=5, max_row=7)]
    assert rows[2][3:] == [0.82, 2023, "x", "x", "x"]


def test_the_star_table_on_the_page_leaves_its_names_room_and_breaks_them_between_words():
    """The ★ table printed eleven columns, squeezing 「★3 準備完了(判定可能な全要求事項を充足)の割合」 to five lines a
    row, broken inside a word (「全要 / 求事項を」): the page shows the members' estimate beside the respondents' (its
    interval in the workbook), as the functions table does, and every ★ name breaks only between words."""
    from pipeline.linebreak import phrases
    from pipeline.report import style
    from pipeline.report.page import PAGE_TABLES

    assert PAGE_TABLES["star"].view_columns == ("year", "node_id", "node_name", "segment", "n_scored", "mean",
                                                "w_mean", "mean_ci_low", "mean_ci_high")
    assert "w_mean_ci_low" in PAGE_TABLES["star"].columns  # the workbook keeps the members' interval
    names = style.labels("ja")["star_series"]
    assert names["★3+"] == "★3 準備完了(判定可能な要求事項をすべて充足)の割合"
    for name in names.values():
        assert any("要求事項" in p for p in phrases(name)) or "要求事項" not in name, phrases(name)
