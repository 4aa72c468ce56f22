"""Small statistics with stated rules: Wilson score intervals, percentiles, deviation scores (偏差値)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import catalogs


def wilson(successes: pd.Series | np.ndarray, n: pd.Series | np.ndarray, z: float | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion: sensible at 0, 1 and small n (unlike the Wald interval)."""
    z = catalogs.scoring_rules()["wilson_z"] if z is None else z
    k = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    lo, hi = centre - half, centre + half
    empty = n <= 0
    return np.where(empty, np.nan, np.clip(lo, 0, 1)), np.where(empty, np.nan, np.clip(hi, 0, 1))


def deviation_score(x: pd.Series) -> pd.Series:
    """偏差値: 50 + 10·z within the given group; 50 for everyone when the group does not vary."""
    sd = x.std(ddof=0)
    if not np.isfinite(sd) or sd == 0:
        return pd.Series(50.0, index=x.index).where(x.notna())
    return 50 + 10 * (x - x.mean()) / sd


def percentile_rank(x: pd.Series) -> pd.Series:
    """Share of the group scoring at or below each value, in percent (ties share the rank)."""
    return x.rank(method="max", pct=True) * 100
