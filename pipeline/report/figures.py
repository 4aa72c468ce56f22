"""One function per figure kind: takes a tidy (already protected) table and an Axes, draws, returns
the Axes. Never saves or shows.

Two kinds of missing value are drawn differently, because they mean different things to a reader:

* a row whose ``suppressed`` column is set ('primary', 'split', 'complementary', 'uniform') is a *hidden* cell
  (disclosure control): it is drawn as the mark ``x`` (the official-statistics mark for 秘匿) at the
  baseline — never a bar, a stub or a point, which would read as a small value — and the figure's legend
  explains the mark with the caller's text (``suppressed_label``, e.g. "秘匿(社数が少ない、…)");
* a NaN in a row whose ``suppressed`` is empty is *not assessed*: nothing is drawn, and the caller's
  note explains "—" (the heatmap prints "—" in the cell).

Legends sit outside the plotting area (above it, or to its right) so they never cover data; every
series pairs its colour with a hatch, marker or line style (``style.series_style``) so greyscale
prints and colour-blind readers can tell series apart.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import NoNorm, Normalize
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PIL import Image, ImageDraw, ImageFont

from pipeline.palette import (
    CELL_EDGE_COLOUR,
    COMPANY_COLOUR,
    FAINT_COLOUR,
    FALL_COLOUR,
    HEATMAP_CMAP,
    HEATMAP_DARK_BELOW,
    INK_COLOUR,
    KEY_EDGE_COLOUR,
    MUTED_COLOUR,
    NOT_ASSESSED_COLOUR,
    ON_DARK_COLOUR,
    ON_LIGHT_COLOUR,
    PALETTE,
    PAPER_COLOUR,
    PEER_COLOUR,
    REFERENCE_COLOUR,
    RISE_COLOUR,
    STRONG_INK_COLOUR,
    TOTAL_COLOUR,
)
from pipeline.png import encode_png
from pipeline.publish.feedback_model import page_figure_box
from pipeline.publish.formats import BAND_LABELS, HIDDEN_MARK, MINUS, whole_points_mask
from pipeline.report.style import (
    SLIDE,
    fill_phrases,
    fs,
    on_slide,
    series_style,
    short_label,
    wrap,
)
from pipeline.report.ticks import percent as percent_ticks
from pipeline.scoring.disclosure import BANDS
from pipeline.xlsx import display_width

__all__ = ["grouped_bars", "quantile_boxes", "heatmap", "radar", "item_bars", "trend_lines", "rate_by_year",
           "panel_vs_all", "small_multiples", "peer_dots", "PeerFigures", "SUPPRESSED_COLOUR", "NOT_ASSESSED_COLOUR"]

SUPPRESSED_COLOUR = CELL_EDGE_COLOUR  # for outside callers shading hidden cells themselves (figures outline them)
HIDDEN_HATCH = "////"
LEGEND_SIZE = 8
HIDDEN_LEGEND = "秘匿(社数が少ない、又は他の値から算出できる)"
"""Default legend text of the hidden mark (reports pass their language's, catalogs/report_labels.yaml)."""
INTERVAL_LEGEND = "95%信頼区間"
"""Default legend text of an error bar (docs/method.md §6: every interval drawn is a 95 % interval); reports set their
language's with :func:`interval_legend`."""
_WORDS = {"interval": INTERVAL_LEGEND}


@contextmanager
def interval_legend(label: str) -> Iterator[None]:
    """While inside, a figure that draws error bars names them in its legend with ``label`` ("95% interval"): a bar
    with whiskers and no word for them left a briefer unable to say what they are."""
    before = _WORDS["interval"]
    _WORDS["interval"] = label
    try:
        yield
    finally:
        _WORDS["interval"] = before


def _has_intervals(ax: Axes) -> bool:
    """Whether ``ax`` draws error bars."""
    return any(isinstance(c, ErrorbarContainer) for c in ax.containers)


def _interval_handle(horizontal: bool = False) -> Line2D:
    """The legend entry of an error bar: a whisker (upright beside vertical bars and points, lying beside horizontal
    bars) labelled with the interval's words (:func:`interval_legend`)."""
    return Line2D([], [], marker="_" if horizontal else "|", linestyle="none", color=INK_COLOUR,
                  markersize=fs(10), markeredgewidth=1.2, label=_WORDS["interval"])


HIDDEN_GID = "hidden"
BAND_GID = "band"
"""gid of every drawn band (a hidden mean published as 「90%以上」 or 「10%未満」)."""
BAND_TEXT = BAND_LABELS["ja"]
"""What a band cell of the heatmap reads by default (pipeline/scoring/disclosure.py ``mean_band``); reports pass
their language's (「≥」 is not in every figure font, so the words are used)."""
BAND_SHORT = {"high": f"≧{BANDS['high'][0]:.0%}", "low": f"<{BANDS['low'][1]:.0%}"}
"""A band cell's words where the band's own do not fit its cell on one line and the row holds no second line (a
slide's heatmap of eleven rows): 「90%以上」 broken as 「90%」 over 「以上」 ran into the rows above and below. The
Japanese figure font has 「≧」, not "≥"; reports pass their language's (catalogs/report_labels.yaml
``band_cells_short``)."""
BAND_LEGEND = (f"{BANDS['high'][0]:.0%}以上: {BANDS['high'][0]:.0%}未満の企業が少ないため、平均は範囲のみ示す"
               "(色は範囲の中央)")
"""gid of every drawn hidden mark, so tests (and readers of the SVG) can find them."""


# --- small helpers -----------------------------------------------------------------------------------

def _ax(ax: Axes | None) -> Axes:
    return ax if ax is not None else plt.gca()


def _groups(table: pd.DataFrame, x: str, hue: str) -> tuple[list, list, float]:
    """Group positions on x, hue series within a group, and each series' bar width."""
    xs = list(dict.fromkeys(table[x]))
    hues = list(dict.fromkeys(table[hue]))
    return xs, hues, 0.8 / max(len(hues), 1)


def _hidden(rows: pd.DataFrame) -> np.ndarray:
    """True where a row is a disclosure-protected (hidden) cell; False when the table has no ``suppressed``."""
    if "suppressed" not in rows:
        return np.zeros(len(rows), dtype=bool)
    return rows["suppressed"].fillna("").astype(str).ne("").to_numpy()


def _floats(rows: pd.DataFrame, column: str | None) -> np.ndarray:
    if column is None or column not in rows:
        return np.full(len(rows), np.nan)
    return np.array(pd.to_numeric(rows[column], errors="coerce"), dtype=float)  # a writable copy


def _errors(vals: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Asymmetric error lengths for ``errorbar`` (never negative: an interval can touch its estimate)."""
    return np.clip(np.vstack([vals - lo, hi - vals]), 0, None)


def _text_width_em(text: str) -> float:
    """Approximate rendered width in em: Japanese glyphs are full width, Latin about half."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.6 for ch in str(text))


SLIDE_LEGEND_ROWS = 2
"""On a slide, a legend above the plot takes at most this many rows; a longer one goes to the right."""
SLIDE_LEGEND_WIDTH = 3.4
"""Inches a legend right of the plot may take on a slide (its long labels wrap to it)."""


def _legend_columns(ax: Axes, labels: Sequence[str]) -> int:
    """Columns of a legend above the Axes: as many entries as fit its width side by side."""
    width_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
    entry_pt = fs(LEGEND_SIZE) * (max(_text_width_em(t) for t in labels) + 4.0)  # handle + padding + column gap
    return int(max(1, min(len(labels), width_pt // entry_pt)))


def _legend_above(ax: Axes, handles: Sequence, labels: Sequence[str]) -> None:
    """A legend in the band above the Axes, in as many columns as fit its width, so it never covers data.

    On a slide, a legend that would take more than :data:`SLIDE_LEGEND_ROWS` rows goes right of the plot
    instead, the Axes giving up the width: the long 秘匿 label forced one column, and the distance figure's six
    bands and the mark stacked seven rows over half the slide."""
    if not handles:
        return
    ncols = _legend_columns(ax, labels)
    if on_slide() and -(-len(labels) // ncols) > SLIDE_LEGEND_ROWS:
        fig = ax.figure
        size = fs(LEGEND_SIZE)
        need = (max(_text_width_em(t) for t in labels) + 3.5) * size / 72  # handle and padding: 3.5 em
        width = min(need, SLIDE_LEGEND_WIDTH) / fig.get_figwidth()
        box = ax.get_position()
        x1 = min(box.x1, 0.98 - width - 0.02)
        ax.set_position([box.x0, box.y0, x1 - box.x0, box.height])
        _legend_right(ax, handles, labels)
        return
    ax.legend(handles, labels, ncols=ncols, loc="lower left", bbox_to_anchor=(0, 1.02), borderaxespad=0,
              fontsize=fs(LEGEND_SIZE), handlelength=1.8, columnspacing=1.2)


def _right_room(fig: Figure, x0: float) -> float:
    """Latin characters of legend text that fit between ``x0`` (figure fraction) and the figure's edge."""
    return max((1.0 - x0 - 0.02) * fig.get_figwidth() * 72 / fs(LEGEND_SIZE) * 1.9 - 6, 10)


SLIDE_LABEL_ROOM = 0.5
"""On a slide, row labels (an item's ID and text) may take up to this share of the figure's width."""

LABEL_HEIGHT_SHARE = 0.6
"""Row labels' lines may take up to this share of the figure's height; the rest is the title, a legend, a caveat
above the rows and the source lines below them."""


def _row_labels(ax: Axes, labels: list[str], size: float, room: float | None = None) -> list[str]:
    """Row labels as drawn: whole, never cut with "…" (a label read out in a briefing must be the item's own
    words; the HTML heatmap cut 「GV.SC サイバーセキュリティサプライチェー…」 the deck showed whole): the label
    column widens (the Axes' left edge moves right) up to :data:`SLIDE_LABEL_ROOM` of the figure, and a label
    wider than that wraps over lines, on the page as on the slide. ``room`` (inches), when given, narrows the label
    column further: a heatmap leaves its cells the width their texts need (「90%以上」 filled its cell edge to edge)."""
    if not labels:
        return labels
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    probe = fig.text(0, 0, "", fontsize=size)  # measured in the face and size the tick labels are drawn in

    def width_in(text: str) -> float:
        probe.set_text(text)
        return probe.get_window_extent(renderer).width / fig.dpi

    pad = 0.35  # inches: the tick and its gap, and the figure's edge (LibreOffice draws the text a little wider)
    widest_room = SLIDE_LABEL_ROOM * fig.get_figwidth() - pad

    def wrapped_to(room_in: float) -> list[str]:
        out = []
        for label in labels:
            units, wrapped = display_width(label), label
            while width_in(wrapped) > room_in and units > 8:  # narrow until every line fits the room
                units -= 2
                wrapped = fill_phrases(label, units)  # between phrases, never 「…調整してい / る」
            out.append(wrapped)
        return out

    def height_in(texts: list[str]) -> float:
        return len(texts) * max(t.count("\n") + 1 for t in texts) * size * 1.25 / 72

    out = wrapped_to(widest_room if room is None else min(widest_room, max(room - pad, 1.2)))
    # the rows must hold their labels' lines: where the cells' room wrapped them deeper than the figure's height
    # allows (a legend and a caveat above take some of it), the labels take their widest column and the cells
    # give up width instead (eight industries on a slide drew four-line labels into one-line rows)
    if room is not None and height_in(out) > LABEL_HEIGHT_SHARE * fig.get_figheight():
        out = wrapped_to(widest_room)
    widest = max(width_in(t) for t in out)
    probe.remove()
    box = ax.get_position()
    x0 = max(box.x0, (widest + pad) / fig.get_figwidth())
    # wrapped labels need the height of their lines: the axes grow up into the band above them (a legend there is
    # moved clear again by style.clear_header) and down to the tick labels' room
    need = height_in(out) / fig.get_figheight()
    y0, y1 = box.y0, box.y1
    if need > y1 - y0:
        y1 = min(0.97, y0 + need)
        y0 = max(0.14, y1 - need) if y1 - y0 < need else y0
    ax.set_position([x0, y0, box.x1 - x0, y1 - y0])
    return out


def _legend_right(ax: Axes, handles: Sequence, labels: Sequence[str]) -> None:
    """A legend to the right of the Axes (callers leave room: ``style.new_figure(right=0.78)``); long
    labels (the hidden mark's explanation) are broken over lines so that none is cut off at the edge."""
    if handles:
        room = _right_room(ax.figure, ax.get_position().x1 + 0.02)
        ax.legend(handles, [fill_phrases(t, room) for t in labels], loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0, fontsize=fs(LEGEND_SIZE), handlelength=2.6)


def _hidden_handle(label: str) -> Line2D:
    """The legend entry of the hidden mark: an ``x`` beside the caller's explanation."""
    return Line2D([], [], marker=f"${HIDDEN_MARK}$", linestyle="none", color=INK_COLOUR, markersize=fs(8),
                  label=label)


def _hidden_stub(ax: Axes, pos: float, horizontal: bool = False) -> None:
    """The mark ``x`` at the baseline at ``pos`` (x = pos on a vertical bar chart, y = pos on a horizontal
    one): a hidden cell shows no bar of any length, so nothing in it reads as a small value."""
    kw = {"fontsize": fs(9), "color": INK_COLOUR, "gid": HIDDEN_GID, "clip_on": False}
    if horizontal:
        ax.annotate(HIDDEN_MARK, (0, pos), xytext=(3, 0), textcoords="offset points", ha="left", va="center", **kw)
    else:
        ax.annotate(HIDDEN_MARK, (pos, 0), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                    **kw)


BAND_HATCH = "...."
"""How a band bar is filled: dotted, outlined in the series' colour, so it reads as a range and not as a value."""


def _band_bar(ax: Axes, pos: float, width: float, band: str, text: str, colour: str) -> None:
    """A value published as a band, drawn as the band: an outlined, dotted bar over the band's range
    (disclosure.BANDS: 「10%未満」 from 0, 「90%以上」 up to 100%), and the band's words above it, as the table
    prints the cell (gid ``band``)."""
    low, high = BANDS[band]
    ax.bar([pos], [high - low], width, bottom=low, facecolor=PAPER_COLOUR, edgecolor=colour, hatch=BAND_HATCH,
           linewidth=1.2, gid=BAND_GID)
    # the words on the open side of the band (above 10%, below 90%): never over the legend above the axes
    at, offset, va = ((pos, low), -2, "top") if band == "high" else ((pos, high), 2, "bottom")
    ax.annotate(text, at, xytext=(0, offset), textcoords="offset points", ha="center", va=va, rotation=90,
                fontsize=fs(8), color=INK_COLOUR, gid=BAND_GID, clip_on=False)


TOTAL_STYLE = {"color": TOTAL_COLOUR, "lw": 2.8, "linestyle": "-"}
"""How the whole sector (全体) is drawn wherever it is a series (lines, radar): thick, solid, in the total's
colour (``TOTAL_COLOUR``), so it reads the same from chart to chart; where it is a group or a column (bars,
boxes, heatmap) it comes last, after a thin divider (:func:`_total_divider`)."""


def _total_divider(ax: Axes, groups: list, total: str | None, vertical: bool = True) -> None:
    """A thin grey line between the segments and the whole sector when ``total`` is the last group."""
    if total is not None and len(groups) > 1 and str(groups[-1]) == str(total):
        at = len(groups) - 1.5
        (ax.axvline if vertical else ax.axhline)(at, color=REFERENCE_COLOUR, lw=1.0, linestyle="-", zorder=4)


def _points_formatter(unit: str, scale: float = 100.0) -> FuncFormatter:
    """Tick labels for changes in shares: '+5 pt' (a change of 0.05 is five percentage points, not 5%)."""
    def fmt(v: float, _pos: int | None = None) -> str:
        p = round(v * scale, 6)
        if p == 0:
            return f"0 {unit}"
        return f"{'+' if p > 0 else MINUS}{abs(p):.{0 if float(p).is_integer() else 1}f} {unit}"
    return FuncFormatter(fmt)


def _points_axis(ax: Axes, reach: float, unit: str) -> None:
    """A symmetric change axis around a zero line, with few enough ticks that '+10 ポイント' labels never collide."""
    room = 1.8 if on_slide() else 1.3  # the value labels at the bars' ends are larger on a slide
    ax.set_xlim(-reach * room, reach * room)
    ax.axvline(0, color=STRONG_INK_COLOUR, lw=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, symmetric=True, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(_points_formatter(unit))
    ax.tick_params(axis="x", labelsize=fs(9))


def _change_labels(ax: Axes, vals: np.ndarray, pos: np.ndarray, reach: float, unit: str,
                   whole: np.ndarray | None = None) -> None:
    """Value at each bar's end, so a change of exactly 0 is visibly '0 pt' and not mistaken for an empty row.
    Each bar reads at the precision its table prints it (``whole``, per bar, from
    :func:`pipeline.publish.formats.whole_points_mask`): whole points where its row was published rounded, else
    one decimal. Power's RC read +7.9 in the chart beside +8 in the function table (75% published whole)."""
    whole = np.zeros(len(vals), dtype=bool) if whole is None else np.asarray(whole, dtype=bool)
    for v, p, w in zip(vals, pos, whole, strict=True):
        decimals = 0 if w else 1
        shown = round(float(v) * 100, decimals)
        text = f"0 {unit}" if shown == 0 else f"{'+' if shown > 0 else MINUS}{abs(shown):.{decimals}f} {unit}"
        ax.text(v + (reach * 0.03 if v >= 0 else -reach * 0.03), p, text, ha="left" if v >= 0 else "right",
                va="center", fontsize=fs(7), color=INK_COLOUR)


# --- bars and boxes ------------------------------------------------------------------------------------

def _axes_chars(ax: Axes) -> float:
    """How many Latin characters of the tick font fit across the axes (about 1.9 to an em)."""
    points = FontProperties(size=plt.rcParams["xtick.labelsize"]).get_size_in_points()
    return ax.get_position().width * ax.figure.get_figwidth() * 72 / points * 1.9


TICK_GAP_EM = 0.6
"""The least gap between two neighbouring category labels, in em of their size: labels that merely do not overlap
still read as one ("301–1,0001,001–10,000" under the English size bands of the deck's response-rate chart)."""


def tick_overlaps(ax: Axes, gap_em: float = TICK_GAP_EM) -> list[tuple[str, str]]:
    """Neighbouring x tick labels whose drawn extents overlap or come closer than ``gap_em`` (each pair's texts):
    what a reader sees as two labels run together (「1,001〜10,000人」 into 「10,001人〜」 under the automotive
    heatmap, "Materials" into "Equipment" in the English one). Labels on different rows (staggered) never
    collide; every pair is compared, not only neighbours in x: staggered, a label's neighbour on its own row is
    two columns away (「素材・材料」 ran into 「ソフトウェア・IT」 over 「設備・機械」 on the row below)."""
    renderer = ax.figure.canvas.get_renderer()
    ax.xaxis.get_tightbbox(renderer)  # places the labels where the axes' limits and size now put them
    labels = [t for t in ax.get_xticklabels() if t.get_visible() and t.get_text().strip()]
    boxes = sorted(((t.get_window_extent(renderer), t.get_text(), t.get_fontsize()) for t in labels),
                   key=lambda b: b[0].x0)
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            gap = gap_em * min(a[2], b[2]) * ax.figure.dpi / 72
            rows_meet = a[0].y0 < b[0].y1 and b[0].y0 < a[0].y1
            if rows_meet and b[0].x0 - a[0].x1 < gap:
                out.append((a[1], b[1]))
    return out


def leader_crossings(ax: Axes, gap_em: float = TICK_GAP_EM / 2) -> list[tuple[str, str]]:
    """Pairs (label, label whose leader crosses it): a staggered label's tick line runs down past the labels of the
    rows above it to its own, and must pass between them (「ソフトウェア・」, wider than two columns, was crossed by the
    leaders of 「設備・機械」 and 「物流」 on either side)."""
    renderer = ax.figure.canvas.get_renderer()
    ax.xaxis.get_tightbbox(renderer)
    to_px = ax.figure.dpi / 72
    top = ax.get_window_extent(renderer).y0
    out = []
    ticks = [t for t in ax.xaxis.get_major_ticks() if t.label1.get_visible() and t.label1.get_text().strip()]
    boxes = [(t, t.label1.get_window_extent(renderer)) for t in ticks]
    for tick, _ in boxes:
        x = ax.transData.transform((tick.get_loc(), 0))[0]
        bottom = top - tick.tick1line.get_markersize() * to_px
        for other, box in boxes:
            gap = gap_em * other.label1.get_fontsize() * to_px
            if other is not tick and box.x0 - gap < x < box.x1 + gap and box.y1 > bottom:
                out.append((other.label1.get_text(), tick.label1.get_text()))
    return out


def spread_ticks(ax: Axes, labels: list[str], width: float, floor: float | None = None) -> None:
    """Category labels under the axes set apart. ``labels`` (as written, one line each) were wrapped to ``width``
    Latin characters between phrases (:func:`style.wrap`), which may leave a word wider than its column; where
    neighbours then overlap they are set smaller, half a point at a time down to ``floor`` (the figure's smallest
    size: 14 pt on a slide), then staggered: labels on two (then three) rows, each with a leader to its column, the
    first layout tried in which no two labels meet and no leader crosses a label: each label wrapped to its rows'
    width or to its own column's, the first column on the upper or a lower row (eight industries on a slide:
    「ソフトウェア・IT」, wider than two columns, goes to the lower row, where no leader passes it). A label is never
    cut and never broken inside a word."""
    floor = fs(6.5) if floor is None else floor
    ticks = [t for t in ax.get_xticklabels() if t.get_text().strip()]
    if not ticks or not tick_overlaps(ax):
        return
    size = ticks[0].get_fontsize()
    while tick_overlaps(ax) and size > floor:
        size = max(size - 0.5, floor)
        for t in ticks:
            t.set_fontsize(size)
    if not tick_overlaps(ax):
        return
    renderer = ax.figure.canvas.get_renderer()
    first = ax.xaxis.get_major_ticks()[0]
    pad, leader = first.get_pad(), first.tick1line.get_markersize()

    def stagger(rows: int, shift: int, wrap_to: float) -> int:
        ax.set_xticks(ax.get_xticks(), [wrap(str(t), wrap_to) for t in labels], fontsize=size)
        drop = max(t.get_window_extent(renderer).height for t in ax.get_xticklabels()) * 72 / ax.figure.dpi \
            + size * 0.3
        for i, tick in enumerate(ax.xaxis.get_major_ticks()):
            tick.set_pad(pad + ((i + shift) % rows) * drop)
            tick.tick1line.set_markersize(leader + ((i + shift) % rows) * drop)  # a leader to its column
        return len(tick_overlaps(ax)) + len(leader_crossings(ax))

    tried = [(rows, shift, wrap_to) for rows in STAGGER_ROWS for wrap_to in (width * (rows - 0.1), width)
             for shift in range(rows)]
    faults = []
    for layout in tried:
        faults.append(stagger(*layout))
        if not faults[-1]:
            return
    stagger(*tried[int(np.argmin(faults))])  # none is clean: the one with the fewest faults


STAGGER_ROWS = (2, 3)
"""Rows the category labels are staggered over, tried in turn: two, then three."""


def _category_ticks(ax: Axes, labels: list[str], shrink: float = 0.85) -> None:
    """Category labels under the groups, wrapped to each group's width so long English segment names
    stay apart; wrapped labels are set a little smaller and the axes give up height for their
    extra lines, so they never reach the source line below."""
    labels = [short_label(t) for t in labels]  # a slide's short segment names, where the report gives them
    points = FontProperties(size=plt.rcParams["xtick.labelsize"]).get_size_in_points()
    # a slide's 14-point labels keep a wider gap: at 0.9 「101〜300人」 and 「301〜1,000人」 would touch
    room = _axes_chars(ax) / max(len(labels), 1) * (0.8 if on_slide() else 0.9)
    texts = [wrap(t, room / shrink) for t in labels]
    ax.set_xticks(np.arange(len(labels)), texts)
    extra_lines = max(t.count("\n") for t in texts) if texts else 0
    if extra_lines or any(display_width(t) > room for t in texts):  # the smaller font whenever one is wider
        for tick in ax.get_xticklabels():
            tick.set_fontsize(max(points * shrink, fs(0)))  # on a slide never under its 14-point floor
        lift = extra_lines * points * shrink * 1.2 / 72 / ax.figure.get_figheight()
        box = ax.get_position()
        ax.set_position([box.x0, box.y0 + lift, box.width, box.height - lift])
    spread_ticks(ax, labels, room)


def grouped_bars(table: pd.DataFrame, x: str, hue: str, value: str, lo: str | None = None, hi: str | None = None,
                 ax: Axes | None = None, percent: bool = True, suppressed_label: str = HIDDEN_LEGEND,
                 total: str | None = None, band_text: dict[str, str] | None = None,
                 band_label: str | None = None) -> Axes:
    """Bars of ``value`` by ``x`` (groups) and ``hue`` (bars within a group), with interval whiskers; the
    group ``total`` (the whole sector), when last, is set off by a divider.

    Parameters
    ----------
    table : DataFrame
        Tidy, protected table: one row per (``x``, ``hue``), optional ``suppressed``.
    x, hue, value : str
        Column names of the groups, the series within a group and the bar height.
    lo, hi : str, optional
        Interval columns (e.g. a 95% Wilson interval); drawn as whiskers.
    ax : Axes, optional
        Where to draw (default: the current Axes).
    percent : bool
        ``value`` is a 0–1 share: fix the axis at 0–105% and label ticks in percent.
    suppressed_label : str
        Legend text explaining the hidden mark x, e.g. "秘匿(該当企業が少ない、又は他の値から算出できるため)".
    band_text : dict, optional
        The words of a value published as a band (``mean_band``: 'low' → 「10%未満」, 'high' → 「90%以上」,
        default :data:`BAND_TEXT`): such a cell is drawn as the band itself, an outlined, hatched bar over
        0–10% (90–100%) with its words above it, as the table prints it — never the mark x, never a bar of a
        value. ``band_label`` is its legend entry.

    Returns
    -------
    Axes
        One ``BarContainer`` per series, labelled with the series, holding only the visible bars:
        hidden cells are the mark x at the baseline (gid ``hidden``), bands outlined rectangles (gid ``band``),
        not-assessed cells are empty.
    """
    band_text = band_text or BAND_TEXT
    ax = _ax(ax)
    xs, hues, width = _groups(table, x, hue)
    handles: list = []
    any_band = any_x = False
    for j, h in enumerate(hues):
        rows = table[table[hue].eq(h)].drop_duplicates(x).set_index(x).reindex(xs)
        pos = np.arange(len(xs)) - 0.4 + width * (j + 0.5)
        vals, hidden = _floats(rows, value), _hidden(rows)
        shown = ~hidden & np.isfinite(vals)
        st = series_style(j)
        ax.bar(pos[shown], vals[shown], width * 0.92, color=st["color"], hatch=st["hatch"], edgecolor=PAPER_COLOUR,
               linewidth=0.5, label=str(h))
        handles.append(Patch(facecolor=st["color"], hatch=st["hatch"], edgecolor=PAPER_COLOUR, label=str(h)))
        if lo and hi:
            lo_v, hi_v = _floats(rows, lo), _floats(rows, hi)
            ok = shown & np.isfinite(lo_v) & np.isfinite(hi_v)
            if ok.any():
                ax.errorbar(pos[ok], vals[ok], yerr=_errors(vals[ok], lo_v[ok], hi_v[ok]), fmt="none",
                            ecolor=INK_COLOUR, capsize=2, lw=0.8)
        bands = np.where(hidden, _bands(rows.reset_index()), "")
        for p, band in zip(pos[hidden], bands[hidden], strict=True):
            if band in band_text:
                _band_bar(ax, p, width * 0.92, band, band_text[band], st["color"])
                any_band = True
            else:
                _hidden_stub(ax, p)
                any_x = True
    labels = [str(h) for h in hues]
    if any_band and band_label:
        handles.append(Patch(facecolor=PAPER_COLOUR, edgecolor=INK_COLOUR, hatch=BAND_HATCH, label=band_label))
        labels.append(band_label)
    if any_x:
        handles.append(_hidden_handle(suppressed_label))
        labels.append(suppressed_label)
    if _has_intervals(ax):
        handles.append(_interval_handle())
        labels.append(handles[-1].get_label())
    ax.set_xlim(-0.6, len(xs) - 0.4)  # before the labels are set apart: their spacing depends on it
    _legend_above(ax, handles, labels)  # first: on a slide it may take width from the axes the ticks wrap to
    _category_ticks(ax, [str(v) for v in xs])
    _total_divider(ax, xs, total)
    ax.grid(axis="x", visible=False)  # a grid line through each group would cut its bars and stub labels
    if percent:
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(FuncFormatter(percent_ticks))
    return ax


WHISKER_LEGEND = "ひげなし: 10・90パーセンタイルを秘匿"
"""The legend entry of a box drawn without whiskers (its 10th and 90th percentiles withheld)."""
BOX_LEGEND = "箱なし: 25・75パーセンタイルを秘匿"
"""The legend entry of a median and mean drawn without a box (the 25th and 75th percentiles withheld)."""
MEAN_LEGEND = "平均"
"""The legend entry of the mean's diamond."""


def quantile_boxes(table: pd.DataFrame, x: str, hue: str, ax: Axes | None = None,
                   suppressed_label: str = HIDDEN_LEGEND, total: str | None = None,
                   whisker_label: str = WHISKER_LEGEND, band_text: dict[str, str] | None = None,
                   band_label: str | None = None, box_label: str = BOX_LEGEND,
                   mean_label: str = MEAN_LEGEND) -> Axes:
    """Box from the 25th to the 75th percentile, whiskers 10th–90th, line at the median, a diamond at the mean.

    One rule with the distribution table beside it: each statistic the table prints is drawn, each it withholds is
    left out, and the mark ``x`` stands only where the table prints ``x`` for the whole row (power 特定卸 FY2024:
    17 companies, mean and median printed, quartiles withheld, was an ``x`` beside a table that printed 66%).

    Parameters
    ----------
    table : DataFrame
        Tidy, protected table with ``p10``, ``p25``, ``p50``, ``p75``, ``p90`` (0–1) and optional
        ``suppressed``.
    x, hue : str
        Column names of the groups and the series within a group.
    ax : Axes, optional
        Where to draw (default: the current Axes).
    suppressed_label : str
        Text beside a hidden cell's stub.
    band_text : dict, optional
        The words of a mean published as a band (``mean_band``: 'high' → 「90%以上」, 'low' → 「10%未満」, default
        :data:`BAND_TEXT`): a hidden cell with a band is drawn as the band itself, an outlined, dotted bar over
        90–100% (0–10%) with its words, as the distribution table prints the mean, and ``band_label`` is its
        legend entry; an ``x`` at the 0% baseline under a group published as 「90%以上」 read as a low score.

    box_label, mean_label : str
        Legend entries of a cell drawn without its box (quartiles withheld) and of the mean's diamond.

    Returns
    -------
    Axes
        Boxes are ``Rectangle`` patches, medians lines, means a scatter of diamonds (gid ``mean``); a hidden cell with
        no band is the mark ``x`` at the baseline, with the mark's explanation in the legend. A hidden cell with a band
        is a band (gid ``band``), never the mark. A cell whose quartiles are withheld keeps its median line and mean
        (printed in the table) with no box, and ``box_label`` in the legend; a withheld 10th/90th percentile leaves
        its whisker out, with no mark beside the box (an ``x`` above a box read as an outlier), and
        ``whisker_label`` in the legend.
    """
    band_text = band_text or BAND_TEXT
    ax = _ax(ax)
    xs, hues, width = _groups(table, x, hue)
    handles = []
    any_mark = any_band = False
    no_whisker = no_box = False
    means: list[tuple[float, float]] = []
    for j, h in enumerate(hues):
        rows = table[table[hue].eq(h)].drop_duplicates(x).set_index(x).reindex(xs)
        hidden, bands = _hidden(rows), _bands(rows.reset_index())
        st = series_style(j)
        c = st["color"]
        for i, (_, r) in enumerate(rows.iterrows()):
            p = i - 0.4 + width * (j + 0.5)
            if hidden[i] and bands[i] in band_text:  # the mean published as a band: drawn where the band is
                _band_bar(ax, p, width * 0.8, bands[i], band_text[bands[i]], c)
                any_band = True
                continue
            if hidden[i]:
                _hidden_stub(ax, p)
                any_mark = True
                continue
            if pd.notna(r.get("mean")):
                means.append((p, float(r["mean"])))
            if pd.isna(r.get("p25")) or pd.isna(r.get("p75")):
                # quartiles withheld (too few companies on one side): no box; the median and mean the table prints
                # are drawn, and the legend says why the box is missing. Neither: not assessed (the note explains)
                if pd.notna(r.get("p50")):
                    ax.plot([p - width * 0.4, p + width * 0.4], [r["p50"], r["p50"]], color=STRONG_INK_COLOUR, lw=1.8)
                no_box = no_box or pd.notna(r.get("p50")) or pd.notna(r.get("mean"))
                continue
            ax.add_patch(Rectangle((p - width * 0.4, r["p25"]), width * 0.8, r["p75"] - r["p25"], facecolor=c,
                                   alpha=0.8, hatch=st["hatch"], edgecolor=PAPER_COLOUR, linewidth=0.5))
            for end, edge in (("p10", "p25"), ("p90", "p75")):
                if pd.notna(r.get(end)):
                    ax.plot([p, p], [r[end], r[edge]], color=c, lw=1.2)
                else:
                    # a withheld 10th/90th percentile: no whisker (any length would read as a value) and no mark
                    # beside the box (an x above a box read as an outlier): the legend says what a box without
                    # whiskers means
                    no_whisker = True
            ax.plot([p - width * 0.4, p + width * 0.4], [r["p50"], r["p50"]], color=STRONG_INK_COLOUR, lw=1.8)
        handles.append(Patch(facecolor=c, alpha=0.8, hatch=st["hatch"], edgecolor=PAPER_COLOUR, label=str(h)))
    if means:  # over the boxes: a white diamond edged in ink reads on every series' colour
        ax.scatter(*zip(*means, strict=True), marker="D", s=36, facecolor=PAPER_COLOUR,
                   edgecolor=STRONG_INK_COLOUR, linewidths=1.0, zorder=4, gid="mean")
    ax.set_xlim(-0.6, len(xs) - 0.4)
    _total_divider(ax, xs, total)
    labels = [str(h) for h in hues]
    if means:
        handles.append(Line2D([], [], marker="D", linestyle="none", markerfacecolor=PAPER_COLOUR,
                              markeredgecolor=STRONG_INK_COLOUR, markersize=6, label=mean_label))
        labels.append(mean_label)
    if any_band and band_label:
        handles.append(Patch(facecolor=PAPER_COLOUR, edgecolor=INK_COLOUR, hatch=BAND_HATCH, label=band_label))
        labels.append(band_label)
    if any_mark:
        handles.append(_hidden_handle(suppressed_label))
        labels.append(suppressed_label)
    if no_whisker:
        handles.append(Patch(facecolor=PAPER_COLOUR, edgecolor=INK_COLOUR, linewidth=0.8, label=whisker_label))
        labels.append(whisker_label)
    if no_box:
        handles.append(Line2D([], [], color=STRONG_INK_COLOUR, lw=1.8, label=box_label))
        labels.append(box_label)
    _legend_above(ax, handles, labels)  # first: on a slide it may take width from the axes the ticks wrap to
    _category_ticks(ax, [str(v) for v in xs])
    ax.set_ylim(0, 1.02)
    ax.grid(axis="x", visible=False)
    ax.yaxis.set_major_formatter(FuncFormatter(percent_ticks))
    return ax


def colour_indices(shares: np.ma.MaskedArray, n_colours: int) -> np.ma.MaskedArray:
    """The colour map entry of each 0–1 share (masked where ``shares`` is), as matplotlib's colour map picks it.

    A heatmap drawn from these small integers (``norm=NoNorm()``) has the same pixels as one drawn from the
    shares, but matplotlib resamples it to the output's pixels as one byte per pixel instead of several float
    copies: for a 300-dpi heatmap about 80 MB less at once, the report kernel's peak memory. A share below 0 or
    above 1 takes the first or last colour, as the colour map's default under and over colours do.

    Parameters
    ----------
    shares : masked array of float
        Values on the colour scale (0 = first colour, 1 = last).
    n_colours : int
        Entries of the colour map (``Colormap.N``, at most 256).

    Returns
    -------
    masked array of uint8
        ``min(floor(share × n), n − 1)``, clipped to ``0 … n − 1``; the mask of ``shares``.
    """
    x = np.ma.getdata(shares).astype(float) * n_colours
    x[x == n_colours] = n_colours - 1  # 1.0 is the last colour, as in Colormap.__call__
    with np.errstate(invalid="ignore"):
        index = np.clip(np.nan_to_num(x), 0, n_colours - 1).astype(np.uint8)
    return np.ma.masked_array(index, mask=np.ma.getmaskarray(shares) | np.isnan(x))


def heatmap(table: pd.DataFrame, row: str, col: str, value: str, ax: Axes | None = None,
            row_labels: dict[str, str] | None = None, suppressed_label: str = HIDDEN_LEGEND,
            total: str | None = None, band_label: str = BAND_LEGEND,
            band_text: dict[str, str] | None = None, band_short: dict[str, str] | None = None) -> Axes:
    """Rows × columns of a 0–1 value, annotated in percent.

    Hidden cells (``suppressed`` set) are white with the mark ``x``, explained by a legend entry
    (``suppressed_label``) above the plot's right end; not-assessed cells (NaN, not suppressed) are flat
    pale grey with "—", so the two stay distinguishable.

    Parameters
    ----------
    table : DataFrame
        Tidy, protected table: one row per (``row``, ``col``).
    row, col, value : str
        Column names of the heatmap rows, columns and the 0–1 value.
    ax : Axes, optional
        Where to draw (default: the current Axes).
    row_labels : dict, optional
        Display text per row value (e.g. "GV.OC 組織の状況").
    suppressed_label : str
        Legend text of the hidden mark.
    band_label : str
        Legend text of a band: a hidden cell whose ``mean_band`` is set is drawn in the colour of its end of
        the scale with its text (``band_text``, default :data:`BAND_TEXT`: 「90%以上」), never a number.
    band_text : dict, optional
        The text of a 'high' and a 'low' band cell.
    band_short : dict, optional
        Shorter texts of the bands (default :data:`BAND_SHORT`, 「≧90%」), used where the band's text fits its cell
        neither on one line nor, the row being one line high, on two; the legend entry then begins with them.

    Returns
    -------
    Axes
        Cell texts are in row-major order in ``ax.texts``; hidden cells' texts have gid ``hidden``, bands' ``band``.
    """
    ax = _ax(ax)
    rows = list(dict.fromkeys(table[row]))
    cols = list(dict.fromkeys(table[col]))
    grid = table.pivot_table(index=row, columns=col, values=value, aggfunc="first", dropna=False)
    grid = grid.reindex(index=rows, columns=cols)
    hidden_grid = (table.assign(_h=_hidden(table)).pivot_table(index=row, columns=col, values="_h", aggfunc="any")
                   .reindex(index=rows, columns=cols).fillna(False).astype(bool))
    bands = (table.assign(_b=_bands(table)).pivot_table(index=row, columns=col, values="_b", aggfunc="first")
             .reindex(index=rows, columns=cols).fillna(""))
    data = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    cmap = plt.get_cmap(HEATMAP_CMAP).with_extremes(bad=NOT_ASSESSED_COLOUR)
    scale = ScalarMappable(norm=Normalize(0, 1), cmap=cmap)  # what the colour bar explains
    ax.imshow(colour_indices(data, cmap.N), cmap=cmap, norm=NoNorm(), aspect="auto", interpolation="nearest")
    any_band = False
    band_text = band_text or BAND_TEXT
    for i in range(len(rows)):
        for j in range(len(cols)):
            v = grid.iat[i, j]
            band = str(bands.iat[i, j]) if hidden_grid.iat[i, j] else ""
            if band in band_text:  # published as a band: the colour of its range's midpoint, the band as text
                any_band = True
                mid = band_midpoint(band)
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=cmap(mid), edgecolor=PAPER_COLOUR,
                                       linewidth=0.5))
                ax.text(j, i, band_text[band], ha="center", va="center", fontsize=fs(7),
                        color=ON_DARK_COLOUR if mid < HEATMAP_DARK_BELOW else ON_LIGHT_COLOUR, gid=BAND_GID)
            elif hidden_grid.iat[i, j]:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=PAPER_COLOUR, edgecolor=CELL_EDGE_COLOUR,
                                       linewidth=0.5))
                ax.text(j, i, HIDDEN_MARK, ha="center", va="center", fontsize=fs(8), color=INK_COLOUR,
                        gid=HIDDEN_GID)
            elif pd.isna(v):
                ax.text(j, i, "—", ha="center", va="center", fontsize=fs(7), color=MUTED_COLOUR)
            else:
                ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=fs(7),
                        color=ON_DARK_COLOUR if v < HEATMAP_DARK_BELOW else ON_LIGHT_COLOUR)
    # the row labels first: on a slide they may widen their column, and the column labels wrap to what is left;
    # they leave the cells the width their widest text needs (a band's words, 「90%以上」, or 「100%」)
    cell_texts = ["100%", *(band_text[b] for b in set(bands.to_numpy().ravel()) if b in band_text)]
    cell_need = _cell_width_in(ax, cell_texts, fs(7))
    # the colour bar, added below, takes about 3.5% of the width from the cells
    label_room = (ax.get_position().x1 - 0.035) * ax.figure.get_figwidth() - len(cols) * cell_need
    ax.set_yticks(range(len(rows)), _row_labels(ax, [str((row_labels or {}).get(r, r)) for r in rows], fs(7),
                                                room=label_room), fontsize=fs(7))
    # a caller's own band words without short ones keep their words, on one line (never another language's)
    short = _fit_cell_texts(ax, len(cols), len(rows), band_text,
                            band_short or (BAND_SHORT if band_text is BAND_TEXT else band_text))
    for band, words in short.items():  # the legend names the cells' words
        if band_label.startswith(band_text[band]):
            band_label = words + band_label[len(band_text[band]):]
    width_chars = _axes_chars(ax) / max(len(cols), 1) * 0.95
    names = [short_label(str(c)) for c in cols]  # a slide's short segment names (the key is the slide's footnote)
    ax.set_xticks(range(len(cols)), [wrap(c, width_chars) for c in names], fontsize=fs(8))
    spread_ticks(ax, names, width_chars)  # a word wider than its column ran into its neighbour
    ax.grid(False)
    _total_divider(ax, cols, total)
    cb = ax.figure.colorbar(scale, ax=ax, fraction=0.025, pad=0.01)
    cb.ax.yaxis.set_major_formatter(FuncFormatter(percent_ticks))
    cb.ax.tick_params(labelsize=fs(8))
    handles, labels = [], []
    if any_band:  # the swatch in the colour of the cells it explains (the high band's where both are drawn)
        drawn = [b for b in ("high", "low") if b in band_text and (bands.to_numpy() == b).any()]
        handles.append(Patch(facecolor=cmap(band_midpoint(drawn[0])), edgecolor=KEY_EDGE_COLOUR, label=band_label))
        labels.append(band_label)
    if (hidden_grid.to_numpy(dtype=bool) & ~bands.isin(list(BAND_TEXT)).to_numpy(dtype=bool)).any():
        handles.append(_hidden_handle(suppressed_label))
        labels.append(suppressed_label)
    if handles:
        ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.005), borderaxespad=0,
                  fontsize=fs(LEGEND_SIZE), handlelength=1.2, ncol=1)
    return ax


