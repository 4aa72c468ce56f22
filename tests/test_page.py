"""The sector report page: a table spec decides the columns, title, notes and page view it is published with,
and every figure gets the page's title, source line and rule, laid out for the page or for a slide."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline.publish.slides import slide_mode  # noqa: E402
from pipeline.report.context import ReportContext  # noqa: E402
from pipeline.report.page import PAGE_TABLES, Page  # noqa: E402


class Recorder:
    """Stands in for the publisher: keeps what the page hands it."""

    def __init__(self):
        self.tables, self.figures = [], []

    def table(self, name, frame, spec, title, columns, note="", **kw):
        self.tables.append(dict(name=name, frame=frame, spec=spec, title=title, columns=columns, note=note, **kw))

    def figure(self, draw, name, title, source="", notes=None, slide_parts=1):
        self.figures.append(dict(draw=draw, name=name, title=title, source=source, notes=notes))


def _page(weighted: bool, lang: str = "ja", merges=None):
    data = SimpleNamespace(weighted=weighted, latest=2024, respondents=pd.DataFrame(index=range(1234)),
                           n=lambda year=None: 410)
    pub = Recorder()
    page = Page(ReportContext.build("auto", "csf2", lang, 5), data, "size_band", merges or {}, pub, "2022–2024")
    return page, pub


def _distribution():
    return pd.DataFrame({"year": [2023, 2024, 2024], "segment": ["全体"] * 3, "n": [400, 410, 410]})


def test_members_columns_are_published_only_in_a_weighted_report():
    page, pub = _page(weighted=False)
    page.table("distribution", _distribution())
    got = pub.tables[0]
    assert got["columns"] == ["year", "segment", "n", "mean", "previous_year", "change", "p10", "p25", "p50", "p75",
                              "p90"]
    assert got["view_columns"] == ["year", "segment", "n", "mean", "previous_year", "change", "p25", "p50", "p75"]
    page, pub = _page(weighted=True)
    page.table("distribution", _distribution())
    assert pub.tables[0]["columns"] == ["year", "segment", "n", "mean", "previous_year", "change", "w_mean",
                                        "w_mean_ci_low", "w_mean_ci_high", "w_change", "n_eff", "p10", "p25", "p50",
                                        "p75", "p90"]
    assert pub.tables[0]["view_columns"][4] == "w_mean"  # beside the respondents' mean


def test_a_table_gets_its_title_latest_view_notes_and_protection_from_its_spec():
    page, pub = _page(weighted=False)
    frame = _distribution()
    page.table("distribution", frame)
    got = pub.tables[0]
    assert got["name"] == "distribution" and got["spec"].counts["p10"] == "n"  # tables.SPECS["distribution"]
    assert got["title"] == "区分別のスコア分布(年度別)"
    assert got["view_title"] == "区分別のスコア分布(2024年度)"
    assert got["view"].tolist() == [False, True, True] and got["slide"] is True and got["show"] is True
    # the hidden-cell note, then the quantile rule at k = 5, one space between
    assert got["note"].startswith("x: 秘匿(集計対象又は割合の片側が5社未満")
    assert "。 分位点は、その外側に5社以上いる場合だけ表示" in got["note"]
    assert got["note"].endswith("中央値は10社以上)。")


def test_notes_the_notebook_gives_join_the_spec_order_and_empty_ones_drop_out():
    page, pub = _page(weighted=False, lang="en")
    frame = pd.DataFrame({"year": [2024], "node_id": ["★3:0"], "segment": ["All"]})
    page.table("star_distance", frame)
    page.table("star_comparable", frame, trend_basis="Requirements compared: all")
    page.table("movers", frame, excluded="")
    distance, comparable, movers = pub.tables
    assert distance["note"].startswith("Distance = judgeable requirements not met; 0 is ready")
    assert " / x: withheld (fewer than 5 companies" in distance["note"]
    assert comparable["note"].startswith("Requirements compared: all / x: withheld")
    assert comparable["show"] is False and comparable["spec"] is not None
    assert movers["note"] == ""


def test_one_spec_serves_each_star_and_each_breakdown_under_its_own_name_and_title():
    page, pub = _page(weighted=False)
    top = pd.DataFrame({"year": [2024], "requirement_id": ["R1"]})
    page.table("star_top", top, name="star4_top", title_args={"star": 4}, slide=False)
    page.table("responses_breakdown", pd.DataFrame({"year": [2023, 2024]}), name="responses_industry",
               title_args={"by": "業種別"})
    star4, industry = pub.tables
    assert (star4["name"], star4["title"], star4["slide"]) == ("star4_top", "★4 ボトルネック上位10(2024年度、全体)",
                                                               False)
    assert star4["view_title"] is None and star4["view"] is None
    # the workbook holds every year under a title that says so; the page shows the latest year under its own
    assert (industry["name"], industry["title"]) == ("responses_industry", "業種別の回答状況(年度別)")
    assert industry["view"].tolist() == [False, True] and industry["view_title"] == "業種別の回答状況(2024年度)"


def test_every_spec_names_a_disclosure_spec_and_a_title_that_exist():
    page, _ = _page(weighted=True)
    for key, spec in PAGE_TABLES.items():
        assert spec.protection in spec.specs, key
        words = page.labels[spec.labels] if spec.labels else page.labels
        for part in spec.title.split("."):
            words = words[part]
        assert isinstance(words, str) and words, key
        assert set(spec.view_columns) <= set(spec.columns), key


def test_a_figure_gets_the_page_title_source_and_its_layout_on_the_page_and_on_a_slide():
    page, pub = _page(weighted=False, merges={"1〜20人": "1〜100人", "21〜100人": "1〜100人"})
    page.figure("trend", "平均スコアの推移", page.n_all, lambda ax: ax.plot([0, 1], [0.2, 0.4]), note="注",
                ylabel="スコア", right=(0.78, 0.74))
    got = pub.figures[0]
    source = ("出典: 自動車分野 サイバーセキュリティ自己診断(2022–2024年度)、"
              "回答事業者 延べ1,234社(各年度の合計)")  # short: one line at 12 pt on a slide
    assert got["source"] == source
    fig = got["draw"]()
    texts = [t.get_text() for t in fig.texts]
    assert fig.get_suptitle() == "平均スコアの推移"
    assert round(fig.axes[0].get_position().x1, 6) == 0.78 and fig.axes[0].get_ylabel() == "スコア"
    # source, the automotive rule (its own answers), then the note and the merged segments; no provenance stamp
    # (hashes and parameters are the appendix's, not a reader's)
    assert texts[1:] == [f"{source}\n"
                         "採点: 達成=1、未達成・未回答=0、対象外は除外。"
                         "x: 秘匿(集計対象又は割合の片側が5社未満、又は他の値から算出できるため)\n"
                         "注 / 秘匿の前に小さい区分を統合: 1〜100人 = 1〜20人+21〜100人。"]
    plt.close(fig)
    with slide_mode():
        fig = got["draw"]()
        assert round(fig.axes[0].get_position().x1, 6) == 0.74 and fig.get_suptitle() == ""
        plt.close(fig)


def test_a_figure_size_is_one_size_unless_given_for_page_and_slide():
    """``size=(12.0, 9.0)`` is a width and a height, not (page, slide): the instrument profile failed on it."""
    from pipeline.report.page import _on_page_or_slide

    assert _on_page_or_slide((12.0, 9.0), "size") == (12.0, 9.0)
    assert _on_page_or_slide(((8.0, 5.0), (12.0, 6.75)), "size") == (8.0, 5.0)  # drawn for the page here
    assert _on_page_or_slide((0.78, 0.74), "right") == 0.78


def test_a_table_slide_carries_the_marks_in_one_line_and_the_merges_in_full():
    """The English distribution slide's note ran eleven lines (the page's full hidden-mark note, the effective sample
    size of a column the slide does not show) and left one row of six room. A slide's note gives the marks in the
    rules slide's one line, keeps the merged segments, and leaves out notes on columns it does not show."""
    page, pub = _page(weighted=True, lang="en", merges={"1〜20人": "1〜100人", "21〜100人": "1〜100人"})
    frame = _distribution().assign(n_eff=[300.0, 310.0, 310.0], mean_band=["", "high", ""])
    page.table("distribution", frame)
    got = pub.tables[0]
    assert got["note"].startswith("x: withheld (fewer than 5 companies behind the value")  # the page's note
    assert "Effective sample size (weighted)" in got["note"]
    slide = got["slide_note"]
    assert slide.startswith("x: withheld · —: not assessed · …: no previous year to compare with. Small segments "
                            "merged before withholding: ")
    assert "What other values would give away" not in slide and "Effective sample size" not in slide
    assert "90% or more / below 10%: fewer than 5 companies fall short of the top (or rise above the bottom), so " \
           "the mean is shown as a range." in slide
    assert slide.endswith("the median from 10).")


