"""The ★ scheme's category and requirement names in the reader's language.

The official requirement/criteria table is Japanese only. ``scs_requirements.csv`` may carry English names
in two optional columns, ``category_name_en`` and ``requirement_name_en`` (the shipped ones are our own
short translations, docs/scheme.md); a replacement table without them, or an empty cell, falls back to the
Japanese name, so an English report never prints a blank. The names live here, outside pipeline/scoring and
pipeline/catalogs' code, because no score reads them (pipeline/freshness.py leaves the columns out too).
"""

from __future__ import annotations

import pandas as pd

from pipeline import catalogs

NAME_COLUMNS = ("category_name", "requirement_name")


def scheme_names(lang: str = "ja") -> pd.DataFrame:
    """requirement_id → ``category_name`` and ``requirement_name`` in ``lang`` (``ja``, else English where
    the table gives it, falling back to Japanese)."""
    req = catalogs.scs_requirements().set_index("requirement_id")
    out = req[list(NAME_COLUMNS)].fillna("").astype(str)
    if lang == "ja":
        return out
    for column in NAME_COLUMNS:
        if f"{column}_en" in req.columns:
            english = req[f"{column}_en"].fillna("").astype(str).str.strip()
            out[column] = english.where(english.ne(""), out[column])
    return out
