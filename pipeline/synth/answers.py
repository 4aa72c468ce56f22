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


def _persistent(seed: int, sector: str, n_companies: int, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """Item difficulty and company×item effects that do not change between years."""
    rng = np.random.default_rng([seed, 0 if sector == "power" else 1, 29])
    return rng.normal(0, 1, n_items), rng.normal(0, 1, (n_companies, n_items))


def auto_answers(resp: pd.DataFrame, members: pd.DataFrame, year: int, seed: int) -> pd.DataFrame:
    """Canonical intended answers (rows: respondents in ``resp`` order, columns: No.1 … No.153)."""
    items = catalogs.auto_items()
    p = AUTO
    difficulty, company_item = _persistent(seed, "auto", len(members), len(items))
    rng = np.random.default_rng([seed, 1, year, 31])
    cid = resp["company_id"].to_numpy()
    years_in = year - 2022
    z = (p["size_effect"][resp["size_index"].to_numpy()][:, None]
         + resp["target_level"].map(p["target_effect"]).to_numpy()[:, None]
         + items["level"].map(p["level_effect"]).to_numpy()[None, :]
         + p["maturity_sd"] * resp["maturity"].to_numpy()[:, None]
         + p["item_sd"] * difficulty[None, :]
         + p["company_item_sd"] * company_item[cid]
         + (resp["drift"].to_numpy() * years_in)[:, None]
         + rng.normal(0, p["year_noise_sd"], (len(resp), len(items))))
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
    difficulty, company_item = _persistent(seed, "power", len(members), len(items))
    rng = np.random.default_rng([seed, 0, year, 31])
    cid = resp["company_id"].to_numpy()
    z = (p["base"] + resp["maturity"].to_numpy()[:, None]
         - p["item_sd"] * difficulty[None, :]
         + p["company_item_sd"] * company_item[cid]
         + (resp["drift"].to_numpy() * (year - 2024))[:, None]
         + rng.normal(0, p["year_noise_sd"], (len(resp), len(items))))
    out = np.select([z > p["implemented_above"], z > p["partial_above"]], ["implemented", "partial"],
                    "not_implemented").astype(object)
    applicable = np.vstack([power_applicable(t, items) for t in resp["business_types"]])
    building = resp["under_construction"].to_numpy()[:, None] & (rng.random(out.shape) < 0.5)
    out[~applicable | building] = "not_applicable"
    return pd.DataFrame(out, columns=items["item_id"].tolist())
