"""The member feedback page as data: what one member's workbook and PDF show, already in words.

:mod:`pipeline.report.member_page` fills it from the scoring tables; the writers
(:mod:`pipeline.publish.feedback_xlsx`, :mod:`pipeline.publish.feedback_pdf`) only lay it out, so both
files say the same thing in the same formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline.publish.formats import format_value, header, is_missing, whole_percent

SCORE_COLUMNS = ["node", "score", "previous", "reached", "prev_reached", "p50", "p25", "p75", "peer_mean", "peer_n",
                 "percentile", "deviation", "peer_group"]
"""The score table; ``previous`` (the member's own score the survey year before) is left out when the store
holds no earlier year of the sector, ``reached`` (levels reached, automotive) for sectors without levels."""
ITEM_COLUMNS = ["rank", "item_id", "text", "answer", "peer_rate", "n_applicable"]
KIND = {"node": "text", "score": "score", "previous": "score", "reached": "text", "prev_reached": "text",
        "p25": "score", "p50": "score", "p75": "score", "peer_mean": "score",
        "peer_n": "count", "percentile": "int", "deviation": "int", "peer_group": "text", "rank": "int",
        "item_id": "text", "text": "text", "answer": "text", "peer_rate": "percent", "n_applicable": "count"}
"""How each column is shown (the kinds of catalogs/columns.yaml): scores in percent with one decimal,
percentile rank and 偏差値 as whole numbers, stored as shown like every workbook number (render_xlsx.write_cell)."""
PROXY = {"score": "mean", "percent": "share", "count": "n", "int": "rank", "text": "node_name"}
"""A columns.yaml column of each kind, so display text (used to fit widths) is formatted as in reports."""
PEER_STATS = ["peer_mean", "p25", "p50", "p75", "peer_n", "percentile", "deviation"]

PAGE_FIGURE = {"left": 0.06, "width": 0.88, "ticks": 0.025, "legend": 0.05, "row": 0.0135, "pad": 0.025}
"""The member figure on the A4 feedback page, in fractions of the page: at the text's left edge and width, the
axes ``pad + row`` per row high, with room for the tick labels below and a two-row legend above."""
A4_INCHES = (8.27, 11.69)


def page_figure_box(n_rows: int) -> tuple[float, float, tuple[float, float, float, float]]:
    """Width and height (inches) of the page's member figure for ``n_rows`` rows, and its axes rectangle in
    figure fractions: the company labels take the left 27 % of the text width, as on the page before."""
    box = PAGE_FIGURE
    axes_h = box["pad"] + box["row"] * n_rows
    total = box["ticks"] + axes_h + box["legend"]
    left = 0.24 / box["width"]
    return (box["width"] * A4_INCHES[0], total * A4_INCHES[1],
            (left, box["ticks"] / total, 0.54 / box["width"], axes_h / total))  # room right for "100.0%"


@dataclass
class MemberPage:
    """Everything one member's workbook and PDF show, already in the report language."""

    company: str
    sector: str  # 電力分野
    year: str  # 2024年度
    scores: pd.DataFrame  # the columns of score_columns(), numbers as numbers
    items: pd.DataFrame  # ITEM_COLUMNS
    peers: list[str]  # sentences: how the peer group was chosen, its size, what was left out and why
    reading: str
    rules: str
    symbols: str
    lang: str
    words: dict[str, Any]
    figure_png: bytes = b""
    page_figure: Any = None  # the same figure as a PIL image sized for the PDF's A4 page (page_figure_box)
    previous_year: str = ""  # 2023年度, or '' when the store holds no earlier year of the sector
    scheme: str = ""  # the ★ scheme table applied (catalogs.scheme_info label), '' where the sector has no ★
    score_marks: list[list[str]] = field(default_factory=list)  # per score cell: '' or the text shown instead
    extra: list[Any] = field(default_factory=list)
    """Further pages after the member's main ones (the ★ page, :mod:`pipeline.publish.star_page_layout`):
    each has ``write_sheet(wb, styles)`` and ``draw_pdf(pdf)``."""

    @property
    def previous_note(self) -> str:
        """One sentence on the previous year: what the 前年度 column shows, or that there was no answer."""
        answered = any(row[SCORE_COLUMNS.index("previous")] == "" for row in self.score_marks)
        said = self.words["previous_note"]
        return (said["answered"] if answered else said["none"]).format(previous=self.previous_year)

    @property
    def score_columns(self) -> list[str]:
        """The score table's columns: without the previous year or levels where there are none."""
        drop = {"previous", "prev_reached"} if not self.previous_year else set()
        if not self.scores["reached"].astype(bool).any():
            drop |= {"reached", "prev_reached"}
        return [c for c in SCORE_COLUMNS if c not in drop]


def column_head(column: str, page: MemberPage) -> str:
    """Header of a feedback column: the feedback labels first (own score, percentile, 偏差値…), else
    catalogs/columns.yaml (中央値, 25パーセンタイル, 項目番号…)."""
    return head_words(column, page.words, page.lang, page.sector, page.previous_year)


def head_words(column: str, words: dict[str, Any], lang: str, sector: str = "", previous: str = "") -> str:
    """:func:`column_head` from the feedback words of ``lang`` (what a reader of a written workbook matches)."""
    own = words["columns"].get(column)
    return str(own).format(sector=sector, previous=previous) if own else header(column, lang)


def cell_text(value: object, column: str, lang: str, whole: bool = False) -> str:
    """A cell as text, formatted as in reports (used to fit widths and in the PDF); ``whole``: a share the report
    publishes rounded (pipeline/scoring/disclosure_rounding.py) reads in whole percent there, and so here."""
    if whole and KIND[column] == "percent" and not is_missing(value):
        return whole_percent(value)
    return format_value(value, PROXY[KIND[column]], lang)


def whole_rows(frame: pd.DataFrame) -> list[bool]:
    """Per row, whether its shares are published in whole percent (the ``rounded`` flag; False without one)."""
    return frame["rounded"].fillna(False).astype(bool).tolist() if "rounded" in frame else [False] * len(frame)

