"""The Parquet store: one file per table, replaced atomically, one (sector, year) at a time.

``pandas.read_parquet(store / NAME)`` reads each table (NAME has no suffix: a contract with outside
scripts). A write validates every table first, writes the new files beside the old ones, and only
then renames them into place; an exception before that leaves the previous store as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pandera.errors

from pipeline.schemas import ADDED, TABLES

if TYPE_CHECKING:
    import pyarrow as pa


class StoreError(RuntimeError):
    pass


@contextmanager
def opened(path: Path | str) -> Iterator:
    """A table file held open for one read (a ``pyarrow.NativeFile`` for ``pd.read_parquet`` or
    ``pq.read_table``), so that the read's schema and data come from the same file.

    Given a path, pyarrow opens the file once for its schema and again for its data. A table replaced by
    :func:`write_tables` between the two (the demo builds one sector while a report of another reads the
    store) would have the old file's schema cast onto the new file's data, and a column typed null in one and
    text in the other fails that cast. An open handle keeps reading the file it opened: the rename replaces
    the name, not the file. A table stored as a folder of part files is given back as its path.
    """
    import pyarrow as pa

    if os.path.isdir(path):  # a table written as a folder of part files (another program's dataset): read by name,
        yield path           # as pyarrow reads a folder; the store's own writes are single files, renamed into place
        return
    with pa.OSFile(os.fspath(path), "rb") as f:
        yield f


def schema_of(handle: object) -> pa.Schema:
    """The schema of a table held by :func:`opened`: read from the open file (or, for a folder of part files,
    from its parts), so a read that chooses its columns by the schema reads them from the same file."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    if isinstance(handle, (str, os.PathLike)):
        return ds.dataset(handle).schema
    return pq.read_schema(handle)


def sector_years(store: Path | str, name: str) -> list[tuple[str, int]]:
    """Each (sector, year) with a row in the store table ``name``, once, in the order they first appear (two
    columns of one open file are read); none where the table is absent."""
    import pyarrow.parquet as pq

    path = Path(store) / name
    if not path.exists():
        return []
    with opened(path) as f:
        t = pq.read_table(f, columns=["sector", "year"]).group_by(["sector", "year"]).aggregate([])
    return [(s, int(y)) for s, y in zip(t.column("sector").to_pylist(), t.column("year").to_pylist(), strict=True)]


def read_table(store: Path, name: str) -> pd.DataFrame | None:
    """A store table, with any column added since an older store was written filled (schemas.ADDED)."""
    path = store / name
    if not path.exists():
        return None
    with opened(path) as f:
        frame = pd.read_parquet(f)
    for column, value in ADDED.get(name, {}).items():
        if column not in frame.columns:
            frame[column] = value
        else:  # rows of an older partition, written beside newer ones before this column was filled
            frame[column] = frame[column].fillna(value)
    return frame


def empty_table(store: Path, name: str) -> pd.DataFrame:
    """A table's columns with no rows, read from the file's schema only (no data is loaded)."""
    with opened(store / name) as f:
        return schema_of(f).empty_table().to_pandas()


def prepare() -> None:
    """Load Parquet and validation code ahead of need: ingest calls this while its workers read,
    so the first real validation does not pay for pandera's lazy imports (about 0.15 s)."""
    import pyarrow.parquet  # noqa: F401

    schema = TABLES["manifest"].to_schema()
    TABLES["manifest"].validate(pd.DataFrame({c: pd.Series(dtype=object) for c in schema.columns}))


