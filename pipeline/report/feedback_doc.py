"""Member feedback files: one workbook (and optionally a PDF) per company, and the clerk's index.

What a member receives must read without the association on the phone: its own name, the sector and
year in words, its scores as percentages beside its peers' median and quartiles, a picture, the items
to work on first in the checklist's own words, who its peers are and how scores are made. The numbers
come from :func:`pipeline.scoring.feedback.feedback_tables`; :mod:`pipeline.report.member_page` puts
them in words, :func:`pipeline.report.figures.peer_dots` draws the picture, and the writers of
:mod:`pipeline.publish.feedback_xlsx` and :mod:`pipeline.publish.feedback_pdf` lay the page out. This
module runs them over a sector-year's members.

Files are named ``<sector>_<year>_<NNNN>.xlsx`` (a running number by company name), not by respondent
key, so a clerk can find and attach them; ``index.xlsx`` beside them maps each file to the company
name and 法人番号, and marks the files this run wrote (all, or those ``only`` names); there is no e-mail
column: neither the roster nor the cover sheet carries an address. The
index is the association's only list of names beside files: a member file carries its own company's
name and nobody else's.

A full automotive year is 3,100 members, so files are written by worker processes over members (each
file depends only on its member's numbers: the same store and parameters give the same bytes whatever
the number of workers), the figure's parts that every member of a peer group shares are drawn once
per process (:class:`~pipeline.report.figures.PeerFigures`), and workbooks are assembled in memory.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import catalogs, config, ruleset
from pipeline.progress import progress
from pipeline.publish.feedback_pdf import write_member_pdf
from pipeline.publish.feedback_xlsx import write_index, write_member_workbook
from pipeline.report import style
from pipeline.report.figures import PeerFigures
from pipeline.report.member_page import member_page, words
from pipeline.report.star_page import star_page
from pipeline.ruleset import RulesSource


@dataclass
class FeedbackFiles:
    """What ``write_feedback`` wrote: member workbooks (and PDFs) in file-number order, and the index."""

    workbooks: list[Path]
    index: Path
    pdfs: list[Path] = field(default_factory=list)

def write_feedback(tables: dict[str, tuple[pd.DataFrame, pd.DataFrame]], identities: pd.DataFrame, sector: str,
                   year: int, out: Path, lang: str = "ja", pdf: bool = False, k: int | None = None,
                   workers: int | None = None, only: list[str] | None = None, quiet: bool = True,
                   star: dict[str, Any] | None = None, rules: RulesSource = None) -> FeedbackFiles:
    """Write one workbook per company (and a PDF with ``pdf``) and the association's ``index.xlsx``.

    Parameters
    ----------
    tables : dict
        :func:`pipeline.scoring.feedback.feedback_tables` for this sector and year.
    identities : DataFrame
        The store's ``identities`` table: company name and 法人番号 per respondent key.
    sector : str
        A sector of catalogs/sectors.yaml.
    year : int
    out : Path
        Folder for the files. Earlier member files of this sector and year (same name pattern) are
        removed first, so the folder never holds a file the new index does not list (not with ``only``).
    lang : {'ja', 'en'}
    pdf : bool
        Also write an A4 PDF per company from the same content: one page (continued on a second where its
        texts run long, :mod:`pipeline.publish.feedback_pdf`), then the ★ page's (automotive).
    k : int, optional
        The k the tables were made with (default ``min_cell``), quoted in the notes.
    workers : int, optional
        Processes to write with (default: the cores this process may use). The files are the same
        whatever the number.
    only : list of str, optional
        Write only these members (a respondent key, a 法人番号 or a file name such as
        ``auto_2024_0012`` each), to re-send a few after a correction: their file numbers stay those of
        the whole year, no other file is touched, and the index still lists every member, marking
        those written in this run (column 今回作成). An entry that matches no member is refused with
        the list of such entries.
    quiet : bool
        No progress bar or summary line (see :func:`pipeline.progress.progress`).
    star : dict, optional
        :func:`pipeline.scoring.star_feedback.star_feedback` for this sector and year: adds the ★ page
        (:mod:`pipeline.report.star_page`) to each member's workbook and PDF.
    rules : path or mapping, optional
        The scoring rules' override the tables were scored with (:func:`pipeline.ruleset.load_rules`; default
        scoring.yaml): the pages state its level threshold.

    Returns
    -------
    FeedbackFiles
        The files written, in file-number order.
    """
    w = words(lang)
    k = ruleset.min_cell(k)
    out = Path(out)
    ident = identities[identities["sector"].eq(sector) & identities["year"].eq(year)] \
        if "sector" in identities.columns else identities
    ident = ident.drop_duplicates("respondent_key").set_index("respondent_key")
    # read once as plain lists: a Series look-up per member cost a sixth of a second of the year's setup
    keys = ident.index.tolist()
    company, number = dict(zip(keys, ident["company_name"].tolist(), strict=True)), \
        dict(zip(keys, ident["corporate_number"].tolist(), strict=True))
    names = {key: str(company.get(key, "") or "") for key in tables}
    numbers = {key: str(number.get(key, "") or "") for key in tables}
    order = sorted(tables, key=lambda key: (names[key], key))
    stems = {key: f"{sector}_{year}_{number:04d}" for number, key in enumerate(order, start=1)}
    chosen = order if only is None else select_members(order, only, stems, numbers, sector, year)
    out.mkdir(parents=True, exist_ok=True)
    if only is None:
        pattern = re.compile(rf"^{re.escape(sector)}_{year}_\d{{4}}\.(xlsx|pdf)$")
        for old in out.iterdir():
            if pattern.match(old.name):
                old.unlink()
    jobs = [(stems[key], key, names[key]) for key in chosen]
    result = FeedbackFiles(workbooks=[out / f"{stem}.xlsx" for stem, _, _ in jobs], index=out / "index.xlsx",
                           pdfs=[out / f"{stem}.pdf" for stem, _, _ in jobs] if pdf else [])
    written = set(chosen)
    rows = [{w["index"]["file"]: f"{stems[key]}.xlsx", w["index"]["company"]: names[key],
             w["index"]["number"]: numbers[key], w["index"]["written"]: w["index"]["yes"] if key in written else ""}
            for key in order]
    index = pd.DataFrame(rows, columns=[w["index"][c] for c in INDEX_COLUMNS])
    # the index needs only the names and file numbers: written while the workers write the members (not after them,
    # on one core), under a name of its own, and moved into place only once every member file is written
    staged = out / ".index.xlsx.next"
    try:
        _write_members(_Run(tables, sector, year, out, lang, pdf, k, star, rules), jobs, workers, quiet,
                       beside=lambda: write_index(staged, index, w))
        os.replace(staged, result.index)
    finally:
        staged.unlink(missing_ok=True)
    return result


INDEX_COLUMNS = ("file", "company", "number", "written")
"""index.xlsx: every member of the year (the file numbers are the year's), and whether this run wrote its file: after
``--only`` the folder may hold only the files re-sent, and a list of all members read as if they had all been
written."""


def select_members(order: list[str], only: list[str], stems: dict[str, str], numbers: dict[str, str], sector: str,
                   year: int) -> list[str]:
    """The members ``only`` names (respondent key, 法人番号 or file name, with or without extension), in
    file-number order; a name that matches nobody is refused, so a typo never passes as 'sent'."""
    wanted = {entry.strip() for entry in only if entry.strip()}
    wanted = {re.sub(r"\.(xlsx|pdf)$", "", entry) for entry in wanted}
    chosen = [key for key in order if {key, stems[key], numbers[key]} & wanted]
    matched = {name for key in chosen for name in (key, stems[key], numbers[key])}
    unknown = sorted(wanted - matched)
    if unknown:
        raise ValueError(f"no {sector} FY{year} member matches {', '.join(unknown)} (give a respondent key, a "
                         "法人番号 or a file name from index.xlsx)")
    return chosen


@dataclass
class _Run:
    """What every member's files are made from: the same for every worker."""

    tables: dict[str, tuple[pd.DataFrame, pd.DataFrame]]
    sector: str
    year: int
    out: Path
    lang: str
    pdf: bool
    k: int
    star: dict[str, Any] | None = None
    rules: RulesSource = None


_RUN: _Run | None = None
"""The run a forked worker writes for (set in the parent before the fork: the tables are not pickled)."""
_FIGURES: PeerFigures | None = None
_PAGE_FIGURES: PeerFigures | None = None


def _write_members(run: _Run, jobs: list[tuple[str, str, str]], workers: int | None, quiet: bool,
                   beside: Callable[[], None] | None = None) -> None:
    """Write the files of ``jobs`` (stem, key, name), in worker processes when more than one is useful; ``beside``
    is called in this process once the workers have started (after the members when there is one process)."""
    global _RUN
    workers = config.workers() if workers is None else workers
    workers = max(1, min(workers, len(jobs) // 8 or 1))  # a handful of members is not worth a process
    if "fork" not in multiprocessing.get_all_start_methods():
        workers = 1  # the tables reach workers by fork; elsewhere one process writes them all
    desc = f"feedback {run.sector} {run.year}"
    _RUN = run
    # what every member's files are made from (the year's tables, the catalogs, the modules) is held for the whole run:
    # frozen out of the cycle collector, whose full passes otherwise walked all of it every few members, in each
    # worker (a fifth of a member's CPU), and wrote to every page of it that a forked worker shares with the parent
    gc.collect()
    gc.freeze()
    try:
        # the catalogs are read once here; workers fork holding them (a label's look-up need not list the
        # project's catalog files again: it did so for every cell)
        with catalogs.holding(), progress(total=len(jobs), desc=desc, quiet=quiet) as bar:
            if workers == 1:
                _start_worker()
                for job in jobs:
                    _write_member(job)
                    bar.update()
                if beside is not None:
                    beside()
                return
            with multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker) as pool:
                done_so_far = pool.imap_unordered(_write_chunk, config.chunks_of(jobs, workers, CHUNK))
                if beside is not None:
                    beside()
                for done in done_so_far:
                    bar.update(done)
    finally:
        _RUN = None
        gc.unfreeze()


CHUNK = 16
"""Members a worker takes at a time: few enough hand-overs that they cost nothing beside a member's 30 ms."""


def _start_worker() -> None:
    global _FIGURES, _PAGE_FIGURES
    style.apply()
    assert _RUN is not None
    _FIGURES = PeerFigures(words(_RUN.lang))
    _PAGE_FIGURES = PeerFigures(words(_RUN.lang), page=True)


def _write_chunk(chunk: list[tuple[str, str, str]]) -> int:
    for job in chunk:
        _write_member(job)
    return len(chunk)


def _write_member(job: tuple[str, str, str]) -> None:
    stem, key, name = job
    run = _RUN
    assert run is not None
    page = member_page(key, name, *run.tables[key], run.sector, run.year, run.lang, run.k, figures=_FIGURES,
                       rules=run.rules)
    if run.star is not None and key in run.star:
        page.extra.append(star_page(run.star[key], page, run.sector, run.k))
    write_member_workbook(run.out / f"{stem}.xlsx", page)
    if run.pdf:
        assert _PAGE_FIGURES is not None
        page.page_figure = _PAGE_FIGURES.image(page.scores)
        write_member_pdf(run.out / f"{stem}.pdf", page)

