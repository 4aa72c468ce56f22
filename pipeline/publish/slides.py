"""Drawing for a deck slide: the picture size, the smallest text, and the mode figures are drawn in.

The publisher draws each deck figure a second time inside :func:`slide_mode`; the report's figure style
(``pipeline/report/style.py``) asks :func:`on_slide` and :func:`fs` how large to draw. Kept here, below
both, so the publisher never imports the report.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

SLIDE_FIGURE = (12.3, 5.5)
"""The picture area of a deck slide (13.33 × 7.5 in, under the slide's title and above its source line):
deck figures are drawn at this size and placed unscaled, so a 14-point label stays 14 points projected."""
SLIDE_MIN_PT = 14.0
"""The smallest text on a deck figure (a 16:9 slide read from the back of a meeting room)."""
_MODE = {"slide": False}


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
