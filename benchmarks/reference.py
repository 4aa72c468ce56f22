"""The machine's own speed, timed in the same run as a benchmark: a fixed piece of work on one core.

The same code's time moved by a quarter within one hour on the team's shared machines (the openpyxl loop read the
same 3,053 files in 63.0 s of CPU at 17:48 and 78.5 s at 19:10). A benchmark that prints this loop's time at its
start and end says how fast the machine was while it ran, so two runs of different sittings, or a budget, can be
read against it: ``benchmarks/ingest.py`` divides by a loop over its own files; ``year.py`` and ``demo.py`` print
this one.

The work is what most stages spend their time on: a checklist-sized workbook (two sheets, a cover and 160 item
rows) written once with openpyxl into memory, then read back with ``pandas.read_excel(engine="openpyxl")`` a fixed
number of times: pure Python on one core, no disk, no data of the run.
"""

from __future__ import annotations

import io
import os
import time
from dataclasses import dataclass

ROUNDS = 60  # about 1–2 s on the team's machines: small beside any stage, long enough to be steady


@dataclass(frozen=True)
class Reference:
    """One timing of the reference work: wall and CPU seconds of this process, and the load when it started."""

    wall: float
    cpu: float
    load: float

    def text(self) -> str:
        return f"{self.wall:.2f} s wall / {self.cpu:.2f} s CPU (load {self.load:.1f})"


def _workbook() -> bytes:
    """A checklist-sized workbook: a cover of labelled cells and a sheet of 160 items with their answers."""
    from openpyxl import Workbook

    book = Workbook()
    cover = book.active
    cover.title = "表紙"
    for row, (label, value) in enumerate([("会社名", "参照株式会社"), ("回答日", "2024-11-15"),
                                          ("従業員数", 120), ("業種", "部品製造")], start=2):
        cover.cell(row=row, column=2, value=label)
        cover.cell(row=row, column=3, value=value)
    items = book.create_sheet("チェックリスト")
    items.append(["No.", "分類", "要求事項", "回答", "備考"])
    for n in range(1, 161):
        items.append([n, f"分類{n % 12}", f"要求事項 {n} の説明文", ("はい", "いいえ", "一部")[n % 3], None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def reference(rounds: int = ROUNDS) -> Reference:
    """Time the reference work (``rounds`` reads of the workbook), after one untimed read to warm the imports."""
    import pandas as pd

    data = _workbook()
    pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine="openpyxl")
    load = os.getloadavg()[0]
    cpu0, t0 = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine="openpyxl")
    return Reference(time.perf_counter() - t0, time.process_time() - cpu0, load)


def drift(start: Reference, end: Reference) -> str:
    """One line: the reference at the start and end of a benchmark, and how much slower the end was (CPU)."""
    change = end.cpu / start.cpu - 1 if start.cpu else 0.0
    return (f"machine reference (benchmarks/reference.py, the same work on one core): start {start.text()}, "
            f"end {end.text()}; CPU {change:+.0%} from start to end")
