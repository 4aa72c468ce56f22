"""Member feedback applies the published report's band and x rule to peer statistics (docs/method.md §12).
Expected values typed by hand."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pipeline.report.feedback_doc import write_feedback
from pipeline.scoring.feedback import feedback_tables, peer_protection


def _group() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Ten 一般送配電 companies. GV: nine at 1.0, one at 0.875 (mean 0.9875; one company below 90 %: the report
    hides the mean as a split and prints 「90%以上」). ID: five at 1.0, five at 0.5 (mean 0.75, five on each side:
    shown exactly)."""
    keys = [f"t{i}" for i in range(10)]
    gv = [1.0] * 9 + [0.875]
    id_ = [1.0] * 5 + [0.5] * 5
    scores = pd.DataFrame([{"sector": "power", "year": 2026, "respondent_key": key, "framework": "csf2",
                            "node_id": node, "score": v, "n_items": 4, "n_applicable": 4}
                           for node, vs in (("GV", gv), ("ID", id_)) for key, v in zip(keys, vs, strict=True)])
    respondents = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": keys,
                                "main_business_type": "TD_GENERAL"})
    responses = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": keys, "item_id": "ID.AM-1",
                              "answer": "implemented"})
    return scores, respondents, responses


def test_the_report_rule_on_one_group():
    # a 0/1 level node splits at 0.5, ★ readiness at 1: 5 of 10 ready and 5 not is shown; 4 ready is not
    assert peer_protection(pd.Series([1.0] * 5 + [0.0] * 5), "level", 5, "Lv2+") == ("", "")
    assert peer_protection(pd.Series([1.0] * 4 + [0.0] * 6), "star", 5, "★3") == ("split", "")
    assert peer_protection(pd.Series([1.0] * 9 + [0.875]), "csf2", 5) == ("split", "high")
    assert peer_protection(pd.Series([1.0] * 5 + [0.5] * 5), "csf2", 5) == ("", "")
    assert peer_protection(pd.Series([0.0] * 9 + [0.5]), "csf2", 5) == ("split", "low")  # mean 0.05, none reach
    assert peer_protection(pd.Series([0.0] * 8 + [0.5] * 2), "csf2", 5) == ("split", "")  # mean 0.10: no band
    assert peer_protection(pd.Series([0.95] * 3 + [0.5] * 7), "csf2", 5) == ("split", "")  # 3 reach: hidden


def test_a_peer_mean_the_report_bands_reads_as_the_band_and_nothing_exact(tmp_path):
    scores, respondents, responses = _group()
    per = feedback_tables(scores, respondents, responses, "power", 2026, k=5)
    gv = per["t0"][0].set_index("node_id").loc["GV"]
    assert gv["hidden"] == "split" and gv["peer_band"] == "high"
    assert pd.isna(gv["peer_mean"]) and pd.isna(gv["percentile"]) and pd.isna(gv["deviation"])
    id_ = per["t0"][0].set_index("node_id").loc["ID"]
    assert id_["hidden"] == "" and id_["peer_mean"] == pytest.approx(0.75)
    # t0 scores highest (1.0): nobody above it, a side of 0 < k, so its rank is withheld; 偏差値 (1 − 0.75) / 0.25 → 60
    assert np.isnan(id_["percentile"]) and id_["deviation"] == pytest.approx(60.0)
    identities = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": list(per),
                               "company_name": [f"送配{i}" for i in range(10)], "corporate_number": ""})
    files = write_feedback(per, identities, "power", 2026, tmp_path, k=5)
    ws = openpyxl.load_workbook(files.workbooks[0])["スコア"]
    heads = [c.value for c in ws[4]]
    rows = {r[0].value: dict(zip(heads, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=5)
            if r[0].value}
    assert rows["GV 統治"]["比較群の平均"] == "90%以上"
    assert rows["GV 統治"]["パーセンタイル順位"] == "x" and rows["GV 統治"]["偏差値"] == "x"
    assert rows["GV 統治"]["比較群の社数"] == "x"
    assert rows["ID 識別"]["比較群の平均"] == pytest.approx(0.75) and rows["ID 識別"]["偏差値"] == 60
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert "0.9875" not in text and "98.8" not in text
