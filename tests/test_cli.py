"""The command line contract: commands and options exist, errors are one line with a non-zero status."""

from __future__ import annotations

import subprocess
import sys

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


def test_python_dash_m_pipeline_runs_the_demo():
    done = subprocess.run([sys.executable, "-m", "pipeline", "demo"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "sdw demo" in done.stdout
