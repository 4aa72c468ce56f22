"""The member page's words: peer groups and sectors named as the catalogs name them."""

from __future__ import annotations

from pipeline.report.member_page import _group_label, words


def test_size_bands_read_in_english_as_the_reports_print_them():
    assert _group_label("〜100人", "auto", "en", "all") == "1–100"
    assert _group_label("10,001人〜", "auto", "en", "all") == "10,001+"
    assert _group_label("301〜1,000人", "auto", "en", "all") == "301–1,000"
    assert _group_label("〜100人", "auto", "ja", "all") == "〜100人"


def test_a_sector_without_feedback_words_is_named_as_sectors_yaml_names_it(monkeypatch):
    """A sector added as data only: its page names it and its peers' attribute from sectors.yaml."""
    from pipeline import catalogs

    known = catalogs.sectors()
    rail = {"name": {"ja": "鉄道", "en": "Railways"}, "peer_attribute": "industry"}
    monkeypatch.setattr(catalogs, "sectors", lambda: {**known, "rail": rail})
    ja, en = words("ja"), words("en")
    assert (ja["sector"]["rail"], ja["attribute"]["rail"]) == ("鉄道", "業種")
    assert (en["sector"]["rail"], en["attribute"]["rail"]) == ("Railways", "industry")
    # the sectors with words of their own keep them; SMEs read their sectors.yaml name in Japanese
    assert (ja["sector"]["power"], ja["attribute"]["power"]) == ("電力分野", "主たる事業区分")
    assert (ja["sector"]["sme"], en["attribute"]["auto"]) == ("中小企業", "company size")
