"""Figure functions draw what their table says; assertions on artists, not pixels.

Hidden (disclosure-protected) cells must be visibly hidden — the mark x at the baseline, explained in the
legend by the caller's label — never a bar, a stub or a point that reads as a small value; legends must
sit outside the data area.
"""

from __future__ import annotations

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from pipeline.report import figures as F
from pipeline.report import style

LEGEND = "秘匿(該当企業が少ない、又は他の値から算出できるため)"


def _hidden_patches(ax):
    return [p for p in ax.patches if p.get_gid() == "hidden"]


def _marks(ax):
    """The hidden marks drawn in ``ax``: texts with gid 'hidden'."""
    return [t for t in ax.texts if t.get_gid() == "hidden"]


def _legend_texts(ax):
    """Legend labels as read (a long label is broken over lines to fit beside the plot)."""
    legend = ax.get_legend()
    return [t.get_text().replace("\n", "") for t in legend.get_texts()] if legend else []


def _legend_clear_of_axes(ax) -> bool:
    """True when the legend's box and the Axes' box do not overlap on screen."""
    ax.figure.canvas.draw()
    leg = ax.get_legend().get_window_extent()
    box = ax.get_window_extent()
    return not leg.overlaps(box)


@pytest.fixture
def bars_table() -> pd.DataFrame:
    return pd.DataFrame({"segment": ["A", "B", "A", "B"], "year": [2023, 2023, 2024, 2024],
                         "share": [0.5, np.nan, 0.7, 0.2], "lo": [0.4, np.nan, 0.6, 0.1],
                         "hi": [0.6, np.nan, 0.8, 0.3], "suppressed": ["", "primary", "", ""]})


class TestGroupedBars:
    def test_visible_heights_and_no_zero_bar_for_hidden(self, bars_table):
        ax = F.grouped_bars(bars_table, "segment", "year", "share", "lo", "hi", ax=plt.figure().gca(),
                            suppressed_label=LEGEND)
        bars = {c.get_label(): [round(b.get_height(), 3) for b in c] for c in ax.containers
                if c.get_label() in ("2023", "2024")}
        assert bars == {"2023": [0.5], "2024": [0.7, 0.2]}  # (B, 2023) is hidden: no bar at all

    def test_hidden_cell_is_an_x_at_the_baseline_explained_in_the_legend(self, bars_table):
        ax = F.grouped_bars(bars_table, "segment", "year", "share", "lo", "hi", ax=plt.figure().gca(),
                            suppressed_label=LEGEND)
        (mark,) = _marks(ax)
        # B is group 1; 2023 is the first of two series (width 0.4): centre 1 - 0.4 + 0.2 = 0.8, at y = 0
        assert mark.get_text() == "x" and mark.xy == pytest.approx((0.8, 0.0))
        assert _hidden_patches(ax) == []  # no stub: nothing with a height
        assert _legend_texts(ax) == ["2023", "2024", LEGEND, "95%信頼区間"]  # the whiskers named too
        zero_bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_gid() != "hidden"
                     and p.get_height() == 0]
        assert zero_bars == []

    def test_not_assessed_cell_draws_nothing(self):
        t = pd.DataFrame({"segment": ["A", "B"], "year": [2024, 2024], "share": [0.5, np.nan], "suppressed": ["", ""]})
        ax = F.grouped_bars(t, "segment", "year", "share", ax=plt.figure().gca())
        assert [len(c) for c in ax.containers] == [1] and _hidden_patches(ax) == [] and len(ax.texts) == 0

    def test_legend_sits_outside_the_data_area(self, bars_table):
        _, ax = style.new_figure()
        F.grouped_bars(bars_table, "segment", "year", "share", ax=ax)
        assert _legend_clear_of_axes(ax)


def test_quantile_boxes_mark_hidden_and_keep_legend_outside():
    t = pd.DataFrame({"segment": ["A", "A", "B"], "year": [2023, 2024, 2024],
                      "p10": [0.1, 0.2, np.nan], "p25": [0.2, 0.3, np.nan], "p50": [0.4, 0.5, np.nan],
                      "p75": [0.6, 0.7, np.nan], "p90": [0.8, 0.9, np.nan], "suppressed": ["", "", "primary"]})
    _, ax = style.new_figure()
    F.quantile_boxes(t, "segment", "year", ax=ax, suppressed_label=LEGEND)
    boxes = [p for p in ax.patches if p.get_gid() != "hidden"]
    assert [(round(b.get_y(), 3), round(b.get_height(), 3)) for b in boxes] == [(0.2, 0.4), (0.3, 0.4)]
    assert [m.get_text() for m in _marks(ax)] == ["x"] and _marks(ax)[0].xy[1] == 0
    assert _legend_texts(ax)[-1] == LEGEND
    assert _legend_clear_of_axes(ax)


