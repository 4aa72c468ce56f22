"""`sdw feedback`'s setup in two lanes (:func:`pipeline.report.published_peers.peers_underway` with ``lanes``): the
report's function tables completed in a second, spawned process while the ★ tables, bands and levels are made in the
caller's. The peer values a member reads must be the one-lane order's: same cells, same counts in the same order."""

from __future__ import annotations

import pandas as pd

from pipeline.report.published_peers import peers_underway, published_peers


def _store(tmp_path):
    """FY2024 automotive, levels only: 101〜300人 has 7 companies, 2 of them short of Lv1 (0.8); 301〜1,000人 has 12,
    6 short. The report's levels table prints the total's Lv1+ count, 11 of 19, and withholds both segments'."""
    rows, people = [], []
    for band, lv1 in (("101〜300人", [1.0] * 5 + [0.8] * 2), ("301〜1,000人", [1.0] * 6 + [0.8] * 6)):
        for i, score in enumerate(lv1):
            key = f"{band}-{i}"
            people.append({"sector": "auto", "year": 2024, "respondent_key": key, "size_band": band})
            rows += [{"node_id": "Lv1", "score": score, "key": key},
                     {"node_id": "Lv1+", "score": 1.0 if score >= 0.9 else 0.0, "key": key}]
    pd.DataFrame(people).to_parquet(tmp_path / "respondents")
    pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [r["key"] for r in rows], "framework": "level",
                  "node_id": [r["node_id"] for r in rows], "score": [r["score"] for r in rows], "n_items": 10,
                  "n_applicable": 10}).to_parquet(tmp_path / "scores")
    return tmp_path


def test_two_lanes_give_what_one_lane_gives(tmp_path):
    store = _store(tmp_path)
    underway = peers_underway(store, "auto", 2024, k=5, lanes=True)
    # made in this lane, before the other is waited for: 101〜300人's Lv1+ row is withheld (2 short of Lv1)
    assert ("Lv1", "101〜300人") in underway.withheld
    two = underway.result()
    one = published_peers(store, "auto", 2024, k=5)
    rows = [tuple(r) for r in two.counts[["framework", "node_id", "segment", "threshold", "reached"]].itertuples(
        index=False)]
    assert rows == [("level", "Lv1", "全体", 0.9, 11.0)]  # the total's printed Lv1+ count, 11 of 19
    pd.testing.assert_frame_equal(two.counts, one.counts)
    pd.testing.assert_frame_equal(two.cells, one.cells)
    assert two.withheld == one.withheld and two.merges == one.merges


def test_a_closed_lane_leaves_no_process(tmp_path):
    underway = peers_underway(_store(tmp_path), "auto", 2024, k=5, lanes=True)
    pool = underway._pool
    assert pool is not None  # the second lane runs for a ★ sector
    processes = list(pool._pool)
    underway.close()
    for process in processes:
        process.join(timeout=30)
        assert not process.is_alive()
