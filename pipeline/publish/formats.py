"""What people see of a published table: one place for headers, number formats and the two kinds of
empty cell, so the HTML report, the people's workbook and any notebook show the same words.

Headers and kinds come from ``catalogs/columns.yaml``. The two empty cells mean different things and
must never look alike or look like a bug:

- a *hidden* cell (row ``suppressed`` != '') reads ``x`` in every statistic column, counts included (but
  a table's ``open_counts``, the respondents, where their own rule publishes them): the
  mark official statistics use for 秘匿 (too few companies, or derivable from other cells). It is a
  letter on purpose: a mark such as ``<5`` reads as a number and would say something false of a cell hidden
  to protect another (a segment of ten companies read as "<5");
- a *not-assessed* cell (NaN in a published row) reads ``—``: no answer reaches that node;
- a change with no previous year in the table reads ``…`` (nothing to compare with), not ``—``.

Nothing here ever prints ``NaN``, ``nan`` or ``None``.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from pipeline import catalogs
from pipeline.publish.model import PublishedTable
from pipeline.scoring.disclosure import BAND_EDGE
from pipeline.scoring.disclosure_order import PRINTED_DECIMALS
from pipeline.scoring.disclosure_rounding import BASE_WITHHELD, ROUNDED, WITHHELD

# what a rounded row withholds (an item's base and counts, a node's or ★ requirement's base): the mark x, never '—'
ROUND_WITHHELD = frozenset((*WITHHELD, *BASE_WITHHELD))

KINDS = ("text", "int", "year", "percent", "score", "points", "count")
STAT_KINDS = frozenset({"percent", "score", "points", "count"})
"""Kinds disclosure control empties in a hidden row: their cells read ``x`` there."""
NUMERIC_KINDS = STAT_KINDS | {"int", "year"}
"""Kinds shown right-aligned as numbers."""
DASH = "—"
HIDDEN_MARK = "x"
"""The one mark of a hidden cell, in tables, figures and the headline (see the module docstring)."""
NO_PREVIOUS = "…"
"""A change column's cell when the table has no previous year for that cell."""
LANGS = ("ja", "en")
_EDGE = round(BAND_EDGE * 100)  # the band's edge in whole percent, from the disclosure rule
BAND_LABELS = {"ja": {"high": f"{100 - _EDGE}%以上", "low": f"{_EDGE}%未満"},
               "en": {"high": f"{100 - _EDGE}% or more", "low": f"below {_EDGE}%"}}
"""A hidden mean published as a band (``mean_band``, pipeline/scoring/disclosure.py): text, never a number."""
POINT_UNIT = {"ja": "ポイント", "en": " pt"}
MINUS = "\u2212"
"""The sign of a negative number a reader sees (「−0.9ポイント」, "−0.9 pt"): the minus sign, as the figures draw it
(matplotlib's axes and the change labels), never the hyphen, which reads as a dash or a range beside 「〜」."""


def signed(number: str) -> str:
    """``number`` (already formatted, e.g. ``f"{v:+.1f}"``) with its hyphen-minus sign written :data:`MINUS`."""
    return MINUS + number[1:] if number.startswith("-") else number


def _catalog() -> dict[str, dict[str, Any]]:
    return catalogs.columns()


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return lang


def header(column: str, lang: str, table: str | None = None, slide: bool = False) -> str:
    """The header people read over ``column``; the machine name when the catalog does not know it.

    Parameters
    ----------
    column : str
        Machine column name (snake_case).
    lang : {'ja', 'en'}
        Report language.
    table : str, optional
        The published table's name: a column may have a header of its own there (columns.yaml ``tables``).
    slide : bool
        The header of a deck's table slide: the catalog's short form where it has one for ``lang``
        (columns.yaml ``slide``: "Change" under the slide's 「Compared with: FY2025」, "25th pct."), else the
        table's header. Eight English headers of the score distribution at 14 pt left one row of six room on a
        slide, broken inside words.
    """
    entry = _catalog().get(column)
    if not entry:
        return column
    lang = check_lang(lang)
    own = (entry.get("tables") or {}).get(table) if table else None  # the table's own header and its short form
    short = ((own or entry).get("slide") or {}).get(lang) if slide else None
    return str(short or (own or entry)[lang])


def kind(column: str) -> str:
    """How values of ``column`` are shown (one of :data:`KINDS`); ``'text'`` for an unknown column,
    so a new column is at worst shown raw rather than mis-scaled."""
    entry = _catalog().get(column)
    return str(entry["kind"]) if entry else "text"


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' NA/NaT: the values that must never reach a reader as text."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers
        return False


