"""The intruder check, for a what-if ranking: counts that are parts of a row's failing companies.

A what-if table (``sdw report --what-if star3:size_band=101〜300人``) publishes, per requirement in rank order, the
share of the scope's companies failing it (with its base ``n_scored``, or rounded with the base withheld), the
companies it alone would lift to ready (``n_lifted_alone``), the companies ready were it and every one above it met
(``n_ready_if_fixed_in_order``, cumulative), and the summary's ready and must-act counts (``n_ready``,
``n_must_act``). The relations that bind them (docs/method.md §3.3):

- **rise ≤ failing**: a company made ready at row j has row j's requirement among its unmet ones, so the rise of
  the cumulative count between two counts an intruder holds is at most the failing companies of the rows in
  between, and the failing companies less the rise are the other side of that split;
- **the last two counts are known**: the rows are every requirement judged in the scope, so the count at the last
  row is the judged count (ready + must act), and the count before it is the judged count less the last row's
  failing companies; the counts an intruder holds are the ready count, the counts shown and these two;
- **a hidden last row**: the count before it is the judged count less its failing companies, so where that
  count is held the hidden row's count is known (a finding on the hidden row);
- **lifted ≤ failing**: the companies a requirement alone would lift fail it, and the rest fail something else too;
- **must act**: every company failing a row must act, so must act less a row's failing companies meet it and
  must act; and every company that must act fails a row, so the rows' failing companies summed less the must-act
  count are the second and further unmet requirements (fewer than k: fewer than k companies fail two).

A row's failing companies are read from its share and base; a share rounded to whole percent with its base
withheld gives every count that rounds to it over the bases n − (k − 1) … n (10 % over 108 … 112: 11 exactly);
a hidden row's, anything from 0 to n. Each side of each relation is then an interval, and a side whose interval
lies below k and spans fewer than k − 1 companies (so fewer than k counts stay possible, the width of §5.2) is a
finding (``split``): an exact side below k is one.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipeline.scoring.disclosure_rounding import counts_behind

CUMULATIVE = "n_ready_if_fixed_in_order"
LIFTED = "n_lifted_alone"
READY = "n_ready"
MUST = "n_must_act"
FAILING_FROM = ("share_unmet", "n_scored")
Span = tuple[float, float]


def _number(row: pd.Series, column: str) -> float:
    return float(pd.to_numeric(row.get(column), errors="coerce"))


def failing_span(row: pd.Series, k: int) -> Span:
    """The fewest and most companies an intruder can hold failing a row: exact from its share and base, the counts
    its rounded share allows over the bases n − (k − 1) … n where the base is withheld, else 0 … n."""
    share, base, whole = (_number(row, c) for c in (*FAILING_FROM, "n"))
    hidden = "suppressed" in row and str(row["suppressed"] if pd.notna(row["suppressed"]) else "") != ""
    if not hidden and np.isfinite(share) and np.isfinite(base):
        v = float(round(share * base))
        return v, v
    if not hidden and np.isfinite(share) and np.isfinite(whole):
        found = counts_behind(share, int(whole), k)
        if found is not None:
            return float(found[0]), float(found[1])
    return 0.0, whole if np.isfinite(whole) else math.inf


def pinned(span: Span, k: int) -> bool:
    """Whether an intruder's interval on a count says it is below k within fewer than k possible values."""
    lo, hi = span
    return lo < k and hi - lo < k - 1


def _text(span: Span) -> str:
    lo, hi = span
    return f"{lo:g}" if lo == hi else f"{lo:g}–{hi:g}"


def _minus(a: Span, b: Span) -> Span:
    """a − b for intervals; a count is never negative."""
    return max(0.0, a[0] - b[1]), max(0.0, a[1] - b[0])


def rise_findings(frame: pd.DataFrame, k: int, group: list[str]) -> list[tuple[int, str, str]]:
    """(row index, statistic, detail) for each published what-if count with fewer than k companies on one side
    of a split that the table's own numbers make (module docstring)."""
    if CUMULATIVE not in frame or not set(FAILING_FROM) <= set(frame.columns):
        return []
    out: list[tuple[int, str, str]] = []
    keys = [c for c in group if c in frame.columns]
    parts = frame.groupby(keys, dropna=False, sort=False) if keys else [((), frame)]
    for _, rows in parts:
        # published rows in rank order, hidden ones last (they carry no rank): the order the table prints
        rows = rows.sort_values("rank", kind="stable", na_position="last") if "rank" in rows else rows
        out += _group_findings(rows, k)
    return out


