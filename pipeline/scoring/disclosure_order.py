"""Published orderings that say no more than the values they print: the one rule every ranked list follows.

A list ordered by a statistic publishes the order of its values. Where two values print alike (40.0 % and
40.0 %, a rounded 40 % beside an exact 40.0 %) the order says which is larger, and where a value is withheld
(x) its place among the printed ones bounds it, an interval the disclosure rules never allowed. So every
published order — the member feedback's priority items, the report's weakest items and movers, the ★
bottlenecks and what-if ranking, the explorer's item list, the headline's strongest and weakest function —
sorts by the value **as printed** (a share or mean in percent to one decimal, whole percent in a rounded row,
a count as a whole number), a withheld value last as unknown, and every tie, withheld ones included, by a
**public key** (item number, requirement id, node id in its natural order: No.2 before No.10).

A top-N cut taken in that order that falls inside a run of equal printed values is cut by the public key:
the list keeps its stated length, and which of the tied rows it keeps is a function of printed values and
public keys only, so it tells nothing. (Taking the whole tie would tell nothing either, but a run of withheld
values or of equal rounded shares can be long, and a list of varying length is harder to read.)
docs/method.md §5.1b.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

import pandas as pd

from pipeline.scoring.disclosure_rounding import ROUNDED

PRINTED_DECIMALS = 1
"""Decimals of a share, mean or change as printed, in percent (72.9 %) or points (+5.2): every published page."""


def public_key(identifier: object) -> tuple:
    """Sort key of a public identifier by its numbers: No.2 before No.10, ID.AM-2 before ID.AM-10, 3:1-2 before
    3:1-10 (a text sort puts No.1, No.10, No.100 together)."""
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", str(identifier)) if t)


def as_printed(values: pd.Series, count: bool = False, whole: pd.Series | None = None) -> pd.Series:
    """``values`` as a page prints them, as numbers: a fraction (share, mean, change) in percent rounded to
    :data:`PRINTED_DECIMALS` (to whole percent where ``whole``, row by row), a ``count`` to a whole number; NaN
    (withheld or not assessed) stays NaN. Python's ``round`` of the percent, as the page's format rounds it."""
    v = pd.to_numeric(values, errors="coerce").astype(float).tolist()
    flags = [False] * len(v) if whole is None else whole.fillna(False).astype(bool).tolist()
    out = [x if x != x else float(round(x)) if count else float(round(x * 100, 0 if w else PRINTED_DECIMALS))
           for x, w in zip(v, flags, strict=True)]
    return pd.Series(out, index=values.index, dtype=float)


def printed_order(frame: pd.DataFrame, by: Sequence[str], key: str, descending: bool | Sequence[bool] = False,
                  counts: Collection[str] = ()) -> pd.DataFrame:
    """``frame`` in the published order of the module's rule: by each column of ``by`` as printed (``counts``
    whole numbers, the rest fractions printed in percent, whole percent in a row whose ``rounded`` flag is set),
    withheld (NaN) last, then by :func:`public_key` of ``key``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to order (its index is kept).
    by : sequence of str
        The statistics the list is ordered by, most significant first.
    key : str
        The public identifier that breaks every tie (item_id, requirement_id, node_id).
    descending : bool or sequence of bool
        Per column of ``by`` (one value for all): largest first.
    counts : collection of str
        Columns of ``by`` printed as whole numbers (companies), not as percent.
    """
    if frame.empty:
        return frame
    down = [descending] * len(by) if isinstance(descending, bool) else list(descending)
    whole = frame.get(ROUNDED)
    sort = pd.DataFrame({f"_by{i}": as_printed(frame[c], c in counts, whole).to_numpy() for i, c in enumerate(by)})
    keys = frame[key].astype(str)
    place = {k: i for i, k in enumerate(sorted(keys.unique(), key=public_key))}
    sort["_key"] = keys.map(place).to_numpy()
    order = sort.sort_values([*sort.columns], ascending=[*(not d for d in down), True], na_position="last",
                             kind="stable").index
    return frame.iloc[order.to_numpy()]


def printed_top(frame: pd.DataFrame, n: int, by: Sequence[str], key: str, descending: bool | Sequence[bool] = False,
                counts: Collection[str] = (), per: str | None = None) -> pd.DataFrame:
    """The first ``n`` rows of :func:`printed_order` (of each ``per`` group, e.g. one list per company): a cut inside
    a run of equal printed values keeps the rows first by the public key, never by the hidden value."""
    ordered = printed_order(frame, by, key, descending, counts)
    return ordered.groupby(per, sort=False).head(n) if per else ordered.head(n)
