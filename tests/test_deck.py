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
    run = deck.slides[0].shapes[1].text_frame.paragraphs[0].runs[0]
    rpr = run._r.rPr
    ns = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    assert rpr.find("a:ea", ns).get("typeface") == run.font.name == "Meiryo"
