"""A store built to stress disclosure control: few respondents per year, so segments are small (power's eight
business types hold 1–10 companies each), groups near-uniform (送配電 reaches nearly everything) and the
few-item nodes (RC.RP: 1 item) stand beside their function.

    python tools/stress_store.py FOLDER [SEED]

Writes FOLDER/data/raw (synthetic submissions) and FOLDER/data/processed (the store, scored); then
``SDW_HOME=FOLDER sdw report --sector all`` and ``sdw audit FOLDER/reports/...`` check what is published.
"""

from __future__ import annotations

import sys
from pathlib import Path

STRESS_YEARS = {
    "power": [(2024, 45), (2025, 50), (2026, 55)],
    "auto": [(2022, 70), (2023, 64), (2024, 58)],
}


def main(folder: Path, seed: int = 7) -> None:
    from pipeline.ingest import ingest
    from pipeline.scoring import score_store
    from pipeline.synth import synthesise, truth_dir

    store = folder / "data" / "processed"
    store.mkdir(parents=True, exist_ok=True)
    for sector, years in STRESS_YEARS.items():
        for year, n in years:
            raw = folder / "data" / "raw" / sector / str(year)
            synthesise(sector, year, raw, n=n, seed=seed, form="workbooks")
            got = ingest(sector, year, raw, store, roster=truth_dir(raw) / "roster.csv")
            print(f"{sector} FY{year}: {n} synthesised, {got.counts.get('ingested', 0)} ingested")
    scored = score_store(store)
    print(f"scored: {len(scored.scores):,} scores in {store}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 7)
