"""The third instrument, IPA「5分でできる！情報セキュリティ自社診断」(sector sme), added as data: its own
4/2/0/−1 scale and bands, its answers' canonical mapping, the CSF 2.0 roll-up of its items through our
mapping, synthetic answers calibrated to IPA's FY2024 SME survey, and its report section."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from pipeline import catalogs
from pipeline.ingest.vocab import canonical_answer
from pipeline.report import style
from pipeline.report.run import run_report
from pipeline.scoring.respondent import instrument_scale, node_scores
from pipeline.scoring.statistics import band_of
from pipeline.synth import answers, population
from tests.stores import build_store

ITEMS = [f"No.{i}" for i in range(1, 26)]


def sheet(answers_: dict[str, str], default: str = "not_implemented", key: str = "a" * 32) -> pd.DataFrame:
    """One company's 25 answers: ``default`` everywhere except ``answers_``."""
    return pd.DataFrame({"sector": "sme", "year": 2024, "respondent_key": key, "item_id": ITEMS,
                         "answer": [answers_.get(i, default) for i in ITEMS]})


def test_sme_is_a_registered_sector_with_25_items_in_ipas_three_parts():
    assert "sme" in catalogs.sectors()
    items = catalogs.sector_items("sme")
    assert items["item_id"].tolist() == ITEMS
    assert items["part"].value_counts().to_dict() == {"P1": 5, "P2": 13, "P3": 7}
    assert items.set_index("item_id").loc["No.6", "part_ja"] == "従業員としての対策"
    assert items.set_index("item_id").loc["No.19", "part_ja"] == "組織としての対策"
    assert set(items["csf2_basis"]) == {"ours"}  # the CSF mapping is ours, flagged as such


def test_twenty_implemented_three_partial_one_not_one_unknown_score_85_in_the_70_to_99_band():
    answered = {i: "implemented" for i in ITEMS[:20]} | {i: "partial" for i in ITEMS[20:23]}
    answered |= {ITEMS[23]: "not_implemented", ITEMS[24]: "unknown"}
    got = instrument_scale(sheet(answered)).iloc[0]
    assert got["points"] == 85  # 4·20 + 2·3 + 0·1 − 1·1
    assert got["max_points"] == 100
    bands = catalogs.scoring_rules()["instrument_points"]["sme"]["bands"]
    assert band_of(pd.Series([85.0]), bands).tolist() == ["b2_70_99"]


@pytest.mark.parametrize(("points", "band"), [(100, "b1_100"), (99, "b2_70_99"), (70, "b2_70_99"), (69, "b3_50_69"),
                                              (50, "b3_50_69"), (49, "b4_49_or_less"), (-25, "b4_49_or_less")])
def test_ipa_bands_edges(points, band):
    bands = catalogs.scoring_rules()["instrument_points"]["sme"]["bands"]
    assert band_of(pd.Series([float(points)]), bands).iloc[0] == band


def test_every_answer_unknown_scores_minus_25():
    assert instrument_scale(sheet({}, default="unknown")).iloc[0]["points"] == -25


@pytest.mark.parametrize(("written", "canonical"), [
    ("実施している", "implemented"), ("一部実施している", "partial"), ("実施していない", "not_implemented"),
    ("わからない", "unknown"), ("\u3000わからない ", "unknown"), ("分からない", "unknown"),
    ("未実施", "not_implemented"),
    ("該当しない", "invalid"),  # the self-check offers no "not applicable": never guessed
    ("", "unanswered"), (None, "unanswered")])
def test_ipa_answers_map_to_the_canonical_vocabulary(written, canonical):
    assert canonical_answer(written, "sme") == canonical


def test_one_item_rolls_up_to_csf2_through_our_mapping():
    # No.3 (passwords) → PR.AA-01; PR.AA also holds No.4 (PR.AA-05), No.14 (PR.AA-03) and No.15–17 (PR.AA-06)
    s = node_scores(sheet({"No.3": "implemented", "No.4": "partial", "No.14": "unknown"}), "sme")
    csf2 = s[s["framework"].eq("csf2")].set_index("node_id")
    assert csf2.loc["PR.AA-01", "score"] == 1.0 and csf2.loc["PR.AA-01", "n_items"] == 1
    assert csf2.loc["PR.AA-05", "score"] == 0.5
    assert csf2.loc["PR.AA-03", "score"] == 0.0  # わからない is never implemented
    assert csf2.loc["PR.AA", "score"] == pytest.approx(1.5 / 6)  # (1 + 0.5 + 0 + 0 + 0 + 0) / 6 items
    assert np.isnan(csf2.loc["ID.AM-01", "score"])  # no item reaches it: not assessed, never 0


