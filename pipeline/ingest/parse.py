"""One input → what it holds: a checklist submission, the rows of an export, or a reason to quarantine.

Runs in worker processes; returns plain data: raw answers as read, their cells and canonical
answers (mapped here, where the vocabulary lookups are spread over the workers), leaving identity
and de-duplication to the main process, where they need all files at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline import catalogs, corporate_number
from pipeline.catalogs._files import read_records, read_yaml, refresh, registered_cache
from pipeline.ingest import attributes as attrs
from pipeline.ingest import version
from pipeline.ingest.discover import Entry, _error_text, file_name, is_archive, read_entry
from pipeline.ingest.locate import (
    Header,
    cover_values,
    find_export_header,
    find_header,
    is_checklist_name,
    is_cover_name,
    is_derived_name,
    is_example_name,
    is_history_name,
    versions_written,
)
from pipeline.ingest.read import Book, Sheet, open_book
from pipeline.ingest.reasons import Rejected
from pipeline.ingest.text import clean_text, label_key
from pipeline.ingest.vocab import canonical_answer

# 'ID.AM-1', and as cells also write it: '(ID.AM-1)', '【ID.AM-1】', 'ID.AM-1 物理デバイス…' (ID, then its text)
POWER_ID = re.compile(r"^[(\[【<《]?([A-Z]{2})\.([A-Z]{2})-0*(\d{1,2})(?!\d)(?:[)\]】>》]|(?![.\-A-Z0-9]))")
# 12, No.12, 012, '12.0' (a number saved as text), 'No.12 (Lv1)'; not '1.2' or '1. 注意事項'
AUTO_NO = re.compile(r"^(?:no\.?)?0*(\d{1,3})(?:\.0+)?(?:$|[(\[【<《])")
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−ー－"})


@registered_cache
def checklist_shapes() -> dict[str, tuple[str, ...]]:
    """Which header roles make a checklist of which sector (``header_roles`` in catalogs/sectors.yaml),
    in the file's order: the power form names its items by CSF 1.1 ID, the automotive one has a level."""
    return {s: tuple(v["header_roles"]) for s, v in catalogs.sectors().items()}


@dataclass
class Parsed:
    """One manifest row, and, for a submission, its attributes and raw answers."""

    source_path: str
    kind: str  # file | archive | member | export | export_row
    sha256: str = ""
    sector: str = ""
    status: str = "ingested"  # ingested | quarantined (superseded is decided after all files are read)
    reason: str = ""
    detail: str = ""
    template_version: str = ""
    attributes: dict[str, object] = field(default_factory=dict)
    submitted_on: dt.date | None = None
    sheet: str = ""
    items: list[str] = field(default_factory=list)
    raw: list[str | None] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # canonical, filled by finish_answers
    rows: list[int] = field(default_factory=list)  # each answer's cell, 0-based as in a1()
    cols: list[int] = field(default_factory=list)
    n_items: int = 0
    n_invalid: int = 0
    n_unanswered: int = 0
    flags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    answer_path: str = ""  # where the answers live (the export file for an export row)

    @property
    def is_submission(self) -> bool:
        return self.kind in ("file", "member", "export_row") and self.status == "ingested"


def parse_entry(entry: Entry, sector: str, year: int) -> list[Parsed]:
    """Everything one discovered input contributes to the manifest (and answers, when it has some).

    ``sector`` and ``year`` name the partition being ingested; neither decides what a file is: its
    sector comes from its header, its template version from what it writes (see ingest/version.py).
    """
    refresh()  # the project's catalogs, as the main process sees them (a test may switch SDW_HOME)
    kind = entry.kind
    if entry.rejected:
        return [Parsed(entry.source_path, kind, status="quarantined", reason=entry.rejected[0],
                       detail=entry.rejected[1])]
    try:
        data = read_entry(entry)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as e:  # a member that fails its CRC
        return [Parsed(entry.source_path, kind, status="quarantined", reason="archive_corrupt", detail=str(e))]
    except Exception as e:  # noqa: BLE001 - the disk or our code, not the member's file
        return [Parsed(entry.source_path, kind, status="quarantined", reason="read_error", detail=_error_text(e))]
    digest = hashlib.sha256(data).hexdigest()
    if kind == "archive" or (kind == "member" and is_archive(entry.source_path)):
        return [Parsed(entry.source_path, kind, digest, detail="archive")]
    try:
        book = open_book(data, file_name(entry))
        return _parse_book(book, entry.source_path, kind, digest)
    except Rejected as r:
        return [Parsed(entry.source_path, kind, digest, status="quarantined", reason=r.code, detail=r.detail,
                       attributes=r.attributes)]
    except BaseException as e:  # noqa: BLE001 - a bug of ours or a reader panic (pyo3's PanicException is a
        if isinstance(e, KeyboardInterrupt | SystemExit | GeneratorExit):  # BaseException): never blamed on the member
            raise
        return [Parsed(entry.source_path, kind, digest, status="quarantined", reason="read_error",
                       detail=_error_text(e))]


