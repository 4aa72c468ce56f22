"""The ★ table's ready share tied to the ★ tables beside it (docs/method.md §5.3b): a company failing a requirement
is not ready, a company not ready fails some requirement, and the ready share is band 0 of the distances. Hand-built
tables, k = 5, the intruder's intervals typed by hand.

Three segments of one year: S (7 companies: 5 ready, 2 failing only R), A (30: 20 ready, 10 failing R, 8 failing Q)
and B (20: 15 ready, 5 failing R, 6 failing Q); the total 57: 40 ready, 17 failing R, 14 failing Q.

- ★ table (★3+): S hidden for its split (2 not ready), A hidden as its complement; B 15/20 and the total 40/57
  published. From this table alone ready(S) + ready(A) = 25: S anywhere in 0…7.
- bottleneck R: S hidden for its split (2 failing), B hidden as its complement; A 10/30 and the total 17/57 published:
  fail_R(S) + fail_R(B) = 7, S anywhere in 0…7.
- bottleneck Q: S hidden for its split (0 failing), A hidden as its complement; B 6/20 and the total 14/57 published:
  fail_Q(S) + fail_Q(A) = 8.

Together: A's 10 failing R are not ready, so ready(A) ≤ 20 and ready(S) ≥ 25 − 20 = 5; B's 15 ready do not fail R,
so fail_R(B) ≤ 5 and fail_R(S) ≥ 7 − 5 = 2; in S, ready + failing R ≤ 7, so both are exact: 5 ready and 2 failing R
— the pair. And fail_Q(S) ≤ 7 − 5 = 2: [0, 2] companies where 4 must stay.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.publish.audit import hidden_cells, intruder_check
from pipeline.publish.model import PublishedTable, TableSpec
from pipeline.publish.publisher import published_frame
from pipeline.scoring.disclosure import HIDDEN_COUNT
from tests.intruder import attack

KEYS = ["sector", "year", "framework", "node_id"]
STAR_SPEC = TableSpec(keys=KEYS, total="全体", counts={"mean": "n_scored", "share_reached": "n_scored"})
UNMET_SPEC = TableSpec(keys=KEYS, total="全体", counts={"share_unmet": "n_scored"})
N = {"S": 7, "A": 30, "B": 20, "全体": 57}
READY = {"S": 5, "A": 20, "B": 15, "全体": 40}
FAILING = {"1-1-1": {"S": 2, "A": 10, "B": 5, "全体": 17}, "1-1-2": {"S": 0, "A": 8, "B": 6, "全体": 14}}


def _hide(t: pd.DataFrame, stats: list[str]) -> pd.DataFrame:
    t[HIDDEN_COUNT] = t["n_scored"]
    t.loc[t["suppressed"].ne(""), [*stats, "n_scored"]] = np.nan
    return t


def _star(hidden: dict[str, str]) -> pd.DataFrame:
    t = pd.DataFrame([{"sector": "auto", "year": 2024, "framework": "star", "node_id": "★3+", "segment": s,
                       "n_scored": float(n), "mean": READY[s] / n, "share_reached": READY[s] / n,
                       "suppressed": hidden.get(s, "")} for s, n in N.items()])
    return _hide(t, ["mean", "share_reached"])


def _unmet(hidden: dict[str, dict[str, str]]) -> pd.DataFrame:
    t = pd.DataFrame([{"sector": "auto", "year": 2024, "framework": "star_unmet", "node_id": f"3:{r}", "segment": s,
                       "n_scored": float(n), "share_unmet": failing[s] / n,
                       "suppressed": hidden.get(r, {}).get(s, "")}
                      for r, failing in FAILING.items() for s, n in N.items()])
    return _hide(t, ["share_unmet"])


STAR_HIDDEN = {"S": "split", "A": "complementary"}
UNMET_HIDDEN = {"1-1-1": {"S": "split", "B": "complementary"}, "1-1-2": {"S": "split", "A": "complementary"}}


def _audit(star: pd.DataFrame, unmet: pd.DataFrame):
    findings, intervals = attack({"star": (star, STAR_SPEC), "star_bottlenecks": (unmet, UNMET_SPEC)})
    cells = {(iv.table, iv.cell.split("node_id=")[1].split(";")[0], iv.cell.split("segment=")[1].split(";")[0],
              iv.statistic): iv for iv in intervals}
    return findings, cells


def _narrow(findings) -> list[str]:
    return sorted(f"{f.table} {f.cell.split('node_id=')[1]} {f.statistic}" for f in findings if f.check == "interval")


def test_ready_and_requirement_rows_give_the_pair_back():
    findings, iv = _audit(_star(STAR_HIDDEN), _unmet(UNMET_HIDDEN))
    ready = iv[("star", "★3+", "S", "mean")]
    assert (ready.low, ready.high) == pytest.approx((5 / 7, 5 / 7), abs=1e-6)
    assert ready.required == pytest.approx(4 / 7)
    assert (iv[("star", "★3+", "A", "share_reached")].low,
            iv[("star", "★3+", "A", "share_reached")].high) == pytest.approx((20 / 30, 20 / 30), abs=1e-6)
    r = iv[("star_bottlenecks", "3:1-1-1", "S", "share_unmet")]
    assert (r.low, r.high) == pytest.approx((2 / 7, 2 / 7), abs=1e-6)
    assert (iv[("star_bottlenecks", "3:1-1-1", "B", "share_unmet")].low,
            iv[("star_bottlenecks", "3:1-1-1", "B", "share_unmet")].high) == pytest.approx((5 / 20, 5 / 20), abs=1e-6)
    q = iv[("star_bottlenecks", "3:1-1-2", "S", "share_unmet")]
    assert (q.low, q.high) == pytest.approx((0.0, 2 / 7), abs=1e-6)
    q_a = iv[("star_bottlenecks", "3:1-1-2", "A", "share_unmet")]
    assert (q_a.low, q_a.high) == pytest.approx((6 / 30, 8 / 30), abs=1e-6)
    assert _narrow(findings) == [
        "star ★3+; segment=A mean", "star ★3+; segment=A share_reached", "star ★3+; segment=S mean",
        "star ★3+; segment=S share_reached", "star_bottlenecks 3:1-1-1; segment=B share_unmet",
        "star_bottlenecks 3:1-1-1; segment=S share_unmet", "star_bottlenecks 3:1-1-2; segment=A share_unmet",
        "star_bottlenecks 3:1-1-2; segment=S share_unmet"]


def test_each_table_alone_leaves_the_segment_open():
    """Without the other table, nothing ties them: each hidden cell of S keeps all of 0…7 (its split allows 0…4 or
    3…7), and the audit passes."""
    findings, iv = _audit(_star(STAR_HIDDEN), _unmet(UNMET_HIDDEN).iloc[0:0])
    assert (iv[("star", "★3+", "S", "mean")].low, iv[("star", "★3+", "S", "mean")].high) == pytest.approx((0, 1))
    assert _narrow(findings) == []
    findings, iv = _audit(_star(STAR_HIDDEN).iloc[0:0], _unmet(UNMET_HIDDEN))
    r = iv[("star_bottlenecks", "3:1-1-1", "S", "share_unmet")]
    assert (r.low, r.high) == pytest.approx((0, 1))
    assert _narrow(findings) == []


def test_protection_completes_the_two_tables_as_one():
    """Rule (c) of the ★ tables' protection: the solver finds the pair, and completion hides, round by round, the
    published cell resting on the fewest companies beside each narrow one (a segment before the total). It ends with
    every segment hidden in both tables and only the totals published: ready 40 of 57, R failing 17, Q failing 14.
    S's ready share and each of its requirement rows then keep all of 0…7 (7 ready fits: A and B hold 33 ready of 50
    and the 17 + 14 failing; 0 ready fits: S's 7 fail R or Q, A and B hold 40 ready), and the audit passes."""
    from pipeline.report.star_disclosure import ready_with_requirements

    star, unmet = ready_with_requirements(_star(STAR_HIDDEN), _unmet(UNMET_HIDDEN), 5)
    assert dict(zip(star["segment"], star["suppressed"], strict=True)) == {
        "S": "split", "A": "complementary", "B": "complementary", "全体": ""}
    assert {(r, s): h for r, s, h in zip(unmet["requirement_id"], unmet["segment"], unmet["suppressed"],
                                         strict=True)} == {
        ("1-1-1", "S"): "split", ("1-1-1", "A"): "complementary", ("1-1-1", "B"): "complementary",
        ("1-1-1", "全体"): "",
        ("1-1-2", "S"): "split", ("1-1-2", "A"): "complementary", ("1-1-2", "B"): "complementary",
        ("1-1-2", "全体"): ""}
    assert star.loc[star["segment"].eq("全体"), "mean"].tolist() == pytest.approx([40 / 57])
    findings, iv = _audit(star, unmet.drop(columns=["star", "requirement_id"]))
    assert _narrow(findings) == []
    for cell in [("star", "★3+", "S", "mean"), ("star_bottlenecks", "3:1-1-1", "S", "share_unmet"),
                 ("star_bottlenecks", "3:1-1-2", "S", "share_unmet")]:
        assert (iv[cell].low, iv[cell].high) == pytest.approx((0.0, 1.0), abs=1e-6)


