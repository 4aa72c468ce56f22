"""Item rows with few "not applicable" answers: the share published rounded, its base withheld.

An item's share implemented is taken over the companies it applies to (``n_applicable`` of the year's
``n_companies``); the rest said "not applicable". Where that rest is 1–4 companies, publishing
``n_applicable`` counts them (n_companies − n_applicable), and so does an exact share: 120/295 has one
denominator near 297. Hiding those rows whole would withhold three item rows in four on the demo; so, as
statistical agencies publish small bases, every item row whose not-applicable
count is below k — **0 included**, so that the form of a row says "0–4", five possible counts, never "1–4" —
is published *rounded*:

- the share implemented, the mean points and the members' share to whole percent (0.01) (the members' share and
  its interval: :mod:`~pipeline.scoring.disclosure_members_share`);
- the share's 95% interval computed from what is printed (:func:`printed_share_interval` over the fewest
  companies it may rest on, n_companies − (k − 1)), so neither its ends nor its width tell the exact share or
  the base;
- ``n_applicable``, ``n_implemented``, ``n_not_applicable``, ``na_share`` and the design effect withheld
  (the mark x), with ``rounded`` True.

A row is rounded only where every one of the k possible bases n_companies − (k − 1) … n_companies stays
consistent with each rounded value (:func:`keeps_every_base`: some whole count of implemented answers, or of
half points, gives it); otherwise — only with fewer than about 100 companies — it is hidden whole. The
cost in accuracy: a rounded share is within 0.5 percentage points of the true one. docs/method.md §5.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from pipeline.ruleset import wilson_z
from pipeline.scoring.disclosure_weights import name_withheld, withhold_cells
from pipeline.scoring.statistics import wilson

ROUNDING = "rounding"  # the reason of a row hidden because its rounded values would rule out a base
ROUNDED = "rounded"  # published column: True where the row's shares are rounded and its base withheld
STEP = 0.01  # whole percent
STEPS_PER_UNIT = 100  # 1 / STEP as a whole number: k / 100 is the double nearest k %, k * 0.01 may not be (0.82…01)
ROUNDED_STATS = ("share_implemented", "mean_points", "w_share_implemented")
MEMBERS_SHARE_INTERVAL = ("w_ci_low", "w_ci_high")  # rebuilt from the printed members' share, or withheld
WITHHELD = ("n_applicable", "n_implemented", "n_not_applicable", "na_share", "n_eff", "deff")
GRID = {"share_implemented": 1, "mean_points": 2}  # whole answers; half points (implemented 1, partial 0.5)


def to_step(value: pd.Series | np.ndarray | float) -> np.ndarray:
    """Values rounded half up to :data:`STEP` (exact in decimal: 0.125 → 0.13)."""
    v = np.asarray(value, dtype=float)
    return np.floor(v / STEP + 0.5 + 1e-9) / STEPS_PER_UNIT


def band_ends(value: float) -> tuple[float, float]:
    """The ends of the band of exact values that print as ``value`` to whole percent, [v − ½ step, v + ½ step),
    within [0, 1]."""
    return max(0.0, float(value) - STEP / 2), min(1.0, float(value) + STEP / 2)


def outward(low: float, high: float) -> tuple[float, float]:
    """An interval's ends rounded outward to whole percent, within [0, 1]."""
    return (max(0.0, float(np.floor(low / STEP + 1e-9)) / STEPS_PER_UNIT),
            min(1.0, float(np.ceil(high / STEP - 1e-9)) / STEPS_PER_UNIT))


def printed_interval(value: float, interval_at: Callable[[float], tuple[float, float]]) -> tuple[float, float]:
    """THE interval printed beside a rounded value: computed from what is printed, never from the exact value.

    ``interval_at(v)`` is the 95 % interval a statistic equal to ``v`` would have, built from printed quantities
    only (a printed or fewest base, a printed spread's upper band end). The lower end is that of the printed
    value's band's low end, the upper end that of its high end, rounded outward: every exact value the print
    allows lies inside, and the interval is the same whichever of them is true, so its ends and its width give
    back nothing the printed value does not (docs/method.md §5.4, "Intervals beside rounded values")."""
    low, high = band_ends(value)
    return outward(interval_at(low)[0], interval_at(high)[1])


