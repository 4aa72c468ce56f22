"""The synthetic member universe of each sector: a panel of companies that recur across years.

The universe depends only on (seed, sector), so the same companies (same 法人番号) appear in every
year's roster, with entries and exits; which of them answer in a year depends on (seed, sector, year).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline import catalogs, corporate_number
from pipeline.synth.names import company_names

_SIZE_EMPLOYEES = [(5, 100), (101, 300), (301, 1000), (1001, 10000), (10001, 60000)]
_CAPITAL = ["1,000万円", "3,000万円", "1億円", "10億円", "100億円"]

# (business-type codes, companies in the universe, response propensity, maturity shift)
POWER_MIX = [
    ("TD_GENERAL", 10, 0.98, 1.6),
    ("TRANSMISSION", 3, 0.95, 0.9),
    ("DISTRIBUTION", 3, 0.95, 0.6),
    ("TD_SPECIFIED", 30, 0.85, 0.3),
    ("TD_SPECIFIED RETAIL", 12, 0.85, 0.2),
    ("GENERATION", 620, 0.40, 0.0),
    ("GENERATION WHOLESALE_SPECIFIED", 25, 0.50, 0.1),
    ("GENERATION PRIVATE_FACILITY", 40, 0.35, -0.2),
    ("RETAIL", 420, 0.62, -0.4),
    ("RETAIL GENERATION", 230, 0.60, -0.1),
    ("RETAIL GENERATION WHOLESALE_SPECIFIED", 35, 0.65, 0.1),
    ("WHOLESALE_SPECIFIED", 35, 0.50, -0.3),
]
PERSISTENCE = 0.9  # correlation of a company's willingness to answer from one year to the next
# Within a weighting cell (size band, business type) better-prepared members answer a little more readily:
# response propensity rises by this much per standard deviation of maturity within the cell. Weighting to the
# roster cannot undo it (docs/method.md, "Estimates for the members: weighting"); benchmarks/weighting.py
# measures what is left, and what is left without it (missing at random within cells).
RESPONSE_MATURITY = 0.02


def spec(sector: str) -> dict[str, Any]:
    """The sector's ``synth`` entry of catalogs/sectors.yaml (counts, first year, seed code, file names …)."""
    return catalogs.sector_info(sector)["synth"]


def first_year(sector: str) -> int:
    return int(spec(sector)["first_year"])


def sector_code(sector: str) -> int:
    """Part of every random seed, so the sectors draw independently."""
    return int(spec(sector)["seed_code"])


def default_n(sector: str, year: int) -> int:
    """The published respondent count where there is one, else a gentle extrapolation."""
    known = {int(y): int(n) for y, n in spec(sector)["default_n"].items()}
    if year in known:
        return known[year]
    last = max(known)
    return known[last] + int(spec(sector)["growth"]) * (year - last)


def bases(rng: np.random.Generator, n: int) -> list[str]:
    raw = rng.choice(10**12, size=n * 2, replace=False)[:n]
    return [corporate_number.make(f"{int(b):012d}") for b in raw]


def lifetimes(rng: np.random.Generator, n: int, first: int) -> tuple[np.ndarray, np.ndarray]:
    """Entry and exit years: most established before the first survey, ~4% leave and ~4% join yearly."""
    entry = np.where(rng.random(n) < 0.85, first - 10, first + rng.integers(0, 6, n))
    exit_ = np.where(rng.random(n) < 0.25, first + 1 + rng.integers(0, 8, n), 9999)
    return entry, np.maximum(exit_, entry + 1)


def universe(sector: str, seed: int) -> pd.DataFrame:
    """Every company that is ever a member, with persistent attributes and latent traits."""
    rng = np.random.default_rng([seed, sector_code(sector), 17])
    kind = spec(sector)["universe"]
    if kind == "generic":
        return _generic_universe(rng, sector)
    return with_maturity_response(UNIVERSES[kind](rng, sector))


