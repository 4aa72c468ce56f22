"""Benchmark: an association's whole year at full size, stage by stage, against the budgets.

usage: python benchmarks/year.py [--sector auto] [--year 2024] [--n N] [--data DIR] [--src DIR]
                                 [--no-pdf] [--workers W]

The cycle a clerk runs once the submissions are in: synthesise the year once (the generator's
published count by default: 3,100 automotive companies for FY2024, with its roster; kept in --data
for re-runs), then, each a fresh `sdw` process as a user runs it, into a fresh store:
ingest with the roster → score → report with the deck (`--pptx`) → feedback workbooks for every
member → feedback again with PDFs. For every stage it prints the wall time, the CPU time (user +
system of the process and everything it waited for: steadier than wall time when others share the
cores), the peak RSS of the stage's largest process (wait4) and a rate (files, respondents or
members per second); then the machine's core count and load, and one line per budget:
report ≤ 15 s and ≤ 500 MB, feedback for every member ≤ 60 s, with PDFs ≤ 180 s. (Ingest is judged
as a ratio against a pandas + openpyxl loop: benchmarks/ingest.py.)

``--src DIR`` times another copy of the code (a folder holding ``pipeline/`` and ``notebooks/``, e.g.
``git archive`` of an older commit), so before and after can be run in one sitting.
The key is a throwaway benchmark key (SDW_SECRET_KEY), never the user's; SDW_HOME points into --data.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference import drift, reference  # noqa: E402 - the machine's speed, timed in the same run

BUDGET = {"report_s": 15.0, "report_mb": 500.0, "feedback_s": 60.0, "feedback_pdf_s": 180.0}


@dataclass
class Stage:
    label: str
    seconds: float
    cpu: float
    peak_mb: float
    units: int
    unit: str

    def line(self) -> str:
        rate = f"{self.units / self.seconds:8.1f} {self.unit}/s" if self.units else ""
        return (f"  {self.label:<24} {self.seconds:7.1f} s  CPU {self.cpu:7.1f} s  peak {self.peak_mb:6.0f} MB"
                f"  {rate}")


def run(label: str, argv: list[str], env: dict[str, str], units: int = 0, unit: str = "") -> tuple[Stage, str]:
    """``python -m pipeline ARGV`` in a fresh process: wall, CPU and peak RSS (wait4: the largest process)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", *argv], env=env, cwd=env["SDW_HOME"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        print(out[-3000:])
        raise SystemExit(f"stage {label} failed")
    stage = Stage(label, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, units, unit)
    print(stage.line(), flush=True)
    return stage, out


def synth_once(data: Path, sector: str, year: int, n: int | None, env: dict[str, str]) -> Path:
    """The year's submissions in ``data/raw``, written once per parameter set (params.json beside them)."""
    raw = data / "raw" / sector / str(year)
    params = {"sector": sector, "year": year, "n": n, "seed": 0}
    marker = data / "raw" / f"{sector}-{year}.json"
    if not (marker.exists() and json.loads(marker.read_text()) == params):
        shutil.rmtree(raw, ignore_errors=True)
        argv = ["synth", "--sector", sector, "--year", str(year), "--out", str(raw), "--seed", "0"]
        run("synth (once)", argv + (["--n", str(n)] if n else []), env)
        marker.write_text(json.dumps(params))
    return raw


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sector", default="auto")
    p.add_argument("--year", type=int, default=2024)
    p.add_argument("--n", type=int, default=None, help="respondents (default: the published count)")
    p.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "sdw-bench-year")
    p.add_argument("--src", type=Path, default=None, help="time this copy of the code instead of the checkout")
    p.add_argument("--no-pdf", action="store_true", help="skip the feedback run with PDFs")
    p.add_argument("--workers", type=int, default=None, help="feedback workers (default: sdw's own)")
    a = p.parse_args()
    data = a.data.resolve()
    data.mkdir(parents=True, exist_ok=True)
    src = (a.src or ROOT).resolve()
    env = {**os.environ, "SDW_HOME": str(data), "SDW_SECRET_KEY": "benchmark-year-key-not-a-secret-0123456789",
           "PYTHONPATH": str(src), "MPLBACKEND": "Agg"}
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"year benchmark: {a.sector} FY{a.year}, code {src}, {cores} cores, load {os.getloadavg()[0]:.1f}")
    start = reference()
    raw = synth_once(data, a.sector, a.year, a.n, env)
    files = sum(1 for f in raw.rglob("*") if f.is_file())
    roster = raw.parent / f"{a.year}_truth" / "roster.csv"
    run_dir = data / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    store = run_dir / "store"
    y = ["--sector", a.sector, "--year", str(a.year)]
    stages = []
    ingest, out = run("ingest (roster)", ["ingest", *y, "--raw", str(raw), "--store", str(store), "--roster",
                                          str(roster)], env, files, "files")
    stages.append(ingest)
    import pandas as pd

    members = int(pd.read_parquet(store / "respondents", columns=["respondent_key"])["respondent_key"].nunique())
    stages.append(run("score", ["score", "--store", str(store)], env, members, "respondents")[0])
    stages.append(run("report (deck)", ["report", "--sector", a.sector, "--years", f"{a.year}-{a.year}", "--pptx",
                                        "--store", str(store), "--out", str(run_dir / "reports"), "--figures",
                                        str(run_dir / "figures")], env, members, "respondents")[0])
    workers = ["--workers", str(a.workers)] if a.workers else []
    fb = run("feedback (workbooks)", ["feedback", *y, "--store", str(store), "--out", str(run_dir / "fb"), *workers],
             env, members, "members")[0]
    stages.append(fb)
    pdf = None
    if not a.no_pdf:
        pdf = run("feedback (+ PDFs)", ["feedback", *y, "--store", str(store), "--out", str(run_dir / "fb_pdf"),
                                        "--pdf", *workers], env, members, "members")[0]
        stages.append(pdf)
    report = next(s for s in stages if s.label.startswith("report"))
    total = sum(s.seconds for s in stages)
    print(f"  {'cycle (no synth)':<24} {total:7.1f} s  CPU {sum(s.cpu for s in stages):7.1f} s  "
          f"({cores} cores, load {os.getloadavg()[0]:.1f} at the end)")

    def mark(ok: bool) -> str:
        return "met" if ok else "NOT met"

    # one line per budget: the wall time of this run, and CPU / cores (what free cores would take at best: on a
    # shared machine the wall time is mostly other people's work); memory is the largest process's peak RSS
    def timed(label: str, stage: Stage, budget: float) -> str:
        best = stage.cpu / cores
        return (f"  {label:<30} wall {stage.seconds:7.1f} s ≤ {budget:.0f} s {mark(stage.seconds <= budget):<8}"
                f" CPU / {cores} cores {best:6.1f} s {mark(best <= budget)}")

    lines = [timed("report (deck)", report, BUDGET["report_s"]),
             f"  {'report peak memory':<30} {report.peak_mb:.0f} MB ≤ {BUDGET['report_mb']:.0f} MB "
             f"{mark(report.peak_mb <= BUDGET['report_mb'])}",
             timed("feedback, every member", fb, BUDGET["feedback_s"])]
    if pdf:
        lines.append(timed("feedback with PDFs", pdf, BUDGET["feedback_pdf_s"]))
    scope = "" if a.n is None else f" (the budgets are for the published count; this run has {members} members)"
    print(f"budgets ({cores} cores, load {os.getloadavg()[0]:.1f}){scope}:")
    print("\n".join(lines))
    print(drift(start, reference()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
