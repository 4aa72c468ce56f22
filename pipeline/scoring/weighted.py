"""Estimates for the members: weighted means and shares with design-based 95% intervals.

The design is a stratified sample without replacement from a finite population: strata are the
weighting cells of :mod:`pipeline.scoring.weights`, each stratum's population its members on the
roster (the finite-population correction: a cell where nearly everyone answered is nearly known).
Variances are the Taylor linearisation of the ratio mean (:func:`stratified_mean`, numpy, every
segment and node of a year over one design). It gives svy's numbers without svy's cost per call (a report
asks for some 800 estimates, which through svy take seconds); a design with a one-respondent cell, which svy
pools, goes through svy. A segment is a domain: its estimate keeps the whole design (svy's ``where=``),
so segments that cut across cells get honest intervals too.

One function per statistic: :func:`weighted_mean` (mean score), :func:`weighted_share` (share reaching
a threshold, logit interval), :func:`weighted_segment_stats`, which gives both per segment beside
:func:`pipeline.scoring.segments.segment_stats`, and :func:`weighted_item_shares`, the members' share
implemented per item beside :func:`pipeline.scoring.statistics.item_shares`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.scoring.segments import ALL, with_segment
from pipeline.scoring.statistics import share_threshold
from pipeline.scoring.weights import KEY, kish

WEIGHTED_COLUMNS = ["w_mean", "w_mean_ci_low", "w_mean_ci_high", "w_share_reached", "w_ci_low", "w_ci_high",
                    "n_eff", "deff"]


PROP_CI_TOL = 1e-12  # svy's: a share this close to 0 or 1 has no logit interval


def _sample(frame: pd.DataFrame):
    """An svy sample: stratum = weighting cell, weight, population = the cell's members."""
    import polars as pl
    import svy

    data = pl.from_pandas(frame.reset_index(drop=True))
    return svy.Sample(data, svy.Design(stratum="cell", wgt="weight", pop_size="cell_members", singleton="pool"))


@dataclass(frozen=True)
class Design:
    """One year's stratified design as arrays, built once and shared by every node, segment and statistic:
    stratum codes (0 … H−1, in order of first appearance), weights, per stratum its rows, respondents n_h
    and members N_h."""

    strata: np.ndarray
    weight: np.ndarray
    rows: tuple[np.ndarray, ...]
    n_h: np.ndarray
    members_h: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Design:
        """From rows with ``cell``, ``weight`` and ``cell_members`` (one row per respondent)."""
        codes, uniques = pd.factorize(frame["cell"])
        n_h = np.bincount(codes, minlength=len(uniques)).astype(float)
        members = np.bincount(codes, weights=frame["cell_members"].to_numpy(dtype=float), minlength=len(uniques))
        rows = tuple(np.flatnonzero(codes == h) for h in range(len(uniques)))
        return cls(codes, frame["weight"].to_numpy(dtype=float), rows, n_h, members / n_h)

    @property
    def has_singleton(self) -> bool:
        """A cell of one respondent: no within-cell variance; svy pools such cells (``singleton="pool"``)."""
        return bool((self.n_h < 2).any())


def _sum(values: np.ndarray) -> float:
    """A sum in row order, one addition after another (numpy's own sum adds pairwise): the order svy adds
    in, so the estimates keep svy's last digits and the published tables their bytes."""
    return float(np.cumsum(values)[-1]) if len(values) else 0.0


def stratified_mean(y: np.ndarray, domain: np.ndarray, design: Design) -> tuple[float, float, int]:
    """The weighted mean of ``y`` over ``domain`` (rows where y is NaN left out), its standard error and
    degrees of freedom, for a stratified sample drawn without replacement.

    Taylor linearisation of the ratio Σ w·y / Σ w over the domain: each row's linearised value is
    z = d·w/Σ d·w · (y − ȳ) (d = 1 in the domain, 0 outside, so the domain keeps the whole design), and
    Var = Σ_h n_h/(n_h − 1) · (Σ_i∈h z_i² − n_h·z̄_h²) · (N_h − n_h)/N_h, i.e. the within-cell sum of
    squares with the finite-population correction. Degrees of freedom: the domain's respondents less the
    cells they fall in (svy's rule). The design must have no one-respondent cell. Sums run in row order,
    as svy's do (the same numbers to the last digit in nearly every cell, and within 1e-14 in all).
    """
    y = np.asarray(y, dtype=float)
    used = np.asarray(domain, dtype=bool) & ~np.isnan(y)
    wd = np.where(used, design.weight, 0.0)
    yd = np.where(used, y, 0.0)
    total = _sum(wd)
    est = _sum(wd * yd) / total
    z = wd / total * (yd - est)
    var = 0.0
    for rows, n, members in zip(design.rows, design.n_h, design.members_h, strict=True):
        zh = z[rows]
        zbar = _sum(zh) / n
        var += n / (n - 1.0) * (_sum(zh * zh) - n * zbar * zbar) * ((members - n) / members)
    df = int(used.sum()) - len(np.unique(design.strata[used]))
    return float(est), float(np.sqrt(var)), df


