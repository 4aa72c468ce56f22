"""The intruder check: can anyone holding every table of a report learn a statistic about fewer than k
companies?

It reads only what a report publishes (the protected tables, as their machine copy holds them) plus the
hidden-cell log that protection wrote (the true count behind each hidden cell), and tries the attacks
that published tables allow:

- **direct**: a published statistic whose count is below k (or unknown);
- **uniform**: a published share or mean of exactly 0% or 100% (every company alike);
- **cross-table**: a cell hidden in one table and published in another (same key, same statistic);
- **differencing**: a group with a published total whose hidden cells together hold 1…k−1 companies,
  or whose pooled value (total minus the published cells) is exactly 0% or 100%;
- **quantiles**: a published quantile with fewer than k companies beyond it (counted as direct);
- **change**: a published change whose previous-year value is hidden (current − change reveals it);
- **split**: a published share with fewer than k companies on one side of it (reached / not, implemented
  / not, answered / not), or respondents off the member list numbering 1…k−1 (n − n_on_roster); in a what-if
  ranking, a cumulative ready count's rise or a lifted count beside the failing companies it is part of
  (:mod:`pipeline.publish.audit_what_if`);
- **hidden-count**: a number other than the cell's key on a hidden row (its n beside a hidden share is one
  side of the split), but for the table's ``open_counts`` (the respondents, printed beside the scores anyway),
  which must hold at least k where shown;
- **rounding**: an item row published rounded (its base withheld) that prints a withheld count, or whose
  rounded value rules out one of the k possible counts of "not applicable";
- **interval**: the linear programme of :mod:`pipeline.publish.intervals` over everything published
  (segments ⊂ totals, items ⊂ categories ⊂ functions, mean ↔ share reached on the score grid, parent
  reached ⇒ child reached, SDs, the headline score and its quantiles against the functions, members'
  estimates, the 0–1 range) leaves a hidden cell an interval narrower than the method's width.

Every ``sdw report`` runs it after protection and fails on any finding; ``sdw audit REPORT_DIR`` replays it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.publish.audit_what_if import rise_findings
from pipeline.publish.cells import AUDIT_COLUMNS, cell_key, cell_text, hidden_cells, key_text
from pipeline.publish.intervals import Interval, Relation, SolverStats, solve
from pipeline.publish.model import Provenance, PublishedTable, TableSpec
from pipeline.scoring.disclosure import (
    COUNT_SPLITS,
    HIDDEN_COUNT,
    HIDDEN_COUNTS,
    MEMBERS_BEHIND,
    PART_COUNTS,
    QUANTILE_TAILS,
    STAT_COLUMNS,
    UNIFORM_COLUMNS,
    small_part_counts,
    split_sides,
)
from pipeline.scoring.disclosure_rounding import GRID, ROUNDED, WITHHELD, keeps_every_base
from pipeline.scoring.segments import NA_BEHIND

AUDIT_FILE = "disclosure_audit.csv"
SPECS_FILE = "tables.json"
INTERVALS_FILE = "disclosure_intervals.csv"
MACHINE_DIR = "tables"
# the association's own copies, with the true counts behind hidden cells and the solver's intervals: never
# beside the report (docs/method.md §5.1)
FULL_AUDIT_FILE = "disclosure_audit_full.csv"
FULL_INTERVALS_FILE = "disclosure_intervals_full.csv"
PRIVATE_OUTSIDE = ".sdw-private"  # beside a report folder written outside the project's reports/ (``--out``)
WITHHELD_FLAG = "count_withheld"  # the published log's mark: this row's count is held in the full log only
# the solver's numbers that rest on true counts (the count behind a hidden statistic, and the interval reached
# with every count known): in the full intervals file only
PRIVATE_INTERVAL_COLUMNS = ("n", "low", "high", "width", "required")
# the one reason the published log and intervals give for every hidden cell: a reason per cell is itself a
# disclosure ('split' on a response row said that one side of answered / not held 1–4 companies; 'uniform', that
# every company reached; docs/method.md §5.6); the full reasons stay in the store's copy, which the replay reads
PUBLIC_REASON = "withheld"
# tables.json's count of the report check's solver errors (SolverStats.errors), printed by ``sdw report``
SOLVER_ERRORS = "solver_errors"


def private_dir(report_dir: Path, store: Path | None = None) -> Path:
    """Where a report folder's full audit log lives: ``<store>/audit/<sector>/<folder>`` for a folder under the
    project's ``reports/`` (the store is not published), else a ``.sdw-private/<folder>`` folder beside it."""
    from pipeline import config

    report_dir = Path(report_dir).resolve()
    reports = config.reports_dir().resolve()
    if report_dir.is_relative_to(reports) and report_dir != reports:
        return Path(store or config.store_dir()) / "audit" / report_dir.relative_to(reports)
    return report_dir.parent / PRIVATE_OUTSIDE / report_dir.name


