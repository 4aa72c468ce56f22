"""The demo's synthetic years of a sector: written where missing, and the later sectors' in the background.

``sdw demo`` builds the sector with the longest report first (its synth, ingest and scoring) and starts that
report at once. The other sectors' synthetic files depend on nothing the first sector's build writes, so they are
written from the start in a forked process of lower priority (``nice`` + :data:`BACKGROUND_NICE`): it takes the
core the first sector's build leaves idle (its planning, its ingest's and scoring's single-threaded steps) and
yields the cores whenever the first sector's build or report wants them. A thread would not do: its Python would
hold the interpreter's lock against the first sector's scoring, which no priority can lower.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import traceback
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path

from pipeline.synth.run import synthesise, truth_dir

BACKGROUND_NICE = 10  # the kernel's default share for nice 0 against nice 10 is about nine to one
Plan = Sequence[Sequence]  # catalogs/sectors.yaml synth.demo: [year, respondents, form] per year


def synth_years(sector: str, plan: Plan, raw_dir: Path, progress: bool | None = None
                ) -> tuple[list[str], list[str]]:
    """Synthesise the sector's years whose files are missing or were made with other parameters (seed 0).

    Returns the years written (``sector/year``, what the build ingests again) and one line per year to print."""
    made, lines = [], []
    for year, n, form in plan:
        raw = raw_dir / sector / str(year)
        params = {"sector": sector, "year": year, "n": n, "form": form, "seed": 0}
        marker = truth_dir(raw) / "params.json"
        if marker.exists() and json.loads(marker.read_text()) == params:
            continue
        result = synthesise(sector, year, raw, n=n, seed=0, form=form, progress=progress)
        marker.write_text(json.dumps(params))
        lines.append(f"  synth  {sector} FY{year}: {n} respondents, {result.files} files ({result.seconds:.1f} s)")
        made.append(f"{sector}/{year}")
    return made, lines


def _in_background(plans: dict[str, Plan], raw_dir: Path, send: Connection) -> None:
    """The forked process: lower its priority (its synth workers inherit it), write each sector's years in turn and
    send each sector's outcome as it ends."""
    sector = ""
    try:
        os.setpgrp()  # a group of its own with its synth workers: :meth:`Background.stop` ends them together
        if hasattr(os, "nice"):
            os.nice(BACKGROUND_NICE)
        for sector, plan in plans.items():
            send.send(("done", sector, synth_years(sector, plan, raw_dir, progress=False)))
    except BaseException as e:  # noqa: BLE001 - every failure goes back to the demo, which raises it
        send.send(("failed", sector, f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))
    finally:
        send.close()


class Background:
    """Sectors' demo years synthesised one sector after another in a forked process while the demo goes on;
    :meth:`result` waits for one sector's."""

    def __init__(self, plans: dict[str, Plan], raw_dir: Path) -> None:
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_in_background, args=(dict(plans), raw_dir, send),
                                        name="sdw-demo-synth")
        self._process.start()
        send.close()  # the child holds the only sending end: its exit ends the pipe
        self._done: dict[str, tuple[list[str], list[str]]] = {}
        self.sectors = list(plans)

    def result(self, sector: str) -> tuple[list[str], list[str]]:
        """The sector's years written and their lines (as :func:`synth_years`); the background's error raised here."""
        while sector not in self._done:
            try:
                outcome = self._receive.recv()
            except EOFError:
                self.stop()
                raise RuntimeError(f"synth of the {sector} demo years ended without a result (the process's exit "
                                   f"code {self._process.exitcode})") from None
            if outcome[0] == "failed":
                self.stop()
                raise RuntimeError(f"synth of the {outcome[1]} demo years failed: {outcome[2]}".rstrip())
            self._done[outcome[1]] = outcome[2]
        return self._done.pop(sector)

    def stop(self) -> None:
        """End the process if it still runs (the demo failed or was interrupted before it needed the files)."""
        if self._process.is_alive():
            try:
                os.killpg(self._process.pid, signal.SIGTERM)  # its synth workers too, or they would be left behind
            except ProcessLookupError:  # not yet in a group of its own: it has no workers yet
                self._process.terminate()
        self._process.join()
        self._receive.close()


def supports_background() -> bool:
    """Whether a sector can be synthesised beside the build: a fork is needed (the child shares what is loaded)."""
    return "fork" in multiprocessing.get_all_start_methods()
