"""The form's versions in the words a reader knows: 「Ver.2.1」 as the form prints it, by fiscal year.

A WG reader knows the checklist by the version printed on it and the year it was answered, not by the catalog's
internal ids (auto-v2.0, power-2024), so slides and figure notes name it so.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from pipeline import catalogs


def version_name(template_version: str, labels: dict[str, Any]) -> str:
    """「Ver.2.1」: the version as the form writes it (the template's ``version``), or the id where the catalog
    does not know it (an unknown version is shown rather than dropped)."""
    known = set(catalogs.template_versions())
    if template_version not in known:
        return template_version
    version = str(catalogs.template(template_version).get("version", template_version))
    # a form versioned by its year reads 「2024年版」, not 「Ver.2024」
    return labels["template_edition" if re.fullmatch(r"\d{4}", version) else "template_version"].format(
        version=version)


def names(versions: list[str], labels: dict[str, Any], joiner: str | None = None) -> str:
    """Several versions' names in the page's list style (「Ver.2.0、Ver.2.1」, or joined by ``joiner``), duplicates
    once, in order."""
    shown = dict.fromkeys(version_name(v, labels) for v in versions)
    return (labels["headline"]["list_separator"] if joiner is None else joiner).join(shown)


def by_year(respondents: pd.DataFrame, labels: dict[str, Any]) -> str:
    """Each fiscal year with the version(s) its respondents answered (「2022年度 Ver.2.0、2023年度 Ver.2.1」), or
    '' when one version was answered throughout (nothing to warn about)."""
    if "template_version" not in respondents or respondents["template_version"].dropna().nunique() < 2:
        return ""
    parts = []
    for year, rows in respondents.dropna(subset=["template_version"]).groupby("year", sort=True):
        versions = sorted(rows["template_version"].unique())
        # one year's versions joined apart from the years' list (「2023年度 Ver.2.0・Ver.2.1、2024年度 …」)
        parts.append(labels["template_year"].format(year=int(year),
                                                    versions=names(versions, labels, labels["template_join"])))
    return labels["template_change"].format(versions=labels["headline"]["list_separator"].join(parts))
