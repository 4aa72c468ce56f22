"""The general base rule (issue 28): a row printing its respondents beside a base 1–4 smaller, or resting on one
item, is published rounded with its base withheld; expected values typed by hand from the rule."""

import numpy as np
import pandas as pd
import pytest

from pipeline.scoring.disclosure_rounding import round_small_base, round_small_not_applicable


def node_row(n: int, n_scored: int, reached: int, mean: float, **extra) -> dict:
    return {"year": 2026, "node_id": "GV.PO", "segment": "全体", "n": n, "n_scored": n_scored, "reached": reached,
            "mean": mean, "share_reached": reached / n_scored, "ci_low": 0.0, "ci_high": 1.0, "na_share":
            (n - n_scored) / n, "suppressed": "", **extra}


def test_one_item_category_is_rounded_like_its_item():
    # a category of one item: 317 respondents, 315 applicable, 216 implemented → 216/315 = 0.6857 → 0.69
    node = pd.DataFrame([node_row(317, 315, 216, 0.77777)])
    out = round_small_base(node, 5, single=pd.Series([True]))
    r = out.iloc[0]
    assert bool(r["rounded"]) and r["suppressed"] == ""
    assert pd.isna(r["n_scored"]) and pd.isna(r["reached"]) and pd.isna(r["na_share"])
    assert r["n"] == 317
    assert r["share_reached"] == pytest.approx(0.69) and r["mean"] == pytest.approx(0.78)
    # Wilson at 0.69 over the fewest companies it may rest on (317 − 4 = 313): 0.6367–0.7387, widened by the
    # half-step and rounded outward → 0.63–0.75
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(0.63), pytest.approx(0.75))
    item = pd.DataFrame([{"sector": "power", "year": 2026, "item_id": "ID.GV-1", "n_companies": 317,
                          "n_applicable": 315, "n_implemented": 216, "share_implemented": 216 / 315,
                          "n_not_applicable": 2, "ci_low": 0.0, "ci_high": 1.0, "suppressed": ""}])
    i = round_small_not_applicable(item, item, 5).iloc[0]
    assert bool(i["rounded"]) and pd.isna(i["n_applicable"]) and pd.isna(i["n_not_applicable"])
    # the two rows publish the same thing: neither tells the other's base
    assert i["share_implemented"] == pytest.approx(r["share_reached"])
    assert (i["ci_low"], i["ci_high"]) == (pytest.approx(r["ci_low"]), pytest.approx(r["ci_high"]))


def test_one_item_requirement_withholds_its_judged_base():
    # ★ requirement citing one item: 159 companies, 158 judged, 58 not meeting it → 58/158 = 0.3671 → 0.37
    t = pd.DataFrame([{"segment": "〜100人", "n": 159, "n_scored": 158, "reached": 58, "share_unmet": 58 / 158,
                       "ci_low": 0.0, "ci_high": 1.0, "suppressed": "", "cited_items": "No.4"}])
    r = round_small_base(t, 5, single=pd.Series([True])).iloc[0]
    assert bool(r["rounded"]) and pd.isna(r["n_scored"]) and r["n"] == 159
    assert r["share_unmet"] == pytest.approx(0.37)


def test_small_gap_rounded_no_gap_exact_for_many_items():
    # several items: a gap of 3 (158 − 155) is rounded; a gap of 0 or of 5 is published exactly
    t = pd.DataFrame([node_row(158, 155, 100, 0.61234), node_row(158, 158, 100, 0.61234),
                      node_row(158, 153, 100, 0.61234)])
    out = round_small_base(t, 5, single=pd.Series([False, False, False]))
    assert out["rounded"].tolist() == [True, False, False]
    assert pd.isna(out.loc[0, "n_scored"]) and out.loc[1, "n_scored"] == 158 and out.loc[2, "n_scored"] == 153
    assert out.loc[0, "mean"] == pytest.approx(0.61) and out.loc[1, "mean"] == pytest.approx(0.61234)
    # one item, no gap: rounded too (its item row is rounded for 0 not applicable as well)
    assert bool(round_small_base(t.iloc[[1]], 5, single=pd.Series([True], index=[1])).loc[1, "rounded"])


def test_share_that_would_tell_the_base_hides_the_row():
    # 20 respondents, 18 scored, 9 reached → 0.50; over 17 no whole count rounds to 0.50 (8/17 = 0.47,
    # 9/17 = 0.53), so the rounded share would rule out a base: the row is hidden instead
    t = pd.DataFrame([node_row(20, 18, 9, 0.5)])
    r = round_small_base(t, 5).iloc[0]
    assert r["suppressed"] == "rounding" and pd.isna(r["share_reached"]) and pd.isna(r["n_scored"])
    assert pd.isna(r["mean"])


def test_the_audit_reads_a_rounded_node_row_as_resting_on_n_minus_4():
    """A node row published rounded (n = 158, base withheld) rests on at least 158 − 4 = 154 companies: no
    finding; the same row with its base withheld but not marked rounded is a statistic with no count."""
    from pipeline.publish.audit import hidden_cells, intruder_check
    from pipeline.publish.model import PublishedTable, TableSpec

    spec = TableSpec(keys=["sector", "year", "framework", "node_id"], total="全体",
                     counts={s: "n_scored" for s in ("mean", "share_reached", "ci_low", "ci_high")})
    frame = pd.DataFrame({"sector": "power", "year": 2026, "framework": "csf2", "node_id": "RC.RP",
                          "segment": ["全体"], "n": [158], "n_scored": [np.nan], "mean": [0.71],
                          "share_reached": [0.52], "ci_low": [0.44], "ci_high": [0.60], "rounded": [True],
                          "suppressed": [""]})
    table = PublishedTable("categories", "categories", frame, list(frame.columns), spec=spec, k=5)
    assert [f for f in intruder_check([table], hidden_cells([]), 5) if f.check == "direct"] == []
    unmarked = PublishedTable("categories", "categories", frame.assign(rounded=False), list(frame.columns),
                              spec=spec, k=5)
    direct = sorted(f.statistic for f in intruder_check([unmarked], hidden_cells([]), 5) if f.check == "direct")
    assert direct == ["ci_high", "ci_low", "mean", "share_reached"]


