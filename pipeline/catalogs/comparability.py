"""Which items compare across template versions: per-item mappings between consecutive versions, as data.

``comparability/<from>__<to>.csv`` holds one row per item of either version: ``change`` (same, reworded,
relevelled, new, removed), the levels on both sides, ``comparable`` and a note. ``sdw instrument import``
writes the mapping against the previous version into the project's ``catalogs/comparability``; the
user may edit ``comparable`` there, and this loader reads the file as written (it never re-derives
``comparable`` from ``change``). Versions further apart chain the consecutive mappings.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipeline.catalogs.files import path, read_csv
from pipeline.catalogs.instruments import template_versions, version_key

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["item_id", "from_version", "to_version", "change", "level_from", "level_to", "comparable", "note"]
CHANGES = ("same", "reworded", "relevelled", "new", "removed")
COMPARABLE_BY_DEFAULT = {"same": True, "relevelled": True, "reworded": False, "new": False, "removed": False}


def versions(sector: str) -> list[str]:
    """The sector's known template versions (shipped and imported), oldest first by number; a version whose
    name ends in no number is refused (:func:`version_key`), since no mapping could place it."""
    known = template_versions(sector)
    for v in known:
        version_key(v)
    return known


def mapping_path(from_version: str, to_version: str) -> str:
    """The mapping's path inside a catalog folder (project or shipped)."""
    return f"comparability/{from_version}__{to_version}.csv"


def read_mapping(from_version: str, to_version: str) -> pd.DataFrame:
    """One consecutive mapping as written (the project's copy first), ``comparable`` as booleans."""
    relpath = mapping_path(from_version, to_version)
    if not path(relpath).is_file():
        raise KeyError(f"no comparability mapping {relpath}: import the official {to_version} form "
                       "with `sdw instrument import`, or write the mapping")
    df = read_csv(relpath)
    missing = [c for c in COLUMNS if c not in df]
    if missing:
        raise ValueError(f"{relpath} lacks column(s) {', '.join(missing)}")
    flags = df["comparable"].str.strip().str.lower()
    bad = df.loc[~flags.isin(["true", "false"]), "item_id"].tolist()
    if bad:
        raise ValueError(f"{relpath}: comparable must be true or false (items {', '.join(bad[:5])})")
    unknown = df.loc[~df["change"].isin(CHANGES), "item_id"].tolist()
    if unknown:
        raise ValueError(f"{relpath}: change must be one of {', '.join(CHANGES)} (items {', '.join(unknown[:5])})")
    return df.assign(comparable=flags.eq("true"))[COLUMNS]


def comparability(sector: str, from_version: str, to_version: str) -> pd.DataFrame:
    """Per item, whether answers on ``from_version`` and ``to_version`` compare, chaining consecutive mappings.

    An item compares only when every step compares it. Over several steps ``change`` is new/removed when
    the item is absent at one end, reworded when any step reworded it, relevelled when any step moved its
    level, else same. A mapping written directly between the two (an import when no version lay between
    them) is read as it is. Asked backwards (a newer version first), the forward mapping is read the other way.
    """
    import pandas as pd

    order = versions(sector)
    for v in (from_version, to_version):
        if v not in order:
            raise KeyError(f"unknown {sector} template version {v!r}; known: {', '.join(order)}")
    i, j = order.index(from_version), order.index(to_version)
    if i > j:
        return _reverse(comparability(sector, to_version, from_version))
    if i == j:
        items = _items_of(from_version)
        return pd.DataFrame({"item_id": items["item_id"], "from_version": from_version, "to_version": to_version,
                             "change": "same", "level_from": items["level"], "level_to": items["level"],
                             "comparable": True, "note": ""})[COLUMNS]
    if path(mapping_path(from_version, to_version)).is_file():  # written when no version lay between them
        return read_mapping(from_version, to_version)
    steps = [read_mapping(a, b) for a, b in zip(order[i:j], order[i + 1: j + 1], strict=True)]
    return steps[0] if len(steps) == 1 else _chain(steps, from_version, to_version)


def _items_of(template_version: str) -> pd.DataFrame:
    from pipeline.catalogs.instruments import items_for

    return items_for(template_version)[["item_id", "level"]]


def _chain(steps: list[pd.DataFrame], from_version: str, to_version: str) -> pd.DataFrame:
    import pandas as pd

    ids = list(dict.fromkeys(i for s in steps for i in s["item_id"]))
    by_step = [s.set_index("item_id") for s in steps]
    rows = []
    for item in ids:
        parts = [s.loc[item] for s in by_step if item in s.index]
        first, last = by_step[0].loc[item] if item in by_step[0].index else None, \
            by_step[-1].loc[item] if item in by_step[-1].index else None
        level_from = "" if first is None or first["change"] == "new" else first["level_from"]
        level_to = "" if last is None or last["change"] == "removed" else last["level_to"]
        kinds = {p["change"] for p in parts}
        present_everywhere = len(parts) == len(by_step)
        if not level_from:
            change = "new"
        elif not level_to:
            change = "removed"
        elif "reworded" in kinds:
            change = "reworded"
        elif "relevelled" in kinds or level_from != level_to:
            change = "relevelled"
        else:
            change = "same"
        comparable = present_everywhere and all(bool(p["comparable"]) for p in parts) and change not in ("new",
                                                                                                         "removed")
        notes = "; ".join(dict.fromkeys(n for p in parts if (n := str(p["note"]).strip())))
        rows.append({"item_id": item, "from_version": from_version, "to_version": to_version, "change": change,
                     "level_from": level_from, "level_to": level_to, "comparable": comparable, "note": notes})
    return pd.DataFrame(rows, columns=COLUMNS)


def _reverse(table: pd.DataFrame) -> pd.DataFrame:
    """A mapping read from its later version back to its earlier one."""
    swap = {"new": "removed", "removed": "new"}
    return table.assign(from_version=table["to_version"], to_version=table["from_version"],
                        level_from=table["level_to"], level_to=table["level_from"],
                        change=table["change"].map(lambda c: swap.get(c, c)))[COLUMNS]


def incomparable_items(sector: str, versions_from: set[str] | list[str], versions_to: set[str] | list[str]
                       ) -> list[str]:
    """Items that do not compare between any version used in one year and any used in another
    (sorted by item number): what trends and movers leave out."""
    out: set[str] = set()
    for a in versions_from:
        for b in versions_to:
            if a != b:
                m = comparability(sector, a, b)
                out |= set(m.loc[~m["comparable"], "item_id"])
    return sorted(out, key=_item_order)


def relevelled_items(sector: str, used: set[str] | list[str]) -> list[str]:
    """Items whose level differs between any two of the versions ``used`` (a caveat on level trends)."""
    ordered = sorted(set(used), key=version_key)
    out: set[str] = set()
    for k, a in enumerate(ordered):
        for b in ordered[k + 1:]:
            m = comparability(sector, a, b)
            moved = m["level_from"].ne(m["level_to"]) & m["level_from"].ne("") & m["level_to"].ne("")
            out |= set(m.loc[moved, "item_id"])
    return sorted(out, key=_item_order)


def _item_order(item_id: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", item_id)
    return (int(digits) if digits else 0, item_id)
