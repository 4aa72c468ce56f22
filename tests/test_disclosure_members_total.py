"""The members' total beside hidden segments (docs/method.md §12): the audit finds the route, and the rule that
withholds the total's members' estimates closes it. Expected values typed by hand from the rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.publish.model import TableSpec
from pipeline.scoring.disclosure import HIDDEN_COUNT, HIDDEN_COUNTS
from pipeline.scoring.disclosure_weights import withhold_total_estimates
from pipeline.scoring.segments import ALL
from tests.intruder import attack

KEYS = ["sector", "year", "framework", "node_id"]
LEVELS = TableSpec(keys=KEYS, total=ALL, counts={"share_reached": "n_scored", "w_share_reached": "n_scored"})
RESPONSES = TableSpec(keys=["sector", "year"], total=ALL,
                      counts={s: "n" for s in ("response_rate", "roster_n", "n_on_roster")})


def _levels(w_total: float) -> pd.DataFrame:
    """Three size bands, each one weighting cell. A: 20 respondents, all on a roster of 40 (weight 2), 10
    reached. B: 6 respondents, 5 on a roster of 15 (weight 3), 1 reached (hidden: split). C: 7 of 7 (weight 1), 5
    reached (hidden beside it). Total: 16 of 33 reached; members' share (20·2·0.5 + 6·3·1/6 + 7·1·5/7) / (40 + 18
    + 7) = 28/65."""
    t = pd.DataFrame({"node_id": "Lv3+", "segment": ["A", "B", "C", ALL], "n_scored": [20, 6, 7, 33],
                      "share_reached": [0.5, 1 / 6, 5 / 7, 16 / 33], "w_share_reached": [0.5, 1 / 6, 5 / 7, w_total],
                      "suppressed": ["", "split", "complementary", ""]}).assign(sector="auto", year=2022,
                                                                                 framework="level")
    t[HIDDEN_COUNT] = t["n_scored"]
    t.loc[t["suppressed"].ne(""), ["share_reached", "w_share_reached", "n_scored"]] = np.nan
    return t


def _responses() -> pd.DataFrame:
    """A published; B hidden (one respondent off the roster), C beside it, the total (one off) too."""
    r = pd.DataFrame({"sector": "auto", "year": 2022, "segment": ["A", "B", "C", ALL], "n": [20, 6, 7, 33],
                      "n_on_roster": [20, np.nan, np.nan, np.nan], "roster_n": [40, np.nan, np.nan, np.nan],
                      "response_rate": [0.5, np.nan, np.nan, np.nan],
                      "suppressed": ["", "split", "complementary", "split"]})
    r[HIDDEN_COUNT] = [20, 6, 7, 33]
    r[HIDDEN_COUNTS["roster_n"]] = [40, 15, 7, 62]
    r[HIDDEN_COUNTS["n_on_roster"]] = [20, 5, 7, 32]
    return r


def _audit(levels: pd.DataFrame):
    findings, intervals = attack({"levels": (levels, LEVELS), "responses": (_responses(), RESPONSES)})
    return findings, {(iv.cell.split("segment=")[-1], iv.statistic): (round(iv.low, 4), round(iv.high, 4))
                      for iv in intervals if iv.table == "levels"}


def test_the_members_total_solves_hidden_counts_with_true_weights():
    """The intruder's route F2: respondents c_B + c_C = 16 − 10 = 6; members 3·c_B + 1·c_C = 28 − 20 = 8 (weights
    per respondent 3 and 1, B's respondent off the roster weighing like the rest of B): c_B = 1, c_C = 5 exactly.
    The old solver weighted B by its 15 members (not 6 · 15/5 = 18) and left the members' shares apart from the
    respondents' shares, so it saw nothing."""
    findings, iv = _audit(_levels(28 / 65))
    assert iv[("B", "share_reached")] == (0.1667, 0.1667)
    assert iv[("C", "share_reached")] == (0.7143, 0.7143)
    assert {(f.cell.split("segment=")[-1], f.statistic) for f in findings if f.check == "interval"} >= {
        ("B", "share_reached"), ("C", "share_reached")}


def test_withholding_the_members_total_closes_the_route():
    """With the total's members' share withheld, only c_B + c_C = 6 is left: B's count can be 0 … 6 (split: 0–4
    or 2–6 reached, as a share [0, 1] overall) — no interval finding."""
    t = withhold_total_estimates(_levels(28 / 65))
    assert np.isnan(t.loc[3, "w_share_reached"]) and t.loc[3, "_withheld"] == "w_share_reached"
    findings, iv = _audit(t)
    assert [f for f in findings if f.check == "interval"] == []
    assert iv[("B", "share_reached")] == (0.0, 1.0)