def test_quantile_boxes_draw_the_median_and_mean_of_a_cell_whose_quartiles_are_withheld():
    """特定卸 FY2024: 17 companies, mean 66% and median 66% printed in the table, quartiles withheld: the figure draws
    what the table prints (the median line and the mean's diamond) with no box and no x, and the legend says why the
    box is missing; FY2025 keeps its box, median and mean."""
    t = pd.DataFrame({"segment": ["特定卸", "特定卸"], "year": ["2024年度", "2025年度"],
                      "mean": [0.658, 0.74], "p10": [np.nan, np.nan], "p25": [np.nan, 0.625], "p50": [0.662, 0.80],
                      "p75": [np.nan, 0.90], "p90": [np.nan, np.nan], "suppressed": ["", ""]})
    _, ax = style.new_figure()
    F.quantile_boxes(t, "segment", "year", ax=ax, suppressed_label=LEGEND,
                     box_label="箱なし: 25・75パーセンタイルを秘匿")
    boxes = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_gid() != "hidden"]
    assert [(round(b.get_y(), 3), round(b.get_height(), 3)) for b in boxes] == [(0.625, 0.275)]  # FY2025 only
    assert _marks(ax) == []  # nothing is hidden: no x
    # two series 0.4 wide: FY2024 centred at -0.2, FY2025 at 0.2; a median line each
    assert [list(line.get_ydata()) for line in ax.get_lines()] == [[0.662, 0.662], [0.80, 0.80]]
    (means,) = [c for c in ax.collections if c.get_gid() == "mean"]
    assert means.get_offsets().tolist() == [[pytest.approx(-0.2), 0.658], [pytest.approx(0.2), 0.74]]
    assert _legend_texts(ax)[-3:] == ["平均", "ひげなし: 10・90パーセンタイルを秘匿",
                                      "箱なし: 25・75パーセンタイルを秘匿"]
    assert _legend_clear_of_axes(ax)


def test_quantile_boxes_leave_a_withheld_whisker_out_with_a_legend_entry_and_no_mark_beside_the_box(tmp_path):
    """A segment whose 10th percentile is withheld (90th published): no lower whisker and no x below the box (the
    reader took the x beside a box for an outlier), the upper whisker drawn 70%→90%, and the legend's entry for a
    box without whiskers; no hidden-mark entry, since no x is drawn."""
    t = pd.DataFrame({"segment": ["A"], "year": [2024], "p10": [np.nan], "p25": [0.3], "p50": [0.5],
                      "p75": [0.7], "p90": [0.9], "suppressed": [""]})
    fig, ax = style.new_figure()
    F.quantile_boxes(t, "segment", "year", ax=ax, suppressed_label=LEGEND, whisker_label="No whiskers: withheld")
    assert _marks(ax) == []
    whiskers = [list(line.get_ydata()) for line in ax.get_lines() if list(line.get_xdata()) == [0.0, 0.0]]
    assert whiskers == [[0.9, 0.7]]  # from the 90th down to the box (75th); none below
    assert _legend_texts(ax) == ["2024", "No whiskers: withheld"] and _legend_clear_of_axes(ax)
    fig.savefig(tmp_path / "boxes.png")
    assert (tmp_path / "boxes.png").stat().st_size > 0


def _grid_group_boxes():
    """Power FY2024–2026 as the distribution table prints it: 一般送配電・送電・配電 withheld every year with its mean
    published as the band 「90%以上」 (mean_band 'high'); 特定卸 withheld in FY2024 with no band; 発電 a box."""
    years = ["2024年度", "2025年度", "2026年度"]
    return pd.DataFrame({"segment": ["一般送配電・送電・配電"] * 3 + ["特定卸", "発電"],
                         "year": years + years[:1] + years[1:2],
                         "p10": [np.nan] * 4 + [0.43], "p25": [np.nan] * 4 + [0.59], "p50": [np.nan] * 4 + [0.75],
                         "p75": [np.nan] * 4 + [0.88], "p90": [np.nan] * 4 + [0.93],
                         "suppressed": ["hidden"] * 4 + [""], "mean_band": ["high"] * 3 + ["", ""]})


def test_quantile_boxes_draw_a_withheld_box_published_as_a_band_as_the_band_not_as_x_at_zero(tmp_path):
    """The grid group's mean is 「90%以上」 in the table beside the box plot, but the figure drew its hidden mark x at
    the 0% baseline, which read as a low score. Each of its three years is now a band from 90% to 100% with the words
    「90%以上」 and a legend entry; 特定卸 FY2024 (withheld, no band) keeps its x at the baseline."""
    fig, ax = style.new_figure()
    F.quantile_boxes(_grid_group_boxes(), "segment", "year", ax=ax, suppressed_label=LEGEND,
                     band_label="範囲で公表した値", band_text={"high": "90%以上", "low": "10%未満"})
    bands = [p for p in ax.patches if p.get_gid() == "band"]
    # three series, each 0.8 / 3 wide, centred at -0.4 + 0.267 × (j + 0.5): -0.267, 0, 0.267 in group 0
    assert [round(b.get_x() + b.get_width() / 2, 3) for b in bands] == [-0.267, 0.0, 0.267]
    assert [(round(b.get_y(), 3), round(b.get_height(), 3)) for b in bands] == [(0.9, 0.1)] * 3
    assert [t.get_text() for t in ax.texts if t.get_gid() == "band"] == ["90%以上"] * 3
    (mark,) = _marks(ax)  # 特定卸 FY2024 only: group 1, first series, at the baseline
    assert mark.get_text() == "x" and mark.xy == (pytest.approx(1 - 0.267, abs=1e-3), 0)
    assert _legend_texts(ax)[-2:] == ["範囲で公表した値", LEGEND] and _legend_clear_of_axes(ax)
    fig.savefig(tmp_path / "boxes_band.png")
    plt.close(fig)


def test_quantile_boxes_band_in_english_and_no_hidden_entry_when_every_hidden_box_is_a_band():
    t = _grid_group_boxes().iloc[[0, 1, 2, 4]]  # without 特定卸: every hidden box has a band
    fig, ax = style.new_figure()
    F.quantile_boxes(t, "segment", "year", ax=ax, suppressed_label="Withheld", band_label="Published as a range",
                     band_text={"high": "90%+", "low": "<10%"})
    assert [t.get_text() for t in ax.texts if t.get_gid() == "band"] == ["90%+"] * 3 and _marks(ax) == []
    assert _legend_texts(ax) == ["2024年度", "2025年度", "2026年度", "Published as a range"]
    plt.close(fig)


