"""The member PDF never fails for layout: a page whose English texts run long continues on a second page,
every row and note whole, under the table's header drawn again, with the footer on each page."""

from __future__ import annotations

import pandas as pd
from pypdf import PdfReader

from pipeline.publish.feedback_pdf import write_member_pdf
from pipeline.report.figures import PeerFigures
from pipeline.report.member_page import member_page, words
from pipeline.scoring.feedback import feedback_tables

A4_HEIGHT = 842  # points
LONG = ("Ensure that the organisation maintains a documented and regularly reviewed procedure for granting, "
        "changing and withdrawing access rights to every information system, including those operated by "
        "outside contractors and cloud service providers, and that the procedure is approved by senior "
        "management and checked against actual accounts at least once a year ({tag})")


def _member() -> tuple[str, object]:
    """Five power companies of one peer group (scores 0.2 … 1.0 on GV); the last one's page, in English,
    with ten priority items each about 420 characters long (the catalog's longest English text is ~200)."""
    keys = [f"c{i}" for i in range(5)]
    scores = pd.DataFrame([{"sector": "power", "year": 2024, "respondent_key": key, "framework": "csf2",
                            "node_id": "GV", "score": v, "n_items": 1, "n_applicable": 1}
                           for key, v in zip(keys, [0.2, 0.4, 0.6, 0.8, 1.0], strict=True)])
    respondents = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": keys,
                                "main_business_type": "RETAIL"})
    responses = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": keys, "item_id": "ID.AM-1",
                              "answer": "implemented"})
    headline, weak = feedback_tables(scores, respondents, responses, "power", 2024, k=5)["c4"]
    page = member_page("c4", "長文電力株式会社", headline, weak, "power", 2024, "en", 5)
    page.items = pd.DataFrame({"rank": range(1, 11), "item_id": [f"ID.AM-{i}" for i in range(1, 11)],
                               "text": [LONG.format(tag=f"MARKER{i:02d}") for i in range(1, 11)],
                               "answer": "Not implemented", "peer_rate": [0.9 - 0.05 * i for i in range(10)],
                               "n_applicable": 5.0})
    page.page_figure = PeerFigures(words("en"), page=True).image(page.scores)
    return page.company, page


def test_a_page_with_long_english_texts_continues_on_a_second_page(tmp_path):
    company, page = _member()
    path = write_member_pdf(tmp_path / "member.pdf", page)
    assert path.exists() and not list(tmp_path.glob("*.tmp"))
    reader = PdfReader(path)
    assert len(reader.pages) == 2  # ten items of 5 lines each and the notes: more than one page, less than three
    texts, chunks, low = [], [], []
    for p in reader.pages:
        lines: list[tuple[float, str]] = []
        p.extract_text(visitor_text=lambda t, cm, tm, font, size, out=lines: out.append((tm[5], t.strip())))
        texts.append(" ".join(t for _, t in lines))
        chunks.append({t for _, t in lines})
        # nothing but the footer below the bottom margin (0.045 of the page): no row runs into it
        low.append({t for y, t in lines if t and y < 0.045 * A4_HEIGHT})
    first, second = texts
    whole = " ".join(texts)
    # every item is there, each whole on one page: its number and the last line of its text on the same one
    for i in range(1, 11):
        assert f"MARKER{i:02d}" in whole
        on = [n for n, page_text in enumerate(texts) if f"(MARKER{i:02d})" in page_text]
        assert len(on) == 1 and f"ID.AM-{i}" in chunks[on[0]], i
    assert "MARKER01" in first and "MARKER10" in second
    # the table goes on under its own header; the notes follow in full
    assert "Item text" in first and "Item text" in second
    assert "Cybersecurity self-assessment feedback" in first
    # the second sheet says what it continues and whose it is (it read as a stray page of notes)
    assert "Cybersecurity self-assessment feedback (continued)" in chunks[1]
    assert f"{company} ・ Electric power sector ・ FY2024" in chunks[1]
    for label in ("Peer group", "How to read", "Scoring rules"):
        assert label in whole
    # the footer on each page, and nothing else below the margin
    footer = f"{company} · Electric power sector · FY2024 · sent to your company only"
    for found in low:
        assert found and all(t in footer for t in found), found


