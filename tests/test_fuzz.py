"""Fuzzing ingest (issue 14, part 7): mutated bytes of valid inputs never crash a run, and every file
still ends in the manifest exactly once, ingested or with a reason. Kept to ~30 s (modest examples)."""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ingest import ingest
from pipeline.ingest import run as run_mod
from tests.handmade import AUTO_HEADER, auto_rows, write_auto

STATUSES = {"ingested", "quarantined", "superseded"}


@cache
def seeds() -> dict[str, bytes]:
    """Valid inputs of each kind, written once: xlsx, xlsm (same bytes, other name), xls, CSV export, ZIP."""
    with tempfile.TemporaryDirectory() as d:
        xlsx = write_auto(Path(d) / "a.xlsx").read_bytes()
        wb = xlwt.Workbook(encoding="utf-8")
        cover = wb.add_sheet("表紙")
        cover.write(0, 0, "会社名")
        cover.write(0, 1, "テスト工業株式会社")
        ws = wb.add_sheet("チェックシート")
        for c, label in enumerate(AUTO_HEADER):
            ws.write(1, c, label)
        for r, row in enumerate(auto_rows(), start=2):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
        buf = io.BytesIO()
        wb.save(buf)
    head = ["受付番号", "会社名", "法人番号", "目標レベル", "提出日時"] + [f"No.{n}" for n in range(1, 154)]
    csv = pd.DataFrame([["R-1", "会社1", "1010001000006", "Lv1", "2024-10-01"] + ["達成"] * 153],
                       columns=head).to_csv(index=False).encode("cp932")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("提出/b.xlsx", xlsx)
        zf.writestr("c.csv", csv)
    return {"a.xlsx": xlsx, "m.xlsm": xlsx, "o.xls": buf.getvalue(), "回答一覧.csv": csv, "z.zip": archive.getvalue()}


def check_run(raw: Path, names: list[str]) -> pd.DataFrame:
    """Ingest ``raw`` as a real run does (worker processes; here one file per chunk and short time limits,
    so a reader that crashes or does not end costs seconds); the run must finish, and list each file (or
    its members) once with a status and reason."""
    store = raw.parent / "store"
    saved = run_mod.CHUNK, run_mod.CHUNK_SECONDS, run_mod.FILE_SECONDS
    run_mod.CHUNK, run_mod.CHUNK_SECONDS, run_mod.FILE_SECONDS = 1, 4.0, 3.0
    try:
        ingest("auto", 2024, raw, store, workers=2, progress=False)
    finally:
        run_mod.CHUNK, run_mod.CHUNK_SECONDS, run_mod.FILE_SECONDS = saved
    m = pd.read_parquet(store / "manifest")
    assert m["source_path"].is_unique
    assert set(m["status"]) <= STATUSES
    assert not (m["status"].eq("quarantined") & m["reason"].eq("")).any()
    for name in names:
        assert (m["source_path"].eq(name) | m["source_path"].str.startswith(name + "!")
                | m["source_path"].str.startswith(name + "#")).any(), name
    return m


def mutate(data: bytes, cut: float | None, flips: list[tuple[float, int]]) -> bytes:
    out = bytearray(data)
    for where, bit in flips:
        k = int(where * (len(out) - 1))
        out[k] ^= 1 << bit
    if cut is not None:
        out = out[: int(cut * len(out))]
    return bytes(out)


mutation = st.tuples(st.one_of(st.none(), st.floats(0, 1)),
                     st.lists(st.tuples(st.floats(0, 1), st.integers(0, 7)), max_size=6))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({name: mutation for name in seeds()}))
def test_mutated_bytes_never_crash_a_run(plan):
    with tempfile.TemporaryDirectory() as d:
        raw = Path(d) / "raw"
        raw.mkdir()
        for name, data in seeds().items():
            cut, flips = plan[name]
            (raw / name).write_bytes(mutate(data, cut, flips))
        check_run(raw, list(seeds()))


def _rezip(data: bytes, change) -> bytes:
    """A workbook's ZIP rewritten with ``change(members)`` applied to its {name: bytes} members (in order)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members = change(members)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return out.getvalue()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_xml_inside_a_workbook_never_crashes_a_run(data):
    xlsx = seeds()["a.xlsx"]
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        parts = sorted(n for n in zf.namelist() if n.endswith(".xml"))
    part = data.draw(st.sampled_from(parts))
    flips = data.draw(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 7)), min_size=1, max_size=8))

    def change(members):
        return {**members, part: mutate(members[part], None, flips)}

    with tempfile.TemporaryDirectory() as d:
        raw = Path(d) / "raw"
        raw.mkdir()
        (raw / "x.xlsx").write_bytes(_rezip(xlsx, change))
        check_run(raw, ["x.xlsx"])


def _absurd_dimension(members):
    return {n: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', b) for n, b in members.items()}


def _far_cell(members):
    sheet = next(n for n in members if n.startswith("xl/worksheets/sheet"))
    body = members[sheet].replace(b"</sheetData>",
                                  b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                                  b"</sheetData>")
    return {**members, sheet: body}


def _shuffled(members):
    return dict(reversed(list(members.items())))


def _no_workbook_part(members):
    return {n: b for n, b in members.items() if n != "xl/workbook.xml"}


@pytest.mark.parametrize("change", [_absurd_dimension, _far_cell, _shuffled, _no_workbook_part])
def test_hostile_workbook_structures(tmp_path, change):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "x.xlsx").write_bytes(_rezip(seeds()["a.xlsx"], change))
    m = check_run(raw, ["x.xlsx"]).set_index("source_path")
    if change is _far_cell:
        assert (m.at["x.xlsx", "status"], m.at["x.xlsx", "reason"]) == ("quarantined", "sheet_too_large")
        assert m.at["x.xlsx", "detail"] == ("xl/worksheets/sheet1.xml has cells as far as row 1,048,576, column 16,384 "
                                            "(17,179,869,184 cells); the limit is 2,000,000 cells per file")
    if change is _no_workbook_part:
        assert (m.at["x.xlsx", "status"], m.at["x.xlsx", "reason"]) == ("quarantined", "corrupt")
    if change is _shuffled:
        assert m.at["x.xlsx", "status"] == "ingested"


@pytest.mark.parametrize(("cells", "detail"), [
    (["AAA7200"], "row 7,200, column 703 (5,061,600 cells)"),  # a three-letter column: counted exactly
    (["J600000"], "row 600,000, column 10 (6,000,000 cells)"),  # a long row number, one-letter column
    (["ZZ999"], None),  # the widest and longest a sheet can be without either: 701,298 cells, read
    # 1,500,000 cells counted exactly in the first sheet, the second reaching ZZ999 (701,298): 2,201,298
    (["J150000", "ZZ999"], "row 999, column 702 (2,201,298 cells in the workbook's sheets)"),
    # the second reaching only ZZ150: its bound (701,298) would not pass, its exact count (105,300) does
    (["J150000", "ZZ150"], None),
])
def test_a_workbook_is_refused_by_the_cells_its_sheets_span_beyond_the_limit(tmp_path, cells, detail):
    """The limit is 2,000,000 cells over a workbook's sheets, each spanning (farthest row × column)."""
    def far(members):
        sheets = sorted(n for n in members if n.startswith("xl/worksheets/sheet"))
        out = dict(members)
        for sheet, cell in zip(sheets, cells, strict=False):
            row = re.sub(r"[A-Z]", "", cell)
            extra = f'<row r="{row}"><c r="{cell}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'.encode()
            out[sheet] = out[sheet].replace(b"</sheetData>", extra)
        return out

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "x.xlsx").write_bytes(_rezip(seeds()["a.xlsx"], far))
    m = check_run(raw, ["x.xlsx"]).set_index("source_path")
    if detail is None:
        assert m.at["x.xlsx", "status"] == "ingested"
    else:
        assert m.at["x.xlsx", "reason"] == "sheet_too_large"
        assert m.at["x.xlsx", "detail"].endswith(f"has cells as far as {detail}; the limit is 2,000,000 cells per file")


