"""Drawing for a deck slide: the picture size, the smallest text, and the mode figures are drawn in.

The publisher draws each deck figure a second time inside :func:`slide_mode`; the report's figure style
(``pipeline/report/style.py``) asks :func:`on_slide` and :func:`fs` how large to draw. Kept here, below
both, so the publisher never imports the report.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

SLIDE_FIGURE = (12.3, 5.0)
"""The picture area of a deck slide (13.33 × 7.5 in, under the slide's title and above its footnote of up to two
lines and its source line): deck figures are drawn at this size and placed unscaled, so a 14-point label stays 14 points
projected."""
NOTE_ATTRIBUTE = "sdw_slide_note"
"""Where :func:`keep_note` leaves a slide figure's note on the figure, for the publisher to hand to the deck."""
SLIDE_MIN_PT = 14.0
"""The smallest text on a deck figure (a 16:9 slide read from the back of a meeting room)."""
_MODE: dict[str, Any] = {"slide": False, "short": {}, "used": {}}


def on_slide() -> bool:
    """Whether figures are being drawn for a deck slide (see :func:`slide_mode`)."""
    return _MODE["slide"]


def fs(size: float) -> float:
    """A font size for the current target: as given on the page; on a slide at least :data:`SLIDE_MIN_PT`
    (every size a quarter larger, and never under it), since the deck places its figures unscaled."""
    return max(SLIDE_MIN_PT, size * 1.25) if _MODE["slide"] else size


@contextmanager
def slide_mode() -> Iterator[None]:
    """Draw for a deck slide while inside: the style's ``new_figure`` makes a :data:`SLIDE_FIGURE`, :func:`fs` keeps
    text at 14 pt or more, and the style's ``finish`` leaves the title and source line to the slide (one of each)."""
    before = dict(plt.rcParams)
    _MODE["slide"] = True
    try:
        plt.rcParams.update({key: fs(11) for key in ("font.size", "xtick.labelsize", "ytick.labelsize",
                                                     "legend.fontsize", "axes.labelsize", "axes.titlesize")})
        yield
    finally:
        _MODE["slide"] = False
        plt.rcParams.update(before)


def min_text_size(fig: Figure) -> float:
    """The smallest font size (points) of any visible, non-empty text in ``fig`` (ticks and legends included)."""
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return float(min(sizes)) if sizes else math.inf


def keep_note(fig: Figure, note: str, shared: str = "") -> None:
    """Keep a slide figure's notes off the picture (a four-line note drawn into the figure took the room of the data):
    the deck writes ``note`` (the figure's own words) as the slide's footnote, what fits, and in full in the slide's
    notes; ``shared`` (the caveats every slide shares, on the deck's caveats slide) goes to the slide's notes only."""
    setattr(fig, NOTE_ATTRIBUTE, (note, shared))


def kept_note(fig: Figure) -> tuple[str, str]:
    """The (note, shared caveats) :func:`keep_note` left on ``fig`` (empty strings when none)."""
    note, shared = getattr(fig, NOTE_ATTRIBUTE, ("", ""))
    return str(note or ""), str(shared or "")


@contextmanager
def short_labels(short: Mapping[str, str]) -> Iterator[None]:
    """While inside, :func:`short_label` gives a category's slide label (a long segment name's short form, e.g.
    "Aggregator" for "Specified wholesale supply (aggregator)"): a slide's cells are too narrow for the page's
    names, which wrapped to three lines and staggered to two rows."""
    before = _MODE["short"], _MODE["used"]
    _MODE["short"], _MODE["used"] = dict(short), {}
    try:
        yield
    finally:
        _MODE["short"], _MODE["used"] = before


def short_label(text: str) -> str:
    """``text``'s short form on a slide (see :func:`short_labels`); ``text`` itself on a page or without one. A short
    form given is remembered for the slide's key (:func:`short_key`)."""
    short = str(_MODE["short"].get(text, text)) if _MODE["slide"] else text
    if short != text:
        _MODE["used"][short] = text
    return short


def short_key(template: str = "{short} = {name}", sep: str = "; ") -> str:
    """The key of the short labels given since :func:`short_labels` was entered ("Aggregator = Specified wholesale
    supply (aggregator)"), empty when none was."""
    return sep.join(template.format(short=k, name=v) for k, v in _MODE["used"].items())


def figure_facts(fig: Figure) -> dict[str, Any]:
    """What a slide figure says, read from its objects as drawn, for the deck's checks (kept in the PNG as ASCII JSON:
    ``sdw:facts``): per Axes its kind ('plot', 'polar' or 'colorbar'), axis titles and box (figure fractions), the
    legends' words, whether error bars are drawn, and every visible text."""
    from matplotlib.container import ErrorbarContainer
    from matplotlib.text import Text

    axes = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        kind = "colorbar" if ax.get_label() == "<colorbar>" else "polar" if ax.name == "polar" else "plot"
        box = ax.get_position()
        axes.append({"kind": kind, "x": ax.get_xlabel(), "y": ax.get_ylabel(),
                     "box": [round(v, 4) for v in (box.x0, box.y0, box.x1, box.y1)]})
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + list(fig.legends)
    return {"axes": axes,
            "legend": [t.get_text() for legend in legends for t in legend.get_texts()],
            "intervals": any(isinstance(c, ErrorbarContainer) for ax in fig.axes for c in ax.containers),
            "texts": [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]}
