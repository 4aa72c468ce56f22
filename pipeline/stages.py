"""Dispatch from a parsed command line to the stage that does the work."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from pipeline.text import counted


def run(args: argparse.Namespace) -> int:
    handlers = {"synth": synth, "ingest": ingest, "score": score, "feedback": feedback, "report": report,
                "audit": audit, "demo": lambda args: demo(quiet=getattr(args, "quiet", False)),
                "sql": sql, "rekey": rekey, "instrument": instrument, "check": check, "status": status}
    return handlers[args.command](args)


def synth(args: argparse.Namespace) -> int:
    from pipeline.synth import synthesise

    result = synthesise(args.sector, args.year, args.out, n=args.n, seed=args.seed, form=args.form,
                        messy=not args.clean, workers=args.workers)
    print(f"sdw synth: {result.respondents} {args.sector} respondents for FY{args.year} in {result.files} files "
          f"under {result.out} ({result.seconds:.1f} s); ground truth in {result.truth}")
    return 0


def ingest(args: argparse.Namespace) -> int:
    from pipeline.ingest import ingest as run_ingest
    from pipeline.ingest.version import provisional_notes
    from pipeline.lock import locked

    with locked(args.store, "ingest"):
        if getattr(args, "raw_files", None) is not None:
            n = args.raw_files
            print(f"sdw ingest: {n} file{'s' if n != 1 else ''} found under {args.raw}", file=sys.stderr)
        result = run_ingest(args.sector, args.year, args.raw, args.store, roster=args.roster,
                            progress=not getattr(args, "quiet", False))
    c = result.counts
    print(f"sdw ingest: {args.sector} FY{args.year}: {c.get('ingested', 0)} ingested, "
          f"{c.get('quarantined', 0)} quarantined, {c.get('superseded', 0)} superseded "
          f"({result.seconds:.1f} s) → {args.store}")
    print("  time: " + ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items()))
    for note in provisional_notes(result.tables.respondents["template_version"]):
        print(f"  {note}")
    if len(result.invalid_by_item):
        top = ", ".join(f"{i} {n}" for i, n in result.invalid_by_item.head(8).items())
        print(f"  invalid answers: {int(result.invalid_by_item.sum())} ({top})")
    if result.totals:
        shown = ", ".join(result.totals[:5]) + (f" … ({len(result.totals)} in all)" if len(result.totals) > 5 else "")
        print(f"  totals rows: {len(result.totals)} in exports, read as totals, not members ({shown})")
    if result.roster_issues:
        print(f"  roster: {result.roster_issues} rows dropped, merged or read in part (sheet 名簿 of {result.report})")
    if result.linked:
        print(f"  linked: {result.linked} companies keyed by name in another year (or in the roster) now keyed by "
              f"their 法人番号 (sheet 要確認 of {result.report})")
    if c.get("quarantined", 0) or c.get("superseded", 0):
        print(f"  quarantine report: {result.report} (and .csv)")
    return 0


def score(args: argparse.Namespace) -> int:
    from pipeline import preconditions
    from pipeline.lock import locked
    from pipeline.scoring import score_store

    with locked(args.store, "score"):
        preconditions.check(args, held=True)
        cells = [c.strip() for c in getattr(args, "weight_cells", "").split(",") if c.strip()] or None
        result = score_store(args.store, weight_cells=cells)
    parts = result.respondents
    print(f"sdw score: {result.rows:,} scores for {sum(parts.values()):,} respondents in {len(parts)} sector-years "
          f"({result.seconds:.1f} s) → {args.store / 'scores'}")
    for note in result.notes:  # what the weights rest on, per sector-year with a roster
        # a respondent the roster does not list is a member who answered (docs/method.md §11), as in the reports
        print(f"  weights {note.sector} FY{note.year}: {note.respondents:,} of {note.members + note.unmatched:,} "
              f"members answered ({note.response_rate:.0%}), {len(note.cells)} cells"
              + (f" (merged: {', '.join(note.collapsed)})" if note.collapsed else "")
              + (f", {note.unmatched} respondent(s) not on the roster" if note.unmatched else "")
              + f", Kish deff {note.deff:.2f}, effective n {note.n_eff:,.0f}"
              + (f", trimming moved {note.trimmed_share:.1%} of the weight" if note.trimmed_share else ""))
    return 0


def feedback(args: argparse.Namespace) -> int:
    import gc

    from pipeline.report.published_peers import peers_underway

    if not (args.store / "scores").exists():
        raise FileNotFoundError(f"no scores in {args.store}: run `sdw score` first")
    # the cycle collector off while the year is read and its peer values made (the report's protected tables, then
    # per member): millions of objects and few cycles, and each of its dozen full passes walked them all (about 2 s
    # of CPU on a 3,100-member year, before any file); on again before the members are written
    was_on = gc.isenabled()
    gc.disable()
    try:
        only = _members(args.only, args.only_file)
        out = args.out / args.sector / str(args.year)
        # the peer values the report publishes for the same groups, protected by the report's own tables: a second
        # process completes the functions' tables while this one reads the year and makes the ★ members' pages
        underway = peers_underway(args.store, args.sector, args.year, lanes=True)
        try:
            # imported once the second process has started (it needs none of them): half a second of it is not
            # before the function tables any more
            import pandas as pd

            from pipeline import catalogs
            from pipeline import store as store_mod
            from pipeline.report.feedback_doc import write_feedback
            from pipeline.scoring.feedback import feedback_tables, previous_year, weakest_items
            from pipeline.scoring.star_feedback import star_feedback

            # each table's schema and rows through one open file (store.opened): a table renamed over meanwhile is
            # read whole from one file
            with store_mod.opened(args.store / "respondents") as f:
                respondents = pd.read_parquet(f, filters=[("sector", "==", args.sector)])
            before = previous_year(respondents, args.sector, args.year)
            years = [args.year] if before is None else [before, args.year]
            # only what feedback shows: this sector's year and the one before, not the store's every table and column
            with store_mod.opened(args.store / "scores") as f:
                scores = pd.read_parquet(f, filters=[("sector", "==", args.sector), ("year", "in", years)])
            on_star = "star" in catalogs.sector_info(args.sector)["frameworks"]  # the ★ page (automotive)
            with store_mod.opened(args.store / "responses") as f:
                # answer_raw only for the ★ page, which shows an unreadable answer as the member wrote it
                raw = ["answer_raw"] if on_star and "answer_raw" in store_mod.schema_of(f).names else []
                responses = pd.read_parquet(f, columns=["sector", "year", "respondent_key", "item_id", "answer", *raw],
                                            filters=[("sector", "==", args.sector), ("year", "==", args.year)])
            identities = store_mod.read_table(args.store, "identities")
            star = star_feedback(scores, respondents, responses, args.sector, args.year, published=underway.bands,
                                 merges=underway.merges) if on_star else None
            # the weakest items need no report cell: made before the wait for the second process, not after it
            weak = weakest_items(respondents, responses, args.sector, args.year)
        except BaseException:
            underway.close()
            raise
        published = underway.result()
        per_company = feedback_tables(scores, respondents, responses, args.sector, args.year,
                                      published=published.cells, merges=published.merges, withheld=published.withheld,
                                      counts=published.counts, weak=weak)
    finally:
        if was_on:
            gc.enable()
    if not per_company:
        raise ValueError(f"no {args.sector} FY{args.year} respondents in {args.store}")
    files = write_feedback(per_company, identities, args.sector, args.year, out, lang=args.lang, pdf=args.pdf,
                           workers=args.workers, only=only, quiet=False, star=star)
    pdfs = f" and {counted(len(files.pdfs), 'PDF')}" if files.pdfs else ""
    which = f" (of {len(per_company)}; the others untouched)" if only is not None else ""
    print(f"sdw feedback: {counted(len(files.workbooks), 'member file')}{pdfs}{which} written to {out.resolve()}"
          f" (--out {args.out} + {args.sector}/{args.year})")
    marked = "; 今回作成 marks the files written now" if only is not None else ""
    print(f"  which file goes to whom: {files.index.resolve()} (association only{marked})")
    if only is not None:
        print("  written now: " + ", ".join(p.name for p in files.workbooks[:20])
              + (f" and {len(files.workbooks) - 20} more" if len(files.workbooks) > 20 else ""))
    return 0


def _members(only: str | None, only_file: Path | None) -> list[str] | None:
    """The members named by --only (comma-separated) and --only-file (one a line; # starts a comment)."""
    if only is None and only_file is None:
        return None
    names = [part.strip() for part in (only or "").split(",") if part.strip()]
    if only_file is not None:
        for line in only_file.read_text(encoding="utf-8-sig").splitlines():
            line = line.split("#", 1)[0]
            names += [part.strip() for part in line.split(",") if part.strip()]
    if not names:
        raise ValueError("--only/--only-file names no member")
    return names


def report(args: argparse.Namespace) -> int:
    from pipeline import preconditions
    from pipeline.lock import locked
    from pipeline.report.run import run_report

    with locked(args.store, "report"):
        preconditions.check(args, held=True)  # before a kernel starts: what to run when the store is not ready
        result = run_report(args.sector, args.years, args.store, args.out, args.figures, lang=args.lang,
                            min_cell=args.min_cell, segment_by=args.segment_by, framework=args.framework,
                            pptx=args.pptx, quiet=getattr(args, "quiet", False), weights=args.weights,
                            what_if=args.what_if.text if getattr(args, "what_if", None) else "",
                            workers=getattr(args, "workers", None))
    from pipeline.publish.audit import solver_errors_of  # imported while the kernel ran (report.run.execute)

    timing = ", ".join(f"{s} {t:.1f} s" for s, t in result.seconds.items())
    print(f"sdw report: {counted(len(result.html), 'report')}, {counted(len(result.figures), 'figure')} ({timing}); "
          "every table passed "
          "the disclosure check")
    for html in result.html:
        print(f"  {html}")
    for deck in result.decks:
        print(f"  {deck}")
    print(f"  figures: {', '.join(sorted({str(f.parent) for f in result.figures}))}")
    for audit_file in result.audits:  # the check's solver errors, written beside its specs (tables.json)
        errors = solver_errors_of(audit_file.parent)
        if errors:
            print(f"  {audit_file.parent}: {solver_errors(errors)}")
    if result.skipped:
        print(f"  not written (a what-if changes only ★ reports; the default ones stay as they are): "
              f"{', '.join(result.skipped)}")
    return 0


def audit(args: argparse.Namespace) -> int:
    from pipeline.publish.audit import MixedVersions, audit_folders
    from pipeline.publish.intervals import SolverStats

    if getattr(args, "feedback", None) is not None:
        return _audit_feedback(args)
    folders = args.report_dir if isinstance(args.report_dir, list) else [args.report_dir]
    if not folders:
        print("sdw audit: name a report folder (e.g. reports/auto/all) or --feedback DIR", file=sys.stderr)
        return 1
    where = " + ".join(str(f) for f in folders)
    stats = SolverStats()
    try:
        findings = audit_folders(folders, stats=stats, store=getattr(args, "store", None))
    except (MixedVersions, FileNotFoundError) as e:
        print(f"sdw audit: refused: {e}", file=sys.stderr)
        return 1
    print(f"  interval solver: {stats.groups} groups, {stats.milp} mixed-integer programmes, {stats.capped} at the "
          f"node cap, {solver_errors(stats.errors)}")
    if findings:
        for f in findings[:20]:
            print(f"  {f.line()}")
        print(f"sdw audit: {len(findings)} finding(s) in {where}: a statistic about fewer than k companies "
              "can be recovered", file=sys.stderr)
        return 1
    print(f"sdw audit: {where}: no statistic about fewer than k companies can be recovered")
    return 0


def solver_errors(errors: int) -> str:
    """The interval solver's errors as the audit and the report's check print them."""
    if not errors:
        return "no solver error"
    return (f"{errors} solver error(s): HiGHS failed on a programme even without presolve; where a linear extreme "
            "failed its cell kept its bound (the interval wider than the intruder's: unsafe, a hidden cell may be "
            "recoverable), where a mixed-integer extreme failed it took the best point seen (narrower: the safe side, "
            "unproven)")


def _audit_feedback(args: argparse.Namespace) -> int:
    """``sdw audit --feedback DIR``: the rank replay on the member files of one feedback folder."""
    from pipeline.report.feedback_audit import NotAFeedbackFolder, audit_feedback_folder

    if args.report_dir:
        print("sdw audit: --feedback audits one feedback folder; give report folders in a run of their own",
              file=sys.stderr)
        return 1
    try:
        result = audit_feedback_folder(args.feedback, args.store)
    except (NotAFeedbackFolder, FileNotFoundError) as e:
        print(f"sdw audit: refused: {e}", file=sys.stderr)
        return 1
    if len(result.findings):
        for line in result.lines()[:20]:
            print(f"  {line}")
        print(f"sdw audit: {len(result.findings)} finding(s) in {args.feedback} ({result.files} member files): a "
              "rank or quartile beside a printed count tells 1 to k − 1 companies", file=sys.stderr)
        return 1
    print(f"sdw audit: {args.feedback}: {result.files} member files, no rank or quartile counts fewer than k "
          "companies beside the report's printed counts")
    return 0


def check(args: argparse.Namespace) -> int:
    """``sdw check``: every breach of the store contract on its own line; exit status 1 on any. It holds the
    store like a writer does, so it never reads a store half-replaced by an ingest running beside it."""
    from pipeline.check import check_store, key_at_hand, print_result
    from pipeline.lock import locked

    with locked(args.store, "check"):
        result = check_store(args.store, key_at_hand())
    return print_result(result)


def instrument(args: argparse.Namespace) -> int:
    """``sdw instrument import``: a refused form is one line on stderr and exit status 1, nothing written.
    ``sdw instrument scheme``: the ★ scheme table in force, its counts per star and problems (exit 1 on any)."""
    if args.action == "scheme":
        from pipeline.scoring.scheme import check_scheme

        report = check_scheme()
        lines = report.lines()
        print(f"sdw instrument scheme: {lines[0]}")
        for line in lines[1:]:
            print(line, file=sys.stderr if line.startswith("  problem:") else sys.stdout)
        return 1 if report.problems else 0
    from pipeline.instrument.blank_form import FormRefused
    from pipeline.instrument.importer import import_instrument

    try:
        result = import_instrument(args.sector, args.version, args.file, name=args.name, published=args.published)
    except FormRefused as e:
        print(f"sdw instrument import: refused: {e}", file=sys.stderr)
        return 1
    lines = result.lines()
    print(f"sdw instrument import: {lines[0]}")
    for line in lines[1:]:
        print(line)
    return 0


def sql(args: argparse.Namespace) -> int:
    from pipeline.sql import format_result, run_query

    result = run_query(args.query, args.store, out=args.out, with_identities=args.with_identities)
    print(format_result(result))
    return 0


def status(args: argparse.Namespace) -> int:
    """``sdw status``: the store at a glance, as text or (``--json``) one JSON object."""
    import json

    from pipeline.status import store_status, text_lines

    got = store_status(args.store, args.reports)
    if args.json:
        print(json.dumps(got, ensure_ascii=False, indent=1))
    else:
        for line in text_lines(got):
            print(line)
    return 0


def rekey(args: argparse.Namespace) -> int:
    from pipeline.ingest.identity import secret_key
    from pipeline.ingest.keys import read_key_file
    from pipeline.ingest.keys import rekey as rekey_store
    from pipeline.lock import locked

    with locked(args.store, "rekey"):
        result = rekey_store(args.store, read_key_file(args.old_key_file), secret_key())
    rows = ", ".join(f"{n} {c:,}" for n, c in result.rows.items())
    print(f"sdw rekey: {result.keys:,} respondent keys recomputed under the current key ({rows}) in {args.store}; "
          "write reports and feedback again")
    return 0


def _release_memory() -> None:
    """Hand back to the system what ingest and scoring freed: Arrow's pool and the C heap (glibc's
    ``malloc_trim``, every thread's arena: the early report's thread allocates beside the build) otherwise keep
    it for reuse, and it would count against the demo's memory while the report kernels run."""
    import contextlib
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(AttributeError, OSError, TypeError):  # not glibc: the C heap stays as it is
        ctypes.CDLL(None).malloc_trim(0)


def demo(quiet: bool = False) -> int:
    """Synthesise three years for both sectors, ingest, score and report them (with the decks); print where
    the reports are.

    Run again on the same synthetic data, it skips ingest and scoring when the store was built from the
    same files, code, key and rules (pipeline/builds.py) and only writes the reports again. It holds the
    store from start to end, like every command that writes it: another run writing between the demo's
    steps would be stamped as the demo's build.
    """
    from pipeline import config
    from pipeline.lock import locked
    from pipeline.publish.figure_files import WORKER_ENV

    store = config.store_dir()
    store.mkdir(parents=True, exist_ok=True)
    # every core is busy through the demo (the other sector's build beside the early report, then two reports side by
    # side), so a figure worker per report would add a process's memory and the figures' pickling and buy no time:
    # the demo's kernels draw their own figure files unless SDW_FIGURE_WORKER is set (the kernels inherit this)
    chosen = WORKER_ENV not in os.environ
    if chosen:
        os.environ[WORKER_ENV] = "0"
    try:
        with locked(store, "demo"):
            return _demo(store, quiet)
    finally:
        if chosen:
            os.environ.pop(WORKER_ENV, None)


LATER_SYNTH = 19
"""How much lower (``nice``) the demo synthesises its later sectors, from its start beside the first sector's build:
the lowest, so that on two quiet cores they take only what the first sector's chain leaves idle. A process cannot
raise its priority again without privilege, so they stay there after the build: on a machine busy with other work
they give way to it too (at load 8–11 the demo waited 146 and 208 s for power's synth after the build, where at
``BEHIND`` it took 94 and 128 s; benchmarks/README.md, 2026-12-07 23:29)."""

BEHIND = 5
"""How much lower (``nice``) the demo's work beside its early report runs: the ingest workers and scoring of the next
sectors and the later reports' kernels (their synth started earlier, at :data:`LATER_SYNTH`), so that on two cores
the longest report keeps a core of its own."""


@contextmanager
def behind(step: int = BEHIND) -> Iterator[None]:
    """The calling thread, and every process and thread it starts inside, at a CPU priority ``step`` lower (its nice
    value raised); set back at the end where the system lets a process raise its priority again. Without that
    privilege (the usual case) the calling thread stays lower: `sdw demo`'s process ends with the demo, but code that
    calls :func:`demo` in-process keeps the lower priority on the calling thread, so it should call it on a thread of
    its own (as the tests do).

    On Linux the priority is a thread's own, so the early report's thread, started before, and the kernel it starts
    keep theirs: the two cores go first to the report on the demo's critical path (the automotive one, ≈ 40 s of CPU,
    started once its sector is built) and the other sector's build and reports, which end sooner, take what it leaves.
    Where the system sets a whole process's priority (macOS), the report's kernel started after this is lowered too:
    every part equally, as without it."""
    try:
        before = os.getpriority(os.PRIO_PROCESS, 0)
        os.setpriority(os.PRIO_PROCESS, 0, min(19, before + step))
    except (AttributeError, OSError):  # not a POSIX system, or not allowed: the work runs as it is
        yield
        return
    try:
        yield
    finally:
        with suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, before)


