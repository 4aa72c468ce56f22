"""Load benchmark (issue 14, part 8): many years of both sectors into one store, then score and report.

usage: python benchmarks/load.py [--years 2] [--n-auto 200] [--n-power 100] [--data DIR] [--workers W]
       python benchmarks/load.py --full      # ten years × 3,100 automotive + ten years × 797 power

Each stage runs as `sdw` does, in a fresh process (`python -m pipeline …`): synthesise each
(sector, year) once into --data (kept for re-runs, with its parameters), ingest each into one store,
`sdw score`, `sdw report --sector all`. For every stage it prints the wall time and the peak RSS of
the largest process of that stage (the stage's own process or one of its workers, from wait4), and
checks the store with `sdw check` (pipeline/check.py).

Targets: peak RSS ≤ 2 GB (issue 26; it was 4 GB in issue 14), scoring ≤ 30 s at full size; the stage that peaks
is named.

Measured 2026-11-26 on the 2-core development machine (other work running), `--full`: synth 20
sector-years 8.5 min; ingest 4.1–6.4 s per sector-year (102 s in all), its peak RSS growing with the
store from 0.4 to 1.8 GB (each ingest reads and rewrites the whole tables); score 24.2 s, 3.4 GB;
report all 55.5 s, 4.39 GB — over the 4 GB target (the report stage, not ingest). Store contract check: clean.
38,700 respondents, 5,565,150 answers, 46,212 manifest rows.
After the report kernels read only their sector, years, frameworks and columns (2026-11-26, same store
built again, load 2.6): report all 53.1 s, 2.28 GB (4.39 GB with the code before, same sitting).

Measured 2026-12-07 (load average 6–15, other sessions' work on the two cores; benchmarks/README.md, load):
synth 20 sector-years 47.6 min; ingest 40–77 s per sector-year (1,043 s in all), peak 0.54 → 1.74 GB;
`sdw score` scoring one sector-year at a time 92.5 s, 0.85 GB (main's, same store and sitting: 106.4 s, 3.45 GB;
the same scores); report all 480.0 s, 1.91 GB (its automotive kernel; main's, same sitting: 403.5 s, 2.24 GB;
the same outputs). Stage that peaks: report all, under the 2 GB target by 0.09 GB; then ingest's last
sector-year, 1.74 GB. Store contract check: clean.

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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_YEAR = {"auto": 2022, "power": 2024}


def run_stage(label: str, argv: list[str], env: dict[str, str], rows: list[tuple[str, float, float]]) -> None:
    """Run ``python -m pipeline ARGV`` and record its wall time and peak RSS (GB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", *argv], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    rss_gb = usage.ru_maxrss / 1024 / 1024  # KiB on Linux
    rows.append((label, seconds, rss_gb))
    print(f"  {label:<28} {seconds:8.1f} s  peak RSS {rss_gb:5.2f} GB", flush=True)
    if proc.returncode != 0:
        print(out[-2000:])
        raise SystemExit(f"stage {label} failed (exit {proc.returncode})")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--years", type=int, default=2, help="years per sector (default 2)")
    p.add_argument("--n-auto", type=int, default=200, help="automotive respondents per year (default 200)")
    p.add_argument("--n-power", type=int, default=100, help="power respondents per year (default 100)")
    p.add_argument("--full", action="store_true", help="ten years × 3,100 automotive and × 797 power")
    p.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "sdw-bench-load",
                   help="where submissions are synthesised (kept) and the store is written (fresh each run)")
    p.add_argument("--workers", type=int, default=None, help="processes for synth (default: all cores)")
    p.add_argument("--no-report", action="store_true", help="stop after scoring")
    args = p.parse_args()
    if args.full:
        args.years, args.n_auto, args.n_power = 10, 3100, 797
    env = {**os.environ, "SDW_SECRET_KEY": "sdw-load-benchmark-key", "SDW_HOME": str(args.data / "home"),
           "SDW_LOCK_WAIT": "0"}
    (args.data / "home").mkdir(parents=True, exist_ok=True)
    store = args.data / "store"
    shutil.rmtree(store, ignore_errors=True)
    plan = [(s, FIRST_YEAR[s] + k, n) for s, n in (("auto", args.n_auto), ("power", args.n_power))
            for k in range(args.years)]
    print(f"sdw load benchmark: {args.years} years × ({args.n_auto} automotive + {args.n_power} power) "
          f"→ {store}")
    synth_rows: list[tuple[str, float, float]] = []
    rows: list[tuple[str, float, float]] = []
    for sector, year, n in plan:
        raw = args.data / "raw" / sector / str(year)
        marker = args.data / "raw" / sector / f"{year}.json"
        params = {"n": n, "seed": 0}
        if not (marker.exists() and json.loads(marker.read_text()) == params):
            shutil.rmtree(raw, ignore_errors=True)
            shutil.rmtree(raw.with_name(f"{year}_truth"), ignore_errors=True)
            argv = ["synth", "--sector", sector, "--year", str(year), "--out", str(raw), "--n", str(n), "--seed", "0"]
            if args.workers:
                argv += ["--workers", str(args.workers)]
            run_stage(f"synth {sector} {year}", argv, env, synth_rows)
            marker.write_text(json.dumps(params))
    for sector, year, _ in plan:
        roster = args.data / "raw" / sector / f"{year}_truth" / "roster.csv"
        argv = ["ingest", "--sector", sector, "--year", str(year), "--raw", str(args.data / "raw" / sector / str(year)),
                "--store", str(store)]
        if roster.exists():
            argv += ["--roster", str(roster)]
        run_stage(f"ingest {sector} {year}", argv, env, rows)
    run_stage("score", ["score", "--store", str(store)], env, rows)
    if not args.no_report:
        run_stage("report all", ["report", "--sector", "all", "--store", str(store), "--out",
                                 str(args.data / "reports"), "--figures", str(args.data / "figures")], env, rows)
    ingest_rows = [r for r in rows if r[0].startswith("ingest")]
    peak = max(rows, key=lambda r: r[2])
    print(f"\ningest total {sum(r[1] for r in ingest_rows):.1f} s over {len(ingest_rows)} sector-years; "
          f"peak RSS of any stage {peak[2]:.2f} GB, in {peak[0]} (target ≤ 2 GB); "
          f"score {next(r[1] for r in rows if r[0] == 'score'):.1f} s (target ≤ 30 s)")
    sizes = {p.name: p.stat().st_size for p in store.iterdir() if p.is_file()}
    print("store: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sorted(sizes.items()) if v > 1e5))
    check = subprocess.run([sys.executable, "-m", "pipeline", "check", "--store", str(store)], env=env, cwd=ROOT,
                           capture_output=True, text=True)
    print(f"sdw check: exit {check.returncode}" + (f"\n{check.stdout[-2000:]}" if check.returncode else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
