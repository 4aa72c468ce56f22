"""Whether the store already holds what ingest and scoring would write again: ``sdw demo`` skips them then.

Re-reading and re-scoring files that have not changed is most of the cost of a repeated demo, so after it
builds the store the demo writes a *build stamp* into it (``build_stamp.json``) saying what the store rests
on:

- per (sector, year), a digest of every file under its raw folder (path and content) and of its roster;
- the code: a digest of the package's Python and catalog files (the shipped ones and the project's
  own ``catalogs/``), so an edited module re-runs even before it is committed;
- the scoring rules in force, and the fingerprint of the pseudonymisation key;
- each store table file's size, modification time and inode as left by that build, so a store that
  anything else wrote since (``sdw ingest`` of another folder, ``sdw score`` run by hand) is rebuilt.

A partition whose inputs changed is ingested again; anything else changed (code, key, store files)
ingests every partition; changed rules score again. The build goes a sector at a time and can hand each
sector over as soon as it is ingested and scored (``ready``), so the demo's longest report runs while the
next sector is built (:func:`build` says why that is safe). Digests read every input byte (about 0.1 s for the
demo's 2,000 files): a stamp based on modification times would miss a file copied over with its time kept.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline import freshness
from pipeline.freshness import hash_file

STAMP_FILE = "build_stamp.json"
# the tables an ingest or a score writes: a change to any of them after the stamp makes it stale
TABLES = ("manifest", "respondents", "responses", "identities", "quarantine", "roster", "scores")
PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Partition:
    """One (sector, year) the demo builds: where its files are and its roster (or None)."""

    sector: str
    year: int
    raw: Path
    roster: Path | None = None

    @property
    def name(self) -> str:
        return f"{self.sector}/{self.year}"


@dataclass(frozen=True)
class Plan:
    """What a build must run: the partitions to ingest again, and whether to score again."""

    ingest: tuple[str, ...]
    score: bool

    @property
    def up_to_date(self) -> bool:
        return not self.ingest and not self.score


def inputs_digest(part: Partition) -> str:
    """Every file under the raw folder (relative path and content) and the roster's content."""
    h = hashlib.sha256()
    files = sorted(p for p in part.raw.rglob("*") if p.is_file() or p.is_symlink()) if part.raw.is_dir() else []
    for path in files:
        h.update(os.fsencode(path.relative_to(part.raw).as_posix()) + b"\0")
        hash_file(h, path)
    h.update(b"roster\0")
    if part.roster is not None and part.roster.exists():
        hash_file(h, part.roster)
    return h.hexdigest()


def code_digest(catalogs: Path | None = None) -> str:
    """The package's Python and catalog files, and the project's own catalogs folder when given."""
    h = hashlib.sha256()
    for root in (PACKAGE, catalogs):
        if root is None or not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                h.update(os.fsencode(path.relative_to(root).as_posix()) + b"\0")
                hash_file(h, path)
    return h.hexdigest()


def rules_digest() -> str:
    return freshness.rules_digest()


def _table_files(store: Path) -> dict[str, list[int]]:
    out = {}
    for name in TABLES:
        try:
            st = (store / name).stat()
        except FileNotFoundError:
            continue
        out[name] = [st.st_size, st.st_mtime_ns, st.st_ino]
    return out


def _read_stamp(store: Path) -> dict:
    try:
        return json.loads((store / STAMP_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def plan(store: Path, parts: list[Partition], code: str, key: str) -> Plan:
    """What must run again so that the store is what these inputs, code, key and rules give."""
    stamp = _read_stamp(store)
    everything = Plan(tuple(p.name for p in parts), True)
    if not stamp or stamp.get("code") != code or stamp.get("key") != key:
        return everything
    if stamp.get("tables") != _table_files(store) or "scores" not in stamp["tables"]:
        return everything  # written by something else since, or never scored
    inputs = stamp.get("inputs", {})
    changed = tuple(p.name for p in parts if inputs.get(p.name) != inputs_digest(p))
    return Plan(changed, bool(changed) or stamp.get("rules") != rules_digest())


def record(store: Path, parts: list[Partition], code: str, key: str) -> None:
    """Stamp the store as built from these inputs (call after the last write of the build)."""
    stamp = {"inputs": {p.name: inputs_digest(p) for p in parts}, "code": code, "key": key,
             "rules": rules_digest(), "tables": _table_files(store)}
    tmp = store / f".{STAMP_FILE}.tmp"
    tmp.write_text(json.dumps(stamp, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, store / STAMP_FILE)


def build(store: Path, parts: list[Partition], key: bytes, ingest: Callable[[Partition], None],
          score: Callable[[], None], catalogs: Path | None = None,
          prepare: Callable[[str], Iterable[str]] | None = None,
          ready: Callable[[str], None] | None = None) -> Plan:
    """Ingest the partitions and score the store, skipping what the stamp shows is already there.

    ``ingest`` and ``score`` do the work (and print); returns what ran (partitions ingested, whether scored).

    The partitions are taken one sector at a time, in the order of ``parts`` (the demo puts the sector
    with the longest report first). Per sector:

    1. ``prepare(sector)`` writes the sector's input files where needed (the demo synthesises them) and
       returns the names of the partitions it rewrote: those are ingested whatever the stamp says;
    2. its partitions that changed are ingested;
    3. when ``ready`` is given, the store is scored if anything was ingested (or the rules changed) since
       the last scoring, and ``ready(sector)`` is called: the sector's rows are final from here on, so a
       report of that sector may start reading the store while the next sectors are built.

    Why the later sectors' writes cannot change what such a report reads: ingest replaces one (sector,
    year) and links names within a sector only (``pipeline/ingest/run.py``), so the other sectors' rows of
    every table are written back unchanged; scoring computes each (sector, year) from its own answers
    alone (``pipeline/scoring/run.py``), so it writes the same scores for them again; and every table file is
    replaced by a rename (``pipeline/store.py``) and the report reads each file's schema and rows through one
    open handle (``pipeline.store.opened``), so it reads either the file before or the file after, never the
    schema of one with the rows of the other. The report reads its own sector's rows only
    (``pipeline/report/data.py``), and its data snapshot id covers its own sector's manifest rows only
    (``pipeline/publish/provenance.py``).

    The plan is made once, before anything is written (afterwards the store's own writes would make it
    look changed by someone else); a partition ``prepare`` rewrites later is ingested because it was
    rewritten, so its digest at planning time does not matter. The stamp is written after the last write.
    """
    from pipeline.ingest.keys import fingerprint

    code, fp = code_digest(catalogs), fingerprint(key)
    todo = plan(store, parts, code, fp)
    sectors = list(dict.fromkeys(p.sector for p in parts))
    ingested: list[str] = []
    stale, scored = todo.score, False  # stale: the store holds answers (or rules) its scores do not reflect yet
    for sector in sectors:
        remade = set(prepare(sector)) if prepare is not None else set()
        for part in parts:
            if part.sector == sector and (part.name in todo.ingest or part.name in remade):
                ingest(part)
                ingested.append(part.name)
                stale = True
        if stale and (ready is not None or sector == sectors[-1]):
            score()
            stale, scored = False, True
        if ready is not None:
            ready(sector)
    if stale:  # no partition (the stamp still asks for a scoring)
        score()
        scored = True
    done = Plan(tuple(ingested), scored)
    if not done.up_to_date:
        record(store, parts, code, fp)
    return done


__all__ = ["Partition", "Plan", "build", "code_digest", "inputs_digest", "plan", "record"]
