"""Deciding, before anything is written, every file of a synthetic year and what ingest must make of it.

The plan is pure data (picklable tasks for the workers, ground-truth rows for the checker), drawn
from one seeded generator so the same seed gives the same plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from pipeline import catalogs, corporate_number
from pipeline.synth import auto as auto_layout
from pipeline.synth.mess import CLEAN, NATIVE, Quirks, answer_texts, corp_number_cell, draw_quirks
from pipeline.synth.names import company_names, department
from pipeline.synth.population import sector_code, spec


@dataclass
class Member:
    """One workbook (or bad file) to write: on its own, or inside an archive."""

    name: str  # file name, or path inside the archive
    kind: str  # checklist | pdf | ipa | survey | bomb | raw
    sector: str = ""
    company: dict[str, Any] = field(default_factory=dict)
    written: list[str | None] = field(default_factory=list)
    template: str = ""
    answered_on: dt.date | None = None
    quirks: Quirks = CLEAN
    seed: tuple[int, ...] = ()
    ext: str = ".xlsx"
    post: str | None = None  # encrypt | truncate
    data: bytes = b""  # kind == raw


@dataclass
class Task:
    path: str  # relative to the output folder
    members: list[Member]
    archive: bool = False
    cp932_names: bool = False


@dataclass
class Plan:
    tasks: list[Task] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)  # ground truth, one row per file / member
    answers: list[dict[str, Any]] = field(default_factory=list)  # per ingested-or-superseded submission
    rows: list[dict[str, Any]] = field(default_factory=list)  # export rows
    export_frames: list[tuple[str, pd.DataFrame, str]] = field(default_factory=list)  # path, frame, format


def _company_dict(row: pd.Series, rng: np.random.Generator) -> dict[str, Any]:
    d = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
    d["department"] = department(rng)
    return d


def _answered_on(rng: np.random.Generator, sector: str, year: int) -> dt.date:
    month, day = spec(sector)["survey_opens"]
    return dt.date(year, month, day) + dt.timedelta(days=int(rng.integers(0, 75)))


def _bad_counts(n: int, messy: bool) -> dict[str, int]:
    if not messy:
        return dict.fromkeys(["duplicate", "corrupt", "encrypted", "empty", "bad_number", "no_number"], 0)
    at_least = 1 if n >= 20 else 0
    return {"duplicate": max(at_least, round(0.01 * n)), "corrupt": max(at_least, round(0.003 * n)),
            "encrypted": max(at_least, round(0.002 * n)), "empty": max(at_least, round(0.002 * n)),
            "bad_number": max(at_least, round(0.004 * n)), "no_number": max(at_least, round(0.002 * n))}


def _file_row(path: str, status: str, reason: str = "", company: dict | None = None, template: str = "",
              kind: str = "workbook", superseded_by: str = "", identity: str = "") -> dict[str, Any]:
    company = company or {}
    return {"source_path": path, "kind": kind, "expected_status": status, "expected_reason": reason,
            "company_id": company.get("company_id", -1), "corporate_number": company.get("corporate_number", ""),
            "company_name": company.get("name", ""), "template_version": template,
            "superseded_by": superseded_by, "identity": identity}


def _rows(intended: pd.DataFrame) -> list[list[Any]]:
    """Every respondent's intended answers as a list, as ``intended.iloc[i].tolist()`` gives them, at
    once: a row taken out of an Arrow-backed frame one at a time costs more than planning the file."""
    return intended.to_numpy(dtype=object).tolist()


def _improve(canonical: list[str], rng: np.random.Generator) -> list[str]:
    """A resubmission: a handful of gaps closed since the first file."""
    out = list(canonical)
    gaps = [i for i, c in enumerate(out) if c == "not_implemented"]
    for i in rng.choice(gaps, size=min(5, len(gaps)), replace=False) if gaps else []:
        out[i] = "implemented"
    return out


def plan_workbooks(sector: str, year: int, resp: pd.DataFrame, intended: pd.DataFrame, seed: int,
                   messy: bool) -> Plan:
    """One workbook per respondent (power mostly as .xlsm inside a .zip), plus the bad files."""
    rng = np.random.default_rng([seed, sector_code(sector), year, 41])
    plan = Plan()
    n = len(resp)
    counts = _bad_counts(n, messy)
    picks = rng.permutation(n)
    cursor = 0
    special: dict[int, str] = {}
    for what in ("duplicate", "corrupt", "encrypted", "empty", "bad_number", "no_number"):
        for i in picks[cursor: cursor + counts[what]]:
            special[int(i)] = what
        cursor += counts[what]
    group_zip: list[tuple[Member, dict]] = []
    resubmitted: list[tuple[str, str]] = []
    item_ids = intended.columns.tolist()
    canonicals = _rows(intended)
    versions = catalogs.template_versions(sector)
    form = spec(sector)
    for i in range(n):
        company = _company_dict(resp.iloc[i], rng)
        what = special.get(i, "")
        if what == "bad_number":
            wrong = company["corporate_number"]
            company["corporate_number"] = wrong[:-1] + str((int(wrong[-1]) + 1) % 10)
        elif what == "no_number":
            company["corporate_number"] = ""
        template = _template(sector, year, rng, messy, versions)
        quirks = draw_quirks(rng, messy, allow_xls=".xls" in catalogs.template(template)["files"])
        if what == "no_number":
            quirks = replace(quirks, corp_number_style="text")
        canonical = canonicals[i]
        family = sector
        written, expected = answer_texts(rng, canonical, template, family, quirks)
        if what == "empty":
            written, expected = [None] * len(written), ["unanswered"] * len(written)
        answered_on = _answered_on(rng, sector, year)
        ext = ".xls" if quirks.writer == "xlwt" else form["ext"]
        stem = form["file_stem"] + company["name"]
        member = Member(stem + ext, "checklist", sector, company, written, template, answered_on, quirks,
                        (seed, sector_code(sector), year, i), ext,
                        post={"corrupt": "truncate", "encrypted": "encrypt"}.get(what))
        identity = "name" if what in ("bad_number", "no_number") else "corporate_number"
        status, reason = {"corrupt": ("quarantined", "corrupt"), "encrypted": ("quarantined", "encrypted"),
                          "empty": ("quarantined", "empty_checklist")}.get(what, ("ingested", ""))
        expect = {"company": company, "template": template, "status": status, "reason": reason,
                  "identity": identity, "written": written, "expected": expected, "intended": canonical,
                  "items": item_ids}
        if what == "duplicate":
            later = answered_on + dt.timedelta(days=int(rng.integers(3, 30)))
            redo = _improve(canonical, rng)
            w2, e2 = answer_texts(rng, redo, template, family, replace(quirks, n_invalid=0))
            again = replace(member, name=stem + "_修正版" + ext, written=w2, answered_on=later,
                            seed=(*member.seed, 2))
            second = {**expect, "written": w2, "expected": e2, "intended": redo}
            first_path = _place(plan, sector, member, expect, rng, group_zip, messy)
            second_path = _place(plan, sector, again, second, rng, group_zip, messy, resubmission=True)
            resubmitted.append((first_path, second_path))
        else:
            _place(plan, sector, member, expect, rng, group_zip, messy)
    _flush_group(plan, group_zip)
    for first_path, second_path in resubmitted:
        _mark_superseded(plan, first_path, second_path)
    if messy and n >= 20:
        _add_stray_files(plan, sector, year, seed, rng)
    return plan


def _template(sector: str, year: int, rng: np.random.Generator, messy: bool, versions: list[str]) -> str:
    """The template a respondent used; ``versions`` are the sector's, oldest first (one: nothing to draw)."""
    if len(versions) == 1:
        return versions[0]
    current = auto_layout.template_for_year(year)
    k = versions.index(current)
    if messy and k > 0 and rng.random() < 0.04:
        return versions[k - 1]  # last year's form, still in circulation
    return current