def test_deeply_nested_zips_stop_at_the_limit(tmp_path):
    data = seeds()["a.xlsx"]
    name = "a.xlsx"
    for depth in range(6):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(name, data)
        data, name = buf.getvalue(), f"level{depth}.zip"
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "deep.zip").write_bytes(data)
    m = check_run(raw, ["deep.zip"])
    # three archives deep are opened (deep.zip, level4, level3); the fourth is refused unopened
    assert m.loc[m["reason"].eq("archive_too_deep"), "source_path"].tolist() == \
        ["deep.zip!level4.zip!level3.zip!level2.zip"]
    assert len(m) == 4


def test_a_bit_flip_that_makes_an_xls_sheet_of_a_hundred_million_cells_is_stopped(tmp_path):
    """Found by fuzzing: one flipped bit in o.xls gave both sheets 4,146 × 32,771 cells (the reader took
    54 s and gigabytes). Its reader process meets its memory cap (a 4.3 GB allocation) and ends; the file
    is quarantined as read_error; the run goes on."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "fuzz" / "dimension_bitflip.xls", raw / "o.xls")
    (raw / "a.xlsx").write_bytes(seeds()["a.xlsx"])
    m = check_run(raw, ["o.xls", "a.xlsx"]).set_index("source_path")
    assert (m.at["o.xls", "status"], m.at["o.xls", "reason"]) == ("quarantined", "read_error")
    # the reader asks for 4.3 GB at once, past the reader processes' memory cap: stopped there, not after 3 s
    assert m.at["o.xls", "detail"] == ("could not be read: the process reading it stopped (a crash in the reader, "
                                       "or more than 1,024 MB of memory)")
    assert m.at["a.xlsx", "status"] == "ingested"


def test_a_csv_of_absurd_width_is_refused_before_it_is_read(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "wide.csv").write_bytes(b"," * 6_000_000 + b"\n")
    m = check_run(raw, ["wide.csv"]).set_index("source_path")
    assert (m.at["wide.csv", "reason"], m.at["wide.csv", "detail"]) == \
        ("sheet_too_large", "the text has about 6,000,001 cells; the limit is 2,000,000 cells per file")


# --- per-file limits: what one file may cost to read (pipeline/ingest/limits.py) ------------------------------

SHEET = "xl/worksheets/sheet1.xml"  # the cover sheet of seeds()["a.xlsx"]


def _padded(megabytes: int):
    """Blank space after the sheet's data: valid XML that inflates ~1,000× (what a crafted file does)."""
    def change(members):
        return {**members, SHEET: members[SHEET].replace(b"</sheetData>", b"</sheetData>" + b" " * (megabytes << 20))}
    return change


def _blank_rows(members):
    """1,048,576 rows whose one cell holds nothing but a style: a sheet as tall as Excel allows."""
    rows = b"".join(b'<row r="%d"><c r="A%d" s="1"/></row>' % (r, r) for r in range(100, 1_048_577))
    return {**members, SHEET: members[SHEET].replace(b"</sheetData>", rows + b"</sheetData>")}


def _long_text(megabytes: int):
    """One cell holding a text of ``megabytes`` (inflates ~1,000×; the reader would hold it several times)."""
    def change(members):
        cell = b'<row r="90"><c r="A90" t="inlineStr"><is><t>' + b"a" * (megabytes << 20) + b"</t></is></c></row>"
        return {**members, SHEET: members[SHEET].replace(b"</sheetData>", cell + b"</sheetData>")}
    return change


def _many_values(members):
    """700,000 rows of three numbers each: 2.1 million cells the reader would build."""
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="B%d"><v>2</v></c><c r="C%d"><v>3</v></c></row>'
                    % (r, r, r, r) for r in range(100, 700_001))
    return {**members, SHEET: members[SHEET].replace(b"</sheetData>", rows + b"</sheetData>")}


def _far_format(members):
    cell = b'<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    return {**members, SHEET: members[SHEET].replace(b"</sheetData>", cell + b"</sheetData>")}


def _nested(depth: int, where: str):
    """Elements nested ``depth`` deep: in a cell's rich text, or after the sheet's data."""
    def change(members):
        if where == "cell":
            body = (b'<row r="90"><c r="A90" t="inlineStr"><is>' + b"<r>" * depth + b"<t>x</t>" + b"</r>" * depth
                    + b"</is></c></row></sheetData>")
        else:
            body = b"</sheetData>" + b"<x>" * depth + b"</x>" * depth
        return {**members, SHEET: members[SHEET].replace(b"</sheetData>", body)}
    return change


def _nested_part(part: str, depth: int):
    """Elements nested ``depth`` deep before the last closing tag of another part (the workbook's index)."""
    def change(members):
        body = members[part]
        end = body.rfind(b"</")
        return {**members, part: body[:end] + b"<x>" * depth + b"</x>" * depth + body[end:]}
    return change


