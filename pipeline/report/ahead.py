"""A report's ★ readiness and level tables computed ahead, in a second process, while the report computes its linked
tables and draws.

A report kernel runs on one core. The ★ section's tables (readiness and its bottlenecks, protected together; the
distance bands and the share ready after fixing a few requirements; readiness over the years) and the levels table
depend on the report's data — read from the store, small segments merged, weights merged onto the published
response rows — and on nothing the page publishes before them. :class:`Ahead`, made at the notebook's start, hands
them to one spawned process (a fresh interpreter: a kernel with message threads is never forked), which reads the
same store with the same arguments (:meth:`Source.read`; ``sdw report`` holds the store's lock, so both read the
same tables) and computes them with the same calls (:func:`compute`) while the kernel computes the linked tables,
when the second core has nothing else to do (the figure worker starts with the first figure). The notebook collects
them where it shows them (:meth:`Ahead.tables`).

It is opt-in (``SDW_TABLE_WORKER=1``): on a machine with no free core the process took its share from the kernel and
the report's wall time rose (benchmarks/README.md, 2026-12-07 17:50); by default the tables are computed in the
report's own process, when first asked. A table process that stops (killed, out of memory) is replaced by computing
them there too; an error in the tables themselves is raised in the report as it would be there.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import pandas as pd

from pipeline import catalogs
from pipeline.report import data as D
from pipeline.report import protected as P
from pipeline.report import star_tables as S
from pipeline.report import tables as T

TABLE_WORKER_ENV = "SDW_TABLE_WORKER"
"""Environment variable: ``1`` computes the ★ and level tables in a second process; unset or ``0``, in the report's."""


@dataclass(frozen=True)
class Source:
    """What a report reads and how it merges segments: the arguments of :func:`pipeline.report.data.load` and of
    :meth:`~pipeline.report.data.ReportData.merge_small_segments`, so that the report and its table process read
    the same data by one call."""

    store: str
    sector: str
    years: str | None
    frameworks: tuple[str, ...]
    weights: str
    by: str
    k: int
    lang: str

    def read(self) -> tuple[D.ReportData, D.ReportData, dict[str, str]]:
        """The data as read, the data with small segments of ``by`` merged, and the merges (member → group)."""
        loaded = D.load(self.store, self.sector, self.years, frameworks=list(self.frameworks), weights=self.weights)
        data, merges = loaded.merge_small_segments(self.by, self.k)
        return loaded, data, merges


@dataclass(frozen=True)
class Later:
    """The tables computed ahead; ``None`` where the sector publishes none (no ★ or no levels, one year only).

    ``star``: ★ readiness and bottlenecks (:func:`pipeline.report.protected.star`); ``bands`` / ``within``: the
    distance tables (:func:`pipeline.report.star_tables.distance`); ``trend``: readiness over the years and the
    requirements left out (:func:`pipeline.report.star_tables.trend`); ``levels``: the levels reached
    (:func:`pipeline.report.protected.levels`)."""

    star: P.StarTables | None
    bands: pd.DataFrame | None
    within: pd.DataFrame | None
    trend: tuple[pd.DataFrame, dict[int, list[str]]] | None
    levels: pd.DataFrame | None


def compute(data: D.ReportData, by: str, k: int, lang: str) -> Later:
    """The ★ and level tables of ``data`` (the report's data, its weights on the published response rows), as the
    report publishes them: the one computation, in whichever process it runs."""
    frameworks = catalogs.sector_info(data.sector)["frameworks"]
    levels = P.levels(data, by, k) if "level" in frameworks else None
    if "star" not in frameworks:
        return Later(None, None, None, None, levels)
    star = P.star(data, by, k, lang)
    bands, within = S.distance(data, by, star.readiness, k, bottlenecks=star.bottlenecks)
    trend = S.trend(data, by, star.readiness, T.trend_excluded_items(data), k) if len(data.years) > 1 else None
    return Later(star, bands, within, trend, levels)


def compute_from(source: Source) -> Later:
    """:func:`compute` on the data ``source`` reads, weighted as :func:`pipeline.report.protected.linked_tables`
    weighs it (the table process's whole job)."""
    loaded, data, merges = source.read()
    return compute(P.weighted(loaded, data, source.by, merges, source.k).data, source.by, source.k, source.lang)


def in_process() -> bool:
    """Whether the tables are computed in the report's own process (unless ``SDW_TABLE_WORKER=1``)."""
    return os.environ.get(TABLE_WORKER_ENV, "0") != "1"


class Ahead:
    """The ★ and level tables of one report, started in a second process when made (see the module); a sector
    that publishes neither starts none."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self._done: Later | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._future: Future | None = None
        if not in_process() and {"star", "level"} & set(catalogs.sector_info(source.sector)["frameworks"]):
            import multiprocessing

            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            self._future = self._pool.submit(compute_from, source)

    def tables(self, data: D.ReportData) -> Later:
        """The tables, waiting for the table process if it has not finished; computed here from ``data`` (the
        report's data as :func:`pipeline.report.protected.linked_tables` weighted it) where no process ran or it
        stopped."""
        if self._done is not None:
            return self._done
        if self._future is not None:
            try:
                self._done = self._future.result()
            except BrokenProcessPool as e:
                warnings.warn(f"the ★ and level tables' process stopped ({e}); they are computed in the report",
                              RuntimeWarning, stacklevel=2)
            finally:
                self.close()
        if self._done is None:
            self._done = compute(data, self.source.by, self.source.k, self.source.lang)
        return self._done

    def close(self) -> None:
        """End the table process (after its computation, if it is still running)."""
        pool, self._pool, self._future = self._pool, None, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