def _group_findings(rows: pd.DataFrame, k: int) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    index = list(rows.index)
    n = len(index)
    shown = (rows["suppressed"].fillna("").eq("") if "suppressed" in rows
             else pd.Series(True, index=rows.index)).tolist()
    spans = [failing_span(rows.loc[i], k) for i in index]
    ready = pd.to_numeric(rows[READY], errors="coerce").dropna() if READY in rows else pd.Series(dtype=float)
    must = pd.to_numeric(rows[MUST], errors="coerce").dropna() if MUST in rows else pd.Series(dtype=float)
    ready_v = float(ready.iloc[0]) if len(ready) else math.nan
    must_v = float(must.iloc[0]) if len(must) else math.nan
    judged = ready_v + must_v

    for pos, i in enumerate(index):  # lifted ≤ failing
        lifted = _number(rows.loc[i], LIFTED)
        if shown[pos] and np.isfinite(lifted):
            other = _minus(spans[pos], (lifted, lifted))
            if lifted < k or pinned(other, k):
                out.append((i, LIFTED, f"{lifted:g} lifted alone of {_text(spans[pos])} failing: {_text(other)} fail "
                                       f"something else too (k={k})"))
    if np.isfinite(must_v):  # must act beside each row, and beside all rows
        for pos, i in enumerate(index):
            side = _minus((must_v, must_v), spans[pos])
            if shown[pos] and pinned(side, k):
                out.append((i, MUST, f"{must_v:g} must act beside {_text(spans[pos])} failing the row: "
                                     f"{_text(side)} must act and meet it (k={k})"))
        total = (sum(s[0] for s in spans), sum(s[1] for s in spans))
        beyond = _minus(total, (must_v, must_v))
        if n and pinned(beyond, k):
            out.append((index[0], MUST, f"{must_v:g} must act beside {_text(total)} failing the rows in all: "
                                        f"{_text(beyond)} unmet requirements beyond each company's first (k={k})"))

    # the counts an intruder holds: (position, interval, what it is); -1 is before the first row
    points: list[tuple[int, Span, str]] = []
    if np.isfinite(ready_v):
        points.append((-1, (ready_v, ready_v), "ready"))
    for pos, i in enumerate(index):
        c = _number(rows.loc[i], CUMULATIVE)
        if shown[pos] and np.isfinite(c):
            points.append((pos, (c, c), "shown"))
    if np.isfinite(judged) and n:
        if shown[-1] and n >= 2 and not any(p == n - 2 for p, _, _ in points):
            points.append((n - 2, _minus((judged, judged), spans[-1]), "judged less the last row's failing"))
        if not any(p == n - 1 for p, _, _ in points):
            points.append((n - 1, (judged, judged), "judged"))
        points.sort(key=lambda p: p[0])
    held = {p: v for p, v, _ in points}
    if np.isfinite(judged) and n >= 2 and not shown[-1] and all(shown[:-1]) and n - 2 in held:
        # one hidden row, the last: those not ready until it is met are exactly those failing it
        back = _minus((judged, judged), held[n - 2])
        if back[1] - back[0] < k - 1:
            out.append((index[-1], "share_unmet", f"a hidden row's failing companies are the judged count less the "
                                                  f"count before it: {_text(back)} (k={k})"))
    for (a, va, _), (b, vb, what) in zip(points, points[1:], strict=False):
        if a == n - 2 and b == n - 1 and shown[-1]:
            continue  # rise = the last row's failing companies, all of them made ready by it: an identity
        rise = _minus(vb, va)
        failing = (sum(s[0] for s in spans[a + 1: b + 1]), sum(s[1] for s in spans[a + 1: b + 1]))
        other = _minus(failing, rise)
        where = "" if what == "shown" else f" (the count here is known: {what})"
        if math.isinf(failing[1]):
            if pinned(rise, k):
                out.append((index[b], CUMULATIVE, f"a rise of {_text(rise)} companies (k={k}){where}"))
        elif pinned(rise, k) or pinned(other, k):
            out.append((index[b], CUMULATIVE, f"a rise of {_text(rise)} beside {_text(failing)} failing the rows "
                                              f"since the last count shown: {_text(rise)} and {_text(other)} "
                                              f"companies (k={k}){where}"))
    return out