CELL_PAD_EM = 1.2
"""Room a heatmap cell leaves around its text, in em of the text's size (both sides together)."""


def _cell_width_in(ax: Axes, texts: Sequence[str], size: float) -> float:
    """The width (inches) of a heatmap cell that holds the widest of ``texts`` at ``size`` points with
    :data:`CELL_PAD_EM` around it."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    probe = fig.text(0, 0, "", fontsize=size)
    widest = 0.0
    for text in texts:
        probe.set_text(text)
        widest = max(widest, probe.get_window_extent(renderer).width / fig.dpi)
    probe.remove()
    return widest + CELL_PAD_EM * size / 72


def _fit_cell_texts(ax: Axes, n_cols: int, n_rows: int, band_text: dict[str, str],
                    band_short: dict[str, str]) -> dict[str, str]:
    """A band's words wider than their cell (the label column could give no more width) broken between phrases
    (「90%」 over 「以上」) where the row holds two lines, else replaced by their short form (「≧90%」) on one line:
    on a slide's row one line high, the two lines ran into the rows above and below. On a slide the short form is
    used throughout, whatever the width. A number never needs either.

    Returns
    -------
    dict
        The short words used, by band ('high', 'low'): the legend must name what the cells say.
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    box = ax.get_position()
    cell = box.width * fig.get_figwidth() / max(n_cols, 1)
    row = box.height * fig.get_figheight() / max(n_rows, 1)
    bands = {words: band for band, words in band_text.items()}
    used: dict[str, str] = {}
    for text in ax.texts:
        if text.get_gid() != BAND_GID:
            continue
        if on_slide() and (band := bands.get(text.get_text())) in band_short:
            # on a slide always the short form: a heatmap split over two slides read 「≧90%」 on the half with
            # the longer row labels and 「90%以上」 on the other
            text.set_text(band_short[band])
            used[band] = band_short[band]
            continue
        size = text.get_fontsize() / 72
        if text.get_window_extent(renderer).width / fig.dpi + CELL_PAD_EM * size <= cell:
            continue
        if row >= 2 * size * TWO_LINES_EM:
            text.set_text(re.sub(r"(?<=[%％])(?=\S)", "\n", text.get_text()))  # 「90%」 over 「以上」
            text.set_linespacing(1.0)
        elif (band := bands.get(text.get_text())) in band_short:
            text.set_text(band_short[band])
            used[band] = band_short[band]
    return used


