"""The audit models the finite-population route (docs/method.md §12.4a, "The audit reads the members from the
intervals"): a one-cell segment's members' interval over its respondents' interval gives its members N. Expected
findings typed by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import stdtrit

from pipeline.publish.audit import intruder_check
from pipeline.publish.audit_fpc import fpc_findings, members_from_pair
from pipeline.publish.model import PublishedTable
from pipeline.report.tables import SPECS

Z = 1.959964


def _function_row(segment: str, n: int, members: int, mean: float = 0.6, sd: float = 0.2) -> dict:
    """One published function row of a segment that is one weighting cell: its members' estimate equals its
    respondents' mean, its interval narrower by the finite-population correction (t with n − 1 degrees of
    freedom, as the members' interval is made)."""
    half = Z * sd / np.sqrt(n)
    w_half = float(stdtrit(n - 1, 0.975)) * sd / np.sqrt(n) * np.sqrt(1 - n / members)
    return {"sector": "auto", "year": "2022", "framework": "csf2", "node_id": "GV", "segment": segment, "n": n,
            "n_scored": n, "mean": mean, "mean_ci_low": mean - half, "mean_ci_high": mean + half, "w_mean": mean,
            "w_mean_ci_low": mean - w_half, "w_mean_ci_high": mean + w_half, "suppressed": ""}


def _tables(w_interval: bool = True) -> tuple[list[PublishedTable], pd.DataFrame]:
    """10,001人〜 FY2022: 67 of 71 members answered, so its response row is withheld (4 did not answer);
    1,001〜10,000人: 127 of 146, published."""
    functions = pd.DataFrame([_function_row("10,001人〜", 67, 71), _function_row("1,001〜10,000人", 127, 146)])
    if not w_interval:
        functions.loc[0, ["w_mean_ci_low", "w_mean_ci_high"]] = np.nan
    responses = pd.DataFrame({"sector": "auto", "year": "2022", "segment": ["10,001人〜", "1,001〜10,000人"],
                              "n": [67, 127], "n_on_roster": [np.nan, 127], "roster_n": [np.nan, 146],
                              "response_rate": [np.nan, 127 / 146], "ci_low": [np.nan, 0.80],
                              "ci_high": [np.nan, 0.92], "suppressed": ["withheld", ""]})
    tables = [PublishedTable("functions", "functions", functions, list(functions.columns), spec=SPECS["nodes"]),
              PublishedTable("responses", "responses", responses, list(responses.columns), spec=SPECS["responses"])]
    hidden = pd.DataFrame({"table": ["responses"], "cell": ["sector=auto; year=2022; segment=10,001人〜"],
                           "statistics": ["response_rate ci_low ci_high roster_n n_on_roster"], "reason": ["split"],
                           "count": [67], "check": ["hidden"],
                           "counts": [json.dumps({"n": 67.0, "n_on_roster": 67.0, "roster_n": 71.0})]})
    return tables, hidden


def test_the_two_intervals_give_the_members():
    # 67 respondents of 71 members: (w_half / half)² = t²/z² × (1 − 67/71); the inverse gives 71 back
    row = _function_row("10,001人〜", 67, 71)
    assert members_from_pair(*[row[c] for c in ("mean", "mean_ci_low", "mean_ci_high", "w_mean", "w_mean_ci_low",
                                                "w_mean_ci_high", "n", "n_scored")]) == pytest.approx(71, abs=1e-6)


def test_the_audit_fails_where_the_pair_gives_a_withheld_row_back():
    tables, hidden = _tables()
    found = fpc_findings(tables, hidden, 5)
    assert len(found) == 1
    table, cell, stat, detail = found[0]
    assert (table, cell, stat) == ("responses", "sector=auto; year=2022; segment=10,001人〜", "roster_n")
    assert "N = 71 members (4 did not answer)" in detail
    # the published 1,001〜10,000人 gives N = 146, which its own row prints: no finding there
    fpc = [f for f in intruder_check(tables, hidden, 5) if f.check == "fpc"]
    assert [f.cell for f in fpc] == ["sector=auto; year=2022; segment=10,001人〜"]


def test_no_finding_where_the_members_interval_is_withheld():
    tables, hidden = _tables(w_interval=False)
    assert fpc_findings(tables, hidden, 5) == []


def test_a_members_interval_of_no_width_says_every_member_answered():
    """Power's grid group: 15 of 15 members answered, so the finite-population correction is 0 and the members'
    interval has no width; the 100 % rate is withheld (rule 2), and a published pair would give it back as N = 15."""
    row = {**_function_row("一般送配電・送電・配電", 15, 16), "sector": "power", "year": "2026",
           "w_mean_ci_low": 0.6, "w_mean_ci_high": 0.6}
    assert members_from_pair(*[row[c] for c in ("mean", "mean_ci_low", "mean_ci_high", "w_mean", "w_mean_ci_low",
                                                "w_mean_ci_high", "n", "n_scored")]) == 15
    functions = pd.DataFrame([row])
    responses = pd.DataFrame({"sector": "power", "year": "2026", "segment": ["一般送配電・送電・配電"], "n": [15],
                              "n_on_roster": [np.nan], "roster_n": [np.nan], "response_rate": [np.nan],
                              "ci_low": [np.nan], "ci_high": [np.nan], "suppressed": ["withheld"]})
    tables = [PublishedTable("functions", "functions", functions, list(functions.columns), spec=SPECS["nodes"]),
              PublishedTable("responses", "responses", responses, list(responses.columns), spec=SPECS["responses"])]
    no_log = pd.DataFrame(columns=["table", "cell", "statistics", "reason", "count", "check"])
    (found,) = fpc_findings(tables, no_log, 5)
    assert "N = 15 members (0 did not answer)" in found[3]
