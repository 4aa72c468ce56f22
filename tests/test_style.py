"""The briefing style: leaves the backend alone, never asks a font for a face it lacks, footers in plain words."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import warnings

import matplotlib.pyplot as plt
import pytest
from matplotlib import font_manager

from pipeline.report import style


def test_import_keeps_the_callers_backend():
    code = ("import matplotlib; matplotlib.use('svg'); import pipeline.report.style; "
            "print(matplotlib.get_backend())")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "svg"


def test_japanese_title_raises_no_findfont_warning(caplog):
    # findfont caches its answers (and warns only on the first miss): start from an empty cache so an
    # earlier test's lookup cannot hide a bold request here.
    cached = getattr(font_manager.fontManager, "_findfont_cached", None)
    if cached is not None:
        cached.cache_clear()
    style.apply()
    fig, ax = style.new_figure()
    ax.plot([0, 1], [0, 1])
    ax.set_title("軸のタイトル")
    with caplog.at_level(logging.DEBUG, logger="matplotlib.font_manager"), warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        style.finish(fig, "回答率の推移(区分別)", "出典: テスト", "規則", "注")
        style.caveat(ax, "自動車の CSF 2.0 対応付けは本プロジェクト独自")
        fig.savefig(io.BytesIO(), format="png")
    assert not [r for r in caplog.records if "findfont" in r.getMessage() and r.levelno >= logging.WARNING]
    assert not [x for x in w if "findfont" in str(x.message) or "Glyph" in str(x.message)]


def test_finish_prints_source_rule_and_note_and_nothing_else():
    """The footer is the source, the rule and the note, one per line: no provenance stamp (a hash under every figure
    was plumbing to the reader who pastes it)."""
    fig, _ = style.new_figure()
    style.finish(fig, "t", "source", "rule")
    assert [t.get_text() for t in fig.texts if t.get_text() != "t"] == ["source\nrule"]  # "t": the title
    fig2, _ = style.new_figure()
    style.finish(fig2, "t", "source", "rule", "note")
    assert [t.get_text() for t in fig2.texts if t.get_text() != "t"] == ["source\nrule\nnote"]


def test_caveat_is_italic_on_axes_or_figure():
    fig, ax = style.new_figure()
    style.caveat(ax, "template version changed between FY2023 and FY2024")
    style.caveat(fig, "自動車の CSF 2.0 対応付けは本プロジェクト独自")
    assert len(ax.texts) == 0  # never inside the plot: a caveat there covered the automotive heatmap's GV.OC row
    on_ax, on_fig = fig.texts
    assert on_ax.get_style() == on_fig.get_style() == "italic"
    fig.canvas.draw()
    plot = ax.get_window_extent()
    assert not any(t.get_window_extent().overlaps(plot) for t in fig.texts)


def test_titles_do_not_request_bold():
    style.apply()
    assert plt.rcParams["axes.titleweight"] != "bold" and plt.rcParams["figure.titleweight"] != "bold"


@pytest.mark.parametrize(("sectors", "lang", "line"), [
    (["auto"], "ja", "採点: 達成=1、未達成・未回答=0、対象外は除外。"
                     "x: 秘匿(集計対象又は割合の片側が5社未満、又は他の値から算出できるため)"),
    (["power"], "ja", "採点: 実施=1、一部実施=0.5、未実施・未回答=0、該当なしは除外。"
                      "x: 秘匿(集計対象又は割合の片側が5社未満、又は他の値から算出できるため)"),
    (["auto"], "en", "Scoring: achieved 1, not achieved or unanswered 0, not applicable excluded. x: withheld (fewer "
                     "than 5 companies behind the value or on one side of a share, or derivable from other values)")])
def test_a_figures_scoring_line_uses_its_own_sectors_answers(sectors, lang, line):
    """Automotive has no partial answer: its figures must not read 「一部実施=0.5」."""
    assert style.rule_line(style.labels(lang), sectors, 5) == line


def test_a_page_about_several_sectors_names_them_from_sectors_yaml_in_its_order():
    ja, en = style.labels("ja"), style.labels("en")
    assert style.sectors_name(ja, ["power", "auto"]) == "電力・自動車"
    assert style.sectors_name(ja, ["auto", "power", "sme"]) == "自動車・電力・中小企業"
    assert style.sectors_name(en, ["power", "auto"]) == "Power and Automotive"
    assert style.sectors_name(ja, ["sme"]) == "中小企業"


def test_the_rules_texts_follow_the_points_of_the_scoring_catalog(tmp_path, monkeypatch):
    """The points per answer are written once (catalogs/scoring.yaml): a project that scores 一部実施 0.25 and
    leaves わからない out of the denominator reads so on every figure and in the rules section."""
    from pipeline import catalogs

    shipped = catalogs.SHIPPED_DIR / "scoring.yaml"
    text = shipped.read_text(encoding="utf-8").replace("  partial: 0.5\n", "  partial: 0.25\n")
    text = text.replace("  unknown: 0.0     # never scored as implemented\n", "  unknown: null\n")
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "scoring.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    catalogs.refresh()
    try:
        ja = style.labels("ja")
        assert style.rule_line(ja, ["sme"], 5).startswith(
            "採点: 実施=1、一部実施=0.25、未実施・未回答=0、わからないは除外。")
        assert style.rules_text(ja, ["sme"], "90%").startswith(
            "回答は「実施している」=1、「一部実施している」=0.25、「実施していない」・未回答・判読不能・記載なし=0 "
            "として採点し、「わからない」は分母から除きます。")
        assert style.rules_text(style.labels("en"), ["power"], "90%").startswith(
            "Answers score implemented = 1, partially implemented = 0.25, not implemented, unanswered, unreadable or "
            "missing = 0; not applicable is left out of the denominator.")
    finally:
        monkeypatch.delenv("SDW_HOME")
        catalogs.refresh()
