"""Test helpers: the processes and threads the code under test runs work in — a child that must end with its parent,
the demo run on a thread of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
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


def child_ends_with_parent(script: Path, *args: str, what: str = "child") -> None:
    """Run ``script`` (this checkout's package on its path); it prints the pid of a process it started and leaves
    it working. Kill the script's process (SIGKILL: no handler of its runs) and fail unless that child ends too."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    parent = subprocess.Popen([sys.executable, str(script), *args], stdout=subprocess.PIPE, text=True, env=env)
    child = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    if not ends_soon(child):
        os.kill(child, signal.SIGKILL)
        raise AssertionError(f"the {what} {child} outlived its parent")


def on_a_thread(demo: Callable[..., object]) -> None:
    """``demo(quiet=True)`` on a thread of its own, its error raised here: the demo lowers its thread's priority once
    its early report starts (stages.behind), which without privilege cannot be set back on the test's own thread."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            demo(quiet=True)
        except BaseException as e:  # noqa: BLE001 - handed to the test
            failed.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