def printed_mean_interval(mean: float, sd: float, base: float, z: float | None = None) -> tuple[float, float]:
    """:func:`printed_interval` of a mean printed to whole percent with its SD printed to whole percent:
    v ± z·(sd + ½ step)/√base (the SD's upper band end) over ``base`` companies (the printed base, the fewest a
    withheld one allows, or an effective base). NaN where a value is missing or the base is below 2."""
    if any(x != x for x in (mean, sd, base)) or base < 2:
        return float("nan"), float("nan")
    half = wilson_z(z) * (float(sd) + STEP / 2) / np.sqrt(float(base))
    return printed_interval(float(mean), lambda v: (v - half, v + half))


def printed_share_interval(share: float, base: float) -> tuple[float, float]:
    """:func:`printed_interval` of a share printed to whole percent: the Wilson interval (method §6) of each
    band end over ``base`` companies (the fewest a withheld base allows, or an effective base). NaN where the
    share is missing or the base below 1."""
    if share != share or base != base or base < 1:
        return float("nan"), float("nan")

    def at(v: float) -> tuple[float, float]:
        low, high = wilson(np.array([v * base]), np.array([float(base)]))
        return float(low[0]), float(high[0])

    return printed_interval(float(share), at)


def keeps_every_base(value: float, whole: int, k: int, grid: int = 1) -> bool:
    """Whether each base b in whole − (k − 1) … whole has a whole count a (of 1/``grid`` units) with a / (grid · b)
    rounding to ``value``: then the rounded value cannot tell how many companies found the item not applicable."""
    for b in range(max(1, whole - k + 1), whole + 1):
        units = grid * b
        lo = int(np.ceil((value - STEP / 2) * units - 1e-9))
        hi = int(np.floor((value + STEP / 2) * units + 1e-9))
        if not any(0 <= a <= units and abs(float(to_step(a / units)) - value) < 1e-9 for a in range(lo, hi + 1)):
            return False
    return True


def counts_behind(value: float, whole: int, k: int) -> tuple[int, int] | None:
    """The fewest and most whole counts a over any base b in whole − (k − 1) … whole with a / b rounding to
    ``value``: what an intruder learns of a rounded share's count (None: no count fits). Over a base of about a
    hundred a whole percent spans about one company, so the count is usually exact: 10 % of 108 … 112 is 11.
    """
    found = [a for b in range(max(1, whole - k + 1), whole + 1)
             for a in range(int(np.ceil((value - STEP / 2) * b - 1e-9)), int(np.floor((value + STEP / 2) * b + 1e-9))
                            + 1)
             if 0 <= a <= b and abs(float(to_step(a / b)) - value) < 1e-9]
    return (min(found), max(found)) if found else None


def round_small_not_applicable(protected: pd.DataFrame, raw: pd.DataFrame, k: int,
                               n_col: str = "n_applicable", whole_col: str = "n_companies") -> pd.DataFrame:
    """The protected item table with every row whose not-applicable count is below k published rounded (see the
    module), where its other rules allow it: at least k applicable, at least k on each side of implemented.

    ``raw`` is the same table before protection (same index). Rows hidden for another reason stay hidden; a row
    hidden only because 1–4 found the item not applicable is published rounded where rounding keeps every base
    possible, else stays hidden; a published row with none not applicable is rounded likewise (else hidden)."""
    out = protected.copy()
    out[ROUNDED] = False
    n = pd.to_numeric(raw[n_col], errors="coerce")
    whole = pd.to_numeric(raw[whole_col], errors="coerce")
    done = pd.to_numeric(raw.get("n_implemented", pd.Series(np.nan, index=raw.index)), errors="coerce")
    few_na = (whole - n).between(0, k - 1) & n.ge(k)
    sides_ok = done.ge(k) & (n - done).ge(k)
    reason = out["suppressed"].fillna("")
    # hidden for the not-applicable count alone: published before, or hidden as 'split' with both sides ≥ k
    eligible = few_na & sides_ok & (reason.eq("") | reason.eq("split"))
    for i in out.index[eligible.to_numpy()]:
        values = {c: float(to_step(raw.at[i, c])) for c in ROUNDED_STATS if c in raw and pd.notna(raw.at[i, c])}
        fine = all(keeps_every_base(values[c], int(whole.loc[i]), k, g) for c, g in GRID.items() if c in values)
        if not fine:
            if reason.loc[i] == "":
                out = _hide_row(out, i)
            continue
        for c, v in values.items():
            out.at[i, c] = v
        for col in MEMBERS_SHARE_INTERVAL:  # built from the printed members' share (publish_members_shares) or x
            if col in out:
                out.at[i, col] = np.nan
        if "share_implemented" in values:
            out.at[i, "ci_low"], out.at[i, "ci_high"] = printed_share_interval(values["share_implemented"],
                                                                               whole.loc[i] - k + 1)
        for c in WITHHELD:
            if c in out:
                out.at[i, c] = np.nan
        out.at[i, "suppressed"] = ""
        out.at[i, ROUNDED] = True
    return out


