"""Every colour sdw draws, named once: the figures' series and marks, and the pages, workbooks, slides and
HTML around them.

A leaf that imports nothing, so the figures (through :mod:`pipeline.report.style`) and the publishers (PDF
pages, workbooks, the deck, the report's stylesheet) read the same names: a colour changes here and nowhere
else. The values are matplotlib, ReportLab, xlsxwriter and CSS colours alike (hex codes, or "white" and
"black" where a figure means the paper and the ink).
"""

from __future__ import annotations

# --- figures: series --------------------------------------------------------------------------------------

# Okabe–Ito, ordered so neighbours also differ in lightness (greyscale printing). The yellow
# (#F0E442) is left out: on white it is all but invisible, on screen and on paper.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000"]
TOTAL_COLOUR = PALETTE[-1]  # the total (全体) line and bar: black, thickest
RISE_COLOUR = PALETTE[0]  # a bar of a rise (or of any value, when bars do not diverge)
FALL_COLOUR = PALETTE[3]  # a bar of a fall: vermilion, and hatched, against the blue of a rise
PEER_COLOUR = PALETTE[0]  # a member's figure: the peers' interquartile band
COMPANY_COLOUR = PALETTE[3]  # a member's figure: the company's diamonds and values, against the blue band

# --- figures: marks, lines and text -------------------------------------------------------------------------

PAPER_COLOUR = "white"  # the figure's ground: fill of outlined marks (a band bar, a hidden heatmap cell, the
#                         peers' mean), the thin gaps between adjacent bars and the edge of the company's diamond
STRONG_INK_COLOUR = "black"  # medians (a box's line, the peers' bar), the peers' mean circle, the zero of a change
INK_COLOUR = "#333333"  # the hidden mark, error bars, value labels and neutral legend keys
NOTE_COLOUR = "#444444"  # a figure's note and source line
MUTED_COLOUR = "#555555"  # the not-assessed dash and small tick labels
FAINT_COLOUR = "#666666"  # a line saying a statistic is not shown
REFERENCE_COLOUR = "#777777"  # reference lines (a target share, no change), the divider before the total
STAMP_COLOUR = "#888888"  # the footer of a member's PDF pages
KEY_EDGE_COLOUR = "#999999"  # edge of a legend key on a pale fill
CELL_EDGE_COLOUR = "#DDDDDD"  # outline of a hidden heatmap cell
NOT_ASSESSED_COLOUR = "#EEEEEE"  # a heatmap cell no answer reaches

# --- figures: the heatmap -----------------------------------------------------------------------------------

HEATMAP_CMAP = "cividis"  # 0–1 shares and means: perceptually even, readable in greyscale and colour-blind
HEATMAP_DARK_BELOW = 0.6  # cividis is dark below this value: a cell's text there is PAPER_COLOUR, else ink
ON_DARK_COLOUR = PAPER_COLOUR  # a heatmap value printed on a dark cell
ON_LIGHT_COLOUR = STRONG_INK_COLOUR  # a heatmap value printed on a light cell

# --- pages: member PDFs, workbooks, the deck and the HTML report ----------------------------------------------

TEXT_COLOUR = "#000000"  # body text of a PDF page and its table cells
PAGE_TEXT_COLOUR = "#1A1A1A"  # body text of the HTML report and of the deck's slides
PAGE_NOTE_COLOUR = "#333333"  # a PDF page's notes and paragraphs
SHEET_NOTE_COLOUR = "#404040"  # a workbook's notes and paragraphs
MARK_COLOUR = "#808080"  # a hidden mark (x) or a dash in a table cell: grey, never read as a number
SLIDE_MUTED_COLOUR = "#6E6E6E"  # the deck's subtitles and source lines
ACCENT_COLOUR = "#1F4E79"  # a workbook's links and the deck's title band and rule
HEADER_FILL_COLOUR = "#D9D9D9"  # a table header's fill (PDF pages, tables.xlsx)
PLAIN_HEADER_FILL_COLOUR = "#DDDDDD"  # the header of a plain machine sheet (one table per sheet)
HEADER_RULE_COLOUR = "#A6A6A6"  # a workbook header's border, the rule above a requirement's lines
ROW_RULE_COLOUR = "#DDDDDD"  # the rule under a row of a member's PDF table
GROUP_RULE_COLOUR = "#BBBBBB"  # the rule above a requirement on the ★ page's PDF
HTML_RULE_COLOUR = "#D0D0D0"  # the rule under a row of an HTML table
HTML_HEADER_FILL_COLOUR = "#E8E8E8"  # an HTML table's header
HTML_STRIPE_COLOUR = "#F7F7F7"  # every other row of an HTML table, on screen
HTML_HEADING_RULE_COLOUR = "#999999"  # the rule under a section heading of the HTML report
HTML_HEADER_RULE_COLOUR = "#888888"  # the rule under an HTML table's header
HTML_NOTE_COLOUR = "#555555"  # figure captions and table notes of the HTML report
HTML_PROVENANCE_COLOUR = "#777777"  # the HTML report's provenance line
