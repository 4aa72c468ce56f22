"""Figures drawn for a briefing slide: the note off the picture (the slide's footnote, in full in its notes), the
axes down to the picture's foot, short segment names with their key, error bars named in the legend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from pptx import Presentation  # noqa: E402
from pptx.enum.shapes import MSO_SHAPE_TYPE  # noqa: E402
from pptx.util import Emu  # noqa: E402

from pipeline.publish import slides  # noqa: E402
from pipeline.publish.deck import write_deck  # noqa: E402
from pipeline.publish.model import Provenance, PublishedFigure  # noqa: E402
from pipeline.report import figures as F  # noqa: E402
from pipeline.report import style  # noqa: E402

PROV = Provenance("snap01", "0.1.0+gabc", {"sector": "power"})
SOURCE = "Source: Power cybersecurity self-assessment (FY2026), 317 respondents"
LONG = "Small segments merged before withholding: " + "; ".join(
    f"group {i} = member {i}a+member {i}b+member {i}c" for i in range(12))
"""A caveat of about 500 characters: four lines or more at 14 pt across a slide."""


def _slide_png(path):
    """A picture drawn at the slide's picture size, 200 dpi (as the publisher draws it)."""
    fig = plt.figure(figsize=slides.SLIDE_FIGURE)
    fig.add_subplot().plot([0, 1], [0, 1])
    fig.savefig(path, dpi=200)
    plt.close(fig)
    return path


def _deck(tmp_path, note, shared=""):
    figure = PublishedFigure("f", "Response rate by segment", tmp_path / "f.png", source=SOURCE, notes=["All 62.4%"],
                             slide_png=_slide_png(tmp_path / "f_slide.png"), slide_note=note, slide_shared=shared)
    path = write_deck(tmp_path / "deck.pptx", "Power", "FY2026", ["317 answered"], [figure], PROV, "en")
    return Presentation(str(path)).slides[2]


def _boxes(slide):
    return {s.text_frame.text: s for s in slide.shapes if s.has_text_frame and s.text_frame.text}


def test_a_long_note_leaves_its_first_part_under_the_picture_and_all_of_it_in_the_notes(tmp_path):
    slide = _deck(tmp_path, f"x: withheld / {LONG}")
    boxes = _boxes(slide)
    # the figure's own word fits; the 500-character caveat after it does not fit the two lines left
    assert set(boxes) == {"Response rate by segment", "x: withheld", SOURCE}
    (pic,) = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    note, source = boxes["x: withheld"], boxes[SOURCE]
    assert pic.top + pic.height <= note.top  # the footnote under the picture, never over it
    assert note.top + note.height <= source.top + Emu(1)
    assert Emu(pic.height).inches == pytest.approx(slides.SLIDE_FIGURE[1], abs=0.01)  # unscaled
    assert {r.font.size.pt for p in note.text_frame.paragraphs for r in p.runs} == {14}
    assert slide.notes_slide.notes_text_frame.text == f"x: withheld / {LONG}\nAll 62.4%"


def test_a_note_that_fits_is_the_footnote_and_is_not_repeated_in_the_notes(tmp_path):
    slide = _deck(tmp_path, "Aggregator = Specified wholesale supply (aggregator)")
    assert "Aggregator = Specified wholesale supply (aggregator)" in _boxes(slide)
    assert slide.notes_slide.notes_text_frame.text == "All 62.4%"


def test_the_caveats_every_slide_shares_are_in_the_notes_not_under_the_picture(tmp_path):
    shared = "Companies with several licences count in each business type"
    slide = _deck(tmp_path, "", shared)
    assert set(_boxes(slide)) == {"Response rate by segment", SOURCE}
    assert slide.notes_slide.notes_text_frame.text == f"{shared}\nAll 62.4%"


def test_a_note_too_long_from_its_first_word_is_in_the_notes_only(tmp_path):
    slide = _deck(tmp_path, LONG)
    assert set(_boxes(slide)) == {"Response rate by segment", SOURCE}
    assert slide.notes_slide.notes_text_frame.text == f"{LONG}\nAll 62.4%"


