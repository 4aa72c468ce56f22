"""Test helper: whether a process still runs, for tests that end a parent and expect its children to end with it."""

from __future__ import annotations

import time
from pathlib import Path


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a process ended but not yet reaped by its new parent counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def ends_soon(pid: int, polls: int = 300) -> bool:
    """Whether ``pid`` ends within ``polls`` looks 0.05 s apart (the watches in the code look every 0.2 s)."""
    for _ in range(polls):
        if not running(pid):
            return True
        time.sleep(0.05)
    return False
