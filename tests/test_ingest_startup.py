"""`sdw ingest` forks its readers before pandas is loaded, and the readers read a workbook without it: pandas
costs about 0.4 s of CPU to import, which the main process spends while the readers read (ingest/run.py), not
before they start, and which no reader spends at all."""

from __future__ import annotations

import subprocess
import sys

from tests.handmade import write_auto

CHILD = """
import sys
from pathlib import Path
import pipeline.cli, pipeline.stages, pipeline.lock  # what `sdw ingest` has loaded when its readers fork
from pipeline import catalogs
from pipeline.ingest import run  # noqa: F401
from pipeline.ingest.discover import discover
from pipeline.ingest.packed import pack
from pipeline.ingest.parse import parse_entry
print("pandas" in sys.modules)
catalogs.refresh()
records = [p for e in discover(Path(sys.argv[1])) for p in parse_entry(e, "auto", 2024)]
pack(records)  # what a reader hands back
print("pandas" in sys.modules, [(r.status, r.sector) for r in records])
"""


def test_ingest_readers_start_and_read_a_workbook_without_pandas(tmp_path):
    write_auto(tmp_path / "raw" / "a.xlsx")
    out = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "raw")], capture_output=True, text=True,
                         check=True).stdout
    assert out.splitlines() == ["False", "False [('ingested', 'auto')]"]
