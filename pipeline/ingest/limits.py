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
part holding a sheet), its cells placed as the reader places them (r in either quote form, or none: then
by position). A part whose stream does not match the ZIP's directory (longer, shorter, another CRC) is
refused as ``corrupt``: the reader would read all of it, unchecked.

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
import zipfile
import zlib
from collections.abc import Iterator, Sequence

from pipeline.ingest.reasons import Rejected

MB = 1024 * 1024
MAX_FILE_BYTES = 100 * MB  # one file or archive member as stored (a year's export is ~1.5 MB)
MAX_INFLATED_BYTES = 100 * MB  # a workbook's parts together, inflated (a year's export: ~18 MB)
MAX_EXPANSION = 100  # inflated ÷ stored, once past EXPANSION_FROM_BYTES (real workbooks: 5–15×)
EXPANSION_FROM_BYTES = 10 * MB
MAX_CELLS = 2_000_000  # cells spanned by a workbook's sheets together (a year's export: ~530,000)
READER_MEMORY_MB = 1024  # data a reader process may add to what it had when it started
_CHUNK = 1 * MB
_OVERLAP = 512  # bytes kept from one piece to the next: more than any cell's start tag
# A cell element that may hold something (<c r="B5" t="s"><v>3</v></c>, any namespace prefix; r='B5' and r = "B5"
# too: XML allows either quote and space around '='). A self-closing cell (<c r="A1048576" s="1"/>: formatting
# only) is left out: the reader skips it at no cost, and a member who formatted a column down to the last row has
# sent nothing wrong.
_IN_TAG = rb'(?:[^>"\']|"[^"]*"|\'[^\']*\')'  # a tag's text: a quoted value may hold '>'
_CELL_REF = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\b' + _IN_TAG + rb'*?\br\s*=\s*["\']([A-Z]{1,3})([0-9]{1,7})["\']'
                       + _IN_TAG + rb'*(?<!/)>')
_STANDARD_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"' + _IN_TAG + rb'*(?<!/)>')  # the same, r first
# A cell without r: the reader places it after the previous cell of its row (and a row without r after the
# previous row), so its place is known only by counting (:func:`_positional_extent`).
_BARE_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c(?:>|\s(?![^>]*\br\s*=)[^>]*>)')  # whole: not cut at a piece's end
_TAG = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?(row|c)\b(' + _IN_TAG + rb'*)>')
_ATTRS = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')  # a tag's attributes, in order
_R_VALUE = re.compile(rb'([A-Z]{0,3})([0-9]{0,7})')
_RELATIONSHIP = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?Relationship\b[^>]*>')
_SHEET = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?sheet\s(' + _IN_TAG + rb'*)>')  # a sheet listed in xl/workbook.xml
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
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def check_workbook_zip(data: bytes) -> None:
    """Refuse an xlsx/xlsm whose parts inflate beyond the limits or whose sheets together span too many cells
    (every part holding a sheet at once; ingest checks each sheet as it is loaded, :func:`workbook_guard`)."""
    workbook_guard(data).check_all()


