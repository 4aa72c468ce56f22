"""Synthetic submissions: they open in both readers, follow the documented layouts, and the ground
truth matches the cells actually written."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from pipeline import catalogs, corporate_number
from pipeline.cli import build_parser
from pipeline.synth import SynthResult, Underway, synthesise
from tests.processes import child_ends_with_parent
from tests.readback import as_text, calamine_grid, csv_grid, member_bytes, openpyxl_values, rc

READABLE = ["ingested", "superseded"]


@pytest.fixture(scope="module")
def power_messy(tmp_path_factory):
    out = tmp_path_factory.mktemp("power") / "2024"
    return synthesise("power", 2024, out, n=40, seed=5, workers=1)


@pytest.fixture(scope="module")
def auto_messy(tmp_path_factory):
    out = tmp_path_factory.mktemp("auto") / "2023"
    return synthesise("auto", 2023, out, n=40, seed=5, workers=2)


def _truth(result):
    return pd.read_csv(result.truth / "files.csv", dtype=str, keep_default_na=False), pd.read_parquet(
        result.truth / "answers.parquet")


@pytest.mark.parametrize("which", ["power_messy", "auto_messy"])
def test_ground_truth_matches_cells_read_back_with_calamine(which, request):
    result = request.getfixturevalue(which)
    files, answers = _truth(result)
    readable = set(files.loc[files["expected_status"].isin(READABLE), "source_path"])
    checked = 0
    for path, group in answers[answers["source_path"].isin(readable)].groupby("source_path"):
        grid = calamine_grid(member_bytes(result.out, path), group["sheet"].iloc[0])
        for cell, written in zip(group["cell"], group["written"], strict=True):
            r, c = rc(cell)
            got = grid[r][c] if r < len(grid) and c < len(grid[r]) else ""
            assert as_text(got) == as_text(written), (path, cell)
            checked += 1
    assert checked >= 30 * 108


def test_ooxml_files_open_in_openpyxl_with_the_same_answers(power_messy):
    files, answers = _truth(power_messy)
    ooxml = files[files["expected_status"].isin(READABLE) & files["kind"].eq("workbook")
                  & ~files["source_path"].str.endswith(".xls")]
    for path in ooxml["source_path"].head(12):
        group = answers[answers["source_path"].eq(path)]
        values = openpyxl_values(member_bytes(power_messy.out, path), group["sheet"].iloc[0], list(group["cell"]))
        assert [as_text(v) for v in values] == [as_text(w) for w in group["written"]]


def test_every_file_on_disk_is_accounted_for_once(power_messy):
    files, _ = _truth(power_messy)
    on_disk = {p.relative_to(power_messy.out).as_posix() for p in power_messy.out.rglob("*") if p.is_file()}
    top_level = {p.split("!")[0] for p in files["source_path"]}
    assert on_disk == top_level
    assert files["source_path"].is_unique
    archives = files[files["kind"].eq("archive")]["source_path"]
    for archive in archives:
        with zipfile.ZipFile(power_messy.out / archive) as zf:
            assert len(zf.infolist()) == files["source_path"].str.startswith(archive + "!").sum()


def test_messy_year_holds_each_kind_of_bad_file(power_messy):
    files, _ = _truth(power_messy)
    reasons = set(files.loc[files["expected_status"].eq("quarantined"), "expected_reason"])
    assert {"corrupt", "encrypted", "empty_checklist", "not_a_workbook", "unknown_template", "wrong_sector",
            "unsafe_path", "archive_bomb"} <= reasons
    superseded = files[files["expected_status"].eq("superseded")]
    assert len(superseded) >= 1
    assert set(superseded["superseded_by"]) <= set(files.loc[files["expected_status"].eq("ingested"), "source_path"])


def test_bad_files_are_really_bad(power_messy):
    files, _ = _truth(power_messy)
    by_reason = files.set_index("source_path")["expected_reason"]
    for path, reason in by_reason.items():
        if reason == "encrypted":
            assert member_bytes(power_messy.out, path)[:4] == b"\xd0\xcf\x11\xe0"  # an OLE container
        if reason == "corrupt":
            with pytest.raises(Exception):  # noqa: B017 - any reader error will do
                openpyxl.load_workbook(io.BytesIO(member_bytes(power_messy.out, path)))
        if reason == "archive_bomb":
            archive, inner = path.split("!")
            info = zipfile.ZipFile(power_messy.out / archive).getinfo(inner)
            assert info.file_size > 100 * info.compress_size
        if reason == "unsafe_path":
            assert ".." in path.split("!")[1]


def test_corporate_numbers_carry_valid_check_digits_unless_planted(power_messy):
    files, _ = _truth(power_messy)
    subs = files[files["kind"].eq("workbook")]
    planted = subs["identity"].eq("name")
    assert subs.loc[~planted, "corporate_number"].map(corporate_number.is_valid).all()
    assert not subs.loc[planted, "corporate_number"].map(corporate_number.is_valid).any()


def test_clean_power_workbook_follows_the_documented_layout(tmp_path):
    result = synthesise("power", 2024, tmp_path / "p", n=3, seed=1, messy=False)
    files, answers = _truth(result)
    assert set(files["expected_status"]) == {"ingested"}
    path = files.loc[files["kind"].eq("workbook"), "source_path"].iloc[0]
    data = member_bytes(result.out, path)
    assert path.endswith(".xlsm")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert b"macroEnabled" in zf.read("[Content_Types].xml")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["表紙", "チェックシート", "可視化結果", "可視化結果(広域機関用)"]
    ws = wb["チェックシート"]
    header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "No.")
    assert list(header) == catalogs.template("power-2024")["checklist"]["columns"]
    assert header[10] == "社内文書参照先等"
    dv = ws.data_validations.dataValidation
    assert dv and "実施している" in dv[0].formula1
    cover = {r[1]: r[2] for r in wb["表紙"].iter_rows(values_only=True) if r[1]}
    assert set(catalogs.template("power-2024")["cover"]["labels"].values()) <= set(cover)
    # the summary sheet's cached values agree with the answers written
    summary = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("可視化結果(広域機関用)").to_python()
    group = answers[answers["source_path"].eq(path)]
    am = group[group["item_id"].str.startswith("ID.AM-")]
    row = next(r for r in summary if str(r[0]).endswith("(ID.AM)"))
    assert row[1:6] == [6, (am["expected"] == "implemented").sum(), (am["expected"] == "partial").sum(),
                        (am["expected"] == "not_implemented").sum(), (am["expected"] == "not_applicable").sum()]


def test_power_items_outside_a_companys_business_pre_filled_not_applicable(tmp_path):
    result = synthesise("power", 2024, tmp_path / "p", n=15, seed=2, messy=False)
    files, answers = _truth(result)
    roster = pd.read_csv(result.truth / "roster.csv", dtype=str)
    retail_only = roster[roster["responded"].eq("True") & roster["business_types"].eq("RETAIL")]
    facility_items = catalogs.power_items().query("applies_to != 'all'")["item_id"]
    assert len(retail_only)
    paths = files[files["corporate_number"].isin(retail_only["corporate_number"])]["source_path"]
    got = answers[answers["source_path"].isin(paths) & answers["item_id"].isin(facility_items)]
    assert len(got) and set(got["written"]) == {"該当しない"}


@pytest.mark.parametrize(("year", "version", "has_plan_column", "vocab"),
                         [(2022, "Ver.2.0", False, {"○", "×", "－"}),
                          (2024, "Ver.2.2", True, {"達成", "未達成", "対象外"}),
                          (2025, "Ver.2.3", True, {"達成", "未達成", "対象外"}),
                          (2027, "Ver.2.3", True, {"達成", "未達成", "対象外"})])
def test_clean_auto_workbook_follows_its_version(tmp_path, year, version, has_plan_column, vocab):
    result = synthesise("auto", year, tmp_path / "a", n=4, seed=1, messy=False)
    files, answers = _truth(result)
    path = files["source_path"].iloc[0]
    wb = openpyxl.load_workbook(io.BytesIO(member_bytes(result.out, path)))
    assert wb.sheetnames == ["表紙", "チェックシート", "集計"]
    rows = list(wb["チェックシート"].iter_rows(values_only=True))
    assert version in rows[0][0]
    assert version in list(wb["表紙"].iter_rows(values_only=True))[0][1]
    assert set(files.loc[files["kind"].eq("workbook"), "template_version"]) == {"auto-v" + version[4:]}
    header = next(r for r in rows if r[0] == "No.")
    assert ("未達成時の対応予定" in header) == has_plan_column
    assert header.index("回答") == 5
    assert set(answers["written"].dropna()) <= vocab
    levels = [r[1] for r in rows[rows.index(header) + 1:] if r[1]]
    assert pd.Series(levels).value_counts().to_dict() == {"Lv2": 74, "Lv1": 50, "Lv3": 29}


def test_export_in_xlsx_cp932_and_utf8_with_bom(tmp_path):
    result = synthesise("auto", 2024, tmp_path / "x", n=30, seed=4, form="export")
    files, answers = _truth(result)
    assert sorted(p.rsplit(".", 1)[1] for p in files["source_path"]) == ["csv", "csv", "xlsx"]
    rows = pd.read_csv(result.truth / "export_rows.csv", dtype=str)
    assert rows["expected_status"].eq("superseded").sum() >= 1
    expected_header = ["受付番号", "会社名", "法人番号", "所属団体", "業種", "従業員数", "目標レベル", "提出日時"]
    for path in files["source_path"]:
        grid = csv_grid(result.out / path) if path.endswith(".csv") else calamine_grid(
            (result.out / path).read_bytes(), "回答一覧")
        assert grid[0][:8] == expected_header and grid[0][8] == "No.1" and grid[0][-1] == "No.153"
        for r in answers[answers["source_path"].eq(path)].sample(200, random_state=0).itertuples():
            i, j = rc(r.cell)
            assert as_text(grid[i][j]) == as_text(r.written)
    assert (result.out / files["source_path"][1]).read_bytes().decode("cp932")  # the second batch is cp932


def test_same_seed_same_truth_and_other_seed_differs(tmp_path):
    a = synthesise("auto", 2024, tmp_path / "a", n=25, seed=11, workers=1)
    b = synthesise("auto", 2024, tmp_path / "b", n=25, seed=11, workers=2)
    c = synthesise("auto", 2024, tmp_path / "c", n=25, seed=12, workers=1)
    for name in ("files.csv", "roster.csv"):
        assert (a.truth / name).read_bytes() == (b.truth / name).read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(a.truth / "answers.parquet"),
                                  pd.read_parquet(b.truth / "answers.parquet"))
    assert (a.truth / "files.csv").read_bytes() != (c.truth / "files.csv").read_bytes()


def test_years_form_a_panel_that_mostly_improves(tmp_path):
    y23 = synthesise("auto", 2023, tmp_path / "23", n=300, seed=3, messy=False, workers=2)
    y24 = synthesise("auto", 2024, tmp_path / "24", n=300, seed=3, messy=False, workers=2)
    f23, a23 = _truth(y23)
    f24, a24 = _truth(y24)
    both = set(f23["corporate_number"]) & set(f24["corporate_number"])
    assert 0.2 * 300 < len(both) < 300  # recurring companies, with entries and exits
    def rate(files, answers):
        joined = answers.merge(files[["source_path", "corporate_number"]], on="source_path")
        joined = joined[joined["corporate_number"].isin(both) & joined["expected"].ne("not_applicable")]
        return joined["expected"].eq("implemented").mean()
    assert rate(f24, a24) > rate(f23, a23)


def test_synth_help_explains_every_option():
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["synth"]
    options = [a for a in sub._actions if a.option_strings and a.dest != "help"]
    assert {a.dest for a in options} >= {"sector", "year", "out", "n", "seed", "form", "clean", "workers"}
    assert all(a.help for a in options)


def test_power_has_no_export_form(tmp_path):
    with pytest.raises(ValueError, match="no consolidated export"):
        synthesise("power", 2024, tmp_path / "p", n=3, form="export")


def test_remembered_formulas_write_the_same_bytes_as_xlsxwriter(monkeypatch):
    """render_xlsxwriter caches xlsxwriter's formula preparation (a speed-up): the file must not change,
    including formulas that xlsxwriter rewrites (newer functions get their _xlfn. prefix)."""
    from xlsxwriter.worksheet import Worksheet

    from pipeline.synth import sheetspec
    from pipeline.synth.sheetspec import Formula, Sheet, Workbook, render_xlsxwriter

    sh = Sheet("集計")
    sh.put(0, 0, 1)
    sh.put(0, 1, Formula("COUNTIFS('回答'!$B$2:$B$9,\"Lv1\")", 3))
    sh.put(1, 1, Formula("=IF(B1-E1=0,0,C1/(B1-E1))", 0.5))
    sh.put(2, 1, Formula("SUM(FILTER(A1:A3,A1:A3>0))+XLOOKUP(1,A1:A3,B1:B3)", 1))
    book = Workbook([sh])
    cached = [render_xlsxwriter(book), render_xlsxwriter(book)]  # the second run hits the cache
    monkeypatch.setattr(sheetspec, "_worksheet_class", lambda: Worksheet)
    assert cached[0] == cached[1] == render_xlsxwriter(book)
    with zipfile.ZipFile(io.BytesIO(cached[1])) as zf:
        assert b"_xlfn._xlws.FILTER(" in zf.read("xl/worksheets/sheet1.xml")


def test_census_truth_holds_every_roster_member_and_the_respondents_answers(auto_messy):
    """census.parquet: every roster member × every item; a respondent's would-be answers are its answers."""
    roster = pd.read_csv(auto_messy.truth / "roster.csv", dtype={"corporate_number": str})
    census = pd.read_parquet(auto_messy.truth / "census.parquet")
    items = census["item_id"].unique()
    assert len(census) == len(roster) * len(items)
    assert set(census["company_id"]) == set(roster["company_id"])
    files, answers = _truth(auto_messy)
    ingested = files[files["expected_status"].eq("ingested") & files["company_id"].ne("-1")]
    one = ingested.iloc[0]
    given = answers[answers["source_path"].eq(one["source_path"])].set_index("item_id")["intended"]
    would = census[census["company_id"].eq(int(one["company_id"]))].set_index("item_id")["intended"]
    assert given.equals(would.loc[given.index])
    # the silent answer too: members who did not answer have answers, drawn like everyone's
    silent = roster.loc[~roster["responded"], "company_id"]
    assert census[census["company_id"].isin(silent)]["intended"].isin(
        ["implemented", "not_implemented", "not_applicable"]).all()


