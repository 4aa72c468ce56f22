"""Published orderings say no more than the values they print (docs/method.md §5, "Orderings"): every ranked list —
the member's priority items, the report's weakest items, movers and ★ bottlenecks, the headline's strongest and
weakest function — is ordered by the value as printed, withheld values last, ties by a public key, and a top-N cut
inside a tie is cut by that key. Expectations typed by hand from the rule."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd

from pipeline.publish.model import PublishedTable
from pipeline.report import style
from pipeline.report.feedback_doc import write_feedback
from pipeline.report.headline import cross_headline, headline
from pipeline.report.star_tables import top_bottlenecks
from pipeline.report.tables import movers, weakest_items
from pipeline.scoring.feedback import feedback_tables

NAN = float("nan")


def test_the_rule_on_typed_values():
    """Three items printing 40 %, 40 % and x, true shares 0.396 (No.1), 0.404 (No.2) and 0.10 (No.3, withheld):
    the two 40 % by item number, x last; No.10 (40.0 %, exact 0.4004) ties with them too and comes after No.2 by its
    number, not before No.2 by its text or its digits."""
    from pipeline.scoring.disclosure_order import as_printed, printed_order, printed_top, public_key

    rows = pd.DataFrame({"item_id": ["No.10", "No.3", "No.2", "No.1", "No.4"],
                         "share": [0.4004, NAN, 0.404, 0.396, 0.5],
                         "rounded": [False, False, True, True, False]})
    assert as_printed(rows["share"], whole=rows["rounded"]).tolist()[:1] == [40.0]
    assert as_printed(pd.Series([0.4046, 0.404, NAN])).tolist()[:2] == [40.5, 40.4]
    assert as_printed(pd.Series([12.0, 7.0]), count=True).tolist() == [12.0, 7.0]
    assert printed_order(rows, ["share"], "item_id", descending=True)["item_id"].tolist() == [
        "No.4", "No.1", "No.2", "No.10", "No.3"]
    assert printed_order(rows, ["share"], "item_id")["item_id"].tolist() == ["No.1", "No.2", "No.10", "No.4", "No.3"]
    # a top 2 cut inside the run of 40 % keeps the lower item number, whatever the digits behind it
    assert printed_top(rows, 2, ["share"], "item_id")["item_id"].tolist() == ["No.1", "No.2"]
    assert sorted(["3:1-10", "3:1-2", "3:2-1"], key=public_key) == ["3:1-2", "3:1-10", "3:2-1"]


# --- member feedback: the priority items ------------------------------------------------------------------------


def _answers(counts: dict[str, tuple[int, int, int]], n: int) -> pd.DataFrame:
    """``n`` automotive companies M000…; per item (implemented, not implemented, not applicable) adding up to n, the
    first company (M000) among those that did not implement it."""
    keys = [f"M{i:03d}" for i in range(n)]
    parts = []
    for item, (done, not_done, na) in counts.items():
        assert done + not_done + na == n
        answers = ["not_implemented"] * not_done + ["implemented"] * done + ["not_applicable"] * na
        parts.append(pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": keys, "item_id": item,
                                   "answer": answers}))
    return pd.concat(parts, ignore_index=True)


def _priority(n_weak: int = 4) -> tuple[pd.DataFrame, dict]:
    """525 companies answering four items; M000 implemented none of them.

    No.1: 201 of 503 applicable = 0.39960 → prints 40.0 %; No.2: 201 of 502 = 0.40040 → 40.0 %; No.3: 498 of 502,
    four not implemented (< k = 5): withheld (x), true 0.992; No.4: 210 of 521, four not applicable (< k): printed
    rounded, 40 % (true 0.40307). Every other item of the form is missing for everyone: 0 %, withheld."""
    n = 525
    responses = _answers({"No.1": (201, 302, 22), "No.2": (201, 301, 23), "No.3": (498, 4, 23),
                          "No.4": (210, 311, 4)}, n)
    keys = responses["respondent_key"].unique().tolist()
    scores = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": keys, "framework": "level",
                           "node_id": "Lv1", "score": 0.5, "n_items": 1, "n_applicable": 1})
    respondents = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": keys, "size_band": "L"})
    per = feedback_tables(scores, respondents, responses, "auto", 2024, k=5, n_weak=n_weak)
    return per["M000"][1], per


def test_priority_items_that_print_alike_are_listed_by_item_number_and_the_withheld_one_last():
    weak, _ = _priority()
    # 40.0 %, 40.0 % and 40 % print alike: No.1, No.2, No.4 by number (the exact rates would put No.2 first, then
    # No.4's 0.40, then No.1); No.3's rate is withheld and comes last, though its true 0.992 is the highest
    assert weak["item_id"].tolist() == ["No.1", "No.2", "No.4", "No.3"]
    assert weak["rank"].tolist() == [1, 2, 3, 4]
    assert np.isnan(weak["peer_rate"].iloc[3]) and weak["rounded"].tolist() == [False, False, True, False]


def test_a_cut_inside_a_printed_tie_is_cut_by_item_number():
    weak, _ = _priority(n_weak=1)
    assert weak["item_id"].tolist() == ["No.1"]  # not No.2, whose exact rate is the higher


def test_the_members_workbook_lists_the_priority_items_in_printed_order(tmp_path):
    _, per = _priority()
    identities = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": list(per),
                               "company_name": [f"社{key}" for key in per], "corporate_number": ""})
    files = write_feedback(per, identities, "auto", 2024, tmp_path, k=5, only=["M000"])
    ws = openpyxl.load_workbook(files.workbooks[0])["優先して取り組む項目"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    head = next(i for i, r in enumerate(rows) if r[0] == "順位")
    table = [dict(zip(rows[head], r, strict=True)) for r in rows[head + 1:head + 5]]
    assert [r["項目番号"] for r in table] == ["No.1", "No.2", "No.4", "No.3"]
    assert [r["順位"] for r in table] == [1, 2, 3, 4]
    # 40.0 %, 40.0 %, 40 % (whole percent, its count withheld), withheld
    assert [r["自動車分野の実施率"] for r in table] == [0.4, 0.4, 0.4, "x"]
    assert [r["該当事業者数"] for r in table] == [503, 502, "x", "x"]


# --- the report: weakest items, movers, ★ bottlenecks, the headline -------------------------------------------


def _items(shares: dict[str, float], rounded: tuple[str, ...] = (), year: int = 2024) -> pd.DataFrame:
    return pd.DataFrame({"sector": "auto", "year": year, "item_id": list(shares),
                         "share_implemented": list(shares.values()),
                         "n_applicable": 500.0, "text": "", "suppressed": "",
                         "rounded": [i in rounded for i in shares]})


def test_the_weakest_items_table_orders_and_cuts_by_the_printed_share():
    """No.1 0.2004 and No.2 0.1996 print 20.0 %, No.3 prints 20 % (rounded): one printed value, listed by number; the
    top two are No.1 and No.2 (by the exact shares they were No.2 and No.3)."""
    table = _items({"No.1": 0.2004, "No.2": 0.1996, "No.3": 0.20, "No.4": 0.30, "No.5": NAN}, rounded=("No.3",))
    assert weakest_items(table, 2024, 2)["item_id"].tolist() == ["No.1", "No.2"]
    assert weakest_items(table, 2024, 10)["item_id"].tolist() == ["No.1", "No.2", "No.3", "No.4"]


def test_movers_list_rises_as_printed_and_a_change_printing_zero_is_no_rise():
    """No.1 and No.2 rise by 4.96 and 5.04 points: both print +5.0, so No.1 first and the top one is No.1 (by the
    digits No.2 would be); No.3 rises by 0.04 points, printed 0.0: neither a rise nor a fall. No.4 and No.5 fall by
    2.04 and 1.96 points (both −2.0): by number in the falls too, the top fall No.4."""
    before = _items({"No.1": 0.40, "No.2": 0.40, "No.3": 0.40, "No.4": 0.50, "No.5": 0.50}, year=2023)
    after = _items({"No.1": 0.4496, "No.2": 0.4504, "No.3": 0.4004, "No.4": 0.4796, "No.5": 0.4804})
    m = movers(pd.concat([before, after], ignore_index=True), 2023, 2024, n=8)
    assert list(zip(m["direction"], m["item_id"], strict=True)) == [("up", "No.1"), ("up", "No.2"),
                                                                     ("down", "No.4"), ("down", "No.5")]
    top = movers(pd.concat([before, after], ignore_index=True), 2023, 2024, n=1)
    assert top["item_id"].tolist() == ["No.1", "No.4"]


def test_top_bottlenecks_order_equal_printed_shares_by_requirement_number():
    """★3 requirements 1-10 (0.3004) and 1-2 (0.2996) both print 30.0 %: 1-2 first, and the top one is 1-2."""
    table = pd.DataFrame({"star": 3, "year": 2024, "segment": "全体", "requirement_id": ["1-10", "1-2", "2-1"],
                          "node_id": ["3:1-10", "3:1-2", "3:2-1"], "share_unmet": [0.3004, 0.2996, 0.10],
                          "rounded": False, "suppressed": ""})
    assert top_bottlenecks(table, 3, 2024, 10, total="全体")["requirement_id"].tolist() == ["1-2", "1-10", "2-1"]
    assert top_bottlenecks(table, 3, 2024, 1, total="全体")["requirement_id"].tolist() == ["1-2"]


def _headline(means: dict[str, float]) -> list[str]:
    funcs = pd.DataFrame({"year": 2024, "segment": "全体", "node_id": list(means), "mean": list(means.values()),
                          "suppressed": "", "rounded": False})
    tables = {"functions": PublishedTable("functions", "t", funcs, ["segment", "node_id", "mean"])}
    names = {"GV": "統治", "ID": "識別", "PR": "防御"}
    return [s.text for s in headline(tables, style.labels("ja"), "ja", 2024, "全体", names, 0, 5,
                                     framework_label="NIST CSF 2.0")]


def test_the_headline_names_every_function_of_a_printed_tie_in_node_id_order():
    """GV 0.7004 and ID 0.6996 both print 70.0 %: both are named the weakest, GV first by node id; naming one would
    tell which is lower in digits nobody reads, and would misstate the tie."""
    got = _headline({"GV": 0.7004, "ID": 0.6996, "PR": 0.80})
    assert any("「防御」が最も高く(80.0%)、「統治」、「識別」が最も低い(70.0%)" in s for s in got), got


def test_the_headline_does_not_name_a_strongest_function_where_all_print_alike():
    """GV 0.7004, ID 0.6996 and PR 0.70 all print 70.0 %: no function is strongest or weakest as printed, so the
    sentence says they all score 70.0 % (not 「統治」 highest and 「統治」 lowest)."""
    got = _headline({"GV": 0.7004, "ID": 0.6996, "PR": 0.70})
    assert "NIST CSF 2.0 の機能別平均スコアは、いずれの機能も70.0%です。" in got, got
    assert not any("最も高く" in s for s in got)


def test_the_cross_sector_key_points_name_a_tie_together_and_say_when_all_print_alike():
    """Power GV 0.6996 and PR 0.7004 print 70.0 % both; automotive GV 0.50, PR 0.60."""
    f = pd.DataFrame({"sector": ["power"] * 2 + ["auto"] * 2, "node_id": ["GV", "PR"] * 2,
                      "node_name": ["統治", "防御"] * 2, "mean": [0.6996, 0.7004, 0.50, 0.60], "suppressed": ""})
    got = [s.text for s in cross_headline(f, style.labels("ja"), "ja", {"power": (2026, 317), "auto": (2024, 520)})]
    assert got[0] == "電力(2026年度、回答事業者 317社): 機能別の回答者平均は、いずれの機能も70.0%。"
    assert got[1].endswith("「防御」が最も高く(60.0%)、「統治」が最も低い(50.0%)。")


def test_the_cross_sector_widest_gap_is_taken_between_printed_means():
    """Power GV 0.6996 (70.0 %), PR 0.80; automotive GV 0.50, PR 0.60: both gaps print 20.0 points, so the function
    named is GV by its id, not PR by a gap 0.0004 wider in digits nobody reads."""
    f = pd.DataFrame({"sector": ["power"] * 2 + ["auto"] * 2, "node_id": ["GV", "PR"] * 2,
                      "node_name": ["統治", "防御"] * 2, "mean": [0.6996, 0.80, 0.50, 0.60], "suppressed": ""})
    got = [s.text for s in cross_headline(f, style.labels("ja"), "ja", {"power": (2026, 317), "auto": (2024, 520)})]
    assert got[-1] == "分野間の差が最も大きい機能は「統治」(電力 70.0%、自動車 50.0%)。"


def test_the_explorers_item_list_orders_equal_printed_shares_by_item_number():
    """525 power companies on the CSF 1.1 category ID.AM: ID.AM-1 201 of 502 applicable (0.4004) and ID.AM-2 201 of
    503 (0.3996) both print 40.0 %: ID.AM-1 first by number (its digits would put it second); ID.AM-3 with 4 not
    implemented is hidden and the rest, implemented by all, too: after them, by number."""
    from pipeline import catalogs
    from pipeline.report import explore
    from pipeline.report.data import ReportData

    n = 525
    keys = [f"c{i:03d}" for i in range(n)]
    special = {"ID.AM-1": ["not_applicable"] * 23 + ["not_implemented"] * 301 + ["implemented"] * 201,
               "ID.AM-2": ["not_applicable"] * 22 + ["not_implemented"] * 302 + ["implemented"] * 201,
               "ID.AM-3": ["not_implemented"] * 4 + ["implemented"] * 521}
    items = catalogs.power_items()["item_id"].tolist()
    responses = pd.DataFrame({"sector": "power", "year": 2025, "respondent_key": keys * len(items),
                              "item_id": [i for i in items for _ in keys],
                              "answer": [a for i in items for a in special.get(i, ["implemented"] * n)]})
    respondents = pd.DataFrame({"sector": "power", "year": 2025, "respondent_key": keys,
                                "template_version": "power-2024"})
    data = ReportData("power", [2025], pd.DataFrame(), respondents, responses, None)
    gaps = explore.item_gaps(data, 2025, "ID.AM", "csf11", k=5)
    assert gaps["item_id"].tolist() == ["ID.AM-1", "ID.AM-2", "ID.AM-3", "ID.AM-4", "ID.AM-5", "ID.AM-6"]
    assert gaps["share_implemented"].iloc[:2].round(4).tolist() == [0.4004, 0.3996]
    assert gaps["share_implemented"].iloc[2:].isna().all()
