"""What reading one input may cost: limits checked before the reader sees the bytes, and a memory
ceiling for the processes that read.

A checklist is ~200 × 12 cells in a workbook of ~70 kB that inflates to ~80 kB; a full year's
consolidated export (3,100 companies × 170 columns, ~530,000 cells) is ~1.5 MB inflating to ~18 MB
(12×). The limits below leave several times that room and stop what no submission needs: a sheet
spanning millions of cells (the reader allocates every cell in between), parts that inflate to
hundreds of megabytes, or an expansion ratio only a crafted file has. Each is quarantined with its
reason (``too_large``, ``sheet_too_large``) and the limit in the message, before memory is spent. The
cells a sheet spans are checked when the reader is about to load it (:class:`SheetGuard`; the reader
builds no other sheet). A sheet is found, and its cells placed, as the reader does it (the workbook's
relationships; r in either quote form, or none: then by position), and a sheet part larger than the
ZIP's directory says is refused as ``corrupt``: the reader would read all of it.

What cannot be checked up front (an old .xls whose damaged records describe a sheet of a hundred
million cells) meets :func:`limit_memory`: a reader process may not grow its data beyond
``READER_MEMORY_MB``; the reader's allocation then fails at once, the process ends, and the file is
quarantined as read_error (run.py), instead of taking a minute and gigabytes. XML nesting is not
limited: the reader parses XML as a stream, never recursively (a part nested 200,000 deep is read in
a few MB; tested in test_fuzz.py).
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import struct
import sys
import urllib.parse
import zipfile
import zlib
from collections.abc import Iterator

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
_WORKSHEET_REL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?Relationship\b[^>]*>')
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
    (every sheet at once; ingest checks each sheet as it is loaded, :func:`workbook_guard`)."""
    guard = workbook_guard(data)
    if guard is not None:
        guard.check_all()


