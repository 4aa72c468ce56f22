"""A1 cell notation, shared by the generator and the reader (lineage is always A1)."""

from __future__ import annotations

import re

_A1 = re.compile(r"^([A-Z]{1,3})([1-9][0-9]*)$")


def column_letters(col: int) -> str:
    """Zero-based column → its letters (0 → A, 26 → AA)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """Zero-based (row, col) → A1 notation."""
    return f"{column_letters(col)}{row + 1}"


def from_a1(cell: str) -> tuple[int, int]:
    """A1 notation → zero-based (row, col)."""
    m = _A1.match(cell)
    if not m:
        raise ValueError(f"not an A1 cell reference: {cell!r}")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1
