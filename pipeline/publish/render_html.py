"""Published tables as HTML for the report notebook, and the stylesheet of the self-contained report.

The markup is deliberately plain (a ``<table>`` with a caption and class names, a note paragraph, no
inline scripts or pandas Styler ids): it is shown through ``IPython.display.HTML`` in executed
notebooks, exported by nbconvert, and printed on A4 by policy staff, and it must look the same in all
three. Every string comes from :func:`pipeline.publish.formats.people_frame`, so the HTML shows
exactly the words and numbers of the people's workbook.
"""

from __future__ import annotations

from html import escape
from string import Template

from pipeline import palette
from pipeline.linebreak import phrases
from pipeline.publish.formats import (
    NUMERIC_KINDS,
    hidden_rows,
    hidden_text,
    kind,
    people_frame,
    said_once,
    withheld_cells,
)
from pipeline.publish.model import PublishedTable
from pipeline.xlsx import display_width

REPORT_CSS = Template("""
@page { size: A4 landscape; margin: 12mm 14mm 14mm 14mm; }
body { font-family: "Noto Sans CJK JP", "IPAexGothic", "Hiragino Sans", "Meiryo", sans-serif;
       font-size: 10.5pt; line-height: 1.6; color: ${PAGE_TEXT_COLOUR}; max-width: 60em; margin: 0 auto; }
h1, h2, h3 { line-height: 1.3; page-break-after: avoid; break-after: avoid; }
h1 { font-size: 18pt; }
h2 { font-size: 14pt; border-bottom: 1px solid ${HTML_HEADING_RULE_COLOUR}; } h3 { font-size: 12pt; }
img { max-width: 100%; height: auto; }
figure, .sdw-figure, .sdw-table-block, table { page-break-inside: avoid; break-inside: avoid; }
figure { margin: 1em 0; } figcaption { font-size: 9pt; color: ${HTML_NOTE_COLOUR}; }
table.sdw-table { border-collapse: collapse; margin: 0.8em 0 0.2em; font-size: 9.5pt; }
table.sdw-table caption { caption-side: top; text-align: left; font-weight: bold; font-size: 11pt;
                          padding-bottom: 0.3em; }
table.sdw-table th, table.sdw-table td { padding: 0.25em 0.6em; border-bottom: 1px solid ${HTML_RULE_COLOUR};
                                         vertical-align: top; }
table.sdw-table thead th { background: ${HTML_HEADER_FILL_COLOUR}; border-bottom: 2px solid ${HTML_HEADER_RULE_COLOUR};
                           text-align: left; font-weight: bold; vertical-align: bottom; word-break: keep-all; }
/* a header breaks only where header_html put a <wbr> (between phrases), never inside 「回答事業者数」 */
table.sdw-table th.num, table.sdw-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.sdw-table td.num { white-space: nowrap; }  /* a header may wrap (long English ones), a number never */
table.sdw-table td.hidden, table.sdw-table td.na { color: ${MARK_COLOUR}; }
/* a text cell breaks only where table_html put a <wbr> (between words, after 「・」), never 「一般送配 / 電」 */
table.sdw-table td.text { word-break: keep-all; }
.sdw-table-block table.sdw-table th.text, .sdw-table-block table.sdw-table td.text { text-align: left; }
.sdw-table-block table.sdw-table th.num, .sdw-table-block table.sdw-table td.num { text-align: right; }
.sdw-table-block table.sdw-table td.code { white-space: nowrap; }
.sdw-table-block table.sdw-table td.short { white-space: nowrap; }
table.sdw-table tbody tr:nth-child(even) { background: ${HTML_STRIPE_COLOUR}; }
table.sdw-table caption .sdw-caption-note { font-weight: normal; font-size: 9.5pt; }
p.sdw-note { font-size: 9pt; color: ${HTML_NOTE_COLOUR}; margin: 0.2em 0 1.2em; }
.sdw-provenance { font-size: 8pt; color: ${HTML_PROVENANCE_COLOUR}; }
@media print { body { max-width: none; } table.sdw-table tbody tr:nth-child(even) { background: none; }
               table.sdw-table { width: 100%; } thead { display: table-header-group; }
               tr { page-break-inside: avoid; break-inside: avoid; }
               table, .sdw-table-block { page-break-inside: auto; break-inside: auto; } }
@media print { .jp-OutputArea-output { overflow: visible !important; } table.sdw-table { font-size: 9pt; }
               table.sdw-table th, table.sdw-table td { padding: 0.2em 0.35em; } }
""").substitute(vars(palette))
"""A small stylesheet for the self-contained HTML report: A4 landscape pages (a ten-column table printed on a
portrait page was shrunk to a quarter of its size), Japanese fonts first, figures never split across pages; a
long table continues on the next page with its header repeated, a row never split; printed, a wide table (ten
English columns) is set smaller instead of being cut at a scroll box's edge."""

