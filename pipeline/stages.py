"""Dispatch from a parsed command line to the stage that does the work."""

from __future__ import annotations

import argparse

from pipeline.cli import NotBuiltYet

PENDING = {
    "synth": "synthetic submissions (issue #3)",
    "ingest": "ingestion (issue #4)",
    "score": "scoring (issue #5)",
    "report": "reports (issue #6)",
}


def run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return demo()
    raise NotBuiltYet(PENDING[args.command])


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
