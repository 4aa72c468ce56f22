"""Member feedback: one file per company, named by key, with peers, percentile and 偏差値."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.ingest import ingest
from pipeline.scoring import score_store
from pipeline.scoring.feedback import NO_PEERS, feedback_tables, write_feedback
from pipeline.synth import synthesise


def test_feedback_files_per_company(tmp_path):
    raw = tmp_path / "raw"
    synthesise("auto", 2024, raw, n=30, seed=2, messy=False, workers=1)
    ingest("auto", 2024, raw, tmp_path / "s", workers=1, progress=False)
    result = score_store(tmp_path / "s")
    tables = {n: pd.read_parquet(tmp_path / "s" / n) for n in ("respondents", "responses", "identities")}
    per = feedback_tables(result.scores, tables["respondents"], tables["responses"], "auto", 2024, k=5)
    assert len(per) == 30
    key, (headline, weak) = next(iter(per.items()))
    assert set(headline["node_id"]) == {"Lv1", "Lv2", "Lv3", "All"}
    assert headline["percentile"].between(0, 100).all() and headline["deviation"].notna().all()
    small = headline["peer_group"].eq("全体")
    assert (headline.loc[~small, "peer_n"] >= 5).all()
    assert weak["peer_rate"].dropna().is_monotonic_decreasing
    paths = write_feedback(per, tables["identities"], "auto", 2024, tmp_path / "fb")
    assert sorted(p.stem for p in paths) == sorted(per)
    sheets = pd.read_excel(paths[0], sheet_name=None, engine="calamine")
    assert set(sheets) == {"概要", "スコア", "優先して取り組む項目"}
    name = tables["identities"].set_index("respondent_key").loc[paths[0].stem, "company_name"]
    assert name in sheets["概要"]["値"].tolist()


def _peer_case() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Six automotive companies: four of size L, two of size S; hand-typed level scores."""
    keys = {"L1": "L", "L2": "L", "L3": "L", "L4": "L", "S1": "S", "S2": "S"}
    nan = float("nan")
    lv = {"Lv1": [0.9, 0.8, 0.7, 0.6, 0.5, 1.0],   # everyone scored
          "Lv2": [0.4, 0.6, nan, nan, 0.2, 0.8],   # two L companies not assessed
          "Lv3": [1.0, 0.0, nan, nan, nan, nan]}   # two scored in the whole sector
    scores = pd.DataFrame([{"sector": "auto", "year": 2024, "respondent_key": key, "framework": "level",
                            "node_id": node, "score": values[i], "n_items": 1, "n_applicable": 1}
                           for node, values in lv.items() for i, key in enumerate(keys)])
    respondents = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": list(keys),
                                "size_band": list(keys.values())})
    # one answered item each (No.1: L implemented, S not); the other 152 items are missing
    responses = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": list(keys), "item_id": "No.1",
                              "answer": ["implemented"] * 4 + ["not_implemented"] * 2})
    return scores, respondents, responses


def test_peer_groups_count_companies_with_a_score_and_fall_back_below_k():
    scores, respondents, responses = _peer_case()
    per = feedback_tables(scores, respondents, responses, "auto", 2024, k=3, n_weak=3)
    l1 = per["L1"][0].set_index("node_id")
    # Lv1: four L companies scored → their own group
    assert l1.loc["Lv1", "peer_group"] == "L" and l1.loc["Lv1", "peer_n"] == 4
    assert l1.loc["Lv1", "peer_mean"] == pytest.approx(0.75) and l1.loc["Lv1", "percentile"] == 100.0
    # Lv2: only two L companies have a score (< k) → the whole sector-year, four scored
    assert l1.loc["Lv2", "peer_group"] == "全体" and l1.loc["Lv2", "peer_n"] == 4
    assert l1.loc["Lv2", "peer_mean"] == pytest.approx(0.5)
    # Lv3: two scored in the whole sector (< k) → no peer statistic at all
    assert l1.loc["Lv3", "peer_group"] == NO_PEERS
    assert l1.loc["Lv3", ["peer_mean", "peer_n", "percentile", "deviation"]].isna().all()
    s1 = per["S1"][0].set_index("node_id")
    # two S companies (< k) → whole sector: six scored, mean 4.5 / 6, S1 lowest of six
    assert s1.loc["Lv1", "peer_group"] == "全体" and s1.loc["Lv1", "peer_n"] == 6
    assert s1.loc["Lv1", "peer_mean"] == pytest.approx(0.75)
    assert s1.loc["Lv1", "percentile"] == pytest.approx(100 / 6)


def test_weakest_items_use_the_one_item_share_and_hide_it_below_k():
    scores, respondents, responses = _peer_case()
    weak = feedback_tables(scores, respondents, responses, "auto", 2024, k=3, n_weak=3)["S1"][1]
    # No.1: 4 implemented of 6 applicable; every other item missing for all six: 0 of 6
    assert weak["item_id"].tolist() == ["No.1", "No.10", "No.100"]
    assert weak["answer"].tolist() == ["not_implemented", "missing", "missing"]
    assert weak["peer_rate"].tolist() == pytest.approx([4 / 6, 0.0, 0.0])
    hidden = feedback_tables(scores, respondents, responses, "auto", 2024, k=7, n_weak=3)
    assert hidden["S1"][1]["peer_rate"].isna().all()
    assert hidden["S1"][0]["peer_group"].eq(NO_PEERS).all()
