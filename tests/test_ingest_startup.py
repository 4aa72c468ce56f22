"""`sdw ingest` forks its readers before pandas is loaded, and the readers read a workbook without it: pandas
costs about 0.4 s of CPU to import, which the main process spends while the readers read (ingest/run.py), not
before they start, and which no reader spends at all."""

from __future__ import annotations

import os
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


INGEST = """
import sys
from pathlib import Path
from pipeline.ingest import ingest
result = ingest("auto", 2024, Path(sys.argv[1]), Path(sys.argv[2]), workers=2, progress=False)
print(result.counts, "hypothesis" in sys.modules)
import hypothesis.strategies  # installed in this environment: importable as usual once ingest is done
print("hypothesis" in sys.modules)
"""


def test_ingest_loads_pandera_without_hypothesis_and_leaves_it_importable(tmp_path):
    """pandera imports hypothesis (installed here for the tests) for data generation ingest never does: the import
    is kept out of an ingest, as in an installation without the dev extras, and works afterwards."""
    write_auto(tmp_path / "raw" / "a.xlsx")
    out = subprocess.run([sys.executable, "-c", INGEST, str(tmp_path / "raw"), str(tmp_path / "store")],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "SDW_SECRET_KEY": "test-secret-key"}).stdout
    assert out.splitlines() == ["{'ingested': 1} False", "True"]