def test_the_members_estimate_of_a_ready_share_is_held_to_a_count():
    """A segment that is one weighting cell has its members' estimate equal to its respondents' share (§12.4): S's
    w_mean of ★3+ comes back with its mean, exactly 5/7. The ready share is a mean of 0/1 scores, a share, and so is
    its members' estimate: both are held to k − 1 = 4 companies of 7 (4/7), not to a score's 0.10 — on the demo,
    FY2022 ★4+ 101〜300人 (118 companies, complementary) reads [4, 12] companies ready from the requirement rows,
    8 companies wide where 4 must stay, and its w_mean, the same number, had been held to 0.10."""
    star = _star(STAR_HIDDEN)
    star["w_mean"] = star["mean"]
    spec = TableSpec(keys=KEYS, total="全体", counts={"mean": "n_scored", "share_reached": "n_scored",
                                                     "w_mean": "n_scored"})
    tables = [PublishedTable("star", "star", star, list(star.columns), spec=spec),
              PublishedTable("star_bottlenecks", "star_bottlenecks", _unmet(UNMET_HIDDEN),
                             list(_unmet(UNMET_HIDDEN).columns), spec=UNMET_SPEC)]
    log = hidden_cells(tables)
    shown = [PublishedTable(t.name, t.name, published_frame(t.frame, t.spec.keys), list(t.frame.columns),
                            spec=t.spec) for t in tables]
    intervals = []
    intruder_check(shown, log, 5, [], intervals)
    w = next(iv for iv in intervals if iv.statistic == "w_mean" and "segment=S" in iv.cell)
    assert (w.low, w.high) == pytest.approx((5 / 7, 5 / 7), abs=1e-6)
    assert w.required == pytest.approx(4 / 7)


def test_an_interval_short_of_its_width_by_the_solvers_tolerance_is_no_finding():
    """The stress store's FY2023 ★4:3 販売・サービス (5 companies, split) came back [0, 0.799999] where 4/5 = 0.8 must
    stay: the programme meets its rows within 1e-6, and the same band's siblings read [0, 0.8000001]. One company is
    0.2 of it; 0.000001 is no company. A band short by a thousandth of a company (0.7998) still fails."""
    from pipeline.publish.intervals import Interval

    def band(high: float) -> Interval:
        return Interval("star_distance", "★4:3", "share_distance", "split", 5.0, 0.0, high, 0.8)

    assert not band(0.799999).fails
    assert not band(0.8000001).fails
    assert band(0.7998).fails
    assert band(0.6).fails
