"""An item's members' share as published: rounded, and withheld where it pins a weighting cell's counts.

An item row publishes its respondents' counts (applicable P, implemented A) and the members' share
Σ_c W_c·a_c / Σ_c W_c·p_c over the weighting cells c (W_c = the cell's members ÷ respondents, both read from
published response rows). P and A fix the sums of the cells' p_c and a_c; the share is one more equation in
how they split between the cells. Printed to 16 digits it has one whole-number solution (FY2022 No.3: 〜100人
153 applicable, 81 implemented); rounded, a band of solutions. Rounding alone is no guarantee: moving one
implemented company between cells moves the share by (W_1 − W_2)/Σ W·p, so cells of very different weights
keep little of a whole percent. So (docs/method.md §12.4a, "The members' share of an item"):

- the members' share is published to whole percent, its 95 % interval built from what is printed
  (:func:`printed_members_interval`);
- it is withheld (x) where, given the row's P, A, the cells' weights and respondents and the rounded share,
  some cell's implemented count or its count not applicable (n_c − p_c) has fewer than k possible values
  (counted, gaps and all) that the counts alone left more: :func:`cell_count_values` lists them by enumerating
  every whole-number split for up to three cells, against the exact half-open band that prints the share
  (:func:`printed_band`); with more cells the share is withheld;
- a row published rounded already (its counts withheld) is checked over every (P, A) its respondents and rounded
  share allow (:func:`possible_counts`), its interval over the fewest applicable companies it allows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import pandas as pd

from pipeline.scoring.disclosure_rounding import ROUNDED, STEPS_PER_UNIT, printed_share_interval, to_step
from pipeline.scoring.disclosure_weights import name_withheld, withhold_cells

MAX_CELLS = 3  # cells enumerated exactly; with more the share is withheld
SHARE = "w_share_implemented"
INTERVAL = ("w_ci_low", "w_ci_high")
MAX_DENOMINATOR = 10**6  # a weight is members ÷ respondents: read back as that fraction
ANY_SHARE = (Fraction(0), Fraction(2))  # a band no split leaves: what the counts alone allow

Band = tuple[Fraction, Fraction]
Values = list[tuple[tuple[int, ...], tuple[int, ...]]]


def printed_band(share: float) -> Band:
    """The exact shares [s − ½ %, s + ½ %) that print as ``share`` to whole percent, rounded half up
    (:func:`~pipeline.scoring.disclosure_rounding.to_step`): s + ½ % itself prints s + 1 %."""
    whole = int(round(float(share) * STEPS_PER_UNIT))
    return Fraction(2 * whole - 1, 2 * STEPS_PER_UNIT), Fraction(2 * whole + 1, 2 * STEPS_PER_UNIT)


def cell_count_values(cells: Sequence[tuple[float, int]], applicable: int, implemented: int,
                      band: Band = ANY_SHARE) -> Values | None:
    """Per cell, every implemented count a_c and every count the item does not apply to (n_c − p_c) some
    whole-number split consistent with the row allows: Σ p_c = ``applicable``, Σ a_c = ``implemented``,
    0 ≤ a_c ≤ p_c ≤ n_c, and low ≤ Σ W_c·a_c / Σ W_c·p_c < high for ``band`` = (low, high), compared exactly.

    ``cells``: (weight W_c, respondents n_c) per cell, two or three of them. None where no split fits. The values
    may have gaps (a cell's count 0, 2, 4, 5), which is why they are listed, not spanned. Enumerates p for every
    cell but the last and a for the first of three cells; the second-to-last a_c then lies in a whole-number
    interval solved from the band in integers, the last takes the rest.
    """
    if not 2 <= len(cells) <= MAX_CELLS:
        raise ValueError(f"cell_count_values enumerates 2 to {MAX_CELLS} cells, not {len(cells)}")
    if band == ANY_SHARE:  # every split qualifies: the counts' own bounds, no enumeration needed
        return counts_alone([int(c[1]) for c in cells], applicable, implemented)
    frac = [Fraction(c[0]).limit_denominator(MAX_DENOMINATOR) for c in cells]
    scale = math.lcm(*(f.denominator for f in frac))
    (ln, ld), (hn, hd) = ((b.numerator, b.denominator) for b in map(Fraction, band))
    h = len(cells)
    n = [int(c[1]) for c in cells]
    big = max(f.numerator * scale // f.denominator for f in frac) * sum(n) * max(ln, ld, hn, hd) * 4
    kind = np.int64 if big < 2**62 else object  # exact either way; object (Python ints) only where int64 may overflow
    w = np.array([f.numerator * scale // f.denominator for f in frac], dtype=kind)
    j, last = h - 2, h - 1
    dw = w[j] - w[last]
    seen_a = [np.zeros(m + 2, dtype=np.int64) for m in n]  # difference arrays: +1 at an interval's start, −1 after
    seen_na = [np.zeros(m + 1, dtype=bool) for m in n]
    for p in _split_chunks(applicable, np.array(n), implemented if h == 3 else 0):
        # one row per split p (each cell's applicable count), then per implemented count of the first of three cells
        den = sum(w[c] * p[:, c].astype(kind) for c in range(h))
        positive = np.asarray(den > 0, dtype=bool)
        p, den = p[positive], den[positive]
        if not len(p):
            continue
        heads = np.minimum(p[:, 0], implemented) + 1 if h == 3 else np.ones(len(p), dtype=np.int64)
        split = np.repeat(np.arange(len(p)), heads)
        head = (np.arange(len(split)) - np.repeat(np.cumsum(heads) - heads, heads)) if h == 3 \
            else np.zeros(len(split), dtype=np.int64)
        ps, den = p[split], den[split]
        head = head.astype(kind)
        rest = implemented - head
        fixed = (w[0] * head if h == 3 else 0) + w[last] * rest  # numerator = fixed + (W_j − W_last)·x, x = a_j
        x_lo = np.maximum(0, rest - ps[:, last].astype(kind))
        x_hi = np.minimum(ps[:, j].astype(kind), rest)
        # ln/ld ≤ num/den  ⇔  ld·dw·x ≥ ln·den − ld·fixed;  num/den < hn/hd  ⇔  hd·dw·x < hn·den − hd·fixed
        r1, r2 = ln * den - ld * fixed, hn * den - hd * fixed
        if dw == 0:
            keep = np.asarray((r1 <= 0) & (r2 > 0), dtype=bool)
        else:
            c1, c2 = ld * dw, hd * dw
            if dw > 0:
                x_lo = np.maximum(x_lo, -((-r1) // c1))
                x_hi = np.minimum(x_hi, -((-r2) // c2) - 1)
            else:
                x_hi = np.minimum(x_hi, r1 // c1)
                x_lo = np.maximum(x_lo, r2 // c2 + 1)
            keep = np.ones(len(head), dtype=bool)
        keep = keep & np.asarray(x_lo <= x_hi, dtype=bool)
        if not keep.any():
            continue
        head, rest = head[keep].astype(np.int64), rest[keep].astype(np.int64)
        x_lo, x_hi = x_lo[keep].astype(np.int64), x_hi[keep].astype(np.int64)
        spans = [(x_lo, x_hi), (rest - x_hi, rest - x_lo)]
        if h == 3:
            spans.insert(0, (head, head))
        kept = ps[keep]
        for c, (lo, hi) in enumerate(spans):
            seen_a[c] += np.bincount(lo, minlength=n[c] + 2)[:n[c] + 2]
            seen_a[c] -= np.bincount(hi + 1, minlength=n[c] + 2)[:n[c] + 2]
            seen_na[c][n[c] - kept[:, c]] = True
    if not seen_na[0].any():
        return None
    return [(tuple(int(v) for v in np.flatnonzero(np.cumsum(seen_a[c])[:-1] > 0)),
             tuple(int(v) for v in np.flatnonzero(seen_na[c]))) for c in range(h)]


def counts_alone(n: Sequence[int], applicable: int, implemented: int) -> Values | None:
    """:func:`cell_count_values` over any share: per cell, what Σ p_c = P, Σ a_c = A and 0 ≤ a_c ≤ p_c ≤ n_c alone
    allow, in closed form. With N' = the other cells' respondents, a_c takes every value of max(0, A − N') …
    min(n_c, A) and p_c of max(0, P − N') … min(n_c, P) (the others hold the rest: A − a_c ≤ P − p_c ≤ N'), so the
    count not applicable n_c − p_c every value of n_c − min(n_c, P) … n_c − max(0, P − N'); no gaps. None where no
    split fits (P > N, A > P) or P = 0 (no share: its denominator Σ W_c·p_c is 0)."""
    total = sum(n)
    if not (0 < applicable <= total and 0 <= implemented <= applicable):
        return None
    out = []
    for m in n:
        others = total - m
        a = range(max(0, implemented - others), min(m, implemented) + 1)
        na = range(m - min(m, applicable), m - max(0, applicable - others) + 1)
        out.append((tuple(a), tuple(na)))
    return out


def _splits(total: int, n: np.ndarray) -> np.ndarray:
    """Every p with Σ p = ``total`` and 0 ≤ p_c ≤ n_c (the last cell takes the rest), one row each."""
    p = np.zeros((1, 0), dtype=np.int64)
    left = np.array([total], dtype=np.int64)
    for c in range(len(n) - 1):
        rest_max = int(n[c + 1:].sum())
        low, high = np.maximum(0, left - rest_max), np.minimum(int(n[c]), left)
        count = np.maximum(high - low + 1, 0)
        row = np.repeat(np.arange(len(p)), count)
        v = np.repeat(low, count) + np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        p = np.column_stack([p[row], v])
        left = left[row] - v
    ok = (left >= 0) & (left <= int(n[-1]))
    return np.column_stack([p[ok], left[ok]])


SPLIT_ROWS = 2**18
"""At most this many (split, implemented count) rows are expanded at once by :func:`cell_count_values`. The splits
themselves are all built first by :func:`_splits`; their count grows with the hidden cells' sizes, so it is the
repetition per implemented count, not the splits, that this bounds."""


def _split_chunks(total: int, n: np.ndarray, implemented: int):
    """:func:`_splits` in runs of at most :data:`SPLIT_ROWS` rows once each is repeated per implemented count of the
    first cell (``implemented`` 0: one row per split)."""
    p = _splits(total, n)
    rows = np.minimum(p[:, 0], implemented) + 1 if implemented else np.ones(len(p), dtype=np.int64)
    ends = np.cumsum(rows)
    start = 0
    while start < len(p):
        stop = max(start + 1, int(np.searchsorted(ends, (ends[start - 1] if start else 0) + SPLIT_ROWS, "right")))
        yield p[start:stop]
        start = stop


def merged_values(found: Sequence[Values | None]) -> Values | None:
    """Per cell the union of the values of several readings (each a possible (P, A) of a rounded row)."""
    found = [f for f in found if f is not None]
    if not found:
        return None
    return [tuple(tuple(sorted(set().union(*(f[c][j] for f in found)))) for j in range(2))
            for c in range(len(found[0]))]


def pins_a_cell(values: Values | None, k: int, without: Values | None = None) -> bool:
    """Whether some cell's implemented or not-applicable count has fewer than k possible values (counted, gaps
    and all) and fewer than it had without the share (``without``: the values over any share; a count the
    published counts alone confine, such as no cell's not-applicable count where none said so, is not the share's
    doing). No split at all (a published value inconsistent with the cells) counts as pinned."""
    if values is None:
        return True
    for c, pair in enumerate(values):
        for j, possible in enumerate(pair):
            before = len(without[c][j]) if without else k
            if len(possible) < min(k, before):
                return True
    return False


def possible_counts(whole: int, share: float, k: int) -> list[tuple[int, int]]:
    """The (applicable P, implemented A) a rounded row allows: 0 … k − 1 of its ``whole`` respondents found the
    item not applicable, and A / P prints as ``share`` (half up, compared exactly)."""
    low, high = printed_band(share)
    out = []
    for p in range(max(1, whole - k + 1), whole + 1):
        # low·p ≤ a < high·p in integers: the few counts inside the band, each still compared exactly below
        a_lo = math.ceil(low * p)
        a_hi = (high.numerator * p - 1) // high.denominator
        out += [(p, a) for a in range(max(0, a_lo), min(p, a_hi) + 1) if low <= Fraction(a, p) < high]
    return out


def year_cells(weights: pd.DataFrame) -> dict[tuple[str, int], list[tuple[float, int]]]:
    """(sector, year) → its cells as an intruder reads them: (weight, respondents) per distinct weight."""
    out: dict[tuple[str, int], list[tuple[float, int]]] = {}
    for (sector, year), g in weights.groupby(["sector", "year"]):
        counts = g["weight"].astype(float).round(9).value_counts().sort_index()
        out[(str(sector), int(year))] = [(float(v), int(c)) for v, c in counts.items()]
    return out


def publish_members_shares(items: pd.DataFrame, weights: pd.DataFrame, k: int) -> pd.DataFrame:
    """The protected item table with each published members' share rounded to whole percent (its interval built
    from printed values, :func:`printed_members_interval`) and withheld, interval included, where the rounded
    share, beside what the row publishes, pins a weighting cell's count (:func:`pins_a_cell`). A row published
    rounded already (its counts withheld, :mod:`~pipeline.scoring.disclosure_rounding`) is checked over every (P, A)
    its respondents' count and rounded share allow (:func:`possible_counts`)."""
    if SHARE not in items or weights is None or weights.empty:
        return items
    out = items.copy()
    cells = year_cells(weights)
    rounded = out[ROUNDED].fillna(False).astype(bool) if ROUNDED in out else pd.Series(False, index=out.index)
    shown = out[SHARE].notna()
    out.loc[shown & ~rounded, SHARE] = to_step(out.loc[shown & ~rounded, SHARE])
    if all(c in out for c in INTERVAL):
        for i in out.index[shown.to_numpy()]:
            out.loc[i, list(INTERVAL)] = printed_members_interval(out.loc[i], cells, bool(rounded.loc[i]), k)
        unbuilt = shown & out[INTERVAL[0]].isna()  # no base to build it on: withheld (x), not "not assessed"
        for c in INTERVAL:
            out = name_withheld(out, unbuilt, c, "_withheld")
    shut = pd.Series(False, index=out.index)
    found_before: dict[tuple, Values | None] = {}  # rows (and a rounded row's readings) repeat (P, A): enumerated once

    def values(year_of: list[tuple[float, int]], p: int, a: int, band: Band = ANY_SHARE) -> Values | None:
        if band == ANY_SHARE:  # closed form, and long lists of values: made again rather than kept
            return cell_count_values(year_of, p, a, band)
        key = (tuple(year_of), p, a, band)
        if key not in found_before:
            found_before[key] = cell_count_values(year_of, p, a, band)
        return found_before[key]

    for i in out.index[shown.to_numpy()]:
        year_of = cells.get((str(out.at[i, "sector"]), int(out.at[i, "year"])))
        if not year_of or len(year_of) < 2:
            continue  # one cell: the members' share is the respondents'
        readings = _readings(out.loc[i], bool(rounded.loc[i]), k)
        if readings is None:
            continue
        if len(year_of) > MAX_CELLS:
            shut.loc[i] = True
            continue
        band = printed_band(float(out.at[i, SHARE]))
        found = merged_values([values(year_of, p, a, band) for p, a in readings])
        shut.loc[i] = pins_a_cell(found, k, merged_values([values(year_of, p, a) for p, a in readings]))
    return withhold_cells(out, shut, [c for c in (SHARE, *INTERVAL) if c in out], "_withheld")


def printed_members_interval(row: pd.Series, cells: dict[tuple[str, int], list[tuple[float, int]]], rounded: bool,
                             k: int) -> tuple[float, float]:
    """The 95 % interval printed beside an item's members' share, from what is printed only
    (:func:`~pipeline.scoring.disclosure_rounding.printed_share_interval`): the Wilson interval of the printed
    share's band ends over an effective base, the applicable companies (printed, or n_companies − (k − 1) where
    withheld) ÷ the design effect of the year's weighting cells (:func:`cells_design_effect`: weights and
    respondents read from published rows). The design's own interval rests on each cell's variance, i.e. on how
    the answers split between the cells, which the rounded share protects (:func:`pins_a_cell`); this one takes
    the variance equal in every cell."""
    whole = row.get("n_companies") if rounded else row.get("n_applicable")
    if whole is None or whole != whole:
        return float("nan"), float("nan")
    base = float(whole) - (k - 1) if rounded else float(whole)
    deff = cells_design_effect(cells.get((str(row["sector"]), int(row["year"]))) or [(1.0, 1)])
    return printed_share_interval(float(row[SHARE]), base / max(deff, 1e-9))


def cells_design_effect(cells: Sequence[tuple[float, int]]) -> float:
    """The design effect of a members' share over weighting cells (weight W_h = members ÷ respondents on the roster,
    n_h respondents), the variance taken equal in every cell: n·Σ_h n_h·W_h·(W_h − 1) / (Σ_h n_h·W_h)².

    Each cell's share of the estimate is n_h·W_h / Σ n·W and its variance carries the finite-population correction
    1 − 1/W_h (the members who did not answer): a cell where every member answered adds nothing. Without the
    correction it is Kish's design effect of unequal weights (:func:`~pipeline.scoring.weights.kish`)."""
    n = sum(c for _, c in cells)
    total = sum(w * c for w, c in cells)
    if n <= 0 or total <= 0:
        return float("nan")
    return n * sum(c * w * max(w - 1.0, 0.0) for w, c in cells) / total**2


def _readings(row: pd.Series, rounded: bool, k: int) -> list[tuple[int, int]] | None:
    """The (applicable, implemented) counts an intruder reads off one item row: the published pair, or for a row
    published rounded every pair its respondents and rounded share allow. None where the row gives too little."""
    if rounded:
        whole, share = row.get("n_companies"), row.get("share_implemented")
        if whole is None or share is None or whole != whole or share != share:
            return None
        return possible_counts(int(whole), float(share), k)
    p, a = row.get("n_applicable"), row.get("n_implemented")
    if p is None or a is None or p != p or a != a:
        return None
    return [(int(p), int(a))]