def _parse_book(book: Book, path: str, kind: str, digest: str) -> list[Parsed]:
    if not book.sheet_names:  # a workbook must have a sheet: its index part is missing or broken
        raise Rejected("corrupt", "the workbook lists no sheets")
    ordered = sorted(book.sheet_names, key=lambda n: (not is_checklist_name(n), is_derived_name(n)))
    sheets: dict[str, Sheet] = {}
    for name in ordered:
        if is_derived_name(name) or is_example_name(name):  # a filled-in example is not the member's answer
            continue
        sheet = _sheet(book, sheets, name)
        export = find_export_header(sheet)
        if export:
            return _parse_export(sheet, export, path, kind, digest, name if book.kind == "workbook" else "")
        found = find_header(sheet, checklist_shapes())
        if found:
            return [_checklist(book, sheets, name, found[1], path, kind, digest, found[0])]
    raise Rejected("unknown_template", "no sheet has the header of a known checklist")


def _sheet(book: Book, sheets: dict[str, Sheet], name: str) -> Sheet:
    """A sheet, read once per file."""
    if name not in sheets:
        sheets[name] = book.load(name)
    return sheets[name]


def _checklist(book: Book, sheets: dict[str, Sheet], name: str, header: Header, path: str, kind: str,
               digest: str, found_sector: str) -> Parsed:
    sheet = sheets[name]
    cover, cover_sheets = _cover(book, sheets, name)
    role, normalise = ITEM_KEYS[catalogs.sector_info(found_sector)["item_key"]]
    items, raw, rows = _rows(sheet, header, role, normalise)
    versions = catalogs.template_versions(found_sector)
    parsed = Parsed(path, kind, digest, sector=found_sector, template_version=versions[0], sheet=name,
                    items=items, raw=raw, rows=rows, cols=[header.columns["answer"]] * len(rows),
                    answer_path=path)
    parsed.attributes, parsed.submitted_on = _cover_attributes(cover, found_sector, parsed)
    if len(versions) > 1:  # several forms of the sector's checklist: which one, from the file (one: nothing to tell)
        try:  # every version the form writes: the title above the table, the cover pages, the sheet names
            written = version.one_written(versions_written(
                [(name, sheet, header.row), *((n, sheets[n], None) for n in cover_sheets if n != name)],
                book.sheet_names if book.kind == "workbook" else ()))
            decision = version.decide(found_sector, written, raw, items, header.has("plan_if_not"),
                                      parsed.submitted_on)
        except Rejected as r:  # keep whom the file is from, so the clerk knows whom to ask
            raise Rejected(r.code, r.detail, parsed.attributes) from None
        _set_version(parsed, decision)
    if not items:
        raise Rejected("unknown_template", f"the header of sheet {name!r} has no item rows under it",
                       parsed.attributes)
    if all(v is None or not v.strip() for v in raw):
        raise Rejected("empty_checklist", f"{len(items)} items, none answered", parsed.attributes)
    finish_answers(parsed, found_sector)
    if catalogs.template(parsed.template_version).get("summary"):  # a derived summary sheet to check against
        _check_summary(book, sheets, parsed)
    return parsed


IDENTITY = ("corporate_number", "company_name")


