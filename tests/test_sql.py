"""``sdw sql``: views named after the store's tables, identities hidden unless asked, results printed or
written, a bad query in one line. The README's example queries run here too, so they cannot rot."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pandas as pd
import pytest

from pipeline import cli
from pipeline.ingest import ingest
from pipeline.scoring import score_store
from pipeline.synth import synthesise

ROOT = Path(__file__).resolve().parents[1]
POWER_N, AUTO_N, POWER_ITEMS = 12, 9, 108  # clean submissions: every company is ingested once


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sql")
    store = root / "store"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SDW_SECRET_KEY", "sql-test")
        for sector, year, n in (("power", 2024, POWER_N), ("auto", 2024, AUTO_N)):
            raw = root / f"{sector}{year}"
            synth = synthesise(sector, year, raw, n=n, seed=5, messy=False, workers=1, progress=False)
            ingest(sector, year, raw, store, progress=False, roster=synth.truth / "roster.csv")
        score_store(store)
    return store


def _sql(store: Path, *args: str) -> int:
    return cli.main(["sql", "--store", str(store), *args])


def test_views_count_what_was_ingested(store, capsys):
    assert _sql(store, "SELECT sector, count(*) AS n FROM respondents GROUP BY sector ORDER BY sector") == 0
    out = capsys.readouterr().out
    assert re.search(rf"auto\s+{AUTO_N}\b", out) and re.search(rf"power\s+{POWER_N}\b", out)
    assert "(2 rows)" in out
    assert _sql(store, "SELECT count(*) AS n FROM responses WHERE sector = 'power'") == 0
    assert str(POWER_N * POWER_ITEMS) in capsys.readouterr().out  # 12 companies × 108 items


def test_every_table_but_identities_is_a_view(store, capsys):
    assert _sql(store, "SELECT table_name FROM information_schema.tables ORDER BY table_name") == 0
    out = capsys.readouterr().out
    for name in ("manifest", "respondents", "responses", "scores", "roster", "quarantine", "weights"):
        assert name in out
    assert "identities" not in out


def test_weights_add_up_to_the_roster_in_sql(store, capsys):
    # every respondent found on the roster carries members ÷ respondents of its cell: per sector, the weights of
    # those on the roster add up to the roster's members (no trimming at these sizes)
    query = ("SELECT w.sector, round(sum(w.weight)) AS weighted, any_value(r.n) AS members FROM weights w "
             "JOIN (SELECT sector, count(*) AS n FROM roster GROUP BY sector) r USING (sector) "
             "WHERE w.on_roster GROUP BY w.sector ORDER BY w.sector")
    assert _sql(store, query) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.strip().startswith(("auto", "power"))]
    assert rows and all(float(weighted) == float(members) for _, weighted, members in rows)


def test_identities_need_the_flag_and_the_error_names_it(store, capsys):
    assert _sql(store, "SELECT count(*) FROM identities") == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--with-identities" in err
    # nor can a name come in through the member list
    assert _sql(store, "SELECT company_name FROM roster") == 1
    assert "--with-identities" in capsys.readouterr().err
    assert _sql(store, "--with-identities", "SELECT count(*) AS n FROM identities") == 0
    assert str(POWER_N + AUTO_N) in capsys.readouterr().out


def test_a_bad_query_fails_with_one_line(store, capsys):
    assert _sql(store, "SELEC 1") == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("sdw sql: ") and "syntax error" in err


def test_out_writes_csv_and_parquet_by_extension(store, tmp_path, capsys):
    query = "SELECT sector, year, respondent_key FROM respondents ORDER BY respondent_key"
    assert _sql(store, query, "--out", str(tmp_path / "keys.csv")) == 0
    assert _sql(store, query, "--out", str(tmp_path / "out" / "keys.parquet")) == 0
    out = capsys.readouterr().out
    assert f"{POWER_N + AUTO_N} rows written to" in out
    csv = pd.read_csv(tmp_path / "keys.csv", encoding="utf-8-sig")
    parquet = pd.read_parquet(tmp_path / "out" / "keys.parquet")
    assert len(csv) == len(parquet) == POWER_N + AUTO_N
    assert list(csv.columns) == list(parquet.columns) == ["sector", "year", "respondent_key"]
    assert _sql(store, query, "--out", str(tmp_path / "keys.xlsx")) == 1
    assert ".csv" in capsys.readouterr().err


def test_a_folder_without_tables_is_named(tmp_path, capsys):
    assert _sql(tmp_path, "SELECT 1") == 1
    assert str(tmp_path) in capsys.readouterr().err


def test_readme_examples_run(store, capsys):
    commands = [line.strip() for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
                if line.strip().startswith('sdw sql "')]
    assert len(commands) >= 3
    for command in commands:
        argv = shlex.split(command)[1:]
        assert cli.main([*argv, "--store", str(store)]) == 0, (command, capsys.readouterr().err)
        assert "rows)" in capsys.readouterr().out