TWO_LINES_EM = 1.2
"""Height of a line of a cell's text, in em: a row shorter than two of them holds one line."""


def band_midpoint(band: str) -> float:
    """Where on the colour scale a heatmap draws a mean published as a band: the midpoint of its range
    (disclosure.BANDS: 「90%以上」 95%, 「10%未満」 5%). At the 100% end a band cell read as the best cell of the chart;
    the legend says the colour is the midpoint."""
    low, high = BANDS[band]
    return (low + high) / 2


def _bands(rows: pd.DataFrame) -> np.ndarray:
    """Per row, the band its hidden mean is published as ('high', 'low', '' where none)."""
    from pipeline.scoring.disclosure import BAND_COLUMN

    if BAND_COLUMN not in rows:
        return np.full(len(rows), "", dtype=object)
    return rows[BAND_COLUMN].fillna("").astype(str).to_numpy()


def radar(table: pd.DataFrame, axis: str, series: str, value: str, ax: Axes, axis_labels: dict[str, str] | None = None,
          highlight: str | None = None, suppressed_label: str = HIDDEN_LEGEND,
          band_text: dict[str, str] | None = None) -> Axes:
    """One closed polygon per series over the axes (e.g. CSF functions); ``ax`` must be polar.

    The ``highlight`` series (the whole sector) is thick and in the total's colour so every segment reads
    against it; other series take the palette without that colour, each with its own marker and line style. A hidden
    point leaves a gap in its polygon (never a point at the centre, which would read as 0%); a series
    hidden everywhere is listed in the legend with ``suppressed_label``. A hidden mean published as a band
    (``mean_band``: 「90%以上」) is drawn as the band itself, a thick stroke of the series' colour along its spoke
    from the 90% to the 100% ring (0–10% for 「10%未満」), explained by a legend entry of the same colour naming the
    series and the band's text (「一般送配電・送電・配電: 90%以上」; ``band_text``, default :data:`BAND_TEXT`; a grey
    swatch beside blue strokes would not say whose they are); it never joins the polygon, which would make it a
    number, and a series drawn only as bands has no line in the legend.

    Returns
    -------
    Axes
        One ``Line2D`` per drawn series, in table order; band strokes are ``Line2D`` with gid ``band``; the
        legend sits to the right of the circle.
    """
    axes_order = list(dict.fromkeys(table[axis]))
    angles = np.linspace(0, 2 * np.pi, len(axes_order), endpoint=False)
    colours = [c for c in PALETTE if c != TOTAL_COLOUR]
    band_text = band_text or BAND_TEXT
    handles: list = []
    any_hidden = False
    j = 0
    for s in dict.fromkeys(table[series]):
        rows = table[table[series].eq(s)].drop_duplicates(axis).set_index(axis).reindex(axes_order)
        vals = _floats(rows, value)
        hidden = _hidden(rows)
        vals[hidden] = np.nan
        bands = np.where(hidden, _bands(rows), "")
        banded = np.isin(bands, list(band_text))
        if np.isnan(vals).all() and not banded.any():
            if hidden.any():  # hidden everywhere: listed by name beside the mark
                handles.append(_hidden_handle(str(s)))
                any_hidden = True
            continue
        any_hidden = any_hidden or bool((hidden & ~banded).any())  # drawn with a gap where a function is hidden
        closed = np.append(vals, vals[0])
        if s == highlight:
            style = {**TOTAL_STYLE, "marker": None, "zorder": 4}
        else:
            st = series_style(j)
            style = {"lw": 1.4, "color": colours[j % len(colours)], "linestyle": st["linestyle"],
                     "marker": st["marker"], "markersize": 4, "zorder": 3}
            j += 1
        (line,) = ax.plot(np.append(angles, angles[0]), closed, label=str(s), **style)
        if not np.isnan(vals).all():  # a series drawn only as bands has no line to show in the legend
            handles.append(line)
        for angle, band in zip(angles[banded], bands[banded], strict=True):
            reach = BANDS[band]
            ax.plot([angle, angle], reach, color=style["color"], lw=6, solid_capstyle="butt", alpha=0.85,
                    zorder=5, gid=BAND_GID)
        for band in sorted(set(bands[banded])):  # 'high' before 'low'; the swatch in the colour of its strokes
            handles.append(Line2D([], [], color=style["color"], lw=6, solid_capstyle="butt", alpha=0.85,
                                  label=f"{s}: {band_text[band]}"))
    ax.set_xticks(angles, [(axis_labels or {}).get(a, a) for a in axes_order])
    for text, angle in zip(ax.get_xticklabels(), angles * ax.get_theta_direction() + ax.get_theta_offset(),
                           strict=True):  # each label grows away from the circle: centred, "Govern" ran over the ring
        cos, sin = np.cos(angle), np.sin(angle)
        text.set_horizontalalignment("left" if cos > 0.1 else "right" if cos < -0.1 else "center")
        text.set_verticalalignment("bottom" if sin > 0.1 else "top" if sin < -0.1 else "center")
        text.set_multialignment("center")
    ax.set_ylim(0, 1)
    rings = [0.25, 0.5, 0.75, 1.0]
    ax.set_yticks(rings, [""] * len(rings))  # the rings drawn; their labels placed off the data below
    _ring_labels(ax, rings, [f"{r:.0%}" for r in rings], angles)
    if any_hidden:  # one entry says what the mark means, wrapped to the legend's width
        handles.append(_hidden_handle(fill_phrases(suppressed_label, 34)))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(_right_of_labels(ax), 1.0), fontsize=fs(LEGEND_SIZE),
              borderaxespad=0)
    return ax


