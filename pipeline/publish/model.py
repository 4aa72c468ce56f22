"""What a report publishes, as plain records: every table and figure passes through these on its way
to the HTML, the people's workbook, the machine copy and the deck, so the audit sees exactly what readers see.

Conventions shared by every published table (``PublishedTable.frame``):

- machine column names (snake_case, e.g. ``segment``, ``year``, ``n_scored``, ``mean``, ``share_reached``,
  ``change``); display headers come from ``catalogs/columns.yaml``;
- ``suppressed`` is '' for a published cell, else its reason: 'primary' (fewer than k companies behind the
  statistic), 'split' (fewer than k on one side of a share, or off the top or bottom of a mean's scale),
  'complementary' (hidden so that a total or a related table does not reveal another hidden cell),
  'uniform' (a mean of exactly 0 or 1), 'rounding' (a row whose rounded values would rule out one of its
  possible bases: it says nothing of where the share lies); a hidden cell's statistics and counts are NaN,
  people see the mark "x" (秘匿) and the published copy says only 'hidden' ('withheld' where the row still
  prints its open counts, the respondents: its statistics are withheld cell by cell);
- a statistic that is NaN in a published row (``suppressed == ''``) is *not assessed*: people see "—".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import ruleset
from pipeline.method import METHOD_VERSION


@dataclass
class Provenance:
    """Where a report's numbers come from: printed on every figure, HTML, deck and 説明 sheet."""

    snapshot: str  # hash of the store content for the sector(s) and years shown
    code_version: str  # package version and git commit when known
    parameters: dict[str, object] = field(default_factory=dict)
    generated: str = ""  # ISO date of the run (not part of any byte-identical table)
    method: str = METHOD_VERSION  # the version of docs/method.md the numbers follow
    scheme: str = ""  # the ★ scheme table's version and date (catalogs.scheme_info), where ★ scores are shown

    def stamp(self) -> str:
        """The run in one machine line (data snapshot, code, method, ★ table, parameters), written into each
        figure's PNG metadata so a pasted figure can be traced; readers see the HTML appendix instead."""
        params = ", ".join(f"{k}={v}" for k, v in self.parameters.items() if v not in ("", None))
        return (f"data {self.snapshot} · sdw {self.code_version} · method {self.method}"
                + (f" · ★ table {self.scheme}" if self.scheme else "")
                + (f" · {params}" if params else ""))


@dataclass
class TableSpec:
    """What the intruder check needs to know about a table: which columns name a cell, which count
    stands behind each statistic, where the total is, and which columns are changes from a previous year.

    Cells of different tables with the same key columns and values are the *same* cell: a statistic
    hidden in one table must not be published in another.
    """

    keys: list[str]  # columns that name a cell, besides ``segment`` (sector, year, framework, node_id, item_id…)
    counts: dict[str, str | list[str]]  # statistic column → the count column(s) behind it
    segment: str | None = "segment"  # None: the table has no segments (items, whole sector)
    total: str | None = None  # the total row's segment label, when the table publishes one
    changes: dict[str, list[str]] = field(default_factory=dict)  # change column → [statistic, previous-year column]
    # counts a row hidden for its statistics still prints (the respondents, published beside the scores anyway):
    # each must hold at least k where shown (pipeline.scoring.disclosure.respondent_counts)
    open_counts: list[str] = field(default_factory=list)
    # cells that split the companies of one row between them (★ distance bands of one star): key column → groups
    # of its values; within a row of the other keys the shares of a group add up to 1, a relation the audit uses
    parts: dict[str, list[list[str]]] = field(default_factory=dict)
    # a published column that decides the statistic: rows of one place (sector, year, segment) and framework with
    # the same value in it have equal statistics over the same companies (★ requirement rows citing the same
    # checklist items: not met is read from those items alone), a relation the audit uses
    equal_by: str | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"keys": self.keys, "counts": self.counts, "segment": self.segment,
                                  "total": self.total, "changes": self.changes, "open_counts": self.open_counts}
        if self.parts:
            out["parts"] = self.parts
        if self.equal_by:
            out["equal_by"] = self.equal_by
        return out

    @classmethod
    def from_json(cls, data: dict) -> TableSpec:
        return cls(keys=list(data["keys"]), counts=dict(data["counts"]), segment=data.get("segment"),
                   total=data.get("total"), changes={c: list(v) for c, v in (data.get("changes") or {}).items()},
                   open_counts=list(data.get("open_counts") or []),
                   parts={c: [list(g) for g in groups] for c, groups in (data.get("parts") or {}).items()},
                   equal_by=data.get("equal_by") or None)


@dataclass
class SlidePivot:
    """How a long table reads across on its slide: one row per value of the row columns, one column per value of
    the column column holding the value column (machine names; the cells keep the page's strings, x and — included).

    With a split mark, a column value splits at its first mark into a row part and a column part
    (「★3 あと0件」 → row ★3, column あと0件), so a table of two stars by six bands is twelve rows, not a row
    of twelve columns. (Plain words here: double-backquoted names in this module are read as column names.)"""

    rows: list[str]
    column: str
    value: str
    split: str | None = None
    split_name: str = ""  # the header of the row part a split yields


@dataclass
class PublishedTable:
    """One table as published: the protected frame and how people should see it."""

    name: str  # machine name: snake_case, ≤ 31 characters (also the Excel sheet name)
    title: str  # in the report language
    frame: pd.DataFrame  # protected; machine column names
    columns: list[str]  # the columns people see, in order (machine names)
    note: str = ""  # one line under the table (in the report language)
    k: int = field(default_factory=ruleset.min_cell)  # k of the rules (catalogs/scoring.yaml) unless given
    spec: TableSpec | None = None  # None: the table publishes no statistic about companies (e.g. counts only)
    source: str = ""  # the source line of its table slide (what n counts, as a figure's source line says)
    pivot: SlidePivot | None = None  # its table slide shows the rows pivoted (a long table read across)

    def people_columns(self) -> list[str]:
        return [c for c in self.columns if c in self.frame.columns]


@dataclass
class PublishedFigure:
    """One figure as published: the PNG/SVG files and the words that go with it on a slide."""

    name: str
    title: str
    png: Path
    svg: Path | None = None
    source: str = ""  # the source line printed under the figure
    notes: list[str] = field(default_factory=list)  # numbers behind the figure, for the slide notes
    slide_png: Path | None = None  # the figure drawn again for the deck's picture area (placed unscaled)
    slide_min_pt: float | None = None  # the smallest text on the slide drawings, in points
    slide_more: list[Path] = field(default_factory=list)  # further parts of a figure too tall for one slide
    slide_note: str = ""  # the figure's note, off its slide drawing: the slide's footnote (what fits) and notes
    slide_shared: str = ""  # the caveats every figure shares (on the caveats slide): in the slide's notes only
