"""Progress of long runs (ingest, reports, member feedback): a bar on a terminal, one line in a log.

On a terminal a person watches the run, so a tqdm bar shows what is done of the total, the rate and
the time left. Anywhere else (a cron job, CI, a pipe into a file) a bar would fill the log with
carriage returns, so the run writes one summary line at the end instead:
``desc: N done in T s (R/s)``. ``quiet`` writes nothing at all. Output goes to standard error, so
standard output stays what a script reads.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Bar(Protocol):
    """What a caller of :func:`progress` may do: count finished units."""

    def update(self, n: int = 1) -> object: ...


class _Counter:
    """Counts units without drawing: the summary line is written when the run ends."""

    def __init__(self) -> None:
        self.n = 0

    def update(self, n: int = 1) -> None:
        self.n += n


@contextmanager
def progress(total: int, desc: str, quiet: bool = False) -> Iterator[Bar]:
    """A progress bar for ``total`` units of work described by ``desc``.

    Parameters
    ----------
    total : int
        Units expected (files, members).
    desc : str
        What is being done, e.g. ``"feedback auto 2024"``; starts the bar and the summary line.
    quiet : bool
        Write nothing.

    Yields
    ------
    Bar
        Call ``bar.update(n=1)`` as units finish.
    """
    stream = sys.stderr
    if not quiet and stream.isatty():
        from tqdm import tqdm

        with tqdm(total=total, desc=desc, unit="", file=stream, dynamic_ncols=True) as bar:
            yield bar
        return
    counter = _Counter()
    t0 = time.perf_counter()
    yield counter
    if quiet:
        return
    seconds = time.perf_counter() - t0
    rate = counter.n / seconds if seconds > 0 else float("inf")
    print(f"{desc}: {counter.n} done in {seconds:.1f} s ({rate:.1f}/s)", file=stream, flush=True)
