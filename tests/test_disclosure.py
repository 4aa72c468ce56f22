"""Disclosure control and the intruder check on hand-built tables; expected cells typed from the rules
(k = 5 throughout)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.publish.audit import audit_folder, audit_folders, hidden_cells, intruder_check, write_audit
from pipeline.publish.model import PublishedTable, TableSpec
from pipeline.report.tables import SPECS, with_change
from pipeline.scoring.disclosure import (
    HIDDEN_COUNT,
    all_alike,
    complementary_suppression,
    protect,
    quantile_min_n,
    quantile_shown,
    respondent_counts,
)
from pipeline.scoring.segments import ALL, segment_stats

NODE = TableSpec(keys=["sector", "year", "framework", "node_id"], counts={"mean": "n_scored", "change": "n_scored"},
                 total=ALL, changes={"change": ["mean", "previous_year"]})


def _cells(segments: list[str], n: list[int], mean: list[float], year: int = 2024) -> pd.DataFrame:
    return pd.DataFrame({"sector": "auto", "year": year, "framework": "csf2", "node_id": "GV",
                         "segment": segments, "n_scored": n, "mean": mean})


def _published(name: str, protected: pd.DataFrame, spec: TableSpec = NODE) -> tuple[PublishedTable, pd.DataFrame]:
    full = PublishedTable(name, name, protected, list(protected.columns), spec=spec)
    hidden = hidden_cells([full])
    return PublishedTable(name, name, protected.drop(columns=HIDDEN_COUNT), list(protected.columns), spec=spec), hidden


def test_two_hidden_cells_of_one_and_two_companies_take_a_third_with_them():
    """1 + 2 companies hidden = 3 < k: the total would reveal their combined mean, so the smallest
    published cell (C, 6 companies) is hidden too; D (9) stays."""
    t = _cells(["A", "B", "C", "D", ALL], [1, 2, 6, 9, 18], [0.1, 0.3, 0.5, 0.7, 0.55])
    out = protect(t, k=5).set_index("segment")
    assert out["suppressed"].to_dict() == {"A": "primary", "B": "primary", "C": "complementary", "D": "",
                                           ALL: ""}
    assert np.isnan(out.loc["C", "mean"]) and out.loc["D", "mean"] == 0.7
    assert np.isnan(out.loc["A", "n_scored"])  # shown as the mark x


def test_k_is_a_minimum_four_companies_hidden_five_published():
    t = _cells(["A", "B", "C", ALL], [4, 5, 9, 18], [0.2, 0.4, 0.5, 0.4])
    out = protect(t, k=5).set_index("segment")
    assert out.loc["A", "suppressed"] == "primary" and out.loc["B", "suppressed"] == "complementary"
    assert out.loc["C", "mean"] == 0.5


def test_hidden_cells_holding_k_companies_need_no_complement():
    t = _cells(["A", "B", "C", ALL], [2, 3, 8, 13], [0.1, 0.3, 0.5, 0.4])
    out = protect(t, k=5).set_index("segment")
    assert out["suppressed"].to_dict() == {"A": "primary", "B": "primary", "C": "", ALL: ""}


def test_k_counts_the_companies_with_a_score_not_the_segment():
    """A power category where most items are 該当しない: 12 companies in the segment, 3 with a score."""
    scores = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": list("abcdefghijkl"),
                           "framework": "csf2", "node_id": "ID.AM",
                           "score": [0.5, 1.0, 0.0] + [np.nan] * 9, "n_items": 4,
                           "n_applicable": [4, 4, 4] + [0] * 9})
    resp = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": list("abcdefghijkl"),
                         "main_business_type": "RETAIL"})
    stats = segment_stats(scores, resp, "main_business_type", "csf2")
    out = protect(stats, k=5).set_index("segment")
    assert out.loc["RETAIL", "n"] == 12
    assert out.loc["RETAIL", "suppressed"] == "primary" and np.isnan(out.loc["RETAIL", "mean"])


def test_a_uniform_segment_is_never_published_as_exactly_0_or_100_percent():
    """A (6 companies, all at 100%) is hidden; alone, 全体 minus B and C would give it back as exactly 100%,
    so the smallest other cell B (7) is hidden with it: pooled, A and B give (6·1.0 + 7·0.4) / 13."""
    t = _cells(["A", "B", "C", ALL], [6, 7, 8, 21], [1.0, 0.4, 0.5, 0.6])
    out = protect(t, k=5).set_index("segment")
    assert out.loc["A", "suppressed"] == "uniform" and np.isnan(out.loc["A", "mean"])
    assert out.loc["B", "suppressed"] == "complementary" and out.loc["C", "suppressed"] == ""


def test_a_share_needs_k_companies_on_both_sides():
    """A: 6 of 6 reached (0 below) and B: 9 of 12 (3 below) are hidden for the split; C: 5 of 10 is not.
    Pooled, A and B hold 15 reached and 3 not — the total (40: 30 reached) minus C and D would say "3 below"
    — so the smaller of the others, C (10), is hidden too: A, B and C pool 20 reached and 8 not. D stays."""
    t = _cells(["A", "B", "C", "D", ALL], [6, 12, 10, 12, 40], [0.95, 0.8, 0.6, 0.4, 0.6]).assign(
        share_reached=[1.0, 0.75, 0.5, 5 / 12, 30 / 40])
    out = protect(t, k=5).set_index("segment")
    assert out["suppressed"].to_dict() == {"A": "split", "B": "split", "C": "complementary", "D": "", ALL: ""}
    assert np.isnan(out.loc["B", "mean"]) and np.isnan(out.loc["B", "n_scored"]) and out.loc["D", "mean"] == 0.4


def test_respondents_off_the_member_list_are_a_side_too():
    """101〜300人: 40 respondents, 39 on the roster of 80 → 1 respondent not on the list: hidden. 〜100人:
    30 respondents, all 30 on the list of 60 (none off the list: about nobody), published; 301〜: 45
    respondents, 40 on the list of 70 (5 off the list; 40 answered, 30 did not): published; 1,001〜: 20 of 22
    members answered (2 did not): hidden."""
    t = pd.DataFrame({"sector": "auto", "year": 2022, "segment": ["〜100人", "101〜300人", "301〜", "1,001〜"],
                      "n": [30, 40, 45, 20], "n_on_roster": [30, 39, 40, 20], "roster_n": [60, 80, 70, 22]})
    t = t.assign(response_rate=t["n_on_roster"] / t["roster_n"])
    out = protect(t, k=5, group=["sector", "year"], n_col="n").set_index("segment")
    assert out["suppressed"].to_dict() == {"〜100人": "", "101〜300人": "split", "301〜": "", "1,001〜": "split"}
    assert out.loc["301〜", "n_on_roster"] == 40 and np.isnan(out.loc["101〜300人", "n_on_roster"])


def test_respondents_stay_printed_where_only_the_roster_split_hides_the_row():
    """〜100人 30 respondents (all 30 of 60 members), 101〜300人 40 (39 on the roster of 80: 1 off the list),
    301〜 3 (primary), 1,001〜 20 (all of 20 members), 全体 93. The rate of 101〜300人 is hidden (split: 1
    off the list). The respondents' count has its own rule: 301〜 (3) is hidden, and 1,001〜 (20, the smallest
    other) with it, else 93 − 30 − 40 − 20 = 3; 30, 40 and 93 are printed although 101〜300人's rate is x."""
    t = pd.DataFrame({"sector": "auto", "year": 2022, "segment": ["〜100人", "101〜300人", "301〜", "1,001〜", ALL],
                      "n": [30, 40, 3, 20, 93], "n_on_roster": [30, 39, 3, 20, 92],
                      "roster_n": [60, 80, 6, 20, 166]})
    t = t.assign(response_rate=t["n_on_roster"] / t["roster_n"])
    shown = respondent_counts(t, k=5, group=["sector", "year"])
    assert shown.tolist()[:2] == [30, 40] and np.isnan(shown.iloc[2]) and np.isnan(shown.iloc[3])
    assert shown.iloc[4] == 93
    stats = protect(t, k=5, group=["sector", "year"], n_col="n").set_index("segment")
    assert stats.loc["101〜300人", "suppressed"] == "split" and np.isnan(stats.loc["101〜300人", "response_rate"])


