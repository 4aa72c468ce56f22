"""Dispatch from a parsed command line to the stage that does the work."""

from __future__ import annotations

import argparse

from pipeline.cli import NotBuiltYet

PENDING = {
    "ingest": "ingestion (issue #4)",
    "score": "scoring (issue #5)",
    "report": "reports (issue #6)",
}


def run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return demo()
    if args.command == "synth":
        return synth(args)
    raise NotBuiltYet(PENDING[args.command])


def synth(args: argparse.Namespace) -> int:
    from pipeline.synth import synthesise

    result = synthesise(args.sector, args.year, args.out, n=args.n, seed=args.seed, form=args.form,
                        messy=not args.clean, workers=args.workers)
    print(f"sdw synth: {result.respondents} {args.sector} respondents for FY{args.year} in {result.files} files "
          f"under {result.out} ({result.seconds:.1f} s); ground truth in {result.truth}")
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
