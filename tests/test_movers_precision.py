"""Movers: one precision per chart and table where some rows are published rounded."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from pipeline.report import figures as F
from pipeline.report.tables import movers


def _items() -> pd.DataFrame:
    """No.26 rounded both years (57% → 69%); No.29 exact (52.96% of 591 → 64.0% of 500)."""
    return pd.DataFrame({"sector": "auto", "item_id": ["No.26", "No.29", "No.26", "No.29"],
                         "year": [2022, 2022, 2024, 2024],
                         "share_implemented": [0.57, 0.5296108291032149, 0.6900000000000001, 0.64],
                         "n_applicable": [None, 591, None, 500], "rounded": [True, False, True, False],
                         "n_companies": [596, 596, 520, 520], "text": "t", "suppressed": ""})


def test_changes_are_whole_points_when_a_row_is_rounded():
    """No.26: 69 − 57 = +12 points, stored 0.12 (not 0.11999999999999988); No.29: 64.0 − 52.96 = 11.04 → +11
    (whole points, like its rounded neighbour), and its exact shares are kept."""
    mv = movers(_items(), 2022, 2024).set_index("item_id")
    assert mv.loc["No.26", "change"] == 0.12 and mv.loc["No.29", "change"] == 0.11
    assert mv.loc["No.26", "share_implemented"] == 0.69 and mv.loc["No.29", "share_previous"] == 0.5296108291032149


def test_the_chart_labels_every_bar_in_whole_points_when_a_row_is_rounded():
    """As movers() publishes them: No.26 rounded, No.29 exact but its change kept in whole points (0.11): the table
    prints both whole, and so does the chart."""
    t = pd.DataFrame({"label": ["No.26", "No.29"], "change": [0.12, 0.11], "rounded": [True, False],
                      "rounded_previous": [True, False], "suppressed": ""})
    fig, ax = plt.subplots()
    F.item_bars(t, "label", "change", ax=ax, diverging=True, unit="ポイント")
    texts = {x.get_text() for x in ax.texts}
    plt.close(fig)
    assert {"+12 ポイント", "+11 ポイント"} <= texts and not any(".0 ポイント" in x for x in texts)


def test_the_table_reads_whole_points_where_its_shares_are_whole_percent(tmp_path):
    """No.26 (rounded, 57% → 69%) and No.29 (exact shares, change kept in whole points by the table): +12ポイント and
    +11ポイント on the page and in the workbook (format without a decimal, value 12 and 11), not "+12.0ポイント"."""
    import openpyxl

    from pipeline.publish.formats import people_frame
    from pipeline.publish.model import Provenance, PublishedTable
    from pipeline.publish.render_xlsx import write_people_workbook

    table = PublishedTable("movers", "実施率の変化が大きい項目", movers(_items(), 2022, 2024),
                           ["item_id", "share_previous", "share_implemented", "change"], k=5)
    page = people_frame(table, "ja").set_index(people_frame(table, "ja").columns[0])
    assert page.loc["No.26"].tolist() == ["57%", "69%", "+12ポイント"]
    assert page.loc["No.29"].tolist() == ["53.0%", "64.0%", "+11ポイント"]
    path = write_people_workbook(tmp_path / "t.xlsx", [table], [], Provenance("s", "c", {}, ""), "ja")
    ws = openpyxl.load_workbook(path).worksheets[1]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=5)}
    assert [(c.value, c.number_format) for c in rows["No.26"][1:]] == [
        (0.57, "0%"), (0.69, "0%"), (12, '+0"ポイント";"\u2212"0"ポイント";0"ポイント"')]  # −12ポイント when negative
    assert [c.value for c in rows["No.29"][1:]] == [0.53, 0.64, 11]
