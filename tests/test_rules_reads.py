"""k, the level threshold and the instrument's own scale are read through the rules loader, override included."""

from __future__ import annotations

from pipeline.report.tables import own_scale


def test_the_own_scale_follows_a_rules_override():
    assert own_scale("sme")["points"] == {"implemented": 4, "partial": 2, "not_implemented": 0, "unknown": -1}
    assert [b["id"] for b in own_scale("sme")["bands"]] == ["b1_100", "b2_70_99", "b3_50_69", "b4_49_or_less"]
    other = {"instrument_points": {"sme": {"points": {"implemented": 1}, "bands": [{"id": "all"}]}}}
    assert own_scale("sme", other) == {"points": {"implemented": 1}, "bands": [{"id": "all"}]}
    assert own_scale("power", other) == {}  # the override declares no scale for power


def test_segment_order_built_from_the_catalogs_keeps_the_reports_order():
    """The order the reports listed segments in when it was written out in code (typed here from it)."""
    from pipeline.report.tables import segment_order

    order = segment_order()
    assert order["size_band"] == ["〜100人", "101〜300人", "〜300人", "301〜1,000人", "1,001〜10,000人", "10,001人〜",
                                  "1,001人〜"]
    business = ["TD_GROUP", "TD_GENERAL", "TRANSMISSION", "DISTRIBUTION", "FACILITY_GROUP", "TD_SPECIFIED",
                "GENERATION", "RETAIL", "WHOLESALE_SPECIFIED", "PRIVATE_FACILITY"]
    assert order["business_types"] == order["main_business_type"] == business
    assert order["industry"] == ["完成車", "自動車部品", "素材・材料", "設備・機械", "ソフトウェア・IT", "物流",
                                 "販売・サービス"]
    assert order["target_level"] == ["Lv1", "Lv2", "Lv3"]