class TestHeatmap:
    def test_marks_missing_cells(self):
        t = pd.DataFrame({"node": ["X", "X", "Y", "Y"], "seg": ["a", "b", "a", "b"], "mean": [0.25, np.nan, 1.0, 0.5]})
        ax = F.heatmap(t, "node", "seg", "mean", ax=plt.figure().gca())
        assert [txt.get_text() for txt in ax.texts] == ["25%", "—", "100%", "50%"]

    def test_hidden_and_not_assessed_cells_differ(self):
        t = pd.DataFrame({"node": ["X", "X", "Y", "Y"], "seg": ["a", "b", "a", "b"],
                          "mean": [0.25, np.nan, np.nan, 0.5],
                          "suppressed": ["", "primary", "", ""]})
        ax = F.heatmap(t, "node", "seg", "mean", ax=plt.figure().gca(), suppressed_label=LEGEND)
        assert [txt.get_text() for txt in ax.texts] == ["25%", "x", "—", "50%"]
        (mark,) = _marks(ax)
        assert mark.get_position() == (1, 0)  # column b, row X
        assert _legend_texts(ax) == [LEGEND]


def test_radar_draws_one_closed_line_per_series():
    t = pd.DataFrame({"fn": ["GV", "ID", "PR"] * 2, "seg": ["a"] * 3 + ["全体"] * 3,
                      "mean": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]})
    ax = plt.figure().add_subplot(polar=True)
    F.radar(t, "fn", "seg", "mean", ax=ax, highlight="全体")
    lines = ax.get_lines()
    assert len(lines) == 2 and list(lines[1].get_ydata()) == [0.4, 0.5, 0.6, 0.4]
    assert lines[1].get_linewidth() > lines[0].get_linewidth()
    assert mcolors.to_hex(lines[1].get_color()) == "#000000"
    assert mcolors.to_hex(lines[0].get_color()) != "#000000"


def test_radar_hidden_point_is_a_gap_not_zero():
    t = pd.DataFrame({"fn": ["GV", "ID", "PR"], "seg": ["a"] * 3, "mean": [0.1, np.nan, 0.3],
                      "suppressed": ["", "primary", ""]})
    ax = plt.figure().add_subplot(polar=True)
    F.radar(t, "fn", "seg", "mean", ax=ax)
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [0.1, np.nan, 0.3, 0.1])


class TestItemBars:
    def test_diverging_ticks_read_in_points(self):
        t = pd.DataFrame({"label": ["a", "b", "c"], "change": [0.05, -0.02, 0.0]})
        ax = F.item_bars(t, "label", "change", ax=plt.figure().gca(), diverging=True)
        ax.figure.canvas.draw()
        ticks = [tl.get_text() for tl in ax.get_xticklabels() if tl.get_text()]
        assert ticks and all(s.endswith(" pt") for s in ticks) and "0 pt" in ticks
        assert not any("%" in s for s in ticks)
        # a zero change is still labelled; rows not published rounded read to 0.1 point, as their table prints them
        assert [t.get_text() for t in ax.texts] == ["+5.0 pt", "−2.0 pt", "0 pt"]

    def test_unit_is_the_callers(self):
        t = pd.DataFrame({"label": ["a", "b"], "change": [0.1, -0.1]})
        ax = F.item_bars(t, "label", "change", ax=plt.figure().gca(), diverging=True, unit="ポイント")
        assert ax.xaxis.get_major_formatter()(0.05, 0) == "+5 ポイント"

    def test_hidden_row_is_an_x_at_zero_not_a_bar(self):
        t = pd.DataFrame({"label": ["a", "b", "c"], "share": [0.3, np.nan, np.nan],
                          "suppressed": ["", "primary", ""]})
        ax = F.item_bars(t, "label", "share", ax=plt.figure().gca(), suppressed_label=LEGEND)
        (bars,) = ax.containers
        assert [(b.get_y() + b.get_height() / 2, b.get_width()) for b in bars] == [(0, 0.3)]
        assert [(m.get_text(), m.xy) for m in _marks(ax)] == [("x", (0, 1))]  # row b, at zero
        assert [t.get_text() for t in ax.texts] == ["x"]  # row c (not assessed) is left empty
        assert _legend_texts(ax) == [LEGEND]


@pytest.fixture
def trend_table() -> pd.DataFrame:
    return pd.DataFrame({"segment": ["A"] * 3 + ["B"] * 3, "year": [2022, 2023, 2024] * 2,
                         "mean": [0.4, 0.5, 0.6, 0.3, np.nan, np.nan],
                         "ci_low": [0.35, 0.45, 0.55, 0.2, np.nan, np.nan],
                         "ci_high": [0.45, 0.55, 0.65, 0.4, np.nan, np.nan],
                         "suppressed": ["", "", "", "", "primary", ""]})


