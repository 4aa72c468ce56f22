"""Twin requirement rows (docs/method.md §5.3c): two ★ bottleneck rows of one segment and year citing the same checklist
items have the same companies failing them. Hand-built tables, k = 5, the intruder's intervals typed by hand.

One year, segments S (8 companies), T (20), U (30), total 58. Requirement 4-1-1 cites items No.113 No.117 No.118 at
★3 and at ★4 alike; failing it: S 3, T 6, U 9, total 18. Requirement 4-9-9 (★4 only, item No.200) is no twin of it.

The ★3 rows are all published. The ★4 rows of S and T are hidden (rule (a): their segment's ★4 mean is hidden, and
T is S's complement), U's and the total published. From the ★4 rows alone S + T fail 18 − 9 = 9: S anywhere in
0…8, T in 1…9. With the twins, S's ★4 row is its ★3 row: exactly 3 of 8, and T's exactly 6 of 20.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.publish.model import TableSpec
from pipeline.report.star_tables import SPECS
from pipeline.scoring.disclosure import HIDDEN_COUNT
from tests.intruder import bottleneck_audit

N = {"S": 8, "T": 20, "U": 30, "全体": 58}
FAILING = {"S": 3, "T": 6, "U": 9, "全体": 18}
ITEMS = "No.113 No.117 No.118"
SPEC = SPECS["star_bottlenecks"]


def _rows(hidden4: set[str], cited4: str = ITEMS) -> pd.DataFrame:
    rows = [{"sector": "auto", "year": 2024, "framework": "star_unmet", "node_id": f"{star}:4-1-1", "segment": s,
             "n_scored": float(n), "share_unmet": FAILING[s] / n, "cited_items": cited,
             "suppressed": "complementary" if star == 4 and s in hidden4 else ""}
            for star, cited in ((3, ITEMS), (4, cited4)) for s, n in N.items()]
    rows += [{"sector": "auto", "year": 2024, "framework": "star_unmet", "node_id": "4:4-9-9", "segment": s,
              "n_scored": float(n), "share_unmet": 0.5, "cited_items": "No.200",
              "suppressed": "complementary" if s in hidden4 else ""} for s, n in N.items()]
    t = pd.DataFrame(rows)
    t[HIDDEN_COUNT] = t["n_scored"]
    t.loc[t["suppressed"].ne(""), ["share_unmet", "n_scored"]] = np.nan
    return t


def _audit(table: pd.DataFrame, spec: TableSpec = SPEC):
    return bottleneck_audit(table, spec)


def _narrow(findings) -> list[str]:
    return sorted(f"{f.cell.split('node_id=')[1]} {f.statistic}" for f in findings if f.check == "interval")


def test_the_audit_finds_a_hidden_star4_row_from_its_published_star3_twin():
    findings, iv = _audit(_rows({"S", "T"}))
    s, t = iv[("4:4-1-1", "S")], iv[("4:4-1-1", "T")]
    assert (s.low, s.high) == pytest.approx((3 / 8, 3 / 8), abs=1e-6)
    assert s.required == pytest.approx(4 / 8)
    assert (t.low, t.high) == pytest.approx((6 / 20, 6 / 20), abs=1e-6)
    assert t.required == pytest.approx(4 / 20)
    # 4-9-9 has no twin: S's 4 + T's 10 failing it are 14 in all, S anywhere in 0…8
    assert (iv[("4:4-9-9", "S")].low, iv[("4:4-9-9", "S")].high) == pytest.approx((0.0, 1.0), abs=1e-6)
    assert _narrow(findings) == ["4:4-1-1; segment=S share_unmet", "4:4-1-1; segment=T share_unmet"]


def test_rows_citing_other_items_are_no_twins():
    """★4 citing one item more (No.119): not met may differ, but a company failing ★3 fails ★4 too
    (tests/test_star_subsets.py): S fails ★4 at least 3 of 8, T at least 6 of 20, and S + T = 9 pins both."""
    findings, iv = _audit(_rows({"S", "T"}, cited4=ITEMS + " No.119"))
    assert (iv[("4:4-1-1", "S")].low, iv[("4:4-1-1", "S")].high) == pytest.approx((3 / 8, 3 / 8), abs=1e-5)
    assert (iv[("4:4-1-1", "T")].low, iv[("4:4-1-1", "T")].high) == pytest.approx((6 / 20, 6 / 20), abs=1e-5)
    assert _narrow(findings) == ["4:4-1-1; segment=S share_unmet", "4:4-1-1; segment=T share_unmet"]
    # cited items that are neither alike nor nested (No.119 for No.118) tie nothing: S all of 0…8, T 1…9 of 20
    findings, iv = _audit(_rows({"S", "T"}, cited4="No.113 No.117 No.119"))
    assert (iv[("4:4-1-1", "S")].low, iv[("4:4-1-1", "S")].high) == pytest.approx((0.0, 1.0), abs=1e-6)
    assert (iv[("4:4-1-1", "T")].low, iv[("4:4-1-1", "T")].high) == pytest.approx((1 / 20, 9 / 20), abs=1e-6)
    assert _narrow(findings) == []


def test_a_table_spec_without_equal_by_leaves_the_twins_unrelated():
    plain = TableSpec(keys=SPEC.keys, counts=SPEC.counts, total=SPEC.total)
    findings, iv = _audit(_rows({"S", "T"}), plain)
    assert (iv[("4:4-1-1", "S")].low, iv[("4:4-1-1", "S")].high) == pytest.approx((0.0, 1.0), abs=1e-6)
    assert _narrow(findings) == []


def test_equal_by_is_kept_in_the_report_folders_specs():
    """``sdw audit`` reads the specs back from the report folder: the twin relation must survive the trip."""
    assert SPEC.equal_by == "cited_items"
    assert TableSpec.from_json(SPEC.to_json()).equal_by == "cited_items"
    assert "equal_by" not in TableSpec(keys=["year"], counts={}).to_json()


def _star_table(hidden: set[str]) -> pd.DataFrame:
    """The ★ table's ★4 mean: S hidden for its own sake; T, U, total published (0.62, 0.70, 0.80, 0.74)."""
    mean = {"S": 0.62, "T": 0.70, "U": 0.80, "全体": (8 * 0.62 + 20 * 0.70 + 30 * 0.80) / 58}
    t = pd.DataFrame([{"sector": "auto", "year": 2024, "framework": "star", "node_id": "★4", "segment": s,
                       "n": float(n), "n_scored": float(n), "mean": mean[s],
                       "suppressed": "primary" if s in hidden else ""} for s, n in N.items()])
    t[HIDDEN_COUNT] = t["n_scored"]
    t.loc[t["suppressed"].ne(""), ["mean", "n_scored"]] = np.nan
    return t