def hidden_text() -> str:
    """What a hidden cell reads: ``x``, the same whatever k (the mark never says a count)."""
    return HIDDEN_MARK


def format_value(value: object, column: str, lang: str, whole: bool = False) -> str:
    """One cell of a *published* row as display text ('—' when not assessed).

    Shares and scores are percentages with one decimal because that is how the sector reports and
    the WG briefings quote them; changes are percentage points with a sign, so a rise and a fall are
    told apart without colour. ``whole``: the value was published rounded to whole percent
    (pipeline/scoring/disclosure_rounding.py) and prints so, 77%, never 77.0% (a decimal that is not there).
    """
    if is_missing(value):
        return DASH
    k = kind(column)
    if k == "text":
        return _text(value, column, lang)
    v = float(value)  # type: ignore[arg-type]
    if not math.isfinite(v):
        return DASH
    if k in ("percent", "score"):
        return f"{v * 100:.0f}%" if whole else f"{v * 100:.1f}%"
    if k == "points":
        pts = round(v * 100, 1)
        return f"{signed(f'{pts:+.1f}')}{POINT_UNIT[lang]}" if pts != 0 else f"0.0{POINT_UNIT[lang]}"
    if k == "count":
        return f"{round(v):,}"
    return str(round(v))  # int, year


DISPLAYED_DECIMALS = {"percent": PRINTED_DECIMALS, "score": PRINTED_DECIMALS, "points": PRINTED_DECIMALS, "count": 0,
                      "year": 0, "int": 0}
"""Decimals a number of each kind shows, in percent (shares, scores), points or units (counts); the published
orderings compare values at the same decimals (``scoring.disclosure_order``)."""


def as_displayed(value: float, k: str, whole_percent: bool = False) -> float | int:
    """The number a workbook cell stores: rounded to what its format shows, so a reader who copies it gets
    the number the page printed (0.7290, not 0.7287379972565157 nor 159.00000000000003).

    Shares and scores stay fractions (0.729 shown as 72.9%, 0.82 as 82% where ``whole_percent``); points are
    stored as points (5.2 for +5.2 pt, Excel cannot scale by 100); counts, years and ints as whole numbers.
    The rounding is the one :func:`format_value` prints with, so workbook and page never differ by a digit.

    Parameters
    ----------
    value : float
        The full-precision statistic (the machine copy keeps it).
    k : str
        Its kind (:data:`KINDS`, numeric ones only).
    whole_percent : bool
        A share published rounded to whole percent (pipeline/scoring/disclosure_rounding.py), or a change
        between such shares (whole points).
    """
    v = float(value)
    if k in ("percent", "score"):
        decimals = 0 if whole_percent else DISPLAYED_DECIMALS[k]
        # round in percent as the text does, then snap to the shortest fraction (72.9 / 100 is 0.7290000000000001)
        return round(round(v * 100, decimals) / 100, decimals + 2)
    if k == "points":
        return round(v * 100, 0 if whole_percent else DISPLAYED_DECIMALS[k])
    if k in ("count", "year", "int"):
        return int(round(v))
    raise ValueError(f"not a numeric kind: {k!r}")


def _text(value: object, column: str, lang: str) -> str:
    entry = _catalog().get(column) or {}
    values = (entry.get("values") or {}).get(lang) or {}
    if isinstance(value, str):
        return str(values.get(value, value))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float) or hasattr(value, "item"):  # a number in a text column (e.g. value)
        v = float(value)  # type: ignore[arg-type]
        if not math.isfinite(v):
            return DASH
        return str(int(v)) if v.is_integer() else f"{v:.4g}"
    return str(value)


