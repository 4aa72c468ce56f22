"""Framework and instrument catalogs: data files beside this module, read by small loaders.

The one way to the catalog files: every other module reads them through these loaders (and caches its
own catalog-derived tables with :mod:`pipeline.catalogs.files`), never by a file name. A new sector or
template version is a data change (a CSV or YAML file here), not a code change. Loaders are cached and
hand out copies, so a caller cannot corrupt the catalog for others. This layer imports nothing above
:mod:`pipeline.config`.
"""

from pipeline.catalogs.frameworks import (
    cpsf,
    csf2,
    csf11,
    csf11_to_csf2,
    scheme_columns,
    scheme_files,
    scheme_info,
    scheme_meta,
    scheme_origins,
    scs_criteria,
    scs_requirements,
)
from pipeline.catalogs.instruments import (
    auto_domains,
    auto_items,
    business_type_records,
    item_ids_of,
    item_texts,
    items_file,
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
    synth_calibration,
    template,
    template_versions,
    vocabulary,
)
from pipeline.catalogs.texts import columns, quarantine_reasons, report_labels

__all__ = [
    "business_type_records",
    "columns",
    "item_ids_of",
    "items_file",
    "quarantine_reasons",
    "report_labels",
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
    "scheme_columns",
    "scheme_files",
    "scheme_info",
    "scheme_origins",
    "scheme_meta",
    "scs_criteria",
    "scs_requirements",
    "scoring_rules",
    "sector_info",
    "sector_items",
    "sectors",
    "size_band_names",
    "size_band_of",
    "size_bands",
    "synth_calibration",
    "template",
    "template_versions",
    "vocabulary",
]
