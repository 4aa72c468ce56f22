"""``sdw check``: does a store keep its contract? Every breach is listed, none is repaired.

The store is read by scripts outside the repository (``pandas.read_parquet(store / NAME)``), so its
shape is a contract (docs/architecture.md §3): the tables and their columns, the canonical values,
the manifest's invariants, the keys that tie respondents, responses, identities, roster and scores
together, and the fingerprint of the pseudonymisation key. Ingest and scoring validate what they
write one partition at a time; this module looks at the whole store at once, after the fact — a
store copied by hand, restored from a backup, or edited by a script is checked the same way.

The checks are grouped by rule (:data:`RULES`); each breach names its table and says what is wrong in
one line, with a count and an example, never a company name (the checker's output may be pasted
into an issue). Checks that need a column another check found missing are skipped rather than
crashing, so one broken table still gives a full list for the rest.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors

from pipeline import catalogs, config
from pipeline.schemas import CANONICAL, CELL, FRAMEWORKS, STATUS, TABLES
from pipeline.store import read_table

# tables an ingest always writes; roster only with --roster, scores only after `sdw score`
REQUIRED = ("manifest", "respondents", "responses", "identities", "quarantine")
OPTIONAL = ("roster", "scores")
KEY = ["sector", "year", "respondent_key"]
KEY_PATTERN = r"^[0-9a-f]{32}$"
KINDS = ("file", "archive", "member", "export", "export_row")
CONTAINERS = ("archive", "export")
FINGERPRINT_FILE = "key_fingerprint.json"
FINGERPRINT_LABEL = "sdw store key fingerprint v1"
UNIQUE = {"manifest": ["sector", "year", "source_path"], "respondents": KEY, "responses": [*KEY, "item_id"],
          "identities": KEY, "roster": KEY, "scores": [*KEY, "framework", "node_id"]}

RULES = {
    "tables": "every table is present, readable and has its columns (no others where the schema is strict)",
    "values": "canonical values: sectors, statuses, kinds, reason and flag codes, answers, item ids, cells, "
              "frameworks and nodes, scores in [0, 1]",
    "manifest": "every file once; a status and a reason each; archive members and export rows under an "
                "ingested container; every clerk's case in the quarantine table",
    "keys": "respondents ↔ manifest ↔ responses ↔ identities ↔ roster ↔ scores by (sector, year, respondent_key)",
    "fingerprint": "the store names the fingerprint of its key, and the key at hand (if any) is that key",
    "answers": "each respondent's answers are what its manifest row counts (n_items, n_invalid, n_unanswered, "
               "the form's items unless flagged missing_items) and come from its sheet; each answer's score is "
               "its points (catalogs/scoring.yaml); each respondent of a scored sector-year has every framework "
               "of its sector",
}


@dataclass(frozen=True)
class Breach:
    """One way the store breaks its contract."""

    rule: str
    table: str
    message: str

    def line(self) -> str:
        return f"{self.table}: {self.message}"


@dataclass
class CheckResult:
    """What ``sdw check`` found: breaches (exit 1 when any), notes (said, not counted) and table sizes."""

    store: Path
    breaches: list[Breach] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.breaches

    def lines(self) -> list[str]:
        return [b.line() for b in self.breaches]


def check_store(store: Path, key: bytes | None = None, *, deep: bool = True) -> CheckResult:
    """Check every rule of the store contract on the store in ``store``.

    Parameters
    ----------
    store : Path
        The store folder (``data/processed`` by default on the command line).
    key : bytes, optional
        The pseudonymisation key to test against the store's fingerprint and respondent keys. None:
        only the fingerprint file's form is checked (see :func:`key_at_hand` for the command's choice).

        .. warning:: ``check_store(path)`` without a key skips the recomputation of the fingerprint
           and of the respondent keys: a store whose keys were made with another key passes. Pass
           ``key=key_at_hand()`` (as ``sdw check`` does) to check them.
    deep : bool
        False skips what reads the catalogs (item ids per template version, framework nodes) and
        recomputes keys: the cheap part, for the end of an ingest or a scoring run.
    """
    result = CheckResult(Path(store))
    if not Path(store).is_dir():
        result.breaches.append(Breach("tables", "store", f"{store} is not a folder"))
        return result
    if not any((Path(store) / name).exists() for name in (*REQUIRED, *OPTIONAL)):
        # one line a clerk can act on, not a breach per missing table
        result.breaches.append(Breach("tables", "store", f"{store} holds no store yet: run `sdw ingest` first"))
        return result
    tables = _read_tables(Path(store), result)
    out = result.breaches
    m, r = tables.get("manifest"), tables.get("respondents")
    x, i, s = tables.get("responses"), tables.get("identities"), tables.get("scores")
    out += _values(tables, deep)
    if m is not None:
        out += _manifest(m, tables.get("quarantine"))
    if r is not None:
        out += _keys(m, r, x, i, tables.get("roster"), s, result.notes)
    out += _answers(m, x, s, r, deep)
    out += _fingerprint(Path(store), r, i, key if deep else None)
    out += _schema_rest(tables, out)
    return result


def key_at_hand() -> bytes | None:
    """The key the other commands would use, without creating one: SDW_SECRET_KEY, else an existing key
    file (the first ingest creates it; a check must not)."""
    env = os.environ.get(config.SECRET_KEY_ENV)
    if env:
        return env.encode("utf-8")
    path = config.secret_key_path()
    return path.read_text().strip().encode("utf-8") if path.is_file() else None


# --- tables -------------------------------------------------------------------------------------------------------

def _read_tables(store: Path, result: CheckResult) -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {}
    for name in (*REQUIRED, *OPTIONAL):
        path = store / name
        if not path.exists():
            if name in REQUIRED:
                result.breaches.append(Breach("tables", name, "missing (every ingest writes it)"))
            continue
        try:
            frame = read_table(store, name)  # a column added since an older store was written reads as its default
        except Exception as e:  # noqa: BLE001 - any reader failure is the breach to report
            result.breaches.append(Breach("tables", name, f"unreadable ({type(e).__name__})"))
            continue
        result.sizes[name] = len(frame)
        schema = TABLES[name].to_schema()
        missing = [c for c in schema.columns if c not in frame.columns]
        if missing:
            result.breaches.append(Breach("tables", name, f"missing columns {', '.join(missing)}"))
        if schema.strict:
            extra = [c for c in frame.columns if c not in schema.columns]
            if extra:
                result.breaches.append(Breach("tables", name, f"columns outside the contract: {', '.join(extra)}"))
        tables[name] = frame
    return tables


def _has(frame: pd.DataFrame | None, *columns: str) -> bool:
    return frame is not None and all(c in frame.columns for c in columns)


def _text(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str)


def _example(values: Iterable[object]) -> str:
    first = sorted({str(v) for v in values})
    return ", ".join(repr(v) for v in first[:3]) + (" …" if len(first) > 3 else "")


def _outside(out: list[Breach], frame: pd.DataFrame | None, table: str, column: str, allowed: Iterable[str],
             what: str, *, rule: str = "values", blank_ok: bool = False) -> None:
    """A breach when ``column`` holds values outside ``allowed``."""
    if not _has(frame, column):
        return
    values = _text(frame[column])
    bad = ~values.isin(set(allowed)) & ~(values.eq("") if blank_ok else False)
    if bad.any():
        out.append(Breach(rule, table, f"{int(bad.sum())} rows with {what} outside the contract: "
                                       f"{_example(values[bad])}"))


def _pattern(out: list[Breach], frame: pd.DataFrame | None, table: str, column: str, pattern: str,
             what: str) -> None:
    if not _has(frame, column):
        return
    values = _text(frame[column])
    bad = ~values.str.match(pattern)
    if bad.any():
        out.append(Breach("values", table, f"{int(bad.sum())} rows with {what}: {_example(values[bad])}"))


def _business_types(r: pd.DataFrame | None) -> list[Breach]:
    """Business types outside each sector's own catalog (sectors.yaml ``business_types``); a sector without
    one has no business types at all."""
    out: list[Breach] = []
    if not _has(r, "sector"):
        return out
    for sector, rows in r.groupby(_text(r["sector"]), sort=False):
        if sector not in catalogs.sectors():
            continue  # an unknown sector is its own breach
        where = catalogs.sector_info(sector).get("business_types") or f"{sector}: no business types in sectors.yaml"
        codes = catalogs.business_type_codes(sector)
        _outside(out, rows, "respondents", "main_business_type", codes, f"a business type ({where})", blank_ok=True)
        if _has(rows, "business_types"):
            listed = _text(rows["business_types"]).str.split().explode().dropna()
            unknown = listed[~listed.isin(codes)]
            if len(unknown):
                out.append(Breach("values", "respondents", f"{len(unknown)} business types that are not codes of "
                                                           f"{where}: {_example(unknown)}"))
    return out


# --- values -------------------------------------------------------------------------------------------------------

def _values(tables: dict[str, pd.DataFrame], deep: bool) -> list[Breach]:
    out: list[Breach] = []
    sectors = list(catalogs.sectors())
    reasons = _reason_codes()
    for name, frame in tables.items():
        _outside(out, frame, name, "sector", sectors, "a sector (catalogs/sectors.yaml)")
        if _has(frame, "year"):
            years = pd.to_numeric(frame["year"], errors="coerce")
            bad = years.isna() | (years % 1 != 0) | (years < 2000) | (years > 2100)
            if bad.any():
                out.append(Breach("values", name, f"{int(bad.sum())} rows with a year that is not a fiscal year "
                                                  f"2000–2100: {_example(frame.loc[bad, 'year'])}"))
        if _has(frame, "respondent_key"):
            blank_ok = name == "manifest"  # containers and unreadable files have no respondent
            keys = _text(frame["respondent_key"])
            bad = ~keys.str.match(KEY_PATTERN) & ~(keys.eq("") if blank_ok else False)
            if bad.any():
                out.append(Breach("values", name, f"{int(bad.sum())} rows whose respondent_key is not 32 hex "
                                                  f"digits: {_example(keys[bad])}"))
    m = tables.get("manifest")
    _outside(out, m, "manifest", "status", STATUS, "a status")
    _outside(out, m, "manifest", "kind", KINDS, "a kind")
    if _has(m, "flags"):
        flags = _text(m["flags"]).str.split().explode().dropna()
        unknown = flags[~flags.isin(reasons["flags"])]
        if len(unknown):
            out.append(Breach("values", "manifest", f"{len(unknown)} flags that are not codes of "
                                                    f"catalogs/reasons.yaml: {_example(unknown)}"))
    if _has(m, "sha256", "kind", "status"):
        unhashed = m["kind"].ne("export_row") & m["status"].eq("ingested") & _text(m["sha256"]).eq("")
        if unhashed.any():
            out.append(Breach("values", "manifest", f"{int(unhashed.sum())} ingested files without a sha256: "
                                                    f"{_example(m.loc[unhashed, 'source_path'])}"))
    if _has(m, "sha256", "kind"):
        digest = _text(m["sha256"])
        has_bytes = m["kind"].ne("export_row")
        bad = has_bytes & ~digest.str.match(r"^[0-9a-f]{64}$") & digest.ne("")
        if bad.any():
            out.append(Breach("values", "manifest", f"{int(bad.sum())} rows whose sha256 is not 64 hex digits: "
                                                    f"{_example(digest[bad])}"))
    x = tables.get("responses")
    _outside(out, x, "responses", "answer", CANONICAL, "an answer")
    _pattern(out, x, "responses", "cell", CELL, "a cell not in A1 notation")
    if _has(x, "score"):
        _range(out, x, "responses")
    for name in ("respondents", "identities"):
        _outside(out, tables.get(name), name, "identity_basis", ["corporate_number", "name", "name_linked"],
                 "an identity basis")
    r = tables.get("respondents")
    _outside(out, r, "respondents", "target_level", catalogs.levels(), "a target level", blank_ok=True)
    _outside(out, r, "respondents", "size_band", catalogs.size_band_names(), "a size band (catalogs/size_bands.yaml)",
             blank_ok=True)
    if deep:
        out += _business_types(r)
    s = tables.get("scores")
    _outside(out, s, "scores", "framework", FRAMEWORKS, "a framework")
    if _has(s, "score"):
        _range(out, s, "scores")
    if _has(s, "n_items", "n_applicable", "score"):
        if (s["n_applicable"] > s["n_items"]).any():
            out.append(Breach("values", "scores", f"{int((s['n_applicable'] > s['n_items']).sum())} rows with "
                                                  "more applicable items than items (n_applicable > n_items)"))
        scored_blind = s["n_applicable"].eq(0) & s["score"].notna()
        if scored_blind.any():
            out.append(Breach("values", "scores", f"{int(scored_blind.sum())} rows with a score but no applicable "
                                                  "item (a node with none is not assessed: NaN)"))
        unscored = s["n_applicable"].gt(0) & s["score"].isna()
        if unscored.any():
            out.append(Breach("values", "scores", f"{int(unscored.sum())} rows with applicable items but no score "
                                                  "(NaN only where n_applicable is 0)"))
    if deep:
        out += _items(x, r)
        out += _nodes(s)
    return out


def _range(out: list[Breach], frame: pd.DataFrame, table: str) -> None:
    score = pd.to_numeric(frame["score"], errors="coerce")
    bad = score.notna() & ((score < 0) | (score > 1))
    if bad.any():
        out.append(Breach("values", table, f"{int(bad.sum())} rows with a score outside [0, 1]: "
                                           f"{_example(score[bad])}"))


def _reason_codes() -> dict[str, set[str]]:
    from pipeline.ingest.reasons import FLAGS, REASONS  # the one list of codes (the manifest's contract)

    return {"quarantine": set(REASONS), "flags": set(FLAGS)}


def _items(x: pd.DataFrame | None, r: pd.DataFrame | None) -> list[Breach]:
    """Every answer is to an item of its respondent's own template version."""
    if not (_has(x, *KEY, "item_id") and _has(r, *KEY, "template_version")):
        return []
    versions = r[[*KEY, "template_version"]].drop_duplicates(KEY)
    joined = x[[*KEY, "item_id"]].merge(versions, on=KEY, how="inner")
    out: list[Breach] = []
    for version, rows in joined.groupby(_text(joined["template_version"]), sort=True):
        try:
            known = set(catalogs.items_for(version)["item_id"])
        except (KeyError, FileNotFoundError):
            out.append(Breach("values", "respondents", f"template version {version!r} is not in the catalogs "
                                                       f"({rows[KEY].drop_duplicates().shape[0]} respondents)"))
            continue
        bad = ~rows["item_id"].isin(known)
        if bad.any():
            out.append(Breach("values", "responses", f"{int(bad.sum())} answers to items that {version} does not "
                                                     f"have: {_example(rows.loc[bad, 'item_id'])}"))
    return out


