"""Kept for existing imports: the statistics now live in :mod:`pipeline.scoring.statistics`."""

from pipeline.scoring.statistics import deviation_score, percentile_rank, wilson

__all__ = ["deviation_score", "percentile_rank", "wilson"]