CODE_COLUMNS = frozenset({"item_id", "node_id"})
"""Identifiers such as PR.DS-7: their cells never wrap (a browser breaks at the hyphen when a long English
item text beside them wants the room)."""
SHORT_TEXT = 12
"""Text cells at most this wide (a kanji counts two) do not wrap either: a function's name wrapped one
character a line beside a wide table."""


def header_html(text: str) -> str:
    """A header as HTML that breaks only between phrases (:mod:`pipeline.linebreak`): a ``<wbr>`` at each
    boundary, and ``word-break: keep-all`` on the header cells (:data:`REPORT_CSS`) forbids every other break
    inside Japanese text (a browser breaks it between any two characters: 「25パーセン / タイル」)."""
    return "<wbr>".join(escape(p) for p in phrases(str(text)))


def table_html(table: PublishedTable, lang: str) -> str:
    """A published table as an HTML fragment: ``<table class="sdw-table">`` with the title as caption,
    translated headers, right-aligned numbers, no index, and the note under it.

    Parameters
    ----------
    table : PublishedTable
        A protected table.
    lang : {'ja', 'en'}
        Report language.

    Returns
    -------
    str
        ``<div class="sdw-table-block">…</div>``; hidden cells carry class ``hidden`` and read
        ``x``, not-assessed cells class ``na`` and read '—'.
    """
    shown = people_frame(table, lang)
    cols = table.people_columns()
    # a year the same on every row, a column withheld on every row: said once under the caption (as on a slide)
    dropped, said = said_once(shown, dict(zip(shown.columns, map(kind, cols), strict=True)), table.title, lang)
    cols = [c for c, h in zip(cols, shown.columns, strict=True) if h not in dropped]
    shown = shown.drop(columns=dropped)
    numeric = [kind(c) in NUMERIC_KINDS for c in cols]
    code = [c in CODE_COLUMNS for c in cols]
    hidden = hidden_rows(table)
    withheld = withheld_cells(table)
    mark = hidden_text()
    lines = [f'<div class="sdw-table-block" id="{escape(table.name)}">', '<table class="sdw-table">']
    if table.title:
        below = "".join(f'<br><span class="sdw-caption-note">{escape(line)}</span>' for line in said)
        lines.append(f"<caption>{escape(table.title)}{below}</caption>")
    heads = "".join(f'<th class="{"num" if num else "text"}" scope="col">{header_html(h)}</th>'
                    for h, num in zip(shown.columns, numeric, strict=True))
    lines += ["<thead>", f"<tr>{heads}</tr>", "</thead>", "<tbody>"]
    for r, row in enumerate(shown.itertuples(index=False)):
        cells = []
        for col, text, num, is_code in zip(cols, row, numeric, code, strict=True):
            # an identifier, or a short name ("統治", "発電"), never breaks into one character a line
            short = not num and display_width(str(text)) <= SHORT_TEXT
            classes = ["num" if num else "text"] + (["code"] if is_code else ["short"] if short else [])
            if (hidden[r] or col in withheld[r]) and text == mark:
                classes.append("hidden")
            elif text == "—":
                classes.append("na")
            body = escape(str(text)) if num or is_code else header_html(str(text))  # text breaks between words
            cells.append(f'<td class="{" ".join(classes)}">{body}</td>')
        lines.append(f"<tr>{''.join(cells)}</tr>")
    lines += ["</tbody>", "</table>"]
    if table.note:
        lines.append(f'<p class="sdw-note">{escape(table.note)}</p>')
    lines.append("</div>")
    return "\n".join(lines)