class TestTrendLines:
    def test_one_line_per_series_with_gaps_where_hidden(self, trend_table):
        ax = F.trend_lines(trend_table, hue="segment", ax=plt.figure().gca(), suppressed_label=LEGEND)
        lines = ax.get_lines()
        assert [ln.get_label() for ln in lines] == ["A", "B"]
        np.testing.assert_array_equal(lines[0].get_ydata(), [0.4, 0.5, 0.6])
        np.testing.assert_array_equal(lines[1].get_ydata(), [0.3, np.nan, np.nan])  # never joined as 0
        (mark,) = _marks(ax)  # one mark, at FY2023 (B's hidden year, the only mark there: centred), at the floor
        assert mark.get_text() == "x" and mark.xy == pytest.approx((2023, 0.01))
        assert _legend_texts(ax) == ["A", "B", LEGEND, "95%信頼区間"]  # the whiskers named too

    def test_marks_of_several_series_hidden_in_one_year_stand_apart(self):
        """Three of four series hidden in FY2023 (as the automotive level chart's size bands): three marks in
        their series' colours, side by side around the year, none overlapping another."""
        t = pd.DataFrame({"segment": [s for s in "ABCD" for _ in (0, 1)], "year": [2022, 2023] * 4,
                          "mean": [0.4, np.nan, 0.5, np.nan, 0.6, 0.6, 0.3, np.nan],
                          "suppressed": ["", "primary", "", "primary", "", "", "", "split"]})
        fig = plt.figure(figsize=(6, 4))
        ax = F.trend_lines(t, hue="segment", ax=fig.gca(), lo=None, hi=None)
        fig.canvas.draw()
        marks = _marks(ax)
        assert [m.xy[0] for m in marks] == [2023, 2023, 2023]
        assert [m.get_color() for m in marks] == [ax.get_lines()[i].get_color() for i in (0, 1, 3)]
        boxes = sorted((m.get_window_extent() for m in marks), key=lambda b: b.x0)
        assert all(left.x1 <= right.x0 for left, right in zip(boxes, boxes[1:], strict=False))
        assert boxes[0].x0 < ax.transData.transform((2023, 0))[0] < boxes[-1].x1  # around the year

    def test_markers_and_linestyles_differ_between_series(self, trend_table):
        ax = F.trend_lines(trend_table, hue="segment", ax=plt.figure().gca())
        a, b = ax.get_lines()
        assert a.get_marker() != b.get_marker() and a.get_linestyle() != b.get_linestyle()

    def test_year_ticks_are_integers_with_the_callers_format(self, trend_table):
        ax = F.trend_lines(trend_table, hue="segment", ax=plt.figure().gca(), year_format="{year}年度")
        assert list(ax.get_xticks()) == [2022, 2023, 2024]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["2022年度", "2023年度", "2024年度"]

    def test_labels_name_the_series(self, trend_table):
        ax = F.trend_lines(trend_table, hue="segment", ax=plt.figure().gca(), labels={"A": "大企業"})
        assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["大企業", "B"]

    def test_legend_sits_outside_the_data_area(self, trend_table):
        _, ax = style.new_figure(right=0.78)
        F.trend_lines(trend_table, hue="segment", ax=ax)
        assert _legend_clear_of_axes(ax)
        ax.figure.canvas.draw()
        assert ax.get_legend().get_window_extent().x1 <= ax.figure.bbox.x1  # and not cut off


def test_rate_by_year_is_one_series():
    t = pd.DataFrame({"year": [2023, 2024], "response_rate": [0.6, 0.7], "ci_low": [0.5, 0.6], "ci_high": [0.7, 0.8]})
    ax = F.rate_by_year(t, ax=plt.figure().gca())
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), [0.6, 0.7])


def test_panel_vs_all_bars_diverge_and_mark_hidden():
    t = pd.DataFrame({"node_id": ["GV", "GV", "ID", "ID"], "basis": ["all", "panel", "all", "panel"],
                      "change": [0.03, -0.01, 0.02, np.nan], "suppressed": ["", "", "", "primary"]})
    ax = F.panel_vs_all(t, ax=plt.figure().gca(), basis_labels={"all": "全回答者", "panel": "同一事業者"})
    widths = {c.get_label(): [round(b.get_width(), 3) for b in c] for c in ax.containers}
    assert widths == {"全回答者": [0.03, 0.02], "同一事業者": [-0.01]}
    assert [m.get_text() for m in _marks(ax)] == ["x"] and _hidden_patches(ax) == []
    ax.figure.canvas.draw()
    assert all(tl.get_text().endswith(" pt") for tl in ax.get_xticklabels() if tl.get_text())


def test_small_multiples_one_axes_per_facet_with_shared_y_and_one_legend():
    t = pd.DataFrame({"node_id": ["Lv1"] * 4 + ["Lv2"] * 4, "segment": ["S", "S", "L", "L"] * 2,
                      "year": [2023, 2024] * 4, "share_reached": [0.8, 0.9, 0.7, 0.8, 0.4, 0.5, 0.3, np.nan],
                      "suppressed": [""] * 7 + ["primary"]})
    fig = plt.figure()
    axes = F.small_multiples(t, fig=fig, lo=None, hi=None, suppressed_label=LEGEND)
    assert len(axes) == 2 and [ax.get_title(loc="left") for ax in axes] == ["Lv1", "Lv2"]
    np.testing.assert_array_equal(axes[1].get_lines()[1].get_ydata(), [0.3, np.nan])
    assert axes[0].get_shared_y_axes().joined(axes[0], axes[1])
    (legend,) = fig.legends
    assert [t.get_text().replace("\n", "") for t in legend.get_texts()] == ["S", "L", LEGEND]
    assert [m.get_text() for m in _marks(axes[1])] == ["x"]


def test_series_palette_has_no_pale_yellow():
    assert "#F0E442" not in [c.upper() for c in style.PALETTE]
    assert all(style.series_style(j)["color"].upper() != "#F0E442" for j in range(20))


def test_long_category_labels_wrap_so_neighbours_do_not_overlap():
    """The English power report's business types ran into each other under the response-rate bars."""
    names = ["General transmission and distribution", "Transmission", "Specified transmission and distribution",
             "Generation", "Retail", "Specified wholesale supply (aggregator)", "Private electrical facility owner",
             "All"]
    data = pd.DataFrame({"segment": names * 2, "year": ["FY2024"] * 8 + ["FY2025"] * 8, "rate": 0.5})
    fig, ax = style.new_figure()
    F.grouped_bars(data, "segment", "year", "rate", ax=ax)
    fig.canvas.draw()
    labels = ax.get_xticklabels()
    assert labels[0].get_text() == "General\ntransmission\nand\ndistribution"
    assert labels[-1].get_text() == "All"
    boxes = [t.get_window_extent() for t in labels]
    assert all(a.x1 <= b.x0 for a, b in zip(boxes, boxes[1:], strict=False))  # no two labels overlap
    plt.close(fig)


