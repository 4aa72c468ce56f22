"""``sdw status``: what the store holds, per sector and year, and whether what was made from it still follows.

An association clerk asks "what is in my store?" before a report or a feedback run: which years were
ingested, how many files went to quarantine and why, how many members answered, whether the scores are
older than the last ingest or the rules, which forms are scored on a provisional catalog, and which
reports under ``reports/`` were written from the store as it is now. Everything here reads only
columns of the store's tables (never identities) and the reports' provenance stamps; nothing is written.

A report is up to date when the data snapshot id printed in its provenance stamp (the HTML's
``sdw-provenance`` line) equals the id the store gives now for the same sectors and years
(:func:`pipeline.publish.provenance.snapshot_id`): the report folder ``reports/<sector>/<span>`` says
which (``all`` as sector: the cross-sector page, about every sector in the store scored on CSF 2.0).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline import catalogs, config
from pipeline.store import opened, schema_of

OPENED_CONTAINERS = ("archive", "export")  # counted through their members/rows once opened, as ingest counts
_SNAPSHOT = re.compile(r'class="sdw-provenance">([^<]*)<')
_HEX12 = re.compile(r"\b[0-9a-f]{12}\b")


def _read(store: Path, name: str, columns: list[str]) -> pd.DataFrame | None:
    path = store / name
    if not path.exists():
        return None
    with opened(path) as f:  # the columns chosen by the schema of the file whose rows are read
        present = [c for c in columns if c in schema_of(f).names]
        return pd.read_parquet(f, columns=present)


def _partition_rows(store: Path) -> list[dict]:
    """One record per (sector, year) in the manifest or respondents: files, respondents, roster, forms."""
    from pipeline.catalogs import provisional, template_versions

    manifest = _read(store, "manifest", ["sector", "year", "status", "reason", "kind"])
    respondents = _read(store, "respondents", ["sector", "year", "respondent_key", "template_version"])
    roster = _read(store, "roster", ["sector", "year", "respondent_key", "responded"])
    keys: set[tuple[str, int]] = set()
    for t in (manifest, respondents):
        if t is not None:
            keys |= {(str(s), int(y)) for s, y in t[["sector", "year"]].drop_duplicates().itertuples(index=False)}
    rows = []
    for sector, year in sorted(keys, key=lambda k: (list(catalogs.sectors()).index(k[0])
                                                     if k[0] in catalogs.sectors() else 99, k[1])):
        row: dict = {"sector": sector, "year": year}
        m = manifest[manifest["sector"].eq(sector) & manifest["year"].eq(year)] if manifest is not None else None
        if m is not None:
            m = m[~(m["kind"].isin(OPENED_CONTAINERS) & m["status"].eq("ingested"))]
            status = m["status"].value_counts()
            q = m[m["status"].eq("quarantined")]
            row |= {"files": len(m), "ingested": int(status.get("ingested", 0)),
                    "quarantined": int(status.get("quarantined", 0)),
                    "quarantined_by_reason": {str(k): int(v) for k, v in sorted(
                        q["reason"].value_counts().items(), key=lambda kv: (-kv[1], str(kv[0])))},
                    "superseded": int(status.get("superseded", 0))}
        r = respondents[respondents["sector"].eq(sector) & respondents["year"].eq(year)] \
            if respondents is not None else pd.DataFrame(columns=["respondent_key", "template_version"])
        versions = r["template_version"].fillna("").astype(str).value_counts()
        known = set(template_versions(sector))
        row |= {"respondents": len(r),
                "form_versions": {str(k): int(v) for k, v in sorted(versions.items())},
                "provisional_versions": provisional(v for v in versions.index if v in known)}
        members = roster[roster["sector"].eq(sector) & roster["year"].eq(year)] if roster is not None else None
        if members is not None and len(members):
            row |= {"roster_members": len(members),
                    "roster_responded": int(members["responded"].sum()),
                    "response_rate": round(float(members["responded"].mean()), 4),
                    # answered but not on that year's member list: the roster or the number needs a look
                    "respondents_not_on_roster": int((~r["respondent_key"].isin(members["respondent_key"])).sum())}
        else:
            row |= {"roster_members": None, "roster_responded": None, "response_rate": None,
                    "respondents_not_on_roster": None}
        rows.append(row)
    return rows


def _freshness(store: Path, rows: list[dict]) -> None:
    from pipeline.freshness import read_history, rules_digest, scoring_code_digest, staleness
    from pipeline.preconditions import scored_years

    scored = scored_years(store)
    history = read_history(store)
    rules = rules_digest()
    code = scoring_code_digest(config.catalogs_dir())
    for row in rows:
        if not row["respondents"]:
            row |= {"ingested_at": history.get("ingested", {}).get(f"{row['sector']}/{row['year']}"),
                    "scored_at": None, "scores": "no respondents", "stale_reasons": []}
            continue
        f = staleness(store, (row["sector"], row["year"]) in scored, row["sector"], row["year"], history, rules, code)
        state = "stale" if f.stale else ("up to date" if f.known else "unknown")
        row |= {"ingested_at": f.ingested_at, "scored_at": f.scored_at, "scores": state,
                "stale_reasons": list(f.reasons)}


def report_folders(reports: Path) -> list[Path]:
    """Report folders ``reports/<sector or all>/<span>/`` holding an HTML report (feedback is not a report)."""
    if not reports.is_dir():
        return []
    return sorted(p.parent for p in reports.glob("*/*/*.html") if p.parent.parent.name != "feedback")


def _span_years(folder: str, held: list[int]) -> list[int]:
    span = folder.split("_", 1)[0]  # a variant's folder: the span, then what differs (all_en, 2024-2026_by-industry)
    if span == "all":
        return held
    first, _, last = span.partition("-")
    try:
        lo, hi = int(first), int(last or first)
    except ValueError:
        return []
    return [y for y in held if lo <= y <= hi]


def stamped_snapshot(folder: Path) -> str | None:
    """The data snapshot id in a report's provenance stamp (its HTML), or None when it has none."""
    for html in sorted(folder.glob("*.html")):
        m = _SNAPSHOT.search(html.read_text(encoding="utf-8", errors="replace"))
        if m and (hexes := _HEX12.search(m.group(1))):
            return hexes.group(0)
    return None


