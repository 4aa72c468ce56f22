"""Parsed inputs → the store's tables: identity, duplicates, canonical answers, manifest.

Pure functions of the parsed records (plus the secret key); no file is read or written here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from pipeline import catalogs
from pipeline.ingest.identity import respondent_key
from pipeline.ingest.parse import Parsed
from pipeline.ingest.vocab import POINTS, canonical_answer

INSTRUMENT = {"power": "power", "auto": "auto"}


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


def assign_identity(records: list[Parsed], key: bytes) -> dict[str, str]:
    """respondent_key per submission; name fallback flagged; neither → quarantined (no_identity)."""
    keys: dict[str, str] = {}
    for rec in records:
        if not rec.is_submission:
            continue
        number = str(rec.attributes.get("corporate_number") or "")
        name = str(rec.attributes.get("company_name") or "")
        k, basis = respondent_key(key, number, name)
        if not k:
            rec.status, rec.reason, rec.detail = "quarantined", "no_identity", "neither 法人番号 nor 事業者名"
            continue
        if basis == "name":
            rec.flags.append("name_fallback")
            rec.warnings.append(f"法人番号 {number or '(空欄)'} は無効")
        rec.attributes["identity_basis"] = basis
        keys[rec.source_path] = k
    return keys


def supersede(records: list[Parsed], keys: dict[str, str]) -> None:
    """Keep each respondent's latest submission (回答日/提出日時, then path); mark the others superseded."""
    groups: dict[str, list[Parsed]] = {}
    for rec in records:
        if rec.is_submission and rec.source_path in keys:
            groups.setdefault(keys[rec.source_path], []).append(rec)
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda r: (r.submitted_on or dt.date.min, str(r.attributes.get("submitted_at", "")),
                                  r.source_path))
        latest = group[-1]
        for rec in group[:-1]:
            rec.status, rec.reason, rec.detail = "superseded", "superseded", f"superseded by {latest.source_path}"


def _raw_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def build_tables(records: list[Parsed], keys: dict[str, str], sector: str, year: int) -> Tables:
    item_ids = set((catalogs.power_items() if sector == "power" else catalogs.auto_items())["item_id"])
    kept = [r for r in records if r.is_submission]
    frames, respondents, identities = [], [], []
    for rec in kept:
        key = keys[rec.source_path]
        frame = pd.DataFrame({"item_id": rec.items, "answer_raw": [_raw_text(v) for v in rec.raw],
                              "cell": rec.cells})
        unknown = ~frame["item_id"].isin(item_ids)
        if unknown.any():
            rec.flags.append("unknown_items")
            rec.warnings.append("様式にない項目: " + ", ".join(frame.loc[unknown, "item_id"].head(5)))
        dup = frame["item_id"].duplicated()
        if dup.any():
            rec.warnings.append("重複した項目: " + ", ".join(frame.loc[dup, "item_id"].head(5)))
        frame = frame[~unknown & ~dup]
        missing = len(item_ids) - len(frame)
        if missing > 0:
            rec.flags.append("missing_items")
            rec.warnings.append(f"{missing} 項目が見つかりません")
        frames.append(frame.assign(respondent_key=key, source_path=rec.answer_path, sheet=rec.sheet))
        respondents.append({"respondent_key": key, "identity_basis": rec.attributes["identity_basis"],
                            "template_version": rec.template_version, "submitted_on": rec.submitted_on,
                            "source_path": rec.answer_path,
                            **{k: v for k, v in rec.attributes.items()
                               if k not in ("company_name", "corporate_number", "identity_basis", "receipt_no")}})
        identities.append({"respondent_key": key, "identity_basis": rec.attributes["identity_basis"],
                           "company_name": str(rec.attributes.get("company_name") or ""),
                           "corporate_number": str(rec.attributes.get("corporate_number") or "")})
    responses = _canonical(pd.concat(frames, ignore_index=True) if frames else _empty_responses(), sector)
    _count_answers(kept, responses, keys)
    part = {"sector": sector, "year": year}
    return Tables(
        manifest=_manifest(records, keys, sector, year),
        respondents=pd.DataFrame(respondents).assign(**part).pipe(_respondent_columns),
        responses=responses.assign(**part)[["sector", "year", "respondent_key", "item_id", "answer_raw", "answer",
                                            "score", "source_path", "sheet", "cell"]],
        identities=pd.DataFrame(identities, columns=["respondent_key", "identity_basis", "company_name",
                                                     "corporate_number"]).assign(**part),
    )


def _empty_responses() -> pd.DataFrame:
    return pd.DataFrame(columns=["item_id", "answer_raw", "cell", "respondent_key", "source_path", "sheet"])


def _canonical(frame: pd.DataFrame, sector: str) -> pd.DataFrame:
    """Map raw answers through the vocabulary once per distinct spelling (fast on 10⁵–10⁶ rows)."""
    raw = frame["answer_raw"]
    uniques = pd.unique(raw.dropna())
    table = {u: canonical_answer(u, INSTRUMENT[sector]) for u in uniques}
    answer = raw.map(table).fillna("unanswered")
    return frame.assign(answer=answer, score=answer.map(POINTS).astype(float))


def _count_answers(kept: list[Parsed], responses: pd.DataFrame, keys: dict[str, str]) -> None:
    counts = responses.groupby("respondent_key")["answer"].value_counts().unstack(fill_value=0)
    for rec in kept:
        key = keys[rec.source_path]
        row = counts.loc[key] if key in counts.index else None
        rec.attributes["_n_invalid"] = int(row.get("invalid", 0)) if row is not None else 0
        rec.attributes["_n_unanswered"] = int(row.get("unanswered", 0)) if row is not None else 0
        if rec.attributes["_n_invalid"]:
            rec.flags.append("invalid_answers")
            bad = responses[(responses["respondent_key"] == key) & responses["answer"].eq("invalid")]
            rec.warnings.append("判読できない回答: " + ", ".join(
                f"{i}「{a}」" for i, a in zip(bad["item_id"].head(5), bad["answer_raw"].head(5), strict=True)))
        if rec.attributes["_n_unanswered"]:
            rec.flags.append("unanswered")


RESPONDENT_COLUMNS = ["sector", "year", "respondent_key", "identity_basis", "template_version", "submitted_on",
                      "source_path", "size_band", "business_types", "main_business_type", "employees",
                      "target_system", "member_org", "industry", "capital", "target_level", "submitted_at"]


def _respondent_columns(df: pd.DataFrame) -> pd.DataFrame:
    df = df.drop(columns=[c for c in df.columns if c.startswith("_")])
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
            "flags": " ".join(dict.fromkeys(rec.flags)), "n_items": len(rec.items),
            "n_invalid": int(rec.attributes.get("_n_invalid", 0)),
            "n_unanswered": int(rec.attributes.get("_n_unanswered", 0)),
            "warnings": " / ".join(rec.warnings),
        })
    return pd.DataFrame(rows)


def summary_counts(manifest: pd.DataFrame) -> Counter:
    return Counter(manifest.loc[manifest["kind"].ne("archive") & manifest["kind"].ne("export"), "status"])


__all__ = ["Tables", "assign_identity", "build_tables", "check_sector", "supersede"]
