"""``sdw audit --store``: a report written with ``--store`` keeps its full hidden-cell log in that store
(``<store>/audit/<sector>/<folder>``), and the audit must read it there; it read the project's default store and
refused every report written from another (``… disclosure_audit_full.csv is missing``)."""

from __future__ import annotations

import json

import pytest

from pipeline import cli


def _report(project, store):
    """A report folder under the project's reports/ that publishes no table, its published log without counts and
    its full log in ``store``."""
    folder = project / "reports" / "power" / "all"
    (folder / "tables").mkdir(parents=True)
    (folder / "tables.json").write_text(json.dumps({"k": 5, "tables": {}}), encoding="utf-8")
    head = "check,table,cell,reason,count,count_withheld\n"
    (folder / "disclosure_audit.csv").write_text(head, encoding="utf-8")
    full = store / "audit" / "power" / "all"
    full.mkdir(parents=True)
    (full / "disclosure_audit_full.csv").write_text(head, encoding="utf-8")
    return folder


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "sdw.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SDW_HOME", raising=False)
    return tmp_path


def test_audit_reads_the_full_log_from_the_store_given(project, capsys):
    _report(project, project / "elsewhere")
    assert cli.main(["audit", "reports/power/all", "--store", "elsewhere"]) == 0
    assert "no statistic about fewer than k companies can be recovered" in capsys.readouterr().out


def test_without_the_store_the_audit_says_where_the_log_should_be(project, capsys):
    _report(project, project / "elsewhere")
    assert cli.main(["audit", "reports/power/all"]) == 1
    err = capsys.readouterr().err
    assert "data/processed/audit/power/all/disclosure_audit_full.csv is missing" in err and "--store" in err