def _nodes(s: pd.DataFrame | None) -> list[Breach]:
    """Each score is of a framework its sector is scored on, at a node that framework has."""
    if not _has(s, "sector", "framework", "node_id"):
        return []
    known = {"csf2": set(catalogs.csf2()["node_id"]), "csf11": set(catalogs.csf11()["node_id"]),
             "cpsf": set(catalogs.cpsf()["node_id"]),
             # a level's own share (Lv1), reached or not (Lv1+) and every item (All): scoring/respondent.py
             "level": {*catalogs.levels(), *(f"{lv}+" for lv in catalogs.levels()), "All"},
             # a star's share of requirements met (★3), ready or not (★3+) and each requirement (3:1-2-1)
             "star": {node for star in catalogs.stars() for node in (f"★{star}", f"★{star}+")}
                     | {f"{star}:{rid}" for rid in catalogs.scs_requirements()["requirement_id"]
                        for star in catalogs.stars()}}
    out: list[Breach] = []
    for sector, rows in s.groupby(_text(s["sector"]), sort=True):
        if sector not in catalogs.sectors():
            continue  # said once already, by the sector check
        allowed = set(catalogs.sector_info(sector)["frameworks"])
        wrong = rows.loc[~rows["framework"].isin(allowed) & rows["framework"].isin(FRAMEWORKS), "framework"]
        if len(wrong):
            out.append(Breach("values", "scores", f"{len(wrong)} {sector} scores in frameworks the sector is not "
                                                  f"scored on: {_example(wrong)}"))
    for framework, rows in s.groupby(_text(s["framework"]), sort=True):
        if framework not in known:
            continue
        bad = ~rows["node_id"].isin(known[framework])
        if bad.any():
            out.append(Breach("values", "scores", f"{int(bad.sum())} {framework} scores at nodes {framework} does "
                                                  f"not have: {_example(rows.loc[bad, 'node_id'])}"))
    return out


