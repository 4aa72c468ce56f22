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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline import catalogs, corporate_number
from pipeline.catalogs import refresh, registered_cache
from pipeline.ingest import attributes as attrs
from pipeline.ingest import version
from pipeline.ingest.copies import PAST_NAME, stale_mark, title_cells
from pipeline.ingest.discover import Entry, file_name, is_archive, read_entry, read_error_detail
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
    is_label,
    versions_written,
)
from pipeline.ingest.matrix import matrix_answers, matrix_shapes
from pipeline.ingest.read import Book, Sheet, open_book
from pipeline.ingest.reasons import Rejected
from pipeline.ingest.vocab import canonical_answer
from pipeline.itemno import item_number
from pipeline.text import clean_text, header_key, label_key

# 'ID.AM-1', and as cells also write it: '(ID.AM-1)', '【ID.AM-1】', 'ID.AM-1 物理デバイス…' (ID, then its text)
POWER_ID = re.compile(r"^[(\[【<《]?([A-Z]{2})\.([A-Z]{2})-0*(\d{1,2})(?!\d)(?:[)\]】>》]|(?![.\-A-Z0-9]))")
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
    totals: list[str] = field(default_factory=list)  # an export's totals rows (合計, 平均 …), not members
    linked_in_run: str = ""  # the number a name was linked to from this run's own files only (never certain)

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
        return [Parsed(entry.source_path, kind, status="quarantined", reason="read_error", detail=read_error_detail(e))]
    digest = hashlib.sha256(data).hexdigest()
    if kind == "archive" or (kind == "member" and is_archive(entry.source_path)):
        return [Parsed(entry.source_path, kind, digest, detail="archive")]
    try:
        book = open_book(data, file_name(entry))
        return _parse_book(book, entry.source_path, kind, digest, year)
    except Rejected as r:
        return [Parsed(entry.source_path, kind, digest, status="quarantined", reason=r.code, detail=r.detail,
                       attributes=r.attributes)]
    except BaseException as e:  # noqa: BLE001 - a bug of ours or a reader panic (pyo3's PanicException is a
        if isinstance(e, KeyboardInterrupt | SystemExit | GeneratorExit):  # BaseException): never blamed on the member
            raise
        return [Parsed(entry.source_path, kind, digest, status="quarantined", reason="read_error",
                       detail=read_error_detail(e))]


def _parse_book(book: Book, path: str, kind: str, digest: str, year: int) -> list[Parsed]:
    if not book.sheet_names:  # a workbook must have a sheet: its index part is missing or broken
        raise Rejected("corrupt", "the workbook lists no sheets")
    ordered = sorted(book.sheet_names, key=lambda n: (not is_checklist_name(n), is_derived_name(n)))
    sheets: dict[str, Sheet] = {}
    found: dict[str, tuple[str, Header]] = {}  # every sheet shaped like a checklist: each is a candidate
    for name in ordered:
        if is_derived_name(name) or is_example_name(name):  # a filled-in example is not the member's answer
            continue
        sheet = _sheet(book, sheets, name)
        export = find_export_header(sheet) if not found else None
        if export:
            return _parse_export(sheet, export, path, kind, digest, name if book.kind == "workbook" else "")
        header = find_header(sheet, checklist_shapes(), matrix_shapes())
        if header:
            found[name] = header
    if not found:
        raise Rejected("unknown_template", "no sheet has the header of a known checklist")
    return [_choose_sheet(book, sheets, found, path, kind, digest, year)]


