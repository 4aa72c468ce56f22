"""The interval solver takes every reason for hiding of a group together, with whole counts (issue 28, route 4):
hand-built ★ distance tables, the intruder's interval typed by hand. k = 5: a cell hidden for its split keeps
k − 1 = 4 companies of width."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.publish.audit import hidden_cells, intruder_check
from pipeline.publish.intervals import IncompleteProtection, complete
from pipeline.publish.model import PublishedTable, TableSpec
from pipeline.publish.publisher import published_frame
from pipeline.scoring.disclosure import HIDDEN_COUNT
from tests.intruder import attack

KEYS = ["sector", "year", "framework", "node_id"]
BANDS = ["0", "1", "2", "3", "4–5", "6+"]
PARTS = {"node_id": [[f"★3:{b}" for b in BANDS]]}
SPEC = TableSpec(keys=KEYS, total="全体", counts={"share_distance": "n_scored"}, parts=PARTS)


def _bands(counts: dict[str, int], hidden: dict[str, str], segment: str = "〜100人") -> pd.DataFrame:
    """One segment's ★3 distance bands as protection leaves them: ``counts`` per band, ``hidden`` band → reason."""
    n = sum(counts.values())
    t = pd.DataFrame({"sector": "auto", "year": 2022, "framework": "star_distance",
                      "node_id": [f"★3:{b}" for b in counts], "segment": segment, "n_scored": float(n),
                      "share_distance": [c / n for c in counts.values()],
                      "suppressed": [hidden.get(b, "") for b in counts]})
    t[HIDDEN_COUNT] = t["n_scored"]
    shut = t["suppressed"].ne("")
    t.loc[shut, ["share_distance", "n_scored"]] = np.nan
    return t


def _audit(frame: pd.DataFrame, spec: TableSpec = SPEC):
    table = PublishedTable("star_distance", "star_distance", frame, list(frame.columns), spec=spec)
    log = hidden_cells([table])
    shown = PublishedTable(table.name, table.name, published_frame(frame, spec.keys), list(frame.columns), spec=spec)
    intervals = []
    findings = intruder_check([shown], log, 5, [], intervals)
    return findings, {iv.cell.split("node_id=")[1].split(";")[0]: iv for iv in intervals}


# FY2022 ★3 〜100人 of the demo: 159 companies, 3 in band 0 and 3 in band 2 (both hidden for their split),
# 6, 5, 8 and 134 in the published bands 1, 3, 4–5 and 6+
DEMO = {"0": 3, "1": 6, "2": 3, "3": 5, "4–5": 8, "6+": 134}


def test_two_split_bands_of_one_segment_are_pinned_together():
    """The bands add up to the segment: the published ones hold 6 + 5 + 8 + 134 = 153 of 159, so bands 0 and 2
    hold 6 between them. Each hidden for its split has 0…4 or 155…159 companies; 155 is more than 6, so each
    has 0…4, and then the other 6 − 4 = 2 at least: both lie in [2, 4] companies = [2/159, 4/159] =
    [0.0126, 0.0252], width 2/159 where 4/159 must stay. Taken one by one (no sum over the bands) each kept
    [0, 4/159], and the audit passed."""
    findings, iv = _audit(_bands(DEMO, {"0": "split", "2": "split"}))
    for band in ("★3:0", "★3:2"):
        assert (iv[band].low, iv[band].high) == pytest.approx((2 / 159, 4 / 159), abs=1e-6)
        assert iv[band].required == pytest.approx(4 / 159)
    assert sorted(f.cell.split("node_id=")[1].split(";")[0] for f in findings if f.check == "interval") == [
        "★3:0", "★3:2"]
    # without the bands' sum (a spec that does not say they split the segment) nothing ties them: each may
    # hold 0…4 or 155…159 companies, and the interval is all of it
    _, plain = _audit(_bands(DEMO, {"0": "split", "2": "split"}),
                      TableSpec(keys=KEYS, total="全体", counts={"share_distance": "n_scored"}))
    assert (plain["★3:0"].low, plain["★3:0"].high) == pytest.approx((0.0, 1.0))


