"""The respondents of a segment read the same in every table (docs/method.md §11, "Participation is protected like
answers"): one rule (``disclosure.respondent_counts``) decides whether a segment's n is printed, and the score
distribution follows it on a withheld row as the response table does. Numbers typed by hand (k = 5)."""

from __future__ import annotations

import pandas as pd

from pipeline.publish.formats import people_frame
from pipeline.publish.model import PublishedTable
from pipeline.publish.publisher import published_frame
from pipeline.report.tables import SPECS, quantiles


def _distribution(segments: dict[str, list[float]]) -> pd.DataFrame:
    """The headline score distribution of hand-made companies (segment → their scores), as the page publishes it."""
    rows = [(s, f"{s}{i}", v) for s, values in segments.items() for i, v in enumerate(values)]
    scores = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": [r[1] for r in rows],
                           "score": [r[2] for r in rows]})
    respondents = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": [r[1] for r in rows],
                                "size_band": [r[0] for r in rows]})
    q = quantiles(scores, respondents, "size_band", 5)
    return published_frame(q, SPECS["distribution"].keys, SPECS["distribution"].open_counts)


def _page(table: pd.DataFrame) -> dict[str, list[str]]:
    """segment → its respondents and mean as the page prints them."""
    shown = PublishedTable("distribution", "t", table, ["segment", "n", "mean"], spec=SPECS["distribution"])
    return {r[0]: list(r[1:]) for r in people_frame(shown, "ja").itertuples(index=False)}


def test_a_withheld_row_prints_its_respondents():
    # A: 6 companies all at full marks — an exact mean would say that none falls short, so the row is withheld (its
    # mean printed as the band 「90%以上」) — but its 6 respondents are printed, as in the response table; B (20
    # companies) is withheld beside it, so that the total does not give A's mean back, and prints its 20.
    table = _distribution({"A": [1.0] * 6, "B": [0.5 + 0.02 * i for i in range(20)]})
    page = _page(table)
    assert page["A"] == ["6", "90%以上"] and page["B"] == ["20", "x"] and page["全体"][0] == "26"
    assert table.set_index("segment").loc[["A", "B"], "suppressed"].tolist() == ["withheld", "withheld"]


def test_respondents_below_k_read_x_and_a_complement_with_them():
    # C has 3 respondents: x, and A's 6 with them (the smallest other), so that 29 − 20 does not give C's 3 back;
    # B's 20 and the total's 29 are printed.
    page = _page(_distribution({"A": [1.0] * 6, "B": [0.5 + 0.02 * i for i in range(20)], "C": [0.3, 0.4, 0.5]}))
    assert [page[s][0] for s in ("A", "B", "C", "全体")] == ["x", "20", "x", "29"]
