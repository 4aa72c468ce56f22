"""How a published cell is named, and the log of hidden cells: shared by the intruder check and the solver.

Both :mod:`pipeline.publish.audit` and :mod:`pipeline.publish.intervals` name a cell by its key columns and
read the hidden-cell log; it lives here, below both, so that neither imports the other to reach it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd

from pipeline.publish.model import PublishedTable
from pipeline.scoring.disclosure import HIDDEN_COUNT, HIDDEN_COUNTS

AUDIT_COLUMNS = ["table", "cell", "statistics", "reason", "count", "check", "finding", "counts"]

CellKey = tuple[tuple[str, str], ...]


def key_text(value: object) -> str:
    """Key values as text, so that a table read back from CSV names the same cell as the one in memory."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def cell_key(row: pd.Series | Mapping[str, object], columns: list[str]) -> CellKey:
    """The cell a row is: (column, value as text) for each key column (a row Series or a record dict)."""
    return tuple((c, key_text(row[c])) for c in columns)


def cell_text(key: CellKey) -> str:
    """A cell key as the audit log writes it: ``column=value; column=value``."""
    return "; ".join(f"{c}={v}" for c, v in key)


def hidden_cells(tables: list[PublishedTable]) -> pd.DataFrame:
    """One row per hidden cell of every table: its key, the statistics hidden, the reason and the count."""
    rows = []
    for t in tables:
        if t.spec is None or "suppressed" not in t.frame:
            continue
        cols = t.spec.keys + ([t.spec.segment] if t.spec.segment else [])
        hidden = t.frame[t.frame["suppressed"].fillna("").ne("")]
        count_cols = [c for c in hidden.columns if c in ("n", "roster_n") or c.startswith("n_")]
        behind = [c for s in t.spec.counts.values() for c in ([s] if isinstance(s, str) else s)]
        n_col = next((c for c in behind if c in hidden.columns), None)  # the count protection ran on
        for _, r in hidden.iterrows():
            count = r.get(HIDDEN_COUNT, np.nan)
            counts = {c: float(r[c]) for c in count_cols if pd.notna(pd.to_numeric(r[c], errors="coerce"))}
            if n_col is not None and pd.notna(count):
                counts[n_col] = float(count)  # protection blanked it; the working column keeps it
            for column, working in HIDDEN_COUNTS.items():  # likewise a rate's roster and respondents on it
                if pd.notna(pd.to_numeric(r.get(working, np.nan), errors="coerce")):
                    counts[column] = float(r[working])
            rows.append({"table": t.name, "cell": cell_text(cell_key(r, cols)),
                         "statistics": " ".join(s for s in t.spec.counts if s in t.frame),
                         "reason": r["suppressed"], "count": None if pd.isna(count) else int(count),
                         "check": "hidden", "finding": "", "counts": json.dumps(counts, sort_keys=True)})
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)
