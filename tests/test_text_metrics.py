"""Text extents measured once per process (``figure_files.share_text_metrics``) and the slide's layout passes: the
reader's picture is the one matplotlib's own per-renderer measuring draws, and its text stays inside the canvas."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.backends.backend_svg import RendererSVG
from PIL import Image

from pipeline.png import save_figure_png
from pipeline.publish import figure_files
from pipeline.report import style


def _page_figure() -> plt.Figure:
    """A page figure as the report draws one: Japanese title, centred tick labels, a legend above, the footer."""
    fig, ax = style.new_figure()
    for j, name in enumerate(["1〜20人", "21〜100人", "101〜300人"]):
        ax.bar(np.arange(3) + j * 0.25, [0.2 + 0.1 * j, 0.5, 0.8 - 0.1 * j], width=0.25, label=name)
    ax.set_xticks(np.arange(3) + 0.25, ["識別 ID", "防御 PR", "検知 DE"])
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncol=3)
    style.finish(fig, "区分別の平均スコア", "出典: 自己診断 2024 年度 (n=37)", "規則: 実施=1, 未実施=0",
                 "注: x は非公表")
    return fig


def _pixels(fig: plt.Figure, dpi: float) -> np.ndarray:
    buf = io.BytesIO()
    save_figure_png(fig, buf, dpi=dpi)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())))


def _drawn_with(shared: bool, monkeypatch) -> list[np.ndarray]:
    style.apply()
    if not shared:  # matplotlib's own measuring: once per renderer
        for cls in (RendererAgg, RendererSVG):
            monkeypatch.setattr(cls, "get_text_width_height_descent", figure_files._MEASURE[cls])
    figure_files._METRICS.clear()
    warm = _page_figure()  # the same texts measured at 100 dpi (layout) and 144 dpi first, as an earlier figure would
    _pixels(warm, 144)
    plt.close(warm)
    fig = _page_figure()
    out = [_pixels(fig, dpi) for dpi in (300, 144, 200)]
    plt.close(fig)
    monkeypatch.undo()
    return out


def test_a_figure_measured_with_shared_extents_has_the_pixels_matplotlib_draws(monkeypatch):
    """The 300-dpi file, the 144-dpi page image and a 200-dpi slide: each 10 × 5.625 in at its resolution and the
    same pixels as with matplotlib's own measuring (an extent reused at another resolution moves every centred
    label)."""
    shared = _drawn_with(True, monkeypatch)
    own = _drawn_with(False, monkeypatch)
    assert [p.shape for p in shared] == [(1687, 3000, 4), (810, 1440, 4), (1125, 2000, 4)]
    for a, b in zip(shared, own, strict=True):
        assert np.array_equal(a, b)


def test_a_text_is_measured_once_per_resolution(monkeypatch):
    """A second figure with the same texts, laid out and saved at the same resolutions, measures nothing with
    FreeType again."""
    style.apply()
    figure_files._METRICS.clear()
    measured: list[tuple[float, str]] = []
    own = figure_files._MEASURE[RendererAgg]

    def counting(self, s, prop, ismath):
        measured.append((self.dpi, s))
        return own(self, s, prop, ismath)

    monkeypatch.setitem(figure_files._MEASURE, RendererAgg, counting)  # FreeType's measuring, behind the shared one
    first = _page_figure()
    _pixels(first, 300)
    plt.close(first)
    assert measured, "the first figure measures its texts"
    assert {dpi for dpi, _ in measured} == {100, 300}
    measured.clear()
    second = _page_figure()
    _pixels(second, 300)
    plt.close(second)
    assert measured == []


def _slide_figure(anchor: float) -> plt.Figure:
    with style.slide_mode():
        fig, ax = style.new_figure()
        ax.plot([0, 1, 2], [0.1, 0.5, 0.9], label="平均")
        ax.plot([0, 1, 2], [0.2, 0.4, 0.6], label="中央値")
        ax.set_xticks([0, 1, 2], ["2022 年度", "2023 年度", "2024 年度"])
        ax.legend(loc="lower left", bbox_to_anchor=(0, anchor), ncol=2)
        style.finish(fig, "推移", "出典", "規則", "注")
    return fig


@pytest.mark.parametrize("anchor", [1.02, 1.6])
def test_a_slide_figures_text_stays_inside_the_picture_after_its_layout_pass(anchor):
    """The slide's axes are stretched down to the picture's bottom and up to its top: every text (tick labels, the
    legend above the plot, anchored far up too) ends inside the 12.3 × 5.0 in picture, and the lowest text sits 4 pt
    over its bottom edge."""
    style.apply()
    fig = _slide_figure(anchor)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert (fig.bbox.width, fig.bbox.height) == (1230, 500)
    # what is drawn: each Axes with its tick labels, axis titles and legend, and the figure's own texts
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes]
    boxes += [t.get_window_extent(renderer) for t in fig.texts if t.get_text().strip()]
    assert all(b.x0 >= 0 and b.x1 <= 1230 and b.y0 >= 0 and b.y1 <= 500 for b in boxes)
    lowest = min(ax.get_tightbbox(renderer).y0 for ax in fig.axes)
    assert lowest == pytest.approx(4 * 100 / 72, abs=0.5)
    plt.close(fig)


def test_a_text_is_measured_again_under_other_font_settings():
    """The same words in the same font properties, drawn where the sans-serif list names another face (the worker
    draws each figure with the settings it was sent with), take that face's width, not the first one's."""
    import matplotlib as mpl

    style.apply()
    widths = []
    for faces in (["DejaVu Sans"], ["IPAexGothic"], ["DejaVu Sans"]):
        with mpl.rc_context({"font.family": "sans-serif", "font.sans-serif": faces}):
            fig = plt.figure(figsize=(4, 1))
            label = fig.text(0.1, 0.5, "Average score 2024", fontsize=11)
            widths.append(label.get_window_extent(fig.canvas.get_renderer()).width)
            plt.close(fig)
    assert widths[0] != widths[1]
    assert widths[2] == widths[0]
