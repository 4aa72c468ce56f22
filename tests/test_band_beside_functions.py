"""The headline score beside functions published as bands (docs/method.md §5.1a, "The headline score beside
banded functions"): one cell reads the same in every table. Numbers typed by hand from the rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.report.tables import SPECS, hide_with_functions

FUNCTIONS = ["GV", "ID", "PR", "DE", "RS", "RC"]


def _functions(bands: dict[str, list[str]]) -> pd.DataFrame:
    """segment → the band code of each hidden function ('' a function hidden with no band; None published)."""
    rows = []
    for segment, codes in bands.items():
        for node, code in zip(FUNCTIONS, codes, strict=True):
            rows.append({"sector": "power", "year": 2026, "framework": "csf2", "node_id": node, "segment": segment,
                         "n": 15 if segment != "小売" else 60, "mean": np.nan if code is not None else 0.7,
                         "threshold": 0.9, "mean_band": code or "",
                         "suppressed": "hidden" if code is not None else "", "multi_counted": True})
    return pd.DataFrame(rows)


def _overall(mean_grid: float) -> pd.DataFrame:
    """The headline score: the grid group (15 companies, mean ``mean_grid``), 小売 (60, 0.70) and 特定卸 (20, 0.93).
    Business types are multi-valued (a company holding two counts in both), so the segments do not add up."""
    return pd.DataFrame({"sector": "power", "year": 2026, "framework": "instrument", "node_id": "overall",
                         "segment": ["送配電", "小売", "特定卸"], "n": [15, 60, 20], "mean": [mean_grid, 0.70, 0.93],
                         "p50": [np.nan, 0.7, 0.95], "suppressed": "", "multi_counted": True})


def _band(table: pd.DataFrame, segment: str) -> str:
    """The band a row is published as, '' where none (the column is absent where no row has one)."""
    return str(table["mean_band"].fillna("").loc[segment]) if "mean_band" in table else ""


def test_the_headline_score_reads_the_band_its_functions_read():
    # 送配電: every function hidden and read 「90%以上」, its own mean 0.962 ≥ 0.90 with 15 companies: the headline
    # score is withheld beside them (it would bound them), and printed as the same band, never as a number.
    # 特定卸 (0.93): one function hidden with no band, so its headline score is withheld plainly (no band).
    functions = _functions({"送配電": ["high"] * 6, "小売": [None] * 6, "特定卸": [""] + [None] * 5})
    out = hide_with_functions(_overall(0.962), functions, SPECS["distribution"], 5).set_index("segment")
    assert out.loc["送配電", "suppressed"] != "" and np.isnan(out.loc["送配電", "mean"])
    assert out.loc["送配電", "mean_band"] == "high"
    assert out.loc["特定卸", "suppressed"] != "" and _band(out, "特定卸") == ""
    assert out.loc["小売", "mean"] == 0.70 and out.loc["小売", "suppressed"] == ""


def test_no_band_where_the_mean_itself_is_outside_it():
    # The same functions but a headline score of 0.88 (its items beyond the functions' pull it below 0.90): the
    # band would be false, so the row is withheld as x (0.88 is within 0.10 of the top: it bounds the functions).
    functions = _functions({"送配電": ["high"] * 6, "小売": [None] * 6, "特定卸": [None] * 6})
    out = hide_with_functions(_overall(0.88), functions, SPECS["distribution"], 5).set_index("segment")
    assert out.loc["送配電", "suppressed"] != "" and np.isnan(out.loc["送配電", "mean"]) and _band(out, "送配電") == ""