def _place(plan: Plan, sector: str, member: Member, expect: dict, rng: np.random.Generator,
           group_zip: list, messy: bool, resubmission: bool = False) -> str:
    """Put a member on disk: bare, in its own ZIP, or held back for a group ZIP. Returns its source path."""
    company = expect["company"]
    if member.ext == ".xls":
        zipped, grouped = False, False
    elif spec(sector)["zip_share"]:  # power: most files come inside a ZIP
        zipped, grouped = rng.random() < spec(sector)["zip_share"], messy and rng.random() < 0.03 and not resubmission
    else:
        zipped, grouped = False, messy and rng.random() < 0.02 and not resubmission
    if grouped:
        group_zip.append((member, expect))
        return _group_path(len(group_zip), member)
    folder = "追加提出/" if messy and rng.random() < 0.1 else ""
    if zipped:
        archive = f"{folder}{company['name']}{'_再提出' if resubmission else ''}.zip"
        inner = (str(rng.choice(["", "提出書類/", "自己診断/回答/"])) if messy else "") + member.name
        member.name = inner
        plan.tasks.append(Task(archive, [member], archive=True, cp932_names=bool(rng.random() < 0.7)))
        plan.files.append(_file_row(archive, "ingested", kind="archive"))
        path = f"{archive}!{inner}"
    else:
        path = folder + member.name
        member.name = path
        plan.tasks.append(Task(path, [member]))
    _record(plan, path, member, expect)
    return path


