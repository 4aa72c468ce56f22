"""Which framework nodes each instrument item feeds: the data behind every roll-up.

Each map has one row per (item_id, framework, node_id). A node's score is the mean over the
distinct applicable items linked to it, so an item linked twice into one category counts once.
"""

from __future__ import annotations

import pandas as pd

from pipeline import catalogs
from pipeline.catalogs import catalog_cache

COLUMNS = ["item_id", "framework", "node_id"]


def _levels(nodes: pd.DataFrame) -> pd.Series:
    return nodes.set_index("node_id")["level"]


def _rollup(links: pd.DataFrame, framework: str, nodes: pd.DataFrame) -> pd.DataFrame:
    """Item → subcategory links extended to the subcategory's category and function."""
    parent = nodes.set_index("node_id")["parent_id"]
    level = _levels(nodes)
    rows = [links]
    up = links.copy()
    for _ in range(2):
        up = up.assign(node_id=up["node_id"].map(lambda n: parent.get(n, "") if level.get(n) != "function" else ""))
        up = up[up["node_id"].ne("")]
        rows.append(up)
    return pd.concat(rows).assign(framework=framework).drop_duplicates()[COLUMNS]


@catalog_cache
def csf11_items_map(sector: str) -> pd.DataFrame:
    """Items that are CSF 1.1 subcategories (the power checklist's) → csf11, cpsf and, through NIST's
    crosswalk, csf2 nodes."""
    items = catalogs.sector_items(sector)
    csf11 = _rollup(pd.DataFrame({"item_id": items["item_id"], "node_id": items["item_id"]}), "csf11",
                    catalogs.csf11())
    cpsf = catalogs.cpsf()
    cps_of = {c: row.node_id for row in cpsf.itertuples() for c in row.csf11_categories.split()}
    cps = pd.DataFrame({"item_id": items["item_id"], "framework": "cpsf",
                        "node_id": items["category_id"].map(cps_of)})
    cw = catalogs.csf11_to_csf2()
    return pd.concat([csf11, cps, _csf2_links(cw.rename(columns={"csf11_id": "item_id", "csf2_id": "node_id"}))],
                     ignore_index=True)


def _csf2_links(links: pd.DataFrame) -> pd.DataFrame:
    """Links to CSF 2.0 subcategories, categories or functions, rolled up to every ancestor."""
    nodes = catalogs.csf2()
    sub = links[links["csf2_level"].eq("subcategory")][["item_id", "node_id"]]
    higher = links[links["csf2_level"].ne("subcategory")][["item_id", "node_id"]]
    rolled = _rollup(sub, "csf2", nodes)
    above = _rollup(higher.assign(framework="csf2"), "csf2", nodes) if len(higher) else higher
    return pd.concat([rolled, above], ignore_index=True).drop_duplicates()[COLUMNS]


@catalog_cache
def mapped_items_map(sector: str, template_version: str = "") -> pd.DataFrame:
    """Items whose catalog names CSF 2.0 subcategories (column ``csf2``, space-separated; our mapping)
    → csf2 nodes, and, when the sector is scored on levels, their level (Lv1/Lv2/Lv3, and All), as the
    items file of ``template_version`` has them (a version may re-level items); the sector's catalog
    (sectors.yaml ``items``) when no version is named. An item without CSF 2.0 targets (new in an imported
    form: the targets are ours to add) counts for its level and All only."""
    items = catalogs.items_for(template_version) if template_version else catalogs.sector_items(sector)
    links = items.assign(node_id=items["csf2"].str.split()).explode("node_id")[["item_id", "node_id"]].dropna()
    parts = [_csf2_links(links.assign(csf2_level="subcategory"))]
    if "level" in catalogs.sector_info(sector)["frameworks"]:
        level = pd.DataFrame({"item_id": items["item_id"], "framework": "level", "node_id": items["level"]})
        parts += [level, level.assign(node_id="All")]
    return pd.concat(parts, ignore_index=True)


def item_map(sector: str, template_version: str = "") -> pd.DataFrame:
    """The sector's item → node links, in one template version's catalog ('' = the sector's): through
    NIST's crosswalk when its items are CSF 1.1 subcategories (``csf11`` among its frameworks in
    catalogs/sectors.yaml), else through its catalog's csf2 column."""
    scored_on_csf11 = "csf11" in catalogs.sector_info(sector)["frameworks"]
    return (csf11_items_map(sector) if scored_on_csf11 else mapped_items_map(sector, template_version)).copy()


@catalog_cache
def all_nodes(sector: str) -> pd.DataFrame:
    """Every node a sector can be scored on, including those no item reaches (scored NaN, 'not assessed')."""
    frameworks = catalogs.sector_info(sector)["frameworks"]
    parts = [catalogs.csf2()[["node_id"]].assign(framework="csf2")]
    if "csf11" in frameworks:
        parts.append(catalogs.csf11()[["node_id"]].assign(framework="csf11"))
    if "cpsf" in frameworks:
        parts.append(catalogs.cpsf()[["node_id"]].assign(framework="cpsf"))
    if "level" in frameworks:
        parts.append(pd.DataFrame({"node_id": [*catalogs.levels(), "All"], "framework": "level"}))
    return pd.concat(parts, ignore_index=True)[["framework", "node_id"]]
