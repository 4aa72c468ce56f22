"""Why rule (a) of the ★ tables' protection stays (docs/method.md §5.3b, "Rule (a) stays"): the interval solver does
not hold a ★N mean against its requirement rows, so without the rule published rows give a hidden ★N mean back.
Hand-built tables, k = 5, typed by hand.

One year, ★3 with two requirements (R = 2), every company judged on both: S (10 companies: 3 fail 1-1-1, 2 fail
1-1-2, ★3 mean 1 − (0.3 + 0.2) / 2 = 0.75), T (20: 2 and 2, mean 0.9), total 30 (5 and 4, mean 25.5 / 30 = 0.85).
The ★ table hides S's ★3 mean (its own reason) and T's (its complement).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.publish.model import TableSpec
from pipeline.scoring.disclosure import HIDDEN_COUNT

KEYS = ["sector", "year", "framework", "node_id"]
STAR_SPEC = TableSpec(keys=KEYS, total="全体", counts={"mean": "n_scored"})
UNMET_SPEC = TableSpec(keys=KEYS, total="全体", counts={"share_unmet": "n_scored"})
N = {"S": 10, "T": 20, "全体": 30}
MEAN = {"S": 0.75, "T": 0.9, "全体": 0.85}
FAILING = {"1-1-1": {"S": 3, "T": 2, "全体": 5}, "1-1-2": {"S": 2, "T": 2, "全体": 4}}


def _hide(t: pd.DataFrame, stats: list[str]) -> pd.DataFrame:
    t[HIDDEN_COUNT] = t["n_scored"]
    t.loc[t["suppressed"].ne(""), [*stats, "n_scored"]] = np.nan
    return t


def _star() -> pd.DataFrame:
    hidden = {"S": "primary", "T": "complementary"}
    t = pd.DataFrame([{"sector": "auto", "year": 2024, "framework": "star", "node_id": "★3", "segment": s,
                       "n": float(n), "n_scored": float(n), "mean": MEAN[s], "suppressed": hidden.get(s, "")}
                      for s, n in N.items()])
    return _hide(t, ["mean"])


def _unmet() -> pd.DataFrame:
    t = pd.DataFrame([{"sector": "auto", "year": 2024, "framework": "star_unmet", "node_id": f"3:{r}", "segment": s,
                       "n": float(n), "n_scored": float(n), "share_unmet": failing[s] / n, "suppressed": ""}
                      for r, failing in FAILING.items() for s, n in N.items()])
    return _hide(t, ["share_unmet"])


def test_rule_a_hides_the_rows_of_the_hidden_star_means():
    """The ★ tables' protection (rules (a), (c), (b)): every ★3 row of S and T is hidden, the totals stay. Published,
    the rows would give m_S = 1 − (3/10 + 2/10) / 2 = 0.75 exactly, where the interval solver, holding only the total
    (10·m_S + 20·m_T = 25.5, m_T ≤ 1), reads m_S in 0.55…1 (docs/method.md §5.3b: why rule (a) stays)."""
    from pipeline.report.star_disclosure import protect_together
    from pipeline.report.star_tables import with_keys

    bottle, star = protect_together(with_keys(_unmet()), _star(), 5)
    got = {(r, s): h for r, s, h in zip(bottle["node_id"], bottle["segment"], bottle["suppressed"], strict=True)}
    assert got == {("3:1-1-1", "S"): "complementary", ("3:1-1-1", "T"): "complementary", ("3:1-1-1", "全体"): "",
                   ("3:1-1-2", "S"): "complementary", ("3:1-1-2", "T"): "complementary", ("3:1-1-2", "全体"): ""}
    assert star.loc[star["segment"].eq("全体"), "mean"].tolist() == pytest.approx([0.85])
