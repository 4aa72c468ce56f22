"""Answers marked in a grid: one column per option, the chosen one marked (○, ☑, ✓, レ, 1 …).

IPA's own self-check sheet is laid out this way (No. | 診断項目 | 実施している | 一部実施している |
実施していない | わからない), and associations copy the layout for their forms. The header is found by
locate.find_header (option headers are answers of the sector's vocabulary); this module says what a
mark is and turns each row's marks into the raw answer the vocabulary maps.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from pipeline import catalogs
from pipeline.catalogs import registered_cache
from pipeline.ingest.locate import Header, MatrixShapes
from pipeline.ingest.read import Sheet
from pipeline.ingest.vocab import canonical_answer
from pipeline.text import clean_text, header_key


@registered_cache
def matrix_shapes() -> MatrixShapes:
    """Per sector, the roles of a matrix header (``matrix_roles`` in catalogs/sectors.yaml, else its
    header_roles without 「回答」) and what an option header means: an answer of the sector's vocabulary."""
    return {s: (tuple(v.get("matrix_roles") or [r for r in v["header_roles"] if r != "answer"]),
                _option_meaning(s)) for s, v in catalogs.sectors().items()}


def _option_meaning(sector: str) -> Callable[[str], str | None]:
    @lru_cache(maxsize=4096)  # the cells of a header's row and the row under it recur in every file
    def meaning(text: str) -> str | None:
        for key in (text, header_key(text)):  # 「実施している(○)」: the option, with a hint how to mark it
            answer = canonical_answer(key, sector)
            if answer not in ("invalid", "unanswered"):
                return answer
        return None
    return meaning


MARKS = frozenset("○●◯〇◎☑☒✓✔✅■レxX1") | {"true", "v", "V"}
"""What marks a chosen option in a matrix (one column per answer): a circle, a ticked box, a tick, レ, x, 1
(also TRUE, a linked checkbox's cell). A blank cell, an empty box, 0 or FALSE is no mark; anything else
makes the row unreadable."""
NO_MARKS = frozenset({"", "☐", "□", "0", "false", "-", "－"})


def matrix_answers(sheet: Sheet, header: Header, first: int, kept: tuple[int, ...]
                   ) -> tuple[list[str | None], list[int]]:
    """Raw answers and their columns for the item rows ``kept`` (positions under row ``first``): each row's answer
    is the header of its one marked column (the marked cell is its lineage); no mark → None (unanswered); two
    marks, or a cell that is no mark → a text that maps to no answer (invalid, kept to report, naming the
    columns)."""
    options = {c: sheet.column(c, first) for c in header.options}
    raw: list[str | None] = []
    cols: list[int] = []
    for k in kept:
        marked, odd = [], []
        for c, cells in options.items():
            text = clean_text(cells[k])
            if text in MARKS or text.lower() in MARKS:
                marked.append(c)
            elif text.lower() not in NO_MARKS:
                odd.append((c, text))
        if odd:
            raw.append("判読できない印: " + ", ".join(f"{header.options[c]}欄「{t}」" for c, t in odd))
            cols.append(odd[0][0])
        elif len(marked) > 1:
            raw.append("複数に印: " + " / ".join(header.options[c] for c in marked))
            cols.append(marked[0])
        elif marked:
            raw.append(header.options[marked[0]])
            cols.append(marked[0])
        else:
            raw.append(None)
            cols.append(min(header.options))
    return raw, cols