def people_frame(table: PublishedTable, lang: str) -> pd.DataFrame:
    """The table as people see it: display strings under translated headers, people's columns only.

    Parameters
    ----------
    table : PublishedTable
        A protected table (``suppressed`` column optional: without it every row is published).
    lang : {'ja', 'en'}
        Report language for headers, units and coded values.

    Returns
    -------
    pandas.DataFrame
        One string per cell, columns = ``table.people_columns()`` renamed by :func:`header`, a fresh
        RangeIndex. Hidden rows read ``x`` in statistic columns; not-assessed cells read '—'; a change
        with no previous year, and its empty previous year, read '…'.
    """
    check_lang(lang)
    cols = table.people_columns()
    frame = table.frame.reset_index(drop=True)
    hidden = _hidden_mask(frame)
    withheld = withheld_cells(table)
    mark = hidden_text()
    # a change and the year it compares with, where the table has no previous year: '…', never '—' (not assessed)
    changes = (set(table.spec.changes) | {"previous_year"}) if table.spec is not None else set()
    no_previous = (frame["previous_year"].isna().tolist() if "previous_year" in frame
                   else [False] * len(frame))
    rounded = rounded_mask(frame)
    # counts a hidden row still prints (the respondents, hidden by their own rule where needed: they are x
    # there, NaN)
    open_counts = set(table.spec.open_counts) if table.spec is not None else set()
    bands = band_labels(frame, lang)
    points_whole = whole_points_mask(frame)
    unassessed = not_assessed_rows(frame, cols, hidden, withheld)
    out: dict[str, list[str]] = {}
    for col in cols:
        stat = kind(col) in STAT_KINDS and col not in open_counts
        out[header(col, lang, table.name)] = [
            DASH if na and kind(col) == "count" and _is_zero(v)
            else band if col == "mean" and hid and band
            # no previous year is a fact of the table's years, not a value: '…' in a hidden row too, never 'x'
            else NO_PREVIOUS if col in changes and first and is_missing(v)
            else mark if hid and (stat or is_missing(v)) or rnd and col in ROUND_WITHHELD and is_missing(v)
            or col in own
            else whole_percent(v) if rnd and kind(col) in ("percent", "score") and col not in ROUND_WITHHELD
            and not is_missing(v)
            else _whole_points(v, lang) if whole and kind(col) == "points" and not is_missing(v)
            else format_value(v, col, lang)
            for v, hid, first, rnd, own, band, whole, na in zip(frame[col].tolist(), hidden, no_previous, rounded,
                                                                withheld, bands, points_whole, unassessed, strict=True)
        ]
    return pd.DataFrame(out, columns=[header(c, lang, table.name) for c in cols], dtype=object)


def _is_zero(value: object) -> bool:
    return not is_missing(value) and float(value) == 0  # type: ignore[arg-type]


def not_assessed_rows(frame: pd.DataFrame, cols: list[str], hidden: list[bool], withheld: list[set[str]]
                      ) -> list[bool]:
    """Per row, whether it is not assessed: published (not hidden), with scores or shares among ``cols`` and every
    one of them empty and not withheld (a CSF 2.0 category no item addresses). Its count of companies scored, 0,
    then reads '—' beside the '—' of its mean: a bare 「0」 would read as a value where nothing is assessed."""
    values = [c for c in cols if kind(c) in ("score", "percent")]
    if not values:
        return [False] * len(frame)
    empty = frame[values].isna().all(axis=1).tolist()
    return [e and not h and not (own & set(values)) for e, h, own in zip(empty, hidden, withheld, strict=True)]


def band_labels(frame: pd.DataFrame, lang: str) -> list[str]:
    """Per row, the band a hidden mean is published as (「90%以上」…), '' where none."""
    from pipeline.scoring.disclosure import BAND_COLUMN

    if BAND_COLUMN not in frame.columns:
        return [""] * len(frame)
    return [BAND_LABELS[lang].get(str(v), "") if not is_missing(v) else "" for v in frame[BAND_COLUMN].tolist()]


def rounded_mask(frame: pd.DataFrame) -> list[bool]:
    """Rows published rounded with their base withheld (pipeline/scoring/disclosure_rounding.py): their shares
    read in whole percent, their withheld counts read the mark x."""
    if ROUNDED not in frame.columns:
        return [False] * len(frame)
    return [str(v).lower() in ("true", "1", "1.0") for v in frame[ROUNDED].tolist()]


def whole_percent(value: object) -> str:
    """A share published rounded to whole percent, as text: 0.8 → '80%' (never '80.0%', which claims a decimal);
    a percent reads alike in both languages."""
    return format_value(value, "share_reached", "ja", whole=True)


def whole_points_mask(frame: pd.DataFrame) -> list[bool]:
    """Rows whose changes read in whole points: a rounded row (its shares are whole percent), and every row of a
    table with rounded rows whose changes are all whole points (movers keeps one precision per table,
    pipeline/report/tables.py): "+26.0ポイント" beside "42% → 68%" claimed a decimal that is not there."""
    rounded = rounded_mask(frame)
    previous = [str(v).lower() in ("true", "1", "1.0") for v in frame[f"{ROUNDED}_previous"].tolist()] \
        if f"{ROUNDED}_previous" in frame.columns else [False] * len(frame)
    either = [a or b for a, b in zip(rounded, previous, strict=True)]
    if not any(either):
        return either
    points = [c for c in frame.columns if kind(str(c)) == "points"]
    values = pd.to_numeric(frame[points].stack(), errors="coerce").dropna() if points else pd.Series(dtype=float)
    if ((values * 100 - (values * 100).round()).abs() < 1e-6).all():
        return [True] * len(frame)
    return either