def workbook_guard(data: bytes) -> SheetGuard:
    """Check an xlsx/xlsm's ZIP directory against the size limits now, and return what checks each sheet's
    extent when the reader is about to load it. A directory zipfile cannot read leaves nothing to check a
    sheet against: the reader usually cannot open such a file either (and says why); if it can, no sheet of
    it is loaded (corrupt)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return SheetGuard(data, None)
    inflated = sum(i.file_size for i in infos)
    if inflated > MAX_INFLATED_BYTES:
        largest = max(infos, key=lambda i: i.file_size)
        raise Rejected("too_large", f"the workbook's parts inflate to {_size(inflated)} (largest {largest.filename}, "
                       f"{_size(largest.file_size)}); the limit is {_size(MAX_INFLATED_BYTES)} per workbook")
    if inflated > EXPANSION_FROM_BYTES and inflated > MAX_EXPANSION * len(data):
        raise Rejected("too_large", f"the workbook's {_size(len(data))} inflate to {_size(inflated)} "
                       f"({inflated / len(data):,.0f}×); the limit is {MAX_EXPANSION}× past "
                       f"{_size(EXPANSION_FROM_BYTES)}")
    return SheetGuard(data, infos)


class SheetGuard:
    """The cells a workbook's sheets span, checked sheet by sheet as the reader loads them.

    The reader opens a workbook without parsing any sheet and builds a sheet's cells only when it is loaded,
    so only loaded sheets can cost memory: a checklist loads two or three of its sheets, never its 記入例 or
    notes. Which part the reader takes for a sheet is not guessed. In a regular workbook — its workbook
    part and relationships read, its sheet names (XML-unescaped, every <sheet> of the part) exactly the
    reader's, the sheet named once — the candidates are every part its id(s) lead to through every
    relationship of that Id (whatever its Type, the target relative and as written, entries matched loosely).
    Anything else bounds every part holding <sheetData> (:meth:`check_all`), the workbook's and relationships'
    own damage included. Each part is bounded by the cheapest test that passes, in order:

    1. no cell reference beyond column ZZ or row 999 (two searches in C): at most 999 × 702 cells;
    2. no three-letter column, and no row of three or four digits: 99 or 999 rows, 26 or 702 columns;
    3. the exact farthest cell (every reference turned into numbers: 0.8 ms for a checklist).

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
            workbook, rels = self._by_name.get(WORKBOOK), self._by_name.get(RELS)
            layout: tuple[list[str], dict[str, set[str]]] | None = None
            if workbook is not None and rels is not None:
                try:
                    layout = _sheet_targets(_read(self._data, workbook), _read(self._data, rels))
                except Rejected:
                    layout = None  # a damaged workbook part or relationships: every part is bounded
            self._layout = layout or ([], {})
            for info in self._infos:
                self._loose.setdefault(_loose(info.filename), []).append(info)
        listed, targets = self._layout
        if listed != names or names.count(sheet) != 1 or not targets.get(sheet):
            return self._sheet_data_parts()  # the reader may see the workbook otherwise than this parse
        found = {i.filename: i for target in targets[sheet] for i in self._loose.get(target, ())}
        return list(found.values())

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


def _sheet_targets(workbook: bytes, rels: bytes) -> tuple[list[str], dict[str, set[str]]]:
    """Every <sheet> of xl/workbook.xml (any namespace prefix, anywhere in the part) in order, by name, and each
    name → the loose names (:func:`_loose`) of the parts the reader may load for it: by every id it carries
    (a repeated attribute: each), every relationship of that Id whatever its Type, its target taken relative
    to xl/ and as written. A name that is not plain XML text (an entity other than XML's) is listed as None,
    so the names never equal the reader's and every part is bounded."""
    targets: dict[bytes, set[str]] = {}
    for tag in _RELATIONSHIP.findall(rels):
        attrs = _attribute_values(tag)
        for rel_id in attrs.get(b"Id", [b""]):
            for target in attrs.get(b"Target", []):
                text = target.decode("utf-8", "replace")
                targets.setdefault(rel_id, set()).update(_loose(t) for t in (text, f"xl/{text}"))
    names: list = []
    parts: dict[str, set[str]] = {}
    for tag in _SHEET.findall(workbook):
        attrs = _attribute_values(tag)
        ids = [v for k, values in attrs.items() if k == b"id" or k.endswith(b":id") for v in values]
        for raw in attrs.get(b"name", [None]):
            name = _xml_text(raw) if raw is not None else None
            names.append(name)
            if name is not None:
                parts.setdefault(name, set()).update(t for rel_id in ids for t in targets.get(rel_id, ()))
    return names, parts


_XML_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));")
_XML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _xml_text(raw: bytes) -> str | None:
    """An attribute's text as an XML parser gives it (XML's five entities and character references only);
    None for anything else (another entity, a stray '&', an impossible character, bytes that are not UTF-8)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "&" not in text:
        return text
    if "&" in _XML_ENTITY.sub("", text):
        return None

    def one(m: re.Match) -> str:
        return _XML_NAMED[m.group(1)] if m.group(1) else chr(int(m.group(2) or m.group(3), 10 if m.group(2) else 16))

    try:
        return _XML_ENTITY.sub(one, text)
    except (ValueError, OverflowError):
        return None


def _loose(name: str) -> str:
    """A part name as loosely as a reader might match it: %-escapes decoded, backslashes as slashes, . and ..
    resolved, no leading slash, lower case. Two names equal here may be one part to some reader."""
    if not any(mark in name for mark in ("\\", "%", "/.", "//")) and not name.startswith((".", "/")):
        return name.lower()  # nothing to resolve (every writer's names): 0.01 ms a workbook
    name = name.replace("\\", "/")
    if "%" in name:
        name = urllib.parse.unquote(name)
    return posixpath.normpath("/" + name).lstrip("/").lower()


def _attribute_values(tag: bytes) -> dict[bytes, list[bytes]]:
    """A tag's attributes, every value of a repeated name (a reader may take either)."""
    attrs: dict[bytes, list[bytes]] = {}
    for k, v, w in _ATTRS.findall(tag):
        attrs.setdefault(k, []).append(v or w)
    return attrs