HOSTILE = {  # file → (status, reason, detail), typed from the limits: 100 MB inflated, 100× past 10 MB, 2,000,000 cells
    "inflates_101mb.xlsx": (_padded(101), "quarantined", "too_large",
                            "the workbook's parts inflate to 101.1 MB (largest xl/worksheets/sheet1.xml, 101.0 MB); "
                            "the limit is 100.0 MB per workbook"),
    "ratio.xlsx": (_long_text(30), "quarantined", "too_large", None),  # ~60 kB → 30.1 MB; the ratio is checked below
    "many_values.xlsx": (_many_values, "quarantined", "sheet_too_large",
                         "xl/worksheets/sheet1.xml has cells as far as row 700,000, column 3 (2,100,000 cells); "
                         "the limit is 2,000,000 cells per file"),
    # formatting only, as a member who styled a column to the last row sends: read, at no cost, not refused
    "blank_rows.xlsx": (_blank_rows, "read", "", ""),
    "far_format.xlsx": (_far_format, "read", "", ""),  # formatting only in XFD1048576: likewise
    # read (one company twice: one of the two is superseded by the other), not refused
    "deep_cell.xlsx": (_nested(200_000, "cell"), "read", "", ""),
    "deep_sheet.xlsx": (_nested(200_000, "sheet"), "read", "", ""),
    "deep_workbook.xlsx": (_nested_part("xl/workbook.xml", 1_000_000), "read", "", ""),
}
GROWTH_MB = 100  # resident memory reading all of HOSTILE may add (measured: 21 MB; without the limits 164 MB)

_MEASURE = """
import json, sys
from pathlib import Path
from pipeline.ingest import ingest
import pandas as pd

def status(field):  # kB, from the kernel's account of this process
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))

ingest("auto", 2024, Path(sys.argv[1]), Path(sys.argv[3]) / "warm", workers=1, progress=False)  # imports, caches
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # VmHWM (peak resident) := resident now
before = status("VmRSS")
ingest("auto", 2024, Path(sys.argv[2]), Path(sys.argv[3]) / "store", workers=1, progress=False)
growth = status("VmHWM") - before
m = pd.read_parquet(Path(sys.argv[3]) / "store" / "manifest")
print(json.dumps({"growth_kb": growth, "rows": m[["source_path", "status", "reason", "detail"]].values.tolist()}))
"""


def test_absurd_dimensions_huge_expansion_and_deep_nesting_end_within_the_limits(tmp_path):
    """Each hostile workbook ends in the manifest with its reason and the limit in the message, and the process
    reading them (a fresh interpreter reading in-process, workers=1) adds less than GROWTH_MB to its peak resident
    memory: the limits are checked before the reader allocates. (Linux: /proc/self/clear_refs resets the peak.)"""
    import json
    import os
    import subprocess
    import sys

    warm, raw = tmp_path / "warm", tmp_path / "raw"
    warm.mkdir()
    raw.mkdir()
    (warm / "a.xlsx").write_bytes(seeds()["a.xlsx"])
    for name, (change, *_rest) in HOSTILE.items():
        (raw / name).write_bytes(_rezip(seeds()["a.xlsx"], change))
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(warm), str(raw), str(tmp_path)], capture_output=True,
                         text=True, check=True, env={**os.environ, "SDW_SECRET_KEY": "test-secret-key"})
    result = json.loads(out.stdout.strip().splitlines()[-1])
    rows = {path: (status, reason, detail) for path, status, reason, detail in result["rows"]}
    assert set(rows) == set(HOSTILE)
    for name, (_change, status, reason, detail) in HOSTILE.items():
        if status == "read":
            assert rows[name][0] in ("ingested", "superseded"), name
            continue
        assert rows[name][:2] == (status, reason), name
        if detail is not None:
            assert rows[name][2] == detail, name
    assert re.match(r"^the workbook's \d+ kB inflate to 30\.1 MB \([\d,]+×\); the limit is 100× past 10\.0 MB$",
                    rows["ratio.xlsx"][2]), rows["ratio.xlsx"][2]
    assert result["growth_kb"] < GROWTH_MB * 1024, f"peak resident memory grew {result['growth_kb'] // 1024} MB"


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=st.integers(1, 1_048_576), col=st.integers(1, 16_384))
def test_a_cell_anywhere_beyond_two_million_cells_is_refused_with_the_limit(row, col):
    """A value typed far away: refused when the sheet it spans (to row × column) passes 2,000,000 cells."""
    from hypothesis import assume

    from pipeline.a1_notation import column_letters

    assume(row * col > 2_000_000)
    ref = f"{column_letters(col - 1)}{row}".encode()

    def far(members):
        cell = b'<row r="%d"><c r="%s" t="inlineStr"><is><t>x</t></is></c></row>' % (row, ref)
        return {**members, SHEET: members[SHEET].replace(b"</sheetData>", cell + b"</sheetData>")}

    with tempfile.TemporaryDirectory() as d:
        raw = Path(d) / "raw"
        raw.mkdir()
        (raw / "x.xlsx").write_bytes(_rezip(seeds()["a.xlsx"], far))
        m = check_run(raw, ["x.xlsx"]).set_index("source_path")
    assert (m.at["x.xlsx", "status"], m.at["x.xlsx", "reason"]) == ("quarantined", "sheet_too_large")
    assert m.at["x.xlsx", "detail"].endswith("; the limit is 2,000,000 cells per file")
    # the cover's own cells reach column C (3) and row ~10; a far cell needs row ≥ 123 to pass the limit
    assert f"as far as row {row:,}, column {max(col, 3):,}" in m.at["x.xlsx", "detail"]