def _choose_sheet(book: Book, sheets: dict[str, Sheet], found: dict[str, tuple[str, Header]], path: str,
                  kind: str, digest: str, year: int) -> Parsed:
    """The checklist sheet, on evidence: a sheet whose name or title marks a previous year or a copy
    (copies.stale_mark) loses to one that does not, unless that one is neither named nor titled as a
    checklist ('Sheet2': nothing says which year it is; refused, ambiguous_sheet); of the rest, all must
    give the same answers, else the file is refused (ambiguous_sheet) naming them. Sheets marked stale are
    read only when no other is there."""
    names = [n for n in book.sheet_names if n in found]  # the workbook's order, for messages
    marks = {n: stale_mark(n, sheets[n].rows(found[n][1].row), year) for n in names}
    live = [n for n in names if not marks[n]]
    group = live or names
    passed_over = [n for n in names if n not in group]
    unnamed = [n for n in live
               if not is_checklist_name(n) and not title_cells(sheets[n].rows(found[n][1].row))]
    if passed_over and unnamed:  # 'Sheet2' says nothing of its year: it may be last year's as well
        raise Rejected("ambiguous_sheet",
                       f"シート「{passed_over[0]}」は{marks[passed_over[0]]}で前年度・控えと読めますが、"
                       f"シート「{unnamed[0]}」は名前にも表題にも今年度のチェックシートと書かれていません:"
                       " どちらが今年度の回答か確認してください")
    parsed: list[Parsed] = []
    refused: Rejected | None = None
    blank: list[str] = []
    for name in group:
        try:
            parsed.append(_checklist(book, sheets, name, found[name][1], path, kind, digest, found[name][0],
                                     others=set(names) - {name}))
        except Rejected as r:
            if r.code not in BLANK_SHEET:  # a sheet with answers that cannot be read is never passed over
                raise
            refused = refused or r
            blank.append(name)
    note = "、".join([*(f"「{n}」({marks[n]})" for n in passed_over),
                     *(f"「{n}」(回答なし)" for n in blank if parsed)])
    if not parsed:
        assert refused is not None
        detail = refused.detail + (f" / 読んでいないシート: {note}" if note else "")
        raise Rejected(refused.code, detail, refused.attributes)
    distinct = {(p.template_version, tuple(p.items), tuple(p.answers)): p for p in parsed}
    if len(distinct) > 1:
        first, second = list(distinct.values())[:2]
        differ = sum(a != b for a, b in zip(_by_item(first), _by_item(second), strict=False))
        raise Rejected("ambiguous_sheet",
                       f"シート「{first.sheet}」と「{second.sheet}」の回答が異なります({differ} 項目)"
                       + (f" / ほかに {len(distinct) - 2} シート" if len(distinct) > 2 else ""),
                       first.attributes)
    chosen = parsed[0]
    if not live:  # only sheets named like last year's or a copy: read, and the clerk asks which year it is
        chosen.flags.append("stale_sheet_only")
        chosen.warnings.append(f"読んだシート: 「{chosen.sheet}」({marks[chosen.sheet]})")
    if note:
        chosen.warnings.append(f"読んでいないシート: {note}")
    if len(parsed) > 1:
        chosen.warnings.append("同じ回答のシート: " + "、".join(f"「{p.sheet}」" for p in parsed[1:]))
    return chosen


BLANK_SHEET = ("empty_checklist", "unknown_template")
"""Refusals that mean a candidate sheet holds no answers (a blank copy of the form): another sheet may be read."""


def _by_item(rec: Parsed) -> list[tuple[str, str]]:
    return sorted(zip(rec.items, rec.answers, strict=True))


def _sheet(book: Book, sheets: dict[str, Sheet], name: str) -> Sheet:
    """A sheet, read once per file."""
    if name not in sheets:
        sheets[name] = book.load(name)
    return sheets[name]


def _checklist(book: Book, sheets: dict[str, Sheet], name: str, header: Header, path: str, kind: str,
               digest: str, found_sector: str, others: set[str] = frozenset()) -> Parsed:
    """One checklist sheet read; ``others`` are the workbook's other checklist sheets (never its cover, and
    their names never the form's version)."""
    sheet = sheets[name]
    cover, cover_sheets = _cover(book, sheets, name, others)
    role, normalise = ITEM_KEYS[catalogs.sector_info(found_sector)["item_key"]]
    if header.options:
        first = header.row + 1
        items, kept = _item_rows(normalise, tuple(sheet.column(header.columns[role], first)))
        raw, cols = matrix_answers(sheet, header, first, kept)
        items, rows = list(items), [first + k for k in kept]
    else:
        items, raw, rows = _rows(sheet, header, role, normalise)
        cols = [header.columns["answer"]] * len(rows)
    versions = catalogs.template_versions(found_sector)
    parsed = Parsed(path, kind, digest, sector=found_sector, template_version=versions[0], sheet=name,
                    items=items, raw=raw, rows=rows, cols=cols, answer_path=path)
    parsed.attributes, parsed.submitted_on = _cover_attributes(cover, found_sector, parsed)
    if len(versions) > 1:  # several forms of the sector's checklist: which one, from the file (one: nothing to tell)
        try:  # every version the form writes: the title above the table, the cover pages, the sheet names
            written = version.one_written(versions_written(
                [(name, sheet, header.row), *((n, sheets[n], None) for n in cover_sheets if n != name)],
                [n for n in book.sheet_names if n not in others] if book.kind == "workbook" else ()))
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