@pytest.mark.parametrize(("text", "width", "wrapped"), [
    # 16 wide: between its words, never in equal halves (「一般送配 / 電事業者」 was cut inside 送配電)
    ("一般送配電事業者", 14, "一般\n送配電事業者"),
    ("一般送配電・送電・配電", 10, "一般\n送配電・\n送電・配電"),  # after a 「・」 of the list, not inside a name
    ("一般送配電・送電・配電", 12, "一般送配電・\n送電・配電"),
    ("一般送配電・送電・配電", 16, "一般送配電・\n送電・配電"),
    ("1,001〜10,000人", 8, "1,001〜\n10,000人"),  # a range after its 〜, never inside a number
    ("ソフトウェア・IT", 12, "ソフトウェア・\nIT"),
    ("〜100人", 8, "〜100人"),  # 7 wide: fits
    ("Retail", 6, "Retail"),
    ("Equipment", 4, "Equipment"),  # a word wider than the room keeps its line, whole
    ("Specified wholesale supply (aggregator)", 14, "Specified\nwholesale\nsupply\n(aggregator)"),
])
def test_wrap_breaks_only_between_words(text, width, wrapped):
    assert style.wrap(text, width) == wrapped


def _cell_boxes(ax, n_rows: int, n_cols: int):
    """The display-space box of every heatmap cell (cell (i, j) spans j±0.5, i±0.5 in data units)."""
    from matplotlib.transforms import Bbox

    return [Bbox(ax.transData.transform([(j - 0.5, i - 0.5), (j + 0.5, i + 0.5)]))
            for i in range(n_rows) for j in range(n_cols)]


@pytest.mark.parametrize("slide", [False, True])
def test_a_caveat_never_covers_a_heatmap_cell(slide):
    """The automotive heatmap's caveat once hid five of the GV.OC row's six values: its box, drawn, must miss
    every cell, and the hidden-mark legend's box too, on the page and on the slide."""
    import contextlib

    rows, cols = [f"GV.{c}" for c in "ABCDEFGH"], ["〜100人", "101〜300人", "301〜1,000人", "1,001〜10,000人", "全体"]
    t = pd.DataFrame([(r, c, 0.5, "primary" if (r, c) == ("GV.A", "全体") else "") for r in rows for c in cols],
                     columns=["node", "seg", "mean", "suppressed"])
    with style.slide_mode() if slide else contextlib.nullcontext():
        fig, ax = style.new_figure(left=0.27)
        F.heatmap(t, "node", "seg", "mean", ax=ax, suppressed_label=LEGEND)
        style.caveat(ax, "自動車の CSF 2.0 対応付けは本プロジェクト独自(電力は NIST の CSF 1.1→2.0 対応表)")
        style.finish(fig, "NIST CSF 2.0 カテゴリ別の実施率 (2024年度)", "出典", "採点", "—: 評価対象外")
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (note,) = [t for t in fig.texts if t.get_gid() == "caveat"]
    box = note.get_window_extent(renderer)
    cells = _cell_boxes(ax, len(rows), len(cols))
    assert len(cells) == 40 and not any(box.overlaps(c) for c in cells)
    assert not box.overlaps(ax.get_legend().get_window_extent(renderer))
    assert box.x1 <= fig.bbox.x1  # and not cut off at the right


def test_on_a_slide_every_figure_text_is_14pt_or_more(bars_table, trend_table):
    with style.slide_mode():
        fig, ax = style.new_figure()
        F.grouped_bars(bars_table.assign(segment=["一般送配電・送電・配電", "特定送配電・自家用"] * 2), "segment",
                       "year", "share", "lo", "hi", ax=ax, suppressed_label=LEGEND)
        style.finish(fig, "t", "s", "r", "note")
        fig2, ax2 = style.new_figure(right=0.74)
        F.trend_lines(trend_table, hue="segment", ax=ax2, suppressed_label=LEGEND)
        style.finish(fig2, "t", "s", "r")
        for f in (fig, fig2):
            f.canvas.draw()
            assert style.min_text_size(f) >= 14
            assert f.get_suptitle() == ""  # the slide carries the title, once
            assert tuple(f.get_size_inches()) == style.SLIDE_FIGURE


def test_trend_lines_weighted_draw_members_solid_and_respondents_dashed():
    # two functions over two years; GV 2024 hidden (both values NaN, suppressed)
    t = pd.DataFrame({"year": [2023, 2024, 2023, 2024], "node_id": ["GV", "GV", "ID", "ID"],
                      "w_mean": [0.60, np.nan, 0.50, 0.55], "w_mean_ci_low": [0.58, np.nan, 0.48, 0.53],
                      "w_mean_ci_high": [0.62, np.nan, 0.52, 0.57], "mean": [0.65, np.nan, 0.54, 0.60],
                      "suppressed": ["", "primary", "", ""]})
    ax = F.trend_lines_weighted(t, ax=plt.figure().gca(), style_labels=("会員推計(実線)", "回答者平均(破線)"))
    lines = ax.get_lines()
    members, respondents = lines[:2], lines[2:4]
    assert [ln.get_linestyle() for ln in members] == ["-", "-"]
    assert [ln.get_linestyle() for ln in respondents] == ["--", "--"]
    assert respondents[0].get_color() == members[0].get_color()
    assert np.allclose(respondents[1].get_ydata(), [0.54, 0.60])
    assert np.isnan(respondents[0].get_ydata()[1])  # hidden stays hidden in the respondents' line too
    legend = [t.get_text().replace("\n", "") for t in ax.get_legend().get_texts()]  # long labels wrap
    assert legend[-3:] == ["会員推計(実線)", "回答者平均(破線)", "95%信頼区間"]  # the whiskers named too
    handles = ax.get_legend().legend_handles[-3:-1]  # one year draws no line: the marks tell the two apart
    assert [h.get_marker() for h in handles] == ["o", "o"]
    assert handles[0].get_markerfacecolor() != "none" and handles[1].get_markerfacecolor() == "none"
    assert _legend_clear_of_axes(ax)
    plt.close("all")


