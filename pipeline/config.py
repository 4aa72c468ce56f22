"""Paths and defaults in one place; stages take these as arguments, never reach for them.

Default folders belong to the *project folder* (the user's working folder), never to the package:
a non-editable install lives in site-packages, and writing a store there would hide the data from
the user and mix it into the Python installation. The project folder is resolved at run time, so
``SDW_HOME`` or a ``cd`` takes effect without reimporting anything. The module constants
(``STORE_DIR``, ``FIGURES_DIR`` …) are computed on access by :func:`__getattr__`, for notebooks and
outside scripts. Config sits below the catalogs: the registered sectors are ``catalogs.sectors()``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

PACKAGE_DIR = Path(__file__).resolve().parent
HOME_ENV = "SDW_HOME"
PROJECT_FILE = "sdw.toml"
PROJECT_NAME = "sdw"


@dataclass(frozen=True)
class Project:
    """The folder every default path hangs from, and why it was chosen (printed by ``sdw``)."""

    path: Path
    reason: str

    def describe(self) -> str:
        return f"project folder {self.path} ({self.reason})"


def _names_sdw(pyproject: Path) -> bool:
    """Whether a pyproject.toml is this project's: an unreadable or foreign one is just not a marker."""
    try:
        name = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name", "")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(name, str) and name.replace("_", "-").lower() == PROJECT_NAME


def find_project(start: Path | None = None) -> Project:
    """The project folder: ``SDW_HOME``, else the nearest sdw project at or above ``start``, else ``start``.

    Parameters
    ----------
    start : Path, optional
        Where to begin the upward search; the current directory by default. A folder is an sdw
        project when its ``pyproject.toml`` names the project ``sdw`` (a checkout) or it holds an
        ``sdw.toml`` (a user's folder, which may contain nothing else), so that running from a
        sub-folder such as ``notebooks/`` still finds the same store.

    Returns
    -------
    Project
        The folder and the reason, so the command line can say which folder it writes into.

    Raises
    ------
    RuntimeError
        When the result would lie inside the installed package: data must never land in site-packages.
    """
    start = Path.cwd() if start is None else Path(start)
    start = start.resolve()
    if os.environ.get(HOME_ENV):
        project = Project(Path(os.environ[HOME_ENV]).expanduser().resolve(), HOME_ENV)
    else:
        project = Project(start, "current directory")
        for folder in (start, *start.parents):
            if (folder / PROJECT_FILE).is_file():
                project = Project(folder, PROJECT_FILE)
                break
            if (folder / "pyproject.toml").is_file() and _names_sdw(folder / "pyproject.toml"):
                project = Project(folder, "pyproject.toml")
                break
    if project.path == PACKAGE_DIR or project.path.is_relative_to(PACKAGE_DIR):
        raise RuntimeError(f"project folder {project.path} is inside the installed package; "
                           f"run sdw from your own folder or set {HOME_ENV}")
    return project


def project_dir() -> Path:
    """The project folder (see :func:`find_project`)."""
    return find_project().path


def in_project(path: Path | str) -> Path:
    """``path`` as given when absolute, else inside the project folder: the report run passes its notebooks
    paths relative to the project, so the published notebook does not print where the store lies."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else project_dir() / p


def raw_dir() -> Path:
    """Submissions as received, by sector and year (``sdw demo`` synthesises into it)."""
    return project_dir() / "data" / "raw"


def store_dir() -> Path:
    """The Parquet store."""
    return project_dir() / "data" / "processed"


def figures_dir() -> Path:
    """Figures written by the reports."""
    return project_dir() / "figures"


def reports_dir() -> Path:
    """Executed notebooks, HTML reports and tables."""
    return project_dir() / "reports"


def catalogs_dir() -> Path:
    """The project's own catalog files (an imported instrument), which take precedence over the shipped ones."""
    return project_dir() / "catalogs"


