"""What readers tripped on in the reports, deck, tables and member page (issue 23, the fourth review), each checked
on what the reader gets: the text printed, the cell in the machine copy, the bar drawn, the slide written.
Expected strings are typed by hand."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from pipeline import catalogs  # noqa: E402
from pipeline.publish.formats import people_frame  # noqa: E402
from pipeline.publish.model import PublishedTable, TableSpec  # noqa: E402
from pipeline.report import style  # noqa: E402

SHIPPED = Path(catalogs.__file__).resolve().parent


# --- 1. the ★ table's date comes from the table in force ---------------------------------------------------------

def test_the_rules_text_names_the_scheme_table_in_force_not_a_typed_date(tmp_path, monkeypatch):
    ja = style.rules_text(style.labels("ja"), ["auto"], "90%")
    en = style.rules_text(style.labels("en"), ["auto"], "90%")
    assert "評価制度の要求事項・評価基準一覧表の2026年3月版による" in ja  # the shipped table, 2026-03
    assert "table of requirements and criteria, version of March 2026" in en
    # an association drops a revised table into its project's catalogs/: the text follows it
    own = tmp_path / "catalogs"
    own.mkdir()
    text = (SHIPPED / "scs_scheme.yaml").read_text(encoding="utf-8").replace("source_table_date: 2026-03",
                                                                           "source_table_date: 2027-09")
    (own / "scs_scheme.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    ja = style.rules_text(style.labels("ja"), ["auto"], "90%")
    en = style.rules_text(style.labels("en"), ["auto"], "90%")
    assert "一覧表の2027年9月版による" in ja and "2026年3月" not in ja
    assert "version of September 2027" in en and "March 2026" not in en
    assert "評価制度" not in style.rules_text(style.labels("ja"), ["power"], "90%")  # power rests on no ★ table


# --- 4. no English left in Japanese words, no Japanese in English ones --------------------------------------------

ENGLISH_WORDS = ("FY", "shipped", "public", "transcription", "the", "and", "of", "with", "not", "share", "version")


def _texts(tree, path=""):
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _texts(value, f"{path}.{key}")
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from _texts(value, f"{path}[{i}]")
    else:
        yield path, str(tree)


def test_no_japanese_label_carries_english_words_and_no_english_label_japanese():
    labels = catalogs.report_labels()
    deny = re.compile(r"\b(" + "|".join(ENGLISH_WORDS) + r")\b", re.IGNORECASE)
    ja = [(p, t) for p, t in [*_texts(labels["ja"]), *_texts(labels["feedback"]["ja"])]
          if deny.search(re.sub(r"\{[^}]*\}", "", t))]
    assert ja == []
    # a Japanese page's own words about the ★ table: its origin and where it was transcribed from
    from pipeline.report.scheme_names import scheme_label, scheme_origin, scheme_via

    assert scheme_label("ja") == "2026-03(同梱)" and scheme_origin("ja") == "(同梱)"
    assert scheme_via("ja") == "公開されている転記(github slash-level/SupplyChain の SC_Security.csv)"
    assert scheme_label("en") == "2026-03 (included with sdw)"  # 同梱 in plain English, not "(shipped)"
    kana_kanji = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    en = [(p, t) for p, t in [*_texts(labels["en"]), *_texts(labels["feedback"]["en"])] if kana_kanji.search(t)]
    # the official scheme keeps its Japanese name beside the English one only where a label says so: none does
    assert en == []


def test_the_weighting_note_names_a_year_in_the_page_language():
    from pipeline.report.tables import weighting_note

    class Data:
        weighted = True
        weights = pd.DataFrame({"cell_attributes": ["size_band"] * 3, "cell": ["a", "a", "b"],
                                "on_roster": [True, False, False], "year": [2022, 2022, 2023]})

    ja = weighting_note(Data(), style.labels("ja"), {}, 5)
    en = weighting_note(Data(), style.labels("en"), {}, 5)
    # one respondent off the roster in each year: fewer than k, so x (participation is protected)
    assert "会員名簿で照合できなかった回答者(2022年度 x社、2023年度 x社)" in ja and "FY" not in ja
    assert "Respondents the roster does not list (FY2022 x, FY2023 x)" in en


def test_the_weighting_note_prints_nobody_off_the_roster_as_x_too():
    """A 0 printed beside an x would make the x read 1 to 4 (intruder, round eight: 「2022年度 x社、2023年度 0社」 said
    that FY2022 had 1–4 respondents off the roster); every count below k reads x, and no sentence says all were
    found."""
    from pipeline.report.tables import weighting_note

    class Data:
        weighted = True
        weights = pd.DataFrame({"cell_attributes": ["size_band"] * 4, "cell": ["a", "a", "b", "b"],
                                "on_roster": [True, False, True, True], "year": [2022, 2022, 2023, 2023]})

    ja = weighting_note(Data(), style.labels("ja"), {}, 5)
    assert "会員名簿で照合できなかった回答者(2022年度 x社、2023年度 x社)" in ja
    Data.weights = Data.weights.assign(on_roster=True)
    ja = weighting_note(Data(), style.labels("ja"), {}, 5)
    assert "(2022年度 x社、2023年度 x社)" in ja and "全員" not in ja
    assert "(FY2022 x, FY2023 x)" in weighting_note(Data(), style.labels("en"), {}, 5)


# --- 3. a value rounded to whole percent prints as whole percent -------------------------------------------------

def _star_table(rounded_mean: bool) -> PublishedTable:
    frame = pd.DataFrame({"sector": "auto", "year": 2024, "framework": "star", "node_id": ["★3", "★3+"],
                          "segment": "全体", "n": 520, "n_scored": [520, 520], "mean": [0.77, 0.4],
                          "rounded": [rounded_mean, False], "suppressed": ""})
    return PublishedTable("star", "t", frame, ["node_id", "segment", "n_scored", "mean"])


def test_the_headline_prints_a_rounded_star_mean_as_whole_percent():
    from pipeline.report.headline import headline

    ja = "回答者のうち★3 の判定可能な要求事項をすべて満たす事業者は 40.0%、充足率の平均は 77%。"
    en = "40.0% of respondents meet every judgeable ★3 requirement; the mean share met is 77%."
    for lang, expected in (("ja", ja), ("en", en)):
        sentences = headline({"star": _star_table(True)}, style.labels(lang), lang, 2024, "全体", {}, 0, 5,
                             framework_label="NIST CSF 2.0")
        assert [s.text for s in sentences] == [style.labels(lang)["headline"]["respondents_only"], expected]
    exact = headline({"star": _star_table(False)}, style.labels("ja"), "ja", 2024, "全体", {}, 0, 5,
                     framework_label="NIST CSF 2.0")
    assert exact[-1].text.endswith("充足率の平均は 77.0%。")  # an exact mean keeps its decimal


def test_the_star_table_heads_its_value_column_for_what_it_holds_and_prints_rounded_whole():
    shown = people_frame(_star_table(True), "ja")
    assert list(shown.columns) == ["ID", "区分", "集計対象事業者数", "割合"]  # 平均スコア misnamed the ★N+ share
    assert shown["割合"].tolist() == ["77%", "40.0%"]
    assert shown["集計対象事業者数"].tolist() == ["520", "520"]  # kept beside a rounded ★N mean (rounded_note_star)
    assert list(people_frame(_star_table(True), "en").columns) == ["ID", "Segment", "Companies scored", "Share"]
    within = PublishedTable("star_within", "t", pd.DataFrame({"node_id": ["★3≤1"], "share_reached": [0.5],
                                                               "suppressed": [""]}), ["node_id", "share_reached"])
    assert list(people_frame(within, "ja").columns) == ["ID", "あとN件以内で準備完了となる割合"]
    assert list(people_frame(within, "en").columns) == ["ID", "Share ready after fixing at most N"]


# --- 2. the note under the ★ table says what its rounded rows print --------------------------------------------

def test_a_star_mean_rounded_for_a_withheld_bottleneck_keeps_its_base_and_the_note_says_so():
    from pipeline.report.star_disclosure import round_star_means

    star = pd.DataFrame({"year": 2024, "segment": "全体", "node_id": ["★3", "★3+"], "n": [520, 520],
                         "n_scored": [520.0, 520.0], "reached": [208.0, 208.0], "mean": [0.7712, 0.4],
                         "sd": [0.3012, np.nan], "mean_ci_low": [0.7431, 0.358], "mean_ci_high": [0.7993, 0.442],
                         "suppressed": ""})
    bottle = pd.DataFrame({"year": [2024], "segment": ["全体"], "star": [3], "suppressed": ["split"]})
    out = round_star_means(star, bottle, {3: 21}, 5)
    # 0.7712 → 77%, sd 0.30; the interval from what is printed: 1.96 × 0.305 / √520 = 0.0262 from the band's ends,
    # 0.765 − 0.0262 = 0.7388 → 73%, 0.775 + 0.0262 = 0.8012 → 81%
    assert out.loc[0, ["mean", "mean_ci_low", "mean_ci_high"]].tolist() == [0.77, 0.73, 0.81]
    assert bool(out.loc[0, "rounded"]) and out.loc[0, "n_scored"] == 520  # the ★3+ row's base, printed there too
    # the base rule's note says its rows print their base as x; the ★ note says these keep it
    ja, en = catalogs.report_labels()["ja"], catalogs.report_labels()["en"]
    assert ja["rounded_note_star"] == ("★3・★4 の充足率の平均は、同じ年度のボトルネック表に秘匿した要求事項がある"
                                       "年度は整数%に丸めています(秘匿した要求事項を平均から逆算できないように。"
                                       "集計対象の事業者数はそのまま示します)。")
    assert en["rounded_note_star"].endswith("(so that the withheld requirements cannot be worked back from "
                                            "the mean; their base is shown as is).")


# --- 7. a hidden row claims no rounding ---------------------------------------------------------------------------

def test_a_hidden_row_is_not_rounded_in_the_machine_copy_and_brings_no_rounding_note(tmp_path):
    from pipeline.publish.model import Provenance
    from pipeline.publish.publisher import Publisher, published_frame

    spec = TableSpec(keys=["sector", "year", "framework", "node_id"], total="全体",
                     counts={"share_unmet": "n_scored"})
    frame = pd.DataFrame({"sector": "auto", "year": 2024, "framework": "star_unmet", "node_id": ["3:1-1-1", "3:1-2-1"],
                          "segment": "全体", "n": 520, "n_scored": [np.nan, 500.0], "share_unmet": [0.31, 0.2],
                          "rounded": [True, False], "suppressed": ["complementary", ""]})
    assert published_frame(frame, spec.keys)["rounded"].tolist() == [False, False]
    pub = Publisher(tmp_path / "f", tmp_path / "r", "ja", 5, Provenance("x", "0"), show=False)
    pub.table("star_bottlenecks", frame, spec, "t", ["node_id", "n_scored", "share_unmet"], note="注")
    assert pub.tables[0].note == "注"  # no sentence about rounded rows: none is shown
    assert pub.tables[0].frame["rounded"].tolist() == [False, False]


# --- 5. one wording of the distance bands -------------------------------------------------------------------------

def test_the_distance_bands_read_alike_in_the_report_and_on_the_member_page():
    from pipeline.report.star_tables import with_names

    assert style.labels("ja")["distance_bands"] == {"0": "0件", "1": "1件", "2": "2件", "3": "3件",
                                                    "4–5": "4〜5件", "6+": "6件以上"}
    assert style.labels("en")["distance_bands"]["6+"] == "6 or more"
    readiness = style.labels("ja")["readiness"]
    t = pd.DataFrame({"node_id": ["★3:4–5", "★4:6+", "★3≤2"]})
    named = with_names(t, readiness["band_name"], readiness["within_series"], style.labels("ja")["distance_bands"])
    assert named["node_name"].tolist() == ["★3 あと4〜5件", "★4 あと6件以上", "★3 あと2件以内"]
    en = style.labels("en")
    named = with_names(t, en["readiness"]["band_name"], en["readiness"]["within_series"], en["distance_bands"])
    assert named["node_name"].tolist() == ["★3 4–5 short", "★4 6 or more short", "★3 at most 2"]
    # the member page builds its band rows from the same words
    from pipeline.report.star_page import _bands

    class Peers:
        counts, n = [10, 5, 5, 5, 5, 20], 50

    class Feedback:
        distance = {3: 7.0}
        peers = Peers()

    rows = _bands(Feedback(), catalogs.report_labels()["feedback"]["ja"]["star"], "非表示", "ja")
    assert [r[0] for r in rows] == ["0件(★3 の判定できる要求事項をすべて満たす)", "1件", "2件", "3件", "4〜5件",
                                    "6件以上"]
    assert rows[-1][3] == "◀ 貴社"  # 7 requirements short: the member's own band


# --- 6. a value published as a band is drawn as the band ----------------------------------------------------------

def test_a_band_is_drawn_as_a_band_with_its_words_not_as_x():
    from pipeline.report import figures as F

    table = pd.DataFrame({"segment": ["〜100人", "〜100人", "全体", "全体"], "series": ["★4", "★4+"] * 2,
                          "mean": [np.nan, np.nan, 0.67, 0.18], "suppressed": ["hidden", "hidden", "", ""],
                          "mean_band": ["", "low", "", ""]})
    fig, ax = plt.subplots()
    F.grouped_bars(table, "segment", "series", "mean", ax=ax, suppressed_label="秘匿", band_text={"low": "10%未満"},
                   band_label="範囲で公表した値")
    bands = [p for p in ax.patches if p.get_gid() == "band"]
    assert len(bands) == 1
    assert (bands[0].get_y(), bands[0].get_height()) == (0.0, pytest.approx(0.1))  # 0 to the band's edge, 10%
    assert [t.get_text() for t in ax.texts if t.get_gid() == "band"] == ["10%未満"]
    assert [t.get_text() for t in ax.texts if t.get_gid() == "hidden"] == ["x"]  # only ★4 〜100人 reads x
    assert "範囲で公表した値" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)


def test_a_star_ready_share_is_never_a_band_so_table_figure_and_distance_table_read_x_alike():
    """The ★4+ share of FY2024 〜100人 read 「10%未満」 in the ★ table but x in its figure and in the distance
    table's band 0 (the same cell): the distance table's published bands narrow it inside the band, so it is x."""
    from pipeline.report.tables import without_ready_bands

    star = pd.DataFrame({"node_id": ["★3", "★4+", "★3+"], "mean_band": ["high", "low", ""],
                         "suppressed": ["split", "split", ""]})
    assert without_ready_bands(star)["mean_band"].tolist() == ["high", "", ""]  # a ★N mean may stay a band
    assert without_ready_bands(star.drop(columns="mean_band")).columns.tolist() == ["node_id", "suppressed"]


# --- 11. the deck: the English ★ top ten on one slide, source lines on one line -----------------------------------

TOP_TEN = {  # the demo's FY2024 top ten of each star: requirement, cited items, share not meeting it
    3: [("3-1-4", "No.54 No.55 No.56", 0.413), ("5-1-1", "No.142 No.145", 0.412),
        ("4-1-1", "No.113 No.117 No.118", 0.388), ("4-1-5", "No.115 No.116", 0.294),
        ("4-1-6", "No.115 No.116", 0.294), ("4-4-4", "No.123 No.124", 0.290),
        ("6-1-1", "No.16 No.18 No.19 No.20 No.24", 0.237), ("4-2-2", "No.36 No.38 No.40", 0.233),
        ("4-5-1", "No.104", 0.23), ("7-1-1", "No.150", 0.22)],
    4: [("4-4-3", "No.53 No.120 No.122 No.143", 0.6), ("2-1-5", "No.43", 0.55),
        ("3-1-4", "No.7 No.54 No.55 No.56 No.57 No.65", 0.5), ("4-3-1", "No.129", 0.45),
        ("4-2-1", "No.30 No.33 No.35 No.36 No.40", 0.4), ("1-1-1", "No.9 No.10 No.11", 0.35),
        ("4-1-9", "No.91 No.92", 0.3), ("3-1-5", "No.82 No.83", 0.25), ("2-1-3", "No.42", 0.2),
        ("4-4-5", "No.108 No.136 No.137 No.139", 0.15)]}


def _top_ten(lang: str, star: int = 3) -> PublishedTable:
    from pipeline.report import star_tables as S
    from pipeline.report.page import PAGE_TABLES

    names = TOP_TEN[star]
    texts = S.requirement_texts(lang).query(f"star == {star}").set_index("requirement_id")["requirement_name"]
    frame = pd.DataFrame({"requirement_id": [r for r, _, _ in names],
                          "requirement_name": [texts[r] for r, _, _ in names],
                          "cited_items": [c for _, c, _ in names], "share_unmet": [s for _, _, s in names],
                          "ci_low": [s - 0.04 for _, _, s in names], "ci_high": [s + 0.04 for _, _, s in names],
                          "rounded": [False] * 8 + [True, True], "suppressed": ""})
    words = catalogs.report_labels()[lang]
    note = f"{words['readiness']['unmet_note']} {words['rounded_note_base'].format(k=5, k_less=4)}"
    title = f"★{star} ボトルネック上位10(2024年度、全体)" if lang == "ja" else \
        f"★{star} top-10 bottlenecks (FY2024, all companies)"
    return PublishedTable("star3_top", title, frame, list(PAGE_TABLES["star_top"].view_columns), note=note, k=5,
                          spec=S.SPECS["star_bottlenecks"], source="Source: test")


@pytest.mark.parametrize(("lang", "star"), [("ja", 3), ("en", 3), ("ja", 4), ("en", 4)])
def test_the_star_top_ten_fits_one_slide_in_both_languages(tmp_path, lang, star):
    from pptx import Presentation

    from pipeline.publish.deck import write_deck
    from pipeline.publish.model import Provenance

    path = write_deck(tmp_path / "d.pptx", "t", "s", ["a"], [], Provenance("snap01", "0"), lang,
                      tables=[_top_ten(lang, star)])
    deck = Presentation(str(path))
    tables = [s for s in deck.slides if any(sh.has_table for sh in s.shapes)]
    assert len(tables) == 1  # ten rows on one slide, not 5 + 5 marked (1/2)
    (grid,) = [sh.table for sh in tables[0].shapes if sh.has_table]
    assert len(grid.rows) == 11
    assert grid.cell(0, 0).text_frame.text == ("番号" if lang == "ja" else "No.")


def test_the_source_lines_fit_one_line_at_14_points_in_both_languages():
    """Every slide text is 14 pt, the source line included (English source lines were shrunk to 12–13 pt to hold a
    snapshot hash, which no longer goes on a slide): the English one over three years fits one line at 14 pt."""
    from pipeline.publish.deck import MARGIN, MIN_PT, WIDTH, fits_one_line

    assert MIN_PT == 14
    for lang, sector, years in (("en", "Automotive", "2022–2024"), ("ja", "自動車", "2022–2024")):
        words = style.labels(lang)
        for n in (words["n_all"].format(n="1,672"), words["n_year"].format(n="520"),
                  words["n_pairs"].format(n="324")):
            line = words["source"].format(sector=sector, years=years, n=n)
            assert fits_one_line(line, 14, WIDTH - 2 * MARGIN), line
    assert style.labels("en")["source"].format(sector="Automotive", years="2022–2024",
                                                n="1,672 responses over all years") == \
        "Source: Automotive cybersecurity self-assessment (FY2022–2024), 1,672 responses over all years"


# --- 12. no ERROR line from the kernel's shutdown ------------------------------------------------------------------

def test_a_kernel_being_shut_down_is_not_interrupted_first_and_any_other_interrupt_is_sent(monkeypatch):
    """jupyter_client interrupts a kernel before every shutdown request; the SIGINT landing inside the handler of
    papermill's last request made ipykernel log 「[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.」."""
    import asyncio

    from jupyter_client import AsyncKernelManager

    from pipeline.report.run import quiet_shutdown_manager

    sent = []

    async def interrupt(self):
        sent.append(self.shutting_down)

    monkeypatch.setattr(AsyncKernelManager, "_async_interrupt_kernel", interrupt)
    km = quiet_shutdown_manager()(kernel_name="python3")
    asyncio.run(km._async_interrupt_kernel())  # a user's interrupt (a cell timeout): sent
    km.shutting_down = True
    asyncio.run(km._async_interrupt_kernel())  # the one shutdown_kernel sends before its request: not sent
    assert sent == [False]


def test_the_reports_run_their_kernels_with_that_manager(tmp_path, monkeypatch):
    import papermill

    from pipeline.report import run

    seen = {}

    def execute(src, out, **kwargs):
        seen.update(kwargs)
        raise papermill.PapermillExecutionError(1, 1, "stop", "Stop", "here", [])

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    with pytest.raises(run.ReportError):
        run.execute("sector_trend_report", {}, tmp_path)
    assert seen["kernel_manager_class"].__name__ == "QuietShutdownKernelManager"


def test_the_machine_stamp_names_the_scheme_table():
    from pipeline.publish.model import Provenance

    prov = Provenance("abc", "0.1", parameters={"k": 5}, scheme="2026-03 (shipped)")
    assert prov.stamp() == f"data abc · sdw 0.1 · method {prov.method} · ★ table 2026-03 (shipped) · k=5"
    assert Provenance("abc", "0.1").stamp() == f"data abc · sdw 0.1 · method {prov.method}"  # no ★ shown, none named
