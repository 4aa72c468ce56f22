"""An item's members' share as published: rounded, and withheld where it pins a weighting cell's counts.

An item row publishes its respondents' counts (applicable P, implemented A) and the members' share
Σ_c W_c·a_c / Σ_c W_c·p_c over the weighting cells c (W_c = the cell's members ÷ respondents, both read from
published response rows). P and A fix the sums of the cells' p_c and a_c; the share is one more equation in
how they split between the cells. Printed to 16 digits it has one whole-number solution (FY2022 No.3: 〜100人
153 applicable, 81 implemented); rounded, a band of solutions. Rounding alone is no guarantee: moving one
implemented company between cells moves the share by (W_1 − W_2)/Σ W·p, so cells of very different weights
keep little of a whole percent. So (docs/method.md §12.4a, "The members' share of an item"):

- the members' share is published to whole percent, its 95 % interval widened by the half-step and rounded
  outward;
- it is withheld (x) where, given the row's P, A, the cells' weights and respondents and the rounded share,
  some cell's implemented count or its count not applicable (n_c − p_c) is confined to fewer than k values
  (a width below k − 1 companies, the count width of §5.2) that the counts alone left wider:
  :func:`cell_count_ranges` finds the exact
  ranges by enumerating every whole-number split for up to three cells; with more cells the share is withheld.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.scoring.disclosure_rounding import ROUNDED, STEP, to_step, widened_high, widened_low
from pipeline.scoring.disclosure_weights import withhold_cells

MAX_CELLS = 3  # cells enumerated exactly; with more the share is withheld
SHARE = "w_share_implemented"
INTERVAL = ("w_ci_low", "w_ci_high")
EPS = 1e-9

Ranges = list[tuple[tuple[int, int], tuple[int, int]]]


def cell_count_ranges(cells: Sequence[tuple[float, int]], applicable: int, implemented: int, low: float,
                      high: float) -> Ranges | None:
    """Per cell, the (fewest, most) implemented answers and (fewest, most) respondents the item does not apply to
    (n_c − p_c) over every whole-number split consistent with what the row publishes: Σ p_c = ``applicable``,
    Σ a_c = ``implemented``, 0 ≤ a_c ≤ p_c ≤ n_c, and Σ W_c·a_c / Σ W_c·p_c within [``low``, ``high``].

    ``cells``: (weight W_c, respondents n_c) per cell, two or three of them. None where no split fits.
    Enumerates p for every cell but the last and a for the first of three cells; the second-to-last a_c then
    lies in an interval solved from the share's band, the last takes the rest.
    """
    if not 2 <= len(cells) <= MAX_CELLS:
        raise ValueError(f"cell_count_ranges enumerates 2 to {MAX_CELLS} cells, not {len(cells)}")
    w = np.array([c[0] for c in cells], dtype=float)
    n = np.array([c[1] for c in cells], dtype=int)
    h = len(cells)
    lo_a = [np.inf] * h
    hi_a = [-np.inf] * h
    lo_p = [np.inf] * h
    hi_p = [-np.inf] * h
    j, last = h - 2, h - 1
    dw = w[j] - w[last]
    for p in _splits(applicable, n):
        den = float(w @ p)
        if den <= 0:
            continue
        # a_0 (three cells) enumerated as an array; x = a_j solved; a_last = rest − x
        head = np.arange(0, min(int(p[0]), implemented) + 1) if h == 3 else np.zeros(1, dtype=int)
        rest = implemented - head
        fixed = (w[0] * head if h == 3 else 0.0) + w[last] * rest  # numerator = fixed + (W_j − W_last)·x
        x_lo = np.maximum(0, rest - int(p[last]))
        x_hi = np.minimum(int(p[j]), rest)
        if abs(dw) < EPS:
            keep = (fixed >= low * den - EPS) & (fixed <= high * den + EPS)
        else:
            b1, b2 = (low * den - fixed) / dw, (high * den - fixed) / dw
            x_lo = np.maximum(x_lo, np.ceil(np.minimum(b1, b2) - EPS).astype(int))
            x_hi = np.minimum(x_hi, np.floor(np.maximum(b1, b2) + EPS).astype(int))
            keep = np.ones(len(head), dtype=bool)
        keep &= x_lo <= x_hi
        if not keep.any():
            continue
        head, rest, x_lo, x_hi = head[keep], rest[keep], x_lo[keep], x_hi[keep]
        found = [(x_lo.min(), x_hi.max()), (int((rest - x_hi).min()), int((rest - x_lo).max()))]
        if h == 3:
            found.insert(0, (int(head.min()), int(head.max())))
        for c in range(h):
            lo_a[c], hi_a[c] = min(lo_a[c], int(found[c][0])), max(hi_a[c], int(found[c][1]))
            lo_p[c], hi_p[c] = min(lo_p[c], int(p[c])), max(hi_p[c], int(p[c]))
    if lo_a[0] == np.inf:
        return None
    return [((int(lo_a[c]), int(hi_a[c])), (int(n[c] - hi_p[c]), int(n[c] - lo_p[c]))) for c in range(h)]


def _splits(total: int, n: np.ndarray):
    """Every p with Σ p = ``total`` and 0 ≤ p_c ≤ n_c (the last cell takes the rest)."""
    def rec(c: int, left: int, head: list[int]):
        if c == len(n) - 1:
            if 0 <= left <= n[c]:
                yield np.array([*head, left])
            return
        rest_max = int(n[c + 1:].sum())
        for v in range(max(0, left - rest_max), min(int(n[c]), left) + 1):
            yield from rec(c + 1, left - v, [*head, v])
    yield from rec(0, total, [])


def pins_a_cell(ranges: Ranges | None, k: int, without: Ranges | None = None) -> bool:
    """Whether some cell's implemented or not-applicable count has fewer than k possible values (a width below
    k − 1 companies) that it had without the share (``without``: the ranges over the band [0, 1]; a count the
    published counts alone confine, such as no cell's not-applicable count where none said so, is not the share's
    doing). No split at all (a published value inconsistent with the cells) counts as pinned."""
    if ranges is None:
        return True
    for c, pair in enumerate(ranges):
        for j, (lo, hi) in enumerate(pair):
            before = without[c][j] if without else (0, k)
            if hi - lo < min(k - 1, before[1] - before[0]):
                return True
    return False


def year_cells(weights: pd.DataFrame) -> dict[tuple[str, int], list[tuple[float, int]]]:
    """(sector, year) → its cells as an intruder reads them: (weight, respondents) per distinct weight."""
    out: dict[tuple[str, int], list[tuple[float, int]]] = {}
    for (sector, year), g in weights.groupby(["sector", "year"]):
        counts = g["weight"].astype(float).round(9).value_counts().sort_index()
        out[(str(sector), int(year))] = [(float(v), int(c)) for v, c in counts.items()]
    return out


def publish_members_shares(items: pd.DataFrame, weights: pd.DataFrame, k: int) -> pd.DataFrame:
    """The protected item table with each published members' share rounded to whole percent (its interval
    widened by half a step and rounded outward) and withheld, interval included, where the rounded share, beside
    the row's published counts, pins a weighting cell's count (:func:`pins_a_cell`). Rows published rounded
    already (their base withheld) are left as they are and not checked: their counts are not published."""
    if SHARE not in items or weights is None or weights.empty:
        return items
    out = items.copy()
    cells = year_cells(weights)
    rounded = out[ROUNDED].fillna(False).astype(bool) if ROUNDED in out else pd.Series(False, index=out.index)
    shown = out[SHARE].notna()
    out.loc[shown & ~rounded, SHARE] = to_step(out.loc[shown & ~rounded, SHARE])
    for col, widen in zip(INTERVAL, (widened_low, widened_high), strict=True):
        if col in out:  # a rounded row's interval is widened already
            hit = out[col].notna() & ~rounded
            out.loc[hit, col] = [widen(float(v)) for v in out.loc[hit, col]]
    shut = pd.Series(False, index=out.index)
    for i in out.index[(shown & ~rounded).to_numpy()]:
        year_of = cells.get((str(out.at[i, "sector"]), int(out.at[i, "year"])))
        p, a = out.at[i, "n_applicable"], out.at[i, "n_implemented"]
        if not year_of or len(year_of) < 2 or p != p or a != a:
            continue  # one cell: the members' share is the respondents'
        share = float(out.at[i, SHARE])
        if len(year_of) > MAX_CELLS:
            shut.loc[i] = True
            continue
        ranges = cell_count_ranges(year_of, int(p), int(a), share - STEP / 2, share + STEP / 2)
        shut.loc[i] = pins_a_cell(ranges, k, cell_count_ranges(year_of, int(p), int(a), 0.0, 1.0))
    return withhold_cells(out, shut, [c for c in (SHARE, *INTERVAL) if c in out], "_withheld")
