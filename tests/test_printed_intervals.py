"""Intervals printed beside a rounded value are built from what is printed (docs/method.md §5.4, "Intervals beside
rounded values"; issue 28, round 13).

Each test hands in the exact values behind one printed row for every exact value the print allows, and checks that
the printed intervals are the same for all of them, with the numbers worked by hand from the rule: the lower end
from the printed value's band's low end, the upper from its high end, over the fewest base the row allows, with
the printed SD's upper band end, rounded outward."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.report.star_disclosure import round_star_means
from pipeline.scoring.disclosure_members_share import publish_members_shares
from pipeline.scoring.disclosure_rounding import round_small_base

Z = 1.959964  # the report's 95 % normal quantile (scoring.yaml wilson_z)


def _one_item_row(base: int, count: int) -> pd.DataFrame:
    """A one-item node row of 131 respondents, ``count`` of ``base`` scored implementing it (0/1 scores), with the
    exact statistics the tables carry before protection (the members' equal to the respondents': one cell)."""
    mean = count / base
    sd = float(np.sqrt(mean * (1 - mean) * base / (base - 1)))
    half = Z * sd / np.sqrt(base)
    return pd.DataFrame({"sector": ["auto"], "year": [2024], "node_id": ["RS.MI"], "segment": ["〜100人"],
                         "n": [131], "n_scored": [base], "reached": [count], "mean": [mean], "sd": [sd],
                         "mean_ci_low": [mean - half], "mean_ci_high": [mean + half], "share_reached": [mean],
                         "ci_low": [mean - half], "ci_high": [mean + half], "w_mean": [mean],
                         "w_mean_ci_low": [mean - 0.9 * half], "w_mean_ci_high": [mean + 0.9 * half],
                         "w_share_reached": [mean], "w_ci_low": [mean - 0.9 * half],
                         "w_ci_high": [mean + 0.9 * half], "n_eff": [float(base)], "deff": [1.0],
                         "na_share": [(131 - base) / 131], "suppressed": [""]})


def test_a_one_item_node_row_prints_the_same_intervals_for_every_base_and_count_it_allows():
    """131 respondents, 51 of 131 implemented, none not applicable, published rounded (a one-item node). Every base
    127 … 131 with a count printing 39 % (49/127, 50/127, 50/128, 50/129, 51/130, 51/131, …) prints mean 0.39 and
    sd 0.49, and the same intervals, from the fewest base 131 − 4 = 127:
    mean: 1.96 × 0.495 / √127 = 0.0861; 0.385 − 0.0861 = 0.2989 → 0.29, 0.395 + 0.0861 = 0.4811 → 0.49;
    share: Wilson over 127 at 0.385 reaches down to 0.3049 → 0.30, at 0.395 up to 0.4819 → 0.49.
    The members' intervals rest on the withheld base and the cells' variances: withheld (x). The exact interval
    widened instead ([0.30, 0.48] for 51/131 only) would name the base and count."""
    seen = []
    for base in range(127, 132):
        for count in range(base + 1):
            if np.floor(count / base * 100 + 0.5) != 39:
                continue
            row = round_small_base(_one_item_row(base, count), 5, single=pd.Series([True])).iloc[0]
            seen.append((base, count))
            assert bool(row["rounded"]) and np.isnan(row["n_scored"])
            assert (row["mean"], row["sd"], row["share_reached"]) == (0.39, 0.49, 0.39)
            assert (row["mean_ci_low"], row["mean_ci_high"]) == (0.29, 0.49), (base, count)
            assert (row["ci_low"], row["ci_high"]) == (0.30, 0.49), (base, count)
            assert row[["w_mean_ci_low", "w_mean_ci_high", "w_ci_low", "w_ci_high"]].isna().all()
            assert {"w_mean_ci_low", "w_mean_ci_high", "w_ci_low", "w_ci_high"} <= set(row["_withheld"].split())
    assert (131, 51) in seen and (127, 49) in seen and len(seen) >= 6


def _star(mean: float, sd: float) -> pd.DataFrame:
    """★3 of 10,001人〜 (67 companies judged, one weighting cell: design effect 1) beside the total, FY2023."""
    half = Z * sd / np.sqrt(67)
    return pd.DataFrame({"sector": "auto", "year": 2023, "node_id": "★3", "segment": ["10,001人〜", "全体"],
                         "n": [67.0, 300.0], "n_scored": [67.0, 300.0], "mean": [mean, 0.85], "sd": [sd, 0.2],
                         "mean_ci_low": [mean - half, 0.83], "mean_ci_high": [mean + half, 0.87],
                         "w_mean": [mean, 0.85], "w_mean_ci_low": [mean - 0.8 * half, 0.83],
                         "w_mean_ci_high": [mean + 0.8 * half, 0.87], "n_eff": [67.0, 300.0], "deff": [1.0, 1.0],
                         "share_reached": [0.3, 0.25], "suppressed": ""})


def test_a_rounded_star_mean_leaves_its_whole_band_possible():
    """A ★3 row of 67 companies printed 0.96, sd 0.08 by rule (b) (a ★3 bottleneck row of its segment hidden; slack
    0.005 × 21 × 67 = 7 companies ≥ 4). Whatever its exact mean in [0.955, 0.965) and sd in [0.075, 0.085), the
    printed intervals are the same: 1.96 × 0.085 / √67 = 0.0204; 0.955 − 0.0204 = 0.9346 → 0.93,
    0.965 + 0.0204 = 0.9854 → 0.99; the members' over 67 / 1 (its design effect) likewise. The exact intervals
    widened instead (0.96446 gives [0.94, 0.99], 0.9551 [0.93, 0.98]) would narrow the mean to [0.9634, 0.965)."""
    bottle = pd.DataFrame({"sector": "auto", "year": 2023, "star": 3, "requirement_id": ["1-2-1"],
                           "segment": ["10,001人〜"], "share_unmet": [np.nan], "suppressed": ["split"]})
    printed = set()
    for mean in (0.955, 0.9551, 0.96, 0.96446, 0.9649):
        for sd in (0.075, 0.0751, 0.08, 0.0849):
            row = round_star_means(_star(mean, sd), bottle, {3: 21}, 5).iloc[0]
            assert (row["mean"], row["sd"], bool(row["rounded"])) == (0.96, 0.08, True)
            printed.add((row["mean_ci_low"], row["mean_ci_high"], row["w_mean_ci_low"], row["w_mean_ci_high"]))
    assert printed == {(0.93, 0.99, 0.93, 0.99)}


def test_a_rounded_star_mean_takes_its_members_interval_from_its_cells_design_effect():
    """The same row where 67 of the cell's 71 members answered (weight 71/67): the cells' design effect with the
    finite-population correction is 1 − 67/71 = 4/71 = 0.0563, so the members' interval rests on 67 × 71 / 4 =
    1,189 effective companies: 1.96 × 0.085 / √1189.25 = 0.0048; 0.955 − 0.0048 = 0.9502 → 0.95, 0.965 + 0.0048 =
    0.9698 → 0.97, whatever the exact mean; the respondents' interval stays [0.93, 0.99]."""
    bottle = pd.DataFrame({"sector": "auto", "year": 2023, "star": 3, "requirement_id": ["1-2-1"],
                           "segment": ["10,001人〜"], "share_unmet": [np.nan], "suppressed": ["split"]})
    effects = {(2023, "10,001人〜"): 4 / 71, (2023, "全体"): 0.5}
    printed = set()
    for mean, sd in ((0.955, 0.075), (0.96446, 0.08), (0.9649, 0.0849)):
        row = round_star_means(_star(mean, sd), bottle, {3: 21}, 5, effects).iloc[0]
        printed.add((row["mean_ci_low"], row["mean_ci_high"], row["w_mean_ci_low"], row["w_mean_ci_high"]))
    assert printed == {(0.93, 0.99, 0.95, 0.97)}