def test_a_file_larger_than_any_submission_is_refused_unread(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    with open(raw / "big.xlsx", "wb") as fh:  # sparse: 101 MB on paper, nothing on disk
        fh.truncate(101 * 1024 * 1024)
    (raw / "a.xlsx").write_bytes(seeds()["a.xlsx"])
    m = check_run(raw, ["big.xlsx", "a.xlsx"]).set_index("source_path")
    assert (m.at["big.xlsx", "status"], m.at["big.xlsx", "reason"], m.at["big.xlsx", "detail"]) == \
        ("quarantined", "too_large", "the file is 101.0 MB; the limit is 100.0 MB per file")
    assert m.at["a.xlsx", "status"] == "ingested"


# --- what an outside review slipped past the limits (issue 14, item 7) -----------------------------------------

FAR_ROW = b'<row r="300000"><c r="CV300000" t="inlineStr"><is><t>x</t></is></c></row>'  # CV = column 100


def _add(cells: bytes):
    def change(members):
        return {**members, SHEET: members[SHEET].replace(b"</sheetData>", cells + b"</sheetData>")}
    return change


def _moved_sheet(members):
    """The far cell in a sheet part outside xl/worksheets/, which the workbook's relationships point to."""
    members = dict(members)
    members["xl/other/sheet1.xml"] = members.pop(SHEET).replace(b"</sheetData>", FAR_ROW + b"</sheetData>")
    rels = "xl/_rels/workbook.xml.rels"
    members[rels] = members[rels].replace(b"worksheets/sheet1.xml", b"other/sheet1.xml")
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(b"/xl/worksheets/sheet1.xml",
                                                                            b"/xl/other/sheet1.xml")
    return members


def _understated(data: bytes) -> bytes:
    """The ZIP's headers say the sheet part is 80 bytes shorter than it is: the far cell lies past that."""
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET)
    size_fields = [info.header_offset + 22]  # the local header's uncompressed size
    at = 0
    while (at := out.find(b"PK\x01\x02", at)) >= 0:  # the central directory entry's, at 24
        if out[at + 46: at + 46 + len(SHEET)] == SHEET.encode():
            size_fields.append(at + 24)
        at += 4
    for where in size_fields:
        out[where: where + 4] = (info.file_size - 80).to_bytes(4, "little")
    return bytes(out)


def test_what_slipped_past_the_limits_is_refused_with_its_reason(tmp_path):
    """Each way round the checks an outside review found: refused before the reader builds 30 million cells."""
    far = "has cells as far as row 300,000, column 100 (30,000,000 cells); the limit is 2,000,000 cells per file"
    cases = {
        "single_quotes.xlsx": (_add(b"<row r='300000'><c r='CV300000' t='inlineStr'><is><t>x</t></is></c></row>"),
                               "sheet_too_large", f"xl/worksheets/sheet1.xml {far}"),
        "spaces.xlsx": (_add(b'<row r = "300000"><c r = "CV300000" t="inlineStr"><is><t>x</t></is></c></row>'),
                        "sheet_too_large", f"xl/worksheets/sheet1.xml {far}"),
        # cells without r: the first in row 300,000, then a row of 100 after it
        "no_cell_r.xlsx": (_add(b'<row r="300000"><c t="inlineStr"><is><t>x</t></is></c></row><row r="300001">'
                                + b'<c t="inlineStr"><is><t>y</t></is></c>' * 100 + b"</row>"),
                           "sheet_too_large", "xl/worksheets/sheet1.xml has cells as far as row 300,001, column 100 "
                           "(30,000,100 cells); the limit is 2,000,000 cells per file"),
        "moved_sheet.xlsx": (_moved_sheet, "sheet_too_large", f"xl/other/sheet1.xml {far}"),
        # a '>' inside a quoted value ends no tag: the r after it is the cell's
        "quoted_gt.xlsx": (_add(b'<row r="300000"><c t="inlineStr" note=">" r="CV300000"><is><t>x</t></is></c></row>'),
                           "sheet_too_large", f"xl/worksheets/sheet1.xml {far}"),
    }
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, (change, _reason, _detail) in cases.items():
        (raw / name).write_bytes(_rezip(seeds()["a.xlsx"], change))
    (raw / "understated.xlsx").write_bytes(_understated(_rezip(seeds()["a.xlsx"], _add(FAR_ROW))))
    cases["understated.xlsx"] = (None, "corrupt", "the part xl/worksheets/sheet1.xml is damaged (its size or checksum "
                                 "does not match the ZIP's directory)")
    # 1,000 commas on one line, then 899,999 blank lines: the reader would build 900,000 rows × 1,001 columns
    (raw / "tall.csv").write_bytes(b"," * 1000 + b"\n" * 900_000)
    cases["tall.csv"] = (None, "sheet_too_large", "the table has 900,000 rows and up to 1,001 cells in a row "
                         "(900,900,000 cells); the limit is 2,000,000 cells per file")
    m = check_run(raw, list(cases)).set_index("source_path")
    for name, (_change, reason, detail) in cases.items():
        assert (m.at[name, "status"], m.at[name, "reason"], m.at[name, "detail"]) == ("quarantined", reason, detail)


def test_without_readable_relationships_every_part_holding_sheet_data_is_checked():
    from pipeline.ingest import limits
    from pipeline.ingest.reasons import Rejected

    def change(members):
        members = _moved_sheet(members)
        return {n: b for n, b in members.items() if n != "xl/_rels/workbook.xml.rels"}

    with pytest.raises(Rejected) as refused:
        limits.workbook_guard(_rezip(seeds()["a.xlsx"], change)).check_all()
    assert (refused.value.code, refused.value.detail) == (
        "sheet_too_large", "xl/other/sheet1.xml has cells as far as row 300,000, column 100 (30,000,000 cells); "
        "the limit is 2,000,000 cells per file")


def test_on_one_core_files_are_still_read_in_a_capped_process(tmp_path, monkeypatch):
    """One usable core (a 1-CPU machine, taskset -c 0): the run still reads in a worker process with its memory
    cap, so the .xls that asks for 4.3 GB costs that file (read_error), not the run or the machine."""
    from pipeline import config

    monkeypatch.setattr(config, "workers", lambda requested=None: requested or 1)
    monkeypatch.setattr(run_mod, "CHUNK", 1)
    monkeypatch.setattr(run_mod, "FILE_SECONDS", 10.0)
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "fuzz" / "dimension_bitflip.xls", raw / "o.xls")
    (raw / "a.xlsx").write_bytes(seeds()["a.xlsx"])
    ingest("auto", 2024, raw, tmp_path / "store", progress=False)  # workers not given: as the CLI runs it
    m = pd.read_parquet(tmp_path / "store" / "manifest").set_index("source_path")
    assert (m.at["o.xls", "status"], m.at["o.xls", "reason"]) == ("quarantined", "read_error")
    assert m.at["o.xls", "detail"] == ("could not be read: the process reading it stopped (a crash in the reader, "
                                       "or more than 1,024 MB of memory)")
    assert m.at["a.xlsx", "status"] == "ingested"


# --- only the sheets the reader loads are bounded (issue 12: the guard's cost) -----------------------------------

