"""What a command needs from the store, checked before a notebook kernel starts or a file is written.

Unchecked, ``sdw report`` on an empty store would start a kernel and fail in a cell, and ``sdw feedback``
on a year ingested since scoring would write member files from no scores. Each command here says, in one line,
what is missing and which command to run (exit status 1). ``sdw sql`` is a diagnostic tool: it is only
refused on a store with no tables, and warned (still run) when the scores it may read are stale.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from pipeline.arguments import Refused, segment_by, span_in_store, store_years, what_if_scope, years_text


def _shown(path: Path) -> str:
    """A path as the user typed it or relative to here, so the line stays short."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _ingest_hint(sector: str, year: int | None = None) -> str:
    return f"sdw ingest --sector {sector} --year {year or 'YYYY'} --raw DIR, then sdw score"


def scored_years(store: Path) -> set[tuple[str, int]]:
    """(sector, year) pairs with at least one score row (one column pair of the scores table)."""
    from pipeline.store import sector_years

    return set(sector_years(store, "scores"))


def stale_scores(store: Path, held: dict[str, list[int]]) -> list[tuple[str, int, str]]:
    """(sector, year, why) for every held partition whose scores are missing or stale."""
    from pipeline import config
    from pipeline.freshness import read_history, rules_digest, scoring_code_digest, staleness

    scored = scored_years(store)
    history = read_history(store)
    rules = rules_digest() if history.get("scored") else None
    code = scoring_code_digest(config.catalogs_dir()) if history.get("scored") else None
    out = []
    for sector, years in held.items():
        for year in years:
            f = staleness(store, (sector, year) in scored, sector, year, history, rules, code)
            if f.stale:
                out.append((sector, year, "; ".join(f.reasons)))
    return out


def require_scores(store: Path, sectors: list[str], span: tuple[int, int] | None = None) -> dict[str, list[int]]:
    """The years each sector holds (within ``span``), refusing when a sector has none or its scores are stale."""
    held = store_years(store, sectors)
    for sector in sectors:
        if sector not in held:
            raise Refused(None, f"no {sector} scores in {_shown(store)} — run: {_ingest_hint(sector)}")
    if span is not None:
        span_in_store(span, held)
        held = {s: [y for y in ys if span[0] <= y <= span[1]] for s, ys in held.items()}
    stale = stale_scores(store, held)
    if stale:
        sector, year, why = stale[0]
        more = f" (and {len(stale) - 1} more)" if len(stale) > 1 else ""
        raise Refused(None, f"{sector} FY{year} in {_shown(store)}: {why}{more} — run: sdw score")
    return held


def _report(args: argparse.Namespace) -> None:
    from pipeline import catalogs

    store = args.store
    if args.sector == "all":
        sectors = list(store_years(store, list(catalogs.sectors())))
        if not sectors:
            raise Refused(None, f"no scores in {_shown(store)} — run: {_ingest_hint('SECTOR')}")
    else:
        sectors = [args.sector]
    require_scores(store, sectors, args.years)
    if args.segment_by:
        segment_by(store, sectors, args.segment_by)
    if getattr(args, "what_if", None) is not None:
        starred = [s for s, info in catalogs.sectors().items() if "star" in info["frameworks"]]
        what_if_scope(store, starred if args.sector == "all" else sectors, args.what_if, args.years)


def _feedback(args: argparse.Namespace) -> None:
    held = store_years(args.store, [args.sector]).get(args.sector, [])
    if args.year not in held:
        holds = f" (it holds {args.sector} for {years_text(held)})" if held else ""
        raise Refused("--year", f"no {args.sector} FY{args.year} in {_shown(args.store)}{holds} — run: "
                      f"{_ingest_hint(args.sector, args.year)}")
    require_scores(args.store, [args.sector], (args.year, args.year))


def _sql(args: argparse.Namespace) -> None:
    from pipeline.sql import VIEWS

    store = args.store
    if not any((store / name).exists() for name in VIEWS):
        raise Refused(None, f"the store {_shown(store)} holds no tables — run: {_ingest_hint('SECTOR')}")
    if re.search(r"\bscores\b", args.query, re.IGNORECASE):
        held = store_years(store, _sectors())
        stale = stale_scores(store, held)
        if stale:
            sector, year, why = stale[0]
            more = f" (and {len(stale) - 1} more)" if len(stale) > 1 else ""
            print(f"sdw sql: warning: {sector} FY{year} in {_shown(store)}: {why}{more} — run: sdw score",
                  file=sys.stderr)


def _sectors() -> list[str]:
    from pipeline import catalogs

    return list(catalogs.sectors())


def _audit(args: argparse.Namespace) -> None:
    from pipeline.publish.audit import AUDIT_FILE, SPECS_FILE

    feedback = getattr(args, "feedback", None)
    if feedback is not None and not feedback.is_dir():
        raise Refused("--feedback", f"folder {feedback} does not exist — run: sdw feedback --sector SECTOR --year YYYY "
                      "first (member files are under reports/feedback/<sector>/<year>)")
    for folder in args.report_dir:
        if not folder.is_dir():
            raise Refused("report_dir", f"folder {folder} does not exist — run: sdw report --sector SECTOR first "
                          "(reports are under reports/<sector>/<years>)")
        if not (folder / SPECS_FILE).exists() or not (folder / AUDIT_FILE).exists():
            raise Refused("report_dir", f"{folder} holds no report written by `sdw report` ({SPECS_FILE} and "
                          f"{AUDIT_FILE} missing) — expected e.g. reports/auto/all")


def _score(args: argparse.Namespace) -> None:
    if not (args.store / "responses").exists():
        raise Refused(None, f"nothing ingested in {_shown(args.store)} — run: sdw ingest --sector SECTOR --year YYYY "
                      "--raw DIR")


CHECKS = {"score": _score, "report": _report, "feedback": _feedback, "sql": _sql, "audit": _audit}
# Commands that hold the store (pipeline/lock.py) are checked by their stage once they hold it: checked
# before, a `sdw score` queued behind a running ingest would be refused as "nothing ingested".
UNDER_LOCK = ("score", "report")


def check(args: argparse.Namespace, held: bool = False) -> None:
    """The store (or report folders) a command needs, before it starts; :class:`Refused` when not ready.

    ``held``: the caller holds the store's lock (the stages of :data:`UNDER_LOCK` pass True)."""
    if args.command in CHECKS and (held or args.command not in UNDER_LOCK):
        CHECKS[args.command](args)