def test_a_rounded_node_row_reads_x_for_its_base_not_not_assessed():
    """Its withheld base reads x (hidden), never '—' (not assessed); its mean reads as a whole percent."""
    from pipeline.publish.formats import people_frame
    from pipeline.publish.model import PublishedTable, TableSpec

    spec = TableSpec(keys=["sector", "year", "framework", "node_id"], total="全体",
                     counts={s: "n_scored" for s in ("mean", "share_reached")})
    frame = pd.DataFrame({"sector": "power", "year": 2026, "framework": "csf2", "node_id": "GV.PO",
                          "segment": ["全体"], "n_scored": [np.nan], "mean": [0.78], "share_reached": [0.69],
                          "rounded": [True], "suppressed": [""]})
    table = PublishedTable("categories", "カテゴリ別", frame, ["node_id", "segment", "n_scored", "mean"],
                           spec=spec, k=5)
    row = people_frame(table, "ja").iloc[0].tolist()
    assert row[2] == "x" and row[2] != "—"


def test_a_rounded_table_says_its_own_reason_under_it(tmp_path):
    """An item table's note speaks of "not applicable" answers; a node or ★ table's of its base (typed by hand)."""
    from pipeline.publish.model import Provenance, TableSpec
    from pipeline.publish.publisher import Publisher

    spec = TableSpec(keys=["sector", "year", "framework", "node_id"], total="全体",
                     counts={s: "n_scored" for s in ("mean", "share_reached")})
    node = pd.DataFrame({"sector": "power", "year": 2026, "framework": "csf2", "node_id": "GV.PO",
                         "segment": ["全体"], "n": [317], "n_scored": [np.nan], "mean": [0.78],
                         "share_reached": [0.69], "rounded": [True], "suppressed": [""]})
    pub = Publisher(tmp_path / "f", tmp_path / "r", "ja", 5, Provenance("x", "0"), show=False)
    pub.table("categories", node, spec, "t", ["node_id", "segment", "n", "n_scored", "mean"])
    assert pub.tables[0].note == ("集計対象(採点・判定できた事業者)が回答事業者より1〜4社少ない行と"
                                  "1つの項目だけに基づく行は、割合と平均を整数%に丸め、集計対象の事業者数を x と"
                                  "しています(対象外の社数が分からないように)。")
    item = pd.DataFrame({"sector": "power", "year": [2026], "item_id": ["ID.GV-1"], "n_companies": [317],
                         "n_applicable": [np.nan], "share_implemented": [0.69], "rounded": [True], "suppressed": [""]})
    pub.table("items", item, None, "t", ["item_id", "n_applicable", "share_implemented"])
    assert pub.tables[1].note.startswith("「該当しない」との回答が5社未満の項目は、実施率を整数%に丸め")


def test_a_view_without_the_base_column_does_not_speak_of_a_base_shown_as_x(tmp_path):
    """The what-if page table shows no 集計対象事業者数 column, yet its note said the base reads x; and the what-if note
    ran into the rounding note without 「。」. The page view says why some shares are whole percent in words that fit
    it; the workbook (which has the base column) keeps the base note."""
    from pipeline.publish.model import Provenance, TableSpec
    from pipeline.publish.publisher import Publisher

    spec = TableSpec(keys=["requirement_id"], counts={"share_unmet": "n_scored"}, segment=None)
    frame = pd.DataFrame({"requirement_id": ["5-1-1", "4-5-1"], "n": [112, 112], "n_scored": [112, np.nan],
                          "share_unmet": [0.455, 0.25], "rounded": [False, True], "suppressed": ["", ""]})
    pub = Publisher(tmp_path / "f", tmp_path / "r", "ja", 5, Provenance("x", "0"), show=False, deck=True)
    pub.table("star_what_if", frame, spec, "t", ["requirement_id", "n_scored", "share_unmet"],
              "累計は前の表示から5社以上増えた場合に表示。", view_columns=["requirement_id", "share_unmet"], slide=True)
    assert pub.tables[0].note.endswith("集計対象の事業者数を x としています(対象外の社数が分からないように)。")
    assert pub.views["star_what_if"].note == (
        "累計は前の表示から5社以上増えた場合に表示。 整数%で示す割合(例: 25%)は、集計対象の事業者(採点・判定できた"
        "事業者)が回答事業者より1〜4社少ない行か、1つの項目だけに基づく行のもので、対象外の事業者の数が分からない"
        "ように丸めています。")


def test_a_rounded_mean_without_a_sd_reads_its_interval_x_not_not_assessed():
    """317 respondents, 315 scored, mean 0.77777 → 78 %, no SD printed: its interval cannot be built from printed
    values, so both ends are blank and named withheld (x), not left as 'not assessed' (—)."""
    node = pd.DataFrame([node_row(317, 315, 216, 0.77777, sd=np.nan, mean_ci_low=0.74, mean_ci_high=0.81)])
    r = round_small_base(node, 5, single=pd.Series([True])).iloc[0]
    assert pd.isna(r["mean_ci_low"]) and pd.isna(r["mean_ci_high"])
    assert {"mean_ci_low", "mean_ci_high"} <= set(str(r["_withheld"]).split())
