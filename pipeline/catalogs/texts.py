"""Words the outputs print, as catalog data: report labels, table column formats, quarantine reasons."""

from __future__ import annotations

from typing import Any

from pipeline.catalogs.files import HERE, catalog_cache, load_yaml, read_yaml
from pipeline.catalogs.instruments import sectors


def report_labels() -> dict[str, Any]:
    """Every fixed text of the reports and member feedback, by language (report_labels.yaml)."""
    return read_yaml("report_labels.yaml")


@catalog_cache
def columns() -> dict[str, dict[str, Any]]:
    """How each published column is named and formatted (columns.yaml); the ``sector`` column's words are each
    sector's name in sectors.yaml (so a sector is named in one place), before columns.yaml's own (``all``).

    Built once per catalog state: a report looks a column's format up per cell (tens of thousands of times), and
    merging the sector names on every look-up was a twentieth of its time."""
    out = dict(read_yaml("columns.yaml"))
    if "sector" in out:
        own = out["sector"].get("values") or {}
        out["sector"] = {**out["sector"], "values": {
            lang: {**{s: info["name"][lang] for s, info in sectors().items()}, **(own.get(lang) or {})}
            for lang in ("ja", "en")}}
    return out


def quarantine_reasons() -> dict[str, Any]:
    """The reason codes of the quarantine and their texts: always the shipped file, since the codes are
    the manifest's contract, not something a project catalog edits (reasons.yaml)."""
    return load_yaml((HERE / "reasons.yaml").read_text(encoding="utf-8"))
