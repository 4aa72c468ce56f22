"""What the interval solver models since the second review of issue 28, each on hand-built tables with the
intruder's result typed by hand: the score grid and "parent reached ⇒ child reached" (F2), the SD as a
second moment, the headline score's shortfall against its functions (F1), and the members' estimates.
k = 5; width 0.10 on the score scale, k − 1 companies for a share or a split cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.publish.intervals import OVERALL, Relation, complete
from pipeline.publish.model import TableSpec
from pipeline.scoring.disclosure import HIDDEN_COUNT
from pipeline.scoring.segments import ALL
from tests.intruder import attack

KEYS = ["sector", "year", "framework", "node_id"]
NODES = TableSpec(keys=KEYS, total=ALL, counts={"mean": "n_scored", "sd": "n_scored", "share_reached": "n_scored",
                                                 "na_share": "n_scored"})


def _nodes(rows: list[tuple], sd: bool = False) -> pd.DataFrame:
    """(node, segment, n, mean, share_reached, na_share, reason[, sd]) → a node table as protection leaves it."""
    cols = ["node_id", "segment", "n_scored", "mean", "share_reached", "na_share", "suppressed"]
    cols += ["sd"] if sd else []
    t = pd.DataFrame(rows, columns=cols).assign(sector="power", year=2026, framework="csf2", threshold=0.9)
    hidden = t["suppressed"].ne("")
    t[HIDDEN_COUNT] = t["n_scored"]
    t.loc[hidden, [c for c in ("mean", "share_reached", "na_share", "n_scored", "sd") if c in t]] = np.nan
    return t


def _audit(frames: dict[str, tuple[pd.DataFrame, TableSpec]], relations=()):
    findings, intervals = attack(frames, relations)
    return findings, {(iv.cell.split("node_id=")[-1].split(";")[0] if "node_id=" in iv.cell else "",
                       iv.cell.split("segment=")[-1], iv.statistic): (round(iv.low, 4), round(iv.high, 4))
                      for iv in intervals}


# RC of 4 items: RC.RP holds 1, RC.CO 3 (scores in halves and sixths; RC in eighths)
RC_GRID = Relation(("csf2", "RC"), {("csf2", "RC.RP"): 0.25, ("csf2", "RC.CO"): 0.75}, "power", 4)
RC_PLAIN = Relation(("csf2", "RC"), {("csf2", "RC.RP"): 0.25, ("csf2", "RC.CO"): 0.75}, "power")


def _f2_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """40 companies, every item applicable: 20 score 1 everywhere; 14 score RC.RP 1, RC.CO 0; 4 score RC.RP 1,
    RC.CO 1/6; 2 score 0. RC: mean 25/40 = 0.625, 20 reached. RC.RP: 38 of 40 reached (2 below: split),
    mean 0.95; RC.CO: 20 of 40 reached, mean (20 + 4/6)/40 = 0.516667, hidden beside it."""
    functions = _nodes([("RC", "特定卸", 40, 0.625, 0.5, 0.0, "")])
    categories = _nodes([("RC.RP", "特定卸", 40, 0.95, 0.95, 0.0, "split"),
                         ("RC.CO", "特定卸", 40, 0.516667, 0.5, 0.0, "complementary")])
    return functions, categories


def test_f2_parent_reached_on_the_grid_narrows_the_complementary_sibling():
    """RC reaching 0.9 in eighths means RC = 1, so RC.RP and RC.CO are 1 for the 20: RC.RP reached by at least
    20 — not 0…4 — so its split reason leaves 36…40 reached, and a 1-item node reached scores 1: RC.RP ≥ 0.9.
    Then RC.CO = (4 · 0.625 − RC.RP) / 3 = (2.5 − RC.RP) / 3 ≤ 0.5333, and ≥ 0.5 (the 20 at 1):
    [0.5, 0.5333], 0.033 wide where 0.10 must stay. Its share reached is a count of 40 companies, at most
    0.5333 · 40 = 21.3, so 20 or 21 of them: [0.5, 0.525]. Without the grid (no item counts) both branches of
    the split stay open and RC.CO keeps [0.5, 0.8333]."""
    functions, categories = _f2_tables()
    frames = {"functions": (functions, NODES), "categories": (categories, NODES)}
    findings, iv = _audit(frames, [RC_GRID])
    assert iv[("RC.CO", "特定卸", "mean")] == (0.5, 0.5333)
    assert iv[("RC.CO", "特定卸", "share_reached")] == (0.5, 0.525)
    assert iv[("RC.RP", "特定卸", "mean")] == (0.9, 1.0)
    assert {(f.cell.split("node_id=")[1].split(";")[0], f.statistic) for f in findings if f.check == "interval"} == {
        ("RC.CO", "mean"), ("RC.CO", "share_reached")}
    plain, iv_plain = _audit(frames, [RC_PLAIN])
    assert iv_plain[("RC.CO", "特定卸", "mean")] == (0.5, 0.8333) and plain == []
    # protected together: RC itself (the published cell sharing the relations) is hidden, and nothing is narrow
    f2, c2 = complete([("functions", functions, NODES), ("categories", categories, NODES)], 5, [RC_GRID])
    assert f2["suppressed"].tolist() == ["complementary"]
    assert _audit({"functions": (f2, NODES), "categories": (c2, NODES)}, [RC_GRID])[0] == []


def test_grid_threshold_a_four_item_node_reached_scores_one():
    """A 4-item node (eighths) reaching 0.9 scores 1.0 (7/8 = 0.875 is below), so its mean is at least its
    share reached, not 0.9 × it, and at most s + (1 − s) · 7/8. A (40, hidden) beside B (40: mean 0.45, 10
    reached) and the total (80: mean 0.6, 40 reached): A's mean 0.75 and 30 reached come back by differencing
    alone; the grid adds nothing here but must agree with them (mean 0.75 ≥ share 0.75, and 0.75 ≤ 0.75 +
    0.25 · 0.875)."""
    gv = Relation(("csf2", "GV"), {("csf2", "GV.OC"): 1.0}, "power", 4)
    t = _nodes([("GV", "A", 40, 0.75, 0.75, 0.0, "complementary"), ("GV", "B", 40, 0.45, 0.25, 0.0, ""),
                ("GV", ALL, 80, 0.6, 0.5, 0.0, "")])
    _, iv = _audit({"functions": (t, NODES)}, [gv])
    assert iv[("GV", "A", "mean")] == (0.75, 0.75)
    assert iv[("GV", "A", "share_reached")] == (0.75, 0.75)  # 30 of 40 by differencing, mean ≥ share on the grid


def test_sd_gives_the_second_moment_and_pins_a_hidden_segment():
    """20 companies, mean 0.5: A (4, primary) all at 0.5, B (16, complementary) 8 at 0.475 and 8 at 0.525.
    The total's SD (n − 1) = √(16 · 0.025² / 19) = 0.0229416 gives Σ score² = 20 · (0.25 + 0.0005) = 5.01.
    With 4a + 16b = 10 and 4a² + 16b² ≤ 5.01: 5a² − 5a + 6.25 ≤ 5.01, a² − a + 0.248 ≤ 0, so
    a ∈ [(1 − √0.008)/2, (1 + √0.008)/2] = [0.4553, 0.5447]: 0.089 wide where 0.10 must stay, and B =
    (10 − 4a)/16 ∈ [0.4888, 0.5112]. (The solver bounds a² by tangents 0.01 apart: it may be up to 0.002 wider.)
    Without the SD a ranges over [0, 1]. Completion hides the total (mean and SD)."""
    sd_total = np.sqrt(16 * 0.025**2 / 19)
    t = _nodes([("GV", "A", 4, 0.5, 0.0, 0.0, "primary", 0.0), ("GV", "B", 16, 0.5, 0.0, 0.0, "complementary", 0.0253),
                ("GV", ALL, 20, 0.5, 0.0, 0.0, "", sd_total)], sd=True).drop(columns="threshold")
    findings, iv = _audit({"functions": (t, NODES)})
    low, high = iv[("GV", "A", "mean")]
    assert low == pytest.approx(0.4553, abs=0.002) and high == pytest.approx(0.5447, abs=0.002)
    low, high = iv[("GV", "B", "mean")]
    assert low == pytest.approx(0.4888, abs=0.001) and high == pytest.approx(0.5112, abs=0.001)
    assert sorted((f.check, f.cell.split("segment=")[-1]) for f in findings if f.statistic == "mean") == [
        ("interval", "A"), ("interval", "B")]
    _, iv_plain = _audit({"functions": (t.drop(columns="sd"), NODES)})
    assert iv_plain[("GV", "A", "mean")] == (0.0, 1.0)
    (done,) = complete([("functions", t, NODES)], 5)
    assert done.set_index("segment").loc[ALL, "suppressed"] == "complementary"
    assert _audit({"functions": (done, NODES)})[0] == []


DIST = TableSpec(keys=KEYS, total=ALL, counts={s: "n" for s in ("mean", "p10", "p25", "p50", "p75", "p90")})
# the form has 8 items; GV and ID hold 4 each
SHORT = [Relation(OVERALL, {("csf2", f): 0.5}, "power", 8, "shortfall") for f in ("GV", "ID")]


def _f1_tables(overall: float = 0.97) -> tuple[pd.DataFrame, pd.DataFrame]:
    """送配電 (10 companies): GV hidden for its split, 発電 (40) hidden beside it; ID published; the headline
    score table publishes 送配電's overall mean."""
    functions = _nodes([("GV", "送配電", 10, 0.95, 0.6, 0.0, "split"),
                        ("GV", "発電", 40, 0.6875, 0.5, 0.0, "complementary"),
                        ("GV", ALL, 50, 0.74, 0.52, 0.0, ""),
                        ("ID", "送配電", 10, 0.8, 0.5, 0.0, ""), ("ID", "発電", 40, 0.7, 0.5, 0.0, ""),
                        ("ID", ALL, 50, 0.758, 0.58, 0.0, "")])
    dist = pd.DataFrame({"sector": "power", "year": 2026, "framework": "instrument", "node_id": "overall",
                         "segment": ["送配電", "発電", ALL], "n": [10.0, 40.0, 50.0],
                         "mean": [overall, 0.7, (10 * overall + 28) / 50], "p10": np.nan, "p25": np.nan,
                         "p50": [np.nan, 0.7, 0.75], "p75": np.nan, "p90": np.nan, "suppressed": "",
                         "previous_year": np.nan, "change": np.nan})
    dist[HIDDEN_COUNT] = dist["n"]
    return functions, dist


