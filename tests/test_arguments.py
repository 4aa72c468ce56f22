"""Arguments read as clerks write them and refused in one line before any work (pipeline/arguments.py,
pipeline/preconditions.py), through the ``sdw`` entry point: exit status, the one stderr line, and that
no stage ran and no file was written."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from pipeline import cli
from pipeline.arguments import read_span, read_year


@pytest.mark.parametrize("written", ["2024", "FY2024", "fy2024", "2024年度", "R6", "r6", "令和6年度", "令和６年度",
                                     "ＦＹ２０２４", "R06"])
def test_a_fiscal_year_is_read_however_the_office_writes_it(written):
    assert read_year(written) == 2024


def test_eras_count_from_their_first_year():
    assert read_year("令和元年度") == 2019
    assert read_year("H30") == 2018
    assert read_year("平成31年度") == 2019


def test_year_spans_accept_the_same_forms():
    assert read_span("2022-2024") == (2022, 2024)
    assert read_span("FY2022-FY2024") == (2022, 2024)
    assert read_span("R4〜R6") == (2022, 2024)
    assert read_span("2024") == (2024, 2024)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project folder as the current directory. No work may start: a stage other than score and
    report (which check the store once they hold its lock) fails the test, and so does their work
    (scoring, a notebook kernel)."""
    from pipeline import stages

    (tmp_path / "sdw.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SDW_HOME", raising=False)

    def no_work(*args, **kwargs):
        raise AssertionError("work started")

    monkeypatch.setattr(cli, "_run", lambda args: stages.run(args) if args.command in ("score", "report")
                        else no_work())
    monkeypatch.setattr("pipeline.scoring.score_store", no_work)
    monkeypatch.setattr("pipeline.report.run.run_report", no_work)
    return tmp_path


def _files(root: Path) -> dict[str, int]:
    """Every file and its modification time (folders left out: a lock file taken and given back changes theirs)."""
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def _refused(capsys, argv: list[str], root: Path) -> tuple[int, str]:
    before = _files(root)
    try:
        code = cli.main(argv)
    except SystemExit as e:  # argparse's usage errors
        code = e.code
    err = capsys.readouterr().err.splitlines()
    assert _files(root) == before, "a refused command wrote something"
    if err and err[0] == f"sdw: project folder {root.resolve()} (sdw.toml)":
        err = err[1:]  # which project the default folders are in, as every command using them says first
    assert len(err) == 1, err
    return code, err[0]


def test_two_digit_year_is_a_usage_error_with_a_hint(project, capsys):
    (project / "raw").mkdir()
    (project / "raw" / "a.xlsx").write_bytes(b"x")
    code, err = _refused(capsys, ["ingest", "--sector", "auto", "--year", "24", "--raw", "raw"], project)
    assert code == 2
    assert err == ("sdw ingest: argument --year: expected a fiscal year such as 2024, FY2024, 2024年度 or R6, not "
                   "'24': did you mean 2024 (FY2024)? (see sdw ingest --help)")


def test_year_outside_2000_2100_is_a_usage_error(project, capsys):
    code, err = _refused(capsys, ["feedback", "--sector", "auto", "--year", "R90"], project)
    assert code == 2
    assert err == ("sdw feedback: argument --year: expected a fiscal year between 2000 and 2100, not 'R90' "
                   "(read as 2108) (see sdw feedback --help)")


def test_missing_raw_folder_is_refused(project, capsys):
    code, err = _refused(capsys, ["ingest", "--sector", "auto", "--year", "2024", "--raw", "nope"], project)
    assert code == 1
    assert err == "sdw ingest: --raw: folder nope does not exist"


def test_raw_folder_without_files_is_refused(project, capsys):
    (project / "raw" / "sub").mkdir(parents=True)
    code, err = _refused(capsys, ["ingest", "--sector", "power", "--year", "R6", "--raw", "raw"], project)
    assert code == 1
    assert err == "sdw ingest: --raw: folder raw holds no files: expected the submissions (.xlsx, .xlsm, .xls, .zip …)"


def test_raw_given_a_file_is_refused(project, capsys):
    (project / "one.xlsx").write_bytes(b"x")
    code, err = _refused(capsys, ["ingest", "--sector", "auto", "--year", "2024", "--raw", "one.xlsx"], project)
    assert code == 1
    assert err == "sdw ingest: --raw: one.xlsx is a file, expected the folder of submissions it is in"


def test_roster_that_does_not_exist_or_is_empty_is_refused(project, capsys):
    (project / "raw").mkdir()
    (project / "raw" / "a.xlsx").write_bytes(b"x")
    code, err = _refused(capsys, ["ingest", "--sector", "auto", "--year", "2024", "--raw", "raw",
                                  "--roster", "members.csv"], project)
    assert (code, err) == (1, "sdw ingest: --roster: file members.csv does not exist")
    (project / "members.csv").write_bytes(b"")
    code, err = _refused(capsys, ["ingest", "--sector", "auto", "--year", "2024", "--raw", "raw",
                                  "--roster", "members.csv"], project)
    assert (code, err) == (1, "sdw ingest: --roster: file members.csv is empty: expected a header row (法人番号, "
                              "事業者名 …) and a row per member")