def _reports(store: Path, reports: Path, rows: list[dict]) -> list[dict]:
    from pipeline.publish.provenance import snapshot_id
    from pipeline.report.data import cross_sector_sectors

    held: dict[str, list[int]] = {}
    stale: set[tuple[str, int]] = set()
    for row in rows:
        if row["respondents"]:
            held.setdefault(row["sector"], []).append(row["year"])
        if row.get("scores") == "stale":
            stale.add((row["sector"], row["year"]))
    out = []
    for folder in report_folders(reports):
        label, span = folder.parent.name, folder.name
        # ``all``: the cross-sector page, about every sector it compares (as it chose them)
        sectors = [label] if label != "all" else cross_sector_sectors(store) if (store / "scores").exists() else []
        years = sorted({y for s in sectors for y in _span_years(span, held.get(s, []))})
        stamped = stamped_snapshot(folder)
        current = snapshot_id(store, sectors, years) if years else None
        if stamped is None:
            state = "no provenance stamp"
        elif current is None:
            state = "out of date (the store holds none of its years)"
        elif stamped != current:
            state = "out of date"
        elif stale_here := sorted((s, y) for s, y in stale if s in sectors and y in years):
            # the same files and rules, but scores are missing or stale: the report may not be what a
            # report written now (after `sdw score`) would show
            state = "same data, but scores stale for " + ", ".join(f"{s} FY{y}" for s, y in stale_here)
        else:
            state = "up to date"
        try:
            shown = folder.relative_to(reports).as_posix()
        except ValueError:
            shown = str(folder)
        out.append({"report": shown, "sectors": sectors, "years": years, "snapshot": stamped,
                    "store_snapshot": current, "state": state, "up_to_date": state == "up to date"})
    return out


def store_status(store: Path, reports: Path | None = None) -> dict:
    """Everything ``sdw status`` shows, as plain data (the ``--json`` output).

    Keys: ``store``, ``key_fingerprint`` (None before the first ingest), ``scored_at``, ``partitions``
    (one record per sector and year, see :func:`_partition_rows` and the freshness keys ``ingested_at``,
    ``scored_at``, ``scores``, ``stale_reasons``) and ``reports`` (``report``, ``sectors``, ``years``,
    ``snapshot``, ``store_snapshot``, ``state``, ``up_to_date``).
    """
    from pipeline.freshness import read_history
    from pipeline.ingest.keys import stored_fingerprint

    store = Path(store)
    reports = config.reports_dir() if reports is None else Path(reports)
    rows = _partition_rows(store) if store.is_dir() else []
    if rows:
        _freshness(store, rows)
    return {"store": str(store), "key_fingerprint": stored_fingerprint(store) if store.is_dir() else None,
            "scored_at": (read_history(store).get("scored") or {}).get("at"), "partitions": rows,
            "reports": _reports(store, reports, rows), "reports_dir": str(reports)}


def _when(iso: str | None) -> str:
    return iso.replace("T", " ").replace("+00:00", " UTC") if iso else "unknown"


def text_lines(status: dict) -> list[str]:
    """The status as a person reads it on a terminal, one sector-year block after another."""
    lines = [f"store {status['store']}: key fingerprint {status['key_fingerprint'] or 'none (never ingested)'}"]
    if not status["partitions"]:
        lines.append("  empty — run: sdw ingest --sector SECTOR --year YYYY --raw DIR, then sdw score")
    for p in status["partitions"]:
        scores = p["scores"] + (": " + "; ".join(p["stale_reasons"]) if p["stale_reasons"] else "")
        scored = _when(p["scored_at"]) if p["scored_at"] or p["scores"] == "unknown" else "never"
        lines.append(f"{p['sector']} FY{p['year']}: ingested {_when(p['ingested_at'])}, scored {scored}; "
                     f"scores {scores}")
        if "files" in p:
            reasons = ", ".join(f"{k} {v}" for k, v in p["quarantined_by_reason"].items())
            lines.append(f"  files {p['files']}: {p['ingested']} ingested, {p['quarantined']} quarantined"
                         + (f" ({reasons})" if reasons else "") + f", {p['superseded']} superseded")
        outside = f", {p['respondents_not_on_roster']} not on it" if p["respondents_not_on_roster"] else ""
        roster = (f"; roster {p['roster_members']} members, {p['roster_responded']} answered "
                  f"({p['response_rate']:.1%}){outside}" if p["roster_members"] else "; no roster")
        lines.append(f"  respondents {p['respondents']}{roster}")
        forms = ", ".join(f"{v or '(unknown)'} ({n})" for v, n in p["form_versions"].items()) or "none"
        provisional = p["provisional_versions"]
        lines.append(f"  forms {forms}" + (f"; provisional catalog: {', '.join(provisional)}" if provisional else ""))
    lines.append(f"reports under {status['reports_dir']}:" if status["reports"] else
                 f"reports under {status['reports_dir']}: none")
    for r in status["reports"]:
        lines.append(f"  {r['report']}: data {r['snapshot'] or '—'}, {r['state']}"
                     + (f" (store now {r['store_snapshot']})" if r["state"] == "out of date" else ""))
    return lines