RING_GID = "ring"
"""gid of a radar's ring label (25%, 50%, …)."""


def _ring_labels(ax: Axes, rings: list[float], labels: list[str], spokes: np.ndarray, pad_pt: float = 2.0) -> None:
    """Each ring's label where no series' line, marker or band stroke runs under it: in the middle of the gap
    between the first two spokes where that is clear (the old fixed place), else at the clear place nearest it
    between any two spokes, off every spoke (its label and band). At the fixed place the English power radar drew
    "75%" and "50%" over the polygons (every segment near 80%). A ring with no clear place anywhere goes unlabelled:
    its neighbours name it, and a label over data is what this avoids (gid :data:`RING_GID`)."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    drawn = []  # (display points of one unbroken run of a line, its half width and marker in pixels)
    for line in ax.get_lines():
        if not line.get_visible() or len(line.get_xydata()) == 0:
            continue
        points = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
        half = (line.get_linewidth() / 2 + (line.get_markersize() / 2 if line.get_marker() not in (None, "None", "")
                                            else 0)) * fig.dpi / 72
        run: list = []
        for point in [*points, (np.nan, np.nan)]:
            if np.isfinite(point).all():
                run.append(point)
            elif run:
                drawn.append((np.array(run), half))
                run = []

    def clear(box) -> bool:
        from matplotlib.path import Path

        for run, half in drawn:
            grown = box.expanded(1, 1).padded(half + pad_pt * fig.dpi / 72)
            if len(run) == 1:
                if grown.contains(*run[0]):
                    return False
            elif Path(run).intersects_bbox(grown, filled=False):
                return False
        return True

    n = max(len(spokes), 1)
    gap = 2 * np.pi / n
    first = (spokes[0] if len(spokes) else 0.0) + gap / 2
    places = [a + gap * f for a in (spokes if len(spokes) else [0.0]) for f in (0.5, 0.35, 0.65, 0.25, 0.75)]
    places.sort(key=lambda a: (abs((a - first + np.pi) % (2 * np.pi) - np.pi), a))
    for ring, label in zip(rings, labels, strict=True):
        text = ax.text(first, ring, label, ha="center", va="center", fontsize=fs(7), color=MUTED_COLOUR, zorder=2.5,
                       gid=RING_GID)
        for angle in places:
            text.set_position((angle, ring))
            if clear(text.get_window_extent(renderer)):
                break
        else:
            text.remove()


def _right_of_labels(ax: Axes, gap_em: float = 1.5) -> float:
    """Where (axes fraction) a radar's legend may start: right of the spoke labels that grow rightwards from the
    circle, with ``gap_em`` of their size between (at the fixed 1.15, 「統治 (GV)」 grown to the right ran under the
    legend on a slide)."""
    ax.apply_aspect()  # the circle's box, as drawn
    renderer = ax.figure.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    right = [t for t in ax.get_xticklabels() if t.get_text() and t.get_horizontalalignment() == "left"]
    if not right or not box.width:
        return 1.15
    reach = max(t.get_window_extent(renderer).x1 for t in right) - box.x1
    gap = gap_em * right[0].get_fontsize() * ax.figure.dpi / 72
    return max(1.15, 1.0 + (reach + gap) / box.width)


def item_bars(table: pd.DataFrame, label: str, value: str, lo: str | None = None, hi: str | None = None,
              ax: Axes | None = None, diverging: bool = False, unit: str = "pt",
              suppressed_label: str = HIDDEN_LEGEND) -> Axes:
    """Horizontal bars, one per item (or node), optionally with whiskers; diverging for changes.

    Parameters
    ----------
    table : DataFrame
        Tidy, protected table, one row per bar in drawing order (top to bottom).
    label, value : str
        Column names of the bar label and the value (a 0–1 share, or a change in shares).
    lo, hi : str, optional
        Interval columns, drawn as whiskers.
    ax : Axes, optional
        Where to draw (default: the current Axes).
    diverging : bool
        ``value`` is a change in shares: bars go left or right of a zero line and ticks read in
        percentage points ("+5 pt"), because a change of 0.05 in a share is not "+5%".
    unit : str
        Suffix of the diverging tick labels ("pt"; Japanese reports pass "ポイント").
    suppressed_label : str
        Text beside a hidden row's stub.

    Returns
    -------
    Axes
        Visible bars in one ``BarContainer``; hidden rows are hatched outline stubs with the label,
        not-assessed rows (NaN, not suppressed) are left empty.
    """
    ax = _ax(ax)
    t = table.reset_index(drop=True)
    vals, hidden = _floats(t, value), _hidden(t)
    shown = ~hidden & np.isfinite(vals)
    pos = np.arange(len(t))
    colours = [RISE_COLOUR if (v >= 0 or not diverging) else FALL_COLOUR for v in vals[shown]]
    hatches = ["" if (v >= 0 or not diverging) else "//" for v in vals[shown]]
    bars = ax.barh(pos[shown], vals[shown], color=colours, edgecolor=PAPER_COLOUR, linewidth=0.5)
    for b, h in zip(bars, hatches, strict=True):
        b.set_hatch(h)
    lo_v, hi_v = _floats(t, lo), _floats(t, hi)
    if lo and hi:
        ok = shown & np.isfinite(lo_v) & np.isfinite(hi_v)
        if ok.any():
            ax.errorbar(vals[ok], pos[ok], xerr=_errors(vals[ok], lo_v[ok], hi_v[ok]), fmt="none", ecolor=INK_COLOUR,
                        capsize=2, lw=0.8)
    if diverging:
        reach = float(np.nanmax(np.abs(np.concatenate([vals[shown], lo_v[shown], hi_v[shown], [0.01]]))))
        _points_axis(ax, reach, unit)
        whole = np.array(whole_points_mask(t), dtype=bool)  # the table's precision rule, row by row
        _change_labels(ax, vals[shown], pos[shown], reach, unit, whole[shown])
    else:
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(FuncFormatter(percent_ticks))
    for p in pos[hidden]:
        _hidden_stub(ax, p, horizontal=True)
    keys = [*([_hidden_handle(suppressed_label)] if hidden.any() else []),
            *([_interval_handle(horizontal=True)] if _has_intervals(ax) else [])]
    if keys:
        ax.legend(keys, [k.get_label() for k in keys], loc="lower right", bbox_to_anchor=(1.0, 1.01), ncols=len(keys),
                  borderaxespad=0, fontsize=fs(LEGEND_SIZE), handlelength=1.2)
    ax.set_yticks(pos, _row_labels(ax, [str(v) for v in t[label]], fs(8)), fontsize=fs(8))
    ax.set_ylim(len(t) - 0.5, -0.5)  # first row at the top
    ax.grid(axis="y", visible=False)
    return ax


# --- trends ---------------------------------------------------------------------------------------------

def trend_lines(table: pd.DataFrame, x: str = "year", y: str = "mean", hue: str | None = "node_id",
                lo: str | None = "ci_low", hi: str | None = "ci_high", ax: Axes | None = None,
                labels: Mapping[Hashable, str] | None = None, percent: bool = True,
                suppressed_label: str = HIDDEN_LEGEND,
                year_format: str = "FY{year}", legend: bool = True, ylim: tuple[float, float] | None = None,
                total: str | None = None) -> Axes:
    """One line per series over years, with 95% interval whiskers; hidden years are marked, not joined.

    Parameters
    ----------
    table : DataFrame
        Tidy, protected table: one row per (``hue``, ``x``) with ``y``, optional ``lo``/``hi`` and
        ``suppressed``.
    x : str
        Year column (integers); ticks are exactly the years present, labelled with ``year_format``.
    y : str
        Value column (a 0–1 share when ``percent``).
    hue : str or None
        Series column; None draws a single series.
    lo, hi : str or None
        Interval columns; missing columns are ignored. Whiskers are nudged sideways per series so
        overlapping intervals stay readable.
    ax : Axes, optional
        Where to draw (default: the current Axes).
    labels : mapping, optional
        Display name per series value (legend text).
    percent : bool
        Axis 0–100% with percent ticks (unless ``ylim`` says otherwise).
    suppressed_label : str
        Text over the hollow markers of hidden points (and their legend entry).
    year_format : str
        Tick label per year, a label template such as report_labels.yaml ``fy``: "FY{year}" → "FY2024",
        "{year}年度" → "2024年度".
    legend : bool
        Draw the legend to the right of the Axes (``small_multiples`` draws one for all panels instead).
    ylim : tuple of float, optional
        Value-axis limits; default 0–1 when ``percent``.

    Returns
    -------
    Axes
        Exactly one ``Line2D`` per series (``ax.get_lines()``, in series order) whose y data has NaN
        at hidden and not-assessed years, so a line never runs through a hidden year as if it were 0.
        Hidden points are the mark ``x`` at the bottom of the Axes in the series' colour (no marker, no
        line), explained by a legend entry ``suppressed_label``; not-assessed points are simply absent.
    """
    ax = _ax(ax)
    single = hue is None
    if single:
        hue, table = "_series", table.assign(_series=y)
    xs = sorted(dict.fromkeys(int(v) for v in table[x].dropna()))
    series = list(dict.fromkeys(table[hue]))
    names = [str((labels or {}).get(s, s)) for s in series]
    step = min(0.06, 0.5 / max(len(series), 1))
    bottom = ax.get_xaxis_transform()  # x in data, y in Axes fraction: hidden marks sit at the floor
    hidden_years: set[int] = set()
    marks: dict[int, list[str]] = {}  # year → the colours of the series hidden there, in series order
    handles: list = []
    for j, s in enumerate(series):
        rows = table[table[hue].eq(s)].drop_duplicates(x).assign(_x=lambda d: d[x].astype(int)).set_index("_x")
        rows = rows.reindex(xs)
        vals, hidden = _floats(rows, y), _hidden(rows)
        vals[hidden] = np.nan
        st = series_style(j)
        lw = 1.8
        if total is not None and str(s) == str(total):  # the whole sector: as in every chart where it is a line
            st, lw = {**st, "color": TOTAL_STYLE["color"], "linestyle": TOTAL_STYLE["linestyle"], "marker": "o"}, \
                TOTAL_STYLE["lw"]
        # Nudge each series sideways a little so overlapping whiskers stay readable; line, markers and
        # whiskers move together so a whisker never detaches from its point.
        xa = np.asarray(xs, dtype=float) + (j - (len(series) - 1) / 2) * step
        (line,) = ax.plot(xa, vals, color=st["color"], marker=st["marker"], linestyle=st["linestyle"], lw=lw,
                          markersize=5.5, label=names[j], zorder=3)
        handles.append(line)
        lo_v, hi_v = _floats(rows, lo), _floats(rows, hi)
        ok = np.isfinite(vals) & np.isfinite(lo_v) & np.isfinite(hi_v)
        if ok.any():
            ax.errorbar(xa[ok], vals[ok], yerr=_errors(vals[ok], lo_v[ok], hi_v[ok]), fmt="none",
                        ecolor=st["color"], elinewidth=1.0, capsize=0, alpha=0.7, zorder=2)
        for xh in np.asarray(xs)[hidden]:
            marks.setdefault(int(xh), []).append(st["color"])
        hidden_years.update(np.asarray(xs)[hidden].tolist())
    # the marks at the floor, in each series' colour (no point, so no value), side by side a mark's width
    # apart around their year: nudged like the lines, several series hidden in one year overlapped into a smear
    gap = fs(9) * 0.9  # points
    for year, colours in marks.items():
        for i, colour in enumerate(colours):
            ax.annotate(HIDDEN_MARK, (year, 0.01), xycoords=bottom, xytext=((i - (len(colours) - 1) / 2) * gap, 0),
                        textcoords="offset points", ha="center", va="bottom", fontsize=fs(9), color=colour,
                        gid=HIDDEN_GID, annotation_clip=False)
    if hidden_years:
        handles.append(_hidden_handle(suppressed_label))
    if _has_intervals(ax):
        handles.append(_interval_handle())
    ax.set_xticks(xs, [year_format.format(year=v) for v in xs])
    if xs:
        ax.set_xlim(xs[0] - 0.5, xs[-1] + 0.5)
    if ylim is not None:
        ax.set_ylim(*ylim)
    elif percent:
        ax.set_ylim(0, 1)
    if percent:
        ax.yaxis.set_major_formatter(FuncFormatter(percent_ticks))
    if legend and (not single or len(handles) > 1):  # one series needs a legend only to explain a mark or whisker
        shown_handles = handles if not single else handles[1:]
        _legend_right(ax, shown_handles, [h.get_label() for h in shown_handles])
    return ax


def trend_lines_weighted(table: pd.DataFrame, x: str = "year", members: str = "w_mean",
                         respondents: str = "mean", hue: str = "node_id", lo: str = "w_mean_ci_low",
                         hi: str = "w_mean_ci_high", ax: Axes | None = None,
                         labels: Mapping[Hashable, str] | None = None, style_labels: tuple[str, str] = ("", ""),
                         suppressed_label: str = HIDDEN_LEGEND, year_format: str = "FY{year}") -> Axes:
    """:func:`trend_lines` of the members' estimate (solid, with its 95% interval) and, in the same colour
    and marker, the respondents' mean (thin dashed, no interval), so the gap between them reads at a glance.

    Returns the Axes; ``ax.get_lines()`` holds the members' lines first (one per series, in order), then
    the respondents' (same order). ``style_labels`` name the solid line with filled marks and the dashed line
    with hollow marks in the legend (with one year there is no line, only the marks).
    """
    ax = trend_lines(table, x=x, y=members, hue=hue, lo=lo, hi=hi, ax=ax, labels=labels,
                     suppressed_label=suppressed_label, year_format=year_format, legend=False)
    series = list(dict.fromkeys(table[hue]))
    solid = list(ax.get_lines())[: len(series)]
    xs = sorted(dict.fromkeys(int(v) for v in table[x].dropna()))
    step = min(0.06, 0.5 / max(len(series), 1))
    for j, (s, line) in enumerate(zip(series, solid, strict=True)):
        line.set_linestyle("-")
        rows = table[table[hue].eq(s)].drop_duplicates(x).assign(_x=lambda d: d[x].astype(int)).set_index("_x")
        rows = rows.reindex(xs)
        vals = _floats(rows, respondents)
        vals[_hidden(rows)] = np.nan
        xa = np.asarray(xs, dtype=float) + (j - (len(series) - 1) / 2) * step
        ax.plot(xa, vals, color=line.get_color(), linestyle="--", lw=1.1, marker=line.get_marker(),
                markersize=3.5, markerfacecolor="none", alpha=0.85, zorder=2)
    # the marks as well as the lines: a single year draws no line, only a filled and a hollow mark
    handles = [*solid, Line2D([], [], color=INK_COLOUR, linestyle="-", lw=1.8, marker="o", markersize=5,
                              label=style_labels[0]),
               Line2D([], [], color=INK_COLOUR, linestyle="--", lw=1.1, marker="o", markersize=3.5,
                      markerfacecolor="none", label=style_labels[1]),
               *([_interval_handle()] if _has_intervals(ax) else [])]
    _legend_right(ax, handles, [h.get_label() for h in handles])
    return ax


def rate_by_year(table: pd.DataFrame, x: str = "year", y: str = "response_rate", lo: str | None = "ci_low",
                 hi: str | None = "ci_high", ax: Axes | None = None, suppressed_label: str = HIDDEN_LEGEND,
                 year_format: str = "FY{year}") -> Axes:
    """Response rate (or any one 0–1 share) over years with its interval: ``trend_lines`` with one series.

    Returns
    -------
    Axes
        One ``Line2D``; hidden years are the mark ``x`` at the floor.
    """
    return trend_lines(table, x=x, y=y, hue=None, lo=lo, hi=hi, ax=ax, suppressed_label=suppressed_label,
                       year_format=year_format)


def panel_vs_all(table: pd.DataFrame, node: str = "node_id", value: str = "change", basis: str = "basis",
                 lo: str | None = None, hi: str | None = None, ax: Axes | None = None,
                 labels: Mapping[Hashable, str] | None = None, basis_labels: Mapping[Hashable, str] | None = None,
                 unit: str = "pt", suppressed_label: str = HIDDEN_LEGEND) -> Axes:
    """Change per CSF function for all respondents beside the same-company panel, diverging at zero.

    The two bases answer different questions: "all respondents" mixes real change with a changing
    set of respondents, the panel (companies answering both years) does not. Side by side, a gap
    between them says the respondent mix moved the headline.

    Parameters
    ----------
    table : DataFrame
        Tidy, protected table: one row per (``node``, ``basis``), ``value`` a change in 0–1 shares,
        optional ``lo``/``hi`` and ``suppressed``. E.g. the all-respondents ``change`` of
        ``tables.trends`` (segment 全体, latest year) with ``basis="all"`` stacked on
        ``tables.panel``'s ``mean_change`` renamed to ``change`` with ``basis="panel"``.
    node, value, basis : str
        Column names of the function, the change and the basis.
    lo, hi : str, optional
        Interval columns, drawn as whiskers.
    ax : Axes, optional
        Where to draw (default: the current Axes).
    labels : mapping, optional
        Display text per function (tick labels), e.g. {"GV": "統治 (GV)"}.
    basis_labels : mapping, optional
        Legend text per basis, e.g. {"all": "全回答者", "panel": "同一事業者"}.
    unit : str
        Tick-label suffix ("pt" or "ポイント").
    suppressed_label : str
        Text beside a hidden cell's stub.

    Returns
    -------
    Axes
        One ``BarContainer`` per basis (visible bars only), functions top to bottom in table order;
        legend to the right (callers use ``style.new_figure(right=0.78)``).
    """
    ax = _ax(ax)
    nodes, bases, height = _groups(table, node, basis)
    vals_all = _floats(table, value)
    extra = np.concatenate([_floats(table, lo), _floats(table, hi)])
    finite = np.concatenate([vals_all, extra])
    reach = float(np.nanmax(np.abs(finite))) if np.isfinite(finite).any() else 0.05
    reach = max(reach, 0.01)
    handles, names = [], []
    for j, b in enumerate(bases):
        rows = table[table[basis].eq(b)].drop_duplicates(node).set_index(node).reindex(nodes)
        pos = np.arange(len(nodes)) - 0.4 + height * (j + 0.5)
        vals, hidden = _floats(rows, value), _hidden(rows)
        shown = ~hidden & np.isfinite(vals)
        st = series_style(j)
        name = str((basis_labels or {}).get(b, b))
        ax.barh(pos[shown], vals[shown], height * 0.9, color=st["color"], hatch=st["hatch"], edgecolor=PAPER_COLOUR,
                linewidth=0.5, label=name)
        handles.append(Patch(facecolor=st["color"], hatch=st["hatch"], edgecolor=PAPER_COLOUR))
        names.append(name)
        lo_v, hi_v = _floats(rows, lo), _floats(rows, hi)
        ok = shown & np.isfinite(lo_v) & np.isfinite(hi_v)
        if ok.any():
            ax.errorbar(vals[ok], pos[ok], xerr=_errors(vals[ok], lo_v[ok], hi_v[ok]), fmt="none", ecolor=INK_COLOUR,
                        capsize=2, lw=0.8)
        whole = np.array(whole_points_mask(rows.reset_index()), dtype=bool)  # as the function table prints it
        _change_labels(ax, vals[shown], pos[shown], reach, unit, whole[shown])
        for p in pos[hidden]:
            _hidden_stub(ax, p, horizontal=True)
    if _hidden(table).any():
        handles.append(_hidden_handle(suppressed_label))
        names.append(suppressed_label)
    if _has_intervals(ax):
        handles.append(_interval_handle(horizontal=True))
        names.append(handles[-1].get_label())
    _points_axis(ax, reach, unit)
    ax.set_yticks(range(len(nodes)), [str((labels or {}).get(n, n)) for n in nodes], fontsize=fs(9))
    ax.set_ylim(len(nodes) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    _legend_right(ax, handles, names)
    return ax


def small_multiples(table: pd.DataFrame, facet: str = "node_id", x: str = "year", y: str = "share_reached",
                    hue: str = "segment", lo: str | None = "ci_low", hi: str | None = "ci_high",
                    fig: Figure | None = None, facet_labels: Mapping[Hashable, str] | None = None,
                    labels: Mapping[Hashable, str] | None = None, percent: bool = True,
                    suppressed_label: str = HIDDEN_LEGEND, year_format: str = "FY{year}",
                    rect: tuple[float, float, float, float] = (0.07, 0.17, 0.78, 0.80),
                    total: str | None = None) -> list[Axes]:
    """One small ``trend_lines`` panel per ``facet`` value, side by side with a shared value axis.

    Used for "Lv1+/Lv2+/Lv3+ share by size band over years": facet = level, hue = size band. One
    common legend sits to the right of all panels, so the panels stay comparable and uncluttered.

    Parameters
    ----------
    table : DataFrame
        Tidy, protected table: one row per (``facet``, ``hue``, ``x``).
    facet : str
        Column whose values get one panel each, in table order.
    x, y, hue, lo, hi, labels, percent, suppressed_label, year_format
        As in ``trend_lines``.
    fig : Figure, optional
        An empty figure to draw in (default: a new 16:9 figure); leave its bottom for ``style.finish``.
    facet_labels : mapping, optional
        Panel titles per facet value (e.g. {"Lv1": "Lv1 以上"}).
    rect : tuple of float
        (left, bottom, right, top) of the panel block in figure fractions; the legend goes right of it.

    Returns
    -------
    list of Axes
        One per facet value, in table order.
    """
    fig = fig if fig is not None else plt.figure(figsize=SLIDE)
    facets = list(dict.fromkeys(table[facet]))
    left, bottom, right, top = rect
    grid = fig.add_gridspec(1, max(len(facets), 1), left=left, bottom=bottom, right=right, top=top, wspace=0.08)
    axes: list[Axes] = []
    for i, f in enumerate(facets):
        ax = fig.add_subplot(grid[0, i], sharey=axes[0] if axes else None)
        trend_lines(table[table[facet].eq(f)], x=x, y=y, hue=hue, lo=lo, hi=hi, ax=ax, labels=labels,
                    percent=percent, suppressed_label=suppressed_label, year_format=year_format, legend=False,
                    total=total)
        ax.set_title(str((facet_labels or {}).get(f, f)), fontsize=fs(11), loc="left")
        ax.tick_params(axis="x", labelsize=fs(8))
        if i:
            ax.tick_params(axis="y", labelleft=False)
        axes.append(ax)
    # One legend for all panels: every series in first-seen order, plus the hidden marker if any panel has one.
    seen: dict[str, object] = {}
    for ax in axes:
        for h in ax.get_lines():
            seen.setdefault(h.get_label(), h)
        if any(t.get_gid() == HIDDEN_GID for t in ax.texts):
            seen.setdefault(suppressed_label, _hidden_handle(suppressed_label))
    if any(_has_intervals(ax) for ax in axes):
        seen.setdefault(_WORDS["interval"], _interval_handle())
    if seen:
        fig.legend(list(seen.values()), [fill_phrases(t, _right_room(fig, right + 0.015)) for t in seen],
                   loc="upper left", bbox_to_anchor=(right + 0.015, top),
                   fontsize=fs(LEGEND_SIZE), handlelength=2.6, borderaxespad=0)
    return axes


# --- the member feedback figure --------------------------------------------------------------------

FIGURE_DPI = 100
"""The workbook figure's resolution. XlsxWriter sizes an image by its DPI, and Excel shows 7 inches as about 670
screen pixels: 100 dpi (700 pixels) is what the screen shows; 150 dpi cost a third more of the figure's time
(more pixels to copy and encode) for detail seen only when zoomed in."""
PAGE_DPI = 150
"""The PDF page figure's resolution: printed, so finer than the screen's."""
LABEL_X, LABEL_SIZE = 1.03, 8
"""The company's value labels: at 1.03 of the axes width (right of the axes), 8 points."""
PNG_LEVEL = 1
"""zlib level of the member figure's PNG: level 1 encodes several times faster than the default 6 for a
slightly larger file (lossless either way)."""


