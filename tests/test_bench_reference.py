"""The benchmarks' machine reference: the line year.py and demo.py print, and the scripts load with it."""

from __future__ import annotations

from tests.scripts import script


def test_drift_says_both_timings_and_the_change_in_cpu():
    ref = script("benchmarks/reference.py")
    start, end = ref.Reference(2.0, 1.0, 0.5), ref.Reference(2.5, 1.25, 1.0)
    line = ref.drift(start, end)
    assert "start 2.00 s wall / 1.00 s CPU (load 0.5)" in line
    assert "end 2.50 s wall / 1.25 s CPU (load 1.0)" in line
    assert line.endswith("CPU +25% from start to end")


def test_the_reference_work_reads_the_workbook_it_wrote():
    ref = script("benchmarks/reference.py")
    import io

    import pandas as pd

    sheets = pd.read_excel(io.BytesIO(ref._workbook()), sheet_name=None, header=None, engine="openpyxl")
    assert list(sheets) == ["表紙", "チェックリスト"]
    assert sheets["チェックリスト"].shape == (161, 5)  # the header and 160 items
    timed = ref.reference(rounds=2)
    assert timed.cpu > 0 and timed.wall > 0


def test_year_and_demo_benchmarks_load_with_the_reference():
    for name in ("benchmarks/year.py", "benchmarks/demo.py"):
        module = script(name)
        assert module.reference.__module__ == "reference" and callable(module.drift)
