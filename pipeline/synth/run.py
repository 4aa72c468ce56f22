"""``sdw synth``: plan a year of submissions, write them in parallel, and write the ground truth beside."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from pipeline import catalogs, config
from pipeline.a1_notation import a1
from pipeline.synth import answers as answer_model
from pipeline.synth import auto as auto_layout
from pipeline.synth import badfiles, population
from pipeline.synth import power as power_layout
from pipeline.synth import template_form as form_layout
from pipeline.synth.archive import write_zip
from pipeline.synth.plan import Member, Plan, Task, plan_export, plan_workbooks
from pipeline.synth.sheetspec import FIXED_TIME, RENDERERS


@dataclass
class SynthResult:
    out: Path
    truth: Path
    files: int
    respondents: int
    seconds: float


def truth_dir(out: Path) -> Path:
    """Ground truth lives beside the submissions, never among them (ingest would read it)."""
    return out.parent / f"{out.name}_truth"


def synthesise(sector: str, year: int, out: Path, n: int | None = None, seed: int = 0, form: str = "workbooks",
               messy: bool = True, workers: int | None = None, progress: bool | None = None) -> SynthResult:
    """Write a year of synthetic submissions for one sector into ``out`` and the ground truth beside it."""
    t0 = time.perf_counter()
    if form == "export" and not any("export" in catalogs.template(v) for v in catalogs.template_versions(sector)):
        raise ValueError(f"the {sector} sector has no consolidated export; use --form workbooks")
    if year < population.first_year(sector):
        raise ValueError(f"no {sector} survey before FY{population.first_year(sector)}")
    members = _universe(sector, seed)
    n = n if n is not None else population.default_n(sector, year)
    resp = population.respondents(members, year, n, seed)
    intended = answer_model.intended_answers(sector, resp, members, year, seed)
    plan = (plan_workbooks(sector, year, resp, intended, seed, messy) if form == "workbooks"
            else plan_export(year, resp, intended, seed, messy))
    out.mkdir(parents=True, exist_ok=True)
    cells = _write_tasks(out, plan.tasks, workers, progress)
    for path, frame, fmt in plan.export_frames:
        _write_export(out / path, frame, fmt, messy)
    truth = truth_dir(out)
    roster = population.survey_roster(members, year, resp["company_id"], sector, seed)
    _write_truth(truth, plan, cells, roster, resp, sector, year)
    census = answer_model.census_answers(sector, roster, resp, intended, members, year, seed)
    census = census.merge(roster[["company_id", "corporate_number"]], on="company_id")
    (census.melt(id_vars=["company_id", "corporate_number"], var_name="item_id", value_name="intended")
     .to_parquet(truth / "census.parquet", index=False))
    files = len({f["source_path"].split("!")[0] for f in plan.files})
    return SynthResult(out, truth, files, n, time.perf_counter() - t0)


Years = Sequence[tuple[int, Path, int | None, str]]
"""Years of one sector to synthesise: ``(year, out, n, form)`` each."""


class Underway:
    """Years of one sector being synthesised in forked processes, while the caller does other work: each year in a
    process of its own (``side_by_side``) or all of them one after another in one process, at a CPU priority
    ``lower`` steps below the caller's (``nice``). :meth:`results` waits for them; :meth:`stop` ends them, with the
    writer workers they started (each process leads a process group of its own). Fork only from a process with one
    thread: a lock another thread holds at the fork stays held in the child."""

    def __init__(self, sector: str, years: Years, seed: int = 0, side_by_side: bool = False, lower: int = 0) -> None:
        context = multiprocessing.get_context("fork")
        self.sector = sector
        self.running: list[tuple[list[int], Any, Any]] = []
        try:
            for batch in ([[y] for y in years] if side_by_side else [list(years)]):
                receive, send = context.Pipe(duplex=False)
                child = context.Process(target=_years, args=(send, sector, batch, seed, lower),
                                        name=f"sdw-synth-{sector}-{batch[0][0]}")
                child.start()
                send.close()
                self.running.append(([year for year, *_ in batch], child, receive))
        except BaseException:  # interrupted or refused half-way: the years started are not left running
            self.stop()
            raise

    def results(self) -> list[SynthResult]:
        """The years' results in the order given, once all have ended; a year that failed raises its error. A wait
        interrupted (Ctrl-C: the processes, in groups of their own, do not get the terminal's) stops them first."""
        try:
            return self._collect()
        except BaseException:
            self.stop()
            raise

    def _collect(self) -> list[SynthResult]:
        results: list[SynthResult] = []
        failed: list[str] = []
        for years, child, receive in self.running:
            try:
                got = receive.recv()
            except EOFError:  # the process died without a word (killed, or out of memory)
                got = [("error", "its process ended without a result")] * len(years)
            child.join()
            receive.close()
            for year, (kind, value) in zip(years, got, strict=False):
                if kind == "error":
                    failed.append(f"{self.sector} FY{year}: {value}")
                else:
                    results.append(value)
        if failed:
            raise RuntimeError("synth failed: " + "; ".join(failed))
        return results

    def stop(self) -> None:
        """End every process still writing, and the workers they started."""
        for _, child, receive in self.running:
            if child.is_alive():
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except OSError:  # not yet a group of its own
                    child.kill()
            child.join()
            receive.close()


def _years(send: Any, sector: str, years: Years, seed: int, lower: int) -> None:
    """The years of one :class:`Underway` process, one after another: each one's result, or its error as text
    (the years after a failed one are not made)."""
    os.setpgrp()  # a group of its own with its workers: Underway.stop ends them all
    # the demo gone (killed, its terminal closed): this group, workers included, writes nothing for nobody
    config.end_with_parent(os.getppid(), lambda: os.killpg(0, signal.SIGKILL))
    if lower:
        with suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, min(19, os.getpriority(os.PRIO_PROCESS, 0) + lower))
    got: list[tuple[str, Any]] = []
    try:
        for year, out, n, form in years:
            got.append(("done", synthesise(sector, year, out, n=n, seed=seed, form=form, progress=False)))
    except BaseException as e:  # noqa: BLE001 - told to the parent, which raises it
        got.append(("error", f"{type(e).__name__}: {e}"))
    finally:
        send.send(got)
        send.close()


