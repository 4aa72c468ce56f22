"""When a workbook was last saved, as the workbook itself records it (docProps/core.xml).

Used only to break ties between two submissions of one company with the same answer date: the
file a member saved later is the one they meant, whatever the files are called ('回答 (2).xlsx'
sorts before '回答.xlsx').
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>\s*([0-9T:\-.Z+]+)\s*</dcterms:modified>")


def saved_at(data: bytes) -> str:
    """The ISO time in docProps/core.xml (sortable as text), or '' for workbooks without one
    (.xls, CSV, a writer that leaves it out)."""
    if not data.startswith(b"PK"):
        return ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            core = zf.read("docProps/core.xml")
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error):
        return ""  # a damaged properties part the reader never needed: no saved time, not a failed run
    m = _MODIFIED.search(core)
    return m.group(1).decode("ascii") if m else ""
