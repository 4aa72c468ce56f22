"""Estimates for the members: weighted means and shares with design-based 95% intervals.

The design is a stratified sample without replacement from a finite population: strata are the
weighting cells of :mod:`pipeline.scoring.weights`, each stratum's population its members on the
roster (the finite-population correction: a cell where nearly everyone answered is nearly known).
Variances are svy's Taylor linearisation of the ratio mean; no variance formula is written here.
A segment is a domain: its estimate keeps the whole design (svy ``where=``), so segments that cut
across cells get honest intervals too.

One function per statistic: :func:`weighted_mean` (mean score), :func:`weighted_share` (share reaching
a threshold, logit interval), :func:`weighted_segment_stats`, which gives both per segment beside
:func:`pipeline.scoring.segments.segment_stats`, and :func:`weighted_item_shares`, the members' share
implemented per item beside :func:`pipeline.scoring.statistics.item_shares`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.ruleset import level_threshold
from pipeline.scoring.segments import ALL, with_segment
from pipeline.scoring.weights import KEY, kish

WEIGHTED_COLUMNS = ["w_mean", "w_mean_ci_low", "w_mean_ci_high", "w_share_reached", "w_ci_low", "w_ci_high",
                    "n_eff", "deff"]


def _sample(frame: pd.DataFrame):
    """An svy sample: stratum = weighting cell, weight, population = the cell's members."""
    import polars as pl
    import svy

    data = pl.from_pandas(frame.reset_index(drop=True))
    return svy.Sample(data, svy.Design(stratum="cell", wgt="weight", pop_size="cell_members", singleton="pool"))


def _estimate(frame: pd.DataFrame, y: str, domain: pd.Series | None, share: bool) -> tuple[float, float, float]:
    """(estimate, low, high) of y's weighted mean over the rows of ``domain`` (all rows when None)."""
    import svy

    f = frame.assign(_y=frame[y].astype(float), _in=True if domain is None else domain.to_numpy())
    used = f["_in"] & f["_y"].notna()
    if used.sum() == 0:
        return (np.nan, np.nan, np.nan)
    if used.sum() == 1 or f.loc[used, "_y"].nunique() == 1:  # one value: no spread to estimate
        v = float(f.loc[used, "_y"].iloc[0])
        return (v, np.nan, np.nan) if used.sum() == 1 else (v, v, v)
    sample = _sample(f[["cell", "weight", "cell_members", "_y", "_in"]])
    where = svy.col("_in") == True  # noqa: E712 - an svy expression, not a Python comparison
    if share:
        res = sample.estimation.prop("_y", where=where, drop_nulls=True).to_polars().to_pandas()
        row = res[res["_y"].astype(float).eq(1.0)]
        est, lo, hi = (float(row[c].iloc[0]) for c in ("est", "lci", "uci"))
    else:
        res = sample.estimation.mean("_y", where=where, drop_nulls=True).to_polars().to_pandas()
        est, lo, hi = (float(res[c].iloc[0]) for c in ("est", "lci", "uci"))
    return est, max(lo, 0.0), min(hi, 1.0)


def weighted_mean(frame: pd.DataFrame, y: str = "score", domain: pd.Series | None = None
                  ) -> tuple[float, float, float]:
    """The members' mean of ``y`` with its 95% interval (stratified, with FPC; svy Taylor linearisation).

    ``frame`` has one row per respondent: ``y`` (NaN = not scored, left out), ``cell``, ``weight`` and
    ``cell_members``; ``domain`` a boolean per row selecting a segment (the design stays whole)."""
    return _estimate(frame, y, domain, share=False)


def weighted_share(frame: pd.DataFrame, flag: str = "reached", domain: pd.Series | None = None
                   ) -> tuple[float, float, float]:
    """The members' share with ``flag`` = 1 (0/1, NaN left out) and its 95% interval (svy, logit interval:
    inside [0, 1] also near 0 and 1)."""
    return _estimate(frame, flag, domain, share=True)