def _schema_rest(tables: dict[str, pd.DataFrame], found: list[Breach]) -> list[Breach]:
    """Whatever else the write-time schema refuses (types, ranges), for tables the checks above passed:
    the store must be one its own code would have written."""
    said = {b.table for b in found}
    out: list[Breach] = []
    for name, frame in tables.items():
        if name in said:
            continue
        schema = TABLES[name].to_schema()
        if any(c not in frame.columns for c in schema.columns):
            continue
        try:
            TABLES[name].validate(frame, lazy=True)
        except pandera.errors.SchemaErrors as e:
            cases = e.failure_cases
            first = cases.iloc[0]
            out.append(Breach("values", name, f"breaks its schema in {len(cases)} places, first: column "
                                              f"{first['column']} fails {first['check']} "
                                              f"({str(first['failure_case'])[:40]!r})"))
    return out


# --- manifest -----------------------------------------------------------------------------------------------------

def _parent(path: str) -> str:
    """The container a member or an export row came from: 'a.zip!b/c.xlsx' → 'a.zip', 'x.csv#row=3' → 'x.csv',
    'a.zip!b.zip!c.xlsx' → 'a.zip!b.zip', 'a.zip!c.xlsx#entry=2' → 'a.zip'."""
    if "#row=" in path:
        return path.split("#row=", 1)[0]
    return path.split("#entry=", 1)[0].rsplit("!", 1)[0]


