"""Item numbers as people type them, read by one pattern wherever a number names an item.

The No. column of a checklist, the item columns of a consolidated export and a blank form being
imported all write the same number in many ways: ``12``, ``012``, ``12.0`` (a number saved as text),
``12.``, ``12)``, ``(12)``, ``No.12``, ``No 12``, ``Ｎｏ．１２``, ``12番``, ``項番12``, ``No.12 (Lv1)``.
Texts are compared after :func:`pipeline.text.label_key` (NFKC, no whitespace, lower case), so
widths and spaces need no alternatives here. A decimal such as ``1.2`` or an instruction line such as
``1. 注意事項`` is no item number.
"""

from __future__ import annotations

import re

_PREFIX = r"(?:no\.?|no:|#|項番|項目番号|項目no\.?|番号|通番)?"
_HEADER_PREFIX = r"(?:no\.?|no:|#|項番|項目番号|項目no\.?|番号|通番|q|項目|設問)?"
_CORE = r"[(\[【<《]?0*(\d{1,3})(?:\.0+)?[)\]】>》]?(?:\.|番|:)?"
ITEM_NO = re.compile(rf"^{_PREFIX}{_CORE}(?:$|[(\[【<《])")
"""A cell that names an item (after label_key): the number, then nothing, or a bracketed note ('(Lv1)')."""
HEADER_ITEM_NO = re.compile(rf"^{_HEADER_PREFIX}{_CORE}(?:_?回答)?$")
"""An export's column header for an item: also 'Q12', '項目12', '設問12', 'No.12_回答'."""


def item_number(key: str, header: bool = False) -> int | None:
    """The item number (1–999) a normalised cell text writes, or None; ``header`` for an export's columns."""
    m = (HEADER_ITEM_NO if header else ITEM_NO).match(key)
    if not m:
        return None
    whole = m.group(0)
    opened = sum(whole.count(b) for b in "([【<《")
    closed = sum(whole.count(b) for b in ")]】>》")
    n = int(m.group(1))
    # '(77)' and '77)' are numbers; '(77' alone is not ('77(lv1)' opens a note after the number)
    if opened > closed and not re.search(r"\d(?:\.0+)?[)\]】>》]?(?:\.|番|:)?[(\[【<《]$", whole):
        return None
    return n if 1 <= n <= 999 else None


__all__ = ["HEADER_ITEM_NO", "ITEM_NO", "item_number"]
