"""Loaders for the framework catalogs: NIST CSF 2.0 and 1.1, their crosswalk, CPSF, the ★ scheme."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.catalogs.files import read_csv

if TYPE_CHECKING:
    import pandas as pd


def csf2() -> pd.DataFrame:
    """NIST CSF 2.0 nodes in CSWP 29 order: 6 functions, 22 categories, 106 subcategories.

    Columns: node_id, level, parent_id, function_id, name_en, name_ja, name_ja_source, order.
    """
    return read_csv("csf2.csv").assign(order=lambda d: range(len(d)))


def csf11() -> pd.DataFrame:
    """NIST CSF 1.1 nodes: 5 functions, 23 categories, 108 subcategories (``ID.AM-1`` style IDs)."""
    return read_csv("csf11.csv").assign(order=lambda d: range(len(d)))


def csf11_to_csf2() -> pd.DataFrame:
    """Where each CSF 1.1 subcategory went in CSF 2.0, one row per (1.1 id, 2.0 target).

    ``relation`` is ``kept`` (same id, two-digit form), ``incorporated_into`` or ``moved_to``;
    ``csf2_level`` says whether the target is a subcategory, a category or a function.
    """
    return read_csv("csf11_to_csf2.csv")


def cpsf() -> pd.DataFrame:
    """CPSF measure-requirement categories (``CPS.AM`` …), their CSF 1.1 sources and component tags."""
    return read_csv("cpsf.csv")


def scs_requirements() -> pd.DataFrame:
    """Supply-chain evaluation scheme requirements with their ★3/★4 flags (booleans)."""
    df = read_csv("scs_requirements.csv")
    return df.assign(star3=df["star3"].eq("True"), star4=df["star4"].eq("True"))


def scs_criteria() -> pd.DataFrame:
    """Scheme evaluation criteria with the automotive items each cites (space-separated ``No.N``)."""
    return read_csv("scs_criteria.csv").assign(star=lambda d: d["star"].astype(int))
