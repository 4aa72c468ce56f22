"""The command line contract: commands and options exist, errors are one line with a non-zero status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import cli


def test_every_contract_command_is_present():
    parser = cli.build_parser()
    for argv in (["synth", "--sector", "power", "--year", "2024", "--out", "x", "--n", "3", "--seed", "1",
                  "--form", "export"],
                 ["ingest", "--sector", "auto", "--year", "2024", "--raw", "r", "--store", "s"],
                 ["score", "--store", "s"],
                 ["report", "--sector", "all", "--years", "2022-2024", "--store", "s", "--out", "o"],
                 ["demo"]):
        assert parser.parse_args(argv).command == argv[0]


def test_years_option_parses_a_range_and_rejects_nonsense(capsys):
    assert cli.build_parser().parse_args(["report", "--sector", "auto", "--years", "2022-2024"]).years == (2022, 2024)
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["report", "--sector", "auto", "--years", "last"])
    assert "2022-2024" in capsys.readouterr().err


@pytest.mark.slow
def test_python_dash_m_pipeline_runs_the_demo(tmp_path):
    """The demo's outputs, not its time: budgets are checked by benchmarks/, never by a test that a busy
    machine would fail. It runs in a project folder of its own (a pyproject.toml naming sdw), as a user's
    would be: never in this checkout, whose store the user's own `make demo` built under their key."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "sdw"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SDW_HOME"}
    done = subprocess.run([sys.executable, "-m", "pipeline", "demo"], capture_output=True, text=True, cwd=tmp_path,
                          env=env)
    assert done.returncode == 0, done.stderr
    assert "sdw demo" in done.stdout
    assert f"sdw: project folder {tmp_path} (pyproject.toml)" in done.stderr
    reports = [Path(line.strip()) for line in done.stdout.splitlines() if line.strip().endswith(".html")]
    assert {p.parent.parent.name for p in reports} == {"power", "auto", "all"}
    for html in reports:
        assert html.is_relative_to(tmp_path / "reports") and html.exists()
        assert (html.parent / "tables.xlsx").exists() and (html.parent / "disclosure_audit.csv").exists()
    assert list((tmp_path / "figures" / "power").glob("*/*.png"))
    assert (tmp_path / "data" / "processed" / "manifest").exists()
    # the automotive deck is what a newcomer looks for: written, and its path printed
    decks = [Path(line.strip()) for line in done.stdout.splitlines() if line.strip().endswith("deck.pptx")]
    assert any(d.parent.parent.name == "auto" and d.is_file() for d in decks), done.stdout


def _sdw(*args, env=None):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                          env={**os.environ, "SDW_SECRET_KEY": "cli-test", **(env or {})})


def test_ingest_prints_a_summary_and_succeeds_with_quarantined_files(tmp_path):
    from tests.handmade import write_auto

    write_auto(tmp_path / "raw" / "a.xlsx")
    (tmp_path / "raw" / "broken.xlsx").write_bytes(b"PK\x03\x04broken")
    done = _sdw("ingest", "--sector", "auto", "--year", "2024", "--raw", str(tmp_path / "raw"),
                "--store", str(tmp_path / "store"))
    assert done.returncode == 0, done.stderr
    assert "1 ingested, 1 quarantined, 0 superseded" in done.stdout
    assert "quarantine_report.xlsx" in done.stdout


def test_ingest_of_a_missing_folder_fails_with_one_line(tmp_path):
    done = _sdw("ingest", "--sector", "auto", "--year", "2024", "--raw", str(tmp_path / "nope"),
                "--store", str(tmp_path / "store"))
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "does not exist" in done.stderr


def test_counts_in_messages_take_the_noun_in_its_number():
    """'1 member files and 1 PDFs' read as a slip: one takes the singular, any other count the plural."""
    from pipeline.text import counted

    assert f"{counted(1, 'member file')} and {counted(1, 'PDF')}" == "1 member file and 1 PDF"
    assert f"{counted(2, 'member file')} and {counted(0, 'PDF')}" == "2 member files and 0 PDFs"
    assert counted(1200, "report") == "1,200 reports"