def _item(members_share: float, low: float, high: float) -> pd.DataFrame:
    """An item row with its counts printed (200 applicable, 184 implemented) and an exact members' share with the
    logit interval around it."""
    return pd.DataFrame({"sector": ["auto"], "year": [2024], "item_id": ["No.54"], "n_companies": [200],
                         "n_applicable": [200], "n_implemented": [184], "n_not_applicable": [0],
                         "share_implemented": [0.92], "w_share_implemented": [members_share], "w_ci_low": [low],
                         "w_ci_high": [high], "suppressed": [""], "rounded": [False]})


def test_a_members_share_printed_92_percent_gets_one_interval_for_its_whole_band():
    """Two weighting cells of 100 respondents, 2 and 1.8 members per respondent: the cells' design effect
    n·Σ n_h·W_h·(W_h − 1) / (Σ n_h·W_h)² = 200 · (100·2·1 + 100·1.8·0.8) / 380² = 68,800 / 144,400 = 0.4765,
    effective base 419.77. A members' share printed 92 % gets Wilson over it at 0.915 down to 0.8844 → 0.88 and at
    0.925 up to 0.9465 → 0.95,
    whatever the exact share and its exact interval: no logit midpoint of the printed ends points inside
    [0.915, 0.925). The exact intervals widened instead (0.8801 … 0.9474 around 0.9151 → [0.87, 0.96];
    0.8891 … 0.9541 around 0.9249 → [0.88, 0.96]) would tell which end of the band."""
    w = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": [f"r{i}" for i in range(200)],
                      "weight": [2.0] * 100 + [1.8] * 100})
    printed = set()
    for share, low, high in ((0.9151, 0.8801, 0.9474), (0.92, 0.8848, 0.9510), (0.9249, 0.8891, 0.9541)):
        row = publish_members_shares(_item(share, low, high), w, 5).iloc[0]
        assert row["w_share_implemented"] == 0.92
        printed.add((row["w_ci_low"], row["w_ci_high"]))
    assert printed == {(0.88, 0.95)}
