"""The members' estimates computed in numpy (stratified, without replacement, Taylor linearisation): numbers typed
by hand from the formula on a two-cell example, and the same numbers as svy's on a larger design."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.scoring.weighted import Design, stratified_mean, weighted_mean, weighted_share


def _two_cells(y: list[float]) -> pd.DataFrame:
    """Cell a: 4 of 10 members answered (weight 2.5); cell b: 2 of 6 (weight 3)."""
    return pd.DataFrame({"cell": ["a"] * 4 + ["b"] * 2, "weight": [2.5] * 4 + [3.0] * 2,
                         "cell_members": [10] * 4 + [6] * 2, "y": y})


def test_stratified_mean_typed_from_the_formula():
    # a: 0.2 0.4 0.6 0.8; b: 0.5 1.0. Σw = 16, Σwy = 2.5·2.0 + 3·1.5 = 9.5 → 0.59375.
    # z = w(y − 0.59375)/16; within a the deviations from a's mean are 2.5/16 · (−0.3, −0.1, 0.1, 0.3):
    # Σ = 0.15625² · 0.2 = 0.0048828125, × (1 − 4/10) · 4/3 = 0.8 → 0.00390625;
    # b: 3/16 · (±0.25): Σ = 2 · 0.046875² = 0.00439453125, × (1 − 2/6) · 2/1 = 4/3 → 0.005859375.
    # Var = 0.009765625, se 0.0988212; df = 6 respondents − 2 cells = 4.
    f = _two_cells([0.2, 0.4, 0.6, 0.8, 0.5, 1.0])
    est, se, df = stratified_mean(f["y"].to_numpy(), np.ones(6, dtype=bool), Design.of(f))
    assert est == pytest.approx(0.59375, abs=1e-15)
    assert se**2 == pytest.approx(0.009765625, abs=1e-15)
    assert df == 4
    # t(4, 0.975) = 2.7764: 0.59375 ± 2.7764 · 0.0988212 = (0.31938, 0.86812)
    _, lo, hi = weighted_mean(f, "y")
    assert lo == pytest.approx(0.31938, abs=1e-5) and hi == pytest.approx(0.86812, abs=1e-5)


def test_a_domain_keeps_the_whole_design():
    # domain = cell a only: mean 0.5 over Σw = 10; z = 0.25 · (−0.3, −0.1, 0.1, 0.3) in a, 0 in b:
    # Var = 0.8 · 0.0625 · 0.2 = 0.01 (se 0.1); df = 4 respondents in the domain − 1 cell = 3.
    # A y left blank in b (not scored) changes nothing here: it is outside the domain either way.
    f = _two_cells([0.2, 0.4, 0.6, 0.8, 0.5, np.nan])
    est, se, df = stratified_mean(f["y"].to_numpy(), f["cell"].eq("a").to_numpy(), Design.of(f))
    assert (est, df) == (pytest.approx(0.5, abs=1e-15), 3)
    assert se == pytest.approx(0.1, abs=1e-15)


def test_share_logit_interval_typed_from_the_formula():
    # reached: a 1 0 0 1, b 1 0 → (2.5·2 + 3)/16 = 0.5. z: a ±2.5·0.5/16 = ±0.078125 (Σ 0.0244140625, × 0.8),
    # b ±0.09375 (Σ 0.017578125, × 4/3): Var = 0.01953125 + 0.0234375 = 0.04296875, se 0.2072890.
    # logit interval: 0 ± t(4) · se/(0.5 · 0.5) = ± 2.7764 · 0.829156 → 1/(1 + e^±2.30207) = (0.09095, 0.90905)
    f = _two_cells([1, 0, 0, 1, 1, 0])
    est, lo, hi = weighted_share(f, "y")
    assert est == pytest.approx(0.5, abs=1e-15)
    assert lo == pytest.approx(0.09095, abs=1e-5) and hi == pytest.approx(0.90905, abs=1e-5)


def test_no_degrees_of_freedom_no_interval():
    # one respondent of each cell in the domain: 2 respondents − 2 cells = 0 degrees of freedom
    f = _two_cells([0.2, 0.4, 0.6, 0.8, 0.5, 1.0])
    est, lo, hi = weighted_mean(f, "y", pd.Series([True, False, False, False, True, False]))
    assert est == pytest.approx((2.5 * 0.2 + 3 * 0.5) / 5.5)
    assert np.isnan(lo) and np.isnan(hi)


def test_the_same_numbers_as_svy():
    # svy (the library the estimates were first computed with) on 3 cells × 40, a domain and blanks: to 1e-12
    import svy

    from pipeline.scoring.weighted import _sample

    rng = np.random.default_rng(7)
    cell = np.repeat(["a", "b", "c"], 40)
    f = pd.DataFrame({"cell": cell, "weight": np.select([cell == "a", cell == "b"], [2.0, 3.5], 1.2),
                      "cell_members": np.select([cell == "a", cell == "b"], [80, 140], 48),
                      "y": rng.random(120)})
    f.loc[[3, 50, 90], "y"] = np.nan
    f["r"] = np.where(f["y"].isna(), np.nan, f["y"].gt(0.5).astype(float))
    domain = pd.Series(rng.random(120) < 0.6)
    sample = _sample(f.assign(_in=domain))
    where = svy.col("_in") == True  # noqa: E712 - an svy expression
    m = sample.estimation.mean("y", where=where, drop_nulls=True).to_polars()
    p = sample.estimation.prop("r", where=where, drop_nulls=True).to_polars().filter(svy_level_is_one("r"))
    ours_m, ours_p = weighted_mean(f, "y", domain), weighted_share(f, "r", domain)
    for ours, theirs in ((ours_m, m), (ours_p, p)):
        assert np.allclose(ours, [theirs["est"][0], theirs["lci"][0], theirs["uci"][0]], rtol=0, atol=1e-12)


def svy_level_is_one(column: str):
    """svy's row for level 1 of a 0/1 share."""
    import polars as pl

    return pl.col(column).cast(pl.Float64) == 1.0


def test_a_one_respondent_cell_is_flagged_for_svy_pooling():
    f = pd.DataFrame({"cell": ["a", "a", "b"], "weight": [1.0, 1.0, 2.0], "cell_members": [2, 2, 2], "y": [0, 1, 1]})
    assert Design.of(f).has_singleton
    # the estimate itself needs no variance: (1·0 + 1·1 + 2·1)/4 = 0.75, its interval from svy's pooled cells
    assert weighted_mean(f, "y")[0] == pytest.approx(0.75)
    assert not Design.of(_two_cells([0.0] * 6)).has_singleton
