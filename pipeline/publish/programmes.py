"""The interval solver's programmes, each held in one HiGHS model and solved again with a new objective.

:mod:`pipeline.publish.intervals` minimises and maximises every hidden statistic of a group over the same relations:
2·n programmes that differ only in their objective (and a few that differ in one variable's bounds). Built once
(:class:`Programme`), the model is solved again with only its costs or bounds changed: a linear programme restarts
from the last optimal basis (a few pivots, no presolve), and no call pays for building the model and checking its
options again, which was most of a year's ★ section when each programme went through ``scipy.optimize.linprog``.

Statuses are scipy's (:data:`OPTIMAL` … :data:`ERROR`, the codes of ``linprog`` and ``milp``), so the solver's reading
of each outcome stays what it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

# scipy's status codes for a HiGHS outcome (scipy.optimize.linprog and milp)
OPTIMAL, LIMIT, INFEASIBLE, UNBOUNDED, ERROR = 0, 1, 2, 3, 4

# One thread: HiGHS's mixed-integer search otherwise runs a pool of worker threads (half the machine's), whose
# waiting cost about four times the search itself on these small programmes (the demo's automotive report: 23 s of
# CPU against 6 s). The pool is made once per process, at the first solve, with this count.
OPTIONS: dict[str, object] = {"output_flag": False, "presolve": "on", "threads": 1}
LP_OPTIONS: dict[str, object] = {"simplex_strategy": 1}  # the dual simplex, as linprog(method="highs")
# the feasibility-jump heuristic (HiGHS ≥ 1.10) finds a first point: here a third of the search's time, and the
# relaxation's own points or the search find one anyway
MIP_OPTIONS: dict[str, object] = {"mip_heuristic_run_feasibility_jump": False}
TIGHT_MIP = 1e-7
"""The MIP feasibility tolerance of a programme's last try (:meth:`Programme.tightened`)."""


@dataclass(frozen=True)
class Outcome:
    """One solve: scipy's status code and the point found (None where HiGHS gives none)."""

    status: int
    x: np.ndarray | None


class Programme:
    """min c·x subject to A·x ≤ b and lower ≤ x ≤ upper (``integer`` columns whole), as one HiGHS model.

    ``options`` are HiGHS options (``presolve`` True/False, ``mip_max_nodes``, ``mip_rel_gap`` …). A linear programme is
    solved with the dual simplex, as ``linprog(method="highs")`` does."""

    def __init__(self, a: np.ndarray | None, b: np.ndarray | None, lower: np.ndarray, upper: np.ndarray,
                 integer: np.ndarray | None = None, options: dict[str, object] | None = None) -> None:
        import highspy

        self._highspy = highspy
        self.width = len(lower)
        self.mip = integer is not None and bool(np.any(integer))
        self.options = {**OPTIONS, **(MIP_OPTIONS if self.mip else LP_OPTIONS)}
        for key, value in (options or {}).items():
            self.options[key] = ("on" if value else "off") if key == "presolve" else value
        h = highspy.Highs()
        for key, value in self.options.items():
            h.setOptionValue(key, value)  # an option this HiGHS does not know (an older heuristic's) is refused quietly
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = self.width
        lp.col_cost_ = np.zeros(self.width)
        lp.col_lower_ = np.where(np.isinf(lower), -inf, lower).astype(float)
        lp.col_upper_ = np.where(np.isinf(upper), inf, upper).astype(float)
        rows = 0 if a is None else a.shape[0]
        lp.num_row_ = rows
        if rows:
            columns, row_ids = np.nonzero(np.asarray(a, dtype=float).T)  # column-major order
            lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
            lp.a_matrix_.num_col_ = self.width
            lp.a_matrix_.num_row_ = rows
            lp.a_matrix_.start_ = np.r_[0, np.cumsum(np.bincount(columns, minlength=self.width))].astype(np.int32)
            lp.a_matrix_.index_ = row_ids.astype(np.int32)
            lp.a_matrix_.value_ = np.asarray(a, dtype=float)[row_ids, columns]
            lp.row_lower_ = np.full(rows, -inf)
            lp.row_upper_ = np.where(np.isinf(b), inf, b).astype(float)
        if self.mip:
            lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                               for i in integer]
        h.passModel(lp)
        self.highs = h
        self._indices = np.arange(self.width, dtype=np.int32)

    def minimise(self, cost: np.ndarray) -> Outcome:
        """min cost·x from where the last solve left the model (its basis, for a linear programme)."""
        self.highs.changeColsCost(self.width, self._indices, np.asarray(cost, dtype=float))
        return self._run()

    def bounds(self, j: int, low: float, high: float) -> None:
        """Move one variable's bounds (kept for every later solve)."""
        self.highs.changeColBounds(j, low, high)

    def without_presolve(self, cost: np.ndarray) -> Outcome:
        """min cost·x solved from scratch without presolve (after a solve error inside presolve), then presolve
        again for later solves."""
        h = self.highs
        h.clearSolver()
        h.setOptionValue("presolve", "off")
        try:
            return self.minimise(cost)
        finally:
            h.setOptionValue("presolve", self.options["presolve"])

    def tightened(self, cost: np.ndarray) -> Outcome:
        """min cost·x solved from scratch with a tenfold tighter MIP feasibility tolerance (:data:`TIGHT_MIP`),
        then the usual one again. HiGHS 1.16 found the optimum of a stress-store programme and then refused its own
        point, one row broken by 1.0000000000929e-6 against its 1e-6 tolerance (the count rows' slack, 1e-6·n, is
        as large): with the tighter tolerance it lands inside. Only for a mixed-integer programme."""
        h = self.highs
        h.clearSolver()
        before = self.option("mip_feasibility_tolerance")
        h.setOptionValue("mip_feasibility_tolerance", TIGHT_MIP)
        try:
            return self.minimise(cost)
        finally:
            h.setOptionValue("mip_feasibility_tolerance", before)

    def option(self, name: str) -> object:
        """A HiGHS option's current value (highspy returns it with its status as a pair)."""
        value = self.highs.getOptionValue(name)
        return value[-1] if isinstance(value, tuple) else value

    def _run(self) -> Outcome:
        """Solve, and read the outcome as scipy's ``linprog`` / ``milp`` read it (scipy's _highs_wrapper)."""
        highspy = self._highspy
        status = highspy.HighsModelStatus
        h = self.highs
        codes = _scipy_codes()
        if h.run() == highspy.HighsStatus.kError:
            return Outcome(codes.get(h.getModelStatus(), ERROR), None)
        model = h.getModelStatus()
        code = codes.get(model, ERROR)
        limits = (status.kTimeLimit, status.kIterationLimit, status.kSolutionLimit)
        if self.mip:
            failed = (model not in (status.kOptimal, *limits)
                      or model in limits and h.getInfo().objective_function_value == highspy.kHighsInf)
        else:
            failed = model != status.kOptimal
        return Outcome(code, None if failed else np.array(h.getSolution().col_value))


@cache
def _scipy_codes() -> dict:
    """HiGHS model status → scipy's code (scipy's _highs_to_scipy_status_message; any other status is an error)."""
    import highspy

    s = highspy.HighsModelStatus
    return {s.kModelError: INFEASIBLE, s.kOptimal: OPTIMAL, s.kTimeLimit: LIMIT, s.kIterationLimit: LIMIT,
            s.kInfeasible: INFEASIBLE, s.kUnbounded: UNBOUNDED}
