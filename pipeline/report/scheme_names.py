"""The ★ scheme's category and requirement names, and the words for its table's version, in the reader's language.

The official requirement/criteria table is Japanese only. ``scs_requirements.csv`` may carry English names
in two optional columns, ``category_name_en`` and ``requirement_name_en`` (the shipped ones are our own
short translations, docs/scheme.md); a replacement table without them, or an empty cell, falls back to the
Japanese name, so an English report never prints a blank. The names live here, outside pipeline/scoring and
pipeline/catalogs' code, because no score reads them (pipeline/freshness.py leaves the columns out too).

The table's version, date and origin come from the table in force (:func:`pipeline.catalogs.scheme_info`), so the
rules text names the table an association dropped in, never a date typed into a label.
"""

from __future__ import annotations

import calendar
import re
from typing import Any

import pandas as pd

from pipeline import catalogs
from pipeline.publish.provenance import scheme_shown

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


def _words(lang: str) -> dict:
    return catalogs.report_labels()[lang]["scheme_words"]


def scheme_date(date: str, lang: str) -> str:
    """A table date as the reader writes it: ``2026-03`` → 「2026年3月」 / "March 2026"; any other form as given."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", str(date).strip())
    if not m:
        return str(date)
    year, month = int(m.group(1)), int(m.group(2))
    return _words(lang)["date"].format(year=year, month=month, month_name=calendar.month_name[month])


def scheme_version(lang: str) -> str:
    """The table in force, named by its version and date in ``lang``: 「2026年3月版」 / "version of March 2026"
    (a table whose ``version`` is not its date: 「版 2.0(2027年4月)」)."""
    info = catalogs.scheme_info()
    words = _words(lang)
    date = scheme_date(info["date"], lang)
    if info["version"] and info["version"] != info["date"]:
        return words["version_named"].format(version=info["version"], date=date)
    return words["version"].format(date=date)


def scheme_origin(lang: str) -> str:
    """Where the table in force was read from, in ``lang``'s words and brackets: 「(同梱)」 / " (shipped)"."""
    return scheme_shown(f"x ({catalogs.scheme_info()['origin']})", lang)[1:]


def scheme_label(lang: str) -> str:
    """The provenance stamp of the table in force (``2026-03 (shipped)``) with its origin in ``lang``'s words
    (「2026-03(同梱)」): the machine copy keeps :func:`pipeline.catalogs.scheme_info`'s label as it is."""
    return scheme_shown(catalogs.scheme_info()["label"], lang)


def scheme_via(lang: str) -> str:
    """Where the table was transcribed from, in ``lang`` (scs_scheme.yaml ``via_ja`` for Japanese, else ``via``)."""
    meta = catalogs.scheme_meta()
    own = meta.get(f"via_{lang}") if lang != "en" else None
    return str(own or meta.get("via", ""))


def provenance_text(prov: Any, labels: dict[str, Any], lang: str) -> str:
    """The run's provenance in the page's words (「データ版 … ・ sdw … ・ 手法 … ・ 作成 … ・ パラメータ: …」), for the
    report's appendix: the one place a reader meets hashes and parameters (a figure's footer and a slide carry plain
    words). ``prov`` is the report's :class:`pipeline.publish.model.Provenance`."""
    params = ", ".join(f"{k}={v}" for k, v in prov.parameters.items() if v not in ("", None))  # no "what_if="
    return labels["provenance"].format(snapshot=prov.snapshot, code=prov.code_version, method=prov.method,
                                       generated=prov.generated, params=params) \
        + (labels["provenance_scheme"].format(scheme=scheme_label(lang)) if prov.scheme else "")