@lru_cache(maxsize=4)
def _cached_universe(sector: str, seed: int) -> pd.DataFrame:
    return population.universe(sector, seed)


def _universe(sector: str, seed: int) -> pd.DataFrame:
    """Every member company of a sector, drawn once per process and seed (the demo synthesises three
    years of the same universe; drawing it took a third of a second); a copy, so no caller changes
    what the next one gets."""
    return _cached_universe(sector, seed).copy(deep=True)


def _write_tasks(out: Path, tasks: list[Task], workers: int | None, progress: bool | None
                 ) -> dict[str, tuple[str, list[str]]]:
    cells: dict[str, tuple[str, list[str]]] = {}
    bar = tqdm(total=len(tasks), desc="writing submissions", unit="file", disable=None if progress is None
               else not progress)
    n_workers = config.workers(workers)
    if n_workers == 1 or len(tasks) < 20:
        results = map(_write_task, [out] * len(tasks), tasks)
        for res in results:
            cells.update(res)
            bar.update()
    else:
        with ProcessPoolExecutor(n_workers) as pool:
            for res in pool.map(_write_task, [out] * len(tasks), tasks, chunksize=16):
                cells.update(res)
                bar.update()
    bar.close()
    return cells


def _write_task(out: Path, task: Task) -> dict[str, tuple[str, list[str]]]:
    """Render one file on disk (a workbook, a bad file, or a ZIP of them); return answer cells by path."""
    rendered = [(m, *_render(m)) for m in task.members]
    if task.archive:
        write_zip(out / task.path, [(m.name, data) for m, data, _, _ in rendered], task.cp932_names)
        return {f"{task.path}!{m.name}": (sheet, cells) for m, _, sheet, cells in rendered if cells}
    m, data, sheet, cells = rendered[0]
    target = out / task.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return {task.path: (sheet, cells)} if cells else {}


LAYOUTS: dict[str, Callable[[Member, np.random.Generator], tuple[Any, str, list[str]]]] = {
    # the workbook writers a sector's synth.layout names (the power form has one version: no template)
    "power": lambda m, rng: power_layout.build(m.company, m.written, m.answered_on, m.quirks, rng),
    "auto": lambda m, rng: auto_layout.build(m.company, m.written, m.template, m.answered_on, m.quirks, rng),
    "form": lambda m, rng: form_layout.build(m.company, m.written, m.template, m.answered_on, m.quirks, rng),
}


