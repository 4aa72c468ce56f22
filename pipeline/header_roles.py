"""What a header label names: the role labels.yaml gives it, compared as people type labels.

One reading for every stage that meets a checklist's columns: ingest finding a submission's table,
the form import reading an official blank form, and the generator writing a form whose columns an
imported template names its own way. A stage that read labels its own way would accept a form the
others refuse.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline import catalogs
from pipeline.catalogs import on_change, registered_cache
from pipeline.text import header_key, label_key

PAST = re.compile(r"前年|昨年|前回|過去|参考")  # 「回答(前年度)」 is last year's column, not this year's


@registered_cache
def aliases(group: str) -> dict[str, str]:
    """Normalised label → role, for one group of labels.yaml."""
    return {label_key(alias): role for role, names in catalogs.labels()[group].items() for alias in names}


@lru_cache(maxsize=4096)
def row_roles(row: tuple[str | None, ...]) -> dict[str, int]:
    """Role → column of the checklist labels in one row: the exact label, else the label without its
    bracketed hints unless it names a past year's column (cached: header rows recur in every file)."""
    known = aliases("checklist")
    exact: dict[str, int] = {}
    hinted: dict[str, int] = {}
    for c, value in enumerate(row):
        if not value:
            continue
        key = label_key(value)
        if key in known:
            exact.setdefault(known[key], c)
        elif header_key(value) in known and not PAST.search(key):
            hinted.setdefault(known[header_key(value)], c)
    return hinted | exact  # 「回答」 beats 「回答(選択してください)」 for the same role


on_change(row_roles.cache_clear)


def column_role(label: object) -> str | None:
    """The role one checklist header label names, as :func:`row_roles` reads it; None for no label."""
    if label in (None, ""):
        return None
    return next(iter(row_roles((str(label),))), None)