def workbook_guard(data: bytes) -> SheetGuard | None:
    """Check an xlsx/xlsm's ZIP directory against the size limits now, and return what checks each sheet's
    extent when the reader is about to load it (None: the ZIP cannot be read, the reader will say so).

    Sizes come from the ZIP's directory; a sheet part whose bytes do not match it is refused as corrupt
    (the reader would read past the stated size)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    inflated = sum(i.file_size for i in infos)
    if inflated > MAX_INFLATED_BYTES:
        largest = max(infos, key=lambda i: i.file_size)
        raise Rejected("too_large", f"the workbook's parts inflate to {_size(inflated)} (largest {largest.filename}, "
                       f"{_size(largest.file_size)}); the limit is {_size(MAX_INFLATED_BYTES)} per workbook")
    if inflated > EXPANSION_FROM_BYTES and inflated > MAX_EXPANSION * len(data):
        raise Rejected("too_large", f"the workbook's {_size(len(data))} inflate to {_size(inflated)} "
                       f"({inflated / len(data):,.0f}×); the limit is {MAX_EXPANSION}× past "
                       f"{_size(EXPANSION_FROM_BYTES)}")
    return SheetGuard(zf, infos)


class SheetGuard:
    """The cells a workbook's sheets span, checked sheet by sheet as the reader loads them.

    The reader opens a workbook without parsing any sheet and builds a sheet's cells only when it is loaded,
    so only loaded sheets can cost memory: a checklist loads two or three of its sheets, never its 記入例 or
    notes. Each loaded sheet's part (found as the reader finds it: the sheet's r:id in xl/workbook.xml, its
    target in the workbook's relationships) is bounded by the cheapest test that passes, in order:

    1. no cell reference beyond column ZZ or row 999 (two searches in C): at most 999 × 702 cells;
    2. no three-letter column, and no row of three or four digits: 99 or 999 rows, 26 or 702 columns;
    3. the exact farthest cell (every reference turned into numbers: 0.8 ms for a checklist).

    A later test runs only while the loaded sheets' bounds together exceed :data:`MAX_CELLS`. A sheet whose
    part cannot be told (no workbook part or relationships) checks every part that may be a sheet.
    About 0.1 ms for a checklist's two sheets.
    """

    def __init__(self, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
        self._zf = zf
        self._infos = infos
        self._by_name = {i.filename: i for i in infos}
        self._targets: dict[str, set[str]] | None = None  # sheet name → loose part names, read on first use
        self._bounds: dict[str, tuple[int, int, int]] = {}  # part → (the test that bounds it, rows, cols)

    def check(self, sheet: str) -> None:
        """Refuse (:class:`Rejected`) before the reader loads ``sheet`` if the loaded sheets would span too many
        cells, or if its part is damaged."""
        try:
            parts = self._sheet_parts(sheet)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error, NotImplementedError):
            return  # the workbook's index or relationships: the reader will say what is wrong
        self._bound(parts)

    def check_all(self) -> None:
        """Every part that may be a sheet, as if all were loaded."""
        try:
            parts = _sheet_parts(self._zf, self._infos)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error, NotImplementedError):
            return
        self._bound(parts)

    def _bound(self, parts: list[zipfile.ZipInfo]) -> None:
        for info in parts:
            if info.filename not in self._bounds:
                self._bounds[info.filename] = (1, *self._extent(info, 1))
        for test in (2, 3):
            if sum(r * c for _, r, c in self._bounds.values()) <= MAX_CELLS:
                return
            for name, (done, _, _) in self._bounds.items():
                if done < test:
                    self._bounds[name] = (test, *self._extent(self._by_name[name], test))
        extents = sorted(self._bounds.items())  # in the parts' order, however loaded
        for name, (_, rows, cols) in extents:  # one sheet past the limit alone is named alone
            check_cells(rows * cols, f"{name} has cells as far as row {rows:,}, column {cols:,} "
                        f"({rows * cols:,} cells)")
        cells = 0
        for name, (_, rows, cols) in extents:
            cells += rows * cols
            check_cells(cells, f"{name} has cells as far as row {rows:,}, column {cols:,} ({cells:,} cells"
                        + (" in the workbook's sheets)" if cells > rows * cols else ")"))

    def _extent(self, info: zipfile.ZipInfo, test: int) -> tuple[int, int]:
        try:
            return _checked_extent(self._zf, info, test)
        except (ValueError, OSError, NotImplementedError):
            return 0, 0  # the part cannot be read here (an unknown compression): the reader will say so

    def _sheet_parts(self, sheet: str) -> list[zipfile.ZipInfo]:
        """Every part the reader may take for ``sheet``. What the reader resolves is not guessed: a sheet's
        candidates are every r:id-like attribute of every <sheet> of that name, every relationship of that
        Id, its target taken both relative to xl/ and as written, and every part whose name matches one of
        these loosely (case, backslashes, %-escapes, ./ and ../). A name not found there (the reader may
        read names otherwise) takes every part any sheet points to, and every worksheet part."""
        if self._targets is None:
            workbook, rels = self._by_name.get(WORKBOOK), self._by_name.get(RELS)
            self._targets = _sheet_targets(_read(self._zf, workbook), _read(self._zf, rels)) \
                if workbook is not None and rels is not None else {}
            self._loose: dict[str, list[zipfile.ZipInfo]] = {}
            for info in self._infos:
                self._loose.setdefault(_loose(info.filename), []).append(info)
        wanted = self._targets.get(sheet)
        if not wanted:
            found = {i.filename: i for i in _sheet_parts(self._zf, self._infos)}
            wanted = {t for targets in self._targets.values() for t in targets}
        else:
            found = {}
        for target in wanted:
            found.update((i.filename, i) for i in self._loose.get(target, ()))
        return list(found.values())


def _checked_extent(zf: zipfile.ZipFile, info: zipfile.ZipInfo, test: int) -> tuple[int, int]:
    """:func:`_extent`, refusing a sheet part whose bytes do not match the ZIP's directory: zipfile stops at
    the stated size (and the CRC fails there) while the reader reads the whole part, cells past it included."""
    try:
        return _extent(zf, info, test)
    except (zipfile.BadZipFile, EOFError, zlib.error) as e:
        what = "its size or checksum does not match the ZIP's directory" if isinstance(e, zipfile.BadZipFile) \
            else "its compressed data ends early or is broken"
        raise Rejected("corrupt", f"the part {info.filename} is damaged ({what})") from None


def _sheet_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The parts a reader takes for sheets: the workbook's worksheet relationships (their targets relative to
    xl/, anywhere in the ZIP), and whatever lies in xl/worksheets/. Without readable relationships, every .xml
    part holding <sheetData (a reader may still find it)."""
    by_name = {i.filename: i for i in infos}
    names = {n for n in by_name if n.startswith("xl/worksheets/") and n.endswith(".xml")}
    rels = by_name.get(RELS)
    targets = _worksheet_targets(zf.read(rels)) if rels is not None else None
    if targets is None:
        names |= {i.filename for i in infos if i.filename.endswith(".xml") and i.filename not in names
                  and _holds_sheet_data(zf, i)}
    else:
        names |= {t for t in targets if t in by_name}
    return [by_name[n] for n in sorted(names)]


def _relationships(rels: bytes) -> list[tuple[bytes, bytes, str]]:
    """The workbook's relationships as (Id, Type, target relative to xl/, normalised): every one, in order."""
    found = []
    for tag in _WORKSHEET_REL.findall(rels):
        attrs = _attributes(tag)
        target = attrs.get(b"Target", b"").decode("utf-8", "replace")
        if target:
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            found.append((attrs.get(b"Id", b""), attrs.get(b"Type", b""), part))
    return found


def _worksheet_targets(rels: bytes) -> set[str] | None:
    """Part names of the worksheet relationships in xl/_rels/workbook.xml.rels (None: none can be read)."""
    targets = {part for _, kind, part in _relationships(rels) if kind.endswith(b"/worksheet")}
    return targets or None


