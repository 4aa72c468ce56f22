"""What the fifth reader review (a WG officer and an analyst, issue 23) still found in the decks, the headline, the
figures and the tables, each checked on what the reader gets. Expected strings are typed by hand."""

from __future__ import annotations

import contextlib

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
    # the respondents' mean (71.6%) and the response rate (56.8%) are said once, in the sentences before
    assert ja[2] == ("会員全体の推計は 70.0%(95%信頼区間 68.0%〜72.0%)、"
                     "実効標本サイズ(重み付け後) 480社(重みのばらつきによる精度の低下を、同じ精度の無作為標本の"
                     "社数に換算した値)。")
    en = _sentences(tables, "en")
    assert en[2].startswith("Estimated for all members: 70.0% (95% CI 68.0%–72.0%); effective sample size")
    for sentences in (ja, en):
        text = " ".join(sentences)
        assert text.count("71.6%") == 1 and text.count("56.8%") == 1


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_no_headline_sentence_prints_the_respondents_mean_as_the_members(lang):
    """Withheld: the members' sentence carries no number at all (nothing a reader could take for the sector's)."""
    text = _sentences(_headline_tables(np.nan, response_withheld=True), lang)[-1]
    assert not any(ch.isdigit() for ch in text)


# --- labels: never broken inside a word, never run into each other ------------------------------------------------