def _group_path(k: int, member: Member) -> str:
    return f"グループ会社一括提出_{(k - 1) // 3 + 1}.zip!{member.name}"


def _flush_group(plan: Plan, group: list[tuple[Member, dict]]) -> None:
    for start in range(0, len(group), 3):
        chunk = group[start: start + 3]
        archive = _group_path(start + 1, chunk[0][0]).split("!")[0]
        plan.tasks.append(Task(archive, [m for m, _ in chunk], archive=True, cp932_names=True))
        plan.files.append(_file_row(archive, "ingested", kind="archive"))
        for member, expect in chunk:
            _record(plan, f"{archive}!{member.name}", member, expect)


def _record(plan: Plan, path: str, member: Member, expect: dict) -> None:
    plan.files.append(_file_row(path, expect["status"], expect["reason"], expect["company"], expect["template"],
                                identity=expect["identity"]))
    plan.answers.append({"source_path": path, "items": expect["items"], "written": expect["written"],
                         "expected": expect["expected"], "intended": expect["intended"]})


def _mark_superseded(plan: Plan, first: str, second: str) -> None:
    for row in plan.files:
        if row["source_path"] == first:
            row.update(expected_status="superseded", expected_reason="superseded", superseded_by=second)


def _add_stray_files(plan: Plan, sector: str, year: int, seed: int, rng: np.random.Generator) -> None:
    """What else lands in a submission folder: a PDF, another instrument, another body's questionnaire, the
    other sector, unsafe ZIPs."""
    plan.tasks.append(Task("回答書_印刷用.xlsx", [Member("回答書_印刷用.xlsx", "pdf")]))
    plan.files.append(_file_row("回答書_印刷用.xlsx", "quarantined", "not_a_workbook", kind="bad"))
    plan.tasks.append(Task("自社診断_IPA.xlsx", [Member("自社診断_IPA.xlsx", "ipa")]))
    # IPA's own sheet (a column per answer) is read as the sme checklist: another sector's file here, and in an
    # sme folder a checklist whose cover is missing
    ipa_fate = "no_identity" if catalogs.sector_info(sector).get("matrix_roles") else "wrong_sector"
    plan.files.append(_file_row("自社診断_IPA.xlsx", "quarantined", ipa_fate, kind="bad"))
    plan.tasks.append(Task("取引先アンケート.xlsx", [Member("取引先アンケート.xlsx", "survey")]))
    plan.files.append(_file_row("取引先アンケート.xlsx", "quarantined", "unknown_template", kind="bad"))
    # the first registered sector with a sample checklist (catalogs/sectors.yaml synth.sample), other than this one
    other = next(s for s, info in catalogs.sectors().items() if s != sector and info["synth"].get("sample"))
    sample = catalogs.sector_info(other)["synth"]["sample"]
    number = corporate_number.make(f"{int(rng.integers(10**11, 10**12)):012d}")
    stranger = {"company_id": -1, "corporate_number": number,
                "name": company_names(rng, other, 1)[0], "department": "総務部"}
    template = sample["template"]
    native = NATIVE[template]
    written = [native["implemented"]] * len(catalogs.items_for(template))
    stranger.update(sample["attributes"])
    name = f"{catalogs.sector_info(other)['synth']['file_stem']}{stranger['name']}.xlsx"
    plan.tasks.append(Task(name, [Member(name, "checklist", other, stranger, written, template,
                                         dt.date(year, 10, 1), CLEAN, (seed, 9, year), ".xlsx")]))
    plan.files.append(_file_row(name, "quarantined", "wrong_sector", kind="bad", template=template))
    tricky = "提出物_まとめ.zip"
    plan.tasks.append(Task(tricky, [Member("../../outside/自己診断票.xlsx", "pdf"),
                                    Member("集計/巨大データ.xlsx", "bomb")], archive=True))
    plan.files.append(_file_row(tricky, "ingested", kind="archive"))
    plan.files.append(_file_row(f"{tricky}!../../outside/自己診断票.xlsx", "quarantined", "unsafe_path", kind="bad"))
    plan.files.append(_file_row(f"{tricky}!集計/巨大データ.xlsx", "quarantined", "archive_bomb", kind="bad"))