def weighted_segment_stats(scores: pd.DataFrame, respondents: pd.DataFrame, weights: pd.DataFrame,
                           by: str | None, framework: str, node_id: str | None = None,
                           threshold: float | None = None) -> pd.DataFrame:
    """Per sector × year × node × segment (and 全体): the members' mean score and share reaching
    ``threshold`` with 95% intervals, Kish's design effect and effective n of the respondents behind it.

    The rows are those of :func:`~pipeline.scoring.segments.segment_stats` (merge on sector, year,
    framework, node_id, segment); a sector-year without weights gets no row (respondents only).
    """
    threshold = level_threshold(threshold=threshold)
    sel = scores[scores["framework"].eq(framework)]
    if node_id is not None:
        sel = sel[sel["node_id"].eq(node_id)]
    w = weights[[*KEY, "cell", "weight", "cell_members"]]
    segs = with_segment(respondents[[*KEY, *([by] if by else [])]], by)[[*KEY, "segment"]]
    rows = []
    for (sector, year), wy in w.groupby(["sector", "year"]):
        s = sel[sel["sector"].eq(sector) & sel["year"].eq(year)]
        seg_y = segs[segs["sector"].eq(sector) & segs["year"].eq(year)]
        names = [ALL] + ([v for v in seg_y["segment"].unique() if v != ALL] if by else [])
        for node, sn in s.groupby("node_id"):
            f = wy.merge(sn[[*KEY, "score"]], on=KEY, how="left")
            f["reached"] = np.where(f["score"].notna(), f["score"].ge(threshold), np.nan).astype(float)
            for name in names:
                inside = (pd.Series(True, index=f.index) if name == ALL
                          else f["respondent_key"].isin(set(seg_y.loc[seg_y["segment"].eq(name), "respondent_key"])))
                m = weighted_mean(f, "score", inside)
                p = weighted_share(f, "reached", inside)
                deff, n_eff = kish(f.loc[inside & f["score"].notna(), "weight"])
                rows.append({"sector": sector, "year": int(year), "framework": framework, "node_id": node,
                             "segment": name, "w_mean": m[0], "w_mean_ci_low": m[1], "w_mean_ci_high": m[2],
                             "w_share_reached": p[0], "w_ci_low": p[1], "w_ci_high": p[2], "n_eff": n_eff,
                             "deff": deff})
    cols = ["sector", "year", "framework", "node_id", "segment", *WEIGHTED_COLUMNS]
    return pd.DataFrame(rows, columns=cols)


ITEM_COLUMNS = ["w_share_implemented", "w_ci_low", "w_ci_high"]


def weighted_item_shares(responses: pd.DataFrame, weights: pd.DataFrame, rules=None) -> pd.DataFrame:
    """Per sector, year and item: the members' share implemented among the members it applies to, with its
    95% interval: the respondents' rule of :func:`~pipeline.scoring.statistics.item_shares` (achieved among
    applicable answers, items a sheet lacks counted as missing), each respondent weighted. Rows only for
    sector-years with weights."""
    from pipeline.scoring.rules import complete_items, is_achieved, is_applicable

    rows = []
    for (sector, year), wy in weights.groupby(["sector", "year"]):
        r = responses[responses["sector"].eq(sector) & responses["year"].eq(year)]
        if r.empty:
            continue
        r = complete_items(r, str(sector))
        flag = is_achieved(r["answer"], rules).astype(float).where(is_applicable(r["answer"], rules))
        wide = r.assign(flag=flag).pivot_table(index="respondent_key", columns="item_id", values="flag",
                                               aggfunc="first", dropna=False)
        f = wy[[*KEY, "cell", "weight", "cell_members"]].merge(wide, left_on="respondent_key", right_index=True)
        for item, (est, lo, hi) in _shares(f, list(wide.columns)).items():
            rows.append({"sector": sector, "year": int(year), "item_id": item, "w_share_implemented": est,
                         "w_ci_low": lo, "w_ci_high": hi})
    return pd.DataFrame(rows, columns=["sector", "year", "item_id", *ITEM_COLUMNS])


def _shares(frame: pd.DataFrame, columns: list[str]) -> dict[str, tuple[float, float, float]]:
    """:func:`weighted_share` of many 0/1 columns over every row, in one svy call (one design, one pass:
    about ten times faster than a call per column); a column with fewer than two distinct values follows
    the same rule as :func:`weighted_share`."""
    import polars as pl
    import svy

    out, varied = {}, []
    for c in columns:
        if frame[c].nunique() >= 2:
            varied.append(c)
        else:
            out[c] = _estimate(frame, c, None, share=True)
    if varied:
        data = pl.from_pandas(frame[["cell", "weight", "cell_members", *varied]].reset_index(drop=True)
                              .rename(columns={c: f"y{i}" for i, c in enumerate(varied)}))
        sample = svy.Sample(data, svy.Design(stratum="cell", wgt="weight", pop_size="cell_members",
                                             singleton="pool"))
        names = [f"y{i}" for i in range(len(varied))]
        results = sample.estimation.prop(names, drop_nulls=True)
        for c, name, res in zip(varied, names, results, strict=True):
            t = res.to_polars().to_pandas()
            row = t[t[name].astype(float).eq(1.0)]
            out[c] = (float(row["est"].iloc[0]), max(float(row["lci"].iloc[0]), 0.0),
                      min(float(row["uci"].iloc[0]), 1.0))
    return out
