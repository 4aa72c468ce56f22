"""A node against its item-weighted children where the not-applicable shares are withheld (issue 28, intruder
round ten, route G): the relation still holds, within what not-applicable answers allow. Hand-typed, k = 5."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.publish.intervals import Relation, complete
from pipeline.publish.model import TableSpec
from pipeline.scoring.segments import NA_BEHIND
from tests.intruder import attack
from tests.test_disclosure_intruder import NODES, _audit, _nodes

ITEMS4 = ("RC.CO-1", "RC.CO-2", "RC.CO-3", "RC.RP-1")
RC = Relation(("csf2", "RC"), {("csf2", "RC.RP"): 0.25, ("csf2", "RC.CO"): 0.75}, "power", 4, item_ids=ITEMS4)
ITEMS = TableSpec(keys=["sector", "year", "item_id"], segment=None,
                  counts={s: "n_applicable" for s in ("share_implemented", "mean_points")})


def _withheld(rows: list[tuple], not_applicable: int) -> pd.DataFrame:
    """Node rows with their not-applicable share withheld (x) and the true not-applicable answers behind them."""
    return _nodes(rows).assign(na_share=np.nan, **{NA_BEHIND: float(not_applicable)})


def test_a_one_item_category_is_not_its_function_less_its_published_sibling():
    """特定卸, 23 companies, none finding an RC item not applicable (the share withheld, reading x): RC (4 items)
    = 0.85 and RC.CO (3 items) = 13/15 published, RC.RP (1 item) hidden. An intruder takes RC.RP = 4 · 0.85 −
    3 · 13/15 = 0.80 and, landing on the one-item grid (multiples of 0.5/23), knows it exact. Protected, the sibling
    is hidden with it (RC.RP + 3 · RC.CO = 3.4 leaves RC.RP anywhere in [0.4, 1])."""
    functions = _withheld([("RC", "特定卸", 23, 0.85, 0.4, 0.0, "")], 0)
    categories = _withheld([("RC.RP", "特定卸", 23, 0.8, 0.4, 0.0, "primary"),
                            ("RC.CO", "特定卸", 23, 13 / 15, 0.4, 0.0, "")], 0)
    f2, c2 = complete([("functions", functions, NODES), ("categories", categories, NODES)], 5, [RC])
    assert c2.set_index("node_id")["suppressed"].to_dict() == {"RC.RP": "primary", "RC.CO": "complementary"}
    assert f2["suppressed"].tolist() == [""] and f2["mean"].tolist() == [0.85]
    assert np.isnan(c2.set_index("node_id").loc["RC.CO", "mean"])  # 4 · RC − 3 · RC.CO has nothing to read
    findings, _ = _audit({"functions": f2, "categories": c2}, [RC])
    assert findings == []


def test_the_audit_bounds_the_relation_by_the_published_item_counts():
    """The published folder alone (no true counts): the four RC items are published rounded, so each has 0 … 4
    companies finding it not applicable, at most 16 answers, and RC misses 0.25 · RC.RP + 0.75 · RC.CO by at
    most δ = 16 / (23 · 4) = 0.173913. RC.RP = 4 · (0.85 ± δ) − 3 · 13/15 = 0.8 ± 0.695652: [0.104348, 1]."""
    functions = _withheld([("RC", "特定卸", 23, 0.85, 0.4, 0.0, "")], 0)
    categories = _withheld([("RC.RP", "特定卸", 23, 0.8, 0.4, 0.0, "primary"),
                            ("RC.CO", "特定卸", 23, 13 / 15, 0.4, 0.0, "")], 0)
    items = pd.DataFrame({"sector": "power", "year": 2026, "item_id": list(ITEMS4), "n_companies": 23,
                          "n_applicable": np.nan, "share_implemented": [0.7, 0.8, 0.9, 0.6],
                          "mean_points": [0.8, 0.85, 0.95, 0.8], "n_not_applicable": np.nan, "rounded": True,
                          "suppressed": ""})
    _, intervals = attack({"functions": (functions, NODES), "categories": (categories, NODES),
                           "items": (items, ITEMS)}, [RC])
    found = next(iv for iv in intervals if "RC.RP" in iv.cell and iv.statistic == "mean")
    assert (round(found.low, 4), round(found.high, 4)) == (0.1043, 1.0)