def public_log(log: pd.DataFrame) -> pd.DataFrame:
    """The audit log as the report folder publishes it: the same columns and rows, but no count of a hidden cell
    (``count`` and ``counts`` blank, ``count_withheld`` true): a count beside its reason is one side of the split
    the cell was hidden for (101〜300人: n 118, on the roster 117 tells the one respondent off the roster); and
    one reason for every hidden cell (:data:`PUBLIC_REASON`), since the reason alone tells a value ('split' on a
    response row: 1–4 members did not answer, or answered off the roster)."""
    out = log.copy()
    hidden = out["check"].eq("hidden")
    out[WITHHELD_FLAG] = hidden
    out["reason"] = out["reason"].astype(object).where(~hidden, PUBLIC_REASON)
    out["count"] = out["count"].astype(object).where(~hidden, None)
    out["counts"] = out["counts"].astype(object).where(~hidden, "")
    return out


def public_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """The solver's intervals as the report folder publishes them: which hidden statistic was checked, and
    whether it held, without the true count behind it or the interval reached with every count known (the width
    of a count's interval, (k − 1)/n, gives n back), nor why it was hidden (one :data:`PUBLIC_REASON`)."""
    out = frame.copy()
    out["reason"] = PUBLIC_REASON
    for c in PRIVATE_INTERVAL_COLUMNS:
        out[c] = np.nan
    return out


class DisclosureError(RuntimeError):
    """The intruder check found a statistic about fewer than k companies."""


@dataclass(frozen=True)
class Finding:
    check: str  # direct, uniform, cross-table, differencing, change, hidden-count, interval
    table: str
    cell: str
    statistic: str
    detail: str

    def line(self) -> str:
        return f"{self.check}: {self.table} [{self.cell}] {self.statistic}: {self.detail}"


def _counts(spec: TableSpec, statistic: str) -> list[str]:
    c = spec.counts[statistic]
    return [c] if isinstance(c, str) else list(c)


# Numbers a hidden row may keep: what names the cell, not what is in it.
# numbers that name a row, not a value of it (``star``: the ★ level a requirement row belongs to)
LABEL_NUMBERS = ("year", "previous_year", "year_from", "year_to", "threshold", "star")


def hidden_row_numbers(frame: pd.DataFrame, keys: list[str] | None = None) -> list[str]:
    """The numeric columns a hidden row must leave empty: every number but the cell's key and labels."""
    keep = set(keys or []) | set(LABEL_NUMBERS) | {"segment", "suppressed", HIDDEN_COUNT, *HIDDEN_COUNTS.values(),
                                                    MEMBERS_BEHIND, NA_BEHIND}
    return [c for c in frame.columns if c not in keep and pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])]