def test_score_table_headers_break_between_phrases_only(tmp_path):
    """The score table's headers broke inside words (「貴社のス / コア」「パーセン / タイル順 / 位」): each header
    line is now a run of whole phrases, and the column is wide enough for its widest phrase."""
    keys = [f"c{i}" for i in range(6)]
    scores = pd.DataFrame([{"sector": "power", "year": 2024, "respondent_key": key, "framework": "csf2",
                            "node_id": "GV", "score": v, "n_items": 1, "n_applicable": 1}
                           for key, v in zip(keys, [0.2, 0.4, 0.6, 0.8, 1.0, 0.5], strict=True)])
    respondents = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": keys,
                                "main_business_type": "RETAIL"})
    responses = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": keys, "item_id": "ID.AM-1",
                              "answer": "implemented"})
    headline, weak = feedback_tables(scores, respondents, responses, "power", 2024, k=5)["c4"]
    page = member_page("c4", "見本電力株式会社", headline, weak, "power", 2024, "ja", 5)
    page.page_figure = PeerFigures(words("ja"), page=True).image(page.scores)
    lines: list[str] = []
    PdfReader(write_member_pdf(tmp_path / "m.pdf", page)).pages[0].extract_text(
        visitor_text=lambda t, cm, tm, font, size: lines.append(t.strip()))
    # typed by hand: each header whole, or at its phrase boundary (貴社の|スコア, 比較群の|平均)
    assert "パーセンタイル順位" in lines and "偏差値" in lines and "中央値" in lines
    assert "貴社のスコア" in lines or {"貴社の", "スコア"} <= set(lines)
    assert "比較群の平均" in lines or {"比較群の", "平均"} <= set(lines)
    assert not {"貴社のス", "パーセン", "タイル順", "位", "コア"} & set(lines)


def test_notes_set_closer_keep_the_last_note_on_the_members_page(tmp_path):
    """The automotive page's last note (the scoring rules) ran alone onto a second sheet. Where setting the notes
    closer (lines 7 × 1.15 = 8.05 pt apart instead of 7 × 1.35 = 9.45 pt, the type still 7 pt) keeps every note on
    the member's page, they are set so: seven items of five lines and an eighth of two fit one page with every
    note; the same page with an eighth item of five lines still needs a second sheet, at the usual spacing."""
    company, page = _member()
    page.items = page.items.iloc[:8].copy()
    page.items.iloc[7, page.items.columns.get_loc("text")] = " ".join(LONG.split()[:20])
    reader = PdfReader(write_member_pdf(tmp_path / "one.pdf", page))
    assert len(reader.pages) == 1
    lines: list[tuple[float, float, float, str]] = []
    reader.pages[0].extract_text(visitor_text=lambda t, cm, tm, font, size: lines.append((tm[4], tm[5], size,
                                                                                             t.strip())))
    text = " ".join(t for *_, t in lines)
    assert all(label in text for label in ("Peer group", "How to read", "Scoring rules"))
    # the notes' lines: 7-point text starting 0.16 of the page's width (595 pt) from its left
    notes = sorted({round(y, 2) for x, y, size, t in lines if size == 7 and t and abs(x - 0.16 * 595.28) < 1},
                   reverse=True)
    gaps = {round(a - b, 2) for a, b in zip(notes[:-1], notes[1:], strict=True) if a - b < 9.5}
    assert gaps == {8.05}
    page.items = page.items.assign(text=LONG.format(tag="X"))
    assert len(PdfReader(write_member_pdf(tmp_path / "two.pdf", page)).pages) == 2



def test_pdfs_are_written_with_reportlabs_c_accelerator():
    """rl-accel is a dependency: without it ReportLab formats every number of every member's PDF in Python (the same
    bytes, a sixth slower over a year's 3,100 PDFs), silently. An environment missing it fails here instead."""
    from reportlab.lib import rl_accel

    assert type(rl_accel.fp_str).__name__ == "builtin_function_or_method", "pip install rl-accel (pyproject.toml)"
    assert rl_accel.fp_str(0.5, 12.25) == ".5 12.25"  # as PDF operands: no leading zero