def test_completion_widens_the_pair_until_each_keeps_four_companies():
    """Completion hides one more band of the segment (the published bands rest on 159 companies each; the
    widest-named, 4–5, goes first): bands 0, 2 and 4–5 then hold 6 + 8 = 14 between them, 4–5 anything from 6 to
    14, so 0 and 2 are each 0…4 again, [0, 4/159], and 4–5 keeps [6/159, 14/159], 8 companies wide."""
    (done,) = complete([("star_distance", _bands(DEMO, {"0": "split", "2": "split"}), SPEC)], 5)
    assert done.set_index("node_id")["suppressed"].to_dict() == {
        "★3:0": "split", "★3:1": "", "★3:2": "split", "★3:3": "", "★3:4–5": "complementary", "★3:6+": ""}
    findings, iv = _audit(done)
    assert findings == []
    for band in ("★3:0", "★3:2"):
        assert (iv[band].low, iv[band].high) == pytest.approx((0.0, 4 / 159), abs=1e-6)
    assert (iv["★3:4–5"].low, iv["★3:4–5"].high) == pytest.approx((6 / 159, 14 / 159), abs=1e-6)


def test_completion_that_cannot_finish_refuses_with_the_table_and_cell():
    """Completion never ends with a cell narrower than its width: cut short after one round (the pair above
    needs a second to confirm), it raises, naming the table, the cell and what an intruder reaches —
    bands 0 and 2 at [2/159, 4/159] = [0.0126, 0.0252] where 0.0252 must stay — and the report refuses."""
    frame = _bands(DEMO, {"0": "split", "2": "split"})
    with pytest.raises(IncompleteProtection) as caught:
        complete([("star_distance", frame, SPEC)], 5, rounds=1)
    assert str(caught.value) == (
        "disclosure completion failed: star_distance [sector=auto; year=2022; framework=star_distance; "
        "node_id=★3:0; segment=〜100人] share_distance (split) is bounded to [0.0126, 0.0252] where 0.0252 must "
        "stay, and it is still too narrow after 1 rounds; no table is published (docs/method.md §5.3)")


ITEMS = TableSpec(keys=["sector", "year", "item_id"], segment=None, counts={"share_implemented": "n_applicable"})


def _items(rows: list[tuple]) -> pd.DataFrame:
    """(item, n_companies, share_implemented, rounded, n_applicable) → an item table as published."""
    t = pd.DataFrame(rows, columns=["item_id", "n_companies", "share_implemented", "rounded", "n_applicable"])
    return t.assign(sector="auto", year=2024, suppressed="")


def test_withheld_bases_are_listed_with_the_companies_an_intruder_reaches():
    """An item row published rounded withholds its base: 200 respondents, fewer than 5 found it not
    applicable, so the base is 196…200; 25 % rounded fits each (49/196 = 0.250, 49/197 = 0.249, 49/198 = 0.2475
    → 0.25, 50/199 = 0.251, 50/200): [196, 200], 4 companies wide, as required. A row with its share exact and
    its base withheld: 0.25 of at most 40 respondents is 2 of 8, 3 of 12, … 10 of 40: [8, 40]; 0.37 exact of at
    most 110 can only be 37 of 100: [100, 100], a finding."""
    frame = _items([("1-1", 200.0, 0.25, True, np.nan), ("1-2", 40.0, 0.25, False, np.nan),
                    ("1-3", 110.0, 0.37, False, np.nan), ("1-4", 50.0, 0.5, False, 50.0)])
    table = PublishedTable("items", "items", frame, list(frame.columns), spec=ITEMS)
    intervals = []
    findings = intruder_check([table], hidden_cells([table]), 5, [], intervals)
    bases = {iv.cell.split("item_id=")[1]: (iv.low, iv.high, iv.required, iv.unit) for iv in intervals
             if iv.reason == "withheld"}
    assert bases == {"1-1": (196.0, 200.0, 4.0, "companies"), "1-2": (8.0, 40.0, 4.0, "companies"),
                     "1-3": (100.0, 100.0, 4.0, "companies")}
    assert [(f.check, f.cell, f.statistic) for f in findings if f.check == "interval"] == [
        ("interval", "sector=auto; year=2024; item_id=1-3", "n_applicable")]