def intruder_check(tables: list[PublishedTable], hidden: pd.DataFrame, k: int,
                   relations: list[Relation] | None = None, intervals: list[Interval] | None = None,
                   stats: SolverStats | None = None) -> list[Finding]:
    """Every way the published tables reveal a statistic about fewer than ``k`` companies (empty: safe).

    ``relations`` are the public item-map relations (:func:`pipeline.publish.intervals.hierarchy`);
    ``intervals``, when given, receives the solver's interval for every hidden cell; ``stats``, what the solver
    did (its solver errors among them)."""
    findings: list[Finding] = []
    true_count = {(r.table, r.cell): r.count for r in hidden.itertuples()}
    ks = {t.name: t.k or k for t in tables}  # each report promised its own k (several folders audited together)
    # fact → list of (table, visible?, value, count) across all tables
    facts: dict[tuple, list[tuple[str, bool, float, float]]] = defaultdict(list)
    for t in tables:
        if t.spec is None:
            continue
        spec, frame = t.spec, t.frame
        seg = [spec.segment] if spec.segment and spec.segment in frame else []
        cols = spec.keys + seg
        missing = [c for c in cols if c not in frame]
        if missing:
            findings.append(Finding("direct", t.name, "", "", f"key columns missing: {missing}"))
            continue
        unaudited = [c for c in STAT_COLUMNS if c in frame and c not in spec.counts and frame[c].notna().any()]
        if unaudited:
            findings.append(Finding("direct", t.name, "", " ".join(unaudited),
                                    "statistics published without a count in the table's spec"))
        suppressed = frame["suppressed"].fillna("") if "suppressed" in frame else pd.Series("", index=frame.index)
        findings += _splits(t, cols, suppressed, ks[t.name])
        rises = rise_findings(frame, ks[t.name], ["sector", "year", "framework", "segment"])
        findings += [Finding("split", t.name, cell_text(cell_key(frame.loc[i], cols)), stat, detail)
                     for i, stat, detail in rises]
        numbers = [c for c in hidden_row_numbers(frame, cols) if c not in spec.open_counts]
        for c in [c for c in spec.open_counts if c in frame]:
            shown = pd.to_numeric(frame[c], errors="coerce")
            few = shown.gt(0) & shown.lt(ks[t.name])
            findings += [Finding("direct", t.name, cell_text(cell_key(frame.loc[i], cols)), c,
                                 f"{c} = {key_text(frame.at[i, c])} is below k") for i in frame.index[few.to_numpy()]]
        for i in frame.index[suppressed.ne("").to_numpy()]:
            shown = [c for c in numbers if pd.notna(pd.to_numeric(frame.at[i, c], errors="coerce"))]
            if shown:
                findings.append(Finding("hidden-count", t.name, cell_text(cell_key(frame.loc[i], cols)),
                                        " ".join(shown),
                                        "a hidden cell publishes " + ", ".join(f"{c} = {key_text(frame.at[i, c])}"
                                                                               for c in shown)))
        # rows as dicts, read by name like a row Series (a Series per row was most of this loop's time)
        for r, reason in zip(frame.to_dict("records"), suppressed.to_numpy(), strict=True):
            key = cell_key(r, cols)
            cell = cell_text(key)
            is_hidden = reason != ""
            for stat in spec.counts:
                if stat not in frame:
                    continue
                value = _cell_number(r[stat])
                visible = not is_hidden and not np.isnan(value)
                counts = [_cell_number(r.get(c)) for c in _counts(spec, stat)]
                if is_hidden:
                    count = true_count.get((t.name, cell))
                    counts = [np.nan if count is None else float(count)]
                elif _rounded(r) and any(np.isnan(c) for c in counts):  # its base withheld: at least n − (k − 1)
                    whole = r.get("n_companies", r.get("n"))  # an item's respondents, or a node's / requirement's
                    counts = [_num(whole) - (ks[t.name] - 1)]
                if visible and stat in QUANTILE_TAILS and not any(np.isnan(c) for c in counts):
                    counts = [c * QUANTILE_TAILS[stat] for c in counts]  # the companies beyond the quantile
                tk = ks[t.name]
                if visible and (any(np.isnan(c) for c in counts) or min(counts) < tk):
                    findings.append(Finding("direct", t.name, cell, stat,
                                            f"published with {min(counts) if counts else 'no'} companies (k={tk})"))
                if visible and stat in UNIFORM_COLUMNS and value in (0.0, 1.0):
                    findings.append(Finding("uniform", t.name, cell, stat, f"published as exactly {value:.0%}"))
                if not is_hidden and np.isnan(value):
                    continue  # not assessed: nothing published, nothing hidden
                facts[(key, stat)].append((t.name, visible, value, min(counts) if counts else np.nan))
    findings += _rounding(tables, ks)
    findings += _cross_table(facts)
    findings += _differencing(tables, facts, k, ks)
    findings += _changes(tables, facts)
    solved = solve(tables, hidden, k, relations, stats=stats, reuse=True) + withheld_bases(tables, ks)
    if intervals is not None:
        intervals.extend(solved)
    for iv in solved:
        if iv.unit == "companies" and (iv.fails or np.isnan(iv.low)):
            findings.append(Finding("interval", iv.table, iv.cell, iv.statistic,
                                    f"a withheld base is bounded to {key_text(iv.low)}…{key_text(iv.high)} companies "
                                    f"(needs {iv.required:g} of width, of {key_text(iv.n)})" if not np.isnan(iv.low)
                                    else "no base fits the values the row publishes"))
        elif iv.fails or np.isnan(iv.low):
            findings.append(Finding("interval", iv.table, iv.cell, iv.statistic,
                                    f"an intruder bounds it to [{iv.low:.4f}, {iv.high:.4f}] (width {iv.width:.4f}, "
                                    f"needs ≥ {iv.required:.4f}; {iv.reason}, n = {key_text(iv.n)})"
                                    if not np.isnan(iv.low) else "the published tables contradict the relations "
                                    "the solver uses: its bounds are unknown"))
    findings += _weighted(tables, facts, k, relations)
    findings += _fpc(tables, hidden, k)
    return findings


def _fpc(tables: list[PublishedTable], hidden: pd.DataFrame, k: int) -> list[Finding]:
    """The finite-population route (pipeline/publish/audit_fpc.py): a segment's members from its members' and
    respondents' intervals, against the response row that withholds them."""
    from pipeline.publish.audit_fpc import fpc_findings

    return [Finding("fpc", *f) for f in fpc_findings(tables, hidden, k)]


# the whole a withheld base is part of, where the row publishes it: an item's year's respondents, a row's respondents
WHOLES = ("n_companies", "n")