def _manifest(m: pd.DataFrame, q: pd.DataFrame | None) -> list[Breach]:
    out: list[Breach] = []
    if not _has(m, "sector", "year", "source_path", "status", "reason", "kind", "respondent_key"):
        return out
    codes = _reason_codes()["quarantine"]
    dup = m.duplicated(["sector", "year", "source_path"], keep=False)
    if dup.any():
        out.append(Breach("manifest", "manifest", f"{int(m.loc[dup, 'source_path'].nunique())} files listed more "
                                                  f"than once in one sector and year: "
                                                  f"{_example(m.loc[dup, 'source_path'])}"))
    status, reason = _text(m["status"]), _text(m["reason"]).str.strip()
    no_reason = status.isin(["quarantined", "superseded"]) & reason.eq("")
    if no_reason.any():
        out.append(Breach("manifest", "manifest", f"{int(no_reason.sum())} quarantined or superseded files without "
                                                  f"a reason: {_example(m.loc[no_reason, 'source_path'])}"))
    unknown = status.eq("quarantined") & reason.ne("") & ~reason.isin(codes)
    if unknown.any():
        out.append(Breach("manifest", "manifest", f"{int(unknown.sum())} quarantined files whose reason is not a "
                                                  f"code of catalogs/reasons.yaml: {_example(reason[unknown])}"))
    wrong = status.eq("superseded") & reason.ne("") & reason.ne("superseded")
    if wrong.any():
        out.append(Breach("manifest", "manifest", f"{int(wrong.sum())} superseded files whose reason is not "
                                                  f"'superseded': {_example(reason[wrong])}"))
    stray = status.eq("ingested") & reason.ne("")
    if stray.any():
        out.append(Breach("manifest", "manifest", f"{int(stray.sum())} ingested files with a quarantine reason "
                                                  f"(flags go in the flags column): {_example(reason[stray])}"))
    # members and export rows hang under an ingested container of the same sector and year
    paths = _text(m["source_path"])
    kind = _text(m["kind"])
    inner = kind.isin(["member", "export_row"])
    where = m.assign(_path=paths, _parent=paths.map(_parent))
    known = where[["sector", "year", "_path", "kind", "status"]].rename(
        columns={"_path": "_parent", "kind": "_pkind", "status": "_pstatus"}).drop_duplicates(
        ["sector", "year", "_parent"])
    inner_rows = where[inner].merge(known, on=["sector", "year", "_parent"], how="left")
    orphan = inner_rows["_pkind"].isna()
    if orphan.any():
        out.append(Breach("manifest", "manifest", f"{int(orphan.sum())} archive members or export rows whose "
                                                  f"archive or export is not in the manifest: "
                                                  f"{_example(inner_rows.loc[orphan, '_path'])}"))
    bad_parent = ~orphan & (inner_rows["_pstatus"].ne("ingested") | ~(
        (inner_rows["kind"].eq("member") & inner_rows["_pkind"].isin(["archive", "member"]))
        | (inner_rows["kind"].eq("export_row") & inner_rows["_pkind"].eq("export"))))
    if bad_parent.any():
        out.append(Breach("manifest", "manifest", f"{int(bad_parent.sum())} archive members or export rows under a "
                                                  "row that is not an opened archive or export: "
                                                  f"{_example(inner_rows.loc[bad_parent, '_path'])}"))
    loose = kind.isin(["file", "archive", "export"]) & (paths.str.contains("!") | paths.str.contains("#row="))
    if loose.any():
        out.append(Breach("manifest", "manifest", f"{int(loose.sum())} rows of kind file/archive/export named like "
                                                  f"an archive member or export row: {_example(paths[loose])}"))
    # a container answers nothing; a file or member ingested as a submission names its respondent
    parents = set(zip(where.loc[inner, "sector"], where.loc[inner, "year"], where.loc[inner, "_parent"],
                      strict=True))
    is_parent = pd.Series([(a, b, c) in parents for a, b, c in zip(m["sector"], m["year"], paths, strict=True)],
                          index=m.index, dtype=bool)
    keyed = _text(m["respondent_key"]).ne("")
    container = kind.isin(CONTAINERS) | is_parent
    keyed_container = container & keyed
    if keyed_container.any():
        out.append(Breach("manifest", "manifest", f"{int(keyed_container.sum())} archives or exports with a "
                                                  f"respondent_key: {_example(paths[keyed_container])}"))
    unkeyed = status.isin(["ingested", "superseded"]) & ~container & ~keyed
    if unkeyed.any():
        out.append(Breach("manifest", "manifest", f"{int(unkeyed.sum())} ingested or superseded submissions "
                                                  f"without a respondent_key: {_example(paths[unkeyed])}"))
    if _has(m, "template_version"):
        unversioned = status.eq("ingested") & ~container & _text(m["template_version"]).eq("")
        if unversioned.any():
            out.append(Breach("manifest", "manifest", f"{int(unversioned.sum())} ingested submissions without a "
                                                      f"template_version: {_example(paths[unversioned])}"))
    # the clerk's list: every quarantined and superseded file is in the quarantine table, with its status
    if _has(q, "sector", "year", "source_path", "status"):
        cases = m.loc[status.isin(["quarantined", "superseded"]), ["sector", "year", "source_path", "status"]]
        listed = cases.merge(q[["sector", "year", "source_path", "status"]].drop_duplicates(),
                             on=["sector", "year", "source_path", "status"], how="left", indicator=True)
        unlisted = listed["_merge"].eq("left_only")
        if unlisted.any():
            out.append(Breach("manifest", "quarantine", f"{int(unlisted.sum())} quarantined or superseded files of "
                                                        f"the manifest are not in the quarantine table: "
                                                        f"{_example(listed.loc[unlisted, 'source_path'])}"))
        if "reason" in q:
            said = cases.assign(reason=reason[cases.index]).merge(
                q[["sector", "year", "source_path", "status", "reason"]].drop_duplicates(
                    ["sector", "year", "source_path", "status"]),
                on=["sector", "year", "source_path", "status"], suffixes=("", "_q"))
            differ = said["reason"].ne(_text(said["reason_q"]).str.strip())
            if differ.any():
                out.append(Breach("manifest", "quarantine", f"{int(differ.sum())} rows whose reason is not the "
                                                            f"manifest's: {_example(said.loc[differ, 'reason_q'])}"))
    return out