def _cover(book: Book, sheets: dict[str, Sheet], checklist: str) -> tuple[dict[str, object], list[str]]:
    """Cover attributes, by their labels: from a sheet named like a cover (表紙, 基本情報 …), then from
    above the table on the checklist; only when neither names the company, from the workbook's other
    sheets (never from a 記入例 / sample sheet, whose details are not the member's). Earlier wins."""
    named = [n for n in book.sheet_names if n != checklist and is_cover_name(n)]
    others = [n for n in book.sheet_names if n != checklist and n not in named and not is_derived_name(n)
              and not is_example_name(n) and not is_history_name(n)]
    cover: dict[str, object] = {}
    used: list[str] = []  # the sheets that gave cover values: where the form may write its version too
    for k, name in enumerate([*named, checklist, *others]):
        if k > len(named) and any(role in cover for role in IDENTITY):
            break  # the other sheets only when nothing so far names the company
        found = cover_values(_sheet(book, sheets, name))
        if found:
            used.append(name)
            cover = found | cover
        if all(role in cover for role in IDENTITY):
            break
    return cover, used


@registered_cache  # parse_entry refreshes the catalogs once per file
def _catalog_items(template_version: str) -> frozenset[str]:
    """The items of one template version (its own items file: a version may add, drop or re-level)."""
    return frozenset(r["item_id"] for r in read_records(read_yaml(f"templates/{template_version}.yaml")["items"]))


@registered_cache
def _answer_memo(sector: str) -> dict[str | None, str]:
    return {None: "unanswered"}


def finish_answers(rec: Parsed, sector: str) -> None:
    """Drop items the template lacks or lists twice (flagged), map answers to canonical, count gaps.

    The items are those of the record's template version. Done in the worker, so the main process
    only concatenates.
    """
    known = _catalog_items(rec.template_version)
    unknown: list[str] = []
    repeated: list[str] = []
    if len(set(rec.items)) == len(rec.items) and known.issuperset(rec.items):
        keep = range(len(rec.items))  # the usual case, checked in C
    else:
        seen: set[str] = set()
        keep = []
        for k, item in enumerate(rec.items):
            if item not in known:
                unknown.append(item)
            elif item in seen:
                repeated.append(item)
            else:
                seen.add(item)
                keep.append(k)
    if unknown:
        rec.flags.append("unknown_items")
        rec.warnings.append("様式にない項目: " + ", ".join(unknown[:5]))
    if repeated:
        rec.flags.append("repeated_items")
        rec.warnings.append("重複した項目(最初の行を採用): " + ", ".join(repeated[:5]))
    if len(keep) != len(rec.items):
        rec.items = [rec.items[k] for k in keep]
        rec.raw = [rec.raw[k] for k in keep]
        rec.rows = [rec.rows[k] for k in keep]
        rec.cols = [rec.cols[k] for k in keep]
    if len(rec.items) < len(known):
        rec.flags.append("missing_items")
        rec.warnings.append(f"{len(known) - len(rec.items)} 項目が見つかりません")
    rec.n_items = len(rec.items)
    memo = _answer_memo(sector)
    rec.answers = [memo[v] if v in memo else memo.setdefault(v, canonical_answer(v, sector)) for v in rec.raw]
    rec.n_invalid = rec.answers.count("invalid")
    rec.n_unanswered = rec.answers.count("unanswered")
    if rec.n_invalid:
        rec.flags.append("invalid_answers")
        bad = [f"{i}「{v}」" for i, v, a in zip(rec.items, rec.raw, rec.answers, strict=True) if a == "invalid"]
        rec.warnings.append("判読できない回答: " + ", ".join(bad[:5]))
    if rec.n_unanswered:
        rec.flags.append("unanswered")
        # every item, so the clerk can say which ones to fill in (the flag alone named none)
        rec.warnings.append("未回答の項目: " + ", ".join(i for i, a in zip(rec.items, rec.answers, strict=True)
                                                      if a == "unanswered"))


@lru_cache(maxsize=1 << 14)
def _power_id(value: str) -> str | None:
    """'ID.AM-1', 'id.am-01', 'ID.AM–1' (any dash) → 'ID.AM-1'; anything else → None."""
    m = POWER_ID.match(label_key(value).upper().translate(_DASHES))
    return f"{m.group(1)}.{m.group(2)}-{int(m.group(3))}" if m else None


@lru_cache(maxsize=1 << 14)
def _auto_no(value: str) -> str | None:
    """'No.12', '12', '012', '１２', '12.0' → 'No.12' (cached: the same 153 texts recur in every file)."""
    m = AUTO_NO.match(label_key(value))
    return f"No.{int(m.group(1))}" if m and 1 <= int(m.group(1)) <= 999 else None


ITEM_KEYS = {"csf11_id": ("item_id", _power_id), "number": ("no", _auto_no)}
"""How a sector's items are keyed (``item_key`` in catalogs/sectors.yaml): the header role of the item
column and the function that normalises its cells to item ids (ID.AM-1, No.12)."""


