"""Weights from the member roster: estimates for the members, not only for those who answered.

The roster is the population (every member the association asked), the respondents a sample of it
that chose itself. Within a *weighting cell* of the roster (size band for automotive, main business
type for power: ``weight_cells`` in catalogs/sectors.yaml) every respondent stands for
``members ÷ respondents`` members. This assumes that, within a cell, whether a member answered is
unrelated to its score (missing at random within cells); a difference between answering and silent
members of the same cell stays in the estimate. docs/method.md, "Estimates for the members: weighting".

Rules, stated once here:

- **Collapsing**: a cell with fewer than ``min_respondents`` (default 3; never 1) respondents found on
  the roster is merged with its neighbour in the attribute's natural order (size bands small to
  large; other attributes as catalogs or the alphabet order them; 不明 last): the neighbour with fewer
  respondents, the larger one on a tie. Repeated until every cell holds enough, or one cell is left.
- **Unmatched respondents** (not found on the roster: a member that joined after the roster was drawn,
  a written name the roster spells otherwise) are members who answered: they count among the members and
  the respondents of the cell their own answer sheet puts them in (:func:`with_members`, as the response table
  counts them), and the note counts them. Weighting them apart (the cell's roster ÷ its respondents on the
  roster) would make each weight tell how many of a cell's respondents the roster lacks.
- **Raking**: with several attributes, or only the roster's margins (counts per size band and per
  industry, not the joint cells), weights are raked to each margin (svy's iterative proportional
  fitting), starting from members ÷ respondents overall.
- **Trimming**: a weight above ``trim_ratio`` × the median weight (default 3.5) is cut to it and the
  excess spread over the others (svy), so totals still match the roster; the share of the weight moved
  is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import catalogs

KEY = ["sector", "year", "respondent_key"]
UNKNOWN = "不明"
JOIN = "+"  # a collapsed cell is named by its parts: 〜100人+101〜300人
COLUMNS = ["sector", "year", "respondent_key", "cell", "weight", "cell_members", "cell_respondents", "on_roster",
           "cell_attributes"]
MIN_RESPONDENTS = 3
ROSTER_ATTRIBUTES = ("size_band", "main_business_type", "business_types", "industry", "member_org", "target_level")
TRIM_RATIO = 3.5


def _svy():
    """svy, imported only where weights are made or estimated (and without its import-time chatter)."""
    import svy

    return svy


def default_cells(sector: str) -> list[str]:
    """The roster attributes a sector is weighted by (catalogs/sectors.yaml ``weight_cells``)."""
    info = catalogs.sector_info(sector)
    cells = info.get("weight_cells") or ["size_band"]
    return [cells] if isinstance(cells, str) else list(cells)


def natural_order(attr: str, values: Sequence[str], sector: str) -> list[str]:
    """Cells in the order neighbours are found in: size bands small to large, the sector's business types as
    its catalog lists them, other values alphabetically; 不明 last."""
    known: list[str] = []
    if attr == "size_band":
        known = catalogs.size_band_names()
    elif attr in ("main_business_type", "business_types"):
        known = catalogs.business_type_codes(sector)
    rank = {v: i for i, v in enumerate(known)}
    return sorted(set(values), key=lambda v: (v == UNKNOWN, rank.get(v, len(rank)), str(v)))


def cell_of(frame: pd.DataFrame, attr: str) -> pd.Series:
    """Each row's value of ``attr`` as a cell label (business_types: its first code); missing → 不明."""
    values = frame[attr] if attr in frame else pd.Series(None, index=frame.index, dtype=object)
    if attr == "business_types":
        values = values.fillna("").str.split().str[0]
    return values.fillna(UNKNOWN).replace("", UNKNOWN).astype(str)


def collapse(counts: pd.DataFrame, order: Sequence[str], min_respondents: int = MIN_RESPONDENTS) -> dict[str, str]:
    """cell → the (possibly merged) cell it is weighted in, by the rule in the module docstring.

    ``counts`` has one row per cell: ``cell``, ``members``, ``respondents``. A cell no member of which
    answered is merged too (its members must be represented by someone).
    """
    if min_respondents < 2:
        raise ValueError("min_respondents must be at least 2: a weight resting on one answer is that answer")
    resp = dict(zip(counts["cell"], counts["respondents"], strict=True))
    groups = [[c] for c in order if c in resp]
    while len(groups) > 1:
        sizes = [sum(resp[c] for c in g) for g in groups]
        short = [i for i, s in enumerate(sizes) if s < min_respondents]
        if not short:
            break
        i = min(short, key=lambda j: (sizes[j], j))
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(groups)]
        j = min(neighbours, key=lambda j: (sizes[j], -j))  # fewer respondents; the larger band on a tie
        a, b = sorted((i, j))
        groups[a:b + 1] = [groups[a] + groups[b]]
    return {c: JOIN.join(g) for g in groups for c in g}


