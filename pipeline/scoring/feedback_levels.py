"""Which level peer means a member's file withholds so that the level relation gives none back (docs/method.md,
"Level means shown together").

Automotive 全項目の達成率 (All) is the item-weighted mean of the level shares: W·All = Σ w_l·Lv_l over Lv1, Lv2, Lv3
(w_l the level's items, W their sum; not applicable items make it approximate, so holding it exactly is the
intruder's strongest case). One linear equation over values in [0, 1]: where every value but one is known to an
interval, the one left lies in the interval the others leave it, and the projection of the box cut by the equation
on each value is exactly that (:func:`relation_interval`). A value the member does not read exactly — withheld,
hidden, a band, rounded, or shown for another group — must keep its width: the method's ``width`` for one read as x,
the whole band or rounding step for one printed so. :func:`levels_to_withhold` withholds the fewest level means
printed exactly that leave every such value its width (among as few, those carrying the most items first: they
leave the others the most slack)."""

from __future__ import annotations

from itertools import combinations

WIDTH_TOLERANCE = 1e-9  # rounding of the arithmetic, never a company


def relation_interval(node: str, known: dict[str, tuple[float, float]], weights: dict[str, float], whole: str
                      ) -> tuple[float, float]:
    """The interval ``node`` keeps under W·whole = Σ w_l·part_l, every value within its ``known`` interval ([0, 1]
    where not given). ``weights``: each part's items; W is their sum."""
    coef = {part: -w for part, w in weights.items()}
    coef[whole] = sum(weights.values())
    box = {v: known.get(v, (0.0, 1.0)) for v in coef}
    rest = [(c * box[v][0], c * box[v][1]) for v, c in coef.items() if v != node]
    low_rest, high_rest = sum(min(a, b) for a, b in rest), sum(max(a, b) for a, b in rest)
    ends = sorted((-high_rest / coef[node], -low_rest / coef[node]))
    own = box[node]
    return max(own[0], ends[0]), min(own[1], ends[1])


def _short(known: dict[str, tuple[float, float]], required: dict[str, float], weights: dict[str, float], whole: str
           ) -> bool:
    for node, width in required.items():
        low, high = relation_interval(node, known, weights, whole)
        if high - low < width - WIDTH_TOLERANCE:
            return True
    return False


def levels_to_withhold(known: dict[str, tuple[float, float]], required: dict[str, float], candidates: list[str],
                       weights: dict[str, float], whole: str, width: float) -> list[str]:
    """The fewest of ``candidates`` (level means printed, in ``known``) to withhold so that every value in
    ``required`` (node → the width it must keep) keeps it; a withheld one becomes [0, 1] and must keep ``width``.
    Among as few, the set carrying the most items; all candidates where no smaller set does."""
    order = sorted(candidates, key=lambda c: -weights.get(c, 0.0))
    for size in range(len(order) + 1):
        sets = sorted(combinations(order, size), key=lambda s: -sum(weights.get(c, 0.0) for c in s))
        for chosen in sets:
            now = {v: b for v, b in known.items() if v not in chosen}
            if not _short(now, {**required, **dict.fromkeys(chosen, width)}, weights, whole):
                return list(chosen)
    return order
