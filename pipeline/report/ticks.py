"""Tick label functions the report's figures hand to matplotlib.

Kept apart from :mod:`pipeline.report.figures` because a figure pickled for the figure worker
(:mod:`pipeline.publish.figure_files`) refers to its formatter by module: unpickling it there imports this
module alone, not the figures' pandas and catalogs (about 130 MB of the worker's memory).
"""

from __future__ import annotations


def percent(v: float, _pos: int | None = None) -> str:
    """A share as a whole percent: 0.5 → '50%'."""
    return f"{v:.0%}"
