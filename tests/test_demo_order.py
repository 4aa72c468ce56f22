"""`sdw demo` builds the sector with the longest report first and starts that report early; the reports of
its two calls are listed as one run lists them (power, auto, then the cross-sector page)."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.report.run import ReportResult, combine
from pipeline.stages import demo_order


def test_the_sector_with_the_most_respondents_is_built_first():
    # catalogs/sectors.yaml's demo years: power 300 + 310 + 320 = 930, automotive 600 + 560 + 520 = 1,680
    plan = {"power": [[2024, 300, "workbooks"], [2025, 310, "workbooks"], [2026, 320, "workbooks"]],
            "auto": [[2022, 600, "workbooks"], [2023, 560, "workbooks"], [2024, 520, "export"]]}
    assert demo_order(plan) == ["auto", "power"]
    assert demo_order({"a": [[2024, 5, "workbooks"]], "b": [[2024, 5, "workbooks"]]}) == ["a", "b"]  # ties: as listed


def test_reports_of_two_calls_are_listed_in_the_order_of_one_run(tmp_path):
    reports, figures = tmp_path / "reports", tmp_path / "figures"

    def part(label: str, seconds: float) -> ReportResult:
        folder = reports / label / "all"
        return ReportResult(html=[folder / "sector_trend_report.html"], figures=[figures / label / "all" / "a.png"],
                            tables=[folder / "tables.xlsx"], decks=[folder / "deck.pptx"],
                            audits=[folder / "disclosure_audit.csv"], seconds={label: seconds})

    early = part("auto", 61.0)
    rest = part("power", 15.0)
    cross = part("all", 8.0)
    rest.html += cross.html
    rest.decks += cross.decks
    rest.seconds |= cross.seconds
    got = combine([early, rest], ["power", "auto", "all"])
    assert list(got.seconds) == ["power", "auto", "all"]
    assert got.seconds == {"power": 15.0, "auto": 61.0, "all": 8.0}
    assert [Path(p).parent.parent.name for p in got.html] == ["power", "auto", "all"]
    assert [Path(p).parent.parent.name for p in got.decks] == ["power", "auto", "all"]
    assert [p.parent.parent.name for p in got.figures] == ["power", "auto"]


def test_the_demo_kernels_draw_their_own_figures_unless_told(tmp_path, monkeypatch):
    """Every core is busy through the demo, so its kernels start without a figure worker (SDW_FIGURE_WORKER=0, which
    they inherit); a value the user set is kept, and the variable is gone again after the demo."""
    from pipeline import stages

    (tmp_path / "sdw.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    monkeypatch.delenv("SDW_FIGURE_WORKER", raising=False)
    seen = []
    monkeypatch.setattr(stages, "_demo", lambda store, quiet: seen.append(os.environ.get("SDW_FIGURE_WORKER")) or 0)
    assert stages.demo(quiet=True) == 0
    assert seen == ["0"] and "SDW_FIGURE_WORKER" not in os.environ
    monkeypatch.setenv("SDW_FIGURE_WORKER", "1")
    stages.demo(quiet=True)
    assert seen == ["0", "1"] and os.environ["SDW_FIGURE_WORKER"] == "1"