def validate(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate (lazily: every failure at once) and coerce one table to its schema."""
    try:
        return TABLES[name].validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as e:
        cases = e.failure_cases[["column", "check", "failure_case"]].head(10).to_string(index=False)
        raise StoreError(f"table {name} breaks its schema ({len(e.failure_cases)} failures):\n{cases}") from None


Amend = Callable[[str, pd.DataFrame], pd.DataFrame]


def replace_partition(store: Path, new: dict[str, pd.DataFrame], sector: str, year: int,
                      amend: Amend | None = None, also: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    """Swap in ``new`` tables for (sector, year), keeping every other sector and year as it was.

    The new partition is validated; the rest was validated when it was written, and cannot collide
    with it because every table's uniqueness includes sector and year. ``amend(name, rows)`` may change
    the other partitions' rows in the same write (identities linked across years): those are validated
    again, before anything is written. The tables named in ``also`` are then rewritten too, so every
    table changes together or none does.
    """
    merged = merged_partition(store, new, sector, year, amend, also)
    write_tables(store, merged)
    return merged


def merged_partition(store: Path, new: dict[str, pd.DataFrame], sector: str, year: int,
                     amend: Amend | None = None, also: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    """The tables :func:`replace_partition` writes, validated and merged with the other partitions, nothing
    written: ingest merges the quarantine and roster tables first, so that its report is drafted while the rest
    is validated and written."""
    merged = {}
    names = [*new, *(n for n in also if n not in new and (store / n).exists())]
    for name in names:
        frame = validate(name, new[name]) if name in new else None
        old = read_table(store, name)
        if old is not None and len(old):
            keep = old[~(old["sector"].eq(sector) & old["year"].eq(year))]
            if amend is not None:
                keep = _amended(name, amend(name, keep), sector, year)
            parts = [f for f in (keep, frame) if f is not None and len(f)]
            frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else \
                (parts[0] if parts else (frame if frame is not None else keep))
        merged[name] = frame
    return merged


def _amended(name: str, rows: pd.DataFrame, sector: str, year: int) -> pd.DataFrame:
    """Other partitions' rows after ``amend``, validated like a new partition: a change there (two rows
    re-keyed to one respondent) must refuse the write, not leave a store that breaks its own schema."""
    try:
        return TABLES[name].validate(rows, lazy=True)
    except pandera.errors.SchemaErrors as e:
        cases = e.failure_cases
        first = cases.iloc[0]
        raise StoreError(
            f"ingesting {sector} {year} would change other years' rows of table {name} so that they break its "
            f"schema ({len(cases)} failures, first: {first['column']} {first['check']}); nothing was written"
        ) from None


def write_tables(store: Path, tables: dict[str, pd.DataFrame],
                 parts: tuple[str, Iterable[pd.DataFrame]] | None = None) -> int:
    """Write tables to a staging folder inside the store, then rename each into place.

    ``parts`` = (name, frames): one more table written a partition at a time, so the whole table is never
    in memory (:func:`write_parts`); it is renamed into place with the others, or nothing is. Returns the
    rows written of it (0 without).
    """
    store.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=store))
    try:
        names, rows = list(tables), 0
        if parts is not None:
            rows = write_parts(staging / parts[0], parts[0], parts[1])
            names.append(parts[0])
        for name, frame in tables.items():
            frame.to_parquet(staging / name, index=False)
        for name in names:
            os.replace(staging / name, store / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return rows


def write_parts(path: Path, name: str, parts: Iterable[pd.DataFrame]) -> int:
    """Write table ``name`` to ``path`` from ``parts``, each validated and appended as it comes; the rows written.

    Each part must hold one (sector, year) no other part holds: the table is then valid as a whole when
    each part is (every table's uniqueness includes sector and year), and a reader filtering by sector
    and year skips the other parts' row groups. The file reads as one table written at once would
    (``pandas.read_parquet``), its rows in the order of the parts.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer: pq.ParquetWriter | None = None
    seen: set[tuple[str, int]] = set()
    rows = 0
    try:
        for frame in parts:
            frame = validate(name, frame)
            held = {(str(s), int(y)) for s, y in frame[["sector", "year"]].drop_duplicates().itertuples(index=False)}
            if len(held) > 1 or held & seen:
                raise StoreError(f"table {name}: a part must hold one sector-year no other part holds, "
                                 f"not {sorted(held)}")
            seen |= held
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table.cast(writer.schema))
            rows += len(frame)
        if writer is None:  # no part: the table's columns without rows
            validate(name, pd.DataFrame(columns=list(TABLES[name].to_schema().columns))).to_parquet(path, index=False)
    finally:
        if writer is not None:
            writer.close()
    return rows
