"""The scoring rules module and the per-item share, on hand-typed answers and expected numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import catalogs
from pipeline.scoring import score_store
from pipeline.scoring.respondent import score_store_tables
from pipeline.scoring.rules import (
    complete_items,
    is_achieved,
    is_applicable,
    item_points,
    load_rules,
    lookup,
    point_table,
)
from pipeline.scoring.statistics import item_shares

POWER_ITEMS = catalogs.power_items()["item_id"]


def power_sheet(key: str, answers: dict[str, str], default: str = "implemented") -> pd.DataFrame:
    return pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": key, "item_id": POWER_ITEMS,
                         "answer": [answers.get(i, default) for i in POWER_ITEMS]})


def test_points_of_every_answer():
    answers = pd.Series(["implemented", "partial", "not_implemented", "unanswered", "unknown", "invalid",
                         "missing", "not_applicable"])
    got = item_points(answers).tolist()
    assert got[:7] == [1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0] and np.isnan(got[7])
    assert is_applicable(answers).tolist() == [True] * 7 + [False]
    assert is_achieved(answers).tolist() == [True] + [False] * 7
    assert point_table()["missing"] == 0.0


def test_item_points_keep_each_rows_place_name_and_a_missing_answer():
    # repeated answers, an empty one and a row index that is not 0…n: each row its own points, in its own place
    answers = pd.Series(["partial", None, "implemented", "partial", "not_applicable"], index=[7, 3, 9, 1, 4],
                        name="answer", dtype="str")
    got = item_points(answers)
    assert got.index.tolist() == [7, 3, 9, 1, 4] and got.name == "answer" and got.dtype == "float64"
    assert got.tolist()[0] == 0.5 and got.tolist()[2:4] == [1.0, 0.5]
    assert np.isnan(got[3]) and np.isnan(got[4])
    assert item_points(pd.Series([], dtype="str")).tolist() == []


def test_lookup_reads_each_row_through_the_table_in_its_place():
    values = pd.Series(["b", "a", None, "b", "z"], index=[4, 3, 2, 1, 0], name="node_id", dtype="str")
    got = lookup(values, {"a": 0.9, "b": 0.5})
    assert got.index.tolist() == [4, 3, 2, 1, 0] and got.name == "node_id" and got.dtype == "float64"
    assert got.tolist()[:2] == [0.5, 0.9] and got.tolist()[3] == 0.5
    assert np.isnan(got[2]) and np.isnan(got[0])  # missing, and a value the table does not have


def test_an_answer_without_a_rule_is_an_error_not_a_zero():
    with pytest.raises(ValueError, match="without a scoring rule"):
        item_points(pd.Series(["implemented", "達成"]))


def test_rules_can_be_overridden_one_point_at_a_time():
    rules = load_rules({"points": {"partial": 0.25}})
    assert rules["points"]["partial"] == 0.25 and rules["points"]["implemented"] == 1.0
    assert item_points(pd.Series(["partial"]), rules).tolist() == [0.25]
    with pytest.raises(ValueError, match="outside"):
        load_rules({"points": {"partial": 2}})


def test_rules_can_be_read_from_another_yaml(tmp_path):
    path = tmp_path / "scoring.yaml"
    path.write_text("points: {implemented: 1, partial: 0.75, not_implemented: 0, unanswered: 0, unknown: 0,\n"
                    "         invalid: 0, missing: 0, not_applicable: null}\n",
                    encoding="utf-8")
    assert item_points(pd.Series(["partial"]), path).tolist() == [0.75]
    assert load_rules(path)["level_threshold"] == 0.9  # not in the file: scoring.yaml's
    path.write_text("points: {implemented: 1}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no point"):
        load_rules(path)


def test_complete_items_adds_the_absent_items_as_missing_once():
    r = power_sheet("a" * 32, {})
    r = r[~r["item_id"].isin(["ID.AM-1", "PR.AC-1"])].assign(source_path="x.xlsx")
    full = complete_items(r, "power")
    assert len(full) == 108
    added = full[full["answer"].eq("missing")]
    assert sorted(added["item_id"]) == ["ID.AM-1", "PR.AC-1"]
    assert added["source_path"].eq("x.xlsx").all() and added["respondent_key"].eq("a" * 32).all()
    assert len(complete_items(full, "power")) == 108


def test_score_store_applies_the_current_rules_without_reingest(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    # a stale ingest-time score column must not matter
    power_sheet("a" * 32, {"ID.AM-1": "partial", "ID.AM-2": "not_applicable"}).assign(score=0.0).to_parquet(
        store / "responses", index=False)
    ours = score_store(store).scores
    node = ours[ours["framework"].eq("csf11") & ours["node_id"].eq("ID.AM")].iloc[0]
    assert node["score"] == pytest.approx(4.5 / 5)  # ID.AM: 6 items, 1 not applicable, 0.5 + 4 × 1
    again = score_store(store, {"points": {"partial": 0.25}}).scores
    node = again[again["framework"].eq("csf11") & again["node_id"].eq("ID.AM")].iloc[0]
    assert node["score"] == pytest.approx(4.25 / 5)
    stored = pd.read_parquet(store / "scores")
    row = stored[stored["framework"].eq("csf11") & stored["node_id"].eq("ID.AM")].iloc[0]
    assert row["score"] == pytest.approx(4.25 / 5)


def test_score_store_scores_and_writes_one_sector_year_at_a_time(tmp_path, monkeypatch):
    """Ten years of both sectors are millions of scores: each sector-year is scored and written before the next
    is read, in the table's order (sector, year, respondent, node), one row group each, and the file reads as
    the whole table."""
    from pipeline.scoring import run

    store = tmp_path / "store"
    store.mkdir()
    a25 = power_sheet("a" * 32, {"ID.AM-1": "partial"}).assign(year=2025)
    b24 = power_sheet("b" * 32, {"ID.AM-1": "not_implemented", "ID.AM-2": "not_applicable"})
    c24 = power_sheet("c" * 32, {})
    auto = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": "d" * 32,
                         "item_id": catalogs.auto_items()["item_id"], "answer": "implemented"})
    # 2025 first: a store's row order is no promise (ingest appends the sector-year it replaces); one row group per
    # sheet, each with a dictionary of its own (the automotive one names another sector)
    pd.concat([a25, auto, c24, b24], ignore_index=True).to_parquet(store / "responses", index=False,
                                                                   row_group_size=len(a25))
    seen = []

    def spy(responses, rules=None):
        seen.append(sorted(set(zip(responses["sector"], responses["year"], strict=True))))
        return score_store_tables(responses, rules)

    monkeypatch.setattr(run, "score_store_tables", spy)
    result = score_store(store)
    assert seen == [[("auto", 2024)], [("power", 2024)], [("power", 2025)]]
    assert result.respondents == {("auto", 2024): 1, ("power", 2024): 2, ("power", 2025): 1}
    f = pq.ParquetFile(store / "scores")
    assert f.metadata.num_row_groups == 3 and result.rows == f.metadata.num_rows
    assert set(f.read_row_group(1, columns=["year"]).column("year").to_pylist()) == {2024}
    scores = pd.read_parquet(store / "scores")
    assert scores[["sector", "year", "respondent_key"]].drop_duplicates().values.tolist() == [
        ["auto", 2024, "d" * 32], ["power", 2024, "b" * 32], ["power", 2024, "c" * 32], ["power", 2025, "a" * 32]]
    id_am = scores[scores["framework"].eq("csf11") & scores["node_id"].eq("ID.AM")]
    # ID.AM has 6 items: b 0 + 4 × 1 over 5 applicable (one not applicable); c 6 of 6; a 0.5 + 5 × 1 over 6
    assert dict(zip(id_am["respondent_key"], id_am["score"], strict=True)) == pytest.approx(
        {"b" * 32: 4 / 5, "c" * 32: 1.0, "a" * 32: 5.5 / 6})


def test_item_shares_counts_every_company_of_the_group():
    a = power_sheet("a" * 32, {"ID.AM-1": "implemented"}).assign(size="S")
    b = power_sheet("b" * 32, {"ID.AM-1": "not_applicable"}).assign(size="S")
    c = power_sheet("c" * 32, {"ID.AM-1": "unanswered"}).assign(size="L")
    d = power_sheet("d" * 32, {}).assign(size="L")
    d = d[d["item_id"].ne("ID.AM-1")]  # a submission without the item: missing
    e = power_sheet("e" * 32, {"ID.AM-1": "partial"}).assign(size="L")
    data = pd.concat([a, b, c, d, e], ignore_index=True)

    got = item_shares(data).set_index("item_id").loc["ID.AM-1"]
    assert got["n_companies"] == 5 and got["n_applicable"] == 4 and got["n_implemented"] == 1
    assert got["share_implemented"] == pytest.approx(1 / 4)
    assert got["n_not_applicable"] == 1 and got["na_share"] == pytest.approx(1 / 5)
    assert got["n_unanswered"] == 1 and got["n_missing"] == 1 and got["n_invalid"] == 0
    assert got["mean_points"] == pytest.approx(1.5 / 4)  # implemented 1 + partial 0.5
    assert 0 < got["ci_low"] < 1 / 4 < got["ci_high"] < 1

    by_size = item_shares(data, by=["size"]).set_index(["size", "item_id"])
    assert by_size.loc[("S", "ID.AM-1"), "n_applicable"] == 1
    assert by_size.loc[("S", "ID.AM-1"), "share_implemented"] == 1.0
    assert by_size.loc[("L", "ID.AM-1"), "n_applicable"] == 3
    assert by_size.loc[("L", "ID.AM-1"), "n_missing"] == 1
    assert by_size.loc[("L", "ID.AM-1"), "share_implemented"] == 0.0
    assert by_size.loc[("S", "ID.AM-2"), "share_implemented"] == 1.0


def test_item_shares_of_an_item_nobody_can_apply_is_nan():
    data = power_sheet("a" * 32, {"ID.AM-1": "not_applicable"})
    got = item_shares(data).set_index("item_id").loc["ID.AM-1"]
    assert got["n_applicable"] == 0 and np.isnan(got["share_implemented"]) and got["na_share"] == 1.0
