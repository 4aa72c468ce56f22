"""The intruder check, for a what-if ranking: counts that are parts of a row's failing companies.

A what-if table (``sdw report --what-if star3:size_band=101〜300人``) publishes, per requirement in rank order, the
share of the scope's companies failing it (with its base ``n_scored``), the companies it alone would lift to ready
(``n_lifted_alone``) and the companies ready were it and every one above it met (``n_ready_if_fixed_in_order``,
cumulative; the summary's ready count ``n_ready`` before the first). Two relations bind them:

- **rise ≤ failing**: a company made ready at row j has row j's requirement among its unmet ones, so the rise of
  the cumulative count since the last one shown is at most the failing companies of the rows in between, and the
  failing companies less the rise are the other side of that split (a rise of 3 beside 5 failing: 2 companies);
- **lifted ≤ failing**: the companies a requirement alone would lift fail it, and the rest of its failing
  companies fail something else too.

A published rise, a published lifted count, or the failing companies beside either less it, that is below k is a
finding (``split``). Failing counts come from rows that publish their share and its base; a row published rounded
(its base withheld) breaks the chain, as an intruder then holds only bounds on its failing companies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CUMULATIVE = "n_ready_if_fixed_in_order"
LIFTED = "n_lifted_alone"
READY = "n_ready"
FAILING_FROM = ("share_unmet", "n_scored")


def _failing(row: pd.Series) -> float:
    """A row's failing companies from its published share and base (NaN where either is withheld)."""
    share, base = (pd.to_numeric(row.get(c), errors="coerce") for c in FAILING_FROM)
    if not (np.isfinite(share) and np.isfinite(base)):
        return np.nan
    return float(round(share * base))


def rise_findings(frame: pd.DataFrame, k: int, group: list[str]) -> list[tuple[int, str, str]]:
    """(row index, statistic, detail) for each published what-if count with fewer than k companies on one side
    of a split that the table's own numbers make (module docstring)."""
    if CUMULATIVE not in frame or not set(FAILING_FROM) <= set(frame.columns):
        return []
    out: list[tuple[int, str, str]] = []
    shown = frame[frame["suppressed"].fillna("").eq("")] if "suppressed" in frame else frame
    keys = [c for c in group if c in shown.columns]
    parts = shown.groupby(keys, dropna=False, sort=False) if keys else [((), shown)]
    for _, rows in parts:
        rows = rows.sort_values("rank", kind="stable") if "rank" in rows else rows
        ready = pd.to_numeric(rows[READY], errors="coerce").dropna() if READY in rows else pd.Series(dtype=float)
        last = float(ready.iloc[0]) if len(ready) else np.nan
        since = 0.0
        for i, row in rows.iterrows():
            failing = _failing(row)
            since += failing  # NaN once a row's failing companies are unknown: the chain is broken
            lifted = pd.to_numeric(row.get(LIFTED), errors="coerce")
            if np.isfinite(lifted) and np.isfinite(failing) and not (lifted >= k and failing - lifted >= k):
                out.append((i, LIFTED, f"{lifted:g} lifted alone of {failing:g} failing: {failing - lifted:g} fail "
                                       f"something else too (k={k})"))
            c = pd.to_numeric(row.get(CUMULATIVE), errors="coerce")
            if not np.isfinite(c):
                continue
            rise = c - last
            if np.isfinite(rise) and np.isfinite(since) and not (rise >= k and since - rise >= k):
                out.append((i, CUMULATIVE, f"a rise of {rise:g} beside {since:g} failing the rows since the last "
                                           f"count shown: {rise:g} and {since - rise:g} companies (k={k})"))
            elif np.isfinite(rise) and rise < k:
                out.append((i, CUMULATIVE, f"a rise of {rise:g} companies (k={k})"))
            last, since = c, 0.0
    return out