@pytest.mark.parametrize("slide_drawing", [False, True])
def test_a_legend_of_several_rows_stays_under_the_title_and_inside_the_picture(slide_drawing):
    """Three years and the hidden mark made a legend of three rows over the response-rate chart: on the page
    it ran into the figure's title (and the caveat under it), on the slide picture it was cut off at the top."""
    import contextlib

    years = [2021, 2022, 2023, 2024]
    segments = ["一般送配電・送電・配電", "特定送配電・自家用", "発電", "小売", "全体"]
    label = "{}年度 (回答事業者の多い年度、会員名簿の全体)"
    t = pd.DataFrame([(s, label.format(y), 0.6, 0.5, 0.7, "primary" if s == "発電" else "")
                      for s in segments for y in years],
                     columns=["segment", "fy", "rate", "lo", "hi", "suppressed"])
    with style.slide_mode() if slide_drawing else contextlib.nullcontext():
        fig, ax = style.new_figure()
        F.grouped_bars(t, "segment", "fy", "rate", "lo", "hi", ax=ax, percent=True, suppressed_label=LEGEND)
        style.caveat(ax, "暫定カタログで採点した回答を含む: 項目の文言の一部は本プロジェクト独自のもの")
        style.finish(fig, "区分別の回答率", "出典: テスト", "採点", "注記")
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    rows = {round(t.get_window_extent(renderer).y0) for t in ax.get_legend().get_texts()}
    assert len(rows) >= 3  # the case at issue: at least three rows of entries
    if slide_drawing:  # on a slide, more than two rows go right of the plot, not over half the picture above it
        plot = ax.get_window_extent(renderer)
        assert legend.x0 >= plot.x1 and legend.x1 <= fig.bbox.x1 and legend.y1 <= fig.bbox.y1
        assert plot.y1 >= fig.bbox.y1 * 0.8  # the plot keeps the height the legend would have taken
        plt.close(fig)
        return
    (caveat,) = [t for t in fig.texts if t.get_gid() == "caveat"]
    above = [caveat.get_window_extent(renderer)] + ([fig._suptitle.get_window_extent(renderer)]  # noqa: SLF001
                                                    if fig.get_suptitle() else [])
    assert all(legend.y1 <= box.y0 for box in above)  # under the title and the caveat, not over them
    assert legend.y1 <= fig.bbox.y1 and legend.y0 >= ax.get_window_extent(renderer).y1  # in the picture, off the data


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_on_a_slide_row_labels_are_whole_widened_or_wrapped_never_cut(lang):
    """Item labels were cut with "…" on the slides (「PR.AC-5 制御系と情報系などネットワーク…」): on a slide
    the label column widens to fit them, and a label wider than half the picture wraps; nothing is cut."""
    from pipeline.report import tables as T

    texts = {"ja": ["制御系と情報系などネットワークを分離している", "短い項目",
                    "委託先や外部サービス事業者の作業を監視し記録を残し定期的に見直すとともに、契約に反映している"],
             "en": ["Control and business networks are separated", "Short item",
                    "Work by contractors and outside service providers is monitored, logged, reviewed regularly and "
                    "reflected in their contracts"]}[lang]
    items = pd.DataFrame({"item_id": ["PR.AC-5", "ID.GV-2", "DE.CM-6"], "text": texts,
                          "share": [0.2, 0.3, 0.4], "suppressed": ["", "", ""]})
    with style.slide_mode():
        labelled = T.with_item_labels(items)
        fig, ax = style.new_figure(left=0.36)
        F.item_bars(labelled, "label", "share", ax=ax)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ticks = ax.get_yticklabels()
        assert [t.get_text().replace("\n", "").replace(" ", "") for t in ticks] == \
            [f"{i} {x}".replace(" ", "") for i, x in zip(items["item_id"], texts, strict=True)]
        assert not any("…" in t.get_text() for t in ticks)
        assert all(t.get_window_extent(renderer).x0 >= 0 for t in ticks)  # inside the picture
        assert ax.get_position().x0 > 0.36  # the label column widened
        assert ticks[2].get_text().count("\n") >= 1 and "\n" not in ticks[1].get_text()  # only the long one wraps
    plt.close("all")


def test_radar_draws_a_band_on_its_ring_not_a_point():
    """GV of segment a is hidden and published as 「90%以上」, PR of b as 「10%未満」: a stroke along GV's spoke
    from 90% to 100% and along PR's from 0 to 10%, each in its series' colour, with legend entries 「90%以上」
    「10%未満」; the polygons keep a gap there (a point at 95% would read as a number)."""
    t = pd.DataFrame({"fn": ["GV", "ID", "PR"] * 2, "seg": ["a"] * 3 + ["b"] * 3,
                      "mean": [np.nan, 0.5, 0.6, 0.4, 0.5, np.nan],
                      "suppressed": ["primary", "", "", "", "", "primary"],
                      "mean_band": ["high", "", "", "", "", "low"]})
    ax = plt.figure().add_subplot(polar=True)
    F.radar(t, "fn", "seg", "mean", ax=ax, suppressed_label=LEGEND)
    strokes = [line for line in ax.get_lines() if line.get_gid() == "band"]
    assert [(list(s.get_xdata()), list(s.get_ydata())) for s in strokes] == [
        ([0.0, 0.0], [0.9, 1.0]), ([pytest.approx(4 * np.pi / 3)] * 2, [0.0, 0.1])]
    series = [line for line in ax.get_lines() if line.get_gid() != "band"]
    assert [mcolors.to_hex(s.get_color()) for s in strokes] == [mcolors.to_hex(s.get_color()) for s in series]
    np.testing.assert_array_equal(series[0].get_ydata(), [np.nan, 0.5, 0.6, np.nan])
    # each series' band beside it, named, its swatch the colour of its strokes (a grey swatch beside blue strokes
    # did not say whose they were); no hidden mark: every hidden cell is a band
    assert _legend_texts(ax) == ["a", "a: 90%以上", "b", "b: 10%未満"]
    swatches = ax.get_legend().legend_handles
    assert [mcolors.to_hex(h.get_color()) for h in swatches] == [mcolors.to_hex(series[0].get_color())] * 2 + [
        mcolors.to_hex(series[1].get_color())] * 2


