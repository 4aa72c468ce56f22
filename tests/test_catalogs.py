"""Catalog integrity: counts, well-formed unique IDs, and every cross-reference resolving."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import catalogs
from pipeline.catalogs import integrity


def test_shipped_catalogs_have_no_integrity_problems():
    assert integrity.all_problems() == []


def test_csf2_counts_and_order():
    nodes = catalogs.csf2()
    assert nodes["level"].value_counts().to_dict() == {"function": 6, "category": 22, "subcategory": 106}
    cats = nodes.loc[nodes["level"].eq("category"), "node_id"].tolist()
    assert cats[:6] == ["GV.OC", "GV.RM", "GV.RR", "GV.PO", "GV.OV", "GV.SC"]
    assert cats[-2:] == ["RC.RP", "RC.CO"]
    assert nodes.set_index("node_id").loc["PR", "name_ja"] == "防御"


def test_csf11_counts():
    nodes = catalogs.csf11()
    assert nodes["level"].value_counts().to_dict() == {"function": 5, "category": 23, "subcategory": 108}
    assert {"ID.AM-1", "RC.CO-3", "PR.IP-12"} <= set(nodes["node_id"])


def test_crosswalk_kept_subcategories_map_to_their_two_digit_form():
    cw = catalogs.csf11_to_csf2()
    kept = cw[cw["relation"].eq("kept")]
    assert kept["csf11_id"].nunique() == 29
    assert kept.set_index("csf11_id").loc["ID.AM-1", "csf2_id"] == "ID.AM-01"


def test_crosswalk_records_where_nist_olir_differs():
    cw = catalogs.csf11_to_csf2().set_index("csf11_id")
    assert cw.loc["ID.GV-4", "csf2_id"] == "GV.RM-04"
    assert "GV.RM-03" in cw.loc["ID.GV-4", "note"]
    assert "OLIR" in cw.loc["RC.CO-2", "note"]


def test_some_csf2_subcategories_have_no_csf11_ancestor():
    cw = catalogs.csf11_to_csf2()
    reached = set(cw.loc[cw["csf2_level"].eq("subcategory"), "csf2_id"])
    subs = set(catalogs.csf2().query("level == 'subcategory'")["node_id"])
    orphans = subs - reached
    assert {"GV.OV-01", "GV.OV-02", "GV.OV-03", "ID.IM-01"} <= orphans
    assert "ID.AM-01" not in orphans


def test_cpsf_covers_every_csf11_category_once():
    cpsf = catalogs.cpsf()
    covered = [c for cs in cpsf["csf11_categories"] for c in cs.split()]
    assert sorted(covered) == sorted(catalogs.csf11().query("level == 'category'")["node_id"])
    assert cpsf.set_index("node_id").loc["CPS.SC", "csf11_categories"] == "ID.SC"


def test_auto_levels_total_50_74_29_and_match_the_published_examples():
    items = catalogs.auto_items().set_index("item_id")
    assert items["level"].value_counts().to_dict() == {"Lv1": 50, "Lv2": 74, "Lv3": 29}
    for n in (1, 2, 3, 4):
        assert items.loc[f"No.{n}", "level"] == "Lv1"
    for n in (5, 6, 7):
        assert items.loc[f"No.{n}", "level"] == "Lv2"
    assert items.loc["No.42", "level"] == items.loc["No.43", "level"] == "Lv3"


def test_auto_levels_agree_with_every_observed_level(reference_dir):
    observed = pd.read_csv(reference_dir / "auto_item_levels_observed.csv")
    assert len(observed) == 89  # the items the ★ scheme's table cites
    levels = {int(r.item_id.removeprefix("No.")): {lv.upper() for lv in r.levels_observed.split("|")}
              for r in observed.itertuples()}
    shipped = integrity.check_auto_items(catalogs.auto_items(), catalogs.auto_domains(), catalogs.csf2(),
                                         observed_levels=levels)
    assert shipped == []


def test_scs_counts_and_citations():
    req, crit = catalogs.scs_requirements(), catalogs.scs_criteria()
    assert len(req) == 43 and len(crit) == 153
    assert req["star4"].all()
    # the March 2026 table flags 26 requirements ★3 (official summaries quote 25: versions differ)
    assert req["star3"].sum() == 26
    assert set(crit["star"]) == {3, 4}
    uncited = crit[crit["jama_items"].eq("")]
    assert 0 < len(uncited) < len(crit)
    assert crit["star"].eq(3).sum() == 81  # the final scheme: ★3 26 requirements / 81 criteria, ★4 43


def test_scs_counts_are_checked_against_the_dated_source_table():
    req, crit = catalogs.scs_requirements(), catalogs.scs_criteria()
    assert integrity.check_scs(req, crit, catalogs.auto_items()) == []
    dropped = req.drop(index=req.index[req["star3"]][:1])  # lose one ★3 requirement
    problems = integrity.check_scs(dropped, crit[crit["requirement_id"].isin(dropped["requirement_id"])],
                                   catalogs.auto_items())
    assert "scs: star3_requirements 25, the 2026-03 table has 26" in problems
    assert "scs: requirements 42, the 2026-03 table has 43" in problems


def test_scs_catalog_matches_the_reference_table_row_by_row(reference_dir):
    ref = pd.read_csv(reference_dir / "scs_criteria.csv", dtype=str, keep_default_na=False)
    assert len(ref) == 153
    crit = catalogs.scs_criteria().set_index("criterion_id")
    req = catalogs.scs_requirements().set_index("requirement_id")
    for r in ref.itertuples():
        c = crit.loc[r.criterion_id]
        assert c["requirement_id"] == r.requirement_id
        assert c["star"] == int(r.criterion_star), r.criterion_id
        assert c["jama_items"].split() == r.cited_items.split(), r.criterion_id
        assert c["jama_levels"].split() == r.cited_levels.split(), r.criterion_id
    # the table flags ★3/★4 on each criterion's row; a requirement is ★3 when any of its rows is
    flags = ref.assign(s3=ref["requirement_star3"].eq("True"), s4=ref["requirement_star4"].eq("True")).groupby(
        "requirement_id")
    assert flags["s3"].any().to_dict() == req["star3"].to_dict()
    assert flags["s4"].any().to_dict() == req["star4"].to_dict()


def test_power_items_are_the_108_csf11_subcategories():
    items = catalogs.power_items()
    assert len(items) == 108 and items["item_id"].is_unique
    assert items["report_to_management"].dtype == bool
    facility_only = items.loc[items["applies_to"].ne("all")]
    assert "RETAIL" not in " ".join(facility_only["applies_to"])


def test_templates_and_vocabularies_load():
    assert catalogs.template_versions("auto") == ["auto-v2.0", "auto-v2.1", "auto-v2.2", "auto-v2.3"]
    v21 = catalogs.template("auto-v2.1")
    cols = v21["checklist"]["columns"]
    assert cols[cols.index("回答") + 1] == "未達成時の対応予定"
    assert "未達成時の対応予定" not in catalogs.template("auto-v2.0")["checklist"]["columns"]
    assert catalogs.template("power-2024")["checklist"]["columns"][10] == "社内文書参照先等"
    vocab = catalogs.vocabulary("auto")
    assert vocab["native"]["auto-v2.0"]["implemented"] == "○"
    assert vocab["native"]["auto-v2.1"]["not_applicable"] == "対象外"
    with pytest.raises(KeyError, match="known: auto-v2.0"):
        catalogs.template("auto-v9")


def test_v2_3_ships_as_a_provisional_version_published_on_1_september_2025():
    import datetime as dt

    t = catalogs.template("auto-v2.3")
    assert (t["version"], t["provisional"], t["published"]) == ("2.3", True, dt.date(2025, 9, 1))
    assert t["items"] == "auto-v2.3_items.csv"
    items = catalogs.items_for("auto-v2.3")
    assert len(items) == 153
    assert items["level"].value_counts().to_dict() == {"Lv2": 74, "Lv1": 50, "Lv3": 29}
    assert catalogs.vocabulary("auto")["native"]["auto-v2.3"] == {
        "implemented": "達成", "not_implemented": "未達成", "not_applicable": "対象外"}


def test_loaders_hand_out_copies():
    first = catalogs.csf2()
    first.loc[0, "node_id"] = "XX"
    assert catalogs.csf2().loc[0, "node_id"] == "GV"


# --- the checks fire on broken catalogs -------------------------------------------------------

def test_check_csf2_reports_a_missing_subcategory():
    broken = catalogs.csf2().query("node_id != 'GV.OC-03'")
    assert "csf2: 105 subcategory nodes, expected 106" in integrity.check_csf2(broken)


def test_check_csf11_reports_duplicate_and_malformed_ids():
    nodes = catalogs.csf11()
    nodes.loc[nodes["node_id"].eq("ID.AM-2"), "node_id"] = "ID.AM-1"
    nodes.loc[nodes["node_id"].eq("ID.AM-3"), "node_id"] = "ID.AM3"
    problems = integrity.check_csf11(nodes)
    assert "csf11: duplicate id 'ID.AM-1'" in problems
    assert "csf11: malformed id 'ID.AM3'" in problems


def test_check_crosswalk_reports_a_dangling_target():
    cw = catalogs.csf11_to_csf2()
    cw.loc[cw["csf11_id"].eq("ID.SC-3"), "csf2_id"] = "GV.SC-99"
    problems = integrity.check_crosswalk(cw, catalogs.csf11(), catalogs.csf2())
    assert problems == ["crosswalk: target 'GV.SC-99' not in CSF 2.0"]


def test_check_auto_items_reports_level_totals_and_unknown_mapping():
    items = catalogs.auto_items()
    items.loc[items["item_id"].eq("No.5"), "level"] = "Lv1"
    items.loc[items["item_id"].eq("No.9"), "csf2"] = "GV.PO-09"
    problems = integrity.check_auto_items(items, catalogs.auto_domains(), catalogs.csf2(),
                                          observed_levels={5: {"LV2"}})
    assert "auto items: 51 items at Lv1, expected 50" in problems
    assert "auto items: No.9 maps to unknown CSF 2.0 'GV.PO-09'" in problems
    assert "auto items: No.5 is Lv1, observed LV2" in problems


def test_check_scs_reports_a_citation_of_a_missing_item():
    items = catalogs.auto_items().query("item_id != 'No.13'")
    problems = integrity.check_scs(catalogs.scs_requirements(), catalogs.scs_criteria(), items)
    assert "scs: criterion 1-2-1-1 cites unknown item No.13" in problems


def test_check_cpsf_reports_an_uncovered_category():
    cpsf = catalogs.cpsf().query("node_id != 'CPS.MA'")
    assert integrity.check_cpsf(cpsf, catalogs.csf11()) == ["cpsf: CSF 1.1 category PR.MA not covered"]


def test_a_sector_item_mapped_to_an_unknown_or_no_subcategory_is_reported():
    items = pd.DataFrame({"item_id": ["No.1", "No.2", "No.2"], "text_ja": ["パスワード", "", "x"],
                          "csf2": ["PR.AA-01 PR.ZZ-99", "", "PR.AA-01"]})
    problems = integrity.check_sector_items({"x": {}}, {"x": items}, catalogs.csf2())
    assert "x items: No.1 maps to unknown CSF 2.0 'PR.ZZ-99'" in problems
    assert "x items: No.2 maps to no CSF 2.0 subcategory" in problems
    assert "x items: No.2 has no text" in problems
    assert "x items: duplicate id 'No.2'" in problems


def test_the_framework_catalogs_are_exactly_what_the_reference_data_builds(reference_dir, tmp_path, monkeypatch):
    """tools/build_catalogs.py, run on reference/, writes the shipped csf2/csf11/crosswalk/★ files byte for byte:
    the catalogs hold the published facts and nothing was edited by hand since."""
    import importlib.util

    tool = reference_dir.parent / "tools" / "build_catalogs.py"
    spec = importlib.util.spec_from_file_location("build_catalogs", tool)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert reference_dir == build.REFERENCE  # its default source is the repository's own
    monkeypatch.setattr(build, "OUT", tmp_path)
    build.main(reference_dir)
    shipped = reference_dir.parent / "pipeline" / "catalogs"
    for name in ("csf2.csv", "csf11.csv", "csf11_to_csf2.csv", "scs_requirements.csv", "scs_criteria.csv"):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name


def test_reference_counts_are_the_published_ones(reference_dir):
    """NIST CSF 2.0: 6 functions, 22 categories, 106 subcategories; CSF 1.1: 5 functions, 23 categories, 108."""
    subs = pd.read_csv(reference_dir / "csf2_subcategories.csv")
    assert (subs["function_id"].nunique(), subs["category_id"].nunique(), len(subs)) == (6, 22, 106)
    c11 = pd.read_csv(reference_dir / "csf11_categories.csv")
    assert (c11["function_id"].nunique(), len(c11), c11["subcategories"].sum()) == (5, 23, 108)