def test_response_rises_mildly_with_maturity_within_a_cell():
    from pipeline.synth.population import with_maturity_response

    # one size band, maturity +1 and −1 (mean 0, sd 1.414): z = ±0.707, propensity 0.6 ± 0.02·0.707 = ±0.0141;
    # the other band's single member has no spread and keeps its propensity
    m = pd.DataFrame({"size_band": ["〜100人", "〜100人", "10,001人〜"], "maturity": [1.0, -1.0, 0.3],
                      "propensity": [0.6, 0.6, 0.9]})
    out = with_maturity_response(m)
    assert out["propensity"].round(4).tolist() == [0.6141, 0.5859, 0.9]
    assert out["cell_propensity"].tolist() == [0.6, 0.6, 0.9]


def _sha256s(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_writes_the_same_bytes(tmp_path):
    """Two syntheses of a year with the same seed (one on one process, one on two workers) write the same
    files byte for byte — openpyxl's workbooks, the encrypted ones and the consolidated export included —
    so two cold demos give their store the same data snapshot id."""
    for run, workers in (("a", 1), ("b", 2)):
        synthesise("power", 2024, tmp_path / run / "power", n=40, seed=5, workers=workers)
        synthesise("auto", 2024, tmp_path / run / "export", n=25, seed=5, form="export", workers=workers)
    first, second = _sha256s(tmp_path / "a"), _sha256s(tmp_path / "b")
    files = pd.read_csv(tmp_path / "a" / "power_truth" / "files.csv", dtype=str, keep_default_na=False)
    assert "encrypted" in set(files["expected_reason"])
    assert "power/" + files.loc[files["expected_reason"].eq("encrypted"), "source_path"].iloc[0].split("!")[0] in first
    assert "export/回答一覧_FY2024_第1回.xlsx" in first
    assert len(first) > 40
    assert first == second


def _core_and_times(package: bytes) -> tuple[str, set[tuple[int, ...]]]:
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        return zf.read("docProps/core.xml").decode(), {info.date_time for info in zf.infolist()}


def test_openpyxl_workbook_is_dated_2024_01_01_not_by_the_clock():
    """openpyxl's save stamps the modified date with the clock; the synthetic files say 2024-01-01 09:00 in
    their properties and in every ZIP entry."""
    from pipeline.synth.sheetspec import Sheet, Workbook, render_openpyxl

    sh = Sheet("表紙")
    sh.put(0, 0, "会社名")
    core, times = _core_and_times(render_openpyxl(Workbook([sh])))
    assert ">2024-01-01T09:00:00Z</dcterms:modified>" in core
    assert ">2024-01-01T09:00:00Z</dcterms:created>" in core
    assert times == {(2024, 1, 1, 9, 0, 0)}


def test_consolidated_export_is_dated_2024_01_01_not_by_the_clock(tmp_path):
    result = synthesise("auto", 2025, tmp_path / "x", n=20, seed=4, form="export")
    core, _ = _core_and_times((result.out / "回答一覧_FY2025_第1回.xlsx").read_bytes())
    assert ">2024-01-01T09:00:00Z</dcterms:created>" in core


def test_encrypting_a_workbook_twice_gives_the_same_bytes_that_open_with_the_password():
    import msoffcrypto

    from pipeline.synth.badfiles import encrypted
    from pipeline.synth.sheetspec import Sheet, Workbook, render_xlsxwriter

    sh = Sheet("表紙")
    sh.put(0, 0, "会社名")
    plain = render_xlsxwriter(Workbook([sh]))
    once, twice = encrypted(plain), encrypted(plain)
    assert once == twice
    opened = msoffcrypto.OfficeFile(io.BytesIO(once))
    opened.load_key(password="secret")
    out = io.BytesIO()
    opened.decrypt(out)
    assert out.getvalue() == plain


XLSM_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


@pytest.mark.parametrize("writer", ["xlsxwriter", "openpyxl"])
def test_macro_enabled_packages_say_so_in_their_content_types(writer):
    """An .xlsm names the macro-enabled workbook type (as Excel saves the template); an .xlsx the plain one."""
    from pipeline.synth.sheetspec import RENDERERS, Sheet, Workbook

    sh = Sheet("チェックシート")
    sh.put(0, 0, "回答")
    for macro, present, absent in ((True, XLSM_MAIN, XLSX_MAIN), (False, XLSX_MAIN, XLSM_MAIN)):
        with zipfile.ZipFile(io.BytesIO(RENDERERS[writer](Workbook([sh]), macro_enabled=macro))) as zf:
            types = zf.read("[Content_Types].xml")
        assert present in types
        assert absent not in types


def test_power_xlsm_files_are_macro_enabled(power_messy):
    files, _ = _truth(power_messy)
    readable = files[files["kind"].eq("workbook") & files["expected_status"].isin(READABLE)
                     & files["source_path"].str.endswith(".xlsm")]
    assert len(readable) >= 30
    for path in readable["source_path"]:
        with zipfile.ZipFile(io.BytesIO(member_bytes(power_messy.out, path))) as zf:
            assert XLSM_MAIN in zf.read("[Content_Types].xml"), path


def test_years_side_by_side_write_the_files_of_one_year_after_another(tmp_path):
    """`sdw demo` synthesises its first sector's years at the same time, each in a process of its own: every file
    (truth included) is the one the years made one after another write, and the results come in the order asked."""
    years = [(2022, 30, "workbooks"), (2023, 28, "workbooks"), (2024, 25, "export")]
    for year, n, form in years:
        synthesise("auto", year, tmp_path / "one" / str(year), n=n, seed=3, form=form)
    got = Underway("auto", [(year, tmp_path / "two" / str(year), n, form) for year, n, form in years], seed=3,
                   side_by_side=True).results()
    assert [r.out.name for r in got] == ["2022", "2023", "2024"]
    assert [r.respondents for r in got] == [30, 28, 25]
    first, second = _sha256s(tmp_path / "one"), _sha256s(tmp_path / "two")
    assert "2024/回答一覧_FY2024_第1回.xlsx" in first and "2022_truth/answers.parquet" in first
    assert len(first) > 60
    assert first == second


def test_a_year_that_fails_side_by_side_is_named(tmp_path):
    """A year that cannot be made fails the call with its sector, year and reason, once the other years ended."""
    with pytest.raises(RuntimeError, match=r"auto FY2019: ValueError: no auto survey before FY\d+"):
        Underway("auto", [(2022, tmp_path / "a", 20, "workbooks"), (2019, tmp_path / "b", 20, "workbooks")],
                 side_by_side=True).results()
    assert (tmp_path / "a_truth" / "answers.parquet").exists()


def _fake_year(seconds_of: Callable[[], float]) -> Callable[..., SynthResult]:
    def fake(sector, year, out, n=None, seed=0, form="workbooks", **kwargs):
        return SynthResult(out, out, 0, n or 0, seconds_of())
    return fake


def test_years_underway_at_a_lower_priority_run_that_many_steps_lower(tmp_path, monkeypatch):
    """`sdw demo` synthesises its later sectors beside the first one's build at the lowest priority (nice 19, the
    most a process may lower itself), one year after another in one process; the caller's priority is its own."""
    from pipeline.synth import run

    monkeypatch.setattr(run, "synthesise", _fake_year(lambda: float(os.getpriority(os.PRIO_PROCESS, 0))))
    here = os.getpriority(os.PRIO_PROCESS, 0)
    years = [(2024, tmp_path / "a", 10, "workbooks"), (2025, tmp_path / "b", 11, "workbooks")]
    got = run.Underway("power", years, lower=19).results()
    assert [(r.out.name, r.respondents, r.seconds) for r in got] == [("a", 10, 19.0), ("b", 11, 19.0)]
    side = run.Underway("power", years, side_by_side=True, lower=2).results()
    assert [r.seconds for r in side] == [float(min(19, here + 2))] * 2
    assert os.getpriority(os.PRIO_PROCESS, 0) == here


def test_stopping_years_underway_ends_their_process_and_its_workers(tmp_path, monkeypatch):
    """A demo whose build fails ends the later sectors' synth it started, the writers that process started too."""
    from pipeline.synth import run

    def forever(sector, year, out, **kwargs):
        worker = subprocess.Popen(["sleep", "300"])
        (tmp_path / "worker").write_text(str(worker.pid))
        worker.wait()

    monkeypatch.setattr(run, "synthesise", forever)
    underway = run.Underway("power", [(2024, tmp_path / "a", 10, "workbooks")], lower=19)
    for _ in range(200):
        if (tmp_path / "worker").exists() and (tmp_path / "worker").read_text():
            break
        time.sleep(0.05)
    worker = int((tmp_path / "worker").read_text())
    underway.stop()
    assert not underway.running[0][1].is_alive()
    for _ in range(100):  # the worker is killed with it (then reaped by whoever adopted it)
        state = Path(f"/proc/{worker}/stat")
        if not state.exists() or state.read_text().split(")")[-1].split()[0] == "Z":
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"the synth's worker {worker} still runs")


