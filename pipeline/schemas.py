"""Schemas of the store's tables (docs/architecture.md §3), validated lazily before every write.

Column names are a contract with scripts outside the repository: extend, never rename.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera import extensions
from pandera.typing import Series

from pipeline import catalogs

CANONICAL = ["implemented", "partial", "not_implemented", "not_applicable", "unknown", "unanswered", "invalid"]
STATUS = ["ingested", "quarantined", "superseded"]
FRAMEWORKS = ["csf2", "csf11", "cpsf", "level", "star"]
ITEM_ID = r"^(?:[A-Z]{2}\.[A-Z]{2}-\d{1,2}|No\.\d{1,3})$"
CELL = r"^[A-Z]{1,3}[1-9][0-9]*$"


@extensions.register_check_method()
def registered_sector(series: pd.Series) -> pd.Series:
    """A sector of catalogs/sectors.yaml, read when a table is written: a project's catalogs may add one."""
    return series.isin(list(catalogs.sectors()))


class Manifest(pa.DataFrameModel):
    sector: Series[str] = pa.Field(registered_sector=())
    year: Series[int] = pa.Field(ge=2000, le=2100)
    source_path: Series[str]
    sha256: Series[str] = pa.Field(nullable=True)
    status: Series[str] = pa.Field(isin=STATUS)
    reason: Series[str]
    respondent_key: Series[str]
    template_version: Series[str]
    kind: Series[str] = pa.Field(isin=["file", "archive", "member", "export", "export_row"])
    detail: Series[str]
    flags: Series[str]
    n_items: Series[int] = pa.Field(ge=0)
    n_invalid: Series[int] = pa.Field(ge=0)
    n_unanswered: Series[int] = pa.Field(ge=0)
    warnings: Series[str]
    # added after the first stores were written (read_table fills it for older ones): the sheet the answers
    # were read from, when the file had several shaped like a checklist
    sheet: Series[str]

    class Config:
        strict = True
        coerce = True
        unique = ["sector", "year", "source_path"]

    @pa.dataframe_check
    def quarantined_have_reasons(cls, df) -> Series[bool]:  # noqa: N805 - pandera's classmethod style
        return ~(df["status"].eq("quarantined") & df["reason"].str.strip().eq(""))


class Respondents(pa.DataFrameModel):
    sector: Series[str] = pa.Field(registered_sector=())
    year: Series[int]
    respondent_key: Series[str] = pa.Field(str_length={"min_value": 32, "max_value": 32})
    # name_linked: no valid 法人番号 written, linked by the company name to the one 法人番号 known for it
    identity_basis: Series[str] = pa.Field(isin=["corporate_number", "name", "name_linked"])
    template_version: Series[str]
    submitted_on: Series[pa.DateTime] = pa.Field(nullable=True)
    source_path: Series[str]
    size_band: Series[str] = pa.Field(nullable=True)
    business_types: Series[str] = pa.Field(nullable=True)
    main_business_type: Series[str] = pa.Field(nullable=True)
    employees: Series[float] = pa.Field(nullable=True, ge=0)
    member_org: Series[str] = pa.Field(nullable=True)
    industry: Series[str] = pa.Field(nullable=True)
    target_level: Series[str] = pa.Field(nullable=True, isin=list(catalogs.levels()))

    class Config:
        strict = False  # attributes differ by sector and may grow; the named ones are checked
        coerce = True
        unique = ["sector", "year", "respondent_key"]


class Responses(pa.DataFrameModel):
    sector: Series[str] = pa.Field(registered_sector=())
    year: Series[int]
    respondent_key: Series[str]
    item_id: Series[str] = pa.Field(str_matches=ITEM_ID)
    answer_raw: Series[str] = pa.Field(nullable=True)
    answer: Series[str] = pa.Field(isin=CANONICAL)
    score: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    source_path: Series[str]
    sheet: Series[str]
    cell: Series[str] = pa.Field(str_matches=CELL)

    class Config:
        strict = True
        coerce = True
        unique = ["sector", "year", "respondent_key", "item_id"]


class Identities(pa.DataFrameModel):
    """Who is behind each key: read only by the association's own outputs (quarantine report, feedback)."""

    sector: Series[str] = pa.Field(registered_sector=())
    year: Series[int]
    respondent_key: Series[str]
    identity_basis: Series[str]
    company_name: Series[str]
    corporate_number: Series[str]

    class Config:
        strict = True
        coerce = True
        unique = ["sector", "year", "respondent_key"]


class Quarantine(pa.DataFrameModel):
    """What a clerk must act on: quarantined and superseded files, and ingested ones with flags."""

    sector: Series[str] = pa.Field(registered_sector=())
    year: Series[int]
    source_path: Series[str]
    status: Series[str] = pa.Field(isin=STATUS)
    reason: Series[str]
    company_name: Series[str]
    corporate_number: Series[str]
    problem_ja: Series[str]
    action_ja: Series[str]
    detail: Series[str]

    class Config:
        strict = True
        coerce = True


class Roster(pa.DataFrameModel):
    """The association's members in a year (denominator of response rates; chase list)."""

    sector: Series[str] = pa.Field(registered_sector=())
    year: Series[int]
    respondent_key: Series[str] = pa.Field(str_length={"min_value": 32, "max_value": 32})
    identity_basis: Series[str]
    company_name: Series[str] = pa.Field(nullable=True)
    corporate_number: Series[str] = pa.Field(nullable=True)
    business_types: Series[str] = pa.Field(nullable=True)
    main_business_type: Series[str] = pa.Field(nullable=True)
    size_band: Series[str] = pa.Field(nullable=True)
    member_org: Series[str] = pa.Field(nullable=True)
    industry: Series[str] = pa.Field(nullable=True)
    target_level: Series[str] = pa.Field(nullable=True)
    responded: Series[bool]

    class Config:
        strict = True
        coerce = True
        unique = ["sector", "year", "respondent_key"]


class Scores(pa.DataFrameModel):
    sector: Series[str] = pa.Field(registered_sector=())
    year: Series[int]
    respondent_key: Series[str]
    framework: Series[str] = pa.Field(isin=FRAMEWORKS)
    node_id: Series[str]
    score: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    n_items: Series[int] = pa.Field(ge=0)
    n_applicable: Series[int] = pa.Field(ge=0)

    class Config:
        strict = False
        coerce = True


class Weights(pa.DataFrameModel):
    """One weight per respondent of a sector-year with a roster (pipeline/scoring/weights.py): how many
    members it stands for within its weighting cell. Written by `sdw score` from the roster and respondents."""

    sector: Series[str] = pa.Field(registered_sector=())
    year: Series[int]
    respondent_key: Series[str] = pa.Field(str_length={"min_value": 32, "max_value": 32})
    cell: Series[str]
    weight: Series[float] = pa.Field(gt=0)
    cell_members: Series[int] = pa.Field(ge=0)
    cell_respondents: Series[int] = pa.Field(ge=1)
    on_roster: Series[bool]
    cell_attributes: Series[str]  # the roster attributes the cells come from, space-separated

    class Config:
        strict = True
        coerce = True
        unique = ["sector", "year", "respondent_key"]


ADDED = {"manifest": {"sheet": ""}}
"""Columns added to a table after stores were first written, with the value older rows read as: a store
written before them still reads, and a partition written now sits beside older ones."""

TABLES = {"manifest": Manifest, "respondents": Respondents, "responses": Responses, "identities": Identities,
          "quarantine": Quarantine, "roster": Roster, "scores": Scores,
          "weights": Weights}
