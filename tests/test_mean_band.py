"""A mean hidden only because few companies lie below the top is published as the band 「90%以上」
(docs/method.md "Disclosure control"); expected values typed by hand from the rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.publish.formats import people_frame
from pipeline.publish.intervals import complete
from pipeline.publish.model import PublishedTable, TableSpec
from pipeline.publish.publisher import published_frame
from pipeline.scoring.disclosure import HIDDEN_COUNT, protect
from pipeline.scoring.segments import ALL

KEYS = ["sector", "year", "framework", "node_id"]
SPEC = TableSpec(keys=KEYS, total=ALL, counts={"mean": "n_scored", "share_reached": "n_scored"})


def _cell(scores: list[float], threshold: float = 0.9) -> pd.DataFrame:
    s = pd.Series(scores)
    return pd.DataFrame([{"sector": "power", "year": 2026, "framework": "csf2", "node_id": "GV.RM", "segment": ALL,
                          "n_scored": len(s), "mean": s.mean(), "share_reached": float((s >= threshold).mean())}])


def test_eleven_at_top_and_four_at_three_quarters_is_published_as_the_high_band():
    # 15 companies, 11 at 1.0 and 4 at 0.75: mean (11 + 3) / 15 = 0.9333; 4 below the threshold (< 5): split
    out = protect(_cell([1.0] * 11 + [0.75] * 4), k=5)
    assert out.loc[0, "suppressed"] == "split"
    assert out.loc[0, "mean_band"] == "high"
    assert np.isnan(out.loc[0, "mean"]) and np.isnan(out.loc[0, "share_reached"])
    csv = published_frame(out, KEYS).to_csv(index=False)
    assert "0.933" not in csv and "0.9333" not in csv
    assert "high" in csv
    people = people_frame(PublishedTable("t", "t", out, ["segment", "mean", "share_reached"], spec=SPEC), "ja")
    assert people.iloc[0].tolist()[1:] == ["90%以上", "x"]
    people_en = people_frame(PublishedTable("t", "t", out, ["segment", "mean", "share_reached"], spec=SPEC), "en")
    assert people_en.iloc[0].tolist()[1:] == ["90% or more", "x"]


def test_four_at_zero_pulls_the_mean_below_the_band_so_it_stays_hidden():
    # 11 at 1.0 and 4 at 0.0: mean 11/15 = 0.733 < 0.9 → hidden as now, no band
    out = protect(_cell([1.0] * 11 + [0.0] * 4), k=5)
    assert out.loc[0, "suppressed"] == "split"
    assert out.loc[0, "mean_band"] == ""


def test_a_primary_cell_gets_no_band():
    out = protect(_cell([1.0] * 4), k=5)  # n = 4 < 5: primary, never a band although its mean is 1.0
    assert out.loc[0, "suppressed"] == "primary"
    assert out.loc[0, "mean_band"] == ""


def test_the_low_band_when_few_companies_are_above_the_bottom():
    # 12 at 0.0 and 3 at 0.25: mean 0.75/15 = 0.05 < 0.10; 0 of 15 reached: split on the reached side only
    out = protect(_cell([0.0] * 12 + [0.25] * 3), k=5)
    assert out.loc[0, "mean_band"] == "low"


def _two_segments(band: str) -> pd.DataFrame:
    """A total of 15 companies published as the band, a segment of 11 published at 1.0 (by hand), and a segment
    of 4 hidden (primary)."""
    rows = [("全体", 15, np.nan, np.nan, "split", band), ("A", 11, 1.0, 1.0, "", ""),
            ("B", 4, np.nan, np.nan, "primary", "")]
    t = pd.DataFrame(rows, columns=["segment", "n_scored", "mean", "share_reached", "suppressed", "mean_band"])
    t = t.assign(sector="power", year=2026, framework="csf2", node_id="GV.RM", threshold=0.9)
    t[HIDDEN_COUNT] = t["n_scored"]
    t.loc[t["suppressed"].ne(""), "n_scored"] = np.nan
    return t


def test_the_solver_takes_the_band_as_a_published_interval():
    from pipeline.publish.audit import hidden_cells
    from pipeline.publish.intervals import solve

    frame = _two_segments("high")
    tables = [PublishedTable("t", "t", frame, list(frame.columns), spec=SPEC)]
    intervals = {(iv.cell.split("segment=")[-1], iv.statistic): iv for iv in solve(tables, hidden_cells(tables), 5)}
    b = intervals[("B", "mean")]
    # 15 · [0.9, 1] = 11 · 1.0 + 4 · m_B → m_B ∈ [(13.5 − 11) / 4, 1] = [0.625, 1]
    assert round(b.low, 4) == 0.625 and round(b.high, 4) == 1.0
    total = intervals[("全体", "mean")]
    assert round(total.low, 4) == 0.9 and round(total.high, 4) == 1.0 and not total.fails


def test_completion_drops_a_band_that_would_narrow_another_hidden_cell():
    # B (4 companies) keeps [0.625, 1] beside the band, wider than 0.10: the band stays
    kept = complete([("t", _two_segments("high"), SPEC)], 5)[0]
    assert kept.set_index("segment").loc["全体", "mean_band"] == "high"
    # both segments published (A 11 at 1.0, B 4 at 0.75): the total is exactly (11 + 3) / 15 = 0.9333, so the
    # band's own cell is pinned inside the band; completion withdraws the band (the cell reads x again)
    frame = _two_segments("high")
    frame.loc[frame["segment"].eq("B"), ["mean", "share_reached", "suppressed", "n_scored"]] = [0.75, 0.0, "", 4]
    dropped = complete([("t", frame, SPEC)], 5)[0].set_index("segment")
    assert dropped.loc["全体", "mean_band"] == "" and dropped.loc["全体", "suppressed"] != ""


def _heat_table() -> pd.DataFrame:
    """Two categories × two segments: A published 0.70 / 0.80; B hidden, GV.RM as the high band, GV.OC plain x."""
    return pd.DataFrame({"node_id": ["GV.OC", "GV.OC", "GV.RM", "GV.RM"], "segment": ["A", "B", "A", "B"],
                         "mean": [0.70, np.nan, 0.80, np.nan], "suppressed": ["", "split", "", "split"],
                         "mean_band": ["", "", "", "high"]})


def test_the_heatmap_draws_a_band_in_its_midpoints_colour_with_its_words_and_a_legend_entry():
    """A band cell was coloured at the 100% end and read as the chart's best cell: 「90%以上」 is drawn in the colour of
    95%, the midpoint of 90–100%, and its legend swatch too."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from pipeline.report import figures as F

    fig, ax = plt.subplots()
    F.heatmap(_heat_table(), "node_id", "segment", "mean", ax=ax, band_label="90%以上: 範囲のみ")
    bands = [t.get_text() for t in ax.texts if t.get_gid() == F.BAND_GID]
    hidden = [t.get_text() for t in ax.texts if t.get_gid() == F.HIDDEN_GID]
    assert bands == ["90%以上"] and hidden == ["x"]
    texts = [t.get_text() for t in ax.texts]
    assert "70%" in texts and "80%" in texts and not any(t.startswith("9") and t != "90%以上" for t in texts)
    middle = plt.get_cmap("cividis")(0.95)
    # the band's patch sits on cell (row GV.RM = 1, column B = 1) in the colour of 95%, not of 100%
    patch = next(p for p in ax.patches if isinstance(p, Rectangle) and p.get_xy() == (0.5, 0.5))
    assert patch.get_facecolor() == middle and patch.get_facecolor() != plt.get_cmap("cividis")(1.0)
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "90%以上: 範囲のみ"
    assert ax.get_legend().legend_handles[0].get_facecolor() == middle
    plt.close(fig)


def test_a_group_with_a_band_is_not_said_to_be_withheld_throughout():
    from pipeline.report.tables import withheld_segments

    table = _heat_table().assign(n_scored=[10, np.nan, 10, np.nan])
    assert withheld_segments(table, ["B"]) == []
    assert withheld_segments(table.assign(mean_band=""), ["B"]) == ["B"]


def test_the_workbook_writes_the_band_as_text_never_a_number(tmp_path):
    from openpyxl import load_workbook

    from pipeline.publish.model import Provenance
    from pipeline.publish.render_xlsx import write_people_workbook

    out = protect(_cell([1.0] * 11 + [0.75] * 4), k=5)
    table = PublishedTable("categories", "カテゴリ別", published_frame(out, KEYS), ["segment", "mean"], spec=SPEC, k=5)
    path = tmp_path / "t.xlsx"
    write_people_workbook(path, [table], [], Provenance("snap", "code"), "ja")
    wb = load_workbook(path)
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert "90%以上" in values
    assert not any(isinstance(v, float) and 0.93 < v < 0.94 for v in values)
    assert any(isinstance(v, str) and v.startswith("90%以上 / 10%未満") for v in values)  # the legend entry