def notebooks_dir() -> Path:
    """The report notebooks: the copy shipped in the wheel (``pipeline/notebooks``) when there is one,
    else the checkout's top-level ``notebooks/`` (an editable install or a plain checkout).

    The shipped copy is looked for first because it exists only in a built install, while the folder
    beside the package could, in site-packages, belong to another distribution.
    """
    shipped = PACKAGE_DIR / "notebooks"
    return shipped if (shipped / "sector_trend_report.py").is_file() else PACKAGE_DIR.parent / "notebooks"


_LAZY = {"ROOT": project_dir, "RAW_DIR": raw_dir, "STORE_DIR": store_dir, "FIGURES_DIR": figures_dir,
         "REPORTS_DIR": reports_dir, "CATALOGS_DIR": catalogs_dir, "NOTEBOOKS_DIR": notebooks_dir}


def __getattr__(name: str) -> Path:
    """The path constants outside scripts import (``STORE_DIR`` …), resolved on each access so they follow
    ``SDW_HOME`` and the current folder (the registered sectors are ``catalogs.sectors()``: config sits below
    the catalogs)."""
    if name in _LAZY:
        return _LAZY[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Thresholds live in catalogs/scoring.yaml, read through pipeline/ruleset.py (k, the level threshold).

SECRET_KEY_ENV = "SDW_SECRET_KEY"
SECRET_KEY_FILE_ENV = "SDW_SECRET_KEY_FILE"


def secret_key_path() -> Path:
    """Where the pseudonymisation key lives: outside the repository, in the user's config folder."""
    if os.environ.get(SECRET_KEY_FILE_ENV):
        return Path(os.environ[SECRET_KEY_FILE_ENV])
    base = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    return base / "sdw" / "secret.key"


def workers(requested: int | None = None) -> int:
    """Processes for parallel work: as asked, else every core this process may use (every core, where the system
    does not say which it may use)."""
    if requested:
        return requested
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return max(1, len(usable))


def end_with_parent(parent: int, end: Callable[[], object], every: float = 0.2) -> None:
    """Call ``end`` (which ends this process) from a thread of its own once ``parent`` is no longer this process's
    parent, looking every ``every`` seconds: a worker whose parent died (killed, or its terminal closed) would
    otherwise go on writing files for nobody."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        end()

    threading.Thread(target=watch, name="sdw-parent-watch", daemon=True).start()


def can_fork() -> bool:
    """Whether this system starts processes by forking and it is safe to: Linux and the like; not macOS (a forked
    child may crash in the system's libraries) nor Windows (no fork). The demo's synth and the report's audit fork
    only where it says so, and otherwise do the same work in the calling process."""
    import multiprocessing

    return hasattr(os, "fork") and sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()


def chunks_of(jobs: list[T], workers: int, size: int) -> list[list[T]]:
    """``jobs`` in chunks of ``size`` for ``workers`` processes that take chunks in order, the last ones smaller (a
    quarter of ``size``, then one job each): the last chunk one worker takes while the others have nothing left is
    one job, not ``size`` of them (a core idle at the end of the work meanwhile)."""
    single = min(len(jobs), workers)  # the last job of each worker alone
    small = min(len(jobs) - single, 2 * workers * size)  # before them, chunks of a quarter
    large = len(jobs) - single - small
    step = max(1, size // 4)
    bounds = [*range(0, large, size), *range(large, large + small, step), *range(large + small, len(jobs))]
    ends = [*bounds[1:], len(jobs)] if bounds else []  # no jobs, no chunk
    return [jobs[a:b] for a, b in zip(bounds, ends, strict=True)]


def year_span(text: str | None) -> tuple[int, int] | None:
    """'2022-2024' → (2022, 2024), '2024' → (2024, 2024), empty → None (every year)."""
    if not text:
        return None
    first, _, last = str(text).partition("-")
    try:
        return int(first), int(last or first)
    except ValueError:
        raise ValueError(f"years must look like 2022-2024 or 2024, not {text!r}") from None