def test_an_interrupted_wait_stops_the_years_underway(tmp_path, monkeypatch):
    """Ctrl-C while the demo waits for its synth: the processes (in process groups of their own, which the terminal's
    interrupt does not reach) are ended, not left writing."""
    import signal

    from pipeline.synth import run

    monkeypatch.setattr(run, "synthesise", lambda *args, **kwargs: time.sleep(300))
    underway = run.Underway("auto", [(2022, tmp_path / "a", 10, "workbooks"), (2023, tmp_path / "b", 10, "workbooks")],
                            side_by_side=True)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            underway.results()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert [child.is_alive() for _, child, _ in underway.running] == [False, False]


ORPHAN = """
import os, sys, time
from pathlib import Path
from pipeline.synth import run

def slow(sector, year, out, **kw):
    print(os.getpid(), flush=True)
    time.sleep(120)
    Path(sys.argv[1]).write_text("written after the demo was gone")
    return run.SynthResult(out, out, 0, 0, 0.0)

run.synthesise = slow
run.Underway("power", [(2024, Path(sys.argv[1]).parent, 10, "workbooks")], lower=19).results()
"""


def test_a_synth_process_ends_when_the_demo_is_killed(tmp_path):
    """A demo killed (SIGKILL, or a terminal closed) while its later sector's synth runs in a process group of its
    own: that process ends too, and writes nothing for nobody."""
    script = tmp_path / "demo.py"
    script.write_text(ORPHAN)
    late = tmp_path / "late.txt"
    child_ends_with_parent(script, str(late), what="synth process")
    assert not late.exists()