def _cover(book: Book, sheets: dict[str, Sheet], checklist: str, skip: set[str] = frozenset()
           ) -> tuple[dict[str, object], list[str]]:
    """Cover attributes, by their labels: from a sheet named like a cover (表紙, 基本情報 …; one named
    like last year's or a copy last), then from above the table on the checklist; only when neither names
    the company, from the workbook's other sheets (never from a 記入例 / sample sheet, whose details are not
    the member's, nor from another checklist sheet in ``skip``). Earlier wins."""
    named = sorted((n for n in book.sheet_names if n != checklist and n not in skip and is_cover_name(n)),
                   key=lambda n: bool(PAST_NAME.search(label_key(n))))
    others = [n for n in book.sheet_names if n != checklist and n not in named and n not in skip
              and not is_derived_name(n) and not is_example_name(n) and not is_history_name(n)]
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
    return frozenset(catalogs.item_ids_of(template_version))


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
        rec.warnings.append("様式にない項目: " + named(unknown))
    if repeated:
        rec.flags.append("repeated_items")
        rec.warnings.append("重複した項目(最初の行を採用): " + named(repeated))
    if len(keep) != len(rec.items):
        rec.items = [rec.items[k] for k in keep]
        rec.raw = [rec.raw[k] for k in keep]
        rec.rows = [rec.rows[k] for k in keep]
        rec.cols = [rec.cols[k] for k in keep]
    if len(rec.items) < len(known):
        rec.flags.append("missing_items")
        have = set(rec.items)
        rec.warnings.append(named(sorted((i for i in known if i not in have), key=item_order)) + " が見つかりません")
    rec.n_items = len(rec.items)
    memo = _answer_memo(sector)
    rec.answers = [memo[v] if v in memo else memo.setdefault(v, canonical_answer(v, sector)) for v in rec.raw]
    rec.n_invalid = rec.answers.count("invalid")
    rec.n_unanswered = rec.answers.count("unanswered")
    if rec.n_invalid:
        rec.flags.append("invalid_answers")
        bad = [f"{i}「{v}」(行{r + 1})" for i, v, a, r in zip(rec.items, rec.raw, rec.answers, rec.rows, strict=True)
               if a == "invalid"]
        rec.warnings.append("判読できない回答: " + named(bad))
    if rec.n_unanswered:
        rec.flags.append("unanswered")
        rec.warnings.append("未回答: " + named([i for i, a in zip(rec.items, rec.answers, strict=True)
                                                if a == "unanswered"]))


SHOWN = 10  # items a message names before it says how many more


def named(items: list[str], shown: int = SHOWN) -> str:
    """Items for a clerk's message: 'No.12, No.40', or the first ``shown`` and 'ほか 30 項目' (a message naming
    140 items is not read)."""
    head = ", ".join(items[:shown])
    return head if len(items) <= shown else f"{head} ほか {len(items) - shown} 項目"


def item_order(item: str) -> tuple:
    """Items in their form's order: No.2 before No.10, ID.AM-2 before ID.AM-10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", item))


@lru_cache(maxsize=1 << 14)
def _power_id(value: str) -> str | None:
    """'ID.AM-1', 'id.am-01', 'ID.AM–1' (any dash) → 'ID.AM-1'; anything else → None."""
    m = POWER_ID.match(label_key(value).upper().translate(_DASHES))
    return f"{m.group(1)}.{m.group(2)}-{int(m.group(3))}" if m else None


@lru_cache(maxsize=1 << 14)
def _auto_no(value: str) -> str | None:
    """'No.12', '12', '012', '１２', '12.0', '12.', '(12)', '項番12' … → 'No.12' (pipeline/itemno.py; cached:
    the same 153 texts recur in every file)."""
    n = item_number(label_key(value))
    return f"No.{n}" if n is not None else None


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
        "company_name": _checked(parsed, "事業者名", clean_text(cover.get("company_name")),
                                 lambda v: not is_label(v)),
        "corporate_number": _checked(parsed, "法人番号", corporate_number.normalise(cover.get("corporate_number")),
                                     lambda v: v.isascii() and v.isdigit()),
    }
    submitted = attrs.parse_date(cover.get("answered_on"))
    if submitted is None:
        parsed.flags.append("no_date")
        if clean_text(cover.get("answered_on")):
            parsed.warnings.append(f"回答日「{clean_text(cover.get('answered_on'))}」")
    if catalogs.sector_info(sector).get("business_types"):  # a licensee's cover: 事業区分, 従業員数, 対象システム
        codes, unknown = attrs.business_types(cover.get("business_types"), sector)
        main, _ = attrs.business_types(cover.get("main_business_type"), sector)
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


def _checked(rec: Parsed, field: str, value: str, passes: Callable[[str], bool]) -> str:
    """A cover value kept only when it passes its field's own check (a 法人番号 of digits, a name that is no
    label word): anything else is the neighbouring pair's label or text, never this field's value."""
    if not value or passes(value):
        return value
    rec.flags.append("unreadable_cover_value")
    rec.warnings.append(f"{field}「{value}」")
    return ""


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


TOTALS = re.compile(r"^(?:全体|全社|総|平均)?(?:合計|平均|平均値|平均点|達成率|実施率|回答率|件数|集計|集計結果"
                    r"|小計|総計|計|回答数|回答者数|社数|総数|割合|中央値|標準偏差|偏差|最大|最小|最大値|最小値|total|totals|grandtotal"
                    r"|subtotal|average|mean|sum|count|rate|stddev|sd)"
                    r"(?:点|行|値|欄)?$|^全体$")
"""What an export's totals line writes where a member's name or number would be (see :func:`_is_totals`)."""
_DECORATION = "※＊*・●■◆◇□○≪≫《》〈〉<>＜＞【】[]［］()（）「」『』\"'"


def _is_totals(text: str) -> bool:
    """A totals word, bare or dressed in marks ('≪合計≫', '〈合計〉', '※合計') or with a hint ('合計(全社)')."""
    return bool(TOTALS.match(label_key(text).strip(_DECORATION)) or TOTALS.match(header_key(text)))


def _totals_label(values: dict[str, object], row: list[str | None]) -> str:
    """The totals word ('合計', '平均', '達成率' …) of an export line whose identity cells (or first cell) hold one
    and no valid 法人番号, or the header's label when the line repeats the header (exports pasted together);
    '' for a member's line."""
    if corporate_number.is_valid(corporate_number.normalise(values.get("corporate_number"))):
        return ""
    labels = [clean_text(values.get(r)) for r in ("company_name", "corporate_number") if is_label(values.get(r))]
    if labels:
        return f"{labels[0]}(見出し行)"
    for role in ("company_name", "receipt_no", "corporate_number"):
        text = clean_text(values.get(role))
        if text and _is_totals(text):
            return text
    first = clean_text(next((v for v in row if clean_text(v)), ""))
    return first if first and _is_totals(first) else ""


