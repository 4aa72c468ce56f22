"""The member figure on the A4 feedback page: the company's value is printed whole beside the axes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.report.figures import PeerFigures, _company_marks
from pipeline.report.member_page import words


def test_a_company_at_100_percent_reads_its_whole_label_inside_the_page_figure():
    """Six functions, the company at 100.0% in GV (the widest label there is): the label "100.0%" ends inside
    the figure (it was cut at the page edge)."""
    scores = pd.DataFrame({"node": ["GV 統治", "ID 識別", "PR 防御", "DE 検知", "RS 対応", "RC 復旧"],
                           "score": [1.0, 0.5, 0.25, 0.75, 0.0, 1.0], "p25": 0.3, "p50": 0.5, "p75": 0.7,
                           "peer_mean": 0.5})
    figures = PeerFigures(words("ja"), page=True)
    image = np.asarray(figures.image(scores))
    fig, canvas, ax, _ = figures._drawn[next(iter(figures._drawn))]
    renderer = canvas.get_renderer()
    labels = [a for a in _company_marks(scores, ax) if hasattr(a, "get_text")]
    for label in labels:
        label.set_figure(fig)
        label.axes = ax
    widest = max(label.get_window_extent(renderer).x1 for label in labels if label.get_text() == "100.0%")
    assert widest <= image.shape[1] - 2