@dataclass
class WeightingNote:
    """What a report says about one sector-year's weights."""

    sector: str
    year: int
    attrs: list[str]
    cells: list[str]
    collapsed: list[str]
    members: int
    respondents: int
    unmatched: int
    trimmed_share: float
    deff: float
    n_eff: float

    @property
    def response_rate(self) -> float:
        # a respondent the roster does not list is a member who answered (as the response table counts it)
        return self.respondents / (self.members + self.unmatched) if self.members else float("nan")


def kish(weights: pd.Series | np.ndarray) -> tuple[float, float]:
    """Kish's design effect of unequal weights, n·Σw²/(Σw)², and the effective n, (Σw)²/Σw².

    The loss of precision the weights alone cause (a mean of n weighted answers is as precise as one of
    n_eff unweighted ones); svy's design effects are per estimate and need the variance, this one does not.
    """
    w = np.asarray(weights, dtype=float)
    w = w[np.isfinite(w)]
    if len(w) == 0 or w.sum() <= 0:  # nobody behind it: not assessed, not "0 effective companies"
        return float("nan"), float("nan")
    n_eff = w.sum() ** 2 / (w**2).sum()
    return len(w) / n_eff, n_eff


def trim(weights: pd.Series, ratio: float = TRIM_RATIO) -> tuple[pd.Series, float]:
    """Weights above ``ratio`` × their median cut to it, the excess spread over the others (svy), so the
    total is kept; returns the new weights and the share of the total weight moved."""
    if ratio is None or not np.isfinite(ratio) or len(weights) < 2:
        return weights, 0.0
    if (weights > ratio * weights.median()).sum() == 0:
        return weights, 0.0
    svy = _svy()
    import polars as pl

    sample = svy.Sample(pl.DataFrame({"w": weights.to_numpy(dtype=float)}), svy.Design(wgt="w"))
    out = sample.weighting.trim(upper=svy.Threshold("median", ratio), redistribute=True, min_cell_size=2,
                               wgt_name="trimmed")
    new = pd.Series(out.data["trimmed"].to_numpy(), index=weights.index)
    moved = float((weights - new).clip(lower=0).sum() / weights.sum())
    return new, moved


def rake(frame: pd.DataFrame, margins: Mapping[str, Mapping[str, float]], start: pd.Series | None = None
         ) -> pd.Series:
    """Weights matching every margin (attribute → level → members), by svy's raking, from ``start``
    (default: members ÷ respondents overall). Levels the data hold but a margin lacks are refused by svy."""
    import polars as pl

    svy = _svy()
    total = float(sum(next(iter(margins.values())).values()))
    w0 = start if start is not None else pd.Series(total / len(frame), index=frame.index)
    data = pl.DataFrame({**{a: frame[a].astype(str).tolist() for a in margins}, "w0": w0.to_numpy(dtype=float)})
    controls = {a: {str(k): float(v) for k, v in m.items()} for a, m in margins.items()}
    out = svy.Sample(data, svy.Design(wgt="w0")).weighting.rake(controls=controls, wgt_name="raked")
    return pd.Series(out.data["raked"].to_numpy(), index=frame.index)


def with_members(roster: pd.DataFrame, respondents: pd.DataFrame, columns: Sequence[str] = ()) -> pd.DataFrame:
    """Every member of each sector-year with a roster: the roster's rows (key and ``columns``), then each
    respondent of that sector-year the roster does not list, with ``columns`` from its own sheet.

    The one statement of the rule: a respondent off the roster is a member who answered (docs/method.md §11,
    "Respondents not on the roster"), so it counts among its segment's members and respondents alike. The
    response tables' members (:func:`pipeline.scoring.segments.response_rates`), the cells the small-cell merge
    compares, the cells weighted and the raking margins (:func:`members_per`) all count members here.
    """
    cols = [*KEY, *columns]
    listed = roster[cols].drop_duplicates(KEY)
    years = listed[["sector", "year"]].drop_duplicates()
    resp = respondents[[c for c in cols if c in respondents]].drop_duplicates(KEY).merge(years, on=["sector", "year"])
    off = resp.merge(listed[KEY].assign(_listed=True), on=KEY, how="left")
    off = off[off["_listed"].isna()].drop(columns="_listed")
    return pd.concat([listed, off], ignore_index=True)


