"""Whether a report's ★ bottleneck table hides a row its published twin gives back (docs/method.md §5.3c).

    python tools/twin_check.py REPORT_DIR [STORE]     # e.g. reports/auto/all data/processed

Reads ``tables/star_bottlenecks.csv`` of the report folder (what an intruder holds) and prints:

- twin groups (rows of one sector, year and segment citing the same items) with some rows hidden and some
  published: what the protection must never leave (each is listed);
- with ``STORE``: the hidden rows whose true share (from the store's scores, as the report computes it) equals a
  published twin's value — exactly, or to its rounding step where the twin is published rounded — the route an
  intruder used on FY2022–2024.

Exit status 1 where either count is not 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

KEYS = ["sector", "year", "segment", "cited_items"]


def mixed_groups(table: pd.DataFrame) -> pd.DataFrame:
    """The twin groups with both hidden and published rows."""
    t = table.assign(hidden=table["suppressed"].fillna("").ne(""), cited_items=table["cited_items"].fillna(""))
    t = t[t["cited_items"].ne("")]
    g = t.groupby(KEYS)["hidden"].agg(["any", "all", "size"]).reset_index()
    return g[g["size"].gt(1) & g["any"] & ~g["all"]]


def true_shares(store: Path, sector: str, by: str) -> pd.DataFrame:
    """Every bottleneck row's share before protection: (year, segment, node_id) → share_unmet, n_scored."""
    from pipeline.report.data import load
    from pipeline.report.star_tables import unmet_shares

    raw = unmet_shares(load(store, sector, frameworks=["star"], responses=False), by)
    return raw[["year", "segment", "node_id", "share_unmet", "n_scored"]]


def equal_to_twin(table: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Hidden rows whose true share equals a published twin's published value (to 1e-9, or to the 0.01 step where
    the twin is published rounded)."""
    from pipeline.scoring.disclosure_rounding import STEP, to_step

    t = table.merge(truth.rename(columns={"share_unmet": "true", "n_scored": "true_n"}),
                    on=["year", "segment", "node_id"], how="left")
    shown = t[t["suppressed"].fillna("").eq("") & t["share_unmet"].notna()]
    hidden = t[t["suppressed"].fillna("").ne("")]
    out = []
    for _, h in hidden.iterrows():
        twins = shown[(shown["sector"] == h["sector"]) & (shown["year"] == h["year"])
                      & (shown["segment"] == h["segment"]) & (shown["cited_items"] == h["cited_items"])]
        for _, p in twins.iterrows():
            rounded = str(p.get("rounded", "")).lower() == "true"
            same = (abs(float(to_step(h["true"])) - p["share_unmet"]) < STEP / 10 if rounded
                    else abs(h["true"] - p["share_unmet"]) < 1e-9)
            if same:
                out.append({"year": h["year"], "segment": h["segment"], "hidden": h["node_id"],
                            "published": p["node_id"], "value": p["share_unmet"], "exact": not rounded})
    return pd.DataFrame(out, columns=["year", "segment", "hidden", "published", "value", "exact"])


def main(folder: Path, store: Path | None = None) -> int:
    table = pd.read_csv(folder / "tables" / "star_bottlenecks.csv", dtype={"suppressed": str, "segment": str})
    hidden = int(table["suppressed"].fillna("").ne("").sum())
    print(f"{folder}: {len(table)} bottleneck rows, {hidden} hidden, {len(table) - hidden} published")
    mixed = mixed_groups(table)
    print(f"twin groups hidden in part: {len(mixed)}")
    if len(mixed):
        print(mixed.to_string(index=False))
    found = pd.DataFrame()
    if store is not None:
        from pipeline import catalogs

        sector = str(table["sector"].iloc[0])
        by = catalogs.sector_info(sector)["segment"]
        found = equal_to_twin(table, true_shares(store, sector, by))
        rows = found.drop_duplicates(["year", "segment", "hidden"]) if len(found) else found
        print(f"hidden rows equal to a published twin: {len(rows)} "
              f"({int(rows['exact'].sum()) if len(rows) else 0} exact; {len(found)} pairs)")
        if len(found):
            print(found.to_string(index=False))
    return int(bool(len(mixed)) or bool(len(found)))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else None))
