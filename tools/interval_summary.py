"""How wide the interval solver leaves the hidden cells of report folders: the evidence for docs/method.md §5.5.

    python tools/interval_summary.py REPORT_DIR [REPORT_DIR ...]

Re-runs the audit (:func:`pipeline.publish.audit.audit_folder`) on each folder written by ``sdw report`` and
prints, per folder: the hidden cells (rows of the hidden-cell log), the hidden statistics the solver bounded,
the narrowest interval with the width the method requires of it, the smallest margin (width − required) over
all of them, how many fail, the audit's findings and the solver's errors (programmes HiGHS failed on).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def summary(folder: Path) -> dict[str, object]:
    """One folder's line: hidden cells, bounded statistics, narrowest interval and smallest margin, findings."""
    from pipeline.publish.audit import AUDIT_FILE, audit_folder
    from pipeline.publish.intervals import Interval, SolverStats

    every: list[Interval] = []
    stats = SolverStats()
    findings = audit_folder(folder, every, stats)
    solved = [iv for iv in every if iv.unit == "scale"]  # the hidden statistics; withheld bases apart (companies)
    bases = [iv for iv in every if iv.unit == "companies"]
    log = pd.read_csv(folder / AUDIT_FILE, keep_default_na=False, na_values=[""])
    out: dict[str, object] = {"report": str(folder), "hidden_cells": int(log["check"].eq("hidden").sum()),
                              "bounded": len(solved), "findings": len(findings), "solver_errors": stats.errors}
    if solved:
        narrowest = min(solved, key=lambda iv: iv.width)
        tightest = min(solved, key=lambda iv: iv.width - iv.required)
        out.update(narrowest=f"{narrowest.width:.4f} (needs {narrowest.required:.4f}: {narrowest.statistic}, "
                             f"{narrowest.reason}, n = {narrowest.n:g})",
                   smallest_margin=f"{tightest.width - tightest.required:+.4f} ({tightest.table} {tightest.statistic}"
                                   f" {tightest.reason})",
                   failing=sum(iv.fails for iv in solved))
    if bases:
        narrowest = min(bases, key=lambda iv: iv.width - iv.required)
        out.update(withheld_bases=f"{len(bases)}, narrowest {narrowest.width:g} companies (needs "
                                  f"{narrowest.required:g}), failing {sum(iv.fails for iv in bases)}")
    return out


def main(folders: list[str]) -> None:
    for folder in folders:
        for key, value in summary(Path(folder)).items():
            print(f"{key:>16}: {value}")
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