def _render(m: Member) -> tuple[bytes, str, list[str]]:
    if m.kind == "pdf":
        return badfiles.not_a_workbook(), "", []
    if m.kind == "ipa":
        return badfiles.ipa_self_check(), "", []
    if m.kind == "survey":
        return badfiles.other_survey(), "", []
    if m.kind == "bomb":
        return badfiles.zip_bomb_payload(), "", []
    rng = np.random.default_rng(list(m.seed))
    build = LAYOUTS[population.spec(m.sector)["layout"]]  # catalogs/sectors.yaml synth.layout
    book, sheet, cells = build(m, rng)
    data = RENDERERS[m.quirks.writer](book, macro_enabled=m.ext == ".xlsm")
    if m.post == "encrypt":
        if m.quirks.writer == "xlwt":  # a legacy .xls cannot take OOXML encryption: the member saved it as .xlsx first
            data = RENDERERS["xlsxwriter"](book)
        data = badfiles.encrypted(data)
    elif m.post == "truncate":
        data = badfiles.truncated(data)
    return data, sheet, cells


def _write_export(path: Path, frame: pd.DataFrame, fmt: str, messy: bool) -> None:
    if fmt == "xlsx":
        with pd.ExcelWriter(path, engine="xlsxwriter") as xl:
            xl.book.set_properties({"created": FIXED_TIME})  # not the clock: the same seed, the same bytes
            frame.to_excel(xl, sheet_name="回答一覧", index=False)
    else:
        frame.to_csv(path, index=False, encoding=fmt, lineterminator="\r\n")


def _write_truth(truth: Path, plan: Plan, cells: dict[str, tuple[str, list[str]]], roster: pd.DataFrame,
                 resp: pd.DataFrame, sector: str, year: int) -> None:
    truth.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(plan.files).assign(sector=sector, year=year).to_csv(truth / "files.csv", index=False)
    if plan.rows:
        pd.DataFrame(plan.rows).to_csv(truth / "export_rows.csv", index=False)
    columns: dict[str, list] = {c: [] for c in ("source_path", "item_id", "written", "expected", "intended", "sheet",
                                                "cell")}
    for a in plan.answers:  # one frame for the year, not one per submission (those cost more than the rest)
        if "row" in a:
            sheet = "回答一覧" if a["source_path"].endswith(".xlsx") else ""
            where = [a1(a["row"] - 1, 8 + k) for k in range(len(a["items"]))]
        else:
            sheet, where = cells[a["source_path"]]
        n = len(a["items"])
        for name, values in (("source_path", [a["source_path"]] * n), ("item_id", a["items"]),
                             ("written", a["written"]), ("expected", a["expected"]), ("intended", a["intended"]),
                             ("sheet", [sheet] * n), ("cell", where)):
            columns[name].extend(values)
    answers = pd.DataFrame(columns) if plan.answers else pd.DataFrame()
    schema = pa.schema([(c, pa.string()) for c in answers.columns])  # as the frames concatenated per file were
    answers.to_parquet(truth / "answers.parquet", index=False, schema=schema)
    keep = [c for c in roster.columns if c not in ("propensity", "cell_propensity", "maturity", "drift", "size_index",
                                                   "habit", "entry_year", "exit_year")]
    (roster[keep].assign(responded=roster["company_id"].isin(resp["company_id"]))
     .to_csv(truth / "roster.csv", index=False))
    (truth / "README.md").write_text(
        "# Ground truth of a synthetic year\n"
        "- files.csv: every file and archive member, its expected status/reason, respondent and template.\n"
        "- export_rows.csv: every row of a consolidated export and its expected fate.\n"
        "- answers.parquet: for every submission expected in the store, each item's written text, the\n"
        "  canonical answer ingest must store (`expected`) and the company's true state (`intended`), with\n"
        "  the sheet and cell that hold it.\n"
        "- roster.csv: the association's member list this year (`responded` tells who answered).\n"
        "- census.parquet: every roster member's would-be answer to every item (`intended`): the answers given by\n"
        "  those who answered, drawn from the same model for those who did not (the census truth that the\n"
        "  members' estimates of a report aim at).\n",
        encoding="utf-8")


__all__ = ["SynthResult", "Underway", "synthesise", "truth_dir"]
