"""A row hidden because rounding cannot keep every base says nothing of where its share lies: the audit's
interval for it must hold the true value (issue 28, intruder round ten, route C). Hand-typed, k = 5."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.scoring.disclosure import HIDDEN_COUNT
from pipeline.scoring.disclosure_rounding import round_small_base
from pipeline.scoring.segments import ALL
from tests.test_disclosure_intruder import _audit, _nodes


def test_a_row_hidden_for_its_rounding_keeps_the_true_count_inside_its_interval():
    """RC.RP rests on one item, so its row is rounded (base 80 … 84 possible). A: 15 of 84 reached = 17.86 % →
    18 %, and over 81 companies 14/81 = 17.3 % and 15/81 = 18.5 %: no count gives 18 %, the row is hidden whole.
    B (84) is hidden beside it, the total 42 of 168 = 25 % published: A + B = 2 × 0.25 = 0.5, so A lies in
    [0, 0.5] (B ≥ 0) — 15/84 inside. Read as a split (fewer than 5 on one side) A would be [0, 4/84] and the
    audit would pass a cell it had not bounded at all."""
    raw = _nodes([("RC.RP", "A", 84, 0.3, 15 / 84, 0.0, ""), ("RC.RP", "B", 84, 0.4, 27 / 84, 0.0, "complementary"),
                  ("RC.RP", ALL, 168, 0.35, 42 / 168, 0.0, "")])
    raw["n"] = [84, 84, 168]
    raw.loc[1, "n_scored"] = np.nan
    t = round_small_base(raw, 5, single=pd.Series([True, False, False]))
    assert t.set_index("segment").loc["A", "suppressed"] == "rounding"
    assert np.isnan(t.set_index("segment").loc["A", "share_reached"])
    assert t.set_index("segment").loc["A", HIDDEN_COUNT] == 84
    _, iv = _audit({"categories": t.drop(columns="n")})
    low, high = iv[("RC.RP", "A", "share_reached")]
    assert (low, high) == (0.0, 0.5)
    assert low <= 15 / 84 <= high