def _sheet_targets(workbook: bytes, rels: bytes) -> dict[str, set[str]]:
    """Sheet name → the loose names (:func:`_loose`) of the parts the reader may load for it: each <sheet> of
    xl/workbook.xml (any namespace prefix), by every name and id it carries (a repeated attribute: each), to
    every relationship of that Id whatever its Type, its target taken relative to xl/ and as written. Names
    are unescaped as an XML parser gives them."""
    targets: dict[bytes, set[str]] = {}
    for tag in _WORKSHEET_REL.findall(rels):
        attrs = _attribute_values(tag)
        for rel_id in attrs.get(b"Id", [b""]):
            for target in attrs.get(b"Target", []):
                text = target.decode("utf-8", "replace")
                targets.setdefault(rel_id, set()).update(_loose(t) for t in (text, f"xl/{text}"))
    parts: dict[str, set[str]] = {}
    start, end = workbook.find(b"sheets>"), workbook.rfind(b"sheets>")  # <sheets> … </sheets>, any prefix
    for tag in _SHEET.findall(workbook[start:end] if 0 <= start < end else workbook):
        attrs = _attribute_values(tag)
        ids = [v for k, values in attrs.items() if k == b"id" or k.endswith(b":id") for v in values]
        for name in attrs.get(b"name", []):
            parts.setdefault(html.unescape(name.decode("utf-8", "replace")), set()).update(
                t for rel_id in ids for t in targets.get(rel_id, ()))
    return parts


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


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    """A tag's attributes; the first of a repeated name."""
    return {k: values[0] for k, values in _attribute_values(tag).items()}


def _holds_sheet_data(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    tail = b""
    with zf.open(info) as fh:
        while piece := fh.read(_CHUNK):
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


def _extent(zf: zipfile.ZipFile, info: zipfile.ZipInfo, test: int = 3) -> tuple[int, int]:
    """The farthest row and column of a cell with content in a sheet part (test 3), or an upper bound on them
    (tests 1 and 2, :class:`SheetGuard`), read in pieces (a tag split between two pieces is whole in the
    overlap kept from the previous piece). A sheet with a cell lacking r is counted by position."""
    rows = cols = 0
    tail = b""
    for piece in _pieces(zf, info):
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
            return _positional_extent(zf, info)
        if test < 3 and not _FAR.search(block):
            rows = max(rows, 999 if _ROW3.search(block) else 99)
            cols = max(cols, 702 if _COL2.search(block) else 26)
            continue
        refs = (_STANDARD_CELL_REF if standard else _CELL_REF).findall(block)
        if refs:
            rows = max(rows, max(int(r) for _, r in refs))
            cols = max(cols, max(_column_number(c) for c in {c for c, _ in refs}))
    return rows, cols


def _pieces(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes inflated, in pieces of up to 1 MB, checked against the ZIP's directory as zipfile checks
    them (size and CRC; a mismatch raises zipfile's own error)."""
    small = _small_part(zf, info)
    if small is not None:
        yield small
        return
    with zf.open(info) as fh:
        while piece := fh.read(_CHUNK):
            yield piece


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    small = _small_part(zf, info)
    return small if small is not None else zf.read(info)


def _small_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A part of up to 1 MB (a checklist's sheets: ~15 kB), inflated in one call from the archive's bytes.

    zipfile reads a part through a file object in Python: 0.03 ms a part, as long as inflating it. Anything
    but the plain case (encrypted, another method, a size or CRC that does not match, a damaged stream)
    returns None, and zipfile reads it, raising what it raises."""
    data = getattr(zf.fp, "getbuffer", None)
    if info.file_size > _CHUNK or info.flag_bits & 1 or info.compress_type not in (zipfile.ZIP_STORED,
                                                                                  zipfile.ZIP_DEFLATED) or data is None:
        return None
    with data() as raw:  # the archive's bytes, not copied
        at = info.header_offset
        if len(raw) < at + 30 or raw[at: at + 4] != b"PK\x03\x04":
            return None
        name_len, extra_len = struct.unpack_from("<HH", raw, at + 26)
        start = at + 30 + name_len + extra_len
        body = raw[start: start + info.compress_size]
        try:
            out = bytes(body) if info.compress_type == zipfile.ZIP_STORED else \
                zlib.decompressobj(-15).decompress(body, info.file_size + 1)
        except zlib.error:
            return None
        finally:
            body.release()
    return out if len(out) == info.file_size and zlib.crc32(out) == info.CRC else None


def _positional_extent(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """The extent as the reader places cells: a row at its r, else after the previous row; a cell at its r,
    else after the previous cell of its row. Only for sheets with cells lacking r (no common writer omits it)."""
    rows = cols = row = col = 0
    carry = b""
    with zf.open(info) as fh:
        while piece := fh.read(_CHUNK):
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