# ★ bottlenecks against the distance bands (docs/method.md §5.3a): a segment of 60 companies judged on the same 8
# ★3 requirements. Bands 0, 1, 2 hold 35, 12 and 8 (published); bands 3, 4–5 and 6+ hold 2, 2 and 1 (hidden for
# their split: 5 between them, so each 0…4 from the bands' sum alone). The 8 requirements are failed by 7, 7, 6,
# 6, 6, 6, 6 and 6 companies (50 in all = the distances summed: 0·35 + 1·12 +
# 2·8 + 3·2 + (4 + 5) + 7 = 50), each published (at least 5 failing and 5 not).
UNMET_SPEC = TableSpec(keys=KEYS, total="全体", counts={"share_unmet": "n_scored"})
NEAR = {"0": 35, "1": 12, "2": 8, "3": 2, "4–5": 2, "6+": 1}
FAILING = [7, 7, 6, 6, 6, 6, 6, 6]


def _unmet(failing: list[int], n: int = 60) -> pd.DataFrame:
    t = pd.DataFrame({"sector": "auto", "year": 2022, "framework": "star_unmet",
                      "node_id": [f"3:1-{i + 1}-1" for i in range(len(failing))], "segment": "〜100人",
                      "n_scored": float(n), "share_unmet": [c / n for c in failing], "suppressed": ""})
    t[HIDDEN_COUNT] = t["n_scored"]
    return t


def _audit_with_unmet(bands: pd.DataFrame, unmet: pd.DataFrame):
    findings, intervals = attack({"star_distance": (bands, SPEC), "star_bottlenecks": (unmet, UNMET_SPEC)})
    return findings, {iv.cell.split("node_id=")[1].split(";")[0]: iv for iv in intervals
                      if iv.statistic == "share_distance"}


def test_bottleneck_rows_bound_the_hidden_distance_bands():
    """The failing companies summed over the requirements, 50, are the distances summed. The published bands
    give 0·35 + 1·12 + 2·8 = 28 of it, so the 5 companies of bands 3 (c3), 4–5 (c45) and 6+ (c6) hold 22:
    3·c3 + 4·c45 + 6·c6 ≤ 22 ≤ 3·c3 + 5·c45 + 8·c6 (6+ reaches at most the 8 requirements), c3 + c45 + c6 = 5.
    With c3 = 5 − c45 − c6: c45 + 3·c6 ≤ 7 and 2·c45 + 5·c6 ≥ 7, so c6 ≤ 2 (c6 = 2, c45 = 1, c3 = 2 fits) and
    c3 ≤ 3 (c45 + c6 ≥ 2: one of each gives 2 + 5 = 7): 6+ lies in [0, 2] of 60 companies and band 3 in [0, 3],
    where 4 companies of width must stay; 4–5 keeps [0, 4] (4 of them, c6 = 0, c3 = 1; or c6 = 2, c3 = 3). Before
    the bottleneck rows were tied to the bands, each kept [0, 4]."""
    findings, iv = _audit_with_unmet(_bands(NEAR, {"3": "split", "4–5": "split", "6+": "split"}), _unmet(FAILING))
    assert (iv["★3:6+"].low, iv["★3:6+"].high) == pytest.approx((0.0, 2 / 60), abs=1e-5)
    assert (iv["★3:3"].low, iv["★3:3"].high) == pytest.approx((0.0, 3 / 60), abs=1e-5)
    assert (iv["★3:4–5"].low, iv["★3:4–5"].high) == pytest.approx((0.0, 4 / 60), abs=1e-5)
    assert sorted(f.cell.split("node_id=")[1].split(";")[0] for f in findings if f.check == "interval") == [
        "★3:3", "★3:6+"]
    # one bottleneck row hidden (its 6 failing companies unknown): the sum no longer binds, and each band keeps 0…4
    unmet = _unmet(FAILING)
    unmet.loc[7, "suppressed"] = "complementary"
    findings, iv = _audit_with_unmet(_bands(NEAR, {"3": "split", "4–5": "split", "6+": "split"}), unmet)
    assert (iv["★3:6+"].low, iv["★3:6+"].high) == pytest.approx((0.0, 4 / 60), abs=1e-5)
    assert [f for f in findings if f.check == "interval"] == []


