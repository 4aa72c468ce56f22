"""Loaders for instrument catalogs: checklist items, template versions, answer vocabularies."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pipeline.catalogs.files import catalog_cache, names, path, read_csv, read_records, read_yaml

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd


def power_items() -> pd.DataFrame:
    """The 108 inspection items of the power self-diagnosis (CSF 1.1 subcategory IDs).

    ``applies_to`` is ``all`` or space-separated business-type codes; ``report_to_management``
    is boolean (経営層報告推奨).
    """
    df = read_csv("power_items.csv")
    return df.assign(report_to_management=df["report_to_management"].eq("true"))


def sector_business_types(sector: str) -> pd.DataFrame | None:
    """The business types (事業区分) a sector's members declare on its cover (sectors.yaml ``business_types``);
    None for a sector whose cover carries no business type."""
    name = sector_info(sector).get("business_types")
    if not name:
        return None
    df = read_csv(name)
    return df.assign(has_facilities=df["has_facilities"].eq("true"))


def answer_words(sector: str, lang: str) -> dict[str, str]:
    """How a sector's reports and feedback word canonical answers where its forms differ from the general
    words (sectors.yaml ``answer_words``: 達成 / 未達成 for the automotive checklist); empty when they do not."""
    words = sector_info(sector).get("answer_words") or {}
    return dict(words.get("ja" if lang == "ja" else "en") or {})


def form_roles() -> dict[str, tuple[str, ...]]:
    """Sector → the header roles a blank official form of it carries, for the sectors `sdw instrument import`
    reads (sectors.yaml ``form_roles``)."""
    return {s: tuple(info["form_roles"]) for s, info in sectors().items() if info.get("form_roles")}


def export_sectors() -> list[str]:
    """The sectors with a consolidated export (one row per member, a column per item): those with a template
    version whose file describes an ``export``."""
    return [s for s in sectors() if any("export" in template(v) for v in template_versions(s))]


def auto_items() -> pd.DataFrame:
    """The 153 automotive checklist items No.1–No.153 with level, domain, text and CSF 2.0 targets."""
    return read_csv("auto_items.csv")


def sectors() -> dict[str, dict[str, Any]]:
    """Every known sector and what code reads about it (sectors.yaml), in the file's order."""
    return read_yaml("sectors.yaml")


def sector_info(sector: str) -> dict[str, Any]:
    """One sector's entry of sectors.yaml; a clear error, listing the registered sectors, for a sector nobody
    registered or none given (a report's ``sector`` parameter left empty)."""
    known = sectors()
    if not sector:
        raise KeyError(f"no sector given: name one of {', '.join(known)} (catalogs/sectors.yaml)")
    if sector not in known:
        raise KeyError(f"unknown sector {sector!r}; known: {', '.join(known)}")
    return known[sector]


def sector_items(sector: str) -> pd.DataFrame:
    """The item catalog a sector is scored by: the items file its sectors.yaml entry names.

    Named in data rather than chosen by the sector's name, so a sector added as data needs no
    loader of its own (a template version may carry its own items file; scoring uses this one).
    """
    return read_csv(sector_info(sector)["items"])


def item_texts(sector: str, template_version: str = "", lang: str = "ja") -> dict[str, str]:
    """item_id → the item's text, as the checklist words it (reports, explorer and feedback); with a
    template version, as that version words it (an imported form brings the official texts).

    ``lang="en"`` gives our English rendering (``text_en``) where the catalog has one and the item's
    is not empty; otherwise the Japanese text. An imported official form has Japanese only, so an
    English report of its items shows the official Japanese wording rather than our English for a
    text that may have changed. Made once per form and language (a feedback run asks for every member); read only.
    """
    return _item_texts(sector, template_version or "", lang)


@catalog_cache
def _item_texts(sector: str, template_version: str, lang: str) -> dict[str, str]:
    items = items_for(template_version) if template_version else sector_items(sector)
    texts = items["text_ja"]
    if lang == "en" and "text_en" in items:
        texts = items["text_en"].where(items["text_en"].str.strip().ne(""), texts)
    return dict(zip(items["item_id"], texts, strict=True))


def auto_domains() -> pd.DataFrame:
    """The 24 domains of the automotive checklist (our names) and the item numbers each holds."""
    df = read_csv("auto_domains.csv")
    return df.assign(first_no=df["first_no"].astype(int), last_no=df["last_no"].astype(int))