def withheld_bases(tables: list[PublishedTable], ks: dict[str, int]) -> list[Interval]:
    """Every base withheld on a published row (an item row published rounded shows its ``n_applicable`` as x; a
    node or ★ row may withhold the count behind a published share), with the companies an intruder can still
    reach for it: the bases b between the fewest the rules allow and the row's whole for which every value the
    row publishes over b has some whole count behind it (a rounded value rounds to it; an exact one equals it).
    A rounded row's base is n_companies − (k − 1) … n_companies by the rule (its rest below k); another row's
    at least k. Held to k − 1 companies of width, like a count (docs/method.md §5.2)."""
    out: list[Interval] = []
    respondents: dict[tuple[str, str], float] = {}  # (sector, year) → the year's respondents, where a table says
    for t in tables:
        if {"sector", "year", "n_companies"} <= set(t.frame.columns):
            for r in t.frame[["sector", "year", "n_companies"]].dropna().itertuples(index=False):
                respondents[(key_text(r.sector), key_text(r.year))] = float(r.n_companies)
    for t in tables:
        if t.spec is None or "suppressed" not in t.frame:
            continue
        k = ks.get(t.name, t.k)
        cols = t.spec.keys + ([t.spec.segment] if t.spec.segment and t.spec.segment in t.frame else [])
        shown = t.frame[t.frame["suppressed"].fillna("").eq("")]
        rows: list[dict] | None = None  # the shown rows as dicts, made once per table when a base is to be read
        by_count: dict[str, list[str]] = defaultdict(list)
        for stat in t.spec.counts:
            for c in _counts(t.spec, stat):
                by_count[c].append(stat)
        for count, stats in by_count.items():
            stats = [s for s in stats if s in t.frame and s in GRID_OF]
            if count not in t.frame or not stats:
                continue
            rows = shown.to_dict("records") if rows is None else rows
            for r in rows:
                values = {s: _num(r.get(s)) for s in stats}
                if not np.isnan(_num(r.get(count))) or all(np.isnan(v) for v in values.values()):
                    continue  # the base is published, or nothing rests on it
                if count.endswith("_previous"):  # a change's earlier year: that year's respondents
                    whole = respondents.get((key_text(r.get("sector")), key_text(r.get("previous_year"))), np.nan)
                    rounded = str(r.get(f"{ROUNDED}_previous", "")).lower() in ("true", "1", "1.0")
                else:
                    whole = next((_num(r.get(w)) for w in WHOLES if w != count and not np.isnan(_num(r.get(w)))),
                                 np.nan)
                    rounded = str(r.get(ROUNDED, "")).lower() in ("true", "1", "1.0")
                if np.isnan(whole):
                    out.append(Interval(t.name, cell_text(cell_key(r, cols)), count, "withheld", np.nan, float(k),
                                        np.inf, float(k - 1), unit="companies"))
                    continue
                first = int(whole) - (k - 1) if rounded else k
                fits = [b for b in range(max(1, first), int(whole) + 1)
                        if all(np.isnan(v) or _fits(v, b, GRID_OF[s], rounded) for s, v in values.items())]
                low, high = (float(min(fits)), float(max(fits))) if fits else (np.nan, np.nan)
                out.append(Interval(t.name, cell_text(cell_key(r, cols)), count, "withheld", whole, low, high,
                                    float(k - 1), unit="companies"))
    return out


# a statistic over a withheld base and its grid: whole answers (a share), half points (mean points)
GRID_OF = {"share_implemented": 1, "share_reached": 1, "share_unmet": 1, "share_distance": 1, "mean_points": 2,
           "response_rate": 1, "share_previous": 1}


def _fits(value: float, base: int, grid: int, rounded: bool) -> bool:
    """Whether some whole count a of 1/``grid`` units over ``base`` gives ``value`` (rounded to whole percent
    where the row is rounded, else within 1e-9)."""
    from pipeline.scoring.disclosure_rounding import STEP, to_step

    units = grid * base
    half = STEP / 2 if rounded else 1e-9
    lo, hi = int(np.ceil((value - half) * units - 1e-9)), int(np.floor((value + half) * units + 1e-9))
    return any(0 <= a <= units and (abs(float(to_step(a / units)) - value) < 1e-9 if rounded
                                    else abs(a / units - value) < 1e-9) for a in range(lo, hi + 1))