def test_the_rule_withholds_only_where_a_segment_is_hidden_or_the_year_withholds_a_response_row():
    """Node GV: segment B hidden → the total's w_mean, its interval, n_eff and deff withheld (x). Node ID: every
    segment published, year not withheld → kept. The same table for a year whose response table withholds a row:
    ID's total withheld too. A hidden total keeps its own reason (nothing added)."""
    t = pd.DataFrame({"sector": "auto", "year": 2023, "framework": "csf2",
                      "node_id": ["GV", "GV", "GV", "ID", "ID", "ID", "PR", "PR"],
                      "segment": ["A", "B", ALL, "A", "B", ALL, "A", ALL],
                      "mean": [0.5, np.nan, 0.6, 0.4, 0.7, 0.55, 0.3, np.nan],
                      "w_mean": [0.5, np.nan, 0.62, 0.4, 0.7, 0.57, 0.3, np.nan],
                      "w_mean_ci_low": [0.4, np.nan, 0.58, 0.3, 0.6, 0.5, 0.2, np.nan],
                      "n_eff": [10.0, np.nan, 30.0, 10.0, 9.0, 18.0, 5.0, np.nan],
                      "deff": [1.0, np.nan, 1.2, 1.0, 1.0, 1.1, 1.0, np.nan],
                      "suppressed": ["", "primary", "", "", "", "", "", "primary"]})
    out = withhold_total_estimates(t)
    assert out.loc[2, ["w_mean", "w_mean_ci_low", "n_eff", "deff"]].isna().all()
    assert out.loc[2, "_withheld"] == "w_mean w_mean_ci_low n_eff deff"
    assert out.loc[5, "w_mean"] == 0.57 and out.loc[5, "_withheld"] == ""
    assert out.loc[2, "mean"] == 0.6  # the respondents' total stays
    assert out.loc[7, "_withheld"] == "" and out.loc[7, "suppressed"] == "primary"
    year = withhold_total_estimates(t, {("auto", 2023)})
    assert np.isnan(year.loc[5, "w_mean"]) and year.loc[5, "_withheld"] == "w_mean w_mean_ci_low n_eff deff"
    assert year.loc[3, "w_mean"] == 0.4  # a segment's own estimate (its respondents' mean, one cell) stays


def test_breakdowns_sharing_a_total_withhold_it_together():
    """By size band, GV's band B is hidden: its total's w_mean is withheld. By industry every segment of GV is
    published, but the total row is the same cell (sector, year, GV, 全体): withheld there too. ID, published in
    both, keeps its members' total in both."""
    from pipeline.scoring.disclosure_weights import withhold_shared_totals

    def table(segments, hidden):
        rows = [{"sector": "auto", "year": 2024, "framework": "csf2", "node_id": node, "segment": seg,
                 "mean": 0.5, "w_mean": 0.55, "suppressed": "primary" if (node, seg) in hidden else ""}
                for node in ("GV", "ID") for seg in [*segments, ALL]]
        t = pd.DataFrame(rows)
        t.loc[t["suppressed"].ne(""), ["mean", "w_mean"]] = np.nan
        return t

    size, industry = withhold_shared_totals([table(["A", "B"], {("GV", "B")}), table(["X", "Y"], set())])
    for t in (size, industry):
        total = t[t["segment"].eq(ALL)].set_index("node_id")
        assert np.isnan(total.loc["GV", "w_mean"]) and total.loc["GV", "_withheld"] == "w_mean"
        assert total.loc["ID", "w_mean"] == 0.55
    assert industry.loc[industry["segment"].eq("X") & industry["node_id"].eq("GV"), "w_mean"].iloc[0] == 0.55


def test_items_members_share_is_withheld_in_a_year_whose_response_table_withholds_a_row():
    """Every item row is a sector total: in 2024, where a response row is withheld, its members' share and interval
    read x (blank, named in the withheld column); 2023 keeps its 0.6 (docs/method.md §12.4a)."""
    import pandas as pd

    from pipeline.scoring.disclosure_weights import withhold_year_estimates

    items = pd.DataFrame({"sector": "auto", "year": [2023, 2024], "item_id": ["No.23", "No.23"],
                          "share_implemented": [0.5, 0.7], "w_share_implemented": [0.6, 0.74],
                          "w_ci_low": [0.5, 0.7], "w_ci_high": [0.7, 0.78]})
    out = withhold_year_estimates(items, {("auto", 2024)}, withheld_col="_withheld")
    assert out["w_share_implemented"].tolist()[0] == 0.6 and pd.isna(out["w_share_implemented"].iloc[1])
    assert pd.isna(out["w_ci_low"].iloc[1]) and pd.isna(out["w_ci_high"].iloc[1])
    assert out["share_implemented"].tolist() == [0.5, 0.7]  # the respondents' share stays
    assert sorted(out["_withheld"].tolist()[1].split()) == ["w_ci_high", "w_ci_low", "w_share_implemented"]


def test_members_estimates_go_only_on_segments_that_are_the_weighting_cells():
    """Cells by size band: the size-band breakdown carries members' values (each segment is a cell), the industry
    breakdown none — its design effect would say how its respondents fall into the size bands."""
    import pandas as pd

    from pipeline.report.tables import weighting_cells_are

    class Data:
        weights = pd.DataFrame({"cell_attributes": ["size_band"]})

    assert weighting_cells_are(Data(), "size_band") and weighting_cells_are(Data(), None)
    assert not weighting_cells_are(Data(), "industry")