def _heatmap_ticks(columns: list[str], lang: str, slide: bool) -> tuple[list[str], list[tuple[str, str]]]:
    """Draw a category heatmap over ``columns`` as a report does (long row labels, a total column), on the page or
    on a slide, and read back its column labels, any pair whose drawn extents overlap, and any label a staggered
    label's leader crosses."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pipeline.publish import slides
    from pipeline.report import figures as F
    from pipeline.report.context import node_names

    names = node_names("csf2", lang)
    # the eleven rows of the deck's first heatmap slide: rows one line high, so the long labels take their width
    rows = ["GV.OC", "GV.RM", "GV.RR", "GV.PO", "GV.OV", "GV.SC", "ID.AM", "ID.RA", "ID.IM", "PR.AA", "PR.AT"]
    table = pd.DataFrame([{"node_id": r, "segment": c, "mean": 0.6, "suppressed": ""} for r in rows for c in columns])

    def draw():
        fig, ax = style.new_figure(left=0.3, right=0.9)
        F.heatmap(table, "node_id", "segment", "mean", ax=ax, total=columns[-1],
                  row_labels={r: f"{r} {names[r]}" for r in rows})
        fig.canvas.draw()
        return fig, ax

    with slides.slide_mode() if slide else contextlib.nullcontext():
        fig, ax = draw()
    out = [t.get_text() for t in ax.get_xticklabels()], F.tick_overlaps(ax) + F.leader_crossings(ax)
    plt.close(fig)
    return out


SIZE_BANDS = ["〜100人", "101〜300人", "301〜1,000人", "1,001〜10,000人", "10,001人〜", "全体"]
INDUSTRIES_EN = ["Vehicle makers", "Parts", "Materials", "Equipment", "Software and IT", "Logistics",
                 "Sales and service", "All"]
POWER = ["一般送配電・送電・配電", "特定送配電・自家用", "発電", "小売", "特定卸", "全体"]
INDUSTRIES_JA = ["完成車", "自動車部品", "素材・材料", "設備・機械", "ソフトウェア・IT", "物流", "販売・サービス",
                 "全体"]


@pytest.mark.parametrize("slide", [False, True])
@pytest.mark.parametrize(("columns", "lang"), [(SIZE_BANDS, "ja"), (INDUSTRIES_EN, "en"), (POWER, "ja"),
                                                  (INDUSTRIES_JA, "ja")])
def test_heatmap_column_labels_do_not_overlap_and_break_only_between_words(columns, lang, slide):
    """「1,001〜10,000人」 ran into 「10,001人〜」 on the automotive heatmap, "Materials" into "Equipment" on the
    English one, 「一般送配 / 電」 was cut inside a word, and on the slide of eight industries 「素材・材料」 ran into
    「ソフトウェア・IT」 on the upper row of the staggered labels (only neighbours in x were compared, and those sit on
    different rows)."""
    texts, overlaps = _heatmap_ticks(columns, lang, slide)
    assert overlaps == []
    # each label is its column's name, broken (if at all) only where a reader breaks it
    allowed = {"一般送配電・送電・配電": {"一般送配電・送電・配電", "一般送配電・\n送電・配電",
                                  "一般\n送配電・\n送電・配電"},
               "特定送配電・自家用": {"特定送配電・自家用", "特定送配電・\n自家用"},
               **{name: {name, name.replace("・", "・\n")} for name in INDUSTRIES_JA}}
    for name, text in zip(columns, texts, strict=True):
        if name in allowed:
            assert text in allowed[name], (name, text)
        elif "〜" in name:  # a size band breaks only after its 〜 (「301〜 / 1,000人」), never inside a number
            assert text in {name, name.replace("〜", "〜\n", 1)}, (name, text)
        else:  # an English name breaks only between its words
            assert text.replace("\n", " ") == name and "\n\n" not in text, (name, text)


@pytest.mark.parametrize(("lang", "cell", "legend"), [
    ("ja", "≧90%", "≧90%: 90%未満の企業が5社未満のため、平均は範囲のみ示す(色は範囲の中央)"),
    ("en", "90%+", "90%+: mean 90% or more (fewer than 5 companies below 90%: only the range is shown; coloured at "
                   "its midpoint)")])
def test_a_band_in_a_narrow_slide_cell_stays_on_one_line_inside_its_cell(lang, cell, legend):
    """On the deck's heatmap of eight industries (eleven rows one line high), 「90%以上」 was broken into 「90%」 over
    「以上」 ("90%" over "+") and ran into the rows above and below. It now reads its short words on one line, inside
    its cell, and the legend entry begins with the same words."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pipeline.publish import slides
    from pipeline.report import figures as F
    from pipeline.report.context import node_names

    names = node_names("csf2", lang)
    rows = ["PR.DS", "PR.PS", "PR.IR", "DE.CM", "DE.AE", "RS.MA", "RS.AN", "RS.CO", "RS.MI", "RC.RP", "RC.CO"]
    columns = INDUSTRIES_JA if lang == "ja" else INDUSTRIES_EN
    table = pd.DataFrame([{"node_id": r, "segment": c, "mean": 0.7, "suppressed": "", "mean_band": ""}
                          for r in rows for c in columns])
    band = table["node_id"].eq("RS.CO") & table["segment"].eq(columns[5])
    table.loc[band, ["mean", "suppressed", "mean_band"]] = [np.nan, "split", "high"]
    words = style.labels(lang)
    with slides.slide_mode():
        fig, ax = style.new_figure(left=0.3, right=0.9)
        F.heatmap(table, "node_id", "segment", "mean", ax=ax, total=columns[-1], band_label=words["band"].format(k=5),
                  band_text=words["band_cells"], band_short=words["band_cells_short"],
                  row_labels={r: f"{r} {names[r]}" for r in rows})
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (text,) = [t for t in ax.texts if t.get_gid() == "band"]
    assert text.get_text() == cell
    box = text.get_window_extent(renderer)
    left, bottom = ax.transData.transform((5 - 0.5, 7 + 0.5))  # the cell RS.CO × the sixth column (y grows down)
    right, top = ax.transData.transform((5 + 0.5, 7 - 0.5))
    assert left <= box.x0 and box.x1 <= right and bottom <= box.y0 and box.y1 <= top
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == legend
    plt.close(fig)


# --- tables: a not-assessed row reads — throughout ------------------------------------------------------------------

def test_a_not_assessed_category_reads_dash_for_its_count_too_not_zero():
    """The カテゴリ別 table printed 「0」 (companies scored) beside 「—」 (not assessed) for GV.RM: a count of 0
    read as a value where nothing was assessed. A hidden row keeps x; a scored row keeps its count."""
    from pipeline.publish.formats import people_frame
    from pipeline.publish.model import TableSpec

    frame = pd.DataFrame({"node_id": ["GV.OC", "GV.RM", "GV.RR"], "segment": ["〜100人"] * 3,
                          "n_scored": [130, 0, np.nan], "mean": [0.405, np.nan, np.nan],
                          "na_share": [0.1, np.nan, np.nan], "suppressed": ["", "", "primary"]})
    table = PublishedTable("categories", "t", frame, ["node_id", "segment", "n_scored", "mean", "na_share"],
                           spec=TableSpec(keys=["node_id"], counts={"mean": "n_scored"}))
    shown = people_frame(table, "ja")
    assert shown.iloc[1].tolist()[2:] == ["—", "—", "—"]
    assert shown.iloc[0].tolist()[2:4] == ["130", "40.5%"]
    assert shown.iloc[2].tolist()[2:4] == ["x", "x"]


