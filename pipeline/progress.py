"""Progress on long work: a bar on a terminal, one summary line in a log, nothing when quiet.

Ingest, report and feedback run for minutes on a full year; a clerk at a terminal should see that work
goes on and how long is left, while CI logs and cron mails should get one line, not a bar redrawn a
thousand times. Usage::

    from pipeline.progress import progress

    with progress(total=len(files), desc="ingest auto FY2024") as bar:
        for f in files:
            ...
            bar.update()
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    """Counts work done; draws a tqdm bar when given one, else prints a summary line when closed."""

    def __init__(self, total: int, desc: str, stream: TextIO | None, bar: object | None = None) -> None:
        self.total, self.desc, self.done = int(total), desc, 0
        self._stream, self._bar, self._start = stream, bar, time.perf_counter()

    def update(self, n: int = 1) -> None:
        """Record ``n`` more units done."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)

    def summary(self) -> str:
        """``desc: N done in T s (R/s)``: what a log keeps of the run."""
        seconds = time.perf_counter() - self._start
        rate = self.done / seconds if seconds > 0 else 0.0
        return f"{self.desc}: {self.done} done in {seconds:.1f} s ({rate:.1f}/s)"

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._stream is not None:
            print(self.summary(), file=self._stream, flush=True)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream is no terminal
        return False


def _size(stream: TextIO) -> tuple[int, int] | None:
    """None when the terminal knows its size (tqdm follows it), else 100 × 24: a terminal that says 0 × 0
    (``script``, some CI ptys) would make tqdm hide the bar as off-screen."""
    import os

    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return 100, 24
    return None if size.columns > 0 and size.lines > 0 else (100, 24)


@contextmanager
def progress(total: int, desc: str, quiet: bool = False) -> Iterator[Progress]:
    """A progress counter for ``total`` units of work, shown on stderr.

    Parameters
    ----------
    total : int
        Units of work expected (files, notebooks, member workbooks).
    desc : str
        What the work is, e.g. ``"ingest auto FY2024"``; starts the bar and the summary line.
    quiet : bool
        Show nothing at all (``--quiet``).

    Yields
    ------
    Progress
        Call ``update(n=1)`` as units finish. On a terminal a tqdm bar shows done/total, the rate and the
        time left; otherwise one line ``desc: N done in T s (R/s)`` is printed when the block ends.
    """
    stream = sys.stderr
    bar = None
    if not quiet and _is_terminal(stream):
        from tqdm import tqdm

        size = _size(stream)  # a terminal that reports no size (script, some CI ptys) gets a fixed one
        bar = tqdm(total=total, desc=desc, file=stream, leave=True, dynamic_ncols=size is None,
                   **({"ncols": size[0], "nrows": size[1]} if size else {}))
    counter = Progress(total, desc, None if quiet else stream, bar)
    try:
        yield counter
    finally:
        counter.close()


__all__ = ["Progress", "progress"]