def _splits(t: PublishedTable, cols: list[str], suppressed: pd.Series, k: int) -> list[Finding]:
    """Published shares (and counts that are part of another) with fewer than k companies on one side."""
    spec = t.spec
    n_col = next((c for s in spec.counts.values() for c in ([s] if isinstance(s, str) else s) if c in t.frame),
                 None)
    if n_col is None:
        return []
    out = []
    shown = suppressed.eq("").to_numpy()
    for name, (a, b, rest_may_be_empty) in split_sides(t.frame, n_col).items():
        if name not in spec.counts and name not in (spec.counts.get("response_rate"), *COUNT_SPLITS):
            continue
        b_checked = b.mask(b.eq(0), np.inf) if rest_may_be_empty else b
        few = shown & (pd.concat([a, b_checked], axis=1).min(axis=1) < k).to_numpy() & a.notna().to_numpy()
        for i in t.frame.index[few]:
            out.append(Finding("split", t.name, cell_text(cell_key(t.frame.loc[i], cols)), name,
                               f"{key_text(a.loc[i])} and {key_text(b.loc[i])} companies on its two sides (k={k})"))
    # counts printed beside their whole (an item's unanswered answers among the year's respondents): a side too
    for name, few in small_part_counts(t.frame, k).items():
        whole = pd.to_numeric(t.frame[name], errors="coerce")
        rest = pd.to_numeric(t.frame[PART_COUNTS[name]], errors="coerce") - whole
        for i in t.frame.index[few.to_numpy()]:
            out.append(Finding("split", t.name, cell_text(cell_key(t.frame.loc[i], cols)), name,
                               f"{key_text(whole.loc[i])} and {key_text(rest.loc[i])} companies on its two sides"
                               f" (k={k})"))
    return out


def _rounded(row: Mapping[str, object]) -> bool:
    """Whether a row publishes a rounded value with its base withheld (this year's or, in a change, the previous)."""
    return any(str(row.get(c, "")).lower() in ("true", "1", "1.0") for c in (ROUNDED, f"{ROUNDED}_previous"))


def _cell_number(value: object) -> object:
    """A cell as a number (NaN where it is none): a number as it is, anything else through pandas' parsing. The
    audit reads ~10,000 cells per report, where a Series per cell would cost seconds."""
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value
    return pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]


def _num(value: object) -> float:
    if isinstance(value, (int, float, np.integer, np.floating)):  # the usual cell: no Series per value
        return float(value)
    v = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return float(v) if pd.notna(v) else np.nan


def _rounding(tables: list[PublishedTable], ks: dict[str, int]) -> list[Finding]:
    """Rows published rounded with their base withheld (pipeline/scoring/disclosure_rounding.py): every one of the
    k possible bases must stay consistent with each rounded value, and no withheld count may be printed."""
    out = []
    for t in tables:
        if t.spec is None or ROUNDED not in t.frame or "n_companies" not in t.frame:
            continue
        cols = t.spec.keys + ([t.spec.segment] if t.spec.segment and t.spec.segment in t.frame else [])
        k = ks[t.name]
        for _, r in t.frame[t.frame[ROUNDED].map(lambda v: str(v).lower() in ("true", "1", "1.0"))].iterrows():
            cell = cell_text(cell_key(r, cols))
            shown = [c for c in WITHHELD if c in r and not np.isnan(_num(r[c]))]
            if shown:
                out.append(Finding("rounding", t.name, cell, " ".join(shown), "a rounded row prints its withheld base"))
            whole = _num(r["n_companies"])
            for stat, grid in GRID.items():
                v = _num(r.get(stat))
                if not np.isnan(v) and not np.isnan(whole) and not keeps_every_base(v, int(whole), k, grid):
                    out.append(Finding("rounding", t.name, cell, stat,
                                       f"{v:.2f} of at most {int(whole)} companies rules out some of the {k} "
                                       "possible counts of not applicable"))
    return out


def _weighted(tables: list[PublishedTable], facts: dict, k: int, relations: list[Relation] | None = None
              ) -> list[Finding]:
    """The checks a weighted report adds (pipeline/publish/audit_weights.py): two totals solving two hidden
    cells, the members' pooled value of hidden cells, a withheld members' total beneath which the items publish
    theirs, and an estimate resting on one respondent."""
    from pipeline.publish.audit_weights import weighted_findings

    totals = {t.spec.total for t in tables if t.spec and t.spec.segment and t.spec.total}
    return [Finding(check, "", cell, stat, detail)
            for check, cell, stat, detail in weighted_findings(facts, k, totals, relations)]


def _cross_table(facts: dict) -> list[Finding]:
    out = []
    for (key, stat), seen in facts.items():
        if any(v for _, v, _, _ in seen) and not all(v for _, v, _, _ in seen):
            where = sorted({t for t, v, _, _ in seen if not v})
            shown = sorted({t for t, v, _, _ in seen if v})
            out.append(Finding("cross-table", shown[0], cell_text(key), stat,
                               f"hidden in {', '.join(where)} but published in {', '.join(shown)}"))
    return out


