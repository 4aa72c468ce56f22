"""Linking identities across years: a company keyed by its name in one year is re-keyed by its 法人番号
once that number is known with certainty (from another year's submission or a roster).

Forward (a name-only submission of this run, a number already known) is :func:`assemble.assign_identity`.
This module is the other way: rows already in the store (or in this run's roster) keyed by name whose
name now goes with exactly one 法人番号. Without it the same company is two respondents — a panel of
two years loses it, a non-respondent list names a company that answered.

A link is made only when it is certain: the normalised name goes with exactly one 法人番号 across the
sector's store, the roster and this run, that number's key is not already another respondent of the year
being re-keyed, and no other name of that year would take the same number (two rows of one year made one
company would break the store's uniqueness). Otherwise the rows are flagged ``ambiguous_name_link`` and
keep their name key. Links stay within a sector: a name in another sector's list may be another company.
Nothing here writes: :func:`relink` returns re-keyed copies that the store writes with everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.ingest.identity import normalised_name, respondent_key
from pipeline.ingest.reasons import DETAIL_SEP, FLAGS

Partition = tuple[str, int]
TABLES = ("roster", "scores")  # keyed tables an ingest does not always write, rewritten when keys are linked


@dataclass
class Links:
    """Per partition, name key → (法人番号 key, 法人番号); and name keys that stay, being ambiguous."""

    keys: dict[Partition, dict[str, tuple[str, str]]] = field(default_factory=dict)
    ambiguous: dict[Partition, dict[str, str]] = field(default_factory=dict)  # name key → why
    stale: dict[Partition, dict[str, str]] = field(default_factory=dict)  # linked key → its 法人番号, now unsupported

    def __bool__(self) -> bool:
        return bool(self.keys or self.ambiguous or self.stale)

    def count(self) -> int:
        return sum(len(v) for v in self.keys.values())

    def without(self, p: Partition) -> Links:
        """The links of the other partitions (those of ``p`` are applied to this run's own tables)."""
        return Links({q: v for q, v in self.keys.items() if q != p},
                     {q: v for q, v in self.ambiguous.items() if q != p},
                     {q: v for q, v in self.stale.items() if q != p})


def plan(rows: pd.DataFrame, known: dict[str, set[str]], key: bytes) -> Links:
    """Which name-keyed rows to re-key. ``rows``: sector, year, table, respondent_key, identity_basis,
    company_name (identities and roster rows of the partitions that may be re-keyed)."""
    links = Links()
    if rows is None or not len(rows):
        return links
    for (sector, year), part in rows.groupby(["sector", "year"], sort=True):
        p = (str(sector), int(year))
        named = part[part["identity_basis"].eq("name")]
        wanted: dict[str, tuple[str, str, str, set[str]]] = {}  # name key → (number key, number, name, tables)
        for old, group in named.groupby("respondent_key", sort=True):
            name = str(group["company_name"].iloc[0])
            numbers = sorted(known.get(normalised_name(name), ()))
            if len(numbers) > 1:
                links.ambiguous.setdefault(p, {})[old] = f"事業者名「{name}」に法人番号が {len(numbers)} 件: " + \
                    ", ".join(numbers)
            elif numbers:
                wanted[str(old)] = (respondent_key(key, numbers[0], name)[0], numbers[0], name, set(group["table"]))
        if not wanted:
            continue
        new_keys = {w[0] for w in wanted.values()}
        taken = part[part["respondent_key"].isin(new_keys)].groupby("respondent_key")["table"].agg(set).to_dict()
        sharing: dict[str, list[str]] = {}  # number key → the name keys that would take it
        for old, w in wanted.items():
            sharing.setdefault(w[0], []).append(old)
        for old, (new, number, name, tables) in wanted.items():
            if len(sharing[new]) > 1:  # two names of one year → one number: two rows would become one company
                others = sorted(wanted[o][2] for o in sharing[new] if o != old)
                links.ambiguous.setdefault(p, {})[old] = (
                    f"事業者名「{name}」の法人番号 {number} は {p[1]} 年度の別の事業者名("
                    + "、".join(f"「{n}」" for n in others) + ")にも当たります")
            elif taken.get(new, set()) & tables:  # that number already answers (or is listed) in this year
                links.ambiguous.setdefault(p, {})[old] = (
                    f"事業者名「{name}」の法人番号 {number} は {p[1]} 年度に別の回答・名簿の行があります")
            else:
                links.keys.setdefault(p, {})[old] = (new, number)
    return links


def unsupported(links: Links, linked: pd.DataFrame | None, *carriers: pd.DataFrame | None) -> Links:
    """``links`` with the ``name_linked`` rows of ``linked`` (other years' identities) whose 法人番号 no
    year's submission or roster carries any more, as happens when the year that gave it is re-ingested with
    a corrected number. They keep their key (which company it is, only a clerk can tell) and are flagged
    ``stale_name_link``; a link is never undone or moved silently."""
    if linked is None or not len(linked):
        return links
    carried: set[str] = set()
    for frame in carriers:
        if frame is not None and len(frame) and "identity_basis" in frame:
            carried |= set(frame.loc[frame["identity_basis"].eq("corporate_number"), "corporate_number"].astype(str))
    rows = linked[linked["identity_basis"].eq("name_linked") & ~linked["corporate_number"].astype(str).isin(carried)]
    for sector, year, k, number in rows[["sector", "year", "respondent_key", "corporate_number"]].itertuples(
            index=False):
        links.stale.setdefault((str(sector), int(year)), {})[str(k)] = str(number)
    return links


def _in(frame: pd.DataFrame, p: Partition) -> pd.Series:
    return frame["sector"].eq(p[0]) & frame["year"].eq(p[1])


def relink(name: str, frame: pd.DataFrame, links: Links) -> pd.DataFrame:
    """A store table with the planned links applied (a copy; the input is left as it was)."""
    if not links.keys or frame is None or "respondent_key" not in frame:
        return frame
    frame = frame.copy()
    for p, mapping in links.keys.items():
        rows = _in(frame, p) & frame["respondent_key"].isin(list(mapping))
        if not rows.any():
            continue
        old = frame.loc[rows, "respondent_key"]
        frame.loc[rows, "respondent_key"] = old.map({k: v[0] for k, v in mapping.items()})
        if "identity_basis" in frame:
            frame.loc[rows, "identity_basis"] = "name_linked"
        if "corporate_number" in frame and name in ("identities", "roster"):
            frame.loc[rows, "corporate_number"] = old.map({k: v[1] for k, v in mapping.items()})
    return frame


def flag(manifest: pd.DataFrame, quarantine: pd.DataFrame, identities: pd.DataFrame, links: Links,
         now: Partition) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Manifest flags and 要確認 rows for the files re-keyed (or left ambiguous) in other partitions.

    Called with the tables *before* :func:`relink` (it finds files by their old key). Idempotent: a flag
    already there is not added twice, so re-running an ingest gives the same store.
    """
    manifest = manifest.copy()
    quarantine = quarantine.copy() if quarantine is not None else pd.DataFrame(columns=_QUARANTINE)
    names = identities.set_index(["sector", "year", "respondent_key"])["company_name"].to_dict() \
        if identities is not None and len(identities) else {}
    notes: list[tuple[Partition, str, str, str, str]] = []  # partition, old key, code, number, text
    for p, mapping in links.keys.items():
        for old, (_new, number) in mapping.items():
            text = (f"事業者名「{names.get((*p, old), '')}」→ 法人番号 {number}"
                    f"({now[0]} {now[1]} 年度の取込で付け替え)")
            notes.append((p, old, "linked_by_name", number, text))
    for p, olds in links.ambiguous.items():
        notes.extend((p, old, "ambiguous_name_link", "", why) for old, why in olds.items())
    for p, stale in links.stale.items():
        notes.extend((p, k, "stale_name_link", number,
                      f"結び付けた法人番号 {number} はどの年度の提出・名簿にももうありません"
                      f"({now[0]} {now[1]} 年度の取込で)") for k, number in stale.items())
    for p, old, code, number, text in notes:
        files = _in(manifest, p) & manifest["respondent_key"].eq(old) & manifest["status"].eq("ingested")
        for i in manifest.index[files]:
            flags = manifest.at[i, "flags"].split()
            if code in flags:
                continue
            if code == "linked_by_name":
                flags = [f for f in flags if f != "name_fallback"]
            manifest.at[i, "flags"] = " ".join([*flags, code])
            manifest.at[i, "warnings"] = " / ".join(w for w in [manifest.at[i, "warnings"], text] if w)
            quarantine = _note(quarantine, p, manifest.at[i, "source_path"], code, number, names.get((*p, old), ""),
                               text)
    return manifest, quarantine


def roster_notes(members: pd.DataFrame, links: Links, now: Partition, file: str) -> list[dict]:
    """This run's roster rows listed by name and linked (or left ambiguous), as roster problems (名簿 sheet)."""
    rows = members.attrs.get("rows", {})
    names = members.set_index("respondent_key")["company_name"].to_dict()
    notes = [{"source_path": f"{file}#row={rows.get(old, '?')}", "status": "ingested",
              "reason": "roster_linked_by_name", "company_name": names.get(old, ""), "corporate_number": number,
              "detail": f"事業者名「{names.get(old, '')}」→ 法人番号 {number}"}
             for old, (_new, number) in links.keys.get(now, {}).items() if old in names]
    notes += [{"source_path": f"{file}#row={rows.get(old, '?')}", "status": "ingested",
               "reason": "roster_ambiguous_name_link", "company_name": names.get(old, ""), "corporate_number": "",
               "detail": why} for old, why in links.ambiguous.get(now, {}).items() if old in names]
    return notes


_QUARANTINE = ["sector", "year", "source_path", "status", "reason", "company_name", "corporate_number", "problem_ja",
               "action_ja", "detail"]


def _note(quarantine: pd.DataFrame, p: Partition, path: str, code: str, number: str, name: str,
          text: str) -> pd.DataFrame:
    """Add ``code`` to the file's 要確認 row (one row per file; its reason lists the flags)."""
    row = _in(quarantine, p) & quarantine["source_path"].eq(path) & quarantine["status"].eq("ingested")
    if not row.any():
        new = {"sector": p[0], "year": p[1], "source_path": path, "status": "ingested", "reason": "",
               "company_name": name, "corporate_number": "", "problem_ja": "", "action_ja": "", "detail": ""}
        quarantine = pd.concat([quarantine, pd.DataFrame([new])], ignore_index=True)
        row = _in(quarantine, p) & quarantine["source_path"].eq(path) & quarantine["status"].eq("ingested")
    i = quarantine.index[row][0]
    codes = [c for c in quarantine.at[i, "reason"].split() if not (code == "linked_by_name" and c == "name_fallback")]
    codes = [*codes, code]
    quarantine.at[i, "reason"] = " ".join(codes)
    quarantine.at[i, "problem_ja"] = "; ".join(FLAGS[c][0] for c in codes if c in FLAGS)
    quarantine.at[i, "action_ja"] = "; ".join(FLAGS[c][1] for c in codes if c in FLAGS)
    quarantine.at[i, "detail"] = DETAIL_SEP.join(x for x in [quarantine.at[i, "detail"], text] if x)
    if number:
        quarantine.at[i, "corporate_number"] = number
    return quarantine


__all__ = ["Links", "flag", "plan", "relink", "roster_notes", "unsupported"]