_VERSION = re.compile(r"-v?(\d+(?:\.\d+)*)$")


def version_key(template_version: str) -> tuple[int, ...]:
    """'auto-v2.10' → (2, 10): versions sort by number, not as text."""
    m = _VERSION.search(template_version)
    if not m:
        raise ValueError(f"template version {template_version!r} does not end in a version number")
    return tuple(int(p) for p in m.group(1).split("."))


def _by_number(template_version: str) -> tuple[str, tuple[int, ...]]:
    """A version's place in a list: its sector's stem, then its number ('auto-v', (2, 10)); a name that ends in
    no number sorts by the name alone."""
    m = _VERSION.search(template_version)
    if not m:
        return template_version, ()
    return template_version[:m.start()], tuple(int(p) for p in m.group(1).split("."))


def template_versions(sector: str | None = None) -> list[str]:
    """Known template versions, optionally of one sector, oldest first by number (auto-v2.9 before auto-v2.10):
    the shipped ones and the project's (an imported form of the same name replaces the shipped one)."""
    return list(_template_versions(sector))


@catalog_cache
def _template_versions(sector: str | None) -> tuple[str, ...]:
    """Cached: asked for every file ingested, and listing the folders and reading each template costs 0.24 ms."""
    return tuple(sorted((n for n in names("templates", ".yaml") if sector is None or template(n)["sector"] == sector),
                        key=_by_number))


def template_file(version: str) -> str:
    """Where a template version's YAML lives in a catalogs folder (shipped or the project's)."""
    return f"templates/{version}.yaml"


def new_items_file(version: str) -> str:
    """The item CSV an imported version writes (the shipped provisional version's name: the import replaces it)."""
    return f"{version}_items.csv"


def template(version: str) -> dict[str, Any]:
    """The layout of one template version (sheets, header labels, points, what changed).

    Besides the layout: ``version`` as the form writes it ("2.3"), ``items`` (the item CSV, found
    like every catalog file: the project's first), ``provisional`` (our own texts, until the
    official form is imported), ``published`` (a date) and ``source``.
    """
    if not _has_template(version):
        known = ", ".join(template_versions())
        raise KeyError(f"unknown template version {version!r}; known: {known}")
    return read_yaml(template_file(version))


@catalog_cache
def _has_template(version: str) -> bool:
    """Cached: asked for every file ingested, and finding the project and the file costs 0.03 ms each time."""
    return path(template_file(version)).is_file()


def provisional(versions: Iterable[str]) -> list[str]:
    """The versions among ``versions`` scored on a provisional catalog (our own texts and levels until the
    official form is imported), sorted: what ingest and reports must say where people see it."""
    return sorted(v for v in set(versions) if v and template(v).get("provisional"))


def items_for(version: str) -> pd.DataFrame:
    """The item catalog a template version uses (level, domain, text, CSF 2.0 targets …)."""
    return read_csv(template(version)["items"])


def vocabulary(instrument: str) -> dict[str, Any]:
    """Native answers per template version and certain synonyms, for one instrument.

    A registered sector without an entry in vocabularies.yaml has its templates' own ``answers`` (canonical →
    the form's words) and no synonyms, so a sector added as data needs no vocabulary entry until it has
    synonyms to list."""
    vocab = read_yaml("vocabularies.yaml")
    if instrument in vocab:
        return vocab[instrument]
    if instrument in sectors():
        return {"native": {v: dict(template(v).get("answers") or {}) for v in template_versions(instrument)},
                "synonyms": {}}
    raise KeyError(f"no answer vocabulary for {instrument!r}; known: {', '.join(vocab)}")


def labels() -> dict[str, dict[str, list[str]]]:
    """Recognised header and cover labels by role (see labels.yaml), before normalisation."""
    return read_yaml("labels.yaml")


def scoring_rules() -> dict[str, Any]:
    """Points per canonical answer, the level threshold, k and the interval width (scoring.yaml)."""
    return read_yaml("scoring.yaml")


def synth_calibration(sector: str) -> pd.DataFrame:
    """The answer shares the generator draws a sector's items from: the CSV sectors.yaml names as
    ``synth.calibration`` (one row per item_id)."""
    return read_csv(sector_info(sector)["synth"]["calibration"])


