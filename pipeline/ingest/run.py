"""``sdw ingest``: discover → parse (parallel) → identity → de-duplicate → validate → write atomically.

Start-up matters at this scale (3,000 files in a few seconds): the worker processes are forked
before pandas, pandera and the rest are imported, and the main process imports them while the
workers read. Hence the imports inside :func:`ingest`.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa  # before the workers fork: they share it (fastexcel hands sheets over as Arrow)

from pipeline import config
from pipeline.catalogs import hold, refresh
from pipeline.freshness import record_ingest
from pipeline.ingest import limits
from pipeline.ingest.discover import Entry, discover, read_entry
from pipeline.ingest.identity import secret_key
from pipeline.ingest.keys import check_key, record_fingerprint, stored_fingerprint
from pipeline.ingest.packed import Packed, pack, unpack
from pipeline.ingest.parse import Parsed, parse_entry
from pipeline.ingest.saved import saved_at
from pipeline.progress import progress as progress_counter

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.ingest import linking
    from pipeline.ingest.assemble import Tables

CHUNK = 32
# A file whose reading does not end (a damaged .xls can make the reader build a sheet of 4,146 × 32,771
# cells: a minute and gigabytes) is stopped: a chunk not back CHUNK_SECONDS after it is waited for is
# read again file by file, each given FILE_SECONDS in a process of its own.
CHUNK_SECONDS = 120.0
FILE_SECONDS = 30.0


@dataclass
class IngestResult:
    tables: Tables
    counts: dict[str, int]
    report: Path
    seconds: float
    invalid_by_item: pd.Series
    timings: dict[str, float]
    roster_issues: int = 0  # roster rows dropped, merged or read in part (the report's 名簿 sheet)
    linked: int = 0  # name-keyed respondents of other years (or roster rows) re-keyed by their 法人番号
    totals: list[str] = field(default_factory=list)  # exports' totals rows (合計, 平均 …), read as no member's


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off for one ingest (the workers fork with it off too), on again after.

    An ingest makes few reference cycles but millions of objects (a record per file, a cell per answer,
    pandas and pandera imported meanwhile), and each full collection walks all of them: about 0.15 s of
    CPU in the main process for 3,100 workbooks. What cycles there are are collected when it ends."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@contextlib.contextmanager
def _without_hypothesis() -> Iterator[None]:
    """pandera loaded as where hypothesis is not installed, unless pandera or hypothesis is loaded already.

    pandera imports hypothesis whenever it is installed (in the development environment: the tests use it) for its
    strategies, which generate example data; ingest generates none, and the import cost ~0.17 s of the main
    process's CPU while the readers read. ``import hypothesis`` fails meanwhile, as in an installation without
    the dev extras; pandera then leaves its strategies out for the rest of the process (``schema.example()`` is not
    available in it, which no command uses), and hypothesis itself imports as usual afterwards."""
    if "hypothesis" in sys.modules or "pandera" in sys.modules:
        yield
        return
    sys.modules["hypothesis"] = None  # type: ignore[assignment]  # the import system's mark for "not importable"
    try:
        yield
    finally:
        if "hypothesis" in sys.modules and sys.modules["hypothesis"] is None:
            del sys.modules["hypothesis"]


def ingest(sector: str, year: int, raw: Path, store: Path, workers: int | None = None,
           progress: bool | None = None, roster: Path | None = None) -> IngestResult:
    """Read every submission under ``raw`` into the store's (sector, year), replacing what was there.

    With ``roster`` (the association's member list), also stores who should have answered. ``progress``
    False shows nothing while files are read; otherwise a bar on a terminal, else one summary line
    (pipeline.progress).
    """
    with _no_cycle_collection():
        return _ingest(sector, year, raw, store, workers, progress, roster)


def _ingest(sector: str, year: int, raw: Path, store: Path, workers: int | None, progress: bool | None,
            roster: Path | None) -> IngestResult:
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    # Measured on the 2-core machines: with Arrow's default allocator (mimalloc), building the
    # half-million-row tables costs ~0.3 s of kernel time (fresh pages); with the system one ~0.06 s.
    pa.set_memory_pool(pa.system_memory_pool())

    def lap(stage: str) -> None:
        timings[stage] = time.perf_counter() - t0 - sum(timings.values())

    refresh()  # before the workers fork: they inherit the caches of this project's catalogs
    key = secret_key()
    check_key(store, key)  # one key per store: refused before anything is read
    entries = discover(raw)
    if not entries:
        raise FileNotFoundError(f"no files under {raw}")
    lap("discover")
    with _Reading(entries, sector, year, workers, progress) as reading, _without_hypothesis():
        import pandas as pd

        from pipeline import store as store_mod
        from pipeline.ingest import linking  # imports pandas: never before the workers fork
        from pipeline.ingest.assemble import assign_identity, build_tables, check_sector, known_numbers, supersede
        from pipeline.ingest.quarantine import quarantine_rows, roster_rows
        from pipeline.ingest.roster import read_roster

        store_mod.prepare()
        records, answers = reading.collect()
    lap("read")
    roster_issues: list[dict] = []
    members = read_roster(roster, sector, year, key, roster_issues) if roster is not None else None
    check_sector(records, sector)
    earlier = {n: _other_partitions(store_mod.read_table(store, n), sector, year) for n in ("identities", "roster")}
    known = known_numbers(members, earlier["identities"], earlier["roster"])
    keys = assign_identity(records, key, known)
    by_path = {e.source_path: e for e in entries}

    def saved(rec: Parsed) -> str:  # read again only for duplicates that tie on their answer date
        return "" if rec.kind == "export_row" else saved_at(read_entry(by_path[rec.source_path]))

    supersede(records, keys, saved)
    tables = build_tables(records, answers, keys, sector, year)
    # the other way: name-keyed rows of other years (and of this roster) whose 法人番号 is now certain
    now_known = known_numbers(tables.identities)
    links = linking.plan(_link_candidates(earlier, members, sector, year),
                         {n: known.get(n, set()) | now_known.get(n, set()) for n in {*known, *now_known}}, key)
    links = linking.unsupported(links, earlier["identities"], earlier["identities"], earlier["roster"],
                                tables.identities, members)
    if members is not None and roster is not None:
        roster_issues += linking.roster_notes(members, links, (sector, year), roster.name)
        members = linking.relink("roster", members, links)
    quarantine = quarantine_rows(records, sector, year)
    if roster_issues:
        quarantine = pd.concat([quarantine, roster_rows(roster_issues, sector, year)], ignore_index=True)
    lap("assemble")
    new = {"manifest": tables.manifest, "respondents": tables.respondents, "responses": tables.responses,
           "identities": tables.identities, "quarantine": quarantine}
    if members is not None:
        new["roster"] = members.assign(responded=members["respondent_key"].isin(tables.respondents["respondent_key"]))
    if (store / "scores").exists():  # this partition's scores are stale now; `sdw score` recomputes them
        new["scores"] = store_mod.empty_table(store, "scores")
    others = links.without((sector, year))
    amend = _amender(store, others, (sector, year)) if others else None
    also = linking.TABLES if others.keys else ()
    # the report's tables merged first: it is drafted on a thread while the rest is validated and written
    first = store_mod.merged_partition(store, {n: f for n, f in new.items() if n in _REPORT_TABLES}, sector, year,
                                       amend=amend, also=tuple(n for n in also if n in _REPORT_TABLES))
    roster_table = first["roster"] if "roster" in first else store_mod.read_table(store, "roster")
    drafting = _Drafting(first["quarantine"], store, roster_table)
    try:
        rest = store_mod.merged_partition(store, {n: f for n, f in new.items() if n not in _REPORT_TABLES}, sector,
                                          year, amend=amend, also=tuple(n for n in also if n not in _REPORT_TABLES))
        merged = {n: first[n] if n in first else rest[n] for n in [*new, *also] if n in first or n in rest}
        store_mod.write_tables(store, merged)
        if stored_fingerprint(store) is None:
            record_fingerprint(store, key)
        record_ingest(store, sector, year)
    except BaseException:
        drafting.abandon()
        raise
    lap("validate+write")
    report = drafting.publish()
    lap("report")
    m = tables.manifest
    containers_opened = m["kind"].isin(["archive", "export"]) & m["status"].eq("ingested")
    counts = m.loc[~containers_opened, "status"].value_counts().to_dict()
    invalid = tables.responses.loc[tables.responses["answer"].eq("invalid"), "item_id"].value_counts()
    totals = [f"{rec.source_path} {row}" for rec in records for row in rec.totals]
    return IngestResult(tables, counts, report, time.perf_counter() - t0, invalid, timings, len(roster_issues),
                        links.count(), totals)


_REPORT_TABLES = ("quarantine", "roster")
"""The store tables the quarantine report is drafted from."""


class _Drafting:
    """The quarantine report drafted on a thread beside the store's validation and writes, published after them.

    The report is Python (XlsxWriter) and needs only the quarantine and roster tables; the validation and the
    Parquet writes spend much of their time in Arrow, without the interpreter's lock, while the second core is
    idle. The drafts become the report only once the store is written (:meth:`publish`); a failed write removes
    them (:meth:`abandon`), and a failed draft raises its error from :meth:`publish`, after the store is
    written, as the report written after the store did."""

    def __init__(self, quarantine: pd.DataFrame, store: Path, roster: pd.DataFrame | None) -> None:
        self.store = store
        self.error: BaseException | None = None
        # copies: pandas may reorganise a frame's blocks while reading it, and the main thread writes these
        args = (quarantine.copy(), store, None if roster is None else roster.copy())
        self.thread = threading.Thread(target=self._draft, args=args, name="sdw-quarantine-report", daemon=True)
        self.thread.start()

    def _draft(self, *args: object) -> None:
        from pipeline.ingest.quarantine import draft_report

        try:
            draft_report(*args)  # type: ignore[arg-type]
        except BaseException as e:  # noqa: BLE001 - raised again by publish, in the main thread
            self.error = e

    def publish(self) -> Path:
        """Wait for the drafts and rename them into place; the .xlsx's path."""
        from pipeline.ingest.quarantine import discard_report, publish_report

        self.thread.join()
        if self.error is not None:
            discard_report(self.store)
            raise self.error
        return publish_report(self.store)[0]

    def abandon(self) -> None:
        """Wait for the drafts and remove them (the store was not written)."""
        from pipeline.ingest.quarantine import discard_report

        self.thread.join()
        discard_report(self.store)


def _other_partitions(frame: pd.DataFrame | None, sector: str, year: int) -> pd.DataFrame | None:
    """This sector's other years of a store table: the year being replaced is about to go, and another
    sector's company of the same name may be another company (names are linked within a sector only)."""
    if frame is None:
        return None
    return frame[frame["sector"].eq(sector) & ~frame["year"].eq(year)]


def _link_candidates(earlier: dict[str, pd.DataFrame | None], members: pd.DataFrame | None, sector: str,
                     year: int) -> pd.DataFrame:
    """Identities and roster rows that a later-known 法人番号 may re-key: the store's other partitions, and
    this run's roster (a member listed by name whose submission carries the number)."""
    import pandas as pd

    cols = ["sector", "year", "respondent_key", "identity_basis", "company_name"]
    frames = [f[cols].assign(table=name) for name, f in earlier.items() if f is not None and len(f)]
    if members is not None and len(members):
        frames.append(members.assign(sector=sector, year=year)[cols].assign(table="roster"))
    return pd.concat(frames, ignore_index=True).fillna("") if frames else pd.DataFrame(columns=[*cols, "table"])


def _amender(store: Path, links: linking.Links, now: tuple[str, int]):
    """The change to other partitions' rows: keys re-linked everywhere, and the files concerned flagged in
    their manifest and 要確認 rows (computed once, from the store as it is before this write)."""
    from pipeline import store as store_mod
    from pipeline.ingest import linking

    manifest, quarantine = linking.flag(store_mod.read_table(store, "manifest"),
                                        store_mod.read_table(store, "quarantine"),
                                        store_mod.read_table(store, "identities"), links, now)
    flagged = {"manifest": manifest, "quarantine": quarantine}

    def amend(name: str, rows: pd.DataFrame) -> pd.DataFrame:
        if name in flagged:  # the flagged copy, with any 要確認 row it added
            f = flagged[name]
            rows = f[~(f["sector"].eq(now[0]) & f["year"].eq(now[1]))]
        return linking.relink(name, rows, links)

    return amend


def _pool(n: int) -> ProcessPoolExecutor:
    """Reader processes, each with its memory capped (limits.limit_memory)."""
    return ProcessPoolExecutor(n, initializer=_start_reader)


def _start_reader() -> None:
    limits.limit_memory()
    hold()  # the catalogs as refreshed before the fork, for the life of this ingest's pool


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut a pool down now, killing workers still busy (a stuck reader never returns to Python)."""
    processes = dict(getattr(pool, "_processes", None) or {})  # private, but the executor offers no kill
    for process in processes.values():
        process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def _parse_chunk(entries: list[Entry], sector: str, year: int) -> tuple[list[Parsed], Packed]:
    records = [p for e in entries for p in parse_entry(e, sector, year)]
    return records, pack(records)


class _Reading:
    """Parse every entry in worker processes, started on entry so the caller can work meanwhile.

    ``collect`` returns the records and one Arrow table of all answers, whose ``rec`` column
    indexes the record list.
    """

    def __init__(self, entries: list[Entry], sector: str, year: int, workers: int | None,
                 progress: bool | None) -> None:
        n = self.n = config.workers(workers)
        # smaller chunks at the end: the readers end within a few files of each other, not a chunk of 32 (60 ms)
        self.chunks = config.chunks_of(entries, n, CHUNK)
        self.sector, self.year, self.progress, self.total = sector, year, progress, len(entries)
        # every read happens in a worker (even one chunk, even on one core): a reader that crashes, hangs or
        # outgrows its memory then costs a file, not the run. Only workers=1 asked for by name (tests,
        # debugging) reads in this process, unbounded; the CLI never asks for it.
        self.pool = _pool(n) if n > 1 or workers is None else None
        # progress counts chunks as the workers finish them (not as they are collected: the main process
        # imports pandas and the rest meanwhile, and most chunks are done by the time it collects)
        self._stack = contextlib.ExitStack()
        self.bar = self._stack.enter_context(progress_counter(
            self.total, f"ingest {sector} FY{year}: files and ZIP members read", quiet=progress is False))
        self._counted: set[int] = set()
        self._lock = threading.Lock()
        self.futures: list[Future] = [self.pool.submit(_parse_chunk, c, sector, year) for c in self.chunks] \
            if self.pool else []
        for i, future in enumerate(self.futures):
            future.add_done_callback(lambda f, i=i: None if f.cancelled() or f.exception() else self._count(i))

    def _count(self, i: int) -> None:
        """Chunk ``i`` is read: count it once (a worker's callback or, for a chunk read again, collect)."""
        with self._lock:
            if i not in self._counted:
                self._counted.add(i)
                self.bar.update(len(self.chunks[i]))

    def _results(self) -> Iterator[list[tuple[list[Parsed], Packed]]]:
        """Each chunk's results, in order. A worker that dies (a crash inside a native reader takes the
        process with it) breaks the pool: its chunk is read again file by file, each in a process of its
        own, so the one file that kills a reader is quarantined as read_error and the rest are read; the
        chunks after it go to a new pool."""
        assert self.pool is not None
        futures = list(self.futures)
        for i, chunk in enumerate(self.chunks):
            try:
                yield [futures[i].result(timeout=CHUNK_SECONDS)]
            except (BrokenProcessPool, TimeoutError):
                _stop(self.pool)
                yield [self._alone(entry) for entry in chunk]
                self.pool = _pool(self.n)
                futures[i + 1:] = [self.pool.submit(_parse_chunk, c, self.sector, self.year)
                                   for c in self.chunks[i + 1:]]

    def _alone(self, entry: Entry) -> tuple[list[Parsed], Packed]:
        pool = _pool(1)
        detail = ""
        try:
            return pool.submit(_parse_chunk, [entry], self.sector, self.year).result(timeout=FILE_SECONDS)
        except BrokenProcessPool:
            detail = ("could not be read: the process reading it stopped (a crash in the reader, or more than "
                      f"{limits.READER_MEMORY_MB:,} MB of memory)")
        except TimeoutError:
            detail = f"could not be read: still reading after {FILE_SECONDS:g} s (stopped)"
        finally:
            _stop(pool)
        rec = Parsed(entry.source_path, entry.kind, status="quarantined", reason="read_error", detail=detail)
        return [rec], pack([rec])

    def __enter__(self) -> _Reading:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.pool:
                self.pool.shutdown(cancel_futures=True)
        finally:
            self._stack.close()

    def collect(self) -> tuple[list[Parsed], pa.Table]:
        records: list[Parsed] = []
        parts: list[Packed] = []
        offsets: list[int] = []
        results = self._results() if self.pool else \
            ([_parse_chunk(c, self.sector, self.year)] for c in self.chunks)
        for i, chunk_results in enumerate(results):
            for recs, part in chunk_results:
                parts.append(part)
                offsets.append(len(records))
                records.extend(recs)
            self._count(i)
        self._stack.close()  # the bar (or summary line) ends with the reading, before ingest prints its result
        return records, unpack(parts, offsets)
