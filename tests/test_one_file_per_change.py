"""Each change docs/house.md promises in one file takes effect from that file alone (a project's catalogs/ folder
holds the edited copy, as a user's edit would): k, and the ★3 rule. A figure colour is tests/test_palette.py's
and a sector added as data tests/test_sector_as_data.py's."""

from __future__ import annotations

import pandas as pd

from pipeline import catalogs, ruleset
from pipeline.publish.model import PublishedTable
from pipeline.report.context import ReportContext
from pipeline.scoring.respondent import star_requirements


def test_k_is_changed_in_scoring_yaml_alone(tmp_path, monkeypatch):
    shipped = (catalogs.SHIPPED_DIR / "scoring.yaml").read_text(encoding="utf-8")
    assert "\nmin_cell: 5 " in shipped
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "scoring.yaml").write_text(shipped.replace("\nmin_cell: 5 ", "\nmin_cell: 30 "),
                                                         encoding="utf-8")
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    catalogs.refresh()
    try:
        assert ruleset.min_cell() == 30
        assert ReportContext.build("power").k == 30  # the reports' k
        assert PublishedTable("t", "t", pd.DataFrame(), []).k == 30  # a table published without a k of its own
    finally:
        monkeypatch.delenv("SDW_HOME")
        catalogs.refresh()
    assert ruleset.min_cell() == 5


def test_the_star3_rule_is_changed_in_the_criteria_grades_alone(tmp_path, monkeypatch):
    # criterion 1-1-1-1 (citing No.9 and No.10) regraded ★4 → ★3: its requirement 1-1-1 joins ★3's 26
    assert len(star_requirements(3)) == 26 and "1-1-1" not in set(star_requirements(3)["requirement_id"])
    shipped = (catalogs.SHIPPED_DIR / "scs_criteria.csv").read_text(encoding="utf-8")
    assert "\n1-1-1-1,1-1-1,4," in shipped
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "scs_criteria.csv").write_text(
        shipped.replace("\n1-1-1-1,1-1-1,4,", "\n1-1-1-1,1-1-1,3,"), encoding="utf-8")
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    catalogs.refresh()
    try:
        star3 = star_requirements(3).set_index("requirement_id")
        assert len(star3) == 27
        assert star3.loc["1-1-1", "items"] == ("No.10", "No.9")  # only the regraded criterion's items
        assert len(star_requirements(4)) == 43  # ★4 takes every criterion graded 3 or 4: unchanged
    finally:
        monkeypatch.delenv("SDW_HOME")
        catalogs.refresh()
    assert len(star_requirements(3)) == 26
