"""A store built to stress disclosure control: few respondents per year, so segments are small (power's eight
business types hold 1–10 companies each; automotive's size bands 1–15), groups near-uniform (送配電 reaches
nearly everything; the smallest automotive companies reach almost nothing), few-item nodes (RC.RP: 1 item)
stand beside their function, and one respondent a year is off the member roster (the roster given to ingest
leaves it out, as a real roster misses a newcomer).

    python tools/stress_store.py FOLDER [SEED]
    python tools/stress_run.py FOLDER          # score, every report, sdw audit on each folder

Writes FOLDER/data/raw (synthetic submissions) and FOLDER/data/processed (the store, scored); then
``SDW_HOME=FOLDER sdw report --sector all`` and ``sdw audit FOLDER/reports/...`` check what is published.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

STRESS_YEARS = {
    "power": [(2024, 45), (2025, 50), (2026, 55)],
    "auto": [(2022, 44), (2023, 40), (2024, 36)],
}


def without_one_respondent(roster: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, str]:
    """The roster less one company that answered (the ingest then finds one respondent off the roster) and that
    company's id. Which one is drawn from the respondents by ``seed`` alone, so a store is rebuilt the same."""
    answered = roster.loc[roster["responded"].astype(bool), "company_id"].sort_values().to_numpy()
    if len(answered) == 0:
        raise ValueError("the roster lists no company that answered: no respondent can be left off it")
    gone = answered[seed % len(answered)]
    return roster[roster["company_id"].ne(gone)].reset_index(drop=True), str(gone)


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
            truth = truth_dir(raw)
            short, gone = without_one_respondent(pd.read_csv(truth / "roster.csv"), seed + year)
            short.to_csv(truth / "roster_short.csv", index=False)
            got = ingest(sector, year, raw, store, roster=truth / "roster_short.csv")
            print(f"{sector} FY{year}: {n} synthesised, {got.counts.get('ingested', 0)} ingested, "
                  f"company {gone} left off the roster")
    scored = score_store(store)
    print(f"scored: {scored.rows:,} scores in {store}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 7)
