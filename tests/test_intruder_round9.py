"""The round-nine intruder's minor findings (issue 28), each on hand-built tables with the expected result typed by
hand from the rule: a band narrowed inside itself where a node's not-applicable share is withheld (the score grid
of any count of applicable items). k = 5."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd

from pipeline.publish.intervals import Relation, complete
from pipeline.publish.model import TableSpec
from pipeline.scoring.disclosure import HIDDEN_COUNT
from pipeline.scoring.segments import ALL
from tests.intruder import attack

KEYS = ["sector", "year", "framework", "node_id"]
NODES = TableSpec(keys=KEYS, total=ALL, counts={"mean": "n_scored", "share_reached": "n_scored",
                                                 "na_share": "n_scored"})
# RS.CO of 3 items (its items' rows are the relation's children; only its item count matters here)
RS_CO = Relation(("csf2", "RS.CO"), {("item", f"No.{i}"): 1 / 3 for i in (1, 2, 3)}, "auto", 3)


def _rs_co(band: str = "high") -> pd.DataFrame:
    """物流 (48 companies): 44 score 1.0 and 4 score 0.5 on RS.CO: mean (44 + 2) / 48 = 0.958333, 44 reach 0.9 (4
    below: split), published as the band 「90%以上」. B (12): 6 at 1.0, 6 at 0.5, mean 0.75, hidden beside it. The
    total (60) is published, mean 55 / 60 = 0.916667, 50 reached, its not-applicable share withheld (x: some
    item under RS.CO is published rounded)."""
    rows = [("物流", 48, 0.958333, 44 / 48, "split", band), ("B", 12, 0.75, 0.5, "complementary", ""),
            (ALL, 60, 55 / 60, 50 / 60, "", "")]
    t = pd.DataFrame(rows, columns=["segment", "n_scored", "mean", "share_reached", "suppressed", "mean_band"])
    t = t.assign(sector="auto", year=2024, framework="csf2", node_id="RS.CO", threshold=0.9, na_share=np.nan)
    hidden = t["suppressed"].ne("")
    t[HIDDEN_COUNT] = t["n_scored"]
    t.loc[hidden, ["mean", "share_reached", "n_scored"]] = np.nan
    return t


def test_a_band_over_few_items_with_the_na_share_withheld_is_narrowed_inside_itself():
    """With its not-applicable share withheld, a company of 物流 holds 1, 2 or 3 applicable items of RS.CO: its
    score is in halves, quarters or sixths, and the highest of them below 1 is 5/6 < 0.9, so a company reaching
    0.9 scores 1.0 and one below scores at most 5/6. The band says mean ≥ 0.9; with at most 4 companies below
    (the split's low branch, 0…4 reached, gives at most (44 · 5/6 + 4) / 48 = 0.847 < 0.9) the 44…48 reached
    score 1: mean ≥ 44/48 = 0.9167 — inside the band, which must be withdrawn."""
    findings, intervals = attack({"categories": (_rs_co(), NODES)}, [RS_CO])
    got = {(iv.cell.split("segment=")[-1], iv.statistic): (round(iv.low, 4), round(iv.high, 4)) for iv in intervals}
    assert got[("物流", "mean")] == (0.9167, 1.0)
    assert [(f.check, f.cell.split("segment=")[-1], f.statistic) for f in findings] == [
        ("interval", "物流", "mean")]
    # protection withdraws the band (x again) and the rest keeps its width
    (done,) = complete([("categories", _rs_co(), NODES)], 5, [RS_CO])
    assert done.set_index("segment").loc["物流", "mean_band"] == ""
    assert attack({"categories": (done, NODES)}, [RS_CO])[0] == []


def _levels_data():
    """20 automotive companies of 101〜300人 in FY2024 on the default form (Lv1 50 items, Lv2 74, Lv3 29). Companies
    0–4 found every Lv1 item not applicable (Lv1 not assessed for them) and achieved every other; 5–12 achieved every
    item; 13–19 none. Each Lv1 item: 5 not applicable (≥ k: published exactly), 8 of 15 achieved. Each Lv2 and Lv3
    item: none not applicable (fewer than k, 0 included: published rounded, its base withheld)."""
    from pipeline import catalogs
    from pipeline.report.data import ReportData

    catalog = catalogs.sector_items("auto")
    keys = [f"c{i:02d}" for i in range(20)]
    answers = []
    for i, key in enumerate(keys):
        for item, level in zip(catalog["item_id"], catalog["level"], strict=True):
            answer = ("not_applicable" if i < 5 and level == "Lv1" else
                      "implemented" if i < 13 else "not_implemented")
            answers.append({"sector": "auto", "year": 2024, "respondent_key": key, "item_id": item, "answer": answer})
    items = {"Lv1": 50, "Lv2": 74, "Lv3": 29}
    rows = []
    for i, key in enumerate(keys):
        so_far = applicable = 0
        for level, n in items.items():
            so_far += n
            applicable += 0 if i < 5 and level == "Lv1" else n
            rows.append({"sector": "auto", "year": 2024, "respondent_key": key, "framework": "level",
                         "node_id": f"{level}+", "score": np.nan if i < 5 else float(i < 13), "n_items": so_far,
                         "n_applicable": applicable})
    respondents = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": keys, "size_band": "101〜300人"})
    return ReportData("auto", [2024], pd.DataFrame(rows), respondents, pd.DataFrame(answers), None)


def test_the_levels_table_withholds_the_na_share_as_the_node_tables_do():
    """Lv1+ holds the Lv1 items, all published exactly: its not-applicable share is printed, 5 · 50 of 20 · 50
    answers = 0.25. Lv2+ holds Lv1 and Lv2 items, and the Lv2 items are published rounded: its share (5 · 50 of
    20 · 124 = 0.1008) less the exact items' counts would give the rounded items' total, so it is withheld (x), as
    on every CSF node table; Lv3+ likewise."""
    from pipeline.publish.formats import WITHHELD_CELLS
    from pipeline.report import protected as P

    table = P.levels(_levels_data(), "size_band", 5)
    rows = table[table["segment"].eq(ALL)].set_index("node_id")
    assert rows.loc["Lv1+", "na_share"] == 0.25
    assert np.isnan(rows.loc["Lv2+", "na_share"]) and np.isnan(rows.loc["Lv3+", "na_share"])
    assert all("na_share" in rows.loc[node, WITHHELD_CELLS].split() for node in ("Lv2+", "Lv3+"))
    assert rows.loc["Lv2+", "share_reached"] == 8 / 15  # the row itself stays published


def _two_bands():
    """FY2024 automotive, 24 companies on the default form (Lv1 50 items, Lv2 74, Lv3 29; 153 in all). 101〜300人
    (12): a0–a5 achieve every Lv1 and Lv2 item and no Lv3 item (全項目 124/153, Lv3 not reached), a6–a11 nothing.
    301〜1,000人 (12): b0–b5 achieve everything, b6–b11 nothing."""
    from pipeline import catalogs
    from pipeline.report.data import ReportData
    from pipeline.scoring.respondent import score_store_tables

    catalog = catalogs.sector_items("auto")
    answers, people = [], []
    for band, prefix, lv3 in (("101〜300人", "a", False), ("301〜1,000人", "b", True)):
        for i in range(12):
            key = f"{prefix}{i}"
            people.append({"sector": "auto", "year": 2024, "respondent_key": key, "size_band": band})
            for item, level in zip(catalog["item_id"], catalog["level"], strict=True):
                done = i < 6 and (lv3 or level != "Lv3")
                answers.append({"sector": "auto", "year": 2024, "respondent_key": key, "item_id": item,
                                "answer": "implemented" if done else "not_implemented"})
    responses = pd.DataFrame(answers)
    scores = score_store_tables(responses)
    scores = scores[scores["framework"].isin(["csf2", "level"])]
    return ReportData("auto", [2024], scores, pd.DataFrame(people), responses, None)


def test_feedback_shows_the_headline_mean_the_distribution_table_prints(tmp_path):
    """101〜300人's 全項目の達成率 is published by the report's distribution table (12 companies, none at the top,
    6 above zero): mean 6 · 124/153 / 12 = 0.4052. Its Lv3+ count (0 of 12) is withheld, and a rank or quartile
    beside it would count the companies at 90 % or more; the mean and the count are the report's, so a member of
    the group reads them (and the median) as the report prints them, and only its rank reads x."""
    from pipeline.report import protected as P
    from pipeline.report.published_peers import peer_cells
    from pipeline.scoring.feedback import feedback_tables

    data = _two_bands()
    dist = P.distribution(data, "size_band", 5, P.linked_tables(data, data, "size_band", {}, "csf2", 5).functions)
    printed = dist.set_index("segment").loc["101〜300人"]
    assert round(float(printed["mean"]), 4) == 0.4052 and printed["suppressed"] == ""
    peers = peer_cells(data, "size_band", 2024, k=5)
    assert ("All", "101〜300人") in peers.withheld
    per = feedback_tables(data.scores, data.respondents, data.responses, "auto", 2024, k=5, published=peers.cells,
                          merges=peers.merges, withheld=peers.withheld, counts=peers.counts)
    row = per["a0"][0].set_index("node_id").loc["All"]
    assert row["peer_group"] == "101〜300人" and row["hidden"] == ""
    assert round(float(row["peer_mean"]), 4) == 0.4052 and row["peer_n"] == 12
    # the median the report prints too (six at 0, six at 124/153: halfway, 62/153); the rank is the member's own
    assert round(float(row["p50"]), 4) == 0.4052 and np.isnan(row["percentile"])
    # the member's workbook prints the report's mean where it printed x
    from pipeline.report.feedback_doc import write_feedback

    identities = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": ["a0"], "company_name": "A社",
                               "corporate_number": ""})
    files = write_feedback({"a0": per["a0"]}, identities, "auto", 2024, tmp_path, k=5)
    ws = openpyxl.load_workbook(files.workbooks[0])["スコア"]
    heads = [c.value for c in ws[4]]
    rows = {r[0].value: dict(zip(heads, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=5)
            if r[0].value}
    assert rows["全項目の達成率"]["比較群の平均"] == 0.405  # printed to three places, as the report prints it
    assert rows["全項目の達成率"]["比較群の社数"] == 12 and rows["全項目の達成率"]["パーセンタイル順位"] == "x"


ITEMS = TableSpec(keys=["sector", "year", "item_id"], segment=None,
                  counts={s: "n_applicable" for s in ("share_implemented", "n_implemented", "mean_points")})


def _item_rows(rows: list[tuple]) -> pd.DataFrame:
    """(item, n_applicable, implemented, partial) → item rows of 20 companies (no answer not applicable)."""
    t = pd.DataFrame(rows, columns=["item_id", "n_applicable", "n_implemented", "partial"])
    return t.assign(sector="power", year=2026, n_companies=20,
                    share_implemented=t["n_implemented"] / t["n_applicable"],
                    mean_points=(t["n_implemented"] + t["partial"] / 2) / t["n_applicable"]).drop(columns="partial")


def test_an_item_row_with_three_partial_answers_is_hidden_as_a_split():
    """ID.AM-1: 20 applicable, 10 implemented, 3 partial, 7 none: mean points (10 + 1.5) / 20 = 0.575, share 0.5.
    Published together they give the partial answers, 2 · 20 · (0.575 − 0.5) = 3: three companies. The row is hidden
    for its split. ID.AM-2 (10 / 5 / 5) and PR.AA-1 (10 implemented, 0 partial, 10 none: a form without the partial
    answer reads so) stay."""
    from pipeline.scoring.disclosure import protect

    raw = _item_rows([("ID.AM-1", 20, 10, 3), ("ID.AM-2", 20, 10, 5), ("PR.AA-1", 20, 10, 0)])
    out = protect(raw, k=5, group=["sector", "year"], n_col="n_applicable",
                  stat_columns=["share_implemented", "n_implemented", "mean_points"]).set_index("item_id")
    assert out["suppressed"].to_dict() == {"ID.AM-1": "split", "ID.AM-2": "", "PR.AA-1": ""}
    assert np.isnan(out.loc["ID.AM-1", "mean_points"]) and out.loc["ID.AM-2", "mean_points"] == 0.625


def test_the_audit_finds_three_partial_answers_on_a_published_item_row():
    """The same row published (protection skipped): the audit reads 3 partial and 7 with no point, a side of 3."""
    raw = _item_rows([("ID.AM-1", 20, 10, 3), ("ID.AM-2", 20, 10, 5)]).assign(suppressed="")
    findings, _ = attack({"items": (raw, ITEMS)})
    assert [(f.check, f.cell, f.statistic, f.detail) for f in findings] == [
        ("split", "sector=power; year=2026; item_id=ID.AM-1", "mean_points",
         "3 and 7 companies on its two sides (k=5)")]


def test_without_partial_answers_a_hidden_items_share_is_its_mean_points():
    """Automotive answers are 達成 / 未達成 / 対象外: every published item row has mean points equal to its share, so
    an intruder takes a hidden row's equal too. Category C of items No.1 and No.2, 20 companies, none not applicable:
    C published 0.7, No.1 published 0.5 (10 of 20). No.2 (18 of 20, hidden: 2 not achieved) has mean points 2 · 0.7 −
    0.5 = 0.9 by the item map, and so share 0.9: 18 of 20, where 0…4 or 16…20 must stay possible. Without the
    relation its share kept the whole range."""
    c = Relation(("csf2", "C"), {("item", "No.1"): 0.5, ("item", "No.2"): 0.5}, "auto", 2)
    items = pd.DataFrame({"sector": "auto", "year": 2024, "item_id": ["No.1", "No.2"], "n_applicable": [20, 20],
                          "n_implemented": [10, 18], "share_implemented": [0.5, 0.9], "mean_points": [0.5, 0.9],
                          "na_share": [0.0, 0.0], "suppressed": ["", "split"]})
    items[HIDDEN_COUNT] = items["n_applicable"]
    items.loc[1, ["n_applicable", "n_implemented", "share_implemented", "mean_points", "na_share"]] = np.nan
    spec = TableSpec(keys=["sector", "year", "item_id"], segment=None,
                     counts={s: "n_applicable" for s in ("share_implemented", "n_implemented", "mean_points",
                                                         "na_share")})
    node = pd.DataFrame({"sector": "auto", "year": 2024, "framework": "csf2", "node_id": ["C"], "segment": [ALL],
                         "n_scored": [20], "mean": [0.7], "na_share": [0.0], "suppressed": [""]})
    _, intervals = attack({"items": (items, spec), "categories": (node, NODES)}, [c])
    got = {(iv.cell.split("item_id=")[-1], iv.statistic): (round(iv.low, 4), round(iv.high, 4)) for iv in intervals}
    assert got[("No.2", "share_implemented")] == (0.9, 0.9)
    assert got[("No.2", "mean_points")] == (0.9, 0.9)
