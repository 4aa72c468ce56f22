"""Scoring: respondent scores on every framework, segment statistics, disclosure control, trends,
member feedback."""

from pipeline.scoring.run import ScoreResult, score_store

__all__ = ["ScoreResult", "score_store"]