def demo_order(plan: dict[str, list]) -> list[str]:
    """The demo's sectors, the one with the most respondents first (catalogs/sectors.yaml ``synth.demo``; ties in
    registration order): its report takes longest (the automotive one, with its ★ and level pages, about four times
    the power report's CPU), so it is built and scored first and its report runs while the others are built."""
    return sorted(plan, key=lambda s: -sum(n for _, n, _ in plan[s]))


def _demo(store: Path, quiet: bool = False) -> int:
    """The demo's work, in the order that ends soonest on two cores: the sector with the longest report is
    synthesised (its years side by side), ingested and scored first and its report starts at once, in a kernel of
    its own, while the other sector is ingested and scored beside it; then that sector's report and the
    cross-sector page. The other sector's synth starts with the first sector's, in a process of its own at the
    lowest priority (``synth`` below). Everything after the early report starts runs at a lower CPU priority
    (:func:`behind`). Why the running report cannot read anything the later writes change:
    :func:`pipeline.builds.build`. It prints the synth lines of a sector once its years are made (the first
    sector's first), an ingest line per sector-year in the order of the work, a score line per scoring (one per
    sector built: the first sector's report needs its scores before the second is ingested), and the reports in
    the order power, auto, all.

    The second sector's ingest forks its worker processes (its synth was forked at the start, before any thread)
    while the early report's thread runs papermill (an asyncio loop, zmq's sockets and threads) and, once its
    kernel has started, imports the HTML exporter's modules (nbconvert, matplotlib, the audit: report.run.execute).
    A forked child inherits every lock as it was at the fork, and one held by that thread would stay held in the
    child. CPython resets the GIL, its global import lock and logging's locks at a fork, glibc its malloc's, and the
    children run neither asyncio nor zmq; a module's own import lock is not reset, so a child importing a module
    that thread was importing at the fork would wait for ever — the readers import four modules of their own and
    none of the exporter's. A reader hung all the same would be stopped after ingest's time limit and its file
    quarantined as ``read_error`` (pipeline/ingest/run.py): the store would lack that file, and the ingest line's
    quarantined count and quarantine_report.xlsx would show it. Not seen in the benchmarks' runs."""
    import json
    import time
    from concurrent.futures import Future, ThreadPoolExecutor, wait
    from contextlib import ExitStack

    from pipeline import builds, catalogs, config
    from pipeline.ingest import ingest as run_ingest
    from pipeline.ingest.identity import secret_key
    from pipeline.report import run as report_run
    from pipeline.synth import Underway, synthesise, truth_dir

    print("sdw demo: synthetic submissions → store (data/processed)")
    demo = {s: info["synth"]["demo"] for s, info in catalogs.sectors().items() if info["synth"].get("demo")}
    sectors = demo_order(demo)  # catalogs/sectors.yaml synth.demo: [year, respondents, form]
    parts = [builds.Partition(sector, year, config.raw_dir() / sector / str(year),
                              truth_dir(config.raw_dir() / sector / str(year)) / "roster.csv")
             for sector in sectors for year, _, _ in demo[sector]]

    def missing(sector: str) -> list[tuple[int, Path, int, str]]:
        """The sector's years whose data is missing or was made with other parameters."""
        todo = []
        for year, n, form in demo[sector]:
            raw = config.raw_dir() / sector / str(year)
            marker = truth_dir(raw) / "params.json"
            if not (marker.exists() and json.loads(marker.read_text()) == params(sector, year, n, form)):
                todo.append((year, raw, n, form))
        return todo

    def params(sector: str, year: int, n: int, form: str) -> dict:
        return {"sector": sector, "year": year, "n": n, "form": form, "seed": 0}

    later: dict[str, tuple[list[tuple[int, Path, int, str]], Underway]] = {}

    def synth(sector: str) -> list[str]:
        """Synthesise the sector's missing years; their names. The first sector's years are made side by side, each
        in a process of its own, and the later sectors' start at the same time in a process of their own at the
        lowest CPU priority: on two cores the first sector's chain (synth, ingest, scoring, then its report) leaves
        a core idle in its serial parts (planning, ground truth, ingest's and scoring's main process), which the
        later sectors' synth takes, and after the first sector is built it has the core the early report leaves.
        Both fork this process while it has one thread (before the early report's thread starts); where the system
        does not fork, every year is made here, one after another."""
        todo, underway = later.pop(sector) if sector in later else (missing(sector), None)
        if underway is not None:  # started with the first sector's years
            results = underway.results()
        elif sector == sectors[0] and config.can_fork():
            for other in sectors[1:]:
                if more := missing(other):
                    later[other] = (more, Underway(other, more, lower=LATER_SYNTH))
            results = Underway(sector, todo, side_by_side=True).results()
        else:
            results = [synthesise(sector, year, raw, n=n, seed=0, form=form) for year, raw, n, form in todo]
        for (year, raw, n, form), result in zip(todo, results, strict=True):
            (truth_dir(raw) / "params.json").write_text(json.dumps(params(sector, year, n, form)))
            print(f"  synth  {sector} FY{year}: {n} respondents, {result.files} files ({result.seconds:.1f} s)")
        return [f"{sector}/{year}" for year, *_ in todo]

    def ingest_one(part: builds.Partition) -> None:
        got = run_ingest(part.sector, part.year, part.raw, store, roster=part.roster, progress=not quiet)
        c = got.counts
        print(f"  ingest {part.sector} FY{part.year}: {c.get('ingested', 0)} ingested, "
              f"{c.get('quarantined', 0)} quarantined, {c.get('superseded', 0)} superseded ({got.seconds:.1f} s)")

    def score() -> None:
        from pipeline.scoring import score_store

        scored = score_store(store)
        print(f"  score: {scored.rows:,} scores ({scored.seconds:.1f} s)")

    reports, figures = config.reports_dir(), config.figures_dir()
    early: Future | None = None
    t0 = 0.0
    pool = ThreadPoolExecutor(1, thread_name_prefix="sdw-demo-report")
    interrupted = False
    with ExitStack() as stack:

        def ready(sector: str) -> None:
            """A sector is built and scored: what its build freed goes back to the system (this process holds
            the rest through every report), and after the first sector its report starts beside the next build."""
            nonlocal early, t0
            _release_memory()
            if sector != sectors[0] or len(sectors) < 2:
                return
            # the kernels' environment (batch_backend) set here once for every report of the demo: the report started
            # now and those started later, each setting and restoring it, then only ever restore the same values
            stack.enter_context(report_run.batch_backend())
            t0 = time.perf_counter()
            early = pool.submit(report_run.run_report, sector, None, store, reports, figures, pptx=True, quiet=True)
            stack.enter_context(behind())  # the report thread exists now: it and its kernel keep their priority

        try:
            done = builds.build(store, parts, secret_key(), ingest_one, score, config.catalogs_dir(), prepare=synth,
                                ready=ready)
        except KeyboardInterrupt:
            # as `sdw report`: the running kernel ends with the interrupt and is not waited for, so the lock is
            # released while the early report's kernel and its figure worker may still run for a moment
            interrupted = True
            raise
        except BaseException:
            if early is not None:
                wait([early])  # the store stays held (the demo's lock) until the report reading it has ended
            raise
        finally:
            for _, underway in later.values():  # a later sector's synth still writing when the build failed
                underway.stop()
            pool.shutdown(wait=not interrupted and early is None)
        _release_memory()  # the reports run in kernels of their own while this process waits
        if done.up_to_date:
            print("  store up to date, skipped ingest and score (same synthetic files, code, key and scoring rules)")
        print(f"  store: {store} (quarantine report: {store / 'quarantine_report.xlsx'})")
        # with the decks: the automotive deck is what a newcomer to the demo looks for first
        if early is None:
            t0 = time.perf_counter()
        if early is not None and early.done():
            early.result()  # it failed already: its error, before the other reports start
        ahead = () if early is None else (sectors[0],)
        # beside a report still running, one notebook at a time on the other core
        workers = None if early is None or early.done() else max(1, config.workers(None) - 1)
        try:
            rest = report_run.run_report("all", None, store, reports, figures, pptx=True, quiet=quiet,
                                         workers=workers, skip=ahead)
        except KeyboardInterrupt:
            raise
        except BaseException:
            if early is not None:
                wait([early])  # as above: the lock is held until the early report has ended
            raise
        parts_done = [rest] if early is None else [early.result(), rest]
    from pipeline.report.data import sectors_in

    labels = [*sectors_in(store), "all"]
    result = report_run.combine(parts_done, labels)
    side = report_run.report_workers(len(result.seconds))
    print("  reports: " + ", ".join(f"{s} {t:.1f} s" for s, t in result.seconds.items())
          + (f" ({side} at a time, {time.perf_counter() - t0:.1f} s in all)" if side > 1 else ""))
    for html in result.html:
        print(f"    {html}")
    for deck in result.decks:
        print(f"    {deck}")
    print(f"    figures under {config.figures_dir()}, tables.xlsx beside each report")
    return 0