HEAT = pd.DataFrame({"node_id": ["GV.OC"] * 3 + ["GV.RM"] * 3,
                     "segment": ["Generation", "Specified wholesale supply (aggregator)", "All"] * 2,
                     "mean": [0.7, 0.8, 0.75, 0.6, 0.65, 0.62], "suppressed": [""] * 6})
SHORT = {"Specified wholesale supply (aggregator)": "Aggregator"}


def test_a_slide_heatmap_names_segments_short_and_gives_the_key():
    with slides.slide_mode(), style.short_labels(SHORT):
        fig, ax = style.new_figure()
        F.heatmap(HEAT, "node_id", "segment", "mean", ax=ax, total="All")
        key = style.short_key()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Generation", "Aggregator", "All"]
    assert key == "Aggregator = Specified wholesale supply (aggregator)"
    with style.short_labels(SHORT):  # the page keeps the names whole
        fig, ax = style.new_figure()
        F.heatmap(HEAT, "node_id", "segment", "mean", ax=ax, total="All")
        assert style.short_key() == ""
    assert "Aggregator" not in [t.get_text() for t in ax.get_xticklabels()]


def test_a_slide_figure_keeps_its_note_off_the_picture_and_its_axes_reach_the_foot():
    with slides.slide_mode():
        fig, ax = style.new_figure()
        ax.bar(["Generation", "Retail"], [0.6, 0.7])
        style.finish(fig, "Title", "Source", "Rule", "Four lines of caveats")
        texts = [t.get_text() for t in fig.texts]
        renderer = fig.canvas.get_renderer()
        foot_pt = ax.get_tightbbox(renderer).y0 * 72 / fig.dpi
    assert "Four lines of caveats" not in " ".join(texts)
    assert slides.kept_note(fig) == ("Four lines of caveats", "")
    assert foot_pt == pytest.approx(4.0, abs=0.5)  # the tick labels 4 pt above the picture's foot


def _bars(lo=True):
    table = pd.DataFrame({"segment": ["A", "B"], "fy": ["FY2026"] * 2, "share": [0.6, 0.7], "lo": [0.5, 0.6],
                          "hi": [0.7, 0.8], "suppressed": [""] * 2})
    return table if lo else table.drop(columns=["lo", "hi"])


def test_error_bars_are_named_in_the_legend_in_the_reports_words():
    with F.interval_legend("95% interval"):
        ax = F.grouped_bars(_bars(), "segment", "fy", "share", "lo", "hi", ax=plt.figure().gca())
        items = F.item_bars(_bars(), "segment", "share", "lo", "hi", ax=plt.figure().gca())
        plain = F.item_bars(_bars(lo=False), "segment", "share", ax=plt.figure().gca())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["FY2026", "95% interval"]
    assert [t.get_text() for t in items.get_legend().get_texts()] == ["95% interval"]
    assert plain.get_legend() is None  # no whisker, no word for one


def test_figure_facts_read_axis_titles_legend_and_intervals():
    with F.interval_legend("95% interval"):
        ax = F.grouped_bars(_bars(), "segment", "fy", "share", "lo", "hi", ax=plt.figure().gca())
    ax.set_ylabel("Response rate")
    facts = slides.figure_facts(ax.figure)
    assert [(a["kind"], a["x"], a["y"]) for a in facts["axes"]] == [("plot", "", "Response rate")]
    assert facts["intervals"] is True and facts["legend"] == ["FY2026", "95% interval"]
    assert {"A", "B", "Response rate"} <= set(facts["texts"])