def _hide_row(table: pd.DataFrame, index: object) -> pd.DataFrame:
    """Hide one row because rounding cannot keep every base (statistics and counts blank, as protection leaves
    them), with the reason :data:`ROUNDING`: not 'split', which tells the interval solver that fewer than k
    companies lie on one side of the share — a row hidden here may hold many on both (15 of 84 failing)."""
    from pipeline.scoring.disclosure import PART_COUNTS, STAT_COLUMNS

    out = table.copy()
    cols = [c for c in [*STAT_COLUMNS, *ROUNDED_STATS, *WITHHELD, *PART_COUNTS, "ci_low", "ci_high"] if c in out]
    out.loc[index, list(dict.fromkeys(cols))] = np.nan
    out.loc[index, "suppressed"] = ROUNDING
    return out


# The general base rule: any published row that prints its respondents (n) beside a
# smaller base (companies scored, judged or applicable) counts, in the difference, the companies that left the
# base. Where that difference is 1 … k − 1 the row is published the rounded way: shares and means to whole
# percent, the base and whatever else gives it away withheld, the respondents' intervals from printed values
# (:func:`printed_interval`), the members' intervals withheld. A node or ★
# requirement resting on one item is the item seen again: its row is rounded wherever the item's is (a
# difference of 0 … k − 1, 0 included, as the item rule does), so the two rows publish the same rounded values.
BASE_ROUNDED = ("mean", "sd", "share_reached", "share_unmet", "share_distance", "w_mean", "w_share_reached")
MEMBERS_INTERVALS = ("w_mean_ci_low", "w_mean_ci_high", "w_ci_low", "w_ci_high")
# whole counts of companies over the base: checked on each base
BASE_SHARES = ("share_reached", "share_unmet", "share_distance")
BASE_WITHHELD = ("n_scored", "reached", "na_share", "n_eff", "deff")


def small_base(table: pd.DataFrame, k: int, n_col: str = "n", base_col: str = "n_scored",
               single: pd.Series | None = None) -> pd.Series:
    """True for each row whose base (at least one company) differs from its respondents by 1 … k − 1, or by
    0 … k − 1 where ``single`` (the row's node or requirement rests on one item) is True."""
    n = pd.to_numeric(table[n_col], errors="coerce")
    base = pd.to_numeric(table[base_col], errors="coerce")
    gap = n - base
    low = pd.Series(1, index=table.index) if single is None else np.where(single.fillna(False).astype(bool), 0, 1)
    # a row with no company in its base publishes no statistic to round: it is "not assessed" (method §5.1)
    return gap.ge(low) & gap.lt(k) & n.gt(0) & base.gt(0)


