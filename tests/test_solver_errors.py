"""HiGHS failing on a mixed-integer programme even without presolve is counted, not silent: the audit's solver
stats hold the count, a report's tables.json keeps it and ``sdw report`` / ``sdw audit`` print it.

The case, typed by hand: one year, segments A (10 companies, ready share hidden for its split: at most 4 or at
least 6 ready) and B (20, hidden beside it), total 30 with 25 ready (published). So 10a + 20b = 25: the relaxation
gives a ∈ [0.5, 1] and b ∈ [0.75, 1]; the split removes (0.4, 0.6), so the intruder's a is [0.6, 1] (6 ready, B 19).
Two extremes of the relaxation fall between the split's branches and need a mixed-integer programme: the least a
(0.5, with b = 1) and the greatest b (1, with a = 0.5); the other two (a = 1, b = 0.75) meet the split already."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import pipeline.publish.intervals as intervals
from pipeline.publish.audit import SPECS_FILE, solver_errors_of, write_audit
from pipeline.publish.cells import hidden_cells
from pipeline.publish.intervals import SolverStats, solve
from pipeline.publish.model import PublishedTable, TableSpec
from pipeline.publish.publisher import published_frame
from pipeline.scoring.disclosure import HIDDEN_COUNT

SPEC = TableSpec(keys=["sector", "year", "framework", "node_id"], total="全体",
                 counts={"share_reached": "n_scored"})


def _tables() -> tuple[list[PublishedTable], pd.DataFrame]:
    frame = pd.DataFrame({"sector": "auto", "year": 2024, "framework": "star", "node_id": "★3",
                          "segment": ["A", "B", "全体"], "n_scored": [10.0, 20.0, 30.0],
                          "share_reached": [6 / 10, 19 / 20, 25 / 30], "suppressed": ["split", "complementary", ""]})
    frame[HIDDEN_COUNT] = frame["n_scored"]
    frame.loc[:1, ["share_reached", "n_scored"]] = np.nan
    log = hidden_cells([PublishedTable("star", "star", frame, list(frame.columns), spec=SPEC)])
    shown = published_frame(frame, SPEC.keys)
    return [PublishedTable("star", "star", shown, list(shown.columns), spec=SPEC)], log


def _failing_extremes(monkeypatch, solved_at: float | None = None) -> None:
    """Every programme that minimises or maximises a variable fails as HiGHS's solve error does (status 4, no
    point), unless ``solved_at`` is given and its MIP feasibility tolerance is that tight; the first programme (any
    point: c = 0) is solved as ever. No cached extremes are read."""
    from pipeline.publish import programmes

    real = programmes.Programme.minimise

    def failing(self, cost):
        tight = solved_at is not None and self.option("mip_feasibility_tolerance") <= solved_at
        if self.mip and np.any(cost) and not tight:
            return programmes.Outcome(intervals.SOLVE_ERROR, None)
        return real(self, cost)

    monkeypatch.setattr(programmes.Programme, "minimise", failing)
    monkeypatch.setattr(intervals, "_SOLVED", {})


def _a(found: list) -> tuple[float, float]:
    return next((iv.low, iv.high) for iv in found if "segment=A" in iv.cell)


def test_without_errors_the_split_leaves_six_to_ten_ready_and_no_error_is_counted(monkeypatch):
    monkeypatch.setattr(intervals, "_SOLVED", {})
    tables, log = _tables()
    stats = SolverStats()
    found = solve(tables, log, 5, stats=stats)
    assert _a(found) == pytest.approx((0.6, 1.0), abs=1e-6)
    assert stats.errors == 0


def test_a_forced_solve_error_is_counted_once_per_programme_and_again_from_the_cache(monkeypatch):
    _failing_extremes(monkeypatch)
    tables, log = _tables()
    stats = SolverStats()
    found = solve(tables, log, 5, stats=stats, reuse=True)
    assert stats.errors == 2  # the least A and the greatest B
    low, high = _a(found)
    assert low >= 0.6 - 1e-6 and high == pytest.approx(1.0)  # the best point seen: never wider than the intruder's
    again = SolverStats()
    solve(tables, log, 5, stats=again, reuse=True)  # the same programme, read from the cache: the same count
    assert again.errors == 2 and again.milp == 0


def test_the_reports_check_keeps_its_solver_errors_for_sdw_report_to_print(monkeypatch, tmp_path, capsys):
    from pipeline.stages import solver_errors

    _failing_extremes(monkeypatch)
    tables, log = _tables()
    write_audit(tmp_path, tables, 5, hidden=log, private=tmp_path / "private")
    assert json.loads((tmp_path / SPECS_FILE).read_text(encoding="utf-8"))["solver_errors"] == 2
    assert solver_errors_of(tmp_path) == 2
    assert solver_errors(2).startswith("2 solver error(s): HiGHS failed")
    assert solver_errors(0) == "no solver error"


def test_a_programme_failing_with_and_without_presolve_is_solved_at_a_tighter_tolerance(monkeypatch):
    """HiGHS 1.16 refused its own optimum of a stress-store programme, a row broken by 1.0000000000929e-6 against
    its 1e-6 MIP feasibility tolerance, with presolve and without: the third try, at 1e-7, solves it. Here every
    mixed-integer extreme fails at the usual tolerance and solves at the tight one: A reads its true [0.6, 1] and
    no error is counted."""
    from pipeline.publish.programmes import TIGHT_MIP

    _failing_extremes(monkeypatch, solved_at=TIGHT_MIP)
    tables, log = _tables()
    stats = SolverStats()
    found = solve(tables, log, 5, stats=stats)
    assert _a(found) == pytest.approx((0.6, 1.0), abs=1e-6)
    assert stats.errors == 0
