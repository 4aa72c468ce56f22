"""Requirement rows whose cited items are a strict subset of another's (docs/method.md, "Rows citing fewer items fail
no more companies"): a company failing ★3 2-1-1 (No.77 No.78) fails ★4 2-1-1 (No.70 No.77 No.78) too, so in every
segment and year failing(★3) ≤ failing(★4). Hand-built bottleneck table, k = 5, the intruder's intervals by hand.

The shape of the intruder's FY2024 industry example. One year, segments 物流 (12 companies judged), 設備・機械 (15),
その他 (43), total 70. Failing ★3 2-1-1: 物流 4, 設備・機械 6, その他 20, total 30; failing ★4 2-1-1: 物流 6, 設備・機械
7, その他 25, total 38. The ★3 rows of 物流 and 設備・機械 are hidden, everything else is published.

From the ★3 rows alone the two fail 30 − 20 = 10 together: 物流 anywhere in 0…10 of 12, 設備・機械 in 0…10 of 15.
With ★3 ≤ ★4: 物流 ≤ 6 and 設備・機械 ≤ 7, so 物流 = 10 − 設備・機械 ≥ 3 and 設備・機械 ≥ 4: 物流 in 3…6 and
設備・機械 in 4…7, three companies wide where k − 1 = 4 are required.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.report.star_tables import SPECS
from pipeline.scoring.disclosure import HIDDEN_COUNT
from tests.intruder import bottleneck_audit

N = {"物流": 12, "設備・機械": 15, "その他": 43, "全体": 70}
FAILING = {3: {"物流": 4, "設備・機械": 6, "その他": 20, "全体": 30},
           4: {"物流": 6, "設備・機械": 7, "その他": 25, "全体": 38}}
CITED = {3: "No.77 No.78", 4: "No.70 No.77 No.78"}
SPEC = SPECS["star_bottlenecks"]


def _table(hidden: set[tuple[int, str]]) -> pd.DataFrame:
    t = pd.DataFrame([{"sector": "auto", "year": 2024, "framework": "star_unmet", "node_id": f"{star}:2-1-1",
                       "segment": s, "n_scored": float(n), "share_unmet": FAILING[star][s] / n,
                       "cited_items": CITED[star], "suppressed": "primary" if (star, s) in hidden else ""}
                      for star in (3, 4) for s, n in N.items()])
    t[HIDDEN_COUNT] = t["n_scored"]
    return t


def _blank(t: pd.DataFrame) -> pd.DataFrame:
    t = t.copy()
    t.loc[t["suppressed"].ne(""), ["share_unmet", "n_scored"]] = np.nan
    return t


def _audit(table: pd.DataFrame):
    findings, cells = bottleneck_audit(table, SPEC)
    narrow = sorted(f"{f.cell.split('node_id=')[1]} {f.statistic}" for f in findings if f.check == "interval")
    return narrow, cells


def test_the_audit_holds_star3_failing_at_most_star4_failing():
    narrow, iv = _audit(_blank(_table({(3, "物流"), (3, "設備・機械")})))
    logistics, machines = iv[("3:2-1-1", "物流")], iv[("3:2-1-1", "設備・機械")]
    assert (logistics.low, logistics.high) == pytest.approx((3 / 12, 6 / 12), abs=1e-6)
    assert (machines.low, machines.high) == pytest.approx((4 / 15, 7 / 15), abs=1e-6)
    assert narrow == ["3:2-1-1; segment=物流 share_unmet", "3:2-1-1; segment=設備・機械 share_unmet"]


def test_completion_hides_the_star4_rows_that_bound_the_hidden_star3_rows():
    """Completion hides, for each narrow ★3 row, the published cell of its relations resting on the fewest companies:
    the ★4 row of the same segment (12 and 15 companies, beside その他's 43 and the total). Then 物流 and 設備・機械
    fail ★4 13 together and ★3 10: 物流's ★3 anywhere in 0…10 again, 設備・機械's in 0…10."""
    from pipeline.report.tables import secure

    done = secure(_table({(3, "物流"), (3, "設備・機械")}), SPEC, 5)
    status = {(r, s): h for r, s, h in zip(done["node_id"], done["segment"], done["suppressed"], strict=True)}
    assert status == {("3:2-1-1", "物流"): "primary", ("3:2-1-1", "設備・機械"): "primary", ("3:2-1-1", "その他"): "",
                      ("3:2-1-1", "全体"): "",
                      ("4:2-1-1", "物流"): "complementary", ("4:2-1-1", "設備・機械"): "complementary",
                      ("4:2-1-1", "その他"): "", ("4:2-1-1", "全体"): ""}
    narrow, iv = _audit(_blank(done))
    assert narrow == []
    assert (iv[("3:2-1-1", "物流")].low, iv[("3:2-1-1", "物流")].high) == pytest.approx((0.0, 10 / 12), abs=1e-6)
    assert (iv[("3:2-1-1", "設備・機械")].low, iv[("3:2-1-1", "設備・機械")].high) == pytest.approx((0.0, 10 / 15),
                                                                                                 abs=1e-6)
