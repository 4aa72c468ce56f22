"""Member feedback: one file per company, named by key, with peers, percentile and 偏差値."""

from __future__ import annotations

import pandas as pd

from pipeline.ingest import ingest
from pipeline.scoring import score_store
from pipeline.scoring.feedback import feedback_tables, write_feedback
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
    assert weak["peer_rate"].is_monotonic_decreasing
    paths = write_feedback(per, tables["identities"], "auto", 2024, tmp_path / "fb")
    assert sorted(p.stem for p in paths) == sorted(per)
    sheets = pd.read_excel(paths[0], sheet_name=None, engine="calamine")
    assert set(sheets) == {"概要", "スコア", "優先して取り組む項目"}
    name = tables["identities"].set_index("respondent_key").loc[paths[0].stem, "company_name"]
    assert name in sheets["概要"]["値"].tolist()
