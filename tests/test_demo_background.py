"""The demo's later sectors synthesised in the background: a forked process of lower priority whose outcome (the
years written, their lines, or its error) reaches the demo, and which ends with its workers when the demo stops."""

from __future__ import annotations

import os
import time

import pytest

from pipeline.synth import demo_years
from pipeline.synth.demo_years import BACKGROUND_NICE, Background


def test_the_years_are_written_in_the_background_and_reported_to_the_demo(tmp_path):
    plan = [[2024, 12, "workbooks"]]
    got = Background({"power": plan}, tmp_path)
    made, lines = got.result("power")
    got.stop()
    assert made == ["power/2024"]
    assert len(lines) == 1 and lines[0].startswith("  synth  power FY2024: 12 respondents, ")
    assert (tmp_path / "power" / "2024_truth" / "params.json").exists()
    assert any((tmp_path / "power" / "2024").glob("*.xls*"))
    # written already, so the demo's next run writes nothing
    again = Background({"power": plan}, tmp_path)
    assert again.result("power") == ([], [])
    again.stop()


def test_the_background_runs_at_lower_priority(tmp_path, monkeypatch):
    monkeypatch.setattr(demo_years, "synth_years", lambda sector, plan, raw, progress=None: ([], [str(os.nice(0))]))
    got = Background({"power": [], "auto": []}, tmp_path)
    assert got.result("power") == ([], [str(os.nice(0) + BACKGROUND_NICE)])
    assert got.result("auto") == ([], [str(os.nice(0) + BACKGROUND_NICE)])  # each sector in turn
    got.stop()


def test_a_failure_in_the_background_is_raised_to_the_demo(tmp_path, monkeypatch):
    def fails(sector, plan, raw, progress=None):
        raise ValueError("no room left on the device")

    monkeypatch.setattr(demo_years, "synth_years", fails)
    got = Background({"power": []}, tmp_path)
    with pytest.raises(RuntimeError, match="synth of the power demo years failed: ValueError: no room left"):
        got.result("power")


def test_stop_ends_the_background_and_its_workers(tmp_path, monkeypatch):
    pids = tmp_path / "pids"

    def slow(sector, plan, raw, progress=None):
        worker = os.fork()
        if worker == 0:  # a synth worker of the background process
            time.sleep(60)
            os._exit(0)
        pids.write_text(f"{os.getpid()} {worker}")
        time.sleep(60)
        return [], []

    monkeypatch.setattr(demo_years, "synth_years", slow)
    got = Background({"power": []}, tmp_path)
    for _ in range(500):
        if pids.exists() and len(pids.read_text().split()) == 2:
            break
        time.sleep(0.01)
    background, worker = map(int, pids.read_text().split())
    got.stop()
    assert not _running(background)
    for _ in range(500):  # the worker is the background's child: gone once it is reaped by init
        if not _running(worker):
            break
        time.sleep(0.01)
    assert not _running(worker)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False
