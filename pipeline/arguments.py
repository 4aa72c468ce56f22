"""Command-line arguments read as a clerk writes them, and checked before any work starts.

A clerk types the fiscal year the way the office says it (``24年度``, ``R6``, ``令和６年度``), points
``--raw`` at a folder that may be empty or wrong, and asks for years or segments the store does not
hold. Left alone, each would surface minutes later as a schema table or a notebook cell's error. Here
each is refused in one line naming the argument and what it expects:

- a value that cannot mean anything (``--year 24``, ``--years last``) is a *usage* error: exit status 2,
  from the parser (:func:`fiscal_year`, :func:`year_span`);
- a value that reads fine but does not fit the files or the store (a missing folder, a year the store
  does not hold, an attribute the sector lacks) is *refused*: :class:`Refused`, exit status 1, raised by
  :func:`check` before any raw file is read or any store table is written (what a command needs from
  the store is :mod:`pipeline.preconditions`, checked next).
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from pathlib import Path

FIRST_YEAR, LAST_YEAR = 2000, 2100
# era name → the Gregorian year of its first year (元年): 令和元年 = 2019, 平成元年 = 1989
ERAS = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988}
_YEAR = re.compile(r"(?:FY)?(\d{1,4})(?:年度?)?", re.IGNORECASE)
_ERA = re.compile(r"(令和|平成|R|H)(\d{1,2}|元)(?:年度?)?", re.IGNORECASE)


class Refused(Exception):
    """An argument that reads fine but does not fit the files or the store: one line, exit status 1."""

    def __init__(self, argument: str | None, message: str) -> None:
        super().__init__(f"{argument}: {message}" if argument else message)
        self.argument = argument


class Year(int):
    """A fiscal year as parsed, remembering how it was written (so the command can echo the reading)."""

    written: str

    def __new__(cls, value: int, written: str) -> Year:
        year = super().__new__(cls, value)
        year.written = written
        return year


def _normalise(text: str) -> str:
    """Full-width digits and letters to ASCII (NFKC), spaces dropped: ``ＦＹ２０２４`` → ``FY2024``."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