def peer_dots(scores: pd.DataFrame, ax: Axes, w: dict[str, Any]) -> Axes:
    """One row per measure: the peers' interquartile range as a band, their median as a bar,
    their mean as an open circle, the company as a diamond with its value beside it.

    The mean is drawn because it needs only k peers, where the median needs 2k and the quartiles 4k:
    in a small peer group it is the only peer value there is.

    A row without peer values says so in words instead of drawing nothing, so an empty row is never
    read as a peer group at 0%. Rows follow ``scores`` from the top; a gap separates CSF 2.0 functions
    from the automotive levels and ★3.

    Parameters
    ----------
    scores : DataFrame
        :attr:`pipeline.publish.feedback_model.MemberPage.scores` (node, score, p25, p50, p75; NaN where not shown).
    ax : Axes
        Where to draw.
    w : dict
        :func:`pipeline.report.member_page.words` of the page language (legend texts).
    """
    _peer_background(scores, ax, w)
    for artist in _company_marks(scores, ax):
        ax.add_artist(artist)
    return ax


def _positions(scores: pd.DataFrame) -> np.ndarray:
    """Row positions from the top; a gap separates CSF 2.0 functions from the levels and ★3."""
    return _positions_of(tuple(scores["node"].tolist())).copy()


@cache
def _positions_of(nodes: tuple[str, ...]) -> np.ndarray:
    """:func:`_positions` of these row labels (the same rows for every member of a feedback run: made once)."""
    pos = np.arange(len(nodes), dtype=float)
    csf = np.array([re.match(r"^(GV|ID|PR|DE|RS|RC) ", str(node)) is not None for node in nodes], dtype=bool)
    pos[~csf] += 0.6 if csf.any() else 0.0
    return pos