def members_per(column: str, members: pd.DataFrame, respondents: pd.DataFrame) -> pd.Series:
    """Members per value of ``column`` (:func:`with_members`: the off-roster respondents among them), by value.

    Every weight is then the cell's members ÷ respondents as the response table publishes them, and no
    weight tells how many are off the roster.
    """
    return with_members(members, respondents, [column])[column].value_counts().sort_index()


def _cell_label(frame: pd.DataFrame, attrs: list[str]) -> pd.Series:
    """Each row's weighting cell: its attributes' values joined by " × " (column by column, not a Python call per
    row: a year's roster has thousands of members)."""
    label = frame[attrs[0]].astype(str)
    for attr in attrs[1:]:
        label = label + " × " + frame[attr].astype(str)
    return label


def _one(roster: pd.DataFrame, respondents: pd.DataFrame, attrs: list[str], min_respondents: int,
         trim_ratio: float | None) -> tuple[pd.DataFrame, WeightingNote]:
    """Weights of one sector-year (see :func:`roster_weights`)."""
    sector, year = str(roster["sector"].iloc[0]), int(roster["year"].iloc[0])
    on_roster = respondents["respondent_key"].isin(set(roster["respondent_key"]))
    # a respondent's cell is what the roster says of it; an unmatched one's, what its own sheet says
    members = roster.assign(**{a: cell_of(roster, a) for a in attrs})
    own = respondents.assign(**{a: cell_of(respondents, a) for a in attrs})
    listed = own[KEY].merge(members[[*KEY, *attrs]], on=KEY, how="left")
    resp = own[KEY].copy()
    for a in attrs:
        resp[a] = listed[a].where(on_roster.to_numpy(), own[a].to_numpy()).to_numpy()
    resp["on_roster"] = on_roster.to_numpy()
    merged: dict[str, dict[str, str]] = {}
    collapsed: list[str] = []
    for a in attrs:
        counts = pd.DataFrame({"members": members_per(a, members, resp),
                               "respondents": resp[a].value_counts()}).fillna(0)
        counts = counts.rename_axis("cell").reset_index()
        order = natural_order(a, [*counts["cell"], *resp[a]], sector)
        counts = counts.set_index("cell").reindex(order, fill_value=0).rename_axis("cell").reset_index()
        merged[a] = collapse(counts, order, min_respondents)
        collapsed += sorted({c for c in merged[a].values() if JOIN in c})
        members[a] = members[a].map(merged[a])
        resp[a] = resp[a].map(merged[a])
    members["cell"], resp["cell"] = _cell_label(members, attrs), _cell_label(resp, attrs)
    n_members = members_per("cell", members, resp)
    n_resp = resp.groupby("cell").size()
    if len(attrs) == 1:  # the cells are the roster's own: members ÷ respondents
        w = resp["cell"].map(n_members / n_resp)
    else:  # several attributes: rake every respondent to each one's margin of members
        w = rake(resp, {a: members_per(a, members, resp).to_dict() for a in attrs})
    w, moved = trim(w, trim_ratio) if trim_ratio else (w, 0.0)
    deff, n_eff = kish(w)
    out = resp.assign(sector=sector, year=year, weight=w.to_numpy(), cell_attributes=" ".join(attrs),
                      cell_members=resp["cell"].map(n_members).fillna(0).astype(int),
                      cell_respondents=resp.groupby("cell")["respondent_key"].transform("size"))
    note = WeightingNote(sector, year, attrs, sorted(members["cell"].unique()), collapsed, int(len(members)),
                         int(len(resp)), int((~resp["on_roster"]).sum()), moved, deff, n_eff)
    return out[COLUMNS], note


