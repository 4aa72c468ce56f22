"""The member feedback page as data: what one member's workbook and PDF show, already in words.

:mod:`pipeline.report.member_page` fills it from the scoring tables; the writers
(:mod:`pipeline.publish.feedback_xlsx`, :mod:`pipeline.publish.feedback_pdf`) only lay it out, so both
files say the same thing in the same formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline.publish.formats import format_value, header

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
percentile rank and 偏差値 as whole numbers (the value stays exact; only its format rounds)."""
PROXY = {"score": "mean", "percent": "share", "count": "n", "int": "rank", "text": "node_name"}
"""A columns.yaml column of each kind, so display text (used to fit widths) is formatted as in reports."""
PEER_STATS = ["peer_mean", "p25", "p50", "p75", "peer_n", "percentile", "deviation"]


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
    previous_year: str = ""  # 2023年度, or '' when the store holds no earlier year of the sector
    score_marks: list[list[str]] = field(default_factory=list)  # per score cell: '' or the text shown instead

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
    own = page.words["columns"].get(column)
    return str(own).format(sector=page.sector, previous=page.previous_year) if own else header(column, page.lang)


def cell_text(value: object, column: str, lang: str) -> str:
    """A cell as text, formatted as in reports (used to fit widths and in the PDF)."""
    return format_value(value, PROXY[KIND[column]], lang)