def size_bands() -> list[dict[str, Any]]:
    """Employee size bands, smallest first: ``key``, ``ja`` (the store's value), ``up_to`` (None: open), ``en``."""
    return read_yaml("size_bands.yaml")["bands"]


def size_band_groups() -> dict[str, dict[str, Any]]:
    """Groups of adjacent size bands by key (size_bands.yaml ``groups``): ``ja`` (the store value a merged
    segment takes), ``en`` and ``members`` (the bands' store values, smallest first). A member that is no
    band's key, or members that are not adjacent bands, are refused."""
    bands = {b["key"]: b["ja"] for b in size_bands()}
    place = {key: i for i, key in enumerate(bands)}
    out: dict[str, dict[str, Any]] = {}
    for group in read_yaml("size_bands.yaml").get("groups") or []:
        unknown = [m for m in group["members"] if m not in bands]
        if unknown:
            raise ValueError(f"size_bands.yaml: group {group['key']!r} names {unknown}, which no band has as its key "
                             f"(the keys: {', '.join(bands)})")
        at = [place[m] for m in group["members"]]
        if at != list(range(at[0], at[0] + len(at))):  # a merged segment reads as one range of head counts
            raise ValueError(f"size_bands.yaml: group {group['key']!r} joins {group['members']}, which are not "
                             "adjacent bands listed smallest first")
        out[group["key"]] = {"ja": group["ja"], "en": group["en"], "members": [bands[m] for m in group["members"]]}
    return out


def segment_groups(sector: str) -> dict[str, dict[str, dict[str, Any]]]:
    """A sector's documented neighbour groups (sectors.yaml ``segment_groups``), per attribute: group code (the
    value a merged segment takes) → ``members``, ``ja``, ``en``. Size-band groups are named there by key and
    read from size_bands.yaml, so a band's names are written once; other attributes' groups are written in the
    sector's entry. An unknown sector has none."""
    declared = sectors().get(sector, {}).get("segment_groups") or {}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for attribute, groups in declared.items():
        if attribute != "size_band":
            out[attribute] = {str(code): dict(group) for code, group in groups.items()}
            continue
        known = size_band_groups()
        unknown = [key for key in groups if key not in known]
        if unknown:
            raise ValueError(f"sectors.yaml: {sector} segment_groups size_band names {unknown}, which size_bands.yaml "
                             f"does not group (its groups: {', '.join(known)})")
        out[attribute] = {known[key]["ja"]: dict(known[key]) for key in groups}
    return out


def size_band_names() -> list[str]:
    """The store's size-band values, smallest first."""
    return [band["ja"] for band in size_bands()]


def size_band_of(employees: int | None) -> str | None:
    """The band a head count falls in (None for an unknown count)."""
    if employees is None:
        return None
    return next(b["ja"] for b in size_bands() if b["up_to"] is None or employees <= b["up_to"])


def levels() -> tuple[str, ...]:
    """The checklist levels a level score reaches, lowest first (Lv1, Lv2, Lv3): the ``level`` values of the
    items of the sectors scored on levels (sectors.yaml ``frameworks``), read from their item catalogs."""
    found = {str(level) for s, info in sectors().items() if "level" in info["frameworks"]
             for level in sector_items(s)["level"] if str(level)}
    return tuple(sorted(found, key=lambda lv: (len(lv), lv)))


def item_ids_of(version: str) -> tuple[str, ...]:
    """The item IDs of one template version, in its file's order, read without pandas (ingest's readers)."""
    return tuple(r["item_id"] for r in read_records(read_yaml(template_file(version))["items"]))


def items_file(version: str) -> str:
    """The item catalog file a template version names (two versions may share one)."""
    return read_yaml(template_file(version))["items"]


def business_type_records(sector: str) -> tuple[dict[str, str], ...]:
    """A sector's business types as plain rows (code, name_ja, short_ja …), read without pandas (ingest's
    readers); none for a sector whose cover carries no business type (sectors.yaml ``business_types``)."""
    name = sector_info(sector).get("business_types")
    return read_records(name) if name else ()


def business_type_codes(sector: str) -> list[str]:
    """A sector's business-type codes in its catalog's order (the order reports and weighting cells list
    them in); empty for a sector without business types."""
    return [row["code"] for row in business_type_records(sector)]

