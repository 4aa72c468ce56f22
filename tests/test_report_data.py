"""What a report kernel reads from the store (pipeline/report/data.py): only its sector, years and the
frameworks and columns it asks for — the ten-year store would not fit in memory otherwise."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.report import data as D

KEY_A, KEY_B = "a" * 32, "b" * 32


@pytest.fixture
def store(tmp_path):
    rows = [("power", 2024, KEY_A), ("power", 2025, KEY_A), ("auto", 2024, KEY_B)]
    pd.DataFrame([{"sector": s, "year": y, "respondent_key": k, "framework": f, "node_id": n, "score": 0.5,
                   "n_items": 2, "n_applicable": 2}
                  for s, y, k in rows for f, n in (("csf2", "GV"), ("csf11", "ID"), ("level", "Lv1"))]
                 ).to_parquet(tmp_path / "scores", index=False)
    pd.DataFrame([{"sector": s, "year": y, "respondent_key": k, "template_version": "v"} for s, y, k in rows]
                 ).to_parquet(tmp_path / "respondents", index=False)
    pd.DataFrame([{"sector": s, "year": y, "respondent_key": k, "item_id": "ID.AM-1", "answer_raw": "実施している",
                   "answer": "implemented", "score": 1.0, "source_path": "秘密の会社.xlsx", "sheet": "チェックシート",
                   "cell": "H5"} for s, y, k in rows]).to_parquet(tmp_path / "responses", index=False)
    return tmp_path


def test_a_report_reads_its_sector_and_years_and_no_lineage(store):
    rd = D.load(store, "power", "2025-2025")
    assert rd.years == [2025]
    assert sorted(rd.scores["framework"]) == ["csf11", "csf2", "level"]
    assert set(rd.scores["sector"]) == {"power"}
    # the raw answer, file name, sheet and cell stay on disk
    assert list(rd.responses.columns) == ["sector", "year", "respondent_key", "item_id", "answer"]
    assert rd.responses.values.tolist() == [["power", 2025, KEY_A, "ID.AM-1", "implemented"]]


def test_frameworks_and_responses_can_be_left_unread(store):
    rd = D.load(store, "power", None, frameworks=["csf2", "level"], responses=False)
    assert rd.years == [2024, 2025]
    assert sorted(zip(rd.scores["year"], rd.scores["framework"], strict=True)) == \
        [(2024, "csf2"), (2024, "level"), (2025, "csf2"), (2025, "level")]
    assert rd.responses.empty and list(rd.responses.columns) == ["sector", "year", "respondent_key", "item_id",
                                                                 "answer"]


def test_respondent_keys_are_held_once_each_and_sort_as_text(store):
    """A key repeats on every answer and score of its respondent: held as a category (4 bytes a row), whose
    categories sort as the text does, so a sort or groupby by key orders rows as before."""
    rows = pd.read_parquet(store / "scores")
    rows = rows.assign(respondent_key=rows["respondent_key"].map({KEY_A: "f" * 32, KEY_B: "0" * 32}))
    pd.concat([rows, rows.assign(respondent_key="9" * 32)]).to_parquet(store / "scores", index=False)
    rd = D.load(store, "power", "2024-2025")
    for table in (rd.scores, rd.responses):
        assert isinstance(table["respondent_key"].dtype, pd.CategoricalDtype)
    assert list(rd.scores["respondent_key"].cat.categories) == ["9" * 32, "f" * 32]
    in_order = rd.scores.sort_values("respondent_key")["respondent_key"].astype(str).tolist()
    assert in_order == ["9" * 32] * 6 + ["f" * 32] * 6  # two years × three frameworks each
    assert rd.responses["respondent_key"].astype(str).tolist() == [KEY_A, KEY_A]


def test_years_in_lists_a_sectors_years_within_the_span(store):
    assert D.years_in(store, "power") == [2024, 2025]
    assert D.years_in(store, "power", "2025-2030") == [2025]
    assert D.years_in(store, "auto") == [2024]
    assert D.years_in(store / "nowhere", "auto") == []


def test_a_sector_with_no_scores_says_what_to_run(store):
    with pytest.raises(FileNotFoundError, match="no power scores .* for FY2030–2031: run `sdw ingest` and `sdw score`"):
        D.load(store, "power", "2030-2031")


def test_a_report_of_a_year_ingested_since_the_last_scoring_is_refused(tmp_path):
    """Ingest empties the year's scores; a report would have shown the year with companies and no results."""
    import pytest

    from pipeline.ingest import ingest
    from pipeline.report.run import run_report
    from tests.handmade import write_auto
    from tests.stores import build_store

    store = build_store(tmp_path, [("auto", 2023, "workbooks", 40)])
    write_auto(tmp_path / "raw2024" / "a.xlsx")
    ingest("auto", 2024, tmp_path / "raw2024", store, workers=1, progress=False)
    with pytest.raises(RuntimeError, match=r"^no scores for auto FY2024 \(ingested since the last scoring\): "
                                           r"run `sdw score` first$"):
        run_report("auto", None, store, out=tmp_path / "r", figures=tmp_path / "f")
    with pytest.raises(RuntimeError, match="no scores for auto FY2024"):
        run_report("all", None, store, out=tmp_path / "r", figures=tmp_path / "f")
