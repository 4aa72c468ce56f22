"""End to end on synthetic data: synth → ingest → score reproduces the generator's calibration."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import catalogs
from pipeline.ingest import ingest
from pipeline.scoring import score_store
from pipeline.scoring.segments import response_rates, segment_stats
from pipeline.synth import synthesise


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("cal")
    auto = synthesise("auto", 2023, root / "auto", n=1500, seed=0, form="export", messy=False)
    power = synthesise("power", 2024, root / "power", n=300, seed=0, messy=False, workers=2)
    ingest("auto", 2023, auto.out, root / "s", progress=False)
    ingest("power", 2024, power.out, root / "s", progress=False, roster=power.truth / "roster.csv")
    score_store(root / "s")
    tables = {n: pd.read_parquet(root / "s" / n) for n in ("scores", "respondents", "responses", "roster")}
    return tables, auto


def test_lv2_target_companies_at_90_percent_match_the_published_share(store):
    tables, _ = store
    stats = segment_stats(tables["scores"], tables["respondents"], "target_level", "level", "Lv2", threshold=0.9)
    share = stats.set_index("segment").loc["Lv2", "share_reached"]
    assert 0.32 <= share <= 0.47  # published FY2023: about 40%


def test_large_companies_far_ahead_of_small(store):
    tables, _ = store
    stats = segment_stats(tables["scores"], tables["respondents"], "size_band", "level", "Lv1").set_index("segment")
    assert stats.loc["10,001人〜", "mean"] > 0.93
    assert stats.loc["〜100人", "mean"] < 0.72
    assert stats.loc["10,001人〜", "mean"] - stats.loc["〜100人", "mean"] > 0.25


def test_store_aggregates_equal_the_truth(store):
    tables, auto = store
    truth = pd.read_parquet(auto.truth / "answers.parquet")
    levels = catalogs.auto_items().set_index("item_id")["level"]
    t = truth.assign(level=truth["item_id"].map(levels), ok=truth["expected"].eq("implemented"),
                     applicable=truth["expected"].ne("not_applicable"),
                     row=truth["cell"].str.extract(r"(\d+)$")[0])  # one export row per company
    per = t[t["applicable"]].groupby(["source_path", "row", "level"])["ok"].mean()
    expected_lv2 = per.xs("Lv2", level="level").mean()
    got = tables["scores"].query("framework == 'level' and node_id == 'Lv2'")["score"].mean()
    assert got == pytest.approx(expected_lv2)


def test_power_response_rates_follow_the_published_order(store):
    tables, _ = store
    roster = tables["roster"].query("sector == 'power'")
    rates = response_rates(roster, tables["respondents"].query("sector == 'power'"), "business_types")
    r = rates.set_index("segment")["response_rate"]
    assert r["TD_GENERAL"] > r["RETAIL"] > r["GENERATION"]
    assert rates["multi_counted"].all()


def test_scored_store_passes_the_contract_checker(store, tmp_path_factory):
    import subprocess
    import sys
    from pathlib import Path

    checker = Path(__file__).resolve().parents[2] / "shared" / "tools" / "check_store.py"
    if not checker.exists():
        pytest.skip("../shared/tools/check_store.py not beside this checkout")
    tables, auto = store
    store_dir = auto.out.parent / "s"
    done = subprocess.run([sys.executable, str(checker), str(store_dir)], capture_output=True, text=True)
    assert done.returncode == 0 and "scores" in done.stdout, done.stdout
    assert set(tables["scores"]["framework"]) == {"csf2", "csf11", "cpsf", "level", "star"}
