"""The ★ table and the ★ bottleneck table protected together: each rebuilds the other (docs/method.md §5.4).

A company's ★N score is the share of the judgeable requirements it meets, so a segment's ★N mean is close to
1 − Σ share_unmet / R over the R judgeable requirements (21 for ★3, 36 for ★4): the bottleneck rows of a segment
and year rebuild a ★N mean the ★ table hides (to within a few thousandths on a segment of 159), and an
exact published ★N mean with the published bottleneck rows pins the companies behind a hidden one (127 × 21 ×
(1 − mean) unmet in all, less the published rows, leaves 2–4 companies for a requirement hidden for its split).
Four rules close it, applied after both tables are completed:

(a) where the ★ table hides a segment and year's ★N row, every ★N bottleneck row of that segment and year is
    hidden too (complementary), and the bottleneck table is completed again;
(c) both tables are completed as one linked system by the interval solver, which ties a segment's ★N+ share to
    its requirement rows (failing one ⇒ not ready; not ready ⇒ failing one: docs/method.md §5.3b);
(d) twins are hidden together: two requirement rows of one segment and year citing the same checklist items (★3 and
    ★4 of 4-1-1; 4-1-5 and 4-1-6) have the same companies failing them, so a ★4 row hidden by rule (a) beside its
    published ★3 twin would be published all the same; completion hides every twin of a hidden row (the solver
    holds them equal: docs/method.md §5.3c), and rules (a) and (c) repeat until neither hides more;
(b) where a segment and year's ★N row is published but some of its ★N bottleneck rows are hidden, the ★N means of
    that year (every segment and the total: segments add up to the total, so one exact sibling set would give the
    rounded one back) are published to whole percent — mean and SD, and the members' estimate, their intervals
    rebuilt from the printed values (``_printed_intervals``) — which leaves 0.005 × R × n companies of slack either
    way on the hidden rows' total; where that is below k − 1 the segment's mean is withheld instead (the mark x).
    Its base stays printed: it is the ★N+ row's, and the audit finds no base of n − (k − 1) … n that fits a withheld one
    beside the rounded mean (the ★ table's note says which rounded rows keep their base, ``rounded_note_star``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from pipeline.publish.formats import WITHHELD_CELLS
from pipeline.scoring.disclosure_rounding import ROUNDED, STEP, printed_mean_interval, to_step

MEAN_COLUMNS = ("mean", "w_mean")
# the spread goes with the mean: exact beside a rounded mean, the whole sum of squares on the grid of 1/R steps gave
# the exact mean back (FY2022 ★3 1,001〜10,000人: n 127, sd 0.186653 left one sum, 0.903262)
SPREAD_COLUMNS = ("sd",)
INTERVALS = (("mean_ci_low", "mean_ci_high"), ("w_mean_ci_low", "w_mean_ci_high"))
AGAIN = 4  # rounds of rules (a) and (c) after the first: each only hides more, and the demo settles in one or two


def _shown(table: pd.DataFrame) -> pd.Series:
    return table["suppressed"].fillna("").eq("")


def _star_of(node: pd.Series) -> pd.Series:
    """★ level of a ★ table row's node (★3 → 3; ★3+ → NaN: only ★N is a mean over its requirements)."""
    return node.astype(str).str.extract(r"^★(\d)$")[0].astype(float)


def hide_bottlenecks_of_hidden_stars(bottlenecks: pd.DataFrame, star: pd.DataFrame,
                                     hide: Callable[[pd.DataFrame, object], pd.DataFrame]) -> pd.DataFrame:
    """Rule (a): every published ★N bottleneck row whose segment and year the ★ table hides at ★N, hidden by
    ``hide`` (given the table and the list of those rows: hidden at once, as complementary suppression hides them;
    hiding a row reads no other row's status, so one call hides what one call per row would). The caller completes
    the table again."""
    level = _star_of(star["node_id"])
    hidden = {(int(y), str(s), int(n)) for y, s, n, shut in
              zip(star["year"], star["segment"], level, ~_shown(star), strict=True) if shut and n == n}
    out = bottlenecks.copy()
    shown = _shown(out).to_numpy()
    rows = [i for i, y, s, n in zip(out.index[shown], out["year"].to_numpy()[shown], out["segment"].to_numpy()[shown],
                                    out["star"].to_numpy()[shown], strict=True) if (int(y), str(s), int(n)) in hidden]
    return hide(out, rows) if rows else out


