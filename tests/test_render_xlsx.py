"""The people's workbook, its machine copy and the quarantine report, read back as a reader opens them."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pipeline.ingest.quarantine import write_report
from pipeline.publish import formats
from pipeline.publish.model import Provenance, PublishedTable
from pipeline.publish.render_xlsx import write_machine_copy, write_people_workbook
from pipeline.xlsx import display_width, workbook, write_sheet

MODEL = Path(__file__).resolve().parents[1] / "pipeline" / "publish" / "model.py"
BRIEF_COLUMNS = ["sector", "year", "framework", "node_id", "node_name", "segment", "n", "n_scored", "roster_n",
                 "response_rate", "mean", "sd", "share_reached", "ci_low", "ci_high", "na_share", "change",
                 "previous_year", "mean_change", "share_improved", "share_worsened", "n_pairs", "year_from",
                 "year_to", "item_id", "text", "share_from", "share_to", "n_from", "n_to", "p10", "p25", "p50",
                 "p75", "p90", "threshold", "rank", "statistic", "value"]


def level_table(k: int = 5) -> PublishedTable:
    frame = pd.DataFrame({
        "sector": ["power"] * 4, "year": [2024] * 4,
        "segment": ["発電事業者", "送配電事業者", "小売電気事業者", "全体"],
        "n": [35.0, np.nan, 1234.0, 1300.0], "n_scored": [35.0, np.nan, 1230.0, 1296.0],
        "mean": [0.685714, np.nan, 0.5, 0.6], "share_reached": [0.685714, np.nan, np.nan, 0.55],
        "change": [0.052, np.nan, -0.013, 0.0], "suppressed": ["", "primary", "", ""],
        "_n_behind": [35, 3, 1234, 1300],
    })
    return PublishedTable("level_reached", "レベル別の到達率", frame,
                          ["segment", "n", "mean", "share_reached", "change"], note="出典: テスト", k=k)


PROV = Provenance("snap01", "0.1.0+gabc", {"sector": "power", "k": 5}, "2025-06-01")
ABOUT = [("この表について", "電力分野の自己診断の集計"), ("採点", "実施=1、一部実施=0.5")]


@pytest.fixture
def book(tmp_path):
    path = write_people_workbook(tmp_path / "tables.xlsx", [level_table()], ABOUT, PROV, "ja")
    return openpyxl.load_workbook(path)


def test_about_sheet_comes_first_and_explains_tables_and_provenance(book):
    assert book.sheetnames == ["説明", "level_reached"]
    text = [str(c.value) for row in book["説明"].iter_rows() for c in row if c.value is not None]
    assert "電力分野の自己診断の集計" in text
    assert "level_reached" in text and "レベル別の到達率" in text and "出典: テスト" in text
    assert "snap01" in text and "0.1.0+gabc" in text and "k=5" in text
    assert "手法の版" in text and "2026.12 (docs/method.md)" in text  # the method the numbers follow


def test_table_sheet_reads_in_japanese_with_formatted_numbers(book):
    ws = book["level_reached"]
    assert ws["A1"].value == "レベル別の到達率" and ws["A1"].font.b
    assert ws["A2"].value == "出典: テスト"
    assert [c.value for c in ws[4]] == ["区分", "回答事業者数", "平均スコア", "到達率", "比較年度との差"]
    assert ws["A4"].font.b and ws["A4"].fill.fgColor.rgb.endswith("D9D9D9")
    rows = {r[0].value: r for r in ws.iter_rows(min_row=5)}
    share = rows["発電事業者"][3]
    # stored as shown (68.6%), not 0.685714: a reader who copies the cell gets the page's number
    assert share.value == 0.686 and share.data_type == "n" and "0.0%" in share.number_format
    count = rows["小売電気事業者"][1]
    assert count.value == 1234 and count.number_format == "#,##0"
    points = rows["発電事業者"][4]
    assert points.value == 5.2 and "ポイント" in points.number_format
    assert points.number_format.startswith("+0.0")
    negative = rows["小売電気事業者"][4].number_format.split(";")[1]
    assert negative == '"\u2212"0.0"ポイント"'  # −1.3ポイント, a minus sign


def test_hidden_and_not_assessed_cells_read_as_such(book):
    rows = {r[0].value: r for r in book["level_reached"].iter_rows(min_row=5)}
    hidden = rows["送配電事業者"]
    assert [c.value for c in hidden[1:]] == ["x", "x", "x", "x"]  # the count is hidden too
    assert hidden[1].alignment.horizontal == "right"
    assert rows["小売電気事業者"][3].value == "—"
    values = [c.value for row in book["level_reached"].iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.lower() in ("nan", "none") for v in values)


def test_frozen_header_filter_and_fitted_widths(book):
    ws = book["level_reached"]
    assert ws.freeze_panes == "A5"
    assert ws.auto_filter.ref == "A4:E8"
    assert ws.column_dimensions["A"].width >= display_width("小売電気事業者")  # 14: wide characters count 2
    assert all(ws.column_dimensions[c].width and ws.column_dimensions[c].width > 5 for c in "ABCDE")


def test_only_people_columns_appear_and_private_ones_never(book):
    ws = book["level_reached"]
    headers = [c.value for c in ws[4]]
    assert "_n_behind" not in headers and "分野" not in headers and len(headers) == 5


def test_english_headers_and_units(tmp_path):
    path = write_people_workbook(tmp_path / "t.xlsx", [level_table()], ABOUT, PROV, "en")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "About"
    ws = wb["level_reached"]
    assert [c.value for c in ws[4]] == ["Segment", "Respondents", "Mean score", "Share reaching",
                                        "Change since compared year"]
    assert '" pt"' in ws["E5"].number_format
    assert ws["E7"].value == -1.3 and ws["E7"].number_format.split(";")[1] == '"\u2212"0.0" pt"'  # −1.3 pt


def test_written_atomically_leaves_no_temporary_file(tmp_path):
    write_people_workbook(tmp_path / "t.xlsx", [level_table()], ABOUT, PROV, "ja")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx"]


def test_machine_copy_is_full_precision_and_byte_identical(tmp_path):
    first = write_machine_copy(tmp_path / "a", [level_table()])
    second = write_machine_copy(tmp_path / "b", [level_table()])
    assert [p.name for p in first] == ["level_reached.csv"]
    assert first[0].read_bytes() == second[0].read_bytes()
    text = first[0].read_text(encoding="utf-8")
    header = text.splitlines()[0].split(",")
    assert header == ["sector", "year", "segment", "n", "n_scored", "mean", "share_reached", "change",
                      "suppressed"]  # every machine column, the working column _n_behind left out
    assert "0.685714" in text and "\r" not in text
    assert text.splitlines()[1] == "power,2024,発電事業者,35,35,0.685714,0.685714,0.052,"
    back = pd.read_csv(first[0])
    assert back["mean"].iloc[2] == 0.5 and np.isnan(back["mean"].iloc[1])


def test_every_column_the_model_and_brief_name_has_headers_and_a_kind():
    named = set(re.findall(r"``([a-z_]+)``", MODEL.read_text(encoding="utf-8"))) | set(BRIEF_COLUMNS)
    for col in named:
        assert formats.header(col, "ja") != col, col
        assert formats.header(col, "en"), col
        assert formats.kind(col) in formats.KINDS, col
    assert formats.header("mean", "ja") == "平均スコア"
    assert formats.header("ci_low", "ja") == "95%信頼区間(下限)"
    assert formats.header("no_such_column", "ja") == "no_such_column"


def test_people_frame_strings():
    shown = formats.people_frame(level_table(), "ja")
    assert list(shown.columns) == ["区分", "回答事業者数", "平均スコア", "到達率", "比較年度との差"]
    assert shown.iloc[0].tolist() == ["発電事業者", "35", "68.6%", "68.6%", "+5.2ポイント"]
    assert shown.iloc[1].tolist() == ["送配電事業者", "x", "x", "x", "x"]
    assert shown.iloc[2].tolist() == ["小売電気事業者", "1,234", "50.0%", "—", "\u22121.3ポイント"]  # minus sign
    assert formats.people_frame(level_table(k=10), "en").iloc[1, 1] == "x"  # the mark never names k
    assert formats.people_frame(level_table(), "en").iloc[0, 4] == "+5.2 pt"
    assert formats.people_frame(level_table(), "en").iloc[2, 4] == "\u22121.3 pt"  # U+2212, never the hyphen


def test_quarantine_report_has_widths(tmp_path):
    rows = pd.DataFrame({"sector": ["auto", "auto"], "year": [2024, 2024],
                         "source_path": ["a/とても長い名前のファイル.xlsx", "b.xlsx"],
                         "status": ["quarantined", "ingested"], "reason": ["encrypted", "unreadable"],
                         "company_name": ["株式会社テスト", ""], "corporate_number": ["1010001000006", ""],
                         "problem_ja": ["パスワード付き", "判読できない回答"], "action_ja": ["再送", "確認"],
                         "detail": ["", ""]})
    xlsx, _ = write_report(rows, tmp_path)
    ws = openpyxl.load_workbook(xlsx).active
    assert ws.freeze_panes == "A2"
    assert all(ws.column_dimensions[c].width for c in "ABCDEFGHIJ")


def test_write_sheet_fits_widths_when_none_given(tmp_path):
    wb = workbook(tmp_path / "w.xlsx")
    write_sheet(wb, "s", pd.DataFrame({"事業者名": ["株式会社とても長い名前の事業者"], "x": [1]}))
    wb.close()
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["s"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width >= 30  # 15 wide characters count 30
    assert 6 <= ws.column_dimensions["B"].width < 12


def test_no_previous_year_reads_the_same_mark_in_the_workbook_and_the_page(tmp_path):
    """'…' (no previous year) and '—' (not assessed) mean different things: the workbook writes the page's '…'
    where the table has no previous year, and '—' only where a value is not assessed."""
    from pipeline.publish.model import TableSpec

    frame = pd.DataFrame({"sector": ["power"] * 3, "year": [2024, 2025, 2025], "segment": ["全体"] * 3,
                          "node_id": ["GV", "GV", "ID"], "n_scored": [20.0, 22.0, 22.0],
                          "mean": [0.5, 0.6, np.nan], "previous_year": [np.nan, 2024.0, 2024.0],
                          "change": [np.nan, 0.1, np.nan], "suppressed": ["", "", ""]})
    spec = TableSpec(keys=["sector", "year", "node_id"], counts={"mean": "n_scored", "change": "n_scored"},
                     total="全体", changes={"change": ["mean", "previous_year"]})
    table = PublishedTable("functions", "機能別", frame, ["year", "node_id", "mean", "previous_year", "change"],
                           k=5, spec=spec)
    page = formats.people_frame(table, "ja")
    assert page.iloc[0].tolist() == ["2024", "GV", "50.0%", "…", "…"]  # the first year: nothing to compare with
    assert page.iloc[2].tolist() == ["2025", "ID", "—", "2024", "—"]  # not assessed this year
    path = write_people_workbook(tmp_path / "t.xlsx", [table], ABOUT, PROV, "ja")
    ws = openpyxl.load_workbook(path).worksheets[1]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5, max_row=7)]
    assert rows[0][3:] == ["…", "…"]
    assert rows[1][3:] == [2024, 10.0]  # +10.0 ポイント, stored as points × 100
    assert rows[2][2:] == ["—", 2024, "—"]
    about = [c.value for row in openpyxl.load_workbook(path).worksheets[0].iter_rows() for c in row]
    assert "…: 前年度の値がない(比較できない)" in about  # the legend of the mark


def test_every_header_is_read_whole_from_the_catalog():
    """'Mean score (members, estimated)' was read as 'Mean score (members': a comma inside a YAML flow mapping
    ends the value, and the rest became a key of its own."""
    import yaml

    catalog = yaml.safe_load((MODEL.parents[1] / "catalogs" / "columns.yaml").read_text(encoding="utf-8"))
    for column, entry in catalog.items():
        assert set(entry) <= {"ja", "en", "kind", "values", "tables", "slide"}, column
        for own in [entry, *(entry.get("tables") or {}).values()]:
            for lang in ("ja", "en"):
                assert str(own[lang]).count("(") == str(own[lang]).count(")"), (column, own[lang])
        for short in (entry.get("slide") or {}).values():  # a slide's short header, as whole
            assert str(short).count("(") == str(short).count(")"), (column, short)
    assert formats.header("w_mean", "en") == "Mean score (members, estimated)"
    assert formats.header("w_mean", "en", slide=True) == "Mean (members, est.)"
    assert formats.header("w_mean", "ja", slide=True) == "平均スコア(会員推計)"  # no short form: the header


def test_a_column_may_have_a_header_of_its_own_in_one_table():
    """★あとN件以内 headed its share 到達率 (reaching a level); there it is the share ready after fixing at most N."""
    assert formats.header("share_reached", "ja", "star_within") == "あとN件以内で準備完了となる割合"
    assert formats.header("share_reached", "en", "star_within") == "Share ready after fixing at most N"
    assert formats.header("share_reached", "ja", "star_comparable") == "準備完了の割合"
    assert formats.header("share_reached", "ja", "levels") == "到達率"
    assert formats.header("share_reached", "ja") == "到達率"


def _noise_table() -> PublishedTable:
    """Values as float arithmetic leaves them: a weighted count 159.00000000000003, a share 0.1 + 0.2, a change
    0.07 − 0.02 (0.05000000000000001), a whole-percent share 82 × 0.01 (0.8200000000000001)."""
    frame = pd.DataFrame({
        "sector": ["power", "power"], "year": [2024, 2024], "segment": ["発電", "小売"],
        "n": [159.00000000000003, 42.0], "mean": [0.1 + 0.2, 0.7287379972565157],
        "share_reached": [0.8200000000000001, 0.0625], "change": [0.07 - 0.02, -0.013000000000000001],
        "suppressed": ["", ""], "rounded": [True, False]})
    return PublishedTable("distribution", "スコア分布", frame, ["segment", "n", "mean", "share_reached", "change"], k=5)


def test_every_number_is_stored_as_shown_without_float_noise(tmp_path):
    """Each sheet's numbers are rounded once where the workbook is written: 159, 30.0%, 82% (a rounded row's whole
    percent), +5.0 points; 72.9%, 6.2% (as the page prints 0.0625), −1.3 points."""
    path = write_people_workbook(tmp_path / "tables.xlsx", [_noise_table()], ABOUT, PROV, "ja")
    ws = openpyxl.load_workbook(path).worksheets[1]  # after 説明
    rows = {r[0].value: [c.value for c in r[1:]] for r in ws.iter_rows(min_row=5)}
    assert rows["発電"] == [159, 0.3, 0.82, 5.0]
    assert rows["小売"] == [42, 0.729, 0.062, -1.3]
    page = formats.people_frame(_noise_table(), "ja")
    assert page.iloc[1].tolist() == ["小売", "42", "72.9%", "6.2%", "\u22121.3ポイント"]
    for row in ws.iter_rows(min_row=5):
        for cell in row:
            if isinstance(cell.value, float):
                assert len(repr(cell.value)) <= 6, (cell.coordinate, cell.value)  # e.g. 0.729, -1.3


def test_the_machine_copy_keeps_full_precision(tmp_path):
    (path,) = write_machine_copy(tmp_path, [_noise_table()])
    back = pd.read_csv(path)
    assert back.loc[1, "mean"] == 0.7287379972565157 and back.loc[1, "share_reached"] == 0.0625


def test_a_change_from_a_hidden_year_reads_x_not_not_assessed(tmp_path):
    """〜100人 PR: FY2022 hidden, FY2023 published (31.5%): the change cannot be shown, and it is withheld, not
    "not assessed" (—): it reads x on the page and in the workbook; FY2024 (37.2%) changes by +5.7 points."""
    from pipeline.report.tables import with_change

    frame = pd.DataFrame({"sector": "auto", "framework": "csf2", "node_id": "PR", "segment": "〜100人",
                          "year": [2022, 2023, 2024], "n_scored": [np.nan, 139, 130],
                          "mean": [np.nan, 0.315, 0.372], "suppressed": ["split", "", ""]})
    t = with_change(frame, ["sector", "framework", "node_id", "segment"])
    table = PublishedTable("functions", "機能別", t, ["year", "mean", "change"], k=5)
    page = formats.people_frame(table, "ja")
    assert page.iloc[:, 2].tolist() == ["x", "x", "+5.7ポイント"]
    path = write_people_workbook(tmp_path / "t.xlsx", [table], ABOUT, PROV, "ja")
    ws = openpyxl.load_workbook(path).worksheets[1]
    assert [[c.value for c in r] for r in ws.iter_rows(min_row=5)] == [[2022, "x", "x"], [2023, 0.315, "x"],
                                                                       [2024, 0.372, 5.7]]


def test_a_long_note_wraps_within_the_tables_width_and_never_sets_the_page_width(tmp_path):
    """A note of 300 wide characters in A2, unwrapped, printed its table at a fraction of the page (it set the
    printed width). It is merged over the table's five columns (A2:E2), wraps, and its row is tall enough for it."""
    table = level_table()
    table.note = "注" * 300
    ws = openpyxl.load_workbook(write_people_workbook(tmp_path / "t.xlsx", [table], ABOUT, PROV, "ja"))[
        "level_reached"]
    assert "A2:E2" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value == "注" * 300 and ws["A2"].alignment.wrap_text
    assert ws.row_dimensions[2].height > 15  # more than one line


