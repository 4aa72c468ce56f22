"""The ★ third pass (:func:`pipeline.publish.intervals._propagate`): a group is solved again only where an interval
its cross rows read from another group moved since it was last solved."""

from __future__ import annotations

from pipeline.publish.intervals import FIRM, SolverStats, _Facts, _propagate

A = ((("segment", "a"),), ("csf2", "GV"), "mean")
B = ((("segment", "b"),), ("csf2", "GV"), "mean")


def _facts() -> _Facts:
    facts = _Facts()
    facts.hidden[A] = ("t", "a", "complementary")
    facts.hidden[B] = ("t", "b", "complementary")
    return facts


def test_a_group_whose_outside_interval_did_not_move_is_not_solved_again():
    # a ≥ 0.3 and b ≥ 0.5 alone, tied by a + b ≤ 1.2. Pass 1: a ≤ 1.2 − 0.5 = 0.7 (a moves), then b ≤ 1.2 − 0.3 = 0.9
    # (b moves). Pass 2: a reads b's new interval: solved again, a ≤ 1.2 − 0.5 = 0.7, unchanged; b reads a's interval
    # of pass 1, which it already read: not solved again. 3 groups solved, each 2 linear programmes (min and max).
    rows = [({A: -1.0}, -0.3, FIRM), ({B: -1.0}, -0.5, FIRM)]
    cross = [({A: 1.0, B: 1.0}, 1.2, FIRM)]
    found = {A: (0.3, 1.0), B: (0.5, 1.0)}
    stats = SolverStats()
    out = _propagate(_facts(), rows, cross, [A, B], found, 5, set(), stats, None)
    assert round(out[A][0], 6) == 0.3 and round(out[A][1], 6) == 0.7
    assert round(out[B][0], 6) == 0.5 and round(out[B][1], 6) == 0.9
    assert stats.groups == 3
    assert stats.lp == 6


def test_a_cross_row_reads_the_other_groups_cells_by_their_intervals():
    """a − b = 0 read by a's group, b in [0.2, 0.5]: −b lies in [−0.5, −0.2], so a − 0.5 ≤ 0 … and −a + 0.2 ≤ 0, i.e.
    a in [0.2, 0.5]; b of coefficient −2 in a + 2b ≤ 1.5: a ≤ 1.5 − 2·0.2 = 1.1; no interval for b: no row."""
    from pipeline.publish.intervals import Crossing, _bounded

    equal = Crossing({A: 1.0}, [(B, -1.0)], None, FIRM)
    assert _bounded(equal, {B: (0.2, 0.5)}) == [({A: 1.0}, 0.5, FIRM), ({A: -1.0}, -0.2, FIRM)]
    below = Crossing({A: 1.0}, [(B, 2.0)], 1.5, FIRM)
    assert _bounded(below, {B: (0.2, 0.5)}) == [({A: 1.0}, 1.5 - 0.4, FIRM)]
    assert _bounded(below, {}) == []