def test_completion_hides_more_bands_never_a_bottleneck_row():
    """Completed with the bottleneck rows as context, the bands give way (the bottleneck table is protected with the ★
    table already; band 0 is the ★ table's ★3+ and goes only where no other band can). Round one hides band 1 (bands
    1 and 2 rest on 60 companies each; 1 sorts first): then bands 1, 3, 4–5, 6+ hold 17 companies and 50 − 16 = 34
    of the distances, and with c1 = 17 − c3 − c45 − c6: 2·c3 + 3·c45 + 5·c6 ≤ 17 ≤ 2·c3 + 4·c45 + 7·c6, so c6 ≤ 3
    (c6 = 4 gives 20 > 17): still 3 companies wide. Round two hides band 2: bands 1, 2 (complementary) and 3, 4–5,
    6+ (split, 0…4 each) hold 25 companies and 50 of the distances; c6 = 4 fits (c1 + c2 = 21, c2 = 0…5) and so does
    c6 = 0 (c45 = 4, c3 = 0, c1 + c2 = 21, c2 = 9…13), c3 = 4 (c2 = 17, c1 = 4) and c3 = 0 (c45 = 2, c6 = 1): each
    split band keeps [0, 4] of 60 and the audit passes."""
    from pipeline.report.star_tables import _complete_bands

    bands = _bands(NEAR, {"3": "split", "4–5": "split", "6+": "split"})
    done = _complete_bands(bands, _unmet(FAILING), 5)
    assert done.set_index("node_id")["suppressed"].to_dict() == {
        "★3:0": "", "★3:1": "complementary", "★3:2": "complementary", "★3:3": "split", "★3:4–5": "split",
        "★3:6+": "split"}
    findings, iv = _audit_with_unmet(done, _unmet(FAILING))
    assert [f for f in findings if f.check == "interval"] == []
    for band in ("★3:3", "★3:4–5", "★3:6+"):
        assert (iv[band].low, iv[band].high) == pytest.approx((0.0, 4 / 60), abs=1e-5)


def test_a_solver_error_is_solved_again_not_read_as_a_bound(monkeypatch):
    """HiGHS may fail inside its presolve (scipy's status 4, no solution) on one order of the variables and not on
    another: the stress store's FY2022 ★3 band 1 of ソフトウェア・IT (6 companies) read [0, 1/6] in the report's row
    order and [0, 4/6] with the rows sorted, the failed maximum taken as the best point seen. Here every programme
    fails while presolve is on; the two split bands of :func:`test_two_split_bands_of_one_segment_are_pinned_together`
    must still read [2/159, 4/159], whichever order the rows come in."""
    from pipeline.publish import programmes

    real = programmes.Programme.minimise

    def failing(self, cost):
        presolve = self.highs.getOptionValue("presolve")
        if self.mip and (presolve[-1] if isinstance(presolve, tuple) else presolve) != "off":
            return programmes.Outcome(programmes.ERROR, None)
        return real(self, cost)

    monkeypatch.setattr(programmes.Programme, "minimise", failing)
    frame = _bands(DEMO, {"0": "split", "2": "split"})
    for rows in (frame, frame.iloc[::-1].reset_index(drop=True)):
        _, iv = _audit(rows)
        for band in ("★3:0", "★3:2"):
            assert (iv[band].low, iv[band].high) == pytest.approx((2 / 159, 4 / 159), abs=1e-6)
