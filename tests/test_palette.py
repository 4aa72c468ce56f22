"""Every colour is named in pipeline/palette.py: no module or notebook writes one itself, so changing a colour
is an edit to one file."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.colors import to_hex

from pipeline import palette
from pipeline.report import figures
from pipeline.scoring.disclosure import BAND_COLUMN

ROOT = Path(__file__).resolve().parents[1]
# a quoted hex code ("#333", '#0072B2'), a quoted colour name, or a pptx colour built from numbers
LITERAL = re.compile(r"""["']#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?\b|=\s*["'](?:white|black|grey|gray|red|blue)["']|"""
                     r"""RGBColor\(0x""")


def test_no_module_or_notebook_writes_a_colour_of_its_own():
    sources = [*sorted((ROOT / "pipeline").rglob("*.py")), *sorted((ROOT / "notebooks").glob("*.py"))]
    assert len(sources) > 100
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in sources if path.name != "palette.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if LITERAL.search(line)]
    assert found == []


def test_the_literal_pattern_catches_what_it_is_for():
    """The guard above is only as good as its pattern: these lines (as figures.py and the PDF page once wrote
    them) must match, a number format and a comment's '#' must not."""
    for line in ['ax.axvline(0, color="black", lw=0.8)', "edgecolor='white'", 'pdf.rect(0, 0, 1, 1, "#D9D9D9")',
                 'color: str = "#000000"', "GREY = RGBColor(0x6E, 0x6E, 0x6E)"]:
        assert LITERAL.search(line), line
    for line in ['fmt(num_format="#,##0")', "x = 1  # a comment", 'markerfacecolor="none"']:
        assert not LITERAL.search(line), line


def test_a_figure_draws_with_the_palette():
    """A grouped bar chart: its first series in PALETTE[0], the gaps between bars in the paper colour; a hidden
    value published as a band is an outlined bar filled with the paper colour."""
    table = pd.DataFrame({"segment": ["A", "B"], "series": ["s1", "s1"], "share": [0.4, None],
                          "suppressed": ["", "primary"], BAND_COLUMN: ["", "low"]})
    fig, ax = plt.subplots()
    figures.grouped_bars(table, "segment", "series", "share", ax=ax, band_label="band")
    bars = [p for p in ax.patches if p.get_gid() != figures.BAND_GID]
    band = [p for p in ax.patches if p.get_gid() == figures.BAND_GID]
    assert to_hex(bars[0].get_facecolor()) == palette.PALETTE[0].lower() == "#0072b2"
    assert to_hex(bars[0].get_edgecolor()) == "#ffffff"
    assert band and to_hex(band[0].get_facecolor()) == "#ffffff"
