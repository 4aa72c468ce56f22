"""Parsed inputs → the store's tables: identity, duplicates, canonical answers, manifest.

Pure functions of the parsed records (plus the secret key); no file is read or written here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import corporate_number
from pipeline.ingest.identity import normalised_name, respondent_key
from pipeline.ingest.parse import Parsed
from pipeline.ruleset import point_table


@dataclass
class Tables:
    manifest: pd.DataFrame
    respondents: pd.DataFrame
    responses: pd.DataFrame
    identities: pd.DataFrame


def check_sector(records: list[Parsed], sector: str) -> None:
    """A checklist (or export) of the other sector is quarantined, not read into this one."""
    for rec in records:
        if rec.status == "ingested" and rec.sector and rec.sector != sector:
            rec.status, rec.reason = "quarantined", "wrong_sector"
            rec.detail = f"a {rec.sector} checklist ({rec.template_version or 'export'}), not {sector}"


def known_numbers(*frames: pd.DataFrame | None) -> dict[str, set[str]]:
    """Normalised company name → the valid 法人番号 it goes with, in rosters and identities."""
    known: dict[str, set[str]] = {}
    for frame in frames:
        if frame is None or not len(frame):
            continue
        pairs = frame[["corporate_number", "company_name"]].fillna("").drop_duplicates()  # a company, every year
        for number, name in pairs.itertuples(index=False):
            if corporate_number.is_valid(str(number)) and normalised_name(str(name)):
                known.setdefault(normalised_name(str(name)), set()).add(str(number))
    return known


def assign_identity(records: list[Parsed], key: bytes, known: dict[str, set[str]] | None = None) -> dict[str, str]:
    """respondent_key per submission; name fallback flagged; neither → quarantined (no_identity).

    A submission without a valid 法人番号 whose company name (normalised) goes with exactly one 法人番号 in
    ``known`` (the roster, earlier years, other submissions now) is keyed by that number, flagged
    linked_by_name; with several numbers it stays keyed by name, flagged ambiguous_name_link.
    """
    keys: dict[str, str] = {}
    known = {k: set(v) for k, v in (known or {}).items()}
    outside = {k: set(v) for k, v in known.items()}  # the roster's and other years' numbers, before this run's
    for rec in records:  # this run's own submissions with a number count too
        number = str(rec.attributes.get("corporate_number") or "")
        name = normalised_name(str(rec.attributes.get("company_name") or ""))
        if rec.is_submission and corporate_number.is_valid(number) and name:
            known.setdefault(name, set()).add(number)
    for rec in records:
        if not rec.is_submission:
            continue
        number = str(rec.attributes.get("corporate_number") or "")
        name = str(rec.attributes.get("company_name") or "")
        k, basis = respondent_key(key, number, name)
        if not k:
            rec.status, rec.reason, rec.detail = "quarantined", "no_identity", "neither 法人番号 nor 事業者名"
            continue
        candidates = sorted(known.get(normalised_name(name), ())) if basis == "name" else []
        if len(candidates) == 1:
            k, _ = respondent_key(key, candidates[0], name)
            basis = "name_linked"
            rec.flags.append("linked_by_name")
            written = f"記入された番号 {number} は正しい法人番号ではありません" if number else "法人番号の記入: 空欄"
            rec.warnings.append(f"事業者名「{name}」→ 法人番号 {candidates[0]}({written})")
            rec.attributes["corporate_number"] = candidates[0]
            if candidates[0] not in outside.get(normalised_name(name), ()):
                rec.linked_in_run = candidates[0]  # only a file of this run says so: see supersede
        elif len(candidates) > 1:
            rec.flags.append("ambiguous_name_link")
            rec.warnings.append(f"事業者名「{name}」に法人番号が {len(candidates)} 件: " + ", ".join(candidates))
        if basis == "name":
            rec.flags.append("name_fallback")
            rec.warnings.append(f"法人番号 {number or '(空欄)'} は無効")
        rec.attributes["identity_basis"] = basis
        keys[rec.source_path] = k
    return keys


def supersede(records: list[Parsed], keys: dict[str, str], saved_at: Callable[[Parsed], str] = lambda r: ""
              ) -> None:
    """Keep each respondent's latest submission (回答日/提出日時; on a tie, the workbook saved last,
    then the path); mark the others superseded. ``saved_at`` is asked only for tied submissions.

    Only an identity that is certain supersedes: a valid 法人番号, written or linked by name to the roster
    or another year. Submissions keyed by a name alone (no valid number) may be two companies of one name,
    or a name that is no name: the latest is kept and the others are quarantined (``same_name_unverified``)
    for the clerk to ask, never marked superseded. A submission linked by name only to another file of this
    run (no number written, the number found in the other file) is no more certain: whatever its date, the
    file with the number is kept and it is quarantined the same way.
    """
    groups: dict[str, list[Parsed]] = {}
    for rec in records:
        if rec.is_submission and rec.source_path in keys:
            groups.setdefault(keys[rec.source_path], []).append(rec)
    for group in groups.values():
        if len(group) < 2:
            continue

        def stated(r: Parsed) -> tuple[dt.date, str]:
            return r.submitted_on or dt.date.min, str(r.attributes.get("submitted_at", ""))

        unverified = [r for r in group if r.linked_in_run]
        if unverified and len(unverified) < len(group):
            group = [r for r in group if not r.linked_in_run]
            kept = max(group, key=lambda r: (*stated(r), r.source_path))
            for rec in unverified:
                _unverified_link(rec, kept)
            if len(group) < 2:
                continue
        latest_stated = max(stated(r) for r in group)
        tied = sum(stated(r) == latest_stated for r in group) > 1
        group.sort(key=lambda r: (*stated(r), saved_at(r) if tied and stated(r) == latest_stated else "",
                                  r.source_path))
        latest = group[-1]
        certain = all(r.attributes.get("identity_basis") in CERTAIN and
                      corporate_number.is_valid(str(r.attributes.get("corporate_number") or "")) for r in group)
        for rec in group[:-1]:
            if certain:
                rec.status, rec.reason, rec.detail = "superseded", "superseded", f"superseded by {latest.source_path}"
            else:
                rec.status, rec.reason = "quarantined", "same_name_unverified"
                rec.detail = (f"事業者名「{rec.attributes.get('company_name') or ''}」が同じで法人番号のない提出: "
                              f"{latest.source_path} を取り込み、この提出は取り込んでいません")


def _unverified_link(rec: Parsed, kept: Parsed) -> None:
    """Quarantine a numberless submission whose name matched a numbered file of this run: the clerk asks
    whether it is that company's (a later correction) or another company's of the same name."""
    number = rec.linked_in_run
    rec.status, rec.reason = "quarantined", "same_name_unverified"
    rec.detail = (f"事業者名「{rec.attributes.get('company_name') or ''}」が同じ {kept.source_path} には法人番号 "
                  f"{number} がありますが、この提出には法人番号がありません。同じ事業者の提出か確かめられないため、"
                  f"{kept.source_path} を取り込み、この提出は取り込んでいません")
    rec.attributes["corporate_number"] = ""  # the link is not the member's word: nothing was written
    rec.attributes["identity_basis"] = "name"
    rec.flags = [f for f in rec.flags if f != "linked_by_name"]
    rec.warnings = [w for w in rec.warnings if not w.startswith("事業者名「")]


CERTAIN = ("corporate_number", "name_linked")
"""Identity bases that may mark another submission superseded: the 法人番号 is valid (written, or linked)."""


def build_tables(records: list[Parsed], answers: pa.Table, keys: dict[str, str], sector: str,
                 year: int) -> Tables:
    """The store's tables for one (sector, year): kept submissions' answers, respondents, manifest.

    ``answers`` holds every parsed answer with ``rec`` indexing ``records``; rows of submissions that
    were not kept (quarantined, superseded) are dropped here, with Arrow takes rather than Python loops.
    """
    is_kept = np.array([r.is_submission for r in records], dtype=bool)
    kept = [r for r, k in zip(records, is_kept, strict=True) if k]
    rec_keys = [keys[r.source_path] for r in kept]
    position = np.where(is_kept, np.cumsum(is_kept) - 1, -1)  # record index → index among the kept
    where = position[answers.column("rec").to_numpy()]
    rows = answers.filter(pa.array(where >= 0))
    owner = pa.array(where[where >= 0])

    def per_record(values: list[str]) -> pa.Array:
        return pa.array(values, pa.string()).take(owner)

    answer = rows.column("answer").combine_chunks()
    # responses.score: the same rule as scoring (pipeline/ruleset.point_table), informational as of ingest;
    # scoring recomputes points from the answer and never reads this column
    table = point_table()
    canonical = pa.array(list(table), pa.string())
    points = pa.array(list(table.values()), pa.float64(), from_pandas=True)  # NaN (not applicable) → null
    score = points.take(pc.index_in(answer, value_set=canonical))
    responses = pa.table({
        "sector": pa.array([sector]).take(pa.array(np.zeros(len(rows), dtype=np.int64))),
        "year": pa.array(np.full(len(rows), year, dtype=np.int64)),
        "respondent_key": per_record(rec_keys),
        "item_id": rows.column("item_id"),
        "answer_raw": rows.column("answer_raw"),
        "answer": answer,
        "score": score,
        "source_path": per_record([r.answer_path for r in kept]),
        "sheet": per_record([r.sheet for r in kept]),
        "cell": rows.column("cell"),
    }).to_pandas()
    respondents = [{"respondent_key": k, "identity_basis": r.attributes["identity_basis"],
                    "template_version": r.template_version, "submitted_on": r.submitted_on,
                    "source_path": r.answer_path,
                    **{a: v for a, v in r.attributes.items()
                       if a not in ("company_name", "corporate_number", "identity_basis", "receipt_no")}}
                   for r, k in zip(kept, rec_keys, strict=True)]
    identities = [{"respondent_key": k, "identity_basis": r.attributes["identity_basis"],
                   "company_name": str(r.attributes.get("company_name") or ""),
                   "corporate_number": str(r.attributes.get("corporate_number") or "")}
                  for r, k in zip(kept, rec_keys, strict=True)]
    part = {"sector": sector, "year": year}
    return Tables(
        manifest=_manifest(records, keys, sector, year),
        respondents=pd.DataFrame(respondents).assign(**part).pipe(_respondent_columns),
        responses=responses,
        identities=pd.DataFrame(identities, columns=["respondent_key", "identity_basis", "company_name",
                                                     "corporate_number"]).assign(**part),
    )


RESPONDENT_COLUMNS = ["sector", "year", "respondent_key", "identity_basis", "template_version", "submitted_on",
                      "source_path", "size_band", "business_types", "main_business_type", "employees",
                      "target_system", "suspended", "under_construction", "member_org", "industry", "capital",
                      "target_level", "submitted_at"]


def _respondent_columns(df: pd.DataFrame) -> pd.DataFrame:
    for col in RESPONDENT_COLUMNS:
        if col not in df.columns:
            df[col] = None
    df["submitted_on"] = pd.to_datetime(df["submitted_on"])
    df["employees"] = pd.to_numeric(df["employees"], errors="coerce").astype(float)
    return df[RESPONDENT_COLUMNS + [c for c in df.columns if c not in RESPONDENT_COLUMNS]]


def _manifest(records: list[Parsed], keys: dict[str, str], sector: str, year: int) -> pd.DataFrame:
    rows = []
    for rec in records:
        rows.append({
            "sector": sector, "year": year, "source_path": rec.source_path, "sha256": rec.sha256 or None,
            "status": rec.status, "reason": rec.reason, "respondent_key": keys.get(rec.source_path, ""),
            "template_version": rec.template_version, "kind": rec.kind, "detail": rec.detail,
            "flags": " ".join(dict.fromkeys(rec.flags)), "n_items": rec.n_items,
            "n_invalid": rec.n_invalid, "n_unanswered": rec.n_unanswered,
            "warnings": " / ".join(rec.warnings), "sheet": rec.sheet,
        })
    return pd.DataFrame(rows)


__all__ = ["Tables", "assign_identity", "build_tables", "check_sector", "supersede"]
