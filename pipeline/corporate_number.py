"""法人番号 (Japanese corporate number): 13 digits, the first a check digit over the other twelve.

Check digit = 9 − (Σ Pn·Qn mod 9), Pn the n-th digit counted from the right of the 12-digit base,
Qn = 1 for odd n and 2 for even n (National Tax Agency specification).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SEPARATORS = re.compile(r"[\s\-‐−–—ー－.]")


def check_digit(base12: str) -> int:
    """The check digit for a 12-digit base number."""
    if len(base12) != 12 or not base12.isdigit():
        raise ValueError(f"a corporate number base has 12 digits, not {base12!r}")
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - total % 9


def make(base12: str) -> str:
    """A valid 13-digit corporate number from its 12-digit base."""
    return f"{check_digit(base12)}{base12}"


def normalise(value: object) -> str:
    """Digits only: full-width digits folded, hyphens and spaces dropped, numeric cells unfloated.

    Returns the cleaned text, which may still be invalid; see :func:`is_valid`.
    """
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            value = int(value)
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value)).strip())
    # インボイス登録番号 is "T" + the 法人番号: people paste it into the 法人番号 field
    return text[1:] if len(text) == 14 and text[0] in "Tt" and text[1:].isdigit() else text


@lru_cache(maxsize=1 << 16)
def is_valid(number: str) -> bool:
    """True for 13 ASCII digits whose first digit is the right check digit (cached: asked several times for
    each submission)."""
    return len(number) == 13 and number.isascii() and number.isdigit() and int(number[0]) == check_digit(number[1:])
