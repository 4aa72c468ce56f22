"""The peer values a member's feedback may show: the cells of the report's own protected tables.

A member file leaves the association as a report does, so a peer value in it is a value the report publishes
for the same group: the function means of :func:`pipeline.report.tables.by_node`, the headline score of
:func:`pipeline.report.protected.distribution` (automotive 全項目の達成率, :data:`HEADLINE_NODE`), the ★ means of
:func:`pipeline.report.tables.star_readiness` after :func:`pipeline.report.star_disclosure.protect_together`
(rounded where the report rounds them) and the ★3 distance bands of :func:`pipeline.report.star_tables.distance`,
each made by the same calls, on the same small-segment merges, as ``notebooks/sector_trend_report.py`` makes
them, segmented as the report segments the sector. What the report hides, the feedback hides or replaces by a larger
group the report publishes (:mod:`pipeline.scoring.feedback`, :mod:`pipeline.scoring.star_feedback`).
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.report import protected as P
from pipeline.report import star_tables as S
from pipeline.report.data import ReportData, load
from pipeline.ruleset import level_threshold, min_cell
from pipeline.scoring.disclosure import BAND_COLUMN
from pipeline.scoring.disclosure_rounding import ROUNDED
from pipeline.scoring.segments import ALL
from pipeline.scoring.statistics import share_threshold

CELL_COLUMNS = ["framework", "node_id", "segment", "n", "mean", "band", "hidden", "rounded", "w_mean"]
# the feedback node that is the report's headline score: automotive 全項目の達成率 (level All) is each company's mean
# item points over every applicable item of its form, the score the report's distribution table publishes
HEADLINE_NODE = ("level", "All")
COUNT_COLUMNS = ["framework", "node_id", "segment", "threshold", "reached"]


@dataclass
class PublishedPeers:
    """The report's protected cells for one sector and year, segmented as the report segments the sector.

    ``cells``: one row per (framework, node_id, segment) with columns :data:`CELL_COLUMNS` — ``n`` the
    companies behind the value as published (NaN where withheld), ``mean`` the value as published (rounded
    where ``rounded``; NaN where hidden), ``band`` the band the report prints instead ('high': 「90%以上」),
    ``hidden`` '' or the report's reason. ``bands``: the ★3 distance bands, one row per (segment, band index
    into :data:`pipeline.scoring.readiness.DISTANCE_BANDS`) with ``n`` (companies in the band) and ``hidden``.
    ``merges``: the member attribute value → the merged group the report publishes it under.
    """

    cells: pd.DataFrame
    bands: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["segment", "band", "n", "hidden"]))
    merges: dict[str, str] = field(default_factory=dict)
    withheld: set[tuple[str, str]] = field(default_factory=set)
    """(feedback node, segment) whose nearest report cell is withheld: automotive LvN beside the levels table's
    LvN+ (a share of LvN at or above 90 % is the LvN+ count; Lv3+ for All). The member reads x there."""
    counts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COUNT_COLUMNS))
    """The counts of companies at or above a threshold the report prints, per feedback node (:data:`COUNT_COLUMNS`):
    the CSF functions' 「90%以上」 count, ★3's count at 100 % (and its ★3+ count), and for automotive LvN the levels
    table's LvN+ count (Lv3+ for All too). With a member's rank they count the peers between its score and the
    threshold (:func:`pipeline.scoring.disclosure.between_shown`)."""


def published_peers(store: Path | str, sector: str, year: int, k: int | None = None) -> PublishedPeers:
    """Read the sector's scores as a report does (every year, as the report's default span) and make its cells."""
    return peers_underway(store, sector, year, k).result()


def peers_underway(store: Path | str, sector: str, year: int, k: int | None = None, lanes: bool = False) -> Underway:
    """:func:`published_peers`, its ★3 distance bands usable (``bands``) before the rest is waited for (``result``).

    With ``lanes`` (``sdw feedback``: most of its setup on one core otherwise) the function tables are completed in a
    second process started first, which reads the store itself, while this one makes the ★ tables and levels and
    the caller what needs only them. The second process is spawned, not forked: the solver's threads, once started
    in this process, do not survive a fork, and a forked child that solves waits for them for ever. A second process
    that dies (killed, out of memory) makes ``result`` raise :class:`LaneDied` rather than wait."""
    k = min_cell(k)
    lane = None
    if lanes and "star" in catalogs.sector_info(sector)["frameworks"]:  # without ★ tables there is nothing beside it
        lane = _Lane(_linked_lane, str(store), sector, year, k)
    try:
        data = _load(store, sector)
        # the report's own segments (power: every business type a company holds), never a finer grouping it does not
        # publish: a member is compared with the segment its peer attribute (power: main business type) falls in
        underway = _underway(data, _segment(sector), year, k, done=lane.result if lane is not None else None)
    except BaseException:
        if lane is not None:
            lane.close()
        raise
    underway._lane = lane
    return underway


class LaneDied(RuntimeError):
    """The second lane of :func:`peers_underway` ended without its result (killed, out of memory)."""


def _ending(code: int) -> str:
    """How a process ended, as a reader says it: 'killed by SIGKILL', 'exit status 1'."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


