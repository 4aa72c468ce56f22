"""``pipeline.ingest`` hands out its entry point on first use: a submodule alone does not load the stage."""

from __future__ import annotations

import subprocess
import sys


def test_a_submodule_of_ingest_does_not_load_the_stage_and_the_entry_point_still_imports():
    code = ("import sys\n"
            "import pipeline.ingest.limits\n"
            "print('pipeline.ingest.run' in sys.modules)\n"
            "from pipeline.ingest import IngestResult, ingest\n"
            "print(ingest.__module__, IngestResult.__name__, 'pipeline.ingest.run' in sys.modules)\n"
            "import pipeline.ingest\n"
            "try:\n"
            "    pipeline.ingest.no_such_name\n"
            "except AttributeError as e:\n"
            "    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["False", "pipeline.ingest.run IngestResult True",
                                "module 'pipeline.ingest' has no attribute 'no_such_name'"]