def test_roster_that_is_not_a_member_list_is_refused_before_any_file_is_read(project, capsys):
    (project / "raw").mkdir()
    (project / "raw" / "a.xlsx").write_bytes(b"x")
    (project / "members.csv").write_text("会員,備考\nA,1\n", encoding="utf-8")
    code, err = _refused(capsys, ["ingest", "--sector", "auto", "--year", "2024", "--raw", "raw",
                                  "--roster", "members.csv"], project)
    assert (code, err) == (1, "sdw ingest: --roster: roster members.csv: needs a 法人番号 or 事業者名 column "
                              "(found: 会員, 備考)")
    (project / "members.xlsx").write_bytes(b"not a workbook at all")
    code, err = _refused(capsys, ["ingest", "--sector", "auto", "--year", "2024", "--raw", "raw",
                                  "--roster", "members.xlsx"], project)
    assert code == 1
    assert err.startswith("sdw ingest: --roster: roster members.xlsx does not open as a table (.csv or .xlsx): ")


def test_years_that_are_not_a_span_are_a_usage_error(project, capsys):
    code, err = _refused(capsys, ["report", "--sector", "auto", "--years", "2024-2022"], project)
    assert (code, err) == (2, "sdw report: argument --years: expected years like 2022-2024, earliest first, not "
                              "'2024-2022' (see sdw report --help)")
    code, err = _refused(capsys, ["report", "--sector", "auto", "--years", "22-24"], project)
    assert (code, err) == (2, "sdw report: argument --years: expected years like 2022-2024 or 2024, not '22-24': "
                              "did you mean 2022 (FY2022)? (see sdw report --help)")


def test_report_on_an_empty_store_says_what_to_run(project, capsys):
    code, err = _refused(capsys, ["report", "--sector", "auto"], project)
    assert (code, err) == (1, "sdw report: no auto scores in data/processed — run: sdw ingest --sector auto --year "
                              "YYYY --raw DIR, then sdw score")
    code, err = _refused(capsys, ["report", "--sector", "all"], project)
    assert (code, err) == (1, "sdw report: no scores in data/processed — run: sdw ingest --sector SECTOR --year "
                              "YYYY --raw DIR, then sdw score")


def test_feedback_sql_and_audit_on_an_empty_project_say_what_to_run(project, capsys):
    code, err = _refused(capsys, ["feedback", "--sector", "auto", "--year", "令和6年度"], project)
    assert (code, err) == (1, "sdw feedback: --year: no auto FY2024 in data/processed — run: sdw ingest --sector "
                              "auto --year 2024 --raw DIR, then sdw score")
    code, err = _refused(capsys, ["sql", "SELECT 1"], project)
    assert (code, err) == (1, "sdw sql: the store data/processed holds no tables — run: sdw ingest --sector SECTOR "
                              "--year YYYY --raw DIR, then sdw score")
    code, err = _refused(capsys, ["audit", "reports/auto/all"], project)
    assert (code, err) == (1, "sdw audit: report_dir: folder reports/auto/all does not exist — run: sdw report "
                              "--sector SECTOR first (reports are under reports/<sector>/<years>)")


def test_score_on_an_empty_store_says_run_ingest(project, capsys):
    code, err = _refused(capsys, ["score"], project)
    assert (code, err) == (1, "sdw score: nothing ingested in data/processed — run: sdw ingest --sector SECTOR "
                              "--year YYYY --raw DIR")


def _store(root: Path, scored: list[int], respondents: dict[int, list[str]]) -> Path:
    """auto respondents (year → size bands) and scores for the ``scored`` years, written by hand."""
    store = root / "data" / "processed"
    store.mkdir(parents=True)
    rows = [{"sector": "auto", "year": y, "respondent_key": f"{y}{i:028d}", "template_version": "auto-v2.2",
             "size_band": band, "business_types": None}
            for y, bands in respondents.items() for i, band in enumerate(bands)]
    pd.DataFrame(rows).to_parquet(store / "respondents", index=False)
    pd.DataFrame([{"sector": "auto", "year": y, "respondent_key": r["respondent_key"], "framework": "csf2",
                   "node_id": "GV", "score": 0.5, "n_items": 1, "n_applicable": 1}
                  for r in rows for y in [r["year"]] if y in scored]).to_parquet(store / "scores", index=False)
    return store


def test_report_on_an_unscored_year_says_run_score(project, capsys):
    _store(project, scored=[2023], respondents={2023: ["〜100人"], 2024: ["〜100人"]})
    code, err = _refused(capsys, ["report", "--sector", "auto"], project)
    assert (code, err) == (1, "sdw report: auto FY2024 in data/processed: not scored since its last ingest — run: "
                              "sdw score")


