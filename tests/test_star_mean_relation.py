"""The ★N mean against its requirement rows, held by the interval solver (docs/method.md §5.3b, "The ★N mean and
the requirement rows"). A company's ★N score is met / judged, so where every company is judged on every requirement
a segment's mean is 1 − Σ_r share_unmet_r / R: published requirement rows rebuild a hidden mean. Hand-built tables,
k = 5, the intruder's intervals typed by hand.

One year, ★3 with two requirements (R = 2), every company judged on both: S (10 companies: 3 fail 1-1-1, 2 fail
1-1-2, mean 1 − (0.3 + 0.2) / 2 = 0.75), T (20: 2 and 2, mean 0.9), total 30 (5 and 4, mean 25.5 / 30 = 0.85).
The ★ table hides S's and T's ★3 mean (S's own reason, T its complement); from the ★ table alone 10·m_S + 20·m_T =
25.5 leaves m_S anywhere in 0.55…1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.publish.model import TableSpec
from pipeline.scoring.disclosure import HIDDEN_COUNT
from tests.intruder import attack

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
                       "n_scored": float(n), "mean": MEAN[s], "suppressed": hidden.get(s, "")}
                      for s, n in N.items()])
    return _hide(t, ["mean"])


def _unmet(hidden: dict[tuple[str, str], str] | None = None) -> pd.DataFrame:
    hidden = hidden or {}
    t = pd.DataFrame([{"sector": "auto", "year": 2024, "framework": "star_unmet", "node_id": f"3:{r}", "segment": s,
                       "n_scored": float(n), "share_unmet": failing[s] / n, "suppressed": hidden.get((r, s), "")}
                      for r, failing in FAILING.items() for s, n in N.items()])
    return _hide(t, ["share_unmet"])


def _mean_of(intervals: list, segment: str) -> tuple[float, float]:
    return next((iv.low, iv.high) for iv in intervals
                if iv.table == "star" and f"segment={segment}" in iv.cell and iv.statistic == "mean")


def test_published_requirement_rows_give_a_hidden_star_mean_back():
    """Every row published: m_S = 1 − (3/10 + 2/10) / 2 = 0.75 exactly, where 0.10 must stay (and m_T = 0.9)."""
    findings, intervals = attack({"star": (_star(), STAR_SPEC), "star_bottlenecks": (_unmet(), UNMET_SPEC)})
    assert _mean_of(intervals, "S") == pytest.approx((0.75, 0.75), abs=1e-6)
    assert _mean_of(intervals, "T") == pytest.approx((0.9, 0.9), abs=1e-6)
    assert sorted(f.cell.split("segment=")[1] for f in findings if f.check == "interval") == ["S", "T"]


def test_a_company_judged_on_fewer_requirements_leaves_an_inequality():
    """S's 1-1-2 judged on 8 of S's 10 (2 failing): a company may be judged on one requirement only, so
    Σ failing = 3 + 2 = 5 lies between R₀·N·(1 − m) and R·N·(1 − m) with R₀ = 1 (only 1-1-1 is judged by all 10):
    5 ≤ 20·(1 − m) gives m ≤ 0.75, 5 ≥ 10·(1 − m) gives m ≥ 0.5; the total then bounds T too (10·m_S + 20·m_T =
    25.5 with m_T ≤ 1 − 4 / 40 = 0.9 from T's rows: m_S ≥ 0.75): m_S is 0.75 exactly again, here through T."""
    unmet = _unmet()
    s112 = unmet["node_id"].eq("3:1-1-2") & unmet["segment"].eq("S")
    unmet.loc[s112, ["n_scored", HIDDEN_COUNT, "share_unmet"]] = [8.0, 8.0, 2 / 8]
    total112 = unmet["node_id"].eq("3:1-1-2") & unmet["segment"].eq("全体")
    unmet.loc[total112, ["n_scored", HIDDEN_COUNT, "share_unmet"]] = [28.0, 28.0, 4 / 28]
    _, intervals = attack({"star": (_star(), STAR_SPEC), "star_bottlenecks": (unmet, UNMET_SPEC)})
    assert _mean_of(intervals, "S") == pytest.approx((0.75, 0.75), abs=1e-6)


def test_completion_hides_only_the_rows_that_give_the_mean_back():
    """The ★ tables' completion with the relation (rule (c)), without hiding every ★3 row of S and T as the old
    rule (a) did: it hides S's 1-1-1 (the fewest companies, first by id), which T's 1-1-1 then gives back through the
    total (10·a + 20·0.1 = 5), so T's 1-1-1 goes too. Then 10·a + 20·b = 5 leaves a in 0…0.5 and m_S = 1 − (a + 0.2)
    / 2 in 0.65…0.9; 1-1-2 (S 2 of 10, T 2 of 20) and both totals stay published: 4 requirement cells of 6 where the
    old rule published 2."""
    from pipeline.report.star_disclosure import ready_with_requirements

    star, unmet = ready_with_requirements(_star(), _unmet(), 5)
    got = {(r, s): h for r, s, h in zip(unmet["requirement_id"], unmet["segment"], unmet["suppressed"], strict=True)}
    assert got == {("1-1-1", "S"): "complementary", ("1-1-1", "T"): "complementary", ("1-1-1", "全体"): "",
                   ("1-1-2", "S"): "", ("1-1-2", "T"): "", ("1-1-2", "全体"): ""}
    findings, intervals = attack({"star": (star, STAR_SPEC),
                                  "star_bottlenecks": (unmet.drop(columns=["star", "requirement_id"]), UNMET_SPEC)})
    assert [f for f in findings if f.check == "interval"] == []
    assert _mean_of(intervals, "S") == pytest.approx((0.65, 0.9), abs=1e-6)
