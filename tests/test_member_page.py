"""The member page's words: peer groups and sectors named as the catalogs name them."""

from __future__ import annotations

from pipeline.report.member_page import _group_label


def test_size_bands_read_in_english_as_the_reports_print_them():
    assert _group_label("〜100人", "auto", "en", "all") == "1–100"
    assert _group_label("10,001人〜", "auto", "en", "all") == "10,001+"
    assert _group_label("301〜1,000人", "auto", "en", "all") == "301–1,000"
    assert _group_label("〜100人", "auto", "ja", "all") == "〜100人"
