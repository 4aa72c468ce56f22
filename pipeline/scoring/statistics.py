"""One function per statistic, each with its rule stated once.

- :func:`item_shares`: THE per-item share implemented (and not-applicable share) — report tables,
  the explorer, feedback and trends should all call it rather than count answers themselves.
- :func:`node_scores` (node mean), :func:`level_reached` (LvN+), :func:`star_scores` (★ share and
  readiness): respondent-level statistics, defined in :mod:`pipeline.scoring.respondent`.
- :func:`score_bands`: companies per result band of an instrument's own total (IPA 自社診断: 100 / 70–99 …).
- :func:`share_threshold`: the score at which a respondent counts as reaching a node in a share: the one place
  segment tables, the members' estimates and a member's peer group read it.
- :func:`wilson`, :func:`mean_interval`, :func:`percentile_rank`, :func:`deviation_score` (偏差値): small helpers.

Answers become points, "applicable" and "achieved" only through :mod:`pipeline.scoring.rules`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.ruleset import level_threshold, wilson_z
from pipeline.scoring.respondent import level_reached, node_scores, star_scores
from pipeline.scoring.rules import (
    KEY,
    MISSING,
    NOT_APPLICABLE,
    RulesSource,
    complete_items,
    is_achieved,
    is_applicable,
    item_points,
)

__all__ = ["deviation_score", "item_shares", "level_reached", "mean_interval", "node_scores", "percentile_rank",
           "score_bands", "star_scores", "wilson"]

ITEM_SHARE_COLUMNS = ["n_companies", "n_applicable", "n_implemented", "share_implemented", "ci_low", "ci_high",
                      "n_not_applicable", "na_share", "n_unanswered", "n_missing", "n_unknown", "n_invalid",
                      "mean_points"]


def item_shares(responses: pd.DataFrame, by: Sequence[str] = (), rules: RulesSource = None) -> pd.DataFrame:
    """Per item (within sector, year and the ``by`` columns, where present): how many companies
    implemented it among those for whom it applies.

    Instrument items a company's submission lacks are added as ``missing`` first, so the
    denominator is every company of the group, not only those that returned the row.

    Columns: n_companies (every company of the group), n_applicable (companies whose answer
    counts: anything but not applicable, so including unanswered, unknown, invalid and missing),
    n_implemented (achieved answers), share_implemented = n_implemented / n_applicable (NaN when
    0) with its Wilson 95% interval (ci_low, ci_high),
    n_not_applicable, na_share = n_not_applicable / n_companies, the counts of
    unanswered / missing / unknown / invalid (reported separately, as the policy requires), and
    mean_points (mean item points over applicable answers: the power implementation rate).
    No disclosure control here: callers publish through ``disclosure.protect`` with n_applicable.
    """
    by = list(by)
    unit = [*KEY, *[c for c in by if c not in KEY]]
    parts = [complete_items(g, str(sector), unit=unit) for sector, g in responses.groupby("sector", sort=False)]
    r = pd.concat(parts, ignore_index=True) if parts else responses
    group = [*[c for c in ("sector", "year") if c in r and c not in by], *by, "item_id"]
    answer = r["answer"]
    applicable = is_applicable(answer, rules)
    points = item_points(answer, rules)
    flags = pd.DataFrame({
        "n_applicable": applicable,
        "n_implemented": is_achieved(answer, rules) & applicable,
        "n_not_applicable": answer.eq(NOT_APPLICABLE),
        "n_unanswered": answer.eq("unanswered"),
        "n_missing": answer.eq(MISSING),
        "n_unknown": answer.eq("unknown"),
        "n_invalid": answer.eq("invalid"),
        "n_companies": pd.Series(True, index=r.index),
        "points": points.fillna(0.0),
    }).astype(float)
    g = pd.concat([r[group], flags], axis=1).groupby(group, observed=True, dropna=False).sum().reset_index()
    counts = [c for c in flags if c.startswith("n_")]
    g[counts] = g[counts].astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        g["share_implemented"] = (g["n_implemented"] / g["n_applicable"]).where(g["n_applicable"] > 0)
        g["mean_points"] = (g["points"] / g["n_applicable"]).where(g["n_applicable"] > 0)
        g["na_share"] = (g["n_not_applicable"] / g["n_companies"]).where(g["n_companies"] > 0)
    g["ci_low"], g["ci_high"] = wilson(g["n_implemented"], g["n_applicable"])
    return g[[*group, *ITEM_SHARE_COLUMNS]]


def wilson(successes: pd.Series | np.ndarray, n: pd.Series | np.ndarray, z: float | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion: sensible at 0, 1 and small n (unlike the Wald interval)."""
    z = wilson_z(z)
    k = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    lo, hi = centre - half, centre + half
    empty = n <= 0
    return np.where(empty, np.nan, np.clip(lo, 0, 1)), np.where(empty, np.nan, np.clip(hi, 0, 1))