def _whole_points(value: object, lang: str) -> str:
    pts = round(float(value) * 100)  # type: ignore[arg-type]
    return f"{signed(f'{pts:+d}')}{POINT_UNIT[lang]}" if pts != 0 else f"0{POINT_UNIT[lang]}"


def _hidden_mask(frame: pd.DataFrame) -> list[bool]:
    if "suppressed" not in frame.columns:
        return [False] * len(frame)
    return [not is_missing(s) and str(s) != "" for s in frame["suppressed"].tolist()]


WITHHELD_CELLS = "_withheld"
"""A working column naming, per row, the cells withheld in a published row (space-separated column names): a
count below k beside published shares reads ``x`` there, not '—' (it is not "not assessed"). Working columns
(a leading underscore) never reach the machine copy, where the cell is simply empty."""


def withheld_cells(table: PublishedTable) -> list[set[str]]:
    """Per row of ``table.frame`` (in order), the columns withheld in it (:data:`WITHHELD_CELLS`), and each empty
    change of a value withheld in the same row (:func:`_withheld_changes`); empty sets when there is none."""
    frame = table.frame
    own = [set() for _ in range(len(frame))] if WITHHELD_CELLS not in frame.columns else \
        [set(str(v).split()) if not is_missing(v) else set() for v in frame[WITHHELD_CELLS].tolist()]
    return _withheld_changes(table, own)


def _withheld_changes(table: PublishedTable, own: list[set[str]]) -> list[set[str]]:
    """``own`` with each empty change of a published row added where the row's own statistic is withheld (power's
    members' change read '—' beside a members' estimate read x). A change whose year compared is hidden is named
    where the table is made (``pipeline.report.tables.change_withheld_after_hidden``): a view of the latest year
    alone does not hold the year compared. A change of a value not assessed stays '—'."""
    spec, frame = table.spec, table.frame
    if spec is None or not spec.changes or "previous_year" not in frame.columns:
        return own
    hidden = _hidden_mask(frame)
    out = [set(s) for s in own]
    for change, (stat, _previous) in spec.changes.items():
        if change not in frame.columns:
            continue
        for i, (value, before) in enumerate(zip(frame[change].tolist(), frame["previous_year"].tolist(),
                                                strict=True)):
            if not hidden[i] and is_missing(value) and not is_missing(before) and stat in own[i]:
                out[i].add(change)
    return out


def hidden_rows(table: PublishedTable) -> list[bool]:
    """Which rows of ``table.frame`` (in order) disclosure control hid."""
    return _hidden_mask(table.frame)


SAID_ONCE_WORDS = {"ja": "{columns}: すべての行で秘匿(x)", "en": "{columns}: withheld in every row (x)"}


def said_once(shown: pd.DataFrame, kinds: dict[str, str], title: str, lang: str, withheld: bool = True
              ) -> tuple[list[str], list[str]]:
    """Columns a table says once beside its caption instead of on every row, the one rule of the page and the slide:
    a year the same on every row (a one-year view: 2025 beside each of 2026's rows; ten columns did not fit a
    slide, and the score distribution was wider than the page), said as a year (「比較年度: 2025年度」) unless the
    title names it already; and, where ``withheld``, a number withheld on every row (the members' estimate where a
    segment's response status is withheld: a column of x said one thing a sixth of the slide wide).

    ``shown`` holds the people's strings under their headers, ``kinds`` maps each header to its :func:`kind`.
    Returns the headers to drop and the lines to print (possibly none)."""
    from pipeline import catalogs

    if len(shown) < 2:
        return [], []
    years = [h for h, k in kinds.items() if k == "year" and h in shown and shown[h].nunique() == 1]
    fy = str(catalogs.report_labels()[lang]["fy"])
    named = [f"{h}: {fy.format(year=v) if re.fullmatch(r'[0-9]{4}', v) else v}" for h in years
             if (v := str(shown[h].iloc[0])) not in (title or "")]
    blank = [h for h, k in kinds.items() if withheld and k in NUMERIC_KINDS and h in shown and h not in years
             and shown[h].astype(str).eq(HIDDEN_MARK).all()]
    lines = ([" / ".join(named)] if named else []) + (
        [SAID_ONCE_WORDS[lang].format(columns=", ".join(blank))] if blank else [])
    return years + blank, lines