def _rows(sheet: Sheet, header: Header, id_role: str, normalise) -> tuple[list[str], list[str | None], list[int]]:
    """Item IDs, raw answers and (0-based) rows of every row under the header that names an item.

    Reads two columns, not the rows; this runs for every row of every file.
    """
    first = header.row + 1
    items, kept = _item_rows(normalise, tuple(sheet.column(header.columns[id_role], first)))
    values = sheet.column(header.columns["answer"], first)
    return list(items), [values[k] for k in kept], [first + k for k in kept]


@lru_cache(maxsize=256)
def _item_rows(normalise, keys: tuple[str | None, ...]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The item IDs in a column of keys, and their positions (cached: most files list the same items)."""
    ids = [normalise(key) if key else None for key in keys]
    kept = tuple(k for k, item in enumerate(ids) if item is not None)
    return tuple(ids[k] for k in kept), kept


def _set_version(rec: Parsed, decision: version.Decision) -> None:
    """The decided version; one the form did not write, among several that fit, is flagged for the clerk."""
    rec.template_version = decision.template
    if decision.flagged:
        rec.flags.append("version_not_written")
        rec.warnings.append(decision.warning(rec.submitted_on))


def _cover_attributes(cover: dict[str, object], sector: str, parsed: Parsed
                      ) -> tuple[dict[str, object], dt.date | None]:
    out: dict[str, object] = {
        "company_name": clean_text(cover.get("company_name")),
        "corporate_number": corporate_number.normalise(cover.get("corporate_number")),
    }
    submitted = attrs.parse_date(cover.get("answered_on"))
    if submitted is None:
        parsed.flags.append("no_date")
    if sector == "power":
        codes, unknown = attrs.business_types(cover.get("business_types"))
        main, _ = attrs.business_types(cover.get("main_business_type"))
        employees = attrs.parse_int(cover.get("employees"))
        types_text = clean_text(cover.get("business_types"))
        system_text = clean_text(cover.get("target_system"))
        out |= {"business_types": " ".join(codes), "main_business_type": main[0] if main else (codes or [""])[0],
                "employees": employees, "size_band": attrs.size_band_from_employees(employees),
                "target_system": system_text,
                # a licence held but not exercised, or a plant not yet running: answers will be mostly 該当しない
                "suspended": "休止" in types_text, "under_construction": "建設中" in types_text + system_text}
        _flag_ambiguous(parsed, cover.get("employees"), out["size_band"], None, None)
        if unknown:
            parsed.flags.append("unknown_business_type")
            parsed.warnings.append("事業区分: " + "、".join(unknown))
    else:
        out |= {"member_org": clean_text(cover.get("member_org")), "industry": clean_text(cover.get("industry")),
                "size_band": attrs.size_band(cover.get("size_band") or cover.get("employees")),
                "capital": clean_text(cover.get("capital")),
                "target_level": attrs.target_level(cover.get("target_level"))}
        _flag_ambiguous(parsed, cover.get("size_band") or cover.get("employees"), out["size_band"],
                        cover.get("target_level"), out["target_level"])
    return out, submitted


def _flag_ambiguous(rec: Parsed, size_text: object, band: str | None, level_text: object, level: str | None) -> None:
    """An attribute written but not read with certainty counts as unknown: say so, so the clerk can ask."""
    if band is None and clean_text(size_text):
        rec.flags.append("ambiguous_size_band")
        rec.warnings.append(f"従業員規模「{clean_text(size_text)}」")
    if level is None and clean_text(level_text):
        rec.flags.append("ambiguous_target_level")
        rec.warnings.append(f"目標レベル「{clean_text(level_text)}」")


def _check_summary(book: Book, sheets: dict[str, Sheet], parsed: Parsed) -> None:
    """Compare the OCCTO summary sheet's cached counts of 実施 with the checklist (a warning, not a rejection)."""
    name = next((n for n in book.sheet_names if label_key(n) == label_key("可視化結果(広域機関用)")), None)
    if name is None:
        return
    grid = _sheet(book, sheets, name).rows()
    implemented = {}
    for item, value in zip(parsed.items, parsed.raw, strict=True):
        implemented.setdefault(item.split("-")[0], 0)
        implemented[item.split("-")[0]] += label_key(value) == "実施している"
    header = next((r for r, row in enumerate(grid[:10]) if any(label_key(v) == "実施" for v in row)), None)
    if header is None:
        return
    col = next(c for c, v in enumerate(grid[header]) if label_key(v) == "実施")
    for row in grid[header + 1:]:
        m = re.search(r"\(([A-Z]{2}\.[A-Z]{2})\)", clean_text(row[0]) if row else "")
        count = attrs.parse_int(row[col]) if m and m.group(1) in implemented else None
        if count is not None and count != implemented[m.group(1)]:
            parsed.flags.append("summary_mismatch")
            parsed.warnings.append(f"{m.group(1)}: 集計 {count} / チェックシート {implemented[m.group(1)]}")
            return


def _parse_export(sheet: Sheet, header, path: str, kind: str, digest: str, sheet_name: str) -> list[Parsed]:
    out = [Parsed(path, "export", digest, sector="auto", detail="consolidated export")]
    numbers = sorted(header.items)
    items = [f"No.{n}" for n in numbers]
    grid = sheet.rows()
    refused: Rejected | None = None  # a version the project does not know, or two: every row is refused with it
    fitted: tuple[version.Candidate, ...] = ()
    try:
        written = version.one_written(versions_written([(sheet_name or "csv", sheet, header.row)],
                                                       [sheet_name] if sheet_name else []))
        if written is not None:
            fitted = tuple(c for c in version.candidates("auto") if c.name == version.known("auto", written))
    except Rejected as r:
        refused, written = r, None
    if written is None and refused is None:  # one layout for every version with an export: each row's date decides
        answers = [row[c] for row in grid[header.row + 1: header.row + 51] for c in header.items.values()]
        fitted = version.fitting("auto", answers, items, None, export=True)
    chosen: dict[str, int] = {}
    for r in range(header.row + 1, len(grid)):
        row = grid[r]
        values = {role: row[c] for role, c in header.columns.items()}
        answers = [row[header.items[n]] for n in numbers]
        if all(clean_text(v) == "" for v in [*values.values(), *answers]):
            continue  # a blank line, not a submission
        rec = Parsed(f"{path}#row={r + 1}", "export_row", sector="auto", sheet=sheet_name,
                     items=items, raw=answers, rows=[r] * len(numbers), cols=[header.items[n] for n in numbers],
                     answer_path=path)
        rec.attributes = {
            "company_name": clean_text(values.get("company_name")),
            "corporate_number": corporate_number.normalise(values.get("corporate_number")),
            "member_org": clean_text(values.get("member_org")), "industry": clean_text(values.get("industry")),
            "size_band": attrs.size_band(values.get("size_band")),
            "target_level": attrs.target_level(values.get("target_level")),
            "receipt_no": clean_text(values.get("receipt_no")),
        }
        _flag_ambiguous(rec, values.get("size_band"), rec.attributes["size_band"], values.get("target_level"),
                        rec.attributes["target_level"])
        rec.submitted_on = attrs.parse_date(values.get("answered_on"))
        rec.attributes["submitted_at"] = clean_text(values.get("answered_on"))
        if refused is not None:  # kept whom each row is from, so the clerk knows whom the refusal concerns
            out.append(Parsed(rec.source_path, "export_row", sector="auto", sheet=sheet_name, status="quarantined",
                              reason=refused.code, detail=refused.detail, attributes=rec.attributes))
            continue
        rec.template_version = version.by_date(fitted, rec.submitted_on).template
        chosen[rec.template_version] = chosen.get(rec.template_version, 0) + 1
        if all(clean_text(v) == "" for v in answers):
            rec.status, rec.reason, rec.detail = "quarantined", "empty_checklist", f"row {r + 1}"
        finish_answers(rec, "auto")
        out.append(rec)
    if len(out) == 1:
        raise Rejected("no_rows", f"the export's header (row {header.row + 1}) has no rows under it")
    out[0].detail = f"consolidated export, {len(out) - 1} rows"
    if len(fitted) > 1:
        out[0].flags.append("version_not_written")
        out[0].warnings.append(f"版の記載なし: {' / '.join(c.name for c in fitted)} が該当、各行の提出日時で判断 ("
                               + ", ".join(f"{v} {n}行" for v, n in sorted(chosen.items())) + ")")
    return out


__all__ = ["Parsed", "parse_entry"]

