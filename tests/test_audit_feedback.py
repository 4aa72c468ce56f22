"""`sdw audit --feedback DIR --store STORE`: the rank replay on a folder of member workbooks, read as their members read
them (docs/method.md, "Ranks beside printed counts"). Expected counts typed by hand. k = 5."""

from __future__ import annotations

import pandas as pd

from pipeline.cli import main
from pipeline.report.feedback_doc import write_feedback
from pipeline.report.published_peers import published_peers
from pipeline.scoring.feedback import ALL_GROUP, feedback_tables
from tests.stores import levels_store


def _store(root):
    """The levels-only store of :func:`tests.stores.levels_store` in ``root/store``."""
    store = root / "store"
    return store, levels_store(store)


def _folder(root, store, people, crafted: bool):
    """The members' files as `sdw feedback` writes them; ``crafted``: the first 0.8 member of 301〜1,000人 compared
    with the whole sector (19 companies) at rank 32 (6 of 19 at or below it) instead of what the rule prints."""
    peers = published_peers(store, "auto", 2024, k=5)
    scores = pd.read_parquet(store / "scores")
    answers = pd.DataFrame(columns=["sector", "year", "respondent_key", "item_id", "answer"])
    per = feedback_tables(scores, people, answers, "auto", 2024, k=5, published=peers.cells, merges=peers.merges,
                          withheld=peers.withheld, counts=peers.counts)
    key = "301〜1,000人-6"
    if crafted:
        head = per[key][0].copy()
        lv1 = head["node_id"].eq("Lv1")
        head.loc[lv1, ["peer_group", "peer_n", "peer_mean", "percentile", "hidden"]] = [ALL_GROUP, 19, 0.9158, 32, ""]
        per[key] = (head, per[key][1])
    names = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": list(per),
                          "company_name": [f"社{i}" for i in range(len(per))], "corporate_number": ""})
    out = root / "feedback" / "auto" / "2024"
    write_feedback(per, names, "auto", 2024, out, k=5)
    return out


def test_the_audit_refuses_a_feedback_folder_whose_rank_counts_two_companies(tmp_path, capsys):
    """The crafted file prints a rank of 32 among 19 at a score of 0.8 below 90 %: 32 · 19 / 100 = 6 companies at or
    below it, so 13 above it; the report prints 11 of 19 at Lv1 90 % or more, so 13 − 11 = 2 companies lie between
    the member and 90 % — two companies, where 0 or at least 5 may be told."""
    store, people = _store(tmp_path)
    folder = _folder(tmp_path, store, people, crafted=True)
    assert main(["audit", "--feedback", str(folder), "--store", str(store)]) == 1
    err = capsys.readouterr()
    assert "level Lv1 (全体): percentile against ≥0.9: 11 counts 2 companies between them" in err.out
    assert "1 finding(s)" in err.err


def test_the_audit_passes_the_files_feedback_writes(tmp_path, capsys):
    store, people = _store(tmp_path)
    folder = _folder(tmp_path, store, people, crafted=False)
    assert main(["audit", "--feedback", str(folder), "--store", str(store)]) == 0
    assert "19 member files, no rank or quartile counts fewer than k" in capsys.readouterr().out


def test_a_folder_that_is_not_a_feedback_folder_is_refused_with_a_message(tmp_path, capsys):
    store, _ = _store(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    assert main(["audit", "--feedback", str(tmp_path / "elsewhere"), "--store", str(store)]) == 1
    assert "is not a feedback folder: `sdw feedback` writes <out>/<sector>/<year>/" in capsys.readouterr().err


def test_a_rank_printed_in_whole_percent_stands_for_every_count_that_prints_so():
    """125 companies, a member at 0.8, its rank printed 74: 92 at or below it (73.6 %) or 93 (74.4 %), so 33 or 32
    above it. With 30 printed at 90 % or more, 3 or 2 lie between the member and 90 %: both too few, a finding (the
    most, 3). With 32 printed, 1 or 0: the rule leaves the true count 0 or at least 5, so a reader learns nothing
    beyond what it allows, and there is no finding."""
    from pipeline.publish.audit_ranks import rank_findings

    row = pd.DataFrame([{"framework": "csf2", "node_id": "GV", "peer_group": "A", "hidden": "", "score": 0.8,
                         "peer_n": 125.0, "percentile": 74.0}])

    def printed(c: int) -> pd.DataFrame:
        return pd.DataFrame([{"framework": "csf2", "node_id": "GV", "segment": "A", "threshold": 0.9, "reached": c}])

    found = rank_findings({"f.xlsx": (row, pd.DataFrame())}, printed(30), k=5, rank_step=0.5)
    assert found[["statistic", "against", "between"]].values.tolist() == [["percentile", "≥0.9: 30", 3]]
    assert rank_findings({"f.xlsx": (row, pd.DataFrame())}, printed(32), k=5, rank_step=0.5).empty
    # read as exact (74 % of 125 = 92.5, rounded to 92), the second would have counted 1
    assert rank_findings({"f.xlsx": (row, pd.DataFrame())}, printed(32), k=5)["between"].tolist() == [1]
