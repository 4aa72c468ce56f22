"""The sme generator against what it was calibrated to, read back from the store as a user would.

Synthesises one survey year of IPA's self-check (clean files, so no blank or unreadable answers
dilute the shares), ingests it, and prints per item the calibration's target share of
実施している + 一部実施している (``published`` by IPA or ``assumed`` by us) and of 実施している, the
shares in the store, and each gap in binomial standard errors. Exit status 1 when a gap reaches 3 SE.

    python benchmarks/sme_calibration.py [--n 4191] [--year 2024] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.ingest import ingest
from pipeline.synth import answers, synthesise


def compare(responses: pd.DataFrame) -> pd.DataFrame:
    """Per item: targets, shares among the companies that answered it, and gaps in standard errors."""
    target = answers.calibration("sme")
    basis = catalogs.synth_calibration("sme").set_index("item_id")["implemented_or_partial_basis"]
    grouped = responses.groupby("item_id")["answer"]
    n = grouped.size()
    out = pd.DataFrame({"basis": basis, "n": n,
                        "target_either": target["implemented"] + target["partial"],
                        "got_either": grouped.apply(lambda a: a.isin(["implemented", "partial"]).mean()),
                        "target_implemented": target["implemented"],
                        "got_implemented": grouped.apply(lambda a: a.eq("implemented").mean())}).loc[target.index]
    for what in ("either", "implemented"):
        p = out[f"target_{what}"]
        out[f"z_{what}"] = (out[f"got_{what}"] - p) / np.sqrt(p * (1 - p) / out["n"])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4191)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw, store = Path(tmp) / "raw", Path(tmp) / "store"
        synthesise("sme", args.year, raw, n=args.n, seed=args.seed, messy=False, progress=False)
        ingest("sme", args.year, raw, store, progress=False)
        table = compare(pd.read_parquet(store / "responses"))
    with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
        print(table.to_string())
    worst = table[["z_either", "z_implemented"]].abs().max().max()
    print(f"largest gap: {worst:.2f} SE over {len(table)} items × 2 shares")
    return int(worst >= 3)


if __name__ == "__main__":
    sys.exit(main())