# --- the deck: pasteable into a WG briefing as it is ---------------------------------------------------------------

PLUMBING = r"auto-v\d|power-20\d\d|docs/|\.md\b|\bsha\d*\b|[0-9a-f]{12}|侵入者|sector=|k=\d"
"""Catalog ids, paths, method-file names, hashes ("sha" as a word: "share" is English), run parameters, jargon."""

DISTANCE_NOTE = ("あと何件 = 判定可能な要求事項のうち満たしていない数。0件は準備完了(★表の割合と同じ値)。"
                 "各区分の件数区分は合計100%のため、秘匿した区分が他から算出できないよう区分内でも補完秘匿 / "
                 "x: 秘匿(集計対象又は割合の片側が5社未満、又は他の値から算出できるため)。—: 評価対象外。"
                 "…: 比較する前年度の値がない。")


def _deck_runs(deck) -> list[tuple[int, str, float]]:
    """Every run of text on every slide, table cells included: (slide number, text, size in points)."""
    out = []
    for number, slide in enumerate(deck.slides, start=1):
        frames = [sh.text_frame for sh in slide.shapes if sh.has_text_frame]
        frames += [sh.table.cell(r, c).text_frame for sh in slide.shapes if sh.has_table
                   for r in range(len(sh.table.rows)) for c in range(len(sh.table.columns))]
        out += [(number, run.text, run.font.size.pt) for f in frames for p in f.paragraphs for run in p.runs
                if run.text.strip()]
    return out


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_deck_with_the_reports_caveats_rules_and_distance_table_carries_no_plumbing(tmp_path, lang):
    """The automotive deck's caveats named 「auto-v2.0, auto-v2.1, auto-v2.2」 and 「sdw instrument import」, its
    rules slide 「docs/method.md」 and 「自動の侵入者検査」, every source line a content hash, the last slide the run's
    parameters; English source lines were 12–13 pt; the ★ distance table (twelve rows) was split 6 + 6 under a
    caption 「年度: 2024」 repeating its title. Built here from the report's own words (labels, rules bullets, the
    form's versions by year) and read back as PowerPoint reads it."""
    import re

    from pptx import Presentation

    from pipeline.publish.deck import write_deck
    from pipeline.publish.model import Provenance, PublishedTable, SlidePivot, TableSpec
    from pipeline.report.data import ReportData
    from pipeline.report.version_words import by_year

    labels = style.labels(lang)
    respondents = pd.DataFrame({"sector": "auto", "year": [2022, 2023, 2023, 2024],
                                "respondent_key": list("abcd"),
                                "template_version": ["auto-v2.0", "auto-v2.0", "auto-v2.1", "auto-v2.2"]})
    data = ReportData("auto", [2022, 2023, 2024], pd.DataFrame(), respondents, pd.DataFrame(), None)
    caveats = [data.provisional_caveat(labels), by_year(respondents, labels)]
    assert caveats[1] == {"ja": "調査票の版が年度によって異なる(2022年度 Ver.2.0、2023年度 Ver.2.0・Ver.2.1、"
                                "2024年度 Ver.2.2)",
                          "en": "The form's version differs between years (FY2022 Ver.2.0, FY2023 Ver.2.0 and "
                                "Ver.2.1, FY2024 Ver.2.2)"}[lang]
    rules = style.rules_bullets(labels, ["auto"], "90%", 5)
    bands = ["0", "1", "2", "3", "4–5", "6+"]
    segments = ["〜100人", "101〜300人", "301〜1,000人", "1,001〜10,000人", "10,001人〜", "全体"]
    frame = pd.DataFrame({"year": 2024, "node_id": [f"★{s}:{b}" for s in (3, 4) for _ in segments for b in bands],
                          "node_name": [f"★{s} あと{b}件" for s in (3, 4) for _ in segments for b in bands],
                          "segment": [g for _ in (3, 4) for g in segments for _ in bands],
                          "n_scored": [130.0] * 72, "share_distance": [0.123] * 72, "suppressed": [""] * 72})
    title = {"ja": "★3/★4 まであと何件の分布(2024年度)", "en": "Distance to ★3/★4 (FY2024)"}[lang]
    source = {"ja": "出典: 自動車分野 サイバーセキュリティ自己診断(2024年度)、回答事業者 520社",
              "en": "Source: Automotive cybersecurity self-assessment (FY2024), 520 respondents"}[lang]
    table = PublishedTable("star_distance", title, frame, ["year", "node_name", "segment", "n_scored",
                                                           "share_distance"],
                           note=DISTANCE_NOTE, spec=TableSpec(keys=["node_id"], counts={"share_distance": "n_scored"}),
                           source=source, pivot=SlidePivot(["segment"], "node_name", "share_distance", split=" ",
                                                           split_name="★"))
    prov = Provenance("f67d17c18be6", "0.1.0+d545f60", {"sector": "auto", "years": "2022–2024", "k": 5},
                      generated="2026-12-06", scheme="2026-03 (shipped)")
    path = write_deck(tmp_path / "deck.pptx", "t", "s", ["a"], [], prov, lang, caveats=caveats, rules=rules,
                      tables=[table], sources=[source], source=source)
    deck = Presentation(str(path))
    runs = _deck_runs(deck)
    assert [(n, t) for n, t, _ in runs if re.search(PLUMBING, t)] == []
    assert [(n, t, pt) for n, t, pt in runs if pt < 14] == []  # the source lines included
    titles = [s.shapes.title.text_frame.text for s in deck.slides]
    assert [t for t in titles if "★3/★4" in t] == [title]  # one slide, one title, no (1/2)
    (distance,) = [s for s in deck.slides if any(sh.has_table for sh in s.shapes)]
    (grid,) = [sh.table for sh in distance.shapes if sh.has_table]
    assert len(grid.rows) == 13  # the header and twelve rows: ★3 and ★4 by six segments
    texts = [sh.text_frame.text for sh in distance.shapes if sh.has_text_frame]
    assert not [t for t in texts if t.startswith(("年度:", "Fiscal year:"))]  # the title says the year
    assert all(sh.top + sh.height <= deck.slide_height for sh in distance.shapes)  # nothing runs off the slide
    (shape,) = [sh for sh in distance.shapes if sh.has_table]
    (note,) = [sh for sh in distance.shapes if sh.has_text_frame and sh.text_frame.text.startswith("あと何件")]
    assert shape.top + sum(r.height for r in grid.rows) <= note.top  # the rows as laid out end above the note