def _parse_export(sheet: Sheet, header, path: str, kind: str, digest: str, sheet_name: str) -> list[Parsed]:
    sector = catalogs.export_sectors()[0]  # the sector whose templates describe a consolidated export
    out = [Parsed(path, "export", digest, sector=sector, detail="consolidated export")]
    numbers = sorted(header.items)
    items = [f"No.{n}" for n in numbers]
    grid = sheet.rows()
    refused: Rejected | None = None  # a version the project does not know, or two: every row is refused with it
    fitted: tuple[version.Candidate, ...] = ()
    try:
        written = version.one_written(versions_written([(sheet_name or "csv", sheet, header.row)],
                                                       [sheet_name] if sheet_name else []))
        if written is not None:
            fitted = tuple(c for c in version.candidates(sector) if c.name == version.known(sector, written))
    except Rejected as r:
        refused, written = r, None
    if written is None and refused is None:  # one layout for every version with an export: each row's date decides
        answers = [row[c] for row in grid[header.row + 1: header.row + 51] for c in header.items.values()]
        fitted = version.fitting(sector, answers, items, None, export=True)
    chosen: dict[str, int] = {}
    for r in range(header.row + 1, len(grid)):
        row = grid[r]
        values = {role: row[c] for role, c in header.columns.items()}
        answers = [row[header.items[n]] for n in numbers]
        if all(clean_text(v) == "" for v in [*values.values(), *answers]):
            continue  # a blank line, not a submission
        total = _totals_label(values, row)
        if total:  # the export's own 合計 / 平均 / 達成率 line: no member's answers, listed in the summary
            out[0].totals.append(f"行{r + 1}「{total}」")
            continue
        rec = Parsed(f"{path}#row={r + 1}", "export_row", sector=sector, sheet=sheet_name,
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
            out.append(Parsed(rec.source_path, "export_row", sector=sector, sheet=sheet_name, status="quarantined",
                              reason=refused.code, detail=refused.detail, attributes=rec.attributes))
            continue
        rec.template_version = version.by_date(fitted, rec.submitted_on).template
        chosen[rec.template_version] = chosen.get(rec.template_version, 0) + 1
        if all(clean_text(v) == "" for v in answers):
            rec.status, rec.reason, rec.detail = "quarantined", "empty_checklist", f"row {r + 1}"
        finish_answers(rec, sector)
        out.append(rec)
    if len(out) == 1:
        raise Rejected("no_rows", f"the export's header (row {header.row + 1}) has no rows under it"
                       + (f" (only totals rows: {', '.join(out[0].totals)})" if out[0].totals else ""))
    out[0].detail = f"consolidated export, {len(out) - 1} rows"
    if out[0].totals:
        out[0].detail += (f"; 集計行 {len(out[0].totals)} (会員の回答ではないため読んでいません): "
                          + ", ".join(out[0].totals))
    if len(fitted) > 1:
        out[0].flags.append("version_not_written")
        out[0].warnings.append(f"版の記載なし: {' / '.join(c.name for c in fitted)} が該当、各行の提出日時で判断 ("
                               + ", ".join(f"{v} {n}行" for v, n in sorted(chosen.items())) + ")")
    return out


__all__ = ["Parsed", "parse_entry"]

