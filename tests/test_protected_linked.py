"""One protected call for the report and member feedback (docs/method.md §12.4a, §13): the response tables, the
weighting cells merged onto their published rows and the linked tables, made once by
:func:`pipeline.report.protected.linked_tables`, so that feedback's peer values are the report's published cells,
members' estimates included. Numbers typed by hand from the rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.report import protected as P
from pipeline.report import tables as T
from pipeline.report.data import ReportData
from pipeline.report.published_peers import peer_cells
from pipeline.scoring.weights import roster_weights

# size band → (members on the roster, respondents): 301〜1,000人 has 3 members who did not answer (< 5)
BANDS = {"〜100人": (40, 20), "101〜300人": (40, 10), "301〜1,000人": (30, 27), "1,001〜10,000人": (30, 15),
         "10,001人〜": (20, 10)}
FUNCTIONS = ["GV", "ID", "PR", "DE", "RS", "RC"]


def _store() -> ReportData:
    """Company i of a band scores 1.0 on every function when i is even, else 0.25 + 0.05 × (i mod 5): band sums
    of GV 〜100人 13.5 (20 companies), 101〜300人 6.75 (10), 301〜1,000人 18.45 (27), 1,001〜10,000人 10.45 (15),
    10,001人〜 6.75 (10); every band has at least 5 at 1.0 and 5 below 0.9."""
    scores, respondents, roster = [], [], []
    for band, (members, answered) in BANDS.items():
        for i in range(members):
            key = f"{band}-{i}"
            roster.append({"sector": "auto", "year": 2024, "respondent_key": key, "size_band": band})
            if i >= answered:
                continue
            respondents.append({"sector": "auto", "year": 2024, "respondent_key": key, "size_band": band})
            score = 1.0 if i % 2 == 0 else 0.25 + 0.05 * (i % 5)
            scores += [{"sector": "auto", "year": 2024, "respondent_key": key, "framework": "csf2", "node_id": f,
                        "score": score, "n_items": 4, "n_applicable": 4} for f in FUNCTIONS]
    respondents, roster = pd.DataFrame(respondents), pd.DataFrame(roster)
    weights, _ = roster_weights(roster, respondents, ["size_band"], trim_ratio=None)
    answers = pd.DataFrame(columns=["sector", "year", "respondent_key", "item_id", "answer"])
    return ReportData("auto", [2024], pd.DataFrame(scores), respondents, answers, roster, weights=weights)


def test_feedback_peers_members_values_are_the_reports_published_cells():
    """The response table withholds 301〜1,000人 (3 did not answer) and, as its complement, 10,001人〜 (the smallest
    published row); the weighting cells 301〜1,000人 … 10,001人〜 are merged onto the published rows: 80 members over
    52 respondents. The members' GV total is then (2·13.5 + 4·6.75 + 80/52·(18.45 + 10.45 + 6.75)) / 160 = 0.6803,
    published by the report and seen alike by feedback. Without the merge (feedback's old path) it was withheld,
    since the year's response table withholds a row (rule 2)."""
    data = _store()
    rd, merges = data.merge_small_segments("size_band", 5)
    report = P.linked_tables(data, rd, "size_band", merges, "csf2", 5)
    rates = report.responses.set_index("segment")
    assert rates.loc["301〜1,000人", "suppressed"] != "" and rates.loc["10,001人〜", "suppressed"] != ""
    functions = report.functions.set_index(["node_id", "segment"])
    assert functions.loc[("GV", "全体"), "w_mean"] == pytest.approx(0.6803, abs=5e-5)
    peers = peer_cells(data, "size_band", 2024, 5).cells.set_index(["node_id", "segment"])
    assert peers.loc[("GV", "全体"), "w_mean"] == pytest.approx(0.6803, abs=5e-5)  # feedback's own, typed by hand
    for node in FUNCTIONS:
        for segment in [*BANDS, "全体"]:
            cell = functions.loc[(node, segment)]
            assert peers.loc[(node, segment), "mean"] == pytest.approx(cell["mean"], nan_ok=True)
            assert peers.loc[(node, segment), "w_mean"] == pytest.approx(cell["w_mean"], nan_ok=True)
    # the old peer path (the linked tables on the unmerged weights) withheld what the report publishes
    unmerged = T.linked(rd, "size_band", "csf2", 5, "ja")[0].set_index(["node_id", "segment"])
    assert np.isnan(unmerged.loc[("GV", "全体"), "w_mean"])
