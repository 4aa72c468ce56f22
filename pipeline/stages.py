"""Dispatch from a parsed command line to the stage that does the work."""

from __future__ import annotations

import argparse

from pipeline.cli import NotBuiltYet

PENDING = {
    "score": "scoring (issue #5)",
    "report": "reports (issue #6)",
}


def run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return demo()
    if args.command == "synth":
        return synth(args)
    if args.command == "ingest":
        return ingest(args)
    raise NotBuiltYet(PENDING[args.command])


def synth(args: argparse.Namespace) -> int:
    from pipeline.synth import synthesise

    result = synthesise(args.sector, args.year, args.out, n=args.n, seed=args.seed, form=args.form,
                        messy=not args.clean, workers=args.workers)
    print(f"sdw synth: {result.respondents} {args.sector} respondents for FY{args.year} in {result.files} files "
          f"under {result.out} ({result.seconds:.1f} s); ground truth in {result.truth}")
    return 0


def ingest(args: argparse.Namespace) -> int:
    from pipeline.ingest import ingest as run_ingest

    result = run_ingest(args.sector, args.year, args.raw, args.store)
    c = result.counts
    print(f"sdw ingest: {args.sector} FY{args.year}: {c.get('ingested', 0)} ingested, "
          f"{c.get('quarantined', 0)} quarantined, {c.get('superseded', 0)} superseded "
          f"({result.seconds:.1f} s) → {args.store}")
    print("  time: " + ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items()))
    if len(result.invalid_by_item):
        top = ", ".join(f"{i} {n}" for i, n in result.invalid_by_item.head(8).items())
        print(f"  invalid answers: {int(result.invalid_by_item.sum())} ({top})")
    if c.get("quarantined", 0) or c.get("superseded", 0):
        print(f"  quarantine report: {result.report} (and .csv)")
    return 0


def demo() -> int:
    """Run every stage that exists, and say plainly which are not built yet."""
    from pipeline import catalogs

    print("sdw demo")
    print(f"  catalogs: CSF 2.0 {len(catalogs.csf2())} nodes, CSF 1.1 {len(catalogs.csf11())} nodes, "
          f"CPSF {len(catalogs.cpsf())} categories, ★ scheme {len(catalogs.scs_requirements())} requirements, "
          f"power {len(catalogs.power_items())} items, automotive {len(catalogs.auto_items())} items, "
          f"templates {', '.join(catalogs.template_versions())}")
    for stage, what in PENDING.items():
        print(f"  {stage}: not built yet — {what}")
    return 0