def test_f1_the_audit_finds_a_headline_mean_pinning_a_hidden_function():
    """送配電's overall mean 0.97 over 8 items: its shortfall 10 · 8 · 0.03 = 2.4 item points is all GV (4
    items) can lack, so GV ≥ 1 − 0.03 / 0.5 = 0.94: [0.94, 1], 0.06 wide where a split cell of 10 keeps
    4/10 = 0.4. The total then pins 発電's GV: 40 b = 37 − 10 · GV, b in [0.675, 0.69]. Without the overall
    row (hidden by the F1 rule) GV 送配電 is anywhere in [0, 1]."""
    from pipeline.report.tables import SPECS, hide_with_functions

    functions, dist = _f1_tables()
    frames = {"functions": (functions, NODES), "distribution": (dist, DIST)}
    findings, iv = _audit(frames, SHORT)
    assert iv[("GV", "送配電", "mean")] == (0.94, 1.0)
    assert iv[("GV", "発電", "mean")] == (0.675, 0.69)
    assert {f.cell.split("segment=")[-1] for f in findings if f.check == "interval"} == {"送配電", "発電"}
    protected = hide_with_functions(dist, functions, SPECS["distribution"], 5)
    findings, iv = _audit({"functions": (functions, NODES), "distribution": (protected, DIST)}, SHORT)
    assert iv[("GV", "送配電", "mean")] == (0.0, 1.0) and findings == []


