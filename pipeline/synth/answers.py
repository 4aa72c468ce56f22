"""Intended answers (canonical values) for a year's respondents, with known ground truth.

Each answer comes from a latent propensity: company maturity, a persistent company×item effect,
item difficulty, a company-specific yearly improvement and year noise. Persistence makes a
panel: the same company answers mostly the same way next year, a little better on average.
Calibration targets (mission.md) are in the closing note of the synthetic-data issue and tested
in tests/test_synth_calibration.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.synth.auto import template_for_year
from pipeline.synth.population import SECTOR_CODE

AUTO = {
    "size_effect": np.array([-1.45, -0.6, -0.1, 0.2, 0.25]),  # 〜100人 … 10,001人〜
    "target_effect": {"Lv1": 0.0, "Lv2": 1.0, "Lv3": 1.3},
    "level_effect": {"Lv1": 1.35, "Lv2": 0.15, "Lv3": -0.9},
    "maturity_sd": 0.95,
    "item_sd": 0.35,
    "company_item_sd": 0.7,
    "year_noise_sd": 0.45,
    "na_items": {"No.66": 0.2, "No.80": 0.15, "No.82": 0.2, "No.83": 0.2, "No.111": 0.25},
    "na_other": 0.004,
}
POWER = {"base": 0.45, "item_sd": 0.45, "company_item_sd": 0.8, "year_noise_sd": 0.5,
         "implemented_above": 0.35, "partial_above": -0.7}


def _shared_latent(sector: str, resp: pd.DataFrame, members: pd.DataFrame, year: int, seed: int, n_items: int,
                   p: dict, first_year: int) -> np.ndarray:
    """The part of every answer's propensity both instruments share: item difficulty and company×item
    effects that persist across years (seeded by the universe), a company's yearly improvement, and
    year noise (seeded by the year)."""
    code = SECTOR_CODE[sector]
    persistent = np.random.default_rng([seed, code, 29])
    difficulty, company_item = persistent.normal(0, 1, n_items), persistent.normal(0, 1, (len(members), n_items))
    year_rng = np.random.default_rng([seed, code, year, 31])
    return (p["item_sd"] * difficulty[None, :]
            + p["company_item_sd"] * company_item[resp["company_id"].to_numpy()]
            + (resp["drift"].to_numpy() * (year - first_year))[:, None]
            + year_rng.normal(0, p["year_noise_sd"], (len(resp), n_items)))


def auto_answers(resp: pd.DataFrame, members: pd.DataFrame, year: int, seed: int) -> pd.DataFrame:
    """Canonical intended answers (rows: respondents in ``resp`` order, columns: No.1 … No.153), drawn
    on the levels of the form the year's survey sends out."""
    items = catalogs.items_for(template_for_year(year))
    p = AUTO
    cid = resp["company_id"].to_numpy()
    z = (p["size_effect"][resp["size_index"].to_numpy()][:, None]
         + resp["target_level"].map(p["target_effect"]).to_numpy()[:, None]
         + items["level"].map(p["level_effect"]).to_numpy()[None, :]
         + p["maturity_sd"] * resp["maturity"].to_numpy()[:, None]
         + _shared_latent("auto", resp, members, year, seed, len(items), p, 2022))
    out = np.where(z > 0, "implemented", "not_implemented").astype(object)
    na_p = items["item_id"].map(p["na_items"]).fillna(p["na_other"]).to_numpy()
    na_draw = np.random.default_rng([seed, 1, 37]).random((len(members), len(items)))[cid]
    out[na_draw < na_p[None, :]] = "not_applicable"
    return pd.DataFrame(out, columns=items["item_id"].tolist())


def power_applicable(business_types: str, items: pd.DataFrame) -> np.ndarray:
    """Which items apply to a company holding these business types (space-separated codes)."""
    held = set(business_types.split())
    return np.array([a == "all" or bool(held & set(a.split())) for a in items["applies_to"]])


def power_answers(resp: pd.DataFrame, members: pd.DataFrame, year: int, seed: int) -> pd.DataFrame:
    """Canonical intended answers (rows: respondents, columns: the 108 CSF 1.1 item IDs)."""
    items = catalogs.power_items()
    p = POWER
    z = p["base"] + resp["maturity"].to_numpy()[:, None] + _shared_latent("power", resp, members, year, seed,
                                                                          len(items), p, 2024)
    rng = np.random.default_rng([seed, 0, year, 37])
    out = np.select([z > p["implemented_above"], z > p["partial_above"]], ["implemented", "partial"],
                    "not_implemented").astype(object)
    applicable = np.vstack([power_applicable(t, items) for t in resp["business_types"]])
    building = resp["under_construction"].to_numpy()[:, None] & (rng.random(out.shape) < 0.5)
    out[~applicable | building] = "not_applicable"
    return pd.DataFrame(out, columns=items["item_id"].tolist())
