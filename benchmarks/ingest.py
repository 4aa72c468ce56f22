"""Benchmark: `sdw ingest` on synthetic automotive workbooks vs a plain pandas.read_excel(openpyxl) loop.

usage: python benchmarks/ingest.py [--n 3100] [--data DIR] [--baseline-sample K]

Generates the workbooks once (kept in --data for re-runs), then in the same run times
1. `sdw ingest` as a user runs it (a fresh process: start-up, discovery, reading, cleaning,
   validation, store write and quarantine report), and
2. the baseline: for every workbook, pandas.read_excel(engine="openpyxl") — reading only, no
   cleaning or writing. By default it reads every sheet (sheet_name=None): sheets are renamed and
   reordered in real files, so a loop that reads "the first two" reads the wrong ones in about one
   file in six; --baseline-sheets first-two times that cheaper, wrong-sometimes loop instead.
Prints both wall times and the ratio, with each run's CPU (user + system of the process and its readers) and the
load average when it started: on a shared machine the ratio suffers under load (the loop uses one core, ingest
both), and the CPU says what the code costs whatever the load. --baseline-sample K times the baseline on K files
and scales it up (said plainly in the output); the default times every file.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.synth import synthesise  # noqa: E402


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes, their own children included."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def baseline(files: list[Path], sheets: str) -> tuple[float, int]:
    ok = 0
    which = None if sheets == "all" else [0, 1]
    t0 = time.perf_counter()
    for path in files:
        try:
            pd.read_excel(path, sheet_name=which, header=None, engine="openpyxl")
            ok += 1
        except Exception:  # noqa: BLE001 - bad files fail here as in any loop a clerk would write
            pass
    return time.perf_counter() - t0, ok


def _read_only(paths: list[Path]) -> int:
    import fastexcel

    read = 0
    for path in paths:
        try:
            book = fastexcel.read_excel(path.read_bytes())
            for name in book.sheet_names[:2]:
                book.load_sheet(name, header_row=None, skip_rows=0, dtypes="string").to_arrow()
            read += 1
        except Exception:  # noqa: BLE001 - as in the baseline
            pass
    return read


def reader_floor(files: list[Path], workers: int) -> float:
    """The Rust reader alone on the same files, two sheets each, in `workers` processes: no
    interpretation, validation or writing. Whatever sdw ingest does beyond this is Python."""
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        sum(pool.map(_read_only, [files[i: i + 32] for i in range(0, len(files), 32)]))
    return time.perf_counter() - t0


def timed_ingest(raw: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, float, float, float]:
    """One `sdw ingest` of ``raw`` into a fresh store, in a fresh process: its output, wall seconds, CPU seconds
    and the load average at its start. The store is a temporary folder, removed afterwards whatever happens."""
    store = Path(tempfile.mkdtemp(prefix="sdw-bench-store-"))
    try:
        cmd = [sys.executable, "-m", "pipeline", "ingest", "--sector", "auto", "--year", "2024", "--raw", str(raw),
               "--store", str(store)]
        load = os.getloadavg()[0]
        cpu0, t0 = _children_cpu(), time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[1])
        seconds, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    finally:
        shutil.rmtree(store, ignore_errors=True)
    if done.returncode:
        sys.exit(f"sdw ingest failed: {done.stderr}")
    return done, seconds, cpu, load


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=3100)
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "sdw-bench-auto")
    ap.add_argument("--baseline-sample", type=int, default=0)
    ap.add_argument("--baseline-sheets", choices=("all", "first-two"), default="all")
    ap.add_argument("--repeat", type=int, default=3, help="runs of sdw ingest; the median is compared")
    args = ap.parse_args()
    raw = args.data / f"auto-2024-n{args.n}"
    if not raw.exists():
        print(f"generating {args.n} workbooks into {raw} …", flush=True)
        r = synthesise("auto", 2024, raw, n=args.n, seed=0)
        print(f"  generated in {r.seconds:.1f} s")
    files = sorted(p for p in raw.rglob("*") if p.suffix in (".xlsx", ".xlsm", ".xls"))
    env = {**os.environ, "SDW_SECRET_KEY": os.environ.get("SDW_SECRET_KEY", "benchmark-key")}
    runs, cpus, loads = [], [], []
    for _ in range(args.repeat):
        done, seconds, cpu, load = timed_ingest(raw, env)
        runs.append(seconds)
        cpus.append(cpu)
        loads.append(load)
    print(done.stdout.strip())
    ours = statistics.median(runs)
    sample = files[: args.baseline_sample] if args.baseline_sample else files
    base_load, base_cpu0 = os.getloadavg()[0], time.process_time()
    base, ok = baseline(sample, args.baseline_sheets)
    base_cpu = time.process_time() - base_cpu0
    scaled = base * len(files) / len(sample)
    label = "" if sample is files else f" (timed on {len(sample)} files, scaled to {len(files)})"
    print(f"files: {len(files)} workbooks on disk, {args.n} respondents, {os.cpu_count()} cores")
    print(f"sdw ingest (fresh process, end to end): median {ours:.2f} s of {len(runs)} runs "
          f"({', '.join(f'{r:.2f}' for r in runs)}); CPU {', '.join(f'{c:.2f}' for c in cpus)} s; "
          f"load average at start {', '.join(f'{x:.1f}' for x in loads)}")
    print(f"baseline pandas.read_excel(openpyxl, sheets: {args.baseline_sheets}) loop, reading only: "
          f"{scaled:.2f} s{label}; {ok} files opened; CPU {base_cpu * len(files) / len(sample):.2f} s; "
          f"load average at start {base_load:.1f}")
    print(f"ratio: {scaled / ours:.1f}x faster")
    floor = reader_floor(files, min(2, os.cpu_count() or 1))
    print(f"for scale: the Rust reader alone (fastexcel, two sheets per workbook, 2 processes, this process "
          f"already started): {floor:.2f} s")


if __name__ == "__main__":
    main()