def round_star_means(star: pd.DataFrame, bottlenecks: pd.DataFrame, judgeable: dict[int, int],
                     k: int, design_effects: dict[tuple[int, str], float] | None = None) -> pd.DataFrame:
    """Rule (b): the ★ table with its ★N means rounded (or withheld) in every year where a published ★N row has a
    hidden ★N bottleneck row of its segment. ``judgeable``: ★ level → R, its judgeable requirements;
    ``design_effects``: (year, segment) → the design effect of the segment's members' mean from published cells
    (:func:`pipeline.report.tables.segment_design_effects`; without it the row's printed design effect)."""
    shut = bottlenecks.loc[~_shown(bottlenecks), ["year", "segment", "star"]]
    gaps = {(int(y), str(s), int(n)) for y, s, n in shut.itertuples(index=False)}
    out = star.copy()
    if ROUNDED not in out:
        out[ROUNDED] = False
    level = _star_of(out["node_id"])
    shown = _shown(out) & level.notna()
    keys = [(int(y), str(s), int(n)) if ok else None
            for y, s, n, ok in zip(out["year"], out["segment"], level.fillna(0), shown, strict=True)]
    exposed = {key for key in keys if key in gaps}  # a published ★N row beside a hidden bottleneck row
    years = {(y, n) for y, _, n in exposed}
    for i, key in zip(out.index, keys, strict=True):
        if key is None or (key[0], key[2]) not in years:
            continue
        judged = float(out.at[i, "n_scored"])
        if judged != judged:  # its base withheld by the base rule: the fewest companies it may rest on
            judged = float(out.at[i, "n"]) - (k - 1) if "n" in out else 0.0
        slack = STEP / 2 * judgeable[key[2]] * judged  # companies of unmet requirements, either way
        if key in exposed and slack < k - 1:
            cols = [c for c in (*MEAN_COLUMNS, *SPREAD_COLUMNS, *[c for pair in INTERVALS for c in pair]) if c in out]
            out.loc[i, cols] = np.nan
            before = out.at[i, WITHHELD_CELLS] if WITHHELD_CELLS in out else None
            own = str(before) if pd.notna(before) else ""
            out.loc[i, WITHHELD_CELLS] = " ".join([*own.split(), *cols])
            continue
        for c in (*MEAN_COLUMNS, *SPREAD_COLUMNS):
            if c in out and pd.notna(out.at[i, c]):
                out.at[i, c] = float(to_step(out.at[i, c]))
        effect = (design_effects or {}).get((key[0], key[1]))
        out = _printed_intervals(out, i, judged, effect)
        out.at[i, ROUNDED] = True
    return out


def _printed_intervals(star: pd.DataFrame, i: object, judged: float, design_effect: float | None) -> pd.DataFrame:
    """Row ``i``'s mean intervals rebuilt from what is printed (rule (b); docs/method.md §5.4, "Intervals beside
    rounded values"): the respondents' over the companies judged (printed, or the fewest a withheld base allows),
    the members' over the effective base judged ÷ ``design_effect`` (the segment's cells' design effect with their
    finite-population corrections, from published rows), or where that is None ÷ the row's printed (Kish) design
    effect. With neither the members' interval is withheld (x)."""
    out = star
    sd = float(out.at[i, "sd"]) if "sd" in out else float("nan")
    printed = float(out.at[i, "deff"]) if "deff" in out else float("nan")
    effect = {"mean": 1.0, "w_mean": printed if design_effect is None else max(float(design_effect), 1e-9)}
    for (low, high), mean in zip(INTERVALS, MEAN_COLUMNS, strict=True):
        if low not in out or pd.isna(out.at[i, low]):
            continue
        ends = printed_mean_interval(float(out.at[i, mean]), sd, judged / effect[mean])
        if np.isnan(ends[0]):
            before = out.at[i, WITHHELD_CELLS] if WITHHELD_CELLS in out else None
            own = str(before) if pd.notna(before) else ""
            out.loc[i, [low, high]] = np.nan
            out.loc[i, WITHHELD_CELLS] = " ".join([*own.split(), low, high])
        else:
            out.at[i, low], out.at[i, high] = ends
    return out


def ready_with_requirements(star: pd.DataFrame, bottlenecks: pd.DataFrame, k: int
                            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rule (c): the ★ table and the bottleneck table completed as one linked system by the interval solver, which
    holds the relations between a segment's ready share and its requirement rows (a company failing a requirement
    is not ready; one not ready fails some requirement: docs/method.md §5.3b). Where they leave a hidden cell
    narrower than its width, completion hides more of either table (the cell resting on the fewest companies first);
    a total's members' estimates go with a segment hidden here, as after any completion (§12.4a)."""
    from pipeline.publish.formats import WITHHELD_CELLS
    from pipeline.publish.intervals import complete
    from pipeline.report.star_tables import SPECS, with_keys
    from pipeline.report.tables import SPECS as TABLE_SPECS
    from pipeline.scoring.disclosure_weights import withhold_shared_totals

    star, bottle = complete([("star", star, TABLE_SPECS["star"]),
                             ("star_bottlenecks", bottlenecks, SPECS["star_bottlenecks"])], k)
    star = withhold_shared_totals([star], withheld_col=WITHHELD_CELLS)[0]
    return star, with_keys(bottle)


def protect_together(bottlenecks: pd.DataFrame, star: pd.DataFrame, k: int,
                     design_effects: dict[tuple[int, str], float] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The completed bottleneck table and ★ table (``star`` completed already) after rules (a), (c) and (b): the
    bottleneck rows of hidden ★ rows hidden and the table completed again, both completed as one system, then the ★
    means rounded or withheld where hidden bottleneck rows lie beside them. Twins (rows citing the same items) are
    hidden together in every completion, and (a) and (c) repeat until neither hides more (rule (d)).
    ``design_effects``: per (year, segment), what a rounded mean's members' interval rests on
    (:func:`round_star_means`)."""
    from pipeline.publish.intervals import hide_row
    from pipeline.report.star_tables import SPECS, requirement_texts, with_keys
    from pipeline.report.tables import secure

    spec = SPECS["star_bottlenecks"]
    bottle = hide_bottlenecks_of_hidden_stars(bottlenecks, star, lambda t, i: hide_row(t, i, spec))
    bottle = with_keys(secure(bottle, spec, k))
    star, bottle = ready_with_requirements(star, bottle, k)
    for _ in range(AGAIN):  # rule (a) after (c) hid a ★ row: its bottleneck rows, then their twins and totals (d)
        again = hide_bottlenecks_of_hidden_stars(bottle, star, lambda t, i: hide_row(t, i, spec))
        if again["suppressed"].equals(bottle["suppressed"]):
            break
        star, bottle = ready_with_requirements(star, again, k)
    texts = requirement_texts()
    judgeable = {int(s): int(n) for s, n in texts.groupby("star")["judgeable"].sum().items()}
    return bottle, round_star_means(star, bottle, judgeable, k, design_effects)
