"""The ways real submissions drift from the template (docs/instruments.md §7, "What real files do").

A :class:`Quirks` is drawn per file at realistic rates; ``messy=False`` gives clean files. The
variant lists here are the generator's own, written from the documentation and deliberately not
read from the ingest vocabulary, so that a gap in the vocabulary shows up as a failed round trip.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

NATIVE = {
    "power": {"implemented": "実施している", "partial": "一部実施している", "not_implemented": "実施していない",
              "not_applicable": "該当しない"},
    "auto-v2.0": {"implemented": "○", "not_implemented": "×", "not_applicable": "－"},
    "auto-v2.1": {"implemented": "達成", "not_implemented": "未達成", "not_applicable": "対象外"},
}
NATIVE["auto-v2.2"] = NATIVE["auto-v2.3"] = NATIVE["auto-v2.1"]
NATIVE["power-2024"] = NATIVE["power"]

# Variants whose meaning is certain: a correct ingest maps each to the canonical answer.
SYNONYMS = {
    "power": {"implemented": ["実施済み"], "partial": ["一部実施"], "not_implemented": ["未実施"],
              "not_applicable": ["該当なし", "対象外", "N/A", "Ｎ／Ａ"]},
    "auto": {"implemented": ["〇", "◯"], "not_implemented": ["✕", "✖"],
             "not_applicable": ["-", "ー", "―", "N/A", "対象外"]},
}


def native_answers(template_version: str) -> dict[str, str]:
    """canonical → the text a form's dropdown offers: ours above, or, for an instrument added as data,
    the ``dropdown`` its template declares (a fact of the form, not the ingest vocabulary), or, for a
    version imported from its official form, the ``answers`` the import read from the form's dropdown.
    Raises KeyError when the template says neither."""
    if template_version in NATIVE:
        return NATIVE[template_version]
    from pipeline import catalogs

    t = catalogs.template(template_version)
    if "dropdown" in t:
        return dict(t["dropdown"])
    return dict(t["answers"])


# Texts a correct ingest must not guess at: kept raw and counted as invalid.
INVALID = ["検討中", "?", "済", "○×", "一部", "実施予定", "要確認", "1"]


@dataclass(frozen=True)
class Quirks:
    writer: str = "xlsxwriter"  # xlsxwriter | openpyxl | xlwt
    extra_title_rows: int = 0
    extra_column: bool = False
    checklist_sheet_name: str | None = None  # None: the template's name
    cover_sheet_name: str | None = None
    sheets_reordered: bool = False
    notes_sheet: bool = False
    hidden_rows: bool = False
    merged_groups: bool = False
    blank_rows: bool = False
    numbers_as_text: bool = False
    corp_number_style: str = "text"  # text | fullwidth | hyphen | number
    date_style: str = "date"  # date | kanji | slash | serial | era | datetime
    types_joiner: str = "、"
    header_variant: bool = False
    answer_variant_share: float = 0.0
    n_invalid: int = 0
    n_blank: int = 0
    employees_style: str = "number"  # number | text


CLEAN = Quirks()


def draw_quirks(rng: np.random.Generator, messy: bool, allow_xls: bool = False) -> Quirks:
    """One file's drift, at rates a clerk would recognise (most files are nearly clean)."""
    if not messy:
        return CLEAN
    r = rng.random(20)
    return Quirks(
        writer="xlwt" if allow_xls and r[0] < 0.03 else ("openpyxl" if r[0] < 0.25 else "xlsxwriter"),
        extra_title_rows=int(rng.integers(1, 4)) if r[1] < 0.15 else 0,
        extra_column=bool(r[2] < 0.10),
        checklist_sheet_name=str(rng.choice(["チェックシート ", "ﾁｪｯｸｼｰﾄ", "チェックシート(回答)", "Sheet1"]))
        if r[3] < 0.10 else None,
        cover_sheet_name="表紙 " if r[4] < 0.05 else None,
        sheets_reordered=bool(r[5] < 0.08),
        notes_sheet=bool(r[6] < 0.08),
        hidden_rows=bool(r[7] < 0.05),
        merged_groups=bool(r[8] < 0.4),
        blank_rows=bool(r[9] < 0.08),
        numbers_as_text=bool(r[10] < 0.15),
        corp_number_style=str(rng.choice(["text", "fullwidth", "hyphen", "number"], p=[0.6, 0.1, 0.1, 0.2])),
        date_style=str(rng.choice(["date", "kanji", "slash", "serial", "era", "datetime"],
                                  p=[0.55, 0.15, 0.12, 0.08, 0.05, 0.05])),
        types_joiner="・" if r[11] < 0.4 else "、",
        header_variant=bool(r[12] < 0.10),
        answer_variant_share=float(rng.uniform(0.03, 0.2)) if r[13] < 0.2 else 0.0,
        n_invalid=int(rng.integers(1, 4)) if r[14] < 0.04 else 0,
        n_blank=int(rng.integers(1, 4)) if r[15] < 0.15 else 0,
        employees_style="text" if r[16] < 0.3 else "number",
    )


def answer_texts(rng: np.random.Generator, canonical: list[str], template_version: str, family: str,
                 quirks: Quirks) -> tuple[list[str | None], list[str]]:
    """Text written for each intended answer, and the canonical value a correct ingest must store.

    Returns (written, expected): written is None for a blank cell (expected ``unanswered``).
    """
    native = native_answers(template_version)
    written: list[str | None] = [native[c] for c in canonical]
    expected = list(canonical)
    n = len(canonical)
    for i in np.flatnonzero(rng.random(n) < quirks.answer_variant_share):
        written[i] = _variant(rng, written[i], canonical[i], family)
    blanks = rng.choice(n, size=min(quirks.n_blank, n), replace=False) if quirks.n_blank else []
    for i in blanks:
        written[i], expected[i] = None, "unanswered"
    free = [i for i in range(n) if written[i] is not None]
    invalid = rng.choice(free, size=min(quirks.n_invalid, len(free)), replace=False) if quirks.n_invalid else []
    for i in invalid:
        written[i], expected[i] = str(rng.choice(INVALID)), "invalid"
    return written, expected


def _variant(rng: np.random.Generator, text: str, canonical: str, family: str) -> str:
    kind = rng.integers(0, 4)
    if kind == 0:
        return str(rng.choice([f" {text}", f"{text} ", f"{text}\u3000", f"\u3000{text}", f"{text}\n"]))
    options = SYNONYMS.get(family, {}).get(canonical, [])
    if kind == 1 and options:
        return str(rng.choice(options))
    if kind == 2 and options:
        return str(rng.choice(options)) + str(rng.choice(["", " ", "\n"]))
    return text


def corp_number_cell(number: str, style: str) -> str | int:
    if style == "fullwidth":
        return number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if style == "hyphen":
        return f"{number[0]}-{number[1:5]}-{number[5:9]}-{number[9:]}"
    if style == "number":
        return int(number)
    return number


def _era(day: dt.date) -> str:
    return f"R{day.year - 2018}.{day.month}.{day.day}" if day >= dt.date(2019, 5, 1) else day.isoformat()


def date_cell(day: dt.date, style: str) -> object:
    """A date the way people type or programs store it: real date, text, Excel serial, era."""
    if style == "kanji":
        return f"{day.year}年{day.month}月{day.day}日"
    if style == "slash":
        return f"{day.year}/{day.month:02d}/{day.day:02d}"
    if style == "serial":
        return (day - dt.date(1899, 12, 30)).days
    if style == "era":
        return _era(day)
    if style == "datetime":
        return dt.datetime(day.year, day.month, day.day, 10, 30)
    return day