class _Lane:
    """One call in a spawned process of its own: ``result`` its value, or :class:`LaneDied` if the process ends
    without one (a process pool's ``get`` would wait for ever), ``close`` kills the process if it still runs."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self._executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self._future: Future[Any] = self._executor.submit(fn, *args)
        # started by submit; the executor lists them privately and forgets them once one dies (their exit codes too)
        self.processes: list[multiprocessing.process.BaseProcess] = list(
            (getattr(self._executor, "_processes", None) or {}).values())

    def result(self) -> Any:
        try:
            return self._future.result()
        except BrokenProcessPool as died:
            # the executor's own thread reaps the dead process and ends: after it, the exit code is known
            self._executor.shutdown(wait=True, cancel_futures=True)
            ends = [_ending(p.exitcode) for p in self.processes if p.exitcode is not None]
            raise LaneDied("the second process making the report's function tables (the peer values) ended "
                           f"without a result{f' ({ends[0]})' if ends else ''}; out of memory? Run again with "
                           "more memory free.") from died

    def close(self) -> None:
        """Kill the process if it still runs, and wait for it."""
        for process in self.processes:
            if process.is_alive():
                process.kill()
        self._executor.shutdown(wait=True, cancel_futures=True)


def peer_cells(data: ReportData, by: str, year: int, k: int | None = None) -> PublishedPeers:
    """The report's protected cells of ``data`` segmented by ``by`` in ``year`` (see :class:`PublishedPeers`)."""
    return _underway(data, by, year, min_cell(k)).result()


def _load(store: Path | str, sector: str) -> ReportData:
    # every framework a member's page compares: the level rows need the report's levels table (its withheld
    # LvN+ cells read x in the member's file), so "level" is read wherever the sector scores it
    frameworks = [f for f in ("csf2", "level", "star") if f in catalogs.sector_info(sector)["frameworks"]]
    # the answers too: the items are completed with the functions (the report's linked tables), and without them
    # a function cell could be published here that the report hides
    return load(store, sector, frameworks=frameworks)


def _segment(sector: str) -> str:
    return str(catalogs.sector_info(sector)["segment"])


@dataclass
class Underway:
    """:class:`PublishedPeers` being made: ``bands``, ``merges`` and ``withheld`` are ready, ``result()`` waits for the
    function cells."""

    bands: pd.DataFrame | None
    merges: dict[str, str]
    withheld: set[tuple[str, str]]
    _star: tuple[pd.DataFrame, pd.DataFrame] | None
    _levels: list[pd.DataFrame]
    _rest: Callable[[], _Linked]
    _lane: _Lane | None = None

    def result(self) -> PublishedPeers:
        """The cells, in the order the one-lane calls made them: functions, headline, ★; counts likewise."""
        try:
            linked = self._rest()
        finally:
            self.close()
        parts = [*linked.cells, *([self._star[0]] if self._star else [])]
        counts = [*linked.counts, *([self._star[1]] if self._star else []), *self._levels]
        cells = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CELL_COLUMNS)
        printed = pd.concat(counts, ignore_index=True) if counts else pd.DataFrame(columns=COUNT_COLUMNS)
        if self.bands is None:
            return PublishedPeers(cells, merges=self.merges, withheld=self.withheld, counts=printed)
        return PublishedPeers(cells, self.bands, self.merges, self.withheld, printed)

    def close(self) -> None:
        """Stop the second lane (after ``result``, or when the caller gives up)."""
        if self._lane is not None:
            self._lane.close()
            self._lane = None


