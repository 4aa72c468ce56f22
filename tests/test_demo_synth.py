"""`sdw demo` forks its synth processes before any thread of its own starts: the first sector's years side by side
and the later sectors' years in a process at the lowest priority, both started before the first sector is ingested
and its report's thread (papermill, the HTML exporter's imports) exists. A worker forked while that thread imports a
module (lxml.etree, which the exporter and openpyxl share) inherits the module's import lock held and waits for it
for ever: a cold demo hung so, its power synth's workers forked beside the early report."""

from __future__ import annotations

import contextlib
import threading

import pipeline.config
import pipeline.synth
from pipeline import builds
from pipeline.ingest import identity
from pipeline.report import data as report_data
from pipeline.report import run as report_run
from pipeline.synth import SynthResult, truth_dir
from tests.processes import on_a_thread


def test_synth_processes_are_forked_before_the_early_report_thread(tmp_path, monkeypatch):
    from pipeline.stages import demo

    (tmp_path / "sdw.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    monkeypatch.setattr(identity, "secret_key", lambda: b"k" * 32)
    monkeypatch.setattr(report_run, "batch_backend", contextlib.nullcontext)
    events: list[tuple] = []

    class Underway:  # records when each synth process would be forked, and which threads ran then
        def __init__(self, sector, years, seed=0, side_by_side=False, lower=0):
            self.sector, self.years = sector, years
            threads = sorted(t.name for t in threading.enumerate() if t.name.startswith("sdw-demo-report"))
            events.append(("fork", sector, [y for y, *_ in years], side_by_side, lower, threads))

        def results(self):
            events.append(("wait", self.sector))
            for _, out, _, _ in self.years:
                truth_dir(out).mkdir(parents=True)
            return [SynthResult(out, out, 1, n, 0.0) for _, out, n, _ in self.years]

        def stop(self):
            events.append(("stop", self.sector))

    def build(store, parts, key, ingest, score, catalogs=None, prepare=None, ready=None):
        events.append(("made", sorted(prepare("auto"))))
        ready("auto")  # automotive built and scored: its report starts (a thread)
        events.append(("made", sorted(prepare("power"))))
        ready("power")
        return builds.Plan(("auto/2022", "power/2024"), True)

    monkeypatch.setattr(pipeline.synth, "Underway", Underway)
    monkeypatch.setattr(pipeline.config, "can_fork", lambda: True)
    monkeypatch.setattr(builds, "build", build)
    monkeypatch.setattr(report_run, "run_report", lambda *a, **k: report_run.ReportResult())
    monkeypatch.setattr(report_data, "sectors_in", lambda store: ["auto", "power"])
    on_a_thread(demo)  # its own thread: the demo lowers that thread's priority for good
    # catalogs/sectors.yaml synth.demo: automotive FY2022–2024, power FY2024–2026; nothing synthesised yet
    assert events == [
        ("fork", "power", [2024, 2025, 2026], False, 19, []),  # one process, the lowest priority, no thread yet
        ("fork", "auto", [2022, 2023, 2024], True, 0, []),  # a process per year
        ("wait", "auto"),
        ("made", ["auto/2022", "auto/2023", "auto/2024"]),
        ("wait", "power"),  # after the early report started: waited for, nothing forked
        ("made", ["power/2024", "power/2025", "power/2026"]),
    ]
    for sector, years in (("auto", (2022, 2023, 2024)), ("power", (2024, 2025, 2026))):
        for year in years:  # each year's marker, so that a second demo skips its synth
            assert (tmp_path / "data" / "raw" / sector / f"{year}_truth" / "params.json").exists()
