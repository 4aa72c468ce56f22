"""Intended answers (canonical values) for a year's respondents, with known ground truth.

Each answer comes from a latent propensity: company maturity, a persistent company×item effect,
item difficulty, a company-specific yearly improvement and year noise. Persistence makes a
panel: the same company answers mostly the same way next year, a little better on average.
Calibration targets (the published figures of docs/sources.md) are tested in
tests/test_synth_calibration.py and tests/test_scoring_calibration.py.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.synth.auto import template_for_year
from pipeline.synth.population import first_year, sector_code, spec

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
    code = sector_code(sector)
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


# How much of a company's answer on one item its overall maturity explains, its own habit on that item
# (persistent across years) and the year's noise: weights of unit normals, squares summing to 1, so the
# latent is N(0, 1) in the first year and the calibration's rates are met exactly in expectation.
CALIBRATED = {"maturity": 0.75, "company_item": 0.45, "year_noise": 0.4841}


def calibration(sector: str) -> pd.DataFrame:
    """Per item (in the sector's item order): the target shares of implemented, partial, not implemented
    and unknown, from the calibration CSV named in catalogs/sectors.yaml (``synth.calibration``).

    The CSV gives ``implemented_or_partial`` (IPA publishes 実施している + 一部実施している together),
    ``partial_share`` (of those, the part answering 一部実施している) and ``unknown`` (わからない, of all).
    """
    cal = catalogs.synth_calibration(sector).set_index("item_id")
    cal = cal.loc[catalogs.sector_items(sector)["item_id"]]
    either, partial_share, unknown = (cal[c].astype(float) for c in ("implemented_or_partial", "partial_share",
                                                                      "unknown"))
    return pd.DataFrame({"implemented": either * (1 - partial_share), "partial": either * partial_share,
                         "not_implemented": 1 - either - unknown, "unknown": unknown})


def calibrated_answers(sector: str, resp: pd.DataFrame, members: pd.DataFrame, year: int, seed: int) -> pd.DataFrame:
    """Canonical intended answers whose first-year shares per item are the calibration's.

    A Gaussian copula: one N(0, 1) latent per company and item (maturity, persistent company×item
    habit, year noise, plus the company's yearly improvement after the first year), cut at the normal
    quantiles of the target shares: highest implemented, then partial, not implemented, and わからない
    at the bottom (the companies least aware of their own state).
    """
    target = calibration(sector)
    items = target.index.tolist()
    w = CALIBRATED
    code = sector_code(sector)
    persistent = np.random.default_rng([seed, code, 29]).normal(0, 1, (len(members), len(items)))
    noise = np.random.default_rng([seed, code, year, 31]).normal(0, 1, (len(resp), len(items)))
    z = (w["maturity"] * resp["maturity"].to_numpy()[:, None]
         + w["company_item"] * persistent[resp["company_id"].to_numpy()]
         + w["year_noise"] * noise
         + (resp["drift"].to_numpy() * (year - first_year(sector)))[:, None])
    inv = NormalDist().inv_cdf
    cut_impl = np.array([inv(1 - p) for p in target["implemented"].clip(1e-9, 1 - 1e-9)])
    cut_part = np.array([inv(1 - p) for p in (target["implemented"] + target["partial"]).clip(1e-9, 1 - 1e-9)])
    cut_unknown = np.array([inv(p) for p in target["unknown"].clip(1e-9, 1 - 1e-9)])
    out = np.select([z > cut_impl, z > cut_part, z > cut_unknown], ["implemented", "partial", "not_implemented"],
                    "unknown").astype(object)
    return pd.DataFrame(out, columns=items)


MODELS = {"power": power_answers, "auto": auto_answers}
"""Answer models with parameters of their own (``synth.answers`` in catalogs/sectors.yaml)."""


def intended_answers(sector: str, resp: pd.DataFrame, members: pd.DataFrame, year: int, seed: int) -> pd.DataFrame:
    """The sector's answer model: its own, or ``calibrated`` (rates from a calibration CSV) for a sector
    added as data."""
    kind = spec(sector)["answers"]
    if kind == "calibrated":
        return calibrated_answers(sector, resp, members, year, seed)
    return MODELS[kind](resp, members, year, seed)


def census_answers(sector: str, roster: pd.DataFrame, resp: pd.DataFrame, intended: pd.DataFrame,
                   members: pd.DataFrame, year: int, seed: int) -> pd.DataFrame:
    """Every roster member's would-be answers (the census truth that weighting estimates): the model run on
    the respondents followed by the members who did not answer. Random draws run row by row, so the
    respondents' rows are exactly the answers they gave (``intended``, checked); the others answer as the same
    model says they would have. Rows: ``company_id`` then one column per item."""
    silent = roster[~roster["company_id"].isin(resp["company_id"])]
    everyone = pd.concat([resp, silent], ignore_index=True)
    would = intended_answers(sector, everyone, members, year, seed)
    if not would.iloc[: len(resp)].reset_index(drop=True).equals(intended.reset_index(drop=True)):
        raise AssertionError("census answers of respondents differ from their answers: the model's draws changed")
    return would.assign(company_id=everyone["company_id"].to_numpy())
