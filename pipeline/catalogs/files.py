"""Reading catalog files once and handing out copies; the project's own files before the shipped ones.

Every catalog file (``templates/*.yaml``, item CSVs, vocabularies …) is looked for first in the
project's ``catalogs/`` folder (:func:`pipeline.config.catalogs_dir`: an imported official form
lives there) and then beside this module. Nothing is ever written here.

Caches must follow the project: tests switch ``SDW_HOME`` and a user imports a form between two
commands. Every cache that holds catalog contents is registered with :func:`catalog_cache` (or
:func:`on_change`) and emptied by :func:`refresh` when the project's catalog files change (another
folder, a file added, replaced or edited). :func:`refresh` runs on every loader call and at the
start of each stage; ingest workers are forked after it ran, or resolve the same folder from the
same environment, so they see the same files as the main process.

pandas is imported on first use, not at import: the ingest workers read catalogs through
:func:`read_records` only and start without it (see ingest/run.py).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import yaml

from pipeline import config

if TYPE_CHECKING:
    import pandas as pd

HERE = Path(__file__).resolve().parent
F = TypeVar("F", bound=Callable[..., Any])

_clearers: list[Callable[[], None]] = []
_state: dict[str, object] = {"signature": None, "held": False}


def project_root() -> Path | None:
    """The project's catalog folder when it exists (``None`` when there is none, or no usable project)."""
    root = _catalogs_dir(os.environ.get(config.HOME_ENV, ""), os.getcwd())
    return root if root is not None and root.is_dir() else None


@functools.lru_cache(maxsize=16)
def _catalogs_dir(home: str, cwd: str) -> Path | None:
    """``config.catalogs_dir()`` for one ``SDW_HOME`` and working folder: finding the project reads
    pyproject.toml files, too slow to repeat on every catalog look-up of an ingest."""
    try:
        return config.catalogs_dir()
    except RuntimeError:  # run from inside the installed package: there is no project of the user's
        return None


def _signature() -> tuple:
    """What the project's catalog files are now: their folder and every file's size and change time
    (one failed system call when the project has no catalogs/ folder: this runs for every file ingested)."""
    root = _catalogs_dir(os.environ.get(config.HOME_ENV, ""), os.getcwd())
    if root is None:
        return ()
    files: list[tuple[str, int, int]] = []
    folders = [str(root)]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if entry.is_dir():
                folders.append(entry.path)
            elif entry.is_file():
                st = entry.stat()
                files.append((entry.path, st.st_mtime_ns, st.st_size))
    return (str(root), tuple(sorted(files))) if files else ()


def on_change(clear: Callable[[], None]) -> None:
    """Register a cache's ``cache_clear``: called whenever the project's catalog files change."""
    _clearers.append(clear)


def refresh() -> None:
    """Empty every registered cache if the project's catalog files differ from the last look."""
    if _state["held"]:
        return
    signature = _signature()
    if signature != _state["signature"]:
        for clear in _clearers:
            clear()
        _state["signature"] = signature


def hold() -> None:
    """Stop looking at the project's catalog files in this process: for an ingest's reader processes, forked
    after the main process's :func:`refresh` and gone when the ingest ends. Each look lists the catalogs
    folder (0.04 ms; four per file read)."""
    _state["held"] = True


@contextlib.contextmanager
def holding() -> Iterator[None]:
    """:func:`hold` for the duration of a block, after one :func:`refresh`: for a run that looks labels up
    thousands of times in one process (member feedback: every cell's format), where the catalogs cannot
    change meanwhile."""
    refresh()
    was = _state["held"]
    _state["held"] = True
    try:
        yield
    finally:
        _state["held"] = was


def registered_cache(fn: F) -> F:
    """``functools.cache`` emptied with the catalogs but not checked on each call: for the per-cell and
    per-file functions of ingest, which run after :func:`refresh` (once per file, in parse_entry)."""
    cached = functools.cache(fn)
    on_change(cached.cache_clear)
    return cached  # type: ignore[return-value]


def catalog_cache(fn: F) -> F:
    """``functools.cache`` for a function of catalog contents, checked against the project on each call."""
    cached = functools.cache(fn)
    on_change(cached.cache_clear)

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        refresh()
        return cached(*args)

    wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def path(relpath: str) -> Path:
    """Where a catalog file is read from: the project's copy when it has one, else the shipped one."""
    root = project_root()
    if root is not None and (root / relpath).is_file():
        return root / relpath
    return HERE / relpath


def names(folder: str, suffix: str) -> list[str]:
    """File names (stems) in a catalog sub-folder, the project's and the shipped ones together, sorted."""
    roots = [HERE, *filter(None, [project_root()])]
    return sorted({p.stem for root in roots for p in (root / folder).glob(f"*{suffix}")})


@catalog_cache
def _csv(relpath: str) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(path(relpath), dtype=str, keep_default_na=False)


LABEL_FILES = frozenset({"report_labels.yaml", "columns.yaml", "labels.yaml", "reasons.yaml"})
"""Catalog files (at a catalogs folder's top) that name and word things but never enter a score: a change to
them leaves the store's scores fresh (pipeline/freshness.py)."""
LABEL_COLUMNS = {"scs_requirements.csv": frozenset({"category_name_en", "requirement_name_en"})}
"""Columns of a scored catalog file that only name things (optional: a table without them is the same table)."""


@catalog_cache
def read_records(relpath: str) -> tuple[dict[str, str], ...]:
    """A catalog CSV as plain rows (no pandas): for code that must start fast."""
    with open(path(relpath), encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def read_csv(relpath: str) -> pd.DataFrame:
    """A catalog CSV with every column as text (IDs such as ``01`` keep their zeros)."""
    return _csv(relpath).copy()


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader on libyaml when it is built with it (the same documents, about 8× faster: every ingest
reader process reads the sectors, templates, labels and vocabularies once), else the pure-Python one."""


def load_yaml(text: str | IO[str]) -> Any:
    """A YAML document read as :func:`yaml.safe_load` reads it, with :data:`SAFE_LOADER`."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader


@catalog_cache
def read_yaml(relpath: str) -> dict[str, Any]:
    """A catalog YAML file; callers must not mutate the returned mapping."""
    with open(path(relpath), encoding="utf-8") as fh:
        return load_yaml(fh)
