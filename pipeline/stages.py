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


DEMO_YEARS = {
    # sector: [(year, respondents, form)] — smaller than the real surveys so the demo stays quick
    "power": [(2024, 300, "workbooks"), (2025, 310, "workbooks"), (2026, 320, "workbooks")],
    "auto": [(2022, 600, "workbooks"), (2023, 560, "workbooks"), (2024, 520, "export")],
}


def demo() -> int:
    """Synthesise three years for both sectors, ingest them, and say plainly what is not built yet."""
    import json

    from pipeline import config
    from pipeline.ingest import ingest as run_ingest
    from pipeline.synth import synthesise, truth_dir

    print("sdw demo: synthetic submissions → store (data/processed)")
    for sector, years in DEMO_YEARS.items():
        for year, n, form in years:
            raw = config.RAW_DIR / sector / str(year)
            params = {"sector": sector, "year": year, "n": n, "form": form, "seed": 0}
            marker = truth_dir(raw) / "params.json"
            if not (marker.exists() and json.loads(marker.read_text()) == params):
                result = synthesise(sector, year, raw, n=n, seed=0, form=form)
                marker.write_text(json.dumps(params))
                print(f"  synth  {sector} FY{year}: {n} respondents, {result.files} files ({result.seconds:.1f} s)")
            got = run_ingest(sector, year, raw, config.STORE_DIR)
            c = got.counts
            print(f"  ingest {sector} FY{year}: {c.get('ingested', 0)} ingested, {c.get('quarantined', 0)} quarantined,"
                  f" {c.get('superseded', 0)} superseded ({got.seconds:.1f} s)")
    print(f"  store: {config.STORE_DIR} (quarantine report: {config.STORE_DIR / 'quarantine_report.xlsx'})")
    for stage, what in PENDING.items():
        print(f"  {stage}: not built yet — {what}")
    return 0
