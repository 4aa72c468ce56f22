"""Test helper: publish hand-built tables as a report would (hidden cells blanked) and run the audit's intruder
on what is left, so each disclosure test states only its tables and its typed expectations."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from pipeline.publish.audit import hidden_cells, intruder_check
from pipeline.publish.model import PublishedTable, TableSpec
from pipeline.publish.publisher import published_frame


def attack(frames: dict[str, tuple[pd.DataFrame, TableSpec]], relations: Iterable = (), k: int = 5
           ) -> tuple[list, list]:
    """The intruder's findings and the interval of every hidden statistic, for tables named by ``frames``
    (name: frame with its ``suppressed`` column, and its spec)."""
    tables = [PublishedTable(name, name, f, list(f.columns), spec=spec) for name, (f, spec) in frames.items()]
    log = hidden_cells(tables)
    shown = [PublishedTable(t.name, t.name, published_frame(t.frame, t.spec.keys), list(t.frame.columns),
                            spec=t.spec) for t in tables]
    intervals: list = []
    findings = intruder_check(shown, log, k, list(relations), intervals)
    return findings, intervals


def bottleneck_audit(table: pd.DataFrame, spec: TableSpec) -> tuple[list, dict]:
    """:func:`attack` on one ★ bottleneck table: the findings, and the interval of each hidden ``share_unmet`` by
    (node id, segment)."""
    findings, intervals = attack({"star_bottlenecks": (table, spec)})
    cells = {(iv.cell.split("node_id=")[1].split(";")[0], iv.cell.split("segment=")[1].split(";")[0]): iv
             for iv in intervals if iv.statistic == "share_unmet"}
    return findings, cells
