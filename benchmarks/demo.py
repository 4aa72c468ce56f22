"""Benchmark: `sdw demo` stage by stage, fresh and with its synthetic data already present.

usage: python benchmarks/demo.py [--repeat 1] [--keep] [--src DIR] [--against DIR] [--fresh-only]

Each repeat makes a fresh temporary project folder (``SDW_HOME``, so data/raw, data/processed,
figures and reports all land there) and runs the demo twice in fresh processes, as a user runs it:
1. fresh: synthesise every sector-year, ingest, score, report;
2. again: the synthetic data exists (its params.json marker matches), so synth is skipped, and the
   store is up to date (its build stamp matches, pipeline/builds.py), so ingest and score are too.

The child process runs the real :func:`pipeline.stages.demo` with the stage functions it calls wrapped
in timers, so the stages timed are the demo's own, in its order and with its arguments. It prints the
wall time of synth and ingest per sector-year, score, report per sector (power, auto, cross-sector),
the report stage as a whole (the notebooks run side by side, so the per-sector times overlap), the rest
(interpreter start, imports, printing), the total and the CPU of the whole process tree; then peak memory two ways:
``getrusage`` (the demo process's own peak plus that of its largest descendant — synth and ingest
workers, report kernels) and, when psutil is installed, the whole process tree's RSS sampled every
0.1 s. A last line compares the medians with the budgets in docs/architecture.md §8: demo < 60 s fresh,
< 30 s with its data, each report < 15 s, < 1 GB peak.

``--against DIR`` times a second copy of the code (the "before", e.g. a ``git archive`` of main) in the same
sitting: each repeat runs both, alternating which goes first, and every run prints its load average, so a
difference can be told from the machine's other work.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference import drift, reference  # noqa: E402 - the machine's speed, timed in the same run

BUDGET = {"fresh": 60.0, "again": 30.0, "report": 15.0, "peak_mb": 1024.0}
MARK = "BENCH-JSON "


def cpu_seconds() -> float:
    """User and system CPU of this process and of every descendant it has waited for (pool workers,
    report kernels): less disturbed than wall time when other work shares the cores."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def child() -> None:
    """Run ``sdw demo`` in this process with its stages timed; print the timings as one JSON line.

    The demo imports its stage functions inside ``demo()``, from the modules, at call time, so
    replacing the module attributes here times exactly the calls it makes.
    """
    t_start = time.perf_counter()
    import pipeline
    import pipeline.ingest
    import pipeline.report.run
    import pipeline.scoring
    import pipeline.synth
    from pipeline import stages

    stamps: list[tuple[str, float]] = []
    cpu: dict[str, float] = {}
    rss_after: dict[str, int] = {}

    def timed(module: object, name: str, label: Callable[[tuple, dict, Any], str]) -> None:
        inner = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0, c0 = time.perf_counter(), cpu_seconds()
            result = inner(*args, **kwargs)
            stamps.append((label(args, kwargs, result), time.perf_counter() - t0))
            cpu[stamps[-1][0]] = cpu_seconds() - c0
            rss_after[stamps[-1][0]] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return result

        setattr(module, name, wrapper)

    timed(pipeline.synth, "synthesise", lambda a, k, r: f"synth {a[0]} {a[1]}")
    if hasattr(pipeline.synth, "Underway"):  # years synthesised in processes of their own (not in older code)
        timed(pipeline.synth.Underway, "results",
              lambda a, k, r: f"synth {a[0].sector} (waited for {len(a[0].running)} process(es))")
    timed(pipeline.ingest, "ingest", lambda a, k, r: f"ingest {a[0]} {a[1]}")
    timed(pipeline.scoring, "score_store", lambda a, k, r: "score")

    def report_label(a: tuple, k: dict, r: Any) -> str:
        for sector, seconds in r.seconds.items():
            stamps.append((f"report {sector}", seconds))
        # the demo starts its longest report (one sector) early, beside the other sector's build: its call overlaps
        # the synth, ingest and score timed after it, and the CPU its thread uses counts in theirs
        return "report (all)" if a[0] == "all" else f"report {a[0]} started early (wall of its call)"

    timed(pipeline.report.run, "run_report", report_label)
    timed(pipeline.report.run, "execute", lambda a, k, r: f"execute {a[1].get('sector', 'all')}")
    print(f"timing the pipeline package in {Path(pipeline.__file__).parent}", file=sys.stderr)
    t_imported = time.perf_counter()
    code = stages.demo()
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(MARK + json.dumps({"code": code, "stages": stamps, "cpu": cpu, "rss_after": rss_after,
                             "imports": t_imported - t_start, "in_process": time.perf_counter() - t_start,
                             "self_kb": self_kb, "kids_kb": kids_kb}), flush=True)


