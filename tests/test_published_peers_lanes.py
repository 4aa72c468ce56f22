"""`sdw feedback`'s setup in two lanes (:func:`pipeline.report.published_peers.peers_underway` with ``lanes``): the
report's function tables completed in a second, spawned process while the ★ tables, bands and levels are made in the
caller's. The peer values a member reads must be the one-lane order's: same cells, same counts in the same order;
a second process that dies makes the setup fail with a message, not wait for ever."""

from __future__ import annotations

import os
import signal

import pandas as pd
import pytest

from pipeline.report import published_peers as peers_module
from pipeline.report.published_peers import LaneDied, peers_underway, published_peers
from tests.stores import levels_store


def _store(tmp_path):
    """The levels-only store of :func:`tests.stores.levels_store` in ``tmp_path``."""
    levels_store(tmp_path)
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


def _function_store(tmp_path):
    """FY2024 automotive, the GV function only: 101〜300人 has 10 companies, 5 at 1.0 and 5 at 0.5; 301〜1,000人 10,
    5 at 1.0 and 5 at 0.3. Every segment has 5 at 90 % or more and 5 below, so the report publishes each GV cell."""
    people, rows = [], []
    for band, gv in (("101〜300人", [1.0] * 5 + [0.5] * 5), ("301〜1,000人", [1.0] * 5 + [0.3] * 5)):
        for i, score in enumerate(gv):
            key = f"{band}-{i}"
            people.append({"sector": "auto", "year": 2024, "respondent_key": key, "size_band": band})
            rows.append((key, score))
    pd.DataFrame(people).to_parquet(tmp_path / "respondents")
    pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [key for key, _ in rows], "framework": "csf2",
                  "node_id": "GV", "score": [score for _, score in rows], "n_items": 10,
                  "n_applicable": 10}).to_parquet(tmp_path / "scores")
    text = pd.Series(dtype="str")
    pd.DataFrame({"sector": text, "year": pd.Series(dtype="int64"), "respondent_key": text, "item_id": text,
                  "answer": text}).to_parquet(tmp_path / "responses")
    return tmp_path


def test_the_second_lane_makes_the_reports_function_cells(tmp_path):
    store = _function_store(tmp_path)
    underway = peers_underway(store, "auto", 2024, k=5, lanes=True)
    assert underway._lane is not None  # the function cells come from the second process
    two = underway.result()
    cells = [(r.node_id, r.segment, r.n, round(r.mean, 4), r.hidden) for r in two.cells.itertuples()]
    # 101〜300人 (5 · 1.0 + 5 · 0.5) / 10 = 0.75; 301〜1,000人 (5 + 1.5) / 10 = 0.65; 全体 (10 + 4) / 20 = 0.70
    assert cells == [("GV", "101〜300人", 10, 0.75, ""), ("GV", "301〜1,000人", 10, 0.65, ""),
                     ("GV", "全体", 20, 0.7, "")]
    counts = [tuple(r) for r in two.counts[["node_id", "segment", "threshold", "reached"]].itertuples(index=False)]
    assert counts == [("GV", "101〜300人", 0.9, 5), ("GV", "301〜1,000人", 0.9, 5), ("GV", "全体", 0.9, 10)]
    one = published_peers(store, "auto", 2024, k=5)
    pd.testing.assert_frame_equal(two.cells, one.cells)
    pd.testing.assert_frame_equal(two.counts, one.counts)


def _killed(store: str, sector: str, year: int, k: int) -> None:
    """A second lane killed as the kernel kills a process out of memory (imported by the spawned process)."""
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_lane_raises_instead_of_waiting(tmp_path, monkeypatch):
    monkeypatch.setattr(peers_module, "_linked_lane", _killed)
    underway = peers_underway(_function_store(tmp_path), "auto", 2024, k=5, lanes=True)
    said = r"ended without a result \(killed by SIGKILL\); out of memory\? Run again with more memory free"
    with pytest.raises(LaneDied, match=said):
        underway.result()
    assert underway._lane is None  # closed


def test_a_closed_lane_leaves_no_process(tmp_path):
    underway = peers_underway(_store(tmp_path), "auto", 2024, k=5, lanes=True)
    lane = underway._lane
    assert lane is not None  # the second lane runs for a ★ sector
    processes = lane.processes
    assert processes
    underway.close()
    for process in processes:
        process.join(timeout=30)
        assert not process.is_alive()
