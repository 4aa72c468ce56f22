"""Figure functions draw what their table says; assertions on artists, not pixels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from pipeline.report import figures as F


def test_grouped_bars_heights_and_suppressed_stubs():
    t = pd.DataFrame({"segment": ["A", "B", "A", "B"], "year": [2023, 2023, 2024, 2024],
                      "share": [0.5, np.nan, 0.7, 0.2], "lo": [0.4, np.nan, 0.6, 0.1], "hi": [0.6, np.nan, 0.8, 0.3],
                      "suppressed": ["", "primary", "", ""]})
    ax = F.grouped_bars(t, "segment", "year", "share", "lo", "hi", ax=plt.figure().gca())
    bars = [c for c in ax.containers if c.get_label() in ("2023", "2024")]
    assert [[round(b.get_height(), 3) for b in c] for c in bars] == [[0.5, 0.0], [0.7, 0.2]]
    assert [txt.get_text() for txt in ax.texts] == ["n<k"]  # the hidden cell is marked, not drawn as 0


def test_heatmap_marks_missing_cells():
    t = pd.DataFrame({"node": ["X", "X", "Y", "Y"], "seg": ["a", "b", "a", "b"], "mean": [0.25, np.nan, 1.0, 0.5]})
    ax = F.heatmap(t, "node", "seg", "mean", ax=plt.figure().gca())
    assert [txt.get_text() for txt in ax.texts] == ["25%", "—", "100%", "50%"]


def test_radar_draws_one_closed_line_per_series():
    t = pd.DataFrame({"fn": ["GV", "ID", "PR"] * 2, "seg": ["a"] * 3 + ["全体"] * 3,
                      "mean": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]})
    ax = plt.figure().add_subplot(polar=True)
    F.radar(t, "fn", "seg", "mean", ax=ax, highlight="全体")
    lines = ax.get_lines()
    assert len(lines) == 2 and list(lines[1].get_ydata()) == [0.4, 0.5, 0.6, 0.4]
    assert lines[1].get_linewidth() > lines[0].get_linewidth()
