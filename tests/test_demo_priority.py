"""`sdw demo` on two cores: once the first sector's report has started, the rest of the demo (the next sector's
synth and ingest workers, the later reports) runs at a lower CPU priority than that report and its kernel, so the
report on the critical path keeps a core (pipeline/stages.py ``behind``)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

from pipeline import builds
from pipeline.ingest import identity
from pipeline.report import data as report_data
from pipeline.report import run as report_run
from tests.processes import on_a_thread


def _child_priority() -> int:
    """The nice value a process started from the calling thread runs at (a worker, a report kernel)."""
    out = subprocess.run([sys.executable, "-c", "import os; print(os.getpriority(os.PRIO_PROCESS, 0))"],
                         capture_output=True, text=True, check=True)
    return int(out.stdout)


def test_the_work_beside_the_early_report_runs_five_steps_lower(tmp_path, monkeypatch):
    from pipeline.stages import demo

    (tmp_path / "sdw.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    monkeypatch.setattr(identity, "secret_key", lambda: b"k" * 32)
    monkeypatch.setattr(report_run, "batch_backend", contextlib.nullcontext)
    seen: dict[str, int] = {}

    def run_report(sector, *args, **kwargs):
        here = os.getpriority(os.PRIO_PROCESS, 0)
        seen[f"{sector} report"], seen[f"{sector} kernel"] = here, _child_priority()
        return report_run.ReportResult()

    def build(store, parts, key, ingest, score, catalogs=None, prepare=None, ready=None):
        seen["build before"], seen["worker before"] = os.getpriority(os.PRIO_PROCESS, 0), _child_priority()
        ready("auto")  # automotive built and scored: its report starts
        seen["build after"], seen["worker after"] = os.getpriority(os.PRIO_PROCESS, 0), _child_priority()
        ready("power")
        return builds.Plan(("auto/2024", "power/2024"), True)

    monkeypatch.setattr(builds, "build", build)
    monkeypatch.setattr(report_run, "run_report", run_report)
    monkeypatch.setattr(report_data, "sectors_in", lambda store: ["auto", "power"])
    on_a_thread(demo)  # its own thread: the demo lowers that thread's priority for good
    base = seen["build before"]
    want = min(19, base + 5)
    assert seen == {"build before": base, "worker before": base,
                    "auto report": base, "auto kernel": base,  # started before: as the demo itself was
                    "build after": want, "worker after": want,  # the power sector's build and its workers
                    "all report": want, "all kernel": want}  # the reports after the build (power, cross-sector)