def test_f1_a_quantile_of_the_headline_score_bounds_a_function():
    """The overall mean 0.85 is far enough from the top to stay, but a published p10 of 0.99 over 50
    companies says that 50 − 1 − ⌊0.1 · 49⌋ = 45 of them score at least 0.99 overall, so at least 0.98 in
    GV (4 of 8 items): GV ≥ 45/50 · 0.98 = 0.882. A and B (50 each) hidden beside the total (0.7, 68 of 100
    reached, none not applicable; a total whose mean equalled its share reached would read as a 0/1 node,
    whose mean is a count too). Without the p10: the total's 68 reached leave A at least 18, so A's split
    reason means 46…50 reached, and its mean ≥ 0.9 · 46/50 = 0.828 (the function's item count is not given
    here: no grid)."""
    functions = _nodes([("GV", "A", 50, 0.9, 0.9, 0.0, "split"), ("GV", "B", 50, 0.5, 0.46, 0.0, "complementary"),
                        ("GV", ALL, 100, 0.7, 0.68, 0.0, "")])
    dist = pd.DataFrame({"sector": "power", "year": 2026, "framework": "instrument", "node_id": "overall",
                         "segment": ["A"], "n": [50.0], "mean": [0.85], "p10": [0.99], "p25": np.nan,
                         "p50": np.nan, "p75": np.nan, "p90": np.nan, "suppressed": ""})
    dist[HIDDEN_COUNT] = dist["n"]
    _, iv = _audit({"functions": (functions, NODES), "distribution": (dist, DIST)}, SHORT[:1])
    assert iv[("GV", "A", "mean")] == (0.882, 1.0)
    _, iv = _audit({"functions": (functions, NODES), "distribution": (dist.assign(p10=np.nan), DIST)}, SHORT[:1])
    assert iv[("GV", "A", "mean")] == (0.828, 1.0)


