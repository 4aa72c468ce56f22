"""One job run in a forked copy of this process while this one goes on with its own work.

After the readers end, ingest's main process works alone on one core (validating and writing the store)
while the other core is idle; the quarantine report, which needs only the quarantine and roster tables,
can be drafted there meanwhile. A copy made by fork has every table and module the job needs already in
memory: nothing is pickled, nothing imported again.

The job is only ever an optimisation of order, never of outcome: where fork is missing (Windows), where
other threads run (a fork copies only the calling thread, and a lock another thread holds would stay
held in the copy forever), or when the copy fails or does not end, :meth:`Beside.wait` runs the job in
this process as it would have run without the copy, and its error, if any, is raised here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable

WAIT_SECONDS = 120.0  # a copy not done by then is stopped and the job run here


class Beside:
    """``job`` started in a forked child at once; :meth:`wait` for it, or :meth:`stop` it."""

    def __init__(self, job: Callable[[], None]) -> None:
        self.job = job
        self.pid: int | None = None
        if hasattr(os, "fork") and threading.active_count() == 1:
            pid = os.fork()
            if pid == 0:  # the copy: the job, then out at once (no exit handlers, no buffers of the parent's)
                code = 1
                try:
                    job()
                    code = 0
                finally:
                    os._exit(code)
            self.pid = pid

    def _reaped(self, deadline: float) -> bool:
        """The copy ended and succeeded by ``deadline``; stopped otherwise."""
        assert self.pid is not None
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status) == 0
            if time.monotonic() > deadline:
                self.stop()
                return False
            time.sleep(0.002)

    def wait(self) -> None:
        """The job done: by the copy, or else (no copy, or it failed) here, raising what it raises."""
        ran = self.pid is not None and self._reaped(time.monotonic() + WAIT_SECONDS)
        self.pid = None
        if not ran:
            self.job()

    def stop(self) -> None:
        """The copy killed, if it still runs (this process's own work failed: the job's result is not wanted)."""
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self.pid = None