def test_radar_band_text_is_the_reports_language():
    t = pd.DataFrame({"fn": ["GV", "ID", "PR"], "seg": ["a"] * 3, "mean": [np.nan, 0.5, 0.6],
                      "suppressed": ["primary", "", ""], "mean_band": ["high", "", ""]})
    ax = plt.figure().add_subplot(polar=True)
    F.radar(t, "fn", "seg", "mean", ax=ax, band_text={"high": "90% or more", "low": "below 10%"})
    assert _legend_texts(ax) == ["a", "a: 90% or more"]


@pytest.mark.parametrize("slide", [False, True])
def test_radar_spoke_labels_stay_outside_the_circle(slide):
    """The English radar's labels were centred on their spokes' ends: "Govern" and "Detect", wider than 「統治」, ran
    over the 100% ring and GV's band stroke. Each label's box now lies wholly outside the circle: the point of the
    box nearest the centre is at least the ring's radius away, and none runs under the legend (「統治 (GV)」, grown to
    the right, did on a slide)."""
    import contextlib

    names = {"GV": "Govern\n(GV)", "ID": "Identify\n(ID)", "PR": "Protect\n(PR)", "DE": "Detect\n(DE)",
             "RS": "Respond\n(RS)", "RC": "Recover\n(RC)"}
    segments = ["〜100人", "101〜300人", "301〜1,000人", "1,001〜10,000人", "10,001人〜", "All"]  # a legend as tall
    t = pd.DataFrame([{"fn": f, "seg": s, "mean": 0.8} for s in segments for f in names])  # as the deck's
    with style.slide_mode() if slide else contextlib.nullcontext():
        fig, ax = style.new_figure(polar=True, left=0.1, right=0.55 if slide else 0.62)  # as the report draws it
        F.radar(t, "fn", "seg", "mean", ax=ax, axis_labels=names)
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    cx, cy = ax.transData.transform((0, 0))
    ring = ax.get_window_extent(renderer).width / 2
    labels = [lab for lab in ax.get_xticklabels() if lab.get_text()]
    assert len(labels) == 6
    for lab in labels:
        box = lab.get_window_extent(renderer)
        nearest = (min(max(cx, box.x0), box.x1), min(max(cy, box.y0), box.y1))
        assert np.hypot(nearest[0] - cx, nearest[1] - cy) >= ring, lab.get_text()
        assert not lab.get_window_extent(renderer).overlaps(ax.get_legend().get_window_extent(renderer))
    assert ax.get_legend().get_window_extent(renderer).x1 <= fig.bbox.x1  # and the legend is not cut off
    plt.close(fig)


@pytest.mark.parametrize("years", [3, 6])
def test_the_hidden_mark_legend_on_a_slide_breaks_between_phrases(years):
    """On slides the legend read 「秘匿(該当企業が少ない、 / 又は他の値から算出できるた / め)」. The label is shorter
    and breaks between phrases: beside three years it fits the band above the plot on one line; six years push
    the legend right of the plot, where it takes two lines broken at its comma, inside the figure."""
    segments = ["〜100人", "101〜300人", "301〜1,000人", "1,001〜10,000人", "10,001人〜", "全体"]
    t = pd.DataFrame([(s, y, 0.5, "primary" if s == "全体" and y == 2019 else "") for s in segments
                      for y in range(2019, 2019 + years)], columns=["segment", "year", "share", "suppressed"])
    label = style.labels("ja")["suppressed"]
    with style.slide_mode():
        fig, ax = style.new_figure()
        F.grouped_bars(t.assign(year=t["year"].map("{}年度".format)), "segment", "year", "share", ax=ax,
                       suppressed_label=label)
        style.finish(fig, "区分別の回答率", "出典", "")
        fig.canvas.draw()
    legend = ax.get_legend()
    (text,) = [t for t in legend.get_texts() if t.get_text().startswith("秘匿")]
    right = legend.get_window_extent().x0 >= ax.get_window_extent().x1
    assert right == (years == 6)
    assert text.get_text() == ("秘匿(社数が少ない、\n又は他の値から算出できる)" if right
                               else "秘匿(社数が少ない、又は他の値から算出できる)")
    assert text.get_window_extent(fig.canvas.get_renderer()).x1 <= fig.bbox.x1


