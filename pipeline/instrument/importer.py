"""``sdw instrument import``: an official blank checklist becomes a template version in the project's catalogs.

Writes three files into ``<project>/catalogs`` (never into the installed package): the items CSV, the
comparability mapping against the previous known version, and the template YAML last — the template
is what makes the version known, so a failed import leaves no half-known version behind.

What is compared with the previous version, and what is not:

- numbers: an item only in the new form is *new*, only in the old one *removed*;
- levels: a different level is *relevelled* (still comparable). Where the old level was our own
  assignment (``level_source`` 'ours'), the note says so: the form corrects us, it did not move;
- wording: compared only when the previous version's texts are an official form's (``texts: official``,
  written by an import). The shipped texts are our own, so against them every item would look
  reworded; the note says the wording was not compared instead.

CSF 2.0 targets and domains are ours, not the form's: they carry over for item numbers the previous
version has and stay empty (reported) for new ones.

The answers a version offers (``answers:`` in the template, what ingest recognises a layout by) come
from the form's dropdown, each option mapped to a canonical answer through the sector's vocabulary;
an option it does not know refuses the form. A form without a dropdown keeps the answers of the
version already known (the same version, else the previous one), and the summary says so. The
publication date is the form's, else ``--published``, else the one a template of the same version
already has; with none, the import refuses rather than write a version no year can be placed on.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pipeline import catalogs, config
from pipeline.ingest.vocab import lookup
from pipeline.instrument.blank_form import Form, FormItem, FormRefused, read_form
from pipeline.text import answer_key, label_key

ITEM_COLUMNS = ["item_id", "level", "domain_id", "text_ja", "csf2", "level_source", "domain_ja", "condition_ja"]
LEVELS = catalogs.levels()
CHANGE_LABELS = {"same": "same", "relevelled": "re-levelled", "reworded": "reworded", "new": "new",
                 "removed": "removed"}


@dataclass
class ImportResult:
    """What the import found and wrote, and the lines ``sdw instrument import`` prints."""

    template_version: str
    previous: str | None
    form: Form
    mapping: pd.DataFrame
    written: list[Path] = field(default_factory=list)
    uncharted: list[str] = field(default_factory=list)  # new items without CSF 2.0 targets or domain
    wording_compared: bool = True
    published: dt.date | None = None
    following: str | None = None  # a later known version, whose mapping from this one the import did not touch
    published_from: str = "the form"  # where ``published`` came from: the form, --published or a known template
    answers_from: str = "the form's dropdown"
    answers: dict[str, str] = field(default_factory=dict)  # canonical → the form's text

    def per_level(self) -> dict[str, int]:
        counts = {lv: 0 for lv in LEVELS}
        for item in self.form.items:
            counts[item.level] += 1
        return counts

    def changed(self, change: str) -> list[str]:
        return self.mapping.loc[self.mapping["change"].eq(change), "item_id"].tolist()

    def lines(self) -> list[str]:
        f = self.form
        levels = " / ".join(f"{lv} {n}" for lv, n in self.per_level().items())
        out = [f"{self.template_version} from {f.name} (sheet {f.sheet!r}, header row {f.header_row}): "
               f"{len(f.items)} items: {levels}"]
        if f.skipped:
            out.append(f"  skipped {len(f.skipped)} rows: {', '.join(f.skipped)}")
        if self.previous is None:
            out.append("  no earlier version of this sector is known: nothing to compare with")
        else:
            out.append(f"  against {self.previous}:")
            for change, label in CHANGE_LABELS.items():
                ids = self.changed(change)
                listed = f" ({', '.join(ids)})" if ids and change != "same" else ""
                out.append(f"    {label} {len(ids)}{listed}")
            if not self.wording_compared:
                out.append(f"  wording not compared: the texts of {self.previous} are this project's own; import "
                           f"the official {self.previous} form first to compare wording")
        if self.uncharted:
            out.append(f"  no CSF 2.0 targets or domain for new items {', '.join(self.uncharted)}: left empty, "
                       f"fill csf2 and domain_id in {self.written[0].name}")
        out.append(f"  published: {self.published} (from {self.published_from})")
        options = ", ".join(f"{text} → {canonical}" for canonical, text in self.answers.items())
        out.append(f"  answers from {self.answers_from}: {options}")
        if self.following:
            out.append(f"  {self.following} follows: its mapping from {self.template_version} was not re-derived; "
                       f"import the {self.following} form again to compare it with this one")
        out += [f"  wrote {p}" for p in self.written]
        return out


def normalise_version(version: str) -> str:
    """'v2.3', 'V2.3', '2.3' → '2.3'; anything else is refused."""
    text = str(version).strip().lstrip("vV")
    if not re.fullmatch(r"\d+(?:\.\d+)*", text):
        raise FormRefused(f"version {version!r} must look like 2.3")
    return text


def _date(text: str | None) -> dt.date | None:
    """YYYY-MM-DD as a date (the templates' ``published`` is a YAML date); None stays None."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FormRefused(f"published date {text!r} must look like 2025-09-01") from None


def previous_version(sector: str, template_version: str) -> str | None:
    """The latest known version of the sector before ``template_version`` (None for the first)."""
    key = catalogs.version_key
    earlier = [v for v in catalogs.versions_by_number(sector) if key(v) < key(template_version)]
    return earlier[-1] if earlier else None


def import_instrument(sector: str, version: str, file: Path, name: str | None = None,
                      published: str | None = None) -> ImportResult:
    """Read the blank form ``file`` and write template version ``<sector>-v<version>`` into the project's catalogs.

    Raises :class:`FormRefused` (one line) for a form that cannot be read with certainty, or whose
    own version label contradicts ``version``.
    """
    version = normalise_version(version)
    tid = f"{sector}-v{version}"
    given = _date(published) if published else None
    form = read_form(Path(file), sector)
    if form.version and form.version != version:
        raise FormRefused(f"{form.name} says v{form.version} on the form, not v{version}")
    previous = previous_version(sector, tid)
    prev_items = catalogs.items_for(previous) if previous else None
    prev_template = catalogs.template(previous or _layout_version(sector))
    # e.g. the shipped provisional v2.3
    same = catalogs.template(tid) if tid in catalogs.versions_by_number(sector) else None
    when, when_from = _publication(tid, given, _date(form.published), same)
    answers, answers_from = answer_map(sector, form, tid if same else previous or _layout_version(sector))
    official = bool(previous) and prev_template.get("texts") == "official"
    mapping = compare(form.items, prev_items, previous, tid, official)
    items = catalog_items(form.items, prev_items, form.name)
    root = config.catalogs_dir()
    items_name = catalogs.new_items_file(tid)
    digest = hashlib.sha256(Path(file).read_bytes()).hexdigest()
    tmpl = _template(prev_template, form, tid, version, items_name, name, when,
                     f"{form.name} sha256:{digest}", mapping, previous)
    tmpl["answers"] = answers
    written = [_write(root / items_name, items.to_csv(index=False, lineterminator="\n"))]
    if previous:
        written.append(_write(root / catalogs.mapping_path(previous, tid),
                              mapping.to_csv(index=False, lineterminator="\n")))
    written.append(_write(root / catalogs.template_file(tid),
                          yaml.safe_dump(tmpl, allow_unicode=True, sort_keys=False, width=110)))
    new = set(mapping.loc[mapping["change"].eq("new"), "item_id"]) if previous else {i.item_id for i in form.items}
    uncharted = [i for i in items["item_id"] if i in new]
    later = [v for v in catalogs.versions_by_number(sector) if catalogs.version_key(v) > catalogs.version_key(tid)]
    return ImportResult(tid, previous, form, mapping, written, uncharted, official or previous is None, when,
                        later[0] if later else None, when_from, answers_from, answers)


def _publication(tid: str, given: dt.date | None, on_form: dt.date | None,
                 same: dict[str, Any] | None) -> tuple[dt.date, str]:
    """The new version's publication date and where it came from (synth picks a year's form by it and
    ingest breaks ties between look-alike versions by it, so it is never left empty)."""
    if given:
        return given, "--published"
    if on_form:
        return on_form, "the form"
    known = (same or {}).get("published")
    if isinstance(known, dt.date):
        return known, f"the known {tid} template"
    raise FormRefused(f"{tid}: the form writes no publication date and none is known: give --published YYYY-MM-DD")


def answer_map(sector: str, form: Form, fallback: str) -> tuple[dict[str, str], str]:
    """canonical → native text of the form's answer dropdown, each option mapped through the sector's
    vocabulary (never guessed); without a dropdown, the answers of ``fallback``."""
    if not form.dropdown:
        native = catalogs.vocabulary(sector)["native"].get(fallback) or catalogs.template(fallback).get("answers")
        if not native:
            raise FormRefused(f"{form.name} has no answer dropdown and {fallback} knows no answers to copy")
        return dict(native), f"{fallback} (the form has no dropdown)"
    table = lookup(sector)
    out: dict[str, str] = {}
    for option in form.dropdown:
        canonical = table.get(answer_key(option))
        if canonical is None:
            raise FormRefused(f"answer option {option!r} of the form's dropdown is not in the {sector} vocabulary: "
                              "add it to vocabularies.yaml (native or synonyms) if its meaning is certain")
        if canonical in out:
            raise FormRefused(f"answer options {out[canonical]!r} and {option!r} of the form's dropdown both mean "
                              f"{canonical}")
        out[canonical] = option
    return out, "the form's dropdown"


def _texts_differ(item: FormItem, old: pd.Series) -> bool:
    if label_key(item.requirement) != label_key(old["text_ja"]):
        return True
    old_condition = old.get("condition_ja", "")
    return bool(item.condition and old_condition) and label_key(item.condition) != label_key(old_condition)


def compare(form_items: list[FormItem], prev_items: pd.DataFrame | None, previous: str | None, tid: str,
            wording: bool) -> pd.DataFrame:
    """The per-item mapping ``previous`` → ``tid`` (see the module docstring for what is compared)."""
    if prev_items is None or previous is None:
        return pd.DataFrame(columns=catalogs.MAPPING_COLUMNS)
    old = prev_items.set_index("item_id")
    new_ids = {i.item_id for i in form_items}
    rows = []
    for item in form_items:
        if item.item_id not in old.index:
            rows.append((item.item_id, "new", "", item.level, ""))
            continue
        before = old.loc[item.item_id]
        notes = []
        moved = before["level"] != item.level
        if moved and str(before.get("level_source", "")).startswith("ours"):
            notes.append(f"{previous} level was ours, not observed")
        reworded = wording and _texts_differ(item, before)
        if reworded and moved:
            notes.append(f"also re-levelled {before['level']}→{item.level}")
        if not wording:
            notes.append(f"wording not compared ({previous} texts are ours)")
        change = "reworded" if reworded else "relevelled" if moved else "same"
        rows.append((item.item_id, change, before["level"], item.level, "; ".join(notes)))
    for item_id, before in old.iterrows():
        if item_id not in new_ids:
            rows.append((item_id, "removed", before["level"], "", ""))
    out = pd.DataFrame(rows, columns=["item_id", "change", "level_from", "level_to", "note"])
    out = out.assign(from_version=previous, to_version=tid,
                     comparable=out["change"].map(catalogs.COMPARABLE_BY_DEFAULT)
                     .map({True: "true", False: "false"}))
    order = out["item_id"].str.extract(r"(\d+)$")[0].astype(int)
    return out.assign(_o=order).sort_values("_o").drop(columns="_o").reset_index(drop=True)[catalogs.MAPPING_COLUMNS]


def catalog_items(form_items: list[FormItem], prev_items: pd.DataFrame | None, source: str) -> pd.DataFrame:
    """The new version's items CSV: levels and texts from the form; domain and CSF 2.0 targets (ours)
    carried over by item number, empty for items the previous version lacks."""
    old = prev_items.set_index("item_id") if prev_items is not None else pd.DataFrame()
    rows = []
    for item in sorted(form_items, key=lambda i: i.number):
        known = item.item_id in old.index
        rows.append({"item_id": item.item_id, "level": item.level,
                     "domain_id": old.loc[item.item_id, "domain_id"] if known else "",
                     "text_ja": item.requirement,
                     "csf2": old.loc[item.item_id, "csf2"] if known else "",
                     "level_source": f"official form {source}", "domain_ja": item.domain,
                     "condition_ja": item.condition})
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def _layout_version(sector: str) -> str:
    """The version whose layout (cover labels, points, export) a first version starts from: the earliest known."""
    known = catalogs.versions_by_number(sector)
    if not known:
        raise FormRefused(f"no {sector} template version is known to take the cover and points from")
    return known[0]


def _template(prev: dict[str, Any], form: Form, tid: str, version: str, items_name: str, name: str | None,
              published: dt.date | None, source: str, mapping: pd.DataFrame, previous: str | None) -> dict[str, Any]:
    """The previous version's layout with the form's own sheet, columns and labels."""
    t = copy.deepcopy(prev)
    t.update({"template_version": tid, "version": version, "items": items_name, "provisional": False,
              "published": published, "source": source, "texts": "official"})
    if name:
        t["instrument"] = name
    t["checklist"] = {**t.get("checklist", {}), "sheet": form.sheet, "columns": form.columns}
    for key, role in (("item_column", "no"), ("answer_column", "answer")):
        if role in form.roles:
            t["checklist"][key] = form.roles[role]
    counts = mapping["change"].value_counts().to_dict()
    summary = ", ".join(f"{CHANGE_LABELS[c]} {counts.get(c, 0)}" for c in CHANGE_LABELS)
    t["changes"] = f"imported from the official form {form.name}; against {previous}: {summary}" if previous \
        else f"imported from the official form {form.name}"
    return t


def _write(target: Path, text: str) -> Path:
    """Write atomically: a reader never sees half a catalog file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
