"""Score, report and audit a stress store (``tools/stress_store.py``): the evidence for docs/method.md §5.5.

    python tools/stress_store.py FOLDER [SEED]    # build it (≈ 1 min)
    python tools/stress_run.py FOLDER [WHAT_IF]   # ≈ 10–30 min on the shared machine

Runs, with ``SDW_HOME=FOLDER``: ``sdw score``; ``sdw report`` for power, automotive (by size band, with its industry
breakdown; and once more with ``--what-if WHAT_IF``, default ``star3:size_band=〜300人``, the documented group
of 〜100人 and 101〜300人 that the stress store merges (a band merged away is refused), into ``reports/auto_what_if``),
automotive by industry (``--segment-by industry`` into ``reports/auto_industry``), and
``--sector all``; then ``sdw audit`` on every report folder, and ``tools/interval_summary.py`` on each: hidden
cells, bounded statistics, the narrowest interval beside the width it needs, failures. A report the protection
refuses is printed with its reason and the run goes on. Exit status 1 when any step failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(args: list[str], env: dict[str, str]) -> int:
    print("$ " + " ".join(args), flush=True)
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    tail = (done.stdout + done.stderr).strip().splitlines()[-12:]
    print("\n".join("  " + line for line in tail), flush=True)
    print(f"  exit {done.returncode}", flush=True)
    return done.returncode


def main(folder: Path, what_if: str = "star3:size_band=〜300人") -> int:
    sdw = str(Path(sys.executable).with_name("sdw"))
    env = {**os.environ, "SDW_HOME": str(folder), "MPLBACKEND": "Agg"}
    reports = folder / "reports"
    steps = [[sdw, "score"],
             [sdw, "report", "--sector", "power", "--quiet"],
             [sdw, "report", "--sector", "auto", "--quiet"],
             [sdw, "report", "--sector", "auto", "--quiet", "--what-if", what_if, "--out",
              str(reports / "auto_what_if")],
             [sdw, "report", "--sector", "auto", "--quiet", "--segment-by", "industry", "--out",
              str(reports / "auto_industry")],
             [sdw, "report", "--sector", "all", "--quiet"]]
    failed = sum(_run(step, env) != 0 for step in steps)
    folders = sorted({p.parent for p in reports.rglob("tables.json")})
    summary = Path(__file__).with_name("interval_summary.py")
    for f in folders:
        failed += _run([sdw, "audit", str(f)], env) != 0
        failed += _run([sys.executable, str(summary), str(f)], env) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), *sys.argv[2:3]))