def test_a_column_withheld_in_every_row_is_said_once_above_the_table(tmp_path):
    """The English power distribution slide gave a sixth of its width to "Mean (members, est.)" reading x in all six
    rows: on a slide the column goes and a line above the table says it is withheld in every row."""
    from pipeline.publish.formats import WITHHELD_CELLS
    from pipeline.publish.model import PublishedTable, TableSpec

    frame = pd.DataFrame({"sector": ["power"] * 3, "year": [2026] * 3, "node_id": ["overall"] * 3,
                          "segment": ["Generation", "Retail", "All"], "n": [156, 200, 317],
                          "mean": [0.779, 0.749, 0.771], "w_mean": [0.775, 0.745, 0.768],
                          "suppressed": [""] * 3, WITHHELD_CELLS: ["w_mean"] * 3})
    spec = TableSpec(keys=["sector", "year", "node_id"], counts={"mean": "n"}, total="All")
    table = PublishedTable("distribution", "Score distribution by segment, FY2026", frame,
                           ["segment", "n", "mean", "w_mean"], spec=spec, source=SOURCE)
    deck = Presentation(str(write_deck(tmp_path / "d.pptx", "t", "s", ["a"], [], PROV, "en", tables=[table])))
    (slide,) = [s for s in deck.slides if any(sh.has_table for sh in s.shapes)]
    (shape,) = [s for s in slide.shapes if s.has_table]
    head = [shape.table.cell(0, c).text_frame.text.replace("\v", " ") for c in range(len(shape.table.columns))]
    assert head == ["Segment", "Respondents", "Mean score"]
    assert "Mean (members, est.): withheld in every row (x)" in _boxes(slide)
    caption = _boxes(slide)["Mean (members, est.): withheld in every row (x)"]
    assert caption.top + caption.height <= shape.top + Emu(1)


def test_a_slide_figure_without_a_legend_above_reaches_up_to_its_caveat():
    with slides.slide_mode():
        fig, ax = style.new_figure()
        ax.bar(["Generation", "Retail"], [0.6, 0.7])
        style.caveat(ax, "Automotive items are mapped to CSF 2.0 by this project")
        style.finish(fig, "Title", "Source", "Rule")
        renderer = fig.canvas.get_renderer()
        (caveat,) = [t for t in fig.texts if t.get_gid() == "caveat"]
        gap_pt = (caveat.get_window_extent(renderer).y0 - ax.get_tightbbox(renderer).y1) * 72 / fig.dpi
    assert gap_pt == pytest.approx(4.0, abs=0.5)  # the plot 4 pt under the caveat, not under an empty legend band


@pytest.mark.parametrize("title", ["Power sector cybersecurity self-assessment: trend report",
                                   "Automotive sector cybersecurity self-assessment: trend report"])
def test_the_english_title_slide_says_its_title_on_one_line(tmp_path, title):
    """At 0.9 in margins the English titles were too wide for one line even at 24 pt: by the rule of an ASCII
    character 0.62 em, 61 characters are 37.8 em, 12.6 in at 24 pt against 11.3 in of room."""
    deck = Presentation(str(write_deck(tmp_path / "d.pptx", title, "FY2024–2026", ["a"], [], PROV, "en")))
    holder = deck.slides[0].shapes.title
    (size,) = {r.font.size.pt for p in holder.text_frame.paragraphs for r in p.runs}
    assert len(title) * 0.62 * size / 72 <= Emu(holder.width).inches - 0.2


def test_a_band_reads_its_short_form_on_every_slide_whatever_the_cells_width():
    """The power heatmap split over two slides read 「≧90%」 on the half whose long row labels narrowed the cells and
    「90%以上」 on the other: on a slide a band cell always reads the short form (three wide cells here), on the page
    its words."""
    words = style.labels("ja")
    table = HEAT.assign(mean_band="")
    table.loc[0, ["mean", "suppressed", "mean_band"]] = [np.nan, "split", "high"]

    def band_cell() -> str:
        fig, ax = style.new_figure()
        F.heatmap(table, "node_id", "segment", "mean", ax=ax, total="All", band_text=words["band_cells"],
                  band_short=words["band_cells_short"])
        fig.canvas.draw()
        (text,) = [t.get_text() for t in ax.texts if t.get_gid() == "band"]
        return text

    with slides.slide_mode():
        assert band_cell() == "≧90%"
    assert band_cell() == "90%以上"
