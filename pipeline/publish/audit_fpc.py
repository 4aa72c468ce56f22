"""The intruder's finite-population route: a segment's members from its two published intervals.

Where a segment is one weighting cell, its members' estimate equals its respondents' mean, and the two 95 %
intervals differ only by the finite-population correction and the t quantile (docs/method.md §12.4a): with n
respondents, n_d of them scored on the node, and N members in the cell,

    (members' half-width ÷ respondents' half-width)² = t²/z² · n/(n − 1) · (n_d − 1)/n_d · (1 − n/N),

t the 97.5 % quantile of Student's t with n_d − 1 degrees of freedom (the members' interval) and z the normal
one (the respondents'). So every published pair gives N = n / (1 − q), q the right side without (1 − n/N), and
N − n the members who did not answer. The audit derives N from every published pair and fails where the
response table withholds that segment's row and N is its withheld count of members, or N − n is a hidden
non-respondent count of 0 … k − 1 (either is what the withheld row protects; 0 is a 100 % rate, whose members'
interval has no width at all).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.publish.cells import cell_key, cell_text
from pipeline.publish.model import PublishedTable
from pipeline.scoring.statistics import wilson_z

# the columns a pair is read from: respondents' mean and interval, members' estimate and interval
PAIR = ("mean", "mean_ci_low", "mean_ci_high", "w_mean", "w_mean_ci_low", "w_mean_ci_high")
# how near a whole number a derived N must be to count as read: the machine copy keeps full precision
WHOLE = 0.05


@dataclass(frozen=True)
class Derived:
    """One published pair's reading: the table and cell it came from, and the members N it gives."""

    table: str
    cell: str
    members: float


def members_from_pair(mean: float, low: float, high: float, w_mean: float, w_low: float, w_high: float, n: float,
                      n_scored: float, z: float | None = None) -> float:
    """The members N a one-cell segment's two intervals give (NaN where they give none: clipped to [0, 1], a
    members' value other than the respondents' — a segment across cells —, fewer than 3 scored, or no shrinkage)."""
    from scipy.special import stdtrit

    values = np.array([mean, low, high, w_mean, w_low, w_high, n, n_scored], dtype=float)
    if not np.isfinite(values).all() or n_scored < 3 or n < n_scored or abs(w_mean - mean) > 1e-9:
        return np.nan
    if low <= 0 or high >= 1 or w_low <= 0 or w_high >= 1:  # a clipped interval is not its half-width
        return np.nan
    half, w_half = (high - low) / 2, (w_high - w_low) / 2
    if half <= 0:
        return np.nan
    t, zz = float(stdtrit(n_scored - 1, 0.975)), wilson_z(z)
    q = (w_half / half) ** 2 * (zz / t) ** 2 * (n - 1) / n * n_scored / (n_scored - 1)
    # q = 0: the members' interval has no width, so every member answered (N = n), a 100 % rate the table withholds
    return n / (1 - q) if 0 <= q < 1 else np.nan


def derived_members(tables: list[PublishedTable]) -> dict[tuple[str, str, str], list[Derived]]:
    """(sector, year, segment) → every whole N a published pair of it gives."""
    out: dict[tuple[str, str, str], list[Derived]] = defaultdict(list)
    for t in tables:
        f = t.frame
        if t.spec is None or not set(PAIR) <= set(f.columns) or "segment" not in f or "n" not in f:
            continue
        shown = f[f["suppressed"].fillna("").astype(str).eq("")]
        scored = "n_scored" if "n_scored" in f else "n"
        cols = [*t.spec.keys, *([t.spec.segment] if t.spec.segment and t.spec.segment in f else [])]
        for _, r in shown.iterrows():
            nums = [pd.to_numeric(r[c], errors="coerce") for c in (*PAIR, "n", scored)]
            n_members = members_from_pair(*nums)
            if np.isfinite(n_members) and abs(n_members - round(n_members)) < WHOLE:
                where = (str(r.get("sector", "")), str(r.get("year", "")), str(r["segment"]))
                out[where].append(Derived(t.name, cell_text(cell_key(r, cols)), float(round(n_members))))
    return out


def _true_counts(hidden: pd.DataFrame, table: str, cell: str) -> dict[str, float]:
    """The true counts the full log keeps for a hidden cell ({} where none)."""
    if "counts" not in hidden:
        return {}
    rows = hidden[hidden["table"].astype(str).eq(table) & hidden["cell"].astype(str).eq(cell)]
    for text in rows["counts"].dropna().astype(str):
        try:
            return {k: float(v) for k, v in json.loads(text).items()}
        except (ValueError, TypeError):
            continue
    return {}


def fpc_findings(tables: list[PublishedTable], hidden: pd.DataFrame, k: int) -> list[tuple[str, str, str, str]]:
    """(table, cell, statistic, detail) for each withheld response row whose members, or members who did not
    answer, a published pair of intervals gives back."""
    derived = derived_members(tables)
    out = []
    for t in tables:
        f = t.frame
        if "roster_n" not in f or "segment" not in f or t.spec is None:
            continue
        cols = [*t.spec.keys, *([t.spec.segment] if t.spec.segment and t.spec.segment in f else [])]
        withheld = f[f["suppressed"].fillna("").astype(str).ne("") | pd.to_numeric(f["roster_n"], errors="coerce")
                     .isna()]
        for _, r in withheld.iterrows():
            where = (str(r.get("sector", "")), str(r.get("year", "")), str(r["segment"]))
            if where not in derived:
                continue
            cell = cell_text(cell_key(r, cols))
            truth = _true_counts(hidden, t.name, cell)
            members = truth.get("roster_n", np.nan)
            answered = truth.get("n_on_roster", pd.to_numeric(r.get("n"), errors="coerce"))
            for d in derived[where]:
                absent = d.members - answered
                # with the true count logged, a reading that hits it; without, any reading of 0 … k − 1 absent
                # (0: everyone answered, the 100 % rate rule 2 withholds)
                if d.members == members if np.isfinite(members) else 0 <= absent < k:
                    out.append((t.name, cell, "roster_n",
                                f"the members' and respondents' intervals of {d.table} [{d.cell}] give N = "
                                f"{int(d.members)} members ({int(absent)} did not answer) by the finite-population "
                                f"correction, which this withheld row protects"))
                    break
    return out