def test_the_functions_table_is_published_by_year_then_function_in_the_order_given():
    # rows as the protection hands them; published: 2023 before 2024, within a year PR before GV as they first
    # appear, and the segments of one function in the order given (A before 全体)
    page, pub = _page(weighted=False)
    frame = pd.DataFrame({"year": [2024, 2023, 2024, 2023, 2024], "node_id": ["PR", "GV", "GV", "PR", "GV"],
                          "segment": ["全体", "全体", "A", "A", "全体"]})
    page.table("functions", frame)
    got = pub.tables[0]["frame"]
    assert list(zip(got["year"], got["node_id"], got["segment"], strict=True)) == [
        (2023, "PR", "A"), (2023, "GV", "全体"), (2024, "PR", "全体"), (2024, "GV", "A"), (2024, "GV", "全体")]


def test_a_merged_group_withheld_in_every_cell_is_named_under_its_table():
    # the group 〜300人 (merged from two bands) is x in both its assessed cells: the note names it; a cell of it shown,
    # or a breakdown the page did not merge (industry), says nothing
    page, _ = _page(weighted=False, merges={"〜100人": "〜300人", "101〜300人": "〜300人"})
    cats = pd.DataFrame({"segment": ["〜300人", "〜300人", "全体"], "n_scored": [4, 4, 40],
                         "suppressed": ["x", "x", ""]})
    said = ("〜300人は統合後も、値を示すと個々の事業者の状況が分かってしまうため、"
            "この表ではすべて x です(秘匿の理由は値ごとに示しません)。")
    assert page.withheld_note(cats, "size_band") == said
    assert page.withheld_note(cats, "industry") == ""
    assert page.withheld_note(cats.assign(suppressed=["x", "", ""]), "size_band") == ""


def test_the_weakest_items_table_states_the_members_share_rule_in_a_weighted_report():
    """実施率の低い項目 prints members' item shares as the item table does: the same note, naming the size-band
    weighting cells and k."""
    page, pub = _page(weighted=True)
    frame = pd.DataFrame({"year": [2024], "item_id": ["No.1"], "text": ["t"], "n_applicable": [50],
                          "share_implemented": [0.5], "w_share_implemented": [0.52]})
    page.table("weakest_items", frame)
    assert "規模区分ごとの重み付けセルの該当・実施事業者数が5通り未満" in pub.tables[0]["note"]
