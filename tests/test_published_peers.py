"""Feedback's peers are read from the store as the report reads it: the levels table's withheld LvN+ cells
reach the member's page (a rank just below 90 % would otherwise count the group's companies short of LvN)."""

from __future__ import annotations

import pandas as pd

from pipeline.report.published_peers import published_peers


def _store(tmp_path):
    """FY2024 automotive: 101〜300人 has 7 companies, 2 of them short of Lv1 (0.8); 301〜1,000人 has 12, 6 short."""
    rows, people = [], []
    groups = [("101〜300人", [1.0] * 5 + [0.8] * 2), ("301〜1,000人", [1.0] * 6 + [0.8] * 6)]
    for band, lv1 in groups:
        for i, score in enumerate(lv1):
            key = f"{band}-{i}"
            people.append({"sector": "auto", "year": 2024, "respondent_key": key, "size_band": band})
            rows.append({"node_id": "Lv1", "score": score, "key": key})
            rows.append({"node_id": "Lv1+", "score": 1.0 if score >= 0.9 else 0.0, "key": key})
    scores = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [r["key"] for r in rows],
                           "framework": "level", "node_id": [r["node_id"] for r in rows],
                           "score": [r["score"] for r in rows], "n_items": 10, "n_applicable": 10})
    pd.DataFrame(people).to_parquet(tmp_path / "respondents")
    scores.to_parquet(tmp_path / "scores")
    return tmp_path


def test_a_level_the_reports_levels_table_withholds_reads_x_for_its_members(tmp_path):
    peers = published_peers(_store(tmp_path), "auto", 2024, k=5)
    # 101〜300人: 2 companies short of Lv1 (fewer than 5 on one side), so its Lv1+ row is withheld and so is the
    # level's peer comparison there; the 301〜1,000人 split (6 / 6) is published on its own
    assert ("Lv1", "101〜300人") in peers.withheld


def test_the_levels_tables_printed_counts_reach_the_member_page_as_cuts(tmp_path):
    peers = published_peers(_store(tmp_path), "auto", 2024, k=5)
    # the total prints 5 + 6 = 11 of 19 at Lv1+: a count of Lv1 shares at 90 % or more. Both segments' rows are
    # withheld (101〜300人 has 2 short of it; 301〜1,000人 with it, as the total less it would give that 2), so no
    # count of theirs is printed
    rows = [tuple(r) for r in peers.counts[["framework", "node_id", "segment", "threshold", "reached"]].itertuples(
        index=False)]
    assert rows == [("level", "Lv1", "全体", 0.9, 11.0)]