def _holds_sheet_data(data: bytes, info: zipfile.ZipInfo) -> bool:
    tail = b""
    for piece in _pieces(data, info):
        if b"sheetData" in tail + piece:
            return True
        tail = piece[-16:]
    return False


# Cheap upper bounds on a sheet's extent, by searches in C (any cell reference, formatting-only ones too, so a
# bound is never below the exact extent): a reference with a three-letter column or a row of four or more
# digits needs the exact count; without one a piece spans at most 999 rows (99 without a three-digit row) and
# 702 columns (26 without a two-letter one). The exact count turns every cell reference into Python ints:
# 0.8 ms per checklist, more than the reader itself.
_FAR = re.compile(rb'r\s*=\s*["\'](?:[A-Z]{3}|[A-Z]{1,2}[0-9]{4})')
_ROW3 = re.compile(rb'r\s*=\s*["\'][A-Z]{1,2}[0-9]{3}')
_COL2 = re.compile(rb'r\s*=\s*["\'][A-Z]{2}[0-9]')
# The usual piece, every cell starting <c r=" with a reference within ZZ999 (every writer seen), is bounded by
# searches with literal prefixes, twice as fast as the above. Whatever they find (r='B5', r = "B5", r later in the
# tag, no r, a namespace prefix, a far reference) sends the piece to the general patterns.
_UNUSUAL = (re.compile(rb'<c[>\s](?!r="[A-Z]{1,2}[0-9]{1,3}")'), re.compile(rb':c[>\s]'))
_ODD = (re.compile(rb'<c[>\s](?!r=")'), re.compile(rb':c[>\s]'))  # only then may a cell lack r
_FAST_ROW3 = re.compile(rb'r="[A-Z]{1,2}[0-9]{3}')
_FAST_COL2 = re.compile(rb'r="[A-Z]{2}[0-9]')


def _extent(data: bytes, info: zipfile.ZipInfo, test: int = 3) -> tuple[int, int]:
    """The farthest row and column of a cell with content in a sheet part (test 3), or an upper bound on them
    (tests 1 and 2, :class:`SheetGuard`), read in pieces (a tag split between two pieces is whole in the
    overlap kept from the previous piece). A sheet with a cell lacking r is counted by position."""
    rows = cols = 0
    tail = b""
    for piece in _pieces(data, info):
        block = tail + piece
        tail = block[-_OVERLAP:]
        if test < 3 and not any(unusual.search(block) for unusual in _UNUSUAL):
            if test == 1:
                rows, cols = max(rows, 999), max(cols, 702)
            else:
                rows = max(rows, 999 if _FAST_ROW3.search(block) else 99)
                cols = max(cols, 702 if _FAST_COL2.search(block) else 26)
            continue
        standard = not any(odd.search(block) for odd in _ODD)  # every cell <c r="…", r first
        if not standard and _BARE_CELL.search(block):
            return _positional_extent(data, info)
        if test < 3 and not _FAR.search(block):
            rows = max(rows, 999 if _ROW3.search(block) else 99)
            cols = max(cols, 702 if _COL2.search(block) else 26)
            continue
        refs = (_STANDARD_CELL_REF if standard else _CELL_REF).findall(block)
        if refs:
            rows = max(rows, max(int(r) for _, r in refs))
            cols = max(cols, max(_column_number(c) for c in {c for c, _ in refs}))
    return rows, cols


def _read(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A whole part (the workbook part, its relationships: a few kB), checked like :func:`_pieces`."""
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


def _positional_extent(data: bytes, info: zipfile.ZipInfo) -> tuple[int, int]:
    """The extent as the reader places cells: a row at its r, else after the previous row; a cell at its r,
    else after the previous cell of its row. Only for sheets with cells lacking r (no common writer omits it)."""
    rows = cols = row = col = 0
    carry = b""
    for piece in _pieces(data, info):
        block = carry + piece
        cut = block.rfind(b"<")
        carry = block[cut:] if cut >= 0 and b">" not in block[cut:] else b""
        for name, attrs in _TAG.findall(block[: len(block) - len(carry)]):
            ref = _R_VALUE.fullmatch(next((v or w for k, v, w in _ATTRS.findall(attrs) if k == b"r"), b""))
            letters, digits = (ref.group(1), int(ref.group(2) or 0)) if ref else (b"", 0)
            if name == b"row":
                row, col = digits or row + 1, 0
                continue
            col = _column_number(letters) if letters else col + 1
            row = digits or row
            if not attrs.endswith(b"/"):
                rows, cols = max(rows, row), max(cols, col)
    return rows, cols


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