def with_maturity_response(members: pd.DataFrame, strength: float = RESPONSE_MATURITY) -> pd.DataFrame:
    """``propensity`` raised by ``strength`` per SD of maturity within the member's cell (size band; power: main
    business type), kept in (0.02, 0.98); ``cell_propensity`` is the cell's mean propensity before it: what a
    member's response would be if it depended on its cell alone (automotive propensity also rises with the
    target level, which raises scores too), for benchmarks of answers missing at random within cells."""
    cell = members["main_type"] if "main_type" in members else members["size_band"]
    m = members["maturity"]
    z = ((m - m.groupby(cell).transform("mean")) / m.groupby(cell).transform("std").replace(0, 1)).fillna(0)
    base = members["propensity"]
    return members.assign(cell_propensity=base.groupby(cell).transform("mean"),
                          propensity=(base + strength * z).clip(0.02, 0.98))


def _power_universe(rng: np.random.Generator, sector: str) -> pd.DataFrame:
    rows = []
    for types, count, propensity, shift in POWER_MIX:
        for _ in range(count):
            rows.append((types, propensity, shift))
    df = pd.DataFrame(rows, columns=["business_types", "propensity", "type_shift"])
    n = len(df)
    big = df["business_types"].str.contains("TD_GENERAL|TRANSMISSION|DISTRIBUTION")
    size = np.where(big, rng.choice([3, 4], n, p=[0.4, 0.6]), rng.choice(5, n, p=[0.62, 0.2, 0.1, 0.07, 0.01]))
    lo, hi = np.array(_SIZE_EMPLOYEES).T
    entry, exit_ = lifetimes(rng, n, first_year(sector))
    entry, exit_ = np.where(big, first_year(sector) - 10, entry), np.where(big, 9999, exit_)  # grid operators stay
    return df.assign(
        company_id=np.arange(n),
        corporate_number=bases(rng, n),
        name=company_names(rng, sector, n),
        main_type=df["business_types"].str.split().str[0],
        size_band=[catalogs.size_band_names()[s] for s in size],
        employees=rng.integers(lo[size], hi[size] + 1),
        maturity=df["type_shift"] + 0.35 * (size - 1) + rng.normal(0, 0.7, n),
        drift=rng.normal(0.3, 0.15, n),
        under_construction=rng.random(n) < 0.01,
        habit=rng.normal(size=n),
        entry_year=entry,
        exit_year=exit_,
    ).drop(columns="type_shift")


def _auto_universe(rng: np.random.Generator, sector: str) -> pd.DataFrame:
    n = 6200
    size = rng.choice(5, n, p=[0.45, 0.27, 0.16, 0.10, 0.02])
    target_p = np.array([[0.70, 0.28, 0.02], [0.40, 0.55, 0.05], [0.20, 0.68, 0.12], [0.05, 0.65, 0.30],
                         [0.0, 0.5, 0.5]])
    target = np.array([rng.choice(3, p=target_p[s]) for s in size])
    org = np.where(size == 4, rng.choice(["自工会", "部工会"], n, p=[0.3, 0.7]),
                   np.where(size >= 2, rng.choice(["部工会", "その他"], n, p=[0.3, 0.7]), "その他"))
    industry = rng.choice(spec(sector)["industries"], n)  # a list: an industry listed twice is twice as likely
    industry = np.where(org == "自工会", "完成車", industry)
    lo, hi = np.array(_SIZE_EMPLOYEES).T
    entry, exit_ = lifetimes(rng, n, first_year(sector))
    return pd.DataFrame({
        "company_id": np.arange(n),
        "corporate_number": bases(rng, n),
        "name": company_names(rng, sector, n),
        "member_org": org,
        "industry": industry,
        "size_band": [catalogs.size_band_names()[s] for s in size],
        "employees": rng.integers(lo[size], hi[size] + 1),
        "capital": [_CAPITAL[s] for s in size],
        "target_level": [f"Lv{t + 1}" for t in target],
        "size_index": size,
        "propensity": 0.55 + 0.08 * size + 0.05 * target,
        "maturity": rng.normal(0, 1.0, n),
        "drift": rng.normal(0.15, 0.12, n),
        "habit": rng.normal(size=n),
        "entry_year": entry,
        "exit_year": exit_,
    })