@dataclass
class _Linked:
    """The function and headline cells and the function counts (small: a few hundred rows, sent between lanes)."""

    cells: list[pd.DataFrame]
    counts: list[pd.DataFrame]


def _weighted(data: ReportData, by: str, k: int) -> tuple[ReportData, dict[str, str], P.Weighted | None]:
    """The data recoded by ``by`` (small segments merged), weighted on the published response rows where the
    functions are scored; the merges."""
    rd, merges = data.merge_small_segments(by, k)
    weights = P.weighted(data, rd, by, merges, k) if "csf2" in set(data.scores["framework"].unique()) else None
    return (weights.data if weights is not None else rd), merges, weights


def _linked(data: ReportData, by: str, year: int, k: int, merges: dict[str, str],
            weights: P.Weighted | None) -> _Linked:
    """The functions as the report publishes them (the report's own call, weights included), and the headline score
    as its distribution table publishes it, protected there."""
    cells, counts = [], []
    if weights is not None:
        rd = weights.data
        functions = P.linked_tables(data, rd, by, merges, "csf2", k, "ja", weights=weights).functions
        cells.append(_cells(functions[functions["year"].eq(year)]))
        counts.append(_counts(functions[functions["year"].eq(year)]))
        if "level" in set(data.scores["framework"].unique()):
            overall = P.distribution(rd, by, k, functions)
            overall = overall[overall["year"].eq(year)].rename(columns={"n": "n_scored"})
            cells.append(_cells(overall.assign(framework=HEADLINE_NODE[0], node_id=HEADLINE_NODE[1])))
    return _Linked(cells, counts)


def _linked_lane(store: str, sector: str, year: int, k: int) -> _Linked:
    """The second lane: the store read as :func:`peers_underway` reads it, weighted alike, its linked cells."""
    gc.disable()  # a process of its own, few cycles among millions of objects (as in the feedback setup)
    data = _load(store, sector)
    by = _segment(sector)
    _, merges, weights = _weighted(data, by, k)
    return _linked(data, by, year, k, merges, weights)


def _underway(data: ReportData, by: str, year: int, k: int, done: Callable[[], _Linked] | None = None) -> Underway:
    """The ★ tables, bands and levels of ``data``; the linked cells from ``done`` (the second lane's) or made here
    when ``result`` is called."""
    rd, merges, weights = _weighted(data, by, k)
    scored = set(data.scores["framework"].unique())  # a table only where its scores are (a store may lack some)
    star = bands = None
    if "star" in catalogs.sector_info(data.sector)["frameworks"] and "star" in scored:
        tables = P.star(rd, by, k, "ja")
        readiness = tables.readiness[tables.readiness["year"].eq(year)]
        star = (_cells(readiness), _counts(readiness))
        distance, _ = S.distance(rd, by, tables.readiness, k, bottlenecks=tables.bottlenecks)
        bands = _bands(distance[distance["year"].eq(year)])
    withheld: set[tuple[str, str]] = set()
    level_counts = []
    if "level" in scored:
        levels = P.levels(rd, by, k)
        levels = levels[levels["year"].eq(year)]
        withheld = _levels_withheld(levels)
        level_counts.append(_level_counts(levels))
    rest = done if done is not None else (lambda: _linked(data, by, year, k, merges, weights))
    return Underway(bands, merges, withheld, star, level_counts, rest)


def _levels_withheld(table: pd.DataFrame) -> set[tuple[str, str]]:
    """The (LvN, segment) cells whose LvN+ row the report's levels table (one year of it) withholds (and All with
    Lv3+). A member's rank in its group at a score just below 90 % counts the group's companies short of LvN: where
    the report withholds that count to protect another cell, the rank would give it back (a 301〜1,000人 member at
    0.898, rank 13 of 100, tells a withheld Lv1+ count of 87)."""
    shut = table[table["suppressed"].fillna("").astype(str).ne("")]
    out: set[tuple[str, str]] = set()
    for node, segment in zip(shut["node_id"].astype(str), shut["segment"].astype(str), strict=True):
        level = node.rstrip("+")
        out.add((level, segment))
        if level == "Lv3":
            out.add(("All", segment))
    return out


