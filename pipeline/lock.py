"""One ``sdw`` run writing a store at a time: a lock file naming its owner.

Apart from :mod:`pipeline.store` because it needs no pandas: ``sdw ingest`` takes the lock, then forks its
reader processes before pandas and pandera are imported, and imports them while the workers read (a lock
in pipeline.store would import them first: 0.3 s more per ingest).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = ".sdw.lock"
LOCK_WAIT_ENV = "SDW_LOCK_WAIT"
LOCK_WAIT = 10.0  # seconds a second run waits for the first before refusing


class StoreBusyError(RuntimeError):
    """Another run holds the store (one line: who, since when, what to do)."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def lock_owner(store: Path) -> dict | None:
    """The lock file's content (pid, host, command, since), or None when there is no lock."""
    try:
        return json.loads((store / LOCK_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, OSError):
        return {}  # being written, or left half-written by a killed run


def _stale(store: Path, owner: dict) -> bool:
    """A lock whose owner process is gone (same host only: another host's pid cannot be checked)."""
    path = store / LOCK_FILE
    if not owner:  # unreadable: stale once it is old enough not to be mid-write
        try:
            return time.time() - path.stat().st_mtime > 5
        except FileNotFoundError:
            return False
    return owner.get("host") == socket.gethostname() and not _alive(int(owner.get("pid", 0)))


def _clear_stale(store: Path) -> None:
    """Remove a stale lock; renamed first, so two runs clearing it at once cannot remove a fresh one."""
    aside = store / f"{LOCK_FILE}.stale-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.rename(store / LOCK_FILE, aside)
        owner = json.loads(aside.read_text(encoding="utf-8") or "{}") if aside.exists() else {}
        if owner and _alive(int(owner.get("pid", 0))) and owner.get("host") == socket.gethostname():
            os.rename(aside, store / LOCK_FILE)  # it was replaced by a live run meanwhile: give it back
            return
        aside.unlink()


@contextlib.contextmanager
def locked(store: Path, command: str, wait: float | None = None) -> Iterator[None]:
    """Hold the store for one ``sdw`` run: a lock file with the owner's pid, host and command.

    A second run waits up to ``wait`` seconds (``SDW_LOCK_WAIT``, default 10) and then refuses; a lock
    left by a run that was killed (its pid no longer exists) is cleared.
    """
    if wait is None:
        wait = float(os.environ.get(LOCK_WAIT_ENV, LOCK_WAIT))
    if not store.is_dir():
        if command != "ingest":  # nothing to protect; the command says there is no store
            yield
            return
        store.mkdir(parents=True, exist_ok=True)
    path = store / LOCK_FILE
    me = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
          "since": dt.datetime.now().isoformat(timespec="seconds")}
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            owner = lock_owner(store)
            if owner is None:
                continue
            if _stale(store, owner):
                _clear_stale(store)
                continue
            if time.monotonic() >= deadline:
                who = (f"`sdw {owner.get('command', '?')}` (pid {owner.get('pid', '?')} on {owner.get('host', '?')}, "
                       f"since {owner.get('since', '?')})") if owner else "another run"
                raise StoreBusyError(
                    f"the store {store} is in use by {who}; waited {wait:g} s: run again when it has finished "
                    f"(if no such process is running, delete {path})") from None
            time.sleep(0.1)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(me, fh)
        break
    try:
        yield
    finally:
        if (lock_owner(store) or {}).get("pid") == os.getpid():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
