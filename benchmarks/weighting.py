"""Weighting to the roster against the census truth of the generator, over many seeds.

For each seed: the automotive member universe, a year's respondents (response depends on size band and,
within a band, mildly on maturity: ``population.RESPONSE_MATURITY``; run also without it, so that answers
are missing at random within bands), the roster, and every member's
would-be answers (``pipeline.synth.answers.census_answers``). The members' true all-items mean and Lv2+
share (overall and per size band) are compared with the respondents' mean and with the weighted estimate
(``pipeline.scoring.weights`` + ``pipeline.scoring.weighted``): bias (mean error over seeds, in points),
and how often the 95% interval holds the truth (weighted: stratified with FPC; respondents: mean ± 1.96·sd/√n
and Wilson for shares, as the respondents' tables publish them).

    python benchmarks/weighting.py [--seeds 50] [--n 500] [--year 2024]

No files are written and nothing is ingested: answers are scored as the store would score them.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from pipeline.scoring.respondent import instrument_scale, level_reached, node_scores
from pipeline.scoring.statistics import mean_interval, wilson
from pipeline.scoring.weighted import weighted_mean, weighted_share
from pipeline.scoring.weights import roster_weights
from pipeline.synth import answers as A
from pipeline.synth import population as P
from pipeline.synth.auto import template_for_year

SECTOR = "auto"
ALL = "全体"


def member_scores(census: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per member: the all-items mean (the instrument's implementation rate) and Lv2+ (0/1)."""
    long = census.melt(id_vars="company_id", var_name="item_id", value_name="answer")
    long = long.assign(sector=SECTOR, year=year, respondent_key=long["company_id"].map(lambda c: f"{c:032d}"),
                       template_version=template_for_year(year))
    overall = instrument_scale(long)[["respondent_key", "implementation_rate"]].rename(
        columns={"implementation_rate": "score"})
    lv = level_reached(node_scores(long, SECTOR))
    lv2 = lv[lv["node_id"].eq("Lv2+")][["respondent_key", "score"]].rename(columns={"score": "lv2"})
    return overall.merge(lv2, on="respondent_key", how="left")


def one_seed(seed: int, n: int, year: int, mar: bool) -> list[dict]:
    """Errors and coverage of one seed; ``mar``: response depends on the size band alone (missing at random
    within cells), else also, mildly, on maturity within the band (the generator's default)."""
    members = P.universe(SECTOR, seed)
    if mar:
        members = members.assign(propensity=members["cell_propensity"])
    resp = P.respondents(members, year, n, seed)
    intended = A.intended_answers(SECTOR, resp, members, year, seed)
    roster = P.survey_roster(members, year, resp["company_id"], SECTOR, seed)
    census = A.census_answers(SECTOR, roster, resp, intended, members, year, seed)
    truth = member_scores(census, year)
    key = roster["company_id"].map(lambda c: f"{c:032d}")
    frame = pd.DataFrame({"sector": SECTOR, "year": year, "respondent_key": key, "size_band": roster["size_band"]})
    frame = frame.merge(truth, on="respondent_key")
    answered = frame[frame["respondent_key"].isin(set(resp["company_id"].map(lambda c: f"{c:032d}")))]
    weights, _ = roster_weights(frame, answered.reset_index(drop=True), ["size_band"])
    f = weights.merge(answered[["respondent_key", "size_band", "score", "lv2"]], on="respondent_key")
    rows = []
    for segment in [ALL, *sorted(frame["size_band"].unique())]:
        members_in = frame if segment == ALL else frame[frame["size_band"].eq(segment)]
        inside = pd.Series(True, index=f.index) if segment == ALL else f["size_band"].eq(segment)
        for stat, column in (("all-items mean", "score"), ("Lv2+", "lv2")):
            true = float(members_in[column].mean())
            y = f.loc[inside, column].dropna()
            naive = float(y.mean())
            if column == "score":
                lo, hi = mean_interval(pd.Series([naive]), pd.Series([y.std()]), pd.Series([len(y)]))
                naive_lo, naive_hi = float(lo.iloc[0]), float(hi.iloc[0])
                est, w_lo, w_hi = weighted_mean(f, column, inside)
            else:
                lo, hi = wilson(np.array([y.sum()]), np.array([len(y)]))
                naive_lo, naive_hi = float(lo[0]), float(hi[0])
                est, w_lo, w_hi = weighted_share(f, column, inside)
            rows.append({"seed": seed, "response": "size only (MAR in cells)" if mar else "size + maturity",
                         "statistic": stat, "segment": segment, "truth": true,
                         "respondents": naive, "weighted": est,
                         "covered_respondents": naive_lo <= true <= naive_hi, "covered_weighted": w_lo <= true <= w_hi})
    return rows


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per statistic and segment: bias (points) of both estimates, their RMSE, and interval coverage."""
    r = rows.assign(err_r=(rows["respondents"] - rows["truth"]) * 100, err_w=(rows["weighted"] - rows["truth"]) * 100)
    g = r.groupby(["response", "statistic", "segment"], sort=False)
    return pd.DataFrame({
        "seeds": g.size(),
        "truth": g["truth"].mean() * 100,
        "bias_respondents_pt": g["err_r"].mean(),
        "bias_weighted_pt": g["err_w"].mean(),
        "rmse_respondents_pt": g["err_r"].apply(lambda e: np.sqrt((e**2).mean())),
        "rmse_weighted_pt": g["err_w"].apply(lambda e: np.sqrt((e**2).mean())),
        "coverage_respondents": g["covered_respondents"].mean(),
        "coverage_weighted": g["covered_weighted"].mean(),
    }).round(3).reset_index()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--n", type=int, default=500, help="respondents per seed")
    ap.add_argument("--year", type=int, default=2024)
    args = ap.parse_args()
    warnings.simplefilter("ignore")  # svy's notes on its own archived predecessor and small domains
    t0 = time.perf_counter()
    rows = pd.DataFrame([r for mar in (True, False) for seed in range(args.seeds)
                         for r in one_seed(seed, args.n, args.year, mar)])
    table = summarise(rows)
    print(f"{args.seeds} seeds, {args.n} respondents each, FY{args.year} ({time.perf_counter() - t0:.0f} s)")
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
