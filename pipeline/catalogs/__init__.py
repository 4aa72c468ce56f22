"""Framework and instrument catalogs: data files beside this module, read by small loaders.

A new sector or template version is a data change (a CSV or YAML file here), not a code change.
Loaders are cached and hand out copies, so a caller cannot corrupt the catalog for others.
"""

from pipeline.catalogs.frameworks import (
    cpsf,
    csf2,
    csf11,
    csf11_to_csf2,
    scs_criteria,
    scs_requirements,
)
from pipeline.catalogs.instruments import (
    auto_domains,
    auto_items,
    item_texts,
    items_for,
    labels,
    power_business_types,
    power_items,
    provisional,
    scoring_rules,
    sector_info,
    sector_items,
    sectors,
    size_band_names,
    size_band_of,
    size_bands,
    template,
    template_versions,
    vocabulary,
)

__all__ = [
    "auto_domains",
    "auto_items",
    "cpsf",
    "csf11",
    "csf11_to_csf2",
    "csf2",
    "item_texts",
    "items_for",
    "labels",
    "power_business_types",
    "power_items",
    "provisional",
    "scs_criteria",
    "scs_requirements",
    "scoring_rules",
    "sector_info",
    "sector_items",
    "sectors",
    "size_band_names",
    "size_band_of",
    "size_bands",
    "template",
    "template_versions",
    "vocabulary",
]