def _peer_background(scores: pd.DataFrame, ax: Axes, w: dict[str, Any]) -> None:
    """Everything of the figure but the company's own marks: what all members of a peer group share."""
    n = len(scores)
    pos = _positions(scores)
    for p, row in zip(pos, scores.itertuples(index=False), strict=True):
        if pd.notna(row.p25) and pd.notna(row.p75):
            ax.add_patch(Rectangle((row.p25, p - 0.28), row.p75 - row.p25, 0.56, facecolor=PEER_COLOUR, alpha=0.3,
                                   edgecolor=PEER_COLOUR, linewidth=0.6))
        if pd.notna(row.p50):
            ax.plot([row.p50, row.p50], [p - 0.32, p + 0.32], color=STRONG_INK_COLOUR, lw=2.2, solid_capstyle="butt")
        if pd.notna(row.peer_mean):
            ax.plot([row.peer_mean], [p], marker="o", markersize=6, markerfacecolor=PAPER_COLOUR,
                    markeredgecolor=STRONG_INK_COLOUR, markeredgewidth=1.2, linestyle="none", zorder=4)
        if pd.isna(row.peer_mean) and pd.isna(row.p50):
            ax.text(0.01, p + 0.36, w["no_stat"], ha="left", va="bottom", fontsize=6.5, color=FAINT_COLOUR)
    ax.set_xlim(0, 1)
    ax.set_ylim(pos[-1] + 0.7 if n else 1, -0.7)
    ax.set_yticks(pos, scores["node"].tolist(), fontsize=9)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="y", visible=False)
    ax.spines[["top", "right"]].set_visible(False)
    legend = w["legend"]
    handles = [Line2D([], [], marker="D", color=COMPANY_COLOUR, markeredgecolor=PAPER_COLOUR, linestyle="none",
                      markersize=7, label=legend["company"]),
               Line2D([], [], marker="o", markerfacecolor=PAPER_COLOUR, markeredgecolor=STRONG_INK_COLOUR,
                      markeredgewidth=1.2, linestyle="none", markersize=6, label=legend["mean"]),
               Line2D([], [], color=STRONG_INK_COLOUR, lw=2.2, label=legend["median"]),
               Patch(facecolor=PEER_COLOUR, alpha=0.3, edgecolor=PEER_COLOUR, label=legend["iqr"])]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(-0.4, 1.01), ncols=2, fontsize=7.5,
              borderaxespad=0, handlelength=1.6, columnspacing=1.0, frameon=False)