class TreeRSS(threading.Thread):
    """Samples the memory of a process and all its descendants every ``every`` seconds: the sum of
    their RSS (which counts pages a forked worker shares with its parent twice) and of their PSS
    (shared pages split between the processes sharing them: the memory the tree really holds)."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self.peak_pss, self.stop = pid, every, 0, 0, threading.Event()

    def run(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stop.is_set():
            total = pss = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error, AttributeError):
                        got = p.memory_full_info()
                        total, pss = total + got.rss, pss + got.pss
            except psutil.Error:
                break
            self.peak, self.peak_pss = max(self.peak, total), max(self.peak_pss, pss)
            self.stop.wait(self.every)


def run_demo(home: Path, src: Path = ROOT) -> dict:
    """One ``sdw demo`` in a fresh process with ``SDW_HOME=home``; its stage timings and peaks."""
    env = {**os.environ, "SDW_HOME": str(home), "PYTHONUNBUFFERED": "1",
           "SDW_SECRET_KEY": os.environ.get("SDW_SECRET_KEY", "benchmark-key")}
    start = reference()
    t0, load0 = time.perf_counter(), os.getloadavg()[0]
    used0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    # the report kernels import pipeline too: PYTHONPATH makes them import the same copy as the demo
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src.resolve()), os.environ.get("PYTHONPATH")]))
    proc = subprocess.Popen([sys.executable, __file__, "--child", "--src", str(src)], cwd=home, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeRSS(proc.pid)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    used = resource.getrusage(resource.RUSAGE_CHILDREN)  # the child and everything it waited for
    tree_cpu = (used.ru_utime - used0.ru_utime) + (used.ru_stime - used0.ru_stime)
    sampler.stop.set()
    sampler.join()
    (home / "demo_output.txt").write_text(out + "\n--- stderr ---\n" + err, encoding="utf-8")  # what sdw demo printed
    lines = [line for line in out.splitlines() if line.startswith(MARK)]
    if proc.returncode or not lines:
        sys.exit(f"sdw demo failed ({proc.returncode}):\n{out}\n{err}")
    got = json.loads(lines[-1][len(MARK):])
    got["wall"], got["tree_peak_mb"], got["tree_pss_mb"] = wall, sampler.peak / 2**20, sampler.peak_pss / 2**20
    got["tree_cpu"], got["load"] = tree_cpu, (load0, os.getloadavg()[0])
    print(f"  {src}: wall {wall:.1f} s, CPU {tree_cpu:.1f} s (process tree), load {load0:.1f} → {got['load'][1]:.1f}",
          flush=True)
    print(f"  {drift(start, reference())}", flush=True)
    return got


def table(runs: list[dict], title: str) -> dict[str, float]:
    """Print one line per stage (median over runs, and every run); return the medians."""
    labels = [label for label, _ in runs[0]["stages"] if label != "report (all)" and not label.startswith("execute")]
    rows: dict[str, list[float]] = {label: [] for label in labels}
    cpu: dict[str, list[float]] = {label: [] for label in labels}
    for r in runs:
        got = dict(r["stages"])
        for label in labels:
            rows[label].append(got.get(label, float("nan")))
            key = label.replace("report ", "execute ") if label.startswith("report ") else label
            cpu[label].append(r["cpu"].get(key, float("nan")))
    # the notebooks run side by side: the report stage's own wall, beside the per-sector times that overlap
    rows["reports, all notebooks (wall)"] = [dict(r["stages"]).get("report (all)", float("nan")) for r in runs]
    cpu["reports, all notebooks (wall)"] = [r["cpu"].get("report (all)", float("nan")) for r in runs]
    rows["start-up and imports"] = [r["imports"] for r in runs]
    rows["other (demo's own, printing)"] = [r["in_process"] - r["imports"] - sum(
        s for label, s in r["stages"] if not label.startswith(("report ", "execute ")) or label == "report (all)")
        for r in runs]
    rows["process start to exit (wall)"] = [r["wall"] for r in runs]
    cpu["process start to exit (wall)"] = [r["tree_cpu"] for r in runs]
    print(f"\n{title}" + (f" — median of {len(runs)} runs" if len(runs) > 1 else "")
          + "; wall, CPU of the process and its workers/kernels")
    groups = {"synth": 0.0, "ingest": 0.0, "report": 0.0}
    for label, values in rows.items():
        med = statistics.median(values)
        every = f"  (wall {', '.join(f'{v:.2f}' for v in values)})" if len(values) > 1 else ""
        used = f"  cpu {statistics.median(cpu[label]):6.2f} s" if label in cpu else " " * 16
        print(f"  {label:<30} {med:7.2f} s{used}{every}")
        for g in groups:
            if label.startswith(g + " ") and label != "reports, all notebooks (wall)" and "(" not in label:
                groups[g] += med
    print("  " + ", ".join(f"{g} {t:.1f} s in all" for g, t in groups.items() if t)
          + " (the reports' times overlap when they run side by side)")
    print("  load average (1 min) at start → end of each run: "
          + ", ".join(f"{r['load'][0]:.1f} → {r['load'][1]:.1f}" for r in runs))
    self_mb = statistics.median(r["self_kb"] / 1024 for r in runs)
    kids_mb = statistics.median(r["kids_kb"] / 1024 for r in runs)
    tree = statistics.median(r["tree_peak_mb"] for r in runs)
    pss = statistics.median(r["tree_pss_mb"] for r in runs)
    print(f"  peak RSS: demo process {self_mb:.0f} MB + largest descendant {kids_mb:.0f} MB = "
          f"{self_mb + kids_mb:.0f} MB (getrusage); whole tree sampled every 0.1 s: "
          + (f"RSS {tree:.0f} MB, PSS {pss:.0f} MB" if tree else "n/a (no psutil)"))
    steps = runs[0]["rss_after"]
    print("  demo process peak RSS after each stage (MB): "
          + ", ".join(f"{k} {v / 1024:.0f}" for k, v in steps.items() if not k.startswith("execute")))
    return {"wall": statistics.median(rows["process start to exit (wall)"]),
            "report_max": max(statistics.median(v) for k, v in rows.items() if k.startswith("report ")),
            "cpu": statistics.median(r["tree_cpu"] for r in runs),
            "peak_mb": pss or self_mb + kids_mb}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=1, help="fresh project folders, each run fresh then again")
    ap.add_argument("--keep", action="store_true", help="keep the temporary project folders (printed)")
    ap.add_argument("--src", type=Path, default=ROOT,
                    help="folder holding the pipeline package (and notebooks/) to time; another copy of the "
                         "code, e.g. a `git archive` of an older commit, times that code in the same sitting")
    ap.add_argument("--against", type=Path, default=None,
                    help="a second copy of the code (the before), run alternately with --src in the same sitting")
    ap.add_argument("--fresh-only", action="store_true", help="only the cold runs (no second run on the same data)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        sys.path.insert(0, str(args.src.resolve()))
        child()
        return
    codes = [args.src] if args.against is None else [args.against, args.src]
    fresh: dict[Path, list[dict]] = {c: [] for c in codes}
    again: dict[Path, list[dict]] = {c: [] for c in codes}
    for i in range(args.repeat):
        order = codes if i % 2 == 0 else codes[::-1]  # alternated: neither copy always meets the same load
        for src in order:
            home = Path(tempfile.mkdtemp(prefix="sdw-bench-demo-"))
            print(f"run {i + 1}/{args.repeat}, code from {src}, in {home} …", flush=True)
            try:
                fresh[src].append(run_demo(home, src))
                if not args.fresh_only:
                    again[src].append(run_demo(home, src))
            finally:
                if not args.keep:
                    shutil.rmtree(home, ignore_errors=True)
    print(f"{os.cpu_count()} cores, {sys.executable}")
    for src in codes:
        name = "before" if args.against is not None and src == args.against else "after"
        print(f"\n=== {name if args.against is not None else 'code'}: {src}")
        f = table(fresh[src], "fresh project folder (synth, ingest, score, report)")
        a = table(again[src], "again, synthetic data present (synth, and with an up-to-date store ingest and score, "
                              "skipped)") if again[src] else None
        verdicts(f, a)


def verdicts(f: dict[str, float], a: dict[str, float] | None) -> None:
    """One line against the budgets of docs/architecture.md §8."""
    peak = max(f["peak_mb"], a["peak_mb"] if a else 0.0)
    report = max(f["report_max"], a["report_max"] if a else 0.0)

    def verdict(ok: bool) -> str:
        return "ok" if ok else "OVER"

    again = (f"with data {a['wall']:.1f} s / {BUDGET['again']:.0f} s {verdict(a['wall'] < BUDGET['again'])}; "
             if a else "")
    print(f"\nbudgets: fresh {f['wall']:.1f} s / {BUDGET['fresh']:.0f} s {verdict(f['wall'] < BUDGET['fresh'])} "
          f"(CPU {f['cpu']:.1f} s); {again}"
          f"slowest report {report:.1f} s / {BUDGET['report']:.0f} s {verdict(report < BUDGET['report'])}; "
          f"peak {peak:.0f} MB / {BUDGET['peak_mb']:.0f} MB {verdict(peak < BUDGET['peak_mb'])} "
          "(process tree PSS; getrusage without psutil)")


if __name__ == "__main__":
    main()
