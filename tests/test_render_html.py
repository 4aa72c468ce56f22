"""Published tables as HTML: the words and numbers a reader of the report sees."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd

from pipeline.publish.model import PublishedTable
from pipeline.publish.render_html import REPORT_CSS, table_html
from tests.test_render_xlsx import level_table


class Cells(HTMLParser):
    """The text of each cell, and the class of each <td>, as a browser shows them."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str, str]] = []  # (tag, class, text)
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("th", "td", "caption"):
            self._open = [tag, dict(attrs).get("class") or "", ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag):
        if self._open is not None and tag == self._open[0]:
            self.cells.append(tuple(self._open))
            self._open = None


def parsed(html: str) -> list[tuple[str, str, str]]:
    p = Cells()
    p.feed(html)
    return p.cells


def test_table_shows_percent_hidden_and_not_assessed_cells():
    html = table_html(level_table(), "ja")
    cells = parsed(html)
    texts = [t for _, _, t in cells]
    assert ("caption", "", "レベル別の到達率") in cells
    assert [t for tag, _, t in cells if tag == "th"] == ["区分", "回答事業者数", "平均スコア", "到達率",
                                                         "比較年度との差"]
    assert "68.6%" in texts and "x" in texts and "—" in texts and "+5.2ポイント" in texts and "1,234" in texts
    assert "nan" not in html.lower() and "none" not in html.lower()
    assert ("td", "num hidden", "x") in cells and ("td", "num na", "—") in cells
    assert ("td", "text short", "発電事業者") in cells  # a short name never wraps
    assert '<p class="sdw-note">出典: テスト</p>' in html


def test_no_index_and_english_headers():
    cells = parsed(table_html(level_table(), "en"))
    heads = [t for tag, _, t in cells if tag == "th"]
    assert heads == ["Segment", "Respondents", "Mean score", "Share reaching", "Change since compared year"]
    assert sum(tag == "td" for tag, _, _ in cells) == 4 * 5  # 4 rows × 5 columns, no index column


def test_text_is_escaped():
    table = level_table()
    table.frame.loc[0, "segment"] = "<script>x</script>"
    html = table_html(table, "ja")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_report_css_prints_on_a4_with_japanese_fonts():
    assert "size: A4" in REPORT_CSS and "Noto Sans CJK JP" in REPORT_CSS and "IPAexGothic" in REPORT_CSS
    assert "max-width: 100%" in REPORT_CSS and "page-break-inside: avoid" in REPORT_CSS


def test_text_columns_read_left_aligned_inside_the_exported_notebook():
    """nbconvert's page styles every table cell `text-align: right` through
    `:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td` (two classes and an element); an item's text
    read right-aligned. Our rule must name more classes than that to win."""
    rule = next(line for line in REPORT_CSS.splitlines() if "td.text" in line and "text-align: left" in line)
    selector = rule.split("{")[0].split(",")[-1].strip()
    assert selector.count(".") >= 3, selector


def test_item_ids_never_wrap_beside_a_long_text():
    """English item texts are long: without a rule the browser broke PR.DS-7 into 'PR.DS-' and '7'."""
    frame = pd.DataFrame({"item_id": ["PR.DS-7"], "text": ["Keeps development and test environments separate from"
                                                          " production"], "suppressed": [""]})
    cells = parsed(table_html(PublishedTable("weakest_items", "Weakest", frame, ["item_id", "text"], k=5), "en"))
    assert ("td", "text code", "PR.DS-7") in cells
    assert ("td", "text", "Keeps development and test environments separate from production") in cells
    assert ".sdw-table-block table.sdw-table td.code { white-space: nowrap; }" in REPORT_CSS



def test_a_header_breaks_only_between_phrases():
    """Browsers broke Japanese headers anywhere (「25パーセン / タイル」「回答事業 / 者数」): a header cell forbids
    breaks inside Japanese words (word-break: keep-all) and offers one at each phrase boundary (<wbr>)."""
    import re

    from pipeline.publish.render_html import header_html

    assert header_html("95%信頼区間(下限)") == "95%信頼区間<wbr>(下限)"
    assert header_html("満たしていない事業者の割合") == "満たしていない<wbr>事業者の<wbr>割合"
    assert header_html("回答事業者数") == "回答事業者数" and header_html("25パーセンタイル") == "25パーセンタイル"
    assert header_html("Mean score (members, estimated)") == "Mean <wbr>score <wbr>(members, <wbr>estimated)"
    assert header_html("<b>") == "&lt;b&gt;"
    assert re.search(r"thead th \{[^}]*word-break: keep-all", REPORT_CSS)
    heads = re.findall(r"<th[^>]*>(.*?)</th>", table_html(level_table(), "ja"))
    # no break before a lone 「差」: a character alone on a line is no phrase (pipeline/linebreak.py)
    assert heads == ["区分", "回答事業者数", "平均スコア", "到達率", "比較年度との差"]