UNIVERSES = {"power": _power_universe, "auto": _auto_universe}
"""The universes with a builder of their own (``synth.universe`` in catalogs/sectors.yaml)."""


def roster(members: pd.DataFrame, year: int) -> pd.DataFrame:
    """The association's member list in a year: everyone who has joined and not yet left."""
    return members[(members["entry_year"] <= year) & (members["exit_year"] > year)].reset_index(drop=True)


def survey_roster(members: pd.DataFrame, year: int, answered: pd.Series, sector: str, seed: int) -> pd.DataFrame:
    """The roster written beside ``answered`` respondents, scaled so that the response rate is the real
    survey's (power ≈ 797 of 1,282) whatever the number of respondents asked for.

    Every respondent stays; members who did not answer are thinned by one uniform draw per company that
    depends only on (seed, sector), so the same companies stay on the roster from year to year and the
    segments keep their order of response rates.
    """
    full = roster(members, year)
    responded = full["company_id"].isin(answered)
    known = {int(y): int(n) for y, n in (spec(sector).get("roster") or {}).items()}
    published = known.get(year) or (known[max(known)] if known else len(full))
    rate = min(1.0, default_n(sector, year) / published)
    others = int(round(responded.sum() / rate)) - int(responded.sum())
    share = min(1.0, others / max(int((~responded).sum()), 1))
    draw = np.random.default_rng([seed, sector_code(sector), 31]).random(len(members))
    u = pd.Series(draw, index=members["company_id"].to_numpy())
    keep = responded | (u.reindex(full["company_id"]).to_numpy() < share)
    return full[keep].reset_index(drop=True)


def respondents(members: pd.DataFrame, year: int, n: int, seed: int) -> pd.DataFrame:
    """Draw exactly n respondents from the year's roster, more likely where propensity is higher.

    Weighted sampling without replacement (keys u**(1/w)), so response rates keep the order of the
    propensities (e.g. 送配電 > 小売 > 発電) while the total matches the published count.
    """
    on_roster = roster(members, year)
    if n > len(on_roster):
        raise ValueError(f"asked for {n} respondents but the {year} roster has only {len(on_roster)} members")
    rng = np.random.default_rng([seed, year, 23])
    weights = on_roster["propensity"].to_numpy() / (1 - on_roster["propensity"].clip(upper=0.995).to_numpy())
    # Habit: who answered last year mostly answers again. A persistent latent plus year noise, turned
    # into uniform draws by rank, keeps the sampling weights exact while the panel stays stable.
    z = PERSISTENCE * on_roster["habit"].to_numpy() + np.sqrt(1 - PERSISTENCE**2) * rng.normal(size=len(on_roster))
    uniform = (np.argsort(np.argsort(z)) + 0.5) / len(z)
    keys = uniform ** (1 / weights)
    chosen = np.sort(np.argsort(-keys)[:n])
    return on_roster.iloc[chosen].reset_index(drop=True)


def _generic_universe(rng: np.random.Generator, sector: str) -> pd.DataFrame:
    """Every company that is ever a member: persistent attributes and latent traits (maturity ~ N(0, 1),
    so a calibrated answer model's first-year rates are its targets), for a sector added as data: everything
    sector-specific comes from its ``synth`` entry of catalogs/sectors.yaml (universe size, industries and
    their weights, the employee range, words for fictional names)."""
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
        "size_band": [catalogs.size_band_of(int(e)) for e in employees],
        "propensity": np.full(n, float(spec.get("propensity", 0.5))),
        "maturity": rng.normal(0, 1.0, n),
        "drift": rng.normal(float(spec.get("drift", 0.1)), 0.05, n),
        "habit": rng.normal(size=n),
        "entry_year": entry,
        "exit_year": exit_,
    })