def mean_interval(mean: pd.Series, sd: pd.Series, n: pd.Series, z: float | None = None
                  ) -> tuple[pd.Series, pd.Series]:
    """Normal-approximation 95% interval of a mean (mean ± z·sd/√n), clipped to [0, 1]; NaN below 2 companies."""
    z = wilson_z(z)
    half = z * sd / np.sqrt(n.where(n > 1))
    return (mean - half).clip(0, 1), (mean + half).clip(0, 1)


def deviation_score(x: pd.Series) -> pd.Series:
    """偏差値: 50 + 10·z within the given group; 50 for everyone when the group does not vary."""
    sd = x.std(ddof=0)
    if not np.isfinite(sd) or sd == 0:
        return pd.Series(50.0, index=x.index).where(x.notna())
    return 50 + 10 * (x - x.mean()) / sd


def percentile_rank(x: pd.Series, k: int | None = None) -> pd.Series:
    """Share of the group scoring at or below each value, in percent (ties share the rank). With ``k``, NaN where
    fewer than k other companies lie at or below the value, or fewer than k above it: with the group's size
    published, a rank is a count, and a count of 1 … k − 1 companies (or 0) on one side is one the report never
    shows (a 3rd percentile among 61 said exactly one other company scored as low)."""
    at_or_below, n = x.rank(method="max"), x.notna().sum()
    rank = at_or_below / n * 100
    if k is None:
        return rank
    return rank.where((at_or_below - 1).ge(k) & (n - at_or_below).ge(k))  # others at or below, and above


def band_of(points: pd.Series, bands: Sequence[dict]) -> pd.Series:
    """Each total's band id: the first band (highest first) whose ``min`` it reaches; a band without
    ``min`` takes everything below. NaN points (no own scale) stay NaN."""
    out = pd.Series(np.nan, index=points.index, dtype=object)
    for band in reversed(list(bands)):  # lowest first, each higher band overwrites what it reaches
        low = band.get("min")
        reached = points.notna() if low is None else points.ge(float(low))
        out = out.mask(reached, band["id"])
    return out


def score_bands(scale: pd.DataFrame, bands: Sequence[dict]) -> pd.DataFrame:
    """Companies per (sector, year, band) from :func:`~pipeline.scoring.respondent.instrument_scale`'s
    ``points``: ``n`` in the band, ``n_companies`` scored that year and ``share`` = n / n_companies with
    its Wilson 95% interval. Every band appears, empty ones with n 0. No disclosure control here."""
    scored = scale[scale["points"].notna()].assign(band=lambda d: band_of(d["points"], bands))
    ids = [b["id"] for b in bands]
    counts = (scored.groupby(["sector", "year", "band"]).size()
              .unstack("band").reindex(columns=ids, fill_value=0).fillna(0).astype(int))
    long = counts.stack().rename("n").reset_index()
    long["n_companies"] = long.groupby(["sector", "year"])["n"].transform("sum")
    long["share"] = long["n"] / long["n_companies"]
    long["ci_low"], long["ci_high"] = wilson(long["n"], long["n_companies"])
    return long  # bands in the order scoring.yaml lists them (highest first) within each sector and year


def share_threshold(framework: str, node_id: str = "") -> float:
    """The score at which a respondent counts as reaching a node in a share (``share_reached``): ★ readiness
    (★N+, 0 or 1) at 1; a level reached (LvN+, 0 or 1) at 0.5, which only splits 0 from 1; every other score
    (CSF nodes, a level's own share of items) at the level rule (scoring.yaml ``level_threshold``). The
    report's tables and a member's peer group read it here, so both split a score the same way."""
    if framework == "star":
        return 1.0
    return 0.5 if str(node_id).endswith("+") else level_threshold()
