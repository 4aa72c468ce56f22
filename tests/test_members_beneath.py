"""The items beneath a withheld members' total (docs/method.md §12.4a): an item's members' share averaged over a
node's items gives back the node's withheld members' mean, so the audit finds the route and the rule withholds
the items' shares. Expected values typed by hand from the rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.publish.formats import WITHHELD_CELLS
from pipeline.publish.intervals import Relation
from pipeline.report.tables import SPECS
from pipeline.scoring.disclosure import HIDDEN_COUNT
from pipeline.scoring.disclosure_weights import withhold_shares_beneath
from pipeline.scoring.segments import ALL
from tests.intruder import attack

ITEMS = ["No.1", "No.2", "No.3"]
CM = Relation(("csf2", "DE.CM"), {("item", i): 1 / 3 for i in ITEMS}, "auto", 3, item_ids=tuple(ITEMS))


def _nodes(node: str = "DE.CM", year: int = 2024, w_total: float = np.nan) -> pd.DataFrame:
    """Band A (20 companies) published; B (3) hidden as too few, C (6) hidden beside it; the total of 29
    publishes its respondents' mean and, unless ``w_total`` is given, withholds its members' mean (rule 1: a
    segment is hidden)."""
    t = pd.DataFrame({"sector": "auto", "year": year, "framework": "csf2", "node_id": node,
                      "segment": ["A", "B", "C", ALL], "n": [20, 3, 6, 29], "n_scored": [20, 3, 6, 29],
                      "mean": [0.70, 0.40, 0.60, 0.6483], "w_mean": [0.70, 0.40, 0.60, w_total],
                      "suppressed": ["", "split", "complementary", ""]})
    t[HIDDEN_COUNT] = t["n_scored"]
    hidden = t["suppressed"].ne("")
    t.loc[hidden, ["mean", "w_mean", "n", "n_scored"]] = np.nan
    t[WITHHELD_CELLS] = ["", "", "", "w_mean" if np.isnan(w_total) else ""]
    return t


def _items(year: int = 2024) -> pd.DataFrame:
    """Three items of 29 companies each, their members' shares 62 %, 71 % and 66 %: mean 0.6633."""
    t = pd.DataFrame({"sector": "auto", "year": year, "item_id": ITEMS, "n_applicable": 29,
                      "share_implemented": [0.62, 0.69, 0.66], "w_share_implemented": [0.62, 0.71, 0.66],
                      "suppressed": ""})
    t[HIDDEN_COUNT] = t["n_applicable"]
    return t


def _item_findings(nodes: pd.DataFrame, items: pd.DataFrame, relations: list[Relation]) -> list:
    findings, _ = attack({"categories": (nodes, SPECS["nodes"]), "items": (items, SPECS["items"])}, relations)
    return [f for f in findings if f.check == "weights-items"]


def test_the_audit_finds_a_withheld_members_total_beneath_which_the_items_publish_theirs():
    """DE.CM's members' mean is withheld; its three items print 62 %, 71 % and 66 %: (0.62 + 0.71 + 0.66) / 3 =
    0.6633 gives it back to within half a point, and with band A's published 0.70 it bounds B and C."""
    found = _item_findings(_nodes(), _items(), [CM])
    assert len(found) == 1
    assert "node_id=DE.CM" in found[0].cell and "segment=全体" in found[0].cell
    assert found[0].statistic == "w_mean"
    assert "3 of its 3 items" in found[0].detail


def test_the_rule_withholds_the_items_shares_and_the_audit_then_finds_nothing():
    beneath = pd.DataFrame({"year": 2024, "item_id": ITEMS, "node_id": "DE.CM"})
    items = withhold_shares_beneath(_items(), [_nodes()], beneath, withheld_col=WITHHELD_CELLS)
    assert items["w_share_implemented"].isna().all()
    assert items[WITHHELD_CELLS].tolist() == ["w_share_implemented"] * 3  # read x, not "not assessed"
    assert items["share_implemented"].tolist() == [0.62, 0.69, 0.66]  # the respondents' shares stay
    assert _item_findings(_nodes(), items, [CM]) == []


def test_items_stay_where_their_node_publishes_its_members_total_or_lies_in_another_year():
    """The total published (0.6600): the items tell nothing it does not. A node withheld in 2023 only leaves the
    2024 items alone."""
    beneath = pd.DataFrame({"year": [2024] * 3 + [2023] * 3, "item_id": ITEMS * 2, "node_id": "DE.CM"})
    items = pd.concat([_items(2024), _items(2023)], ignore_index=True)
    nodes = pd.concat([_nodes(year=2024, w_total=0.66), _nodes(year=2023)], ignore_index=True)
    out = withhold_shares_beneath(items, [nodes], beneath, withheld_col=WITHHELD_CELLS)
    assert out.loc[out["year"].eq(2024), "w_share_implemented"].tolist() == [0.62, 0.71, 0.66]
    assert out.loc[out["year"].eq(2023), "w_share_implemented"].isna().all()


def test_a_function_whose_categories_share_an_item_is_checked_through_its_categories():
    """GV has no exact relation (No.2 lies in GV.OC and GV.RR), so the audit reads its items as its categories':
    No.1, No.2, No.3 — the function's withheld members' total is found beneath them."""
    oc = Relation(("csf2", "GV.OC"), {("item", "No.1"): 0.5, ("item", "No.2"): 0.5}, "auto", 2,
                  item_ids=("No.1", "No.2"))
    rr = Relation(("csf2", "GV.RR"), {("item", "No.2"): 0.5, ("item", "No.3"): 0.5}, "auto", 2,
                  item_ids=("No.2", "No.3"))
    found = _item_findings(_nodes(node="GV"), _items(), [oc, rr])
    assert [f.cell.split("node_id=")[1].split(";")[0] for f in found] == ["GV"]
    assert "3 of its 3 items" in found[0].detail


def test_a_total_no_table_publishes_members_for_withholds_its_items_and_one_that_does_keeps_them():
    """A report by industry: its tables show the respondents only (no members' columns). The function DE's
    members' total is published in none of them, so its items' shares (No.1–No.3, 2023) are withheld; the
    category DE.CM (2024) publishes 0.6600 in the size table beside it, so its items stay."""
    by_industry = _nodes(node="DE", year=2023).drop(columns=["w_mean"])
    by_size = _nodes(node="DE.CM", year=2024, w_total=0.66)
    beneath = pd.DataFrame({"year": [2023] * 3 + [2024] * 3, "item_id": ITEMS * 2,
                            "node_id": ["DE"] * 3 + ["DE.CM"] * 3})
    items = pd.concat([_items(2023), _items(2024)], ignore_index=True)
    out = withhold_shares_beneath(items, [by_industry, by_size], beneath, withheld_col=WITHHELD_CELLS)
    assert out.loc[out["year"].eq(2023), "w_share_implemented"].isna().all()
    assert out.loc[out["year"].eq(2024), "w_share_implemented"].tolist() == [0.62, 0.71, 0.66]
