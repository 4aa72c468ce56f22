"""Finding tables by their header labels and cover attributes by their labels, never by position."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline import catalogs
from pipeline.a1_notation import column_letters
from pipeline.catalogs import on_change, registered_cache
from pipeline.header_roles import aliases, row_roles
from pipeline.ingest.read import Sheet
from pipeline.ingest.version import bare_version, written_in
from pipeline.itemno import item_number
from pipeline.text import header_key, label_key

HEADER_SCAN_ROWS = 60


@dataclass
class Header:
    row: int
    columns: dict[str, int]  # role → column index
    options: dict[int, str] = field(default_factory=dict)  # a matrix: column → the answer its header names

    def has(self, *roles: str) -> bool:
        return all(r in self.columns for r in roles)


MatrixShapes = dict[str, tuple[tuple[str, ...], Callable[[str], str | None]]]
"""Per sector: the roles a matrix header carries besides its option columns, and what an option header means
(its text → a canonical answer, or None)."""


def find_header(sheet: Sheet, shapes: dict[str, tuple[str, ...]], matrix: MatrixShapes | None = None
                ) -> tuple[str, Header] | None:
    """The first row, near the top, that carries every role of one of the ``shapes`` (checked in order).

    A header may take two rows — group labels above (「自己評価」 over 「回答」), or 「No.」 merged
    down across both —, so a row also counts together with the one above it; the answers then
    start under the second. With ``matrix``, a header may instead give one column per option
    (実施している | 一部実施している | 実施していない | わからない, each to be marked ○ / ☑ / ✓): a row with
    two or more of a sector's answers as headers and that sector's matrix roles, on it or above it (also
    under a 「回答」 merged across the options). Returns the shape's name and the header, or None.
    """
    # rows are materialised as the scan reaches them (the header is usually near the top), the next one
    # only when a header is found and a matrix may sit under it
    scanned = min(HEADER_SCAN_ROWS, sheet.height)
    # every shape needs a role: a row with no role's label, under one with none, fits none (a cover's rows, a title)
    roleless_fit = not all(shapes.values()) or not all(required for required, _ in (matrix or {}).values())
    above: dict[str, int] = {}
    for r, row in enumerate(sheet.iter_rows(HEADER_SCAN_ROWS)):
        cols = row_roles(tuple(row))
        if not cols and not above and not roleless_fit:
            continue
        both = {**above, **cols} if above else cols
        for roles in (cols, both) if above else (cols,):
            for name, required in shapes.items():
                if all(role in roles for role in required):
                    nxt = sheet.rows(r + 2)[r + 1] if matrix and r + 1 < scanned else None
                    below = _matrix(nxt, roles, name, matrix) if nxt is not None else None
                    if below and _only_options(nxt, below[1]) \
                            and min(below[1]) <= roles.get("answer", -1) <= max(below[1]):  # 「回答」 over options
                        return name, Header(r + 1, *below)
                    return name, Header(r, dict(roles))
        for name in matrix or {}:
            found = _matrix(row, both, name, matrix)
            if found:
                return name, Header(r, *found)
        above = cols
    return None


def _only_options(row: list[str | None], options: dict[int, str]) -> bool:
    """A row of option headers under a merged 「回答」 holds nothing else (an item row has its number and text)."""
    return all(c in options or not value or is_label(value) for c, value in enumerate(row))


def _matrix(row: list[str | None], roles: dict[str, int], name: str, matrix: MatrixShapes
            ) -> tuple[dict[str, int], dict[int, str]] | None:
    """The roles and option columns of a matrix header of sector ``name`` on ``row`` (roles may come from the
    row above), or None: two or more columns headed by different answers of the sector, and its roles."""
    required, meaning = matrix[name]
    if not all(role in roles for role in required):
        return None
    options: dict[int, str] = {}
    seen: set[str] = set()
    for c, value in enumerate(row):
        answer = meaning(value) if value else None
        if answer and answer not in seen:
            seen.add(answer)
            options[c] = str(value).strip()
    if len(options) < 2:
        return None
    return {k: v for k, v in roles.items() if k != "answer"}, options




@lru_cache(maxsize=1 << 16)
def _role(group: str, value: str) -> str | None:
    """The role a label names in ``group`` of labels.yaml, by its exact (normalised) text or without hints;
    a cell carrying the label in both languages ('会社名 / Company name', '会社名\nCompany name') names it too."""
    known = aliases(group)
    return known.get(label_key(value)) or known.get(header_key(value)) or _bilingual(known, value)


_SCRIPT_BREAK = re.compile(r"[/／|｜\n]+|(?<=[^\x00-\x7f])\s*(?=[A-Za-z])|(?<=[A-Za-z.)])\s*(?=[^\x00-\x7f\s])")


def _bilingual(aliases: dict[str, str], value: str) -> str | None:
    """The role of a cell whose parts (split at a slash, a line break or a change of script) are each a
    label of that one role; None when a part is no label or the parts name different roles."""
    parts = [p for p in _SCRIPT_BREAK.split(unicodedata.normalize("NFKC", value)) if p.strip()]
    if len(parts) < 2:
        return None
    roles = {aliases.get(label_key(p)) or aliases.get(header_key(p)) for p in parts}
    return roles.pop() if len(roles) == 1 and None not in roles else None


@registered_cache
def _label_words() -> frozenset[str]:
    """Every label of labels.yaml, in every group (cover, checklist header, export header), normalised."""
    return frozenset(label_key(a) for group in catalogs.labels().values() for names in group.values() for a in names)


def is_label(value: object) -> bool:
    """True for a cell that reads as a label or header word of any group, in either language: such a cell is
    never a value ('Company name' is not a company, 「回答」 not an answer date)."""
    if value in (None, ""):
        return False
    return _is_label_text(str(value))


@lru_cache(maxsize=1 << 14)
def _is_label_text(text: str) -> bool:
    """:func:`is_label` of a text (cached: a cover's values are asked about by each finder, and most are no label,
    the dearest answer: every group's spelling and the bilingual split looked at)."""
    words = _label_words()
    return label_key(text) in words or (header_key(text) in words and header_key(text) != "") \
        or bool(_role("cover", text) or _role("export", text))


on_change(_role.cache_clear)
on_change(_is_label_text.cache_clear)


@dataclass
class ExportHeader:
    row: int
    columns: dict[str, int]
    items: dict[int, int]  # item number → column


def find_export_header(sheet: Sheet) -> ExportHeader | None:
    """A consolidated export: a row with 法人番号 or 会社名 and a column per item (No.1 …)."""
    if sheet.width < 20:  # an export has a column per item; checklists are narrow
        return None
    known = aliases("export")
    for r, row in enumerate(sheet.rows(10)):
        cols: dict[str, int] = {}
        items: dict[int, int] = {}
        for c, value in enumerate(row):
            if not value:
                continue
            key = label_key(value)
            number = item_number(key, header=True)  # No.12, Q12, 項目12, 12, No.12_回答
            if number is not None:
                items.setdefault(number, c)
            elif key in known and known[key] not in cols:
                cols[known[key]] = c
        if len(items) >= 20 and ("corporate_number" in cols or "company_name" in cols):
            return ExportHeader(r, cols, items)
    return None


_INLINE = re.compile(r"^(?P<label>[^:：]{2,16})[:：]\s*(?P<value>\S.*)$")


def cover_values(sheet: Sheet) -> dict[str, object]:
    """Label/value pairs, found by the label: the value is the first non-empty cell to its right on
    the same row, else the cell below it; a cell '会社名：株式会社X' carries both."""
    found: dict[str, object] = {}
    inline: dict[str, str] = {}  # '会社名：株式会社X' — used only where no separate label exists
    grid = sheet.rows(81)
    for r, row in enumerate(grid[:80]):
        for c, value in enumerate(row):
            if not value:
                continue
            role = _role("cover", value)
            if role is None:
                label_and_value = _inline(value)
                if label_and_value:
                    inline.setdefault(*label_and_value)
                continue
            if role in found:
                continue
            # the label again in the other language ('会社名 | Company name | 株式会社X') comes before the value
            rest = [v for k, v in enumerate(row[c + 1:]) if not (k < 4 and v and _role("cover", v) == role)]
            right = _digit_boxes(rest) if role == "corporate_number" else _ticked_boxes(rest)
            right = right or _value(rest[:4])
            below = grid[r + 1][c] if r + 1 < len(grid) else None
            below = below if below not in (None, "") and not is_label(below) else None
            found[role] = right if right is not None else below
    return {k: v for k, v in inline.items() if not is_label(v)} | {k: v for k, v in found.items() if v is not None}


def _value(cells: list[str | None]) -> str | None:
    """The first filled cell right of a label, unless it is itself a label (the next pair's: this one's value
    is blank, or below it) or a header word."""
    value = next((v for v in cells if v not in (None, "")), None)
    return None if value is None or is_label(value) else value


def _run(cells: list[str | None], accept: Callable[[str], bool]) -> list[str]:
    """The cells, after any leading blanks, that each pass ``accept`` until one does not: a value
    a form spreads over a row of boxes."""
    run: list[str] = []
    for value in cells:
        text = value.strip() if value else ""
        if text and accept(text):
            run.append(text)
        elif run or text:
            break
    return run


def _digit_boxes(cells: list[str | None]) -> str | None:
    """A number written one digit per cell (法人番号 forms with a box per digit), joined; None
    unless at least two such cells follow each other."""
    digits = [label_key(d) for d in _run(cells, lambda text: len(label_key(text)) == 1 and label_key(text).isdigit())]
    return "".join(digits) if len(digits) > 1 else None


CHECKBOXES = "■☑☒✓✔□☐"


def _ticked_boxes(cells: list[str | None]) -> str | None:
    """A checkbox list spread over cells ('☑発電事業者' | '□送配電事業者' | '☑小売電気事業者'), joined,
    ticked and unticked, for the attribute parser to keep the ticked ones; None unless at least two."""
    boxes = _run(cells, lambda text: text[0] in CHECKBOXES)
    return " ".join(boxes) if len(boxes) > 1 else None


def _inline(value: str) -> tuple[str, str] | None:
    """('company_name', '株式会社X') from '会社名：株式会社X'; None when the text before the colon is no label."""
    m = _INLINE.match(value.strip())
    role = aliases("cover").get(header_key(m.group("label"))) if m else None
    return (role, m.group("value")) if role else None


COVER_ROWS = 200  # a cover is a page or two; a sheet much longer than that is no cover


def versions_written(sheets: Iterable[tuple[str, Sheet, int | None]], names: Iterable[str] = ()
                     ) -> list[tuple[str, str]]:
    """Every version a form writes, with where it is written ('2.3', '表紙!B1'): the text cells of each
    (name, sheet, rows) in its top ``rows`` (None: a cover's whole page), a version field (「様式の版 |
    2.4」, 「版 | Ver.2.4」) and the sheet ``names``. Change-history sheets and texts about a change
    between versions (「Ver.2.2から変更」) are not read: they name other versions than the form's."""
    found: list[tuple[str, str]] = []
    for name, sheet, rows in sheets:
        if is_history_name(name):
            continue
        grid = sheet.rows(COVER_ROWS if rows is None else rows)
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if not value:
                    continue
                v, at = written_in(value), (r, c)
                if v is None and _role("cover", value) == "form_version":
                    v, at = _field_version(grid, r, c)
                if v is not None:
                    found.append((v, f"{name}!{column_letters(at[1])}{at[0] + 1}"))
    found += [(v, f"sheet name {n!r}") for n in names if not is_history_name(n) and (v := written_in(n))]
    return found


def _field_version(grid: list[list[str | None]], r: int, c: int) -> tuple[str | None, tuple[int, int]]:
    """The version a version field holds, right of its label or below it, and that cell's (row, col)."""
    right = next(((k, v) for k, v in enumerate(grid[r][c + 1: c + 5], start=c + 1) if v not in (None, "")), None)
    if right is not None:
        return bare_version(right[1]) or written_in(right[1]), (r, right[0])
    below = grid[r + 1][c] if r + 1 < len(grid) else None
    return (bare_version(below) or written_in(below)) if below else None, (r + 1, c)


HISTORY_NAMES = ("履歴", "変更点", "history", "changelog")


def is_history_name(name: str) -> bool:
    """A sheet listing the form's revisions (改訂履歴, 変更履歴 …): the versions it names are past ones."""
    key = label_key(name)
    return any(word in key for word in HISTORY_NAMES)


def is_checklist_name(name: str) -> bool:
    key = label_key(name)
    return "チェックシート" in key or "checklist" in key or "点検" in key


def is_derived_name(name: str) -> bool:
    key = label_key(name)
    return key.startswith("可視化結果") or key == "集計"


COVER_NAMES = ("表紙", "基本情報", "回答者情報", "企業情報", "事業者情報", "会社情報", "フェイスシート", "cover")
EXAMPLE_NAMES = ("記入例", "記載例", "見本", "サンプル", "sample", "example", "記入要領", "説明")


def is_cover_name(name: str) -> bool:
    key = label_key(name)
    return any(word in key for word in COVER_NAMES) and not is_example_name(name)


def is_example_name(name: str) -> bool:
    """Sheets that show how to fill the form in: their company details are an example's."""
    key = label_key(name)
    return any(word in key for word in EXAMPLE_NAMES)
