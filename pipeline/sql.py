"""``sdw sql``: DuckDB over the store, for the questions no report answers yet.

Each store table becomes a view of the same name that reads its Parquet in place (nothing is copied
or loaded ahead of the query), so an analyst can join ``scores`` to ``respondents`` without writing
Python. The ``identities`` table names the companies behind the respondent keys; it is left out of
the views unless asked for, and so are the name and 法人番号 columns that ``roster`` and ``quarantine``
carry (for the chase list and the clerk), so an ad-hoc query cannot put a name beside a score by
accident. This is a guard against slips, not access control: whoever runs ``sdw`` can read the files
anyway, and ``source_path`` (kept for lineage) is a file name that often contains a company's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

VIEWS = ("manifest", "respondents", "responses", "scores", "roster", "quarantine", "weights")
PRIVATE = ("identities",)
IDENTITY_COLUMNS = ("company_name", "corporate_number")
IDENTITIES_FLAG = "--with-identities"
SHOWN_ROWS = 200
WRITERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


class SqlError(RuntimeError):
    """A query that cannot run: one line saying why (the CLI prints it as is)."""


@dataclass
class SqlResult:
    """What a query gave: the rows shown (at most :data:`SHOWN_ROWS`), how many there were, where they went."""

    frame: pd.DataFrame | None
    rows: int
    out: Path | None = None


def _source(path: Path) -> str | None:
    """The ``read_parquet`` call for one table: a single file as the store writes it today, or a folder of
    (hive-)partitioned Parquet files should the store come to write partitions."""
    quoted = str(path).replace("'", "''")
    if path.is_file():
        return f"read_parquet('{quoted}')"
    if path.is_dir() and any(path.rglob("*.parquet")):
        return f"read_parquet('{quoted}/**/*.parquet', hive_partitioning = true)"
    return None


def connect(store: Path, with_identities: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per store table found in ``store``.

    Parameters
    ----------
    store : Path
        The store folder (``data/processed`` of the project by default).
    with_identities : bool
        Also create the ``identities`` view and keep the name and 法人番号 columns of ``roster`` and
        ``quarantine``. Off by default: association use only.

    Returns
    -------
    duckdb.DuckDBPyConnection
        The connection; a table absent from the store simply has no view (a store before ``sdw score``
        has no ``scores``), and the query's error then names the missing table.

    Raises
    ------
    SqlError
        When the folder holds no table at all: most often the wrong ``--store`` or project folder.
    """
    import duckdb

    store = Path(store)
    con = duckdb.connect(":memory:")
    names = VIEWS + (PRIVATE if with_identities else ())
    made = []
    for name in names:
        source = _source(store / name)
        if source is None:
            continue
        hidden = [] if with_identities else [c for c in con.sql(f"SELECT * FROM {source} LIMIT 0").columns
                                             if c in IDENTITY_COLUMNS]
        columns = f"* EXCLUDE ({', '.join(hidden)})" if hidden else "*"
        con.execute(f'CREATE VIEW "{name}" AS SELECT {columns} FROM {source}')
        made.append(name)
    if not made:
        con.close()
        raise SqlError(f"no store tables in {store}: run `sdw ingest` first, or pass --store")
    return con


def _explain(error: Exception, with_identities: bool) -> str:
    """One line from DuckDB's message (they run to several, with a caret under the query), and the flag to
    pass when the query wanted the identities table."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if not with_identities and any(p in str(error) for p in PRIVATE + IDENTITY_COLUMNS):
        return (f"{first} — company names and 法人番号 (the identities table, and those columns of roster and "
                f"quarantine) are hidden without {IDENTITIES_FLAG} (association use only)")
    return first


def run_query(query: str, store: Path, out: Path | None = None, with_identities: bool = False) -> SqlResult:
    """Run one query over the store's views; keep the first rows for display, or write them all to ``out``.

    Parameters
    ----------
    query : str
        One statement in DuckDB's SQL dialect.
    store : Path
        The store folder.
    out : Path, optional
        ``.csv`` (UTF-8 with BOM, so Excel shows Japanese text) or ``.parquet``: every row is written
        by DuckDB itself, so a result larger than memory still gets out.
    with_identities : bool
        Expose the ``identities`` view (association use only).

    Returns
    -------
    SqlResult
        The first :data:`SHOWN_ROWS` rows (``None`` for a statement without a result) and the row count.

    Raises
    ------
    SqlError
        A bad query, an unknown table or an ``--out`` with another extension, in one line.
    """
    import duckdb

    kind = None
    if out is not None:
        kind = WRITERS.get(Path(out).suffix.lower())
        if kind is None:
            raise SqlError(f"--out must end in {', '.join(WRITERS)}, not {Path(out).name!r}")
    con = connect(store, with_identities)
    try:
        rel = con.sql(query)
        if rel is None or not rel.columns:  # a statement such as SET or CREATE: nothing to show
            return SqlResult(None, 0)
        if out is not None:
            out = Path(out)
            out.parent.mkdir(parents=True, exist_ok=True)
            if kind == "csv":
                frame = rel.df()  # pandas writes the BOM Excel needs to read UTF-8 Japanese text
                frame.to_csv(out, index=False, encoding="utf-8-sig")
                return SqlResult(None, len(frame), out)
            rel.write_parquet(str(out))
            import pyarrow.parquet as pq

            return SqlResult(None, pq.ParquetFile(out).metadata.num_rows, out)
        frame = rel.limit(SHOWN_ROWS + 1).df()
        if len(frame) <= SHOWN_ROWS:
            return SqlResult(frame, len(frame))
        # only a long result pays for a second run, to say how long it is
        return SqlResult(frame.head(SHOWN_ROWS), int(rel.aggregate("count(*)").fetchall()[0][0]))
    except duckdb.Error as e:
        raise SqlError(_explain(e, with_identities)) from None
    finally:
        con.close()


def format_result(result: SqlResult) -> str:
    """The result as the terminal shows it: an aligned table, and how many rows there were in all."""
    if result.out is not None:
        return f"{result.rows:,} rows written to {result.out}"
    if result.frame is None:
        return "done (the statement returned no rows)"
    if result.frame.empty:
        return f"(no rows; columns: {', '.join(map(str, result.frame.columns))})"
    import pandas as pd

    with pd.option_context("display.max_columns", None, "display.width", 200, "display.max_colwidth", 60):
        text = result.frame.to_string(index=False) if len(result.frame.columns) else "(no columns)"
    more = f"\n({len(result.frame):,} of {result.rows:,} rows shown; --out FILE writes them all)" \
        if result.rows > len(result.frame) else f"\n({result.rows:,} rows)"
    return text + more
