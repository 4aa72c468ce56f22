"""The member page's words: peer groups and sectors named as the catalogs name them."""

from __future__ import annotations

from pipeline.report.member_page import peer_group_label, words


def test_size_bands_read_in_english_as_the_reports_print_them():
    assert peer_group_label("〜100人", "auto", "en", "all") == "1–100"
    assert peer_group_label("10,001人〜", "auto", "en", "all") == "10,001+"
    assert peer_group_label("301〜1,000人", "auto", "en", "all") == "301–1,000"
    assert peer_group_label("〜100人", "auto", "ja", "all") == "〜100人"


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


def _six_retailers_headline():
    """The feedback tables of company c0 among six power retailers scoring GV 0.2 … 1.0 and 0.5 (k = 5)."""
    import pandas as pd

    from pipeline.scoring.feedback import feedback_tables

    keys = [f"c{i}" for i in range(6)]
    scores = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": keys, "framework": "csf2",
                           "node_id": "GV", "score": [0.2, 0.4, 0.6, 0.8, 1.0, 0.5], "n_items": 1, "n_applicable": 1})
    respondents = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": keys,
                                "main_business_type": "RETAIL"})
    responses = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": keys, "item_id": "ID.AM-1",
                              "answer": "implemented"})
    return feedback_tables(scores, respondents, responses, "power", 2024, k=5)["c0"]


def test_a_withheld_count_beside_a_rounded_rate_reads_hidden_not_not_assessed(tmp_path):
    """Priority items: a rate printed rounded has its applicable count withheld: the cell says 'hidden'."""
    import openpyxl
    import pandas as pd

    from pipeline.publish.feedback_xlsx import write_member_workbook
    from pipeline.report.member_page import member_page

    headline, _ = _six_retailers_headline()
    weak = pd.DataFrame({"rank": [1, 2], "item_id": ["ID.AM-1", "ID.AM-2"], "answer": "not_implemented",
                         "peer_rate": [0.8, float("nan")], "n_applicable": [float("nan"), float("nan")],
                         "n_companies": 900.0, "template_version": ""})
    page = member_page("c0", "見本電力株式会社", headline, weak, "power", 2024, "en", 5)
    path = write_member_workbook(tmp_path / "c0.xlsx", page)
    rows = list(openpyxl.load_workbook(path)["Priority items"].iter_rows(min_row=5, max_row=6, values_only=True))
    assert rows[0][4:] == (0.8, "x") and rows[1][4:] == ("x", "x")
    assert "Implementation rates of the priority items are those of Electric power sector (900 companies)." \
        in page.peers


def test_a_rate_published_rounded_reads_in_whole_percent_in_the_workbook_and_the_pdf(tmp_path):
    """Priority items: a rate the report prints rounded (1…k−1 companies not applicable) reads 「80%」 beside 「x」,
    as in the report's item table, never 「80.0%」; an exact rate keeps its decimal (「72.5%」). Both say 'x' for
    what is withheld, the mark the 記号 line explains."""
    import openpyxl
    import pandas as pd
    from pypdf import PdfReader

    from pipeline.publish.feedback_pdf import write_member_pdf
    from pipeline.publish.feedback_xlsx import write_member_workbook
    from pipeline.report.figures import PeerFigures
    from pipeline.report.member_page import member_page, words

    headline, _ = _six_retailers_headline()
    weak = pd.DataFrame({"rank": [1, 2], "item_id": ["ID.AM-1", "ID.AM-2"], "answer": "not_implemented",
                         "peer_rate": [0.8, 0.725], "n_applicable": [float("nan"), 40.0], "rounded": [True, False],
                         "n_companies": 40.0, "template_version": ""})
    page = member_page("c0", "見本電力株式会社", headline, weak, "power", 2024, "ja", 5)
    ws = openpyxl.load_workbook(write_member_workbook(tmp_path / "c0.xlsx", page))["優先して取り組む項目"]
    rows = list(ws.iter_rows(min_row=5, max_row=6))
    assert [c.value for c in rows[0][4:]] == [0.8, "x"] and rows[0][4].number_format == "0%"
    assert [c.value for c in rows[1][4:]] == [0.725, 40] and rows[1][4].number_format == "0.0%"
    assert "x: 秘匿" in page.symbols and "非表示" not in page.symbols
    page.page_figure = PeerFigures(words("ja"), page=True).image(page.scores)
    text = PdfReader(write_member_pdf(tmp_path / "c0.pdf", page)).pages[0].extract_text()
    assert "80%" in text and "80.0%" not in text and "72.5%" in text


def test_the_page_states_the_level_threshold_of_the_rules_it_was_scored_by():
    """A run scored under an override (level threshold 80% instead of scoring.yaml's 90%) says 80% on every page."""
    import pandas as pd

    from pipeline.report.member_page import member_page
    from pipeline.scoring.feedback import feedback_tables

    keys = [f"c{i}" for i in range(6)]
    scores = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": keys, "framework": "csf2",
                           "node_id": "GV", "score": [0.2, 0.4, 0.6, 0.8, 1.0, 0.5], "n_items": 1, "n_applicable": 1})
    respondents = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": keys, "size_band": "〜100人"})
    responses = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": keys, "item_id": "No.1",
                              "answer": "implemented"})
    headline, _ = feedback_tables(scores, respondents, responses, "auto", 2024, k=5)["c0"]
    weak = pd.DataFrame({"rank": [1], "item_id": ["No.2"], "answer": "not_implemented", "peer_rate": [0.5],
                         "n_applicable": [6.0], "n_companies": 6.0, "template_version": ""})
    scored_at_80 = member_page("c0", "見本部品株式会社", headline, weak, "auto", 2024, "ja", 5,
                               rules={"level_threshold": 0.8})
    assert "該当項目の80%以上を達成" in scored_at_80.rules and "90%" not in scored_at_80.rules
    scored_by_default = member_page("c0", "見本部品株式会社", headline, weak, "auto", 2024, "ja", 5)
    assert "該当項目の90%以上を達成" in scored_by_default.rules
