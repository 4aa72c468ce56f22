"""What reading one input may cost: limits checked before the reader sees the bytes, and a memory
ceiling for the processes that read.

A checklist is ~200 × 12 cells in a workbook of ~70 kB that inflates to ~80 kB; a full year's
consolidated export (3,100 companies × 170 columns, ~530,000 cells) is ~1.5 MB inflating to ~18 MB
(12×). The limits below leave several times that room and stop what no submission needs: a sheet
spanning millions of cells (the reader allocates every cell in between), parts that inflate to
hundreds of megabytes, or an expansion ratio only a crafted file has. Each is quarantined with its
reason (``too_large``, ``sheet_too_large``) and the limit in the message, before memory is spent. The
cells a sheet spans are checked when the reader is about to load it (:class:`SheetGuard`; the reader
builds no other sheet), over every part the reader might take for it (where that is not certain, every
part holding a sheet), its cells placed as the reader (calamine) places them. A part whose stream does not
match the ZIP's directory (longer, shorter, another CRC), or that no XML parser reads, is refused as
``corrupt``: the reader would read all of it, unchecked. An .ods is checked when the guard is made, before
the reader opens it (the reader builds all its tables then, :func:`_check_ods`). Not checked up front: .xlsb
(binary records), left to the memory ceiling.

What cannot be checked up front (an old .xls whose damaged records describe a sheet of a hundred
million cells) meets :func:`limit_memory`: a reader process may not grow its data beyond
``READER_MEMORY_MB``; the reader's allocation then fails at once, the process ends, and the file is
quarantined as read_error (run.py), instead of taking a minute and gigabytes. XML nesting is not
limited: the reader parses XML as a stream, never recursively (a part nested 200,000 deep is read in
a few MB; tested in test_fuzz.py).
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import sys
import urllib.parse
import xml.parsers.expat
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

from pipeline.ingest.reasons import Rejected

MB = 1024 * 1024
MAX_FILE_BYTES = 100 * MB  # one file or archive member as stored (a year's export is ~1.5 MB)
MAX_INFLATED_BYTES = 100 * MB  # a workbook's parts together, inflated (a year's export: ~18 MB)
MAX_EXPANSION = 100  # inflated ÷ stored, once past EXPANSION_FROM_BYTES (real workbooks: 5–15×)
EXPANSION_FROM_BYTES = 10 * MB
# Archives, checked from their directory before any member is inflated (discover.py): a member may be an
# archive of workbooks, hence twice a file's size; the expansion ratio is the workbooks' one, applied from
# a smaller size since nothing of the member has been read yet.
MAX_ARCHIVE_MEMBER_BYTES = 200 * MB
ARCHIVE_EXPANSION_FROM_BYTES = 5 * MB
MAX_ARCHIVE_DEPTH = 3  # ZIPs inside ZIPs
MAX_CELLS = 2_000_000  # cells spanned by a workbook's sheets together (a year's export: ~530,000)
READER_MEMORY_MB = 1024  # data a reader process may add to what it had when it started
MAX_XML_DEPTH = 1000  # elements open at once where the guard parses a part as XML (a worksheet nests about 6)
_CHUNK = 1 * MB
_OVERLAP = 512  # bytes kept from one piece to the next: more than any cell's start tag
# The start of an element a reader may take for a cell: <c …> or any prefix's <p:c …> (the reader compares the name
# after the first colon), and a cell start in the one form every writer uses, which the exact count trusts: r first,
# in double quotes, upper-case letters and at most seven digits, then attributes other than r, values without < or >.
_CELL_START = re.compile(rb'<c[\s/>]')
_PREFIXED_CELL = re.compile(rb':c[\s/>]')
_STANDARD_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?:[ \t\r\n]+(?!r=)[A-Za-z_][\w.:-]*="[^"<>]*")*'
                            rb'[ \t\r\n]*(/?)>')
WORKBOOK = "xl/workbook.xml"
RELS = "xl/_rels/workbook.xml.rels"


def _size(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB else f"{n / 1024:,.0f} kB"


def file_size_text(n_bytes: int) -> str:
    """Why a file larger than any submission is refused before its bytes are read (discover.py)."""
    return f"the file is {_size(n_bytes)}; the limit is {_size(MAX_FILE_BYTES)} per file"


def check_cells(n_cells: int, what: str) -> None:
    """Refuse a workbook or CSV spanning more cells than any submission (``what`` says where)."""
    if n_cells > MAX_CELLS:
        raise Rejected("sheet_too_large", f"{what}; the limit is {MAX_CELLS:,} cells per file")


def _column_number(letters: bytes) -> int:
    """A column's number, 1-based, from its upper-case letters (b"A" → 1, b"AA" → 27)."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def workbook_guard(data: bytes, infos: list[zipfile.ZipInfo] | None = None) -> SheetGuard:
    """Check an xlsx/xlsm's ZIP directory against the size limits now, and return what checks each sheet's
    extent when the reader is about to load it. ``infos``: the directory, when the caller has read it already
    (else it is read here). A directory zipfile cannot read leaves nothing to check a
    sheet against: the reader usually cannot open such a file either (and says why); if it can, no sheet of
    it is loaded (corrupt)."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist() if infos is None else infos
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        if re.search(rb"(?i)content\.xml", data):  # maybe an .ods, which the reader builds whole when opening it
            raise Rejected("corrupt", "the ZIP's directory cannot be read, so its tables cannot be checked before "
                           "reading") from None
        return SheetGuard(data, None)
    for info in infos:
        _one_name(info)
    inflated = sum(i.file_size for i in infos)
    if inflated > MAX_INFLATED_BYTES:
        largest = max(infos, key=lambda i: i.file_size)
        raise Rejected("too_large", f"the workbook's parts inflate to {_size(inflated)} (largest {largest.filename}, "
                       f"{_size(largest.file_size)}); the limit is {_size(MAX_INFLATED_BYTES)} per workbook")
    if inflated > EXPANSION_FROM_BYTES and inflated > MAX_EXPANSION * len(data):
        raise Rejected("too_large", f"the workbook's {_size(len(data))} inflate to {_size(inflated)} "
                       f"({inflated / len(data):,.0f}×); the limit is {MAX_EXPANSION}× past "
                       f"{_size(EXPANSION_FROM_BYTES)}")
    content = [i for i in infos if i.filename.lower() == "content.xml"]
    if content:  # an .ods, or a ZIP holding one's content part: the reader builds every table when opening it
        _check_ods(data, content)
    return SheetGuard(data, infos)


_RENAMING_FIELDS = (0x7075, 0x6375)  # Info-ZIP's Unicode path and comment: another name the reader takes instead


def _one_name(info: zipfile.ZipInfo) -> None:
    """Refuse a member that carries a second name (an Info-ZIP Unicode path field): the reader goes by it, zipfile
    by the plain one, so the two would read different members under one name. No spreadsheet program writes it."""
    extra = info.extra
    while len(extra) >= 4:
        tag, size = struct.unpack_from("<HH", extra)
        if tag in _RENAMING_FIELDS:
            raise Rejected("corrupt", f"the part {info.filename} carries a second name (a Unicode path field), which "
                           "readers take differently")
        extra = extra[4 + size:]


class SheetGuard:
    """The cells a workbook's sheets span, checked sheet by sheet as the reader loads them.

    The reader opens a workbook without parsing any sheet and builds a sheet's cells only when it is loaded,
    so only loaded sheets can cost memory: a checklist loads two or three of its sheets, never its 記入例 or
    notes. Which part the reader takes for a sheet is not guessed. In a regular workbook — one workbook part
    and one relationships part (names compared in either case, as the reader finds them), both read by an XML
    parser, its sheet names exactly the reader's, the sheet named once — the candidates are every part its id
    attributes lead to through every relationship of that Id (whatever its Type, the target relative and as
    written, entries matched loosely). Anything else bounds every part holding <sheetData> (:meth:`check_all`),
    the workbook's and relationships' own damage included. Each part is bounded by the cheapest test that
    passes, in order:

    1. every cell start is <c r="…"> within ZZ999 (two searches in C): at most 999 × 702 cells;
    2. the same, and no three-digit row or two-letter column: 99 or 999 rows, 26 or 702 columns;
    3. the exact farthest cell with content, as the reader places it (:func:`_exact_extent`).

    A later test runs only while the bounds together exceed :data:`MAX_CELLS`. Parts are inflated here from
    the archive's bytes, checked against the ZIP's directory as the reader would not (a stream longer than the
    directory says is refused, :func:`_pieces`). About 0.2 ms for a checklist's two sheets.
    """

    def __init__(self, data: bytes, infos: list[zipfile.ZipInfo] | None) -> None:
        self._data = data
        self._unreadable = infos is None  # the ZIP's directory could not be read
        infos = infos or []
        self._infos = infos
        self._by_name = {i.filename: i for i in infos}
        self._layout: tuple[list[str], dict[str, set[str]]] | None = None  # sheet names, name → loose targets
        self._loose: dict[str, list[zipfile.ZipInfo]] = {}
        self._all: list[zipfile.ZipInfo] | None = None  # every part holding <sheetData>
        self._bounds: dict[str, tuple[int, int, int]] = {}  # part → (the test that bounds it, rows, cols)

    def check(self, sheet: str, names: Sequence[str]) -> None:
        """Refuse (:class:`Rejected`) before the reader loads ``sheet`` (one of the reader's sheet ``names``) if
        the loaded sheets would span too many cells, or if a part it may read is damaged."""
        self._readable()
        self._bound(self._candidates(sheet, list(names)))

    def check_all(self) -> None:
        """Every part holding <sheetData>, as if all were loaded."""
        self._readable()
        self._bound(self._sheet_data_parts())

    def _readable(self) -> None:
        if self._unreadable:
            raise Rejected("corrupt", "the workbook's ZIP directory cannot be read, so its sheets cannot be checked "
                           "before reading")

    def _candidates(self, sheet: str, names: list[str]) -> list[zipfile.ZipInfo]:
        if self._layout is None:
            # the reader finds these two parts by name in either case, the last of several: only one each is plain
            workbook = [i for i in self._infos if i.filename.lower() == WORKBOOK]
            rels = [i for i in self._infos if i.filename.lower() == RELS]
            layout: tuple[list[str], dict[str, set[str]]] | None = None
            if len(workbook) == 1 and len(rels) == 1:
                try:
                    layout = _sheet_targets(_read(self._data, workbook[0]), _read(self._data, rels[0]))
                except Rejected:
                    layout = None  # a damaged workbook part or relationships: every part is bounded
            self._layout = layout or ([], {})
            for info in self._infos:
                self._loose.setdefault(_loose(info.filename), []).append(info)
        listed, targets = self._layout
        if listed != names or names.count(sheet) != 1 or not targets.get(sheet):
            return self._sheet_data_parts()  # the reader may see the workbook otherwise than this parse
        found = {i.filename: i for target in targets[sheet] for i in self._loose.get(target, ())}
        return list(found.values()) or self._sheet_data_parts()  # a target naming no part: read otherwise

    def _sheet_data_parts(self) -> list[zipfile.ZipInfo]:
        if self._all is None:
            self._all = [i for i in self._infos if not i.is_dir() and _holds_sheet_data(self._data, i)]
        return self._all

    def _bound(self, parts: list[zipfile.ZipInfo]) -> None:
        for info in parts:
            if info.filename not in self._bounds:
                self._bounds[info.filename] = (1, *_extent(self._data, info, 1))
        for test in (2, 3):
            if sum(r * c for _, r, c in self._bounds.values()) <= MAX_CELLS:
                return
            for name, (done, _, _) in self._bounds.items():
                if done < test:
                    self._bounds[name] = (test, *_extent(self._data, self._by_name[name], test))
        extents = sorted(self._bounds.items())  # in the parts' order, however loaded
        for name, (_, rows, cols) in extents:  # one sheet past the limit alone is named alone
            check_cells(rows * cols, f"{name} has cells as far as row {rows:,}, column {cols:,} "
                        f"({rows * cols:,} cells)")
        cells = 0
        for name, (_, rows, cols) in extents:
            cells += rows * cols
            check_cells(cells, f"{name} has cells as far as row {rows:,}, column {cols:,} ({cells:,} cells"
                        + (" in the workbook's sheets)" if cells > rows * cols else ")"))


def _check_ods(data: bytes, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse an .ods whose tables together span more than :data:`MAX_CELLS` cells with content, before the
    reader opens it: the reader builds every table of an .ods when it opens the file, repeating a cell
    ``number-columns-repeated`` times and a row ``number-rows-repeated`` times, from the first to the last cell
    with content (blank repeats around it, which every LibreOffice file has, cost nothing). content.xml is read
    as a sheet part is (:func:`_parse`); a cell has content
    when it has a value type or holds an element (an upper bound: a comment alone is no content to the reader)."""
    total = 0
    for info in infos:
        total += _ods_cells(_read(data, info), info.filename)
        check_cells(total, f"{info.filename} has tables spanning {total:,} cells with content between them")


# What makes an .ods cell hold something to the reader: any of these attributes (after the prefix), or an element
_ODS_CONTENT = {"value-type", "value", "string-value", "date-value", "time-value", "boolean-value", "formula"}


def _ods_cells(whole: bytes, name: str) -> int:
    """Cells the reader builds for the tables of an .ods content part: per table, from its first row (blank rows
    above the first value are built) and its first column holding content to the last row and column holding
    content, rows and cells counted with their repeats (names after the first colon)."""
    st = {"cells": 0, "row": 0, "col": 0, "rows_rep": 1, "cell": None, "tables": 0}
    span = {"rows": (-1, -1), "cols": (-1, -1)}  # this table's first and last row and column with content

    def repeat(attrs: dict[str, str], local: str) -> int:
        """The largest of the element's repeat attributes, whatever their prefix (the reader takes one of them)."""
        values = [v for k, v in attrs.items() if k.split(":", 1)[-1] == local] or ["1"]
        for value in values:
            if not value.isascii() or not value.isdigit():
                raise Rejected("corrupt", f"the part {name} repeats a row or cell {value[:20]!r} times")
        return max(1, *(int(v) for v in values))

    def start(element: str, attrs: dict[str, str], depth: int) -> None:
        local = element.split(":", 1)[-1]
        if st["cell"] is not None:
            st["cell"][1] = True  # an element inside a cell: content
        elif local == "table":  # a table inside a table (or another prefix's) adds to the outermost one
            st["tables"] += 1
            if st["tables"] == 1:
                st["row"] = 0
                span.update(rows=(-1, -1), cols=(-1, -1))
        elif local == "table-row":
            st.update(col=0, rows_rep=repeat(attrs, "number-rows-repeated"))
        elif local in ("table-cell", "covered-table-cell"):
            content = any(k.split(":", 1)[-1] in _ODS_CONTENT for k in attrs)
            st["cell"] = [repeat(attrs, "number-columns-repeated"), content, depth]

    def end(element: str, depth: int) -> None:
        local = element.split(":", 1)[-1]
        cell = st["cell"]
        if cell is not None and depth == cell[2]:
            if cell[1]:
                for key, first, last in (("rows", st["row"], st["row"] + st["rows_rep"] - 1),
                                         ("cols", st["col"], st["col"] + cell[0] - 1)):
                    low, high = span[key]
                    span[key] = (first if low < 0 else min(low, first), max(high, last))
            st["col"] += cell[0]
            st["cell"] = None
        elif cell is None and local == "table-row":
            st["row"] += st["rows_rep"]
        elif cell is None and local == "table":
            st["tables"] -= 1
            if st["tables"] == 0 and span["rows"][0] >= 0:  # blank rows above the first value are built; columns not
                (_top, bottom), (left, right) = span["rows"], span["cols"]
                st["cells"] += (bottom + 1) * (right - left + 1)

    _parse(whole, name, start, end)
    return st["cells"]


def _parse(whole: bytes, name: str, start: Callable[[str, dict[str, str], int], None],
           end: Callable[[str, int], None] = lambda _element, _depth: None) -> None:
    """Read a part element by element with expat as the reader reads it: its bytes as UTF-8 whatever it declares,
    ``start(element, attributes, depth)`` and ``end(element, depth)`` with the element's own depth (1 for the
    root). A part expat cannot read as the reader does is refused as corrupt: a DOCTYPE (entities the reader
    does not expand), a NUL byte (UTF-16 or -32, which expat decodes and the reader does not), elements nested
    past MAX_XML_DEPTH (expat keeps every open one: a million, 120 MB), or XML that is not well-formed."""
    def refused(why: str) -> Rejected:
        return Rejected("corrupt", f"the part {name} {why}, so its cells cannot be checked before reading")

    if b"<!DOCTYPE" in whole:
        raise refused("declares a DOCTYPE")
    if b"\x00" in whole:
        raise refused("holds NUL bytes (not UTF-8)")
    parser = xml.parsers.expat.ParserCreate("UTF-8")
    depth = 0

    def on_start(element: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise _TooDeep
        start(element, attrs, depth)

    def on_end(element: str) -> None:
        nonlocal depth
        end(element, depth)
        depth -= 1

    parser.StartElementHandler, parser.EndElementHandler = on_start, on_end
    try:
        parser.Parse(whole, True)
    except xml.parsers.expat.ExpatError as e:
        raise refused(f"is not well-formed XML ({e})") from None
    except _TooDeep:
        raise refused(f"nests elements more than {MAX_XML_DEPTH:,} deep") from None


def _sheet_targets(workbook: bytes, rels: bytes) -> tuple[list[str], dict[str, set[str]]] | None:
    """Every <sheet> of xl/workbook.xml in order, by name, and each name → the loose names (:func:`_loose`) of
    the parts the reader may load for it: by every id attribute it carries, every relationship of that Id
    whatever its Type, its target taken relative to xl/ and as written. Both parts are read by an XML parser
    (comments, CDATA, entities as the reader reads them; elements matched by the name after the first colon,
    as the reader matches them); None when either cannot be parsed (then every part holding a sheet is bounded)."""
    relationships = _elements(rels, "Relationship")
    sheets = _elements(workbook, "sheet")
    if relationships is None or sheets is None:
        return None
    targets: dict[str, set[str]] = {}
    for attrs in relationships:
        if "Target" in attrs:
            target = attrs["Target"]
            targets.setdefault(attrs.get("Id", ""), set()).update(_loose(t) for t in (target, f"xl/{target}"))
    names: list[str] = []
    parts: dict[str, set[str]] = {}
    for attrs in sheets:
        ids = [v for k, v in attrs.items() if k == "id" or k.endswith(":id")]
        name = attrs.get("name", "\x00")  # a sheet without a name: no reader's name equals it
        names.append(name)
        parts.setdefault(name, set()).update(t for rel_id in ids for t in targets.get(rel_id, ()))
    return names, parts


def _elements(part: bytes, local: str) -> list[dict[str, str]] | None:
    """The attributes of every element named ``local`` after its first colon (or without one), in order, read
    as :func:`_parse` reads a part; None when it cannot be read so."""
    found: list[dict[str, str]] = []

    def start(element: str, attrs: dict[str, str], _depth: int) -> None:
        if element.split(":", 1)[-1] == local:
            found.append(attrs)

    try:
        _parse(part, "", start)
    except Rejected:
        return None
    return found


class _TooDeep(Exception):
    """Elements nested past MAX_XML_DEPTH (:func:`_parse`)."""


def _loose(name: str) -> str:
    """A part name as loosely as a reader might match it: %-escapes decoded, backslashes as slashes, . and ..
    resolved, no leading slash, lower case. Two names equal here may be one part to some reader."""
    return _loose_short(name) if len(name) <= _CACHED_NAME else _loosen(name)


_CACHED_NAME = 256  # characters: a crafted workbook's long names are not kept (a name may be 64 kB)


@lru_cache(maxsize=4096)
def _loose_short(name: str) -> str:
    """:func:`_loose`, cached: every workbook names the same few dozen parts and targets, each looked at once per
    part and twice per relationship."""
    return _loosen(name)


def _loosen(name: str) -> str:
    if not ("\\" in name or "%" in name or "/." in name or "//" in name or name.startswith((".", "/"))):
        return name.lower()  # nothing to resolve (every writer's names)
    name = name.replace("\\", "/")
    if "%" in name:
        name = urllib.parse.unquote(name)
    return posixpath.normpath("/" + name).lstrip("/").lower()


def _holds_sheet_data(data: bytes, info: zipfile.ZipInfo) -> bool:
    tail = b""
    for piece in _pieces(data, info):
        if b"sheetData" in tail + piece:
            return True
        tail = piece[-16:]
    return False


# Cheap upper bounds on a sheet's extent, by searches in C, for the usual part: every cell start <c r=" with a
# reference within ZZ999 (every writer seen; _UNUSUAL finds any other cell start, prefixed or not). Such a part spans
# at most 999 rows (99 without a three-digit row) and 702 columns (26 without a two-letter one). Anything else is
# counted exactly (:func:`_exact_extent`).
_UNUSUAL = (re.compile(rb'<c[>\s](?!r="[A-Z]{1,2}[0-9]{1,3}")'), re.compile(rb':c[>\s]'))
_FAST_ROW3 = re.compile(rb'r="[A-Z]{1,2}[0-9]{3}')
_FAST_COL2 = re.compile(rb'r="[A-Z]{2}[0-9]')


def _extent(data: bytes, info: zipfile.ZipInfo, test: int = 3) -> tuple[int, int]:
    """The farthest row and column of a cell with content in a sheet part (test 3), or an upper bound on them
    (tests 1 and 2, :class:`SheetGuard`), read in pieces (the patterns are shorter than the overlap kept from
    one piece to the next). A part with any unusual cell start is counted exactly."""
    rows = cols = 0
    tail = b""
    if test < 3:
        for piece in _pieces(data, info):
            block = tail + piece
            tail = block[-_OVERLAP:]
            if any(unusual.search(block) for unusual in _UNUSUAL):
                break
            if test == 1:
                rows, cols = max(rows, 999), max(cols, 702)
            else:
                rows = max(rows, 999 if _FAST_ROW3.search(block) else 99)
                cols = max(cols, 702 if _FAST_COL2.search(block) else 26)
        else:
            return rows, cols
    return _exact_extent(data, info)


def _exact_extent(data: bytes, info: zipfile.ZipInfo) -> tuple[int, int]:
    """The farthest row and column of a cell with content, as the reader places cells. A part whose every cell
    start is the standard form (:data:`_STANDARD_CELL`, no prefixed cell) is counted from those references, a
    piece at a time, each cut before its last unfinished tag (a year's export: 530,000 cells); any other part is
    read as the reader reads it (:func:`_placed_extent`)."""
    rows = cols = 0
    carry = b""
    for piece in _pieces(data, info):
        block = carry + piece
        cut = block.rfind(b"<")
        carry = block[cut:] if cut >= 0 and b">" not in block[cut:] else b""
        block = block[: len(block) - len(carry)]
        cells = _STANDARD_CELL.findall(block)
        if _PREFIXED_CELL.search(block) or len(cells) != len(_CELL_START.findall(block)):
            return _placed_extent(_read(data, info), info.filename)
        filled = [(c, r) for c, r, empty in cells if not empty]  # <c r="…" s="1"/>: formatting only, not seen
        if filled:
            rows = max(rows, max(int(r) for _, r in filled))
            cols = max(cols, max(_column_number(c) for c in {c for c, _ in filled}))
    if carry and (_PREFIXED_CELL.search(carry + b">") or _CELL_START.search(carry + b">")):
        return _placed_extent(_read(data, info), info.filename)  # an unfinished cell tag at the end
    return rows, cols


def _placed_extent(whole: bytes, name: str) -> tuple[int, int]:
    """The extent as the reader (calamine) builds it, element by element (expat, names as written, matched by
    the name after the first colon), for parts that are not in the standard form: in <sheetData>, <row r> sets
    the row and </row> moves to the next row and column 0; a cell takes its attribute named exactly r (letters
    of either case, then digits) or else the current row and column, and the next column follows it; a cell
    counts when it holds an element; an empty element (<c/>, <row/>) opens and closes (the reader expands it).
    That is exact where rows lie in
    <sheetData> and cells in rows, with no row or cell inside a cell; otherwise the reader's position could be
    anywhere the rows and cells allow, and the bound is that (the largest r, plus one row per </row> and one
    column per cell). A part :func:`_parse` cannot read is refused: no writer makes one."""
    path: list[str] = []  # the open elements' local names
    st = {"sheet": -1, "cell": -1, "filled": False, "row": 0, "col": 0, "rows": 0, "cols": 0, "odd": False,
          "max_row": 0, "max_col": 0, "row_ends": 0, "cells": 0}

    def start(element: str, attrs: dict[str, str], _depth: int) -> None:
        local, depth = element.split(":", 1)[-1], len(path)
        path.append(local)
        if local in ("row", "c"):  # anywhere, for the bound
            st["cells"] += local == "c"
            if "r" in attrs:
                row, col = (_row_number(attrs["r"], name), 0) if local == "row" else _reference(attrs["r"], name)
                st["max_row"], st["max_col"] = max(st["max_row"], row), max(st["max_col"], col)
        if st["sheet"] < 0:
            if local == "sheetData":
                st["sheet"] = depth
            elif local in ("row", "c"):
                st["odd"] = True
            return
        if st["cell"] >= 0:
            st["filled"] = True
            st["odd"] |= local in ("row", "c")
            return
        if local == "row":
            st["odd"] |= depth != st["sheet"] + 1
            if "r" in attrs:
                st["row"] = _row_number(attrs["r"], name)
        elif local == "c":
            st["odd"] |= depth != st["sheet"] + 2 or path[-2] != "row"
            st["cell"], st["filled"] = depth, False
            st["at"] = _reference(attrs["r"], name) if "r" in attrs else (st["row"], st["col"])

    def end(_element: str, _depth: int) -> None:
        local = path.pop()
        depth = len(path)
        st["row_ends"] += local == "row"
        if depth == st["cell"]:
            st["cell"] = -1
            row, col = st["at"]
            st["col"] = col + 1
            if st["filled"]:
                st["rows"], st["cols"] = max(st["rows"], row + 1), max(st["cols"], col + 1)
        elif local == "row" and st["sheet"] >= 0 and st["cell"] < 0:
            st["row"], st["col"] = st["row"] + 1, 0

    _parse(whole, name, start, end)
    if not st["odd"]:
        return st["rows"], st["cols"]
    return st["max_row"] + st["row_ends"] + 1, st["max_col"] + st["cells"] + 1


def _reference(ref: str, part: str) -> tuple[int, int]:
    """(row, column), 0-based, of a cell's r as the reader reads it: letters of either case, then digits."""
    letters = ref.rstrip("0123456789")
    if not letters or not letters.isascii() or not letters.isalpha():
        raise Rejected("corrupt", f"the part {part} has a cell reference {ref[:20]!r} that is not a cell's")
    return _row_number(ref[len(letters):], part), _column_number(letters.upper().encode()) - 1


def _row_number(digits: str, part: str) -> int:
    """A row's r (or a reference's digits), 0-based; row 0, or no digits, is no row."""
    if not digits.isascii() or not digits.isdigit() or int(digits) == 0:
        raise Rejected("corrupt", f"the part {part} has a row number {digits[:20]!r} that is not a row's")
    return int(digits) - 1


def _read(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A whole part, checked like :func:`_pieces` (at most MAX_INFLATED_BYTES)."""
    return b"".join(_pieces(data, info))


def _pieces(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes inflated from the archive's bytes, in pieces of up to 1 MB, and what the ZIP's directory
    says of it checked: a stream that gives more than its stated size (the reader inflates all of it; zipfile
    would stop at the size, and a CRC of that much would pass), ends early, or fails its CRC is refused as
    corrupt, as are methods no spreadsheet program writes and ZIP encryption. A checklist's sheet (~15 kB)
    inflates in one call: zipfile's file objects cost as much again."""
    def damaged(what: str) -> Rejected:
        return Rejected("corrupt", f"the part {info.filename} is damaged ({what})")

    if info.flag_bits & 1:
        raise damaged("it is encrypted with ZIP's own encryption, which no spreadsheet program uses")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise damaged(f"it is compressed with ZIP method {info.compress_type}, which no spreadsheet program uses")
    at = info.header_offset
    if len(data) < at + 30 or data[at: at + 4] != b"PK\x03\x04":
        raise damaged("its local header is missing")
    name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
    start = at + 30 + name_len + extra_len
    with memoryview(data) as whole, whole[start: start + info.compress_size] as body:  # not copied
        size = crc = 0
        if info.compress_type == zipfile.ZIP_STORED:
            if len(body) < info.file_size:
                raise damaged("its compressed data ends early or is broken")
            for k in range(0, info.file_size, _CHUNK):
                piece = bytes(body[k: min(k + _CHUNK, info.file_size)])
                size, crc = size + len(piece), zlib.crc32(piece, crc)
                yield piece
        else:
            inflate = zlib.decompressobj(-15)
            pending: bytes | memoryview = body
            while not inflate.eof:
                try:
                    piece = inflate.decompress(pending, _CHUNK)
                except zlib.error:
                    raise damaged("its compressed data ends early or is broken") from None
                pending = inflate.unconsumed_tail
                if not piece and not pending:
                    raise damaged("its compressed data ends early or is broken")
                size += len(piece)
                if size > info.file_size:
                    raise damaged("its size or checksum does not match the ZIP's directory")
                crc = zlib.crc32(piece, crc)
                if piece:
                    yield piece
    if size != info.file_size or crc != info.CRC:
        raise damaged("its size or checksum does not match the ZIP's directory")


def limit_memory(budget_mb: int = READER_MEMORY_MB) -> None:
    """Cap this process's data (RLIMIT_DATA, Linux) at what it holds now plus ``budget_mb``.

    Run at the start of each reader process. An allocation past the cap fails: in Python a MemoryError
    (a read_error), in the Rust reader an abort that ends the process (run.py quarantines that file).
    """
    if sys.platform != "linux":
        return  # RLIMIT_DATA counts heap and mappings only on Linux; elsewhere time limits remain
    import resource

    now = 0
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmData:"):
                now = int(line.split()[1]) * 1024
    cap = now + budget_mb * MB
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