def round_small_base(protected: pd.DataFrame, k: int, n_col: str = "n", base_col: str = "n_scored",
                     single: pd.Series | None = None) -> pd.DataFrame:
    """The protected table with every published row :func:`small_base` flags published rounded (see above), or
    hidden (:data:`ROUNDING`) where some rounded share would rule out one of the k possible bases n − (k − 1) … n.

    ``protected`` still carries the true base in its ``base_col`` (protection blanks it only in hidden rows)."""
    out = protected.copy()
    if ROUNDED not in out:
        out[ROUNDED] = False
    shown = out["suppressed"].fillna("").eq("")
    flagged = small_base(out, k, n_col, base_col, single) & shown
    n = pd.to_numeric(out[n_col], errors="coerce")
    rounded: list[object] = []
    for i in out.index[flagged.to_numpy()]:
        values = {c: float(to_step(out.at[i, c])) for c in BASE_ROUNDED if c in out and pd.notna(out.at[i, c])}
        if not all(keeps_every_base(values[c], int(n.loc[i]), k) for c in BASE_SHARES if c in values):
            out = _hide_row(out, i)
            cols = [base_col, *BASE_ROUNDED, *BASE_WITHHELD, *MEMBERS_INTERVALS, "mean_ci_low", "mean_ci_high"]
            out.loc[i, [c for c in dict.fromkeys(cols) if c in out]] = np.nan
            continue
        for c, v in values.items():
            out.at[i, c] = v
        least = n.loc[i] - k + 1  # the fewest companies the row may rest on: its intervals from printed values
        share = next((c for c in BASE_SHARES if c in values), None)
        if share is not None and "ci_low" in out:
            out.at[i, "ci_low"], out.at[i, "ci_high"] = printed_share_interval(values[share], least)
        if "mean" in values and "mean_ci_low" in out:
            out.at[i, "mean_ci_low"], out.at[i, "mean_ci_high"] = printed_mean_interval(
                values["mean"], values.get("sd", np.nan), least)
        for c in dict.fromkeys([base_col, *BASE_WITHHELD]):
            if c in out:
                out.at[i, c] = np.nan
        out.at[i, ROUNDED] = True
        rounded.append(i)
    # the members' intervals rest on the design's cell variances and the withheld base and design effect: none of
    # it is printed on the row, so they are withheld (x), not rebuilt (docs/method.md §5.4)
    mask = pd.Series(out.index.isin(rounded), index=out.index)
    if {"mean", "mean_ci_low"} <= set(out.columns):  # a mean printed without a SD to build its interval on: x
        unbuilt = mask & out["mean"].notna() & out["mean_ci_low"].isna()
        for c in ("mean_ci_low", "mean_ci_high"):
            out = name_withheld(out, unbuilt, c)
    return withhold_cells(out, mask, [c for c in MEMBERS_INTERVALS if c in out])


def withhold_na_share(nodes: pd.DataFrame, items: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """The protected node table with its not-applicable share withheld (NaN) on every row, of every segment, of a
    node and year under which some item is published rounded or hidden in the year's item table.

    Why: a node's ``na_share`` is its not-applicable answers over n × its items, so it times n × items is a whole
    count; less the published items' ``n_not_applicable`` it leaves the total of the items whose counts are
    withheld — one item's count exactly when only one is (three categories and their function give one rounded
    item's base back). The item table has no segments, so every segment's row goes
    (the segments add up to the total). ``items`` holds year, item_id, suppressed and :data:`ROUNDED`; ``links``
    year, item_id, node_id (every level an item lies under). docs/method.md §5.4."""
    if "na_share" not in nodes or items.empty or links.empty:
        return nodes
    opaque = items["suppressed"].fillna("").ne("")
    if ROUNDED in items:
        opaque |= items[ROUNDED].fillna(False).astype(bool)
    shut = items.loc[opaque, ["year", "item_id"]].assign(year=lambda t: pd.to_numeric(t["year"]).astype(int))
    pairs = links.assign(year=pd.to_numeric(links["year"]).astype(int)).merge(shut, on=["year", "item_id"])
    withheld = {(int(y), str(n)) for y, n in zip(pairs["year"], pairs["node_id"], strict=True)}
    out = nodes.copy()
    shut_rows = [(int(y), str(n)) in withheld for y, n in zip(pd.to_numeric(out["year"]), out["node_id"], strict=True)]
    out.loc[np.array(shut_rows, dtype=bool), "na_share"] = np.nan
    return out