def _counts(table: pd.DataFrame) -> pd.DataFrame:
    """The counts at or above the threshold a node table (one year) prints, per (node, segment): its ``reached``, or
    its share times its companies where only those are printed. A ★N+ row (0/1 readiness) counts the companies at
    100 % of ★N, so it is the ★N score's count too. Rows whose count is withheld are left out."""
    node = table["node_id"].astype(str)
    plus = node.str.endswith("+") & table["framework"].eq("star")
    n = pd.to_numeric(table["n_scored"], errors="coerce")
    reached = pd.to_numeric(table["reached"], errors="coerce") if "reached" in table else pd.Series(np.nan,
                                                                                                   index=table.index)
    share = pd.to_numeric(table["share_reached"], errors="coerce") if "share_reached" in table else np.nan
    reached = reached.fillna((share * n).round())
    threshold = [share_threshold(str(f), str(v).rstrip("+")) for f, v in zip(table["framework"], node, strict=True)]
    out = pd.DataFrame({"framework": table["framework"].astype(str), "node_id": node.str.rstrip("+").where(plus, node),
                        "segment": table["segment"], "threshold": threshold, "reached": reached})
    return out[out["reached"].notna()].reset_index(drop=True)[COUNT_COLUMNS]


def _level_counts(table: pd.DataFrame) -> pd.DataFrame:
    """The levels table's printed LvN+ counts (one year) as counts on the feedback's LvN share at the level
    threshold; Lv3+ on All too (a company at Lv3+ has 90 % of every level's items, so of all of them)."""
    rows = _counts(table.assign(framework="level"))
    rows = rows.assign(node_id=rows["node_id"].str.rstrip("+"), threshold=level_threshold())
    return pd.concat([rows, rows[rows["node_id"].eq("Lv3")].assign(node_id="All")], ignore_index=True)


def _cells(table: pd.DataFrame) -> pd.DataFrame:
    hidden = table["suppressed"].fillna("").astype(str) if "suppressed" in table else ""
    band = table[BAND_COLUMN].fillna("").astype(str) if BAND_COLUMN in table else ""
    rounded = table[ROUNDED].fillna(False).astype(bool) if ROUNDED in table else False
    out = pd.DataFrame({"framework": table["framework"], "node_id": table["node_id"], "segment": table["segment"],
                        "n": pd.to_numeric(table["n_scored"], errors="coerce"),
                        "mean": pd.to_numeric(table["mean"], errors="coerce"),
                        # the members' estimate as published (NaN where withheld or not weighted)
                        "w_mean": pd.to_numeric(table["w_mean"], errors="coerce") if "w_mean" in table else np.nan})
    return out.assign(band=band, hidden=hidden, rounded=rounded).reset_index(drop=True)[CELL_COLUMNS]


def _bands(distance: pd.DataFrame) -> pd.DataFrame:
    """★3 bands: companies per band as the report's share × its companies (NaN where the band is hidden)."""
    from pipeline.scoring.readiness import DISTANCE_BANDS
    from pipeline.scoring.star_feedback import PEER_STAR

    rows = distance[distance["node_id"].astype(str).str.startswith(f"★{PEER_STAR}:")]
    labels = rows["node_id"].astype(str).str.split(":").str[1]
    index = labels.map({b: i for i, b in enumerate(DISTANCE_BANDS)})
    n = (pd.to_numeric(rows["share_distance"], errors="coerce")
         * pd.to_numeric(rows["n_scored"], errors="coerce")).round()
    return pd.DataFrame({"segment": rows["segment"].to_numpy(), "band": index.to_numpy(), "n": n.to_numpy(),
                         "total": pd.to_numeric(rows["n_scored"], errors="coerce").to_numpy(),
                         "hidden": rows["suppressed"].fillna("").astype(str).to_numpy()})


__all__ = ["ALL", "HEADLINE_NODE", "LaneDied", "PublishedPeers", "Underway", "peer_cells", "peers_underway",
           "published_peers"]
