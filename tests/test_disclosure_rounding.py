"""Item rows with fewer than k "not applicable" answers (0 included) are published rounded with their base
withheld, instead of hidden (issue 28, F4's cost): hand-typed from the rule, k = 5."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd

from pipeline.publish.audit import hidden_cells, intruder_check
from pipeline.publish.formats import people_frame
from pipeline.publish.model import Provenance, PublishedTable, TableSpec
from pipeline.publish.publisher import published_frame
from pipeline.publish.render_xlsx import write_people_workbook
from pipeline.scoring.disclosure import protect
from pipeline.scoring.disclosure_rounding import counts_behind, keeps_every_base, round_small_not_applicable

ITEMS = TableSpec(keys=["sector", "year", "item_id"], segment=None,
                  counts={s: "n_applicable" for s in ("share_implemented", "n_implemented", "ci_low", "ci_high",
                                                       "na_share")})


def _items(rows: list[tuple]) -> pd.DataFrame:
    """(item, n_companies, n_applicable, n_implemented) → an item table before protection."""
    t = pd.DataFrame(rows, columns=["item_id", "n_companies", "n_applicable", "n_implemented"]).assign(
        sector="power", year=2026, text="項目")
    return t.assign(share_implemented=t["n_implemented"] / t["n_applicable"], ci_low=0.0, ci_high=1.0,
                    n_not_applicable=t["n_companies"] - t["n_applicable"],
                    na_share=(t["n_companies"] - t["n_applicable"]) / t["n_companies"])


def _protect(raw: pd.DataFrame) -> pd.DataFrame:
    out = protect(raw, k=5, group=["sector", "year"], n_col="n_applicable",
                  stat_columns=["share_implemented", "ci_low", "ci_high", "na_share", "n_implemented",
                                "n_not_applicable"])
    return round_small_not_applicable(out, raw, 5)


def test_every_base_stays_possible():
    """0.51 of 293…297 companies: each base has a count (149/293 … 151/297 round to 0.51). 0.50 of 16…20: 17 and
    19 have none (8/17 = 0.471, 9/17 = 0.529): the rounded share would say the base is 16, 18 or 20."""
    assert keeps_every_base(0.40, 297, 5)
    assert keeps_every_base(0.51, 297, 5)
    assert not keeps_every_base(0.50, 20, 5)
    assert keeps_every_base(0.50, 20, 5, grid=2)  # mean points in halves: 17 of 34 half-points is 0.50 exactly


def test_rows_with_few_not_applicable_are_rounded_and_their_base_withheld(tmp_path):
    """PR.AC-7: 297 respondents, 2 not applicable, 150 of 295 implemented (0.508) — hidden whole under the
    first rule, now 0.51 with the base withheld; its interval is Wilson at 0.51 over 297 − 4 = 293 companies
    ([0.4530, 0.5667]) widened by 0.005 and rounded outward: [0.44, 0.58]. PR.AC-5: none not applicable, 120
    of 297 (0.404) → 0.40, interval [0.3455, 0.4570] → [0.34, 0.47], also rounded, so that a rounded row
    never says "1–4". PR.AC-8: 10 not applicable (≥ 5 on both sides): exact, 143 of 287. PR.AC-9: 2 not
    applicable and only 3 implemented: hidden for its share."""
    raw = _items([("PR.AC-5", 297, 297, 120), ("PR.AC-7", 297, 295, 150), ("PR.AC-8", 297, 287, 143),
                  ("PR.AC-9", 297, 295, 3)])
    out = _protect(raw).set_index("item_id")
    assert out["suppressed"].to_dict() == {"PR.AC-5": "", "PR.AC-7": "", "PR.AC-8": "", "PR.AC-9": "split"}
    assert out["rounded"].to_dict() == {"PR.AC-5": True, "PR.AC-7": True, "PR.AC-8": False, "PR.AC-9": False}
    assert out.loc["PR.AC-7", ["share_implemented", "ci_low", "ci_high"]].round(6).tolist() == [0.51, 0.44, 0.58]
    assert out.loc["PR.AC-5", ["share_implemented", "ci_low", "ci_high"]].round(6).tolist() == [0.40, 0.34, 0.47]
    assert out.loc[["PR.AC-5", "PR.AC-7"], ["n_applicable", "n_implemented", "na_share"]].isna().all().all()
    assert out.loc["PR.AC-8", "share_implemented"] == 143 / 287 and out.loc["PR.AC-8", "n_applicable"] == 287
    table = PublishedTable("items", "items", published_frame(out.reset_index(), ITEMS.keys), [
        "item_id", "n_applicable", "share_implemented", "ci_low"], spec=ITEMS, k=5)
    shown = people_frame(table, "ja").set_index(people_frame(table, "ja").columns[0])
    assert shown.loc["PR.AC-7"].tolist() == ["x", "51%", "44%"]  # the withheld base reads x, never "—"
    assert shown.loc["PR.AC-8"].tolist() == ["287", "49.8%", "0.0%"]
    book = write_people_workbook(tmp_path / "t.xlsx", [table], [("k", "5")],
                                 Provenance("abc", "0.1", {"k": 5}), "ja")
    ws = openpyxl.load_workbook(book).worksheets[-1]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=5)}
    assert rows["PR.AC-7"][1].value == "x" and rows["PR.AC-7"][2].value == 0.51
    assert rows["PR.AC-7"][2].number_format == "0%" and rows["PR.AC-8"][2].number_format == "0.0%"
    assert intruder_check([table], hidden_cells([PublishedTable("items", "items", out.reset_index(),
                                                                list(out.columns), spec=ITEMS)]), 5) == []


def test_the_audit_finds_a_rounded_row_that_gives_its_base_away():
    """A rounded row that still prints n_applicable = 295 counts the 2; a rounded 0.50 of 20 respondents rules
    out bases 17 and 19."""
    frame = pd.DataFrame({"sector": "power", "year": 2026, "item_id": ["A", "B"], "n_companies": [297, 20],
                          "n_applicable": [295, np.nan], "share_implemented": [0.51, 0.50], "ci_low": [0.44, 0.2],
                          "ci_high": [0.58, 0.8], "na_share": np.nan, "n_implemented": np.nan, "rounded": True,
                          "suppressed": ""})
    table = PublishedTable("items", "items", frame, list(frame.columns), spec=ITEMS, k=5)
    found = sorted((f.cell.split("item_id=")[1], f.statistic, f.detail)
                   for f in intruder_check([table], hidden_cells([]), 5) if f.check == "rounding")
    assert found == [("A", "n_applicable", "a rounded row prints its withheld base"),
                     ("B", "share_implemented", "0.50 of at most 20 companies rules out some of the 5 possible "
                                                "counts of not applicable")]


def test_rounded_shares_are_the_shortest_whole_percent():
    """82 % is stored 0.82, not 82 × 0.01 = 0.8200000000000001 (which the machine copy would print)."""
    from pipeline.scoring.disclosure_rounding import to_step

    assert repr(float(to_step(0.8249))) == "0.82" and repr(float(to_step(0.695))) == "0.7"
    assert [repr(float(v)) for v in to_step([0.57, 0.83, 0.125])] == ["0.57", "0.83", "0.13"]


def test_a_rounded_share_over_a_known_base_is_a_count():
    """Bases 108 … 112 (k = 5). 10 %: 11/108 = 10.2 %, 11/112 = 9.8 %, while 10/108 = 9.3 % and 12/112 = 10.7 %:
    11 and no other count. 8 %: 9 only (8/108 = 7.4 %, 10/112 = 8.9 %). 14 %: 15 (over 108 … 111) or 16 (over
    111, 112: 16/112 = 14.3 %). 43 % of 31 … 35 (k = 5): no count over 31 … 34 (13/31 = 42 %, 14/32 = 44 %,
    14/33 = 42 %, 15/34 = 44 %), 15 over 35 (42.9 %): 15 only. 99 % over 6 … 10: no count at all."""
    assert counts_behind(0.10, 112, 5) == (11, 11)
    assert counts_behind(0.08, 112, 5) == (9, 9)
    assert counts_behind(0.14, 112, 5) == (15, 16)
    assert counts_behind(0.43, 35, 5) == (15, 15)
    assert counts_behind(0.99, 10, 5) is None