def test_heatmap_row_labels_are_whole_on_the_page_too():
    """The HTML heatmap cut 「GV.SC サイバーセキュリティサプライチェー…」 while the deck showed it whole: on the page
    too the label column makes room (or wraps), never an ellipsis, and the labels stay inside the figure."""
    name = "GV.SC サイバーセキュリティサプライチェーンリスクマネジメント"
    t = pd.DataFrame([(r, c, 0.5, "") for r in ("GV.SC", "GV.OC") for c in ("〜100人", "全体")],
                     columns=["node", "seg", "mean", "suppressed"])
    fig, ax = style.new_figure(left=0.27)
    F.heatmap(t, "node", "seg", "mean", ax=ax, row_labels={"GV.SC": name, "GV.OC": "GV.OC 組織の状況"})
    fig.canvas.draw()
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert sorted(label.replace("\n", "") for label in labels) == sorted([name, "GV.OC 組織の状況"])
    assert not any("…" in label for label in labels)
    renderer = fig.canvas.get_renderer()
    assert all(tick.get_window_extent(renderer).x0 >= 0 for tick in ax.get_yticklabels())


@pytest.mark.parametrize("slide", [False, True])
def test_radar_ring_labels_stay_off_the_data(slide, tmp_path):
    """The English power radar drew its ring labels "75%" and "50%" over the polygons (every segment near 80%, the
    labels fixed halfway between the first two spokes). Each ring label shown now lies clear of every series: no point
    of a polygon's edges (sampled every 1/200 of an edge), and no band stroke, falls inside its box; the four rings
    are still named, 100% among them."""
    import contextlib

    names = {"GV": "Govern\n(GV)", "ID": "Identify\n(ID)", "PR": "Protect\n(PR)", "DE": "Detect\n(DE)",
             "RS": "Respond\n(RS)", "RC": "Recover\n(RC)"}
    values = {"Generation": 0.80, "Retail": 0.78, "All": 0.79}
    t = pd.DataFrame([{"fn": f, "seg": s, "mean": v + 0.02 * (i % 2), "suppressed": "", "mean_band": ""}
                      for s, v in values.items() for i, f in enumerate(names)])
    band = pd.DataFrame([{"fn": f, "seg": "T&D", "mean": np.nan, "suppressed": "split", "mean_band": "high"}
                         for f in names])
    with style.slide_mode() if slide else contextlib.nullcontext():
        fig, ax = style.new_figure(polar=True, left=0.1, right=0.55 if slide else 0.62)
        F.radar(pd.concat([band, t]), "fn", "seg", "mean", ax=ax, axis_labels=names, highlight="All")
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    shown = [x for x in [*ax.texts, *ax.get_yticklabels()] if x.get_text().endswith("%") and x.get_visible()]
    assert "100%" in [x.get_text() for x in shown] and len(shown) >= 3
    for line in ax.get_lines():
        points = line.get_transform().transform(line.get_xydata())
        ends = [(a, b) for a, b in zip(points[:-1], points[1:], strict=True) if np.isfinite([*a, *b]).all()]
        sampled = [a + (b - a) * f for a, b in ends for f in np.linspace(0, 1, 201)] or list(points)
        for label in shown:
            box = label.get_window_extent(renderer)
            assert not any(box.contains(*p) for p in sampled), (label.get_text(), line.get_label())
    fig.savefig(tmp_path / "radar.png")
    plt.close(fig)


def test_colour_indices_pick_the_colour_maps_entry():
    """A heatmap is drawn from colour-map entries (one byte a cell) instead of shares: 256 colours, a share s takes
    entry floor(256·s), 100% the last (255), below 0 the first and above 1 the last (the colour map's default under and
    over colours), a missing share stays masked (drawn in the not-assessed colour)."""
    shares = np.ma.masked_invalid([0.0, 0.25, 0.5, 0.999, 1.0, -0.1, 1.2, np.nan])
    got = F.colour_indices(shares, 256)
    assert got.dtype == np.uint8
    assert list(got.filled(99)) == [0, 64, 128, 255, 255, 0, 255, 99]
    assert list(np.ma.getmaskarray(got)) == [False] * 7 + [True]


def test_a_heatmap_has_the_pixels_of_one_drawn_from_its_shares():
    """Drawing the heatmap's cells from colour-map entries changes no pixel: the same figure with matplotlib drawing
    the shares themselves (vmin 0, vmax 1, the not-assessed colour for a missing one) is identical at 100 and 300 dpi.
    The colour bar still reads 0 to 100%."""
    rows = ["GV.OC", "GV.RM", "ID.AM", "PR.AA"]
    cols = ["〜100人", "101〜300人", "全体"]
    values = [0.0, 0.12, 0.2549, 0.5, 0.5039, 0.75, 0.999, 1.0, np.nan, 0.33, 0.66, 0.9]
    t = pd.DataFrame([(r, c, values[i * 3 + j], "") for i, r in enumerate(rows) for j, c in enumerate(cols)],
                     columns=["node", "seg", "mean", "suppressed"])

    def render(dpi, shares_drawn):
        fig, ax = style.new_figure(left=0.27)
        if shares_drawn:  # what the heatmap drew before: the shares, scaled by matplotlib
            real = ax.imshow

            def imshow(_index, **kw):
                grid = np.ma.masked_invalid(np.array(values, dtype=float).reshape(len(rows), len(cols)))
                return real(grid, cmap=kw["cmap"], vmin=0, vmax=1, aspect="auto")

            ax.imshow = imshow
        F.heatmap(t, "node", "seg", "mean", ax=ax)
        fig.canvas.draw()
        colour_bar = fig.axes[-1]
        buf = np.asarray(fig.canvas.buffer_rgba()).copy() if dpi == 100 else None
        if dpi != 100:
            import io

            out = io.BytesIO()
            fig.savefig(out, format="raw", dpi=dpi)
            buf = np.frombuffer(out.getvalue(), np.uint8)
        plt.close(fig)
        return buf, colour_bar.get_ylim()

    for dpi in (100, 300):
        ours, bar = render(dpi, shares_drawn=False)
        theirs, _ = render(dpi, shares_drawn=True)
        assert np.array_equal(ours, theirs)
        assert bar == (0.0, 1.0)
