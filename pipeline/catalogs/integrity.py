"""Integrity checks over the catalogs, as functions of frames so tests can break a copy and see them fire.

Each check returns a list of problems (empty when the catalog is sound); ``all_problems`` runs every
check on the shipped catalogs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipeline.catalogs.files import read_yaml

if TYPE_CHECKING:  # frames are passed in: importing pandas here would load it for every catalog user (sdw's
    import pandas as pd  # start-up, ingest's readers before they fork)

CSF2_SUB = re.compile(r"^(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}$")
CSF11_SUB = re.compile(r"^(ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{1,2}$")
AUTO_ITEM = re.compile(r"^No\.([1-9]\d{0,2})$")
LEVEL_TOTALS = {"Lv1": 50, "Lv2": 74, "Lv3": 29}


def _counts(nodes: pd.DataFrame, expected: dict[str, int], name: str) -> list[str]:
    got = nodes["level"].value_counts().to_dict()
    return [f"{name}: {got.get(lvl, 0)} {lvl} nodes, expected {n}" for lvl, n in expected.items()
            if got.get(lvl, 0) != n]


def _unique(ids: pd.Series, name: str) -> list[str]:
    dup = ids[ids.duplicated()]
    return [f"{name}: duplicate id {d!r}" for d in dup]


def _ids_match(ids: pd.Series, pattern: re.Pattern[str], name: str) -> list[str]:
    return [f"{name}: malformed id {i!r}" for i in ids if not pattern.match(i)]


def _english(items: pd.DataFrame, name: str) -> list[str]:
    """A catalog that has our English texts has one for every item: an English report would otherwise
    mix languages silently (a catalog without the column, such as an imported form, is Japanese only)."""
    if "text_en" not in items:
        return []
    return [f"{name}: {r.item_id} has no English text (text_en)" for r in items.itertuples() if not r.text_en.strip()]


def _parents_exist(nodes: pd.DataFrame, name: str) -> list[str]:
    known = set(nodes["node_id"])
    orphans = nodes.loc[nodes["parent_id"].ne("") & ~nodes["parent_id"].isin(known), "node_id"]
    return [f"{name}: {n!r} has no parent in the catalog" for n in orphans]


def check_csf2(nodes: pd.DataFrame) -> list[str]:
    subs = nodes.loc[nodes["level"].eq("subcategory"), "node_id"]
    named = nodes.loc[nodes["level"].ne("subcategory")]
    return (_counts(nodes, {"function": 6, "category": 22, "subcategory": 106}, "csf2")
            + _unique(nodes["node_id"], "csf2") + _ids_match(subs, CSF2_SUB, "csf2")
            + _parents_exist(nodes, "csf2")
            + [f"csf2: {n} has no Japanese name" for n in named.loc[named["name_ja"].eq(""), "node_id"]])


def check_csf11(nodes: pd.DataFrame) -> list[str]:
    subs = nodes.loc[nodes["level"].eq("subcategory"), "node_id"]
    return (_counts(nodes, {"function": 5, "category": 23, "subcategory": 108}, "csf11")
            + _unique(nodes["node_id"], "csf11") + _ids_match(subs, CSF11_SUB, "csf11")
            + _parents_exist(nodes, "csf11"))


def check_crosswalk(cw: pd.DataFrame, csf11: pd.DataFrame, csf2: pd.DataFrame) -> list[str]:
    src = set(csf11.loc[csf11["level"].eq("subcategory"), "node_id"])
    dst = set(csf2["node_id"])
    problems = [f"crosswalk: target {t!r} not in CSF 2.0" for t in sorted(set(cw["csf2_id"]) - dst)]
    problems += [f"crosswalk: source {s!r} not in CSF 1.1" for s in sorted(set(cw["csf11_id"]) - src)]
    problems += [f"crosswalk: CSF 1.1 {s!r} has no mapping" for s in sorted(src - set(cw["csf11_id"]))]
    kept = cw[cw["relation"].eq("kept")]
    problems += [f"crosswalk: kept {r.csf11_id!r} maps to {r.csf2_id!r}" for r in kept.itertuples()
                 if r.csf2_id != f"{r.csf11_id.split('-')[0]}-{int(r.csf11_id.split('-')[1]):02d}"]
    return problems


def check_cpsf(cpsf: pd.DataFrame, csf11: pd.DataFrame) -> list[str]:
    cats = set(csf11.loc[csf11["level"].eq("category"), "node_id"])
    covered = [c for cs in cpsf["csf11_categories"] for c in cs.split()]
    problems = _unique(cpsf["node_id"], "cpsf")
    problems += [f"cpsf: CSF 1.1 category {c} not covered" for c in sorted(cats - set(covered))]
    problems += [f"cpsf: {c} is not a CSF 1.1 category" for c in sorted(set(covered) - cats)]
    problems += [f"cpsf: {r.node_id} is not CPS. + a CSF 1.1 category code" for r in cpsf.itertuples()
                 if any(r.node_id != "CPS." + c.split(".")[1] for c in r.csf11_categories.split())]
    components = {"ソシキ", "ヒト", "モノ", "データ", "プロシージャ", "システム"}
    problems += [f"cpsf: {r.node_id} has unknown components {set(r.components.split()) - components}"
                 for r in cpsf.itertuples() if not r.components or set(r.components.split()) - components]
    problems += [f"cpsf: {r.node_id} has layers {r.layers!r}" for r in cpsf.itertuples()
                 if not r.layers or set(r.layers.split()) - {"1", "2", "3"}]
    return problems


def check_power_items(items: pd.DataFrame, csf11: pd.DataFrame, business_types: pd.DataFrame) -> list[str]:
    subs = list(csf11.loc[csf11["level"].eq("subcategory"), "node_id"])
    problems = _unique(items["item_id"], "power items")
    if sorted(items["item_id"]) != sorted(subs):
        problems.append("power items: item ids are not exactly the 108 CSF 1.1 subcategories")
    codes = set(business_types["code"]) | {"all"}
    problems += [f"power items: {r.item_id} applies to unknown {set(r.applies_to.split()) - codes}"
                 for r in items.itertuples() if set(r.applies_to.split()) - codes]
    problems += [f"power items: {r.item_id} has no text" for r in items.itertuples() if not r.text_ja.strip()]
    return problems


def check_auto_items(items: pd.DataFrame, domains: pd.DataFrame, csf2: pd.DataFrame,
                     observed_levels: dict[int, set[str]] | None = None) -> list[str]:
    nos = items["item_id"].str.extract(AUTO_ITEM)[0]
    problems = _unique(items["item_id"], "auto items") + _ids_match(items["item_id"], AUTO_ITEM, "auto items")
    if sorted(nos.dropna().astype(int)) != list(range(1, 154)):
        problems.append("auto items: item numbers are not exactly No.1–No.153")
    got = items["level"].value_counts().to_dict()
    problems += [f"auto items: {got.get(lvl, 0)} items at {lvl}, expected {n}"
                 for lvl, n in LEVEL_TOTALS.items() if got.get(lvl, 0) != n]
    subs = set(csf2.loc[csf2["level"].eq("subcategory"), "node_id"])
    for r in items.itertuples():
        targets = r.csf2.split()
        if not targets:
            problems.append(f"auto items: {r.item_id} maps to no CSF 2.0 subcategory")
        problems += [f"auto items: {r.item_id} maps to unknown CSF 2.0 {t!r}" for t in targets if t not in subs]
    if len(domains) != 24:
        problems.append(f"auto domains: {len(domains)} domains, expected 24")
    for r in items.itertuples():
        n = int(r.item_id[3:]) if AUTO_ITEM.match(r.item_id) else -1
        d = domains[domains["domain_id"].eq(r.domain_id)]
        if d.empty or not (int(d["first_no"].iloc[0]) <= n <= int(d["last_no"].iloc[0])):
            problems.append(f"auto items: {r.item_id} is outside its domain {r.domain_id}")
    for n, levels in (observed_levels or {}).items():
        lvl = items.loc[items["item_id"].eq(f"No.{n}"), "level"]
        if lvl.empty or lvl.iloc[0].upper() not in levels:
            problems.append(f"auto items: No.{n} is {lvl.iloc[0] if len(lvl) else 'missing'}, "
                            f"observed {'|'.join(sorted(levels))}")
    return problems


def check_scs(requirements: pd.DataFrame, criteria: pd.DataFrame, auto_items: pd.DataFrame) -> list[str]:
    problems = _unique(requirements["requirement_id"], "scs") + _unique(criteria["criterion_id"], "scs")
    problems += [f"scs: criterion {c} names unknown requirement" for c in
                 criteria.loc[~criteria["requirement_id"].isin(requirements["requirement_id"]), "criterion_id"]]
    declared = read_yaml("scs_scheme.yaml")["counts"]
    found = {"requirements": len(requirements), "star3_requirements": int(requirements["star3"].sum()),
             "star3_criteria": int(criteria["star"].eq(3).sum()), "criteria": len(criteria)}
    problems += [f"scs: {name} {found[name]}, the {read_yaml('scs_scheme.yaml')['source_table_date']} table has "
                 f"{n}" for name, n in declared.items() if found[name] != n]
    known = set(auto_items["item_id"])
    for r in criteria.itertuples():
        problems += [f"scs: criterion {r.criterion_id} cites unknown item {i}" for i in r.jama_items.split()
                     if i not in known]
    return problems


def check_sector_items(sectors: dict[str, dict], items: dict[str, pd.DataFrame], csf2: pd.DataFrame) -> list[str]:
    """Every registered sector's item catalog has unique ids and a text (and an English one where the catalog
    has English texts); where items reach CSF 2.0 through
    our own mapping (a ``csf2`` column), every item names at least one known subcategory."""
    subs = set(csf2.loc[csf2["level"].eq("subcategory"), "node_id"])
    problems: list[str] = []
    for sector in sectors:
        table = items[sector]
        problems += _unique(table["item_id"], f"{sector} items")
        problems += [f"{sector} items: {r.item_id} has no text" for r in table.itertuples() if not r.text_ja.strip()]
        problems += _english(table, f"{sector} items")
        if "csf2" not in table:
            continue
        for r in table.itertuples():
            targets = r.csf2.split()
            if not targets:
                problems.append(f"{sector} items: {r.item_id} maps to no CSF 2.0 subcategory")
            problems += [f"{sector} items: {r.item_id} maps to unknown CSF 2.0 {t!r}" for t in targets if t not in subs]
    return problems


TEMPLATE_KEYS = ("template_version", "version", "sector", "items", "provisional", "published", "source", "points")


def check_templates(templates: dict[str, dict], items: dict[str, pd.DataFrame]) -> list[str]:
    """Every template names itself, says its version, publication date and source, and its items file
    lists each item once with a level (when the instrument has levels) and, where it has English texts,
    an English text for each."""
    problems = []
    for name, t in templates.items():
        problems += [f"template {name}: no {k!r}" for k in TEMPLATE_KEYS if k not in t]
        if t.get("template_version") != name:
            problems.append(f"template {name}: template_version says {t.get('template_version')!r}")
        problems += _unique(items[name]["item_id"], f"template {name} items")
        problems += _english(items[name], f"template {name} items")
        if "level" in items[name] and items[name]["level"].eq("").any():
            problems.append(f"template {name}: items without a level in {t.get('items')}")
    return problems


def all_problems() -> list[str]:
    """Every integrity check on the shipped catalogs."""
    from pipeline import catalogs as c

    csf2, csf11, items = c.csf2(), c.csf11(), c.auto_items()
    return (check_csf2(csf2) + check_csf11(csf11) + check_crosswalk(c.csf11_to_csf2(), csf11, csf2)
            + check_cpsf(c.cpsf(), csf11)
            + check_power_items(c.power_items(), csf11, c.sector_business_types("power"))
            + check_auto_items(items, c.auto_domains(), csf2)
            + check_scs(c.scs_requirements(), c.scs_criteria(), items)
            + check_sector_items(c.sectors(), {s: c.sector_items(s) for s in c.sectors()}, csf2)
            + check_templates({v: c.template(v) for v in c.template_versions()},
                              {v: c.items_for(v) for v in c.template_versions()}))
