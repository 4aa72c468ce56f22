"""One briefing style: Japanese glyphs without system fonts, a palette that survives greyscale and
colour-blindness, 16:9 slides, consistent titles and a source line."""

from __future__ import annotations

from functools import cache
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib_fontja  # noqa: E402,F401 - registers IPAexGothic for Japanese labels

from pipeline.catalogs._files import read_yaml  # noqa: E402

# Okabe–Ito, ordered so neighbours also differ in lightness (greyscale printing).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--"]
SLIDE = (10.0, 5.625)  # inches, 16:9
DPI = 300


def apply() -> None:
    """Set the figure style for this process (fonts, palette, sizes)."""
    plt.rcParams.update({
        "figure.figsize": SLIDE, "figure.dpi": 100, "savefig.dpi": DPI, "font.size": 11,
        "axes.titlesize": 15, "axes.titleweight": "bold", "axes.titlelocation": "left",
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
        "axes.prop_cycle": plt.cycler(color=PALETTE), "legend.frameon": False, "svg.fonttype": "path",
    })


@cache
def _labels() -> dict[str, Any]:
    return read_yaml("report_labels.yaml")


def labels(lang: str) -> dict[str, Any]:
    if lang not in _labels():
        raise ValueError(f"lang must be one of {', '.join(_labels())}, not {lang!r}")
    return _labels()[lang]


def new_figure(size: tuple[float, float] = SLIDE, polar: bool = False, left: float = 0.08):
    """A 16:9 figure with room at the bottom for the source line (``left`` widens the margin for long
    row labels)."""
    fig = plt.figure(figsize=size)
    ax = fig.add_axes([left, 0.17, 0.94 - left, 0.70], polar=polar)
    return fig, ax


def finish(fig, title: str, source: str, rule: str, note: str = "") -> None:
    """Title at the top left; source, scoring rule and any note at the bottom (every figure says n)."""
    fig.suptitle(title, x=0.02, y=0.97, ha="left", fontsize=16, fontweight="bold")
    lines = [source, rule] + ([note] if note else [])
    fig.text(0.02, 0.015, "\n".join(lines), ha="left", va="bottom", fontsize=8.5, color="#444444")


def short(text: str, limit: int) -> str:
    """Shorten a label to ``limit`` characters with an ellipsis (Japanese labels have no spaces to wrap at)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
