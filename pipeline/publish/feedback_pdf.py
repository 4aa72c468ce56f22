"""Member feedback PDFs: one member's page (:class:`~pipeline.publish.feedback_model.MemberPage`) on one
A4 page, drawn by matplotlib from the same content as the workbook."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from pipeline.publish.feedback_model import KIND, SCORE_COLUMNS, MemberPage, cell_text, column_head
from pipeline.publish.formats import DASH
from pipeline.xlsx import display_width

A4 = (8.27, 11.69)
NO_LINE_START = "、。，．・：；？！）」』】％ー"
"""Japanese punctuation that must not begin a line (kinsoku): it stays on the line before."""
PDF_WIDTHS = {"node": 0.14, "score": 0.065, "previous": 0.07, "reached": 0.06, "prev_reached": 0.065,
              "p50": 0.055, "p25": 0.07, "p75": 0.07, "peer_mean": 0.065, "peer_n": 0.055, "percentile": 0.065,
              "deviation": 0.05, "peer_group": 0.105}
"""Relative widths of the PDF's score columns (scaled to the text width for the columns shown)."""


def _wrap(text: str, width: int) -> str:
    """Wrap at ``width`` display columns (a kanji counts two), keeping existing line breaks; Latin text
    breaks at spaces."""
    lines = []
    for para in text.split("\n"):
        line = ""
        for token in re.findall(r"[!-~]+ ?| |.", para):  # an ASCII word (and its space) stays together
            if display_width(line + token) > width and line and token[0] not in NO_LINE_START:
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line += token
        lines.append(line.rstrip())
    return "\n".join(lines)


def write_member_pdf(path: Path, page: MemberPage,
                     draw_figure: Callable[[pd.DataFrame, Axes, dict[str, Any]], Axes]) -> Path:
    """A one-page A4 PDF of the same content: heading, figure, score table, priority items, peers, rules.

    ``draw_figure`` draws the member figure from ``page.scores`` on an Axes
    (:func:`pipeline.report.figures.peer_dots`): publishers draw no figure kind of their own."""
    w = page.words
    fig = Figure(figsize=A4)
    fig.text(0.06, 0.965, w["title"], fontsize=15, va="top")
    fig.text(0.06, 0.935, f"{page.company} ・ {page.sector} ・ {page.year}", fontsize=11, va="top")
    n = len(page.scores)
    fig_h = 0.025 + 0.0135 * n
    top = 0.845  # the band above holds the figure title and a two-row legend
    ax = fig.add_axes((0.3, top - fig_h, 0.58, fig_h))
    fig.text(0.06, 0.905, w["figure_title"], fontsize=10, va="top")
    draw_figure(page.scores, ax, w)
    y = top - fig_h - 0.04
    cols = page.score_columns
    share = {c: PDF_WIDTHS[c] for c in cols}
    scale = 0.88 / sum(share.values())  # the columns shown fill the text width
    marks = [[row[SCORE_COLUMNS.index(c)] for c in cols] for row in page.score_marks]
    y = _pdf_table(fig, page, page.scores, cols, w["scores_title"], y, widths=[share[c] * scale for c in cols],
                   marks=marks, wrap={"node": 24, "peer_group": 20, "reached": 10, "prev_reached": 10})
    item_cols = ["rank", "item_id", "text", "answer", "peer_rate"]
    hidden = page.items["peer_rate"].isna().tolist()
    y = _pdf_table(fig, page, page.items, item_cols, w["items_title"], y - 0.015,
                   widths=[0.05, 0.09, 0.50, 0.14, 0.10], wrap={"text": 80, "answer": 22},
                   marks=[[w["hidden"] if c == "peer_rate" and h else "" for c in item_cols] for h in hidden])
    cover = w["cover"]
    previous = [(cover["previous"], page.previous_note)] if page.previous_year else []
    for label, text in [*previous, (cover["peers"], "\n".join(page.peers)), (cover["reading"], page.reading),
                        (cover["rules"], page.rules)]:
        wrapped = _wrap(text, 128 if page.lang == "ja" else 122)
        fig.text(0.06, y, label, fontsize=8, va="top")
        fig.text(0.16, y, wrapped, fontsize=7, va="top", color="#333333", linespacing=1.35)
        y -= 0.0115 * (wrapped.count("\n") + 1) + 0.008
    if y < 0.04:  # never in tests so far: a page that overflows must not go out silently
        raise ValueError(f"feedback page for {page.company!r} does not fit on one A4 page")
    fig.text(0.06, 0.02, w["footer"].format(company=page.company, sector=page.sector, year=page.year),
             fontsize=6.5, color="#888888")
    tmp = path.with_name(path.name + ".tmp")
    with PdfPages(tmp, metadata={"Title": w["title"], "CreationDate": None, "Creator": "sdw"}) as pdf:
        pdf.savefig(fig)
    os.replace(tmp, path)
    return path


def _pdf_table(fig: Figure, page: MemberPage, frame: pd.DataFrame, cols: list[str], title: str, y: float,
               widths: list[float], marks: list[list[str]], wrap: dict[str, int] | None = None) -> float:
    """A table drawn with text at fixed column positions; returns the y under it. A cell with a mark
    ('非表示', '回答なし') shows it in grey instead of its value."""
    fig.text(0.06, y, title, fontsize=10, va="bottom")
    x = 0.06 + np.concatenate([[0], np.cumsum(widths)[:-1]])
    row_h = 0.0125
    y -= 0.006
    heads = [_wrap(column_head(c, page), max(int(wd * 150), 6)) for c, wd in zip(cols, widths, strict=True)]
    head_lines = max(h.count("\n") + 1 for h in heads)
    fig.patches.append(Rectangle((0.06, y - row_h * head_lines), sum(widths), row_h * head_lines,
                                 transform=fig.transFigure, facecolor="#D9D9D9", edgecolor="none"))
    for xi, head, col, wd in zip(x, heads, cols, widths, strict=True):
        right = KIND[col] != "text"
        fig.text(xi + (wd - 0.006 if right else 0.003), y - 0.002, head, fontsize=6.5,
                 va="top", ha="right" if right else "left", linespacing=1.2)
    y -= row_h * head_lines + 0.002
    if frame.empty:
        fig.text(0.063, y - 0.002, page.words["items_none"], fontsize=7, va="top")
        return y - row_h
    values = list(zip(*(frame[c].tolist() for c in cols), strict=True))
    for r, row in enumerate(values):
        cells = [_wrap(marks[r][c] or cell_text(v, col, page.lang), (wrap or {}).get(col, 200))
                 for c, (col, v) in enumerate(zip(cols, row, strict=True))]
        for xi, text, col, wd in zip(x, cells, cols, widths, strict=True):
            right = KIND[col] != "text"
            fig.text(xi + (wd - 0.006 if right else 0.003), y - 0.002, text, fontsize=7, va="top",
                     ha="right" if right else "left", color="#808080" if text in marks[r] or text == DASH
                     else "black", linespacing=1.2)
        y -= row_h * max(t.count("\n") + 1 for t in cells)
        fig.add_artist(Line2D([0.06, 0.06 + sum(widths)], [y + 0.001, y + 0.001], transform=fig.transFigure,
                              color="#DDDDDD", lw=0.5))
    return y - 0.01