def test_protection_hides_the_twins_together():
    """The ★ table hides S's ★4 mean; completing it against the total hides T's too (the segment resting on the
    fewest companies). Rule (a) hides every ★4 bottleneck row of S and then of T; their ★3 twins go with them (rule
    (d)), and completion leaves U and the total: ★3 and ★4 of 4-1-1 both hidden for S and T, 9 of 30 and 18 of 58
    published. The audit then leaves S all of 0…8 in both rows (S + T fail 9)."""
    from pipeline.report.star_disclosure import protect_together
    from pipeline.report.star_tables import with_keys

    bottle, star = protect_together(with_keys(_rows(set())), _star_table({"S"}), 5)
    assert dict(zip(star["segment"], star["suppressed"], strict=True)) == {
        "S": "primary", "T": "complementary", "U": "", "全体": ""}
    status = {(r, s): h for r, s, h in zip(bottle["node_id"], bottle["segment"], bottle["suppressed"], strict=True)}
    assert status == {
        ("3:4-1-1", "S"): "complementary", ("3:4-1-1", "T"): "complementary", ("3:4-1-1", "U"): "",
        ("3:4-1-1", "全体"): "",
        ("4:4-1-1", "S"): "complementary", ("4:4-1-1", "T"): "complementary", ("4:4-1-1", "U"): "",
        ("4:4-1-1", "全体"): "",
        ("4:4-9-9", "S"): "complementary", ("4:4-9-9", "T"): "complementary", ("4:4-9-9", "U"): "",
        ("4:4-9-9", "全体"): ""}
    shown = bottle[bottle["suppressed"].eq("") & bottle["node_id"].eq("3:4-1-1")]
    assert shown["share_unmet"].tolist() == pytest.approx([9 / 30, 18 / 58])
    findings, iv = _audit(bottle.drop(columns=["star", "requirement_id"]))
    assert _narrow(findings) == []
    for node in ("3:4-1-1", "4:4-1-1"):
        assert (iv[(node, "S")].low, iv[(node, "S")].high) == pytest.approx((0.0, 1.0), abs=1e-6)


def test_twins_beside_whole_counts_are_no_contradiction():
    """The demo's FY2022 4-1-1 at ★3 and ★4 alike: 〜100人 (159 companies), 101〜300人 (118) and 10,001人〜 (67)
    hidden, 301〜1,000人 40 of 125 and 1,001〜10,000人 23 of 127 published, the total 272 of 596. The three hidden
    segments fail 272 − 40 − 23 = 209 together, so 〜100人 fails at least 209 − 118 − 67 = 24 of 159; the twins say
    nothing more (their pattern is the same). Held as shares to 1e-7 beside the whole counts, the mixed-integer solver
    once called this infeasible (bounds unknown, every twin row then hidden by completion)."""
    n = {"〜100人": 159, "101〜300人": 118, "10,001人〜": 67, "301〜1,000人": 125, "1,001〜10,000人": 127, "全体": 596}
    failing = {"〜100人": 135, "101〜300人": 62, "10,001人〜": 12, "301〜1,000人": 40, "1,001〜10,000人": 23,
               "全体": 272}
    hidden = {"〜100人", "101〜300人", "10,001人〜"}
    t = pd.DataFrame([{"sector": "auto", "year": 2022, "framework": "star_unmet", "node_id": f"{star}:4-1-1",
                       "segment": s, "n_scored": float(c), "share_unmet": round(failing[s] / c, 6),
                       "cited_items": ITEMS, "suppressed": "complementary" if s in hidden else ""}
                      for star in (3, 4) for s, c in n.items()])
    t[HIDDEN_COUNT] = t["n_scored"]
    t.loc[t["suppressed"].ne(""), ["share_unmet", "n_scored"]] = np.nan
    findings, iv = _audit(t)
    for node in ("3:4-1-1", "4:4-1-1"):
        assert (iv[(node, "〜100人")].low, iv[(node, "〜100人")].high) == pytest.approx((24 / 159, 1.0), abs=1e-6)
        assert (iv[(node, "10,001人〜")].low, iv[(node, "10,001人〜")].high) == pytest.approx((0.0, 1.0), abs=1e-6)
    assert findings == []