def _differencing(tables: list[PublishedTable], facts: dict, k: int, ks: dict[str, int] | None = None
                  ) -> list[Finding]:
    """Groups with a published total: the hidden cells together must hold 0 or at least k companies, k being
    the largest of the reports that hid them (each report keeps its own promise)."""
    ks = ks or {}
    totals = {(t.spec.segment, t.spec.total) for t in tables if t.spec and t.spec.segment and t.spec.total}
    out = []
    for segment_col, total in totals:
        groups: dict[tuple, dict[str, tuple[bool, float]]] = defaultdict(dict)
        hid_k: dict[tuple, int] = {}
        for (key, stat), seen in facts.items():
            rest = tuple(kv for kv in key if kv[0] != segment_col)
            seg = dict(key).get(segment_col)
            if seg is None:
                continue
            visible = any(v for _, v, _, _ in seen)
            count = max((c for _, _, _, c in seen if not np.isnan(c)), default=np.nan)
            value = next((x for _, v, x, _ in seen if v), np.nan)
            groups[(rest, stat)][seg] = (visible, count, value)
            hid_k[(rest, stat, seg)] = max((ks.get(t, k) for t, v, _, _ in seen if not v), default=k)
        for (rest, stat), cells in groups.items():
            if not cells.get(total, (False, 0, np.nan))[0]:
                continue
            hidden = [(s, c) for s, (v, c, _) in cells.items() if s != total and not v]
            held = sum(0 if np.isnan(c) else c for _, c in hidden)
            unknown = any(np.isnan(c) for _, c in hidden)
            gk = max((hid_k[(rest, stat, s)] for s, _ in hidden), default=k)
            if hidden and (unknown or held < gk):
                out.append(Finding("differencing", "", cell_text(rest), stat,
                                   f"the total and the published cells reveal {len(hidden)} hidden cell(s) "
                                   f"({', '.join(s for s, _ in hidden)}) holding "
                                   f"{'an unknown number of' if unknown else int(held)} companies (k={gk})"))
            elif hidden and stat in UNIFORM_COLUMNS:
                pooled = _pooled(cells, total, held)
                if pooled is not None and (abs(pooled) < 1e-9 or abs(pooled - 1) < 1e-9):
                    out.append(Finding("differencing", "", cell_text(rest), stat,
                                       f"the total and the published cells give the {len(hidden)} hidden cell(s) "
                                       f"({', '.join(s for s, _ in hidden)}) a pooled value of exactly {pooled:.0%}"))
    return out


def _pooled(cells: dict[str, tuple[bool, float, float]], total: str, held: float) -> float | None:
    """What an intruder computes for the hidden cells together: (total·N − Σ published·n) / hidden n, where
    the segments add up to the total (a multi-valued segmentation does not, and gives nothing exact)."""
    _, n_total, v_total = cells[total]
    shown = [(c, x) for s, (v, c, x) in cells.items() if s != total and v]
    if np.isnan(n_total) or held <= 0 or abs(sum(c for c, _ in shown) + held - n_total) > 1e-9:
        return None
    return (v_total * n_total - sum(c * x for c, x in shown)) / held


def _changes(tables: list[PublishedTable], facts: dict) -> list[Finding]:
    """A published change with a published current value reveals the previous year's value."""
    out = []
    for t in tables:
        if t.spec is None or not t.spec.changes:
            continue
        spec, frame = t.spec, t.frame
        seg = [spec.segment] if spec.segment and spec.segment in frame else []
        for change, (stat, previous) in spec.changes.items():
            if change not in frame or previous not in frame:
                continue
            shown = frame[pd.to_numeric(frame[change], errors="coerce").notna()]
            for _, r in shown.iterrows():
                prev = r.copy()
                prev["year"] = r[previous]
                key = cell_key(prev, spec.keys + seg)
                seen = facts.get((key, stat), [])
                if not seen or not any(v for _, v, _, _ in seen):
                    out.append(Finding("change", t.name, cell_text(cell_key(r, spec.keys + seg)), change,
                                       f"published, but {stat} of {key_text(r[previous])} is not"))
    return out


