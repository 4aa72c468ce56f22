"""Benchmark: the disclosure audit's interval solver on report folders, CPU time and programmes solved.

usage: python benchmarks/solver.py REPORT_DIR [REPORT_DIR ...] [--repeat 3]

For each folder written by ``sdw report`` it reads what the report published (machine copy, specs, hidden-cell
log) and runs :func:`pipeline.publish.intervals.solve` as the audit does, printing the CPU time (process time,
steadier than wall time on a shared machine; the median of ``--repeat`` runs), the hidden statistics bounded,
and, where the code counts them, the linear and mixed-integer programmes solved (and any stopped at the
time cap). Run it with another checkout's interpreter (``/path/to/other/.venv/bin/python benchmarks/solver.py``)
to time the code of that checkout on the same folders: before and after in one sitting.

A report solves more than this: completion (``complete``) runs the solver again after each round of hiding,
so a report's solver time is a few times the audit's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def one(folder: Path) -> dict[str, object]:
    from pipeline.publish import intervals
    from pipeline.publish.audit import read_report_folder

    tables, hidden, k, relations = read_report_folder(folder)
    counter = intervals.SolverStats() if hasattr(intervals, "SolverStats") else None
    start = time.process_time()
    solved = (intervals.solve(tables, hidden, k, relations, stats=counter) if counter is not None
              else intervals.solve(tables, hidden, k, relations))
    out: dict[str, object] = {"cpu_s": time.process_time() - start, "bounded": len(solved),
                              "failing": sum(iv.fails for iv in solved)}
    if counter is not None:
        out.update(groups=counter.groups, joint_groups=counter.joint_groups, lp=counter.lp, milp=counter.milp,
                   capped=counter.capped, errors=getattr(counter, "errors", 0))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another checkout (e.g. one at the commit before highspy, the "
                        "scipy path): the same folders timed with its code in a subprocess, and the ratio printed")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    for folder in args.folders:
        runs = [one(folder) for _ in range(args.repeat)]
        cpu = statistics.median(r["cpu_s"] for r in runs)
        if args.json:
            print(json.dumps({"cpu_s": cpu}))
            continue
        if args.against:
            other = subprocess.run([sys.executable, __file__, str(folder), "--repeat", str(args.repeat), "--json"],
                                   env={**os.environ, "PYTHONPATH": str(args.against.resolve())}, check=True,
                                   capture_output=True, text=True, cwd=args.against)
            theirs = json.loads(other.stdout.strip().splitlines()[-1])["cpu_s"]
            print(f"{folder}: {args.against} {theirs:.2f} s CPU, this checkout {cpu:.2f} s: "
                  f"{theirs / max(cpu, 1e-9):.1f}x")
        rest = {k: v for k, v in runs[-1].items() if k != "cpu_s"}
        each = ", ".join(f"{r['cpu_s']:.2f}" for r in runs)
        print(f"{folder}: solver {cpu:.2f} s CPU (median of {args.repeat}: {each}); "
              + ", ".join(f"{k} {v}" for k, v in rest.items()))


if __name__ == "__main__":
    main()
