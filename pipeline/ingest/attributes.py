"""Respondent attributes as people write them → the store's normalised values, so one size band, date or
business type written many ways segments a report as one."""

from __future__ import annotations

import datetime as dt
import re

from pipeline import catalogs
from pipeline.catalogs import catalog_cache
from pipeline.text import clean_text, header_key, label_key

_ERAS = {"r": 2018, "令和": 2018, "h": 1988, "平成": 1988}
_DATE_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})\s*[/\-.年]\s*(?P<m>\d{1,2})\s*[/\-.月]\s*(?P<d>\d{1,2})\s*日?"
               r"(?:[\st]+\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(?P<era>r|h|令和|平成)\s*(?P<y>\d{1,2}|元)\s*[./\-年]\s*(?P<m>\d{1,2})\s*[./\-月]\s*(?P<d>\d{1,2})"
               r"\s*日?$"),
]
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: object) -> dt.date | None:
    """A date from a real date cell, an Excel serial number, or text (西暦, 和暦 R/令和/H/平成)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return EXCEL_EPOCH + dt.timedelta(days=int(value)) if 20000 < value < 80000 else None
    text = clean_text(value).lower()
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return parse_date(float(text))
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            parts = m.groupdict()
            year = 1 if parts["y"] == "元" else int(parts["y"])
            year += _ERAS.get(parts.get("era") or "", 0)
            try:
                return dt.date(year, int(parts["m"]), int(parts["d"]))
            except ValueError:
                return None
    return None


def parse_int(value: object) -> int | None:
    """Counts like 1,234 / '1,234名' / '約300人' / '1,200人(連結)' → 1234 / 300 / 1200; anything else → None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if value == value else None
    digits = re.sub(r"[,，\s]|\(.*?\)", "", clean_text(value))  # NFKC made （） into ()
    m = re.fullmatch(r"(?:約)?(\d+)(?:名|人)?", digits)
    return int(m.group(1)) if m else None


def size_band_from_employees(n: int | None) -> str | None:
    """The size band of a head count (catalogs/size_bands.yaml)."""
    return catalogs.size_band_of(n)


_BOUND = re.compile(r"^(?:約)?(\d+)(?:人|名)?(以下|未満|以上|超)$")


def size_band(value: object) -> str | None:
    """The five bands of the automotive form, from a band label in any width, a bound such as
    '100人以下' / '10,001人以上', or a head count."""
    bands = catalogs.size_band_names()
    limits = [b["up_to"] for b in catalogs.size_bands() if b["up_to"] is not None]
    key = label_key(value).replace("~", "〜").replace("～", "〜").replace("人", "")
    for band in bands:
        if key == label_key(band).replace("人", ""):
            return band
    m = _BOUND.match(label_key(value).replace(",", ""))
    if m:
        n, bound = int(m.group(1)), m.group(2)
        n = n - 1 if bound == "未満" else n + 1 if bound == "超" else n
        # only an open band is certain: '100人以下' is the first, '10,001人以上' the last;
        # '300人以下' could be either of the first two bands
        if bound in ("以下", "未満") and n <= limits[0]:
            return bands[0]
        if bound in ("以上", "超") and n > limits[-1]:
            return bands[-1]
        return None
    return size_band_from_employees(parse_int(value))


def target_level(value: object) -> str | None:
    """Lv1/Lv2/Lv3 from 'Lv2', 'LV２', 'レベル2', '2'."""
    m = re.fullmatch(r"(?:lv|level|レベル)?\.?([123])", label_key(value))
    return f"Lv{m.group(1)}" if m else None


_CHECKED = "■☑☒✓✔"
_UNCHECKED = "□☐"


@catalog_cache
def _business_type_names(sector: str) -> dict[str, str]:
    """Every way a sector's cover or roster names a business type → its code (none for a sector without)."""
    by_name: dict[str, str] = {}
    for row in catalogs.business_type_records(sector):
        code = row["code"]
        for name in (row["name_ja"], row["short_ja"], row["name_ja"].removesuffix("事業者"), code):
            by_name[label_key(name)] = code  # the codes themselves too (rosters exported by scripts)
    return by_name


def business_types(value: object, sector: str) -> tuple[list[str], list[str]]:
    """A sector's business types (事業区分, from its own catalog) → codes, and the parts that matched none
    (kept to report)."""
    by_name = _business_type_names(sector)
    codes, unknown = [], []
    parts = [p for p in re.split(r"[、,・/／\s]+", clean_text(value)) if p]
    if any(p[0] in _CHECKED + _UNCHECKED for p in parts):  # a checkbox list: keep the ticked ones
        parts = [p[1:] for p in parts if p[0] in _CHECKED]
    for part in parts:
        code = by_name.get(label_key(part)) or by_name.get(header_key(part))  # '発電事業者(休止中)' → generation
        if code and code not in codes:
            codes.append(code)
        elif not code:
            unknown.append(part)
    return codes, unknown