def write_audit(folder: Path, tables: list[PublishedTable], k: int, hidden: pd.DataFrame | None = None,
                relations: list[Relation] | None = None, private: Path | None = None,
                provenance: Provenance | None = None, stats: SolverStats | None = None
                ) -> tuple[Path, list[Finding]]:
    """Write the machine copy's specs (and the public relations the intruder uses, and the solver's errors: see
    :class:`~pipeline.publish.intervals.SolverStats`), ``disclosure_audit.csv``
    (hidden cells, then any finding; no count of a hidden cell: :func:`public_log`) and
    ``disclosure_intervals.csv`` (every hidden statistic checked: :func:`public_intervals`); the full log and
    intervals, true counts included, go to ``private`` (default :func:`private_dir`), never beside the report.

    ``hidden`` is the hidden-cell log taken before the true counts were stripped from the tables
    (default: read from the tables' ``_n_behind`` column, where they still carry it)."""
    hidden = hidden_cells(tables) if hidden is None else hidden
    solved: list[Interval] = []
    stats = SolverStats() if stats is None else stats
    findings = intruder_check(tables, hidden, k, relations, solved, stats)
    specs = {t.name: t.spec.to_json() for t in tables if t.spec is not None}
    stamp = {} if provenance is None else {"provenance": {
        "snapshot": provenance.snapshot, "code_version": provenance.code_version, "method": provenance.method,
        "parameters": {key: str(v) for key, v in provenance.parameters.items()}}}
    (folder / SPECS_FILE).write_text(json.dumps({"k": k, "tables": specs, **stamp, SOLVER_ERRORS: stats.errors,
                                                 "relations": [r.to_json() for r in relations or []]},
                                                ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    log = pd.concat([hidden, _findings_frame(findings)], ignore_index=True)
    private = Path(private or private_dir(folder))
    private.mkdir(parents=True, exist_ok=True)
    log.to_csv(private / FULL_AUDIT_FILE, index=False, encoding="utf-8")
    intervals = intervals_frame(solved)
    intervals.to_csv(private / FULL_INTERVALS_FILE, index=False, encoding="utf-8")
    path = folder / AUDIT_FILE
    public_log(log).to_csv(path, index=False, encoding="utf-8")
    public_intervals(intervals).to_csv(folder / INTERVALS_FILE, index=False, encoding="utf-8")
    return path, findings


def intervals_frame(solved: list[Interval]) -> pd.DataFrame:
    """The solver's intervals as a table: one row per hidden statistic, narrowest first."""
    rows = [{"table": iv.table, "cell": iv.cell, "statistic": iv.statistic, "reason": iv.reason, "n": iv.n,
             "low": iv.low, "high": iv.high, "width": iv.width, "required": iv.required, "fails": iv.fails,
             "unit": iv.unit} for iv in solved]
    cols = ["table", "cell", "statistic", "reason", "n", "low", "high", "width", "required", "fails", "unit"]
    # the hidden statistics (0–1 scale) narrowest first, then the withheld bases (companies) narrowest first
    return pd.DataFrame(rows, columns=cols).sort_values(["unit", "width", "table", "cell"], ascending=[False, True,
                                                                                                       True, True],
                                                        kind="stable")


def _findings_frame(findings: list[Finding]) -> pd.DataFrame:
    return pd.DataFrame([{"table": f.table, "cell": f.cell, "statistics": f.statistic, "reason": "",
                          "count": None, "check": f.check, "finding": f.detail, "counts": ""} for f in findings],
                        columns=AUDIT_COLUMNS)


def read_report_folder(report_dir: Path, prefix: str = "", store: Path | None = None
                       ) -> tuple[list[PublishedTable], pd.DataFrame, int, list[Relation]]:
    """A report folder's published tables (from its machine copy), its hidden-cell log and its k.

    ``prefix`` names the tables after their folder when several reports are audited together; ``store`` is the
    store the report was written from (``--store``; default the project's), which keeps its full log."""
    report_dir = Path(report_dir)
    specs_path, log_path = report_dir / SPECS_FILE, report_dir / AUDIT_FILE
    for p in (specs_path, log_path, report_dir / MACHINE_DIR):
        if not p.exists():
            raise FileNotFoundError(f"{p} is missing: is {report_dir} a folder written by `sdw report`?")
    meta = json.loads(specs_path.read_text(encoding="utf-8"))
    tables = []
    for name, spec_json in meta["tables"].items():
        spec = TableSpec.from_json(spec_json)
        frame = pd.read_csv(report_dir / MACHINE_DIR / f"{name}.csv", keep_default_na=False, na_values=[""],
                            dtype={c: str for c in [*spec.keys, spec.segment or "segment", "suppressed"]})
        frame["suppressed"] = frame.get("suppressed", pd.Series("", index=frame.index)).fillna("")
        tables.append(PublishedTable(name=prefix + name, title=name, frame=frame, columns=list(frame.columns),
                                     spec=spec, k=int(meta["k"])))
    log = pd.read_csv(_full_log(report_dir, log_path, store), keep_default_na=False, na_values=[""],
                      dtype={"cell": str, "table": str})
    hidden = log[log["check"].eq("hidden")].assign(table=lambda d: prefix + d["table"])
    relations = [Relation.from_json(r) for r in meta.get("relations", [])]
    return tables, hidden, int(meta["k"]), relations


def _full_log(report_dir: Path, published: Path, store: Path | None = None) -> Path:
    """The hidden-cell log with the true counts the replay needs: the full log of :func:`private_dir`, or a
    folder written before the published log lost its counts (no ``count_withheld`` column)."""
    full = private_dir(report_dir, store) / FULL_AUDIT_FILE
    if full.exists():
        return full
    if WITHHELD_FLAG not in pd.read_csv(published, nrows=0).columns:
        return published
    raise FileNotFoundError(f"{full} is missing: the published {AUDIT_FILE} holds no count of a hidden cell, and "
                            f"`sdw audit` replays with the true counts the report kept in its store; run it in the "
                            f"project folder (or with SDW_HOME, or --store) whose store wrote {report_dir}")


def solver_errors_of(report_dir: Path) -> int:
    """The solver errors of a report's own check (``tables.json``; 0 where a report predates the count)."""
    path = Path(report_dir) / SPECS_FILE
    return int(json.loads(path.read_text(encoding="utf-8")).get(SOLVER_ERRORS, 0)) if path.exists() else 0


def audit_folder(report_dir: Path, intervals: list[Interval] | None = None, stats: SolverStats | None = None,
                 store: Path | None = None) -> list[Finding]:
    """Replay the intruder check on a report folder from its machine copy, specs and hidden-cell log (the full log
    in ``store``, the one the report was written from)."""
    tables, hidden, k, relations = read_report_folder(report_dir, store=store)
    return intruder_check(tables, hidden, k, relations, intervals, stats)


class MixedVersions(RuntimeError):
    """Report folders of one sector and years written by different code or from different data: published
    together, a cell one hides the other may print (docs/method.md §5.1)."""


def _stamp(folder: Path) -> tuple[str, str, tuple[str, str]] | None:
    """(code version, data snapshot, (sector folder, years)) from a report folder's ``tables.json``; ('?', '?', …)
    for a folder written before reports stamped it there; None where the folder holds no report."""
    path = Path(folder) / SPECS_FILE
    if not path.exists():
        return None
    stamp = json.loads(path.read_text(encoding="utf-8")).get("provenance") or {}
    years = str((stamp.get("parameters") or {}).get("years", "?"))
    return (stamp.get("code_version", "?"), stamp.get("snapshot", "?"), (Path(folder).resolve().parent.name, years))


def same_versions(report_dirs: list[Path], siblings: bool = True) -> None:
    """Refuse (:class:`MixedVersions`) where two report folders of the same sector and years — those given and,
    with ``siblings``, every other report folder beside them — differ in code version or data snapshot.

    A variant folder left from an older run (``all_en`` beside ``all``) publishes what the newer one hides:
    read together they give the hidden cells back, so they are audited, and published, only from one run."""
    folders = {Path(f).resolve() for f in report_dirs}
    if siblings:
        folders |= {p.resolve() for f in report_dirs for p in Path(f).resolve().parent.iterdir()
                    if p.is_dir() and (p / SPECS_FILE).exists()}
    groups: dict[tuple, list[tuple[Path, str, str]]] = defaultdict(list)
    for f in sorted(folders):
        stamp = _stamp(f)
        if stamp is not None:
            groups[stamp[2]].append((f, stamp[0], stamp[1]))
    for found in groups.values():
        first = found[0]
        for other in found[1:]:
            if other[1:] != first[1:]:
                raise MixedVersions(
                    f"{first[0]} (sdw {first[1]}, data {first[2]}) and {other[0]} (sdw {other[1]}, data "
                    f"{other[2]}) show the same sector and years from different code or data: read together they "
                    "can give back what one of them hides. Rebuild the older one (or remove it) so that both come "
                    "from one run, then audit again")


def audit_folders(report_dirs: list[Path], intervals: list[Interval] | None = None,
                  stats: SolverStats | None = None, store: Path | None = None) -> list[Finding]:
    """The intruder check over everything several reports published together (one sector's reports for
    other year ranges, segmentations or k, in one language: cells are keyed by their published labels): a
    cell one report hides must not be published by another, and the differencing and change checks run over
    the union of their tables. Each table is held to its own report's k; hidden cells to the largest k of the
    reports that hid them.

    Refuses first (:func:`same_versions`) where folders of the same sector and years, given or beside those
    given, come from different code or data."""
    same_versions(report_dirs)
    if len(report_dirs) == 1:
        return audit_folder(report_dirs[0], intervals, stats, store)
    tables: list[PublishedTable] = []
    hidden: list[pd.DataFrame] = []
    ks = []
    relations: list[Relation] = []
    for n, folder in enumerate(report_dirs, start=1):
        t, h, k, rel = read_report_folder(folder, prefix=f"{n}:{Path(folder).as_posix()}/", store=store)
        tables += t
        hidden.append(h)
        ks.append(k)
        relations += [r for r in rel if r not in relations]
    return intruder_check(tables, pd.concat(hidden, ignore_index=True), min(ks), relations, intervals, stats)