def _interval(est: float, se: float, df: int, share: bool) -> tuple[float, float, float]:
    """(estimate, low, high): a t interval for a mean, a logit one for a share (svy's rules: none at 0 or
    1 or without degrees of freedom; the point itself when the spread is nil), clipped to [0, 1]."""
    from scipy.special import stdtrit

    if df <= 0:
        return est, np.nan, np.nan
    t = float(stdtrit(float(df), 0.975))
    if not share:
        lo, hi = est - t * se, est + t * se
    elif est <= PROP_CI_TOL or est >= 1.0 - PROP_CI_TOL:
        lo = hi = np.nan
    elif se <= PROP_CI_TOL:
        lo = hi = est
    else:
        scale, logit = se / (est * (1.0 - est)), np.log(est / (1.0 - est))
        lo, hi = 1.0 / (1.0 + np.exp(-(logit - t * scale))), 1.0 / (1.0 + np.exp(-(logit + t * scale)))
    return est, max(lo, 0.0), min(hi, 1.0)


def _estimate_arrays(y: np.ndarray, inside: np.ndarray, design: Design, share: bool,
                     frame: pd.DataFrame | None = None) -> tuple[float, float, float]:
    """(estimate, low, high) of y's weighted mean over the rows ``inside``; svy on ``frame`` (cell, weight,
    cell_members) where the design has a one-respondent cell."""
    used = inside & ~np.isnan(y)
    n = int(used.sum())
    if n == 0:
        return (np.nan, np.nan, np.nan)
    values = y[used]
    if n == 1 or (values == values[0]).all():  # one value: no spread to estimate
        v = float(values[0])
        return (v, np.nan, np.nan) if n == 1 else (v, v, v)
    if design.has_singleton:
        assert frame is not None
        return _svy_estimate(frame.assign(_y=y, _in=inside), share)
    return _interval(*stratified_mean(y, inside, design), share=share)


def _svy_estimate(f: pd.DataFrame, share: bool) -> tuple[float, float, float]:
    """svy's estimate of ``_y`` over the rows ``_in`` (the design with one-respondent cells pooled)."""
    import svy

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


def _estimate(frame: pd.DataFrame, y: str, domain: pd.Series | None, share: bool) -> tuple[float, float, float]:
    """(estimate, low, high) of y's weighted mean over the rows of ``domain`` (all rows when None)."""
    values = frame[y].to_numpy(dtype=float)
    inside = np.ones(len(frame), dtype=bool) if domain is None else np.asarray(domain, dtype=bool)
    return _estimate_arrays(values, inside, Design.of(frame), share, frame[["cell", "weight", "cell_members"]])


def weighted_mean(frame: pd.DataFrame, y: str = "score", domain: pd.Series | None = None
                  ) -> tuple[float, float, float]:
    """The members' mean of ``y`` with its 95% interval (stratified, with FPC; Taylor linearisation).

    ``frame`` has one row per respondent: ``y`` (NaN = not scored, left out), ``cell``, ``weight`` and
    ``cell_members``; ``domain`` a boolean per row selecting a segment (the design stays whole)."""
    return _estimate(frame, y, domain, share=False)


def weighted_share(frame: pd.DataFrame, flag: str = "reached", domain: pd.Series | None = None
                   ) -> tuple[float, float, float]:
    """The members' share with ``flag`` = 1 (0/1, NaN left out) and its 95% interval (logit interval:
    inside [0, 1] also near 0 and 1)."""
    return _estimate(frame, flag, domain, share=True)


