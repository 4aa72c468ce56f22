"""One call run in a forked copy of this process while this process goes on: the report's close runs its disclosure
audit beside the workbook and the deck (:meth:`pipeline.publish.publisher.Publisher.close`).

A report kernel works on one core; at its close the audit (the intruder check and its interval solver) needs
nothing the workbook or the deck make, and they need nothing from it. A fork starts at once and shares the
kernel's pages (the tables, the hidden-cell log, the solver's programmes solved during protection, reused by the
check), where a fresh interpreter would import pandas and HiGHS again and solve those programmes again.

Forking a process that runs threads (a notebook kernel's message threads, HiGHS's pool, BLAS's) is safe only for
code that takes no lock another thread may have held at the fork. The child therefore runs the one call and
nothing of the kernel's: its output streams are the null device (the kernel's stream objects hand text to a
message thread that is not in the child), the garbage collector leaves the kernel's objects alone
(``gc.freeze`` before the fork: no finalizer of the kernel's runs in the child), every inherited descriptor but
its result pipe and the standard three is closed (a pipe to another process, the figure worker's input, would
otherwise stay open until the child ends), and it leaves by ``os._exit`` (no ``atexit`` handler of the kernel's:
those stop the figure worker). HiGHS runs with one thread (:data:`pipeline.publish.programmes.OPTIONS`), so no
thread of its pool is missing in the child. The warnings the call gave are repeated here; its error is raised here.

Where there is no ``fork`` (Windows), on macOS (whose system libraries are not safe to use after a fork) and with
``SDW_AUDIT_FORK=0``, the call runs in this process when it is made, as before.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import traceback
import warnings
from collections.abc import Callable
from typing import Any

from pipeline import config

FORK_ENV = "SDW_AUDIT_FORK"
"""Environment variable: ``0`` runs the report's audit in the report's own process (one core, the same files)."""


def can_fork() -> bool:
    """Whether :class:`Forked` runs its call in a child: the system forks safely (:func:`pipeline.config.can_fork`)
    and ``SDW_AUDIT_FORK`` is not ``0``."""
    return config.can_fork() and os.environ.get(FORK_ENV, "1") != "0"


class Forked:
    """``call(*args)`` started in a forked child (or, where :func:`can_fork` says no, run here at once); its value,
    or its error, from :meth:`result`."""

    def __init__(self, call: Callable[..., Any], *args: Any) -> None:
        self._pid: int | None = None
        self._pipe: int | None = None
        self._done: tuple[str, Any, list] | None = None
        if not can_fork():
            self._done = _outcome(call, args, record=False)
            return
        read, write = os.pipe()
        gc.freeze()  # the kernel's objects out of the child's collections (and its pages untouched by them)
        try:
            with warnings.catch_warnings():
                # Python ≥ 3.12 warns of any fork of a process with threads; the child here takes no lock of theirs
                warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks",
                                        category=DeprecationWarning)
                pid = os.fork()
        except OSError:  # no memory for the copy, too many processes: the same call here
            gc.unfreeze()
            os.close(read)
            os.close(write)
            self._done = _outcome(call, args, record=False)
            return
        if pid == 0:  # the child: the call, its outcome down the pipe, and out
            _child(call, args, write)
        gc.unfreeze()
        os.close(write)
        self._pid, self._pipe = pid, read

    @property
    def forked(self) -> bool:
        """Whether the call runs in a child process."""
        return self._pid is not None

    def result(self) -> Any:
        """Wait for the call and return its value; raise its error (or :class:`RuntimeError` where the child ended
        without an outcome: killed, out of memory). The call's warnings are given here."""
        self.finish()
        assert self._done is not None
        kind, value, caught = self._done
        self._done = (kind, value, [])  # given once
        for message, category, filename, lineno in caught:
            warnings.warn_explicit(message, category, filename, lineno)
        if kind == "error":
            raise value
        return value

    def finish(self) -> None:
        """Wait for the call to end (its outcome kept for :meth:`result`)."""
        if self._done is None:
            self._done = self._collect()

    def stop(self) -> None:
        """End the child now if it still runs (this process is failing and will not read its outcome)."""
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self.finish()

    def _collect(self) -> tuple[str, Any, list]:
        assert self._pid is not None and self._pipe is not None
        chunks = []
        with os.fdopen(self._pipe, "rb") as pipe:
            while chunk := pipe.read(1 << 16):
                chunks.append(chunk)
        _, status = os.waitpid(self._pid, 0)
        self._pid = self._pipe = None
        data = b"".join(chunks)
        try:
            return pickle.loads(data)
        except Exception:  # noqa: BLE001 - nothing, or a part: the child was ended before it wrote its outcome
            code = os.waitstatus_to_exitcode(status)
            return ("error", RuntimeError(f"the audit's process ended without a result ({_ended(code)})"), [])


def _ended(code: int) -> str:
    return f"killed by signal {-code}" if code < 0 else f"exit {code}"


def _outcome(call: Callable[..., Any], args: tuple, record: bool) -> tuple[str, Any, list]:
    """``("value", value, warnings)`` or ``("error", error, warnings)``; with ``record`` the call's warnings are kept
    (in a child: given again by :meth:`Forked.result`), else they are given as they arise."""
    with warnings.catch_warnings(record=record) as caught:
        try:
            value = call(*args)
        except Exception as e:  # noqa: BLE001 - handed to result(), which raises it
            return ("error", e, _warnings(caught))
        except BaseException as e:  # an interrupt: at once in this process; in a child, handed back as an error
            if not record:
                raise
            return ("error", e, _warnings(caught))
        return ("value", value, _warnings(caught))


def _warnings(caught: list[warnings.WarningMessage] | None) -> list[tuple[str, type[Warning], str, int]]:
    return [(str(w.message), _picklable(w.category), w.filename, w.lineno) for w in caught or []]


def _picklable(category: type[Warning]) -> type[Warning]:
    """``category``, or UserWarning where it cannot be handed to the parent (a class defined inside a function)."""
    try:
        pickle.dumps(category)
    except Exception:  # noqa: BLE001 - any pickling failure
        return UserWarning
    return category


def _close_inherited(keep: int) -> None:
    """Close every descriptor of this process but the standard three and ``keep``."""
    try:
        fds = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2 and fd != keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _child(call: Callable[..., Any], args: tuple, write: int) -> None:
    """The child's whole life: see the module. Never returns."""
    try:
        # a kernel that died must not have its audit write into the report's folder afterwards
        config.end_with_parent(os.getppid(), lambda: os._exit(3))
        _close_inherited(keep=write)
        null = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - the child ends by os._exit
        sys.stdout = sys.stderr = null
        outcome = _outcome(call, args, record=True)
        kind, value, _ = outcome
        if kind == "error":  # where it was raised, for the reader of the report's traceback
            with contextlib.suppress(Exception):
                value.add_note("raised in the forked child, at:\n" + "".join(traceback.format_tb(value.__traceback__)))
        try:
            data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:  # noqa: BLE001 - a value or an error that does not pickle: what it was, as text
            kind, value, caught = outcome
            text = ("".join(traceback.format_exception(value)) if kind == "error"
                    else f"its value could not be handed back ({type(e).__name__}: {e})")
            data = pickle.dumps(("error", RuntimeError(text), caught))
        view = memoryview(data)
        while view:
            view = view[os.write(write, view):]
        os._exit(0)
    finally:
        os._exit(1)
