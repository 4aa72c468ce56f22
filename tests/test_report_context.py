"""The report context: which framework a sector's report draws, its printed name, node names and k."""

from types import SimpleNamespace

import pandas as pd

from pipeline.publish.model import PublishedTable
from pipeline.report.context import ReportContext, hidden_count


def test_a_sector_not_scored_on_the_framework_asked_for_draws_csf2():
    # sdw report --sector all --framework csf11: automotive's checklist is not CSF 1.1
    ctx = ReportContext.build("auto", "csf11", "ja")
    assert (ctx.framework, ctx.framework_label) == ("csf2", "NIST CSF 2.0")
    assert ctx.node_names["GV"] == "統治" and ctx.node_names["GV.OC"] == "組織の状況"
    assert ctx.frameworks_to_load == ["csf2", "level", "star"]


def test_power_draws_csf11_with_its_english_names_and_k_from_the_rules_or_given():
    ctx = ReportContext.build("power", "csf11", "en")
    assert (ctx.framework, ctx.framework_label) == ("csf11", "NIST CSF 1.1")
    assert ctx.node_names["PR.AC"] == "Identity Management, Authentication and Access Control"
    assert ctx.frameworks_to_load == ["csf11", "csf2"]
    assert ctx.k == 5  # catalogs/scoring.yaml min_cell
    assert ReportContext.build("power", "csf2", "en", 7).k == 7


def test_an_empty_framework_k_and_threshold_come_from_the_rules():
    # the notebook's parameters default to the rules: no framework named draws CSF 2.0 with no fallback note;
    # k and the printed level threshold are scoring.yaml's (5, 90%) or an override's (30, 80%)
    ctx = ReportContext.build("power", "", "ja")
    assert (ctx.framework, ctx.requested, ctx.k, ctx.threshold_text) == ("csf2", "", 5, "90%")
    assert ctx.framework_note({"framework_fallback": "{asked}"}) == ""
    other = ReportContext.build("auto", "", "ja", rules={"level_threshold": 0.8, "min_cell": 30})
    assert (other.k, other.threshold_text) == (30, "80%")


def test_not_assessed_note_only_under_csf2_of_a_csf11_checklist():
    # two subcategories no item reaches (n_items 0 everywhere), one reached; a category row is no subcategory
    scores = pd.DataFrame({"framework": "csf2", "node_id": ["GV.OC-01", "GV.OC-01", "GV.OC-02", "ID.AM-01", "ID.AM"],
                           "n_items": [0, 0, 0, 2, 0]})
    labels = {"not_assessed": "未評価のサブカテゴリ {n}件", "dash": "—"}
    data = SimpleNamespace(scores=scores)
    assert ReportContext.build("power", "csf2").not_assessed_note(data, labels) == "未評価のサブカテゴリ 2件"
    assert ReportContext.build("power", "csf11").not_assessed_note(data, labels) == "—"
    assert ReportContext.build("auto", "csf2").not_assessed_note(data, labels) == "—"


def test_hidden_count_counts_marked_cells_of_every_table():
    a = pd.DataFrame({"mean": [0.5, None, None], "suppressed": ["", "hidden", "complementary"]})
    b = pd.DataFrame({"share": [None, 0.2], "suppressed": ["hidden", None]})
    c = pd.DataFrame({"n": [3]})  # no mark column: nothing it could hide
    tables = [PublishedTable(n, n, f, list(f.columns)) for n, f in (("a", a), ("b", b), ("c", c))]
    assert hidden_count(tables) == 3


def test_cross_sector_page_compares_every_sector_in_the_store_scored_on_csf2(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.report.data import cross_sector_sectors

    (tmp_path / "scores").mkdir()
    pq.write_table(pa.table({"sector": ["sme", "power", "sme"]}), tmp_path / "scores" / "part-0.parquet")
    # registration order (catalogs/sectors.yaml: power, auto, sme); automotive has no scores here
    assert cross_sector_sectors(tmp_path) == ["power", "sme"]


def test_an_unknown_framework_is_refused_and_a_fallback_says_so():
    import pytest

    from pipeline.report.style import labels

    with pytest.raises(ValueError) as refused:
        ReportContext.build("power", "csf3", "ja")
    assert str(refused.value) == "unknown framework 'csf3': a report draws one of csf2, csf11"
    auto = ReportContext.build("auto", "csf11", "ja")
    assert auto.framework_note(labels("ja")) == "自動車はNIST CSF 1.1で採点されないため、NIST CSF 2.0で示す。"
    assert ReportContext.build("auto", "csf11", "en").framework_note(labels("en")) == (
        "Automotive is not scored on NIST CSF 1.1: this report draws NIST CSF 2.0.")
    assert ReportContext.build("power", "csf11", "ja").framework_note(labels("ja")) == ""


def test_no_notebook_names_a_framework_or_formats_the_threshold_itself():
    # what a notebook leaves empty is read from the rules: no framework id as a literal (a parameter's default or a
    # call's argument) and no threshold read past the context (figure and label keys such as "csf2_heatmap" are names)
    import ast
    from pathlib import Path

    from pipeline import catalogs

    found = {}
    for path in sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        literals = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in catalogs.DRAWN]
        reads = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "level_threshold"]
        if literals or reads:
            found[path.name] = literals + reads
    assert found == {}