def read_year(text: str) -> int:
    """A fiscal year from how Japanese offices write it; ValueError with the hint when it is not one.

    ``2024``, ``FY2024``, ``fy2024``, ``2024年度``, ``R6``, ``令和6年度``, ``令和６年度``, ``令和元年度``,
    ``H30`` all read as their Gregorian fiscal year; two digits (``24``) are refused with the year
    they probably mean, because ``24`` may as well be 令和24年 or a typo.
    """
    s = _normalise(text)
    if m := _ERA.fullmatch(s):
        era = ERAS[m.group(1).upper() if m.group(1).isascii() else m.group(1)]
        year = era + (1 if m.group(2) == "元" else int(m.group(2)))
    elif m := _YEAR.fullmatch(s):
        year = int(m.group(1))
        if year < 100:
            guess = 2000 + year
            raise ValueError(f"expected a fiscal year such as 2024, FY2024, 2024年度 or R6, not {text!r}: "
                             f"did you mean {guess} (FY{guess})?")
    else:
        raise ValueError(f"expected a fiscal year such as 2024, FY2024, 2024年度 or R6, not {text!r}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        reading = "" if s == str(year) else f" (read as {year})"
        raise ValueError(f"expected a fiscal year between {FIRST_YEAR} and {LAST_YEAR}, not {text!r}{reading}")
    return year


def fiscal_year(text: str) -> Year:
    """``type=`` for ``--year``: :func:`read_year`, as an argparse error (exit status 2) when it is none."""
    try:
        return Year(read_year(text), text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def read_span(text: str) -> tuple[int, int]:
    """``2022-2024``, ``FY2022-FY2024``, ``R4〜R6``, ``2024`` → (first, last); ValueError when not a span."""
    s = _normalise(text)
    parts = re.split(r"[-–—~〜]", s)
    if len(parts) > 2 or not all(parts):
        raise ValueError(f"expected years like 2022-2024 or 2024, not {text!r}")
    try:
        first, last = (read_year(p) for p in (parts[0], parts[-1]))
    except ValueError as e:
        hint = str(e).partition(": did you mean ")[2]
        raise ValueError(f"expected years like 2022-2024 or 2024, not {text!r}"
                         + (f": did you mean {hint}" if hint else "")) from None
    if first > last:
        raise ValueError(f"expected years like 2022-2024, earliest first, not {text!r}")
    return first, last


def year_span(text: str) -> tuple[int, int]:
    """``type=`` for ``--years``."""
    try:
        return read_span(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


_WHAT_IF = re.compile(r"(?:star|★)([34]):([A-Za-z_]+)=(.+)", re.IGNORECASE)


class WhatIf(tuple):
    """``star3:size_band=101〜300人`` read: (star, attribute, value) — ★3 asked of every company whose
    ``attribute`` is ``value``. ``text`` is the canonical spelling (what the report and its provenance say)."""

    def __new__(cls, star: int, attribute: str, value: str) -> WhatIf:
        return super().__new__(cls, (star, attribute, value))

    star = property(lambda self: self[0])
    attribute = property(lambda self: self[1])
    value = property(lambda self: self[2])
    text = property(lambda self: f"star{self[0]}:{self[1]}={self[2]}")


def read_what_if(text: str) -> WhatIf:
    """``star3:size_band=101〜300人`` (also ``★4:industry=自動車部品``, full-width letters or spaces around the
    parts) → :class:`WhatIf`; ValueError naming the expected form. The value keeps its own spelling (NFKC
    would turn 〜 into ~ and miss the store's segment names); only the star and attribute are normalised."""
    star, sep, rest = str(text or "").strip().partition(":")
    attribute, eq, value = rest.partition("=")
    m = _WHAT_IF.fullmatch(f"{_normalise(star)}:{_normalise(attribute)}={value.strip()}") if sep and eq else None
    if not m or not value.strip():
        raise ValueError(f"expected STAR:ATTRIBUTE=VALUE, the star 3 or 4, such as star3:size_band=101〜300人, "
                         f"not {text!r}")
    return WhatIf(int(m.group(1)), m.group(2), m.group(3))


def what_if(text: str) -> WhatIf:
    """``type=`` for ``--what-if``."""
    try:
        return read_what_if(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


# --- checks against the files and the store (exit status 1) --------------------------------------------


def raw_folder(raw: Path) -> int:
    """``--raw`` must be a folder holding at least one file this process may read; returns how many.

    Only names and permissions are looked at: nothing is opened, so a folder of 3,000 workbooks is
    checked in the time it takes to list it.
    """
    import os

    if not raw.exists():
        raise Refused("--raw", f"folder {raw} does not exist")
    if not raw.is_dir():
        raise Refused("--raw", f"{raw} is a file, expected the folder of submissions it is in")
    if not os.access(raw, os.R_OK | os.X_OK):
        raise Refused("--raw", f"folder {raw} cannot be read (permission denied)")
    # os.walk reads the file type from the directory listing (no stat per file); readability is asked of
    # files only until one answers yes: one that cannot be read later is quarantined by ingest, not refused here
    files, readable = 0, False
    for folder, _, names in os.walk(raw):
        for name in names:
            files += 1
            readable = readable or os.access(os.path.join(folder, name), os.R_OK)
    if not readable:
        what = f"{files} files, none readable" if files else "no files"
        raise Refused("--raw", f"folder {raw} holds {what}: expected the submissions (.xlsx, .xlsm, .xls, .zip …)")
    return files


def roster_file(path: Path) -> None:
    """``--roster`` must be a file that opens (its rows are read, and refused row by row, by ingest)."""
    if not path.exists():
        raise Refused("--roster", f"file {path} does not exist")
    if not path.is_file():
        raise Refused("--roster", f"{path} is a folder, expected the member list (.csv or .xlsx)")
    try:
        with open(path, "rb") as fh:
            head = fh.read(1)
    except OSError as e:
        raise Refused("--roster", f"file {path} does not open ({e.strerror})") from None
    if not head:
        raise Refused("--roster", f"file {path} is empty: expected a header row (法人番号, 事業者名 …) and a row per "
                      "member")
    from pipeline.ingest.roster import check_header

    try:
        check_header(path)
    except ValueError as e:
        raise Refused("--roster", str(e)) from None


def store_years(store: Path, sectors: list[str]) -> dict[str, list[int]]:
    """The years each sector has respondents in the store (two columns of one table are read)."""
    from pipeline.store import sector_years

    held: dict[str, list[int]] = {}
    for s, y in sector_years(store, "respondents"):
        if s in sectors:
            held.setdefault(s, []).append(y)
    return {s: sorted(ys) for s, ys in held.items()}


def years_text(years: list[int]) -> str:
    if not years:
        return "none"
    runs, start = [], years[0]
    for prev, y in zip(years, [*years[1:], None], strict=True):
        if y != prev + 1 if y is not None else True:
            runs.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = y
    return ", ".join(runs)


def span_in_store(span: tuple[int, int], held: dict[str, list[int]]) -> None:
    """``--years A-B`` must lie within the years the store holds for each sector asked about: a report
    titled 2020-2024 from data of 2022-2024 would say more than it shows. A year missing inside the span
    (2022 and 2024 held, 2023 not) is no refusal: the report shows the gap."""
    asked = f"{span[0]}" if span[0] == span[1] else f"{span[0]}-{span[1]}"
    for sector, years in held.items():
        if not any(span[0] <= y <= span[1] for y in years):
            raise Refused("--years", f"the store holds {sector} for {years_text(years)}, nothing in {asked}")
        outside = [y for y in range(span[0], span[1] + 1) if not years[0] <= y <= years[-1]]
        if outside:
            raise Refused("--years", f"the store holds {sector} for {years_text(years)}; {asked} reaches outside it "
                          f"({years_text(outside)})")


def segment_attributes(store: Path, sector: str) -> list[str]:
    """Respondent attributes with at least one value for ``sector`` in the store (what a report can segment by)."""
    import pandas as pd

    from pipeline.report.data import SEGMENTS  # not explore: it brings matplotlib for a list of names
    from pipeline.store import opened, schema_of

    path = store / "respondents"
    with opened(path) as f:  # the schema and the rows of one file
        columns = [c for c in SEGMENTS if c in set(schema_of(f).names)]
        r = pd.read_parquet(f, columns=columns, filters=[("sector", "==", sector)])
    return [c for c in columns if r[c].dropna().astype(str).str.strip().ne("").any()]


def segment_by(store: Path, sectors: list[str], attribute: str) -> None:
    """``--segment-by`` must be an attribute every reported sector has in the store."""
    for sector in sectors:
        has = segment_attributes(store, sector)
        if attribute not in has:
            raise Refused("--segment-by", f"{sector} respondents have no {attribute!r}: expected one of "
                          f"{', '.join(has) or '(none)'}")


def what_if_scope(store: Path, sectors: list[str], scope: WhatIf, span: tuple[int, int] | None = None) -> None:
    """``--what-if`` must name a sector scored on the ★ scheme, an attribute its respondents have and a value
    some respondent has in the latest year of ``span`` the store holds (the year the what-if describes; the
    report would refuse it later otherwise)."""
    import pandas as pd

    from pipeline import catalogs
    from pipeline.store import opened

    for sector in sectors:
        if "star" not in catalogs.sector_info(sector)["frameworks"]:
            starred = [s for s, info in catalogs.sectors().items() if "star" in info["frameworks"]]
            raise Refused("--what-if", f"{sector} is not scored on the ★ scheme (catalogs/sectors.yaml): use "
                          + " or ".join(f"--sector {s}" for s in starred))
        has = segment_attributes(store, sector)
        if scope.attribute not in has:
            raise Refused("--what-if", f"{sector} respondents have no {scope.attribute!r}: expected one of "
                          f"{', '.join(has) or '(none)'}")
        with opened(store / "respondents") as f:
            rows = pd.read_parquet(f, columns=["year", scope.attribute], filters=[("sector", "==", sector)])
        years = rows["year"].astype(int)
        if span is not None:
            years = years[years.between(*span)]
        if years.empty:
            continue  # no year in the span: span_in_store says so
        latest = int(years.max())
        values = rows.loc[rows["year"].astype(int).eq(latest), scope.attribute]
        known = sorted({str(v) for v in values.dropna() if str(v).strip()})
        # a documented neighbour group (catalogs/sectors.yaml) some member of which answered: where the report
        # merges that member into it, the group is the segment a what-if can describe (the report checks which)
        groups = catalogs.segment_groups(sector).get(scope.attribute, {})
        grouped = sorted(code for code, group in groups.items() if set(group.get("members") or []) & set(known))
        if scope.value not in known and scope.value not in grouped:
            raise Refused("--what-if", f"no {sector} respondent of FY{latest} (the latest year reported) has "
                          f"{scope.attribute}={scope.value!r}: expected one of {', '.join(known)}"
                          + (f" (or a group they are merged into: {', '.join(grouped)})" if grouped else ""))


def echo_years(args: argparse.Namespace, stream=None) -> None:
    """Say how a year written another way was read (``sdw: year R6 read as FY2024``) and make it a plain int."""
    stream = sys.stderr if stream is None else stream
    year = getattr(args, "year", None)
    if isinstance(year, Year):
        if _normalise(year.written).upper() not in (str(int(year)), f"FY{int(year)}"):
            print(f"sdw: year {year.written} read as FY{int(year)}", file=stream)
        args.year = int(year)


def check(args: argparse.Namespace) -> None:
    """Every check of the arguments against the files, before the command does any work (what the command
    needs from the store is ``preconditions.check``, which the command line calls next).

    ``sdw ingest`` gets ``args.raw_files``, the number of files under ``--raw``, to say once it starts.

    Raises
    ------
    Refused
        The first argument that does not fit, in one line.
    """
    command = args.command
    if command == "ingest":
        args.raw_files = raw_folder(args.raw)  # said by the stage once it holds the store
        if args.roster is not None:
            roster_file(args.roster)
        if args.store.exists():  # another key than the store's is refused before the files are announced
            from pipeline.ingest.identity import secret_key
            from pipeline.ingest.keys import check_key

            check_key(args.store, secret_key())
    if command == "instrument" and getattr(args, "file", None) is not None and not args.file.is_file():
        raise Refused("--file", f"file {args.file} does not exist: expected the official blank form (.xlsx)")
    if command == "rekey" and not args.old_key_file.is_file():
        raise Refused("--old-key-file", f"file {args.old_key_file} does not exist")


class Parser(argparse.ArgumentParser):
    """argparse with usage errors in one line (``sdw ingest: argument --year: …``), exit status 2."""

    def error(self, message: str):  # noqa: D102 - argparse's hook
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


class HelpFormatter(argparse.HelpFormatter):
    """argparse's wrapping for descriptions, but the exit-status table kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("exit status:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def add_quiet(parser: argparse.ArgumentParser) -> None:
    """``--quiet`` for long commands: no progress bar or summary line (the result line is still printed)."""
    parser.add_argument("--quiet", action="store_true", help="show no progress (bar or summary line)")


EXIT_CODES = """exit status:
  0    done (audit: nothing can be recovered)
  1    refused: an argument does not fit the files or the store, or the store
       is not ready for the command (the line says what to run), or a file or
       form was refused; or a finding (audit)
  2    usage: an unknown command or option, or a value that cannot be read
       (e.g. --year 24)
  130  interrupted (Ctrl-C)"""