def _company_marks(scores: pd.DataFrame, ax: Axes) -> list[Artist]:
    """The company's own marks, not yet added to ``ax``: a diamond per scored row, its value beside it."""
    marks: list[Artist] = [_company_diamonds(scores)]
    for p, text in _company_labels(scores):
        marks.append(Text(LABEL_X, p, text, ha="left", va="center", fontsize=LABEL_SIZE, color=COMPANY_COLOUR,
                          transform=ax.get_yaxis_transform(), clip_on=False))  # beside the axes, never cut
    return marks


def _company_diamonds(scores: pd.DataFrame) -> Line2D:
    """A diamond per scored row, in data coordinates."""
    pos = _positions(scores)
    scored = scores["score"].notna().to_numpy()
    return Line2D(scores["score"].to_numpy(float)[scored], pos[scored], marker="D", markersize=7,
                  color=COMPANY_COLOUR, markeredgecolor=PAPER_COLOUR, linestyle="none", zorder=5,
                  clip_on=False)  # a company at 0% or 100% gets a whole diamond, not half


def _company_labels(scores: pd.DataFrame) -> list[tuple[float, str]]:
    """(row position, text) of the company's value labels, as :func:`_company_marks` writes them."""
    pos = _positions(scores)
    values = scores["score"].to_numpy(float)
    return [(float(p), f"{v:.1%}") for p, v in zip(pos, values, strict=True) if not np.isnan(v)]