def roster_weights(roster: pd.DataFrame | None, respondents: pd.DataFrame, attrs: Sequence[str] | None = None,
                   min_respondents: int = MIN_RESPONDENTS, trim_ratio: float | None = TRIM_RATIO
                   ) -> tuple[pd.DataFrame, list[WeightingNote]]:
    """One weight per respondent of every sector-year that has a roster, and what to say about them.

    Columns: sector, year, respondent_key, cell (the weighting cell, merged cells joined by '+'), weight,
    cell_members (the cell's members, the finite population of its stratum), cell_respondents, on_roster,
    cell_attributes (the roster attributes the cells come from, space-separated: size_band, or size_band industry
    when raked to both margins).
    A sector-year without a roster gets no rows: its reports describe the respondents only.
    """
    parts, notes = [], []
    if roster is None or roster.empty or respondents.empty:
        return pd.DataFrame(columns=COLUMNS), notes
    for (sector, year), r in roster.groupby(["sector", "year"], sort=True):
        resp = respondents[respondents["sector"].eq(sector) & respondents["year"].eq(year)]
        if resp.empty:
            continue
        cells = list(attrs) if attrs else default_cells(str(sector))
        absent = [a for a in cells if a not in r or r[a].isna().all()]
        if attrs and absent:  # asked for by name: say so rather than weight everyone alike
            held = ", ".join(c for c in ROSTER_ATTRIBUTES if c in r and r[c].notna().any())
            raise ValueError(f"the {sector} FY{year} roster has no {', '.join(absent)} to weight by "
                             f"(its attributes: {held})")
        out, note = _one(r, resp.reset_index(drop=True), cells, min_respondents, trim_ratio)
        parts.append(out)
        notes.append(note)
    return (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)), notes


def merge_onto_published_rows(weights: pd.DataFrame, segment_of: Mapping[str, str], order: Sequence[str],
                              withheld: set[str], total_published: bool) -> tuple[pd.DataFrame, bool]:
    """One sector-year's weights with its cells merged until every cell's response row rests on published rows,
    and whether they all do (docs/method.md §12.4a, "Weighting cells on published rows").

    Every members' total is one equation in the cells' weights, members ÷ respondents on the roster; the many
    totals of a year solve them. A weight is safe to let out where the cell's members and respondents can be read
    from the published response table anyway: its segments' rows are all published, or it is what the published
    total leaves once the published rows are taken away. So:

    - cells are first joined where they share a segment (``segment_of``: a cell's attribute value → the report's
      segment, after the recode of small segments), so that each group is a union of whole segments;
    - a group holding a segment whose row is ``withheld`` is merged with every group in ``order`` (the attribute's
      natural order: size bands small to large) from the first such group to the last, adjacent neighbours
      only; with the total's row published, that span's row is the total less the published rows;
    - with the total withheld, or one group left, the weights do not rest on published rows (False) and are
      returned as they are: the members' totals stay withheld (rule 2).

    Within a merged cell every respondent weighs the cell's members ÷ its respondents (a respondent the roster
    does not list counts as a member who answered); the cell is named by its parts joined by '+'.
    """
    if weights.empty:
        return weights, True
    parts = {c: c.split(JOIN) for c in weights["cell"].unique()}
    rank = {v: i for i, v in enumerate(order)}
    cells = sorted(parts, key=lambda c: min(rank.get(p, len(rank)) for p in parts[c]))
    # join cells that share a segment (union of whole segments), keeping the natural order
    groups: list[list[str]] = []
    for c in cells:
        segs = {segment_of.get(p, p) for p in parts[c]}
        hit = [g for g in groups if segs & {segment_of.get(p, p) for x in g for p in parts[x]}]
        if hit:
            keep = hit[0]
            for g in hit[1:]:
                keep += g
                groups.remove(g)
            keep.append(c)
        else:
            groups.append([c])
    bad = [i for i, g in enumerate(groups)
           if {segment_of.get(p, p) for x in g for p in parts[x]} & set(withheld)]
    if bad and not total_published:
        return weights, False
    if bad:
        first, last = bad[0], bad[-1]
        groups[first:last + 1] = [[c for g in groups[first:last + 1] for c in g]]
    if len(groups) < 2:
        return weights, False
    out = weights.copy()
    for g in groups:
        if len(g) < 2:
            continue
        rows = out["cell"].isin(g)
        members = int(sum(int(out.loc[rows & out["cell"].eq(c), "cell_members"].iloc[0]) for c in g))
        name = JOIN.join(p for c in g for p in parts[c])
        out.loc[rows, "weight"] = members / int(rows.sum())
        out.loc[rows, "cell_members"] = members
        out.loc[rows, "cell_respondents"] = int(rows.sum())
        out.loc[rows, "cell"] = name
    return out, True