def plan_export(year: int, resp: pd.DataFrame, intended: pd.DataFrame, seed: int, messy: bool) -> Plan:
    """The web system's consolidated export, in batches (xlsx, and CSV in cp932 / UTF-8 with BOM)."""
    template = auto_layout.template_for_year(year)
    if "export" not in catalogs.template(template):  # auto-v2.0
        raise ValueError("the consolidated export exists from checklist v2.1 (FY2023); use --form workbooks")
    rng = np.random.default_rng([seed, 1, year, 43])
    plan = Plan()
    n = len(resp)
    start = dt.datetime(year, 10, 1, 9)
    submitted = sorted(start + dt.timedelta(minutes=int(m)) for m in rng.integers(0, 75 * 24 * 60, n))
    order = rng.permutation(n)
    entries = []  # (submitted, respondent index, canonical, resubmission)
    canonicals = _rows(intended)
    for k, i in enumerate(order):
        entries.append((submitted[k], int(i), canonicals[int(i)], False))
    if messy:
        for i in rng.choice(n, size=max(1, round(0.01 * n)), replace=False):
            first = next(e for e in entries if e[1] == int(i))
            entries.append((first[0] + dt.timedelta(days=int(rng.integers(2, 20))), int(i),
                            _improve(first[2], rng), True))
    entries.sort(key=lambda e: e[0])
    formats = [("xlsx", ".xlsx"), ("cp932", ".csv"), ("utf-8-sig", ".csv")] if messy else [("xlsx", ".xlsx")]
    batches = np.array_split(np.arange(len(entries)), len(formats))
    latest: dict[int, dt.datetime] = {}
    for when, i, _, _ in entries:
        latest[i] = max(latest.get(i, when), when)
    item_ids = intended.columns.tolist()
    for b, ((fmt, ext), idx) in enumerate(zip(formats, batches, strict=True), start=1):
        path = f"回答一覧_FY{year}_第{b}回{ext}"
        recs, companies, written_rows, corp_cells, receipts, times = [], [], [], [], [], []
        for j in idx:
            when, i, canonical, _ = entries[j]
            company = _company_dict(resp.iloc[i], rng)
            quirks = replace(CLEAN, n_blank=int(rng.integers(1, 3)) if messy and rng.random() < 0.1 else 0,
                             answer_variant_share=0.05 if messy and fmt != "cp932" and rng.random() < 0.05 else 0.0)
            written, expected = answer_texts(rng, canonical, template, "auto", quirks)
            style = str(rng.choice(["text", "fullwidth", "hyphen"], p=[0.9, 0.05, 0.05])) if messy else "text"
            corp_cells.append(str(corp_number_cell(company["corporate_number"], style)))
            companies.append(company)
            written_rows.append(written)
            receipts.append(f"R{year}-{int(j) + 1:06d}")
            times.append(when)
            recs.append((company, when, i, written, expected, canonical))
        frame = auto_layout.export_frame(pd.DataFrame(companies), written_rows, times, receipts, corp_cells,
                                         template)
        header_row = 1
        for r, (company, when, i, written, expected, canonical) in enumerate(recs, start=header_row + 1):
            fate = "ingested" if when == latest[i] else "superseded"
            plan.rows.append({"source_path": path, "row": r, "manifest_path": f"{path}#row={r}",
                              "company_id": company["company_id"],
                              "corporate_number": company["corporate_number"], "company_name": company["name"],
                              "submitted_at": when, "expected_status": fate, "template_version": template})
            if fate == "ingested":
                plan.answers.append({"source_path": path, "items": item_ids, "written": written,
                                     "expected": expected, "intended": canonical, "row": r})
        plan.export_frames.append((path, frame, fmt))
        plan.files.append(_file_row(path, "ingested", kind="export", template=template))
    return plan