def weighted_segment_stats(scores: pd.DataFrame, respondents: pd.DataFrame, weights: pd.DataFrame,
                           by: str | None, framework: str, node_id: str | None = None,
                           threshold: float | None = None) -> pd.DataFrame:
    """Per sector × year × node × segment (and 全体): the members' mean score and share reaching
    ``threshold`` (None: each node's own, :func:`~pipeline.scoring.statistics.share_threshold`) with 95%
    intervals, Kish's design effect and effective n of the respondents behind it.

    The rows are those of :func:`~pipeline.scoring.segments.segment_stats` (merge on sector, year,
    framework, node_id, segment); a sector-year without weights gets no row (respondents only).
    """
    sel = scores[scores["framework"].eq(framework)]
    if node_id is not None:
        sel = sel[sel["node_id"].eq(node_id)]
    w = weights[[*KEY, "cell", "weight", "cell_members"]]
    segs = with_segment(respondents[[*KEY, *([by] if by else [])]], by)[[*KEY, "segment"]]
    rows = []
    for (sector, year), wy in w.groupby(["sector", "year"]):
        s = sel[sel["sector"].eq(sector) & sel["year"].eq(year)]
        seg_y = segs[segs["sector"].eq(sector) & segs["year"].eq(year)]
        wy = wy.reset_index(drop=True)
        design = Design.of(wy)
        cells = wy[["cell", "weight", "cell_members"]]
        weight = wy["weight"].to_numpy(dtype=float)
        # respondents numbered once per year (the weighted rows, the scores' and the segments'): every node and
        # segment below is a lookup by number, not a match of key strings
        who = _numbered(wy["respondent_key"], s["respondent_key"], seg_y["respondent_key"])
        segment, found = pd.factorize(seg_y["segment"])  # in order of first appearance
        # one boolean per respondent and segment, built once per year for every node
        masks = {ALL: np.ones(len(wy), dtype=bool)}
        if by:
            masks.update({name: _members(who[2][segment == i], who[3])[who[0]] for i, name in enumerate(found)
                          if name != ALL})
        names = list(masks)
        node, node_ids = pd.factorize(s["node_id"], sort=True)  # the nodes in sorted order, as a groupby's
        score_all = s["score"].to_numpy(dtype=float)
        order = np.argsort(node, kind="stable")
        bounds = np.searchsorted(node[order], np.arange(len(node_ids) + 1))
        for j, node_id in enumerate(node_ids):
            at = order[bounds[j]:bounds[j + 1]]  # the node's score rows, in table order
            score = _first_by_respondent(who[1][at], score_all[at], who[3])[who[0]]
            theta = share_threshold(framework, str(node_id)) if threshold is None else threshold
            reached = np.where(np.isnan(score), np.nan, (score >= theta).astype(float))
            for name in names:
                inside = masks[name]
                m = _estimate_arrays(score, inside, design, False, cells)
                p = _estimate_arrays(reached, inside, design, True, cells)
                deff, n_eff = kish(weight[inside & ~np.isnan(score)])
                rows.append({"sector": sector, "year": int(year), "framework": framework, "node_id": node_id,
                             "segment": name, "w_mean": m[0], "w_mean_ci_low": m[1], "w_mean_ci_high": m[2],
                             "w_share_reached": p[0], "w_ci_low": p[1], "w_ci_high": p[2], "n_eff": n_eff,
                             "deff": deff})
    cols = ["sector", "year", "framework", "node_id", "segment", *WEIGHTED_COLUMNS]
    return pd.DataFrame(rows, columns=cols)


def _numbered(*keys: pd.Series) -> tuple[np.ndarray, ...]:
    """Each series' respondent keys as numbers shared by all of them (0 … K−1), and K last."""
    codes, uniques = pd.factorize(pd.concat([k.reset_index(drop=True) for k in keys], ignore_index=True),
                                  use_na_sentinel=False)
    cuts = np.cumsum([len(k) for k in keys])[:-1]
    return (*np.split(codes, cuts), len(uniques))


def _members(numbers: np.ndarray, k: int) -> np.ndarray:
    """A boolean per respondent number: listed in ``numbers``."""
    out = np.zeros(k, dtype=bool)
    out[numbers] = True
    return out


def _first_by_respondent(numbers: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """Per respondent number the value of its first row (NaN for a respondent without one)."""
    out = np.full(k, np.nan)
    firsts = np.unique(numbers, return_index=True)[1]
    out[numbers[firsts]] = values[firsts]
    return out


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
        people, items, grid = _answer_grid(r["respondent_key"], r["item_id"], flag.to_numpy(dtype=float))
        at = people.get_indexer(wy["respondent_key"])  # each weighted row's respondent (−1: no answers)
        f = wy.loc[at >= 0, ["cell", "weight", "cell_members"]].reset_index(drop=True)
        for item, (est, lo, hi) in _shares(f, grid[at[at >= 0]], items).items():
            rows.append({"sector": sector, "year": int(year), "item_id": item, "w_share_implemented": est,
                         "w_ci_low": lo, "w_ci_high": hi})
    return pd.DataFrame(rows, columns=["sector", "year", "item_id", *ITEM_COLUMNS])


def _answer_grid(respondent: pd.Series, item: pd.Series, flag: np.ndarray) -> tuple[pd.Index, list, np.ndarray]:
    """Respondents (in order of first row), items (sorted) and per respondent and item the first flag that is not
    NaN (NaN where none is): one row per respondent, one column per item."""
    who, people = pd.factorize(respondent, use_na_sentinel=False)
    what, items = pd.factorize(item, sort=True, use_na_sentinel=False)
    grid = np.full((len(people), len(items)), np.nan)
    known = np.flatnonzero(~np.isnan(flag))
    cell = who[known] * len(items) + what[known]
    first = known[np.unique(cell, return_index=True)[1]]
    grid[who[first], what[first]] = flag[first]
    return pd.Index(people), list(items), grid


def _shares(cells: pd.DataFrame, flags: np.ndarray, items: list) -> dict[str, tuple[float, float, float]]:
    """:func:`weighted_share` of each column of ``flags`` (0/1, NaN left out; a row per row of ``cells``: cell,
    weight, cell_members) over every row, over one design built once."""
    design = Design.of(cells)
    everyone = np.ones(len(cells), dtype=bool)
    return {c: _estimate_arrays(np.ascontiguousarray(flags[:, j]), everyone, design, True, cells)
            for j, c in enumerate(items)}