def test_the_distributions_two_changes_are_named_apart():
    """The score distribution carries the respondents' change and the members' estimated change from the same
    compared year: two statistics, one wording, told apart the way their means are (平均スコア / (会員推計))."""
    assert [formats.header(c, "ja", "distribution") for c in ("mean", "change", "w_mean", "w_change")] == [
        "平均スコア", "比較年度との差", "平均スコア(会員推計)", "比較年度との差(会員推計)"]
    assert [formats.header(c, "en", "distribution") for c in ("change", "w_change")] == [
        "Change since compared year", "Change since compared year (members, estimated)"]


def test_a_long_about_paragraph_runs_over_rows_a_printed_page_can_break_between(tmp_path):
    """The English About sheet printed 7 pages for its 33 rows, most of them blank: a rule text of 1,861 characters in
    one row (32 lines, 480 pt) left no room for it on the page before, so the page broke early. A paragraph now runs
    over rows of at most eight lines (120 pt), split between sentences: the label on its first row, the sentences in
    order, none cut."""
    sentence = ("No value is shown that rests on fewer than 5 companies (those with a score for the node or item): it "
                "is withheld and shown as x, with no count. ")
    text = (sentence * 14).strip()  # 14 sentences of 139 characters: 33 lines in the 60-wide column
    path = write_people_workbook(tmp_path / "t.xlsx", [level_table()], [("Disclosure rules", text)], PROV, "en")
    ws = openpyxl.load_workbook(path)["About"]
    rows = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value and str(ws.cell(r, 2).value).startswith("No")]
    assert len(rows) == 5 and rows == list(range(rows[0], rows[0] + 5))  # 33 lines over five rows, one after another
    assert [ws.cell(r, 1).value for r in rows] == ["Disclosure rules", None, None, None, None]
    assert " ".join(ws.cell(r, 2).value for r in rows) == text
    assert all(ws.row_dimensions[r].height <= 8 * 15 for r in rows)
    assert all(str(ws.cell(r, 2).value).endswith("count.") for r in rows)  # split between sentences only
