"""On messy synthetic years the store reproduces the generator's ground truth exactly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.ingest import ingest
from pipeline.synth import synthesise


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("rt")
    years = {}
    for sector, year, form in [("power", 2024, "workbooks"), ("auto", 2023, "workbooks"), ("auto", 2024, "export")]:
        out = root / f"{sector}{year}"
        synth = synthesise(sector, year, out, n=60, seed=year, form=form, workers=2)
        result = ingest(sector, year, out, root / "store", workers=2, progress=False)
        years[(sector, year)] = (synth, result)
    return root / "store", years


def _tables(store_dir: Path, sector: str, year: int) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("manifest", "respondents", "responses", "identities"):
        df = pd.read_parquet(store_dir / name)
        out[name] = df[df["sector"].eq(sector) & df["year"].eq(year)]
    return out


@pytest.mark.parametrize("key", [("power", 2024), ("auto", 2023), ("auto", 2024)])
def test_every_file_has_its_expected_fate(store, key):
    store_dir, years = store
    synth, _ = years[key]
    files = pd.read_csv(synth.truth / "files.csv", dtype=str, keep_default_na=False)
    rows = (pd.read_csv(synth.truth / "export_rows.csv", dtype=str, keep_default_na=False)
            .rename(columns={"source_path": "file", "manifest_path": "source_path"})
            if (synth.truth / "export_rows.csv").exists() else pd.DataFrame())
    manifest = _tables(store_dir, *key)["manifest"]
    expected = pd.concat([files[["source_path", "expected_status", "expected_reason"]],
                          rows.assign(expected_reason="")[["source_path", "expected_status", "expected_reason"]]
                          if len(rows) else None])
    got = manifest.set_index("source_path")
    assert set(got.index) == set(expected["source_path"])  # every input exactly once
    assert got.index.is_unique
    for r in expected.itertuples():
        assert got.at[r.source_path, "status"] == r.expected_status, r.source_path
        if r.expected_status == "quarantined":
            assert got.at[r.source_path, "reason"] == r.expected_reason, r.source_path


@pytest.mark.parametrize("key", [("power", 2024), ("auto", 2023), ("auto", 2024)])
def test_every_canonical_answer_and_cell_matches_the_truth(store, key):
    store_dir, years = store
    synth, _ = years[key]
    files = pd.read_csv(synth.truth / "files.csv", dtype=str, keep_default_na=False)
    truth = pd.read_parquet(synth.truth / "answers.parquet")
    ingested = set(files.loc[files["expected_status"].eq("ingested"), "source_path"])
    truth = truth[truth["source_path"].isin(ingested)]
    responses = _tables(store_dir, *key)["responses"]
    joined = truth.merge(responses, on=["source_path", "cell"], how="outer", suffixes=("_truth", ""),
                         indicator=True)
    assert joined["_merge"].eq("both").all()
    assert (joined["item_id_truth"] == joined["item_id"]).all()
    assert (joined["expected"] == joined["answer"]).all()
    assert (joined["sheet_truth"] == joined["sheet"]).all()
    written = joined["written"].where(joined["written"].notna(), None)
    assert (written.fillna("") == joined["answer_raw"].fillna("")).all()  # kept raw, exactly


@pytest.mark.parametrize("key", [("power", 2024), ("auto", 2023)])
def test_counts_add_up_and_identity_follows_the_truth(store, key):
    store_dir, years = store
    synth, result = years[key]
    tables = _tables(store_dir, *key)
    files = pd.read_csv(synth.truth / "files.csv", dtype=str, keep_default_na=False)
    subs = files[files["kind"].eq("workbook")]
    assert len(tables["respondents"]) == subs["expected_status"].eq("ingested").sum()
    assert len(tables["responses"]) == len(tables["respondents"]) * (108 if key[0] == "power" else 153)
    assert result.counts["ingested"] == len(tables["respondents"])
    by_path = tables["respondents"].set_index("source_path")["identity_basis"]
    for r in subs[subs["expected_status"].eq("ingested")].itertuples():
        assert by_path[r.source_path] == r.identity
    ids = tables["identities"].merge(tables["respondents"][["respondent_key", "source_path"]], on="respondent_key")
    truth_numbers = subs.set_index("source_path")["corporate_number"]
    named = ids[ids["identity_basis"].eq("corporate_number")]
    assert (named["corporate_number"].to_numpy() == truth_numbers[named["source_path"]].to_numpy()).all()


def test_store_passes_sdw_check(store):
    store_dir, _ = store
    done = subprocess.run([sys.executable, "-m", "pipeline", "check", "--store", str(store_dir)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith(f"sdw check: {store_dir}: keeps its contract (manifest ")


def test_store_keeps_sectors_and_years_apart(store):
    store_dir, _ = store
    manifest = pd.read_parquet(store_dir / "manifest")
    assert set(map(tuple, manifest[["sector", "year"]].drop_duplicates().to_numpy())) == {
        ("power", 2024), ("auto", 2023), ("auto", 2024)}


def test_panel_companies_keep_their_key_across_years(tmp_path):
    for year in (2023, 2024):
        synthesise("auto", year, tmp_path / str(year), n=80, seed=9, messy=False, workers=1)
        ingest("auto", year, tmp_path / str(year), tmp_path / "store", workers=1, progress=False)
    ids = pd.read_parquet(tmp_path / "store" / "identities")
    per_number = ids.groupby("corporate_number")["respondent_key"].nunique()
    assert (per_number == 1).all()
    assert ids["corporate_number"].duplicated().sum() > 20  # companies present in both years