@cache
def _label_font(dpi: float) -> ImageFont.FreeTypeFont:
    """The value labels' font (the figures' own, found as matplotlib finds it) at 8 points for ``dpi``."""
    return ImageFont.truetype(findfont(FontProperties(size=LABEL_SIZE)), size=LABEL_SIZE * dpi / 72)


class PeerFigures:
    """Draws the member figure (:func:`peer_dots`) for many members of one sector-year, cheaply.

    Members of one peer group see the same peer bands, medians, means, labels and legend; only their
    own diamonds and values differ. The shared part is drawn once per distinct set of peer values
    (kept for the ``keep`` most recent) and each member's marks are drawn over a copy of it, then
    encoded as PNG. The pixels depend only on the member's numbers, never on which member came first.
    """

    def __init__(self, w: dict[str, Any], keep: int = 16, page: bool = False) -> None:
        self.w = w
        self.keep = keep
        self.page = page  # drawn for the A4 page (PAGE_FIGURE), not for the workbook
        self.dpi = PAGE_DPI if page else FIGURE_DPI
        self._drawn: OrderedDict[tuple, tuple[Figure, FigureCanvasAgg, Axes, Any]] = OrderedDict()

    def image(self, scores: pd.DataFrame) -> Image.Image:
        """The figure of one member's ``scores`` as an RGB image (at PAGE_DPI for the page; the PDF takes it as it is:
        encoding a PNG only for the PDF writer to decode it cost more than drawing)."""
        shared = tuple(tuple(None if pd.isna(v) else v for v in row)
                       for row in zip(*(scores[c].tolist() for c in ("node", "p25", "p50", "p75", "peer_mean")),
                                      strict=True))
        if shared in self._drawn:
            self._drawn.move_to_end(shared)
        else:
            self._drawn[shared] = self._background(scores)
            if len(self._drawn) > self.keep:
                self._drawn.popitem(last=False)
        fig, canvas, ax, background = self._drawn[shared]
        canvas.restore_region(background)
        diamonds = _company_diamonds(scores)
        diamonds.set_figure(fig)
        diamonds.axes = ax
        diamonds.set_transform(ax.transData)
        ax.draw_artist(diamonds)
        labels = _company_labels(scores)
        width, height = canvas.get_width_height(physical=True)
        # the alpha channel dropped as PIL's convert("RGB") drops it, without its per-pixel loop
        rgba = np.asarray(canvas.buffer_rgba()).reshape(height, width, 4)
        rgb = Image.fromarray(np.ascontiguousarray(rgba[:, :, :3]), "RGB")
        # the value labels sit right of the axes, on white: drawn by FreeType through PIL at the place and size
        # matplotlib would put them (a matplotlib Text per label cost more than the rest of the figure)
        draw = ImageDraw.Draw(rgb)
        font = _label_font(self.dpi)
        xy = ax.get_yaxis_transform().transform([(LABEL_X, p) for p, _ in labels]) if labels else []
        for (x, y), (_, text) in zip(xy, labels, strict=True):
            draw.text((round(x), height - y), text, fill=COMPANY_COLOUR, font=font, anchor="lm")
        return rgb

    def png(self, scores: pd.DataFrame) -> bytes:
        """The figure of one member's ``scores`` (:attr:`~pipeline.publish.feedback_model.MemberPage.scores`)
        as PNG bytes at its DPI."""
        return encode_png(np.asarray(self.image(scores)), dpi=self.dpi, level=PNG_LEVEL)

    def _background(self, scores: pd.DataFrame) -> tuple[Figure, FigureCanvasAgg, Axes, Any]:
        if self.page:
            width, height, axes = page_figure_box(len(scores))
            fig = Figure(figsize=(width, height), dpi=self.dpi)
        else:
            fig = Figure(figsize=(7.0, 1.2 + 0.42 * max(len(scores), 1)), dpi=self.dpi)
            axes = (0.3, 0.12, 0.62, 0.88 - 0.9 / fig.get_figheight())
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes(axes)
        _peer_background(scores, ax, self.w)
        canvas.draw()
        return fig, canvas, ax, canvas.copy_from_bbox(fig.bbox)
