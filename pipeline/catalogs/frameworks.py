"""Loaders for the framework catalogs: NIST CSF 2.0 and 1.1, their crosswalk, CPSF, the ★ scheme."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipeline.catalogs.files import path, project_root, read_csv, read_yaml

if TYPE_CHECKING:
    import pandas as pd

DRAWN = ("csf2", "csf11")
"""The frameworks with a tree of functions and categories a report, the explorer and ``sdw report --framework``
draw (the catalogs :func:`csf2` and :func:`csf11`)."""
COMMON_FRAMEWORK = "csf2"
"""The framework every sector is scored on (catalogs/sectors.yaml ``frameworks``: csf2 always): what a report
draws unless it asks for another, and what the cross-sector page compares sectors on."""


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
    """Supply-chain evaluation scheme requirements, each with a boolean ``starN`` per grade N of the scheme:
    whether it belongs to ★N, read from its criteria (one of them graded N or lower in scs_criteria.csv, the
    one place a grade is written; ★4 takes the ★3 criteria too). ``starN`` columns a table may carry are
    not read."""
    df = read_csv("scs_requirements.csv")
    df = df.drop(columns=[c for c in df.columns if re.fullmatch(r"star\d+", c)])
    crit = scs_criteria()
    return df.assign(**{f"star{star}": df["requirement_id"].isin(set(crit.loc[crit["star"].le(star), "requirement_id"]))
                        for star in stars()})


def scs_criteria() -> pd.DataFrame:
    """Scheme evaluation criteria with the automotive items each cites (space-separated ``No.N``)."""
    return read_csv("scs_criteria.csv").assign(star=lambda d: d["star"].astype(int))


def stars() -> tuple[int, ...]:
    """The star grades of the scheme, lowest first (3, 4): the ``star`` values of scs_criteria.csv, the one
    place a criterion's grade is written."""
    return tuple(sorted(int(s) for s in scs_criteria()["star"].unique()))


SCHEME_TABLES = {"meta": "scs_scheme.yaml", "requirements": "scs_requirements.csv", "criteria": "scs_criteria.csv"}
"""The scheme's three files by what each holds (messages name the file a user edits)."""
SCHEME_FILES = tuple(SCHEME_TABLES.values())


def scheme_meta() -> dict:
    """scs_scheme.yaml as written: what the table is (name, version, date, source, declared counts)."""
    return dict(read_yaml("scs_scheme.yaml"))


def scheme_files() -> dict[str, str]:
    """Where each of the scheme's three files is read from (the project's copy first)."""
    return {name: str(path(name)) for name in SCHEME_FILES}


def scheme_origins() -> dict[str, str]:
    """Each of the scheme's three files → ``project`` (read from the project's catalogs/ folder) or ``shipped``."""
    root = project_root()
    return {f: "project" if root is not None and path(f).parent == root else "shipped" for f in SCHEME_FILES}


def scheme_columns() -> dict[str, list[str]]:
    """The columns each of the scheme's two CSVs has, as written (checked before they are read as a table)."""
    return {name: list(read_csv(name).columns) for name in (SCHEME_TABLES["requirements"], SCHEME_TABLES["criteria"])}


def scheme_info() -> dict[str, str]:
    """The ★ scheme table in force: its name, version, date and where it was read from.

    ``version`` is scs_scheme.yaml's ``version`` (the date when it gives none: the shipped table of 2026-03
    says only its date); ``origin`` is ``project`` when all three files come from the project's catalogs/
    folder (a revised official table dropped there), ``shipped`` when none does, else each origin with its
    files (``project: scs_criteria.csv; shipped: scs_requirements.csv, scs_scheme.yaml``), a mixed table
    ``sdw instrument scheme`` refuses. ``label`` is the short form every output's provenance prints:
    ``2026-03 (shipped)``. ``name_en`` is the name an English report prints: our English name with the
    official Japanese one beside it (the Japanese alone where the table gives no English name).
    """
    meta = read_yaml("scs_scheme.yaml")
    origins = scheme_origins()
    date = str(meta.get("source_table_date", ""))
    version = str(meta.get("version", "") or date)
    kinds = sorted(set(origins.values()))
    origin = kinds[0] if len(kinds) == 1 else "; ".join(
        f"{kind}: {', '.join(sorted(f for f, o in origins.items() if o == kind))}" for kind in kinds)
    label = version + (f", {date}" if date and date != version else "") + f" ({origin})"
    name = str(meta.get("name_ja", ""))
    name_en = f"{meta['name_en']} ({name})" if meta.get("name_en") else name
    return {"name": name, "name_en": name_en, "version": version, "date": date, "origin": origin,
            "via": str(meta.get("via", "")), "label": label}