def test_report_on_scores_under_other_rules_says_run_score(project, capsys):
    from pipeline.freshness import scoring_code_digest

    store = _store(project, scored=[2023, 2024], respondents={2023: ["〜100人"], 2024: ["〜100人"]})
    (store / "history.json").write_text(json.dumps({"scored": {
        "at": "2026-04-02T10:00:00+00:00", "rules": "other", "code": scoring_code_digest()}}), encoding="utf-8")
    code, err = _refused(capsys, ["report", "--sector", "auto"], project)
    assert (code, err) == (1, "sdw report: auto FY2023 in data/processed: scored under other scoring rules (and 1 "
                              "more) — run: sdw score")


def test_a_comment_in_a_label_file_does_not_ask_for_score_again(project, capsys, monkeypatch):
    """Labels change no score: a project's own report_labels.yaml or columns.yaml, edited after scoring, leaves
    the report free to run; an edited item catalog (levels live there) still asks for sdw score."""
    from pipeline.freshness import rules_digest, scoring_code_digest

    shipped = Path(cli.__file__).resolve().parent / "catalogs"
    own = project / "catalogs"
    own.mkdir()
    for name in ("report_labels.yaml", "columns.yaml", "auto_items.csv"):
        (own / name).write_bytes((shipped / name).read_bytes())
    store = _store(project, scored=[2024], respondents={2024: ["〜100人"]})
    (store / "history.json").write_text(json.dumps({"scored": {
        "at": "2026-04-02T10:00:00+00:00", "rules": rules_digest(), "code": scoring_code_digest(own)}}),
        encoding="utf-8")
    for name in ("report_labels.yaml", "columns.yaml"):
        with open(own / name, "a", encoding="utf-8") as fh:
            fh.write("# 表記を見直した(2026-12)\n")
    ran = []
    done = SimpleNamespace(html=[], figures=[], decks=[], seconds={}, skipped=[], audits=[])
    monkeypatch.setattr("pipeline.report.run.run_report", lambda *args, **kwargs: ran.append("report") or done)
    assert cli.main(["report", "--sector", "auto"]) == 0 and ran == ["report"]  # past the store checks
    capsys.readouterr()
    with open(own / "auto_items.csv", "a", encoding="utf-8") as fh:
        fh.write("\n")
    code, err = _refused(capsys, ["report", "--sector", "auto"], project)
    assert (code, err) == (1, "sdw report: auto FY2024 in data/processed: scoring code or catalogs changed since — "
                              "run: sdw score")


def test_years_outside_the_store_are_refused(project, capsys):
    _store(project, scored=[2022, 2023], respondents={2022: ["〜100人"], 2023: ["〜100人"]})
    code, err = _refused(capsys, ["report", "--sector", "auto", "--years", "2025-2026"], project)
    assert (code, err) == (1, "sdw report: --years: the store holds auto for 2022-2023, nothing in 2025-2026")
    code, err = _refused(capsys, ["report", "--sector", "auto", "--years", "2020-2023"], project)
    assert (code, err) == (1, "sdw report: --years: the store holds auto for 2022-2023; 2020-2023 reaches outside it "
                              "(2020-2021)")


def test_years_with_a_gap_inside_what_the_store_holds_pass(project, capsys, monkeypatch):
    from pipeline.freshness import rules_digest, scoring_code_digest

    store = _store(project, scored=[2022, 2024], respondents={2022: ["〜100人"], 2024: ["〜100人"]})
    (store / "history.json").write_text(json.dumps({"scored": {
        "at": "2026-04-02T10:00:00+00:00", "rules": rules_digest(), "code": scoring_code_digest()}}), encoding="utf-8")
    ran = []
    monkeypatch.setattr(cli, "_run", lambda args: ran.append(args.years) or 0)
    assert cli.main(["report", "--sector", "auto", "--years", "FY2022-FY2024"]) == 0
    assert ran == [(2022, 2024)]


def test_segment_by_an_attribute_the_sector_lacks_is_refused(project, capsys):
    _store(project, scored=[2023], respondents={2023: ["〜100人", "101〜300人"]})
    code, err = _refused(capsys, ["report", "--sector", "auto", "--segment-by", "business_types"], project)
    assert (code, err) == (1, "sdw report: --segment-by: auto respondents have no 'business_types': expected one of "
                              "size_band")


def test_a_year_written_another_way_is_echoed_once_the_checks_pass(project, capsys, monkeypatch):
    (project / "raw").mkdir()
    (project / "raw" / "a.xlsx").write_bytes(b"x")
    seen = {}
    monkeypatch.setattr(cli, "_run", lambda args: seen.update(year=args.year, files=args.raw_files) or 0)
    assert cli.main(["ingest", "--sector", "auto", "--year", "令和６年度", "--raw", "raw"]) == 0
    assert seen == {"year": 2024, "files": 1} and type(seen["year"]) is int
    assert capsys.readouterr().err.splitlines() == [f"sdw: project folder {project.resolve()} (sdw.toml)",
                                                    "sdw: year 令和６年度 read as FY2024"]


def test_help_documents_the_exit_status(capsys):
    with pytest.raises(SystemExit):
        cli.main(["report", "--help"])
    out = capsys.readouterr().out
    assert "exit status:\n  0    done (audit: nothing can be recovered)\n  1    refused: " in out
    assert "  2    usage: an unknown command or option, or a value that cannot be read\n       (e.g. --year 24)" in out
