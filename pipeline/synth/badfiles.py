"""Files that must be quarantined, not read: corrupt, encrypted, not a workbook, the wrong template."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from unittest import mock

from pipeline.synth.sheetspec import FIXED_TIME, Sheet, Workbook, render_xlsxwriter

_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def truncated(data: bytes) -> bytes:
    """A download or e-mail attachment cut short."""
    return data[: len(data) // 2]


def encrypted(data: bytes, password: str = "secret") -> bytes:
    """The same workbook saved with an open password (an OLE container, as Excel writes it).

    msoffcrypto draws the salts and the key from the system's random source and dates the container by
    the clock; here the draws come from the workbook's own hash and the date is :data:`FIXED_TIME`, so the
    same workbook always encrypts to the same bytes (the file tests ingest's refusal; it keeps no secret).
    """
    from msoffcrypto.format.ooxml import OOXMLFile
    from msoffcrypto.method import ecma376_agile
    from msoffcrypto.method.container import ecma376_encrypted

    class FixedClock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:
            return FIXED_TIME

    draw = random.Random(hashlib.sha256(data).digest())
    out = io.BytesIO()
    with (mock.patch.object(ecma376_agile, "_random_buffer", draw.randbytes),
          mock.patch.object(ecma376_encrypted, "datetime", FixedClock)):
        OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def not_a_workbook() -> bytes:
    """A PDF printout saved under a spreadsheet name."""
    return _PDF


def ipa_self_check() -> bytes:
    """IPA's 25-question SME self-check as IPA lays it out: a column per answer, marked ○ (read as the sme
    instrument's checklist; it has no cover, so it names no company)."""
    sh = Sheet("自社診断")
    sh.put(0, 0, "5分でできる！情報セキュリティ自社診断")
    for c, label in enumerate(["番号", "診断項目", "実施している", "一部実施している", "実施していない", "わからない"]):
        sh.put(2, c, label)
    for i in range(25):
        sh.put(3 + i, 0, i + 1)
        sh.put(3 + i, 1, f"診断項目{i + 1}")
        sh.put(3 + i, 2 + i % 4, "○")
    return render_xlsxwriter(Workbook([sh]))


def other_survey() -> bytes:
    """Another body's questionnaire sent to the same address (取引先アンケート): a workbook, but no checklist."""
    sh = Sheet("アンケート")
    sh.put(0, 0, "取引先さまアンケート(サプライチェーン調査)")
    for c, label in enumerate(["設問", "内容", "ご意見・ご要望"]):
        sh.put(2, c, label)
    for i in range(8):
        sh.put(3 + i, 0, f"Q{i + 1}")
        sh.put(3 + i, 1, f"設問{i + 1}の内容")
        sh.put(3 + i, 2, "特になし")
    return render_xlsxwriter(Workbook([sh]))


def zip_bomb_payload(megabytes: int = 48) -> bytes:
    """Highly compressible filler: a member whose expansion ratio no real workbook has."""
    return bytes(megabytes * 1024 * 1024)