# --- keys ---------------------------------------------------------------------------------------------------------

def _keyset(frame: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(frame[KEY].astype({"year": "int64"}, errors="ignore").drop_duplicates())


def _missing_from(a: pd.DataFrame, b: pd.DataFrame) -> int:
    """How many (sector, year, respondent_key) of ``a`` are not in ``b``."""
    return int((~_keyset(a).isin(_keyset(b))).sum())


def _keys(m: pd.DataFrame | None, r: pd.DataFrame, x: pd.DataFrame | None, i: pd.DataFrame | None,
          ro: pd.DataFrame | None, s: pd.DataFrame | None, notes: list[str]) -> list[Breach]:
    out: list[Breach] = []
    if not _has(r, *KEY):
        return out
    for name, frame in (("manifest", m), ("respondents", r), ("responses", x), ("identities", i), ("roster", ro),
                        ("scores", s)):
        cols = UNIQUE[name]
        if _has(frame, *cols):
            dup = frame.duplicated(cols)
            if dup.any() and name != "manifest":  # the manifest's duplicates are said by its own rule
                out.append(Breach("keys", name, f"{int(dup.sum())} rows repeat ({', '.join(cols)})"))
    if _has(m, *KEY, "status", "kind", "source_path"):
        submitted = m[m["status"].eq("ingested") & _text(m["respondent_key"]).ne("")
                      & ~m["kind"].isin(CONTAINERS)]
        n = _missing_from(r, submitted)
        if n:
            out.append(Breach("keys", "respondents", f"{n} respondents with no ingested file in the manifest"))
        n = _missing_from(submitted, r)
        if n:
            out.append(Breach("keys", "manifest", f"{n} ingested submissions whose respondent is not in "
                                                  "respondents"))
        twice = submitted.duplicated(KEY)
        if twice.any():
            out.append(Breach("keys", "manifest", f"{int(twice.sum())} respondents with more than one ingested "
                                                  "file (a later one supersedes the others)"))
        superseded = m[m["status"].eq("superseded") & _text(m["respondent_key"]).ne("")]
        n = _missing_from(superseded, r)
        if n:
            out.append(Breach("keys", "manifest", f"{n} superseded files whose respondent has no ingested "
                                                  "submission"))
        if _has(r, "source_path"):
            pairs = submitted.drop_duplicates(KEY).merge(r[[*KEY, "source_path"]].drop_duplicates(KEY), on=KEY,
                                                         suffixes=("", "_r"))
            same = pairs["source_path"].eq(pairs["source_path_r"]) | (
                pairs["kind"].eq("export_row") & pairs["source_path"].map(_parent).eq(pairs["source_path_r"]))
            if (~same).any():
                out.append(Breach("keys", "respondents", f"{int((~same).sum())} respondents whose source_path is "
                                                         f"not their ingested file's: "
                                                         f"{_example(pairs.loc[~same, 'source_path_r'])}"))
        if _has(r, "template_version") and "template_version" in submitted:
            pairs = submitted.drop_duplicates(KEY).merge(r[[*KEY, "template_version"]].drop_duplicates(KEY),
                                                         on=KEY, suffixes=("", "_r"))
            differ = _text(pairs["template_version"]).ne(_text(pairs["template_version_r"]))
            if differ.any():
                out.append(Breach("keys", "respondents", f"{int(differ.sum())} respondents whose template_version "
                                                         "differs from their file's in the manifest"))
    if _has(x, *KEY):
        n = _missing_from(x, r)
        if n:
            out.append(Breach("keys", "responses", f"{n} respondent keys with answers but not in respondents"))
        n = _missing_from(r, x)
        if n:
            out.append(Breach("keys", "respondents", f"{n} respondents without a single answer in responses"))
        if _has(x, "source_path") and _has(r, "source_path"):
            pairs = x[[*KEY, "source_path"]].drop_duplicates().merge(r[[*KEY, "source_path"]], on=KEY,
                                                                     suffixes=("", "_r"))
            differ = pairs["source_path"].ne(pairs["source_path_r"])
            if differ.any():
                out.append(Breach("keys", "responses", f"{int(differ.sum())} answers' source_path is not their "
                                                       "respondent's"))
    if _has(i, *KEY):
        n = _missing_from(r, i)
        if n:
            out.append(Breach("keys", "identities", f"{n} respondents without an identity row"))
        n = _missing_from(i, r)
        if n:
            out.append(Breach("keys", "identities", f"{n} identity rows of no respondent"))
        if _has(i, "identity_basis") and _has(r, "identity_basis"):
            pairs = i[[*KEY, "identity_basis"]].merge(r[[*KEY, "identity_basis"]], on=KEY, suffixes=("", "_r"))
            differ = pairs["identity_basis"].ne(pairs["identity_basis_r"])
            if differ.any():
                out.append(Breach("keys", "identities", f"{int(differ.sum())} identity rows whose identity_basis "
                                                        "differs from the respondent's"))
    if _has(ro, *KEY, "responded"):
        answered = pd.Series(_keyset(ro).isin(_keyset(r)), index=ro.drop_duplicates(KEY).index)
        said = ro.drop_duplicates(KEY)["responded"].astype(bool)
        wrong = said.ne(answered)
        if wrong.any():
            out.append(Breach("keys", "roster", f"{int(wrong.sum())} members whose responded flag disagrees with "
                                                "respondents"))
    if _has(s, *KEY):
        n = _missing_from(s, r)
        if n:
            out.append(Breach("keys", "scores", f"{n} respondent keys with scores but not in respondents"))
        scored = s[KEY].drop_duplicates()
        parts = set(zip(scored["sector"], scored["year"], strict=True))
        in_scored = r[np.array([(a, b) in parts for a, b in zip(r["sector"], r["year"], strict=True)], dtype=bool)]
        n = _missing_from(in_scored, scored)
        if n:
            out.append(Breach("keys", "scores", f"{n} respondents of scored sector-years without scores "
                                                "(run `sdw score`)"))
        unscored = sorted({(a, int(b)) for a, b in zip(r["sector"], r["year"], strict=True)} - parts)
        if unscored:
            notes.append("not scored yet (run `sdw score`): "
                         + ", ".join(f"{a} {b}" for a, b in unscored))
    elif len(r):
        notes.append("no scores table yet (run `sdw score`)")
    return out


# --- answers ------------------------------------------------------------------------------------------------------

def _answers(m: pd.DataFrame | None, x: pd.DataFrame | None, s: pd.DataFrame | None, r: pd.DataFrame | None,
             deep: bool) -> list[Breach]:
    """The answers a store holds are the ones its manifest counted and its rules scored: a store that lost
    rows, or whose scores were edited, passes every key check but not these."""
    out: list[Breach] = []
    if _has(x, *KEY, "answer", "score"):
        out += _points(x)
    if _has(m, *KEY, "status", "kind", "n_items", "n_invalid", "n_unanswered") and _has(x, *KEY, "answer"):
        submitted = m[m["status"].eq("ingested") & _text(m["respondent_key"]).ne("")
                      & ~m["kind"].isin(CONTAINERS)].drop_duplicates(KEY)
        counted = (x.assign(_invalid=x["answer"].eq("invalid"), _unanswered=x["answer"].eq("unanswered"))
                   .groupby(KEY, sort=False).agg(_n=("answer", "size"), _inv=("_invalid", "sum"),
                                                 _un=("_unanswered", "sum")).reset_index())
        pairs = submitted.merge(counted, on=KEY)
        for column, got, what in (("n_items", "_n", "answers"), ("n_invalid", "_inv", "invalid answers"),
                                  ("n_unanswered", "_un", "unanswered items")):
            said = pd.to_numeric(pairs[column], errors="coerce")
            differ = said.ne(pairs[got])
            if differ.any():
                shown = (f"{int(a)} of {b:g}" for a, b in zip(pairs.loc[differ, got], said[differ], strict=True))
                out.append(Breach("answers", "responses", f"{int(differ.sum())} respondents whose {what} in responses "
                                                          f"are not their file's {column} in the manifest: "
                                                          f"{_example(shown)}"))
        if deep and "template_version" in submitted:
            out += _form_items(submitted)
        if _has(submitted, "sheet") and _has(x, "sheet"):
            sheets = x[[*KEY, "sheet"]].drop_duplicates().merge(submitted[[*KEY, "sheet"]], on=KEY,
                                                                 suffixes=("", "_m"))
            known = _text(sheets["sheet_m"]).ne("")  # a store written before manifest.sheet reads it as empty
            differ = known & _text(sheets["sheet"]).ne(_text(sheets["sheet_m"]))
            if differ.any():
                out.append(Breach("answers", "responses", f"{int(differ.sum())} respondents whose answers' sheet is "
                                                          f"not their file's sheet in the manifest: "
                                                          f"{_example(sheets.loc[differ, 'sheet'])}"))
    if deep and _has(s, *KEY, "framework") and _has(r, *KEY):
        out += _frameworks(s, r)
    return out


def _points(x: pd.DataFrame) -> list[Breach]:
    """responses.score is its answer's points under catalogs/scoring.yaml (null for not applicable)."""
    from pipeline.ruleset import point_table  # the one rule ingest and scoring share

    table = point_table()
    answer = _text(x["answer"])
    canonical = answer.isin(list(table))  # an answer outside the contract is said by the values rule
    expected = answer.map(table).astype(float)
    score = pd.to_numeric(x["score"], errors="coerce")
    agree = (expected.isna() & score.isna()) | np.isclose(score.fillna(-1.0), expected.fillna(-2.0))
    bad = canonical & ~agree
    if not bad.any():
        return []
    shown = (f"{a} scored {'NaN' if pd.isna(v) else f'{v:g}'}" for a, v in zip(answer[bad], score[bad], strict=True))
    return [Breach("answers", "responses", f"{int(bad.sum())} answers whose score is not the points of their answer "
                                           f"(catalogs/scoring.yaml): {_example(shown)}")]


def _form_items(submitted: pd.DataFrame) -> list[Breach]:
    """A file's n_items is its form's item count, fewer only when flagged missing_items."""
    sizes: dict[str, int] = {}
    for version in _text(submitted["template_version"]).unique():
        try:
            sizes[version] = len(catalogs.items_for(version))
        except (KeyError, FileNotFoundError):
            continue  # said by the values rule
    form = _text(submitted["template_version"]).map(sizes)
    n = pd.to_numeric(submitted["n_items"], errors="coerce")
    flagged = _text(submitted["flags"]).str.split().map(lambda f: "missing_items" in f) \
        if "flags" in submitted else pd.Series(False, index=submitted.index)
    bad = form.notna() & ((n > form) | ((n < form) & ~flagged))
    if not bad.any():
        return []
    shown = (f"{a:g} of {b:g}" for a, b in zip(n[bad], form[bad], strict=True))
    return [Breach("answers", "manifest", f"{int(bad.sum())} ingested submissions whose n_items is not their form's "
                                          f"item count (nor flagged missing_items): {_example(shown)}")]


def _frameworks(s: pd.DataFrame, r: pd.DataFrame) -> list[Breach]:
    """Each respondent of a scored sector-year is scored on every framework of its sector."""
    out: list[Breach] = []
    have = set(zip(s["sector"], s["year"].astype("int64"), s["respondent_key"], s["framework"], strict=True))
    parts = {(a, int(b)) for a, b in zip(s["sector"], s["year"], strict=True)}
    missing: list[str] = []
    n = 0
    for sector, year, key in zip(r["sector"], r["year"].astype("int64"), r["respondent_key"], strict=True):
        if (sector, year) not in parts or sector not in catalogs.sectors():
            continue
        if not any((sector, year, key, f) in have for f in FRAMEWORKS):
            continue  # no score at all: said by the keys rule
        lack = [f for f in catalogs.sector_info(sector)["frameworks"] if (sector, year, key, f) not in have]
        if lack:
            n += 1
            missing += lack
    if n:
        out.append(Breach("answers", "scores", f"{n} respondents of scored sector-years without a framework their "
                                               f"sector is scored on: {_example(missing)}"))
    return out


# --- fingerprint --------------------------------------------------------------------------------------------------

def _fingerprint(store: Path, r: pd.DataFrame | None, i: pd.DataFrame | None, key: bytes | None) -> list[Breach]:
    path = store / FINGERPRINT_FILE
    if not path.exists():
        if r is not None and len(r):
            return [Breach("fingerprint", FINGERPRINT_FILE, "missing: the store holds respondent keys but does not "
                                                            "name the key they were made with")]
        return []
    try:
        stamp = json.loads(path.read_text(encoding="utf-8"))
        stored = str(stamp["fingerprint"])
    except (ValueError, KeyError, TypeError, OSError):
        return [Breach("fingerprint", FINGERPRINT_FILE, "unreadable: not JSON with a 'fingerprint'")]
    out: list[Breach] = []
    if not re.fullmatch(r"[0-9a-f]{32}", stored):
        out.append(Breach("fingerprint", FINGERPRINT_FILE, f"fingerprint is not 32 hex digits: {stored[:40]!r}"))
    if stamp.get("algorithm") != "hmac-sha256" or stamp.get("label") != FINGERPRINT_LABEL:
        out.append(Breach("fingerprint", FINGERPRINT_FILE, f"algorithm or label is not hmac-sha256 of "
                                                           f"{FINGERPRINT_LABEL!r}"))
    if key is None or out:
        return out
    from pipeline.ingest.identity import respondent_key
    from pipeline.ingest.keys import fingerprint

    if fingerprint(key) != stored:
        return [Breach("fingerprint", FINGERPRINT_FILE, f"names another key than the one at hand (store "
                                                        f"{stored[:12]}…, key {fingerprint(key)[:12]}…)")]
    if _has(i, "respondent_key", "company_name", "corporate_number"):
        rows = i[["respondent_key", "company_name", "corporate_number"]].fillna("").drop_duplicates()
        again = [respondent_key(key, str(n), str(c))[0] for n, c in zip(rows["corporate_number"],
                                                                        rows["company_name"], strict=True)]
        differ = rows["respondent_key"].ne(pd.Series(again, index=rows.index))
        if differ.any():
            out.append(Breach("fingerprint", "identities", f"{int(differ.sum())} respondent keys are not what the "
                                                           "store's key gives for their 法人番号 or name"))
    return out


def print_result(result: CheckResult) -> int:
    """Print each breach (one line each), the notes and a summary; the exit status: 1 on any breach."""
    for line in result.lines():
        print(f"breach: {line}")
    for note in result.notes:
        print(f"note: {note}")
    sizes = ", ".join(f"{name} {n:,}" for name, n in result.sizes.items())
    verdict = "keeps its contract" if result.ok else f"{len(result.breaches)} breach(es)"
    print(f"sdw check: {result.store}: {verdict}" + (f" ({sizes})" if sizes else ""))
    return 0 if result.ok else 1