def test_members_estimates_add_up_by_members_per_segment():
    """Members' estimates of a segment add up to the total weighted by its respondents times members per
    respondent on the roster (the response-rate table publishes both; here everyone answering is on the roster,
    so the weight is the segment's members). A (4 respondents of 10 members, primary) and B (30 of 300, hidden
    beside it); C (50 of 190) and the total (84 of 500) published, members' and respondents' mean 0.5 in both.
    C's members' value equals its respondents' (a segment that is one weighting cell), so each hidden segment's
    members' mean is its respondents' mean: 4a + 30b = 42 − 25 = 17 and 10a + 300b = 250 − 95 = 155, determinant
    4·300 − 30·10 = 900: a = b = 0.5 exactly, four findings. Completion, given the members per segment in its
    working column, hides C as well: with no pair published the members' values are free of the respondents',
    and 10a + 300b + 190c = 250 leaves B's members' mean in [0.1667, 0.8333]."""
    from pipeline.scoring.disclosure import HIDDEN_COUNTS, MEMBERS_BEHIND

    nodes = TableSpec(keys=KEYS, total=ALL, counts={"mean": "n_scored", "w_mean": "n_scored", "na_share": "n_scored"})
    t = _nodes([("GV", "A", 4, 0.5, 0.5, 0.0, "primary"), ("GV", "B", 30, 0.5, 0.5, 0.0, "complementary"),
                ("GV", "C", 50, 0.5, 0.5, 0.0, ""), ("GV", ALL, 84, 0.5, 0.5, 0.0, "")]).drop(
        columns=["share_reached", "threshold"])
    t["w_mean"] = [np.nan, np.nan, 0.5, 0.5]
    responses = pd.DataFrame({"sector": "power", "year": 2026, "segment": ["A", "B", "C", ALL],
                              "n": [np.nan, np.nan, 50, 84], "roster_n": [np.nan, np.nan, 190, 500],
                              "n_on_roster": [np.nan, np.nan, 50, 84],
                              "response_rate": [np.nan, np.nan, 50 / 190, 84 / 500],
                              "suppressed": ["primary", "complementary", "", ""]})
    responses[HIDDEN_COUNT] = [4, 30, 50, 84]
    responses[HIDDEN_COUNTS["roster_n"]] = [10, 300, 190, 500]
    responses[HIDDEN_COUNTS["n_on_roster"]] = [4, 30, 50, 84]
    rspec = TableSpec(keys=["sector", "year"], total=ALL, counts={s: "n" for s in ("response_rate", "roster_n",
                                                                                    "n_on_roster")})
    findings, iv = _audit({"nodes": (t, nodes), "responses": (responses, rspec)})
    assert iv[("GV", "B", "w_mean")] == (0.5, 0.5) and iv[("GV", "B", "mean")] == (0.5, 0.5)
    assert iv[("GV", "A", "mean")] == (0.5, 0.5)
    assert sorted((f.cell.split("segment=")[-1], f.statistic) for f in findings if f.check == "interval") == [
        ("A", "mean"), ("A", "w_mean"), ("B", "mean"), ("B", "w_mean")]
    t[MEMBERS_BEHIND] = [10, 300, 190, 500]
    (done,) = complete([("nodes", t, nodes)], 5)
    assert done["suppressed"].tolist() == ["primary", "complementary", "complementary", ""]
    findings, iv = _audit({"nodes": (done, nodes), "responses": (responses, rspec)})
    assert iv[("GV", "B", "w_mean")] == (0.1667, 0.8333) and findings == []
