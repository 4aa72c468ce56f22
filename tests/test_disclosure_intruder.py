"""The six ways an intruder recovered hidden values from the demo reports (issue 28), each on hand-built
tables: the audit finds it, with the recovered value typed by hand, and the protection closes it (k = 5,
width 0.10 on the score scale, a share's width k − 1 companies)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.publish.audit import hidden_cells, intruder_check
from pipeline.publish.intervals import Relation, complete, solve
from pipeline.publish.model import PublishedTable, TableSpec
from pipeline.publish.publisher import published_frame
from pipeline.scoring.disclosure import HIDDEN_COUNT, protect
from pipeline.scoring.segments import ALL
from tests.intruder import attack

KEYS = ["sector", "year", "framework", "node_id"]
NODES = TableSpec(keys=KEYS, total=ALL, counts={"mean": "n_scored", "share_reached": "n_scored",
                                                 "na_share": "n_scored"})
RC = Relation(("csf2", "RC"), {("csf2", "RC.RP"): 0.25, ("csf2", "RC.CO"): 0.75}, "power")


def _nodes(rows: list[tuple]) -> pd.DataFrame:
    """(node, segment, n, mean, share_reached, na_share, reason) → a protected node table as protection
    leaves it (hidden statistics blank, the true count in the working column)."""
    t = pd.DataFrame(rows, columns=["node_id", "segment", "n_scored", "mean", "share_reached", "na_share",
                                    "suppressed"]).assign(sector="power", year=2026, framework="csf2", threshold=0.9)
    hidden = t["suppressed"].ne("")
    t[HIDDEN_COUNT] = t["n_scored"]
    t.loc[hidden, ["mean", "share_reached", "na_share", "n_scored"]] = np.nan
    return t


def _audit(frames: dict[str, pd.DataFrame], relations=(), spec: TableSpec = NODES):
    findings, intervals = attack({name: (f, spec) for name, f in frames.items()}, relations)
    return findings, {(iv.cell.split("node_id=")[1].split(";")[0], iv.cell.split("segment=")[-1], iv.statistic):
                      (round(iv.low, 4), round(iv.high, 4)) for iv in intervals}


def test_class1_a_hidden_row_publishes_no_count_and_the_audit_finds_one_that_does():
    """送電 (2 companies) hidden: its machine row kept n = 2 in the demo. The publisher blanks every number on
    a hidden row but its key (year stays 2026); a table that still carries n is a finding."""
    t = _nodes([("GV", "送電", 2, 0.5, 0.5, 0.0, "primary"), ("GV", "発電", 30, 0.6, 0.5, 0.0, "")]).assign(
        n=[2, 30])
    shown = published_frame(t, KEYS).set_index("segment")
    assert np.isnan(shown.loc["送電", "n"]) and shown.loc["送電", "year"] == 2026 and shown.loc["発電", "n"] == 30
    leaky = PublishedTable("functions", "functions", t.drop(columns=HIDDEN_COUNT), list(t.columns), spec=NODES)
    findings = [f for f in intruder_check([leaky], hidden_cells([leaky]), 5) if f.check == "hidden-count"]
    assert [(f.cell.split("segment=")[-1], f.detail) for f in findings] == [("送電", "a hidden cell publishes n = 2")]


def test_class2_a_category_comes_back_from_its_function_and_its_sibling():
    """特定卸: RC (4 items) = 0.85 and RC.CO (3 items) = 13/15 published with no item not applicable, RC.RP
    (1 item) hidden: RC.RP = 4 · 0.85 − 3 · 13/15 = 3.4 − 2.6 = 0.80 exactly."""
    functions = _nodes([("RC", "特定卸", 23, 0.85, 0.4, 0.0, "")])
    categories = _nodes([("RC.RP", "特定卸", 23, 0.8, 0.4, 0.0, "primary"),
                         ("RC.CO", "特定卸", 23, 13 / 15, 0.4, 0.0, "")])
    findings, iv = _audit({"functions": functions, "categories": categories}, [RC])
    assert iv[("RC.RP", "特定卸", "mean")] == (0.8, 0.8)
    assert any(f.check == "interval" and "RC.RP" in f.cell and f.statistic == "mean" for f in findings)
    # protected together: the sibling (finer than the function, same companies) is hidden with it
    f2, c2 = complete([("functions", functions, NODES), ("categories", categories, NODES)], 5, [RC])
    assert c2.set_index("node_id").loc["RC.CO", "suppressed"] == "complementary"
    findings, iv = _audit({"functions": f2, "categories": c2}, [RC])
    # RC.RP + 3 RC.CO = 3.4 with both in [0, 1]: RC.RP in [0.4, 1], RC.CO in [0.8, 1]
    assert iv[("RC.RP", "特定卸", "mean")] == (0.4, 1.0) and iv[("RC.CO", "特定卸", "mean")] == (0.8, 1.0)
    assert findings == []


def test_class3_the_reason_for_hiding_gives_the_value_away():
    """DE FY2022: 〜100人 (159 companies, none reached) hidden as uniform and 10,001人〜 (125) hidden beside
    it; 301〜 (200: 100 reached) and the total (484: 131 reached) published. "Uniform" can only mean 0% or
    100%, and 100% (159 reached) is more than the 31 the total leaves: 〜100人 = 0 and 10,001人〜 =
    31/125 = 0.248 exactly."""
    t = _nodes([("DE", "〜100人", 159, 0.2, 0.0, 0.0, "uniform"), ("DE", "10,001人〜", 125, 0.5, 0.248, 0.0,
                                                                   "complementary"),
                ("DE", "301〜", 200, 0.6, 0.5, 0.0, ""), ("DE", ALL, 484, 0.47, 131 / 484, 0.0, "")])
    findings, iv = _audit({"functions": t})
    assert iv[("DE", "〜100人", "share_reached")] == (0.0, 0.0)
    assert iv[("DE", "10,001人〜", "share_reached")] == (0.248, 0.248)
    assert {f.cell.split("segment=")[-1] for f in findings if f.check == "interval"} == {"〜100人", "10,001人〜"}


def test_class3_closed_hidden_for_a_split_the_cell_keeps_k_possible_counts():
    """The same cells under the split rule: 〜100人 hidden because fewer than 5 reached (0…4 of 159), so with
    the total the 10,001人〜 cell holds 31 − (0…4) = 27…31 reached: 5 possible counts, [0.216, 0.248] — as
    wide as a share of 125 must stay ((5 − 1)/125 = 0.032). Nothing narrower is found."""
    raw = pd.DataFrame({"sector": "auto", "year": 2022, "framework": "csf2", "node_id": "DE",
                        "segment": ["〜100人", "10,001人〜", "301〜", ALL], "n_scored": [159, 125, 200, 484],
                        "mean": [0.2, 0.5, 0.6, 0.47], "share_reached": [0.0, 0.248, 0.5, 131 / 484],
                        "na_share": 0.0, "threshold": 0.9})
    out = protect(raw, k=5)
    assert out.set_index("segment")["suppressed"].to_dict() == {"〜100人": "split", "10,001人〜": "complementary",
                                                                "301〜": "", ALL: ""}
    findings, iv = _audit({"functions": out})
    assert iv[("DE", "10,001人〜", "share_reached")] == (0.216, 0.248)
    assert iv[("DE", "〜100人", "share_reached")] == (0.0, 0.0252)  # 4/159: "fewer than 5", no more
    assert findings == []


def test_class4_few_companies_on_one_side_of_the_threshold():
    """送配電 GV.RM: 10 companies, 9 at or above 90% and 1 below — published, the mean pinned the one company
    (0.875). A share needs 5 on each side: the audit finds "9 and 1", protection hides the cell."""
    t = pd.DataFrame({"sector": "power", "year": 2026, "framework": "csf2", "node_id": "GV.RM",
                      "segment": ["送配電", "発電", ALL], "n_scored": [10, 40, 50], "mean": [0.9875, 0.7, 0.7575],
                      "share_reached": [0.9, 0.5, 0.58], "na_share": 0.0, "suppressed": ""})
    table = PublishedTable("categories", "categories", t, list(t.columns), spec=NODES)
    found = [(f.cell.split("segment=")[-1], f.detail) for f in intruder_check([table], hidden_cells([]), 5)
             if f.check == "split"]
    assert found == [("送配電", "9 and 1 companies on its two sides (k=5)")]
    out = protect(t.drop(columns="suppressed"), k=5).set_index("segment")
    assert out.loc["送配電", "suppressed"] == "split" and np.isnan(out.loc["送配電", "mean"])


def test_class5_a_total_near_the_top_bounds_the_hidden_cells():
    """10 companies, total mean 0.99 published; A (3, hidden) and B (7, hidden with it). 3·A + 7·B = 9.9, B ≤ 1:
    A ≥ (9.9 − 7)/3 = 0.9667 — the three companies of A all score high. Completion hides the total."""
    t = _nodes([("GV", "A", 3, 0.98, 1.0, 0.0, "primary"), ("GV", "B", 7, 0.99429, 6 / 7, 0.0, "complementary"),
                ("GV", ALL, 10, 0.99, 0.9, 0.0, "")])
    findings, iv = _audit({"functions": t})
    assert iv[("GV", "A", "mean")] == (0.9667, 1.0)
    assert any(f.check == "interval" and f.cell.endswith("segment=A") for f in findings)
    (done,) = complete([("functions", t, NODES)], 5)
    assert done.set_index("segment").loc[ALL, "suppressed"] == "complementary"
    findings, iv = _audit({"functions": done})
    assert iv[("GV", "A", "mean")] == (0.0, 1.0) and findings == []


def test_class6_respondents_off_the_member_list_by_differencing():
    """101〜300人 FY2022: 40 respondents, 39 of them on the roster of 80: n − n_on_roster = 1 respondent not on
    the member list. The audit finds it; protection hides the row."""
    spec = TableSpec(keys=["sector", "year"], total=ALL, counts={s: "n" for s in ("response_rate", "roster_n",
                                                                                  "n_on_roster")})
    t = pd.DataFrame({"sector": "auto", "year": 2022, "segment": ["101〜300人"], "n": [40], "n_on_roster": [39],
                      "roster_n": [80], "response_rate": [39 / 80], "suppressed": ""})
    found = [f.detail for f in intruder_check([PublishedTable("responses", "r", t, list(t.columns), spec=spec)],
                                              hidden_cells([]), 5) if f.check == "split"]
    assert found == ["39 and 1 companies on its two sides (k=5)"]
    out = protect(t.drop(columns="suppressed"), k=5, group=["sector", "year"], n_col="n")
    assert out["suppressed"].tolist() == ["split"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stress_small_segments_near_uniform_groups_and_few_item_nodes_keep_their_width(seed):
    """Many small segments (2–12 companies), scores on a coarse grid and mostly at the top (near-uniform),
    a function of two categories of 1 and 2 items: after protection and completion, every hidden cell's
    interval is at least its width (the solver's own check, on cells typed by no one: the property).

    This is not an independent check: :func:`complete` stops when this same solver finds no failure, so the
    test shows that completion terminates with the solver satisfied and that the audit agrees, not that the
    solver's model of the intruder is complete (the hand-typed cases above and docs/method.md §5.3 do that)."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 13, size=8)
    rows = []
    for s, n in enumerate(sizes):
        for node, items in (("RC.RP", 1), ("RC.CO", 2)):
            for c in range(n):
                points = rng.choice([0.0, 0.5, 1.0], size=items, p=[0.05, 0.1, 0.85])
                rows.append((f"S{s}", c, node, points.sum(), items))
    people = pd.DataFrame(rows, columns=["segment", "company", "node_id", "points", "items"])
    cat = people.assign(score=people["points"] / people["items"])
    fn = (people.groupby(["segment", "company"])[["points", "items"]].sum().reset_index()
          .assign(node_id="RC", score=lambda d: d["points"] / d["items"]))

    def table(scores):
        parts = [scores, scores.assign(segment=ALL)]
        g = pd.concat(parts).groupby(["node_id", "segment"])["score"]
        t = pd.DataFrame({"n_scored": g.size(), "mean": g.mean(),
                          "share_reached": g.apply(lambda x: (x >= 0.9).mean())})
        t = t.reset_index().assign(sector="power", year=2026, framework="csf2", na_share=0.0, threshold=0.9)
        return protect(t, k=5)

    frames = complete([("functions", table(fn), NODES), ("categories", table(cat), NODES)], 5, [RC])
    tables = [PublishedTable(n, n, f, list(f.columns), spec=NODES) for n, f in zip(["functions", "categories"], frames,
                                                                                  strict=True)]
    log = hidden_cells(tables)
    shown = [PublishedTable(t.name, t.name, published_frame(t.frame, KEYS), list(t.frame.columns), spec=NODES)
             for t in tables]
    intervals = solve(shown, log, 5, [RC])
    assert intervals and not [iv for iv in intervals if iv.fails or np.isnan(iv.low)]
    assert intruder_check(shown, log, 5, [RC]) == []


ITEMS = TableSpec(keys=["sector", "year", "item_id"], segment=None,
                  counts={s: "n_applicable" for s in ("share_implemented", "n_implemented", "na_share")})


def _items(rows: list[tuple]) -> pd.DataFrame:
    """(item, n_companies, n_applicable, n_implemented, n_unanswered, n_invalid) → an item table before protection."""
    t = pd.DataFrame(rows, columns=["item_id", "n_companies", "n_applicable", "n_implemented", "n_unanswered",
                                    "n_invalid"]).assign(sector="power", year=2026)
    return t.assign(share_implemented=t["n_implemented"] / t["n_applicable"],
                    n_not_applicable=t["n_companies"] - t["n_applicable"],
                    na_share=(t["n_companies"] - t["n_applicable"]) / t["n_companies"])


def test_f4_an_item_table_prints_no_count_of_one_to_four_companies():
    """Power FY2026 PR.AC-5: 297 respondents, 1 left the item unanswered — a count about one company. The audit
    finds n_unanswered = 1 (1 and 296 on its two sides); protection blanks that count alone (the share of
    120/297 stays) and keeps 6 unanswered of 297 (both sides ≥ 5). An item 2 companies called not applicable
    (295 of 297 applicable) is hidden whole: 297 − n_applicable would count the 2."""
    raw = _items([("PR.AC-5", 297, 297, 120, 1, 0), ("PR.AC-6", 297, 297, 150, 6, 0),
                  ("PR.AC-7", 297, 295, 150, 0, 0)])
    leaky = PublishedTable("items", "items", raw.assign(suppressed=""), list(raw.columns), spec=ITEMS)
    found = sorted((f.cell.split("item_id=")[1], f.statistic, f.detail)
                   for f in intruder_check([leaky], hidden_cells([]), 5) if f.check == "split")
    assert found == [
        ("PR.AC-5", "n_invalid", "0 and 297 companies on its two sides (k=5)"),
        ("PR.AC-5", "n_unanswered", "1 and 296 companies on its two sides (k=5)"),
        ("PR.AC-6", "n_invalid", "0 and 297 companies on its two sides (k=5)"),
        ("PR.AC-7", "n_applicable", "295 and 2 companies on its two sides (k=5)"),
        ("PR.AC-7", "n_invalid", "0 and 297 companies on its two sides (k=5)"),
        ("PR.AC-7", "n_unanswered", "0 and 297 companies on its two sides (k=5)"),
    ]
    out = protect(raw, k=5, group=["sector", "year"], n_col="n_applicable").set_index("item_id")
    assert out["suppressed"].to_dict() == {"PR.AC-5": "", "PR.AC-6": "", "PR.AC-7": "split"}
    assert np.isnan(out.loc["PR.AC-5", "n_unanswered"]) and out.loc["PR.AC-5", "share_implemented"] == 120 / 297
    assert out.loc["PR.AC-6", "n_unanswered"] == 6 and np.isnan(out.loc["PR.AC-6", "n_invalid"])
    assert np.isnan(out.loc["PR.AC-7", "n_applicable"]) and np.isnan(out.loc["PR.AC-7", "na_share"])
    protected = PublishedTable("items", "items", out.reset_index(), list(out.columns), spec=ITEMS)
    assert [f for f in intruder_check([protected], hidden_cells([protected]), 5) if f.check == "split"] == []


def test_f1_a_segments_overall_mean_is_withheld_where_one_of_its_functions_is():
    """送配電: 10 companies, 8 items split 4 / 4 between two functions, overall mean 0.95: the shortfall
    10 · 8 · 0.05 = 4 item-points is all the two functions can lack, so each keeps a mean ≥ 1 − 4 / (10 · 4)
    = 0.90 — a hidden function pinned to [0.90, 1]. Its GV cell is hidden and 0.95 is within 0.10 of the
    top, so its overall row is withheld ('complementary'); 発電 hides nothing and keeps its row. The total
    (50 companies, 0.75) would then give
    送配電 back (37.5 − 40 · 0.7 = 9.5 → 0.95), so completion withholds 発電 as well: 10a + 40b = 37.5 leaves
    送配電 anywhere in [0, 1]."""
    from pipeline.report.tables import SPECS, hide_with_functions

    functions = _nodes([("GV", "送配電", 10, 0.9, 0.6, 0.0, "split"), ("ID", "送配電", 10, 0.99, 0.9, 0.0, ""),
                        ("GV", "発電", 40, 0.7, 0.5, 0.0, ""), ("ID", "発電", 40, 0.7, 0.5, 0.0, ""),
                        ("GV", ALL, 50, 0.74, 0.52, 0.0, ""), ("ID", ALL, 50, 0.758, 0.58, 0.0, "")])
    dist = pd.DataFrame({"sector": "power", "year": 2026, "framework": "instrument", "node_id": "overall",
                         "segment": ["送配電", "発電", ALL], "n": [10.0, 40.0, 50.0], "mean": [0.95, 0.7, 0.75],
                         "p50": [np.nan, 0.7, 0.75], "suppressed": "", "previous_year": np.nan, "change": np.nan})
    dist[HIDDEN_COUNT] = dist["n"]
    out = hide_with_functions(dist, functions, SPECS["distribution"], 5).set_index("segment")
    assert out["suppressed"].to_dict() == {"送配電": "complementary", "発電": "complementary", ALL: ""}
    assert out.loc[["送配電", "発電"], ["mean", "p50"]].isna().all().all()
    assert out.loc[["送配電", "発電"], "n"].tolist() == [10, 40]  # the respondents, printed by their own rule (§11)
    assert out.loc[ALL, "mean"] == 0.75
    # nothing hidden among the functions: the row stays
    same = hide_with_functions(dist, functions.assign(suppressed=""), SPECS["distribution"], 5)
    assert same["suppressed"].tolist() == ["", "", ""]
    # GV is hidden by the split rule, so it must keep k − 1 = 4 companies of width: 4/10 = 0.40. A mean of
    # 0.85 leaves it at least 1 − 2 · 0.15 = 0.70, only 0.30 wide: the row goes (and 発電 with it, as above)
    lower = hide_with_functions(dist.assign(mean=[0.85, 0.7, 0.73]), functions, SPECS["distribution"], 5)
    assert lower["suppressed"].tolist() == ["complementary", "complementary", ""]
    # a mean of 0.55 leaves it at least 1 − 2 · 0.45 = 0.10 (0.90 wide) and from the bottom at most
    # 2 · 0.55 = 1.10 (no bound): the row stays
    middle = hide_with_functions(dist.assign(mean=[0.55, 0.7, 0.67]), functions, SPECS["distribution"], 5)
    assert middle["suppressed"].tolist() == ["", "", ""]


def test_f3_a_hidden_response_rate_comes_back_from_the_rosters_that_add_up():
    """FY2024: A (roster 181, 15 answered), B (roster 2, both answered: primary) and C (roster 300, 150) under a
    total of 483 members, 167 answering. B is hidden, A beside it (B alone would be 2 companies). The hidden
    rows blank their rosters, but the total's 483 − 300 leaves 183 members and 167 − 150 = 17 respondents for
    A and B: 181·a + 2·b = 17 with b in [0, 1] puts A's rate in [15/181, 17/181] = [0.0829, 0.0939], 2
    companies wide where 4 must stay possible (4/181 = 0.0221). The audit finds it; completion hides C too,
    and then 300·c + 181·a + 2·b = 167 leaves A anywhere in [0, 167/181 = 0.9227]."""
    spec = TableSpec(keys=["sector", "year"], total=ALL, counts={s: "n" for s in ("response_rate", "ci_low", "ci_high",
                                                                                  "roster_n", "n_on_roster")})
    raw = pd.DataFrame({"sector": "auto", "year": 2024, "segment": ["A", "B", "C", ALL], "n": [15, 2, 150, 167],
                        "n_on_roster": [15, 2, 150, 167], "roster_n": [181, 2, 300, 483]})
    raw["response_rate"] = raw["n_on_roster"] / raw["roster_n"]
    out = protect(raw, k=5, group=["sector", "year"], n_col="n",
                  stat_columns=["response_rate", "roster_n", "n_on_roster"], uniform_columns=["response_rate"])
    assert out["suppressed"].tolist() == ["complementary", "primary", "", ""]
    assert out.loc[:1, "roster_n"].isna().all()  # the rosters of hidden rows are not published

    def audit(frame):
        table = PublishedTable("responses", "responses", frame, list(frame.columns), spec=spec)
        shown = PublishedTable("responses", "responses", published_frame(frame, spec.keys), list(frame.columns),
                               spec=spec)
        intervals = []
        findings = intruder_check([shown], hidden_cells([table]), 5, [], intervals)
        return findings, {(iv.cell.split("segment=")[-1], iv.statistic): (round(iv.low, 4), round(iv.high, 4))
                          for iv in intervals}

    findings, iv = audit(out)
    assert iv[("A", "response_rate")] == (0.0829, 0.0939)
    assert [(f.check, f.cell.split("segment=")[-1]) for f in findings] == [("interval", "A")]
    (done,) = complete([("responses", out, spec)], 5)
    assert done["suppressed"].tolist() == ["complementary", "primary", "complementary", ""]
    findings, iv = audit(done)
    assert iv[("A", "response_rate")] == (0.0, 0.9227) and findings == []


def test_two_breakdowns_sharing_a_total_hide_it_in_both():
    """The automotive categories by size and by industry both publish the 全体 row. The industry table hid
    GV.PO 全体 (complementary); the size table published it (0.6 over 100 companies): the cross-table check
    refused the report. Completed together, the total is hidden in both tables and the audit is clean."""
    by_size = _nodes([("GV.PO", "〜100人", 50, 0.5, 0.5, 0.0, ""), ("GV.PO", "101〜300人", 50, 0.7, 0.5, 0.0, ""),
                      ("GV.PO", ALL, 100, 0.6, 0.5, 0.0, "")])
    by_industry = _nodes([("GV.PO", "部品", 97, 0.6, 0.5, 0.0, "complementary"),
                          ("GV.PO", "素材", 3, 0.6, 0.5, 0.0, "primary"),
                          ("GV.PO", ALL, 100, 0.6, 0.5, 0.0, "complementary")])
    findings, _ = _audit({"categories": by_size, "categories_industry": by_industry})
    assert any(f.check == "cross-table" for f in findings)
    size_done, industry_done = complete([("categories", by_size, NODES), ("categories_industry", by_industry, NODES)],
                                        5)
    assert size_done.set_index("segment").loc[ALL, "suppressed"] == "complementary"
    assert industry_done.set_index("segment").loc[ALL, "suppressed"] == "complementary"
    findings, _ = _audit({"categories": size_done, "categories_industry": industry_done})
    assert [f for f in findings if f.check == "cross-table"] == []


def test_the_respondents_an_open_count_may_stay_on_a_hidden_row_but_not_below_k():
    """Response table: 101〜300人 (40 respondents, its rate hidden for 1 off the roster) keeps n = 40 — the
    count its own rule publishes; 301〜 (hidden, primary) printing n = 3 is a finding all the same."""
    spec = TableSpec(keys=["sector", "year"], total=ALL, counts={"response_rate": "n", "roster_n": "n"},
                     open_counts=["n"])
    t = pd.DataFrame({"sector": "auto", "year": 2022, "segment": ["〜100人", "101〜300人", "301〜"],
                      "n": [30, 40, 3], "roster_n": [60, np.nan, np.nan], "response_rate": [0.5, np.nan, np.nan],
                      "suppressed": ["", "split", "primary"], HIDDEN_COUNT: [30, 40, 3]})
    table = PublishedTable("responses", "responses", t, list(t.columns), spec=spec)
    shown = published_frame(t, spec.keys, spec.open_counts).set_index("segment")
    assert shown.loc["101〜300人", "n"] == 40 and np.isnan(shown.loc["101〜300人", "roster_n"])
    findings = intruder_check([table], hidden_cells([table]), 5)
    assert [(f.check, f.cell.split("segment=")[-1], f.detail) for f in findings
            if f.check in ("direct", "hidden-count")] == [("direct", "301〜", "n = 3 is below k")]


def test_the_publisher_keeps_the_respondents_of_a_row_hidden_for_the_roster(tmp_path):
    """The publisher renames the total (全体 → the report's label): the respondents stay an open count,
    so 101〜300人 (rate hidden: 1 off the roster) still prints its 118 respondents and x for the rate."""
    from pipeline.publish.model import Provenance
    from pipeline.publish.publisher import Publisher
    from pipeline.report.tables import SPECS

    t = pd.DataFrame({"sector": "auto", "year": 2022, "segment": ["〜100人", "101〜300人", ALL],
                      "n": [159, 118, 277], "n_on_roster": [159, np.nan, np.nan], "roster_n": [252, np.nan, np.nan],
                      "response_rate": [159 / 252, np.nan, np.nan], "suppressed": ["", "split", "split"],
                      HIDDEN_COUNT: [159, 118, 277]})
    pub = Publisher(tmp_path / "f", tmp_path / "r", "ja", 5, Provenance("s", "c"), total_label="全体", show=False)
    pub.table("responses", t, SPECS["responses"], "回答状況", ["segment", "n", "response_rate"])
    shown = pub.tables[-1].frame.set_index("segment")
    assert shown.loc["101〜300人", "n"] == 118 and np.isnan(shown.loc["101〜300人", "response_rate"])
    import openpyxl

    from pipeline.publish.render_xlsx import write_people_workbook

    write_people_workbook(tmp_path / "t.xlsx", pub.tables, [], Provenance("s", "c"), "ja")
    rows = list(openpyxl.load_workbook(tmp_path / "t.xlsx").worksheets[-1].iter_rows(values_only=True))
    assert ("101〜300人", 118, "x") in [tuple(r[:3]) for r in rows]