def _with_sample_sheet(far: bytes, name: str = "記入例"):
    """A first sheet (by default a filled-in sample, which the reader never loads) holding ``far`` cells."""
    def change(members):
        members = dict(members)
        members["xl/worksheets/sheet3.xml"] = (
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>' + far + b"</sheetData></worksheet>")
        rels = "xl/_rels/workbook.xml.rels"
        members[rels] = members[rels].replace(
            b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/worksheet" Target="worksheets/sheet3.xml"/></Relationships>')
        escaped = name.replace("&", "&amp;").encode()
        members["xl/workbook.xml"] = members["xl/workbook.xml"].replace(
            b"<sheets>", b'<sheets><sheet name="' + escaped + b'" sheetId="99" r:id="rId99"/>')
        members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/xl/worksheets/sheet3.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        return members
    return change


def test_a_far_cell_in_a_sheet_the_reader_never_loads_costs_nothing_and_is_not_refused(tmp_path):
    """The reader builds only the sheets it is asked for (the checklist and the cover), so a 記入例 sheet reaching
    XFD1048576 is never built: the workbook is read. The same sheet named as the cover is loaded, and refused."""
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "sample.xlsx").write_bytes(_rezip(seeds()["a.xlsx"], _with_sample_sheet(far)))
    (raw / "cover.xlsx").write_bytes(_rezip(seeds()["a.xlsx"], _with_sample_sheet(far, "会社情報 & 連絡先")))
    m = check_run(raw, ["sample.xlsx", "cover.xlsx"]).set_index("source_path")
    assert m.at["sample.xlsx", "status"] == "ingested"
    assert (m.at["cover.xlsx", "status"], m.at["cover.xlsx", "reason"], m.at["cover.xlsx", "detail"]) == (
        "quarantined", "sheet_too_large", "xl/worksheets/sheet3.xml has cells as far as row 1,048,576, column 16,384 "
        "(17,179,869,184 cells); the limit is 2,000,000 cells per file")


def test_sheet_names_lead_to_every_part_a_reader_may_resolve_them_to():
    """Every <sheet> in order, anywhere in the part but in a comment, XML-unescaped; every id attribute; a
    relationship of any Type counts; targets relative to xl/, absolute, or with a backslash."""
    from pipeline.ingest.limits import _sheet_targets

    workbook = (b'<x:workbook xmlns:x="main" xmlns:rel="rels"><x:sheet name="early" rel:id="rId3"/><x:sheets>'
                b'<x:sheet name="A &amp; B" sheetId="1" rel:id="rId2"/>'
                b"<x:sheet rel:id='rId1' name='&#x8868;&#32025;' sheetId='2'/>"
                b'<x:sheet name="chart" sheetId="3" rel:id="rId3" o:id="rId4"/>'
                b'<x:sheet name="euro&#x80;" rel:id="rId1"/><!-- <x:sheet name="decoy" rel:id="rId1"/> -->'
                b'</x:sheets></x:workbook>')
    rels = (b'<Relationships>'
            b'<Relationship Id="rId1" Type="http://x/relationships/worksheet" Target="worksheets/s1.xml"/>'
            b'<Relationship Target="/xl/other/s2.xml" Id="rId2" Type="http://x/relationships/worksheet"/>'
            b'<Relationship Id="rId3" Type="http://x/relationships/chartsheet" Target="chartsheets/c1.xml"/>'
            b'<Relationship Id="rId4" Type="http://x/relationships/styles" Target="Styles.xml"/>'
            b'<Relationship Id="rId1" Type="http://x/relationships/worksheet" Target="worksheets\\s9.xml"/>'
            b'</Relationships>')
    names, targets = _sheet_targets(workbook, rels)
    assert names == ["early", "A & B", "表紙", "chart", "euro\x80"]
    assert targets["A & B"] >= {"xl/other/s2.xml"}
    assert targets["表紙"] >= {"xl/worksheets/s1.xml", "xl/worksheets/s9.xml"}
    assert targets["chart"] >= {"xl/chartsheets/c1.xml", "xl/styles.xml"}
    assert targets["early"] >= {"xl/chartsheets/c1.xml"}
    # an entity XML does not define, or a prefix no XML parser accepts: not parsed, so every sheet part is bounded
    assert _sheet_targets(workbook.replace(b"euro&#x80;", b"euro&nbsp;"), rels) is None
    assert _sheet_targets(workbook, rels.replace(b"<Relationship Id=\"rId4\"", b"<1:Relationship Id=\"rId4\"")) is None


def _second_part(loose_name: str):
    """A far cell in another ZIP entry whose name a reader might take for the cover's part (sheet1.xml)."""
    def change(members):
        members = dict(members)
        members[loose_name] = members[SHEET].replace(b"</sheetData>", FAR_ROW + b"</sheetData>")
        return members
    return change


def _through_other_relationship(members):
    """The cover's r:id points to a relationship typed as styles, whose target holds the far cell (the reader in
    use refuses to open such a workbook; another version may not)."""
    members = dict(members)
    members["xl/cover.xml"] = members.pop(SHEET).replace(b"</sheetData>", FAR_ROW + b"</sheetData>")
    rels = "xl/_rels/workbook.xml.rels"
    members[rels] = re.sub(rb'<Relationship [^>]*worksheets/sheet1\.xml"[^>]*/>',
                           b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                           b'relationships/styles" Target="cover.xml"/>', members[rels])
    return members


@pytest.mark.parametrize("change", [_second_part("xl/worksheets/./sheet1.xml"),
                                    _second_part("xl/Worksheets/Sheet1.xml"),
                                    _second_part("xl/worksheets/sheet%31.xml"), _through_other_relationship])
def test_a_part_the_reader_might_take_for_a_loaded_sheet_is_checked_too(change):
    """Where a reader might resolve a sheet to another ZIP entry than the guard does, the guard checks both."""
    from pipeline.ingest import limits
    from pipeline.ingest.reasons import Rejected

    data = _rezip(seeds()["a.xlsx"], change)
    with pytest.raises(Rejected) as refused:
        limits.workbook_guard(data).check("表紙", ["表紙", "チェックシート"])
    assert refused.value.code == "sheet_too_large"
    assert refused.value.detail.endswith("has cells as far as row 300,000, column 100 (30,000,000 cells); "
                                         "the limit is 2,000,000 cells per file")


def test_a_stored_sheet_part_is_bounded_like_a_deflated_one():
    """A ZIP may store a part uncompressed: read from the archive's bytes the same way, and refused the same way."""
    from pipeline.ingest import limits
    from pipeline.ingest.reasons import Rejected

    with zipfile.ZipFile(io.BytesIO(seeds()["a.xlsx"])) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members[SHEET] = members[SHEET].replace(b"</sheetData>", FAR_ROW + b"</sheetData>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    with pytest.raises(Rejected) as refused:
        limits.workbook_guard(out.getvalue()).check("表紙", ["表紙", "チェックシート"])
    assert (refused.value.code, refused.value.detail) == (
        "sheet_too_large", "xl/worksheets/sheet1.xml has cells as far as row 300,000, column 100 (30,000,000 cells); "
        "the limit is 2,000,000 cells per file")


# --- what the outside review of the lazy guard slipped past it (issue 12) ----------------------------------------

FAR_SHEET3 = ("xl/worksheets/sheet3.xml has cells as far as row 300,000, column 100 (30,000,000 cells); "
              "the limit is 2,000,000 cells per file")
_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_R_NS = b' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _evil_checklist(where: str, rel_type: bytes = b"worksheet"):
    """A second <sheet> named like the checklist (チェックシート), whose part (sheet3.xml) has the far row: listed
    before <sheets> (``where`` = "before"), or inside it, first, with the checklist's name written as a
    character reference that an HTML unescaper reads as another name (``where`` = "entity")."""
    def change(members):
        members = dict(members)
        members["xl/worksheets/sheet3.xml"] = members["xl/worksheets/sheet2.xml"].replace(
            b"</sheetData>", FAR_ROW + b"</sheetData>")
        rels = "xl/_rels/workbook.xml.rels"
        members[rels] = members[rels].replace(b"</Relationships>", b'<Relationship Type="' + _REL + rel_type
                                              + b'" Target="worksheets/sheet3.xml" Id="rId9"/></Relationships>')
        name = "チェックシート".encode() + (b"&#x80;" if where == "entity" else b"")
        evil = b"<sheet" + _R_NS + b' name="' + name + b'" sheetId="9" r:id="rId9"/>'
        wb = members["xl/workbook.xml"]
        if where == "entity":  # the real checklist written with U+0080 itself: to XML, two sheets of one name
            wb = wb.replace('name="チェックシート"'.encode(), 'name="チェックシート\x80"'.encode())
        members["xl/workbook.xml"] = wb.replace(b"<workbookPr/>", b"<workbookPr/>" + evil) if where == "before" \
            else wb.replace(b"<sheets>", b"<sheets>" + evil)
        return members
    return change


def _bad_crc(part: str):
    def damage(data: bytes) -> bytes:
        out = bytearray(data)
        at = out.find(b"PK\x01\x02")
        while at >= 0:
            name_len = int.from_bytes(out[at + 28: at + 30], "little")
            if out[at + 46: at + 46 + name_len] == part.encode():
                out[at + 16] ^= 0xFF  # the CRC in the central directory, which zipfile and the guard check
            at = out.find(b"PK\x01\x02", at + 4)
        return bytes(out)
    return damage


def _prefix_directory(data: bytes) -> bytes:
    """The ZIP's directory (sizes and CRC, local and central) describes the cover's part only up to the far row;
    the deflate stream goes on to the end: zipfile stops at the stated size and finds the CRC right."""
    import struct
    import zlib

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        full = zf.read(SHEET)
    prefix = full[: full.index(b'<row r="300000"')]
    out = bytearray(data)
    for sig, crc_at, size_at, name_at in ((b"PK\x01\x02", 16, 24, 46), (b"PK\x03\x04", 14, 22, 30)):
        at = out.find(sig)
        while at >= 0:
            name_len = struct.unpack_from("<H", out, at + (28 if name_at == 46 else 26))[0]
            if out[at + name_at: at + name_at + name_len] == SHEET.encode():
                struct.pack_into("<I", out, at + crc_at, zlib.crc32(prefix))
                struct.pack_into("<I", out, at + size_at, len(prefix))
            at = out.find(sig, at + 4)
    return bytes(out)


def test_what_slipped_past_the_lazy_guard_is_refused(tmp_path):
    """Each file made the reader build 300,000 × 100 cells while the guard passed it (outside review): a workbook
    part with a bad CRC, which the reader does not check, switched the guard off; a second sheet of the checklist's
    name before <sheets>, or with a character reference HTML reads otherwise than XML, or typed as a chartsheet,
    was the one the reader loaded; a directory describing only a prefix of a part hid the rest of its stream."""
    seed = seeds()["a.xlsx"]
    files = {
        "crc_workbook.xlsx": (_bad_crc("xl/workbook.xml")(_rezip(seed, _evil_checklist("entity"))), "corrupt",
                              "the part xl/workbook.xml is damaged (its size or checksum does not match the ZIP's "
                              "directory)"),
        "crc_rels.xlsx": (_bad_crc("xl/_rels/workbook.xml.rels")(_rezip(seed, _evil_checklist("entity"))), "corrupt",
                          "the part xl/_rels/workbook.xml.rels is damaged (its size or checksum does not match the "
                          "ZIP's directory)"),
        "before.xlsx": (_rezip(seed, _evil_checklist("before")), "sheet_too_large", FAR_SHEET3),
        "entity.xlsx": (_rezip(seed, _evil_checklist("entity")), "sheet_too_large", FAR_SHEET3),
        "chartsheet.xlsx": (_rezip(seed, _evil_checklist("before", b"chartsheet")), "sheet_too_large", FAR_SHEET3),
        "prefix.xlsx": (_prefix_directory(_rezip(seed, _add(FAR_ROW))), "corrupt",
                        "the part xl/worksheets/sheet1.xml is damaged (its size or checksum does not match the ZIP's "
                        "directory)"),
    }
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, (data, _reason, _detail) in files.items():
        (raw / name).write_bytes(data)
    m = check_run(raw, list(files)).set_index("source_path")
    for name, (_data, reason, detail) in files.items():
        assert (m.at[name, "status"], m.at[name, "reason"], m.at[name, "detail"]) == ("quarantined", reason, detail), \
            name


def _row_of(cells: bytes, row: int = 300000) -> bytes:
    return b'<row r="%d">' % row + cells + b"</row>"


def _split_tag(members):
    """A 2 kB cell tag across the guard's 1 MB pieces (a comment pads the part to put it there)."""
    body = members[SHEET]
    end = body.index(b"</sheetData>")
    tag = b'<c note="' + b"n" * 2000 + b'" r="CV300000"><v>1</v></c>'
    pad = (1 << 20) - end - 1000 - len(b"<!---->")
    extra = b"<!--" + b"p" * pad + b"-->" + _row_of(tag)
    return {**members, SHEET: body[:end] + extra + body[end:]}


def _with_third_sheet(change_rels=None, extra_members=None):
    """sheet3.xml (the far row) added; ``change_rels`` rewrites the relationships, ``extra_members`` adds parts."""
    def change(members):
        members = dict(members)
        members["xl/worksheets/sheet3.xml"] = members["xl/worksheets/sheet2.xml"].replace(
            b"</sheetData>", FAR_ROW + b"</sheetData>")
        rels = "xl/_rels/workbook.xml.rels"
        if change_rels:
            members[rels] = change_rels(members[rels])
        members.update(extra_members(members) if extra_members else {})
        return members
    return change


def _latin1_target(members):
    """Relationships declared ISO-8859-1, the checklist's target written with byte 0x80: the reader takes it for
    '€' (windows-1252), expat for U+0080; the part the reader loads is xl/worksheets/€.xml."""
    members = dict(members)
    members["xl/worksheets/€.xml"] = members.pop("xl/worksheets/sheet2.xml").replace(
        b"</sheetData>", FAR_ROW + b"</sheetData>")
    rels = "xl/_rels/workbook.xml.rels"
    body = members[rels].replace(b"worksheets/sheet2.xml", b"worksheets/\x80.xml")
    members[rels] = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + body.split(b"?>", 1)[-1] \
        if body.startswith(b"<?xml") else b'<?xml version="1.0" encoding="ISO-8859-1"?>' + body
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"/xl/worksheets/sheet2.xml", "/xl/worksheets/€.xml".encode())
    return members


_TO_SHEET3 = b'Type="' + _REL + b'worksheet" Target="worksheets/sheet3.xml"/>'
_FAR = "has cells as far as row 300,000, column 100 (30,000,000 cells); the limit is 2,000,000 cells per file"


@pytest.mark.parametrize(("change", "detail"), [
    # cell references the reader reads and the guard's patterns did not (second outside review)
    (_add(_row_of(b'<c r="cv300000"><v>1</v></c>')), f"xl/worksheets/sheet1.xml {_FAR}"),  # lower case
    (_add(_row_of(b'<c r="CV00300000"><v>1</v></c>')), f"xl/worksheets/sheet1.xml {_FAR}"),  # eight digits
    (_add(_row_of(b'<c r="AAAA1000"><v>1</v></c>', 1000)),  # four letters: column 18,279
     "xl/worksheets/sheet1.xml has cells as far as row 1,000, column 18,279 (18,279,000 cells); the limit is "
     "2,000,000 cells per file"),
    (_add(_row_of(b'<c r="Z1"><v>1</v></c><c><v>2</v></c>')),  # a cell without r takes its row's row
     "xl/worksheets/sheet1.xml has cells as far as row 300,000, column 27 (8,100,000 cells); the limit is "
     "2,000,000 cells per file"),
    (_add(_row_of(b'<c x:r="A1"><v>1</v></c>' * 100)), f"xl/worksheets/sheet1.xml {_FAR}"),  # x:r is not r
    (_add(_row_of(b'<c\tr="CV300000"><v>1</v></c>')), f"xl/worksheets/sheet1.xml {_FAR}"),  # a tab before r
    (_add(_row_of(b'<c foo=" r="><v>1</v></c>' * 100)), f"xl/worksheets/sheet1.xml {_FAR}"),  # r= in a value
    (_split_tag, f"xl/worksheets/sheet1.xml {_FAR}"),
    # empty elements still move the reader's position (third outside review)
    (_add(_row_of(b'<c r="XFD300000"/><c t="inlineStr"><is><t>x</t></is></c>')),
     "xl/worksheets/sheet1.xml has cells as far as row 300,000, column 16,385 (4,915,500,000 cells); the limit is "
     "2,000,000 cells per file"),
    (_add(b'<row r="300000"/><row><c r="CV5"/><c t="inlineStr"><is><t>x</t></is></c></row>'),
     "xl/worksheets/sheet1.xml has cells as far as row 300,001, column 101 (30,300,101 cells); the limit is "
     "2,000,000 cells per file"),
    # the workbook's relationships as the reader reads them
    (_with_third_sheet(lambda r: r.replace(b"</Relationships>", b'<Relationship Note=">" Id="rId2" ' + _TO_SHEET3
                                           + b"</Relationships>")), f"xl/worksheets/sheet3.xml {_FAR}"),
    (_with_third_sheet(lambda r: r.replace(b"</Relationships>", b'<1:Relationship Id="rId2" ' + _TO_SHEET3
                                           + b"</Relationships>")), f"xl/worksheets/sheet3.xml {_FAR}"),
    (_with_third_sheet(extra_members=lambda m: {"xl/_rels/Workbook.xml.rels": m["xl/_rels/workbook.xml.rels"].replace(
        b"worksheets/sheet2.xml", b"worksheets/sheet3.xml")}), f"xl/worksheets/sheet3.xml {_FAR}"),
    (_latin1_target, f"xl/worksheets/€.xml {_FAR}"),
])
def test_cells_and_relationships_as_the_reader_reads_them_are_bounded(tmp_path, change, detail):
    """Each file had the reader build millions of cells while the guard passed it."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "x.xlsx").write_bytes(_rezip(seeds()["a.xlsx"], change))
    m = check_run(raw, ["x.xlsx"]).set_index("source_path")
    assert (m.at["x.xlsx", "status"], m.at["x.xlsx", "reason"], m.at["x.xlsx", "detail"]) == (
        "quarantined", "sheet_too_large", detail)


def test_a_sheet_part_no_xml_parser_reads_is_refused(tmp_path):
    """<1:c> is no XML name; the reader takes it for a cell, the guard cannot count it: refused as corrupt."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "x.xlsx").write_bytes(_rezip(seeds()["a.xlsx"], _add(_row_of(b'<1:c r="CV300000"><v>1</v></1:c>'))))
    m = check_run(raw, ["x.xlsx"]).set_index("source_path")
    assert (m.at["x.xlsx", "status"], m.at["x.xlsx", "reason"]) == ("quarantined", "corrupt")
    assert m.at["x.xlsx", "detail"].startswith("the part xl/worksheets/sheet1.xml is not well-formed XML (")
    assert m.at["x.xlsx", "detail"].endswith("), so its cells cannot be checked before reading")


def test_a_sheet_part_with_nul_bytes_is_refused():
    """UTF-16 markup (every other byte NUL): expat would decode it, the reader reads the bytes as they are, so the
    two would not see the same cells (third outside review)."""
    from pipeline.ingest import limits
    from pipeline.ingest.reasons import Rejected

    data = _rezip(seeds()["a.xlsx"], _add(_row_of(b"<c><v>1</v></c>") + "<!-- x -->".encode("utf-16-le")))
    with pytest.raises(Rejected) as refused:
        limits.workbook_guard(data).check("表紙", ["表紙", "チェックシート"])
    assert (refused.value.code, refused.value.detail) == (
        "corrupt", "the part xl/worksheets/sheet1.xml holds NUL bytes (not UTF-8), so its cells cannot be checked "
        "before reading")


def _ods(table: bytes) -> bytes:
    """An .ods holding one table (content.xml as LibreOffice writes it, reduced to what the reader needs)."""
    content = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               b"<office:spreadsheet>" + table + b"</office:spreadsheet></office:body></office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


_ODS_VALUE = b'office:value-type="string"><text:p>x</text:p></table:table-cell>'


@pytest.mark.parametrize(("table", "detail"), [
    # 100,000 repeated rows of 100 repeated cells with a value: 10,000,000 cells from a file of under 1 kB
    (b'<table:table table:name="S"><table:table-row table:number-rows-repeated="100000"><table:table-cell '
     b'table:number-columns-repeated="100" ' + _ODS_VALUE + b"</table:table-row></table:table>",
     "content.xml has tables spanning 10,000,000 cells with content between them; the limit is 2,000,000 cells "
     "per file"),
    # a value in A1, a million blank rows, then a value after 2,999 blank cells: 1,000,002 × 3,000
    (b'<table:table table:name="S"><table:table-row><table:table-cell ' + _ODS_VALUE + b"</table:table-row>"
     b'<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated='
     b'"16384"/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="2999"/>'
     b"<table:table-cell " + _ODS_VALUE + b"</table:table-row></table:table>",
     "content.xml has tables spanning 3,000,006,000 cells with content between them; the limit is 2,000,000 cells "
     "per file"),
    # found by a fourth outside review: a value without a value type, a repeat hidden behind another prefix's, a
    # nested table that reset the count, blank rows above the first value (the reader builds them)
    (b'<table:table table:name="S"><table:table-row table:number-rows-repeated="2000"><table:table-cell '
     b'table:number-columns-repeated="1500" office:value="1"/></table:table-row></table:table>',
     "content.xml has tables spanning 3,000,000 cells with content between them; the limit is 2,000,000 cells "
     "per file"),
    (b'<table:table table:name="S"><table:table-row table:number-rows-repeated="2000"><table:table-cell '
     b'x:number-columns-repeated="1" table:number-columns-repeated="1500" office:value-type="float" '
     b'office:value="1"/></table:table-row></table:table>',
     "content.xml has tables spanning 3,000,000 cells with content between them; the limit is 2,000,000 cells "
     "per file"),
    (b'<table:table table:name="S"><table:table-row table:number-rows-repeated="2000"><table:table-cell '
     b'table:number-columns-repeated="1499"/><table:table-cell ' + _ODS_VALUE + b"</table:table-row><x:table/>"
     b"<table:table-row><table:table-cell " + _ODS_VALUE + b"</table:table-row></table:table>",
     "content.xml has tables spanning 3,001,500 cells with content between them; the limit is 2,000,000 cells "
     "per file"),
    (b'<table:table table:name="S"><table:table-row table:number-rows-repeated="1000000"><table:table-cell/>'
     b'</table:table-row><table:table-row><table:table-cell table:number-columns-repeated="100" '
     + _ODS_VALUE + b"</table:table-row></table:table>",
     "content.xml has tables spanning 100,000,100 cells with content between them; the limit is 2,000,000 cells "
     "per file"),
])
def test_an_ods_whose_repeats_span_too_many_cells_is_refused_before_it_is_opened(tmp_path, table, detail):
    """The reader builds every table of an .ods when it opens the file, from its first to its last cell with
    content (second outside review: 10 million cells, 1.8 GB, from 830 bytes); blank repeats around them, which
    every LibreOffice file has, count for nothing (test_ingest_files reads a real one; the lone far value below)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "x.ods").write_bytes(_ods(table))
    m = check_run(raw, ["x.ods"]).set_index("source_path")
    assert (m.at["x.ods", "status"], m.at["x.ods", "reason"], m.at["x.ods", "detail"]) == (
        "quarantined", "sheet_too_large", detail)


def test_a_lone_value_far_right_in_an_ods_costs_one_column():
    """The reader builds an .ods table from its first column with content (not its first row), so one value after
    16,000 blank cells is one column wide: not refused."""
    from pipeline.ingest import limits

    table = (b'<table:table table:name="S"><table:table-row><table:table-cell table:number-columns-repeated="16000"/>'
             b"<table:table-cell " + _ODS_VALUE + b"</table:table-row></table:table>")
    limits.workbook_guard(_ods(table))  # no Rejected
    with zipfile.ZipFile(io.BytesIO(_ods(table))) as zf:
        assert limits._ods_cells(zf.read("content.xml"), "content.xml") == 1


def test_a_part_with_a_second_name_is_refused(tmp_path):
    """An Info-ZIP Unicode path field renames a member for the reader, not for zipfile: a decoy could be checked
    while the reader loads another part under the checked one's name (fourth outside review)."""
    import struct
    import zlib

    with zipfile.ZipFile(io.BytesIO(seeds()["a.xlsx"])) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            info = zipfile.ZipInfo(name)
            if name == SHEET:
                payload = b"\x01" + struct.pack("<I", zlib.crc32(name.encode())) + name.encode()
                info.extra = struct.pack("<HH", 0x7075, len(payload)) + payload
            zf.writestr(info, body, zipfile.ZIP_DEFLATED)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "x.xlsx").write_bytes(out.getvalue())
    m = check_run(raw, ["x.xlsx"]).set_index("source_path")
    assert (m.at["x.xlsx", "status"], m.at["x.xlsx", "reason"], m.at["x.xlsx", "detail"]) == (
        "quarantined", "corrupt", "the part xl/worksheets/sheet1.xml carries a second name (a Unicode path field), "
        "which readers take differently")