def test_a_quantile_the_rule_leaves_out_reads_x_not_dash():
    """Six companies 0.1 … 0.6 in one segment, k = 5: the mean (0.35) is published, but no quantile has 5 companies
    beyond it (the median 3), so each is left out — withheld, named in the row's withheld cells, x on the page."""
    from pipeline.publish.formats import WITHHELD_CELLS, people_frame
    from pipeline.publish.model import TableSpec
    from pipeline.report.tables import quantiles

    keys = [f"c{i}" for i in range(6)]
    scores = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": keys,
                           "score": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]})
    respondents = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": keys, "size_band": "A"})
    q = quantiles(scores, respondents, "size_band", 5).set_index("segment")
    assert q.loc["A", "mean"] == pytest.approx(0.35) and q.loc["A", "n"] == 6
    assert set(str(q.loc["A", WITHHELD_CELLS]).split()) == {"p10", "p25", "p50", "p75", "p90"}
    table = PublishedTable("distribution", "t", q.reset_index(), ["segment", "n", "mean", "p10", "p50", "p90"],
                           spec=TableSpec(keys=["segment"], counts={"mean": "n"}))
    row = people_frame(table, "ja").iloc[0].tolist()
    assert row[1:3] == ["6", "35.0%"] and row[3:] == ["x", "x", "x"]
