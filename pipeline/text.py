"""Normalising what people type: widths, spaces (incl. U+3000), line breaks, label spelling."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")


def clean_text(value: object) -> str:
    """NFKC, trimmed, inner runs of whitespace collapsed to one space; blanks and None become ''."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            value = int(value)
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", str(value))).strip()


def label_key(value: object) -> str:
    """The form labels are compared in: NFKC, no whitespace at all, ASCII lower-cased."""
    if isinstance(value, str):
        return _label_key_str(value)
    return _SPACE.sub("", clean_text(value)).lower()


@lru_cache(maxsize=1 << 16)
def _label_key_str(value: str) -> str:
    # Cached: the same labels and item texts recur in every file a worker reads.
    return _SPACE.sub("", clean_text(value)).lower()


def answer_key(value: object) -> str:
    """The form answers are compared in: like labels, so ' 達成\\n' and '達成' match."""
    return label_key(value)


_NOTE = re.compile(r"[(\[【<《].*?[)\]】>》]|※.*$|[:：]$")
_WRAPPED = re.compile(r"^[(\[【<《](.+)[)\]】>》]$")


@lru_cache(maxsize=1 << 14)
def _header_key_str(key: str) -> str:
    m = _WRAPPED.match(key)
    return _NOTE.sub("", m.group(1) if m else key)


def header_key(value: object) -> str:
    """A label without its bracketed hints, notes and trailing colon: '回答(選択してください)' → '回答',
    '【回答】' → '回答', '会社名：' → '会社名'. Used when the exact label is not known."""
    return _header_key_str(label_key(value))


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun`` in the number it takes, for the CLI's English messages: '1 member file', '2 PDFs'
    ('1 member files and 1 PDFs' read as a slip). ``plural`` for a noun that does not just add 's'."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
