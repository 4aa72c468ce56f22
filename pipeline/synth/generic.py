"""The member universe of a sector added as data: companies with an industry and a head count.

Everything sector-specific comes from the ``synth`` entry of catalogs/sectors.yaml (universe size,
industries and their weights, the employee range, words for fictional names).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.ingest.attributes import size_band_from_employees
from pipeline.synth.names import company_names


def universe(rng: np.random.Generator, sector: str) -> pd.DataFrame:
    """Every company that is ever a member: persistent attributes and latent traits (maturity ~ N(0, 1),
    so a calibrated answer model's first-year rates are its targets)."""
    from pipeline.synth.population import bases, first_year, lifetimes

    spec = catalogs.sector_info(sector)["synth"]
    n = int(spec["members"])
    industries = spec["industries"]
    weights = np.array(list(industries.values()), dtype=float)
    low, high = spec["employees"]
    employees = np.exp(rng.uniform(np.log(low), np.log(high + 1), n)).astype(int).clip(low, high)
    entry, exit_ = lifetimes(rng, n, first_year(sector))
    return pd.DataFrame({
        "company_id": np.arange(n),
        "corporate_number": bases(rng, n),
        "name": company_names(rng, sector, n, spec.get("name_words")),
        "industry": rng.choice(list(industries), n, p=weights / weights.sum()),
        "employees": employees,
        "size_band": [size_band_from_employees(int(e)) for e in employees],
        "propensity": np.full(n, float(spec.get("propensity", 0.5))),
        "maturity": rng.normal(0, 1.0, n),
        "drift": rng.normal(float(spec.get("drift", 0.1)), 0.05, n),
        "habit": rng.normal(size=n),
        "entry_year": entry,
        "exit_year": exit_,
    })
