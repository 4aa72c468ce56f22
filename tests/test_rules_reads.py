"""k, the level threshold and the instrument's own scale are read through the rules loader, override included."""

from __future__ import annotations

from pipeline.report.tables import own_scale


def test_the_own_scale_follows_a_rules_override():
    assert own_scale("sme")["points"] == {"implemented": 4, "partial": 2, "not_implemented": 0, "unknown": -1}
    assert [b["id"] for b in own_scale("sme")["bands"]] == ["b1_100", "b2_70_99", "b3_50_69", "b4_49_or_less"]
    other = {"instrument_points": {"sme": {"points": {"implemented": 1}, "bands": [{"id": "all"}]}}}
    assert own_scale("sme", other) == {"points": {"implemented": 1}, "bands": [{"id": "all"}]}
    assert own_scale("power", other) == {}  # the override declares no scale for power