def test_synthetic_fy2024_rates_match_ipas_published_rates_within_sampling_error():
    # IPA 2024年度 中小企業における情報セキュリティ対策に関する実態調査 (published 2025-05-27, n = 4,191):
    # 「実施している」+「一部実施している」 for No.1 OS/software current 73.0%, No.2 antivirus 71.4%,
    # No.5 threat sharing 37.9%, No.24 incident readiness 39.8%, No.25 rules shown to staff 39.2%.
    published = {"No.1": 0.730, "No.2": 0.714, "No.5": 0.379, "No.24": 0.398, "No.25": 0.392}
    members = population.universe("sme", 0)
    n = population.default_n("sme", 2024)
    assert n == 4191
    resp = population.respondents(members, 2024, n, 0)
    intended = answers.intended_answers("sme", resp, members, 2024, 0)
    either = intended.isin(["implemented", "partial"]).mean()
    for item, rate in published.items():
        se = np.sqrt(rate * (1 - rate) / n)
        assert abs(either[item] - rate) < 3 * se, (item, either[item], rate)


def test_synthetic_rates_match_every_calibration_row_within_sampling_error():
    """The benchmark behind the calibration CSV: each item's implemented, partial and unknown shares."""
    members = population.universe("sme", 3)
    resp = population.respondents(members, 2024, 4191, 3)
    intended = answers.intended_answers("sme", resp, members, 2024, 3)
    target = answers.calibration("sme")
    misses = []
    for answer in ("implemented", "partial", "unknown"):
        got = intended.eq(answer).mean()
        se = np.sqrt(target[answer] * (1 - target[answer]) / len(resp))
        misses += [(answer, i) for i in ITEMS if abs(got[i] - target.loc[i, answer]) >= 3.5 * se[i]]
    assert misses == []


def test_the_calibration_says_which_rates_are_published():
    cal = catalogs.synth_calibration("sme")
    basis = cal.set_index("item_id")["implemented_or_partial_basis"]
    assert sorted(basis[basis.eq("published")].index) == ["No.1", "No.2", "No.24", "No.25", "No.5"]
    assert basis.drop(["No.1", "No.2", "No.24", "No.25", "No.5"]).eq("assumed").all()


def test_sme_runs_synth_ingest_score_report_with_bands_and_the_25_item_profile(tmp_path):
    store = build_store(tmp_path, [("sme", 2024, "workbooks", 120)])
    manifest = pd.read_parquet(store / "manifest")
    assert manifest["status"].eq("ingested").sum() >= 110
    result = run_report("sme", None, store, out=tmp_path / "reports", figures=tmp_path / "figures")
    figures = {p.stem for p in (tmp_path / "figures" / "sme" / "all").glob("*.png")}
    assert {"score_bands", "item_profile", "weakest_items"} <= figures
    assert not {"level_trend", "star_readiness"} & figures
    html = result.html[0].read_text(encoding="utf-8")
    page = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", html)
    assert "調査票の採点による結果区分" in page and "全項目の実施率" in page
    assert all(f">{i}<" in page for i in ITEMS)  # every item in the profile table
    assert "70〜99点" in page and "100点満点" in page
    assert re.search(r"<li[^>]*>調査票自身の採点による結果区分は [^<]*点(以下)? \d+\.\d%", page)  # in the summary
    assert "Traceback" not in page and "PosixPath" not in page
    every = run_report("all", None, store, out=tmp_path / "all", figures=tmp_path / "all_figures")
    assert [p.parent.parent.name for p in every.html] == ["sme"]  # only what the store holds; no cross-sector page


def test_headline_names_the_published_result_bands_and_says_a_hidden_one_is_hidden():
    from pipeline.publish.model import PublishedTable
    from pipeline.report.headline import headline

    frame = pd.DataFrame({"year": 2024, "segment": ["100点", "70〜99点", "50〜69点", "49点以下", "全体"],
                          "share_band": [None, 0.25, 0.2, 0.52, None], "n": [None, 50, 40, 104, 200],
                          "suppressed": ["hidden", "", "", "", ""]})
    tables = {"bands": PublishedTable("bands", "bands", frame, list(frame.columns))}
    labels = style.labels("ja")
    sentences = [s.text for s in headline(tables, labels, "ja", 2024, "全体", {}, 0, 5,
                                                framework_label="NIST CSF 2.0")]
    # no roster weights behind these tables: the headline says first whom its figures describe
    assert sentences == ["この報告の数値は回答した事業者だけを表します"
                         "(会員名簿による重み付けがなく、会員全体の推計ではありません)。",
                         "調査票自身の採点による結果区分は 100点 x、70〜99点 25.0%、50〜69点 20.0%、49点以下 52.0%。"]