def test_a_cell_with_no_company_behind_it_is_not_assessed_not_hidden():
    t = _cells(["A", "B", ALL], [0, 9, 9], [np.nan, 0.5, 0.5])
    out = protect(t, k=5).set_index("segment")
    assert out.loc["A", "suppressed"] == "" and np.isnan(out.loc["A", "mean"]) and out.loc["B", "mean"] == 0.5


def test_quantiles_need_k_companies_beyond_them():
    """p10/p90 from 50 companies, quartiles from 20, the median from 10 (k = 5)."""
    t = pd.DataFrame({"sector": "auto", "year": 2024, "segment": ["A", "B", "C"], "n": [10, 20, 50],
                      "mean": 0.5, "p10": 0.1, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p90": 0.9})
    out = protect(t, k=5, group=["sector", "year"]).set_index("segment")
    assert out.loc["A", ["p10", "p25", "p75", "p90"]].isna().all() and out.loc["A", "p50"] == 0.5
    assert out.loc["B", ["p10", "p90"]].isna().all() and out.loc["B", ["p25", "p50", "p75"]].tolist() == [
        0.25, 0.5, 0.75]
    assert out.loc["C", ["p10", "p90"]].tolist() == [0.1, 0.9]


def test_the_quantile_tail_and_uniform_rules_that_reports_and_feedback_share():
    # k = 5: p10/p90 from 50 companies (5 beyond), quartiles from 20, the median from 10
    assert quantile_shown("p10", 50, 5) and not quantile_shown("p90", 49, 5)
    assert quantile_shown("p25", 20, 5) and not quantile_shown("p75", 19, 5)
    assert quantile_shown("p50", 10, 5) and not quantile_shown("p50", 9, 5)
    assert quantile_shown("p25", pd.Series([19, 20, 40]), 5).tolist() == [False, True, True]
    # the notes say the same numbers, for any k: 50/20/10 at k = 5, 30/12/6 at k = 3, 100/40/20 at k = 10
    assert [quantile_min_n(q, 5) for q in ("p10", "p25", "p50", "p75", "p90")] == [50, 20, 10, 20, 50]
    assert [quantile_min_n(q, 3) for q in ("p10", "p25", "p50")] == [30, 12, 6]
    assert [quantile_min_n(q, 10) for q in ("p10", "p25", "p50")] == [100, 40, 20]
    # every value alike (a missing one is no value): any statistic of them tells each company the others'
    assert all_alike(pd.Series([0.4, 0.4, np.nan])) and all_alike(pd.Series([1.0]))
    assert not all_alike(pd.Series([0.0, 1.0, 1.0]))


def test_change_is_published_only_when_both_years_are():
    """A segment with 3 companies in 2023 and 8 in 2024: its 2024 change would reveal the 2023 mean."""
    t = pd.concat([_cells(["A", "B", "C", ALL], [3, 9, 10, 22], [0.2, 0.5, 0.6, 0.5], 2023),
                   _cells(["A", "B", "C", ALL], [8, 9, 10, 27], [0.4, 0.55, 0.6, 0.53], 2024)], ignore_index=True)
    out = with_change(protect(t, k=5), ["sector", "framework", "node_id", "segment"])
    a24 = out[(out["segment"] == "A") & (out["year"] == 2024)].iloc[0]
    assert a24["mean"] == 0.4 and np.isnan(a24["change"])
    b24 = out[(out["segment"] == "B") & (out["year"] == 2024)].iloc[0]
    assert np.isnan(b24["change"])  # B was hidden in 2023 as A's complement
    c24 = out[(out["segment"] == "C") & (out["year"] == 2024)].iloc[0]
    assert c24["change"] == pytest.approx(0.0)


def test_the_intruder_check_finds_the_attack_of_issue_10():
    """2024 − change recovers a hidden 2023 mean: the check must say so, naming the change."""
    t = pd.concat([_cells(["A", "B", ALL], [3, 9, 12], [0.2, 0.5, 0.42], 2023),
                   _cells(["A", "B", ALL], [8, 9, 17], [0.4, 0.55, 0.48], 2024)], ignore_index=True)
    naive = protect(t, k=5)
    naive["previous_year"] = naive["year"] - 1
    naive["change"] = [np.nan, np.nan, np.nan, 0.2, 0.05, 0.06]  # the old code: change from unprotected means
    table, hidden = _published("trend", naive)
    found = {(f.check, f.statistic) for f in intruder_check([table], hidden, k=5)}
    assert ("change", "change") in found


def test_the_intruder_check_finds_differencing_and_cross_table_leaks():
    t = _cells(["A", "B", "C", ALL], [1, 2, 9, 12], [0.1, 0.3, 0.5, 0.4])
    lone = t.assign(suppressed=["primary", "primary", "", ""], **{HIDDEN_COUNT: [1, 2, 9, 12]})
    lone.loc[:1, ["mean", "n_scored"]] = np.nan
    table, hidden = _published("functions", lone)
    checks = {f.check for f in intruder_check([table], hidden, k=5)}
    assert "differencing" in checks
    # the same cell published in a second table
    other = t.assign(suppressed="", **{HIDDEN_COUNT: [1, 2, 9, 12]})
    other2, hidden2 = _published("again", other)
    found = intruder_check([table, other2], pd.concat([hidden, hidden2]), k=5)
    assert {"cross-table", "direct"} <= {f.check for f in found}


def test_the_intruder_check_finds_a_lone_uniform_cell_and_a_thin_quantile():
    """B (10 companies, all at 0) hidden alone: 全体 (1/3)·30 − A 0.5·20 = 0, so B's mean comes back as 0%."""
    t = _cells(["A", "B", ALL], [20, 10, 30], [0.5, 0.0, 1 / 3])
    lone = t.assign(suppressed=["", "uniform", ""], **{HIDDEN_COUNT: [20, 10, 30]})
    lone.loc[1, ["mean", "n_scored"]] = np.nan
    table, hidden = _published("functions", lone)
    assert "differencing" in {f.check for f in intruder_check([table], hidden, k=5)}
    spec = TableSpec(keys=["sector", "year"], counts={"p10": "n", "p50": "n"}, total=ALL)
    q = pd.DataFrame({"sector": "auto", "year": 2024, "segment": ["A", ALL], "n": [10, 60], "p10": [0.2, 0.3],
                      "p50": [0.5, 0.6], "suppressed": ""})
    found = intruder_check([PublishedTable("q", "q", q, list(q.columns), spec=spec)], hidden_cells([]), k=5)
    assert [(f.check, f.cell, f.statistic) for f in found] == [("direct", "sector=auto; year=2024; segment=A", "p10")]


def test_published_tables_do_not_say_why_a_cell_is_hidden(tmp_path):
    from pipeline.publish.model import Provenance
    from pipeline.publish.publisher import Publisher

    t = protect(_cells(["A", "B", "C", ALL], [6, 7, 8, 21], [1.0, 0.4, 0.5, 0.6]), k=5)
    pub = Publisher(tmp_path / "f", tmp_path / "r", "ja", 5, Provenance("x", "0"), show=False)
    pub.table("functions", t, NODE, "t", ["segment", "mean"])
    shown = pub.tables[0].frame.set_index("segment")
    assert shown["suppressed"].to_dict() == {"A": "hidden", "B": "hidden", "C": "", ALL: ""}
    assert "uniform" not in shown and HIDDEN_COUNT not in shown
    assert set(pub.hidden_log()["reason"]) == {"uniform", "complementary"}  # the association's own record


def test_protected_tables_pass_the_check_and_the_replay(tmp_path):
    t = pd.concat([_cells(["A", "B", "C", "D", ALL], [1, 2, 6, 9, 18], [0.1, 0.3, 0.5, 0.7, 0.55], 2023),
                   _cells(["A", "B", "C", "D", ALL], [6, 2, 6, 9, 23], [0.3, 0.3, 0.5, 0.75, 0.5], 2024)],
                  ignore_index=True)
    out = with_change(protect(t, k=5), ["sector", "framework", "node_id", "segment"])
    full = PublishedTable("trend", "trend", out, list(out.columns), spec=NODE)
    hidden = hidden_cells([full])
    table = PublishedTable("trend", "trend", out.drop(columns=HIDDEN_COUNT), list(out.columns), spec=NODE)
    assert intruder_check([table], hidden, k=5) == []
    (tmp_path / "tables").mkdir()
    table.frame.to_csv(tmp_path / "tables" / "trend.csv", index=False)
    path, findings = write_audit(tmp_path, [table], 5, hidden=hidden)
    assert findings == []
    log = pd.read_csv(path)  # the published log names the hidden cells, never their counts
    assert log.loc[log["check"].eq("hidden"), "count"].isna().all() and log["count_withheld"].sum() == 5
    full = pd.read_csv(tmp_path.parent / ".sdw-private" / tmp_path.name / "disclosure_audit_full.csv")
    assert sorted(full.loc[full["check"].eq("hidden"), "count"].astype(int)) == [1, 2, 2, 6, 6]
    assert audit_folder(tmp_path) == []
    # tamper with the published copy: publish the hidden 2023 mean of A — the replay finds it
    leaked = table.frame.copy()
    row = leaked.index[(leaked["segment"] == "A") & (leaked["year"] == 2023)][0]
    leaked.loc[row, ["suppressed", "mean", "n_scored"]] = ["", 0.1, 1]
    leaked.to_csv(tmp_path / "tables" / "trend.csv", index=False)
    assert {f.check for f in audit_folder(tmp_path)} == {"direct"}  # B (2) and C (6) still hold 8 ≥ k


def _report_folder(folder, cells: pd.DataFrame, k: int):
    """A report folder as `sdw report` writes it: machine copy, specs and hidden-cell log."""
    out = protect(cells, k=k)
    full = PublishedTable("node_means", "node_means", out, list(out.columns), spec=NODE)
    hidden = hidden_cells([full])
    table = PublishedTable("node_means", "node_means", out.drop(columns=HIDDEN_COUNT), list(out.columns), spec=NODE)
    (folder / "tables").mkdir(parents=True)
    table.frame.to_csv(folder / "tables" / "node_means.csv", index=False)
    write_audit(folder, [table], k, hidden=hidden)


def test_two_reports_audited_together_reveal_what_each_alone_hides(tmp_path):
    """The same store reported with k = 5 (A 1, B 2 and C 6 hidden) and again with k = 3 (A and B hidden,
    holding 3 ≥ 3, so C is published): each report passes its own check, but together C is hidden in one
    and published in the other, and the total less C and D gives A and B's pooled mean (3 companies < 5)."""
    cells = _cells(["A", "B", "C", "D", ALL], [1, 2, 6, 9, 18], [0.1, 0.3, 0.5, 0.7, 0.55])
    _report_folder(tmp_path / "k5", cells, k=5)
    _report_folder(tmp_path / "k3", cells, k=3)
    assert audit_folder(tmp_path / "k5") == [] and audit_folder(tmp_path / "k3") == []
    findings = audit_folders([tmp_path / "k5", tmp_path / "k3"])
    means = [f for f in findings if f.statistic == "mean"]
    assert {f.check for f in means} == {"cross-table", "differencing"}
    assert [f.cell.split("segment=")[-1] for f in means if f.check == "cross-table"] == ["C"]
    differencing = next(f for f in findings if f.check == "differencing" and f.statistic == "mean")
    assert "2 hidden cell(s) (A, B) holding 3 companies (k=5)" in differencing.detail


def test_reports_of_other_years_and_k_audited_together_keep_each_ones_promise(tmp_path):
    """A k = 5 report of 2024 and a k = 3 report of 2023 share no cell: together they must pass, the 2023
    one held to its own k (its A and B hidden together hold 3 ≥ 3 companies; its C of 4 is published)."""
    _report_folder(tmp_path / "k5", _cells(["A", "B", "C", "D", ALL], [1, 2, 6, 9, 18], [0.1, 0.3, 0.5, 0.7, 0.55]),
                   k=5)
    _report_folder(tmp_path / "k3", _cells(["A", "B", "C", "D", ALL], [1, 2, 4, 9, 16], [0.1, 0.3, 0.5, 0.7, 0.6],
                                           year=2023), k=3)
    assert audit_folders([tmp_path / "k5", tmp_path / "k3"]) == []


def test_sdw_audit_takes_several_report_folders(tmp_path, capsys):
    from pipeline.cli import main

    cells = _cells(["A", "B", "C", "D", ALL], [1, 2, 6, 9, 18], [0.1, 0.3, 0.5, 0.7, 0.55])
    _report_folder(tmp_path / "k5", cells, k=5)
    _report_folder(tmp_path / "k3", cells, k=3)
    assert main(["audit", str(tmp_path / "k5")]) == 0
    assert main(["audit", str(tmp_path / "k5"), str(tmp_path / "k3")]) == 1
    err = capsys.readouterr().err
    assert "finding(s) in" in err and "k5 + " in err


def test_every_report_table_kind_has_a_spec_naming_its_counts():
    for name, spec in SPECS.items():
        assert spec.counts, name
        assert all(isinstance(c, str | list) for c in spec.counts.values()), name


def test_complementary_suppression_per_group_by_hand():
    # k = 5; one group per year, rows labelled from 100 so that labels and positions differ
    rows = [  # year, segment, companies, why hidden before
        (2022, "a", 3, "primary"), (2022, "b", 10, ""), (2022, "c", 20, ""), (2022, ALL, 33, ""),
        (2023, "a", 12, ""), (2023, "b", 15, ""), (2023, ALL, 27, ""),                 # nothing hidden
        (2024, "a", 2, "primary"), (2024, "b", 1, "primary"), (2024, ALL, 3, ""),     # the total gives them back
        (2025, "a", 2, "primary"), (2025, "b", 8, ""), (2025, ALL, 10, "primary"),     # no total to difference
        (2026, "a", 3, "primary"), (2026, "b", 40, ""), (2026, "c", 45, ""), (2026, ALL, 88, ""),
    ]
    table = pd.DataFrame(rows, columns=["year", "segment", "n", "why"], index=range(100, 100 + len(rows)))
    got = complementary_suppression(table, table["why"], table["n"].astype(float), 5, ["year"], ALL)
    assert got.index.tolist() == table.index.tolist()
    assert got.tolist() == [
        "primary", "complementary", "", "",        # 3 hidden: the next smallest (10) pools 13
        "", "", "",
        "primary", "primary", "complementary",     # 3 companies in all: only the total can hide them
        "primary", "", "primary",
        # 3 + 40 pooled leaves the 40 within 3 / 40 < 0.10 of the scale: the 45 is hidden too (3 + 40 ≥ 4.5)
        "primary", "complementary", "complementary", "",
    ]
